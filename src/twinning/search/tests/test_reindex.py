"""`twinning reindex [--kind K]`: the index rebuilt from the live records, with the count per
kind and the time taken on stdout and a progress bar on stderr."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from twinning.accounts.models import User
from twinning.config.cli import main
from twinning.knowledge.models import Document, ModelCase
from twinning.pairings.models import Pairing
from twinning.search import queries
from twinning.search.models import SearchEntry
from twinning.search.tests.conftest import make_case, make_document, make_exchange, make_problem

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("reindex", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def records(tianjin_henan: Pairing) -> dict[str, object]:
    return {
        "documents": [
            make_document("撤桶并点工作方案", "推行撤桶并点，定时定点投放。"),
            make_document("厨余垃圾处理报告", "厨余垃圾就地处理。"),
        ],
        "case": make_case("许昌市蒲公英计划", approach="蒲公英计划招募志愿者"),
        "problem": make_problem(tianjin_henan, "小区混投怎么办", "居民混投严重，督导不足。"),
        "exchange": make_exchange(tianjin_henan, "赴天津考察分类收运", "考察撤桶并点。"),
    }


def counts() -> dict[str, int]:
    return {
        kind: SearchEntry.objects.filter(kind=kind).count()
        for kind in ("document", "case", "problem", "exchange")
    }


def test_reindex_rebuilds_every_kind_and_prints_counts_and_time(
    records: dict[str, object], henan: User
) -> None:
    SearchEntry.objects.all().delete()
    assert queries.search(henan, "撤桶并点").total == 0

    out, err = run()

    assert counts() == {"document": 2, "case": 1, "problem": 1, "exchange": 1}
    assert re.search(r"^document\s+2$", out, re.M)
    assert re.search(r"^exchange\s+1$", out, re.M)
    assert re.search(r"indexed 5 entries in \d+\.\d s", out)
    assert "5/5 100%" in err
    assert queries.search(henan, "撤桶并点").total == 2  # a document and the exchange


def test_reindex_drops_entries_of_archived_and_deleted_records(
    records: dict[str, object], henan: User
) -> None:
    from django.utils import timezone

    Document.objects.filter(title="厨余垃圾处理报告").update(archived_at=timezone.now())

    run("--no-progress")

    assert counts()["document"] == 1
    assert queries.search(henan, "厨余垃圾").total == 0


def test_reindex_of_one_kind_leaves_the_others(records: dict[str, object]) -> None:
    SearchEntry.objects.filter(kind="exchange").delete()
    ModelCase.objects.update(title="改名后的案例")

    out, _err = run("--kind", "case", "--no-progress")

    assert counts() == {"document": 2, "case": 1, "problem": 1, "exchange": 0}
    assert SearchEntry.objects.get(kind="case").title == "改名后的案例"
    assert out.splitlines()[0].split() == ["case", "1"]


def test_an_unknown_kind_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        run("--kind", "people")


def test_the_twinning_command_runs_it(
    records: dict[str, object], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A command run from the command line closes the connections as it ends: keep the one
    # holding the test's transaction (PostgreSQL) open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    SearchEntry.objects.all().delete()

    main(["twinning", "reindex", "--kind", "document"])

    assert counts()["document"] == 2
    assert "indexed 2 entries" in capsys.readouterr().out
