"""forecast: Theil–Sen and Sen's interval on small hand-worked examples, verdicts and the band."""

import datetime as dt
import statistics
from decimal import Decimal

import pytest

from twinning.indicators import calc, forecast
from twinning.indicators.spec import TargetSpec

D = Decimal


def _least_squares_slope(xs, ys):
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / sum((x - mean_x) ** 2 for x in xs)


# ---------------------------------------------------------------- Theil–Sen


def test_odd_number_of_pairwise_slopes():
    # Slopes 2, 1.5, 1 → median 1.5; intercept median(0, 0.5, 0) = 0
    slope, intercept, _low, _high = forecast.theil_sen([0, 1, 2], [0, 2, 3])

    assert slope == pytest.approx(1.5)
    assert intercept == pytest.approx(0.0)


def test_even_number_of_pairwise_slopes():
    # Slopes 1, 1.5, 4/3, 2, 1.5, 1 → sorted 1, 1, 4/3, 1.5, 1.5, 2 → (4/3 + 1.5) ÷ 2 = 17/12
    # Intercept: median(0, −5/12, 1/6, −1/4) = (−1/4 + 0) ÷ 2 = −1/8
    slope, intercept, _low, _high = forecast.theil_sen([0, 1, 2, 3], [0, 1, 3, 4])

    assert slope == pytest.approx(17 / 12)
    assert intercept == pytest.approx(-0.125)


def test_an_outlier_tilts_least_squares_but_not_theil_sen():
    xs, ys = [0, 1, 2, 3, 4], [0, 1, 2, 3, 40]

    slope, intercept, low, high = forecast.theil_sen(xs, ys)

    # Six slopes of 1 among the first four points, then 10, 13, 19, 37 with the outlier.
    assert slope == pytest.approx(1.0)
    assert intercept == pytest.approx(0.0)
    # Least squares: Sxy 82 ÷ Sxx 10 = 8.2
    assert _least_squares_slope(xs, ys) == pytest.approx(8.2)
    # Sen: Var(S) = 5·4·15 ÷ 18 = 16.67, 1.96·4.082 = 8.00; ranks round(1.0)−1 = 0 and
    # round(9.0) = 9 of the ten sorted slopes.
    assert (low, high) == (pytest.approx(1.0), pytest.approx(37.0))


def test_sen_interval_ranks_on_fifteen_slopes():
    # Sorted slopes: −1, −1, .5, .5, .5, .5, .8, 1, 1, 1, 1.25, 2, 2, 2, 2 (median 1).
    # Var(S) = 6·5·17 ÷ 18 = 28.33, 1.96·5.323 = 10.43: ranks round(2.28)−1 = 1, round(12.72) = 13.
    slope, intercept, low, high = forecast.theil_sen([0, 1, 2, 3, 4, 5], [0, 2, 1, 3, 5, 4])

    assert slope == pytest.approx(1.0)
    assert intercept == pytest.approx(0.0)  # median(0, 1, −1, 0, 1, −1)
    assert low == pytest.approx(-1.0)
    assert high == pytest.approx(2.0)


def test_interval_is_ordered_and_narrows_with_a_smaller_z():
    xs = [i / 12 for i in range(24)]
    ys = [30 + 2 * x + (1.5 if i % 3 == 0 else -0.7) for i, x in enumerate(xs)]

    slope, _intercept, low, high = forecast.theil_sen(xs, ys)
    _slope, _i, narrow_low, narrow_high = forecast.theil_sen(xs, ys, z=1.0)

    assert low <= slope <= high
    assert low <= narrow_low <= slope <= narrow_high <= high
    assert low < high


def test_a_perfect_line_has_no_spread():
    assert forecast.theil_sen([0, 1, 2, 3], [5, 7, 9, 11]) == pytest.approx((2, 5, 2, 2))


def test_theil_sen_needs_two_distinct_x():
    with pytest.raises(ValueError):
        forecast.theil_sen([1, 1], [2, 3])
    with pytest.raises(ValueError):
        forecast.theil_sen([1, 2], [2])


# ---------------------------------------------------------------- forecast


def _monthly(first_year, first_month, values):
    observations = []
    year, month = first_year, first_month
    for value in values:
        observations.append((calc.month_end(year, month), D(str(value))))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return observations


START = dt.date(2024, 1, 1)


def _days_line(days):
    """y = days since 2024-01-01: a slope of exactly 365.25 a year, x in years."""
    return [(START + dt.timedelta(days=d), D(d)) for d in days]


def test_forecast_of_a_straight_line():
    series = _days_line([0, 31, 60, 91, 121, 152])
    at = dt.date(2025, 12, 31)  # 730 days after the start

    result = forecast.forecast(series, at)

    assert result.value == pytest.approx(730)
    assert result.low == pytest.approx(730)
    assert result.high == pytest.approx(730)
    assert result.slope_per_year == pytest.approx(365.25)
    assert result.points == 6
    assert result.at == at
    assert result.verdict == ""


