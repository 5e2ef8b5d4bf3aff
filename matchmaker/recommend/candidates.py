"""Candidate generation that scales, and the two list re-rankings (spread, exposure cap).

:class:`VectorIndex` holds the offers (or the needs) of every organisation as one matrix of
L2-normalised vectors plus, optionally, a sparse matrix of character n-gram TF-IDF rows. A
query (the other side's texts of one organisation) is one matrix product over all rows, or,
from :data:`IVF_MIN` rows, over the rows a faiss inverted-file index finds nearest; the best
rows are picked with ``argpartition`` and grouped by organisation, so finding candidates
among 100,000 organisations costs milliseconds. A per-row bonus (the chain fit) lets chain
neighbours surface even when their texts differ.

:func:`spread` re-ranks one list for variety of chain segments (the shown score is the one
it sorts by); :func:`cap_exposure` limits
how many lists one organisation may appear in when lists are made for many at once.

>>> import numpy as np
>>> index = VectorIndex(["o1", "o2"], ["a", "b"], np.eye(2, dtype=np.float32))
>>> [(c.org_id, round(c.similarity, 2)) for c in index.search(np.array([[1.0, 0.0]]), k=2)]
[('a', 1.0), ('b', 0.0)]
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Hashable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import faiss
import numpy as np
import scipy.sparse as sp

from matchmaker.errors import DataError
from matchmaker.recommend.score import FEATURES, feature_matrix
from matchmaker.schema import ORG_KINDS, TIERS

__all__ = [
    "FILTER_KEYS",
    "IVF_MIN",
    "MIN_NEAR",
    "MIN_POOL",
    "POOL",
    "Candidate",
    "VectorIndex",
    "allowed_mask",
    "cap_exposure",
    "check_filters",
    "pair_features",
    "pool_size",
    "retrieval_lexical",
    "row_max",
    "row_max_times",
    "spread",
]

IVF_MIN = 20000  # rows from which a VectorIndex clusters its vectors (inverted file)
BONUS_ROWS = 3000  # chain-linked rows always scored, when there are at most this many
TRAIN_PER_LIST = 64  # k-means sample rows per list (faiss wants 39 at least, uses 256 at most)
# Rows faiss returns per query row: NEAR_PER_ORG per organisation asked, never fewer than
# MIN_NEAR. An organisation-level index has one row per owner, an item-level one a few; 16
# leaves room for owners with many rows and for excluded ones (rows outside the ``allowed``
# mask are skipped inside faiss). Exact products over these 1,024-1,600 rows cost well under
# a millisecond, less than faiss's scan of the probed lists (24 of 316 at 100,000 rows:
# ~7,600 rows). Should the scored rows still hold fewer than k organisations, faiss is asked
# again NEAR_GROWTH times deeper, until it has given every row of the probed lists.
NEAR_PER_ORG = 16
MIN_NEAR = 1024
NEAR_GROWTH = 4
FILTER_KEYS = ("kinds", "tiers", "regions", "local", "chains", "exclude", "min_score")

POOL = 5  # candidates retrieved and kept per suggestion asked for ...
MIN_POOL = 50  # ... and never fewer: novelty, filters and spreading still leave k to show


def pool_size(k: int) -> int:
    """Candidates scored, and kept after novelty, for a list of ``k``: ``max(MIN_POOL, POOL*k)``.

    >>> pool_size(3), pool_size(20)
    (50, 100)
    """
    return max(MIN_POOL, POOL * k)


@dataclass(frozen=True)
class Candidate:
    """One candidate organisation found by :meth:`VectorIndex.search`.

    ``row_id`` is its best-matching row (an item, or the organisation itself for
    organisation-level rows); ``similarity`` the larger of the semantic and lexical cosine
    of that row to the best query row; ``bonus`` the extra added for ranking (chain fit).
    """

    org_id: str
    row_id: str
    similarity: float
    bonus: float


class VectorIndex:
    """Rows (items, or whole organisations) with an owner, searchable by similarity.

    With at least :data:`IVF_MIN` rows (or ``lists`` given) the vectors are also put in a
    faiss inverted-file index (``IndexIVFFlat``, inner product, its ``lists`` centroids
    found by spherical k-means on a seeded sample). A query then asks faiss for the
    vector-nearest rows within its ``probe`` nearest lists, and scores exactly only those,
    plus every row with a lexical hit and (when there are at most :data:`BONUS_ROWS`) every
    row with a bonus (chain neighbours), instead of all rows. Similarities are always
    recomputed here, so results do not depend on faiss's arithmetic. Without clustering
    every row is scored exactly. The index pickles (faiss's own serialisation).

    Parameters
    ----------
    row_ids, owners : sequence of str
        Row ids and the organisation owning each row (same length as ``vectors``).
    vectors : np.ndarray, shape (n_rows, dim), optional
        L2-normalised embeddings (float32); None for lexical-only search.
    lexical : scipy.sparse matrix, optional
        L2-normalised TF-IDF rows of the same rows.
    lists : int, optional
        Number of clusters; default ``sqrt(n_rows)`` when ``n_rows >= IVF_MIN``.
    probe : int
        Clusters visited per query row (faiss's ``nprobe``).
    random_state : int
        Seed of the clustering (the training sample and faiss's k-means).
    """

    def __init__(
        self, row_ids, owners, vectors=None, lexical=None, lists=None, probe=24, random_state=0
    ):
        self.row_ids = np.asarray(list(row_ids), dtype=object)
        self.owners = np.asarray(list(owners), dtype=object)
        self.vectors = None if vectors is None else np.ascontiguousarray(vectors, np.float32)
        self.lexical_t = None if lexical is None else lexical.T.tocsr()
        sizes = {len(self.row_ids), len(self.owners)}
        sizes |= set() if vectors is None else {len(self.vectors)}
        sizes |= set() if lexical is None else {lexical.shape[0]}
        if len(sizes) != 1:
            raise ValueError(f"rows, owners, vectors and lexical differ in length: {sizes}")
        self.probe = probe
        self.ivf = None
        if self.vectors is not None and (lists or len(self) >= IVF_MIN):
            self.ivf = _ivf(self.vectors, lists or int(np.sqrt(len(self))), random_state)

    def __len__(self) -> int:
        return len(self.row_ids)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self.ivf is not None:  # a SWIG object does not pickle; its bytes do
            state["ivf"] = faiss.serialize_index(self.ivf)
        return state

    def __setstate__(self, state: dict) -> None:
        if "ivf" not in state:  # the hand-written index of before issue 12: build anew
            raise pickle.UnpicklingError("a VectorIndex pickled before faiss; build it again")
        self.__dict__.update(state)
        if self.ivf is not None:
            self.ivf = faiss.deserialize_index(self.ivf)

    @property
    def centroids(self) -> np.ndarray | None:
        """The lists' centroids, shape ``(lists, dim)``; None without clustering."""
        return None if self.ivf is None else self.ivf.quantizer.reconstruct_n(0, self.ivf.nlist)

    def _rows(self, query, lexical_hits, bonus, allowed, near) -> tuple[np.ndarray | None, bool]:
        """Rows worth scoring exactly (None: all rows), and whether faiss gave every row it
        found (False: ``near`` rows for some query row, more may be worth asking for)."""
        if self.ivf is None or query is None or not len(query):
            return None, True
        probe = min(self.probe, self.ivf.nlist)
        sel = None
        if allowed is not None and not allowed.all():  # faiss skips rows never returned
            sel = faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little"))
        with _one_faiss_thread():
            _, nearest = self.ivf.search(
                query, near, params=faiss.SearchParametersIVF(nprobe=probe, sel=sel)
            )
            scored = np.zeros(len(self), dtype=bool)  # a mask: no sorting of 100,000 ids
            scored[nearest[nearest >= 0]] = True
            scored[lexical_hits] = True
            if bonus is not None:
                linked = bonus > 0
                if np.count_nonzero(linked) > BONUS_ROWS:  # else only those in the probed lists
                    probed = np.zeros(len(self), dtype=bool)
                    probed[self._probed(query, probe)] = True
                    linked &= probed
                scored |= linked
        return np.flatnonzero(scored), bool((nearest[:, -1] < 0).all())

    def _probed(self, query, probe: int) -> np.ndarray:
        """Every row of the ``probe`` lists nearest to any query row."""
        _, lists = self.ivf.quantizer.search(query, probe)
        inverted = self.ivf.invlists
        sizes = {int(c): inverted.list_size(int(c)) for c in np.unique(lists[lists >= 0])}
        return np.concatenate(
            [np.zeros(0, dtype=np.int64)]
            + [faiss.rev_swig_ptr(inverted.get_ids(c), n).copy() for c, n in sizes.items() if n]
        )

    def similarities(self, query_vectors=None, query_lexical=None, bonus=None):
        """``(rows, sims)``: rows scored and, per row, the best similarity to any query row
        (semantic, or lexical if higher). ``rows`` is every row without clustering; with it,
        the :data:`MIN_NEAR` vector-nearest rows of each query row in its probed lists, the
        lexical hits and the bonus rows."""
        rows, sims, _ = self._scored(query_vectors, query_lexical, bonus, None, MIN_NEAR)
        return rows, sims

    def _scored(self, query_vectors, query_lexical, bonus, allowed, near):
        """:meth:`similarities`, faiss asked for ``near`` rows per query row among the
        ``allowed``; third, whether those were all it found."""
        query = None
        if query_vectors is not None and self.vectors is not None and len(query_vectors):
            query = np.ascontiguousarray(query_vectors, dtype=np.float32)
        lex = None
        if query_lexical is not None and self.lexical_t is not None and query_lexical.nnz:
            lex = (query_lexical @ self.lexical_t).tocsc().max(axis=0).tocsr()
        hits = lex.indices if lex is not None else np.zeros(0, dtype=np.int64)
        rows, complete = self._rows(query, hits, bonus, allowed, near)
        n_rows = len(self) if rows is None else len(rows)
        sims = np.zeros(n_rows, dtype=np.float32)
        if query is not None:
            block = self.vectors if rows is None else self.vectors[rows]
            sims = np.maximum(sims, (query @ block.T).max(axis=0))
        if lex is not None:
            dense = lex.toarray().ravel().astype(np.float32)
            sims = np.maximum(sims, dense if rows is None else dense[rows])
        return (np.arange(len(self)) if rows is None else rows), sims, complete

    def search(
        self,
        query_vectors=None,
        query_lexical=None,
        k: int = 50,
        bonus: np.ndarray | None = None,
        allowed: np.ndarray | None = None,
        exclude: Iterable[str] = (),
    ) -> list[Candidate]:
        """The ``k`` organisations owning the best-matching rows, best first.

        Parameters
        ----------
        query_vectors : np.ndarray, shape (m, dim), optional
            The query organisation's rows (the other side), embedded.
        query_lexical : scipy.sparse matrix, optional
            Their TF-IDF rows.
        k : int
            How many organisations to return at most.
        bonus : np.ndarray, optional
            Per row, added to the similarity for ranking (e.g. chain fit).
        allowed : np.ndarray of bool, optional
            Per row, whether it may be returned.
        exclude : iterable of str
            Organisation ids never returned (e.g. the query organisation).

        Returns
        -------
        list of Candidate
            Ties broken by organisation id, then row id.
        """
        allowed = None if allowed is None else np.asarray(allowed, dtype=bool)
        excluded = set(exclude)
        near = max(MIN_NEAR, NEAR_PER_ORG * k)
        while True:
            rows, sims, complete = self._scored(query_vectors, query_lexical, bonus, allowed, near)
            found = self._best(rows, sims, k, bonus, allowed, excluded)
            if len(found) == k or complete:
                return found
            near *= NEAR_GROWTH  # the nearest rows held too few organisations: ask deeper

    def _best(self, rows, sims, k, bonus, allowed, excluded) -> list[Candidate]:
        """The ``k`` best organisations among the scored ``rows``."""
        extra = np.zeros(len(rows), dtype=np.float32) if bonus is None else bonus[rows]
        ranking = (sims + extra).astype(np.float64)
        if allowed is not None:
            ranking[~allowed[rows]] = -np.inf
        found: dict[str, Candidate] = {}
        size = len(rows)
        take = min(size, max(4 * k, k + 16))
        while k > 0 and size:
            top = np.argpartition(-ranking, take - 1)[:take] if take < size else np.arange(size)
            order = sorted(
                top, key=lambda i: (-ranking[i], self.owners[rows[i]], self.row_ids[rows[i]])
            )
            found.clear()
            for i in order:
                org = self.owners[rows[i]]
                if ranking[i] == -np.inf or org in excluded or org in found:
                    continue
                found[org] = Candidate(org, self.row_ids[rows[i]], float(sims[i]), float(extra[i]))
                if len(found) == k:
                    break
            if len(found) == k or take >= size:
                break
            take = min(size, take * 4)
        return list(found.values())


def _ivf(vectors: np.ndarray, lists: int, random_state: int):
    """A faiss ``IndexIVFFlat`` (inner product) over ``vectors``, trained on a seeded sample."""
    n, dim = vectors.shape
    lists = max(1, min(lists, n))
    rng = np.random.default_rng(random_state)
    sample = vectors[np.sort(rng.choice(n, min(n, TRAIN_PER_LIST * lists), replace=False))]
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.spherical = True  # unit centroids: the nearest list by inner product = cosine
    index.cp.seed = int(random_state)
    index.cp.min_points_per_centroid = 1  # a small sample is our choice, not worth a warning
    index.train(sample)
    # What ``index.add(vectors)`` does, one list at a time: ``add`` appends row by row, so
    # each list's buffer grows by doubling and holds ~1.3x its rows (196 against 146 MiB at
    # 100,000 x 384); one ``add_entries`` per list sizes it exactly. Same index, same bytes.
    assign = index.quantizer.assign(vectors, 1).ravel()
    order = np.argsort(assign, kind="stable")
    bounds = np.searchsorted(assign[order], np.arange(lists + 1))
    for c in np.flatnonzero(np.diff(bounds)):
        rows = order[bounds[c] : bounds[c + 1]]
        codes = np.ascontiguousarray(vectors[rows]).view(np.uint8)
        index.invlists.add_entries(int(c), len(rows), faiss.swig_ptr(rows), faiss.swig_ptr(codes))
    index.ntotal = n
    return index


@contextmanager
def _one_faiss_thread():
    """faiss's OpenMP at one thread while a query runs, then as before.

    ``faiss.omp_set_num_threads`` sets the calling thread's OpenMP setting in the libgomp
    that faiss bundles (its BLAS included), not other threads' nor numpy's, torch's or
    scikit-learn's; it lasts until set again, hence the restore (builds keep every core).
    """
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def spread(
    ranked: Sequence[tuple[Hashable, float, Hashable]], k: int, diversity: float
) -> list[tuple[Hashable, float]]:
    """Spread entries over chain segments; the order is the order of the shown scores.

    Picks, one at a time, the entry with the highest shown score, where an entry's shown
    score is its score, times ``(1 - diversity)`` once an entry of the same segment has
    been picked (None never repeats; the redundancy of maximal marginal relevance, made
    a factor). Shown scores only fall as entries are picked, so the result is sorted by
    them: the list never shows a lower number above a higher one.

    Parameters
    ----------
    ranked : sequence of (key, score, segment)
        Entries, scores in 0..1.
    k : int
        How many to return.
    diversity : float
        0..1; 0 keeps the score order (and the scores).

    Returns
    -------
    list of (key, shown score)
        Best first. Ties break by the input order.

    >>> spread([("a", 0.9, "s1"), ("b", 0.8, "s1"), ("c", 0.5, "s2")], 3, 0.5)
    [('a', 0.9), ('c', 0.5), ('b', 0.4)]
    """
    left = list(ranked)
    seen: set = set()
    chosen: list = []
    keep = 1.0 - diversity
    while left and len(chosen) < k:
        shown = [
            score * keep if segment is not None and segment in seen else score
            for _, score, segment in left
        ]
        best = int(np.argmax(shown))
        key, _, segment = left.pop(best)
        chosen.append((key, float(shown[best])))
        seen.add(segment)
    return chosen


def cap_exposure(
    lists: dict[str, Sequence[tuple[str, float]]], k: int, cap: float
) -> dict[str, list[str]]:
    """Cut every list to ``k`` entries so that no partner fills more than its share.

    A partner may appear in at most ``max(1, floor(cap * len(lists)))`` lists. Entries are
    taken greedily by score over all lists at once (ties by list owner, then partner), so
    the strongest pairs keep their place and weaker lists fall back to their next choices.

    Parameters
    ----------
    lists : dict of str to sequence of (partner, score)
        Longer-than-``k`` candidate lists per owner, best first.
    k : int
        Entries kept per owner.
    cap : float
        0..1, largest share of lists one partner may appear in (1 = no cap).

    Returns
    -------
    dict of str to list of str
        Partners per owner, each list in its original order.

    >>> cap_exposure({"x": [("p", .9), ("q", .1)], "y": [("p", .8), ("r", .2)]}, 1, 0.5)
    {'x': ['p'], 'y': ['r']}
    """
    limit = max(1, math.floor(cap * len(lists) + 1e-9))
    entries = sorted(
        (
            (score, owner, pos, partner)
            for owner, ranked in lists.items()
            for pos, (partner, score) in enumerate(ranked)
        ),
        key=lambda e: (-e[0], e[1], e[2]),
    )
    used: dict[str, int] = {}
    kept: dict[str, list[tuple[int, str]]] = {owner: [] for owner in lists}
    for _, owner, pos, partner in entries:
        if len(kept[owner]) >= k or used.get(partner, 0) >= limit:
            continue
        kept[owner].append((pos, partner))
        used[partner] = used.get(partner, 0) + 1
    return {owner: [p for _, p in sorted(chosen)] for owner, chosen in kept.items()}


def check_filters(filters: Mapping | None) -> dict:
    """Validated suggestion filters (partner attributes).

    Keys: ``kinds`` (org kinds), ``tiers``, ``regions``, ``chains`` (any of, iterables of
    str), ``local`` (bool), ``exclude`` (org ids never suggested), ``min_score`` (float).

    Raises
    ------
    DataError
        On an unknown key or a kind/tier that does not exist.
    """
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise DataError(f"unknown filter(s) {unknown}; allowed: {', '.join(FILTER_KEYS)}")
    for key, allowed in (("kinds", ORG_KINDS), ("tiers", TIERS)):
        if key in filters:
            if isinstance(filters[key], str):
                filters[key] = (filters[key],)
            bad = [v for v in filters[key] if v not in allowed]
            if bad:
                raise DataError(f"filter {key}: {bad} not allowed; use {', '.join(allowed)}")
    for key in ("regions", "chains", "exclude"):
        if isinstance(filters.get(key), str):
            filters[key] = (filters[key],)
    return filters


def allowed_mask(orgs: Sequence[Mapping], filters: Mapping) -> np.ndarray:
    """Per organisation row: may it be suggested under (checked) ``filters``?"""
    tests = {
        "kinds": lambda o, v: o.get("kind") in v,
        "tiers": lambda o, v: (o.get("tier") or "none") in v,
        "regions": lambda o, v: o.get("region") in v,
        "local": lambda o, v: bool(o.get("local")) == bool(v),
        "chains": lambda o, v: bool(set(o.get("chains") or ()) & set(v)),
    }
    active = [(tests[key], filters[key]) for key in tests if key in filters]
    excluded = set(filters.get("exclude", ()))
    if not active and not excluded:
        return np.ones(len(orgs), dtype=bool)
    return np.array(
        [
            o["org_id"] not in excluded and all(test(o, value) for test, value in active)
            for o in orgs
        ],
        dtype=bool,
    )


def pair_features(ctx, a: int, cols: np.ndarray) -> np.ndarray:
    """:func:`matchmaker.recommend.score.feature_matrix` of the pairs ``(a, c)`` for ``c`` in
    ``cols``.

    Same values; only ``chain_out`` is computed here, in one sparse product for the whole
    row, because the generic per-candidate loop of ``score._chain`` costs milliseconds per
    candidate (tests check both give the same numbers).
    """
    rest = [f for f in FEATURES if f != "chain_out"]
    X = np.zeros((len(cols), len(FEATURES)))
    X[:, [FEATURES.index(f) for f in rest]] = feature_matrix(
        ctx, (np.full(len(cols), a, dtype=np.int64), np.asarray(cols, dtype=np.int64)), rest
    )
    # chain_out(a, c) = max over segments s of need_reach[c, s] * offer_segments[a, s]
    reach = ctx.need_reach[np.asarray(cols, dtype=np.int64)]
    X[:, FEATURES.index("chain_out")] = row_max(reach.multiply(ctx.offer_segments[a]))
    return X


def row_max_times(m, row) -> np.ndarray:
    """``row_max(m.multiply(row))`` for a sparse ``m`` (rows x segments) and a one-row
    sparse ``row`` (the retrieval's chain bonus, at every query over every organisation),
    from the columns of ``row``'s few entries only (``m``'s column form is kept per matrix).
    Values are taken non-negative, as they are (reach and segment shares)."""
    row = row.tocsr()
    cols = _columns(m)
    out = np.zeros(m.shape[0], dtype=np.result_type(m.dtype, row.dtype))
    for s, weight in zip(row.indices, row.data, strict=True):
        lo, hi = cols.indptr[s], cols.indptr[s + 1]
        np.maximum.at(out, cols.indices[lo:hi], cols.data[lo:hi] * weight)
    return out.astype(np.float32)


_COLUMNS: dict[int, tuple] = {}  # id(matrix) -> (matrix, its CSC form); a few per process


def _columns(m):
    """``m`` in column form, converted once per matrix (held with ``m``, so the id stays)."""
    kept = _COLUMNS.get(id(m))
    if kept is None or kept[0] is not m:
        if len(_COLUMNS) >= 8:
            _COLUMNS.clear()
        kept = _COLUMNS[id(m)] = (m, sp.csc_matrix(m))
    return kept[1]


def row_max(m) -> np.ndarray:
    """Row-wise max of a sparse matrix as a dense float32 vector (0 for empty rows)."""
    return np.asarray(m.tocsr().max(axis=1).todense(), dtype=np.float32).ravel()


def retrieval_lexical(matrix, max_share: float = 0.005, floor: int = 200):
    """TF-IDF rows for retrieval only: n-grams shared by more than ``max_share`` of rows
    (and more than ``floor``) are dropped, as they say little and cost the most."""
    df = matrix.getnnz(axis=0)
    common = df > max(floor, int(max_share * matrix.shape[0]))
    if not common.any():
        return matrix
    kept = (matrix @ sp.diags((~common).astype(np.float64))).tocsr()
    kept.eliminate_zeros()
    return kept
