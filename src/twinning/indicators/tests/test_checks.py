"""checks.check_values: every error and warning code, with the numbers worked by hand."""

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from twinning.indicators import calc, checks
from twinning.indicators.spec import IndicatorSpec

D = Decimal
MARCH_END = dt.date(2025, 3, 31)
THRESHOLD = D("0.3")
K = D(2)


def _spec(code, name, unit="t", **kw):
    return IndicatorSpec(code=code, name=name, unit=unit, **kw)


def _rate(code, name, numerator, denominator, **kw):
    return _spec(
        code,
        name,
        "%",
        kind="computed",
        aggregation="ratio",
        numerator=numerator,
        denominator=denominator,
        hard_min=D(0),
        hard_max=D(100),
        **kw,
    )


TONNES = {"hard_min": D(0)}
SPECS = {
    spec.code: spec
    for spec in [
        _spec("msw_generated_t", "生活垃圾产生量", **TONNES),
        _spec("msw_collected_t", "生活垃圾清运量", **TONNES),
        _spec("harmless_treated_t", "生活垃圾无害化处理量", **TONNES),
        _spec("recyclables_recovered_t", "可回收物回收量", **TONNES),
        _spec("hazardous_collected_t", "有害垃圾分出量", **TONNES),
        _spec("food_waste_separated_t", "厨余垃圾分出量", **TONNES),
        _spec("residual_waste_t", "其他垃圾清运量", direction="lower", **TONNES),
        _spec("recovery_utilised_t", "生活垃圾回收利用量", **TONNES),
        _spec("communities_total", "居民小区总数", "个", aggregation="last", hard_min=D(0)),
        _spec("communities_sorting", "开展分类收运的居民小区数", "个", aggregation="last"),
        _spec("households_total", "居民户数", "户", aggregation="last"),
        _spec("households_covered", "开展分类的居民户数", "户", aggregation="last"),
        _spec("awareness_rate", "居民知晓率", "%", hard_min=D(0), hard_max=D(100)),
        _spec(
            "per_capita_daily_kg",
            "人均日产生量",
            "kg/人·日",
            hard_min=D(0),
            soft_min=D("0.5"),
            soft_max=D("2.0"),
        ),
        _spec("incineration_capacity_tpd", "焚烧处理能力", "t/d", period_type="year"),
        _rate(
            "recovery_rate",
            "生活垃圾回收利用率",
            ("recovery_utilised_t",),
            ("msw_generated_t",),
            soft_min=D(15),
            soft_max=D(60),
        ),
        _rate(
            "community_coverage_rate",
            "居民小区生活垃圾分类覆盖率",
            ("communities_sorting",),
            ("communities_total",),
        ),
        _rate(
            "food_waste_separation_rate",
            "厨余垃圾分出率",
            ("food_waste_separated_t",),
            ("food_waste_separated_t", "residual_waste_t"),
            soft_min=D(5),
            soft_max=D(45),
        ),
    ]
}


def _month(**overrides):
    """A consistent month (the one of the shared fixture) with overrides; None removes a code."""
    values = {
        "msw_generated_t": D(30000),
        "msw_collected_t": D(29500),
        "recyclables_recovered_t": D(6000),
        "hazardous_collected_t": D(5),
        "food_waste_separated_t": D(5000),
        "residual_waste_t": D(18500),
        "recovery_utilised_t": D(10500),
        "communities_total": D(1000),
        "communities_sorting": D(880),
    }
    values.update({code: D(v) for code, v in overrides.items() if v is not None})
    values = {code: v for code, v in values.items() if overrides.get(code, 0) is not None}
    # As they will be stored: reported and computed together.
    return {**values, **calc.compute(values, SPECS)}


def _check(values, history=None, *, period_end=MARCH_END, threshold=THRESHOLD, k=K):
    return checks.check_values(
        values,
        SPECS,
        history or {},
        period_end=period_end,
        jump_threshold=threshold,
        outlier_std_devs=k,
    )


