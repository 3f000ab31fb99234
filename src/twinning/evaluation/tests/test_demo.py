"""The demo: a published round with a decided appeal and a round in progress, loaded twice."""

import pytest

from twinning.evaluation import queries
from twinning.evaluation.demo import FIRST_ROUND, SECOND_ROUND, load_evaluation_demo
from twinning.evaluation.models import Appeal, EvaluationRound

pytestmark = pytest.mark.django_db


def test_demo_is_complete_and_idempotent(programme: object, supervisor: object) -> None:
    first = load_evaluation_demo()
    assert (first.rounds_created, first.appeals) == (2, 1)
    published = EvaluationRound.objects.get(name=FIRST_ROUND)
    assert published.status == "published" and "演示数据" in published.description
    assert EvaluationRound.objects.get(name=SECOND_ROUND).status == "open"
    assert Appeal.objects.get().is_decided
    ranking = queries.pair_ranking(supervisor, published.pk)
    assert len(ranking) == 8 and ranking[0].rank == 1
    jilin = [r for r in queries.partner_ranking(supervisor, published.pk) if r.name == "吉林省"]
    assert jilin[0].pair_count == 2
    again = load_evaluation_demo()
    assert (again.rounds_created, again.rounds_existing) == (0, 2)
    assert EvaluationRound.objects.count() == 2
