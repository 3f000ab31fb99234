"""Demo content for the health signal (local trials only; what is created is marked 演示数据).

The programme's records are from 2021, so judged today every pair lags. To show the signal
working, the pairs the demo accounts can act for — 天津—河南 and its sub-pairs 和平区—信阳市 and
南开区—许昌市 — catch up through the ordinary services: their overdue tasks are marked done by
the sides that own them, each records a symposium held last month (titles end with 演示数据),
and the quarterly indicator reports their regions never sent (the indicator demo generates
monthly and yearly series only) are filled in and submitted — today, so the health signal
rightly calls them late. The other pairs are left as the records leave them. Then every pair is
recomputed. Safe to run twice: exchanges are created once, tasks already done and reports
already there are left alone.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.health.services import recompute
from twinning.pairings.models import Pairing
from twinning.plans.models import Task

DEMO_EXCHANGE_TITLE = "天津—河南生活垃圾分类工作座谈会（演示数据）"
DEMO_NOTE = "演示数据"
TIANJIN_HENAN = ("120000", "410000")
# (leading, partner, exchange title, place, who records it): pairs the demo accounts act for.
CATCHING_UP = (
    (*TIANJIN_HENAN, DEMO_EXCHANGE_TITLE, "郑州市", "demo-tianjin"),
    ("120101", "411500", "和平区—信阳市垃圾分类现场交流会（演示数据）", "信阳市", "demo-tianjin"),
    ("120104", "411000", "南开区—许昌市垃圾分类工作座谈会（演示数据）", "许昌市", "demo-xuchang"),
)
TRACKERS = ("demo-tianjin", "demo-henan", "demo-xuchang")
# The pair whose demo reports are played as sent on time, so that one pair shows green.
ON_TIME_PAIR = ("120101", "411500")
# Quarterly survey figures (%), by side: the leading regions ahead of their partners.
QUARTERLY_RATES = {
    "leading": {
        "resource_utilisation_rate": (55.0, 70.0),
        "residual_reduction_rate": (4.0, 8.0),
        "awareness_rate": (92.0, 98.0),
        "participation_rate": (85.0, 95.0),
        "compliant_community_rate": (85.0, 95.0),
    },
    "partner": {
        "resource_utilisation_rate": (40.0, 55.0),
        "residual_reduction_rate": (2.0, 5.0),
        "awareness_rate": (82.0, 92.0),
        "participation_rate": (65.0, 82.0),
        "compliant_community_rate": (60.0, 80.0),
    },
}


@dataclass
class HealthDemoResult:
    tasks_done: int = 0
    exchanges_created: int = 0
    reports_submitted: int = 0
    pairs_caught_up: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def load_health_demo(today: dt.date | None = None) -> HealthDemoResult:
    """Bring the demo accounts' pairs up to date (if the accounts exist), then recompute all."""
    result = HealthDemoResult()
    today = today or timezone.localdate()
    people = [u for u in (_user(name) for name in TRACKERS) if u is not None]
    ministry = _user("demo-ministry")
    if len(people) == len(TRACKERS) and ministry is not None:
        for leading, partner, title, place, recorder in CATCHING_UP:
            pairing = Pairing.objects.filter(
                leading_region_id=leading, partner_region_id=partner
            ).first()
            actor = _user(recorder)
            if pairing is None or actor is None:
                continue
            result.pairs_caught_up += 1
            result.tasks_done += _finish_overdue_tasks(pairing, people, today)
            result.exchanges_created += _hold_exchange(pairing, actor, title, place, today)
            result.reports_submitted += _send_quarterly_reports(pairing, people, today)
            if leading == ON_TIME_PAIR[0] and partner == ON_TIME_PAIR[1]:
                _play_reports_as_sent_on_time(pairing)
    for health in recompute(today=today):
        setattr(result, health.level, getattr(result, health.level) + 1)
    return result


def _finish_overdue_tasks(pairing: Pairing, people: list[User], today: dt.date) -> int:
    """Each overdue task of the working plan marked done by whichever side may track it."""
    from twinning.plans import tasks as task_services
    from twinning.plans.queries import working_plan_of

    plan = working_plan_of(pairing.pk)
    if plan is None:
        return 0
    done = 0
    overdue = Task.objects.filter(plan=plan, archived_at__isnull=True).overdue(today)
    for task in overdue.order_by("number"):
        for person in people:
            try:
                with transaction.atomic():
                    task_services.set_status(
                        actor=person,
                        task_id=task.pk,
                        status=Task.Status.DONE,
                        note="演示数据：已按期完成",
                    )
            except DomainError:
                continue  # not this side's task (or evidence is still missing): try the other
            done += 1
            break
    return done


