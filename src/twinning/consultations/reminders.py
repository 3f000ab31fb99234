"""Response deadlines: remind before an unanswered problem falls due, escalate once it has.

Run by cron through `twinning send-reminders`. Each problem is claimed with a conditional update
of its stamp (`reminded_at`, `escalated_at`) inside the same transaction that notifies, so two
runs, even overlapping ones, tell people once.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import Role, User
from twinning.consultations import queries
from twinning.consultations.models import Assignment, Problem
from twinning.core.models import AuditEntry
from twinning.core.permissions import covers, is_ministry
from twinning.notifications.events import Event
from twinning.notifications.services import Message, notify_many
from twinning.regions.models import Region


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


BATCH = 100


@dataclass(frozen=True)
class _Kind:
    """A reminder or an escalation: its stamp, event, message and history note."""

    stamp: str
    event: str
    note: str


REMINDER = _Kind("reminded_at", Event.REMINDER, gettext_noop("已发送答复期限提醒"))
ESCALATION = _Kind("escalated_at", Event.ESCALATION, gettext_noop("逾期未答复，已提请部里督办"))


def _claim(ids: list[int], kind: _Kind, now: dt.datetime) -> list[Problem]:
    """Set the stamp on the problems that still need it and still await an answer; the problems
    this run won. The conditional UPDATE is atomic per row (a concurrent run's UPDATE waits for
    the row and then finds the stamp set), and this run's own `now` tells its rows apart."""
    Problem.objects.filter(
        pk__in=ids, status__in=Problem.AWAITING, archived_at__isnull=True, **{kind.stamp: None}
    ).update(**{kind.stamp: now})
    return list(
        Problem.objects.filter(pk__in=ids, **{kind.stamp: now})
        .select_related("pairing__leading_region", "pairing__partner_region")
        .order_by("response_due", "pk")
    )


class _People:
    """Recipients looked up once per run: coordinators per leading region, assigned experts per
    problem, the Ministry's supervisors — with their organisations, so that checking who may
    see a problem needs no query."""

    def __init__(self) -> None:
        self._coordinators: dict[str, list[User]] = {}
        self._supervisors: list[User] | None = None

    def coordinators(self, region: Region) -> list[User]:
        if region.code not in self._coordinators:
            self._coordinators[region.code] = list(
                queries.side_users(region, [Role.COORDINATOR]).select_related(
                    "organisation__region"
                )
            )
        return self._coordinators[region.code]

    def supervisors(self) -> list[User]:
        if self._supervisors is None:
            self._supervisors = list(
                User.objects.filter(is_active=True, role=Role.SUPERVISOR).select_related(
                    "organisation__region"
                )
            )
        return self._supervisors

    @staticmethod
    def assigned(problems: list[Problem]) -> dict[int, list[User]]:
        experts: dict[int, list[User]] = defaultdict(list)
        rows = Assignment.objects.filter(
            problem__in=problems, expert__is_active=True
        ).select_related("expert__organisation__region")
        for row in rows:
            experts[row.problem_id].append(row.expert)
        return experts


def _may_see(problem: Problem, assigned: list[User]) -> Callable[[User], bool]:
    """The visibility rule of `queries.visible_problems`, for these recipients, in memory: the
    Ministry, the pair's two sides, and the experts assigned to the problem."""
    assigned_ids = {u.pk for u in assigned}

    def check(user: User) -> bool:
        pairing = problem.pairing
        return (
            is_ministry(user)
            or covers(user, pairing.leading_region)
            or covers(user, pairing.partner_region)
            or user.pk in assigned_ids
        )

    return check


def _message(problem: Problem, kind: _Kind) -> str:
    if kind is REMINDER:
        return _("难题即将到期，请尽快解答：%(title)s") % {"title": problem.title}
    return _("难题逾期未答复，请督办：%(pair)s · %(title)s") % {
        "pair": problem.pairing,
        "title": problem.title,
    }


def _send_batch(ids: list[int], kind: _Kind, now: dt.datetime, people: _People) -> int:
    """Claim a batch, tell the right people about each problem, record it; one transaction."""
    with transaction.atomic():
        problems = _claim(ids, kind, now)
        experts = _People.assigned(problems) if kind is REMINDER else {}
        entries = []
        messages = []
        for problem in problems:
            if kind is REMINDER:
                recipients = people.coordinators(problem.pairing.leading_region) + experts.get(
                    problem.pk, []
                )
            else:
                recipients = people.supervisors()
            due = date_format(timezone.localtime(problem.response_due), "Y-m-d H:i")
            messages.append(
                Message(
                    event=kind.event,
                    pairing=problem.pairing,
                    recipients=recipients,
                    can_see=_may_see(problem, experts.get(problem.pk, [])),
                    title=_message(problem, kind),
                    body=_("答复期限：%(due)s") % {"due": due},
                    url=reverse("consultations:detail", args=[problem.pk]),
                )
            )
            entries.append(
                AuditEntry(
                    action="update",
                    target_type=Problem._meta.label_lower,
                    target_id=str(problem.pk),
                    target_label=str(problem)[:200],
                    pairing=problem.pairing,
                    changes={kind.stamp: [None, now.isoformat()]},
                    note=kind.note,
                )
            )
        notify_many(messages)
        AuditEntry.objects.bulk_create(entries)
        return len(problems)


def send_reminders(now: dt.datetime | None = None) -> ReminderRun:
    """Remind and escalate every problem that needs it, once each, in batches."""
    now = now or timezone.now()
    due = candidates(now)
    people = _People()
    counts = {}
    for kind, wanted in (
        (REMINDER, [pk for pk, _due, remind, _esc in due if remind]),
        (ESCALATION, [pk for pk, _due, _rem, escalate in due if escalate]),
    ):
        counts[kind.stamp] = sum(
            _send_batch(wanted[i : i + BATCH], kind, now, people)
            for i in range(0, len(wanted), BATCH)
        )
    return ReminderRun(reminded=counts["reminded_at"], escalated=counts["escalated_at"])
