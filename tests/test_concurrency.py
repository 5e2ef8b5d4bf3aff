"""No lost updates, nothing half-written: two real connections, a killed import, fuzzed imports.

Each concurrent writer has its own :class:`Store` (its own engine and connection), on SQLite
and on PostgreSQL (``store``/``db_url`` fixtures).
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.errors import ConflictError, ValidationError
from matchmaker.followup import deals
from matchmaker.followup.orgs import update_organization
from matchmaker.ingest.workspace import export_workspace, import_workspace
from matchmaker.store import accounts as auth
from matchmaker.store.database import Store

ORGS = [
    {"org_id": "A", "name": "Acme", "kind": "company", "region": "Hefei"},
    {"org_id": "B", "name": "Beta", "kind": "university", "region": "Wuhu"},
]


def _race(url: str, edits: list) -> list:
    """Run each edit(store) in its own thread with its own Store, released together;
    return what each returned or raised, in order."""
    stores = [Store(url) for _ in edits]
    start = threading.Barrier(len(edits))
    results: list = [None] * len(edits)

    def run(i):
        start.wait()
        try:
            results[i] = edits[i](stores[i])
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(edits))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stores:
        s.engine.dispose()
    return results


def _one_winner(results: list) -> int:
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    winners = [i for i, r in enumerate(results) if not isinstance(r, Exception)]
    assert len(winners) == 1 and len(conflicts) == len(results) - 1, results
    assert all("changed by someone else" in str(c) for c in conflicts)
    return winners[0]


@pytest.mark.parametrize("round_", range(3))
def test_two_editors_of_one_deal(store, round_):
    store.upsert({"organizations": ORGS})
    deal = deals.add_deal(store, "A", "B", actor="setup")
    edits = [
        lambda s: deals.advance(s, deal.deal_id, actor="ana", note="ana's", expected_version=1),
        lambda s: deals.drop(s, deal.deal_id, actor="bo", note="bo's", expected_version=1),
    ]
    winner = _one_winner(_race(store.url, edits))
    final = deals.get_deal(store, deal.deal_id)
    assert (final.stage, final.note, final.version) == [
        ("in_progress", "ana's", 2),
        ("dropped", "bo's", 2),
    ][winner]
    changes = deals.history(store, deal.deal_id)[1:]
    assert [h.actor for h in changes] == [["ana"], ["bo"]][winner]
    assert len(auth.audit_log(store, action="deal.")) == 2  # the add and the one change


@pytest.mark.parametrize("round_", range(3))
def test_two_editors_of_one_organisation(store, round_):
    store.upsert({"organizations": ORGS})
    edits = [
        lambda s: update_organization(s, "A", {"region": "Hefei-1"}, 1, actor="ana"),
        lambda s: update_organization(s, "A", {"name": "Acme Two"}, 1, actor="bo"),
    ]
    winner = _one_winner(_race(store.url, edits))
    row = store.get("organizations", "A")
    assert (row["name"], row["region"], row["version"]) == [
        ("Acme", "Hefei-1", 2),
        ("Acme Two", "Hefei", 2),
    ][winner]
    assert [e.actor for e in auth.audit_log(store, action="org.")] == [["ana"], ["bo"]][winner]


def test_a_writer_waiting_on_an_open_transaction_gets_a_conflict(store):
    """The worst interleaving: B writes while A's change is written but not yet committed.
    B waits for A's commit, then finds the version moved: a conflict, never an overwrite."""
    store.upsert({"organizations": ORGS})
    a, b = Store(store.url), Store(store.url)
    a_written, outcome = threading.Event(), {}

    def writer_b():
        a_written.wait(10)
        t0 = time.monotonic()
        try:
            update_organization(b, "A", {"name": "B's name"}, 1, actor="bo")
            outcome["b"] = "written"
        except ConflictError:
            outcome["b"] = "conflict"
        outcome["waited"] = time.monotonic() - t0

    thread = threading.Thread(target=writer_b)
    thread.start()
    with a.transaction() as conn:
        a.update("organizations", ("A",), {"name": "A's name"}, 1, conn=conn)
        a_written.set()
        time.sleep(0.5)  # B is now blocked on A's row (PostgreSQL) or write lock (SQLite)
    thread.join(30)
    assert outcome["b"] == "conflict" and outcome["waited"] >= 0.3
    row = store.get("organizations", "A")
    assert (row["name"], row["version"]) == ("A's name", 2)
    a.engine.dispose()
    b.engine.dispose()


# --- an import killed half-way ----------------------------------------------------------


