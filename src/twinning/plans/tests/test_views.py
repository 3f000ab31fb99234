"""The work-plan pages: lists, the plan page and its table, forms that show errors beside the
field, the lifecycle buttons, the task page with its evidence, import, exports, compare, history,
and the admins' templates and topics."""

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from typing import Any

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.pairings.models import Pairing
from twinning.plans import excel, services, tasks
from twinning.plans.models import Goal, Phase, Plan, PlanTemplate, Task, Topic
from twinning.plans.tests.test_api import EXE, PDF, db_state

LoginFor = Callable[[User], Client]
MakePlan = Callable[..., Plan]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def this_year() -> int:
    return timezone.localdate().year


def task_of(plan: Plan, number: int) -> Task:
    return Task.objects.get(plan=plan, number=number)


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def field_errors(page: str, name: str) -> str:
    """The error block rendered beside a form field."""
    match = re.search(rf'id="id_{name}_errors">(.*?)</div>', page, re.S)
    assert match, f"no errors beside {name}"
    return match.group(1)


def messages_of(response: Any) -> list[str]:
    return re.findall(r'<li class="msg-\w+" role="status">(.*?)</li>', response.content.decode())


@pytest.fixture
def overdue_plan(make_plan: MakePlan) -> Plan:
    """A draft that began three years ago with one overdue task."""
    year = this_year()
    return make_plan(
        title="逾期测试方案",
        period_start=dt.date(year - 3, 1, 1),
        period_end=dt.date(year + 1, 12, 31),
        tasks=[
            {"title": "逾期未完成的任务", "due_date": dt.date(year - 2, 6, 30)},
            {"title": "尚未到期的任务", "due_date": dt.date(year + 1, 6, 30)},
        ],
    )


# --- the plan list -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, programme: Any) -> None:
    response = client.get("/plans/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_list_counts_plans_by_status(
    login: LoginFor, supervisor: User, draft_plan: Plan
) -> None:
    response = login(supervisor).get("/plans/")
    page = html(response)

    current = Plan.objects.filter(archived_at__isnull=True, superseded_at__isnull=True)
    rows = {value: n for value, _label, n in response.context["status_rows"]}
    assert rows["draft"] == current.filter(status="draft").count() >= 1
    assert rows["in_force"] == current.filter(status="in_force").count() >= 1
    assert 'id="plans-by-status"' in page
    assert f'<a class="stat" href="?status=draft"><b>{rows["draft"]}</b>草稿</a>' in page
    assert response.context["page"].paginator.count == current.count()


def test_the_list_filters_by_status_pair_and_text(
    login: LoginFor, tianjin: User, draft_plan: Plan, tianjin_henan: Pairing
) -> None:
    client = login(tianjin)

    drafts = client.get("/plans/", {"status": "draft", "pairing": tianjin_henan.pk})
    found = client.get("/plans/", {"q": "（测试）"})
    nothing = client.get("/plans/", {"q": "不存在的方案"})

    assert [p.pk for p in drafts.context["page"]] == [draft_plan.pk]
    assert [p.pk for p in found.context["page"]] == [draft_plan.pk]
    assert draft_plan.title in html(found)
    assert "没有符合条件的方案。" in html(nothing)


def test_archived_plans_and_old_versions_on_request(
    login: LoginFor,
    tianjin: User,
    henan: User,
    supervisor: User,
    plan_in_force: Plan,
    make_plan: MakePlan,
) -> None:
    old = make_plan(title="已归档的方案（测试）")
    services.archive_plan(actor=tianjin, plan_id=old.pk)
    revision = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
    client = login(tianjin)

    live = client.get("/plans/", {"q": "（测试）"})
    archived = client.get("/plans/", {"q": "（测试）", "archived": "1"})
    every = client.get("/plans/", {"q": "（测试）", "versions": "all"})

    assert {p.pk for p in live.context["page"]} == {plan_in_force.pk, revision.pk}
    assert [p.pk for p in archived.context["page"]] == [old.pk]
    assert {p.pk for p in every.context["page"]} == {plan_in_force.pk, revision.pk}


def test_the_ministry_sees_overdue_tasks_by_pair(
    login: LoginFor,
    supervisor: User,
    tianjin: User,
    henan_expert: User,
    overdue_plan: Plan,
    tianjin_henan: Pairing,
) -> None:
    response = login(supervisor).get("/plans/")
    page = html(response)

    rows = {row["pairing_id"]: row for row in response.context["overdue_pairs"]}
    assert 'id="overdue-by-pair"' in page
    assert rows[tianjin_henan.pk]["label"] == "天津市—河南省"
    assert rows[tianjin_henan.pk]["overdue"] >= 1
    assert f'<a href="?pairing={tianjin_henan.pk}">天津市—河南省</a>' in page
    for user in (tianjin, henan_expert):
        assert 'id="overdue-by-pair"' not in html(login(user).get("/plans/"))


def test_the_list_shows_overdue_counts_per_plan(
    login: LoginFor, tianjin: User, overdue_plan: Plan
) -> None:
    response = login(tianjin).get("/plans/", {"q": "逾期测试"})

    [plan] = response.context["page"]
    assert (plan.task_count, plan.overdue_count) == (2, 1)
    assert '<span class="overdue">1</span>' in html(response)


