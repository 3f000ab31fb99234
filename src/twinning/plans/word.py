"""Word export of a work plan (交流协作工作方案), laid out like an official document (公文).

The text runs on A4 portrait pages; the division-of-labour table (任务分解及分工协作一览表)
follows in its own landscape section, with its header row repeated on every page. Everything
is read in a handful of queries, so a plan with 500 tasks stays cheap.
"""

import copy
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from twinning.plans.models import Goal, Phase, Plan, Task

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ORDINALS = "一二三四五六七八九十"
LATIN_FONT = "Times New Roman"
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
SUBTITLE_FONT = "楷体"

A4_SHORT, A4_LONG = Cm(21), Cm(29.7)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
SUBTITLE_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号
LINE = Pt(28)  # fixed line pitch of the body text
INDENT = Pt(32)  # two characters of body text

TITLE_STYLE = "Plan Title"
SUBTITLE_STYLE = "Plan Subtitle"
BODY_STYLE = "Plan Body"
HEADING_STYLE = "Heading 1"  # the built-in one, so Word's navigation pane lists the sections

# Column widths of the landscape table (cm); together they fill the 25.7 cm between margins.
COLUMN_WIDTHS = (1.2, 5.0, 2.2, 2.2, 1.8, 2.8, 1.8, 2.2, 2.2, 1.6, 2.7)
CENTRED_COLUMNS = frozenset({0, 4, 7, 8, 9})
TASK_RELATED = ("owner", "phase", "topic", "body", "parent")


# ---------------------------------------------------------------- language-dependent bits


def _chinese() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


def _ordinal(index: int) -> str:
    """ "一、" … in Chinese, "1. " … otherwise (index from 0)."""
    if not _chinese():
        return f"{index + 1}. "
    n = index + 1
    if n <= 10:
        return f"{ORDINALS[n - 1]}、"
    tens, units = divmod(n, 10)
    return f"{ORDINALS[tens - 1] if tens > 1 else ''}十{ORDINALS[units - 1] if units else ''}、"


def _item(index: int) -> str:
    """ "（1）" in Chinese, "(1) " otherwise (index from 0)."""
    return f"（{index + 1}）" if _chinese() else f"({index + 1}) "


def _list(items: Iterable[str]) -> str:
    return ("、" if _chinese() else ", ").join(items)


def _clauses(items: Iterable[str]) -> str:
    return ("；" if _chinese() else "; ").join(items)


def _date(day: dt.date | None) -> str:
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日" if _chinese() else day.isoformat()


def _span(start: dt.date, end: dt.date) -> str:
    return _("%(start)s至%(end)s") % {"start": _date(start), "end": _date(end)}


def _quantity(value: Decimal, unit: str) -> str:
    """35.0000 and "%" → "35%"; a word unit gets a space in English ("35 t")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if not unit:
        return text
    space = "" if _chinese() or unit == "%" else " "
    return f"{text}{space}{unit}"


# ---------------------------------------------------------------- formatting helpers

# Control characters (other than tab and line breaks) are not allowed in XML; lxml refuses them.
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def _xml_safe(text: str) -> str:
    return text.translate(_CONTROL)


def _set_fonts(element: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts of a style or run, East Asian included; theme fonts would win otherwise."""
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _paragraph_style(
    document: Any,
    name: str,
    *,
    font: str,
    size: Pt,
    bold: bool = False,
    alignment: WD_ALIGN_PARAGRAPH | None = None,
    first_line_indent: Pt | None = None,
    space_after: Pt | None = None,
) -> Any:
    styles = document.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    style.base_style = styles["Normal"]
    _set_fonts(style.element, font)
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.alignment = alignment
    fmt.first_line_indent = first_line_indent
    fmt.space_before = Pt(0)
    fmt.space_after = space_after or Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = max(LINE, Pt(size.pt * 1.3))
    return style


