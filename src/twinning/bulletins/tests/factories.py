"""A first half of 2021 (2021H1) of records around 天津–河南 and 上海–江西, with records just
outside the period, planned, cancelled and archived ones, so that a bulletin counting the wrong
things shows it. Written straight through the ORM with explicit dates (the services stamp
"now"); the bulletins only read them."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from twinning.consultations.models import Answer, Problem
from twinning.exchanges.models import Delegate, Exchange
from twinning.indicators.models import Indicator, Period, Report, Target, Value
from twinning.indicators.services import ensure_period
from twinning.knowledge.models import CaseAdoption, ModelCase, Visibility
from twinning.pairings.models import Pairing
from twinning.plans.models import Plan
from twinning.supervision.models import Notice

TODAY = dt.date(2021, 8, 15)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@dataclass
class Seeded:
    exchanges: list[Exchange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    cases: list[ModelCase] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def exchange(pairing: Pairing, day: dt.date, **values: Any) -> Exchange:
    values.setdefault("kind", "invite_guidance")
    values.setdefault("direction", "leading_to_partner")
    values.setdefault("status", Exchange.Status.HELD)
    values.setdefault("title", f"{pairing}交流{day:%m%d}")
    return Exchange.objects.create(
        pairing=pairing, start_date=day, end_date=day + dt.timedelta(days=1), **values
    )


def problem(pairing: Pairing, asked: dt.date, **values: Any) -> Problem:
    values.setdefault("title", f"难题{asked:%m%d}")
    return Problem.objects.create(
        pairing=pairing,
        description="如何提高厨余垃圾分出率？",
        asked_at=at(asked),
        response_due=at(asked + dt.timedelta(days=7)),
        **values,
    )


def answer(item: Problem, day: dt.date, accepted: dt.date | None = None) -> Answer:
    item.first_answered_at = item.first_answered_at or at(day)
    if accepted:
        item.status = Problem.Status.RESOLVED
    else:
        item.status = Problem.Status.ANSWERED
    item.save()
    return Answer.objects.create(
        problem=item,
        body="建议撤桶并点、定时定点。",
        created_at=at(day),
        accepted_at=at(accepted) if accepted else None,
    )


def seed_exchanges(seeded: Seeded, th: Pairing, sj: Pairing) -> None:
    """天津–河南: 6 held in the period (3 kinds, 3 months), and others that must not count."""
    rows = [
        (th, dt.date(2021, 3, 10), {"kind": "invite_guidance", "participant_count": 30,
                                    "summary": "天津专家赴郑州指导撤桶并点。"}),
        (th, dt.date(2021, 3, 25), {"kind": "online_consultation", "participant_count": 12}),
        (th, dt.date(2021, 4, 8), {"kind": "send_to_learn", "participant_count": 8,
                                   "summary": "河南考察组赴天津学习分类收运体系。"}),
        (th, dt.date(2021, 5, 20), {"kind": "online_consultation", "participant_count": 15}),
        (th, dt.date(2021, 6, 30), {"kind": "invite_guidance", "participant_count": 20}),
        (th, dt.date(2021, 1, 5), {"kind": "training", "participant_count": 50,
                                   "summary": "全省业务培训。"}),
        (sj, dt.date(2021, 4, 15), {"kind": "field_research", "participant_count": 9}),
        # Not counted: before / after the period, planned, cancelled, archived.
        (th, dt.date(2020, 12, 30), {"participant_count": 99}),
        (th, dt.date(2021, 7, 1), {"participant_count": 99}),
        (th, dt.date(2021, 5, 5), {"status": Exchange.Status.PLANNED, "participant_count": 99}),
        (th, dt.date(2021, 5, 6), {"status": Exchange.Status.CANCELLED, "participant_count": 99}),
        (th, dt.date(2021, 5, 7), {"archived_at": at(dt.date(2021, 5, 8)),
                                   "participant_count": 99}),
    ]  # fmt: skip
    for pairing, day, values in rows:
        seeded.exchanges.append(exchange(pairing, day, **values))
    first = seeded.exchanges[0]
    Delegate.objects.bulk_create(
        [Delegate(exchange=first, name=f"代表{i}", side="leading") for i in range(3)]
    )


def seed_problems(seeded: Seeded, th: Pairing, sj: Pairing) -> None:
    a = problem(th, dt.date(2021, 2, 1))
    answer(a, dt.date(2021, 2, 3), accepted=dt.date(2021, 2, 10))
    b = problem(th, dt.date(2021, 5, 1))
    answer(b, dt.date(2021, 5, 2))
    c = problem(th, dt.date(2021, 6, 28))
    # Asked before the period, solved within it.
    d = problem(th, dt.date(2020, 12, 20))
    answer(d, dt.date(2020, 12, 22), accepted=dt.date(2021, 1, 15))
    e = problem(sj, dt.date(2021, 3, 3))
    # Asked in the period but archived: not counted.
    f = problem(th, dt.date(2021, 3, 4), archived_at=at(dt.date(2021, 3, 5)))
    seeded.problems += [a, b, c, d, e, f]


def seed_plans(th: Pairing) -> Plan:
    plan = Plan.objects.filter(pairing=th, archived_at__isnull=True).first()
    assert plan is not None, "the programme's plans are loaded by the root conftest"
    plan.filed_at = at(dt.date(2021, 4, 1))
    plan.in_force_at = at(dt.date(2021, 4, 2))
    plan.save(update_fields=["filed_at", "in_force_at"])
    return plan


def seed_reports(seeded: Seeded) -> None:
    """Months 2021-01 … 2021-05 for 天津, 河南, 上海 and 江西 with a mix of states."""
    delays = {"120000": 3, "410000": 15, "310000": 5}  # 江西 (360000) never reports
    for month in ("2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"):
        period = ensure_period(month)
        for region, delay in delays.items():
            if region == "410000" and month == "2021-03":
                continue  # missing
            report = Report.objects.create(
                region_id=region,
                period=period,
                status=Report.Status.SUBMITTED,
                submitted_at=at(period.end + dt.timedelta(days=delay)),
            )
            seeded.reports.append(report)
    # A draft counts as missing.
    Report.objects.create(region_id="360000", period=Period.objects.get(code="2021-02"))


def seed_targets(seeded: Seeded) -> None:
    """河南 (partner of 天津) and 江西 (partner of 上海): a recovery-rate target each."""
    indicator = Indicator.objects.get(code="recovery_rate")
    for region, gain in (("410000", Decimal("1.5")), ("360000", Decimal("-0.5"))):
        target = Target.objects.create(
            region_id=region,
            indicator=indicator,
            baseline_value=Decimal("30"),
            baseline_date=dt.date(2020, 12, 31),
            target_value=Decimal("35"),
            due_date=dt.date(2025, 12, 31),
        )
        seeded.targets.append(target)
        period = ensure_period("2021-04")
        report, _created = Report.objects.get_or_create(
            region_id=region,
            period=period,
            defaults={"status": Report.Status.SUBMITTED, "submitted_at": at(period.end)},
        )
        Value.objects.create(report=report, indicator=indicator, value=Decimal("30") + gain)


def seed_cases(seeded: Seeded, th: Pairing) -> None:
    promoted = ModelCase.objects.create(
        title="郑州市撤桶并点经验",
        region_id="410000",
        pairing=th,
        problem="混投",
        approach="撤桶并点",
        results="分出率提高到30%",
        visibility=Visibility.PROGRAMME,
        status=ModelCase.Status.PROMOTED,
        reviewed_at=at(dt.date(2021, 5, 12)),
    )
    CaseAdoption.objects.create(case=promoted, region_id="360000", adopted_on=dt.date(2021, 6, 1))
    ministry_only = ModelCase.objects.create(
        title="仅住建部可见的案例",
        region_id="410000",
        problem="-",
        approach="-",
        results="-",
        visibility=Visibility.MINISTRY,
        status=ModelCase.Status.PROMOTED,
        reviewed_at=at(dt.date(2021, 5, 12)),
    )
    later = ModelCase.objects.create(
        title="下半年推广的案例",
        region_id="410000",
        problem="-",
        approach="-",
        results="-",
        visibility=Visibility.PROGRAMME,
        status=ModelCase.Status.PROMOTED,
        reviewed_at=at(dt.date(2021, 8, 1)),
    )
    seeded.cases += [promoted, ministry_only, later]


def seed_notices(seeded: Seeded, th: Pairing) -> None:
    seeded.notices.append(
        Notice.objects.create(
            number="建城督〔2021〕1号",
            pairing=th,
            title="关于加快推进工作方案任务的督办通知",
            reasons="任务逾期",
            required_actions="30日内完成",
            deadline=dt.date(2021, 7, 1),
        )
    )


def seed(th: Pairing, sj: Pairing) -> Seeded:
    seeded = Seeded()
    seed_exchanges(seeded, th, sj)
    seed_problems(seeded, th, sj)
    seed_plans(th)
    seed_reports(seeded)
    seed_targets(seeded)
    seed_cases(seeded, th)
    seed_notices(seeded, th)
    return seeded
