"""Shared fixtures: a fresh database per test, on SQLite and (when reachable) PostgreSQL.

PostgreSQL runs when ``MATCHMAKER_TEST_PG_URL`` names a server URL whose role may create
databases (``.ci/run`` starts one and sets it); elsewhere those cases skip with the reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
import warnings
import zlib

import numpy as np
import pytest
import sqlalchemy as sa

from matchmaker.store.database import Store

PG_URL = os.environ.get("MATCHMAKER_TEST_PG_URL", "")


@pytest.fixture(autouse=True, scope="session")
def _accounts_env():
    """`matchmaker init` creates its first admin from the environment (no terminal in tests),
    and argon2 runs at its cheapest cost so hashing does not slow the suite."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(
            "MATCHMAKER_ADMIN_PASSWORD",
            os.environ.get("MATCHMAKER_ADMIN_PASSWORD") or "test-Admin-pass-1",
        )
        mp.setenv("MATCHMAKER_PASSWORD_HASH", "test")
        # `import` and `demo` leave the workspace ready (embedded, fitted parts saved) by
        # default; the tests of that turn it on, the others import without the model.
        mp.setenv("MATCHMAKER_PREPARE_ON_IMPORT", "false")
        yield


def _pg_database():
    """Create a throw-away PostgreSQL database; yield its URL; drop it."""
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set MATCHMAKER_TEST_PG_URL (CI sets it)")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"mm_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL at MATCHMAKER_TEST_PG_URL not reachable: {exc.orig}")
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        # End this role's own leftover connections (a test's engines), then drop. Sessions of
        # other roles (e.g. a superuser's psql) cannot be ended by this role: the drop then
        # fails, and a leftover throw-away database is not a test failure.
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND usename = current_user AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            try:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            except sa.exc.DBAPIError as exc:
                warnings.warn(f"could not drop test database {name}: {exc.orig}", stacklevel=1)
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """URL of an empty, uninitialised database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _pg_database()


@pytest.fixture
def store(db_url) -> Store:
    """An initialised, empty store on each backend."""
    s = Store(db_url)
    s.init()
    yield s
    s.engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path) -> Store:
    """An initialised, empty SQLite store (for tests that need only one backend)."""
    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    s.init()
    yield s
    s.engine.dispose()


# --- shared fakes and row builders (import them: ``from conftest import Words, item_row``) ---


class Words:
    """The one fake embedder of the tests: a bag of words hashed into ``dim`` dimensions,
    L2-normalised; deterministic, fast, and counts the texts it embedded (``count``).

    ``hashing`` is ``md5`` or ``crc32``: the app tests' tiny workspace was tuned with the
    64-dimension crc32 variant (its collisions are part of what those tests expect)."""

    def __init__(self, dim: int = 1024, hashing: str = "md5"):
        self.dim = dim
        self.hashing = hashing
        self.model_id = f"words-{dim}" + ("" if hashing == "md5" else f"-{hashing}")
        self.count = 0

    def _bucket(self, word: str) -> int:
        if self.hashing == "crc32":
            return zlib.crc32(word.encode()) % self.dim
        return int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim

    def encode(self, texts, progress=False):
        texts = list(texts)
        self.count += len(texts)
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[i, self._bucket(word)] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def org_row(org_id, name, kind="company", region=None, tier=None, **more):
    """An ``organizations`` row with the columns most tests need."""
    return {"org_id": org_id, "name": name, "kind": kind, "region": region, "tier": tier, **more}


def item_row(item_id, org, side, title, segment=None, type_="product", **more):
    """An ``items`` row: ``side`` offer or need, ``type_`` product by default."""
    return {
        "item_id": item_id,
        "org_id": org,
        "side": side,
        "type": type_,
        "title": title,
        "segment": segment,
        **more,
    }
