"""The demo bulletins: a released national bulletin for 2021H1 and a draft of the current
quarter, labelled as demo data; loading twice keeps them."""

import pytest

from twinning.bulletins.demo import load_bulletins_demo
from twinning.bulletins.models import Bulletin
from twinning.bulletins.tests.factories import Seeded
from twinning.pairings.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_bulletins(seeded: Seeded) -> None:
    assert load_bulletins_demo().created == 0  # no demo accounts yet: nothing to draft with
    load_demo()
    first = load_bulletins_demo()
    assert (first.created, first.existing) == (2, 0)
    released = Bulletin.objects.get(period_code="2021H1")
    assert released.status == "released" and released.title.endswith("（演示数据）")
    assert released.figures["numbers"]["exchanges.held"]["value"] == 7
    draft = Bulletin.objects.get(period_code="2021Q3")  # "today" is 2021-08-15
    assert draft.status == "draft"
    again = load_bulletins_demo()
    assert (again.created, again.existing) == (0, 2)
    assert Bulletin.objects.count() == 2
