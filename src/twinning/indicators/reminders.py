"""Reporting reminders: tell a region its report is due, then that it is overdue.

Run by cron through `twinning remind-reports` (daily is enough) or by the Ministry's button on
the completeness page. From `TWINNING_REPORT_REMINDER_DAYS_BEFORE` days before a period's
deadline, every reporting region that has not submitted is told the report is due
(REPORT_DUE); once the deadline has passed, that it is overdue (REPORT_MISSING), with one copy
per run to the Ministry's supervisors listing the regions just told. The region's coordinators
and members are told — those of the region itself, or, where it has none, of the nearest region
containing it.

Each (event, period, region) is sent once: it is recorded as an audit entry keyed by
`queries.reminder_key`, looked up and written in the same transaction as the notifications,
with the period's row locked so that two overlapping runs take turns (on PostgreSQL; SQLite
lets one writer in at a time anyway).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from twinning.accounts.models import Role, User
from twinning.core.models import AuditEntry
from twinning.core.permissions import covers, is_ministry
from twinning.indicators import calc, completeness, queries, services
from twinning.indicators.models import Indicator, Period
from twinning.notifications.events import Event
from twinning.notifications.services import Message, notify_many
from twinning.regions.models import Region

# How many days before the deadline the "due" reminder goes out (a setting, default 3).
DAYS_BEFORE_SETTING = "TWINNING_REPORT_REMINDER_DAYS_BEFORE"
# By default the current period of each type and the two before it are looked at, and overdue
# reminders go out for this many days after a deadline (a run that missed a day catches up;
# older periods only when asked for by name).
PERIODS_BACK = 3
OVERDUE_WINDOW_DAYS = 30
# Names listed in the Ministry's copy before "等N个地区".
LISTED_NAMES = 20

NOTES = {
    Event.REPORT_DUE: gettext_noop("已发送指标填报截止提醒"),
    Event.REPORT_MISSING: gettext_noop("逾期未报，已提醒并抄送住房和城乡建设部"),
}


@dataclass
class ReminderRun:
    periods: list[str] = field(default_factory=list)  # the periods looked at
    due: int = 0  # regions told their report is due
    missing: int = 0  # regions told their report is overdue

    @property
    def regions(self) -> int:
        return self.due + self.missing


def days_before() -> int:
    return int(getattr(settings, DAYS_BEFORE_SETTING, 3))


def event_for(period: Period, today: dt.date, *, asked: bool = False) -> str | None:
    """Overdue in the window after the deadline, due in the window before it; when someone asked
    for this period, overdue any time after the deadline and due any time before it."""
    if period.is_past_deadline(today):
        recent = today <= period.deadline + dt.timedelta(days=OVERDUE_WINDOW_DAYS)
        return Event.REPORT_MISSING if asked or recent else None
    if asked or today >= period.deadline - dt.timedelta(days=days_before()):
        return Event.REPORT_DUE
    return None


def recent_periods(today: dt.date) -> list[str]:
    """The current period and the two before it, for each period type the catalogue uses."""
    kinds = (
        Indicator.objects.filter(archived_at__isnull=True)
        .order_by()
        .values_list("period_type", flat=True)
        .distinct()
    )
    codes = []
    for kind in sorted(set(kinds)):
        code = calc.period_code_of(today, kind)
        for _step in range(PERIODS_BACK):
            codes.append(code)
            code = calc.previous_period(code)
    return codes


def send_reminders(*, period_code: str | None = None, today: dt.date | None = None) -> ReminderRun:
    """Send what is due for one period, or for the recent periods of every type."""
    today = today or timezone.localdate()
    codes = [period_code] if period_code else recent_periods(today)
    run = ReminderRun(periods=codes)
    for code in codes:
        event = event_for(queries.period(code), today, asked=period_code is not None)
        if event is None:
            continue
        told = _remind(code, event)
        if event == Event.REPORT_DUE:
            run.due += told
        else:
            run.missing += told
    return run


@transaction.atomic
def _remind(period_code: str, event: str) -> int:
    """Tell every region that has not submitted and has not been told yet; how many."""
    period = services.ensure_period(period_code)
    # Overlapping runs queue here; the second then finds the first one's records.
    Period.objects.select_for_update(of=("self",)).filter(pk=period.pk).first()
    keys = {
        queries.reminder_key(event, period.code, region.code): region
        for region in completeness.missing_reports(period.code)
    }
    told = set(
        AuditEntry.objects.filter(
            target_type=queries.REMINDER_TARGET_TYPE, target_id__in=list(keys)
        ).values_list("target_id", flat=True)
    )
    todo = {key: region for key, region in keys.items() if key not in told}
    if not todo:
        return 0
    people = _reporters(list(todo.values()))
    messages = [_to_region(event, period, r, people[r.code]) for r in todo.values()]
    if event == Event.REPORT_MISSING:
        messages.append(_to_ministry(period, list(todo.values())))
    notify_many(messages)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action=AuditEntry.Action.CREATE,
            target_type=queries.REMINDER_TARGET_TYPE,
            target_id=key,
            target_label=f"{region.name} {period.code}"[:200],
            changes={},
            note=NOTES[Event(event)],
        )
        for key, region in todo.items()
    )
    return len(todo)


# ---------------------------------------------------------------- recipients


def _covering_paths(region: Region) -> list[str]:
    """The region's path and those of the regions containing it, deepest first."""
    parts = region.path.strip("/").split("/")
    return [f"/{'/'.join(parts[:i])}/" for i in range(len(parts), 0, -1)]


