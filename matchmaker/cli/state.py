"""What every command of ``matchmaker`` shares: the global options, the store they open, the
actor they act as, and the one way core errors become a message and an exit status.

Command modules (:mod:`matchmaker.cli.workspace`, :mod:`matchmaker.cli.recommend`, ...) import
from here; :mod:`matchmaker.cli.app` fills :data:`state` from the global options and registers
every command module. Nothing here imports a command module.
"""

from __future__ import annotations

import functools
import getpass
import os
import re
import sys

import typer

from matchmaker.errors import (
    AuthError,
    ConfigError,
    DataError,
    InfeasibleError,
    MatchmakerError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from matchmaker.store.access import scoped
from matchmaker.store.accounts import User, authenticate
from matchmaker.store.database import Store, escape_controls

__all__ = [
    "BAD_INPUT",
    "State",
    "cli_actor",
    "echo",
    "fail",
    "handle_errors",
    "open_store",
    "safe",
    "state",
]


class State:
    """The global options of one command line, set by the ``matchmaker`` callback."""

    db: str | None = None
    username: str | None = None  # --user NAME
    user: User | None = None  # the User signed in by open_store, if --user was given
    lang: str = "en"  # --lang, else the lang setting (MATCHMAKER_LANG)


state = State()


def _password() -> str:
    password = os.environ.get("MATCHMAKER_PASSWORD", "")
    if password:
        return password
    if not sys.stdin.isatty():
        raise AuthError(
            f"--user {state.username} needs a password: set MATCHMAKER_PASSWORD or run at a "
            "terminal"
        )
    return typer.prompt(f"password for {state.username}", hide_input=True)


def open_store(ready: bool = True) -> Store:
    """The store named by ``--db``; with ``ready``, refuse an uninitialised database.

    With ``--user NAME`` the user signs in (audited) and the store is their scoped view
    (:func:`matchmaker.store.access.scoped`): every command then sees and does what the role may.
    """
    store = Store(state.db)
    if ready or state.username:
        store.check_ready()
    if state.username:
        state.user = authenticate(store, state.username, _password())
        return scoped(store, state.user)
    return store


# Bidirectional overrides reorder what a terminal shows ("Trojan Source"); escaped too.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def safe(text) -> str:
    """``text`` fit for a terminal: control characters (ESC, BEL, NUL, CR, ...) and
    bidirectional overrides written as escapes; tab and newline kept."""
    text = escape_controls(str(text)).replace("\r", "\\r")
    return _BIDI.sub(lambda m: "\\" + f"u{ord(m.group()):04x}", text)


def echo(text: str = "", err: bool = False) -> None:
    """:func:`typer.echo` of :func:`safe` text: how commands print what the data holds."""
    typer.echo(safe(text), err=err)


def fail(message: str, code: int = 1):
    echo(message, err=True)
    raise typer.Exit(code)


BAD_INPUT = (ConfigError, DataError, InfeasibleError, NotFoundError, TransitionError)


def handle_errors(func):
    """Turn core errors into one message and an exit status (2: bad input)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.shown:
                echo(str(problem), err=True)
            if exc.more:
                echo(f"... and {exc.more:,} more problems", err=True)
            echo(f"refused: {exc.total} problem(s); nothing was written", err=True)
            raise typer.Exit(2) from None
        except MatchmakerError as exc:
            fail(f"error: {exc}", 2 if isinstance(exc, BAD_INPUT) else 1)

    return wrapper


def cli_actor() -> User | str:
    """Who acts at the command line: the user signed in with ``--user`` when there is one
    (account changes then need an admin), else ``cli:<operating-system user>``."""
    user = getattr(state, "user", None)
    if isinstance(user, User):
        return user
    try:
        who = getpass.getuser()
    except Exception:
        who = "unknown"
    return f"cli:{who}"
