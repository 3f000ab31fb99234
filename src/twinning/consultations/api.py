"""Consultations API: thin handlers over consultations.queries and consultations.services."""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from twinning.consultations import queries, services
from twinning.consultations.models import Answer, Comment, ExpertTopic, Problem
from twinning.consultations.permissions import can_manage_pool
from twinning.consultations.schemas import (
    AnswerIn,
    AnswerOut,
    AssignIn,
    AssignmentOut,
    AttachmentOut,
    CloseIn,
    CommentIn,
    CommentOut,
    PoolIn,
    PoolOut,
    ProblemDetailOut,
    ProblemIn,
    ProblemListOut,
    ProblemPatchIn,
    RateIn,
    ReopenIn,
    SimilarOut,
)
from twinning.consultations.similar import Match, similar_problems
from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import require
from twinning.pairings.schemas import AuditOut
from twinning.plans.models import Topic

router = Router(tags=["consultations"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _detail(request: HttpRequest, problem_id: int) -> Problem:
    return queries.detail_of(queries.get_problem_for(_actor(request), problem_id))


class ProblemQuery(Schema):
    status: str | None = None
    pairing: int | None = None
    topic: str | None = None
    urgency: str | None = None
    overdue: bool = False
    mine: Literal["asked", "assigned"] | None = None
    q: str | None = None
    archived: bool = False
    sort: Literal["asked", "due", "urgency", "status", "updated", "title"] = "asked"


@router.get("/consultations", response=list[ProblemListOut], summary="List problems")
@paginate(PageNumberPagination, page_size=50)
def list_problems(request: HttpRequest, filters: Query[ProblemQuery]) -> QuerySet[Problem]:
    return queries.list_problems_for(_actor(request), queries.ProblemFilters(**filters.dict()))


@router.post(
    "/consultations", response={201: ProblemDetailOut}, summary="Ask a problem (partner side)"
)
def create_problem(request: HttpRequest, payload: ProblemIn) -> tuple[int, Problem]:
    problem = services.create_problem(actor=_actor(request), **payload.dict())
    return 201, _detail(request, problem.pk)


@router.get(
    "/consultations/similar",
    response=list[SimilarOut],
    summary="Visible problems similar to a text (while typing a new one)",
)
def similar(
    request: HttpRequest, q: str, topic: str | None = None, exclude: int | None = None
) -> list[Match]:
    topic_id = (
        Topic.objects.filter(code=topic).values_list("pk", flat=True).first() if topic else None
    )
    return similar_problems(_actor(request), q, topic_id=topic_id, exclude_id=exclude)


@router.get("/consultations/{problem_id}", response=ProblemDetailOut, summary="Get a problem")
def get_problem(request: HttpRequest, problem_id: int) -> Problem:
    return _detail(request, problem_id)


@router.patch(
    "/consultations/{problem_id}", response=ProblemDetailOut, summary="Edit a problem (asker)"
)
def update_problem(request: HttpRequest, problem_id: int, payload: ProblemPatchIn) -> Problem:
    values = payload.dict(exclude_unset=True)
    expected = values.pop("lock_version", None)
    services.update_problem(
        actor=_actor(request), problem_id=problem_id, values=values, expected_version=expected
    )
    return _detail(request, problem_id)


@router.post(
    "/consultations/{problem_id}/assign",
    response={201: AssignmentOut},
    summary="Assign an expert (leading side, Ministry)",
)
def assign_expert(request: HttpRequest, problem_id: int, payload: AssignIn) -> tuple[int, Any]:
    return 201, services.assign_expert(
        actor=_actor(request), problem_id=problem_id, expert=payload.expert
    )


@router.post(
    "/consultations/{problem_id}/answers", response={201: AnswerOut}, summary="Answer a problem"
)
def add_answer(request: HttpRequest, problem_id: int, payload: AnswerIn) -> tuple[int, Answer]:
    return 201, services.add_answer(actor=_actor(request), problem_id=problem_id, body=payload.body)


@router.post(
    "/consultations/{problem_id}/answers/{answer_id}/accept",
    response=AnswerOut,
    summary="Accept an answer (asker, partner-side coordinators)",
)
def accept_answer(request: HttpRequest, problem_id: int, answer_id: int) -> Answer:
    actor = _actor(request)
    if queries.get_answer_for(actor, answer_id).problem_id != problem_id:
        raise NotFound(_("解答不属于该难题。"))
    return services.accept_answer(actor=actor, answer_id=answer_id)


@router.post("/consultations/{problem_id}/rate", response=ProblemDetailOut, summary="Rate the help")
def rate_problem(request: HttpRequest, problem_id: int, payload: RateIn) -> Problem:
    services.rate_problem(
        actor=_actor(request), problem_id=problem_id, rating=payload.rating, comment=payload.comment
    )
    return _detail(request, problem_id)


@router.post(
    "/consultations/{problem_id}/solved",
    response=ProblemDetailOut,
    summary="Mark the accepted solution as working in practice",
)
def mark_solved(request: HttpRequest, problem_id: int) -> Problem:
    services.mark_solved_in_practice(actor=_actor(request), problem_id=problem_id)
    return _detail(request, problem_id)


@router.post(
    "/consultations/{problem_id}/close", response=ProblemDetailOut, summary="Close with a reason"
)
def close_problem(request: HttpRequest, problem_id: int, payload: CloseIn) -> Problem:
    services.close_problem(actor=_actor(request), problem_id=problem_id, reason=payload.reason)
    return _detail(request, problem_id)


@router.post(
    "/consultations/{problem_id}/reopen",
    response=ProblemDetailOut,
    summary="Reopen a resolved or closed problem",
)
def reopen_problem(request: HttpRequest, problem_id: int, payload: ReopenIn) -> Problem:
    services.reopen_problem(actor=_actor(request), problem_id=problem_id, note=payload.note)
    return _detail(request, problem_id)


@router.post(
    "/consultations/{problem_id}/archive", response=ProblemDetailOut, summary="Archive a problem"
)
def archive_problem(request: HttpRequest, problem_id: int) -> Problem:
    services.archive_problem(actor=_actor(request), problem_id=problem_id)
    return _detail(request, problem_id)


@router.post(
    "/consultations/{problem_id}/restore", response=ProblemDetailOut, summary="Restore a problem"
)
def restore_problem(request: HttpRequest, problem_id: int) -> Problem:
    services.archive_problem(actor=_actor(request), problem_id=problem_id, archived=False)
    return _detail(request, problem_id)


@router.post(
    "/consultations/{problem_id}/comments",
    response={201: CommentOut},
    summary="Comment on a problem or one of its answers",
)
def add_comment(request: HttpRequest, problem_id: int, payload: CommentIn) -> tuple[int, Comment]:
    return 201, services.add_comment(
        actor=_actor(request), problem_id=problem_id, body=payload.body, answer_id=payload.answer_id
    )


@router.post(
    "/consultations/{problem_id}/attachments",
    response={201: list[AttachmentOut]},
    summary="Upload files to a problem or to one of its answers (multipart)",
)
def add_attachments(
    request: HttpRequest,
    problem_id: int,
    files: File[list[UploadedFile]],
    answer_id: Form[int | None] = None,
) -> tuple[int, Any]:
    return 201, services.add_attachments(
        actor=_actor(request),
        problem_id=problem_id,
        files=[(f, f.name or "file") for f in files],
        answer_id=answer_id,
    )


@router.get(
    "/consultations/attachments/{attachment_id}/download",
    summary="Download an attachment",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def download_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = queries.get_attachment_for(_actor(request), attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@router.get(
    "/consultations/{problem_id}/history",
    response=list[AuditOut],
    summary="Changes to a problem, its assignments, answers, comments and files",
)
def problem_history(request: HttpRequest, problem_id: int) -> list[AuditEntry]:
    actor = _actor(request)
    return queries.history_of(actor, queries.get_problem_for(actor, problem_id))


# ---------------------------------------------------------------- the national expert pool


@router.get("/expert-pool", response=list[PoolOut], summary="The national expert pool")
def list_pool(request: HttpRequest, inactive: bool = False) -> QuerySet[ExpertTopic]:
    require(can_manage_pool(_actor(request)))
    return queries.list_pool(archived=inactive)


@router.post(
    "/expert-pool", response={201: PoolOut}, summary="Put an expert in a topic's pool (admins)"
)
def add_pool_expert(request: HttpRequest, payload: PoolIn) -> tuple[int, ExpertTopic]:
    return 201, services.add_pool_expert(
        actor=_actor(request), user=payload.user, topic=payload.topic
    )


@router.delete(
    "/expert-pool/{expert_topic_id}",
    response=PoolOut,
    summary="Take an expert out of a topic's pool (kept, inactive)",
)
def remove_pool_expert(request: HttpRequest, expert_topic_id: int) -> ExpertTopic:
    return services.remove_pool_expert(actor=_actor(request), expert_topic_id=expert_topic_id)
