"""The generated demo series: shaped like the programme, consistent, marked and never in the way.

The series is loaded once for the module (a few seconds) and removed after it; each test then
runs in its own rolled-back transaction on top of it.
"""

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from twinning.indicators import calc, checks, demo
from twinning.indicators.demo import last_demo_month, load_indicator_demo
from twinning.indicators.models import Indicator, Period, Report, Target, Value
from twinning.indicators.spec import IndicatorSpec
from twinning.pairings.models import Pairing
from twinning.regions.models import Region

D = Decimal
MONTHLY = {
    "msw_generated_t",
    "msw_collected_t",
    "recyclables_recovered_t",
    "hazardous_collected_t",
    "food_waste_separated_t",
    "residual_waste_t",
    "recovery_utilised_t",
    "harmless_treated_t",
    "communities_total",
    "communities_sorting",
    "households_total",
    "households_covered",
    "recovery_rate",
    "harmless_treatment_rate",
    "community_coverage_rate",
    "household_coverage_rate",
    "food_waste_separation_rate",
}
YEARLY = {
    "sorting_collection_capacity_tpd",
    "harmless_capacity_tpd",
    "incineration_capacity_tpd",
    "food_treatment_capacity_tpd",
    "incineration_capacity_share",
}


@dataclass
class Loaded:
    result: demo.DemoIndicatorsResult
    seconds: float
    last: str


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Loaded]:
    with django_db_blocker.unblock():
        periods_before = set(Period.objects.values_list("pk", flat=True))
        started = time.perf_counter()
        result = load_indicator_demo()
        seconds = time.perf_counter() - started
    yield Loaded(result, seconds, last_demo_month(timezone.localdate()))
    with django_db_blocker.unblock():
        Value.objects.filter(report__is_demo=True).delete()
        Report.objects.filter(is_demo=True).delete()
        Target.objects.filter(source=demo.DEMO_TARGET_SOURCE).delete()
        Period.objects.exclude(pk__in=periods_before).delete()


def sides() -> dict[str, str]:
    pairs = Pairing.objects.live().filter(status=Pairing.Status.ACTIVE)
    partners = dict.fromkeys(pairs.values_list("partner_region_id", flat=True), "partner")
    return {
        **partners,
        **dict.fromkeys(pairs.values_list("leading_region_id", flat=True), "leading"),
    }


def specs() -> dict[str, IndicatorSpec]:
    return {i.code: IndicatorSpec.of(i) for i in Indicator.objects.filter(archived_at=None)}


def values_by_report(period_type: str = "month") -> dict[tuple[str, str], dict[str, Decimal]]:
    """{(region, period): {code: value}} of the demo reports of one period type."""
    reports: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    rows = Value.objects.filter(report__is_demo=True, report__period__type=period_type)
    for region, period, code, value in rows.values_list(
        "report__region_id", "report__period__code", "indicator__code", "value"
    ):
        reports[(region, period)][code] = value
    return reports


# ---------------------------------------------------------------- what is loaded


@pytest.mark.django_db
def test_every_reporting_region_has_a_month_from_january_2021_to_the_month_before_last(loaded):
    expected = calc.periods_between("2021-01", loaded.last)
    regions = sides()
    assert loaded.result.regions == len(regions) > 40
    reports = Report.objects.filter(is_demo=True, period__type="month")
    assert reports.count() == len(regions) * len(expected)
    assert set(reports.values_list("period__code", flat=True)) == set(expected)
    assert set(reports.values_list("region_id", flat=True)) == set(regions)
    # The current and the previous month are left for the demo users.
    today = timezone.localdate()
    assert calc.period_code_of(today, "month") not in expected
    assert calc.previous_period(calc.period_code_of(today, "month")) not in expected
    assert loaded.result.reports_created == Report.objects.filter(is_demo=True).count()


@pytest.mark.django_db
def test_loading_takes_a_few_seconds(loaded):
    assert loaded.result.values_created > 40_000
    assert loaded.seconds < 20


@pytest.mark.django_db
def test_every_demo_report_is_marked_and_the_latest_wait_for_the_ministry(loaded):
    latest = calc.periods_between("2021-01", loaded.last)[-demo.SUBMITTED_MONTHS :]
    months = Report.objects.filter(is_demo=True, period__type="month")
    submitted = months.filter(status=Report.Status.SUBMITTED)
    assert set(submitted.values_list("period__code", flat=True)) == set(latest)
    assert not submitted.filter(approved_at__isnull=False).exists()
    approved = months.exclude(period__code__in=latest)
    assert not approved.exclude(status=Report.Status.APPROVED).exists()
    assert not approved.filter(approved_at__isnull=True).exists()
    now = timezone.now()
    for report in months.select_related("period"):
        assert report.is_demo
        assert report.submitted_at is not None and report.submitted_at <= now
        assert report.submitted_at.date() > report.period.end
    # Most are on time; a few partners are late, so the completeness page has something to show.
    late = [r for r in months.select_related("period") if r.submitted_at.date() > r.period.deadline]
    assert 0 < len(late) < months.count() / 5
    assert {r.region_id for r in late} <= {c for c, side in sides().items() if side == "partner"}


