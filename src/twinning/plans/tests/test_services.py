"""The plan services: plans, goals, phases, the lifecycle, revisions, templates and topics."""

import datetime as dt
import io

import pytest

from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.plans import compare, services, tasks
from twinning.plans.models import Evidence, Goal, Method, Plan, PlanTemplate, Task, Topic
from twinning.plans.programme_data import TEMPLATES

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
START, END = dt.date(2025, 1, 1), dt.date(2027, 12, 31)


def _template(code):
    return PlanTemplate.objects.get(code=code)


def _create(actor, pairing, **kw):
    values = {
        "title": "天津—河南交流协作工作方案",
        "period_start": START,
        "period_end": END,
    }
    values.update(kw)
    return services.create_plan(actor=actor, pairing_id=pairing.pk, **values)


def _transitions(plan):
    """(actor, status change) of the plan's recorded transitions, oldest first."""
    entries = AuditEntry.objects.filter(
        target_type="plans.plan", target_id=str(plan.pk), action="transition"
    ).order_by("at", "id")
    return [(e.actor, e.changes.get("status")) for e in entries]


def _through_to_force(plan, tianjin, henan, supervisor):
    services.submit_plan(actor=tianjin, plan_id=plan.pk)
    services.sign_plan(actor=tianjin, plan_id=plan.pk)
    services.sign_plan(actor=henan, plan_id=plan.pk)
    services.file_plan(actor=supervisor, plan_id=plan.pk)
    return services.put_in_force(actor=henan, plan_id=plan.pk)


# ---------------------------------------------------------------- creating plans


