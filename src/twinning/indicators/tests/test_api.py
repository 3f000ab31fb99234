"""The indicators API end to end: every endpoint called with a bearer token, as the personas would.

Errors are problem+json with a stable `code`; a refused request leaves the database exactly as it
was (the catalogue, targets, reports, values, evidence and the audit trail alike).
"""

import datetime as dt
import importlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pydantic import BaseModel

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.core.testing import api_get as get
from twinning.core.testing import api_patch as patch
from twinning.core.testing import api_post as post
from twinning.core.testing import assert_problem, unchanged_state
from twinning.indicators import schemas as indicator_schemas
from twinning.indicators import services
from twinning.indicators.models import (
    Indicator,
    IndicatorVersion,
    Period,
    Report,
    ReportFile,
    Target,
    Value,
)
from twinning.indicators.tests.reports_factory import make_report
from twinning.notifications.models import Notification
from twinning.pairings.models import Pairing
from twinning.plans import services as plan_services
from twinning.regions.models import Region

API = "/api/v1"
ApiFor = Callable[[User], Client]
Catalogue = dict[str, Indicator]
MonthValues = Callable[..., dict[str, Decimal]]
D = Decimal
HENAN, TIANJIN, JIANGXI, XUCHANG = "410000", "120000", "360000", "411000"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.django_db


# --- helpers -----------------------------------------------------------------------------------


def db_state() -> dict[str, Any]:
    """Every row an indicators route can write, plus the size of the audit trail."""
    return {
        "indicators": list(Indicator.objects.order_by("pk").values()),
        "versions": list(IndicatorVersion.objects.order_by("pk").values()),
        "periods": list(Period.objects.order_by("pk").values()),
        "reports": list(Report.objects.order_by("pk").values()),
        "values": list(Value.objects.order_by("pk").values()),
        "files": list(ReportFile.objects.order_by("pk").values()),
        "targets": list(Target.objects.order_by("pk").values()),
        "notifications": Notification.objects.count(),
        # Signing a persona in with a new API token is recorded too: not an indicators write.
        "audit_entries": AuditEntry.objects.exclude(target_type="accounts.apitoken").count(),
    }


def unchanged() -> AbstractContextManager[None]:
    """Fail if anything the API writes changed inside the block."""
    return unchanged_state(db_state)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def entries(
    values: dict[str, Decimal], region: str = HENAN, period: str = "2025-03", **extra: Any
) -> list[dict[str, Any]]:
    return [
        {"region": region, "period": period, "indicator": code, "value": str(value), **extra}
        for code, value in values.items()
    ]


def write(client: Client, items: list[dict[str, Any]]) -> Any:
    return post(client, "/indicator-values", {"entries": items})


def fill(
    actor: User, values: dict[str, Decimal], region: str = HENAN, period: str = "2025-03"
) -> services.WriteResult:
    """Values written through the service, as the grid would."""
    return services.write_values(
        actor=actor,
        entries=[services.Entry(region, period, code, value) for code, value in values.items()],
    )


def report_of(region: str = HENAN, period: str = "2025-03") -> Report:
    return Report.objects.get(region_id=region, period__code=period)


def stored(region: str = HENAN, period: str = "2025-03") -> dict[str, Decimal]:
    return dict(
        Value.objects.filter(report__region_id=region, report__period__code=period).values_list(
            "indicator__code", "value"
        )
    )


def codes_of(errors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["indicator"], e["code"]) for e in errors]


@pytest.fixture
def draft(catalogue: Catalogue, henan: User, month_values: MonthValues) -> Report:
    """河南's March: every required value, nothing to explain."""
    fill(henan, month_values())
    return report_of()


@pytest.fixture
def submitted(draft: Report, henan: User) -> Report:
    return services.submit(actor=henan, report=draft)


@pytest.fixture
def approved(submitted: Report, supervisor: User) -> Report:
    return services.approve(actor=supervisor, report=submitted)


# --- the catalogue -----------------------------------------------------------------------------


def test_the_catalogue_is_paginated_in_catalogue_order(
    api: ApiFor, henan_expert: User, catalogue: Catalogue
) -> None:
    body = ok(get(api(henan_expert), "/indicators", page_size=100))

    codes = [item["code"] for item in body["items"]]
    assert body["count"] == Indicator.objects.filter(archived_at=None).count() == len(codes)
    assert codes.index("msw_generated_t") < codes.index("recovery_rate")
    rate = next(item for item in body["items"] if item["code"] == "recovery_rate")
    assert rate["kind"] == "computed"
    assert rate["kind_label"] == "计算"
    assert rate["numerator"] == ["recovery_utilised_t"]
    assert rate["denominator"] == ["msw_generated_t"]
    assert (D(rate["hard_min"]), D(rate["hard_max"])) == (D(0), D(100))


def test_the_catalogue_filters_by_kind_period_type_and_text(
    api: ApiFor, henan: User, catalogue: Catalogue
) -> None:
    client = api(henan)

    computed = ok(get(client, "/indicators", kind="computed", page_size=100))["items"]
    found = ok(get(client, "/indicators", q="回收利用"))["items"]
    yearly = ok(get(client, "/indicators", period_type="year", q="recovery"))["items"]

    assert computed and {i["kind"] for i in computed} == {"computed"}
    assert {"recovery_rate", "community_coverage_rate"} <= {i["code"] for i in computed}
    assert {i["code"] for i in found} >= {"recovery_utilised_t", "recovery_rate"}
    assert all("回收利用" in i["name"] for i in found)
    assert yearly == []


def indicator_in(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "street_bins_total",
        "name": "道路果皮箱数",
        "name_en": "Street litter bins",
        "unit": "个",
        "aggregation": "last",
        "hard_min": "0",
        **overrides,
    }


def test_an_admin_adds_an_indicator(api: ApiFor, admin_user: User, catalogue: Catalogue) -> None:
    body = ok(post(api(admin_user), "/indicators", indicator_in()), 201)

    assert (body["code"], body["version"], body["kind"], body["archived"]) == (
        "street_bins_total",
        1,
        "reported",
        False,
    )
    created = Indicator.objects.get(code="street_bins_total")
    assert created.name == "道路果皮箱数"
    assert created.versions.get().version == 1


@pytest.mark.parametrize("persona", ["supervisor", "henan", "henan_expert"])
def test_only_admins_add_indicators(
    persona: str, api: ApiFor, request: pytest.FixtureRequest, catalogue: Catalogue
) -> None:
    client = api(request.getfixturevalue(persona))

    with unchanged():
        assert_problem(post(client, "/indicators", indicator_in()), 403, "forbidden")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (indicator_in(code="Bad Code"), "code"),
        (indicator_in(kind="guessed"), "kind"),
        (indicator_in(hard_min="many"), "hard_min"),
        ({"code": "no_name"}, "name"),
    ],
)
def test_a_malformed_indicator_names_the_field(
    payload: dict[str, Any], field: str, api: ApiFor, admin_user: User, catalogue: Catalogue
) -> None:
    with unchanged():
        body = assert_problem(post(api(admin_user), "/indicators", payload), 422, "invalid_input")

    assert field in body["errors"]


