"""How each pair feature of :mod:`matchmaker.recommend.score` is computed, in two equal ways.

* ``BLOCK[name](ctx, rows, cols)`` -> dense ``(len(rows), len(cols))``: every pair of a few
  organisations ``rows`` with many ``cols`` (ranking all candidates for some queries);
* ``PAIRWISE[name](ctx, ia, ib)`` -> ``(len(ia),)``: scattered pairs (training data,
  candidate lists).

Both give the same numbers (a test checks it); :func:`matchmaker.recommend.score.feature_matrix`
picks the cheaper one. Feature meanings are documented in :mod:`matchmaker.recommend.score`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["BLOCK", "NEIGHBOURS", "NEIGHBOUR_LIMIT", "PAIRWISE", "neighbour_matrix"]

NEIGHBOURS = 20  # how many text-similar organisations neighbour_partners looks at
# Above this many organisations, neighbour_partners_rev and partner_neighbours are 0 and
# profile_lexical_rel equals profile_lexical: each needs a full similarity row for many
# organisations per query, too slow for a large workspace's interactive suggestions.
NEIGHBOUR_LIMIT = 20_000
_NEIGHBOUR_BLOCK = 256


def _dense(m) -> np.ndarray:
    return np.asarray(m.toarray() if sp.issparse(m) else m, dtype=np.float64)


def _flat(m) -> np.ndarray:
    return np.asarray(m.todense() if sp.issparse(m) else m, dtype=np.float64).ravel()


# --- helpers shared by both ways ----------------------------------------------------


def _cos_block(left, right, rows, cols):
    if left is None or right is None:
        return np.zeros((len(rows), len(cols)))
    return _dense(left[rows] @ right[cols].T)


def _cos_pairs(left, right, ia, ib):
    if left is None or right is None:
        return np.zeros(len(ia))
    if sp.issparse(left):
        return _flat(left[ia].multiply(right[ib]).sum(axis=1))
    return np.einsum("ij,ij->i", left[ia], right[ib]).astype(np.float64)


def _top(row: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values of ``row``, largest first, ties by position: a
    stable full sort's first ``k``, found without sorting the whole row."""
    if k >= len(row):
        return np.argsort(-row, kind="stable")[:k]
    kth = np.partition(row, len(row) - k)[len(row) - k]  # the k-th largest value
    tied = np.flatnonzero(row >= kth)  # every position that can be in the top k
    return tied[np.argsort(-row[tied], kind="stable")][:k]


def neighbour_matrix(ctx, rows) -> sp.csr_matrix:
    """Rows ``rows`` of the top-:data:`NEIGHBOURS` profile-similarity matrix (self and
    zero similarities left out; ties broken by organisation index). Cached on the context
    (the cache is shared by :meth:`ScoringContext.with_relations` copies)."""
    cache = ctx.neighbour_cache
    missing = [r for r in dict.fromkeys(int(r) for r in rows) if r not in cache]
    for start in range(0, len(missing), _NEIGHBOUR_BLOCK):
        chunk = np.asarray(missing[start : start + _NEIGHBOUR_BLOCK])
        sims = _dense(ctx.profile_lex[chunk] @ ctx.profile_lex_t)
        sims[np.arange(len(chunk)), chunk] = 0.0
        k = min(NEIGHBOURS, sims.shape[1])
        for i, r in enumerate(chunk):
            keep = _top(sims[i], k)
            keep = keep[sims[i, keep] > 0]
            cache[int(r)] = (keep, sims[i, keep])
    n = len(ctx.org_ids)
    data, indices, indptr = [], [], [0]
    for r in rows:
        idx, val = cache[int(r)]
        indices.append(idx)
        data.append(val)
        indptr.append(indptr[-1] + len(idx))
    if not rows.size:
        return sp.csr_matrix((0, n))
    return sp.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.asarray(indptr)), shape=(len(rows), n)
    )


def _chain_block(reach, offers, rows, cols):
    """max over segments s of reach[row, s] * offers[col, s]."""
    out = np.zeros((len(rows), len(cols)))
    sub = offers[cols].tocsc()
    for i, r in enumerate(rows):
        vec = reach[r]
        if vec.nnz:
            hit = sub[:, vec.indices].multiply(vec.data).tocsr()
            if hit.nnz:
                out[i] = _flat(hit.max(axis=1))
    return out


