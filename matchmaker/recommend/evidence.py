"""Direction evidence: does a partner answer an organisation's need, and of the right kind?

The pair value of the ranker says "these two do business", not who supplies whom nor with
what. The evidence of a direction comes from the items themselves, one (need, offer) item
pair at a time, over arrays of candidate organisations:

- **kinds fit**: a need is answered only by an offer of the same group: products and
  services (``goods``), ``technology``, ``capital`` (see :data:`TYPE_GROUP`). A direction
  reads the groups of :data:`DIRECTION_GROUPS`: ``suppliers`` goods, ``technology``
  technology, ``finance`` capital; ``customers`` and ``both`` every group;
- **text**: the larger of the item pair's semantic and lexical cosine, 0 up to
  :data:`TEXT_FLOOR` and rising linearly to 1 at :data:`TEXT_STRONG`;
- **chain**: ``1/(1+d)^2`` when the offer's segment is ``d`` supply links upstream of the
  need's (``d = 0``: the very segment the need is filed in, 1; one step up, an input of
  what is needed, 0.25: its maker supplies the organisation's suppliers; at most
  :data:`matchmaker.recommend.context.CHAIN_DEPTH`). An item pair's evidence is
  ``max(text, (chain + text) / 2)``: the chain confirms words, it does not replace them.
  A capital offer and a capital need count as linked (money has no chain step), so a
  finance organisation's loan answers a capital need even in other words.

:func:`item_evidence` returns, per candidate, the best text and chain evidence over its
fitting item pairs and the group of the best pair. The recommender combines them with the
wrong-side and peer rules (:func:`combine`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matchmaker.recommend.context import CHAIN_DEPTH

__all__ = [
    "DIRECTION_GROUPS",
    "EVIDENCE_FLOOR",
    "GROUPS",
    "GROUP_DIRECTION",
    "SCORE_FLOOR",
    "TEXT_FLOOR",
    "TEXT_STRONG",
    "TYPE_GROUP",
    "WRONG_SIDE",
    "ItemTable",
    "combine",
    "downstream_matrix",
    "item_evidence",
    "unread_texts",
]

TEXT_FLOOR = 0.3  # a need-offer similarity at or below this is no evidence of supply
TEXT_STRONG = 0.8  # ... at or above this, full evidence (all-MiniLM-L6-v2 cosines)
EVIDENCE_FLOOR = 0.4  # a direction's evidence below this is not shown (text >= 0.5, chain d <= 1)
SCORE_FLOOR = 0.05  # ... nor a score below this: no 0.00 suggestion
WRONG_SIDE = 0.25  # share of text evidence kept when the chain puts the partner opposite
GROUPS = ("goods", "technology", "capital")
TYPE_GROUP = {"product": 0, "service": 0, "technology": 1, "capital": 2}
"""Item ``type`` -> index in :data:`GROUPS`: which offers can answer which needs."""
DIRECTION_GROUPS = {
    "suppliers": (0,),
    "technology": (1,),
    "finance": (2,),
    "customers": (0, 1, 2),
    "both": (0, 1, 2),
}
GROUP_DIRECTION = ("suppliers", "technology", "finance")
"""The direction an inward match of each group is shown as (in direction ``both``)."""


class ItemTable:
    """Item-level arrays over a scoring context, built once.

    Parameters
    ----------
    ctx : matchmaker.recommend.score.ScoringContext
    item_types : sequence of str
        ``type`` of each ``ctx.items`` entry.

    Attributes
    ----------
    group : ndarray of int
        Index in :data:`GROUPS` per item.
    seg : ndarray of int
        Position of the item's segment in ``ctx.segment_ids``; ``len(segment_ids)`` for none.
    reach : ndarray, shape (segments + 1, segments + 1)
        ``reach[need_segment, offer_segment] = 1/(1+d)^2``; 0 for no segment or no link.
    offers, needs : scipy.sparse.csr_matrix, shape (organisations, items)
        1 where the organisation offers / needs the item.
    """

    def __init__(self, ctx, item_types):
        n_seg = len(ctx.segment_ids)
        pos = {s: i for i, s in enumerate(ctx.segment_ids)}
        self.group = np.array([TYPE_GROUP.get(t, 0) for t in item_types], dtype=np.int64)
        self.seg = np.array([pos.get(i.segment, n_seg) for i in ctx.items], dtype=np.int64)
        self.reach = np.zeros((n_seg + 1, n_seg + 1), dtype=np.float32)
        for s in ctx.segment_ids:
            for up, d in ctx.chain.upstream_of(s, CHAIN_DEPTH).items():
                if up in pos:
                    self.reach[pos[s], pos[up]] = 1.0 / (1 + d) ** 2
        n, m = len(ctx.org_ids), len(ctx.items)
        rows = np.array([ctx.index[i.org_id] for i in ctx.items], dtype=np.int64)
        offer = np.array([i.side == "offer" for i in ctx.items], dtype=bool)
        self.offers = _incidence(rows[offer], np.flatnonzero(offer), n, m)
        self.needs = _incidence(rows[~offer], np.flatnonzero(~offer), n, m)
        self._in_groups: dict[tuple, np.ndarray] = {}

    def in_groups(self, groups) -> np.ndarray:
        """Per item, whether its group is one of ``groups`` (kept: every query asks for one
        of a few such masks, and each is a pass over all items)."""
        key = tuple(groups)
        if key not in self._in_groups:
            self._in_groups[key] = np.isin(self.group, key)
        return self._in_groups[key]


def _incidence(rows, cols, n, m) -> sp.csr_matrix:
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, m))


def item_evidence(
    table: ItemTable,
    similar,
    a: int,
    cols: np.ndarray,
    inward: bool,
    groups,
    floor: float = TEXT_FLOOR,
    strong: float = TEXT_STRONG,
):
    """Per candidate in ``cols``: ``(text, chain, group)`` of the best fitting item pair.

    Parameters
    ----------
    table : ItemTable
    similar : callable
        ``similar(left, right) -> (semantic, lexical)`` cosine matrices of item positions
        (:meth:`matchmaker.recommend.explain.Explainer._similar`).
    a : int
        The organisation's row.
    cols : ndarray of int
        Candidate rows.
    inward : bool
        True: ``a``'s needs against the candidates' offers (they supply ``a``); False:
        ``a``'s offers against the candidates' needs.
    groups : tuple of int
        The item groups (:data:`GROUPS`) that count.
    floor, strong : float
        Similarity at or below ``floor`` is no evidence, at or above ``strong`` full
        evidence; the Recommender passes the active model's own thresholds
        (:mod:`matchmaker.recommend.calibrate`), the defaults are all-MiniLM-L6-v2's.

    Returns
    -------
    text, chain : ndarray of float
        0..1 per candidate (0 when no item pair of a fitting kind).
    joint : ndarray of float
        0..1 per candidate: the best item pair's ``max(text, (chain + text) / 2)``: a
        chain link alone (same segment) is half the evidence of a close textual match.
    group : ndarray of int
        The group of the best pair (larger of text and chain evidence); -1 when none.
    """
    k = len(cols)
    text, chain, joint = np.zeros(k), np.zeros(k), np.zeros(k)
    group = np.full(k, -1, dtype=np.int64)
    mine_m, theirs_m = (table.needs, table.offers) if inward else (table.offers, table.needs)
    allowed = table.in_groups(groups)
    mine = mine_m[a].indices
    mine = mine[allowed[mine]]
    block = theirs_m[np.asarray(cols, dtype=np.int64)]
    flat = block.indices
    owner = np.repeat(np.arange(k), np.diff(block.indptr))
    keep = allowed[flat]
    flat, owner = flat[keep], owner[keep]
    if len(mine) == 0 or len(flat) == 0:
        return text, chain, joint, group
    sem, lex = similar(list(mine), list(flat))
    same = table.group[mine][:, None] == table.group[flat][None, :]
    words = np.clip((np.maximum(sem, lex) - floor) / (strong - floor), 0.0, 1.0)
    need_seg, offer_seg = (mine, flat) if inward else (flat, mine)
    links = table.reach[table.seg[need_seg][:, None], table.seg[offer_seg][None, :]]
    if not inward:
        links = links.T
    # Capital has no chain step: a capital offer fits any capital need as a chain link does.
    capital = (table.group[mine] == 2)[:, None] & (table.group[flat] == 2)[None, :]
    links = np.where(capital, 1.0, links)
    words, links = np.where(same, words, 0.0), np.where(same, links, 0.0)
    col_words, col_links = words.max(axis=0), links.max(axis=0)
    best = np.maximum(words, (words + links) / 2).max(axis=0)
    np.maximum.at(text, owner, col_words)
    np.maximum.at(chain, owner, col_links)
    np.maximum.at(joint, owner, best)
    fits = same.any(axis=0) & (best > 0)
    order = np.lexsort((-best, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    for j in order[first]:
        if fits[j]:
            group[owner[j]] = table.group[flat[j]]
    return text, chain, joint, group


def combine(text, joint, wrong_side, peer, known) -> np.ndarray:
    """Evidence 0..1 of one direction per candidate.

    ``joint`` (see :func:`item_evidence`); where the chain puts the partner on the other
    side (``wrong_side``: no chain evidence this way but some the other way), text counts
    only :data:`WRONG_SIDE` of itself. A **peer** (its offers share a segment
    with the organisation's own offers) has no evidence unless the pair is ``known`` (a
    relation or a deal) or a need asks for the peer's offer in so many words (text
    evidence 1, similarity at or above :data:`TEXT_STRONG`): a buyer does not buy from its
    competitor because their catalogues read alike.
    """
    evidence = np.where(wrong_side, WRONG_SIDE * text, joint)
    return np.where(peer & ~known & (text < 1.0), 0.0, evidence)


# (anchor, a text that means nearly the same, an unrelated text)
_PROBES = (
    ("电池级碳酸锂", "锂电池原料碳酸锂", "制冷压缩机用铜管"),
    ("空调用转子压缩机", "空调压缩机", "银行流动资金贷款"),
)
CJK_SHARE = 0.3  # texts with at least this share of CJK characters are "Chinese"


def unread_texts(texts, embedder) -> np.ndarray:
    """Per text, True when it is Chinese and ``embedder`` cannot read Chinese.

    A model that does not read Chinese (the bundled English model maps most of it to a few
    character tokens) finds unrelated Chinese texts as similar as related ones: its
    semantic similarity between them says nothing, so the evidence of such pairs rests on
    the lexical (character n-gram) similarity and the chain. Probed once: the model reads
    Chinese when, for each of two anchors, a text of nearly the same meaning is more
    similar (by 0.1) than an unrelated one.
    """
    chinese = np.array([_cjk_share(t) >= CJK_SHARE for t in texts], dtype=bool)
    if not chinese.any():
        return chinese
    v = np.asarray(embedder.encode([t for probe in _PROBES for t in probe]), dtype=np.float32)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    reads = all(v[i] @ v[i + 1] > v[i] @ v[i + 2] + 0.1 for i in range(0, len(v), 3))
    return np.zeros(len(texts), dtype=bool) if reads else chinese


def _cjk_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum("\u4e00" <= c <= "\u9fff" for c in chars) / len(chars) if chars else 0.0


def downstream_matrix(chain, segment_ids: list[str]):
    """Sparse ``(segments, segments)``: 1 at ``[s, t]`` when ``t`` is 1 to
    :data:`matchmaker.recommend.context.CHAIN_DEPTH` supply links downstream of ``s``."""

    pos = {s: i for i, s in enumerate(segment_ids)}
    rows, cols = [], []
    for t in segment_ids:
        for s, d in chain.upstream_of(t, CHAIN_DEPTH).items():
            if d > 0 and s in pos:
                rows.append(pos[s])
                cols.append(pos[t])
    n = len(segment_ids)
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
