"""The demo workspace: generated, committed, coherent and loadable."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date, datetime

import networkx as nx
import pytest

from matchmaker.demo.generate import DEMO_DIR, SHOWCASE, build, generate, main
from matchmaker.errors import DataError
from matchmaker.followup import report
from matchmaker.ingest import workspace as ingest
from matchmaker.schema import LIST_SEP, TABLES

CHAINS = {"home", "nev", "ai", "health", "equip", "marine"}
# What `matchmaker report funnel` shows on the demo: constants of the generator.
FUNNEL = {
    "events": 7,
    "invited": 440,
    "attended": 300,
    "attended_external": 120,
    "meetings_held": 428,
    "deals": {"intent": 42, "in_progress": 36, "signed": 9, "dropped": 4},
    "orgs_with_deal": 70,
}


def _read(name: str) -> list[dict]:
    with open(DEMO_DIR / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def ws() -> dict[str, list[dict]]:
    return {name: _read(name) for name in TABLES}


@pytest.fixture(scope="module")
def facts(ws):
    """Per organisation: its offer segments and its needs; the link set; org rows by id."""
    orgs = {o["org_id"]: o for o in ws["organizations"]}
    offers, needs = defaultdict(set), defaultdict(list)
    for i in ws["items"]:
        if i["side"] == "offer":
            offers[i["org_id"]].add(i["segment"])
        else:
            needs[i["org_id"]].append(i)
    links = {(r["upstream"], r["downstream"]) for r in ws["chain_links"]}
    return orgs, offers, needs, links


def _pairs(rows):
    return {frozenset((r["org_a"], r["org_b"])) for r in rows}


def _funnel(t: dict[str, list[dict]]) -> dict:
    """The report funnel's figures, computed by hand from workspace rows."""
    outside = {o["org_id"] for o in t["organizations"] if o["local"] in (False, "false")}
    came = {p["org_id"] for p in t["participants"] if p["status"] == "attended"}
    stages = Counter(d["stage"] for d in t["deals"])
    return {
        "events": len(t["events"]),
        "invited": len({p["org_id"] for p in t["participants"]}),
        "attended": len(came),
        "attended_external": len(came & outside),
        "meetings_held": sum(m["status"] == "held" for m in t["meetings"]),
        "deals": {s: stages[s] for s in ("intent", "in_progress", "signed", "dropped")},
        "orgs_with_deal": len(
            {o for d in t["deals"] if d["stage"] != "dropped" for o in (d["org_a"], d["org_b"])}
        ),
    }


# --- the files are the generator's output ------------------------------------------------


def test_committed_files_are_the_generators_output(tmp_path):
    counts = generate(tmp_path)
    for name, spec in TABLES.items():
        made = (tmp_path / spec.filename).read_bytes()
        assert made == (DEMO_DIR / spec.filename).read_bytes(), f"{spec.filename} differs"
        assert counts[name] == len(_read(name))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(s.filename for s in TABLES.values())


def test_same_seed_same_rows_other_seed_other_rows():
    first, showcase = build(2025)
    again, _ = build(2025)
    other, _ = build(7)
    assert first == again
    assert showcase == SHOWCASE
    assert first["items"] != other["items"]


def test_main_regenerates_a_folder(tmp_path, capsys):
    assert main([str(tmp_path / "out")]) == 0
    assert "events: 7" in capsys.readouterr().out
    assert (tmp_path / "out" / "deals.csv").read_bytes() == (DEMO_DIR / "deals.csv").read_bytes()


def test_bad_output_folder_and_seed_are_refused(tmp_path, capsys):
    afile = tmp_path / "taken.csv"
    afile.write_text("x\n")
    with pytest.raises(DataError, match=r"taken\.csv is a file"):
        generate(afile)
    assert main([str(afile)]) == 2
    assert "is a file" in capsys.readouterr().err
    with pytest.raises(DataError, match="seed must be an integer, got '7'"):
        generate(tmp_path / "out", seed="7")
    assert not (tmp_path / "out").exists()


# --- the format --------------------------------------------------------------------------


