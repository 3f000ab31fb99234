"""The indicator services: the one write path for values, the report workflow, the catalogue,
targets and evidence.

Refused writes are checked against `db_state()`: every report, value and audit entry is the same
afterwards.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.indicators import services
from twinning.indicators.models import (
    Indicator,
    IndicatorVersion,
    Period,
    Report,
    ReportFile,
    Scope,
    Target,
    Value,
)
from twinning.indicators.services import (
    EntriesForbidden,
    EntriesInvalid,
    EntriesNotFound,
    Entry,
)

D = Decimal
HENAN, TIANJIN, XUCHANG, JIANGXI = "410000", "120000", "411000", "360000"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def db_state() -> dict[str, Any]:
    """Every row write_values and the transitions touch, and the size of the audit trail."""
    return {
        "reports": list(Report.objects.order_by("pk").values()),
        "values": list(Value.objects.order_by("pk").values()),
        "files": list(ReportFile.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


def month(values: dict[str, Decimal], region: str = HENAN, period: str = "2025-03", **kw: Any):
    """One entry per value, with a ref naming the cell like the Excel helper does."""
    return [
        Entry(region, period, code, value, ref=f"{region}!{period}!{code}", **kw)
        for code, value in values.items()
    ]


def write(actor, entries, source="web"):
    return services.write_values(actor=actor, entries=entries, source=source)


def report_of(region: str = HENAN, period: str = "2025-03") -> Report:
    return Report.objects.get(region_id=region, period__code=period)


def stored(region: str = HENAN, period: str = "2025-03") -> dict[str, Value]:
    return {
        v.indicator.code: v
        for v in Value.objects.filter(
            report__region_id=region, report__period__code=period
        ).select_related("indicator")
    }


def refused(exc_info: pytest.ExceptionInfo[Any]) -> list[tuple[str, str]]:
    """(indicator code, error code) of every refused entry."""
    return [(e.indicator_code, e.code) for e in exc_info.value.errors]


@pytest.fixture
def filled(catalogue, month_values, henan) -> Callable[..., Report]:
    """A complete month written by 河南's coordinator (draft), returned as its report."""

    def fill(period: str = "2025-03", region: str = HENAN, actor=None, **overrides: Any) -> Report:
        write(actor or henan, month(month_values(**overrides), region, period))
        return report_of(region, period)

    return fill


# ---------------------------------------------------------------- writing values


