"""The acceptance test of the numbers: each one equals a count made here with plain ORM filters
(not through the builder), for the whole programme, a province and a pair; a province's bulletin
never counts another province's records; every number lists the records it counts."""

import datetime as dt
from typing import Any

import pytest
from django.db.models import Q, Sum

from twinning.bulletins import builder
from twinning.bulletins.builder import BulletinScope
from twinning.bulletins.periods import parse_period
from twinning.bulletins.tests.factories import TODAY, Seeded, at
from twinning.consultations.models import Answer, Problem
from twinning.exchanges.models import Exchange
from twinning.health.services import recompute
from twinning.indicators.models import Report
from twinning.knowledge.models import ModelCase
from twinning.pairings.models import Pairing
from twinning.plans.models import Plan
from twinning.regions.models import Region
from twinning.supervision.models import Notice

pytestmark = pytest.mark.django_db

H1 = parse_period("2021H1")
START, END = at(dt.date(2021, 1, 1), 0), at(dt.date(2021, 7, 1), 0)


def ids(rows: Any) -> list[Any]:
    return sorted(rows.values_list("id", flat=True))


def pairs_q(scope: BulletinScope, prefix: str = "") -> Q:
    """The scope's pairs, written out plainly for the test."""
    if scope.kind == "pair":
        assert scope.pairing is not None
        return Q(**{f"{prefix}id": scope.pairing.pk})
    if scope.kind == "province":
        assert scope.region is not None
        path = scope.region.path
        return Q(**{f"{prefix}leading_region__path__startswith": path}) | Q(
            **{f"{prefix}partner_region__path__startswith": path}
        )
    return Q()


def expected_numbers(scope: BulletinScope) -> dict[str, Any]:
    held = Exchange.objects.filter(
        pairs_q(scope, "pairing__"),
        status="held",
        archived_at=None,
        start_date__range=(H1.start, H1.end),
    )
    live_problems = Problem.objects.filter(pairs_q(scope, "pairing__"), archived_at=None)
    plans = Plan.objects.filter(pairs_q(scope, "pairing__"), archived_at=None)
    active = Pairing.objects.filter(pairs_q(scope), archived_at=None, status="active").filter(
        Q(established_on__isnull=True) | Q(established_on__lte=H1.end)
    )
    return {
        "pairs.active": ids(active),
        "pairs.new": ids(active.filter(established_on__gte=H1.start)),
        "exchanges.held": ids(held),
        "exchanges.participants": held.aggregate(n=Sum("participant_count"))["n"] or 0,
        "exchanges.kind.online_consultation": ids(held.filter(kind="online_consultation")),
        "exchanges.month.2021-03": ids(held.filter(start_date__month=3)),
        "problems.raised": ids(live_problems.filter(asked_at__gte=START, asked_at__lt=END)),
        "problems.answered": ids(
            live_problems.filter(first_answered_at__gte=START, first_answered_at__lt=END)
        ),
        "problems.solved": sorted(
            set(
                Answer.objects.filter(
                    problem__in=live_problems, accepted_at__gte=START, accepted_at__lt=END
                ).values_list("problem_id", flat=True)
            )
        ),
        "plans.filed": ids(plans.filter(filed_at__gte=START, filed_at__lt=END)),
        "cases.promoted": ids(
            ModelCase.objects.filter(
                status="promoted",
                visibility="programme",
                reviewed_at__gte=START,
                reviewed_at__lt=END,
            ).filter(
                Q(pairing__in=Pairing.objects.filter(pairs_q(scope)))
                | (Q(region__path__startswith=scope.region.path) if scope.region else Q())
            )
            if scope.kind != "pair"
            else ModelCase.objects.filter(
                pairing=scope.pairing,
                status="promoted",
                reviewed_at__gte=START,
                reviewed_at__lt=END,
            ).exclude(visibility="ministry")
        ),  # fmt: skip
        "notices.open": ids(
            Notice.objects.filter(
                pairs_q(scope, "pairing__"), archived_at=None, status__in=Notice.OPEN_STATUSES
            )
        ),
    }


def check(figures: dict[str, Any], expected: dict[str, Any]) -> None:
    numbers = figures["numbers"]
    for key, want in expected.items():
        got = numbers.get(key, {"value": 0, "ids": []})
        if isinstance(want, list):
            assert got["ids"] == want, key
            assert got["value"] == len(want), key
        else:
            assert got["value"] == want, key