def _big_workspace(folder: Path, n_orgs: int, n_items: int) -> Path:
    folder.mkdir()
    with open(folder / "organizations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["org_id", "name", "kind", "region", "description"])
        w.writerow(["A", "Acme renamed", "company", "Hefei", "changed by the big import"])
        for i in range(n_orgs):
            w.writerow([f"O{i:06d}", f"Org {i}", "company", "Hefei", f"makes part {i} " * 8])
    with open(folder / "items.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "org_id", "side", "type", "title", "description"])
        for i in range(n_items):
            org = f"O{i % n_orgs:06d}"
            w.writerow([f"I{i:07d}", org, "offer", "product", f"Part {i}", "steel " * 20])
    return folder


def _writing_import(url: str, backend_pid_query) -> bool:
    """True once a write transaction of the import has lasted a while (seen twice, 0.2 s
    apart): the process is inside the one transaction of :meth:`Store.upsert`."""
    return backend_pid_query() and (time.sleep(0.2) or backend_pid_query())


def _sqlite_writer_active(path: str):
    def probe() -> bool:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")  # refused while another connection writes
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()

    return probe


def _pg_writer_active(url: str):
    engine = sa.create_engine(url)
    query = sa.text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.datname = current_database() "
        "AND c.relname = 'items' AND l.mode = 'RowExclusiveLock' AND a.pid <> pg_backend_pid()"
    )

    def probe() -> bool:
        with engine.connect() as conn:
            return conn.execute(query).scalar() > 0

    probe.engine = engine
    return probe


def test_killed_import_leaves_the_database_as_before(store, tmp_path):
    store.upsert({"organizations": ORGS})
    export_workspace(store, tmp_path / "before")
    workspace = _big_workspace(tmp_path / "big", n_orgs=6000, n_items=30000)
    sqlite = store.engine.dialect.name == "sqlite"
    probe = (
        _sqlite_writer_active(store.engine.url.database) if sqlite else _pg_writer_active(store.url)
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "matchmaker", "--db", store.url, "import", str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    try:
        while not _writing_import(store.url, probe):
            assert proc.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        output = proc.communicate(timeout=30)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        if not sqlite:
            probe.engine.dispose()
    assert proc.returncode == -signal.SIGKILL and "added" not in output
    store.engine.dispose()
    after = Store(store.url)
    if not sqlite:  # the server rolls the dead client's transaction back
        _wait_backends_gone(after)
    export_workspace(after, tmp_path / "after")
    for f in sorted((tmp_path / "before").iterdir()):
        assert f.read_bytes() == (tmp_path / "after" / f.name).read_bytes(), f.name
    if sqlite:
        with after.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # and the database takes the next import normally
    import_workspace(after, tmp_path / "before")
    after.engine.dispose()


def _wait_backends_gone(store: Store) -> None:
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    for _ in range(300):
        with store.engine.connect() as conn:
            if conn.execute(query).scalar() == 0:
                return
        time.sleep(0.05)


# --- fuzzed imports never corrupt the database -------------------------------------------

_IDS = st.sampled_from(["A", "B", "C", "=X", "", "A "])
_TEXT = st.sampled_from(["ok", "", "=1+2", "<b>x</b>", "+cmd", "a\nb", "x" * 30, "\x07bell"])
_KIND = st.sampled_from(["company", "university", "bank", ""])
_ORG = st.tuples(_IDS, _TEXT, _KIND, _TEXT)
_ITEM = st.tuples(_IDS, _IDS, st.sampled_from(["offer", "need", "gift"]), _TEXT)
_WORKSPACE = st.tuples(st.lists(_ORG, max_size=4), st.lists(_ITEM, max_size=3))


def _write(folder: Path, workspace) -> Path:
    orgs, items = workspace
    folder.mkdir()
    with open(folder / "organizations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["org_id", "name", "kind", "description"])
        w.writerows(orgs)
    if items:
        with open(folder / "items.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["item_id", "org_id", "side", "type", "title"])
            w.writerows((i, o, side, "product", t) for i, o, side, t in items)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORKSPACE, min_size=1, max_size=3))
def test_fuzzed_imports_never_corrupt_the_database(workspaces):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = Store(f"sqlite:///{tmp / 'f.db'}")
        store.init()
        accepted = 0
        for n, ws in enumerate(workspaces):
            before = export_workspace(store, tmp / f"pre{n}") and _files(tmp / f"pre{n}")
            try:
                import_workspace(store, _write(tmp / f"ws{n}", ws))
                accepted += 1
            except ValidationError:
                export_workspace(store, tmp / f"post{n}")
                assert _files(tmp / f"post{n}") == before  # a refused import wrote nothing
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        export_workspace(store, tmp / "out1")
        again = Store(f"sqlite:///{tmp / 'g.db'}")
        again.init()
        import_workspace(again, tmp / "out1")
        export_workspace(again, tmp / "out2")
        assert _files(tmp / "out1") == _files(tmp / "out2")
        store.engine.dispose()
        again.engine.dispose()
