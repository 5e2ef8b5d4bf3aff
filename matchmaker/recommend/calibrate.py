"""Text-evidence thresholds from the active model's own need -> offer similarities.

How similar a need and an offer must read before the text counts as evidence of supply
depends on the model: all-MiniLM-L6-v2's cosines of unrelated English texts sit near 0.2,
a model trained here spreads them differently, character TF-IDF differently again. So the
recommender does not use constants: over the workspace's pairs (organisation with needs,
other organisation with offers) it takes the similarity the evidence rule reads (the larger
of the semantic and lexical need -> offer cosines) and :func:`text_thresholds` turns that
distribution into

* the floor: the :data:`FLOOR_QUANTILE` quantile -- a pair must read more alike than three
  quarters of all pairs to count at all;
* the strong mark: the :data:`STRONG_QUANTILE` quantile -- full evidence only for the very
  closest pairs (at least :data:`MIN_SPAN` above the floor).

On the English demo workspace with all-MiniLM-L6-v2 this gives about 0.30 and 0.78, the
constants the rule replaced (measured in docs/benchmarks.md).

>>> text_thresholds([0.0, 0.1, 0.2, 0.3, 0.4])
(0.3, 0.39996)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "FLOOR_QUANTILE",
    "MIN_SPAN",
    "SAMPLE",
    "STRONG_QUANTILE",
    "need_offer_similarities",
    "text_thresholds",
]

FLOOR_QUANTILE = 0.75
STRONG_QUANTILE = 0.9999
MIN_SPAN = 0.05  # the strong mark lies at least this far above the floor
SAMPLE = 2000  # organisations per side the distribution is measured on (seeded sample)


def text_thresholds(similarities: Sequence[float]) -> tuple[float, float]:
    """``(floor, strong)`` of a distribution of need -> offer similarities.

    ``floor`` is its :data:`FLOOR_QUANTILE` quantile, ``strong`` its
    :data:`STRONG_QUANTILE` quantile but at least ``floor + MIN_SPAN`` (linear
    interpolation between order statistics, NumPy's default). With no similarity at all
    (no organisation has a need, or none an offer): ``(0.0, 1.0)``.
    """
    sims = np.asarray(similarities, dtype=np.float64).ravel()
    sims = sims[np.isfinite(sims)]
    if sims.size == 0:
        return 0.0, 1.0
    floor = float(np.quantile(sims, FLOOR_QUANTILE))
    strong = max(float(np.quantile(sims, STRONG_QUANTILE)), floor + MIN_SPAN)
    return round(floor, 6), round(strong, 6)


def need_offer_similarities(ctx, has_need, has_offer, seed: int = 0) -> np.ndarray:
    """The similarity the evidence rule reads, ``max(semantic, lexical)`` need -> offer
    cosine, for every pair (``a`` with needs, ``b != a`` with offers); at most
    :data:`SAMPLE` organisations per side, drawn with ``seed`` (sorted, so the same
    workspace gives the same sample)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.flatnonzero(has_need), np.flatnonzero(has_offer)
    if len(rows) > SAMPLE:
        rows = np.sort(rng.choice(rows, SAMPLE, replace=False))
    if len(cols) > SAMPLE:
        cols = np.sort(rng.choice(cols, SAMPLE, replace=False))
    if len(rows) == 0 or len(cols) == 0:
        return np.zeros(0)
    sim = (ctx.need_lex[rows] @ ctx.offer_lex[cols].T).toarray()
    if ctx.need_vec is not None and ctx.offer_vec is not None:
        sim = np.maximum(sim, ctx.need_vec[rows] @ ctx.offer_vec[cols].T)
    return sim[rows[:, None] != cols[None, :]]
