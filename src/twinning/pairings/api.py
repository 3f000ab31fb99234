"""Pairings API: thin handlers over pairings.queries and pairings.services."""

from collections.abc import Iterable
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from twinning.core.api import RowPagination
from twinning.core.models import AuditEntry
from twinning.pairings import permissions as perms
from twinning.pairings import queries, services
from twinning.pairings.models import Body, Contact, Member, Pairing
from twinning.pairings.schemas import (
    PAIRING_ROW_FIELDS,
    AuditOut,
    BodyIn,
    BodyOut,
    BodyPatchIn,
    ContactIn,
    ContactOut,
    ContactPatchIn,
    MemberIn,
    MemberOut,
    MemberPatchIn,
    NoteIn,
    OverviewOut,
    PairingDetailOut,
    PairingOut,
    PairingPatchIn,
    PairingProposeIn,
    TransitionIn,
    pairing_detail,
    pairing_row,
    pairing_values,
)

router = Router(tags=["pairings"])
Row = dict[str, Any]


class PairingQuery(Schema):
    province: str | None = None
    level: str | None = None
    status: str | None = None
    q: str | None = None
    parent: int | None = None
    top_level_only: bool = False
    archived: bool = False
    sort: str = queries.DEFAULT_SORT


class ArchivedQuery(Schema):
    archived: bool = False


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _out(pairing: Pairing) -> Row:
    """A pair after a change, as PairingOut."""
    return pairing_row(pairing_values(pairing))


def _sent(payload: Schema) -> dict[str, Any]:
    """PATCH semantics: the fields the client sent, and only those."""
    return payload.dict(exclude_unset=True)


def _with_details(actor: Any, pairing: Pairing, rows: Iterable[Any]) -> list[Any]:
    """Mark rows whose phones and e-mails the actor may see (the schema reads the mark)."""
    allowed = perms.can_see_contact_details(actor, pairing)
    items = list(rows)
    for row in items:
        row.show_details = allowed
    return items


@router.get("/pairings", response=list[PairingOut], summary="List pairs")
@paginate(RowPagination, page_size=50, row=pairing_row)
def list_pairings(request: HttpRequest, filters: Query[PairingQuery]) -> Any:
    pairings = queries.list_pairings_for(_actor(request), queries.PairingFilters(**filters.dict()))
    return pairings.values(*PAIRING_ROW_FIELDS)


@router.get("/pairings/overview", response=OverviewOut, summary="Programme numbers")
def overview(request: HttpRequest) -> Any:
    return queries.overview_for(_actor(request))


@router.post("/pairings", response={201: PairingDetailOut}, summary="Propose a pair")
def propose_pairing(request: HttpRequest, payload: PairingProposeIn) -> tuple[int, Row]:
    pairing = services.propose_pairing(actor=_actor(request), **payload.dict())
    return 201, pairing_detail(queries.get_pairing_detail_for(_actor(request), pairing.pk))


@router.get("/pairings/{pairing_id}", response=PairingDetailOut, summary="Get a pair")
def get_pairing(request: HttpRequest, pairing_id: int) -> Row:
    return pairing_detail(queries.get_pairing_detail_for(_actor(request), pairing_id))


@router.patch("/pairings/{pairing_id}", response=PairingDetailOut, summary="Edit a pair")
def update_pairing(request: HttpRequest, pairing_id: int, payload: PairingPatchIn) -> Row:
    values = _sent(payload)
    services.update_pairing(actor=_actor(request), pairing_id=pairing_id, values=values)
    return pairing_detail(queries.get_pairing_detail_for(_actor(request), pairing_id))


@router.post("/pairings/{pairing_id}/accept", response=PairingOut, summary="Accept a proposal")
def accept_pairing(request: HttpRequest, pairing_id: int, payload: NoteIn) -> Row:
    actor = _actor(request)
    return _out(services.accept_pairing(actor=actor, pairing_id=pairing_id, note=payload.note))


@router.post("/pairings/{pairing_id}/decline", response=PairingOut, summary="Decline a proposal")
def decline_pairing(request: HttpRequest, pairing_id: int, payload: NoteIn) -> Row:
    actor = _actor(request)
    return _out(services.decline_pairing(actor=actor, pairing_id=pairing_id, note=payload.note))


@router.post(
    "/pairings/{pairing_id}/transitions",
    response=PairingOut,
    summary="Suspend, resume or conclude a pair",
)
def transition_pairing(request: HttpRequest, pairing_id: int, payload: TransitionIn) -> Row:
    pairing = services.transition_pairing(
        actor=_actor(request), pairing_id=pairing_id, to_status=payload.to_status, note=payload.note
    )
    return _out(pairing)


@router.post("/pairings/{pairing_id}/archive", response=PairingOut, summary="Archive a pair")
def archive_pairing(request: HttpRequest, pairing_id: int) -> Row:
    return _out(services.archive_pairing(actor=_actor(request), pairing_id=pairing_id))


@router.post("/pairings/{pairing_id}/restore", response=PairingOut, summary="Restore a pair")
def restore_pairing(request: HttpRequest, pairing_id: int) -> Row:
    return _out(services.restore_pairing(actor=_actor(request), pairing_id=pairing_id))


@router.get("/pairings/{pairing_id}/history", response=list[AuditOut], summary="Recorded changes")
@paginate(PageNumberPagination, page_size=50)
def pairing_history(request: HttpRequest, pairing_id: int) -> QuerySet[AuditEntry]:
    return queries.history_for(_actor(request), pairing_id)


