"""The indicator pages: catalogue, my reporting, the region page with its chart, the grid with
errors beside the cells, the report page and its workflow, evidence, completeness and
reminders, targets, the map and ranking, and the Excel pages.

Every page is scoped: an outsider (江西, not a side of 天津–河南) gets 404 for 河南's pages; a
read-only user (河南's expert, or 天津 as the other side) gets 403 for changes, and the
database is unchanged (`db_state`).
"""

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.indicators import services
from twinning.indicators.models import (
    Indicator,
    IndicatorVersion,
    Report,
    ReportFile,
    Target,
    Value,
)
from twinning.indicators.tests.reports_factory import make_report
from twinning.notifications.models import Notification
from twinning.pairings.models import Pairing
from twinning.plans import services as plan_services
from twinning.plans.models import Goal

LoginFor = Callable[[User], Client]
MonthValues = Callable[..., dict[str, Decimal]]

D = Decimal
HENAN, TIANJIN, XUCHANG, JIANGXI = "410000", "120000", "411000", "360000"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A past year: every month is open, so the tests do not depend on today's date.
YEAR = timezone.localdate().year - 1
MARCH, APRIL = f"{YEAR}-03", f"{YEAR}-04"


def db_state() -> dict[str, Any]:
    """Every row a page could change, and the size of the audit trail."""
    return {
        "reports": list(Report.objects.order_by("pk").values()),
        "values": list(Value.objects.order_by("pk").values()),
        "files": list(ReportFile.objects.order_by("pk").values()),
        "targets": list(Target.objects.order_by("pk").values()),
        "indicators": list(Indicator.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return re.findall(r'<li class="msg-\w+" role="status">(.*?)</li>', response.content.decode())


def cell_html(page: str, key: str) -> str:
    """The grid cell `key` ("<period>:<code>") as rendered."""
    match = re.search(rf'<td class="cell[^"]*" data-cell="{re.escape(key)}">(.*?)</td>', page, re.S)
    assert match, f"no cell {key}"
    return match.group(1)


def cell_errors(page: str, key: str) -> str:
    match = re.search(r'<div class="cell-errors"[^>]*>(.*?)</div>\s*$', cell_html(page, key), re.S)
    return match.group(1) if match else ""


def stored(region: str = HENAN, period: str = MARCH) -> dict[str, Decimal]:
    return dict(
        Value.objects.filter(report__region_id=region, report__period__code=period).values_list(
            "indicator__code", "value"
        )
    )


def grid_data(period: str, values: dict[str, Any], **comments: str) -> dict[str, str]:
    """The POST of the grid: one `v:` field per cell typed, `c:` for comments."""
    data = {"year": period[:4]}
    data.update({f"v:{period}:{code}": str(value) for code, value in values.items()})
    data.update({f"c:{period}:{code}": text for code, text in comments.items()})
    return data


def write_month(actor: User, values: dict[str, Decimal], period: str = MARCH) -> Report:
    entries = [services.Entry(HENAN, period, code, value) for code, value in values.items()]
    services.write_values(actor=actor, entries=entries)
    return Report.objects.get(region_id=HENAN, period__code=period)


def grid_url(region: str = HENAN, year: int = YEAR, period_type: str = "month") -> str:
    return f"/indicators/regions/{region}/grid/?year={year}&type={period_type}"


def report_url(region: str = HENAN, period: str = MARCH, action: str = "") -> str:
    base = f"/indicators/regions/{region}/{period}/"
    return f"{base}do/{action}/" if action else base


# --- anonymous and scoping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/indicators/",
        "/indicators/reports/",
        f"/indicators/regions/{HENAN}/",
        f"/indicators/regions/{HENAN}/grid/",
        "/indicators/completeness/",
        "/indicators/targets/",
        "/indicators/map/",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(
    client: Client, programme: Any, url: str
) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "url",
    [
        f"/indicators/regions/{HENAN}/",
        f"/indicators/regions/{HENAN}/grid/",
        f"/indicators/regions/{HENAN}/{MARCH}/",
    ],
)
def test_outsiders_get_404_for_a_region_they_may_not_see(
    login: LoginFor,
    jiangxi: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
    url: str,
) -> None:
    write_month(henan, month_values())

    response = login(jiangxi).get(url)

    assert response.status_code == 404
    assert "河南" not in response.content.decode()


def test_outsiders_get_404_for_changes_and_nothing_changes(
    login: LoginFor,
    jiangxi: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    report = write_month(henan, month_values())
    evidence = services.add_evidence(
        actor=henan, report=report, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    before = db_state()
    client = login(jiangxi)

    answers = [
        client.post(grid_url(), grid_data(MARCH, {"msw_generated_t": 1})),
        client.post(report_url(action="submit")),
        client.post(report_url() + "evidence/", {"file": SimpleUploadedFile("b.pdf", PDF)}),
        client.get(f"/indicators/evidence/{evidence.pk}/"),
        client.post(f"/indicators/evidence/{evidence.pk}/archive/"),
    ]

    assert [a.status_code for a in answers] == [404] * 5
    assert db_state() == before


# --- the catalogue ------------------------------------------------------------------------------


def test_the_catalogue_lists_and_filters_indicators(
    login: LoginFor, henan_expert: User, catalogue: dict[str, Indicator]
) -> None:
    client = login(henan_expert)

    everything = client.get("/indicators/")
    computed = client.get("/indicators/", {"kind": "computed"})
    found = client.get("/indicators/", {"q": "回收利用"})
    nothing = client.get("/indicators/", {"q": "不存在的指标"})

    page = html(everything)
    assert 'data-indicator="recovery_rate"' in page
    assert "生活垃圾回收利用率" in page
    assert {i.code for i in computed.context["page"]} >= {
        "recovery_rate",
        "community_coverage_rate",
    }
    assert all(i.kind == "computed" for i in computed.context["page"])
    assert {i.code for i in found.context["page"]} >= {"recovery_rate", "recovery_utilised_t"}
    assert "没有符合条件的指标。" in html(nothing)
    assert 'id="new-indicator"' not in page  # only administrators add indicators


def test_htmx_requests_get_only_the_catalogue_rows(
    login: LoginFor, henan: User, catalogue: dict[str, Indicator]
) -> None:
    page = html(login(henan).get("/indicators/", {"kind": "computed"}, HTTP_HX_REQUEST="true"))

    assert "<html" not in page
    assert 'id="indicator-table"' in page


def test_the_indicator_page_shows_the_definition_components_and_versions(
    login: LoginFor, henan: User, admin_user: User, catalogue: dict[str, Indicator]
) -> None:
    rate = catalogue["recovery_rate"]
    services.update_indicator(
        actor=admin_user,
        indicator=rate,
        expected_version=rate.lock_version,
        note="明确口径",
        definition="回收利用量 ÷ 产生量 × 100%（城区）",
    )

    page = html(login(henan).get("/indicators/catalogue/recovery_rate/"))

    assert "生活垃圾回收利用率" in page
    assert "回收利用量 ÷ 产生量 × 100%（城区）" in page
    components = re.search(r'id="components">(.*?)</span>', page, re.S)
    assert components and "生活垃圾回收利用量" in components.group(1)
    assert "生活垃圾产生量" in components.group(1)
    assert "明确口径" in page and 'id="indicator-version">v2<' in page
    assert 'id="edit-indicator"' not in page


def test_an_unknown_indicator_is_404(login: LoginFor, henan: User, programme: Any) -> None:
    assert login(henan).get("/indicators/catalogue/no_such_code/").status_code == 404


def test_administrators_add_an_indicator(
    login: LoginFor, admin_user: User, catalogue: dict[str, Indicator]
) -> None:
    response = login(admin_user).post(
        "/indicators/catalogue/new/",
        {
            "code": "school_sorting_rate",
            "name": "中小学校垃圾分类覆盖率",
            "unit": "%",
            "kind": "reported",
            "period_type": "quarter",
            "direction": "higher",
            "aggregation": "last",
            "factor": "100",
            "hard_min": "0",
            "hard_max": "100",
            "position": "300",
        },
    )

    assert response.status_code == 302, re.findall(r"errors[^>]*>(.*?)</div>", html(response), re.S)
    assert response["Location"] == "/indicators/catalogue/school_sorting_rate/"
    made = Indicator.objects.get(code="school_sorting_rate")
    assert made.name == "中小学校垃圾分类覆盖率"
    assert (made.period_type, made.hard_max) == ("quarter", D(100))
    assert made.version == 1 and made.versions.count() == 1


def test_a_refused_indicator_keeps_what_was_typed(
    login: LoginFor, admin_user: User, catalogue: dict[str, Indicator]
) -> None:
    before = db_state()

    response = login(admin_user).post(
        "/indicators/catalogue/new/",
        {
            "code": "recovery_rate",  # taken
            "name": "重复的指标",
            "unit": "%",
            "kind": "reported",
            "period_type": "month",
            "direction": "higher",
            "aggregation": "sum",
            "factor": "100",
            "position": "1",
        },
    )

    page = html(response)
    assert 'class="field has-error"' in page or 'class="form-errors"' in page
    assert 'value="重复的指标"' in page
    assert db_state() == before


def test_editing_an_indicator_makes_a_new_definition_version(
    login: LoginFor, admin_user: User, catalogue: dict[str, Indicator]
) -> None:
    rate = catalogue["recovery_rate"]
    client = login(admin_user)
    form = client.get("/indicators/catalogue/recovery_rate/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(soft_min="20", note="合理区间按2025年数据调整", required="")

    response = client.post("/indicators/catalogue/recovery_rate/edit/", data)

    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.soft_min, rate.version) == (D(20), 2)
    assert IndicatorVersion.objects.filter(indicator=rate, note="合理区间按2025年数据调整").exists()


@pytest.mark.parametrize("persona", ["henan", "supervisor", "henan_expert"])
def test_only_administrators_change_the_catalogue(
    login: LoginFor, request: pytest.FixtureRequest, catalogue: dict[str, Indicator], persona: str
) -> None:
    user = request.getfixturevalue(persona)
    before = db_state()
    client = login(user)

    answers = [
        client.get("/indicators/catalogue/new/"),
        client.post("/indicators/catalogue/new/", {"code": "x", "name": "x", "unit": "t"}),
        client.post("/indicators/catalogue/recovery_rate/edit/", {"name": "改名"}),
        client.post("/indicators/catalogue/recovery_rate/archive/"),
    ]

    assert [a.status_code for a in answers] == [403] * 4
    assert db_state() == before


def test_administrators_archive_and_restore_an_indicator(
    login: LoginFor, admin_user: User, catalogue: dict[str, Indicator]
) -> None:
    client = login(admin_user)

    client.post("/indicators/catalogue/hazardous_collected_t/archive/")
    archived = Indicator.objects.get(code="hazardous_collected_t")
    listed = client.get("/indicators/", {"archived": "1"})
    client.post("/indicators/catalogue/hazardous_collected_t/archive/", {"restore": "1"})

    assert archived.archived_at is not None
    assert "hazardous_collected_t" in {i.code for i in listed.context["page"]}
    assert Indicator.objects.get(code="hazardous_collected_t").archived_at is None


# --- my reporting -------------------------------------------------------------------------------


def test_my_reporting_shows_the_calendar_of_my_regions(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values())
    make_report(XUCHANG, APRIL, month_values(), status=Report.Status.APPROVED)

    response = login(henan_member).get("/indicators/reports/", {"year": YEAR})

    page = html(response)
    regions = [row["region"].code for row in response.context["rows"]]
    assert HENAN in regions and XUCHANG in regions
    assert TIANJIN not in regions and JIANGXI not in regions
    henan_row = re.search(rf'<tr data-region="{HENAN}">(.*?)</tr>', page, re.S)
    assert henan_row is not None
    march = re.search(rf'<td data-period="{MARCH}">(.*?)</td>', henan_row.group(1), re.S)
    assert march and "填报中" in march.group(1)
    assert f"/indicators/regions/{HENAN}/grid/?year={YEAR}" in page
    deadline = (dt.date(YEAR, 3, 31) + dt.timedelta(days=10)).strftime("%m-%d")
    assert f"截止 {deadline}" in page
    # A past month nobody reported for is shown as missing.
    assert "未报送" in henan_row.group(1)


def test_read_only_users_report_for_nobody_but_see_their_regions(
    login: LoginFor, henan_expert: User, programme: Any
) -> None:
    response = login(henan_expert).get("/indicators/reports/")

    page = html(response)
    assert response.context["rows"] == []
    assert 'id="no-regions"' in page
    assert {r.code for r in response.context["visible"]} >= {HENAN, TIANJIN}


# --- the region page ----------------------------------------------------------------------------


@pytest.fixture
def henan_history(catalogue: dict[str, Indicator], month_values: MonthValues) -> list[Report]:
    """Eight approved months of 河南 before MARCH, the recovery rate rising 31 % → 34.5 %."""
    reports = []
    for step in range(8):
        start = dt.date(YEAR, 3, 1) - dt.timedelta(days=31 * (8 - step))
        code = f"{start.year}-{start.month:02d}"
        values = month_values(recovery_utilised_t=9300 + 150 * step)
        reports.append(make_report(HENAN, code, values, status=Report.Status.APPROVED))
    return reports


@pytest.fixture
def recovery_target(catalogue: dict[str, Indicator], supervisor: User) -> Target:
    return Target.objects.create(
        region_id=HENAN,
        indicator=catalogue["recovery_rate"],
        baseline_value=D(30),
        baseline_date=dt.date(YEAR - 1, 6, 30),
        target_value=D(40),
        due_date=dt.date(YEAR + 2, 12, 31),
        source="测试目标",
        created_by=supervisor,
    )


def chart_json(page: str) -> dict[str, Any]:
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "no chart data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_the_region_page_shows_targets_progress_and_the_chart(
    login: LoginFor,
    tianjin: User,
    henan_history: list[Report],
    recovery_target: Target,
) -> None:
    response = login(tianjin).get(f"/indicators/regions/{HENAN}/")  # the other side reads

    page = html(response)
    pk = recovery_target.pk
    row = re.search(rf'<tr id="target-{pk}" data-target="{pk}">(.*?)</tr>', page, re.S)
    assert row is not None
    status = response.context["targets"][0]["progress"]
    assert f'data-status="{status.status}"' in row.group(1)
    assert status.explanation and status.explanation in row.group(1)
    assert "≥ 40 %" in row.group(1)
    verdict = response.context["targets"][0]["verdict"]
    assert verdict in ("on_track", "at_risk", "off_track")
    assert f'data-verdict="{verdict}"' in row.group(1)

    chart = chart_json(page)
    assert chart["indicator"]["code"] == "recovery_rate"
    assert len(chart["series"]) == 8
    assert chart["series"][-1][1] == pytest.approx(34.5)
    [target] = chart["targets"]
    assert target["value"] == 40.0 and target["current"] is True
    assert target["trajectory"][0] == [recovery_target.baseline_date.isoformat(), 30.0]
    assert chart["band"] and chart["forecast"]["value"] > 34
    assert chart["band"][-1][0] == recovery_target.due_date.isoformat()
    assert 'id="region-chart"' in page and "indicators/chart.js" in page
    assert 'id="open-grid"' in page and 'id="add-target"' not in page  # 天津 reads only


def test_a_target_already_due_is_judged_on_the_record_not_forecast(
    login: LoginFor,
    tianjin: User,
    henan_history: list[Report],
    recovery_target: Target,
) -> None:
    last_month = max(r.period.end for r in henan_history)
    Target.objects.filter(pk=recovery_target.pk).update(due_date=last_month)

    response = login(tianjin).get(f"/indicators/regions/{HENAN}/")

    [row] = response.context["targets"]
    assert row["forecast"] is None
    assert "已到期，按实际数据评价" in html(response)
    assert "data-verdict" not in html(response)


def test_the_chart_follows_the_chosen_indicator(
    login: LoginFor, henan: User, henan_history: list[Report]
) -> None:
    page = html(login(henan).get(f"/indicators/regions/{HENAN}/", {"indicator": "msw_generated_t"}))

    chart = chart_json(page)
    assert chart["indicator"]["code"] == "msw_generated_t"
    assert chart["targets"] == [] and chart["band"] == []
    assert {value for _date, value in chart["series"]} == {30000.0}


def test_demo_data_is_labelled_on_the_region_page(
    login: LoginFor, henan: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    make_report(HENAN, MARCH, month_values(), status=Report.Status.APPROVED, is_demo=True)

    page = html(login(henan).get(f"/indicators/regions/{HENAN}/"))

    assert 'id="demo-badge">演示数据（生成）' in page
    assert chart_json(page)["demo"] is True


def test_a_region_without_targets_or_values_says_so(
    login: LoginFor, henan: User, catalogue: dict[str, Indicator]
) -> None:
    page = html(login(henan).get(f"/indicators/regions/{HENAN}/"))

    assert "该地区尚未设定目标。" in page
    assert 'id="chart-empty"' in page
    assert "尚无填报记录。" in page


# --- the grid -----------------------------------------------------------------------------------


def test_the_grid_has_inputs_for_open_months_and_reads_computed_rows(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values())
    make_report(HENAN, APRIL, month_values(), status=Report.Status.APPROVED)

    page = html(login(henan_member).get(grid_url()))

    march = cell_html(page, f"{MARCH}:msw_generated_t")
    assert f'name="v:{MARCH}:msw_generated_t" value="30000"' in march
    assert "<input" not in cell_html(page, f"{APRIL}:msw_generated_t")  # approved: locked
    rate = cell_html(page, f"{MARCH}:recovery_rate")
    assert "<input" not in rate and "35" in rate
    assert 'id="status-' + APRIL + '">已审核锁定' in page
    assert f'id="submit-{MARCH}"' in page and f'id="submit-{APRIL}"' not in page
    assert 'id="save-grid"' in page


def test_saving_the_grid_writes_the_changed_cells(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    response = login(henan_member).post(grid_url(), grid_data(MARCH, month_values()))

    assert response.status_code == 302
    assert response["Location"] == grid_url()
    values = stored()
    assert values["msw_generated_t"] == D(30000)
    assert values["recovery_rate"] == D(35)  # computed on save
    report = Report.objects.get(region_id=HENAN, period__code=MARCH)
    assert report.status == Report.Status.DRAFT and report.updated_by == henan_member


def test_an_unchanged_grid_writes_nothing(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values())
    before = db_state()

    response = login(henan_member).post(grid_url(), grid_data(MARCH, month_values()), follow=True)

    assert "没有需要保存的修改。" in messages_of(response)
    assert db_state() == before


def test_text_in_a_cell_is_shown_beside_it_and_nothing_is_written(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    before = db_state()
    typed = {**month_values(), "msw_collected_t": "约三万吨"}

    response = login(henan_member).post(grid_url(), grid_data(MARCH, typed))

    page = html(response)
    errors = cell_errors(page, f"{MARCH}:msw_collected_t")
    assert "“约三万吨”不是数字" in errors
    assert 'value="约三万吨"' in cell_html(page, f"{MARCH}:msw_collected_t")  # kept
    assert 'value="30000"' in cell_html(page, f"{MARCH}:msw_generated_t")
    assert cell_errors(page, f"{MARCH}:msw_generated_t") == ""
    assert "有数值需要修改，未保存任何内容。" in messages_of(response)
    assert db_state() == before


def test_coverage_over_100_percent_is_refused_beside_the_cell(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    before = db_state()
    typed = month_values(communities_sorting=1050)

    response = login(henan_member).post(grid_url(), grid_data(MARCH, typed))

    page = html(response)
    errors = cell_errors(page, f"{MARCH}:communities_sorting")
    assert "1,050" in errors and "1,000" in errors and "100%" in errors
    assert 'value="1050"' in cell_html(page, f"{MARCH}:communities_sorting")
    assert 'aria-invalid="true"' in cell_html(page, f"{MARCH}:communities_sorting")
    assert cell_errors(page, f"{MARCH}:communities_total") == ""
    assert db_state() == before


def test_full_width_digits_and_thousands_separators_are_numbers(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    typed = {**month_values(), "msw_generated_t": "３０,０００", "residual_waste_t": "18,500.0"}

    response = login(henan_member).post(grid_url(), grid_data(MARCH, typed))

    assert response.status_code == 302
    assert stored()["msw_generated_t"] == D(30000)
    assert stored()["residual_waste_t"] == D(18500)


def test_a_jump_asks_for_a_comment_under_the_cell(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values(), period=MARCH)
    client = login(henan_member)
    doubled = month_values(msw_generated_t=60000)
    key = f"{APRIL}:msw_generated_t"

    saved = client.post(grid_url(), grid_data(APRIL, doubled), follow=True)

    page = html(saved)
    assert any("需要说明原因" in m for m in messages_of(saved))
    cell = cell_html(page, key)
    assert "30,000" in cell and "60,000" in cell  # the message names both months' values
    assert f'name="c:{key}"' in cell and 'class="needs-comment"' in cell
    value = Value.objects.get(report__period__code=APRIL, indicator__code="msw_generated_t")
    assert value.warnings and value.needs_comment

    commented = client.post(
        grid_url(), grid_data(APRIL, doubled, msw_generated_t="新增两个区纳入统计")
    )

    assert commented.status_code == 302
    value.refresh_from_db()
    assert value.comment == "新增两个区纳入统计" and not value.needs_comment


def test_yearly_indicators_have_their_own_grid(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator]
) -> None:
    Indicator.objects.create(
        code="test_capacity_tpd",
        name="测试处理能力",
        unit="t/d",
        period_type="year",
        aggregation="last",
        hard_min=D(0),
        position=999,
    )
    client = login(henan_member)
    key = f"{YEAR}:test_capacity_tpd"

    page = html(client.get(grid_url(period_type="year")))
    saved = client.post(grid_url(period_type="year"), {"type": "year", f"v:{key}": "1200"})

    assert f'name="v:{key}"' in cell_html(page, key)
    assert f'name="v:{MARCH}:msw_generated_t"' not in page  # the months are on their own grid
    assert saved["Location"] == grid_url(period_type="year")
    assert stored(period=str(YEAR)) == {"test_capacity_tpd": D(1200)}


def test_read_only_users_see_the_grid_without_inputs_and_may_not_save(
    login: LoginFor,
    henan_expert: User,
    tianjin: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values())
    before = db_state()

    for user in (henan_expert, tianjin):
        client = login(user)
        page = html(client.get(grid_url()))
        assert '<input type="text"' not in page and 'id="read-only"' in page
        assert 'id="save-grid"' not in page
        refused = client.post(grid_url(), grid_data(MARCH, {"msw_generated_t": 1}))
        assert refused.status_code == 403

    assert db_state() == before


def test_a_locked_month_refuses_a_stale_edit_beside_the_cell(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    make_report(HENAN, MARCH, month_values(), status=Report.Status.APPROVED)
    before = db_state()

    response = login(henan_member).post(grid_url(), grid_data(MARCH, {"msw_generated_t": 31000}))

    page = html(response)
    assert "已审核锁定" in page
    assert db_state() == before


def test_submit_and_withdraw_from_the_grid(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    report = write_month(henan, month_values())
    client = login(henan_member)
    back = grid_url()

    submitted = client.post(
        report_url(action="submit"), {"next": back, "lock_version": report.lock_version}
    )
    report.refresh_from_db()
    state_after_submit = report.status
    page = html(client.get(back))
    withdrawn = client.post(report_url(action="withdraw"), {"next": back})
    report.refresh_from_db()

    assert submitted["Location"] == back
    assert state_after_submit == Report.Status.SUBMITTED
    assert f'id="withdraw-{MARCH}"' in page
    assert "<input" not in cell_html(page, f"{MARCH}:msw_generated_t")
    assert withdrawn["Location"] == back and report.status == Report.Status.DRAFT


def test_submitting_with_a_missing_required_value_is_refused(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values(residual_waste_t=None, food_waste_separated_t=None))
    before = db_state()

    response = login(henan_member).post(report_url(action="submit"), follow=True)

    assert any("其他垃圾清运量" in m for m in messages_of(response))
    assert db_state() == before


def test_a_stale_submit_is_refused(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    report = write_month(henan, month_values())
    stale = report.lock_version
    write_month(henan, month_values(msw_collected_t=29000))
    before = db_state()

    response = login(henan_member).post(
        report_url(action="submit"), {"lock_version": stale}, follow=True
    )

    assert messages_of(response) and db_state() == before


# --- the report page ----------------------------------------------------------------------------


@pytest.fixture
def submitted_march(
    henan: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> Report:
    report = write_month(henan, month_values())
    return services.submit(actor=henan, report=report)


def test_the_report_page_shows_values_and_the_reporters_actions(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values())

    page = html(login(henan_member).get(report_url()))

    assert 'id="report-status">填报中' in page
    row = re.search(r'<tr data-indicator="recovery_rate">(.*?)</tr>', page, re.S)
    assert row and "35" in row.group(1) and "计算" in row.group(1)
    assert 'id="submit-report"' in page and 'id="edit-values"' in page
    assert 'id="approve-report"' not in page and 'id="unlock-form"' not in page
    assert 'id="evidence-form"' in page
    assert 'id="history"' in page  # the write is recorded


def test_a_month_nobody_reported_is_an_empty_report_page(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator]
) -> None:
    page = html(login(henan_member).get(report_url(period=APRIL)))

    assert 'id="report-status">未填报' in page
    assert "尚未填写数值。" in page
    assert 'id="submit-report"' not in page


def test_a_malformed_period_is_404(login: LoginFor, henan: User, programme: Any) -> None:
    assert login(henan).get(report_url(period="2025-13")).status_code == 404


def test_read_only_users_see_a_report_but_no_actions(
    login: LoginFor, henan_expert: User, submitted_march: Report
) -> None:
    page = html(login(henan_expert).get(report_url()))

    assert 'id="report-status">已报送' in page
    assert 'id="no-actions"' in page
    assert 'id="withdraw-report"' not in page and 'id="evidence-form"' not in page


@pytest.mark.parametrize(
    "action", ["submit", "withdraw", "review", "review-return", "approve", "return", "unlock"]
)
def test_read_only_users_may_not_move_a_report(
    login: LoginFor, henan_expert: User, submitted_march: Report, action: str
) -> None:
    before = db_state()

    response = login(henan_expert).post(report_url(action=action), {"comment": "理由"})

    assert response.status_code == 403
    assert db_state() == before


def test_the_leading_side_reviews_a_submitted_report(
    login: LoginFor, tianjin: User, submitted_march: Report
) -> None:
    client = login(tianjin)
    page = html(client.get(report_url()))

    response = client.post(report_url(action="review"), {"comment": "数据已核对"}, follow=True)

    assert 'id="review-form"' in page and 'id="approve-report"' not in page
    assert "已审阅。" in messages_of(response)
    submitted_march.refresh_from_db()
    assert submitted_march.status == Report.Status.REVIEWED
    assert submitted_march.review_comment == "数据已核对"


def test_returning_after_review_needs_a_comment(
    login: LoginFor, tianjin: User, submitted_march: Report
) -> None:
    client = login(tianjin)
    before = db_state()

    blank = client.post(report_url(action="review-return"), {"comment": " "}, follow=True)
    unchanged = db_state()
    returned = client.post(report_url(action="review-return"), {"comment": "厨余垃圾分出量偏低"})

    assert "请填写意见或理由。" in messages_of(blank) and unchanged == before
    assert returned.status_code == 302
    submitted_march.refresh_from_db()
    assert submitted_march.status == Report.Status.RETURNED


def test_the_ministry_approves_which_locks_the_month_and_unlocks_with_a_reason(
    login: LoginFor, supervisor: User, henan_member: User, submitted_march: Report
) -> None:
    ministry = login(supervisor)

    approved = ministry.post(report_url(action="approve"), follow=True)
    submitted_march.refresh_from_db()
    locked_status = submitted_march.status
    member_page = html(login(henan_member).get(report_url()))
    before = db_state()
    no_reason = ministry.post(report_url(action="unlock"), {"comment": ""}, follow=True)
    unchanged = db_state()
    unlocked = ministry.post(report_url(action="unlock"), {"comment": "统计口径更正"}, follow=True)
    submitted_march.refresh_from_db()

    assert "已审核通过，该期数据已锁定。" in messages_of(approved)
    assert locked_status == Report.Status.APPROVED
    assert 'id="locked-note"' in member_page and 'id="submit-report"' not in member_page
    assert "请填写意见或理由。" in messages_of(no_reason) and unchanged == before
    assert "已解除锁定，填报地区可以修改。" in messages_of(unlocked)
    assert submitted_march.status == Report.Status.DRAFT
    assert "统计口径更正" in html(ministry.get(report_url()))  # in the history


def test_the_ministry_returns_a_report_with_a_comment(
    login: LoginFor, supervisor: User, submitted_march: Report
) -> None:
    response = login(supervisor).post(report_url(action="return"), {"comment": "请补充说明"})

    assert response.status_code == 302
    submitted_march.refresh_from_db()
    assert submitted_march.status == Report.Status.RETURNED
    assert submitted_march.return_comment == "请补充说明"


def test_the_leading_side_may_not_approve(
    login: LoginFor, tianjin: User, submitted_march: Report
) -> None:
    before = db_state()

    response = login(tianjin).post(report_url(action="approve"))

    assert response.status_code == 403 and db_state() == before


def test_an_unknown_action_changes_nothing(
    login: LoginFor, henan: User, submitted_march: Report
) -> None:
    before = db_state()

    response = login(henan).post(report_url(action="explode"), follow=True)

    assert "未知的操作。" in messages_of(response) and db_state() == before


def test_demo_reports_offer_no_actions(
    login: LoginFor, supervisor: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    make_report(HENAN, MARCH, month_values(), status=Report.Status.SUBMITTED, is_demo=True)

    page = html(login(supervisor).get(report_url()))

    assert 'id="demo-badge">演示数据（生成）' in page
    assert 'id="approve-report"' not in page and 'id="submit-report"' not in page


# --- evidence -----------------------------------------------------------------------------------


def test_reporters_upload_download_and_archive_evidence(
    login: LoginFor,
    henan_member: User,
    tianjin: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    report = write_month(henan, month_values())
    client = login(henan_member)

    uploaded = client.post(
        report_url() + "evidence/",
        {"file": SimpleUploadedFile("台账.pdf", PDF), "indicator": "msw_generated_t"},
        follow=True,
    )
    evidence = ReportFile.objects.get(report=report)
    download = login(tianjin).get(f"/indicators/evidence/{evidence.pk}/")  # the other side reads
    archived = client.post(f"/indicators/evidence/{evidence.pk}/archive/", follow=True)
    evidence.refresh_from_db()

    assert "佐证材料已上传。" in messages_of(uploaded)
    assert evidence.indicator is not None
    assert (evidence.name, evidence.indicator.code) == ("台账.pdf", "msw_generated_t")
    assert "台账.pdf" in html(uploaded)
    assert download.status_code == 200 and download.getvalue() == PDF
    assert "已归档。" in messages_of(archived) and evidence.archived_at is not None


def test_a_refused_upload_says_why_and_stores_nothing(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values())
    before = db_state()

    response = login(henan_member).post(
        report_url() + "evidence/",
        {"file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")},
        follow=True,
    )

    assert any("不支持此文件类型" in m for m in messages_of(response))
    assert db_state() == before


def test_read_only_users_may_not_upload_or_archive_evidence(
    login: LoginFor,
    henan_expert: User,
    tianjin: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    report = write_month(henan, month_values())
    evidence = services.add_evidence(
        actor=henan, report=report, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    before = db_state()

    for user in (henan_expert, tianjin):
        client = login(user)
        upload = client.post(report_url() + "evidence/", {"file": SimpleUploadedFile("b.pdf", PDF)})
        archive = client.post(f"/indicators/evidence/{evidence.pk}/archive/")
        assert (upload.status_code, archive.status_code) == (403, 403)

    assert db_state() == before


# --- completeness and reminders -----------------------------------------------------------------


def test_the_ministry_sees_completeness_and_the_missing_list(
    login: LoginFor,
    supervisor: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    deadline = dt.date(YEAR, 4, 10)
    on_time = timezone.make_aware(dt.datetime.combine(deadline, dt.time(9)))
    late = on_time + dt.timedelta(days=5)
    make_report(HENAN, MARCH, month_values(), status="submitted", submitted_at=on_time)
    make_report(TIANJIN, MARCH, month_values(), status="approved", submitted_at=late)
    make_report(XUCHANG, MARCH, month_values(), status="draft")

    response = login(supervisor).get("/indicators/completeness/", {"period": MARCH})
    missing_only = login(supervisor).get(
        "/indicators/completeness/", {"period": MARCH, "state": "missing"}
    )

    page = html(response)
    counts = response.context["result"].counts
    assert counts["on_time"] == 1 and counts["late"] == 1
    assert counts["missing"] == counts["expected"] - 2
    assert 'id="count-on_time">1<' in page and f'id="count-missing">{counts["missing"]}<' in page
    assert f'<tr data-region="{HENAN}" data-state="on_time">' in page
    assert f'<tr data-region="{TIANJIN}" data-state="late">' in page
    assert f'<tr data-region="{XUCHANG}" data-state="missing">' in page
    missing_list = re.search(r'id="missing">(.*?)</section>', page, re.S)
    assert (
        missing_list and "许昌市" in missing_list.group(1) and "河南省" not in missing_list.group(1)
    )
    assert all(r.state == "missing" for r in missing_only.context["rows"])
    assert 'id="send-reminders"' in page


def test_completeness_is_scoped_to_what_the_user_sees(
    login: LoginFor, jiangxi: User, programme: Any
) -> None:
    response = login(jiangxi).get("/indicators/completeness/", {"period": MARCH})

    codes = {row.region.code for row in response.context["result"].rows}
    assert JIANGXI in codes and HENAN not in codes
    assert 'id="send-reminders"' not in html(response)


def test_the_ministry_sends_reminders_for_missing_reports(
    login: LoginFor, supervisor: User, henan: User, catalogue: dict[str, Indicator]
) -> None:
    before = Notification.objects.filter(recipient=henan).count()

    response = login(supervisor).post("/indicators/completeness/remind/", {"period": MARCH})

    assert response.status_code == 302
    assert response["Location"] == f"/indicators/completeness/?period={MARCH}"
    assert Notification.objects.filter(recipient=henan).count() > before


def test_only_the_ministry_sends_reminders(
    login: LoginFor, henan: User, catalogue: dict[str, Indicator]
) -> None:
    before = (Notification.objects.count(), AuditEntry.objects.count())

    response = login(henan).post("/indicators/completeness/remind/", {"period": MARCH})

    assert response.status_code == 403
    assert (Notification.objects.count(), AuditEntry.objects.count()) == before


# --- targets ------------------------------------------------------------------------------------


def target_form(catalogue: dict[str, Indicator], **changes: Any) -> dict[str, Any]:
    data = {
        "region": HENAN,
        "indicator": "community_coverage_rate",
        "baseline_value": "80",
        "baseline_date": f"{YEAR - 1}-12-31",
        "target_value": "100",
        "due_date": f"{YEAR + 1}-12-31",
        "note": "",
        "source": "住房和城乡建设部现场会",
    }
    data.update(changes)
    return data


@pytest.fixture
def henan_goal(henan: User, tianjin_henan: Pairing) -> Goal:
    """A goal of a 天津–河南 plan, as its partner side writes it."""
    plan = plan_services.create_plan(
        actor=henan,
        pairing_id=tianjin_henan.pk,
        title="天津—河南交流协作工作方案（测试）",
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR + 2, 12, 31),
    )
    return plan_services.add_goal(
        actor=henan,
        plan_id=plan.pk,
        values={"text": "到期末，河南省居民小区生活垃圾分类覆盖率达到100%"},
    )


def test_a_coordinator_adds_a_target_linked_to_a_plan_goal(
    login: LoginFor, henan: User, catalogue: dict[str, Indicator], henan_goal: Goal
) -> None:
    goal = henan_goal
    client = login(henan)
    form_page = html(client.get("/indicators/targets/new/", {"region": HENAN}))

    response = client.post("/indicators/targets/new/", target_form(catalogue, goal=goal.pk))

    assert goal.text[:20] in form_page
    assert response.status_code == 302
    assert response["Location"] == f"/indicators/regions/{HENAN}/"
    target = Target.objects.get(region_id=HENAN, indicator__code="community_coverage_rate")
    assert (target.target_value, target.goal) == (D(100), goal)


def test_a_goal_of_another_pair_is_refused_beside_the_field(
    login: LoginFor, supervisor: User, catalogue: dict[str, Indicator], programme: Any
) -> None:
    other = Goal.objects.exclude(plan__pairing__partner_region_id=HENAN).exclude(
        plan__pairing__leading_region_id=HENAN
    )
    goal = other.filter(archived_at__isnull=True, plan__archived_at__isnull=True).first()
    assert goal is not None
    before = db_state()

    response = login(supervisor).post(
        "/indicators/targets/new/", target_form(catalogue, goal=goal.pk)
    )

    page = html(response)
    assert 'id="id_goal_errors"' in page
    assert db_state() == before


def test_a_refused_target_keeps_what_was_typed(
    login: LoginFor, henan: User, catalogue: dict[str, Indicator]
) -> None:
    before = db_state()

    response = login(henan).post(
        "/indicators/targets/new/", target_form(catalogue, due_date=f"{YEAR - 3}-01-01")
    )

    page = html(response)
    assert "has-error" in page or "form-errors" in page
    assert 'value="住房和城乡建设部现场会"' in page
    assert db_state() == before


@pytest.mark.parametrize("persona", ["henan_member", "henan_expert", "tianjin"])
def test_only_coordinators_of_the_region_and_the_ministry_set_targets(
    login: LoginFor,
    request: pytest.FixtureRequest,
    catalogue: dict[str, Indicator],
    recovery_target: Target,
    persona: str,
) -> None:
    client = login(request.getfixturevalue(persona))
    before = db_state()

    answers = [
        client.post("/indicators/targets/new/", target_form(catalogue)),
        client.post(f"/indicators/targets/{recovery_target.pk}/edit/", target_form(catalogue)),
        client.post(f"/indicators/targets/{recovery_target.pk}/archive/"),
    ]

    assert [a.status_code for a in answers] == [403, 403, 403]
    assert db_state() == before


def test_outsiders_do_not_see_a_regions_targets(
    login: LoginFor, jiangxi: User, catalogue: dict[str, Indicator], recovery_target: Target
) -> None:
    client = login(jiangxi)

    before = db_state()

    listed = client.get("/indicators/targets/")
    edit = client.get(f"/indicators/targets/{recovery_target.pk}/edit/")
    archive = client.post(f"/indicators/targets/{recovery_target.pk}/archive/")
    new = client.post("/indicators/targets/new/", target_form(catalogue))

    assert recovery_target.pk not in [t.pk for t in listed.context["page"]]
    assert (edit.status_code, archive.status_code, new.status_code) == (404, 404, 404)
    assert db_state() == before


def test_the_ministry_edits_and_archives_a_target(
    login: LoginFor, supervisor: User, catalogue: dict[str, Indicator], recovery_target: Target
) -> None:
    client = login(supervisor)
    url = f"/indicators/targets/{recovery_target.pk}/edit/"
    data = target_form(
        catalogue,
        indicator="recovery_rate",
        target_value="42",
        lock_version=recovery_target.lock_version,
    )

    edited = client.post(url, data)
    recovery_target.refresh_from_db()
    value_after_edit = recovery_target.target_value
    listed = html(client.get("/indicators/targets/"))
    archived = client.post(f"/indicators/targets/{recovery_target.pk}/archive/", follow=True)
    recovery_target.refresh_from_db()

    assert edited.status_code == 302 and value_after_edit == D(42)
    assert f'data-target="{recovery_target.pk}"' in listed
    assert "目标已归档。" in messages_of(archived)
    assert recovery_target.archived_at is not None


# --- map and ranking ----------------------------------------------------------------------------


def test_the_map_page_colours_provinces_and_ranks_regions(
    login: LoginFor, supervisor: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    make_report(HENAN, MARCH, month_values(), status="approved")
    make_report(TIANJIN, MARCH, month_values(recovery_utilised_t=13500), status="approved")
    make_report(JIANGXI, MARCH, month_values(recovery_utilised_t=9000), status="draft")

    response = login(supervisor).get(
        "/indicators/map/", {"indicator": "recovery_rate", "period": MARCH}
    )

    page = html(response)
    match = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page, re.S)
    assert match
    data = json.loads(match.group(1))
    provinces = {p["code"]: p for p in data["provinces"]}
    assert provinces[HENAN]["name"] == "河南" and provinces[HENAN]["value"] == 35.0
    assert provinces[TIANJIN]["value"] == 45.0
    assert JIANGXI not in provinces  # a draft is not an official number
    ranking = re.findall(r'<tr data-region="(\d+)">', page)
    assert ranking[:2] == [TIANJIN, HENAN]
    assert "vendor/echarts-china.js" in page and "indicators/map.js" in page


def test_the_map_aggregates_a_quarter_and_is_scoped(
    login: LoginFor, jiangxi: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    for month in (1, 2, 3):
        make_report(HENAN, f"{YEAR}-0{month}", month_values(), status="approved")
        make_report(JIANGXI, f"{YEAR}-0{month}", month_values(), status="approved")

    response = login(jiangxi).get(
        "/indicators/map/", {"indicator": "recovery_rate", "period": f"{YEAR}Q1"}
    )

    codes = {row.region.code for row in response.context["ranking"]}
    assert codes == {JIANGXI}
    assert response.context["ranking"][0].value == D(35)


def test_a_period_of_the_wrong_type_is_explained(
    login: LoginFor, supervisor: User, catalogue: dict[str, Indicator]
) -> None:
    Indicator.objects.filter(code="communities_total").update(period_type="year")

    response = login(supervisor).get(
        "/indicators/map/", {"indicator": "communities_total", "period": MARCH}
    )

    assert response.context["map_problem"]
    assert 'id="map-empty"' in html(response)


# --- Excel --------------------------------------------------------------------------------------


def test_a_reporter_downloads_a_prefilled_template(
    login: LoginFor,
    henan_member: User,
    henan: User,
    catalogue: dict[str, Indicator],
    month_values: MonthValues,
) -> None:
    write_month(henan, month_values())

    response = login(henan_member).get(
        "/indicators/excel/template/", {"regions": HENAN, "first": MARCH, "last": APRIL}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["填报"]
    headers = [c.value for c in sheet[1]]
    assert MARCH in headers and APRIL in headers


def test_a_template_for_a_region_the_user_does_not_report_for_is_refused(
    login: LoginFor, henan_expert: User, catalogue: dict[str, Indicator]
) -> None:
    response = login(henan_expert).get(
        "/indicators/excel/template/", {"regions": HENAN, "first": MARCH, "last": APRIL}
    )

    page = html(response)
    assert response["Content-Type"].startswith("text/html")
    assert "您没有需要填报的地区。" in page


def upload_of(data: bytes, name: str = "填报.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def filled_template(client: Client, cells: dict[tuple[str, str], Any]) -> bytes:
    """The template for 河南 March–April with cells set by (indicator code, period)."""
    response = client.get(
        "/indicators/excel/template/", {"regions": HENAN, "first": MARCH, "last": APRIL}
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["填报"]
    headers = {str(c.value): c.column for c in sheet[1] if c.value}
    code_column = headers["指标代码"]
    for row in range(2, sheet.max_row + 1):
        code = sheet.cell(row=row, column=code_column).value
        for (wanted, period), value in cells.items():
            if code == wanted:
                sheet.cell(row=row, column=headers[period], value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_reporter_imports_a_filled_template(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    client = login(henan_member)
    data = filled_template(client, {(c, MARCH): float(v) for c, v in month_values().items()})

    response = client.post("/indicators/excel/import/", {"file": upload_of(data)}, follow=True)

    assert any(m.startswith("导入完成") for m in messages_of(response))
    assert stored()["recovery_rate"] == D(35)


def test_a_bad_import_lists_every_bad_cell_and_changes_nothing(
    login: LoginFor, henan_member: User, catalogue: dict[str, Indicator], month_values: MonthValues
) -> None:
    client = login(henan_member)
    cells: dict[tuple[str, str], Any] = {(c, MARCH): float(v) for c, v in month_values().items()}
    cells[("msw_collected_t", MARCH)] = "约三万吨"
    data = filled_template(client, cells)
    before = db_state()

    response = client.post("/indicators/excel/import/", {"file": upload_of(data)})

    page = html(response)
    table = re.search(r'id="import-errors">(.*?)</section>', page, re.S)
    assert table is not None
    assert "填报" in table.group(1) and MARCH in table.group(1)
    assert db_state() == before


def test_read_only_users_may_not_import(
    login: LoginFor, henan_expert: User, catalogue: dict[str, Indicator]
) -> None:
    before = db_state()
    client = login(henan_expert)

    page = client.get("/indicators/excel/import/")
    upload = client.post("/indicators/excel/import/", {"file": upload_of(b"PK\x03\x04")})

    assert (page.status_code, upload.status_code) == (403, 403)
    assert db_state() == before


# --- navigation ---------------------------------------------------------------------------------


def test_the_main_navigation_leads_to_the_indicators(
    login: LoginFor, henan: User, programme: Any
) -> None:
    page = html(login(henan).get("/indicators/reports/"))

    assert (
        '<a href="/indicators/reports/" class="active" aria-current="page">指标与目标</a>' in page
    )
