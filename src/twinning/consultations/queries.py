"""Reading problems, always starting from `visible_problems` (outsiders get 404)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.accounts.models import Role, User
from twinning.consultations.models import (
    Answer,
    Assignment,
    Attachment,
    Comment,
    ExpertTopic,
    Problem,
    Urgency,
)
from twinning.consultations.permissions import can_ask
from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import is_ministry, region_scope_q
from twinning.pairings.models import Pairing
from twinning.pairings.queries import readable_history
from twinning.regions.models import Region

URGENCY_ORDER = Case(
    When(urgency=Urgency.CRITICAL, then=Value(0)),
    When(urgency=Urgency.URGENT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
SORTS: dict[str, tuple[Any, ...]] = {
    "asked": ("-asked_at", "-id"),
    "due": ("response_due", "id"),
    "urgency": (URGENCY_ORDER.asc(), "response_due", "id"),
    "status": ("status", "-asked_at", "id"),
    "updated": ("-updated_at", "-id"),
    "title": ("title", "id"),
}


def visible_problems(actor: Any) -> QuerySet[Problem]:
    """THE visibility rule: the problems of the pairs the actor sees (the Ministry sees all),
    the problems the actor is assigned to, and, for pool experts, the problems of their topics
    wherever they are."""
    if not getattr(actor, "is_authenticated", False):
        return Problem.objects.none()
    if is_ministry(actor):
        return Problem.objects.all()
    condition = region_scope_q(actor, "pairing__leading_region", "pairing__partner_region")
    condition |= Q(pk__in=Assignment.objects.filter(expert_id=actor.pk).values("problem_id"))
    if actor.role == Role.EXPERT:
        pool = ExpertTopic.objects.filter(user_id=actor.pk, active=True).values("topic_id")
        condition |= Q(topic_id__in=pool)
    return Problem.objects.filter(condition)


def can_see(actor: Any, problem_id: int) -> bool:
    """Whether `actor` may see the problem (the same rule as every list and page)."""
    return visible_problems(actor).filter(pk=problem_id).exists()


def _not_found() -> NotFound:
    return NotFound(_("难题不存在，或您无权查看。"))


def get_problem_for(actor: Any, problem_id: int) -> Problem:
    problem = (
        visible_problems(actor)
        .select_related("pairing__leading_region", "pairing__partner_region", "topic", "asked_by")
        .filter(pk=problem_id)
        .first()
    )
    if problem is None:
        raise _not_found()
    return problem


def get_answer_for(actor: Any, answer_id: int) -> Answer:
    answer = (
        Answer.objects.filter(pk=answer_id, problem__in=visible_problems(actor))
        .select_related("problem__pairing__leading_region", "problem__pairing__partner_region")
        .first()
    )
    if answer is None:
        raise NotFound(_("解答不存在，或您无权查看。"))
    return answer


def get_attachment_for(actor: Any, attachment_id: int) -> Attachment:
    visible = visible_problems(actor)
    attachment = (
        Attachment.objects.filter(pk=attachment_id)
        .filter(Q(problem__in=visible) | Q(answer__problem__in=visible))
        .first()
    )
    if attachment is None:
        raise NotFound(_("附件不存在，或您无权查看。"))
    return attachment


@dataclass(frozen=True)
class ProblemFilters:
    status: str | None = None
    pairing: int | None = None
    topic: str | None = None
    urgency: str | None = None
    overdue: bool = False
    mine: str | None = None  # "asked" or "assigned"
    q: str | None = None
    archived: bool = False
    sort: str = "asked"


def list_problems_for(actor: Any, filters: ProblemFilters = ProblemFilters()) -> QuerySet[Problem]:
    """Problems the actor may see, with their answer counts, filtered and sorted."""
    problems = visible_problems(actor).filter(archived_at__isnull=not filters.archived)
    if filters.status:
        problems = problems.filter(status=filters.status)
    if filters.pairing:
        problems = problems.filter(pairing_id=filters.pairing)
    if filters.topic:
        problems = problems.filter(topic__code=filters.topic)
    if filters.urgency:
        problems = problems.filter(urgency=filters.urgency)
    if filters.overdue:
        problems = problems.filter(status__in=Problem.AWAITING, response_due__lt=timezone.now())
    if filters.mine == "asked":
        problems = problems.filter(asked_by_id=actor.pk)
    elif filters.mine == "assigned":
        problems = problems.filter(
            pk__in=Assignment.objects.filter(expert_id=actor.pk).values("problem_id")
        )
    if filters.q:
        text = filters.q.strip()
        problems = problems.filter(
            Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(pairing__leading_region__name__icontains=text)
            | Q(pairing__partner_region__name__icontains=text)
        )
    # A correlated count: grouping every problem to count answers made the page sort them all.
    answers = Coalesce(
        Subquery(
            Answer.objects.filter(problem=OuterRef("pk"), archived_at__isnull=True)
            .order_by()
            .values("problem")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    return (
        problems.select_related(
            "pairing__leading_region", "pairing__partner_region", "topic", "asked_by"
        )
        .annotate(answer_count=answers)
        .order_by(*SORTS.get(filters.sort, SORTS["asked"]))
    )


def problems_by_status(actor: Any) -> dict[str, int]:
    rows = (
        visible_problems(actor)
        .filter(archived_at__isnull=True)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def overdue_count(actor: Any) -> int:
    return (
        visible_problems(actor)
        .filter(
            archived_at__isnull=True, status__in=Problem.AWAITING, response_due__lt=timezone.now()
        )
        .count()
    )


def detail_of(problem: Problem) -> Problem:
    """The problem with its assignments, answers, comments and files loaded in a few queries."""
    live_comments = Comment.objects.filter(archived_at__isnull=True).select_related("author")
    answers = (
        Answer.objects.filter(problem=problem)
        .select_related("author", "accepted_by")
        .prefetch_related(
            Prefetch("comments", queryset=live_comments),
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
        )
    )
    problem.answer_rows = list(answers)  # type: ignore[attr-defined]
    problem.assignment_rows = list(  # type: ignore[attr-defined]
        problem.assignments.select_related("expert__organisation", "assigned_by")
    )
    problem.comment_rows = list(live_comments.filter(problem=problem))  # type: ignore[attr-defined]
    problem.attachment_rows = list(  # type: ignore[attr-defined]
        problem.attachments.select_related("uploaded_by")
    )
    return problem


def history_of(actor: Any, problem: Problem) -> list[AuditEntry]:
    """The recorded changes of a problem and everything hanging off it, newest first."""

    def ids(rows: Any) -> list[str]:
        return [str(pk) for pk in rows.values_list("pk", flat=True)]

    answers = Answer.objects.filter(problem=problem)
    entries = AuditEntry.objects.filter(
        Q(target_type="consultations.problem", target_id=str(problem.pk))
        | Q(target_type="consultations.answer", target_id__in=ids(answers))
        | Q(target_type="consultations.assignment", target_id__in=ids(problem.assignments))
        | Q(
            target_type="consultations.comment",
            target_id__in=ids(Comment.objects.filter(Q(problem=problem) | Q(answer__in=answers))),
        )
        | Q(
            target_type="consultations.attachment",
            target_id__in=ids(
                Attachment.objects.filter(Q(problem=problem) | Q(answer__in=answers))
            ),
        )
    ).select_related("actor", "pairing")[:500]
    return readable_history(actor, entries)


# ---------------------------------------------------------------- people


def _covering_paths(region: Region) -> list[str]:
    """The paths of `region` and of every region containing it."""
    parts = region.path.strip("/").split("/")
    return [f"/{'/'.join(parts[:i])}/" for i in range(1, len(parts) + 1)]


def side_users(region: Region, roles: Iterable[str]) -> QuerySet[User]:
    """Active users of `roles` whose organisation's region is, or contains, `region`."""
    return User.objects.filter(
        is_active=True,
        role__in=list(roles),
        organisation__region__path__in=_covering_paths(region),
    )


