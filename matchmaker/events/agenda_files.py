"""Agenda files: CSV per organisation and per table, an XLSX workbook, a printable HTML page.

Every name, id and reason written to HTML is escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matchmaker.events.schedule import Agenda

__all__ = ["agenda_html", "write_agenda"]


def agenda_html(agenda: Agenda, names: dict[str, str] | None = None, title: str = "") -> str:
    """A printable HTML page: one section per organisation, then the grid per slot and table.

    Every name, id and reason is HTML-escaped.
    """
    names = names or {}
    e = html.escape
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(title or 'Agenda')}</title><style>",
        "body{font-family:sans-serif;font-size:11pt}table{border-collapse:collapse}",
        "td,th{border:1px solid #999;padding:2px 6px;text-align:left}",
        "section{page-break-after:always}@media print{h1{font-size:14pt}}",
        f"</style></head><body><h1>{e(title or 'Agenda')}</h1>",
    ]
    rows = defaultdict(list)
    for r in agenda.by_org(names):
        rows[r["org_id"]].append(r)
    for org in agenda.attendees:
        out.append(f"<section><h2>{e(names.get(org, org))} <small>({e(org)})</small></h2>")
        if not rows[org]:
            out.append("<p>No meetings scheduled.</p></section>")
            continue
        out.append(
            "<table><tr><th>slot</th><th>time</th><th>table</th><th>with</th><th>why</th></tr>"
        )
        for r in rows[org]:
            out.append(
                f"<tr><td>{r['slot']}</td><td>{e(r['time'])}</td><td>{e(r['table'])}</td>"
                f"<td>{e(r['partner_name'])} ({e(r['partner'])})</td><td>{e(r['reason'])}</td></tr>"
            )
        out.append("</table></section>")
    out.append(
        "<section><h2>Tables</h2><table><tr><th>slot</th><th>time</th><th>table</th>"
        "<th>meeting</th></tr>"
    )
    for r in agenda.by_table(names):
        out.append(
            f"<tr><td>{r['slot']}</td><td>{e(r['time'])}</td><td>{e(r['table'])}</td>"
            f"<td>{e(r['name_a'])} &amp; {e(r['name_b'])}</td></tr>"
        )
    out.append("</table></section>")
    if agenda.unplaced or agenda.below_floor:
        out.append("<section><h2>Not placed</h2><ul>")
        for u in agenda.unplaced:
            out.append(f"<li>{e(u.org_a)} &amp; {e(u.org_b)} ({e(u.kind)}): {e(u.reason)}</li>")
        for s in agenda.below_floor:
            out.append(f"<li>{e(s.org_id)}: {s.meetings} of {s.floor} meetings: {e(s.reason)}</li>")
        out.append("</ul></section>")
    out.append("</body></html>")
    return "\n".join(out)


def write_agenda(
    agenda: Agenda, out_dir: str | Path, names: dict[str, str] | None = None, title: str = ""
) -> dict[str, Path]:
    """Write ``agenda_by_org.csv``, ``agenda_by_table.csv``, ``agenda.xlsx`` (sheets by_org,
    by_table, not_placed) and ``agenda.html`` into ``out_dir``; return them by kind."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by_org = pd.DataFrame(
        agenda.by_org(names),
        columns=[
            "org_id",
            "name",
            "slot",
            "time",
            "table",
            "partner",
            "partner_name",
            "kind",
            "reason",
        ],
    )
    by_table = pd.DataFrame(
        agenda.by_table(names),
        columns=["slot", "time", "table", "org_a", "name_a", "org_b", "name_b", "kind"],
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
    by_org.to_csv(paths["by_org"], index=False)
    by_table.to_csv(paths["by_table"], index=False)
    with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as xl:
        by_org.to_excel(xl, sheet_name="by_org", index=False)
        by_table.to_excel(xl, sheet_name="by_table", index=False)
        missing.to_excel(xl, sheet_name="not_placed", index=False)
    paths["html"].write_text(agenda_html(agenda, names, title), encoding="utf-8")
    return paths
