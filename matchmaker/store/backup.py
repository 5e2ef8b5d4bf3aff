"""Backup and restore: one portable file holding every table of the database.

A backup is a zip file::

    manifest.json   {"format": 1, "revision": "0003", "created_at": ..., "tables": {name: n}}
    <table>.jsonl        one JSON object per row, in primary-key order

It holds every table the store knows (workspace tables, deal history, meeting requests,
embedding cache, accounts with their password hashes, the audit log). All tables are read
inside one transaction (REPEATABLE READ on PostgreSQL, one read transaction on SQLite's
WAL), so a backup taken while others write is a consistent snapshot.

:func:`restore` needs an initialised database at the backup's schema revision; it deletes
every row and inserts the backup's in one transaction (all or nothing), then moves
PostgreSQL's id sequences past the restored ids. A backup from SQLite restores into
PostgreSQL and back: values are stored by column type, not by backend.
"""

from __future__ import annotations

import base64
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from matchmaker.errors import DataError, StoreError
from matchmaker.store.accounts import audit
from matchmaker.store.database import Store, metadata

__all__ = ["FORMAT", "backup", "read_manifest", "restore"]

FORMAT = 1
_CHUNK = 1000


def _encode(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decoder(column: sa.Column):
    t = column.type
    if isinstance(t, sa.LargeBinary):
        return base64.b64decode
    if isinstance(t, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(t, sa.Date):
        return date.fromisoformat
    return None


def _tables() -> list[sa.Table]:
    """Every table, parents before children (the order rows can be inserted in)."""
    return list(metadata.sorted_tables)


def backup(store: Store, path: str | Path, actor="system") -> dict[str, int]:
    """Write every table of ``store`` to the zip file ``path``; return rows per table.

    The snapshot is read in one transaction; the file is written next to ``path`` and
    renamed into place, so a failed backup never leaves a half-written file there.
    """
    store.check_ready()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    counts: dict[str, int] = {}
    # Logged first, so the snapshot holds its own line and a restore of it keeps it.
    audit(store, actor, "backup", f"to {path.name}")
    conn = store.engine.connect()
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # one read transaction: a WAL snapshot
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for table in _tables():
                query = sa.select(table).order_by(*table.primary_key.columns)
                n = 0
                with zf.open(f"{table.name}.jsonl", "w") as out:
                    for row in conn.execute(query):
                        record = {k: _encode(v) for k, v in row._mapping.items()}
                        out.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
                        n += 1
                counts[table.name] = n
            manifest = {
                "format": FORMAT,
                "revision": revision,
                "created_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
                "tables": counts,
            }
            zf.writestr("manifest.json", json.dumps(manifest, indent=1))
        conn.rollback()
    finally:
        conn.close()
    part.replace(path)
    return counts


def read_manifest(path: str | Path) -> dict:
    """The manifest of backup ``path``; :class:`DataError` when it is not a backup file."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not a matchmaker backup: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise DataError(f"{path}: backup format {manifest.get('format')!r}, expected {FORMAT}")
    return manifest


def restore(store: Store, path: str | Path, actor="system") -> dict[str, int]:
    """Replace every row of ``store`` with the rows of backup ``path``; rows per table.

    Raises
    ------
    DataError
        When ``path`` is not a backup or was taken at another schema revision (upgrade or
        use a matching release first), or a table in it is unknown.
    StoreError
        When the database is not initialised.
    """
    store.check_ready()
    manifest = read_manifest(path)
    ours = store.revision()
    if manifest["revision"] != ours:
        raise DataError(
            f"{path} was taken at schema revision {manifest['revision']}, the database is at "
            f"{ours}: restore into a database at the same revision"
        )
    tables = _tables()
    unknown = set(manifest["tables"]) - {t.name for t in tables}
    if unknown:
        raise DataError(f"{path} holds tables this version does not know: {sorted(unknown)}")
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path) as zf, store.transaction() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if table.name not in manifest["tables"]:
                counts[table.name] = 0
                continue
            decoders = {c.name: f for c in table.columns if (f := _decoder(c))}
            n = 0
            batch: list[dict] = []
            with zf.open(f"{table.name}.jsonl") as lines:
                for line in lines:
                    row = json.loads(line)
                    for k, f in decoders.items():
                        if row.get(k) is not None:
                            row[k] = f(row[k])
                    batch.append(row)
                    if len(batch) >= _CHUNK:
                        conn.execute(table.insert(), batch)
                        n += len(batch)
                        batch = []
            if batch:
                conn.execute(table.insert(), batch)
                n += len(batch)
            if n != (want := manifest["tables"][table.name]):
                raise StoreError(f"{path}: {table.name} holds {n} rows, its manifest says {want}")
            counts[table.name] = n
        if conn.dialect.name == "postgresql":
            _fix_sequences(conn, tables)
        audit(store, actor, "restore", f"{sum(counts.values())} rows from {Path(path).name}", conn)
    return counts


def _fix_sequences(conn, tables: list[sa.Table]) -> None:
    """Move each serial column's sequence past the largest restored id."""
    for table in tables:
        for col in table.primary_key.columns:
            if not (isinstance(col.type, sa.Integer) and col.autoincrement is True):
                continue
            seq = conn.execute(
                sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name}
            ).scalar()
            if seq is None:
                continue
            top = conn.execute(sa.select(sa.func.max(col))).scalar()
            conn.execute(
                sa.text("SELECT setval(:s, :v, :called)"),
                {"s": seq, "v": top or 1, "called": top is not None},
            )