def test_a_duplicate_indicator_code_is_refused(
    api: ApiFor, admin_user: User, catalogue: Catalogue
) -> None:
    with unchanged():
        response = post(api(admin_user), "/indicators", indicator_in(code="recovery_rate"))

    body = assert_problem(response, 422, "invalid")
    assert body["errors"]["code"] == ["具有 代码 的 指标 已存在。"]


def test_get_an_indicator_and_an_unknown_one(
    api: ApiFor, henan_expert: User, catalogue: Catalogue
) -> None:
    client = api(henan_expert)

    body = ok(get(client, "/indicators/recovery_rate"))

    assert (body["name"], body["unit"], body["direction"]) == ("生活垃圾回收利用率", "%", "higher")
    assert_problem(get(client, "/indicators/no_such_code"), 404, "not_found")


def test_a_definition_change_is_a_new_version(
    api: ApiFor, admin_user: User, catalogue: Catalogue
) -> None:
    client = api(admin_user)
    current = ok(get(client, "/indicators/recovery_rate"))

    body = ok(
        patch(
            client,
            "/indicators/recovery_rate",
            {"soft_max": "65", "note": "放宽合理区间", "lock_version": current["lock_version"]},
        )
    )
    versions = ok(get(client, "/indicators/recovery_rate/versions"))

    assert body["version"] == current["version"] + 1
    assert D(body["soft_max"]) == 65
    assert body["name"] == current["name"]  # fields not sent are kept
    assert body["lock_version"] == current["lock_version"] + 1
    assert versions[0]["version"] == body["version"]
    assert versions[0]["note"] == "放宽合理区间"
    assert versions[0]["created_by"] == admin_user.username


def test_a_name_in_english_alone_is_not_a_new_definition(
    api: ApiFor, admin_user: User, catalogue: Catalogue
) -> None:
    client = api(admin_user)

    body = ok(patch(client, "/indicators/recovery_rate", {"name_en": "Recovery rate"}))

    assert body["name_en"] == "Recovery rate"
    assert body["version"] == catalogue["recovery_rate"].version


def test_a_stale_indicator_edit_is_409(api: ApiFor, admin_user: User, catalogue: Catalogue) -> None:
    client = api(admin_user)
    read = ok(get(client, "/indicators/recovery_rate"))
    ok(patch(client, "/indicators/recovery_rate", {"soft_min": "10", **_version(read)}))

    with unchanged():
        body = assert_problem(
            patch(client, "/indicators/recovery_rate", {"soft_min": "12", **_version(read)}),
            409,
            "stale_version",
        )

    assert "已于" in body["detail"]


def _version(read: dict[str, Any]) -> dict[str, int]:
    return {"lock_version": read["lock_version"]}


def test_archive_and_restore_an_indicator(
    api: ApiFor, admin_user: User, catalogue: Catalogue
) -> None:
    client = api(admin_user)

    archived = ok(post(client, "/indicators/communities_total/archive"))
    listed = ok(get(client, "/indicators", page_size=100))["items"]
    with_archived = ok(get(client, "/indicators", include_archived=True, page_size=100))["items"]
    restored = ok(post(client, "/indicators/communities_total/restore"))

    assert archived["archived"] is True
    assert "communities_total" not in {i["code"] for i in listed}
    assert "communities_total" in {i["code"] for i in with_archived}
    assert restored["archived"] is False


# --- values ------------------------------------------------------------------------------------


def test_a_reporter_writes_a_month_and_the_rates_are_computed(
    api: ApiFor, henan: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    body = ok(write(api(henan), entries(month_values())))

    assert (body["created"], body["updated"], body["cleared"]) == (9, 0, 0)
    assert body["warnings"] == []
    assert body["reports"] == [
        {"region": HENAN, "period": "2025-03", "status": "draft", "lock_version": 1}
    ]
    values = stored()
    assert values["recovery_rate"] == D("35.0000")  # 10,500 ÷ 30,000
    assert values["community_coverage_rate"] == D("88.0000")  # 880 ÷ 1,000
    entry = AuditEntry.objects.get(target_type="indicators.report", action=services.VALUES_ACTION)
    assert entry.actor == henan
    assert entry.changes["msw_generated_t"] == [None, "30000"]


def test_the_report_shows_its_values_with_version_scope_and_warnings(
    api: ApiFor, henan_expert: User, draft: Report
) -> None:
    body = ok(get(api(henan_expert), f"/indicator-reports/{HENAN}/2025-03"))

    values = {v["indicator"]: v for v in body["values"]}
    assert (body["id"], body["status"], body["status_label"]) == (draft.pk, "draft", "填报中")
    assert (body["region"]["code"], body["period"], body["period_type"]) == (
        HENAN,
        "2025-03",
        "month",
    )
    assert body["deadline"] == (dt.date(2025, 3, 31) + dt.timedelta(days=10)).isoformat()
    assert body["editable"] is True and body["is_demo"] is False
    assert D(values["recovery_rate"]["value"]) == 35
    assert values["recovery_rate"]["is_computed"] is True
    assert values["msw_generated_t"]["is_computed"] is False
    assert values["msw_generated_t"]["scope"] == "urban"
    assert values["msw_generated_t"]["definition_version"] == 1
    assert values["msw_generated_t"]["unit"] == "t"


def test_a_period_nobody_has_written_answers_an_empty_draft(
    api: ApiFor, henan: User, catalogue: Catalogue
) -> None:
    with unchanged():
        body = ok(get(api(henan), f"/indicator-reports/{HENAN}/2025-04"))

    assert (body["id"], body["status"], body["values"], body["files"]) == (None, "draft", [], [])


def test_many_regions_and_periods_in_one_request_for_the_ministry(
    api: ApiFor, supervisor: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    items = (
        entries(month_values(), HENAN, "2025-01")
        + entries(month_values(), HENAN, "2025-02")
        + entries(month_values(), TIANJIN, "2025-01")
    )

    body = ok(write(api(supervisor), items))

    assert body["created"] == 27
    assert {(r["region"], r["period"]) for r in body["reports"]} == {
        (HENAN, "2025-01"),
        (HENAN, "2025-02"),
        (TIANJIN, "2025-01"),
    }
    assert stored(TIANJIN, "2025-01")["recovery_rate"] == D(35)


def test_a_value_in_another_unit_is_converted_and_a_comment_kept(
    api: ApiFor, henan: User, draft: Report
) -> None:
    item = {
        "region": HENAN,
        "period": "2025-03",
        "indicator": "msw_generated_t",
        "value": "3.1",
        "unit": "万吨",
        "scope": "whole_city",
        "comment": "含县城",
    }

    body = ok(write(api(henan), [item]))

    value = Value.objects.get(report=draft, indicator__code="msw_generated_t")
    assert body["updated"] >= 1
    assert (value.value, value.scope, value.comment) == (D(31000), "whole_city", "含县城")


def test_null_clears_a_value(api: ApiFor, henan: User, draft: Report) -> None:
    item = {"region": HENAN, "period": "2025-03", "indicator": "hazardous_collected_t"}

    body = ok(write(api(henan), [{**item, "value": None}]))

    assert body["cleared"] == 1
    assert "hazardous_collected_t" not in stored()


def test_a_soft_finding_comes_back_as_a_warning_needing_a_comment(
    api: ApiFor, henan: User, draft: Report, month_values: MonthValues
) -> None:
    # 70 % recovered: outside the plausible band of 15–60 %, and double March's figure. The
    # warnings sit on the value the reporter typed (the part), not on the computed rate.
    values = month_values(recovery_utilised_t=21000)

    body = ok(write(api(henan), entries(values, period="2025-04")))

    warned = {(w["indicator"], w["code"]) for w in body["warnings"]}
    assert warned == {("recovery_utilised_t", "band"), ("recovery_utilised_t", "jump_previous")}
    warning = next(w for w in body["warnings"] if w["code"] == "band")
    assert (warning["region"], warning["period"]) == (HENAN, "2025-04")
    assert "60" in warning["message"]
    detail = ok(get(api(henan), f"/indicator-reports/{HENAN}/2025-04"))
    part = next(v for v in detail["values"] if v["indicator"] == "recovery_utilised_t")
    assert part["needs_comment"] is True
    assert {w["code"] for w in part["warnings"]} == {"band", "jump_previous"}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"msw_generated_t": -5}, ("msw_generated_t", "range")),
        ({"communities_sorting": 1050}, ("communities_sorting", "covered_exceeds_all")),
        ({"recovery_utilised_t": 40000}, ("recovery_utilised_t", "part_exceeds_total")),
    ],
    ids=["negative", "covered-over-all", "part-over-total"],
)
def test_a_hard_rule_refuses_everything_and_names_the_entry(
    overrides: dict[str, int],
    expected: tuple[str, str],
    api: ApiFor,
    henan: User,
    catalogue: Catalogue,
    month_values: MonthValues,
) -> None:
    items = entries(month_values(**overrides), HENAN, "2025-03") + entries(
        month_values(), HENAN, "2025-02"
    )

    with unchanged():
        body = assert_problem(write(api(henan), items), 422, "invalid_values")

    assert expected in codes_of(body["errors"])
    error = next(e for e in body["errors"] if (e["indicator"], e["code"]) == expected)
    assert (error["region"], error["period"]) == (HENAN, "2025-03")
    assert error["message"]
    assert error["ref"].startswith("entries[")
    assert not Report.objects.filter(region_id=HENAN).exists()


