"""Who may do what to a notice. Reading is `Notice.objects.visible_to`; these are the writes.

The Ministry's supervisors issue, verify, close, return and escalate; the coordinators of either
side of the pair acknowledge, submit the rectification plan and report progress. Members and
experts of the pair's regions read only (403 on writes); everybody else does not see the notice
at all (404).
"""

from typing import Any

from twinning.accounts.models import Role
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


def is_supervisor(user: Any) -> bool:
    """The Ministry's supervisors (部级督导) act for the Ministry on notices."""
    return bool(getattr(user, "is_authenticated", False)) and _role(user) == Role.SUPERVISOR


def can_issue(user: Any) -> bool:
    return is_supervisor(user)


def can_answer(user: Any, pairing: Pairing) -> bool:
    """Acknowledge, submit the rectification plan, report progress: either side's coordinators."""
    return _role(user) == Role.COORDINATOR and bool(pair_perms.sides_of(user, pairing))


def can_propose_case(user: Any, pairing: Pairing) -> bool:
    """Propose a closed notice as a model case: the pair's coordinators and the Ministry."""
    return is_supervisor(user) or can_answer(user, pairing)
