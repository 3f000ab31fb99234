"""What the dashboards (工作台) show, read for one user from the other apps' records.

Every number is an aggregate query over what the user may see (the apps' own scoping rules);
nothing is stored. The Ministry's dashboard runs a fixed number of queries whatever the number
of pairs: no query per pair, per target or per month.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast, Substr, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.accounts.models import Role
from twinning.consultations.models import Assignment, Problem
from twinning.consultations.queries import visible_problems
from twinning.core.permissions import covers, is_ministry, user_region_path
from twinning.dashboards import progress
from twinning.dashboards.progress import IndicatorProgress, TargetRow
from twinning.exchanges.models import Exchange
from twinning.indicators import calc, reminders
from twinning.indicators import completeness as indicator_completeness
from twinning.indicators import queries as indicator_queries
from twinning.indicators.models import Report, Target
from twinning.knowledge.models import CaseOrigin, ModelCase
from twinning.pairings.models import Pairing
from twinning.pairings.queries import Overview, get_pairing_for, overview_for
from twinning.plans import queries as plan_queries
from twinning.plans.models import Method as ExchangeKind
from twinning.plans.models import Plan, Task
from twinning.regions.models import Region

RISK_ROWS = 10
RANKING_ROWS = 5
CANDIDATES_PER_KIND = 5
TOP_SCORES = 3
LATEST_EXCHANGES = 5
MY_ROWS = 50
# Plans the Ministry has on file: filed, and those in force since.
FILED_STATUSES = (Plan.Status.FILED, Plan.Status.IN_FORCE)


# ---------------------------------------------------------------- shared pieces


def _pair_name(pairing: Pairing) -> str:
    return f"{pairing.leading_region.name}—{pairing.partner_region.name}"


def _held_exchanges(user: Any) -> QuerySet[Exchange]:
    return Exchange.objects.visible_to(user).live().filter(status=Exchange.Status.HELD)


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_of_start() -> Any:
    """The exchange's start month as an expression: on SQLite the ISO text's "YYYY-MM" (its
    TruncMonth runs a Python function per row, a quarter of a second over 20,000 exchanges);
    elsewhere the database's own date_trunc."""
    if connection.vendor == "sqlite":
        return Substr(Cast("start_date", CharField()), 1, 7)
    return TruncMonth("start_date")


def _month_start(value: Any) -> dt.date:
    if isinstance(value, str):
        return dt.date(int(value[:4]), int(value[5:7]), 1)
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass
class ExchangeMonths:
    """Held exchanges counted per (month, kind): the chart, and the totals from the same rows."""

    counts: dict[str, dict[dt.date, int]]

    @property
    def total(self) -> int:
        return sum(sum(months.values()) for months in self.counts.values())

    def in_year(self, year: int) -> int:
        return sum(
            n for months in self.counts.values() for m, n in months.items() if m.year == year
        )

    def chart(self, today: dt.date) -> dict[str, Any]:
        """The months from the first with an exchange to this one, one series per kind."""
        if not self.counts:
            return {"months": [], "series": []}
        first = min(min(c) for c in self.counts.values())
        last = max(today, max(max(c) for c in self.counts.values()))
        months = _month_starts(first, last)
        labels = dict(ExchangeKind.choices)
        return {
            "months": [m.strftime("%Y-%m") for m in months],
            "series": [
                {
                    "kind": kind,
                    "name": str(labels.get(kind, kind)),
                    "data": [self.counts[kind].get(m, 0) for m in months],
                }
                for kind in ExchangeKind.values
                if kind in self.counts
            ],
        }


