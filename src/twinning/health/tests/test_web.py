"""The pages, the API and the command: lists, filters, export, one pair, recompute, scoping."""

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.core.testing import assert_problem
from twinning.health import services
from twinning.health.models import HealthChange, PairHealth
from twinning.health.tests.conftest import TODAY
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]


@pytest.fixture
def computed(programme: Any) -> list[PairHealth]:
    return services.recompute(today=TODAY)


def state() -> dict[str, Any]:
    return {
        "health": list(PairHealth.objects.order_by("pk").values()),
        "changes": HealthChange.objects.count(),
    }


# ---------------------------------------------------------------- pages


def test_the_ministry_sees_every_pair_most_at_risk_first(
    computed: list[PairHealth], supervisor: User, login: ClientFor
) -> None:
    response = login(supervisor).get("/health/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "风险清单" in page and 'id="recompute"' in page and 'id="oversight-tabs"' in page
    rows = response.context["page"].object_list
    assert len(rows) == min(30, len(computed))
    assert [h.score for h in rows] == sorted((h.score for h in rows), reverse=True)
    first = rows[0]
    assert first.reason_rows[0]["text"] in page and first.reason_rows[0]["url"] in page
    assert response.context["total"] == len(computed)


def test_a_region_sees_only_its_pairs_and_no_recompute_button(
    computed: list[PairHealth], henan: User, login: ClientFor
) -> None:
    response = login(henan).get("/health/")
    ids = {h.pairing_id for h in response.context["page"].object_list}
    mine = set(
        Pairing.objects.visible_to(henan).filter(status="active").values_list("pk", flat=True)
    )
    assert ids == mine and len(ids) < len(computed)
    assert 'id="recompute"' not in response.content.decode()
    assert response.context["total"] == len(mine)


def test_filters_search_and_empty_state(
    computed: list[PairHealth], supervisor: User, login: ClientFor, tianjin_henan: Pairing
) -> None:
    client = login(supervisor)
    by_name = client.get("/health/", {"q": "河南"}).context["page"].object_list
    assert tianjin_henan.pk in {h.pairing_id for h in by_name}
    assert all("河南" in str(h.pairing) for h in by_name)
    by_province = client.get("/health/", {"province": "120000"}).context["page"].object_list
    tianjin_sides = {
        h.pairing_id
        for h in by_province
        if h.pairing.leading_region.path.startswith("/120000/")
        or h.pairing.partner_region.path.startswith("/120000/")
    }
    assert tianjin_henan.pk in tianjin_sides and len(tianjin_sides) == len(by_province)
    by_level = client.get("/health/", {"pairing_level": "province-province"}).context["page"]
    assert all(h.pairing.level == "province-province" for h in by_level.object_list)
    green = client.get("/health/", {"level": "green"})
    assert green.context["page"].object_list == [] or all(
        h.level == "green" for h in green.context["page"].object_list
    )
    nothing = client.get("/health/", {"q": "不存在的地名"})
    assert "没有符合条件的结对。" in nothing.content.decode()
    partial = client.get("/health/", {"q": "河南"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "health-table" in partial.content.decode()


def test_before_any_computation_the_list_says_so(
    programme: Any, supervisor: User, login: ClientFor
) -> None:
    page = login(supervisor).get("/health/").content.decode()
    assert "尚未计算健康度。" in page and "还没有结对的健康度" in page


def test_the_export_holds_the_filtered_rows(
    computed: list[PairHealth], supervisor: User, login: ClientFor
) -> None:
    response = login(supervisor).get("/health/", {"format": "xlsx", "q": "河南"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("结对编号", "结对", "结对层级", "健康度")
    assert len(rows) - 1 == sum(1 for h in computed if "河南" in str(h.pairing))
    assert all("河南" in row[1] for row in rows[1:])
    assert any("任务已逾期" in (row[5] or "") for row in rows[1:])


def test_one_pair_with_reasons_history_and_the_notice_button(
    computed: list[PairHealth], supervisor: User, login: ClientFor, tianjin_henan: Pairing
) -> None:
    page = login(supervisor).get(f"/health/pairs/{tianjin_henan.pk}/").content.decode()
    health = PairHealth.objects.get(pairing=tianjin_henan)
    assert health.level == "red"
    for reason in health.reason_rows:
        assert reason["text"] in page
    assert 'id="health-history"' in page and "预警" in page
    assert 'id="recompute-pair"' in page


def test_a_member_sees_the_pair_without_ministry_buttons(
    computed: list[PairHealth], henan_member: User, login: ClientFor, tianjin_henan: Pairing
) -> None:
    page = login(henan_member).get(f"/health/pairs/{tianjin_henan.pk}/").content.decode()
    assert "任务已逾期" in page
    assert 'id="recompute-pair"' not in page and 'id="issue-notice"' not in page


def test_a_pair_not_yet_computed_says_so(
    programme: Any, tianjin: User, login: ClientFor, tianjin_henan: Pairing
) -> None:
    page = login(tianjin).get(f"/health/pairs/{tianjin_henan.pk}/").content.decode()
    assert "该结对的健康度尚未计算" in page


def test_the_ministry_recomputes_from_the_page(
    programme: Any, supervisor: User, login: ClientFor, tianjin_henan: Pairing
) -> None:
    client = login(supervisor)
    response = client.post("/health/recompute/", follow=True)
    assert PairHealth.objects.count() == Pairing.objects.filter(status="active").count()
    assert "已重新计算" in response.content.decode()
    one = client.post("/health/recompute/", {"pairing": tianjin_henan.pk})
    assert one.status_code == 302 and one["Location"] == f"/health/pairs/{tianjin_henan.pk}/"


def test_outsiders_get_404_and_readers_403(
    computed: list[PairHealth],
    jiangxi: User,
    henan_expert: User,
    henan: User,
    login: ClientFor,
    tianjin_henan: Pairing,
) -> None:
    before = state()
    outsider = login(jiangxi)
    assert outsider.get(f"/health/pairs/{tianjin_henan.pk}/").status_code == 404
    assert outsider.post("/health/recompute/", {"pairing": tianjin_henan.pk}).status_code == 404
    for reader in (henan_expert, henan):
        client = login(reader)
        assert client.get(f"/health/pairs/{tianjin_henan.pk}/").status_code == 200
        assert client.post("/health/recompute/").status_code == 403
        assert client.post("/health/recompute/", {"pairing": tianjin_henan.pk}).status_code == 403
    assert state() == before


# ---------------------------------------------------------------- API


def test_api_list_filters_and_one_pair(
    computed: list[PairHealth], api: ClientFor, supervisor: User, tianjin_henan: Pairing
) -> None:
    client = api(supervisor)
    body = client.get("/api/v1/health", {"level": "red", "q": "河南"}).json()
    assert body["count"] >= 1 and all(item["level"] == "red" for item in body["items"])
    item = next(i for i in body["items"] if i["pairing"]["id"] == tianjin_henan.pk)
    assert item["pairing"]["leading_region"]["code"] == "120000"
    reason = item["reasons"][0]
    assert {"code", "severity", "text", "message", "params", "count", "url"} <= reason.keys()
    one = client.get(f"/api/v1/health/{tianjin_henan.pk}").json()
    assert one["level"] == "red" and one["computed_for"] == TODAY.isoformat()
    history = client.get(f"/api/v1/health/{tianjin_henan.pk}/history").json()
    assert history["items"][0]["new_level"] == "red" and history["items"][0]["old_level"] is None
    english = client.get(f"/api/v1/health/{tianjin_henan.pk}", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_api_recompute_is_the_ministrys(
    programme: Any, api: ClientFor, supervisor: User, henan_expert: User, tianjin_henan: Pairing
) -> None:
    refused = api(henan_expert).post(
        "/api/v1/health/recompute", json.dumps({}), content_type="application/json"
    )
    assert_problem(refused, 403, "forbidden")
    assert not PairHealth.objects.exists()
    response = api(supervisor).post(
        "/api/v1/health/recompute",
        json.dumps({"pairing_ids": [tianjin_henan.pk], "today": "2022-01-15"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"recomputed": 1, "counts": {"green": 0, "amber": 0, "red": 1}}


def test_api_errors_are_problems(
    computed: list[PairHealth], api: ClientFor, jiangxi: User, tianjin_henan: Pairing
) -> None:
    assert_problem(api(jiangxi).get(f"/api/v1/health/{tianjin_henan.pk}"), 404, "not_found")
    assert_problem(api(jiangxi).get(f"/api/v1/health/{tianjin_henan.pk}/history"), 404, "not_found")
    bad = api(jiangxi).get("/api/v1/health", {"level": "purple"})
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith("application/problem+json")


# ---------------------------------------------------------------- the command


def test_the_command_recomputes_and_lists_the_pairs_at_risk(
    programme: Any, tianjin_henan: Pairing
) -> None:
    out = io.StringIO()
    call_command("health", "--today", "2022-01-15", stdout=out)
    text = out.getvalue()
    assert text.startswith("recomputed: ")
    assert "天津市—河南省" in text and "任务已逾期" in text
    assert PairHealth.objects.count() == Pairing.objects.filter(status="active").count()
    only = io.StringIO()
    call_command("health", "--today", "2022-01-15", "--pairing", str(tianjin_henan.pk), stdout=only)
    assert only.getvalue().startswith("recomputed: 1;")
    amber = io.StringIO()
    call_command("health", "--today", "2022-01-15", "--level", "amber", stdout=amber)
    assert "预警\t" not in amber.getvalue()
    early = io.StringIO()
    call_command(
        "health", "--today", "2021-03-01", "--pairing", str(tianjin_henan.pk), stdout=early
    )
    assert "没有需要关注的结对。" in early.getvalue()


def test_the_command_refuses_bad_input(programme: Any) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("health", "--today", "15/01/2022")
    with pytest.raises(CommandError, match="no live, active pair"):
        call_command("health", "--pairing", "999999")
    assert not PairHealth.objects.exists()
