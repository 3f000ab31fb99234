"""API shapes of the pairing registry: `…In` for what clients send, `…Out` for what they get."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from twinning.core.audit import visible_changes
from twinning.pairings.permissions import can_see_contact_details
from twinning.regions.schemas import RegionRef

SideName = Literal["leading", "partner"]
StatusName = Literal["proposed", "active", "declined", "suspended", "concluded"]
DutyAreaName = Literal[
    "", "policy", "source_sorting", "collection", "treatment", "publicity", "coordination"
]


class PairingOut(Schema):
    id: int
    leading: RegionRef = Field(..., alias="leading_region")
    partner: RegionRef = Field(..., alias="partner_region")
    parent_id: int | None
    level: str
    level_label: str
    status: str
    status_label: str
    established_on: dt.date | None
    source: str
    notes: str
    leading_accepted_at: dt.datetime | None
    partner_accepted_at: dt.datetime | None
    archived_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_level_label(obj: Any) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class PairingDetailOut(PairingOut):
    focus_cities: list[RegionRef]
    sub_pairs: list[PairingOut]

    @staticmethod
    def resolve_focus_cities(obj: Any) -> list[Any]:
        return list(obj.focus_cities.all())

    @staticmethod
    def resolve_sub_pairs(obj: Any) -> list[Any]:
        return list(getattr(obj, "visible_children", []))


class PairingProposeIn(Schema):
    leading_code: str = Field(..., max_length=6, description="Code of the leading region")
    partner_code: str = Field(..., max_length=6, description="Code of the partner region")
    parent_id: int | None = Field(None, description="Parent pair, for a sub-pair")
    focus_city_codes: list[str] = Field(default_factory=list, max_length=50)
    established_on: dt.date | None = None
    source: str = Field("", max_length=200)
    notes: str = Field("", max_length=5000)


class PairingPatchIn(Schema):
    """Only the fields sent are changed."""

    focus_city_codes: list[str] | None = Field(None, max_length=50)
    established_on: dt.date | None = None
    source: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)


class NoteIn(Schema):
    note: str = Field("", max_length=500)


class TransitionIn(Schema):
    to_status: Literal["active", "suspended", "concluded"]
    note: str = Field("", max_length=500)


class BodyIn(Schema):
    side: SideName
    kind: Literal["leading_group", "task_force"]
    name: str = Field(..., min_length=1, max_length=100)
    duties: str = Field("", max_length=5000)


class BodyPatchIn(Schema):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=100)
    duties: str | None = Field(None, max_length=5000)


class BodyOut(Schema):
    id: int
    pairing_id: int
    side: str
    kind: str
    kind_label: str
    name: str
    duties: str
    archived_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class PersonFields(Schema):
    person_name: str = Field(..., min_length=1, max_length=50)
    position: str = Field("", max_length=100)
    unit: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)


class MemberIn(PersonFields):
    body_role: str = Field("", max_length=50, description="e.g. 组长, 副组长, 成员")
    duty_area: DutyAreaName = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


def _private(obj: Any, value: str) -> str | None:
    """Phones and e-mails only for those allowed to see them (the view sets the flag)."""
    return value if getattr(obj, "show_details", False) else None


class MemberOut(Schema):
    id: int
    body_id: int
    person_name: str
    position: str
    unit: str
    body_role: str
    duty_area: str
    phone: str | None
    email: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    archived_at: dt.datetime | None

    @staticmethod
    def resolve_phone(obj: Any) -> str | None:
        return _private(obj, obj.phone)

    @staticmethod
    def resolve_email(obj: Any) -> str | None:
        return _private(obj, obj.email)


class ContactIn(PersonFields):
    side: SideName
    region_code: str = Field(..., max_length=6)
    counterpart_id: int | None = None


class MemberPatchIn(Schema):
    """Only the fields sent are changed."""

    person_name: str | None = Field(None, min_length=1, max_length=50)
    position: str | None = Field(None, max_length=100)
    unit: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    body_role: str | None = Field(None, max_length=50)
    duty_area: DutyAreaName | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ContactPatchIn(Schema):
    """Only the fields sent are changed."""

    person_name: str | None = Field(None, min_length=1, max_length=50)
    position: str | None = Field(None, max_length=100)
    unit: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    region_code: str | None = Field(None, max_length=6)
    counterpart_id: int | None = None


class ContactOut(Schema):
    id: int
    pairing_id: int
    side: str
    region: RegionRef
    person_name: str
    position: str
    unit: str
    phone: str | None
    email: str | None
    counterpart_id: int | None
    archived_at: dt.datetime | None

    @staticmethod
    def resolve_phone(obj: Any) -> str | None:
        return _private(obj, obj.phone)

    @staticmethod
    def resolve_email(obj: Any) -> str | None:
        return _private(obj, obj.email)


class AuditOut(Schema):
    at: dt.datetime
    actor: str | None
    action: str
    target_type: str
    target_label: str
    changes: dict[str, Any]
    note: str

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_note(obj: Any) -> str:
        return str(obj.note_display)

    @staticmethod
    def resolve_changes(obj: Any, context: Any) -> dict[str, Any]:
        """Phones and e-mails masked for readers who may not see them."""
        actor = context["request"].auth
        allowed = obj.pairing is not None and can_see_contact_details(actor, obj.pairing)
        return visible_changes(obj.changes, allowed)


class OverviewOut(Schema):
    total: int
    by_status: dict[str, int]
    by_level: dict[str, int]
    regions_involved: int
    provinces_involved: int
