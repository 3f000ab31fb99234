"""API shapes of 阶段评估: `…In` for what clients send, `…Out` for what they get.

Scores travel as numbers with at most one decimal. What a caller may not see (another side's
unsubmitted self-assessment, the Ministry's scores before publication) comes back as null.
Schema names are unique across apps (OpenAPI components are keyed by class name).
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from twinning.evaluation import permissions as perms
from twinning.evaluation import queries
from twinning.evaluation.models import Appeal, Assessment, EvaluationRound, Rubric

LOCK_HELP = "The lock_version you read; a stale one is refused with 409 stale_version."
RoundStatusCode = Literal[tuple(EvaluationRound.Status.values)]  # type: ignore[valid-type]
DecisionCode = Literal[tuple(Appeal.Decision.values)]  # type: ignore[valid-type]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _name(user: Any) -> str | None:
    return str(user) if user is not None else None


# ---------------------------------------------------------------- rubrics


class DimensionIn(Schema):
    code: str = Field(description="Short identifier, unique in the rubric (letters, digits, -).")
    name: str
    weight: Decimal = Field(description="Weight in the 0–100 score; a rubric's weights sum to 100.")
    max_points: int = Field(description="Points a side can get on this dimension (> 0).")
    evidence_required: str = Field("", description="The evidence a side must bring; empty: none.")


class DimensionOut(Schema):
    position: int
    code: str
    name: str
    weight: float
    max_points: int
    evidence_required: str


class RubricIn(Schema):
    name: str
    description: str = ""
    dimensions: list[DimensionIn]


class RubricPatchIn(Schema):
    name: str | None = None
    description: str | None = None
    dimensions: list[DimensionIn] | None = Field(None, description="Replaces all dimensions.")
    lock_version: int | None = Field(None, description=LOCK_HELP)


class RubricOut(Schema):
    id: int
    lineage: str
    version: int
    name: str
    description: str
    status: str
    status_label: str
    activated_at: dt.datetime | None
    archived: bool
    lock_version: int
    dimensions: list[DimensionOut]


def rubric_out(rubric: Rubric) -> dict[str, Any]:
    return {
        "id": rubric.pk,
        "lineage": str(rubric.lineage),
        "version": rubric.version,
        "name": rubric.name,
        "description": rubric.description,
        "status": rubric.status,
        "status_label": rubric.get_status_display(),
        "activated_at": rubric.activated_at,
        "archived": rubric.is_archived,
        "lock_version": rubric.lock_version,
        "dimensions": [
            {
                "position": d.position,
                "code": d.code,
                "name": d.name,
                "weight": float(d.weight),
                "max_points": d.max_points,
                "evidence_required": d.evidence_required,
            }
            for d in rubric.dimensions.all()
        ],
    }


class LockIn(Schema):
    lock_version: int | None = Field(None, description=LOCK_HELP)


# ---------------------------------------------------------------- rounds


class RoundIn(Schema):
    name: str
    description: str = ""
    rubric: int = Field(description="Id of a rubric version in force.")
    period_start: dt.date
    period_end: dt.date
    self_due: dt.date
    comment_due: dt.date | None = None
    appeal_days: int = Field(10, description="Days after publication a side may appeal.")
    pairings: list[int] | None = Field(
        None, description="Pair ids; default: every active top-level pair."
    )


class RoundPatchIn(Schema):
    name: str | None = None
    description: str | None = None
    rubric: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    self_due: dt.date | None = None
    comment_due: dt.date | None = None
    appeal_days: int | None = None
    pairings: list[int] | None = None
    lock_version: int | None = Field(None, description=LOCK_HELP)


class RoundOut(Schema):
    id: int
    name: str
    description: str
    rubric: int
    rubric_name: str
    period_start: dt.date
    period_end: dt.date
    self_due: dt.date
    comment_due: dt.date | None
    appeal_days: int
    appeal_deadline: dt.date | None
    status: str
    status_label: str
    opened_at: dt.datetime | None
    published_at: dt.datetime | None
    closed_at: dt.datetime | None
    pairings: list[int]
    archived: bool
    lock_version: int


def round_out(evaluation_round: EvaluationRound) -> dict[str, Any]:
    return {
        "id": evaluation_round.pk,
        "name": evaluation_round.name,
        "description": evaluation_round.description,
        "rubric": evaluation_round.rubric_id,
        "rubric_name": str(evaluation_round.rubric),
        "period_start": evaluation_round.period_start,
        "period_end": evaluation_round.period_end,
        "self_due": evaluation_round.self_due,
        "comment_due": evaluation_round.comment_due,
        "appeal_days": evaluation_round.appeal_days,
        "appeal_deadline": evaluation_round.appeal_deadline,
        "status": evaluation_round.status,
        "status_label": evaluation_round.get_status_display(),
        "opened_at": evaluation_round.opened_at,
        "published_at": evaluation_round.published_at,
        "closed_at": evaluation_round.closed_at,
        "pairings": sorted(evaluation_round.pairings.values_list("pk", flat=True)),
        "archived": evaluation_round.is_archived,
        "lock_version": evaluation_round.lock_version,
    }


# ---------------------------------------------------------------- assessments


class EvidenceOut(Schema):
    id: int
    dimension: str
    original_name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    download_url: str


class ItemOut(Schema):
    dimension: str
    name: str
    weight: float
    max_points: int
    evidence_required: str
    self_score: float | None = Field(description="Null until the side submits (for the others).")
    self_evidence: str | None
    evidence_files: list[EvidenceOut]
    peer_comment: str
    ministry_score: float | None = Field(description="Null for the pair until publication.")
    ministry_comment: str | None


class AssessmentOut(Schema):
    id: int
    round: int
    pairing: int
    pairing_name: str
    side: str
    region: str
    status: str
    status_label: str
    self_total: float | None
    submitted_at: dt.datetime | None
    submitted_by: str | None
    peer_comment_at: dt.datetime | None
    ministry_total: float | None = Field(description="Null for the pair until publication.")
    appeal: int | None
    lock_version: int
    items: list[ItemOut]


def evidence_out(evidence: Any, code: str) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": evidence.pk,
        "dimension": code,
        "original_name": evidence.original_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "uploaded_at": evidence.uploaded_at,
        "download_url": reverse("evaluation:evidence_file", args=[evidence.pk]),
    }


def assessment_out(user: Any, assessment: Assessment, *, items: bool = True) -> dict[str, Any]:
    sees_self = perms.can_see_self_assessment(user, assessment)
    sees_score = perms.can_see_scores(user, assessment)
    rows = []
    for item in queries.items_of(assessment) if items else []:
        code = item.dimension.code
        rows.append(
            {
                "dimension": code,
                "name": item.dimension.name,
                "weight": float(item.dimension.weight),
                "max_points": item.dimension.max_points,
                "evidence_required": item.dimension.evidence_required,
                "self_score": _number(item.self_score) if sees_self else None,
                "self_evidence": item.self_evidence if sees_self else None,
                "evidence_files": [evidence_out(f, code) for f in queries.live_files(item)]
                if sees_self
                else [],
                "peer_comment": item.peer_comment,
                "ministry_score": _number(item.ministry_score) if sees_score else None,
                "ministry_comment": item.ministry_comment if sees_score else None,
            }
        )
    appeal = Appeal.objects.filter(assessment=assessment).values_list("pk", flat=True).first()
    return {
        "id": assessment.pk,
        "round": assessment.round_id,
        "pairing": assessment.pairing_id,
        "pairing_name": str(assessment.pairing),
        "side": assessment.side,
        "region": assessment.region.name,
        "status": assessment.status,
        "status_label": assessment.get_status_display(),
        "self_total": _number(assessment.self_total) if sees_self else None,
        "submitted_at": assessment.submitted_at,
        "submitted_by": _name(assessment.submitted_by),
        "peer_comment_at": assessment.peer_comment_at,
        "ministry_total": _number(assessment.ministry_total) if sees_score else None,
        "appeal": appeal,
        "lock_version": assessment.lock_version,
        "items": rows,
    }


class SelfItemIn(Schema):
    score: Decimal | None = Field(None, description="0 to the dimension's max_points.")
    evidence: str = ""


class SelfAssessmentIn(Schema):
    items: dict[str, SelfItemIn] = Field(description="By dimension code; every dimension.")
    lock_version: int | None = Field(None, description=LOCK_HELP)


class PeerCommentIn(Schema):
    comments: dict[str, str] = Field(description="Comment by dimension code; at least one.")
    lock_version: int | None = Field(None, description=LOCK_HELP)


class ScoreItemIn(Schema):
    score: Decimal | None = Field(None, description="0 to the dimension's max_points.")
    comment: str = ""


class ScoreIn(Schema):
    items: dict[str, ScoreItemIn] = Field(description="By dimension code; every dimension.")
    lock_version: int | None = Field(None, description=LOCK_HELP)


# ---------------------------------------------------------------- appeals and rankings


class AppealIn(Schema):
    reasons: str


class DecisionIn(Schema):
    decision: DecisionCode  # type: ignore[valid-type]
    note: str
    scores: dict[str, Decimal] = Field(
        default_factory=dict, description="New points by dimension code (upheld / partly)."
    )
    lock_version: int | None = Field(None, description=LOCK_HELP)


class AppealOut(Schema):
    id: int
    assessment: int
    pairing_name: str
    region: str
    reasons: str
    filed_by: str | None
    filed_at: dt.datetime
    decision: str
    decision_label: str
    decision_note: str
    decided_by: str | None
    decided_at: dt.datetime | None
    changes: dict[str, list[str | None]] = Field(description="{dimension code: [old, new]}")
    lock_version: int


def appeal_out(appeal: Appeal) -> dict[str, Any]:
    assessment = appeal.assessment
    return {
        "id": appeal.pk,
        "assessment": assessment.pk,
        "pairing_name": str(assessment.pairing),
        "region": assessment.region.name,
        "reasons": appeal.reasons,
        "filed_by": _name(appeal.filed_by),
        "filed_at": appeal.filed_at,
        "decision": appeal.decision,
        "decision_label": appeal.get_decision_display(),
        "decision_note": appeal.decision_note,
        "decided_by": _name(appeal.decided_by),
        "decided_at": appeal.decided_at,
        "changes": appeal.changes,
        "lock_version": appeal.lock_version,
    }


class RankOut(Schema):
    rank: int
    previous_rank: int | None = Field(description="Null: new since the previous round (新).")
    rank_change: int | None = Field(description="Places gained (+) or lost (−).")
    score: float
    previous_score: float | None
    score_change: float | None
    pairing: int | None
    region: str | None = Field(description="Region code (partner ranking).")
    name: str
    leading_score: float | None
    partner_score: float | None
    pair_count: int


def rank_out(row: queries.RankRow) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "previous_rank": row.previous_rank,
        "rank_change": row.rank_change,
        "score": float(row.score),
        "previous_score": _number(row.previous_score),
        "score_change": _number(row.score_change),
        "pairing": row.pairing.pk if row.pairing is not None else None,
        "region": row.region.code if row.region is not None else None,
        "name": row.name,
        "leading_score": _number(row.leading_score),
        "partner_score": _number(row.partner_score),
        "pair_count": row.pair_count,
    }
