"""What the health API reads and returns."""

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from twinning.health.engine import reason_text
from twinning.health.models import HealthChange, Level, PairHealth
from twinning.pairings.models import Pairing, choice_label
from twinning.pairings.schemas import RegionBrief

LevelCode = Literal["green", "amber", "red"]

REASON_CODES = (
    "`no_plan`, `plan_not_filed`, `overdue_tasks`, `silence`, `missing_reports`, "
    "`late_reports`, `targets`, `unanswered_problems`"
)


class ReasonOut(Schema):
    code: str = Field(description=f"The rule that fired: {REASON_CODES}.")
    severity: LevelCode = Field(description="`amber` or `red`.")
    text: str = Field(description="The reason as a sentence, in the request's language.")
    message: str = Field(description="The untranslated message template (a msgid).")
    params: dict[str, Any]
    count: int = Field(description="How many items lie behind the reason (days for `silence`).")
    url: str = Field(description="The page listing the items behind it.")


def _reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "text": reason_text(r)} for r in reasons]


def _pairing(pairing: Pairing) -> dict[str, Any]:
    return {
        "id": pairing.pk,
        "name": str(pairing),
        "level": pairing.level,
        "leading_region": pairing.leading_region,
        "partner_region": pairing.partner_region,
    }


class PairBrief(Schema):
    id: int
    name: str
    level: str = Field(description="The pairing's level (province-province, ...).")
    leading_region: RegionBrief
    partner_region: RegionBrief


class HealthOut(Schema):
    pairing: PairBrief
    level: LevelCode
    level_label: str
    score: int = Field(description="Higher is more at risk; the risk list's order.")
    reasons: list[ReasonOut]
    computed_at: dt.datetime
    computed_for: dt.date = Field(description="The day the records were judged against.")
    level_since: dt.datetime

    @staticmethod
    def resolve_pairing(obj: PairHealth) -> dict[str, Any]:
        return _pairing(obj.pairing)

    @staticmethod
    def resolve_level_label(obj: PairHealth) -> str:
        return choice_label(Level, obj.level)

    @staticmethod
    def resolve_reasons(obj: PairHealth) -> list[dict[str, Any]]:
        return _reasons(obj.reasons)


class HealthChangeOut(Schema):
    at: dt.datetime
    old_level: LevelCode | None = Field(description="None for the pair's first level.")
    new_level: LevelCode
    reasons: list[ReasonOut]

    @staticmethod
    def resolve_old_level(obj: HealthChange) -> str | None:
        return obj.old_level or None

    @staticmethod
    def resolve_reasons(obj: HealthChange) -> list[dict[str, Any]]:
        return _reasons(obj.reasons)


class RecomputeIn(Schema):
    pairing_ids: list[int] | None = Field(
        None, description="Only these pairs (default: every live, active pair)."
    )
    today: dt.date | None = Field(None, description="Judge the records as of this day.")


class RecomputeOut(Schema):
    recomputed: int
    counts: dict[str, int] = Field(description="Pairs per level among those recomputed.")
