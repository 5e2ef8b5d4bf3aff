"""Backup and restore: one portable file holding the tables of the database.

A backup is a zip file::

    manifest.json   {"format": 2, "revision": "0004", "created_at": ..., "scope": "full",
                     "tables": {name: rows}, "sha256": {name: hex digest of its member}}
    <table>.jsonl        one JSON object per row, in primary-key order

Who may take and restore one (the one check, for the app and ``--user`` alike):

* the operator (a plain :class:`~matchmaker.store.database.Store`) and an ``admin`` take a
  ``full`` backup: every table, accounts with their password hashes and the audit log too;
* an ``organiser`` takes a ``workspace`` backup: every table but ``users`` and ``audit_log``,
  which organisers may not read;
* only the operator and an ``admin`` restore, since a restore replaces what it holds;
  companies and reviewers may do neither.

All tables are read inside one transaction (REPEATABLE READ on PostgreSQL, one read
transaction on SQLite's WAL), so a backup taken while others write is a consistent snapshot.
The file is created readable by its owner only (0600): it holds password hashes.

:func:`restore` checks the whole file before it changes anything: the manifest, that every
member is there and no other, each member's SHA-256 against the manifest (a damaged or edited
file is refused), every line (a JSON object with known columns and values of the column's
type) and every row count. Then, in one transaction (all or nothing), it replaces the rows of
the tables the backup holds (a ``workspace`` backup leaves accounts and the audit log as they
are) and moves PostgreSQL's id sequences past the restored ids. A row the database refuses (a
dangling foreign key, a duplicate key) is a :class:`~matchmaker.errors.DataError` naming the
table. A backup from SQLite restores into PostgreSQL and back: values are stored by column
type, not by backend. Every failure is a :class:`~matchmaker.errors.DataError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import zipfile
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from matchmaker.errors import DataError
from matchmaker.store.access import ACCOUNT_TABLES, policy_of, unscoped
from matchmaker.store.accounts import audit
from matchmaker.store.database import metadata

__all__ = ["FORMAT", "backup", "read_manifest", "restore"]

FORMAT = 2
_CHUNK = 1000
_MANIFEST = "manifest.json"


def _encode(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _decoder(column: sa.Column):
    t = column.type
    if isinstance(t, sa.LargeBinary):
        return _b64
    if isinstance(t, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(t, sa.Date):
        return date.fromisoformat
    return None


def _kinds(column: sa.Column) -> tuple[type, ...]:
    """The JSON value types a column's values may have in a backup (None aside)."""
    t = column.type
    if isinstance(t, sa.Boolean):
        return (bool, int)
    if isinstance(t, sa.Integer):
        return (int,)
    if isinstance(t, sa.Float):
        return (int, float)
    return (str,)


def _tables() -> list[sa.Table]:
    """Every table, parents before children (the order rows can be inserted in)."""
    return list(metadata.sorted_tables)


def _scope(store) -> tuple[str, list[sa.Table]]:
    """What the acting user may back up: ``full`` or ``workspace``, and those tables."""
    policy = policy_of(store)
    role = None if policy is None else policy.role
    if role in (None, "admin"):
        return "full", _tables()
    if role == "organiser":
        return "workspace", [t for t in _tables() if t.name not in ACCOUNT_TABLES]
    raise policy._deny("back up the database: organisers and admins only")


def backup(store, path: str | Path, actor="system") -> dict[str, int]:
    """Write the tables the acting user may read to the zip file ``path``; rows per table.

    ``store`` is the operator's :class:`Store` (every table) or a user's scoped view: an
    admin's backs up every table, an organiser's every table but accounts and the audit log,
    and other roles are refused. The snapshot is read in one transaction; the file is
    written next to ``path`` (mode 0600) and renamed into place, so a failed backup never
    leaves a half-written file there.

    Raises
    ------
    PermissionDenied
        For a company or reviewer user.
    """
    scope, tables = _scope(store)
    store = unscoped(store)
    store.check_ready()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    # Logged first, so the snapshot holds its own line and a restore of it keeps it.
    audit(store, actor, "backup", f"{scope} to {path.name}")
    conn = store.engine.connect()
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the .part file was already there
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # one read transaction: a WAL snapshot
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for table in tables:
                query = sa.select(table).order_by(*table.primary_key.columns)
                n, digest = 0, hashlib.sha256()
                with zf.open(f"{table.name}.jsonl", "w") as out:
                    for row in conn.execute(query):
                        record = {k: _encode(v) for k, v in row._mapping.items()}
                        line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
                        out.write(line)
                        digest.update(line)
                        n += 1
                counts[table.name] = n
                digests[table.name] = digest.hexdigest()
            manifest = {
                "format": FORMAT,
                "revision": revision,
                "created_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
                "scope": scope,
                "tables": counts,
                "sha256": digests,
            }
            zf.writestr(_MANIFEST, json.dumps(manifest, indent=1))
        conn.rollback()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    part.replace(path)
    return counts


