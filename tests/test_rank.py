"""PairRanker: the estimator contract, the default-weights fallback, leak-free training data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matchmaker.errors import DataError, ModelError
from matchmaker.recommend.rank import (
    DEFAULT_WEIGHTS,
    PairRanker,
    fingerprint,
    fit_ranker,
    training_data,
)
from matchmaker.recommend.score import FEATURES, build_context


def _separable(n=200, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(FEATURES)))
    y = (X[:, 0] > 0.5).astype(float) * 3.0
    return X, y


def test_default_weights_cover_features():
    assert set(DEFAULT_WEIGHTS) == set(FEATURES)


def test_fallback_with_few_positives():
    X = np.eye(len(FEATURES))[:3]
    ranker = PairRanker(min_positives=5).fit(X, np.array([3.0, 0.0, 1.0]))
    assert ranker.fallback_ is True and ranker.estimator_ is None
    assert "only 2 positive pair(s)" in ranker.message_ and "default weights" in ranker.message_
    want = [DEFAULT_WEIGHTS[f] for f in FEATURES[:3]]
    assert ranker.predict(X) == pytest.approx(want)


def test_fallback_threshold_from_setting(monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MIN_TRAINING_PAIRS", "1000")
    X, y = _separable()
    assert PairRanker().fit(X, y).fallback_ is True
    monkeypatch.setenv("MATCHMAKER_MIN_TRAINING_PAIRS", "10")
    assert PairRanker(max_iter=10).fit(X, y).fallback_ is False


@pytest.mark.parametrize("model", ["gbm", "logistic"])
def test_learns_and_is_deterministic(model):
    X, y = _separable()
    a = PairRanker(model=model, min_positives=10, max_iter=30, random_state=3).fit(X, y)
    b = PairRanker(model=model, min_positives=10, max_iter=30, random_state=3).fit(X, y)
    assert a.fallback_ is False and "learned" in a.message_
    Xt, yt = _separable(seed=2)
    pa = a.predict(Xt)
    assert np.array_equal(pa, b.predict(Xt))
    assert pa[yt > 0].mean() > pa[yt == 0].mean() + 0.3
    assert ((pa >= 0) & (pa <= 1)).all()


def test_init_does_not_validate():
    ranker = PairRanker(model="nope")  # accepted: validation happens in fit
    with pytest.raises(DataError, match="only gbm, logistic are supported"):
        ranker.fit(*_separable())


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.zeros((3, 2)), np.zeros(3), r"want \(n_pairs"),
        (np.zeros((3, len(FEATURES))), np.zeros(2), "2 labels for 3 rows"),
    ],
)
def test_fit_rejects_bad_shapes(X, y, match):
    with pytest.raises(DataError, match=match):
        PairRanker().fit(X, y)


def test_predict_before_fit():
    with pytest.raises(ModelError, match="not fitted"):
        PairRanker().predict(np.zeros((1, len(FEATURES))))


def test_save_and_load(tmp_path):
    X, y = _separable()
    ranker = PairRanker(min_positives=10, max_iter=10).fit(X, y)
    path = ranker.save(tmp_path / "r.pkl", data_fingerprint="abc")
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["features"] == list(FEATURES)
    assert meta["training_data_fingerprint"] == "abc"
    assert (meta["positives"], meta["negatives"], meta["fallback"]) == (
        int((y > 0).sum()),
        int((y == 0).sum()),
        False,
    )
    assert "fitted_at" in meta
    assert np.array_equal(PairRanker.load(path).predict(X), ranker.predict(X))
    (tmp_path / "bad.pkl").write_bytes(b"junk")
    with pytest.raises(ModelError, match=r"bad\.pkl"):
        PairRanker.load(tmp_path / "bad.pkl")


def test_default_save_path_under_models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path))
    path = PairRanker(min_positives=1, max_iter=10).fit(*_separable()).save()
    assert path == tmp_path / "rankers" / "ranker.pkl" and path.with_suffix(".json").exists()


@pytest.fixture
def star():
    # X works with A, B, C, D; a dropped deal between A and B is a known negative
    orgs = [{"org_id": o, "name": o} for o in "ABCDEX"]
    relations = [{"org_a": "X", "org_b": o} for o in "ABCD"]
    deals = [{"deal_id": "d", "org_a": "A", "org_b": "B", "stage": "dropped"}]
    return build_context(orgs, relations=relations, deals=deals)


def test_training_data_holds_out_own_link(star):
    X, y, (ia, ib) = training_data(star, negatives=2, folds=5, random_state=0)
    x = star.index["X"]
    pos = (y > 0) & (ib == x)
    assert pos.sum() == 4  # each positive in both orientations: (o, X) once per o
    # with its own link held out, X has 3 partners, not 4
    assert X[pos, FEATURES.index("degree_b")] == pytest.approx(np.log1p([3] * 4))
    assert (y > 0).sum() == 8 and set(y) == {0.0, 3.0}
    assert ((y == 0) & (ia == ib)).sum() == 0
    # negatives of X are never its partners; the dropped deal A-B appears as a negative
    neg_of_x = ib[(y == 0) & (ia == x)]
    assert not set(neg_of_x) & {star.index[o] for o in "ABCD"}
    a, b = star.index["A"], star.index["B"]
    assert (((ia == a) & (ib == b)) & (y == 0)).any()


def test_training_data_deterministic(star):
    one = training_data(star, negatives=2, random_state=7)
    two = training_data(star, negatives=2, random_state=7)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])


def test_fit_ranker_falls_back_on_tiny_data(star):
    ranker = fit_ranker(star, min_positives=30)
    assert ranker.fallback_ and "default weights" in ranker.message_
    assert len(fingerprint(star)) == 64
    assert fingerprint(star) != fingerprint(star.with_relations({}))


def test_hard_negatives_come_from_near_organisations():
    # A works with B; B works with C: C is A's partner's partner, the only "near" one
    orgs = [{"org_id": o, "name": o} for o in "ABCDEFGH"]
    relations = [{"org_a": "A", "org_b": "B"}, {"org_a": "B", "org_b": "C"}]
    ctx = build_context(orgs, relations=relations)
    _, y, (ia, ib) = training_data(ctx, negatives=2, folds=1, random_state=0, hard=0.5)
    a, c = ctx.index["A"], ctx.index["C"]
    assert ((ia == a) & (ib == c) & (y == 0)).any()
    assert ((y == 0) & (ia == a)).sum() == 2  # one hard, one uniform for (A, B)
