"""Reading regions: the division tree is public to every signed-in user."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from twinning.core.errors import NotFound
from twinning.regions.models import Region


def list_regions(
    *, level: str | None = None, parent: str | None = None, q: str | None = None
) -> QuerySet[Region]:
    regions = Region.objects.all()
    if level:
        regions = regions.filter(level=level)
    if parent:
        regions = regions.filter(parent_id=parent)
    if q:
        regions = regions.filter(name__contains=q)
    return regions.order_by("code")


def get_region(code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist as exc:
        raise NotFound(_("区划 %(code)s 不存在。") % {"code": code}) from exc
