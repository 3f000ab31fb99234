"""Counting a bulletin's numbers from the records: a period, a scope, and every figure with the
ids of the records it counts (its trace).

`build(scope, period)` reads the records in a fixed, small number of queries (one per kind of
record, never one per pair) and returns plain JSON-ready data; nothing here checks who asks —
the services and queries decide whether the actor may see the scope at all.

What counts (the definitions docs/bulletins.md gives to readers):
- pairs: live pairs touching the scope (a province's: those with either side inside it) that
  are active and were established by the period's end; "new": established within it;
- exchanges: held (status 已举办) and starting within the period; by kind and by month; the
  participants are the sum of their recorded participant counts, the delegates their listed
  delegation members;
- problems: raised (asked) in the period; answered (first answer) in it; solved (an answer
  accepted in it);
- plans: filed with the Ministry in the period; in force at the period's end (in force now or
  superseded after it, in force since before it — or since an unrecorded moment, as the
  programme's loaded plans — and starting by then);
- reporting: every reporting period (of each period type the catalogue uses) whose deadline fell
  in the period and has passed, for every region of the scope expected to report (a side of an
  active pair): on time, late or missing, as the indicators' completeness page counts them;
- targets: the live targets of the scope's partner regions, by progress status at the period's
  end, and those whose forecast misses the target;
- highlights: held exchanges with minutes, and model cases promoted in the period with the
  regions that adopted them (programme-wide cases only, and the pair's own for a pair);
- attention: the scope's pairs whose current health is red or amber, and open notices.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.bulletins.models import Scope
from twinning.bulletins.periods import Period
from twinning.consultations.models import Answer, Problem
from twinning.exchanges.models import Delegate, Exchange
from twinning.indicators import calc, forecast, progress
from twinning.indicators.completeness import LATE, MISSING, ON_TIME, state_of
from twinning.indicators.models import Indicator, PeriodType, Report, Target, Value
from twinning.indicators.progress import ProgressStatus
from twinning.indicators.queries import MIN_POINTS, OFFICIAL_STATUSES
from twinning.indicators.spec import Observation, TargetSpec
from twinning.knowledge.models import CaseAdoption, ModelCase, Visibility
from twinning.pairings.models import Pairing
from twinning.plans.models import Method, Plan
from twinning.regions.models import Region

SCHEMA_VERSION = 1
HIGHLIGHT_EXCHANGES = 6
SUMMARY_CHARS = 160

# Record kinds a figure counts (its trace lists records of this kind).
PAIRING, EXCHANGE, PROBLEM, PLAN, REPORT, TARGET, CASE, HEALTH, NOTICE = (
    "pairing",
    "exchange",
    "problem",
    "plan",
    "report",
    "target",
    "case",
    "health",
    "notice",
)

# What each figure is called; keyed by the figure's key or, for families, its prefix.
FIGURE_LABELS: dict[str, Any] = {
    "pairs.active": _("协作中的结对"),
    "pairs.new": _("本期新建结对"),
    "exchanges.held": _("开展交流活动"),
    "exchanges.participants": _("参加人次"),
    "exchanges.delegates": _("登记的参加人员"),
    "exchanges.kind": _("交流活动（按方式）"),
    "exchanges.month": _("交流活动（按月份）"),
    "problems.raised": _("提出难题"),
    "problems.answered": _("得到解答的难题"),
    "problems.solved": _("已解决的难题"),
    "plans.filed": _("本期备案的工作方案"),
    "plans.in_force": _("期末执行中的工作方案"),
    "reports.expected": _("应报送的指标报表"),
    "reports.on_time": _("按时报送"),
    "reports.late": _("逾期报送"),
    "reports.missing": _("未报送"),
    "targets.total": _("结对方指标目标"),
    "targets.status": _("指标目标（按进展）"),
    "targets.forecast_miss": _("预计不能按期达标的目标"),
    "cases.promoted": _("本期遴选推广的典型案例"),
    "attention.red": _("健康度预警（红色）的结对"),
    "attention.amber": _("健康度关注（黄色）的结对"),
    "notices.open": _("未办结的督办通知"),
    "notices.overdue": _("逾期未办结的督办通知"),
}

KIND_LABELS: dict[str, Any] = {
    PAIRING: _("结对"),
    EXCHANGE: _("交流活动"),
    PROBLEM: _("难题"),
    PLAN: _("工作方案"),
    REPORT: _("指标报表"),
    TARGET: _("指标目标"),
    CASE: _("典型案例"),
    HEALTH: _("结对健康度"),
    NOTICE: _("督办通知"),
}


def figure_label(key: str) -> str:
    """The figure's name in the active language, e.g. "交流活动（按方式）：线上会诊"."""
    if key in FIGURE_LABELS:
        return str(FIGURE_LABELS[key])
    family, _dot, member = key.rpartition(".")
    base = str(FIGURE_LABELS.get(family, key))
    return f"{base}：{member_label(family, member)}"


