"""Who may reach what: every consultations page and API operation, persona by persona.

One table (`CASES`) lists each web route and API operation with the object it points at. 河南
(the partner side) asks on 天津–河南; 天津 (the leading side) assigns and answers. From the table:
an outsider (江西) and an unrelated expert (甘肃's) get 404 on the pair's problems, read-only users
in scope (河南's expert, the Ministry) get 403 on every write they are not entitled to and nothing
changes, and the entitled person (the asker, the leading side, an assigned or pool expert, a
platform admin for the expert pool) succeeds and the database changes, so the matrix cannot pass
by refusing everyone. Problems are also visible to the experts assigned to them and to the
national pool's experts of their topic, wherever those are. `test_every_route_is_in_the_matrix`
fails when a consultations page or API operation is added without a row here.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.consultations import services, views
from twinning.consultations import urls as consultations_urls
from twinning.consultations.api import router as consultations_router
from twinning.consultations.models import ExpertTopic, Problem
from twinning.consultations.tests.conftest import PDF, consultations_state, pdf
from twinning.core.testing import assert_problem
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic

ClientFor = Callable[[User], Client]
Ask = Callable[..., Problem]

# Read-only in scope: 河南's expert, and the Ministry (it assigns experts, it does not ask,
# answer or decide).
READ_ONLY = ("henan_expert", "supervisor")
# Asking and adding files to the question: the partner side's coordinators and members.
NOT_ASKERS = (*READ_ONLY, "tianjin")
# Accepting, rating, closing, reopening, archiving, editing: the asker (河南's coordinator) and
# the partner side's coordinators, not its members.
NOT_DECIDERS = (*READ_ONLY, "tianjin", "henan_member")
# Assigning: the leading side's coordinators and the Ministry.
NOT_ASSIGNERS = ("henan_expert", "henan", "henan_member")
# Answering: the leading side, assigned experts and the topic's pool experts.
NOT_ANSWERERS = (*READ_ONLY, "henan")
# The national expert pool is the platform admins'.
NOT_ADMINS = ("tianjin", "supervisor", "henan_expert")
# Personas who do not see the pair's problems at all.
OUTSIDERS = ("jiangxi", "gansu_expert")


@dataclass(frozen=True)
class Case:
    """One route and method, the objects its URL points at, and who must be refused."""

    surface: str  # "web" (a consultations URL name) or "api" (a path as in the OpenAPI schema)
    method: str
    route: str
    target: str | None  # key of the `objects` fixture; None for routes without an object
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    changes: bool = False  # whether the successful request writes
    ok: int = 200
    coordinator: str = "tianjin"  # who succeeds
    query: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, str] = field(default_factory=dict)  # extra URL arguments (web)
    ids: dict[str, str] = field(default_factory=dict)  # URL parameter → `objects` key (api)
    admin: bool = False  # the expert pool: not pair-scoped
    outsider: tuple[int, str] = (404, "not_found")  # what an outsider gets (api)
    label: str = ""  # tells two rows of the same route apart
    marks: dict[str, Any] = field(default_factory=dict)  # test name → pytest mark

    @property
    def pair_scoped(self) -> bool:
        return self.target is not None and not self.admin

    @property
    def id(self) -> str:
        extra = "".join(f"-{v}" for v in self.kwargs.values())
        label = f"-{self.label}" if self.label else ""
        query = "-with-pairing" if "pairing" in self.query else ""
        return f"{self.surface}-{self.method}-{self.route}{extra}{query}{label}"


def pdf_upload(objects: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("现场照片.pdf", PDF)


NEW_FORM = {
    "pairing": "{pairing}",
    "title": "餐厨垃圾收运车辆不足",
    "description": "县城餐厨垃圾收运车辆只有两台，怎样合理安排线路？",
    "topic": "{topic}",
    "urgency": "urgent",
    "response_days": "14",
}
EDIT_FORM = {
    "title": "厨余垃圾分出率偏低",
    "description": "小区设置了定时定点投放，但居民参与度仍然不高。",
    "topic": "{topic}",
    "urgency": "urgent",
}
CLOSE = {"reason": "已在别处解决"}

W = "web"
WEB: list[Case] = [
    Case(W, "GET", "list", None),
    Case(W, "POST", "list", None),
    Case(W, "GET", "new", None),
    Case(W, "GET", "new", "pairing", refused=NOT_ASKERS, coordinator="henan",
         query={"pairing": "{pairing}"}),
    Case(W, "POST", "new", "pairing", NEW_FORM, NOT_ASKERS, True, 302, "henan_member"),
    Case(W, "GET", "similar", None, query={"q": "厨余垃圾分出率怎么提高"}),
    Case(W, "POST", "similar", None),
    Case(W, "GET", "experts", None, refused=NOT_ADMINS, coordinator="admin_user"),
    Case(W, "POST", "experts", None, {"user": "{gansu_expert}", "topic": "{laws_topic}"},
         NOT_ADMINS, True, 302, "admin_user"),
    Case(W, "POST", "expert_remove", "pool_row", {}, NOT_ADMINS, True, 302, "admin_user",
         admin=True),
    Case(W, "GET", "detail", "open"),
    Case(W, "POST", "detail", "open"),
    Case(W, "GET", "edit", "open", refused=NOT_DECIDERS, coordinator="henan"),
    Case(W, "POST", "edit", "open", EDIT_FORM, NOT_DECIDERS, True, 302, "henan"),
    Case(W, "POST", "assign", "open", {"expert": "{leading_expert}"}, NOT_ASSIGNERS, True, 302),
    Case(W, "POST", "answer", "open", {"body": "建议设立桶边督导员。"}, NOT_ANSWERERS, True,
         302),
    Case(W, "POST", "rate", "answered", {"rating": "4", "comment": "有帮助"}, NOT_DECIDERS,
         True, 302, "henan"),
    # Anyone who sees a problem may comment on it, 河南's expert included.
    Case(W, "POST", "comment", "open", {"body": "补充一点情况。"}, (), True, 302,
         "henan_expert"),
    Case(W, "POST", "attach", "open", {"attachments": pdf_upload}, NOT_ASKERS, True, 302,
         "henan_member"),
    Case(W, "POST", "action", "resolved", {}, NOT_DECIDERS, True, 302, "henan",
         kwargs={"action": "solved"}),
    Case(W, "POST", "action", "open", CLOSE, NOT_DECIDERS, True, 302, "henan",
         kwargs={"action": "close"}),
    Case(W, "POST", "action", "resolved", {"reason": "问题又出现了"}, NOT_DECIDERS, True, 302,
         "henan", kwargs={"action": "reopen"}),
    Case(W, "POST", "action", "open", {}, NOT_DECIDERS, True, 302, "henan",
         kwargs={"action": "archive"}),
    Case(W, "POST", "action", "archived_problem", {}, NOT_DECIDERS, True, 302, "henan",
         kwargs={"action": "restore"}),
    Case(W, "POST", "accept", "answer", {}, NOT_DECIDERS, True, 302, "henan"),
    Case(W, "GET", "attachment", "attachment"),
    Case(W, "POST", "attachment", "attachment"),
]  # fmt: skip

# Web routes that only answer POST (GET is refused with 405: checked below).
POST_ONLY = {"expert_remove", "assign", "answer", "rate", "comment", "attach", "action", "accept"}

V1 = "/api/v1"
C = f"{V1}/consultations"
P = f"{C}/{{problem_id}}"
PROBLEM_IN = {
    "pairing_id": "{pairing}",
    "title": "餐厨垃圾收运车辆不足",
    "description": "县城餐厨垃圾收运车辆只有两台，怎样合理安排线路？",
    "topic": "sorted_disposal",
    "urgency": "urgent",
    "response_days": 14,
}
ANSWER_FILES = {"files": pdf_upload, "answer_id": "{answer}"}

A = "api"
API: list[Case] = [
    Case(A, "GET", C, None),
    # The pair is named in the body: one the asker cannot see is an unknown choice there.
    Case(A, "POST", C, "pairing", PROBLEM_IN, NOT_ASKERS, True, 201, "henan",
         outsider=(422, "unknown_pairing")),
    Case(A, "GET", f"{C}/similar", None, query={"q": "厨余垃圾分出率怎么提高"}),
    Case(A, "GET", P, "open"),
    Case(A, "PATCH", P, "open", {"title": "厨余垃圾分出率偏低"}, NOT_DECIDERS, True,
         coordinator="henan"),
    Case(A, "POST", f"{P}/assign", "open", {"expert": "tj_expert"}, NOT_ASSIGNERS, True, 201,
         "supervisor"),
    Case(A, "POST", f"{P}/answers", "open", {"body": "建议设立桶边督导员。"}, NOT_ANSWERERS,
         True, 201, "pool_expert"),
    Case(A, "POST", f"{P}/answers/{{answer_id}}/accept", "answered", {}, NOT_DECIDERS, True,
         coordinator="henan", ids={"answer_id": "answer"}),
    Case(A, "POST", f"{P}/rate", "answered", {"rating": 4, "comment": "有帮助"}, NOT_DECIDERS,
         True, coordinator="henan"),
    Case(A, "POST", f"{P}/solved", "resolved", {}, NOT_DECIDERS, True, coordinator="henan"),
    Case(A, "POST", f"{P}/close", "open", CLOSE, NOT_DECIDERS, True, coordinator="henan"),
    Case(A, "POST", f"{P}/reopen", "resolved", {"note": "问题又出现了"}, NOT_DECIDERS, True,
         coordinator="henan"),
    Case(A, "POST", f"{P}/archive", "open", {}, NOT_DECIDERS, True, coordinator="henan"),
    Case(A, "POST", f"{P}/restore", "archived_problem", {}, NOT_DECIDERS, True,
         coordinator="henan"),
    Case(A, "POST", f"{P}/comments", "open", {"body": "补充一点情况。"}, (), True, 201,
         "supervisor"),
    Case(A, "POST", f"{P}/attachments", "open", {"files": pdf_upload}, NOT_ASKERS, True, 201,
         "henan_member"),
    # Files for an answer: its author only (here 天津's expert, not the asker).
    Case(A, "POST", f"{P}/attachments", "answered", ANSWER_FILES, (*NOT_ANSWERERS, "tianjin"),
         True, 201, "leading_expert", label="answer"),
    Case(A, "GET", f"{C}/attachments/{{attachment_id}}/download", "attachment"),
    Case(A, "GET", f"{P}/history", "open"),
    Case(A, "GET", f"{V1}/expert-pool", None, refused=NOT_ADMINS, coordinator="admin_user"),
    Case(A, "POST", f"{V1}/expert-pool", None, {"user": "gs_expert", "topic": "laws_standards"},
         NOT_ADMINS, True, 201, "admin_user"),
    Case(A, "DELETE", f"{V1}/expert-pool/{{expert_topic_id}}", "pool_row", {}, NOT_ADMINS, True,
         coordinator="admin_user", admin=True),
]  # fmt: skip

# The consultations router's operations, as the OpenAPI schema names them.
CONSULTATIONS_PATHS = {f"{V1}{path}" for path in consultations_router.path_operations}

CASES = WEB + API
SCOPED = [c for c in CASES if c.pair_scoped]
WRITES = [c for c in CASES if c.refused]
READS = [c for c in CASES if not c.refused and not c.changes]


def by_id(cases: list[Case], test: str = "") -> list[Any]:
    return [
        pytest.param(c, id=c.id, marks=[c.marks[test]] if test in c.marks else []) for c in cases
    ]


# --- fixtures ----------------------------------------------------------------------------------


def db_state() -> dict[str, Any]:
    """Every row a consultations route writes, the audit trail's and the inboxes' sizes."""
    return consultations_state()


@pytest.fixture
def objects(
    ask: Ask,
    henan: User,
    tianjin: User,
    leading_expert: User,
    pool_expert: User,
    gansu_expert: User,
    sorting_topic: Topic,
    laws_topic: Topic,
    tianjin_henan: Pairing,
) -> dict[str, Any]:
    """河南's problems on 天津–河南, all about 分类投放: an open one with a file, one answered by
    天津's assigned expert (with a file on the answer), a resolved one and an archived one; the
    pool expert's row in the national pool."""
    open_problem = ask(files=[pdf()])
    answered = ask(title="其他垃圾清运不及时怎么办？", description="清运车辆经常晚点。")
    services.assign_expert(actor=tianjin, problem_id=answered.pk, expert=leading_expert)
    answer = services.add_answer(
        actor=leading_expert,
        problem_id=answered.pk,
        body="建议与环卫公司签订清运时限。",
        files=[pdf("清运方案.pdf")],
    )
    resolved = ask(title="可回收物回收价格低", description="回收企业不愿上门。")
    accepted = services.add_answer(actor=tianjin, problem_id=resolved.pk, body="建议政府补贴。")
    services.accept_answer(actor=henan, answer_id=accepted.pk)
    archived = ask(title="作废的难题", description="重复提出。")
    services.archive_problem(actor=henan, problem_id=archived.pk)
    return {
        "pairing": tianjin_henan.pk,
        "topic": sorting_topic.pk,
        "laws_topic": laws_topic.pk,
        "open": open_problem.pk,
        "answered": answered.pk,
        "resolved": resolved.pk,
        "archived_problem": archived.pk,
        "answer": answer.pk,
        "attachment": open_problem.attachments.get().pk,
        "answer_attachment": answer.attachments.get().pk,
        "pool_row": ExpertTopic.objects.get(user=pool_expert).pk,
        "leading_expert": leading_expert.pk,
        "gansu_expert": gansu_expert.pk,
    }


