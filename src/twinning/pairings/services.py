"""Writing the pairing registry: proposals, the lifecycle, bodies, members and contacts.

Every function checks permission, validates, writes inside one transaction and records the change.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid
from twinning.core.permissions import is_ministry, require
from twinning.core.validation import clean
from twinning.pairings import permissions as perms
from twinning.pairings import queries
from twinning.pairings.models import Body, Contact, Member, Pairing, Side
from twinning.regions.models import Region

Status = Pairing.Status

# Which status may follow which, outside the proposal (accept/decline have their own services).
TRANSITIONS: dict[str, set[str]] = {
    Status.ACTIVE: {Status.SUSPENDED, Status.CONCLUDED},
    Status.SUSPENDED: {Status.ACTIVE, Status.CONCLUDED},
}
PAIRING_FIELDS = ["established_on", "source", "notes", "focus_cities"]
BODY_FIELDS = ["name", "duties"]
MEMBER_FIELDS = [
    "person_name",
    "position",
    "unit",
    "body_role",
    "duty_area",
    "phone",
    "email",
    "start_date",
    "end_date",
]
CONTACT_FIELDS = ["region", "person_name", "position", "unit", "phone", "email", "counterpart"]


def level_for(leading: Region, partner: Region) -> str:
    """The level follows from the two regions: a district with a city is county-prefecture."""
    return f"{leading.level}-{partner.level}"


def _inside(region: Region, container: Region) -> bool:
    return region.path.startswith(container.path)


def _region(code: str | None, field: str) -> Region:
    region = Region.objects.filter(code=code or "").first()
    if region is None:
        message = _("区划代码“%(code)s”不存在。") % {"code": code or ""}
        raise Invalid(message, code="unknown_region", fields={field: [message]})
    return region


def _snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    values = audit.snapshot(obj, [f for f in fields if f != "focus_cities"])
    if "focus_cities" in fields and obj.pk:
        values["focus_cities"] = sorted(str(r) for r in obj.focus_cities.all())  # type: ignore[attr-defined]
    return values


def _check_duplicate(leading: Region, partner: Region, exclude_pk: int | None = None) -> None:
    live = Pairing.objects.live().filter(status__in=Pairing.LIVE_STATUSES)
    clash = live.filter(
        Q(leading_region=leading, partner_region=partner)
        | Q(leading_region=partner, partner_region=leading)
    )
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            _("%(a)s 与 %(b)s 之间已有进行中的结对。") % {"a": leading.name, "b": partner.name},
            code="duplicate_pair",
        )


def _check_focus_cities(partner: Region, cities: list[Region]) -> None:
    outside = [c.name for c in cities if not _inside(c, partner)]
    if outside:
        message = _("重点城市须位于结对方 %(partner)s 境内：%(names)s。") % {
            "partner": partner.name,
            "names": "、".join(outside),
        }
        raise Invalid(message, code="focus_city_outside", fields={"focus_cities": [message]})


def _check_parent(
    actor: User | None, parent_id: int | None, leading: Region, partner: Region
) -> Pairing | None:
    if parent_id is None:
        return None
    parent = Pairing.objects.live().filter(pk=parent_id).first()
    if parent is None or (actor is not None and not perms.can_view(actor, parent)):
        message = _("上级结对不存在。")
        raise Invalid(message, code="unknown_parent", fields={"parent": [message]})
    if not (_inside(leading, parent.leading_region) and _inside(partner, parent.partner_region)):
        message = _("子结对的双方须分别位于上级结对 %(parent)s 的先行方和结对方境内。") % {
            "parent": str(parent)
        }
        raise Invalid(message, code="outside_parent", fields={"parent": [message]})
    return parent


@transaction.atomic
def propose_pairing(
    *,
    actor: User | None,
    leading_code: str,
    partner_code: str,
    parent_id: int | None = None,
    focus_city_codes: Iterable[str] = (),
    established_on: dt.date | None = None,
    source: str = "",
    notes: str = "",
) -> Pairing:
    """Propose a pair; the proposer's own side counts as accepted. `actor=None` is the system
    loading the programme's record, whose pairs are active from the start."""
    if actor is not None:
        require(perms.can_propose(actor), _("只有协调员和部级督导可以提议结对。"))
    leading = _region(leading_code, "leading_region")
    partner = _region(partner_code, "partner_region")
    if leading.code == partner.code:
        message = _("一个地区不能与自身结对。")
        raise Invalid(message, code="self_pair", fields={"partner_region": [message]})
    if _inside(leading, partner) or _inside(partner, leading):
        message = _("结对双方不能是包含关系（如一个省与其下辖的市）。")
        raise Invalid(message, code="nested_regions", fields={"partner_region": [message]})
    parent = _check_parent(actor, parent_id, leading, partner)
    cities = [_region(code, "focus_cities") for code in focus_city_codes]
    _check_focus_cities(partner, cities)
    _check_duplicate(leading, partner)
    pairing = Pairing(
        leading_region=leading,
        partner_region=partner,
        parent=parent,
        level=level_for(leading, partner),
        established_on=established_on,
        source=source,
        notes=notes,
        proposed_by=actor,
    )
    now = timezone.now()
    own_sides = (
        perms.sides_of(actor, pairing) if actor is not None else {Side.LEADING, Side.PARTNER}
    )
    if actor is not None and not own_sides and not is_ministry(actor):
        message = _("只能提议本地区作为一方的结对。")
        raise Invalid(message, code="not_own_region", fields={"leading_region": [message]})
    pairing.leading_accepted_at = now if Side.LEADING in own_sides else None
    pairing.partner_accepted_at = now if Side.PARTNER in own_sides else None
    if pairing.leading_accepted_at and pairing.partner_accepted_at:
        pairing.status = Status.ACTIVE
        pairing.status_changed_at = now
    clean(pairing, exclude=["parent", "proposed_by"])
    try:
        with transaction.atomic():
            pairing.save()
    except IntegrityError as exc:  # a concurrent identical proposal won the race
        raise Conflict(_("这两个地区之间已有进行中的结对。"), code="duplicate_pair") from exc
    pairing.focus_cities.set(cities)
    audit.record(
        actor=actor,
        action="create",
        target=pairing,
        pairing=pairing,
        changes=audit.diff({}, _snapshot(pairing, ["status", "level", "parent", *PAIRING_FIELDS])),
    )
    return pairing


