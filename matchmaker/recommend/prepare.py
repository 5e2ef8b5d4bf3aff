"""Ready after set-up: embed a workspace's texts and save the recommender's fitted parts.

:func:`embed_workspace` sends every text the recommender will need (each item's text and
each organisation's profile text) that is not in the store's vector cache yet to the model,
in chunks of :data:`CHUNK` texts, and saves each chunk's vectors before the next starts:
a progress bar shows the count and the rate, an interrupted run resumes where it stopped,
and no text is embedded twice. On the ``ray`` engine the chunks are embedded by Ray tasks
(the model broadcast once), :data:`ROUND` chunks per CPU at a time, saved as each round ends.

:func:`prepare_workspace` then builds the :class:`~matchmaker.recommend.recommender.Recommender`,
which saves its fitted parts under ``models/fitted`` (:mod:`matchmaker.recommend.persist`):
a new process (the app, ``matchmaker recommend``) loads them instead of rebuilding.
``matchmaker import``, ``matchmaker demo`` and ``matchmaker embed`` call it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from matchmaker.errors import ModelError
from matchmaker.recommend import engine as engines
from matchmaker.recommend.embed import LazyEmbedder, profile_texts, text_hash
from matchmaker.recommend.recommender import Recommender
from matchmaker.recommend.workspace_model import select_embedder
from matchmaker.schema import item_text
from matchmaker.store.access import unscoped

__all__ = ["CHUNK", "ROUND", "Prepared", "embed_workspace", "embedded_texts", "prepare_workspace"]

CHUNK = 512  # texts embedded and saved at a time (the unit of resuming)
ROUND = 4  # chunks per CPU handed to Ray before the driver saves their vectors


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare_workspace` did: texts in the workspace, texts embedded now (the
    rest were cached), and how the recommender's fitted parts were obtained."""

    texts: int
    embedded: int
    parts: str


def embedded_texts(store) -> list[str]:
    """The distinct texts the recommender embeds for ``store``'s workspace, in a fixed order:
    items (by id), then organisation profiles (by id), empty texts left out."""
    store = unscoped(store)
    items = sorted(store.rows("items"), key=lambda r: r["item_id"])
    texts = [item_text(i) for i in items] + profile_texts(store.rows("organizations"))
    return list(dict.fromkeys(t for t in texts if t))


def _encode_task(embedder, texts: list[str]) -> np.ndarray:
    return np.asarray(embedder.encode(texts), dtype=np.float32)


def embed_workspace(store, embedder=None, engine: str = "local", progress: bool = True) -> tuple:
    """Embed the workspace's texts that are not cached yet; ``(texts, embedded now)``.

    Parameters
    ----------
    store : matchmaker.store.database.Store
    embedder : Embedder, optional
        Default: the workspace's model
        (:func:`~matchmaker.recommend.workspace_model.select_embedder`, lazy: loaded only
        when some text is missing; a mostly Chinese workspace's model is trained first).
    engine : {"local", "ray"}
    progress : bool
        Show a progress bar (texts, texts per second).
    """
    engines.check_engine(engine)
    store = unscoped(store)
    embedder = embedder or select_embedder(store, progress, lazy=True)
    texts = embedded_texts(store)
    hashes = [text_hash(t) for t in texts]
    cached: set[str] = set()
    for start in range(0, len(hashes), 20000):
        cached.update(store.cached_vectors(embedder.model_id, hashes[start : start + 20000]))
    missing = [t for t, h in zip(texts, hashes, strict=True) if h not in cached]
    chunks = [missing[i : i + CHUNK] for i in range(0, len(missing), CHUNK)]
    bar = tqdm(
        total=len(texts),
        initial=len(texts) - len(missing),
        desc="embedding texts",
        unit="text",
        disable=not progress,
    )
    if engine == "ray" and chunks:
        model = embedder.model() if isinstance(embedder, LazyEmbedder) else embedder
        cpus = int(engines.ray_session().cluster_resources().get("CPU", 1))
        step = max(1, ROUND * cpus)
        rounds = [chunks[i : i + step] for i in range(0, len(chunks), step)]
    else:
        model, rounds = embedder, [[c] for c in chunks]
    for group in rounds:
        if engine == "ray":
            vectors = engines.map_blocks(_encode_task, model, group, "ray")
        else:
            vectors = [_encode_task(model, group[0])]
        for part, vecs in zip(group, vectors, strict=True):
            if vecs.shape != (len(part), embedder.dim):
                raise ModelError(
                    f"{embedder.model_id} returned vectors of shape {vecs.shape}, "
                    f"expected {(len(part), embedder.dim)}"
                )
            store.save_vectors(
                embedder.model_id,
                {text_hash(t): v.tobytes() for t, v in zip(part, vecs, strict=True)},
                embedder.dim,
            )
            bar.update(len(part))
    bar.close()
    return len(texts), len(missing)


def prepare_workspace(
    store, embedder=None, engine: str = "local", progress: bool = True, **tuning
) -> Prepared:
    """Embed the workspace (:func:`embed_workspace`) and build its recommender, whose fitted
    parts are saved under ``models/fitted`` for the next process. ``tuning``: the
    Recommender's settings (``novelty``, ``diversity``, ``exposure_cap``)."""
    embedder = embedder or select_embedder(store, progress, lazy=True)
    total, embedded = embed_workspace(store, embedder, engine, progress)
    rec = Recommender(store, embedder, progress=False, **tuning)
    return Prepared(total, embedded, rec.parts_message)
