"""The health signal of many pairs at once: gather the facts in bulk, then judge them by rules.

`gather` reads the facts of every pair with a fixed number of queries, whatever the number of
pairs (one per kind of fact, grouped by pairing); `judge` turns one pair's facts into reasons
with pure functions (the rules below), so each rule can be tested without the database.

A reason is a plain dict stored with the pair's health:
`{"code", "severity" ("amber"|"red"), "message" (an untranslated msgid with %(name)s params),
"params", "count", "url"}`; `reason_text` gives its sentence in the reader's language.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from twinning.health.models import LEVEL_RANK, Level
from twinning.health.thresholds import Thresholds
from twinning.pairings.models import Pairing, choice_label

AMBER, RED = Level.AMBER.value, Level.RED.value
# Risk score: a red reason outweighs any number of amber ones; within a severity, the more
# items behind a reason (up to a cap), the higher.
SEVERITY_WEIGHT = {AMBER: 10, RED: 100}
COUNT_CAP = 9
# How many names a reason lists before "等".
LISTED_ITEMS = 3


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class ReportFact:
    """A report of one of the pair's regions for a recent period: missing or late."""

    region_code: str
    region_name: str
    period_code: str
    state: str  # completeness.MISSING | completeness.LATE


@dataclass(frozen=True)
class TargetFact:
    """A target of the partner region that is off track."""

    target_id: int
    indicator_name: str
    severity: str  # AMBER (limited progress / at risk) | RED (misses even at the favourable end)


@dataclass
class PairFacts:
    pairing_id: int
    started_on: dt.date
    partner_code: str = ""
    plan_id: int | None = None
    plan_status: str = ""
    # Due dates of the open tasks of the working plan that are past due.
    overdue_due_dates: list[dt.date] = field(default_factory=list)
    last_exchange: dt.date | None = None
    reports: list[ReportFact] = field(default_factory=list)
    targets: list[TargetFact] = field(default_factory=list)
    # Local dates of the response deadlines of unanswered problems that have passed.
    problem_due_dates: list[dt.date] = field(default_factory=list)


@dataclass(frozen=True)
class Judgement:
    pairing_id: int
    level: str
    score: int
    reasons: list[dict[str, Any]]


def started_on(pairing: Pairing) -> dt.date:
    """When the pair's clock starts: its established date, else the day it was recorded."""
    if pairing.established_on is not None:
        return pairing.established_on
    return timezone.localdate(pairing.created_at)


def live_pairings(pairing_ids: Iterable[int] | None = None) -> QuerySet[Pairing]:
    """The pairs that have a health: live and active (proposed, suspended, ended ones have none)."""
    pairs = Pairing.objects.live().filter(status=Pairing.Status.ACTIVE)
    if pairing_ids is not None:
        pairs = pairs.filter(pk__in=list(pairing_ids))
    return pairs.select_related("leading_region", "partner_region").order_by("pk")


def gather(pairings: Sequence[Pairing], today: dt.date, limits: Thresholds) -> dict[int, PairFacts]:
    """The facts of every pair in `pairings`: a fixed number of queries for any number."""
    facts = {
        p.pk: PairFacts(p.pk, started_on(p), partner_code=p.partner_region_id) for p in pairings
    }
    ids = list(facts)
    if not ids:
        return facts
    _gather_plans(facts, ids, today)
    _gather_exchanges(facts, ids, today)
    _gather_problems(facts, ids, today)
    _gather_reports(facts, pairings, today, limits.report_periods)
    _gather_targets(facts, pairings, today, limits.target_grace_days)
    return facts


def _gather_plans(facts: dict[int, PairFacts], ids: list[int], today: dt.date) -> None:
    from twinning.plans.models import Task
    from twinning.plans.queries import working_versions

    # The working version of each pair (the newest if a pair has several lineages).
    plans = working_versions().filter(pairing_id__in=ids).order_by("pairing_id", "updated_at")
    for plan_id, pairing_id, status in plans.values_list("pk", "pairing_id", "status"):
        facts[pairing_id].plan_id, facts[pairing_id].plan_status = plan_id, status
    working = {f.plan_id for f in facts.values() if f.plan_id is not None}
    overdue = (
        Task.objects.filter(archived_at__isnull=True, plan_id__in=working)
        .overdue(today)
        .values_list("plan__pairing_id", "due_date")
    )
    for pairing_id, due in overdue:
        if due is not None:  # overdue() only returns tasks with a due date
            facts[pairing_id].overdue_due_dates.append(due)