@pytest.mark.django_db
def test_leading_sides_recycle_and_cover_more_than_partners(loaded):
    role = sides()
    for (region, period), values in values_by_report().items():
        assert set(values) == MONTHLY, (region, period)
        recovery, coverage = values["recovery_rate"], values["community_coverage_rate"]
        food = values["food_waste_separation_rate"]
        if role[region] == "leading":
            assert 40 <= recovery <= 55 and 95 <= coverage <= 100, (region, period)
            assert 20 <= food <= 32, (region, period)
        else:
            assert 30 <= recovery <= 39 and 80 <= coverage <= 93, (region, period)
            assert 10 <= food <= 20, (region, period)


@pytest.mark.django_db
def test_partners_rise_slowly(loaded):
    role = sides()
    by_year: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for (region, period), values in values_by_report().items():
        by_year[(region, period[:4])].append(values["recovery_rate"])
    for region in (c for c, side in role.items() if side == "partner"):
        first = sum(by_year[(region, "2021")]) / 12
        last = sum(by_year[(region, "2025")]) / 12
        assert D(1) < last - first < D(8), region


@pytest.mark.django_db
def test_the_computed_values_are_stored_as_calc_computes_them(loaded):
    catalogue = specs()
    rows = Value.objects.filter(report__is_demo=True, report__region_id="410000")
    assert rows.filter(is_computed=True).exists()
    assert not rows.filter(is_computed=True).exclude(indicator__kind="computed").exists()
    assert not rows.filter(is_computed=False, indicator__kind="computed").exists()
    for values in (v for (r, _p), v in values_by_report().items() if r == "410000"):
        reported = {c: v for c, v in values.items() if not catalogue[c].is_computed}
        computed = {c: v for c, v in values.items() if catalogue[c].is_computed}
        assert calc.compute(reported, catalogue) == computed
        # 回收利用量 is what is neither incinerated nor landfilled: recyclables and food waste.
        assert reported["recovery_utilised_t"] == (
            reported["recyclables_recovered_t"] + reported["food_waste_separated_t"]
        )


@pytest.mark.django_db
def test_every_demo_report_passes_the_checks_without_an_error(loaded):
    catalogue = specs()
    for period_type in ("month", "year"):
        for (region, period), values in values_by_report(period_type).items():
            end = calc.period_bounds(period)[2]
            findings = checks.check_values(
                values,
                catalogue,
                {},
                period_end=end,
                jump_threshold=D("0.3"),
                outlier_std_devs=D(2),
            )
            assert [f for f in findings if f.level == "error"] == [], (region, period)
            # Nor a value outside its plausible band, nor streams far short of the total.
            assert [f.code for f in findings] == [], (region, period)


@pytest.mark.django_db
def test_no_month_jumps_against_the_previous_month_or_the_year_before(loaded):
    catalogue = specs()
    reports = values_by_report()
    jumps = []
    for (region, period), values in reports.items():
        end = calc.period_bounds(period)[2]
        # Only the two months the jump checks compare with (too few for the outlier check).
        earlier = [
            (calc.period_bounds(code)[2], reports[(region, code)])
            for code in (calc.previous_period(period), calc.same_period_last_year(period))
            if (region, code) in reports
        ]
        history = {code: [(day, month[code]) for day, month in earlier] for code in values}
        findings = checks.check_values(
            values,
            catalogue,
            history,
            period_end=end,
            jump_threshold=D("0.3"),
            outlier_std_devs=D(2),
        )
        jumps += [(region, period, f.params) for f in findings if f.code.startswith("jump")]
    assert jumps == [], jumps


@pytest.mark.django_db
def test_yearly_reports_carry_the_capacities(loaded):
    years = [y for y in calc.periods_between("2021", loaded.last[:4]) if f"{y}-12" <= loaded.last]
    yearly = values_by_report("year")
    assert {period for _region, period in yearly} == set(years)
    assert len(yearly) == len(sides()) * len(years)
    for (region, period), values in yearly.items():
        assert set(values) == YEARLY, (region, period)
        assert values["incineration_capacity_tpd"] <= values["harmless_capacity_tpd"]
        assert 40 <= values["incineration_capacity_share"] <= 100
    assert Report.objects.filter(is_demo=True, period__code="2021", status="approved").exists()