def _codes(findings):
    return [(f.indicator_code, f.level, f.code) for f in findings]


def _months_before(end, values):
    """Observations at the month ends before `end`, the latest first."""
    observations = []
    year, month = end.year, end.month
    for value in values:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        observations.append((calc.month_end(year, month), D(value)))
    return observations


# ---------------------------------------------------------------- a clean month


def test_a_consistent_month_has_no_findings():
    assert _check(_month()) == []


def test_the_shared_fixture_month_is_consistent(month_values):
    values = month_values()

    assert _check({**values, **calc.compute(values, SPECS)}) == []


def test_a_steady_history_raises_nothing():
    month = _month()
    history = {code: _months_before(MARCH_END, [value] * 14) for code, value in month.items()}

    assert _check(month, history) == []


# ---------------------------------------------------------------- range


def test_a_reported_rate_over_100_is_an_error():
    findings = _check(_month(awareness_rate=105))

    assert _codes(findings) == [("awareness_rate", "error", "range")]
    assert findings[0].message == "居民知晓率（105%）不能大于100%。"


def test_a_negative_tonnage_is_an_error():
    findings = _check(_month(hazardous_collected_t=-5))

    assert _codes(findings) == [("hazardous_collected_t", "error", "range")]
    assert findings[0].message == "有害垃圾分出量（-5 t）不能为负数。"
    assert findings[0].params["value"] == "-5 t"


def test_values_on_the_limits_pass():
    assert _check(_month(awareness_rate=100, hazardous_collected_t=0)) == []


def test_a_minimum_other_than_zero_is_named():
    spec = _spec("x", "某指标", "个", hard_min=D(10))

    findings = checks.range_errors({"x": D(9)}, {"x": spec}, already_wrong=set())

    assert [f.message for f in findings] == ["某指标（9个）不能小于10个。"]


def test_a_computed_rate_out_of_range_goes_to_its_numerator():
    # No rule ties the parts of this rate, so its range is the only safeguard.
    specs = {
        "a_t": _spec("a_t", "甲", **TONNES),
        "b_t": _spec("b_t", "乙", **TONNES),
        "a_share": _rate("a_share", "甲占比", ("a_t",), ("b_t",)),
    }
    values = {"a_t": D(120), "b_t": D(100), "a_share": D(120)}

    findings = checks.check_values(
        values, specs, {}, period_end=MARCH_END, jump_threshold=THRESHOLD, outlier_std_devs=K
    )

    assert _codes(findings) == [("a_t", "error", "range")]
    assert findings[0].params["indicator"] == "a_share"
    assert findings[0].message == "甲占比（120%）不能大于100%。"


def test_a_rate_over_100_from_a_part_over_its_total_is_reported_once():
    findings = _check(_month(recovery_utilised_t=31000))

    # recovery_rate = 103.3333 % is the echo of the part rule, not a second error.
    assert _codes(findings) == [("recovery_utilised_t", "error", "part_exceeds_total")]


# ---------------------------------------------------------------- parts and totals


def test_part_exceeds_total_without_tolerance():
    findings = _check(_month(recovery_utilised_t=30001))

    assert _codes(findings) == [("recovery_utilised_t", "error", "part_exceeds_total")]
    assert findings[0].message == "生活垃圾回收利用量（30,001）不能大于生活垃圾产生量（30,000）。"


def test_part_equal_to_total_passes():
    # 可回收物 = 产生量 breaks the streams balance, so check the rule alone.
    assert checks.rule_errors(_month(recovery_utilised_t=30000), SPECS) == []


def test_part_within_the_tolerance_passes_and_beyond_it_fails():
    # 清运量 may exceed 产生量 by 5 %: 30000 × 1.05 = 31500.
    assert checks.rule_errors(_month(msw_collected_t=31500), SPECS) == []

    findings = checks.rule_errors(_month(msw_collected_t=31501), SPECS)

    assert _codes(findings) == [("msw_collected_t", "error", "part_exceeds_total")]
    assert findings[0].message == (
        "生活垃圾清运量（31,501）不能超过生活垃圾产生量（30,000）的105%（已允许5%的误差）。"
    )


