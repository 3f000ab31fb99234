"""Exchange statistics, scoped to what the actor sees, from a handful of aggregate queries.

Breakdowns (kind, direction, pair, province, month) count the live exchanges that were not
cancelled, planned ones included; `held` counts only those marked as held. An exchange counts
for the province of each side of its pair (once when both sides lie in one province).
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from twinning.core.permissions import is_ministry
from twinning.exchanges.models import Direction, Exchange
from twinning.exchanges.queries import ExchangeFilters, filtered, shift_month
from twinning.pairings.models import Pairing, choice_label
from twinning.plans.models import Method
from twinning.regions.models import Region

RECENT_MONTHS = 6


@dataclass
class Stats:
    national: bool
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: list[dict[str, Any]] = field(default_factory=list)
    by_direction: list[dict[str, Any]] = field(default_factory=list)
    by_pair: list[dict[str, Any]] = field(default_factory=list)
    by_province: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)
    visits: dict[str, int] = field(default_factory=dict)
    recent_since: dt.date | None = None

    @property
    def held(self) -> int:
        return self.by_status.get(Exchange.Status.HELD, 0)

    @property
    def planned(self) -> int:
        return self.by_status.get(Exchange.Status.PLANNED, 0)

    @property
    def cancelled(self) -> int:
        return self.by_status.get(Exchange.Status.CANCELLED, 0)

    @property
    def quiet_pairs(self) -> list[dict[str, Any]]:
        """Pairs with no exchange in the last six months (the Ministry's watch list)."""
        return [row for row in self.by_pair if row["recent"] == 0]

    def chart_data(self) -> dict[str, Any]:
        """What the page's charts draw (for json_script)."""
        return {
            "labels": {"held": gettext("已举办"), "planned": gettext("计划中")},
            "months": [row["month"] for row in self.by_month],
            "held": [row["held"] for row in self.by_month],
            "planned": [row["planned"] for row in self.by_month],
            "kinds": [row["label"] for row in self.by_kind],
            "kind_counts": [row["count"] for row in self.by_kind],
            "provinces": [row["name"] for row in self.by_province[:20]],
            "province_counts": [row["count"] for row in self.by_province[:20]],
        }


def _province(path: str) -> str:
    return path.strip("/").split("/")[0]


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = shift_month(month, 1)
    return months


def stats_for(
    actor: Any, filters: ExchangeFilters | None = None, today: dt.date | None = None
) -> Stats:
    """The numbers of the statistics page and API for the exchanges the actor sees."""
    filters = filters or ExchangeFilters()
    today = today or timezone.localdate()
    since = shift_month(today.replace(day=1), -RECENT_MONTHS) + dt.timedelta(days=today.day - 1)
    since = min(since, today)
    stats = Stats(national=is_ministry(actor), recent_since=since)
    scoped = filtered(Exchange.objects.visible_to(actor), filters).order_by()
    counting = scoped.exclude(status=Exchange.Status.CANCELLED)

    # 1. statuses
    stats.by_status = {
        row["status"]: row["n"] for row in scoped.values("status").annotate(n=Count("pk"))
    }
    stats.total = sum(stats.by_status.values())
    # 2. kinds
    kinds = {row["kind"]: row["n"] for row in counting.values("kind").annotate(n=Count("pk"))}
    stats.by_kind = [
        {"code": code, "label": str(label), "count": kinds.get(code, 0)}
        for code, label in Method.choices
    ]
    # 3. directions, and so the visits each way
    directions = {
        row["direction"]: row["n"] for row in counting.values("direction").annotate(n=Count("pk"))
    }
    stats.by_direction = [
        {"code": code, "label": str(label), "count": directions.get(code, 0)}
        for code, label in Direction.choices
    ]
    stats.visits = {
        Direction.LEADING_TO_PARTNER.value: directions.get(Direction.LEADING_TO_PARTNER, 0),
        Direction.PARTNER_TO_LEADING.value: directions.get(Direction.PARTNER_TO_LEADING, 0),
    }
    # 4. pairs (all of them, and in the last six months); provinces follow from the pairs
    per_pair = {
        row["pairing_id"]: row
        for row in counting.values("pairing_id").annotate(
            n=Count("pk"),
            recent=Count("pk", filter=Q(start_date__gte=since, start_date__lte=today)),
        )
    }
    pairs = (
        Pairing.objects.visible_to(actor)
        .filter(Q(pk__in=list(per_pair)) | Q(archived_at__isnull=True, status="active"))
        .values_list(
            "pk",
            "leading_region__name",
            "partner_region__name",
            "leading_region__path",
            "partner_region__path",
        )
        .order_by("leading_region__code", "partner_region__code")
    )
    if filters.pairing is not None:
        pairs = pairs.filter(pk=filters.pairing)
    provinces: Counter[str] = Counter()
    for pk, leading, partner, leading_path, partner_path in pairs:
        row = per_pair.get(pk, {"n": 0, "recent": 0})
        stats.by_pair.append(
            {
                "pairing_id": pk,
                "label": f"{leading}—{partner}",
                "count": row["n"],
                "recent": row["recent"],
            }
        )
        for code in {_province(leading_path), _province(partner_path)}:
            if row["n"]:
                provinces[code] += row["n"]
    if filters.province:
        provinces = Counter({k: v for k, v in provinces.items() if k == filters.province})
    # 5. province names
    names = dict(Region.objects.filter(code__in=list(provinces)).values_list("code", "name"))
    stats.by_province = [
        {"code": code, "name": names.get(code, code), "count": n}
        for code, n in sorted(provinces.items(), key=lambda item: (-item[1], item[0]))
    ]
    # 6. months
    monthly: dict[dt.date, dict[str, int]] = {}
    month_rows = (
        counting.annotate(month=TruncMonth("start_date"))
        .values_list("month", "status")
        .annotate(n=Count("pk"))
    )
    for month_value, status, n in month_rows:
        month = month_value.date() if isinstance(month_value, dt.datetime) else month_value
        monthly.setdefault(month, {})[status] = n
    if monthly:
        for month in _months(min(monthly), max(monthly)):
            counts = monthly.get(month, {})
            stats.by_month.append(
                {
                    "month": f"{month:%Y-%m}",
                    "held": counts.get(Exchange.Status.HELD, 0),
                    "planned": counts.get(Exchange.Status.PLANNED, 0),
                }
            )
    return stats


def kind_label(code: str) -> str:
    return choice_label(Method, code)