# --- helpers -----------------------------------------------------------------------------------


def fill(value: Any, objects: dict[str, Any]) -> Any:
    """Placeholders like "{open}" become the object's id; callables build the value (files)."""
    if callable(value):
        return value(objects)
    if isinstance(value, str) and re.fullmatch(r"{\w+}", value):
        return objects[value[1:-1]]
    if isinstance(value, list):
        return [fill(v, objects) for v in value]
    return value


def url_of(case: Case, objects: dict[str, Any]) -> str:
    object_id = objects[case.target] if case.target else None
    if case.surface == "web":
        pattern = next(p for p in consultations_urls.urlpatterns if p.name == case.route)
        kwargs = {**dict.fromkeys(pattern.pattern.converters, object_id), **case.kwargs}
        return reverse(f"consultations:{case.route}", kwargs=kwargs)
    params = dict.fromkeys(re.findall(r"{(\w+)}", case.route), object_id)
    params.update({name: objects[key] for name, key in case.ids.items()})
    return case.route.format(**params)


def send(case: Case, client: Client, objects: dict[str, Any]) -> Any:
    url = url_of(case, objects)
    query = {k: fill(v, objects) for k, v in case.query.items()}
    method = getattr(client, case.method.lower())
    if case.method == "GET":
        return method(url, query)
    if query:
        url = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
    data = {k: fill(v, objects) for k, v in (case.data or {}).items()}
    has_file = any(isinstance(v, SimpleUploadedFile) for v in data.values())
    if case.surface == "web" or has_file:
        return method(url, data)
    return method(url, data, "application/json")


