"""Evaluation fixtures: the default rubric in force, and a round of 天津–河南 and 上海–江西
that tests move to the stage they need."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from twinning.accounts.models import User
from twinning.evaluation import services
from twinning.evaluation.models import Assessment, EvaluationRound, Rubric
from twinning.evaluation.programme import DEFAULT_DIMENSIONS, load_evaluation
from twinning.pairings.models import Pairing, Side
from twinning.pairings.programme import ProgrammeResult

CODES = [d["code"] for d in DEFAULT_DIMENSIONS]


def full_marks(score: Any = 20, evidence: str = "见工作方案和交流记录。") -> dict[str, Any]:
    return {code: {"score": score, "evidence": evidence} for code in CODES}


def scores(*values: Any) -> dict[str, Any]:
    return {code: {"score": v, "comment": ""} for code, v in zip(CODES, values, strict=True)}


@pytest.fixture
def rubric(programme: ProgrammeResult) -> Rubric:
    return Rubric.objects.get(pk=load_evaluation().rubric_id)


@pytest.fixture
def shanghai_jiangxi(pair: Callable[[str, str], Pairing]) -> Pairing:
    return pair("310000", "360000")


@pytest.fixture
def draft_round(
    supervisor: User, rubric: Rubric, tianjin_henan: Pairing, shanghai_jiangxi: Pairing
) -> EvaluationRound:
    import datetime as dt

    return services.create_round(
        actor=supervisor,
        name="2021年上半年阶段工作实效评估",
        rubric_id=rubric.pk,
        period_start=dt.date(2021, 2, 7),
        period_end=dt.date(2021, 6, 30),
        self_due=dt.date(2021, 7, 15),
        comment_due=dt.date(2021, 7, 25),
        pairing_ids=[tianjin_henan.pk, shanghai_jiangxi.pk],
    )


@pytest.fixture
def open_round(supervisor: User, draft_round: EvaluationRound) -> EvaluationRound:
    return services.open_round(actor=supervisor, round_id=draft_round.pk)


def assessment_of(evaluation_round: EvaluationRound, pairing: Pairing, side: str) -> Assessment:
    return Assessment.objects.get(round=evaluation_round, pairing=pairing, side=side)


@pytest.fixture
def tianjin_assessment(open_round: EvaluationRound, tianjin_henan: Pairing) -> Assessment:
    return assessment_of(open_round, tianjin_henan, Side.LEADING)


@pytest.fixture
def henan_assessment(open_round: EvaluationRound, tianjin_henan: Pairing) -> Assessment:
    return assessment_of(open_round, tianjin_henan, Side.PARTNER)


def score_all(actor: User, evaluation_round: EvaluationRound, base: int = 15) -> None:
    """Score every assessment of the round: each side a little differently."""
    for offset, assessment in enumerate(evaluation_round.assessments.order_by("pk")):
        value = Decimal(base + offset % 5)
        services.score_assessment(
            actor=actor, assessment_id=assessment.pk, items=scores(*[value] * len(CODES))
        )


@pytest.fixture
def published_round(
    supervisor: User, tianjin: User, henan: User, open_round: EvaluationRound
) -> EvaluationRound:
    """Both 天津 and 河南 self-assessed; every assessment scored; published today."""
    for user, side in ((tianjin, Side.LEADING), (henan, Side.PARTNER)):
        assessment = open_round.assessments.get(pairing__leading_region_id="120000", side=side)
        services.submit_self_assessment(actor=user, assessment_id=assessment.pk, items=full_marks())
    services.close_self_assessment(actor=supervisor, round_id=open_round.pk)
    score_all(supervisor, open_round)
    return services.publish_round(actor=supervisor, round_id=open_round.pk)