def test_every_bad_entry_is_listed_with_the_callers_ref(
    api: ApiFor, henan: User, catalogue: Catalogue
) -> None:
    base = {"region": HENAN, "period": "2025-03", "value": "1"}
    items = [
        {**base, "indicator": "no_such_indicator", "ref": "row-1"},
        {**base, "indicator": "recovery_rate", "ref": "row-2"},
        {**base, "indicator": "msw_generated_t", "period": "2025-13", "ref": "row-3"},
        {**base, "indicator": "msw_generated_t", "unit": "个", "ref": "row-4"},
        {**base, "indicator": "residual_waste_t", "ref": "row-5"},
        {**base, "indicator": "residual_waste_t", "ref": "row-6"},
        {**base, "indicator": "msw_collected_t", "region": "999999", "ref": "row-7"},
    ]

    with unchanged():
        body = assert_problem(write(api(henan), items), 422, "invalid_values")

    assert [(e["ref"], e["code"]) for e in body["errors"]] == [
        ("row-1", "unknown_indicator"),
        ("row-2", "computed_indicator"),
        ("row-3", "invalid_period"),
        ("row-4", "unit"),
        ("row-6", "duplicate"),
        ("row-7", "unknown_region"),
    ]
    assert all(e["message"] for e in body["errors"])
    assert body["detail"] == "6 处填报有误，未保存任何数据。"


@pytest.mark.parametrize(
    "payload",
    [
        {"entries": []},
        {"entries": [{"region": HENAN, "period": "2025-03", "indicator": "x", "value": "abc"}]},
        {"entries": [{"region": HENAN, "period": "2025-03", "value": "1"}]},
        {"entries": [{"region": HENAN, "period": "2025-03", "indicator": "x", "value": "1",
                      "scope": "county"}]},
        [{"region": HENAN}],
    ],
    ids=["empty", "text-value", "no-indicator", "bad-scope", "not-an-object"],
)  # fmt: skip
def test_a_malformed_request_is_422_invalid_input(
    payload: Any, api: ApiFor, henan: User, catalogue: Catalogue
) -> None:
    with unchanged():
        body = assert_problem(post(api(henan), "/indicator-values", payload), 422, "invalid_input")

    assert body["errors"]


def test_a_request_over_the_size_limit_is_413(
    api: ApiFor, henan: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    client = api(henan)
    items = [item for month in range(1, 13) for item in entries(month_values(), HENAN,
             f"2024-{month:02d}")]  # fmt: skip

    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096), unchanged():
        assert_problem(write(client, items), 413, "payload_too_large")


def test_malformed_json_is_a_400_problem(api: ApiFor, henan: User) -> None:
    response = api(henan).post(f"{API}/indicator-values", "{not json", "application/json")

    assert_problem(response, 400, "malformed_json")


def test_a_submitted_report_refuses_changes(api: ApiFor, henan: User, submitted: Report) -> None:
    with unchanged():
        body = assert_problem(
            write(api(henan), entries({"msw_generated_t": D(31000)})), 422, "invalid_values"
        )

    assert "撤回" in body["errors"][0]["message"]


def test_an_approved_report_is_locked(
    api: ApiFor, henan: User, supervisor: User, approved: Report
) -> None:
    for actor in (henan, supervisor):
        with unchanged():
            body = assert_problem(
                write(api(actor), entries({"msw_generated_t": D(31000)})), 422, "invalid_values"
            )

        assert "锁定" in body["errors"][0]["message"]


