"""Progress roll-up: from statuses to tasks, from tasks to phases and the plan.

Nobody types a percentage: a task's progress follows from its status, a task with sub-tasks
takes their weighted average, and phases and plans take the weighted average of their top-level
tasks. Cancelled tasks count for nothing either way.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CANCELLED = "cancelled"
DONE = "done"


@dataclass(frozen=True)
class Rollup:
    progress: int  # 0–100, weighted
    total: int  # tasks counted (not cancelled)
    done: int


def rollup(rows: Iterable[Mapping[str, Any]]) -> Rollup:
    """Weighted progress of rows with `status`, `progress` and `weight`."""
    weight_sum = 0
    weighted = 0
    total = done = 0
    for row in rows:
        if row["status"] == CANCELLED:
            continue
        weight = max(int(row["weight"]), 0)
        weight_sum += weight
        weighted += weight * int(row["progress"])
        total += 1
        done += row["status"] == DONE
    progress = round(weighted / weight_sum) if weight_sum else 0
    return Rollup(progress=progress, total=total, done=done)
