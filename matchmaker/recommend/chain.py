"""The industry-chain graph and the relation graph (networkx).

Two graphs, one topic:

* :class:`Chain` holds the chain *segments* as a directed graph, an edge ``u -> v`` meaning
  "segment ``u`` supplies segment ``v``" (upstream -> downstream). It answers path and
  distance queries: :meth:`Chain.path`, :meth:`Chain.distance`, :meth:`Chain.upstream_of`.
* :func:`relation_graph` builds the undirected, weighted graph of organisations from known
  relations and deals, the graph on which common partners and Adamic-Adar are computed
  (:func:`networkx.adamic_adar_index` gives the same values as
  :func:`matchmaker.recommend.score.adamic_adar`).

>>> chain = Chain({"s1": "silicon", "s2": "wafers", "s3": "chips"}, [("s1", "s2"), ("s2", "s3")])
>>> chain.path("s1", "s3")
['s1', 's2', 's3']
>>> chain.distance("s1", "s3"), chain.distance("s3", "s1")
(2, None)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from matchmaker.errors import DataError, NotFoundError
from matchmaker.schema import DEAL_STAGE_GRADE

__all__ = ["RELATION_GRADE", "Chain", "graded_pairs", "relation_graph"]

# A known relation counts as much as a signed deal: both say "these two work together".
RELATION_GRADE = 3.0


class Chain:
    """Chain segments as a DiGraph, upstream -> downstream.

    Parameters
    ----------
    segments : mapping of str to str
        Segment id -> display name.
    links : iterable of (str, str)
        ``(upstream, downstream)`` segment ids. Both ends must be in ``segments``.

    Raises
    ------
    DataError
        When a link names a segment that is not in ``segments`` or links a segment to itself.
    """

    def __init__(self, segments: Mapping[str, str], links: Iterable[tuple[str, str]] = ()):
        self.graph = nx.DiGraph()
        for sid in sorted(segments):
            self.graph.add_node(sid, name=segments[sid])
        for up, down in links:
            for end in (up, down):
                if end not in segments:
                    raise DataError(f"chain link {up!r} -> {down!r}: unknown segment {end!r}")
            if up == down:
                raise DataError(f"chain link {up!r} -> {down!r}: a segment cannot supply itself")
            self.graph.add_edge(up, down)

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    def __contains__(self, segment: object) -> bool:
        return segment in self.graph

    def name(self, segment: str) -> str:
        """Display name of ``segment``; :class:`NotFoundError` if unknown."""
        self._check(segment)
        return self.graph.nodes[segment]["name"]

    def _check(self, segment: str) -> None:
        if segment not in self.graph:
            raise NotFoundError(f"no chain segment {segment!r}")

    def path(self, upstream: str, downstream: str) -> list[str] | None:
        """The shortest supply path from ``upstream`` to ``downstream`` (segment ids).

        ``[s]`` when both are the same segment; None when ``upstream`` does not (directly
        or indirectly) supply ``downstream``. Among equally short paths, the one whose ids
        sort first is returned, so the answer is deterministic.

        Raises
        ------
        NotFoundError
            When either segment is unknown.
        """
        self._check(upstream)
        self._check(downstream)
        if upstream == downstream:
            return [upstream]
        if not nx.has_path(self.graph, upstream, downstream):
            return None
        return min(nx.all_shortest_paths(self.graph, upstream, downstream))

    def path_names(self, upstream: str, downstream: str) -> list[str] | None:
        """Like :meth:`path`, with segment display names."""
        path = self.path(upstream, downstream)
        return None if path is None else [self.graph.nodes[s]["name"] for s in path]

    def distance(self, upstream: str, downstream: str) -> int | None:
        """Number of supply links from ``upstream`` to ``downstream``; 0 for the same
        segment, None when ``upstream`` is not upstream of ``downstream``."""
        path = self.path(upstream, downstream)
        return None if path is None else len(path) - 1

    def upstream_of(self, segment: str, max_distance: int = 3) -> dict[str, int]:
        """Segments that supply ``segment`` within ``max_distance`` links, with their
        distance (``segment`` itself at 0). Unknown segments give ``{}``."""
        if segment not in self.graph:
            return {}
        return dict(
            nx.single_source_shortest_path_length(
                self.graph.reverse(copy=False), segment, cutoff=max_distance
            )
        )


def graded_pairs(
    relations: Iterable[Mapping] = (), deals: Iterable[Mapping] = ()
) -> dict[tuple[str, str], float]:
    """Known pairs with their grade, as ``{(a, b): grade}`` with ``a < b``.

    A relation grades :data:`RELATION_GRADE`; a deal grades
    :data:`matchmaker.schema.DEAL_STAGE_GRADE` of its stage (signed 3 > in progress 2 >
    intent 1; dropped 0, a negative). A pair known several times keeps its highest grade,
    except that a dropped deal alone leaves the pair at 0.

    Raises
    ------
    DataError
        When a deal's stage is not one of ``DEAL_STAGE_GRADE``.
    """
    out: dict[tuple[str, str], float] = {}
    items = [(r["org_a"], r["org_b"], RELATION_GRADE) for r in relations]
    for d in deals:
        stage = d["stage"]
        if stage not in DEAL_STAGE_GRADE:
            allowed = ", ".join(DEAL_STAGE_GRADE)
            raise DataError(f"deal {d.get('deal_id')!r}: stage {stage!r}; allowed: {allowed}")
        items.append((d["org_a"], d["org_b"], DEAL_STAGE_GRADE[stage]))
    for a, b, grade in items:
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        out[key] = max(out.get(key, 0.0), grade)
    return out


def relation_graph(org_ids: Iterable[str], pairs: Mapping[tuple[str, str], float]) -> nx.Graph:
    """Undirected organisation graph; an edge per pair with grade > 0, ``weight`` = grade.

    Pairs naming an organisation outside ``org_ids`` are skipped (they cannot be scored).
    """
    graph = nx.Graph()
    graph.add_nodes_from(sorted(org_ids))
    for (a, b), grade in sorted(pairs.items()):
        if grade > 0 and a in graph and b in graph:
            graph.add_edge(a, b, weight=grade)
    return graph