def test_demo_reports_are_never_written(
    api: ApiFor, henan: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    make_report(HENAN, "2024-03", month_values(), is_demo=True)

    with unchanged():
        body = assert_problem(
            write(api(henan), entries({"msw_generated_t": D(31000)}, period="2024-03")),
            422,
            "invalid_values",
        )

    assert "演示数据" in body["errors"][0]["message"]


def test_a_read_only_user_is_403_and_an_outsider_404_with_the_entries(
    api: ApiFor,
    henan_expert: User,
    tianjin: User,
    jiangxi: User,
    catalogue: Catalogue,
    month_values: MonthValues,
) -> None:
    items = entries(month_values())

    with unchanged():
        for reader in (henan_expert, tianjin):
            forbidden = assert_problem(write(api(reader), items), 403, "forbidden")
            assert codes_of(forbidden["errors"])[0] == ("msw_generated_t", "forbidden")
        hidden = assert_problem(write(api(jiangxi), items), 404, "not_found")

    assert len(hidden["errors"]) == len(items)
    assert "河南" not in json.dumps(hidden, ensure_ascii=False)


def test_values_are_listed_by_region_indicator_and_period(
    api: ApiFor, henan: User, tianjin: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    for period in ("2025-01", "2025-02", "2025-03"):
        fill(henan, month_values(), HENAN, period)
    fill(tianjin, month_values(), TIANJIN, "2025-02")
    client = api(henan)

    rates = ok(
        get(client, "/indicator-values", region=HENAN, indicator="recovery_rate", **{"from":
            "2025-02", "to": "2025-03"})
    )  # fmt: skip
    everything = ok(get(client, "/indicator-values", indicator="recovery_rate"))

    assert rates["count"] == 2
    assert [(r["period"], D(r["value"]), r["is_computed"]) for r in rates["items"]] == [
        ("2025-02", D(35), True),
        ("2025-03", D(35), True),
    ]
    assert rates["items"][0]["region_name"] == "河南省"
    assert rates["items"][0]["report_status"] == "draft"
    # the counterpart's numbers are visible to the partner
    assert {(r["region"], r["period"]) for r in everything["items"]} == {
        (HENAN, "2025-01"),
        (HENAN, "2025-02"),
        (HENAN, "2025-03"),
        (TIANJIN, "2025-02"),
    }


def test_an_outsider_lists_no_values_and_cannot_name_the_region(
    api: ApiFor, jiangxi: User, draft: Report
) -> None:
    client = api(jiangxi)

    assert ok(get(client, "/indicator-values"))["count"] == 0
    assert_problem(get(client, "/indicator-values", region=HENAN), 404, "not_found")


# --- the report workflow -----------------------------------------------------------------------


def action(client: Client, name: str, data: Any = None, period: str = "2025-03") -> Any:
    return post(client, f"/indicator-reports/{HENAN}/{period}/{name}", data or {})


def test_the_whole_workflow_through_the_api(
    api: ApiFor, henan: User, tianjin: User, supervisor: User, draft: Report
) -> None:
    submitted = ok(action(api(henan), "submit", {"lock_version": draft.lock_version}))
    reviewed = ok(action(api(tianjin), "review", {"comment": "数据完整"}))
    approved = ok(action(api(supervisor), "approve"))
    blank = assert_problem(
        action(api(supervisor), "unlock", {"reason": " "}), 422, "reason_required"
    )
    unlocked = ok(action(api(supervisor), "unlock", {"reason": "发现清运量录入错误"}))
    history = ok(get(api(henan), f"/indicator-reports/{HENAN}/2025-03/history"))

    assert (submitted["status"], submitted["submitted_by"]) == ("submitted", "henan")
    assert (reviewed["status"], reviewed["review_comment"]) == ("reviewed", "数据完整")
    assert (approved["status"], approved["editable"], approved["approved_by"]) == (
        "approved",
        False,
        "ministry",
    )
    assert "reason" in blank["errors"]
    assert (unlocked["status"], unlocked["editable"]) == ("draft", True)
    notes = [entry["note"] for entry in history]
    assert "发现清运量录入错误" in notes
    assert history[0]["changes"]["status"] == ["approved", "draft"]


def test_withdraw_and_return(api: ApiFor, henan: User, supervisor: User, submitted: Report) -> None:
    withdrawn = ok(action(api(henan), "withdraw"))
    ok(action(api(henan), "submit"))
    no_comment = assert_problem(action(api(supervisor), "return"), 422, "comment_required")
    returned = ok(action(api(supervisor), "return", {"comment": "请核对厨余垃圾分出量"}))

    assert withdrawn["status"] == "draft"
    assert "comment" in no_comment["errors"]
    assert (returned["status"], returned["return_comment"]) == ("returned", "请核对厨余垃圾分出量")


def test_the_leading_side_may_return_a_report_with_a_comment(
    api: ApiFor, tianjin: User, submitted: Report
) -> None:
    body = ok(action(api(tianjin), "review", {"accept": False, "comment": "请补充说明"}))

    assert body["status"] == "returned"


def test_a_report_missing_required_values_cannot_be_submitted(
    api: ApiFor, henan: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    fill(henan, month_values(residual_waste_t=None, communities_total=None))

    with unchanged():
        body = assert_problem(action(api(henan), "submit"), 422, "missing_required")

    assert set(body["errors"]) == {"2025-03:residual_waste_t", "2025-03:communities_total"}


def test_a_stale_submit_is_409(api: ApiFor, henan: User, draft: Report) -> None:
    fill(henan, {"hazardous_collected_t": D(6)})

    with unchanged():
        assert_problem(
            action(api(henan), "submit", {"lock_version": draft.lock_version}),
            409,
            "stale_version",
        )


def test_a_transition_from_the_wrong_state_is_409(
    api: ApiFor, henan: User, supervisor: User, draft: Report
) -> None:
    with unchanged():
        assert_problem(action(api(henan), "withdraw"), 409, "invalid_transition")
        assert_problem(action(api(supervisor), "approve"), 409, "invalid_transition")


def test_a_transition_on_a_period_nobody_wrote_is_404(
    api: ApiFor, henan: User, catalogue: Catalogue
) -> None:
    with unchanged():
        assert_problem(action(api(henan), "submit", period="2025-05"), 404, "not_found")


def test_reports_are_listed_and_filtered(
    api: ApiFor,
    henan: User,
    tianjin: User,
    jiangxi: User,
    submitted: Report,
    month_values: MonthValues,
) -> None:
    fill(henan, month_values(), HENAN, "2025-02")
    fill(jiangxi, month_values(), JIANGXI, "2025-02")

    mine = ok(get(api(henan), "/indicator-reports"))
    only_submitted = ok(get(api(tianjin), "/indicator-reports", status="submitted"))
    february = ok(get(api(henan), "/indicator-reports", region=HENAN, period="2025-02"))

    assert [(r["region"]["code"], r["period"]) for r in mine["items"]] == [
        (HENAN, "2025-03"),
        (HENAN, "2025-02"),
    ]
    assert [(r["region"]["code"], r["status"]) for r in only_submitted["items"]] == [
        (HENAN, "submitted")
    ]
    assert february["count"] == 1
    assert_problem(get(api(henan), "/indicator-reports", status="lost"), 422, "invalid_input")
    assert_problem(get(api(jiangxi), "/indicator-reports", region=HENAN), 404, "not_found")


# --- evidence (佐证材料) ------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
EVIDENCE = f"/indicator-reports/{HENAN}/2025-03/evidence"


def upload_evidence(
    client: Client, name: str, content: bytes, url: str = EVIDENCE, **fields: Any
) -> Any:
    return client.post(f"{API}{url}", {"file": SimpleUploadedFile(name, content), **fields})


def evidence_files() -> list[str]:
    """The evidence files in storage: a refused upload leaves none behind."""
    root = Path(django_settings.MEDIA_ROOT) / "indicators" / "evidence"
    return sorted(str(path) for path in root.rglob("*") if path.is_file())


@contextmanager
def nothing_stored() -> Iterator[None]:
    """Neither the database nor the file storage changed inside the block."""
    files = evidence_files()
    with unchanged():
        yield
    assert evidence_files() == files


def test_a_reporter_uploads_evidence_and_readers_list_and_download_it(
    api: ApiFor, henan: User, henan_expert: User, tianjin: User, draft: Report
) -> None:
    created = ok(
        upload_evidence(api(henan), "三月台账.pdf", PDF, indicator="recovery_utilised_t"), 201
    )
    whole = ok(upload_evidence(api(henan), "说明.txt", "本月数据来自环卫台账。".encode()), 201)

    listed = ok(get(api(henan_expert), EVIDENCE))
    download = get(api(tianjin), f"/indicator-evidence/{created['id']}/download")

    assert (created["name"], created["size"]) == ("三月台账.pdf", len(PDF))
    assert (created["content_type"], created["indicator"]) == (
        "application/pdf",
        "recovery_utilised_t",
    )
    assert (created["uploaded_by"], created["archived"]) == ("henan", False)
    assert (whole["content_type"], whole["indicator"]) == ("text/plain", None)
    assert [item["id"] for item in listed] == [created["id"], whole["id"]]
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=utf-8''%E4%B8%89%E6%9C%88%E5%8F%B0%E8%B4%A6.pdf" in disposition
    assert b"".join(download.streaming_content) == PDF
    evidence = ReportFile.objects.get(pk=created["id"])
    assert (evidence.report, evidence.uploaded_by) == (draft, henan)
    assert [
        f["id"] for f in ok(get(api(henan), f"/indicator-reports/{HENAN}/2025-03"))["files"]
    ] == [
        created["id"],
        whole["id"],
    ]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        pytest.param("三月台账.pdf", EXE, "unsupported_file_type", id="exe-named-pdf"),
        pytest.param("空白.pdf", b"", "empty_file", id="empty"),
    ],
)
def test_a_bad_file_is_refused_by_its_content_and_nothing_is_stored(
    name: str, content: bytes, code: str, api: ApiFor, henan: User, draft: Report
) -> None:
    with nothing_stored():
        response = upload_evidence(api(henan), name, content)

    body = assert_problem(response, 422, code)
    assert body["errors"]["file"] == [body["detail"]]


def test_a_file_over_the_upload_limit_is_refused(
    api: ApiFor, henan: User, draft: Report, settings: Any
) -> None:
    settings.TWINNING_MAX_UPLOAD_BYTES = len(PDF) - 1

    with nothing_stored():
        response = upload_evidence(api(henan), "三月台账.pdf", PDF)

    body = assert_problem(response, 422, "file_too_large")
    assert "文件过大" in body["errors"]["file"][0]


def test_an_upload_without_a_file_or_for_an_unknown_indicator_is_422(
    api: ApiFor, henan: User, draft: Report
) -> None:
    client = api(henan)

    with nothing_stored():
        missing = client.post(f"{API}{EVIDENCE}", {"indicator": "recovery_rate"})
        unknown = upload_evidence(client, "a.pdf", PDF, indicator="no_such_indicator")

    assert "file.file" in assert_problem(missing, 422, "invalid_input")["errors"]
    assert "no_such_indicator" in assert_problem(unknown, 422, "invalid")["errors"]["indicator"][0]


def test_evidence_is_refused_once_the_report_is_submitted_or_locked(
    api: ApiFor, henan: User, supervisor: User, submitted: Report
) -> None:
    client = api(henan)
    with nothing_stored():
        assert_problem(upload_evidence(client, "a.pdf", PDF), 409, "submitted")

    services.approve(actor=supervisor, report=submitted)
    with nothing_stored():
        assert_problem(upload_evidence(client, "a.pdf", PDF), 409, "locked")


def test_a_demo_report_takes_no_evidence(
    api: ApiFor, henan: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    make_report(HENAN, "2024-03", month_values(), is_demo=True)

    with nothing_stored():
        response = upload_evidence(
            api(henan), "a.pdf", PDF, f"/indicator-reports/{HENAN}/2024-03/evidence"
        )

    assert_problem(response, 409, "demo_report")


def test_a_period_nobody_wrote_takes_no_evidence_yet(
    api: ApiFor, henan: User, henan_expert: User, jiangxi: User, catalogue: Catalogue
) -> None:
    url = f"/indicator-reports/{HENAN}/2025-05/evidence"

    with nothing_stored():
        assert ok(get(api(henan), url)) == []
        assert_problem(upload_evidence(api(henan), "a.pdf", PDF, url), 409, "report_not_started")
        assert_problem(upload_evidence(api(henan_expert), "a.pdf", PDF, url), 403, "forbidden")
        assert_problem(upload_evidence(api(jiangxi), "a.pdf", PDF, url), 404, "not_found")


def test_archived_evidence_leaves_the_list_but_is_kept(
    api: ApiFor, henan: User, draft: Report
) -> None:
    client = api(henan)
    kept = ok(upload_evidence(client, "台账.pdf", PDF), 201)
    gone = ok(upload_evidence(client, "旧版.pdf", PDF), 201)

    archived = ok(post(client, f"/indicator-evidence/{gone['id']}/archive"))

    assert (archived["id"], archived["archived"]) == (gone["id"], True)
    assert [item["id"] for item in ok(get(client, EVIDENCE))] == [kept["id"]]
    everything = ok(get(client, EVIDENCE, include_archived="true"))
    assert [(item["id"], item["archived"]) for item in everything] == [
        (kept["id"], False),
        (gone["id"], True),
    ]
    assert [f["id"] for f in ok(get(client, f"/indicator-reports/{HENAN}/2025-03"))["files"]] == [
        kept["id"]
    ]
    download = get(client, f"/indicator-evidence/{gone['id']}/download")
    assert b"".join(download.streaming_content) == PDF
    entry = AuditEntry.objects.filter(target_type="indicators.reportfile", action="archive").get()
    assert (entry.target_id, entry.actor) == (str(gone["id"]), henan)
    with nothing_stored():
        again = post(client, f"/indicator-evidence/{gone['id']}/archive")
    assert_problem(again, 409, "already_archived")


def test_evidence_of_a_locked_report_cannot_be_archived(
    api: ApiFor, henan: User, supervisor: User, draft: Report
) -> None:
    created = ok(upload_evidence(api(henan), "台账.pdf", PDF), 201)
    services.submit(actor=henan, report=draft)
    services.approve(actor=supervisor, report=draft.pk)

    with nothing_stored():
        response = post(api(henan), f"/indicator-evidence/{created['id']}/archive")

    assert_problem(response, 409, "locked")


def test_an_outsider_finds_no_evidence(
    api: ApiFor, henan: User, jiangxi: User, draft: Report
) -> None:
    created = ok(upload_evidence(api(henan), "台账.pdf", PDF), 201)
    client = api(jiangxi)

    with nothing_stored():
        listed = get(client, EVIDENCE)
        download = get(client, f"/indicator-evidence/{created['id']}/download")
        archive = post(client, f"/indicator-evidence/{created['id']}/archive")
        unknown = get(client, "/indicator-evidence/999999/download")

    for response in (listed, download, archive, unknown):
        body = assert_problem(response, 404, "not_found")
        assert "台账" not in body["detail"]


# --- targets -----------------------------------------------------------------------------------


def target_in(**overrides: Any) -> dict[str, Any]:
    return {
        "region": HENAN,
        "indicator": "recovery_rate",
        "baseline_value": "30",
        "baseline_date": "2024-12-31",
        "target_value": "35",
        "due_date": "2025-12-31",
        "source": "河南省实施方案",
        **overrides,
    }


@pytest.fixture
def target(henan: User, catalogue: Catalogue) -> Target:
    return services.create_target(
        actor=henan,
        region=Region.objects.get(code=HENAN),
        indicator=catalogue["recovery_rate"],
        baseline_value=D(30),
        baseline_date=dt.date(2024, 12, 31),
        target_value=D(35),
        due_date=dt.date(2025, 12, 31),
    )


def test_a_coordinator_sets_a_target(api: ApiFor, henan: User, catalogue: Catalogue) -> None:
    body = ok(post(api(henan), "/indicator-targets", target_in()), 201)

    assert body["region"] == {"code": HENAN, "name": "河南省", "level": "province"}
    assert (body["indicator"], body["unit"], D(body["target_value"])) == (
        "recovery_rate",
        "%",
        D(35),
    )
    assert (body["due_date"], body["archived"], body["lock_version"]) == ("2025-12-31", False, 1)
    assert Target.objects.get(pk=body["id"]).created_by == henan


@pytest.mark.parametrize("persona", ["henan_expert", "henan_member", "tianjin"])
def test_readers_may_not_set_targets(
    persona: str, api: ApiFor, request: pytest.FixtureRequest, catalogue: Catalogue
) -> None:
    client = api(request.getfixturevalue(persona))

    with unchanged():
        assert_problem(post(client, "/indicator-targets", target_in()), 403, "forbidden")


def test_an_outsider_may_not_set_a_target_for_a_region_it_cannot_see(
    api: ApiFor, jiangxi: User, catalogue: Catalogue
) -> None:
    with unchanged():
        assert_problem(post(api(jiangxi), "/indicator-targets", target_in()), 404, "not_found")


def test_a_target_due_before_its_baseline_is_a_field_error(
    api: ApiFor, henan: User, catalogue: Catalogue
) -> None:
    with unchanged():
        response = post(api(henan), "/indicator-targets", target_in(due_date="2024-06-30"))

    body = assert_problem(response, 422, "invalid_dates")
    assert body["errors"] == {"due_date": ["完成时限须晚于基准日期。"]}


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"indicator": "no_such_indicator"}, "indicator", "invalid"),
        ({"goal": 999999}, "goal", "unknown_goal"),
        ({"target_value": "120"}, "target_value", "out_of_range"),
        ({"baseline_value": "many"}, "baseline_value", "invalid_input"),
    ],
    ids=["unknown-indicator", "unknown-goal", "rate-over-100", "text"],
)
def test_a_bad_target_names_the_field_and_changes_nothing(
    overrides: dict[str, Any], field: str, code: str, api: ApiFor, henan: User,
    catalogue: Catalogue,
) -> None:  # fmt: skip
    with unchanged():
        body = assert_problem(
            post(api(henan), "/indicator-targets", target_in(**overrides)), 422, code
        )

    assert field in body["errors"]


