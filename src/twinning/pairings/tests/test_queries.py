"""Scoped reads: every list and lookup starts from what the user may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twinning.core.errors import NotFound
from twinning.pairings import queries
from twinning.pairings.queries import PairingFilters


def test_the_ministry_sees_every_pair(supervisor, programme):
    assert queries.list_pairings_for(supervisor).count() == programme.pairs_created == 28


def test_a_provincial_user_sees_pairs_of_its_cities(henan, pair):
    visible = set(queries.list_pairings_for(henan))
    assert pair("120104", "411000") in visible  # 南开区–许昌市
    assert pair("120000", "410000") in visible
    assert pair("440300", "510000") not in visible  # 深圳–四川


def test_a_city_user_does_not_see_its_neighbours_pairs(xuchang, pair):
    visible = set(queries.list_pairings_for(xuchang))
    assert visible == {pair("120104", "411000")}
    with pytest.raises(NotFound):
        queries.get_pairing_for(xuchang, pair("120103", "411300").pk)  # 河西区–南阳市


def test_an_organisation_without_a_region_sees_nothing(db, programme):
    from twinning.accounts.models import Role
    from twinning.accounts.tests.factories import make_user

    nobody = make_user(Role.EXPERT, "110000")
    nobody.organisation.region = None
    nobody.organisation.save()
    assert queries.list_pairings_for(nobody).count() == 0


def test_filters_combine(supervisor):
    henan_pairs = queries.list_pairings_for(supervisor, PairingFilters(province="410000"))
    assert henan_pairs.count() == 5
    districts = queries.list_pairings_for(
        supervisor, PairingFilters(province="410000", level="county-prefecture")
    )
    assert {p.partner_region.name for p in districts} == {"信阳市", "南阳市", "许昌市", "平顶山市"}
    assert queries.list_pairings_for(supervisor, PairingFilters(q="许昌")).count() == 1
    assert queries.list_pairings_for(supervisor, PairingFilters(status="proposed")).count() == 0
    assert queries.list_pairings_for(supervisor, PairingFilters(top_level_only=True)).count() == 24


def test_sorting_by_partner_descending(supervisor):
    names = [
        p.partner_region.code
        for p in queries.list_pairings_for(supervisor, PairingFilters(sort="-partner"))
    ]
    assert names == sorted(names, reverse=True)


def test_an_unknown_sort_falls_back_to_the_default(supervisor):
    default = list(queries.list_pairings_for(supervisor))
    assert (
        list(queries.list_pairings_for(supervisor, PairingFilters(sort="; DROP TABLE"))) == default
    )


def test_the_list_costs_one_query_however_many_pairs(supervisor):
    with CaptureQueriesContext(connection) as captured:
        rows = list(queries.list_pairings_for(supervisor))
        _ = [(p.leading_region.name, p.partner_region.name, p.child_count) for p in rows]
    assert len(rows) == 28
    assert len(captured) == 1


def test_the_detail_loads_in_a_fixed_number_of_queries(supervisor, tianjin_henan):
    with CaptureQueriesContext(connection) as captured:
        pairing = queries.get_pairing_detail_for(supervisor, tianjin_henan.pk)
        _ = [list(b.members.all()) for b in pairing.bodies.all()]
        _ = list(pairing.contacts.all()), pairing.visible_children, list(pairing.focus_cities.all())
    assert len(captured) <= 8


def test_the_overview_counts_what_the_user_sees(supervisor, henan):
    everything = queries.overview_for(supervisor)
    assert everything.total == 28
    assert everything.by_status == {"active": 28}
    assert len(everything.map_lines) == 28
    mine = queries.overview_for(henan)
    assert mine.total == 5
    assert all(len(line["coords"]) == 2 for line in mine.map_lines)


def test_history_is_scoped_like_its_pair(jiangxi, tianjin_henan):
    with pytest.raises(NotFound):
        queries.history_for(jiangxi, tianjin_henan.pk)


def test_history_masks_phones_for_readers_who_may_not_see_them(henan, henan_expert, tianjin_henan):
    from twinning.pairings import services

    services.add_contact(
        actor=henan,
        pairing_id=tianjin_henan.pk,
        side="partner",
        values={"region_code": "410000", "person_name": "联络员", "phone": "0371-7654321"},
    )
    mine = queries.readable_history(henan, queries.history_for(henan, tianjin_henan.pk))
    theirs = queries.readable_history(
        henan_expert, queries.history_for(henan_expert, tianjin_henan.pk)
    )
    assert mine[0].changes["phone"] == [None, "0371-7654321"]
    assert theirs[0].changes["phone"] == [None, "***"]
    assert theirs[0].changes["person_name"] == [None, "联络员"]
