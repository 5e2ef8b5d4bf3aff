"""Evaluation on real supplier links: metrics as pure functions, baselines, the harness.

Metrics (Microsoft Recommenders style: a ranking in, a float out) take ``ranked``, the
candidates of one query best first, and ``relevant``, the held-out partners of the query:

* :func:`recall_at_k` -- share of the relevant found in the top ``k``; [0, 1].
* :func:`reciprocal_rank` -- 1 / rank of the first relevant; [0, 1] (0: none ranked).
* :func:`auc` -- probability that a random relevant candidate is ranked above a random
  irrelevant one; [0, 1], NaN when there is no relevant or no irrelevant candidate.

:func:`evaluate_links` runs one train/test split, :func:`cross_validate` k folds over one
file; both score the product's ranker (:mod:`matchmaker.recommend.rank` over
:mod:`matchmaker.recommend.score`, trained on the training pairs only) against the baselines of
:data:`METHODS`. The test pairs are read only to pick the query companies and to score.

>>> recall_at_k(["b", "c", "d"], {"c", "x"}, k=2)
0.5
>>> reciprocal_rank(["b", "c", "d"], {"c"})
0.5
"""

from __future__ import annotations

import csv
import dataclasses
import sys
import time
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker import config
from matchmaker.errors import DataError
from matchmaker.ingest.chainkg import ChainKG, load_chainkg, workspace_rows
from matchmaker.recommend.context import ScoringContext, build_context, char_ngrams
from matchmaker.recommend.embed import TRAINED, CachedEmbedder, bundled_embedder, load_embedder
from matchmaker.recommend.rank import PairRanker, training_data
from matchmaker.recommend.score import FEATURES, feature_rows
from matchmaker.recommend.train_embed import TrainParams
from matchmaker.recommend.trained_links import company_texts, split_vectors
from matchmaker.store.database import Store

__all__ = [
    "LINK_COLUMNS",
    "METHODS",
    "METRICS",
    "RECS_COLUMNS",
    "auc",
    "cached_embedder",
    "cross_validate",
    "default_chainkg",
    "default_pairs",
    "evaluate_links",
    "read_links",
    "recall_at_k",
    "reciprocal_rank",
]

LINK_COLUMNS = ("code_a", "name_a", "code_b", "name_b")
RECS_COLUMNS = ("query", "candidate", "rank", "score")
METHODS = (
    "ranker",
    "random",
    "popularity",
    "tfidf",
    "embedding",
    "embedding_trained",
    "adamic_adar",
)
METRICS = ("recall_at_10", "recall_at_50", "mrr", "auc", "queries")
_QUERY_BLOCK = 64
CANDIDATES = 300  # candidates per query the learned ranker rescores (see _two_stage)


# --- metrics: pure functions -------------------------------------------------------


def _hits(ranked: Sequence, relevant: Collection) -> np.ndarray:
    ranked = np.asarray(ranked)
    if len(ranked) == 0 or len(relevant) == 0:
        return np.zeros(len(ranked), dtype=bool)
    return np.isin(ranked, np.asarray(list(relevant)))


def recall_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """Share of ``relevant`` among the first ``k`` of ``ranked``; in [0, 1] (0 when
    ``relevant`` is empty)."""
    if not relevant:
        return 0.0
    return float(_hits(ranked[:k], relevant).sum()) / len(set(relevant))


def reciprocal_rank(ranked: Sequence, relevant: Collection) -> float:
    """1 / (1-based rank of the first relevant item in ``ranked``); 0 when none is ranked."""
    hit = np.flatnonzero(_hits(ranked, relevant))
    return 1.0 / (hit[0] + 1) if len(hit) else 0.0


def auc(ranked: Sequence, relevant: Collection) -> float:
    """Share of (relevant, irrelevant) pairs of ``ranked`` in which the relevant one comes
    first; in [0, 1]; NaN when ``ranked`` has no relevant or no irrelevant item."""
    hits = _hits(ranked, relevant)
    n_rel = int(hits.sum())
    n_irr = len(hits) - n_rel
    if n_rel == 0 or n_irr == 0:
        return float("nan")
    irrelevant_below = np.cumsum((~hits)[::-1])[::-1]  # irrelevant at or after each position
    return float(irrelevant_below[hits].sum()) / (n_rel * n_irr)


# --- inputs -------------------------------------------------------------------------