class TestWriteValues:
    def test_a_first_month_creates_a_draft_report_with_reported_and_computed_values(
        self, catalogue, month_values, henan
    ):
        result = write(henan, month(month_values()), source="web")
        report = report_of()
        assert report.status == Report.Status.DRAFT and not report.is_demo
        assert report.updated_by == henan
        assert result.reports == [report]
        assert (result.created, result.updated, result.cleared) == (9, 0, 0)
        values = stored()
        assert values["msw_generated_t"].value == D(30000)
        assert values["msw_generated_t"].scope == Scope.URBAN
        assert values["msw_generated_t"].definition_version == catalogue["msw_generated_t"].version
        assert not values["msw_generated_t"].is_computed
        # 回收利用率 = 10,500 ÷ 30,000; coverage = 880 ÷ 1,000; food = 5,000 ÷ (5,000 + 18,500)
        assert values["recovery_rate"].value == D("35.0000")
        assert values["recovery_rate"].is_computed
        assert values["community_coverage_rate"].value == D("88.0000")
        assert values["food_waste_separation_rate"].value == D("21.2766")
        period = Period.objects.get(code="2025-03")
        assert (period.type, period.start, period.end) == (
            "month",
            dt.date(2025, 3, 1),
            dt.date(2025, 3, 31),
        )
        assert period.deadline == dt.date(2025, 3, 31) + dt.timedelta(days=10)

    def test_the_audit_entry_names_every_change_the_actor_and_the_source(
        self, catalogue, month_values, henan
    ):
        write(henan, month(month_values()), source="excel")
        report = report_of()
        entry = AuditEntry.objects.get(target_type="indicators.report", target_id=str(report.pk))
        assert entry.action == "indicator_values"
        assert entry.actor == henan
        assert entry.note == services.SOURCE_NOTES["excel"] == "Excel 导入"
        assert entry.changes["msw_generated_t"] == [None, "30000"]
        assert entry.changes["recovery_rate"] == [None, "35"]
        assert entry.changes["food_waste_separation_rate"] == [None, "21.2766"]

    def test_changing_a_component_recomputes_the_rate_and_records_old_and_new(
        self, filled, henan_member
    ):
        report = filled()
        version = report.lock_version
        result = write(henan_member, month({"msw_generated_t": D(35000)}))
        assert (result.created, result.updated, result.cleared) == (0, 1, 0)
        values = stored()
        assert values["msw_generated_t"].value == D(35000)
        assert values["msw_generated_t"].updated_by == henan_member
        assert values["recovery_rate"].value == D("30.0000")  # 10,500 ÷ 35,000
        report.refresh_from_db()
        assert report.lock_version == version + 1 and report.updated_by == henan_member
        entry = AuditEntry.objects.filter(action="indicator_values").latest("id")
        assert entry.changes == {
            "msw_generated_t": ["30000", "35000"],
            "recovery_rate": ["35", "30"],
        }
        assert entry.actor == henan_member

    def test_clearing_a_component_removes_its_value_and_the_rate_built_on_it(self, filled, henan):
        filled()
        result = write(henan, month({"recovery_utilised_t": None}))
        assert (result.created, result.updated, result.cleared) == (0, 0, 1)
        values = stored()
        assert "recovery_utilised_t" not in values and "recovery_rate" not in values
        assert "community_coverage_rate" in values
        entry = AuditEntry.objects.filter(action="indicator_values").latest("id")
        assert entry.changes == {
            "recovery_utilised_t": ["10500", None],
            "recovery_rate": ["35", None],
        }

    def test_writing_the_same_values_again_changes_nothing(self, filled, month_values, henan):
        report = filled()
        before = db_state()
        result = write(henan, month(month_values()))
        assert result.reports == [] and (result.created, result.updated) == (0, 0)
        assert db_state() == before
        report.refresh_from_db()

    def test_clearing_a_value_that_is_not_there_writes_nothing(self, catalogue, henan):
        result = write(henan, month({"msw_generated_t": None}))
        assert result.reports == []
        assert not Report.objects.filter(region_id=HENAN).exists()

    def test_values_may_come_in_another_unit_and_with_a_scope(self, catalogue, henan):
        write(
            henan,
            [
                Entry(HENAN, "2025-03", "msw_generated_t", D("3.2"), unit="万吨", scope="全市"),
                Entry(HENAN, "2025-03", "communities_total", D(10), scope=Scope.URBAN),
            ],
        )
        values = stored()
        assert values["msw_generated_t"].value == D(32000)
        assert values["msw_generated_t"].scope == Scope.WHOLE_CITY
        assert values["communities_total"].scope == Scope.URBAN

    def test_a_comment_is_stored_and_kept_when_the_next_write_brings_none(self, filled, henan):
        filled()
        write(henan, [Entry(HENAN, "2025-03", "msw_generated_t", D(30000), comment=" 含县城 ")])
        assert stored()["msw_generated_t"].comment == "含县城"
        write(henan, [Entry(HENAN, "2025-03", "msw_generated_t", D(31000))])
        assert stored()["msw_generated_t"].comment == "含县城"
        entry = AuditEntry.objects.filter(action="indicator_values").order_by("id")
        assert list(entry)[-2].changes == {"msw_generated_t.comment": [None, "含县城"]}
        write(henan, [Entry(HENAN, "2025-03", "msw_generated_t", D(31000), comment="")])
        assert stored()["msw_generated_t"].comment == ""

    def test_the_ministry_writes_many_regions_and_months_in_one_call(
        self, catalogue, month_values, supervisor
    ):
        entries = [
            entry
            for region in (HENAN, XUCHANG, TIANJIN)
            for period in ("2025-01", "2025-02")
            for entry in month(month_values(), region, period)
        ]
        result = write(supervisor, entries, source="import")
        assert len(result.reports) == 6
        assert result.created == len(entries)
        assert Report.objects.filter(period__code__in=["2025-01", "2025-02"]).count() == 6
        assert AuditEntry.objects.filter(action="indicator_values", actor=supervisor).count() == 6
        assert stored(TIANJIN, "2025-02")["recovery_rate"].value == D(35)

    def test_a_city_coordinator_writes_for_its_city_and_a_province_for_its_cities(
        self, catalogue, xuchang, henan
    ):
        write(xuchang, month({"msw_generated_t": D(900)}, XUCHANG))
        write(henan, month({"msw_collected_t": D(890)}, XUCHANG))
        assert set(stored(XUCHANG)) == {"msw_generated_t", "msw_collected_t"}

    def test_months_never_create_quarter_or_year_reports(self, catalogue, month_values, henan):
        for period in ("2025-01", "2025-02", "2025-03"):
            write(henan, month(month_values(), period=period))
        assert not Period.objects.filter(code__in=["2025Q1", "2025"]).exists()
        assert set(
            Report.objects.filter(region_id=HENAN).values_list("period__type", flat=True)
        ) == {"month"}

    def test_the_query_count_does_not_grow_with_regions_and_months(
        self, catalogue, month_values, supervisor
    ):
        def reads_for(regions: list[str], periods: list[str]) -> int:
            """SELECTs only: inserts come in batches the database's parameter limit sets."""
            entries = [e for r in regions for p in periods for e in month(month_values(), r, p)]
            with CaptureQueriesContext(connection) as captured:
                write(supervisor, entries)
            return sum(q["sql"].startswith("SELECT") for q in captured.captured_queries)

        few = reads_for([HENAN], ["2024-01", "2024-02"])
        months = [f"2023-{m:02d}" for m in range(1, 13)]
        many = reads_for([TIANJIN, XUCHANG, JIANGXI, "110000", "310000"], months)
        assert many == few <= 8


class TestWarnings:
    def test_a_jump_against_the_previous_month_is_stored_and_asks_for_a_comment(
        self, filled, henan
    ):
        filled("2025-02")
        result = write(henan, month({"msw_generated_t": D(45000)}, period="2025-03"))
        # Only msw_generated_t of March is there: the jump is +50 % against February.
        value = stored()["msw_generated_t"]
        assert [w["code"] for w in value.warnings] == ["jump_previous"]
        assert "上期" in value.warnings[0]["message"]
        assert value.needs_comment
        assert [(w.indicator_code, w.code, w.ref) for w in result.warnings] == [
            ("msw_generated_t", "jump_previous", f"{HENAN}!2025-03!msw_generated_t")
        ]

    def test_a_comment_satisfies_the_warning_and_an_unchanged_value_stays_satisfied(
        self, filled, henan
    ):
        filled("2025-02")
        write(henan, month({"msw_generated_t": D(45000)}, comment="新增两个区县"))
        assert (
            stored()["msw_generated_t"].warnings and not stored()["msw_generated_t"].needs_comment
        )
        result = write(henan, month({"msw_generated_t": D(45000)}))
        assert result.warnings == []
        assert stored()["msw_generated_t"].comment == "新增两个区县"

    def test_a_rate_outside_its_band_is_a_warning_on_its_numerator(
        self, catalogue, month_values, henan
    ):
        # 回收利用率 = 19,500 ÷ 30,000 = 65 %: possible, above the plausible 60 %.
        result = write(henan, month(month_values(recovery_utilised_t=19500)))
        values = stored()
        assert values["recovery_rate"].value == D(65)
        assert [w["code"] for w in values["recovery_utilised_t"].warnings] == ["band"]
        assert values["recovery_rate"].warnings == []
        assert [(w.indicator_code, w.code) for w in result.warnings] == [
            ("recovery_utilised_t", "band")
        ]

    def test_months_written_together_are_each_others_history(self, catalogue, month_values, henan):
        doubled = {code: value * 2 for code, value in month_values().items()}
        entries = month(month_values(), period="2025-01") + month(doubled, period="2025-02")
        result = write(henan, entries)
        assert ("msw_generated_t", "jump_previous") in [
            (w.indicator_code, w.code) for w in result.warnings
        ]
        assert stored(period="2025-01")["msw_generated_t"].warnings == []

    def test_a_short_stream_does_not_hide_a_jump_on_the_total(self, filled, henan):
        filled("2025-02")
        # The total doubles, the four streams stay: they fall 50 % short of it.
        filled("2025-03", msw_generated_t=60000, recovery_utilised_t=21000)
        codes = {w["code"] for w in stored()["msw_generated_t"].warnings}
        assert codes == {"streams_short", "jump_previous"}

    def test_history_reaches_back_a_year_for_the_same_month(self, filled, henan):
        filled("2024-03")
        write(henan, month({"residual_waste_t": D(9000)}, period="2025-03"))
        codes = [w["code"] for w in stored()["residual_waste_t"].warnings]
        assert codes == ["jump_last_year"]


