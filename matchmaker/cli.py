"""The ``matchmaker`` command: a thin typer front end over the core.

Every command takes the global ``--db URL`` before its name::

    matchmaker --db sqlite:///data/matchmaker.db import data/demo

Errors from the core (:class:`matchmaker.errors.MatchmakerError`) are printed as one
message on stderr, with exit status 2 for bad input and 1 for anything else.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated

import typer

from matchmaker.errors import (
    ConfigError,
    DataError,
    MatchmakerError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from matchmaker.store import Store

__all__ = ["app"]

app = typer.Typer(
    help="matchmaker: industry-chain matchmaking recommender.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class _State:
    db: str | None = None


state = _State()


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: MATCHMAKER_DB or sqlite:///data/matchmaker.db)."
        ),
    ] = None,
) -> None:
    """matchmaker: industry-chain matchmaking recommender."""
    state.db = db


def open_store(ready: bool = True) -> Store:
    """The store named by ``--db``; with ``ready``, refuse an uninitialised database."""
    store = Store(state.db)
    if ready:
        store.check_ready()
    return store


def fail(message: str, code: int = 1):
    typer.echo(message, err=True)
    raise typer.Exit(code)


BAD_INPUT = (ConfigError, DataError, NotFoundError, TransitionError)


def handle_errors(func):
    """Turn core errors into one message and an exit status (2: bad input)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            typer.echo(f"refused: {len(exc.problems)} problem(s); nothing was written", err=True)
            raise typer.Exit(2) from None
        except MatchmakerError as exc:
            fail(f"error: {exc}", 2 if isinstance(exc, BAD_INPUT) else 1)

    return wrapper


@app.command()
@handle_errors
def init() -> None:
    """Create the database, or upgrade it to the newest schema."""
    store = open_store(ready=False)
    revision = store.init()
    typer.echo(f"database ready at schema revision {revision}: {store!r}")


@app.command("import")
@handle_errors
def import_(
    path: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx workbook.")],
) -> None:
    """Validate a workspace and import it; on any problem write nothing and exit 2."""
    from matchmaker.ingest import import_workspace

    result = import_workspace(open_store(), path)
    for table, (added, updated) in result.items():
        typer.echo(f"{table}: {added} added, {updated} updated")


@app.command()
@handle_errors
def export(
    path: Annotated[Path, typer.Argument(help="A folder (CSV files) or a path ending in .xlsx.")],
) -> None:
    """Export every table in the workspace format."""
    from matchmaker.ingest import export_workspace

    written = export_workspace(open_store(), path)
    typer.echo(f"exported {sum(written.values())} rows in {len(written)} tables to {path}")


@app.command()
@handle_errors
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only load when the database has no organisations.")
    ] = False,
) -> None:
    """Load the demo workspace (data/demo) into the database; loading twice changes nothing."""
    from matchmaker.demo import DEMO_DIR
    from matchmaker.ingest import import_workspace

    store = open_store()
    if if_empty and store.count("organizations"):
        typer.echo("the database already holds organisations; demo not loaded")
        return
    result = import_workspace(store, DEMO_DIR)
    added = sum(a for a, _ in result.values())
    typer.echo(f"demo workspace loaded: {added} rows added")


def run() -> None:  # pragma: no cover - console entry for `python -m matchmaker`
    sys.exit(app())
