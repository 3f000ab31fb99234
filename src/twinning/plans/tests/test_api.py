"""The work-plans API end to end: every endpoint called with a bearer token, as the personas would.

Errors are problem+json with a stable `code`; a refused request leaves the database exactly as it
was (plans, their parts, evidence and the audit trail alike).
"""

import datetime as dt
import io
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.core.testing import api_get as get
from twinning.core.testing import api_patch as patch
from twinning.core.testing import api_post as post
from twinning.core.testing import assert_problem, unchanged_state
from twinning.pairings.models import Pairing
from twinning.plans import services, tasks
from twinning.plans.models import Evidence, Goal, Phase, Plan, PlanTemplate, Task, Topic

API = "/api/v1"
ApiFor = Callable[[User], Client]
MakePlan = Callable[..., Plan]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


def this_year() -> int:
    return timezone.localdate().year


# --- helpers -----------------------------------------------------------------------------------


def db_state() -> dict[str, Any]:
    """Every row a plans route can write, plus the size of the audit trail."""
    return {
        "plans": list(Plan.objects.order_by("pk").values()),
        "plan_topics": list(
            Plan.topics.through.objects.order_by("pk").values_list("plan_id", "topic_id")
        ),
        "goals": list(Goal.objects.order_by("pk").values()),
        "phases": list(Phase.objects.order_by("pk").values()),
        "tasks": list(Task.objects.order_by("pk").values()),
        "co_owners": list(
            Task.co_owners.through.objects.order_by("pk").values_list("task_id", "user_id")
        ),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "templates": list(PlanTemplate.objects.order_by("pk").values()),
        "topics": list(Topic.objects.order_by("pk").values()),
        # Signing a persona in with a new API token is recorded too: not a plans write.
        "audit_entries": AuditEntry.objects.exclude(target_type="accounts.apitoken").count(),
    }


def unchanged() -> AbstractContextManager[None]:
    """Fail if anything the API writes changed inside the block."""
    return unchanged_state(db_state)


def upload(client: Client, url: str, name: str, content: bytes, **fields: Any) -> Any:
    return client.post(f"{API}{url}", {"file": SimpleUploadedFile(name, content), **fields})


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def task_of(plan: Plan, number: int) -> Task:
    return Task.objects.get(plan=plan, number=number)


def numbers(items: list[dict[str, Any]]) -> list[int]:
    return [item["number"] for item in items]


@pytest.fixture
def overdue_plan(make_plan: MakePlan) -> Plan:
    """A draft that began three years ago: task 1 is overdue, 2 is overdue but done, 3 is not
    due yet."""
    year = this_year()
    plan = make_plan(
        title="逾期测试方案",
        period_start=dt.date(year - 3, 1, 1),
        period_end=dt.date(year + 1, 12, 31),
        tasks=[
            {"title": "逾期未完成", "due_date": dt.date(year - 2, 6, 30)},
            {"title": "逾期已完成", "due_date": dt.date(year - 2, 6, 30)},
            {"title": "尚未到期", "due_date": dt.date(year + 1, 6, 30)},
        ],
    )
    Task.objects.filter(plan=plan, number=2).update(status="done", progress=100)
    return plan


# --- plans: list -------------------------------------------------------------------------------


def test_the_list_is_paginated_as_items_and_count(api: ApiFor, supervisor: User) -> None:
    current = Plan.objects.filter(archived_at__isnull=True, superseded_at__isnull=True).count()

    first = ok(get(api(supervisor), "/plans"))
    small = ok(get(api(supervisor), "/plans", page_size=2, page=2))

    assert set(first) == {"items", "count"}
    assert first["count"] == current > 2
    assert small["count"] == current
    assert [i["id"] for i in small["items"]] == [i["id"] for i in first["items"][2:4]]


def test_the_list_filters_by_status_pair_query_and_province(
    api: ApiFor, tianjin: User, draft_plan: Plan, tianjin_henan: Pairing
) -> None:
    client = api(tianjin)

    drafts = ok(get(client, "/plans", status="draft", pairing=tianjin_henan.pk))
    by_title = ok(get(client, "/plans", q="（测试）"))
    by_region = ok(get(client, "/plans", q="河南"))
    by_province = ok(get(client, "/plans", province="410000"))
    elsewhere = ok(get(client, "/plans", province="310000"))

    assert [i["id"] for i in drafts["items"]] == [draft_plan.pk]
    assert drafts["items"][0]["status"] == "draft"
    assert drafts["items"][0]["status_label"] == "草稿"
    assert drafts["items"][0]["pairing_id"] == tianjin_henan.pk
    assert [i["id"] for i in by_title["items"]] == [draft_plan.pk]
    assert draft_plan.pk in {i["id"] for i in by_region["items"]}
    assert draft_plan.pk in {i["id"] for i in by_province["items"]}
    assert draft_plan.pk not in {i["id"] for i in elsewhere["items"]}


def test_the_list_counts_tasks_and_overdue_tasks(
    api: ApiFor, tianjin: User, overdue_plan: Plan
) -> None:
    items = ok(get(api(tianjin), "/plans", q="逾期测试"))["items"]

    assert [(i["id"], i["task_count"], i["overdue_count"]) for i in items] == [
        (overdue_plan.pk, 3, 1)
    ]


def test_the_list_sorts_by_overdue_first(api: ApiFor, supervisor: User, overdue_plan: Plan) -> None:
    items = ok(get(api(supervisor), "/plans", sort="overdue", page_size=100))["items"]

    counts = [i["overdue_count"] for i in items]
    assert counts == sorted(counts, reverse=True)


def test_archived_and_older_versions_are_listed_only_on_request(
    api: ApiFor, tianjin: User, plan_in_force: Plan, draft_plan: Plan
) -> None:
    client = api(tianjin)
    revision = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
    services.submit_plan(actor=tianjin, plan_id=revision.pk)
    services.sign_plan(actor=tianjin, plan_id=revision.pk)
    services.archive_plan(actor=tianjin, plan_id=revision.pk)

    live = {i["id"] for i in ok(get(client, "/plans", q="（测试）"))["items"]}
    archived = {i["id"] for i in ok(get(client, "/plans", q="（测试）", archived=True))["items"]}

    assert live == {plan_in_force.pk}
    assert archived == {revision.pk}


def test_superseded_versions_only_with_all_versions(
    api: ApiFor, tianjin: User, henan: User, supervisor: User, plan_in_force: Plan
) -> None:
    revision = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
    services.submit_plan(actor=tianjin, plan_id=revision.pk)
    services.sign_plan(actor=tianjin, plan_id=revision.pk)
    services.sign_plan(actor=henan, plan_id=revision.pk)
    services.file_plan(actor=supervisor, plan_id=revision.pk)
    services.put_in_force(actor=tianjin, plan_id=revision.pk)
    client = api(tianjin)

    current = ok(get(client, "/plans", q="（测试）"))["items"]
    every = ok(get(client, "/plans", q="（测试）", all_versions=True))["items"]

    assert [(i["id"], i["version"]) for i in current] == [(revision.pk, 2)]
    assert {(i["id"], i["status"]) for i in every} == {
        (revision.pk, "in_force"),
        (plan_in_force.pk, "superseded"),
    }


