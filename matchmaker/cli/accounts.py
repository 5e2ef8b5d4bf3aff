"""The account, audit and backup commands of ``matchmaker`` (registered by
:mod:`matchmaker.cli.app`).

Passwords are never taken as a command-line argument (it would land in the shell's history
and in ``ps``): they are typed at the terminal (hidden, twice) or, for scripts, read from
standard input with ``--password-stdin``. The first admin of ``matchmaker init`` may also come
from ``MATCHMAKER_ADMIN_PASSWORD``.

Whoever runs the command line holds the database itself, so account commands run as the
operator; the audit log names them ``cli:<operating-system user>``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from matchmaker import config
from matchmaker.cli.state import cli_actor, echo, handle_errors, open_store
from matchmaker.errors import DataError
from matchmaker.roles import ROLES
from matchmaker.store import accounts as auth
from matchmaker.store.backup import backup, restore

__all__ = ["app", "ensure_first_admin", "has_terminal", "read_password", "user_app"]

app = typer.Typer()
user_app = typer.Typer(help="Accounts: add, list, disable, enable, unlock, reset a password.")
app.add_typer(user_app, name="user")
_STDIN = typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input."
)


def has_terminal() -> bool:
    """True when standard input is a terminal someone can type a password at."""
    return sys.stdin.isatty()


def read_password(from_stdin: bool, prompt: str) -> str:
    """A password from standard input (``from_stdin``) or typed twice, hidden, at a terminal.

    Raises
    ------
    DataError
        When standard input gives no password, or there is no terminal to type one at.
    """
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise DataError("--password-stdin: standard input held no password")
        return password
    if not has_terminal():
        raise DataError("no terminal to type the password at; pipe it in with --password-stdin")
    return _prompt_new_password(prompt)


def _prompt_new_password(prompt: str, tries: int = 3) -> str:
    """A new password typed twice, hidden; a too short one is asked for again."""
    for _ in range(tries):
        password = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
        try:
            auth.check_password(password)
            return password
        except DataError as exc:
            echo(f"{exc}; try again", err=True)
    raise DataError(f"no acceptable password after {tries} tries")


def ensure_first_admin(store) -> auth.User | None:
    """Create the first admin when the database has no active admin; else None.

    The name is ``MATCHMAKER_ADMIN_USER`` (default ``admin``); the password
    ``MATCHMAKER_ADMIN_PASSWORD``, else typed at the terminal. Without either, a
    :class:`DataError` says what to do instead of waiting for input that cannot come.
    """
    if auth.has_admin(store):
        return None
    name = config.get("admin_user")
    password = config.get("admin_password")
    if not password:
        if not has_terminal():
            env_pw, env_user = config.env_name("admin_password"), config.env_name("admin_user")
            raise DataError(
                "the database has no admin account yet and there is no terminal to type its "
                f"password at: run `matchmaker init` in a terminal, or set {env_pw} (and "
                f"optionally {env_user}, default 'admin') and run it again"
            )
        password = _prompt_new_password(f"password for the first admin {name!r}")
    return auth.create_user(store, name, password, "admin", actor="init")


@user_app.command("add")
@handle_errors
def user_add(
    username: Annotated[str, typer.Argument(help="User name (a-z 0-9 _ . @ -).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    org: Annotated[
        str | None, typer.Option(help="The organisation (org_id) a company user belongs to.")
    ] = None,
    password_stdin: Annotated[bool, _STDIN] = False,
) -> None:
    """Create an account; the password is typed at the terminal or piped in."""
    store = open_store()
    password = read_password(password_stdin, f"password for {username}")
    user = auth.create_user(store, username, password, role, org_id=org, actor=cli_actor())
    where = f" of {user.org_id}" if user.org_id else ""
    echo(f"user {user.username} added: {user.role}{where}")


@user_app.command("list")
@handle_errors
def user_list() -> None:
    """Every account: name, role, organisation, active, disabled or locked (never a
    password)."""
    store = open_store()
    for u in auth.list_users(store):
        until = auth.locked_until(store, u.username)
        state_text = "active" if u.active else "disabled"
        if until is not None:
            state_text += f" (locked until {until:%Y-%m-%d %H:%M} UTC)"
        echo(f"{u.username}\t{u.role}\t{u.org_id or '-'}\t{state_text}")


@user_app.command("disable")
@handle_errors
def user_disable(username: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end."""
    user = auth.set_active(open_store(), username, False, actor=cli_actor())
    echo(f"user {user.username} disabled")


@user_app.command("enable")
@handle_errors
def user_enable(username: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Enable a disabled account again."""
    user = auth.set_active(open_store(), username, True, actor=cli_actor())
    echo(f"user {user.username} enabled")


@user_app.command("unlock")
@handle_errors
def user_unlock(username: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Lift the sign-in lockout of an account (after too many wrong passwords)."""
    user = auth.unlock(open_store(), username, actor=cli_actor())
    echo(f"user {user.username} unlocked")


@user_app.command("reset")
@handle_errors
def user_reset(
    username: Annotated[str, typer.Argument(help="The account.")],
    password_stdin: Annotated[bool, _STDIN] = False,
) -> None:
    """Give an account a new password, typed at the terminal or piped in."""
    store = open_store()
    auth.get_user(store, username)
    password = read_password(password_stdin, f"new password for {username}")
    user = auth.reset_password(store, username, password, actor=cli_actor())
    echo(f"password of {user.username} reset")


@app.command("audit")
@handle_errors
def audit_command(
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only actions starting with this (e.g. user.).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Newest lines shown.")] = 50,
) -> None:
    """Show the audit log, newest first: when (UTC), who, what."""
    for e in auth.audit_log(open_store(), actor=actor, action=action, limit=limit):
        echo(f"{e.at:%Y-%m-%d %H:%M:%S}\t{e.actor}\t{e.action}\t{e.detail or ''}")


@app.command("backup")
@handle_errors
def backup_command(
    path: Annotated[Path, typer.Argument(help="The backup file to write (a .zip).")],
) -> None:
    """Write a consistent snapshot of the tables you may read to one file (mode 0600)."""
    store = open_store()
    counts = backup(store, path, actor=cli_actor())
    echo(f"backed up {sum(counts.values())} rows in {len(counts)} tables to {path}")


@app.command("restore")
@handle_errors
def restore_command(
    path: Annotated[Path, typer.Argument(help="A file written by `matchmaker backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database's contents without asking.")
    ] = False,
) -> None:
    """Replace the database's rows with a checked backup's, in one transaction (admins)."""
    store = open_store()
    if not yes:
        if not has_terminal():
            raise DataError("restore replaces every row of the database: add --yes to confirm")
        typer.confirm(f"replace the rows of {store!r} with {path}?", abort=True)
    counts = restore(store, path, actor=cli_actor())
    echo(f"restored {sum(counts.values())} rows in {len(counts)} tables from {path}")
