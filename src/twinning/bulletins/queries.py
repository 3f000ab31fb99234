"""Reading bulletins, always starting from what the user may see (else NotFound → 404)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from twinning.bulletins import permissions as perms
from twinning.bulletins.models import Bulletin
from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry

SORTS = {
    "period": ("period_end", "id"),
    "-period": ("-period_end", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
}
DEFAULT_SORT = "-period"


@dataclass
class BulletinFilters:
    scope: str | None = None
    status: str | None = None
    period: str | None = None  # a period code, or its year ("2021" also finds "2021H1")
    q: str | None = None
    archived: bool = False
    sort: str = DEFAULT_SORT


def visible_bulletins(user: Any) -> QuerySet[Bulletin]:
    return Bulletin.objects.filter(perms.visible_q(user)).select_related(
        "region", "pairing__leading_region", "pairing__partner_region", "created_by"
    )


def list_bulletins(user: Any, filters: BulletinFilters | None = None) -> QuerySet[Bulletin]:
    filters = filters or BulletinFilters()
    rows = visible_bulletins(user).filter(archived_at__isnull=not filters.archived)
    if filters.scope:
        rows = rows.filter(scope=filters.scope)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.period:
        rows = rows.filter(period_code__startswith=filters.period.strip().upper())
    if filters.q:
        rows = rows.filter(title__icontains=filters.q.strip())
    return rows.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def get_bulletin(user: Any, bulletin_id: int) -> Bulletin:
    found = visible_bulletins(user).filter(pk=bulletin_id).first()
    if found is None:
        raise NotFound(_("简报不存在，或您无权查看。"))
    return found


def history_of(user: Any, bulletin: Bulletin) -> QuerySet[AuditEntry]:
    """The bulletin's changes, newest first (the caller already sees the bulletin)."""
    get_bulletin(user, bulletin.pk)
    return AuditEntry.objects.filter(
        target_type=Bulletin._meta.label_lower, target_id=str(bulletin.pk)
    ).select_related("actor")