def client_for(
    case: Case, persona: str, request: pytest.FixtureRequest, login: ClientFor, api: ClientFor
) -> Client:
    user = request.getfixturevalue(persona)
    return login(user) if case.surface == "web" else api(user)


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("case", by_id(SCOPED))
def test_an_outsider_gets_404_and_changes_nothing(
    case: Case,
    persona: str,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, persona, request, login, api)
    before = db_state()

    response = send(case, client, objects)

    if case.surface == "api":
        assert_problem(response, *case.outsider)
    else:
        assert response.status_code == 404, response.content
    assert "天津市—河南省" not in response.content.decode()
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(WRITES, "read_only"))
def test_a_read_only_user_in_scope_gets_403_on_every_write(
    case: Case,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    for persona in case.refused:
        client = client_for(case, persona, request, login, api)
        before = db_state()

        response = send(case, client, objects)

        assert response.status_code == 403, (persona, response.content)
        if case.surface == "api":
            assert_problem(response, 403, "forbidden")
        assert db_state() == before, persona


@pytest.mark.parametrize("persona", ["henan_expert", "pool_expert"])
@pytest.mark.parametrize("case", by_id(READS))
def test_a_read_only_user_in_scope_and_a_pool_expert_of_the_topic_may_read(
    case: Case,
    persona: str,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, persona, request, login, api)
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == 200, response.content
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(CASES, "entitled"))
def test_the_entitled_user_succeeds(
    case: Case,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, case.coordinator, request, login, api)
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == case.ok, response.content
    assert (db_state() != before) is case.changes


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_pages_refuse_get(
    name: str, objects: dict[str, Any], tianjin: User, login: ClientFor
) -> None:
    case = next(c for c in WEB if c.route == name)

    assert login(tianjin).get(url_of(case, objects)).status_code == 405


