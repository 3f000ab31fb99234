"""Writing indicator data: values, the report workflow, evidence, the catalogue and targets.

`write_values` is the one path by which numbers enter the platform (web grid, API, Excel, the
Ministry's bulk import): it resolves everything in a handful of bulk queries, refuses the whole
call when any entry is wrong, recomputes the computed indicators and runs the checks of
`checks.py` on every region-period it touches. Every other function checks permission,
validates, writes inside one transaction and records the change.
"""

import bisect
import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import F, Field, Model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from twinning.accounts.models import User
from twinning.core import audit
from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import is_ministry, require
from twinning.core.uploads import DOCUMENT_KINDS, check_upload
from twinning.core.validation import clean, invalid
from twinning.indicators import calc, checks
from twinning.indicators import permissions as perms
from twinning.indicators.models import (
    Indicator,
    IndicatorVersion,
    Period,
    Report,
    ReportFile,
    Scope,
    Target,
    Value,
)
from twinning.indicators.spec import Finding, IndicatorSpec, Observation
from twinning.plans.models import Goal
from twinning.regions.models import Region

Status = Report.Status

# The audit action of a `write_values` entry (one per report changed).
VALUES_ACTION = "indicator_values"
# The note of a values entry says where they came from (translated when shown).
SOURCE_NOTES = {
    "web": gettext_noop("网页填报"),
    "excel": gettext_noop("Excel 导入"),
    "api": gettext_noop("API 写入"),
}
# Values compared against: the region's earlier periods within this many years.
HISTORY_YEARS = 2
# Values are stored with 4 decimal places in 18 digits (Value.value).
FOUR_PLACES = Decimal("0.0001")
LARGEST_VALUE = Decimal(10) ** 14
# Rows per INSERT/UPDATE statement and ids per IN list, within SQLite's parameter limits.
BATCH_SIZE = 500

INDICATOR_FIELDS = [
    "code",
    "name",
    "name_en",
    "unit",
    "definition",
    "formula",
    "kind",
    "numerator",
    "denominator",
    "factor",
    "period_type",
    "direction",
    "aggregation",
    "hard_min",
    "hard_max",
    "soft_min",
    "soft_max",
    "source",
    "required",
    "position",
]
TARGET_FIELDS = [
    "baseline_value",
    "baseline_date",
    "target_value",
    "due_date",
    "goal",
    "note",
    "source",
]


# ---------------------------------------------------------------- shared helpers


def check_version(obj: Report | Indicator | Target, expected: int | None) -> None:
    """Optimistic locking: refuse a change based on an older version, naming who made it."""
    if expected is None or expected == obj.lock_version:
        return
    updated_by = getattr(obj, "updated_by", None)
    who = str(updated_by) if updated_by else _("其他用户")
    when = date_format(timezone.localtime(obj.updated_at), "Y-m-d H:i")
    raise Conflict(
        _("保存失败：%(who)s 已于 %(when)s 修改了此内容。请刷新页面查看最新内容后再修改。")
        % {"who": who, "when": when},
        code="stale_version",
    )


def _touch(obj: Report | Indicator | Target, actor: User | None) -> None:
    obj.updated_at = timezone.now()
    obj.lock_version += 1
    if isinstance(obj, Report):
        obj.updated_by = actor


def _chunks(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _number_text(value: Decimal | None) -> str | None:
    """A stored number as the audit trail shows it: "30000", "35.25"."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def _snapshot(obj: Indicator | Target, fields: Iterable[str]) -> dict[str, Any]:
    """audit.snapshot with numbers written one way ("35", never "35.0000" beside "35"), so an
    unchanged value never shows as a change."""
    values = audit.snapshot(obj, fields)
    for name in values:
        number = getattr(obj, name)
        if isinstance(number, Decimal):
            values[name] = _number_text(number)
    return values


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---------------------------------------------------------------- periods


def _period_row(code: str) -> Period:
    period_type, start, end = calc.period_bounds(code)
    deadline = end + dt.timedelta(days=settings.TWINNING_REPORT_DEADLINE_DAYS)
    return Period(code=code, type=period_type, start=start, end=end, deadline=deadline)


def ensure_period(code: str) -> Period:
    """The calendar's period for `code`, created with its deadline the first time it is used."""
    row = _period_row(code.strip())
    period, _created = Period.objects.get_or_create(
        code=row.code,
        defaults={"type": row.type, "start": row.start, "end": row.end, "deadline": row.deadline},
    )
    return period


def _ensure_periods(codes: Iterable[str]) -> dict[str, Period]:
    """Every period of `codes`, the missing ones created in one statement."""
    codes = set(codes)
    periods = {p.code: p for p in Period.objects.filter(code__in=codes)}
    missing = [_period_row(code) for code in sorted(codes - set(periods))]
    if missing:
        Period.objects.bulk_create(missing, ignore_conflicts=True)
        periods = {p.code: p for p in Period.objects.filter(code__in=codes)}
    return periods


# ---------------------------------------------------------------- values: the contract


@dataclass
class Entry:
    """One value to write: `value=None` clears it, `comment=None` keeps the stored comment.

    `unit` is the unit the value is given in (converted to the indicator's); `ref` says where it
    came from (e.g. "填报!F12") and is echoed in errors.
    """

    region_code: str
    period_code: str
    indicator_code: str
    value: Decimal | None
    comment: str | None = None
    scope: str | None = None
    unit: str | None = None
    ref: str = ""


@dataclass
class EntryError:
    """Why one entry was refused (or, among WriteResult.warnings, what needs a comment)."""

    ref: str
    region_code: str
    period_code: str
    indicator_code: str
    message: str
    code: str


def entry_key(region_code: str, period_code: str, indicator_code: str, *, multi: bool) -> str:
    """The `fields` key of a cell: "<period>:<indicator>" when the call names one region (the
    web grid), "<region>:<period>:<indicator>" when it names several."""
    if multi:
        return f"{region_code}:{period_code}:{indicator_code}"
    return f"{period_code}:{indicator_code}"


class _EntriesRefused:
    """Shared by the three refusals: every error, and `fields` keyed by cell (`entry_key`)."""

    errors: list[EntryError]

    @staticmethod
    def fields_of(errors: Sequence[EntryError], keys: Sequence[str]) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for error, key in zip(errors, keys, strict=True):
            fields.setdefault(key, []).append(error.message)
        return fields


class EntriesInvalid(_EntriesRefused, Invalid):
    """Some entries break a rule; nothing was written. `errors` lists ALL of them.

    `fields` keys are "<period>:<indicator>" when every entry names the same region, otherwise
    "<region>:<period>:<indicator>" (see `entry_key`). A finding on an indicator the call did
    not name (a computed rate, a part left as it was) is keyed by the first entry of its
    region-period, so it shows beside a cell the user touched; `errors` keep its own code.
    """

    def __init__(self, errors: Sequence[EntryError], keys: Sequence[str] | None = None) -> None:
        self.errors = list(errors)
        message = ngettext(
            "%(count)d 处填报有误，未保存任何数据。",
            "%(count)d 处填报有误，未保存任何数据。",
            len(self.errors),
        ) % {"count": len(self.errors)}
        keys = keys if keys is not None else [_default_key(e, self.errors) for e in self.errors]
        super().__init__(message, code="invalid_values", fields=self.fields_of(self.errors, keys))


class EntriesForbidden(_EntriesRefused, Forbidden):
    """Every entry names a region the actor may see but not report for (403)."""

    def __init__(self, errors: Sequence[EntryError]) -> None:
        self.errors = list(errors)
        keys = [_default_key(e, self.errors) for e in self.errors]
        super().__init__(
            _("您没有填报这些指标的权限：只有本地区的协调员和成员可以填报。"),
            fields=self.fields_of(self.errors, keys),
        )


class EntriesNotFound(_EntriesRefused, NotFound):
    """Every entry names a region the actor may not see (404, as for any hidden record)."""

    def __init__(self, errors: Sequence[EntryError]) -> None:
        self.errors = list(errors)
        keys = [_default_key(e, self.errors) for e in self.errors]
        super().__init__(_("没有这个区划或无权查看。"), fields=self.fields_of(self.errors, keys))


def _default_key(error: EntryError, errors: Sequence[EntryError]) -> str:
    multi = len({e.region_code for e in errors}) > 1
    return entry_key(error.region_code, error.period_code, error.indicator_code, multi=multi)


@dataclass
class WriteResult:
    """What a write did: `created`/`updated`/`cleared` count the entries' own values (computed
    ones change along but are not counted); `warnings` are soft findings still needing a
    comment in the reports written."""

    reports: list[Report]
    created: int
    updated: int
    cleared: int
    warnings: list[EntryError]


# ---------------------------------------------------------------- values: the write path


@dataclass
class _Cell:
    """An accepted entry, resolved."""

    entry: Entry
    indicator: Indicator
    value: Decimal | None
    scope: str | None


@dataclass(eq=False)
class _Group:
    """The entries of one region-period, and what writing them does."""

    region: Region
    period_code: str
    start: dt.date
    end: dt.date
    report: Report | None
    cells: dict[str, _Cell] = field(default_factory=dict)
    # Filled by `_Batch.merge`: every value the report will hold, by indicator code.
    final: dict[str, Decimal] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def first(self) -> _Cell:
        return next(iter(self.cells.values()))


@dataclass(slots=True)
class _Row:
    """A value row as the write path handles it: plain fields, no model instance (100,000 of
    those cost seconds to build)."""

    pk: int | None
    report_id: int | None
    indicator_id: int
    value: Decimal
    scope: str
    definition_version: int
    is_computed: bool
    comment: str
    warnings: list[dict[str, str]]

    def state(self) -> tuple[Any, ...]:
        return (self.value, self.scope, self.comment, self.warnings, self.definition_version)


VALUE_COLUMNS = (
    "pk",
    "report_id",
    "indicator_id",
    "value",
    "scope",
    "definition_version",
    "is_computed",
    "comment",
    "warnings",
)


@dataclass
class _Plan:
    """The rows to write, gathered over every group."""

    create: list[tuple[_Group, _Row]] = field(default_factory=list)
    update: list[_Row] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)
    changes: dict[tuple[str, str], dict[str, list[Any]]] = field(default_factory=dict)
    warnings: list[EntryError] = field(default_factory=list)
    # The groups whose report gets a row created, changed or deleted.
    written: list[_Group] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    cleared: int = 0