def test_files_follow_the_schema(ws):
    ids = {
        "organizations": {r["org_id"] for r in ws["organizations"]},
        "segments": {r["segment_id"] for r in ws["segments"]},
        "events": {r["event_id"] for r in ws["events"]},
    }
    for name, spec in TABLES.items():
        with open(DEMO_DIR / spec.filename, encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == list(spec.column_names)
        rows = ws[name]
        keys = [tuple(r[k] for k in spec.key) for r in rows]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), name
        for r in rows:
            for col in spec.columns:
                value = r[col.name]
                if col.required:
                    assert value, (name, col.name, r)
                if not value:
                    continue
                if col.choices:
                    assert value in col.choices, (name, col.name, value)
                if col.ref:
                    assert value in ids[col.ref], (name, col.name, value)
                if col.kind == "bool":
                    assert value in ("true", "false")
                elif col.kind == "int":
                    assert re.fullmatch(r"\d+", value)
                elif col.kind == "float":
                    float(value)
                elif col.kind == "date":
                    date.fromisoformat(value)
                elif col.kind == "datetime":
                    assert datetime.fromisoformat(value).year == 2025
                elif col.kind == "list":
                    assert all(part.strip() == part and part for part in value.split(LIST_SEP))
            if spec.pair:
                assert r[spec.pair[0]] != r[spec.pair[1]], (name, r)
    for o in ws["organizations"]:
        assert set(o["chains"].split(LIST_SEP)) <= CHAINS


def test_no_cell_starts_like_a_formula(ws):
    for name, rows in ws.items():
        for r in rows:
            assert not any(v[:1] in "=+-@" for v in r.values() if v), (name, r)


# --- chains ------------------------------------------------------------------------------


def test_six_chains_of_8_to_15_segments_across_all_stages(ws):
    by_chain = defaultdict(list)
    for s in ws["segments"]:
        by_chain[s["chain"]].append(s["stage"])
    assert set(by_chain) == CHAINS
    for chain, stages in by_chain.items():
        assert 8 <= len(stages) <= 15, chain
        assert set(stages) == {"upstream", "midstream", "downstream"}, chain


def test_chain_links_form_a_dag_that_feeds_every_non_upstream_segment(ws):
    seg = {s["segment_id"]: s for s in ws["segments"]}
    graph = nx.DiGraph((r["upstream"], r["downstream"]) for r in ws["chain_links"])
    assert nx.is_directed_acyclic_graph(graph)
    for s in seg.values():
        if s["stage"] != "upstream":
            assert graph.in_degree(s["segment_id"]) > 0, s["segment_id"]
    cross = [(u, d) for u, d in graph.edges if seg[u]["chain"] != seg[d]["chain"]]
    assert ("ai-chip", "home-ctrl") in cross and len(cross) >= 10


# --- organisations -----------------------------------------------------------------------


def test_organisations_a_third_outside_with_plausible_tiers(ws):
    orgs = ws["organizations"]
    assert len(orgs) >= 600
    outside = sum(o["local"] == "false" for o in orgs)
    assert 0.30 <= outside / len(orgs) <= 0.40
    assert len({o["name"] for o in orgs}) == len(orgs)
    assert all(o["name_zh"] and o["description"] and o["region"] for o in orgs)
    assert sum(bool(o["website"]) for o in orgs) >= 20
    tiers = Counter(o["tier"] for o in orgs if o["kind"] == "company")
    common = tiers["none"] + tiers["innovative_sme"] + tiers["specialized"]
    rare = tiers["hidden_unicorn"] + tiers["unicorn"] + tiers["leader"]
    assert common / sum(tiers.values()) > 0.6
    assert 5 <= rare <= 40 and all(tiers[t] for t in ("little_giant", "eaglet", "gazelle"))
    kinds = Counter(o["kind"] for o in orgs)
    assert kinds["university"] + kinds["institute"] >= 25 and kinds["finance"] >= 3


