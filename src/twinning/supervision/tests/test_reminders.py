"""The daily job: remind once before the deadline, escalate overdue notices once a week."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from twinning.core.models import AuditEntry
from twinning.notifications.models import Notification
from twinning.supervision.models import Notice, NoticeStep
from twinning.supervision.reminders import remind_notices
from twinning.supervision.tests.factories import advance, issue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_2021")]
DEADLINE = dt.date(2021, 7, 1)


def _events(event: str) -> int:
    return Notification.objects.filter(event=event).count()


def test_a_notice_due_soon_is_reminded_once(
    supervisor: Any, tianjin: Any, henan: Any, tianjin_henan: Any
) -> None:
    notice = issue(supervisor, tianjin_henan, deadline=DEADLINE)
    assert remind_notices(DEADLINE - dt.timedelta(days=4)).reminded == 0
    run = remind_notices(DEADLINE - dt.timedelta(days=3))
    assert run.reminded == 1 and run.escalated == 0
    told = _events("notice_due")
    assert set(
        Notification.objects.filter(event="notice_due").values_list(
            "recipient__username", flat=True
        )
    ) == {"tianjin", "henan"}
    assert remind_notices(DEADLINE - dt.timedelta(days=2)).reminded == 0
    assert _events("notice_due") == told
    step = notice.steps.get(kind=NoticeStep.Kind.REMINDED)
    assert step.actor is None and "2021-07-01" in step.text_display


def test_overdue_notices_escalate_once_per_week(
    supervisor: Any, tianjin: Any, henan: Any, tianjin_henan: Any
) -> None:
    notice = issue(supervisor, tianjin_henan, deadline=DEADLINE)
    assert remind_notices(DEADLINE).escalated == 0  # due today is not overdue
    assert remind_notices(DEADLINE + dt.timedelta(days=1)).escalated == 1
    notice.refresh_from_db()
    assert notice.escalation_level == 1 and notice.updated_by is None
    assert _events("notice_overdue") >= 2
    assert Notification.objects.filter(event="notice_escalated", recipient=supervisor).exists()
    for day in range(2, 8):
        assert remind_notices(DEADLINE + dt.timedelta(days=day)).escalated == 0
    assert remind_notices(DEADLINE + dt.timedelta(days=8)).escalated == 1
    notice.refresh_from_db()
    assert notice.escalation_level == 2
    steps = notice.steps.filter(kind=NoticeStep.Kind.ESCALATED).order_by("at", "id")
    assert [s.actor for s in steps] == [None, None]
    assert "逾期 8 天" in steps[1].text_display
    entries = AuditEntry.objects.filter(
        target_type="supervision.notice", target_id=str(notice.pk), actor=None
    )
    assert entries.count() == 2


def test_closed_and_archived_notices_are_left_alone(
    supervisor: Any, henan: Any, tianjin_henan: Any
) -> None:
    closed = advance(
        issue(supervisor, tianjin_henan, deadline=DEADLINE), supervisor, henan, "closed"
    )
    archived = issue(supervisor, tianjin_henan, deadline=DEADLINE)
    Notice.objects.filter(pk=archived.pk).update(archived_at=closed.closed_at)
    run = remind_notices(DEADLINE + dt.timedelta(days=30))
    assert (run.reminded, run.escalated) == (0, 0)


def test_the_command_runs_for_a_given_day(supervisor: Any, tianjin_henan: Any) -> None:
    issue(supervisor, tianjin_henan, deadline=DEADLINE)
    out = StringIO()
    call_command("remind_notices", "--today", "2021-07-05", stdout=out)
    assert out.getvalue().strip() == "reminded: 0, escalated: 1"
    out = StringIO()
    call_command("remind_notices", "--today", "2021-07-05", stdout=out)
    assert out.getvalue().strip() == "reminded: 0, escalated: 0"


def test_the_command_refuses_a_bad_day() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("remind_notices", "--today", "tomorrow")
