"""The notice pages and API beyond permissions: filters, sorting, export, the issue form's
prefill from the pair's health, refusals shown with the typed values, problem+json errors."""

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from twinning.core.testing import assert_problem
from twinning.health.services import recompute
from twinning.plans.models import Task
from twinning.supervision.models import Notice
from twinning.supervision.tests.factories import advance, issue, state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_2021")]


@pytest.fixture
def three(supervisor: Any, henan: Any, tianjin_henan: Any, pair: Any) -> list[Notice]:
    late = issue(supervisor, tianjin_henan, deadline=dt.date(2021, 6, 5))
    Notice.objects.filter(pk=late.pk).update(deadline=dt.date(2021, 5, 20))
    closed = advance(issue(supervisor, tianjin_henan), supervisor, henan, "closed")
    other = issue(supervisor, pair("310000", "360000"), title="上海江西督办")
    return [late, closed, other]


def test_list_filters_sorts_and_counts(three: list[Notice], supervisor: Any, login: Any) -> None:
    client = login(supervisor)
    page = client.get("/notices/").content.decode()
    assert page.count('href="/notices/') >= 3 and "共 3 件督办通知" in page
    assert "逾期 1 件" in page
    overdue = client.get("/notices/?overdue=1").content.decode()
    assert three[0].number in overdue and three[2].number not in overdue
    assert "逾期 12 天" in overdue
    closed = client.get("/notices/?status=closed").content.decode()
    assert three[1].number in closed and three[0].number not in closed
    jiangxi = client.get("/notices/?province=360000").content.decode()
    assert "上海江西督办" in jiangxi and three[0].number not in jiangxi
    by_number = client.get("/notices/?sort=number", HTTP_HX_REQUEST="true").content.decode()
    assert by_number.index(three[0].number) < by_number.index(three[2].number)
    empty = client.get("/notices/?q=不存在").content.decode()
    assert 'id="no-notices"' in empty


def test_a_side_sees_only_its_pairs_notices(three: list[Notice], henan: Any, login: Any) -> None:
    page = login(henan).get("/notices/").content.decode()
    assert three[0].number in page and "上海江西督办" not in page


def test_export_has_the_filtered_rows(three: list[Notice], supervisor: Any, login: Any) -> None:
    response = login(supervisor).get("/notices/export.xlsx?status=open")
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {three[0].number, three[2].number}
    assert sheet.cell(row=1, column=1).value == "文号"


def test_issue_form_is_prefilled_from_the_pairs_health(
    supervisor: Any, tianjin_henan: Any, login: Any
) -> None:
    Task.objects.filter(plan__pairing=tianjin_henan).update(
        start_date=None, due_date=dt.date(2021, 3, 1), status="not_started"
    )
    recompute(pairing_ids=[tianjin_henan.pk])
    page = login(supervisor).get(f"/notices/new/{tianjin_henan.pk}/").content.decode()
    assert "建办城督〔2021〕1号" in page
    assert "项任务已逾期" in page  # the reason's sentence, in the form and in the linked list
    assert 'id="health-reasons"' in page and "<a href=" in page


def test_issuing_through_the_page(supervisor: Any, tianjin_henan: Any, login: Any) -> None:
    response = login(supervisor).post(
        f"/notices/new/{tianjin_henan.pk}/",
        {
            "number": "建办城督〔2021〕9号",
            "title": "关于督促整改的通知",
            "reasons": "任务逾期",
            "required_actions": "限期整改",
            "deadline": "2021-07-01",
            "guidance": "expert_visit",
            "guidance_date": "2021-06-20",
        },
    )
    notice = Notice.objects.get(number="建办城督〔2021〕9号")
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"
    assert notice.guidance == "expert_visit"