def test_a_target_is_linked_to_a_goal_of_the_regions_plan(
    api: ApiFor, henan: User, tianjin: User, catalogue: Catalogue, tianjin_henan: Pairing
) -> None:
    plan = plan_services.create_plan(
        actor=tianjin,
        pairing_id=tianjin_henan.pk,
        title="回收利用率提升方案",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
    )
    goal = plan_services.add_goal(
        actor=tianjin, plan_id=plan.pk, values={"text": "回收利用率达到35%"}
    )

    body = ok(post(api(henan), "/indicator-targets", target_in(goal=goal.pk)), 201)
    unlinked = ok(patch(api(henan), f"/indicator-targets/{body['id']}", {"goal": None}))

    assert body["goal_id"] == goal.pk
    assert unlinked["goal_id"] is None


def test_a_goal_of_another_pairs_plan_is_refused(
    api: ApiFor, henan: User, jiangxi: User, catalogue: Catalogue, pair: Callable[..., Pairing]
) -> None:
    plan = plan_services.create_plan(
        actor=jiangxi,
        pairing_id=pair("310000", "360000").pk,
        title="上海—江西方案",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
    )
    goal = plan_services.add_goal(actor=jiangxi, plan_id=plan.pk, values={"text": "江西的目标"})

    with unchanged():
        body = assert_problem(
            post(api(henan), "/indicator-targets", target_in(goal=goal.pk)),
            422,
            "goal_not_of_region",
        )

    assert "goal" in body["errors"]