def test_items_counts_and_technology_and_capital(ws, facts):
    orgs, *_ = facts
    items = ws["items"]
    assert len(items) >= 1500
    tech = [
        i
        for i in items
        if i["type"] == "technology"
        and i["side"] == "offer"
        and orgs[i["org_id"]]["kind"] in ("university", "institute")
    ]
    assert len(tech) >= 150
    capital = Counter(
        (orgs[i["org_id"]]["kind"], i["side"]) for i in items if i["type"] == "capital"
    )
    assert capital[("finance", "offer")] >= 10 and capital[("company", "need")] >= 10
    assert all(i["segment"] and i["keywords"] and i["description"] for i in items)


# --- coherence ---------------------------------------------------------------------------


def test_needs_come_from_upstream_or_own_segments(ws, facts):
    _orgs, offers, needs, links = facts
    for org_id, wanted in needs.items():
        own = offers[org_id]
        assert own, org_id  # an organisation with needs also offers something
        for i in wanted:
            if i["type"] in ("product", "service"):
                assert any((i["segment"], s) in links for s in own), i  # strictly upstream
            else:
                assert i["segment"] in own or any((i["segment"], s) in links for s in own), i


def test_most_product_needs_have_suppliers_that_word_them_differently(ws, facts):
    _, _offers, needs, _ = facts
    offer_titles = {i["title"].lower() for i in ws["items"] if i["side"] == "offer"}
    kw_by_seg = defaultdict(set)
    for i in ws["items"]:
        if i["side"] == "offer":
            kw_by_seg[i["segment"]].update(i["keywords"].split(LIST_SEP))
    product_needs = [i for v in needs.values() for i in v if i["type"] in ("product", "service")]
    assert len(product_needs) >= 500
    for i in product_needs:
        assert i["title"].lower() not in offer_titles
        assert set(i["keywords"].split(LIST_SEP)) & kw_by_seg[i["segment"]], i


def test_supplier_relations_follow_chain_links(ws, facts):
    _, offers, _, links = facts
    kinds = Counter(r["kind"] for r in ws["relations"])
    assert kinds["supplier_of"] >= 200 and kinds["partner"] >= 30
    for r in ws["relations"]:
        assert r["source"]
        if r["kind"] == "supplier_of":
            assert any((a, b) in links for a in offers[r["org_a"]] for b in offers[r["org_b"]]), r


# --- history -----------------------------------------------------------------------------


def test_seven_events_in_the_first_half_of_2025(ws):
    events = ws["events"]
    assert len(events) == 7
    for e in events:
        day = date.fromisoformat(e["date"])
        assert date(2025, 1, 1) <= day <= date(2025, 6, 30)
        assert set(e["chains"].split(LIST_SEP)) <= CHAINS and e["venue"]
    covered = {c for e in events for c in e["chains"].split(LIST_SEP)}
    assert {"ai", "health", "equip"} <= covered


def test_300_attended_100_plus_from_outside_and_the_same_circles(ws, facts):
    orgs, *_ = facts
    came = [p for p in ws["participants"] if p["status"] == "attended"]
    distinct = {p["org_id"] for p in came}
    assert len(distinct) == 300
    assert sum(orgs[o]["local"] == "false" for o in distinct) >= 100
    visits = Counter(p["org_id"] for p in came)
    assert sum(n >= 2 for n in visits.values()) >= 50
    assert set(Counter(p["status"] for p in ws["participants"])) == {
        "invited",
        "registered",
        "attended",
        "declined",
        "no_show",
    }
    capacity = {e["event_id"]: int(e["capacity"]) for e in ws["events"]}
    for event_id, n in Counter(p["event_id"] for p in came).items():
        assert n <= capacity[event_id]


