"""Issue 13, items 1, 7 and 12: who may back up and restore what, integrity checks, damaged
backups refused with one message (exit 2), backup files readable by their owner only."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import DataError, PermissionDenied
from matchmaker.store import accounts as auth
from matchmaker.store.access import scoped
from matchmaker.store.backup import backup, read_manifest, restore
from tests.test_backup import _dump, _fill

PW = "backup-test-pass-1"
runner = CliRunner()


@pytest.fixture
def filled(sqlite_store):
    _fill(sqlite_store)  # ana: company of A, root: admin
    auth.create_user(sqlite_store, "olga", PW, "organiser", actor="setup")
    auth.create_user(sqlite_store, "rita", PW, "reviewer", actor="setup")
    return sqlite_store


def _as(store, name, *args, password=PW, monkeypatch=None):
    monkeypatch.setenv("MATCHMAKER_PASSWORD", password)
    return runner.invoke(app, ["--db", store.url, "--user", name, *args])


def _rewrite(src, dst, edit=None, drop=(), sums=True):
    """Copy backup ``src`` to ``dst`` with members changed by ``edit`` ({member: fn}),
    members in ``drop`` left out, and (``sums``) the manifest's checksums made to match."""
    with zipfile.ZipFile(src) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    for name, fn in (edit or {}).items():
        members[name] = fn(members[name])
    manifest = json.loads(members.pop("manifest.json"))
    if sums:
        for table in manifest["tables"]:
            if f"{table}.jsonl" in members:
                members_bytes = members[f"{table}.jsonl"]
                manifest["sha256"][table] = hashlib.sha256(members_bytes).hexdigest()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            if name not in drop:
                zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest))
    return dst


def _lines(edit_row):
    def fn(data: bytes) -> bytes:
        rows = [json.loads(x) for x in data.splitlines()]
        return b"".join(json.dumps(edit_row(r)).encode() + b"\n" for r in rows)

    return fn


# --- item 1: backup and restore of accounts and the audit log are admin/operator only ----


def test_the_reported_attack_fails(filled, tmp_path, monkeypatch):
    """olga (organiser) backs up, makes herself admin, empties the log, restores."""
    took = _as(filled, "olga", "backup", str(tmp_path / "b.zip"), monkeypatch=monkeypatch)
    assert took.exit_code == 0, took.output
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert "users.jsonl" not in zf.namelist() and "audit_log.jsonl" not in zf.namelist()
        assert not any(b"$argon2" in zf.read(n) for n in zf.namelist())
    assert read_manifest(tmp_path / "b.zip")["scope"] == "workspace"
    # with a full backup (the operator's) edited the same way
    backup(filled, tmp_path / "full.zip")
    evil = _rewrite(
        tmp_path / "full.zip",
        tmp_path / "evil.zip",
        {
            "users.jsonl": _lines(lambda r: {**r, "role": "admin"}),
            "audit_log.jsonl": lambda data: b"",
        },
        sums=False,
    )
    before = _dump(filled)
    res = _as(filled, "olga", "restore", "--yes", str(evil), monkeypatch=monkeypatch)
    assert res.exit_code == 1 and "olga (organiser) may not restore" in res.output
    res = runner.invoke(app, ["--db", filled.url, "restore", "--yes", str(evil)])
    assert res.exit_code == 2 and "does not match its checksum" in res.output
    assert auth.get_user(filled, "olga").role == "organiser"
    after = _dump(filled)
    assert after["users"] == before["users"]
    assert after["audit_log"][: len(before["audit_log"])] == before["audit_log"]


@pytest.mark.parametrize("name", ["ana", "rita"])
def test_company_and_reviewer_may_not_back_up(filled, tmp_path, monkeypatch, name):
    res = _as(filled, name, "backup", str(tmp_path / "b.zip"), monkeypatch=monkeypatch)
    assert res.exit_code == 1 and "may not back up" in res.output
    assert not (tmp_path / "b.zip").exists()


def test_admin_backs_up_everything_and_restores(filled, tmp_path, monkeypatch):
    res = _as(filled, "root", "backup", str(tmp_path / "b.zip"), monkeypatch=monkeypatch)
    assert res.exit_code == 0
    assert read_manifest(tmp_path / "b.zip")["tables"]["users"] == 4
    res = _as(filled, "root", "restore", "--yes", str(tmp_path / "b.zip"), monkeypatch=monkeypatch)
    assert res.exit_code == 0, res.output


