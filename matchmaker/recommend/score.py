"""Pair scorers with one shape: ``scorer(ctx, pairs) -> iterator of (a, b, score)``.

Modelled on :mod:`networkx.algorithms.link_prediction`: every scorer delegates to one
helper, :func:`_apply`, over a :class:`~matchmaker.recommend.context.ScoringContext` (built by
:func:`matchmaker.recommend.context.build_context`, re-exported here).

A pair ``(a, b)`` reads "``a`` is the organisation we suggest for, ``b`` the candidate".
Features come in both directions: ``need_offer_*`` is "``b`` supplies ``a``" (a's NEEDS
against b's OFFERS), ``offer_need_*`` is "``a`` supplies ``b``". :data:`FEATURES` names every
feature in the column order of :func:`feature_matrix`; the rest of the package (ranker,
recommender, evaluation) uses only these two.

=========================  ============================================================
feature                    meaning (range)
=========================  ============================================================
need_offer_lexical         cosine of char n-gram TF-IDF, a's needs vs b's offers [0, 1]
offer_need_lexical         same, a's offers vs b's needs [0, 1]
profile_lexical            cosine of the two whole profiles (name, description, offers)
profile_lexical_rel        profile_lexical divided by a's largest profile_lexical with anyone
name_lexical               cosine of the names (and region) alone: same group, same city
need_offer_semantic        cosine of embeddings, a's needs vs b's offers [-1, 1] (0: none)
offer_need_semantic        same, a's offers vs b's needs
profile_semantic           cosine of profile embeddings
chain_in                   b offers a segment upstream of one a needs: 1/(1+distance), else 0
chain_out                  a offers a segment upstream of one b needs: 1/(1+distance)
common_partners            number of shared known partners
adamic_adar                Adamic-Adar index on the relation graph (networkx definition)
resource_allocation        resource allocation index on the relation graph
partner_similarity         cosine of b's profile with the centroid of a's partners' profiles
partner_similarity_rev     cosine of a's profile with the centroid of b's partners' profiles
neighbour_partners         sum over a's 20 most similar organisations c of sim(a, c) * [c-b known]
neighbour_partners_rev     the same with a and b swapped: b's similar organisations that know a
partner_neighbours         sum over a's partners p of sim(p, b) when b is among p's 20 most similar
paths_3                    log(1 + number of 3-link walks a - x - y - b on the relation graph)
category_affinity          P(category of b | category of a) among known pairs (smoothed)
degree_a                   log(1 + number of a's known partners)
degree_b                   log(1 + number of b's known partners)
=========================  ============================================================

Above :data:`matchmaker.recommend.features.NEIGHBOUR_LIMIT` organisations,
``neighbour_partners_rev``
and ``partner_neighbours`` are 0 and ``profile_lexical_rel`` equals ``profile_lexical``
(they need a full similarity row for many organisations per query).

>>> from matchmaker.recommend.context import build_context
>>> ctx = build_context([{"org_id": "A", "name": "a"}, {"org_id": "B", "name": "b"},
...     {"org_id": "C", "name": "c"}], relations=[{"org_a": "A", "org_b": "C"},
...     {"org_a": "B", "org_b": "C"}])
>>> list(common_partners(ctx, [("A", "B")]))
[('A', 'B', 1.0)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from matchmaker.errors import DataError, NotFoundError
from matchmaker.recommend.context import ScoringContext, build_context
from matchmaker.recommend.features import BLOCK, NEIGHBOURS, PAIRWISE

__all__ = [
    "FEATURES",
    "NEIGHBOURS",
    "PAIR_COST",
    "ScoringContext",
    "adamic_adar",
    "build_context",
    "category_affinity",
    "chain_in",
    "chain_out",
    "common_partners",
    "feature_matrix",
    "feature_rows",
    "need_offer_lexical",
    "neighbour_partners",
    "offer_need_lexical",
    "pair_indices",
    "partner_similarity",
    "profile_lexical",
    "resource_allocation",
    "score_pairs",
]

_BLOCK_CELLS = 4_000_000  # dense cells computed at once (rows x columns)
# A dense block costs about one cell per (row, organisation); pairs computed one by one cost
# about this many cells each (a gather and a sparse row product): below that density of
# pairs per row, pair by pair is cheaper.
PAIR_COST = 8
_ROWS = BLOCK
FEATURES: tuple[str, ...] = tuple(_ROWS)


def pair_indices(ctx: ScoringContext, pairs: Iterable[tuple[str, str]]):
    """Row indices ``(ia, ib)`` of the pairs' organisations in ``ctx``.

    Raises
    ------
    NotFoundError
        When a pair names an organisation that is not in the context.
    """
    ia, ib = [], []
    index = ctx.index
    for a, b in pairs:
        for org in (a, b):
            if org not in index:
                raise NotFoundError(f"organisation {org!r} is not in the scoring context")
        ia.append(index[a])
        ib.append(index[b])
    return np.asarray(ia, dtype=np.int64), np.asarray(ib, dtype=np.int64)


def _check_features(features) -> tuple[str, ...]:
    features = FEATURES if features is None else tuple(features)
    unknown = [f for f in features if f not in _ROWS]
    if unknown:
        raise DataError(f"unknown feature(s) {unknown}; known: {', '.join(FEATURES)}")
    return features


def feature_rows(ctx: ScoringContext, name: str, rows, cols=None) -> np.ndarray:
    """Feature ``name`` for every pair ``(rows[i], cols[j])`` of organisation indices.

    Parameters
    ----------
    ctx : ScoringContext
    name : str
        One of :data:`FEATURES`.
    rows : array of int
        Indices of the ``a`` side.
    cols : array of int, optional
        Indices of the ``b`` side; all organisations when omitted.

    Returns
    -------
    ndarray of shape (len(rows), len(cols))
    """
    (name,) = _check_features([name])
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.arange(len(ctx.org_ids)) if cols is None else np.asarray(cols, dtype=np.int64)
    return _ROWS[name](ctx, rows, cols)


def feature_matrix(ctx: ScoringContext, pairs, features=None) -> np.ndarray:
    """Features of each ``(a, b)`` pair, one row per pair, columns as ``features``.

    Parameters
    ----------
    ctx : ScoringContext
    pairs : iterable of (str, str), or a tuple ``(ia, ib)`` of index arrays
    features : sequence of str, optional
        Default :data:`FEATURES`.

    Returns
    -------
    ndarray of shape (n_pairs, n_features), float64

    Raises
    ------
    NotFoundError
        When a pair names an unknown organisation.
    DataError
        When a feature name is unknown.
    """
    features = _check_features(features)
    if isinstance(pairs, tuple) and len(pairs) == 2 and isinstance(pairs[0], np.ndarray):
        ia, ib = (np.asarray(p, dtype=np.int64) for p in pairs)
    else:
        ia, ib = pair_indices(ctx, pairs)
    out = np.zeros((len(ia), len(features)))
    if len(ia) == 0:
        return out
    n = len(ctx.org_ids)
    uniq = np.unique(ia)
    if len(ia) * PAIR_COST < len(uniq) * n:  # scattered pairs: compute each pair on its own
        for j, name in enumerate(features):
            out[:, j] = PAIRWISE[name](ctx, ia, ib)
        return out
    order = np.argsort(ia, kind="stable")
    sorted_ia = ia[order]
    block = max(1, _BLOCK_CELLS // max(n, 1))
    for start in range(0, len(uniq), block):
        rows = uniq[start : start + block]
        lo = np.searchsorted(sorted_ia, rows[0], side="left")
        hi = np.searchsorted(sorted_ia, rows[-1], side="right")
        sel = order[lo:hi]
        bs = ib[sel]
        cols = np.unique(bs)
        if len(cols) > n // 4:
            cols = np.arange(n)
        r_pos = np.searchsorted(rows, ia[sel])
        c_pos = np.searchsorted(cols, bs)
        for j, name in enumerate(features):
            out[sel, j] = BLOCK[name](ctx, rows, cols)[r_pos, c_pos]
    return out


def _apply(ctx: ScoringContext, pairs, name: str) -> Iterator[tuple[str, str, float]]:
    """The one helper every scorer delegates to (networkx ``_apply_prediction``)."""
    pairs = list(pairs)
    values = feature_matrix(ctx, pairs, [name])[:, 0] if pairs else []
    return ((a, b, float(v)) for (a, b), v in zip(pairs, values, strict=True))


def score_pairs(ctx: ScoringContext, pairs, name: str) -> Iterator[tuple[str, str, float]]:
    """Scorer by feature name: ``(a, b, value)`` for each pair (see :data:`FEATURES`)."""
    _check_features([name])
    return _apply(ctx, pairs, name)


def need_offer_lexical(ctx, pairs):
    """Cosine of a's needs and b's offers (char n-gram TF-IDF): how well b supplies a."""
    return _apply(ctx, pairs, "need_offer_lexical")


def offer_need_lexical(ctx, pairs):
    """Cosine of a's offers and b's needs (char n-gram TF-IDF): how well a supplies b."""
    return _apply(ctx, pairs, "offer_need_lexical")


def profile_lexical(ctx, pairs):
    """Cosine of the two profiles' char n-gram TF-IDF."""
    return _apply(ctx, pairs, "profile_lexical")


