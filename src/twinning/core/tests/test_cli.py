"""The `twinning` command: management commands under the project's name, dashes allowed."""

from pathlib import Path

import pytest
from django.db import connections

from twinning.config import cli
from twinning.pairings.models import Pairing
from twinning.regions.models import Region


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The argument lists handed to Django, instead of running the commands."""
    calls: list[list[str]] = []
    monkeypatch.setattr(cli, "execute_from_command_line", calls.append)
    return calls


class TestDispatch:
    @pytest.mark.parametrize(
        ("word", "command"),
        [
            ("load-programme", "load_programme"),
            ("import-regions", "import_regions"),
            ("create-user", "create_user"),
            ("load_programme", "load_programme"),
            ("migrate", "migrate"),
            ("run", "runserver"),
        ],
    )
    def test_a_command_word_is_mapped_to_the_management_command(
        self, dispatched: list[list[str]], word: str, command: str
    ) -> None:
        cli.main(["twinning", word, "--some-option", "file-name.csv"])

        assert dispatched == [["twinning", command, "--some-option", "file-name.csv"]]

    def test_only_the_command_word_is_rewritten(self, dispatched: list[list[str]]) -> None:
        cli.main(["twinning", "import-regions", "my-divisions-2024.csv"])

        assert dispatched[0][2] == "my-divisions-2024.csv"

    @pytest.mark.parametrize("argv", [["twinning"], ["twinning", "--version"], ["twinning", "-h"]])
    def test_options_and_an_empty_command_line_are_passed_on_untouched(
        self, dispatched: list[list[str]], argv: list[str]
    ) -> None:
        cli.main(argv)

        assert dispatched == [argv]

    def test_without_arguments_it_reads_the_process_command_line(
        self, dispatched: list[list[str]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("sys.argv", ["twinning", "create-token", "zhang"])

        cli.main()

        assert dispatched == [["twinning", "create_token", "zhang"]]


@pytest.fixture
def connection_kept_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run from the command line closes the connections when it ends; in a test that
    would close the connection holding the test's transaction (PostgreSQL), so keep it open."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.mark.django_db
@pytest.mark.usefixtures("connection_kept_open")
class TestRunningCommands:
    def test_load_programme_runs_under_its_dashed_name(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        cli.main(["twinning", "load-programme"])

        out = capsys.readouterr().out
        assert out.startswith("regions: ")
        assert "pairs: " in out
        assert Pairing.objects.filter(leading_region="120000", partner_region="410000").exists()
        assert Region.objects.filter(code="660000", official=False).exists()

    def test_load_programme_a_second_time_creates_nothing(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        cli.main(["twinning", "load-programme"])
        capsys.readouterr()
        pairs = Pairing.objects.count()

        cli.main(["twinning", "load-programme"])

        out = capsys.readouterr().out
        assert "regions: 0 created, 0 updated" in out
        assert "pairs: 0 created" in out
        assert Pairing.objects.count() == pairs

    def test_import_regions_runs_under_its_dashed_name(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        cli.main(["twinning", "load-programme"])
        capsys.readouterr()
        divisions = tmp_path / "divisions.csv"
        divisions.write_text(
            "code,name,level,parent_code\n410100,郑州市,prefecture,410000\n", encoding="utf-8"
        )

        cli.main(["twinning", "import-regions", str(divisions)])

        assert capsys.readouterr().out.strip() == "created 1, updated 0, unchanged 0"
        assert Region.objects.get(code="410100").path == "/410000/410100/"
