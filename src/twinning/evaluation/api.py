"""API of 阶段评估 (evaluation): thin handlers over evaluation.queries and services.

Records a caller may not see answer 404 (another pair's assessment, a draft round); actions the
caller may not take answer 403 (members and experts only read; scoring and publication are the
Ministry's); a change that clashes with the round's stage answers 409 (e.g. `published`: scores
are frozen), bad input 422 with the field (`score_<dimension code>` …). Errors are problem+json.
"""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from twinning.evaluation import queries, services
from twinning.evaluation.models import Appeal
from twinning.evaluation.schemas import (
    AppealIn,
    AppealOut,
    AssessmentOut,
    DecisionIn,
    EvidenceOut,
    LockIn,
    PeerCommentIn,
    RankOut,
    RoundIn,
    RoundOut,
    RoundPatchIn,
    RoundStatusCode,
    RubricIn,
    RubricOut,
    RubricPatchIn,
    ScoreIn,
    SelfAssessmentIn,
    appeal_out,
    assessment_out,
    evidence_out,
    rank_out,
    round_out,
    rubric_out,
)

router = Router(tags=["evaluation"])

E = "/evaluation"
RUBRIC = f"{E}/rubrics/{{rubric_id}}"
ROUND = f"{E}/rounds/{{round_id}}"
ASSESSMENT = f"{E}/assessments/{{assessment_id}}"


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# ---------------------------------------------------------------- rubrics


@router.get(f"{E}/rubrics", response=list[RubricOut], summary="List rubrics")
def list_rubrics(request: HttpRequest, archived: bool = False) -> list[dict[str, Any]]:
    """Every version in force or retired; drafts only for the Ministry."""
    rows = queries.rubrics_for(_actor(request), archived=archived).prefetch_related("dimensions")
    return [rubric_out(r) for r in rows]


@router.post(f"{E}/rubrics", response={201: RubricOut}, summary="Create a rubric (draft)")
def create_rubric(request: HttpRequest, payload: RubricIn) -> tuple[int, dict[str, Any]]:
    """The Ministry's. Weights must sum to 100 (422 `weights_not_100`)."""
    data = payload.dict()
    rubric = services.create_rubric(actor=_actor(request), **data)
    return 201, rubric_out(queries.rubric_for(_actor(request), rubric.pk))


@router.get(RUBRIC, response=RubricOut, summary="Get a rubric version")
def get_rubric(request: HttpRequest, rubric_id: int) -> dict[str, Any]:
    return rubric_out(queries.rubric_for(_actor(request), rubric_id))


@router.patch(RUBRIC, response=RubricOut, summary="Edit a draft rubric")
def update_rubric(request: HttpRequest, rubric_id: int, payload: RubricPatchIn) -> dict[str, Any]:
    """Only drafts change (409 `rubric_frozen` otherwise); `dimensions` replaces all of them."""
    values = payload.dict(exclude_unset=True)
    services.update_rubric(actor=_actor(request), rubric_id=rubric_id, **values)
    return rubric_out(queries.rubric_for(_actor(request), rubric_id))


@router.post(
    f"{RUBRIC}/new-version", response={201: RubricOut}, summary="Copy a rubric as its next version"
)
def new_rubric_version(request: HttpRequest, rubric_id: int) -> tuple[int, dict[str, Any]]:
    copy = services.new_rubric_version(actor=_actor(request), rubric_id=rubric_id)
    return 201, rubric_out(queries.rubric_for(_actor(request), copy.pk))


@router.post(f"{RUBRIC}/activate", response=RubricOut, summary="Put a draft rubric in force")
def activate_rubric(request: HttpRequest, rubric_id: int, payload: LockIn) -> dict[str, Any]:
    """The version of the same lineage in force until now is retired."""
    services.activate_rubric(
        actor=_actor(request), rubric_id=rubric_id, lock_version=payload.lock_version
    )
    return rubric_out(queries.rubric_for(_actor(request), rubric_id))


@router.post(f"{RUBRIC}/archive", response=RubricOut, summary="Archive a rubric version")
def archive_rubric(request: HttpRequest, rubric_id: int) -> dict[str, Any]:
    services.archive_rubric(actor=_actor(request), rubric_id=rubric_id)
    return rubric_out(queries.rubric_for(_actor(request), rubric_id))


@router.post(f"{RUBRIC}/restore", response=RubricOut, summary="Restore an archived rubric")
def restore_rubric(request: HttpRequest, rubric_id: int) -> dict[str, Any]:
    services.archive_rubric(actor=_actor(request), rubric_id=rubric_id, restore=True)
    return rubric_out(queries.rubric_for(_actor(request), rubric_id))