class _Batch:
    """One call of `write_values`: everything it reads, loaded in bulk."""

    def __init__(self, actor: User, entries: Sequence[Entry]) -> None:
        self.actor = actor
        self.entries = entries
        self.multi_region = len({e.region_code for e in entries}) > 1
        self.errors: list[EntryError] = []
        self.error_keys: list[str] = []
        # Entries refused because their region is hidden from the actor, or read-only for them.
        self.hidden = 0
        self.forbidden = 0
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        live = [i for i in self.indicators.values() if not i.is_archived]
        self.specs: dict[str, dict[str, IndicatorSpec]] = {}
        for indicator in live:
            self.specs.setdefault(indicator.period_type, {})[indicator.code] = IndicatorSpec.of(
                indicator
            )
        self.regions = self._regions()
        self.periods = self._periods()
        self.groups: dict[tuple[str, str], _Group] = {}

    # -- loading

    def _regions(self) -> dict[str, tuple[Region, bool, bool]]:
        """code → (region, visible, may report) for the regions named."""
        codes = {e.region_code for e in self.entries}
        regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        if is_ministry(self.actor):
            visible = set(regions)
        else:
            visible = set(
                Region.objects.filter(code__in=regions)
                .filter(code__in=perms.visible_region_codes(self.actor))
                .values_list("code", flat=True)
            )
        return {
            code: (region, code in visible, perms.can_report(self.actor, region))
            for code, region in regions.items()
        }

    def _periods(self) -> dict[str, tuple[str, dt.date, dt.date] | None]:
        """code → (type, start, end), or None for a malformed code."""
        bounds: dict[str, tuple[str, dt.date, dt.date] | None] = {}
        for code in {e.period_code for e in self.entries}:
            try:
                bounds[code] = calc.period_bounds(code)
            except Invalid:
                bounds[code] = None
        return bounds

    def load_reports(self) -> None:
        """The groups' existing reports, locked against a concurrent submit or approval."""
        if not self.groups:
            return
        region_codes = {g.region.code for g in self.groups.values()}
        period_codes = {g.period_code for g in self.groups.values()}
        reports = (
            Report.objects.select_for_update(of=("self",))
            .select_related("period")
            .filter(region_id__in=region_codes, period__code__in=period_codes)
        )
        for report in reports:
            group = self.groups.get((report.region_id, report.period.code))
            if group is not None:
                group.report = report

    # -- checking the entries one by one

    def refuse(self, entry: Entry, message: str, code: str, key_code: str = "") -> None:
        self.errors.append(
            EntryError(
                ref=entry.ref,
                region_code=entry.region_code,
                period_code=entry.period_code,
                indicator_code=key_code or entry.indicator_code,
                message=message,
                code=code,
            )
        )
        self.error_keys.append(
            entry_key(
                entry.region_code,
                entry.period_code,
                entry.indicator_code,
                multi=self.multi_region,
            )
        )

    def accept_all(self) -> None:
        seen: dict[tuple[str, str, str], Entry] = {}
        for entry in self.entries:
            key = (entry.region_code, entry.period_code, entry.indicator_code)
            if key in seen:
                first = seen[key]
                message = (
                    _("重复填写：与 %(ref)s 是同一区划、期间和指标。") % {"ref": first.ref}
                    if first.ref
                    else _("重复填写：同一区划、期间和指标出现了不止一次。")
                )
                self.refuse(entry, message, "duplicate")
                continue
            seen[key] = entry
            self.accept(entry)

    def accept(self, entry: Entry) -> None:
        """Resolve one entry into its group, or record why it is refused."""
        region = self._region(entry)
        if region is None:
            return
        indicator = self._indicator(entry)
        if indicator is None:
            return
        bounds = self._bounds(entry, indicator)
        if bounds is None:
            return
        scope_ok, scope = self._scope(entry)
        value_ok, value = self._value(entry, indicator)
        if not (scope_ok and value_ok):
            return
        group = self.groups.get((region.code, entry.period_code))
        if group is None:
            group = _Group(region, entry.period_code, bounds[1], bounds[2], report=None)
            self.groups[(region.code, entry.period_code)] = group
        group.cells[indicator.code] = _Cell(entry, indicator, value, scope or None)

    def _region(self, entry: Entry) -> Region | None:
        found = self.regions.get(entry.region_code)
        if found is None or not found[1]:
            self.hidden += found is not None
            self.refuse(
                entry,
                _("没有这个区划或无权查看：%(code)s。") % {"code": entry.region_code},
                "unknown_region",
            )
            return None
        region, _visible, may_report = found
        if not may_report:
            self.forbidden += 1
            self.refuse(
                entry,
                _("无权填报%(region)s的指标：只有本地区的协调员和成员可以填报。")
                % {"region": region.name},
                "forbidden",
            )
            return None
        return region

    def _indicator(self, entry: Entry) -> Indicator | None:
        indicator = self.indicators.get(entry.indicator_code)
        if indicator is None:
            self.refuse(
                entry,
                _("没有这个指标：%(code)s。") % {"code": entry.indicator_code},
                "unknown_indicator",
            )
            return None
        if indicator.is_archived:
            self.refuse(
                entry,
                _("指标“%(name)s”已停用，不能填报。") % {"name": indicator.name},
                "archived_indicator",
            )
            return None
        if indicator.is_computed:
            self.refuse(
                entry,
                _("“%(name)s”由其他指标计算得出，不能直接填写。") % {"name": indicator.name},
                "computed_indicator",
            )
            return None
        return indicator

    def _bounds(self, entry: Entry, indicator: Indicator) -> tuple[str, dt.date, dt.date] | None:
        bounds = self.periods.get(entry.period_code)
        if bounds is None:
            self.refuse(
                entry,
                _("期间代码“%(code)s”无效，应为 2025-03、2025Q1 或 2025 的形式。")
                % {"code": entry.period_code},
                "invalid_period",
            )
            return None
        if bounds[0] != indicator.period_type:
            self.refuse(
                entry,
                _("“%(name)s”是%(expected)s指标，不能按“%(period)s”填报。")
                % {
                    "name": indicator.name,
                    "expected": indicator.get_period_type_display(),
                    "period": entry.period_code,
                },
                "period_type",
            )
            return None
        return bounds

    def _scope(self, entry: Entry) -> tuple[bool, str | None]:
        """(accepted, the scope's value or None to keep); the labels 城区/全市 are taken too."""
        if entry.scope is None or not entry.scope.strip():
            return True, None
        given = entry.scope.strip()
        for value, label in Scope.choices:
            if given in (value, str(label)):
                return True, str(value)
        self.refuse(
            entry,
            _("统计口径“%(scope)s”不正确，应为“城区”或“全市”。") % {"scope": given},
            "scope",
        )
        return False, None

    def _value(self, entry: Entry, indicator: Indicator) -> tuple[bool, Decimal | None]:
        """(accepted, the value in the indicator's unit with 4 decimals or None to clear)."""
        if entry.value is None:
            return True, None
        try:
            raw = entry.value if isinstance(entry.value, Decimal) else Decimal(str(entry.value))
        except InvalidOperation:
            raw = Decimal("NaN")
        if isinstance(entry.value, bool) or not raw.is_finite():
            self.refuse(entry, _("应为数字。"), "not_a_number")
            return False, None
        if entry.unit and entry.unit.strip() and entry.unit.strip() != indicator.unit:
            try:
                raw = calc.convert(raw, entry.unit, indicator.unit)
            except Invalid as exc:
                self.refuse(entry, exc.message, "unit")
                return False, None
        if abs(raw) >= LARGEST_VALUE:
            self.refuse(entry, _("数值过大。"), "too_large")
            return False, None
        return True, raw.quantize(FOUR_PLACES, ROUND_HALF_UP)

    def check_reports(self) -> None:
        """Refuse every entry of a report that is locked, submitted or demo data."""
        for group in self.groups.values():
            report = group.report
            if report is None or (report.is_editable and not report.is_demo):
                continue
            params = {"period": group.period_code}
            if report.is_demo:
                message, code = (
                    _("%(period)s 的数据是演示数据（生成），不能填报。") % params,
                    "demo",
                )
            elif report.is_locked:
                message, code = _("%(period)s 已审核锁定，不能修改。") % params, "locked"
            else:
                message, code = _("%(period)s 已报送，如需修改请先撤回。") % params, "submitted"
            for cell in group.cells.values():
                self.refuse(cell.entry, message, code)

    def raise_refusals(self) -> None:
        if not self.errors:
            return
        # Every entry names a region the actor may not write: the call as a whole is refused
        # like any other write to such a region (403, or 404 when none of them is visible).
        if self.forbidden + self.hidden == len(self.entries):
            if self.forbidden:
                raise EntriesForbidden(self.errors)
            raise EntriesNotFound(self.errors)
        raise EntriesInvalid(self.errors, self.error_keys)

    # -- merging, computing and checking each region-period

    def load_values(self) -> dict[int, dict[str, _Row]]:
        """The stored values of the groups' reports: report id → indicator code → row."""
        report_ids = [g.report.pk for g in self.groups.values() if g.report is not None]
        codes = {i.pk: i.code for i in self.indicators.values()}
        stored: dict[int, dict[str, _Row]] = {}
        for ids in _chunks(report_ids):
            for fields in Value.objects.filter(report_id__in=ids).values_list(*VALUE_COLUMNS):
                row = _Row(*fields)
                stored.setdefault(fields[1], {})[codes[row.indicator_id]] = row
        return stored

    def merge(self, stored: dict[int, dict[str, _Row]]) -> None:
        """Each group's values as they will be: stored ones, the entries, the computed ones."""
        for group in self.groups.values():
            specs = self.specs.get(self._type(group), {})
            existing = stored.get(group.report.pk, {}) if group.report else {}
            reported = {
                code: row.value
                for code, row in existing.items()
                if code in specs and not specs[code].is_computed
            }
            for code, cell in group.cells.items():
                if cell.value is None:
                    reported.pop(code, None)
                else:
                    reported[code] = cell.value
            group.final = {**reported, **calc.compute(reported, specs)}

    def _type(self, group: _Group) -> str:
        return group.first.indicator.period_type

    def run_checks(self) -> None:
        history = self._history()
        jump = Decimal(settings.TWINNING_JUMP_THRESHOLD_PERCENT) / 100
        outlier = Decimal(settings.TWINNING_OUTLIER_STD_DEVS)
        for key, group in self.groups.items():
            group.findings = checks.check_values(
                group.final,
                self.specs.get(self._type(group), {}),
                history.earlier(key[0], group.start),
                period_end=group.end,
                jump_threshold=jump,
                outlier_std_devs=outlier,
            )
            for finding in group.findings:
                if finding.level == checks.ERROR:
                    cell = group.cells.get(finding.indicator_code, group.first)
                    self.refuse(cell.entry, finding.message, finding.code, finding.indicator_code)

    def _history(self) -> "_History":
        """The groups' regions' earlier values in ONE query, overlaid with this call's."""
        starts = [g.start for g in self.groups.values()]
        since = _years_before(min(starts), HISTORY_YEARS)
        rows = Value.objects.filter(
            report__region_id__in={g.region.code for g in self.groups.values()},
            report__period__start__gte=since,
            report__period__start__lt=max(starts),
        ).values_list(
            "report__region_id",
            "report__period__code",
            "report__period__end",
            "indicator_id",
            "value",
        )
        codes = {i.pk: i.code for i in self.indicators.values()}
        periods: dict[tuple[str, str], tuple[dt.date, dict[str, Decimal]]] = {}
        for region_code, period_code, end, indicator_id, value in rows:
            entry = periods.setdefault((region_code, period_code), (end, {}))
            entry[1][codes[indicator_id]] = value
        for (region_code, period_code), group in self.groups.items():
            periods[(region_code, period_code)] = (group.end, group.final)
        return _History(periods)

    # -- planning the rows

    def plan(self, stored: dict[int, dict[str, _Row]]) -> _Plan:
        plan = _Plan()
        for group in self.groups.values():
            self._plan_group(plan, group, stored.get(group.report.pk, {}) if group.report else {})
        return plan

    def _plan_group(self, plan: _Plan, group: _Group, existing: dict[str, _Row]) -> None:
        """The rows to create, update and delete for one region-period, and its audit changes."""
        specs = self.specs.get(self._type(group), {})
        warnings: dict[str, list[dict[str, str]]] = {}
        for finding in group.findings:
            if finding.level == checks.WARNING:
                warnings.setdefault(finding.indicator_code, []).append(
                    {"code": finding.code, "message": finding.message}
                )
        changes: dict[str, list[Any]] = {}
        rows_before = (len(plan.create), len(plan.update), len(plan.delete))
        managed = set(group.final) | {code for code in existing if code in specs}
        for code in sorted(managed, key=lambda c: (specs[c].position, c)):
            cell = group.cells.get(code)
            old = existing.get(code)
            new_value = group.final.get(code)
            if new_value is None:
                if old is not None:
                    plan.delete.append(cast(int, old.pk))
                    changes[code] = [_number_text(old.value), None]
                    plan.cleared += cell is not None
                continue
            row = old or _Row(
                pk=None,
                report_id=None,
                indicator_id=self.indicators[code].pk,
                value=new_value,
                scope=Scope.URBAN,
                definition_version=self.indicators[code].version,
                is_computed=specs[code].is_computed,
                comment="",
                warnings=[],
            )
            before = row.state()
            self._apply(row, old, cell, new_value, changes, code)
            row.warnings = warnings.get(code, [])
            if old is None:
                plan.create.append((group, row))
                plan.created += cell is not None
            elif before != row.state():
                plan.update.append(row)
                plan.updated += cell is not None and before[:3] != row.state()[:3]
            if row.warnings and not row.comment:
                ref = cell.entry.ref if cell is not None else ""
                plan.warnings += [
                    EntryError(
                        ref, group.region.code, group.period_code, code, w["message"], w["code"]
                    )
                    for w in row.warnings
                ]
        if changes:
            plan.changes[(group.region.code, group.period_code)] = changes
        if changes or rows_before != (len(plan.create), len(plan.update), len(plan.delete)):
            plan.written.append(group)

    def _apply(
        self,
        row: _Row,
        old: _Row | None,
        cell: _Cell | None,
        new_value: Decimal,
        changes: dict[str, list[Any]],
        code: str,
    ) -> None:
        """Set the new value, scope and comment on `row`, noting what changed for the audit."""
        if old is None or old.value != new_value:
            changes[code] = [_number_text(old.value) if old else None, _number_text(new_value)]
            row.value = new_value
            row.definition_version = self.indicators[code].version
        if cell is None:
            return
        if cell.scope is not None and cell.scope != row.scope:
            changes[f"{code}.scope"] = [row.scope if old else None, cell.scope]
            row.scope = cell.scope
        if cell.entry.comment is not None:
            comment = cell.entry.comment.strip()
            if comment != row.comment:
                changes[f"{code}.comment"] = [row.comment or None, comment or None]
                row.comment = comment