def pool_experts(topic_id: int | None) -> QuerySet[User]:
    """The active national-pool experts of a topic."""
    if topic_id is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True,
        role=Role.EXPERT,
        pk__in=ExpertTopic.objects.filter(topic_id=topic_id, active=True).values("user_id"),
    )


def expert_candidates(problem: Problem) -> QuerySet[User]:
    """Experts a problem may be assigned to: the leading side's experts and the topic's pool."""
    leading = side_users(problem.pairing.leading_region, [Role.EXPERT]).values("pk")
    pool = pool_experts(problem.topic_id).values("pk")
    return (
        User.objects.filter(Q(pk__in=leading) | Q(pk__in=pool))
        .select_related("organisation")
        .order_by("full_name", "username")
    )


def askable_pairs(actor: Any) -> list[Pairing]:
    """Live pairs on whose partner side the actor may post problems."""
    if str(getattr(actor, "role", "")) not in {Role.COORDINATOR, Role.MEMBER}:
        return []  # only a side's coordinators and members ask: no need to load every pair
    pairs = (
        Pairing.objects.visible_to(actor)
        .live()
        .filter(status=Pairing.Status.ACTIVE)
        .select_related("leading_region", "partner_region")
    )
    return [p for p in pairs if can_ask(actor, p)]


def list_pool(archived: bool = False) -> QuerySet[ExpertTopic]:
    return (
        ExpertTopic.objects.filter(active=not archived)
        .select_related("user__organisation", "topic")
        .order_by("topic__position", "topic_id", "user__full_name", "user__username")
    )
