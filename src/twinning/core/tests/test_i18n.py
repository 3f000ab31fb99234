"""The English catalogue: complete, compiled, current, and chosen only by the language cookie.

The platform is Chinese-first: source strings are Chinese and English comes from
locale/en/LC_MESSAGES/django.po. These tests keep that catalogue whole (every string translated,
placeholders and markup intact), check the compiled .mo matches it, and check that a page and an
API error switch to English only when the user picked English (the language cookie), never
because of the browser's Accept-Language.
"""

import gettext as stdlib_gettext
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from twinning.accounts.models import User

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/twinning
SRC_DIR = PACKAGE_DIR.parent
SITE_TITLE = "Household Waste Sorting One-to-One Collaboration Platform"
CATALOGUE_DIR = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"

# %(name)s, %(count)d … as Python formats them; `{{ n }}` in blocktranslate becomes %(n)s.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Full-width and CJK punctuation (，。：；（）、…) and Chinese-style curly quotes.
CHINESE_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019]")


# --- a tiny .po reader -------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted string: {text!r}"
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> tuple[Entry | None, list[Entry]]:
    """The header entry (msgid "") and the other entries; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()  # a comment after a translation starts the next entry
                target = None
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()  # entries not separated by a blank line
            if current is None:
                current = Entry(msgid="", flags=flags, line=number)
                flags = set()
            if keyword == "msgctxt":
                current.msgctxt = value
                target = ("msgctxt", None)
            elif keyword == "msgid":
                current.msgid = value
                target = ("msgid", None)
            elif keyword == "msgid_plural":
                current.msgid_plural = value
                target = ("msgid_plural", None)
            elif index is not None:
                current.msgstr_plural[int(index)] = value
                target = ("msgstr", int(index))
            else:
                current.msgstr = value
                target = ("msgstr", None)
            continue
        assert line.startswith('"'), f"{path.name}:{number}: unexpected line {raw!r}"
        assert current is not None and target is not None, f"{path.name}:{number}: stray string"
        value = _unquote(line)
        name, index = target
        if name == "msgstr" and index is not None:
            current.msgstr_plural[index] += value
        elif name == "msgstr":
            current.msgstr += value
        elif name == "msgid":
            current.msgid += value
        elif name == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + value
        else:
            current.msgctxt = (current.msgctxt or "") + value
    finish()
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    return header, [e for e in entries if e is not header]


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO_FILE)[1]


def describe(entry: Entry) -> str:
    return f"django.po line {entry.line}: {entry.msgid!r}"


# --- (a) the catalogue is complete and well formed ---------------------------------------------


def test_the_catalogue_has_entries_and_an_english_header() -> None:
    header, entries = parse_po(PO_FILE)
    assert header is not None
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr
    assert len(entries) > 250
    assert len({e.key for e in entries}) == len(entries), "duplicate msgids"


def test_every_string_is_translated_and_none_is_fuzzy(catalogue: list[Entry]) -> None:
    untranslated = [describe(e) for e in catalogue if not all(t.strip() for t in e.translations)]
    fuzzy = [describe(e) for e in catalogue if "fuzzy" in e.flags]
    plural_forms = [describe(e) for e in catalogue if e.msgid_plural and len(e.translations) != 2]
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy:\n" + "\n".join(fuzzy)
    assert not plural_forms, "need msgstr[0] and msgstr[1]:\n" + "\n".join(plural_forms)


def test_placeholders_are_kept(catalogue: list[Entry]) -> None:
    wrong = []
    for entry in catalogue:
        expected = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural is not None:
            expected |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for text in entry.translations:
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{describe(entry)} → {text!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_html_markup_is_kept(catalogue: list[Entry]) -> None:
    wrong = [
        f"{describe(e)} → {t!r}"
        for e in catalogue
        for t in e.translations
        if sorted(HTML_TAG.findall(e.msgid)) != sorted(HTML_TAG.findall(t))
    ]
    assert not wrong, "HTML tags differ:\n" + "\n".join(wrong)


def test_the_english_has_no_chinese_left_in_it(catalogue: list[Entry]) -> None:
    """Chinese may stay only where the msgid has it verbatim: a language's own name, an example."""
    wrong = []
    for entry in catalogue:
        for text in entry.translations:
            leftover = [run for run in CJK.findall(text) if run not in entry.msgid]
            if leftover or (CHINESE_PUNCTUATION.search(text) and text != entry.msgid):
                wrong.append(f"{describe(entry)} → {text!r}")
    assert not wrong, "Chinese text or punctuation in the English:\n" + "\n".join(wrong)


