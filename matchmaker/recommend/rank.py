"""Learned fusion of the pair features: :class:`PairRanker` and its training data.

The ranker follows the scikit-learn estimator contract: no validation in ``__init__``,
fitted attributes end in ``_``, ``fit`` returns ``self`` and ``random_state`` makes two fits
identical. Labels are graded (:func:`matchmaker.recommend.chain.graded_pairs`: relation or signed
deal 3 > in progress 2 > intent 1; dropped or sampled negative 0). Positives weigh their
grade. With fewer positive pairs than the setting ``min_training_pairs`` it does not learn
and scores with :data:`DEFAULT_WEIGHTS` instead; ``fallback_`` is then True and
``message_`` says so.

>>> import numpy as np
>>> ranker = PairRanker(min_positives=5).fit(np.zeros((2, len(FEATURES))), np.array([1, 0]))
>>> ranker.fallback_
True
"""

from __future__ import annotations

import hashlib
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from matchmaker import config
from matchmaker.errors import DataError, ModelError
from matchmaker.recommend.features import neighbour_matrix
from matchmaker.recommend.score import FEATURES, ScoringContext, feature_matrix

__all__ = [
    "DEFAULT_WEIGHTS",
    "MODELS",
    "PairRanker",
    "fingerprint",
    "fit_ranker",
    "rankers_dir",
    "training_data",
    "workspace_ranker",
]

# Used when there is too little outcome data to learn from: a text + chain + common-partner
# blend. Similarities count most; graph signals add evidence; degrees are a weak prior.
DEFAULT_WEIGHTS: dict[str, float] = {
    "need_offer_lexical": 1.0,
    "offer_need_lexical": 1.0,
    "profile_lexical": 0.3,
    "need_offer_semantic": 1.0,
    "offer_need_semantic": 1.0,
    "profile_semantic": 0.3,
    "chain_in": 1.0,
    "chain_out": 1.0,
    "common_partners": 0.1,
    "adamic_adar": 0.3,
    "resource_allocation": 0.5,
    "partner_similarity": 0.5,
    "partner_similarity_rev": 0.5,
    "neighbour_partners": 0.5,
    "category_affinity": 0.5,
    "degree_a": 0.0,
    "degree_b": 0.05,
    # Features added later weigh nothing here (the fallback stays as documented); the
    # learned ranker uses them.
    "profile_lexical_rel": 0.0,
    "name_lexical": 0.0,
    "neighbour_partners_rev": 0.0,
    "partner_neighbours": 0.0,
    "paths_3": 0.0,
}
MODELS = ("gbm", "logistic")


