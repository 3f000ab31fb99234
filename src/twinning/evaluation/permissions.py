"""Who may do what in a phase evaluation.

The Ministry (supervisors, platform administrators) keeps rubrics and rounds and scores. A
pair's coordinators act for their own side: self-assess, comment on the other side, appeal.
Members and experts of a pair read only. Before publication nobody but the Ministry sees the
Ministry's scores.
"""

from typing import Any

from twinning.accounts.models import Role
from twinning.core.permissions import is_ministry
from twinning.evaluation.models import Assessment
from twinning.pairings.permissions import sides_of


def can_manage(user: Any) -> bool:
    """Rubrics, rounds, scores, publication and appeal decisions are the Ministry's."""
    return is_ministry(user)


def is_coordinator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.COORDINATOR)


def is_own_side(user: Any, assessment: Assessment) -> bool:
    """The user belongs to the side the assessment is of (any role)."""
    return assessment.side in sides_of(user, assessment.pairing)


def is_other_side(user: Any, assessment: Assessment) -> bool:
    return assessment.other_side in sides_of(user, assessment.pairing)


def can_act_for(user: Any, assessment: Assessment) -> bool:
    """Self-assess, attach evidence and appeal: the coordinators of the assessment's side."""
    return is_coordinator(user) and is_own_side(user, assessment)


def can_comment(user: Any, assessment: Assessment) -> bool:
    """Comment on an assessment: the coordinators of the other side of the pair."""
    return is_coordinator(user) and is_other_side(user, assessment)


def can_see_self_assessment(user: Any, assessment: Assessment) -> bool:
    """A side's own draft stays its own; once submitted, the other side reads it to comment."""
    return is_ministry(user) or is_own_side(user, assessment) or assessment.submitted_at is not None


def can_see_scores(user: Any, assessment: Assessment) -> bool:
    """The Ministry's scores: the Ministry always, the pair only after publication."""
    return is_ministry(user) or assessment.round.is_published
