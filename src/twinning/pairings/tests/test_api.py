"""The pairings API end to end: every endpoint called with a bearer token, as the personas would.

Errors must be problem+json with a stable `code`, and a refused request must leave the database
exactly as it was (rows and audit trail alike).
"""

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from twinning.accounts.models import User
from twinning.accounts.services import create_token, revoke_token
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem
from twinning.pairings import services
from twinning.pairings.models import Body, Contact, Member, Pairing, Side
from twinning.pairings.tests.helpers import db_state

API = "/api/v1"
ApiFor = Callable[[User], Client]
PairFor = Callable[[str, str], Pairing]

TIANJIN, HENAN, GANSU, SHENZHEN, SICHUAN = "120000", "410000", "620000", "440300", "510000"
NANKAI, HEXI, XUCHANG, NANYANG, LUZHOU = "120104", "120103", "411000", "411300", "510500"


# --- helpers -----------------------------------------------------------------------------------


@contextmanager
def unchanged() -> Iterator[None]:
    """Fail if anything the API writes changed inside the block."""
    before = db_state()
    yield
    assert db_state() == before


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(f"{API}{url}", data if data is not None else {}, "application/json")


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(f"{API}{url}", data, "application/json")


def get(client: Client, url: str, **params: Any) -> Any:
    return client.get(f"{API}{url}", params)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def status_change(entry: dict[str, Any]) -> list[str]:
    """An audit entry's [old, new] status, as codes (whether recorded as codes or labels)."""
    codes = {str(s.label): s.value for s in Pairing.Status}
    return [codes.get(value, value) for value in entry["changes"]["status"]]


def pair_codes(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["leading"]["code"], item["partner"]["code"]) for item in items]


def member_values(**overrides: Any) -> dict[str, Any]:
    values = {
        "person_name": "王明",
        "position": "副处长",
        "unit": "天津市城市管理委员会",
        "body_role": "组长",
        "duty_area": "coordination",
        "phone": "022-12345678",
        "email": "wangming@example.cn",
        "start_date": "2021-03-01",
        "end_date": None,
    }
    return {**values, **overrides}


def contact_values(**overrides: Any) -> dict[str, Any]:
    values = {
        "side": "leading",
        "region_code": TIANJIN,
        "person_name": "李华",
        "position": "科长",
        "unit": "天津市城市管理委员会",
        "phone": "022-87654321",
        "email": "lihua@example.cn",
        "counterpart_id": None,
    }
    return {**values, **overrides}


@pytest.fixture
def sub_pairs(pair: PairFor) -> list[Pairing]:
    return [
        pair("120101", "411500"),
        pair(HEXI, NANYANG),
        pair(NANKAI, XUCHANG),
        pair("120113", "410400"),
    ]


@pytest.fixture
def body(tianjin_henan: Pairing, tianjin: User) -> Body:
    return services.create_body(
        actor=tianjin,
        pairing_id=tianjin_henan.pk,
        side=Side.LEADING,
        kind=Body.Kind.LEADING_GROUP,
        name="天津市交流协作领导小组",
        duties="统筹与河南省的协作",
    )


@pytest.fixture
def member(body: Body, tianjin: User) -> Member:
    values = member_values(start_date=dt.date(2021, 3, 1))
    return services.add_member(actor=tianjin, body_id=body.pk, values=values)


@pytest.fixture
def contact(tianjin_henan: Pairing, tianjin: User) -> Contact:
    values = contact_values()
    values.pop("side")
    return services.add_contact(
        actor=tianjin, pairing_id=tianjin_henan.pk, side=Side.LEADING, values=values
    )


# --- listing -----------------------------------------------------------------------------------


def test_the_list_is_paginated_as_items_and_count(api: ApiFor, supervisor: User) -> None:
    live = Pairing.objects.filter(archived_at__isnull=True).count()

    first = ok(get(api(supervisor), "/pairings"))
    small = ok(get(api(supervisor), "/pairings", page_size=5, page=2))

    assert set(first) == {"items", "count"}
    assert first["count"] == live
    assert len(first["items"]) == min(live, 50)
    assert small["count"] == live
    assert len(small["items"]) == 5
    assert pair_codes(small["items"]) == pair_codes(first["items"])[5:10]


def test_the_list_shows_only_the_pairs_in_the_users_scope(
    api: ApiFor, henan: User, tianjin_henan: Pairing, sub_pairs: list[Pairing]
) -> None:
    data = ok(get(api(henan), "/pairings"))

    assert {item["id"] for item in data["items"]} == {tianjin_henan.pk, *(p.pk for p in sub_pairs)}
    assert data["count"] == 5


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"province": HENAN}, {(TIANJIN, HENAN), ("120101", "411500"), (HEXI, NANYANG),
                               (NANKAI, XUCHANG), ("120113", "410400")}),
        ({"level": "county-prefecture"}, {("120101", "411500"), (HEXI, NANYANG),
                                          (NANKAI, XUCHANG), ("120113", "410400")}),
        ({"q": "许昌"}, {(NANKAI, XUCHANG)}),
        ({"q": "区市结对之一"}, {("120101", "411500"), (HEXI, NANYANG), (NANKAI, XUCHANG),
                          ("120113", "410400")}),
        ({"province": HENAN, "top_level_only": "true"}, {(TIANJIN, HENAN)}),
    ],
)  # fmt: skip
def test_the_list_filters(
    api: ApiFor, supervisor: User, params: dict[str, str], expected: set[tuple[str, str]]
) -> None:
    data = ok(get(api(supervisor), "/pairings", **params))

    assert set(pair_codes(data["items"])) == expected
    assert data["count"] == len(expected)