class PairRanker:
    """Scores feature rows (from :func:`matchmaker.recommend.score.feature_matrix`); higher =
    better.

    Parameters
    ----------
    model : {"gbm", "logistic"}
        Gradient boosting (default) or a standardised logistic regression.
    features : sequence of str
        Column names of the rows it will see; default :data:`FEATURES`.
    min_positives : int, optional
        Fewest positives needed to learn; default the setting ``min_training_pairs``.
    max_iter, learning_rate, max_leaf_nodes : gradient-boosting parameters.
    n_threads : int or None
        Threads for fitting and scoring (None: all cores). One by default: on a shared
        machine OpenMP threads that wait on each other are many times slower.
    random_state : int
        Seed; two fits with the same data and seed are identical.

    Attributes
    ----------
    fallback_ : bool
        True when :data:`DEFAULT_WEIGHTS` are used instead of a learned model.
    message_ : str
        What was fitted, in one sentence.
    n_positives_, n_negatives_ : int
    estimator_ : sklearn estimator or None
    weights_ : ndarray
        The default weights in column order (used when ``fallback_``).
    """

    def __init__(
        self,
        model="gbm",
        features=FEATURES,
        min_positives=None,
        max_iter=300,
        learning_rate=0.1,
        max_leaf_nodes=15,
        n_threads=1,
        random_state=0,
    ):
        self.model = model
        self.features = features
        self.min_positives = min_positives
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.n_threads = n_threads
        self.random_state = random_state

    def _estimator(self):
        if self.model == "gbm":
            return HistGradientBoostingClassifier(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                l2_regularization=1.0,
                random_state=self.random_state,
            )
        if self.model == "logistic":
            return make_pipeline(
                StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=0)
            )
        raise DataError(f"PairRanker model {self.model!r}; only {', '.join(MODELS)} are supported")

    def fit(self, X, y, sample_weight=None):
        """Fit on feature rows ``X`` and graded labels ``y`` (> 0 positive, 0 negative).

        Raises
        ------
        DataError
            When ``X`` does not have one column per feature, lengths differ or the model
            name is unknown.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        features = tuple(self.features)
        if X.ndim != 2 or X.shape[1] != len(features):
            raise DataError(f"X has shape {X.shape}; want (n_pairs, {len(features)}) columns")
        if len(y) != len(X):
            raise DataError(f"y has {len(y)} labels for {len(X)} rows")
        self.features_ = features
        self.weights_ = np.array([DEFAULT_WEIGHTS.get(f, 0.0) for f in features])
        self.n_positives_ = int((y > 0).sum())
        self.n_negatives_ = int((y <= 0).sum())
        need = (
            config.get("min_training_pairs") if self.min_positives is None else self.min_positives
        )
        self.estimator_ = None
        if self.n_positives_ < need or self.n_negatives_ == 0:
            self.fallback_ = True
            self.message_ = (
                f"only {self.n_positives_} positive pair(s) and {self.n_negatives_} negative(s);"
                f" at least {need} positives are needed to learn, so default weights are used"
            )
            return self
        estimator = self._estimator()
        weight = np.where(y > 0, y, 1.0)
        if sample_weight is not None:
            weight = weight * np.asarray(sample_weight, dtype=np.float64)
        step = "logisticregression__" if self.model == "logistic" else ""
        with threadpool_limits(self.n_threads):
            estimator.fit(X, (y > 0).astype(int), **{f"{step}sample_weight": weight})
        self.estimator_ = estimator
        self.fallback_ = False
        self.message_ = (
            f"learned {self.model} ranker on {self.n_positives_} positive and "
            f"{self.n_negatives_} negative pairs"
        )
        return self

    def predict(self, X) -> np.ndarray:
        """Scores of feature rows ``X``: a probability in [0, 1] when learned, the
        default-weighted sum when ``fallback_``.

        Raises
        ------
        ModelError
            When called before :meth:`fit`.
        """
        if not hasattr(self, "fallback_"):
            raise ModelError("PairRanker is not fitted yet: call fit(X, y) first")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.features_):
            raise DataError(f"X has shape {X.shape}; want (n, {len(self.features_)}) columns")
        if self.fallback_:
            return X @ self.weights_
        with threadpool_limits(self.n_threads):
            return self.estimator_.predict_proba(X)[:, 1]

    def save(self, path: str | Path | None = None, data_fingerprint: str = "") -> Path:
        """Pickle the fitted ranker to ``path`` (default: ``<models_dir>/rankers/ranker.pkl``)
        and write its metadata next to it as ``<path>.json``; return the pickle's path."""
        if not hasattr(self, "fallback_"):
            raise ModelError("PairRanker is not fitted yet: nothing to save")
        path = Path(path) if path else rankers_dir() / "ranker.pkl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(self))
        meta = {
            "features": list(self.features_),
            "model": self.model,
            "fallback": self.fallback_,
            "message": self.message_,
            "positives": self.n_positives_,
            "negatives": self.n_negatives_,
            "random_state": self.random_state,
            "module": f"{type(self).__module__}.{type(self).__qualname__}",
            "training_data_fingerprint": data_fingerprint,
            "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        return path

    @staticmethod
    def load(path: str | Path) -> PairRanker:
        """A ranker saved by :meth:`save`; :class:`ModelError` when it cannot be used.

        Any failure to unpickle counts: a missing or truncated file, a pickle naming a
        module path that no longer exists (a ranker saved before the package was
        reorganised, e.g. ``matchmaker.rank``), or one made by an incompatible library
        version. The metadata next to the pickle names the class's module path.
        """
        try:
            ranker = pickle.loads(Path(path).read_bytes())
        except Exception as exc:  # any unpickling failure: the caller refits
            raise ModelError(f"cannot load ranker {path}: {type(exc).__name__}: {exc}") from None
        if not isinstance(ranker, PairRanker) or not hasattr(ranker, "fallback_"):
            raise ModelError(f"{path} does not hold a fitted PairRanker")
        return ranker


def rankers_dir() -> Path:
    """``<models_dir>/rankers`` (setting ``models_dir``)."""
    return config.project_path(config.get("models_dir")) / "rankers"


def fingerprint(ctx: ScoringContext) -> str:
    """SHA-256 of the feature names, organisation ids and graded pairs the ranker learns
    from (a ranker saved before :data:`FEATURES` changed never matches)."""
    h = hashlib.sha256()
    h.update("\t".join(FEATURES).encode() + b"\n")
    h.update("\n".join(ctx.org_ids).encode())
    for (a, b), g in sorted(ctx.rel.pairs.items()):
        h.update(f"\n{a}\t{b}\t{g}".encode())
    return h.hexdigest()


def _near(sub: ScoringContext, x: int) -> np.ndarray:
    """Organisations a cheap signal would put near ``x``: its partners' partners and its
    most text-similar organisations (hard negatives come from here)."""
    two_hop = sub.rel.binary[sub.rel.binary[x].indices].indices
    return np.union1d(two_hop, neighbour_matrix(sub, np.array([x])).indices)


def training_data(
    ctx: ScoringContext, negatives: int = 5, folds: int = 4, random_state=0, hard: float = 0.0
):
    """Feature rows and graded labels for learning, without leaking a pair's own link.

    The known pairs (``ctx.rel.pairs``) are split into ``folds`` parts; the features of the
    pairs in one part are computed on the relation graph of the other parts, so a
    positive never sees its own edge. Each positive appears in both orientations, with
    ``negatives`` sampled non-partners of its first organisation (seeded): a share ``hard``
    of them drawn from organisations near it (partners' partners, text neighbours), the
    rest uniformly.

    Returns
    -------
    X : ndarray (n, len(FEATURES)); y : ndarray of grades; pairs : (ia, ib) index arrays
    """
    rng = np.random.default_rng(random_state)
    items = sorted(ctx.rel.pairs.items())
    n = len(ctx.org_ids)
    part = rng.permutation(len(items)) % max(1, folds)
    partners: dict[int, set[int]] = {}
    for (a, b), _ in items:
        ia, ib = ctx.index[a], ctx.index[b]
        partners.setdefault(ia, set()).add(ib)
        partners.setdefault(ib, set()).add(ia)
    Xs, ys, ias, ibs = [], [], [], []
    for k in range(max(1, folds)):
        held = [items[i] for i in np.flatnonzero(part == k)]
        if not held:
            continue
        kept = {p: g for i, (p, g) in enumerate(items) if part[i] != k or folds <= 1}
        sub = ctx.with_relations(kept) if folds > 1 else ctx
        qa, qb, qy = [], [], []
        for (a, b), g in held:
            for x, z in ((ctx.index[a], ctx.index[b]), (ctx.index[b], ctx.index[a])):
                qa.append(x)
                qb.append(z)
                qy.append(g)
                if g <= 0:
                    continue
                mine = partners.get(x, set())
                near = [c for c in _near(sub, x) if c != x and c not in mine] if hard else []
                n_hard = min(len(near), round(negatives * hard))
                for c in rng.choice(near, size=n_hard, replace=False) if n_hard else ():
                    qa.append(x)
                    qb.append(int(c))
                    qy.append(0.0)
                drawn = n_hard
                for c in rng.integers(0, n, size=negatives * 3):
                    if drawn == negatives:
                        break
                    if c != x and c not in partners.get(x, ()):
                        qa.append(x)
                        qb.append(int(c))
                        qy.append(0.0)
                        drawn += 1
        qa, qb = np.asarray(qa, dtype=np.int64), np.asarray(qb, dtype=np.int64)
        Xs.append(feature_matrix(sub, (qa, qb)))
        ys.append(np.asarray(qy))
        ias.append(qa)
        ibs.append(qb)
    if not Xs:
        return np.zeros((0, len(FEATURES))), np.zeros(0), (np.zeros(0, int), np.zeros(0, int))
    return np.vstack(Xs), np.concatenate(ys), (np.concatenate(ias), np.concatenate(ibs))


def fit_ranker(
    ctx: ScoringContext, negatives: int = 5, folds: int = 4, random_state=0, **params
) -> PairRanker:
    """Build :func:`training_data` from ``ctx`` and fit a :class:`PairRanker` on it.

    Extra keyword arguments go to :class:`PairRanker` (e.g. ``model``, ``min_positives``).
    """
    X, y, _ = training_data(ctx, negatives=negatives, folds=folds, random_state=random_state)
    return PairRanker(random_state=random_state, **params).fit(X, y)


def workspace_ranker(ctx: ScoringContext, model_id: str, orgs) -> tuple[PairRanker, Path]:
    """The ranker fitted on exactly this workspace (context, embedding model, item and
    organisation texts), loaded from :func:`rankers_dir`, or fitted and saved there; and
    its path.

    A saved ranker that cannot be used (unreadable, or pickled under a module path of an
    older layout) is refitted and replaced; ``ranker.message_`` says so.
    """
    digest = hashlib.sha256(fingerprint(ctx).encode())
    digest.update(model_id.encode())
    digest.update(f"\nmin_training_pairs={config.get('min_training_pairs')}".encode())
    for item in ctx.items:
        digest.update(f"\n{item.item_id}\t{item.text}".encode())
    for org in orgs:
        digest.update(f"\n{org['org_id']}\t{org['name']}\t{org.get('description')}".encode())
    fp = digest.hexdigest()
    path = rankers_dir() / f"workspace-{fp[:16]}.pkl"
    note = ""
    if path.exists():
        try:
            return PairRanker.load(path), path
        except ModelError as exc:
            note = f" (refitted: the saved ranker could not be used: {exc})"
    ranker = fit_ranker(ctx)
    ranker.save(path, data_fingerprint=fp)
    ranker.message_ += note  # said once, by the process that refitted
    return ranker, path