def test_htmx_requests_get_only_the_results(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    page = html(login(tianjin).get("/plans/", {"q": "（测试）"}, HTTP_HX_REQUEST="true"))

    assert "<html" not in page
    assert 'id="plan-table"' in page
    assert draft_plan.title in page


def test_only_writers_are_offered_a_new_plan(
    login: LoginFor, tianjin: User, henan_expert: User, supervisor: User
) -> None:
    assert 'id="new-plan"' in html(login(tianjin).get("/plans/"))
    for user in (henan_expert, supervisor):
        assert 'id="new-plan"' not in html(login(user).get("/plans/"))


# --- my tasks ----------------------------------------------------------------------------------


def test_my_tasks_lists_what_i_own_or_share(
    login: LoginFor, tianjin: User, henan: User, draft_plan: Plan, overdue_plan: Plan
) -> None:
    tasks.update_task(actor=tianjin, task_id=task_of(draft_plan, 2).pk, values={"owner": henan})
    tasks.update_task(
        actor=tianjin, task_id=task_of(overdue_plan, 1).pk, values={"co_owners": [henan]}
    )
    tasks.set_status(actor=henan, task_id=task_of(draft_plan, 2).pk, status="in_progress")
    client = login(henan)

    everything = client.get("/plans/my-tasks/")
    overdue = client.get("/plans/my-tasks/", {"overdue": "1"})
    started = client.get("/plans/my-tasks/", {"status": "in_progress"})
    page = html(everything)

    assert {t.pk for t in everything.context["page"]} == {
        task_of(draft_plan, 2).pk,
        task_of(overdue_plan, 1).pk,
    }
    assert 'class="is-overdue"' in page
    assert [t.title for t in overdue.context["page"]] == ["逾期未完成的任务"]
    assert [t.title for t in started.context["page"]] == ["建设分类投放和分类收集设施"]


def test_my_tasks_says_when_there_are_none(login: LoginFor, henan_member: User) -> None:
    assert "没有分配给您的任务" in html(login(henan_member).get("/plans/my-tasks/"))


# --- a new plan --------------------------------------------------------------------------------


def test_choosing_the_pair_for_a_new_plan(
    login: LoginFor, tianjin: User, henan_expert: User, tianjin_henan: Pairing
) -> None:
    page = html(login(tianjin).get("/plans/new/"))
    nothing = html(login(henan_expert).get("/plans/new/"))

    assert f'href="?pairing={tianjin_henan.pk}"' in page
    assert "天津市—河南省" in page
    assert "您没有可以编写方案的结对" in nothing


def test_the_new_plan_form_is_filled_in_for_the_pair(
    login: LoginFor, henan: User, tianjin_henan: Pairing
) -> None:
    response = login(henan).get("/plans/new/", {"pairing": tianjin_henan.pk})
    page = html(response)

    assert "天津市—河南省生活垃圾分类“1对1”交流协作工作方案" in page
    assert f'name="pairing" value="{tianjin_henan.pk}"' in page
    assert "三阶段推进" in page  # a template to start from


def test_creating_a_plan_from_a_template(
    login: LoginFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    template = PlanTemplate.objects.get(code="three-phases")
    year = this_year()

    response = login(tianjin).post(
        "/plans/new/",
        {
            "pairing": tianjin_henan.pk,
            "template": template.pk,
            "title": "从模板创建的方案",
            "period_start": f"{year}-01-01",
            "period_end": f"{year + 4}-12-31",
            "methods": ["training"],
            "topics": ["institutions"],
        },
        follow=True,
    )

    plan = Plan.objects.get(title="从模板创建的方案")
    assert response.redirect_chain == [(f"/plans/{plan.pk}/", 302)]
    assert messages_of(response) == ["方案已创建（草稿）。"]
    assert (plan.status, plan.template, plan.methods) == ("draft", template, ["training"])
    assert list(plan.phases.values_list("name", flat=True)) == ["试点阶段", "推广阶段", "总结阶段"]
    assert plan.tasks.count() == len(template.tasks)
    assert [t.code for t in plan.topics.all()] == ["institutions"]


def test_bad_dates_are_shown_beside_the_field_and_nothing_is_created(
    login: LoginFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    before = db_state()

    response = login(tianjin).post(
        "/plans/new/",
        {
            "pairing": tianjin_henan.pk,
            "title": "日期有误的方案",
            "period_start": "2026-01-01",
            "period_end": "2025-12-31",
        },
    )
    page = html(response)

    assert "截止日期不能早于起始日期。" in field_errors(page, "period_end")
    assert db_state() == before


def test_unreadable_dates_and_a_missing_title_are_field_errors(
    login: LoginFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    before = db_state()

    page = html(
        login(tianjin).post(
            "/plans/new/",
            {
                "pairing": tianjin_henan.pk,
                "title": "",
                "period_start": "明年",
                "period_end": "2030-12-31",
            },
        )
    )

    assert field_errors(page, "title")
    assert field_errors(page, "period_start")
    assert db_state() == before


# --- the plan page -----------------------------------------------------------------------------


def test_the_plan_page_shows_goals_phases_timeline_and_table(
    login: LoginFor, tianjin: User, henan_expert: User, draft_plan: Plan
) -> None:
    tasks.set_status(actor=tianjin, task_id=task_of(draft_plan, 1).pk, status="done")
    response = login(henan_expert).get(f"/plans/{draft_plan.pk}/")
    page = html(response)

    assert f'id="plan-title">{draft_plan.title}<' in page
    assert "建立两地生活垃圾分类长效协作机制" in page
    first, second = draft_plan.phases.all()
    assert f'<tr data-phase="{first.pk}">' in page
    assert [(p.name, r.progress) for p, r in response.context["phase_rows"]] == [
        ("试点阶段", 100),
        ("推广阶段", 0),
    ]
    assert 'id="plan-progress">33%<' in page
    script = re.search(r'<script id="timeline-data" type="application/json">(.*?)</script>', page)
    timeline = json.loads(script.group(1))
    assert [p["name"] for p in timeline["phases"]] == ["试点阶段", "推广阶段"]
    assert [t["id"] for t in timeline["tasks"]] == [task_of(draft_plan, n).pk for n in (1, 2)]
    assert re.findall(r'<tr data-task="(\d+)"', page) == ["1", "2", "3"]
    assert 'id="add-task"' not in page and 'id="bulk-form"' in page
    assert 'name="tasks"' not in page  # no check-boxes for an expert


def test_writers_get_the_editing_links(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    page = html(login(tianjin).get(f"/plans/{draft_plan.pk}/"))

    assert 'id="add-task"' in page and 'id="add-goal"' in page
    assert f'href="/plans/{draft_plan.pk}/edit/"' in page
    assert 'id="submit-plan"' in page
    assert 'name="tasks"' in page


def test_the_task_table_filters_through_htmx(
    login: LoginFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    client = login(tianjin)
    second = draft_plan.phases.last()
    tasks.update_task(actor=tianjin, task_id=task_of(draft_plan, 3).pk, values={"owner": henan})

    def rows(**params: Any) -> list[str]:
        page = html(client.get(f"/plans/{draft_plan.pk}/", params, HTTP_HX_REQUEST="true"))
        assert "<html" not in page
        return re.findall(r'<tr data-task="(\d+)"', page)

    assert rows() == ["1", "2", "3"]
    assert rows(side="partner") == ["2"]
    assert rows(phase=second.pk) == ["2"]
    assert rows(owner=henan.pk) == ["3"]
    assert rows(q="政策") == ["3"]
    assert rows(sort="due") == ["1", "2", "3"]
    assert "没有符合条件的任务。" in html(
        client.get(f"/plans/{draft_plan.pk}/", {"status": "blocked"}, HTTP_HX_REQUEST="true")
    )


def test_bulk_status_from_the_table(login: LoginFor, henan: User, draft_plan: Plan) -> None:
    ids = [task_of(draft_plan, n).pk for n in (1, 2)]

    response = login(henan).post(
        f"/plans/{draft_plan.pk}/tasks/bulk-status/",
        {"tasks": ids, "status": "in_progress"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/plans/{draft_plan.pk}/#tasks", 302)]
    assert messages_of(response) == ["已更新 2 项任务的状态。"]
    assert [task_of(draft_plan, n).status for n in (1, 2, 3)] == [
        "in_progress",
        "in_progress",
        "not_started",
    ]


def test_bulk_status_refuses_all_when_one_row_may_not_change(
    login: LoginFor, henan: User, draft_plan: Plan
) -> None:
    ids = [task_of(draft_plan, n).pk for n in (2, 3)]  # 3 is 天津's
    before = db_state()

    response = login(henan).post(
        f"/plans/{draft_plan.pk}/tasks/bulk-status/", {"tasks": ids, "status": "done"}, follow=True
    )

    [message] = messages_of(response)
    assert message.startswith("没有任何任务被修改。")
    assert "第 3 项：您无权更新此任务。" in message
    assert db_state() == before


def test_bulk_status_needs_a_selection(login: LoginFor, henan: User, draft_plan: Plan) -> None:
    response = login(henan).post(
        f"/plans/{draft_plan.pk}/tasks/bulk-status/", {"status": "done"}, follow=True
    )

    assert messages_of(response) == ["请至少选择一项任务。"]


# --- editing the plan --------------------------------------------------------------------------


def plan_form(plan: Plan, **changes: Any) -> dict[str, Any]:
    values = {
        "title": plan.title,
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "background": plan.background,
        "principles": plan.principles,
        "methods": plan.methods,
        "topics": [t.code for t in plan.topics.all()],
        "lock_version": plan.lock_version,
    }
    return {**values, **changes}


def test_editing_the_plan(login: LoginFor, henan_member: User, draft_plan: Plan) -> None:
    response = login(henan_member).post(
        f"/plans/{draft_plan.pk}/edit/",
        plan_form(draft_plan, principles="优势互补", topics=["training"]),
        follow=True,
    )

    plan = Plan.objects.get(pk=draft_plan.pk)
    assert messages_of(response) == ["已保存。"]
    assert (plan.principles, plan.title) == ("优势互补", draft_plan.title)
    assert [t.code for t in plan.topics.all()] == ["training"]
    assert plan.updated_by == henan_member


def test_the_edit_form_is_filled_in(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    page = html(login(tianjin).get(f"/plans/{draft_plan.pk}/edit/"))

    assert f'value="{draft_plan.title}"' in page
    assert f'name="lock_version" value="{draft_plan.lock_version}"' in page


def test_a_stale_edit_shows_who_changed_it_and_changes_nothing(
    login: LoginFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    stale = plan_form(draft_plan, title="天津的标题")
    services.update_plan(actor=henan, plan_id=draft_plan.pk, values={"principles": "河南改的"})
    current = Plan.objects.get(pk=draft_plan.pk)
    before = db_state()

    page = html(login(tianjin).post(f"/plans/{draft_plan.pk}/edit/", stale))

    assert "保存失败：henan 已于" in page
    assert f'name="lock_version" value="{current.lock_version}"' in page
    assert 'value="天津的标题"' in page  # what was typed stays
    assert db_state() == before


def test_a_frozen_plan_cannot_be_edited(
    login: LoginFor, tianjin: User, plan_in_force: Plan
) -> None:
    before = db_state()

    page = html(
        login(tianjin).post(f"/plans/{plan_in_force.pk}/edit/", plan_form(plan_in_force, title="x"))
    )

    assert "内容已冻结" in page
    assert db_state() == before


def test_the_edit_form_checks_the_period(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    before = db_state()

    page = html(
        login(tianjin).post(
            f"/plans/{draft_plan.pk}/edit/", plan_form(draft_plan, period_end="2000-01-01")
        )
    )

    assert "截止日期不能早于起始日期。" in field_errors(page, "period_end")
    assert db_state() == before


# --- lifecycle buttons -------------------------------------------------------------------------


def act(client: Client, plan: Plan, name: str, comment: str = "") -> Any:
    data = {"comment": comment} if comment else {}
    return client.post(f"/plans/{plan.pk}/do/{name}/", data, follow=True)


def test_the_lifecycle_through_the_buttons(
    login: LoginFor, tianjin: User, henan: User, supervisor: User, draft_plan: Plan
) -> None:
    submitted = act(login(tianjin), draft_plan, "submit")
    signing = html(login(henan).get(f"/plans/{draft_plan.pk}/"))
    act(login(tianjin), draft_plan, "sign")
    agreed = act(login(henan), draft_plan, "sign")
    filing = html(login(supervisor).get(f"/plans/{draft_plan.pk}/"))
    filed = act(login(supervisor), draft_plan, "file")
    in_force = act(login(henan), draft_plan, "in-force")

    assert submitted.redirect_chain == [(f"/plans/{draft_plan.pk}/", 302)]
    assert messages_of(submitted) == ["已提交，等待双方协调员确认。"]
    assert 'id="sign-plan"' in signing
    assert messages_of(agreed) == ["已确认。"]
    assert 'id="file-plan"' in filing
    assert messages_of(filed) == ["已备案。"]
    assert messages_of(in_force) == ["方案已生效。"]
    assert Plan.objects.get(pk=draft_plan.pk).status == "in_force"
    assert 'id="plan-status">执行中<' in html(in_force)


def test_an_invalid_transition_is_a_message_and_changes_nothing(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    before = db_state()

    response = act(login(tianjin), draft_plan, "sign")

    assert messages_of(response) == ["方案当前状态为“草稿”，不能执行此操作。"]
    assert db_state() == before


def test_sending_back_needs_a_comment(
    login: LoginFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)

    refused = act(login(henan), draft_plan, "request-changes")
    returned = act(login(henan), draft_plan, "request-changes", "请补充阶段目标")

    assert messages_of(refused) == ["请填写退回意见。"]
    assert messages_of(returned) == ["已退回修改。"]
    assert 'id="review-comment">退回意见：请补充阶段目标<' in html(returned)


def test_a_revision_opens_the_new_version(
    login: LoginFor, tianjin: User, plan_in_force: Plan
) -> None:
    response = act(login(tianjin), plan_in_force, "revise")

    new = Plan.objects.get(lineage=plan_in_force.lineage, version=2)
    assert response.redirect_chain == [(f"/plans/{new.pk}/", 302)]
    assert messages_of(response) == ["已生成新版本（草稿），修改后请重新提交。"]
    again = act(login(tianjin), plan_in_force, "revise")
    assert messages_of(again) == ["该方案已有更新的版本。"]


def test_archive_and_restore_through_the_buttons(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    archived = act(login(tianjin), draft_plan, "archive")
    restored = act(login(tianjin), draft_plan, "restore")

    assert messages_of(archived) == ["方案已归档，可随时恢复。"]
    assert messages_of(restored) == ["方案已恢复。"]
    assert Plan.objects.get(pk=draft_plan.pk).archived_at is None


# --- goals, phases and tasks -------------------------------------------------------------------


def test_adding_and_editing_a_goal(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    client = login(tianjin)

    added = client.post(
        f"/plans/{draft_plan.pk}/goals/new/",
        {"text": "回收利用率达到35%", "indicator": "回收利用率", "unit": "%", "target_value": "35"},
        follow=True,
    )
    goal = Goal.objects.get(plan=draft_plan, text="回收利用率达到35%")
    form = html(client.get(f"/plans/goals/{goal.pk}/edit/"))
    edited = client.post(
        f"/plans/goals/{goal.pk}/edit/",
        {"text": "回收利用率达到40%", "indicator": "回收利用率", "unit": "%", "target_value": "40"},
        follow=True,
    )

    assert messages_of(added) == ["已保存。"]
    assert "回收利用率" in form
    assert messages_of(edited) == ["已保存。"]
    goal.refresh_from_db()
    assert (goal.text, goal.target_value) == ("回收利用率达到40%", 40)
    assert "回收利用率 40%" in html(edited)


def test_a_goal_without_text_is_a_field_error(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    before = db_state()

    page = html(login(tianjin).post(f"/plans/{draft_plan.pk}/goals/new/", {"text": ""}))

    assert field_errors(page, "text")
    assert db_state() == before


def test_archiving_and_restoring_a_goal(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    goal = draft_plan.goals.get()
    client = login(tianjin)

    archived = client.post(f"/plans/goals/{goal.pk}/archive/", follow=True)
    restored = client.post(f"/plans/goals/{goal.pk}/archive/", {"restore": "1"}, follow=True)

    assert messages_of(archived) == ["已归档。"]
    assert messages_of(restored) == ["已恢复。"]
    assert Goal.objects.get(pk=goal.pk).archived_at is None


def test_adding_and_editing_a_phase(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    client = login(tianjin)
    year = this_year()

    form = html(client.get(f"/plans/{draft_plan.pk}/phases/new/"))
    added = client.post(
        f"/plans/{draft_plan.pk}/phases/new/",
        {"name": "总结阶段", "start_date": f"{year + 4}-01-01", "end_date": f"{year + 4}-12-31"},
        follow=True,
    )
    phase = Phase.objects.get(plan=draft_plan, name="总结阶段")
    edited = client.post(
        f"/plans/phases/{phase.pk}/edit/",
        {
            "name": "评估阶段",
            "start_date": f"{year + 4}-01-01",
            "end_date": f"{year + 4}-06-30",
            "description": "评估成效",
        },
        follow=True,
    )

    assert f'value="{draft_plan.period_start.isoformat()}"' in form
    assert messages_of(added) == messages_of(edited) == ["已保存。"]
    phase.refresh_from_db()
    assert (phase.name, phase.end_date) == ("评估阶段", dt.date(year + 4, 6, 30))
    assert f'<tr data-phase="{phase.pk}">' in html(edited)


def test_a_phase_outside_the_period_is_a_field_error(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    before = db_state()

    page = html(
        login(tianjin).post(
            f"/plans/{draft_plan.pk}/phases/new/",
            {"name": "太晚的阶段", "start_date": "2099-01-01", "end_date": "2099-12-31"},
        )
    )

    assert "阶段须在方案期限" in field_errors(page, "start_date")
    assert db_state() == before


def test_a_phase_with_tasks_cannot_be_archived(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    phase = draft_plan.phases.first()
    before = db_state()

    response = login(tianjin).post(f"/plans/phases/{phase.pk}/archive/", follow=True)

    assert messages_of(response) == ["该阶段下还有任务，请先把任务移到其他阶段或归档。"]
    assert db_state() == before


def test_adding_a_task(login: LoginFor, henan: User, draft_plan: Plan) -> None:
    phase = draft_plan.phases.last()
    topic = Topic.objects.get(code="training")

    form = html(login(henan).get(f"/plans/{draft_plan.pk}/tasks/new/"))
    response = login(henan).post(
        f"/plans/{draft_plan.pk}/tasks/new/",
        {
            "title": "组织业务培训",
            "topic": topic.pk,
            "phase": phase.pk,
            "side": "partner",
            "owner": henan.pk,
            "weight": "2",
            "deliverable": "签到表",
        },
        follow=True,
    )

    assert 'name="status"' not in form  # a new task starts as not started
    assert messages_of(response) == ["任务已添加。"]
    task = task_of(draft_plan, 4)
    assert (task.title, task.topic, task.phase, task.owner, task.weight) == (
        "组织业务培训",
        topic,
        phase,
        henan,
        2,
    )


def test_task_dates_in_the_wrong_order_are_a_field_error(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    before = db_state()

    page = html(
        login(tianjin).post(
            f"/plans/{draft_plan.pk}/tasks/new/",
            {
                "title": "任务",
                "side": "joint",
                "weight": "1",
                "start_date": "2030-06-01",
                "due_date": "2030-01-01",
            },
        )
    )

    assert "完成时限不能早于开始日期。" in field_errors(page, "due_date")
    assert db_state() == before


# --- the task page -----------------------------------------------------------------------------


def task_form(task: Task, **changes: Any) -> dict[str, Any]:
    """The task page's form as the browser posts it, unchanged unless told."""
    values = {
        "title": task.title,
        "topic": task.topic_id or "",
        "phase": task.phase_id or "",
        "side": task.side,
        "body": task.body_id or "",
        "parent": "",
        "owner": task.owner_id or "",
        "co_owners": [u.pk for u in task.co_owners.all()],
        "start_date": task.start_date.isoformat() if task.start_date else "",
        "due_date": task.due_date.isoformat() if task.due_date else "",
        "weight": task.weight,
        "deliverable": task.deliverable,
        "status": task.status,
        "completed_on": task.completed_on.isoformat() if task.completed_on else "",
        "notes": task.notes,
        "lock_version": task.lock_version,
    }
    if task.evidence_required:
        values["evidence_required"] = "on"
    return {**values, **changes}


def test_the_task_page_for_a_writer_and_for_an_expert(
    login: LoginFor, tianjin: User, henan_expert: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 1)

    writer = html(login(tianjin).get(f"/plans/tasks/{task.pk}/"))
    expert = html(login(henan_expert).get(f"/plans/tasks/{task.pk}/"))

    assert 'id="task-form"' in writer and 'id="evidence-form"' in writer
    assert 'id="task-form"' not in expert and 'id="evidence-form"' not in expert
    assert "联络人名单、工作清单" in expert
    assert 'id="history"' in writer


def test_editing_a_task_on_its_page(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    task = task_of(draft_plan, 1)

    response = login(tianjin).post(
        f"/plans/tasks/{task.pk}/",
        task_form(task, deliverable="联络人名单", status="in_progress", notes="已建立微信群"),
        follow=True,
    )

    assert response.redirect_chain == [(f"/plans/tasks/{task.pk}/", 302)]
    assert messages_of(response) == ["已保存。"]
    task.refresh_from_db()
    assert (task.deliverable, task.status, task.notes) == (
        "联络人名单",
        "in_progress",
        "已建立微信群",
    )
    assert task.title == "建立联络机制，梳理协作工作清单"
    assert task.topic.code == "institutions"


def test_a_stale_task_form_shows_who_changed_it(
    login: LoginFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 1)
    stale = task_form(task, notes="天津的备注")
    tasks.update_task(actor=henan, task_id=task.pk, values={"notes": "河南的备注"})
    before = db_state()

    page = html(login(tianjin).post(f"/plans/tasks/{task.pk}/", stale))

    assert "保存失败：henan 已于" in page
    assert db_state() == before


def test_uploading_evidence_on_the_task_page(
    login: LoginFor, henan: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 2)

    response = login(henan).post(
        f"/plans/tasks/{task.pk}/evidence/",
        {"file": SimpleUploadedFile("设施台账.pdf", PDF), "description": "第一批"},
        follow=True,
    )
    page = html(response)

    assert response.redirect_chain == [(f"/plans/tasks/{task.pk}/", 302)]
    assert messages_of(response) == ["佐证材料已上传。"]
    evidence = task.evidence.get()
    assert (evidence.original_name, evidence.content_type) == ("设施台账.pdf", "application/pdf")
    assert f'href="/plans/evidence/{evidence.pk}/"' in page
    download = login(henan).get(f"/plans/evidence/{evidence.pk}/")
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"


def test_a_file_of_another_kind_is_refused_with_a_message(
    login: LoginFor, henan: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 2)
    before = db_state()

    response = login(henan).post(
        f"/plans/tasks/{task.pk}/evidence/",
        {"file": SimpleUploadedFile("report.pdf", EXE)},
        follow=True,
    )
    missing = login(henan).post(f"/plans/tasks/{task.pk}/evidence/", {}, follow=True)

    [message] = messages_of(response)
    assert message.startswith("不支持此文件类型")
    assert messages_of(missing) == ["请选择要上传的文件。"]
    assert db_state() == before


def test_closing_a_task_without_the_required_evidence_is_refused(
    login: LoginFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 2)
    tasks.update_task(actor=tianjin, task_id=task.pk, values={"evidence_required": True})
    before = db_state()

    response = login(henan).post(f"/plans/tasks/{task.pk}/status/", {"status": "done"}, follow=True)

    assert messages_of(response) == [
        "任务“建设分类投放和分类收集设施”要求上传佐证材料后才能标记为已完成。"
    ]
    assert db_state() == before


def test_the_status_button_changes_the_status(
    login: LoginFor, henan: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 2)

    response = login(henan).post(
        f"/plans/tasks/{task.pk}/status/",
        {
            "status": "blocked",
            "lock_version": task.lock_version,
            "next": f"/plans/{draft_plan.pk}/",
        },
        follow=True,
    )

    assert response.redirect_chain == [(f"/plans/{draft_plan.pk}/", 302)]
    assert messages_of(response) == ["任务状态已更新。"]
    assert task_of(draft_plan, 2).status == "blocked"


def test_a_frozen_plan_disables_the_definition_but_takes_the_status(
    login: LoginFor, henan: User, plan_in_force: Plan
) -> None:
    task = task_of(plan_in_force, 2)
    client = login(henan)

    page = html(client.get(f"/plans/tasks/{task.pk}/"))
    response = client.post(
        f"/plans/tasks/{task.pk}/",
        # the browser does not send disabled fields; a forged title is ignored
        {
            "title": "伪造的标题",
            "status": "in_progress",
            "notes": "已开工",
            "lock_version": task.lock_version,
        },
        follow=True,
    )

    assert re.search(r'<input type="text" name="title"[^>]*disabled', page)
    assert re.search(r'<select name="side"[^>]*disabled', page)
    assert not re.search(r'<select name="status"[^>]*disabled', page)
    assert "任务内容已冻结" in page
    assert messages_of(response) == ["已保存。"]
    task.refresh_from_db()
    assert (task.title, task.status, task.notes) == (
        "建设分类投放和分类收集设施",
        "in_progress",
        "已开工",
    )


def test_archiving_and_restoring_a_task(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    task = task_of(draft_plan, 3)
    client = login(tianjin)

    archived = client.post(f"/plans/tasks/{task.pk}/archive/", follow=True)
    page = html(client.get(f"/plans/{draft_plan.pk}/"))
    restored = client.post(f"/plans/tasks/{task.pk}/archive/", {"restore": "1"}, follow=True)

    assert messages_of(archived) == ["任务已归档。"]
    assert re.findall(r'<tr data-task="(\d+)"', page) == ["1", "2"]
    assert messages_of(restored) == ["任务已恢复。"]


def test_archiving_and_restoring_evidence(login: LoginFor, henan: User, draft_plan: Plan) -> None:
    task = task_of(draft_plan, 2)
    evidence = tasks.add_evidence(
        actor=henan, task_id=task.pk, stream=io.BytesIO(PDF), filename="a.pdf"
    )
    client = login(henan)

    archived = client.post(f"/plans/evidence/{evidence.pk}/archive/", follow=True)
    again = client.post(f"/plans/evidence/{evidence.pk}/archive/", follow=True)
    restored = client.post(f"/plans/evidence/{evidence.pk}/archive/", {"restore": "1"}, follow=True)

    assert messages_of(archived) == ["已归档。"]
    assert messages_of(again) == ["该记录已归档。"]
    assert messages_of(restored) == ["已恢复。"]


# --- import and exports ------------------------------------------------------------------------


def exported_table(plan: Plan) -> Any:
    return load_workbook(io.BytesIO(excel.tasks_workbook(plan)))


def as_upload(workbook: Any) -> SimpleUploadedFile:
    stream = io.BytesIO()
    workbook.save(stream)
    return SimpleUploadedFile("任务表.xlsx", stream.getvalue())


def column(sheet: Any, header: str) -> str:
    return str(next(c.column_letter for c in sheet[1] if c.value == header))


def test_the_import_page(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    page = html(login(tianjin).get(f"/plans/{draft_plan.pk}/import/"))

    assert 'enctype="multipart/form-data"' in page
    assert f'href="/plans/{draft_plan.pk}/export.xlsx"' in page


def test_importing_a_modified_table(login: LoginFor, tianjin: User, draft_plan: Plan) -> None:
    workbook = exported_table(draft_plan)
    sheet = workbook.worksheets[0]
    sheet[f"{column(sheet, '任务')}5"] = "从 Excel 新增的任务"

    response = login(tianjin).post(
        f"/plans/{draft_plan.pk}/import/", {"file": as_upload(workbook)}, follow=True
    )

    assert response.redirect_chain == [(f"/plans/{draft_plan.pk}/", 302)]
    assert messages_of(response) == ["导入完成：新增 1 项，更新 0 项。"]
    assert task_of(draft_plan, 4).title == "从 Excel 新增的任务"


def test_import_errors_are_listed_by_row_and_column(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    workbook = exported_table(draft_plan)
    sheet = workbook.worksheets[0]
    due = column(sheet, "完成时限")
    sheet[f"{column(sheet, '任务')}2"] = "这一行本来可以导入"
    sheet[f"{due}3"] = "明年春天"
    before = db_state()

    response = login(tianjin).post(f"/plans/{draft_plan.pk}/import/", {"file": as_upload(workbook)})
    page = html(response)

    assert 'id="import-errors"' in page
    assert [(c.row, c.column, c.header) for c in response.context["cells"]] == [
        (3, due, "完成时限")
    ]
    assert f"<td>3</td><td>{due}（完成时限）</td>" in page
    assert "导入失败：发现 1 处错误，未做任何修改。" in page
    assert db_state() == before


def test_importing_something_that_is_not_a_spreadsheet(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    before = db_state()

    page = html(
        login(tianjin).post(
            f"/plans/{draft_plan.pk}/import/", {"file": SimpleUploadedFile("t.xlsx", PDF)}
        )
    )

    assert "不支持此文件类型" in field_errors(page, "file")
    assert db_state() == before


def test_the_exports(login: LoginFor, henan_expert: User, draft_plan: Plan) -> None:
    client = login(henan_expert)
    stamp = timezone.localdate().strftime("%Y%m%d")

    xlsx = client.get(f"/plans/{draft_plan.pk}/export.xlsx")
    word = client.get(f"/plans/{draft_plan.pk}/export.docx")

    assert xlsx["Content-Type"] == XLSX
    assert xlsx["Content-Disposition"] == (
        f'attachment; filename="plan-{draft_plan.pk}-v1-{stamp}.xlsx"'
    )
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4
    assert word["Content-Type"] == DOCX
    assert word["Content-Disposition"].endswith(f'-{stamp}.docx"')
    document = docx.Document(io.BytesIO(word.content))
    assert draft_plan.title in "\n".join(p.text for p in document.paragraphs)


# --- compare and history -----------------------------------------------------------------------


def test_comparing_versions(login: LoginFor, tianjin: User, plan_in_force: Plan) -> None:
    new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
    services.update_plan(actor=tianjin, plan_id=new.pk, values={"title": "修订后的方案"})
    tasks.add_task(actor=tianjin, plan_id=new.pk, values={"title": "新增的任务"})

    response = login(tianjin).get(f"/plans/{new.pk}/compare/")
    chosen = login(tianjin).get(f"/plans/{new.pk}/compare/", {"with": plan_in_force.pk})
    page = html(response)

    assert response.context["other"] == plan_in_force
    assert chosen.context["other"] == plan_in_force
    assert "从 v1 到 v2 的变化：" in page
    assert "修订后的方案" in page
    assert '<li class="change-added"><b>新增</b> 4. 新增的任务' in page


def test_a_single_version_has_nothing_to_compare(
    login: LoginFor, tianjin: User, draft_plan: Plan
) -> None:
    page = html(login(tianjin).get(f"/plans/{draft_plan.pk}/compare/"))

    assert "该方案只有一个版本，没有可比较的版本。" in page


def test_the_history_page(
    login: LoginFor, tianjin: User, henan_expert: User, draft_plan: Plan
) -> None:
    services.update_plan(actor=tianjin, plan_id=draft_plan.pk, values={"title": "改过的名称"})
    tasks.update_task(actor=tianjin, task_id=task_of(draft_plan, 1).pk, values={"notes": "备注"})

    response = login(henan_expert).get(f"/plans/{draft_plan.pk}/history/")
    page = html(response)

    kinds = {(e.target_type, e.action) for e in response.context["history"]}
    assert {
        ("plans.plan", "create"),
        ("plans.plan", "update"),
        ("plans.task", "update"),
        ("plans.goal", "create"),
        ("plans.phase", "create"),
    } <= kinds
    assert 'id="history"' in page
    assert "改过的名称" in page


# --- templates and topics ----------------------------------------------------------------------


def test_everyone_sees_the_templates_but_only_admins_manage_them(
    login: LoginFor, tianjin: User, admin_user: User
) -> None:
    reader = html(login(tianjin).get("/plans/templates/"))
    admin = html(login(admin_user).get("/plans/templates/"))

    assert "三阶段推进" in reader and 'id="topic-table"' in reader
    assert 'href="/plans/templates/new/"' not in reader
    assert 'href="/plans/templates/new/"' in admin
    assert 'href="/plans/topics/new/"' in admin


@pytest.mark.parametrize("persona", ["tianjin", "supervisor", "henan_expert"])
def test_non_admins_get_403_on_the_admin_pages(
    persona: str, request: pytest.FixtureRequest, login: LoginFor
) -> None:
    client = login(request.getfixturevalue(persona))
    template = PlanTemplate.objects.get(code="three-phases")
    topic = Topic.objects.get(code="training")
    before = db_state()

    responses = [
        client.get("/plans/templates/new/"),
        client.post("/plans/templates/new/", {"code": "x", "name": "x", "position": "0"}),
        client.get(f"/plans/templates/{template.pk}/edit/"),
        client.get("/plans/topics/new/"),
        client.post(f"/plans/topics/{topic.pk}/edit/", {"code": "x", "name": "x", "position": 0}),
        client.post(f"/plans/templates/{template.pk}/archive/"),
        client.post(f"/plans/topics/{topic.pk}/archive/"),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert db_state() == before


def test_an_admin_writes_a_template_one_line_per_item(
    login: LoginFor, admin_user: User, tianjin: User, tianjin_henan: Pairing
) -> None:
    response = login(admin_user).post(
        "/plans/templates/new/",
        {
            "code": "two-steps",
            "name": "两步走",
            "methods": ["training"],
            "phases": "试点阶段 | 0 | 2 | 先行先试\n推广阶段 | 2 | 3",
            "goals": "建成示范片区\n\n形成长效机制",
            "tasks": (
                "选定试点街道 | 1 | 结对方 | demonstration_areas | 试点名单\n总结经验 | | 双方共同"
            ),
            "position": "5",
        },
        follow=True,
    )

    template = PlanTemplate.objects.get(code="two-steps")
    assert response.redirect_chain == [("/plans/templates/", 302)]
    assert messages_of(response) == ["模板已保存。"]
    assert [p["name"] for p in template.phases] == ["试点阶段", "推广阶段"]
    assert template.goals == [{"text": "建成示范片区"}, {"text": "形成长效机制"}]
    assert template.tasks[0] == {
        "title": "选定试点街道",
        "phase": 0,
        "side": "partner",
        "topic": "demonstration_areas",
        "deliverable": "试点名单",
    }
    assert (template.tasks[1]["phase"], template.tasks[1]["side"]) == (None, "joint")
    edit = html(login(admin_user).get(f"/plans/templates/{template.pk}/edit/"))
    assert "选定试点街道 | 1 | 结对方 | demonstration_areas | 试点名单" in edit
    plan = services.create_plan(
        actor=tianjin,
        pairing_id=tianjin_henan.pk,
        title="用新模板的方案",
        period_start=dt.date(this_year(), 1, 1),
        period_end=dt.date(this_year() + 4, 12, 31),
        template_id=template.pk,
    )
    assert plan.tasks.count() == 2


def test_a_bad_template_line_is_a_field_error(login: LoginFor, admin_user: User) -> None:
    before = db_state()

    page = html(
        login(admin_user).post(
            "/plans/templates/new/",
            {"code": "bad", "name": "有误的模板", "tasks": "任务 | 第一 | 先行方", "position": "0"},
        )
    )

    assert "第 1 行：阶段序号须为数字。" in field_errors(page, "tasks")
    assert db_state() == before


def test_an_admin_adds_edits_and_retires_a_topic(login: LoginFor, admin_user: User) -> None:
    client = login(admin_user)

    added = client.post(
        "/plans/topics/new/",
        {"code": "kitchen_waste", "name": "厨余垃圾", "position": "20"},
        follow=True,
    )
    topic = Topic.objects.get(code="kitchen_waste")
    edited = client.post(
        f"/plans/topics/{topic.pk}/edit/",
        {"code": "kitchen_waste", "name": "厨余垃圾处理", "position": "20"},
        follow=True,
    )
    retired = client.post(f"/plans/topics/{topic.pk}/archive/", follow=True)
    page = html(retired)

    assert messages_of(added) == messages_of(edited) == ["已保存。"]
    assert messages_of(retired) == ["已归档。"]
    assert Topic.objects.get(pk=topic.pk).name == "厨余垃圾处理"
    assert "厨余垃圾处理" in page and "已停用" in page


def test_retiring_and_restoring_a_template(login: LoginFor, admin_user: User) -> None:
    template = PlanTemplate.objects.get(code="eight-ones")
    client = login(admin_user)

    retired = client.post(f"/plans/templates/{template.pk}/archive/", follow=True)
    again = client.post(f"/plans/templates/{template.pk}/archive/", follow=True)
    restored = client.post(
        f"/plans/templates/{template.pk}/archive/", {"restore": "1"}, follow=True
    )
    missing = client.post("/plans/templates/999999/archive/", follow=True)

    assert messages_of(retired) == ["已归档。"]
    assert "已停用的模板" in html(retired)
    assert messages_of(again) == ["该记录已归档。"]
    assert messages_of(restored) == ["已恢复。"]
    assert messages_of(missing) == ["记录不存在。"]
    assert AuditEntry.objects.filter(target_type="plans.plantemplate", action="restore").exists()
