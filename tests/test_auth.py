"""Accounts, sign-in, sessions, the audit log, and the account commands of the CLI."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import AuthError, DataError, NotFoundError, PermissionDenied
from matchmaker.store import accounts as auth

PW = "Tr0ub4dor&3-horse"
runner = CliRunner()


@pytest.fixture
def org_store(store):
    store.upsert({"organizations": [{"org_id": "A1", "name": "Acme", "kind": "company"}]})
    return store


def test_create_and_authenticate(org_store):
    u = auth.create_user(org_store, " Ana ", PW, "company", org_id="A1", actor="setup")
    assert u == auth.User(u.user_id, "ana", "company", "A1", True)
    assert auth.authenticate(org_store, "ANA", PW) == u
    assert auth.get_user(org_store, "ana") == u
    stored = org_store.rows("users")[0]["password_hash"]
    assert stored.startswith("$argon2id$") and PW not in stored


def test_standard_hash_cost_is_the_default(monkeypatch, sqlite_store):
    monkeypatch.delenv("MATCHMAKER_PASSWORD_HASH")
    auth.create_user(sqlite_store, "ana", PW, "organiser")
    assert "$m=65536,t=3,p=4$" in sqlite_store.rows("users")[0]["password_hash"]
    # a cheap test hash is upgraded at the next sign-in under the standard cost
    monkeypatch.setenv("MATCHMAKER_PASSWORD_HASH", "test")
    auth.create_user(sqlite_store, "bo", PW, "organiser")
    monkeypatch.delenv("MATCHMAKER_PASSWORD_HASH")
    auth.authenticate(sqlite_store, "bo", PW)
    assert "$m=65536,t=3,p=4$" in sqlite_store.rows("users", username="bo")[0]["password_hash"]


@pytest.mark.parametrize(
    ("name", "password", "role", "org", "message"),
    [
        ("ana", PW, "boss", None, "role 'boss' is not allowed"),
        ("ana", "short", "organiser", None, "at least 12 characters"),
        ("a b", PW, "organiser", None, "is not allowed"),
        ("", PW, "organiser", None, "is not allowed"),
        ("ana", PW, "company", None, "needs the organisation it belongs to"),
        ("ana", PW, "reviewer", "A1", "only company users"),
    ],
)
def test_create_user_refuses(org_store, name, password, role, org, message):
    with pytest.raises(DataError, match=message):
        auth.create_user(org_store, name, password, role, org_id=org)
    assert org_store.rows("users") == []


def test_company_user_needs_a_known_org(org_store):
    with pytest.raises(NotFoundError):
        auth.create_user(org_store, "ana", PW, "company", org_id="NOPE")


def test_usernames_are_unique(org_store):
    auth.create_user(org_store, "ana", PW, "organiser")
    with pytest.raises(DataError, match="taken"):
        auth.create_user(org_store, "ANA", PW + "x", "reviewer")
    assert len(org_store.rows("users")) == 1


def test_minimum_length_is_a_setting(monkeypatch, sqlite_store):
    monkeypatch.setenv("MATCHMAKER_PASSWORD_MIN_LENGTH", "20")
    with pytest.raises(DataError, match="at least 20"):
        auth.create_user(sqlite_store, "ana", PW, "organiser")


def test_sign_in_failures_look_alike_and_are_audited(org_store):
    auth.create_user(org_store, "ana", PW, "organiser", actor="setup")
    auth.create_user(org_store, "bo", PW, "reviewer", actor="setup")
    auth.set_active(org_store, "bo", False, actor="setup")
    messages = set()
    for name, password in [("ana", PW + "!"), ("nobody", PW), ("bo", PW), ("", "")]:
        with pytest.raises(AuthError) as info:
            auth.authenticate(org_store, name, password)
        messages.add(str(info.value))
    assert messages == {auth.SIGN_IN_FAILED}
    failed = auth.audit_log(org_store, action="sign_in.failed")
    assert [(e.actor, e.detail) for e in failed] == [
        ("?", "unknown name"),
        ("bo", "disabled"),
        ("?", "unknown name"),  # never the name typed: it may be a password
        ("ana", "wrong password"),
    ]
    auth.authenticate(org_store, "ana", PW)
    assert auth.audit_log(org_store, limit=1)[0].action == "sign_in"


def test_disable_enable_reset(org_store):
    auth.create_user(org_store, "ana", PW, "organiser")
    assert auth.set_active(org_store, "ana", False).active is False
    with pytest.raises(AuthError):
        auth.authenticate(org_store, "ana", PW)
    auth.set_active(org_store, "ana", True)
    auth.reset_password(org_store, "ana", "a-new-password-99", actor="root")
    with pytest.raises(AuthError):
        auth.authenticate(org_store, "ana", PW)
    assert auth.authenticate(org_store, "ana", "a-new-password-99").username == "ana"
    actions = [e.action for e in auth.audit_log(org_store, action="user.")]
    assert actions == ["user.reset", "user.enable", "user.disable", "user.add"]
    with pytest.raises(NotFoundError):
        auth.reset_password(org_store, "nobody", PW)


def test_only_admins_manage_accounts(org_store):
    boss = auth.create_user(org_store, "boss", PW, "admin")
    org = auth.create_user(org_store, "org", PW, "organiser", actor=boss)
    with pytest.raises(PermissionDenied):
        auth.create_user(org_store, "eve", PW, "admin", actor=org)
    with pytest.raises(PermissionDenied):
        auth.reset_password(org_store, "boss", "x" * 20, actor=org)
    with pytest.raises(PermissionDenied):
        auth.set_active(org_store, "boss", False, actor=org)
    assert auth.audit_log(org_store, limit=1)[0].actor == "boss"


def test_session_expiry(monkeypatch, org_store):
    monkeypatch.setenv("MATCHMAKER_SESSION_MINUTES", "30")
    user = auth.create_user(org_store, "ana", PW, "organiser")
    t0 = datetime(2026, 1, 1, 9, 0)
    s = auth.start_session(user, now=t0)
    assert s.expires_at == t0 + timedelta(minutes=30) and len(s.token) >= 40
    assert auth.start_session(user, now=t0).token != s.token
    assert auth.check_session(s, now=t0 + timedelta(minutes=29)) == user
    with pytest.raises(AuthError, match="expired"):
        auth.check_session(s, now=t0 + timedelta(minutes=30))
    with pytest.raises(AuthError, match="not signed in"):
        auth.check_session(None)


def test_disabled_account_ends_its_session(org_store):
    user = auth.create_user(org_store, "ana", PW, "organiser")
    s = auth.sign_in(org_store, "ana", PW)
    assert auth.check_session(s, store=org_store) == user
    auth.set_active(org_store, "ana", False)
    with pytest.raises(AuthError, match="disabled"):
        auth.check_session(s, store=org_store)


def test_audit_log_filters(sqlite_store):
    for i in range(5):
        auth.audit(sqlite_store, "ana" if i % 2 else "bo", f"x.{i}", f"d{i}")
    assert [e.action for e in auth.audit_log(sqlite_store, actor="ana")] == ["x.3", "x.1"]
    assert len(auth.audit_log(sqlite_store, limit=2)) == 2
    assert [e.detail for e in auth.audit_log(sqlite_store, action="x.4")] == ["d4"]
    assert auth.audit_log(sqlite_store, since=datetime(2999, 1, 1)) == []


# --- CLI ------------------------------------------------------------------------------


def _db(url):
    return ["--db", url]


def test_init_creates_the_first_admin_once(db_url, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ADMIN_USER", "Root")
    monkeypatch.setenv("MATCHMAKER_ADMIN_PASSWORD", PW)
    done = runner.invoke(app, [*_db(db_url), "init"])
    assert done.exit_code == 0, done.output
    assert "first admin account created: root" in done.output
    again = runner.invoke(app, [*_db(db_url), "init"])
    assert again.exit_code == 0 and "first admin" not in again.output
    from matchmaker.store.database import Store

    store = Store(db_url)
    assert [(u.username, u.role) for u in auth.list_users(store)] == [("root", "admin")]
    assert auth.authenticate(store, "root", PW).role == "admin"
    store.engine.dispose()


def test_init_without_terminal_or_variable_stops(tmp_path, monkeypatch):
    monkeypatch.delenv("MATCHMAKER_ADMIN_PASSWORD")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    done = runner.invoke(app, [*_db(url), "init"])
    assert done.exit_code == 2
    assert "MATCHMAKER_ADMIN_PASSWORD" in done.output and "no admin account" in done.output
    monkeypatch.setenv("MATCHMAKER_ADMIN_PASSWORD", "short")
    assert runner.invoke(app, [*_db(url), "init"]).exit_code == 2
    monkeypatch.setenv("MATCHMAKER_ADMIN_PASSWORD", PW)
    assert runner.invoke(app, [*_db(url), "init"]).exit_code == 0


def test_init_prompts_at_a_terminal(tmp_path, monkeypatch):
    monkeypatch.delenv("MATCHMAKER_ADMIN_PASSWORD")
    monkeypatch.setattr("matchmaker.cli.accounts.has_terminal", lambda: True)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    typed = []
    answers = iter(["too short", PW])
    monkeypatch.setattr(
        "matchmaker.cli.accounts.typer.prompt",
        lambda text, hide_input, confirmation_prompt: (
            typed.append((hide_input, confirmation_prompt)) or next(answers)
        ),
    )
    done = runner.invoke(app, [*_db(url), "init"])
    assert done.exit_code == 0, done.output
    assert "at least 12 characters; try again" in done.output
    assert typed == [(True, True), (True, True)]  # hidden, typed twice; asked again


def test_user_commands(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    url = f"sqlite:///{tmp_path / 'u.db'}"
    db = _db(url)
    outputs = [runner.invoke(app, [*db, "init"])]
    outputs.append(runner.invoke(app, [*db, "import", str(_tiny(tmp_path))]))
    add = [*db, "user", "add", "ana", "--role", "company", "--org", "A1", "--password-stdin"]
    outputs.append(runner.invoke(app, add, input=PW + "\n"))
    assert outputs[-1].exit_code == 0, outputs[-1].output
    # no terminal and no --password-stdin: refused, never waits
    no_pw = runner.invoke(app, [*db, "user", "add", "bo", "--role", "reviewer"])
    assert no_pw.exit_code == 2 and "--password-stdin" in no_pw.output
    again = runner.invoke(app, add, input=PW + "\n")
    assert again.exit_code == 2 and "taken" in again.output
    outputs += [again, runner.invoke(app, [*db, "user", "disable", "ana"])]
    listed = runner.invoke(app, [*db, "user", "list"])
    assert listed.stdout.splitlines() == ["admin\tadmin\t-\tactive", "ana\tcompany\tA1\tdisabled"]
    reset = [*db, "user", "reset", "ana", "--password-stdin"]
    outputs += [listed, runner.invoke(app, reset, input="another-secret-77\n")]
    assert outputs[-1].exit_code == 0
    outputs.append(runner.invoke(app, [*db, "user", "enable", "ana"]))
    log = runner.invoke(app, [*db, "audit", "--action", "user."])
    outputs.append(log)
    actions = [line.split("\t")[2] for line in log.stdout.splitlines()]
    assert actions == ["user.enable", "user.reset", "user.disable", "user.add", "user.add"]
    # no password, clear or otherwise, in any output, log record or the database file
    for secret in (PW, "another-secret-77", "test-Admin-pass-1"):
        assert all(secret not in o.output for o in outputs)
        assert secret not in caplog.text
        assert secret.encode() not in Path(tmp_path / "u.db").read_bytes()
        wal = tmp_path / "u.db-wal"
        assert not wal.exists() or secret.encode() not in wal.read_bytes()


def test_import_and_export_are_audited(tmp_path):
    db = _db(f"sqlite:///{tmp_path / 'a.db'}")
    runner.invoke(app, [*db, "init"])
    assert runner.invoke(app, [*db, "import", str(_tiny(tmp_path))]).exit_code == 0
    assert runner.invoke(app, [*db, "export", str(tmp_path / "out")]).exit_code == 0
    (tmp_path / "ws" / "organizations.csv").write_text("org_id,name,kind\nA1,,nope\n")
    assert runner.invoke(app, [*db, "import", str(tmp_path / "ws")]).exit_code == 2
    log = runner.invoke(app, [*db, "audit"]).stdout.splitlines()
    actions = [line.split("\t")[2] for line in log]
    assert actions == ["import.refused", "export", "import", "user.add"]
    assert log[0].endswith("ws: 2 problem(s)")
    assert log[0].split("\t")[1].startswith("cli:")


def _tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir(exist_ok=True)
    (folder / "organizations.csv").write_text(
        "org_id,name,kind\nA1,Acme,company\nB2,Beta,company\n", encoding="utf-8"
    )
    return folder


def test_passwords_never_reach_the_database_in_clear(store):
    auth.create_user(store, "ana", PW, "organiser")
    with store.engine.connect() as conn:
        dump = repr([tuple(r) for r in conn.execute(sa.text("SELECT * FROM users"))])
        dump += repr([tuple(r) for r in conn.execute(sa.text("SELECT * FROM audit_log"))])
    assert PW not in dump and "ana" in dump


def test_app_uploads_and_downloads_are_audited(org_store):
    from matchmaker.ingest import uploads as views_io
    from matchmaker.store.access import scoped

    ana = auth.create_user(org_store, "ana", PW, "organiser")
    view = scoped(org_store, ana)
    csv = b"org_id,name,kind\nA1,Acme,company\nB2,Beta,company\n"
    views_io.import_files(view, [("organizations.csv", csv)])
    views_io.export_bytes(view, "zip")
    views_io.export_bytes(org_store, "xlsx")
    lines = [(e.actor, e.action) for e in auth.audit_log(org_store, limit=3)]
    assert lines == [("app", "export"), ("ana", "export"), ("ana", "import")]


def test_sign_in_and_session_checks_work_through_a_users_view(org_store):
    from matchmaker.store.access import scoped

    ana = auth.create_user(org_store, "ana", PW, "company", org_id="A1")
    view = scoped(org_store, ana)
    session = auth.sign_in(view, "ana", PW)
    assert auth.check_session(session, store=view) == ana
    with pytest.raises(PermissionDenied):
        auth.list_users(view)  # the view itself still refuses accounts to a company user