def test_targets_are_listed_got_and_edited(
    api: ApiFor, henan: User, henan_expert: User, target: Target
) -> None:
    listed = ok(get(api(henan_expert), "/indicator-targets", region=HENAN))
    got = ok(get(api(henan_expert), f"/indicator-targets/{target.pk}"))
    edited = ok(
        patch(
            api(henan),
            f"/indicator-targets/{target.pk}",
            {"target_value": "38", "lock_version": got["lock_version"]},
        )
    )

    assert [t["id"] for t in listed["items"]] == [target.pk]
    assert got["source"] == target.source
    assert D(edited["target_value"]) == 38
    assert edited["due_date"] == "2025-12-31"  # not sent, kept
    assert edited["lock_version"] == got["lock_version"] + 1


def test_a_stale_target_edit_is_409(api: ApiFor, henan: User, target: Target) -> None:
    client = api(henan)
    ok(patch(client, f"/indicator-targets/{target.pk}", {"target_value": "36", "lock_version": 1}))

    with unchanged():
        assert_problem(
            patch(client, f"/indicator-targets/{target.pk}", {"note": "x", "lock_version": 1}),
            409,
            "stale_version",
        )


def test_archive_and_restore_a_target(api: ApiFor, henan: User, target: Target) -> None:
    client = api(henan)

    archived = ok(post(client, f"/indicator-targets/{target.pk}/archive"))
    live = ok(get(client, "/indicator-targets", region=HENAN))["count"]
    every = ok(get(client, "/indicator-targets", region=HENAN, include_archived=True))["count"]
    again = assert_problem(post(client, f"/indicator-targets/{target.pk}/archive"), 409,
                           "already_archived")  # fmt: skip
    restored = ok(post(client, f"/indicator-targets/{target.pk}/restore"))

    assert (archived["archived"], live, every) == (True, 0, 1)
    assert again["detail"]
    assert restored["archived"] is False


