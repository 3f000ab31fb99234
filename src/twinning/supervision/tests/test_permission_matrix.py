"""Who may reach what: every notices API operation and page, persona by persona.

The notices belong to 天津–河南. An outsider (江西) gets 404 and changes nothing; read-only users
in scope get 403 on every write and nothing changes (河南's member and expert; for the Ministry's
decisions also the pair's coordinators); and the right actor succeeds and the database changes,
so the matrix cannot pass by refusing everyone. `test_every_route_is_in_the_matrix` fails when an
operation is added without a row.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from twinning.core.testing import assert_problem
from twinning.supervision.api import router
from twinning.supervision.tests.factories import PDF, advance, issue, state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_2021")]

V1 = "/api/v1"
NOTICE = f"{V1}/notices/{{notice_id}}"
READERS = ("henan_member", "henan_expert")
NOT_MINISTRY = ("henan", "tianjin", "henan_member", "henan_expert")
TASK = {"title": "补齐逾期任务", "due_date": "2021-07-15", "side": "partner"}


@dataclass(frozen=True)
class Case:
    method: str
    route: str
    target: str | None  # key of `objects` giving the notice (None: no notice in the URL)
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()
    actor: str = "henan"
    ok: int = 200
    multipart: bool = False

    @property
    def id(self) -> str:
        return f"{self.method}-{self.route.removeprefix(V1)}"


API = [
    Case("GET", f"{V1}/notices", None),
    Case("GET", f"{V1}/notices/counts", None),
    Case("POST", f"{V1}/pairings/{{pairing_id}}/notices", "issued",
         {"required_actions": "限期整改", "deadline": "2021-07-01"},
         NOT_MINISTRY, "supervisor", 201),
    Case("GET", NOTICE, "issued"),
    Case("POST", f"{NOTICE}/acknowledge", "issued", {"note": "收到"}, READERS),
    Case("POST", f"{NOTICE}/rectification", "acknowledged",
         {"text": "整改方案", "tasks": [TASK]}, READERS),
    Case("POST", f"{NOTICE}/progress", "rectifying", {"text": "进展"}, READERS, multipart=True),
    Case("POST", f"{NOTICE}/close", "reported", {"note": "办结"}, NOT_MINISTRY, "supervisor"),
    Case("POST", f"{NOTICE}/return", "reported", {"note": "补充佐证"}, NOT_MINISTRY, "supervisor"),
    Case("POST", f"{NOTICE}/escalate", "issued", {"note": "升级"}, NOT_MINISTRY, "supervisor"),
    Case("POST", f"{NOTICE}/archive", "issued", {"archived": True}, NOT_MINISTRY, "supervisor"),
    Case("GET", f"{NOTICE}/history", "issued"),
    Case("GET", f"{NOTICE}/files/{{file_id}}", "reported"),
]  # fmt: skip

PAGES = [
    Case("GET", "/notices/{notice_id}/", "issued"),
    Case("GET", "/notices/new/{pairing_id}/", "issued", None, NOT_MINISTRY, "supervisor"),
    Case("POST", "/notices/{notice_id}/acknowledge/", "issued", {}, READERS, ok=302),
    Case("POST", "/notices/{notice_id}/rectification/", "acknowledged",
         {"text": "整改方案", "task_1_title": "补齐逾期任务", "task_1_due_date": "2021-07-15",
          "task_1_side": "partner"}, READERS, ok=302),
    Case("POST", "/notices/{notice_id}/progress/", "rectifying", {"text": "进展"}, READERS, ok=302),
    Case("POST", "/notices/{notice_id}/close/", "reported", {}, NOT_MINISTRY, "supervisor", 302),
    Case("POST", "/notices/{notice_id}/return/", "reported", {"note": "补充"}, NOT_MINISTRY,
         "supervisor", 302),
    Case("POST", "/notices/{notice_id}/escalate/", "issued", {}, NOT_MINISTRY, "supervisor", 302),
    Case("POST", "/notices/{notice_id}/archive/", "issued", {}, NOT_MINISTRY, "supervisor", 302),
    Case("GET", "/notices/{notice_id}/files/{file_id}/", "reported"),
]  # fmt: skip


@pytest.fixture
def objects(supervisor: Any, henan: Any, tianjin: Any, tianjin_henan: Any) -> dict[str, Any]:
    notices = {
        status: advance(
            issue(supervisor, tianjin_henan, deadline=dt.date(2021, 7, 1)),
            supervisor,
            henan,
            status,
        )
        for status in ("issued", "acknowledged", "rectifying", "reported")
    }
    reported = notices["reported"]
    return {
        name: {
            "notice_id": notice.pk,
            "pairing_id": tianjin_henan.pk,
            "file_id": reported.files.first().pk if name == "reported" else 0,
        }
        for name, notice in notices.items()
    }


def url_of(case: Case, objects: dict[str, Any]) -> str:
    values = objects[case.target] if case.target else {}
    return case.route.format(**{n: values[n] for n in re.findall(r"{(\w+)}", case.route)})


def send(case: Case, client: Any, objects: dict[str, Any]) -> Any:
    url = url_of(case, objects)
    if case.method == "GET":
        return client.get(url)
    data = dict(case.data or {})
    if case.multipart or not url.startswith(V1):
        if case.multipart:
            data["files"] = SimpleUploadedFile("佐证.pdf", PDF)
        return client.post(url, data)
    return client.post(url, data, "application/json")


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


# ---------------------------------------------------------------- API


@pytest.mark.parametrize("case", by_id([c for c in API if c.target]))
def test_api_outsider_gets_404_and_changes_nothing(
    case: Case, objects: dict[str, Any], jiangxi: Any, api: Any
) -> None:
    client = api(jiangxi)
    before = state()
    body = assert_problem(send(case, client, objects), 404, "not_found")
    assert "天津" not in str(body)
    assert state() == before


@pytest.mark.parametrize("case", by_id([c for c in API if c.refused]))
def test_api_read_only_users_get_403_and_change_nothing(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: Any
) -> None:
    for persona in case.refused:
        client = api(request.getfixturevalue(persona))
        before = state()
        response = send(case, client, objects)
        assert_problem(response, 403, "forbidden")
        assert state() == before, persona


@pytest.mark.parametrize("case", by_id(API))
def test_api_the_right_actor_succeeds(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: Any
) -> None:
    client = api(request.getfixturevalue(case.actor))
    before = state()
    response = send(case, client, objects)
    assert response.status_code == case.ok, response.content
    assert (state() != before) == (case.method == "POST")


def test_outsiders_list_no_notices(objects: dict[str, Any], jiangxi: Any, api: Any) -> None:
    body = api(jiangxi).get(f"{V1}/notices").json()
    assert body["count"] == 0
    assert api(jiangxi).get(f"{V1}/notices/counts").json() == {
        "open": 0,
        "overdue": 0,
        "escalated": 0,
    }


def test_every_route_is_in_the_matrix() -> None:
    routes = {f"{V1}{path}" for path in router.path_operations}
    assert routes == {c.route for c in API}


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("case", by_id(PAGES))
def test_page_outsider_gets_404_and_changes_nothing(
    case: Case, objects: dict[str, Any], jiangxi: Any, login: Any
) -> None:
    before = state()
    assert send(case, login(jiangxi), objects).status_code == 404
    assert state() == before


@pytest.mark.parametrize("case", by_id([c for c in PAGES if c.refused]))
def test_page_read_only_users_get_403_and_change_nothing(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, login: Any
) -> None:
    for persona in case.refused:
        before = state()
        response = send(case, login(request.getfixturevalue(persona)), objects)
        assert response.status_code == 403, persona
        assert state() == before, persona


@pytest.mark.parametrize("case", by_id(PAGES))
def test_page_the_right_actor_succeeds(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, login: Any
) -> None:
    before = state()
    response = send(case, login(request.getfixturevalue(case.actor)), objects)
    assert response.status_code == case.ok, response.content[:2000]
    assert (state() != before) == (case.method == "POST")


def test_readers_see_the_notice_without_action_buttons(
    objects: dict[str, Any], henan_expert: Any, henan: Any, login: Any
) -> None:
    url = f"/notices/{objects['issued']['notice_id']}/"
    reader = login(henan_expert).get(url).content.decode()
    assert "建办城督" in reader and 'id="acknowledge-notice"' not in reader
    coordinator = login(henan).get(url).content.decode()
    assert 'id="acknowledge-notice"' in coordinator and 'id="close-notice"' not in coordinator