@pytest.fixture
def scopes(tianjin_henan: Pairing) -> dict[str, BulletinScope]:
    return {
        "national": BulletinScope("national"),
        "province": BulletinScope("province", region=Region.objects.get(code="410000")),
        "pair": BulletinScope("pair", pairing=tianjin_henan),
    }


@pytest.mark.parametrize("kind", ["national", "province", "pair"])
def test_numbers_equal_independent_counts(
    seeded: Seeded, scopes: dict[str, BulletinScope], kind: str
) -> None:
    figures = builder.build(scopes[kind], H1)
    expected = expected_numbers(scopes[kind])
    check(figures, expected)
    # The seeded data makes each count non-trivial, so equality cannot hold vacuously.
    assert figures["numbers"]["exchanges.held"]["value"] >= 6
    assert figures["numbers"]["problems.raised"]["value"] >= 3


def test_the_seeded_pair_counts_by_hand(seeded: Seeded, scopes: dict[str, BulletinScope]) -> None:
    """Counted by reading the factory: 6 held exchanges of 天津–河南 in 2021H1 (not the ones in
    2020-12 or 2021-07, not the planned, cancelled or archived one), 135 participants."""
    numbers = builder.build(scopes["pair"], H1)["numbers"]
    assert numbers["exchanges.held"]["value"] == 6
    assert numbers["exchanges.participants"]["value"] == 30 + 12 + 8 + 15 + 20 + 50
    assert numbers["exchanges.delegates"]["value"] == 3
    assert numbers["exchanges.kind.online_consultation"]["value"] == 2
    assert numbers["problems.raised"]["value"] == 3  # a, b, c; not d (2020) nor f (archived)
    assert numbers["problems.answered"]["value"] == 2  # a, b
    assert numbers["problems.solved"]["value"] == 2  # a, and d accepted in January
    assert numbers["plans.filed"]["value"] == 1
    assert numbers["cases.promoted"]["value"] == 1  # not the Ministry-only one, not August's
    assert numbers["notices.open"]["value"] == 1
    assert numbers["notices.overdue"]["value"] == 1  # its deadline 2021-07-01 has passed


def test_reporting_completeness(seeded: Seeded, scopes: dict[str, BulletinScope]) -> None:
    """天津 reports 3 days after each month, 河南 15 days (late) and skipped March; the months
    whose deadline (month end + 10 days) fell in 2021H1 and has passed are 2020-12 … 2021-05."""
    figures = builder.build(scopes["pair"], H1)
    numbers = figures["numbers"]
    months = [c for c in figures["tables"]["reporting_periods"] if "-" in c]
    assert months == ["2020-12", "2021-01", "2021-02", "2021-03", "2021-04", "2021-05"]
    monthly = lambda state: [i for i in numbers[f"reports.{state}"]["ids"] if  # noqa: E731
                             not isinstance(i, str) or "-" in i.split("/")[1]]  # fmt: skip
    on_time = Report.objects.filter(region_id="120000", period__code__in=months[1:])
    late = Report.objects.filter(region_id="410000", period__code__in=months[1:])
    assert sorted(monthly("on_time")) == ids(on_time)
    assert sorted(monthly("late")) == ids(late)
    assert sorted(monthly("missing")) == ["120000/2020-12", "410000/2020-12", "410000/2021-03"]
    assert numbers["reports.expected"]["value"] == sum(
        numbers[f"reports.{s}"]["value"] for s in ("on_time", "late", "missing")
    )


def test_targets_by_progress(seeded: Seeded, scopes: dict[str, BulletinScope]) -> None:
    figures = builder.build(scopes["national"], H1)
    numbers = figures["numbers"]
    henan, jiangxi = seeded.targets
    assert numbers["targets.total"]["ids"] == sorted([henan.pk, jiangxi.pk])
    assert jiangxi.pk in numbers["targets.status.deterioration"]["ids"]
    assert henan.pk not in numbers["targets.status.deterioration"]["ids"]
    # The province's bulletin: only 河南's own target.
    assert builder.build(scopes["province"], H1)["numbers"]["targets.total"]["ids"] == [henan.pk]


