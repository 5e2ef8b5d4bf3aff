"""The store on both backends: schema, upsert idempotence, versioned updates, the vector cache."""

from __future__ import annotations

from datetime import date

import pytest

from matchmaker.errors import ConflictError, DataError, NotFoundError, StoreError
from matchmaker.store.database import Store

ORGS = [
    {
        "org_id": "A1",
        "name": "Yellow Sea Optics",
        "kind": "company",
        "local": True,
        "chains": ("photonics",),
    },
    {
        "org_id": "A2",
        "name": "Baotou Germanium",
        "kind": "company",
        "local": False,
        "chains": ("photonics", "materials"),
    },
]


def test_init_is_idempotent_and_versioned(store):
    first = store.revision()
    assert first is not None
    assert store.init() == first


def test_uninitialised_database_is_refused(db_url):
    with pytest.raises(StoreError, match="not initialised"):
        Store(db_url).check_ready()


def test_upsert_adds_then_changes_nothing_then_updates(store):
    assert store.upsert({"organizations": ORGS}) == {"organizations": (2, 0)}
    assert store.upsert({"organizations": ORGS}) == {"organizations": (0, 0)}
    changed = [dict(ORGS[0], name="Yellow Sea Optics Co.")]
    assert store.upsert({"organizations": changed}) == {"organizations": (0, 1)}
    row = store.get("organizations", "A1")
    assert row["name"] == "Yellow Sea Optics Co."
    assert row["version"] == 2
    assert store.get("organizations", "A2")["chains"] == ("photonics", "materials")


def test_upsert_writes_parents_first_in_one_transaction(store):
    event = {"event_id": "P1", "name": "Photonics day", "date": date(2025, 5, 9)}
    part = {"event_id": "P1", "org_id": "A1", "status": "attended"}
    store.upsert({"participants": [part], "events": [event], "organizations": ORGS})
    assert store.rows("participants") == [part]
    assert store.counts()["events"] == 1


def test_failed_upsert_leaves_nothing(store):
    bad = {"event_id": "P1", "org_id": "NOPE", "status": "attended"}
    event = {"event_id": "P1", "name": "Photonics day", "date": date(2025, 5, 9)}
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        store.upsert({"events": [event], "participants": [bad]})
    assert store.counts()["events"] == 0


def test_versioned_update_refuses_a_stale_writer(store):
    store.upsert({"organizations": ORGS})
    version = store.get("organizations", "A1")["version"]
    store.update("organizations", ("A1",), {"region": "Qingdao"}, expected_version=version)
    with pytest.raises(ConflictError, match="changed by someone else"):
        store.update("organizations", ("A1",), {"region": "Jinan"}, expected_version=version)
    assert store.get("organizations", "A1")["region"] == "Qingdao"
    with pytest.raises(NotFoundError):
        store.update("organizations", ("ZZ",), {"region": "x"})


def test_vector_cache_round_trip(store):
    store.save_vectors("m", {"h1": b"\x00\x01", "h2": b"\x02\x03"}, dim=1)
    store.save_vectors("m", {"h1": b"\x00\x01"}, dim=1)  # already there: skipped
    assert store.cached_vectors("m", ["h1", "h2", "h3"]) == {"h1": b"\x00\x01", "h2": b"\x02\x03"}
    assert store.cached_vectors("other", ["h1"]) == {}


def test_frame_joins_list_columns(store):
    store.upsert({"organizations": ORGS})
    frame = store.frame("organizations")
    assert list(frame["chains"]) == ["photonics", "photonics;materials"]


def test_overlong_text_is_refused_on_every_write_path(store, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MAX_CELL_CHARS", "10")
    long_name = dict(ORGS[0], name="x" * 11)
    with pytest.raises(DataError, match=r"organizations\.name is 11 characters long; at most 10"):
        store.upsert({"organizations": [long_name]})
    assert store.count("organizations") == 0
    store.upsert({"organizations": [dict(ORGS[0], name="short")]})
    with pytest.raises(DataError, match=r"organizations\.chains"):
        store.update("organizations", ("A1",), {"chains": ("y" * 11,)})
    with pytest.raises(DataError, match=r"organizations\.region"):
        store.insert("organizations", dict(ORGS[1], name="B", region="z" * 11))
    assert store.get("organizations", "A1")["chains"] == ("photonics",)


def test_the_data_stamp_is_one_query_and_moves_with_every_change(sqlite_store):
    import sqlalchemy as sa

    from matchmaker.views.browse import data_stamp

    store = sqlite_store
    store.upsert({"organizations": [{"org_id": "A1", "name": "Acme", "kind": "company"}]})
    queries = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    before = data_stamp(store)
    assert len(queries) == 1
    store.update("organizations", ("A1",), {"name": "Acme Ltd"})  # an edit: version grows
    edited = data_stamp(store)
    store.upsert({"organizations": [{"org_id": "B2", "name": "Beta", "kind": "company"}]})
    assert len({before, edited, data_stamp(store)}) == 3
