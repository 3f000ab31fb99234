"""Who may reach what: every indicators API operation, persona by persona.

One table (`API`) lists each operation with the object its URL (or body) points at, all of them
河南's (410000, the partner side of 天津–河南). From it: an outsider (江西) gets 404 and changes
nothing; read-only users in scope get 403 on every write and nothing changes — 河南's expert, and
天津, the leading side, which sees its partner's numbers but does not report them; and the right
actor (河南's coordinator, 天津 for reviews, the Ministry for approval, an admin for the
catalogue) succeeds and the database changes, so the matrix cannot pass by refusing everyone.
`test_every_route_is_in_the_matrix` fails when an indicators operation is added without a row.
"""

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.config.api import api as ninja_api
from twinning.core.testing import assert_problem
from twinning.indicators import excel, services
from twinning.indicators.api import router as indicators_router
from twinning.indicators.models import Indicator, Report
from twinning.indicators.tests.test_api import db_state
from twinning.regions.models import Region

ClientFor = Callable[[User], Client]
D = Decimal
HENAN, TIANJIN = "410000", "120000"

# In 河南's scope but read-only: its expert, and the leading side that helps it.
READ_ONLY = ("henan_expert", "tianjin")
# Reviews are the leading side's coordinators'.
NOT_REVIEWERS = ("henan_expert", "henan", "supervisor")
# Approving, returning and unlocking are the Ministry's.
NOT_MINISTRY = ("henan_expert", "henan", "tianjin")
# Targets are set by the Ministry and the region's coordinators.
NOT_TARGET_SETTERS = ("henan_expert", "henan_member", "tianjin")
# The catalogue is the platform admins'.
NOT_ADMINS = ("supervisor", "henan", "henan_expert")


@dataclass(frozen=True)
class Case:
    """One operation, the object its URL or body points at, and who must be refused."""

    method: str
    route: str  # the path as in the OpenAPI schema
    target: str | None  # key of the `objects` fixture; None for operations without an object
    data: dict[str, Any] | None = None
    refused: tuple[str, ...] = ()  # in-scope personas that get 403 and change nothing
    changes: bool = False  # whether the successful request writes
    ok: int = 200
    actor: str = "henan"  # who succeeds
    query: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # path values without an object
    catalogue: bool = False  # the catalogue is not region-scoped

    @property
    def region_scoped(self) -> bool:
        return self.target is not None and not self.catalogue

    @property
    def id(self) -> str:
        return f"{self.method}-{self.route.removeprefix(V1)}"


def value_entries(objects: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"region": HENAN, "period": "2025-04", "indicator": code, "value": str(value)}
        for code, value in objects["month"].items()
    ]


