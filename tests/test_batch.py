"""Tests of batch scoring (matchmaker.recommend.batch), the engines (local, Ray), the fitted
parts saved under models/ (persist) and the set-up step (prepare, `matchmaker embeddings
build`, `import`).

The batch path must give exactly what the one-by-one path gives: the same partners in the
same order with the same scores and reasons. Compared on a seeded 60-organisation chain
workspace with a learned ranker and relations (novelty), in every direction,
with filters, and through the retrieval path (candidates by vectors instead of all).
"""

from __future__ import annotations

import csv
import os
import pickle
import random
import sys
import types

import numpy as np
import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import ConfigError, DataError
from matchmaker.recommend import batch, embed, persist, prepare
from matchmaker.recommend import recommender as recommend_module
from matchmaker.recommend.batch import pair_features_many
from matchmaker.recommend.candidates import cap_exposure, pair_features
from matchmaker.recommend.engine import map_blocks
from matchmaker.recommend.rank import PairRanker
from matchmaker.recommend.recommender import Recommender
from matchmaker.views.browse import data_stamp
from tests.conftest import Words

WORDS = ["lithium", "cathode", "anode", "cell", "pack", "motor", "sensor", "chip", "lidar"]
WORDS += ["casting", "glass", "resin", "software", "camera", "charger", "inverter", "steel"]


def _workspace(n: int = 60, seed: int = 3) -> dict:
    rnd = random.Random(seed)
    segs = [f"S{i}" for i in range(6)]
    orgs, items, rels = [], [], []
    for i in range(n):
        oid = f"O{i:03d}"
        kind = "university" if i % 11 == 0 else "company"
        orgs.append({"org_id": oid, "name": f"{rnd.choice(WORDS).title()} {i}", "kind": kind})
        for j, side in enumerate(("offer", "need", "offer")):
            words = " ".join(rnd.sample(WORDS, 3))
            items.append(
                {
                    "item_id": f"I{i:03d}{j}",
                    "org_id": oid,
                    "side": side,
                    "type": "technology" if kind == "university" else "product",
                    "title": f"{words} parts",
                    "segment": rnd.choice(segs),
                }
            )
    ids = [o["org_id"] for o in orgs]
    for _ in range(25):
        a, b = rnd.sample(ids, 2)
        rels.append({"org_a": a, "org_b": b, "kind": "supplier_of"})
    return {
        "organizations": orgs,
        "segments": [
            {"segment_id": s, "name": f"Seg {s}", "chain": "c", "stage": "midstream"} for s in segs
        ],
        "chain_links": [{"upstream": segs[i], "downstream": segs[i + 1]} for i in range(5)],
        "items": items,
        "relations": rels,
    }


