"""Fixtures for the indicators app: a small catalogue, periods and reports.

`catalogue` creates the core monthly indicators the rules and the browser flow need, the same
codes the starting catalogue uses, so tests do not depend on the full programme data.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from twinning.indicators.models import Indicator

D = Decimal

# code, name, unit, kind, aggregation, numerator, denominator, hard range, soft band, required
CORE: list[tuple[Any, ...]] = [
    (
        "msw_generated_t",
        "生活垃圾产生量",
        "t",
        "reported",
        "sum",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "msw_collected_t",
        "生活垃圾清运量",
        "t",
        "reported",
        "sum",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "recyclables_recovered_t",
        "可回收物回收量",
        "t",
        "reported",
        "sum",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "hazardous_collected_t",
        "有害垃圾分出量",
        "t",
        "reported",
        "sum",
        [],
        [],
        (D(0), None),
        (None, None),
        False,
    ),
    (
        "food_waste_separated_t",
        "厨余垃圾分出量",
        "t",
        "reported",
        "sum",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "residual_waste_t",
        "其他垃圾清运量",
        "t",
        "reported",
        "sum",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "recovery_utilised_t",
        "生活垃圾回收利用量",
        "t",
        "reported",
        "sum",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "communities_total",
        "居民小区总数",
        "个",
        "reported",
        "last",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "communities_sorting",
        "开展分类收运的居民小区数",
        "个",
        "reported",
        "last",
        [],
        [],
        (D(0), None),
        (None, None),
        True,
    ),
    (
        "recovery_rate",
        "生活垃圾回收利用率",
        "%",
        "computed",
        "ratio",
        ["recovery_utilised_t"],
        ["msw_generated_t"],
        (D(0), D(100)),
        (D(15), D(60)),
        False,
    ),
    (
        "community_coverage_rate",
        "居民小区生活垃圾分类覆盖率",
        "%",
        "computed",
        "ratio",
        ["communities_sorting"],
        ["communities_total"],
        (D(0), D(100)),
        (None, None),
        False,
    ),
    (
        "food_waste_separation_rate",
        "厨余垃圾分出率",
        "%",
        "computed",
        "ratio",
        ["food_waste_separated_t"],
        ["food_waste_separated_t", "residual_waste_t"],
        (D(0), D(100)),
        (D(5), D(45)),
        False,
    ),
]


def make_catalogue() -> dict[str, Indicator]:
    made: dict[str, Indicator] = {}
    for position, row in enumerate(CORE):
        code, name, unit, kind, aggregation, num, den, hard, soft, required = row
        made[code], _ = Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": code.replace("_", " "),
                "unit": unit,
                "kind": kind,
                "aggregation": aggregation,
                "numerator": num,
                "denominator": den,
                "hard_min": hard[0],
                "hard_max": hard[1],
                "soft_min": soft[0],
                "soft_max": soft[1],
                "required": required,
                "position": (position + 1) * 10,
            },
        )
    return made


@pytest.fixture
def catalogue(db: None) -> dict[str, Indicator]:
    """The core monthly indicators by code (created if the starting catalogue is not loaded)."""
    return make_catalogue()


@pytest.fixture
def month_values() -> Callable[..., dict[str, Decimal]]:
    """A consistent month of reported values, overridable by keyword."""

    def values(**overrides: Any) -> dict[str, Decimal]:
        base = {
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
        base.update({k: D(v) if v is not None else None for k, v in overrides.items()})
        return {k: v for k, v in base.items() if v is not None}

    return values
