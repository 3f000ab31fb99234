"""API shapes of indicators, targets and reports: `…In` for what clients send, `…Out` for what
they get. Inputs name regions, periods and indicators by their codes; outputs give codes and names.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, Field

from twinning.indicators.models import Direction, Indicator, PeriodType, Report, Scope
from twinning.pairings.models import choice_label
from twinning.pairings.schemas import RegionBrief

KindCode = Literal[tuple(Indicator.Kind.values)]  # type: ignore[valid-type]
AggregationCode = Literal[tuple(Indicator.Aggregation.values)]  # type: ignore[valid-type]
PeriodTypeCode = Literal[tuple(PeriodType.values)]  # type: ignore[valid-type]
DirectionCode = Literal[tuple(Direction.values)]  # type: ignore[valid-type]
ScopeCode = Literal[tuple(Scope.values)]  # type: ignore[valid-type]
ReportStatusCode = Literal[tuple(Report.Status.values)]  # type: ignore[valid-type]

LOCK_VERSION_HELP = "The lock_version you read; a stale one is refused with 409 stale_version."


def region_brief(region: Any) -> dict[str, str]:
    return {"code": region.code, "name": region.name, "level": region.level}


# ---------------------------------------------------------------- the catalogue


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    unit: str
    definition: str
    formula: str
    kind: str
    kind_label: str
    numerator: list[str]
    denominator: list[str]
    factor: Decimal
    period_type: str
    period_type_label: str
    direction: str
    direction_label: str
    aggregation: str
    aggregation_label: str
    hard_min: Decimal | None
    hard_max: Decimal | None
    soft_min: Decimal | None
    soft_max: Decimal | None
    source: str
    required: bool
    position: int
    version: int = Field(description="The definition version; values keep the one they had.")
    lock_version: int
    archived: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Indicator) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_period_type_label(obj: Indicator) -> str:
        return obj.get_period_type_display()

    @staticmethod
    def resolve_direction_label(obj: Indicator) -> str:
        return obj.get_direction_display()

    @staticmethod
    def resolve_aggregation_label(obj: Indicator) -> str:
        return obj.get_aggregation_display()

    @staticmethod
    def resolve_archived(obj: Indicator) -> bool:
        return obj.is_archived


class IndicatorIn(Schema):
    code: str = Field(max_length=60, pattern=r"^[a-z0-9_]+$")
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=150)
    unit: str = Field(max_length=20)
    definition: str = ""
    formula: str = Field(default="", max_length=300)
    kind: KindCode = "reported"  # type: ignore[valid-type]
    numerator: list[str] = Field(default=[], description="Indicator codes summed above the line.")
    denominator: list[str] = Field(default=[], description="Indicator codes summed below it.")
    factor: Decimal = Field(default=Decimal(100), description="100 for a percentage.")
    period_type: PeriodTypeCode = "month"  # type: ignore[valid-type]
    direction: DirectionCode = "higher"  # type: ignore[valid-type]
    aggregation: AggregationCode = "sum"  # type: ignore[valid-type]
    hard_min: Decimal | None = None
    hard_max: Decimal | None = None
    soft_min: Decimal | None = None
    soft_max: Decimal | None = None
    source: str = Field(default="", max_length=300)
    required: bool = False
    position: int = Field(default=0, ge=0)
    note: str = Field(default="", max_length=300, description="Recorded with version 1.")


class IndicatorPatchIn(Schema):
    """Only the fields sent change; a change to the definition is a new definition version."""

    name: str = Field(default="", max_length=100)
    name_en: str = Field(default="", max_length=150)
    unit: str = Field(default="", max_length=20)
    definition: str = ""
    formula: str = Field(default="", max_length=300)
    kind: KindCode = "reported"  # type: ignore[valid-type]
    numerator: list[str] = []
    denominator: list[str] = []
    factor: Decimal = Decimal(100)
    period_type: PeriodTypeCode = "month"  # type: ignore[valid-type]
    direction: DirectionCode = "higher"  # type: ignore[valid-type]
    aggregation: AggregationCode = "sum"  # type: ignore[valid-type]
    hard_min: Decimal | None = None
    hard_max: Decimal | None = None
    soft_min: Decimal | None = None
    soft_max: Decimal | None = None
    source: str = Field(default="", max_length=300)
    required: bool = False
    position: int = Field(default=0, ge=0)
    note: str = Field(default="", max_length=300, description="Why the definition changed.")
    lock_version: int | None = Field(default=None, description=LOCK_VERSION_HELP)


class IndicatorVersionOut(Schema):
    version: int
    definition: dict[str, Any]
    valid_from: dt.datetime
    created_by: str | None
    note: str

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return obj.created_by.username if obj.created_by_id else None


# ---------------------------------------------------------------- targets


class TargetOut(Schema):
    id: int
    region: RegionBrief
    indicator: str
    indicator_name: str
    unit: str
    direction: str
    baseline_value: Decimal
    baseline_date: dt.date
    target_value: Decimal
    due_date: dt.date
    goal_id: int | None
    note: str
    source: str
    archived: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    lock_version: int

    @staticmethod
    def resolve_region(obj: Any) -> dict[str, str]:
        return region_brief(obj.region)

    @staticmethod
    def resolve_indicator(obj: Any) -> str:
        return str(obj.indicator.code)

    @staticmethod
    def resolve_indicator_name(obj: Any) -> str:
        return str(obj.indicator.name)

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.indicator.unit)

    @staticmethod
    def resolve_direction(obj: Any) -> str:
        return str(obj.indicator.direction)

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return bool(obj.is_archived)


class TargetIn(Schema):
    region: str = Field(description="Region code, e.g. 410000.")
    indicator: str = Field(description="Indicator code, e.g. recovery_rate.")
    baseline_value: Decimal
    baseline_date: dt.date
    target_value: Decimal
    due_date: dt.date
    goal: int | None = Field(
        default=None, description="Id of a goal of a work plan of one of the region's pairs."
    )
    note: str = ""
    source: str = Field(default="", max_length=300)


class TargetPatchIn(Schema):
    baseline_value: Decimal | None = None
    baseline_date: dt.date | None = None
    target_value: Decimal | None = None
    due_date: dt.date | None = None
    goal: int | None = Field(default=None, description="Goal id; null unlinks.")
    note: str = ""
    source: str = Field(default="", max_length=300)
    lock_version: int | None = Field(default=None, description=LOCK_VERSION_HELP)


class PointOut(Schema):
    date: dt.date
    value: Decimal


class ProgressOut(Schema):
    status: str = Field(
        description="target_achieved, substantial_progress, moderate_progress, "
        "limited_progress, deterioration or not_available (Open SDG thresholds 0.95/0.6/0)."
    )
    status_label: str
    ratio: float | None = Field(description="Observed growth per year ÷ growth needed per year.")
    required_per_year: float | None
    observed_per_year: float | None
    current_value: Decimal | None
    current_date: dt.date | None
    expected_value: Decimal | None = Field(description="On the trajectory at current_date.")
    explanation: str


class ForecastOut(Schema):
    at: dt.date
    value: float
    low: float
    high: float
    slope_per_year: float
    points: int
    verdict: str = Field(
        description="on_track, at_risk (the point forecast misses the target) or off_track "
        "(even the favourable bound misses)."
    )
    verdict_label: str


class BandPointOut(Schema):
    date: dt.date
    value: float
    low: float
    high: float


class TargetStatusOut(Schema):
    target: TargetOut
    progress: ProgressOut
    forecast: ForecastOut | None = Field(description="Theil–Sen; null with fewer than 6 points.")
    trajectory: list[PointOut] = Field(description="The straight line baseline → target.")
    series: list[PointOut] = Field(
        description="The official values (submitted, reviewed or approved) the status is "
        "measured on."
    )
    band: list[BandPointOut] = Field(
        description="The forecast month by month from the last value to the due date."
    )
    early_warning: bool = Field(description="The forecast at the due date misses the target.")
    warning: str


# ---------------------------------------------------------------- reports and values


class WarningOut(Schema):
    code: str
    message: str


class ValueOut(Schema):
    indicator: str
    indicator_name: str
    unit: str
    value: Decimal
    scope: str
    definition_version: int
    is_computed: bool
    comment: str
    warnings: list[WarningOut]
    needs_comment: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_indicator(obj: Any) -> str:
        return str(obj.indicator.code)

    @staticmethod
    def resolve_indicator_name(obj: Any) -> str:
        return str(obj.indicator.name)

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.indicator.unit)

    @staticmethod
    def resolve_warnings(obj: Any) -> list[dict[str, str]]:
        return [
            {"code": str(w.get("code", "")), "message": str(w.get("message", ""))}
            for w in obj.warnings or []
        ]


class ReportFileOut(Schema):
    """Evidence (佐证材料) of a report; `GET /indicator-evidence/{id}/download` returns the file."""

    id: int
    name: str = Field(description="The file name as uploaded.")
    size: int
    content_type: str = Field(description="The kind found in the file's content, not its name.")
    indicator: str | None = Field(description="The indicator it supports; null: the whole report.")
    uploaded_by: str | None
    uploaded_at: dt.datetime
    archived: bool = Field(description="Withdrawn from the report; kept and still downloadable.")

    @staticmethod
    def resolve_indicator(obj: Any) -> str | None:
        return obj.indicator.code if obj.indicator_id else None

    @staticmethod
    def resolve_archived(obj: Any) -> bool:
        return bool(obj.is_archived)

    @staticmethod
    def resolve_uploaded_by(obj: Any) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by_id else None


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


class ReportOut(Schema):
    id: int | None = Field(description="null: nobody has entered a value for the period yet.")
    region: RegionBrief
    period: str
    period_type: str
    period_start: dt.date
    period_end: dt.date
    deadline: dt.date
    status: str
    status_label: str
    is_demo: bool = Field(
        description="Generated demonstration data (演示数据), never real figures."
    )
    editable: bool = Field(description="Values may change (draft or returned).")
    submitted_at: dt.datetime | None
    submitted_by: str | None
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    review_comment: str
    approved_at: dt.datetime | None
    approved_by: str | None
    return_comment: str
    lock_version: int
    updated_at: dt.datetime | None

    @staticmethod
    def resolve_region(obj: Any) -> dict[str, str]:
        return region_brief(obj.region)

    @staticmethod
    def resolve_period(obj: Any) -> str:
        return str(obj.period.code)

    @staticmethod
    def resolve_period_type(obj: Any) -> str:
        return str(obj.period.type)

    @staticmethod
    def resolve_period_start(obj: Any) -> dt.date:
        return obj.period.start  # type: ignore[no-any-return]

    @staticmethod
    def resolve_period_end(obj: Any) -> dt.date:
        return obj.period.end  # type: ignore[no-any-return]

    @staticmethod
    def resolve_deadline(obj: Any) -> dt.date:
        return obj.period.deadline  # type: ignore[no-any-return]

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_editable(obj: Any) -> bool:
        return bool(obj.is_editable)

    @staticmethod
    def resolve_submitted_by(obj: Any) -> str | None:
        return _username(obj.submitted_by)

    @staticmethod
    def resolve_reviewed_by(obj: Any) -> str | None:
        return _username(obj.reviewed_by)

    @staticmethod
    def resolve_approved_by(obj: Any) -> str | None:
        return _username(obj.approved_by)


class ReportDetailOut(ReportOut):
    values: list[ValueOut]
    files: list[ReportFileOut]

    @staticmethod
    def resolve_values(obj: Any) -> Any:
        if obj.pk is None:
            return []
        return obj.values.select_related("indicator").order_by("indicator__position")

    @staticmethod
    def resolve_files(obj: Any) -> Any:
        if obj.pk is None:
            return []
        return obj.files.filter(archived_at=None).select_related("indicator", "uploaded_by")


class EntryIn(Schema):
    region: str = Field(description="Region code.")
    period: str = Field(description='Period code: "2025-03", "2025Q1" or "2025".')
    indicator: str = Field(description="Code of a reported indicator.")
    value: Decimal | None = Field(description="null clears the value.")
    comment: str | None = Field(
        default=None, description="Explains a value outside the usual; null keeps the one stored."
    )
    scope: ScopeCode | None = Field(default=None, description="urban (城区) or whole_city (全市).")  # type: ignore[valid-type]
    unit: str | None = Field(
        default=None, description="Unit the value is given in (e.g. 万吨); converted to the unit."
    )
    ref: str = Field(default="", max_length=100, description="Your own reference, echoed back.")


class ValuesIn(Schema):
    entries: list[EntryIn] = Field(
        min_length=1,
        description="About 10,000 entries fit in a request of TWINNING_MAX_REQUEST_BYTES (1 MiB "
        "by default; larger answers 413). Send more in several requests, each all or nothing, or "
        "as a workbook to POST /indicator-values/import.",
    )


class EntryErrorOut(Schema):
    ref: str
    region: str
    period: str
    indicator: str
    code: str
    message: str


def entry_error(error: Any) -> dict[str, str]:
    """services.EntryError as the API names its fields."""
    return {
        "ref": error.ref,
        "region": error.region_code,
        "period": error.period_code,
        "indicator": error.indicator_code,
        "code": error.code,
        "message": str(error.message),
    }


class ReportBriefOut(BaseModel):
    region: str
    period: str
    status: str
    lock_version: int


class WriteOut(Schema):
    created: int
    updated: int
    cleared: int
    reports: list[ReportBriefOut] = Field(description="The reports that were written to.")
    warnings: list[EntryErrorOut] = Field(
        description="Soft checks: each needs a comment before the report can be submitted."
    )


class CellErrorOut(Schema):
    sheet: str
    row: int
    column: str
    header: str
    message: str


class ValuesImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    warnings: list[CellErrorOut] = Field(
        description="Soft checks: each needs a comment before the report can be submitted."
    )


class ValueRowOut(BaseModel):
    """One value as the list of values shows it: a plain model filled from `values()` rows."""

    region: str
    region_name: str
    period: str
    indicator: str
    value: Decimal
    unit: str
    scope: str
    is_computed: bool
    definition_version: int
    comment: str
    needs_comment: bool
    report_status: str
    is_demo: bool


# Columns `ValueRowOut` is made of, as `values()` names them.
VALUE_ROW_FIELDS = (
    "report__region_id",
    "report__region__name",
    "report__period__code",
    "indicator__code",
    "indicator__unit",
    "value",
    "scope",
    "is_computed",
    "definition_version",
    "comment",
    "warnings",
    "report__status",
    "report__is_demo",
)


def value_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "region": row["report__region_id"],
        "region_name": row["report__region__name"],
        "period": row["report__period__code"],
        "indicator": row["indicator__code"],
        "value": row["value"],
        "unit": row["indicator__unit"],
        "scope": row["scope"],
        "is_computed": row["is_computed"],
        "definition_version": row["definition_version"],
        "comment": row["comment"],
        "needs_comment": bool(row["warnings"]) and not row["comment"].strip(),
        "report_status": row["report__status"],
        "is_demo": row["report__is_demo"],
    }


class VersionIn(Schema):
    lock_version: int | None = Field(default=None, description=LOCK_VERSION_HELP)


class ReportCommentIn(Schema):
    comment: str = Field(default="", max_length=2000)
    lock_version: int | None = Field(default=None, description=LOCK_VERSION_HELP)


class ReviewIn(Schema):
    accept: bool = Field(
        default=True, description="true: reviewed; false: returned for changes (comment needed)."
    )
    comment: str = Field(default="", max_length=2000)
    lock_version: int | None = Field(default=None, description=LOCK_VERSION_HELP)


class ReasonIn(Schema):
    reason: str = Field(
        default="", max_length=500, description="Why the approved report is opened again."
    )
    lock_version: int | None = Field(default=None, description=LOCK_VERSION_HELP)


# ---------------------------------------------------------------- series, completeness, map


class SeriesOut(Schema):
    indicator: str
    name: str
    unit: str
    points: list[PointOut]


class RegionSeriesOut(Schema):
    region: RegionBrief
    series: list[SeriesOut]


class CompletenessRowOut(Schema):
    region: RegionBrief
    state: str = Field(description="on_time, late or missing.")
    state_label: str
    report_status: str | None
    submitted_at: dt.datetime | None


class CompletenessOut(Schema):
    period: str
    deadline: dt.date
    deadline_passed: bool = Field(description="Before the deadline, missing means not yet.")
    expected: int
    on_time: int
    late: int
    missing: int
    rows: list[CompletenessRowOut]


class MapValueOut(Schema):
    region: RegionBrief
    value: Decimal | None
    rank: int | None = Field(description="1 = best by the indicator's direction; ties share.")
    is_demo: bool
    partial: bool = Field(description="A quarter or year summed from fewer months than it has.")


class MapOut(Schema):
    indicator: str
    name: str
    unit: str
    direction: str
    period: str
    regions: list[MapValueOut]


class EntriesProblemOut(Schema):
    """An RFC 9457 problem document (see docs/api.md for the codes)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    errors: list[EntryErrorOut] | dict[str, list[str]] | None = None


def label_of(choices: Any, value: str) -> str:
    return choice_label(choices, value) if value else ""
