"""Issue 13, items 10 and 11: the audit actor on the command line is who runs it, never
``--by``; two uploaded files with the same name are refused."""

from __future__ import annotations

import getpass

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.followup import deals
from matchmaker.store import accounts as auth

PW = "cli-security-pass-1"
runner = CliRunner()


@pytest.fixture
def two_orgs(sqlite_store):
    sqlite_store.upsert(
        {"organizations": [{"org_id": o, "name": o, "kind": "company"} for o in ("A", "B")]}
    )
    auth.create_user(sqlite_store, "olga", PW, "organiser", actor="setup")
    auth.create_user(sqlite_store, "admin", PW, "admin", actor="setup")
    return sqlite_store


# --- item 10 ------------------------------------------------------------------------------


def test_by_is_a_note_not_the_actor(two_orgs):
    db = ["--db", two_orgs.url]
    me = f"cli:{getpass.getuser()}"
    assert runner.invoke(app, [*db, "deal", "add", "A", "B", "--by", "admin"]).exit_code == 0
    res = runner.invoke(app, [*db, "deal", "advance", "D0001", "--by", "admin", "--note", "NDA"])
    assert res.exit_code == 0, res.output
    assert [(e.actor, e.action) for e in auth.audit_log(two_orgs, action="deal.")] == [
        (me, "deal.advance"),
        (me, "deal.add"),
    ]
    steps = deals.history(two_orgs, "D0001")
    assert [(h.actor, h.note) for h in steps] == [
        (me, "on behalf of admin"),
        (me, "on behalf of admin; NDA"),
    ]
    assert not auth.audit_log(two_orgs, actor="admin", action="deal.")


def test_by_under_user_is_recorded_under_the_signed_in_name(two_orgs, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_PASSWORD", PW)
    db = ["--db", two_orgs.url, "--user", "olga"]
    assert runner.invoke(app, [*db, "deal", "add", "A", "B"]).exit_code == 0
    res = runner.invoke(app, [*db, "deal", "drop", "D0001", "--by", "admin"])
    assert res.exit_code == 0, res.output
    assert auth.audit_log(two_orgs, action="deal.drop")[0].actor == "olga"
    assert deals.history(two_orgs, "D0001")[-1].note == "on behalf of admin"