def test_the_list_filters_by_parent(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, sub_pairs: list[Pairing]
) -> None:
    data = ok(get(api(tianjin), "/pairings", parent=tianjin_henan.pk))

    assert {item["id"] for item in data["items"]} == {p.pk for p in sub_pairs}
    assert {item["parent_id"] for item in data["items"]} == {tianjin_henan.pk}


def test_top_level_only_leaves_out_every_sub_pair(api: ApiFor, supervisor: User) -> None:
    data = ok(get(api(supervisor), "/pairings", top_level_only="true", page_size=100))

    assert data["count"] == Pairing.objects.filter(parent__isnull=True).count()
    assert all(item["parent_id"] is None for item in data["items"])


def test_the_list_filters_by_status(api: ApiFor, supervisor: User, pair: PairFor) -> None:
    shenzhen_sichuan = pair(SHENZHEN, SICHUAN)
    services.transition_pairing(
        actor=supervisor, pairing_id=shenzhen_sichuan.pk, to_status="suspended"
    )

    data = ok(get(api(supervisor), "/pairings", status="suspended"))

    assert [item["id"] for item in data["items"]] == [shenzhen_sichuan.pk]
    assert data["items"][0]["status"] == "suspended"


def test_archived_pairs_are_listed_only_when_asked_for(
    api: ApiFor, admin_user: User, supervisor: User, pair: PairFor
) -> None:
    shenzhen_sichuan = pair(SHENZHEN, SICHUAN)
    services.archive_pairing(actor=admin_user, pairing_id=shenzhen_sichuan.pk)

    live = ok(get(api(supervisor), "/pairings", page_size=100))
    archived = ok(get(api(supervisor), "/pairings", archived="true"))

    assert shenzhen_sichuan.pk not in {item["id"] for item in live["items"]}
    assert [item["id"] for item in archived["items"]] == [shenzhen_sichuan.pk]
    assert archived["items"][0]["archived_at"] is not None


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("leading", lambda lp: lp, False),
        ("-leading", lambda lp: lp, True),
        ("partner", lambda lp: (lp[1], lp[0]), False),
        ("-partner", lambda lp: (lp[1], lp[0]), True),
    ],
)
def test_the_list_sorts(
    api: ApiFor,
    supervisor: User,
    sort: str,
    key: Callable[[tuple[str, str]], Any],
    reverse: bool,
) -> None:
    codes = pair_codes(ok(get(api(supervisor), "/pairings", sort=sort, page_size=100))["items"])

    assert len(codes) > 20
    assert codes == sorted(codes, key=key, reverse=reverse)


