"""Invitation lists over hand-built pair tables: objective, quotas, coverage, reasons."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.cli import events as cli_events
from matchmaker.errors import DataError, InfeasibleError, NotFoundError
from matchmaker.events import service as events
from matchmaker.events.invite import (
    Candidate,
    Quotas,
    choose_invitees,
    compare_lists,
    list_value,
    pair_table,
)
from matchmaker.events.service import (
    event_candidates,
    habit_list,
    plan_invitations,
    save_invitations,
)

C = Candidate
PAIRS = [
    ("A", "B", 0.9, "B buys A's lenses"),
    ("C", "D", 0.8, "D licenses C's moulding"),
    ("A", "C", 0.1, "weak"),
    ("E", "A", 0.05, "weaker"),
]


def _cands(**overrides):
    base = {x: C(x, local=True) for x in "ABCDE"}
    base.update(overrides)
    return list(base.values())


def test_best_pairs_fill_the_room():
    inv = choose_invitees(_cands(), PAIRS, capacity=4, partners=1)
    assert sorted(inv.ids) == ["A", "B", "C", "D"]
    assert inv.value == pytest.approx(0.9 + 0.9 + 0.8 + 0.8)
    assert inv.notes == []


def test_two_partners_count_when_k_is_two():
    assert list_value(pair_table(PAIRS), "ABC", partners=2) == pytest.approx(
        (0.9 + 0.1) + 0.9 + 0.1
    )
    assert list_value(pair_table(PAIRS), "ABC", partners=1) == pytest.approx(0.9 + 0.9 + 0.1)


def test_each_invitee_says_whom_it_meets_and_why():
    inv = choose_invitees(_cands(), PAIRS, capacity=2)
    by_id = {i.org_id: i for i in inv.invitees}
    assert [p.org_id for p in by_id["A"].partners] == ["B"]
    assert by_id["A"].reason == "expected to meet B (0.90: B buys A's lenses)"
    named = choose_invitees(_cands(), PAIRS, capacity=2, names={"B": "Baotou"})
    assert named.invitees[0].reason == "expected to meet Baotou [B] (0.90: B buys A's lenses)"


def test_min_outside_brings_in_an_outside_candidate():
    cands = _cands(E=C("E", local=False))
    inv = choose_invitees(cands, PAIRS, 4, Quotas(min_outside=0.25), partners=1)
    assert "E" in inv.ids and len(inv.ids) == 4
    assert sorted(inv.ids) == ["A", "B", "C", "E"]  # keeps the best pair A-B


def test_min_new_counts_first_time_invitees():
    cands = _cands(C=C("C", first_time=True), D=C("D", first_time=True))
    inv = choose_invitees(cands, PAIRS, 2, Quotas(min_new=1.0))
    assert sorted(inv.ids) == ["C", "D"]


def test_max_per_segment():
    cands = _cands(A=C("A", segment="s1"), B=C("B", segment="s1"), C=C("C", segment="s1"))
    inv = choose_invitees(cands, PAIRS, 3, Quotas(max_per_segment=1), partners=1)
    assert sum(x in inv.ids for x in "ABC") == 1
    assert sorted(inv.ids) == ["C", "D", "E"]  # C-D (0.8) beats A-E (0.05)


def test_must_and_must_not():
    inv = choose_invitees(_cands(), PAIRS, 2, Quotas(must=("E",), exclude=("B",)))
    assert sorted(inv.ids) == ["A", "E"]
    assert {i.org_id: i.must for i in inv.invitees} == {"A": False, "E": True}


def test_coverage_reaches_every_stage():
    cands = _cands(E=C("E", groups=("ph:downstream",)), A=C("A", groups=("ph:upstream",)))
    inv = choose_invitees(cands, PAIRS, 4, cover=["ph:upstream", "ph:downstream"], partners=1)
    assert "E" in inv.ids and "A" in inv.ids
    assert inv.covered == ("ph:downstream", "ph:upstream") and inv.uncovered == ()


def test_fewer_candidates_than_places_invites_all_with_a_note():
    inv = choose_invitees(_cands(), PAIRS, 9)
    assert sorted(inv.ids) == list("ABCDE")
    assert inv.notes == ["only 5 eligible candidates for 9 places: all are invited"]


@pytest.mark.parametrize(
    ("cands", "quotas", "capacity", "message"),
    [
        (_cands(E=C("E", local=False)), Quotas(min_outside=0.5), 4, r"min_outside .*short by 1"),
        (_cands(), Quotas(min_new=0.3), 3, r"min_new needs 1 .*only 0 .*short by 1"),
        (
            [C(x, segment="s") for x in "ABCD"],
            Quotas(max_per_segment=1),
            3,
            r"max_per_segment 1 leaves at most 1 .* 3 places \(short by 2\)",
        ),
        (_cands(), Quotas(must=("A", "B", "C")), 2, r"lists 3 organisations for 2 places"),
        (_cands(), Quotas(must=("A",), exclude=("A",)), 2, r"both list A"),
        (
            [C("A", segment="s"), C("B", segment="s"), C("C")],
            Quotas(must=("A", "B"), max_per_segment=1),
            3,
            r"puts 2 in segment s \(1 too many\)",
        ),
        (
            # Enough outside and enough new candidates, but not both within 2 places.
            [C("A", local=False), C("B", local=False), C("C", first_time=True), C("D")],
            Quotas(min_outside=1.0, min_new=0.5),
            2,
            r"short by",
        ),
    ],
)
def test_impossible_quotas_say_which_and_by_how_much(cands, quotas, capacity, message):
    with pytest.raises(InfeasibleError, match=message):
        choose_invitees(cands, PAIRS, capacity, quotas)


def test_bad_input():
    with pytest.raises(DataError, match="between 0 and 1"):
        choose_invitees(_cands(), PAIRS, 2, Quotas(min_outside=1.5))
    with pytest.raises(DataError, match="not candidates: Z"):
        choose_invitees(_cands(), PAIRS, 2, Quotas(must=("Z",)))
    with pytest.raises(DataError, match=">= 0"):
        choose_invitees(_cands(), [("A", "B", -1.0, "")], 2)
    with pytest.raises(DataError, match="itself"):
        pair_table([("A", "A", 1.0, "")])
    with pytest.raises(DataError, match="capacity"):
        choose_invitees(_cands(), PAIRS, 0)


def test_compare_with_the_habit():
    cands = _cands(C=C("C", first_time=True, local=False, groups=("g1",)))
    rows = compare_lists(cands, PAIRS, {"chosen": ["A", "B", "C"], "habit": ["A", "E"]}, ["g1"])
    chosen, habit = rows
    assert chosen == {
        "list": "chosen",
        "size": 3,
        "value": pytest.approx((0.9 + 0.1) + 0.9 + 0.1),  # A, B, C with k = 3
        "value_per_invitee": pytest.approx(2.0 / 3),
        "valuable_pairs": 2,
        "chain_coverage": 1.0,
        "new_faces": pytest.approx(1 / 3),
        "outside": pytest.approx(1 / 3),
    }
    assert (habit["valuable_pairs"], habit["chain_coverage"], habit["new_faces"]) == (1, 0.0, 0.0)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(4, 14),
    capacity=st.integers(1, 10),
    seed=st.integers(0, 10_000),
    outside=st.floats(0, 1),
    new=st.floats(0, 1),
    cap=st.one_of(st.none(), st.integers(1, 4)),
)
def test_every_returned_list_respects_every_quota(n, capacity, seed, outside, new, cap):
    import random

    rnd = random.Random(seed)
    cands = [
        C(
            f"O{i}",
            local=rnd.random() < 0.5,
            first_time=rnd.random() < 0.5,
            segment=f"s{rnd.randrange(3)}",
            groups=tuple(sorted({f"g{rnd.randrange(4)}" for _ in range(rnd.randrange(3))})),
        )
        for i in range(n)
    ]
    pairs = [
        (f"O{i}", f"O{j}", round(rnd.random(), 2), "r")
        for i in range(n)
        for j in range(i + 1, n)
        if rnd.random() < 0.4
    ]
    must = (cands[0].org_id,)
    quotas = Quotas(min_outside=outside, min_new=new, max_per_segment=cap, must=must)
    try:
        inv = choose_invitees(cands, pairs, capacity, quotas, cover=["g0", "g1", "g2", "g3"])
    except InfeasibleError:
        return
    size = min(capacity, n)
    by_id = {c.org_id: c for c in cands}
    chosen = [by_id[x] for x in inv.ids]
    assert len(set(inv.ids)) == len(inv.ids) == size
    assert must[0] in inv.ids
    assert sum(c.outside for c in chosen) >= math.ceil(outside * size - 1e-9)
    assert sum(c.first_time for c in chosen) >= math.ceil(new * size - 1e-9)
    if cap is not None:
        for s in ("s0", "s1", "s2"):
            assert sum(c.segment == s for c in chosen) <= cap
    if not any("not enforced" in note for note in inv.notes):
        present = {g for c in cands for g in c.groups}
        assert not set(inv.uncovered) & present  # every group some candidate has is covered


# --- from the store: candidates, habit, plan, save, CLI --------------------------------

EV_WS = {
    "organizations": [
        {"org_id": "A1", "name": "Optics", "kind": "company", "local": True, "chains": ("ph",)},
        {"org_id": "A2", "name": "Germanium", "kind": "company", "local": False, "chains": ()},
        {"org_id": "A3", "name": "Cameras", "kind": "company", "local": True, "chains": ("ph",)},
        {"org_id": "A4", "name": "New Lens", "kind": "company", "local": False, "chains": ("ph",)},
        {"org_id": "B1", "name": "Bank", "kind": "finance", "local": True, "chains": ("fin",)},
    ],
    "segments": [
        {"segment_id": "m", "name": "Materials", "chain": "ph", "stage": "upstream"},
        {"segment_id": "l", "name": "Lenses", "chain": "ph", "stage": "midstream"},
        {"segment_id": "c", "name": "Cameras", "chain": "ph", "stage": "downstream"},
    ],
    "items": [
        {"item_id": "i1", "org_id": "A2", "side": "offer", "type": "product", "title": "Ge",
         "segment": "m"},
        {"item_id": "i2", "org_id": "A1", "side": "offer", "type": "product", "title": "lens",
         "segment": "l"},
        {"item_id": "i3", "org_id": "A1", "side": "need", "type": "product", "title": "Ge",
         "segment": "m"},
        {"item_id": "i4", "org_id": "A1", "side": "need", "type": "product", "title": "x",
         "segment": "l"},
        {"item_id": "i5", "org_id": "A3", "side": "need", "type": "product", "title": "lens",
         "segment": "c"},
    ],
    "events": [
        {"event_id": "E1", "name": "One", "date": date(2025, 5, 1), "chains": ("ph",),
         "capacity": None},
        {"event_id": "E0", "name": "Fin", "date": date(2025, 5, 20), "chains": ("fin",),
         "capacity": None},
        {"event_id": "E2", "name": "Two", "date": date(2025, 9, 1), "chains": ("ph",),
         "capacity": 3},
    ],
    "participants": [
        {"event_id": "E1", "org_id": "A1", "status": "attended"},
        {"event_id": "E1", "org_id": "A3", "status": "attended"},
        {"event_id": "E1", "org_id": "A2", "status": "declined"},
        {"event_id": "E0", "org_id": "B1", "status": "attended"},
    ],
}  # fmt: skip
EV_PAIRS = [
    ("A1", "A2", 0.9, "A2 supplies germanium"),
    ("A1", "A3", 0.6, "A3 buys lenses"),
    ("A3", "A4", 0.5, "A4 lenses for A3"),
]


@pytest.fixture
def ev_ws(store):
    store.upsert(EV_WS)
    return store


def _source(ids):
    return [p for p in EV_PAIRS if p[0] in ids and p[1] in ids]


def test_event_candidates_and_cover(ev_ws):
    cands, cover = event_candidates(ev_ws, "E2")
    assert cover == ["ph:upstream", "ph:midstream", "ph:downstream"]
    by_id = {c.org_id: c for c in cands}
    assert sorted(by_id) == ["A1", "A2", "A3", "A4"]  # B1 works in another chain
    assert by_id["A1"] == C("A1", True, False, "l", ("ph:midstream", "ph:upstream"))
    assert by_id["A2"] == C("A2", False, False, "m", ("ph:upstream",))  # declined = invited
    assert by_id["A4"] == C("A4", False, True, None, ())
    more, _ = event_candidates(ev_ws, "E2", include=["B1"])
    assert more[-1] == C("B1", True, False, None, ())  # came to E0, an earlier event
    with pytest.raises(NotFoundError):
        event_candidates(ev_ws, "E2", include=["ZZ"])


def test_habit_is_the_last_earlier_event_sharing_a_chain(ev_ws):
    assert habit_list(ev_ws, "E2", 10) == ("E1", ["A1", "A3"])
    assert habit_list(ev_ws, "E2", 1) == ("E1", ["A1"])
    assert habit_list(ev_ws, "E1", 10) == (None, [])


def test_plan_and_save_invitations(ev_ws):
    plan = plan_invitations(ev_ws, "E2", quotas=Quotas(min_new=0.3), pair_source=_source)
    assert sorted(plan.invitation.ids) == ["A1", "A3", "A4"]
    assert plan.habit_event == "E1"
    chosen, habit = plan.comparison
    assert (chosen["new_faces"], habit["new_faces"]) == (pytest.approx(1 / 3), 0.0)
    assert chosen["valuable_pairs"] == 2 and habit["valuable_pairs"] == 1
    ev_ws.upsert({"participants": [{"event_id": "E2", "org_id": "A1", "status": "registered"}]})
    assert save_invitations(ev_ws, "E2", plan.invitation.ids) == 2
    statuses = {p["org_id"]: p["status"] for p in ev_ws.rows("participants", event_id="E2")}
    assert statuses == {"A1": "registered", "A3": "invited", "A4": "invited"}
    with pytest.raises(DataError, match="no capacity"):
        plan_invitations(ev_ws, "E1", pair_source=_source)


def test_cli_invite(ev_ws, monkeypatch, tmp_path):
    monkeypatch.setattr(cli_events, "_pair_source", lambda store: _source)
    run = CliRunner()
    out = tmp_path / "list.csv"
    res = run.invoke(app, ["--db", ev_ws.url, "invite", "E2", "--capacity", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "A1\tOptics\texpected to meet Germanium [A2] (0.90: A2 supplies germanium)" in (
        res.output
    )
    assert "habit (attendees of E1)" in res.output
    assert out.read_text().splitlines()[0] == "rank,org_id,name,reason"
    res = run.invoke(app, ["--db", ev_ws.url, "invite", "E2", "--min-new", "0.9"])
    assert res.exit_code == 2
    assert "min_new needs 3 of 3 invitees first-time invitees; only 1" in res.output


def test_recommender_pairs_keeps_the_best_of_both_sides():
    from types import SimpleNamespace as NS

    class Rec:
        def __init__(self):
            self.orgs = {"A": {}, "B": {}, "C": {}, "Z": {}}
            self.calls = []

        def recommend(self, org, direction, k, filters, lang="en"):
            self.calls.append((org, direction, k, tuple(filters["exclude"])))
            found = {"A": [("B", 0.4, "A->B")], "B": [("A", 0.7, "B->A"), ("C", 0.2, "B->C")]}
            return [NS(partner_id=p, score=v, reason=r) for p, v, r in found.get(org, [])]

        def partners_many(self, orgs, direction, k, filters, lang="en"):
            found = {o: self.recommend(o, direction, k, filters, lang) for o in orgs}
            return {o: [(s.partner_id, s.score, s.reason) for s in v] for o, v in found.items()}

    rec = Rec()
    source = events.recommender_pairs(None, per_org=5, recommender=rec)
    assert source(["B", "A", "C"]) == [("A", "B", 0.7, "B->A"), ("B", "C", 0.2, "B->C")]
    assert rec.calls[0] == ("A", "both", 5, ("Z",))


@pytest.mark.slow
def test_cli_invite_then_schedule_end_to_end_with_the_real_recommender(sqlite_store, tmp_path):
    """No stand-ins: the bundled model scores the pairs, the list is saved, the invitees
    get an agenda."""
    sqlite_store.upsert(EV_WS)
    run = CliRunner()
    db = ["--db", sqlite_store.url]
    res = run.invoke(app, [*db, "invite", "E2", "--min-outside", "0.3", "--save"])
    assert res.exit_code == 0, res.output
    ranks = re.findall(r"(\d+)\. (A\d|B\d)\t", res.output)  # model loading may share a line
    assert [r for r, _ in ranks] == ["1", "2", "3"]
    assert "habit (attendees of E1)" in res.output
    invited = events.attendees(sqlite_store, "E2", ("invited",))
    assert len(invited) == 3 and any(o in invited for o in ("A2", "A4"))  # one from outside
    res = run.invoke(
        app, [*db, "schedule", "make", "E2", "--status", "invited", "--slots", "2",
              "--tables", "2", "--min-meetings", "1", "--out", str(tmp_path), "--save"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "under the floor" not in res.output
    assert {m["status"] for m in sqlite_store.rows("meetings", event_id="E2")} == {"proposed"}


def _plain_greedy(ids, pairs, capacity, k):
    """Reference: the greedy without laziness, recomputing f for every candidate."""
    table = pair_table(pairs)
    ranked = sorted((-v, a, b) for a, nb in table.items() for b, (v, _) in nb.items() if a < b)
    chosen: list[str] = []
    while len(chosen) < min(capacity, len(ids)):
        base = list_value(table, chosen, k)
        gains = {y: list_value(table, [*chosen, y], k) - base for y in ids if y not in chosen}
        best = min(gains, key=lambda y: (-gains[y], y))
        pair = None
        if capacity - len(chosen) >= 2:
            for neg, a, b in ranked:
                if -neg <= gains[best]:
                    break
                if a not in chosen and b not in chosen:
                    pair = (a, b)
                    break
        chosen += list(pair) if pair else [best]
    return chosen


@pytest.mark.parametrize("seed", range(25))
def test_lazy_greedy_picks_what_the_plain_greedy_picks(seed):
    import random

    rnd = random.Random(seed)
    n = rnd.randint(3, 16)
    ids = [f"O{i:02d}" for i in range(n)]
    pairs = [
        (a, b, rnd.random(), "r")
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
        if rnd.random() < 0.35
    ]
    capacity, k = rnd.randint(1, n), rnd.randint(1, 3)
    inv = choose_invitees([C(x) for x in ids], pairs, capacity, partners=k)
    assert inv.ids == _plain_greedy(ids, pairs, capacity, k)


def _any_valid_list(cands, size, quotas):
    """Brute force: is there any list of ``size`` meeting the quotas (coverage aside)?"""
    need_out = math.ceil(quotas.min_outside * size - 1e-9)
    need_new = math.ceil(quotas.min_new * size - 1e-9)
    for sub in itertools.combinations(cands, size):
        ids = {c.org_id for c in sub}
        if not set(quotas.must) <= ids:
            continue
        if sum(c.outside for c in sub) < need_out or sum(c.first_time for c in sub) < need_new:
            continue
        segs = Counter(c.segment for c in sub if c.segment is not None)
        if quotas.max_per_segment and segs and max(segs.values()) > quotas.max_per_segment:
            continue
        return True
    return False


@pytest.mark.parametrize("seed", range(60))
def test_refuses_only_what_no_list_can_meet(seed):
    import random

    rnd = random.Random(seed)
    n, capacity = rnd.randint(4, 9), rnd.randint(1, 7)
    cands = [
        C(
            f"O{i}",
            local=rnd.random() < 0.5,
            first_time=rnd.random() < 0.5,
            segment=rnd.choice([None, "s0", "s1", "s2"]),
            groups=tuple(sorted({f"g{rnd.randrange(4)}" for _ in range(rnd.randrange(3))})),
        )
        for i in range(n)
    ]
    pairs = [
        (f"O{i}", f"O{j}", rnd.random(), "r")
        for i in range(n)
        for j in range(i + 1, n)
        if rnd.random() < 0.4
    ]
    quotas = Quotas(
        min_outside=rnd.random() * 0.6,
        min_new=rnd.random() * 0.6,
        max_per_segment=rnd.choice([None, 1, 2, 3]),
        must=("O0",),
    )
    try:
        inv = choose_invitees(cands, pairs, capacity, quotas, cover=["g0", "g1", "g2", "g3"])
    except InfeasibleError:
        assert not _any_valid_list(cands, min(capacity, n), quotas)
    else:
        assert len(inv.ids) == min(capacity, n)


def test_quota_checks_of_a_list_edited_by_hand():
    from matchmaker.events.quotas import Quotas, quota_checks

    q = Quotas(min_outside=0.3, min_new=0.5)
    checks = quota_checks({"outside": 0.3, "new_faces": 0.4}, 10, 10, q)
    assert checks == [
        ("size", 10, 10, True),
        ("outside", 0.3, 0.3, True),  # 3 of 10 meets 0.3 despite rounding
        ("new_faces", 0.4, 0.5, False),
    ]
    assert quota_checks({"outside": 1.0, "new_faces": 1.0}, 11, 10, q)[0] == ("size", 11, 10, False)
