"""`twinning import-regions FILE`: counts on success, every bad line on failure, no changes."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from twinning.core.models import AuditEntry
from twinning.regions.models import Region

# 河南 comes with the programme's record; the cities below it in these files do not.
pytestmark = pytest.mark.usefixtures("programme")

GOOD = (
    "code,name,level,parent_code\n"
    "410000,河南省,province,\n"
    "410100,郑州市,prefecture,410000\n"
    "410102,中原区,county,410100\n"
)


def regions_snapshot() -> list[dict[str, Any]]:
    return list(Region.objects.order_by("code").values())


def run(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_regions", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "divisions.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_a_good_file_loads_and_prints_the_counts(good_file: Path) -> None:
    entries = AuditEntry.objects.count()

    out, err = run(good_file)

    assert out.strip() == "created 2, updated 0, unchanged 1"
    assert err == ""
    assert Region.objects.get(code="410102").path == "/410000/410100/410102/"
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert entry.actor is None
    assert entry.action == AuditEntry.Action.IMPORT


def test_running_it_twice_leaves_everything_unchanged(good_file: Path) -> None:
    run(good_file)
    before, entries = regions_snapshot(), AuditEntry.objects.count()

    out, _ = run(good_file)

    assert out.strip() == "created 0, updated 0, unchanged 3"
    assert regions_snapshot() == before
    assert AuditEntry.objects.count() == entries


def test_an_edited_file_reports_what_it_updated(good_file: Path, tmp_path: Path) -> None:
    run(good_file)
    edited = tmp_path / "edited.csv"
    edited.write_text(GOOD.replace("中原区", "中原区（新）"), encoding="utf-8")

    out, _ = run(edited)

    assert out.strip() == "created 0, updated 1, unchanged 2"
    assert Region.objects.get(code="410102").name == "中原区（新）"


def test_a_file_may_name_parents_already_in_the_database(tmp_path: Path) -> None:
    more = tmp_path / "more.csv"
    more.write_text("code,name,level,parent_code\n411302,宛城区,county,411300\n", "utf-8")

    out, _ = run(more)

    assert out.strip() == "created 1, updated 0, unchanged 0"
    assert Region.objects.get(code="411302").path == "/410000/411300/411302/"


def test_a_malformed_file_lists_each_bad_line_and_changes_nothing(tmp_path: Path) -> None:
    before, entries = regions_snapshot(), AuditEntry.objects.count()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code\n"
        "410000,豫,province,\n"  # would update
        "410300,洛阳市,prefecture,410000\n"  # would create
        "4104,平顶山市,prefecture,410000\n"  # line 4: code
        "410500,,prefecture,410000\n"  # line 5: name
        "410600,鹤壁市,city,410000\n",  # line 6: level
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_regions", str(bad), stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 4", "line 5", "line 6"]
    assert "6 位数字" in lines[0]
    assert "3 处错误" in str(caught.value)
    assert out.getvalue() == ""
    assert regions_snapshot() == before
    assert AuditEntry.objects.count() == entries


def test_an_unknown_parent_is_reported_with_its_line(tmp_path: Path) -> None:
    before = regions_snapshot()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code\n"
        "410300,洛阳市,prefecture,410000\n"
        "330500,湖州市,prefecture,339999\n",
        encoding="utf-8",
    )
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_regions", str(bad), stdout=StringIO(), stderr=err)

    assert err.getvalue().startswith("line 3: ")
    assert "339999" in err.getvalue()
    assert regions_snapshot() == before


def test_a_file_that_is_not_utf8_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    before, entries = regions_snapshot(), AuditEntry.objects.count()
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("code,name,level,parent_code\n410300,洛阳市,prefecture,410000\n".encode("gbk"))

    with pytest.raises(CommandError) as caught:
        run(gbk)

    assert "gbk.csv" in str(caught.value)
    assert regions_snapshot() == before
    assert AuditEntry.objects.count() == entries


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    before = regions_snapshot()

    with pytest.raises(CommandError) as caught:
        run(tmp_path / "nowhere.csv")

    assert "nowhere.csv" in str(caught.value)
    assert regions_snapshot() == before