def test_listing_takes_the_same_few_queries_for_one_pair_or_many(
    api: ApiFor, supervisor: User
) -> None:
    client = api(supervisor)
    get(client, "/pairings", page_size=1)  # warm up: the token's last-used stamp

    with CaptureQueriesContext(connection) as one:
        assert len(ok(get(client, "/pairings", page_size=1))["items"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(ok(get(client, "/pairings", page_size=100))["items"]) > 20

    assert len(many) == len(one) <= 4


# --- detail and overview -----------------------------------------------------------------------


def test_the_detail_has_focus_cities_and_sub_pairs(
    api: ApiFor, supervisor: User, pair: PairFor, tianjin_henan: Pairing, sub_pairs: list[Pairing]
) -> None:
    shenzhen_sichuan = pair(SHENZHEN, SICHUAN)

    sichuan = ok(get(api(supervisor), f"/pairings/{shenzhen_sichuan.pk}"))
    henan = ok(get(api(supervisor), f"/pairings/{tianjin_henan.pk}"))

    assert {c["code"] for c in sichuan["focus_cities"]} == {LUZHOU, "511000"}
    assert sichuan["sub_pairs"] == []
    assert sichuan["leading"] == {"code": SHENZHEN, "name": "深圳市", "level": "prefecture"}
    assert henan["focus_cities"] == []
    assert {s["id"] for s in henan["sub_pairs"]} == {p.pk for p in sub_pairs}
    assert all(s["parent_id"] == tianjin_henan.pk for s in henan["sub_pairs"])
    assert henan["status"] == "active"
    assert henan["level"] == "province-province"


def test_the_overview_counts_what_the_user_may_see(api: ApiFor, henan: User) -> None:
    data = ok(get(api(henan), "/pairings/overview"))

    assert data == {
        "total": 5,
        "by_status": {"active": 5},
        "by_level": {"province-province": 1, "county-prefecture": 4},
        "regions_involved": 10,
        "provinces_involved": 2,
    }


def test_the_ministry_overview_counts_the_whole_programme(api: ApiFor, supervisor: User) -> None:
    data = ok(get(api(supervisor), "/pairings/overview"))

    assert data["total"] == Pairing.objects.count()
    assert sum(data["by_status"].values()) == data["total"]
    assert sum(data["by_level"].values()) == data["total"]


# --- proposals ---------------------------------------------------------------------------------


def test_a_proposal_counts_the_proposers_side_as_accepted(api: ApiFor, tianjin: User) -> None:
    audit_before = AuditEntry.objects.count()
    client = api(tianjin)

    data = ok(post(client, "/pairings", {"leading_code": TIANJIN, "partner_code": GANSU}), 201)

    assert data["status"] == "proposed"
    assert data["leading_accepted_at"] is not None
    assert data["partner_accepted_at"] is None
    assert data["level"] == "province-province"
    assert data["focus_cities"] == []
    assert data["sub_pairs"] == []
    pairing = Pairing.objects.get(pk=data["id"])
    assert pairing.proposed_by == tianjin
    assert AuditEntry.objects.count() == audit_before + 2  # the token, then the proposal


def test_the_other_side_accepting_makes_the_pair_active(
    api: ApiFor, tianjin: User, gansu: User
) -> None:
    proposed = services.propose_pairing(actor=tianjin, leading_code=TIANJIN, partner_code=GANSU)

    data = ok(post(api(gansu), f"/pairings/{proposed.pk}/accept", {"note": "同意结对"}))

    assert data["status"] == "active"
    assert data["partner_accepted_at"] is not None
    assert data["established_on"] == timezone.localdate().isoformat()
    history = ok(get(api(gansu), f"/pairings/{proposed.pk}/history"))["items"]
    assert history[0]["action"] == "transition"
    assert status_change(history[0]) == ["proposed", "active"]
    assert history[0]["note"] == "同意结对"


def test_the_proposer_cannot_accept_for_the_other_side(api: ApiFor, tianjin: User) -> None:
    proposed = services.propose_pairing(actor=tianjin, leading_code=TIANJIN, partner_code=GANSU)
    client = api(tianjin)

    with unchanged():
        assert_problem(post(client, f"/pairings/{proposed.pk}/accept"), 403, "forbidden")


def test_the_other_side_can_decline(api: ApiFor, tianjin: User, gansu: User) -> None:
    proposed = services.propose_pairing(actor=tianjin, leading_code=TIANJIN, partner_code=GANSU)

    data = ok(post(api(gansu), f"/pairings/{proposed.pk}/decline", {"note": "暂不结对"}))

    assert data["status"] == "declined"
    client = api(gansu)
    with unchanged():
        assert_problem(post(client, f"/pairings/{proposed.pk}/accept"), 409, "invalid_transition")


def test_a_declined_pair_can_be_proposed_again(api: ApiFor, tianjin: User, gansu: User) -> None:
    proposed = services.propose_pairing(actor=tianjin, leading_code=TIANJIN, partner_code=GANSU)
    services.decline_pairing(actor=gansu, pairing_id=proposed.pk)

    data = ok(
        post(api(tianjin), "/pairings", {"leading_code": TIANJIN, "partner_code": GANSU}), 201
    )

    assert data["id"] != proposed.pk
    assert data["status"] == "proposed"


def test_a_ministry_proposal_waits_for_both_sides(
    api: ApiFor, supervisor: User, tianjin: User, gansu: User
) -> None:
    proposal = {"leading_code": TIANJIN, "partner_code": GANSU}
    created = ok(post(api(supervisor), "/pairings", proposal), 201)

    first = ok(post(api(tianjin), f"/pairings/{created['id']}/accept"))
    second = ok(post(api(gansu), f"/pairings/{created['id']}/accept"))

    assert (created["leading_accepted_at"], created["partner_accepted_at"]) == (None, None)
    assert first["status"] == "proposed"
    assert first["leading_accepted_at"] is not None
    assert second["status"] == "active"


def test_a_sub_pair_is_proposed_under_its_parent(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    payload = {
        "leading_code": "120101",
        "partner_code": XUCHANG,
        "parent_id": tianjin_henan.pk,
        "established_on": "2024-05-01",
        "notes": "和平区与许昌市补充结对",
    }

    data = ok(post(api(tianjin), "/pairings", payload), 201)

    assert data["parent_id"] == tianjin_henan.pk
    assert data["level"] == "county-prefecture"
    assert data["established_on"] == "2024-05-01"


# --- lifecycle ---------------------------------------------------------------------------------


def test_a_pair_is_suspended_resumed_and_concluded(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)
    url = f"/pairings/{tianjin_henan.pk}/transitions"

    steps = [
        ok(post(client, url, {"to_status": status, "note": f"→{status}"}))["status"]
        for status in ("suspended", "active", "concluded")
    ]

    assert steps == ["suspended", "active", "concluded"]
    history = ok(get(client, f"/pairings/{tianjin_henan.pk}/history"))["items"]
    assert [status_change(h) for h in history[:3]] == [
        ["active", "concluded"],
        ["suspended", "active"],
        ["active", "suspended"],
    ]
    assert history[0]["actor"] == str(tianjin)


def test_the_ministry_may_suspend_a_pair(
    api: ApiFor, supervisor: User, tianjin_henan: Pairing
) -> None:
    url = f"/pairings/{tianjin_henan.pk}/transitions"

    assert ok(post(api(supervisor), url, {"to_status": "suspended"}))["status"] == "suspended"


@pytest.mark.parametrize(
    ("path", "to_status"),
    [
        (["concluded"], "active"),
        (["concluded"], "suspended"),
        ([], "active"),
        (["suspended"], "suspended"),
    ],
)
def test_a_forbidden_transition_is_a_conflict(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, path: list[str], to_status: str
) -> None:
    for status in path:
        services.transition_pairing(actor=tianjin, pairing_id=tianjin_henan.pk, to_status=status)
    client = api(tianjin)

    with unchanged():
        response = post(
            client, f"/pairings/{tianjin_henan.pk}/transitions", {"to_status": to_status}
        )

    assert_problem(response, 409, "invalid_transition")


def test_a_proposal_cannot_be_suspended(api: ApiFor, tianjin: User) -> None:
    proposed = services.propose_pairing(actor=tianjin, leading_code=TIANJIN, partner_code=GANSU)
    client = api(tianjin)

    with unchanged():
        response = post(client, f"/pairings/{proposed.pk}/transitions", {"to_status": "suspended"})

    assert_problem(response, 409, "invalid_transition")


# --- editing the pair --------------------------------------------------------------------------


def test_editing_a_pair_is_recorded_with_old_and_new_values(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)
    old_notes = tianjin_henan.notes
    payload = {
        "notes": "新的备注",
        "source": tianjin_henan.source,
        "established_on": "2021-02-07",
        "focus_city_codes": [XUCHANG],
    }

    data = ok(patch(client, f"/pairings/{tianjin_henan.pk}", payload))

    assert data["notes"] == "新的备注"
    assert [c["code"] for c in data["focus_cities"]] == [XUCHANG]
    latest = ok(get(client, f"/pairings/{tianjin_henan.pk}/history"))["items"][0]
    assert latest["action"] == "update"
    assert latest["actor"] == str(tianjin)
    assert latest["changes"] == {
        "notes": [old_notes, "新的备注"],
        "focus_cities": [[], ["许昌市"]],
    }


def test_a_focus_city_must_lie_in_the_partner_region(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)

    with unchanged():
        response = patch(client, f"/pairings/{tianjin_henan.pk}", {"focus_city_codes": [LUZHOU]})

    body = assert_problem(response, 422, "focus_city_outside")
    assert "focus_cities" in body["errors"]


def test_history_is_paginated(api: ApiFor, tianjin: User, tianjin_henan: Pairing) -> None:
    data = ok(get(api(tianjin), f"/pairings/{tianjin_henan.pk}/history"))

    assert set(data) == {"items", "count"}
    assert data["count"] == AuditEntry.objects.filter(pairing=tianjin_henan).count() >= 1
    assert data["items"][-1]["action"] == "create"


# --- archive and restore -----------------------------------------------------------------------


def test_a_pair_is_archived_and_restored(api: ApiFor, tianjin: User, pair: PairFor) -> None:
    nankai_xuchang = pair(NANKAI, XUCHANG)
    client = api(tianjin)

    archived = ok(post(client, f"/pairings/{nankai_xuchang.pk}/archive"))
    listed = ok(get(client, "/pairings", page_size=100))["items"]
    still_readable = ok(get(client, f"/pairings/{nankai_xuchang.pk}"))
    restored = ok(post(client, f"/pairings/{nankai_xuchang.pk}/restore"))

    assert archived["archived_at"] is not None
    assert nankai_xuchang.pk not in {item["id"] for item in listed}
    assert still_readable["archived_at"] is not None
    assert restored["archived_at"] is None
    with unchanged():
        assert_problem(post(client, f"/pairings/{nankai_xuchang.pk}/restore"), 409, "not_archived")


def test_a_pair_with_live_sub_pairs_cannot_be_archived(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)

    with unchanged():
        response = post(client, f"/pairings/{tianjin_henan.pk}/archive")

    assert_problem(response, 409, "has_live_children")


def test_restoring_a_pair_that_was_set_up_again_is_a_duplicate(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, pair: PairFor
) -> None:
    nankai_xuchang = pair(NANKAI, XUCHANG)
    services.archive_pairing(actor=tianjin, pairing_id=nankai_xuchang.pk)
    services.propose_pairing(
        actor=tianjin, leading_code=NANKAI, partner_code=XUCHANG, parent_id=tianjin_henan.pk
    )
    client = api(tianjin)

    with unchanged():
        response = post(client, f"/pairings/{nankai_xuchang.pk}/restore")

    assert_problem(response, 409, "duplicate_pair")


def test_a_sub_pair_cannot_be_restored_under_an_archived_parent(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, sub_pairs: list[Pairing]
) -> None:
    # Archiving requires the sub-pairs to go first; restoring one alone would undo that rule.
    for sub_pair in sub_pairs:
        services.archive_pairing(actor=tianjin, pairing_id=sub_pair.pk)
    services.archive_pairing(actor=tianjin, pairing_id=tianjin_henan.pk)
    client = api(tianjin)

    with unchanged():
        response = post(client, f"/pairings/{sub_pairs[2].pk}/restore")

    assert response.status_code == 409, response.content
    assert response["Content-Type"].startswith("application/problem+json")


# --- bodies ------------------------------------------------------------------------------------


def test_a_side_sets_up_its_bodies(
    api: ApiFor, tianjin: User, henan: User, tianjin_henan: Pairing
) -> None:
    url = f"/pairings/{tianjin_henan.pk}/bodies"
    leading = {"side": "leading", "kind": "leading_group", "name": "天津市领导小组"}
    partner = {"side": "partner", "kind": "leading_group", "name": "河南省领导小组"}

    created = ok(post(api(tianjin), url, leading), 201)
    ok(post(api(henan), url, partner), 201)
    listed = ok(get(api(henan), url))

    assert created["kind_label"] == "领导小组"
    assert created["pairing_id"] == tianjin_henan.pk
    assert [(b["side"], b["name"]) for b in listed] == [
        ("leading", "天津市领导小组"),
        ("partner", "河南省领导小组"),
    ]


def test_a_second_live_body_of_the_same_kind_and_side_is_a_duplicate(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, body: Body
) -> None:
    client = api(tianjin)
    payload = {"side": "leading", "kind": "leading_group", "name": "另一个领导小组"}

    with unchanged():
        response = post(client, f"/pairings/{tianjin_henan.pk}/bodies", payload)

    assert_problem(response, 409, "duplicate_body")


def test_a_side_cannot_set_up_the_other_sides_body(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)
    payload = {"side": "partner", "kind": "task_force", "name": "河南省工作专班"}

    with unchanged():
        response = post(client, f"/pairings/{tianjin_henan.pk}/bodies", payload)

    assert_problem(response, 403, "forbidden")


def test_a_body_is_edited_archived_and_restored(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, body: Body
) -> None:
    client = api(tianjin)
    bodies = f"/pairings/{tianjin_henan.pk}/bodies"

    edited = ok(patch(client, f"/bodies/{body.pk}", {"name": "新名称", "duties": "新职责"}))
    archived = ok(post(client, f"/bodies/{body.pk}/archive"))
    live_after_archive = ok(get(client, bodies))
    archived_list = ok(get(client, bodies, archived="true"))
    restored = ok(post(client, f"/bodies/{body.pk}/restore"))

    assert (edited["name"], edited["duties"]) == ("新名称", "新职责")
    assert archived["archived_at"] is not None
    assert live_after_archive == []
    assert [b["id"] for b in archived_list] == [body.pk]
    assert restored["archived_at"] is None
    history = ok(get(client, f"/pairings/{tianjin_henan.pk}/history"))["items"]
    assert [h["action"] for h in history[:3]] == ["restore", "archive", "update"]
    assert history[2]["changes"]["name"] == ["天津市交流协作领导小组", "新名称"]


def test_a_body_cannot_be_restored_beside_a_live_one_of_its_kind(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, body: Body
) -> None:
    services.archive_body(actor=tianjin, body_id=body.pk)
    services.create_body(
        actor=tianjin,
        pairing_id=tianjin_henan.pk,
        side=Side.LEADING,
        kind=Body.Kind.LEADING_GROUP,
        name="新领导小组",
    )
    client = api(tianjin)

    with unchanged():
        assert_problem(post(client, f"/bodies/{body.pk}/restore"), 409, "duplicate_body")


# --- members -----------------------------------------------------------------------------------


def test_a_member_is_added_edited_archived_and_restored(
    api: ApiFor, tianjin: User, body: Body
) -> None:
    client = api(tianjin)

    added = ok(post(client, f"/bodies/{body.pk}/members", member_values()), 201)
    edited = ok(patch(client, f"/members/{added['id']}", member_values(position="处长")))
    archived = ok(post(client, f"/members/{added['id']}/archive"))
    archived_list = ok(get(client, f"/bodies/{body.pk}/members", archived="true"))
    restored = ok(post(client, f"/members/{added['id']}/restore"))
    live_list = ok(get(client, f"/bodies/{body.pk}/members"))

    assert added["body_id"] == body.pk
    assert added["start_date"] == "2021-03-01"
    assert edited["position"] == "处长"
    assert archived["archived_at"] is not None
    assert [m["id"] for m in archived_list] == [added["id"]]
    assert restored["archived_at"] is None
    assert [m["id"] for m in live_list] == [added["id"]]


@pytest.mark.parametrize("method", ["add", "edit"])
def test_a_members_tenure_cannot_end_before_it_starts(
    api: ApiFor, tianjin: User, body: Body, member: Member, method: str
) -> None:
    client = api(tianjin)
    values = member_values(start_date="2022-01-01", end_date="2021-12-31")

    with unchanged():
        if method == "add":
            response = post(client, f"/bodies/{body.pk}/members", values)
        else:
            response = patch(client, f"/members/{member.pk}", values)

    body_json = assert_problem(response, 422, "invalid_dates")
    assert "end_date" in body_json["errors"]


def test_no_member_is_added_to_an_archived_body(api: ApiFor, tianjin: User, body: Body) -> None:
    services.archive_body(actor=tianjin, body_id=body.pk)
    client = api(tianjin)

    with unchanged():
        response = post(client, f"/bodies/{body.pk}/members", member_values())

    assert_problem(response, 409, "archived")


# --- contacts ----------------------------------------------------------------------------------


def test_contacts_are_added_with_their_counterparts(
    api: ApiFor, tianjin: User, henan: User, tianjin_henan: Pairing
) -> None:
    url = f"/pairings/{tianjin_henan.pk}/contacts"

    leading = ok(post(api(tianjin), url, contact_values(region_code=NANKAI)), 201)
    partner = ok(
        post(
            api(henan),
            url,
            contact_values(
                side="partner",
                region_code=XUCHANG,
                person_name="张伟",
                counterpart_id=leading["id"],
            ),
        ),
        201,
    )
    listed = ok(get(api(henan), url))

    assert leading["region"] == {"code": NANKAI, "name": "南开区", "level": "county"}
    assert partner["counterpart_id"] == leading["id"]
    assert [c["id"] for c in listed] == [leading["id"], partner["id"]]


def test_a_contact_is_edited_archived_and_restored(
    api: ApiFor, tianjin: User, contact: Contact
) -> None:
    client = api(tianjin)
    values = contact_values(region_code=HEXI, position="处长")
    values.pop("side")

    edited = ok(patch(client, f"/contacts/{contact.pk}", values))
    archived = ok(post(client, f"/contacts/{contact.pk}/archive"))
    archived_list = ok(get(client, f"/pairings/{contact.pairing_id}/contacts", archived="true"))
    restored = ok(post(client, f"/contacts/{contact.pk}/restore"))

    assert edited["region"]["code"] == HEXI
    assert edited["position"] == "处长"
    assert archived["archived_at"] is not None
    assert [c["id"] for c in archived_list] == [contact.pk]
    assert restored["archived_at"] is None


@pytest.mark.parametrize(
    ("region_code", "code"),
    [(XUCHANG, "region_outside_side"), ("999999", "unknown_region")],
)
def test_a_contacts_region_must_lie_in_its_side(
    api: ApiFor,
    tianjin: User,
    tianjin_henan: Pairing,
    contact: Contact,
    region_code: str,
    code: str,
) -> None:
    client = api(tianjin)
    edit_values = contact_values(region_code=region_code)
    edit_values.pop("side")

    with unchanged():
        added = post(
            client,
            f"/pairings/{tianjin_henan.pk}/contacts",
            contact_values(region_code=region_code),
        )
        edited = patch(client, f"/contacts/{contact.pk}", edit_values)

    assert "region" in assert_problem(added, 422, code)["errors"]
    assert "region" in assert_problem(edited, 422, code)["errors"]


def test_a_counterpart_must_be_on_the_other_side(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing, contact: Contact
) -> None:
    client = api(tianjin)

    with unchanged():
        response = post(
            client,
            f"/pairings/{tianjin_henan.pk}/contacts",
            contact_values(person_name="赵强", counterpart_id=contact.pk),
        )

    body = assert_problem(response, 422, "invalid_counterpart")
    assert "counterpart" in body["errors"]


# --- who sees phones and e-mail addresses ------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("tianjin", True),
        ("henan", True),
        ("henan_member", True),
        ("supervisor", True),
        ("admin_user", True),
        ("henan_expert", False),
    ],
)
def test_phones_and_emails_are_shown_to_the_sides_and_the_ministry_only(
    api: ApiFor,
    request: pytest.FixtureRequest,
    body: Body,
    member: Member,
    contact: Contact,
    persona: str,
    sees: bool,
) -> None:
    client = api(request.getfixturevalue(persona))

    members = ok(get(client, f"/bodies/{body.pk}/members"))
    contacts = ok(get(client, f"/pairings/{contact.pairing_id}/contacts"))

    expected_member = ("022-12345678", "wangming@example.cn") if sees else (None, None)
    expected_contact = ("022-87654321", "lihua@example.cn") if sees else (None, None)
    assert [(m["phone"], m["email"]) for m in members] == [expected_member]
    assert [(c["phone"], c["email"]) for c in contacts] == [expected_contact]
    assert members[0]["person_name"] == "王明"
    assert contacts[0]["person_name"] == "李华"


def test_the_writers_own_responses_show_phones_and_emails(
    api: ApiFor, tianjin: User, body: Body, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)

    member_out = ok(post(client, f"/bodies/{body.pk}/members", member_values()), 201)
    contact_out = ok(post(client, f"/pairings/{tianjin_henan.pk}/contacts", contact_values()), 201)

    assert member_out["phone"] == "022-12345678"
    assert contact_out["email"] == "lihua@example.cn"


# --- partial updates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "change", "kept"),
    [
        ("pairing", {"notes": "只改备注"}, {"established_on": "2021-02-07"}),
        ("body", {"name": "只改名称"}, {"duties": "统筹与河南省的协作"}),
        ("member", {"position": "只改职务"}, {"phone": "022-12345678", "body_role": "组长"}),
        ("contact", {"position": "只改职务"}, {"phone": "022-87654321", "region": {
            "code": TIANJIN, "name": "天津市", "level": "province"}}),
    ],
)  # fmt: skip
def test_a_patch_leaves_the_fields_it_does_not_name_unchanged(
    api: ApiFor,
    tianjin: User,
    tianjin_henan: Pairing,
    body: Body,
    member: Member,
    contact: Contact,
    kind: str,
    change: dict[str, Any],
    kept: dict[str, Any],
) -> None:
    url = {
        "pairing": f"/pairings/{tianjin_henan.pk}",
        "body": f"/bodies/{body.pk}",
        "member": f"/members/{member.pk}",
        "contact": f"/contacts/{contact.pk}",
    }[kind]

    response = patch(api(tianjin), url, change)

    assert response.status_code == 200, response.content
    data = response.json()
    assert {k: data[k] for k in change} == change
    assert {k: data[k] for k in kept} == kept


