"""Reports and values written straight with the ORM, for tests of the read side (queries,
completeness, reminders) that should not depend on the write path's checks."""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings

from twinning.indicators import calc
from twinning.indicators.models import Indicator, Period, Report, Value
from twinning.indicators.spec import IndicatorSpec


def make_period(code: str, *, deadline: dt.date | None = None) -> Period:
    kind, start, end = calc.period_bounds(code)
    period, _ = Period.objects.get_or_create(
        code=code,
        defaults={
            "type": kind,
            "start": start,
            "end": end,
            "deadline": deadline or end + dt.timedelta(days=settings.TWINNING_REPORT_DEADLINE_DAYS),
        },
    )
    return period


def make_report(
    region: str,
    period: str,
    values: Mapping[str, Decimal | int | str] | None = None,
    *,
    status: str = Report.Status.DRAFT,
    submitted_at: dt.datetime | None = None,
    is_demo: bool = False,
    **fields: Any,
) -> Report:
    """A report of `region` for `period` with `values` by indicator code, and the computed
    indicators' values the way the services store them (is_computed=True)."""
    report = Report.objects.create(
        region_id=region,
        period=make_period(period),
        status=status,
        submitted_at=submitted_at,
        is_demo=is_demo,
        **fields,
    )
    given = {code: Decimal(str(v)) for code, v in (values or {}).items()}
    live = {i.code: i for i in Indicator.objects.filter(archived_at__isnull=True)}
    computed = calc.compute(given, {c: IndicatorSpec.of(i) for c, i in live.items()})
    Value.objects.bulk_create(
        [
            Value(report=report, indicator=live[code], value=value, is_computed=False)
            for code, value in given.items()
        ]
        + [
            Value(report=report, indicator=live[code], value=value, is_computed=True)
            for code, value in computed.items()
        ]
    )
    return report
