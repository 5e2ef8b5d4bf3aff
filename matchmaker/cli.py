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


# --- events and follow-up: deal, report, invite, schedule -------------------------------

deal_app = typer.Typer(help="Track intents, projects in progress and signed deals.")
report_app = typer.Typer(help="Outcome reports: the funnel and its breakdowns.")
app.add_typer(deal_app, name="deal")
app.add_typer(report_app, name="report")
_BY = typer.Option("--by", help="Who makes the change (kept in the deal's history).")
_VERSION_OPT = typer.Option(
    "--version", help="The deal version you read; refused if someone changed it since."
)


def _deal_line(status) -> str:
    d = status.deal
    flags = " ".join(f for f, on in (("STALE", status.stale), ("OVERDUE", status.overdue)) if on)
    due = status.due_date.isoformat() if status.due_date else "-"
    return f"{d.deal_id}\t{d.stage}\t{d.org_a}\t{d.org_b}\t{d.event_id or '-'}\t{due}\t{flags}"


@deal_app.command("add")
@handle_errors
def deal_add(
    org_a: Annotated[str, typer.Argument(help="First party (org_id).")],
    org_b: Annotated[str, typer.Argument(help="Second party (org_id).")],
    event: Annotated[str | None, typer.Option(help="Event the deal came from.")] = None,
    title: Annotated[str | None, typer.Option(help="What the deal is about.")] = None,
    value: Annotated[float | None, typer.Option(help="Value in CNY.")] = None,
    note: Annotated[str | None, typer.Option(help="Free note.")] = None,
    suggestion: Annotated[
        str | None, typer.Option(help="The suggestion it came from (kept in the history).")
    ] = None,
    deal_id: Annotated[str | None, typer.Option("--id", help="Deal id (default D0001...).")] = None,
    by: Annotated[str, _BY] = "cli",
) -> None:
    """Record a new deal at stage intent."""
    from matchmaker.deals import add_deal

    d = add_deal(
        open_store(), org_a, org_b, actor=by, event_id=event, suggestion=suggestion,
        title=title, value_cny=value, note=note, deal_id=deal_id,
    )  # fmt: skip
    typer.echo(f"deal {d.deal_id} recorded at stage {d.stage}; follow-up due {d.due_date}")


@deal_app.command("advance")
@handle_errors
def deal_advance(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    to: Annotated[str | None, typer.Option("--to", help="Target stage (default: next).")] = None,
    note: Annotated[str | None, typer.Option(help="What happened.")] = None,
    by: Annotated[str, _BY] = "cli",
    version: Annotated[int | None, _VERSION_OPT] = None,
) -> None:
    """Move an open deal forward: intent -> in_progress -> signed."""
    from matchmaker.deals import advance

    d = advance(open_store(), deal_id, actor=by, to_stage=to, note=note, expected_version=version)
    typer.echo(f"deal {d.deal_id} is now {d.stage} (version {d.version})")


@deal_app.command("drop")
@handle_errors
def deal_drop(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    note: Annotated[str | None, typer.Option(help="Why it was dropped.")] = None,
    by: Annotated[str, _BY] = "cli",
    version: Annotated[int | None, _VERSION_OPT] = None,
) -> None:
    """Drop an open deal."""
    from matchmaker.deals import drop

    d = drop(open_store(), deal_id, actor=by, note=note, expected_version=version)
    typer.echo(f"deal {d.deal_id} is now dropped (version {d.version})")


@deal_app.command("show")
@handle_errors
def deal_show(deal_id: Annotated[str, typer.Argument(help="The deal.")]) -> None:
    """Show a deal and its history, oldest change first."""
    from matchmaker.deals import get_deal, history

    store = open_store()
    d = get_deal(store, deal_id)
    for key, value in vars(d).items():
        typer.echo(f"{key}: {'' if value is None else value}")
    typer.echo("history:")
    for h in history(store, deal_id):
        line = f"  {h.at:%Y-%m-%d %H:%M} {h.actor}: {h.from_stage or '(new)'} -> {h.to_stage}"
        extra = "; ".join(x for x in (h.note, h.suggestion and f"from {h.suggestion}") if x)
        typer.echo(f"{line}  {extra}".rstrip())


@deal_app.command("list")
@handle_errors
def deal_list(
    stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
    event: Annotated[str | None, typer.Option(help="Only deals from this event.")] = None,
    org: Annotated[
        str | None, typer.Option(help="Only deals this organisation is party to.")
    ] = None,
    stale: Annotated[bool, typer.Option("--stale", help="Only stale open deals.")] = False,
) -> None:
    """List deals with due date and STALE / OVERDUE flags (tab-separated)."""
    from matchmaker.deals import list_deals

    rows = list_deals(open_store(), stage=stage, event_id=event, org_id=org, stale_only=stale)
    typer.echo("deal_id\tstage\torg_a\torg_b\tevent_id\tdue\tflags")
    for status in rows:
        typer.echo(_deal_line(status))


_FORMAT = typer.Option("--format", help="json or table.")


def _check_format(fmt: str) -> None:
    if fmt not in ("json", "table"):
        raise DataError(f"--format {fmt!r} is not supported; use json or table")


@report_app.command("funnel")
@handle_errors
def report_funnel(
    event: Annotated[str | None, typer.Option(help="Only this event.")] = None,
    chain: Annotated[str | None, typer.Option(help="Only events whose chains contain it.")] = None,
    fmt: Annotated[str, _FORMAT] = "table",
) -> None:
    """The outcome funnel (public contract: see docs/cli.md)."""
    import json

    from matchmaker.report import format_table, funnel

    _check_format(fmt)
    result = funnel(open_store(), event_id=event, chain=chain)
    typer.echo(json.dumps(result) if fmt == "json" else format_table(result))


@report_app.command("breakdown")
@handle_errors
def report_breakdown(
    by: Annotated[str, typer.Option("--by", help="event or chain.")] = "event",
    fmt: Annotated[str, _FORMAT] = "table",
) -> None:
    """Funnel counts and conversion rates per event or per chain."""
    import json

    import pandas as pd

    from matchmaker.report import breakdown

    _check_format(fmt)
    rows = breakdown(open_store(), by)
    if fmt == "json":
        typer.echo(json.dumps(rows, default=str))
    else:
        typer.echo(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.2f}"))


@report_app.command("conversion")
@handle_errors
def report_conversion(
    event: Annotated[str | None, typer.Option(help="Only this event.")] = None,
    chain: Annotated[str | None, typer.Option(help="Only events whose chains contain it.")] = None,
    fmt: Annotated[str, _FORMAT] = "table",
) -> None:
    """Conversion rates attended -> met -> intent -> in progress -> signed."""
    import json

    from matchmaker.report import conversion

    _check_format(fmt)
    rows = conversion(open_store(), event_id=event, chain=chain)
    if fmt == "json":
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        rate = "-" if r["rate"] is None else f"{r['rate']:.0%}"
        typer.echo(f"{r['step']:<12} {r['organisations']:>6}  {rate:>5}")


@report_app.command("export")
@handle_errors
def report_export(
    path: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")],
    event: Annotated[str | None, typer.Option(help="Only this event (funnel sheets).")] = None,
    chain: Annotated[str | None, typer.Option(help="Only this chain (funnel sheets).")] = None,
) -> None:
    """Write the funnel, conversion and breakdowns to one XLSX workbook."""
    from matchmaker.report import export_xlsx

    typer.echo(f"report written to {export_xlsx(open_store(), path, event, chain)}")


def run() -> None:  # pragma: no cover - console entry for `python -m matchmaker`
    sys.exit(app())