def test_glossary_terms() -> None:
    """The terms fixed by docs/glossary.md, as the UI shows them."""
    expected = {
        "待确认": "Proposed",
        "协作中": "Active",
        "已谢绝": "Declined",
        "已暂停": "Suspended",
        "已结束": "Concluded",
        "省—省": "Province–province",
        "市—省": "City–province",
        "区县—市": "District/county–city",
        "先行方": "Leading side",
        "结对方": "Partner side",
        "领导小组": "Leading group",
        "工作专班": "Task force",
        "重点城市": "Focus cities",
        "对口联络员": "Counterpart",
        "变更记录": "Change history",
        "操作记录": "Change history",
        "简体中文": "简体中文",
        "English": "English",
        "“1对1”交流协作平台": "One-to-One Collaboration Platform",
        "生活垃圾分类“1对1”交流协作平台": SITE_TITLE,
    }
    with translation.override("en"):
        actual = {msgid: gettext(msgid) for msgid in expected}
    assert actual == expected


def test_strings_quoted_in_javascript_have_no_apostrophes() -> None:
    """detail.html puts this one inside confirm('…'): an apostrophe would end the JS string."""
    with translation.override("en"):
        assert "'" not in gettext("确定归档该结对？归档后仍可恢复。")


# --- (b) the compiled catalogue is current -----------------------------------------------------


def test_the_mo_file_matches_the_po_file(catalogue: list[Entry]) -> None:
    """Every translation in the .po is in the .mo as written: run `make messages` after editing."""
    assert MO_FILE.exists(), "django.mo is missing: run `make messages`"
    with MO_FILE.open("rb") as handle:
        compiled = stdlib_gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue:
        lookup = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if compiled.gettext(lookup) != entry.msgstr:
                stale.append(describe(entry))
        else:
            forms = [compiled.ngettext(lookup, entry.msgid_plural, n) for n in (1, 2)]
            if forms != entry.translations:
                stale.append(describe(entry))
    assert not stale, "django.mo is out of date (run `make messages`):\n" + "\n".join(stale)


def test_django_serves_the_english_catalogue() -> None:
    with translation.override("en"):
        assert gettext("结对") == "Pairs"
        assert gettext("待确认") == "Proposed"
        assert gettext("结对不存在。") == "Pair not found."
        assert ngettext("共 %(n)s 个结对", "共 %(n)s 个结对", 1) % {"n": 1} == "1 pair"
        assert ngettext("共 %(n)s 个结对", "共 %(n)s 个结对", 3) % {"n": 3} == "3 pairs"
    with translation.override("zh-hans"):
        assert gettext("结对") == "结对"


# --- (c, d, e) the language follows the cookie, not the browser -------------------------------


def main_nav(html: str) -> str:
    match = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "no main navigation on the page"
    return match.group(1)


def test_a_page_is_english_with_the_language_cookie(
    login: Callable[[User], Client], supervisor: User
) -> None:
    client = login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/pairings/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert SITE_TITLE in html
    nav = main_nav(html)
    assert "Pairs" in nav
    assert "Overview" in nav
    assert "结对" not in nav
    assert "概览" not in nav


def test_a_page_stays_chinese_for_an_english_browser_without_the_cookie(
    login: Callable[[User], Client], supervisor: User
) -> None:
    response = login(supervisor).get("/pairings/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    nav = main_nav(html)
    assert "结对" in nav
    assert "Pairs" not in nav


def test_an_api_error_follows_the_language_cookie(
    api: Callable[[User], Client], supervisor: User
) -> None:
    client = api(supervisor)
    chinese = client.get("/api/v1/pairings/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == 404
    assert chinese.json()["detail"] == "结对不存在。"

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/api/v1/pairings/999999")
    assert english.status_code == 404
    assert english["Content-Type"].startswith("application/problem+json")
    body = english.json()
    assert body["detail"] == "Pair not found."
    assert body["code"] == "not_found"


# --- (f) the catalogue covers every string in the code -----------------------------------------


MAKEMESSAGES_ARGS = [
    "makemessages",
    "-l",
    "en",
    "--no-location",
    "--no-obsolete",
    "-i",
    "*/tests/*",
    "-i",
    "*/programme_data.py",
    "-i",
    "*/demo.py",
]


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt")),
    reason="makemessages needs GNU gettext (xgettext, msgmerge, msgfmt): `make browser-deps`",
)
def test_makemessages_finds_no_new_strings(tmp_path: Path) -> None:
    """Re-extract the strings from a copy of the code: the committed .po must already have them.

    Fails when code gains a translatable string that was not added to the catalogue (or the
    catalogue keeps one the code no longer uses): run `make messages` and translate it.
    """
    copy = tmp_path / "twinning"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    committed_po = PO_FILE.read_bytes()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "twinning.config.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC_DIR), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-m", "django", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert PO_FILE.read_bytes() == committed_po, "makemessages wrote to the real catalogue"

    extracted = {e.key for e in parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")[1]}
    committed = {e.key for e in parse_po(PO_FILE)[1]}
    missing = sorted(str(k) for k in extracted - committed)
    unused = sorted(str(k) for k in committed - extracted)
    assert not missing and not unused, (
        "django.po is out of step with the code; run `make messages` and translate.\n"
        f"Not in django.po: {missing}\nNo longer in the code: {unused}"
    )
