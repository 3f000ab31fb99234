"""Reporting reminders: due before the deadline, overdue after it, each once."""

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from twinning.accounts.models import Role
from twinning.accounts.tests.factories import make_user
from twinning.core.models import AuditEntry
from twinning.indicators import completeness, queries, reminders
from twinning.indicators.models import Indicator, Period
from twinning.indicators.tests.reports_factory import make_period, make_report
from twinning.notifications.events import Event
from twinning.notifications.models import Notification

DEADLINE = dt.date(2025, 4, 10)
BEFORE_WINDOW = dt.date(2025, 4, 6)
IN_WINDOW = dt.date(2025, 4, 8)
AFTER = dt.date(2025, 4, 11)


def told(event: str, period: str = "2025-03") -> dict[str, list[str]]:
    """Usernames → titles of the notifications of `event` about `period`."""
    found: dict[str, list[str]] = {}
    rows = Notification.objects.filter(event=event, title__contains=period)
    for username, title in rows.values_list("recipient__username", "title"):
        found.setdefault(username, []).append(title)
    return found


@pytest.fixture
def march(catalogue: dict[str, Indicator], month_values: Callable[..., Any]) -> Period:
    """March 2025 (deadline 10 April): 天津 has submitted, 河南 has a draft, the rest nothing."""
    period = make_period("2025-03", deadline=DEADLINE)
    make_report("120000", "2025-03", month_values(), status="submitted")
    make_report("410000", "2025-03", month_values())
    return period


@pytest.fixture
def people(
    henan: Any, henan_member: Any, henan_expert: Any, tianjin: Any, xuchang: Any, supervisor: Any
) -> None:
    Notification.objects.all().delete()


def sent(event: str, period: str = "2025-03") -> set[str]:
    """The region codes recorded as told about `period`."""
    prefix = f"{event}/{period}/"
    keys = AuditEntry.objects.filter(
        target_type=queries.REMINDER_TARGET_TYPE, target_id__startswith=prefix
    ).values_list("target_id", flat=True)
    return {key.removeprefix(prefix) for key in keys}


def missing() -> set[str]:
    return {r.code for r in completeness.missing_reports("2025-03")}


def test_before_the_window_nothing_is_sent(march: Period, people: None) -> None:
    run = reminders.send_reminders(today=BEFORE_WINDOW)
    assert "2025-03" in run.periods
    assert not told(Event.REPORT_DUE) and not told(Event.REPORT_MISSING)
    assert not sent(Event.REPORT_DUE) and not sent(Event.REPORT_MISSING)


def test_due_reminders_go_to_the_coordinators_and_members_of_regions_not_submitted(
    march: Period, people: None
) -> None:
    run = reminders.send_reminders(today=IN_WINDOW)
    assert sent(Event.REPORT_DUE) == missing() and run.due >= len(missing())
    assert "410000" in missing() and "120000" not in missing()
    due = told(Event.REPORT_DUE)
    # 河南 (a draft) is told, its members too; the expert only reads; the Ministry waits.
    title = "%s 2025-03指标填报将于2025-04-10截止"
    assert title % "河南省" in due["henan"] and title % "河南省" in due["henan_member"]
    assert not {"henan_expert", "ministry"} & set(due)
    # 天津 submitted; its districts have no users of their own, so 天津's coordinator hears.
    assert title % "天津市" not in due["tianjin"] and title % "和平区" in due["tianjin"]
    # 信阳 has no users either: 河南's are told; 许昌 has its own coordinator.
    assert title % "信阳市" in due["henan"]
    assert due["xuchang"] == [title % "许昌市"] and title % "许昌市" not in due["henan"]
    assert not told(Event.REPORT_MISSING)


def test_running_twice_sends_once(march: Period, people: None) -> None:
    first = reminders.send_reminders(today=IN_WINDOW)
    count = Notification.objects.count()
    second = reminders.send_reminders(today=IN_WINDOW)
    assert first.regions > 0 and second.regions == 0
    assert Notification.objects.count() == count
    keys = AuditEntry.objects.filter(target_type=queries.REMINDER_TARGET_TYPE)
    assert keys.count() == first.regions
    assert keys.filter(target_id="report_due/2025-03/410000").count() == 1


