"""Frames for the follow-up pages: the deal board, a deal's history, the report workbook.
Reads only: deal changes are :mod:`matchmaker.followup.deals` calls.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from matchmaker.followup.deals import history, list_deals
from matchmaker.followup.report import export_xlsx
from matchmaker.store.database import Store
from matchmaker.views.browse import org_label, org_names

__all__ = ["DEAL_BOARD_COLUMNS", "deal_board", "deal_history", "report_xlsx"]

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
                "version": d.version,
            }
        )
    return pd.DataFrame(records, columns=list(DEAL_BOARD_COLUMNS))


def deal_history(store: Store, deal_id: str) -> pd.DataFrame:
    """The changes of one deal, oldest first (:func:`matchmaker.followup.deals.history`)."""
    columns = ["at", "actor", "from_stage", "to_stage", "note", "suggestion"]
    rows = [{c: getattr(ev, c) for c in columns} for ev in history(store, deal_id)]
    return pd.DataFrame(rows, columns=columns)


def report_xlsx(store: Store, event_id: str | None = None, chain: str | None = None) -> bytes:
    """The report workbook of :func:`matchmaker.followup.report.export_xlsx`, as bytes to
    download."""
    with tempfile.TemporaryDirectory(prefix="matchmaker-report-") as tmp:
        return export_xlsx(store, Path(tmp) / "report.xlsx", event_id, chain).read_bytes()
