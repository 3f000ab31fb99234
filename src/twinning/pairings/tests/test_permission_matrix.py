"""Who may reach what: every pairings page and every pair-scoped API endpoint, persona by persona.

One table (`CASES`) lists each web route and API operation with the object it points at. From it:
an outsider (江西, on 天津–河南 objects) gets 404, read-only users in scope get 403 on every write
and nothing changes, and an in-scope coordinator succeeds, so the matrix cannot pass by refusing
everyone. `test_every_route_is_in_the_matrix` fails when a route is added without a row here.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from twinning.accounts.models import Organisation, Role, User
from twinning.accounts.tests.factories import make_user
from twinning.bulletins.api import router as bulletins_router
from twinning.config.api import api as ninja_api
from twinning.consultations.api import router as consultations_router
from twinning.core.testing import assert_problem
from twinning.dashboards.api import router as dashboards_router
from twinning.evaluation.api import router as evaluation_router
from twinning.exchanges.api import router as exchanges_router
from twinning.health.api import router as health_router
from twinning.indicators.api import router as indicators_router
from twinning.knowledge.api import router as knowledge_router
from twinning.notifications.api import router as notifications_router
from twinning.pairings import services
from twinning.pairings import urls as pairings_urls
from twinning.pairings.models import Body, Pairing, Side
from twinning.pairings.tests.helpers import db_state
from twinning.plans.api import router as plans_router
from twinning.search.api import router as search_router
from twinning.supervision.api import router as supervision_router

ClientFor = Callable[[User], Client]
PairFor = Callable[[str, str], Pairing]

# Read-only users in scope: experts of either side, and the Ministry for content it does not keep.
EXPERTS = ("henan_expert", "tianjin_expert")
READ_ONLY = (*EXPERTS, "supervisor")


@dataclass(frozen=True)
class Case:
    """One route and method, the object its URL points at, and who must be refused."""

    surface: str  # "web" (a pairings URL name) or "api" (a path as in the OpenAPI schema)
    method: str
    route: str
    target: str | None  # key of the `objects` fixture; None for routes without an object
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    changes: bool = False  # whether the coordinator's request writes
    ok: int = 200
    coordinator: str = "tianjin"
    query: dict[str, str] = field(default_factory=dict)

    @property
    def pair_scoped(self) -> bool:
        return self.target is not None

    @property
    def id(self) -> str:
        return f"{self.surface}-{self.method}-{self.route}"


MEMBER_FORM = {"person_name": "刘洋", "position": "科员", "phone": "022-11112222"}
CONTACT_FORM = {"person_name": "陈静", "region": "120000", "phone": "022-33334444"}
PAIR_FORM = {"notes": "修改后的备注", "source": "", "established_on": "2021-02-07"}
BODY_FORM = {"side": "leading", "kind": "task_force", "name": "天津市交流协作工作专班"}
BODY_EDIT = {"name": "天津市领导小组（调整）", "duties": "统筹协调"}

WEB: list[Case] = [
    Case("web", "GET", "list", None),
    Case("web", "POST", "list", None),
    Case("web", "GET", "propose", None, refused=EXPERTS),
    Case("web", "POST", "propose", None, {"leading": "120000", "partner": "620000"},
         refused=EXPERTS, changes=True, ok=302),
    Case("web", "GET", "detail", "pairing"),
    Case("web", "POST", "detail", "pairing"),
    Case("web", "GET", "edit", "pairing", refused=READ_ONLY),
    Case("web", "POST", "edit", "pairing", PAIR_FORM, READ_ONLY, True, 302),
    Case("web", "POST", "accept", "proposal", {"note": "同意"}, READ_ONLY, True, 302, "henan"),
    Case("web", "POST", "decline", "proposal", {"note": "谢绝"}, READ_ONLY, True, 302, "henan"),
    Case("web", "POST", "transition", "pairing", {"to_status": "suspended"}, EXPERTS, True, 302),
    Case("web", "POST", "archive", "sub_pair", {}, READ_ONLY, True, 302),
    Case("web", "POST", "restore", "archived_sub_pair", {}, READ_ONLY, True, 302),
    Case("web", "GET", "body_new", "pairing", refused=READ_ONLY, query={"side": "leading"}),
    Case("web", "POST", "body_new", "pairing", BODY_FORM, READ_ONLY, True, 302),
    Case("web", "GET", "body_edit", "body", refused=READ_ONLY),
    Case("web", "POST", "body_edit", "body", BODY_EDIT, READ_ONLY, True, 302),
    Case("web", "POST", "body_archive", "body", {}, READ_ONLY, True, 302),
    Case("web", "POST", "body_restore", "archived_body", {}, READ_ONLY, True, 302),
    Case("web", "GET", "member_new", "body", refused=READ_ONLY),
    Case("web", "POST", "member_new", "body", MEMBER_FORM, READ_ONLY, True, 302),
    Case("web", "GET", "member_edit", "member", refused=READ_ONLY),
    Case("web", "POST", "member_edit", "member", MEMBER_FORM, READ_ONLY, True, 302),
    Case("web", "POST", "member_archive", "member", {}, READ_ONLY, True, 302),
    Case("web", "POST", "member_restore", "archived_member", {}, READ_ONLY, True, 302),
    Case("web", "GET", "contact_new", "pairing", refused=READ_ONLY, query={"side": "leading"}),
    Case("web", "POST", "contact_new", "pairing", {"side": "leading", **CONTACT_FORM},
         READ_ONLY, True, 302),
    Case("web", "GET", "contact_edit", "contact", refused=READ_ONLY),
    Case("web", "POST", "contact_edit", "contact", CONTACT_FORM, READ_ONLY, True, 302),
    Case("web", "POST", "contact_archive", "contact", {}, READ_ONLY, True, 302),
    Case("web", "POST", "contact_restore", "archived_contact", {}, READ_ONLY, True, 302),
]  # fmt: skip

# Web routes that only answer POST (GET is refused with 405: checked below).
POST_ONLY = {
    "accept",
    "decline",
    "transition",
    "archive",
    "restore",
    "body_archive",
    "body_restore",
    "member_archive",
    "member_restore",
    "contact_archive",
    "contact_restore",
}

V1 = "/api/v1"
MEMBER_IN = {"person_name": "刘洋", "position": "科员", "phone": "022-11112222"}
CONTACT_IN = {"person_name": "陈静", "region_code": "120000", "phone": "022-33334444"}
PAIR_IN = {"notes": "修改后的备注", "established_on": "2021-02-07", "focus_city_codes": []}
PROPOSAL_IN = {"leading_code": "120000", "partner_code": "620000"}

API: list[Case] = [
    Case("api", "GET", f"{V1}/pairings", None),
    Case("api", "POST", f"{V1}/pairings", None, PROPOSAL_IN, EXPERTS, True, 201),
    Case("api", "GET", f"{V1}/pairings/overview", None),
    Case("api", "GET", f"{V1}/pairings/{{pairing_id}}", "pairing"),
    Case("api", "PATCH", f"{V1}/pairings/{{pairing_id}}", "pairing", PAIR_IN, READ_ONLY, True),
    Case("api", "POST", f"{V1}/pairings/{{pairing_id}}/accept", "proposal", {"note": "同意"},
         READ_ONLY, True, coordinator="henan"),
    Case("api", "POST", f"{V1}/pairings/{{pairing_id}}/decline", "proposal", {"note": "谢绝"},
         READ_ONLY, True, coordinator="henan"),
    Case("api", "POST", f"{V1}/pairings/{{pairing_id}}/transitions", "pairing",
         {"to_status": "suspended"}, EXPERTS, True),
    Case("api", "POST", f"{V1}/pairings/{{pairing_id}}/archive", "sub_pair", {}, READ_ONLY, True),
    Case("api", "POST", f"{V1}/pairings/{{pairing_id}}/restore", "archived_sub_pair", {},
         READ_ONLY, True),
    Case("api", "GET", f"{V1}/pairings/{{pairing_id}}/history", "pairing"),
    Case("api", "GET", f"{V1}/pairings/{{pairing_id}}/bodies", "pairing"),
    Case("api", "POST", f"{V1}/pairings/{{pairing_id}}/bodies", "pairing", BODY_FORM,
         READ_ONLY, True, 201),
    Case("api", "PATCH", f"{V1}/bodies/{{body_id}}", "body", BODY_EDIT, READ_ONLY, True),
    Case("api", "POST", f"{V1}/bodies/{{body_id}}/archive", "body", {}, READ_ONLY, True),
    Case("api", "POST", f"{V1}/bodies/{{body_id}}/restore", "archived_body", {}, READ_ONLY, True),
    Case("api", "GET", f"{V1}/bodies/{{body_id}}/members", "body"),
    Case("api", "POST", f"{V1}/bodies/{{body_id}}/members", "body", MEMBER_IN, READ_ONLY, True,
         201),
    Case("api", "PATCH", f"{V1}/members/{{member_id}}", "member", MEMBER_IN, READ_ONLY, True),
    Case("api", "POST", f"{V1}/members/{{member_id}}/archive", "member", {}, READ_ONLY, True),
    Case("api", "POST", f"{V1}/members/{{member_id}}/restore", "archived_member", {}, READ_ONLY,
         True),
    Case("api", "GET", f"{V1}/pairings/{{pairing_id}}/contacts", "pairing"),
    Case("api", "POST", f"{V1}/pairings/{{pairing_id}}/contacts", "pairing",
         {"side": "leading", **CONTACT_IN}, READ_ONLY, True, 201),
    Case("api", "PATCH", f"{V1}/contacts/{{contact_id}}", "contact", CONTACT_IN, READ_ONLY, True),
    Case("api", "POST", f"{V1}/contacts/{{contact_id}}/archive", "contact", {}, READ_ONLY, True),
    Case("api", "POST", f"{V1}/contacts/{{contact_id}}/restore", "archived_contact", {},
         READ_ONLY, True),
]  # fmt: skip

# API operations that touch no pair: the signed-in user's own account and the region tree.
NOT_PAIR_SCOPED = {
    ("GET", f"{V1}/me"),
    ("GET", f"{V1}/me/tokens"),
    ("POST", f"{V1}/me/tokens"),
    ("POST", f"{V1}/me/tokens/{{token_id}}/revoke"),
    ("GET", f"{V1}/regions"),
    ("GET", f"{V1}/regions/{{code}}"),
}

# The work plans', exchanges', consultations', notifications', indicators', knowledge base's and
# search's operations, and those of the oversight apps (health, supervision, evaluation,
# bulletins, dashboards), have their own matrices (<app>/tests/test_permission_matrix.py).
OTHER_APPS_PATHS = {
    f"{V1}{path}"
    for router in (
        plans_router,
        exchanges_router,
        consultations_router,
        notifications_router,
        indicators_router,
        knowledge_router,
        search_router,
        health_router,
        supervision_router,
        evaluation_router,
        bulletins_router,
        dashboards_router,
    )
    for path in router.path_operations
}

CASES = WEB + API
SCOPED = [c for c in CASES if c.pair_scoped]
WRITES = [c for c in CASES if c.refused]
READS = [c for c in CASES if not c.refused]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def tianjin_expert(programme: object) -> User:
    """Read-only on the side that owns the matrix's bodies, members and contacts."""
    return make_user(
        Role.EXPERT, "120000", kind=Organisation.Kind.EXPERT_INSTITUTION, username="tianjin_expert"
    )


