"""The plan as a Word document (公文风格): sections, goals, the landscape task table."""

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal
from typing import Any

import docx
import pytest
from django.utils import translation
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from twinning.accounts.models import User
from twinning.pairings.models import Pairing
from twinning.plans import services, tasks
from twinning.plans.models import Plan, Task, Topic
from twinning.plans.word import plan_document

CHINESE_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")
HEADERS = [
    "序号",
    "任务",
    "协作内容",
    "阶段",
    "责任方",
    "责任机构",
    "负责人",
    "开始日期",
    "完成时限",
    "状态",
    "成果形式",
]


@pytest.fixture
def topic(db: None) -> Topic:
    """The programme's 法规标准 topic, created if the starting record did not bring it."""
    return Topic.objects.filter(name="法规标准").first() or Topic.objects.create(
        code="policy", name="法规标准"
    )


@pytest.fixture
def plan(tianjin_henan: Pairing, tianjin: User, topic: Topic) -> Plan:
    plan = services.create_plan(
        actor=None,
        pairing_id=tianjin_henan.pk,
        title="天津市—河南省生活垃圾分类交流协作工作方案",
        period_start=dt.date(2021, 3, 1),
        period_end=dt.date(2025, 12, 31),
        principles="政府推动、全民参与。\n因地制宜、循序渐进。",
        methods=["training", "field_research"],
        topic_codes=[topic.code],
    )
    services.add_goal(
        actor=tianjin,
        plan_id=plan.pk,
        values={
            "text": "提高生活垃圾回收利用率",
            "indicator": "回收利用率",
            "unit": "%",
            "target_value": Decimal("35"),
            "due_date": dt.date(2025, 12, 31),
        },
    )
    services.add_goal(actor=tianjin, plan_id=plan.pk, values={"text": "建立长效机制"})
    services.add_phase(
        actor=tianjin,
        plan_id=plan.pk,
        values={
            "name": "试点阶段",
            "start_date": dt.date(2021, 3, 1),
            "end_date": dt.date(2022, 12, 31),
            "description": "选取试点街道。",
        },
    )
    return plan


def add(actor: User, plan: Plan, title: str, **values: Any) -> Task:
    return tasks.add_task(
        actor=actor,
        plan_id=plan.pk,
        values={"title": title, "side": "joint", "due_date": dt.date(2022, 6, 30), **values},
    )


