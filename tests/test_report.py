"""The funnel report: the public contract's keys and figures on a tiny hand-built workspace."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from matchmaker.errors import DataError, NotFoundError
from matchmaker.followup import report


def _org(org_id, local, chains=("photonics",)):
    return {"org_id": org_id, "name": org_id, "kind": "company", "local": local, "chains": chains}


# The rows of /work/shared/checks/fixtures/ok (the contract fixture), plus chains on events.
WORKSPACE = {
    "organizations": [_org("A1", True), _org("A2", False), _org("A3", True), _org("A4", True)],
    "events": [
        {"event_id": "P1", "name": "Photonics", "date": date(2025, 5, 9), "chains": ("ph",)},
        {
            "event_id": "P2",
            "name": "Marine",
            "date": date(2025, 6, 12),
            "chains": ("ph", "marine"),
        },
    ],
    "participants": [
        {"event_id": "P1", "org_id": "A1", "status": "attended"},
        {"event_id": "P1", "org_id": "A2", "status": "attended"},
        {"event_id": "P1", "org_id": "A3", "status": "declined"},
        {"event_id": "P2", "org_id": "A1", "status": "attended"},
        {"event_id": "P2", "org_id": "A3", "status": "attended"},
        {"event_id": "P2", "org_id": "A4", "status": "invited"},
    ],
    "meetings": [
        {"event_id": "P1", "org_a": "A1", "org_b": "A2", "slot": 1, "status": "held"},
        {"event_id": "P2", "org_a": "A1", "org_b": "A3", "slot": 1, "status": "held"},
    ],
    "deals": [
        {"deal_id": "X1", "org_a": "A2", "org_b": "A1", "stage": "signed", "event_id": "P1"},
        {"deal_id": "X2", "org_a": "A1", "org_b": "A3", "stage": "intent", "event_id": "P2"},
        {"deal_id": "X3", "org_a": "A4", "org_b": "A1", "stage": "dropped", "event_id": None},
    ],
}
EXPECTED_ALL = {
    "events": 2,
    "invited": 4,
    "attended": 3,
    "attended_external": 1,
    "meetings_held": 2,
    "deals": {"intent": 1, "in_progress": 0, "signed": 1, "dropped": 1},
    "orgs_with_deal": 3,
}
EXPECTED_P2 = {
    "events": 1,
    "invited": 3,
    "attended": 2,
    "attended_external": 0,
    "meetings_held": 1,
    "deals": {"intent": 1, "in_progress": 0, "signed": 0, "dropped": 0},
    "orgs_with_deal": 2,
}


@pytest.fixture
def ws(store):
    store.upsert(WORKSPACE)
    return store


def test_funnel_matches_the_contract_fixture(ws):
    got = report.funnel(ws)
    assert got == EXPECTED_ALL
    assert list(got) == list(report.FUNNEL_KEYS)
    assert report.funnel(ws, event_id="P2") == EXPECTED_P2


def test_chain_filter_keeps_events_with_that_chain_and_their_deals(ws):
    assert report.funnel(ws, chain="marine") == EXPECTED_P2
    ph = report.funnel(ws, chain="ph")
    # Both events, but the deal without an event is out of scope.
    assert ph["events"] == 2 and ph["deals"]["dropped"] == 0 and ph["deals"]["signed"] == 1
    none = report.funnel(ws, chain="nothing")
    assert none["events"] == 0 and none["invited"] == 0 and none["orgs_with_deal"] == 0


def test_unknown_event_is_refused(ws):
    with pytest.raises(NotFoundError, match="P9"):
        report.funnel(ws, event_id="P9")


def test_conversion_walks_the_organisation_funnel(ws):
    rows = {r["step"]: r for r in report.conversion(ws)}
    assert [rows[s]["organisations"] for s in report.RATE_STEPS] == [3, 3, 3, 2, 2]
    assert rows["attended"]["rate"] is None
    assert rows["in_progress"]["rate"] == pytest.approx(2 / 3)
    assert rows["signed"]["overall"] == pytest.approx(2 / 3)


def test_dropped_deal_counts_for_the_stage_its_history_reached(ws):
    from matchmaker.followup import deals

    made = deals.add_deal(ws, "A3", "A2", actor="li", event_id="P1", at=datetime(2025, 5, 10))
    assert made.deal_id == "D0001"  # the X ids are another shape: D numbering starts at 1
    deals.advance(ws, "D0001", actor="li")
    deals.drop(ws, "D0001", actor="li", note="lost budget")
    rows = {r["step"]: r["organisations"] for r in report.conversion(ws, event_id="P1")}
    # P1 attendees A1, A2; A2 reached in_progress through D0001, A1 and A2 signed X1.
    assert rows == {"attended": 2, "met": 2, "intent": 2, "in_progress": 2, "signed": 2}
    assert report.funnel(ws, event_id="P1")["deals"]["dropped"] == 1


def test_breakdowns_per_event_and_chain(ws):
    by_event = report.breakdown(ws, "event")
    assert [(r["event_id"], r["attended"], r["deals_signed"]) for r in by_event] == [
        ("P1", 2, 1),
        ("P2", 2, 0),
    ]
    by_chain = report.breakdown(ws, "chain")
    assert [(r["chain"], r["events"], r["invited"]) for r in by_chain] == [
        ("marine", 1, 3),
        ("ph", 2, 4),
    ]
    assert by_chain[0]["rate_met"] == 1.0
    with pytest.raises(DataError, match="event"):
        report.breakdown(ws, "region")


def test_table_format_and_xlsx_export(ws, tmp_path):
    text = report.format_table(report.funnel(ws))
    assert "attended_external" in text and "deals in_progress" in text
    path = report.export_xlsx(ws, tmp_path / "out" / "report.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Funnel", "Conversion", "By event", "By chain"]
    values = {r[0]: r[1] for r in book["Funnel"].iter_rows(min_row=2, values_only=True)}
    assert values["Deals signed (deals)"] == 1
    assert values["Organisations with a deal (organisations)"] == 3
    conversion = book["Conversion"]
    assert [c.value for c in conversion[1]] == [
        "Step", "Organisations", "Share of the step before", "Share of those who attended",
    ]  # fmt: skip
    assert conversion.freeze_panes == "A2" and conversion["D2"].number_format == "0.0%"
    assert conversion.column_dimensions["D"].width >= len("Share of those who attended")
    by_event = book["By event"]
    assert by_event["A1"].value == "Event"
    zh = load_workbook(report.export_xlsx(ws, tmp_path / "zh.xlsx", lang="zh"))
    assert zh.sheetnames == ["漏斗", "转化", "按活动", "按产业链"]
    assert zh["转化"]["C1"].value == "占上一环节比例"
    with pytest.raises(DataError, match="use en or zh"):
        report.export_xlsx(ws, tmp_path / "fr.xlsx", lang="fr")
    with pytest.raises(DataError, match="xlsx"):
        report.export_xlsx(ws, tmp_path / "report.csv")


def test_demo_workspace_shows_the_bureau_history(sqlite_store):
    """`report funnel` on the demo: 7 events, 300 attended, 100+ from outside, 9 signed,
    36 in progress (the half-year report's figures)."""
    from matchmaker.demo.generate import DEMO_DIR
    from matchmaker.ingest.workspace import import_workspace

    import_workspace(sqlite_store, DEMO_DIR)
    got = report.funnel(sqlite_store)
    assert (got["events"], got["attended"]) == (7, 300)
    assert got["attended_external"] >= 100
    assert (got["deals"]["signed"], got["deals"]["in_progress"]) == (9, 36)
    assert list(got) == list(report.FUNNEL_KEYS)
    assert got["invited"] >= got["attended"] >= got["attended_external"]


def test_cli_funnel_json_and_table(ws):
    import json

    from typer.testing import CliRunner

    from matchmaker.cli import app

    run = CliRunner()
    db = ["--db", ws.url]
    res = run.invoke(app, [*db, "report", "funnel", "--event", "P2", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output) == EXPECTED_P2
    assert "orgs_with_deal" in run.invoke(app, [*db, "report", "funnel"]).output
    assert run.invoke(app, [*db, "report", "funnel", "--format", "csv"]).exit_code == 2
    assert run.invoke(app, [*db, "report", "funnel", "--event", "P9"]).exit_code == 2
    rows = json.loads(run.invoke(app, [*db, "report", "breakdown", "--format", "json"]).output)
    assert [r["event_id"] for r in rows] == ["P1", "P2"]
    conv = run.invoke(app, [*db, "report", "conversion"]).output.split()
    assert conv[:3] == ["attended", "3", "-"]