def member_label(family: str, member: str) -> str:
    """The label of one member of a family of figures (an exchange kind, a month, a status)."""
    if family == "exchanges.kind":
        return _choice(Method, member)
    if family == "targets.status":
        return _choice(ProgressStatus, member)
    if family == "exchanges.month":
        year, month = member.split("-")
        return str(_("%(y)s年%(m)s月") % {"y": year, "m": int(month)})
    return member


def _choice(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# ---------------------------------------------------------------- the scope


@dataclass(frozen=True)
class BulletinScope:
    """What a bulletin covers: the whole programme, a province, or one pair."""

    kind: str  # Scope
    region: Region | None = None
    pairing: Pairing | None = None

    def pair_q(self, prefix: str = "") -> Q:
        """Rows (through `prefix`, e.g. "pairing__") belonging to a pair of the scope."""
        if self.kind == Scope.PAIR and self.pairing is not None:
            return Q(**{f"{prefix}id": self.pairing.pk})
        if self.kind == Scope.PROVINCE and self.region is not None:
            inside = Region.objects.filter(path__startswith=self.region.path).values("code")
            return Q(**{f"{prefix}leading_region__in": inside}) | Q(
                **{f"{prefix}partner_region__in": inside}
            )
        return Q()

    def region_inside(self, region_path: str) -> bool:
        """Whether a region (by path) belongs to a province scope; every region otherwise."""
        if self.kind == Scope.PROVINCE and self.region is not None:
            return region_path.startswith(self.region.path)
        return True


def _moment(day: dt.date) -> dt.datetime:
    """The first moment of `day` in the platform's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _within(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as moments, for date-time fields."""
    return _moment(period.start), _moment(period.end + dt.timedelta(days=1))


def _number(kind: str, ids: Iterable[Any], value: int | None = None) -> dict[str, Any]:
    """One figure: its value (the number of records unless a sum is given) and its trace."""
    listed = sorted(ids, key=lambda v: (isinstance(v, str), v))
    return {"kind": kind, "value": len(listed) if value is None else value, "ids": listed}


# ---------------------------------------------------------------- building


@dataclass
class Context:
    scope: BulletinScope
    period: Period
    as_of: dt.date
    pairs: list[dict[str, Any]]  # every live pair of the scope (id, regions, status, dates)
    today: dt.date | None = None  # the day the bulletin is counted (default: as_of)

    @property
    def pair_ids(self) -> list[int]:
        return [p["id"] for p in self.pairs]


def build(scope: BulletinScope, period: Period, *, today: dt.date | None = None) -> dict[str, Any]:
    """Every number of the bulletin, counted from the records (see the module docstring)."""
    today = today or timezone.localdate()
    as_of = min(today, period.end)
    pairs: list[dict[str, Any]] = list(
        Pairing.objects.filter(scope.pair_q())  # type: ignore[arg-type]  # its rows, as plain dicts.live()
        .values(
            "id",
            "status",
            "established_on",
            "leading_region",
            "partner_region",
            "leading_region__name",
            "partner_region__name",
            "leading_region__path",
            "partner_region__path",
        )
        .order_by("id")
    )
    context = Context(scope, period, as_of, pairs, today)
    numbers: dict[str, dict[str, Any]] = {}
    tables: dict[str, Any] = {}
    _pairs(context, numbers)
    exchanges = _exchanges(context, numbers, tables)
    _problems(context, numbers)
    _plans(context, numbers)
    _reporting(context, numbers, tables)
    _targets(context, numbers, tables)
    highlights = {"exchanges": _exchange_highlights(exchanges), "cases": _cases(context, numbers)}
    attention = _attention(context, numbers)
    return {
        "schema": SCHEMA_VERSION,
        "period": {
            "code": period.code,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "as_of": as_of.isoformat(),
        "scope": {
            "kind": scope.kind,
            "region": scope.region.pk if scope.region else None,
            "pairing": scope.pairing.pk if scope.pairing else None,
        },
        "pair_names": {str(p["id"]): _pair_name(p) for p in pairs},
        "numbers": numbers,
        "tables": tables,
        "highlights": highlights,
        "attention": attention,
        # The day the attention list judges the pairs' health: the period's end for a past period.
        "attention_as_of": _health_day(context).isoformat(),
    }


def _pair_name(pair: dict[str, Any]) -> str:
    return f"{pair['leading_region__name']}—{pair['partner_region__name']}"


def _pairs(context: Context, numbers: dict[str, dict[str, Any]]) -> None:
    period = context.period
    active = [
        p
        for p in context.pairs
        if p["status"] == Pairing.Status.ACTIVE
        and (p["established_on"] is None or p["established_on"] <= period.end)
    ]
    new = [p for p in active if p["established_on"] and period.contains(p["established_on"])]
    numbers["pairs.active"] = _number(PAIRING, [p["id"] for p in active])
    numbers["pairs.new"] = _number(PAIRING, [p["id"] for p in new])


def _exchanges(
    context: Context, numbers: dict[str, dict[str, Any]], tables: dict[str, Any]
) -> list[dict[str, Any]]:
    """Held exchanges starting in the period; returns them for the highlights."""
    period = context.period
    rows: list[dict[str, Any]] = list(
        Exchange.objects.filter(  # type: ignore[arg-type]  # its rows, as plain dicts
            context.scope.pair_q("pairing__"),
            archived_at__isnull=True,
            status=Exchange.Status.HELD,
            start_date__gte=period.start,
            start_date__lte=context.as_of,
        )
        .values(
            "id",
            "pairing_id",
            "kind",
            "title",
            "start_date",
            "participant_count",
            "summary",
        )
        .order_by("start_date", "id")
    )
    ids = [r["id"] for r in rows]
    numbers["exchanges.held"] = _number(EXCHANGE, ids)
    numbers["exchanges.participants"] = _number(
        EXCHANGE, ids, sum(r["participant_count"] for r in rows)
    )
    delegates = dict(
        Delegate.objects.filter(exchange_id__in=Exchange.objects.filter(pk__in=ids).values("pk"))
        .values_list("exchange_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    numbers["exchanges.delegates"] = _number(
        EXCHANGE, [i for i in ids if delegates.get(i)], sum(delegates.values())
    )
    by_kind: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row["id"])
    kind_rows = []
    for kind in Method.values:  # the kinds in their usual order, only those that happened
        if by_kind.get(kind):
            key = f"exchanges.kind.{kind}"
            numbers[key] = _number(EXCHANGE, by_kind[kind])
            kind_rows.append({"member": kind, "figure": key})
    tables["exchanges_by_kind"] = kind_rows
    by_month: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_month[f"{row['start_date']:%Y-%m}"].append(row["id"])
    month_rows = []
    for year, month in context.period.months:
        member = f"{year}-{month:02d}"
        if dt.date(year, month, 1) > context.as_of:
            break
        key = f"exchanges.month.{member}"
        numbers[key] = _number(EXCHANGE, by_month.get(member, []))
        month_rows.append({"member": member, "figure": key})
    tables["exchanges_by_month"] = month_rows
    return rows


def _problems(context: Context, numbers: dict[str, dict[str, Any]]) -> None:
    start, end = _within(context.period)
    end = min(end, _moment(context.as_of + dt.timedelta(days=1)))
    in_scope = Q(context.scope.pair_q("pairing__"), archived_at__isnull=True)
    raised = Problem.objects.filter(in_scope, asked_at__gte=start, asked_at__lt=end)
    answered = Problem.objects.filter(
        in_scope, first_answered_at__gte=start, first_answered_at__lt=end
    )
    solved = (
        Answer.objects.filter(
            archived_at__isnull=True,
            accepted_at__gte=start,
            accepted_at__lt=end,
            problem__in=Problem.objects.filter(in_scope).values("pk"),
        )
        .values_list("problem_id", flat=True)
        .distinct()
    )
    numbers["problems.raised"] = _number(PROBLEM, raised.values_list("id", flat=True))
    numbers["problems.answered"] = _number(PROBLEM, answered.values_list("id", flat=True))
    numbers["problems.solved"] = _number(PROBLEM, set(solved))


def _plans(context: Context, numbers: dict[str, dict[str, Any]]) -> None:
    start, end = _within(context.period)
    end = min(end, _moment(context.as_of + dt.timedelta(days=1)))
    plans = Plan.objects.filter(context.scope.pair_q("pairing__"), archived_at__isnull=True)
    filed = plans.filter(filed_at__gte=start, filed_at__lt=end).values_list("id", flat=True)
    # Plans loaded from the programme's record came into force without a recorded moment.
    in_force = plans.filter(
        Q(status=Plan.Status.IN_FORCE)
        | Q(status=Plan.Status.SUPERSEDED, superseded_at__gte=end, in_force_at__isnull=False),
        Q(in_force_at__lt=end) | Q(in_force_at__isnull=True),
        period_start__lte=context.period.end,
    )
    numbers["plans.filed"] = _number(PLAN, filed)
    numbers["plans.in_force"] = _number(PLAN, in_force.values_list("id", flat=True))


def _reporting_regions(context: Context) -> dict[str, str]:
    """code → path of the regions expected to report: the sides of the scope's active pairs
    (inside the province, for a province's bulletin)."""
    found: dict[str, str] = {}
    for pair in context.pairs:
        if pair["status"] != Pairing.Status.ACTIVE:
            continue
        for side in ("leading_region", "partner_region"):
            path = pair[f"{side}__path"]
            if context.scope.region_inside(path):
                found[pair[side]] = path
    return found


def due_periods(period: Period, as_of: dt.date) -> list[str]:
    """Reporting period codes (of every period type in use) whose deadline fell within the
    bulletin's period and has passed by `as_of`."""
    days = dt.timedelta(days=settings.TWINNING_REPORT_DEADLINE_DAYS)
    kinds = sorted(
        set(
            Indicator.objects.filter(archived_at__isnull=True)
            .order_by()
            .values_list("period_type", flat=True)
            .distinct()
        )
    )
    codes = []
    for kind in kinds:
        # The periods whose end (deadline minus the grace days) lies in the shifted window.
        first = calc.period_code_of(period.start - days, kind)
        last = calc.period_code_of(as_of - days, kind)
        for code in calc.periods_between(first, last):
            _kind, _start, end = calc.period_bounds(code)
            deadline = end + days
            if period.start <= deadline < as_of and deadline <= period.end:
                codes.append(code)
    return codes


def _reporting(
    context: Context, numbers: dict[str, dict[str, Any]], tables: dict[str, Any]
) -> None:
    regions = _reporting_regions(context)
    codes = due_periods(context.period, context.as_of) if regions else []
    reports = {
        (r.region_id, r.period.code): r
        for r in Report.objects.filter(period__code__in=codes, region__in=list(regions))
        .select_related("period")
        .only("id", "region_id", "status", "submitted_at", "period__code", "period__deadline")
    }
    days = dt.timedelta(days=settings.TWINNING_REPORT_DEADLINE_DAYS)
    states: dict[str, list[Any]] = {ON_TIME: [], LATE: [], MISSING: []}
    for code in codes:
        deadline = calc.period_bounds(code)[2] + days
        for region in sorted(regions):
            report = reports.get((region, code))
            state = state_of(report, report.period.deadline if report else deadline)
            # A missing report has no record: its trace names the region and the period.
            states[state].append(report.pk if report and state != MISSING else f"{region}/{code}")
    numbers["reports.on_time"] = _number(REPORT, states[ON_TIME])
    numbers["reports.late"] = _number(REPORT, states[LATE])
    numbers["reports.missing"] = _number(REPORT, states[MISSING])
    numbers["reports.expected"] = _number(REPORT, states[ON_TIME] + states[LATE] + states[MISSING])
    tables["reporting"] = [
        {"member": state, "figure": f"reports.{state}"} for state in (ON_TIME, LATE, MISSING)
    ]
    tables["reporting_periods"] = codes


def _partner_regions(context: Context) -> list[str]:
    return sorted(
        {
            p["partner_region"]
            for p in context.pairs
            if p["status"] == Pairing.Status.ACTIVE
            and context.scope.region_inside(p["partner_region__path"])
        }
    )


def _targets(context: Context, numbers: dict[str, dict[str, Any]], tables: dict[str, Any]) -> None:
    """The partner regions' targets by progress status at the period's end (two queries)."""
    targets = list(
        Target.objects.filter(region__in=_partner_regions(context), archived_at__isnull=True)
        .select_related("indicator")
        .order_by("indicator__position", "region_id", "due_date")
    )
    series = _official_series(targets, context.as_of)
    by_status: dict[str, list[int]] = defaultdict(list)
    by_indicator: dict[str, Counter[str]] = defaultdict(Counter)
    missing_forecast: list[int] = []
    for target in targets:
        spec = TargetSpec.of(target)
        observed = series.get((target.region_id, target.indicator.code), [])
        status = progress.measure(observed, spec, as_of=context.as_of).status
        by_status[status].append(target.pk)
        by_indicator[target.indicator.name][status] += 1
        if _forecast_misses(target, observed, spec, context.as_of):
            missing_forecast.append(target.pk)
    numbers["targets.total"] = _number(TARGET, [t.pk for t in targets])
    status_rows = []
    for status in ProgressStatus.values:
        if by_status.get(status):
            key = f"targets.status.{status}"
            numbers[key] = _number(TARGET, by_status[status])
            status_rows.append({"member": status, "figure": key})
    numbers["targets.forecast_miss"] = _number(TARGET, missing_forecast)
    tables["targets_by_status"] = status_rows
    tables["targets_by_indicator"] = [
        {"indicator": name, "counts": dict(counts)} for name, counts in by_indicator.items()
    ]


def _official_series(
    targets: list[Target], as_of: dt.date
) -> dict[tuple[str, str], list[Observation]]:
    """(region, indicator code) → official observations up to `as_of`, oldest first."""
    if not targets:
        return {}
    regions = {t.region_id for t in targets}
    codes = {t.indicator.code for t in targets}
    rows = (
        Value.objects.filter(
            report__region__in=regions,
            indicator__code__in=codes,
            report__status__in=OFFICIAL_STATUSES,
            report__period__end__lte=as_of,
            report__period__type=F("indicator__period_type"),
            value__isnull=False,
        )
        .order_by("report__period__end")
        .values_list("report__region_id", "indicator__code", "report__period__end", "value")
    )
    found: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for region, code, end, value in rows:
        found[(region, code)].append((end, value))
    return found


def _forecast_misses(
    target: Target, observed: list[Observation], spec: TargetSpec, as_of: dt.date
) -> bool:
    """Whether the trend of the observations so far misses the target at its due date."""
    if not observed or spec.due_date <= observed[-1][0]:
        return False
    min_points = MIN_POINTS.get(PeriodType(target.indicator.period_type), 6)
    result = forecast.forecast(observed, spec.due_date, target=spec, min_points=min_points)
    return result is not None and result.verdict in (forecast.AT_RISK, forecast.OFF_TRACK)


def _exchange_highlights(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The period's best-documented exchanges: with minutes, the largest first."""
    with_summary = [r for r in rows if r["summary"].strip()]
    chosen = sorted(with_summary, key=lambda r: (-r["participant_count"], r["start_date"]))
    return [
        {
            "id": r["id"],
            "pairing": r["pairing_id"],
            "title": r["title"],
            "kind": r["kind"],
            "date": r["start_date"].isoformat(),
            "participants": r["participant_count"],
            "summary": _shorten(r["summary"]),
        }
        for r in chosen[:HIGHLIGHT_EXCHANGES]
    ]


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _case_scope(context: Context) -> Q:
    scope = context.scope
    if scope.kind == Scope.PAIR and scope.pairing is not None:
        return Q(pairing=scope.pairing, visibility__in=[Visibility.PROGRAMME, Visibility.PAIR])
    condition = Q(visibility=Visibility.PROGRAMME)
    if scope.kind == Scope.PROVINCE and scope.region is not None:
        condition &= Q(region__path__startswith=scope.region.path) | Q(
            pairing_id__in=context.pair_ids
        )
    return condition


def _cases(context: Context, numbers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    start, end = _within(context.period)
    cases = list(
        ModelCase.objects.filter(
            _case_scope(context),
            archived_at__isnull=True,
            status=ModelCase.Status.PROMOTED,
            reviewed_at__gte=start,
            reviewed_at__lt=end,
        )
        .select_related("region")
        .order_by("reviewed_at", "id")
    )
    adopters: dict[int, list[str]] = defaultdict(list)
    for case_id, name in (
        CaseAdoption.objects.filter(case__in=[c.pk for c in cases], archived_at__isnull=True)
        .order_by("recorded_at", "id")
        .values_list("case_id", "region__name")
    ):
        adopters[case_id].append(name)
    numbers["cases.promoted"] = _number(CASE, [c.pk for c in cases])
    return [
        {
            "id": c.pk,
            "title": c.title,
            "region": c.region.name,
            "promoted_on": timezone.localdate(c.reviewed_at).isoformat() if c.reviewed_at else "",
            "results": _shorten(c.results),
            "adopted_by": adopters.get(c.pk, []),
        }
        for c in cases
    ]


def _health_day(context: Context) -> dt.date:
    """A period that ended before today is judged as it stood at its end; otherwise today."""
    today = context.today or context.as_of
    return context.as_of if context.as_of < today else today


def _healths(context: Context) -> list[tuple[int, str, int, list[dict[str, Any]]]]:
    """(pairing, level, score, reasons) of the scope's red and amber pairs, worst first: the
    stored health for a current period, the health engine's judgement at the period's end for
    a past one (its facts gathered in bulk, a fixed number of queries)."""
    from twinning.health import engine, thresholds
    from twinning.health.models import Level, PairHealth

    bad = (Level.RED.value, Level.AMBER.value)
    day = _health_day(context)
    if day == (context.today or context.as_of):
        stored = PairHealth.objects.filter(pairing_id__in=context.pair_ids, level__in=bad).order_by(
            "-score", "pairing_id"
        )
        return [(h.pairing_id, h.level, h.score, h.reasons) for h in stored]
    pairings = [p for p in engine.live_pairings(context.pair_ids) if engine.started_on(p) <= day]
    judged = engine.evaluate(pairings, day, thresholds.current()).values()
    rows = [(j.pairing_id, j.level, j.score, j.reasons) for j in judged if j.level in bad]
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def _attention(context: Context, numbers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs whose health is red or amber (at the period's end when it is over), with their
    reasons, and open notices."""
    from twinning.health.models import Level
    from twinning.supervision.models import Notice

    healths = _healths(context)
    notices = list(
        Notice.objects.filter(
            pairing_id__in=context.pair_ids,
            archived_at__isnull=True,
            status__in=Notice.OPEN_STATUSES,
        ).order_by("deadline", "id")
    )
    today = timezone.localdate()
    overdue = [n for n in notices if n.deadline < today]
    numbers["attention.red"] = _number(HEALTH, [h[0] for h in healths if h[1] == Level.RED])
    numbers["attention.amber"] = _number(HEALTH, [h[0] for h in healths if h[1] == Level.AMBER])
    numbers["notices.open"] = _number(NOTICE, [n.pk for n in notices])
    numbers["notices.overdue"] = _number(NOTICE, [n.pk for n in overdue])
    by_pair: dict[int, list[Notice]] = defaultdict(list)
    for notice in notices:
        by_pair[notice.pairing_id].append(notice)
    rows = []
    listed = {h[0] for h in healths}
    for pairing_id, level, _score, reasons in healths:
        rows.append(_attention_row(pairing_id, level, reasons, by_pair))
    # A pair with an open notice needs attention even when its health has recovered.
    for pairing_id in sorted(set(by_pair) - listed):
        rows.append(_attention_row(pairing_id, "", [], by_pair))
    return rows


def _attention_row(
    pairing_id: int, level: str, reasons: list[dict[str, Any]], notices: dict[int, list[Any]]
) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "pairing": pairing_id,
        "level": level,
        "reasons": [
            {k: r.get(k) for k in ("code", "severity", "message", "params", "count")}
            for r in reasons
        ],
        "notices": [
            {
                "id": n.pk,
                "number": n.number,
                "title": n.title,
                "deadline": n.deadline.isoformat(),
                "overdue": n.deadline < today,
            }
            for n in notices.get(pairing_id, [])
        ],
    }


def scope_pairs(scope: BulletinScope) -> QuerySet[Pairing]:
    """The live pairs a bulletin of `scope` covers."""
    return Pairing.objects.live().filter(scope.pair_q())
