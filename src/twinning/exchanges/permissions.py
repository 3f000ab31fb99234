"""Who may do what to exchanges, built on the pair's permissions (and so on core scoping)."""

from typing import Any

from twinning.accounts.models import Role
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing

RECORDER_ROLES = {Role.COORDINATOR, Role.MEMBER}


def can_view(user: Any, pairing: Pairing) -> bool:
    return pair_perms.can_view(user, pairing)


def can_record(user: Any, pairing: Pairing) -> bool:
    """Record, edit, archive exchanges and add their files and follow-ups: coordinators and
    members of either side of the pair, and platform administrators."""
    if pair_perms.is_admin(user):
        return True
    role = str(getattr(user, "role", ""))
    return role in RECORDER_ROLES and bool(pair_perms.sides_of(user, pairing))