def read_manifest(path: str | Path) -> dict:
    """The manifest of backup ``path``; :class:`DataError` when it is not a backup file."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(_MANIFEST))
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error, ValueError) as exc:
        raise DataError(f"{path} is not a matchmaker backup: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else None
        raise DataError(f"{path}: backup format {got!r}, expected {FORMAT}")
    known = {t.name for t in _tables()}
    tables, sums = manifest.get("tables"), manifest.get("sha256")
    if not (isinstance(tables, dict) and isinstance(sums, dict) and set(tables) == set(sums)):
        raise DataError(f"{path}: the manifest does not list each table's rows and checksum")
    if unknown := set(tables) - known:
        raise DataError(f"{path} holds tables this version does not know: {sorted(unknown)}")
    if not all(isinstance(n, int) and n >= 0 for n in tables.values()):
        raise DataError(f"{path}: the manifest's row counts are not whole numbers")
    if manifest.get("scope") not in ("full", "workspace"):
        raise DataError(f"{path}: unknown backup scope {manifest.get('scope')!r}")
    return manifest


def _rows(zf: zipfile.ZipFile, table: sa.Table, path):
    """Every row of ``table``'s member, decoded; :class:`DataError` naming the line."""
    member = f"{table.name}.jsonl"
    columns = {c.name: c for c in table.columns}
    decoders = {name: f for name, c in columns.items() if (f := _decoder(c))}
    with zf.open(member) as lines:
        for number, line in enumerate(lines, start=1):
            where = f"{path}: {member} line {number}"
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise DataError(f"{where} is not JSON ({exc})") from None
            if not isinstance(row, dict):
                raise DataError(f"{where} is not a JSON object")
            if unknown := sorted(set(row) - set(columns)):
                raise DataError(f"{where}: unknown column(s) {', '.join(unknown)}")
            for name, value in row.items():
                if value is None:
                    continue
                if not isinstance(value, _kinds(columns[name])):
                    raise DataError(f"{where}: {name} holds {type(value).__name__} {value!r:.40}")
                if name in decoders:
                    try:
                        row[name] = decoders[name](value)
                    except (ValueError, binascii.Error):
                        raise DataError(f"{where}: {name} is not readable: {value!r:.40}") from None
            yield row


def _check(path, manifest: dict, tables: list[sa.Table]) -> None:
    """Read the whole file once: members, checksums, every line, row counts."""
    want = {_MANIFEST} | {f"{t.name}.jsonl" for t in tables}
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if missing := sorted(want - names):
                raise DataError(f"{path} is incomplete: {', '.join(missing)} missing")
            if extra := sorted(names - want):
                raise DataError(f"{path} holds members the manifest does not list: {extra}")
            for table in tables:
                member, digest = f"{table.name}.jsonl", hashlib.sha256()
                with zf.open(member) as raw:
                    while chunk := raw.read(1 << 20):
                        digest.update(chunk)
                if digest.hexdigest() != manifest["sha256"][table.name]:
                    raise DataError(
                        f"{path}: {member} does not match its checksum in the manifest: the "
                        "file was damaged or edited; restore another backup"
                    )
                n = sum(1 for _ in _rows(zf, table, path))
                if n != (rows := manifest["tables"][table.name]):
                    says = f"{table.name} holds {n} rows, its manifest says {rows}"
                    raise DataError(f"{path}: {says}")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise DataError(f"{path} is damaged: {exc}") from None


def restore(store, path: str | Path, actor="system") -> dict[str, int]:
    """Replace the rows of the tables backup ``path`` holds; rows per table.

    ``store`` is the operator's :class:`Store` or an admin's view; other users are refused.
    The file is checked completely first (see the module docstring), then written in one
    transaction. A ``workspace`` backup leaves accounts and the audit log as they are.

    Raises
    ------
    PermissionDenied
        When the acting user is not an admin.
    DataError
        When ``path`` is not a backup, is damaged or edited, was taken at another schema
        revision (upgrade or use a matching release first), or a row is refused.
    StoreError
        When the database is not initialised.
    """
    policy = policy_of(store)
    if policy is not None and policy.role != "admin":
        raise policy._deny("restore a backup: it replaces accounts and the audit log; admins only")
    store = unscoped(store)
    store.check_ready()
    manifest = read_manifest(path)
    ours = store.revision()
    if manifest["revision"] != ours:
        raise DataError(
            f"{path} was taken at schema revision {manifest['revision']}, the database is at "
            f"{ours}: restore into a database at the same revision"
        )
    tables = [t for t in _tables() if t.name in manifest["tables"]]
    if manifest["scope"] == "full" and len(tables) != len(_tables()):
        raise DataError(f"{path}: a full backup must hold every table")
    _check(path, manifest, tables)
    counts: dict[str, int] = {}
    users = metadata.tables["users"]
    keep_users = users not in tables
    doing = ""
    try:
        with zipfile.ZipFile(path) as zf, store.transaction() as conn:
            if keep_users:  # accounts stay: free their organisations while those are replaced
                orgs = dict(conn.execute(sa.select(users.c.user_id, users.c.org_id)).all())
                conn.execute(users.update().values(org_id=None))
            for table in reversed(tables):
                conn.execute(table.delete())
            for table in tables:
                batch: list[dict] = []
                for row in _rows(zf, table, path):
                    batch.append(row)
                    if len(batch) >= _CHUNK:
                        doing = f"the backup's {table.name} rows"
                        conn.execute(table.insert(), batch)
                        batch = []
                if batch:
                    doing = f"the backup's {table.name} rows"
                    conn.execute(table.insert(), batch)
                counts[table.name] = manifest["tables"][table.name]
            if keep_users:
                for user_id, org_id in orgs.items():
                    if org_id is not None:
                        doing = f"company account {user_id}'s organisation {org_id}"
                        where = users.c.user_id == user_id
                        conn.execute(users.update().where(where).values(org_id=org_id))
            if conn.dialect.name == "postgresql":
                _fix_sequences(conn, tables)
            detail = f"{sum(counts.values())} rows from {Path(path).name}"
            audit(store, actor, "restore", detail, conn)
    except sa.exc.IntegrityError as exc:
        reason = str(exc.orig).splitlines()[0]
        raise DataError(
            f"{path}: {doing} are refused by the database ({reason}): a row names a missing "
            "row (a dangling reference) or repeats a key; nothing was restored"
        ) from None
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