def _gather_exchanges(facts: dict[int, PairFacts], ids: list[int], today: dt.date) -> None:
    from twinning.exchanges.models import Exchange

    rows = (
        Exchange.objects.live()
        .filter(pairing_id__in=ids, status=Exchange.Status.HELD, start_date__lte=today)
        .values("pairing_id")
        .annotate(last=Max("end_date"))
        .order_by()
    )
    for row in rows:
        # An exchange still under way today counts as today.
        facts[row["pairing_id"]].last_exchange = min(row["last"], today)


def _gather_problems(facts: dict[int, PairFacts], ids: list[int], today: dt.date) -> None:
    from twinning.consultations.models import Problem

    # Past due = the deadline's day is over: judged by day, like the other rules.
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    rows = Problem.objects.filter(
        pairing_id__in=ids,
        archived_at__isnull=True,
        status__in=Problem.AWAITING,
        response_due__lt=start_of_today,
    ).values_list("pairing_id", "response_due")
    for pairing_id, due in rows:
        facts[pairing_id].problem_due_dates.append(timezone.localdate(due))


def recent_periods(today: dt.date, count: int) -> list[Any]:
    """The last `count` periods of each period type in use whose deadline has passed
    (unsaved calendar periods where the calendar has no row yet). Two queries."""
    from twinning.indicators import calc
    from twinning.indicators.models import Indicator, Period
    from twinning.indicators.queries import calendar_period

    kinds = sorted(
        set(
            Indicator.objects.filter(archived_at__isnull=True)
            .order_by()
            .values_list("period_type", flat=True)
            .distinct()
        )
    )
    candidates: list[Any] = []
    for kind in kinds:
        code = calc.period_code_of(today, kind)
        # The current period, its deadline not yet passed, and enough before it.
        for _step in range(count + 2):
            candidates.append(calendar_period(code))
            code = calc.previous_period(code)
    saved = {p.code: p for p in Period.objects.filter(code__in=[p.code for p in candidates])}
    periods = [saved.get(p.code, p) for p in candidates]
    chosen: list[Any] = []
    for kind in kinds:
        due = [p for p in periods if p.type == kind and p.is_past_deadline(today)]
        chosen += sorted(due, key=lambda p: p.start, reverse=True)[:count]
    return chosen


def _gather_reports(
    facts: dict[int, PairFacts], pairings: Sequence[Pairing], today: dt.date, count: int
) -> None:
    from twinning.indicators.completeness import LATE, MISSING, state_of
    from twinning.indicators.models import Report

    periods = recent_periods(today, count)
    if not periods:
        return
    regions = {p.leading_region_id for p in pairings} | {p.partner_region_id for p in pairings}
    reports = {
        (r.region_id, r.period.code): r
        for r in Report.objects.filter(
            region_id__in=regions, period__code__in=[p.code for p in periods]
        ).select_related("period")
    }
    for pairing in pairings:
        pair = facts[pairing.pk]
        for region in (pairing.leading_region, pairing.partner_region):
            for period in periods:
                if period.end < pair.started_on:
                    continue  # before the pair existed, its regions owed it nothing
                state = state_of(reports.get((region.code, period.code)), period.deadline)
                if state in (MISSING, LATE):
                    pair.reports.append(ReportFact(region.code, region.name, period.code, state))


