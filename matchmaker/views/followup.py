"""Frames for the follow-up pages: the deal board, a deal's history, the report workbook.
Reads only: deal changes are :mod:`matchmaker.followup.deals` calls.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from matchmaker.followup.deals import history, list_deals
from matchmaker.followup.progress import answers, due_this_week
from matchmaker.followup.report import export_xlsx
from matchmaker.store.database import Store
from matchmaker.views.browse import org_label, org_names

__all__ = [
    "DEAL_BOARD_COLUMNS",
    "answers_frame",
    "contacts_frame",
    "deal_board",
    "deal_history",
    "due_frame",
    "own_items_frame",
    "report_xlsx",
    "requests_frame",
]

# --- deals -------------------------------------------------------------------------------

DEAL_BOARD_COLUMNS = (
    "deal_id",
    "stage",
    "parties",
    "title",
    "value_cny",
    "event_id",
    "due_date",
    "stale",
    "overdue",
    "last_change",
    "org_a",
    "org_b",
    "note",
    "owner",
    "version",
)


def deal_board(
    store: Store,
    *,
    event_id: str | None = None,
    stage: str | None = None,
    stale_only: bool = False,
    today: date | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Deals with their follow-up state (:func:`matchmaker.followup.deals.list_deals`) as one frame.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DEAL_BOARD_COLUMNS`, ordered by deal id; ``parties`` reads
        ``"Name A (id) ↔ Name B (id)"``, names in ``lang``.
    """
    names = org_names(store, lang)
    records = []
    for status in list_deals(
        store, event_id=event_id, stage=stage, stale_only=stale_only, today=today
    ):
        d = status.deal
        records.append(
            {
                "deal_id": d.deal_id,
                "stage": d.stage,
                "parties": f"{org_label(d.org_a, names)} ↔ {org_label(d.org_b, names)}",
                "title": d.title,
                "value_cny": d.value_cny,
                "event_id": d.event_id,
                "due_date": status.due_date,
                "stale": status.stale,
                "overdue": status.overdue,
                "last_change": status.last_change,
                "org_a": d.org_a,
                "org_b": d.org_b,
                "note": d.note,
                "owner": d.owner,
                "version": d.version,
            }
        )
    return pd.DataFrame(records, columns=list(DEAL_BOARD_COLUMNS))


def deal_history(store: Store, deal_id: str) -> pd.DataFrame:
    """The changes of one deal, oldest first (:func:`matchmaker.followup.deals.history`)."""
    columns = ["at", "actor", "from_stage", "to_stage", "note", "suggestion"]
    rows = [{c: getattr(ev, c) for c in columns} for ev in history(store, deal_id)]
    return pd.DataFrame(rows, columns=columns)


def report_xlsx(
    store: Store, event_id: str | None = None, chain: str | None = None, lang: str = "en"
) -> bytes:
    """The report workbook of :func:`matchmaker.followup.report.export_xlsx` (headers in
    ``lang``), as bytes to download."""
    with tempfile.TemporaryDirectory(prefix="matchmaker-report-") as tmp:
        return export_xlsx(store, Path(tmp) / "report.xlsx", event_id, chain, lang).read_bytes()


# --- issue 14: the event cycle -------------------------------------------------------------

CONTACT_COLUMNS = ("contact_id", "name", "title", "email", "phone", "primary", "language")
ITEM_COLUMNS = ("item_id", "side", "type", "title", "segment", "description", "keywords")


def contacts_frame(store: Store, org_id: str) -> pd.DataFrame:
    """The organisation's contact people (primary first)."""
    rows = sorted(
        store.rows("contacts", org_id=org_id), key=lambda c: (not c["primary"], c["contact_id"])
    )
    return pd.DataFrame(rows, columns=list(CONTACT_COLUMNS))


def own_items_frame(store: Store, org_id: str) -> pd.DataFrame:
    """The organisation's offers and needs, keywords joined with ``;``."""
    rows = [
        {**r, "keywords": ";".join(r["keywords"] or ())} for r in store.rows("items", org_id=org_id)
    ]
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))


def requests_frame(store: Store, org_id: str, event_id: str) -> pd.DataFrame:
    """Meeting requests at an event that concern ``org_id``: ``direction`` is ``sent`` or
    ``received``; ``answer`` is the other side's request (``meet``/``avoid``) or empty."""
    names = org_names(store)
    rows = store.rows("meeting_requests", event_id=event_id)
    kinds = {(r["org_id"], r["other_id"]): r["kind"] for r in rows}
    out = []
    for r in rows:
        if r["kind"] != "meet" or org_id not in (r["org_id"], r["other_id"]):
            continue
        sent = r["org_id"] == org_id
        other = r["other_id"] if sent else r["org_id"]
        out.append(
            {
                "direction": "sent" if sent else "received",
                "other": other,
                "name": names.get(other, other),
                "answer": kinds.get((other, org_id), "")
                if sent
                else kinds.get((org_id, other), ""),
                "note": r["note"],
            }
        )
    columns = ["direction", "other", "name", "answer", "note"]
    return pd.DataFrame(out, columns=columns).sort_values(["direction", "other"])


def due_frame(store: Store, owner: str | None = None, today: date | None = None) -> pd.DataFrame:
    """The due-this-week list (:func:`matchmaker.followup.progress.due_this_week`)."""
    names = org_names(store)
    rows = [
        {
            "owner": s.deal.owner or "",
            "due_date": s.due_date,
            "overdue": s.overdue,
            "deal_id": s.deal.deal_id,
            "stage": s.deal.stage,
            "parties": f"{org_label(s.deal.org_a, names)} ↔ {org_label(s.deal.org_b, names)}",
            "title": s.deal.title,
        }
        for s in due_this_week(store, owner, today)
    ]
    columns = ["owner", "due_date", "overdue", "deal_id", "stage", "parties", "title"]
    return pd.DataFrame(rows, columns=columns)


def answers_frame(store: Store, event_id: str) -> pd.DataFrame:
    """Who answered the follow-up of an event (:func:`matchmaker.followup.progress.answers`)."""
    rows = [
        {
            "org_id": a.org_id,
            "name": a.name,
            "answered": a.answered,
            "last_report": a.last_report,
            "deals": ", ".join(a.deals),
        }
        for a in answers(store, event_id)
    ]
    return pd.DataFrame(rows, columns=["org_id", "name", "answered", "last_report", "deals"])