@pytest.fixture(autouse=True)
def _models(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("MATCHMAKER_MIN_TRAINING_PAIRS", "5")


@pytest.fixture
def big(sqlite_store):
    sqlite_store.upsert(_workspace())
    return sqlite_store


@pytest.fixture
def rec(big):
    return Recommender(big, Words(), diversity=0.3, exposure_cap=0.2)


def _many(rec, ids, direction, k, filters=None):
    """``{org_id: rec.recommend(...)}`` through the batch ranking (what --all, invitation
    lists and agendas use), explained as recommend explains."""
    ranked = batch.ranked_many(rec, ids, direction, k, filters)
    return {o: rec._suggestions(o, rec._diverse(o, ranked[o][0], k), "en") for o in ids}


def _same(got, want):
    """Same partners, same order, same reasons; scores equal to float precision."""
    assert [(s.partner_id, s.direction) for s in got] == [(s.partner_id, s.direction) for s in want]
    assert [s.reason for s in got] == [s.reason for s in want]
    assert [s.score for s in got] == pytest.approx([s.score for s in want], abs=1e-9)


# --- batch == one by one ---------------------------------------------------------------


def test_the_fixture_has_a_learned_ranker_and_known_pairs(rec):
    assert rec.ranker.fallback_ is False
    assert rec.ctx.rel.pairs


def test_pair_features_many_equal_pair_features(rec):
    a, cols = 4, np.array([0, 7, 9, 30, 59])
    many = pair_features_many(rec.ctx, np.full(5, a), cols)
    assert many == pytest.approx(pair_features(rec.ctx, a, cols), abs=1e-6)


@pytest.mark.parametrize("direction", ["suppliers", "customers", "technology", "both"])
def test_recommend_many_equals_one_by_one(rec, direction):
    ids = sorted(rec.ctx.org_ids)
    found = _many(rec, ids, direction, 5)
    assert list(found) == ids
    for org_id in ids:
        _same(found[org_id], rec.recommend(org_id, direction, 5))


def test_recommend_many_with_filters_and_small_blocks(rec, monkeypatch):
    monkeypatch.setattr(batch, "BLOCK_PAIRS", 70)  # many blocks, one query may exceed one
    ids = sorted(rec.ctx.org_ids)[:20]
    filters = {"exclude": ["O030", "O031"], "kinds": ["company"], "min_score": 0.01}
    found = _many(rec, ids, "both", 4, filters)
    for org_id in ids:
        _same(found[org_id], rec.recommend(org_id, "both", 4, filters))


def test_retrieval_path_batch_equals_one_by_one(rec, monkeypatch):
    monkeypatch.setattr(recommend_module, "EXACT_LIMIT", 10)  # candidates by vector search
    ids = sorted(rec.ctx.org_ids)
    found = _many(rec, ids, "both", 3)
    for org_id in ids:
        _same(found[org_id], rec.recommend(org_id, "both", 3))


def _one_by_one_all(rec, k):
    """recommend_all as it was before batching: one _ranked query per organisation."""
    ranked = {o: rec._ranked(o, "both", k, None)[0] for o in sorted(rec.ctx.org_ids)}
    lists = {o: [(rec.ctx.org_ids[r[0]], r[2]) for r in rs] for o, rs in ranked.items()}
    out = {}
    for o, partners in cap_exposure(lists, k, rec.exposure_cap).items():
        by_id = {rec.ctx.org_ids[r[0]]: r for r in ranked[o]}
        out[o] = rec._suggestions(o, rec._diverse(o, [by_id[p] for p in partners], k), "en")
    return out


def test_recommend_all_equals_one_by_one_with_the_exposure_cap(rec, monkeypatch):
    monkeypatch.setattr(batch, "ORGS_PER_TASK", 7)  # several tasks
    got = rec.recommend_all(4, progress=False)
    want = _one_by_one_all(rec, 4)
    assert list(got) == list(want)
    for org_id in want:
        _same(got[org_id], want[org_id])


def test_pair_values_batch_equals_one_by_one(rec, monkeypatch):
    ids = sorted(rec.ctx.org_ids)[:40]
    got = rec.pair_values(ids)

    def single(r, queries, direction="both"):  # one by one, the ranker on every pair
        out = {}
        for a, cols in queries:
            X = pair_features(r.ctx, a, cols) if len(cols) else np.zeros((0, 23))
            out[a] = (cols, X, r.ranker.predict(X) if len(cols) else np.zeros(0), None)
        return out

    monkeypatch.setattr(batch, "pair_blocks", single)
    want = rec.pair_values(ids)
    assert len(got) > 10
    assert [(p.a, p.b, p.reason) for p in got] == [(p.a, p.b, p.reason) for p in want]
    assert [p.value for p in got] == pytest.approx([p.value for p in want], abs=1e-9)


@pytest.mark.parametrize("direction", ["suppliers", "customers", "both"])
def test_the_ranker_skips_only_pairs_without_evidence_and_that_changes_nothing(rec, direction):
    """Pairs with no evidence in either direction score value x 0 whatever the ranker says:
    predicting only the others gives the same scores as predicting every pair."""
    skipped = 0
    for a in range(0, 60, 3):
        cols = np.array([c for c in range(60) if c != a])
        X = pair_features(rec.ctx, a, cols)
        ev = rec._evidence(a, cols, direction, X)
        skipped += int(np.sum((ev[0] == 0) & (ev[1] == 0)))
        every = rec._score(a, cols, direction, X, rec.ranker.predict(X))[0]
        assert rec._score(a, cols, direction)[0] == every
    assert skipped > 100  # the fixture has pairs without evidence, so skipping is tested


def test_map_blocks_keeps_block_order_and_refuses_unknown_engines():
    assert map_blocks(lambda s, b: s * sum(b), 2, [[1], [2, 3], []]) == [2, 10, 0]
    with pytest.raises(DataError, match="engine 'spark' is not allowed; use one of local, ray"):
        map_blocks(lambda s, b: b, None, [[1]], "spark")


# --- Ray (a local Ray with 2 CPUs; CI runs these) ----------------------------------------


@pytest.fixture(scope="module")
def local_ray():
    if os.environ.get("CI"):  # CI installs the ray extra (make install): never skip there
        import ray
    else:
        ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.ray
def test_ray_recommend_all_equals_local(rec, local_ray, monkeypatch):
    monkeypatch.setattr(batch, "ORGS_PER_TASK", 16)  # 4 tasks over 2 workers
    local = rec.recommend_all(4, progress=False)
    remote = rec.recommend_all(4, progress=False, engine="ray")
    assert list(remote) == list(local)
    for org_id in local:
        _same(remote[org_id], local[org_id])


@pytest.mark.ray
def test_cli_recommend_all_engine_ray_writes_the_same_file(big, local_ray, tmp_path, monkeypatch):
    monkeypatch.setattr(embed, "load_embedder", lambda *a, **k: Words())
    run = CliRunner()
    base = ["--db", big.url, "recommend", "--all", "--top", "3", "--out"]
    for engine in ("local", "ray"):
        res = run.invoke(app, [*base, str(tmp_path / f"{engine}.csv"), "--engine", engine])
        assert res.exit_code == 0, res.output
    local, remote = ((tmp_path / f"{e}.csv").read_text(encoding="utf-8") for e in ("local", "ray"))
    assert local == remote and len(local.splitlines()) > 60


@pytest.mark.ray
def test_embed_on_ray_equals_local(big, local_ray, sqlite_store, monkeypatch):
    monkeypatch.setattr(prepare, "CHUNK", 16)
    total, embedded = prepare.embed_workspace(big, Words(), engine="ray", progress=False)
    assert total == embedded > 100
    texts = prepare.embedded_texts(big)
    cached = big.cached_vectors("words-1024", [embed.text_hash(t) for t in texts])
    want = Words().encode(texts)
    got = np.stack([np.frombuffer(cached[embed.text_hash(t)], np.float32) for t in texts])
    assert np.array_equal(got, want)


def test_engine_ray_without_ray_says_how_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("no ray")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ConfigError, match=r"pip install 'matchmaker\[ray\]'"):
        map_blocks(lambda s, b: b, None, [[1]], "ray")


