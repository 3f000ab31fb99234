"""The demo: 天津—河南 catches up through the services, every pair is recomputed; twice is safe."""

import datetime as dt
from typing import Any

import pytest

from twinning.exchanges.models import Exchange
from twinning.health.demo import DEMO_EXCHANGE_TITLE, load_health_demo
from twinning.health.models import PairHealth
from twinning.indicators.models import Report
from twinning.pairings.demo import load_demo
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

TODAY = dt.date(2022, 1, 15)


def test_the_demo_brings_tianjin_henan_up_to_date_and_is_idempotent(
    programme: Any, tianjin_henan: Pairing
) -> None:
    load_demo()
    first = load_health_demo(today=TODAY)
    # 天津—河南, 和平区—信阳市 and 南开区—许昌市 catch up: tasks, a symposium each, and the
    # quarterly reports of both sides (3 quarters × 2 regions × 3 pairs) through the services.
    assert first.tasks_done > 0 and first.exchanges_created == first.pairs_caught_up == 3
    assert first.reports_submitted == 18
    assert Report.objects.filter(period__type="quarter", status="submitted").count() == 18
    assert first.red + first.amber + first.green == PairHealth.objects.count()
    health = PairHealth.objects.get(pairing=tianjin_henan)
    codes = {r["code"] for r in health.reasons}
    assert "overdue_tasks" not in codes and "silence" not in codes
    assert "late_reports" in codes  # the quarterly reports were sent today, after the deadline
    others = PairHealth.objects.exclude(pairing=tianjin_henan)
    assert others.filter(level="red").exists()

    again = load_health_demo(today=TODAY)
    assert (again.tasks_done, again.exchanges_created, again.reports_submitted) == (0, 0, 0)
    assert Exchange.objects.filter(title=DEMO_EXCHANGE_TITLE).count() == 1


def test_without_the_demo_accounts_it_only_recomputes(programme: Any) -> None:
    result = load_health_demo(today=TODAY)
    assert (result.tasks_done, result.exchanges_created) == (0, 0)
    assert result.red == PairHealth.objects.filter(level="red").count() > 0
