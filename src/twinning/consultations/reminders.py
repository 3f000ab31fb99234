"""Response deadlines: remind before an unanswered problem falls due, escalate once it has.

Run by cron through `twinning send-reminders`. Each problem is claimed with a conditional update
of its stamp (`reminded_at`, `escalated_at`) inside the same transaction that notifies, so two
runs, even overlapping ones, tell people once.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import Role, User
from twinning.consultations import queries
from twinning.consultations.models import Problem
from twinning.core import audit
from twinning.notifications.events import Event
from twinning.notifications.services import notify


@dataclass(frozen=True)
class ReminderRun:
    reminded: int
    escalated: int


def candidates(now: dt.datetime) -> list[tuple[int, dt.datetime, bool, bool]]:
    """(id, due, remind?, escalate?) of unanswered problems that need a message, in one query
    on the (status, response_due) index."""
    soon = now + dt.timedelta(hours=settings.TWINNING_REMINDER_HOURS_BEFORE)
    rows = (
        Problem.objects.filter(
            status__in=Problem.AWAITING, response_due__lte=soon, archived_at__isnull=True
        )
        .filter(Q(reminded_at__isnull=True) | Q(response_due__lte=now, escalated_at__isnull=True))
        .order_by("response_due", "pk")
        .values_list("pk", "response_due", "reminded_at", "escalated_at")
    )
    return [
        (pk, due, reminded is None, due <= now and escalated is None)
        for pk, due, reminded, escalated in rows
    ]


def _claim(problem_id: int, stamp: str, now: dt.datetime) -> Problem | None:
    """Set the stamp if it is still empty and the problem still awaits an answer; the problem
    if this run won it, None if another run (or an answer) got there first."""
    claimed = Problem.objects.filter(
        pk=problem_id, status__in=Problem.AWAITING, archived_at__isnull=True, **{stamp: None}
    ).update(**{stamp: now})
    if not claimed:
        return None
    return Problem.objects.select_related("pairing__leading_region", "pairing__partner_region").get(
        pk=problem_id
    )


def _send(problem: Problem, event: str, recipients: QuerySet[User], title: str, note: str) -> None:
    due = date_format(timezone.localtime(problem.response_due), "Y-m-d H:i")
    notify(
        event=event,
        pairing=problem.pairing,
        recipients=list(recipients),
        can_see=lambda user: queries.can_see(user, problem.pk),
        title=title,
        body=_("答复期限：%(due)s") % {"due": due},
        url=reverse("consultations:detail", args=[problem.pk]),
        actor=None,
    )
    audit.record(actor=None, action="update", target=problem, pairing=problem.pairing, note=note)


def remind(problem_id: int, now: dt.datetime) -> bool:
    """Tell the assigned experts and the leading side's coordinators that the deadline nears."""
    with transaction.atomic():
        problem = _claim(problem_id, "reminded_at", now)
        if problem is None:
            return False
        leading = queries.side_users(problem.pairing.leading_region, [Role.COORDINATOR])
        recipients = User.objects.filter(
            Q(pk__in=leading.values("pk"))
            | Q(pk__in=problem.assignments.values("expert_id"), is_active=True)
        )
        _send(
            problem,
            Event.REMINDER,
            recipients,
            _("难题即将到期，请尽快解答：%(title)s") % {"title": problem.title},
            gettext_noop("已发送答复期限提醒"),
        )
        return True


def escalate(problem_id: int, now: dt.datetime) -> bool:
    """Tell the Ministry's supervisors that a problem is overdue without an answer."""
    with transaction.atomic():
        problem = _claim(problem_id, "escalated_at", now)
        if problem is None:
            return False
        _send(
            problem,
            Event.ESCALATION,
            User.objects.filter(is_active=True, role=Role.SUPERVISOR),
            _("难题逾期未答复，请督办：%(pair)s · %(title)s")
            % {"pair": problem.pairing, "title": problem.title},
            gettext_noop("逾期未答复，已提请部里督办"),
        )
        return True


def send_reminders(now: dt.datetime | None = None) -> ReminderRun:
    """Remind and escalate every problem that needs it, once each."""
    now = now or timezone.now()
    reminded = escalated = 0
    for problem_id, _due, needs_reminder, needs_escalation in candidates(now):
        if needs_reminder and remind(problem_id, now):
            reminded += 1
        if needs_escalation and escalate(problem_id, now):
            escalated += 1
    return ReminderRun(reminded=reminded, escalated=escalated)
