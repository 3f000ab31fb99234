"""Plan goals link to the targets measuring them; indicators are named in the page's language."""

from collections.abc import Callable

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.indicators.models import Target
from twinning.indicators.programme import load_indicator_programme

pytestmark = pytest.mark.django_db


def test_the_plan_page_links_a_goal_to_its_indicator_target(
    supervisor: User, login: Callable[[User], Client]
) -> None:
    load_indicator_programme()
    target = Target.objects.filter(goal__isnull=False).select_related("goal__plan").first()
    assert target is not None, "the starting data links the 上海 goal to a target"
    page = login(supervisor).get(f"/plans/{target.goal.plan_id}/")  # type: ignore[union-attr]
    assert page.status_code == 200
    link = f'/indicators/regions/{target.region_id}/#target-{target.pk}"'
    assert link in page.content.decode()
    region_page = login(supervisor).get(f"/indicators/regions/{target.region_id}/")
    assert f'id="target-{target.pk}"' in region_page.content.decode()


def test_an_archived_target_is_not_linked(
    supervisor: User, login: Callable[[User], Client]
) -> None:
    load_indicator_programme()
    target = Target.objects.filter(goal__isnull=False).first()
    assert target is not None
    Target.objects.filter(goal=target.goal).update(archived_at="2026-01-01T00:00:00Z")
    page = login(supervisor).get(f"/plans/{target.goal.plan_id}/")  # type: ignore[union-attr]
    assert "#target-" not in page.content.decode()


def test_english_pages_name_indicators_in_english(
    henan: User, login: Callable[[User], Client]
) -> None:
    from twinning.indicators.models import Indicator

    Indicator.objects.filter(code="recovery_rate").update(name_en="Recycling rate")
    client = login(henan)
    client.cookies["django_language"] = "en"
    page = client.get("/indicators/?q=recovery").content.decode()
    assert "Recycling rate" in page and "生活垃圾回收利用率" not in page
    client.cookies["django_language"] = "zh-hans"
    assert "生活垃圾回收利用率" in client.get("/indicators/?q=recovery").content.decode()
