"""Who may reach what: every search API operation, persona by persona.

Searching and suggestions are open to every signed-in user (what they find is scoped: see
test_api.py's scoping tests); the vocabulary and the rebuild are the platform admins'. From the
table: each refused persona gets 403 and nothing changes, the admin succeeds and the database
changes, and nobody without a token gets in. `test_every_route_is_in_the_matrix` fails when a
search operation is added without a row.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.testing import assert_problem
from twinning.search import services
from twinning.search.api import router as search_router
from twinning.search.models import SearchEntry
from twinning.search.tests.test_api import vocabulary_state

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
# The Ministry's supervisors see everything but do not keep the platform's vocabulary.
NOT_ADMINS = ("supervisor", "henan", "henan_expert", "jiangxi")
READERS = ("henan_expert", "jiangxi", "supervisor")


@dataclass(frozen=True)
class Case:
    method: str
    route: str
    target: str | None = None
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()
    changes: bool = False
    ok: int = 200
    actor: str = "admin_user"
    query: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method}-{self.route.removeprefix(V1)}"


API: list[Case] = [
    Case("GET", f"{V1}/search", query={"q": "撤桶并点"}, actor="henan"),
    Case("GET", f"{V1}/search/suggest", query={"q": "小区撤桶并点怎么做"}, actor="henan"),
    Case("GET", f"{V1}/search/dictionary", refused=NOT_ADMINS),
    Case("POST", f"{V1}/search/dictionary", None, {"word": "矩阵新词"}, NOT_ADMINS, True, 201),
    Case("POST", f"{V1}/search/dictionary/{{word_id}}/archive", "word", {}, NOT_ADMINS, True),
    Case("POST", f"{V1}/search/dictionary/{{word_id}}/restore", "archived_word", {}, NOT_ADMINS,
         True),
    Case("GET", f"{V1}/search/synonyms", refused=NOT_ADMINS),
    Case("POST", f"{V1}/search/synonyms", None, {"words": ["矩阵戊", "矩阵己"]}, NOT_ADMINS,
         True, 201),
    Case("POST", f"{V1}/search/synonyms/{{group_id}}/archive", "group", {}, NOT_ADMINS, True),
    Case("POST", f"{V1}/search/synonyms/{{group_id}}/restore", "archived_group", {}, NOT_ADMINS,
         True),
    # The rebuild runs after the commit (test_api checks it rebuilds): the request writes nothing.
    Case("POST", f"{V1}/search/reindex", None, {}, NOT_ADMINS, False, 202),
]  # fmt: skip

SEARCH_PATHS = {f"{V1}{path}" for path in search_router.path_operations}
WRITES = [c for c in API if c.refused]
READS = [c for c in API if not c.refused]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


def state() -> dict[str, Any]:
    return {
        **vocabulary_state(),
        "entries": list(SearchEntry.objects.order_by("pk").values("pk", "kind", "object_id")),
    }


@pytest.fixture
def objects(admin_user: User) -> dict[str, Any]:
    word = services.add_word(admin_user, word="矩阵测试词")
    old_word = services.add_word(admin_user, word="矩阵旧词")
    services.archive_word(admin_user, word=old_word)
    group = services.add_synonym_group(admin_user, words="矩阵甲 矩阵乙")
    old_group = services.add_synonym_group(admin_user, words="矩阵丙 矩阵丁")
    services.archive_synonym_group(admin_user, group=old_group)
    return {
        "word": {"word_id": word.pk},
        "archived_word": {"word_id": old_word.pk},
        "group": {"group_id": group.pk},
        "archived_group": {"group_id": old_group.pk},
    }


def send(case: Case, client: Client, objects: dict[str, Any]) -> Any:
    values = objects[case.target] if case.target else {}
    url = case.route.format(**{n: values[n] for n in re.findall(r"{(\w+)}", case.route)})
    if case.method == "GET":
        return client.get(url, case.query)
    return client.post(url, case.data or {}, "application/json")


@pytest.mark.parametrize("case", by_id(WRITES))
def test_everyone_but_a_platform_admin_gets_403_and_changes_nothing(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    for persona in case.refused:
        before = state()

        response = send(case, api(request.getfixturevalue(persona)), objects)

        assert_problem(response, 403, "forbidden")
        assert state() == before, persona


@pytest.mark.parametrize("case", by_id(READS))
@pytest.mark.parametrize("persona", READERS)
def test_every_signed_in_user_may_search(
    case: Case,
    persona: str,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    api: ClientFor,
) -> None:
    before = state()

    response = send(case, api(request.getfixturevalue(persona)), objects)

    assert response.status_code == 200, response.content
    assert state() == before


@pytest.mark.parametrize("case", by_id(API))
def test_the_right_actor_succeeds(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    before = state()

    response = send(case, api(request.getfixturevalue(case.actor)), objects)

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
    api_operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path in SEARCH_PATHS
    }

    assert {(c.method, c.route) for c in API} == api_operations, "add the operation to API"
    assert len(api_operations) == sum(
        len(v.operations) for v in search_router.path_operations.values()
    )
    assert len({c.id for c in API}) == len(API)
