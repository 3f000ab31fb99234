"""The demo content lets a new user try the plan lifecycle: a plan waits for 天津's signature."""

import pytest

from twinning.accounts.models import User
from twinning.pairings.demo import load_demo
from twinning.plans import services
from twinning.plans.demo import load_plan_demo
from twinning.plans.models import Plan, Task

pytestmark = pytest.mark.django_db


def test_demo_plan_waits_for_the_leading_side_and_can_be_filed(programme):
    load_demo()
    assert load_plan_demo() is True

    plan = Plan.objects.get(pairing__leading_region_id="120104", source="演示数据")
    assert plan.status == Plan.Status.SUBMITTED
    assert plan.partner_signed_at is not None and plan.leading_signed_at is None
    assert plan.tasks.count() == 8
    assert Task.objects.filter(owner__username="demo-henan").exists()

    tianjin = User.objects.get(username="demo-tianjin")
    ministry = User.objects.get(username="demo-ministry")
    assert services.sign_plan(actor=tianjin, plan_id=plan.pk).status == Plan.Status.AGREED
    assert services.file_plan(actor=ministry, plan_id=plan.pk).status == Plan.Status.FILED


def test_loading_the_demo_twice_creates_nothing_more(programme):
    load_demo()
    load_plan_demo()
    counts = (Plan.objects.count(), Task.objects.count())

    assert load_plan_demo() is False
    assert (Plan.objects.count(), Task.objects.count()) == counts