def test_a_province_never_counts_another_provinces_records(
    seeded: Seeded, scopes: dict[str, BulletinScope], shanghai_jiangxi: Pairing
) -> None:
    figures = builder.build(scopes["province"], H1)
    numbers = figures["numbers"]
    outside = Exchange.objects.filter(pairing=shanghai_jiangxi).values_list("id", flat=True)
    assert outside and not set(outside) & set(numbers["exchanges.held"]["ids"])
    jiangxi_problem = Problem.objects.filter(pairing=shanghai_jiangxi).values_list("id", flat=True)
    assert not set(jiangxi_problem) & set(numbers["problems.raised"]["ids"])
    # Reports: only regions inside 河南 (天津's reports belong to 天津's province).
    missing_regions = {str(i).split("/")[0] for i in numbers["reports.missing"]["ids"]}
    report_regions = set(
        Report.objects.filter(
            pk__in=numbers["reports.on_time"]["ids"] + numbers["reports.late"]["ids"]
        ).values_list("region__path", flat=True)
    )
    assert missing_regions and all(code.startswith("41") for code in missing_regions)
    assert all(path.startswith("/410000/") for path in report_regions)
    assert all(
        Pairing.objects.filter(
            Q(leading_region__path__startswith="/410000/")
            | Q(partner_region__path__startswith="/410000/"),
            pk=pair_id,
        ).exists()
        for pair_id in numbers["pairs.active"]["ids"]
    )


def test_attention_lists_red_pairs_with_reasons_and_open_notices(
    seeded: Seeded, scopes: dict[str, BulletinScope], tianjin_henan: Pairing
) -> None:
    recompute(today=TODAY)
    figures = builder.build(scopes["national"], H1)
    rows = {row["pairing"]: row for row in figures["attention"]}
    assert tianjin_henan.pk in rows
    assert rows[tianjin_henan.pk]["notices"][0]["number"] == "建城督〔2021〕1号"
    red = figures["numbers"]["attention.red"]["ids"]
    assert red and all(
        rows[pair_id]["level"] == "red" and rows[pair_id]["reasons"] for pair_id in red
    )


def test_national_bulletin_in_a_fixed_number_of_queries(
    seeded: Seeded, scopes: dict[str, BulletinScope], django_assert_max_num_queries: Any
) -> None:
    # 15 counting queries + the health engine's fixed ~10 judging a past period at its end.
    with django_assert_max_num_queries(30):
        builder.build(scopes["national"], H1)


def test_current_quarter_counts_only_up_to_today(
    seeded: Seeded, tianjin_henan: Pairing, scopes: dict[str, BulletinScope]
) -> None:
    from twinning.bulletins.tests.factories import exchange

    exchange(tianjin_henan, dt.date(2021, 8, 1))
    exchange(tianjin_henan, dt.date(2021, 9, 1))  # recorded as held ahead of time
    figures = builder.build(scopes["pair"], parse_period("2021Q3"), today=TODAY)
    assert figures["as_of"] == TODAY.isoformat()
    assert figures["numbers"]["exchanges.held"]["value"] == 2  # 07-01 and 08-01
    assert [r["member"] for r in figures["tables"]["exchanges_by_month"]] == ["2021-07", "2021-08"]


def test_a_past_periods_attention_judges_the_pairs_at_its_end(
    seeded: Seeded, scopes: dict[str, BulletinScope]
) -> None:
    """Regression (QA): a 2021H1 bulletin showed the pairs' health of the day it was counted."""
    from twinning.bulletins import drafting
    from twinning.health import engine, thresholds

    recompute(today=TODAY)
    figures = builder.build(scopes["national"], H1, today=dt.date(2026, 12, 6))
    end = dt.date(2021, 6, 30)
    assert figures["attention_as_of"] == "2021-06-30"
    pairings = [p for p in engine.live_pairings() if engine.started_on(p) <= end]
    then = engine.evaluate(pairings, end, thresholds.current())
    red = sorted(pk for pk, j in then.items() if j.level == "red")
    assert figures["numbers"]["attention.red"]["ids"] == red
    # The reasons are those of that day (e.g. silence counted to the period's end, not today).
    rows = {row["pairing"]: row for row in figures["attention"]}
    for pk in red:
        assert rows[pk]["reasons"] == [
            {k: r[k] for k in ("code", "severity", "message", "params", "count")}
            for r in then[pk].reasons
        ]
    assert "截至 2021-06-30，" in drafting._attention(figures, "2021年上半年", "全国")


def test_a_current_periods_attention_uses_the_stored_health(
    seeded: Seeded, scopes: dict[str, BulletinScope]
) -> None:
    from twinning.health.models import PairHealth

    recompute(today=TODAY)
    figures = builder.build(scopes["national"], H1, today=dt.date(2021, 6, 20))
    assert figures["attention_as_of"] == "2021-06-20"
    stored = PairHealth.objects.filter(level="red").values_list("pairing_id", flat=True)
    assert figures["numbers"]["attention.red"]["ids"] == sorted(stored)
