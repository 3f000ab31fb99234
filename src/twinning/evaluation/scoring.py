"""How scores add up: a side's score, a pair's score, and ranks with ties.

A side's score is Σ (item points / the dimension's maximum × the dimension's weight): the weights
sum to 100, so the score lies between 0 and 100. A pair's score is the mean of its two sides'.
Every result is rounded to one decimal, half up.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from twinning.evaluation.models import one_decimal

T = TypeVar("T")


def weighted_total(parts: Iterable[tuple[Decimal | None, int, Decimal]]) -> Decimal | None:
    """The 0–100 score of (points, max_points, weight) parts; None while a part is unscored."""
    total = Decimal(0)
    for points, max_points, weight in parts:
        if points is None:
            return None
        total += Decimal(points) / Decimal(max_points) * Decimal(weight)
    return one_decimal(total)


def mean(values: Sequence[Decimal]) -> Decimal:
    return one_decimal(sum(values, Decimal(0)) / len(values))


def competition_ranks(scored: Sequence[tuple[T, Decimal]]) -> list[tuple[int, T, Decimal]]:
    """(rank, item, score), best first; equal scores share a rank and the next rank skips
    (1, 1, 3), as in published league tables. `scored` must already be sorted best first."""
    ranked: list[tuple[int, T, Decimal]] = []
    for position, (item, score) in enumerate(scored, start=1):
        rank = ranked[-1][0] if ranked and ranked[-1][2] == score else position
        ranked.append((rank, item, score))
    return ranked