@pytest.fixture
def objects(tianjin: User, tianjin_henan: Pairing, pair: PairFor) -> dict[str, int]:
    """天津–河南 with a live and an archived body, member and contact on 天津's side, a proposed
    sub-pair awaiting 河南, a live sub-pair and an archived one."""
    pairing_id = tianjin_henan.pk
    body = services.create_body(
        actor=tianjin,
        pairing_id=pairing_id,
        side=Side.LEADING,
        kind=Body.Kind.LEADING_GROUP,
        name="天津市交流协作领导小组",
        duties="统筹与河南省的协作",
    )
    old_body = services.create_body(
        actor=tianjin,
        pairing_id=pairing_id,
        side=Side.LEADING,
        kind=Body.Kind.TASK_FORCE,
        name="原工作专班",
    )
    services.archive_body(actor=tianjin, body_id=old_body.pk)
    member = services.add_member(
        actor=tianjin, body_id=body.pk, values={"person_name": "王明", "phone": "022-1"}
    )
    old_member = services.add_member(actor=tianjin, body_id=body.pk, values={"person_name": "周涛"})
    services.archive_member(actor=tianjin, member_id=old_member.pk)
    contact = services.add_contact(
        actor=tianjin,
        pairing_id=pairing_id,
        side=Side.LEADING,
        values={"region_code": "120000", "person_name": "李华", "email": "lihua@example.cn"},
    )
    old_contact = services.add_contact(
        actor=tianjin,
        pairing_id=pairing_id,
        side=Side.LEADING,
        values={"region_code": "120104", "person_name": "孙丽"},
    )
    services.archive_contact(actor=tianjin, contact_id=old_contact.pk)
    proposal = services.propose_pairing(
        actor=tianjin, leading_code="120101", partner_code="411000", parent_id=pairing_id
    )
    archived_sub_pair = pair("120103", "411300")
    services.archive_pairing(actor=tianjin, pairing_id=archived_sub_pair.pk)
    return {
        "pairing": pairing_id,
        "proposal": proposal.pk,
        "sub_pair": pair("120113", "410400").pk,
        "archived_sub_pair": archived_sub_pair.pk,
        "body": body.pk,
        "archived_body": old_body.pk,
        "member": member.pk,
        "archived_member": old_member.pk,
        "contact": contact.pk,
        "archived_contact": old_contact.pk,
    }


