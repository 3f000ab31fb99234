"""HTML pages of indicators, targets and reports: thin views over queries and services.

Every page is scoped by the queries (a region the user may not see is NotFound → 404); every
change goes through the services, which check the permission (Forbidden → 403) and the rules
(Invalid → the message beside the field or the grid cell).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from twinning.core.errors import Conflict, Invalid, NotFound
from twinning.core.forms import apply_domain_error, keep_typed_values, submit_import
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import is_ministry, require
from twinning.indicators import calc, excel, forecast, queries, reminders, services
from twinning.indicators import completeness as completeness_queries
from twinning.indicators import permissions as perms
from twinning.indicators.forms import (
    CommentForm,
    EvidenceForm,
    GridInput,
    ImportForm,
    IndicatorForm,
    TargetForm,
    TemplateForm,
    cell_key,
)
from twinning.indicators.models import Indicator, PeriodType, Report, Target
from twinning.indicators.progress import ProgressStatus
from twinning.pairings.models import Pairing
from twinning.plans.models import Goal
from twinning.regions.models import Region

PAGE_SIZE = 50
# The completeness table is read as a whole more often than paged: a province's worth at once.
COMPLETENESS_PAGE_SIZE = 200
# The chart's indicator when none is chosen: the programme's headline rate.
DEFAULT_INDICATOR = "recovery_rate"


def _actor(request: HttpRequest) -> Any:
    return request.user


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


def _last_month(today: dt.date) -> str:
    """The latest month whose report is due or nearly so: the month before today's."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    return calc.period_code_of(first, PeriodType.MONTH)


def _period_or_default(code: str | None, today: dt.date) -> str:
    """A well-formed period code from the query string, else last month."""
    if code:
        try:
            calc.period_bounds(code)
        except Invalid:
            return _last_month(today)
        return code
    return _last_month(today)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# ---------------------------------------------------------------- the catalogue


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    get = request.GET
    archived = get.get("archived") == "1"
    rows: QuerySet[Indicator] = queries.indicators(include_archived=archived)
    if archived:
        rows = rows.filter(archived_at__isnull=False)
    if get.get("kind") in Indicator.Kind.values:
        rows = rows.filter(kind=get["kind"])
    if get.get("period_type") in PeriodType.values:
        rows = rows.filter(period_type=get["period_type"])
    text = (get.get("q") or "").strip()
    if text:
        rows = rows.filter(
            Q(code__icontains=text) | Q(name__icontains=text) | Q(name_en__icontains=text)
        )
    context = {
        "page": page_of(rows, get.get("page"), PAGE_SIZE),
        "query": query_without(request, "page"),
        "filters": {
            "kind": get.get("kind", ""),
            "period_type": get.get("period_type", ""),
            "q": text,
            "archived": archived,
        },
        "kinds": Indicator.Kind.choices,
        "period_types": PeriodType.choices,
        "can_manage": perms.can_manage_catalogue(actor),
    }
    template = "indicators/_catalogue_rows.html" if request.htmx else "indicators/catalogue.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    indicator = queries.indicator(code)
    today = timezone.localdate()
    period = _period_or_default(request.GET.get("period"), today)
    context = {
        "indicator": indicator,
        "versions": indicator.versions.select_related("created_by"),
        "components": _components(indicator),
        "can_manage": perms.can_manage_catalogue(actor),
        **_map_context(actor, indicator, period, _level(request)),
    }
    return render(request, "indicators/indicator.html", context)


def _components(indicator: Indicator) -> dict[str, list[Indicator]]:
    codes = [*indicator.numerator, *indicator.denominator]
    found = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    return {
        "numerator": [found[c] for c in indicator.numerator if c in found],
        "denominator": [found[c] for c in indicator.denominator if c in found],
    }


