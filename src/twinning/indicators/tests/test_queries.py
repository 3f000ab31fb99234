"""Scoped reads: who sees a region's numbers, the series, the grid, target status, maps and
rankings."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from twinning.core.errors import Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.indicators import calc, queries
from twinning.indicators.models import Indicator, Period, PeriodType, Report, Target
from twinning.indicators.progress import ProgressStatus
from twinning.indicators.tests.reports_factory import make_report
from twinning.pairings.models import Pairing

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
DRAFT = Report.Status.DRAFT
SUBMITTED = Report.Status.SUBMITTED
REVIEWED = Report.Status.REVIEWED
RETURNED = Report.Status.RETURNED
APPROVED = Report.Status.APPROVED


def prime(user: Any) -> None:
    """Load the user's region once, as the request's user already has it in a page."""
    if user.organisation is not None:
        _ = user.organisation.region


@pytest.fixture
def henan_target(catalogue: dict[str, Indicator]) -> Target:
    return Target.objects.create(
        region_id="410000",
        indicator=catalogue["recovery_rate"],
        baseline_value=D(30),
        baseline_date=dt.date(2022, 12, 31),
        target_value=D(35),
        due_date=dt.date(2025, 12, 31),
    )


@pytest.fixture
def henan_report(catalogue: dict[str, Indicator], month_values: Callable[..., Any]) -> Report:
    return make_report("410000", "2025-01", month_values(), status=SUBMITTED)


# ---------------------------------------------------------------- scoping

REGION_CALLS: dict[str, Callable[[Any, Report, Target], Any]] = {
    "visible_region": lambda u, r, t: queries.visible_region(u, "410000"),
    "report_for": lambda u, r, t: queries.report_for(u, "410000", "2025-01"),
    "report_for a month not started": lambda u, r, t: queries.report_for(u, "410000", "2025-09"),
    "reports": lambda u, r, t: queries.reports(u, region="410000"),
    "reports (region object)": lambda u, r, t: queries.reports(u, region=r.region),
    "grid": lambda u, r, t: queries.grid(u, "410000", year=2025),
    "series": lambda u, r, t: queries.series(u, "410000", ["recovery_rate"]),
    "targets": lambda u, r, t: queries.targets(u, region="410000"),
    "target_for": lambda u, r, t: queries.target_for(u, t.pk),
    "target_status": lambda u, r, t: queries.target_status(u, t),
    "history_of": lambda u, r, t: queries.history_of(u, r),
}


@pytest.mark.parametrize("call", REGION_CALLS.values(), ids=REGION_CALLS.keys())
def test_an_outsider_gets_not_found_from_every_query_on_a_region(
    call: Callable[[Any, Report, Target], Any],
    jiangxi: Any,
    henan_report: Report,
    henan_target: Target,
) -> None:
    with pytest.raises(NotFound):
        call(jiangxi, henan_report, henan_target)


@pytest.mark.parametrize("call", REGION_CALLS.values(), ids=REGION_CALLS.keys())
@pytest.mark.parametrize("who", ["henan", "henan_expert", "tianjin", "supervisor"])
def test_the_region_its_read_only_users_its_counterpart_and_the_ministry_may_read(
    call: Callable[[Any, Report, Target], Any],
    who: str,
    request: pytest.FixtureRequest,
    henan_report: Report,
    henan_target: Target,
) -> None:
    assert call(request.getfixturevalue(who), henan_report, henan_target) is not None


def test_a_city_does_not_see_its_province_nor_the_counterpart_of_another_pair(
    xuchang: Any, catalogue: dict[str, Indicator]
) -> None:
    assert queries.visible_region(xuchang, "120104").name == "南开区"  # its own pair's leading side
    for code in ("410000", "120000", "120101"):
        with pytest.raises(NotFound):
            queries.visible_region(xuchang, code)


def test_lists_keep_to_what_the_user_may_see(
    jiangxi: Any,
    supervisor: Any,
    catalogue: dict[str, Indicator],
    month_values: Callable[..., Any],
    henan_target: Target,
) -> None:
    make_report("410000", "2025-01", month_values(), status=SUBMITTED)
    make_report("360000", "2025-01", month_values(), status=SUBMITTED)
    Target.objects.create(
        region_id="360000",
        indicator=catalogue["recovery_rate"],
        baseline_value=D(30),
        baseline_date=dt.date(2022, 12, 31),
        target_value=D(35),
        due_date=dt.date(2025, 12, 31),
    )
    assert {r.region_id for r in queries.reports(jiangxi)} == {"360000"}
    assert {r.region_id for r in queries.reports(supervisor)} >= {"360000", "410000"}
    assert {t.region_id for t in queries.targets(jiangxi)} == {"360000"}
    assert [r.region.code for r in queries.map_values(jiangxi, "recovery_rate", "2025-01")] == [
        "360000"
    ]
    assert {r.region.code for r in queries.map_values(supervisor, "recovery_rate", "2025-01")} == {
        "360000",
        "410000",
    }


def test_reporting_regions_are_the_sides_of_live_active_pairs(nankai_xuchang: Pairing) -> None:
    codes = set(queries.reporting_regions().values_list("code", flat=True))
    assert {"120000", "410000", "120104", "411000", "310000", "360000"} <= codes
    assert "410100" not in codes  # 郑州 is in no pair
    nankai_xuchang.status = Pairing.Status.CONCLUDED
    nankai_xuchang.save(update_fields=["status"])
    codes = set(queries.reporting_regions().values_list("code", flat=True))
    assert "411000" not in codes and "120104" not in codes


# ---------------------------------------------------------------- reports


def test_report_for_a_period_nobody_entered_is_an_unsaved_draft_and_creates_nothing(
    henan: Any, catalogue: dict[str, Indicator]
) -> None:
    before = (Report.objects.count(), Period.objects.count())
    report = queries.report_for(henan, "410000", "2025-07")
    assert report.pk is None and report.status == DRAFT
    assert report.region.code == "410000"
    assert (report.period.code, report.period.start, report.period.end) == (
        "2025-07",
        dt.date(2025, 7, 1),
        dt.date(2025, 7, 31),
    )
    assert (Report.objects.count(), Period.objects.count()) == before


def test_report_for_returns_the_stored_report_and_refuses_a_malformed_period(
    henan: Any, henan_report: Report
) -> None:
    assert queries.report_for(henan, "410000", "2025-01") == henan_report
    with pytest.raises(NotFound):
        queries.report_for(henan, "410000", "2025-13")


def test_reports_filter_by_period_status_and_year(
    henan: Any, catalogue: dict[str, Indicator], month_values: Callable[..., Any]
) -> None:
    make_report("410000", "2024-12", month_values(), status=APPROVED)
    make_report("410000", "2025-01", month_values(), status=SUBMITTED)
    make_report("410000", "2025-02", month_values())
    assert [r.period.code for r in queries.reports(henan, region="410000")] == [
        "2025-02",
        "2025-01",
        "2024-12",
    ]
    assert [r.period.code for r in queries.reports(henan, status=APPROVED)] == ["2024-12"]
    assert [r.period.code for r in queries.reports(henan, period="2025-02")] == ["2025-02"]
    assert len(queries.reports(henan, year=2025)) == 2


def test_history_of_a_report_holds_its_changes_and_the_reminders_about_it(
    henan: Any, henan_report: Report
) -> None:
    own = AuditEntry.objects.create(
        action="update", target_type="indicators.report", target_id=str(henan_report.pk)
    )
    reminder = AuditEntry.objects.create(
        action="create",
        target_type=queries.REMINDER_TARGET_TYPE,
        target_id=queries.reminder_key("report_missing", "2025-01", "410000"),
    )
    AuditEntry.objects.create(
        action="update", target_type="indicators.report", target_id=str(henan_report.pk + 1)
    )
    AuditEntry.objects.create(
        action="create",
        target_type=queries.REMINDER_TARGET_TYPE,
        target_id=queries.reminder_key("report_missing", "2025-02", "410000"),
    )
    assert set(queries.history_of(henan, henan_report)) == {own, reminder}


# ---------------------------------------------------------------- series


def test_series_gives_each_indicators_observations_oldest_first_reported_and_computed(
    henan: Any, catalogue: dict[str, Indicator], month_values: Callable[..., Any]
) -> None:
    make_report("410000", "2025-02", month_values(recovery_utilised_t=9000), status=SUBMITTED)
    make_report("410000", "2025-01", month_values(), status=APPROVED)
    make_report("410000", "2024-12", month_values(recovery_utilised_t=12000))
    make_report("410000", "2025-03", month_values(recovery_utilised_t=6000))
    make_report("120000", "2025-01", month_values(recovery_utilised_t=15000))
    found = queries.series(
        henan,
        "410000",
        ["recovery_rate", "msw_generated_t", "communities_sorting"],
        first="2025-01",
        last="2025-02",
    )
    assert found["recovery_rate"] == [
        (dt.date(2025, 1, 31), D("35.0000")),
        (dt.date(2025, 2, 28), D("30.0000")),
    ]
    assert found["msw_generated_t"] == [
        (dt.date(2025, 1, 31), D(30000)),
        (dt.date(2025, 2, 28), D(30000)),
    ]
    assert [v for _d, v in found["communities_sorting"]] == [D(880), D(880)]
    everything = queries.series(henan, "410000", ["recovery_rate"])
    assert [d for d, _v in everything["recovery_rate"]] == [
        dt.date(2024, 12, 31),
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
    ]
    official = queries.series(henan, "410000", ["recovery_rate"], official_only=True)
    assert [v for _d, v in official["recovery_rate"]] == [D(35), D(30)]


def test_series_of_an_unknown_or_empty_indicator_is_an_empty_list(
    henan: Any, henan_report: Report
) -> None:
    assert queries.series(henan, "410000", ["no_such_code", "hazardous_collected_t"]) == {
        "no_such_code": [],
        "hazardous_collected_t": [(dt.date(2025, 1, 31), D(5))],
    }


def test_series_keeps_yearly_indicators_yearly(henan: Any, catalogue: dict[str, Indicator]) -> None:
    capacity = Indicator.objects.create(
        code="test_capacity_tpd", name="测试年度能力", unit="t/d", period_type=PeriodType.YEAR
    )
    make_report("410000", "2024", {capacity.code: 1200}, status=APPROVED)
    make_report("410000", "2024-06", {"msw_generated_t": 1})
    found = queries.series(henan, "410000", [capacity.code, "msw_generated_t"])
    assert found == {
        capacity.code: [(dt.date(2024, 12, 31), D(1200))],
        "msw_generated_t": [(dt.date(2024, 6, 30), D(1))],
    }


def test_series_is_two_queries_however_long(
    henan: Any,
    catalogue: dict[str, Indicator],
    month_values: Callable[..., Any],
    django_assert_max_num_queries: Any,
) -> None:
    for month in calc.periods_between("2023-01", "2025-12"):
        make_report("410000", month, month_values(), status=APPROVED)
    prime(henan)
    with django_assert_max_num_queries(2):
        found = queries.series(henan, "410000", list(catalogue), first="2023-01")
    assert all(len(found[code]) == 36 for code in ("msw_generated_t", "recovery_rate"))


# ---------------------------------------------------------------- the grid

GRID_DAY = dt.datetime(2025, 6, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def grid_reports(catalogue: dict[str, Indicator], month_values: Callable[..., Any]) -> None:
    make_report("410000", "2025-01", month_values(), status=APPROVED)
    make_report("410000", "2025-02", month_values(), status=SUBMITTED)
    make_report("410000", "2025-03", month_values(recovery_utilised_t=9000))
    make_report("410000", "2025-04", month_values(), status=RETURNED)
    make_report("410000", "2025-05", month_values(), is_demo=True)


EDITABLE_FOR_REPORTERS = {"2025-03", "2025-04", "2025-06"}


@pytest.mark.parametrize(
    ("who", "editable"),
    [
        ("henan", EDITABLE_FOR_REPORTERS),
        ("henan_member", EDITABLE_FOR_REPORTERS),
        ("supervisor", EDITABLE_FOR_REPORTERS),
        ("henan_expert", set()),
        ("tianjin", set()),
    ],
)
def test_grid_columns_are_editable_for_reporters_while_draft_or_returned(
    who: str, editable: set[str], request: pytest.FixtureRequest, grid_reports: None
) -> None:
    user = request.getfixturevalue(who)
    with time_machine.travel(GRID_DAY, tick=False):
        table = queries.grid(user, "410000", year=2025)
    assert [c.code for c in table.columns] == calc.periods_between("2025-01", "2025-12")
    assert {c.code for c in table.columns if c.editable} == editable
    assert table.can_report == bool(editable)
    by_code = {c.code: c for c in table.columns}
    assert by_code["2025-02"].report is not None and by_code["2025-06"].report is None


def test_grid_cells_hold_values_and_flag_computed_rows(
    henan: Any, grid_reports: None, django_assert_max_num_queries: Any
) -> None:
    prime(henan)
    with time_machine.travel(GRID_DAY, tick=False), django_assert_max_num_queries(5):
        table = queries.grid(henan, "410000", year=2025)
    rows = {r.indicator.code: r for r in table.rows}
    assert rows["recovery_rate"].computed and not rows["msw_generated_t"].computed
    assert table.cell("recovery_rate", "2025-03").value == D(30)
    assert table.cell("recovery_rate", "2025-03").computed
    assert table.cell("msw_generated_t", "2025-01").value == D(30000)
    empty = table.cell("msw_generated_t", "2025-06")
    assert empty.value is None and not empty.computed
    assert all(r.indicator.period_type == PeriodType.MONTH for r in table.rows)


def test_grid_of_quarters_has_four_columns(henan: Any, catalogue: dict[str, Indicator]) -> None:
    table = queries.grid(henan, "410000", year=2024, period_type=PeriodType.QUARTER)
    assert [c.code for c in table.columns] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


# ---------------------------------------------------------------- targets


def test_target_status_measures_the_official_series_and_forecasts_the_due_date(
    henan: Any,
    catalogue: dict[str, Indicator],
    month_values: Callable[..., Any],
    henan_target: Target,
) -> None:
    # 30 % in January 2023, rising by 2 points a year; a 50 % draft does not count.
    for i, month in enumerate(calc.periods_between("2023-01", "2024-12")):
        make_report(
            "410000", month, month_values(recovery_utilised_t=9000 + 50 * i), status=APPROVED
        )
    make_report("410000", "2025-01", month_values(recovery_utilised_t=15000))
    status = queries.target_status(henan, henan_target)
    assert len(status.series) == 24
    assert status.series[-1] == (dt.date(2024, 12, 31), D("33.8333"))
    assert status.progress.status == ProgressStatus.SUBSTANTIAL
    assert status.progress.current_date == dt.date(2024, 12, 31)
    assert status.forecast is not None and status.forecast.at == dt.date(2025, 12, 31)
    assert status.forecast.value == pytest.approx(35.83, abs=0.05)
    assert not status.early_warning and status.warning == ""
    assert status.trajectory[0] == (dt.date(2022, 12, 31), D(30))
    assert status.trajectory[-1] == (dt.date(2025, 12, 31), D(35))
    assert status.band[0][0] == dt.date(2024, 12, 31) and status.band[-1][0] == dt.date(
        2025, 12, 31
    )


def test_target_status_warns_when_the_trend_misses_the_target(
    henan: Any,
    catalogue: dict[str, Indicator],
    month_values: Callable[..., Any],
    henan_target: Target,
) -> None:
    for month in calc.periods_between("2023-01", "2024-12"):
        make_report("410000", month, month_values(recovery_utilised_t=9300), status=SUBMITTED)
    status = queries.target_status(henan, henan_target)
    assert status.progress.status == ProgressStatus.LIMITED
    assert status.early_warning and status.severe
    assert status.warning == "预计不能按期达标"


def test_target_status_without_data_is_not_available(henan: Any, henan_target: Target) -> None:
    status = queries.target_status(henan, henan_target)
    assert status.progress.status == ProgressStatus.NOT_AVAILABLE
    assert status.forecast is None and status.band == [] and status.series == []


# ---------------------------------------------------------------- maps and rankings


@pytest.fixture
def first_quarter(catalogue: dict[str, Indicator], month_values: Callable[..., Any]) -> None:
    """河南's first quarter: monthly rates 50 %, 20 %, 35 % (average 35 %), summed 30 %."""
    for month, generated, utilised, sorting, status in [
        ("2025-01", 10000, 5000, 800, SUBMITTED),
        ("2025-02", 30000, 6000, 850, APPROVED),
        ("2025-03", 20000, 7000, 900, REVIEWED),
    ]:
        make_report(
            "410000",
            month,
            month_values(
                msw_generated_t=generated, recovery_utilised_t=utilised, communities_sorting=sorting
            ),
            status=status,
        )
    make_report("410000", "2025-04", month_values(msw_generated_t=1, recovery_utilised_t=1))