class TestRefusedWrites:
    """Each kind of bad entry: the whole call is refused and nothing changes."""

    @pytest.fixture(autouse=True)
    def _march(self, filled):
        filled("2025-02")

    def refuse(self, actor, entries, error=EntriesInvalid):
        before = db_state()
        with pytest.raises(error) as exc_info:
            write(actor, entries)
        assert db_state() == before
        return exc_info

    def test_every_bad_entry_is_listed_with_its_ref_and_the_good_ones_are_not_written(self, henan):
        exc_info = self.refuse(
            henan,
            [
                Entry(HENAN, "2025-03", "msw_generated_t", D(1), ref="A1"),
                Entry(HENAN, "2025-03", "no_such_indicator", D(1), ref="A2"),
                Entry("999999", "2025-03", "msw_generated_t", D(1), ref="A3"),
                Entry(HENAN, "2025-13", "msw_generated_t", D(1), ref="A4"),
                Entry(HENAN, "2025-03", "recovery_rate", D(30), ref="A5"),
            ],
        )
        exc = exc_info.value
        assert exc.status == 422 and exc.code == "invalid_values"
        assert [(e.ref, e.code) for e in exc.errors] == [
            ("A2", "unknown_indicator"),
            ("A3", "unknown_region"),
            ("A4", "invalid_period"),
            ("A5", "computed_indicator"),
        ]
        assert "没有这个区划或无权查看" in exc.errors[1].message
        assert isinstance(exc, Invalid)
        assert "4 处填报有误" in exc.message
        # Two regions named: fields are keyed region:period:indicator.
        assert f"{HENAN}:2025-03:recovery_rate" in exc.fields

    def test_fields_are_keyed_by_period_and_indicator_for_one_region(self, henan):
        exc_info = self.refuse(henan, [Entry(HENAN, "2025-03", "recovery_rate", D(30))])
        assert list(exc_info.value.fields) == ["2025-03:recovery_rate"]

    def test_a_period_of_the_wrong_type_is_refused(self, henan):
        exc_info = self.refuse(henan, [Entry(HENAN, "2025Q1", "msw_generated_t", D(1))])
        assert refused(exc_info) == [("msw_generated_t", "period_type")]
        assert "月度" in exc_info.value.errors[0].message

    def test_an_archived_indicator_is_refused(self, henan, catalogue):
        Indicator.objects.filter(code="hazardous_collected_t").update(
            archived_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        )
        exc_info = self.refuse(henan, month({"hazardous_collected_t": D(1)}))
        assert refused(exc_info) == [("hazardous_collected_t", "archived_indicator")]

    def test_a_unit_that_does_not_convert_is_refused(self, henan):
        exc_info = self.refuse(henan, [Entry(HENAN, "2025-03", "msw_generated_t", D(5), unit="个")])
        assert refused(exc_info) == [("msw_generated_t", "unit")]
        assert "个" in exc_info.value.errors[0].message

    def test_a_duplicate_names_the_first_entry(self, henan):
        exc_info = self.refuse(
            henan,
            [
                Entry(HENAN, "2025-03", "msw_generated_t", D(5), ref="F12"),
                Entry(HENAN, "2025-03", "msw_generated_t", D(6), ref="G12"),
            ],
        )
        assert [(e.ref, e.code) for e in exc_info.value.errors] == [("G12", "duplicate")]
        assert "F12" in exc_info.value.errors[0].message

    def test_a_scope_that_is_not_urban_or_whole_city_is_refused(self, henan):
        exc_info = self.refuse(
            henan, [Entry(HENAN, "2025-03", "msw_generated_t", D(5), scope="全省")]
        )
        assert refused(exc_info) == [("msw_generated_t", "scope")]

    @pytest.mark.parametrize("raw", [D("NaN"), D("Infinity"), "abc", D("1e15")])
    def test_not_a_number_or_too_large_is_refused(self, henan, raw):
        exc_info = self.refuse(henan, [Entry(HENAN, "2025-03", "msw_generated_t", raw)])
        assert refused(exc_info)[0][1] in {"not_a_number", "too_large"}

    def test_more_covered_communities_than_communities_is_refused_beside_the_cell(self, henan):
        exc_info = self.refuse(henan, month({"communities_sorting": D(1050)}, period="2025-02"))
        assert refused(exc_info) == [("communities_sorting", "covered_exceeds_all")]
        assert "覆盖率不能超过100%" in exc_info.value.errors[0].message
        assert list(exc_info.value.fields) == ["2025-02:communities_sorting"]

    def test_a_finding_on_an_indicator_not_in_the_call_goes_to_its_first_entry(self, henan):
        # 产生量 below 回收利用量 (10,500): the error is on 回收利用量, which was not typed.
        exc_info = self.refuse(
            henan,
            [Entry(HENAN, "2025-02", "msw_generated_t", D(10000), ref="B7")],
        )
        errors = exc_info.value.errors
        assert ("recovery_utilised_t", "part_exceeds_total") in refused(exc_info)
        assert all(e.ref == "B7" for e in errors)
        assert set(exc_info.value.fields) == {"2025-02:msw_generated_t"}

    def test_a_negative_tonnage_is_refused(self, henan):
        exc_info = self.refuse(henan, month({"hazardous_collected_t": D(-1)}, period="2025-02"))
        assert refused(exc_info) == [("hazardous_collected_t", "range")]

    def test_a_region_the_actor_cannot_see_is_not_found(self, jiangxi):
        exc_info = self.refuse(jiangxi, month({"msw_generated_t": D(1)}), EntriesNotFound)
        assert isinstance(exc_info.value, NotFound)
        assert refused(exc_info) == [("msw_generated_t", "unknown_region")]

    def test_a_hidden_region_beside_an_allowed_one_is_an_unknown_region(self, jiangxi):
        exc_info = self.refuse(
            jiangxi,
            month({"msw_generated_t": D(1)}, JIANGXI) + month({"msw_generated_t": D(1)}),
        )
        assert [(e.region_code, e.code) for e in exc_info.value.errors] == [
            (HENAN, "unknown_region")
        ]

    @pytest.mark.parametrize("persona", ["henan_expert", "tianjin"])
    def test_read_only_experts_and_the_other_side_are_forbidden(self, persona, request):
        actor = request.getfixturevalue(persona)
        exc_info = self.refuse(actor, month({"msw_generated_t": D(1)}), EntriesForbidden)
        assert isinstance(exc_info.value, Forbidden) and exc_info.value.status == 403
        assert refused(exc_info) == [("msw_generated_t", "forbidden")]

    def test_a_forbidden_region_beside_an_allowed_one_is_an_error_of_that_entry(self, tianjin):
        exc_info = self.refuse(
            tianjin,
            month({"msw_generated_t": D(1)}, TIANJIN) + month({"msw_generated_t": D(1)}),
        )
        assert [(e.region_code, e.code) for e in exc_info.value.errors] == [(HENAN, "forbidden")]

    @pytest.mark.parametrize(
        ("status", "code", "text"),
        [
            (Report.Status.APPROVED, "locked", "2025-02 已审核锁定，不能修改"),
            (Report.Status.SUBMITTED, "submitted", "2025-02 已报送，如需修改请先撤回"),
            (Report.Status.REVIEWED, "submitted", "2025-02 已报送，如需修改请先撤回"),
        ],
    )
    def test_a_submitted_or_approved_report_is_refused(self, henan, status, code, text):
        Report.objects.filter(region_id=HENAN, period__code="2025-02").update(status=status)
        exc_info = self.refuse(henan, month({"msw_generated_t": D(31000)}, period="2025-02"))
        assert refused(exc_info) == [("msw_generated_t", code)]
        assert text in exc_info.value.errors[0].message

    def test_a_returned_report_may_be_edited(self, henan):
        Report.objects.filter(region_id=HENAN, period__code="2025-02").update(
            status=Report.Status.RETURNED
        )
        write(henan, month({"msw_generated_t": D(31000)}, period="2025-02"))
        assert stored(period="2025-02")["msw_generated_t"].value == D(31000)

    def test_demo_data_is_never_written_by_people(self, supervisor):
        Report.objects.filter(region_id=HENAN, period__code="2025-02").update(is_demo=True)
        exc_info = self.refuse(supervisor, month({"msw_generated_t": D(31000)}, period="2025-02"))
        assert refused(exc_info) == [("msw_generated_t", "demo")]
        assert "演示数据" in exc_info.value.errors[0].message


