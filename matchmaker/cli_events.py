"""The event and follow-up commands of ``matchmaker`` (registered by :mod:`matchmaker.cli`):
``deal``, ``report``, ``invite`` and ``schedule``, thin over :mod:`matchmaker.deals`,
:mod:`matchmaker.report`, :mod:`matchmaker.events`, :mod:`matchmaker.invite` and
:mod:`matchmaker.schedule`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matchmaker.cli import app, handle_errors, open_store, state
from matchmaker.errors import DataError, NotFoundError

__all__ = ["deal_app", "report_app", "schedule_app"]

deal_app = typer.Typer(help="Track intents, projects in progress and signed deals.")
report_app = typer.Typer(help="Outcome reports: the funnel and its breakdowns.")
app.add_typer(deal_app, name="deal")
app.add_typer(report_app, name="report")
_BY = typer.Option("--by", help="Who makes the change (kept in the deal's history).")
_VERSION_OPT = typer.Option(
    "--version", help="The deal version you read; refused if someone changed it since."
)


def _by(by: str) -> str:
    """The deal history's actor: the signed-in user (--user) when there is one, else --by."""
    return state.user.username if state.user is not None else by


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
        open_store(), org_a, org_b, actor=_by(by), event_id=event, suggestion=suggestion,
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

    d = advance(
        open_store(), deal_id, actor=_by(by), to_stage=to, note=note, expected_version=version
    )
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

    d = drop(open_store(), deal_id, actor=_by(by), note=note, expected_version=version)
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


@deal_app.command("due")
@handle_errors
def deal_due(
    deal_id: Annotated[str, typer.Argument(help="The deal.")],
    due: Annotated[str, typer.Argument(help="Follow-up date, ISO (2025-07-01).")],
    version: Annotated[int | None, _VERSION_OPT] = None,
) -> None:
    """Set the follow-up due date of an open deal."""
    from datetime import date

    from matchmaker.deals import set_due_date

    try:
        when = date.fromisoformat(due)
    except ValueError:
        raise DataError(f"due date {due!r} is not an ISO date like 2025-07-01") from None
    d = set_due_date(open_store(), deal_id, when, expected_version=version)
    typer.echo(f"deal {d.deal_id} follow-up due {d.due_date} (version {d.version})")


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


schedule_app = typer.Typer(help="1:1 meeting agendas: requests, do-not-meet marks, schedules.")
app.add_typer(schedule_app, name="schedule")


