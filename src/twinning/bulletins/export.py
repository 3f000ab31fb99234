"""A bulletin as a Word file in official document layout, as PDF, and its tables as Excel.

The Word file follows GB/T 9704 in spirit: the red-head title block (the bulletin's name in
red, large, centred), the issue number, the issuing body and date, a red rule, the title, the
sections under numbered headings (一、（一）1.), tables with header rows, the charts as images,
and page numbers in the footer. Chinese fonts are named as official documents name them
(方正小标宋简体 for titles, 黑体 for headings, 仿宋_GB2312 for the body); a computer without them
substitutes its own Chinese font (LibreOffice uses the installed WenQuanYi / Noto CJK).

The PDF is the Word file converted by LibreOffice (the knowledge base's converter); None when
LibreOffice is missing or fails. The Excel file has one sheet per table and a 明细 sheet with
every record each number counts.
"""

import datetime as dt
import io
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook

from twinning.bulletins import builder, charts, trace
from twinning.bulletins.models import Bulletin, Scope
from twinning.core.documents import PDF_TIMEOUT_SECONDS, docx_to_pdf, soffice_path, xml_text
from twinning.core.spreadsheets import HEADER_FILL
from twinning.knowledge.compile import safe_name

RED = "C00000"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
NUMERALS = "一二三四五六七八九十"
# Text starting with one of these would be a formula in a spreadsheet program.
FORMULA_STARTS = frozenset({"=", "+", "-", "@"})
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(bulletin: Bulletin, extension: str) -> str:
    return f"{safe_name(bulletin.number + bulletin.title, 120)}.{extension}"


def issuing_body(bulletin: Bulletin) -> str:
    """Who issues it: the Ministry's department for the programme, else the scope's own side."""
    if bulletin.scope == Scope.PROVINCE and bulletin.region is not None:
        return _("%(region)s生活垃圾分类“1对1”交流协作工作专班") % {"region": bulletin.region.name}
    if bulletin.scope == Scope.PAIR and bulletin.pairing is not None:
        return _("%(pair)s结对工作专班") % {"pair": bulletin.pairing}
    return _("住房和城乡建设部城市建设司")


