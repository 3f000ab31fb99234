"""API shapes of consultations. Inputs name topics by code and experts by username or id."""

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from twinning.consultations.models import Answer, Attachment, Comment, Problem

UrgencyCode = Literal["normal", "urgent", "critical"]


def _user(user: Any) -> str | None:
    return user.username if user is not None else None


class ProblemIn(Schema):
    pairing_id: int
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    topic: str | None = Field(None, description="Topic code, e.g. sorted_disposal")
    urgency: UrgencyCode = "normal"
    response_days: int | None = Field(
        None, description="Days to respond (1–60); the platform default when omitted"
    )


class ProblemPatchIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, min_length=1)
    topic: str | None = None
    urgency: UrgencyCode | None = None
    lock_version: int | None = None


class ProblemOut(Schema):
    id: int
    pairing_id: int
    pairing: str
    title: str
    topic: str | None
    urgency: str
    status: str
    status_label: str
    asked_by: str | None
    asked_at: dt.datetime
    response_due: dt.datetime
    overdue: bool
    first_answered_at: dt.datetime | None
    reminded_at: dt.datetime | None
    escalated_at: dt.datetime | None
    rating: int | None
    solved_in_practice_at: dt.datetime | None
    closed_reason: str
    archived: bool
    updated_at: dt.datetime
    lock_version: int

    @staticmethod
    def resolve_pairing(obj: Problem) -> str:
        return str(obj.pairing)

    @staticmethod
    def resolve_topic(obj: Problem) -> str | None:
        return obj.topic.code if obj.topic_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_status_label(obj: Problem) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_asked_by(obj: Problem) -> str | None:
        return _user(obj.asked_by)

    @staticmethod
    def resolve_overdue(obj: Problem) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_archived(obj: Problem) -> bool:
        return obj.is_archived


class ProblemListOut(ProblemOut):
    answer_count: int = 0


class AttachmentOut(Schema):
    id: int
    problem_id: int | None
    answer_id: int | None
    original_name: str
    content_type: str
    size: int
    uploaded_by: str | None
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_uploaded_by(obj: Attachment) -> str | None:
        return _user(obj.uploaded_by)


class CommentOut(Schema):
    id: int
    problem_id: int | None
    answer_id: int | None
    author: str | None
    body: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: Comment) -> str | None:
        return _user(obj.author)


class AnswerOut(Schema):
    id: int
    problem_id: int
    author: str | None
    body: str
    created_at: dt.datetime
    accepted: bool
    accepted_at: dt.datetime | None
    accepted_by: str | None
    archived: bool
    attachments: list[AttachmentOut] = []
    comments: list[CommentOut] = []

    @staticmethod
    def resolve_author(obj: Answer) -> str | None:
        return _user(obj.author)

    @staticmethod
    def resolve_accepted(obj: Answer) -> bool:
        return obj.is_accepted

    @staticmethod
    def resolve_accepted_by(obj: Answer) -> str | None:
        return _user(obj.accepted_by) if obj.accepted_by_id else None

    @staticmethod
    def resolve_archived(obj: Answer) -> bool:
        return obj.is_archived

    @staticmethod
    def resolve_attachments(obj: Answer) -> list[Attachment]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_comments(obj: Answer) -> list[Comment]:
        return [c for c in obj.comments.all() if c.archived_at is None]


class AssignmentOut(Schema):
    id: int
    problem_id: int
    expert: str
    expert_name: str
    assigned_by: str | None
    assigned_at: dt.datetime

    @staticmethod
    def resolve_expert(obj: Any) -> str:
        return str(obj.expert.username)

    @staticmethod
    def resolve_expert_name(obj: Any) -> str:
        return str(obj.expert)

    @staticmethod
    def resolve_assigned_by(obj: Any) -> str | None:
        return _user(obj.assigned_by) if obj.assigned_by_id else None


class ProblemDetailOut(ProblemOut):
    description: str
    rating_comment: str
    assignments: list[AssignmentOut]
    answers: list[AnswerOut]
    comments: list[CommentOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_assignments(obj: Any) -> list[Any]:
        return list(obj.assignment_rows)

    @staticmethod
    def resolve_answers(obj: Any) -> list[Any]:
        return list(obj.answer_rows)

    @staticmethod
    def resolve_comments(obj: Any) -> list[Any]:
        return list(obj.comment_rows)

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachment_rows)


class AssignIn(Schema):
    expert: str = Field(description="The expert's username or user id")


class AnswerIn(Schema):
    body: str = Field(min_length=1)


class RateIn(Schema):
    rating: int = Field(ge=1, le=5)
    comment: str = ""


class CloseIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class ReopenIn(Schema):
    note: str = ""


class CommentIn(Schema):
    body: str = Field(min_length=1)
    answer_id: int | None = None


class SimilarOut(Schema):
    id: int
    title: str
    status: str
    score: float


class PoolIn(Schema):
    user: str = Field(description="The expert's username")
    topic: str = Field(description="Topic code")


class PoolOut(Schema):
    id: int
    user: str
    user_name: str
    topic: str
    topic_name: str
    active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_user(obj: Any) -> str:
        return str(obj.user.username)

    @staticmethod
    def resolve_user_name(obj: Any) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_topic(obj: Any) -> str:
        return str(obj.topic.code)

    @staticmethod
    def resolve_topic_name(obj: Any) -> str:
        return str(obj.topic.name)
