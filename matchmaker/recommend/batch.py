"""Batch scoring: suggestions for many organisations at once, as matrix work.

One query of :class:`~matchmaker.recommend.recommender.Recommender` computes the features
of its candidate pairs and runs the ranker on them; at event scale (hundreds to thousands of
queries) the fixed cost of each small step dominates. Here the candidates of many query
organisations are gathered first, the features of all their pairs are computed in one
:func:`pair_features_many` pass and the ranker predicts the whole block at once; then the
recommender's own scoring rules (``_score``, ``_ranked``, ``_diverse``, ``_suggestions``:
evidence, floors, novelty, diversity, reasons) run per organisation on its slice. Nothing
here restates a rule, so the results are those of the one-by-one path (a test compares
them), and reasons are built only for the suggestions returned (:class:`LazyReason`: only
when read).

Work is split into blocks of at most :data:`BLOCK_PAIRS` pairs (bounded memory) and, for
:func:`recommend_all`, tasks of :data:`ORGS_PER_TASK` organisations that run on an engine
(:mod:`matchmaker.recommend.engine`: in process or on Ray, the fitted recommender broadcast
once).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

from matchmaker.recommend.candidates import (
    allowed_mask,
    cap_exposure,
    check_filters,
    pool_size,
    row_max,
)
from matchmaker.recommend.engine import map_blocks, one_thread
from matchmaker.recommend.evidence import SCORE_FLOOR
from matchmaker.recommend.explain import PairValue, SuggestionList
from matchmaker.recommend.score import FEATURES, PAIR_COST, feature_matrix

__all__ = [
    "BLOCK_PAIRS",
    "ORGS_PER_TASK",
    "LazyReason",
    "pair_blocks",
    "pair_features_many",
    "pair_values",
    "partners_many",
    "ranked_many",
    "recommend_all",
    "scoring_copy",
]

BLOCK_PAIRS = 200_000  # pairs scored at once: 200,000 x 23 float64 features ~ 37 MB
ORGS_PER_TASK = 500  # organisations per engine task (a task then runs for seconds)


def scoring_copy(rec):
    """A copy of ``rec`` that holds only what scoring needs (no database connection, no
    embedding model), to be pickled to worker processes."""
    view = copy.copy(rec)
    view.store = None
    view.embedder = None
    return view


def pair_features_many(ctx, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """:func:`~matchmaker.recommend.candidates.pair_features` of the pairs
    ``(ia[i], ib[i])`` for many query rows at once.

    Equal to it query by query, bit for bit: a learned ranker's thresholds can turn a
    difference in the last bit into a different order. So the queries (runs of equal ``ia``)
    are split as :func:`~matchmaker.recommend.score.feature_matrix` would treat each alone:
    queries with few candidates go through its pair-by-pair path together, the others
    through its dense blocks together, each group in one pass; ``chain_out`` is one sparse
    product for all pairs. Only the embedding cosines (``*_semantic``: float32 products, whose
    last bit depends on the shape of the product) are computed query by query.
    """
    ia = np.asarray(ia, dtype=np.int64)
    ib = np.asarray(ib, dtype=np.int64)
    X = np.zeros((len(ia), len(FEATURES)))
    if len(ia) == 0:
        return X
    dense = [f for f in FEATURES if f.endswith("_semantic")]
    rest = [f for f in FEATURES if f != "chain_out" and f not in dense]
    cut = np.flatnonzero(np.diff(ia)) + 1
    runs = list(zip(np.r_[0, cut], np.r_[cut, len(ia)], strict=True))
    n = len(ctx.org_ids)
    scattered = np.zeros(len(ia), dtype=bool)
    for lo, hi in runs:  # feature_matrix's own test, for one query
        scattered[lo:hi] = (hi - lo) * PAIR_COST < n
    where = [FEATURES.index(f) for f in rest]
    for group in (np.flatnonzero(scattered), np.flatnonzero(~scattered)):
        if len(group):
            X[np.ix_(group, where)] = feature_matrix(ctx, (ia[group], ib[group]), rest)
    X[:, FEATURES.index("chain_out")] = row_max(ctx.need_reach[ib].multiply(ctx.offer_segments[ia]))
    where = [FEATURES.index(f) for f in dense]
    for lo, hi in runs:
        X[lo:hi, where] = feature_matrix(ctx, (ia[lo:hi], ib[lo:hi]), dense)
    return X


def _blocks(rec, queries: Sequence[tuple[int, np.ndarray]], direction: str):
    """Yield ``{row: (cols, X, raw, evidence)}`` for consecutive groups of ``queries`` (query
    row, candidate rows) holding at most :data:`BLOCK_PAIRS` pairs (one query may exceed it):
    the features of the whole group in one pass, each query's evidence, and the ranker over
    every pair with some evidence in one call (the others score 0 whatever the ranker says:
    at event scale that is most pairs)."""
    start = 0
    while start < len(queries):
        end, size = start, 0
        while end < len(queries) and (end == start or size + len(queries[end][1]) <= BLOCK_PAIRS):
            size += len(queries[end][1])
            end += 1
        group = queries[start:end]
        ia = np.concatenate([np.full(len(c), a, dtype=np.int64) for a, c in group])
        ib = np.concatenate([np.asarray(c, dtype=np.int64) for _, c in group])
        X = pair_features_many(rec.ctx, ia, ib)
        parts, pos, evidence = [], 0, []
        with one_thread():  # many small products
            for a, cols in group:
                cols = np.asarray(cols, dtype=np.int64)
                n = len(cols)
                ev = rec._evidence(a, cols, direction, X[pos : pos + n]) if n else None
                parts.append((a, cols, slice(pos, pos + n), ev))
                evidence.append(np.zeros(n, bool) if ev is None else (ev[0] > 0) | (ev[1] > 0))
                pos += n
        raw = rec._raw(X, np.concatenate(evidence))  # one ranker call for the whole group
        yield {a: (cols, X[rows], raw[rows], ev) for a, cols, rows, ev in parts}
        start = end


def pair_blocks(rec, queries: Sequence[tuple[int, np.ndarray]], direction: str = "both"):
    """``{query row: (candidate rows, features, ranker output, evidence)}`` for every query,
    computed block by block over all queries at once."""
    found: dict = {}
    for part in _blocks(rec, queries, direction):
        found.update(part)
    return found


def pair_values(rec, ids: list[str], min_value: float, lang: str) -> list:
    """:meth:`~matchmaker.recommend.recommender.Recommender.pair_values` of sorted ``ids``:
    every pair scored once (the first id against the later ones), in one batch; reasons
    are :class:`LazyReason` (built when read)."""
    rows = {o: rec._org(o) for o in ids}
    queries = [
        (rows[a], np.array([rows[b] for b in ids[i + 1 :]], dtype=np.int64))
        for i, a in enumerate(ids)
    ]
    blocks = pair_blocks(rec, queries)
    out = []
    with one_thread():
        for i, a in enumerate(ids):
            rest, X, raw, ev = blocks[rows[a]]
            scored, X = rec._score(rows[a], rest, "both", X, raw, ev)
            for pos, (d, score, recip, passes) in enumerate(scored):
                b = ids[i + 1 + pos]
                met, partners = rec.explainer.known(a, b)
                if not passes or ((met or partners) and rec.novelty >= 1.0):
                    continue
                value = float(score * (1.0 - rec.novelty) if met or partners else score)
                if value > min_value and value >= SCORE_FLOOR:
                    entry = (int(rest[pos]), d, value, recip, X[pos])
                    out.append(PairValue(a, b, value, LazyReason(rec, a, entry, lang)))
    return sorted(out, key=lambda p: (-p.value, p.a, p.b))


def ranked_many(rec, org_ids: Sequence[str], direction: str, k: int, filters=None) -> dict:
    """``{org_id: rec._ranked(org_id, direction, k, filters)}`` (the ranked entries and the
    number hidden) for every id, in one pass of batch features and ranking (same entries,
    same order)."""
    checked = check_filters(filters)
    allowed = allowed_mask(rec._org_rows, checked)
    queries = []
    with one_thread():
        for org_id in org_ids:
            a = rec._org(org_id)
            queries.append((a, rec._candidates(a, direction, allowed, pool_size(k))))
    out = {}
    for part in _blocks(rec, queries, direction):  # the ranker's call: the machine's threads
        with one_thread():  # many small steps: one thread
            for a, block in part.items():
                org_id = rec.ctx.org_ids[a]
                out[org_id] = rec._ranked(org_id, direction, k, filters, block=block)
    return out


def _rank_task(rec, job) -> dict:
    org_ids, direction, k = job
    return ranked_many(rec, org_ids, direction, k)


def _suggest_task(rec, job) -> list:
    k, lang, entries = job
    with one_thread():
        return [rec._suggestions(o, rec._diverse(o, e, k), lang) for o, e in entries]


def recommend_all(
    rec,
    org_ids: Sequence[str],
    direction: str,
    k: int,
    lang: str = "en",
    engine: str = "local",
    progress: bool = False,
) -> dict[str, SuggestionList]:
    """:meth:`~matchmaker.recommend.recommender.Recommender.recommend_all`'s lists.

    Ranking runs in tasks of :data:`ORGS_PER_TASK` organisations on ``engine`` (``local`` or
    ``ray``); the exposure cap is applied here over all lists; then the kept entries are
    spread over segments and explained, again in tasks. The result does not depend on the
    engine.
    """
    ids = list(org_ids)
    shared = rec if engine == "local" else scoring_copy(rec)
    jobs = [(ids[i : i + ORGS_PER_TASK], direction, k) for i in range(0, len(ids), ORGS_PER_TASK)]
    ranked: dict = {}
    for part in map_blocks(_rank_task, shared, jobs, engine, "ranking" if progress else None):
        ranked.update(part)
    lists = {o: [(rec.ctx.org_ids[r[0]], r[2]) for r in rs] for o, (rs, _) in ranked.items()}
    kept = cap_exposure(lists, k, rec.exposure_cap)
    entries = []
    for org_id, partners in kept.items():
        by_id = {rec.ctx.org_ids[r[0]]: r for r in ranked[org_id][0]}
        entries.append((org_id, [by_id[p] for p in partners]))
    step = ORGS_PER_TASK
    tasks = [(k, lang, entries[i : i + step]) for i in range(0, len(entries), step)]
    done = map_blocks(_suggest_task, shared, tasks, engine, "explaining" if progress else None)
    out = {}
    for (_, _, part), lists_ in zip(tasks, done, strict=True):
        for (org_id, _), found in zip(part, lists_, strict=True):
            out[org_id] = SuggestionList(found, hidden=ranked[org_id][1], asked=k)
    return out


class LazyReason:
    """The reason sentence of one suggested pair, built the first time it is read.

    Reads as the string it stands for (``str()``, f-strings, ``==``, ``repr``), so a pair
    table can carry one per pair while only the reasons someone reads are built: an
    invitation list shows the partners of its invitees, a few hundred of the many thousand
    pairs scored. Convert with ``str()`` before keeping it (it holds the recommender).
    """

    __slots__ = ("_entry", "_lang", "_org", "_rec", "_text")

    def __init__(self, rec, org_id: str, entry: tuple, lang: str = "en"):
        self._rec, self._org, self._entry, self._lang, self._text = rec, org_id, entry, lang, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._rec._suggestions(self._org, [self._entry], self._lang)[0].reason
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return repr(str(self))

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name: str):  # str methods (startswith, split, ...) on the text
        if name.startswith("_"):  # a slot not set yet (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(str(self), name)

    def __len__(self) -> int:
        return len(str(self))

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def partners_many(
    rec,
    org_ids: Sequence[str],
    direction: str = "both",
    k: int = 20,
    filters: Mapping | None = None,
    lang: str = "en",
) -> dict:
    """``{org_id: [(partner_id, score, reason), ...]}``: the partners, scores and order of
    ``rec.recommend(org_id, direction, k, filters)``, ranked in one batch, with each reason
    a :class:`LazyReason` in ``lang`` (built when read). For planners over the whole
    workspace: needs a role that sees every organisation."""
    rec._require(None)
    ranked = ranked_many(rec, org_ids, direction, k, filters)
    out = {}
    with one_thread():
        for o in org_ids:
            entries = rec._diverse(o, ranked[o][0], k)
            out[o] = [
                (rec.ctx.org_ids[e[0]], float(e[2]), LazyReason(rec, o, e, lang)) for e in entries
            ]
    return out
