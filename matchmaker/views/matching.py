"""Frames for the matching pages: suggestions, events (invitation lists, participants) and
agendas (grids, meetings on record, requests, downloads). Reads only: the writes these pages
make are core calls (:mod:`matchmaker.events.service`, :mod:`matchmaker.followup.deals`).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from matchmaker.events.agenda_files import COLUMNS as AGENDA_COLUMNS
from matchmaker.events.agenda_files import write_agenda
from matchmaker.events.letters import invitation_letters, write_letters
from matchmaker.recommend.explain import SUGGESTION_COLUMNS
from matchmaker.store.database import Store
from matchmaker.views.browse import org_label, org_names, segment_names
from matchmaker.views.i18n import agenda_labels, column_labels

__all__ = [
    "agenda_files",
    "agenda_grid",
    "agenda_words",
    "invitation_frame",
    "letters_zip",
    "live_deal_pairs",
    "meetings_frame",
    "org_list_frame",
    "participants_frame",
    "request_frame",
    "suggestion_frame",
]


# --- suggestions -------------------------------------------------------------------------


def live_deal_pairs(store: Store) -> set[frozenset]:
    """Pairs of organisations with a deal that is not dropped (frozensets of two ids)."""
    return {
        frozenset((d["org_a"], d["org_b"]))
        for d in store.rows("deals", order=False)
        if d["stage"] != "dropped"
    }


def suggestion_frame(suggestions: list) -> pd.DataFrame:
    """Suggestions as a table to export: ``rank`` (1 = best) then the columns of
    :data:`matchmaker.recommend.explain.SUGGESTION_COLUMNS`."""
    rows = [{"rank": i, **s.to_row()} for i, s in enumerate(suggestions, start=1)]
    return pd.DataFrame(rows, columns=["rank", *SUGGESTION_COLUMNS])


# --- events and agendas -----------------------------------------------------------------


def invitation_frame(store: Store, invitation, candidates: list, lang: str = "en") -> pd.DataFrame:
    """An invitation list as a table: who, local or not, first time, segment, why.

    Parameters
    ----------
    invitation : matchmaker.events.invite.Invitation
    candidates : list of matchmaker.events.invite.Candidate
        The event's candidates (for the local / first-time / segment columns).
    """
    names = org_names(store, lang)  # names in the reader's language
    info = {c.org_id: c for c in candidates}
    segs = segment_names(store, lang)
    rows = []
    for i, inv in enumerate(invitation.invitees, start=1):
        c = info.get(inv.org_id)
        rows.append(
            {
                "rank": i,
                "org_id": inv.org_id,
                "name": names.get(inv.org_id, ""),
                "local": c.local if c else None,
                "first_time": c.first_time if c else None,
                "segment": segs.get(c.segment, c.segment) if c else None,
                "partners": ", ".join(org_label(p.org_id, names) for p in inv.partners),
                "reason": inv.reason,
            }
        )
    columns = ["rank", "org_id", "name", "local", "first_time", "segment", "partners", "reason"]
    return pd.DataFrame(rows, columns=columns)


def org_list_frame(
    store: Store, org_ids: list[str], candidates: list, lang: str = "en"
) -> pd.DataFrame:
    """Organisations as a table with their local / first-time / segment attributes."""
    names = org_names(store, lang)  # names in the reader's language
    info = {c.org_id: c for c in candidates}
    segs = segment_names(store, lang)
    rows = [
        {
            "org_id": o,
            "name": names.get(o, ""),
            "local": info[o].local if o in info else None,
            "first_time": info[o].first_time if o in info else None,
            "segment": segs.get(info[o].segment, info[o].segment) if o in info else None,
        }
        for o in org_ids
    ]
    return pd.DataFrame(rows, columns=["org_id", "name", "local", "first_time", "segment"])


def participants_frame(store: Store, event_id: str, lang: str = "en") -> pd.DataFrame:
    """The participants of an event with their names and statuses, by org id."""
    names = org_names(store, lang)  # names in the reader's language
    rows = [
        {"org_id": p["org_id"], "name": names.get(p["org_id"], ""), "status": p["status"]}
        for p in store.rows("participants", event_id=event_id)
    ]
    return pd.DataFrame(rows, columns=["org_id", "name", "status"])


def agenda_grid(agenda, names: dict[str, str]) -> pd.DataFrame:
    """The agenda as a grid: one row per slot, one column per table, cells "A & B"."""
    rows = agenda.by_table(names)
    if not rows:
        return pd.DataFrame(columns=["slot"])
    frame = pd.DataFrame(rows)
    frame["meeting"] = frame["name_a"] + " & " + frame["name_b"]
    grid = frame.pivot_table(index="slot", columns="table", values="meeting", aggfunc="first")
    grid = grid.reindex(sorted(grid.columns), axis=1).fillna("").reset_index()
    if agenda.times:  # clock times beside the slot numbers
        grid.insert(1, "time", grid["slot"].map(agenda.times))
    return grid


def agenda_words(lang: str = "en") -> tuple[dict[str, str], dict[str, str] | None]:
    """``(headers, labels)`` for :func:`matchmaker.events.agenda_files.write_agenda` in
    ``lang``: none in English (the files' own words), translated ones otherwise."""
    if lang == "en":
        return {}, None
    return column_labels(AGENDA_COLUMNS, lang), agenda_labels(lang)


def agenda_files(
    agenda, names: dict[str, str], title: str = "", lang: str = "en"
) -> dict[str, bytes]:
    """The agenda's downloads (:func:`matchmaker.events.agenda_files.write_agenda`) as bytes by
    kind:
    ``by_org`` and ``by_table`` (CSV), ``xlsx`` and ``html`` (printable); the workbook's
    headers and the page's words in ``lang`` (the CSV files keep their machine columns)."""
    headers, labels = agenda_words(lang)
    with tempfile.TemporaryDirectory(prefix="matchmaker-agenda-") as tmp:
        paths = write_agenda(agenda, tmp, names, title, headers, labels)
        return {kind: path.read_bytes() for kind, path in paths.items()}


def meetings_frame(store: Store, event_id: str, lang: str = "en") -> pd.DataFrame:
    """The meetings on record for an event, by slot, table and pair, with names."""
    names = org_names(store, lang)  # names in the reader's language
    rows = [
        {
            "slot": m["slot"],
            "table": m["table"],
            "org_a": m["org_a"],
            "name_a": names.get(m["org_a"], ""),
            "org_b": m["org_b"],
            "name_b": names.get(m["org_b"], ""),
            "status": m["status"],
        }
        for m in store.rows("meetings", event_id=event_id)
    ]
    frame = pd.DataFrame(
        rows, columns=["slot", "table", "org_a", "name_a", "org_b", "name_b", "status"]
    )
    return frame.sort_values(["slot", "table", "org_a"], na_position="last").reset_index(drop=True)


def request_frame(store: Store, event_id: str, lang: str = "en") -> pd.DataFrame:
    """The event's meeting requests and do-not-meet marks with names, by requester."""
    names = org_names(store, lang)  # names in the reader's language
    rows = [
        {
            "org_id": r["org_id"],
            "name": names.get(r["org_id"], ""),
            "other_id": r["other_id"],
            "other_name": names.get(r["other_id"], ""),
            "kind": r["kind"],
            "note": r["note"],
        }
        for r in store.rows("meeting_requests", event_id=event_id)
    ]
    return pd.DataFrame(rows, columns=["org_id", "name", "other_id", "other_name", "kind", "note"])


def letters_zip(store: Store, event_id: str, invitees, lang: str | None = None) -> bytes:
    """The invitation letters of :func:`matchmaker.events.letters.write_letters` as one zip
    (``mailmerge.xlsx``, ``mailmerge.csv``, ``letters/<org_id>.html``) to download."""
    letters = invitation_letters(store, event_id, invitees, lang)
    with tempfile.TemporaryDirectory(prefix="matchmaker-letters-") as tmp:
        folder = Path(tmp) / f"letters-{event_id}"
        write_letters(letters, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(folder.rglob("*")):
                if file.is_file():
                    zf.write(file, file.relative_to(folder).as_posix())
        return buffer.getvalue()
