"""Loading the indicators' starting data: the catalogue and the targets the programme sets.

Runs after `plans.programme.load_plans` (targets link to the plans' goals) and, like it, is
idempotent: a target is created only when its region has none for that indicator and due date
(archived ones included, so an admin archiving a target is not undone on the next start).

Targets and where their numbers come from (each target's `source` says the same):
- the plans' measurable goals (上海's plans: 回收利用率 ≥ 35 % by 2025-12-31), for the partner
  region of the plan's pair, linked to the goal;
- community coverage ≥ 90 % by 2023-12-31 and 100 % by 2025-12-31 for every partner region of
  a live pair (the 2023 MOHURD on-site meeting), from the national average of 82.5 % at the end
  of 2022 reported there — the region's own starting value is unknown;
- 回收利用率 ≥ 35 % by 2025-12-31 for every partner region (建城〔2020〕93号), from a demo
  baseline of 30 % at the end of 2020: no region's starting value is published.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_noop

from twinning.core import audit
from twinning.core.models import AuditEntry
from twinning.core.validation import clean
from twinning.indicators.catalogue import MEETING_2023, OPINIONS_2020, load_catalogue
from twinning.indicators.models import Indicator, Target
from twinning.pairings.models import Pairing
from twinning.plans.models import Goal
from twinning.plans.programme_data import PLANS

D = Decimal

# The end-2022 national average of community coverage (297 cities), the 2023 meeting's figure.
COVERAGE_BASELINE = (D("82.5"), dt.date(2022, 12, 31))
COVERAGE_BASELINE_NOTE = "基准值为2022年底全国平均水平82.5%（非本地区数据）"
COVERAGE_TARGETS = [(D(90), dt.date(2023, 12, 31)), (D(100), dt.date(2025, 12, 31))]
COVERAGE_SOURCE = (
    f"{MEETING_2023}：2023年底居民小区覆盖率达到90%、2025年底基本全覆盖；{COVERAGE_BASELINE_NOTE}"
)
# No partner region's recycling rate at the start is published: 30 % is a demo assumption,
# near 银川 and 兰州 in 2020 (≈33 %), where the demo series for partners start.
RECOVERY_BASELINE = (D(30), dt.date(2020, 12, 31))
RECOVERY_BASELINE_NOTE = "基准值30%（2020年底）为演示假设"
RECOVERY_TARGET = (D(35), dt.date(2025, 12, 31))
RECOVERY_SOURCE = (
    f"{OPINIONS_2020}：全国城市生活垃圾回收利用率2025年达到35%以上；{RECOVERY_BASELINE_NOTE}"
)
# The baseline a plan goal's target starts from, by indicator, and what the source says of it.
BASELINES: dict[str, tuple[tuple[Decimal, dt.date], str]] = {
    "recovery_rate": (RECOVERY_BASELINE, RECOVERY_BASELINE_NOTE),
    "community_coverage_rate": (COVERAGE_BASELINE, COVERAGE_BASELINE_NOTE),
}


@dataclass
class TargetsResult:
    indicators_created: int = 0
    indicators_existing: int = 0
    targets_created: int = 0
    targets_existing: int = 0
    # Measurable goals given no target: their indicator is not in the catalogue (by name or
    # code) or has no known baseline.
    goals_unmatched: list[str] = field(default_factory=list)


@dataclass
class _Wanted:
    region_id: str
    indicator: Indicator
    baseline: tuple[Decimal, dt.date]
    target: tuple[Decimal, dt.date]
    source: str
    goal: Goal | None = None
    note: str = ""


@transaction.atomic
def load_indicator_programme() -> TargetsResult:
    """The catalogue, then the targets that are missing; keep what is there."""
    catalogue = load_catalogue()
    result = TargetsResult(
        indicators_created=catalogue.created, indicators_existing=catalogue.existing
    )
    indicators = {i.code: i for i in Indicator.objects.all()}
    by_name = {i.name: i for i in indicators.values()}
    wanted = _goal_targets(indicators, by_name, result) + _national_targets(indicators)
    _create_missing(wanted, result)
    return result


def _live_pairings() -> list[Pairing]:
    return list(
        Pairing.objects.live()
        .filter(status=Pairing.Status.ACTIVE)
        .select_related("leading_region", "partner_region")
        .order_by("leading_region_id", "partner_region_id")
    )


def _goal_targets(
    indicators: dict[str, Indicator], by_name: dict[str, Indicator], result: TargetsResult
) -> list[_Wanted]:
    """A target for each measurable goal of the starting plans, for the pair's partner."""
    wanted: list[_Wanted] = []
    pairings = {(p.leading_region_id, p.partner_region_id): p for p in _live_pairings()}
    for key, plan_row in PLANS.items():
        pairing = pairings.get(key)
        if pairing is None:
            continue
        for goal_row in plan_row["goals"]:
            name, value, due = (
                goal_row.get("indicator"),
                goal_row.get("target_value"),
                goal_row.get("due_date"),
            )
            if not (name and value and due):
                continue
            indicator = by_name.get(name) or indicators.get(name)
            if indicator is None or indicator.code not in BASELINES:
                if name not in result.goals_unmatched:
                    result.goals_unmatched.append(name)
                continue
            baseline, baseline_note = BASELINES[indicator.code]
            goal = (
                Goal.objects.filter(
                    plan__pairing=pairing,
                    plan__superseded_at__isnull=True,
                    plan__archived_at__isnull=True,
                    archived_at__isnull=True,
                    text=goal_row["text"],
                )
                .order_by("-plan__version")
                .first()
            )
            wanted.append(
                _Wanted(
                    region_id=pairing.partner_region_id,
                    indicator=indicator,
                    baseline=baseline,
                    target=(D(value), dt.date.fromisoformat(due)),
                    source=(
                        f"{pairing.leading_region}与{pairing.partner_region}交流协作工作方案"
                        f"目标“{goal_row['text']}”；{baseline_note}"
                    ),
                    goal=goal,
                )
            )
    return wanted