def test_a_quarter_is_summed_from_its_months_and_rates_recomputed_never_averaged(
    supervisor: Any, first_quarter: None
) -> None:
    def value(code: str, period: str) -> queries.RegionValue:
        (row,) = [
            r for r in queries.map_values(supervisor, code, period) if r.region.code == "410000"
        ]
        return row

    assert value("recovery_rate", "2025Q1").value == D(30)
    assert value("msw_generated_t", "2025Q1").value == D(60000)
    assert value("communities_sorting", "2025Q1").value == D(900)  # the latest month
    assert value("community_coverage_rate", "2025Q1").value == D(90)
    assert not value("recovery_rate", "2025Q1").partial
    # The April draft is not official: the year holds the first quarter only, and says so.
    year = value("recovery_rate", "2025")
    assert year.value == D(30) and year.partial
    assert value("msw_generated_t", "2025").value == D(60000)
    assert value("recovery_rate", "2025-02").value == D(20)


def test_map_values_keeps_a_level_and_leaves_out_drafts(
    supervisor: Any, catalogue: dict[str, Indicator], month_values: Callable[..., Any]
) -> None:
    make_report("410000", "2025-01", month_values(), status=SUBMITTED)
    make_report("411000", "2025-01", month_values(), status=SUBMITTED)
    make_report("120000", "2025-01", month_values())
    assert [r.region.code for r in queries.map_values(supervisor, "recovery_rate", "2025-01")] == [
        "410000",
        "411000",
    ]
    provinces = queries.map_values(supervisor, "recovery_rate", "2025-01", level="province")
    assert [r.region.code for r in provinces] == ["410000"]


