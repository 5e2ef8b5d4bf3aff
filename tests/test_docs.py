"""The docs stay true: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

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