# --- helpers -----------------------------------------------------------------------------------


def url_of(case: Case, objects: dict[str, int]) -> str:
    object_id = objects[case.target] if case.target else None
    if case.surface == "web":
        pattern = next(p for p in pairings_urls.urlpatterns if p.name == case.route)
        kwargs = dict.fromkeys(pattern.pattern.converters, object_id)
        return reverse(f"pairings:{case.route}", kwargs=kwargs)
    return case.route.format(**dict.fromkeys(re.findall(r"{(\w+)}", case.route), object_id))


def send(case: Case, client: Client, objects: dict[str, int]) -> Any:
    url = url_of(case, objects)
    if case.query:
        url = f"{url}?{'&'.join(f'{k}={v}' for k, v in case.query.items())}"
    method = getattr(client, case.method.lower())
    if case.method == "GET":
        return method(url)
    if case.surface == "web":
        return method(url, case.data or {})
    return method(url, case.data or {}, "application/json")


def client_for(
    case: Case, persona: str, request: pytest.FixtureRequest, login: ClientFor, api: ClientFor
) -> Client:
    user = request.getfixturevalue(persona)
    return login(user) if case.surface == "web" else api(user)


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", by_id(SCOPED))
def test_an_outsider_gets_404_and_changes_nothing(
    case: Case,
    objects: dict[str, int],
    jiangxi: User,
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, "jiangxi", request, login, api)
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == 404, response.content
    if case.surface == "api":
        assert_problem(response, 404, "not_found")
    assert "天津市—河南省" not in response.content.decode()
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(WRITES))
def test_a_read_only_user_in_scope_gets_403_on_every_write(
    case: Case,
    objects: dict[str, int],
    tianjin_expert: User,
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


@pytest.mark.parametrize("case", by_id(READS))
def test_a_read_only_user_in_scope_may_read(
    case: Case,
    objects: dict[str, int],
    henan_expert: User,
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, "henan_expert", request, login, api)

    response = send(case, client, objects)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("case", by_id(CASES))
def test_an_in_scope_coordinator_succeeds(
    case: Case,
    objects: dict[str, int],
    henan: User,
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
    name: str, objects: dict[str, int], tianjin: User, login: ClientFor
) -> None:
    case = next(c for c in WEB if c.route == name)

    assert login(tianjin).get(url_of(case, objects)).status_code == 405


def test_every_route_is_in_the_matrix() -> None:
    web_names = {p.name for p in pairings_urls.urlpatterns}
    web_rows = {(c.method, c.route) for c in WEB}
    expected_web = {
        (method, name)
        for name in web_names
        for method in ("GET", "POST")
        if not (method == "GET" and name in POST_ONLY)
    }
    schema = ninja_api.get_openapi_schema()
    api_operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path not in OTHER_APPS_PATHS
    }
    api_rows = {(c.method, c.route) for c in API}

    assert web_rows == expected_web, "add the new pairings page to WEB (or drop stale rows)"
    assert api_rows | NOT_PAIR_SCOPED == api_operations, "add the new API operation to API"
    assert not api_rows & NOT_PAIR_SCOPED
    assert len({c.id for c in CASES}) == len(CASES)