# --- bad input: problem+json, and nothing written ----------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"leading_code": "129999", "partner_code": GANSU}, "leading_region"),
        ({"leading_code": TIANJIN, "partner_code": "000000"}, "partner_region"),
        ({"leading_code": TIANJIN, "partner_code": GANSU, "focus_city_codes": ["620199"]},
         "focus_cities"),
    ],
)  # fmt: skip
def test_an_unknown_region_code_is_rejected(
    api: ApiFor, tianjin: User, payload: dict[str, Any], field: str
) -> None:
    client = api(tianjin)

    with unchanged():
        response = post(client, "/pairings", payload)

    assert field in assert_problem(response, 422, "unknown_region")["errors"]


@pytest.mark.parametrize(
    ("persona", "leading", "partner"),
    [("tianjin", TIANJIN, HENAN), ("henan", HENAN, TIANJIN)],
    ids=["same-direction", "reverse-direction"],
)
def test_a_second_live_pair_of_the_same_regions_is_a_duplicate(
    api: ApiFor, request: pytest.FixtureRequest, persona: str, leading: str, partner: str
) -> None:
    client = api(request.getfixturevalue(persona))

    with unchanged():
        response = post(client, "/pairings", {"leading_code": leading, "partner_code": partner})

    assert_problem(response, 409, "duplicate_pair")