def test_map_values_refuse_a_period_finer_than_the_indicator(
    supervisor: Any, catalogue: dict[str, Indicator]
) -> None:
    Indicator.objects.create(
        code="test_capacity_tpd", name="测试年度能力", unit="t/d", period_type=PeriodType.YEAR
    )
    with pytest.raises(Invalid):
        queries.map_values(supervisor, "test_capacity_tpd", "2025-01")
    with pytest.raises(NotFound):
        queries.map_values(supervisor, "no_such_code", "2025-01")


@pytest.fixture
def four_regions(catalogue: dict[str, Indicator]) -> None:
    for region, amount in [("410000", 100), ("120000", 50), ("360000", 100), ("310000", 200)]:
        make_report(
            region,
            "2025-01",
            {"residual_waste_t": amount, "msw_generated_t": amount},
            status=SUBMITTED,
        )
    make_report("330000", "2025-01", {"residual_waste_t": 1, "msw_generated_t": 1})  # draft


def test_ranking_puts_the_lowest_first_when_lower_is_better_and_ties_share_a_rank(
    supervisor: Any, catalogue: dict[str, Indicator], four_regions: None
) -> None:
    residual = catalogue["residual_waste_t"]
    residual.direction = "lower"
    residual.save(update_fields=["direction"])
    rows = queries.ranking(supervisor, "residual_waste_t", "2025-01")
    assert [(r.region.code, r.rank) for r in rows] == [
        ("120000", 1),
        ("360000", 2),
        ("410000", 2),
        ("310000", 4),
    ]