def test_every_route_is_in_the_matrix() -> None:
    web_names = {p.name for p in consultations_urls.urlpatterns}
    web_rows = {(c.method, c.route) for c in WEB}
    expected_web = {
        (method, name)
        for name in web_names
        for method in ("GET", "POST")
        if not (method == "GET" and name in POST_ONLY)
    }
    actions = {c.kwargs["action"] for c in WEB if c.route == "action"}
    schema = ninja_api.get_openapi_schema()
    api_operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path in CONSULTATIONS_PATHS
    }
    api_rows = {(c.method, c.route) for c in API}

    assert web_rows == expected_web, "add the new consultations page to WEB (or drop stale rows)"
    assert actions == set(views.ACTIONS), "add the new problem action to WEB"
    assert api_rows == api_operations, "add the new consultations API operation to API"
    assert len(api_operations) == sum(
        len(v.operations) for v in consultations_router.path_operations.values()
    )
    assert len({c.id for c in CASES}) == len(CASES)


# --- outsiders on routes without an object -----------------------------------------------------


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_an_outsider_does_not_find_the_pairs_problems_anywhere(
    persona: str,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    user = request.getfixturevalue(persona)
    client, browser = api(user), login(user)
    ours = {objects[k] for k in ("open", "answered", "resolved", "archived_problem")}

    listed = client.get(C, {"page_size": 100}).json()
    archived = client.get(C, {"archived": True}).json()
    similar = client.get(f"{C}/similar", {"q": "厨余垃圾分出率怎么提高"}).json()
    page = browser.get(reverse("consultations:list"))
    export = browser.get(reverse("consultations:list"), {"export": "xlsx"})
    hints = browser.get(reverse("consultations:similar"), {"q": "厨余垃圾分出率怎么提高"})

    assert not {i["id"] for i in listed["items"] + archived["items"]} & ours
    assert not {m["id"] for m in similar} & ours
    for response in (page, hints):
        assert response.status_code == 200
        assert "厨余垃圾分出率低" not in response.content.decode()
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row]
    assert not any("厨余垃圾分出率低" in cell or "河南" in cell for cell in cells)


