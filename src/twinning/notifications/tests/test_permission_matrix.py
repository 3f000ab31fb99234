"""Who may reach what: every notifications page and API operation, persona by persona.

One table (`CASES`) lists each web route and API operation with the object it points at. A
notification is its recipient's alone: anyone else, however much of the programme they see, gets
404 and changes nothing. A pair's group robots follow the pair: an outsider (江西) gets 404,
read-only users in scope (河南's expert and member, the Ministry) get 403 on every write, nothing
changes and no test message is sent, and either side's coordinator succeeds (adding a robot sends
its test message to a local robot server first). `test_every_route_is_in_the_matrix` fails when a
notifications page or API operation is added without a row here.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem
from twinning.notifications import services
from twinning.notifications import urls as notifications_urls
from twinning.notifications.api import router as notifications_router
from twinning.notifications.events import Event
from twinning.notifications.models import (
    Delivery,
    DeliveryAttempt,
    Notification,
    PairWebhook,
    Preference,
)
from twinning.notifications.tests.conftest import MakeRobot, RobotServer
from twinning.pairings.models import Pairing

ClientFor = Callable[[User], Client]

# Read-only for the pair's robots: they see them, only the coordinators keep them.
READ_ONLY = ("henan_expert", "supervisor", "henan_member")
# Everyone who is not a notification's recipient (河南's coordinator), in scope or not.
NOT_RECIPIENTS = ("tianjin", "henan_member", "supervisor", "admin_user", "jiangxi")


@dataclass(frozen=True)
class Case:
    """One route and method, the object its URL points at, and who must be refused."""

    surface: str  # "web" (a notifications URL name) or "api" (a path as in the OpenAPI schema)
    method: str
    route: str
    target: str | None  # key of the `objects` fixture; None for routes without an object
    data: dict[str, Any] | list[Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    changes: bool = False  # whether the successful request writes
    ok: int = 200
    coordinator: str = "tianjin"  # who succeeds
    query: dict[str, Any] = field(default_factory=dict)
    own: bool = False  # the target is a notification: its recipient's alone
    label: str = ""  # tells two rows of the same route apart

    @property
    def pair_scoped(self) -> bool:
        return self.target is not None and not self.own

    @property
    def id(self) -> str:
        label = f"-{self.label}" if self.label else ""
        return f"{self.surface}-{self.method}-{self.route}{label}"


WEBHOOK_FORM = {"name": "天津—河南协作群", "kind": "wecom", "url": "{robot_url}"}
WEBHOOK_EDIT = {"name": "天津—河南工作群（改名）", "kind": "wecom", "events": ["problem_new"]}
# Ticked boxes are "event:channel"; what is not sent is switched off.
PREFERENCES_FORM = {"problem_new:in_app": "on"}

W = "web"
WEB: list[Case] = [
    Case(W, "GET", "list", None),
    Case(W, "POST", "list", None),
    Case(W, "GET", "open", "notification", changes=True, ok=302, coordinator="henan", own=True),
    Case(W, "POST", "open", "notification", {}, changes=True, ok=302, coordinator="henan",
         own=True),
    Case(W, "POST", "read_all", None, {}, changes=True, ok=302, coordinator="henan"),
    Case(W, "GET", "preferences", None),
    Case(W, "POST", "preferences", None, PREFERENCES_FORM, changes=True, ok=302),
    Case(W, "GET", "webhooks", "pairing"),
    Case(W, "POST", "webhooks", "pairing", WEBHOOK_FORM, READ_ONLY, True, 302, "henan"),
    Case(W, "GET", "webhook_edit", "webhook", refused=READ_ONLY),
    Case(W, "POST", "webhook_edit", "webhook", WEBHOOK_EDIT, READ_ONLY, True, 302),
    Case(W, "POST", "webhook_archive", "webhook", {}, READ_ONLY, True, 302, "henan"),
    Case(W, "POST", "webhook_restore", "archived_webhook", {}, READ_ONLY, True, 302),
]  # fmt: skip

# Web routes that only answer POST (GET is refused with 405: checked below).
POST_ONLY = {"read_all", "webhook_archive", "webhook_restore"}

V1 = "/api/v1"
N = f"{V1}/notifications"
H = f"{V1}/webhooks/{{webhook_id}}"
WEBHOOK_IN = {"kind": "wecom", "name": "天津—河南协作群", "url": "{robot_url}",
              "events": ["exchange_new", "problem_new"]}  # fmt: skip
PREFERENCES_IN = [{"event": "problem_new", "channel": "email", "enabled": False}]

A = "api"
API: list[Case] = [
    Case(A, "GET", N, None),
    Case(A, "POST", f"{N}/read-all", None, {}, changes=True, coordinator="henan"),
    Case(A, "POST", f"{N}/{{notification_id}}/read", "notification", {}, changes=True,
         coordinator="henan", own=True),
    Case(A, "GET", f"{N}/preferences", None),
    Case(A, "PUT", f"{N}/preferences", None, PREFERENCES_IN, changes=True),
    Case(A, "GET", f"{V1}/pairings/{{pairing_id}}/webhooks", "pairing"),
    Case(A, "POST", f"{V1}/pairings/{{pairing_id}}/webhooks", "pairing", WEBHOOK_IN, READ_ONLY,
         True, 201),
    Case(A, "PATCH", H, "webhook", {"name": "天津—河南工作群（改名）"}, READ_ONLY, True,
         coordinator="henan"),
    Case(A, "POST", f"{H}/archive", "webhook", {}, READ_ONLY, True),
    Case(A, "POST", f"{H}/restore", "archived_webhook", {}, READ_ONLY, True, coordinator="henan"),
    Case(A, "GET", f"{H}/deliveries", "webhook"),
]  # fmt: skip

# The notifications router's operations, as the OpenAPI schema names them.
NOTIFICATIONS_PATHS = {f"{V1}{path}" for path in notifications_router.path_operations}

CASES = WEB + API
SCOPED = [c for c in CASES if c.pair_scoped]
OWN = [c for c in CASES if c.own]
WRITES = [c for c in CASES if c.refused]
READS = [c for c in CASES if not c.refused and not c.changes]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


# --- fixtures ----------------------------------------------------------------------------------


def db_state(objects: dict[str, Any]) -> dict[str, Any]:
    """Every row a notifications route writes, the audit trail's size, and the messages the local
    robot server received (a robot's test message goes out before anything is saved)."""
    server: RobotServer = objects["robot_server"]
    return {
        "notifications": list(Notification.objects.order_by("pk").values()),
        "preferences": list(Preference.objects.order_by("pk").values()),
        "webhooks": list(PairWebhook.objects.order_by("pk").values()),
        "deliveries": list(Delivery.objects.order_by("pk").values()),
        "attempts": DeliveryAttempt.objects.count(),
        # Signing a persona in with a new API token is recorded too: not a notifications write.
        "audit_entries": AuditEntry.objects.exclude(target_type="accounts.apitoken").count(),
        "robot_messages": len(server.requests),
    }


@pytest.fixture
def objects(
    henan: User,
    tianjin: User,
    tianjin_henan: Pairing,
    make_robot: MakeRobot,
    robot_server: RobotServer,
) -> dict[str, Any]:
    """An unread notification in 河南's inbox (天津 told it of a new problem on 天津–河南), a live
    and an archived group robot on 天津–河南 (answering at a local robot server)."""
    [notification] = services.notify(
        event=Event.PROBLEM_NEW,
        pairing=tianjin_henan,
        recipients=[henan],
        can_see=lambda user: True,
        title="天津市—河南省 提出难题：厨余垃圾分出率低",
        body="小区设置了定时定点投放，但居民参与度不高。",
        url="/consultations/",
        actor=tianjin,
    )
    robot = make_robot()
    old = make_robot(name="原工作群")
    services.archive_webhook(actor=tianjin, webhook_id=old.pk)
    robot_server.requests.clear()
    return {
        "pairing": tianjin_henan.pk,
        "notification": notification.pk,
        "webhook": robot.pk,
        "archived_webhook": old.pk,
        "robot_url": robot_server.url("/cgi-bin/webhook/send?key=matrix-key-0123456789"),
        "robot_server": robot_server,
    }


# --- helpers -----------------------------------------------------------------------------------


def fill(value: Any, objects: dict[str, Any]) -> Any:
    """Placeholders like "{robot_url}" become the object (an id, an address)."""
    if isinstance(value, str) and re.fullmatch(r"{\w+}", value):
        return objects[value[1:-1]]
    if isinstance(value, list):
        return [fill(v, objects) for v in value]
    return value


def url_of(case: Case, objects: dict[str, Any]) -> str:
    object_id = objects[case.target] if case.target else None
    if case.surface == "web":
        pattern = next(p for p in notifications_urls.urlpatterns if p.name == case.route)
        kwargs = dict.fromkeys(pattern.pattern.converters, object_id)
        return reverse(f"notifications:{case.route}", kwargs=kwargs)
    return case.route.format(**dict.fromkeys(re.findall(r"{(\w+)}", case.route), object_id))


def send(case: Case, client: Client, objects: dict[str, Any]) -> Any:
    url = url_of(case, objects)
    method = getattr(client, case.method.lower())
    if case.method == "GET":
        return method(url, case.query)
    if isinstance(case.data, list):
        return method(url, case.data, "application/json")
    data = {k: fill(v, objects) for k, v in (case.data or {}).items()}
    if case.surface == "web":
        return method(url, data)
    return method(url, data, "application/json")


def client_for(
    case: Case, persona: str, request: pytest.FixtureRequest, login: ClientFor, api: ClientFor
) -> Client:
    user = request.getfixturevalue(persona)
    return login(user) if case.surface == "web" else api(user)


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", by_id(SCOPED))
def test_an_outsider_gets_404_and_changes_nothing(
    case: Case,
    objects: dict[str, Any],
    jiangxi: User,
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, "jiangxi", request, login, api)
    before = db_state(objects)

    response = send(case, client, objects)

    assert response.status_code == 404, response.content
    if case.surface == "api":
        assert_problem(response, 404, "not_found")
    assert "天津市—河南省" not in response.content.decode()
    assert db_state(objects) == before


@pytest.mark.parametrize("case", by_id(OWN))
def test_someone_elses_notification_is_not_found_and_stays_unread(
    case: Case,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    for persona in NOT_RECIPIENTS:
        client = client_for(case, persona, request, login, api)
        before = db_state(objects)

        response = send(case, client, objects)

        assert response.status_code == 404, (persona, response.content)
        if case.surface == "api":
            assert_problem(response, 404, "not_found")
        assert "厨余垃圾分出率低" not in response.content.decode(), persona
        assert db_state(objects) == before, persona


@pytest.mark.parametrize("case", by_id(WRITES))
def test_a_read_only_user_in_scope_gets_403_on_every_write(
    case: Case,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    for persona in case.refused:
        client = client_for(case, persona, request, login, api)
        before = db_state(objects)

        response = send(case, client, objects)

        assert response.status_code == 403, (persona, response.content)
        if case.surface == "api":
            assert_problem(response, 403, "forbidden")
        assert db_state(objects) == before, persona


@pytest.mark.parametrize("case", by_id(READS))
def test_a_read_only_user_in_scope_may_read(
    case: Case,
    objects: dict[str, Any],
    henan_expert: User,
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, "henan_expert", request, login, api)
    before = db_state(objects)

    response = send(case, client, objects)

    assert response.status_code == 200, response.content
    assert db_state(objects) == before


@pytest.mark.parametrize("case", by_id(CASES))
def test_the_in_scope_coordinator_or_recipient_succeeds(
    case: Case,
    objects: dict[str, Any],
    request: pytest.FixtureRequest,
    login: ClientFor,
    api: ClientFor,
) -> None:
    client = client_for(case, case.coordinator, request, login, api)
    before = db_state(objects)

    response = send(case, client, objects)

    assert response.status_code == case.ok, response.content
    assert (db_state(objects) != before) is case.changes


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_pages_refuse_get(
    name: str, objects: dict[str, Any], tianjin: User, login: ClientFor
) -> None:
    case = next(c for c in WEB if c.route == name)

    assert login(tianjin).get(url_of(case, objects)).status_code == 405


def test_every_route_is_in_the_matrix() -> None:
    web_names = {p.name for p in notifications_urls.urlpatterns}
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
        if path in NOTIFICATIONS_PATHS
    }
    api_rows = {(c.method, c.route) for c in API}

    assert web_rows == expected_web, "add the new notifications page to WEB (or drop stale rows)"
    assert api_rows == api_operations, "add the new notifications API operation to API"
    assert len(api_operations) == sum(
        len(v.operations) for v in notifications_router.path_operations.values()
    )
    assert len({c.id for c in CASES}) == len(CASES)


# --- a person's own inbox and preferences ------------------------------------------------------


def test_the_inbox_shows_only_ones_own_notifications(
    objects: dict[str, Any], tianjin: User, supervisor: User, login: ClientFor, api: ClientFor
) -> None:
    for user in (tianjin, supervisor):
        listed = api(user).get(N, {"page_size": 100}).json()
        page = login(user).get(reverse("notifications:list"))

        assert objects["notification"] not in {i["id"] for i in listed["items"]}
        assert page.status_code == 200
        assert "厨余垃圾分出率低" not in page.content.decode()


def test_the_recipient_finds_it_and_opening_it_follows_the_link(
    objects: dict[str, Any], henan: User, login: ClientFor, api: ClientFor
) -> None:
    listed = api(henan).get(N, {"unread": True}).json()
    opened = login(henan).get(reverse("notifications:open", args=[objects["notification"]]))

    assert [i["id"] for i in listed["items"]] == [objects["notification"]]
    assert opened.status_code == 302 and opened["Location"] == "/consultations/"
    assert Notification.objects.get(pk=objects["notification"]).read_at is not None


def test_marking_all_read_touches_only_ones_own_inbox(
    objects: dict[str, Any], tianjin: User, login: ClientFor, api: ClientFor
) -> None:
    api(tianjin).post(f"{N}/read-all", {}, "application/json")
    login(tianjin).post(reverse("notifications:read_all"))

    assert Notification.objects.get(pk=objects["notification"]).read_at is None


def test_preferences_are_ones_own(
    objects: dict[str, Any], henan: User, tianjin: User, api: ClientFor, login: ClientFor
) -> None:
    api(tianjin).put(f"{N}/preferences", PREFERENCES_IN, "application/json")
    login(tianjin).post(reverse("notifications:preferences"), PREFERENCES_FORM)

    mine = {
        (r["event"], r["channel"]): r["enabled"] for r in api(henan).get(f"{N}/preferences").json()
    }

    assert all(mine.values())
    assert not Preference.objects.filter(user=henan).exists()
    assert Preference.objects.filter(user=tianjin, enabled=False).exists()


# --- the pair's group robots -------------------------------------------------------------------


def test_an_outsider_does_not_find_the_pairs_robots(
    objects: dict[str, Any], jiangxi: User, login: ClientFor
) -> None:
    page = login(jiangxi).get(reverse("notifications:preferences"))

    assert page.status_code == 200
    assert objects["pairing"] not in [p.pk for p in page.context["managed_pairs"]]
    assert reverse("notifications:webhooks", args=[objects["pairing"]]) not in page.content.decode()


def test_read_only_users_see_the_robots_masked(
    objects: dict[str, Any], henan_expert: User, api: ClientFor
) -> None:
    [robot] = api(henan_expert).get(f"{V1}/pairings/{objects['pairing']}/webhooks").json()

    assert robot["id"] == objects["webhook"]
    assert "test-key-0123456789" not in robot["url"]


def test_a_refused_robot_sends_no_test_message(
    objects: dict[str, Any],
    jiangxi: User,
    henan_member: User,
    supervisor: User,
    api: ClientFor,
) -> None:
    server: RobotServer = objects["robot_server"]
    payload = {**WEBHOOK_IN, "url": objects["robot_url"]}
    url = f"{V1}/pairings/{objects['pairing']}/webhooks"

    assert_problem(api(jiangxi).post(url, payload, "application/json"), 404, "not_found")
    for user in (henan_member, supervisor):
        assert_problem(api(user).post(url, payload, "application/json"), 403, "forbidden")

    assert server.requests == []


def test_a_coordinators_robot_is_tried_before_it_is_saved(
    objects: dict[str, Any], henan: User, api: ClientFor
) -> None:
    server: RobotServer = objects["robot_server"]
    payload = {**WEBHOOK_IN, "url": objects["robot_url"]}

    created = api(henan).post(f"{V1}/pairings/{objects['pairing']}/webhooks", payload,
                              "application/json")  # fmt: skip

    assert created.status_code == 201, created.content
    assert len(server.requests) == 1
    assert server.requests[0].query["key"] == ["matrix-key-0123456789"]
    robot = PairWebhook.objects.get(pk=created.json()["id"])
    assert (robot.pairing_id, robot.created_by) == (objects["pairing"], henan)


def test_signing_in_is_needed_everywhere(objects: dict[str, Any]) -> None:
    anonymous = Client()

    for case in CASES:
        response = send(case, anonymous, objects)
        if case.surface == "api":
            assert response.status_code == 401, case.id
        else:
            assert response.status_code == 302, case.id
            assert response["Location"].startswith(reverse("login")), case.id
