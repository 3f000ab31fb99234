"""The division-of-labour table: task rows, status rules, evidence, bulk changes and roll-up."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from twinning.accounts.models import Role
from twinning.accounts.tests.factories import make_user
from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.pairings import services as pair_services
from twinning.pairings.models import Body
from twinning.plans import queries, services, tasks
from twinning.plans.models import Evidence, Plan, Task

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _task(plan: Plan, number: int) -> Task:
    return Task.objects.get(plan=plan, number=number)


def _pdf(actor, task, name="佐证.pdf"):
    return tasks.add_evidence(actor=actor, task_id=task.pk, stream=io.BytesIO(PDF), filename=name)


def _add(actor, plan, **values):
    return tasks.add_task(actor=actor, plan_id=plan.pk, values={"title": "任务", **values})


@pytest.fixture
def tianjin_member(programme):
    return make_user(Role.MEMBER, "120000", username="tianjin_member")


# ---------------------------------------------------------------- adding and editing rows


class TestAddTask:
    def test_references_are_resolved_from_codes_names_ids_and_usernames(
        self, henan, tianjin, draft_plan, tianjin_henan
    ):
        body = pair_services.create_body(
            actor=henan,
            pairing_id=tianjin_henan.pk,
            side="partner",
            kind="task_force",
            name="河南省垃圾分类工作专班",
        )
        owner = make_user(Role.MEMBER, "410000", username="zhang_wei")
        helper = make_user(Role.MEMBER, "411000", username="xuchang_member")  # inside 河南
        phase = draft_plan.phases.get(position=1)
        task = tasks.add_task(
            actor=tianjin,
            plan_id=draft_plan.pk,
            values={
                "title": "建成厨余垃圾处理设施",
                "topic": "treatment_capacity",
                "phase": phase.pk,
                "side": "partner",
                "body": str(body.pk),
                "owner": "zhang_wei",
                "co_owners": ["xuchang_member", tianjin],
                "start_date": phase.start_date,
                "due_date": phase.end_date,
                "weight": 3,
                "deliverable": "设施投运材料",
                "evidence_required": True,
            },
        )
        task = Task.objects.get(pk=task.pk)
        assert task.number == 4 and task.position == 4
        assert task.topic.code == "treatment_capacity"
        assert task.phase == phase and task.body == body
        assert task.owner == owner
        assert set(task.co_owners.all()) == {helper, tianjin}
        assert (task.status, task.progress, task.lock_version) == ("not_started", 0, 2)
        assert task.updated_by == tianjin
        entry = AuditEntry.objects.get(target_type="plans.task", target_id=str(task.pk))
        assert entry.action == "create" and entry.actor == tianjin
        assert entry.pairing == tianjin_henan
        assert entry.changes["owner"] == [None, "zhang_wei"]
        assert entry.changes["co_owners"] == [None, sorted([str(helper), str(tianjin)])]
        assert entry.changes["evidence_required"] == [None, True]
        # Fields left empty on a new row are not recorded as changes.
        assert not {"notes", "completed_on", "parent", "progress"} & set(entry.changes)

    def test_a_topic_may_be_named_by_its_chinese_name(self, tianjin, draft_plan):
        task = _add(tianjin, draft_plan, topic="示范片区")
        assert task.topic.code == "demonstration_areas"

    def test_an_owner_may_be_found_by_full_name(self, tianjin, draft_plan):
        owner = make_user(Role.MEMBER, "120000", username="li")
        owner.full_name = "李明"
        owner.save()
        task = _add(tianjin, draft_plan, owner="李明")
        assert task.owner == owner

    @pytest.mark.parametrize(
        ("values", "code", "field"),
        [
            ({"topic": "no_such_topic"}, "unknown_topic", "topic"),
            ({"phase": 999_999}, "unknown_phase", "phase"),
            ({"phase": "first"}, "unknown_phase", "phase"),
            ({"body": 999_999}, "unknown_body", "body"),
            ({"parent": 99}, "unknown_parent", "parent"),
            ({"side": "both"}, "invalid_side", "side"),
            ({"status": "finished"}, "invalid_status", "status"),
            ({"lock_version": 7}, "unknown_field", "lock_version"),
            ({"owner": "nobody_at_all"}, "unknown_user", "owner"),
        ],
    )
    def test_bad_references_are_refused(self, tianjin, draft_plan, values, code, field, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _add(tianjin, draft_plan, **values)
        assert exc.value.code == code
        assert field in exc.value.fields
        assert db_state() == before

    def test_an_owner_from_another_region_is_refused(self, tianjin, draft_plan, db_state):
        make_user(Role.MEMBER, "360000", username="jiangxi_member")
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _add(tianjin, draft_plan, owner="jiangxi_member")
        assert exc.value.code == "unknown_user"
        with pytest.raises(Invalid) as exc:
            _add(tianjin, draft_plan, co_owners=["jiangxi_member"])
        assert exc.value.code == "unknown_user"
        assert db_state() == before

    def test_a_phase_or_body_of_another_plan_or_pair_is_refused(
        self, tianjin, make_plan, draft_plan, nankai_xuchang, db_state
    ):
        other = make_plan(
            phases=[
                {
                    "name": "别的阶段",
                    "start_date": draft_plan.period_start,
                    "end_date": draft_plan.period_end,
                }
            ]
        )
        body = Body.objects.create(
            pairing=nankai_xuchang, side="leading", kind="task_force", name="南开区工作专班"
        )
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _add(tianjin, draft_plan, phase=other.phases.get().pk)
        assert exc.value.code == "unknown_phase"
        with pytest.raises(Invalid) as exc:
            _add(tianjin, draft_plan, body=body.pk)
        assert exc.value.code == "unknown_body"
        assert db_state() == before

    def test_a_subtask_hangs_under_a_top_level_task_only(self, tianjin, draft_plan, db_state):
        sub = _add(tianjin, draft_plan, title="子任务", parent=1)
        assert sub.parent == _task(draft_plan, 1)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _add(tianjin, draft_plan, title="孙任务", parent=sub.number)
        assert exc.value.code == "nested_subtask"
        # A task with sub-tasks cannot itself become a sub-task.
        with pytest.raises(Invalid) as exc:
            tasks.update_task(actor=tianjin, task_id=_task(draft_plan, 1).pk, values={"parent": 2})
        assert exc.value.code == "nested_subtask"
        # Nor can a task be its own parent.
        with pytest.raises(Invalid) as exc:
            tasks.update_task(actor=tianjin, task_id=_task(draft_plan, 3).pk, values={"parent": 3})
        assert exc.value.code == "nested_subtask"
        assert db_state() == before

    def test_a_due_date_before_the_start_is_refused(self, tianjin, draft_plan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _add(
                tianjin,
                draft_plan,
                start_date=dt.date(2026, 5, 1),
                due_date=dt.date(2026, 4, 30),
            )
        assert exc.value.code == "invalid_dates"
        assert "due_date" in exc.value.fields
        assert db_state() == before

    def test_a_completion_date_in_the_future_is_refused(self, tianjin, draft_plan, db_state):
        task = _task(draft_plan, 1)
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.update_task(
                actor=tianjin, task_id=task.pk, values={"status": "done", "completed_on": tomorrow}
            )
        assert exc.value.code == "invalid_dates"
        assert "completed_on" in exc.value.fields
        assert db_state() == before

    def test_a_past_completion_date_is_kept(self, tianjin, draft_plan):
        day = timezone.localdate() - dt.timedelta(days=3)
        task = tasks.update_task(
            actor=tianjin,
            task_id=_task(draft_plan, 1).pk,
            values={"status": "done", "completed_on": day},
        )
        assert Task.objects.get(pk=task.pk).completed_on == day

    @pytest.mark.parametrize("persona", ["henan_expert", "supervisor"])
    def test_read_only_users_cannot_add(self, request, persona, draft_plan, db_state):
        user = request.getfixturevalue(persona)
        before = db_state()
        with pytest.raises(Forbidden):
            _add(user, draft_plan)
        assert db_state() == before

    def test_an_outsider_cannot_add(self, jiangxi, draft_plan, db_state):
        before = db_state()
        with pytest.raises(NotFound):
            _add(jiangxi, draft_plan)
        assert db_state() == before

    def test_the_table_of_a_plan_in_force_is_frozen_but_tracking_goes_on(
        self, tianjin, plan_in_force, db_state
    ):
        task = _task(plan_in_force, 1)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            _add(tianjin, plan_in_force)
        assert exc.value.code == "plan_frozen"
        with pytest.raises(Conflict) as exc:
            tasks.update_task(actor=tianjin, task_id=task.pk, values={"due_date": None})
        assert exc.value.code == "plan_frozen"
        assert db_state() == before
        owner = make_user(Role.MEMBER, "120000", username="owner_later")
        tasks.update_task(
            actor=tianjin,
            task_id=task.pk,
            values={"owner": "owner_later", "notes": "已召开联席会议", "status": "in_progress"},
        )
        task.refresh_from_db()
        assert (task.owner, task.notes, task.status) == (owner, "已召开联席会议", "in_progress")

    def test_unchanged_definition_values_on_a_frozen_plan_pass(self, tianjin, plan_in_force):
        task = _task(plan_in_force, 1)
        tasks.update_task(
            actor=tianjin,
            task_id=task.pk,
            values={"title": task.title, "status": "in_progress"},
        )
        assert Task.objects.get(pk=task.pk).status == "in_progress"


# ---------------------------------------------------------------- status rules


class TestStatus:
    def test_done_sets_the_completion_date_and_progress_and_reopening_clears_it(
        self, henan_member, draft_plan
    ):
        task = _task(draft_plan, 2)
        task = tasks.set_status(actor=henan_member, task_id=task.pk, status="in_progress")
        assert (task.progress, task.completed_on) == (50, None)
        task = tasks.set_status(actor=henan_member, task_id=task.pk, status="done", note="已建成")
        task.refresh_from_db()
        assert (task.status, task.progress) == ("done", 100)
        assert task.completed_on == timezone.localdate()
        assert task.notes == "已建成"
        task = tasks.set_status(actor=henan_member, task_id=task.pk, status="blocked")
        task.refresh_from_db()
        assert (task.progress, task.completed_on) == (50, None)
        entry = AuditEntry.objects.filter(target_type="plans.task", target_id=str(task.pk)).first()
        assert entry.actor == henan_member
        assert entry.changes["status"] == ["done", "blocked"]
        assert entry.changes["progress"] == [100, 50]

    def test_done_needs_the_required_evidence(self, tianjin, henan_member, draft_plan, db_state):
        task = _add(
            tianjin, draft_plan, title="编制分类指南", side="partner", evidence_required=True
        )
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.set_status(actor=henan_member, task_id=task.pk, status="done")
        assert exc.value.code == "evidence_required"
        assert "status" in exc.value.fields
        assert db_state() == before
        evidence = _pdf(henan_member, task, "分类指南.pdf")
        assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
        task = tasks.set_status(actor=henan_member, task_id=task.pk, status="done")
        task.refresh_from_db()
        assert task.status == "done"
        assert task.completed_on == timezone.localdate()
        assert task.progress == 100

    def test_a_new_row_cannot_start_as_done_when_it_needs_evidence(
        self, tianjin, draft_plan, db_state
    ):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _add(tianjin, draft_plan, status="done", evidence_required=True)
        assert exc.value.code == "evidence_required"
        assert db_state() == before

    def test_a_new_row_may_start_as_done(self, tianjin, draft_plan):
        task = _add(tianjin, draft_plan, status="done")
        task.refresh_from_db()
        assert (task.status, task.progress) == ("done", 100)
        assert task.completed_on == timezone.localdate()

    def test_archived_evidence_does_not_count(self, tianjin, henan_member, draft_plan, db_state):
        task = _add(tianjin, draft_plan, side="partner", evidence_required=True)
        evidence = _pdf(henan_member, task)
        tasks.archive_evidence(actor=henan_member, evidence_id=evidence.pk)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.set_status(actor=henan_member, task_id=task.pk, status="done")
        assert exc.value.code == "evidence_required"
        assert db_state() == before

    def test_a_parent_with_open_subtasks_cannot_be_done(self, tianjin, draft_plan, db_state):
        parent = _task(draft_plan, 1)
        first = _add(tianjin, draft_plan, title="子任务一", parent=1)
        _add(tianjin, draft_plan, title="子任务二", parent=1)
        tasks.set_status(actor=tianjin, task_id=first.pk, status="done")
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.set_status(actor=tianjin, task_id=parent.pk, status="done")
        assert exc.value.code == "subtasks_open"
        assert db_state() == before

    def test_a_parent_may_be_done_once_its_subtasks_are_closed(self, tianjin, draft_plan):
        parent = _task(draft_plan, 1)
        first = _add(tianjin, draft_plan, title="子任务一", parent=1)
        second = _add(tianjin, draft_plan, title="子任务二", parent=1)
        tasks.set_status(actor=tianjin, task_id=first.pk, status="done")
        tasks.set_status(actor=tianjin, task_id=second.pk, status="cancelled")
        tasks.set_status(actor=tianjin, task_id=parent.pk, status="done")
        parent.refresh_from_db()
        assert (parent.status, parent.progress) == ("done", 100)

    def test_parent_progress_is_the_weighted_average_of_live_subtasks(self, tianjin, draft_plan):
        parent = _task(draft_plan, 1)
        heavy = _add(tianjin, draft_plan, title="权重3", parent=1, weight=3)
        light = _add(tianjin, draft_plan, title="权重1", parent=1, weight=1)
        dropped = _add(tianjin, draft_plan, title="权重5", parent=1, weight=5)
        tasks.set_status(actor=tianjin, task_id=heavy.pk, status="done")
        parent.refresh_from_db()
        assert parent.progress == round(300 / 9)
        tasks.set_status(actor=tianjin, task_id=dropped.pk, status="cancelled")
        parent.refresh_from_db()
        assert parent.progress == 75  # (3×100 + 1×0) / 4; the cancelled one counts for nothing
        tasks.set_status(actor=tianjin, task_id=light.pk, status="in_progress")
        parent.refresh_from_db()
        assert parent.progress == round((300 + 50) / 4)
        # Archiving a sub-task takes it out of the average too.
        tasks.archive_task(actor=tianjin, task_id=light.pk)
        parent.refresh_from_db()
        assert parent.progress == 100
        # And the parent's own status no longer sets its progress.
        tasks.set_status(actor=tianjin, task_id=parent.pk, status="in_progress")
        parent.refresh_from_db()
        assert parent.progress == 100

    def test_moving_a_subtask_away_refreshes_the_old_parent(self, tianjin, draft_plan):
        parent = _task(draft_plan, 1)
        done = _add(tianjin, draft_plan, title="已完成", parent=1)
        moving = _add(tianjin, draft_plan, title="要移走", parent=1)
        tasks.set_status(actor=tianjin, task_id=done.pk, status="done")
        parent.refresh_from_db()
        assert parent.progress == 50
        tasks.update_task(actor=tianjin, task_id=moving.pk, values={"parent": 2})
        assert Task.objects.get(pk=_task(draft_plan, 2).pk).progress == 0
        parent.refresh_from_db()
        assert parent.progress == 100  # only the done sub-task is left under it

    def test_a_member_of_the_other_side_cannot_report_but_the_owner_can(
        self, tianjin, tianjin_member, henan_member, draft_plan, db_state
    ):
        partner_task = _task(draft_plan, 2)  # 结对方 (河南) is responsible
        before = db_state()
        with pytest.raises(Forbidden):
            tasks.set_status(actor=tianjin_member, task_id=partner_task.pk, status="in_progress")
        with pytest.raises(Forbidden):
            _pdf(tianjin_member, partner_task)
        assert db_state() == before
        # 河南's own member may; so may 天津's member once named owner.
        tasks.set_status(actor=henan_member, task_id=partner_task.pk, status="in_progress")
        tasks.update_task(actor=tianjin, task_id=partner_task.pk, values={"owner": tianjin_member})
        tasks.set_status(actor=tianjin_member, task_id=partner_task.pk, status="blocked")
        assert Task.objects.get(pk=partner_task.pk).status == "blocked"

    def test_a_co_owner_of_the_other_side_may_report(self, tianjin, henan_member, draft_plan):
        leading_task = _task(draft_plan, 3)  # 先行方 (天津) is responsible
        with pytest.raises(Forbidden):
            tasks.set_status(actor=henan_member, task_id=leading_task.pk, status="in_progress")
        tasks.update_task(
            actor=tianjin, task_id=leading_task.pk, values={"co_owners": ["henan_member"]}
        )
        tasks.set_status(actor=henan_member, task_id=leading_task.pk, status="in_progress")
        assert Task.objects.get(pk=leading_task.pk).status == "in_progress"

    def test_either_side_reports_on_a_joint_task(self, tianjin_member, henan_member, draft_plan):
        task = _task(draft_plan, 1)
        tasks.set_status(actor=tianjin_member, task_id=task.pk, status="in_progress")
        tasks.set_status(actor=henan_member, task_id=task.pk, status="blocked")
        assert Task.objects.get(pk=task.pk).status == "blocked"

    @pytest.mark.parametrize("persona", ["henan_expert", "supervisor"])
    def test_read_only_users_cannot_report(self, request, persona, draft_plan, db_state):
        user = request.getfixturevalue(persona)
        task = _task(draft_plan, 2)
        before = db_state()
        with pytest.raises(Forbidden):
            tasks.set_status(actor=user, task_id=task.pk, status="in_progress")
        with pytest.raises(Forbidden):
            _pdf(user, task)
        assert db_state() == before

    def test_an_outsider_gets_not_found(self, jiangxi, draft_plan, db_state):
        task = _task(draft_plan, 1)
        before = db_state()
        with pytest.raises(NotFound):
            tasks.set_status(actor=jiangxi, task_id=task.pk, status="in_progress")
        with pytest.raises(NotFound):
            _pdf(jiangxi, task)
        assert db_state() == before


# ---------------------------------------------------------------- optimistic locking


class TestLocking:
    def test_the_second_of_two_editors_is_refused_and_the_first_change_kept(
        self, tianjin, henan, draft_plan, db_state
    ):
        task = _task(draft_plan, 1)
        seen_by_tianjin = seen_by_henan = task.lock_version
        tasks.update_task(
            actor=tianjin,
            task_id=task.pk,
            values={"notes": "天津的备注"},
            expected_version=seen_by_tianjin,
        )
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.update_task(
                actor=henan,
                task_id=task.pk,
                values={"notes": "河南的备注"},
                expected_version=seen_by_henan,
            )
        assert exc.value.code == "stale_version"
        assert str(tianjin) in exc.value.message
        assert db_state() == before
        task.refresh_from_db()
        assert task.notes == "天津的备注"
        assert task.lock_version == seen_by_tianjin + 1
        # With the fresh number the second editor gets through.
        tasks.update_task(
            actor=henan,
            task_id=task.pk,
            values={"notes": "河南的备注"},
            expected_version=task.lock_version,
        )
        assert Task.objects.get(pk=task.pk).notes == "河南的备注"

    def test_set_status_honours_the_expected_version(self, tianjin, draft_plan, db_state):
        task = _task(draft_plan, 1)
        tasks.set_status(
            actor=tianjin, task_id=task.pk, status="in_progress", expected_version=task.lock_version
        )
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.set_status(
                actor=tianjin, task_id=task.pk, status="done", expected_version=task.lock_version
            )
        assert exc.value.code == "stale_version"
        assert db_state() == before

    def test_uploading_evidence_moves_the_version_on(self, tianjin, draft_plan):
        task = _task(draft_plan, 1)
        _pdf(tianjin, task)
        assert Task.objects.get(pk=task.pk).lock_version == task.lock_version + 1


# ---------------------------------------------------------------- bulk changes


class TestBulk:
    def test_all_rows_change_together(self, henan, draft_plan):
        ids = list(draft_plan.tasks.filter(number__in=[1, 2]).values_list("pk", flat=True))
        changed = tasks.bulk_set_status(
            actor=henan, plan_id=draft_plan.pk, task_ids=ids + ids[:1], status="in_progress"
        )
        assert sorted(t.pk for t in changed) == sorted(ids)
        assert set(draft_plan.tasks.filter(pk__in=ids).values_list("status", "progress")) == {
            ("in_progress", 50)
        }
        assert _task(draft_plan, 3).status == "not_started"
        entries = AuditEntry.objects.filter(
            target_type="plans.task", target_id__in=[str(i) for i in ids], action="update"
        )
        assert [(e.actor, e.changes["status"]) for e in entries] == [
            (henan, ["not_started", "in_progress"])
        ] * 2

    def test_an_admin_may_change_rows_of_both_sides(self, admin_user, draft_plan):
        ids = list(draft_plan.tasks.values_list("pk", flat=True))
        tasks.bulk_set_status(actor=admin_user, plan_id=draft_plan.pk, task_ids=ids, status="done")
        assert set(draft_plan.tasks.values_list("status", flat=True)) == {"done"}

    def test_one_row_needing_evidence_stops_them_all(self, tianjin, draft_plan, db_state):
        needy = _add(tianjin, draft_plan, title="需佐证", evidence_required=True)
        ids = list(draft_plan.tasks.exclude(side="partner").values_list("pk", flat=True))
        assert len(ids) == 3
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.bulk_set_status(actor=tianjin, plan_id=draft_plan.pk, task_ids=ids, status="done")
        assert exc.value.code == "bulk_refused"
        assert len(exc.value.fields["tasks"]) == 1
        assert exc.value.fields["tasks"][0].startswith(f"第 {needy.number} 项")
        assert db_state() == before

    def test_one_row_the_actor_may_not_track_stops_them_all(
        self, henan_member, draft_plan, db_state
    ):
        ids = list(draft_plan.tasks.values_list("pk", flat=True))  # task 3 is 天津's
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.bulk_set_status(
                actor=henan_member, plan_id=draft_plan.pk, task_ids=ids, status="in_progress"
            )
        assert exc.value.code == "bulk_refused"
        assert db_state() == before

    @pytest.mark.parametrize("persona", ["henan_expert", "supervisor"])
    def test_read_only_users_cannot_change_rows(self, request, persona, draft_plan, db_state):
        user = request.getfixturevalue(persona)
        ids = list(draft_plan.tasks.values_list("pk", flat=True))
        before = db_state()
        with pytest.raises(Forbidden):
            tasks.bulk_set_status(
                actor=user, plan_id=draft_plan.pk, task_ids=ids, status="in_progress"
            )
        assert db_state() == before

    @pytest.mark.parametrize(
        ("ids", "status", "code"),
        [([], "done", "nothing_selected"), (None, "finished", "invalid_status")],
    )
    def test_bad_requests_are_refused(self, tianjin, draft_plan, ids, status, code, db_state):
        task_ids = ids if ids is not None else [_task(draft_plan, 1).pk]
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.bulk_set_status(
                actor=tianjin, plan_id=draft_plan.pk, task_ids=task_ids, status=status
            )
        assert exc.value.code == code
        assert db_state() == before

    def test_rows_of_another_plan_or_archived_are_refused(
        self, tianjin, draft_plan, tianjin_henan, db_state
    ):
        loaded = Plan.objects.get(pairing=tianjin_henan, version=1, status="in_force")
        foreign = loaded.tasks.first()
        archived = _add(tianjin, draft_plan, title="归档的")
        tasks.archive_task(actor=tianjin, task_id=archived.pk)
        before = db_state()
        for other in (foreign, archived):
            with pytest.raises(Invalid) as exc:
                tasks.bulk_set_status(
                    actor=tianjin,
                    plan_id=draft_plan.pk,
                    task_ids=[_task(draft_plan, 1).pk, other.pk],
                    status="in_progress",
                )
            assert exc.value.code == "unknown_task"
        assert db_state() == before

    def test_an_outsider_gets_not_found(self, jiangxi, draft_plan, db_state):
        before = db_state()
        with pytest.raises(NotFound):
            tasks.bulk_set_status(
                actor=jiangxi,
                plan_id=draft_plan.pk,
                task_ids=[_task(draft_plan, 1).pk],
                status="in_progress",
            )
        assert db_state() == before


# ---------------------------------------------------------------- archive and restore


class TestArchive:
    def test_a_task_with_live_subtasks_cannot_be_archived(self, tianjin, draft_plan, db_state):
        _add(tianjin, draft_plan, title="子任务", parent=1)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.archive_task(actor=tianjin, task_id=_task(draft_plan, 1).pk)
        assert exc.value.code == "has_live_children"
        assert db_state() == before

    def test_a_subtask_cannot_be_restored_under_an_archived_parent(
        self, tianjin, draft_plan, db_state
    ):
        sub = _add(tianjin, draft_plan, title="子任务", parent=1)
        tasks.archive_task(actor=tianjin, task_id=sub.pk)
        tasks.archive_task(actor=tianjin, task_id=_task(draft_plan, 1).pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.archive_task(actor=tianjin, task_id=sub.pk, archived=False)
        assert exc.value.code == "parent_archived"
        assert db_state() == before
        tasks.archive_task(actor=tianjin, task_id=_task(draft_plan, 1).pk, archived=False)
        tasks.archive_task(actor=tianjin, task_id=sub.pk, archived=False)
        assert not Task.objects.get(pk=sub.pk).is_archived

    def test_archiving_twice_is_refused_and_both_ways_are_audited(
        self, tianjin, draft_plan, db_state
    ):
        task = _task(draft_plan, 3)
        tasks.archive_task(actor=tianjin, task_id=task.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.archive_task(actor=tianjin, task_id=task.pk)
        assert exc.value.code == "already_archived"
        assert db_state() == before
        tasks.archive_task(actor=tianjin, task_id=task.pk, archived=False)
        with pytest.raises(Conflict) as exc:
            tasks.archive_task(actor=tianjin, task_id=task.pk, archived=False)
        assert exc.value.code == "not_archived"
        actions = list(
            AuditEntry.objects.filter(target_type="plans.task", target_id=str(task.pk))
            .order_by("id")
            .values_list("action", "actor")
        )
        assert actions[-2:] == [("archive", tianjin.pk), ("restore", tianjin.pk)]

    def test_rows_of_a_plan_in_force_cannot_be_archived(self, tianjin, plan_in_force, db_state):
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.archive_task(actor=tianjin, task_id=_task(plan_in_force, 1).pk)
        assert exc.value.code == "plan_frozen"
        assert db_state() == before


# ---------------------------------------------------------------- evidence


class TestEvidence:
    def test_a_pdf_is_stored_under_a_random_name_and_audited(self, henan_member, draft_plan):
        task = _task(draft_plan, 2)
        files = _stored_files()
        evidence = _pdf(henan_member, task, "../../设施台账.pdf")
        evidence.refresh_from_db()
        assert evidence.original_name == "../../设施台账.pdf"
        assert evidence.uploaded_by == henan_member
        assert "设施台账" not in evidence.file.name and ".." not in evidence.file.name
        assert evidence.file.name.startswith("plans/evidence/")
        assert _stored_files() - files == {evidence.file.name}
        with evidence.file.open("rb") as stored:
            assert stored.read() == PDF
        entry = AuditEntry.objects.get(target_type="plans.evidence", target_id=str(evidence.pk))
        assert entry.actor == henan_member
        assert entry.changes == {"evidence": [None, "../../设施台账.pdf"]}

    def test_a_program_is_refused_and_nothing_stored(self, henan_member, draft_plan, db_state):
        task = _task(draft_plan, 2)
        files = _stored_files()
        before = db_state()
        with pytest.raises(Invalid) as exc:
            tasks.add_evidence(
                actor=henan_member, task_id=task.pk, stream=io.BytesIO(EXE), filename="报告.pdf"
            )
        assert exc.value.code == "unsupported_file_type"
        assert "file" in exc.value.fields
        assert db_state() == before
        assert _stored_files() == files
        assert not Evidence.objects.filter(task=task).exists()

    def test_the_last_evidence_of_a_done_task_that_needs_it_stays(
        self, tianjin, henan_member, draft_plan, db_state
    ):
        task = _add(tianjin, draft_plan, side="partner", evidence_required=True)
        first = _pdf(henan_member, task, "一.pdf")
        second = _pdf(henan_member, task, "二.pdf")
        tasks.set_status(actor=henan_member, task_id=task.pk, status="done")
        tasks.archive_evidence(actor=henan_member, evidence_id=first.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.archive_evidence(actor=henan_member, evidence_id=second.pk)
        assert exc.value.code == "evidence_required"
        assert db_state() == before
        # Restoring the first makes the second archivable.
        tasks.archive_evidence(actor=henan_member, evidence_id=first.pk, archived=False)
        tasks.archive_evidence(actor=henan_member, evidence_id=second.pk)
        assert Evidence.objects.get(pk=second.pk).is_archived

    def test_evidence_goes_to_the_version_in_force(
        self, tianjin, henan, supervisor, plan_in_force, db_state
    ):
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        services.submit_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=henan, plan_id=new.pk)
        services.file_plan(actor=supervisor, plan_id=new.pk)
        services.put_in_force(actor=tianjin, plan_id=new.pk)
        old_task = _task(plan_in_force, 1)
        files = _stored_files()
        before = db_state()
        # Like a status, evidence on a replaced version would be lost from the plan people use.
        with pytest.raises(Conflict) as exc:
            _pdf(tianjin, old_task)
        assert exc.value.code == "plan_not_current"
        assert db_state() == before
        assert _stored_files() == files

    def test_archiving_evidence_twice_is_refused(self, tianjin, draft_plan, db_state):
        evidence = _pdf(tianjin, _task(draft_plan, 1))
        tasks.archive_evidence(actor=tianjin, evidence_id=evidence.pk)
        before = db_state()
        with pytest.raises(Conflict):
            tasks.archive_evidence(actor=tianjin, evidence_id=evidence.pk)
        assert db_state() == before

    def test_the_other_side_cannot_archive_evidence(
        self, henan_member, tianjin_member, draft_plan, db_state
    ):
        evidence = _pdf(henan_member, _task(draft_plan, 2))
        before = db_state()
        with pytest.raises(Forbidden):
            tasks.archive_evidence(actor=tianjin_member, evidence_id=evidence.pk)
        assert db_state() == before


# ---------------------------------------------------------------- which versions take progress


class TestAcceptsProgress:
    def test_a_first_version_takes_progress_from_the_start(self, draft_plan):
        assert tasks.accepts_progress(draft_plan)

    def test_a_revision_takes_progress_only_once_in_force(
        self, tianjin, henan, supervisor, plan_in_force
    ):
        assert tasks.accepts_progress(plan_in_force)
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        assert not tasks.accepts_progress(new)
        services.submit_plan(actor=tianjin, plan_id=new.pk)
        new.refresh_from_db()
        assert not tasks.accepts_progress(new)
        services.sign_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=henan, plan_id=new.pk)
        services.file_plan(actor=supervisor, plan_id=new.pk)
        services.put_in_force(actor=tianjin, plan_id=new.pk)
        new.refresh_from_db()
        old = Plan.objects.get(pk=plan_in_force.pk)
        assert tasks.accepts_progress(new)
        assert not tasks.accepts_progress(old)

    def test_an_archived_plan_takes_no_progress(self, tianjin, draft_plan, db_state):
        services.archive_plan(actor=tianjin, plan_id=draft_plan.pk)
        draft_plan.refresh_from_db()
        assert not tasks.accepts_progress(draft_plan)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.set_status(actor=tianjin, task_id=_task(draft_plan, 1).pk, status="done")
        assert exc.value.code == "plan_not_current"
        assert db_state() == before


# ---------------------------------------------------------------- my tasks


class TestMyTasks:
    def test_owned_and_shared_tasks_of_current_plans(
        self, tianjin, henan, supervisor, tianjin_member, plan_in_force
    ):
        first, second, third = (_task(plan_in_force, n) for n in (1, 2, 3))
        tasks.update_task(actor=tianjin, task_id=first.pk, values={"owner": tianjin_member})
        tasks.update_task(actor=tianjin, task_id=third.pk, values={"co_owners": ["tianjin_member"]})
        tasks.update_task(actor=tianjin, task_id=second.pk, values={"owner": "henan"})
        # Dated rows first (soonest due), undated last.
        assert [t.pk for t in queries.my_tasks_for(tianjin_member)] == [first.pk, third.pk]
        assert [t.pk for t in queries.my_tasks_for(henan)] == [second.pk]
        tasks.set_status(actor=tianjin_member, task_id=first.pk, status="in_progress")
        assert [t.pk for t in queries.my_tasks_for(tianjin_member, status="in_progress")] == [
            first.pk
        ]
        # Once a revision is in force, the old version's rows leave the list for the new ones.
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        # While the revision is agreed, the rows people report on stay those in force.
        assert [t.pk for t in queries.my_tasks_for(tianjin_member)] == [first.pk, third.pk]
        services.submit_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=henan, plan_id=new.pk)
        services.file_plan(actor=supervisor, plan_id=new.pk)
        services.put_in_force(actor=tianjin, plan_id=new.pk)
        mine = list(queries.my_tasks_for(tianjin_member))
        assert {t.plan_id for t in mine} == {new.pk}
        assert [t.key for t in mine] == [first.key, third.key]

    def test_a_draft_revision_does_not_duplicate_my_tasks(
        self, tianjin, tianjin_member, plan_in_force
    ):
        first = _task(plan_in_force, 1)
        tasks.update_task(actor=tianjin, task_id=first.pk, values={"owner": tianjin_member})
        services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        # The revision's copy cannot take progress until it is in force (plan_not_current),
        # so "my tasks" should keep showing the row people actually report on — once.
        assert [t.pk for t in queries.my_tasks_for(tianjin_member)] == [first.pk]


class TestFollowUps:
    """Follow-up tasks (e.g. agreed at an exchange) join the version in force."""

    def test_a_follow_up_joins_a_plan_in_force_with_its_origin(self, tianjin, plan_in_force):
        before = plan_in_force.tasks.count()

        task = tasks.add_follow_up(
            actor=tianjin,
            plan_id=plan_in_force.pk,
            values={"title": "整理考察学习成果", "side": "partner"},
            origin="交流活动：赴天津考察学习",
        )

        assert task.plan_id == plan_in_force.pk
        assert task.origin == "交流活动：赴天津考察学习"
        assert task.number == before + 1
        assert AuditEntry.objects.filter(
            target_type="plans.task", target_id=str(task.pk), note=task.origin
        ).exists()

    def test_a_follow_up_needs_its_origin_and_changes_nothing_without(self, tianjin, plan_in_force):
        before = plan_in_force.tasks.count()
        with pytest.raises(Invalid) as error:
            tasks.add_follow_up(
                actor=tianjin, plan_id=plan_in_force.pk, values={"title": "x"}, origin=" "
            )
        assert error.value.code == "origin_required"
        assert plan_in_force.tasks.count() == before

    def test_a_read_only_user_may_not_add_follow_ups(self, henan_expert, plan_in_force):
        with pytest.raises(Forbidden):
            tasks.add_follow_up(
                actor=henan_expert, plan_id=plan_in_force.pk, values={"title": "x"}, origin="y"
            )
