"""The notice workflow through the services: issue → acknowledge → rectification plan →
progress → verify and close (or return, escalate), and every refusal leaving the data as before."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.notifications.models import Notification
from twinning.plans.models import Plan, Task
from twinning.supervision import services
from twinning.supervision.models import Notice, NoticeStep
from twinning.supervision.tests.factories import (
    advance,
    issue,
    rectification_tasks,
    state,
    upload,
    values,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_2021")]


def test_suggested_number_counts_up_within_the_year(supervisor: Any, tianjin_henan: Any) -> None:
    assert services.suggest_number(dt.date(2021, 6, 1)) == "建办城督〔2021〕1号"
    issue(supervisor, tianjin_henan, number="建办城督〔2021〕7号")
    assert services.suggest_number(dt.date(2021, 6, 1)) == "建办城督〔2021〕8号"
    assert services.suggest_number(dt.date(2022, 1, 1)) == "建办城督〔2022〕1号"


def test_issuing_records_the_notice_tells_both_sides_and_audits(
    supervisor: Any, tianjin: Any, henan: Any, jiangxi: Any, tianjin_henan: Any
) -> None:
    notice = issue(
        supervisor, tianjin_henan, guidance="meeting", guidance_date=dt.date(2021, 6, 10)
    )
    assert notice.status == Notice.Status.ISSUED
    assert notice.number == "建办城督〔2021〕1号"
    assert "天津" in notice.title and notice.issued_by == supervisor
    assert [s.kind for s in notice.steps.all()] == [NoticeStep.Kind.ISSUED]
    told = set(
        Notification.objects.filter(event="notice_issued").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"tianjin", "henan"} <= told and "jiangxi" not in told
    entry = AuditEntry.objects.get(target_type="supervision.notice", target_id=str(notice.pk))
    assert entry.action == "create" and entry.pairing == tianjin_henan


def test_the_whole_workflow_to_closure(
    supervisor: Any, tianjin: Any, henan: Any, tianjin_henan: Any
) -> None:
    notice = issue(supervisor, tianjin_henan)
    notice = services.acknowledge(actor=henan, notice_id=notice.pk, lock_version=1)
    assert notice.status == Notice.Status.ACKNOWLEDGED and notice.acknowledged_at
    notice = services.submit_rectification(
        actor=tianjin,
        notice_id=notice.pk,
        text="制定整改方案",
        tasks=rectification_tasks(2),
        lock_version=notice.lock_version,
    )
    assert notice.status == Notice.Status.RECTIFYING
    tasks = Task.objects.filter(origin=f"督办 {notice.number}").order_by("number")
    assert [t.title for t in tasks] == ["整改任务1", "整改任务2"]
    assert {t.plan.status for t in tasks} == {Plan.Status.IN_FORCE}
    assert tasks[0].plan.pairing == tianjin_henan
    step = notice.steps.get(kind=NoticeStep.Kind.PLAN_SUBMITTED)
    assert set(step.tasks.all()) == set(tasks)
    notice = services.report_progress(
        actor=henan, notice_id=notice.pk, text="已完成", files=[upload()]
    )
    assert notice.status == Notice.Status.REPORTED
    assert [f.original_name for f in notice.files.all()] == ["整改佐证.pdf"]
    notice = services.return_for_more(actor=supervisor, notice_id=notice.pk, note="佐证不足")
    assert notice.status == Notice.Status.RECTIFYING
    notice = services.report_progress(actor=henan, notice_id=notice.pk, text="补充佐证")
    notice = services.verify_and_close(actor=supervisor, notice_id=notice.pk, note="整改到位")
    assert notice.status == Notice.Status.CLOSED and notice.closed_by == supervisor
    assert [s.kind for s in notice.steps.order_by("at", "id")] == [
        "issued",
        "acknowledged",
        "plan_submitted",
        "progress_reported",
        "returned",
        "progress_reported",
        "verified_closed",
    ]
    transitions = AuditEntry.objects.filter(
        target_type="supervision.notice", target_id=str(notice.pk), action="transition"
    )
    assert transitions.count() == 6
    assert Notification.objects.filter(event="notice_updated", recipient=supervisor).exists()
    assert Notification.objects.filter(event="notice_updated", recipient=henan).exists()


def test_escalation_raises_the_level_and_tells_the_ministry_and_provinces(
    supervisor: Any, tianjin: Any, henan: Any, xuchang: Any, nankai_xuchang: Any
) -> None:
    notice = issue(supervisor, nankai_xuchang)
    notice = services.escalate(actor=supervisor, notice_id=notice.pk, note="进展迟缓")
    assert notice.escalation_level == 1 and notice.status == Notice.Status.ISSUED
    told = set(
        Notification.objects.filter(event="notice_escalated").values_list(
            "recipient__username", flat=True
        )
    )
    # The provinces above the district–city pair hear of it too.
    assert {"tianjin", "henan", "xuchang"} <= told


# ---------------------------------------------------------------- refusals leave data as before


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"deadline": dt.date(2021, 5, 31)}, "deadline", "deadline_not_future"),
        ({"deadline": dt.date(2021, 6, 1)}, "deadline", "deadline_not_future"),
        ({"required_actions": "  "}, "required_actions", "required_actions_required"),
        ({"reasons": ""}, "reasons", "reasons_required"),
        ({"number": ""}, "number", "number_required"),
        ({"guidance": "meeting", "guidance_date": None}, "guidance_date", "guidance_date_required"),
        ({"guidance": "party"}, "guidance", "invalid_guidance"),
    ],
)
def test_bad_notice_values_are_refused(
    supervisor: Any, tianjin_henan: Any, override: dict[str, Any], field: str, code: str
) -> None:
    before = state()
    with pytest.raises(Invalid) as exc:
        services.issue_notice(
            actor=supervisor, pairing_id=tianjin_henan.pk, values=values(**override)
        )
    assert exc.value.code == code and field in exc.value.fields
    assert exc.value.message
    assert state() == before


def test_a_used_number_is_refused_with_the_next_free_one(
    supervisor: Any, tianjin_henan: Any
) -> None:
    issue(supervisor, tianjin_henan, number="建办城督〔2021〕1号")
    before = state()
    with pytest.raises(Invalid) as exc:
        issue(supervisor, tianjin_henan, number="建办城督〔2021〕1号")
    assert exc.value.code == "number_taken"
    assert "建办城督〔2021〕2号" in exc.value.message
    assert state() == before


def test_only_the_ministry_issues(henan: Any, henan_expert: Any, tianjin_henan: Any) -> None:
    before = state()
    for actor in (henan, henan_expert):
        with pytest.raises(Forbidden):
            issue(actor, tianjin_henan)
    assert state() == before


def test_an_outsider_cannot_find_the_notice(
    supervisor: Any, jiangxi: Any, tianjin_henan: Any
) -> None:
    notice = issue(supervisor, tianjin_henan)
    before = state()
    for action in (
        lambda: services.acknowledge(actor=jiangxi, notice_id=notice.pk),
        lambda: services.report_progress(actor=jiangxi, notice_id=notice.pk, text="x"),
    ):
        with pytest.raises(NotFound):
            action()
    assert state() == before


def test_read_only_users_may_not_answer(
    supervisor: Any, henan_member: Any, henan_expert: Any, tianjin_henan: Any
) -> None:
    notice = issue(supervisor, tianjin_henan)
    before = state()
    for actor in (henan_member, henan_expert):
        with pytest.raises(Forbidden):
            services.acknowledge(actor=actor, notice_id=notice.pk)
    with pytest.raises(Forbidden):
        services.verify_and_close(actor=henan_member, notice_id=notice.pk)
    assert state() == before


def test_acting_twice_is_refused(
    supervisor: Any, henan: Any, tianjin: Any, tianjin_henan: Any
) -> None:
    notice = issue(supervisor, tianjin_henan)
    services.acknowledge(actor=henan, notice_id=notice.pk, lock_version=1)
    before = state()
    with pytest.raises(Conflict) as stale:
        services.acknowledge(actor=tianjin, notice_id=notice.pk, lock_version=1)
    assert stale.value.code == "stale_version"
    assert "henan" in stale.value.message or "河南" in stale.value.message
    with pytest.raises(Conflict) as again:
        services.acknowledge(actor=tianjin, notice_id=notice.pk)
    assert again.value.code == "invalid_transition"
    assert "已签收" in again.value.message
    assert state() == before


def test_transitions_only_from_their_statuses(
    supervisor: Any, henan: Any, tianjin_henan: Any
) -> None:
    notice = issue(supervisor, tianjin_henan)
    before = state()
    with pytest.raises(Conflict) as first:
        services.submit_rectification(
            actor=henan, notice_id=notice.pk, text="方案", tasks=rectification_tasks()
        )
    assert "请先签收" in first.value.message
    for action in (
        lambda: services.verify_and_close(actor=supervisor, notice_id=notice.pk),
        lambda: services.return_for_more(actor=supervisor, notice_id=notice.pk, note="x"),
        lambda: services.report_progress(actor=henan, notice_id=notice.pk, text="x"),
    ):
        with pytest.raises(Conflict) as exc:
            action()
        assert exc.value.code == "invalid_transition"
    assert state() == before
    closed = advance(notice, supervisor, henan, "closed")
    with pytest.raises(Conflict):
        services.escalate(actor=supervisor, notice_id=closed.pk)


@pytest.mark.parametrize(
    ("task", "code", "words"),
    [
        ({"title": "", "due_date": dt.date(2021, 7, 1)}, "title_required", "任务名称"),
        ({"title": "甲", "due_date": dt.date(2026, 1, 1)}, "due_after_plan", "2025-12-31"),
        ({"title": "甲", "due_date": dt.date(2021, 5, 1)}, "due_date_past", "早于今天"),
        ({"title": "甲"}, "due_date_required", "完成时限"),
        ({"title": "甲", "due_date": "2021-07-01", "side": "both"}, "invalid_side", "责任方"),
        ({"title": "甲", "due_date": "2021-07-01", "budget": 3}, "unknown_field", "budget"),
    ],
)
def test_bad_rectification_tasks_are_refused_and_nothing_is_added(
    supervisor: Any, henan: Any, tianjin_henan: Any, task: dict[str, Any], code: str, words: str
) -> None:
    notice = advance(issue(supervisor, tianjin_henan), supervisor, henan, "acknowledged")
    good = rectification_tasks(1)[0]
    before = state()
    with pytest.raises(Invalid) as exc:
        services.submit_rectification(
            actor=henan, notice_id=notice.pk, text="方案", tasks=[good, task]
        )
    assert exc.value.code == code
    assert exc.value.message.startswith("第 2 项整改任务")
    assert words in exc.value.message
    assert state() == before


def test_rectification_needs_text_and_tasks(
    supervisor: Any, henan: Any, tianjin_henan: Any
) -> None:
    notice = advance(issue(supervisor, tianjin_henan), supervisor, henan, "acknowledged")
    before = state()
    with pytest.raises(Invalid) as no_text:
        services.submit_rectification(
            actor=henan, notice_id=notice.pk, text=" ", tasks=rectification_tasks()
        )
    assert no_text.value.code == "text_required"
    with pytest.raises(Invalid) as no_tasks:
        services.submit_rectification(actor=henan, notice_id=notice.pk, text="方案", tasks=[])
    assert no_tasks.value.code == "tasks_required"
    assert state() == before


def test_no_plan_in_force_is_a_clear_conflict(
    supervisor: Any, tianjin: Any, henan: Any, tianjin_henan: Any
) -> None:
    notice = advance(issue(supervisor, tianjin_henan), supervisor, henan, "acknowledged")
    Plan.objects.filter(pairing=tianjin_henan).update(status=Plan.Status.FILED)
    before = state()
    with pytest.raises(Conflict) as exc:
        services.submit_rectification(
            actor=henan, notice_id=notice.pk, text="方案", tasks=rectification_tasks()
        )
    assert exc.value.code == "no_plan_in_force"
    assert "执行中的工作方案" in exc.value.message
    assert state() == before


def test_a_disallowed_file_is_refused_and_nothing_is_stored(
    supervisor: Any, henan: Any, tianjin_henan: Any
) -> None:
    notice = advance(issue(supervisor, tianjin_henan), supervisor, henan, "rectifying")
    before = state()
    with pytest.raises(Invalid) as exc:
        services.report_progress(
            actor=henan,
            notice_id=notice.pk,
            text="进展",
            files=[upload(), upload(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "a.exe")],
        )
    assert exc.value.code == "unsupported_file_type" and "files" in exc.value.fields
    assert state() == before


def test_returning_needs_a_note(supervisor: Any, henan: Any, tianjin_henan: Any) -> None:
    notice = advance(issue(supervisor, tianjin_henan), supervisor, henan, "reported")
    before = state()
    with pytest.raises(Invalid) as exc:
        services.return_for_more(actor=supervisor, notice_id=notice.pk, note="")
    assert exc.value.code == "note_required"
    assert state() == before


def test_archive_and_restore(supervisor: Any, henan: Any, tianjin_henan: Any) -> None:
    notice = issue(supervisor, tianjin_henan)
    with pytest.raises(Forbidden):
        services.archive_notice(actor=henan, notice_id=notice.pk)
    notice = services.archive_notice(actor=supervisor, notice_id=notice.pk)
    assert notice.is_archived
    with pytest.raises(Conflict):
        services.acknowledge(actor=henan, notice_id=notice.pk)
    notice = services.archive_notice(actor=supervisor, notice_id=notice.pk, archived=False)
    assert not notice.is_archived
    assert timezone.localdate() == dt.date(2021, 6, 1)