# ---------------------------------------------------------------- the report workflow


def transitions(report: Report) -> list[tuple[Any, list[str], str]]:
    entries = AuditEntry.objects.filter(
        target_type="indicators.report", target_id=str(report.pk), action="transition"
    ).order_by("id")
    return [(e.actor, e.changes["status"], e.note) for e in entries]


class TestWorkflow:
    def test_submit_review_approve_unlock_and_resubmit(self, filled, henan, tianjin, supervisor):
        report = filled()
        report = services.submit(actor=henan, report=report)
        assert report.status == Report.Status.SUBMITTED
        assert report.submitted_by == henan and report.submitted_at is not None
        report = services.review(actor=tianjin, report=report, comment="数据已核")
        assert report.status == Report.Status.REVIEWED
        assert (report.reviewed_by, report.review_comment) == (tianjin, "数据已核")
        report = services.approve(actor=supervisor, report=report)
        assert report.status == Report.Status.APPROVED and report.is_locked
        assert report.approved_by == supervisor
        report = services.unlock(actor=supervisor, report=report, reason="许昌数据更正")
        assert report.status == Report.Status.DRAFT and report.approved_at is None
        assert transitions(report) == [
            (henan, ["draft", "submitted"], ""),
            (tianjin, ["submitted", "reviewed"], "数据已核"),
            (supervisor, ["reviewed", "approved"], ""),
            (supervisor, ["approved", "draft"], "许昌数据更正"),
        ]
        write(henan, month({"msw_generated_t": D(31000)}))
        report = services.submit(actor=henan, report=report.pk)
        assert report.status == Report.Status.SUBMITTED

    def test_the_ministry_approves_without_a_review(self, filled, henan, admin_user):
        report = services.submit(actor=henan, report=filled())
        report = services.approve(actor=admin_user, report=report)
        assert report.status == Report.Status.APPROVED

    def test_the_reporter_withdraws_before_review(self, filled, henan, henan_member):
        report = services.submit(actor=henan, report=filled())
        report = services.withdraw(actor=henan_member, report=report)
        assert report.status == Report.Status.DRAFT
        assert report.submitted_at is None and report.submitted_by is None

    def test_withdraw_after_review_is_refused(self, filled, henan, tianjin):
        report = services.submit(actor=henan, report=filled())
        services.review(actor=tianjin, report=report)
        before = db_state()
        with pytest.raises(Conflict) as exc_info:
            services.withdraw(actor=henan, report=report)
        assert exc_info.value.code == "invalid_transition"
        assert db_state() == before

    def test_the_leading_side_returns_with_a_comment_and_the_partner_edits_again(
        self, filled, henan, tianjin
    ):
        report = services.submit(actor=henan, report=filled())
        before = db_state()
        with pytest.raises(Invalid) as exc_info:
            services.review(actor=tianjin, report=report, accept=False, comment=" ")
        assert "comment" in exc_info.value.fields
        assert db_state() == before
        report = services.review(actor=tianjin, report=report, accept=False, comment="厨余偏低")
        assert report.status == Report.Status.RETURNED
        assert report.return_comment == "厨余偏低"
        write(henan, month({"food_waste_separated_t": D(5200)}))
        assert services.submit(actor=henan, report=report).status == Report.Status.SUBMITTED

    def test_the_ministry_returns_a_submitted_report(self, filled, henan, supervisor):
        report = services.submit(actor=henan, report=filled())
        report = services.return_report(actor=supervisor, report=report, comment="请补充佐证")
        assert report.status == Report.Status.RETURNED
        assert transitions(report)[-1] == (supervisor, ["submitted", "returned"], "请补充佐证")

    def test_submit_lists_the_missing_required_indicators(self, catalogue, henan):
        write(henan, month({"msw_generated_t": D(30000)}))
        report = report_of()
        before = db_state()
        with pytest.raises(Invalid) as exc_info:
            services.submit(actor=henan, report=report)
        assert exc_info.value.code == "missing_required"
        assert catalogue["residual_waste_t"].name in exc_info.value.message
        assert "2025-03:residual_waste_t" in exc_info.value.fields
        assert "2025-03:msw_generated_t" not in exc_info.value.fields
        assert db_state() == before

    def test_submit_asks_for_a_comment_on_every_warning(self, filled, henan):
        filled("2025-02")
        report = filled(msw_generated_t=45000)
        with pytest.raises(Invalid) as exc_info:
            services.submit(actor=henan, report=report)
        assert exc_info.value.code == "comment_required"
        assert "2025-03:msw_generated_t" in exc_info.value.fields
        write(henan, month({"msw_generated_t": D(45000)}, comment="春节后回升"))
        assert services.submit(actor=henan, report=report).status == Report.Status.SUBMITTED

    def test_approve_needs_a_submitted_report(self, filled, supervisor):
        report = filled()
        with pytest.raises(Conflict):
            services.approve(actor=supervisor, report=report)

    def test_unlock_needs_a_reason(self, filled, henan, supervisor):
        report = services.approve(
            actor=supervisor, report=services.submit(actor=henan, report=filled())
        )
        before = db_state()
        with pytest.raises(Invalid) as exc_info:
            services.unlock(actor=supervisor, report=report, reason="  ")
        assert "reason" in exc_info.value.fields
        assert db_state() == before

    def test_a_stale_version_is_refused(self, filled, henan, henan_member):
        report = filled()
        write(henan_member, month({"msw_generated_t": D(31000)}))
        with pytest.raises(Conflict) as exc_info:
            services.submit(actor=henan, report=report, expected_version=report.lock_version)
        assert exc_info.value.code == "stale_version"
        assert "henan_member" in exc_info.value.message

    @pytest.mark.parametrize(
        ("persona", "error"),
        [("jiangxi", NotFound), ("henan_expert", Forbidden), ("tianjin", Forbidden)],
    )
    def test_submit_by_others_is_refused(self, filled, request, persona, error):
        report = filled()
        before = db_state()
        with pytest.raises(error):
            services.submit(actor=request.getfixturevalue(persona), report=report)
        assert db_state() == before

    @pytest.mark.parametrize(
        ("persona", "error"),
        [
            ("jiangxi", NotFound),
            ("henan", Forbidden),
            ("henan_expert", Forbidden),
            ("supervisor", Forbidden),
        ],
    )
    def test_review_is_for_the_leading_side_only(self, filled, henan, request, persona, error):
        report = services.submit(actor=henan, report=filled())
        before = db_state()
        with pytest.raises(error):
            services.review(actor=request.getfixturevalue(persona), report=report)
        assert db_state() == before

    @pytest.mark.parametrize(
        ("persona", "error"),
        [("jiangxi", NotFound), ("henan", Forbidden), ("tianjin", Forbidden)],
    )
    @pytest.mark.parametrize("action", ["approve", "return", "unlock"])
    def test_approve_return_and_unlock_are_for_the_ministry(
        self, filled, henan, supervisor, request, persona, error, action
    ):
        report = services.submit(actor=henan, report=filled())
        if action == "unlock":
            report = services.approve(actor=supervisor, report=report)
        actor = request.getfixturevalue(persona)
        before = db_state()
        with pytest.raises(error):
            if action == "approve":
                services.approve(actor=actor, report=report)
            elif action == "return":
                services.return_report(actor=actor, report=report, comment="x")
            else:
                services.unlock(actor=actor, report=report, reason="x")
        assert db_state() == before

    def test_demo_reports_are_not_moved_by_people(self, filled, supervisor):
        report = filled()
        Report.objects.filter(pk=report.pk).update(is_demo=True, status=Report.Status.SUBMITTED)
        with pytest.raises(Conflict) as exc_info:
            services.approve(actor=supervisor, report=report)
        assert exc_info.value.code == "demo_report"


