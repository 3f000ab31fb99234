"""Completeness and timeliness: on time, late or missing against the period's deadline."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from twinning.core.errors import Invalid, NotFound
from twinning.indicators import completeness, queries
from twinning.indicators.models import Indicator, Report
from twinning.indicators.tests.reports_factory import make_period, make_report

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINE = dt.date(2025, 4, 10)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def march(catalogue: dict[str, Indicator], month_values: Callable[..., Any]) -> None:
    """March 2025 (deadline 10 April) in several states."""
    make_period("2025-03", deadline=DEADLINE)
    values = month_values()
    # Late in the evening of the deadline, local time (15:59 UTC): on time.
    make_report(
        "410000", "2025-03", values, status="submitted", submitted_at=local(2025, 4, 10, 23, 59)
    )
    # Half past midnight after the deadline, local time (still 10 April in UTC): late.
    make_report(
        "120000", "2025-03", values, status="reviewed", submitted_at=local(2025, 4, 11, 0, 30)
    )
    make_report("360000", "2025-03", values, status="approved", submitted_at=local(2025, 4, 2, 9))
    make_report("310000", "2025-03", values, status="approved", submitted_at=local(2025, 5, 2, 9))
    make_report("411000", "2025-03", values)  # a draft
    make_report("120104", "2025-03", values, status="returned", submitted_at=local(2025, 4, 3))


def states(result: completeness.Completeness) -> dict[str, str]:
    return {row.region.code: row.state for row in result.rows}


def test_states_follow_the_deadline_in_local_time(supervisor: Any, march: None) -> None:
    result = completeness.completeness(supervisor, "2025-03", today=dt.date(2025, 4, 20))
    found = states(result)
    assert found["410000"] == "on_time"
    assert found["120000"] == "late"  # reviewed counts as submitted
    assert found["360000"] == "on_time"  # approved counts as submitted
    assert found["310000"] == "late"
    assert found["411000"] == "missing"  # a draft is not submitted
    assert found["120104"] == "missing"  # neither is a returned report
    assert found["120101"] == "missing"  # no report at all
    rows = {row.region.code: row for row in result.rows}
    assert rows["410000"].submitted_at == local(2025, 4, 10, 23, 59)
    assert rows["120104"].submitted_at is None and rows["120104"].report is not None
    assert rows["120101"].report is None
    assert rows["410000"].state_label == "按时报送"


def test_counts_cover_every_reporting_region(supervisor: Any, march: None) -> None:
    result = completeness.completeness(supervisor, "2025-03", today=dt.date(2025, 4, 20))
    expected = queries.reporting_regions().count()
    assert [row.region.code for row in result.rows] == list(
        queries.reporting_regions().values_list("code", flat=True)
    )
    assert result.counts == {
        "on_time": 2,
        "late": 2,
        "missing": expected - 4,
        "expected": expected,
    }
    assert len(result.missing) == expected - 4
    assert result.submitted_share == pytest.approx(4 / expected)
    assert result.period.deadline == DEADLINE


def test_each_user_sees_the_regions_they_may_see(henan: Any, jiangxi: Any, march: None) -> None:
    henan_rows = states(completeness.completeness(henan, "2025-03"))
    assert {"410000", "120000", "411000", "120104"} <= set(henan_rows)
    assert "360000" not in henan_rows and "310000" not in henan_rows
    assert states(completeness.completeness(jiangxi, "2025-03")) == {
        "310000": "late",
        "360000": "on_time",
    }


def test_the_deadline_has_passed_only_after_its_day(supervisor: Any, march: None) -> None:
    with time_machine.travel(local(2025, 4, 10, 23, 0), tick=False):
        assert not completeness.completeness(supervisor, "2025-03").deadline_passed
    with time_machine.travel(local(2025, 4, 11, 0, 30), tick=False):
        assert completeness.completeness(supervisor, "2025-03").deadline_passed


def test_a_submitted_report_without_a_time_is_not_late(
    supervisor: Any, catalogue: dict[str, Indicator]
) -> None:
    make_report("410000", "2025-05", {"msw_generated_t": 1}, status="approved")
    found = states(completeness.completeness(supervisor, "2025-05"))
    assert found["410000"] == "on_time"


def test_a_period_nobody_reported_for_yet_uses_the_calendar_deadline(
    supervisor: Any, settings: Any
) -> None:
    settings.TWINNING_REPORT_DEADLINE_DAYS = 15
    result = completeness.completeness(supervisor, "2031-02", today=dt.date(2031, 3, 1))
    assert result.period.pk is None and result.period.deadline == dt.date(2031, 3, 15)
    assert result.counts["missing"] == result.counts["expected"] > 0
    assert not result.deadline_passed


def test_a_malformed_period_is_not_found(supervisor: Any) -> None:
    with pytest.raises(NotFound):
        completeness.completeness(supervisor, "2025-3")


def test_completeness_is_three_queries(
    supervisor: Any, march: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        result = completeness.completeness(supervisor, "2025-03", today=dt.date(2025, 4, 20))
        [row.state_label for row in result.rows]


def test_missing_reports_lists_every_reporting_region_not_submitted(march: None) -> None:
    missing = {r.code for r in completeness.missing_reports("2025-03")}
    assert {"411000", "120104", "120101"} <= missing
    assert not {"410000", "120000", "360000", "310000"} & missing
    assert len(missing) == queries.reporting_regions().count() - 4
    with pytest.raises(Invalid):
        completeness.missing_reports("March")


def test_reports_of_other_periods_do_not_count(
    supervisor: Any, catalogue: dict[str, Indicator]
) -> None:
    make_report("410000", "2025-02", {"msw_generated_t": 1}, status="approved")
    make_report("410000", "2025Q1", {"msw_generated_t": 1}, status="approved")
    assert states(completeness.completeness(supervisor, "2025-03"))["410000"] == "missing"
    assert Report.objects.filter(region_id="410000").count() == 2
