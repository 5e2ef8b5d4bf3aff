"""Meeting agendas on hand-built events: every rule, the impossible cases, the outputs."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.cli import events as cli_events
from matchmaker.errors import DataError, NotFoundError
from matchmaker.events import service as events
from matchmaker.events.agenda_files import agenda_html, write_agenda
from matchmaker.events.schedule import make_schedule

PAIRS = [
    ("A", "B", 0.9, "B buys A's lenses"),
    ("A", "C", 0.8, "C needs A's blanks"),
    ("B", "C", 0.7, "joint project"),
    ("C", "D", 0.2, "weak"),
]


def _placed(agenda):
    return {(m.org_a, m.org_b): (m.slot, m.table, m.kind) for m in agenda.meetings}


def test_by_value_into_the_least_busy_slot():
    agenda = make_schedule("ABCD", PAIRS, slots=2, tables=2)
    assert _placed(agenda) == {
        ("A", "B"): (1, "T01", "suggested"),
        ("A", "C"): (2, "T01", "suggested"),
        ("C", "D"): (1, "T02", "suggested"),
    }
    # B-C (0.7) did not fit: C is busy in both slots.
    assert agenda.unplaced == [] and agenda.below_floor == []


def test_one_meeting_per_org_per_slot_and_table_capacity():
    people = [f"O{i}" for i in range(8)]
    pairs = [(a, b, 1.0, "") for i, a in enumerate(people) for b in people[i + 1 :]]
    agenda = make_schedule(people, pairs, slots=3, tables=2)
    per_slot = Counter(m.slot for m in agenda.meetings)
    assert max(per_slot.values()) == 2 and len(agenda.meetings) == 6
    for slot in (1, 2, 3):
        busy = [o for m in agenda.meetings if m.slot == slot for o in (m.org_a, m.org_b)]
        assert len(busy) == len(set(busy))
        tables = [m.table for m in agenda.meetings if m.slot == slot]
        assert sorted(tables) == ["T01", "T02"]
    shared = make_schedule(people, pairs, slots=1, tables=1, per_table=2)
    assert [m.table for m in shared.meetings] == ["T01", "T01"]


def test_do_not_meet_is_never_scheduled_even_when_requested():
    agenda = make_schedule("ABCD", PAIRS, requests=[("A", "B"), ("B", "A")], avoid=[("B", "A")])
    assert ("A", "B") not in _placed(agenda)
    assert [(u.org_a, u.org_b, u.kind, u.reason) for u in agenda.unplaced] == [
        ("A", "B", "mutual", "do-not-meet mark by B")
    ]


def test_mutual_requests_first_then_one_sided_then_value():
    # One slot, one table: only one meeting fits.
    one_sided = make_schedule("ABCD", PAIRS, requests=[("D", "C")], slots=1, tables=1)
    assert _placed(one_sided) == {("C", "D"): (1, "T01", "requested")}
    mutual = make_schedule(
        "ABCD", PAIRS, requests=[("D", "C"), ("B", "C"), ("C", "B")], slots=1, tables=1
    )
    assert _placed(mutual) == {("B", "C"): (1, "T01", "mutual")}
    assert [(u.org_a, u.org_b, u.kind) for u in mutual.unplaced] == [("C", "D", "requested")]
    assert mutual.unplaced[0].reason == "C has a meeting in every slot"
    assert mutual.meetings[0].reason == "both asked; joint project"


def test_a_request_moves_another_meeting_to_make_room():
    # A-B goes to slot 1 and C-D to slot 2; A-C then finds no common free slot until
    # A-B moves to slot 2.
    reqs = [("A", "B"), ("B", "A"), ("C", "D"), ("D", "C"), ("A", "C"), ("C", "A")]
    values = [("A", "B", 0.9, ""), ("C", "D", 0.8, ""), ("A", "C", 0.1, "")]
    agenda = make_schedule("ABCD", values, requests=reqs, slots=2, tables=2)
    assert _placed(agenda) == {
        ("A", "B"): (2, "T01", "mutual"),
        ("C", "D"): (2, "T02", "mutual"),
        ("A", "C"): (1, "T01", "mutual"),
    }
    assert agenda.unplaced == []


def test_request_of_someone_absent_is_reported():
    agenda = make_schedule("AB", PAIRS, requests=[("A", "Z")])
    assert [(u.org_b, u.reason) for u in agenda.unplaced] == [("Z", "Z not attending")]


def test_fairness_floor_gives_everyone_a_meeting():
    # E and F have no valued partner: by value alone they get nothing.
    people = "ABCEF"
    without = make_schedule(people, PAIRS, slots=2, tables=2)
    assert _placed(without) == {
        ("A", "B"): (1, "T01", "suggested"),
        ("A", "C"): (2, "T01", "suggested"),
    }
    with_floor = make_schedule(people, PAIRS, slots=2, tables=2, min_meetings=1)
    assert _placed(with_floor) == {
        ("A", "B"): (1, "T01", "floor"),
        ("A", "C"): (2, "T01", "floor"),
        ("E", "F"): (1, "T02", "floor"),
    }
    assert with_floor.below_floor == []
    ef = next(m for m in with_floor.meetings if m.org_a == "E")
    assert ef.reason == "fairness floor: 1 meetings each"


def test_floor_that_cannot_be_met_is_reported():
    agenda = make_schedule("ABC", [], slots=1, tables=5, min_meetings=1)
    assert len(agenda.meetings) == 1
    (short,) = agenda.below_floor
    assert (short.org_id, short.meetings, short.floor) == ("C", 0, 1)


def test_max_meetings_per_org():
    agenda = make_schedule("ABCD", PAIRS, slots=4, tables=4, max_meetings=1)
    counts = Counter(o for m in agenda.meetings for o in (m.org_a, m.org_b))
    assert max(counts.values()) == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"slots": 0}, {"tables": 0}, {"per_table": 0}, {"min_meetings": -1}, {"max_meetings": 0}],
)
def test_bad_sizes_are_refused(kwargs):
    with pytest.raises(DataError):
        make_schedule("AB", PAIRS, **kwargs)


def test_self_request_is_refused():
    with pytest.raises(DataError, match="twice"):
        make_schedule("AB", PAIRS, requests=[("A", "A")])


def test_outputs_csv_xlsx_and_escaped_html(tmp_path):
    names = {"A": "<script>alert(1)</script>", "B": "Baotou & Sons"}
    agenda = make_schedule("ABZ", PAIRS, requests=[("A", "Y")], slots=2, tables=1)
    paths = write_agenda(agenda, tmp_path / "out", names, title="Day <1>")
    by_org = pd.read_csv(paths["by_org"])
    assert list(by_org["org_id"]) == ["A", "B"] and list(by_org["partner"]) == ["B", "A"]
    by_table = pd.read_csv(paths["by_table"])
    assert by_table.iloc[0][["slot", "table", "org_a", "org_b"]].tolist() == [1, "T01", "A", "B"]
    book = load_workbook(paths["xlsx"])
    assert book.sheetnames == ["by_org", "by_table", "not_placed"]
    page = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Baotou &amp; Sons" in page and "Day &lt;1&gt;" in page
    assert "No meetings scheduled." in page  # Z has none
    assert "Y not attending" in agenda_html(agenda)


# --- from the store: requests, plan, save, CLI ----------------------------------------

WS = {
    "organizations": [
        {"org_id": o, "name": f"Org {o}", "kind": "company"} for o in ("A", "B", "C", "D")
    ],
    "events": [{"event_id": "E", "name": "Day <b>", "date": date(2025, 9, 1)}],
    "participants": [
        {"event_id": "E", "org_id": "A", "status": "registered"},
        {"event_id": "E", "org_id": "B", "status": "registered"},
        {"event_id": "E", "org_id": "C", "status": "attended"},
        {"event_id": "E", "org_id": "D", "status": "declined"},
    ],
    "meetings": [
        {"event_id": "E", "org_a": "A", "org_b": "B", "slot": 3, "table": "T09",
         "status": "accepted"},
        {"event_id": "E", "org_a": "B", "org_b": "C", "slot": 1, "table": "T01",
         "status": "proposed"},
    ],
}  # fmt: skip


@pytest.fixture
def ev(store):
    store.upsert(WS)
    return store


def _pairs(ids):
    return [p for p in PAIRS if p[0] in ids and p[1] in ids]


def test_requests_round_trip(ev):
    events.add_request(ev, "E", "A", "C")
    events.add_request(ev, "E", "C", "A")
    events.add_request(ev, "E", "B", "C", kind="avoid")
    assert events.requests(ev, "E") == ([("A", "C"), ("C", "A")], [("B", "C")])
    events.add_request(ev, "E", "A", "C", kind="avoid")  # replaces the request
    assert events.requests(ev, "E") == ([("C", "A")], [("A", "C"), ("B", "C")])
    assert events.remove_request(ev, "E", "A", "C") is True
    assert events.remove_request(ev, "E", "A", "C") is False
    with pytest.raises(DataError, match="kind"):
        events.add_request(ev, "E", "A", "B", kind="maybe")
    with pytest.raises(DataError, match="twice"):
        events.add_request(ev, "E", "A", "A")
    with pytest.raises(NotFoundError):
        events.add_request(ev, "E", "A", "ZZ")


def test_plan_and_save_agenda(ev):
    events.add_request(ev, "E", "A", "C", kind="avoid")
    agenda = events.plan_agenda(ev, "E", slots=2, tables=1, pair_source=_pairs)
    assert agenda.attendees == ["A", "B", "C"]
    assert ("A", "C") not in _placed(agenda)
    assert _placed(agenda) == {
        ("A", "B"): (1, "T01", "suggested"),
        ("B", "C"): (2, "T01", "suggested"),
    }
    assert events.save_agenda(ev, "E", agenda) == (1, 1)  # A-B keeps its accepted meeting
    rows = {(m["org_a"], m["org_b"]): (m["slot"], m["status"]) for m in ev.rows("meetings")}
    assert rows == {("A", "B"): (3, "accepted"), ("B", "C"): (2, "proposed")}
    with pytest.raises(DataError, match="nothing to schedule"):
        events.plan_agenda(ev, "E", statuses=("no_show",), pair_source=_pairs)


def test_cli_schedule(ev, monkeypatch, tmp_path):
    monkeypatch.setattr(cli_events, "_pair_source", lambda store: _pairs)
    run = CliRunner()
    db = ["--db", ev.url]
    assert run.invoke(app, [*db, "schedule", "request", "E", "A", "C", "--avoid"]).exit_code == 0
    assert run.invoke(app, [*db, "schedule", "request", "E", "C", "B"]).exit_code == 0
    listed = run.invoke(app, [*db, "schedule", "requests", "E"]).output
    assert listed.splitlines() == ["meet\tC\tB\tone-sided", "avoid\tA\tC"]
    res = run.invoke(
        app, [*db, "schedule", "make", "E", "--slots", "2", "--tables", "1", "--out",
              str(tmp_path / "ag"), "--save"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "2 meetings for 3 attendees" in res.output
    assert (tmp_path / "ag" / "agenda.html").exists()
    assert "Day &lt;b&gt;: meeting agenda" in (tmp_path / "ag" / "agenda.html").read_text()
    bad = run.invoke(app, [*db, "schedule", "make", "E", "--slots", "0"])
    assert bad.exit_code == 2 and "slots must be >= 1" in bad.output
    gone = run.invoke(app, [*db, "schedule", "withdraw", "E", "A", "B"])
    assert gone.exit_code == 2


@pytest.mark.parametrize("seed", range(30))
def test_every_agenda_keeps_every_rule(seed):
    import random

    rnd = random.Random(seed)
    people = [f"O{i}" for i in range(rnd.randint(2, 14))]
    pairs = [
        (a, b, round(rnd.random(), 2), "r")
        for i, a in enumerate(people)
        for b in people[i + 1 :]
        if rnd.random() < 0.5
    ]
    reqs = [tuple(rnd.sample(people, 2)) for _ in range(rnd.randint(0, 12))]
    avoid = [tuple(rnd.sample(people, 2)) for _ in range(rnd.randint(0, 4))]
    slots, tables, per_table = rnd.randint(1, 4), rnd.randint(1, 4), rnd.randint(1, 2)
    most = rnd.choice([None, 1, 2])
    agenda = make_schedule(
        people, pairs, reqs, avoid, slots, tables, per_table, rnd.randint(0, 3), most
    )
    blocked = {frozenset(p) for p in avoid}
    seen = set()
    for m in agenda.meetings:
        assert frozenset((m.org_a, m.org_b)) not in blocked
        assert 1 <= m.slot <= slots
        for org in (m.org_a, m.org_b):
            assert (org, m.slot) not in seen  # one meeting per organisation per slot
            seen.add((org, m.slot))
    for slot in range(1, slots + 1):
        at = Counter(m.table for m in agenda.meetings if m.slot == slot)
        assert sum(at.values()) <= tables * per_table
        assert all(n <= per_table for n in at.values()) and len(at) <= tables
    counts = Counter(o for m in agenda.meetings for o in (m.org_a, m.org_b))
    assert max(counts.values(), default=0) <= min(slots, most or slots)
    placed = {frozenset((m.org_a, m.org_b)) for m in agenda.meetings}
    assert len(placed) == len(agenda.meetings)  # no pair twice
    for a, b in reqs:
        if frozenset((a, b)) not in placed:
            assert any({u.org_a, u.org_b} == {a, b} for u in agenda.unplaced)