def exchange_months(user: Any) -> ExchangeMonths:
    """One grouped query over the held exchanges the user sees."""
    rows = (
        _held_exchanges(user)
        .annotate(month=_month_of_start())
        .values("month", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for row in rows:
        counts[row["kind"]][_month_start(row["month"])] = row["n"]
    return ExchangeMonths(dict(counts))


def exchanges_by_month(user: Any, today: dt.date) -> dict[str, Any]:
    """Held exchanges per month and kind, from the first month with one to this month."""
    return exchange_months(user).chart(today)


def _problem_counts(problems: QuerySet[Problem]) -> tuple[dict[str, int], int]:
    """The problems by status (the statuses there are) and how many are past their response
    deadline unanswered: one query."""
    counts = problems.aggregate(
        overdue=Count("pk", filter=Q(status__in=Problem.AWAITING, response_due__lt=timezone.now())),
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in Problem.Status.values},
    )
    by_status = {s: counts[f"status_{s}"] for s in Problem.Status.values if counts[f"status_{s}"]}
    return by_status, counts["overdue"]


# Months looked at together when finding the last closed one: its deadline is in the next
# month, so the latest closed month is almost always one of the last two.
CLOSED_PERIOD_LOOKBACK = 3


def last_closed_period(today: dt.date) -> str:
    """The latest month whose reporting deadline has passed (its periods read a few at a time:
    one query as a rule)."""
    code = calc.period_code_of(today.replace(day=1) - dt.timedelta(days=1), "month")
    while True:
        codes = [code]
        while len(codes) < CLOSED_PERIOD_LOOKBACK:
            codes.append(calc.previous_period(codes[-1]))
        for the_period in indicator_queries.periods(codes):
            if the_period.is_past_deadline(today):
                return the_period.code
        code = calc.previous_period(codes[-1])


# ---------------------------------------------------------------- promotion candidates


@dataclass
class Candidate:
    """A good result the Ministry (or the region concerned) may propose as a model case."""

    kind: str
    id: int
    title: str
    detail: str
    pairing: Pairing | None
    regions: list[Region]
    url: str
    date: dt.date | None = None
    case: ModelCase | None = None  # the live case already proposed from it

    @property
    def kind_label(self) -> str:
        return str(CaseOrigin(self.kind).label)

    @property
    def propose_url(self) -> str:
        return f"{reverse('dashboards:propose_case')}?origin={self.kind}&id={self.id}"


def _notice_candidates(user: Any) -> list[Candidate]:
    from twinning.supervision.models import Notice

    notices = (
        Notice.objects.visible_to(user)
        .live()
        .filter(status=Notice.Status.CLOSED)
        .select_related("pairing__leading_region", "pairing__partner_region")
        .order_by("-closed_at", "-pk")[:CANDIDATES_PER_KIND]
    )
    return [
        Candidate(
            kind=CaseOrigin.NOTICE,
            id=n.pk,
            title=f"{n.number} {n.title}",
            detail=_("%(pair)s · %(date)s 办结")
            % {
                "pair": _pair_name(n.pairing),
                "date": timezone.localdate(n.closed_at).isoformat() if n.closed_at else "—",
            },
            pairing=n.pairing,
            regions=[n.pairing.leading_region, n.pairing.partner_region],
            url=reverse("supervision:detail", args=[n.pk]),
            date=timezone.localdate(n.closed_at) if n.closed_at else None,
        )
        for n in notices
    ]


def _target_candidates(rows: list[TargetRow]) -> list[Candidate]:
    early = sorted(
        (r for r in rows if r.met_early and not r.target.is_archived),
        key=lambda r: (r.achieved_on, r.target.pk),
        reverse=True,
    )[:CANDIDATES_PER_KIND]
    candidates = []
    for row in early:
        target = row.target
        unit = target.indicator.unit
        number = calc.format_number
        candidates.append(
            Candidate(
                kind=CaseOrigin.TARGET,
                id=target.pk,
                title=f"{target.region.name} · {target.indicator.name}",
                detail=_("%(date)s 达到 %(value)s（目标 %(goal)s，时限 %(due)s）")
                % {
                    "date": row.achieved_on.isoformat() if row.achieved_on else "",
                    "value": calc.with_unit(number(row.achieved_value, 1), unit),
                    "goal": calc.with_unit(number(target.target_value, 1), unit),
                    "due": target.due_date.isoformat(),
                },
                pairing=None,
                regions=[target.region],
                url=reverse("indicators:region", args=[target.region_id]),
                date=row.achieved_on,
            )
        )
    return candidates


@dataclass
class Ranking:
    round: Any
    rows: list[Any]


def latest_ranking(user: Any, limit: int = RANKING_ROWS) -> Ranking | None:
    from twinning.evaluation import queries as evaluation_queries

    latest = evaluation_queries.latest_published_round(user)
    if latest is None:
        return None
    return Ranking(latest, evaluation_queries.pair_ranking(user, latest.pk, limit=limit))


def _score_candidates(ranking: Ranking | None) -> list[Candidate]:
    """The top pairs of the latest published round; a pair is proposed from its better-scored
    side (the partner side on a tie)."""
    if ranking is None:
        return []
    candidates = []
    for row in ranking.rows[:TOP_SCORES]:
        pairing = row.pairing
        leading_id, partner_id = row.assessment_ids
        leading_better = (row.leading_score or 0) > (row.partner_score or 0)
        region = pairing.leading_region if leading_better else pairing.partner_region
        candidates.append(
            Candidate(
                kind=CaseOrigin.EVALUATION,
                id=leading_id if leading_better else partner_id,
                title=f"{_pair_name(pairing)} · {ranking.round.name}",
                detail=_("第 %(rank)s 名，%(score)s 分") % {"rank": row.rank, "score": row.score},
                pairing=pairing,
                regions=[region],
                url=reverse("evaluation:rankings", args=[ranking.round.pk]),
            )
        )
    return candidates


def _mark_proposed(candidates: list[Candidate]) -> None:
    """Attach the live case already proposed from each candidate: one query."""
    if not candidates:
        return
    condition = Q()
    for candidate in candidates:
        condition |= Q(origin_kind=candidate.kind, origin_id=candidate.id)
    cases = ModelCase.objects.filter(condition, archived_at__isnull=True).order_by("-pk")
    found = {(c.origin_kind, c.origin_id): c for c in cases}
    for candidate in candidates:
        candidate.case = found.get((candidate.kind, candidate.id))


def may_propose(user: Any, candidate: Candidate) -> bool:
    if is_ministry(user):
        return True
    if str(getattr(user, "role", "")) != Role.COORDINATOR:
        return False
    return any(covers(user, region) for region in candidate.regions)


def promotion_candidates(
    user: Any,
    *,
    target_rows: list[TargetRow] | None = None,
    ranking: Ranking | None | bool = False,
) -> list[Candidate]:
    """Closed notices, targets met before their due date and the latest round's top scores the
    user may see, each with the case already proposed from it (if any). The dashboards pass
    what they have already read (`target_rows`, `ranking`) to save the queries."""
    if target_rows is None:
        target_rows = progress.target_rows(_live_targets(user))
    if ranking is False:
        ranking = latest_ranking(user, TOP_SCORES)
    candidates = (
        _notice_candidates(user)
        + _target_candidates(target_rows)
        + _score_candidates(ranking if isinstance(ranking, Ranking) else None)
    )
    _mark_proposed(candidates)
    return candidates


def _live_targets(user: Any) -> QuerySet[Target]:
    return indicator_queries.targets(user)


# ---------------------------------------------------------------- the Ministry


@dataclass
class MinistryDashboard:
    today: dt.date
    overview: Overview
    health_counts: dict[str, int]
    exchanges_total: int
    exchanges_this_year: int
    problems: dict[str, int]
    problems_overdue: int
    plans: dict[str, int]
    completeness: indicator_completeness.Completeness
    risk: list[Any]
    exchanges_chart: dict[str, Any]
    indicator_progress: list[IndicatorProgress]
    notices: dict[str, int]
    ranking: Ranking | None
    candidates: list[Candidate]

    @property
    def plans_filed(self) -> int:
        return sum(self.plans.get(s, 0) for s in FILED_STATUSES)

    @property
    def problems_open(self) -> int:
        return sum(self.problems.get(s, 0) for s in (*Problem.AWAITING, Problem.Status.ANSWERED))

    @property
    def problems_solved(self) -> int:
        return self.problems.get(Problem.Status.RESOLVED, 0)


def ministry_dashboard(user: Any, *, today: dt.date | None = None) -> MinistryDashboard:
    """The national picture (for the Ministry; a region user gets the same for what they see)."""
    from twinning.health import queries as health_queries
    from twinning.supervision import queries as notice_queries

    today = today or timezone.localdate()
    months = exchange_months(user)
    problem_counts, overdue = _problem_counts(
        visible_problems(user).filter(archived_at__isnull=True)
    )
    rows = progress.target_rows(_live_targets(user))
    ranking = latest_ranking(user)
    risk = list(
        health_queries.risk_list(user)
        .exclude(level="green")
        .select_related("pairing__leading_region", "pairing__partner_region")[:RISK_ROWS]
    )
    return MinistryDashboard(
        today=today,
        overview=overview_for(user),
        health_counts=health_queries.level_counts(user),
        exchanges_total=months.total,
        exchanges_this_year=months.in_year(today.year),
        problems=problem_counts,
        problems_overdue=overdue,
        plans=plan_queries.plans_by_status(user),
        completeness=indicator_completeness.completeness(
            user, last_closed_period(today), today=today
        ),
        risk=risk,
        exchanges_chart=months.chart(today),
        indicator_progress=progress.by_indicator(progress.current_rows(rows, today)),
        notices=notice_queries.open_counts(user, today=today),
        ranking=ranking,
        candidates=promotion_candidates(user, target_rows=rows, ranking=ranking),
    )


# ---------------------------------------------------------------- one pair


@dataclass
class PairScore:
    round: Any
    leading: Any = None
    partner: Any = None

    @property
    def pair(self) -> Any:
        if self.leading is None or self.partner is None:
            return None
        return round((self.leading + self.partner) / 2, 1)


@dataclass
class PairDashboard:
    today: dt.date
    pairing: Pairing
    plan: Plan | None
    plan_overview: Any
    exchanges_total: int
    exchanges_by_kind: list[tuple[str, str, int]]
    latest_exchanges: list[Exchange]
    problems: dict[str, int]
    problems_overdue: int
    open_problems: list[Problem]
    targets: list[TargetRow]
    health: Any
    notices: list[Any]
    scores: list[PairScore]

    @property
    def problems_open(self) -> int:
        return sum(self.problems.get(s, 0) for s in (*Problem.AWAITING, Problem.Status.ANSWERED))

    @property
    def task_status_rows(self) -> list[tuple[str, str, int]]:
        counts = self.plan_overview.by_status if self.plan_overview else {}
        return [(s.value, str(s.label), counts.get(s.value, 0)) for s in Task.Status]

    @property
    def phase_rows(self) -> list[tuple[Any, Any]]:
        """Each phase of the plan with its roll-up (None: no tasks in it)."""
        if self.plan_overview is None:
            return []
        return [(p, self.plan_overview.by_phase.get(p.pk)) for p in self.plan_overview.phases]

    @property
    def problem_status_rows(self) -> list[tuple[str, str, int]]:
        return [(s.value, str(s.label), self.problems.get(s.value, 0)) for s in Problem.Status]

    @property
    def problems_answered(self) -> int:
        return sum(
            self.problems.get(s, 0)
            for s in (Problem.Status.ANSWERED, Problem.Status.RESOLVED, Problem.Status.CLOSED)
        )


def _pair_exchanges(user: Any, pairing: Pairing) -> tuple[int, list[tuple[str, str, int]]]:
    rows = (
        _held_exchanges(user)
        .filter(pairing=pairing)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind")
    )
    labels = dict(ExchangeKind.choices)
    by_kind = [(r["kind"], str(labels.get(r["kind"], r["kind"])), r["n"]) for r in rows]
    return sum(n for _k, _l, n in by_kind), by_kind


def _pair_scores(pairing: Pairing) -> list[PairScore]:
    """The pair's scores in published rounds only (never before publication), newest first."""
    from twinning.evaluation.models import Assessment, EvaluationRound

    rows = (
        Assessment.objects.filter(
            pairing=pairing,
            ministry_total__isnull=False,
            round__status__in=EvaluationRound.RESULT_STATUSES,
            round__archived_at__isnull=True,
        )
        .select_related("round")
        .order_by("-round__published_at", "-round_id")
    )
    scores: dict[int, PairScore] = {}
    for assessment in rows:
        score = scores.setdefault(assessment.round_id, PairScore(assessment.round))
        setattr(score, assessment.side, assessment.ministry_total)
    return list(scores.values())


def _health_of(user: Any, pairing: Pairing) -> Any:
    from twinning.health.models import PairHealth

    # The pair is already known to be visible: read its row directly (None: not computed yet).
    return PairHealth.objects.filter(pairing=pairing).first()


def pair_dashboard(user: Any, pairing_id: int, *, today: dt.date | None = None) -> PairDashboard:
    """One pair's plan, exchanges, problems, targets, health, notices and published scores;
    NotFound outside the user's scope."""
    from twinning.supervision import queries as notice_queries

    today = today or timezone.localdate()
    pairing = get_pairing_for(user, pairing_id)
    plan = plan_queries.working_plan_of(pairing.pk)
    total, by_kind = _pair_exchanges(user, pairing)
    problems = visible_problems(user).filter(pairing=pairing, archived_at__isnull=True)
    problem_counts, problems_overdue = _problem_counts(problems)
    targets = indicator_queries.targets(user).filter(region=pairing.partner_region)
    return PairDashboard(
        today=today,
        pairing=pairing,
        plan=plan,
        plan_overview=plan_queries.overview_of(plan) if plan is not None else None,
        exchanges_total=total,
        exchanges_by_kind=by_kind,
        latest_exchanges=list(
            _held_exchanges(user)
            .filter(pairing=pairing)
            .order_by("-start_date", "-pk")[:LATEST_EXCHANGES]
        ),
        problems=problem_counts,
        problems_overdue=problems_overdue,
        open_problems=list(
            problems.filter(status__in=(*Problem.AWAITING, Problem.Status.ANSWERED)).order_by(
                "response_due", "pk"
            )[:LATEST_EXCHANGES]
        ),
        targets=sorted(
            progress.target_rows(targets),
            key=lambda r: (r.target.indicator.position, r.target.due_date),
        ),
        health=_health_of(user, pairing),
        notices=list(notice_queries.notices_for(user, status="open", pairing=pairing.pk)),
        scores=_pair_scores(pairing),
    )


# ---------------------------------------------------------------- the user


@dataclass
class ReportDue:
    region: Region
    period_code: str
    deadline: dt.date
    overdue: bool
    report: Report | None

    @property
    def url(self) -> str:
        return reverse(
            "indicators:report", kwargs={"region": self.region.code, "period": self.period_code}
        )


@dataclass
class MyDashboard:
    today: dt.date
    tasks: list[Task]
    tasks_total: int
    tasks_overdue: int
    problems: list[Problem]
    reports: list[ReportDue]
    notices: list[Any]
    pairs: list[tuple[Pairing, str | None]]


def _my_problems(user: Any) -> QuerySet[Problem]:
    """Problems the user is assigned to answer and that still wait for an answer."""
    assigned = Assignment.objects.filter(expert_id=user.pk).values("problem_id")
    return (
        visible_problems(user)
        .filter(pk__in=assigned, archived_at__isnull=True, status__in=Problem.AWAITING)
        .select_related("pairing__leading_region", "pairing__partner_region")
        .order_by("response_due", "pk")
    )


def _my_reports(user: Any, today: dt.date) -> list[ReportDue]:
    """The reports of the user's region (and the regions inside it) due soon or overdue and not
    submitted: the periods the reminders look at. Three queries."""
    path = user_region_path(user)
    if path is None or is_ministry(user):
        return []
    regions = list(indicator_queries.reporting_regions().filter(path__startswith=path))
    if not regions:
        return []
    periods = indicator_queries.periods(reminders.recent_periods(today))
    asked = [p for p in periods if reminders.event_for(p, today) is not None]
    reports = {
        (r.region_id, r.period.code): r
        for r in Report.objects.filter(
            region__in=regions, period__code__in=[p.code for p in asked]
        ).select_related("period")
    }
    due = []
    for the_period in asked:
        for region in regions:
            report = reports.get((region.code, the_period.code))
            if report is not None and report.status in Report.SUBMITTED_STATUSES:
                continue
            due.append(
                ReportDue(
                    region=region,
                    period_code=the_period.code,
                    deadline=the_period.deadline,
                    overdue=the_period.is_past_deadline(today),
                    report=report,
                )
            )
    return sorted(due, key=lambda d: (d.deadline, d.region.code))


def _notices_awaiting(user: Any) -> list[Any]:
    """Notices waiting for this user: a coordinator acknowledges, plans and reports; the
    Ministry verifies what was reported."""
    from twinning.supervision.models import Notice
    from twinning.supervision.queries import notices_for

    Status = Notice.Status
    if is_ministry(user):
        statuses: tuple[str, ...] = (Status.REPORTED,)
    elif str(getattr(user, "role", "")) == Role.COORDINATOR:
        statuses = (Status.ISSUED, Status.ACKNOWLEDGED, Status.RECTIFYING)
    else:
        return []
    return list(
        notices_for(user, status="open")
        .filter(status__in=statuses)
        .order_by("deadline", "pk")[:MY_ROWS]
    )


def _my_pairs(user: Any) -> list[Pairing]:
    """The live pairs of the user's region (the Ministry has the national dashboard instead)."""
    return list(
        Pairing.objects.visible_to(user)
        .live()
        .filter(status__in=Pairing.LIVE_STATUSES)
        .select_related("leading_region", "partner_region")
        .order_by("leading_region_id", "partner_region_id")
    )


def my_dashboard(user: Any, *, today: dt.date | None = None) -> MyDashboard:
    """The user's own work: tasks, problems to answer, reports due, notices to act on."""
    from twinning.health.models import PairHealth

    today = today or timezone.localdate()
    tasks = plan_queries.my_tasks_for(user).exclude(status__in=Task.CLOSED_STATUSES)
    counts = tasks.aggregate(
        total=Count("pk", distinct=True),
        overdue=Count("pk", filter=Q(due_date__lt=today), distinct=True),
    )
    pairs = [] if is_ministry(user) else _my_pairs(user)
    levels = dict(
        PairHealth.objects.filter(pairing__in=[p.pk for p in pairs]).values_list(
            "pairing_id", "level"
        )
    )
    return MyDashboard(
        today=today,
        tasks=list(tasks[:MY_ROWS]),
        tasks_total=counts["total"],
        tasks_overdue=counts["overdue"],
        problems=list(_my_problems(user)[:MY_ROWS]),
        reports=_my_reports(user, today),
        notices=_notices_awaiting(user),
        pairs=[(p, levels.get(p.pk)) for p in pairs],
    )
