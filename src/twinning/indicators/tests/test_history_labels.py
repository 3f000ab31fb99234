"""A report's history names its values by indicator, the action and where the values came from."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.indicators import services
from twinning.indicators.models import Indicator, Report

pytestmark = pytest.mark.django_db


def test_history_shows_indicator_names_the_action_and_the_source(
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    login: Callable[[User], Client],
) -> None:
    entries = [
        services.Entry("410000", "2025-03", code, value, comment="测试说明" if i == 0 else None)
        for i, (code, value) in enumerate(month_values().items())
    ]
    services.write_values(actor=henan, entries=entries, source="excel")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VALUES)
    labels = [label for label, _old, _new in entry.change_rows]
    assert "生活垃圾产生量" in labels
    assert "生活垃圾产生量（说明）" in labels
    assert "生活垃圾回收利用率" in labels  # the computed value, stored beside the reported ones
    assert not any(label.endswith("_t") for label in labels)

    report = Report.objects.get(region_id="410000", period__code="2025-03")
    page = login(henan).get(f"/indicators/regions/410000/{report.period.code}/").content.decode()
    history = page[page.index('id="history"') :]
    assert "填报数值" in history and "Excel 导入" in history
    assert "生活垃圾产生量：— → 30000" in history and "msw_generated_t" not in history
