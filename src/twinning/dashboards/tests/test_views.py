"""The dashboards' pages and API: what they show, the map's health colours, proposing a case
from a good result, and where a promoted case shows up."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twinning.accounts.models import User
from twinning.evaluation.models import Assessment, EvaluationRound
from twinning.health.models import PairHealth
from twinning.indicators.models import Target
from twinning.knowledge import services as knowledge_services
from twinning.knowledge.models import ModelCase
from twinning.knowledge.services import propose_case
from twinning.pairings.models import Pairing
from twinning.supervision.models import Notice

pytestmark = pytest.mark.django_db


def map_lines(response: Any) -> list[dict[str, Any]]:
    text = response.content.decode()
    start = text.index('<script id="map-lines" type="application/json">') + len(
        '<script id="map-lines" type="application/json">'
    )
    return json.loads(text[start : text.index("</script>", start)])


def test_home_sends_each_role_to_its_dashboard(login: Any, supervisor: User, henan: User) -> None:
    assert login(supervisor).get("/dashboard/")["Location"] == "/dashboard/ministry/"
    assert login(henan).get("/dashboard/")["Location"] == "/dashboard/me/"


def test_the_ministry_dashboard_page(
    login: Any,
    supervisor: User,
    health: None,
    closed_notice: Notice,
    early_target: Target,
    published_round: EvaluationRound,
) -> None:
    response = login(supervisor).get("/dashboard/ministry/")

    assert response.status_code == 200
    body = response.content.decode()
    live = Pairing.objects.filter(archived_at__isnull=True).exclude(status="declined").count()
    assert f'<b id="stat-pairs">{live}</b>' in body
    assert 'id="risk-list"' in body and "map-legend" in body
    assert f"?origin=notice&amp;id={closed_notice.pk}" in body
    assert f"?origin=target&amp;id={early_target.pk}" in body
    assert "推荐为典型案例" in body and published_round.name in body
    lines = map_lines(response)
    levels = dict(PairHealth.objects.values_list("pairing_id", "level"))
    assert lines and all(line["health"] == levels.get(line["id"]) for line in lines)
    assert {"red", "amber"} & {line["health"] for line in lines}


def test_the_overview_map_is_coloured_by_health_with_one_more_query(
    login: Any, supervisor: User, health: None
) -> None:
    client = login(supervisor)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")

    health_queries = [q for q in captured.captured_queries if "health_pairhealth" in q["sql"]]
    assert len(health_queries) == 1

    lines = map_lines(response)
    levels = dict(PairHealth.objects.values_list("pairing_id", "level"))
    assert all(line["health"] == levels.get(line["id"]) for line in lines)
    assert 'id="map-legend"' in response.content.decode()


def test_the_overview_shows_promoted_cases_and_who_adopted_them(
    login: Any, henan: User, supervisor: User, closed_notice: Notice
) -> None:
    case = propose_case(actor=henan, origin_kind="notice", origin_id=closed_notice.pk)
    knowledge_services.nominate_case(henan, case)
    knowledge_services.promote_case(supervisor, case, "可推广")
    knowledge_services.record_adoption(henan, case, region="411000", note="许昌借鉴")

    body = login(supervisor).get("/").content.decode()

    section = body[body.index('id="featured-cases"') :]
    assert case.title in section and "借鉴地区：许昌市" in section


def test_the_case_page_links_to_its_origin(login: Any, henan: User, closed_notice: Notice) -> None:
    case = propose_case(actor=henan, origin_kind="notice", origin_id=closed_notice.pk)
    client = login(henan)

    body = client.get(f"/knowledge/cases/{case.pk}/").content.decode()
    followed = client.get(f"/dashboard/origin/notice/{closed_notice.pk}/")

    assert 'id="case-origin"' in body and closed_notice.number in body
    assert followed["Location"] == f"/notices/{closed_notice.pk}/"


def test_origin_links_of_targets_and_assessments(
    login: Any, supervisor: User, early_target: Target, published_round: EvaluationRound
) -> None:
    client = login(supervisor)
    assessment = Assessment.objects.filter(round=published_round).first()
    assert assessment is not None

    assert client.get(f"/dashboard/origin/target/{early_target.pk}/")["Location"] == (
        "/indicators/regions/410000/"
    )
    assert client.get(f"/dashboard/origin/evaluation/{assessment.pk}/").status_code == 302
    assert client.get("/dashboard/origin/award/1/").status_code == 422


def test_the_propose_page_prefills_the_case_and_saves_a_draft(
    login: Any, supervisor: User, early_target: Target
) -> None:
    client = login(supervisor)
    url = f"/dashboard/propose-case/?origin=target&id={early_target.pk}"

    page = client.get(url).content.decode()
    refused = client.post(
        "/dashboard/propose-case/",
        {"origin": "target", "id": early_target.pk, "title": "河南提前达标", "region": "410000",
         "problem": "覆盖率低", "results": "92%", "visibility": "programme"},
    )  # fmt: skip
    saved = client.post(
        "/dashboard/propose-case/",
        {"origin": "target", "id": early_target.pk, "title": "河南提前达标", "region": "410000",
         "problem": "覆盖率低", "approach": "撤桶并点", "results": "92%",
         "visibility": "programme"},
    )  # fmt: skip

    assert "居民小区生活垃圾分类覆盖率" in page and "提前实现" in page
    assert refused.status_code == 200 and "主要做法" in refused.content.decode()
    case = ModelCase.objects.get(origin_kind="target", origin_id=early_target.pk)  # only one
    assert saved["Location"] == f"/knowledge/cases/{case.pk}/"
    assert case.status == ModelCase.Status.DRAFT and case.approach == "撤桶并点"
    again = client.get(url).content.decode()
    assert 'id="already-proposed"' in again and 'id="case-form"' not in again


def test_an_unknown_origin_on_the_page_is_a_clear_error(login: Any, supervisor: User) -> None:
    response = login(supervisor).get("/dashboard/propose-case/?origin=award&id=1")

    assert response.status_code == 422
    assert "未知的案例来源" in response.content.decode()


def test_the_pair_and_my_dashboards_render(
    login: Any, henan: User, tianjin_henan: Pairing, health: None, early_target: Target
) -> None:
    client = login(henan)

    pair = client.get(f"/dashboard/pairs/{tianjin_henan.pk}/").content.decode()
    mine = client.get("/dashboard/me/").content.decode()

    assert "天津市—河南省" in pair and 'id="pair-health"' in pair
    assert PairHealth.objects.get(pairing=tianjin_henan).get_level_display() in pair
    assert "已达标" in pair
    assert f'href="/dashboard/pairs/{tianjin_henan.pk}/"' in mine


def test_the_api_gives_the_pages_numbers(
    api: Any, supervisor: User, henan: User, tianjin_henan: Pairing, health: None,
    closed_notice: Notice,
) -> None:  # fmt: skip
    national = api(supervisor).get("/api/v1/dashboard/ministry").json()
    pair = api(henan).get(f"/api/v1/dashboard/pairs/{tianjin_henan.pk}").json()
    mine = api(henan).get("/api/v1/dashboard/me").json()
    candidates = api(henan).get("/api/v1/dashboard/promotion-candidates").json()

    live = Pairing.objects.filter(archived_at__isnull=True).exclude(status="declined").count()
    assert national["pairs_total"] == live
    assert (
        sum(c["count"] for c in national["pairs_by_health"])
        == PairHealth.objects.filter(pairing__status="active").count()
    )
    assert all("health" in line for line in national["map_lines"])
    assert pair["health"]["level"] == PairHealth.objects.get(pairing=tianjin_henan).level
    assert tianjin_henan.pk in {p["pairing"]["id"] for p in mine["pairs"]}
    notice = next(c for c in candidates if c["kind"] == "notice")
    assert notice["id"] == closed_notice.pk and notice["can_propose"] is True


def test_proposing_through_the_api(api: Any, henan: User, closed_notice: Notice) -> None:
    client = api(henan)

    created = client.post(
        "/api/v1/cases/propose",
        {"origin_kind": "notice", "origin_id": closed_notice.pk, "values": {"figures": "3 项"}},
        "application/json",
    )
    again = client.post(
        "/api/v1/cases/propose",
        {"origin_kind": "notice", "origin_id": closed_notice.pk},
        "application/json",
    )
    unknown = client.post(
        "/api/v1/cases/propose", {"origin_kind": "award", "origin_id": 1}, "application/json"
    )

    assert created.status_code == 201
    body = created.json()
    assert body["origin_kind"] == "notice" and body["origin_id"] == closed_notice.pk
    assert body["status"] == "draft" and body["figures"] == "3 项"
    assert again.status_code == 409 and again.json()["code"] == "already_proposed"
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_origin"