def read(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def headings(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def texts(document: Any) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def table_rows(document: Any) -> list[list[str]]:
    assert len(document.tables) == 1
    return [[cell.text for cell in row.cells] for row in document.tables[0].rows]


@pytest.mark.django_db
def test_title_subtitle_and_sections_in_order(plan: Plan) -> None:
    document = read(plan_document(plan))

    assert document.paragraphs[0].text == "天津市—河南省生活垃圾分类交流协作工作方案"
    subtitle = document.paragraphs[1].text
    assert "天津市—河南省" in subtitle
    assert "2021年3月1日至2025年12月31日" in subtitle
    assert "第1版" in subtitle
    assert "草稿" in subtitle
    # No background: numbering starts at 工作原则 and stays continuous.
    assert headings(document) == [
        "一、工作原则",
        "二、协作方式",
        "三、协作内容",
        "四、工作目标",
        "五、阶段安排",
        "六、任务分解及分工协作一览表",
    ]
    body = texts(document)
    assert "政府推动、全民参与。" in body
    assert "因地制宜、循序渐进。" in body
    assert "业务培训、实地调研" in body
    assert "法规标准" in body
    assert "（1）试点阶段（2021年3月1日至2022年12月31日）：选取试点街道。" in body


@pytest.mark.django_db
def test_background_comes_first_when_present(plan: Plan) -> None:
    Plan.objects.filter(pk=plan.pk).update(background="学习先进经验。")
    plan.refresh_from_db()

    document = read(plan_document(plan))

    assert headings(document)[:2] == ["一、工作目的", "二、工作原则"]
    assert headings(document)[-1] == "七、任务分解及分工协作一览表"
    assert "学习先进经验。" in texts(document)


@pytest.mark.django_db
def test_measurable_goal_shows_indicator_target_and_date(plan: Plan) -> None:
    body = texts(read(plan_document(plan)))

    assert (
        "（1）提高生活垃圾回收利用率（指标：回收利用率；目标值：35%；完成时限：2025年12月31日）"
        in body
    )
    assert "（2）建立长效机制\n" in body


@pytest.mark.django_db
def test_empty_sections_say_none(tianjin_henan: Pairing) -> None:
    plan = services.create_plan(
        actor=None,
        pairing_id=tianjin_henan.pk,
        title="空方案",
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2021, 12, 31),
    )

    document = read(plan_document(plan))

    assert len(headings(document)) == 6
    assert [p.text for p in document.paragraphs].count("（无）") == 6
    assert document.tables == []


@pytest.mark.django_db
def test_task_table_has_a_row_per_live_task_with_subtasks(plan: Plan, tianjin: User) -> None:
    first = add(tianjin, plan, "制定分类投放标准", deliverable="标准文本")
    add(tianjin, plan, "开展业务培训", start_date=dt.date(2021, 5, 1))
    gone = add(tianjin, plan, "已取消的调研")
    add(tianjin, plan, "培训区级骨干", parent=first.number)
    tasks.archive_task(actor=tianjin, task_id=gone.pk)

    rows = table_rows(read(plan_document(plan)))

    assert rows[0] == HEADERS
    assert len(rows) == 1 + 3
    assert [row[:2] for row in rows[1:]] == [
        ["1", "制定分类投放标准"],
        ["1.1", "培训区级骨干"],
        ["2", "开展业务培训"],
    ]
    assert all("已取消的调研" not in row for row in rows)
    assert rows[1][4] == "双方共同"
    assert rows[1][8] == "2022年6月30日"
    assert rows[1][9] == "未开始"
    assert rows[1][10] == "标准文本"
    assert rows[3][7] == "2021年5月1日"


@pytest.mark.django_db
def test_table_is_in_a_landscape_section_with_a_repeated_header(plan: Plan, tianjin: User) -> None:
    add(tianjin, plan, "制定分类投放标准")

    document = read(plan_document(plan))

    portrait, landscape = document.sections
    assert portrait.orientation == WD_ORIENT.PORTRAIT
    assert portrait.page_width < portrait.page_height
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert landscape.page_width > landscape.page_height
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    header = table.rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None


@pytest.mark.django_db
def test_fonts_name_east_asian_faces(plan: Plan) -> None:
    document = read(plan_document(plan))

    def east_asia(style: str) -> str | None:
        fonts = document.styles[style].element.rPr.rFonts
        return fonts.get(qn("w:eastAsia"))  # type: ignore[no-any-return]

    assert east_asia("Normal") == "宋体"
    assert east_asia("Heading 1") == "黑体"


@pytest.mark.django_db
def test_english_uses_arabic_ordinals_and_iso_dates(plan: Plan, tianjin: User) -> None:
    add(tianjin, plan, "制定分类投放标准")

    with translation.override("en"):
        document = read(plan_document(plan))

    titles = headings(document)
    assert len(titles) == 6
    assert [t.split(" ", 1)[0] for t in titles] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert not any(CHINESE_ORDINAL.match(t) for t in titles)
    assert "2021-03-01" in document.paragraphs[1].text
    assert table_rows(document)[1][8] == "2022-06-30"
    assert "(1) " in texts(document)


@pytest.mark.django_db
def test_500_tasks_in_a_few_queries(
    plan: Plan, topic: Topic, django_assert_max_num_queries: Any
) -> None:
    phase = plan.phases.get()
    parents = Task.objects.bulk_create(
        Task(plan=plan, number=n, position=n, title=f"任务{n}", phase=phase, topic=topic)
        for n in range(1, 251)
    )
    Task.objects.bulk_create(
        Task(plan=plan, number=250 + n, position=250 + n, title=f"子任务{n}", parent=p)
        for n, p in enumerate(parents, start=1)
    )
    plan = Plan.objects.select_related("pairing__leading_region", "pairing__partner_region").get(
        pk=plan.pk
    )

    with django_assert_max_num_queries(6):
        data = plan_document(plan)

    rows = table_rows(read(data))
    assert len(rows) == 1 + 500
    assert rows[1][:2] == ["1", "任务1"]
    assert rows[2][:2] == ["1.1", "子任务1"]


@pytest.mark.django_db
def test_libreoffice_converts_it_to_pdf(plan: Plan, tianjin: User, tmp_path: Any) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed")
    add(tianjin, plan, "制定分类投放标准")
    source = tmp_path / "plan.docx"
    source.write_bytes(plan_document(plan))

    result = subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "plan.pdf"
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")