def numeral(index: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二 (headings count no further)."""
    if index <= 10:
        return NUMERALS[index - 1]
    return "十" + NUMERALS[index - 11]


def _issue_date(bulletin: Bulletin) -> dt.date:
    from django.utils import timezone

    moment = bulletin.released_at or bulletin.generated_at
    return timezone.localdate(moment)


# ---------------------------------------------------------------- Word


class _Writer:
    """A python-docx document with the bulletin's styles."""

    def __init__(self) -> None:
        import docx
        from docx.shared import Mm

        self.document = docx.Document()
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.document.styles["Normal"]
        self._font(normal.element, BODY_FONT)
        normal.font.size = self._pt(16)
        normal.paragraph_format.line_spacing = self._pt(28)
        self._page_numbers()

    @staticmethod
    def _pt(size: float) -> Any:
        from docx.shared import Pt

        return Pt(size)

    @staticmethod
    def _font(element: Any, east_asian: str) -> None:
        """Name the font for Chinese (eastAsia) and Latin text alike on a run or a style."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        properties = element.get_or_add_rPr()
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            properties.insert(0, fonts)
        fonts.set(qn("w:ascii"), LATIN_FONT)
        fonts.set(qn("w:hAnsi"), LATIN_FONT)
        fonts.set(qn("w:eastAsia"), east_asian)

    def run(
        self,
        paragraph: Any,
        text: str,
        *,
        font: str = BODY_FONT,
        size: float = 16,
        bold: bool = False,
        colour: str | None = None,
    ) -> Any:
        from docx.shared import RGBColor

        run = paragraph.add_run(text)
        self._font(run._r, font)
        run.font.size = self._pt(size)
        run.bold = bold
        if colour:
            run.font.color.rgb = RGBColor.from_string(colour)
        return run

    def paragraph(self, text: str = "", *, align: str = "justify", indent: bool = True,
                  **run_options: Any) -> Any:  # fmt: skip
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph = self.document.add_paragraph()
        paragraph.alignment = {
            "centre": WD_ALIGN_PARAGRAPH.CENTER,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
        if indent:
            paragraph.paragraph_format.first_line_indent = self._pt(32)  # two characters
        if text:
            self.run(paragraph, text, **run_options)
        return paragraph

    def red_rule(self, paragraph: Any) -> None:
        """A red line under the paragraph (the rule under the red head)."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for name, value in (("val", "single"), ("sz", "18"), ("space", "4"), ("color", RED)):
            bottom.set(qn(f"w:{name}"), value)
        borders.append(bottom)
        paragraph._p.get_or_add_pPr().append(borders)

    def right_tab(self, paragraph: Any) -> None:
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.shared import Mm

        paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)

    def _page_numbers(self) -> None:
        """ "— 1 —" centred in the footer: a PAGE field."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        footer = self.document.sections[0].footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.run(footer, "— ", size=14)
        run = self.run(footer, "", size=14)
        for kind, instruction in (("begin", None), (None, "PAGE"), ("separate", None)):
            if kind:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)
            else:
                text = OxmlElement("w:instrText")
                text.set(qn("xml:space"), "preserve")
                text.text = instruction
                run._r.append(text)
        shown = OxmlElement("w:t")
        shown.text = "1"
        run._r.append(shown)
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        run._r.append(end)
        self.run(footer, " —", size=14)

    def heading(self, text: str, level: int) -> None:
        """一、 (黑体) and （一） (楷体) headings as Word headings, so they show in the outline."""
        style = "Heading 1" if level == 1 else "Heading 2"
        paragraph = self.document.add_paragraph(style=style)
        paragraph.paragraph_format.first_line_indent = self._pt(32)
        paragraph.paragraph_format.space_before = self._pt(6)
        paragraph.paragraph_format.space_after = self._pt(0)
        self.run(
            paragraph,
            text,
            font=HEADING_FONT if level == 1 else SUBHEADING_FONT,
            size=16,
            colour="000000",
        )

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, label in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self.run(paragraph, label, font=HEADING_FONT, size=12)
        # Repeat the header row on every page the table runs over.
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(repeat)
        for values in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                paragraph = cell.paragraphs[0]
                numeric = isinstance(value, int | float)
                paragraph.alignment = (
                    WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
                )
                self.run(paragraph, xml_text(str(value)), size=12)
        self.document.add_paragraph()

    def image(self, png: bytes, caption: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(150))
        self.paragraph(caption, align="centre", indent=False, size=12)

    def save(self) -> bytes:
        stream = io.BytesIO()
        self.document.save(stream)
        return stream.getvalue()


def _value(figures: dict[str, Any], key: str) -> int:
    return int(figures.get("numbers", {}).get(key, {}).get("value", 0))


def _red_head(writer: _Writer, bulletin: Bulletin) -> None:
    writer.paragraph(
        _("生活垃圾分类“1对1”交流协作工作简报"),
        align="centre",
        indent=False,
        font=TITLE_FONT,
        size=30,
        colour=RED,
    )
    writer.paragraph(bulletin.number, align="centre", indent=False, size=16)
    line = writer.paragraph(align="left", indent=False)
    writer.right_tab(line)
    writer.run(line, issuing_body(bulletin), size=14)
    writer.run(line, "\t" + date_format(_issue_date(bulletin), "Y年n月j日"), size=14)
    writer.red_rule(line)
    writer.paragraph()
    writer.paragraph(
        xml_text(bulletin.title), align="centre", indent=False, font=TITLE_FONT, size=22
    )
    scope_line = _("（%(scope)s · %(period)s）") % {
        "scope": bulletin.scope_label,
        "period": _period_label(bulletin),
    }
    writer.paragraph(scope_line, align="centre", indent=False, font=SUBHEADING_FONT, size=16)


def _period_label(bulletin: Bulletin) -> str:
    from twinning.bulletins.periods import parse_period

    return parse_period(bulletin.period_code).label


def _body(writer: _Writer, text: str) -> None:
    for line in text.splitlines():
        if line.strip():
            writer.paragraph(xml_text(line.strip()))


def _kind_table(figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = [
        [builder.member_label("exchanges.kind", r["member"]), _value(figures, r["figure"])]
        for r in figures["tables"].get("exchanges_by_kind", [])
    ]
    rows.append([_("合计"), _value(figures, "exchanges.held")])
    return [_("交流方式"), _("次数")], rows


def _month_table(figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = [
        [builder.member_label("exchanges.month", r["member"]), _value(figures, r["figure"])]
        for r in figures["tables"].get("exchanges_by_month", [])
    ]
    return [_("月份"), _("交流活动次数")], rows


def _reporting_table(figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    expected = _value(figures, "reports.expected")
    rows = []
    for state in ("on_time", "late", "missing"):
        value = _value(figures, f"reports.{state}")
        share = f"{value * 100 / expected:.1f}%" if expected else "—"
        rows.append([builder.figure_label(f"reports.{state}"), value, share])
    rows.append([_("应报合计"), expected, "100%" if expected else "—"])
    return [_("报送情况"), _("报表份数"), _("占比")], rows


def _target_table(figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = [
        [builder.member_label("targets.status", r["member"]), _value(figures, r["figure"])]
        for r in figures["tables"].get("targets_by_status", [])
    ]
    rows.append([_("合计"), _value(figures, "targets.total")])
    rows.append(
        [builder.figure_label("targets.forecast_miss"), _value(figures, "targets.forecast_miss")]
    )
    return [_("进展状态"), _("目标数")], rows


def _attention_table(figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    from twinning.health.engine import reason_text
    from twinning.health.models import Level

    names = figures.get("pair_names", {})
    levels = {Level.RED: _("预警"), Level.AMBER: _("关注"), "": _("—")}
    rows = []
    for row in figures.get("attention", []):
        rows.append(
            [
                names.get(str(row["pairing"]), ""),
                str(levels.get(row["level"], row["level"])),
                "；".join(reason_text(r) for r in row["reasons"]),
                "、".join(
                    n["number"] + (_("（逾期）") if n["overdue"] else "") for n in row["notices"]
                ),
            ]
        )
    return [_("结对"), _("健康度"), _("主要原因"), _("督办通知")], rows


def bulletin_docx(bulletin: Bulletin) -> bytes:
    """The bulletin as a .docx (see the module's docstring)."""
    figures = bulletin.figures
    images = {chart.key: chart for chart in charts.charts_for(figures)}
    writer = _Writer()
    writer.document.core_properties.title = xml_text(bulletin.title)
    writer.document.core_properties.author = issuing_body(bulletin)
    _red_head(writer, bulletin)
    # Tables and charts go under the section they belong to, as numbered sub-headings.
    extras: dict[str, list[tuple[str, Any]]] = {
        "exchanges": [
            (_("按交流方式统计"), (_kind_table(figures), images.get("exchanges_by_kind"))),
            (_("按月份统计"), (_month_table(figures), images.get("exchanges_by_month"))),
        ],
        "plans": [
            (_("指标数据报送情况"), (_reporting_table(figures), images.get("reporting"))),
            (_("结对方指标目标进展"), (_target_table(figures), images.get("targets"))),
        ],
        "attention": [(_("需关注结对一览"), (_attention_table(figures), None))],
    }
    for index, section in enumerate(bulletin.sections, start=1):
        writer.heading(f"{numeral(index)}、{_(section['heading'])}", 1)
        _body(writer, section.get("text", ""))
        for sub, (heading, ((header, rows), chart)) in enumerate(
            extras.get(section["key"], []), start=1
        ):
            if not rows:
                continue
            writer.heading(f"（{numeral(sub)}）{heading}", 2)
            writer.table(header, rows)
            if chart is not None:
                writer.image(chart.png, _("图：%(title)s") % {"title": chart.title})
    writer.paragraph()
    writer.paragraph(
        _("（本简报数据由平台根据%(date)s前的记录统计，每个数字均可在平台上追溯到所统计的记录。）")
        % {
            "date": date_format(
                dt.date.fromisoformat(figures.get("as_of", "2000-01-01")), "Y年n月j日"
            )
        },
        size=12,
    )
    return writer.save()


# ---------------------------------------------------------------- PDF


def bulletin_pdf(bulletin: Bulletin, timeout: int = PDF_TIMEOUT_SECONDS) -> bytes | None:
    """The .docx converted by LibreOffice; None without LibreOffice or when it fails."""
    command = soffice_path()
    if command is None:
        return None
    data = bulletin_docx(bulletin)
    return docx_to_pdf(data, label=f"bulletin {bulletin.pk}", command=command, timeout=timeout)


# ---------------------------------------------------------------- Excel


def _cell(sheet: Any, value: Any, *, header: bool = False) -> Any:
    """A cell of a write-only sheet: text stays text (a title starting with "=" is no
    formula), without the control characters Excel refuses."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value if value != "" else None)
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.data_type = "s"
    if header:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    return cell


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A sheet written row by row (write-only: the 明细 sheet runs to tens of thousands of
    rows at national scale), its header row bold and frozen."""
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title[:31])
    for index in range(len(header)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 18 if index else 36
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, label, header=True) for label in header])
    for values in rows:
        sheet.append([_cell(sheet, value) for value in values])


