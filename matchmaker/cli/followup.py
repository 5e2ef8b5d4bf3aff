"""Follow-up commands: ``deal`` (the pipeline of intents, projects and signed deals) and
``report`` (the funnel and its breakdowns), thin over :mod:`matchmaker.followup`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from matchmaker.cli.state import cli_actor, echo, handle_errors, open_store, state
from matchmaker.errors import DataError
from matchmaker.followup.deals import (
    add_deal,
    advance,
    drop,
    get_deal,
    history,
    list_deals,
    set_due_date,
)
from matchmaker.followup.report import (
    FUNNEL_KEYS,
    RATE_STEPS,
    breakdown,
    conversion,
    export_xlsx,
    format_table,
    funnel,
)
from matchmaker.schema import DEAL_STAGES
from matchmaker.views.i18n import column_labels

__all__ = ["app", "deal_app", "report_app"]

app = typer.Typer()
deal_app = typer.Typer(help="Track intents, projects in progress and signed deals.")
report_app = typer.Typer(help="Outcome reports: the funnel and its breakdowns.")
app.add_typer(deal_app, name="deal")
app.add_typer(report_app, name="report")
_BY = typer.Option(
    "--by",
    help="On whose behalf (kept as a note in the deal's history; the actor is always who runs "
    "the command: --user, else cli:<os user>).",
)
_VERSION_OPT = typer.Option(
    "--version", help="The deal version you read; refused if someone changed it since."
)


def _who(by: str | None, note: str | None) -> tuple[str, str | None]:
    """The actor of a deal change and its note: the actor is who runs the command (the
    ``--user`` signed in, else ``cli:<os user>``); ``--by`` only adds "on behalf of" to the
    note, so nobody can write a change, or an audit line, in someone else's name."""
    actor = cli_actor()
    name = actor if isinstance(actor, str) else actor.username
    if by and by.strip():
        note = f"on behalf of {by.strip()}" + (f"; {note}" if note else "")
    return name, note


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
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Record a new deal at stage intent."""
    store = open_store()
    actor, note = _who(by, note)
    d = add_deal(
        store, org_a, org_b, actor=actor, event_id=event, suggestion=suggestion,
        title=title, value_cny=value, note=note, deal_id=deal_id,
    )  # fmt: skip
    echo(f"deal {d.deal_id} recorded at stage {d.stage}; follow-up due {d.due_date}")


@deal_app.command("advance")
@handle_errors
def deal_advance(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    to: Annotated[str | None, typer.Option("--to", help="Target stage (default: next).")] = None,
    note: Annotated[str | None, typer.Option(help="What happened.")] = None,
    by: Annotated[str | None, _BY] = None,
    version: Annotated[int | None, _VERSION_OPT] = None,
) -> None:
    """Move an open deal forward: intent -> in_progress -> signed."""
    store = open_store()
    actor, note = _who(by, note)
    d = advance(store, deal_id, actor=actor, to_stage=to, note=note, expected_version=version)
    echo(f"deal {d.deal_id} is now {d.stage} (version {d.version})")


@deal_app.command("drop")
@handle_errors
def deal_drop(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    note: Annotated[str | None, typer.Option(help="Why it was dropped.")] = None,
    by: Annotated[str | None, _BY] = None,
    version: Annotated[int | None, _VERSION_OPT] = None,
) -> None:
    """Drop an open deal."""
    store = open_store()
    actor, note = _who(by, note)
    d = drop(store, deal_id, actor=actor, note=note, expected_version=version)
    echo(f"deal {d.deal_id} is now dropped (version {d.version})")


@deal_app.command("show")
@handle_errors
def deal_show(deal_id: Annotated[str, typer.Argument(help="The deal.")]) -> None:
    """Show a deal and its history, oldest change first."""
    store = open_store()
    d = get_deal(store, deal_id)
    for key, value in vars(d).items():
        echo(f"{key}: {'' if value is None else value}")
    echo("history:")
    for h in history(store, deal_id):
        line = f"  {h.at:%Y-%m-%d %H:%M} {h.actor}: {h.from_stage or '(new)'} -> {h.to_stage}"
        extra = "; ".join(x for x in (h.note, h.suggestion and f"from {h.suggestion}") if x)
        echo(f"{line}  {extra}".rstrip())


@deal_app.command("due")
@handle_errors
def deal_due(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    due: Annotated[str, typer.Argument(help="Follow-up date, ISO (2025-07-01).")],
    version: Annotated[int | None, _VERSION_OPT] = None,
) -> None:
    """Set the follow-up due date of an open deal."""

    try:
        when = date.fromisoformat(due)
    except ValueError:
        raise DataError(f"due date {due!r} is not an ISO date like 2025-07-01") from None
    d = set_due_date(open_store(), deal_id, when, expected_version=version)
    echo(f"deal {d.deal_id} follow-up due {d.due_date} (version {d.version})")


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
    rows = list_deals(open_store(), stage=stage, event_id=event, org_id=org, stale_only=stale)
    echo("deal_id\tstage\torg_a\torg_b\tevent_id\tdue\tflags")
    for status in rows:
        echo(_deal_line(status))


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

    _check_format(fmt)
    result = funnel(open_store(), event_id=event, chain=chain)
    echo(json.dumps(result) if fmt == "json" else format_table(result))


@report_app.command("breakdown")
@handle_errors
def report_breakdown(
    by: Annotated[str, typer.Option("--by", help="event or chain.")] = "event",
    fmt: Annotated[str, _FORMAT] = "table",
) -> None:
    """Funnel counts and conversion rates per event or per chain."""

    _check_format(fmt)
    rows = breakdown(open_store(), by)
    if fmt == "json":
        echo(json.dumps(rows, default=str))
    else:
        echo(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.2f}"))


@report_app.command("conversion")
@handle_errors
def report_conversion(
    event: Annotated[str | None, typer.Option(help="Only this event.")] = None,
    chain: Annotated[str | None, typer.Option(help="Only events whose chains contain it.")] = None,
    fmt: Annotated[str, _FORMAT] = "table",
) -> None:
    """Conversion rates attended -> met -> intent -> in progress -> signed."""

    _check_format(fmt)
    rows = conversion(open_store(), event_id=event, chain=chain)
    if fmt == "json":
        echo(json.dumps(rows))
        return
    for r in rows:
        rate = "-" if r["rate"] is None else f"{r['rate']:.0%}"
        echo(f"{r['step']:<12} {r['organisations']:>6}  {rate:>5}")


@report_app.command("export")
@handle_errors
def report_export(
    path: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")],
    event: Annotated[str | None, typer.Option(help="Only this event (funnel sheets).")] = None,
    chain: Annotated[str | None, typer.Option(help="Only this chain (funnel sheets).")] = None,
) -> None:
    """Write the funnel, conversion and breakdowns to one XLSX workbook (headers in --lang)."""
    headers = {}
    if state.lang != "en":
        columns = [*FUNNEL_KEYS, *(f"deals_{s}" for s in DEAL_STAGES), "measure", "value",
                   "step", "organisations", "rate", "overall", "event_id", "name", "date",
                   "chain", *(f"rate_{s}" for s in RATE_STEPS)]  # fmt: skip
        headers = column_labels(columns, state.lang)
    written = export_xlsx(open_store(), path, event, chain, headers)
    echo(f"report written to {written}")
