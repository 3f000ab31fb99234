"""Who may reach what: every bulletins API operation and page, persona by persona.

The objects are bulletins of the pair 天津–河南 (drafted by 河南's coordinator). An outsider (江西)
gets 404 and changes nothing; read-only users in scope (河南's expert and member) get 403 on
every write and nothing changes; the right actor (河南's coordinator) succeeds and the database
changes, so the matrix cannot pass by refusing everyone. `test_every_route_is_in_the_matrix`
fails when an operation is added without a row.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.bulletins import services
from twinning.bulletins.api import router as bulletins_router
from twinning.bulletins.models import Bulletin
from twinning.config.api import api as ninja_api
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
ONE = f"{V1}/bulletins/{{bulletin_id}}"
READ_ONLY = ("henan_expert", "henan_member")


@dataclass(frozen=True)
class Case:
    method: str
    route: str
    target: str | None
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()
    changes: bool = False
    ok: int = 200
    query: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method}-{self.route.removeprefix(V1)}"


API: list[Case] = [
    Case("GET", f"{V1}/bulletins", None),
    Case("POST", f"{V1}/bulletins", None, {"scope": "pair", "pairing": "PAIR", "period": "2021H1"},
         READ_ONLY, True, 201),
    Case("GET", ONE, "draft"),
    Case("PATCH", ONE, "draft", {"sections": {"next": "加强督导"}, "lock_version": 1}, READ_ONLY,
         True),
    Case("POST", f"{ONE}/refresh", "draft", {}, READ_ONLY, True),
    Case("POST", f"{ONE}/release", "draft", {"lock_version": 1}, READ_ONLY, True),
    Case("POST", f"{ONE}/archive", "draft", {}, READ_ONLY, True),
    Case("POST", f"{ONE}/restore", "archived", {}, READ_ONLY, True),
    Case("GET", f"{ONE}/export", "draft", query={"format": "xlsx"}),
    Case("GET", f"{ONE}/history", "draft"),
]  # fmt: skip

PATHS = {f"{V1}{path}" for path in bulletins_router.path_operations}
SCOPED = [c for c in API if c.target is not None]
WRITES = [c for c in API if c.refused]
READS = [c for c in API if not c.refused]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


def state() -> list[Any]:
    return [
        list(
            Bulletin.objects.order_by("pk").values_list(
                "pk", "status", "sections", "lock_version", "archived_at", "generated_at"
            )
        ),
        AuditEntry.objects.filter(target_type="bulletins.bulletin").count(),
    ]


@pytest.fixture
def objects(henan: User, tianjin_henan: Pairing) -> dict[str, Any]:
    def draft() -> Bulletin:
        return services.draft(
            actor=henan, scope="pair", pairing=tianjin_henan.pk, period_code="2021H1"
        )

    current, old = draft(), draft()
    services.archive(actor=henan, bulletin=old)
    return {"pairing": tianjin_henan.pk, "draft": current.pk, "archived": old.pk}


def send(case: Case, client: Client, objects: dict[str, Any]) -> Any:
    url = (
        case.route.replace("{bulletin_id}", str(objects[case.target]))
        if case.target
        else case.route
    )
    method = getattr(client, case.method.lower())
    if case.method == "GET":
        return method(url, case.query)
    data = {k: (objects["pairing"] if v == "PAIR" else v) for k, v in (case.data or {}).items()}
    return method(url, data, "application/json")


@pytest.mark.parametrize("case", by_id(SCOPED))
def test_an_outsider_gets_404_and_changes_nothing(
    case: Case, objects: dict[str, Any], jiangxi: User, api: ClientFor
) -> None:
    before = state()
    body = assert_problem(send(case, api(jiangxi), objects), 404, "not_found")
    assert "河南" not in str(body)
    assert state() == before


def test_an_outsider_cannot_draft_for_the_pair(
    objects: dict[str, Any], jiangxi: User, api: ClientFor
) -> None:
    before = state()
    assert_problem(send(API[1], api(jiangxi), objects), 404, "not_found")
    assert state() == before


@pytest.mark.parametrize("case", by_id(WRITES))
def test_read_only_users_in_scope_get_403_on_every_write(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    for persona in case.refused:
        before = state()
        response = send(case, api(request.getfixturevalue(persona)), objects)
        assert_problem(response, 403, "forbidden")
        assert state() == before, persona


@pytest.mark.parametrize("case", by_id(READS))
@pytest.mark.parametrize("persona", READ_ONLY)
def test_read_only_users_in_scope_may_read(
    case: Case, persona: str, objects: dict[str, Any], request: pytest.FixtureRequest,
    api: ClientFor,
) -> None:  # fmt: skip
    before = state()
    response = send(case, api(request.getfixturevalue(persona)), objects)
    assert response.status_code == 200, response.content
    assert state() == before


@pytest.mark.parametrize("case", by_id(API))
def test_the_right_actor_succeeds(
    case: Case, objects: dict[str, Any], henan: User, api: ClientFor
) -> None:
    before = state()
    response = send(case, api(henan), objects)
    assert response.status_code == case.ok, response.content
    assert (state() != before) is case.changes


@pytest.mark.parametrize("case", by_id(API))
def test_without_a_token_every_operation_is_401(
    case: Case, objects: dict[str, Any], client: Client
) -> None:
    before = state()
    assert_problem(send(case, client, objects), 401, "unauthenticated")
    assert state() == before


def test_every_route_is_in_the_matrix() -> None:
    schema = ninja_api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if path in PATHS
    }
    assert {(c.method, c.route) for c in API} == operations


def test_an_outsider_lists_none_of_the_pairs_bulletins(
    objects: dict[str, Any], jiangxi: User, api: ClientFor
) -> None:
    for archived in ("false", "true"):
        assert api(jiangxi).get(f"{V1}/bulletins", {"archived": archived}).json()["count"] == 0


# --- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    method: str
    name: str  # URL pattern with {id}
    data: dict[str, Any] | None = None
    writes: bool = False


PAGES = [
    Page("GET", "/bulletins/{id}/"),
    Page("POST", "/bulletins/{id}/", {"number": "第9期", "title": "改", "lock_version": 1,
                                      "section_next": "改"}, True),
    Page("POST", "/bulletins/{id}/do/refresh/", {}, True),
    Page("POST", "/bulletins/{id}/do/release/", {}, True),
    Page("POST", "/bulletins/{id}/do/archive/", {}, True),
    Page("GET", "/bulletins/{id}/export.xlsx"),
    Page("GET", "/bulletins/{id}/trace/exchanges.held/"),
]  # fmt: skip


def open_page(page: Page, client: Client, bulletin_id: int) -> Any:
    url = page.name.replace("{id}", str(bulletin_id))
    return client.get(url) if page.method == "GET" else client.post(url, page.data or {})


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.method}-{p.name}")
def test_pages_outsider_404_read_only_403_coordinator_ok(
    page: Page, objects: dict[str, Any], jiangxi: User, henan_expert: User, henan: User,
    login: Callable[[User], Client],
) -> None:  # fmt: skip
    before = state()
    assert open_page(page, login(jiangxi), objects["draft"]).status_code == 404
    assert state() == before
    expected = 403 if page.writes else 200
    assert open_page(page, login(henan_expert), objects["draft"]).status_code == expected
    assert state() == before
    response = open_page(page, login(henan), objects["draft"])
    assert response.status_code == (302 if page.writes else 200), response.content[:500]
    assert (state() != before) is page.writes


def test_drafting_page_outsider_404_read_only_403(
    objects: dict[str, Any], jiangxi: User, henan_expert: User, login: Callable[[User], Client]
) -> None:
    before = state()
    data = {"scope": "pair", "pairing": objects["pairing"], "period": "2021H1"}
    assert login(henan_expert).post("/bulletins/new/", data).status_code == 403
    # 江西 does not see the pair: it is not among the form's choices.
    response = login(jiangxi).post("/bulletins/new/", data)
    assert response.status_code == 422 and "pairing" in response.context["form"].errors
    assert state() == before
    assert "天津市—河南省" not in login(jiangxi).get("/bulletins/").content.decode()


def test_release_of_a_pair_bulletin_is_allowed_for_the_other_sides_coordinator(
    objects: dict[str, Any], tianjin: User, api: ClientFor
) -> None:
    response = api(tianjin).post(
        f"{V1}/bulletins/{objects['draft']}/release", {}, "application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "released"
    assert re.match(r"20\d\d-", response.json()["released_at"])