def test_the_similar_hints_of_an_unrelated_topics_pool_expert_stay_empty(
    objects: dict[str, Any], gansu_expert: User, laws_topic: Topic, api: ClientFor
) -> None:
    ExpertTopic.objects.create(user=gansu_expert, topic=laws_topic)

    similar = api(gansu_expert).get(f"{C}/similar", {"q": "厨余垃圾分出率怎么提高"}).json()
    detail = api(gansu_expert).get(f"{C}/{objects['open']}")

    assert similar == []
    assert_problem(detail, 404, "not_found")


def test_an_outsider_cannot_ask_on_a_pair_it_cannot_see_from_the_page_either(
    objects: dict[str, Any], jiangxi: User, login: ClientFor
) -> None:
    before = db_state()

    page = login(jiangxi).post(
        reverse("consultations:new"), {**NEW_FORM, "pairing": objects["pairing"]}
    )

    assert page.status_code == 404
    assert db_state() == before


# --- who else sees a problem: its topic's pool experts and its assigned experts ----------------


def test_a_pool_expert_sees_the_topics_problems_only(
    objects: dict[str, Any], ask: Ask, pool_expert: User, api: ClientFor
) -> None:
    other_topic = ask(
        title="地方性法规怎样起草？", description="需要参考。", topic="laws_standards"
    )
    untagged = ask(title="没有分类的难题", description="说明。", topic=None)
    client = api(pool_expert)

    listed = {i["id"] for i in client.get(C, {"page_size": 100}).json()["items"]}

    assert {objects["open"], objects["answered"], objects["resolved"]} <= listed
    assert not {other_topic.pk, untagged.pk} & listed
    assert_problem(client.get(f"{C}/{other_topic.pk}"), 404, "not_found")
    assert_problem(client.get(f"{C}/{untagged.pk}"), 404, "not_found")
    assert client.get(f"{C}/attachments/{objects['answer_attachment']}/download").status_code == 200


