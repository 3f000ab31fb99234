"""API of 结对健康度 (health): thin handlers over health.queries and health.services.

A pair the caller may not see answers 404; the recompute is the Ministry's (403 for others).
"""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from twinning.core.permissions import require
from twinning.health import permissions as perms
from twinning.health import queries, services
from twinning.health.models import HealthChange, Level, PairHealth
from twinning.health.schemas import HealthChangeOut, HealthOut, LevelCode, RecomputeIn, RecomputeOut
from twinning.pairings.queries import get_pairing_for

router = Router(tags=["health"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class HealthQuery(Schema):
    level: LevelCode | None = None
    province: str | None = Field(None, description="Province code: pairs with a side inside it.")
    pairing_level: str | None = Field(
        None, description="The pairing's level, e.g. province-province."
    )
    q: str | None = Field(None, description="Part of a side's name.")
    sort: Literal["risk", "pair", "since", "-since"] = "risk"


@router.get("/health", response=list[HealthOut], summary="The pairs' health, most at risk first")
@paginate(PageNumberPagination, page_size=50)
def list_health(request: HttpRequest, filters: Query[HealthQuery]) -> QuerySet[PairHealth]:
    return queries.filtered(_actor(request), queries.HealthFilters(**filters.dict()))


@router.post(
    "/health/recompute",
    response=RecomputeOut,
    summary="Recompute the health now (the Ministry)",
    description="Runs at once and answers with the counts; the daily run does the same.",
)
def recompute(request: HttpRequest, payload: RecomputeIn) -> dict[str, Any]:
    actor = _actor(request)
    if payload.pairing_ids:
        for pairing_id in payload.pairing_ids:
            get_pairing_for(actor, pairing_id)  # 404 before 403
    require(perms.can_recompute(actor), _("只有住房和城乡建设部可以重新计算健康度。"))
    rows = services.recompute(pairing_ids=payload.pairing_ids, today=payload.today)
    counts = dict.fromkeys(Level.values, 0)
    for health in rows:
        counts[health.level] += 1
    return {"recomputed": len(rows), "counts": counts}


@router.get("/health/{pairing_id}", response=HealthOut, summary="One pair's health")
def get_health(request: HttpRequest, pairing_id: int) -> PairHealth:
    return queries.health_of(_actor(request), pairing_id)


@router.get(
    "/health/{pairing_id}/history",
    response=list[HealthChangeOut],
    summary="One pair's level changes, newest first",
)
@paginate(PageNumberPagination, page_size=50)
def get_history(request: HttpRequest, pairing_id: int) -> QuerySet[HealthChange]:
    return queries.history_of(_actor(request), pairing_id)