def _reporters(regions: list[Region]) -> dict[str, list[User]]:
    """Active coordinators and members per region code: the region's own, else those of the
    nearest region containing it. One query."""
    paths = {path for region in regions for path in _covering_paths(region)}
    by_path: dict[str, list[User]] = defaultdict(list)
    users = User.objects.filter(
        is_active=True,
        role__in=[Role.COORDINATOR, Role.MEMBER],
        organisation__region__path__in=paths,
    ).select_related("organisation__region")
    for user in users.order_by("pk"):
        by_path[user.organisation.region.path].append(user)  # type: ignore[union-attr]
    found: dict[str, list[User]] = {}
    for region in regions:
        found[region.code] = next(
            (by_path[p] for p in _covering_paths(region) if by_path.get(p)), []
        )
    return found


def _sees(region: Region) -> Callable[[User], bool]:
    return lambda user: covers(user, region)


# ---------------------------------------------------------------- messages


def _deadline(period: Period) -> str:
    return period.deadline.isoformat()


def _to_region(event: str, period: Period, region: Region, recipients: list[User]) -> Message:
    values = {"region": region.name, "period": period.code, "deadline": _deadline(period)}
    if event == Event.REPORT_DUE:
        title = _("%(region)s %(period)s指标填报将于%(deadline)s截止") % values
        body = _("%(period)s的指标数据尚未报送，请在%(deadline)s前填报并报送。") % values
    else:
        title = _("%(region)s %(period)s指标填报已逾期未报") % values
        body = _("报送截止日期为%(deadline)s，请尽快填报并报送；已抄送住房和城乡建设部。") % values
    return Message(
        event=event,
        pairing=None,
        recipients=recipients,
        can_see=_sees(region),
        title=title,
        body=body,
        url=reverse("indicators:report", kwargs={"region": region.code, "period": period.code}),
    )


def _to_ministry(period: Period, regions: list[Region]) -> Message:
    """One copy for the supervisors, listing the regions just told they are overdue."""
    count = len(regions)
    names = "、".join(r.name for r in regions[:LISTED_NAMES])
    if count > LISTED_NAMES:
        names = ngettext("%(names)s等%(count)d个地区", "%(names)s等%(count)d个地区", count) % {
            "names": names,
            "count": count,
        }
    title = ngettext(
        "%(period)s指标填报：%(count)d个地区逾期未报",
        "%(period)s指标填报：%(count)d个地区逾期未报",
        count,
    ) % {"period": period.code, "count": count}
    supervisors = User.objects.filter(is_active=True, role=Role.SUPERVISOR).select_related(
        "organisation__region"
    )
    return Message(
        event=Event.REPORT_MISSING,
        pairing=None,
        recipients=list(supervisors),
        can_see=is_ministry,
        title=title,
        body=_("截止日期%(deadline)s。逾期未报：%(names)s。已提醒各地区协调员和成员。")
        % {"deadline": _deadline(period), "names": names},
        url=f"{reverse('indicators:completeness')}?period={period.code}",
    )