class _History:
    """Earlier values per region and code, sorted, for the checks' jumps and outliers."""

    def __init__(self, periods: Mapping[tuple[str, str], tuple[dt.date, Mapping[str, Decimal]]]):
        series: dict[str, dict[str, list[Observation]]] = {}
        for (region_code, _period_code), (end, values) in sorted(
            periods.items(), key=lambda item: item[1][0]
        ):
            by_code = series.setdefault(region_code, {})
            for code, value in values.items():
                by_code.setdefault(code, []).append((end, value))
        self.series = series
        self.ends = {
            region: {code: [end for end, _v in obs] for code, obs in by_code.items()}
            for region, by_code in series.items()
        }

    def earlier(self, region_code: str, start: dt.date) -> dict[str, list[Observation]]:
        """Observations ending within HISTORY_YEARS before `start`."""
        since = _years_before(start, HISTORY_YEARS)
        earlier: dict[str, list[Observation]] = {}
        ends = self.ends.get(region_code, {})
        for code, observations in self.series.get(region_code, {}).items():
            low = bisect.bisect_left(ends[code], since)
            high = bisect.bisect_left(ends[code], start)
            if high > low:
                earlier[code] = observations[low:high]
        return earlier


@transaction.atomic
def write_values(*, actor: User, entries: Sequence[Entry], source: str = "web") -> WriteResult:
    """Write many values (regions × periods × indicators) at once, all or nothing.

    Refused as a whole with `EntriesInvalid` listing every bad entry (unknown region, indicator
    or period, a computed indicator, a locked, submitted or demo report, a unit that does not
    convert, a duplicate, a hard check of `checks.py`), `EntriesForbidden` when the actor may
    report for none of the regions and `EntriesNotFound` when they may see none of them.
    Soft findings are stored on the values and returned: they need a comment before submitting.
    """
    batch = _Batch(actor, entries)
    batch.accept_all()
    batch.load_reports()
    batch.check_reports()
    batch.raise_refusals()
    if not batch.groups:
        return WriteResult(reports=[], created=0, updated=0, cleared=0, warnings=[])
    stored = batch.load_values()
    batch.merge(stored)
    batch.run_checks()
    batch.raise_refusals()
    plan = batch.plan(stored)
    reports = _write_plan(actor, plan, source)
    return WriteResult(
        reports=reports,
        created=plan.created,
        updated=plan.updated,
        cleared=plan.cleared,
        warnings=plan.warnings,
    )


