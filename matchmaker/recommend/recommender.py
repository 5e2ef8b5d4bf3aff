"""Partner suggestions: candidates -> scores -> novelty -> diversity -> explanations.

:class:`Recommender` loads the workspace once (organisations, items, chain, relations,
deals, meetings), embeds every text through the store's vector cache, builds the scoring
context (:func:`matchmaker.recommend.score.build_context`) and the ranker
(:mod:`matchmaker.recommend.rank`,
trained on the workspace's graded outcomes, or default weights when there are too few),
and then answers queries in milliseconds:

1. **candidates**: every organisation with the right side when there are at most
   :data:`EXACT_LIMIT`; otherwise the best matches by vectors and TF-IDF of the other side's
   texts (:class:`matchmaker.recommend.candidates.VectorIndex`), with a bonus for chain fit, plus
   the
   partners of partners;
2. **scores**: the ranker over :func:`matchmaker.recommend.score.feature_matrix` of each
   pair gives the pair's value ``p`` (0..1), learned from undirected outcomes ("these two do
   business"), so it does not say who supplies whom. Each direction needs its own evidence
   ``e`` (0..1); the score of a direction is ``p * e``. Evidence that the partner supplies
   me, ``e_in``, is the larger of the chain fit ``chain_in`` (its offer segment is ``d``
   links upstream of my need's: ``1/(1+d)``) and the text evidence: the larger of the
   need->offer semantic and lexical similarity, 0 up to the floor ``text_floor`` and rising
   linearly to 1 at ``text_strong``, both read off the active model's own need->offer
   similarities over the workspace (:mod:`matchmaker.recommend.calibrate`). When the chain
   puts the partner on the other side (no ``chain_in``, but ``chain_out`` or one of its
   offer segments downstream of mine), its text evidence counts only :data:`WRONG_SIDE` of
   itself: a vehicle maker whose offer reads a little like a pack maker's BMS need is that
   pack maker's customer, not its supplier. ``e_out`` (my offers for the partner's needs)
   mirrors it. So a pair with neither a chain link nor a text match above the floor in a
   direction scores 0 there. The reciprocal score is the harmonic mean of the two
   directions' scores (high only when both sides benefit);
3. **novelty**: pairs that already met or already work together are multiplied by
   ``1 - novelty`` (setting ``novelty``; 1 removes them);
4. **diversity**: MMR across chain segments (setting ``diversity``); over many lists at once
   an exposure cap (setting ``exposure_cap``);
5. **explanations**: :class:`matchmaker.recommend.explain.Explainer`.

>>> # doctest: +SKIP
>>> rec = Recommender(store, **config.read(*TUNING))  # settings read once, at the edge
>>> rec.recommend("ORG1", direction="suppliers", k=5)[0].reason
'Cathode Co can supply Battery Co: its offer "NMC cathode powder" matches ...'
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController
from tqdm import tqdm

from matchmaker import config
from matchmaker.errors import DataError, NotFoundError
from matchmaker.recommend import calibrate, rank
from matchmaker.recommend.candidates import (
    VectorIndex,
    allowed_mask,
    cap_exposure,
    check_filters,
    mmr,
    pair_features,
    retrieval_lexical,
    row_max,
)
from matchmaker.recommend.context import CHAIN_DEPTH
from matchmaker.recommend.embed import CachedEmbedder, org_vectors
from matchmaker.recommend.explain import DIRECTIONS, Explainer, PairValue, Suggestion, visible_to
from matchmaker.recommend.score import FEATURES, build_context
from matchmaker.recommend.workspace_model import select_embedder
from matchmaker.schema import item_text
from matchmaker.store.access import policy_of, unscoped

TUNING = ("novelty", "diversity", "exposure_cap")
"""The settings a :class:`Recommender` takes as parameters."""

__all__ = ["TUNING", "Recommender"]

TECH_KINDS = ("university", "institute")
EXACT_LIMIT = 3000  # up to this many organisations every one is scored (no retrieval step)
POOL = 5  # candidates retrieved per suggestion asked for (at least 50)
CHAIN_BONUS = 0.25  # added to a candidate's text similarity in retrieval when chain-linked
MET_STATUSES = ("accepted", "held")  # a meeting in these states means "already met"
WRONG_SIDE = 0.25  # share of text evidence kept when the chain puts the partner opposite
_TEXT_IN = ("need_offer_semantic", "need_offer_lexical")
_TEXT_OUT = ("offer_need_semantic", "offer_need_lexical")
_TABLES = ("organizations", "items", "segments", "chain_links", "relations", "deals", "meetings")


def _check(direction: str, k) -> None:
    if direction not in DIRECTIONS:
        raise DataError(f"direction {direction!r} is not allowed; use one of {DIRECTIONS}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise DataError(f"k must be a positive whole number, got {k!r}")


def _evidence(X: np.ndarray, text, chain, against, other_side, floor, strong) -> np.ndarray:
    """Per pair, 0..1: evidence for one direction (see the module docstring).

    ``text`` names the direction's similarity features, ``chain`` its chain fit,
    ``against`` the opposite direction's chain fit; ``other_side`` is True where the
    partner's offer segments lie on the opposite side of the chain from the organisation's;
    ``floor`` and ``strong`` are the text thresholds (:func:`calibrate.text_thresholds`).
    """
    sim = X[:, [FEATURES.index(n) for n in text]].max(axis=1)
    words = np.clip((sim - floor) / (strong - floor), 0.0, 1.0)
    linked = X[:, FEATURES.index(chain)]
    wrong = (linked <= 0) & ((X[:, FEATURES.index(against)] > 0) | other_side)
    return np.maximum(np.clip(linked, 0.0, 1.0), np.where(wrong, WRONG_SIDE * words, words))


def _downstream(chain, segment_ids: list[str]):
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


class Recommender:
    """Suggestions for the organisations of one workspace.

    Parameters
    ----------
    store : matchmaker.store.database.Store
        The workspace; read once here and again by :meth:`refresh`.
    embedder : Embedder, optional
        Default: :func:`matchmaker.recommend.workspace_model.select_embedder` (setting
        ``embedding_model``: a path, the bundled model, or the model trained on this
        workspace, which is the choice for a mostly Chinese workspace).
        Vectors are cached in ``store`` (:class:`matchmaker.recommend.embed.CachedEmbedder`).
    progress : bool
        Show progress bars while embedding.
    novelty, diversity, exposure_cap : float
        0..1, the settings of the same names (see docs/settings.md); the callers read them
        once (``config.read(*TUNING)``) and pass them in. Out of range: :class:`ConfigError`.

    Attributes
    ----------
    ctx : matchmaker.recommend.score.ScoringContext
    ranker : matchmaker.recommend.rank.PairRanker
        Fitted on the workspace's outcomes, or default weights (``ranker.fallback_``;
        ``ranker.message_`` says which).
    ranker_path : pathlib.Path
        Where the ranker and its metadata (``.json``) are saved under ``models_dir``.
    embedded : int
        Texts sent to the model by this object (0 when every text was cached).
    text_floor, text_strong : float
        Need->offer similarity at which text starts to count as evidence of supply, and at
        which it is full evidence (:func:`matchmaker.recommend.calibrate.text_thresholds`).
    """

    def __init__(
        self,
        store,
        embedder=None,
        progress: bool = False,
        *,
        novelty: float = config.default("novelty"),
        diversity: float = config.default("diversity"),
        exposure_cap: float = config.default("exposure_cap"),
    ):
        self.novelty = config.check("novelty", novelty)
        self.diversity = config.check("diversity", diversity)
        self.exposure_cap = config.check("exposure_cap", exposure_cap)
        # The index is built from all data; what it returns passes the acting user's policy.
        self.policy = policy_of(store)
        self.store = unscoped(store)
        self.embedder = CachedEmbedder(
            embedder or select_embedder(self.store, progress), self.store
        )
        self.progress = progress
        self.refresh()

    def as_user(self, store) -> Recommender:
        """This recommender (same index, no rebuild) answering as ``store``'s acting user
        (a :func:`matchmaker.store.access.scoped` view; a plain store: the operator)."""

        view = copy.copy(self)
        view.policy = policy_of(store)
        return view

    def _require(self, org_id: str | None) -> None:
        if self.policy is not None:
            if org_id is None and not self.policy.full:
                raise self.policy._deny("see suggestions for every organisation")
            self.policy.require_org(org_id, "suggestions")

    @property
    def embedded(self) -> int:
        return self.embedder.embedded

    def refresh(self) -> None:
        """Re-read the workspace; rebuild vectors (cached), context, indexes and ranker."""
        self.store.check_ready()
        rows = {name: self.store.rows(name) for name in _TABLES}
        self.orgs = {o["org_id"]: o for o in rows["organizations"]}
        items = sorted(rows["items"], key=lambda r: r["item_id"])  # the context's item order
        vectors = self.embedder.encode([item_text(i) for i in items], self.progress)
        ctx = build_context(
            *(rows[name] for name in _TABLES[:-1]),
            vectors=org_vectors(
                rows["organizations"], items, vectors, self.embedder, self.progress
            ),
        )
        self.ctx = ctx
        item_types = [i["type"] for i in items]
        met = {frozenset((m["org_a"], m["org_b"])) for m in rows["meetings"]
               if m["status"] in MET_STATUSES}  # fmt: skip
        self.explainer = Explainer(ctx, vectors, item_types, met)
        orgs = rows["organizations"]
        del rows, items, vectors  # 100,000 organisations: ~0.5 GB less before training
        self._org_rows = [self.orgs[o] for o in ctx.org_ids]
        n = len(ctx.org_ids)
        self.has_offer = np.asarray(ctx.offer_lex.getnnz(axis=1) > 0)
        self.has_need = np.asarray(ctx.need_lex.getnnz(axis=1) > 0)
        self.has_tech = np.zeros(n, dtype=bool)
        for item, kind in zip(ctx.items, item_types, strict=True):
            org = self.orgs[item.org_id]
            if item.side == "offer" and kind == "technology" and org["kind"] in TECH_KINDS:
                self.has_tech[ctx.index[item.org_id]] = True
        self.offers = VectorIndex(
            ctx.org_ids, ctx.org_ids, ctx.offer_vec, retrieval_lexical(ctx.offer_lex)
        )
        self.needs = VectorIndex(
            ctx.org_ids, ctx.org_ids, ctx.need_vec, retrieval_lexical(ctx.need_lex)
        )
        self.downstream = _downstream(ctx.chain, ctx.segment_ids)
        sims = calibrate.need_offer_similarities(ctx, self.has_need, self.has_offer)
        self.text_floor, self.text_strong = calibrate.text_thresholds(sims)
        self.ranker, self.ranker_path = self._ranker(orgs)

    def _ranker(self, orgs):
        """Load the ranker fitted on exactly this data, or fit and save it."""
        digest = hashlib.sha256(rank.fingerprint(self.ctx).encode())
        digest.update(self.embedder.model_id.encode())
        for item in self.ctx.items:
            digest.update(f"\n{item.item_id}\t{item.text}".encode())
        for org in orgs:
            digest.update(f"\n{org['org_id']}\t{org['name']}\t{org.get('description')}".encode())
        fp = digest.hexdigest()
        path = rank.rankers_dir() / f"workspace-{fp[:16]}.pkl"
        if path.exists():
            return rank.PairRanker.load(path), path
        ranker = rank.fit_ranker(self.ctx)
        ranker.save(path, data_fingerprint=fp)
        return ranker, path

    # --- scoring ------------------------------------------------------------------

    def _org(self, org_id: str) -> int:
        if org_id not in self.ctx.index:
            raise NotFoundError(f"no organisation with org_id={org_id!r}")
        return self.ctx.index[org_id]

    def _candidates(self, a: int, direction: str, allowed: np.ndarray, pool: int) -> np.ndarray:
        """Row indices of the organisations worth scoring for ``a``."""
        ctx = self.ctx
        want_in = direction in ("suppliers", "technology", "both")
        want_out = direction in ("customers", "both")
        side = np.zeros(len(ctx.org_ids), dtype=bool)
        if want_in:
            side |= self.has_tech if direction == "technology" else self.has_offer
        if want_out:
            side |= self.has_need
        mask = allowed & side
        mask[a] = False
        if mask.sum() <= EXACT_LIMIT:
            return np.flatnonzero(mask)
        found: set[int] = set()
        own = [ctx.org_ids[a]]
        if want_in:
            has_needs = self.has_need[a]
            vec = ctx.need_vec if has_needs else ctx.profile_vec
            lex = ctx.need_lex if has_needs else ctx.profile_lex
            bonus = CHAIN_BONUS * row_max(ctx.offer_segments.multiply(ctx.need_reach[a]))
            hits = self.offers.search(_row(vec, a), lex[a], pool, bonus, mask, own)
            found.update(ctx.index[c.org_id] for c in hits)
        if want_out:
            bonus = CHAIN_BONUS * row_max(ctx.need_reach.multiply(ctx.offer_segments[a]))
            hits = self.needs.search(
                _row(ctx.offer_vec, a), ctx.offer_lex[a], pool, bonus, mask, own
            )
            found.update(ctx.index[c.org_id] for c in hits)
        adj = ctx.rel.binary
        two_hop = (adj[a] @ adj).indices if adj[a].nnz else np.zeros(0, dtype=np.int64)
        found.update(int(i) for i in two_hop if mask[i])
        return np.array(sorted(found), dtype=np.int64)

    def _score(self, a: int, cols: np.ndarray, direction: str):
        """Per candidate: (direction, score, reciprocal, feature row), before novelty."""
        if len(cols) == 0:
            return [], np.zeros((0, 0))
        X = pair_features(self.ctx, a, cols)
        raw = self.ranker.predict(X)
        value = raw if not self.ranker.fallback_ else raw / (1.0 + np.abs(raw))
        value = np.clip(value, 0.0, 1.0)
        segs = self.ctx.offer_segments
        mine, theirs = segs[a], segs[cols]
        below = np.asarray((theirs @ (mine @ self.downstream).T).todense()).ravel() > 0
        above = np.asarray((theirs @ (self.downstream @ mine.T)).todense()).ravel() > 0
        t = (self.text_floor, self.text_strong)
        e_in = _evidence(X, _TEXT_IN, "chain_in", "chain_out", below, *t)
        e_out = _evidence(X, _TEXT_OUT, "chain_out", "chain_in", above, *t)
        s_in, s_out = value * e_in, value * e_out
        recip = np.where(s_in + s_out > 0, 2 * s_in * s_out / np.maximum(s_in + s_out, 1e-12), 0)
        if direction in ("suppliers", "technology"):
            dirs, score = [direction] * len(cols), s_in
        elif direction == "customers":
            dirs, score = ["customers"] * len(cols), s_out
        else:
            out = (s_out > s_in) | ((s_out == s_in) & ~self.has_offer[cols])
            dirs = ["customers" if o else "suppliers" for o in out]
            score = np.where(out, s_out, s_in)
        return list(zip(dirs, score, recip, strict=True)), X

    def _ranked(self, org_id: str, direction: str, k: int, filters) -> list[tuple]:
        """``(partner row, direction, score, reciprocal, features, segment)`` after novelty,
        best first, at most ``max(50, POOL * k)``; filters applied."""
        _check(direction, k)
        filters = check_filters(filters)
        a = self._org(org_id)
        cols = self._candidates(
            a,
            direction,
            allowed_mask(self._org_rows, filters),
            max(50, POOL * k),
        )
        scored, X = self._score(a, cols, direction)
        novelty = self.novelty
        min_score = float(filters.get("min_score", 0.0))
        out = []
        for pos, (b, (d, score, recip)) in enumerate(zip(cols, scored, strict=True)):
            partner = self.ctx.org_ids[b]
            met, partners = self.explainer.known(org_id, partner)
            if met or partners:
                if novelty >= 1.0:
                    continue
                score *= 1.0 - novelty
            if score <= 0 or score < min_score:
                continue
            out.append((int(b), d, float(score), float(recip), X[pos]))
        out.sort(key=lambda r: (-r[2], self.ctx.org_ids[r[0]]))
        return out[: max(50, POOL * k)]

    def _diverse(self, org_id: str, entries: list[tuple], k: int) -> list[tuple]:
        """``entries`` re-ordered by MMR over their partners' chain segments, cut to ``k``."""
        diversity = self.diversity
        if diversity == 0 or len(entries) <= 1:
            return entries[:k]
        entries = entries[: 3 * k]  # MMR looks this far down the list
        segments = [None] * len(entries)
        for d in {e[1] for e in entries}:
            pos = [i for i, e in enumerate(entries) if e[1] == d]
            partners = [self.ctx.org_ids[entries[i][0]] for i in pos]
            for i, seg in zip(
                pos, self.explainer.partner_segments(org_id, partners, d), strict=True
            ):
                segments[i] = seg
        keyed = [(i, e[2], segments[i]) for i, e in enumerate(entries)]
        return [entries[i] for i in mmr(keyed, k, diversity)]

    def _suggestions(self, org_id: str, entries: list[tuple]) -> list[Suggestion]:
        """Suggestions (with reasons) for ranked entries, item matches batched per direction."""
        found: list = [None] * len(entries)
        for d in {e[1] for e in entries}:
            pos = [i for i, e in enumerate(entries) if e[1] == d]
            partners = [self.ctx.org_ids[entries[i][0]] for i in pos]
            for i, m in zip(pos, self.explainer.matches(org_id, partners, d), strict=True):
                found[i] = m
        out = []
        for (b, d, score, recip, x), m in zip(entries, found, strict=True):
            features = dict(zip(FEATURES, (float(v) for v in x), strict=True))
            partner = self.ctx.org_ids[b]
            out.append(
                self.explainer.suggestion(org_id, partner, d, score, recip, features, found=m)
            )
        return out

    # --- public -------------------------------------------------------------------

    def recommend(
        self, org_id: str, direction: str = "both", k: int = 20, filters: Mapping | None = None
    ) -> list[Suggestion]:
        """The ``k`` best partners for ``org_id``, with reasons, best first.

        Parameters
        ----------
        org_id : str
        direction : {"suppliers", "customers", "technology", "both"}
        k : int
        filters : dict, optional
            See :func:`check_filters`.

        Raises
        ------
        NotFoundError
            When ``org_id`` is not in the workspace.
        DataError
            On a bad direction, ``k`` or filter.
        """
        self._require(org_id)
        with _one_thread():
            ranked = self._ranked(org_id, direction, k, filters)
            found = self._suggestions(org_id, self._diverse(org_id, ranked, k))
        return visible_to(self.policy, found)

    def recommend_all(
        self, k: int = 20, direction: str = "both", progress: bool = True, org_ids=None
    ) -> dict[str, list[Suggestion]]:
        """Suggestions for every organisation (or ``org_ids``), with the exposure cap.

        No partner appears in more than ``max(1, floor(exposure_cap * lists))`` lists
        (setting ``exposure_cap``); strongest pairs keep their place (see
        :func:`matchmaker.recommend.candidates.cap_exposure`). Lists are then MMR-ordered.
        """
        self._require(None)
        _check(direction, k)
        ids = sorted(self.ctx.org_ids if org_ids is None else org_ids)
        ranked = {}
        for org_id in tqdm(ids, desc="recommending", unit="org", disable=not progress):
            with _one_thread():
                ranked[org_id] = self._ranked(org_id, direction, k, None)
        lists = {o: [(self.ctx.org_ids[r[0]], r[2]) for r in rs] for o, rs in ranked.items()}
        kept = cap_exposure(lists, k, self.exposure_cap)
        out = {}
        for org_id, partners in kept.items():
            by_id = {self.ctx.org_ids[r[0]]: r for r in ranked[org_id]}
            entries = self._diverse(org_id, [by_id[p] for p in partners], k)
            out[org_id] = self._suggestions(org_id, entries)
        return out

    def pair_values(self, org_ids: Iterable[str], min_value: float = 0.0) -> list[PairValue]:
        """Every valuable supply/demand pair among ``org_ids``, best first.

        A pair is valuable when one side's offers meet the other's needs (positive
        direction fit) and its value (the better direction's score, novelty applied) is
        above ``min_value``. Ties break by ids.

        Raises
        ------
        NotFoundError
            When an id is not in the workspace.
        """
        self._require(None)
        with _one_thread():
            return self._pair_values(sorted(set(org_ids)), min_value)

    def _pair_values(self, ids: list[str], min_value: float) -> list[PairValue]:
        rows = {o: self._org(o) for o in ids}
        novelty = self.novelty
        out = []
        for i, a in enumerate(ids):
            rest = np.array([rows[b] for b in ids[i + 1 :]], dtype=np.int64)
            scored, X = self._score(rows[a], rest, "both")
            entries = []
            for pos, (d, score, recip) in enumerate(scored):
                met, partners = self.explainer.known(a, ids[i + 1 + pos])
                if (met or partners) and novelty >= 1.0:
                    continue
                value = score * (1.0 - novelty) if met or partners else score
                if value > min_value:
                    entries.append((int(rest[pos]), d, float(value), recip, X[pos]))
            for s in self._suggestions(a, entries):
                out.append(PairValue(a, s.partner_id, s.score, s.reason))
        return sorted(out, key=lambda p: (-p.value, p.a, p.b))


_THREADS = []


def _one_thread():
    """Limit BLAS/OpenMP to one thread: a query is many small products, for which thread
    start-up costs 10-30x the work on a busy machine (gradient-boosting predict above all)."""
    if not _THREADS:
        _THREADS.append(ThreadpoolController())
    return _THREADS[0].limit(limits=1)


def _row(matrix, i: int):
    return None if matrix is None else matrix[i : i + 1]