def bulletin_xlsx(bulletin: Bulletin) -> bytes:
    """The tables (one sheet each) and 明细: every record each number counts."""
    figures = bulletin.figures
    workbook = Workbook(write_only=True)
    numbers = figures.get("numbers", {})
    _sheet(
        workbook,
        _("总览"),
        [_("数据项"), _("数值"), _("统计口径键")],
        [[builder.figure_label(key), item["value"], key] for key, item in numbers.items()],
    )
    for title, (header, rows) in (
        (_("按交流方式"), _kind_table(figures)),
        (_("按月份"), _month_table(figures)),
        (_("指标报送"), _reporting_table(figures)),
        (_("目标进展"), _target_table(figures)),
        (_("需关注结对"), _attention_table(figures)),
    ):
        _sheet(workbook, title, header, rows)
    found = trace.load(
        (item["kind"], record_id) for item in numbers.values() for record_id in item["ids"]
    )
    detail = []
    for key, item in numbers.items():
        for record_id in item["ids"]:
            row = found.get((item["kind"], str(record_id)))
            detail.append(
                [
                    builder.figure_label(key),
                    str(builder.KIND_LABELS.get(item["kind"], item["kind"])),
                    str(record_id),
                    row.title if row else _("（记录已不存在）"),
                    row.pair if row else "",
                    row.date.isoformat() if row and row.date else "",
                    trace.absolute(row.url) if row and row.url else "",
                ]
            )
    _sheet(
        workbook,
        _("明细"),
        [_("数据项"), _("记录类型"), _("编号"), _("标题/名称"), _("结对"), _("日期"), _("链接")],
        detail,
    )
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def export(bulletin: Bulletin, fmt: str) -> bytes | None:
    if fmt == "docx":
        return bulletin_docx(bulletin)
    if fmt == "pdf":
        return bulletin_pdf(bulletin)
    return bulletin_xlsx(bulletin)