def test_a_region_cannot_pair_with_itself(api: ApiFor, tianjin: User) -> None:
    client = api(tianjin)

    with unchanged():
        response = post(client, "/pairings", {"leading_code": TIANJIN, "partner_code": TIANJIN})

    assert "partner_region" in assert_problem(response, 422, "self_pair")["errors"]


def test_a_sub_pair_must_lie_inside_its_parent(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)
    payload = {"leading_code": HEXI, "partner_code": LUZHOU, "parent_id": tianjin_henan.pk}

    with unchanged():
        response = post(client, "/pairings", payload)

    assert "parent" in assert_problem(response, 422, "outside_parent")["errors"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/pairings"),
        ("patch", "/pairings/{pairing}"),
        ("post", "/pairings/{pairing}/transitions"),
        ("post", "/pairings/{pairing}/bodies"),
        ("post", "/bodies/{body}/members"),
        ("patch", "/contacts/{contact}"),
    ],
)
def test_a_body_that_is_not_json_is_a_bad_request(
    api: ApiFor,
    tianjin: User,
    tianjin_henan: Pairing,
    body: Body,
    contact: Contact,
    method: str,
    url: str,
) -> None:
    client = api(tianjin)
    target = API + url.format(pairing=tianjin_henan.pk, body=body.pk, contact=contact.pk)

    with unchanged():
        response = getattr(client, method)(
            target, data="{not json", content_type="application/json"
        )

    assert_problem(response, 400, "malformed_json")


