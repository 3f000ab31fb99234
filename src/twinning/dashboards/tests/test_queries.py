"""The dashboards' numbers equal independent counts of the records, for what the user sees;
the Ministry's dashboard runs a fixed number of queries whatever the amount of data."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from twinning.accounts.models import User
from twinning.consultations.models import Assignment, Problem
from twinning.dashboards import queries
from twinning.dashboards.tests.conftest import TODAY
from twinning.evaluation.models import EvaluationRound
from twinning.exchanges.models import Exchange
from twinning.health.models import PairHealth
from twinning.indicators import services as indicator_services
from twinning.indicators.models import Report, Target
from twinning.indicators.progress import ProgressStatus
from twinning.indicators.tests.reports_factory import make_report
from twinning.knowledge.models import CaseOrigin
from twinning.knowledge.services import propose_case
from twinning.pairings.models import Pairing
from twinning.plans.models import Plan, Task
from twinning.plans.queries import working_plan_of
from twinning.supervision.models import Notice

pytestmark = pytest.mark.django_db


def exchange(pairing: Pairing, day: dt.date, kind: str = "training", **extra: Any) -> Exchange:
    return Exchange.objects.create(
        pairing=pairing,
        kind=kind,
        direction="leading_to_partner",
        title=f"交流 {day}",
        start_date=day,
        end_date=day,
        status=extra.pop("status", Exchange.Status.HELD),
        **extra,
    )


def problem(pairing: Pairing, asker: User, status: str, due: dt.datetime) -> Problem:
    return Problem.objects.create(
        pairing=pairing,
        title=f"难题 {status}",
        description="如何推进撤桶并点？",
        asked_by=asker,
        response_due=due,
        status=status,
    )


@pytest.fixture
def activity(tianjin_henan: Pairing, henan: User, pair: Any) -> dict[str, Any]:
    """Exchanges and problems of 天津–河南 and of 上海–江西 (which 河南 does not see)."""
    shanghai_jiangxi = pair("310000", "360000")
    for day in (dt.date(2023, 5, 3), dt.date(2024, 1, 9), dt.date(2024, 2, 20)):
        exchange(tianjin_henan, day)
    exchange(tianjin_henan, dt.date(2024, 2, 21), kind="online_consultation")
    exchange(tianjin_henan, dt.date(2024, 2, 22), status=Exchange.Status.PLANNED)
    exchange(shanghai_jiangxi, dt.date(2024, 2, 1), kind="symposium")
    past = timezone.now() - dt.timedelta(days=3)
    future = timezone.now() + dt.timedelta(days=3)
    problem(tianjin_henan, henan, Problem.Status.ASSIGNED, past)
    problem(tianjin_henan, henan, Problem.Status.OPEN, future)
    problem(tianjin_henan, henan, Problem.Status.RESOLVED, past)
    problem(shanghai_jiangxi, henan, Problem.Status.ANSWERED, past)
    return {"shanghai_jiangxi": shanghai_jiangxi}


def held(**filters: Any) -> int:
    return Exchange.objects.filter(
        archived_at__isnull=True, status=Exchange.Status.HELD, **filters
    ).count()


def test_the_national_numbers_equal_independent_counts(
    supervisor: User, activity: Any, health: None, early_target: Target, closed_notice: Notice
) -> None:
    d = queries.ministry_dashboard(supervisor, today=TODAY)

    live = Pairing.objects.filter(archived_at__isnull=True).exclude(status="declined")
    assert d.overview.total == live.count()
    assert d.overview.by_status.get("active", 0) == live.filter(status="active").count()
    assert d.exchanges_total == held()
    assert d.exchanges_this_year == held(start_date__year=2024)
    live_problems = Problem.objects.filter(archived_at__isnull=True)
    assert (
        d.problems_open == live_problems.filter(status__in=("open", "assigned", "answered")).count()
    )
    assert d.problems_solved == live_problems.filter(status="resolved").count() == 1
    assert (
        d.problems_overdue
        == live_problems.filter(
            status__in=Problem.AWAITING, response_due__lt=timezone.now()
        ).count()
    )
    current = Plan.objects.filter(archived_at__isnull=True, superseded_at__isnull=True)
    assert d.plans_filed == current.filter(status__in=("filed", "in_force")).count()
    for level in ("green", "amber", "red"):
        assert (
            d.health_counts[level]
            == PairHealth.objects.filter(
                level=level, pairing__in=live.filter(status="active")
            ).count()
        )
    assert d.notices == {
        "open": Notice.objects.filter(status__in=Notice.OPEN_STATUSES).count(),
        "overdue": 0,
        "escalated": 0,
    }
    assert d.completeness.period.code == "2024-01"
    assert (
        d.completeness.counts["missing"]
        + d.completeness.counts["on_time"]
        + (d.completeness.counts["late"])
        == d.completeness.counts["expected"]
    )


def test_the_risk_list_is_the_health_signals_worst_first(supervisor: User, health: None) -> None:
    d = queries.ministry_dashboard(supervisor, today=TODAY)

    expected = list(
        PairHealth.objects.filter(pairing__status="active", pairing__archived_at__isnull=True)
        .exclude(level="green")
        .order_by("-score")
        .values_list("score", flat=True)[: queries.RISK_ROWS]
    )
    assert [h.score for h in d.risk] == expected
    assert all(h.level != "green" for h in d.risk)
    assert expected, "the programme's 2021 plans leave overdue tasks by 2024"


def test_exchanges_per_month_and_kind(supervisor: User, activity: Any) -> None:
    chart = queries.exchanges_by_month(supervisor, TODAY)

    first = Exchange.objects.filter(status="held").order_by("start_date").first()
    assert first is not None
    assert chart["months"][0] == first.start_date.strftime("%Y-%m")
    assert chart["months"][-1] == "2024-03"
    february = chart["months"].index("2024-02")
    by_kind = {s["kind"]: s["data"][february] for s in chart["series"]}
    assert by_kind["training"] == held(kind="training", start_date__year=2024, start_date__month=2)
    assert by_kind["online_consultation"] == 1 and by_kind["symposium"] == 1
    total = sum(sum(s["data"]) for s in chart["series"])
    assert total == held()


def test_a_region_user_counts_only_its_pairs(henan: User, activity: Any) -> None:
    chart = queries.exchanges_by_month(henan, TODAY)

    visible = Exchange.objects.filter(status="held").filter(
        Q(pairing__leading_region__path__startswith="/41")
        | Q(pairing__partner_region__path__startswith="/41")
    )
    assert sum(sum(s["data"]) for s in chart["series"]) == visible.count()
    assert "symposium" not in {s["kind"] for s in chart["series"]}


def test_target_progress_is_counted_by_status(
    supervisor: User, early_target: Target, late_target: Target
) -> None:
    d = queries.ministry_dashboard(supervisor, today=TODAY)

    rows = {p.code: p for p in d.indicator_progress}
    assert rows["community_coverage_rate"].counts[ProgressStatus.TARGET_ACHIEVED] == 1
    assert rows["recovery_rate"].counts[ProgressStatus.NOT_AVAILABLE] == 1
    assert (
        sum(p.total for p in d.indicator_progress)
        == Target.objects.filter(archived_at__isnull=True)
        .values("region", "indicator")
        .distinct()
        .count()
    )


def test_candidates_and_what_was_already_proposed(
    supervisor: User,
    henan: User,
    closed_notice: Notice,
    open_notice: Notice,
    early_target: Target,
    late_target: Target,
    published_round: EvaluationRound,
) -> None:
    propose_case(actor=henan, origin_kind="notice", origin_id=closed_notice.pk)

    found = {(c.kind, c.id): c for c in queries.promotion_candidates(supervisor)}

    assert found[("notice", closed_notice.pk)].case is not None
    assert ("notice", open_notice.pk) not in found
    assert found[("target", early_target.pk)].case is None
    assert ("target", late_target.pk) not in found
    scores = [c for c in found.values() if c.kind == CaseOrigin.EVALUATION]
    assert scores and all(c.pairing is not None for c in scores)


def test_an_outsider_sees_no_candidates_of_the_pair(
    jiangxi: User, closed_notice: Notice, early_target: Target
) -> None:
    found = {(c.kind, c.id) for c in queries.promotion_candidates(jiangxi)}

    assert ("notice", closed_notice.pk) not in found
    assert ("target", early_target.pk) not in found


def test_the_ministry_dashboard_runs_a_fixed_number_of_queries(
    supervisor: User,
    activity: Any,
    health: None,
    early_target: Target,
    closed_notice: Notice,
    published_round: EvaluationRound,
    pair: Any,
) -> None:
    with CaptureQueriesContext(connection) as first:
        queries.ministry_dashboard(supervisor, today=TODAY)
    # More of everything: exchanges in other months, targets and reports of other regions.
    for month in range(1, 13):
        exchange(pair("310000", "360000"), dt.date(2022, month, 5), kind="lecture")
    for region in ("360000", "420000", "510000"):
        indicator_services.create_target(
            actor=supervisor,
            region=region,
            indicator="community_coverage_rate",
            baseline_value=Decimal(70),
            baseline_date=dt.date(2022, 12, 31),
            target_value=Decimal(90),
            due_date=dt.date(2025, 12, 31),
        )
        make_report(
            region,
            "2023-06",
            {"communities_total": 100, "communities_sorting": 80},
            status=Report.Status.SUBMITTED,
        )

    with CaptureQueriesContext(connection) as second:
        queries.ministry_dashboard(supervisor, today=TODAY)

    assert len(second) == len(first), [q["sql"][:120] for q in second.captured_queries]
    assert len(first) <= 40


def test_a_pair_dashboard(
    tianjin: User,
    tianjin_henan: Pairing,
    activity: Any,
    health: None,
    early_target: Target,
    open_notice: Notice,
    published_round: EvaluationRound,
) -> None:
    d = queries.pair_dashboard(tianjin, tianjin_henan.pk, today=TODAY)

    assert d.exchanges_total == held(pairing=tianjin_henan)
    assert {k: n for k, _l, n in d.exchanges_by_kind}["training"] == held(
        pairing=tianjin_henan, kind="training"
    )
    assert d.problems_overdue == 1 and d.problems_open == 2
    plan = working_plan_of(tianjin_henan.pk)
    assert d.plan == plan and plan is not None
    live_tasks = Task.objects.filter(plan=plan, archived_at__isnull=True)
    assert d.plan_overview.task_count == live_tasks.count()
    assert (
        d.plan_overview.overdue_count
        == live_tasks.exclude(status__in=Task.CLOSED_STATUSES)
        .filter(due_date__lt=timezone.localdate())
        .count()
    )
    assert [r.target for r in d.targets] == [early_target]
    assert d.health == PairHealth.objects.get(pairing=tianjin_henan)
    assert d.notices == [open_notice]
    assert len(d.scores) == 1 and d.scores[0].round == published_round
    assert d.scores[0].pair is not None


def test_a_pair_dashboard_shows_no_scores_before_publication(
    henan: User, tianjin_henan: Pairing, open_round: EvaluationRound
) -> None:
    d = queries.pair_dashboard(henan, tianjin_henan.pk, today=TODAY)

    assert d.scores == []


def test_an_outsider_cannot_open_a_pair_dashboard(jiangxi: User, tianjin_henan: Pairing) -> None:
    from twinning.core.errors import NotFound

    with pytest.raises(NotFound):
        queries.pair_dashboard(jiangxi, tianjin_henan.pk)


def test_my_dashboard(
    henan: User, henan_expert: User, tianjin_henan: Pairing, activity: Any, open_notice: Notice
) -> None:
    plan = working_plan_of(tianjin_henan.pk)
    assert plan is not None
    tasks = list(Task.objects.filter(plan=plan, archived_at__isnull=True).order_by("pk")[:3])
    tasks[0].owner = henan
    tasks[0].due_date = dt.date(2024, 1, 1)
    tasks[0].status = Task.Status.IN_PROGRESS
    tasks[1].owner = henan
    tasks[1].due_date = dt.date(2024, 12, 1)
    tasks[1].status = Task.Status.NOT_STARTED
    tasks[2].owner = henan
    tasks[2].status = Task.Status.DONE
    for task in tasks:
        task.save()
    waiting = Problem.objects.get(status=Problem.Status.ASSIGNED)
    Assignment.objects.create(problem=waiting, expert=henan_expert)

    mine = queries.my_dashboard(henan, today=TODAY)
    expert = queries.my_dashboard(henan_expert, today=TODAY)

    assert [t.pk for t in mine.tasks] == [tasks[0].pk, tasks[1].pk]
    assert mine.tasks_total == 2 and mine.tasks_overdue == 1
    assert mine.notices == [open_notice]  # to acknowledge
    assert expert.problems == [waiting] and expert.notices == []
    overdue = {(r.region.code, r.period_code) for r in mine.reports if r.overdue}
    assert ("410000", "2024-01") in overdue
    assert {p.pk for p, _level in mine.pairs} >= {tianjin_henan.pk}

    make_report("410000", "2024-01", {}, status=Report.Status.SUBMITTED)
    again = queries.my_dashboard(henan, today=TODAY)
    assert ("410000", "2024-01") not in {(r.region.code, r.period_code) for r in again.reports}