def _write_plan(actor: User, plan: _Plan, source: str) -> list[Report]:
    """Bulk-write the planned rows; reports are created (draft) when first written."""
    now = timezone.now()
    new_groups = [g for g in plan.written if g.report is None]
    if new_groups:
        _create_reports(actor, new_groups, now)
    new_ids = {id(g) for g in new_groups}
    _touch_reports(actor, [g.report for g in plan.written if id(g) not in new_ids], now)
    for group, row in plan.create:
        row.report_id = cast(Report, group.report).pk
    value_fields = [
        "report",
        "indicator",
        "value",
        "scope",
        "definition_version",
        "is_computed",
        "comment",
        "warnings",
        "updated_by",
        "updated_at",
    ]
    _insert_rows(
        Value,
        value_fields,
        [
            (
                row.report_id,
                row.indicator_id,
                row.value,
                row.scope,
                row.definition_version,
                row.is_computed,
                row.comment,
                row.warnings,
                actor.pk,
                now,
            )
            for _group, row in plan.create
        ],
    )
    _update_rows(
        Value,
        ["value", "scope", "definition_version", "comment", "warnings", "updated_by", "updated_at"],
        [
            (
                row.pk,
                row.value,
                row.scope,
                row.definition_version,
                row.comment,
                row.warnings,
                actor.pk,
                now,
            )
            for row in plan.update
        ],
    )
    for ids in _chunks(plan.delete):
        # A cleared cell is not a record: the row goes, the audit entry keeps [old, None].
        Value.objects.filter(pk__in=ids).delete()
    written = [g for g in plan.written if g.report is not None]
    _insert_rows(
        AuditEntry,
        ["at", "actor", "action", "target_type", "target_id", "target_label", "changes", "note"],
        [
            (
                now,
                actor.pk,
                VALUES_ACTION,
                Report._meta.label_lower,
                str(cast(Report, g.report).pk),
                f"{g.region.name} {g.period_code}"[:200],
                plan.changes[(g.region.code, g.period_code)],
                SOURCE_NOTES.get(source, source)[:500],
            )
            for g in written
            if (g.region.code, g.period_code) in plan.changes
        ],
    )
    return [cast(Report, g.report) for g in written]