@pytest.mark.parametrize(
    ("url", "payload", "fields"),
    [
        ("/pairings", {"leading_code": TIANJIN}, {"partner_code"}),
        ("/pairings", {"leading_code": 120000, "partner_code": GANSU}, {"leading_code"}),
        ("/pairings", {"leading_code": TIANJIN, "partner_code": "6200001"}, {"partner_code"}),
        ("/pairings", {"leading_code": TIANJIN, "partner_code": GANSU, "parent_id": "abc"},
         {"parent_id"}),
        ("/pairings", {"leading_code": TIANJIN, "partner_code": GANSU,
                       "established_on": "2021-13-45"}, {"established_on"}),
        ("/pairings", {"leading_code": TIANJIN, "partner_code": GANSU,
                       "focus_city_codes": "620100"}, {"focus_city_codes"}),
        ("/pairings", [TIANJIN, GANSU], {"leading_code", "partner_code"}),
        ("/pairings/{pairing}/transitions", {"to_status": "deleted"}, {"to_status"}),
        ("/pairings/{pairing}/transitions", {}, {"to_status"}),
        ("/pairings/{pairing}/bodies", {"side": "both", "kind": "committee", "name": ""},
         {"side", "kind", "name"}),
        ("/bodies/{body}/members", {"person_name": "王明", "start_date": "yesterday"},
         {"start_date"}),
        ("/bodies/{body}/members", {"position": "处长"}, {"person_name"}),
        ("/pairings/{pairing}/contacts", {"side": "leading", "person_name": "李华"},
         {"region_code"}),
    ],
)  # fmt: skip
def test_wrong_types_and_missing_fields_are_invalid_input(
    api: ApiFor,
    tianjin: User,
    tianjin_henan: Pairing,
    body: Body,
    url: str,
    payload: Any,
    fields: set[str],
) -> None:
    client = api(tianjin)

    with unchanged():
        response = post(client, url.format(pairing=tianjin_henan.pk, body=body.pk), payload)

    problem = assert_problem(response, 422, "invalid_input")
    assert problem["errors"]
    assert fields <= set(problem["errors"]), problem["errors"]


