"""Indicators API: thin handlers over indicators.queries, completeness, services and excel.

Regions, periods and indicators are named by their codes ("410000", "2025-03", "recovery_rate").
A region whose numbers the caller may not see answers 404; a region the caller may see but not
change answers 403.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from twinning.core.api import RowPagination, problem
from twinning.core.errors import Conflict
from twinning.core.permissions import require
from twinning.indicators import calc, completeness, excel, forecast, queries, services
from twinning.indicators.models import Indicator, Report, ReportFile, Target, Value
from twinning.indicators.permissions import can_report, visible_regions_q
from twinning.indicators.progress import ProgressStatus
from twinning.indicators.schemas import (
    VALUE_ROW_FIELDS,
    CompletenessOut,
    EntriesProblemOut,
    IndicatorIn,
    IndicatorOut,
    IndicatorPatchIn,
    IndicatorVersionOut,
    KindCode,
    MapOut,
    PeriodTypeCode,
    ReasonIn,
    RegionSeriesOut,
    ReportCommentIn,
    ReportDetailOut,
    ReportFileOut,
    ReportOut,
    ReportStatusCode,
    ReviewIn,
    TargetIn,
    TargetOut,
    TargetPatchIn,
    TargetStatusOut,
    ValueRowOut,
    ValuesImportOut,
    ValuesIn,
    VersionIn,
    WriteOut,
    entry_error,
    label_of,
    region_brief,
    value_row,
)
from twinning.pairings.schemas import AuditOut

router = Router(tags=["indicators"])
T = TypeVar("T")
Row = dict[str, Any]


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _sent(payload: Schema) -> dict[str, Any]:
    """PATCH semantics: the fields the client sent, and only those."""
    return payload.dict(exclude_unset=True)


# Refusals of a bulk write: each lists every refused entry.
REFUSED_ENTRIES = (services.EntriesInvalid, services.EntriesForbidden, services.EntriesNotFound)


def _entries_refused(request: HttpRequest, write: Callable[[], T]) -> T | HttpResponse:
    """Run `write`; refused entries answer problem+json (422, or 403/404 when the caller may
    write to / see none of the regions) whose `errors` list each entry with its `ref`, named as
    the API names them (region, period, indicator), not as services.EntryError does."""
    try:
        return write()
    except REFUSED_ENTRIES as exc:
        errors = [entry_error(error) for error in exc.errors]
        return problem(request, exc.status, exc.code, exc.message, errors)


ENTRY_ERRORS = {403: EntriesProblemOut, 404: EntriesProblemOut, 422: EntriesProblemOut}


# ---------------------------------------------------------------- the catalogue


class IndicatorQuery(Schema):
    kind: KindCode | None = None  # type: ignore[valid-type]
    period_type: PeriodTypeCode | None = None  # type: ignore[valid-type]
    q: str | None = Field(default=None, description="Part of the code or the name.")
    include_archived: bool = False


@router.get("/indicators", response=list[IndicatorOut], summary="The indicator catalogue")
@paginate(PageNumberPagination, page_size=100)
def list_indicators(request: HttpRequest, filters: Query[IndicatorQuery]) -> QuerySet[Indicator]:
    """Every live indicator (with `include_archived`, retired ones too) in catalogue order."""
    rows = queries.indicators(include_archived=filters.include_archived)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.period_type:
        rows = rows.filter(period_type=filters.period_type)
    if filters.q:
        text = filters.q.strip()
        rows = rows.filter(
            Q(code__icontains=text) | Q(name__icontains=text) | Q(name_en__icontains=text)
        )
    return rows


@router.post("/indicators", response={201: IndicatorOut}, summary="Add an indicator (admins)")
def create_indicator(request: HttpRequest, payload: IndicatorIn) -> tuple[int, Indicator]:
    """A computed indicator names its components in `numerator` and `denominator`."""
    return 201, services.create_indicator(actor=_actor(request), **payload.dict())


@router.get("/indicators/{code}", response=IndicatorOut, summary="Get an indicator")
def get_indicator(request: HttpRequest, code: str) -> Indicator:
    return queries.indicator(code)


@router.patch(
    "/indicators/{code}",
    response=IndicatorOut,
    summary="Edit an indicator (admins; versioned)",
)
def update_indicator(request: HttpRequest, code: str, payload: IndicatorPatchIn) -> Indicator:
    """A change to the definition (name, unit, formula, components, ranges, direction,
    aggregation) starts a new definition version; values keep the version they were given under.
    Send the `lock_version` you read: a stale one is refused with 409 `stale_version`."""
    values = _sent(payload)
    expected = values.pop("lock_version", None)
    note = values.pop("note", "")
    return services.update_indicator(
        actor=_actor(request),
        indicator=queries.indicator(code),
        expected_version=expected,
        note=note,
        **values,
    )


@router.post("/indicators/{code}/archive", response=IndicatorOut, summary="Retire an indicator")
def archive_indicator(request: HttpRequest, code: str) -> Indicator:
    """Retired indicators keep their values; they are no longer asked for."""
    return services.archive_indicator(actor=_actor(request), indicator=queries.indicator(code))


@router.post("/indicators/{code}/restore", response=IndicatorOut, summary="Restore an indicator")
def restore_indicator(request: HttpRequest, code: str) -> Indicator:
    return services.restore_indicator(actor=_actor(request), indicator=queries.indicator(code))


@router.get(
    "/indicators/{code}/versions",
    response=list[IndicatorVersionOut],
    summary="An indicator's definition versions, newest first",
)
def indicator_versions(request: HttpRequest, code: str) -> Any:
    return queries.indicator(code).versions.select_related("created_by").order_by("-version")


# ---------------------------------------------------------------- targets


class TargetQuery(Schema):
    region: str | None = Field(default=None, description="Region code.")
    indicator: str | None = Field(default=None, description="Indicator code.")
    include_archived: bool = False


def _target(request: HttpRequest, target_id: int) -> Target:
    return queries.target_for(_actor(request), target_id)


@router.get("/indicator-targets", response=list[TargetOut], summary="Targets you may see")
@paginate(PageNumberPagination, page_size=100)
def list_targets(request: HttpRequest, filters: Query[TargetQuery]) -> QuerySet[Target]:
    return queries.targets(_actor(request), **filters.dict())


@router.post(
    "/indicator-targets",
    response={201: TargetOut},
    summary="Set a target (the Ministry or the region's coordinators)",
)
def create_target(request: HttpRequest, payload: TargetIn) -> tuple[int, Target]:
    """From `baseline_value` on `baseline_date` to `target_value` by `due_date`, optionally
    linked to a goal of a work plan of one of the region's pairs. A region you may not see is
    404; one you see but do not coordinate is 403."""
    target = services.create_target(actor=_actor(request), **payload.dict())
    return 201, _target(request, target.pk)


@router.get("/indicator-targets/{target_id}", response=TargetOut, summary="Get a target")
def get_target(request: HttpRequest, target_id: int) -> Target:
    return _target(request, target_id)


@router.patch("/indicator-targets/{target_id}", response=TargetOut, summary="Edit a target")
def update_target(request: HttpRequest, target_id: int, payload: TargetPatchIn) -> Target:
    """Only the fields sent change (not the region or the indicator). Send the `lock_version`
    you read: a stale one is refused with 409 `stale_version`."""
    values = _sent(payload)
    expected = values.pop("lock_version", None)
    services.update_target(
        actor=_actor(request),
        target=_target(request, target_id),
        expected_version=expected,
        **values,
    )
    return _target(request, target_id)


@router.post(
    "/indicator-targets/{target_id}/archive", response=TargetOut, summary="Archive a target"
)
def archive_target(request: HttpRequest, target_id: int) -> Target:
    services.archive_target(actor=_actor(request), target=_target(request, target_id))
    return _target(request, target_id)


@router.post(
    "/indicator-targets/{target_id}/restore", response=TargetOut, summary="Restore a target"
)
def restore_target(request: HttpRequest, target_id: int) -> Target:
    services.restore_target(actor=_actor(request), target=_target(request, target_id))
    return _target(request, target_id)


@router.get(
    "/indicator-targets/{target_id}/status",
    response=TargetStatusOut,
    summary="Progress towards a target, with forecast and trajectory",
)
def target_status(request: HttpRequest, target_id: int) -> Row:
    """Progress by the Open SDG method on linear rates: growth observed per year against growth
    needed per year (ratio ≥ 0.95 substantial, ≥ 0.6 moderate, ≥ 0 limited, < 0 deterioration;
    `target_achieved` once the target is met), explained in words; the Theil–Sen forecast at the
    due date with its 95 % range and a verdict; the straight trajectory from baseline to target;
    and the monthly series measured."""
    status = queries.target_status(_actor(request), _target(request, target_id))
    return {
        "target": status.target,
        "progress": _progress(status.progress),
        "forecast": _forecast(status.forecast),
        "trajectory": _points(status.trajectory),
        "series": _points(status.series),
        "band": [
            {"date": date, "value": value, "low": low, "high": high}
            for date, value, low, high in status.band
        ],
        "early_warning": status.early_warning,
        "warning": status.warning,
    }


def _progress(progress: Any) -> Row:
    return {
        "status": progress.status,
        "status_label": label_of(ProgressStatus, progress.status),
        "ratio": progress.ratio,
        "required_per_year": progress.required_per_year,
        "observed_per_year": progress.observed_per_year,
        "current_value": progress.current_value,
        "current_date": progress.current_date,
        "expected_value": progress.expected_value,
        "explanation": str(progress.explanation),
    }


def _forecast(result: Any) -> Row | None:
    if result is None:
        return None
    return {
        "at": result.at,
        "value": result.value,
        "low": result.low,
        "high": result.high,
        "slope_per_year": result.slope_per_year,
        "points": result.points,
        "verdict": result.verdict,
        "verdict_label": _verdict_label(result.verdict),
    }


def _verdict_label(verdict: str) -> str:
    return str(forecast.VERDICT_LABELS.get(verdict, ""))


def _points(points: Any) -> list[Row]:
    return [{"date": date, "value": value} for date, value in points]


# ---------------------------------------------------------------- reports


class ReportQuery(Schema):
    region: str | None = Field(default=None, description="Region code.")
    period: str | None = Field(default=None, description="Period code.")
    status: ReportStatusCode | None = None  # type: ignore[valid-type]
    period_type: PeriodTypeCode | None = None  # type: ignore[valid-type]
    year: int | None = None


REPORT_RELATED = ("region", "period", "submitted_by", "reviewed_by", "approved_by")


def _report(request: HttpRequest, region: str, period: str) -> Report:
    return queries.report_for(_actor(request), region, period)


@router.get("/indicator-reports", response=list[ReportOut], summary="Reports you may see")
@paginate(PageNumberPagination, page_size=100)
def list_reports(request: HttpRequest, filters: Query[ReportQuery]) -> QuerySet[Report]:
    return queries.reports(_actor(request), **filters.dict()).select_related(*REPORT_RELATED)


@router.get(
    "/indicator-reports/{region}/{period}",
    response=ReportDetailOut,
    summary="A region's report for a period, with its values and evidence",
)
def get_report(request: HttpRequest, region: str, period: str) -> Report:
    """Values carry their definition version, scope, comment and the soft-check warnings that
    need a comment before the report can be submitted."""
    return _report(request, region, period)


@router.get(
    "/indicator-reports/{region}/{period}/history",
    response=list[AuditOut],
    summary="Changes to a report: values, submissions, reviews, approval and unlocking",
)
def report_history(request: HttpRequest, region: str, period: str) -> Any:
    actor = _actor(request)
    return queries.history_of(actor, _report(request, region, period))


# ---------------------------------------------------------------- evidence (佐证材料)


EVIDENCE_RELATED = ("indicator", "uploaded_by")


def _evidence(request: HttpRequest, evidence_id: int) -> ReportFile:
    return queries.evidence_for(_actor(request), evidence_id)


class ReportEvidenceQuery(Schema):
    include_archived: bool = Field(default=False, description="Archived files too.")


@router.get(
    "/indicator-reports/{region}/{period}/evidence",
    response=list[ReportFileOut],
    summary="A report's evidence (佐证材料)",
)
def list_evidence(
    request: HttpRequest, region: str, period: str, filters: Query[ReportEvidenceQuery]
) -> Any:
    """Oldest first; archived files only with `include_archived`."""
    report = _report(request, region, period)
    if report.pk is None:
        return []
    rows = report.files.select_related(*EVIDENCE_RELATED)
    if not filters.include_archived:
        rows = rows.filter(archived_at=None)
    return rows.order_by("uploaded_at", "pk")


@router.post(
    "/indicator-reports/{region}/{period}/evidence",
    response={201: ReportFileOut},
    summary="Upload evidence to a report (the region's reporters)",
)
def add_evidence(
    request: HttpRequest,
    region: str,
    period: str,
    file: File[UploadedFile],
    indicator: Form[str] = "",
) -> tuple[int, ReportFile]:
    """Multipart: `file`, and optionally `indicator` (a code) when the file supports one value
    rather than the whole report. The kind is found from the content, never the name: PDF,
    Word, Excel, JPG, PNG or text, up to the upload limit; anything else is refused with 422
    (`unsupported_file_type`, `empty_file`, `file_too_large`) and nothing is stored. Only while
    the report is a draft or returned (409 `locked`, `submitted`), and once it has values (409
    `report_not_started`)."""
    actor = _actor(request)
    report = _report(request, region, period)
    if report.pk is None:
        require(can_report(actor, report.region), _("只有本地区的协调员和成员可以上传佐证材料。"))
        raise Conflict(
            _("%(period)s 尚未填报，请先填写数值再上传佐证材料。") % {"period": period},
            code="report_not_started",
        )
    evidence = services.add_evidence(
        actor=actor, report=report, upload=file, indicator=indicator.strip() or None
    )
    return 201, _evidence(request, evidence.pk)


@router.get(
    "/indicator-evidence/{evidence_id}/download",
    summary="Download an evidence file",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "the file"}}},
)
def download_evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    """Archived files too: nothing is deleted. The name is sent as uploaded (UTF-8)."""
    evidence = _evidence(request, evidence_id)
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )


@router.post(
    "/indicator-evidence/{evidence_id}/archive",
    response=ReportFileOut,
    summary="Archive evidence (the region's reporters; kept, never deleted)",
)
def archive_evidence(request: HttpRequest, evidence_id: int) -> ReportFile:
    """Withdraws the file from the report while it is a draft or returned (409 `locked`,
    `submitted`, `already_archived` otherwise); it stays downloadable and is listed with
    `include_archived`."""
    evidence = _evidence(request, evidence_id)
    services.archive_evidence(actor=_actor(request), evidence=evidence)
    return _evidence(request, evidence_id)


def _transition(
    name: str, summary: str, description: str, schema: type[Schema], call: Callable[..., Report]
) -> None:
    def handler(request: HttpRequest, region: str, period: str, payload: Any) -> Report:
        call(_actor(request), _report(request, region, period), payload)
        return _report(request, region, period)

    handler.__name__ = f"report_{name}"
    handler.__doc__ = description
    handler.__annotations__["payload"] = schema
    router.post(
        f"/indicator-reports/{{region}}/{{period}}/{name}", response=ReportOut, summary=summary
    )(handler)


_transition(
    "submit",
    "Submit a report (the region's reporters)",
    "draft or returned → submitted. Refused with 422 (`missing_required`, `comment_required`) "
    "while a required indicator is missing or a value with a warning has no comment; `errors` "
    'are keyed "<period>:<indicator>".',
    VersionIn,
    lambda actor, report, data: services.submit(
        actor=actor, report=report, expected_version=data.lock_version
    ),
)
_transition(
    "withdraw",
    "Withdraw a submitted report to change it",
    "submitted → draft, before the leading side reviews it or the Ministry approves it.",
    VersionIn,
    lambda actor, report, data: services.withdraw(
        actor=actor, report=report, expected_version=data.lock_version
    ),
)
_transition(
    "review",
    "Review a partner's report (the leading side's coordinators)",
    "submitted → reviewed (`accept`: true) or → returned with a comment (`accept`: false).",
    ReviewIn,
    lambda actor, report, data: services.review(
        actor=actor,
        report=report,
        comment=data.comment,
        accept=data.accept,
        expected_version=data.lock_version,
    ),
)
_transition(
    "return",
    "Return a report for changes (the Ministry)",
    "submitted or reviewed → returned; the comment is required and shown to the reporters.",
    ReportCommentIn,
    lambda actor, report, data: services.return_report(
        actor=actor, report=report, comment=data.comment, expected_version=data.lock_version
    ),
)
_transition(
    "approve",
    "Approve a report, locking its period (the Ministry)",
    "submitted or reviewed → approved. An approved report cannot change until it is unlocked.",
    VersionIn,
    lambda actor, report, data: services.approve(
        actor=actor, report=report, expected_version=data.lock_version
    ),
)
_transition(
    "unlock",
    "Unlock an approved report (the Ministry; reason required)",
    "approved → draft; the reason is recorded in the report's history.",
    ReasonIn,
    lambda actor, report, data: services.unlock(
        actor=actor, report=report, reason=data.reason, expected_version=data.lock_version
    ),
)


# ---------------------------------------------------------------- values


@router.post(
    "/indicator-values",
    response={200: WriteOut, **ENTRY_ERRORS},
    summary="Write values (bulk; all or nothing)",
)
def write_values(request: HttpRequest, payload: ValuesIn) -> Any:
    """Any number of values for any regions and periods you report for. Reports are created as
    drafts where missing; computed indicators are recomputed. Hard checks (ranges, parts within
    totals, the four streams against the total, covered ≤ all, units) refuse the whole request
    with 422 problem+json listing every bad entry under `errors` (each with your `ref`, or
    `entries[i]`); nothing is written. Soft checks come back as `warnings`: each needs a comment
    before the report can be submitted. Approved (locked), submitted and demo reports refuse
    changes."""
    entries = [
        services.Entry(
            region_code=entry.region,
            period_code=entry.period,
            indicator_code=entry.indicator,
            value=entry.value,
            comment=entry.comment,
            scope=entry.scope,
            unit=entry.unit,
            ref=entry.ref or f"entries[{index}]",
        )
        for index, entry in enumerate(payload.entries)
    ]
    result = _entries_refused(
        request, lambda: services.write_values(actor=_actor(request), entries=entries, source="api")
    )
    if isinstance(result, HttpResponse):
        return result
    return _written(result)


def _written(result: Any) -> Row:
    return {
        "created": result.created,
        "updated": result.updated,
        "cleared": result.cleared,
        "reports": [
            {
                "region": report.region_id,
                "period": report.period.code,
                "status": report.status,
                "lock_version": report.lock_version,
            }
            for report in result.reports
        ],
        "warnings": [entry_error(warning) for warning in result.warnings],
    }


class ValueQuery(Schema):
    region: str | None = Field(default=None, description="Region code.")
    indicator: str | None = Field(default=None, description="Indicator code.")
    first: str | None = Field(default=None, alias="from", description="First period code.")
    last: str | None = Field(default=None, alias="to", description="Last period code.")


@router.get("/indicator-values", response=list[ValueRowOut], summary="Values you may see")
@paginate(RowPagination, page_size=500, row=value_row)
def list_values(request: HttpRequest, filters: Query[ValueQuery]) -> Any:
    """Reported and computed values, by region, period and indicator; `from` and `to` are
    period codes (inclusive). Demo values are marked `is_demo`."""
    actor = _actor(request)
    rows = Value.objects.all()
    if filters.region:
        rows = rows.filter(report__region=queries.visible_region(actor, filters.region))
    else:
        rows = rows.filter(visible_regions_q(actor, "report__region"))
    if filters.indicator:
        rows = rows.filter(indicator=queries.indicator(filters.indicator))
    if filters.first:
        rows = rows.filter(report__period__start__gte=calc.period_bounds(filters.first)[1])
    if filters.last:
        rows = rows.filter(report__period__end__lte=calc.period_bounds(filters.last)[2])
    return rows.order_by(
        "report__region_id", "report__period__start", "indicator__position"
    ).values(*VALUE_ROW_FIELDS)


# ---------------------------------------------------------------- series, completeness, map


class SeriesQuery(Schema):
    indicators: str = Field(min_length=1, description="Comma-separated indicator codes.")
    first: str | None = Field(default=None, alias="from", description="First period, 2024-01.")
    last: str | None = Field(default=None, alias="to", description="Last period, 2025-12.")
    official_only: bool = Field(
        default=False, description="Only submitted, reviewed or approved reports (no drafts)."
    )


@router.get(
    "/indicator-series/{region}",
    response=RegionSeriesOut,
    summary="Monthly series of a region's indicators (for charts)",
)
def indicator_series(request: HttpRequest, region: str, filters: Query[SeriesQuery]) -> Row:
    """One point (period end, value) per period with a value, reported and computed alike:
    monthly for monthly indicators, yearly for yearly ones; drafts included unless
    `official_only`. An unknown indicator is 404."""
    actor = _actor(request)
    place = queries.visible_region(actor, region)
    codes = [code.strip() for code in filters.indicators.split(",") if code.strip()]
    specs = {code: queries.indicator(code) for code in codes}
    found = queries.series(
        actor,
        region,
        codes,
        first=filters.first,
        last=filters.last,
        official_only=filters.official_only,
    )
    return {
        "region": region_brief(place),
        "series": [
            {
                "indicator": code,
                "name": indicator.name,
                "unit": indicator.unit,
                "points": _points(found.get(code, [])),
            }
            for code, indicator in specs.items()
        ],
    }


@router.get(
    "/indicator-completeness/{period}",
    response=CompletenessOut,
    summary="Who reported for a period: on time, late, missing",
)
def indicator_completeness(request: HttpRequest, period: str) -> Row:
    """Every reporting region you may see (regions that are a side of a live pair). On time =
    submitted by the deadline; late = submitted after; missing = not submitted."""
    result = completeness.completeness(_actor(request), period)
    return {
        "period": result.period.code,
        "deadline": result.period.deadline,
        "deadline_passed": result.deadline_passed,
        **{key: result.counts[key] for key in ("expected", "on_time", "late", "missing")},
        "rows": [
            {
                "region": region_brief(row.region),
                "state": row.state,
                "state_label": row.state_label,
                "report_status": row.report.status if row.report else None,
                "submitted_at": row.submitted_at,
            }
            for row in result.rows
        ],
    }


class MapQuery(Schema):
    level: str | None = Field(
        default=None, description="Keep one level of regions, e.g. province (for a choropleth)."
    )


@router.get(
    "/indicator-map/{indicator}/{period}",
    response=MapOut,
    summary="One indicator over the regions you see, ranked (for maps and ranking tables)",
)
def indicator_map(
    request: HttpRequest, indicator: str, period: str, filters: Query[MapQuery]
) -> Row:
    """Official values (submitted, reviewed or approved reports). A quarter or year of a monthly
    indicator is recomputed from the summed months, never averaged (`partial` when months are
    missing). Ranks follow the indicator's direction, 1 = best; regions without a value have
    `value` and `rank` null."""
    found = queries.indicator(indicator)
    rows = queries.map_values(_actor(request), indicator, period, level=filters.level)
    queries.rank(rows, found.direction)
    return {
        "indicator": found.code,
        "name": found.name,
        "unit": found.unit,
        "direction": found.direction,
        "period": period,
        "regions": [
            {
                "region": region_brief(row.region),
                "value": row.value,
                "rank": row.rank,
                "is_demo": row.is_demo,
                "partial": row.partial,
            }
            for row in rows
        ],
    }


# ---------------------------------------------------------------- Excel


class TemplateQuery(Schema):
    region: list[str] = Field(description="Region code; repeat for several regions.")
    first: str = Field(alias="from", description="First period, e.g. 2025-01.")
    last: str = Field(alias="to", description="Last period of the same type, e.g. 2025-12.")


@router.get(
    "/indicator-template.xlsx",
    summary="The reporting template as Excel, pre-filled with current values",
    response={200: None},
    openapi_extra={
        "responses": {200: {"content": {excel.XLSX_CONTENT_TYPE: {}}, "description": "xlsx"}}
    },
)
def indicator_template(request: HttpRequest, filters: Query[TemplateQuery]) -> HttpResponse:
    """One row per region and reported indicator of the periods' type, one column per period,
    for the regions you report for. Fill it in and send it to `POST /indicator-values/import`."""
    data = excel.template_workbook(
        actor=_actor(request), region_codes=filters.region, first=filters.first, last=filters.last
    )
    name = excel.template_filename(filters.region, filters.first, filters.last)
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@router.post(
    "/indicator-values/import",
    response=ValuesImportOut,
    summary="Import a filled-in template (all or nothing; errors name sheet, row and column)",
)
def import_values(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """The Ministry may send many regions in one file. Every bad cell is listed (422
    problem+json `import_invalid`, under `errors.file`, each naming the sheet, row, column and
    header); nothing is written. Soft checks come back as `warnings`."""
    return excel.import_values(actor=_actor(request), stream=file)
