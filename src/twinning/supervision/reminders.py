"""The daily job on notices: remind before the deadline, and escalate overdue notices.

Run by cron through `twinning remind-notices` (or the `remind_notices_task` background task).
A notice due within `DUE_SOON_DAYS` is reminded once (NOTICE_DUE). An open notice past its
deadline is escalated one level and its pair told it is overdue (NOTICE_OVERDUE, plus
NOTICE_ESCALATED to the Ministry and the provinces' coordinators); while it stays open it is
escalated again every `ESCALATE_EVERY_DAYS` days. Each notice is claimed with a conditional
update of its stamp (`due_reminded_on`, `overdue_escalated_on`), so a second run on the same day,
even an overlapping one, sends nothing twice; every reminder and escalation is a step of the
notice's timeline.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.notifications.events import Event
from twinning.notifications.services import Message, notify_many
from twinning.supervision import services
from twinning.supervision.models import Notice, NoticeStep

DUE_SOON_DAYS = 3
ESCALATE_EVERY_DAYS = 7
DUE_TEXT = gettext_noop("督办事项将于 %(deadline)s 到期，已提醒结对双方协调员。")
OVERDUE_TEXT = gettext_noop("逾期 %(days)s 天未办结，系统自动升级督办（第 %(level)s 级）。")


@dataclass(frozen=True)
class ReminderRun:
    reminded: int
    escalated: int


def _open() -> Q:
    return Q(status__in=Notice.OPEN_STATUSES, archived_at__isnull=True)


def due_soon(today: dt.date) -> list[int]:
    """Open notices due within the next days that were not reminded yet."""
    return list(
        Notice.objects.filter(_open())
        .filter(
            deadline__gte=today,
            deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
            due_reminded_on__isnull=True,
        )
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )


def to_escalate(today: dt.date) -> list[int]:
    """Overdue open notices not escalated by the job in the last `ESCALATE_EVERY_DAYS` days."""
    again = today - dt.timedelta(days=ESCALATE_EVERY_DAYS)
    return list(
        Notice.objects.filter(_open())
        .filter(deadline__lt=today)
        .filter(Q(overdue_escalated_on__isnull=True) | Q(overdue_escalated_on__lte=again))
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )


def _claimed(pk: int, stamp: str, today: dt.date, condition: Q) -> Notice | None:
    """Set the stamp if the notice still needs it; the notice, locked, when this run won it."""
    won = Notice.objects.filter(_open(), condition, pk=pk).update(**{stamp: today})
    if not won:
        return None
    return (
        Notice.objects.select_for_update(of=("self",))
        .select_related("pairing__leading_region", "pairing__partner_region", "issued_by")
        .get(pk=pk)
    )


def _remind(pk: int, today: dt.date) -> bool:
    with transaction.atomic():
        notice = _claimed(pk, "due_reminded_on", today, Q(due_reminded_on__isnull=True))
        if notice is None:
            return False
        params = {"deadline": notice.deadline.isoformat()}
        NoticeStep.objects.create(
            notice=notice, kind=NoticeStep.Kind.REMINDED, system_text=DUE_TEXT, params=params
        )
        title = _("督办事项即将到期：%(number)s") % {"number": notice.number}
        notify_many(
            [
                services.notice_message(
                    notice,
                    Event.NOTICE_DUE,
                    services.pair_coordinators(notice.pairing),
                    title,
                    None,
                )
            ]
        )
        return True


def _escalate(pk: int, today: dt.date) -> bool:
    again = today - dt.timedelta(days=ESCALATE_EVERY_DAYS)
    condition = Q(overdue_escalated_on__isnull=True) | Q(overdue_escalated_on__lte=again)
    with transaction.atomic():
        notice = _claimed(pk, "overdue_escalated_on", today, condition & Q(deadline__lt=today))
        if notice is None:
            return False
        days = (today - notice.deadline).days
        params = {"days": days, "level": notice.escalation_level + 1}
        notice = services.raise_level(notice, None, "", system_text=OVERDUE_TEXT, params=params)
        overdue: Message = services.notice_message(
            notice,
            Event.NOTICE_OVERDUE,
            services.pair_coordinators(notice.pairing),
            _("督办事项已逾期 %(days)s 天：%(number)s") % {"days": days, "number": notice.number},
            None,
        )
        notify_many([overdue, *services.escalation_messages(notice, None)])
        return True


def remind_notices(today: dt.date | None = None) -> ReminderRun:
    """Remind of the notices falling due and escalate the overdue ones, once each."""
    today = today or timezone.localdate()
    reminded = sum(_remind(pk, today) for pk in due_soon(today))
    escalated = sum(_escalate(pk, today) for pk in to_escalate(today))
    return ReminderRun(reminded=reminded, escalated=escalated)