def test_forecast_resists_a_single_wild_month():
    values = [30 + 0.1 * i for i in range(12)]
    spiked = list(values)
    spiked[6] = 90  # a typing error

    clean = forecast.forecast(_monthly(2024, 1, values), dt.date(2025, 12, 31))
    robust = forecast.forecast(_monthly(2024, 1, spiked), dt.date(2025, 12, 31))

    # 0.1 a month ≈ 1.2 a year either way (month ends are not evenly spaced: hence approx)
    assert clean.slope_per_year == pytest.approx(1.2, rel=0.02)
    assert robust.slope_per_year == pytest.approx(clean.slope_per_year, rel=0.05)
    assert robust.value == pytest.approx(clean.value, abs=0.3)


def test_fewer_than_min_points_gives_none():
    series = _days_line([0, 31, 60, 91, 121])

    assert forecast.forecast(series, dt.date(2025, 12, 31)) is None
    assert forecast.forecast(series, dt.date(2025, 12, 31), min_points=5) is not None
    assert forecast.forecast([], dt.date(2025, 12, 31)) is None


ZIGZAG = _monthly(2024, 1, [30, 32.5, 31, 30.5, 33, 32, 31.5, 34, 32.5, 33, 35, 33.5])
DUE = dt.date(2026, 12, 31)


def _target(value, direction="higher"):
    return TargetSpec(
        baseline_value=D(30),
        baseline_date=dt.date(2023, 12, 31),
        target_value=D(str(value)),
        due_date=DUE,
        direction=direction,
        unit="%",
    )


@pytest.fixture
def spread():
    result = forecast.forecast(ZIGZAG, DUE)
    assert result.low < result.value < result.high
    return result


def test_verdicts_for_higher_is_better(spread):
    def verdict(target_value):
        return forecast.forecast(ZIGZAG, DUE, target=_target(target_value)).verdict

    assert verdict(spread.value - 0.5) == "on_track"
    assert verdict(spread.value) == "on_track"
    assert verdict((spread.value + spread.high) / 2) == "at_risk"  # only the high bound meets it
    assert verdict(spread.high + 0.5) == "off_track"  # not even the high bound


def test_verdicts_for_lower_is_better(spread):
    def verdict(target_value):
        return forecast.forecast(ZIGZAG, DUE, target=_target(target_value, "lower")).verdict

    assert verdict(spread.value + 0.5) == "on_track"
    assert verdict((spread.value + spread.low) / 2) == "at_risk"  # only the low bound meets it
    assert verdict(spread.low - 0.5) == "off_track"


def test_verdict_thresholds_by_hand():
    target = _target(35)

    assert forecast.verdict(36.0, 33.0, 39.0, target) == "on_track"
    assert forecast.verdict(34.0, 31.0, 36.0, target) == "at_risk"
    assert forecast.verdict(32.0, 30.0, 34.9, target) == "off_track"
    lower = _target(35, "lower")
    assert forecast.verdict(34.0, 31.0, 36.0, lower) == "on_track"
    assert forecast.verdict(36.0, 34.0, 38.0, lower) == "at_risk"
    assert forecast.verdict(37.0, 35.1, 39.0, lower) == "off_track"


# ---------------------------------------------------------------- band


def test_band_is_monthly_from_the_last_observation_to_until():
    until = dt.date(2025, 6, 30)

    points = forecast.band(ZIGZAG, until)

    dates = [date for date, _value, _low, _high in points]
    assert dates == [dt.date(2024, 12, 31)] + [calc.month_end(2025, m) for m in range(1, 7)]
    assert dates[-1] == until
    assert all(low <= value <= high for _date, value, low, high in points)
    widths = [high - low for _date, _value, low, high in points]
    assert widths == sorted(widths)  # the further ahead, the wider


def test_band_matches_forecast_at_until():
    until = dt.date(2025, 6, 30)

    date, value, low, high = forecast.band(ZIGZAG, until)[-1]
    single = forecast.forecast(ZIGZAG, until)

    assert (value, low, high) == pytest.approx((single.value, single.low, single.high))


def test_band_ending_mid_month_ends_at_that_day():
    points = forecast.band(ZIGZAG, dt.date(2025, 2, 15))

    assert [p[0] for p in points] == [
        dt.date(2024, 12, 31),
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 15),
    ]


def test_band_is_empty_without_enough_data_or_future():
    assert forecast.band(ZIGZAG[:5], dt.date(2025, 6, 30)) == []
    assert forecast.band(ZIGZAG, dt.date(2024, 12, 31)) == []
    assert forecast.band(ZIGZAG, dt.date(2024, 6, 30)) == []


# ---------------------------------------------------------------- words


def test_describe_in_words():
    result = forecast.Forecast(
        at=DUE, value=33.24, low=31.0, high=35.45, slope_per_year=1.2, points=12, verdict=""
    )

    assert forecast.describe(result, "%") == "按目前趋势，2026-12-31预计为33.2%（31.0%～35.5%）。"

    result.verdict = "at_risk"
    assert forecast.describe(result, "%").endswith("（31.0%～35.5%），预计不能按期达标。")
    result.verdict = "off_track"
    assert forecast.describe(result, "t").endswith("即使按乐观估计也不能按期达标。")