def _setup_styles(document: Any) -> None:
    normal = document.styles["Normal"]
    _set_fonts(normal.element, BODY_FONT)
    normal.font.size = TABLE_SIZE  # table cells use Normal
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _paragraph_style(
        document,
        TITLE_STYLE,
        font=BODY_FONT,
        size=TITLE_SIZE,
        bold=True,
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=Pt(14),
    )
    _paragraph_style(
        document,
        SUBTITLE_STYLE,
        font=SUBTITLE_FONT,
        size=SUBTITLE_SIZE,
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=Pt(14),
    )
    _paragraph_style(
        document,
        BODY_STYLE,
        font=BODY_FONT,
        size=BODY_SIZE,
        alignment=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_indent=INDENT,
    )
    heading = _paragraph_style(
        document, HEADING_STYLE, font=HEADING_FONT, size=BODY_SIZE, first_line_indent=INDENT
    )
    heading.paragraph_format.keep_with_next = True


def _portrait(section: Any) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4_SHORT, A4_LONG
    # The margins of GB/T 9704 (党政机关公文格式).
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _landscape(section: Any) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = A4_LONG, A4_SHORT
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2)


def _page_numbers(section: Any) -> None:
    """ "— 1 —" centred in the footer; later sections inherit it."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def _paragraph(document: Any, text: str, style: str) -> None:
    document.add_paragraph(_xml_safe(text), style=style)


def _body(document: Any, text: str) -> None:
    """One body paragraph per line of `text`, or "（无）" when there is nothing."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines or [_("（无）")]:
        _paragraph(document, line, BODY_STYLE)


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _fill_header(row: Any, values: Iterable[str]) -> None:
    for cell, value in zip(row.cells, values, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(_xml_safe(value))
        run.bold = True
        _set_fonts(run._r, HEADING_FONT)
    _repeat_header(row)


def _prototype_row(table: Any, *, indent: bool) -> Any:
    """A detached empty row (<w:tr>), each cell holding one run with an empty <w:t>.

    Building 500 rows × 11 cells through python-docx's objects takes about half a second;
    copying a finished row and filling in its texts takes a fraction of that.
    """
    row = table.add_row()
    for index, cell in enumerate(row.cells):
        paragraph = cell.paragraphs[0]
        if index in CENTRED_COLUMNS:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif indent and index == 1:
            paragraph.paragraph_format.left_indent = TABLE_SIZE
        text = OxmlElement("w:t")
        text.set(qn("xml:space"), "preserve")
        paragraph.add_run()._r.append(text)
    tr = row._tr
    tr.getparent().remove(tr)
    return tr


def _add_rows(table: Any, rows: Iterable[tuple[list[str], bool]]) -> None:
    plain, indented = _prototype_row(table, indent=False), _prototype_row(table, indent=True)
    tbl = table._tbl
    tag = qn("w:t")
    for values, indent in rows:
        tr = copy.deepcopy(indented if indent else plain)
        for text, value in zip(tr.iter(tag), values, strict=True):
            text.text = _xml_safe(value)
        tbl.append(tr)


# ---------------------------------------------------------------- reading the plan


def _goals(plan: Plan) -> list[Goal]:
    return list(plan.goals.filter(archived_at__isnull=True).order_by("position", "id"))


def _phases(plan: Plan) -> list[Phase]:
    return list(
        plan.phases.filter(archived_at__isnull=True).order_by("position", "start_date", "id")
    )


def _task_rows(plan: Plan) -> list[tuple[str, Task, bool]]:
    """(number shown, task, is sub-task): each live task once, sub-tasks under their parent.

    Top-level tasks keep their own number; sub-tasks are numbered "3.1", "3.2" … under task 3.
    """
    tasks = list(
        plan.tasks.filter(archived_at__isnull=True)
        .select_related(*TASK_RELATED)
        .order_by("position", "number")
    )
    live = {t.pk for t in tasks}
    children: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        if task.parent_id is not None and task.parent_id in live:
            children[task.parent_id].append(task)
    rows: list[tuple[str, Task, bool]] = []
    for task in tasks:
        if task.parent_id is not None and task.parent_id in live:
            continue
        rows.append((str(task.number), task, False))
        for index, child in enumerate(children.get(task.pk, []), start=1):
            rows.append((f"{task.number}.{index}", child, True))
    return rows


# ---------------------------------------------------------------- the document


def _goal_text(goal: Goal) -> str:
    text = goal.text.strip()
    if not goal.is_measurable or goal.target_value is None:
        return text
    parts = [
        _("指标：%(indicator)s") % {"indicator": goal.indicator},
        _("目标值：%(target)s") % {"target": _quantity(goal.target_value, goal.unit)},
    ]
    if goal.due_date is not None:
        parts.append(_("完成时限：%(date)s") % {"date": _date(goal.due_date)})
    return f"{text}（{_clauses(parts)}）" if _chinese() else f"{text} ({_clauses(parts)})"


def _task_table(document: Any, rows: list[tuple[str, Task, bool]]) -> None:
    headers = [
        _("序号"),
        _("任务"),
        _("协作内容"),
        _("阶段"),
        _("责任方"),
        _("责任机构"),
        _("负责人"),
        _("开始日期"),
        _("完成时限"),
        _("状态"),
        _("成果形式"),
    ]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, COLUMN_WIDTHS, strict=True):
        column.width = Cm(width)
    header = table.rows[0]
    for cell, width in zip(header.cells, COLUMN_WIDTHS, strict=True):
        cell.width = Cm(width)
    _fill_header(header, headers)
    _add_rows(
        table,
        (
            (
                [
                    number,
                    task.title,
                    task.topic.name if task.topic else "",
                    task.phase.name if task.phase else "",
                    task.get_side_display(),
                    task.body.name if task.body else "",
                    str(task.owner) if task.owner else "",
                    _date(task.start_date),
                    _date(task.due_date),
                    task.get_status_display(),
                    task.deliverable,
                ],
                is_subtask,
            )
            for number, task, is_subtask in rows
        ),
    )


