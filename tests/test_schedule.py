"""Meeting agendas on hand-built events: every rule, the impossible cases, the outputs."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from openpyxl import load_workbook

from matchmaker.errors import DataError
from matchmaker.schedule import agenda_html, make_schedule, write_agenda

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
