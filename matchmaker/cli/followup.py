"""Follow-up commands: ``deal`` (the pipeline of intents, projects and signed deals),
``followup`` (owners' due lists, companies' progress reports and who answered) and ``report``
(the funnel and its breakdowns), thin over :mod:`matchmaker.followup`."""

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
from matchmaker.followup.progress import answers, due_this_week, report_progress, set_owner
from matchmaker.followup.report import breakdown, conversion, export_xlsx, format_table, funnel

__all__ = ["app", "deal_app", "followup_app", "report_app"]

app = typer.Typer()
deal_app = typer.Typer(help="Track intents, projects in progress and signed deals.")
report_app = typer.Typer(help="Outcome reports: the funnel and its breakdowns.")
app.add_typer(deal_app, name="deal")
app.add_typer(report_app, name="report")
followup_app = typer.Typer(help="After an event: deal owners' due lists, progress reports.")
app.add_typer(followup_app, name="followup")
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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language of the headers: en or zh (default: the global --lang)."
        ),
    ] = None,
) -> None:
    """Write the funnel, conversion and breakdowns to one formatted XLSX workbook."""
    written = export_xlsx(open_store(), path, event, chain, lang or state.lang)
    echo(f"report written to {written}")


def _iso(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataError(f"{what} {text!r} is not an ISO date like 2025-07-01") from None


@followup_app.command("due")
@handle_errors
def followup_due(
    owner: Annotated[
        str | None, typer.Option(help="Only this owner's deals ('' for deals nobody owns).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the list to FILE.xlsx.")] = None,
) -> None:
    """Open deals due by the end of this week (overdue ones too), per owner."""
    if out is not None and out.suffix.lower() != ".xlsx":
        raise DataError(f"--out must end in .xlsx; got {out.name!r}")
    store = open_store()
    rows = [
        {
            "owner": s.deal.owner or "",
            "due": s.due_date,
            "overdue": "yes" if s.overdue else "",
            "deal_id": s.deal.deal_id,
            "stage": s.deal.stage,
            "org_a": s.deal.org_a,
            "org_b": s.deal.org_b,
            "title": s.deal.title or "",
        }
        for s in due_this_week(store, owner)
    ]
    typer.echo("owner\tdue\toverdue\tdeal_id\tstage\torg_a\torg_b\ttitle")
    for r in rows:
        typer.echo("\t".join(str(v) for v in r.values()))
    typer.echo(f"{len(rows)} deal(s) due by the end of this week")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        headers = {
            "owner": "Owner", "due": "Due", "overdue": "Overdue", "deal_id": "Deal",
            "stage": "Stage", "org_a": "Party A", "org_b": "Party B", "title": "Title",
        }  # fmt: skip
        frame = pd.DataFrame(rows, columns=list(headers)).rename(columns=headers)
        with pd.ExcelWriter(out, engine="openpyxl") as xl:
            frame.to_excel(xl, sheet_name="due", index=False)
            sheet = xl.sheets["due"]
            sheet.freeze_panes = "A2"
            for letter, width in zip("ABCDEFGH", (14, 12, 9, 10, 12, 10, 10, 50), strict=True):
                sheet.column_dimensions[letter].width = width
        typer.echo(f"written {out}")


@followup_app.command("owner")
@handle_errors
def followup_owner(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    owner: Annotated[str, typer.Argument(help="Organiser account that follows it up.")],
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Give a deal an owner (an active organiser or admin account)."""
    actor, _ = _who(by, None)
    d = set_owner(open_store(), deal_id, owner, actor=actor)
    typer.echo(f"deal {d.deal_id} is followed up by {d.owner}")


@followup_app.command("report")
@handle_errors
def followup_report(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    stage: Annotated[
        str | None, typer.Option(help="New stage (in_progress, signed, dropped).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="What happened.")] = None,
    next_step: Annotated[
        str | None, typer.Option("--next", help="Date of the next step, ISO (2025-07-01).")
    ] = None,
    by: Annotated[str | None, _BY] = None,
) -> None:
    """Report progress on a deal: a stage change, a note, the next step's date."""
    actor, note = _who(by, note)
    d = report_progress(
        open_store(), deal_id, actor=actor, stage=stage, note=note,
        next_step=_iso(next_step, "--next"),
    )  # fmt: skip
    due = d.due_date.isoformat() if d.due_date else "-"
    typer.echo(f"deal {d.deal_id} is {d.stage}; next follow-up {due}")


@followup_app.command("answers")
@handle_errors
def followup_answers(event_id: Annotated[str, typer.Argument(help="The event.")]) -> None:
    """Which organisations with an open deal from the event reported progress since."""
    rows = answers(open_store(), event_id)
    for a in rows:
        when = f"{a.last_report:%Y-%m-%d}" if a.last_report else "-"
        said = "answered" if a.answered else "no answer"
        typer.echo(f"{a.org_id}\t{a.name}\t{said}\t{when}\t{','.join(a.deals)}")
    done = sum(a.answered for a in rows)
    typer.echo(f"{done} of {len(rows)} organisation(s) answered")