def plan_document(plan: Plan) -> bytes:
    """The plan as a .docx file, in the active language."""
    document = Document()
    _setup_styles(document)
    first = document.sections[0]
    _portrait(first)
    _page_numbers(first)

    _paragraph(document, plan.title, style=TITLE_STYLE)
    separator = "　" if _chinese() else "  |  "
    _paragraph(
        document,
        separator.join(
            [
                str(plan.pairing),
                _span(plan.period_start, plan.period_end),
                _("第%(version)s版") % {"version": plan.version},
                _("状态：%(status)s") % {"status": plan.get_status_display()},
            ]
        ),
        style=SUBTITLE_STYLE,
    )

    position = 0

    def heading(title: str) -> None:
        nonlocal position
        _paragraph(document, f"{_ordinal(position)}{title}", style=HEADING_STYLE)
        position += 1

    if plan.background.strip():
        heading(_("工作目的"))
        _body(document, plan.background)
    heading(_("工作原则"))
    _body(document, plan.principles)
    heading(_("协作方式"))
    _body(document, _list(plan.method_labels()))
    heading(_("协作内容"))
    _body(document, _list(t.name for t in plan.topics.all()))

    heading(_("工作目标"))
    goals = _goals(plan)
    for index, goal in enumerate(goals):
        _paragraph(document, f"{_item(index)}{_goal_text(goal)}", style=BODY_STYLE)
    if not goals:
        _body(document, "")

    heading(_("阶段安排"))
    phases = _phases(plan)
    for index, phase in enumerate(phases):
        text = f"{_item(index)}{phase.name}"
        dates = _span(phase.start_date, phase.end_date)
        text += f"（{dates}）" if _chinese() else f" ({dates})"
        lines = [line.strip() for line in phase.description.splitlines() if line.strip()]
        if lines:
            text += f"：{lines[0]}" if _chinese() else f": {lines[0]}"
        _paragraph(document, text, style=BODY_STYLE)
        for line in lines[1:]:
            _paragraph(document, line, BODY_STYLE)
    if not phases:
        _body(document, "")

    _landscape(document.add_section(WD_SECTION.NEW_PAGE))
    heading(_("任务分解及分工协作一览表"))
    rows = _task_rows(plan)
    if rows:
        _task_table(document, rows)
    else:
        _body(document, "")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
