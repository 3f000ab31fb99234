"""Who may reach what: every evaluation API operation, persona by persona.

`API` lists each operation with the object its URL points at. The pair-scoped objects are
天津–河南's assessments and appeal. From the table: an outsider gets 404 and changes nothing
(江西 for another pair's assessment; 甘肃, in no pair, for rounds not yet published; everyone
but the Ministry for draft rubrics and rounds); read-only users in scope get 403 on every write
and change nothing (河南's member and expert, the wrong side, the Ministry on a side's own
acts, the sides on the Ministry's acts); the right actor succeeds and the database changes, so
the matrix cannot pass by refusing everyone. `test_every_route_is_in_the_matrix` fails when an
evaluation operation is added without a row.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem
from twinning.evaluation import services
from twinning.evaluation.api import router as evaluation_router
from twinning.evaluation.models import (
    Appeal,
    Assessment,
    AssessmentItem,
    EvaluationRound,
    EvidenceFile,
    Rubric,
)
from twinning.evaluation.tests.conftest import CODES, full_marks, scores
from twinning.pairings.models import Pairing, Side

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
V1 = "/api/v1"
E = f"{V1}/evaluation"
RUBRIC = f"{E}/rubrics/{{rubric_id}}"
ROUND = f"{E}/rounds/{{round_id}}"
ASSESSMENT = f"{E}/assessments/{{assessment_id}}"

SIDES = ("henan", "tianjin", "henan_member", "henan_expert")  # everyone in scope but the Ministry
NOT_HENAN = ("tianjin", "henan_member", "henan_expert", "supervisor")
NOT_TIANJIN = ("henan", "henan_member", "henan_expert", "supervisor")


@dataclass(frozen=True)
class Case:
    """One operation, the object its URL points at, who is refused and how."""

    method: str
    route: str  # the path as in the OpenAPI schema
    target: str | None  # key of the `objects` fixture; None for operations without an object
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    hidden: tuple[str, ...] = ()  # personas for whom the object does not exist (404)
    outsider: str | None = None  # a persona outside the pair or round: 404
    changes: bool = False
    ok: int = 200
    actor: str = "supervisor"
    query: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method}-{self.route.removeprefix(V1)}"


def evidence(objects: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("会议纪要.txt", "领导小组第一次会议纪要".encode())


DIMENSIONS = [
    {"code": "a", "name": "组织", "weight": 50, "max_points": 10},
    {"code": "b", "name": "成效", "weight": 50, "max_points": 10},
]
ROUND_BODY = {"name": "新一轮", "rubric": lambda o: o["rubric"]["rubric_id"],
              "period_start": "2021-07-01", "period_end": "2021-12-31", "self_due": "2022-01-15",
              "pairings": lambda o: [o["pairing"]]}  # fmt: skip

API: list[Case] = [
    # rubrics
    Case("GET", f"{E}/rubrics", None),
    Case("POST", f"{E}/rubrics", None, {"name": "新细则", "dimensions": DIMENSIONS}, SIDES,
         changes=True, ok=201),
    Case("GET", RUBRIC, "rubric"),
    Case("PATCH", RUBRIC, "draft_rubric", {"name": "改名"}, hidden=SIDES, changes=True),
    Case("POST", f"{RUBRIC}/new-version", "retired_rubric", {}, SIDES, changes=True, ok=201),
    Case("POST", f"{RUBRIC}/activate", "draft_rubric", {}, hidden=SIDES, changes=True),
    Case("POST", f"{RUBRIC}/archive", "retired_rubric", {}, SIDES, changes=True),
    Case("POST", f"{RUBRIC}/restore", "archived_rubric", {}, hidden=SIDES, changes=True),
    # rounds
    Case("GET", f"{E}/rounds", None),
    Case("POST", f"{E}/rounds", None, ROUND_BODY, SIDES, changes=True, ok=201),
    Case("GET", ROUND, "open", outsider="gansu"),
    Case("PATCH", ROUND, "draft", {"name": "改名"}, hidden=SIDES, changes=True),
    Case("POST", f"{ROUND}/open", "draft", {}, hidden=SIDES, changes=True),
    Case("POST", f"{ROUND}/close-self-assessment", "open", {}, SIDES, outsider="gansu",
         changes=True),
    Case("POST", f"{ROUND}/publish", "scored", {}, SIDES, outsider="gansu", changes=True),
    Case("POST", f"{ROUND}/close", "closable", {}, SIDES, changes=True),
    Case("GET", f"{ROUND}/assessments", "open", outsider="gansu"),
    Case("GET", f"{ROUND}/rankings/pairs", "published"),
    Case("GET", f"{ROUND}/rankings/partners", "published"),
    Case("GET", f"{ROUND}/appeals", "published"),
    # assessments
    Case("GET", ASSESSMENT, "tianjin_open", outsider="jiangxi"),
    Case("POST", f"{ASSESSMENT}/self-assessment", "henan_open", {"items": full_marks()},
         NOT_HENAN, outsider="jiangxi", changes=True, actor="henan"),
    Case("POST", f"{ASSESSMENT}/evidence", "henan_open", {"file": evidence, "dimension": "plan"},
         NOT_HENAN, outsider="jiangxi", changes=True, ok=201, actor="henan"),
    Case("POST", f"{ASSESSMENT}/peer-comment", "tianjin_open",
         {"comments": {"plan": "方案已备案，属实。"}}, NOT_HENAN, outsider="jiangxi",
         changes=True, actor="henan"),
    Case("POST", f"{ASSESSMENT}/score", "tianjin_scoring", {"items": scores(*[16] * 5)},
         SIDES, outsider="jiangxi", changes=True),
    Case("POST", f"{ASSESSMENT}/appeal", "tianjin_published", {"reasons": "交流活动漏计"},
         NOT_TIANJIN, outsider="jiangxi", changes=True, ok=201, actor="tianjin"),
    Case("POST", f"{E}/appeals/{{appeal_id}}/decision", "henan_appeal",
         {"decision": "partly", "note": "部分属实", "scores": {"exchanges": 19}}, SIDES,
         outsider="jiangxi", changes=True),
]  # fmt: skip

EVALUATION_PATHS = {f"{V1}{path}" for path in evaluation_router.path_operations}
WRITES = [c for c in API if c.method != "GET"]
READS = [c for c in API if c.method == "GET"]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


def state() -> tuple[object, ...]:
    """What the evaluation routes can write."""
    return (
        list(Rubric.objects.order_by("pk").values_list("status", "lock_version", "archived_at")),
        list(EvaluationRound.objects.order_by("pk").values_list("status", "lock_version")),
        list(Assessment.objects.order_by("pk").values_list("status", "lock_version")),
        list(AssessmentItem.objects.order_by("pk").values_list("self_score", "peer_comment",
                                                               "ministry_score")),
        list(Appeal.objects.order_by("pk").values_list("decision", "lock_version")),
        EvidenceFile.objects.count(),
        AuditEntry.objects.count(),
    )  # fmt: skip


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_leftover_files() -> Iterator[None]:
    root = Path(settings.MEDIA_ROOT)
    before = {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    yield
    if root.exists():
        for path in {p for p in root.rglob("*") if p.is_file()} - before:
            path.unlink(missing_ok=True)


@pytest.fixture
def objects(
    supervisor: User, tianjin: User, henan: User, rubric: Rubric, tianjin_henan: Pairing,
    shanghai_jiangxi: Pairing,
) -> dict[str, Any]:  # fmt: skip
    """Rubric versions in every state, and a round of 天津–河南 and 上海–江西 in every stage."""
    retired = services.create_rubric(actor=supervisor, name="旧细则", dimensions=DIMENSIONS)
    services.activate_rubric(actor=supervisor, rubric_id=retired.pk)
    successor = services.new_rubric_version(actor=supervisor, rubric_id=retired.pk)
    services.activate_rubric(actor=supervisor, rubric_id=successor.pk)  # retires the first
    draft = services.new_rubric_version(actor=supervisor, rubric_id=rubric.pk)
    archived = services.create_rubric(actor=supervisor, name="作废细则", dimensions=DIMENSIONS)
    services.archive_rubric(actor=supervisor, rubric_id=archived.pk)

    def make(name: str, stage: str) -> EvaluationRound:
        made = services.create_round(
            actor=supervisor, name=name, rubric_id=rubric.pk, period_start=dt.date(2021, 2, 7),
            period_end=dt.date(2021, 6, 30), self_due=dt.date(2021, 7, 15),
            pairing_ids=[tianjin_henan.pk, shanghai_jiangxi.pk],
        )  # fmt: skip
        if stage == "draft":
            return made
        services.open_round(actor=supervisor, round_id=made.pk)
        if stage == "open":
            return made
        services.close_self_assessment(actor=supervisor, round_id=made.pk)
        if stage == "scoring":
            return made
        for assessment in made.assessments.all():
            services.score_assessment(
                actor=supervisor, assessment_id=assessment.pk, items=scores(*[15] * len(CODES))
            )
        if stage == "scored":
            return made
        return services.publish_round(actor=supervisor, round_id=made.pk)

    def side(made: EvaluationRound, which: str) -> Assessment:
        return made.assessments.get(pairing=tianjin_henan, side=which)

    draft_round, open_round = make("草稿轮", "draft"), make("自评轮", "open")
    scoring, scored = make("评分轮", "scoring"), make("待发布轮", "scored")
    published, closable = make("已发布轮", "published"), make("可结束轮", "published")
    EvaluationRound.objects.filter(pk=closable.pk).update(
        published_at=timezone.now() - dt.timedelta(days=40)
    )
    services.submit_self_assessment(
        actor=tianjin, assessment_id=side(open_round, Side.LEADING).pk, items=full_marks()
    )
    appeal = services.file_appeal(
        actor=henan, assessment_id=side(published, Side.PARTNER).pk, reasons="漏计会诊"
    )
    return {
        "pairing": tianjin_henan.pk,
        "rubric": {"rubric_id": rubric.pk},
        "retired_rubric": {"rubric_id": retired.pk},
        "draft_rubric": {"rubric_id": draft.pk},
        "archived_rubric": {"rubric_id": archived.pk},
        "draft": {"round_id": draft_round.pk},
        "open": {"round_id": open_round.pk},
        "scored": {"round_id": scored.pk},
        "published": {"round_id": published.pk},
        "closable": {"round_id": closable.pk},
        "tianjin_open": {"assessment_id": side(open_round, Side.LEADING).pk},
        "henan_open": {"assessment_id": side(open_round, Side.PARTNER).pk},
        "tianjin_scoring": {"assessment_id": side(scoring, Side.LEADING).pk},
        "tianjin_published": {"assessment_id": side(published, Side.LEADING).pk},
        "henan_appeal": {"appeal_id": appeal.pk},
    }


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


@pytest.mark.parametrize("case", by_id([c for c in API if c.outsider]))
def test_an_outsider_gets_404_and_changes_nothing(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    client = api(request.getfixturevalue(case.outsider or ""))
    before = state()
    response = send(case, client, objects)
    body = assert_problem(response, 404, "not_found")
    assert "天津" not in str(body) and "河南" not in str(body)
    assert state() == before


@pytest.mark.parametrize("case", by_id([c for c in API if c.hidden]))
def test_the_ministrys_drafts_are_404_to_everyone_else(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    for persona in case.hidden:
        client = api(request.getfixturevalue(persona))
        before = state()
        response = send(case, client, objects)
        assert_problem(response, 404, "not_found")
        assert state() == before, persona


@pytest.mark.parametrize("case", by_id([c for c in WRITES if c.refused]))
def test_a_user_in_scope_without_the_right_gets_403_on_every_write(
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
@pytest.mark.parametrize("persona", ["henan_expert", "tianjin", "henan_member"])
def test_readers_in_scope_may_read(
    case: Case, persona: str, objects: dict[str, Any], request: pytest.FixtureRequest,
    api: ClientFor,
) -> None:  # fmt: skip
    client = api(request.getfixturevalue(persona))
    before = state()
    response = send(case, client, objects)
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
    assert_problem(send(case, client, objects), 401, "unauthenticated")
    assert state() == before


def test_every_route_is_in_the_matrix() -> None:
    schema = ninja_api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if path in EVALUATION_PATHS
    }
    assert {(c.method, c.route) for c in API} == operations, "add the new operation to API"
    assert len({c.id for c in API}) == len(API)
