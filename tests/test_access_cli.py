"""The command line with ``--user NAME``: every command runs in that user's scoped view.

Same tiny workspace as tests/test_access.py (A is the company user's organisation, B
another company, U a university; deal D0001 is A-B, D0002 is B-U).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from tests.test_access import PW, WORKSPACE, Words, ws  # noqa: F401 - fixture

runner = CliRunner()


@pytest.fixture
def cli(ws, monkeypatch):  # noqa: F811 - the fixture imported above
    """Run ``matchmaker --db URL --user NAME ...`` as a signed-in user (or the operator);
    the accounts olga, acme (company of A), rita and adam are made by ``ws``."""
    monkeypatch.setenv("MATCHMAKER_PASSWORD", PW)
    monkeypatch.setattr("matchmaker.recommend.embed.load_embedder", lambda *a, **k: Words())

    def run(user, *args, password=None):
        if password is not None:
            monkeypatch.setenv("MATCHMAKER_PASSWORD", password)
        head = ["--db", ws.url] + (["--user", user] if user else [])
        return runner.invoke(app, [*head, *args])

    return run


def _refused(result) -> bool:
    return result.exit_code == 1 and "may not" in result.output


def test_company_user_on_the_command_line(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    for args in (
        ("recommend", "B"),
        ("deal", "show", "D0002"),
        ("deal", "list", "--org", "B"),
        ("deal", "advance", "D0002"),
        ("deal", "add", "B", "U"),
        ("schedule", "request", "E1", "B", "U"),
        ("invite", "E1", "--capacity", "2"),
        ("user", "list"),
    ):
        result = cli("acme", *args)
        assert _refused(result), (args, result.output)
    listed = cli("acme", "deal", "list").output.splitlines()
    assert [line.split("\t")[0] for line in listed[1:]] == ["D0001"]
    assert "stage: intent" in cli("acme", "deal", "show", "D0001").output
    funnel = json.loads(cli("acme", "report", "funnel", "--format", "json").stdout)
    assert (funnel["invited"], funnel["meetings_held"]) == (1, 1)
    out = tmp_path / "out"
    assert cli("acme", "export", str(out)).exit_code == 0
    assert "secret" not in (out / "items.csv").read_text(encoding="utf-8")
    assert "beta.test" not in (out / "organizations.csv").read_text(encoding="utf-8")
    found = json.loads(cli("acme", "recommend", "A", "--format", "json").stdout)
    to_b = [s for s in found if s["partner_id"] == "B" and s["direction"] == "customers"]
    assert to_b and to_b[0]["need_title"] is None and "secret" not in to_b[0]["reason"]
    added = cli("acme", "deal", "add", "A", "U", "--by", "someone-else")
    assert added.exit_code == 0, added.output
    assert "acme: (new) -> intent" in cli(None, "deal", "show", "D0003").output


def test_reviewer_and_sign_in_failures_on_the_command_line(cli, tmp_path):
    listed = cli("rita", "deal", "list").output.splitlines()
    assert [line.split("\t")[0] for line in listed[1:]] == ["D0001", "D0002"]
    for args in (
        ("deal", "advance", "D0001"),
        ("export", str(tmp_path / "x")),
        ("recommend", "A"),
        ("schedule", "requests", "E1"),
    ):
        assert _refused(cli("rita", *args)), args
    wrong = cli("acme", "deal", "list", password="not the password at all")
    assert wrong.exit_code == 1 and "sign-in failed" in wrong.output
    assert "D0001" not in wrong.output
    assert cli(None, "deal", "list").output.count("\n") == 3  # the operator sees both


def test_user_option_without_password_or_terminal_stops(cli, monkeypatch):
    result = cli("acme", "deal", "list", password="")  # and CliRunner's stdin is no terminal
    assert result.exit_code == 1 and "MATCHMAKER_PASSWORD" in result.output