def _gather_targets(
    facts: dict[int, PairFacts], pairings: Sequence[Pairing], today: dt.date, grace_days: int
) -> None:
    from twinning.indicators.models import Target

    partners = {p.partner_region_id for p in pairings}
    targets = list(
        Target.objects.filter(
            region_id__in=partners,
            archived_at__isnull=True,
            due_date__gte=today - dt.timedelta(days=grace_days),
        )
        .select_related("indicator")
        .order_by("region_id", "indicator__position", "due_date")
    )
    if not targets:
        return
    judged = judge_targets(targets, today)
    by_region: dict[str, list[TargetFact]] = defaultdict(list)
    for target in targets:
        if target.pk in judged:
            by_region[target.region_id].append(judged[target.pk])
    for pair in facts.values():
        pair.targets = by_region.get(pair.partner_code, [])


def judge_targets(targets: Sequence[Any], today: dt.date) -> dict[int, TargetFact]:
    """The off-track targets among `targets`, each judged once from the official series known on
    `today` (one query for all their values), as `indicators.queries.target_status` would."""
    from twinning.indicators import forecast, progress
    from twinning.indicators.models import PeriodType, Value
    from twinning.indicators.queries import MIN_POINTS, OFFICIAL_STATUSES
    from twinning.indicators.spec import TargetSpec

    series: dict[tuple[str, int], list[tuple[dt.date, Any]]] = defaultdict(list)
    rows = (
        Value.objects.filter(
            report__region_id__in={t.region_id for t in targets},
            indicator_id__in={t.indicator_id for t in targets},
            report__period__type=F("indicator__period_type"),
            report__status__in=OFFICIAL_STATUSES,
            report__period__end__lte=today,
        )
        .order_by("report__period__end")
        .values_list("report__region_id", "indicator_id", "report__period__end", "value")
    )
    for region_id, indicator_id, end, value in rows:
        series[(region_id, indicator_id)].append((end, value))
    found: dict[int, TargetFact] = {}
    for target in targets:
        spec = TargetSpec.of(target)
        observations = series[(target.region_id, target.indicator_id)]
        status = progress.measure(observations, spec).status
        verdict = ""
        if observations and spec.due_date > observations[-1][0]:
            points = MIN_POINTS.get(PeriodType(target.indicator.period_type), 6)
            outlook = forecast.forecast(observations, spec.due_date, target=spec, min_points=points)
            verdict = outlook.verdict if outlook is not None else ""
        severity = target_severity(status, verdict)
        if severity:
            found[target.pk] = TargetFact(target.pk, target.indicator.name, severity)
    return found


def target_severity(progress_status: str, verdict: str) -> str:
    """Red when even the favourable end of the forecast misses; amber when the point forecast
    misses or progress is limited or going backwards; "" otherwise."""
    from twinning.indicators import forecast
    from twinning.indicators.progress import ProgressStatus

    if verdict == forecast.OFF_TRACK:
        return RED
    if verdict == forecast.AT_RISK:
        return AMBER
    if progress_status in (ProgressStatus.LIMITED, ProgressStatus.DETERIORATION):
        return AMBER
    return ""


# ---------------------------------------------------------------- rules


def _reason(
    code: str, severity: str, message: str, params: dict[str, Any], count: int, url: str
) -> dict[str, Any]:
    return {
        "code": code,
        "severity": severity,
        "message": message,
        "params": params,
        "count": count,
        "url": url,
    }


def _listed(names: Sequence[str]) -> str:
    """A few names joined with 、, then 等 when there are more (the count is in the sentence)."""
    shown = "、".join(names[:LISTED_ITEMS])
    return shown + ("等" if len(names) > LISTED_ITEMS else "")


def overdue_tasks_rule(
    facts: PairFacts, today: dt.date, limits: Thresholds
) -> dict[str, Any] | None:
    dates = facts.overdue_due_dates
    if not dates:
        return None
    longest = (today - min(dates)).days
    red = len(dates) >= limits.overdue_tasks_red or longest > limits.overdue_days_red
    url = reverse("plans:detail", args=[facts.plan_id]) + "?overdue=1" if facts.plan_id else ""
    return _reason(
        "overdue_tasks",
        RED if red else AMBER,
        gettext_noop("%(count)s 项任务已逾期，最长逾期 %(days)s 天"),
        {"count": len(dates), "days": longest},
        len(dates),
        url,
    )


