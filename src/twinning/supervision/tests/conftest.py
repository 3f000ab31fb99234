"""Notices' fixtures: a fixed "today" inside the programme's plan period (2021-03 – 2025-12),
so rectification tasks have a plan in force to join."""

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

TODAY = dt.date(2021, 6, 1)
NOW = dt.datetime(2021, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def in_2021() -> Iterator[object]:
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller
