"""Who may reach what: every exchanges page and API operation, persona by persona.

One table (`CASES`) lists each web route and API operation with the object it points at. From it:
an outsider (江西, on 天津–河南 objects) gets 404, read-only users in scope (河南's expert, and the
Ministry, which does not record exchanges) get 403 on every write and nothing changes, and the
in-scope coordinator or member succeeds and the database changes, so the matrix cannot pass by
refusing everyone. The personal iCal feed is reached by its secret token, without signing in: a
wrong or revoked token is not found. `test_every_route_is_in_the_matrix` fails when an exchanges
page or API operation is added without a row here.
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
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.testing import assert_problem
from twinning.exchanges import services
from twinning.exchanges import urls as exchanges_urls
from twinning.exchanges.api import router as exchanges_router
from twinning.exchanges.models import CalendarFeed
from twinning.exchanges.tests.conftest import PDF, Record, exchanges_state
from twinning.pairings.models import Pairing

ClientFor = Callable[[User], Client]

# Read-only in scope: 河南's expert, and the Ministry (it sees every exchange, records none).
READ_ONLY = ("henan_expert", "supervisor")


@dataclass(frozen=True)
class Case:
    """One route and method, the object its URL points at, and who must be refused."""

    surface: str  # "web" (an exchanges URL name) or "api" (a path as in the OpenAPI schema)
    method: str
    route: str
    target: str | None  # key of the `objects` fixture; None for routes without an object
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    changes: bool = False  # whether the successful request writes
    ok: int = 200
    coordinator: str = "tianjin"  # who succeeds
    query: dict[str, Any] = field(default_factory=dict)
    personal: bool = False  # the signed-in user's own things (the calendar feed): no pair
    anonymous: bool = False  # reached without signing in (the feed's secret URL)
    label: str = ""  # tells two rows of the same route apart

    @property
    def pair_scoped(self) -> bool:
        return self.target is not None and not self.personal

    @property
    def id(self) -> str:
        restore = "-restore" if (self.data or {}).get("restore") else ""
        query = "-with-pairing" if "pairing" in self.query else ""
        label = f"-{self.label}" if self.label else ""
        return f"{self.surface}-{self.method}-{self.route}{restore}{query}{label}"


def pdf_upload(objects: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("会议纪要.pdf", PDF)


NEW_FORM = {
    "pairing": "{pairing}",
    "title": "郑州座谈会",
    "kind": "symposium",
    "direction": "leading_to_partner",
    "status": "planned",
    "start_date": "2026-05-11",
    "end_date": "2026-05-12",
    "place": "郑州市",
}
EDIT_FORM = {
    "title": "改过的活动名称",
    "kind": "symposium",
    "direction": "leading_to_partner",
    "status": "held",
    "start_date": "2026-05-11",
    "end_date": "2026-05-12",
    "place": "郑州市",
}
FOLLOW_UP_FORM = {"follow_ups": "组织回访 | 双方 | 2027-01-31"}
RESTORE = {"restore": "1"}

W = "web"
WEB: list[Case] = [
    Case(W, "GET", "list", None),
    Case(W, "POST", "list", None),
    Case(W, "GET", "export", None),
    Case(W, "POST", "export", None),
    Case(W, "GET", "new", None),
    Case(W, "GET", "new", "pairing", refused=READ_ONLY, query={"pairing": "{pairing}"}),
    Case(W, "POST", "new", "pairing", NEW_FORM, READ_ONLY, True, 302, "henan_member"),
    Case(W, "GET", "stats", None),
    Case(W, "POST", "stats", None),
    Case(W, "GET", "calendar", None),
    Case(W, "POST", "calendar", None),
    Case(W, "GET", "feed_page", None),
    Case(W, "POST", "feed_page", None, {}, changes=True, personal=True),
    Case(W, "POST", "feed_page", None, {"action": "revoke"}, changes=True, ok=302, personal=True,
         label="revoke"),
    Case(W, "GET", "feed", "feed_token", personal=True, anonymous=True),
    Case(W, "POST", "feed", "feed_token", {}, personal=True, anonymous=True),
    Case(W, "GET", "detail", "exchange"),
    Case(W, "POST", "detail", "exchange"),
    Case(W, "GET", "detail", "archived_exchange", label="archived"),
    Case(W, "GET", "edit", "exchange", refused=READ_ONLY),
    Case(W, "POST", "edit", "exchange", EDIT_FORM, READ_ONLY, True, 302),
    Case(W, "POST", "archive", "exchange", {}, READ_ONLY, True, 302),
    Case(W, "POST", "archive", "archived_exchange", RESTORE, READ_ONLY, True, 302),
    Case(W, "POST", "upload", "exchange", {"attachments": pdf_upload}, READ_ONLY, True, 302),
    Case(W, "POST", "follow_ups", "exchange", FOLLOW_UP_FORM, READ_ONLY, True, 302, "henan"),
    Case(W, "GET", "file", "file"),
    Case(W, "POST", "file", "file"),
    Case(W, "POST", "file_archive", "file", {}, READ_ONLY, True, 302),
    Case(W, "POST", "file_archive", "archived_file", RESTORE, READ_ONLY, True, 302),
]  # fmt: skip

# Web routes that only answer POST (GET is refused with 405: checked below).
POST_ONLY = {"archive", "upload", "follow_ups", "file_archive"}

V1 = "/api/v1"
E = f"{V1}/exchanges/{{exchange_id}}"
EXCHANGE_IN = {
    "pairing_id": "{pairing}",
    "kind": "training",
    "direction": "partner_to_leading",
    "title": "河南赴天津培训",
    "start_date": "2026-05-11",
    "end_date": "2026-05-13",
    "topics": ["sorted_disposal"],
    "delegates": [{"name": "李娜", "unit": "河南省住建厅", "side": "partner"}],
}
FOLLOW_UPS_IN = {"tasks": [{"title": "组织回访", "side": "joint", "due_date": "2027-01-31"}]}

A = "api"
API: list[Case] = [
    Case(A, "GET", f"{V1}/exchanges", None),
    Case(A, "POST", f"{V1}/exchanges", "pairing", EXCHANGE_IN, READ_ONLY, True, 201, "henan"),
    Case(A, "GET", f"{V1}/exchanges/stats", None),
    Case(A, "GET", f"{V1}/exchanges/calendar", None, query={"month": "2026-05"}),
    Case(A, "GET", E, "exchange"),
    Case(A, "PATCH", E, "exchange", {"summary": "效果很好"}, READ_ONLY, True,
         coordinator="henan_member"),
    Case(A, "POST", f"{E}/archive", "exchange", {}, READ_ONLY, True),
    Case(A, "POST", f"{E}/restore", "archived_exchange", {}, READ_ONLY, True),
    Case(A, "POST", f"{E}/files", "exchange", {"files": pdf_upload}, READ_ONLY, True, 201),
    Case(A, "GET", f"{V1}/exchange-files/{{file_id}}/download", "file"),
    Case(A, "POST", f"{E}/follow-ups", "exchange", FOLLOW_UPS_IN, READ_ONLY, True, 201),
    Case(A, "POST", f"{V1}/me/calendar-feed", None, {}, changes=True, ok=201, personal=True),
    Case(A, "POST", f"{V1}/me/calendar-feed/revoke", None, {}, changes=True, personal=True),
]  # fmt: skip

# The exchanges router's operations, as the OpenAPI schema names them.
EXCHANGES_PATHS = {f"{V1}{path}" for path in exchanges_router.path_operations}

CASES = WEB + API
SCOPED = [c for c in CASES if c.pair_scoped]
WRITES = [c for c in CASES if c.refused]
READS = [c for c in CASES if not c.refused and not c.changes]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


# --- fixtures ----------------------------------------------------------------------------------


def db_state() -> dict[str, Any]:
    """Every row an exchanges route writes (with follow-up tasks, notifications, the audit trail
    and the stored files), and the calendar feeds."""
    return {
        **exchanges_state(),
        "feeds": list(CalendarFeed.objects.order_by("pk").values()),
    }


@pytest.fixture
def objects(tianjin: User, tianjin_henan: Pairing, record: Record) -> dict[str, Any]:
    """On 天津–河南: an exchange with a live and an archived file, an archived exchange, and
    天津's active calendar feed (its secret token)."""
    exchange = record(
        tianjin,
        tianjin_henan,
        files=[
            services.Upload(io.BytesIO(PDF), "纪要.pdf"),
            services.Upload(io.BytesIO(PDF), "作废的纪要.pdf"),
        ],
    )
    live_file, old_file = exchange.files.order_by("pk")
    services.archive_file(actor=tianjin, file_id=old_file.pk)
    old = record(tianjin, tianjin_henan, title="作废的交流活动")
    services.archive_exchange(actor=tianjin, exchange_id=old.pk)
    issued = services.create_calendar_feed(actor=tianjin)
    return {
        "pairing": tianjin_henan.pk,
        "exchange": exchange.pk,
        "archived_exchange": old.pk,
        "file": live_file.pk,
        "archived_file": old_file.pk,
        "feed_token": issued.token,
    }


# --- helpers -----------------------------------------------------------------------------------


def fill(value: Any, objects: dict[str, Any]) -> Any:
    """Placeholders like "{pairing}" become the object's id; callables build the value (files)."""
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
        pattern = next(p for p in exchanges_urls.urlpatterns if p.name == case.route)
        kwargs = dict.fromkeys(pattern.pattern.converters, object_id)
        return reverse(f"exchanges:{case.route}", kwargs=kwargs)
    return case.route.format(**dict.fromkeys(re.findall(r"{(\w+)}", case.route), object_id))


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
    if case.anonymous:
        return Client()
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
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == 200, response.content
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(CASES))
def test_the_in_scope_coordinator_succeeds(
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
    web_names = {p.name for p in exchanges_urls.urlpatterns}
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
        if path in EXCHANGES_PATHS
    }
    api_rows = {(c.method, c.route) for c in API}

    assert web_rows == expected_web, "add the new exchanges page to WEB (or drop stale rows)"
    assert api_rows == api_operations, "add the new exchanges API operation to API"
    assert len(api_operations) == sum(
        len(v.operations) for v in exchanges_router.path_operations.values()
    )
    assert len({c.id for c in CASES}) == len(CASES)


# --- outsiders on routes without an object -----------------------------------------------------


def test_an_outsider_does_not_find_the_pairs_exchanges_anywhere(
    objects: dict[str, Any], jiangxi: User, login: ClientFor, api: ClientFor
) -> None:
    client, browser = api(jiangxi), login(jiangxi)
    ours = {objects["exchange"], objects["archived_exchange"]}

    listed = client.get(f"{V1}/exchanges", {"page_size": 100}).json()
    archived = client.get(f"{V1}/exchanges", {"archived": True}).json()
    stats = client.get(f"{V1}/exchanges/stats").json()
    month = client.get(f"{V1}/exchanges/calendar", {"month": "2026-05"}).json()
    page = browser.get(reverse("exchanges:list"))
    calendar = browser.get(reverse("exchanges:calendar"), {"month": "2026-05"})
    export = browser.get(reverse("exchanges:export"))
    choose = browser.get(reverse("exchanges:new"))

    assert not {i["id"] for i in listed["items"] + archived["items"]} & ours
    assert all(i["pairing_id"] != objects["pairing"] for i in listed["items"])
    assert "天津市—河南省" not in str(stats)
    assert not {e["id"] for e in month["exchanges"]} & ours
    for response in (page, calendar, choose):
        assert response.status_code == 200
        assert "天津市—河南省" not in response.content.decode()
    assert reverse("exchanges:detail", args=[objects["exchange"]]) not in page.content.decode()
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert "垃圾分类工作座谈会" not in cells
    assert not any("河南" in cell for cell in cells)


def test_a_read_only_user_in_scope_does_not_find_the_pair_among_those_to_record_for(
    objects: dict[str, Any], henan_expert: User, login: ClientFor
) -> None:
    page = login(henan_expert).get(reverse("exchanges:new"))

    assert page.status_code == 200
    assert page.context["pairs"] == []


# --- the personal calendar feed: a secret URL, no sign-in --------------------------------------


def feed(token: str) -> Any:
    return Client().get(reverse("exchanges:feed", kwargs={"token": token}))


def uids(response: Any) -> set[str]:
    return {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_feed_shows_its_owners_scope_and_nothing_else(
    objects: dict[str, Any],
    tianjin: User,
    jiangxi: User,
    tianjin_henan: Pairing,
    record: Record,
) -> None:
    today = timezone.localdate()
    current = record(tianjin, tianjin_henan, title="本月交流", start_date=today, end_date=today)
    theirs = services.create_calendar_feed(actor=jiangxi)

    mine = feed(objects["feed_token"])
    other = feed(theirs.token)

    assert mine.status_code == 200
    assert mine["Content-Type"].startswith("text/calendar")
    assert f"exchange-{current.pk}@twinning.exchanges" in uids(mine)
    assert f"exchange-{objects['archived_exchange']}@twinning.exchanges" not in uids(mine)
    assert other.status_code == 200
    assert not any(uid.startswith(f"exchange-{current.pk}@") for uid in uids(other))
    assert "河南" not in other.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/exchanges/calendar/feed/not-a-token.ics",
        f"/exchanges/calendar/feed/{'x' * 43}.ics",
        "/exchanges/calendar/feed/.ics",
    ],
    ids=["made-up", "right-length", "empty"],
)
def test_a_wrong_token_is_not_found(objects: dict[str, Any], path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 404
    assert b"VCALENDAR" not in response.content


def test_a_revoked_or_replaced_token_is_not_found(
    objects: dict[str, Any], tianjin: User, login: ClientFor, api: ClientFor
) -> None:
    old_token = objects["feed_token"]

    replaced = api(tianjin).post(f"{V1}/me/calendar-feed", {}, "application/json")
    new_token = replaced.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")

    assert feed(old_token).status_code == 404
    assert feed(new_token).status_code == 200
    login(tianjin).post(reverse("exchanges:feed_page"), {"action": "revoke"})
    assert feed(new_token).status_code == 404


def test_a_deactivated_owners_feed_is_not_found(objects: dict[str, Any], tianjin: User) -> None:
    tianjin.is_active = False
    tianjin.save(update_fields=["is_active"])

    assert feed(objects["feed_token"]).status_code == 404


def test_revoking_without_a_feed_is_refused_and_changes_nothing(
    objects: dict[str, Any], henan: User, api: ClientFor
) -> None:
    client = api(henan)
    before = db_state()

    response = client.post(f"{V1}/me/calendar-feed/revoke", {}, "application/json")

    assert_problem(response, 409, "no_active_feed")
    assert db_state() == before
    assert CalendarFeed.objects.filter(user__username="tianjin", revoked_at__isnull=True).exists()


def test_signing_in_is_needed_everywhere_but_the_feed(objects: dict[str, Any]) -> None:
    anonymous = Client()

    for case in CASES:
        if case.anonymous:
            continue
        response = send(case, anonymous, objects)
        if case.surface == "api":
            assert response.status_code == 401, case.id
        else:
            assert response.status_code == 302, case.id
            assert response["Location"].startswith(reverse("login")), case.id
