"""Workspace commands: ``init``, ``import``, ``export`` and ``demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matchmaker import config
from matchmaker.cli.accounts import ensure_first_admin
from matchmaker.cli.embeddings import ENGINE_HELP, prepare
from matchmaker.cli.state import cli_actor, handle_errors, open_store, state
from matchmaker.demo.generate import demo_dir
from matchmaker.ingest.uploads import import_audited, load_demo
from matchmaker.ingest.workspace import export_workspace
from matchmaker.recommend.engine import check_engine
from matchmaker.store.accounts import audit

__all__ = ["DEMO_LABEL", "app"]

DEMO_LABEL = {"en": "demo workspace", "zh": "Chinese demo workspace"}  # as the audit log says

app = typer.Typer()


@app.command()
@handle_errors
def init() -> None:
    """Create the database, or upgrade it to the newest schema; create the first admin.

    With no admin account yet, its password is MATCHMAKER_ADMIN_PASSWORD or typed at the
    terminal (name: MATCHMAKER_ADMIN_USER, default admin); with neither, init stops (exit 2).
    """
    store = open_store(ready=False)
    revision = store.init()
    typer.echo(f"database ready at schema revision {revision}: {store!r}")
    admin = ensure_first_admin(store)
    if admin is not None:
        typer.echo(f"first admin account created: {admin.username}")


@app.command("import")
@handle_errors
def import_(
    path: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx workbook.")],
    engine: Annotated[str, typer.Option("--engine", help=ENGINE_HELP)] = "local",
) -> None:
    """Validate a workspace and import it; on any problem write nothing and exit 2.

    Then (setting prepare_on_import) embed its new texts and save the recommender's fitted
    parts, so the first suggestions need no waiting.
    """
    check_engine(engine)
    store = open_store()
    result = import_audited(store, path, cli_actor())
    for table, (added, updated) in result.items():
        typer.echo(f"{table}: {added} added, {updated} updated")
    if config.get("prepare_on_import"):
        prepare(store, engine)


@app.command()
@handle_errors
def export(
    path: Annotated[Path, typer.Argument(help="A folder (CSV files) or a path ending in .xlsx.")],
) -> None:
    """Export every table in the workspace format."""
    store = open_store()
    written = export_workspace(store, path)
    audit(store, cli_actor(), "export", f"{sum(written.values())} rows to {path.name}")
    typer.echo(f"exported {sum(written.values())} rows in {len(written)} tables to {path}")


@app.command()
@handle_errors
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only load when the database has no organisations.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Which demo workspace: en (data/demo) or zh (data/demo_zh, written in Chinese); "
            "default: the global --lang, else MATCHMAKER_LANG, else en.",
        ),
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help=ENGINE_HELP)] = "local",
) -> None:
    """Load the demo workspace (data/demo, or data/demo_zh with --lang zh) into the
    database, dated so its last event was two weeks ago; loading twice changes nothing.

    Then (setting prepare_on_import) embed its texts (a Chinese workspace: train its text
    model first) and save the recommender's fitted parts; with --if-empty on a loaded
    database, only what is missing of that is done.
    """
    check_engine(engine)
    lang = lang or state.lang
    folder = demo_dir(lang)
    store = open_store()
    if if_empty and store.count("organizations"):
        typer.echo("the database already holds organisations; demo not loaded")
    else:
        result = load_demo(store, folder, cli_actor())
        added = sum(a for a, _ in result.values())
        typer.echo(f"demo workspace loaded: {added} rows added")
    if config.get("prepare_on_import"):
        prepare(store, engine)
