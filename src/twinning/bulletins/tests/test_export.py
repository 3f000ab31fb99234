"""The exports: the .docx read back with python-docx (red head, numbered headings, tables,
chart images, page numbers), converted by LibreOffice, the .xlsx with its 明细 sheet, and charts
whose Chinese labels are drawn with a font that has the glyphs."""

import io
import warnings
from typing import Any

import pytest
from matplotlib import font_manager

from twinning.accounts.models import User
from twinning.bulletins import charts, export, services
from twinning.bulletins.models import Bulletin
from twinning.bulletins.tests.factories import Seeded
from twinning.knowledge.compile import soffice_path

pytestmark = pytest.mark.django_db

LABELS = ["请过来指导", "线上会诊", "派过去学习"]


@pytest.fixture
def bulletin(seeded: Seeded, supervisor: User) -> Bulletin:
    from twinning.health.services import recompute

    recompute()
    return services.draft(actor=supervisor, scope="national", period_code="2021H1")


def read_docx(data: bytes) -> Any:
    import docx

    return docx.Document(io.BytesIO(data))


def test_docx_in_official_layout(bulletin: Bulletin) -> None:
    from docx.oxml.ns import qn

    document = read_docx(export.bulletin_docx(bulletin))
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    red_head = paragraphs[0]
    assert red_head.text == "生活垃圾分类“1对1”交流协作工作简报"
    assert str(red_head.runs[0].font.color.rgb) == "C00000"
    assert red_head.runs[0].font.size.pt == 30
    fonts = red_head.runs[0]._r.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert paragraphs[1].text == "2021年第1期"
    issue_line = paragraphs[2]
    assert issue_line.text.startswith("住房和城乡建设部城市建设司\t")
    assert issue_line._p.pPr.find(qn("w:pBdr")) is not None  # the red rule
    assert paragraphs[3].text == bulletin.title
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["一、总体情况", "二、交流协作开展情况", "（一）按交流方式统计"]
    assert "七、下一步工作" in headings
    body = "\n".join(p.text for p in document.paragraphs)
    assert "本期共开展交流活动 7 次，其中" in body
    # Tables with a header row repeated on each page, and the numbers in them.
    kinds = document.tables[0]
    assert [c.text for c in kinds.rows[0].cells] == ["交流方式", "次数"]
    assert kinds.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in kinds.rows[-1].cells] == ["合计", "7"]
    assert len(document.tables) >= 5
    # One image per chart (kinds, months, reporting, targets).
    assert len(document.inline_shapes) == 4
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer


def test_edited_text_goes_into_the_docx(bulletin: Bulletin, supervisor: User) -> None:
    services.update_sections(actor=supervisor, bulletin=bulletin, sections={"next": "加强督导。"})
    bulletin.refresh_from_db()
    texts = [p.text for p in read_docx(export.bulletin_docx(bulletin)).paragraphs]
    assert "加强督导。" in texts


def test_pdf_by_libreoffice(bulletin: Bulletin) -> None:
    if soffice_path() is None:
        pytest.fail("LibreOffice (soffice) is part of the setup; it is missing")
    data = export.bulletin_pdf(bulletin)
    assert data is not None and data.startswith(b"%PDF")
    assert len(data) > 20_000  # text, tables and four images


def test_pdf_unavailable_without_libreoffice(bulletin: Bulletin, monkeypatch: Any) -> None:
    monkeypatch.setattr(export, "soffice_path", lambda: None)
    assert export.bulletin_pdf(bulletin) is None


def test_xlsx_tables_and_every_counted_record(bulletin: Bulletin) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(export.bulletin_xlsx(bulletin)))
    assert workbook.sheetnames == [
        "总览",
        "按交流方式",
        "按月份",
        "指标报送",
        "目标进展",
        "需关注结对",
        "明细",
    ]
    overview = {row[2]: row[1] for row in workbook["总览"].iter_rows(min_row=2, values_only=True)}
    assert overview["exchanges.held"] == 7
    detail = list(workbook["明细"].iter_rows(min_row=2, values_only=True))
    held = [row for row in detail if row[0] == "开展交流活动"]
    assert (
        sorted(int(row[2]) for row in held) == bulletin.figures["numbers"]["exchanges.held"]["ids"]
    )
    assert all(row[1] == "交流活动" and row[6].startswith("http") for row in held)
    missing = [row for row in detail if row[0] == "未报送"]
    assert missing and all("未报送" in row[3] for row in missing)


# ---------------------------------------------------------------- charts


def test_the_chosen_font_has_the_chinese_glyphs() -> None:
    path = charts.cjk_font()
    assert charts.covers(path, "交流活动按方式统计请过来指导线上会诊派过去学习")
    dejavu = font_manager.findfont("DejaVu Sans")
    assert not charts.covers(dejavu, "交流")  # so the check above can fail


def _render(font_path: str | None) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.bar_chart("交流活动按方式统计", LABELS, [3, 5, 2], "次数", font_path=font_path)
    return png, [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_labels_render_without_tofu() -> None:
    from PIL import Image

    png, missing = _render(None)
    assert missing == []
    image = Image.open(io.BytesIO(png)).convert("L")
    # The x labels' band under the bars holds dark pixels: the characters were drawn.
    width, height = image.size
    band = image.crop((0, int(height * 0.86), width, int(height * 0.97)))
    assert sum(1 for p in band.tobytes() if p < 128) > 200
    # Drawn with a font lacking CJK, matplotlib warns of missing glyphs and the image differs.
    tofu, tofu_missing = _render(font_manager.findfont("DejaVu Sans"))
    assert tofu_missing, "DejaVu Sans has no Chinese glyphs: matplotlib must report them missing"
    assert tofu != png


def test_a_missing_cjk_font_is_named(monkeypatch: Any) -> None:
    charts.cjk_font.cache_clear()
    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such Font",))
    try:
        with pytest.raises(charts.NoCjkFont) as caught:
            charts.cjk_font()
        assert "fonts-wqy-microhei" in str(caught.value)
    finally:
        charts.cjk_font.cache_clear()


def test_xlsx_text_is_never_a_formula(seeded: Seeded, supervisor: User, tianjin_henan: Any) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    from twinning.bulletins.tests.factories import exchange

    exchange(tianjin_henan, dt.date(2021, 6, 2), title='=HYPERLINK("http://x","点我")')
    bulletin = services.draft(actor=supervisor, scope="national", period_code="2021H1")
    sheet = load_workbook(io.BytesIO(export.bulletin_xlsx(bulletin)))["明细"]
    cells = [row[3] for row in sheet.iter_rows(min_row=2) if str(row[3].value).startswith("=")]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert sheet.freeze_panes == "A2"
