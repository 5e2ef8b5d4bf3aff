"""Partner suggestions: candidates -> scores -> novelty, floor -> diversity -> explanations.

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
2. **scores** (:meth:`Recommender._score`, over any array of candidate rows): the ranker
   over :func:`matchmaker.recommend.score.feature_matrix` of each pair gives the pair's
   value ``p`` (0..1), learned from undirected outcomes ("these two do business"), so it
   does not say who supplies whom nor with what. Each direction needs its own evidence
   ``e`` (0..1, :mod:`matchmaker.recommend.evidence`), item pair by item pair: only an
   offer of the need's kind counts (products and services, technology, capital; the
   direction ``suppliers`` reads goods, ``technology`` technology from universities and
   institutes, ``finance`` capital from finance organisations); its words (similarity
   from the text floor to the strong threshold, both read off the active model's own
   need->offer similarities, :mod:`matchmaker.recommend.calibrate`) confirmed by the chain
   (the offer in the need's segment). When the chain puts the partner on the other side,
   its words count only :data:`~matchmaker.recommend.evidence.WRONG_SIDE` of themselves (a
   vehicle maker is a pack maker's customer, not its supplier). A **peer** (a partner of the
   organisation's kind whose offers share a segment with its own) has no evidence unless
   they already work
   together or a need names the peer's offer in so many words. The score of a direction
   is ``p * e``; the reciprocal score is the harmonic mean of the two directions' scores;
3. **novelty and the floor**: pairs that already met or already work together are
   multiplied by ``1 - novelty`` (setting ``novelty``; 1 removes them); a match with
   evidence below :data:`EVIDENCE_FLOOR` or a score below :data:`SCORE_FLOOR` is hidden
   (counted in the list's ``hidden``; ``weak=True`` shows it);
4. **diversity**: a partner whose segment is already listed above shows its score times
   ``1 - diversity`` (:func:`matchmaker.recommend.candidates.spread`; setting
   ``diversity``): the list is sorted by the score it shows, the pair's own score kept in
   ``value``; over many lists at once an exposure cap (setting ``exposure_cap``);
5. **explanations**: :class:`matchmaker.recommend.explain.Explainer`.

>>> # doctest: +SKIP
>>> rec = Recommender(store, **config.read(*TUNING))  # settings read once, at the edge
>>> rec.recommend("ORG1", direction="suppliers", k=5)[0].reason
'Cathode Co can supply Battery Co: its offer "NMC cathode powder" closely matches ...'
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

import numpy as np

from matchmaker import config
from matchmaker.errors import DataError, ModelError, NotFoundError
from matchmaker.recommend import batch, calibrate, persist, rank
from matchmaker.recommend.candidates import (
    VectorIndex,
    allowed_mask,
    check_filters,
    pair_features,
    pool_size,
    retrieval_lexical,
    row_max_times,
    spread,
)
from matchmaker.recommend.embed import CachedEmbedder, org_vectors
from matchmaker.recommend.engine import check_engine, one_thread
from matchmaker.recommend.evidence import (
    DIRECTION_GROUPS,
    EVIDENCE_FLOOR,
    GROUP_DIRECTION,
    SCORE_FLOOR,
    ItemTable,
    combine,
    downstream_matrix,
    item_evidence,
    unread_texts,
)
from matchmaker.recommend.explain import (
    DIRECTIONS,
    LANGS,
    Explainer,
    PairValue,
    Suggestion,
    SuggestionList,
    visible_to,
)
from matchmaker.recommend.features import NEIGHBOUR_LIMIT, neighbour_matrix
from matchmaker.recommend.score import FEATURES, build_context
from matchmaker.recommend.workspace_model import select_embedder
from matchmaker.schema import item_text
from matchmaker.store.access import policy_of, unscoped

TUNING = ("novelty", "diversity", "exposure_cap")
"""The settings a :class:`Recommender` takes as parameters."""

__all__ = [
    "EVIDENCE_FLOOR",
    "SCORE_FLOOR",
    "TUNING",
    "Recommender",
]

TECH_KINDS = ("university", "institute")
EXACT_LIMIT = 3000  # up to this many organisations every one is scored (no retrieval step)

CHAIN_BONUS = 0.25  # added to a candidate's text similarity in retrieval when chain-linked
MET_STATUSES = ("accepted", "held")  # a meeting in these states means "already met"
FINANCE_KINDS = ("finance",)
_TABLES = ("organizations", "items", "segments", "chain_links", "relations", "deals", "meetings")
# What refresh() fits and persists (matchmaker.recommend.persist), so a new process loads them.
_PARTS = (
    "orgs", "ctx", "explainer", "_org_rows", "has_offer", "has_need", "has_tech", "has_capital",
    "items", "_kinds", "offers", "needs", "downstream", "text_floor", "text_strong", "ranker",
    "ranker_path",
)  # fmt: skip


def _check(direction: str, k, lang: str = "en") -> None:
    if direction not in DIRECTIONS:
        raise DataError(f"direction {direction!r} is not allowed; use one of {DIRECTIONS}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise DataError(f"k must be a positive whole number, got {k!r}")
    if lang not in LANGS:
        raise DataError(f"lang {lang!r} is not allowed; use one of {LANGS}")


class Recommender:
    """Suggestions for the organisations of one workspace.

    Parameters
    ----------
    store : matchmaker.store.database.Store
        The workspace; read once here and again by :meth:`refresh`.
    embedder : Embedder, optional
        Default: :func:`matchmaker.recommend.workspace_model.select_embedder` (setting
        ``embedding_model``: a path, the bundled model, or the model trained on this
        workspace, which is the choice for a mostly Chinese workspace), lazy: loaded only
        when a text is not cached and the fitted parts are not saved.
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
    parts_message : str
        Whether the fitted parts were loaded from ``models/fitted`` or built (and why).
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
        rows = self._read()  # once: the model's choice and the fitted parts both need them
        chosen = embedder or select_embedder(self.store, progress, lazy=True, rows=rows)
        self.embedder = CachedEmbedder(chosen, self.store)
        self.progress = progress
        self.refresh(rows)

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

    def _read(self) -> dict[str, list]:
        self.store.check_ready()
        return {name: self.store.rows(name) for name in _TABLES}

    def refresh(self, rows: dict[str, list] | None = None) -> None:
        """Re-read the workspace (``rows``: its tables, when just read); load its fitted
        parts (context, indexes, thresholds, ranker) saved under ``models/fitted`` for
        exactly these rows, model, settings and code (:mod:`matchmaker.recommend.persist`),
        or build them (vectors from the cache) and save them. :attr:`parts_message` says
        which; parts that cannot be unpickled are rebuilt, and the message says why."""
        rows = self._read() if rows is None else rows
        key = persist.data_fingerprint(rows, self.embedder.model_id)
        path = self.parts_path = persist.parts_path(key)
        try:
            self.__dict__.update(persist.load_parts(path, _PARTS))
            self.parts_message = f"fitted parts loaded from {path.name}"
            return
        except FileNotFoundError:
            note = ""
        except ModelError as exc:
            note = f" (rebuilt: the saved ones could not be used: {exc})"
        self._build(rows)
        if len(self.ctx.org_ids) <= NEIGHBOUR_LIMIT:  # saved with the parts: a new process's
            neighbour_matrix(self.ctx, np.arange(len(self.ctx.org_ids)))  # first list is fast
        saved = persist.save_parts(path, {name: getattr(self, name) for name in _PARTS}, key)
        self.parts_message = f"fitted parts built and saved to {saved.name}{note}"

    def _build(self, rows: dict) -> None:
        """Build every fitted part (:data:`_PARTS`) from the workspace's rows."""
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
        names_zh = [self.orgs[o].get("name_zh") or "" for o in ctx.org_ids]
        segments_zh = {r["segment_id"]: r["name_zh"] for r in rows["segments"] if r.get("name_zh")}
        self.explainer = Explainer(ctx, vectors, item_types, met, names_zh, segments_zh)
        self.explainer.unread = unread_texts([i.text for i in ctx.items], self.embedder)
        orgs = rows["organizations"]
        del rows, items, vectors  # 100,000 organisations: ~0.5 GB less before training
        self._org_rows = [self.orgs[o] for o in ctx.org_ids]
        n = len(ctx.org_ids)
        self.has_offer = np.asarray(ctx.offer_lex.getnnz(axis=1) > 0)
        self.has_need = np.asarray(ctx.need_lex.getnnz(axis=1) > 0)
        self.has_tech = np.zeros(n, dtype=bool)
        self.has_capital = np.zeros(n, dtype=bool)
        for item, kind in zip(ctx.items, item_types, strict=True):
            org = self.orgs[item.org_id]
            if item.side == "offer" and kind == "technology" and org["kind"] in TECH_KINDS:
                self.has_tech[ctx.index[item.org_id]] = True
            if item.side == "offer" and kind == "capital" and org["kind"] in FINANCE_KINDS:
                self.has_capital[ctx.index[item.org_id]] = True
        self.items = ItemTable(ctx, item_types)
        self._kinds = np.array(ctx.kinds)
        self.offers = VectorIndex(
            ctx.org_ids, ctx.org_ids, ctx.offer_vec, retrieval_lexical(ctx.offer_lex)
        )
        self.needs = VectorIndex(
            ctx.org_ids, ctx.org_ids, ctx.need_vec, retrieval_lexical(ctx.need_lex)
        )
        self.downstream = downstream_matrix(ctx.chain, ctx.segment_ids)
        sims = calibrate.need_offer_similarities(ctx, self.has_need, self.has_offer)
        self.text_floor, self.text_strong = calibrate.text_thresholds(sims)
        self.ranker, self.ranker_path = rank.workspace_ranker(
            self.ctx, self.embedder.model_id, orgs
        )

    # --- scoring ------------------------------------------------------------------

    def _org(self, org_id: str) -> int:
        if org_id not in self.ctx.index:
            raise NotFoundError(f"no organisation with org_id={org_id!r}")
        return self.ctx.index[org_id]

    def _candidates(self, a: int, direction: str, allowed: np.ndarray, pool: int) -> np.ndarray:
        """Row indices of the organisations worth scoring for ``a``."""
        ctx = self.ctx
        want_in = direction != "customers"
        want_out = direction in ("customers", "both")
        side = np.zeros(len(ctx.org_ids), dtype=bool)
        if want_in:
            side |= {"technology": self.has_tech, "finance": self.has_capital}.get(
                direction, self.has_offer
            )
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
            bonus = CHAIN_BONUS * row_max_times(ctx.offer_segments, ctx.need_reach[a])
            hits = self.offers.search(_row(vec, a), lex[a], pool, bonus, mask, own)
            found.update(ctx.index[c.org_id] for c in hits)
        if want_out:
            bonus = CHAIN_BONUS * row_max_times(ctx.need_reach, ctx.offer_segments[a])
            hits = self.needs.search(
                _row(ctx.offer_vec, a), ctx.offer_lex[a], pool, bonus, mask, own
            )
            found.update(ctx.index[c.org_id] for c in hits)
        adj = ctx.rel.binary
        two_hop = (adj[a] @ adj).indices if adj[a].nnz else np.zeros(0, dtype=np.int64)
        found.update(int(i) for i in two_hop if mask[i])
        return np.array(sorted(found), dtype=np.int64)

    def _evidence(self, a: int, cols: np.ndarray, direction: str, X: np.ndarray):
        """Per candidate: the evidence (0..1) that it supplies ``a`` and that it buys from
        ``a``, and the item group of the first (``X``: the pairs' features)."""
        segs = self.ctx.offer_segments
        mine, theirs = segs[a], segs[cols]
        below = np.asarray((theirs @ (mine @ self.downstream).T).todense()).ravel() > 0
        above = np.asarray((theirs @ (self.downstream @ mine.T)).todense()).ravel() > 0
        kinds = self._kinds
        peer = (np.asarray((theirs @ mine.T).todense()).ravel() > 0) & (kinds[cols] == kinds[a])
        known = np.asarray(self.ctx.rel.binary[a, cols].todense()).ravel() > 0
        groups = DIRECTION_GROUPS[direction]
        similar = self.explainer._similar
        zero = np.zeros(len(cols))
        t = (self.text_floor, self.text_strong)
        e_in = e_out = zero
        g_in = np.zeros(len(cols), dtype=np.int64)
        if direction != "customers":
            text, chain, joint, g_in = item_evidence(self.items, similar, a, cols, True, groups, *t)
            wrong = (chain <= 0) & ((X[:, FEATURES.index("chain_out")] > 0) | below)
            e_in = combine(text, joint, wrong, peer, known)
        if direction in ("customers", "both"):
            text, chain, joint, _ = item_evidence(self.items, similar, a, cols, False, groups, *t)
            wrong = (chain <= 0) & ((X[:, FEATURES.index("chain_in")] > 0) | above)
            e_out = combine(text, joint, wrong, peer, known)
        return e_in, e_out, g_in

    def _raw(self, X: np.ndarray, some: np.ndarray) -> np.ndarray:
        """The ranker's output on the pairs ``some`` (those with evidence in a direction); 0
        for the others, whose scores are ``value x 0`` whatever the value (so skipping them
        changes nothing)."""
        raw = np.zeros(len(X))
        if some.any():
            raw[some] = self.ranker.predict(X[some])
        return raw

    def _score(self, a: int, cols: np.ndarray, direction: str, X=None, raw=None, ev=None):
        """Per candidate: ``(direction, score, reciprocal, passes)`` before novelty, and the
        feature rows.

        ``passes`` is False when the evidence of the candidate's direction is below
        :data:`EVIDENCE_FLOOR` (a weak match: not shown unless asked for). Works on any
        array of candidate rows ``cols``. ``X`` (their features), ``ev`` (:meth:`_evidence`)
        and ``raw`` (:meth:`_raw`) may be given when computed for many organisations at
        once (:mod:`matchmaker.recommend.batch`).
        """
        if len(cols) == 0:
            return [], np.zeros((0, 0))
        cols = np.asarray(cols, dtype=np.int64)
        X = pair_features(self.ctx, a, cols) if X is None else X
        ev = self._evidence(a, cols, direction, X) if ev is None else ev
        raw = self._raw(X, (ev[0] > 0) | (ev[1] > 0)) if raw is None else raw
        value = raw if not self.ranker.fallback_ else raw / (1.0 + np.abs(raw))
        value = np.clip(value, 0.0, 1.0)
        e_in, e_out, g_in = ev
        s_in, s_out = value * e_in, value * e_out
        recip = np.where(s_in + s_out > 0, 2 * s_in * s_out / np.maximum(s_in + s_out, 1e-12), 0)
        if direction == "customers":
            dirs, score, evidence = ["customers"] * len(cols), s_out, e_out
        elif direction == "both":
            out = (s_out > s_in) | ((s_out == s_in) & ~self.has_offer[cols])
            dirs = [
                "customers" if o else GROUP_DIRECTION[max(g, 0)]
                for o, g in zip(out, g_in, strict=True)
            ]
            score, evidence = np.where(out, s_out, s_in), np.where(out, e_out, e_in)
        else:
            dirs, score, evidence = [direction] * len(cols), s_in, e_in
        passes = (evidence >= EVIDENCE_FLOOR) & (score >= SCORE_FLOOR)
        return list(zip(dirs, score, recip, passes, strict=True)), X

    def _ranked(
        self, org_id: str, direction: str, k: int, filters, weak: bool = False, block=None
    ) -> tuple[list[tuple], int]:
        """``(partner row, direction, score, reciprocal, features)`` after novelty, best
        first, at most :func:`pool_size` ``(k)``, filters applied; and how many weaker matches
        (below :data:`EVIDENCE_FLOOR` or :data:`SCORE_FLOOR`) were left out (``weak``:
        kept, unless their score rounds to 0.00). ``block``: this organisation's
        ``(candidates, features, ranker output, evidence)`` computed in a batch."""
        _check(direction, k)
        filters = check_filters(filters)
        a = self._org(org_id)
        if block is None:
            cols = self._candidates(
                a, direction, allowed_mask(self._org_rows, filters), pool_size(k)
            )
            scored, X = self._score(a, cols, direction)
        else:
            cols, X, raw, ev = block
            scored, X = self._score(a, cols, direction, X, raw, ev)
        novelty = self.novelty
        min_score = float(filters.get("min_score", 0.0))
        out, hidden = [], 0
        for pos, (b, (d, score, recip, passes)) in enumerate(zip(cols, scored, strict=True)):
            partner = self.ctx.org_ids[b]
            met, partners = self.explainer.known(org_id, partner)
            if met or partners:
                if novelty >= 1.0:
                    continue
                score *= 1.0 - novelty
            if score <= 0 or score < min_score:
                continue
            if (not passes or score < SCORE_FLOOR) and not (weak and round(score, 2) > 0):
                hidden += 1
                continue
            out.append((int(b), d, float(score), float(recip), X[pos]))
        out.sort(key=lambda r: (-r[2], self.ctx.org_ids[r[0]]))
        return out[: pool_size(k)], hidden

    def _diverse(self, org_id: str, entries: list[tuple], k: int) -> list[tuple]:
        """``entries`` spread over their partners' chain segments, cut to ``k``: each is
        ``(row, direction, shown score, reciprocal, features, pair score)``, sorted by the
        shown score (:func:`matchmaker.recommend.candidates.spread`)."""
        diversity = self.diversity
        if diversity == 0 or len(entries) <= 1:
            return [(*e, e[2]) for e in entries[:k]]
        entries = entries[: 3 * k]  # spreading looks this far down the list
        segments = [None] * len(entries)
        for d in {e[1] for e in entries}:
            pos = [i for i, e in enumerate(entries) if e[1] == d]
            partners = [self.ctx.org_ids[entries[i][0]] for i in pos]
            for i, seg in zip(
                pos, self.explainer.partner_segments(org_id, partners, d), strict=True
            ):
                segments[i] = seg
        keyed = [(i, e[2], segments[i]) for i, e in enumerate(entries)]
        out = []
        for i, shown in spread(keyed, k, diversity):
            b, d, score, recip, x = entries[i]
            if round(shown, 2) > 0:
                out.append((b, d, shown, recip, x, score))
        return out

    def _suggestions(self, org_id: str, entries: list[tuple], lang: str) -> list[Suggestion]:
        """Suggestions (with reasons) for ranked entries, item matches batched per direction."""
        found: list = [None] * len(entries)
        for d in {e[1] for e in entries}:
            pos = [i for i, e in enumerate(entries) if e[1] == d]
            partners = [self.ctx.org_ids[entries[i][0]] for i in pos]
            for i, m in zip(pos, self.explainer.matches(org_id, partners, d), strict=True):
                found[i] = m
        out = []
        for (b, d, score, recip, x, *value), m in zip(entries, found, strict=True):
            features = dict(zip(FEATURES, (float(v) for v in x), strict=True))
            partner = self.ctx.org_ids[b]
            out.append(
                self.explainer.suggestion(
                    org_id,
                    partner,
                    d,
                    score,
                    recip,
                    features,
                    found=m,
                    value=value[0] if value else score,
                    lang=lang,
                )
            )
        return out

    # --- public -------------------------------------------------------------------

    def recommend(
        self,
        org_id: str,
        direction: str = "both",
        k: int = 20,
        filters: Mapping | None = None,
        *,
        lang: str = "en",
        weak: bool = False,
    ) -> SuggestionList:
        """The ``k`` best partners for ``org_id``, with reasons, in the order of their scores.

        Only matches with enough evidence are shown (:data:`EVIDENCE_FLOOR`,
        :data:`SCORE_FLOOR`), so a list may be shorter than ``k``; its ``hidden`` attribute
        counts the weaker matches left out (``weak=True`` shows them too). The shown
        ``score`` is the one the list is sorted by; when spreading similar partners
        (setting ``diversity``) lowered it, ``value`` keeps the pair's own score.

        Parameters
        ----------
        org_id : str
        direction : {"suppliers", "customers", "technology", "finance", "both"}
        k : int
        filters : dict, optional
            See :func:`check_filters`.
        lang : {"en", "zh"}
            Language of the reason sentences.
        weak : bool
            Also show matches below the evidence floor (never a score that rounds to 0.00).

        Raises
        ------
        NotFoundError
            When ``org_id`` is not in the workspace.
        DataError
            On a bad direction, ``k``, language or filter.
        """
        self._require(org_id)
        _check(direction, k, lang)
        with one_thread():
            ranked, hidden = self._ranked(org_id, direction, k, filters, weak)
            found = self._suggestions(org_id, self._diverse(org_id, ranked, k), lang)
        return SuggestionList(visible_to(self.policy, found, lang), hidden=hidden, asked=k)

    def partners_many(
        self,
        org_ids: Iterable[str],
        direction: str = "both",
        k: int = 20,
        filters=None,
        *,
        lang: str = "en",
    ) -> dict[str, list[tuple]]:
        """``{org_id: [(partner_id, score, reason), ...]}``: the partners and scores of
        :meth:`recommend` for many organisations, ranked in one batch, each reason built
        only when read (:func:`matchmaker.recommend.batch.partners_many`)."""
        _check(direction, k, lang)
        return batch.partners_many(self, list(org_ids), direction, k, filters, lang)

    def recommend_all(
        self,
        k: int = 20,
        direction: str = "both",
        progress: bool = True,
        org_ids=None,
        *,
        lang: str = "en",
        engine: str = "local",
    ) -> dict[str, SuggestionList]:
        """Suggestions for every organisation (or ``org_ids``), with the exposure cap.

        No partner appears in more than ``max(1, floor(exposure_cap * lists))`` lists
        (setting ``exposure_cap``); strongest pairs keep their place (see
        :func:`matchmaker.recommend.candidates.cap_exposure`). Lists are then spread over
        chain segments and sorted by the shown score, as in :meth:`recommend`; weak matches
        are never shown. Ranking and explaining run in batches
        (:func:`matchmaker.recommend.batch.recommend_all`) on ``engine``: ``local`` (this
        process) or ``ray``; both give the same lists.
        """
        self._require(None)
        _check(direction, k, lang)
        check_engine(engine)
        ids = sorted(self.ctx.org_ids if org_ids is None else org_ids)
        return batch.recommend_all(self, ids, direction, k, lang, engine, progress)

    def pair_values(
        self, org_ids: Iterable[str], min_value: float = 0.0, *, lang: str = "en"
    ) -> list[PairValue]:
        """Every valuable supply/demand pair among ``org_ids``, best first.

        A pair is valuable when one side's offers meet the other's needs with enough
        evidence (the floors of :meth:`recommend`) and its value (the better direction's
        score, novelty applied) is above ``min_value``. ``lang``: language of the reasons.
        Ties break by ids.

        Raises
        ------
        NotFoundError
            When an id is not in the workspace.
        """
        self._require(None)
        _check("both", 1, lang)
        return batch.pair_values(self, sorted(set(org_ids)), min_value, lang)


def _row(matrix, i: int):
    return None if matrix is None else matrix[i : i + 1]
