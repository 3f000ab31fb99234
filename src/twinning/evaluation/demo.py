"""Demo data for 阶段评估 (local trials only): one published round with a decided appeal, and a
round in progress. Every score is invented and says so (演示数据) in the round's description.

Created through `evaluation.services`, as the platform itself (`actor=None`) for the sides of
pairs that have no demo account and as the demo accounts where they exist (demo-ministry,
demo-tianjin, demo-henan), so everything is checked and audited like work done by hand.
Idempotent: a round of the same name is left alone.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from twinning.accounts.models import User
from twinning.evaluation import services
from twinning.evaluation.models import Assessment, EvaluationRound, Rubric
from twinning.evaluation.programme import load_evaluation
from twinning.pairings.models import Pairing, Side

DEMO_LABEL = "演示数据"
FIRST_ROUND = "2021年上半年阶段工作实效评估"
SECOND_ROUND = "2021年下半年阶段工作实效评估"
DESCRIPTION = f"{DEMO_LABEL}：评分、佐证和意见均为程序生成，仅供演示，不代表任何地区的真实情况。"
SEED = 20210207
# The pairs evaluated in the demo: 天津–河南 (the demo accounts' pair) and seven more; 吉林 is
# the partner of two (厦门, 杭州), to show a region's mean in the partner ranking.
PAIRS = [
    ("120000", "410000"),
    ("310000", "360000"),
    ("310000", "150000"),
    ("330000", "130000"),
    ("440300", "510000"),
    ("350200", "220000"),
    ("330100", "220000"),
    ("330200", "610000"),
]
EVIDENCE = f"{DEMO_LABEL}：见结对工作方案、交流活动记录和指标填报数据。"


@dataclass
class EvaluationDemoResult:
    rounds_created: int = 0
    rounds_existing: int = 0
    assessments: int = 0
    appeals: int = 0


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _pairings() -> list[Pairing]:
    found = []
    for leading, partner in PAIRS:
        pairing = Pairing.objects.filter(
            leading_region_id=leading, partner_region_id=partner, archived_at__isnull=True
        ).first()
        if pairing is not None:
            found.append(pairing)
    return found


def _side_actor(assessment: Assessment) -> User | None:
    """The demo coordinator of the side where there is one, else the platform."""
    if (
        assessment.pairing.leading_region_id == "120000"
        and assessment.pairing.partner_region_id == "410000"
    ):
        return _user("demo-tianjin" if assessment.side == Side.LEADING else "demo-henan")
    return None


def _points(rng: random.Random, maximum: int, strength: float) -> Decimal:
    value = maximum * min(1.0, max(0.3, rng.gauss(strength, 0.08)))
    return Decimal(round(value * 2) / 2).quantize(Decimal("0.1"))


def _self_assess(assessment: Assessment, rng: random.Random, strength: float) -> None:
    items = {
        item.dimension.code: {
            "score": _points(rng, item.dimension.max_points, strength + 0.05),
            "evidence": EVIDENCE,
        }
        for item in assessment.items.select_related("dimension")
    }
    services.submit_self_assessment(
        actor=_side_actor(assessment), assessment_id=assessment.pk, items=items
    )


def _score(assessment: Assessment, rng: random.Random, strength: float, ministry: Any) -> None:
    items = {
        item.dimension.code: {
            "score": _points(rng, item.dimension.max_points, strength),
            "comment": f"{DEMO_LABEL}：佐证材料基本齐全。",
        }
        for item in assessment.items.select_related("dimension")
    }
    services.score_assessment(actor=ministry, assessment_id=assessment.pk, items=items)


def _create(
    name: str, rubric: Rubric, pairings: list[Pairing], ministry: Any, **dates: Any
) -> EvaluationRound:
    return services.create_round(
        actor=ministry,
        name=name,
        description=DESCRIPTION,
        rubric_id=rubric.pk,
        pairing_ids=[p.pk for p in pairings],
        **dates,
    )


def _published_round(rubric: Rubric, pairings: list[Pairing], ministry: Any) -> int:
    rng = random.Random(SEED)  # noqa: S311 - invented demo scores, not secrets
    evaluation_round = _create(
        FIRST_ROUND, rubric, pairings, ministry,
        period_start=dt.date(2021, 2, 7), period_end=dt.date(2021, 6, 30),
        self_due=dt.date(2021, 7, 15), comment_due=dt.date(2021, 7, 25),
    )  # fmt: skip
    services.open_round(actor=ministry, round_id=evaluation_round.pk)
    strengths = {p.pk: 0.6 + 0.3 * rng.random() for p in pairings}
    assessments = list(evaluation_round.assessments.select_related("pairing").order_by("pk"))
    for assessment in assessments:
        _self_assess(assessment, rng, strengths[assessment.pairing_id])
    for assessment in assessments:  # each side comments on the other
        code = assessment.items.select_related("dimension").first().dimension.code  # type: ignore[union-attr]
        services.comment_on_peer(
            actor=None,
            assessment_id=assessment.pk,
            comments={code: f"{DEMO_LABEL}：对方自评与双方交流记录相符。"},
        )
    services.close_self_assessment(actor=ministry, round_id=evaluation_round.pk)
    for assessment in assessments:
        bonus = 0.05 if assessment.side == Side.LEADING else -0.05
        _score(assessment, rng, strengths[assessment.pairing_id] + bonus, ministry)
    services.publish_round(actor=ministry, round_id=evaluation_round.pk)
    henan = next(
        (
            a
            for a in assessments
            if a.side == Side.PARTNER and a.pairing.partner_region_id == "410000"
        ),
        assessments[1],
    )
    appeal = services.file_appeal(
        actor=_side_actor(henan),
        assessment_id=henan.pk,
        reasons=f"{DEMO_LABEL}：“交流活动”一项未计入5月的线上会诊（见交流活动记录）。",
    )
    current = henan.items.get(dimension__code="exchanges").ministry_score or Decimal(0)
    raised = min(Decimal(20), current + Decimal(3))
    services.decide_appeal(
        actor=ministry,
        appeal_id=appeal.pk,
        decision="partly" if raised < 20 else "upheld",
        note=f"{DEMO_LABEL}：线上会诊记录属实，“交流活动”调整为 {raised} 分。",
        scores={"exchanges": raised},
    )
    return len(assessments)


def _round_in_progress(rubric: Rubric, pairings: list[Pairing], ministry: Any) -> int:
    rng = random.Random(SEED + 1)  # noqa: S311 - invented demo scores
    today = timezone.localdate()
    evaluation_round = _create(
        SECOND_ROUND, rubric, pairings, ministry,
        period_start=dt.date(2021, 7, 1), period_end=dt.date(2021, 12, 31),
        self_due=today + dt.timedelta(days=14), comment_due=today + dt.timedelta(days=21),
    )  # fmt: skip
    services.open_round(actor=ministry, round_id=evaluation_round.pk)
    assessments = list(evaluation_round.assessments.select_related("pairing").order_by("pk"))
    # 天津 has submitted (河南 can comment); half the other sides too; 河南 has not yet.
    for index, assessment in enumerate(assessments):
        is_henan = (
            assessment.pairing.partner_region_id == "410000" and assessment.side == Side.PARTNER
        )
        if not is_henan and index % 2 == 0:
            _self_assess(assessment, rng, 0.75)
    return len(assessments)


@transaction.atomic
def load_evaluation_demo() -> EvaluationDemoResult:
    result = EvaluationDemoResult()
    rubric = Rubric.objects.get(pk=int(load_evaluation().rubric_id or 0))
    if rubric.status != Rubric.Status.ACTIVE:
        rubric = (
            Rubric.objects.filter(lineage=rubric.lineage, status=Rubric.Status.ACTIVE).first()
            or rubric
        )
    ministry = _user("demo-ministry")
    pairings = _pairings()
    if not pairings:
        return result
    for name, build in ((FIRST_ROUND, _published_round), (SECOND_ROUND, _round_in_progress)):
        if EvaluationRound.objects.filter(name=name).exists():
            result.rounds_existing += 1
            continue
        result.assessments += build(rubric, pairings, ministry)
        result.rounds_created += 1
        if name == FIRST_ROUND:
            result.appeals += 1
    return result
