"""Reading plans: scoping (outsiders get NotFound), lists, filters, counts and roll-ups."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from twinning.core.errors import NotFound
from twinning.plans import queries, services, tasks
from twinning.plans.models import Plan, Task
from twinning.plans.queries import PlanFilters, TaskFilters

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def tracked_plan(make_plan, tianjin, henan, henan_member):
    """A draft (first version, so it takes progress) with a known mix of rows, relative to today:

    phase A (past year … yesterday), phase B (today … next year)
    1 joint,   A, weight 2, due yesterday, in_progress  → overdue
    2 leading, A, weight 1, due yesterday, done
    3 joint,   A, weight 5, due yesterday, cancelled
    4 partner, B, weight 1, due at the end, owner henan_member (also co-owner), deliverable 验收材料
    5 partner, B, weight 2, no dates, in_progress, co-owner henan_member
    6 partner, no phase, sub-task of 4, due yesterday, not_started → overdue
    7 joint, due yesterday, archived
    """
    today = _today()
    yesterday = today - dt.timedelta(days=1)
    start, end = today - dt.timedelta(days=365), today + dt.timedelta(days=365)
    plan = make_plan(
        title="许昌示范片区推进计划",
        period_start=start,
        period_end=end,
        goals=["示范片区全覆盖"],
        phases=[
            {"name": "阶段A", "start_date": start, "end_date": yesterday},
            {"name": "阶段B", "start_date": today, "end_date": end},
        ],
        tasks=[
            {"title": "开展实地调研", "phase_index": 0, "weight": 2, "due_date": yesterday},
            {
                "title": "组织业务培训",
                "side": "leading",
                "phase_index": 0,
                "weight": 1,
                "start_date": start,
                "due_date": yesterday,
            },
            {"title": "开展宣传活动", "phase_index": 0, "weight": 5, "due_date": yesterday},
            {
                "title": "建成示范片区",
                "side": "partner",
                "phase_index": 1,
                "due_date": end,
                "deliverable": "示范片区验收材料",
                "owner": "henan_member",
                "co_owners": ["henan_member", "tianjin"],
            },
            {
                "title": "完善收运体系",
                "side": "partner",
                "phase_index": 1,
                "weight": 2,
                "co_owners": ["henan_member"],
            },
            {"title": "选定示范小区", "side": "partner", "parent": 4, "due_date": yesterday},
            {"title": "已归档的任务", "due_date": yesterday},
        ],
    )
    for number, status in ((1, "in_progress"), (2, "done"), (3, "cancelled"), (5, "in_progress")):
        actor = henan if number == 5 else tianjin  # 5 is the partner side's
        tasks.set_status(actor=actor, task_id=_task(plan, number).pk, status=status)
    tasks.archive_task(actor=tianjin, task_id=_task(plan, 7).pk)
    return plan


def _task(plan: Plan, number: int) -> Task:
    return Task.objects.get(plan=plan, number=number)


def _numbers(rows) -> list[int]:
    return [t.number for t in rows]


# ---------------------------------------------------------------- single objects


class TestScoping:
    @pytest.mark.parametrize("persona", ["jiangxi", "xuchang"])
    def test_outsiders_are_told_nothing_exists(self, request, persona, tracked_plan, tianjin):
        user = request.getfixturevalue(persona)
        task = _task(tracked_plan, 1)
        evidence = tasks.add_evidence(
            actor=tianjin, task_id=task.pk, stream=io.BytesIO(PDF), filename="a.pdf"
        )
        lookups = [
            (queries.get_plan_for, tracked_plan.pk),
            (queries.get_task_for, task.pk),
            (queries.get_goal_for, tracked_plan.goals.get().pk),
            (queries.get_phase_for, tracked_plan.phases.first().pk),
            (queries.get_evidence_for, evidence.pk),
        ]
        for lookup, pk in lookups:
            with pytest.raises(NotFound):
                lookup(user, pk)

    @pytest.mark.parametrize(
        "persona", ["tianjin", "henan", "henan_member", "henan_expert", "supervisor", "admin_user"]
    )
    def test_both_sides_and_the_ministry_see_everything(
        self, request, persona, tracked_plan, tianjin
    ):
        user = request.getfixturevalue(persona)
        task = _task(tracked_plan, 1)
        evidence = tasks.add_evidence(
            actor=tianjin, task_id=task.pk, stream=io.BytesIO(PDF), filename="a.pdf"
        )
        assert queries.get_plan_for(user, tracked_plan.pk) == tracked_plan
        assert queries.get_task_for(user, task.pk) == task
        goal = tracked_plan.goals.get()
        assert queries.get_goal_for(user, goal.pk) == goal
        phase = tracked_plan.phases.first()
        assert queries.get_phase_for(user, phase.pk) == phase
        assert queries.get_evidence_for(user, evidence.pk) == evidence

    def test_unknown_ids_are_not_found_even_for_the_ministry(self, supervisor):
        for lookup in (
            queries.get_plan_for,
            queries.get_task_for,
            queries.get_goal_for,
            queries.get_phase_for,
            queries.get_evidence_for,
        ):
            with pytest.raises(NotFound):
                lookup(supervisor, 999_999)

    def test_a_sub_pair_coordinator_sees_the_sub_pairs_plans(
        self, make_plan, xuchang, nankai_xuchang, tianjin
    ):
        plan = make_plan(actor=tianjin, pairing=nankai_xuchang, title="南开区—许昌市方案")
        assert queries.get_plan_for(xuchang, plan.pk) == plan


# ---------------------------------------------------------------- plan lists


class TestListPlans:
    def test_only_visible_current_live_plans_with_their_counts(
        self, tracked_plan, tianjin, jiangxi, tianjin_henan
    ):
        plans = list(queries.list_plans_for(tianjin))
        assert {p.pairing_id for p in plans} == {tianjin_henan.pk}
        mine = next(p for p in plans if p.pk == tracked_plan.pk)
        assert mine.overdue_count == 2  # rows 1 and 6; done, cancelled and archived rows don't
        assert mine.task_count == 6  # the archived row is not counted
        assert tracked_plan.pk not in {p.pk for p in queries.list_plans_for(jiangxi)}

    def test_filters(self, tracked_plan, make_plan, tianjin, henan, supervisor, tianjin_henan):
        other = make_plan(title="另一个方案")
        services.archive_plan(actor=tianjin, plan_id=other.pk)

        def pks(**kw):
            return {p.pk for p in queries.list_plans_for(supervisor, PlanFilters(**kw))}

        assert pks(status="draft") >= {tracked_plan.pk}
        assert all(
            p.status == "draft"
            for p in queries.list_plans_for(supervisor, PlanFilters(status="draft"))
        )
        assert pks(pairing=tianjin_henan.pk) == set(
            Plan.objects.filter(pairing=tianjin_henan, archived_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        assert tracked_plan.pk in pks(province="410000")
        assert tracked_plan.pk in pks(province="120000")
        assert tracked_plan.pk not in pks(province="360000")
        assert pks(q="示范片区推进") == {tracked_plan.pk}
        assert tracked_plan.pk in pks(q="河南")  # the partner region's name
        assert pks(archived=True) == {other.pk}
        assert other.pk not in pks()

    def test_all_versions_shows_superseded_ones(self, tianjin, henan, supervisor, plan_in_force):
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        current = {p.pk for p in queries.list_plans_for(tianjin)}
        assert {plan_in_force.pk, new.pk} <= current  # a revision is under way
        services.submit_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=henan, plan_id=new.pk)
        services.file_plan(actor=supervisor, plan_id=new.pk)
        services.put_in_force(actor=tianjin, plan_id=new.pk)
        current = {p.pk for p in queries.list_plans_for(tianjin)}
        assert new.pk in current and plan_in_force.pk not in current
        every = {p.pk for p in queries.list_plans_for(tianjin, PlanFilters(all_versions=True))}
        assert {plan_in_force.pk, new.pk} <= every

    def test_sorting(self, tracked_plan, make_plan, tianjin, supervisor):
        quiet = make_plan(title="甲方案")
        by_title = [p.title for p in queries.list_plans_for(supervisor, PlanFilters(sort="title"))]
        assert by_title == sorted(by_title)
        by_overdue = list(queries.list_plans_for(supervisor, PlanFilters(sort="overdue")))
        counts = [p.overdue_count for p in by_overdue]
        assert counts == sorted(counts, reverse=True)
        by_updated = list(queries.list_plans_for(supervisor, PlanFilters(sort="updated")))
        services.update_plan(actor=tianjin, plan_id=quiet.pk, values={"title": "乙方案"})
        by_updated = list(queries.list_plans_for(supervisor, PlanFilters(sort="updated")))
        assert by_updated[0].pk == quiet.pk
        by_status = [
            p.status for p in queries.list_plans_for(supervisor, PlanFilters(sort="status"))
        ]
        assert by_status == sorted(by_status)
        by_pair = list(queries.list_plans_for(supervisor, PlanFilters(sort="pair")))
        codes = [(p.pairing.leading_region_id, p.pairing.partner_region_id) for p in by_pair]
        assert codes == sorted(codes)
        # An unknown sort falls back to the pair order.
        fallback = list(queries.list_plans_for(supervisor, PlanFilters(sort="nonsense")))
        assert [p.pk for p in fallback] == [p.pk for p in by_pair]


class TestCounts:
    def test_plans_by_status_counts_current_live_plans(
        self, make_plan, tianjin, henan, supervisor, plan_in_force
    ):
        before = queries.plans_by_status(supervisor)
        draft = make_plan(title="草稿")
        after = queries.plans_by_status(supervisor)
        assert after["draft"] == before.get("draft", 0) + 1
        services.archive_plan(actor=tianjin, plan_id=draft.pk)
        assert queries.plans_by_status(supervisor) == before
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        services.submit_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=tianjin, plan_id=new.pk)
        services.sign_plan(actor=henan, plan_id=new.pk)
        services.file_plan(actor=supervisor, plan_id=new.pk)
        services.put_in_force(actor=tianjin, plan_id=new.pk)
        # The superseded version is not counted: still one plan in force for this lineage.
        assert queries.plans_by_status(supervisor) == before
        assert "superseded" not in queries.plans_by_status(supervisor)

    def test_plans_by_status_is_scoped(self, tracked_plan, jiangxi, tianjin):
        mine = queries.plans_by_status(tianjin)
        assert mine == {"in_force": 1, "draft": 1}
        assert "draft" not in queries.plans_by_status(jiangxi)

    def test_overdue_by_pairing_counts_open_overdue_rows_worst_first(
        self, tracked_plan, supervisor, jiangxi, tianjin_henan
    ):
        rows = queries.overdue_by_pairing(supervisor)
        counts = [r["overdue"] for r in rows]
        assert counts == sorted(counts, reverse=True)
        row = next(r for r in rows if r["pairing_id"] == tianjin_henan.pk)
        loaded = Task.objects.filter(
            plan__pairing=tianjin_henan,
            plan__version=1,
            plan__status="in_force",
            archived_at__isnull=True,
        ).overdue()
        assert row["overdue"] == loaded.count() + 2
        assert row["label"] == "天津市—河南省"
        assert tianjin_henan.pk not in {
            r["pairing_id"] for r in queries.overdue_by_pairing(jiangxi)
        }

    def test_overdue_by_pairing_leaves_out_archived_plans(
        self, tracked_plan, tianjin, supervisor, tianjin_henan
    ):
        def count():
            rows = queries.overdue_by_pairing(supervisor)
            return next((r["overdue"] for r in rows if r["pairing_id"] == tianjin_henan.pk), 0)

        with_plan = count()
        services.archive_plan(actor=tianjin, plan_id=tracked_plan.pk)
        assert count() == with_plan - 2

    def test_a_revision_under_way_does_not_double_the_overdue_count(
        self, tianjin, henan, supervisor, make_plan, tianjin_henan
    ):
        yesterday = _today() - dt.timedelta(days=1)
        plan = make_plan(
            period_start=yesterday - dt.timedelta(days=30),
            tasks=[{"title": "逾期任务", "due_date": yesterday}],
        )
        services.submit_plan(actor=tianjin, plan_id=plan.pk)
        services.sign_plan(actor=tianjin, plan_id=plan.pk)
        services.sign_plan(actor=henan, plan_id=plan.pk)
        services.file_plan(actor=supervisor, plan_id=plan.pk)
        services.put_in_force(actor=tianjin, plan_id=plan.pk)

        def count():
            rows = queries.overdue_by_pairing(supervisor)
            return next(r["overdue"] for r in rows if r["pairing_id"] == tianjin_henan.pk)

        before = count()
        services.start_revision(actor=tianjin, plan_id=plan.pk)
        assert count() == before


# ---------------------------------------------------------------- my tasks


class TestMyTasks:
    def test_owned_or_shared_rows_with_filters(self, tracked_plan, henan_member, tianjin, jiangxi):
        # Owner of 4 (and co-owner: still one row), co-owner of 5; the undated row last.
        assert _numbers(queries.my_tasks_for(henan_member)) == [4, 5]
        assert _numbers(queries.my_tasks_for(henan_member, status="in_progress")) == [5]
        assert _numbers(queries.my_tasks_for(henan_member, overdue=True)) == []
        assert _numbers(queries.my_tasks_for(tianjin)) == [4]
        assert list(queries.my_tasks_for(jiangxi)) == []

    def test_overdue_rows_of_mine(self, tracked_plan, tianjin, henan_member):
        tasks.update_task(
            actor=tianjin, task_id=_task(tracked_plan, 1).pk, values={"owner": "henan_member"}
        )
        tasks.update_task(
            actor=tianjin, task_id=_task(tracked_plan, 2).pk, values={"owner": "henan_member"}
        )
        assert _numbers(queries.my_tasks_for(henan_member, overdue=True)) == [1]

    def test_rows_of_archived_tasks_and_plans_leave_the_list(
        self, tracked_plan, tianjin, henan_member
    ):
        tasks.archive_task(actor=tianjin, task_id=_task(tracked_plan, 5).pk)
        assert _numbers(queries.my_tasks_for(henan_member)) == [4]
        services.archive_plan(actor=tianjin, plan_id=tracked_plan.pk)
        assert list(queries.my_tasks_for(henan_member)) == []


# ---------------------------------------------------------------- the table


class TestTasksOf:
    def test_filters(self, tracked_plan, henan_member):
        phase_a = tracked_plan.phases.get(name="阶段A")

        def numbers(**kw):
            return _numbers(queries.tasks_of(tracked_plan, TaskFilters(**kw)))

        assert numbers() == [1, 2, 3, 4, 5, 6]
        assert numbers(side="partner") == [4, 5, 6]
        assert numbers(side="leading") == [2]
        assert numbers(phase=phase_a.pk) == [1, 2, 3]
        assert numbers(status="in_progress") == [1, 5]
        assert numbers(owner=henan_member.pk) == [4, 5]  # owner or co-owner, each row once
        assert numbers(overdue=True) == [1, 6]
        assert numbers(q="验收") == [4]  # the deliverable
        assert numbers(q="培训") == [2]  # the title
        assert numbers(archived=True) == [7]
        assert numbers(side="partner", overdue=True) == [6]

    def test_sorting(self, tracked_plan):
        def numbers(sort):
            return _numbers(queries.tasks_of(tracked_plan, TaskFilters(sort=sort)))

        statuses = [t.status for t in queries.tasks_of(tracked_plan, TaskFilters(sort="status"))]
        assert statuses == sorted(statuses)
        dated = [
            t.number
            for t in queries.tasks_of(tracked_plan, TaskFilters(sort="due"))
            if t.due_date is not None
        ]
        assert dated == [1, 2, 3, 6, 4]
        assert numbers("nonsense") == numbers("number")

    def test_undated_rows_sort_last_by_due_date(self, tracked_plan):
        rows = list(queries.tasks_of(tracked_plan, TaskFilters(sort="due")))
        assert rows[-1].number == 5


# ---------------------------------------------------------------- roll-ups and the timeline


class TestOverview:
    def test_roll_ups_per_phase_with_weights_and_without_cancelled_rows(self, tracked_plan):
        overview = queries.overview_of(tracked_plan)
        phase_a = tracked_plan.phases.get(name="阶段A")
        phase_b = tracked_plan.phases.get(name="阶段B")
        assert _task(tracked_plan, 4).progress == 0  # from its one open sub-task
        # A: 1 (w2, 50) and 2 (w1, 100); 3 is cancelled.
        a = overview.by_phase[phase_a.pk]
        assert (a.progress, a.total, a.done) == (round((2 * 50 + 100) / 3), 2, 1)
        # B: 4 (w1, 0) and 5 (w2, 50).
        b = overview.by_phase[phase_b.pk]
        assert (b.progress, b.total, b.done) == (round(100 / 3), 2, 0)
        # No top-level row lies outside a phase: the sub-task 6 counts through its parent only.
        assert None not in overview.by_phase
        # The plan: top-level rows 1, 2, 4, 5 (weights 2, 1, 1, 2).
        assert (overview.overall.progress, overview.overall.total, overview.overall.done) == (
            round((100 + 100 + 0 + 100) / 6),
            4,
            1,
        )
        assert overview.task_count == 6
        assert overview.overdue_count == 2
        assert overview.by_status == {
            "in_progress": 2,
            "done": 1,
            "cancelled": 1,
            "not_started": 2,
        }
        assert [g.text for g in overview.goals] == ["示范片区全覆盖"]
        assert [p.name for p in overview.phases] == ["阶段A", "阶段B"]

    def test_a_subtask_moves_its_parent_and_so_the_phase(self, tracked_plan, henan):
        phase_b = tracked_plan.phases.get(name="阶段B")
        tasks.set_status(actor=henan, task_id=_task(tracked_plan, 6).pk, status="done")
        overview = queries.overview_of(tracked_plan)
        assert _task(tracked_plan, 4).progress == 100
        assert overview.by_phase[phase_b.pk].progress == round((100 + 2 * 50) / 3)

    def test_an_empty_plan_rolls_up_to_nothing(self, make_plan):
        overview = queries.overview_of(make_plan())
        assert (overview.overall.progress, overview.overall.total) == (0, 0)
        assert overview.by_phase == {} and overview.task_count == 0

    def test_the_timeline_marks_overdue_rows(self, tracked_plan):
        phases = tracked_plan.phases.all()
        data = queries.timeline_of(tracked_plan, phases)
        today = _today()
        assert data["today"] == today.isoformat()
        assert data["start"] == tracked_plan.period_start.isoformat()
        assert [p["name"] for p in data["phases"]] == ["阶段A", "阶段B"]
        rows = {int(r["label"].split(".")[0]): r for r in data["tasks"]}
        assert set(rows) == {1, 2, 3, 4, 6}  # 5 has no due date; 7 is archived
        assert {n for n, r in rows.items() if r["overdue"]} == {1, 6}
        yesterday = (today - dt.timedelta(days=1)).isoformat()
        assert rows[1]["start"] == rows[1]["end"] == yesterday  # no start: drawn on the due date
        assert rows[2]["start"] == tracked_plan.period_start.isoformat()
        assert rows[2]["status"] == "done" and rows[2]["progress"] == 100
