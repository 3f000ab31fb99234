"""The pairing services: proposals, the lifecycle, bodies, members and contacts."""

import datetime as dt

import pytest

from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.pairings import services
from twinning.pairings.models import Body, Contact, Member, Pairing, Side


def _state() -> tuple[int, int, int, int, int]:
    """Row counts that a rejected change must leave exactly as they were."""
    return (
        Pairing.objects.count(),
        Body.objects.count(),
        Member.objects.count(),
        Contact.objects.count(),
        AuditEntry.objects.count(),
    )


class TestPropose:
    def test_a_coordinator_proposes_and_their_side_counts_as_accepted(self, ningbo):
        pairing = services.propose_pairing(
            actor=ningbo, leading_code="330200", partner_code="620000"
        )
        assert pairing.status == Pairing.Status.PROPOSED
        assert pairing.level == "prefecture-province"
        assert pairing.leading_accepted_at is not None
        assert pairing.partner_accepted_at is None
        entry = AuditEntry.objects.get(target_id=str(pairing.pk), action="create")
        assert entry.actor == ningbo
        assert entry.pairing == pairing

    def test_the_partner_side_may_propose_too(self, gansu):
        pairing = services.propose_pairing(
            actor=gansu, leading_code="330200", partner_code="620000"
        )
        assert pairing.partner_accepted_at is not None
        assert pairing.leading_accepted_at is None

    def test_a_region_cannot_pair_with_itself(self, ningbo):
        before = _state()
        with pytest.raises(Invalid) as exc:
            services.propose_pairing(actor=ningbo, leading_code="330200", partner_code="330200")
        assert exc.value.code == "self_pair"
        assert "partner_region" in exc.value.fields
        assert _state() == before

    def test_unknown_region_codes_are_rejected(self, ningbo):
        before = _state()
        with pytest.raises(Invalid) as exc:
            services.propose_pairing(actor=ningbo, leading_code="330200", partner_code="999999")
        assert exc.value.code == "unknown_region"
        assert _state() == before

    @pytest.mark.parametrize(("leading", "partner"), [("120000", "410000"), ("410000", "120000")])
    def test_a_duplicate_live_pair_is_rejected_in_either_direction(
        self, admin_user, leading, partner
    ):
        before = _state()
        with pytest.raises(Conflict) as exc:
            services.propose_pairing(actor=admin_user, leading_code=leading, partner_code=partner)
        assert exc.value.code == "duplicate_pair"
        assert _state() == before

    def test_a_declined_pair_may_be_proposed_again(self, ningbo, gansu):
        first = services.propose_pairing(actor=ningbo, leading_code="330200", partner_code="620000")
        services.decline_pairing(actor=gansu, pairing_id=first.pk)
        again = services.propose_pairing(actor=ningbo, leading_code="330200", partner_code="620000")
        assert again.pk != first.pk

    def test_a_sub_pair_must_lie_inside_its_parent(self, tianjin, tianjin_henan):
        before = _state()
        with pytest.raises(Invalid) as exc:
            # 南京 is not in 河南: outside the parent's partner side.
            services.propose_pairing(
                actor=tianjin,
                leading_code="120101",
                partner_code="320500",
                parent_id=tianjin_henan.pk,
            )
        assert exc.value.code == "outside_parent"
        assert _state() == before

    def test_a_sub_pair_inside_its_parent_is_accepted(self, tianjin, tianjin_henan):
        sub = services.propose_pairing(
            actor=tianjin, leading_code="120101", partner_code="411300", parent_id=tianjin_henan.pk
        )
        assert sub.parent == tianjin_henan
        assert sub.level == "county-prefecture"

    def test_focus_cities_must_lie_inside_the_partner(self, ningbo):
        before = _state()
        with pytest.raises(Invalid) as exc:
            services.propose_pairing(
                actor=ningbo,
                leading_code="330200",
                partner_code="620000",
                focus_city_codes=["411000"],
            )
        assert exc.value.code == "focus_city_outside"
        assert _state() == before

    def test_a_coordinator_cannot_propose_a_pair_of_two_other_regions(self, ningbo):
        before = _state()
        with pytest.raises(Invalid) as exc:
            services.propose_pairing(actor=ningbo, leading_code="310000", partner_code="620000")
        assert exc.value.code == "not_own_region"
        assert _state() == before

    def test_members_and_experts_cannot_propose(self, henan_member, henan_expert):
        for user in (henan_member, henan_expert):
            with pytest.raises(Forbidden):
                services.propose_pairing(actor=user, leading_code="410000", partner_code="620000")

    def test_a_ministry_proposal_waits_for_both_sides(self, supervisor, ningbo, gansu):
        pairing = services.propose_pairing(
            actor=supervisor, leading_code="330200", partner_code="620000"
        )
        assert pairing.leading_accepted_at is None and pairing.partner_accepted_at is None
        services.accept_pairing(actor=ningbo, pairing_id=pairing.pk)
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.PROPOSED
        services.accept_pairing(actor=gansu, pairing_id=pairing.pk)
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.ACTIVE


