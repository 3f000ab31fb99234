"""Who may reach what: every knowledge API operation, persona by persona.

One table (`API`) lists each operation with the object its URL points at. The objects are
河南's (410000, the partner side of 天津–河南) and visible to the pair's two sides only. From
it: an outsider (江西) gets 404 and changes nothing; read-only users in scope get 403 on every
write and nothing changes — 河南's expert, and 天津, the leading side, which sees the pair's
records but does not keep 河南's; and the right actor (河南's coordinator, the Ministry for
reviews) succeeds and the database changes, so the matrix cannot pass by refusing everyone.
`test_every_route_is_in_the_matrix` fails when a knowledge operation is added without a row.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.testing import assert_problem
from twinning.knowledge import services
from twinning.knowledge.api import router as knowledge_router
from twinning.knowledge.models import Visibility
from twinning.knowledge.tests.test_api import state
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
DOC = f"{V1}/documents/{{document_id}}"
CASE = f"{V1}/cases/{{case_id}}"
COMP = f"{V1}/compilations/{{compilation_id}}"

# In 河南's scope but read-only: its expert, and the leading side that sees the pair's records.
READ_ONLY = ("henan_expert", "tianjin")
# Nominating is for the region's coordinators (not its members).
NOT_NOMINATORS = ("henan_expert", "henan_member", "tianjin")
# Promoting and returning are the Ministry's.
NOT_MINISTRY = ("henan_expert", "henan", "tianjin")
# Creating: anyone but a reader.
READERS = ("henan_expert",)


@dataclass(frozen=True)
class Case:
    """One operation, the object its URL points at, and who must be refused."""

    method: str
    route: str  # the path as in the OpenAPI schema
    target: str | None  # key of the `objects` fixture; None for operations without an object
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    changes: bool = False  # whether the successful request writes
    ok: int = 200
    actor: str = "henan"  # who succeeds
    query: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method}-{self.route.removeprefix(V1)}"


def text_file(objects: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("新版本.txt", "郑州市撤桶并点实施方案（修订）".encode())


def pair_id(objects: dict[str, Any]) -> int:
    return int(objects["pairing"])


def met_target(objects: dict[str, Any]) -> int:
    return int(objects["met_target"])


def all_documents(objects: dict[str, Any]) -> list[int]:
    return [int(objects["document"]["document_id"]), int(objects["second"])]


API: list[Case] = [
    # documents
    Case("GET", f"{V1}/documents", None),
    Case("POST", f"{V1}/documents", None,
         {"file": text_file, "visibility": "pair", "pairing": pair_id}, READERS, True, 201),
    Case("GET", DOC, "document"),
    Case("PATCH", DOC, "document", {"summary": "补充摘要", "lock_version": 1}, READ_ONLY, True),
    Case("GET", f"{DOC}/versions", "document"),
    Case("POST", f"{DOC}/versions", "document", {"file": text_file}, READ_ONLY, True, 201),
    Case("GET", f"{DOC}/versions/{{number}}/file", "document"),
    Case("GET", f"{DOC}/text", "document"),
    Case("POST", f"{DOC}/archive", "document", {}, READ_ONLY, True),
    Case("POST", f"{DOC}/restore", "archived_document", {}, READ_ONLY, True),
    Case("GET", f"{DOC}/history", "document"),
    # model cases
    Case("GET", f"{V1}/cases", None),
    Case("POST", f"{V1}/cases", None,
         {"title": "郑州市定时定点", "region": "410000", "problem": "问题", "approach": "做法",
          "results": "成效", "visibility": "pair", "pairing": pair_id}, READERS, True, 201),
    Case("POST", f"{V1}/cases/propose", None,
         {"origin_kind": "target", "origin_id": met_target, "values": {"approach": "撤桶并点"}},
         NOT_NOMINATORS, True, 201),
    Case("GET", CASE, "case"),
    Case("PATCH", CASE, "case", {"figures": "准确率 85%", "lock_version": 1}, READ_ONLY, True),
    Case("POST", f"{CASE}/nominate", "case", {}, NOT_NOMINATORS, True),
    Case("POST", f"{CASE}/promote", "nominated", {"note": "典型"}, NOT_MINISTRY, True,
         actor="supervisor"),
    Case("POST", f"{CASE}/return", "nominated", {"note": "请补充数据"}, NOT_MINISTRY, True,
         actor="supervisor"),
    Case("POST", f"{CASE}/archive", "case", {}, READ_ONLY, True),
    Case("POST", f"{CASE}/restore", "archived_case", {}, READ_ONLY, True),
    Case("GET", f"{CASE}/history", "case"),
    Case("GET", f"{CASE}/adoptions", "case", query={"withdrawn": "true"}),
    Case("POST", f"{CASE}/adoptions", "case", {"region": "410400", "note": "借鉴"}, READ_ONLY,
         True, 201),
    Case("POST", f"{CASE}/adoptions/{{adoption_id}}/withdraw", "adoption", {}, READ_ONLY, True),
    # compilations
    Case("GET", f"{V1}/compilations", None),
    Case("POST", f"{V1}/compilations", None,
         {"title": "河南省政策文件汇编", "visibility": "pair", "pairing": pair_id,
          "documents": all_documents}, READERS, True, 201),
    Case("GET", COMP, "compilation"),
    Case("PATCH", COMP, "compilation", {"preface": "新前言", "lock_version": 1}, READ_ONLY, True),
    Case("PUT", f"{COMP}/documents", "compilation",
         {"documents": all_documents, "lock_version": 1}, READ_ONLY, True),
    Case("GET", f"{COMP}/export", "compilation", query={"format": "zip"}),
    Case("POST", f"{COMP}/archive", "compilation", {}, READ_ONLY, True),
    Case("POST", f"{COMP}/restore", "archived_compilation", {}, READ_ONLY, True),
    Case("GET", f"{COMP}/history", "compilation"),
]  # fmt: skip

KNOWLEDGE_PATHS = {f"{V1}{path}" for path in knowledge_router.path_operations}

SCOPED = [c for c in API if c.target is not None]
WRITES = [c for c in API if c.refused]
READS = [c for c in API if not c.refused]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_leftover_files() -> Iterator[None]:
    root = Path(settings.MEDIA_ROOT)
    before = {p for p in root.rglob("*") if p.is_file()}
    yield
    for path in {p for p in root.rglob("*") if p.is_file()} - before:
        path.unlink(missing_ok=True)


@pytest.fixture
def objects(henan: User, supervisor: User, tianjin_henan: Pairing) -> dict[str, Any]:
    """河南's records, visible to 天津–河南 only: a document (and a second one), an archived
    document, a draft case, a nominated case, an archived case with an adoption by 许昌, a
    compilation of the document and an archived one."""
    pair: dict[str, Any] = {"visibility": Visibility.PAIR, "pairing": tianjin_henan}

    def document(title: str) -> Any:
        return services.create_document(
            henan,
            file=SimpleUploadedFile(f"{title}.txt", f"{title}：撤桶并点".encode()),
            name=f"{title}.txt",
            **pair,
        )

    def case(title: str) -> Any:
        return services.create_case(
            henan, title=title, problem="混投", approach="撤桶并点", results="准确率提高", **pair
        )

    first, second, old = document("郑州市实施方案"), document("郑州市考核办法"), document("旧方案")
    services.archive_document(henan, old)
    draft, nominee, old_case = case("郑州市撤桶并点"), case("开封市定时定点"), case("旧案例")
    services.nominate_case(henan, nominee)
    services.archive_case(henan, old_case)
    adoption = services.record_adoption(henan, draft, region="411000")
    compilation = services.create_compilation(
        henan, title="河南省汇编", document_ids=[first.pk], **pair
    )
    old_compilation = services.create_compilation(henan, title="旧汇编", **pair)
    services.archive_compilation(henan, old_compilation)
    return {
        "pairing": tianjin_henan.pk,
        "met_target": _met_target(supervisor).pk,
        "second": second.pk,
        "document": {"document_id": first.pk, "number": 1},
        "archived_document": {"document_id": old.pk},
        "case": {"case_id": draft.pk, "adoption_id": adoption.pk},
        "nominated": {"case_id": nominee.pk},
        "archived_case": {"case_id": old_case.pk},
        "adoption": {"case_id": draft.pk, "adoption_id": adoption.pk},
        "compilation": {"compilation_id": compilation.pk},
        "archived_compilation": {"compilation_id": old_compilation.pk},
    }


def _met_target(supervisor: User) -> Any:
    """河南's coverage target met before its due date: a good result to propose a case from."""
    import datetime as dt
    from decimal import Decimal

    from twinning.indicators import services as indicator_services
    from twinning.indicators.models import Report
    from twinning.indicators.tests.reports_factory import make_report

    make_report(
        "410000",
        "2023-06",
        {"communities_total": 1000, "communities_sorting": 920},
        status=Report.Status.SUBMITTED,
    )
    return indicator_services.create_target(
        actor=supervisor,
        region="410000",
        indicator="community_coverage_rate",
        baseline_value=Decimal(80),
        baseline_date=dt.date(2022, 12, 31),
        target_value=Decimal(90),
        due_date=dt.date(2023, 12, 31),
    )