# ---------------------------------------------------------------- rounds


class RoundQuery(Schema):
    status: RoundStatusCode | None = None  # type: ignore[valid-type]
    archived: bool = Field(False, description="Archived rounds instead of live ones.")


@router.get(f"{E}/rounds", response=list[RoundOut], summary="List evaluation rounds")
def list_rounds(request: HttpRequest, filters: Query[RoundQuery]) -> list[dict[str, Any]]:
    """Rounds your pairs take part in (once opened) and every published round."""
    rows = queries.rounds_for(_actor(request), archived=filters.archived, status=filters.status)
    return [round_out(r) for r in rows.order_by("-period_start", "-pk")]


@router.post(f"{E}/rounds", response={201: RoundOut}, summary="Create an evaluation round")
def create_round(request: HttpRequest, payload: RoundIn) -> tuple[int, dict[str, Any]]:
    """The Ministry's; a draft until opened."""
    data = payload.dict()
    created = services.create_round(
        actor=_actor(request),
        rubric_id=data.pop("rubric"),
        pairing_ids=data.pop("pairings"),
        **data,
    )
    return 201, round_out(queries.round_for(_actor(request), created.pk))


@router.get(ROUND, response=RoundOut, summary="Get an evaluation round")
def get_round(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return round_out(queries.round_for(_actor(request), round_id))


@router.patch(ROUND, response=RoundOut, summary="Edit a draft round")
def update_round(request: HttpRequest, round_id: int, payload: RoundPatchIn) -> dict[str, Any]:
    values = payload.dict(exclude_unset=True)
    if "rubric" in values:
        values["rubric_id"] = values.pop("rubric")
    if "pairings" in values:
        values["pairing_ids"] = values.pop("pairings")
    services.update_round(actor=_actor(request), round_id=round_id, **values)
    return round_out(queries.round_for(_actor(request), round_id))


def _transition(request: HttpRequest, round_id: int, payload: LockIn, action: Any) -> Any:
    action(actor=_actor(request), round_id=round_id, lock_version=payload.lock_version)
    return round_out(queries.round_for(_actor(request), round_id))


@router.post(f"{ROUND}/open", response=RoundOut, summary="Open self-assessment")
def open_round(request: HttpRequest, round_id: int, payload: LockIn) -> dict[str, Any]:
    """Creates each side's assessment and tells the sides' coordinators."""
    return _transition(request, round_id, payload, services.open_round)  # type: ignore[no-any-return]


@router.post(
    f"{ROUND}/close-self-assessment", response=RoundOut, summary="End self-assessment; scoring"
)
def close_self_assessment(request: HttpRequest, round_id: int, payload: LockIn) -> dict[str, Any]:
    return _transition(request, round_id, payload, services.close_self_assessment)  # type: ignore[no-any-return]


@router.post(f"{ROUND}/publish", response=RoundOut, summary="Publish the scores")
def publish_round(request: HttpRequest, round_id: int, payload: LockIn) -> dict[str, Any]:
    """409 `not_all_scored` (listing them) until every assessment is scored."""
    return _transition(request, round_id, payload, services.publish_round)  # type: ignore[no-any-return]


@router.post(f"{ROUND}/close", response=RoundOut, summary="Close the round after the appeals")
def close_round(request: HttpRequest, round_id: int, payload: LockIn) -> dict[str, Any]:
    return _transition(request, round_id, payload, services.close_round)  # type: ignore[no-any-return]


@router.get(
    f"{ROUND}/assessments", response=list[AssessmentOut], summary="The round's assessments you see"
)
def list_assessments(request: HttpRequest, round_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    evaluation_round = queries.round_for(actor, round_id)
    return [assessment_out(actor, a) for a in queries.assessments_for(actor, evaluation_round)]


@router.get(f"{ROUND}/rankings/pairs", response=list[RankOut], summary="Ranking of the pairs")
def pair_ranking(request: HttpRequest, round_id: int) -> list[dict[str, Any]]:
    """By pair score (the mean of both sides); ties share a rank; change since the previous
    published round of the same rubric lineage. 404 for participants until publication."""
    return [rank_out(r) for r in queries.pair_ranking(_actor(request), round_id)]


@router.get(
    f"{ROUND}/rankings/partners", response=list[RankOut], summary="Ranking of partner regions"
)
def partner_ranking(request: HttpRequest, round_id: int) -> list[dict[str, Any]]:
    """By the partner side's score; a region in several pairs: the mean."""
    return [rank_out(r) for r in queries.partner_ranking(_actor(request), round_id)]


@router.get(f"{ROUND}/appeals", response=list[AppealOut], summary="The round's appeals you see")
def list_appeals(request: HttpRequest, round_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    evaluation_round = queries.round_for(actor, round_id)
    return [appeal_out(a) for a in queries.appeals_for(actor, evaluation_round)]


# ---------------------------------------------------------------- assessments


@router.get(ASSESSMENT, response=AssessmentOut, summary="Get an assessment")
def get_assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return assessment_out(actor, queries.assessment_for(actor, assessment_id))


def _assessment(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    return get_assessment(request, assessment_id)


@router.post(
    f"{ASSESSMENT}/self-assessment", response=AssessmentOut, summary="Submit a self-assessment"
)
def submit_self_assessment(
    request: HttpRequest, assessment_id: int, payload: SelfAssessmentIn
) -> dict[str, Any]:
    """The side's coordinator, while the round is open: every dimension scored, with evidence
    where the dimension asks for it (422 `score_<code>` / `evidence_<code>`)."""
    services.submit_self_assessment(
        actor=_actor(request),
        assessment_id=assessment_id,
        items={code: item.dict() for code, item in payload.items.items()},
        lock_version=payload.lock_version,
    )
    return _assessment(request, assessment_id)


@router.post(
    f"{ASSESSMENT}/evidence",
    response={201: EvidenceOut},
    summary="Attach an evidence file (multipart: `file`, `dimension`)",
)
def add_evidence(
    request: HttpRequest, assessment_id: int, file: File[UploadedFile], dimension: Form[str]
) -> tuple[int, dict[str, Any]]:
    """Checked by content: PDF, DOCX, XLSX, JPG, PNG or text (422 `unsupported_file_type` …)."""
    stored = services.add_evidence(
        actor=_actor(request),
        assessment_id=assessment_id,
        dimension_code=dimension,
        file=file,
        name=file.name or "file",
    )
    return 201, evidence_out(stored, dimension)


@router.post(
    f"{ASSESSMENT}/peer-comment", response=AssessmentOut, summary="Comment on the other side"
)
def comment_on_peer(
    request: HttpRequest, assessment_id: int, payload: PeerCommentIn
) -> dict[str, Any]:
    """The other side's coordinator, once the assessment is submitted and the round open."""
    services.comment_on_peer(
        actor=_actor(request),
        assessment_id=assessment_id,
        comments=payload.comments,
        lock_version=payload.lock_version,
    )
    return _assessment(request, assessment_id)


@router.post(f"{ASSESSMENT}/score", response=AssessmentOut, summary="Score an assessment")
def score_assessment(request: HttpRequest, assessment_id: int, payload: ScoreIn) -> dict[str, Any]:
    """The Ministry's, while the round is in scoring; 409 `published` once published."""
    services.score_assessment(
        actor=_actor(request),
        assessment_id=assessment_id,
        items={code: item.dict() for code, item in payload.items.items()},
        lock_version=payload.lock_version,
    )
    return _assessment(request, assessment_id)


@router.post(f"{ASSESSMENT}/appeal", response={201: AppealOut}, summary="Appeal the scores")
def file_appeal(
    request: HttpRequest, assessment_id: int, payload: AppealIn
) -> tuple[int, dict[str, Any]]:
    """Once per side and round, within the appeal window after publication (409
    `already_appealed`, `appeal_window_closed`, `not_published`)."""
    appeal = services.file_appeal(
        actor=_actor(request), assessment_id=assessment_id, reasons=payload.reasons
    )
    return 201, appeal_out(Appeal.objects.select_related("assessment").get(pk=appeal.pk))


@router.post(f"{E}/appeals/{{appeal_id}}/decision", response=AppealOut, summary="Decide an appeal")
def decide_appeal(request: HttpRequest, appeal_id: int, payload: DecisionIn) -> dict[str, Any]:
    """The Ministry's: `upheld` / `partly` change at least one score, `rejected` none."""
    services.decide_appeal(
        actor=_actor(request),
        appeal_id=appeal_id,
        decision=payload.decision,
        note=payload.note,
        scores=payload.scores,
        lock_version=payload.lock_version,
    )
    return appeal_out(get_object_or_404(Appeal.objects.select_related("assessment"), pk=appeal_id))