def test_cli_engine_bad_values_exit_2(big):
    run = CliRunner()
    res = run.invoke(
        app, ["--db", big.url, "recommend", "--all", "--out", "x.csv", "--engine", "x"]
    )
    assert res.exit_code == 2 and "engine 'x' is not allowed" in res.output
    res = run.invoke(app, ["--db", big.url, "recommend", "O001", "--engine", "ray"])
    assert res.exit_code == 2 and "--engine is for --all" in res.output
    res = run.invoke(app, ["--db", big.url, "embeddings", "build", "--engine", "spark"])
    assert res.exit_code == 2 and "engine 'spark' is not allowed" in res.output


# --- fitted parts saved, loaded, refitted ---------------------------------------------


def test_a_new_recommender_loads_the_saved_parts_and_embeds_nothing(rec, big):
    assert "built and saved" in rec.parts_message
    words = Words()
    again = Recommender(big, words, diversity=0.3, exposure_cap=0.2)
    assert "loaded" in again.parts_message and words.count == 0
    for org_id in ("O001", "O017"):
        _same(again.recommend(org_id, "both", 5), rec.recommend(org_id, "both", 5))


def test_changed_data_builds_new_parts(rec, big):
    big.upsert({"organizations": [{"org_id": "NEW", "name": "New Co", "kind": "company"}]})
    again = Recommender(big, Words())
    assert "built and saved" in again.parts_message and "NEW" in again.ctx.index


