"""Who may write to the knowledge base. Reading is `models.visible_q`; these are the writes.

Contributors are coordinators and members of an organisation with a region, and the Ministry
(supervisors, platform administrators). Experts only read. A document, case or compilation is
edited by contributors whose region is, or contains, its region (a record without a region: the
Ministry only). Services check visibility first (NotFound), then these (Forbidden).
"""

from typing import Any

from twinning.accounts.models import Role
from twinning.core.permissions import covers, is_ministry, user_region_path
from twinning.knowledge.models import ModelCase, Visibility
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing
from twinning.regions.models import Region

CONTRIBUTOR_ROLES = frozenset({Role.COORDINATOR, Role.MEMBER})
# States from which a case may be nominated (again).
NOMINABLE = frozenset({ModelCase.Status.DRAFT, ModelCase.Status.RETURNED})
# States in which a case may still be edited by its region.
EDITABLE_CASE = NOMINABLE


def is_system(user: Any) -> bool:
    """`None` as the actor is the platform itself (the starting-data loaders): it may do all.
    Views and the API always pass the signed-in (or anonymous) user, never None."""
    return user is None


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


def can_contribute(user: Any) -> bool:
    """Upload documents, write cases, build compilations (for the user's own region)."""
    if is_system(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if is_ministry(user):
        return True
    return _role(user) in CONTRIBUTOR_ROLES and user_region_path(user) is not None


def can_write_region(user: Any, region: Region | None) -> bool:
    """Whether the user may write records of `region` (None: the Ministry only)."""
    if not can_contribute(user):
        return False
    if is_system(user) or is_ministry(user):
        return True
    return region is not None and covers(user, region)


def can_edit(user: Any, obj: Any) -> bool:
    """Edit, add versions to, archive or restore a document, case or compilation."""
    return can_write_region(user, getattr(obj, "region", None))


def can_nominate(user: Any, case: ModelCase) -> bool:
    """Nominate a draft or returned case: a coordinator of its region, or the Ministry."""
    if case.status not in NOMINABLE or case.is_archived:
        return False
    return may_nominate(user, case)


def may_nominate(user: Any, case: ModelCase) -> bool:
    """The role part of `can_nominate`, whatever the case's state."""
    if is_system(user) or is_ministry(user):
        return True
    return _role(user) == Role.COORDINATOR and covers(user, case.region)


def can_review(user: Any) -> bool:
    """Promote or return a nominated case: the Ministry."""
    return is_system(user) or is_ministry(user)


def can_adopt(user: Any, case: ModelCase, region: Region) -> bool:
    """Record (or withdraw) that `region` reused the case: contributors of that region."""
    return can_write_region(user, region)


def can_set_visibility(user: Any, visibility: str, pairing: Pairing | None) -> bool:
    """Whether the user may give a record this visibility.

    Programme-wide: any contributor. The pair's two sides: a pair is required and the user must
    be on one of its sides (or the Ministry). The Ministry only: the Ministry."""
    if not can_contribute(user):
        return False
    if is_system(user):
        return visibility in Visibility.values and (
            visibility != Visibility.PAIR or pairing is not None
        )
    if visibility == Visibility.PROGRAMME:
        return True
    if visibility == Visibility.PAIR:
        if pairing is None:
            return False
        return is_ministry(user) or bool(pair_perms.sides_of(user, pairing))
    if visibility == Visibility.MINISTRY:
        return is_ministry(user)
    return False
