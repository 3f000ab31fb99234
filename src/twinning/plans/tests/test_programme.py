"""The plans' starting data: topics, templates and the plans the 2021 article reports."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from twinning.core.models import AuditEntry
from twinning.pairings.programme_data import SOURCE
from twinning.plans import programme as plans_programme
from twinning.plans import services
from twinning.plans.models import Goal, Phase, Plan, PlanTemplate, Task, Topic
from twinning.plans.programme import load_plans
from twinning.plans.programme_data import PLANS, TEMPLATES, TOPICS

EIGHT_ONES = [
    "成立一个组织",
    "制订一组方案",
    "开展一批调研",
    "完善一套制度",
    "进行一轮交流",
    "修订一套课程",
    "策划一组活动",
    "形成一种模式",
]


def plan_of(pair, leading: str, partner: str) -> Plan:
    return Plan.objects.get(pairing=pair(leading, partner))


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Topic, PlanTemplate, Plan, Goal, Phase, Task, AuditEntry)
    }


def test_the_topics_are_the_article_taxonomy_in_order(programme):
    assert list(Topic.objects.values_list("code", "name")) == TOPICS
    assert Topic.objects.get(code="metered_charging").name == "计价计量收费"


def test_the_three_templates_are_loaded(programme):
    assert list(PlanTemplate.objects.values_list("code", flat=True)) == [
        "eight-ones",
        "three-phases",
        "one-three-five",
    ]
    eight_ones = PlanTemplate.objects.get(code="eight-ones")
    assert [t["title"][:6] for t in eight_ones.tasks] == EIGHT_ONES
    assert all(SOURCE in t.source for t in PlanTemplate.objects.all())


def test_every_reported_pair_has_one_plan_in_force_marked_as_from_the_article(programme):
    plans = Plan.objects.filter(source__contains=SOURCE)
    assert plans.count() == len(PLANS) == 9
    for plan in plans:
        assert (plan.pairing.leading_region_id, plan.pairing.partner_region_id) in PLANS
        assert plan.status == Plan.Status.IN_FORCE
        assert plan.version == 1
        assert plan.leading_signed_by is None and plan.partner_signed_by is None
        assert plan.filed_by is None and plan.created_by is None


def test_qingdao_baicheng_has_the_three_phases_of_the_article(pair):
    plan = plan_of(pair, "370200", "220800")
    phases = [(p.name, p.start_date.year, p.end_date.year) for p in plan.phases.all()]
    assert phases == [("试点阶段", 2021, 2023), ("推广阶段", 2021, 2024), ("总结阶段", 2025, 2025)]
    assert "示范街道" in plan.phases.get(name="试点阶段").description


def test_shanghai_jiangxi_aims_at_a_recycling_rate_of_35_percent(pair):
    plan = plan_of(pair, "310000", "360000")
    goal = plan.goals.get(indicator="生活垃圾回收利用率")
    assert goal.is_measurable
    assert (goal.unit, goal.target_value, goal.due_date) == ("%", Decimal(35), date(2025, 12, 31))
    assert plan.goals.count() == 4
    assert plan.principles == "务求实效、推广经验、扬长避短、因地制宜"
    assert plan_of(pair, "310000", "150000").goals.filter(target_value=35).exists()


def test_hangzhou_hunan_and_jilin_carry_the_eight_ones(pair):
    for partner in ("430000", "220000"):
        plan = plan_of(pair, "330100", partner)
        assert [t.title[:6] for t in plan.tasks.order_by("number")] == EIGHT_ONES


def test_tianjin_henan_has_its_principles_and_methods(pair):
    plan = plan_of(pair, "120000", "410000")
    assert plan.principles.startswith("省级统筹，区市结对")
    assert plan.method_labels() == ["实地调研", "派过去学习", "座谈交流"]
    assert plan.tasks.filter(title__startswith="南开区与许昌市").exists()


def test_shenzhen_sichuan_has_its_methods_goals_and_the_reported_work(pair):
    plan = plan_of(pair, "440300", "510000")
    assert set(plan.method_labels()) == {
        "线上交流",
        "派过去学习",
        "请过来指导",
        "业务培训",
        "民间交流",
    }
    assert plan.goals.count() == 4
    assert plan.tasks.filter(status=Task.Status.IN_PROGRESS, title__contains="泸州").count() == 3


def test_nanning_plans_break_the_five_years_down_by_phase(pair):
    for partner in ("150800", "152900"):
        plan = plan_of(pair, "450100", partner)
        assert [(p.name, str(p.end_date)) for p in plan.phases.all()] == [
            ("一年新变化", "2021-12-31"),
            ("三年中变化", "2023-12-31"),
            ("五年大变化", "2025-12-31"),
        ]
        assert plan.tasks.count() >= 10
        assert not plan.tasks.filter(phase__isnull=True).exists()
        assert "演示" in plan.source


def test_loaded_content_is_consistent(programme):
    for task in Task.objects.select_related("plan", "phase"):
        assert task.progress == Task.STATUS_PROGRESS[Task.Status(task.status)]
        assert task.plan.period_start <= task.start_date <= task.due_date <= task.plan.period_end
        if task.phase:
            assert task.phase.start_date <= task.start_date
            assert task.due_date <= task.phase.end_date
    for phase in Phase.objects.select_related("plan"):
        assert phase.plan.period_start <= phase.start_date <= phase.end_date
        assert phase.end_date <= phase.plan.period_end


def test_each_plan_records_its_creation_and_coming_into_force(pair):
    plan = plan_of(pair, "120000", "410000")
    entries = AuditEntry.objects.filter(target_type="plans.plan", target_id=str(plan.pk))
    assert list(entries.order_by("pk").values_list("action", "actor")) == [
        ("create", None),
        ("transition", None),
    ]


def test_a_second_load_creates_and_changes_nothing(programme):
    before = counts()

    result = load_plans()

    assert result.topics_created == 0
    assert result.templates_created == 0
    assert (result.plans_created, result.plans_existing) == (0, len(PLANS))
    assert result.pairs_missing == []
    assert counts() == before


def test_a_pair_that_already_has_a_plan_keeps_it(pair):
    pairing = pair("120000", "410000")
    Plan.objects.filter(pairing=pairing).update(title="已改名")

    load_plans()

    assert list(Plan.objects.filter(pairing=pairing).values_list("title", flat=True)) == ["已改名"]


def test_an_admins_edits_to_topics_and_templates_survive_a_reload(programme):
    Topic.objects.filter(code="training").update(name="培训")
    PlanTemplate.objects.filter(code="eight-ones").update(tasks=[])

    result = load_plans()

    assert (result.topics_created, result.templates_created) == (0, 0)
    assert Topic.objects.get(code="training").name == "培训"
    assert PlanTemplate.objects.get(code="eight-ones").tasks == []


def test_a_pair_missing_from_the_registry_is_reported_not_created(programme, monkeypatch):
    row = PLANS[("120000", "410000")]
    monkeypatch.setattr(plans_programme, "PLANS", {("990000", "980000"): row})

    result = load_plans()

    assert result.pairs_missing == ["990000–980000"]
    assert result.plans_created == 0


def test_the_command_reports_the_plans(programme):
    out = StringIO()
    call_command("load_programme", stdout=out)
    assert f"plans: 0 created, {len(PLANS)} already there" in out.getvalue()


# ---------------------------------------------------------------- plans from the templates


def template_pk(code: str) -> int:
    return PlanTemplate.objects.get(code=code).pk


def new_plan(tianjin, tianjin_henan, code: str) -> Plan:
    return services.create_plan(
        actor=tianjin,
        pairing_id=tianjin_henan.pk,
        title="天津市与河南省交流协作工作方案（修订稿）",
        period_start=date(2021, 1, 1),
        period_end=date(2025, 12, 31),
        template_id=template_pk(code),
    )


def test_the_three_phases_template_dates_phases_like_qingdao(tianjin, tianjin_henan):
    plan = new_plan(tianjin, tianjin_henan, "three-phases")

    assert [(p.name, p.start_date, p.end_date) for p in plan.phases.all()] == [
        ("试点阶段", date(2021, 1, 1), date(2023, 12, 31)),
        ("推广阶段", date(2021, 1, 1), date(2024, 12, 31)),
        ("总结阶段", date(2025, 1, 1), date(2025, 12, 31)),
    ]
    tasks = list(plan.tasks.select_related("phase", "topic").order_by("number"))
    assert len(tasks) == len(TEMPLATES[1]["tasks"])
    assert all(t.due_date == t.phase.end_date for t in tasks if t.phase)
    assert tasks[-1].phase.name == "总结阶段"
    assert plan.status == Plan.Status.DRAFT and plan.template.code == "three-phases"


def test_the_one_three_five_template_ends_its_phases_after_one_three_and_five_years(
    tianjin, tianjin_henan
):
    plan = new_plan(tianjin, tianjin_henan, "one-three-five")

    assert [(p.name, p.start_date, p.end_date) for p in plan.phases.all()] == [
        ("一年新变化", date(2021, 1, 1), date(2021, 12, 31)),
        ("三年中变化", date(2021, 1, 1), date(2023, 12, 31)),
        ("五年大变化", date(2021, 1, 1), date(2025, 12, 31)),
    ]
    assert {t.phase.name for t in plan.tasks.select_related("phase")} == {
        "一年新变化",
        "三年中变化",
        "五年大变化",
    }
    assert plan.goals.count() == 3


def test_the_eight_ones_template_gives_eight_tasks_spanning_the_plan(tianjin, tianjin_henan):
    plan = new_plan(tianjin, tianjin_henan, "eight-ones")

    assert not plan.phases.exists()
    tasks = list(plan.tasks.select_related("topic").order_by("number"))
    assert [t.title[:6] for t in tasks] == EIGHT_ONES
    assert {t.side for t in tasks} == {"leading", "partner", "joint"}
    assert tasks[3].topic.code == "laws_standards"
    # No phase to date them from: they run for the whole plan until someone dates them.
    assert all(
        (t.start_date, t.due_date) == (plan.period_start, plan.period_end)
        and t.status == Task.Status.NOT_STARTED
        for t in tasks
    )


@pytest.mark.parametrize("code", [row["code"] for row in TEMPLATES])
def test_every_template_is_accepted_by_the_template_service(admin_user, code):
    template = PlanTemplate.objects.get(code=code)
    saved = services.save_template(
        actor=admin_user, values={"name": template.name}, template_id=template.pk
    )
    assert saved.pk == template.pk
