"""After the event: imported deals' first history entry, the demo dated to today, deal owners,
due lists, company progress reports and who answered."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.demo import DEMO_DIR
from matchmaker.errors import DataError, PermissionDenied, TransitionError
from matchmaker.followup import deals
from matchmaker.followup.progress import (
    answers,
    due_this_week,
    owners,
    report_progress,
    set_owner,
)
from matchmaker.ingest.dates import relative_to, shift_dates
from matchmaker.ingest.uploads import load_demo
from matchmaker.ingest.workspace import import_workspace
from matchmaker.store.access import scoped
from matchmaker.store.accounts import create_user, get_user

PASSWORD = "Long-enough-pass-42!"
TODAY = date(2026, 12, 3)  # a Thursday; the week ends on Sunday 6 December


@pytest.fixture
def ws(sqlite_store, tmp_path):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "organizations.csv").write_text(
        "org_id,name,kind\nA1,Optics,company\nA2,Germanium,company\nA3,Cameras,company\n"
    )
    (folder / "events.csv").write_text("event_id,name,date\nP1,Photonics day,2026-11-19\n")
    (folder / "deals.csv").write_text(
        "deal_id,org_a,org_b,stage,event_id,updated_at,due_date\n"
        "D1,A1,A2,intent,P1,2026-11-20T10:00:00,2026-12-01\n"
        "D2,A1,A3,in_progress,P1,2026-11-21T10:00:00,2026-12-06\n"
        "D3,A2,A3,intent,P1,2026-11-22T10:00:00,2026-12-07\n"
        "D4,A2,A3,signed,P1,2026-11-22T10:00:00,\n"
    )
    import_workspace(sqlite_store, folder, actor="li")
    for name, role, org in (("li", "organiser", None), ("wang", "organiser", None),
                            ("optics", "company", "A1"), ("rev", "reviewer", None)):  # fmt: skip
        create_user(sqlite_store, name, PASSWORD, role, org)
    return sqlite_store


def test_imported_deals_get_a_first_history_entry_once(ws, tmp_path):
    (h,) = deals.history(ws, "D2")
    assert (h.actor, h.from_stage, h.to_stage, h.note) == ("li", None, "in_progress", "imported")
    assert h.at == datetime(2026, 11, 21, 10, 0)
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "organizations.csv").write_text("org_id,name,kind\nA1,Optics,company\n")
    (folder / "deals.csv").write_text("deal_id,org_a,org_b,stage\nD1,A1,A2,intent\n")
    import_workspace(ws, folder)
    assert len(deals.history(ws, "D1")) == 1


def test_shift_keeps_intervals_and_puts_the_last_event_two_weeks_back():
    tables = {
        "events": [{"event_id": "E1", "date": date(2025, 1, 16)},
                   {"event_id": "E2", "date": date(2025, 6, 12)}],
        "deals": [{"deal_id": "D", "updated_at": datetime(2025, 6, 20, 9), "due_date": None}],
        "organizations": [{"org_id": "A"}],
    }  # fmt: skip
    out = relative_to(tables, TODAY)
    assert [e["date"] for e in out["events"]] == [date(2026, 6, 25), date(2026, 11, 19)]
    assert out["deals"][0] == {"deal_id": "D", "updated_at": datetime(2026, 11, 27, 9),
                               "due_date": None}  # fmt: skip
    assert tables["events"][1]["date"] == date(2025, 6, 12)  # the input is not changed
    assert relative_to({"organizations": []}, TODAY) == {"organizations": []}
    assert shift_dates(tables, 0) == tables


def test_demo_loads_relative_to_today_with_owners(sqlite_store):
    create_user(sqlite_store, "li", PASSWORD, "organiser")
    create_user(sqlite_store, "zhao", PASSWORD, "admin")
    load_demo(sqlite_store, DEMO_DIR, "li", today=TODAY)
    last = max(e["date"] for e in sqlite_store.rows("events"))
    assert last == date(2026, 11, 19)
    rows = sqlite_store.rows("deals")
    assert {d["owner"] for d in rows} == {"li", "zhao"}
    assert rows[0]["owner"] == "li" and rows[1]["owner"] == "zhao"
    assert all(deals.history(sqlite_store, d["deal_id"]) for d in rows[:5])
    # not every open deal is stale any more
    stale = [s.stale for s in deals.list_deals(sqlite_store, today=TODAY)
             if s.deal.stage in deals.OPEN_STAGES]  # fmt: skip
    assert 0 < sum(stale) < len(stale)
    # loading again on the same day changes nothing
    again = load_demo(sqlite_store, DEMO_DIR, "li", today=TODAY)
    assert all(v == (0, 0) for v in again.values())


def test_owners_and_due_this_week(ws):
    assert owners(ws) == ["li", "wang"]
    set_owner(ws, "D1", "li", actor="li")
    set_owner(ws, "D2", "wang", actor="li")
    with pytest.raises(DataError, match="'optics' is not an active organiser account"):
        set_owner(ws, "D3", "optics", actor="li")
    due = due_this_week(ws, today=TODAY)
    assert [(s.deal.deal_id, s.overdue) for s in due] == [("D1", True), ("D2", False)]
    assert [s.deal.deal_id for s in due_this_week(ws, "li", TODAY)] == ["D1"]
    assert [s.deal.deal_id for s in due_this_week(ws, "", TODAY)] == []
    assert [s.deal.deal_id for s in due_this_week(ws, "", date(2026, 12, 7))] == ["D3"]


def test_company_reports_progress_on_its_own_deals(ws):
    optics = scoped(ws, get_user(ws, "optics"))
    at = datetime(2026, 12, 2, 9)
    d = report_progress(optics, "D1", actor="optics", note="samples sent",
                        next_step=date(2026, 12, 10), at=at)  # fmt: skip
    assert (d.stage, d.note, d.due_date) == ("intent", "samples sent", date(2026, 12, 10))
    last = deals.history(ws, "D1")[-1]
    assert (last.actor, last.from_stage, last.to_stage, last.note) == (
        "optics", "intent", "intent", "samples sent",
    )  # fmt: skip
    d = report_progress(optics, "D2", actor="optics", stage="signed", note="contract", at=at)
    assert d.stage == "signed"
    with pytest.raises(TransitionError, match="it is closed"):
        report_progress(optics, "D2", actor="optics", note="x", at=at)
    with pytest.raises(TransitionError, match="cannot move to signed"):
        report_progress(optics, "D1", actor="optics", stage="signed", at=at)
    with pytest.raises(DataError, match="needs a stage change, a note or a next-step date"):
        report_progress(optics, "D1", actor="optics", note="  ", at=at)
    with pytest.raises(DataError, match="is in the past"):
        report_progress(optics, "D1", actor="optics", next_step=date(2026, 1, 1), at=at)
    with pytest.raises(PermissionDenied):
        report_progress(optics, "D3", actor="optics", note="not mine", at=at)
    with pytest.raises(PermissionDenied):
        report_progress(scoped(ws, get_user(ws, "rev")), "D1", actor="rev", note="x", at=at)


def test_answers_tell_who_reported_since_the_event(ws):
    report_progress(scoped(ws, get_user(ws, "optics")), "D1", actor="optics", note="call held",
                    at=datetime(2026, 12, 1, 8))  # fmt: skip
    got = [(a.org_id, a.answered, a.deals) for a in answers(ws, "P1")]
    assert got == [
        ("A1", True, ("D1", "D2")),
        ("A2", False, ("D1", "D3")),
        ("A3", False, ("D2", "D3")),
    ]
    reviewer = scoped(ws, get_user(ws, "rev"))
    assert [a.answered for a in answers(reviewer, "P1")] == [True, False, False]


def test_cli_followup(ws, tmp_path, monkeypatch):
    run = CliRunner()
    db = ["--db", ws.url]
    res = run.invoke(app, [*db, "followup", "owner", "D1", "li"])
    assert res.exit_code == 0 and "deal D1 is followed up by li" in res.output
    res = run.invoke(app, [*db, "followup", "owner", "D1", "nobody"])
    assert res.exit_code == 2 and "not an active organiser account" in res.output
    res = run.invoke(app, [*db, "followup", "report", "D2", "--stage", "signed", "--by", "li"])
    assert res.exit_code == 0 and "deal D2 is signed; next follow-up -" in res.output
    res = run.invoke(app, [*db, "followup", "report", "D1", "--next", "soon"])
    assert res.exit_code == 2 and "--next 'soon' is not an ISO date" in res.output
    out = tmp_path / "due.xlsx"
    res = run.invoke(app, [*db, "followup", "due", "--owner", "li", "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "owner\tdue\toverdue\tdeal_id\tstage\torg_a\torg_b\ttitle"
    assert lines[1].startswith("li\t2026-12-01\tyes\tD1\tintent\tA1\tA2")
    assert "1 deal(s) due by the end of this week" in res.output
    sheet = openpyxl.load_workbook(out)["due"]
    assert [c.value for c in sheet[1]] == [
        "Owner", "Due", "Overdue", "Deal", "Stage", "Party A", "Party B", "Title",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2"
    res = run.invoke(app, [*db, "followup", "due", "--out", "x.csv"])
    assert res.exit_code == 2 and "--out must end in .xlsx" in res.output
    res = run.invoke(app, [*db, "followup", "answers", "P1"])
    assert res.exit_code == 0 and "0 of 3 organisation(s) answered" in res.output


def test_upgrading_gives_deals_without_history_their_first_entry(tmp_path):
    from alembic import command

    from matchmaker.store.database import Store, _alembic_config

    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    with store.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0003")
        conn.exec_driver_sql(
            "INSERT INTO organizations (org_id, name, kind, version) VALUES "
            "('A', 'Acme', 'company', 1), ('B', 'Beta', 'company', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO deals (deal_id, org_a, org_b, stage, updated_at, version) "
            "VALUES ('D1', 'A', 'B', 'in_progress', '2025-06-01 10:00:00', 1)"
        )
    store.init()
    (h,) = deals.history(store, "D1")
    assert (h.actor, h.from_stage, h.to_stage, h.note) == (
        "import",
        None,
        "in_progress",
        "imported",
    )
    assert h.at == datetime(2025, 6, 1, 10, 0)
    store.engine.dispose()
