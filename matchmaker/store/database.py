"""The one owner of persistence: every read and write of the database goes through here.

Tables are SQLAlchemy Core tables whose columns follow :mod:`matchmaker.schema`; the
schema is created and upgraded by the Alembic migrations in ``matchmaker/store/migrations``.
SQLite files are opened in WAL mode with foreign keys on; every write runs in one
transaction. Nothing here is SQLite-only, so a PostgreSQL URL works the same.

Rows travel as plain dicts keyed by column name, with Python values: ``bool`` for
``local``, ``datetime.date`` for dates, tuples of strings for list columns.

>>> store = Store("sqlite://")            # in memory
>>> store.init()
'0004'
>>> store.upsert({"organizations": [{"org_id": "A1", "name": "Acme", "kind": "company"}]})
{'organizations': (1, 0)}
>>> store.rows("organizations")[0]["name"]
'Acme'
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine

from matchmaker import config
from matchmaker.errors import ConflictError, DataError, NotFoundError, StoreError
from matchmaker.schema import LIST_SEP, TABLE_ORDER, TABLES

__all__ = ["CONTROL", "Store", "escape_controls", "metadata", "resolve_url"]

metadata = sa.MetaData()
ID = sa.String(64)
# Characters no text the store writes may hold: C0 controls but tab and line breaks, DEL, C1
# controls (ESC and CSI start terminal escape sequences; NUL and most C0 cannot be in XLSX).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def escape_controls(text: str) -> str:
    r"""``text`` with every :data:`CONTROL` character written as an escape (``\x1b``).

    >>> print(escape_controls("red\x1b[31m bell\x07 ok"))
    red\x1b[31m bell\x07 ok
    """

    def escaped(match: re.Match) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"

    return CONTROL.sub(escaped, text)


def _table(name: str, *extra: sa.Column) -> sa.Table:
    """A workspace table built from its spec in :mod:`matchmaker.schema`."""
    spec = TABLES[name]
    cols = []
    for c in spec.columns:
        sa_type = {
            "bool": sa.Boolean(),
            "int": sa.Integer(),
            "float": sa.Float(),
            "date": sa.Date(),
            "datetime": sa.DateTime(),
        }.get(c.kind, ID if c.ref or c.name in spec.key else sa.Text())
        # A column named in the key is part of the primary key and never null.
        args = [sa.ForeignKey(_FK[c.ref])] if c.ref else []
        cols.append(
            sa.Column(
                c.name,
                sa_type,
                *args,
                primary_key=c.name in spec.key,
                nullable=not (c.required or c.name in spec.key),
            )
        )
    return sa.Table(name, metadata, *cols, *extra)


_FK = {
    "organizations": "organizations.org_id",
    "segments": "segments.segment_id",
    "events": "events.event_id",
}
_VERSION = "version"

for _name in TABLE_ORDER:
    _extra = []
    if _name in ("organizations", "deals"):
        _extra.append(sa.Column(_VERSION, sa.Integer, nullable=False, server_default="1"))
    _table(_name, *_extra)

deal_events = sa.Table(
    "deal_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("deal_id", ID, sa.ForeignKey("deals.deal_id"), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("from_stage", sa.Text),
    sa.Column("to_stage", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("suggestion", sa.Text),
)
embeddings = sa.Table(
    "embeddings",
    metadata,
    sa.Column("model_id", sa.String(200), primary_key=True),
    sa.Column("text_hash", sa.String(64), primary_key=True),
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)
# Meeting requests and "do not meet" marks at an event (kind: meet | avoid), migration 0002.
meeting_requests = sa.Table(
    "meeting_requests",
    metadata,
    sa.Column("event_id", ID, sa.ForeignKey("events.event_id"), primary_key=True),
    sa.Column("org_id", ID, sa.ForeignKey("organizations.org_id"), primary_key=True),
    sa.Column("other_id", ID, sa.ForeignKey("organizations.org_id"), primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("note", sa.Text),
)
# Accounts and the audit log (matchmaker.store.accounts), migration 0003.
users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("org_id", ID, sa.ForeignKey("organizations.org_id")),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    # Migration 0004: the credential generation sessions carry, and the sign-in lockout.
    sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime),
)
audit_table = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text),
)


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url`` if given, else the ``db`` setting (``MATCHMAKER_DB``)."""
    return url or config.get("db")


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Store:
    """A matchmaker database.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default from the ``db`` setting.
    """

    def __init__(self, url: str | None = None):
        self.url = resolve_url(url)
        parsed = sa.engine.make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs = {}
        if self.url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = sa.pool.StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = sa.create_engine(self.url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            sa.event.listen(self.engine, "connect", _on_sqlite_connect)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    # --- schema -------------------------------------------------------------------

    def init(self) -> str:
        """Create the database or upgrade it to the newest schema; return the revision."""
        with self.engine.begin() as conn:
            cfg = _alembic_config(conn)
            command.upgrade(cfg, "head")
        return self.revision()

    def revision(self) -> str | None:
        """The schema revision the database is at (None before ``init``)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def check_ready(self) -> None:
        """Raise :class:`StoreError` when the database has not been initialised."""
        if self.revision() is None:
            raise StoreError(f"{self!r} is not initialised: run `matchmaker init` first")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    # --- reads --------------------------------------------------------------------

    def table(self, name: str) -> sa.Table:
        try:
            return metadata.tables[name]
        except KeyError:
            raise StoreError(f"no table {name!r}; tables: {', '.join(metadata.tables)}") from None

    def rows(self, name: str, order: bool = True, **where) -> list[dict]:
        """Rows of table ``name`` as dicts, filtered by column equality, in key order."""
        table = self.table(name)
        query = sa.select(table)
        for col, value in where.items():
            query = query.where(table.c[col] == value)
        if order:
            query = query.order_by(*table.primary_key.columns)
        with self.engine.connect() as conn:
            return [_from_db(name, dict(r._mapping)) for r in conn.execute(query)]

    def get(self, name: str, *key) -> dict:
        """The row of ``name`` with primary key ``key``; :class:`NotFoundError` if absent."""
        table = self.table(name)
        cols = list(table.primary_key.columns)
        query = sa.select(table).where(*(c == k for c, k in zip(cols, key, strict=True)))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"no {name} row with {_key_text(cols, key)}")
        return _from_db(name, dict(row._mapping))

    def ids(self, name: str) -> set:
        """Primary keys present in table ``name`` (single values or tuples)."""
        table = self.table(name)
        cols = list(table.primary_key.columns)
        with self.engine.connect() as conn:
            result = conn.execute(sa.select(*cols))
            return {r[0] if len(cols) == 1 else tuple(r) for r in result}

    def count(self, name: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(self.table(name))).scalar()

    def counts(self) -> dict[str, int]:
        """Rows per workspace table."""
        return {name: self.count(name) for name in TABLE_ORDER}

    def stamp(self) -> tuple:
        """In one query: the rows of every workspace table, the sum of the ``version`` of
        organisations and of deals (it grows on every edit) and the deal events.

        The database computes the aggregates, so the cost does not grow with rows read
        into Python (milliseconds at 100,000 organisations, where reading the tables took
        over a second).
        """
        parts = [sa.select(sa.func.count()).select_from(self.table(n)) for n in TABLE_ORDER]
        for name in ("organizations", "deals"):
            version = self.table(name).c[_VERSION]
            parts.append(sa.select(sa.func.coalesce(sa.func.sum(version), 0)))
        parts.append(sa.select(sa.func.count()).select_from(deal_events))
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*(p.scalar_subquery() for p in parts))).one()
        return tuple(int(v) for v in row)

    def frame(self, name: str, **where):
        """Table ``name`` as a pandas DataFrame (list columns joined with ``;``)."""
        table = self.table(name)
        rows = self.rows(name, **where)
        frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
        for c in TABLES[name].columns if name in TABLES else ():
            if c.kind == "list":
                frame[c.name] = frame[c.name].map(lambda v: LIST_SEP.join(v or ()))
        return frame

    # --- writes -------------------------------------------------------------------

    def upsert(self, tables: dict[str, Iterable[dict]]) -> dict[str, tuple[int, int]]:
        """Insert or update rows by primary key, all tables in one transaction.

        A row whose values equal the stored ones is left alone, so upserting the same
        rows twice changes nothing. Returns ``{table: (added, updated)}``.
        """
        result = {}
        with self.transaction() as conn:
            for name in sorted(tables, key=_write_order):
                result[name] = self._upsert(conn, name, list(tables[name]))
        return result

    def _upsert(self, conn: Connection, name: str, rows: list[dict]) -> tuple[int, int]:
        table = self.table(name)
        pk = [c.name for c in table.primary_key.columns]
        existing = {}
        for r in conn.execute(sa.select(table)):
            old = _from_db(name, dict(r._mapping))
            existing[tuple(old[k] for k in pk)] = old
        added, updated = [], 0
        for row in rows:
            key = tuple(row[k] for k in pk)
            old = existing.get(key)
            if old is None:
                added.append(_to_db(name, row))
                existing[key] = row
                continue
            changes = {k: v for k, v in row.items() if k in table.c and old.get(k) != v}
            if changes:
                values = _to_db(name, changes)
                if _VERSION in table.c:
                    values[_VERSION] = table.c[_VERSION] + 1
                conn.execute(
                    table.update()
                    .where(*(table.c[k] == v for k, v in zip(pk, key, strict=True)))
                    .values(values)
                )
                updated += 1
        if added:
            conn.execute(table.insert(), added)
        return len(added), updated

    def insert(self, name: str, row: dict, conn: Connection | None = None) -> None:
        """Insert one row (in ``conn``'s transaction when given)."""
        with _maybe(conn, self) as c:
            c.execute(self.table(name).insert().values(_to_db(name, row)))

    def update(
        self,
        name: str,
        key: tuple,
        values: dict,
        expected_version: int | None = None,
        conn: Connection | None = None,
    ) -> None:
        """Update one row; with ``expected_version``, only if nobody changed it since.

        Raises
        ------
        NotFoundError
            When no row has ``key``.
        ConflictError
            When the row's version is no longer ``expected_version``.
        """
        table = self.table(name)
        cols = list(table.primary_key.columns)
        where = [c == k for c, k in zip(cols, key, strict=True)]
        values = _to_db(name, values)
        if _VERSION in table.c:
            values[_VERSION] = table.c[_VERSION] + 1
            if expected_version is not None:
                where.append(table.c[_VERSION] == expected_version)
        with _maybe(conn, self) as c:
            done = c.execute(table.update().where(*where).values(values)).rowcount
            if done == 0:
                exists = c.execute(sa.select(*cols).where(*where[: len(cols)])).first()
                if exists is None:
                    raise NotFoundError(f"no {name} row with {_key_text(cols, key)}")
                raise ConflictError(
                    f"{name} {_key_text(cols, key)} was changed by someone else since you "
                    "read it; reload and try again"
                )

    def delete(self, name: str, key: tuple, conn: Connection | None = None) -> bool:
        """Delete one row of a workspace table by key; True when there was one."""
        table = self.table(name)
        cols = list(table.primary_key.columns)
        with _maybe(conn, self) as c:
            where = [col == k for col, k in zip(cols, key, strict=True)]
            return c.execute(table.delete().where(*where)).rowcount > 0

    # --- embedding cache ----------------------------------------------------------

    def cached_vectors(self, model_id: str, hashes: Iterable[str]) -> dict[str, bytes]:
        """Stored vectors (raw float32 bytes) of ``model_id`` for the given text hashes."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = sa.select(embeddings.c.text_hash, embeddings.c.vector).where(
                    embeddings.c.model_id == model_id, embeddings.c.text_hash.in_(chunk)
                )
                found.update({h: bytes(v) for h, v in conn.execute(query)})
        return found

    def save_vectors(self, model_id: str, vectors: dict[str, bytes], dim: int) -> None:
        """Store vectors; hashes already stored for ``model_id`` are skipped."""
        known = self.cached_vectors(model_id, vectors)
        rows = [
            {"model_id": model_id, "text_hash": h, "dim": dim, "vector": v}
            for h, v in vectors.items()
            if h not in known
        ]
        if rows:
            with self.transaction() as conn:
                conn.execute(embeddings.insert(), rows)

    # --- events -------------------------------------------------------------------

    def delete_meeting_request(self, event_id: str, org_id: str, other_id: str) -> bool:
        """Remove one meeting request or do-not-meet mark; True when one was there."""
        t = meeting_requests
        with self.transaction() as conn:
            done = conn.execute(
                t.delete().where(
                    t.c.event_id == event_id, t.c.org_id == org_id, t.c.other_id == other_id
                )
            ).rowcount
        return done > 0

    def replace_meetings(self, event_id: str, rows: list[dict], replace_status: str) -> int:
        """In one transaction, delete the meetings of ``event_id`` whose status is
        ``replace_status`` and upsert ``rows``; return how many rows were deleted."""
        t = self.table("meetings")
        with self.transaction() as conn:
            gone = conn.execute(
                t.delete().where(t.c.event_id == event_id, t.c.status == replace_status)
            ).rowcount
            self._upsert(conn, "meetings", rows)
        return gone

    # --- auth ---------------------------------------------------------------------

    def insert_returning_id(self, name: str, row: dict, conn: Connection | None = None) -> int:
        """Insert one row of a table with an integer key; return the key it got."""
        with _maybe(conn, self) as c:
            return c.execute(self.table(name).insert().values(row)).inserted_primary_key[0]

    def audit_rows(
        self,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Audit-log rows, newest first, filtered by actor, action (a prefix) and time."""
        t = audit_table
        query = sa.select(t).order_by(t.c.id.desc())
        if actor is not None:
            query = query.where(t.c.actor == actor)
        if action is not None:
            query = query.where(t.c.action.startswith(action, autoescape=True))
        if since is not None:
            query = query.where(t.c.at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _write_order(name: str) -> int:
    order = list(TABLE_ORDER)
    return order.index(name) if name in order else len(order)


def _key_text(cols, key) -> str:
    return ", ".join(f"{c.name}={k!r}" for c, k in zip(cols, key, strict=True))


@contextlib.contextmanager
def _maybe(conn: Connection | None, store: Store) -> Iterator[Connection]:
    if conn is not None:
        yield conn
    else:
        with store.transaction() as c:
            yield c


def _to_db(name: str, row: dict) -> dict:
    _check_text(name, row)
    spec = TABLES.get(name)
    if spec is None:
        return dict(row)
    out = {}
    for k, v in row.items():
        if k in spec.column_names and spec.column(k).kind == "list":
            v = LIST_SEP.join(v) if v else None
        elif isinstance(v, str) and v == "":
            v = None
        out[k] = v
    return out


def _check_text(name: str, row: dict) -> None:
    """Every text written, from any page or command, is at most ``max_cell_chars`` long and
    holds no control character (:data:`CONTROL`; tab and line breaks are allowed)."""
    limit = int(config.get("max_cell_chars"))
    for column, value in row.items():
        parts = value if isinstance(value, tuple | list) else (value,)
        for part in parts:
            if not isinstance(part, str):
                continue
            if len(part) > limit:
                raise DataError(
                    f"{name}.{column} is {len(part):,} characters long; at most {limit:,} are "
                    "allowed (setting max_cell_chars)"
                )
            if bad := CONTROL.search(part):
                raise DataError(
                    f"{name}.{column} contains the control character U+{ord(bad.group()):04X} "
                    f"at position {bad.start() + 1}; remove it (only tab and line breaks are "
                    "allowed in text)"
                )


def _from_db(name: str, row: dict) -> dict:
    spec = TABLES.get(name)
    if spec is None:
        return row
    for c in spec.columns:
        if c.kind == "list":
            value = row.get(c.name)
            row[c.name] = tuple(value.split(LIST_SEP)) if value else ()
        elif c.kind == "datetime" and isinstance(row.get(c.name), datetime):
            row[c.name] = row[c.name].replace(microsecond=0)
    return row


def _alembic_config(conn: Connection):
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = conn
    return cfg