def _create_reports(actor: User, groups: list[_Group], now: dt.datetime) -> None:
    """Draft reports for the groups written for the first time, in a few statements."""
    periods = _ensure_periods(g.period_code for g in groups)
    _insert_rows(
        Report,
        [
            "region",
            "period",
            "status",
            "is_demo",
            "review_comment",
            "return_comment",
            "lock_version",
            "created_at",
            "updated_at",
            "updated_by",
        ],
        [
            (g.region.code, periods[g.period_code].pk, Status.DRAFT, False, "", "", 1, now, now)
            + (actor.pk,)
            for g in groups
        ],
        # A report created meanwhile by a concurrent write is picked up below.
        ignore_conflicts=True,
    )
    created = (
        Report.objects.select_for_update(of=("self",))
        .select_related("period")
        .filter(
            region_id__in={g.region.code for g in groups},
            period__code__in={g.period_code for g in groups},
        )
    )
    by_key = {(r.region_id, r.period.code): r for r in created}
    for group in groups:
        group.report = by_key[(group.region.code, group.period_code)]


def _touch_reports(actor: User, reports: Sequence[Report | None], now: dt.datetime) -> None:
    """Existing reports written to get a new revision number and their last editor."""
    existing = [r for r in reports if r is not None]
    for report in existing:
        report.lock_version += 1
        report.updated_by, report.updated_at = actor, now
    for chunk in _chunks([r.pk for r in existing]):
        Report.objects.filter(pk__in=chunk).update(
            lock_version=F("lock_version") + 1, updated_by=actor, updated_at=now
        )


# Hand-written bulk statements. Django's bulk_create and bulk_update build an expression per
# row and field (bulk_update a CASE per field), which costs tens of seconds for the 100,000
# values of a national import; these send the same rows, prepared by the fields themselves.


def _columns(model: type[Model], names: Sequence[str]) -> list[Field[Any, Any]]:
    return [cast("Field[Any, Any]", model._meta.get_field(name)) for name in names]


def _quoted(column: Field[Any, Any]) -> str:
    return connection.ops.quote_name(cast(str, column.column))


class _Preparer:
    """A column's values as the database takes them, each distinct value prepared once.

    `get_db_prep_save` costs microseconds a value (a time zone conversion, a decimal's
    quantizing, a JSON dump); a national import repeats the same actor, time, scope and many
    numbers 100,000 times.
    """

    def __init__(self, column: Field[Any, Any]) -> None:
        self.column = column
        self.cache: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        # Empty lists (no warnings) are the common unhashable value: keyed by their type.
        key = (type(value), value) if not isinstance(value, list | dict) or value else type(value)
        try:
            return self.cache[key]
        except KeyError:
            prepared = self.cache[key] = self.column.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # a non-empty list or dict
            return self.column.get_db_prep_save(value, connection)


def _prepared(preparers: Sequence[_Preparer], row: Sequence[Any]) -> list[Any]:
    return [prepare(value) for prepare, value in zip(preparers, row, strict=True)]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# PostgreSQL takes a batch as one array per column (`unnest`): a statement with thousands of
# placeholders is re-parsed by the driver every time. SQLite takes a plain VALUES list.
PG_BATCH_SIZE = 5000


def _batches(rows: Sequence[Sequence[Any]]) -> Iterator[Sequence[Sequence[Any]]]:
    return _chunks(rows, PG_BATCH_SIZE if _postgres() else BATCH_SIZE)


def _source(
    columns: Sequence[Field[Any, Any]], batch: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """A batch of prepared rows as SQL, and its parameters: `unnest(…)` on PostgreSQL (a table
    function), `VALUES …` on SQLite."""
    if _postgres():
        arrays = [list(values) for values in zip(*batch, strict=True)]
        casts = ", ".join(f"%s::{c.db_type(connection)}[]" for c in columns)
        return f"unnest({casts})", arrays
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return f"VALUES {', '.join([row_marks] * len(batch))}", [p for row in batch for p in row]


def _insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """INSERT many rows of `fields` values (related records by id), a batch per statement."""
    if not rows:
        return
    columns = _columns(model, fields)
    names = ", ".join(_quoted(c) for c in columns)
    head = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names})"
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    preparers = [_Preparer(column) for column in columns]
    with connection.cursor() as cursor:
        for batch in _batches(rows):
            source, params = _source(columns, [_prepared(preparers, row) for row in batch])
            select = "SELECT * FROM " if _postgres() else ""
            # Only quoted names and placeholders are put into the text; values are parameters.
            cursor.execute(f"{head} {select}{source}{tail}", params)


