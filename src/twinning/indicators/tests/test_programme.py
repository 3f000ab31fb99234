"""The indicators' starting data: the catalogue of DOMAIN.md §7 and the programme's targets."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from twinning.core.models import AuditEntry
from twinning.indicators import catalogue as catalogue_module
from twinning.indicators.catalogue import CATALOGUE, EXCLUDED, load_catalogue
from twinning.indicators.models import Indicator, IndicatorVersion, PeriodType, Target
from twinning.indicators.programme import load_indicator_programme
from twinning.indicators.tests.conftest import CORE
from twinning.pairings.models import Pairing
from twinning.plans.models import Goal

pytestmark = pytest.mark.django_db

D = Decimal
BY_CODE = {row.code: row for row in CATALOGUE}
COMPONENTS = {
    "communities_total",
    "communities_sorting",
    "households_total",
    "households_covered",
    "villages_total",
    "villages_sorting",
    "dropoff_points_total",
    "dropoff_points_upgraded",
}
# DOMAIN.md §7's codes (the research brief's indicator table), written out.
SECTION_7 = {
    "msw_generated_t",
    "msw_collected_t",
    "recyclables_recovered_t",
    "hazardous_collected_t",
    "food_waste_separated_t",
    "residual_waste_t",
    "recovery_utilised_t",
    "recovery_rate",
    "resource_utilisation_rate",
    "harmless_treated_t",
    "harmless_treatment_rate",
    "community_coverage_rate",
    "household_coverage_rate",
    "rural_village_coverage_rate",
    "food_waste_separation_rate",
    "residual_reduction_rate",
    "per_capita_daily_kg",
    "sorting_collection_capacity_tpd",
    "harmless_capacity_tpd",
    "incineration_capacity_tpd",
    "incineration_capacity_share",
    "food_treatment_capacity_tpd",
    "dropoff_upgrade_share",
    "awareness_rate",
    "participation_rate",
    "sorting_accuracy_rate",
    "compliant_community_rate",
    "eval_score",
    "eval_tier",
    "city_size_group",
    "pair_exchange_activities",
    "pair_workplan_status",
}
COMPUTED = {
    "recovery_rate",
    "harmless_treatment_rate",
    "community_coverage_rate",
    "household_coverage_rate",
    "rural_village_coverage_rate",
    "food_waste_separation_rate",
    "incineration_capacity_share",
    "dropoff_upgrade_share",
}
UNITS = {"t", "%", "个", "户", "t/d", "kg/人·日"}


def target(region: str, code: str, due: str) -> Target:
    return Target.objects.get(
        region_id=region, indicator__code=code, due_date=dt.date.fromisoformat(due)
    )


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Indicator, IndicatorVersion, Target, AuditEntry)
    }


# ---------------------------------------------------------------- the catalogue as data


def test_every_row_of_section_7_is_in_the_catalogue_or_excluded_on_purpose():
    codes = set(BY_CODE)
    assert SECTION_7 - set(EXCLUDED) <= codes
    assert set(EXCLUDED) <= SECTION_7
    assert not codes & set(EXCLUDED)
    assert codes == (SECTION_7 - set(EXCLUDED)) | COMPONENTS
    assert len(CATALOGUE) == len(codes)  # no code twice


def test_rates_with_their_parts_in_the_catalogue_are_computed_from_existing_codes():
    assert {row.code for row in CATALOGUE if row.kind == "computed"} == COMPUTED
    for row in CATALOGUE:
        if row.kind != "computed":
            assert not row.numerator and not row.denominator, row.code
            continue
        assert row.numerator and row.denominator, row.code
        for part in {*row.numerator, *row.denominator}:
            component = BY_CODE[part]
            assert component.kind == "reported", (row.code, part)
            # Computed from one report's values: its parts are reported in the same period.
            assert component.period_type == row.period_type, (row.code, part)
        assert row.aggregation == "ratio" and row.unit == "%"


def test_the_recycling_rate_is_recovered_over_generated():
    row = BY_CODE["recovery_rate"]
    assert (row.numerator, row.denominator) == (("recovery_utilised_t",), ("msw_generated_t",))
    assert (row.hard_min, row.hard_max, row.soft_min, row.soft_max) == (0, 100, 15, 60)
    food = BY_CODE["food_waste_separation_rate"]
    assert food.denominator == ("food_waste_separated_t", "residual_waste_t")
    assert (food.soft_min, food.soft_max) == (5, 45)


def test_ranges_are_sane():
    for row in CATALOGUE:
        assert row.unit in UNITS, row.code
        for low, high in ((row.hard_min, row.hard_max), (row.soft_min, row.soft_max)):
            if low is not None and high is not None:
                assert low < high, row.code
        # The plausible band lies inside the allowed range.
        if row.soft_min is not None and row.hard_min is not None:
            assert row.soft_min >= row.hard_min, row.code
        if row.soft_max is not None and row.hard_max is not None:
            assert row.soft_max <= row.hard_max, row.code
        if row.unit == "%":
            assert row.hard_max == 100, row.code
            assert row.hard_min == (-100 if row.code == "residual_reduction_rate" else 0)
        else:
            # Tonnages, counts and capacities are never negative.
            assert row.hard_min == 0, row.code
    assert BY_CODE["harmless_treatment_rate"].soft_min == 95
    assert (BY_CODE["per_capita_daily_kg"].soft_min, BY_CODE["per_capita_daily_kg"].soft_max) == (
        D("0.5"),
        D("2.0"),
    )


def test_names_are_unique_and_every_indicator_has_an_english_name_and_a_source():
    assert len({row.name for row in CATALOGUE}) == len(CATALOGUE)
    for row in CATALOGUE:
        assert row.name_en and row.name_en.isascii(), row.code
        assert row.definition and row.source, row.code


def test_the_rates_needing_data_the_platform_lacks_are_reported_and_say_why():
    for code in ("resource_utilisation_rate", "residual_reduction_rate", "per_capita_daily_kg"):
        row = BY_CODE[code]
        assert row.kind == "reported" and row.aggregation == "last"
        assert "填报" in row.definition


def test_the_core_monthly_indicators_are_required_and_match_the_test_fixture():
    required = {row.code for row in CATALOGUE if row.required}
    assert required == {
        "msw_generated_t",
        "msw_collected_t",
        "recyclables_recovered_t",
        "food_waste_separated_t",
        "residual_waste_t",
        "recovery_utilised_t",
        "communities_total",
        "communities_sorting",
    }
    assert all(BY_CODE[code].period_type == PeriodType.MONTH for code in required)
    for code, name, unit, kind, aggregation, num, den, hard, soft, is_required in CORE:
        row = BY_CODE[code]
        assert (row.name, row.unit, row.kind, row.aggregation) == (name, unit, kind, aggregation)
        assert (list(row.numerator), list(row.denominator)) == (num, den)
        assert ((row.hard_min, row.hard_max), (row.soft_min, row.soft_max)) == (hard, soft)
        assert row.required == is_required, code


def test_stocks_are_carried_and_flows_are_summed():
    for code in COMPONENTS:
        assert BY_CODE[code].aggregation == "last", code
    for code in ("msw_generated_t", "residual_waste_t", "harmless_treated_t"):
        assert BY_CODE[code].aggregation == "sum", code
    for code in ("harmless_capacity_tpd", "incineration_capacity_tpd"):
        assert BY_CODE[code].aggregation == "last", code
        assert BY_CODE[code].period_type == PeriodType.YEAR


# ---------------------------------------------------------------- loading the catalogue


def test_every_test_database_has_the_whole_catalogue_with_a_first_version():
    indicators = {i.code: i for i in Indicator.objects.all()}
    assert set(BY_CODE) <= set(indicators)
    recovery = indicators["recovery_rate"]
    assert (recovery.numerator, recovery.denominator) == (
        ["recovery_utilised_t"],
        ["msw_generated_t"],
    )
    assert recovery.name_en == "Recycling rate"
    version = IndicatorVersion.objects.get(indicator=recovery)
    assert version.version == recovery.version == 1
    assert version.definition["numerator"] == ["recovery_utilised_t"]
    assert (version.definition["hard_max"], version.definition["factor"]) == ("100", "100")
    assert BY_CODE["per_capita_daily_kg"].soft_min == D("0.5")
    per_capita = IndicatorVersion.objects.get(indicator__code="per_capita_daily_kg")
    assert (per_capita.definition["soft_min"], per_capita.definition["hard_max"]) == ("0.5", None)
    positions = [indicators[row.code].position for row in CATALOGUE]
    assert positions == sorted(positions)


def test_loading_the_catalogue_again_creates_nothing():
    before = counts()

    result = load_catalogue()

    assert (result.created, result.existing, result.name_taken) == (0, len(CATALOGUE), [])
    assert counts() == before


def test_an_admins_edits_and_archiving_survive_a_reload():
    Indicator.objects.filter(code="recovery_rate").update(
        name="回收利用率（本地口径）", soft_max=70
    )
    Indicator.objects.filter(code="awareness_rate").update(archived_at=dt.datetime.now(dt.UTC))

    load_catalogue()

    edited = Indicator.objects.get(code="recovery_rate")
    assert (edited.name, edited.soft_max) == ("回收利用率（本地口径）", 70)
    assert Indicator.objects.get(code="awareness_rate").archived_at is not None
    assert Indicator.objects.filter(code="awareness_rate").count() == 1


def test_a_missing_indicator_is_created_with_its_version_and_an_audit_entry():
    gone = Indicator.objects.get(code="food_treatment_capacity_tpd")
    IndicatorVersion.objects.filter(indicator=gone).delete()
    gone.delete()

    result = load_catalogue()

    assert result.created == 1
    made = Indicator.objects.get(code="food_treatment_capacity_tpd")
    assert (made.unit, made.period_type, made.aggregation) == ("t/d", "year", "last")
    assert made.versions.get().version == 1
    entry = AuditEntry.objects.filter(target_type="indicators.indicator").latest("id")
    assert (entry.action, entry.actor, entry.target_id) == ("create", None, "")
    assert entry.changes == {"code": [None, ["food_treatment_capacity_tpd"]]}


def test_a_name_an_admin_already_gave_another_indicator_is_not_taken_twice(monkeypatch):
    Indicator.objects.create(code="my_food_capacity", name="厨余处理能力（本地）", unit="t/d")
    row = BY_CODE["food_treatment_capacity_tpd"]
    clash = type(row)(
        **{**row.__dict__, "code": "food_capacity_new", "name": "厨余处理能力（本地）"}
    )
    monkeypatch.setattr(catalogue_module, "CATALOGUE", [*CATALOGUE, clash])

    result = load_catalogue()

    assert result.name_taken == ["food_capacity_new"]
    assert not Indicator.objects.filter(code="food_capacity_new").exists()


# ---------------------------------------------------------------- targets


def partner_regions() -> set[str]:
    return set(
        Pairing.objects.live()
        .filter(status=Pairing.Status.ACTIVE)
        .values_list("partner_region_id", flat=True)
    )


def test_the_shanghai_plans_goal_becomes_a_linked_target_for_each_partner():
    load_indicator_programme()

    for partner in ("360000", "150000"):
        linked = target(partner, "recovery_rate", "2025-12-31")
        goal = Goal.objects.get(
            plan__pairing__leading_region_id="310000",
            plan__pairing__partner_region_id=partner,
            indicator="生活垃圾回收利用率",
        )
        assert linked.goal == goal
        assert (linked.target_value, linked.baseline_value) == (35, 30)
        assert linked.baseline_date == dt.date(2020, 12, 31)
        assert "交流协作工作方案" in linked.source and "演示假设" in linked.source


def test_every_partner_region_gets_the_coverage_and_recycling_targets():
    result = load_indicator_programme()

    partners = partner_regions()
    assert len(partners) > 20
    for region in partners:
        first = target(region, "community_coverage_rate", "2023-12-31")
        full = target(region, "community_coverage_rate", "2025-12-31")
        assert (first.target_value, full.target_value) == (90, 100)
        assert (first.baseline_value, first.baseline_date) == (D("82.5"), dt.date(2022, 12, 31))
        assert "现场会" in first.source and "全国平均" in first.source
        recovery = target(region, "recovery_rate", "2025-12-31")
        assert recovery.target_value == 35
        assert "建城〔2020〕93号" in recovery.source or recovery.goal is not None
    assert result.targets_created == 3 * len(partners)
    assert result.goals_unmatched == []
    # Leading sides set the pace; they get no programme target.
    assert not Target.objects.exclude(region__in=partners).exists()


def test_targets_are_recorded_as_created_by_the_system():
    load_indicator_programme()

    one = target("410000", "recovery_rate", "2025-12-31")
    entry = AuditEntry.objects.get(target_type="indicators.target", target_id=str(one.pk))
    assert entry.actor is None and entry.changes["target_value"] == [None, "35"]


def test_loading_the_programme_twice_creates_nothing_more():
    load_indicator_programme()
    before = counts()

    result = load_indicator_programme()

    assert (result.indicators_created, result.targets_created) == (0, 0)
    assert result.targets_existing == 3 * len(partner_regions())
    assert counts() == before


def test_an_edited_or_archived_target_is_not_replaced():
    load_indicator_programme()
    edited = target("410000", "recovery_rate", "2025-12-31")
    Target.objects.filter(pk=edited.pk).update(target_value=40, source="河南省自定目标")
    archived = target("410000", "community_coverage_rate", "2023-12-31")
    Target.objects.filter(pk=archived.pk).update(archived_at=dt.datetime.now(dt.UTC))

    load_indicator_programme()

    assert Target.objects.get(pk=edited.pk).target_value == 40
    assert (
        Target.objects.filter(
            region_id="410000", indicator__code="community_coverage_rate", due_date="2023-12-31"
        ).count()
        == 1
    )


def test_a_region_no_longer_paired_gets_no_new_target():
    Pairing.objects.filter(partner_region_id="630000").update(status=Pairing.Status.CONCLUDED)

    load_indicator_programme()

    assert not Target.objects.filter(region_id="630000").exists()


def test_the_command_reports_indicators_and_targets():
    out = StringIO()
    call_command("load_programme", stdout=out)
    call_command("load_programme", stdout=out)

    text = out.getvalue()
    assert f"indicators: 0 created, {len(CATALOGUE)} already there" in text
    assert f"targets: 0 created, {3 * len(partner_regions())} already there" in text