def _chain_out_block(reach, offers, rows, cols):
    """max over segments s of offers[row, s] * reach[col, s] (offers are 0/1)."""
    out = np.zeros((len(rows), len(cols)))
    sub = reach[cols].tocsc()
    for i, r in enumerate(rows):
        idx = offers[r].indices
        if len(idx):
            hit = sub[:, idx]
            if hit.nnz:
                out[i] = _flat(hit.max(axis=1))
    return out


def _max_pairs(left, right, ia, ib):
    prod = left[ia].multiply(right[ib]).tocsr()
    return _flat(prod.max(axis=1)) if prod.nnz else np.zeros(len(ia))


def _gather(m, ia, ib):
    return _flat(m[ia, ib]) if len(ia) else np.zeros(0)


def _grouped(ctx, ia, ib, block_fn):
    """Pairwise values from a block function, computed per unique first organisation."""
    out = np.zeros(len(ia))
    uniq, inv = np.unique(ia, return_inverse=True)
    for start in range(0, len(uniq), 512):
        rows = uniq[start : start + 512]
        sel = np.flatnonzero((inv >= start) & (inv < start + len(rows)))
        m = block_fn(ctx, rows)  # (len(rows), n) sparse
        out[sel] = _gather(m.tocsr(), inv[sel] - start, ib[sel])
    return out


def _small(c) -> bool:
    return len(c.org_ids) <= NEIGHBOUR_LIMIT


def _partner_neighbours(c, rows) -> sp.csr_matrix:
    """(len(rows), n): sum over each row's partners p of p's neighbour similarities."""
    adj = c.rel.binary[rows]
    needed = np.unique(adj.indices)
    if not len(needed):
        return sp.csr_matrix((len(rows), len(c.org_ids)))
    return (adj[:, needed] @ neighbour_matrix(c, needed)).tocsr()


def _top_sim(c, rows) -> np.ndarray:
    """Each row's largest profile similarity to another organisation (1 when it has none,
    and for every row above :data:`NEIGHBOUR_LIMIT` organisations)."""
    if not _small(c):
        return np.ones(len(rows))
    m = neighbour_matrix(c, np.unique(rows))
    top = _flat(m.max(axis=1)) if m.shape[1] else np.zeros(m.shape[0])
    top = np.where(top > 0, top, 1.0)
    return top[np.searchsorted(np.unique(rows), rows)]


def _paths3_pairs(c, a, b):
    rows, pos = np.unique(a, return_inverse=True)
    two = (c.rel.binary[rows] @ c.rel.binary).tocsr()
    return _cos_pairs(two, c.rel.binary, pos, b)


# --- block implementations ----------------------------------------------------------

BLOCK = {
    "need_offer_lexical": lambda c, r, k: _cos_block(c.need_lex, c.offer_lex, r, k),
    "offer_need_lexical": lambda c, r, k: _cos_block(c.offer_lex, c.need_lex, r, k),
    "profile_lexical": lambda c, r, k: _cos_block(c.profile_lex, c.profile_lex, r, k),
    "need_offer_semantic": lambda c, r, k: _cos_block(c.need_vec, c.offer_vec, r, k),
    "offer_need_semantic": lambda c, r, k: _cos_block(c.offer_vec, c.need_vec, r, k),
    "profile_semantic": lambda c, r, k: _cos_block(c.profile_vec, c.profile_vec, r, k),
    "profile_lexical_rel": lambda c, r, k: (
        _cos_block(c.profile_lex, c.profile_lex, r, k) / _top_sim(c, r)[:, None]
    ),
    "name_lexical": lambda c, r, k: _cos_block(c.name_lex, c.name_lex, r, k),
    "chain_in": lambda c, r, k: _chain_block(c.need_reach, c.offer_segments, r, k),
    "chain_out": lambda c, r, k: _chain_out_block(c.need_reach, c.offer_segments, r, k),
    "common_partners": lambda c, r, k: _dense(c.rel.binary[r] @ c.rel.binary[:, k]),
    "adamic_adar": lambda c, r, k: _dense(
        c.rel.binary[r] @ sp.diags(c.rel.inv_log_degree) @ c.rel.binary[:, k]
    ),
    "resource_allocation": lambda c, r, k: _dense(
        c.rel.binary[r] @ sp.diags(c.rel.inv_degree) @ c.rel.binary[:, k]
    ),
    "partner_similarity": lambda c, r, k: _cos_block(c.rel.partner_centroid, c.profile_lex, r, k),
    "partner_similarity_rev": lambda c, r, k: _cos_block(
        c.profile_lex, c.rel.partner_centroid, r, k
    ),
    "neighbour_partners": lambda c, r, k: _dense(neighbour_matrix(c, r) @ c.rel.binary[:, k]),
    "neighbour_partners_rev": lambda c, r, k: (
        _dense(neighbour_matrix(c, k) @ c.rel.binary[:, r]).T
        if _small(c)
        else np.zeros((len(r), len(k)))
    ),
    "partner_neighbours": lambda c, r, k: (
        _dense(_partner_neighbours(c, r)[:, k]) if _small(c) else np.zeros((len(r), len(k)))
    ),
    "paths_3": lambda c, r, k: np.log1p(
        _dense(c.rel.binary[r] @ c.rel.binary @ c.rel.binary[:, k])
    ),
    "category_affinity": lambda c, r, k: _dense(
        c.categories[r] @ c.rel.category_affinity @ c.categories[k].T
    ),
    "degree_a": lambda c, r, k: np.repeat(np.log1p(c.rel.degree[r])[:, None], len(k), axis=1),
    "degree_b": lambda c, r, k: np.repeat(np.log1p(c.rel.degree[k])[None, :], len(r), axis=0),
}

