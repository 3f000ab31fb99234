"""Reading exchanges, always starting from what the actor may see (outsiders get 404)."""

import calendar
import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from twinning.accounts.models import Role
from twinning.core.errors import Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.exchanges.models import CalendarFeed, Exchange, ExchangeFile, FollowUp
from twinning.exchanges.permissions import can_record
from twinning.pairings.models import Pairing
from twinning.pairings.permissions import is_admin
from twinning.pairings.queries import readable_history

SORTS = {
    "date": ("start_date",),
    "pair": ("pairing__leading_region__code", "pairing__partner_region__code", "start_date"),
    "kind": ("kind", "start_date"),
    "status": ("status", "start_date"),
    "participants": ("participant_count", "start_date"),
    "updated": ("updated_at",),
}
DEFAULT_SORT = "-date"


@dataclass(frozen=True)
class ExchangeFilters:
    pairing: int | None = None
    province: str | None = None
    kind: str | None = None
    direction: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    topic: str | None = None
    q: str | None = None
    archived: bool = False
    sort: str = DEFAULT_SORT


def visible_exchanges(actor: Any) -> QuerySet[Exchange]:
    return Exchange.objects.visible_to(actor).select_related(
        "pairing__leading_region", "pairing__partner_region"
    )


def filtered(exchanges: QuerySet[Exchange], filters: ExchangeFilters) -> QuerySet[Exchange]:
    """The filters of the list (and of the statistics) applied to a scoped queryset."""
    exchanges = exchanges.filter(archived_at__isnull=not filters.archived)
    if filters.pairing is not None:
        exchanges = exchanges.filter(pairing_id=filters.pairing)
    if filters.province:
        prefix = f"/{filters.province}/"
        exchanges = exchanges.filter(
            Q(pairing__leading_region__path__startswith=prefix)
            | Q(pairing__partner_region__path__startswith=prefix)
        )
    if filters.kind:
        exchanges = exchanges.filter(kind=filters.kind)
    if filters.direction:
        exchanges = exchanges.filter(direction=filters.direction)
    if filters.status:
        exchanges = exchanges.filter(status=filters.status)
    if filters.date_from:
        exchanges = exchanges.filter(end_date__gte=filters.date_from)
    if filters.date_to:
        exchanges = exchanges.filter(start_date__lte=filters.date_to)
    if filters.topic:
        exchanges = exchanges.filter(topics__code=filters.topic)
    if filters.q:
        text = filters.q.strip()
        exchanges = exchanges.filter(
            Q(title__icontains=text)
            | Q(place__icontains=text)
            | Q(summary__icontains=text)
            | Q(pairing__leading_region__name__contains=text)
            | Q(pairing__partner_region__name__contains=text)
        )
    return exchanges


def list_exchanges_for(
    actor: Any, filters: ExchangeFilters = ExchangeFilters()
) -> QuerySet[Exchange]:
    """The exchanges the actor may see, filtered and sorted (newest first by default)."""
    descending = filters.sort.startswith("-")
    keys = SORTS.get(filters.sort.lstrip("-"), SORTS["date"])
    if filters.sort.lstrip("-") not in SORTS:
        descending = True
    ordering = [f"-{k}" if descending else k for k in keys]
    ordering.append("-id" if descending else "id")
    return filtered(visible_exchanges(actor), filters).order_by(*ordering)


def _not_found() -> NotFound:
    return NotFound(_("交流活动不存在，或您无权查看。"))


def get_exchange_for(actor: Any, exchange_id: int) -> Exchange:
    """One exchange the actor may see (archived ones included), else NotFound."""
    exchange = (
        visible_exchanges(actor)
        .select_related("created_by", "updated_by", "archived_by")
        .filter(pk=exchange_id)
        .first()
    )
    if exchange is None:
        raise _not_found()
    return exchange


def get_exchange_detail_for(actor: Any, exchange_id: int) -> Exchange:
    """An exchange with its topics, delegates, files and follow-up tasks loaded."""
    exchange = (
        visible_exchanges(actor)
        .select_related("created_by", "updated_by", "archived_by")
        .prefetch_related(
            "topics",
            "delegates",
            "files__uploaded_by",
            "follow_ups__task__owner",
        )
        .filter(pk=exchange_id)
        .first()
    )
    if exchange is None:
        raise _not_found()
    return exchange


