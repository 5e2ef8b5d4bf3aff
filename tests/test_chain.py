"""Chain graph and relation graph: tiny hand-built graphs, exact answers."""

from __future__ import annotations

import pytest

from matchmaker.errors import DataError, NotFoundError
from matchmaker.recommend.chain import RELATION_GRADE, Chain, graded_pairs, relation_graph

SEGMENTS = {"s1": "silicon", "s2": "wafers", "s3": "masks", "s4": "chips", "s5": "phones"}
# a diamond s1 -> {s2, s3} -> s4, then s4 -> s5
LINKS = [("s1", "s2"), ("s1", "s3"), ("s2", "s4"), ("s3", "s4"), ("s4", "s5")]


@pytest.fixture
def chain():
    return Chain(SEGMENTS, LINKS)


def test_path_and_distance(chain):
    assert chain.path("s1", "s5") == ["s1", "s2", "s4", "s5"]  # tie s2/s3: smallest ids
    assert chain.path_names("s1", "s4") == ["silicon", "wafers", "chips"]
    assert chain.path("s2", "s2") == ["s2"]
    assert chain.distance("s1", "s5") == 3
    assert chain.distance("s2", "s2") == 0
    assert chain.path("s5", "s1") is None
    assert chain.distance("s2", "s3") is None


def test_upstream_of(chain):
    assert chain.upstream_of("s5") == {"s5": 0, "s4": 1, "s2": 2, "s3": 2, "s1": 3}
    assert chain.upstream_of("s5", max_distance=1) == {"s5": 0, "s4": 1}
    assert chain.upstream_of("unknown") == {}


def test_name_and_len(chain):
    assert len(chain) == 5 and "s3" in chain and "x" not in chain
    assert chain.name("s4") == "chips"


@pytest.mark.parametrize("call", ["path", "distance", "path_names", "name"])
def test_unknown_segment_raises(chain, call):
    args = ("s1", "nope") if call != "name" else ("nope",)
    with pytest.raises(NotFoundError, match="nope"):
        getattr(chain, call)(*args)


@pytest.mark.parametrize(
    "links, match",
    [([("s1", "zz")], "unknown segment 'zz'"), ([("s1", "s1")], "cannot supply itself")],
)
def test_bad_links_raise(links, match):
    with pytest.raises(DataError, match=match):
        Chain(SEGMENTS, links)


def test_graded_pairs_keep_highest_grade():
    relations = [{"org_a": "B", "org_b": "A", "kind": "supplier_of"}]
    deals = [
        {"deal_id": "d1", "org_a": "A", "org_b": "C", "stage": "intent"},
        {"deal_id": "d2", "org_a": "C", "org_b": "A", "stage": "in_progress"},
        {"deal_id": "d3", "org_a": "D", "org_b": "A", "stage": "dropped"},
        {"deal_id": "d4", "org_a": "A", "org_b": "B", "stage": "signed"},
        {"deal_id": "d5", "org_a": "E", "org_b": "E", "stage": "signed"},
    ]
    assert graded_pairs(relations, deals) == {
        ("A", "B"): RELATION_GRADE,
        ("A", "C"): 2.0,
        ("A", "D"): 0.0,
    }


def test_graded_pairs_bad_stage():
    with pytest.raises(DataError, match="stage 'won'; allowed: intent"):
        graded_pairs(deals=[{"deal_id": "d", "org_a": "A", "org_b": "B", "stage": "won"}])


def test_relation_graph_skips_negatives_and_unknown():
    graph = relation_graph(["A", "B", "C"], {("A", "B"): 3.0, ("A", "C"): 0.0, ("A", "Z"): 1.0})
    assert sorted(graph.nodes) == ["A", "B", "C"]
    assert list(graph.edges(data="weight")) == [("A", "B", 3.0)]
