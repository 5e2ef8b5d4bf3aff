"""Issue 13, item 5: control characters are refused by the store (from any page or command),
and what the command line prints is made safe for a terminal."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.cli.state import safe
from matchmaker.errors import DataError
from matchmaker.followup import deals
from matchmaker.ingest.workspace import export_workspace, import_workspace
from matchmaker.store import accounts as auth
from matchmaker.store.access import scoped
from matchmaker.store.database import Store

PW = "text-security-pass-1"
runner = CliRunner()


@pytest.fixture
def two_orgs(store):
    store.upsert(
        {"organizations": [{"org_id": o, "name": o, "kind": "company"} for o in ("A", "B")]}
    )
    auth.create_user(store, "acme", PW, "company", org_id="A", actor="setup")
    return store


@pytest.mark.parametrize(
    ("text", "code"),
    [("\x1b[31mred", "U+001B"), ("ring\x07", "U+0007"), ("nul\x00", "U+0000"),
     ("csi\x9b2J", "U+009B"), ("del\x7f", "U+007F")],
)  # fmt: skip
def test_the_store_refuses_control_characters(two_orgs, text, code):
    company = scoped(two_orgs, auth.get_user(two_orgs, "acme"))
    expected = re.escape(f"deals.title contains the control character {code} at position")
    with pytest.raises(DataError, match=expected):
        deals.add_deal(company, "A", "B", actor="acme", title=text)
    expected = re.escape(f"organizations.name contains the control character {code}")
    with pytest.raises(DataError, match=expected):
        two_orgs.upsert({"organizations": [{"org_id": "C", "name": text, "kind": "company"}]})
    assert two_orgs.count("deals") == 0 and two_orgs.ids("organizations") == {"A", "B"}


def test_tab_and_line_breaks_are_kept(two_orgs, tmp_path):
    d = deals.add_deal(two_orgs, "A", "B", actor="ops", title="two\tcolumns", note="line 1\nline 2")
    assert deals.get_deal(two_orgs, d.deal_id).title == "two\tcolumns"
    export_workspace(two_orgs, tmp_path / "ws")  # still exports and re-imports
    fresh = Store(f"sqlite:///{tmp_path / 'again.db'}")
    fresh.init()
    import_workspace(fresh, tmp_path / "ws")
    assert deals.get_deal(fresh, d.deal_id).title == "two\tcolumns"
    fresh.engine.dispose()


def test_the_cli_refuses_control_characters_with_exit_2(two_orgs):
    res = runner.invoke(
        app, ["--db", two_orgs.url, "deal", "add", "A", "B", "--title", "\x1b[31mred"]
    )
    assert res.exit_code == 2
    assert "deals.title contains the control character U+001B" in res.output
    assert "\x1b" not in res.output and two_orgs.count("deals") == 0


def test_what_the_cli_prints_is_safe_for_a_terminal(two_orgs):
    deals.add_deal(two_orgs, "A", "B", actor="ops", title="plain")
    with two_orgs.transaction() as conn:  # a row written before the store refused them
        conn.execute(
            sa.text("UPDATE deals SET title = :t, note = :n"),
            {"t": "\x1b[31mred\x07\r", "n": "\u202eevil"},
        )
    res = runner.invoke(app, ["--db", two_orgs.url, "deal", "show", "D0001"])
    assert res.exit_code == 0, res.output
    assert "title: \\x1b[31mred\\x07\\r" in res.output
    assert not any(c in res.output for c in "\x1b\x07\r\u202e")
    res = runner.invoke(app, ["--db", two_orgs.url, "user", "unlock", "\x1b[2J"])
    assert res.exit_code == 2 and "\x1b" not in res.output


def test_safe_and_audit_details():
    assert safe("a\x1b[2Jb\tc\nd\x00\u202e") == "a\\x1b[2Jb\tc\nd\\x00\\u202e"


def test_an_audit_line_quoting_control_characters_is_escaped_not_refused(two_orgs):
    auth.audit(two_orgs, "ops", "import", "upload \x1b[2J.xlsx")
    assert auth.audit_log(two_orgs, limit=1)[0].detail == "upload \\x1b[2J.xlsx"


def test_the_app_refuses_control_characters_typed_by_a_company_user(tmp_path, monkeypatch):
    from tests.test_app import WORKSPACE, full_rows
    from tests.test_app_roles import PW as APP_PW
    from tests.test_app_roles import signed_in

    url = f"sqlite:///{tmp_path / 'app.db'}"
    store = Store(url)
    store.init()
    store.upsert(full_rows(WORKSPACE))
    auth.create_user(store, "harbour", APP_PW, "company", "C1", actor="setup")
    monkeypatch.setenv("MATCHMAKER_DB", url)
    monkeypatch.setenv("MATCHMAKER_LANG", "en")
    at = signed_in(store, "harbour", "deals")
    before = store.count("deals")
    at.text_input(key="deals_new_title").input("\x1b[31mred\x07")
    at.button(key="deals_create").click().run()
    assert not at.exception
    assert "contains the control character U+001B" in at.error[0].value.replace("\\", "")
    assert store.count("deals") == before
    store.engine.dispose()