def test_an_outsider_does_not_find_the_target(api: ApiFor, jiangxi: User, target: Target) -> None:
    client = api(jiangxi)

    assert ok(get(client, "/indicator-targets"))["count"] == 0
    assert_problem(get(client, f"/indicator-targets/{target.pk}"), 404, "not_found")
    assert_problem(get(client, f"/indicator-targets/{target.pk}/status"), 404, "not_found")


def rising_series(month_values: MonthValues, months: int = 6) -> None:
    """河南 submitted January … June 2025: the recovery rate rises from 30.5 % by 0.5 a month."""
    for month in range(1, months + 1):
        rate = D(30) + D("0.5") * month
        make_report(
            HENAN,
            f"2025-{month:02d}",
            month_values(recovery_utilised_t=rate * 300),
            status=Report.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )


def test_target_status_measures_progress_explains_and_forecasts(
    api: ApiFor, henan_expert: User, target: Target, month_values: MonthValues
) -> None:
    rising_series(month_values)

    body = ok(get(api(henan_expert), f"/indicator-targets/{target.pk}/status"))

    progress, forecast = body["progress"], body["forecast"]
    # Needs +5 points in a year; has made +3 in half a year: ahead of the trajectory.
    assert progress["status"] == "substantial_progress"
    assert progress["status_label"] == "进展显著"
    assert progress["required_per_year"] == pytest.approx(5, abs=0.05)
    assert progress["observed_per_year"] == pytest.approx(6, rel=0.05)
    assert progress["ratio"] == pytest.approx(1.2, rel=0.05)
    assert (D(progress["current_value"]), progress["current_date"]) == (D(33), "2025-06-30")
    assert D(progress["expected_value"]) == pytest.approx(D("32.5"), abs=D("0.1"))
    assert "个百分点" in progress["explanation"]
    assert forecast["verdict"] == "on_track"
    assert forecast["at"] == "2025-12-31"
    assert forecast["low"] <= forecast["value"] <= forecast["high"]
    assert forecast["value"] == pytest.approx(36, abs=0.2)
    assert forecast["points"] == 6
    assert body["early_warning"] is False
    assert body["trajectory"][0]["date"] == "2024-12-31"
    assert D(body["trajectory"][0]["value"]) == 30
    assert D(body["trajectory"][-1]["value"]) == 35
    assert [p["date"] for p in body["series"]][-1] == "2025-06-30"
    assert len(body["series"]) == 6
    assert body["band"] and body["band"][-1]["date"] <= "2025-12-31"


def test_a_falling_series_warns_early(
    api: ApiFor, henan: User, target: Target, month_values: MonthValues
) -> None:
    for month in range(1, 7):
        make_report(
            HENAN,
            f"2025-{month:02d}",
            month_values(recovery_utilised_t=(D(30) - D("0.2") * month) * 300),
            status=Report.Status.APPROVED,
            submitted_at=timezone.now(),
        )

    body = ok(get(api(henan), f"/indicator-targets/{target.pk}/status"))

    assert body["progress"]["status"] == "deterioration"
    assert body["forecast"]["verdict"] == "off_track"
    assert body["forecast"]["verdict_label"] == "即使按乐观估计也不能按期达标"
    assert body["early_warning"] is True
    assert body["warning"] == "预计不能按期达标"


def test_without_data_the_status_is_not_available(api: ApiFor, henan: User, target: Target) -> None:
    body = ok(get(api(henan), f"/indicator-targets/{target.pk}/status"))

    assert body["progress"]["status"] == "not_available"
    assert body["forecast"] is None
    assert body["series"] == []


# --- series, completeness, map -----------------------------------------------------------------


def test_a_regions_series_for_charts(
    api: ApiFor, tianjin: User, henan: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    for month, recovered in ((1, 9000), (2, 11250), (3, 10500)):
        fill(henan, month_values(recovery_utilised_t=recovered), period=f"2025-{month:02d}")

    body = ok(
        get(
            api(tianjin),
            f"/indicator-series/{HENAN}",
            indicators="msw_generated_t,recovery_rate",
            **{"from": "2025-02", "to": "2025-03"},
        )
    )

    assert body["region"]["code"] == HENAN
    generated, rate = body["series"]
    assert (generated["indicator"], generated["unit"]) == ("msw_generated_t", "t")
    assert [(p["date"], D(p["value"])) for p in generated["points"]] == [
        ("2025-02-28", D(30000)),
        ("2025-03-31", D(30000)),
    ]
    assert [D(p["value"]) for p in rate["points"]] == [D("37.5"), D(35)]


def test_series_of_an_unknown_indicator_or_a_hidden_region_is_404(
    api: ApiFor, jiangxi: User, henan: User, draft: Report
) -> None:
    assert_problem(
        get(api(henan), f"/indicator-series/{HENAN}", indicators="nope"), 404, "not_found"
    )
    assert_problem(
        get(api(jiangxi), f"/indicator-series/{HENAN}", indicators="recovery_rate"),
        404,
        "not_found",
    )


def test_completeness_of_a_period(
    api: ApiFor, henan: User, tianjin: User, submitted: Report
) -> None:
    body = ok(get(api(tianjin), "/indicator-completeness/2025-03"))

    rows = {row["region"]["code"]: row for row in body["rows"]}
    assert (body["period"], body["deadline"], body["deadline_passed"]) == (
        "2025-03",
        "2025-04-10",
        True,
    )
    assert rows[HENAN]["state"] in ("on_time", "late")
    assert rows[HENAN]["report_status"] == "submitted"
    assert (rows[TIANJIN]["state"], rows[TIANJIN]["state_label"]) == ("missing", "未报送")
    assert JIANGXI not in rows
    assert body["expected"] == len(rows) == body["on_time"] + body["late"] + body["missing"]


def test_the_map_ranks_official_values_by_direction(
    api: ApiFor,
    supervisor: User,
    henan: User,
    tianjin: User,
    catalogue: Catalogue,
    month_values: MonthValues,
) -> None:
    make_report(HENAN, "2025-03", month_values(), status="submitted")  # 35 %
    make_report(TIANJIN, "2025-03", month_values(recovery_utilised_t=13500), status="approved")
    make_report(JIANGXI, "2025-03", month_values(recovery_utilised_t=15000))  # a draft: not shown

    body = ok(get(api(supervisor), "/indicator-map/recovery_rate/2025-03", level="province"))
    quarter = ok(get(api(henan), "/indicator-map/recovery_rate/2025Q1"))

    regions = {r["region"]["code"]: r for r in body["regions"]}
    assert (body["indicator"], body["unit"], body["direction"]) == ("recovery_rate", "%", "higher")
    assert (D(regions[TIANJIN]["value"]), regions[TIANJIN]["rank"]) == (D(45), 1)
    assert (D(regions[HENAN]["value"]), regions[HENAN]["rank"]) == (D(35), 2)
    assert JIANGXI not in regions
    quarterly = {r["region"]["code"]: r for r in quarter["regions"]}
    assert D(quarterly[HENAN]["value"]) == 35
    assert quarterly[HENAN]["partial"] is True  # only March of the quarter


def test_a_map_of_a_yearly_period_for_a_yearly_indicator_type_mismatch_is_422(
    api: ApiFor, supervisor: User, catalogue: Catalogue
) -> None:
    Indicator.objects.get_or_create(
        code="harmless_capacity_tpd",
        defaults={"name": "无害化处理能力", "unit": "t/d", "period_type": "year"},
    )

    body = assert_problem(
        get(api(supervisor), "/indicator-map/harmless_capacity_tpd/2025-03"), 422, "period_type"
    )

    assert "period" in body["errors"]


# --- Excel -------------------------------------------------------------------------------------


def template_of(
    client: Client, *regions: str, first: str = "2025-01", last: str = "2025-03"
) -> Any:
    return client.get(f"{API}/indicator-template.xlsx", {"region": regions, "from": first,
                                                          "to": last})  # fmt: skip


def test_the_template_downloads_prefilled(api: ApiFor, henan: User, draft: Report) -> None:
    response = template_of(api(henan), HENAN)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert "填报" in workbook.sheetnames
    sheet = workbook["填报"]
    headers = [c.value for c in sheet[1]]
    assert {"2025-01", "2025-02", "2025-03"} <= set(headers)
    march = headers.index("2025-03")
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if "msw_generated_t" in r)
    assert D(str(row[march])) == 30000