def default_chainkg(datasets_dir: str | Path | None = None) -> Path:
    """``<datasets_dir>/chainkg``; ``datasets_dir`` defaults to the ``datasets_dir`` setting
    (``../shared/datasets``, relative to the project's root)."""
    return _datasets(datasets_dir) / "chainkg"


def default_pairs(datasets_dir: str | Path | None = None) -> Path:
    """``<datasets_dir>/supplier_links/links_dev.csv`` (see :func:`default_chainkg`)."""
    return _datasets(datasets_dir) / "supplier_links" / "links_dev.csv"


def _datasets(datasets_dir: str | Path | None) -> Path:
    return config.project_path(str(datasets_dir or config.get("datasets_dir")))


def read_links(path: str | Path) -> list[tuple[str, str]]:
    """Undirected pairs of a ``code_a,name_a,code_b,name_b`` CSV, as sorted
    ``(code, code)`` tuples, without repeats or self-pairs, in file order.

    Raises
    ------
    DataError
        When the file is missing or lacks one of the columns.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"link file {path} does not exist")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in LINK_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(
                f"{path}: missing column(s) {', '.join(missing)}; want {','.join(LINK_COLUMNS)}"
            )
        seen: dict[tuple[str, str], None] = {}
        for row in reader:
            a, b = row["code_a"].strip().zfill(6), row["code_b"].strip().zfill(6)
            if a != b:
                seen[(a, b) if a < b else (b, a)] = None
    return list(seen)


def cached_embedder():
    """The configured embedding model behind a vector cache in
    ``<models_dir>/evaluate-embeddings.db``, so a rerun embeds nothing."""
    import torch

    # One thread: on a 2-core machine shared with other work, torch's threads waiting on
    # each other made embedding about 3x slower than a single thread.
    torch.set_num_threads(1)
    path = config.project_path(config.get("models_dir")) / "evaluate-embeddings.db"
    store = Store(f"sqlite:///{path}")
    store.init()
    # the `embedding` baseline: a model path, or the bundled model (a trained one is
    # `embedding_trained`, trained per split on its training links only)
    trained = config.get("embedding_model") == TRAINED
    return CachedEmbedder(bundled_embedder() if trained else load_embedder(), store)


def _log(message: str) -> None:
    print(f"[evaluate] {message}", file=sys.stderr, flush=True)


# --- the harness --------------------------------------------------------------------


class _Data:
    """The split-independent part: context without relations, baseline texts, vectors."""

    def __init__(self, kg: ChainKG, embedder=None, trained: TrainParams | None = None):
        rows = workspace_rows(kg)
        codes = [o["org_id"] for o in rows["orgs"]]
        self.kg, self.trained = kg, trained
        self.texts = company_texts(kg, codes, rows["items"]) if trained is not None else None
        vectors = None
        if embedder is not None:
            _log(f"embedding {len(codes)} company texts with {embedder.model_id}")
            vectors = {"profile": embedder.encode([kg.short_text(c) for c in codes], True)}
        self.ctx: ScoringContext = build_context(
            rows["orgs"],
            rows["items"],
            rows["segments"],
            rows["chain_links"],
            vectors=vectors,
            categories=rows["categories"],
        )
        assert self.ctx.org_ids == codes
        tfidf = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True)
        self.text_lex = tfidf.fit_transform([kg.text(c) for c in codes]).tocsr()
        self.vectors = None if vectors is None else vectors["profile"]


def _known(ctx: ScoringContext, pairs) -> list[tuple[str, str]]:
    return [(a, b) for a, b in pairs if a in ctx.index and b in ctx.index]


def _scores(method, data: _Data, ctx, ranker, rows, rng, trained=None) -> np.ndarray:
    """Scores of every company (columns) for the query rows."""
    n = len(ctx.org_ids)
    if method == "ranker":
        return _two_stage(ctx, ranker, rows)
    if method == "random":
        return rng.random((len(rows), n))
    if method == "popularity":
        return np.repeat(ctx.rel.degree[None, :], len(rows), axis=0)
    if method == "tfidf":
        return (data.text_lex[rows] @ data.text_lex.T).toarray()
    if method == "embedding":
        return data.vectors[rows] @ data.vectors.T
    if method == "embedding_trained":
        return trained[rows] @ trained.T
    if method == "adamic_adar":
        return feature_rows(ctx, "adamic_adar", rows)
    raise DataError(f"unknown method {method!r}; known: {', '.join(METHODS)}")


def _two_stage(ctx, rankers, rows) -> np.ndarray:
    """Stage 1: the logistic ranker scores every candidate (cheap); stage 2: the learned
    ranker rescores the best :data:`CANDIDATES` of each query, which are then placed
    above all others (``1 + score``)."""
    first, second = rankers
    n = len(ctx.org_ids)
    X = np.stack([feature_rows(ctx, f, rows) for f in FEATURES], axis=-1)
    scores = first.predict(X.reshape(-1, len(FEATURES))).reshape(len(rows), n)
    k = min(CANDIDATES, n)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    picked = X[np.arange(len(rows))[:, None], top].reshape(-1, len(FEATURES))
    np.put_along_axis(scores, top, 1.0 + second.predict(picked).reshape(len(rows), k), axis=1)
    return scores


def _fit(ctx, seed):
    X, y, _ = training_data(ctx, negatives=10, folds=4, random_state=seed)
    first = PairRanker(model="logistic", random_state=seed).fit(X, y)
    second = PairRanker(random_state=seed).fit(X, y)
    return first, second


def _run_split(data: _Data, train, test, top: int, seed: int, methods, recs_path=None):
    ctx = data.ctx.with_relations({p: 3.0 for p in _known(data.ctx, train)})
    trained = None
    if data.trained is not None:
        # never the test links: the baseline's model is trained with the split's training
        # links; the ranker's semantic features come from the chain model (no link at all),
        # so a training pair's feature was not fitted to that very pair
        models = split_vectors(data.kg, data.texts, _known(ctx, train), data.trained)
        trained, vecs = models["links"]["profile"], models["chain"]
        ctx = dataclasses.replace(
            ctx, profile_vec=vecs["profile"], offer_vec=vecs["offer"], need_vec=vecs["need"]
        )
    t0 = time.time()
    rankers = _fit(ctx, seed)
    ranker = rankers[1]
    _log(f"{ranker.message_} ({time.time() - t0:.1f}s)")
    partners = {i: set() for i in range(len(ctx.org_ids))}
    for a, b in ctx.rel.pairs:
        partners[ctx.index[a]].add(ctx.index[b])
        partners[ctx.index[b]].add(ctx.index[a])
    relevant: dict[int, set[int]] = {}
    for a, b in _known(ctx, test):
        ia, ib = ctx.index[a], ctx.index[b]
        if ib not in partners[ia]:
            relevant.setdefault(ia, set()).add(ib)
            relevant.setdefault(ib, set()).add(ia)
    queries = np.array(sorted(relevant), dtype=np.int64)
    _log(f"{len(queries)} query companies, {len(ctx.rel.pairs)} training pairs")
    per: dict[str, dict[str, list]] = {m: {k: [] for k in METRICS[:-1]} for m in methods}
    rng = np.random.default_rng(seed)
    recs = []
    ids = np.asarray(ctx.org_ids)
    for start in range(0, len(queries), _QUERY_BLOCK):
        rows = queries[start : start + _QUERY_BLOCK]
        for method in methods:
            scores = _scores(method, data, ctx, rankers, rows, rng, trained)
            for r, q in enumerate(rows):
                s = scores[r].astype(np.float64)
                s[q] = -np.inf
                s[list(partners[q])] = -np.inf
                order = np.argsort(-s, kind="stable")[: len(s) - 1 - len(partners[q])]
                rel = relevant[q]
                m = per[method]
                m["recall_at_10"].append(recall_at_k(order, rel, 10))
                m["recall_at_50"].append(recall_at_k(order, rel, 50))
                m["mrr"].append(reciprocal_rank(order, rel))
                m["auc"].append(auc(order, rel))
                if method == "ranker" and recs_path is not None:
                    recs += [(ids[q], ids[c], i + 1, s[c]) for i, c in enumerate(order[:top])]
        _log(f"scored {min(start + _QUERY_BLOCK, len(queries))}/{len(queries)} queries")
    if recs_path is not None:
        with Path(recs_path).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(RECS_COLUMNS)
            w.writerows((q, c, r, f"{s:.6f}") for q, c, r, s in recs)
    result = {m: {k: _mean(v) for k, v in per[m].items()} for m in methods}
    for m in methods:
        result[m]["queries"] = len(queries)
    return result, ranker


def _mean(values: list[float]) -> float | None:
    """Mean without NaNs (queries whose AUC is undefined); None when nothing is left."""
    kept = [v for v in values if not np.isnan(v)]
    return float(np.mean(kept)) if kept else None


def _spread(values: list) -> dict:
    kept = [v for v in values if v is not None]
    if not kept:
        return {"mean": None, "std": None}
    return {"mean": float(np.mean(kept)), "std": float(np.std(kept))}


def _methods(data: _Data) -> list[str]:
    """:data:`METHODS` less the baselines whose model is not in this run."""
    off = {"embedding"} if data.vectors is None else set()
    if data.trained is None:
        off.add("embedding_trained")
    return [m for m in METHODS if m not in off]


def _setup(chainkg, embedder, trained):
    t0 = time.time()
    kg = load_chainkg(chainkg)
    data = _Data(kg, embedder, trained)
    _log(f"loaded {len(kg.companies)} companies from {chainkg} ({time.time() - t0:.1f}s)")
    return data


def evaluate_links(
    train: str | Path,
    test: str | Path,
    chainkg: str | Path | None = None,
    top: int = 100,
    out: str | Path | None = None,
    embedder=None,
    seed: int = 0,
    trained: TrainParams | None = None,
) -> dict:
    """One train/test split: train on ``train``, rank for every company in ``test``.

    For each company that appears in ``test`` every other company is ranked, except itself
    and its ``train`` partners; the ranker's top ``top`` go to ``out``
    (``query,candidate,rank,score``). Without ``embedder`` the ``embedding`` baseline (the
    bundled model) is left out. With ``trained`` (training parameters) two text models are
    trained (:func:`matchmaker.recommend.trained_links.split_vectors`): one with the
    ``train`` links (never ``test``), reported as ``embedding_trained``, and one on the
    chain alone, whose company, offer and need vectors are the ranker's semantic features
    (without ``trained``: the bundled model's company vectors).

    Returns
    -------
    dict
        ``{"methods": {method: {"recall_at_10", "recall_at_50", "mrr", "auc", "queries"}},
        "ranker": {...}, "split": {...}, "seconds": float}``
    """
    if top < 1:
        raise DataError(f"--top {top}: must be at least 1")
    t0 = time.time()
    data = _setup(chainkg or default_chainkg(), embedder, trained)
    train_pairs, test_pairs = read_links(train), read_links(test)
    methods = _methods(data)
    result, ranker = _run_split(data, train_pairs, test_pairs, top, seed, methods, out)
    return {
        "methods": result,
        "ranker": _ranker_info(ranker),
        "split": {
            "train_pairs": len(train_pairs),
            "test_pairs": len(test_pairs),
            "companies": len(data.ctx.org_ids),
            "unknown_pairs": len(train_pairs)
            + len(test_pairs)
            - len(_known(data.ctx, train_pairs))
            - len(_known(data.ctx, test_pairs)),
        },
        "seconds": round(time.time() - t0, 1),
    }


def cross_validate(
    pairs: str | Path | None = None,
    chainkg: str | Path | None = None,
    folds: int = 5,
    embedder=None,
    seed: int = 0,
    trained: TrainParams | None = None,
) -> dict:
    """``folds``-fold cross-validation over the one link file ``pairs``.

    The pairs are shuffled with ``seed`` and cut into ``folds`` parts; each part is the
    test set once, the rest the training set. ``embedder`` and ``trained`` as for
    :func:`evaluate_links` (the text model is trained once per fold, on its training part).

    Returns
    -------
    dict
        ``{"methods": {method: {metric: {"mean": x, "std": s}}}, "folds": [per-fold
        results], "pairs": n, "seconds": t}`` (``std``: population standard deviation over
        folds).
    """
    if folds < 2:
        raise DataError(f"--folds {folds}: must be at least 2")
    t0 = time.time()
    data = _setup(chainkg or default_chainkg(), embedder, trained)
    links = read_links(pairs or default_pairs())
    part = np.random.default_rng(seed).permutation(len(links)) % folds
    methods = _methods(data)
    per_fold = []
    for k in range(folds):
        _log(f"fold {k + 1}/{folds}")
        test = [p for i, p in enumerate(links) if part[i] == k]
        train = [p for i, p in enumerate(links) if part[i] != k]
        result, ranker = _run_split(data, train, test, 0, seed, methods)
        per_fold.append(result)
    summary = {m: {k: _spread([f[m][k] for f in per_fold]) for k in METRICS} for m in methods}
    return {
        "methods": summary,
        "folds": per_fold,
        "ranker": _ranker_info(ranker),
        "pairs": len(links),
        "seconds": round(time.time() - t0, 1),
    }


def _ranker_info(ranker: PairRanker) -> dict:
    return {"fallback": ranker.fallback_, "message": ranker.message_, "features": list(FEATURES)}