def _update_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE many rows, each `(pk, *values of fields)`: one `UPDATE … FROM` a batch per
    statement (PostgreSQL, and SQLite from 3.33; older SQLite gets Django's bulk_update)."""
    if not rows:
        return
    pk_column = model._meta.pk
    columns = [pk_column, *_columns(model, fields)]
    if not _postgres() and sqlite3.sqlite_version_info < (3, 33):
        objects = [
            model(**{c.attname: v for c, v in zip(columns, row, strict=True)}) for row in rows
        ]
        model._default_manager.bulk_update(objects, list(fields), batch_size=BATCH_SIZE)
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [quote(f"c{i}") for i in range(len(columns))]
    assignments = ", ".join(
        f"{_quoted(column)} = d.{name}" for column, name in zip(columns[1:], names[1:], strict=True)
    )
    preparers = [_Preparer(column) for column in columns]
    with connection.cursor() as cursor:
        for batch in _batches(rows):
            source, params = _source(columns, [_prepared(preparers, row) for row in batch])
            update = f"UPDATE {table} SET {assignments}"  # noqa: S608 - quoted names only
            match = f"WHERE {table}.{_quoted(pk_column)} = d.{names[0]}"
            # Only quoted names and placeholders are put into the text; values are parameters.
            if _postgres():
                sql = f"{update} FROM {source} AS d({', '.join(names)}) {match}"
            else:  # SQLite names a VALUES list's columns only in a WITH clause
                sql = f"WITH d({', '.join(names)}) AS ({source}) {update} FROM d {match}"
            cursor.execute(sql, params)


# ---------------------------------------------------------------- the report workflow


def _locked_report(actor: User, report: Report | int) -> Report:
    """The report, locked for the transition; NotFound when the actor may not see its region."""
    pk = report.pk if isinstance(report, Report) else report
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("region", "period", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if locked is None or not perms.can_see_region(actor, locked.region):
        raise NotFound(_("没有这个填报或无权查看。"))
    return locked


def _require_status(report: Report, *allowed: str) -> None:
    if report.status not in allowed:
        raise Conflict(
            _("%(period)s 的填报当前状态为“%(status)s”，不能执行此操作。")
            % {"period": report.period.code, "status": report.get_status_display()},
            code="invalid_transition",
        )


def _require_real(report: Report) -> None:
    """Generated demo series are never changed by people (load-demo owns them)."""
    if report.is_demo:
        raise Conflict(
            _("%(period)s 的数据是演示数据（生成），不能修改。") % {"period": report.period.code},
            code="demo_report",
        )


def _transition(actor: User, report: Report, status: str, note: str = "", **fields: Any) -> Report:
    old = report.status
    report.status = status
    for name, value in fields.items():
        setattr(report, name, value)
    _touch(report, actor)
    report.save()
    audit.record(
        actor=actor,
        action="transition",
        target=report,
        changes={"status": [old, status]},
        note=note,
    )
    return report


def _required_comment(comment: str, message: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise invalid("comment", message, "comment_required")
    return comment


def _check_complete(report: Report) -> None:
    """A report is submitted with every required indicator and a comment on every warning."""
    values = list(report.values.select_related("indicator"))
    present = {v.indicator.code for v in values}
    required = Indicator.objects.filter(
        archived_at__isnull=True,
        required=True,
        kind=Indicator.Kind.REPORTED,
        period_type=report.period.type,
    ).exclude(code__in=present)
    uncommented = sorted(
        (v for v in values if v.needs_comment),
        key=lambda v: (v.indicator.position, v.indicator.code),
    )
    if not required and not uncommented:
        return
    period = report.period.code
    fields: dict[str, list[str]] = {}
    messages = []
    if required:
        names = calc.join_names(i.name for i in required)
        messages.append(_("以下必填指标尚未填写：%(names)s。") % {"names": names})
        for indicator in required:
            fields[f"{period}:{indicator.code}"] = [_("必填。")]
    if uncommented:
        names = calc.join_names(v.indicator.name for v in uncommented)
        messages.append(_("以下指标的提示尚未填写说明：%(names)s。") % {"names": names})
        for value in uncommented:
            fields[f"{period}:{value.indicator.code}"] = [_("请填写说明。")]
    raise Invalid(
        _("不能报送：%(reasons)s") % {"reasons": " ".join(messages)},
        code="missing_required" if required else "comment_required",
        fields=fields,
    )


@transaction.atomic
def submit(*, actor: User, report: Report | int, expected_version: int | None = None) -> Report:
    """Draft or returned → submitted, with every required value and every warning explained."""
    report = _locked_report(actor, report)
    require(perms.can_report(actor, report.region), _("只有本地区的协调员和成员可以报送。"))
    check_version(report, expected_version)
    _require_real(report)
    _require_status(report, *Report.EDITABLE_STATUSES)
    _check_complete(report)
    return _transition(
        actor, report, Status.SUBMITTED, submitted_at=timezone.now(), submitted_by=actor
    )


@transaction.atomic
def withdraw(*, actor: User, report: Report | int, expected_version: int | None = None) -> Report:
    """Submitted → draft, by the reporting side, before anyone has reviewed or approved it."""
    report = _locked_report(actor, report)
    require(perms.can_report(actor, report.region), _("只有本地区的协调员和成员可以撤回。"))
    check_version(report, expected_version)
    _require_real(report)
    _require_status(report, Status.SUBMITTED)
    # Taken back, the report is not submitted any more: it counts as missing until resubmitted.
    return _transition(actor, report, Status.DRAFT, submitted_at=None, submitted_by=None)


@transaction.atomic
def review(
    *,
    actor: User,
    report: Report | int,
    comment: str = "",
    accept: bool = True,
    expected_version: int | None = None,
) -> Report:
    """The leading side reads a submitted report: reviewed, or returned with a comment."""
    report = _locked_report(actor, report)
    require(
        perms.can_review(actor, report.region),
        _("只有结对先行方的协调员可以审阅结对方的填报。"),
    )
    check_version(report, expected_version)
    _require_real(report)
    _require_status(report, Status.SUBMITTED)
    comment = (comment or "").strip()
    reviewed = {"reviewed_at": timezone.now(), "reviewed_by": actor, "review_comment": comment}
    if accept:
        return _transition(actor, report, Status.REVIEWED, comment, **reviewed)
    comment = _required_comment(comment, _("退回时请填写意见。"))
    return _transition(actor, report, Status.RETURNED, comment, return_comment=comment, **reviewed)


@transaction.atomic
def approve(*, actor: User, report: Report | int, expected_version: int | None = None) -> Report:
    """The Ministry approves a submitted (or reviewed) report: the period is locked."""
    report = _locked_report(actor, report)
    require(perms.can_approve(actor), _("只有部级督导和平台管理员可以审核。"))
    check_version(report, expected_version)
    _require_real(report)
    _require_status(report, Status.SUBMITTED, Status.REVIEWED)
    return _transition(
        actor, report, Status.APPROVED, approved_at=timezone.now(), approved_by=actor
    )


@transaction.atomic
def return_report(
    *, actor: User, report: Report | int, comment: str, expected_version: int | None = None
) -> Report:
    """The Ministry sends a submitted (or reviewed) report back for changes."""
    report = _locked_report(actor, report)
    require(perms.can_approve(actor), _("只有部级督导和平台管理员可以退回。"))
    check_version(report, expected_version)
    _require_real(report)
    _require_status(report, Status.SUBMITTED, Status.REVIEWED)
    comment = _required_comment(comment, _("退回时请填写意见。"))
    return _transition(actor, report, Status.RETURNED, comment, return_comment=comment)


@transaction.atomic
def unlock(
    *, actor: User, report: Report | int, reason: str, expected_version: int | None = None
) -> Report:
    """The Ministry reopens an approved report (back to draft); the reason is recorded."""
    report = _locked_report(actor, report)
    require(perms.can_approve(actor), _("只有部级督导和平台管理员可以解除锁定。"))
    check_version(report, expected_version)
    _require_real(report)
    _require_status(report, Status.APPROVED)
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("解除锁定须填写原因。"), "reason_required")
    return _transition(actor, report, Status.DRAFT, reason, approved_at=None, approved_by=None)


# ---------------------------------------------------------------- evidence


def _require_editable(report: Report) -> None:
    """Values and evidence change only while the report is a draft or returned."""
    _require_real(report)
    period = report.period.code
    if report.is_locked:
        raise Conflict(_("%(period)s 已审核锁定，不能修改。") % {"period": period}, code="locked")
    if not report.is_editable:
        raise Conflict(
            _("%(period)s 已报送，如需修改请先撤回。") % {"period": period}, code="submitted"
        )


def _live_indicator(indicator: Indicator | str, field_name: str = "indicator") -> Indicator:
    code = indicator.code if isinstance(indicator, Indicator) else indicator
    found = Indicator.objects.filter(code=code, archived_at__isnull=True).first()
    if found is None:
        raise invalid(field_name, _("没有这个指标或已停用：%(code)s。") % {"code": code})
    return found


@transaction.atomic
def add_evidence(
    *,
    actor: User,
    report: Report | int,
    upload: IO[bytes],
    indicator: Indicator | str | None = None,
    name: str | None = None,
) -> ReportFile:
    """Attach a file (佐证材料) to a report, or to one of its indicators, checked by content."""
    report = _locked_report(actor, report)
    require(perms.can_report(actor, report.region), _("只有本地区的协调员和成员可以上传佐证材料。"))
    _require_editable(report)
    about = _live_indicator(indicator) if indicator is not None else None
    checked = check_upload(upload, DOCUMENT_KINDS, field="file")
    filename = os.path.basename(name or getattr(upload, "name", "") or "") or "file"
    evidence = ReportFile(
        report=report,
        indicator=about,
        name=filename[-200:],
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=actor,
    )
    evidence.file.save(evidence.name, File(upload), save=False)
    try:
        evidence.save()
        audit.record(
            actor=actor,
            action="create",
            target=evidence,
            changes={"file": [None, evidence.name]}
            | ({"indicator": [None, about.code]} if about else {}),
        )
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def archive_evidence(*, actor: User, evidence: ReportFile | int) -> ReportFile:
    """Withdraw a file from a report; it stays retrievable, as every archived record."""
    pk = evidence.pk if isinstance(evidence, ReportFile) else evidence
    found = ReportFile.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("没有这个佐证材料或无权查看。"))
    report = _locked_report(actor, found.report_id)
    require(perms.can_report(actor, report.region), _("只有本地区的协调员和成员可以管理佐证材料。"))
    _require_editable(report)
    if found.is_archived:
        raise Conflict(_("该佐证材料已归档。"), code="already_archived")
    found.archived_at, found.archived_by = timezone.now(), actor
    found.save(update_fields=["archived_at", "archived_by"])
    audit.record(actor=actor, action="archive", target=found)
    return found


# ---------------------------------------------------------------- the catalogue


def _definition(indicator: Indicator) -> dict[str, Any]:
    return _snapshot(indicator, Indicator.DEFINITION_FIELDS)


def _codes(value: Any, field_name: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        raise invalid(field_name, _("请填写指标代码的列表。"), "invalid_components")
    return list(dict.fromkeys(c.strip() for c in value if c.strip()))


def _check_components(indicator: Indicator) -> None:
    """A computed indicator is built from live reported indicators of its own period type."""
    indicator.numerator = _codes(indicator.numerator, "numerator")
    indicator.denominator = _codes(indicator.denominator, "denominator")
    if not indicator.is_computed:
        if indicator.numerator or indicator.denominator:
            raise invalid(
                "numerator", _("填报指标不设分子分母，只有计算指标才有。"), "invalid_components"
            )
        return
    for name in ("numerator", "denominator"):
        codes = getattr(indicator, name)
        if not codes:
            raise invalid(name, _("计算指标须填写分子和分母。"), "invalid_components")
        usable = set(
            Indicator.objects.filter(
                code__in=codes,
                archived_at__isnull=True,
                kind=Indicator.Kind.REPORTED,
                period_type=indicator.period_type,
            )
            .exclude(code=indicator.code)
            .values_list("code", flat=True)
        )
        wrong = [c for c in codes if c not in usable]
        if wrong:
            raise invalid(
                name,
                _("以下代码不是同一报告周期的在用填报指标：%(codes)s。")
                % {"codes": calc.join_names(wrong)},
                "invalid_components",
            )
    if not indicator.factor:
        raise invalid("factor", _("系数不能为0。"), "invalid_factor")


def _check_ranges(indicator: Indicator) -> None:
    pairs = (("hard_min", "hard_max"), ("soft_min", "soft_max"))
    for low, high in pairs:
        low_value, high_value = getattr(indicator, low), getattr(indicator, high)
        if low_value is not None and high_value is not None and low_value > high_value:
            raise invalid(high, _("上限不能小于下限。"), "invalid_range")


def _set_fields(obj: Indicator | Target, allowed: Sequence[str], values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if name not in allowed:
            raise invalid(name, _("不能修改此项。"), "unknown_field")
        setattr(obj, name, value)


def _record_version(actor: User | None, indicator: Indicator, note: str) -> None:
    IndicatorVersion.objects.create(
        indicator=indicator,
        version=indicator.version,
        definition=_definition(indicator),
        created_by=actor,
        note=note[:300],
    )


@transaction.atomic
def create_indicator(*, actor: User, note: str = "", **fields: Any) -> Indicator:
    """An admin adds an indicator to the catalogue; its definition is version 1."""
    require(perms.can_manage_catalogue(actor), _("只有平台管理员可以管理指标目录。"))
    indicator = Indicator()
    _set_fields(indicator, INDICATOR_FIELDS, fields)
    clean(indicator)
    _check_components(indicator)
    _check_ranges(indicator)
    indicator.save()
    _record_version(actor, indicator, note)
    snapshot = _snapshot(indicator, INDICATOR_FIELDS)
    audit.record(
        actor=actor, action="create", target=indicator, changes=audit.diff({}, snapshot), note=note
    )
    return indicator


def _locked_indicator(indicator: Indicator | str) -> Indicator:
    code = indicator.code if isinstance(indicator, Indicator) else indicator
    found = Indicator.objects.select_for_update(of=("self",)).filter(code=code).first()
    if found is None:
        raise NotFound(_("没有这个指标。"))
    return found


@transaction.atomic
def update_indicator(
    *,
    actor: User,
    indicator: Indicator | str,
    expected_version: int | None,
    note: str = "",
    **fields: Any,
) -> Indicator:
    """Change an indicator; a change to its definition is a new version, recorded with a note.

    Values keep the version they were given under. The code, and the kind and period type once
    values exist, do not change: they are what the stored values mean.
    """
    require(perms.can_manage_catalogue(actor), _("只有平台管理员可以管理指标目录。"))
    indicator = _locked_indicator(indicator)
    check_version(indicator, expected_version)
    if "code" in fields and fields["code"] != indicator.code:
        raise invalid("code", _("指标代码不能修改。"), "code_fixed")
    fields.pop("code", None)
    before = _snapshot(indicator, INDICATOR_FIELDS)
    definition_before = _definition(indicator)
    _set_fields(indicator, INDICATOR_FIELDS, fields)
    clean(indicator)
    for name in ("kind", "period_type"):
        if before[name] != getattr(indicator, name) and indicator.values.exists():
            raise invalid(name, _("已有填报数据，不能修改类型或报告周期。"), "has_values")
    _check_components(indicator)
    _check_ranges(indicator)
    changes = audit.diff(before, _snapshot(indicator, INDICATOR_FIELDS))
    if not changes:
        return indicator
    if _definition(indicator) != definition_before:
        if not indicator.versions.filter(version=indicator.version).exists():
            # Indicators created before versions were kept get their old definition recorded.
            IndicatorVersion.objects.create(
                indicator=indicator, version=indicator.version, definition=definition_before
            )
        indicator.version += 1
        changes["version"] = [indicator.version - 1, indicator.version]
        _record_version(actor, indicator, note)
    _touch(indicator, actor)
    indicator.save()
    audit.record(actor=actor, action="update", target=indicator, changes=changes, note=note)
    return indicator


def _set_indicator_archived(actor: User, indicator: Indicator | str, archived: bool) -> Indicator:
    require(perms.can_manage_catalogue(actor), _("只有平台管理员可以管理指标目录。"))
    found = _locked_indicator(indicator)
    if archived == found.is_archived:
        raise Conflict(
            _("该指标已停用。") if archived else _("该指标未停用。"),
            code="already_archived" if archived else "not_archived",
        )
    found.archived_at, found.archived_by = (timezone.now(), actor) if archived else (None, None)
    _touch(found, actor)
    found.save()
    audit.record(actor=actor, action="archive" if archived else "restore", target=found)
    return found


@transaction.atomic
def archive_indicator(*, actor: User, indicator: Indicator | str) -> Indicator:
    """Stop collecting an indicator; its values and targets stay."""
    return _set_indicator_archived(actor, indicator, archived=True)


@transaction.atomic
def restore_indicator(*, actor: User, indicator: Indicator | str) -> Indicator:
    return _set_indicator_archived(actor, indicator, archived=False)


# ---------------------------------------------------------------- targets


def _visible_region(actor: User, region: Region | str) -> Region:
    code = region.code if isinstance(region, Region) else region
    found = Region.objects.filter(code=code).first()
    if found is None or not perms.can_see_region(actor, found):
        raise NotFound(_("没有这个区划或无权查看。"))
    return found


def _goal(goal: Goal | int | None) -> Goal | None:
    if goal is None or isinstance(goal, Goal):
        return goal
    found = Goal.objects.filter(pk=goal).first()
    if found is None:
        raise invalid("goal", _("工作目标不存在。"), "unknown_goal")
    return found


def _outside_range(indicator: Indicator, value: Decimal) -> str:
    """Why `value` is outside the indicator's hard range, or "" when it is inside."""
    low, high = indicator.hard_min, indicator.hard_max

    def shown(bound: Decimal) -> str:
        return calc.with_unit(calc.format_number(bound), indicator.unit)

    if (low is None or value >= low) and (high is None or value <= high):
        return ""
    if low is not None and high is not None:
        return _("数值须在 %(low)s～%(high)s 之间。") % {"low": shown(low), "high": shown(high)}
    if low is not None:
        return _("数值不能小于%(low)s。") % {"low": shown(low)}
    return _("数值不能大于%(high)s。") % {"high": shown(cast(Decimal, high))}


def _check_target(target: Target) -> None:
    """Dates in order, values within the indicator's range, the goal of one of its pairs."""
    if target.due_date <= target.baseline_date:
        raise invalid("due_date", _("完成时限须晚于基准日期。"), "invalid_dates")
    indicator = target.indicator
    for name in ("baseline_value", "target_value"):
        message = _outside_range(indicator, getattr(target, name))
        if message:
            raise invalid(name, message, "out_of_range")
    goal = target.goal
    if goal is not None:
        pairing = goal.plan.pairing
        if goal.is_archived or target.region_id not in (
            pairing.leading_region_id,
            pairing.partner_region_id,
        ):
            raise invalid(
                "goal", _("工作目标须属于该区划所在结对的工作方案。"), "goal_not_of_region"
            )
    duplicate = Target.objects.filter(
        region_id=target.region_id,
        indicator_id=target.indicator_id,
        due_date=target.due_date,
        archived_at__isnull=True,
    ).exclude(pk=target.pk)
    if duplicate.exists():
        raise invalid("due_date", _("该区划已有同一指标、同一完成时限的目标。"), "duplicate_target")


def _target_snapshot(target: Target) -> dict[str, Any]:
    return _snapshot(target, ["region", "indicator", *TARGET_FIELDS])


def _target_pairing(target: Target) -> Any:
    return target.goal.plan.pairing if target.goal is not None else None


@transaction.atomic
def create_target(
    *,
    actor: User,
    region: Region | str,
    indicator: Indicator | str,
    baseline_value: Decimal,
    baseline_date: dt.date,
    target_value: Decimal,
    due_date: dt.date,
    goal: Goal | int | None = None,
    note: str = "",
    source: str = "",
) -> Target:
    """A region's target for an indicator, from a baseline to a value by a date."""
    found_region = _visible_region(actor, region)
    require(
        perms.can_set_target(actor, found_region),
        _("只有部级督导和本地区的协调员可以设定目标。"),
    )
    target = Target(
        region=found_region,
        indicator=_live_indicator(indicator),
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        target_value=target_value,
        due_date=due_date,
        goal=_goal(goal),
        note=note,
        source=source,
        created_by=actor,
    )
    clean(target)
    _check_target(target)
    target.save()
    audit.record(
        actor=actor,
        action="create",
        target=target,
        pairing=_target_pairing(target),
        changes=audit.diff({}, _target_snapshot(target)),
    )
    return target


def _locked_target(actor: User, target: Target | int) -> Target:
    pk = target.pk if isinstance(target, Target) else target
    found = (
        Target.objects.select_for_update(of=("self",))
        .select_related("region", "indicator")
        .filter(pk=pk)
        .first()
    )
    if found is None or not perms.can_see_region(actor, found.region):
        raise NotFound(_("没有这个目标或无权查看。"))
    require(
        perms.can_set_target(actor, found.region),
        _("只有部级督导和本地区的协调员可以修改目标。"),
    )
    return found


@transaction.atomic
def update_target(
    *, actor: User, target: Target | int, expected_version: int | None, **fields: Any
) -> Target:
    """Change a target's values, dates, goal or notes (not its region or indicator)."""
    target = _locked_target(actor, target)
    check_version(target, expected_version)
    if target.is_archived:
        raise Conflict(_("该目标已归档。"), code="already_archived")
    before = _target_snapshot(target)
    if "goal" in fields:
        fields["goal"] = _goal(fields["goal"])
    _set_fields(target, TARGET_FIELDS, fields)
    clean(target)
    _check_target(target)
    changes = audit.diff(before, _target_snapshot(target))
    if changes:
        _touch(target, actor)
        target.save()
        audit.record(
            actor=actor,
            action="update",
            target=target,
            pairing=_target_pairing(target),
            changes=changes,
        )
    return target


def _set_target_archived(actor: User, target: Target | int, archived: bool) -> Target:
    found = _locked_target(actor, target)
    if archived == found.is_archived:
        raise Conflict(
            _("该目标已归档。") if archived else _("该目标未归档。"),
            code="already_archived" if archived else "not_archived",
        )
    found.archived_at, found.archived_by = (timezone.now(), actor) if archived else (None, None)
    if not archived:
        _check_target(found)  # a live target with the same due date may exist meanwhile
    _touch(found, actor)
    found.save()
    audit.record(
        actor=actor,
        action="archive" if archived else "restore",
        target=found,
        pairing=_target_pairing(found),
    )
    return found


@transaction.atomic
def archive_target(*, actor: User, target: Target | int) -> Target:
    return _set_target_archived(actor, target, archived=True)


@transaction.atomic
def restore_target(*, actor: User, target: Target | int) -> Target:
    return _set_target_archived(actor, target, archived=False)
