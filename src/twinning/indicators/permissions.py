"""Who may see and change a region's indicator data.

A region's numbers are seen by the Ministry, by the users whose region covers it and by the other
side of its live pairs (the partner's numbers are what the leading side helps with). They are
changed only by the coordinators and members covering the region; experts and the other side read.
"""

from typing import Any

from django.db.models import Q

from twinning.core.permissions import covers, is_ministry, region_scope_q
from twinning.pairings.models import Pairing, PairingQuerySet
from twinning.regions.models import Region


def _live_pairings() -> PairingQuerySet:
    return Pairing.objects.live().filter(status=Pairing.Status.ACTIVE)


def visible_region_codes(user: Any) -> Any:
    """A subquery of the codes of the regions whose indicator data the user may see."""
    own = Region.objects.filter(region_scope_q(user, "code")).values("code")
    pairs = _live_pairings().filter(region_scope_q(user, "leading_region", "partner_region"))
    counterparts = Region.objects.filter(
        Q(code__in=pairs.values("leading_region")) | Q(code__in=pairs.values("partner_region"))
    ).values("code")
    return Region.objects.filter(Q(code__in=own) | Q(code__in=counterparts)).values("code")


def visible_regions_q(user: Any, lookup: str = "region") -> Q:
    """A filter keeping rows whose `lookup` region the user may see."""
    if is_ministry(user):
        return Q()
    return Q(**{f"{lookup}__in": visible_region_codes(user)})


def can_see_region(user: Any, region: Region) -> bool:
    if is_ministry(user) or covers(user, region):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        _live_pairings()
        .filter(Q(leading_region=region) | Q(partner_region=region))
        .filter(region_scope_q(user, "leading_region", "partner_region"))
        .exists()
    )


def can_report(user: Any, region: Region) -> bool:
    """Enter values, submit, withdraw and upload evidence for `region`.

    The Ministry may too: it bulk-imports the monthly figures cities already send it.
    """
    if is_ministry(user):
        return True
    return bool(user.can_edit_content) and covers(user, region)


def can_review(user: Any, region: Region) -> bool:
    """Coordinators of the leading side of a live pair whose partner covers `region`."""
    from twinning.accounts.models import Role

    if getattr(user, "role", None) != Role.COORDINATOR:
        return False
    led = _live_pairings().filter(region_scope_q(user, "leading_region"))
    return any(
        region.path.startswith(partner_path)
        for partner_path in led.values_list("partner_region__path", flat=True)
    )


def can_approve(user: Any) -> bool:
    """Approve, return and unlock reports: Ministry supervisors and platform administrators."""
    return is_ministry(user)


def can_manage_catalogue(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)


def can_set_target(user: Any, region: Region) -> bool:
    """The Ministry, or the coordinators covering the region."""
    from twinning.accounts.models import Role

    if is_ministry(user):
        return True
    return getattr(user, "role", None) == Role.COORDINATOR and covers(user, region)