class TestLifecycle:
    @pytest.fixture
    def proposal(self, ningbo):
        return services.propose_pairing(actor=ningbo, leading_code="330200", partner_code="620000")

    def test_the_other_side_accepts_and_the_pair_becomes_active(self, proposal, gansu):
        pairing = services.accept_pairing(actor=gansu, pairing_id=proposal.pk)
        assert pairing.status == Pairing.Status.ACTIVE
        assert pairing.established_on is not None
        entry = AuditEntry.objects.filter(action="transition").latest("id")
        assert entry.actor == gansu
        assert entry.changes["status"] == ["proposed", "active"]

    def test_the_proposer_cannot_accept_their_own_proposal(self, proposal, ningbo):
        with pytest.raises(Forbidden):
            services.accept_pairing(actor=ningbo, pairing_id=proposal.pk)

    def test_an_outsider_does_not_even_see_the_proposal(self, proposal, jiangxi):
        with pytest.raises(NotFound):
            services.accept_pairing(actor=jiangxi, pairing_id=proposal.pk)

    def test_the_other_side_declines(self, proposal, gansu):
        pairing = services.decline_pairing(actor=gansu, pairing_id=proposal.pk, note="暂不具备条件")
        assert pairing.status == Pairing.Status.DECLINED
        assert AuditEntry.objects.filter(action="transition", note="暂不具备条件").exists()

    def test_an_active_pair_cannot_be_accepted_or_declined_again(self, tianjin_henan, henan):
        before = _state()
        with pytest.raises(Conflict) as exc:
            services.decline_pairing(actor=henan, pairing_id=tianjin_henan.pk)
        assert exc.value.code == "invalid_transition"
        assert _state() == before

    def test_suspend_resume_and_conclude(self, tianjin_henan, tianjin):
        for status in ("suspended", "active", "concluded"):
            pairing = services.transition_pairing(
                actor=tianjin, pairing_id=tianjin_henan.pk, to_status=status
            )
            assert pairing.status == status
        assert (
            AuditEntry.objects.filter(
                pairing=tianjin_henan, action="transition", target_type="pairings.pairing"
            ).count()
            == 3
        )

    @pytest.mark.parametrize("to_status", ["proposed", "declined", "active", "bogus"])
    def test_a_transition_that_is_not_allowed_is_rejected(self, tianjin_henan, tianjin, to_status):
        before = _state()
        with pytest.raises(Conflict) as exc:
            services.transition_pairing(
                actor=tianjin, pairing_id=tianjin_henan.pk, to_status=to_status
            )
        assert exc.value.code == "invalid_transition"
        tianjin_henan.refresh_from_db()
        assert tianjin_henan.status == Pairing.Status.ACTIVE
        assert _state() == before

    def test_the_ministry_may_suspend_but_an_expert_may_not(
        self, tianjin_henan, supervisor, henan_expert
    ):
        with pytest.raises(Forbidden):
            services.transition_pairing(
                actor=henan_expert, pairing_id=tianjin_henan.pk, to_status="suspended"
            )
        services.transition_pairing(
            actor=supervisor, pairing_id=tianjin_henan.pk, to_status="suspended"
        )

    def test_updating_records_old_and_new_values(self, tianjin_henan, henan):
        services.update_pairing(
            actor=henan,
            pairing_id=tianjin_henan.pk,
            values={
                "established_on": dt.date(2021, 3, 1),
                "notes": "新的备注",
                "focus_city_codes": ["411000"],
            },
        )
        entry = AuditEntry.objects.filter(pairing=tianjin_henan, action="update").latest("id")
        assert entry.actor == henan
        assert entry.changes["notes"][1] == "新的备注"
        assert entry.changes["established_on"] == ["2021-02-07", "2021-03-01"]
        assert entry.changes["focus_cities"] == [[], ["许昌市"]]

    def test_a_partial_update_leaves_other_fields_alone(self, tianjin_henan, henan):
        source = tianjin_henan.source
        services.update_pairing(
            actor=henan, pairing_id=tianjin_henan.pk, values={"notes": "只改备注"}
        )
        tianjin_henan.refresh_from_db()
        assert tianjin_henan.source == source
        assert tianjin_henan.notes == "只改备注"
        assert tianjin_henan.established_on == dt.date(2021, 2, 7)

    def test_a_region_cannot_pair_with_a_region_inside_it(self, tianjin):
        before = _state()
        with pytest.raises(Invalid) as exc:
            services.propose_pairing(actor=tianjin, leading_code="120000", partner_code="120104")
        assert exc.value.code == "nested_regions"
        assert _state() == before

    def test_a_sub_pair_cannot_be_restored_under_an_archived_parent(self, admin_user, pair):
        parent = pair("120000", "410000")
        children = list(parent.children.all())
        for child in children:
            services.archive_pairing(actor=admin_user, pairing_id=child.pk)
        services.archive_pairing(actor=admin_user, pairing_id=parent.pk)
        with pytest.raises(Conflict) as exc:
            services.restore_pairing(actor=admin_user, pairing_id=children[0].pk)
        assert exc.value.code == "parent_archived"

    def test_archiving_a_parent_with_live_sub_pairs_is_refused(self, tianjin_henan, tianjin):
        with pytest.raises(Conflict) as exc:
            services.archive_pairing(actor=tianjin, pairing_id=tianjin_henan.pk)
        assert exc.value.code == "has_live_children"

    def test_archive_and_restore_keep_the_pair(self, pair, ningbo):
        pairing = pair("330200", "610000")
        services.archive_pairing(actor=ningbo, pairing_id=pairing.pk)
        pairing.refresh_from_db()
        assert pairing.is_archived
        services.restore_pairing(actor=ningbo, pairing_id=pairing.pk)
        pairing.refresh_from_db()
        assert not pairing.is_archived
        actions = list(AuditEntry.objects.filter(pairing=pairing).values_list("action", flat=True))
        assert {"archive", "restore"} <= set(actions)