# --- helpers -----------------------------------------------------------------------------------


def fill(value: Any, objects: dict[str, Any]) -> Any:
    return value(objects) if callable(value) else value


def url_of(case: Case, objects: dict[str, Any]) -> str:
    values = objects[case.target] if case.target else {}
    return case.route.format(**{name: values[name] for name in re.findall(r"{(\w+)}", case.route)})


def send(case: Case, client: Client, objects: dict[str, Any]) -> Any:
    url = url_of(case, objects)
    method = getattr(client, case.method.lower())
    if case.method == "GET":
        return method(url, case.query)
    data = {k: fill(v, objects) for k, v in (case.data or {}).items()}
    if any(isinstance(v, SimpleUploadedFile) for v in data.values()):
        return method(url, data)
    return method(url, data, "application/json")


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", by_id(SCOPED))
def test_an_outsider_gets_404_and_changes_nothing(
    case: Case, objects: dict[str, Any], jiangxi: User, api: ClientFor
) -> None:
    before = state()

    response = send(case, api(jiangxi), objects)

    body = assert_problem(response, 404, "not_found")
    assert "郑州" not in str(body) and "河南" not in str(body)
    assert state() == before


@pytest.mark.parametrize("case", by_id(WRITES))
def test_a_read_only_user_in_scope_gets_403_on_every_write(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    for persona in case.refused:
        client = api(request.getfixturevalue(persona))
        before = state()

        response = send(case, client, objects)

        assert response.status_code == 403, (persona, response.content)
        assert_problem(response, 403, "forbidden")
        assert state() == before, persona


@pytest.mark.parametrize("case", by_id(READS))
@pytest.mark.parametrize("persona", ["henan_expert", "tianjin"])
def test_a_read_only_user_in_scope_may_read(
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
    client = api(request.getfixturevalue(case.actor))
    before = state()

    response = send(case, client, objects)

    assert response.status_code == case.ok, response.content
    assert (state() != before) is case.changes


@pytest.mark.parametrize("case", by_id(API))
def test_without_a_token_every_operation_is_401(
    case: Case, objects: dict[str, Any], client: Client
) -> None:
    before = state()

    response = send(case, client, objects)

    assert_problem(response, 401, "unauthenticated")
    assert state() == before


def test_every_route_is_in_the_matrix() -> None:
    schema = ninja_api.get_openapi_schema()
    api_operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path in KNOWLEDGE_PATHS
    }
    rows = {(c.method, c.route) for c in API}

    assert rows == api_operations, "add the new knowledge API operation to API"
    assert len(api_operations) == sum(
        len(v.operations) for v in knowledge_router.path_operations.values()
    )
    assert len({c.id for c in API}) == len(API)


# --- outsiders in lists ------------------------------------------------------------------------


def test_an_outsider_finds_none_of_the_pairs_records_in_lists(
    objects: dict[str, Any], jiangxi: User, api: ClientFor
) -> None:
    client = api(jiangxi)

    for path in ("documents", "cases", "compilations"):
        for archived in ("false", "true"):
            listed = client.get(f"{V1}/{path}", {"archived": archived}).json()
            assert listed["count"] == 0, (path, archived)


def test_the_outsider_cannot_point_a_new_record_at_the_pair(
    objects: dict[str, Any], jiangxi: User, api: ClientFor
) -> None:
    """Creating operations have no object in the URL: the pair named in the body is refused."""
    client = api(jiangxi)
    before = state()

    for case in [c for c in API if c.method == "POST" and c.target is None]:
        response = send(case, client, objects)
        # A proposal names its source (a target of the pair's) in the body: not found for them.
        refused = (404,) if case.route.endswith("/propose") else (403, 422)
        assert response.status_code in refused, (case.id, response.content)
    assert state() == before
