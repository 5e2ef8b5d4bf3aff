"""Agenda files: CSV per organisation and per table, an XLSX workbook, a printable HTML page.

Every name, id and reason written to HTML is escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from matchmaker.ingest.files import escape_frame

if TYPE_CHECKING:
    from matchmaker.events.schedule import Agenda

__all__ = ["COLUMNS", "WORDS", "agenda_html", "write_agenda"]

# Every column of the agenda's files (the CSV files' machine-readable header names).
COLUMNS = ("org_id", "name", "slot", "table", "partner", "partner_name", "kind", "reason",
           "org_a", "name_a", "org_b", "name_b", "time")  # fmt: skip

# The words of the printable page; callers pass their own (e.g. Chinese) as ``labels``.
WORDS = {
    "title": "Agenda",
    "slot": "slot",
    "time": "time",
    "table": "table",
    "with": "with",
    "why": "why",
    "meeting": "meeting",
    "tables": "Tables",
    "none": "No meetings scheduled.",
    "not_placed": "Not placed",
}


def agenda_html(
    agenda: Agenda,
    names: dict[str, str] | None = None,
    title: str = "",
    labels: Mapping[str, str] | None = None,
) -> str:
    """A printable HTML page: one section per organisation, then the grid per slot and table.

    Every name, id and reason is HTML-escaped. ``labels`` replaces the page's words (keys of
    :data:`WORDS`), e.g. with Chinese ones; the page is marked ``lang="zh"`` when its title
    word is not the English one.
    """
    names = names or {}
    w = {**WORDS, **(labels or {})}
    e = html.escape
    page_lang = "en" if w["title"] == WORDS["title"] else "zh"
    out = [
        f"<!doctype html><html lang='{page_lang}'><head><meta charset='utf-8'>",
        f"<title>{e(title or w['title'])}</title><style>",
        "body{font-family:sans-serif;font-size:11pt}table{border-collapse:collapse}",
        "td,th{border:1px solid #999;padding:2px 6px;text-align:left}",
        "section{page-break-after:always}@media print{h1{font-size:14pt}}",
        f"</style></head><body><h1>{e(title or w['title'])}</h1>",
    ]
    rows = defaultdict(list)
    for r in agenda.by_org(names):
        rows[r["org_id"]].append(r)
    for org in agenda.attendees:
        out.append(f"<section><h2>{e(names.get(org, org))} <small>({e(org)})</small></h2>")
        if not rows[org]:
            out.append(f"<p>{e(w['none'])}</p></section>")
            continue
        out.append(
            f"<table><tr><th>{e(w['slot'])}</th><th>{e(w['time'])}</th><th>{e(w['table'])}</th>"
            f"<th>{e(w['with'])}</th><th>{e(w['why'])}</th></tr>"
        )
        for r in rows[org]:
            out.append(
                f"<tr><td>{r['slot']}</td><td>{e(r['time'])}</td><td>{e(r['table'])}</td>"
                f"<td>{e(r['partner_name'])} ({e(r['partner'])})</td><td>{e(r['reason'])}</td></tr>"
            )
        out.append("</table></section>")
    out.append(
        f"<section><h2>{e(w['tables'])}</h2><table><tr><th>{e(w['slot'])}</th>"
        f"<th>{e(w['time'])}</th><th>{e(w['table'])}</th><th>{e(w['meeting'])}</th></tr>"
    )
    for r in agenda.by_table(names):
        out.append(
            f"<tr><td>{r['slot']}</td><td>{e(r['time'])}</td><td>{e(r['table'])}</td>"
            f"<td>{e(r['name_a'])} &amp; {e(r['name_b'])}</td></tr>"
        )
    out.append("</table></section>")
    if agenda.unplaced or agenda.below_floor:
        out.append(f"<section><h2>{e(w['not_placed'])}</h2><ul>")
        for u in agenda.unplaced:
            out.append(f"<li>{e(u.org_a)} &amp; {e(u.org_b)} ({e(u.kind)}): {e(u.reason)}</li>")
        for s in agenda.below_floor:
            out.append(f"<li>{e(s.org_id)}: {s.meetings} of {s.floor} meetings: {e(s.reason)}</li>")
        out.append("</ul></section>")
    out.append("</body></html>")
    return "\n".join(out)


def write_agenda(
    agenda: Agenda,
    out_dir: str | Path,
    names: dict[str, str] | None = None,
    title: str = "",
    headers: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Path]:
    """Write ``agenda_by_org.csv``, ``agenda_by_table.csv``, ``agenda.xlsx`` (sheets by_org,
    by_table, not_placed) and ``agenda.html`` into ``out_dir``; return them by kind.

    The CSV files keep their machine-readable column names (a public contract, see
    ``docs/cli.md``); ``headers`` (``{column: header}``, e.g. Chinese ones) renames the
    columns of the workbook's sheets, and ``labels`` the words of the HTML page
    (see :func:`agenda_html`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by_org = pd.DataFrame(
        agenda.by_org(names),
        columns=[
            "org_id",
            "name",
            "slot",
            "table",
            "partner",
            "partner_name",
            "kind",
            "reason",
            "time",  # added last: readers of the earlier columns are unaffected
        ],
    )
    by_table = pd.DataFrame(
        agenda.by_table(names),
        columns=["slot", "table", "org_a", "name_a", "org_b", "name_b", "kind", "time"],
    )
    missing = pd.DataFrame(
        [(u.org_a, u.org_b, u.kind, u.reason) for u in agenda.unplaced]
        + [
            (s.org_id, "", "floor", f"{s.meetings} of {s.floor}: {s.reason}")
            for s in agenda.below_floor
        ],
        columns=["org_a", "org_b", "kind", "reason"],
    )
    paths = {
        "by_org": out / "agenda_by_org.csv",
        "by_table": out / "agenda_by_table.csv",
        "xlsx": out / "agenda.xlsx",
        "html": out / "agenda.html",
    }
    by_org, by_table, missing = (escape_frame(f) for f in (by_org, by_table, missing))
    by_org.to_csv(paths["by_org"], index=False)
    by_table.to_csv(paths["by_table"], index=False)
    shown = dict(headers or {})
    with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as xl:
        by_org.rename(columns=shown).to_excel(xl, sheet_name="by_org", index=False)
        by_table.rename(columns=shown).to_excel(xl, sheet_name="by_table", index=False)
        missing.rename(columns=shown).to_excel(xl, sheet_name="not_placed", index=False)
    paths["html"].write_text(agenda_html(agenda, names, title, labels), encoding="utf-8")
    return paths