def silence_rule(facts: PairFacts, today: dt.date, limits: Thresholds) -> dict[str, Any] | None:
    since = facts.last_exchange or facts.started_on
    days = (today - since).days
    if days <= limits.silence_days_amber:
        return None
    severity = RED if days > limits.silence_days_red else AMBER
    url = reverse("exchanges:list") + f"?pairing={facts.pairing_id}"
    if facts.last_exchange is None:
        message = gettext_noop("结对 %(days)s 天以来没有举办过交流活动")
        params: dict[str, Any] = {"days": days}
    else:
        message = gettext_noop("已 %(days)s 天没有举办交流活动（上次 %(last)s）")
        params = {"days": days, "last": facts.last_exchange.isoformat()}
    return _reason("silence", severity, message, params, days, url)


def _report_items(reports: Sequence[ReportFact]) -> str:
    return _listed([f"{r.region_name} {r.period_code}" for r in reports])


def _report_url(reports: Sequence[ReportFact]) -> str:
    first = reports[0]
    return reverse("indicators:report", args=[first.region_code, first.period_code])


def missing_reports_rule(
    facts: PairFacts, today: dt.date, limits: Thresholds
) -> dict[str, Any] | None:
    from twinning.indicators.completeness import MISSING

    missing = [r for r in facts.reports if r.state == MISSING]
    if not missing:
        return None
    return _reason(
        "missing_reports",
        RED if len(missing) >= limits.missing_reports_red else AMBER,
        gettext_noop("%(count)s 份指标报表逾期未报送（%(items)s）"),
        {"count": len(missing), "items": _report_items(missing)},
        len(missing),
        _report_url(missing),
    )


def late_reports_rule(
    facts: PairFacts, today: dt.date, limits: Thresholds
) -> dict[str, Any] | None:
    from twinning.indicators.completeness import LATE

    late = [r for r in facts.reports if r.state == LATE]
    if not late:
        return None
    return _reason(
        "late_reports",
        AMBER,
        gettext_noop("近期有 %(count)s 份指标报表逾期报送（%(items)s）"),
        {"count": len(late), "items": _report_items(late)},
        len(late),
        _report_url(late),
    )


def targets_rule(facts: PairFacts, today: dt.date, limits: Thresholds) -> dict[str, Any] | None:
    if not facts.targets:
        return None
    severe = [t for t in facts.targets if t.severity == RED]
    url = reverse("indicators:region", args=[facts.partner_code])
    names = _listed([t.indicator_name for t in facts.targets])
    if severe:
        return _reason(
            "targets",
            RED,
            gettext_noop(
                "结对方 %(count)s 项指标目标偏离进度，"
                "其中 %(severe)s 项即使按乐观估计也不能按期达标（%(items)s）"
            ),
            {"count": len(facts.targets), "severe": len(severe), "items": names},
            len(facts.targets),
            url,
        )
    return _reason(
        "targets",
        AMBER,
        gettext_noop("结对方 %(count)s 项指标目标进展有限或预计不能按期达标（%(items)s）"),
        {"count": len(facts.targets), "items": names},
        len(facts.targets),
        url,
    )


def problems_rule(facts: PairFacts, today: dt.date, limits: Thresholds) -> dict[str, Any] | None:
    dates = facts.problem_due_dates
    if not dates:
        return None
    longest = (today - min(dates)).days
    return _reason(
        "unanswered_problems",
        RED if longest > limits.problem_days_red else AMBER,
        gettext_noop("%(count)s 个难题超过答复期限未答复，最长超期 %(days)s 天"),
        {"count": len(dates), "days": longest},
        len(dates),
        reverse("consultations:list") + f"?pairing={facts.pairing_id}&overdue=1",
    )


FILED_STATUSES = ("filed", "in_force")
# The plan statuses' labels as stored msgids (the same words as plans.models.Plan.Status).
PLAN_STATUS_MSGIDS = {
    "draft": gettext_noop("草稿"),
    "submitted": gettext_noop("待双方确认"),
    "agreed": gettext_noop("双方已确认，待备案"),
    "returned": gettext_noop("已退回修改"),
}


