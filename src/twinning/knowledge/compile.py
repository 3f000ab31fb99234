"""Exporting a compilation (汇编): one Word file, a PDF of it, or a ZIP of the originals.

The Word file has a title page, the preface, a table of contents (a real Word TOC field, filled
in with the documents' titles; Word and LibreOffice refresh it with page numbers) and every
document in order: its title as Heading 1, a line with the issuing body, number and date, and
its extracted text. The PDF is that Word file converted by LibreOffice (`soffice`), when
installed. Pass `actor` to leave out documents the actor may not see (web and API do).
"""

import io
import logging
import re
import zipfile
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# soffice_path is re-exported: the views ask it, and tests replace it here.
from twinning.core.documents import PDF_TIMEOUT_SECONDS, docx_to_pdf, xml_text
from twinning.core.documents import soffice_path as soffice_path
from twinning.knowledge import queries
from twinning.knowledge.models import Compilation, Document, DocumentVersion, TextStatus

logger = logging.getLogger(__name__)

# Characters not allowed in file names on Windows, macOS or Linux, and control characters.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'


def safe_name(text: str, limit: int = 80) -> str:
    """A file name part without path separators or characters file systems refuse."""
    name = _UNSAFE_NAME.sub("_", text or "").strip().strip(".").strip()
    return name[:limit].strip() or _("文档")


def export_filename(compilation: Compilation, extension: str) -> str:
    """The name an export is downloaded under, e.g. "北京市垃圾分类政策文件汇编.docx"."""
    return f"{safe_name(compilation.title, 120)}.{extension}"


def _documents(compilation: Compilation, actor: Any) -> list[Document]:
    """The compilation's live documents in order (only those `actor` may see, if given)."""
    return [
        item.document
        for item in queries.items_of(compilation, actor)
        if not item.document.is_archived
    ]


def _current(document: Document) -> DocumentVersion | None:
    return document.current_version


def metadata_line(document: Document) -> str:
    """ "发文机关：… 文号：… 发布日期：…" with the parts the document has."""
    parts = []
    if document.issuing_body:
        parts.append(_("发文机关：%(v)s") % {"v": document.issuing_body})
    if document.number:
        parts.append(_("文号：%(v)s") % {"v": document.number})
    if document.issued_on:
        parts.append(_("发布日期：%(v)s") % {"v": date_format(document.issued_on, "Y-m-d")})
    if document.effective_on:
        parts.append(_("施行日期：%(v)s") % {"v": date_format(document.effective_on, "Y-m-d")})
    return "　".join(parts)


# ---------------------------------------------------------------- Word


