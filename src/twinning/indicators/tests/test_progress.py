"""progress: Open SDG's ratio with linear rates, worked by hand.

Dates are chosen so that years come out whole: 2021-01-01 → 2025-01-01 is 1461 days = 4 × 365.25,
2021-01-01 → 2029-01-01 is 2922 days = 8 × 365.25.
"""

import datetime as dt
from decimal import Decimal

import pytest

from twinning.indicators import progress
from twinning.indicators.progress import ProgressStatus
from twinning.indicators.spec import TargetSpec

D = Decimal
BASE = dt.date(2021, 1, 1)
FOUR_YEARS = dt.date(2025, 1, 1)
EIGHT_YEARS = dt.date(2029, 1, 1)

# 回收利用率 from 20 % to 36 % in eight years: 2 points a year needed.
RECOVERY = TargetSpec(
    baseline_value=D(20),
    baseline_date=BASE,
    target_value=D(36),
    due_date=EIGHT_YEARS,
    direction="higher",
    unit="%",
)


def _at_four_years(value, target=RECOVERY):
    return progress.measure([(FOUR_YEARS, D(value))], target)


@pytest.mark.parametrize(
    ("value", "observed", "ratio", "status"),
    [
        # (value − 20) ÷ 4 years, then ÷ 2 needed
        ("28", 2.0, 1.0, ProgressStatus.SUBSTANTIAL),
        ("27.6", 1.9, 0.95, ProgressStatus.SUBSTANTIAL),  # the threshold itself
        ("27.5", 1.875, 0.9375, ProgressStatus.MODERATE),
        ("25.6", 1.4, 0.7, ProgressStatus.MODERATE),
        ("24.8", 1.2, 0.6, ProgressStatus.MODERATE),
        ("21", 0.25, 0.125, ProgressStatus.LIMITED),
        ("20", 0.0, 0.0, ProgressStatus.LIMITED),
        ("18", -0.5, -0.25, ProgressStatus.DETERIORATION),
    ],
)
def test_status_from_the_ratio_of_observed_to_required(value, observed, ratio, status):
    result = _at_four_years(value)

    assert result.status == status
    assert result.required_per_year == pytest.approx(2.0)
    assert result.observed_per_year == pytest.approx(observed)
    assert result.ratio == pytest.approx(ratio)
    assert result.current_value == D(value)
    assert result.current_date == FOUR_YEARS
    # Halfway through: 20 + 16 × 1461 ÷ 2922 = 28
    assert result.expected_value == D(28)


def test_explanation_gives_signed_rates_in_points_and_the_expected_value():
    result = _at_four_years("25.6")

    assert result.explanation == (
        "需每年+2.0个百分点，实际每年+1.4个百分点（按进度此时应为28.0%，实际为25.6%）。"
    )


def test_explanation_of_a_deterioration_shows_the_minus_sign():
    result = _at_four_years("18")

    assert "实际每年-0.5个百分点" in result.explanation
    assert "实际为18.0%" in result.explanation


def test_target_already_achieved_short_circuits():
    # Only four years in and already past 36 %.
    result = _at_four_years("36.5")

    assert result.status == ProgressStatus.TARGET_ACHIEVED
    # 16.5 ÷ 4 = 4.125 a year against 2 needed: given for information.
    assert result.ratio == pytest.approx(2.0625)
    assert result.explanation == "已达到目标：当前36.5%，目标36.0%。"


def test_exactly_on_target_is_achieved():
    assert _at_four_years("36").status == ProgressStatus.TARGET_ACHIEVED


# ---------------------------------------------------------------- lower is better

# 人均日产生量 from 1.20 to 0.96 kg in eight years: −0.03 kg a year needed.
PER_CAPITA = TargetSpec(
    baseline_value=D("1.20"),
    baseline_date=BASE,
    target_value=D("0.96"),
    due_date=EIGHT_YEARS,
    direction="lower",
    unit="kg/人·日",
)


