"""`twinning indicator-status`: each target's progress in words, scoped to the user."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from twinning.accounts.models import User
from twinning.indicators.models import Indicator, Report, Target
from twinning.indicators.tests.reports_factory import make_report

pytestmark = pytest.mark.django_db

HENAN = "410000"


@pytest.fixture
def henan_target(catalogue: dict[str, Indicator], month_values: object) -> Target:
    for step, month in enumerate(
        ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    ):
        values = month_values(recovery_utilised_t=9000 + 100 * step)  # type: ignore[operator]
        make_report(HENAN, month, values, status=Report.Status.APPROVED)
    return Target.objects.create(
        region_id=HENAN,
        indicator=catalogue["recovery_rate"],
        baseline_value=Decimal(28),
        baseline_date=dt.date(2024, 12, 31),
        target_value=Decimal(40),
        due_date=dt.date(2099, 12, 31),
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("indicator_status", *args, stdout=out)
    return out.getvalue()


def test_prints_status_explanation_and_forecast(henan: User, henan_target: Target) -> None:
    text = run("--as", henan.username, "--region", HENAN)
    assert "410000 河南省 · 生活垃圾回收利用率 ≥ 40 %" in text
    assert "个百分点" in text  # the explanation in words
    assert "按目前趋势，2099-12-31预计为" in text
    assert text.strip().endswith("1 of 1 targets")


def test_at_risk_keeps_only_targets_needing_attention(henan: User, henan_target: Target) -> None:
    text = run("--as", henan.username, "--at-risk")
    # Rising 0.33 points a month from 30 %: on its way to 40 % by 2099, so not listed.
    assert "0 of 1 targets" in text


def test_an_outsider_cannot_name_a_region_it_may_not_see(
    jiangxi: User, henan_target: Target
) -> None:
    with pytest.raises(CommandError):
        run("--as", jiangxi.username, "--region", HENAN)


def test_an_outsider_sees_no_target_of_another_region(jiangxi: User, henan_target: Target) -> None:
    text = run("--as", jiangxi.username)
    assert "河南省" not in text


def test_english(henan: User, henan_target: Target) -> None:
    text = run("--as", henan.username, "--language", "en")
    assert "percentage points" in text


def test_unknown_user() -> None:
    with pytest.raises(CommandError, match="No active user"):
        run("--as", "nobody")


def test_at_risk_lists_a_target_the_forecast_says_will_be_missed(
    henan: User, henan_target: Target
) -> None:
    # +7.4 points a year where +12 are needed: moderate progress, but the trend reaches only
    # about 33.7 % by the end of 2025.
    Target.objects.filter(pk=henan_target.pk).update(due_date=dt.date(2025, 12, 31))
    text = run("--as", henan.username, "--at-risk")
    assert "进展一般" in text
    assert "即使按乐观估计也不能按期达标" in text
    assert "1 of 1 targets" in text
