"""Backup and restore: every table comes back exactly, across backends; bad files refused."""

from __future__ import annotations

import json
import zipfile

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import DataError
from matchmaker.followup import deals
from matchmaker.store import accounts as auth
from matchmaker.store.backup import backup, read_manifest, restore
from matchmaker.store.database import Store, metadata

PW = "backup-test-pass-1"


def _fill(store: Store) -> None:
    """A little of everything: workspace rows, deal history, requests, vectors, accounts."""
    from datetime import datetime

    store.upsert(
        {
            "organizations": [
                {
                    "org_id": "A",
                    "name": "Acme",
                    "kind": "company",
                    "chains": ("ev", "ai"),
                    "local": False,
                },
                {"org_id": "B", "name": "Beta", "kind": "university", "chains": (), "local": True},
            ],
            "events": [{"event_id": "E1", "name": "Fair", "date": datetime(2026, 3, 1).date()}],
        }
    )
    deals.add_deal(store, "A", "B", actor="ana", event_id="E1", title="pilot", value_cny=1.5)
    deals.advance(store, "D0001", actor="ana", note="kick-off")
    store.insert(
        "meeting_requests",
        {"event_id": "E1", "org_id": "A", "other_id": "B", "kind": "meet",
         "created_at": datetime(2026, 2, 1, 10, 30)},
    )  # fmt: skip
    store.save_vectors("m", {"h1": b"\x00\x01\xff" * 4, "h2": bytes(12)}, 3)
    auth.create_user(store, "ana", PW, "company", org_id="A", actor="setup")
    auth.create_user(store, "root", PW, "admin", actor="setup")


def _dump(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, in key order, as raw database values."""
    out = {}
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                               for r in rows]  # fmt: skip
    return out


def test_backup_restore_round_trip(store, tmp_path):
    _fill(store)
    path = tmp_path / "b.zip"
    counts = backup(store, path, actor="ops")
    before = _dump(store)
    assert before["audit_log"][-1][2:4] == ("ops", "backup")
    assert counts["users"] == 2 and counts["deal_events"] == 2 and counts["embeddings"] == 2
    assert set(counts) == set(metadata.tables)
    # change, delete and add after the backup
    deals.drop(store, "D0001", actor="bo")
    auth.set_active(store, "ana", False)
    store.update("organizations", ("A",), {"name": "Changed"})
    with store.transaction() as conn:
        conn.execute(metadata.tables["meeting_requests"].delete())
    store.upsert({"organizations": [{"org_id": "C", "name": "New", "kind": "finance"}]})
    assert _dump(store) != before
    restore(store, path, actor="ops")
    after = _dump(store)
    restore_line = after["audit_log"].pop()
    assert restore_line[2:4] == ("ops", "restore")
    assert after == before
    # accounts work after a restore; ids continue past the restored ones
    assert auth.authenticate(store, "ana", PW).org_id == "A"
    deals.add_deal(store, "B", "A", actor="ana")
    assert max(r["id"] for r in store.rows("deal_events")) == 3  # not 4: sequence reset


def test_sqlite_backup_restores_into_postgres(tmp_path, db_url):
    source = Store(f"sqlite:///{tmp_path / 'src.db'}")
    source.init()
    _fill(source)
    path = tmp_path / "b.zip"
    backup(source, path)
    target = Store(db_url)
    target.init()
    target.upsert({"organizations": [{"org_id": "Z", "name": "Gone", "kind": "company"}]})
    restore(target, path)
    got, want = _dump(target), _dump(source)
    assert got.pop("audit_log")[:-1] == want.pop("audit_log")
    assert got == want
    auth.create_user(target, "new", PW, "reviewer")  # sequences moved past restored ids
    assert auth.get_user(target, "new").user_id == 3
    source.engine.dispose()
    target.engine.dispose()


def test_restore_refuses_other_revision_and_non_backups(sqlite_store, tmp_path):
    _fill(sqlite_store)
    path = tmp_path / "b.zip"
    backup(sqlite_store, path)
    before = _dump(sqlite_store)
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["revision"] = "0001"
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    with pytest.raises(DataError, match="revision 0001"):
        restore(sqlite_store, old)
    junk = tmp_path / "junk.zip"
    junk.write_text("not a zip")
    with pytest.raises(DataError, match="not a matchmaker backup"):
        restore(sqlite_store, junk)
    assert _dump(sqlite_store) == before


def test_a_broken_backup_changes_nothing(sqlite_store, tmp_path):
    _fill(sqlite_store)
    path = tmp_path / "b.zip"
    backup(sqlite_store, path)
    before = _dump(sqlite_store)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "users.jsonl":
                data = data.splitlines()[0] + b"\n"  # a row short of the manifest's count
            dst.writestr(item, data)
    with pytest.raises(Exception, match="users holds 1 rows"):
        restore(sqlite_store, bad)
    assert _dump(sqlite_store) == before


def test_backup_is_one_snapshot(sqlite_store, tmp_path, monkeypatch):
    """A write committed while the backup is being read does not show in it."""
    _fill(sqlite_store)
    logged = sqlite_store.count("audit_log")
    other = Store(sqlite_store.url)
    written = []
    real_open = zipfile.ZipFile.open

    def open_and_write(self, name, mode="r", **kw):
        if mode == "w" and name == "organizations.jsonl" and not written:
            other.upsert({"organizations": [{"org_id": "LATE", "name": "L", "kind": "company"}]})
            auth.audit(other, "x", "late", "")
            written.append(1)
        return real_open(self, name, mode, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_and_write)
    counts = backup(sqlite_store, tmp_path / "b.zip")
    assert written and sqlite_store.count("organizations") == 3
    assert counts["organizations"] == 2 and counts["audit_log"] == logged + 1  # + "backup"
    other.engine.dispose()


def test_cli_backup_restore(tmp_path):
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'c.db'}"]
    assert runner.invoke(app, [*db, "init"]).exit_code == 0
    done = runner.invoke(app, [*db, "backup", str(tmp_path / "c.zip")])
    assert done.exit_code == 0 and "backed up" in done.output
    head = Store(f"sqlite:///{tmp_path / 'c.db'}").revision()  # the newest migration
    assert head is not None and read_manifest(tmp_path / "c.zip")["revision"] == head
    ask = runner.invoke(app, [*db, "restore", str(tmp_path / "c.zip")])
    assert ask.exit_code == 2 and "--yes" in ask.output
    done = runner.invoke(app, [*db, "restore", "--yes", str(tmp_path / "c.zip")])
    assert done.exit_code == 0, done.output
    missing = runner.invoke(app, [*db, "restore", "--yes", str(tmp_path / "none.zip")])
    assert missing.exit_code == 2 and "not a matchmaker backup" in missing.output