def test_the_template_refuses_readers_outsiders_and_bad_periods(
    api: ApiFor, henan_expert: User, jiangxi: User, henan: User, catalogue: Catalogue
) -> None:
    with unchanged():
        assert_problem(template_of(api(henan_expert), HENAN), 403, "forbidden")
        assert_problem(template_of(api(jiangxi), HENAN), 404, "not_found")
        bad = template_of(api(henan), HENAN, first="2025-03", last="2025Q4")
        assert "last" in assert_problem(bad, 422, "period")["errors"]
        missing = api(henan).get(f"{API}/indicator-template.xlsx", {"region": HENAN})
        assert_problem(missing, 422, "invalid_input")


def filled_template(client: Client, value: Any) -> SimpleUploadedFile:
    workbook = load_workbook(io.BytesIO(template_of(client, HENAN).content))
    sheet = workbook["填报"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("指标代码")].value == "hazardous_collected_t":
            row[headers.index("2025-03")].value = value
    stream = io.BytesIO()
    workbook.save(stream)
    return SimpleUploadedFile("填报.xlsx", stream.getvalue())


def test_import_round_trip(api: ApiFor, henan: User, draft: Report) -> None:
    client = api(henan)
    upload = filled_template(client, 7)

    body = ok(client.post(f"{API}/indicator-values/import", {"file": upload}))

    assert body["updated"] == 1
    assert body["warnings"] == [] or all(w["sheet"] for w in body["warnings"])
    assert stored()["hazardous_collected_t"] == 7


def test_import_names_the_bad_cell_and_changes_nothing(
    api: ApiFor, henan: User, draft: Report
) -> None:
    client = api(henan)
    upload = filled_template(client, "七吨")

    with unchanged():
        body = assert_problem(
            client.post(f"{API}/indicator-values/import", {"file": upload}), 422, "import_invalid"
        )

    (line,) = body["errors"]["file"]
    assert "应为数字" in line
    assert "2025-03" in line


def test_import_refuses_a_file_that_is_not_a_spreadsheet(
    api: ApiFor, henan: User, catalogue: Catalogue
) -> None:
    upload = SimpleUploadedFile("填报.xlsx", b"%PDF-1.4 not a workbook")

    with unchanged():
        response = api(henan).post(f"{API}/indicator-values/import", {"file": upload})

    body = assert_problem(response, 422, "unsupported_file_type")
    assert "file" in body["errors"]


def test_import_needs_a_file(api: ApiFor, henan: User) -> None:
    with unchanged():
        response = api(henan).post(f"{API}/indicator-values/import", {})

    body = assert_problem(response, 422, "invalid_input")
    assert "file.file" in body["errors"]


def test_a_reader_may_not_import(
    api: ApiFor, henan_expert: User, henan: User, draft: Report
) -> None:
    upload = filled_template(api(henan), 7)

    with unchanged():
        assert_problem(
            api(henan_expert).post(f"{API}/indicator-values/import", {"file": upload}),
            403,
            "forbidden",
        )


# --- lists stay a fixed number of queries ------------------------------------------------------


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        ok(get(client, url, page_size=100))
    return len(captured)


@pytest.mark.parametrize("url", ["/indicator-reports", "/indicator-values", "/indicator-targets"])
def test_lists_do_not_query_per_row(
    url: str, api: ApiFor, henan: User, catalogue: Catalogue, month_values: MonthValues
) -> None:
    client = api(henan)
    get(client, "/indicators")  # the token is authenticated once, not counted

    def grow(months: range) -> None:
        for month in months:
            report = make_report(HENAN, f"2024-{month:02d}", month_values(), status="submitted",
                                 submitted_by=henan, approved_by=henan)  # fmt: skip
            Target.objects.create(
                region_id=HENAN,
                indicator=catalogue["recovery_rate"],
                baseline_value=30,
                baseline_date=dt.date(2020, 12, 31),
                target_value=35,
                due_date=report.period.end,
            )

    grow(range(1, 3))
    few = queries_for(client, url)
    grow(range(3, 9))
    many = queries_for(client, url)

    assert many == few


# --- the published contract --------------------------------------------------------------------


def test_no_schema_shares_its_name_with_another_apps(client: Client) -> None:
    """The OpenAPI components are keyed by class name: a second `EvidenceOut` would silently
    replace the plans' one in the published schema."""
    ours = {
        name: value
        for name, value in vars(indicator_schemas).items()
        if isinstance(value, type) and issubclass(value, BaseModel)
    }
    clashes = []
    for app in ("regions", "pairings", "plans", "exchanges", "consultations",
                "notifications"):  # fmt: skip
        module = importlib.import_module(f"twinning.{app}.schemas")
        clashes += [
            f"{app}.{name}"
            for name, value in vars(module).items()
            if name in ours and isinstance(value, type) and value is not ours[name]
        ]

    assert clashes == []


def test_every_operation_is_documented(client: Client) -> None:
    schema = client.get(f"{API}/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith((f"{API}/indicator", f"{API}/indicators"))
        for method, operation in methods.items()
    ]

    assert len(operations) == 34
    assert all(op.get("summary") for _p, _m, op in operations)
    assert all(op["tags"] == ["indicators"] for _p, _m, op in operations)
    write_op = schema["paths"][f"{API}/indicator-values"]["post"]
    assert {"200", "403", "404", "422"} <= set(write_op["responses"])
    assert "all or nothing" in write_op["summary"]
