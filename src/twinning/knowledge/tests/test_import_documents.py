"""`twinning import-documents DIR --as USER`: every file of a folder through the upload checks,
a progress bar on stderr, a line per file (ok with its text status, failed with the reason),
exit status 1 when any file failed — and a bad file leaves nothing stored."""

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from twinning.accounts.models import User
from twinning.config.cli import main
from twinning.knowledge.models import Document, DocumentVersion, TextStatus, Visibility
from twinning.knowledge.tests import files
from twinning.pairings.models import Pairing
from twinning.search.models import SearchEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_leftover_files() -> Iterator[None]:
    root = Path(settings.MEDIA_ROOT)
    before = {p for p in root.rglob("*") if p.is_file()}
    yield
    for path in {p for p in root.rglob("*") if p.is_file()} - before:
        path.unlink(missing_ok=True)


def stored_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str, CommandError]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_documents", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), raised.value


@pytest.fixture
def good(tmp_path: Path) -> Path:
    folder = tmp_path / "资料"
    folder.mkdir()
    (folder / "天津市生活垃圾管理条例.pdf").write_bytes(
        files.pdf(["第一条 推进撤桶并点。", "第二条 定时定点投放。"])
    )
    (folder / "实施方案.docx").write_bytes(files.docx(["厨余垃圾就地处理。"]))
    (folder / "任务清单.xlsx").write_bytes(files.xlsx())
    (folder / "说明.md").write_bytes("# 说明\n\n蒲公英计划".encode())
    (folder / "照片.png").write_bytes(files.png())
    (folder / "扫描件.pdf").write_bytes(files.scanned_pdf())
    (folder / ".DS_Store").write_bytes(b"\x00\x00")
    return folder


@pytest.fixture
def mixed(good: Path) -> Path:
    (good / "病毒.pdf").write_bytes(files.EXECUTABLE)
    (good / "加密.pdf").write_bytes(files.encrypted_pdf())
    (good / "空文件.txt").write_bytes(b"")
    (good / "脚本.exe").write_bytes(files.EXECUTABLE)
    return good


def test_a_folder_of_good_files_is_imported_with_text_and_a_report(
    good: Path, tianjin: User
) -> None:
    out, err = run(str(good), "--as", "tianjin", "--kind", "regulation")

    documents = {d.title: d for d in Document.objects.all()}
    assert set(documents) == {
        "天津市生活垃圾管理条例",
        "实施方案",
        "任务清单",
        "说明",
        "照片",
        "扫描件",
    }
    assert all(d.kind == "regulation" and d.region_id == "120000" for d in documents.values())
    assert all(d.visibility == Visibility.PROGRAMME for d in documents.values())
    statuses = {v.document.title: v.text_status for v in DocumentVersion.objects.all()}
    assert statuses["天津市生活垃圾管理条例"] == TextStatus.DONE
    assert statuses["照片"] == TextStatus.NOT_TEXT
    assert statuses["扫描件"] == TextStatus.EMPTY
    pdf = documents["天津市生活垃圾管理条例"].versions.get()
    assert pdf.pages == 2 and "撤桶并点" in pdf.text
    # The report: a line per file, in name order; the hidden file is left out.
    lines = out.splitlines()
    assert len([line for line in lines if line.startswith("ok ")]) == 6
    assert any("天津市生活垃圾管理条例.pdf" in line and "已提取文字" in line and "2 页" in line
               for line in lines)  # fmt: skip
    assert any("扫描件.pdf" in line and "可能是扫描件" in line for line in lines)
    assert "导入 6 个，失败 0 个" in out
    assert ".DS_Store" not in out
    # The progress bar went to stderr and reached the end.
    assert "6/6 100%" in err and "[" in err
    # The text is searchable at once.
    assert SearchEntry.objects.filter(kind="document", body__contains="厨余垃圾").exists()


def test_bad_files_are_reported_with_the_reason_and_leave_nothing(
    mixed: Path, tianjin: User
) -> None:
    files_before = stored_files()

    out, err, error = run_failing(str(mixed), "--as", "tianjin")

    assert error.returncode == 1
    assert "4 个文件未能导入" in str(error)
    assert Document.objects.count() == DocumentVersion.objects.count() == 6
    assert "病毒" not in {d.title for d in Document.objects.all()}
    assert len(stored_files() - files_before) == 6  # the good files only
    failed = {line.split()[1]: line for line in out.splitlines() if line.startswith("failed")}
    assert set(failed) == {"病毒.pdf", "加密.pdf", "空文件.txt", "脚本.exe"}
    assert "文件内容与扩展名不符" in failed["病毒.pdf"]
    assert "加密" in failed["加密.pdf"] and "密码" in failed["加密.pdf"]
    assert "空" in failed["空文件.txt"]
    assert "不支持此文件类型" in failed["脚本.exe"]
    assert "导入 6 个，失败 4 个" in out
    assert "10/10" in err


def test_the_cli_exits_with_status_1_when_a_file_failed(
    mixed: Path, tianjin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A command run from the command line closes the connections as it ends: keep the one
    # holding the test's transaction (PostgreSQL) open.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as exited:
        main(["twinning", "import-documents", str(mixed), "--as", "tianjin", "--no-progress"])

    assert exited.value.code == 1


def test_sub_folders_only_with_recursive(good: Path, tianjin: User) -> None:
    inner = good / "二级"
    inner.mkdir()
    (inner / "附件.txt").write_bytes("附件内容：垃圾分类督导".encode())

    run(str(good), "--as", "tianjin", "--no-progress")
    flat = Document.objects.filter(title="附件").exists()
    out, _err = run(str(inner.parent), "--as", "tianjin", "--recursive", "--no-progress")

    assert not flat
    assert Document.objects.filter(title="附件").exists()
    assert "二级/附件.txt" in out


def test_pair_visibility_and_region(good: Path, tianjin: User, tianjin_henan: Pairing) -> None:
    run(
        str(good),
        "--as", "tianjin",
        "--visibility", "pair",
        "--pairing", str(tianjin_henan.pk),
        "--region", "120104",
        "--no-progress",
    )  # fmt: skip

    assert set(Document.objects.values_list("visibility", "pairing_id", "region_id")) == {
        ("pair", tianjin_henan.pk, "120104")
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as", "nobody"], "nobody"),
        (["--as", "henan_expert"], "不能向知识库添加文档"),
        (["--as", "tianjin", "--region", "999999"], "未知的地区"),
        (["--as", "tianjin", "--region", "410000"], "不能为 河南省 添加文档"),
        (["--as", "tianjin", "--visibility", "pair"], "--pairing"),
        (["--as", "tianjin", "--visibility", "pair", "--pairing", "999999"], "不存在"),
        (["--as", "tianjin", "--visibility", "ministry"], "不能设置此可见范围"),
    ],
)
def test_a_user_or_option_that_would_refuse_every_file_stops_at_once(
    good: Path,
    args: list[str],
    message: str,
    tianjin: User,
    henan_expert: User,
) -> None:
    files_before = stored_files()

    out, _err, error = run_failing(str(good), *args)

    assert message in str(error)
    assert out == ""
    assert Document.objects.count() == 0
    assert stored_files() == files_before


def test_a_missing_or_empty_folder_is_an_error(tmp_path: Path, tianjin: User) -> None:
    (tmp_path / "空").mkdir()

    missing = run_failing(str(tmp_path / "没有"), "--as", "tianjin")[2]
    empty = run_failing(str(tmp_path / "空"), "--as", "tianjin")[2]

    assert "文件夹不存在" in str(missing)
    assert "没有文件" in str(empty)
