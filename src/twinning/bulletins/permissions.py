"""Who may see and who may write which bulletin.

Seeing: the Ministry sees every bulletin. A released national bulletin is read by everyone
signed in; a national draft is the Ministry's own. A province's bulletins are seen by the users
of that province and of the regions inside it; a pair's by the users of either side.
Writing (draft, edit, recount, release, archive): the Ministry for every scope; a province's
coordinator for their province; a coordinator of either side for their pair. Members and experts
read only (403).
"""

from typing import Any

from django.db.models import Q

from twinning.accounts.models import Role
from twinning.bulletins.models import Bulletin, Scope
from twinning.core.permissions import is_ministry, user_region_path
from twinning.pairings.models import Pairing
from twinning.pairings.permissions import sides_of
from twinning.regions.models import Region


def _is_coordinator(user: Any) -> bool:
    return str(getattr(user, "role", "")) == Role.COORDINATOR


def visible_q(user: Any) -> Q:
    """THE visibility rule of bulletins, as a filter."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_ministry(user):
        return Q()
    national = Q(scope=Scope.NATIONAL, status=Bulletin.Status.RELEASED)
    path = user_region_path(user)
    if path is None:
        return national
    # A province's bulletin: the user's region is inside the province (or is it).
    province = path.strip("/").split("/")[0]
    provincial = Q(scope=Scope.PROVINCE, region__path=f"/{province}/")
    inside = Region.objects.filter(path__startswith=path).values("code")
    paired = Q(scope=Scope.PAIR) & (
        Q(pairing__leading_region__in=inside) | Q(pairing__partner_region__in=inside)
    )
    return national | provincial | paired


def can_see_scope(user: Any, kind: str, region: Region | None, pairing: Pairing | None) -> bool:
    """Whether the user may know about the scope at all (else 404)."""
    if is_ministry(user):
        return True
    if kind == Scope.NATIONAL:
        return bool(getattr(user, "is_authenticated", False))
    path = user_region_path(user)
    if path is None:
        return False
    if kind == Scope.PROVINCE and region is not None:
        return path.startswith(region.path)
    if kind == Scope.PAIR and pairing is not None:
        return bool(sides_of(user, pairing))
    return False


def can_write_scope(user: Any, kind: str, region: Region | None, pairing: Pairing | None) -> bool:
    """Whether the user may draft and edit bulletins of the scope."""
    if is_ministry(user):
        return True
    if not _is_coordinator(user):
        return False
    path = user_region_path(user)
    if kind == Scope.PROVINCE and region is not None:
        return path == region.path
    if kind == Scope.PAIR and pairing is not None:
        return bool(sides_of(user, pairing))
    return False


def can_write(user: Any, bulletin: Bulletin) -> bool:
    return can_write_scope(user, bulletin.scope, bulletin.region, bulletin.pairing)


def can_draft_any(user: Any) -> bool:
    """Whether the "起草简报" form is worth showing to the user."""
    return is_ministry(user) or _is_coordinator(user)


def can_see(user: Any, bulletin: Bulletin) -> bool:
    """`visible_q` for one loaded bulletin, without a query (for notifications)."""
    if is_ministry(user):
        return True
    if bulletin.scope == Scope.NATIONAL:
        return bulletin.status == Bulletin.Status.RELEASED and bool(
            getattr(user, "is_authenticated", False)
        )
    return can_see_scope(user, bulletin.scope, bulletin.region, bulletin.pairing)
