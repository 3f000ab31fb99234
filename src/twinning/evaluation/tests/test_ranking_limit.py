"""A ranking's first lines (`pair_ranking(..., limit=n)`, as the dashboards' top 5 read them)
are exactly the first n lines of the whole ranking: ranks, ties at the cut ordered by name,
and the change since the previous round."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from twinning.accounts.models import User
from twinning.evaluation import queries
from twinning.evaluation.models import Assessment, EvaluationRound, Rubric
from twinning.pairings.models import Pairing, Side

pytestmark = pytest.mark.django_db

# Pair scores (both sides score the same): ties at 2nd, across the cut of a top 5, and last.
SCORES = ["91.0", "88.0", "88.0", "85.5", "80.0", "80.0", "80.0", "72.5", "60.0", "60.0"]


def published(
    rubric: Rubric, supervisor: User, pairings: list[Pairing], scores: list[str], days_ago: int
) -> EvaluationRound:
    evaluation_round = EvaluationRound.objects.create(
        name=f"阶段评估（{days_ago} 天前发布）",
        rubric=rubric,
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2021, 12, 31),
        self_due=dt.date(2022, 1, 31),
        status=EvaluationRound.Status.PUBLISHED,
        published_at=timezone.now() - dt.timedelta(days=days_ago),
        created_by=supervisor,
    )
    evaluation_round.pairings.set(pairings)
    Assessment.objects.bulk_create(
        [
            Assessment(
                round=evaluation_round,
                pairing=pairing,
                side=side,
                status=Assessment.Status.SCORED,
                ministry_total=Decimal(score),
            )
            for pairing, score in zip(pairings, scores, strict=True)
            for side in (Side.LEADING, Side.PARTNER)
        ]
    )
    return evaluation_round


@pytest.fixture
def rounds(supervisor: User, rubric: Rubric) -> tuple[EvaluationRound, EvaluationRound]:
    pairings = list(Pairing.objects.live().filter(status="active").order_by("pk")[: len(SCORES)])
    assert len(pairings) == len(SCORES)
    earlier = published(rubric, supervisor, pairings, list(reversed(SCORES)), days_ago=200)
    latest = published(rubric, supervisor, pairings, SCORES, days_ago=10)
    return earlier, latest


@pytest.mark.parametrize("user", ["supervisor", "henan"])
def test_the_first_lines_are_those_of_the_whole_ranking(
    rounds: tuple[EvaluationRound, EvaluationRound], user: str, request: pytest.FixtureRequest
) -> None:
    reader = request.getfixturevalue(user)
    _earlier, latest = rounds
    whole = queries.pair_ranking(reader, latest.pk)
    assert [r.rank for r in whole] == [1, 2, 2, 4, 5, 5, 5, 8, 9, 9]  # ties: not vacuous
    assert all(r.previous_rank is not None for r in whole)
    for limit in range(len(whole) + 2):
        assert queries.pair_ranking(reader, latest.pk, limit=limit) == whole[:limit], limit


def test_a_top_five_reads_only_the_pairs_that_can_make_the_cut(
    supervisor: User, rounds: tuple[EvaluationRound, EvaluationRound]
) -> None:
    _earlier, latest = rounds
    scores = {pk: score for pk, (score, _sides) in queries._pair_scores(latest.pk).items()}
    # The 5th best scores 80.0, shared by three pairs: all three may be 5th by name.
    assert len(queries._leaders(scores, 5)) == 7
    assert queries._leaders(scores, None) == set(scores)
    assert queries._leaders(scores, 0) == set()
