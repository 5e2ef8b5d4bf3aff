"""The docs stay true: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from matchmaker import config
from matchmaker.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _command_paths(command, prefix: str = "matchmaker") -> list[str]:
    # Walk groups by their ``commands`` mapping: typer may carry its own copy of click, so
    # an isinstance check against this environment's click.Group would see no groups.
    subcommands = getattr(command, "commands", None)
    if subcommands:
        paths = []
        for name, sub in subcommands.items():
            paths += _command_paths(sub, f"{prefix} {name}")
        return paths
    return [prefix]


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"`{config.env_name(setting.name)}`" in text


@pytest.mark.parametrize("path", _command_paths(typer.main.get_command(app)))
def test_every_cli_command_is_documented(path):
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert f"## {path}" in text, f"docs/cli.md has no section '## {path}'"


def test_readme_names_the_two_commands():
    text = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text


def test_an_out_of_range_setting_is_an_error_naming_it_and_its_range(monkeypatch):
    from matchmaker import config
    from matchmaker.errors import ConfigError

    monkeypatch.setenv("MATCHMAKER_NOVELTY", "1.5")
    with pytest.raises(ConfigError, match=r"MATCHMAKER_NOVELTY=1.5 .*novelty must be between 0"):
        config.get("novelty")
    monkeypatch.setenv("MATCHMAKER_LANG", "fr")
    with pytest.raises(ConfigError, match="lang must be one of en, zh"):
        config.get("lang")
    with pytest.raises(ConfigError, match=r"diversity=-0.1 is out of range"):
        config.check("diversity", -0.1)
    assert config.check("exposure_cap", 1.0) == 1.0


def test_the_cli_refuses_an_out_of_range_setting_with_exit_2(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHMAKER_NOVELTY", "1.5")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("MATCHMAKER_ADMIN_PASSWORD", "a-Long-enough-pw-1")
    assert CliRunner().invoke(app, ["--db", db, "init"]).exit_code == 0
    result = CliRunner().invoke(app, ["--db", db, "recommend", "X"])
    assert result.exit_code == 2
    assert "novelty must be between 0 and 1" in result.output


def test_the_recommender_takes_its_tuning_as_parameters(sqlite_store):
    from matchmaker.errors import ConfigError
    from matchmaker.recommend.recommender import Recommender

    with pytest.raises(ConfigError, match="novelty=2 is out of range"):
        Recommender(sqlite_store, object(), novelty=2)