class TestEnsurePeriod:
    @pytest.mark.parametrize(
        ("code", "kind", "start", "end"),
        [
            ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
            ("2025Q2", "quarter", dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
            ("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ],
    )
    def test_a_period_is_created_once_with_its_deadline(self, db, code, kind, start, end):
        period = services.ensure_period(code)
        assert (period.type, period.start, period.end) == (kind, start, end)
        assert period.deadline == end + dt.timedelta(days=10)
        assert services.ensure_period(code) == period

    def test_a_malformed_code_is_invalid(self, db):
        with pytest.raises(Invalid):
            services.ensure_period("2025-3")


# ---------------------------------------------------------------- evidence


def upload(data: bytes = PDF, name: str = "三月台账.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


class TestEvidence:
    def test_a_pdf_is_attached_to_the_report_and_recorded(self, filled, henan):
        report = filled()
        evidence = services.add_evidence(
            actor=henan, report=report, upload=upload(), indicator="recovery_utilised_t"
        )
        evidence.refresh_from_db()
        assert evidence.report == report and evidence.indicator.code == "recovery_utilised_t"
        assert (evidence.name, evidence.size) == ("三月台账.pdf", len(PDF))
        assert evidence.content_type == "application/pdf"
        assert evidence.uploaded_by == henan
        assert evidence.file.read() == PDF
        entry = AuditEntry.objects.get(target_type="indicators.reportfile")
        assert entry.changes == {
            "file": [None, "三月台账.pdf"],
            "indicator": [None, "recovery_utilised_t"],
        }

    def test_an_exe_named_pdf_is_refused(self, filled, henan):
        report = filled()
        before = db_state()
        with pytest.raises(Invalid) as exc_info:
            services.add_evidence(
                actor=henan, report=report, upload=upload(b"MZ\x90\x00" + b"\x00" * 200)
            )
        assert exc_info.value.code == "unsupported_file_type"
        assert "file" in exc_info.value.fields
        assert db_state() == before

    def test_a_file_over_the_size_limit_is_refused(self, filled, henan, settings):
        settings.TWINNING_MAX_UPLOAD_BYTES = 20
        report = filled()
        before = db_state()
        with pytest.raises(Invalid) as exc_info:
            services.add_evidence(actor=henan, report=report, upload=upload())
        assert exc_info.value.code == "file_too_large"
        assert db_state() == before

    @pytest.mark.parametrize(
        ("persona", "error"),
        [("jiangxi", NotFound), ("henan_expert", Forbidden), ("tianjin", Forbidden)],
    )
    def test_only_the_reporting_side_uploads(self, filled, request, persona, error):
        report = filled()
        before = db_state()
        with pytest.raises(error):
            services.add_evidence(
                actor=request.getfixturevalue(persona), report=report, upload=upload()
            )
        assert db_state() == before

    def test_an_approved_report_takes_no_more_files(self, filled, henan, supervisor):
        report = services.approve(
            actor=supervisor, report=services.submit(actor=henan, report=filled())
        )
        before = db_state()
        with pytest.raises(Conflict) as exc_info:
            services.add_evidence(actor=henan, report=report, upload=upload())
        assert exc_info.value.code == "locked"
        assert db_state() == before

    def test_a_file_is_archived_once(self, filled, henan_member):
        evidence = services.add_evidence(actor=henan_member, report=filled(), upload=upload())
        evidence = services.archive_evidence(actor=henan_member, evidence=evidence)
        assert evidence.is_archived and evidence.archived_by == henan_member
        assert ReportFile.objects.filter(pk=evidence.pk).exists()  # kept, not deleted
        with pytest.raises(Conflict):
            services.archive_evidence(actor=henan_member, evidence=evidence.pk)

    def test_archiving_by_a_reader_is_forbidden(self, filled, henan, henan_expert):
        evidence = services.add_evidence(actor=henan, report=filled(), upload=upload())
        with pytest.raises(Forbidden):
            services.archive_evidence(actor=henan_expert, evidence=evidence)


# ---------------------------------------------------------------- the catalogue


def new_indicator(admin, **kw):
    fields = {
        "code": "bulky_waste_t",
        "name": "大件垃圾清运量",
        "unit": "t",
        "hard_min": D(0),
        "definition": "本期清运的大件垃圾。",
    }
    fields.update(kw)
    return services.create_indicator(actor=admin, note="新增", **fields)


def catalogue_state() -> dict[str, Any]:
    return {
        "indicators": list(Indicator.objects.order_by("pk").values()),
        "versions": IndicatorVersion.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


class TestCatalogue:
    def test_an_admin_adds_an_indicator_as_definition_version_one(self, catalogue, admin_user):
        indicator = new_indicator(admin_user)
        assert indicator.version == 1 and indicator.kind == Indicator.Kind.REPORTED
        version = indicator.versions.get()
        assert (version.version, version.created_by, version.note) == (1, admin_user, "新增")
        assert version.definition["name"] == "大件垃圾清运量"
        assert version.definition["hard_min"] == "0"
        entry = AuditEntry.objects.get(target_type="indicators.indicator", target_id=indicator.pk)
        assert entry.action == "create" and entry.changes["code"] == [None, "bulky_waste_t"]

    def test_a_computed_indicator_names_live_reported_components(self, catalogue, admin_user):
        indicator = new_indicator(
            admin_user,
            code="recyclables_share",
            name="可回收物占比",
            unit="%",
            kind=Indicator.Kind.COMPUTED,
            numerator=["recyclables_recovered_t"],
            denominator=["msw_generated_t"],
            hard_max=D(100),
        )
        assert indicator.numerator == ["recyclables_recovered_t"]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            (
                {"kind": "computed", "numerator": ["nope"], "denominator": ["msw_generated_t"]},
                "numerator",
            ),
            (
                {
                    "kind": "computed",
                    "numerator": ["recovery_rate"],
                    "denominator": ["msw_generated_t"],
                },
                "numerator",
            ),
            (
                {"kind": "computed", "numerator": ["msw_generated_t"], "denominator": []},
                "denominator",
            ),
            ({"numerator": ["msw_generated_t"]}, "numerator"),
            ({"hard_min": D(10), "hard_max": D(5)}, "hard_max"),
            ({"code": "msw_generated_t"}, "code"),
            ({"name": "生活垃圾产生量"}, "name"),
            ({"unit": ""}, "unit"),
            ({"color": "red"}, "color"),
        ],
    )
    def test_a_bad_definition_is_refused_beside_its_field(
        self, catalogue, admin_user, fields, field
    ):
        before = catalogue_state()
        with pytest.raises(Invalid) as exc_info:
            new_indicator(admin_user, **fields)
        assert field in exc_info.value.fields
        assert catalogue_state() == before

    def test_a_component_of_another_period_type_is_refused(self, catalogue, admin_user):
        new_indicator(admin_user, period_type="year")
        with pytest.raises(Invalid) as exc_info:
            new_indicator(
                admin_user,
                code="bulky_share",
                name="大件垃圾占比",
                unit="%",
                kind="computed",
                numerator=["bulky_waste_t"],
                denominator=["msw_generated_t"],
            )
        assert "bulky_waste_t" in exc_info.value.fields["numerator"][0]

    @pytest.mark.parametrize("persona", ["supervisor", "henan"])
    def test_only_admins_manage_the_catalogue(self, catalogue, request, persona):
        actor = request.getfixturevalue(persona)
        before = catalogue_state()
        with pytest.raises(Forbidden):
            new_indicator(actor)
        with pytest.raises(Forbidden):
            services.update_indicator(
                actor=actor, indicator="msw_generated_t", expected_version=None, unit="万吨"
            )
        with pytest.raises(Forbidden):
            services.archive_indicator(actor=actor, indicator="msw_generated_t")
        assert catalogue_state() == before

    def test_a_new_definition_is_a_new_version_and_old_values_keep_theirs(
        self, filled, henan, admin_user
    ):
        filled()
        indicator = Indicator.objects.get(code="recovery_rate")
        old_version = indicator.version
        indicator = services.update_indicator(
            actor=admin_user,
            indicator=indicator,
            expected_version=indicator.lock_version,
            note="合理区间按2024年评估细则调整",
            soft_min=D(20),
        )
        assert indicator.version == old_version + 1
        version = indicator.versions.get(version=indicator.version)
        assert version.note == "合理区间按2024年评估细则调整"
        assert version.definition["soft_min"] == "20"
        assert indicator.versions.filter(version=old_version).exists()
        entry = AuditEntry.objects.filter(
            target_type="indicators.indicator", target_id=indicator.pk, action="update"
        ).get()
        assert entry.changes["version"] == [old_version, old_version + 1]
        assert stored()["recovery_rate"].definition_version == old_version
        write(henan, month({"msw_generated_t": D(35000)}))
        assert stored()["recovery_rate"].definition_version == old_version + 1
        assert stored()["recovery_utilised_t"].definition_version == 1  # unchanged value

    def test_a_change_outside_the_definition_keeps_the_version(self, catalogue, admin_user):
        indicator = catalogue["msw_generated_t"]
        version = indicator.version
        indicator = services.update_indicator(
            actor=admin_user, indicator="msw_generated_t", expected_version=None, position=5
        )
        assert indicator.version == version and indicator.position == 5

    def test_the_code_and_once_values_exist_the_kind_and_period_type_are_fixed(
        self, filled, admin_user
    ):
        filled()
        before = catalogue_state()
        for fields in ({"code": "msw_t"}, {"period_type": "year"}):
            with pytest.raises(Invalid):
                services.update_indicator(
                    actor=admin_user, indicator="msw_generated_t", expected_version=None, **fields
                )
        assert catalogue_state() == before

    def test_a_stale_edit_is_refused(self, catalogue, admin_user):
        indicator = catalogue["msw_generated_t"]
        services.update_indicator(
            actor=admin_user, indicator=indicator, expected_version=None, name_en="MSW"
        )
        with pytest.raises(Conflict) as exc_info:
            services.update_indicator(
                actor=admin_user,
                indicator=indicator,
                expected_version=indicator.lock_version,
                name_en="Generated",
            )
        assert exc_info.value.code == "stale_version"

    def test_an_archived_indicator_is_no_longer_written_and_comes_back_restored(
        self, catalogue, admin_user, henan
    ):
        services.archive_indicator(actor=admin_user, indicator="hazardous_collected_t")
        with pytest.raises(EntriesInvalid):
            write(henan, month({"hazardous_collected_t": D(3)}))
        with pytest.raises(Conflict):
            services.archive_indicator(actor=admin_user, indicator="hazardous_collected_t")
        indicator = services.restore_indicator(actor=admin_user, indicator="hazardous_collected_t")
        assert not indicator.is_archived
        write(henan, month({"hazardous_collected_t": D(3)}))
        actions = AuditEntry.objects.filter(
            target_type="indicators.indicator", target_id=indicator.pk
        ).values_list("action", flat=True)
        assert {"archive", "restore"} <= set(actions)


# ---------------------------------------------------------------- targets


@pytest.fixture
def goal(tianjin, tianjin_henan):
    """A goal of a 天津–河南 work plan (河南 is a side)."""
    from twinning.plans import services as plan_services

    plan = plan_services.create_plan(
        actor=tianjin,
        pairing_id=tianjin_henan.pk,
        title="天津—河南交流协作工作方案",
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2025, 12, 31),
    )
    return plan_services.add_goal(
        actor=tianjin, plan_id=plan.pk, values={"text": "回收利用率达到35%"}
    )


def new_target(actor, region=HENAN, **kw):
    fields = {
        "indicator": "recovery_rate",
        "baseline_value": D("28.5"),
        "baseline_date": dt.date(2021, 12, 31),
        "target_value": D(35),
        "due_date": dt.date(2025, 12, 31),
    }
    fields.update(kw)
    return services.create_target(actor=actor, region=region, **fields)


def targets_state() -> dict[str, Any]:
    return {
        "targets": list(Target.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


class TestTargets:
    def test_a_coordinator_sets_a_target_linked_to_a_goal_of_its_pair(
        self, catalogue, henan, goal, tianjin_henan
    ):
        target = new_target(henan, goal=goal.pk, source="天津—河南方案", note="全市口径")
        target.refresh_from_db()
        assert (target.region_id, target.indicator.code) == (HENAN, "recovery_rate")
        assert target.goal == goal and target.created_by == henan
        entry = AuditEntry.objects.get(target_type="indicators.target", target_id=target.pk)
        assert entry.action == "create" and entry.pairing == tianjin_henan
        assert entry.changes["target_value"] == [None, "35"]

    def test_the_ministry_sets_targets_anywhere(self, catalogue, supervisor):
        assert new_target(supervisor, region=JIANGXI).region_id == JIANGXI

    @pytest.mark.parametrize(
        ("kw", "field", "code"),
        [
            ({"due_date": dt.date(2021, 12, 31)}, "due_date", "invalid_dates"),
            ({"target_value": D(120)}, "target_value", "out_of_range"),
            ({"baseline_value": D(-1)}, "baseline_value", "out_of_range"),
            ({"indicator": "no_such_indicator"}, "indicator", "invalid"),
        ],
    )
    def test_a_bad_target_is_refused_beside_its_field(self, catalogue, henan, kw, field, code):
        before = targets_state()
        with pytest.raises(Invalid) as exc_info:
            new_target(henan, **kw)
        assert field in exc_info.value.fields and exc_info.value.code == code
        assert targets_state() == before

    def test_the_range_message_names_the_bounds(self, catalogue, henan):
        with pytest.raises(Invalid) as exc_info:
            new_target(henan, target_value=D(120))
        assert exc_info.value.fields["target_value"] == ["数值须在 0%～100% 之间。"]

    def test_a_goal_of_a_pair_the_region_is_not_a_side_of_is_refused(
        self, catalogue, supervisor, goal
    ):
        before = targets_state()
        with pytest.raises(Invalid) as exc_info:
            new_target(supervisor, region=JIANGXI, goal=goal)
        assert exc_info.value.code == "goal_not_of_region"
        assert targets_state() == before

    def test_a_second_live_target_with_the_same_due_date_is_refused(self, catalogue, henan):
        new_target(henan)
        with pytest.raises(Invalid) as exc_info:
            new_target(henan, target_value=D(40))
        assert exc_info.value.code == "duplicate_target"

    @pytest.mark.parametrize(
        ("persona", "error"),
        [
            ("jiangxi", NotFound),
            ("henan_member", Forbidden),
            ("henan_expert", Forbidden),
            ("tianjin", Forbidden),
        ],
    )
    def test_others_may_not_set_the_regions_targets(self, catalogue, request, persona, error):
        before = targets_state()
        with pytest.raises(error):
            new_target(request.getfixturevalue(persona))
        assert targets_state() == before

    def test_an_update_is_checked_versioned_and_recorded(self, catalogue, henan, xuchang):
        target = new_target(henan)
        target = services.update_target(
            actor=henan,
            target=target,
            expected_version=target.lock_version,
            target_value=D(38),
            note="省定目标",
        )
        assert target.target_value == D(38) and target.lock_version == 2
        entry = AuditEntry.objects.get(
            target_type="indicators.target", target_id=target.pk, action="update"
        )
        assert entry.changes == {"target_value": ["35", "38"], "note": ["", "省定目标"]}
        with pytest.raises(Conflict):
            services.update_target(actor=henan, target=target, expected_version=1, note="x")
        with pytest.raises(Invalid):
            services.update_target(
                actor=henan, target=target, expected_version=None, due_date=dt.date(2020, 1, 1)
            )
        with pytest.raises(Invalid):
            services.update_target(
                actor=henan, target=target, expected_version=None, region=XUCHANG
            )
        with pytest.raises(NotFound):
            services.update_target(actor=xuchang, target=target, expected_version=None, note="x")

    def test_a_target_is_archived_and_restored(self, catalogue, henan, henan_member):
        target = new_target(henan)
        with pytest.raises(Forbidden):
            services.archive_target(actor=henan_member, target=target)
        target = services.archive_target(actor=henan, target=target)
        assert target.is_archived and target.archived_by == henan
        with pytest.raises(Conflict):
            services.archive_target(actor=henan, target=target)
        with pytest.raises(Conflict):
            services.update_target(actor=henan, target=target, expected_version=None, note="x")
        new_target(henan)  # the archived one does not block a new one
        with pytest.raises(Invalid):
            services.restore_target(actor=henan, target=target)


class TestNumbersInTheAuditTrail:
    def test_the_same_number_written_differently_is_no_change(self, catalogue, henan, admin_user):
        target = new_target(henan)
        services.update_target(
            actor=henan, target=target, expected_version=None, target_value=D("35.00")
        )
        indicator = services.update_indicator(
            actor=admin_user,
            indicator="recovery_rate",
            expected_version=None,
            soft_min=D("15.000"),
        )
        assert indicator.version == catalogue["recovery_rate"].version
        assert not AuditEntry.objects.filter(action="update").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the fallback is for old SQLite")
def test_sqlite_before_3_33_updates_through_django(filled, henan, monkeypatch):
    filled()
    monkeypatch.setattr(services.sqlite3, "sqlite_version_info", (3, 31, 1))
    write(henan, month({"msw_generated_t": D(32000)}, comment="更正"))
    values = stored()
    assert (values["msw_generated_t"].value, values["msw_generated_t"].comment) == (
        D(32000),
        "更正",
    )
    assert values["recovery_rate"].value == D("32.8125")