def test_harmless_treatment_is_checked_against_collection():
    # 29500 × 1.05 = 30975
    assert checks.rule_errors(_month(harmless_treated_t=30975), SPECS) == []
    findings = checks.rule_errors(_month(harmless_treated_t=30976), SPECS)
    assert _codes(findings) == [("harmless_treated_t", "error", "part_exceeds_total")]


def test_covered_exceeds_all_names_both_numbers_and_the_100_percent_limit():
    findings = _check(_month(communities_sorting=1050))

    # The 105 % coverage rate is not reported again as a range error.
    assert _codes(findings) == [("communities_sorting", "error", "covered_exceeds_all")]
    assert findings[0].message == (
        "开展分类收运的居民小区数（1,050）不能大于居民小区总数（1,000）：覆盖率不能超过100%。"
    )
    assert findings[0].params["part_value"] == "1,050"
    assert findings[0].params["total_value"] == "1,000"


def test_covered_households_with_thousands_separators():
    findings = checks.rule_errors(
        {"households_covered": D(1234567), "households_total": D(1200000)}, SPECS
    )

    assert _codes(findings) == [("households_covered", "error", "covered_exceeds_all")]
    assert "（1,234,567）" in findings[0].message
    assert "（1,200,000）" in findings[0].message


@pytest.mark.parametrize(
    "values",
    [
        {"communities_sorting": D(1050)},  # total absent
        {"recovery_utilised_t": D(99999)},  # generation absent
        {"communities_total": D(5), "recovery_utilised_t": D(7)},
    ],
)
def test_rules_are_skipped_when_a_code_is_absent(values):
    assert checks.rule_errors(values, SPECS) == []
    assert checks.streams_findings(values, SPECS) == []


# ---------------------------------------------------------------- streams


def test_streams_over_the_total_by_more_than_2_percent_is_an_error():
    # 6000 + 5 + 5000 + 20595 = 31600 > 30000 × 1.02 = 30600; excess 1600 ÷ 30000 = 5.3 %
    findings = _check(_month(residual_waste_t=20595))

    assert _codes(findings) == [("msw_generated_t", "error", "streams")]
    assert findings[0].message == (
        "可回收物回收量、有害垃圾分出量、厨余垃圾分出量、其他垃圾清运量之和（31,600）"
        "比生活垃圾产生量（30,000）多5.3%，超过允许的2%。"
    )


def test_streams_within_2_percent_over_pass():
    # 6000 + 5 + 5000 + 19595 = 30600, exactly the limit
    assert checks.streams_findings(_month(residual_waste_t=19595), SPECS) == []


def test_two_streams_already_over_the_total_are_an_error():
    values = {"msw_generated_t": D(100), "food_waste_separated_t": D(60), "residual_waste_t": D(50)}

    findings = checks.streams_findings(values, SPECS)

    assert _codes(findings) == [("msw_generated_t", "error", "streams")]
    assert findings[0].params["streams"] == "厨余垃圾分出量、其他垃圾清运量"


def test_streams_well_below_the_total_ask_for_a_comment():
    # 6000 + 5 + 5000 + 14000 = 25005 < 30000 × 0.9; shortfall 4995 ÷ 30000 = 16.65 % → 16.7 %
    findings = checks.streams_findings(_month(residual_waste_t=14000), SPECS)

    assert _codes(findings) == [("msw_generated_t", "warning", "streams_short")]
    assert "少16.7%，超过10%，请说明原因" in findings[0].message


def test_streams_shortfall_needs_all_four_streams():
    assert (
        checks.streams_findings(_month(residual_waste_t=14000, hazardous_collected_t=None), SPECS)
        == []
    )


# ---------------------------------------------------------------- band