def test_a_refused_issue_keeps_the_typed_values(
    supervisor: Any, tianjin_henan: Any, login: Any
) -> None:
    before = state()
    response = login(supervisor).post(
        f"/notices/new/{tianjin_henan.pk}/",
        {
            "number": "建办城督〔2021〕9号",
            "title": "我写的标题",
            "reasons": "任务逾期",
            "required_actions": "限期整改",
            "deadline": "2021-05-01",
            "guidance": "none",
        },
    )
    page = response.content.decode()
    assert "整改期限须晚于今天" in page and "我写的标题" in page
    assert state() == before


def test_a_refused_rectification_shows_the_row_and_keeps_values(
    supervisor: Any, henan: Any, tianjin_henan: Any, login: Any
) -> None:
    notice = advance(issue(supervisor, tianjin_henan), supervisor, henan, "acknowledged")
    before = state()
    response = login(henan).post(
        f"/notices/{notice.pk}/rectification/",
        {"text": "我的整改方案", "task_1_title": "补齐任务", "task_1_due_date": "2026-03-01"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "第 1 项整改任务" in page and "2025-12-31" in page and "我的整改方案" in page
    assert state() == before


def test_detail_shows_timeline_tasks_and_propose_link_when_closed(
    supervisor: Any, henan: Any, tianjin_henan: Any, login: Any
) -> None:
    notice = advance(issue(supervisor, tianjin_henan), supervisor, henan, "closed")
    page = login(henan).get(f"/notices/{notice.pk}/").content.decode()
    for words in ("住房和城乡建设部办公厅", "签收", "报送整改方案", "核验办结", "整改任务1"):
        assert words in page
    assert "整改佐证.pdf" in page
    assert ('id="propose-case"' in page) == _has_route("dashboards:propose_case")


def _has_route(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


# ---------------------------------------------------------------- API


def test_the_workflow_through_the_api(
    supervisor: Any, henan: Any, tianjin_henan: Any, api: Any
) -> None:
    ministry, pair = api(supervisor), api(henan)
    created = ministry.post(
        f"/api/v1/pairings/{tianjin_henan.pk}/notices",
        {"required_actions": "限期整改", "deadline": "2021-07-01"},
        "application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["number"] == "建办城督〔2021〕1号" and body["status"] == "issued"
    url = f"/api/v1/notices/{body['id']}"
    assert (
        pair.post(f"{url}/acknowledge", {"lock_version": 1}, "application/json").json()["status"]
        == "acknowledged"
    )
    stale = pair.post(f"{url}/acknowledge", {"lock_version": 1}, "application/json")
    assert_problem(stale, 409, "stale_version")
    rectifying = pair.post(
        f"{url}/rectification",
        {"text": "方案", "tasks": [{"title": "整改", "due_date": "2021-06-20"}]},
        "application/json",
    ).json()
    assert rectifying["status"] == "rectifying" and rectifying["tasks"][0]["title"] == "整改"
    bad = pair.post(f"{url}/progress", {"text": "进展", "files": _exe()})
    assert_problem(bad, 422, "unsupported_file_type")
    reported = pair.post(f"{url}/progress", {"text": "进展"}).json()
    assert reported["status"] == "reported"
    closed = ministry.post(f"{url}/close", {"note": "好"}, "application/json").json()
    assert closed["status"] == "closed"
    assert [s["kind"] for s in closed["steps"]][-1] == "verified_closed"
    history = ministry.get(f"{url}/history").json()
    assert len(history) >= 5


def test_api_bad_input_is_problem_json(supervisor: Any, tianjin_henan: Any, api: Any) -> None:
    client = api(supervisor)
    before = state()
    past = client.post(
        f"/api/v1/pairings/{tianjin_henan.pk}/notices",
        {"required_actions": "整改", "deadline": "2021-05-01"},
        "application/json",
    )
    body = assert_problem(past, 422, "deadline_not_future")
    assert "deadline" in body["errors"]
    empty = client.post(
        f"/api/v1/pairings/{tianjin_henan.pk}/notices",
        {"required_actions": "", "deadline": "2021-07-01"},
        "application/json",
    )
    assert_problem(empty, 422, "required_actions_required")
    assert state() == before


def _exe() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.exe", b"MZ\x90\x00\x03" + b"\x00" * 300)
