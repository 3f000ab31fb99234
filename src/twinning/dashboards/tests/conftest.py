"""Dashboard fixtures: the health computed, a notice followed to closure, a target met early and
a published evaluation round (the evaluation app's own fixtures, imported)."""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from twinning.accounts.models import User
from twinning.evaluation.tests.conftest import (  # noqa: F401 - fixtures
    draft_round,
    open_round,
    published_round,
    rubric,
    shanghai_jiangxi,
)
from twinning.health.services import recompute
from twinning.indicators import services as indicator_services
from twinning.indicators.models import Report, Target
from twinning.indicators.tests.reports_factory import make_report
from twinning.pairings.models import Pairing
from twinning.supervision.models import Notice
from twinning.supervision.tests import factories as notice_factories

# Inside the programme's plan period (2021-03 – 2025-12), so rectification tasks have a plan in
# force to join, and after the targets' reports below.
TODAY = dt.date(2024, 3, 1)
NOW = dt.datetime(2024, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def in_2024() -> Iterator[object]:
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def health(tianjin_henan: Pairing) -> None:
    """Every pair's health, computed as of today."""
    recompute()


@pytest.fixture
def early_target(supervisor: User, tianjin_henan: Pairing) -> Target:
    """河南's community coverage target of 90 % by the end of 2023, met in June 2023 (92 %)."""
    target = indicator_services.create_target(
        actor=supervisor,
        region="410000",
        indicator="community_coverage_rate",
        baseline_value=Decimal(80),
        baseline_date=dt.date(2022, 12, 31),
        target_value=Decimal(90),
        due_date=dt.date(2023, 12, 31),
    )
    make_report(
        "410000",
        "2023-06",
        {"communities_total": 1000, "communities_sorting": 920},
        status=Report.Status.SUBMITTED,
    )
    return target


@pytest.fixture
def late_target(supervisor: User, tianjin_henan: Pairing) -> Target:
    """河南's recycling target: nothing reported, so not met."""
    return indicator_services.create_target(
        actor=supervisor,
        region="410000",
        indicator="recovery_rate",
        baseline_value=Decimal(30),
        baseline_date=dt.date(2020, 12, 31),
        target_value=Decimal(35),
        due_date=dt.date(2025, 12, 31),
    )


@pytest.fixture
def closed_notice(supervisor: User, henan: User, tianjin_henan: Pairing) -> Notice:
    notice = notice_factories.issue(supervisor, tianjin_henan, title="关于加快推进整改的督办通知")
    return notice_factories.advance(notice, supervisor, henan, "closed")


@pytest.fixture
def open_notice(supervisor: User, tianjin_henan: Pairing) -> Notice:
    return notice_factories.issue(supervisor, tianjin_henan, title="关于补报指标的督办通知")