def test_below_the_band_warns_on_the_part_of_a_computed_rate():
    # 3000 ÷ 30000 = 10 % < 15 %
    findings = _check(_month(recovery_utilised_t=3000))

    assert _codes(findings) == [("recovery_utilised_t", "warning", "band")]
    assert findings[0].params["indicator"] == "recovery_rate"
    assert findings[0].message == "生活垃圾回收利用率（10%）低于合理区间下限15%，请说明原因。"


def test_above_the_band_warns():
    findings = _check(_month(per_capita_daily_kg="2.35"))

    assert _codes(findings) == [("per_capita_daily_kg", "warning", "band")]
    assert findings[0].message == (
        "人均日产生量（2.35 kg/人·日）高于合理区间上限2 kg/人·日，请说明原因。"
    )


# ---------------------------------------------------------------- jumps


def test_jump_against_the_previous_month():
    history = {"recyclables_recovered_t": [(dt.date(2025, 2, 28), D(4500))]}

    # (6000 − 4500) ÷ 4500 = +33.3 % > 30 %
    findings = _check(_month(), history)

    assert _codes(findings) == [("recyclables_recovered_t", "warning", "jump_previous")]
    assert findings[0].message == (
        "可回收物回收量（6,000 t）与上期（4,500 t）相比变化+33.3%，超过30%，请说明原因。"
    )


def test_a_fall_is_a_jump_too_and_the_threshold_itself_is_not():
    fall = {"recyclables_recovered_t": [(dt.date(2025, 2, 28), D(10000))]}  # −40 %
    at_threshold = {"recyclables_recovered_t": [(dt.date(2025, 2, 28), D(5000))]}  # +20 %

    assert _codes(_check(_month(), fall)) == [
        ("recyclables_recovered_t", "warning", "jump_previous")
    ]
    assert "变化-40%" in _check(_month(), fall)[0].message
    assert _check(_month(), at_threshold, threshold=D("0.2")) == []


def test_no_jump_from_zero():
    history = {"hazardous_collected_t": [(dt.date(2025, 2, 28), D(0))]}

    assert _check(_month(), history) == []


def test_jump_against_the_same_month_last_year():
    history = {
        "food_waste_separated_t": [
            (dt.date(2025, 2, 28), D(4900)),  # +2 % on February: fine
            (dt.date(2024, 3, 31), D(3500)),  # +42.9 % on March 2024
        ]
    }

    findings = _check(_month(), history)

    assert _codes(findings) == [("food_waste_separated_t", "warning", "jump_last_year")]
    assert findings[0].message == (
        "厨余垃圾分出量（5,000 t）与上年同期（3,500 t）相比变化+42.9%，超过30%，请说明原因。"
    )


def test_a_yearly_indicator_is_compared_once():
    values = {"incineration_capacity_tpd": D(2000)}
    history = {"incineration_capacity_tpd": [(dt.date(2024, 12, 31), D(1000))]}

    findings = checks.check_values(
        values,
        SPECS,
        history,
        period_end=dt.date(2025, 12, 31),
        jump_threshold=THRESHOLD,
        outlier_std_devs=K,
    )

    assert _codes(findings) == [("incineration_capacity_tpd", "warning", "jump_previous")]


def test_jumps_find_their_periods_in_any_order_and_on_any_day():
    # Observations are matched by the period they fall in, not by their exact date or place.
    history = {
        "food_waste_separated_t": [
            (dt.date(2024, 3, 15), D(3500)),  # March 2024: +42.9 %
            (dt.date(2025, 2, 10), D(3800)),  # February: +31.6 %
            (dt.date(2025, 1, 31), D(5000)),
        ]
    }

    findings = _check(_month(), history)

    assert _codes(findings) == [
        ("food_waste_separated_t", "warning", "jump_previous"),
        ("food_waste_separated_t", "warning", "jump_last_year"),
    ]
    assert "与上期（3,800 t）相比变化+31.6%" in findings[0].message
    assert "与上年同期（3,500 t）相比变化+42.9%" in findings[1].message