def test_an_oversize_body_is_refused(api: ApiFor, tianjin: User) -> None:
    client = api(tianjin)
    notes = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    payload = json.dumps({"leading_code": TIANJIN, "partner_code": GANSU, "notes": notes})

    with unchanged():
        response = client.post(f"{API}/pairings", data=payload, content_type="application/json")

    assert_problem(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("get", "/pairings", None),
        ("get", "/pairings/{pairing}", None),
        ("post", "/pairings", {"leading_code": TIANJIN, "partner_code": GANSU}),
        ("post", "/pairings/{pairing}/transitions", {"to_status": "suspended"}),
        ("patch", "/bodies/{body}", {"name": "新名称"}),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
def test_a_request_without_a_valid_token_is_unauthenticated(
    tianjin_henan: Pairing,
    body: Body,
    method: str,
    url: str,
    payload: Any,
    authorization: str | None,
) -> None:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    client = Client(**headers)
    target = API + url.format(pairing=tianjin_henan.pk, body=body.pk)
    kwargs = {"data": payload, "content_type": "application/json"} if payload else {}

    with unchanged():
        response = getattr(client, method)(target, **kwargs)

    assert_problem(response, 401, "unauthenticated")


def test_a_revoked_token_is_unauthenticated(tianjin: User, tianjin_henan: Pairing) -> None:
    issued = create_token(actor=tianjin, name="soon revoked")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert get(client, f"/pairings/{tianjin_henan.pk}").status_code == 200
    revoke_token(actor=tianjin, token_id=issued.token.pk)

    with unchanged():
        read = get(client, f"/pairings/{tianjin_henan.pk}")
        write = post(
            client, f"/pairings/{tianjin_henan.pk}/transitions", {"to_status": "suspended"}
        )

    assert_problem(read, 401, "unauthenticated")
    assert_problem(write, 401, "unauthenticated")


def test_a_token_of_a_deactivated_user_is_unauthenticated(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)
    User.objects.filter(pk=tianjin.pk).update(is_active=False)

    assert_problem(get(client, f"/pairings/{tianjin_henan.pk}"), 401, "unauthenticated")


def test_an_unknown_pair_is_not_found(api: ApiFor, supervisor: User) -> None:
    missing = Pairing.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    assert_problem(get(api(supervisor), f"/pairings/{missing}"), 404, "not_found")


def test_pages_report_the_same_total_on_every_page_and_past_the_end(supervisor, api):
    client = api(supervisor)
    first = client.get("/api/v1/pairings", {"page_size": 10}).json()
    last = client.get("/api/v1/pairings", {"page_size": 10, "page": 3}).json()
    beyond = client.get("/api/v1/pairings", {"page_size": 10, "page": 9}).json()
    assert (first["count"], last["count"], beyond["count"]) == (28, 28, 28)
    assert (len(first["items"]), len(last["items"]), beyond["items"]) == (10, 8, [])
    nothing = client.get("/api/v1/pairings", {"q": "不存在的地方"}).json()
    assert nothing == {"items": [], "count": 0}