def get_file_for(actor: Any, file_id: int) -> ExchangeFile:
    """A file of an exchange the actor may see (downloads check this), else NotFound."""
    record = (
        ExchangeFile.objects.filter(pk=file_id, exchange__in=Exchange.objects.visible_to(actor))
        .select_related("exchange__pairing")
        .first()
    )
    if record is None:
        raise NotFound(_("文件不存在，或您无权查看。"))
    return record


def follow_ups_of(exchange: Exchange) -> list[FollowUp]:
    return list(exchange.follow_ups.select_related("task__plan", "task__owner").order_by("id"))


# Audit keys that are not fields of the model (lists written with the exchange).
EXTRA_LABELS = {
    "delegate_names": gettext_lazy("参加人员"),
    "follow_up_tasks": gettext_lazy("后续任务"),
}


def _rows(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """`entry.change_rows`, with the labels of the keys that are not model fields."""
    rows = entry.change_rows
    return [(str(EXTRA_LABELS.get(label, label)), old, new) for label, old, new in rows]


def history_of(actor: Any, exchange: Exchange) -> list[AuditEntry]:
    """The recorded changes of the exchange and its files, newest first; each entry carries
    `rows` (label, old, new) for display."""
    file_ids = [str(pk) for pk in exchange.files.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(target_type="exchanges.exchange", target_id=str(exchange.pk))
        | Q(target_type="exchanges.exchangefile", target_id__in=file_ids)
    ).select_related("actor", "pairing")[:200]
    history = readable_history(actor, entries)
    for entry in history:
        entry.rows = _rows(entry)  # type: ignore[attr-defined]
    return history


def recordable_pairs(actor: Any) -> list[Pairing]:
    """The live pairs the actor may record exchanges for."""
    if not (is_admin(actor) or str(getattr(actor, "role", "")) in {Role.COORDINATOR, Role.MEMBER}):
        return []  # read-only roles record nothing: no need to load every pair
    pairs = (
        Pairing.objects.visible_to(actor)
        .live()
        .exclude(status=Pairing.Status.DECLINED)
        .select_related("leading_region", "partner_region")
    )
    return [p for p in pairs if can_record(actor, p)]


# ---------------------------------------------------------------- the calendar


def parse_month(value: str | None, today: dt.date | None = None) -> dt.date:
    """The first day of the month named "YYYY-MM"; this month when none is given."""
    today = today or timezone.localdate()
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return dt.date(year, month, 1)
    except (ValueError, TypeError) as exc:
        message = _("月份格式应为 YYYY-MM，例如 2026-05。")
        raise Invalid(message, code="invalid_month", fields={"month": [message]}) from exc


def shift_month(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class CalendarMonth:
    first: dt.date
    previous: dt.date
    next: dt.date
    # Weeks of (day, in this month, exchanges on that day), Monday first.
    weeks: list[list[tuple[dt.date, bool, list[Exchange]]]]
    exchanges: list[Exchange]


def exchanges_between(actor: Any, start: dt.date, end: dt.date) -> QuerySet[Exchange]:
    """Live exchanges the actor sees that overlap the days from `start` to `end`."""
    return (
        visible_exchanges(actor)
        .filter(archived_at__isnull=True, start_date__lte=end, end_date__gte=start)
        .order_by("start_date", "id")
    )


def calendar_month(actor: Any, first: dt.date) -> CalendarMonth:
    """The month's grid of the exchanges the actor sees, planned, held and cancelled."""
    weeks_of_days = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    grid_start, grid_end = weeks_of_days[0][0], weeks_of_days[-1][-1]
    rows = list(exchanges_between(actor, grid_start, grid_end))
    by_day: dict[dt.date, list[Exchange]] = defaultdict(list)
    for exchange in rows:
        day = max(exchange.start_date, grid_start)
        while day <= min(exchange.end_date, grid_end):
            by_day[day].append(exchange)
            day += dt.timedelta(days=1)
    weeks = [
        [(day, day.month == first.month, by_day.get(day, [])) for day in week]
        for week in weeks_of_days
    ]
    last = shift_month(first, 1) - dt.timedelta(days=1)
    in_month = [e for e in rows if e.start_date <= last and e.end_date >= first]
    return CalendarMonth(
        first=first,
        previous=shift_month(first, -1),
        next=shift_month(first, 1),
        weeks=weeks,
        exchanges=in_month,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_by_token(token: str) -> CalendarFeed:
    """The active feed a secret token belongs to, else NotFound (revoked ones too)."""
    feed = (
        CalendarFeed.objects.select_related("user__organisation__region")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise NotFound(_("日历订阅不存在或已失效。"))
    return feed


def active_feed_of(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