def _toc(document: Any, titles: list[str]) -> None:
    """A TOC field over headings 1–3, its result pre-filled with the titles (no page numbers
    until the reader's word processor updates the field)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def field_char(kind: str) -> Any:
        run = OxmlElement("w:r")
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            char.set(qn("w:dirty"), "true")
        run.append(char)
        return run

    def instruction() -> Any:
        run = OxmlElement("w:r")
        text = OxmlElement("w:instrText")
        text.set(qn("xml:space"), "preserve")
        text.text = TOC_INSTRUCTION
        run.append(text)
        return run

    entries = titles or [_("（右键单击此处并选择“更新域”以生成目录）")]
    paragraphs = [document.add_paragraph() for _entry in entries]
    first, last = paragraphs[0], paragraphs[-1]
    first._p.append(field_char("begin"))
    first._p.append(instruction())
    first._p.append(field_char("separate"))
    for paragraph, entry in zip(paragraphs, entries, strict=True):
        paragraph.add_run(xml_text(entry))
    last._p.append(field_char("end"))
    # Ask Word to refresh fields (the TOC's page numbers) when the file is opened.
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _text_paragraphs(document: Any, version: DocumentVersion | None) -> None:
    if version is None:
        document.add_paragraph(_("（此文档没有文件。）"))
        return
    if version.text_status != TextStatus.DONE or not version.text.strip():
        reason = version.text_error or version.get_text_status_display()
        document.add_paragraph(
            _("（未能收录正文：%(reason)s。原文件见附件“%(name)s”。）")
            % {"reason": str(reason).rstrip("。"), "name": version.original_name}
        )
        return
    markdown = version.extension == "md"
    for line in version.text.splitlines():
        line = xml_text(line).rstrip()
        if not line.strip():
            continue
        heading = _MD_HEADING.match(line.strip()) if markdown else None
        if heading:
            level = min(3, len(heading.group(1)) + 1)
            document.add_heading(heading.group(2), level=level)
        else:
            document.add_paragraph(line.strip())


def compilation_docx(compilation: Compilation, actor: Any = None) -> bytes:
    """The compilation as one .docx: title page, preface, table of contents, every document."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    documents = _documents(compilation, actor)
    word = docx.Document()
    word.core_properties.title = xml_text(compilation.title)
    word.core_properties.author = str(compilation.region or _("住房和城乡建设部"))

    # Title page.
    for _gap in range(6):
        word.add_paragraph()
    title = word.add_paragraph(xml_text(compilation.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle_parts = [str(compilation.region) if compilation.region else ""]
    subtitle_parts.append(date_format(timezone.localdate(), "Y年n月"))
    subtitle = word.add_paragraph("　".join(p for p in subtitle_parts if p))
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Preface.
    if compilation.preface.strip():
        word.add_heading(_("前言"), level=1)
        for line in compilation.preface.splitlines():
            if line.strip():
                word.add_paragraph(xml_text(line.strip()))
        word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Table of contents.
    toc_title = word.add_paragraph(_("目录"), style="Title")
    toc_title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _toc(word, [d.title for d in documents])

    # The documents.
    for document in documents:
        word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        word.add_heading(xml_text(document.title), level=1)
        meta = metadata_line(document)
        if meta:
            word.add_paragraph(xml_text(meta)).alignment = WD_ALIGN_PARAGRAPH.CENTER
        _text_paragraphs(word, _current(document))

    stream = io.BytesIO()
    word.save(stream)
    return stream.getvalue()


# ---------------------------------------------------------------- PDF


def compilation_pdf(
    compilation: Compilation, actor: Any = None, timeout: int = PDF_TIMEOUT_SECONDS
) -> bytes | None:
    """The .docx converted to PDF by LibreOffice; None if LibreOffice is not installed or the
    conversion fails (the reason is logged)."""
    command = soffice_path()
    if command is None:
        return None
    data = compilation_docx(compilation, actor)
    return docx_to_pdf(
        data, label=f"compilation {compilation.pk}", command=command, timeout=timeout
    )


# ---------------------------------------------------------------- ZIP


def zip_member_names(documents: list[Document]) -> list[tuple[Document, DocumentVersion, str]]:
    """Each document with a file, its current version and its numbered name in the ZIP."""
    width = max(2, len(str(len(documents))))
    members = []
    for number, document in enumerate(documents, start=1):
        version = _current(document)
        if version is None:
            continue
        name = f"{number:0{width}d}-{safe_name(document.title)}.{version.extension}"
        members.append((document, version, name))
    return members


def compilation_zip(compilation: Compilation, actor: Any = None) -> bytes:
    """A ZIP of the current versions' original files, named "01-标题.pdf" in the compilation's
    order. A file missing from storage is skipped and named in "缺失文件.txt"."""
    stream = io.BytesIO()
    missing: list[str] = []
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for _document, version, name in zip_member_names(_documents(compilation, actor)):
            try:
                with version.file.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except OSError:
                logger.warning("File of version %s is missing", version.pk)
                missing.append(name)
        if missing:
            archive.writestr(_("缺失文件.txt"), "\n".join(missing).encode("utf-8"))
    return stream.getvalue()