def test_after_the_deadline_overdue_regions_are_told_and_the_ministry_copied_once(
    march: Period, people: None, henan: Any
) -> None:
    reminders.send_reminders(today=IN_WINDOW)
    reminders.send_reminders(today=AFTER)
    again = reminders.send_reminders(today=AFTER + dt.timedelta(days=1))
    assert sent(Event.REPORT_MISSING) == missing()
    assert again.regions == 0
    overdue = told(Event.REPORT_MISSING)
    assert "河南省 2025-03指标填报已逾期未报" in overdue["henan"]
    assert "天津市 2025-03指标填报已逾期未报" not in overdue["tianjin"]
    assert "henan_expert" not in overdue
    (copy,) = overdue["ministry"]
    assert copy == f"2025-03指标填报：{len(missing())}个地区逾期未报"
    body = Notification.objects.get(recipient__username="ministry", title=copy).body
    assert body.startswith("截止日期2025-04-10。逾期未报：北京市、")
    assert f"等{len(missing())}个地区" in body and "天津市" not in body
    history = queries.history_of(henan, queries.report_for(henan, "410000", "2025-03"))
    assert [e.target_id for e in history] == [
        "report_missing/2025-03/410000",
        "report_due/2025-03/410000",
    ]


def test_a_region_that_submits_after_the_due_reminder_is_not_told_it_is_overdue(
    march: Period, people: None
) -> None:
    reminders.send_reminders(today=IN_WINDOW)
    march.reports.filter(region_id="410000").update(status="submitted")
    reminders.send_reminders(today=AFTER)
    assert "河南省 2025-03指标填报已逾期未报" not in told(Event.REPORT_MISSING).get("henan", [])


def test_asking_for_a_period_sends_the_due_reminder_before_the_window(
    march: Period, people: None
) -> None:
    run = reminders.send_reminders(period_code="2025-03", today=BEFORE_WINDOW)
    assert run.periods == ["2025-03"] and run.due > 0
    assert "henan" in told(Event.REPORT_DUE)


def test_the_window_is_a_setting(march: Period, people: None, settings: Any) -> None:
    settings.TWINNING_REPORT_REMINDER_DAYS_BEFORE = 5
    assert reminders.send_reminders(today=dt.date(2025, 4, 5)).due > 0


def test_the_default_run_looks_at_recent_periods_of_each_type_in_use(
    catalogue: dict[str, Indicator],
) -> None:
    Indicator.objects.get_or_create(
        code="test_capacity_tpd",
        defaults={"name": "测试年度能力", "unit": "t/d", "period_type": "year"},
    )
    codes = reminders.recent_periods(dt.date(2025, 4, 8))
    assert {"2025-04", "2025-03", "2025-02", "2025", "2024", "2023"} <= set(codes)


def test_inactive_users_are_not_told(march: Period, people: None, henan_member: Any) -> None:
    henan_member.is_active = False
    henan_member.save(update_fields=["is_active"])
    other = make_user(Role.MEMBER, "410000", username="henan_member2")
    reminders.send_reminders(today=IN_WINDOW)
    due = told(Event.REPORT_DUE)
    assert "henan_member" not in due and other.username in due


def test_the_command_reminds_and_reports_counts(march: Period, people: None) -> None:
    out = io.StringIO()
    call_command("remind_reports", "--period", "2025-03", "--today", "2025-04-11", stdout=out)
    assert "overdue: " in out.getvalue() and "due: 0" in out.getvalue()
    assert "henan" in told(Event.REPORT_MISSING)
    again = io.StringIO()
    call_command("remind_reports", "--period", "2025-03", "--today", "2025-04-12", stdout=again)
    assert "due: 0, overdue: 0" in again.getvalue()


def test_the_command_refuses_a_bad_period_or_day(catalogue: dict[str, Indicator]) -> None:
    with pytest.raises(CommandError):
        call_command("remind_reports", "--period", "March")
    with pytest.raises(CommandError):
        call_command("remind_reports", "--today", "yesterday")
    assert not Notification.objects.exists()
