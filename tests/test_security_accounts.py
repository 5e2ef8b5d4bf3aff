"""Issue 13, items 3, 4 and 12: sessions end with a credential change, sign-in lockout,
password rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import AuthError, DataError, PermissionDenied
from matchmaker.roles import now_utc
from matchmaker.store import accounts as auth
from tests.test_app import tiny_db  # noqa: F401 - fixture of app_db
from tests.test_app_roles import PW as APP_PW
from tests.test_app_roles import app_db  # noqa: F401 - fixture

PW = "Tr0ub4dor&3-horse"
NEW_PW = "another long passphrase"
runner = CliRunner()


@pytest.fixture
def users(store):
    auth.create_user(store, "olga", PW, "organiser", actor="setup")
    auth.create_user(store, "adam", PW, "admin", actor="setup")
    return store


# --- item 3: a session ends with a reset, a disable (even when enabled again), a role change


def test_a_password_reset_ends_open_sessions(users):
    session = auth.sign_in(users, "olga", PW)
    assert auth.check_session(session, store=users).username == "olga"
    auth.reset_password(users, "olga", NEW_PW, actor="setup")
    with pytest.raises(AuthError, match="sign in again"):
        auth.check_session(session, store=users)
    fresh = auth.sign_in(users, "olga", NEW_PW)
    assert auth.check_session(fresh, store=users).username == "olga"


def test_disable_then_enable_does_not_bring_old_sessions_back(users):
    session = auth.sign_in(users, "olga", PW)
    auth.set_active(users, "olga", False, actor="setup")
    auth.set_active(users, "olga", True, actor="setup")
    with pytest.raises(AuthError, match="sign in again"):
        auth.check_session(session, store=users)


def test_a_role_change_ends_open_sessions(users):
    session = auth.sign_in(users, "olga", PW)
    auth.set_role(users, "olga", "reviewer", actor="setup")
    with pytest.raises(AuthError, match="sign in again"):
        auth.check_session(session, store=users)
    assert auth.get_user(users, "olga").role == "reviewer"
    assert auth.audit_log(users, action="user.role")[0].detail == "olga role=reviewer"


# --- item 4: lockout after lockout_failures wrong passwords in a row --------------------


def _fail(store, name, n):
    for _ in range(n):
        with pytest.raises(AuthError):
            auth.authenticate(store, name, "wrong password here")


def test_ten_failures_lock_the_account_against_the_right_password_too(users):
    _fail(users, "olga", 9)
    assert auth.authenticate(users, "olga", PW).username == "olga"  # success resets the count
    _fail(users, "olga", 10)
    assert auth.locked_until(users, "olga") is not None
    with pytest.raises(AuthError):
        auth.authenticate(users, "olga", PW)
    locked = auth.audit_log(users, action="sign_in.locked")
    assert [(e.actor, e.detail[:29]) for e in locked] == [("olga", "10 failed sign-ins in a row; ")]
    assert auth.audit_log(users, actor="olga", action="sign_in.failed")[0].detail == "locked"
    assert auth.authenticate(users, "adam", PW).username == "adam"  # others are not locked


def test_the_lock_ends_after_lockout_minutes_and_is_audited(users, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_LOCKOUT_MINUTES", "15")
    _fail(users, "olga", 10)
    until = auth.locked_until(users, "olga")
    assert timedelta(minutes=14) < until - now_utc() <= timedelta(minutes=15)
    user_id = auth.get_user(users, "olga").user_id
    users.update("users", (user_id,), {"locked_until": now_utc() - timedelta(seconds=1)})
    assert auth.authenticate(users, "olga", PW).username == "olga"
    assert auth.audit_log(users, actor="olga", limit=2)[1].action == "sign_in.unlocked"


def test_the_lockout_setting(users, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_LOCKOUT_FAILURES", "3")
    _fail(users, "olga", 3)
    with pytest.raises(AuthError):
        auth.authenticate(users, "olga", PW)


def test_failure_audit_rows_are_rate_limited(users, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_LOCKOUT_FAILURES", "1000")
    _fail(users, "olga", auth.FAILED_AUDIT_PER_MINUTE + 15)
    _fail(users, "nobody", auth.FAILED_AUDIT_PER_MINUTE + 15)
    rows = auth.audit_log(users, action="sign_in.failed")
    assert len(rows) == 2 * auth.FAILED_AUDIT_PER_MINUTE


def test_admin_unlocks(users):
    _fail(users, "olga", 10)
    with pytest.raises(PermissionDenied):
        auth.unlock(users, "olga", actor=auth.get_user(users, "olga"))
    auth.unlock(users, "olga", actor=auth.get_user(users, "adam"))
    assert auth.locked_until(users, "olga") is None
    assert auth.authenticate(users, "olga", PW).username == "olga"
    assert auth.audit_log(users, action="user.unlock")[0].detail == "olga"


def test_cli_user_is_locked_and_unlock_command(users, monkeypatch):
    db = ["--db", users.url]
    monkeypatch.setenv("MATCHMAKER_PASSWORD", "wrong password here")
    for _ in range(10):
        assert runner.invoke(app, [*db, "--user", "olga", "deal", "list"]).exit_code == 1
    monkeypatch.setenv("MATCHMAKER_PASSWORD", PW)
    res = runner.invoke(app, [*db, "--user", "olga", "deal", "list"])
    assert res.exit_code == 1 and "locked" in res.output
    listed = runner.invoke(app, [*db, "user", "list"]).output
    assert "olga\torganiser\t-\tactive (locked until " in listed
    res = runner.invoke(app, [*db, "user", "unlock", "olga"])
    assert res.exit_code == 0 and "user olga unlocked" in res.output
    assert runner.invoke(app, [*db, "--user", "olga", "deal", "list"]).exit_code == 0
    assert runner.invoke(app, [*db, "user", "unlock", "nobody"]).exit_code == 2


# --- item 12: password rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "only spaces"),
        ("\t" * 20, "only spaces"),
        ("a" * 12, "one character repeated"),
        ("x" * 1025, "at most 1,024 characters"),
    ],
)
def test_weak_or_huge_passwords_are_refused(users, password, message):
    with pytest.raises(DataError, match=message):
        auth.create_user(users, "nina", password, "reviewer")
    with pytest.raises(DataError, match=message):
        auth.reset_password(users, "olga", password)
    auth.check_password("ab" * 512)  # 1,024 characters pass


def test_a_huge_password_is_refused_without_hashing(users, monkeypatch):
    calls = []
    real = auth._hasher()

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, stored, password):
            calls.append(len(password))
            return real.verify(stored, password)

    monkeypatch.setattr(auth, "_hasher", Counting)
    with pytest.raises(AuthError):
        auth.authenticate(users, "olga", "p" * 50_000_000)
    assert calls == []
    assert auth.authenticate(users, "olga", PW).username == "olga" and calls == [len(PW)]


def test_sign_in_page_is_locked_too_and_a_reset_signs_the_browser_out(app_db):  # noqa: F811
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP, TIMEOUT, texts

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.text_input(key="signin_user").input("harbour")
    for _ in range(10):
        at.text_input(key="signin_password").input("wrong password, wrong")
        at.button(key="signin_submit").click().run()
    at.text_input(key="signin_password").input(APP_PW)
    at.button(key="signin_submit").click().run()
    assert "Sign-in failed" in at.error[0].value and [t.value for t in at.title] == ["Sign in"]
    assert auth.audit_log(app_db, actor="harbour")[0].detail == "locked"
    auth.unlock(app_db, "harbour")
    at.button(key="signin_submit").click().run()
    assert not at.exception and "Signed in as harbour" in texts(at)
    auth.reset_password(app_db, "harbour", NEW_PW)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and "sign in again" in at.warning[0].value


def test_admin_unlocks_on_the_accounts_page(app_db):  # noqa: F811
    from tests.test_app_roles import signed_in

    _fail(app_db, "harbour", 10)
    at = signed_in(app_db, "adam", "accounts")
    at.selectbox(key="acc_pick").select("harbour").run()
    assert any("Locked after too many failed sign-ins until" in c.value for c in at.caption)
    at.button(key="acc_unlock").click().run()
    assert not at.exception and auth.locked_until(app_db, "harbour") is None
    assert "Account harbour unlocked." in [s.value for s in at.success]
    assert auth.audit_log(app_db, action="user.unlock")[0].actor == "adam"