@pytest.mark.django_db
def test_periods_are_created_with_their_deadlines(loaded, settings):
    period = Period.objects.get(code="2024-02")
    assert (period.type, period.start, period.end) == (
        "month",
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
    )
    assert period.deadline == period.end + dt.timedelta(days=settings.TWINNING_REPORT_DEADLINE_DAYS)
    assert Period.objects.get(code="2023").type == "year"


def test_a_regions_series_does_not_depend_on_how_many_months_are_loaded():
    region = Region(code="410000", level=Region.Level.PROVINCE)
    profile = demo._profile(region, demo.PARTNER)
    assert list(demo._monthly_series("410000", profile, 70))[:24] == list(
        demo._monthly_series("410000", profile, 24)
    )
    assert demo._profile(region, demo.PARTNER) == profile


def test_the_last_demo_month_is_the_month_before_last():
    assert last_demo_month(dt.date(2026, 11, 29)) == "2026-09"
    assert last_demo_month(dt.date(2026, 2, 1)) == "2025-12"
    assert last_demo_month(dt.date(2026, 1, 31)) == "2025-11"


# ---------------------------------------------------------------- never in the way


@pytest.mark.django_db
def test_loading_again_creates_nothing(loaded):
    before = (Report.objects.count(), Value.objects.count(), Period.objects.count())

    result = load_indicator_demo()

    assert (result.reports_created, result.values_created) == (0, 0)
    assert result.reports_existing == loaded.result.reports_created
    assert (Report.objects.count(), Value.objects.count(), Period.objects.count()) == before


@pytest.mark.django_db
def test_a_real_report_is_never_overwritten_nor_mixed_with_demo_values(loaded):
    period = Period.objects.get(code="2024-05")
    Value.objects.filter(report__region_id="410000", report__period=period).delete()
    Report.objects.filter(region_id="410000", period=period).delete()
    real = Report.objects.create(region_id="410000", period=period, status=Report.Status.DRAFT)
    Value.objects.create(
        report=real, indicator=Indicator.objects.get(code="msw_generated_t"), value=D(123)
    )

    result = load_indicator_demo()

    assert result.reports_created == 0
    real.refresh_from_db()
    assert (real.is_demo, real.status) == (False, Report.Status.DRAFT)
    assert list(real.values.values_list("indicator__code", "value")) == [("msw_generated_t", 123)]


@pytest.mark.django_db
def test_a_missing_demo_month_is_added_back_with_the_same_numbers(loaded):
    report = Report.objects.get(region_id="120000", period__code="2022-07")
    before = dict(report.values.values_list("indicator__code", "value"))
    report.values.all().delete()
    report.delete()

    result = load_indicator_demo()

    assert result.reports_created == 1
    again = Report.objects.get(region_id="120000", period__code="2022-07")
    assert again.is_demo and again.status == Report.Status.APPROVED
    assert dict(again.values.values_list("indicator__code", "value")) == before


@pytest.mark.django_db
def test_an_archived_indicator_gets_no_demo_values(loaded):
    report = Report.objects.get(region_id="411000", period__code="2023-03")
    report.values.all().delete()
    report.delete()
    Indicator.objects.filter(code="households_covered").update(archived_at=timezone.now())

    load_indicator_demo()

    again = Report.objects.get(region_id="411000", period__code="2023-03")
    codes = set(again.values.values_list("indicator__code", flat=True))
    assert "households_covered" not in codes
    assert "household_coverage_rate" not in codes  # its component is missing
    assert "recovery_rate" in codes


@pytest.mark.django_db
def test_load_demo_says_these_are_generated_demo_data(loaded):
    out = StringIO()
    call_command("load_demo", stdout=out)

    text = out.getvalue()
    assert "generated demo data" in text and "演示数据" in text
    assert f"{loaded.result.reports_created} already there" in text


@pytest.mark.django_db
def test_demo_targets_lie_ahead_are_labelled_and_load_once(loaded: Loaded) -> None:
    today = timezone.localdate()
    made = Target.objects.filter(source=demo.DEMO_TARGET_SOURCE)
    assert loaded.result.targets_created == made.count() > 0
    assert set(made.values_list("due_date", flat=True)) == {dt.date(today.year + 1, 12, 31)}
    assert set(made.values_list("baseline_date", flat=True)) == {dt.date(today.year - 1, 12, 31)}
    assert all(30 <= t.baseline_value <= 39 for t in made)
    assert set(made.values_list("region_id", flat=True)) <= {
        code for code, side in sides().items() if side == "partner"
    }
    assert load_indicator_demo().targets_created == 0
