"""API shapes of the pairing registry: `…In` for what clients send, `…Out` for what they get."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from twinning.pairings.models import Pairing, choice_label
from twinning.pairings.queries import readable_changes

SideName = Literal["leading", "partner"]
StatusName = Literal["proposed", "active", "declined", "suspended", "concluded"]
DutyAreaName = Literal[
    "", "policy", "source_sorting", "collection", "treatment", "publicity", "coordination"
]


class RegionBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str


class PairingOut(BaseModel):
    """A pair as the API shows it. A plain pydantic model filled from `pairing_row`: ninja's
    attribute-by-attribute getter made lists of pairs twice as slow to serialise."""

    id: int
    leading: RegionBrief
    partner: RegionBrief
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


class PairingDetailOut(PairingOut):
    focus_cities: list[RegionBrief]
    sub_pairs: list[PairingOut]


def _region_brief(region: Any) -> dict[str, str]:
    return {"code": region.code, "name": region.name, "level": region.level}


# The columns PairingOut is made of, as `values()` names them: the API list reads these
# straight from the database, without building model instances.
PAIRING_ROW_FIELDS = (
    "id",
    "parent_id",
    "level",
    "status",
    "established_on",
    "source",
    "notes",
    "leading_accepted_at",
    "partner_accepted_at",
    "archived_at",
    "created_at",
    "updated_at",
    *(
        f"{side}_region__{column}"
        for side in ("leading", "partner")
        for column in ("code", "name", "level")
    ),
)


def pairing_values(pairing: Any) -> dict[str, Any]:
    """A loaded pair as the `values(*PAIRING_ROW_FIELDS)` dict of the same row."""
    values = {}
    for name in PAIRING_ROW_FIELDS:
        target = pairing
        for part in name.split("__"):
            target = getattr(target, part)
        values[name] = target
    return values


def pairing_row(values: dict[str, Any]) -> dict[str, Any]:
    """PairingOut's fields from a `values(*PAIRING_ROW_FIELDS)` dict."""
    row = {name: values[name] for name in PAIRING_ROW_FIELDS if "__" not in name}
    for side in ("leading", "partner"):
        row[side] = {c: values[f"{side}_region__{c}"] for c in ("code", "name", "level")}
    row["level_label"] = choice_label(Pairing.Level, values["level"])
    row["status_label"] = choice_label(Pairing.Status, values["status"])
    return row


def pairing_detail(pairing: Any) -> dict[str, Any]:
    """The fields of PairingDetailOut, from `queries.get_pairing_detail_for`."""
    children = getattr(pairing, "visible_children", [])
    return {
        **pairing_row(pairing_values(pairing)),
        "focus_cities": [_region_brief(city) for city in pairing.focus_cities.all()],
        "sub_pairs": [pairing_row(pairing_values(child)) for child in children],
    }


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


class PersonPatchFields(Schema):
    """Only the fields sent are changed."""

    person_name: str | None = Field(None, min_length=1, max_length=50)
    position: str | None = Field(None, max_length=100)
    unit: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)


class MemberPatchIn(PersonPatchFields):
    body_role: str | None = Field(None, max_length=50)
    duty_area: DutyAreaName | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ContactPatchIn(PersonPatchFields):
    region_code: str | None = Field(None, max_length=6)
    counterpart_id: int | None = None


class ContactOut(Schema):
    id: int
    pairing_id: int
    side: str
    region: RegionBrief
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
        return readable_changes(context["request"].auth, obj)


class OverviewOut(Schema):
    total: int
    by_status: dict[str, int]
    by_level: dict[str, int]
    regions_involved: int
    provinces_involved: int
