"""Regions API: the division tree, readable by every authenticated client."""

from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from twinning.regions import queries
from twinning.regions.models import Region
from twinning.regions.schemas import RegionOut

router = Router(tags=["regions"])


class RegionFilters(Schema):
    level: Literal["province", "prefecture", "county"] | None = None
    parent: str | None = None
    q: str | None = None


@router.get("/regions", response=list[RegionOut], summary="List regions")
@paginate(PageNumberPagination, page_size=100)
def list_regions(request: HttpRequest, filters: Query[RegionFilters]) -> QuerySet[Region]:
    return queries.list_regions(level=filters.level, parent=filters.parent, q=filters.q)


@router.get("/regions/{code}", response=RegionOut, summary="Get a region by its code")
def get_region(request: HttpRequest, code: str) -> Region:
    return queries.get_region(code)
