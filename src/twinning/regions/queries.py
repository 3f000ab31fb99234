"""Reading regions: the division tree is public to every signed-in user."""

from django.core.cache import cache
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


PROVINCE_CHOICES_KEY = "regions:province-choices"


def province_choices() -> list[tuple[str, str]]:
    """(code, name) of every province-level region, for filter menus.

    Cached for a few minutes: the list changes only with a divisions import, which clears it.
    """
    choices: list[tuple[str, str]] | None = cache.get(PROVINCE_CHOICES_KEY)
    if choices is None:
        rows = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
        choices = list(rows.values_list("code", "name"))
        cache.set(PROVINCE_CHOICES_KEY, choices, timeout=300)
    return choices


def get_region(code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist as exc:
        raise NotFound(_("区划 %(code)s 不存在。") % {"code": code}) from exc
