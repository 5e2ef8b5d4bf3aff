"""Event commands: ``invite`` (the invitation list and its letters), ``participant`` (RSVP and
check-in) and ``schedule`` (1:1 meeting agendas, requests and do-not-meet marks), thin over
:mod:`matchmaker.events`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from matchmaker import config
from matchmaker.cli.state import handle_errors, open_store, state
from matchmaker.errors import DataError, NotFoundError
from matchmaker.events.agenda_files import write_agenda
from matchmaker.events.invite import Quotas
from matchmaker.events.letters import invitation_letters, write_letters
from matchmaker.events.participants import participants, set_status
from matchmaker.events.service import (
    add_request,
    get_event,
    plan_agenda,
    plan_invitations,
    recommender_pairs,
    remove_request,
    requests,
    save_agenda,
    save_invitations,
)
from matchmaker.ingest.files import escape_frame
from matchmaker.recommend.recommender import TUNING, Recommender
from matchmaker.views.browse import org_names
from matchmaker.views.i18n import column_labels, t
from matchmaker.views.matching import agenda_words

__all__ = ["app", "participant_app", "schedule_app"]

app = typer.Typer()
schedule_app = typer.Typer(help="1:1 meeting agendas: requests, do-not-meet marks, schedules.")
app.add_typer(schedule_app, name="schedule")
participant_app = typer.Typer(help="Who takes part in an event: RSVP and check-in.")
app.add_typer(participant_app, name="participant")


def _pair_source(store):
    """Pair values from a recommender tuned by the settings (read here, once)."""
    return recommender_pairs(
        store, recommender=Recommender(store, **config.read(*TUNING)), lang=state.lang
    )


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
    letters: Annotated[
        Path | None,
        typer.Option(
            help="Write invitation letters to DIR: mailmerge.xlsx, mailmerge.csv, "
            "letters/<org_id>.html."
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language of every letter, zh or en (default: each contact's)."
        ),
    ] = None,
) -> None:
    """Choose whom to invite: the most valuable pairs in the room, under the quotas."""

    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise DataError(f"--out must end in .csv or .xlsx; got {out.name!r}")
    if lang is not None and lang not in ("zh", "en"):
        raise DataError(f"--lang must be zh or en; got {lang!r}")
    store = open_store()
    quotas = Quotas(min_outside, min_new, max_per_segment, _ids_option(must), _ids_option(exclude))
    plan = plan_invitations(store, event_id, capacity, quotas, partners, _pair_source(store))
    names = org_names(store, state.lang)
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
        frame = escape_frame(pd.DataFrame(rows, columns=["rank", "org_id", "name", "reason"]))
        if out.suffix.lower() == ".csv":  # machine-readable columns (docs/cli.md)
            frame.to_csv(out, index=False)
        else:  # a workbook for people: headers in the command's language
            shown = column_labels(frame.columns, state.lang) if state.lang != "en" else {}
            with pd.ExcelWriter(out, engine="openpyxl") as xl:
                frame.rename(columns=shown).to_excel(xl, sheet_name="invitees", index=False)
                comparison = escape_frame(pd.DataFrame(plan.comparison))
                comparison.to_excel(xl, sheet_name="comparison", index=False)
        typer.echo(f"list written to {out}")
    if letters is not None:
        written = invitation_letters(store, event_id, plan.invitation.invitees, lang)
        write_letters(written, letters)
        missing = sum(1 for x in written if not x.email)
        typer.echo(
            f"{len(written)} letters written to {letters} (mailmerge.xlsx, mailmerge.csv, "
            f"letters/); {missing} invitee(s) have no contact e-mail"
        )
    if save:
        added = save_invitations(store, event_id, plan.invitation.ids)
        typer.echo(f"{added} participant rows added with status invited")


@participant_app.command("set")
@handle_errors
def participant_set(
    event_id: Annotated[str, typer.Argument(help="The event.")],
    org_ids: Annotated[list[str], typer.Argument(help="One or more organisation ids.")],
    status: Annotated[
        str,
        typer.Option(help="invited, registered, attended, declined or no_show."),
    ],
) -> None:
    """Set where organisations stand at an event (RSVP, check-in, no-show)."""
    added, changed = set_status(open_store(), event_id, org_ids, status)
    same = len(set(org_ids)) - added - changed
    typer.echo(
        f"{event_id}: {status} for {len(set(org_ids))} organisation(s) "
        f"({added} added, {changed} changed, {same} already {status})"
    )


@participant_app.command("list")
@handle_errors
def participant_list(event_id: Annotated[str, typer.Argument(help="The event.")]) -> None:
    """List an event's participants and their status."""
    for p in participants(open_store(), event_id):
        typer.echo(f"{p['org_id']}\t{p['name']}\t{p['status']}")


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
    store = open_store()
    agenda = plan_agenda(
        store, event_id, slots, tables, per_table, min_meetings, max_meetings,
        _ids_option(status), pair_source=_pair_source(store),
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
        names = org_names(store, state.lang)
        title = t("agenda.file.of", state.lang, event=get_event(store, event_id)["name"])
        headers, labels = agenda_words(state.lang)
        for path in write_agenda(agenda, out, names, title, headers, labels).values():
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
    if not remove_request(open_store(), event_id, org_id, other_id):
        raise NotFoundError(f"no request of {org_id} about {other_id} at {event_id}")
    typer.echo(f"withdrawn: {org_id} about {other_id} at {event_id}")


@schedule_app.command("requests")
@handle_errors
def schedule_requests(
    event_id: Annotated[str, typer.Argument(help="The event.")],
) -> None:
    """List an event's meeting requests (mutual ones marked) and 'do not meet' marks."""
    store = open_store()
    get_event(store, event_id)
    meet, avoid = requests(store, event_id)
    asked = set(meet)
    for a, b in meet:
        typer.echo(f"meet\t{a}\t{b}\t{'mutual' if (b, a) in asked else 'one-sided'}")
    for a, b in avoid:
        typer.echo(f"avoid\t{a}\t{b}")