# --- pairwise implementations -------------------------------------------------------


def _scaled(c, weights):
    return (c.rel.binary @ sp.diags(weights)).tocsr()


PAIRWISE = {
    "need_offer_lexical": lambda c, a, b: _cos_pairs(c.need_lex, c.offer_lex, a, b),
    "offer_need_lexical": lambda c, a, b: _cos_pairs(c.offer_lex, c.need_lex, a, b),
    "profile_lexical": lambda c, a, b: _cos_pairs(c.profile_lex, c.profile_lex, a, b),
    "need_offer_semantic": lambda c, a, b: _cos_pairs(c.need_vec, c.offer_vec, a, b),
    "offer_need_semantic": lambda c, a, b: _cos_pairs(c.offer_vec, c.need_vec, a, b),
    "profile_semantic": lambda c, a, b: _cos_pairs(c.profile_vec, c.profile_vec, a, b),
    "profile_lexical_rel": lambda c, a, b: (
        _cos_pairs(c.profile_lex, c.profile_lex, a, b) / _top_sim(c, a)
    ),
    "name_lexical": lambda c, a, b: _cos_pairs(c.name_lex, c.name_lex, a, b),
    "chain_in": lambda c, a, b: _max_pairs(c.need_reach, c.offer_segments, a, b),
    "chain_out": lambda c, a, b: _max_pairs(c.need_reach, c.offer_segments, b, a),
    "common_partners": lambda c, a, b: _cos_pairs(c.rel.binary, c.rel.binary, a, b),
    "adamic_adar": lambda c, a, b: _cos_pairs(_scaled(c, c.rel.inv_log_degree), c.rel.binary, a, b),
    "resource_allocation": lambda c, a, b: _cos_pairs(
        _scaled(c, c.rel.inv_degree), c.rel.binary, a, b
    ),
    "partner_similarity": lambda c, a, b: _cos_pairs(c.rel.partner_centroid, c.profile_lex, a, b),
    "partner_similarity_rev": lambda c, a, b: _cos_pairs(
        c.profile_lex, c.rel.partner_centroid, a, b
    ),
    "neighbour_partners": lambda c, a, b: _grouped(
        c, a, b, lambda cc, rows: neighbour_matrix(cc, rows) @ cc.rel.binary
    ),
    "neighbour_partners_rev": lambda c, a, b: (
        _grouped(c, b, a, lambda cc, rows: neighbour_matrix(cc, rows) @ cc.rel.binary)
        if _small(c)
        else np.zeros(len(a))
    ),
    "partner_neighbours": lambda c, a, b: (
        _grouped(c, a, b, _partner_neighbours) if _small(c) else np.zeros(len(a))
    ),
    "paths_3": lambda c, a, b: np.log1p(_paths3_pairs(c, a, b)),
    "category_affinity": lambda c, a, b: (
        np.einsum(
            "ij,ij->i",
            _dense(c.categories[a] @ c.rel.category_affinity),
            _dense(c.categories[b]),
        )
        if c.categories.shape[1]
        else np.zeros(len(a))
    ),
    "degree_a": lambda c, a, b: np.log1p(c.rel.degree[a]),
    "degree_b": lambda c, a, b: np.log1p(c.rel.degree[b]),
}
