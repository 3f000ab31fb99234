"""Who may do what to a work plan, built on the pair's permissions (and so on core scoping)."""

from typing import Any

from twinning.accounts.models import Role
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing
from twinning.plans.models import Plan, ResponsibleSide, Task

EDITOR_ROLES = {Role.COORDINATOR, Role.MEMBER}


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


def can_view(user: Any, plan: Plan) -> bool:
    return pair_perms.can_view(user, plan.pairing)


def can_write_plans(user: Any, pairing: Pairing) -> bool:
    """Draft plans, goals, phases and tasks: coordinators and members of either side."""
    if pair_perms.is_admin(user):
        return True
    return _role(user) in EDITOR_ROLES and bool(pair_perms.sides_of(user, pairing))


def can_coordinate(user: Any, pairing: Pairing) -> bool:
    """Submit, put in force, revise, archive: the coordinators of either side."""
    if pair_perms.is_admin(user):
        return True
    return _role(user) == Role.COORDINATOR and bool(pair_perms.sides_of(user, pairing))


def signable_sides(user: Any, plan: Plan) -> set[str]:
    """Each side's coordinator signs for that side only (an admin cannot sign for anyone)."""
    if _role(user) != Role.COORDINATOR:
        return set()
    return pair_perms.sides_of(user, plan.pairing)


def can_file(user: Any) -> bool:
    """Filing (备案) is the Ministry's: a supervisor acknowledges or returns the plan."""
    return _role(user) == Role.SUPERVISOR


def task_sides(task: Task) -> set[str]:
    if task.side == ResponsibleSide.JOINT:
        return {ResponsibleSide.LEADING.value, ResponsibleSide.PARTNER.value}
    return {task.side}


def can_track(user: Any, task: Task) -> bool:
    """Report a task's status and evidence: its owner and co-owners, and the coordinators and
    members of the side responsible for it — not the other side (per-unit edit rights)."""
    if pair_perms.is_admin(user):
        return True
    if not getattr(user, "is_authenticated", False) or _role(user) not in EDITOR_ROLES:
        return False
    if user.pk == task.owner_id or any(u.pk == user.pk for u in task.co_owners.all()):
        return True
    return bool(task_sides(task) & pair_perms.sides_of(user, task.plan.pairing))


def can_manage_templates(user: Any) -> bool:
    return pair_perms.is_admin(user)
