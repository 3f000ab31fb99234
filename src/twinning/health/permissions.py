"""Who may do what with the health signal: anyone who sees a pair sees its health (queries.py
scopes that); only the Ministry recomputes on demand."""

from typing import Any

from twinning.core.permissions import is_ministry


def can_recompute(user: Any) -> bool:
    return is_ministry(user)


def can_issue_notice(user: Any) -> bool:
    """The "下发督办通知" button: the Ministry's supervisors issue notices."""
    return is_ministry(user)