def test_a_changed_setting_builds_new_parts(rec, big, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MIN_TRAINING_PAIRS", "500")
    again = Recommender(big, Words())
    assert "built and saved" in again.parts_message and again.ranker.fallback_


def test_unusable_saved_parts_are_rebuilt_and_say_so(rec, big):
    path = next(persist.fitted_dir().glob("recommender-*.pkl"))
    path.write_bytes(b"\x80\x05not a pickle")
    again = Recommender(big, Words())
    assert "could not be used" in again.parts_message and "UnpicklingError" in again.parts_message
    assert persist.load_parts(path, ["ctx"])  # replaced by good parts


def _pickle_from_old_layout() -> bytes:
    """A pickle naming ``matchmaker.rank.PairRanker``, the layout before the reorganisation."""
    old = types.ModuleType("matchmaker.rank")

    class PairRanker:
        pass

    PairRanker.__module__, PairRanker.__qualname__ = old.__name__, "PairRanker"
    old.PairRanker = PairRanker
    sys.modules[old.__name__] = old
    try:
        return pickle.dumps(PairRanker())
    finally:
        del sys.modules[old.__name__]


def test_ranker_pickled_under_an_old_module_path_is_refitted_and_says_so(rec, big, tmp_path):
    rec.ranker_path.write_bytes(_pickle_from_old_layout())
    for part in persist.fitted_dir().glob("recommender-*"):
        part.unlink()  # the parts hold the ranker too: make the recommender look for it
    again = Recommender(big, Words())
    assert again.ranker.fallback_ is False
    assert "refitted: the saved ranker could not be used" in again.ranker.message_
    assert (
        "ModuleNotFoundError" in again.ranker.message_
        and "matchmaker.rank" in again.ranker.message_
    )
    assert isinstance(PairRanker.load(again.ranker_path), PairRanker)  # replaced


def test_ranker_metadata_names_its_module_path(rec):
    import json

    meta = json.loads(rec.ranker_path.with_suffix(".json").read_text())
    assert meta["module"] == "matchmaker.recommend.rank.PairRanker"


# --- set-up: embed, lazily, resumably --------------------------------------------------


class Failing(Words):
    """Embeds ``fail_after`` calls, then fails (an interrupted run)."""

    def __init__(self, fail_after):
        super().__init__()
        self.fail_after, self.calls = fail_after, 0

    def encode(self, texts, progress=False):
        self.calls += 1
        if self.calls > self.fail_after:
            raise KeyboardInterrupt
        return super().encode(texts, progress)


def test_embedding_resumes_after_an_interruption_and_embeds_nothing_twice(big, monkeypatch):
    monkeypatch.setattr(prepare, "CHUNK", 50)
    total = len(prepare.embedded_texts(big))
    first = Failing(fail_after=2)
    with pytest.raises(KeyboardInterrupt):
        prepare.embed_workspace(big, first, progress=False)
    assert first.count == 100
    second = Words()
    assert prepare.embed_workspace(big, second, progress=False) == (total, total - 100)
    assert second.count == total - 100
    third = Words()
    assert prepare.embed_workspace(big, third, progress=False) == (total, 0)
    assert third.count == 0
    rec = Recommender(big, third)  # every text the recommender needs is cached
    assert rec.embedded == 0


def test_lazy_embedder_does_not_load_the_model_when_everything_is_cached(big, monkeypatch):
    loads = []
    monkeypatch.setattr(embed.LazyEmbedder, "model", lambda self: loads.append(1) or Words(384))
    lazy = embed.LazyEmbedder()
    assert lazy.model_id == embed.DEFAULT_MODEL_ID and lazy.dim == 384 and not lazy.loaded
    Recommender(big, lazy)  # nothing cached for this model id: it must load
    assert loads
    loads.clear()
    Recommender(big, embed.LazyEmbedder())  # parts saved: no model
    assert loads == []


def test_cli_import_prepares_and_embed_reports(sqlite_store, tmp_path, monkeypatch):
    from matchmaker.ingest.workspace import export_workspace
    from matchmaker.store.database import Store

    sqlite_store.upsert(_workspace(12))
    export_workspace(sqlite_store, tmp_path / "ws")
    target = Store(f"sqlite:///{tmp_path / 'new.db'}")
    target.init()
    monkeypatch.setattr(embed, "load_embedder", lambda *a, **k: Words())
    monkeypatch.setenv("MATCHMAKER_PREPARE_ON_IMPORT", "true")
    run = CliRunner()
    res = run.invoke(app, ["--db", target.url, "import", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.output
    total = len(prepare.embedded_texts(target))
    assert (
        f"{total} texts: {total} embedded now, 0 already cached; fitted parts built" in res.output
    )
    res = run.invoke(app, ["--db", target.url, "embeddings", "build"])
    assert res.exit_code == 0, res.output
    assert (
        f"{total} texts: 0 embedded now, {total} already cached; fitted parts loaded" in res.output
    )
    out = tmp_path / "all.csv"
    res = run.invoke(
        app, ["--db", target.url, "recommend", "--all", "--top", "2", "--out", str(out)]
    )
    assert res.exit_code == 0 and list(csv.DictReader(out.open(encoding="utf-8")))


# --- the data stamp ---------------------------------------------------------------------


def test_data_stamp_is_one_query_and_changes_with_rows_and_versions(big):
    from sqlalchemy import event

    queries = []
    event.listen(big.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    first = data_stamp(big)
    assert len(queries) == 1 and "SELECT" in queries[0]
    assert first[0] == 60  # organisations first, as in TABLE_ORDER
    big.update("organizations", ("O001",), {"name": "Renamed"})
    second = data_stamp(big)
    assert second != first
    big.upsert({"organizations": [{"org_id": "Z", "name": "Zed", "kind": "company"}]})
    assert data_stamp(big)[0] == 61
    assert data_stamp(big) == data_stamp(big)


def test_parts_that_cannot_be_saved_are_not_an_error(tmp_path):
    path = tmp_path / "fitted" / "recommender-x.pkl"
    persist.save_parts(path, {"f": lambda: 1}, "fp")  # a lambda cannot be pickled
    assert not path.exists() and list(path.parent.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        persist.load_parts(path, ["f"])


def test_partners_many_equal_recommend_many_and_build_reasons_only_when_read(rec, monkeypatch):
    ids = sorted(rec.ctx.org_ids)[:12]
    want = _many(rec, ids, "both", 6)
    built = []
    real = Recommender._suggestions
    monkeypatch.setattr(
        Recommender,
        "_suggestions",
        lambda self, o, e, lang: built.append(len(e)) or real(self, o, e, lang),
    )
    found = batch.partners_many(rec, ids, "both", 6)
    assert built == []  # nothing read yet
    for org_id in ids:
        assert [b for b, _, _ in found[org_id]] == [s.partner_id for s in want[org_id]]
        assert [v for _, v, _ in found[org_id]] == [s.score for s in want[org_id]]
    some = next(o for o in ids if found[o])
    first = found[some][0][2]
    assert f"{first}" == want[some][0].reason and built == [1]
    assert str(first) == first and built == [1]  # built once
