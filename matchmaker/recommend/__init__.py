"""Partner suggestions: embed, chain, score, rank, retrieve, explain, evaluate.

The flow of one query, module by module:

* :mod:`~matchmaker.recommend.embed` -- texts to vectors (the bundled model or a local one),
  cached in the store;
* :mod:`~matchmaker.recommend.train_embed` -- a text model trained here (it reads Chinese):
  tokenizer, contrastive training, models kept by data fingerprint;
  :mod:`~matchmaker.recommend.workspace_model` -- its training pairs from a workspace and
  when the recommender uses it;
* :mod:`~matchmaker.recommend.chain` -- the industry-chain graph (networkx) and the graph of
  known relations;
* :mod:`~matchmaker.recommend.context` -- :class:`ScoringContext`, every matrix the scorers read;
* :mod:`~matchmaker.recommend.features` and :mod:`~matchmaker.recommend.score` -- pair
  features, scorers of one shape ``(u, v, score)``;
* :mod:`~matchmaker.recommend.rank` -- the learned fusion of the features (an sklearn estimator);
* :mod:`~matchmaker.recommend.candidates` -- retrieval, spreading over segments, the exposure cap;
* :mod:`~matchmaker.recommend.calibrate` -- text-evidence thresholds from the active model's
  own need -> offer similarities;
* :mod:`~matchmaker.recommend.explain` -- :class:`Suggestion` and its reason;
* :mod:`~matchmaker.recommend.recommender` -- :class:`Recommender`, which ties them together;
* :mod:`~matchmaker.recommend.evaluate` -- metrics as pure functions and the harness on real
  supplier links (:mod:`~matchmaker.recommend.trained_links`: the text model per split).
"""

from matchmaker.recommend.explain import DIRECTIONS, PairValue, Suggestion
from matchmaker.recommend.recommender import Recommender

__all__ = ["DIRECTIONS", "PairValue", "Recommender", "Suggestion"]
