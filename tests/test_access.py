"""Tests of matchmaker.store.access: what each role sees and does through the core functions.

A tiny workspace on both backends (the ``store`` fixture)::

    A  Acme Cells   (company; the company user's own organisation)
    B  Beta Motors  (company)
    U  Tech Univ    (university)

    items   A1 A offer "battery cells"  A2 A need "cathode powder"
            B1 B offer "electric cars"  B2 B need "secret battery cells need"
    deals   D0001 A-B (intent)          D0002 B-U (in_progress, then signed)
    event   E1: A, B attended; meetings A-B held, B-U held; requests A->B meet, B->A avoid
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from conftest import Words, item_row

from matchmaker.errors import AuthError, PermissionDenied
from matchmaker.events import service as events
from matchmaker.followup import deals, report
from matchmaker.ingest.workspace import export_workspace
from matchmaker.recommend.explain import Suggestion, visible_to
from matchmaker.store import access
from matchmaker.store.access import scoped
from matchmaker.store.accounts import User, create_user
from matchmaker.views import browse as views

ORGANISER = User(1, "olga", "organiser", None, True)
COMPANY = User(2, "acme", "company", "A", True)
REVIEWER = User(3, "rita", "reviewer", None, True)
ADMIN = User(4, "adam", "admin", None, True)
AT = datetime(2025, 5, 1, 9, 0)
PW = "access-test-pass-1"


WORKSPACE = {
    "organizations": [
        {"org_id": "A", "name": "Acme Cells", "kind": "company", "website": "acme.test"},
        {"org_id": "B", "name": "Beta Motors", "kind": "company", "website": "beta.test"},
        {"org_id": "U", "name": "Tech Univ", "kind": "university", "website": "uni.test"},
    ],
    "segments": [
        {"segment_id": "S1", "name": "Cathode", "chain": "ev", "stage": "upstream"},
        {"segment_id": "S2", "name": "Battery cells", "chain": "ev", "stage": "midstream"},
        {"segment_id": "S3", "name": "Vehicles", "chain": "ev", "stage": "downstream"},
    ],
    "chain_links": [
        {"upstream": "S1", "downstream": "S2"},
        {"upstream": "S2", "downstream": "S3"},
    ],
    "items": [
        item_row("A1", "A", "offer", "battery cells", "S2"),
        item_row("A2", "A", "need", "cathode powder", "S1"),
        item_row("B1", "B", "offer", "electric cars", "S3"),
        item_row("B2", "B", "need", "secret battery cells need", "S2"),
    ],
    "relations": [
        {"org_a": "A", "org_b": "B", "kind": "supplier_of"},
        {"org_a": "B", "org_b": "U", "kind": "partner"},
    ],
    "events": [{"event_id": "E1", "name": "Expo", "date": date(2025, 4, 1)}],
    "participants": [
        {"event_id": "E1", "org_id": "A", "status": "attended"},
        {"event_id": "E1", "org_id": "B", "status": "attended"},
        {"event_id": "E1", "org_id": "U", "status": "invited"},
    ],
    "meetings": [
        {"event_id": "E1", "org_a": "A", "org_b": "B", "status": "held"},
        {"event_id": "E1", "org_a": "B", "org_b": "U", "status": "held"},
    ],
}


@pytest.fixture
def ws(store):
    store.upsert(WORKSPACE)
    deals.add_deal(store, "A", "B", actor="olga", event_id="E1", at=AT)
    deals.add_deal(store, "B", "U", actor="olga", event_id="E1", note="call B", at=AT)
    deals.advance(store, "D0002", actor="olga", at=AT)
    deals.advance(store, "D0002", actor="olga", at=AT)
    events.add_request(store, "E1", "A", "B", "meet")
    events.add_request(store, "E1", "B", "A", "avoid")
    for user in (ORGANISER, COMPANY, REVIEWER, ADMIN):  # user ids 1-4, as above
        create_user(store, user.username, PW, user.role, user.org_id, actor="setup")
    return store


def _keys(rows, *cols):
    return sorted(tuple(r[c] for c in cols) for r in rows)


# --- company -----------------------------------------------------------------------


def test_company_reads_its_own_rows_and_the_public_ones(ws):
    view = scoped(ws, COMPANY)
    orgs = {o["org_id"]: o for o in view.rows("organizations")}
    assert {k: o["website"] for k, o in orgs.items()} == {"A": "acme.test", "B": None, "U": None}
    assert orgs["B"]["name"] == "Beta Motors"
    assert [i["item_id"] for i in view.rows("items")] == ["A1", "A2", "B1"]
    assert [i["item_id"] for i in view.rows("items", org_id="B")] == ["B1"]
    assert _keys(view.rows("relations"), "org_a", "org_b") == [("A", "B")]
    assert _keys(view.rows("participants"), "org_id") == [("A",)]
    assert _keys(view.rows("meetings"), "org_a", "org_b") == [("A", "B")]
    assert _keys(view.rows("meeting_requests"), "org_id", "other_id") == [("A", "B")]
    assert [d["deal_id"] for d in view.rows("deals")] == ["D0001"]
    assert {e["deal_id"] for e in view.rows("deal_events")} == {"D0001"}
    assert len(view.rows("segments")) == 3 and len(view.rows("events")) == 1
    assert view.count("items") == 3 and view.counts()["deals"] == 1
    assert view.ids("meeting_requests") == {("E1", "A", "B")}
    assert view.frame("organizations").set_index("org_id")["website"].isna().tolist() == [
        False,
        True,
        True,
    ]


@pytest.mark.parametrize(
    "ask",
    [
        lambda v: v.rows("items", org_id="B", side="need"),
        lambda v: v.get("items", "B2"),
        lambda v: v.get("deals", "D0002"),
        lambda v: v.rows("deals", org_a="B"),
        lambda v: v.rows("deal_events", deal_id="D0002"),
        lambda v: v.rows("meeting_requests", org_id="B"),
        lambda v: v.rows("relations", org_b="U"),
        lambda v: v.rows("users"),
        lambda v: v.rows("audit_log"),
        lambda v: deals.get_deal(v, "D0002"),
        lambda v: deals.history(v, "D0002"),
        lambda v: deals.list_deals(v, org_id="B"),
        lambda v: views.org_profile(v, "B"),
        lambda v: v.engine,
    ],
    ids=[
        "needs-query",
        "need-get",
        "deal-get",
        "deals-of-B",
        "deal-history-rows",
        "requests-of-B",
        "relations-of-U",
        "users",
        "audit",
        "get_deal",
        "history",
        "list_deals-org",
        "org_profile",
        "engine",
    ],
)
def test_company_asking_for_another_organisations_data_is_refused(ws, ask):
    with pytest.raises(PermissionDenied):
        ask(scoped(ws, COMPANY))


def test_company_core_functions_give_its_own_data(ws):
    view = scoped(ws, COMPANY)
    assert [s.deal.deal_id for s in deals.list_deals(view, today=date(2025, 5, 2))] == ["D0001"]
    assert deals.get_deal(view, "D0001").org_b == "B"
    assert [h.to_stage for h in deals.history(view, "D0001")] == ["intent"]
    profile = views.org_profile(view, "A")
    assert profile.org["website"] == "acme.test"
    assert events.requests(view, "E1") == ([("A", "B")], [])
    # The funnel of what the company may see: its own attendance, meeting and deal.
    mine = report.funnel(view)
    assert (mine["invited"], mine["attended"], mine["meetings_held"]) == (1, 1, 1)
    assert mine["deals"] == {"intent": 1, "in_progress": 0, "signed": 0, "dropped": 0}


def test_company_writes_only_its_own_rows(ws):
    view = scoped(ws, COMPANY)
    view.upsert({"items": [item_row("A3", "A", "offer", "pouch cells", "S2")]})
    d = deals.add_deal(view, "A", "U", actor="acme", at=AT)
    assert d.deal_id == "D0003"  # every deal id counted, so no collision with D0002
    deals.advance(view, "D0001", actor="acme", at=AT)
    events.add_request(view, "E1", "A", "U")
    assert events.remove_request(view, "E1", "A", "U")
    refused = [
        lambda: view.upsert({"items": [item_row("B3", "B", "offer", "x", "S3")]}),
        lambda: view.upsert({"items": [item_row("B2", "A", "need", "hijack", "S2")]}),
        lambda: view.upsert({"organizations": [{**WORKSPACE["organizations"][1], "name": "X"}]}),
        lambda: view.upsert({"participants": [{"event_id": "E1", "org_id": "A", "status": "x"}]}),
        lambda: view.update("organizations", ("B",), {"name": "X"}),
        lambda: view.update("items", ("A1",), {"org_id": "B"}),
        lambda: deals.add_deal(view, "B", "U", actor="acme", at=AT),
        lambda: deals.advance(view, "D0002", actor="acme", at=AT),
        lambda: deals.set_due_date(view, "D0002", date(2025, 9, 1)),
        lambda: events.add_request(view, "E1", "B", "U"),
        lambda: events.remove_request(view, "E1", "B", "A"),
        lambda: view.replace_meetings("E1", [], "proposed"),
        lambda: view.init(),
    ]
    for write in refused:
        with pytest.raises(PermissionDenied):
            write()
    assert ws.get("items", "B2")["title"] == "secret battery cells need"
    assert ws.get("organizations", "B")["name"] == "Beta Motors"
    assert ws.get("deals", "D0002")["stage"] == "signed"
    assert ws.get("items", "A3")["org_id"] == "A"
    assert ws.get("deals", "D0001")["stage"] == "in_progress"


def test_company_export_holds_no_other_needs_deals_or_contacts(ws, tmp_path):
    written = export_workspace(scoped(ws, COMPANY), tmp_path / "out")
    text = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()}
    assert written["items"] == 3 and written["deals"] == 1
    assert "secret" not in text["items.csv"] and "D0002" not in text["deals.csv"]
    assert "beta.test" not in text["organizations.csv"]
    assert "acme.test" in text["organizations.csv"]


# --- reviewer, organiser, admin ---------------------------------------------------------


def test_reviewer_reads_reports_and_pipeline_without_contacts(ws):
    view = scoped(ws, REVIEWER)
    assert {o["website"] for o in view.rows("organizations")} == {None}
    assert [d["deal_id"] for d in view.rows("deals")] == ["D0001", "D0002"]
    assert deals.get_deal(view, "D0002").stage == "signed"
    assert len(deals.list_deals(view, org_id="B")) == 2
    assert report.funnel(view) == report.funnel(ws)
    assert report.breakdown(view) == report.breakdown(ws)
    for ask in ("items", "relations", "meeting_requests", "users"):
        with pytest.raises(PermissionDenied):
            view.rows(ask)
        with pytest.raises(PermissionDenied):
            view.count(ask)  # issue 13, item 9: counts follow the policy of rows
    assert "items" not in view.counts() and view.counts()["deals"] == 2
    with pytest.raises(PermissionDenied):
        export_workspace(view, "unused")


def test_reviewer_cannot_write(ws):
    view = scoped(ws, REVIEWER)
    refused = [
        lambda: deals.advance(view, "D0001", actor="rita", at=AT),
        lambda: deals.add_deal(view, "A", "U", actor="rita", at=AT),
        lambda: view.upsert({"organizations": [{"org_id": "A", "name": "X", "kind": "company"}]}),
        lambda: view.update("organizations", ("A",), {"name": "X"}),
        lambda: events.add_request(view, "E1", "A", "U"),
        lambda: events.remove_request(view, "E1", "A", "B"),
    ]
    for write in refused:
        with pytest.raises(PermissionDenied):
            write()
    assert ws.get("deals", "D0001")["stage"] == "intent" and ws.count("deals") == 2


def test_organiser_sees_and_does_everything_but_accounts(ws):
    view = scoped(ws, ORGANISER)
    assert {o["website"] for o in view.rows("organizations")} == {
        "acme.test",
        "beta.test",
        "uni.test",
    }
    assert len(view.rows("items")) == 4 and len(view.rows("meeting_requests")) == 2
    assert deals.get_deal(view, "D0002").note == "call B"
    deals.advance(view, "D0001", actor="olga", at=AT)
    assert view.engine is ws.engine
    with pytest.raises(PermissionDenied):
        view.rows("users")
    for write in (view.insert, view.insert_returning_id):
        with pytest.raises(PermissionDenied):
            write("users", {"username": "x"})


def test_admin_reads_accounts_and_everyone_appends_to_the_audit_log(ws):
    from matchmaker.store.accounts import audit, audit_log

    assert [u["username"] for u in scoped(ws, ADMIN).rows("users")] == [
        "olga", "acme", "rita", "adam"
    ]  # fmt: skip
    for user in (COMPANY, REVIEWER, ORGANISER):
        audit(scoped(ws, user), user, "test", "appended")
    assert [e.actor for e in audit_log(scoped(ws, ADMIN), action="test")] == [
        "olga",
        "rita",
        "acme",
    ]
    with pytest.raises(PermissionDenied):
        audit_log(scoped(ws, ORGANISER))


def test_bad_accounts_are_refused(store):
    with pytest.raises(AuthError):
        scoped(store, User(5, "gone", "organiser", None, False))
    with pytest.raises(PermissionDenied):
        scoped(store, User(6, "loose", "company", None, True))
    with pytest.raises(PermissionDenied):
        scoped(store, User(7, "root", "superuser", None, True))
    with pytest.raises(PermissionDenied):
        scoped(scoped(store, COMPANY), ORGANISER)
    assert access.scoped(store, None) is store


# --- suggestions ---------------------------------------------------------------------


def _suggestion(direction, org="A"):
    return Suggestion(
        org,
        "B",
        direction,
        0.8,
        org_name="Acme Cells",
        partner_name="Beta Motors",
        offer_item_id="A1",
        offer_title="battery cells",
        need_item_id="B2",
        need_title="secret battery cells need",
        chain_path=("Battery cells",),
        segment="S2",
        segment_name="Battery cells",
        shared_partners=("U",),
        shared_partner_names=("Tech Univ",),
    )


def test_company_suggestions_never_show_another_organisations_need():
    policy = access.Policy(COMPANY)
    (s,) = visible_to(policy, [_suggestion("customers")])
    assert s.need_title is None and s.need_item_id is None and s.shared_partners == ()
    assert "secret" not in s.reason and "Tech Univ" not in s.reason
    assert "something Beta Motors needs in segment Battery cells" in s.reason
    (own,) = visible_to(policy, [_suggestion("suppliers")])
    assert own.need_title == "secret battery cells need"  # suppliers: the need is A's own
    with pytest.raises(PermissionDenied):
        visible_to(policy, [_suggestion("suppliers", org="B")])
    assert visible_to(access.Policy(ORGANISER), [_suggestion("customers")])[0].need_item_id == "B2"


def test_recommender_answers_a_company_user_through_the_policy(ws, tmp_path, monkeypatch):
    from matchmaker.recommend.recommender import Recommender

    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    operator = Recommender(ws, Words(256))
    full = operator.recommend("A", "customers", 5)
    assert [s.partner_id for s in full][:1] == ["B"] and full[0].need_item_id == "B2"
    for rec in (
        Recommender(scoped(ws, COMPANY), Words(256)),
        operator.as_user(scoped(ws, COMPANY)),
    ):
        (mine,) = [s for s in rec.recommend("A", "customers", 5) if s.partner_id == "B"]
        assert mine.need_title is None and "secret" not in mine.reason
        assert mine.score == full[0].score  # the same model built from all data
        with pytest.raises(PermissionDenied):
            rec.recommend("B", "both", 5)
        with pytest.raises(PermissionDenied):
            rec.recommend_all(5, progress=False)
        with pytest.raises(PermissionDenied):
            rec.pair_values(["A", "B"])
    with pytest.raises(PermissionDenied):
        operator.as_user(scoped(ws, REVIEWER)).recommend("A")
    with pytest.raises(PermissionDenied):
        events.plan_invitations(scoped(ws, COMPANY), "E1", 2, pair_source=None)