@login_required
def indicator_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_manage_catalogue(actor), _("只有平台管理员可以维护指标目录。"))
    indicator = queries.indicator(code) if code else None
    initial = IndicatorForm.initial_for(indicator) if indicator else {}
    form = IndicatorForm(request.POST or None, initial=initial, indicator=indicator)
    saved: Indicator | None = None
    if request.method == "POST" and form.is_valid():
        try:
            if indicator is None:
                saved = services.create_indicator(actor=actor, **form.values())
            else:
                saved = services.update_indicator(
                    actor=actor,
                    indicator=indicator,
                    expected_version=form.cleaned_data.get("lock_version"),
                    note=form.cleaned_data.get("note", ""),
                    **form.values(),
                )
        except (Invalid, Conflict) as exc:
            current = Indicator.objects.get(pk=indicator.pk).lock_version if indicator else 0
            keep_typed_values(form, exc, current)
    if saved is not None:
        messages.success(request, _("指标已保存。"))
        return redirect("indicators:indicator", code=saved.code)
    context = {
        "form": form,
        "title": _("修改指标") if indicator else _("新增指标"),
        "back": reverse("indicators:indicator", args=[indicator.code])
        if indicator
        else reverse("indicators:catalogue"),
    }
    return render(request, "indicators/form.html", context)


@login_required
@require_POST
def indicator_archive(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_manage_catalogue(actor), _("只有平台管理员可以维护指标目录。"))
    indicator = queries.indicator(code)
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            services.restore_indicator(actor=actor, indicator=indicator)
        else:
            services.archive_indicator(actor=actor, indicator=indicator)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("指标已恢复。") if restore else _("指标已归档，可随时恢复。"))
    return redirect("indicators:indicator", code=indicator.code)


# ---------------------------------------------------------------- maps and rankings


LEVELS = (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY)


def _map_context(actor: Any, indicator: Indicator, period: str, level: str) -> dict[str, Any]:
    """The choropleth's data (provinces) and the ranking table (regions of `level`) of one
    indicator in one period; a period of another type than the indicator's is explained."""
    try:
        provinces = queries.map_values(actor, indicator.code, period, level=Region.Level.PROVINCE)
        ranking = queries.ranking(actor, indicator.code, period, level=level)
    except Invalid as exc:
        provinces, ranking = [], []
        problem = exc.message
    else:
        problem = ""
    points = [
        {
            "name": row.region.short_name or row.region.name,
            "code": row.region.code,
            "value": None if row.value is None else float(row.value),
            "demo": row.is_demo,
        }
        for row in provinces
    ]
    return {
        "period": period,
        "level": level,
        "levels": [(value, Region.Level(value).label) for value in LEVELS],
        "map_problem": problem,
        "map_data": {
            "indicator": {
                "code": indicator.code,
                "name": indicator.label,
                "unit": indicator.unit,
                "direction": indicator.direction,
            },
            "period": period,
            "provinces": points,
            "labels": {"none": _("无数据"), "demo": _("演示数据（生成）")},
        },
        "ranking": ranking,
        "has_map_values": any(p["value"] is not None for p in points),
        "has_demo": any(row.is_demo for row in [*provinces, *ranking]),
    }


def _level(request: HttpRequest) -> str:
    level = request.GET.get("level") or ""
    return level if level in LEVELS else Region.Level.PROVINCE