def test_a_quarterly_indicator_is_compared_with_quarters():
    spec = _spec("q_t", "某季度吨数", period_type="quarter", **TONNES)
    history = {
        "q_t": [
            (dt.date(2024, 3, 31), D(50)),
            (dt.date(2024, 6, 30), D(100)),  # 2024Q2: +40 %
            (dt.date(2024, 9, 30), D(50)),
            (dt.date(2024, 12, 31), D(50)),
            (dt.date(2025, 3, 31), D(120)),  # 2025Q1: +16.7 %, fine
        ]
    }

    findings = checks.check_values(
        {"q_t": D(140)},
        {"q_t": spec},
        history,
        period_end=dt.date(2025, 6, 30),
        jump_threshold=THRESHOLD,
        outlier_std_devs=K,
    )

    assert _codes(findings) == [("q_t", "warning", "jump_last_year")]
    assert "与上年同期（100 t）相比变化+40%" in findings[0].message


# ---------------------------------------------------------------- outliers

# Mean 100, population variance (0+4+4+1+1+0) ÷ 6 = 1.6667, sd 1.2910:
# with k = 2 the range is 97.418 … 102.582 (the sample sd 1.4142 would give 97.17 … 102.83).
STEADY = [100, 102, 98, 101, 99, 100]


def _outlier_check(value, earlier, **kw):
    spec = _spec("x_t", "某吨数", **TONNES)
    return checks.check_values(
        {"x_t": D(value)},
        {"x_t": spec},
        {"x_t": earlier},
        period_end=MARCH_END,
        jump_threshold=D(100),  # jumps out of the way
        outlier_std_devs=kw.get("k", K),
    )


def test_outlier_outside_mean_plus_k_population_sd():
    findings = _outlier_check("102.7", _months_before(MARCH_END, STEADY))

    assert _codes(findings) == [("x_t", "warning", "outlier")]
    assert findings[0].message == (
        "某吨数（102.7 t）超出以往6期数据的正常范围（97.42～102.58，均值±2倍标准差），请说明原因。"
    )


def test_outlier_below_the_range_and_inside_it():
    assert _codes(_outlier_check("97.3", _months_before(MARCH_END, STEADY))) == [
        ("x_t", "warning", "outlier")
    ]
    assert _outlier_check("102.5", _months_before(MARCH_END, STEADY)) == []
    # k = 3: 100 ± 3.873 takes 102.7 in.
    assert _outlier_check("102.7", _months_before(MARCH_END, STEADY), k=D(3)) == []


def test_outlier_needs_six_earlier_values():
    assert _outlier_check(500, _months_before(MARCH_END, STEADY[:5])) == []


def test_outlier_ignores_later_values_and_this_period():
    later = [(dt.date(2025, 4, 30), D(100)), (dt.date(2025, 5, 31), D(100))]
    this_period = [(MARCH_END, D(100))]
    earlier = _months_before(MARCH_END, STEADY[:5]) + later + this_period

    assert _outlier_check(500, earlier) == []


# Mean 15 and population sd 5 exactly: with k = 2 the range is 5 … 25, limits included.
EVEN = [10, 20, 10, 20, 10, 20]


@pytest.mark.parametrize(
    ("value", "outlier"),
    [("25", False), ("5", False), ("24.9999", False), ("25.0001", True), ("4.9999", True)],
)
def test_outlier_limits_belong_to_the_range(value, outlier):
    findings = _outlier_check(value, _months_before(MARCH_END, EVEN))

    assert bool(findings) is outlier
    if outlier:
        assert "（5～25，均值±2倍标准差）" in findings[0].message


def test_a_constant_history_takes_only_its_own_value():
    constant = _months_before(MARCH_END, [1000] * 8)

    assert _outlier_check(1000, constant) == []
    assert _codes(_outlier_check("1000.5", constant)) == [("x_t", "warning", "outlier")]


