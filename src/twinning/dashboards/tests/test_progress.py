"""Many targets at once (`progress.target_rows`) read exactly what one target's own page reads
(`indicators.queries.series` of official values, `target_status`): the latest official value
after the baseline, the first one meeting the target by its due date, and the progress status,
whatever else is stored around them (drafts, values of other period types at the same date,
values before the baseline, other indicators of the same reports)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twinning.accounts.models import User
from twinning.dashboards import progress
from twinning.indicators import queries as indicator_queries
from twinning.indicators import services as indicator_services
from twinning.indicators.models import Report, Target
from twinning.indicators.progress import ProgressStatus
from twinning.indicators.spec import Observation, TargetSpec
from twinning.indicators.tests.reports_factory import make_report
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

SUBMITTED = Report.Status.SUBMITTED


def target(supervisor: User, region: str, indicator: str, **values: Any) -> Target:
    return indicator_services.create_target(
        actor=supervisor, region=region, indicator=indicator, **values
    )


def coverage(sorting: int) -> dict[str, int]:
    """Community counts giving a coverage rate of `sorting` %."""
    return {"communities_total": 100, "communities_sorting": sorting}


@pytest.fixture
def targets(supervisor: User, tianjin_henan: Pairing) -> dict[str, Target]:
    found = {
        # Monthly, higher is better: met in June, fallen back in September; a draft in
        # December and a quarterly report ending with September do not count.
        "met_then_fell": target(
            supervisor, "410000", "community_coverage_rate",
            baseline_value=Decimal(80), baseline_date=dt.date(2022, 12, 31),
            target_value=Decimal(90), due_date=dt.date(2023, 12, 31),
        ),
        # Yearly: met in 2023; a monthly report ending the same day carries another value.
        "yearly": target(
            supervisor, "410000", "villages_total",
            baseline_value=Decimal(400), baseline_date=dt.date(2021, 12, 31),
            target_value=Decimal(500), due_date=dt.date(2024, 12, 31),
        ),
        # Met only after its due date: achieved (status) but not met in time.
        "met_late": target(
            supervisor, "360000", "community_coverage_rate",
            baseline_value=Decimal(70), baseline_date=dt.date(2022, 12, 31),
            target_value=Decimal(90), due_date=dt.date(2023, 6, 30),
        ),
        # Lower is better.
        "lower": target(
            supervisor, "360000", "residual_waste_t",
            baseline_value=Decimal(100), baseline_date=dt.date(2022, 12, 31),
            target_value=Decimal(80), due_date=dt.date(2023, 12, 31),
        ),
        # Nothing reported after the baseline (a value before it does not count).
        "nothing_since": target(
            supervisor, "420000", "community_coverage_rate",
            baseline_value=Decimal(60), baseline_date=dt.date(2023, 6, 30),
            target_value=Decimal(90), due_date=dt.date(2025, 12, 31),
        ),
    }  # fmt: skip
    make_report("410000", "2022-11", coverage(95), status=SUBMITTED)  # before the baseline
    make_report("410000", "2023-03", coverage(85), status=SUBMITTED)
    make_report("410000", "2023-06", coverage(91), status=Report.Status.APPROVED)
    make_report("410000", "2023-09", coverage(88), status=SUBMITTED)
    make_report("410000", "2023Q3", coverage(99), status=SUBMITTED)
    make_report("410000", "2023-12", {**coverage(99), "villages_total": 999})  # a draft
    make_report("410000", "2022", {"villages_total": 450}, status=SUBMITTED)
    make_report("410000", "2023", {"villages_total": 520}, status=SUBMITTED)
    make_report("360000", "2023-09", {**coverage(95), "residual_waste_t": 85}, status=SUBMITTED)
    make_report("360000", "2023-05", {"residual_waste_t": 79}, status=SUBMITTED)
    make_report("420000", "2023-03", coverage(80), status=SUBMITTED)
    return found


def first_met(observations: list[Observation], spec: TargetSpec) -> Observation | None:
    for date, value in sorted(observations):
        if spec.baseline_date < date <= spec.due_date:
            met = (
                value <= spec.target_value
                if spec.direction == "lower"
                else value >= spec.target_value
            )
            if met:
                return date, value
    return None


def test_each_row_is_what_the_targets_own_page_reads(
    supervisor: User, targets: dict[str, Target]
) -> None:
    rows = {r.target.pk: r for r in progress.target_rows(indicator_queries.targets(supervisor))}

    assert {t.pk for t in targets.values()} <= set(rows)
    for found in targets.values():
        row = rows[found.pk]
        spec = TargetSpec.of(found)
        code = found.indicator.code
        observations = indicator_queries.series(
            supervisor, found.region_id, [code], official_only=True
        )[code]
        after_baseline = [o for o in observations if o[0] > spec.baseline_date]
        assert row.latest == (max(after_baseline) if after_baseline else None), found
        met = first_met(observations, spec)
        assert (row.achieved_on, row.achieved_value) == (met or (None, None)), found
        status = indicator_queries.target_status(supervisor, found).progress.status
        assert row.status == status, found


def test_the_cases_are_the_ones_named(supervisor: User, targets: dict[str, Target]) -> None:
    """The comparison above is not vacuous: each target is in the state its name says."""
    rows = {r.target.pk: r for r in progress.target_rows(indicator_queries.targets(supervisor))}
    fell = rows[targets["met_then_fell"].pk]
    assert fell.latest == (dt.date(2023, 9, 30), Decimal("88.0000"))
    assert fell.achieved_on == dt.date(2023, 6, 30) and fell.met_early
    yearly = rows[targets["yearly"].pk]
    assert yearly.latest == (dt.date(2023, 12, 31), Decimal("520.0000")) and yearly.met_early
    late = rows[targets["met_late"].pk]
    assert late.achieved_on is None and late.status == ProgressStatus.TARGET_ACHIEVED
    lower = rows[targets["lower"].pk]
    assert lower.achieved_on == dt.date(2023, 5, 31) and lower.latest is not None
    assert lower.latest[1] == Decimal("85.0000")
    nothing = rows[targets["nothing_since"].pk]
    assert nothing.latest is None and nothing.status == ProgressStatus.NOT_AVAILABLE


def test_a_fixed_number_of_queries(supervisor: User, targets: dict[str, Target]) -> None:
    with CaptureQueriesContext(connection) as first:
        progress.target_rows(indicator_queries.targets(supervisor))
    for month in ("2024-01", "2024-02"):
        make_report("420000", month, coverage(85), status=SUBMITTED)
        make_report("360000", month, coverage(96), status=SUBMITTED)
    target(
        supervisor, "310000", "community_coverage_rate",
        baseline_value=Decimal(70), baseline_date=dt.date(2022, 12, 31),
        target_value=Decimal(90), due_date=dt.date(2025, 12, 31),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as second:
        progress.target_rows(indicator_queries.targets(supervisor))
    assert len(first) == len(second) == 4


def test_no_targets_no_rows(supervisor: User) -> None:
    assert progress.target_rows(indicator_queries.targets(supervisor).none()) == []