@router.get("/pairings/{pairing_id}/bodies", response=list[BodyOut], summary="List bodies")
def list_bodies(request: HttpRequest, pairing_id: int, filters: Query[ArchivedQuery]) -> Any:
    return queries.list_bodies_for(_actor(request), pairing_id, archived=filters.archived)


@router.post("/pairings/{pairing_id}/bodies", response={201: BodyOut}, summary="Create a body")
def create_body(request: HttpRequest, pairing_id: int, payload: BodyIn) -> tuple[int, Body]:
    return 201, services.create_body(actor=_actor(request), pairing_id=pairing_id, **payload.dict())


@router.patch("/bodies/{body_id}", response=BodyOut, summary="Edit a body")
def update_body(request: HttpRequest, body_id: int, payload: BodyPatchIn) -> Body:
    return services.update_body(actor=_actor(request), body_id=body_id, values=_sent(payload))


@router.post("/bodies/{body_id}/archive", response=BodyOut, summary="Archive a body")
def archive_body(request: HttpRequest, body_id: int) -> Body:
    return services.archive_body(actor=_actor(request), body_id=body_id)


@router.post("/bodies/{body_id}/restore", response=BodyOut, summary="Restore a body")
def restore_body(request: HttpRequest, body_id: int) -> Body:
    return services.restore_body(actor=_actor(request), body_id=body_id)


@router.get("/bodies/{body_id}/members", response=list[MemberOut], summary="List members")
def list_members(request: HttpRequest, body_id: int, filters: Query[ArchivedQuery]) -> Any:
    body = queries.get_body_for(_actor(request), body_id)
    members = queries.members_of(body, archived=filters.archived)
    return _with_details(_actor(request), body.pairing, members)


@router.post("/bodies/{body_id}/members", response={201: MemberOut}, summary="Add a member")
def add_member(request: HttpRequest, body_id: int, payload: MemberIn) -> tuple[int, Member]:
    member = services.add_member(actor=_actor(request), body_id=body_id, values=payload.dict())
    return 201, _with_details(_actor(request), member.body.pairing, [member])[0]


@router.patch("/members/{member_id}", response=MemberOut, summary="Edit a member")
def update_member(request: HttpRequest, member_id: int, payload: MemberPatchIn) -> Member:
    member = services.update_member(
        actor=_actor(request), member_id=member_id, values=_sent(payload)
    )
    return _with_details(_actor(request), member.body.pairing, [member])[0]  # type: ignore[no-any-return]


def _member_state(
    request: HttpRequest, member_id: int, action: Literal["archive", "restore"]
) -> Member:
    change = services.archive_member if action == "archive" else services.restore_member
    member = change(actor=_actor(request), member_id=member_id)
    return _with_details(_actor(request), member.body.pairing, [member])[0]  # type: ignore[no-any-return]


@router.post("/members/{member_id}/archive", response=MemberOut, summary="Archive a member")
def archive_member(request: HttpRequest, member_id: int) -> Member:
    return _member_state(request, member_id, "archive")


@router.post("/members/{member_id}/restore", response=MemberOut, summary="Restore a member")
def restore_member(request: HttpRequest, member_id: int) -> Member:
    return _member_state(request, member_id, "restore")


@router.get("/pairings/{pairing_id}/contacts", response=list[ContactOut], summary="List contacts")
def list_contacts(request: HttpRequest, pairing_id: int, filters: Query[ArchivedQuery]) -> Any:
    pairing = queries.get_pairing_for(_actor(request), pairing_id)
    return _with_details(_actor(request), pairing, queries.contacts_of(pairing, filters.archived))


@router.post("/pairings/{pairing_id}/contacts", response={201: ContactOut}, summary="Add a contact")
def add_contact(request: HttpRequest, pairing_id: int, payload: ContactIn) -> tuple[int, Contact]:
    values = payload.dict(exclude={"side"})
    contact = services.add_contact(
        actor=_actor(request), pairing_id=pairing_id, side=payload.side, values=values
    )
    return 201, _with_details(_actor(request), contact.pairing, [contact])[0]


@router.patch("/contacts/{contact_id}", response=ContactOut, summary="Edit a contact")
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatchIn) -> Contact:
    contact = services.update_contact(
        actor=_actor(request), contact_id=contact_id, values=_sent(payload)
    )
    return _with_details(_actor(request), contact.pairing, [contact])[0]  # type: ignore[no-any-return]


def _contact_state(
    request: HttpRequest, contact_id: int, action: Literal["archive", "restore"]
) -> Contact:
    change = services.archive_contact if action == "archive" else services.restore_contact
    contact = change(actor=_actor(request), contact_id=contact_id)
    return _with_details(_actor(request), contact.pairing, [contact])[0]  # type: ignore[no-any-return]


@router.post("/contacts/{contact_id}/archive", response=ContactOut, summary="Archive a contact")
def archive_contact(request: HttpRequest, contact_id: int) -> Contact:
    return _contact_state(request, contact_id, "archive")


@router.post("/contacts/{contact_id}/restore", response=ContactOut, summary="Restore a contact")
def restore_contact(request: HttpRequest, contact_id: int) -> Contact:
    return _contact_state(request, contact_id, "restore")
