"""Fixtures of the bulletins' tests: the seeded first half of 2021 and "today" in August 2021."""

from collections.abc import Callable, Iterator

import pytest
import time_machine

from twinning.bulletins.tests.factories import TODAY, Seeded, seed
from twinning.pairings.models import Pairing


@pytest.fixture
def shanghai_jiangxi(pair: Callable[[str, str], Pairing]) -> Pairing:
    return pair("310000", "360000")


@pytest.fixture
def in_2021() -> Iterator[None]:
    """Today is 2021-08-15: 2021H1 is over, 2021Q3 has begun, 2021Q4 lies ahead."""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def seeded(in_2021: None, tianjin_henan: Pairing, shanghai_jiangxi: Pairing) -> Seeded:
    return seed(tianjin_henan, shanghai_jiangxi)
