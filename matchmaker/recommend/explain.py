"""What a suggestion is and why: :class:`Suggestion`, :class:`PairValue` and the reason text.

Every suggestion carries its reason twice: as structured fields (the matched offer and need
items, the chain path from upstream to downstream segment, the similarity values, the
shared partners) and as one readable sentence built from those same fields by
:func:`reason_sentence`, so the two never disagree.

>>> s = Suggestion("B1", "S1", "suppliers", 0.8, partner_name="Cathode Co",
...     org_name="Battery Co", offer_title="NMC cathode powder",
...     need_title="cathode material", chain_path=("Cathode materials", "Battery cells"),
...     semantic_similarity=0.71, lexical_similarity=0.42)
>>> reason_sentence(s).split("; ")[1]
'chain path: Cathode materials -> Battery cells.'

The sentence is in English or Chinese (``lang``) and says how strong the match is
(:mod:`matchmaker.recommend.reasons`).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from sklearn.preprocessing import normalize

from matchmaker.ingest.files import escape_row
from matchmaker.recommend.evidence import DIRECTION_GROUPS, TYPE_GROUP
from matchmaker.recommend.reasons import LANGS, reason_sentence, strength

__all__ = [
    "DIRECTIONS",
    "LANGS",
    "SUGGESTION_COLUMNS",
    "Explainer",
    "PairValue",
    "Suggestion",
    "SuggestionList",
    "reason_sentence",
    "visible_to",
    "with_reason",
    "write_csv",
]

# suppliers: the partner's offers meet the organisation's needs; customers: the
# organisation's offers meet the partner's needs; technology: university/institute
# technology offers for the organisation's technology needs; finance: finance
# organisations' capital offers for its capital needs; both: every direction, each
# partner in its best one.
DIRECTIONS = ("suppliers", "customers", "technology", "finance", "both")


@dataclass(frozen=True)
class Suggestion:
    """One suggested partner for an organisation, with its reason.

    Attributes
    ----------
    org_id, partner_id : str
        The organisation the list is for, and the suggested partner.
    direction : str
        ``suppliers`` (partner supplies org), ``customers`` (org supplies partner),
        ``technology`` (partner has a technology for org's technology need) or ``finance``
        (partner is a finance organisation with capital for org's capital need).
    score : float
        The score the list is sorted by, 0..1: the pair's score after novelty
        down-weighting and after spreading similar partners (setting ``diversity``).
    reciprocal_score : float
        0..1, high only when both sides benefit: the harmonic mean of the pair's score in
        each direction (partner for org's needs, org for partner's needs).
    offer_item_id, offer_title, need_item_id, need_title : str or None
        The best-matching offer (supplier side) and need (buyer side).
    chain_path : tuple of str
        Segment names upstream -> downstream: from the offer's segment through the need's
        segment on to the buyer's own segment (that of its offers nearest downstream of the
        need's, when one is); empty when no chain path links offer and need.
    chain_distance : int or None
        Supply links along ``chain_path``; None when there is no path.
    segment, segment_name : str or None
        Id and display name of the partner's matched item's segment (its offer for
        suppliers and technology, its need for customers).
    semantic_similarity, lexical_similarity : float
        Cosine similarity of the matched items' embeddings and of their character n-gram
        TF-IDF vectors.
    shared_partners : tuple of str
        Ids of organisations both already work with (relations, deals).
    shared_partner_names : tuple of str
        Their names, in the same order.
    already_met, already_partners : bool
        A meeting was held or accepted between them; they have a relation or a live deal.
    features : dict
        The scorer features of the (buyer, supplier) pair, by feature name.
    reason : str
        One readable sentence built from the fields above, in the language asked for.
    value : float
        The pair's score before spreading similar partners (equal to ``score`` unless
        spreading lowered it).
    strength : str
        How strong the match is: ``close``, ``partial``, ``chain`` (only the chain links
        them) or ``weak`` (see :func:`matchmaker.recommend.reasons.strength`).
    org_name_zh, partner_name_zh, segment_name_zh : str
        Chinese names where the workspace has them ("" otherwise).
    chain_path_zh : tuple of str
        ``chain_path`` with Chinese segment names where known.
    """

    org_id: str
    partner_id: str
    direction: str
    score: float
    reciprocal_score: float = 0.0
    org_name: str = ""
    partner_name: str = ""
    partner_kind: str = ""
    offer_item_id: str | None = None
    offer_title: str | None = None
    need_item_id: str | None = None
    need_title: str | None = None
    chain_path: tuple[str, ...] = ()
    chain_distance: int | None = None
    segment: str | None = None
    segment_name: str | None = None
    semantic_similarity: float = 0.0
    lexical_similarity: float = 0.0
    shared_partners: tuple[str, ...] = ()
    shared_partner_names: tuple[str, ...] = ()
    already_met: bool = False
    already_partners: bool = False
    features: dict = field(default_factory=dict, compare=False)
    reason: str = ""
    value: float = 0.0
    strength: str = ""
    org_name_zh: str = ""
    partner_name_zh: str = ""
    segment_name_zh: str = ""
    chain_path_zh: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (tuples become lists); the keys of ``--format json``."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
            elif isinstance(value, float):
                out[key] = round(value, 6)
        out["features"] = {k: round(float(v), 6) for k, v in self.features.items()}
        return out

    def to_row(self) -> dict:
        """One flat CSV row (lists joined with `` -> `` for the path, ``;`` otherwise)."""
        d = self.to_dict()
        d["chain_path"] = " -> ".join(self.chain_path)
        d["shared_partners"] = ";".join(self.shared_partners)
        d["shared_partner_names"] = ";".join(self.shared_partner_names)
        d.pop("features")
        return {c: d[c] for c in SUGGESTION_COLUMNS}


SUGGESTION_COLUMNS = (
    "org_id",
    "partner_id",
    "direction",
    "score",
    "reciprocal_score",
    "org_name",
    "partner_name",
    "partner_kind",
    "offer_item_id",
    "offer_title",
    "need_item_id",
    "need_title",
    "chain_path",
    "chain_distance",
    "segment",
    "segment_name",
    "semantic_similarity",
    "lexical_similarity",
    "shared_partners",
    "shared_partner_names",
    "already_met",
    "already_partners",
    "reason",
    "value",
    "strength",
)


@dataclass(frozen=True, order=True)
class PairValue:
    """How valuable a meeting between two organisations is, and why.

    ``a < b`` (ids); ``value`` in 0..1; ``reason`` is the sentence of the better direction.
    """

    a: str
    b: str
    value: float
    reason: str


class SuggestionList(list):
    """A list of :class:`Suggestion` that also says what was left out.

    Attributes
    ----------
    hidden : int
        Weaker matches not shown (below the evidence floor).
    asked : int
        How many suggestions were asked for.
    """

    def __init__(self, items=(), hidden: int = 0, asked: int = 0):
        super().__init__(items)
        self.hidden = hidden
        self.asked = asked

    @property
    def short(self) -> bool:
        """True when fewer than asked are shown because weaker ones were hidden."""
        return len(self) < self.asked and self.hidden > 0


def with_reason(s: Suggestion, lang: str = "en") -> Suggestion:
    """``s`` with its ``strength`` and ``reason`` (in ``lang``) filled in from its fields."""
    s = replace(s, strength=strength(s))
    return replace(s, reason=reason_sentence(s, lang))


class Explainer:
    """Builds the structured reason of a (buyer, supplier) pair from the scoring context.

    Parameters
    ----------
    ctx : matchmaker.recommend.score.ScoringContext
        The workspace's scoring context.
    item_vectors : np.ndarray
        L2-normalised embedding of each ``ctx.items`` entry, same order.
    item_types : sequence of str
        The ``type`` of each ``ctx.items`` entry (product, technology, ...).
    met : set of frozenset
        Pairs of organisation ids that already met.
    names_zh : sequence of str, optional
        Chinese name of each organisation in ``ctx.org_ids`` order ("" where none).
    segment_names_zh : dict, optional
        ``{segment_id: Chinese name}`` where known.
    """

    def __init__(
        self, ctx, item_vectors, item_types, met=frozenset(), names_zh=None, segment_names_zh=None
    ):
        self.ctx = ctx
        self.names_zh = list(names_zh) if names_zh is not None else [""] * len(ctx.org_ids)
        self.segment_names_zh = dict(segment_names_zh or {})
        # float16 halves the memory (100,000 organisations: ~150 MB); products are in float32
        self.item_vectors = np.asarray(item_vectors, dtype=np.float16)
        self.item_types = list(item_types)
        self.item_groups = np.array([TYPE_GROUP.get(t, 0) for t in self.item_types])
        self.unread = None  # bool per item, set by the recommender (see reads_chinese)
        self.met = met
        texts = [item.text for item in ctx.items] or [""]
        self.item_lex = normalize(ctx.vectorizer.transform(texts)).tocsr()[: len(ctx.items)]

    def _similar(self, left: list[int], right: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Semantic and lexical cosine of items ``left`` x items ``right``."""
        vectors = self.item_vectors
        sem = np.clip(vectors[left].astype(np.float32) @ vectors[right].astype(np.float32).T, -1, 1)
        if self.unread is not None:  # texts the model cannot read: no semantic similarity
            sem = np.where(self.unread[left][:, None] | self.unread[right][None, :], 0.0, sem)
        lex = (self.item_lex[left] @ self.item_lex[right].T).toarray()
        return sem, lex

    def matches(self, org_id: str, partners: list[str], direction: str) -> list:
        """Per partner, its best item pair with ``org_id`` in ``direction``, or None.

        Each match is ``(need_pos, offer_pos, semantic, lexical)`` (positions in
        ``ctx.items``): the partner's item that best matches any of the organisation's
        items of the other side (larger of semantic and lexical cosine; ties by item order),
        and the organisation's item it matches best. One batched product for all partners.
        """
        groups = DIRECTION_GROUPS[direction]
        customers = direction == "customers"
        if customers:
            mine = self._side(org_id, "offer", groups)
            theirs = [self._side(p, "need", groups) for p in partners]
        else:
            mine = self._side(org_id, "need", groups)
            theirs = [self._side(p, "offer", groups) for p in partners]
        flat = [pos for group in theirs for pos in group]
        if not mine or not flat:
            return [None] * len(partners)
        sem, lex = self._similar(mine, flat)
        kinds = self.item_groups
        same = kinds[mine][:, None] == kinds[flat][None, :]
        best = np.where(same, np.maximum(sem, lex), -np.inf)
        out, start = [], 0
        for group in theirs:
            if not group:
                out.append(None)
                continue
            block = best[:, start : start + len(group)]
            if not np.isfinite(block.max()):  # no item of a fitting kind
                out.append(None)
                start += len(group)
                continue
            j = int(np.argmax(block.max(axis=0)))
            i = int(np.argmax(block[:, j]))
            col = start + j
            mine_pos, their_pos = mine[i], group[j]
            need, offer = (their_pos, mine_pos) if customers else (mine_pos, their_pos)
            out.append((need, offer, float(sem[i, col]), float(lex[i, col])))
            start += len(group)
        return out

    def partner_segments(self, org_id: str, partners: list[str], direction: str) -> list:
        """Per partner, the segment of its matched item (its offer for suppliers and
        technology, its need for customers); None when nothing matches."""
        side = 0 if direction == "customers" else 1
        return [
            None if m is None else self.ctx.items[m[side]].segment
            for m in self.matches(org_id, partners, direction)
        ]

    def _side(self, org: str, side: str, groups=None) -> list[int]:
        """Positions of ``org``'s items on ``side`` whose type is in ``groups``
        (:data:`matchmaker.recommend.evidence.GROUPS` indices; None: all)."""
        return [
            p
            for p in self.ctx.org_items.get(org, [])
            if self.ctx.items[p].side == side
            and (groups is None or TYPE_GROUP.get(self.item_types[p], 0) in groups)
        ]

    def chain_path(self, buyer: str, supplier: str, need_pos=None, offer_pos=None):
        """Segment ids upstream -> downstream: from the matched offer's segment to the
        matched need's segment when linked, else the shortest path between any of the
        supplier's offer segments and the buyer's need segments; then on to the buyer's
        own segment (see :meth:`to_buyer`); () when none."""
        chain, path = self.ctx.chain, None
        if need_pos is not None and offer_pos is not None:
            up, down = self.ctx.items[offer_pos].segment, self.ctx.items[need_pos].segment
            if up in chain and down in chain:
                path = chain.path(up, down)
        path = path or self.ctx.chain_match(buyer, supplier)
        return self.to_buyer(buyer, path) if path else ()

    def to_buyer(self, buyer: str, path) -> tuple[str, ...]:
        """``path`` continued from its last segment (the need's) to the nearest of the
        buyer's offer segments downstream of it (shortest, then first by ids): the BMS a
        pack maker needs reads "Battery management systems -> Battery packs". Unchanged
        when the need is in one of the buyer's own segments or none is downstream."""
        chain, last = self.ctx.chain, path[-1]
        best = None
        for pos in self.ctx.org_items.get(buyer, []):
            item = self.ctx.items[pos]
            if item.side != "offer" or item.segment not in chain:
                continue
            ahead = chain.path(last, item.segment)
            if ahead and (best is None or (len(ahead), ahead) < (len(best), best)):
                best = ahead
        return tuple(path) + tuple(best[1:] if best else ())

    def shared_partners(self, a: str, b: str) -> tuple[str, ...]:
        """Ids of organisations both ``a`` and ``b`` already work with, sorted."""
        graph = self.ctx.rel.graph
        if a not in graph or b not in graph:
            return ()
        return tuple(sorted(set(graph[a]) & set(graph[b])))

    def known(self, a: str, b: str) -> tuple[bool, bool]:
        """``(already_met, already_partners)`` of a pair."""
        key = (a, b) if a < b else (b, a)
        return frozenset(key) in self.met, self.ctx.rel.pairs.get(key, 0.0) > 0

    def suggestion(
        self,
        org_id,
        partner_id,
        direction,
        score,
        reciprocal,
        features=None,
        found=False,
        value=None,
        lang="en",
    ):
        """The full :class:`Suggestion`, reason sentence (in ``lang``) included.

        ``found`` is the pair's entry of :meth:`matches` when already computed; ``value``
        the pair's score before spreading (default ``score``).
        """
        ctx = self.ctx
        buyer, supplier = (partner_id, org_id) if direction == "customers" else (org_id, partner_id)
        if found is False:
            found = self.matches(org_id, [partner_id], direction)[0]
        need_pos, offer_pos, sem, lex = found if found else (None, None, 0.0, 0.0)
        path = self.chain_path(buyer, supplier, need_pos, offer_pos)
        shared = self.shared_partners(org_id, partner_id)
        met, partners = self.known(org_id, partner_id)
        offer = ctx.items[offer_pos] if offer_pos is not None else None
        need = ctx.items[need_pos] if need_pos is not None else None
        name = ctx.names
        seg = (need if direction == "customers" else offer).segment if found else None
        s = Suggestion(
            org_id=org_id,
            partner_id=partner_id,
            direction=direction,
            score=float(score),
            reciprocal_score=float(reciprocal),
            org_name=name[ctx.index[org_id]],
            partner_name=name[ctx.index[partner_id]],
            partner_kind=ctx.kinds[ctx.index[partner_id]],
            offer_item_id=offer.item_id if offer else None,
            offer_title=offer.title if offer else None,
            need_item_id=need.item_id if need else None,
            need_title=need.title if need else None,
            chain_path=tuple(ctx.chain.name(s) for s in path),
            chain_distance=len(path) - 1 if path else None,
            segment=seg,
            segment_name=ctx.chain.name(seg) if seg in ctx.chain else None,
            semantic_similarity=sem,
            lexical_similarity=lex,
            shared_partners=shared,
            shared_partner_names=tuple(name[ctx.index[p]] for p in shared),
            already_met=met,
            already_partners=partners,
            features=dict(features or {}),
            value=float(score if value is None else value),
            org_name_zh=self.names_zh[ctx.index[org_id]],
            partner_name_zh=self.names_zh[ctx.index[partner_id]],
            segment_name_zh=self.segment_names_zh.get(seg, ""),
            chain_path_zh=tuple(self.segment_names_zh.get(s) or ctx.chain.name(s) for s in path),
        )
        return with_reason(s, lang)


def write_csv(lists: dict, path) -> int:
    """Write ``{org_id: [Suggestion, ...]}`` to a CSV file, one row per suggestion.

    Columns: ``rank`` (1 = best in its list) then :data:`SUGGESTION_COLUMNS`. Returns the
    number of rows written.
    """
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=("rank", *SUGGESTION_COLUMNS))
        writer.writeheader()
        for org_id in sorted(lists):
            for rank, s in enumerate(lists[org_id], start=1):
                writer.writerow(escape_row({"rank": rank, **s.to_row()}))
                rows += 1
    return rows


def visible_to(policy, found: list[Suggestion], lang: str = "en") -> list[Suggestion]:
    """Suggestions as the user of ``policy`` may see them.

    A company never reads another organisation's need text (a customer's need), nor whom
    else its partner works with; asking for another organisation's suggestions is refused.
    ``policy=None`` (the operator) and full roles see everything. Reasons are rebuilt in
    ``lang``.

    Raises
    ------
    PermissionDenied
        When a company user's list holds suggestions for another organisation.
    """
    if policy is None or policy.org is None:
        return list(found)
    out = []
    for s in found:
        policy.require_org(s.org_id, "suggestions")
        hide_need = s.direction == "customers"
        s = replace(
            s,
            need_item_id=None if hide_need else s.need_item_id,
            need_title=None if hide_need else s.need_title,
            shared_partners=(),
            shared_partner_names=(),
        )
        out.append(with_reason(s, lang))
    return out
