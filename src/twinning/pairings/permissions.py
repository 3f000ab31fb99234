"""Who may do what to a pair, built on the scoping primitive in core.permissions."""

from typing import Any

from twinning.accounts.models import Organisation, Role
from twinning.core.permissions import is_ministry, user_region_path
from twinning.pairings.models import Pairing, Side


def sides_of(user: Any, pairing: Pairing) -> set[str]:
    """The sides of the pair whose region the user's own region is or contains."""
    path = user_region_path(user)
    if path is None:
        return set()
    return {
        side
        for side in (Side.LEADING, Side.PARTNER)
        if pairing.region_of(side).path.startswith(path)
    }


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)


def can_view(user: Any, pairing: Pairing) -> bool:
    return is_ministry(user) or bool(sides_of(user, pairing))


def can_propose(user: Any) -> bool:
    """Coordinators propose pairs for their region; the Ministry may propose any pair."""
    return is_admin(user) or _role(user) in {Role.COORDINATOR, Role.SUPERVISOR}


def can_manage(user: Any, pairing: Pairing) -> bool:
    """Edit the pair's own record, archive it: the coordinators of either side."""
    return is_admin(user) or (_role(user) == Role.COORDINATOR and bool(sides_of(user, pairing)))


def can_respond(user: Any, pairing: Pairing) -> set[str]:
    """The sides on whose behalf the user may accept or decline a proposal."""
    if is_admin(user):
        return {Side.LEADING, Side.PARTNER}
    if _role(user) != Role.COORDINATOR:
        return set()
    return sides_of(user, pairing)


def can_transition(user: Any, pairing: Pairing) -> bool:
    """Suspend, resume or conclude: either side's coordinators and the Ministry."""
    return can_manage(user, pairing) or _role(user) == Role.SUPERVISOR


def can_edit_side(user: Any, pairing: Pairing, side: str) -> bool:
    """Bodies, members and contacts of a side are kept by that side's coordinators and members."""
    if is_admin(user):
        return True
    return _role(user) in {Role.COORDINATOR, Role.MEMBER} and side in sides_of(user, pairing)


def can_see_contact_details(user: Any, pairing: Pairing) -> bool:
    """Phones and e-mail addresses: the pair's two sides (their departments) and the Ministry."""
    if is_ministry(user):
        return True
    organisation = getattr(user, "organisation", None)
    if organisation is None or organisation.kind != Organisation.Kind.DEPARTMENT:
        return False
    return bool(sides_of(user, pairing))