def test_an_outsider_does_not_see_the_pairs_plans(
    api: ApiFor, jiangxi: User, draft_plan: Plan
) -> None:
    items = ok(get(api(jiangxi), "/plans", page_size=100))["items"]

    assert items
    assert all("河南" not in i["pairing"] for i in items)
    assert draft_plan.pk not in {i["id"] for i in items}


def test_an_unknown_sort_is_refused(api: ApiFor, tianjin: User) -> None:
    assert_problem(get(api(tianjin), "/plans", sort="nonsense"), 422, "invalid_input")


# --- plans: create -----------------------------------------------------------------------------


def plan_in(pairing: Pairing, **overrides: Any) -> dict[str, Any]:
    year = this_year()
    values = {
        "pairing_id": pairing.pk,
        "title": "天津—河南生活垃圾分类交流协作工作方案（API）",
        "period_start": f"{year}-01-01",
        "period_end": f"{year + 3}-12-31",
        "principles": "优势互补、互利共赢",
        "background": "推动两地生活垃圾分类工作",
        "methods": ["training", "field_research"],
        "topics": ["institutions", "training"],
    }
    return {**values, **overrides}


def test_a_coordinator_creates_an_empty_draft(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    body = ok(post(api(tianjin), "/plans", plan_in(tianjin_henan)), 201)

    plan = Plan.objects.get(pk=body["id"])
    assert (body["status"], body["version"], body["lock_version"]) == ("draft", 1, 1)
    assert body["methods"] == ["training", "field_research"]
    assert body["method_labels"] == ["业务培训", "实地调研"]
    assert sorted(body["topics"]) == ["institutions", "training"]
    assert body["goals"] == [] and body["phases"] == []
    assert body["progress"] == {"progress": 0, "total": 0, "done": 0}
    assert (body["task_count"], body["overdue_count"]) == (0, 0)
    assert plan.created_by == tianjin
    assert AuditEntry.objects.filter(target_type="plans.plan", target_id=str(plan.pk)).exists()


def test_a_member_of_the_partner_side_may_create_a_plan(
    api: ApiFor, henan_member: User, tianjin_henan: Pairing
) -> None:
    ok(post(api(henan_member), "/plans", plan_in(tianjin_henan)), 201)


def test_creating_from_a_template_copies_its_phases_goals_and_tasks(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    template = PlanTemplate.objects.get(code="three-phases")
    year = this_year()
    payload = plan_in(
        tianjin_henan,
        template_id=template.pk,
        period_start=f"{year}-03-01",
        period_end=f"{year + 4}-12-31",
    )

    body = ok(post(api(tianjin), "/plans", payload), 201)

    assert [p["name"] for p in body["phases"]] == ["试点阶段", "推广阶段", "总结阶段"]
    assert body["phases"][0]["start_date"] == f"{year}-03-01"
    assert body["phases"][0]["end_date"] == f"{year + 3}-02-28"
    assert body["phases"][2]["end_date"] == f"{year + 4}-12-31"  # clipped to the period
    assert [g["text"] for g in body["goals"]] == [g["text"] for g in template.goals]
    assert body["task_count"] == len(template.tasks)
    rows = ok(get(api(tianjin), f"/plans/{body['id']}/tasks"))["items"]
    assert [r["title"] for r in rows] == [t["title"] for t in template.tasks]
    assert rows[0]["phase"] == "试点阶段"
    assert rows[0]["topic"] == "institutions"
    assert rows[1]["side"] == "partner"


def test_a_period_ending_before_it_starts_is_a_field_error(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    payload = plan_in(tianjin_henan, period_start="2026-01-01", period_end="2025-12-31")

    with unchanged():
        problem = assert_problem(post(api(tianjin), "/plans", payload), 422, "invalid_dates")

    assert list(problem["errors"]) == ["period_end"]


def test_an_unknown_topic_is_a_field_error(
    api: ApiFor, tianjin: User, tianjin_henan: Pairing
) -> None:
    payload = plan_in(tianjin_henan, topics=["institutions", "no-such-topic"])

    with unchanged():
        problem = assert_problem(post(api(tianjin), "/plans", payload), 422, "invalid")

    assert list(problem["errors"]) == ["topics"]
    assert "no-such-topic" in problem["errors"]["topics"][0]


def test_an_unknown_or_retired_template_is_a_field_error(
    api: ApiFor, tianjin: User, admin_user: User, tianjin_henan: Pairing
) -> None:
    template = PlanTemplate.objects.get(code="eight-ones")
    services.archive_admin_record(actor=admin_user, obj=template, archived=True)

    with unchanged():
        retired = post(api(tianjin), "/plans", plan_in(tianjin_henan, template_id=template.pk))
        missing = post(api(tianjin), "/plans", plan_in(tianjin_henan, template_id=999999))

    assert assert_problem(retired, 422, "unknown_template")["errors"].keys() == {"template"}
    assert_problem(missing, 422, "unknown_template")


def test_schema_errors_name_the_field(api: ApiFor, tianjin: User, tianjin_henan: Pairing) -> None:
    payload = plan_in(tianjin_henan, period_start="not-a-date", methods=["dancing"])
    del payload["title"]

    with unchanged():
        problem = assert_problem(post(api(tianjin), "/plans", payload), 422, "invalid_input")

    assert {"title", "period_start", "methods.0"} <= set(problem["errors"])


def test_malformed_json_is_a_400_problem(api: ApiFor, tianjin: User) -> None:
    with unchanged():
        response = api(tianjin).post(f"{API}/plans", "{not json", "application/json")

    assert_problem(response, 400, "malformed_json")


def test_an_expert_may_not_create_a_plan(
    api: ApiFor, henan_expert: User, tianjin_henan: Pairing
) -> None:
    with unchanged():
        response = post(api(henan_expert), "/plans", plan_in(tianjin_henan))

    assert_problem(response, 403, "forbidden")


def test_an_outsider_may_not_create_a_plan_for_a_pair_it_cannot_see(
    api: ApiFor, jiangxi: User, tianjin_henan: Pairing
) -> None:
    with unchanged():
        response = post(api(jiangxi), "/plans", plan_in(tianjin_henan))

    assert_problem(response, 404, "not_found")


# --- plans: get and patch ----------------------------------------------------------------------


def test_get_a_plan_with_goals_phases_and_progress(
    api: ApiFor, henan_expert: User, tianjin: User, draft_plan: Plan
) -> None:
    tasks.set_status(actor=tianjin, task_id=task_of(draft_plan, 1).pk, status="done")

    body = ok(get(api(henan_expert), f"/plans/{draft_plan.pk}"))

    assert body["title"] == draft_plan.title
    assert [g["text"] for g in body["goals"]] == ["建立两地生活垃圾分类长效协作机制"]
    assert [(p["name"], p["progress"]) for p in body["phases"]] == [
        ("试点阶段", {"progress": 100, "total": 1, "done": 1}),
        ("推广阶段", {"progress": 0, "total": 1, "done": 0}),
    ]
    assert body["progress"] == {"progress": 33, "total": 3, "done": 1}
    assert body["task_count"] == 3
    assert body["goals"][0]["key"] and not body["goals"][0]["archived"]


def test_an_unknown_plan_is_a_404_problem(api: ApiFor, supervisor: User) -> None:
    assert_problem(get(api(supervisor), "/plans/999999"), 404, "not_found")


def rich_plan(make_plan: MakePlan) -> Plan:
    return make_plan(
        principles="共商共建",
        background="推动协作",
        methods=["training"],
        topic_codes=["training", "recycling"],
        goals=["目标一"],
    )


def test_patch_changes_only_the_fields_sent(
    api: ApiFor, tianjin: User, make_plan: MakePlan
) -> None:
    plan = rich_plan(make_plan)
    before = Plan.objects.get(pk=plan.pk)

    body = ok(patch(api(tianjin), f"/plans/{plan.pk}", {"title": "改过的方案名称"}))

    after = Plan.objects.get(pk=plan.pk)
    assert body["title"] == after.title == "改过的方案名称"
    assert (after.principles, after.background, after.methods) == (
        "共商共建",
        "推动协作",
        ["training"],
    )
    assert (after.period_start, after.period_end) == (before.period_start, before.period_end)
    assert sorted(body["topics"]) == ["recycling", "training"]
    assert after.lock_version == before.lock_version + 1 == body["lock_version"]
    assert after.updated_by == tianjin


def test_patch_replaces_the_topics_and_methods_when_sent(
    api: ApiFor, henan: User, make_plan: MakePlan
) -> None:
    plan = rich_plan(make_plan)

    body = ok(patch(api(henan), f"/plans/{plan.pk}", {"topics": [], "methods": []}))

    assert body["topics"] == [] and body["methods"] == []
    assert body["principles"] == "共商共建"
    assert body["title"] == plan.title


def test_patch_with_the_current_lock_version_succeeds(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    body = ok(
        patch(
            api(tianjin),
            f"/plans/{draft_plan.pk}",
            {"background": "新的工作目的", "lock_version": draft_plan.lock_version},
        )
    )

    assert body["background"] == "新的工作目的"
    assert body["lock_version"] == draft_plan.lock_version + 1


def test_a_stale_lock_version_is_refused_naming_who_changed_it(
    api: ApiFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    read = ok(get(api(tianjin), "/plans", q="（测试）"))["items"][0]["lock_version"]
    services.update_plan(
        actor=henan, plan_id=draft_plan.pk, values={"principles": "河南改的"}, expected_version=read
    )

    with unchanged():
        response = patch(
            api(tianjin),
            f"/plans/{draft_plan.pk}",
            {"principles": "天津改的", "lock_version": read},
        )

    problem = assert_problem(response, 409, "stale_version")
    assert "henan" in problem["detail"]
    assert Plan.objects.get(pk=draft_plan.pk).principles == "河南改的"


def test_patch_checks_the_period(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    with unchanged():
        response = patch(api(tianjin), f"/plans/{draft_plan.pk}", {"period_end": "2000-01-01"})

    assert assert_problem(response, 422, "invalid_dates")["errors"].keys() == {"period_end"}


def test_patch_refuses_an_unknown_topic(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    with unchanged():
        response = patch(api(tianjin), f"/plans/{draft_plan.pk}", {"topics": ["nope"]})

    assert assert_problem(response, 422, "invalid")["errors"].keys() == {"topics"}


def test_a_plan_in_force_is_frozen(api: ApiFor, tianjin: User, plan_in_force: Plan) -> None:
    with unchanged():
        response = patch(api(tianjin), f"/plans/{plan_in_force.pk}", {"title": "不能改"})

    assert_problem(response, 409, "plan_frozen")


def test_read_only_users_may_not_patch(
    api: ApiFor, henan_expert: User, supervisor: User, draft_plan: Plan
) -> None:
    for user in (henan_expert, supervisor):
        with unchanged():
            response = patch(api(user), f"/plans/{draft_plan.pk}", {"title": "不能改"})
        assert_problem(response, 403, "forbidden")


# --- plans: lifecycle --------------------------------------------------------------------------


def action(client: Client, plan_id: int, name: str, comment: str = "") -> Any:
    return post(client, f"/plans/{plan_id}/{name}", {"comment": comment} if comment else {})


def test_the_whole_lifecycle_through_the_api(
    api: ApiFor, tianjin: User, henan: User, supervisor: User, draft_plan: Plan
) -> None:
    plan_id = draft_plan.pk

    submitted = ok(action(api(tianjin), plan_id, "submit", "请审阅"))
    leading = ok(action(api(tianjin), plan_id, "sign"))
    agreed = ok(action(api(henan), plan_id, "sign"))
    filed = ok(action(api(supervisor), plan_id, "file"))
    in_force = ok(action(api(henan), plan_id, "in-force"))

    assert submitted["status"] == "submitted" and submitted["submitted_at"]
    assert leading["status"] == "submitted"
    assert leading["leading_signed_at"] and not leading["partner_signed_at"]
    assert agreed["status"] == "agreed" and agreed["partner_signed_at"]
    assert filed["status"] == "filed" and filed["filed_at"]
    assert in_force["status"] == "in_force" and in_force["in_force_at"]
    notes = AuditEntry.objects.filter(
        target_type="plans.plan", target_id=str(plan_id), action="transition"
    ).values_list("note", flat=True)
    assert "请审阅" in list(notes)


def test_a_revision_is_a_new_draft_version(api: ApiFor, tianjin: User, plan_in_force: Plan) -> None:
    body = ok(action(api(tianjin), plan_in_force.pk, "revise"))

    assert body["id"] != plan_in_force.pk
    assert (body["status"], body["version"], body["previous_id"]) == ("draft", 2, plan_in_force.pk)
    assert body["lineage"] == str(plan_in_force.lineage)
    assert body["task_count"] == 3
    assert Plan.objects.get(pk=plan_in_force.pk).status == "in_force"
    assert_problem(action(api(tianjin), plan_in_force.pk, "revise"), 409, "revision_exists")


def test_request_changes_needs_a_comment(
    api: ApiFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)

    with unchanged():
        empty = action(api(henan), draft_plan.pk, "request-changes", "  ")

    assert assert_problem(empty, 422, "comment_required")["errors"].keys() == {"comment"}


def test_request_changes_returns_the_plan(
    api: ApiFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)

    body = ok(action(api(henan), draft_plan.pk, "request-changes", "请补充阶段目标"))

    assert (body["status"], body["review_comment"]) == ("returned", "请补充阶段目标")
    resubmitted = ok(action(api(tianjin), draft_plan.pk, "submit"))
    assert resubmitted["status"] == "submitted"
    assert resubmitted["leading_signed_at"] is None


def agree(plan: Plan, tianjin: User, henan: User) -> None:
    services.submit_plan(actor=tianjin, plan_id=plan.pk)
    services.sign_plan(actor=tianjin, plan_id=plan.pk)
    services.sign_plan(actor=henan, plan_id=plan.pk)


def test_the_ministry_must_say_why_it_returns_a_plan(
    api: ApiFor, tianjin: User, henan: User, supervisor: User, draft_plan: Plan
) -> None:
    agree(draft_plan, tianjin, henan)

    with unchanged():
        empty = action(api(supervisor), draft_plan.pk, "return")

    assert_problem(empty, 422, "comment_required")


def test_the_ministry_returns_an_agreed_plan_with_a_comment(
    api: ApiFor, tianjin: User, henan: User, supervisor: User, draft_plan: Plan
) -> None:
    agree(draft_plan, tianjin, henan)

    body = ok(action(api(supervisor), draft_plan.pk, "return", "目标不够具体"))

    assert (body["status"], body["review_comment"]) == ("returned", "目标不够具体")
    assert Plan.objects.get(pk=draft_plan.pk).is_editable


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("sign", "tianjin"),
        ("request-changes", "henan"),
        ("file", "supervisor"),
        ("return", "supervisor"),
        ("in-force", "tianjin"),
        ("revise", "tianjin"),
        ("restore", "tianjin"),
    ],
)
def test_invalid_transitions_on_a_draft_are_409(
    name: str, persona: str, request: pytest.FixtureRequest, api: ApiFor, draft_plan: Plan
) -> None:
    client = api(request.getfixturevalue(persona))

    with unchanged():
        response = action(client, draft_plan.pk, name, "意见")

    code = "not_archived" if name == "restore" else "invalid_transition"
    assert_problem(response, 409, code)


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("submit", "tianjin"),
        ("sign", "henan"),
        ("request-changes", "henan"),
        ("file", "supervisor"),
        ("return", "supervisor"),
        ("in-force", "tianjin"),
        ("archive", "tianjin"),
    ],
)
def test_invalid_transitions_on_a_plan_in_force_are_409(
    name: str, persona: str, request: pytest.FixtureRequest, api: ApiFor, plan_in_force: Plan
) -> None:
    user = request.getfixturevalue(persona)
    client = api(user)
    if name == "archive":
        services.archive_plan(actor=user, plan_id=plan_in_force.pk)

    with unchanged():
        response = action(client, plan_in_force.pk, name, "意见")

    assert_problem(response, 409, "already_archived" if name == "archive" else "invalid_transition")


def test_signing_twice_is_409(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
    services.sign_plan(actor=tianjin, plan_id=draft_plan.pk)

    with unchanged():
        assert_problem(action(api(tianjin), draft_plan.pk, "sign"), 409, "already_signed")


def test_an_empty_plan_cannot_be_submitted(api: ApiFor, tianjin: User, make_plan: MakePlan) -> None:
    plan = make_plan()

    with unchanged():
        assert_problem(action(api(tianjin), plan.pk, "submit"), 422, "plan_empty")


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("submit", "henan_member"),
        ("submit", "supervisor"),
        ("sign", "admin_user"),
        ("sign", "henan_member"),
        ("file", "tianjin"),
        ("file", "admin_user"),
    ],
)
def test_who_may_move_a_plan_on(
    name: str,
    persona: str,
    request: pytest.FixtureRequest,
    api: ApiFor,
    tianjin: User,
    draft_plan: Plan,
    henan: User,
) -> None:
    if name == "sign":
        services.submit_plan(actor=tianjin, plan_id=draft_plan.pk)
    if name == "file":
        agree(draft_plan, tianjin, henan)
    client = api(request.getfixturevalue(persona))

    with unchanged():
        assert_problem(action(client, draft_plan.pk, name), 403, "forbidden")


def test_an_archived_plan_cannot_change(api: ApiFor, henan: User, draft_plan: Plan) -> None:
    services.archive_plan(actor=henan, plan_id=draft_plan.pk)

    with unchanged():
        response = patch(api(henan), f"/plans/{draft_plan.pk}", {"title": "归档后不能改"})
        again = action(api(henan), draft_plan.pk, "archive")
        submitted = action(api(henan), draft_plan.pk, "submit")

    assert_problem(response, 409, "plan_archived")
    assert_problem(again, 409, "already_archived")
    assert_problem(submitted, 409, "invalid_transition")


def test_archive_and_restore_a_plan(api: ApiFor, henan: User, draft_plan: Plan) -> None:
    archived = ok(action(api(henan), draft_plan.pk, "archive"))
    frozen = patch(api(henan), f"/plans/{draft_plan.pk}", {"title": "归档后不能改"})
    restored = ok(action(api(henan), draft_plan.pk, "restore"))

    assert archived["archived"] is True
    assert_problem(frozen, 409, "plan_archived")
    assert restored["archived"] is False


# --- versions, compare, history ----------------------------------------------------------------


def test_versions_and_comparison(
    api: ApiFor, tianjin: User, henan_expert: User, plan_in_force: Plan
) -> None:
    new = services.start_revision(actor=tianjin, plan_id=plan_in_force.pk)
    services.update_plan(actor=tianjin, plan_id=new.pk, values={"title": "修订后的方案"})
    tasks.add_task(actor=tianjin, plan_id=new.pk, values={"title": "新增的任务"})
    client = api(henan_expert)

    versions = ok(get(client, f"/plans/{plan_in_force.pk}/versions"))
    comparison = ok(get(client, f"/plans/{new.pk}/compare", other=plan_in_force.pk))

    assert [(v["id"], v["version"]) for v in versions] == [(new.pk, 2), (plan_in_force.pk, 1)]
    assert (comparison["older_id"], comparison["newer_id"]) == (plan_in_force.pk, new.pk)
    assert (comparison["older_version"], comparison["newer_version"]) == (1, 2)
    assert [(r["old"], r["new"]) for r in comparison["plan_fields"]] == [
        (plan_in_force.title, "修订后的方案")
    ]
    assert [(t["kind"], t["label"]) for t in comparison["tasks"] if t["kind"] == "added"] == [
        ("added", "4. 新增的任务")
    ]
    assert comparison["goals"] == [] and comparison["phases"] == []


def test_comparing_with_another_plan_is_404(
    api: ApiFor, tianjin: User, draft_plan: Plan, make_plan: MakePlan
) -> None:
    other = make_plan(title="另一个方案")

    response = get(api(tianjin), f"/plans/{draft_plan.pk}/compare", other=other.pk)

    assert_problem(response, 404, "not_a_version")


def test_comparing_needs_the_other_version(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    assert_problem(get(api(tianjin), f"/plans/{draft_plan.pk}/compare"), 422, "invalid_input")


def test_history_lists_changes_to_the_plan_and_its_tasks(
    api: ApiFor, tianjin: User, henan_expert: User, draft_plan: Plan
) -> None:
    services.update_plan(actor=tianjin, plan_id=draft_plan.pk, values={"title": "新名称"})
    tasks.set_status(actor=tianjin, task_id=task_of(draft_plan, 1).pk, status="in_progress")

    entries = ok(get(api(henan_expert), f"/plans/{draft_plan.pk}/history"))

    kinds = [(e["target_type"], e["action"]) for e in entries]
    assert ("plans.plan", "create") in kinds
    assert ("plans.plan", "update") in kinds
    assert ("plans.task", "update") in kinds
    assert ("plans.task", "create") in kinds
    assert entries[0]["actor"] == "tianjin"
    assert entries == sorted(entries, key=lambda e: e["at"], reverse=True)


# --- exports -----------------------------------------------------------------------------------


def test_export_xlsx(api: ApiFor, henan_expert: User, draft_plan: Plan) -> None:
    response = get(api(henan_expert), f"/plans/{draft_plan.pk}/export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        f'attachment; filename="plan-{draft_plan.pk}-v1.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "上级编号", "任务")
    assert [r[2] for r in rows[1:]] == [
        "建立联络机制，梳理协作工作清单",
        "建设分类投放和分类收集设施",
        "提供政策文件和标准规范汇编",
    ]


def test_export_docx(api: ApiFor, henan_expert: User, draft_plan: Plan) -> None:
    response = get(api(henan_expert), f"/plans/{draft_plan.pk}/export.docx")

    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].endswith(f'filename="plan-{draft_plan.pk}-v1.docx"')
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert draft_plan.title in text
    cells = {c.text for table in document.tables for row in table.rows for c in row.cells}
    assert "建设分类投放和分类收集设施" in cells


# --- import ------------------------------------------------------------------------------------


def exported(client: Client, plan: Plan) -> Any:
    response = get(client, f"/plans/{plan.pk}/export.xlsx")
    return load_workbook(io.BytesIO(response.content))


def column(sheet: Any, header: str) -> str:
    for cell in sheet[1]:
        if cell.value == header:
            return str(cell.column_letter)
    raise AssertionError(header)


def saved(workbook: Any) -> bytes:
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_import_an_exported_and_modified_table(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    client = api(tianjin)
    workbook = exported(client, draft_plan)
    sheet = workbook.worksheets[0]
    sheet[f"{column(sheet, '任务')}2"] = "建立联络机制（已修改）"
    sheet[f"{column(sheet, '状态')}2"] = "进行中"
    sheet[f"{column(sheet, '成果形式')}4"] = "政策汇编"
    sheet[f"{column(sheet, '任务')}5"] = "从 Excel 新增的任务"
    sheet[f"{column(sheet, '完成时限')}5"] = f"{this_year()}-10-31"

    body = ok(upload(client, f"/plans/{draft_plan.pk}/import", "任务表.xlsx", saved(workbook)))

    assert body == {"created": 1, "updated": 2, "unchanged": 1}
    first = task_of(draft_plan, 1)
    assert (first.title, first.status) == ("建立联络机制（已修改）", "in_progress")
    assert task_of(draft_plan, 3).deliverable == "政策汇编"
    new = task_of(draft_plan, 4)
    assert (new.title, new.due_date) == ("从 Excel 新增的任务", dt.date(this_year(), 10, 31))
    assert AuditEntry.objects.filter(action="import", target_id=str(draft_plan.pk)).exists()


def test_a_bad_date_names_row_and_column_and_changes_nothing(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    client = api(tianjin)
    workbook = exported(client, draft_plan)
    sheet = workbook.worksheets[0]
    sheet[f"{column(sheet, '任务')}2"] = "这一行本来可以导入"
    due = column(sheet, "完成时限")
    sheet[f"{due}3"] = "明年春天"

    with unchanged():
        response = upload(client, f"/plans/{draft_plan.pk}/import", "t.xlsx", saved(workbook))

    problem = assert_problem(response, 422, "import_invalid")
    assert problem["errors"]["file"] == [
        f"第 3 行 {due} 列（完成时限）：日期格式不正确，请填写如 2025-03-31 的日期。"
    ]


def test_import_refuses_a_file_that_is_not_a_spreadsheet(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    with unchanged():
        response = upload(api(tianjin), f"/plans/{draft_plan.pk}/import", "t.xlsx", PDF)

    assert assert_problem(response, 422, "unsupported_file_type")["errors"].keys() == {"file"}


def test_import_needs_a_file(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    with unchanged():
        response = api(tianjin).post(f"{API}/plans/{draft_plan.pk}/import", {})

    assert_problem(response, 422, "invalid_input")


def test_an_expert_may_not_import(api: ApiFor, henan_expert: User, draft_plan: Plan) -> None:
    workbook = exported(api(henan_expert), draft_plan)

    with unchanged():
        response = upload(
            api(henan_expert), f"/plans/{draft_plan.pk}/import", "t.xlsx", saved(workbook)
        )

    assert_problem(response, 403, "forbidden")


# --- goals and phases --------------------------------------------------------------------------


def test_add_edit_archive_and_restore_a_goal(
    api: ApiFor, henan_member: User, draft_plan: Plan
) -> None:
    client = api(henan_member)
    goal = {
        "text": "回收利用率达到35%",
        "indicator": "回收利用率",
        "unit": "%",
        "target_value": "35",
        "due_date": f"{this_year() + 2}-12-31",
    }

    created = ok(post(client, f"/plans/{draft_plan.pk}/goals", goal), 201)
    edited = ok(patch(client, f"/goals/{created['id']}", {"target_value": "40"}))
    archived = ok(post(client, f"/goals/{created['id']}/archive"))
    again = post(client, f"/goals/{created['id']}/archive")
    restored = ok(post(client, f"/goals/{created['id']}/restore"))

    assert created["position"] == 1 and created["key"]
    assert (edited["text"], edited["indicator"], edited["unit"]) == (
        "回收利用率达到35%",
        "回收利用率",
        "%",
    )
    assert float(edited["target_value"]) == 40
    assert edited["due_date"] == f"{this_year() + 2}-12-31"
    assert archived["archived"] is True
    assert_problem(again, 409, "already_archived")
    assert restored["archived"] is False
    assert list(draft_plan.goals.values_list("text", flat=True)) == [
        "建立两地生活垃圾分类长效协作机制",
        "回收利用率达到35%",
    ]


def test_a_goal_needs_text(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    with unchanged():
        response = post(api(tianjin), f"/plans/{draft_plan.pk}/goals", {"text": ""})

    assert assert_problem(response, 422, "invalid")["errors"].keys() == {"text"}


def test_goals_of_a_frozen_plan_cannot_change(
    api: ApiFor, tianjin: User, plan_in_force: Plan
) -> None:
    goal = plan_in_force.goals.get()
    client = api(tianjin)

    with unchanged():
        added = post(client, f"/plans/{plan_in_force.pk}/goals", {"text": "新目标"})
        edited = patch(client, f"/goals/{goal.pk}", {"text": "改目标"})
        archived = post(client, f"/goals/{goal.pk}/archive")

    for response in (added, edited, archived):
        assert_problem(response, 409, "plan_frozen")


def phase_in(**overrides: Any) -> dict[str, Any]:
    year = this_year()
    values = {
        "name": "总结阶段",
        "start_date": f"{year + 4}-01-01",
        "end_date": f"{year + 4}-12-31",
        "description": "总结经验",
    }
    return {**values, **overrides}


def test_add_edit_archive_and_restore_a_phase(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    client = api(tianjin)

    created = ok(post(client, f"/plans/{draft_plan.pk}/phases", phase_in()), 201)
    edited = ok(patch(client, f"/phases/{created['id']}", {"description": "评估成效"}))
    archived = ok(post(client, f"/phases/{created['id']}/archive"))
    restored = ok(post(client, f"/phases/{created['id']}/restore"))

    assert (created["name"], created["position"]) == ("总结阶段", 2)
    assert (edited["name"], edited["description"]) == ("总结阶段", "评估成效")
    assert edited["start_date"] == created["start_date"]
    assert archived["archived"] is True and restored["archived"] is False


def test_phase_dates_are_checked(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    client = api(tianjin)
    year = this_year()

    with unchanged():
        reversed_dates = post(
            client,
            f"/plans/{draft_plan.pk}/phases",
            phase_in(start_date=f"{year + 1}-06-01", end_date=f"{year + 1}-01-01"),
        )
        outside = post(
            client, f"/plans/{draft_plan.pk}/phases", phase_in(end_date=f"{year + 9}-12-31")
        )
        edited = patch(
            client, f"/phases/{draft_plan.phases.first().pk}", {"start_date": "1999-01-01"}
        )

    assert assert_problem(reversed_dates, 422, "invalid_dates")["errors"].keys() == {"end_date"}
    assert assert_problem(outside, 422, "phase_outside_period")["errors"].keys() == {"start_date"}
    assert_problem(edited, 422, "phase_outside_period")


def test_a_phase_with_tasks_cannot_be_archived(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    phase = draft_plan.phases.first()

    with unchanged():
        response = post(api(tianjin), f"/phases/{phase.pk}/archive")

    assert_problem(response, 409, "phase_has_tasks")


# --- tasks -------------------------------------------------------------------------------------


def test_the_task_table_with_filters(
    api: ApiFor, tianjin: User, henan: User, henan_member: User, draft_plan: Plan
) -> None:
    client = api(tianjin)
    first, second = draft_plan.phases.all()
    tasks.update_task(actor=tianjin, task_id=task_of(draft_plan, 3).pk, values={"owner": henan})
    tasks.update_task(
        actor=tianjin, task_id=task_of(draft_plan, 1).pk, values={"co_owners": [henan]}
    )
    tasks.set_status(actor=henan, task_id=task_of(draft_plan, 2).pk, status="in_progress")
    tasks.archive_task(
        actor=tianjin,
        task_id=tasks.add_task(
            actor=tianjin, plan_id=draft_plan.pk, values={"title": "作废的任务"}
        ).pk,
    )
    url = f"/plans/{draft_plan.pk}/tasks"

    def rows(**params: Any) -> list[int]:
        return numbers(ok(get(client, url, **params))["items"])

    assert ok(get(client, url))["count"] == 3
    assert rows() == [1, 2, 3]
    assert rows(side="partner") == [2]
    assert rows(phase=first.pk) == [1]
    assert rows(phase=second.pk) == [2]
    assert rows(status="in_progress") == [2]
    assert rows(owner=henan.pk) == [1, 3]
    assert rows(owner=henan_member.pk) == []
    assert rows(q="政策文件") == [3]
    assert rows(q="台账") == [2]  # the deliverable
    assert rows(archived=True) == [4]
    assert rows(sort="status") == [2, 1, 3]
    assert rows(page_size=2, page=2) == [3]


def test_the_overdue_filter(api: ApiFor, tianjin: User, overdue_plan: Plan) -> None:
    items = ok(get(api(tianjin), f"/plans/{overdue_plan.pk}/tasks", overdue=True))["items"]

    assert numbers(items) == [1]
    assert items[0]["overdue"] is True


def test_add_and_read_a_task(
    api: ApiFor, tianjin: User, henan: User, henan_member: User, draft_plan: Plan
) -> None:
    client = api(henan)
    phase = draft_plan.phases.last()
    values = {
        "title": "组织业务培训",
        "topic": "training",
        "phase": phase.pk,
        "side": "partner",
        "owner": "henan",
        "co_owners": ["henan_member"],
        "start_date": f"{this_year() + 1}-03-01",
        "due_date": f"{this_year() + 1}-06-30",
        "weight": 3,
        "deliverable": "培训签到表",
        "evidence_required": True,
        "parent": 2,
    }

    created = ok(post(client, f"/plans/{draft_plan.pk}/tasks", values), 201)
    read = ok(get(api(tianjin), f"/tasks/{created['id']}"))

    assert created == read
    assert (read["number"], read["parent_number"], read["plan_id"]) == (4, 2, draft_plan.pk)
    assert (read["topic"], read["phase_id"], read["phase"]) == ("training", phase.pk, "推广阶段")
    assert (read["side"], read["side_label"]) == ("partner", "结对方")
    assert (read["owner"], read["co_owners"]) == ("henan", ["henan_member"])
    assert (read["status"], read["progress"], read["weight"]) == ("not_started", 0, 3)
    assert read["evidence_required"] is True and read["overdue"] is False
    assert read["updated_by"] == "henan"
    assert read["lock_version"] == Task.objects.get(pk=read["id"]).lock_version


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"topic": "no-such-topic"}, "unknown_topic", "topic"),
        ({"owner": "jiangxi"}, "unknown_user", "owner"),
        ({"phase": 999999}, "unknown_phase", "phase"),
        ({"parent": 99}, "unknown_parent", "parent"),
        ({"start_date": "2030-06-01", "due_date": "2030-01-01"}, "invalid_dates", "due_date"),
    ],
)
def test_task_values_are_checked(
    values: dict[str, Any],
    code: str,
    field: str,
    api: ApiFor,
    tianjin: User,
    jiangxi: User,
    draft_plan: Plan,
) -> None:
    with unchanged():
        response = post(api(tianjin), f"/plans/{draft_plan.pk}/tasks", {"title": "任务", **values})

    assert assert_problem(response, 422, code)["errors"].keys() == {field}


def test_patch_a_task_changes_only_the_fields_sent(
    api: ApiFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 1)
    tasks.update_task(actor=tianjin, task_id=task.pk, values={"owner": henan, "notes": "原备注"})
    task.refresh_from_db()

    body = ok(
        patch(
            api(henan),
            f"/tasks/{task.pk}",
            {"status": "in_progress", "lock_version": task.lock_version},
        )
    )

    task.refresh_from_db()
    assert (body["status"], body["progress"]) == ("in_progress", 50)
    assert (task.title, task.notes, task.owner, task.side) == (
        "建立联络机制，梳理协作工作清单",
        "原备注",
        henan,
        "joint",
    )
    assert task.topic.code == "institutions"
    assert body["lock_version"] == task.lock_version


def test_a_stale_task_lock_version_is_409(
    api: ApiFor, tianjin: User, henan: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 1)
    read = ok(get(api(tianjin), f"/tasks/{task.pk}"))["lock_version"]
    ok(patch(api(henan), f"/tasks/{task.pk}", {"notes": "河南先改", "lock_version": read}))

    with unchanged():
        response = patch(
            api(tianjin), f"/tasks/{task.pk}", {"notes": "天津后改", "lock_version": read}
        )

    assert "henan" in assert_problem(response, 409, "stale_version")["detail"]


def test_done_needs_the_required_evidence(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    task = task_of(draft_plan, 1)
    tasks.update_task(actor=tianjin, task_id=task.pk, values={"evidence_required": True})

    with unchanged():
        response = patch(api(tianjin), f"/tasks/{task.pk}", {"status": "done"})

    assert assert_problem(response, 422, "evidence_required")["errors"].keys() == {"status"}


def test_a_frozen_plan_takes_status_but_not_definition_changes(
    api: ApiFor, henan: User, plan_in_force: Plan
) -> None:
    task = task_of(plan_in_force, 2)
    client = api(henan)

    with unchanged():
        refused = patch(client, f"/tasks/{task.pk}", {"title": "不能改"})
        added = post(client, f"/plans/{plan_in_force.pk}/tasks", {"title": "不能加"})
        archived = post(client, f"/tasks/{task.pk}/archive")
    body = ok(patch(client, f"/tasks/{task.pk}", {"status": "blocked", "notes": "资金未到位"}))

    assert_problem(refused, 409, "plan_frozen")
    assert_problem(added, 409, "plan_frozen")
    assert_problem(archived, 409, "plan_frozen")
    assert (body["status"], body["notes"]) == ("blocked", "资金未到位")


def test_the_other_side_may_not_track_a_task(
    api: ApiFor, henan: User, draft_plan: Plan, henan_expert: User
) -> None:
    leading_task = task_of(draft_plan, 3)

    with unchanged():
        other_side = patch(api(henan), f"/tasks/{leading_task.pk}", {"status": "in_progress"})
        expert = patch(api(henan_expert), f"/tasks/{leading_task.pk}", {"status": "in_progress"})

    assert_problem(other_side, 403, "forbidden")
    assert_problem(expert, 403, "forbidden")


def test_bulk_status_changes_every_row(api: ApiFor, henan: User, draft_plan: Plan) -> None:
    ids = [task_of(draft_plan, n).pk for n in (1, 2)]

    body = ok(
        post(
            api(henan),
            f"/plans/{draft_plan.pk}/tasks/bulk-status",
            {"task_ids": ids, "status": "in_progress"},
        )
    )

    assert [(t["number"], t["status"]) for t in body] == [(1, "in_progress"), (2, "in_progress")]
    assert task_of(draft_plan, 3).status == "not_started"


def test_bulk_status_is_all_or_nothing(
    api: ApiFor, henan: User, tianjin: User, draft_plan: Plan
) -> None:
    tasks.update_task(
        actor=tianjin, task_id=task_of(draft_plan, 2).pk, values={"evidence_required": True}
    )
    ids = [task_of(draft_plan, n).pk for n in (1, 2, 3)]

    with unchanged():
        response = post(
            api(henan),
            f"/plans/{draft_plan.pk}/tasks/bulk-status",
            {"task_ids": ids, "status": "done"},
        )

    problem = assert_problem(response, 422, "bulk_refused")
    assert len(problem["errors"]["tasks"]) == 2
    assert problem["errors"]["tasks"][0].startswith("第 2 项")
    assert problem["errors"]["tasks"][1].startswith("第 3 项")


def test_bulk_status_refuses_rows_of_another_plan(
    api: ApiFor, tianjin: User, draft_plan: Plan, make_plan: MakePlan
) -> None:
    other = make_plan(title="另一个方案", tasks=[{"title": "别的任务"}])

    with unchanged():
        response = post(
            api(tianjin),
            f"/plans/{draft_plan.pk}/tasks/bulk-status",
            {"task_ids": [task_of(other, 1).pk], "status": "done"},
        )
        nothing = post(
            api(tianjin),
            f"/plans/{draft_plan.pk}/tasks/bulk-status",
            {"task_ids": [], "status": "done"},
        )

    assert_problem(response, 422, "unknown_task")
    assert_problem(nothing, 422, "nothing_selected")


def test_archive_and_restore_a_task(api: ApiFor, tianjin: User, draft_plan: Plan) -> None:
    task = task_of(draft_plan, 3)
    client = api(tianjin)

    archived = ok(post(client, f"/tasks/{task.pk}/archive"))
    again = post(client, f"/tasks/{task.pk}/archive")
    listed = numbers(ok(get(client, f"/plans/{draft_plan.pk}/tasks"))["items"])
    restored = ok(post(client, f"/tasks/{task.pk}/restore"))

    assert archived["archived"] is True
    assert_problem(again, 409, "already_archived")
    assert listed == [1, 2]
    assert restored["archived"] is False


def test_a_parent_with_live_subtasks_cannot_be_archived(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    tasks.add_task(actor=tianjin, plan_id=draft_plan.pk, values={"title": "子任务", "parent": 1})

    with unchanged():
        response = post(api(tianjin), f"/tasks/{task_of(draft_plan, 1).pk}/archive")

    assert_problem(response, 409, "has_live_children")


def test_my_tasks_across_pairs(
    api: ApiFor, tianjin: User, henan: User, draft_plan: Plan, overdue_plan: Plan
) -> None:
    tasks.update_task(actor=tianjin, task_id=task_of(draft_plan, 2).pk, values={"owner": henan})
    tasks.update_task(
        actor=tianjin, task_id=task_of(overdue_plan, 1).pk, values={"co_owners": [henan]}
    )
    tasks.update_task(actor=tianjin, task_id=task_of(overdue_plan, 3).pk, values={"owner": tianjin})
    client = api(henan)

    mine = ok(get(client, "/me/tasks"))
    overdue = ok(get(client, "/me/tasks", overdue=True))
    in_progress = ok(get(client, "/me/tasks", status="in_progress"))

    assert mine["count"] == 2
    assert {(i["plan_id"], i["number"]) for i in mine["items"]} == {
        (draft_plan.pk, 2),
        (overdue_plan.pk, 1),
    }
    assert [(i["plan_id"], i["number"]) for i in overdue["items"]] == [(overdue_plan.pk, 1)]
    assert in_progress["items"] == []
    assert ok(get(api(tianjin), "/me/tasks"))["count"] == 1


# --- evidence ----------------------------------------------------------------------------------


def test_upload_list_and_download_evidence(
    api: ApiFor, henan: User, henan_expert: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 2)
    client = api(henan)

    created = ok(
        upload(client, f"/tasks/{task.pk}/evidence", "设施台账.pdf", PDF, description="台账"), 201
    )
    listed = ok(get(api(henan_expert), f"/tasks/{task.pk}/evidence"))
    download = get(api(henan_expert), f"/evidence/{created['id']}/download")

    assert created["original_name"] == "设施台账.pdf"
    assert (created["content_type"], created["size"]) == ("application/pdf", len(PDF))
    assert (created["description"], created["uploaded_by"]) == ("台账", "henan")
    assert [e["id"] for e in listed] == [created["id"]]
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF
    assert task_of(draft_plan, 2).lock_version == task.lock_version + 1


def test_the_content_decides_the_type_not_the_name(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 1)

    body = ok(
        upload(
            api(tianjin),
            f"/tasks/{task.pk}/evidence",
            "纪要.pdf",
            "会议纪要：双方确认工作清单".encode(),
        ),
        201,
    )

    assert body["content_type"] == "text/plain"


def test_a_binary_file_of_another_kind_is_refused(
    api: ApiFor, tianjin: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 1)

    with unchanged():
        response = upload(api(tianjin), f"/tasks/{task.pk}/evidence", "report.pdf", EXE)
        empty = upload(api(tianjin), f"/tasks/{task.pk}/evidence", "empty.txt", b"")

    assert assert_problem(response, 422, "unsupported_file_type")["errors"].keys() == {"file"}
    assert_problem(empty, 422, "empty_file")


def test_evidence_lets_a_task_close_and_then_cannot_all_be_archived(
    api: ApiFor, henan: User, tianjin: User, draft_plan: Plan
) -> None:
    task = task_of(draft_plan, 2)
    tasks.update_task(actor=tianjin, task_id=task.pk, values={"evidence_required": True})
    client = api(henan)
    evidence = ok(upload(client, f"/tasks/{task.pk}/evidence", "a.pdf", PDF), 201)
    ok(patch(client, f"/tasks/{task.pk}", {"status": "done"}))

    with unchanged():
        last = post(client, f"/evidence/{evidence['id']}/archive")

    assert_problem(last, 409, "evidence_required")


def test_archive_and_restore_evidence(api: ApiFor, henan: User, draft_plan: Plan) -> None:
    task = task_of(draft_plan, 1)
    client = api(henan)
    evidence = ok(upload(client, f"/tasks/{task.pk}/evidence", "a.pdf", PDF), 201)

    archived = ok(post(client, f"/evidence/{evidence['id']}/archive"))
    again = post(client, f"/evidence/{evidence['id']}/archive")
    restored = ok(post(client, f"/evidence/{evidence['id']}/restore"))

    assert archived["archived"] is True
    assert_problem(again, 409, "invalid_transition")
    assert restored["archived"] is False


def test_the_other_side_may_not_upload_evidence(api: ApiFor, henan: User, draft_plan: Plan) -> None:
    task = task_of(draft_plan, 3)  # 天津's task

    with unchanged():
        response = upload(api(henan), f"/tasks/{task.pk}/evidence", "a.pdf", PDF)

    assert_problem(response, 403, "forbidden")


# --- templates and topics ----------------------------------------------------------------------


TEMPLATE_IN = {
    "code": "two-steps",
    "name": "两步走",
    "description": "先试点后推广",
    "methods": ["training"],
    "phases": [{"name": "试点", "offset_years": 0, "years": 1}],
    "goals": [{"text": "建成示范片区"}],
    "tasks": [
        {"title": "选定试点街道", "phase": 0, "side": "partner", "topic": "demonstration_areas"}
    ],
}


def test_everyone_signed_in_may_read_templates_and_topics(api: ApiFor, henan_expert: User) -> None:
    templates = ok(get(api(henan_expert), "/plan-templates"))
    topics = ok(get(api(henan_expert), "/topics"))

    assert {t["code"] for t in templates} >= {"eight-ones", "three-phases", "one-three-five"}
    assert [t["code"] for t in topics][:2] == ["laws_standards", "institutions"]


def test_an_admin_keeps_the_templates(api: ApiFor, admin_user: User) -> None:
    client = api(admin_user)

    created = ok(post(client, "/plan-templates", TEMPLATE_IN), 201)
    edited = ok(patch(client, f"/plan-templates/{created['id']}", {"name": "两步走（修订）"}))
    archived = ok(post(client, f"/plan-templates/{created['id']}/archive"))
    listed = {t["code"] for t in ok(get(client, "/plan-templates"))}
    retired = {t["code"] for t in ok(get(client, "/plan-templates", archived=True))}
    again = post(client, f"/plan-templates/{created['id']}/archive")
    restored = ok(post(client, f"/plan-templates/{created['id']}/restore"))

    assert created["tasks"] == TEMPLATE_IN["tasks"]
    assert (edited["name"], edited["description"], edited["code"]) == (
        "两步走（修订）",
        "先试点后推广",
        "two-steps",
    )
    assert archived["archived"] is True
    assert "two-steps" not in listed and "two-steps" in retired
    assert_problem(again, 409, "invalid_transition")
    assert restored["archived"] is False


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"code": "three-phases"}, "duplicate_code", "code"),
        ({"tasks": [{"title": "任务", "phase": 5}]}, "invalid_template", "tasks"),
        ({"phases": [{"name": ""}]}, "invalid_template", "phases"),
        ({"goals": [{"text": " "}]}, "invalid_template", "goals"),
    ],
)
def test_template_contents_are_checked(
    values: dict[str, Any], code: str, field: str, api: ApiFor, admin_user: User
) -> None:
    with unchanged():
        response = post(api(admin_user), "/plan-templates", {**TEMPLATE_IN, **values})

    assert assert_problem(response, 422, code)["errors"].keys() == {field}


def test_an_admin_keeps_the_topics(api: ApiFor, admin_user: User) -> None:
    client = api(admin_user)

    created = ok(post(client, "/topics", {"code": "kitchen_waste", "name": "厨余垃圾"}), 201)
    edited = ok(patch(client, f"/topics/{created['id']}", {"position": 99}))
    duplicate = post(client, "/topics", {"code": "kitchen_waste", "name": "另一个"})
    archived = ok(post(client, f"/topics/{created['id']}/archive"))
    live = {t["code"] for t in ok(get(client, "/topics"))}
    restored = ok(post(client, f"/topics/{created['id']}/restore"))

    assert (edited["code"], edited["name"], edited["position"]) == ("kitchen_waste", "厨余垃圾", 99)
    assert_problem(duplicate, 422, "duplicate_code")
    assert archived["archived"] is True and "kitchen_waste" not in live
    assert restored["archived"] is False


@pytest.mark.parametrize("persona", ["supervisor", "tianjin", "henan_expert"])
def test_only_admins_may_change_templates_and_topics(
    persona: str, request: pytest.FixtureRequest, api: ApiFor
) -> None:
    client = api(request.getfixturevalue(persona))
    template = PlanTemplate.objects.get(code="three-phases")
    topic = Topic.objects.get(code="training")

    with unchanged():
        responses = [
            post(client, "/plan-templates", TEMPLATE_IN),
            patch(client, f"/plan-templates/{template.pk}", {"name": "改名"}),
            post(client, f"/plan-templates/{template.pk}/archive"),
            post(client, f"/plan-templates/{template.pk}/restore"),
            post(client, "/topics", {"code": "x", "name": "新内容"}),
            patch(client, f"/topics/{topic.pk}", {"name": "改名"}),
            post(client, f"/topics/{topic.pk}/archive"),
            post(client, f"/topics/{topic.pk}/restore"),
        ]

    for response in responses:
        assert_problem(response, 403, "forbidden")


def test_unknown_templates_and_topics_are_404(api: ApiFor, admin_user: User) -> None:
    client = api(admin_user)

    assert_problem(patch(client, "/plan-templates/999999", {"name": "x"}), 404, "not_found")
    assert_problem(post(client, "/plan-templates/999999/archive"), 404, "not_found")
    assert_problem(patch(client, "/topics/999999", {"name": "x"}), 404, "not_found")
    assert_problem(post(client, "/topics/999999/restore"), 404, "not_found")


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/plans"),
        ("post", "/plans"),
        ("get", "/plans/1"),
        ("get", "/plans/1/export.xlsx"),
        ("post", "/plans/1/submit"),
        ("get", "/tasks/1"),
        ("patch", "/tasks/1"),
        ("get", "/me/tasks"),
        ("get", "/evidence/1/download"),
        ("get", "/plan-templates"),
        ("get", "/topics"),
    ],
)
def test_unauthenticated_requests_are_401(method: str, url: str, client: Client, db: None) -> None:
    if method == "get":
        response = client.get(f"{API}{url}")
    else:
        response = getattr(client, method)(f"{API}{url}", json.dumps({}), "application/json")

    assert_problem(response, 401, "unauthenticated")


def test_a_wrong_token_is_401(client: Client, db: None) -> None:
    response = client.get(f"{API}/plans", HTTP_AUTHORIZATION="Bearer not-a-real-token")

    assert_problem(response, 401, "unauthenticated")
