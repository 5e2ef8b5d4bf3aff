"""Pair scorers on tiny hand-built contexts, with hand-computed expected values
(networkx test_link_prediction style)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from conftest import item_row

from matchmaker.errors import DataError, NotFoundError
from matchmaker.recommend import score
from matchmaker.recommend.score import FEATURES, build_context, feature_matrix

# Relations: A and B both work with C and D; C and D both work with E.
EDGES = ["AC", "BC", "AD", "BD", "CE", "DE"]
NAMES = {"A": "mn", "B": "abc", "C": "abc", "D": "xyz", "E": "uvw"}
CATEGORIES = {"A": ["c1"], "B": ["c1"], "C": ["c2"], "D": ["c2"], "E": ["c3"]}


def _orgs(names):
    return [{"org_id": k, "name": v, "kind": "company"} for k, v in names.items()]


@pytest.fixture
def ctx():
    relations = [{"org_a": a, "org_b": b, "kind": "partner"} for a, b in EDGES]
    return build_context(_orgs(NAMES), relations=relations, categories=CATEGORIES)


def _scores(func, ctx, pairs):
    return {(a, b): s for a, b, s in func(ctx, pairs)}


def test_common_partners(ctx):
    got = _scores(score.common_partners, ctx, [("A", "B"), ("C", "D"), ("A", "C")])
    assert got == {("A", "B"): 2.0, ("C", "D"): 3.0, ("A", "C"): 0.0}


def test_adamic_adar_matches_hand_and_networkx(ctx):
    pairs = [("A", "B"), ("C", "D"), ("A", "E"), ("A", "C")]
    got = _scores(score.adamic_adar, ctx, pairs)
    assert got[("A", "B")] == pytest.approx(2 / math.log(3))
    assert got[("C", "D")] == pytest.approx(3 / math.log(2))
    assert got[("A", "C")] == 0.0
    for u, v, s in nx.adamic_adar_index(ctx.rel.graph, pairs):
        assert got[(u, v)] == pytest.approx(s)


def test_resource_allocation(ctx):
    got = _scores(score.resource_allocation, ctx, [("A", "B"), ("C", "D")])
    assert got[("A", "B")] == pytest.approx(2 / 3)
    assert got[("C", "D")] == pytest.approx(3 / 2)


def test_partner_similarity(ctx):
    # A's partners C ("abc") and D ("xyz") share no character: their centroid is
    # (v_abc + v_xyz) / sqrt(2); B's profile is v_abc -> cosine 1/sqrt(2).
    got = _scores(score.partner_similarity, ctx, [("A", "B"), ("A", "E")])
    assert got[("A", "B")] == pytest.approx(1 / math.sqrt(2))
    assert got[("A", "E")] == 0.0


def test_category_affinity(ctx):
    # link counts between categories (both directions): c1-c2 4, c2-c3 2; total 12;
    # prior c1 4/12, c2 6/12, c3 2/12; P(b|a) = (count + prior_b) / (row total + 1)
    got = _scores(score.category_affinity, ctx, [("A", "C"), ("A", "E"), ("C", "E")])
    assert got[("A", "C")] == pytest.approx((4 + 0.5) / 5)
    assert got[("A", "E")] == pytest.approx((0 + 1 / 6) / 5)
    assert got[("C", "E")] == pytest.approx((2 + 1 / 6) / 7)


def test_neighbour_partners():
    names = {"P": "abc", "Q": "abc", "R": "xyz", "S": "uvw"}
    ctx = build_context(_orgs(names), relations=[{"org_a": "Q", "org_b": "S"}])
    got = _scores(score.neighbour_partners, ctx, [("P", "S"), ("P", "R"), ("R", "S")])
    # P's only similar organisation is Q (cosine 1), and Q works with S
    assert got == {("P", "S"): pytest.approx(1.0), ("P", "R"): 0.0, ("R", "S"): 0.0}


@pytest.fixture
def chain_ctx():
    # chain s0 -> s1 -> s2 -> s3, and far -> s0 (4 links above s3: beyond CHAIN_DEPTH)
    segs = [{"segment_id": s, "name": s} for s in ("far", "s0", "s1", "s2", "s3")]
    links = [
        {"upstream": u, "downstream": d}
        for u, d in [("far", "s0"), ("s0", "s1"), ("s1", "s2"), ("s2", "s3")]
    ]
    items = [
        item_row("a1", "A", "need", "abc", "s3"),
        item_row("b1", "B", "offer", "abc", "s1"),  # 2 links upstream of A's need
        item_row("c1", "C", "offer", "xyz", "s3"),  # the very segment A needs
        item_row("d1", "D", "offer", "qrs", "far"),  # 4 links: too far
        item_row("e1", "E", "need", "xyz", "s2"),
    ]
    orgs = _orgs({k: k.lower() for k in "ABCDE"})
    return build_context(orgs, items, segs, links)


def test_chain_in_and_out(chain_ctx):
    got = _scores(score.chain_in, chain_ctx, [("A", "B"), ("A", "C"), ("A", "D"), ("B", "A")])
    assert got == {
        ("A", "B"): pytest.approx(1 / 3),
        ("A", "C"): 1.0,
        ("A", "D"): 0.0,
        ("B", "A"): 0.0,
    }
    out = _scores(score.chain_out, chain_ctx, [("B", "A"), ("B", "E"), ("C", "E")])
    assert out == {
        ("B", "A"): pytest.approx(1 / 3),
        ("B", "E"): pytest.approx(1 / 2),
        ("C", "E"): 0.0,
    }
    assert chain_ctx.chain_match("A", "B") == ["s1", "s2", "s3"]
    assert chain_ctx.chain_match("A", "D") is None


def test_need_offer_lexical(chain_ctx):
    got = _scores(score.need_offer_lexical, chain_ctx, [("A", "B"), ("A", "C"), ("E", "C")])
    assert got == {("A", "B"): pytest.approx(1.0), ("A", "C"): 0.0, ("E", "C"): pytest.approx(1.0)}
    rev = _scores(score.offer_need_lexical, chain_ctx, [("B", "A"), ("C", "A")])
    assert rev == {("B", "A"): pytest.approx(1.0), ("C", "A"): 0.0}
    need, offer, sim = chain_ctx.best_items("A", "B")
    assert (need.item_id, offer.item_id, sim) == ("a1", "b1", pytest.approx(1.0))
    assert chain_ctx.best_items("B", "A") is None


def test_feature_matrix_matches_scorers(ctx):
    pairs = [("A", "B"), ("E", "A"), ("C", "D"), ("A", "B")]
    X = feature_matrix(ctx, pairs)
    assert X.shape == (4, len(FEATURES))
    for j, name in enumerate(FEATURES):
        assert [s for _, _, s in score.score_pairs(ctx, pairs, name)] == pytest.approx(X[:, j])
    assert X[0] == pytest.approx(X[3])
    degree = X[:, FEATURES.index("degree_a")]
    assert degree[:3] == pytest.approx(np.log1p([2, 2, 3]))
    # no embedding given: the semantic features are 0
    assert not X[:, FEATURES.index("profile_semantic")].any()


def test_feature_matrix_small_blocks_same_result(ctx, monkeypatch):
    pairs = [(a, b) for a in "ABCDE" for b in "ABCDE" if a != b]
    full = feature_matrix(ctx, pairs)
    monkeypatch.setattr(score, "_BLOCK_CELLS", 1)
    assert feature_matrix(ctx, pairs) == pytest.approx(full)


def test_semantic_features_use_vectors():
    orgs = _orgs({"A": "a", "B": "b"})
    vec = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    ctx = build_context(orgs, vectors={"profile": vec})
    ((_, _, s),) = score.score_pairs(ctx, [("A", "B")], "profile_semantic")
    assert s == pytest.approx(0.6)


def test_with_relations_replaces_graph(ctx):
    sub = ctx.with_relations({("A", "C"): 3.0})
    assert _scores(score.common_partners, sub, [("A", "B")]) == {("A", "B"): 0.0}
    assert _scores(score.common_partners, ctx, [("A", "B")]) == {("A", "B"): 2.0}


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda c: list(score.adamic_adar(c, [("A", "ZZ")])), NotFoundError, "'ZZ'"),
        (lambda c: feature_matrix(c, [("A", "B")], ["nope"]), DataError, "unknown feature"),
        (lambda c: list(score.score_pairs(c, [("A", "B")], "nope")), DataError, "known:"),
    ],
)
def test_errors(ctx, call, error, match):
    with pytest.raises(error, match=match):
        call(ctx)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"orgs": [{"org_id": "A"}, {"org_id": "A"}]}, "repeat"),
        ({"orgs": [{"org_id": "A"}], "items": [item_row("i", "Z", "offer", "t")]}, "'Z'"),
        ({"orgs": [{"org_id": "A"}], "vectors": {"profile": np.zeros((2, 3))}}, "2 rows"),
    ],
)
def test_build_context_errors(kwargs, match):
    with pytest.raises(DataError, match=match):
        build_context(**kwargs)


def test_empty_pairs(ctx):
    assert feature_matrix(ctx, []).shape == (0, len(FEATURES))
    assert list(score.common_partners(ctx, [])) == []


@pytest.mark.parametrize("fixture", ["ctx", "chain_ctx"])
def test_block_and_pairwise_agree(fixture, request):
    from matchmaker.recommend.features import BLOCK, PAIRWISE

    c = request.getfixturevalue(fixture)
    n = len(c.org_ids)
    ia, ib = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    for name in FEATURES:
        block = BLOCK[name](c, np.arange(n), np.arange(n)).ravel()
        assert PAIRWISE[name](c, ia, ib) == pytest.approx(block), name


def test_paths_3_counts_walks(ctx):
    # A-x-y-C with x in {C, D} and y a partner of both x and C ({A, B, E}): 2 * 3 walks
    got = _scores(lambda c, p: score.score_pairs(c, p, "paths_3"), ctx, [("A", "C"), ("A", "B")])
    assert got == {("A", "C"): pytest.approx(math.log(7)), ("A", "B"): 0.0}


def test_name_and_relative_profile(ctx):
    names = _scores(
        lambda c, p: score.score_pairs(c, p, "name_lexical"), ctx, [("B", "C"), ("A", "B")]
    )
    assert names == {("B", "C"): pytest.approx(1.0), ("A", "B"): 0.0}
    pairs = [("D", o) for o in "ABCE"]
    X = feature_matrix(ctx, pairs, ["profile_lexical", "profile_lexical_rel"])
    best = X[:, 0].max()
    assert X[:, 1] == pytest.approx(X[:, 0] / best if best > 0 else X[:, 0])
    rel = _scores(lambda c, p: score.score_pairs(c, p, "profile_lexical_rel"), ctx, [("B", "C")])
    assert rel == {("B", "C"): pytest.approx(1.0)}


def test_reverse_and_partner_neighbours():
    names = {"P": "abc", "Q": "abc", "R": "xyz", "S": "uvw"}
    ctx = build_context(_orgs(names), relations=[{"org_a": "Q", "org_b": "S"}])

    def run(name, pairs):
        return _scores(lambda c, p: score.score_pairs(c, p, name), ctx, pairs)

    # S's candidate P: P's most similar organisation Q works with S
    assert run("neighbour_partners_rev", [("S", "P"), ("S", "R")]) == {
        ("S", "P"): pytest.approx(1.0),
        ("S", "R"): 0.0,
    }
    # S's partner Q has P (cosine 1) among its most similar organisations
    assert run("partner_neighbours", [("S", "P"), ("S", "R"), ("P", "S")]) == {
        ("S", "P"): pytest.approx(1.0),
        ("S", "R"): 0.0,
        ("P", "S"): 0.0,
    }


def test_costly_neighbour_features_off_above_limit(monkeypatch):
    from matchmaker.recommend import features

    names = {"P": "abc", "Q": "abc", "R": "xyz", "S": "uvw"}
    ctx = build_context(_orgs(names), relations=[{"org_a": "Q", "org_b": "S"}])
    monkeypatch.setattr(features, "NEIGHBOUR_LIMIT", 3)
    pairs = [("S", "P"), ("P", "Q"), ("P", "R")]
    X = feature_matrix(ctx, pairs, ["neighbour_partners_rev", "partner_neighbours"])
    assert not X.any()
    rel = feature_matrix(ctx, pairs, ["profile_lexical", "profile_lexical_rel"])
    assert rel[:, 1] == pytest.approx(rel[:, 0])