def chain_in(ctx, pairs):
    """1/(1 + d) for the shortest chain distance d from one of b's offer segments to one
    of a's need segments (0 when none is upstream within the context's chain depth)."""
    return _apply(ctx, pairs, "chain_in")


def chain_out(ctx, pairs):
    """:func:`chain_in` with the roles swapped: a's offers upstream of b's needs."""
    return _apply(ctx, pairs, "chain_out")


def common_partners(ctx, pairs):
    """Number of known partners a and b share."""
    return _apply(ctx, pairs, "common_partners")


def adamic_adar(ctx, pairs):
    """Sum over shared partners w of 1 / log(degree(w)) (as :func:`networkx.adamic_adar_index`)."""
    return _apply(ctx, pairs, "adamic_adar")


def resource_allocation(ctx, pairs):
    """Sum over shared partners w of 1 / degree(w) (as networkx's resource allocation)."""
    return _apply(ctx, pairs, "resource_allocation")


def partner_similarity(ctx, pairs):
    """Cosine of b's profile with the centroid of a's known partners' profiles."""
    return _apply(ctx, pairs, "partner_similarity")


def neighbour_partners(ctx, pairs):
    """Sum over a's :data:`NEIGHBOURS` most text-similar organisations c of
    ``sim(a, c) * [c and b are known partners]`` (user-based collaborative filtering)."""
    return _apply(ctx, pairs, "neighbour_partners")


def category_affinity(ctx, pairs):
    """Mean smoothed P(category of b | category of a) estimated from the known pairs."""
    return _apply(ctx, pairs, "category_affinity")