def _ids_option(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


@app.command("invite")
@handle_errors
def invite(
    event_id: Annotated[str, typer.Argument(help="The event to invite for.")],
    capacity: Annotated[int | None, typer.Option(help="Places (default: the event's).")] = None,
    min_outside: Annotated[float, typer.Option(help="Minimum share from outside the city.")] = 0.0,
    min_new: Annotated[float, typer.Option(help="Minimum share of first-time invitees.")] = 0.0,
    max_per_segment: Annotated[
        int | None, typer.Option(help="Most invitees from one chain segment.")
    ] = None,
    must: Annotated[str | None, typer.Option(help="Must invite: org ids, comma-separated.")] = None,
    exclude: Annotated[
        str | None, typer.Option(help="Never invite: org ids, comma-separated.")
    ] = None,
    partners: Annotated[int, typer.Option(help="Best partners per invitee that count.")] = 3,
    save: Annotated[bool, typer.Option("--save", help="Record them as invited.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write the list to FILE.csv or FILE.xlsx.")
    ] = None,
) -> None:
    """Choose whom to invite: the most valuable pairs in the room, under the quotas."""
    import pandas as pd

    from matchmaker.events import plan_invitations, save_invitations
    from matchmaker.invite import Quotas

    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise DataError(f"--out must end in .csv or .xlsx; got {out.name!r}")
    store = open_store()
    quotas = Quotas(min_outside, min_new, max_per_segment, _ids_option(must), _ids_option(exclude))
    plan = plan_invitations(store, event_id, capacity, quotas, partners)
    names = {o["org_id"]: o["name"] for o in store.rows("organizations")}
    rows = [
        {
            "rank": n,
            "org_id": i.org_id,
            "name": names.get(i.org_id, ""),
            "reason": i.reason,
        }
        for n, i in enumerate(plan.invitation.invitees, start=1)
    ]
    for r in rows:
        typer.echo(f"{r['rank']:>4}. {r['org_id']}\t{r['name']}\t{r['reason']}")
    habit = f"habit (attendees of {plan.habit_event})" if plan.habit_event else "habit (none)"
    typer.echo(
        f"\n{'list':<36} {'size':>5} {'value':>8} {'/invitee':>8} {'pairs':>6} "
        f"{'coverage':>9} {'new':>5} {'outside':>8}"
    )
    for c in plan.comparison:
        label = habit if c["list"] == "habit" else "chosen"
        typer.echo(
            f"{label:<36} {c['size']:>5} {c['value']:>8.2f} {c['value_per_invitee']:>8.2f} "
            f"{c['valuable_pairs']:>6} "
            f"{c['chain_coverage']:>9.0%} {c['new_faces']:>5.0%} {c['outside']:>8.0%}"
        )
    for note in plan.invitation.notes:
        typer.echo(f"note: {note}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(rows, columns=["rank", "org_id", "name", "reason"])
        if out.suffix.lower() == ".csv":
            frame.to_csv(out, index=False)
        else:
            with pd.ExcelWriter(out, engine="openpyxl") as xl:
                frame.to_excel(xl, sheet_name="invitees", index=False)
                pd.DataFrame(plan.comparison).to_excel(xl, sheet_name="comparison", index=False)
        typer.echo(f"list written to {out}")
    if save:
        added = save_invitations(store, event_id, plan.invitation.ids)
        typer.echo(f"{added} participant rows added with status invited")


@schedule_app.command("make")
@handle_errors
def schedule_make(
    event_id: Annotated[str, typer.Argument(help="The event.")],
    slots: Annotated[int, typer.Option(help="Time slots.")] = 12,
    tables: Annotated[int, typer.Option(help="Tables.")] = 30,
    per_table: Annotated[int, typer.Option(help="Meetings one table holds at once.")] = 1,
    min_meetings: Annotated[int, typer.Option(help="Fairness floor per attendee.")] = 0,
    max_meetings: Annotated[int | None, typer.Option(help="Most meetings per attendee.")] = None,
    status: Annotated[
        str,
        typer.Option(help="Participant statuses that count as attending, comma-separated."),
    ] = "registered,attended",
    out: Annotated[Path | None, typer.Option(help="Folder for CSV, XLSX and HTML agendas.")] = None,
    save: Annotated[bool, typer.Option("--save", help="Store the meetings as proposed.")] = False,
) -> None:
    """Build the 1:1 meeting agenda of an event's attendees."""
    from matchmaker.events import get_event, plan_agenda, save_agenda
    from matchmaker.schedule import write_agenda

    store = open_store()
    agenda = plan_agenda(
        store, event_id, slots, tables, per_table, min_meetings, max_meetings,
        _ids_option(status),
    )  # fmt: skip
    counts = {o: 0 for o in agenda.attendees}
    for m in agenda.meetings:
        counts[m.org_a] += 1
        counts[m.org_b] += 1
    typer.echo(
        f"{len(agenda.meetings)} meetings for {len(agenda.attendees)} attendees in {slots} slots "
        f"x {tables} tables; meetings per attendee: min {min(counts.values())}, "
        f"max {max(counts.values())}"
    )
    for u in agenda.unplaced:
        typer.echo(f"not placed: {u.org_a} & {u.org_b} ({u.kind}): {u.reason}")
    for s in agenda.below_floor:
        typer.echo(f"under the floor: {s.org_id} has {s.meetings} of {s.floor}: {s.reason}")
    if out is not None:
        names = {o["org_id"]: o["name"] for o in store.rows("organizations")}
        title = f"{get_event(store, event_id)['name']}: meeting agenda"
        for path in write_agenda(agenda, out, names, title).values():
            typer.echo(f"written {path}")
    if save:
        written, kept = save_agenda(store, event_id, agenda)
        typer.echo(f"{written} meetings stored as proposed; {kept} pairs kept their meeting")


@schedule_app.command("request")
@handle_errors
def schedule_request(
    event_id: Annotated[str, typer.Argument(help="The event.")],
    org_id: Annotated[str, typer.Argument(help="Who asks.")],
    other_id: Annotated[str, typer.Argument(help="Whom it asks to meet (or not).")],
    avoid: Annotated[bool, typer.Option("--avoid", help="Mark 'do not meet' instead.")] = False,
    note: Annotated[str | None, typer.Option(help="Free note.")] = None,
) -> None:
    """Record a meeting request, or with --avoid a 'do not meet' mark."""
    from matchmaker.events import add_request

    add_request(open_store(), event_id, org_id, other_id, "avoid" if avoid else "meet", note)
    what = "does not want to meet" if avoid else "asks to meet"
    typer.echo(f"{org_id} {what} {other_id} at {event_id}")


@schedule_app.command("withdraw")
@handle_errors
def schedule_withdraw(
    event_id: Annotated[str, typer.Argument(help="The event.")],
    org_id: Annotated[str, typer.Argument(help="Who asked.")],
    other_id: Annotated[str, typer.Argument(help="The other organisation.")],
) -> None:
    """Withdraw a meeting request or 'do not meet' mark."""
    from matchmaker.events import remove_request

    if not remove_request(open_store(), event_id, org_id, other_id):
        raise NotFoundError(f"no request of {org_id} about {other_id} at {event_id}")
    typer.echo(f"withdrawn: {org_id} about {other_id} at {event_id}")


@schedule_app.command("requests")
@handle_errors
def schedule_requests(
    event_id: Annotated[str, typer.Argument(help="The event.")],
) -> None:
    """List an event's meeting requests (mutual ones marked) and 'do not meet' marks."""
    from matchmaker.events import get_event, requests

    store = open_store()
    get_event(store, event_id)
    meet, avoid = requests(store, event_id)
    asked = set(meet)
    for a, b in meet:
        typer.echo(f"meet\t{a}\t{b}\t{'mutual' if (b, a) in asked else 'one-sided'}")
    for a, b in avoid:
        typer.echo(f"avoid\t{a}\t{b}")