# --- outsiders on routes without an object -----------------------------------------------------


def test_an_outsider_does_not_find_the_pair_in_lists_or_numbers(
    objects: dict[str, int], jiangxi: User, login: ClientFor, api: ClientFor
) -> None:
    client = api(jiangxi)

    listed = client.get(f"{V1}/pairings", {"page_size": 100}).json()
    overview = client.get(f"{V1}/pairings/overview").json()
    page = login(jiangxi).get(reverse("pairings:list"))

    assert [(i["leading"]["code"], i["partner"]["code"]) for i in listed["items"]] == [
        ("310000", "360000")
    ]
    assert overview["total"] == 1
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    assert reverse("pairings:detail", args=[objects["pairing"]]) not in page.content.decode()


def test_an_outsider_cannot_propose_under_a_pair_it_cannot_see(
    objects: dict[str, int], jiangxi: User, login: ClientFor, api: ClientFor
) -> None:
    client, browser = api(jiangxi), login(jiangxi)
    before = db_state()
    payload = {"leading_code": "360000", "partner_code": "410000", "parent_id": objects["pairing"]}

    response = client.post(f"{V1}/pairings", payload, "application/json")
    page = browser.post(
        reverse("pairings:propose"),
        {"leading": "360000", "partner": "410000", "parent": objects["pairing"]},
    )

    assert_problem(response, 422, "unknown_parent")
    assert page.status_code == 200  # the form comes back: the pair is not among its choices
    assert db_state() == before


