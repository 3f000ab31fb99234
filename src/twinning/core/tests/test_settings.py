"""Deployment settings: typed environment readers, and a production start-up that is clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from twinning.config.env import env_bool, env_int, env_list, env_secret, env_str

VAR = "TWINNING_TEST_SETTING"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)
    monkeypatch.delenv(f"{VAR}_FILE", raising=False)


class TestEnvStr:
    def test_a_set_value_is_returned(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(VAR, "value")

        assert env_str(VAR, "default") == "value"

    def test_a_missing_or_empty_value_falls_back_to_the_default(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert env_str(VAR, "default") == "default"
        monkeypatch.setenv(VAR, "")
        assert env_str(VAR, "default") == "default"

    def test_without_a_default_a_missing_value_stops_the_start_up(self) -> None:
        with pytest.raises(ImproperlyConfigured, match=VAR):
            env_str(VAR)


class TestEnvBool:
    @pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on", " yes "])
    def test_yes_words_mean_true(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        monkeypatch.setenv(VAR, value)

        assert env_bool(VAR, default=False) is True

    @pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "off"])
    def test_no_words_mean_false(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        monkeypatch.setenv(VAR, value)

        assert env_bool(VAR, default=True) is False

    def test_a_missing_value_falls_back_to_the_default(self) -> None:
        assert env_bool(VAR, default=True) is True
        assert env_bool(VAR, default=False) is False

    @pytest.mark.parametrize("value", ["maybe", "2", "y", "enabled"])
    def test_anything_else_stops_the_start_up(
        self, monkeypatch: pytest.MonkeyPatch, value: str
    ) -> None:
        monkeypatch.setenv(VAR, value)

        with pytest.raises(ImproperlyConfigured, match=f"{VAR} must be true or false"):
            env_bool(VAR, default=True)


class TestEnvInt:
    def test_a_whole_number_is_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(VAR, " 42 ")

        assert env_int(VAR, 7) == 42

    def test_a_missing_value_falls_back_to_the_default(self) -> None:
        assert env_int(VAR, 7) == 7

    @pytest.mark.parametrize("value", ["4.5", "ten", "1e3"])
    def test_anything_else_stops_the_start_up(
        self, monkeypatch: pytest.MonkeyPatch, value: str
    ) -> None:
        monkeypatch.setenv(VAR, value)

        with pytest.raises(ImproperlyConfigured, match="whole number"):
            env_int(VAR, 7)


class TestEnvList:
    def test_a_comma_separated_value_is_split_and_trimmed(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(VAR, " a.example.org, b.example.org ,,")

        assert env_list(VAR, []) == ["a.example.org", "b.example.org"]

    def test_a_missing_value_falls_back_to_the_default(self) -> None:
        assert env_list(VAR, ["localhost"]) == ["localhost"]


class TestEnvSecret:
    def test_it_reads_the_file_named_by_name_file(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        secret_file = tmp_path / "secret"
        secret_file.write_text("s3cret-from-file\n", encoding="utf-8")
        monkeypatch.setenv(f"{VAR}_FILE", str(secret_file))
        monkeypatch.setenv(VAR, "from-the-environment")

        assert env_secret(VAR) == "s3cret-from-file"

    def test_without_a_file_it_reads_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(VAR, "from-the-environment")

        assert env_secret(VAR) == "from-the-environment"

    def test_without_either_it_uses_the_default_or_stops(self) -> None:
        assert env_secret(VAR, "fallback") == "fallback"
        with pytest.raises(ImproperlyConfigured):
            env_secret(VAR)

    def test_a_file_that_does_not_exist_stops_the_start_up(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv(f"{VAR}_FILE", str(tmp_path / "missing"))

        with pytest.raises(OSError):
            env_secret(VAR)


def run_twinning(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run `twinning ARGS` in a fresh interpreter with production settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINNING_")}
    env.update(DJANGO_SETTINGS_MODULE="twinning.config.settings", **variables)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "twinning.config.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestProductionStartUp:
    def test_the_deployment_checklist_is_clean(self, tmp_path: Path) -> None:
        result = run_twinning(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            TWINNING_DEBUG="false",
            TWINNING_SECRET_KEY=secrets.token_urlsafe(50),
            TWINNING_ALLOWED_HOSTS="twinning.example.org",
            TWINNING_DATA_DIR=str(tmp_path),
        )

        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_without_a_secret_key_and_debug_off_it_refuses_to_start(self, tmp_path: Path) -> None:
        result = run_twinning(
            "check",
            TWINNING_DEBUG="false",
            TWINNING_ALLOWED_HOSTS="twinning.example.org",
            TWINNING_DATA_DIR=str(tmp_path),
        )

        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "TWINNING_SECRET_KEY" in result.stderr

    def test_an_unreadable_debug_flag_refuses_to_start(self, tmp_path: Path) -> None:
        result = run_twinning("check", TWINNING_DEBUG="maybe", TWINNING_DATA_DIR=str(tmp_path))

        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "TWINNING_DEBUG" in result.stderr