def _national_targets(indicators: dict[str, Indicator]) -> list[_Wanted]:
    """Coverage and recycling targets for every partner region of a live pair."""
    partners = sorted({p.partner_region_id for p in _live_pairings()})
    wanted: list[_Wanted] = []
    coverage, recovery = indicators.get("community_coverage_rate"), indicators.get("recovery_rate")
    for region_id in partners:
        if coverage is not None:
            wanted += [
                _Wanted(region_id, coverage, COVERAGE_BASELINE, target, COVERAGE_SOURCE)
                for target in COVERAGE_TARGETS
            ]
        if recovery is not None:
            wanted.append(
                _Wanted(region_id, recovery, RECOVERY_BASELINE, RECOVERY_TARGET, RECOVERY_SOURCE)
            )
    return wanted


def _create_missing(wanted: list[_Wanted], result: TargetsResult) -> None:
    """Create the wanted targets no target (live or archived) already stands for."""
    existing = {
        (t.region_id, t.indicator_id, t.due_date)
        for t in Target.objects.filter(indicator__in={w.indicator.pk for w in wanted}).only(
            "region_id", "indicator_id", "due_date"
        )
    }
    linked_goals = set(Target.objects.filter(goal__isnull=False).values_list("goal_id", flat=True))
    new: list[Target] = []
    planned: set[tuple[str, int, dt.date]] = set()
    for item in wanted:
        key = (item.region_id, item.indicator.pk, item.target[1])
        if key in planned:  # a plan's goal and the national target on the same date
            continue
        planned.add(key)
        if key in existing or (item.goal is not None and item.goal.pk in linked_goals):
            result.targets_existing += 1
            continue
        target = Target(
            region_id=item.region_id,
            indicator=item.indicator,
            baseline_value=item.baseline[0],
            baseline_date=item.baseline[1],
            target_value=item.target[0],
            due_date=item.target[1],
            goal=item.goal,
            source=item.source[:300],
            note=item.note,
        )
        clean(target)
        new.append(target)
    if not new:
        return
    created = Target.objects.bulk_create(new)
    fields = ["region", "indicator", "baseline_value", "baseline_date", "target_value"]
    fields += ["due_date", "goal", "source"]
    # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35 (RETURNING).
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=None,
            action=AuditEntry.Action.CREATE,
            target_type=Target._meta.label_lower,
            target_id=str(target.pk),
            target_label=str(target)[:200],
            changes=audit.diff({}, audit.snapshot(target, fields)),
            note=gettext_noop("载入结对方案和全国目标"),
        )
        for target in created
    )
    result.targets_created = len(created)
