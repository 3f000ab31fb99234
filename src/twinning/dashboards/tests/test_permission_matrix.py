"""Who may reach what: every dashboard page and API operation, persona by persona.

The objects are 天津–河南's: a closed notice (a good result to propose a case from). An outsider
(江西) gets 404 and changes nothing; 河南's expert and member (read-only for proposals) get 403
on proposing and change nothing; the right actor succeeds and the proposal writes a case, so
the matrix cannot pass by refusing everyone. The national dashboard is the Ministry's (403 for
region users). `test_every_route_is_in_the_matrix` fails when an operation is added without a row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem
from twinning.dashboards.api import router as dashboards_router
from twinning.knowledge.models import ModelCase
from twinning.pairings.models import Pairing
from twinning.supervision.models import Notice

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
APPROACH = {"approach": "先行方派员驻点指导，逐项销号。"}


def state() -> tuple[Any, ...]:
    return (
        list(ModelCase.objects.order_by("pk").values_list("pk", "status", "lock_version")),
        AuditEntry.objects.count(),
    )


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # with {pairing} / {notice} placeholders
    ok: int  # for the right actor
    actor: str
    outsider: int | None = None  # status for 江西 (None: not pair-scoped)
    refused: tuple[str, ...] = ()  # personas that get 403
    writes: bool = False
    data: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method}-{self.path}"


PAGES = [
    Row("GET", "/dashboard/", 302, "henan"),
    Row("GET", "/dashboard/ministry/", 200, "supervisor", 403, ("henan", "henan_expert")),
    Row("GET", "/dashboard/me/", 200, "henan_expert"),
    Row("GET", "/dashboard/pairs/{pairing}/", 200, "henan_expert", 404),
    Row("GET", "/dashboard/propose-case/?origin=notice&id={notice}", 200, "henan", 404,
        ("henan_expert", "henan_member")),
    Row("POST", "/dashboard/propose-case/", 302, "henan", 404, ("henan_expert", "henan_member"),
        True),
]  # fmt: skip

API = [
    Row("GET", f"{V1}/dashboard/ministry", 200, "supervisor", 403, ("henan", "henan_expert")),
    Row("GET", f"{V1}/dashboard/pairs/{{pairing}}", 200, "henan_expert", 404),
    Row("GET", f"{V1}/dashboard/me", 200, "henan_expert"),
    Row("GET", f"{V1}/dashboard/promotion-candidates", 200, "henan_expert"),
    Row("POST", f"{V1}/cases/propose", 201, "henan", 404, ("henan_expert", "henan_member"), True,
        {"origin_kind": "notice", "values": APPROACH}),
]  # fmt: skip


@pytest.fixture
def objects(closed_notice: Notice, tianjin_henan: Pairing) -> dict[str, int]:
    return {"pairing": tianjin_henan.pk, "notice": closed_notice.pk}


def send(row: Row, client: Client, objects: dict[str, int]) -> Any:
    url = row.path.format(**objects)
    if row.method == "GET":
        return client.get(url)
    if url.startswith(V1):
        return client.post(
            url, {**(row.data or {}), "origin_id": objects["notice"]}, "application/json"
        )
    return client.post(url, {"origin": "notice", "id": objects["notice"], "title": "整改经验",
                             "region": "410000", "problem": "问题", "results": "成效",
                             "visibility": "programme", **APPROACH})  # fmt: skip


def is_api(row: Row) -> bool:
    return row.path.startswith(V1)


ROWS = [pytest.param(r, id=r.id) for r in PAGES + API]


@pytest.mark.parametrize("row", ROWS)
def test_the_right_actor_succeeds(
    row: Row, objects: dict[str, int], request: pytest.FixtureRequest, api: ClientFor, login: Any
) -> None:
    user = request.getfixturevalue(row.actor)
    client = api(user) if is_api(row) else login(user)
    before = state()

    response = send(row, client, objects)

    assert response.status_code == row.ok, response.content[:2000]
    assert (state() != before) is row.writes


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in PAGES + API if r.outsider])
def test_an_outsider_is_refused_and_nothing_changes(
    row: Row, objects: dict[str, int], jiangxi: User, api: ClientFor, login: Any
) -> None:
    client = api(jiangxi) if is_api(row) else login(jiangxi)
    before = state()

    response = send(row, client, objects)

    assert response.status_code == row.outsider
    if is_api(row):
        assert_problem(
            response, row.outsider or 0, "not_found" if row.outsider == 404 else "forbidden"
        )
        assert "河南" not in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in PAGES + API if r.refused])
def test_read_only_users_get_403_and_nothing_changes(
    row: Row, objects: dict[str, int], request: pytest.FixtureRequest, api: ClientFor, login: Any
) -> None:
    for persona in row.refused:
        user = request.getfixturevalue(persona)
        client = api(user) if is_api(row) else login(user)
        before = state()

        response = send(row, client, objects)

        assert response.status_code == 403, (persona, response.content[:500])
        if is_api(row):
            assert_problem(response, 403, "forbidden")
        assert state() == before, persona


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in PAGES + API])
def test_without_signing_in_nothing_is_shown(
    row: Row, objects: dict[str, int], client: Client
) -> None:
    before = state()

    response = send(row, client, objects)

    if is_api(row):
        assert_problem(response, 401, "unauthenticated")
    else:
        assert response.status_code == 302 and "/login" in response["Location"]
    assert state() == before


def test_every_route_is_in_the_matrix() -> None:
    schema = ninja_api.get_openapi_schema()
    ours = {f"{V1}{path}" for path in dashboards_router.path_operations}
    operations = {
        (method.upper(), path.replace("{pairing_id}", "{pairing}"))
        for path, methods in schema["paths"].items()
        for method in methods
        if path in ours
    }
    rows = {(r.method, r.path) for r in API if "/dashboard" in r.path}

    assert operations == rows
