"""API shapes of work plans. Inputs name records by id, code or username; outputs say both."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from twinning.pairings.models import choice_label
from twinning.plans.models import Method, Plan, ResponsibleSide, Task

MethodCode = Literal[tuple(Method.values)]  # type: ignore[valid-type]
SideCode = Literal["leading", "partner", "joint"]
TaskStatus = Literal["not_started", "in_progress", "done", "blocked", "cancelled"]


class RollupOut(Schema):
    progress: int
    total: int
    done: int


class PlanOut(Schema):
    id: int
    pairing_id: int
    pairing: str
    lineage: str
    version: int
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str
    status_label: str
    archived: bool
    updated_at: dt.datetime
    lock_version: int

    @staticmethod
    def resolve_pairing(obj: Plan) -> str:
        return str(obj.pairing)

    @staticmethod
    def resolve_lineage(obj: Plan) -> str:
        return str(obj.lineage)

    @staticmethod
    def resolve_status_label(obj: Plan) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_archived(obj: Plan) -> bool:
        return obj.is_archived


class PlanListOut(PlanOut):
    task_count: int = 0
    overdue_count: int = 0


class GoalOut(Schema):
    id: int
    key: str
    text: str
    indicator: str
    unit: str
    target_value: Decimal | None
    due_date: dt.date | None
    position: int
    archived: bool

    @staticmethod
    def resolve_key(obj: Any) -> str:
        return str(obj.key)

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return bool(obj.is_archived)


class PhaseOut(Schema):
    id: int
    key: str
    name: str
    start_date: dt.date
    end_date: dt.date
    description: str
    position: int
    archived: bool
    progress: RollupOut | None = None

    @staticmethod
    def resolve_progress(obj: Any) -> Any:
        return getattr(obj, "progress", None)

    @staticmethod
    def resolve_key(obj: Any) -> str:
        return str(obj.key)

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return bool(obj.is_archived)


class PlanDetailOut(PlanOut):
    principles: str
    background: str
    methods: list[str]
    method_labels: list[str]
    topics: list[str]
    source: str
    submitted_at: dt.datetime | None
    leading_signed_at: dt.datetime | None
    partner_signed_at: dt.datetime | None
    filed_at: dt.datetime | None
    in_force_at: dt.datetime | None
    review_comment: str
    previous_id: int | None
    goals: list[GoalOut]
    phases: list[PhaseOut]
    progress: RollupOut
    task_count: int
    overdue_count: int

    # api._detail attaches the plan's roll-ups as `overview` (queries.PlanOverview).
    @staticmethod
    def resolve_method_labels(obj: Plan) -> list[str]:
        return obj.method_labels()

    @staticmethod
    def resolve_topics(obj: Plan) -> list[str]:
        return [t.code for t in obj.topics.all()]

    @staticmethod
    def resolve_goals(obj: Any) -> Any:
        return obj.overview.goals

    @staticmethod
    def resolve_phases(obj: Any) -> Any:
        return obj.overview.phases

    @staticmethod
    def resolve_progress(obj: Any) -> Any:
        return obj.overview.overall

    @staticmethod
    def resolve_task_count(obj: Any) -> int:
        return int(obj.overview.task_count)

    @staticmethod
    def resolve_overdue_count(obj: Any) -> int:
        return int(obj.overview.overdue_count)


class PlanIn(Schema):
    pairing_id: int
    title: str = Field(max_length=200)
    period_start: dt.date
    period_end: dt.date
    principles: str = ""
    background: str = ""
    methods: list[MethodCode] = []  # type: ignore[valid-type]
    topics: list[str] = Field(default=[], description="Topic codes (GET /topics).")
    template_id: int | None = None


class PlanPatchIn(Schema):
    title: str = Field(default="", max_length=200)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    principles: str = ""
    background: str = ""
    methods: list[MethodCode] = []  # type: ignore[valid-type]
    topics: list[str] = []
    lock_version: int | None = Field(
        default=None, description="The version you read; a stale one is refused with 409."
    )


class CommentIn(Schema):
    comment: str = Field(default="", max_length=2000)


class GoalIn(Schema):
    text: str
    indicator: str = Field(default="", max_length=100)
    unit: str = Field(default="", max_length=20)
    target_value: Decimal | None = None
    due_date: dt.date | None = None
    position: int | None = None


class GoalPatchIn(Schema):
    text: str = ""
    indicator: str = Field(default="", max_length=100)
    unit: str = Field(default="", max_length=20)
    target_value: Decimal | None = None
    due_date: dt.date | None = None
    position: int | None = None


class PhaseIn(Schema):
    name: str = Field(max_length=100)
    start_date: dt.date
    end_date: dt.date
    description: str = ""
    position: int | None = None


class PhasePatchIn(Schema):
    name: str = Field(default="", max_length=100)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    description: str = ""
    position: int | None = None


class TaskOut(Schema):
    id: int
    plan_id: int
    key: str
    number: int
    parent_number: int | None
    title: str
    topic: str | None
    phase_id: int | None
    phase: str | None
    side: str
    side_label: str
    body_id: int | None
    owner: str | None
    co_owners: list[str]
    start_date: dt.date | None
    due_date: dt.date | None
    status: str
    status_label: str
    progress: int
    weight: int
    deliverable: str
    evidence_required: bool
    completed_on: dt.date | None
    overdue: bool
    notes: str
    archived: bool
    updated_at: dt.datetime
    updated_by: str | None
    lock_version: int

    @staticmethod
    def resolve_key(obj: Task) -> str:
        return str(obj.key)

    @staticmethod
    def resolve_parent_number(obj: Task) -> int | None:
        return obj.parent.number if obj.parent_id and obj.parent else None

    @staticmethod
    def resolve_topic(obj: Task) -> str | None:
        return obj.topic.code if obj.topic else None

    @staticmethod
    def resolve_phase(obj: Task) -> str | None:
        return obj.phase.name if obj.phase else None

    @staticmethod
    def resolve_side_label(obj: Task) -> str:
        return choice_label(ResponsibleSide, obj.side)

    @staticmethod
    def resolve_owner(obj: Task) -> str | None:
        return obj.owner.username if obj.owner else None

    @staticmethod
    def resolve_co_owners(obj: Task) -> list[str]:
        return [u.username for u in obj.co_owners.all()]

    @staticmethod
    def resolve_status_label(obj: Task) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_overdue(obj: Task) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_archived(obj: Task) -> bool:
        return obj.is_archived

    @staticmethod
    def resolve_updated_by(obj: Task) -> str | None:
        return obj.updated_by.username if obj.updated_by else None


class TaskIn(Schema):
    title: str = Field(max_length=300)
    topic: str | None = Field(default=None, description="Topic code or name.")
    phase: int | None = Field(default=None, description="Phase id of this plan.")
    side: SideCode = "joint"
    body: int | None = Field(default=None, description="Body id of this pair.")
    parent: int | None = Field(default=None, description="Number of the parent task.")
    owner: str | None = Field(default=None, description="Username (or full name).")
    co_owners: list[str] = []
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    weight: int = Field(default=1, ge=0, le=100)
    deliverable: str = Field(default="", max_length=300)
    evidence_required: bool = False
    notes: str = ""


class TaskPatchIn(Schema):
    title: str = Field(default="", max_length=300)
    topic: str | None = None
    phase: int | None = None
    side: SideCode = "joint"
    body: int | None = None
    parent: int | None = None
    owner: str | None = None
    co_owners: list[str] = []
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    weight: int = Field(default=1, ge=0, le=100)
    deliverable: str = Field(default="", max_length=300)
    evidence_required: bool = False
    status: TaskStatus = "not_started"
    completed_on: dt.date | None = None
    notes: str = ""
    lock_version: int | None = Field(
        default=None, description="The version you read; a stale one is refused with 409."
    )


class BulkStatusIn(Schema):
    task_ids: list[int]
    status: TaskStatus


class EvidenceOut(Schema):
    id: int
    task_id: int
    original_name: str
    content_type: str
    size: int
    description: str
    uploaded_by: str | None
    uploaded_at: dt.datetime
    archived: bool

    @staticmethod
    def resolve_uploaded_by(obj: Any) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by_id else None

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return bool(obj.is_archived)


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class ChangeOut(Schema):
    field: str
    old: Any
    new: Any


class ItemChangeOut(Schema):
    kind: str
    label: str
    fields: list[ChangeOut]


class ComparisonOut(Schema):
    older_id: int
    older_version: int
    newer_id: int
    newer_version: int
    plan_fields: list[ChangeOut]
    goals: list[ItemChangeOut]
    phases: list[ItemChangeOut]
    tasks: list[ItemChangeOut]


class TemplateOut(Schema):
    id: int
    code: str
    name: str
    description: str
    source: str
    principles: str
    methods: list[str]
    phases: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    position: int
    archived: bool

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return bool(obj.is_archived)


class TemplateIn(Schema):
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    description: str = ""
    source: str = ""
    principles: str = ""
    methods: list[MethodCode] = []  # type: ignore[valid-type]
    phases: list[dict[str, Any]] = Field(
        default=[], description="[{name, offset_years, years, description}]"
    )
    goals: list[dict[str, Any]] = Field(default=[], description="[{text}]")
    tasks: list[dict[str, Any]] = Field(
        default=[], description="[{title, phase (index), side, topic (code), deliverable}]"
    )
    position: int = 0


class TemplatePatchIn(TemplateIn):
    code: str = Field(default="", max_length=40)
    name: str = Field(default="", max_length=100)


class TopicOut(Schema):
    id: int
    code: str
    name: str
    position: int
    archived: bool

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return bool(obj.is_archived)


class TopicIn(Schema):
    code: str = Field(max_length=40)
    name: str = Field(max_length=50)
    position: int = 0


class TopicPatchIn(Schema):
    code: str = Field(default="", max_length=40)
    name: str = Field(default="", max_length=50)
    position: int = 0
