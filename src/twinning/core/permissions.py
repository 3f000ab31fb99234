"""The one scoping primitive: which regions a user's organisation covers.

A user works on the records of the regions their organisation's region is, or contains.
Ministry supervisors and platform administrators see everything.
Queries build their filters from `region_scope_q`; services check single objects with `covers`.
"""

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _

from twinning.core.errors import Forbidden

if TYPE_CHECKING:
    from twinning.accounts.models import User
    from twinning.regions.models import Region


def is_ministry(user: "User | Any") -> bool:
    """Ministry supervisors and platform administrators see the whole programme."""
    return bool(getattr(user, "is_authenticated", False) and user.sees_everything)


def user_region_path(user: "User | Any") -> str | None:
    """The region path the user's organisation stands for, or None if it has none."""
    if not getattr(user, "is_authenticated", False):
        return None
    organisation = user.organisation
    if organisation is None or organisation.region is None:
        return None
    path: str = organisation.region.path
    return path


def covers(user: "User | Any", region: "Region") -> bool:
    """Whether the user's region is `region` or contains it (the Ministry covers all)."""
    if is_ministry(user):
        return True
    path = user_region_path(user)
    return path is not None and region.path.startswith(path)


def region_scope_q(user: "User | Any", *region_lookups: str) -> Q:
    """A filter keeping rows where any of the `region_lookups` lies inside the user's region.

    `region_lookups` are lookups to Region foreign keys, e.g. "leading_region".
    """
    if is_ministry(user):
        return Q()
    path = user_region_path(user)
    if path is None or not region_lookups:
        return Q(pk__in=[])
    from twinning.regions.models import Region  # the regions app builds on core

    # A subquery on the regions' path index; `lookup__path__startswith` across the joins would
    # make PostgreSQL scan every region.
    inside = Region.objects.filter(path__startswith=path).values("code")
    condition = Q()
    for lookup in region_lookups:
        condition |= Q(**{f"{lookup}__in": inside})
    return condition


def require(allowed: bool, message: str | None = None) -> None:
    """Raise Forbidden unless `allowed`: services call this before they write."""
    if not allowed:
        raise Forbidden(message or _("您没有执行此操作的权限。"))