def test_a_workspace_backup_restores_without_touching_accounts_or_the_log(filled, tmp_path):
    olga = scoped(filled, auth.get_user(filled, "olga"))
    counts = backup(olga, tmp_path / "w.zip", actor="olga")
    assert "users" not in counts and "audit_log" not in counts
    with pytest.raises(PermissionDenied, match="may not restore"):
        restore(olga, tmp_path / "w.zip")
    filled.upsert({"organizations": [{"org_id": "C", "name": "Later", "kind": "finance"}]})
    auth.create_user(filled, "late", PW, "reviewer", actor="setup")
    log = filled.count("audit_log")
    restore(scoped(filled, auth.get_user(filled, "root")), tmp_path / "w.zip", actor="root")
    assert sorted(filled.ids("organizations")) == ["A", "B"]
    assert auth.get_user(filled, "late").role == "reviewer"
    assert auth.get_user(filled, "ana").org_id == "A"  # the company account keeps its org
    assert filled.count("audit_log") == log + 1  # only the restore line was added


def test_a_workspace_backup_without_a_company_users_organisation_is_refused(filled, tmp_path):
    backup(scoped(filled, auth.get_user(filled, "olga")), tmp_path / "w.zip")
    filled.upsert({"organizations": [{"org_id": "C", "name": "Later", "kind": "finance"}]})
    auth.create_user(filled, "cleo", PW, "company", org_id="C", actor="setup")
    before = _dump(filled)
    with pytest.raises(DataError, match="refused by the database"):
        restore(filled, tmp_path / "w.zip")
    assert _dump(filled) == before


# --- item 7: a damaged backup is refused whole, with one message and exit status 2 -----


def _corrupt(src, dst):
    """Flip bytes inside the compressed data of deals.jsonl (its CRC no longer matches)."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("deals.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + info.compress_size - 2):
        data[i] ^= 0x55
    dst.write_bytes(bytes(data))
    return dst


DAMAGE = {
    "corrupted member": (lambda s, d: _corrupt(s, d), "is damaged"),
    "bad JSON line": (
        lambda s, d: _rewrite(s, d, {"deals.jsonl": lambda b: b + b"{not json\n"}),
        "deals.jsonl line 2 is not JSON",
    ),
    "dangling foreign key": (
        lambda s, d: _rewrite(s, d, {"deals.jsonl": _lines(lambda r: {**r, "org_b": "ZZ"})}),
        "deals rows are refused by the database",
    ),
    "missing member": (
        lambda s, d: _rewrite(s, d, drop={"items.jsonl"}),
        "is incomplete: items.jsonl missing",
    ),
    "unknown column": (
        lambda s, d: _rewrite(s, d, {"users.jsonl": _lines(lambda r: {**r, "is_root": 1})}),
        "users.jsonl line 1: unknown column(s) is_root",
    ),
    "wrong value type": (
        lambda s, d: _rewrite(s, d, {"users.jsonl": _lines(lambda r: {**r, "user_id": "x"})}),
        "users.jsonl line 1: user_id holds str",
    ),
    "extra member": (
        lambda s, d: _add_member(_rewrite(s, d)),
        "members the manifest does not list",
    ),
}


def _add_member(path):
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("notes.txt", "hi")
    return path


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_backup_is_refused_with_one_message(filled, tmp_path, damage):
    make, message = DAMAGE[damage]
    backup(filled, tmp_path / "b.zip")
    bad = make(tmp_path / "b.zip", tmp_path / "bad.zip")
    before = _dump(filled)
    res = runner.invoke(app, ["--db", filled.url, "restore", "--yes", str(bad)])
    assert res.exit_code == 2, (res.output, res.exception)
    assert message in res.output and "Traceback" not in res.output
    assert res.output.count("\n") == 1 and res.output.startswith("error: ")
    assert _dump(filled) == before


# --- item 12: backups are readable by their owner only ----------------------------------


def test_backup_files_are_0600(filled, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        (tmp_path / "b.zip.part").write_bytes(b"left over")
        (tmp_path / "b.zip.part").chmod(0o644)
        backup(filled, tmp_path / "b.zip")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "b.zip").stat().st_mode) == 0o600
    res = runner.invoke(app, ["--db", filled.url, "backup", str(tmp_path / "c.zip")])
    assert res.exit_code == 0 and stat.S_IMODE((tmp_path / "c.zip").stat().st_mode) == 0o600
