"""The deal pipeline on both backends: transitions, history, follow-up, concurrency."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from matchmaker.errors import ConflictError, DataError, NotFoundError, TransitionError
from matchmaker.followup import deals

T0 = datetime(2025, 5, 9, 10, 0, 0)
T1 = datetime(2025, 5, 20, 9, 30, 0)
T2 = datetime(2025, 6, 2, 16, 0, 0)


@pytest.fixture
def ws(store):
    store.upsert(
        {
            "organizations": [
                {"org_id": "A1", "name": "Yellow Sea Optics", "kind": "company"},
                {"org_id": "A2", "name": "Baotou Germanium", "kind": "company"},
                {"org_id": "A3", "name": "Shinan Cameras", "kind": "company"},
            ],
            "events": [{"event_id": "P1", "name": "Photonics day", "date": date(2025, 5, 9)}],
        }
    )
    return store


def _snapshot(store):
    return store.rows("deals"), store.rows("deal_events")


def test_add_records_intent_and_first_history_entry(ws):
    d = deals.add_deal(
        ws, "A1", "A2", actor="li", event_id="P1", suggestion="A2 supplies blanks", at=T0
    )
    assert (d.deal_id, d.stage, d.event_id, d.version) == ("D0001", "intent", "P1", 1)
    assert d.due_date == date(2025, 5, 23)  # follow_up_days = 14
    (h,) = deals.history(ws, "D0001")
    assert (h.actor, h.from_stage, h.to_stage, h.at) == ("li", None, "intent", T0)
    assert h.suggestion == "A2 supplies blanks"


def test_full_path_history_is_in_order(ws):
    deals.add_deal(ws, "A1", "A2", actor="li", at=T0)
    deals.advance(ws, "D0001", actor="wang", note="samples sent", at=T1)
    d = deals.advance(ws, "D0001", actor="li", note="contract", at=T2)
    assert (d.stage, d.version, d.due_date) == ("signed", 3, None)
    steps = [(h.from_stage, h.to_stage, h.actor, h.note) for h in deals.history(ws, "D0001")]
    assert steps == [
        (None, "intent", "li", None),
        ("intent", "in_progress", "wang", "samples sent"),
        ("in_progress", "signed", "li", "contract"),
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], "signed"),  # intent -> signed skips in_progress
        (["in_progress", "signed"], "in_progress"),  # signed is closed
        (["dropped"], "in_progress"),  # dropped is closed
        (["in_progress"], "intent"),  # no way back
        ([], "won"),  # not a stage
    ],
)
def test_invalid_transition_is_refused_and_changes_nothing(ws, path, bad):
    deals.add_deal(ws, "A1", "A2", actor="li", at=T0)
    for stage in path:
        if stage == "dropped":
            deals.drop(ws, "D0001", actor="li")
        else:
            deals.advance(ws, "D0001", actor="li", to_stage=stage)
    before = _snapshot(ws)
    with pytest.raises(TransitionError):
        deals.advance(ws, "D0001", actor="li", to_stage=bad)
    assert _snapshot(ws) == before


def test_drop_from_each_open_stage_and_not_from_closed(ws):
    deals.add_deal(ws, "A1", "A2", actor="li")
    deals.add_deal(ws, "A1", "A3", actor="li")
    deals.advance(ws, "D0002", actor="li")
    assert deals.drop(ws, "D0001", actor="li", note="no budget").stage == "dropped"
    assert deals.drop(ws, "D0002", actor="li").stage == "dropped"
    before = _snapshot(ws)
    with pytest.raises(TransitionError, match="closed"):
        deals.drop(ws, "D0001", actor="li")
    with pytest.raises(TransitionError, match="closed"):
        deals.advance(ws, "D0001", actor="li")
    assert _snapshot(ws) == before


def test_stale_writer_is_refused(ws):
    deals.add_deal(ws, "A1", "A2", actor="li")
    read = deals.get_deal(ws, "D0001")
    deals.advance(ws, "D0001", actor="wang", expected_version=read.version)
    before = _snapshot(ws)
    with pytest.raises(ConflictError):
        deals.drop(ws, "D0001", actor="li", expected_version=read.version)
    assert _snapshot(ws) == before


def test_bad_input_is_refused(ws):
    with pytest.raises(DataError, match="two different"):
        deals.add_deal(ws, "A1", "A1", actor="li")
    with pytest.raises(NotFoundError):
        deals.add_deal(ws, "A1", "ZZ", actor="li")
    with pytest.raises(NotFoundError):
        deals.add_deal(ws, "A1", "A2", actor="li", event_id="nope")
    with pytest.raises(DataError, match="actor"):
        deals.add_deal(ws, "A1", "A2", actor=" ")
    deals.add_deal(ws, "A1", "A2", actor="li", deal_id="X")
    with pytest.raises(DataError, match="already used"):
        deals.add_deal(ws, "A1", "A3", actor="li", deal_id="X")
    with pytest.raises(NotFoundError):
        deals.advance(ws, "nope", actor="li")
    assert len(ws.rows("deals")) == 1


def test_due_date_and_stale_flag(ws, monkeypatch):
    deals.add_deal(ws, "A1", "A2", actor="li", at=T0)  # due 2025-05-23
    deals.add_deal(ws, "A1", "A3", actor="li", at=T0)
    deals.advance(ws, "D0002", actor="li", at=T2)
    deals.add_deal(ws, "A2", "A3", actor="li", at=T0)
    deals.drop(ws, "D0003", actor="li", at=T0)
    by_id = {s.deal.deal_id: s for s in deals.list_deals(ws, today=date(2025, 6, 5))}
    assert (by_id["D0001"].stale, by_id["D0001"].overdue) == (True, True)
    assert (by_id["D0002"].stale, by_id["D0002"].due_date) == (False, date(2025, 6, 16))
    assert (by_id["D0003"].stale, by_id["D0003"].due_date) == (False, None)
    stale = deals.list_deals(ws, stale_only=True, today=date(2025, 6, 5))
    assert [s.deal.deal_id for s in stale] == ["D0001"]
    monkeypatch.setenv("MATCHMAKER_STALE_DAYS", "40")
    assert deals.list_deals(ws, stale_only=True, today=date(2025, 6, 5)) == []
    updated = deals.set_due_date(ws, "D0001", date(2025, 7, 1))
    assert updated.due_date == date(2025, 7, 1) and updated.stage == "intent"
    with pytest.raises(TransitionError):
        deals.set_due_date(ws, "D0003", date(2025, 7, 1))


def test_list_filters(ws):
    deals.add_deal(ws, "A1", "A2", actor="li", event_id="P1")
    deals.add_deal(ws, "A2", "A3", actor="li")
    deals.advance(ws, "D0002", actor="li")
    assert [s.deal.deal_id for s in deals.list_deals(ws, event_id="P1")] == ["D0001"]
    assert [s.deal.deal_id for s in deals.list_deals(ws, stage="in_progress")] == ["D0002"]
    assert [s.deal.deal_id for s in deals.list_deals(ws, org_id="A2")] == ["D0001", "D0002"]
    with pytest.raises(DataError, match="unknown stage"):
        deals.list_deals(ws, stage="won")


def test_pipeline_deals_are_the_recommenders_graded_outcomes(ws):
    """What deals.py records is what the ranker reads (chain.graded_pairs over the deals
    table the recommender loads): signed 3 > in progress 2 > intent 1, dropped 0."""
    from matchmaker.recommend.chain import graded_pairs

    deals.add_deal(ws, "A2", "A1", actor="li")
    deals.add_deal(ws, "A1", "A3", actor="li")
    assert graded_pairs(deals=ws.rows("deals")) == {("A1", "A2"): 1.0, ("A1", "A3"): 1.0}
    deals.advance(ws, "D0001", actor="li")
    assert graded_pairs(deals=ws.rows("deals"))[("A1", "A2")] == 2.0
    deals.advance(ws, "D0001", actor="li")
    deals.drop(ws, "D0002", actor="li")
    assert graded_pairs(deals=ws.rows("deals")) == {("A1", "A2"): 3.0, ("A1", "A3"): 0.0}


def test_cli_follows_the_same_rules(ws):
    import getpass

    from typer.testing import CliRunner

    from matchmaker.cli import app

    run = CliRunner()
    db = ["--db", ws.url]
    res = run.invoke(app, [*db, "deal", "add", "A1", "A2", "--event", "P1", "--by", "li",
                           "--suggestion", "A2 supplies blanks"])  # fmt: skip
    assert res.exit_code == 0 and "deal D0001 recorded at stage intent" in res.output
    before = _snapshot(ws)
    res = run.invoke(app, [*db, "deal", "advance", "D0001", "--to", "signed"])
    assert res.exit_code == 2
    assert "cannot move to signed; allowed: in_progress, dropped" in res.output
    assert _snapshot(ws) == before
    assert run.invoke(app, [*db, "deal", "advance", "D0001", "--note", "NDA"]).exit_code == 0
    stale = run.invoke(app, [*db, "deal", "drop", "D0001", "--version", "1"])
    assert stale.exit_code == 1 and "changed by someone else" in stale.output
    assert run.invoke(app, [*db, "deal", "due", "D0001", "2030-01-31"]).exit_code == 0
    shown = run.invoke(app, [*db, "deal", "show", "D0001"]).output
    assert "due_date: 2030-01-31" in shown
    assert f"cli:{getpass.getuser()}: intent -> in_progress  NDA" in shown
    assert "from A2 supplies blanks" in shown
    listed = run.invoke(app, [*db, "deal", "list", "--stage", "in_progress"]).output.splitlines()
    assert listed[1].split("\t")[:6] == ["D0001", "in_progress", "A1", "A2", "P1", "2030-01-31"]
    assert run.invoke(app, [*db, "deal", "drop", "nope"]).exit_code == 2