def _hold_exchange(pairing: Pairing, actor: User, title: str, place: str, today: dt.date) -> int:
    from twinning.exchanges import services as exchange_services
    from twinning.exchanges.models import Direction, Exchange
    from twinning.plans.models import Method

    if Exchange.objects.filter(pairing=pairing, title=title).exists():
        return 0
    day = today - dt.timedelta(days=30)
    with transaction.atomic():
        exchange = exchange_services.create_exchange(
            actor=actor,
            pairing_id=pairing.pk,
            values={
                "kind": Method.SYMPOSIUM,
                "direction": Direction.LEADING_TO_PARTNER,
                "title": title,
                "start_date": day,
                "end_date": day,
                "place": place,
                "participant_count": 24,
                "status": Exchange.Status.HELD,
                "summary": "演示数据：双方交流了撤桶并点和厨余垃圾收运的做法。",
                "source": DEMO_NOTE,
            },
        )
    return 1 if exchange.pk else 0


def _send_quarterly_reports(pairing: Pairing, people: list[User], today: dt.date) -> int:
    """The missing quarterly reports of both sides (the periods the health rules look at),
    filled in and submitted by a coordinator covering the region."""
    from twinning.health import thresholds
    from twinning.health.engine import recent_periods, started_on
    from twinning.indicators.models import PeriodType, Report

    count = thresholds.current().report_periods
    quarters = [p for p in recent_periods(today, count) if p.type == PeriodType.QUARTER]
    sent = 0
    for region_code, side in (
        (pairing.leading_region_id, "leading"),
        (pairing.partner_region_id, "partner"),
    ):
        have = set(
            Report.objects.filter(
                region_id=region_code, period__code__in=[p.code for p in quarters]
            ).values_list("period__code", flat=True)
        )
        for period in quarters:
            if period.code in have or period.end < started_on(pairing):
                continue
            sent += _send_quarter(region_code, side, period.code, people)
    return sent


def _quarter_entries(region_code: str, side: str, period_code: str) -> list[Any]:
    """Plausible survey figures for one region and quarter (deterministic; 演示数据)."""
    from twinning.indicators.models import Value
    from twinning.indicators.services import Entry

    rng = random.Random(f"{region_code}/{period_code}/health-demo")  # noqa: S311 - demo data
    # Drop-off points scale with the region's communities (its latest monthly figure).
    communities = (
        Value.objects.filter(report__region_id=region_code, indicator__code="communities_total")
        .order_by("-report__period__end")
        .values_list("value", flat=True)
        .first()
    ) or Decimal(500)
    points = int(communities * Decimal(str(rng.uniform(1.2, 1.8))))
    upgraded = int(points * rng.uniform(0.55, 0.85))
    values = {"dropoff_points_total": Decimal(points), "dropoff_points_upgraded": Decimal(upgraded)}
    for code, (low, high) in QUARTERLY_RATES[side].items():
        values[code] = Decimal(str(round(rng.uniform(low, high), 1)))
    return [
        Entry(region_code, period_code, code, value, comment=DEMO_NOTE)
        for code, value in values.items()
    ]


def _play_reports_as_sent_on_time(pairing: Pairing) -> None:
    """Date the pair's quarterly reports sent today by the demo two days before their deadline.

    A direct update: no service back-dates a submission (rightly). These quarterly reports exist
    only because this demo wrote them (their values' comments say 演示数据)."""
    from twinning.indicators.models import Period, PeriodType, Report

    for period in Period.objects.filter(
        type=PeriodType.QUARTER, reports__region_id__in=pairing_regions(pairing)
    ).distinct():
        sent_on = period.deadline - dt.timedelta(days=2)
        Report.objects.filter(
            period=period,
            region_id__in=pairing_regions(pairing),
            submitted_at__date__gt=period.deadline,
        ).update(submitted_at=timezone.make_aware(dt.datetime.combine(sent_on, dt.time(10))))


def pairing_regions(pairing: Pairing) -> tuple[str, str]:
    return (pairing.leading_region_id, pairing.partner_region_id)


def _send_quarter(region_code: str, side: str, period_code: str, people: list[User]) -> int:
    from twinning.indicators import services as indicator_services
    from twinning.indicators.models import Report

    entries = _quarter_entries(region_code, side, period_code)
    for person in people:
        try:
            with transaction.atomic():
                indicator_services.write_values(actor=person, entries=entries)
                report = Report.objects.get(region_id=region_code, period__code=period_code)
                indicator_services.submit(actor=person, report=report)
        except DomainError:
            continue  # this person does not cover the region: try the next
        return 1
    return 0
