"""Agenda clock times: start, slot length, breaks, table names; stored and applied."""

from __future__ import annotations

from datetime import date

import pytest

from matchmaker.errors import DataError
from matchmaker.events.agenda_files import write_agenda
from matchmaker.events.clock import Clock, set_clock
from matchmaker.events.service import plan_agenda


def test_times_skip_breaks_and_tables_get_names():
    clock = Clock.of({"start_time": "9:30", "slot_minutes": 25,
                      "breaks": ("10:30-10:45", "11:40-13:00"), "tables": ("Hall A",)})  # fmt: skip
    assert clock.times(6) == {
        1: "09:30-09:55",
        2: "09:55-10:20",
        3: "10:45-11:10",  # 10:20-10:45 would overlap the break
        4: "11:10-11:35",
        5: "13:00-13:25",  # 11:35-12:00 would overlap the lunch break
        6: "13:25-13:50",
    }
    assert clock.table_name("T01") == "Hall A" and clock.table_name("T02") == "T02"


def test_no_clock_means_slot_numbers_only():
    assert Clock.of({"event_id": "E"}).times(3) == {}
    assert Clock.of({"start_time": "09:00"}).times(3) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start_time", "9h30", "event E: start_time '9h30' is not a time; write it as HH:MM"),
        ("breaks", ("10:30",), "event E: break '10:30' is not HH:MM-HH:MM"),
        ("breaks", ("11:00-10:00",), "event E: break '11:00-10:00' ends before it starts"),
        ("slot_minutes", 0, "event E: slot_minutes must be 1 or more; got 0"),
    ],
)
def test_bad_clock_fields_are_named(field, value, message):
    with pytest.raises(DataError, match=message):
        Clock.of({"event_id": "E", "start_time": "09:00", "slot_minutes": 20, field: value})


@pytest.fixture
def ev(sqlite_store):
    orgs = [{"org_id": o, "name": f"Org {o}", "kind": "company"} for o in "ABCD"]
    sqlite_store.upsert(
        {
            "organizations": orgs,
            "events": [{"event_id": "E", "name": "Day", "date": date(2026, 11, 19)}],
            "participants": [
                {"event_id": "E", "org_id": o, "status": "registered"} for o in "ABCD"
            ],
        }
    )
    return sqlite_store


def _pairs(ids):
    return [("A", "B", 0.9, "B buys"), ("C", "D", 0.8, "D buys"), ("A", "C", 0.5, "C buys")]


def test_stored_clock_reaches_the_agenda_and_its_files(ev, tmp_path):
    set_clock(ev, "E", "9:00", 30, ["10:00-10:30", " "], ["Room 1", "Room 2", ""])
    stored = ev.get("events", "E")
    assert (stored["start_time"], stored["slot_minutes"]) == ("09:00", 30)
    assert (stored["breaks"], stored["tables"]) == (("10:00-10:30",), ("Room 1", "Room 2"))
    agenda = plan_agenda(ev, "E", slots=3, tables=30, pair_source=_pairs)
    assert agenda.times == {1: "09:00-09:30", 2: "09:30-10:00", 3: "10:30-11:00"}
    assert {m.table for m in agenda.meetings} <= {"Room 1", "Room 2"}  # 2 named tables at most
    first = next(r for r in agenda.by_org() if r["org_id"] == "A")
    assert (first["slot"], first["time"]) == (1, "09:00-09:30")
    paths = write_agenda(agenda, tmp_path, {"A": "Org A"}, "Day")
    assert (
        paths["by_org"]
        .read_text()
        .splitlines()[0]
        .startswith("org_id,name,slot,table,partner,partner_name,kind,reason,time")
    )
    assert "<td>09:00-09:30</td><td>Room" in paths["html"].read_text()
    with pytest.raises(DataError, match="start_time 'noon'"):
        set_clock(ev, "E", "noon", 30)
    assert ev.get("events", "E")["start_time"] == "09:00"  # nothing written
