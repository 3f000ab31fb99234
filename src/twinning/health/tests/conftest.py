"""Fixtures of the health tests: a clean slate, and the records that move a pair's health.

The session's starting data is loaded through the services, so the signals have already computed
a health for every pair as of the real today; each test here starts without any health rows
(deleted inside the test's transaction) and judges the records as of `TODAY`.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from twinning.consultations.models import Problem
from twinning.exchanges.models import Direction, Exchange
from twinning.health.models import HealthChange, PairHealth
from twinning.indicators.models import Indicator, Period, Report, Target, Value
from twinning.indicators.queries import calendar_period
from twinning.pairings.models import Pairing
from twinning.plans.models import Method, Plan, Task

# The pairs were made in 2021-02; their first plans' tasks fall due at the end of 2021.
TODAY = dt.date(2022, 1, 15)


@pytest.fixture(autouse=True)
def no_health(db: None) -> None:
    HealthChange.objects.all().delete()
    PairHealth.objects.all().delete()


@pytest.fixture
def quiet_reports(settings: Any) -> None:
    """Leave the reporting rules out (no period is looked at), for tests about other rules."""
    settings.TWINNING_HEALTH_REPORT_PERIODS = 0


def held_exchange(pairing: Pairing, day: dt.date, title: str = "测试交流活动") -> Exchange:
    return Exchange.objects.create(
        pairing=pairing,
        kind=Method.SYMPOSIUM,
        direction=Direction.JOINT,
        title=title,
        start_date=day,
        end_date=day,
        status=Exchange.Status.HELD,
    )


def working_plan(pairing: Pairing) -> Plan:
    plan = Plan.objects.filter(pairing=pairing, superseded_at__isnull=True).first()
    assert plan is not None
    return plan


def overdue_task_ids(pairing: Pairing, today: dt.date = TODAY) -> list[int]:
    tasks = Task.objects.filter(plan=working_plan(pairing), archived_at__isnull=True)
    return list(tasks.overdue(today).values_list("pk", flat=True))


def unanswered_problem(pairing: Pairing, due: dt.datetime, asked_by: Any) -> Problem:
    return Problem.objects.create(
        pairing=pairing,
        title="厨余垃圾含杂率高怎么办",
        description="测试难题",
        asked_by=asked_by,
        response_due=due,
    )


def report(region_code: str, period_code: str, submitted: dt.datetime | None) -> Report:
    calendar = calendar_period(period_code)
    period, _created = Period.objects.get_or_create(
        code=period_code,
        defaults={
            "type": calendar.type,
            "start": calendar.start,
            "end": calendar.end,
            "deadline": calendar.deadline,
        },
    )
    return Report.objects.create(
        region_id=region_code,
        period=period,
        status=Report.Status.SUBMITTED if submitted else Report.Status.DRAFT,
        submitted_at=submitted,
    )


def falling_target(region_code: str, code: str = "sorting_accuracy_rate") -> Target:
    """A target to rise from 30 to 40 by 2025 whose monthly series falls: off track."""
    indicator = Indicator.objects.get(code=code)
    assert indicator.period_type == "month"
    target = Target.objects.create(
        region_id=region_code,
        indicator=indicator,
        baseline_value=Decimal(30),
        baseline_date=dt.date(2020, 12, 31),
        target_value=Decimal(40),
        due_date=dt.date(2025, 12, 31),
    )
    for month in range(1, 10):
        the_report = report(region_code, f"2021-{month:02d}", submitted=None)
        Report.objects.filter(pk=the_report.pk).update(status=Report.Status.APPROVED)
        Value.objects.create(report=the_report, indicator=indicator, value=Decimal(30 - month))
    return target


MakeExchange = Callable[[Pairing, dt.date], Exchange]