def test_lower_is_better_going_down_is_progress():
    result = _at_four_years("1.12", PER_CAPITA)

    # −0.08 ÷ 4 = −0.02 a year; −0.02 ÷ −0.03 = 0.667
    assert result.required_per_year == pytest.approx(-0.03)
    assert result.observed_per_year == pytest.approx(-0.02)
    assert result.ratio == pytest.approx(2 / 3)
    assert result.status == ProgressStatus.MODERATE
    # Small quantities keep two decimals: one would round −0.02 to −0.0.
    assert result.explanation == (
        "需每年-0.03 kg/人·日，实际每年-0.02 kg/人·日"
        "（按进度此时应为1.08 kg/人·日，实际为1.12 kg/人·日）。"
    )


def test_lower_is_better_going_up_is_deterioration():
    result = _at_four_years("1.24", PER_CAPITA)

    assert result.ratio == pytest.approx(-1 / 3)  # +0.01 ÷ −0.03
    assert result.status == ProgressStatus.DETERIORATION


def test_lower_is_better_achieved_at_or_below_the_target():
    assert _at_four_years("0.95", PER_CAPITA).status == ProgressStatus.TARGET_ACHIEVED
    assert _at_four_years("0.96", PER_CAPITA).status == ProgressStatus.TARGET_ACHIEVED


def test_residual_waste_tonnage_going_down_slowly():
    residual = TargetSpec(
        baseline_value=D(20000),
        baseline_date=BASE,
        target_value=D(16000),
        due_date=EIGHT_YEARS,
        direction="lower",
        unit="t",
    )

    result = _at_four_years(19000, residual)

    # −1000 ÷ 4 = −250 t a year against −500 needed
    assert result.ratio == pytest.approx(0.5)
    assert result.status == ProgressStatus.LIMITED
    assert result.explanation == (
        "需每年-500.0 t，实际每年-250.0 t（按进度此时应为18,000.0 t，实际为19,000.0 t）。"
    )


# ---------------------------------------------------------------- zero baseline


def test_zero_baseline_uses_linear_rates():
    # A compound rate from 0 is undefined; linear: 80 ÷ 8 = 10 points a year needed.
    coverage = TargetSpec(
        baseline_value=D(0),
        baseline_date=BASE,
        target_value=D(80),
        due_date=EIGHT_YEARS,
        unit="%",
    )

    result = _at_four_years(30, coverage)

    assert result.required_per_year == pytest.approx(10.0)
    assert result.observed_per_year == pytest.approx(7.5)
    assert result.ratio == pytest.approx(0.75)
    assert result.status == ProgressStatus.MODERATE
    assert result.expected_value == D(40)


# ---------------------------------------------------------------- gaps and dates

GAPPY = [
    (dt.date(2025, 1, 1), D("27.6")),
    (dt.date(2024, 6, 30), D(25)),  # out of order on purpose
    (dt.date(2024, 9, 30), D(26)),
    # October to December missing
]


def test_series_with_gaps_uses_the_latest_observation():
    result = progress.measure(GAPPY, RECOVERY)

    assert result.current_date == dt.date(2025, 1, 1)
    assert result.status == ProgressStatus.SUBSTANTIAL  # 1.9 ÷ 2 = 0.95


def test_as_of_takes_the_latest_observation_on_or_before_it():
    result = progress.measure(GAPPY, RECOVERY, as_of=dt.date(2024, 12, 31))

    # 2021-01-01 → 2024-09-30 is 1368 days = 3.74538 years; 6 ÷ 3.74538 = 1.60197 a year
    assert result.current_date == dt.date(2024, 9, 30)
    assert result.current_value == D(26)
    assert result.observed_per_year == pytest.approx(1.60197, rel=1e-5)
    assert result.ratio == pytest.approx(0.800987, rel=1e-5)
    assert result.status == ProgressStatus.MODERATE
    # 20 + 16 × 1368 ÷ 2922 = 27.4908
    assert result.expected_value == D("27.4908")

    assert progress.measure(GAPPY, RECOVERY, as_of=dt.date(2024, 9, 30)).current_value == D(26)


