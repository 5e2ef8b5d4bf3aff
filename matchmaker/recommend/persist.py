"""The recommender's fitted parts on disk, so a new process loads them instead of rebuilding.

:meth:`matchmaker.recommend.recommender.Recommender.refresh` builds the scoring context, the
two vector indexes, the chain matrix and the ranker from the workspace's rows. Those parts
are pickled under ``<models_dir>/fitted/`` (setting ``models_dir``) in a file named by a
fingerprint (:func:`data_fingerprint`) of

- the workspace's rows (every table the recommender reads),
- the embedding model's id,
- the settings that change what is fitted (``min_training_pairs``), and
- the source code of :mod:`matchmaker.recommend` (a change to the scoring rules or to the
  classes pickled never loads parts built by the old code).

So a file is only ever loaded for exactly the data, model, settings and code it was built
from, and there is nothing to invalidate: a change makes a new name. Loading follows the
rule of the rankers (:meth:`matchmaker.recommend.rank.PairRanker.load`): any failure to
unpickle (a truncated file, a class that moved module) is a :class:`ModelError`, and the
caller rebuilds and says so. Files are written to a temporary name and renamed, so a reader
never sees half a file; only the newest :data:`KEEP` files are kept.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = save_parts(folder / "x.pkl", {"a": 1}, "fp")
>>> load_parts(path, ("a",))
{'a': 1}
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from matchmaker import config
from matchmaker.errors import ModelError

__all__ = [
    "FORMAT",
    "KEEP",
    "code_fingerprint",
    "data_fingerprint",
    "fitted_dir",
    "load_parts",
    "parts_path",
    "save_parts",
]

FORMAT = 1  # bump when the layout of the saved dictionary changes
KEEP = 2  # fitted-part files kept per models folder (at 100,000 organisations one is 1.2 GB)
_SETTINGS = ("min_training_pairs",)  # settings read while fitting


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_CODE = _sources_digest()  # read when the code is loaded: the code this process runs


def fitted_dir() -> Path:
    """``<models_dir>/fitted`` (setting ``models_dir``)."""
    return config.project_path(config.get("models_dir")) / "fitted"


def code_fingerprint() -> str:
    """SHA-256 of the source files of :mod:`matchmaker.recommend`, as they were when this
    process imported them."""
    return _CODE


def data_fingerprint(rows: Mapping[str, Sequence[Mapping]], model_id: str) -> str:
    """SHA-256 of the workspace's ``rows`` (table name -> rows), the embedding ``model_id``,
    the fitting settings and the recommend code: the key of one set of fitted parts."""
    digest = hashlib.sha256(f"{FORMAT}\n{model_id}\n{code_fingerprint()}\n".encode())
    for name in _SETTINGS:
        digest.update(f"{name}={config.get(name)}\n".encode())
    for name in sorted(rows):
        digest.update(f"\n#{name}\n".encode())
        for row in rows[name]:
            digest.update(json.dumps(row, sort_keys=True, default=str).encode())
            digest.update(b"\n")
    return digest.hexdigest()


def parts_path(fingerprint: str) -> Path:
    """Where the fitted parts of ``fingerprint`` live."""
    return fitted_dir() / f"recommender-{fingerprint[:24]}.pkl"


def save_parts(path: Path, parts: Mapping[str, object], fingerprint: str) -> Path:
    """Pickle ``parts`` to ``path`` atomically, with a ``.json`` note beside it naming the
    fingerprint, the module path of each part's class and when it was written; remove all
    but the newest :data:`KEEP` files of the folder. Returns ``path``.

    A folder that cannot be written, or a part that cannot be pickled, is not an error: the
    parts are simply not kept (the next process rebuilds them) and no partial file stays.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"format": FORMAT, "parts": dict(parts)}, fh, pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from a server run as another user
        os.replace(tmp, path)
        tmp = None
        meta = {
            "fingerprint": fingerprint,
            "format": FORMAT,
            "classes": {k: _class_path(v) for k, v in parts.items()},
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2))
        _prune(path.parent)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # not kept: the next process rebuilds them
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def _class_path(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("recommender-*.pkl"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)
        old.with_suffix(".json").unlink(missing_ok=True)


def load_parts(path: Path, names: Sequence[str]) -> dict:
    """The parts saved by :func:`save_parts` at ``path``.

    Raises
    ------
    FileNotFoundError
        When there is no such file (nothing saved for this fingerprint yet).
    ModelError
        When the file cannot be used: any unpickling error (truncated, a class that moved
        module, another library version), another format, or a part missing.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        with open(path, "rb") as fh:
            saved = pickle.load(fh)
    except Exception as exc:  # any unpickling failure: the caller rebuilds
        raise ModelError(f"cannot load {path.name}: {type(exc).__name__}: {exc}") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ModelError(f"{path.name} is not fitted parts of format {FORMAT}")
    parts = saved.get("parts") or {}
    missing = [n for n in names if n not in parts]
    if missing:
        raise ModelError(f"{path.name} lacks the part(s) {', '.join(missing)}")
    return {n: parts[n] for n in names}
