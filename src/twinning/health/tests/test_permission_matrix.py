"""Who may reach what: every health page and API operation, persona by persona.

The objects are 天津–河南's health (visible to the pair's two sides and the Ministry). An
outsider (江西) gets 404 for the pair and changes nothing; everyone in scope reads; only the
Ministry recomputes — 河南's coordinator, member and expert and 天津's coordinator get 403 and
nothing changes — and the Ministry's recompute does change the records, so the matrix cannot
pass by refusing everyone. `test_every_route_is_in_the_matrix` fails when an operation is added
without a row.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.health import services
from twinning.health import urls as health_urls
from twinning.health.api import router as health_router
from twinning.health.models import HealthChange, PairHealth
from twinning.health.tests.conftest import TODAY
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
IN_SCOPE = ("henan", "henan_member", "henan_expert", "tianjin", "supervisor")
NOT_MINISTRY = ("henan", "henan_member", "henan_expert", "tianjin")


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the API path as in the OpenAPI schema, or the page's path
    pair_scoped: bool  # the URL (or body) names the pair: outsiders get 404
    writes: bool = False

    @property
    def id(self) -> str:
        return f"{self.method}-{self.route}"


API = [
    Case("GET", f"{V1}/health", pair_scoped=False),
    Case("GET", f"{V1}/health/{{pairing_id}}", pair_scoped=True),
    Case("GET", f"{V1}/health/{{pairing_id}}/history", pair_scoped=True),
    Case("POST", f"{V1}/health/recompute", pair_scoped=True, writes=True),
]
PAGES = [
    Case("GET", "/health/", pair_scoped=False),
    Case("GET", "/health/pairs/{pairing_id}/", pair_scoped=True),
    Case("POST", "/health/recompute/", pair_scoped=True, writes=True),
]


def state() -> dict[str, Any]:
    return {
        "health": list(PairHealth.objects.order_by("pk").values()),
        "changes": list(HealthChange.objects.order_by("pk").values()),
    }


@pytest.fixture
def people(
    supervisor: User,
    henan: User,
    henan_member: User,
    henan_expert: User,
    tianjin: User,
    jiangxi: User,
) -> dict[str, User]:
    return {
        "supervisor": supervisor,
        "henan": henan,
        "henan_member": henan_member,
        "henan_expert": henan_expert,
        "tianjin": tianjin,
        "jiangxi": jiangxi,
    }


@pytest.fixture
def pair_id(tianjin_henan: Pairing) -> int:
    # Judged as of an earlier day than the recompute below, so a recompute changes the rows.
    services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY)
    return tianjin_henan.pk


def call(client: Client, case: Case, pair_id: int, *, api: bool) -> Any:
    path = case.route.replace("{pairing_id}", str(pair_id))
    if case.method == "GET":
        return client.get(path)
    if api:
        body = json.dumps({"pairing_ids": [pair_id], "today": "2021-03-01"})
        return client.post(path, body, content_type="application/json")
    return client.post(path, {"pairing": pair_id})


@pytest.mark.parametrize("case", API, ids=lambda c: c.id)
def test_api(case: Case, people: dict[str, User], pair_id: int, api: ClientFor) -> None:
    _check(case, people, pair_id, api, is_api=True)


@pytest.mark.parametrize("case", PAGES, ids=lambda c: c.id)
def test_pages(case: Case, people: dict[str, User], pair_id: int, login: ClientFor) -> None:
    _check(case, people, pair_id, login, is_api=False)


def _check(
    case: Case, people: dict[str, User], pair_id: int, client_for: ClientFor, *, is_api: bool
) -> None:
    before = state()
    outsider = call(client_for(people["jiangxi"]), case, pair_id, api=is_api)
    if case.pair_scoped:
        assert outsider.status_code == 404, outsider.content
    else:
        assert outsider.status_code == 200
        listed = outsider.json()["items"] if is_api else outsider.context["page"].object_list
        assert pair_id not in {
            (item["pairing"]["id"] if is_api else item.pairing_id) for item in listed
        }
    assert state() == before
    for name in IN_SCOPE:
        response = call(client_for(people[name]), case, pair_id, api=is_api)
        if case.writes and name in NOT_MINISTRY:
            assert response.status_code == 403, (name, response.content)
            assert state() == before, name
        else:
            assert response.status_code == (302 if case.writes and not is_api else 200), name
    if case.writes:
        # The Ministry's call (the last in IN_SCOPE) did write: judged as of another day.
        assert state() != before
        assert PairHealth.objects.get(pairing_id=pair_id).computed_for != TODAY
    else:
        assert state() == before


def test_every_route_is_in_the_matrix() -> None:
    schema = ninja_api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if path == f"{V1}/health" or path.startswith(f"{V1}/health/")
    }
    assert {(c.method, c.route) for c in API} == operations, "add the operation to API"
    assert len(operations) == sum(len(v.operations) for v in health_router.path_operations.values())
    patterns = [p for p in health_urls.urlpatterns if isinstance(p, URLPattern)]
    assert len(patterns) == len({c.route for c in PAGES}), "add the page to PAGES"
