"""The audit trail: snapshots, diffs, entries, and how recorded changes are shown."""

import datetime as dt

import pytest
from django.utils import timezone

from twinning.accounts.models import Role, User
from twinning.accounts.tests.factories import OrganisationFactory, UserFactory
from twinning.core import audit
from twinning.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang() -> User:
    return UserFactory(
        username="zhang",
        role=Role.COORDINATOR,
        organisation=OrganisationFactory(name="河南省住房和城乡建设厅"),
    )


class TestSnapshot:
    def test_it_keeps_plain_values_and_raw_choice_values(self, zhang: User) -> None:
        values = audit.snapshot(zhang, ["username", "role", "is_active"])

        assert values == {"username": "zhang", "role": "coordinator", "is_active": True}

    def test_a_related_record_is_kept_by_its_name(self, zhang: User) -> None:
        assert audit.snapshot(zhang, ["organisation"]) == {"organisation": "河南省住房和城乡建设厅"}

    def test_empty_values_stay_empty_and_times_become_text(self, zhang: User) -> None:
        at = dt.datetime(2021, 3, 1, 9, 30, tzinfo=dt.UTC)
        zhang.last_login = at

        values = audit.snapshot(zhang, ["last_login", "date_joined"])

        assert values["last_login"] == at.isoformat()
        assert isinstance(values["date_joined"], str)
        zhang.last_login = None
        assert audit.snapshot(zhang, ["last_login"]) == {"last_login": None}

    def test_a_snapshot_is_a_copy_not_a_view(self, zhang: User) -> None:
        before = audit.snapshot(zhang, ["role"])

        zhang.role = Role.MEMBER

        assert before == {"role": "coordinator"}


class TestDiff:
    def test_it_lists_only_the_fields_that_changed_with_old_and_new(self) -> None:
        before = {"name": "许昌市", "level": "prefecture", "official": True}
        after = {"name": "许昌市（新）", "level": "prefecture", "official": False}

        assert audit.diff(before, after) == {
            "name": ["许昌市", "许昌市（新）"],
            "official": [True, False],
        }

    def test_against_nothing_every_set_field_is_new(self) -> None:
        assert audit.diff({}, {"name": "许昌市", "parent": None}) == {"name": [None, "许昌市"]}

    def test_no_change_gives_an_empty_diff(self) -> None:
        same = {"name": "许昌市"}

        assert audit.diff(same, dict(same)) == {}

    def test_a_snapshot_diff_shows_an_edit(self, zhang: User) -> None:
        before = audit.snapshot(zhang, ["role", "full_name"])
        zhang.role, zhang.full_name = Role.MEMBER, "张三"

        changes = audit.diff(before, audit.snapshot(zhang, ["role", "full_name"]))

        assert changes == {"role": ["coordinator", "member"], "full_name": ["", "张三"]}


class TestRecord:
    def test_an_entry_names_its_actor_action_and_target(self, zhang: User) -> None:
        entry = audit.record(
            actor=zhang,
            action=AuditEntry.Action.UPDATE,
            target=zhang,
            changes={"full_name": ["", "张三"]},
            note="补全姓名",
        )

        entry.refresh_from_db()
        assert entry.actor == zhang
        assert entry.action == "update"
        assert entry.target_type == "accounts.user"
        assert entry.target_id == str(zhang.pk)
        assert entry.target_label == "zhang"
        assert entry.changes == {"full_name": ["", "张三"]}
        assert entry.note == "补全姓名"
        assert entry.pairing is None
        assert abs(entry.at - timezone.now()) < dt.timedelta(minutes=1)

    def test_a_change_to_many_records_is_named_by_type(self) -> None:
        entry = audit.record(
            actor=None,
            action=AuditEntry.Action.IMPORT,
            target_type="regions.region",
            target_label="行政区划导入",
        )

        assert entry.actor is None
        assert entry.target_type == "regions.region"
        assert entry.target_id == ""
        assert entry.target_label == "行政区划导入"
        assert entry.changes == {}

    def test_long_labels_and_notes_are_cut_to_fit(self) -> None:
        entry = audit.record(
            actor=None,
            action=AuditEntry.Action.IMPORT,
            target_type="regions.region",
            target_label="区" * 300,
            note="注" * 600,
        )

        entry.refresh_from_db()
        assert entry.target_label == "区" * 200
        assert entry.note == "注" * 500


class TestChangeRows:
    def test_rows_use_the_models_field_names_and_choice_labels(self, zhang: User) -> None:
        entry = audit.record(
            actor=None,
            action=AuditEntry.Action.UPDATE,
            target=zhang,
            changes={"role": ["coordinator", "member"], "full_name": ["", "张三"]},
        )

        rows = [(label, str(old), str(new)) for label, old, new in entry.change_rows]

        assert rows == [("角色", "协调员", "成员"), ("姓名", "", "张三")]

    def test_unknown_fields_and_types_are_shown_as_recorded(self) -> None:
        entry = audit.record(
            actor=None,
            action=AuditEntry.Action.IMPORT,
            target_type="regions.region",
            changes={"created": [None, 3], "codes": [None, ["410100", "410200"]]},
        )

        assert entry.change_rows == [("created", None, 3), ("codes", None, "410100、410200")]

    def test_a_region_level_is_shown_by_its_label(self) -> None:
        entry = audit.record(
            actor=None,
            action=AuditEntry.Action.UPDATE,
            target_type="regions.region",
            changes={"level": ["county", "prefecture"]},
        )

        label, old, new = entry.change_rows[0]
        assert (label, str(old), str(new)) == ("级别", "县级", "地级")


class TestVisibleChanges:
    def test_private_values_are_masked_for_readers_who_may_not_see_them(self) -> None:
        changes = {"email": [None, "zhang@example.org"], "name": ["甲", "乙"]}

        assert audit.visible_changes(changes, show_private=False) == {
            "email": [None, audit.MASK],
            "name": ["甲", "乙"],
        }
        assert audit.visible_changes(changes, show_private=True) == changes
