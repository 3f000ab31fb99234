"""`twinning bulletin`: files written for every format and scope; bad input exits non-zero with a
Chinese message on stderr and writes nothing."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from twinning.accounts.models import User
from twinning.bulletins.models import Bulletin
from twinning.bulletins.tests.factories import Seeded
from twinning.config.cli import main
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("bulletin", *args, stdout=out)
    return out.getvalue()


def test_national_docx(seeded: Seeded, tmp_path: Path) -> None:
    import docx

    target = tmp_path / "bulletin.docx"
    output = run("--period", "2021H1", "--scope", "national", "-o", str(target))
    assert "已写入" in output
    document = docx.Document(str(target))
    assert document.paragraphs[0].text == "生活垃圾分类“1对1”交流协作工作简报"
    assert any("本期共开展交流活动 7 次" in p.text for p in document.paragraphs)
    assert not Bulletin.objects.exists()  # not saved without --save


def test_province_xlsx_and_pair_saved(
    seeded: Seeded, tmp_path: Path, henan: User, tianjin_henan: Pairing
) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "henan.xlsx"
    run("--period", "2021Q2", "--scope", "province:410000", "-o", str(target))
    assert "明细" in load_workbook(target).sheetnames
    saved = tmp_path / "pair.docx"
    output = run("--period", "2021", "--scope", f"pair:{tianjin_henan.pk}", "--as", "henan",
                 "--save", "-o", str(saved))  # fmt: skip
    bulletin = Bulletin.objects.get()
    assert bulletin.created_by == henan and f"编号 {bulletin.pk}" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2021H3"], "期间代码“2021H3”无效"),
        (["--period", "2031"], "尚未开始"),
        (["--period", "2021", "--scope", "city:1"], "范围“city:1”无效"),
        (["--period", "2021", "--scope", "pair:999999"], "结对不存在"),
        (["--period", "2021", "--save"], "--save 需要用 --as 指定起草人"),
        (["--period", "2021", "--as", "nobody"], "用户“nobody”不存在"),
        (["--period", "2021", "--format", "odt"], "invalid choice"),
    ],
)
def test_bad_input_writes_nothing(
    seeded: Seeded, tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "bulletin.docx"
    with pytest.raises((CommandError, SystemExit)) as caught:
        if "--format" in args:  # argparse's own refusal
            main(["twinning", "bulletin", *args, "-o", str(target)])
        else:
            run(*args, "-o", str(target))
    if isinstance(caught.value, CommandError):
        assert message in str(caught.value)
    assert not target.exists()
    assert not Bulletin.objects.exists()


def test_an_outsider_user_cannot_see_the_scope(
    seeded: Seeded, tmp_path: Path, jiangxi: User, tianjin_henan: Pairing
) -> None:
    target = tmp_path / "x.docx"
    with pytest.raises(CommandError, match="结对不存在"):
        run("--period", "2021", "--scope", f"pair:{tianjin_henan.pk}", "--as", "jiangxi",
            "-o", str(target))  # fmt: skip
    assert not target.exists()


def test_exit_code_and_stderr_through_the_twinning_command(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "bulletin.docx"
    with pytest.raises(SystemExit) as caught:
        main(["twinning", "bulletin", "--period", "2021H3", "-o", str(target)])
    assert caught.value.code != 0
    assert "期间代码“2021H3”无效" in capsys.readouterr().err
    assert not target.exists()
