"""Reading notices, always starting from what the actor may see (else 404).

The Ministry sees every notice; a user of one side of a pair sees that pair's notices; anyone
else gets NotFound, exactly as for a notice that does not exist.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.plans.models import Task
from twinning.supervision.models import Notice, NoticeFile, NoticeQuerySet, NoticeStep

SORTS: dict[str, tuple[str, ...]] = {
    "issued": ("issued_at",),
    "deadline": ("deadline",),
    "number": ("number",),
    "status": ("status", "deadline"),
    "escalation": ("escalation_level", "deadline"),
}
DEFAULT_SORT = "-issued"


def _not_found() -> NotFound:
    return NotFound(_("督办通知不存在，或您无权查看。"))


def visible_notices(actor: Any) -> NoticeQuerySet:
    """Every notice the actor may see, archived ones included."""
    return Notice.objects.visible_to(actor).select_related(
        "pairing__leading_region", "pairing__partner_region", "issued_by", "closed_by"
    )


def _ordering(sort: str) -> list[str]:
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    descending = sort.startswith("-")
    ordering = [f"-{k}" if descending else k for k in SORTS[key]]
    ordering.append("-id" if descending else "id")
    return ordering


def _province_q(code: str) -> Q:
    from twinning.regions.models import Region

    region = Region.objects.filter(code=code).first()
    if region is None:
        return Q(pk__in=[])
    inside = Region.objects.filter(path__startswith=region.path).values("code")
    return Q(pairing__leading_region__in=inside) | Q(pairing__partner_region__in=inside)


def notices_for(
    user: Any,
    *,
    status: str | None = None,
    overdue: bool = False,
    escalated: bool = False,
    pairing: int | None = None,
    province: str | None = None,
    q: str | None = None,
    archived: bool = False,
    sort: str = DEFAULT_SORT,
    today: dt.date | None = None,
) -> QuerySet[Notice]:
    """The notices the user may see, filtered and sorted (live ones unless `archived`).

    `status` is a status value or "open"; `overdue` keeps open notices past their deadline;
    `province` is a region code: pairs with either side inside it."""
    notices = visible_notices(user).filter(archived_at__isnull=not archived)
    if status == "open":
        notices = notices.open()
    elif status:
        notices = notices.filter(status=status)
    if overdue:
        notices = notices.overdue(today)
    if escalated:
        notices = notices.open().filter(escalation_level__gt=0)
    if pairing:
        notices = notices.filter(pairing_id=pairing)
    if province:
        notices = notices.filter(_province_q(province))
    if q and q.strip():
        text = q.strip()
        notices = notices.filter(Q(number__icontains=text) | Q(title__icontains=text))
    return notices.order_by(*_ordering(sort))


def notice_for(user: Any, notice_id: int) -> Notice:
    """One notice the user may see, else NotFound."""
    notice = visible_notices(user).filter(pk=notice_id).first()
    if notice is None:
        raise _not_found()
    return notice


def open_counts(user: Any, today: dt.date | None = None) -> dict[str, int]:
    """How many of the user's visible live notices are open, overdue and escalated (open ones)."""
    today = today or timezone.localdate()
    counts = (
        Notice.objects.visible_to(user)
        .live()
        .open()
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(deadline__lt=today)),
            escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        )
    )
    return {key: int(counts[key] or 0) for key in ("open", "overdue", "escalated")}


def status_counts(user: Any) -> dict[str, int]:
    """Live notices per status, for the list's summary."""
    rows = Notice.objects.visible_to(user).live().values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(Notice.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def open_notices_by_pairing(pairing_ids: Iterable[int]) -> dict[int, list[Notice]]:
    """The open live notices of the given pairs (unscoped: for builders that already scoped the
    pairs), oldest deadline first."""
    grouped: dict[int, list[Notice]] = defaultdict(list)
    notices = (
        Notice.objects.live()
        .open()
        .filter(pairing_id__in=list(pairing_ids))
        .order_by("deadline", "id")
    )
    for notice in notices:
        grouped[notice.pairing_id].append(notice)
    return dict(grouped)


def steps_of(notice: Notice) -> list[NoticeStep]:
    """The notice's timeline, oldest first, with each step's live files and tasks."""
    return list(
        notice.steps.select_related("actor")
        .prefetch_related(
            Prefetch("files", queryset=NoticeFile.objects.filter(archived_at__isnull=True)),
            Prefetch("tasks", queryset=Task.objects.order_by("number")),
        )
        .order_by("at", "id")
    )


def tasks_of(notice: Notice) -> list[Task]:
    """The rectification tasks (from every submitted plan), with their live status."""
    return list(
        Task.objects.filter(notice_steps__notice=notice)
        .select_related("plan", "owner")
        .distinct()
        .order_by("plan_id", "number")
    )


def file_for(user: Any, notice_id: int, file_id: int) -> NoticeFile:
    """An evidence file of a notice the user may see, else NotFound."""
    notice = notice_for(user, notice_id)
    found = notice.files.filter(pk=file_id).first()
    if found is None:
        raise NotFound(_("文件不存在，或您无权查看。"))
    return found


def history_of(user: Any, notice: Notice) -> QuerySet[AuditEntry]:
    """Recorded changes to the notice (the caller has already found it through `notice_for`)."""
    notice_for(user, notice.pk)
    return AuditEntry.objects.filter(
        target_type=Notice._meta.label_lower, target_id=str(notice.pk)
    ).select_related("actor")
