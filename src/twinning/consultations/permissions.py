"""Who may do what to a problem, built on the pair's sides (and so on core scoping).

Seeing a problem is `queries.visible_problems`; everything here assumes the actor already sees it.
"""

from typing import Any

from twinning.accounts.models import Role
from twinning.consultations.models import ExpertTopic, Problem
from twinning.core.permissions import is_ministry
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing, Side


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


def _on_side(user: Any, pairing: Pairing, side: str, roles: set[str]) -> bool:
    return _role(user) in roles and side in pair_perms.sides_of(user, pairing)


def can_ask(user: Any, pairing: Pairing) -> bool:
    """Post a problem: the coordinators and members of the pair's partner side."""
    return _on_side(user, pairing, Side.PARTNER, {Role.COORDINATOR, Role.MEMBER})


def can_assign(user: Any, problem: Problem) -> bool:
    """Assign experts: the leading side's coordinators and the Ministry."""
    return is_ministry(user) or _on_side(user, problem.pairing, Side.LEADING, {Role.COORDINATOR})


def is_assigned(user: Any, problem: Problem) -> bool:
    return problem.assignments.filter(expert_id=user.pk).exists()


def is_pool_expert(user: Any, problem: Problem) -> bool:
    """An active member of the national pool for the problem's topic."""
    if problem.topic_id is None or _role(user) != Role.EXPERT:
        return False
    return ExpertTopic.objects.filter(
        user_id=user.pk, topic_id=problem.topic_id, active=True
    ).exists()


def can_answer(user: Any, problem: Problem) -> bool:
    """Answer: assigned experts, the leading side's coordinators, members and experts, and the
    pool experts of the problem's topic."""
    if not getattr(user, "is_authenticated", False):
        return False
    if _on_side(user, problem.pairing, Side.LEADING, {Role.COORDINATOR, Role.MEMBER, Role.EXPERT}):
        return True
    return is_assigned(user, problem) or is_pool_expert(user, problem)


def can_decide(user: Any, problem: Problem) -> bool:
    """Accept answers, rate, mark solved in practice, close, reopen, edit attachments: the asker
    and the partner side's coordinators."""
    if getattr(user, "pk", None) is not None and user.pk == problem.asked_by_id:
        return True
    return _on_side(user, problem.pairing, Side.PARTNER, {Role.COORDINATOR})


def can_edit(user: Any, problem: Problem) -> bool:
    """Change the question itself: the asker."""
    return getattr(user, "pk", None) is not None and user.pk == problem.asked_by_id


def can_archive(user: Any, problem: Problem) -> bool:
    return pair_perms.is_admin(user) or can_decide(user, problem)


def can_attach_to_problem(user: Any, problem: Problem) -> bool:
    """Add files to the question: the asker and the partner side's coordinators and members."""
    return can_decide(user, problem) or can_ask(user, problem.pairing)


def can_manage_pool(user: Any) -> bool:
    """The national expert pool is kept by platform administrators."""
    return pair_perms.is_admin(user)