@login_required
def indicator_map(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate()
    live = queries.indicators()
    code = request.GET.get("indicator") or DEFAULT_INDICATOR
    indicator = live.filter(code=code).first() or live.first()
    context: dict[str, Any] = {"indicators": live, "indicator": indicator}
    if indicator is not None:
        period = _period_or_default(request.GET.get("period"), today)
        context.update(_map_context(actor, indicator, period, _level(request)))
    return render(request, "indicators/map.html", context)


# ---------------------------------------------------------------- my reporting


def _reporting_regions_of(actor: Any) -> QuerySet[Region]:
    """The reporting regions the user enters values for (all of them for the Ministry)."""
    regions = queries.reporting_regions()
    if is_ministry(actor):
        return regions
    return regions.filter(pk__in=[r.pk for r in regions if perms.can_report(actor, r)])


def _period_type(request: HttpRequest) -> str:
    chosen = request.GET.get("type") or request.POST.get("type") or ""
    return chosen if chosen in PeriodType.values else PeriodType.MONTH


def _year(request: HttpRequest, today: dt.date) -> int:
    year = _int(request.GET.get("year") or request.POST.get("year"))
    return year if year and 2000 <= year <= today.year + 1 else today.year


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate()
    year = _year(request, today)
    period_type = _period_type(request)
    regions = _reporting_regions_of(actor)
    page = page_of(regions, request.GET.get("page"), PAGE_SIZE)
    months = queries.periods(queries.codes_of_year(year, period_type))
    reports = queries.reports(actor, period_type=period_type, year=year).filter(
        region__in=[r.pk for r in page.object_list]
    )
    by_cell = {(r.region_id, r.period.code): r for r in reports}
    rows = [
        {
            "region": region,
            "cells": [{"month": m, "report": by_cell.get((region.pk, m.code))} for m in months],
        }
        for region in page.object_list
    ]
    others = queries.reporting_regions().filter(perms.visible_regions_q(actor, "code"))
    context = {
        "year": year,
        "years": range(today.year - 5, today.year + 1),
        "period_type": period_type,
        "period_types": PeriodType.choices,
        "deadline_days": settings.TWINNING_REPORT_DEADLINE_DAYS,
        "months": months,
        "rows": rows,
        # Regions the user reads but does not report for: the other side of their pairs.
        "visible": [] if is_ministry(actor) else list(others.exclude(pk__in=regions)[:50]),
        "page": page,
        "query": query_without(request, "page"),
        "today": today,
    }
    return render(request, "indicators/my_reports.html", context)


# ---------------------------------------------------------------- the region page


@login_required
def region_detail(request: HttpRequest, region: str) -> HttpResponse:
    actor = _actor(request)
    place = queries.visible_region(actor, region)
    statuses = [queries.target_status(actor, t) for t in queries.targets(actor, region=place.code)]
    chosen = _chosen_indicator(request, statuses)
    reports = queries.reports(actor, region=place.code)
    has_demo = reports.filter(is_demo=True).exists()
    chart = _chart_data(actor, place, chosen, statuses) if chosen else None
    if chart is not None:
        chart["demo"] = has_demo
    context = {
        "region": place,
        "targets": [_target_row(s) for s in statuses],
        "indicator": chosen,
        "indicators": queries.indicators(),
        "chart": chart,
        "reports": page_of(reports, request.GET.get("page"), PAGE_SIZE),
        "query": query_without(request, "page"),
        "can_report": perms.can_report(actor, place),
        "can_set_target": perms.can_set_target(actor, place),
        "has_demo": has_demo,
    }
    return render(request, "indicators/region.html", context)


def _target_row(status: queries.TargetStatus) -> dict[str, Any]:
    """A target as the region page lists it: its progress badge and sentence, the forecast."""
    outlook = status.forecast
    return {
        "target": status.target,
        "progress": status.progress,
        "label": ProgressStatus(status.progress.status).label,
        "forecast": outlook,
        "verdict": outlook.verdict if outlook else "",
        "verdict_label": (
            str(forecast.VERDICT_LABELS[outlook.verdict]) if outlook and outlook.verdict else ""
        ),
    }


def _chosen_indicator(
    request: HttpRequest, statuses: list[queries.TargetStatus]
) -> Indicator | None:
    """The indicator asked for, else the first one with a target, else the headline rate."""
    live = queries.indicators()
    code = request.GET.get("indicator")
    if code:
        found = live.filter(code=code).first()
        if found is not None:
            return found
    if statuses:
        first: Indicator = statuses[0].target.indicator
        return first
    return live.filter(code=DEFAULT_INDICATOR).first() or live.first()


def _point(date: dt.date, value: Decimal | float) -> list[Any]:
    return [date.isoformat(), float(value)]


def _chart_data(
    actor: Any, region: Region, indicator: Indicator, statuses: list[queries.TargetStatus]
) -> dict[str, Any]:
    """The region chart's JSON: the monthly series, each target with its trajectory, and the
    forecast band towards the current target's due date."""
    series = queries.series(actor, region.code, [indicator.code]).get(indicator.code, [])
    mine = [s for s in statuses if s.target.indicator_id == indicator.pk]
    current = _current_target(mine)
    targets = [
        {
            "value": float(s.target.target_value),
            "due": s.target.due_date.isoformat(),
            "baseline": _point(s.target.baseline_date, s.target.baseline_value),
            "trajectory": [_point(d, v) for d, v in s.trajectory],
            "current": s is current,
        }
        for s in mine
    ]
    band: list[list[Any]] = []
    outlook = None
    if current is not None and current.forecast is not None:
        band = [[d.isoformat(), value, low, high] for d, value, low, high in current.band]
        f = current.forecast
        outlook = {"at": f.at.isoformat(), "value": f.value, "low": f.low, "high": f.high}
    return {
        "indicator": {"code": indicator.code, "name": indicator.label, "unit": indicator.unit},
        "series": [_point(d, v) for d, v in series],
        "targets": targets,
        "band": band,
        "forecast": outlook,
        "labels": {
            "series": indicator.label,
            "trajectory": _("达标路径"),
            "target": _("目标值"),
            "forecast": _("预测"),
            "range": _("预测区间"),
        },
    }


def _due(status: queries.TargetStatus) -> dt.date:
    return status.target.due_date


def _current_target(statuses: list[queries.TargetStatus]) -> queries.TargetStatus | None:
    """The target still to reach with the nearest due date, else the latest one."""
    today = timezone.localdate()
    ahead = [s for s in statuses if s.target.due_date >= today]
    if ahead:
        return min(ahead, key=_due)
    return max(statuses, key=_due) if statuses else None


# ---------------------------------------------------------------- the grid


@login_required
def grid(request: HttpRequest, region: str) -> HttpResponse:
    """Periods × indicators of one region and year (months by default; quarters or the year for
    the indicators reported so); saving writes the changed cells."""
    actor = _actor(request)
    today = timezone.localdate()
    year = _year(request, today)
    period_type = _period_type(request)
    place = queries.visible_region(actor, region)
    table = queries.grid(actor, place.code, year=year, period_type=period_type)
    here = f"{reverse('indicators:grid', args=[place.code])}?year={year}&type={period_type}"
    typed: GridInput | None = None
    if request.method == "POST":
        require(perms.can_report(actor, place), _("您只能查看该地区的指标，不能填报。"))
        typed = GridInput.of(request.POST)
        if _save_grid(request, actor, place, table, typed):
            return redirect(here)
    context = {
        "region": place,
        "year": year,
        "period_type": period_type,
        "period_types": PeriodType.choices,
        "here": here,
        "years": range(today.year - 5, today.year + 1),
        "grid": table,
        "rows": _grid_rows(table, typed),
        "columns": _grid_columns(table),
    }
    return render(request, "indicators/grid.html", context)


def _save_grid(
    request: HttpRequest, actor: Any, region: Region, table: queries.Grid, typed: GridInput
) -> bool:
    """Write every changed cell of the editable months at once; False (with the errors beside
    the cells) when anything is refused, and then nothing was written."""
    entries = _changed_entries(region, table, typed)
    if typed.errors:
        messages.error(request, _("有数值需要修改，未保存任何内容。"))
        return False
    if not entries:
        messages.info(request, _("没有需要保存的修改。"))
        return True
    try:
        result = services.write_values(actor=actor, entries=entries)
    except services.EntriesInvalid as exc:
        # Keyed by the cell to fix, or by a cell of the same month the user touched.
        typed.add_errors(exc.fields)
        messages.error(
            request,
            ngettext(
                "有 %(n)s 处数值需要修改，未保存任何内容。",
                "有 %(n)s 处数值需要修改，未保存任何内容。",
                len(exc.errors),
            )
            % {"n": len(exc.errors)},
        )
        return False
    except (Invalid, Conflict) as exc:
        typed.add_errors(exc.fields)
        messages.error(request, exc.message)
        return False
    messages.success(request, _("已保存。"))
    # A cell may carry several findings (a jump and an outlier); one comment answers them.
    cells = {(w.period_code, w.indicator_code) for w in result.warnings}
    if cells:
        messages.warning(
            request,
            ngettext(
                "有 %(n)s 个数值需要说明原因：请在单元格下方填写说明后再保存。",
                "有 %(n)s 个数值需要说明原因：请在单元格下方填写说明后再保存。",
                len(cells),
            )
            % {"n": len(cells)},
        )
    return True


def _changed_entries(region: Region, table: queries.Grid, typed: GridInput) -> list[services.Entry]:
    """Entries for the cells whose value or comment differ from what is stored, in the months
    the user may edit; typing errors are collected on `typed`."""
    entries = []
    for row in table.rows:
        if row.computed:
            continue
        for column, cell in zip(table.columns, row.cells, strict=True):
            key = cell_key(column.code, row.indicator.code)
            # A month that is not open (locked, submitted) is still passed on when its cell was
            # changed, so the services refuse it with their reason beside the cell.
            if key not in typed.values:
                continue
            value = typed.number(key)
            if key in typed.errors:
                continue
            comment = typed.comments.get(key)
            value_changed = value != cell.value
            comment_changed = comment is not None and comment != cell.comment
            if value_changed or comment_changed:
                entries.append(
                    services.Entry(
                        region_code=region.code,
                        period_code=column.code,
                        indicator_code=row.indicator.code,
                        value=value,
                        comment=comment if comment_changed else None,
                        ref=key,
                    )
                )
    return entries


def _grid_rows(table: queries.Grid, typed: GridInput | None) -> list[dict[str, Any]]:
    """The rows as the template draws them: each cell with the text to show (what was typed,
    after a refused save), its errors and whether it asks for a comment."""
    rows = []
    for row in table.rows:
        cells = []
        for column, cell in zip(table.columns, row.cells, strict=True):
            key = cell_key(column.code, row.indicator.code)
            text = _plain_number(cell.value)
            comment = cell.comment
            if typed is not None and key in typed.values:
                text = typed.values[key]
                comment = typed.comments.get(key, comment)
            cells.append(
                {
                    "key": key,
                    "period": column.code,
                    "value": cell.value,
                    "shown": _plain_number(_rounded(cell.value) if row.computed else cell.value),
                    "text": text,
                    "comment": comment,
                    "warnings": cell.warnings,
                    "errors": typed.errors.get(key, []) if typed is not None else [],
                    "editable": column.editable and not row.computed,
                    "needs_comment": bool(cell.warnings) and not comment.strip(),
                }
            )
        rows.append({"indicator": row.indicator, "cells": cells})
    return rows


def _grid_columns(table: queries.Grid) -> list[dict[str, Any]]:
    """Each month's header: its report's status and the submit / withdraw buttons it offers."""
    columns = []
    for column in table.columns:
        report = column.report
        reporter = table.can_report and (report is None or not report.is_demo)
        status = report.status if report is not None else ""
        columns.append(
            {
                "code": column.code,
                "period": column.period,
                "report": report,
                "editable": column.editable,
                "can_submit": reporter
                and report is not None
                and status in Report.EDITABLE_STATUSES,
                "can_withdraw": reporter and status == Report.Status.SUBMITTED,
            }
        )
    return columns


def _rounded(value: Decimal | None) -> Decimal | None:
    """Computed rates are shown to two places; they are stored to four."""
    return None if value is None else value.quantize(Decimal("0.01"))


def _plain_number(value: Decimal | None) -> str:
    """A stored value as an input shows it: no trailing zeros, no exponent."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------- the report page


def _report(actor: Any, region: str, period: str) -> Report:
    return queries.report_for(actor, region, period)


@login_required
def report_detail(request: HttpRequest, region: str, period: str) -> HttpResponse:
    actor = _actor(request)
    report = _report(actor, region, period)
    place = report.region
    values: Any = []
    evidence: Any = []
    if report.pk is not None:  # an unsaved draft: nobody has entered anything yet
        values = report.values.select_related("indicator").order_by("indicator__position")
        evidence = report.files.select_related("indicator", "uploaded_by").order_by("uploaded_at")
    context = {
        "report": report,
        "region": place,
        "values": values,
        "evidence": evidence,
        "history": queries.history_of(actor, report),
        "evidence_form": EvidenceForm(indicators=queries.indicators()),
        **_report_permissions(actor, report),
    }
    return render(request, "indicators/report.html", context)


def _report_permissions(actor: Any, report: Report) -> dict[str, bool]:
    """Which buttons the report page offers; the services decide again on the click."""
    region = report.region
    status = report.status
    saved = report.pk is not None
    reporter = perms.can_report(actor, region) and not report.is_demo
    approver = perms.can_approve(actor)
    return {
        "can_report": reporter,
        "can_edit": reporter and report.is_editable,
        "can_upload": reporter and saved and report.is_editable,
        "can_submit": reporter and saved and status in Report.EDITABLE_STATUSES,
        "can_withdraw": reporter and status == Report.Status.SUBMITTED,
        "can_review": perms.can_review(actor, region)
        and not report.is_demo
        and status == Report.Status.SUBMITTED,
        "can_approve": approver
        and not report.is_demo
        and status in (Report.Status.SUBMITTED, Report.Status.REVIEWED),
        "can_unlock": approver and not report.is_demo and status == Report.Status.APPROVED,
    }


# action: (message when done, needs a comment)
ACTIONS: dict[str, tuple[str, bool]] = {
    "submit": (gettext_noop("已报送。"), False),
    "withdraw": (gettext_noop("已撤回，可继续修改。"), False),
    "review": (gettext_noop("已审阅。"), False),
    "review-return": (gettext_noop("已退回填报地区修改。"), True),
    "approve": (gettext_noop("已审核通过，该期数据已锁定。"), False),
    "return": (gettext_noop("已退回填报地区修改。"), True),
    "unlock": (gettext_noop("已解除锁定，填报地区可以修改。"), True),
}


def _run_action(
    actor: Any, report: Report, action: str, comment: str, expected: int | None
) -> Report:
    """Run a workflow step with the version the page showed, so a stale click is refused."""
    common = {"actor": actor, "report": report, "expected_version": expected}
    if action == "submit":
        return services.submit(**common)
    if action == "withdraw":
        return services.withdraw(**common)
    if action in ("review", "review-return"):
        return services.review(**common, comment=comment, accept=action == "review")
    if action == "approve":
        return services.approve(**common)
    if action == "return":
        return services.return_report(**common, comment=comment)
    return services.unlock(**common, reason=comment)


@login_required
@require_POST
def report_action(request: HttpRequest, region: str, period: str, action: str) -> HttpResponse:
    actor = _actor(request)
    report = _report(actor, region, period)
    back = _safe_next(request, reverse("indicators:report", args=[region, period]))
    if action not in ACTIONS:
        messages.error(request, _("未知的操作。"))
        return redirect(back)
    done, needs_comment = ACTIONS[action]
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"].strip() if form.is_valid() else ""
    if needs_comment and not comment:
        messages.error(request, _("请填写意见或理由。"))
        return redirect(back)
    if report.pk is None:
        messages.error(request, _("这一期尚未填报。"))
        return redirect(back)
    try:
        _run_action(actor, report, action, comment, _int(request.POST.get("lock_version")))
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _(done))
    return redirect(back)


@login_required
@require_POST
def evidence_upload(request: HttpRequest, region: str, period: str) -> HttpResponse:
    actor = _actor(request)
    report = _report(actor, region, period)
    form = EvidenceForm(request.POST, request.FILES, indicators=queries.indicators())
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            services.add_evidence(
                actor=actor,
                report=report,
                upload=form.cleaned_data["file"],
                indicator=form.cleaned_data["indicator"],
            )
        except (Invalid, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("佐证材料已上传。"))
    return redirect("indicators:report", region=region, period=period)


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = queries.evidence_for(_actor(request), evidence_id)
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type or None,
    )


@login_required
@require_POST
def evidence_archive(request: HttpRequest, evidence_id: int) -> HttpResponse:
    actor = _actor(request)
    evidence = queries.evidence_for(actor, evidence_id)
    try:
        services.archive_evidence(actor=actor, evidence=evidence)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已归档。"))
    report = evidence.report
    return redirect("indicators:report", region=report.region_id, period=report.period.code)


# ---------------------------------------------------------------- completeness


STATES = ("on_time", "late", "missing")


@login_required
def completeness(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate()
    period = _period_or_default(request.GET.get("period"), today)
    result = completeness_queries.completeness(actor, period, today=today)
    state = request.GET.get("state") if request.GET.get("state") in STATES else ""
    rows = [r for r in result.rows if not state or r.state == state]
    page = Paginator(rows, COMPLETENESS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "period": period,
        "result": result,
        "rows": page.object_list,
        "page": page,
        "query": query_without(request, "page"),
        "state": state,
        "missing": [r for r in result.rows if r.state == "missing"],
        "can_remind": perms.can_approve(actor),
        "recent": _months_back(_last_month(today), 12),
    }
    return render(request, "indicators/completeness.html", context)


def _months_back(code: str, count: int) -> list[str]:
    """`code` and the `count` - 1 months before it, newest first (the period picker)."""
    months = [code]
    while len(months) < count:
        months.append(calc.previous_period(months[-1]))
    return months


@login_required
@require_POST
def send_reminders(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_approve(actor), _("只有住房和城乡建设部可以发送催报提醒。"))
    period = _period_or_default(request.POST.get("period"), timezone.localdate())
    run = reminders.send_reminders(period_code=period)
    messages.success(
        request,
        ngettext("已向 %(n)s 个地区发送催报提醒。", "已向 %(n)s 个地区发送催报提醒。", run.regions)
        % {"n": run.regions},
    )
    return redirect(f"{reverse('indicators:completeness')}?period={period}")


# ---------------------------------------------------------------- targets


@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    get = request.GET
    archived = get.get("archived") == "1"
    rows = queries.targets(actor, include_archived=archived)
    if archived:
        rows = rows.filter(archived_at__isnull=False)
    if get.get("indicator"):
        rows = rows.filter(indicator__code=get["indicator"])
    text = (get.get("q") or "").strip()
    if text:
        rows = rows.filter(Q(region__name__icontains=text) | Q(region__code__startswith=text))
    rows = rows.select_related("region", "indicator", "goal")
    page = page_of(rows, get.get("page"), PAGE_SIZE)
    for target in page.object_list:
        target.editable = perms.can_set_target(actor, target.region)
    context = {
        "page": page,
        "query": query_without(request, "page"),
        "filters": {"indicator": get.get("indicator", ""), "q": text, "archived": archived},
        "indicators": queries.indicators(),
        "can_add": _target_regions(actor).exists(),
    }
    return render(request, "indicators/targets.html", context)


def _target_regions(actor: Any) -> QuerySet[Region]:
    """The reporting regions the user may set targets for."""
    regions = queries.reporting_regions()
    if is_ministry(actor):
        return regions
    return regions.filter(pk__in=[r.pk for r in regions if perms.can_set_target(actor, r)])


def _require_target_region(actor: Any, regions: QuerySet[Region], code: str | None) -> None:
    """A target for a region outside the user's own: 404 if they may not see it, else 403."""
    if code and not regions.filter(pk=code).exists():
        place = queries.visible_region(actor, code)
        require(perms.can_set_target(actor, place), _("只有本地区协调员和住建部可以设定目标。"))


def _goals_of(regions: QuerySet[Region]) -> QuerySet[Goal]:
    """Live goals of the live plans of the pairs in which one of `regions` is a side."""
    pairs = Pairing.objects.live().filter(
        Q(leading_region__in=regions) | Q(partner_region__in=regions)
    )
    return (
        Goal.objects.filter(
            archived_at__isnull=True,
            plan__archived_at__isnull=True,
            plan__superseded_at__isnull=True,
            plan__pairing__in=pairs,
        )
        .select_related("plan__pairing")
        .order_by("plan__pairing_id", "position", "pk")
    )


def _target(actor: Any, target_id: int) -> Target:
    found = queries.targets(actor, include_archived=True).filter(pk=target_id).first()
    if found is None:
        raise NotFound(_("目标不存在。"))
    return found


@login_required
def target_edit(request: HttpRequest, target_id: int | None = None) -> HttpResponse:
    actor = _actor(request)
    target = _target(actor, target_id) if target_id else None
    if target is not None:
        require(
            perms.can_set_target(actor, target.region), _("只有本地区协调员和住建部可以设定目标。")
        )
        regions = Region.objects.filter(pk=target.region_id)
    else:
        regions = _target_regions(actor)
        require(regions.exists(), _("只有本地区协调员和住建部可以设定目标。"))
        _require_target_region(actor, regions, request.POST.get("region"))
    initial: dict[str, Any] = {}
    if target is not None:
        initial = {name: getattr(target, name) for name in TargetForm.FIELDS}
        initial.update(
            region=target.region, indicator=target.indicator, lock_version=target.lock_version
        )
    elif request.GET.get("region"):
        initial["region"] = regions.filter(pk=request.GET["region"]).first()
    # The goals offered are those of the chosen region's pairs (of every allowed region's until
    # one is chosen), so a goal of another pair is refused beside the field.
    chosen = regions.filter(pk=request.POST.get("region") or request.GET.get("region") or "")
    form = TargetForm(
        request.POST or None,
        initial=initial,
        regions=regions,
        indicators=queries.indicators(),
        goals=_goals_of(chosen if chosen.exists() else regions),
        editing=target is not None,
    )
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_target(actor, target, form)
        except (Invalid, Conflict) as exc:
            current = Target.objects.get(pk=target.pk).lock_version if target else 0
            keep_typed_values(form, exc, current)
    if saved is not None:
        messages.success(request, _("目标已保存。"))
        return redirect("indicators:region", region=saved.region_id)
    context = {
        "form": form,
        "title": _("修改目标") if target else _("新增目标"),
        "back": reverse("indicators:targets"),
    }
    return render(request, "indicators/form.html", context)


def _save_target(actor: Any, target: Target | None, form: TargetForm) -> Target:
    if target is None:
        return services.create_target(
            actor=actor,
            region=form.cleaned_data["region"],
            indicator=form.cleaned_data["indicator"],
            **form.values(),
        )
    return services.update_target(
        actor=actor,
        target=target,
        expected_version=form.cleaned_data.get("lock_version"),
        **form.values(),
    )


@login_required
@require_POST
def target_archive(request: HttpRequest, target_id: int) -> HttpResponse:
    actor = _actor(request)
    target = _target(actor, target_id)
    try:
        services.archive_target(actor=actor, target=target)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("目标已归档。"))
    return redirect("indicators:targets")