@pytest.mark.parametrize(
    ("series", "as_of"),
    [
        ([], None),
        ([(BASE, D(20)), (dt.date(2020, 12, 31), D(19))], None),  # nothing after the baseline
        ([(FOUR_YEARS, D(28))], dt.date(2024, 12, 31)),  # nothing yet on that day
    ],
)
def test_not_available_without_an_observation_after_the_baseline(series, as_of):
    result = progress.measure(series, RECOVERY, as_of=as_of)

    assert result.status == ProgressStatus.NOT_AVAILABLE
    assert result.ratio is None
    assert result.current_value is None
    assert result.required_per_year == pytest.approx(2.0)
    assert result.explanation == "基准日期（2021-01-01）之后尚无数据，无法评估进展。"


# ---------------------------------------------------------------- required is zero


def test_baseline_already_at_target_then_falling_back_is_deterioration():
    held = TargetSpec(
        baseline_value=D(35),
        baseline_date=BASE,
        target_value=D(35),
        due_date=EIGHT_YEARS,
        unit="%",
    )

    result = _at_four_years(34, held)

    assert result.required_per_year == pytest.approx(0.0)
    assert result.ratio is None  # 0 needed: no ratio to take
    assert result.status == ProgressStatus.DETERIORATION
    assert result.explanation == "基准值35.0%已达到目标35.0%，但当前回落至34.0%。"
    assert _at_four_years("35.5", held).status == ProgressStatus.TARGET_ACHIEVED


def test_baseline_beyond_the_target_and_falling_below_it_is_deterioration():
    ahead = TargetSpec(
        baseline_value=D(40),
        baseline_date=BASE,
        target_value=D(35),
        due_date=EIGHT_YEARS,
        unit="%",
    )

    assert _at_four_years(33, ahead).status == ProgressStatus.DETERIORATION
    assert _at_four_years(38, ahead).status == ProgressStatus.TARGET_ACHIEVED


# ---------------------------------------------------------------- history and trajectory


def test_history_gives_the_status_at_each_observation():
    series = [
        (dt.date(2025, 1, 1), D(28)),
        (BASE, D(20)),
        (dt.date(2023, 1, 1), D(19)),
        (dt.date(2027, 1, 1), D(37)),
    ]

    statuses = progress.history(series, RECOVERY)

    assert [(date, p.status) for date, p in statuses] == [
        (BASE, ProgressStatus.NOT_AVAILABLE),
        (dt.date(2023, 1, 1), ProgressStatus.DETERIORATION),
        (dt.date(2025, 1, 1), ProgressStatus.SUBSTANTIAL),
        (dt.date(2027, 1, 1), ProgressStatus.TARGET_ACHIEVED),
    ]
    assert statuses[2][1].ratio == pytest.approx(1.0)


def test_history_of_an_empty_series_is_empty():
    assert progress.history([], RECOVERY) == []


def test_trajectory_is_the_straight_line_held_at_both_ends():
    dates = [
        dt.date(2020, 6, 30),  # before the baseline: the baseline
        BASE,
        dt.date(2022, 1, 1),  # 365 days: 20 + 16 × 365 ÷ 2922 = 21.998631 → 21.9986
        FOUR_YEARS,
        EIGHT_YEARS,
        dt.date(2030, 12, 31),  # after the due date: the target
    ]

    assert progress.trajectory(RECOVERY, dates) == [
        (dt.date(2020, 6, 30), D(20)),
        (BASE, D(20)),
        (dt.date(2022, 1, 1), D("21.9986")),
        (FOUR_YEARS, D(28)),
        (EIGHT_YEARS, D(36)),
        (dt.date(2030, 12, 31), D(36)),
    ]


def test_trajectory_goes_down_for_lower_is_better():
    assert progress.trajectory(PER_CAPITA, [FOUR_YEARS]) == [(FOUR_YEARS, D("1.08"))]


def test_status_labels_are_chinese():
    assert ProgressStatus.SUBSTANTIAL.label == "进展显著"
    assert ProgressStatus.NOT_AVAILABLE.label == "数据不足"
    assert ProgressStatus.TARGET_ACHIEVED == "target_achieved"
