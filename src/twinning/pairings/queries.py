"""Reading the pairing registry, always starting from what the actor may see."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from twinning.core.audit import visible_changes
from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.pairings.models import Body, Contact, Member, Pairing
from twinning.pairings.permissions import can_see_contact_details
from twinning.regions.models import Region

SORTS = {
    "leading": ("leading_region__code", "partner_region__code"),
    "partner": ("partner_region__code", "leading_region__code"),
    "level": ("level", "leading_region__code"),
    "status": ("status", "leading_region__code"),
    "established": ("established_on", "leading_region__code"),
    "updated": ("updated_at", "id"),
}
DEFAULT_SORT = "leading"


@dataclass(frozen=True)
class PairingFilters:
    province: str | None = None
    level: str | None = None
    status: str | None = None
    q: str | None = None
    parent: int | None = None
    top_level_only: bool = False
    archived: bool = False
    sort: str = DEFAULT_SORT


def _visible(actor: Any) -> QuerySet[Pairing]:
    return Pairing.objects.visible_to(actor).select_related("leading_region", "partner_region")


def list_pairings_for(actor: Any, filters: PairingFilters = PairingFilters()) -> QuerySet[Pairing]:
    """The pairs the actor may see, filtered and sorted."""
    pairings = _visible(actor).filter(archived_at__isnull=not filters.archived)
    if filters.province:
        prefix = f"/{filters.province}/"
        pairings = pairings.filter(
            Q(leading_region__path__startswith=prefix) | Q(partner_region__path__startswith=prefix)
        )
    if filters.level:
        pairings = pairings.filter(level=filters.level)
    if filters.status:
        pairings = pairings.filter(status=filters.status)
    if filters.parent is not None:
        pairings = pairings.filter(parent_id=filters.parent)
    elif filters.top_level_only:
        pairings = pairings.filter(parent__isnull=True)
    if filters.q:
        text = filters.q.strip()
        pairings = pairings.filter(
            Q(leading_region__name__contains=text)
            | Q(partner_region__name__contains=text)
            | Q(notes__contains=text)
        )
    descending = filters.sort.startswith("-")
    keys = SORTS.get(filters.sort.lstrip("-"), SORTS[DEFAULT_SORT])
    ordering = [f"-{k}" if descending else k for k in keys]
    # A subquery rather than Count("children"): a join would GROUP BY every selected column.
    live_children = (
        Pairing.objects.filter(parent=OuterRef("pk"), archived_at__isnull=True)
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return pairings.annotate(
        child_count=Coalesce(Subquery(live_children, output_field=IntegerField()), 0)
    ).order_by(*ordering, "id")


def get_pairing_for(actor: Any, pairing_id: int) -> Pairing:
    """One pair the actor may see (archived ones included), else NotFound."""
    pairing = _visible(actor).filter(pk=pairing_id).select_related("parent").first()
    if pairing is None:
        raise NotFound(_("结对不存在。"))
    return pairing


def get_pairing_detail_for(actor: Any, pairing_id: int) -> Pairing:
    """A pair with its sub-pairs, bodies, members and contacts loaded in a few queries."""
    members = Member.objects.order_by("archived_at", "id")
    bodies = Body.objects.prefetch_related(Prefetch("members", queryset=members))
    contacts = Contact.objects.select_related("region", "counterpart")
    # The prefetch narrows this to the pair's own children; the actor's scope still applies.
    children = list_pairings_for(actor)
    pairing = (
        _visible(actor)
        .filter(pk=pairing_id)
        .select_related("parent", "proposed_by")
        .prefetch_related(
            "focus_cities",
            Prefetch("bodies", queryset=bodies),
            Prefetch("contacts", queryset=contacts),
            Prefetch("children", queryset=children, to_attr="visible_children"),
        )
        .first()
    )
    if pairing is None:
        raise NotFound(_("结对不存在。"))
    return pairing


def history_for(actor: Any, pairing_id: int) -> QuerySet[AuditEntry]:
    """The recorded changes of a pair and of everything that hangs on it, newest first.

    Phones and e-mails in them are for the readers who may see them: show entries through
    `readable_history`, which masks them for the others.
    """
    pairing = get_pairing_for(actor, pairing_id)
    return AuditEntry.objects.filter(pairing=pairing).select_related("actor", "pairing")


def readable_changes(actor: Any, entry: AuditEntry) -> dict[str, Any]:
    """An entry's changes with private values masked where the actor may not see them."""
    allowed = entry.pairing is not None and can_see_contact_details(actor, entry.pairing)
    return visible_changes(entry.changes, allowed)