def plan_rule(facts: PairFacts, today: dt.date, limits: Thresholds) -> dict[str, Any] | None:
    days = (today - facts.started_on).days
    if facts.plan_id is None:
        if days <= limits.no_plan_days_red:
            return None
        return _reason(
            "no_plan",
            RED,
            gettext_noop("结对已 %(days)s 天，仍未制定工作方案"),
            {"days": days},
            1,
            reverse("plans:list") + f"?pairing={facts.pairing_id}",
        )
    if facts.plan_status in FILED_STATUSES or days <= limits.plan_not_filed_days_amber:
        return None
    return _reason(
        "plan_not_filed",
        AMBER,
        gettext_noop("结对已 %(days)s 天，工作方案仍未备案生效（当前：%(status)s）"),
        # The status's msgid, untranslated: reason_text translates string params.
        {"days": days, "status": PLAN_STATUS_MSGIDS.get(facts.plan_status, facts.plan_status)},
        1,
        reverse("plans:detail", args=[facts.plan_id]),
    )


RULES = (
    plan_rule,
    overdue_tasks_rule,
    silence_rule,
    missing_reports_rule,
    late_reports_rule,
    targets_rule,
    problems_rule,
)


def level_of(reasons: Sequence[dict[str, Any]]) -> str:
    """The worst severity among the reasons; green without any."""
    level = Level.GREEN.value
    for reason in reasons:
        if LEVEL_RANK[Level(reason["severity"])] > LEVEL_RANK[Level(level)]:
            level = reason["severity"]
    return level


def score_of(reasons: Sequence[dict[str, Any]]) -> int:
    return sum(SEVERITY_WEIGHT[r["severity"]] + min(int(r["count"]), COUNT_CAP) for r in reasons)


def judge(facts: PairFacts, today: dt.date, limits: Thresholds) -> Judgement:
    """One pair's level, score and reasons (worst first) from its facts."""
    reasons = [r for rule in RULES if (r := rule(facts, today, limits)) is not None]
    reasons.sort(key=lambda r: -SEVERITY_WEIGHT[r["severity"]])
    return Judgement(facts.pairing_id, level_of(reasons), score_of(reasons), reasons)


def evaluate(
    pairings: Sequence[Pairing], today: dt.date, limits: Thresholds
) -> dict[int, Judgement]:
    """Every pair's judgement, the facts gathered in bulk."""
    facts = gather(pairings, today, limits)
    return {pk: judge(f, today, limits) for pk, f in facts.items()}


def reason_text(reason: dict[str, Any]) -> str:
    """The reason's sentence in the reader's language; string params (labels stored as msgids,
    names) pass through gettext too."""
    params = {
        key: gettext(value) if isinstance(value, str) and value else value
        for key, value in (reason.get("params") or {}).items()
    }
    try:
        return gettext(reason["message"]) % params
    except (KeyError, TypeError, ValueError):
        # A message whose params changed shape since it was stored: show it untranslated.
        return str(reason.get("message", ""))


# A few words per rule, for compact lists (the dashboard's risk list); the full sentence is
# `reason_text`.
SHORT_LABELS = {
    "overdue_tasks": gettext_noop("任务逾期 %(count)s 项"),
    "silence": gettext_noop("%(count)s 天未交流"),
    "missing_reports": gettext_noop("报表未报 %(count)s 份"),
    "late_reports": gettext_noop("报表迟报 %(count)s 份"),
    "targets": gettext_noop("目标偏离 %(count)s 项"),
    "unanswered_problems": gettext_noop("难题逾期未答 %(count)s 个"),
    "no_plan": gettext_noop("未制定工作方案"),
    "plan_not_filed": gettext_noop("方案未备案生效"),
}


def reason_short(reason: dict[str, Any]) -> str:
    """The reason in a few words ("任务逾期 11 项"), its sentence when the rule has none."""
    label = SHORT_LABELS.get(str(reason.get("code", "")))
    if label is None:
        return reason_text(reason)
    return gettext(label) % {"count": reason.get("count", 0)}


def level_label(level: str) -> str:
    return choice_label(Level, level)