def test_outliers_agree_with_exact_arithmetic_near_the_limits():
    # checks settles clear cases with a quick float estimate; near the limits it must decide as
    # exact arithmetic does: outlier ⇔ (value − mean)² > k²·variance.
    rng = random.Random(6)
    for _case in range(300):
        level = rng.choice([D(5), D(1000), D(30000), D(10) ** 7])
        spread = level * rng.choice([D("0.1"), D("0.001"), D("0.000001")])
        past = [
            (level + spread * D(rng.randrange(-10000, 10001)) / 10000).quantize(D("0.0001"))
            for _ in range(rng.randrange(6, 25))
        ]
        k = rng.choice([D(1), D(2), D("2.5"), D(3)])
        mean = sum(map(Fraction, past)) / len(past)
        variance = sum((Fraction(v) - mean) ** 2 for v in past) / len(past)
        # A value just inside or just outside mean ± k·sd (floats are fine to aim with).
        sd = float(variance) ** 0.5
        aim = float(mean) + rng.choice([-1, 1]) * float(k) * sd * rng.uniform(0.999, 1.001)
        value = D(aim).quantize(D("0.0001"))
        exact = (Fraction(value) - mean) ** 2 - Fraction(k) ** 2 * variance
        if exact == 0:
            continue

        findings = _outlier_check(value, _months_before(MARCH_END, past), k=k)

        assert bool(findings) is (exact > 0), (past, value, k)


# ---------------------------------------------------------------- shape


def test_errors_come_before_warnings():
    findings = _check(_month(recovery_utilised_t=3000, communities_sorting=1050))

    assert [f.level for f in findings] == ["error", "warning"]


def test_every_value_in_params_is_a_string():
    findings = _check(
        _month(residual_waste_t=20595, awareness_rate=105),
        {"recyclables_recovered_t": [(dt.date(2025, 2, 28), D(1000))]},
    )

    assert findings
    assert all(isinstance(v, str) for f in findings for v in f.params.values())


def test_a_value_with_an_error_gets_no_warnings():
    history = {"hazardous_collected_t": [(dt.date(2025, 2, 28), D(5))]}

    # −5 against 5 is a −200 % jump as well, but the value must change anyway.
    findings = _check(_month(hazardous_collected_t=-5), history)

    assert _codes(findings) == [("hazardous_collected_t", "error", "range")]


def test_a_short_stream_does_not_hide_a_jump_on_the_total():
    # Found by the services helper: streams_short is a warning, not an error.
    history = {"msw_generated_t": [(dt.date(2025, 2, 28), D(30000))]}

    # The four streams (29,505) fall 50.8 % short of 60,000, and the total doubled.
    findings = _check(_month(msw_generated_t=60000), history)

    assert ("msw_generated_t", "warning", "streams_short") in _codes(findings)
    assert ("msw_generated_t", "warning", "jump_previous") in _codes(findings)
    assert all(f.level == "warning" for f in findings)


def test_a_rate_moving_with_its_component_is_explained_once():
    history = {
        "msw_generated_t": [(dt.date(2025, 2, 28), D(30000))],
        "recovery_rate": [(dt.date(2025, 2, 28), D(35))],
    }

    # Generation +50 %: the rate falls 35 % → 23.3 % (−33.3 %), because of it.
    findings = _check(_month(msw_generated_t=45000), history)

    assert ("msw_generated_t", "warning", "jump_previous") in _codes(findings)
    assert not [f for f in findings if f.params.get("indicator") == "recovery_rate"]


def test_a_rate_jumping_while_its_components_do_not_is_warned_on_the_numerator():
    history = {
        "msw_generated_t": [(dt.date(2025, 2, 28), D(25000))],  # +20 %
        "recovery_utilised_t": [(dt.date(2025, 2, 28), D(12500))],  # −16 %
        "recovery_rate": [(dt.date(2025, 2, 28), D(50))],  # 50 % → 35 %: −30.0 %
    }

    findings = _check(_month(), history, threshold=D("0.25"))

    assert _codes(findings) == [("recovery_utilised_t", "warning", "jump_previous")]
    assert findings[0].params["indicator"] == "recovery_rate"
    assert "生活垃圾回收利用率（35%）与上期（50%）相比变化-30%" in findings[0].message