def test_meetings_fit_the_agenda_between_attendees(ws):
    came = {(p["event_id"], p["org_id"]) for p in ws["participants"] if p["status"] == "attended"}
    seen_org, seen_table, pairs = set(), set(), set()
    for m in ws["meetings"]:
        e, slot = m["event_id"], int(m["slot"])
        assert (e, m["org_a"]) in came and (e, m["org_b"]) in came
        assert 1 <= slot <= 12 and re.fullmatch(r"T\d\d", m["table"])
        for key in ((e, slot, m["org_a"]), (e, slot, m["org_b"])):
            assert key not in seen_org
            seen_org.add(key)
        assert (e, slot, m["table"]) not in seen_table
        seen_table.add((e, slot, m["table"]))
        pair = (e, frozenset((m["org_a"], m["org_b"])))
        assert pair not in pairs
        pairs.add(pair)
    status = Counter(m["status"] for m in ws["meetings"])
    assert status["held"] / len(ws["meetings"]) > 0.85 and status["cancelled"] > 0


def test_deals_end_at_9_signed_36_in_progress_and_70_intent_orgs(ws):
    deals = ws["deals"]
    stages = Counter(d["stage"] for d in deals)
    assert stages["signed"] == 9 and stages["in_progress"] == 36 and stages["dropped"] >= 1
    intent_orgs = {o for d in deals if d["stage"] == "intent" for o in (d["org_a"], d["org_b"])}
    assert 65 <= len(intent_orgs) <= 75
    assert len(_pairs(deals)) == len(deals)
    held = {
        (m["event_id"], frozenset((m["org_a"], m["org_b"])))
        for m in ws["meetings"]
        if m["status"] == "held"
    }
    event_day = {e["event_id"]: date.fromisoformat(e["date"]) for e in ws["events"]}
    for d in deals:
        assert (d["event_id"], frozenset((d["org_a"], d["org_b"]))) in held, d
        assert d["title"] and d["note"]
        assert datetime.fromisoformat(d["updated_at"]).date() > event_day[d["event_id"]]
        if d["stage"] in ("signed", "in_progress"):
            assert float(d["value_cny"]) > 0
        else:
            assert not d["value_cny"]
        assert bool(d["due_date"]) == (d["stage"] in ("intent", "in_progress"))


def test_headline_figures_are_constants_for_every_seed(ws):
    assert _funnel(ws) == FUNNEL
    assert _funnel(build(3)[0]) == FUNNEL


def test_report_funnel_on_the_demo(sqlite_store):
    ingest.import_workspace(sqlite_store, DEMO_DIR)
    assert report.funnel(sqlite_store) == FUNNEL


# --- showcase ----------------------------------------------------------------------------


def test_showcase_pair_matches_and_has_no_history(ws, facts):
    _orgs, offers, needs, links = facts
    items = {i["item_id"]: i for i in ws["items"]}
    need, offer = items[SHOWCASE["need"]], items[SHOWCASE["offer"]]
    assert need["org_id"] == SHOWCASE["buyer"] and need["side"] == "need"
    assert offer["org_id"] == SHOWCASE["supplier"] and offer["side"] == "offer"
    assert [i["item_id"] for i in needs[SHOWCASE["buyer"]]] == [SHOWCASE["need"]]
    assert need["segment"] == offer["segment"] == "nev-bms"
    assert ("nev-bms", "nev-pack") in links and "nev-pack" in offers[SHOWCASE["buyer"]]
    words = set(need["keywords"].split(LIST_SEP)) & set(offer["keywords"].split(LIST_SEP))
    assert {"BMS", "active balancing", "e-bike"} <= words
    pair = frozenset((SHOWCASE["buyer"], SHOWCASE["supplier"]))
    for table in ("relations", "meetings", "deals"):
        assert pair not in _pairs(ws[table]), table


# --- loads through ingest ----------------------------------------------------------------


def test_demo_imports_idempotently_and_exports_identically(sqlite_store, tmp_path):
    added = ingest.import_workspace(sqlite_store, DEMO_DIR)
    assert added["organizations"] == (len(_read("organizations")), 0)
    again = ingest.import_workspace(sqlite_store, DEMO_DIR)
    assert all(counts == (0, 0) for counts in again.values())
    ingest.export_workspace(sqlite_store, tmp_path / "out")
    for spec in TABLES.values():
        exported = (tmp_path / "out" / spec.filename).read_bytes()
        assert exported == (DEMO_DIR / spec.filename).read_bytes(), spec.filename