def test_ranking_puts_the_highest_first_when_higher_is_better(
    supervisor: Any, jiangxi: Any, catalogue: dict[str, Indicator], four_regions: None
) -> None:
    generated = catalogue["msw_generated_t"]
    generated.direction = "higher"
    generated.save(update_fields=["direction"])
    rows = queries.ranking(supervisor, "msw_generated_t", "2025-01")
    assert [(r.region.code, r.rank, r.value) for r in rows] == [
        ("310000", 1, D(200)),
        ("360000", 2, D(100)),
        ("410000", 2, D(100)),
        ("120000", 4, D(50)),
    ]
    # 江西 sees itself and 上海 (its pair), not 天津 or 河南.
    assert [r.region.code for r in queries.ranking(jiangxi, "msw_generated_t", "2025-01")] == [
        "310000",
        "360000",
    ]


# ---------------------------------------------------------------- catalogue


def test_indicators_filter_by_kind_period_type_and_text(catalogue: dict[str, Indicator]) -> None:
    Indicator.objects.create(
        code="test_capacity_tpd", name="测试年度能力", unit="t/d", period_type=PeriodType.YEAR
    )
    computed = {i.code for i in queries.indicators(kind="computed")}
    assert "recovery_rate" in computed and "msw_generated_t" not in computed
    yearly = {i.code for i in queries.indicators(period_type=PeriodType.YEAR)}
    assert "test_capacity_tpd" in yearly and "msw_generated_t" not in yearly
    assert [i.code for i in queries.indicators(q="测试年度")] == ["test_capacity_tpd"]
    assert "recovery_rate" in {i.code for i in queries.indicators(q="回收利用率")}
    assert "recovery_rate" in {i.code for i in queries.indicators(q="recovery_r")}
    catalogue["hazardous_collected_t"].archived_at = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    catalogue["hazardous_collected_t"].save(update_fields=["archived_at"])
    assert "hazardous_collected_t" not in {i.code for i in queries.indicators()}
    assert "hazardous_collected_t" in {i.code for i in queries.indicators(include_archived=True)}
    assert queries.indicator("hazardous_collected_t").is_archived
    assert "hazardous_collected_t" not in queries.specs()