def readable_history(actor: Any, entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Entries whose changes are what the actor may read (see `readable_changes`)."""
    rows = list(entries)
    for entry in rows:
        entry.changes = readable_changes(actor, entry)
    return rows


def get_body_for(actor: Any, body_id: int) -> Body:
    body: Body | None = (
        Body.objects.visible_to(actor)
        .select_related("pairing__leading_region", "pairing__partner_region")
        .filter(pk=body_id)
        .first()
    )
    if body is None:
        raise NotFound(_("机构不存在。"))
    return body


def get_member_for(actor: Any, member_id: int) -> Member:
    member = (
        Member.objects.visible_to(actor)
        .select_related("body__pairing__leading_region", "body__pairing__partner_region")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound(_("成员不存在。"))
    return member


def get_contact_for(actor: Any, contact_id: int) -> Contact:
    contact: Contact | None = (
        Contact.objects.visible_to(actor)
        .select_related("pairing__leading_region", "pairing__partner_region", "region")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise NotFound(_("联络员不存在。"))
    return contact


def list_bodies_for(actor: Any, pairing_id: int, archived: bool = False) -> QuerySet[Body]:
    pairing = get_pairing_for(actor, pairing_id)
    return pairing.bodies.filter(archived_at__isnull=not archived).order_by("side", "kind", "id")


def members_of(body: Body, archived: bool = False) -> QuerySet[Member]:
    """The members of a body already fetched through `get_body_for`."""
    return body.members.filter(archived_at__isnull=not archived).order_by("id")


def contacts_of(pairing: Pairing, archived: bool = False) -> QuerySet[Contact]:
    """The liaison contacts of a pair already fetched through `get_pairing_for`."""
    return (
        pairing.contacts.filter(archived_at__isnull=not archived)
        .select_related("region", "counterpart")
        .order_by("side", "region_id", "id")
    )


@dataclass(frozen=True)
class Overview:
    total: int
    by_status: dict[str, int]
    by_level: dict[str, int]
    regions_involved: int
    provinces_involved: int
    map_lines: list[dict[str, Any]]


Point = tuple[float, float]
_SIDE_COLUMNS = ("name", "path", "lng", "lat")


def overview_for(actor: Any) -> Overview:
    """The programme in numbers, and the lines the map draws, for what the actor may see."""
    # Plain tuples: building hundreds of model instances costs more than the query itself.
    columns = [
        "id",
        "status",
        "level",
        "parent_id",
        *(f"leading_region__{c}" for c in _SIDE_COLUMNS),
        *(f"partner_region__{c}" for c in _SIDE_COLUMNS),
    ]
    rows = list(
        Pairing.objects.visible_to(actor)
        .filter(archived_at__isnull=True)
        .exclude(status=Pairing.Status.DECLINED)
        .order_by("id")
        .values_list(*columns)
    )
    by_status: dict[str, int] = {}
    by_level: dict[str, int] = {}
    regions: set[str] = set()
    for row in rows:
        by_status[row[1]] = by_status.get(row[1], 0) + 1
        by_level[row[2]] = by_level.get(row[2], 0) + 1
        regions.update((row[5], row[9]))
    provinces = {path.strip("/").split("/")[0] for path in regions}
    seats = _province_seats(provinces)
    levels = _health_levels(actor)
    lines = []
    for pk, status, _level, parent_id, *sides in rows:
        leading = _point(sides[1], sides[2], sides[3], seats)
        partner = _point(sides[5], sides[6], sides[7], seats)
        if leading and partner:
            lines.append(
                {
                    "id": pk,
                    "name": f"{sides[0]}—{sides[4]}",
                    "status": status,
                    "sub": parent_id is not None,
                    "coords": [leading, partner],
                    # green / amber / red; None while the pair's health is not computed yet
                    "health": levels.get(pk),
                }
            )
    return Overview(
        total=len(rows),
        by_status=by_status,
        by_level=by_level,
        regions_involved=len(regions),
        provinces_involved=len(provinces),
        map_lines=lines,
    )


def _health_levels(actor: Any) -> dict[int, str]:
    """Each visible pair's health level (one query; none for an anonymous reader)."""
    if not getattr(actor, "is_authenticated", False):
        return {}
    from twinning.health.queries import levels_by_pairing  # health builds on pairings

    return levels_by_pairing(actor)


def _province_seats(province_codes: set[str]) -> dict[str, Point]:
    """Province seats, used for regions that have no coordinates of their own."""
    rows = Region.objects.filter(code__in=province_codes, lng__isnull=False, lat__isnull=False)
    seats: dict[str, Point] = {}
    for code, lng, lat in rows.values_list("code", "lng", "lat"):
        if lng is not None and lat is not None:
            seats[code] = (lng, lat)
    return seats


def _point(
    path: str, lng: float | None, lat: float | None, seats: dict[str, Point]
) -> Point | None:
    if lng is not None and lat is not None:
        return (lng, lat)
    return seats.get(path.strip("/").split("/")[0])