class TestCreatePlan:
    def test_a_blank_plan_is_a_first_draft_recorded_with_its_author(self, tianjin, tianjin_henan):
        plan = _create(
            tianjin,
            tianjin_henan,
            principles="务求实效",
            methods=[Method.TRAINING, Method.FIELD_RESEARCH, Method.TRAINING],
            topic_codes=["training", "institutions"],
        )
        plan.refresh_from_db()
        assert plan.status == Plan.Status.DRAFT
        assert plan.version == 1 and plan.previous is None
        assert plan.pairing == tianjin_henan
        assert plan.created_by == tianjin and plan.updated_by == tianjin
        assert plan.methods == ["training", "field_research"]  # duplicates dropped, order kept
        assert sorted(t.code for t in plan.topics.all()) == ["institutions", "training"]
        assert not plan.goals.exists() and not plan.phases.exists() and not plan.tasks.exists()
        entry = AuditEntry.objects.get(target_type="plans.plan", target_id=str(plan.pk))
        assert entry.action == "create"
        assert entry.actor == tianjin
        assert entry.pairing == tianjin_henan
        assert entry.changes["title"] == [None, "天津—河南交流协作工作方案"]
        assert entry.changes["topics"] == [None, ["institutions", "training"]]

    def test_a_member_of_either_side_may_draft(self, henan_member, tianjin_henan):
        plan = _create(henan_member, tianjin_henan)
        assert plan.created_by == henan_member

    def test_eight_ones_copies_goals_tasks_and_methods_without_phases(self, tianjin, tianjin_henan):
        template = _template("eight-ones")
        row = next(t for t in TEMPLATES if t["code"] == "eight-ones")
        plan = _create(tianjin, tianjin_henan, template_id=template.pk)
        assert plan.template == template
        assert plan.methods == [str(m) for m in row["methods"]]
        assert not plan.phases.exists()
        assert [g.text for g in plan.goals.order_by("position")] == [
            g["text"] for g in row["goals"]
        ]
        rows = list(plan.tasks.order_by("number"))
        assert [t.title for t in rows] == [t["title"] for t in row["tasks"]]
        assert [t.number for t in rows] == list(range(1, len(row["tasks"]) + 1))
        assert all(
            t.phase is None and (t.start_date, t.due_date) == (plan.period_start, plan.period_end)
            for t in rows
        )
        assert all(t.status == Task.Status.NOT_STARTED for t in rows)
        note = AuditEntry.objects.get(
            target_type="plans.plan", target_id=str(plan.pk), action="update"
        )
        assert note.changes == {"template": [None, template.name]}

    def test_three_phases_are_dated_from_the_start_and_clipped_to_the_period(
        self, tianjin, tianjin_henan
    ):
        plan = _create(tianjin, tianjin_henan, template_id=_template("three-phases").pk)
        phases = list(plan.phases.order_by("position"))
        assert [(p.name, p.start_date, p.end_date) for p in phases] == [
            ("试点阶段", START, dt.date(2027, 12, 31)),  # three years exactly
            ("推广阶段", START, END),  # four years, clipped to the period's end
            ("总结阶段", END, END),  # starts in year five: clipped to the last day
        ]
        assert all(p.start_date >= START and p.end_date <= END for p in phases)
        assert plan.goals.count() == 2
        rows = list(plan.tasks.order_by("number").select_related("phase", "topic"))
        assert len(rows) == 7
        assert [t.phase.position for t in rows] == [0, 0, 0, 1, 1, 1, 2]
        assert all(
            (t.start_date, t.due_date) == (t.phase.start_date, t.phase.end_date) for t in rows
        )
        assert rows[0].topic.code == "institutions"
        assert rows[1].side == "partner"
        assert rows[6].topic is None

    def test_one_three_five_phases_all_start_on_the_first_day(self, tianjin, tianjin_henan):
        end = dt.date(2027, 6, 30)
        plan = _create(
            tianjin, tianjin_henan, period_end=end, template_id=_template("one-three-five").pk
        )
        phases = list(plan.phases.order_by("position"))
        assert [(p.start_date, p.end_date) for p in phases] == [
            (START, dt.date(2025, 12, 31)),
            (START, end),  # three years would run to 2027-12-31
            (START, end),  # five years would run to 2029-12-31
        ]
        assert plan.goals.count() == 3
        assert plan.tasks.count() == 8
        assert plan.tasks.get(number=2).side == "leading"

    def test_a_period_ending_before_it_starts_is_refused(self, tianjin, tianjin_henan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _create(tianjin, tianjin_henan, period_start=END, period_end=START)
        assert exc.value.code == "invalid_dates"
        assert "period_end" in exc.value.fields
        assert db_state() == before

    def test_an_unknown_method_is_refused(self, tianjin, tianjin_henan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _create(tianjin, tianjin_henan, methods=["training", "carrier_pigeons"])
        assert "methods" in exc.value.fields
        assert "carrier_pigeons" in exc.value.message
        assert db_state() == before

    def test_an_unknown_topic_is_refused_and_nothing_is_kept(
        self, tianjin, tianjin_henan, db_state
    ):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _create(tianjin, tianjin_henan, topic_codes=["training", "no_such_topic"])
        assert "topics" in exc.value.fields
        assert "no_such_topic" in exc.value.message
        assert db_state() == before

    def test_an_unknown_template_is_refused(self, tianjin, tianjin_henan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _create(tianjin, tianjin_henan, template_id=999_999)
        assert exc.value.code == "unknown_template"
        assert db_state() == before

    def test_an_archived_template_cannot_be_used(
        self, tianjin, admin_user, tianjin_henan, db_state
    ):
        template = _template("eight-ones")
        services.archive_admin_record(actor=admin_user, obj=template, archived=True)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            _create(tianjin, tianjin_henan, template_id=template.pk)
        assert exc.value.code == "unknown_template"
        assert db_state() == before

    @pytest.mark.parametrize("persona", ["henan_expert", "supervisor"])
    def test_read_only_users_may_not_draft(self, request, persona, tianjin_henan, db_state):
        user = request.getfixturevalue(persona)
        before = db_state()
        with pytest.raises(Forbidden):
            _create(user, tianjin_henan)
        assert db_state() == before

    def test_an_outsider_is_told_the_pair_does_not_exist(self, jiangxi, tianjin_henan, db_state):
        before = db_state()
        with pytest.raises(NotFound):
            _create(jiangxi, tianjin_henan)
        assert db_state() == before


# ---------------------------------------------------------------- updating plans


class TestUpdatePlan:
    def test_only_the_given_values_change(self, tianjin, draft_plan):
        old = Plan.objects.get(pk=draft_plan.pk)
        plan = services.update_plan(
            actor=tianjin,
            plan_id=draft_plan.pk,
            values={"title": "新标题", "methods": ["lecture"]},
            expected_version=old.lock_version,
        )
        plan.refresh_from_db()
        assert plan.title == "新标题"
        assert plan.methods == ["lecture"]
        assert plan.principles == old.principles
        assert (plan.period_start, plan.period_end) == (old.period_start, old.period_end)
        assert plan.lock_version == old.lock_version + 1
        entry = AuditEntry.objects.filter(
            target_type="plans.plan", target_id=str(plan.pk), action="update"
        ).first()
        assert entry.actor == tianjin
        assert entry.changes == {
            "title": [old.title, "新标题"],
            "methods": [old.methods, ["lecture"]],
        }

    def test_topics_are_replaced_by_codes(self, henan_member, draft_plan):
        services.update_plan(
            actor=henan_member, plan_id=draft_plan.pk, values={"topics": ["training", "recycling"]}
        )
        assert sorted(t.code for t in draft_plan.topics.all()) == ["recycling", "training"]
        entry = AuditEntry.objects.filter(
            target_type="plans.plan", target_id=str(draft_plan.pk)
        ).first()
        assert entry.changes == {"topics": [[], ["recycling", "training"]]}

    def test_saving_the_same_values_changes_nothing(self, tianjin, draft_plan, db_state):
        before = db_state()
        services.update_plan(
            actor=tianjin, plan_id=draft_plan.pk, values={"title": draft_plan.title}
        )
        assert db_state() == before

    def test_an_unknown_field_is_refused(self, tianjin, draft_plan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.update_plan(
                actor=tianjin, plan_id=draft_plan.pk, values={"title": "x", "status": "filed"}
            )
        assert exc.value.code == "unknown_field"
        assert "status" in exc.value.fields
        assert db_state() == before

    def test_a_period_ending_before_it_starts_is_refused(self, tianjin, draft_plan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.update_plan(
                actor=tianjin,
                plan_id=draft_plan.pk,
                values={"period_end": draft_plan.period_start - dt.timedelta(days=1)},
            )
        assert exc.value.code == "invalid_dates"
        assert db_state() == before

    def test_the_period_cannot_shrink_past_its_phases(self, tianjin, draft_plan, db_state):
        # 试点阶段 runs to 31 December; ending the plan in January would leave it outside.
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.update_plan(
                actor=tianjin,
                plan_id=draft_plan.pk,
                values={"period_end": draft_plan.period_start + dt.timedelta(days=30)},
            )
        assert exc.value.code == "phase_outside_period"
        assert db_state() == before

    def test_the_plan_is_frozen_once_submitted(self, tianjin, draft_plan, db_state):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.update_plan(actor=tianjin, plan_id=draft_plan.pk, values={"title": "改"})
        assert exc.value.code == "plan_frozen"
        assert db_state() == before

    def test_a_stale_version_is_refused_naming_who_changed_it(
        self, tianjin, henan, draft_plan, db_state
    ):
        read_by_both = Plan.objects.get(pk=draft_plan.pk).lock_version
        services.update_plan(
            actor=henan,
            plan_id=draft_plan.pk,
            values={"title": "河南改的标题"},
            expected_version=read_by_both,
        )
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.update_plan(
                actor=tianjin,
                plan_id=draft_plan.pk,
                values={"title": "天津改的标题"},
                expected_version=read_by_both,
            )
        assert exc.value.code == "stale_version"
        assert str(henan) in exc.value.message
        assert db_state() == before
        assert Plan.objects.get(pk=draft_plan.pk).title == "河南改的标题"

    def test_read_only_users_and_outsiders_cannot_update(
        self, henan_expert, supervisor, jiangxi, draft_plan, db_state
    ):
        before = db_state()
        for user in (henan_expert, supervisor):
            with pytest.raises(Forbidden):
                services.update_plan(actor=user, plan_id=draft_plan.pk, values={"title": "x"})
        with pytest.raises(NotFound):
            services.update_plan(actor=jiangxi, plan_id=draft_plan.pk, values={"title": "x"})
        assert db_state() == before

    def test_an_archived_plan_cannot_be_edited_until_restored(self, tianjin, draft_plan, db_state):
        services.archive_plan(actor=tianjin, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.update_plan(actor=tianjin, plan_id=draft_plan.pk, values={"title": "x"})
        assert exc.value.code == "plan_archived"
        assert db_state() == before
        services.restore_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.update_plan(actor=tianjin, plan_id=draft_plan.pk, values={"title": "x"})
        assert Plan.objects.get(pk=draft_plan.pk).title == "x"


# ---------------------------------------------------------------- goals and phases


class TestGoalsAndPhases:
    def test_goals_are_added_updated_and_archived(self, henan_member, draft_plan):
        goal = services.add_goal(
            actor=henan_member,
            plan_id=draft_plan.pk,
            values={"text": "回收利用率达到35%", "indicator": "回收利用率", "unit": "%"},
        )
        assert goal.position == 1 and not goal.is_measurable
        goal = services.update_goal(
            actor=henan_member, goal_id=goal.pk, values={"target_value": 35}
        )
        assert Goal.objects.get(pk=goal.pk).is_measurable
        services.archive_goal(actor=henan_member, goal_id=goal.pk)
        assert Goal.objects.get(pk=goal.pk).is_archived
        actions = list(
            AuditEntry.objects.filter(target_type="plans.goal", target_id=str(goal.pk))
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["create", "update", "archive"]

    def test_a_phase_must_lie_inside_the_period(self, tianjin, draft_plan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.add_phase(
                actor=tianjin,
                plan_id=draft_plan.pk,
                values={
                    "name": "总结阶段",
                    "start_date": draft_plan.period_end,
                    "end_date": draft_plan.period_end + dt.timedelta(days=1),
                },
            )
        assert exc.value.code == "phase_outside_period"
        assert db_state() == before

    def test_a_phase_ending_before_it_starts_is_refused(self, tianjin, draft_plan, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.add_phase(
                actor=tianjin,
                plan_id=draft_plan.pk,
                values={
                    "name": "倒序阶段",
                    "start_date": draft_plan.period_start + dt.timedelta(days=10),
                    "end_date": draft_plan.period_start,
                },
            )
        assert exc.value.code == "invalid_dates"
        assert db_state() == before

    def test_a_phase_with_tasks_cannot_be_archived(self, tianjin, draft_plan, db_state):
        phase = draft_plan.phases.get(position=0)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.archive_phase(actor=tianjin, phase_id=phase.pk)
        assert exc.value.code == "phase_has_tasks"
        assert db_state() == before

    def test_goals_of_a_submitted_plan_are_frozen(self, tianjin, draft_plan, db_state):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        goal = draft_plan.goals.get()
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.update_goal(actor=tianjin, goal_id=goal.pk, values={"text": "改"})
        assert exc.value.code == "plan_frozen"
        with pytest.raises(Conflict):
            services.add_goal(actor=tianjin, plan_id=draft_plan.pk, values={"text": "新"})
        assert db_state() == before

    def test_an_outsider_cannot_reach_goals_or_phases(self, jiangxi, draft_plan, db_state):
        goal, phase = draft_plan.goals.get(), draft_plan.phases.first()
        before = db_state()
        with pytest.raises(NotFound):
            services.update_goal(actor=jiangxi, goal_id=goal.pk, values={"text": "x"})
        with pytest.raises(NotFound):
            services.update_phase(actor=jiangxi, phase_id=phase.pk, values={"name": "x"})
        with pytest.raises(NotFound):
            services.add_goal(actor=jiangxi, plan_id=draft_plan.pk, values={"text": "x"})
        assert db_state() == before


# ---------------------------------------------------------------- the lifecycle


class TestLifecycle:
    def test_an_empty_plan_cannot_be_submitted(self, tianjin, tianjin_henan, db_state):
        plan = _create(tianjin, tianjin_henan)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.submit_plan(actor=tianjin, plan_id=plan.pk)
        assert exc.value.code == "plan_empty"
        assert db_state() == before

    def test_a_plan_with_only_archived_content_counts_as_empty(self, tianjin, make_plan, db_state):
        plan = make_plan(goals=["唯一目标"])
        services.archive_goal(actor=tianjin, goal_id=plan.goals.get().pk)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.submit_plan(actor=tianjin, plan_id=plan.pk)
        assert exc.value.code == "plan_empty"
        assert db_state() == before

    def test_a_member_cannot_submit(self, henan_member, draft_plan, db_state):
        before = db_state()
        with pytest.raises(Forbidden):
            services.submit_plan(actor=henan_member, plan_id=draft_plan.pk)
        assert db_state() == before

    def test_both_coordinators_sign_and_the_plan_is_agreed(self, tianjin, henan, draft_plan):
        plan = services.submit_plan(actor=tianjin, plan_id=draft_plan.pk, note="请审阅")
        assert plan.status == Plan.Status.SUBMITTED and plan.submitted_at is not None
        plan = services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        assert plan.status == Plan.Status.SUBMITTED
        assert plan.partner_signed_by == henan and plan.partner_signed_at is not None
        assert plan.leading_signed_at is None
        plan = services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        plan.refresh_from_db()
        assert plan.status == Plan.Status.AGREED
        assert plan.leading_signed_by == tianjin and plan.partner_signed_by == henan
        assert _transitions(plan) == [
            (tianjin, ["draft", "submitted"]),
            (henan, None),  # a first signature changes no status
            (tianjin, ["submitted", "agreed"]),
        ]

    def test_a_side_signs_only_once(self, tianjin, draft_plan, db_state):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        assert exc.value.code == "already_signed"
        assert db_state() == before

    def test_another_coordinator_of_the_same_side_cannot_sign_again(
        self, tianjin, henan, draft_plan, db_state
    ):
        from twinning.accounts.models import Role
        from twinning.accounts.tests.factories import make_user

        second = make_user(Role.COORDINATOR, "410000")
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.sign_plan(actor=second, plan_id=draft_plan.pk)
        assert exc.value.code == "already_signed"
        assert db_state() == before

    @pytest.mark.parametrize(
        "persona", ["henan_member", "henan_expert", "supervisor", "admin_user"]
    )
    def test_only_coordinators_sign(self, request, persona, tianjin, draft_plan, db_state):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        user = request.getfixturevalue(persona)
        before = db_state()
        with pytest.raises(Forbidden):
            services.sign_plan(actor=user, plan_id=draft_plan.pk)
        assert db_state() == before

    def test_a_draft_cannot_be_signed(self, tianjin, draft_plan, db_state):
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        assert exc.value.code == "invalid_transition"
        assert db_state() == before

    def test_the_supervisor_files_only_agreed_plans(
        self, tianjin, henan, supervisor, draft_plan, db_state
    ):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.file_plan(actor=supervisor, plan_id=draft_plan.pk)
        assert exc.value.code == "invalid_transition"
        assert db_state() == before
        services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        plan = services.file_plan(actor=supervisor, plan_id=draft_plan.pk, note="同意备案")
        assert plan.status == Plan.Status.FILED
        assert plan.filed_by == supervisor and plan.filed_at is not None
        assert _transitions(plan)[-1] == (supervisor, ["agreed", "filed"])

    @pytest.mark.parametrize("persona", ["tianjin", "admin_user"])
    def test_only_the_ministry_supervisor_files(
        self, request, persona, tianjin, henan, draft_plan, db_state
    ):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        user = request.getfixturevalue(persona)
        before = db_state()
        with pytest.raises(Forbidden):
            services.file_plan(actor=user, plan_id=draft_plan.pk)
        assert db_state() == before

    @pytest.mark.parametrize("comment", ["", "   \n"])
    def test_returning_needs_a_comment(
        self, comment, tianjin, henan, supervisor, draft_plan, db_state
    ):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.return_plan(actor=supervisor, plan_id=draft_plan.pk, comment=comment)
        assert exc.value.code == "comment_required"
        assert "comment" in exc.value.fields
        assert db_state() == before

    def test_a_returned_plan_is_editable_and_resubmission_clears_the_signatures(
        self, tianjin, henan, supervisor, draft_plan
    ):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        plan = services.return_plan(
            actor=supervisor, plan_id=draft_plan.pk, comment="请补充量化指标"
        )
        assert plan.status == Plan.Status.RETURNED
        assert plan.review_comment == "请补充量化指标"
        assert plan.is_editable
        services.update_plan(actor=tianjin, plan_id=plan.pk, values={"background": "补充说明"})
        services.add_goal(
            actor=tianjin,
            plan_id=plan.pk,
            values={"text": "分类覆盖率100%", "indicator": "覆盖率", "target_value": 100},
        )
        plan = services.submit_plan(actor=tianjin, plan_id=plan.pk)
        plan.refresh_from_db()
        assert plan.status == Plan.Status.SUBMITTED
        assert plan.leading_signed_at is None and plan.leading_signed_by is None
        assert plan.partner_signed_at is None and plan.partner_signed_by is None
        assert plan.background == "补充说明"
        statuses = [change for _, change in _transitions(plan) if change]
        assert statuses[-2:] == [["agreed", "returned"], ["returned", "submitted"]]
        returned = AuditEntry.objects.filter(
            target_type="plans.plan", target_id=str(plan.pk), action="transition"
        ).get(changes__status=["agreed", "returned"])
        assert returned.actor == supervisor and returned.note == "请补充量化指标"

    def test_a_side_coordinator_may_send_a_submitted_plan_back(
        self, tianjin, henan, draft_plan, db_state
    ):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.request_changes(actor=henan, plan_id=draft_plan.pk, comment=" ")
        assert exc.value.code == "comment_required"
        assert db_state() == before
        plan = services.request_changes(actor=henan, plan_id=draft_plan.pk, comment="时限过紧")
        assert plan.status == Plan.Status.RETURNED and plan.review_comment == "时限过紧"

    @pytest.mark.parametrize("persona", ["henan_member", "supervisor", "henan_expert"])
    def test_only_coordinators_put_a_plan_in_force(
        self, request, persona, tianjin, henan, supervisor, draft_plan, db_state
    ):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        services.file_plan(actor=supervisor, plan_id=draft_plan.pk)
        user = request.getfixturevalue(persona)
        before = db_state()
        with pytest.raises(Forbidden):
            services.put_in_force(actor=user, plan_id=draft_plan.pk)
        assert db_state() == before
        plan = services.put_in_force(actor=henan, plan_id=draft_plan.pk)
        assert plan.status == Plan.Status.IN_FORCE and plan.in_force_at is not None

    def test_an_agreed_plan_cannot_skip_filing(self, tianjin, henan, draft_plan, db_state):
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)
        services.sign_plan(actor=henan, plan_id=draft_plan.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.put_in_force(actor=tianjin, plan_id=draft_plan.pk)
        assert exc.value.code == "invalid_transition"
        assert db_state() == before

    def test_every_transition_is_audited_with_actor_and_status_change(
        self, tianjin, henan, supervisor, plan_in_force
    ):
        entries = AuditEntry.objects.filter(
            target_type="plans.plan", target_id=str(plan_in_force.pk), action="transition"
        ).order_by("id")
        assert [(e.actor, e.changes.get("status")) for e in entries] == [
            (tianjin, ["draft", "submitted"]),
            (tianjin, None),
            (henan, ["submitted", "agreed"]),
            (supervisor, ["agreed", "filed"]),
            (tianjin, ["filed", "in_force"]),
        ]
        assert all(e.pairing_id == plan_in_force.pairing_id for e in entries)
        assert "leading_signed_at" in entries[1].changes
        assert "partner_signed_at" in entries[2].changes

    def test_an_outsider_cannot_drive_the_lifecycle(self, jiangxi, draft_plan, db_state):
        before = db_state()
        for action in (services.submit_plan, services.sign_plan, services.put_in_force):
            with pytest.raises(NotFound):
                action(actor=jiangxi, plan_id=draft_plan.pk)
        assert db_state() == before


# ---------------------------------------------------------------- revisions


class TestRevisions:
    def test_a_revision_copies_everything_with_the_same_keys(self, henan, plan_in_force):
        new = services.start_revision(actor=henan, plan_id=plan_in_force.pk, note="调整时限")
        assert new.version == 2 and new.previous_id == plan_in_force.pk
        assert new.lineage == plan_in_force.lineage
        assert new.status == Plan.Status.DRAFT
        assert new.title == plan_in_force.title
        for related in ("goals", "phases", "tasks"):
            old_keys = set(getattr(plan_in_force, related).values_list("key", flat=True))
            new_keys = set(getattr(new, related).values_list("key", flat=True))
            assert old_keys and old_keys == new_keys
        for task in new.tasks.select_related("phase"):
            original = plan_in_force.tasks.get(key=task.key)
            assert (task.number, task.title, task.side, task.due_date) == (
                original.number,
                original.title,
                original.side,
                original.due_date,
            )
            if original.phase_id:
                assert task.phase.plan_id == new.pk and task.phase.key == original.phase.key
        old = Plan.objects.get(pk=plan_in_force.pk)
        assert old.status == Plan.Status.IN_FORCE and old.superseded_at is None
        entry = AuditEntry.objects.get(target_type="plans.plan", target_id=str(new.pk))
        assert entry.actor == henan and entry.changes == {"version": [1, 2]}
        assert entry.note == "调整时限"

    def test_a_revision_keeps_owners_and_co_owners(self, tianjin, henan_member, plan_in_force):
        task = plan_in_force.tasks.get(number=3)
        tasks.update_task(
            actor=tianjin,
            task_id=task.pk,
            values={"owner": "tianjin", "co_owners": ["henan_member"]},
        )
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        copy = new.tasks.get(key=task.key)
        assert copy.owner == tianjin
        assert list(copy.co_owners.all()) == [henan_member]

    def test_the_old_version_stays_frozen(self, tianjin, plan_in_force, db_state):
        services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        task = plan_in_force.tasks.get(number=1)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.update_plan(actor=tianjin, plan_id=plan_in_force.pk, values={"title": "x"})
        assert exc.value.code == "plan_frozen"
        with pytest.raises(Conflict) as exc:
            tasks.update_task(actor=tianjin, task_id=task.pk, values={"title": "x"})
        assert exc.value.code == "plan_frozen"
        assert db_state() == before

    def test_compare_reports_changed_added_and_removed_items(self, tianjin, plan_in_force):
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        first = new.tasks.get(number=1)
        old_due = first.due_date
        tasks.update_task(
            actor=tianjin,
            task_id=first.pk,
            values={"due_date": old_due + dt.timedelta(days=90)},
        )
        tasks.add_task(actor=tianjin, plan_id=new.pk, values={"title": "开展线上会诊"})
        services.archive_goal(actor=tianjin, goal_id=new.goals.get().pk)
        services.update_plan(actor=tianjin, plan_id=new.pk, values={"title": "修订版"})
        result = compare.compare(plan_in_force, Plan.objects.get(pk=new.pk))
        assert not result.is_empty
        assert ("方案名称", plan_in_force.title, "修订版") in result.plan_fields
        by_kind = {(c.kind, c.label): c for c in result.tasks}
        changed = by_kind[("changed", str(Task.objects.get(pk=first.pk)))]
        assert changed.fields == [("完成时限", old_due, old_due + dt.timedelta(days=90))]
        assert ("added", "4. 开展线上会诊") in by_kind
        assert [(c.kind, c.label) for c in result.goals] == [
            ("removed", "建立两地生活垃圾分类长效协作机制")
        ]
        assert result.phases == []
        # Either order: the older version is always the baseline.
        again = compare.compare(Plan.objects.get(pk=new.pk), plan_in_force)
        assert again.older.pk == plan_in_force.pk
        assert [(c.kind, c.label) for c in again.tasks] == [(c.kind, c.label) for c in result.tasks]

    def test_a_draft_revision_does_not_take_progress(self, tianjin, plan_in_force, db_state):
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        task = new.tasks.get(number=1)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            tasks.set_status(actor=tianjin, task_id=task.pk, status="in_progress")
        assert exc.value.code == "plan_not_current"
        assert db_state() == before

    def test_only_one_revision_at_a_time(self, tianjin, henan, plan_in_force, db_state):
        services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.start_revision(actor=henan, plan_id=plan_in_force.pk)
        assert exc.value.code == "revision_exists"
        assert db_state() == before

    def test_members_cannot_revise(self, henan_member, plan_in_force, db_state):
        before = db_state()
        with pytest.raises(Forbidden):
            services.start_revision(actor=henan_member, plan_id=plan_in_force.pk)
        assert db_state() == before

    def test_a_plain_draft_cannot_be_revised(self, tianjin, make_plan, db_state):
        plan = make_plan(goals=["目标"])
        before = db_state()
        with pytest.raises(Conflict) as exc:
            services.start_revision(actor=tianjin, plan_id=plan.pk)
        assert exc.value.code == "invalid_transition"
        assert db_state() == before

    def test_in_force_the_revision_supersedes_and_carries_progress(
        self, tianjin, henan, henan_member, supervisor, plan_in_force
    ):
        old_first = plan_in_force.tasks.get(number=1)
        old_second = plan_in_force.tasks.get(number=2)
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        # Work goes on under the version in force while the revision is agreed.
        tasks.set_status(actor=tianjin, task_id=old_first.pk, status="done")
        tasks.add_evidence(
            actor=henan_member,
            task_id=old_second.pk,
            stream=io.BytesIO(PDF),
            filename="台账.pdf",
            description="设施台账",
        )
        tasks.set_status(actor=henan_member, task_id=old_second.pk, status="in_progress")
        new_first = new.tasks.get(key=old_first.key)
        tasks.update_task(
            actor=tianjin,
            task_id=new_first.pk,
            values={"due_date": new_first.due_date + dt.timedelta(days=30)},
        )
        added = tasks.add_task(actor=tianjin, plan_id=new.pk, values={"title": "新增任务"})

        _through_to_force(new, tianjin, henan, supervisor)

        old = Plan.objects.get(pk=plan_in_force.pk)
        new.refresh_from_db()
        assert old.status == Plan.Status.SUPERSEDED and old.superseded_at is not None
        assert new.status == Plan.Status.IN_FORCE
        carried_first = Task.objects.get(pk=new_first.pk)
        assert carried_first.status == "done" and carried_first.progress == 100
        assert carried_first.completed_on == Task.objects.get(pk=old_first.pk).completed_on
        assert carried_first.due_date == old_first.due_date + dt.timedelta(days=30)
        carried_second = new.tasks.get(key=old_second.key)
        assert carried_second.status == "in_progress" and carried_second.progress == 50
        evidence = carried_second.evidence.get()
        original = old_second.evidence.get()
        assert evidence.file.name == original.file.name
        assert (evidence.original_name, evidence.size, evidence.uploaded_by) == (
            "台账.pdf",
            len(PDF),
            henan_member,
        )
        assert Task.objects.get(pk=added.pk).status == "not_started"
        assert _transitions(old)[-1] == (henan, ["in_force", "superseded"])
        # Tracking now happens on the new version; the old one takes nothing more.
        tasks.set_status(actor=tianjin, task_id=added.pk, status="in_progress")
        with pytest.raises(Conflict) as exc:
            tasks.set_status(actor=tianjin, task_id=old_first.pk, status="in_progress")
        assert exc.value.code == "plan_not_current"

    def test_the_superseded_version_may_not_be_revised_again(
        self, tianjin, henan, supervisor, plan_in_force, db_state
    ):
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        _through_to_force(new, tianjin, henan, supervisor)
        before = db_state()
        with pytest.raises(Conflict):
            services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        assert db_state() == before
        third = services.start_revision(actor=tianjin, plan_id=new.pk)
        assert third.version == 3 and third.previous_id == new.pk

    def test_evidence_archived_under_the_old_version_is_not_carried(
        self, tianjin, henan, supervisor, plan_in_force
    ):
        old_first = plan_in_force.tasks.get(number=1)
        kept = tasks.add_evidence(
            actor=tianjin, task_id=old_first.pk, stream=io.BytesIO(PDF), filename="a.pdf"
        )
        dropped = tasks.add_evidence(
            actor=tianjin, task_id=old_first.pk, stream=io.BytesIO(PDF), filename="b.pdf"
        )
        tasks.archive_evidence(actor=tianjin, evidence_id=dropped.pk)
        new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
        _through_to_force(new, tianjin, henan, supervisor)
        names = list(
            Evidence.objects.filter(task__plan=new, task__key=old_first.key).values_list(
                "original_name", flat=True
            )
        )
        assert names == [kept.original_name]


# ---------------------------------------------------------------- templates and topics


def _template_values(**kw):
    values = {
        "code": "test-template",
        "name": "测试模板",
        "methods": ["training"],
        "phases": [{"name": "第一阶段", "offset_years": 0, "years": 2}],
        "goals": [{"text": "目标一"}],
        "tasks": [
            {"title": "任务一", "phase": 0, "side": "partner", "topic": "training"},
            {"title": "任务二", "phase": None, "side": "joint"},
        ],
    }
    values.update(kw)
    return values


class TestTemplates:
    def test_an_admin_creates_and_updates_a_template(self, admin_user, tianjin, tianjin_henan):
        template = services.save_template(actor=admin_user, values=_template_values())
        assert PlanTemplate.objects.get(code="test-template").name == "测试模板"
        created = AuditEntry.objects.get(
            target_type="plans.plantemplate", target_id=str(template.pk)
        )
        assert created.action == "create" and created.actor == admin_user
        services.save_template(
            actor=admin_user, template_id=template.pk, values={"name": "测试模板（修订）"}
        )
        updated = AuditEntry.objects.filter(
            target_type="plans.plantemplate", target_id=str(template.pk), action="update"
        ).get()
        assert updated.changes == {"name": ["测试模板", "测试模板（修订）"]}
        # The saved template is usable straight away.
        plan = _create(tianjin, tianjin_henan, template_id=template.pk)
        assert plan.phases.get().end_date == dt.date(2026, 12, 31)
        assert plan.tasks.get(number=1).topic.code == "training"
        assert plan.methods == ["training"]

    @pytest.mark.parametrize("persona", ["tianjin", "supervisor", "henan_member"])
    def test_only_admins_manage_templates(self, request, persona, db_state):
        user = request.getfixturevalue(persona)
        template = _template("eight-ones")
        before = db_state()
        with pytest.raises(Forbidden):
            services.save_template(actor=user, values=_template_values())
        with pytest.raises(Forbidden):
            services.save_template(actor=user, template_id=template.pk, values={"name": "x"})
        with pytest.raises(Forbidden):
            services.archive_admin_record(actor=user, obj=template, archived=True)
        with pytest.raises(Forbidden):
            services.save_topic(actor=user, values={"code": "x", "name": "x"})
        assert db_state() == before

    @pytest.mark.parametrize(
        ("field", "items"),
        [
            ("tasks", [{"title": "任务", "phase": 1}]),  # only one phase: index 1 is out of range
            ("tasks", [{"title": "任务", "phase": -1}]),
            ("tasks", [{"title": "  "}]),
            ("tasks", [{"title": "任务", "side": "both"}]),
            ("goals", [{"text": ""}]),
            ("phases", [{"name": ""}]),
            ("phases", [{"name": "阶段", "years": 0}]),
            ("phases", [{"name": "阶段", "offset_years": 21}]),
            ("tasks", ["not a dict"]),
            ("tasks", {"title": "not a list"}),
        ],
    )
    def test_malformed_items_are_refused(self, admin_user, field, items, db_state):
        values = _template_values(**{field: items})
        if field == "phases":
            values["tasks"] = []
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.save_template(actor=admin_user, values=values)
        assert exc.value.code == "invalid_template"
        assert db_state() == before

    def test_an_unknown_method_in_a_template_is_refused(self, admin_user, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.save_template(actor=admin_user, values=_template_values(methods=["nope"]))
        assert "methods" in exc.value.fields
        assert db_state() == before

    def test_a_duplicate_code_is_refused(self, admin_user, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.save_template(actor=admin_user, values=_template_values(code="eight-ones"))
        assert exc.value.code == "duplicate_code"
        assert "code" in exc.value.fields
        assert db_state() == before

    def test_renaming_to_another_templates_code_is_refused(self, admin_user, db_state):
        template = services.save_template(actor=admin_user, values=_template_values())
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.save_template(
                actor=admin_user, template_id=template.pk, values={"code": "three-phases"}
            )
        assert exc.value.code == "duplicate_code"
        assert db_state() == before

    def test_templates_are_archived_and_restored(self, admin_user, db_state):
        template = _template("three-phases")
        services.archive_admin_record(actor=admin_user, obj=template, archived=True)
        assert template.pk not in set(
            PlanTemplate.objects.filter(archived_at__isnull=True).values_list("pk", flat=True)
        )
        before = db_state()
        with pytest.raises(Conflict):
            services.archive_admin_record(actor=admin_user, obj=template, archived=True)
        assert db_state() == before
        services.archive_admin_record(actor=admin_user, obj=template, archived=False)
        assert PlanTemplate.objects.get(pk=template.pk).archived_at is None
        actions = list(
            AuditEntry.objects.filter(target_type="plans.plantemplate", target_id=str(template.pk))
            .order_by("id")
            .values_list("action", "actor__username")
        )
        assert actions[-2:] == [("archive", "admin"), ("restore", "admin")]


class TestTopics:
    def test_an_admin_adds_and_renames_a_topic(self, admin_user, tianjin, tianjin_henan):
        topic = services.save_topic(
            actor=admin_user, values={"code": "kitchen_waste", "name": "厨余垃圾", "position": 20}
        )
        services.save_topic(actor=admin_user, topic_id=topic.pk, values={"name": "厨余垃圾处理"})
        assert Topic.objects.get(code="kitchen_waste").name == "厨余垃圾处理"
        assert list(
            AuditEntry.objects.filter(target_type="plans.topic", target_id=str(topic.pk))
            .order_by("id")
            .values_list("action", flat=True)
        ) == ["create", "update"]
        plan = _create(tianjin, tianjin_henan, topic_codes=["kitchen_waste"])
        assert [t.code for t in plan.topics.all()] == ["kitchen_waste"]

    def test_a_duplicate_topic_code_is_refused(self, admin_user, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.save_topic(actor=admin_user, values={"code": "training", "name": "另一个"})
        assert exc.value.code == "duplicate_code"
        assert "code" in exc.value.fields
        assert db_state() == before

    def test_a_duplicate_topic_name_is_refused(self, admin_user, db_state):
        before = db_state()
        with pytest.raises(Invalid) as exc:
            services.save_topic(actor=admin_user, values={"code": "another", "name": "回收利用"})
        assert "name" in exc.value.fields
        assert db_state() == before

    def test_an_unknown_topic_id_is_not_found(self, admin_user):
        with pytest.raises(NotFound):
            services.save_topic(actor=admin_user, topic_id=999_999, values={"name": "x"})

    def test_an_archived_topic_cannot_be_chosen_until_restored(
        self, admin_user, tianjin, tianjin_henan, db_state
    ):
        topic = Topic.objects.get(code="recycling")
        services.archive_admin_record(actor=admin_user, obj=topic, archived=True)
        before = db_state()
        with pytest.raises(Invalid):
            _create(tianjin, tianjin_henan, topic_codes=["recycling"])
        assert db_state() == before
        services.archive_admin_record(actor=admin_user, obj=topic, archived=False)
        plan = _create(tianjin, tianjin_henan, topic_codes=["recycling"])
        assert [t.code for t in plan.topics.all()] == ["recycling"]


class TestDelay:
    def test_delay_days_compares_completion_with_the_due_date(self):
        task = Task(due_date=dt.date(2025, 6, 30), completed_on=dt.date(2025, 7, 10))
        assert compare.delay_days(task) == 10
        task.completed_on = dt.date(2025, 6, 20)
        assert compare.delay_days(task) == -10
        task.completed_on = None
        assert compare.delay_days(task) is None