def evidence_upload(objects: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("三月台账.pdf", PDF)


def template_upload(objects: dict[str, Any]) -> SimpleUploadedFile:
    """河南's template for March with one value changed."""
    return SimpleUploadedFile("填报.xlsx", objects["upload"])


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
V1 = "/api/v1"
IND = f"{V1}/indicators/{{code}}"
TGT = f"{V1}/indicator-targets/{{target_id}}"
REP = f"{V1}/indicator-reports/{{region}}/{{period}}"
EVI = f"{V1}/indicator-evidence/{{evidence_id}}"
INDICATOR_IN = {"code": "matrix_count", "name": "矩阵测试数", "unit": "个"}
TARGET_IN = {
    "region": HENAN,
    "indicator": "community_coverage_rate",
    "baseline_value": "80",
    "baseline_date": "2024-12-31",
    "target_value": "100",
    "due_date": "2025-12-31",
}
MARCH = {"period": "2025-03"}

API: list[Case] = [
    # the catalogue
    Case("GET", f"{V1}/indicators", None),
    Case("POST", f"{V1}/indicators", None, INDICATOR_IN, NOT_ADMINS, True, 201, "admin_user"),
    Case("GET", IND, "indicator", catalogue=True),
    Case("PATCH", IND, "indicator", {"soft_max": "1000000"}, NOT_ADMINS, True,
         actor="admin_user", catalogue=True),
    Case("POST", f"{IND}/archive", "indicator", {}, NOT_ADMINS, True, actor="admin_user",
         catalogue=True),
    Case("POST", f"{IND}/restore", "archived_indicator", {}, NOT_ADMINS, True,
         actor="admin_user", catalogue=True),
    Case("GET", f"{IND}/versions", "indicator", catalogue=True),
    # targets
    Case("GET", f"{V1}/indicator-targets", None),
    Case("POST", f"{V1}/indicator-targets", "region", TARGET_IN, NOT_TARGET_SETTERS, True, 201),
    Case("GET", TGT, "target"),
    Case("PATCH", TGT, "target", {"note": "按省级方案调整"}, NOT_TARGET_SETTERS, True),
    Case("POST", f"{TGT}/archive", "target", {}, NOT_TARGET_SETTERS, True),
    Case("POST", f"{TGT}/restore", "archived_target", {}, NOT_TARGET_SETTERS, True),
    Case("GET", f"{TGT}/status", "target"),
    # reports and their workflow
    Case("GET", f"{V1}/indicator-reports", None),
    Case("GET", REP, "draft"),
    Case("GET", f"{REP}/history", "draft"),
    Case("POST", f"{REP}/submit", "draft", {}, READ_ONLY, True),
    Case("POST", f"{REP}/withdraw", "submitted", {}, READ_ONLY, True),
    Case("POST", f"{REP}/review", "submitted", {"comment": "已核"}, NOT_REVIEWERS, True,
         actor="tianjin"),
    Case("POST", f"{REP}/return", "submitted", {"comment": "请核对"}, NOT_MINISTRY, True,
         actor="supervisor"),
    Case("POST", f"{REP}/approve", "submitted", {}, NOT_MINISTRY, True, actor="supervisor"),
    Case("POST", f"{REP}/unlock", "approved", {"reason": "更正清运量"}, NOT_MINISTRY, True,
         actor="supervisor"),
    # evidence (佐证材料)
    Case("GET", f"{REP}/evidence", "draft", query={"include_archived": "true"}),
    Case("POST", f"{REP}/evidence", "draft", {"file": evidence_upload}, READ_ONLY, True, 201),
    Case("GET", f"{EVI}/download", "evidence"),
    Case("POST", f"{EVI}/archive", "evidence", {}, READ_ONLY, True),
    # values
    Case("POST", f"{V1}/indicator-values", "region", {"entries": value_entries}, READ_ONLY,
         True),
    Case("GET", f"{V1}/indicator-values", None),
    Case("GET", f"{V1}/indicator-series/{{region}}", "region",
         query={"indicators": "recovery_rate,msw_generated_t"}),
    Case("GET", f"{V1}/indicator-completeness/{{period}}", None, params=MARCH),
    Case("GET", f"{V1}/indicator-map/{{indicator}}/{{period}}", None,
         params={"indicator": "recovery_rate", **MARCH}),
    # Excel
    Case("GET", f"{V1}/indicator-template.xlsx", "region", refused=READ_ONLY,
         query={"region": HENAN, "from": "2025-03", "to": "2025-04"}),
    # The regions are named inside the file: see test_an_import_names_each_cell_of_a_region_…
    Case("POST", f"{V1}/indicator-values/import", None, {"file": template_upload},
         ("henan_expert",), True),
]  # fmt: skip

# The indicators router's operations, as the OpenAPI schema names them.
INDICATORS_PATHS = {f"{V1}{path}" for path in indicators_router.path_operations}

SCOPED = [c for c in API if c.region_scoped]
WRITES = [c for c in API if c.refused]
READS = [c for c in API if not c.refused]


def by_id(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def objects(
    catalogue: dict[str, Indicator],
    month_values: Callable[..., dict[str, Decimal]],
    henan: User,
    supervisor: User,
    admin_user: User,
) -> dict[str, Any]:
    """河南: a draft March ready to submit, with a file of evidence, a submitted February, an
    approved January, an empty April; a live and an archived target; a live and an archived
    indicator."""
    month = month_values()
    for period in ("2025-01", "2025-02", "2025-03"):
        services.write_values(
            actor=henan,
            entries=[services.Entry(HENAN, period, code, v) for code, v in month.items()],
        )
    january = Report.objects.get(region_id=HENAN, period__code="2025-01")
    february = Report.objects.get(region_id=HENAN, period__code="2025-02")
    services.submit(actor=henan, report=january)
    services.approve(actor=supervisor, report=january)
    services.submit(actor=henan, report=february)
    henan_region = Region.objects.get(code=HENAN)
    rate = catalogue["recovery_rate"]
    target = services.create_target(
        actor=henan,
        region=henan_region,
        indicator=rate,
        baseline_value=D(30),
        baseline_date=dt.date(2024, 12, 31),
        target_value=D(35),
        due_date=dt.date(2025, 12, 31),
    )
    old_target = services.create_target(
        actor=henan,
        region=henan_region,
        indicator=rate,
        baseline_value=D(30),
        baseline_date=dt.date(2020, 12, 31),
        target_value=D(35),
        due_date=dt.date(2023, 12, 31),
    )
    services.archive_target(actor=henan, target=old_target)
    retired = services.create_indicator(
        actor=admin_user, code="matrix_retired", name="矩阵停用指标", unit="个"
    )
    services.archive_indicator(actor=admin_user, indicator=retired)
    evidence = services.add_evidence(
        actor=henan,
        report=Report.objects.get(region_id=HENAN, period__code="2025-03"),
        upload=SimpleUploadedFile("台账.pdf", PDF),
    )
    upload = excel.template_workbook(
        actor=henan, region_codes=[HENAN], first="2025-03", last="2025-03"
    )
    return {
        "month": month,
        "upload": _changed(upload),
        "region": {"region": HENAN},
        "draft": {"region": HENAN, "period": "2025-03"},
        "submitted": {"region": HENAN, "period": "2025-02"},
        "approved": {"region": HENAN, "period": "2025-01"},
        "target": {"target_id": str(target.pk)},
        "archived_target": {"target_id": str(old_target.pk)},
        "evidence": {"evidence_id": str(evidence.pk)},
        "indicator": {"code": "communities_total"},
        "archived_indicator": {"code": retired.code},
    }


def _changed(workbook: bytes) -> bytes:
    """The template with March's hazardous waste changed from 5 to 6 t."""
    book = load_workbook(io.BytesIO(workbook))
    sheet = book["填报"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("指标代码")].value == "hazardous_collected_t":
            row[headers.index("2025-03")].value = 6
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


# --- helpers -----------------------------------------------------------------------------------


def fill(value: Any, objects: dict[str, Any]) -> Any:
    """Callables build the value from the objects (entries, files)."""
    return value(objects) if callable(value) else value


def url_of(case: Case, objects: dict[str, Any]) -> str:
    values = {**(objects[case.target] if case.target else {}), **case.params}
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
    before = db_state()

    response = send(case, api(jiangxi), objects)

    assert_problem(response, 404, "not_found")
    assert "河南" not in response.content.decode()
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(WRITES))
def test_a_read_only_user_in_scope_gets_403_on_every_write(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    for persona in case.refused:
        client = api(request.getfixturevalue(persona))
        before = db_state()

        response = send(case, client, objects)

        assert response.status_code == 403, (persona, response.content)
        assert_problem(response, 403, "forbidden")
        assert db_state() == before, persona


@pytest.mark.parametrize("case", by_id(READS))
def test_a_read_only_user_in_scope_may_read(
    case: Case, objects: dict[str, Any], henan_expert: User, api: ClientFor
) -> None:
    before = db_state()

    response = send(case, api(henan_expert), objects)

    assert response.status_code == 200, response.content
    assert db_state() == before


@pytest.mark.parametrize("case", by_id(API))
def test_the_right_actor_succeeds(
    case: Case, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    client = api(request.getfixturevalue(case.actor))
    before = db_state()

    response = send(case, client, objects)

    assert response.status_code == case.ok, response.content
    assert (db_state() != before) is case.changes


def test_every_route_is_in_the_matrix() -> None:
    schema = ninja_api.get_openapi_schema()
    api_operations = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path in INDICATORS_PATHS
    }
    rows = {(c.method, c.route) for c in API}

    assert rows == api_operations, "add the new indicators API operation to API"
    assert len(api_operations) == sum(
        len(v.operations) for v in indicators_router.path_operations.values()
    )
    assert len({c.id for c in API}) == len(API)


# --- outsiders on operations without an object -------------------------------------------------


@pytest.mark.parametrize("persona", ["jiangxi", "tianjin"])
def test_an_import_names_each_cell_of_a_region_the_user_may_not_report_for(
    persona: str, objects: dict[str, Any], request: pytest.FixtureRequest, api: ClientFor
) -> None:
    """A file is checked cell by cell: 河南's rows are refused where they stand (without saying
    whether 河南 exists, to the outsider), like any other bad cell, and nothing changes."""
    client = api(request.getfixturevalue(persona))
    before = db_state()

    response = client.post(f"{V1}/indicator-values/import", {"file": template_upload(objects)})

    body = assert_problem(response, 422, "import_invalid")
    assert body["errors"]["file"] and all("410000" in line or "河南" in line
                                          for line in body["errors"]["file"])  # fmt: skip
    assert db_state() == before


def test_an_outsider_finds_none_of_henans_data_in_lists(
    objects: dict[str, Any], jiangxi: User, api: ClientFor
) -> None:
    client = api(jiangxi)

    reports = client.get(f"{V1}/indicator-reports").json()
    values = client.get(f"{V1}/indicator-values").json()
    targets = client.get(f"{V1}/indicator-targets").json()
    completeness = client.get(f"{V1}/indicator-completeness/2025-02").json()
    ranking = client.get(f"{V1}/indicator-map/recovery_rate/2025-02").json()

    assert reports["count"] == values["count"] == targets["count"] == 0
    assert HENAN not in {row["region"]["code"] for row in completeness["rows"]}
    assert HENAN not in {row["region"]["code"] for row in ranking["regions"]}


def test_the_leading_side_sees_its_partners_numbers(
    objects: dict[str, Any], tianjin: User, api: ClientFor
) -> None:
    client = api(tianjin)

    reports = client.get(f"{V1}/indicator-reports", {"region": HENAN}).json()
    ranking = client.get(f"{V1}/indicator-map/recovery_rate/2025-02").json()

    assert [r["period"] for r in reports["items"]] == ["2025-03", "2025-02", "2025-01"]
    assert HENAN in {row["region"]["code"] for row in ranking["regions"]}