# ---------------------------------------------------------------- Excel


@login_required
def excel_template(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate()
    regions = _reporting_regions_of(actor)
    initial = {
        "regions": list(regions[:1]),
        "first": f"{today.year}-01",
        "last": calc.period_code_of(today, PeriodType.MONTH),
    }
    form = TemplateForm(request.GET or None, initial=initial, regions=regions)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            codes = [r.code for r in data["regions"]]
            workbook = excel.template_workbook(
                actor=actor, region_codes=codes, first=data["first"], last=data["last"]
            )
        except (Invalid, Conflict) as exc:
            apply_domain_error(form, exc)
        else:
            response = HttpResponse(workbook, content_type=excel.XLSX_CONTENT_TYPE)
            name = excel.template_filename(codes, data["first"], data["last"])
            response["Content-Disposition"] = content_disposition_header(True, name)
            return response
    return render(request, "indicators/excel_template.html", {"form": form})


@login_required
def excel_import(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(
        is_ministry(actor) or _reporting_regions_of(actor).exists(),
        _("您只能查看指标，不能导入数据。"),
    )
    form = ImportForm(request.POST or None, request.FILES or None)
    result, cells = submit_import(
        request, form, lambda upload: excel.import_values(actor=actor, stream=upload)
    )
    if result is not None:
        messages.success(
            request,
            _("导入完成：新增 %(created)s 个数值，更新 %(updated)s 个，未变 %(unchanged)s 个。")
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        return redirect("indicators:reports")
    return render(request, "indicators/excel_import.html", {"form": form, "cells": cells})
