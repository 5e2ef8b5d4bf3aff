"""What the pair scorers read: :class:`ScoringContext` and :func:`build_context`.

The context is built once from workspace rows (organisations, items, segments, chain
links, relations, deals; optionally an embedder) and holds every matrix the scorers in
:mod:`matchmaker.recommend.score` need. Organisations are rows ``0..n-1`` in ``org_ids`` order
(sorted
ids, so ties in any ranking break by id). The evaluation on chainkg builds the same
context type from the dataset (:mod:`matchmaker.ingest.chainkg`), so the product's ranker is the
same code in both places.

Relation-derived parts live in :class:`Relations`; :meth:`ScoringContext.with_relations`
swaps them (used to compute training features with a pair's own link held out).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matchmaker.errors import DataError
from matchmaker.recommend.chain import Chain, graded_pairs, relation_graph
from matchmaker.schema import item_text

__all__ = [
    "CHAIN_DEPTH",
    "ItemRef",
    "Relations",
    "ScoringContext",
    "build_context",
    "char_ngrams",
]

CHAIN_DEPTH = 3  # chain_in/chain_out look this many supply links upstream
CATEGORY_SMOOTHING = 1.0  # pseudo-count of the category-affinity estimate
COMMON_GRAMS = 0.2  # share of texts above which an n-gram is dropped (large workspaces)
MIN_DOCS_FOR_MAX_DF = 200


@dataclass(frozen=True)
class ItemRef:
    """One offer or need as the scorers see it."""

    item_id: str
    org_id: str
    side: str
    title: str
    segment: str | None
    text: str


@dataclass
class Relations:
    """Relation-graph matrices, all over the context's organisation rows.

    Attributes
    ----------
    pairs : dict
        ``{(a, b): grade}`` with ``a < b`` (see :func:`matchmaker.recommend.chain.graded_pairs`).
    graph : networkx.Graph
        Edges for pairs with grade > 0, ``weight`` = grade.
    binary : scipy.sparse.csr_matrix
        Symmetric 0/1 adjacency.
    degree, inv_degree, inv_log_degree : ndarray
        Partners per organisation; 1/degree and 1/log(degree) (0 where undefined).
    partner_centroid : scipy.sparse.csr_matrix
        L2-normalised grade-weighted sum of each organisation's partners' profile TF-IDF.
    category_affinity : ndarray
        ``P(category b | category a)`` among known pairs, smoothed towards the prior.
    """

    pairs: dict
    graph: nx.Graph
    binary: sp.csr_matrix
    degree: np.ndarray
    inv_degree: np.ndarray
    inv_log_degree: np.ndarray
    partner_centroid: sp.csr_matrix
    category_affinity: np.ndarray


@dataclass
class ScoringContext:
    """Everything the scorers need, as arrays over organisation rows.

    Attributes
    ----------
    org_ids : list of str
        Sorted organisation ids; row i is ``org_ids[i]``; ``index`` maps back.
    names, kinds : list of str
        Display name and kind of each organisation.
    items : list of ItemRef
        Every offer and need; ``org_items[org_id]`` lists its positions.
    vectorizer : TfidfVectorizer
        Character n-gram TF-IDF (:func:`char_ngrams`) fitted on the profiles and needs.
    profile_lex, offer_lex, need_lex : scipy.sparse.csr_matrix
        L2-normalised TF-IDF rows of each organisation's profile (names, description, offers),
        offers and needs (zero rows when empty).
    profile_vec, offer_vec, need_vec : ndarray or None
        L2-normalised embeddings of the same texts, when an embedder or vectors were given.
    chain : Chain
        The segment graph; ``segment_ids`` orders its segments.
    offer_segments : scipy.sparse.csr_matrix
        1 where an organisation offers an item in a segment.
    need_reach : scipy.sparse.csr_matrix
        ``1/(1+d)`` for each segment d links upstream of one of the organisation's needs.
    categories : scipy.sparse.csr_matrix
        Row-normalised membership of each organisation in its categories
        (``category_names``), used by ``category_affinity``.
    rel : Relations
        The known relations and deals.
    name_lex : scipy.sparse.csr_matrix
        L2-normalised TF-IDF of the names and region alone (same group, same city).
    neighbour_cache : dict
        Each organisation's most profile-similar organisations, filled on demand by
        :func:`matchmaker.recommend.features.neighbour_matrix`.
    """

    org_ids: list[str]
    index: dict[str, int]
    names: list[str]
    kinds: list[str]
    items: list[ItemRef]
    org_items: dict[str, list[int]]
    vectorizer: TfidfVectorizer
    profile_lex: sp.csr_matrix
    offer_lex: sp.csr_matrix
    need_lex: sp.csr_matrix
    profile_vec: np.ndarray | None
    offer_vec: np.ndarray | None
    need_vec: np.ndarray | None
    chain: Chain
    segment_ids: list[str]
    offer_segments: sp.csr_matrix
    need_reach: sp.csr_matrix
    categories: sp.csr_matrix
    category_names: list[str]
    rel: Relations
    neighbour_cache: dict = dataclasses.field(default_factory=dict)
    name_lex: sp.csr_matrix | None = None

    @functools.cached_property
    def profile_lex_t(self) -> sp.csr_matrix:
        """``profile_lex`` transposed, as CSR, computed once: the similarity products of
        :mod:`matchmaker.recommend.features` otherwise convert the whole matrix per call
        (~30 ms of a 75 ms query at 100,000 organisations)."""
        return self.profile_lex.T.tocsr()

    def with_relations(self, pairs: Mapping[tuple[str, str], float]) -> ScoringContext:
        """A copy whose relation graph holds only ``pairs`` (``{(a, b): grade}``)."""
        return dataclasses.replace(self, rel=_relations(self, dict(pairs)))

    def best_items(self, a: str, b: str) -> tuple[ItemRef, ItemRef, float] | None:
        """The best-matching (need of ``a``, offer of ``b``) item pair and its lexical
        cosine; None when either side has no such item."""
        needs = [self.items[i] for i in self.org_items.get(a, []) if self.items[i].side == "need"]
        offers = [self.items[i] for i in self.org_items.get(b, []) if self.items[i].side == "offer"]
        if not needs or not offers:
            return None
        m = self.vectorizer.transform([i.text for i in needs + offers])
        sims = (m[: len(needs)] @ m[len(needs) :].T).toarray()
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)  # first max: item order
        return needs[i], offers[j], float(sims[i, j])

    def chain_match(self, buyer: str, supplier: str) -> list[str] | None:
        """The shortest chain path (segment ids, upstream -> downstream) from one of
        ``supplier``'s offer segments to one of ``buyer``'s need segments, or None."""
        best = None
        for j in self.org_items.get(supplier, []):
            up = self.items[j].segment
            if self.items[j].side != "offer" or up not in self.chain:
                continue
            for i in self.org_items.get(buyer, []):
                down = self.items[i].segment
                if self.items[i].side != "need" or down not in self.chain:
                    continue
                path = self.chain.path(up, down)
                short = path is not None and len(path) - 1 <= CHAIN_DEPTH
                if short and (best is None or (len(path), path) < (len(best), best)):
                    best = path
        return best


def char_ngrams(text: str) -> list[str]:
    """Character 1- to 3-grams of each lower-cased word padded with one space (as
    scikit-learn's ``char_wb``), without the grams that are only spaces. Chinese text has
    no spaces, so a run of Chinese characters is one "word".

    >>> char_ngrams("ab")
    ['a', 'b', ' a', 'ab', 'b ', ' ab', 'ab ']
    """
    grams = []
    for word in text.lower().split():
        padded = f" {word} "
        for size in (1, 2, 3):
            grams += [padded[i : i + size] for i in range(len(padded) - size + 1)]
    return [g for g in grams if g.strip()]


def _org_text(org: Mapping) -> str:
    parts = [org.get("name") or "", org.get("name_zh") or "", org.get("description") or ""]
    return " ".join(p for p in parts if p)


def build_context(
    orgs: Iterable[Mapping],
    items: Iterable[Mapping] = (),
    segments: Iterable[Mapping] = (),
    chain_links: Iterable[Mapping] = (),
    relations: Iterable[Mapping] = (),
    deals: Iterable[Mapping] = (),
    embedder=None,
    vectors: Mapping[str, np.ndarray] | None = None,
    categories: Mapping[str, Iterable[str]] | None = None,
) -> ScoringContext:
    """Build the scoring context from workspace rows (dicts keyed by schema column names).

    Parameters
    ----------
    orgs, items, segments, chain_links, relations, deals : iterables of dict
        Rows as :meth:`matchmaker.store.database.Store.rows` returns them.
    embedder : Embedder, optional
        Encodes the profile, offer and need texts (see :mod:`matchmaker.recommend.embed`).
    vectors : dict, optional
        Precomputed ``{"profile"|"offer"|"need": array (n_orgs, dim)}`` in sorted org-id
        order, instead of ``embedder``; missing keys stay None.
    categories : dict, optional
        ``{org_id: category labels}`` for ``category_affinity``; default: the chain
        segments of the organisation's items.

    Raises
    ------
    DataError
        When an organisation id repeats, an item names an unknown organisation or a
        vectors array has the wrong number of rows.
    """
    orgs = sorted(orgs, key=lambda o: o["org_id"])
    org_ids = [o["org_id"] for o in orgs]
    if len(set(org_ids)) != len(org_ids):
        raise DataError("organisation ids repeat; each org_id must be unique")
    index = {o: i for i, o in enumerate(org_ids)}
    n = len(org_ids)
    refs: list[ItemRef] = []
    org_items: dict[str, list[int]] = {}
    for row in sorted(items, key=lambda r: r["item_id"]):
        if row["org_id"] not in index:
            raise DataError(f"item {row['item_id']!r}: unknown organisation {row['org_id']!r}")
        org_items.setdefault(row["org_id"], []).append(len(refs))
        refs.append(
            ItemRef(
                row["item_id"],
                row["org_id"],
                row["side"],
                row["title"],
                row.get("segment") or None,
                item_text(row),
            )
        )
    offer_txt = [
        " ".join(refs[i].text for i in org_items.get(o, []) if refs[i].side == "offer")
        for o in org_ids
    ]
    need_txt = [
        " ".join(refs[i].text for i in org_items.get(o, []) if refs[i].side == "need")
        for o in org_ids
    ]
    profile_txt = [f"{_org_text(o)} {t}".strip() for o, t in zip(orgs, offer_txt, strict=True)]
    docs = [t for t in profile_txt + need_txt if t] or ["-"]
    # In a large workspace, grams found in more than COMMON_GRAMS of the texts (such as
    # "Co., Ltd" or 股份有限公司) carry no signal and make every pair similar: dropped.
    max_df = COMMON_GRAMS if len(docs) >= MIN_DOCS_FOR_MAX_DF else 1.0
    vectorizer = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, max_df=max_df)
    vectorizer.fit(docs)
    name_txt = [" ".join(o.get(k) or "" for k in ("name", "name_zh", "region")) for o in orgs]
    texts = (profile_txt, offer_txt, need_txt, name_txt)
    lex = [normalize(vectorizer.transform(t)).tocsr() for t in texts]

    vecs = dict(vectors or {})
    if embedder is not None and not vecs:
        for key, texts in (("profile", profile_txt), ("offer", offer_txt), ("need", need_txt)):
            vecs[key] = _embed(embedder, texts)
    for key, arr in vecs.items():
        if arr is not None and len(arr) != n:
            raise DataError(f"vectors[{key!r}] has {len(arr)} rows; want one per org ({n})")

    seg_names = {s["segment_id"]: s.get("name") or s["segment_id"] for s in segments}
    chain = Chain(seg_names, [(c["upstream"], c["downstream"]) for c in chain_links])
    seg_ids = sorted(seg_names)
    seg_index = {s: i for i, s in enumerate(seg_ids)}
    offer_seg = sp.lil_matrix((n, len(seg_ids)))
    reach = sp.lil_matrix((n, len(seg_ids)))
    for o, positions in org_items.items():
        r = index[o]
        for p in positions:
            seg = refs[p].segment
            if seg not in seg_index:
                continue
            if refs[p].side == "offer":
                offer_seg[r, seg_index[seg]] = 1.0
            else:
                for up, d in chain.upstream_of(seg, CHAIN_DEPTH).items():
                    reach[r, seg_index[up]] = max(reach[r, seg_index[up]], 1.0 / (1 + d))

    if categories is None:
        categories = {
            o: {refs[p].segment for p in ps if refs[p].segment} for o, ps in org_items.items()
        }
    cat_names = sorted({c for cs in categories.values() for c in cs})
    cat_index = {c: i for i, c in enumerate(cat_names)}
    cat = sp.lil_matrix((n, len(cat_names)))
    for o, cs in categories.items():
        if o in index:
            for c in cs:
                cat[index[o], cat_index[c]] = 1.0
    ctx = ScoringContext(
        org_ids=org_ids,
        index=index,
        names=[o.get("name") or o["org_id"] for o in orgs],
        kinds=[o.get("kind") or "company" for o in orgs],
        items=refs,
        org_items=org_items,
        vectorizer=vectorizer,
        profile_lex=lex[0],
        offer_lex=lex[1],
        need_lex=lex[2],
        profile_vec=vecs.get("profile"),
        offer_vec=vecs.get("offer"),
        need_vec=vecs.get("need"),
        chain=chain,
        segment_ids=seg_ids,
        offer_segments=offer_seg.tocsr(),
        need_reach=reach.tocsr(),
        categories=_rownorm(cat.tocsr(), "l1"),
        category_names=cat_names,
        name_lex=lex[3],
        rel=None,  # type: ignore[arg-type]
    )
    ctx.rel = _relations(ctx, graded_pairs(relations, deals))
    return ctx


def _rownorm(m: sp.csr_matrix, norm: str = "l2") -> sp.csr_matrix:
    return normalize(m, norm=norm).tocsr() if m.shape[1] else m


def _embed(embedder, texts: list[str]) -> np.ndarray:
    present = [i for i, t in enumerate(texts) if t]
    out = np.zeros((len(texts), int(embedder.dim)), dtype=np.float32)
    if present:
        out[present] = embedder.encode([texts[i] for i in present])
    return out


def _relations(ctx: ScoringContext, pairs: dict) -> Relations:
    n = len(ctx.org_ids)
    graph = relation_graph(ctx.org_ids, pairs)
    rows, cols, grades = [], [], []
    for a, b, w in graph.edges(data="weight"):
        ia, ib = ctx.index[a], ctx.index[b]
        rows += [ia, ib]
        cols += [ib, ia]
        grades += [w, w]
    weighted = sp.csr_matrix((grades, (rows, cols)), shape=(n, n))
    binary = (weighted > 0).astype(np.float64).tocsr()
    degree = np.asarray(binary.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inv_degree = np.where(degree > 0, 1.0 / np.maximum(degree, 1), 0.0)
        inv_log = np.where(degree > 1, 1.0 / np.log(np.maximum(degree, 2)), 0.0)
    centroid = _rownorm((weighted @ ctx.profile_lex).tocsr())
    cat = ctx.categories
    counts = np.asarray((cat.T @ binary @ cat).todense())
    total = counts.sum()
    if total > 0:
        prior = counts.sum(axis=0) / total
        affinity = (counts + CATEGORY_SMOOTHING * prior) / (
            counts.sum(axis=1, keepdims=True) + CATEGORY_SMOOTHING
        )
    else:
        affinity = np.zeros_like(counts)
    return Relations(pairs, graph, binary, degree, inv_degree, inv_log, centroid, affinity)
