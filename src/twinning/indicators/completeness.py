"""Completeness and timeliness of reporting: who reported for a period, on time or late, and
who has not (the list reminders work from).

On time = submitted (the local date of `submitted_at`) by the period's deadline; late =
submitted after it; missing = not submitted: no report, or one still a draft or returned.
Reviewed and approved reports were submitted: their `submitted_at` decides.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twinning.indicators import calc, permissions, queries
from twinning.indicators.models import Period, Report
from twinning.regions.models import Region

ON_TIME, LATE, MISSING = "on_time", "late", "missing"
STATES = (ON_TIME, LATE, MISSING)
STATE_LABELS = {ON_TIME: _("按时报送"), LATE: _("逾期报送"), MISSING: _("未报送")}


@dataclass
class RegionCompleteness:
    region: Region
    report: Report | None
    state: str  # ON_TIME | LATE | MISSING
    submitted_at: dt.datetime | None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass
class Completeness:
    """One period over every reporting region the user may see."""

    period: Period
    rows: list[RegionCompleteness]
    counts: dict[str, int]  # on_time, late, missing, expected
    # Whether the deadline had passed on the day asked about (before it, "missing" is "not yet").
    deadline_passed: bool

    @property
    def missing(self) -> list[RegionCompleteness]:
        return [r for r in self.rows if r.state == MISSING]

    @property
    def submitted_share(self) -> float | None:
        """Reported (on time or late) over expected, 0–1; None when nobody is expected."""
        expected = self.counts["expected"]
        return (expected - self.counts[MISSING]) / expected if expected else None


def state_of(report: Report | None, deadline: dt.date) -> str:
    """On time, late or missing (see the module's docstring)."""
    if report is None or report.status not in Report.SUBMITTED_STATUSES:
        return MISSING
    # A submitted report without a time (imported history) has nothing that makes it late.
    if report.submitted_at is None:
        return ON_TIME
    return ON_TIME if timezone.localdate(report.submitted_at) <= deadline else LATE


def completeness(user: Any, period_code: str, *, today: dt.date | None = None) -> Completeness:
    """Every visible reporting region's state for the period, in three queries (period,
    regions, reports); NotFound for a malformed period code."""
    today = today or timezone.localdate()
    the_period = queries.period(period_code)
    regions: QuerySet[Region] = queries.reporting_regions().filter(
        permissions.visible_regions_q(user, "code")
    )
    reports = {
        r.region_id: r
        for r in Report.objects.filter(period__code=the_period.code, region__in=regions)
    }
    rows = []
    for region in regions:
        report = reports.get(region.code)
        state = state_of(report, the_period.deadline)
        submitted_at = report.submitted_at if report is not None and state != MISSING else None
        rows.append(RegionCompleteness(region, report, state, submitted_at))
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row.state] += 1
    counts["expected"] = len(rows)
    return Completeness(the_period, rows, counts, the_period.is_past_deadline(today))


def missing_reports(period_code: str) -> list[Region]:
    """Reporting regions (all of them, unscoped: for reminders) that have not submitted."""
    calc.period_bounds(period_code)  # Invalid for a malformed code, rather than "all missing"
    submitted = Report.objects.filter(
        period__code=period_code, status__in=Report.SUBMITTED_STATUSES
    ).values("region")
    return list(queries.reporting_regions().exclude(code__in=submitted))
