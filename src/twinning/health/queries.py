"""Reading the health signal, always starting from the pairs the reader may see (else 404).

A pair's health is visible exactly when the pair is: the Ministry sees every pair; a region's
users see the pairs one of whose sides is their region or lies inside it.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from twinning.core.errors import NotFound
from twinning.health.models import HealthChange, Level, PairHealth
from twinning.pairings.models import Pairing

SORTS: dict[str, tuple[str, ...]] = {
    "risk": ("-score", "pairing__leading_region__code", "pairing__partner_region__code"),
    "pair": ("pairing__leading_region__code", "pairing__partner_region__code"),
    "since": ("level_since", "pairing_id"),
    "-since": ("-level_since", "pairing_id"),
}
DEFAULT_SORT = "risk"


@dataclass(frozen=True)
class HealthFilters:
    level: str | None = None
    province: str | None = None  # a province code: pairs with a side inside it
    pairing_level: str | None = None  # Pairing.Level
    q: str | None = None
    sort: str = DEFAULT_SORT


def _visible(user: Any) -> QuerySet[PairHealth]:
    """The health of the visible pairs that have one now (live and active)."""
    pairs = Pairing.objects.visible_to(user).live().filter(status=Pairing.Status.ACTIVE)
    return PairHealth.objects.filter(pairing__in=pairs.values("pk")).select_related(
        "pairing__leading_region", "pairing__partner_region"
    )


def risk_list(user: Any, *, level: str | None = None) -> QuerySet[PairHealth]:
    """The visible pairs' health, most at risk first (optionally of one level)."""
    return filtered(user, HealthFilters(level=level))


def filtered(user: Any, filters: HealthFilters = HealthFilters()) -> QuerySet[PairHealth]:
    rows = _visible(user)
    if filters.level:
        rows = rows.filter(level=filters.level)
    if filters.province:
        prefix = f"/{filters.province}/"
        rows = rows.filter(
            Q(pairing__leading_region__path__startswith=prefix)
            | Q(pairing__partner_region__path__startswith=prefix)
        )
    if filters.pairing_level:
        rows = rows.filter(pairing__level=filters.pairing_level)
    if filters.q:
        text = filters.q.strip()
        rows = rows.filter(
            Q(pairing__leading_region__name__contains=text)
            | Q(pairing__partner_region__name__contains=text)
        )
    return rows.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def health_of(user: Any, pairing_id: int) -> PairHealth:
    """One pair's health; NotFound if the pair is out of the reader's sight or has none yet."""
    health = _visible(user).filter(pairing_id=pairing_id).first()
    if health is None:
        raise NotFound(_("该结对不存在或尚未计算健康度。"))
    return health


def history_of(user: Any, pairing_id: int) -> QuerySet[HealthChange]:
    """The pair's level changes, newest first (after the same check as `health_of`)."""
    health = health_of(user, pairing_id)
    return HealthChange.objects.filter(pairing_id=health.pairing_id).order_by("-at", "-id")


def levels_by_pairing(user: Any) -> dict[int, str]:
    """Each visible pair's level, by pairing id (for maps and lists of pairs)."""
    return dict(_visible(user).values_list("pairing_id", "level"))


def level_counts(user: Any) -> dict[str, int]:
    """How many visible pairs are at each level (every level present, zeros included)."""
    counts = dict.fromkeys(Level.values, 0)
    rows = _visible(user).order_by().values("level").annotate(n=Count("pk"))
    for row in rows:
        counts[row["level"]] = row["n"]
    return counts


def last_computed(user: Any) -> Any:
    """When the visible pairs' health was last computed (None before the first run)."""
    return _visible(user).order_by().aggregate(at=Max("computed_at"))["at"]