def _locked(actor: User, pairing_id: int) -> Pairing:
    """The pair, visible to the actor, locked for the rest of the transaction."""
    pairing = queries.get_pairing_for(actor, pairing_id)
    return (
        Pairing.objects.select_for_update()
        .select_related("leading_region", "partner_region")
        .get(pk=pairing.pk)
    )


def _set_status(actor: User, pairing: Pairing, status: str, note: str, extra: list[str]) -> Pairing:
    old = pairing.status
    pairing.status = status
    pairing.status_changed_at = timezone.now()
    pairing.save(update_fields=["status", "status_changed_at", "updated_at", *extra])
    audit.record(
        actor=actor,
        action="transition",
        target=pairing,
        pairing=pairing,
        changes={"status": [old, status]} if old != status else {},
        note=note,
    )
    return pairing


def _require_proposed(pairing: Pairing) -> None:
    if pairing.status != Status.PROPOSED:
        raise Conflict(
            _("该结对当前状态为“%(status)s”，不能再确认或谢绝。")
            % {"status": pairing.get_status_display()},
            code="invalid_transition",
        )


@transaction.atomic
def accept_pairing(*, actor: User, pairing_id: int, note: str = "") -> Pairing:
    """The other side accepts a proposal; once both sides have, the pair is active."""
    pairing = _locked(actor, pairing_id)
    require(bool(perms.can_respond(actor, pairing)), _("只有结对双方的协调员可以确认该结对。"))
    _require_proposed(pairing)
    waiting = {s for s in (Side.LEADING, Side.PARTNER) if pairing.accepted_at(s) is None}
    mine = perms.can_respond(actor, pairing) & waiting
    require(bool(mine), _("只有尚未确认一方的协调员可以确认该结对。"))
    now = timezone.now()
    for side in mine:
        setattr(pairing, f"{side}_accepted_at", now)
    fields = [f"{side}_accepted_at" for side in mine]
    if waiting - mine:
        pairing.save(update_fields=[*fields, "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            target=pairing,
            pairing=pairing,
            note=gettext_noop("一方已确认"),
        )
        return pairing
    if pairing.established_on is None:
        pairing.established_on = timezone.localdate()
        fields.append("established_on")
    return _set_status(actor, pairing, Status.ACTIVE, note, fields)


@transaction.atomic
def decline_pairing(*, actor: User, pairing_id: int, note: str = "") -> Pairing:
    """Either side's coordinator declines (or withdraws) a proposal."""
    pairing = _locked(actor, pairing_id)
    require(bool(perms.can_respond(actor, pairing)), _("只有结对双方的协调员可以谢绝该结对。"))
    _require_proposed(pairing)
    return _set_status(actor, pairing, Status.DECLINED, note, [])


@transaction.atomic
def transition_pairing(*, actor: User, pairing_id: int, to_status: str, note: str = "") -> Pairing:
    """Suspend, resume or conclude an active pair."""
    pairing = _locked(actor, pairing_id)
    require(perms.can_transition(actor, pairing), _("您无权变更该结对的状态。"))
    if to_status not in TRANSITIONS.get(pairing.status, set()):
        target = Status(to_status).label if to_status in Status.values else to_status
        raise Conflict(
            _("结对不能从“%(old)s”变为“%(new)s”。")
            % {"old": pairing.get_status_display(), "new": target},
            code="invalid_transition",
        )
    return _set_status(actor, pairing, to_status, note, [])


@transaction.atomic
def update_pairing(*, actor: User, pairing_id: int, values: dict[str, Any]) -> Pairing:
    """Edit the pair's own record: the fields named in `values` (established_on, source, notes,
    focus_city_codes); its two regions and parent do not change."""
    pairing = _locked(actor, pairing_id)
    require(perms.can_manage(actor, pairing), _("只有结对双方的协调员可以修改结对信息。"))
    before = _snapshot(pairing, PAIRING_FIELDS)
    fields = [f for f in ("established_on", "source", "notes") if f in values]
    for name in fields:
        setattr(pairing, name, values[name])
    clean(pairing, exclude=["parent", "proposed_by"])
    if "focus_city_codes" in values:
        cities = [_region(code, "focus_cities") for code in values["focus_city_codes"] or []]
        _check_focus_cities(pairing.partner_region, cities)
        pairing.focus_cities.set(cities)
    pairing.save(update_fields=[*fields, "updated_at"])
    changes = audit.diff(before, _snapshot(pairing, PAIRING_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", target=pairing, pairing=pairing, changes=changes)
    return pairing


def _archive(actor: User, obj: Any, pairing: Pairing) -> Any:
    if obj.archived_at is not None:
        raise Conflict(_("该记录已归档。"), code="already_archived")
    obj.archived_at, obj.archived_by = timezone.now(), actor
    obj.save(update_fields=["archived_at", "archived_by"])
    audit.record(actor=actor, action="archive", target=obj, pairing=pairing)
    return obj


def _restore(actor: User, obj: Any, pairing: Pairing) -> Any:
    if obj.archived_at is None:
        raise Conflict(_("该记录未归档。"), code="not_archived")
    obj.archived_at, obj.archived_by = None, None
    obj.save(update_fields=["archived_at", "archived_by"])
    audit.record(actor=actor, action="restore", target=obj, pairing=pairing)
    return obj


@transaction.atomic
def archive_pairing(*, actor: User, pairing_id: int) -> Pairing:
    """Archive a pair (kept and retrievable); its live sub-pairs must be archived first."""
    pairing = _locked(actor, pairing_id)
    require(perms.can_manage(actor, pairing), _("只有结对双方的协调员可以归档结对。"))
    if pairing.children.filter(archived_at__isnull=True).exists():
        raise Conflict(_("请先归档该结对下的子结对。"), code="has_live_children")
    result: Pairing = _archive(actor, pairing, pairing)
    return result


@transaction.atomic
def restore_pairing(*, actor: User, pairing_id: int) -> Pairing:
    pairing = _locked(actor, pairing_id)
    require(perms.can_manage(actor, pairing), _("只有结对双方的协调员可以恢复结对。"))
    if pairing.parent is not None and pairing.parent.archived_at is not None:
        raise Conflict(_("上级结对已归档，请先恢复上级结对。"), code="parent_archived")
    if pairing.status in Pairing.LIVE_STATUSES:
        _check_duplicate(pairing.leading_region, pairing.partner_region, exclude_pk=pairing.pk)
    result: Pairing = _restore(actor, pairing, pairing)
    return result


def _apply(
    actor: User | None, obj: Any, pairing: Pairing, fields: list[str], values: dict[str, Any]
) -> Any:
    """Set, validate and save the given fields of a side record, and record what changed."""
    before = audit.snapshot(obj, fields) if obj.pk else {}
    for name, value in values.items():
        setattr(obj, name, value)
    clean(obj)
    creating = obj.pk is None
    if creating:
        obj.save()
    else:
        obj.save(update_fields=list(values))
    changes = audit.diff(before, audit.snapshot(obj, fields))
    if creating or changes:
        action = "create" if creating else "update"
        audit.record(actor=actor, action=action, target=obj, pairing=pairing, changes=changes)
    return obj


def _require_side(actor: User, pairing: Pairing, side: str) -> None:
    if side not in Side.values:
        message = _("所属方应为先行方或结对方。")
        raise Invalid(message, code="invalid_side", fields={"side": [message]})
    require(
        perms.can_edit_side(actor, pairing, side), _("只有本方的协调员和成员可以维护本方信息。")
    )


@transaction.atomic
def create_body(
    *, actor: User, pairing_id: int, side: str, kind: str, name: str, duties: str = ""
) -> Body:
    """Set up one side's leading group or task force."""
    pairing = _locked(actor, pairing_id)
    _require_side(actor, pairing, side)
    if Body.objects.filter(pairing=pairing, side=side, kind=kind, archived_at=None).exists():
        raise Conflict(_("该方已有同类机构，请修改现有机构。"), code="duplicate_body")
    body = Body(pairing=pairing, side=side, kind=kind)
    result: Body = _apply(actor, body, pairing, BODY_FIELDS, {"name": name, "duties": duties})
    return result


@transaction.atomic
def update_body(*, actor: User, body_id: int, values: dict[str, Any]) -> Body:
    """Rename a body or change its duties (the fields named in `values`)."""
    body = queries.get_body_for(actor, body_id)
    _require_side(actor, body.pairing, body.side)
    changes = {k: v for k, v in values.items() if k in BODY_FIELDS}
    result: Body = _apply(actor, body, body.pairing, BODY_FIELDS, changes)
    return result


@transaction.atomic
def archive_body(*, actor: User, body_id: int) -> Body:
    body = queries.get_body_for(actor, body_id)
    _require_side(actor, body.pairing, body.side)
    result: Body = _archive(actor, body, body.pairing)
    return result


@transaction.atomic
def restore_body(*, actor: User, body_id: int) -> Body:
    body = queries.get_body_for(actor, body_id)
    _require_side(actor, body.pairing, body.side)
    if Body.objects.filter(
        pairing=body.pairing, side=body.side, kind=body.kind, archived_at=None
    ).exists():
        raise Conflict(_("该方已有同类机构，不能恢复。"), code="duplicate_body")
    result: Body = _restore(actor, body, body.pairing)
    return result


def _check_dates(values: dict[str, Any]) -> None:
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        message = _("终止日期不能早于起始日期。")
        raise Invalid(message, code="invalid_dates", fields={"end_date": [message]})


@transaction.atomic
def add_member(*, actor: User, body_id: int, values: dict[str, Any]) -> Member:
    """Add a person to a leading group or task force."""
    body = queries.get_body_for(actor, body_id)
    _require_side(actor, body.pairing, body.side)
    if body.archived_at is not None:
        raise Conflict(_("机构已归档，不能添加成员。"), code="archived")
    _check_dates(values)
    result: Member = _apply(actor, Member(body=body), body.pairing, MEMBER_FIELDS, values)
    return result


@transaction.atomic
def update_member(*, actor: User, member_id: int, values: dict[str, Any]) -> Member:
    member = queries.get_member_for(actor, member_id)
    pairing = member.body.pairing
    _require_side(actor, pairing, member.body.side)
    _check_dates({"start_date": member.start_date, "end_date": member.end_date, **values})
    result: Member = _apply(actor, member, pairing, MEMBER_FIELDS, values)
    return result


@transaction.atomic
def archive_member(*, actor: User, member_id: int) -> Member:
    member = queries.get_member_for(actor, member_id)
    _require_side(actor, member.body.pairing, member.body.side)
    result: Member = _archive(actor, member, member.body.pairing)
    return result


@transaction.atomic
def restore_member(*, actor: User, member_id: int) -> Member:
    member = queries.get_member_for(actor, member_id)
    _require_side(actor, member.body.pairing, member.body.side)
    result: Member = _restore(actor, member, member.body.pairing)
    return result


def _contact_values(pairing: Pairing, side: str, values: dict[str, Any]) -> dict[str, Any]:
    """Resolve the contact's region code and counterpart id, checking both belong to the pair."""
    resolved = dict(values)
    if "region_code" in resolved:
        region = _region(resolved.pop("region_code"), "region")
        if not _inside(region, pairing.region_of(side)):
            message = _("联络员所在区划须位于本方 %(side)s 境内。") % {
                "side": pairing.region_of(side).name
            }
            raise Invalid(message, code="region_outside_side", fields={"region": [message]})
        resolved["region"] = region
    if "counterpart_id" in resolved:
        counterpart_id = resolved.pop("counterpart_id")
        counterpart = None
        if counterpart_id is not None:
            counterpart = pairing.contacts.filter(pk=counterpart_id, archived_at=None).first()
            if counterpart is None or counterpart.side == side:
                message = _("对口联络员须是本结对另一方的联络员。")
                raise Invalid(
                    message, code="invalid_counterpart", fields={"counterpart": [message]}
                )
        resolved["counterpart"] = counterpart
    return resolved


@transaction.atomic
def add_contact(*, actor: User, pairing_id: int, side: str, values: dict[str, Any]) -> Contact:
    """Add a liaison contact for one side of the pair."""
    pairing = _locked(actor, pairing_id)
    _require_side(actor, pairing, side)
    resolved = _contact_values(pairing, side, values)
    contact = Contact(pairing=pairing, side=side)
    result: Contact = _apply(actor, contact, pairing, CONTACT_FIELDS, resolved)
    return result


@transaction.atomic
def update_contact(*, actor: User, contact_id: int, values: dict[str, Any]) -> Contact:
    contact = queries.get_contact_for(actor, contact_id)
    _require_side(actor, contact.pairing, contact.side)
    resolved = _contact_values(contact.pairing, contact.side, values)
    result: Contact = _apply(actor, contact, contact.pairing, CONTACT_FIELDS, resolved)
    return result


@transaction.atomic
def archive_contact(*, actor: User, contact_id: int) -> Contact:
    contact = queries.get_contact_for(actor, contact_id)
    _require_side(actor, contact.pairing, contact.side)
    result: Contact = _archive(actor, contact, contact.pairing)
    return result


@transaction.atomic
def restore_contact(*, actor: User, contact_id: int) -> Contact:
    contact = queries.get_contact_for(actor, contact_id)
    _require_side(actor, contact.pairing, contact.side)
    result: Contact = _restore(actor, contact, contact.pairing)
    return result


@transaction.atomic
def create_body_as_system(
    *, pairing: Pairing, side: str, kind: str, name: str, duties: str
) -> Body:
    """A body recorded from the programme's sources rather than by a user (no permission check)."""
    body = Body(pairing=pairing, side=side, kind=kind)
    result: Body = _apply(None, body, pairing, BODY_FIELDS, {"name": name, "duties": duties})
    return result