class TestBodiesMembersContacts:
    @pytest.fixture
    def body(self, tianjin_henan, henan):
        return services.create_body(
            actor=henan,
            pairing_id=tianjin_henan.pk,
            side=Side.PARTNER,
            kind=Body.Kind.TASK_FORCE,
            name="河南省工作专班",
        )

    def test_a_side_sets_up_its_task_force(self, body, henan):
        assert body.side == Side.PARTNER
        assert AuditEntry.objects.filter(
            target_type="pairings.body", action="create", actor=henan
        ).exists()

    def test_one_side_cannot_edit_the_other_sides_bodies(self, tianjin_henan, tianjin):
        with pytest.raises(Forbidden):
            services.create_body(
                actor=tianjin,
                pairing_id=tianjin_henan.pk,
                side=Side.PARTNER,
                kind=Body.Kind.TASK_FORCE,
                name="x",
            )

    def test_a_second_live_body_of_the_same_kind_is_refused(self, body, henan, tianjin_henan):
        before = _state()
        with pytest.raises(Conflict):
            services.create_body(
                actor=henan,
                pairing_id=tianjin_henan.pk,
                side=Side.PARTNER,
                kind=Body.Kind.TASK_FORCE,
                name="again",
            )
        assert _state() == before

    def test_members_are_added_updated_archived_and_restored(self, body, henan_member):
        member = services.add_member(
            actor=henan_member,
            body_id=body.pk,
            values={
                "person_name": "李四",
                "duty_area": "treatment",
                "start_date": dt.date(2021, 3, 1),
            },
        )
        services.update_member(actor=henan_member, member_id=member.pk, values={"position": "处长"})
        services.archive_member(actor=henan_member, member_id=member.pk)
        member.refresh_from_db()
        assert member.is_archived and member.position == "处长"
        services.restore_member(actor=henan_member, member_id=member.pk)
        member.refresh_from_db()
        assert not member.is_archived
        update = AuditEntry.objects.get(target_type="pairings.member", action="update")
        assert update.changes == {"position": ["", "处长"]}

    def test_a_member_cannot_end_before_starting(self, body, henan):
        before = _state()
        with pytest.raises(Invalid) as exc:
            services.add_member(
                actor=henan,
                body_id=body.pk,
                values={
                    "person_name": "王五",
                    "start_date": dt.date(2022, 1, 1),
                    "end_date": dt.date(2021, 1, 1),
                },
            )
        assert "end_date" in exc.value.fields
        assert _state() == before

    def test_an_invalid_email_is_rejected_beside_its_field(self, body, henan):
        with pytest.raises(Invalid) as exc:
            services.add_member(
                actor=henan,
                body_id=body.pk,
                values={"person_name": "王五", "email": "not-an-email"},
            )
        assert "email" in exc.value.fields

    def test_contacts_have_counterparts_on_the_other_side(self, tianjin_henan, tianjin, henan):
        mine = services.add_contact(
            actor=henan,
            pairing_id=tianjin_henan.pk,
            side=Side.PARTNER,
            values={"region_code": "411000", "person_name": "许昌联络员"},
        )
        theirs = services.add_contact(
            actor=tianjin,
            pairing_id=tianjin_henan.pk,
            side=Side.LEADING,
            values={
                "region_code": "120104",
                "person_name": "南开联络员",
                "counterpart_id": mine.pk,
            },
        )
        assert theirs.counterpart == mine
        assert mine.region.name == "许昌市"

    def test_a_contacts_region_must_lie_inside_its_side(self, tianjin_henan, henan):
        before = _state()
        with pytest.raises(Invalid) as exc:
            services.add_contact(
                actor=henan,
                pairing_id=tianjin_henan.pk,
                side=Side.PARTNER,
                values={"region_code": "120104", "person_name": "x"},
            )
        assert exc.value.code == "region_outside_side"
        assert _state() == before

    def test_a_counterpart_on_the_same_side_is_rejected(self, tianjin_henan, henan):
        first = services.add_contact(
            actor=henan,
            pairing_id=tianjin_henan.pk,
            side=Side.PARTNER,
            values={"region_code": "410000", "person_name": "甲"},
        )
        with pytest.raises(Invalid) as exc:
            services.add_contact(
                actor=henan,
                pairing_id=tianjin_henan.pk,
                side=Side.PARTNER,
                values={"region_code": "410000", "person_name": "乙", "counterpart_id": first.pk},
            )
        assert exc.value.code == "invalid_counterpart"

    def test_an_archived_body_takes_no_new_members(self, body, henan):
        services.archive_body(actor=henan, body_id=body.pk)
        with pytest.raises(Conflict):
            services.add_member(actor=henan, body_id=body.pk, values={"person_name": "x"})

    def test_archiving_twice_is_a_conflict(self, body, henan):
        services.archive_body(actor=henan, body_id=body.pk)
        with pytest.raises(Conflict):
            services.archive_body(actor=henan, body_id=body.pk)
