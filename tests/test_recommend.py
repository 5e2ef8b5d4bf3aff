"""Tests of matchmaker.recommend.recommender (and its helpers in candidates.py and explain.py).

A tiny hand-built EV battery chain, embedded with a bag-of-words fake model:

    Lithium mining (S1) -> Cathode materials (S2) -> Battery cells (S3) -> Electric vehicles (S4)

BUY needs battery cells, a cell technology and a loan, and offers electric vehicles; CELL1,
CELL2 (cells) can supply; CATH (cathode) and MINE (lithium) supply its suppliers; UNI (cell
technology, a university) answers the technology need, BANK the loan; FLEET needs vehicles.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import Words, item_row, org_row
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import DataError, NotFoundError
from matchmaker.recommend import recommender as recommend_module
from matchmaker.recommend.candidates import VectorIndex, cap_exposure, check_filters, spread
from matchmaker.recommend.embed import normalise
from matchmaker.recommend.evidence import WRONG_SIDE
from matchmaker.recommend.explain import Suggestion, reason_sentence
from matchmaker.recommend.recommender import Recommender

SEGMENTS = [
    ("S1", "Lithium mining", "upstream"),
    ("S2", "Cathode materials", "midstream"),
    ("S3", "Battery cells", "midstream"),
    ("S4", "Electric vehicles", "downstream"),
]
WORKSPACE = {
    "organizations": [
        org_row("BUY", "Buyer Motors", region="Ningbo"),
        org_row("CELL1", "Cell One", tier="gazelle"),
        org_row("CELL2", "Cell Two"),
        org_row("CATH", "Cathode Co"),
        org_row("MINE", "Mine Co"),
        org_row("UNI", "Tech University", "university"),
        org_row("FLEET", "Fleet Taxi"),
        org_row("BANK", "Bank", "finance"),
    ],
    "segments": [{"segment_id": s, "name": n, "chain": "ev", "stage": st} for s, n, st in SEGMENTS],
    "chain_links": [{"upstream": f"S{i}", "downstream": f"S{i + 1}"} for i in (1, 2, 3)],
    "items": [
        item_row("I01", "BUY", "need", "battery cells for electric vehicles", "S3"),
        item_row("I02", "BUY", "offer", "electric vehicles", "S4"),
        item_row("I03", "CELL1", "offer", "lithium battery cells", "S3"),
        item_row("I04", "CELL1", "need", "cathode materials", "S2"),
        item_row("I05", "CELL2", "offer", "pouch battery cells", "S3"),
        item_row("I06", "CATH", "offer", "NMC cathode materials", "S2"),
        item_row("I07", "CATH", "need", "lithium carbonate", "S1"),
        item_row("I08", "MINE", "offer", "lithium carbonate from mining", "S1"),
        item_row("I09", "UNI", "offer", "solid-state battery cell technology", "S3", "technology"),
        item_row("I10", "FLEET", "need", "electric vehicles for a taxi fleet", "S4"),
        item_row("I11", "BANK", "offer", "working capital loans", None, "capital"),
        item_row("I14", "BUY", "need", "solid-state battery cell technology", "S3", "technology"),
        item_row("I15", "BUY", "need", "working capital loans for a new plant", None, "capital"),
    ],
}


@pytest.fixture(autouse=True)
def _settings(tmp_path, monkeypatch):
    """Rankers go to a temporary models folder."""
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))


@pytest.fixture
def ws(sqlite_store):
    sqlite_store.upsert(WORKSPACE)
    return sqlite_store


@pytest.fixture
def rec(ws):
    return Recommender(ws, Words(), diversity=0)


def _ids(suggestions):
    return [s.partner_id for s in suggestions]


# --- directions -----------------------------------------------------------------------


def test_suppliers_are_those_whose_offers_meet_my_needs(rec):
    found = rec.recommend("BUY", "suppliers", k=5)
    assert _ids(found)[0] == "CELL1"
    # UNI's technology and BANK's loan answer other needs; CATH and MINE supply the
    # suppliers (a chain link one or two steps up, no words in common): below the floor.
    assert set(_ids(found)) == {"CELL1", "CELL2"}
    assert {s.direction for s in found} == {"suppliers"}
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_customers_are_those_whose_needs_my_offers_meet(rec):
    found = rec.recommend("BUY", "customers", k=3)
    assert _ids(found)[0] == "FLEET"
    assert "UNI" not in _ids(found)  # UNI needs nothing
    assert found[0].offer_item_id == "I02" and found[0].need_item_id == "I10"


def test_technology_only_from_universities_and_institutes(rec):
    found = rec.recommend("BUY", "technology", k=5)
    assert _ids(found) == ["UNI"]
    assert (found[0].offer_item_id, found[0].need_item_id) == ("I09", "I14")
    assert "(university) offers a technology for Buyer Motors" in found[0].reason


def test_both_puts_each_partner_in_its_better_direction(rec):
    found = {s.partner_id: s for s in rec.recommend("BUY", "both", k=8)}
    assert found["FLEET"].direction == "customers"
    assert found["CELL1"].direction == "suppliers"


def test_reason_fields_and_sentence(rec):
    s = rec.recommend("BUY", "suppliers", k=1)[0]
    assert (s.offer_item_id, s.need_item_id) == ("I03", "I01")
    assert (s.offer_title, s.need_title) == (
        "lithium battery cells",
        "battery cells for electric vehicles",
    )
    # The need is filed in the supplier's segment; the path goes on to the buyer's own.
    assert s.chain_path == ("Battery cells", "Electric vehicles") and s.chain_distance == 1
    assert (s.segment, s.segment_name) == ("S3", "Battery cells")
    assert s.reason == reason_sentence(s)
    assert s.reason.startswith(
        'Cell One can supply Buyer Motors: its offer "lithium battery cells"'
    )
    assert "chain path: Battery cells -> Electric vehicles." in s.reason
    assert 0 < s.score <= 1 and 0 < s.semantic_similarity <= 1
    assert set(s.features) >= {"need_offer_semantic", "chain_in", "adamic_adar"}


def test_chain_path_runs_upstream_to_downstream(rec):
    weak = rec.recommend("BUY", "suppliers", k=5, weak=True)
    mine = next(s for s in weak if s.partner_id == "MINE")
    path = ("Lithium mining", "Cathode materials", "Battery cells", "Electric vehicles")
    assert mine.chain_path == path and mine.chain_distance == 3
    assert f"chain path: {' -> '.join(path)}." in mine.reason


def test_shared_partners_in_reason(ws):
    ws.upsert(
        {
            "relations": [
                {"org_a": "MINE", "org_b": "BUY", "kind": "supplier_of"},
                {"org_a": "MINE", "org_b": "CELL2", "kind": "supplier_of"},
            ]
        }
    )
    s = next(
        s
        for s in Recommender(ws, Words(), diversity=0).recommend("BUY", "suppliers", 5)
        if s.partner_id == "CELL2"
    )
    assert s.shared_partners == ("MINE",) and s.shared_partner_names == ("Mine Co",)
    assert "1 shared partner(s): Mine Co" in s.reason


# --- novelty, learning from outcomes --------------------------------------------------


def test_novelty_down_weights_known_partners(ws, monkeypatch):
    ws.upsert({"relations": [{"org_a": "CELL1", "org_b": "BUY", "kind": "supplier_of"}]})
    rec = Recommender(ws, Words(), diversity=0, novelty=0)
    plain = {s.partner_id: s for s in rec.recommend("BUY", "suppliers", 5)}
    rec.novelty = 0.5
    half = {s.partner_id: s for s in rec.recommend("BUY", "suppliers", 5)}
    assert half["CELL1"].score == pytest.approx(plain["CELL1"].score * 0.5)
    assert half["CELL2"].score == pytest.approx(plain["CELL2"].score)
    assert half["CELL1"].already_partners and not half["CELL2"].already_partners
    assert "already work together" in half["CELL1"].reason
    rec.novelty = 1.0
    assert "CELL1" not in _ids(rec.recommend("BUY", "suppliers", 5))


def test_met_pairs_are_down_weighted(ws, monkeypatch):
    ws.upsert(
        {
            "events": [
                {"event_id": "E1", "name": "Expo", "date": __import__("datetime").date(2025, 5, 9)}
            ],
            "meetings": [{"event_id": "E1", "org_a": "BUY", "org_b": "CELL2", "status": "held"}],
        }
    )
    found = Recommender(ws, Words(), diversity=0, novelty=1).recommend("BUY", "suppliers", 5)
    assert "CELL2" not in _ids(found)


def test_signed_deal_raises_similar_partners(ws):
    ws.upsert(
        {
            "organizations": [org_row("POUCH", "Pouch Works")],
            "items": [item_row("I12", "POUCH", "offer", "pouch battery cells modules", "S3")],
        }
    )
    before = {
        s.partner_id: s.score
        for s in Recommender(ws, Words(), diversity=0).recommend("BUY", "suppliers", 8, weak=True)
    }
    deal = {"deal_id": "D1", "org_a": "BUY", "org_b": "POUCH", "stage": "signed"}
    ws.upsert({"deals": [deal]})
    after = {
        s.partner_id: s.score
        for s in Recommender(ws, Words(), diversity=0).recommend("BUY", "suppliers", 8, weak=True)
    }
    # CELL2 (pouch cells, like the new partner) gains more than CELL1 and MINE.
    assert after["CELL2"] > before["CELL2"]
    assert after["CELL2"] / before["CELL2"] > after["CELL1"] / before["CELL1"]
    assert after["CELL2"] / before["CELL2"] > after["MINE"] / before["MINE"]


def test_refresh_sees_new_data(ws):
    rec = Recommender(ws, Words(), diversity=0)
    ws.upsert(
        {
            "organizations": [org_row("NEW", "New Cells")],
            "items": [item_row("I13", "NEW", "offer", "battery cells for electric vehicles", "S3")],
        }
    )
    assert "NEW" not in _ids(rec.recommend("BUY", "suppliers", 8))
    rec.refresh()
    assert _ids(rec.recommend("BUY", "suppliers", 1)) == ["NEW"]


def test_ranker_learns_from_outcomes_and_is_saved(ws, monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHMAKER_MIN_TRAINING_PAIRS", "3")
    pairs = [("CELL1", "BUY"), ("CATH", "CELL1"), ("MINE", "CATH"), ("BUY", "FLEET")]
    ws.upsert({"relations": [{"org_a": a, "org_b": b, "kind": "supplier_of"} for a, b in pairs]})
    rec = Recommender(ws, Words(), diversity=0)
    assert rec.ranker.fallback_ is False and "learned" in rec.ranker.message_
    assert rec.ranker_path.parent == tmp_path / "models" / "rankers"
    meta = json.loads(rec.ranker_path.with_suffix(".json").read_text())
    assert meta["positives"] == 8 and meta["training_data_fingerprint"]
    stamp = rec.ranker_path.stat().st_mtime_ns
    again = Recommender(
        ws, Words(), diversity=0
    )  # same data: the saved ranker is loaded, not refitted
    assert again.ranker_path == rec.ranker_path and rec.ranker_path.stat().st_mtime_ns == stamp
    assert again.ranker.fallback_ is False


def test_too_few_outcomes_fall_back_and_say_so(rec):
    assert rec.ranker.fallback_ is True
    assert "default weights" in rec.ranker.message_


def test_unchanged_data_embeds_nothing(ws):
    first = Words()
    Recommender(ws, first, diversity=0)
    assert first.count > 0
    second = Words()
    rec = Recommender(ws, second, diversity=0)
    assert second.count == 0 and rec.embedded == 0


# --- diversity, exposure, filters -----------------------------------------------------


def test_spread_exact_and_sorted_by_the_shown_score():
    ranked = [("a", 0.9, "s1"), ("b", 0.8, "s1"), ("c", 0.5, "s2"), ("d", 0.4, None)]
    assert spread(ranked, 4, 0.0) == [("a", 0.9), ("b", 0.8), ("c", 0.5), ("d", 0.4)]
    # once, not per repeat: a third s1 entry is also halved, not quartered
    third = [*ranked, ("e", 0.6, "s1")]
    assert spread(third, 5, 0.5)[2:] == [("b", 0.4), ("d", 0.4), ("e", 0.3)]
    # b: 0.8 * 0.5 = 0.4 after a (same segment); ties keep the input order
    assert spread(ranked, 4, 0.5) == [("a", 0.9), ("c", 0.5), ("b", 0.4), ("d", 0.4)]
    assert spread(ranked, 2, 0.1) == [("a", 0.9), ("b", pytest.approx(0.72))]
    assert spread([], 3, 0.5) == []


def test_diversity_spreads_segments(ws, monkeypatch):
    # diversity 1: a second partner of a segment scores 0 and is dropped
    found = Recommender(ws, Words(), diversity=1.0).recommend("BUY", "suppliers", 3, weak=True)
    assert found[0].partner_id == "CELL1"
    assert sorted(s.segment for s in found) == ["S1", "S2", "S3"]
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_cap_exposure_exact():
    lists = {
        "x": [("p", 0.9), ("q", 0.5)],
        "y": [("p", 0.8), ("r", 0.2)],
        "z": [("p", 0.7), ("q", 0.6), ("r", 0.1)],
    }
    assert cap_exposure(lists, 1, 1.0) == {"x": ["p"], "y": ["p"], "z": ["p"]}
    # 3 lists: cap 0.67 -> each partner in at most 2 lists; 0.34 (and 0) -> 1
    assert cap_exposure(lists, 2, 0.67) == {"x": ["p", "q"], "y": ["p", "r"], "z": ["q", "r"]}
    assert cap_exposure(lists, 2, 0.34) == {"x": ["p"], "y": ["r"], "z": ["q"]}
    assert cap_exposure(lists, 1, 0.0) == {"x": ["p"], "y": ["r"], "z": ["q"]}


def test_recommend_all_respects_exposure_cap(rec, monkeypatch):
    rec.exposure_cap = 1.0
    free = rec.recommend_all(3, progress=False)
    counts = {}
    for found in free.values():
        for s in found:
            counts[s.partner_id] = counts.get(s.partner_id, 0) + 1
    assert max(counts.values()) > 2
    rec.exposure_cap = 0.25  # 8 lists -> at most 2 each
    capped = rec.recommend_all(3, progress=False)
    counts = {}
    for found in capped.values():
        for s in found:
            counts[s.partner_id] = counts.get(s.partner_id, 0) + 1
    assert max(counts.values()) == 2
    assert set(capped) == {o["org_id"] for o in WORKSPACE["organizations"]}


def test_filters(rec):
    assert _ids(rec.recommend("BUY", "technology", 5, {"kinds": ["university"]})) == ["UNI"]
    assert rec.recommend("BUY", "technology", 5, {"kinds": ["company"]}) == []
    assert "CELL1" not in _ids(rec.recommend("BUY", "suppliers", 5, {"exclude": ["CELL1"]}))
    assert _ids(rec.recommend("BUY", "suppliers", 5, {"tiers": "gazelle"})) == ["CELL1"]
    assert rec.recommend("BUY", "suppliers", 5, {"regions": ["Hangzhou"]}) == []
    top = rec.recommend("BUY", "suppliers", 1)[0].score
    assert _ids(rec.recommend("BUY", "suppliers", 5, {"min_score": top})) == ["CELL1"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"colour": "red"}, "unknown filter"),
        ({"kinds": ["pirate"]}, "kinds"),
        ({"tiers": ["mega"]}, "tiers"),
    ],
)
def test_bad_filters(filters, message):
    with pytest.raises(DataError, match=message):
        check_filters(filters)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("NOPE", "both", 5), NotFoundError),
        (("BUY", "sideways", 5), DataError),
        (("BUY", "both", 0), DataError),
        (("BUY", "both", True), DataError),
    ],
)
def test_bad_queries(rec, args, error):
    with pytest.raises(error):
        rec.recommend(*args)


def test_retrieval_path_finds_the_same_best_partners(rec, monkeypatch):
    exact = _ids(rec.recommend("BUY", "suppliers", 3))
    monkeypatch.setattr(recommend_module, "EXACT_LIMIT", 2)
    assert _ids(rec.recommend("BUY", "suppliers", 3)) == exact


def test_vector_index_search_exact():
    vectors = normalise(np.array([[1, 0], [0.8, 0.6], [0, 1], [0.6, 0.8]], dtype=np.float32))
    index = VectorIndex(["r1", "r2", "r3", "r4"], ["a", "a", "b", "c"], vectors)
    hits = index.search(np.array([[1.0, 0.0]], dtype=np.float32), k=3)
    assert [(h.org_id, h.row_id) for h in hits] == [("a", "r1"), ("c", "r4"), ("b", "r3")]
    assert [round(h.similarity, 2) for h in hits] == [1.0, 0.6, 0.0]
    boosted = index.search(np.array([[1.0, 0.0]]), k=2, bonus=np.array([0, 0, 0.7, 0], float))
    assert [h.org_id for h in boosted] == ["a", "b"]
    only = index.search(np.array([[1.0, 0.0]]), k=3, allowed=np.array([0, 0, 1, 1], bool))
    assert [h.org_id for h in only] == ["c", "b"]
    lex = VectorIndex(["r1", "r2"], ["a", "b"], lexical=sp.csr_matrix([[1.0, 0.0], [0.0, 1.0]]))
    assert [h.org_id for h in lex.search(None, sp.csr_matrix([[0.0, 1.0]]), k=1)] == ["b"]


def test_pair_values(rec):
    values = rec.pair_values(["FLEET", "BUY", "CELL1"])
    assert (values[0].a, values[0].b) == ("BUY", "FLEET")
    assert all(v.a < v.b for v in values)
    assert [v.value for v in values] == sorted((v.value for v in values), reverse=True)
    assert values[0].reason.startswith("Fleet Taxi could buy from Buyer Motors")
    with pytest.raises(NotFoundError):
        rec.pair_values(["BUY", "NOPE"])


def test_suggestion_to_dict_and_row():
    s = Suggestion("A", "B", "suppliers", 0.5, chain_path=("x", "y"), shared_partners=("C",))
    d = s.to_dict()
    assert d["chain_path"] == ["x", "y"] and json.dumps(d)
    assert s.to_row()["chain_path"] == "x -> y" and s.to_row()["shared_partners"] == "C"


# --- CLI ------------------------------------------------------------------------------


@pytest.fixture
def cli(ws, monkeypatch):
    monkeypatch.setattr("matchmaker.recommend.embed.load_embedder", lambda *a, **k: Words())
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["--db", ws.url, *args])


def test_cli_table_and_json(cli):
    table = cli("recommend", "BUY", "--direction", "suppliers", "--top", "2")
    assert table.exit_code == 0, table.output
    assert " 1. Cell One (CELL1) [suppliers]" in table.output
    result = cli("recommend", "BUY", "--format", "json", "--top", "3")
    data = json.loads(result.stdout)
    assert len(data) == 3 and {"partner_id", "reason", "chain_path"} <= set(data[0])


def test_cli_all_writes_csv(cli, tmp_path):
    out = tmp_path / "recs.csv"
    result = cli("recommend", "--all", "--top", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["org_id"] for r in rows} <= {o["org_id"] for o in WORKSPACE["organizations"]}
    assert rows[0]["rank"] == "1" and rows[0]["reason"]


@pytest.mark.parametrize(
    "args",
    [
        ("recommend", "NOPE"),
        ("recommend", "BUY", "--direction", "up"),
        ("recommend", "BUY", "--format", "xml"),
        ("recommend", "--all"),
        ("recommend",),
    ],
)
def test_cli_bad_input_exits_2(cli, args):
    result = cli(*args)
    assert result.exit_code == 2
    assert "error:" in result.output


def test_pair_features_equal_the_scorers(ws):
    from matchmaker.recommend.recommender import pair_features
    from matchmaker.recommend.score import feature_matrix

    ws.upsert({"relations": [{"org_a": "MINE", "org_b": "CATH", "kind": "supplier_of"}]})
    ctx = Recommender(ws, Words(), diversity=0).ctx
    for a in range(len(ctx.org_ids)):
        cols = np.array([c for c in range(len(ctx.org_ids)) if c != a])
        expected = feature_matrix(ctx, (np.full(len(cols), a), cols))
        np.testing.assert_allclose(pair_features(ctx, a, cols), expected)


# --- end to end: the real bundled model on the demo workspace -------------------------


@pytest.fixture(scope="session")
def demo_recommender(tmp_path_factory):
    """The demo workspace imported into a temporary SQLite store, with the real model."""
    from matchmaker.demo import generate as demo
    from matchmaker.ingest.workspace import import_workspace
    from matchmaker.recommend.embed import load_embedder
    from matchmaker.store.database import Store

    folder = tmp_path_factory.mktemp("demo_e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MATCHMAKER_MODELS_DIR", str(folder / "models"))
        store = Store(f"sqlite:///{folder / 'demo.db'}")
        store.init()
        import_workspace(store, demo.DEMO_DIR)
        rec = Recommender(store, load_embedder(), diversity=0)
    yield rec, demo.SHOWCASE
    store.engine.dispose()


@pytest.mark.slow
def test_demo_showcase_supplier_in_buyers_top_10(demo_recommender):
    rec, showcase = demo_recommender
    found = rec.recommend(showcase["buyer"], "suppliers", k=10)
    by_id = {s.partner_id: s for s in found}
    assert showcase["supplier"] in by_id, [s.partner_id for s in found]
    s = by_id[showcase["supplier"]]
    assert len(s.chain_path) >= 1
    assert f"chain path: {' -> '.join(s.chain_path)}" in s.reason
    assert s.offer_item_id == showcase["offer"] and s.need_item_id == showcase["need"]
    assert rec.embedded > 0


@pytest.mark.slow
def test_demo_every_direction_and_pair_values(demo_recommender):
    rec, showcase = demo_recommender
    for direction in ("suppliers", "customers", "technology", "both"):
        found = rec.recommend(showcase["buyer"], direction, k=5)
        assert all(s.reason for s in found)
        if direction == "technology":
            assert {s.partner_kind for s in found} <= {"university", "institute"}
    values = rec.pair_values([showcase["buyer"], showcase["supplier"], *rec.ctx.org_ids[:8]])
    assert values and all(v.a < v.b for v in values)


def test_vector_index_clusters_and_probes():
    rng = np.random.default_rng(0)
    vectors = normalise(rng.standard_normal((300, 16)).astype(np.float32))
    ids = [f"r{i:03d}" for i in range(300)]
    owners = [f"o{i:03d}" for i in range(300)]
    exact = VectorIndex(ids, owners, vectors)
    ivf = VectorIndex(ids, owners, vectors, lists=12, probe=1)
    assert exact.centroids is None and ivf.centroids.shape == (12, 16)
    rows, _ = ivf.similarities(vectors[:1])
    assert 0 < len(rows) < 300  # only the probed list is scored
    for i in range(0, 300, 15):  # a row's own list is its nearest: it is found first
        assert ivf.search(vectors[i : i + 1], k=1)[0].org_id == owners[i]
    wide = VectorIndex(ids, owners, vectors, lists=12, probe=12)  # every list: exact
    query = vectors[7:8] + vectors[99:100]
    assert [c.org_id for c in wide.search(query, k=5)] == [
        c.org_id for c in exact.search(query, k=5)
    ]
    far = int(np.argmin(vectors @ vectors[0]))
    bonus = np.zeros(300, dtype=np.float32)
    bonus[far] = 5.0  # a chain neighbour outside the probed list is still scored
    assert ivf.search(vectors[:1], k=1, bonus=bonus)[0].org_id == owners[far]


# --- the faiss inverted-file path of VectorIndex ---------------------------------------


@pytest.fixture(scope="module")
def clustered_rows():
    """5,000 seeded unit vectors around 50 random centres (so lists mean something), and 20
    queries near random rows. The clouds overlap: 70 lists probed 2 at a time find only
    ~0.74 of the exact top 50, 16 at a time ~0.98."""
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((50, 32))
    points = centres[rng.integers(50, size=5000)] + rng.standard_normal((5000, 32))
    vectors = normalise(points.astype(np.float32))
    picked = vectors[rng.choice(5000, 20, replace=False)]
    queries = normalise((picked + 0.1 * rng.standard_normal(picked.shape)).astype(np.float32))
    return vectors, queries, [f"r{i:04d}" for i in range(5000)]


def _top(index, query, k=50, **kwargs):
    return [c.org_id for c in index.search(query[None, :], k=k, **kwargs)]


@pytest.mark.parametrize(("probe", "least"), [(16, 0.95), (70, 1.0)])
def test_vector_index_faiss_recall_of_the_exact_top_50(clustered_rows, probe, least):
    vectors, queries, ids = clustered_rows
    exact = VectorIndex(ids, ids, vectors)
    ivf = VectorIndex(ids, ids, vectors, lists=70, probe=probe)
    assert exact.ivf is None and ivf.ivf.nlist == 70
    found = [(set(_top(ivf, q)), _top(exact, q)) for q in queries]
    assert np.mean([len(got & set(want)) / len(want) for got, want in found]) >= least
    if probe == 70:  # every list probed: the exact ranking, similarities included
        for q in queries[:5]:
            assert ivf.search(q[None, :], k=50) == exact.search(q[None, :], k=50)


def test_vector_index_faiss_keeps_allowed_rows_only(clustered_rows):
    vectors, queries, ids = clustered_rows
    allowed = np.zeros(5000, dtype=bool)
    allowed[::97] = True  # 52 rows: few of them among any query's nearest 1,024
    exact = VectorIndex(ids, ids, vectors)
    ivf = VectorIndex(ids, ids, vectors, lists=70, probe=70)
    got = _top(ivf, queries[0], k=20, allowed=allowed)
    assert got == _top(exact, queries[0], k=20, allowed=allowed)
    assert all(int(row[1:]) % 97 == 0 for row in got)


def test_vector_index_faiss_asks_deeper_for_owners_of_many_rows(clustered_rows, monkeypatch):
    vectors, queries, ids = clustered_rows
    owners = [f"o{i % 40:02d}" for i in range(5000)]  # 125 rows each
    exact = VectorIndex(ids, owners, vectors)
    ivf = VectorIndex(ids, owners, vectors, lists=70, probe=70)
    monkeypatch.setattr("matchmaker.recommend.candidates.MIN_NEAR", 8)
    monkeypatch.setattr("matchmaker.recommend.candidates.NEAR_PER_ORG", 1)
    assert ivf.search(queries[:1], k=30) == exact.search(queries[:1], k=30)


def test_vector_index_faiss_scores_bonus_rows_of_the_probed_lists(monkeypatch):
    rng = np.random.default_rng(0)
    vectors = normalise(rng.standard_normal((300, 16)).astype(np.float32))
    ids = [f"r{i:03d}" for i in range(300)]
    ivf = VectorIndex(ids, ids, vectors, lists=12, probe=1)
    probed, sims = ivf.similarities(vectors[:1])  # MIN_NEAR > 300: the whole probed list
    weakest = int(probed[np.argmin(sims)])
    monkeypatch.setattr("matchmaker.recommend.candidates.MIN_NEAR", 5)
    monkeypatch.setattr("matchmaker.recommend.candidates.BONUS_ROWS", 10)
    bonus = np.zeros(300, dtype=np.float32)
    bonus[np.setdiff1d(np.arange(300), probed)[:20]] = 9.0  # > BONUS_ROWS, none probed
    bonus[weakest] = 5.0  # in the probed list, far from the query's 5 nearest
    assert ivf.search(vectors[:1], k=1, bonus=bonus)[0].row_id == ids[weakest]


def test_vector_index_pickles_with_its_faiss_index(clustered_rows):
    import pickle

    import faiss

    vectors, queries, ids = clustered_rows
    lexical = sp.random(5000, 64, density=0.02, format="csr", random_state=0)
    ivf = VectorIndex(ids, ids, vectors, lexical=lexical, lists=70, probe=8)
    copy = pickle.loads(pickle.dumps(ivf))
    assert type(copy.ivf) is type(ivf.ivf) and copy.ivf.ntotal == 5000
    np.testing.assert_array_equal(copy.centroids, ivf.centroids)
    threads = faiss.omp_get_max_threads()
    bonus = np.where(np.arange(5000) % 250 == 0, 0.3, 0.0).astype(np.float32)
    for q, lex in zip(queries, lexical[:20], strict=True):
        args = (q[None, :], lex)
        assert copy.search(*args, k=30, bonus=bonus) == ivf.search(*args, k=30, bonus=bonus)
    assert faiss.omp_get_max_threads() == threads  # one thread during a query only
    again = VectorIndex(ids, ids, vectors, lexical=lexical, lists=70, probe=8)
    assert (faiss.serialize_index(again.ivf) == faiss.serialize_index(ivf.ivf)).all()
    old = {k: v for k, v in ivf.__dict__.items() if k != "ivf"} | {"centroids": None}
    with pytest.raises(pickle.UnpicklingError, match="before faiss"):
        VectorIndex.__new__(VectorIndex).__setstate__(old)  # a pickle of the previous index


def test_vector_index_fills_its_lists_as_faiss_add_does(clustered_rows):
    import faiss

    vectors, _, ids = clustered_rows
    ivf = VectorIndex(ids, ids, vectors, lists=70).ivf
    ref = faiss.clone_index(ivf)
    ref.reset()  # the same trained centroids, empty lists
    ref.add(vectors)
    assert (faiss.serialize_index(ref) == faiss.serialize_index(ivf)).all()


# --- direction evidence: who supplies whom ---------------------------------------------

#   Battery management systems (B) -> Battery packs (P) -> Vehicles (V) <- Electric motors (M)
# PACK makes packs and needs a BMS; BMSCO makes exactly that BMS (chain and words), TEXTCO
# offers it too but files no segment (words only); CAR makes vehicles (downstream of PACK),
# needs packs and already works with PACK; NOISE sells office boards and works with PACK.
# Six traders of unrelated goods make most need -> offer pairs unrelated, as in any real
# workspace, so the text floor (the 3rd quartile of those similarities, see calibrate.py)
# lies between NOISE's one shared word and CAR's partial match.
UNRELATED = (
    ("FRUIT", "fresh mangoes pineapples"),
    ("LAW", "notary legal counsel"),
    ("SOFA", "oak wardrobes sofas"),
    ("INK", "gravure printing inks"),
    ("TEA", "oolong jasmine teas"),
    ("SHOE", "leather sneakers sandals"),
)
DIRECTED = {
    "organizations": [
        org_row("PACK", "Pack Works"),
        org_row("BMSCO", "Balance Boards"),
        org_row("TEXTCO", "Text Boards"),
        org_row("CAR", "Car Maker"),
        org_row("NOISE", "Noise Trading"),
        *(org_row(o, o.title()) for o, _ in UNRELATED),
    ],
    "segments": [
        {"segment_id": s, "name": n, "chain": "ev", "stage": "midstream"}
        for s, n in (
            ("B", "Battery management systems"),
            ("P", "Battery packs"),
            ("V", "Vehicles"),
            ("M", "Electric motors"),
        )
    ],
    "chain_links": [
        {"upstream": u, "downstream": d} for u, d in (("B", "P"), ("P", "V"), ("M", "V"))
    ],
    "items": [
        item_row("J01", "PACK", "offer", "lithium battery packs for ebikes", "P"),
        item_row(
            "J02", "PACK", "need", "battery management system boards with active balancing", "B"
        ),
        item_row(
            "J03", "BMSCO", "offer", "battery management system boards with active balancing", "B"
        ),
        item_row(
            "J04", "TEXTCO", "offer", "battery management system boards with active balancing"
        ),
        item_row("J05", "CAR", "offer", "electric cars with lithium battery", "V"),
        item_row("J06", "CAR", "need", "lithium battery packs for electric cars", "P"),
        item_row("J07", "NOISE", "offer", "office boards and paper"),
        *(item_row(f"U{i}", o, "offer", t) for i, (o, t) in enumerate(UNRELATED)),
    ],
    "relations": [
        {"org_a": "PACK", "org_b": "CAR", "kind": "supplier_of"},
        {"org_a": "PACK", "org_b": "NOISE", "kind": "supplier_of"},
    ],
}


@pytest.fixture
def directed(sqlite_store, monkeypatch):
    """A recommender whose pair value leaks "already work together" (0.99) over any
    direction, as a ranker fitted on undirected outcomes does; 0.3 for other pairs."""
    from matchmaker.recommend.score import FEATURES

    sqlite_store.upsert(DIRECTED)
    rec = Recommender(sqlite_store, Words(), diversity=0, novelty=0)
    known = FEATURES.index("degree_b")
    rec.ranker.fallback_ = False
    rec.ranker.predict = lambda X: np.where(X[:, known] > 0, 0.99, 0.3)
    return rec


def _words(rec, s, text):
    sim = max(s.features[f"{text}_semantic"], s.features[f"{text}_lexical"])
    low, high = rec.text_floor, rec.text_strong
    return min(max((sim - low) / (high - low), 0.0), 1.0)


def test_downstream_partner_is_a_customer_not_a_supplier(directed):
    shown = directed.recommend("PACK", "suppliers", k=5)
    assert "CAR" not in _ids(shown) and shown.hidden >= 1  # below the evidence floor
    suppliers = {s.partner_id: s for s in directed.recommend("PACK", "suppliers", 5, weak=True)}
    car, bms = suppliers["CAR"], suppliers["BMSCO"]
    # CAR's offer reads a little like PACK's need, but the chain puts CAR downstream.
    assert directed.text_floor < car.features["need_offer_semantic"] < 0.5
    assert car.features["chain_in"] == 0 and car.features["chain_out"] == 1
    assert car.score == pytest.approx(0.99 * WRONG_SIDE * _words(directed, car, "need_offer"))
    assert bms.score == pytest.approx(0.3)  # chain_in 1: full evidence
    assert list(suppliers).index("BMSCO") < list(suppliers).index("CAR")
    customers = {s.partner_id: s for s in directed.recommend("PACK", "customers", k=5)}
    # Same segment and words: the chain confirms the words, (1 + words) / 2 of the evidence.
    car = customers["CAR"]
    assert next(iter(customers)) == "CAR"
    assert car.score == pytest.approx(
        0.99 * (1 + _words(directed, car, "offer_need")) / 2, rel=1e-4
    )
    both = {s.partner_id: s for s in directed.recommend("PACK", "both", k=5)}
    assert both["CAR"].direction == "customers" and both["BMSCO"].direction == "suppliers"


def test_text_thresholds_rule():
    from matchmaker.recommend.calibrate import text_thresholds

    # sorted 0, .1, .1, .2, .3, .4, .5, .6, .8: the 3rd quartile is at position 0.75 * 8 = 6;
    # strong at 0.9999 * 8 = 7.9992, between .6 and .8
    sims = [0.8, 0.0, 0.1, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    assert text_thresholds(sims) == (0.5, pytest.approx(0.6 + 0.9992 * 0.2))
    assert text_thresholds([0.2] * 4) == (0.2, 0.25)  # strong at least MIN_SPAN above
    assert text_thresholds([]) == (0.0, 1.0)


def test_text_floor_comes_from_the_workspace_similarities(directed):
    from matchmaker.recommend.calibrate import need_offer_similarities, text_thresholds

    sims = need_offer_similarities(directed.ctx, directed.has_need, directed.has_offer)
    assert len(sims) == 2 * 10  # CAR and PACK need; 11 offer, less each own offer
    assert (directed.text_floor, directed.text_strong) == text_thresholds(sims)
    noise = max(_features(directed, "PACK", "NOISE"))
    car = max(_features(directed, "PACK", "CAR"))
    assert noise < directed.text_floor < car


def test_no_text_match_and_no_chain_link_scores_nothing(directed):
    noise = directed.pair_values(["PACK", "NOISE"])
    found = directed.recommend("PACK", "suppliers", k=5, weak=True)
    ids = _ids(found)
    # NOISE's offer shares a word with PACK's need (raw similarity above 0), below the floor.
    assert 0 < max(_features(directed, "PACK", "NOISE")[:2]) <= directed.text_floor
    assert "NOISE" not in ids and noise == []
    text = next(s for s in found if s.partner_id == "TEXTCO")  # words only, no segment
    assert text.chain_path == () and text.score == pytest.approx(0.3)
    assert ids.index("TEXTCO") < ids.index("CAR")


def _features(rec, a, b):
    from matchmaker.recommend.candidates import pair_features
    from matchmaker.recommend.score import FEATURES

    row = pair_features(rec.ctx, rec.ctx.index[a], np.array([rec.ctx.index[b]]))[0]
    return [row[FEATURES.index(f)] for f in ("need_offer_semantic", "need_offer_lexical")]


def test_chain_path_runs_on_to_the_buyers_own_segment(directed):
    bms = next(s for s in directed.recommend("PACK", "suppliers", k=5) if s.partner_id == "BMSCO")
    assert bms.chain_path == ("Battery management systems", "Battery packs")
    assert bms.chain_distance == 1
    assert "chain path: Battery management systems -> Battery packs." in bms.reason
    car = directed.recommend("PACK", "customers", k=1)[0]  # PACK supplies CAR
    assert car.chain_path == ("Battery packs", "Vehicles")
    assert (car.segment, car.segment_name) == ("P", "Battery packs")
    withheld = reason_sentence(replace(car, need_title=None))
    assert "something Car Maker needs in segment Battery packs" in withheld


def test_a_ranker_saved_under_an_older_module_path_is_refitted_and_says_so(ws):
    first = Recommender(ws, Words(), diversity=0)
    # a pickle naming the module path of the flat layout (matchmaker.rank), now gone
    first.ranker_path.write_bytes(b"cmatchmaker.rank\nPairRanker\n.")
    first.parts_path.unlink()  # else the next one loads the ranker with the fitted parts
    again = Recommender(ws, Words(), diversity=0)
    assert "refitted: the saved ranker could not be used" in again.ranker.message_
    assert "ModuleNotFoundError" in again.ranker.message_
    assert again.recommend("BUY", "suppliers", 3) == first.recommend("BUY", "suppliers", 3)
    again.parts_path.unlink()
    third = Recommender(ws, Words(), diversity=0)  # the refitted one was saved
    assert "refitted" not in third.ranker.message_


def test_fitted_parts_are_saved_loaded_and_rebuilt_when_unusable(ws):
    first = Recommender(ws, Words(), diversity=0)
    assert first.parts_message.startswith("fitted parts built and saved")
    assert first.parts_path.is_file()
    second = Recommender(ws, Words(), diversity=0)  # a new process would do the same
    assert second.parts_message.startswith("fitted parts loaded")
    assert second.embedded == 0
    assert second.recommend("BUY", "suppliers", 3) == first.recommend("BUY", "suppliers", 3)
    # a pickle naming a module path that no longer exists: rebuilt, and said so
    second.parts_path.write_bytes(b"cmatchmaker.recommender\nRecommender\n.")
    third = Recommender(ws, Words(), diversity=0)
    assert "rebuilt: the saved ones could not be used" in third.parts_message
    assert "ModuleNotFoundError" in third.parts_message
    assert third.recommend("BUY", "suppliers", 3) == first.recommend("BUY", "suppliers", 3)
    ws.upsert({"organizations": [{**ws.get("organizations", "BUY"), "description": "new"}]})
    fourth = Recommender(ws, Words(), diversity=0)  # other data: other parts
    assert fourth.parts_message.startswith("fitted parts built") and fourth.parts_path != (
        third.parts_path
    )