# --- the visibility examples -----------------------------------------------------------


def test_a_henan_provincial_user_sees_nankai_xuchang(
    henan: User, nankai_xuchang: Pairing, login: ClientFor, api: ClientFor
) -> None:
    client = api(henan)

    listed = client.get(f"{V1}/pairings", {"q": "许昌"}).json()
    detail = client.get(f"{V1}/pairings/{nankai_xuchang.pk}")
    page = login(henan).get(reverse("pairings:detail", args=[nankai_xuchang.pk]))
    web_list = login(henan).get(reverse("pairings:list"), {"q": "许昌"})

    assert [i["id"] for i in listed["items"]] == [nankai_xuchang.pk]
    assert detail.status_code == 200
    assert detail.json()["partner"]["code"] == "411000"
    assert page.status_code == 200
    assert [p.pk for p in web_list.context["page"]] == [nankai_xuchang.pk]


def test_a_xuchang_user_does_not_see_hexi_nanyang(
    xuchang: User, pair: PairFor, nankai_xuchang: Pairing, login: ClientFor, api: ClientFor
) -> None:
    hexi_nanyang = pair("120103", "411300")
    client = api(xuchang)

    listed = client.get(f"{V1}/pairings").json()
    detail = client.get(f"{V1}/pairings/{hexi_nanyang.pk}")
    page = login(xuchang).get(reverse("pairings:detail", args=[hexi_nanyang.pk]))

    assert [i["id"] for i in listed["items"]] == [nankai_xuchang.pk]
    assert_problem(detail, 404, "not_found")
    assert page.status_code == 404
