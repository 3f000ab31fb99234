"""calc: computed indicators, quarters and years, period codes and units, worked by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from twinning.core.errors import Invalid
from twinning.indicators import calc
from twinning.indicators.spec import IndicatorSpec

D = Decimal


def _reported(code: str, aggregation: str = "sum", unit: str = "t") -> IndicatorSpec:
    return IndicatorSpec(code=code, name=code, unit=unit, aggregation=aggregation)


def _computed(code: str, numerator: tuple[str, ...], denominator: tuple[str, ...]) -> IndicatorSpec:
    return IndicatorSpec(
        code=code,
        name=code,
        unit="%",
        kind="computed",
        aggregation="ratio",
        numerator=numerator,
        denominator=denominator,
    )


SPECS = {
    spec.code: spec
    for spec in [
        _reported("msw_generated_t"),
        _reported("recovery_utilised_t"),
        _reported("food_waste_separated_t"),
        _reported("residual_waste_t"),
        _reported("communities_total", "last", "个"),
        _reported("communities_sorting", "last", "个"),
        _computed("recovery_rate", ("recovery_utilised_t",), ("msw_generated_t",)),
        _computed(
            "food_waste_separation_rate",
            ("food_waste_separated_t",),
            ("food_waste_separated_t", "residual_waste_t"),
        ),
        _computed("community_coverage_rate", ("communities_sorting",), ("communities_total",)),
    ]
}


# ---------------------------------------------------------------- compute


def test_compute_ratio_with_a_multi_code_denominator():
    values = {"food_waste_separated_t": D(5000), "residual_waste_t": D(18500)}

    computed = calc.compute(values, SPECS)

    # 100 × 5000 ÷ (5000 + 18500) = 21.276595… → 21.2766
    assert computed == {"food_waste_separation_rate": D("21.2766")}


def test_compute_gives_every_computable_rate_and_no_reported_value():
    values = {
        "msw_generated_t": D(30000),
        "recovery_utilised_t": D(10500),
        "communities_total": D(1000),
        "communities_sorting": D(880),
    }

    computed = calc.compute(values, SPECS)

    # 10500 ÷ 30000 = 35 %; 880 ÷ 1000 = 88 %; the food rate lacks both components.
    assert computed == {"recovery_rate": D("35.0000"), "community_coverage_rate": D("88.0000")}


def test_compute_rounds_half_up_to_four_places():
    values = {"msw_generated_t": D(3), "recovery_utilised_t": D(2)}

    # 100 × 2 ÷ 3 = 66.66666… → 66.6667
    assert calc.compute(values, SPECS)["recovery_rate"] == D("66.6667")


def test_missing_component_leaves_the_rate_absent_rather_than_zero():
    # Residual waste not reported yet: taking it as 0 would show a 100 % separation rate.
    values = {"food_waste_separated_t": D(5000)}

    assert calc.compute(values, SPECS) == {}


@pytest.mark.parametrize(
    "values",
    [
        {"msw_generated_t": D(0), "recovery_utilised_t": D(0)},
        {"food_waste_separated_t": D(0), "residual_waste_t": D(0)},
        {"msw_generated_t": D(-1), "recovery_utilised_t": D(5)},
    ],
)
def test_zero_or_negative_denominator_leaves_the_rate_absent(values):
    assert calc.compute(values, SPECS) == {}


def test_compute_uses_the_factor():
    per_thousand = IndicatorSpec(
        code="per_thousand",
        name="千分比",
        unit="‰",
        kind="computed",
        numerator=("a",),
        denominator=("b",),
        factor=D(1000),
    )

    assert calc.compute({"a": D(3), "b": D(4)}, {"per_thousand": per_thousand}) == {
        "per_thousand": D("750.0000")
    }


# ---------------------------------------------------------------- aggregate

QUARTER_MONTHS = {
    "2025-01": {
        "msw_generated_t": D(100),
        "recovery_utilised_t": D(30),
        "communities_total": D(1000),
        "communities_sorting": D(800),
    },
    "2025-02": {
        "msw_generated_t": D(200),
        "recovery_utilised_t": D(40),
        "communities_total": D(1000),
        "communities_sorting": D(850),
    },
    "2025-03": {
        "msw_generated_t": D(100),
        "recovery_utilised_t": D(50),
        "communities_total": D(1010),
        "communities_sorting": D(900),
    },
}


def _with_rates(months):
    return {month: {**values, **calc.compute(values, SPECS)} for month, values in months.items()}


def test_quarter_sums_tonnages_and_takes_the_latest_count():
    quarter = calc.aggregate(_with_rates(QUARTER_MONTHS), SPECS, "quarter")

    assert set(quarter) == {"2025Q1"}
    values = quarter["2025Q1"]
    assert values["msw_generated_t"] == D(400)  # 100 + 200 + 100
    assert values["recovery_utilised_t"] == D(120)  # 30 + 40 + 50
    assert values["communities_total"] == D(1010)  # March, the latest month
    assert values["communities_sorting"] == D(900)


def test_quarter_rate_is_recomputed_from_summed_components_not_averaged():
    months = _with_rates(QUARTER_MONTHS)
    # Monthly rates 30 %, 20 %, 50 %: their mean is 33.3333 %.
    monthly_rates = [months[m]["recovery_rate"] for m in sorted(months)]
    assert monthly_rates == [D("30.0000"), D("20.0000"), D("50.0000")]
    mean_of_rates = sum(monthly_rates) / 3

    quarter = calc.aggregate(months, SPECS, "quarter")["2025Q1"]

    # 120 ÷ 400 = 30 %: the heavy February counts double, as the tonnes say.
    assert quarter["recovery_rate"] == D("30.0000")
    assert quarter["recovery_rate"] != mean_of_rates.quantize(calc.FOUR_PLACES)
    # Coverage from the latest counts: 900 ÷ 1010 = 89.1089 %, not the mean 84.7030 %.
    assert quarter["community_coverage_rate"] == D("89.1089")


def test_year_groups_months_by_calendar_year():
    months = {
        "2024-12": {"msw_generated_t": D(10), "recovery_utilised_t": D(1)},
        "2025-01": {"msw_generated_t": D(20), "recovery_utilised_t": D(5)},
        "2025-07": {"msw_generated_t": D(30), "recovery_utilised_t": D(10)},
    }

    years = calc.aggregate(months, SPECS, "year")

    assert years == {
        "2024": {
            "msw_generated_t": D(10),
            "recovery_utilised_t": D(1),
            "recovery_rate": D("10.0000"),
        },
        # 15 ÷ 50 = 30 %
        "2025": {
            "msw_generated_t": D(50),
            "recovery_utilised_t": D(15),
            "recovery_rate": D("30.0000"),
        },
    }


def test_quarters_split_at_their_boundaries():
    months = {
        "2025-03": {"msw_generated_t": D(1)},
        "2025-04": {"msw_generated_t": D(2)},
        "2025-06": {"msw_generated_t": D(4)},
    }

    assert calc.aggregate(months, SPECS, "quarter") == {
        "2025Q1": {"msw_generated_t": D(1)},
        "2025Q2": {"msw_generated_t": D(6)},
    }


def test_last_takes_the_latest_month_in_which_the_count_is_present():
    months = {
        "2025-01": {"communities_sorting": D(800), "communities_total": D(1000)},
        "2025-02": {"communities_sorting": D(850), "communities_total": D(1000)},
        "2025-03": {"communities_total": D(1010)},  # sorting not reported for March
    }

    quarter = calc.aggregate(months, SPECS, "quarter")["2025Q1"]

    assert quarter["communities_sorting"] == D(850)
    assert quarter["communities_total"] == D(1010)
    # The rate pairs counts of the same month (February): 850 ÷ 1000, not 850 ÷ 1010.
    assert quarter["community_coverage_rate"] == D("85.0000")


def test_quarter_rate_leaves_out_months_missing_a_component():
    months = {
        "2025-01": {"msw_generated_t": D(100), "recovery_utilised_t": D(30)},
        "2025-02": {"recovery_utilised_t": D(40)},  # generation missing
        "2025-03": {"msw_generated_t": D(100), "recovery_utilised_t": D(50)},
    }

    quarter = calc.aggregate(months, SPECS, "quarter")["2025Q1"]

    assert quarter["recovery_utilised_t"] == D(120)
    assert quarter["msw_generated_t"] == D(200)
    # (30 + 50) ÷ (100 + 100) = 40 %; 120 ÷ 200 = 60 % would count February's tonnes once only.
    assert quarter["recovery_rate"] == D("40.0000")


def test_a_rate_without_components_is_never_averaged():
    survey = IndicatorSpec(code="awareness_rate", name="知晓率", unit="%", aggregation="ratio")
    months = {"2025-01": {"awareness_rate": D(80)}, "2025-02": {"awareness_rate": D(90)}}

    assert calc.aggregate(months, {"awareness_rate": survey}, "quarter") == {}


def test_aggregate_refuses_an_unknown_period_type_and_a_bad_month():
    with pytest.raises(Invalid):
        calc.aggregate(QUARTER_MONTHS, SPECS, "week")
    with pytest.raises(Invalid):
        calc.aggregate({"2025Q1": {"msw_generated_t": D(1)}}, SPECS, "year")


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("date", "period_type", "code"),
    [
        (dt.date(2025, 3, 15), "month", "2025-03"),
        (dt.date(2025, 3, 15), "quarter", "2025Q1"),
        (dt.date(2025, 3, 15), "year", "2025"),
        (dt.date(2025, 4, 1), "quarter", "2025Q2"),
        (dt.date(2025, 12, 31), "quarter", "2025Q4"),
        (dt.date(2025, 1, 1), "month", "2025-01"),
    ],
)
def test_period_code_of(date, period_type, code):
    assert calc.period_code_of(date, period_type) == code


@pytest.mark.parametrize(
    ("code", "bounds"),
    [
        ("2025-03", ("month", dt.date(2025, 3, 1), dt.date(2025, 3, 31))),
        ("2025-02", ("month", dt.date(2025, 2, 1), dt.date(2025, 2, 28))),
        ("2024-02", ("month", dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("2025Q1", ("quarter", dt.date(2025, 1, 1), dt.date(2025, 3, 31))),
        ("2025Q4", ("quarter", dt.date(2025, 10, 1), dt.date(2025, 12, 31))),
        ("2025", ("year", dt.date(2025, 1, 1), dt.date(2025, 12, 31))),
    ],
)
def test_period_bounds(code, bounds):
    assert calc.period_bounds(code) == bounds


@pytest.mark.parametrize(
    "code", ["2025-13", "2025-00", "2025-3", "2025Q5", "2025Q0", "2025q1", "25", "", "2025-03-01"]
)
def test_malformed_period_code_is_invalid(code):
    with pytest.raises(Invalid) as raised:
        calc.period_bounds(code)

    assert raised.value.code == "period"
    assert "2025-03、2025Q1 或 2025" in raised.value.message


def test_periods_between_is_inclusive_and_crosses_years():
    assert calc.periods_between("2024-11", "2025-02") == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    assert calc.periods_between("2024Q4", "2025Q2") == ["2024Q4", "2025Q1", "2025Q2"]
    assert calc.periods_between("2023", "2025") == ["2023", "2024", "2025"]
    assert calc.periods_between("2025-03", "2025-03") == ["2025-03"]


def test_periods_between_refuses_mixed_types_and_a_reversed_range():
    with pytest.raises(Invalid) as mixed:
        calc.periods_between("2025-01", "2025Q2")
    with pytest.raises(Invalid) as reversed_range:
        calc.periods_between("2025-03", "2025-01")

    assert "周期类型不同" in mixed.value.message
    assert "晚于" in reversed_range.value.message


def test_previous_and_same_period_last_year():
    assert calc.previous_period("2025-01") == "2024-12"
    assert calc.previous_period("2025Q1") == "2024Q4"
    assert calc.previous_period("2025") == "2024"
    assert calc.same_period_last_year("2025-03") == "2024-03"
    assert calc.same_period_last_year("2025Q2") == "2024Q2"


# ---------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "expected"),
    [
        (D("1.5"), "万吨", "t", D(15000)),
        (D("1.2345"), "万吨", "吨", D(12345)),
        (D(12345), "t", "万吨", D("1.2345")),
        (D(7), "吨", "t", D(7)),
        (D(2), "千吨", "t", D(2000)),
        (D(35), "％", "%", D(35)),
        # 10000 ÷ 365 = 27.39726… t/d (DOMAIN.md §4 rule 6: 1 万吨/年 ≈ 27.4 t/d)
        (D(1), "万吨/年", "t/d", D("27.3973")),
    ],
)
def test_convert(value, from_unit, to_unit, expected):
    assert calc.convert(value, from_unit, to_unit) == expected


def test_convert_keeps_a_value_in_its_own_unit_even_if_unlisted():
    assert calc.convert(D("1.06"), "kg/人·日", "kg/人·日") == D("1.06")


@pytest.mark.parametrize(("from_unit", "to_unit"), [("%", "t"), ("t", "t/d"), ("斤", "t")])
def test_convert_refuses_units_that_do_not_convert(from_unit, to_unit):
    with pytest.raises(Invalid) as raised:
        calc.convert(D(1), from_unit, to_unit)

    assert raised.value.code == "unit"
    assert raised.value.message == f"单位“{from_unit}”不能换算为“{to_unit}”。"


# ---------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("30000.0000"), "30,000"),
        (D("1234567.5"), "1,234,567.5"),
        (D("1234.5678"), "1,234.57"),
        (D("-5"), "-5"),
        (D("-0.001"), "0"),
        (D("0.125"), "0.13"),
        (33.333333, "33.33"),
    ],
)
def test_format_number(value, text):
    assert calc.format_number(value) == text


def test_with_unit_spaces_latin_units_only():
    assert calc.with_unit("35", "%") == "35%"
    assert calc.with_unit("1,050", "t") == "1,050 t"
    assert calc.with_unit("880", "个") == "880个"


def test_codes_without_a_spec_are_left_out_rather_than_summed():
    months = {
        "2025-01": {"msw_generated_t": D(10), "some_rate": D(40)},
        "2025-02": {"msw_generated_t": D(20), "some_rate": D(50)},
    }

    assert calc.aggregate(months, SPECS, "quarter") == {"2025Q1": {"msw_generated_t": D(30)}}