def test_a_pool_expert_who_left_the_pool_no_longer_sees_the_topics_problems(
    objects: dict[str, Any], pool_expert: User, admin_user: User, api: ClientFor
) -> None:
    services.remove_pool_expert(actor=admin_user, expert_topic_id=objects["pool_row"])
    client = api(pool_expert)
    before = db_state()

    detail = client.get(f"{C}/{objects['open']}")
    answer = client.post(f"{P.format(problem_id=objects['open'])}/answers", {"body": "x"},
                         "application/json")  # fmt: skip

    assert_problem(detail, 404, "not_found")
    assert_problem(answer, 404, "not_found")
    assert db_state() == before


def test_an_assigned_expert_keeps_seeing_and_answering_after_leaving_the_pool(
    objects: dict[str, Any],
    pool_expert: User,
    tianjin: User,
    admin_user: User,
    api: ClientFor,
    login: ClientFor,
) -> None:
    services.assign_expert(actor=tianjin, problem_id=objects["open"], expert=pool_expert)
    services.remove_pool_expert(actor=admin_user, expert_topic_id=objects["pool_row"])
    client = api(pool_expert)

    detail = client.get(f"{C}/{objects['open']}")
    mine = client.get(C, {"mine": "assigned"}).json()
    page = login(pool_expert).get(reverse("consultations:detail", args=[objects["open"]]))
    answer = client.post(f"{C}/{objects['open']}/answers", {"body": "可以分片包干。"},
                         "application/json")  # fmt: skip
    other = client.get(f"{C}/{objects['answered']}")

    assert detail.status_code == 200
    assert [i["id"] for i in mine["items"]] == [objects["open"]]
    assert page.status_code == 200
    assert answer.status_code == 201, answer.content
    assert_problem(other, 404, "not_found")


def test_a_pool_expert_reads_but_does_not_decide(
    objects: dict[str, Any], pool_expert: User, api: ClientFor
) -> None:
    client = api(pool_expert)
    before = db_state()

    refusals = [
        client.post(f"{C}/{objects['answered']}/rate", {"rating": 5}, "application/json"),
        client.post(f"{C}/{objects['open']}/assign", {"expert": "pool_expert"},
                    "application/json"),
        client.post(f"{C}/{objects['open']}/close", CLOSE, "application/json"),
        client.patch(f"{C}/{objects['open']}", {"title": "x"}, "application/json"),
    ]  # fmt: skip

    for response in refusals:
        assert_problem(response, 403, "forbidden")
    assert db_state() == before


def test_an_unrelated_expert_gets_404_on_every_problem_page(
    objects: dict[str, Any], gansu_expert: User, login: ClientFor
) -> None:
    browser = login(gansu_expert)

    for key in ("open", "answered", "resolved", "archived_problem"):
        assert browser.get(reverse("consultations:detail", args=[objects[key]])).status_code == 404
    assert (
        browser.get(
            reverse("consultations:attachment", args=[objects["answer_attachment"]])
        ).status_code
        == 404
    )


def test_answer_attachments_are_only_as_visible_as_their_problem(
    objects: dict[str, Any], henan_expert: User, jiangxi: User, api: ClientFor
) -> None:
    url = f"{C}/attachments/{objects['answer_attachment']}/download"

    assert api(henan_expert).get(url).status_code == 200
    assert_problem(api(jiangxi).get(url), 404, "not_found")


def test_a_stray_answer_id_is_not_found_under_another_problem(
    objects: dict[str, Any], henan: User, api: ClientFor
) -> None:
    client = api(henan)
    before = db_state()

    response = client.post(f"{C}/{objects['open']}/answers/{objects['answer']}/accept", {},
                           "application/json")  # fmt: skip

    assert_problem(response, 404, "not_found")
    assert db_state() == before


def test_signing_in_is_needed_everywhere(objects: dict[str, Any]) -> None:
    anonymous = Client()

    for case in CASES:
        response = send(case, anonymous, objects)
        if case.surface == "api":
            assert response.status_code == 401, case.id
        else:
            assert response.status_code == 302, case.id
            assert response["Location"].startswith(reverse("login")), case.id
