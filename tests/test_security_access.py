"""Issue 13, item 9: the holes an adversarial review found in the scoped store.

The workspace and accounts of tests/test_access.py (olga organiser, acme company of A,
rita reviewer, adam admin).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from matchmaker.errors import AuthError, PermissionDenied
from matchmaker.followup import deals
from matchmaker.store import accounts as auth
from matchmaker.store.access import scoped
from tests.test_access import ADMIN, COMPANY, ORGANISER, REVIEWER, ws  # noqa: F401 - fixture

AT = datetime(2025, 5, 1, 9, 0)
EVERYONE = (COMPANY, REVIEWER, ORGANISER, ADMIN)


@pytest.fixture
def db(ws):  # noqa: F811 - the fixture imported above
    return ws


def _line(actor="x", **extra):
    return {"at": AT, "actor": actor, "action": "test", "detail": None, **extra}


@pytest.mark.parametrize("user", EVERYONE, ids=lambda u: u.role)
def test_the_audit_log_is_append_only_for_every_role(db, user):
    view = scoped(db, user)
    first = db.audit_rows(limit=1)[0]
    with pytest.raises(PermissionDenied, match="append-only"):
        view.update("audit_log", (first["id"],), {"detail": "rewritten"})
    with pytest.raises(PermissionDenied, match="append-only"):
        view.upsert({"audit_log": [{**first, "detail": "rewritten"}]})
    with pytest.raises(PermissionDenied):
        view.insert("audit_log", _line(actor="somebody-else"))
    with pytest.raises(PermissionDenied):
        view.insert_returning_id("audit_log", _line(actor=user.username, id=first["id"] + 99))
    assert db.audit_rows(limit=1)[0] == first
    view.insert("audit_log", _line(actor=user.username))  # its own new line is fine
    assert db.audit_rows(limit=1)[0]["actor"] == user.username


def test_a_reviewer_cannot_write_the_embedding_cache(db):
    with pytest.raises(PermissionDenied, match="embedding cache"):
        scoped(db, REVIEWER).save_vectors("m", {"h": b"\x00" * 4}, 1)
    assert db.cached_vectors("m", ["h"]) == {}
    scoped(db, COMPANY).save_vectors("m", {"h": b"\x00" * 4}, 1)
    assert db.cached_vectors("m", ["h"]) == {"h": b"\x00" * 4}


@pytest.mark.parametrize("change", ["disable", "reset", "disable_enable"])
def test_a_view_made_before_the_account_changed_writes_nothing(db, change):
    view = scoped(db, auth.get_user(db, "olga"))
    deals.add_deal(view, "A", "U", actor="olga", at=AT)  # writes while valid
    if change == "disable":
        auth.set_active(db, "olga", False, actor="setup")
    elif change == "reset":
        auth.reset_password(db, "olga", "a brand new passphrase", actor="setup")
    else:
        auth.set_active(db, "olga", False, actor="setup")
        auth.set_active(db, "olga", True, actor="setup")
    before = db.count("deals")
    with pytest.raises(AuthError):
        deals.add_deal(view, "B", "U", actor="olga", at=AT)
    with pytest.raises(AuthError):
        view.upsert({"organizations": [{"org_id": "Z", "name": "Z", "kind": "company"}]})
    assert db.count("deals") == before and "Z" not in db.ids("organizations")


@pytest.mark.parametrize("user", [COMPANY, REVIEWER], ids=lambda u: u.role)
def test_filters_on_hidden_columns_are_refused(db, user):
    view = scoped(db, user)
    for guess in ("beta.test", "wrong.test"):
        with pytest.raises(PermissionDenied, match="contact fields are hidden"):
            view.rows("organizations", website=guess)
        with pytest.raises(PermissionDenied, match="contact fields are hidden"):
            view.frame("organizations", website=guess)
    assert len(scoped(db, ORGANISER).rows("organizations", website="beta.test")) == 1


def test_counts_follow_the_policy_of_rows(db):
    reviewer = scoped(db, REVIEWER)
    for name in ("items", "relations", "meeting_requests", "users", "audit_log"):
        with pytest.raises(PermissionDenied):
            reviewer.count(name)
    assert set(reviewer.counts()) == {
        "organizations", "chains", "segments", "chain_links", "events", "participants",
        "meetings", "deals",
    }  # fmt: skip
    assert scoped(db, COMPANY).count("items") == 3  # its own need and every offer
    with pytest.raises(PermissionDenied):
        scoped(db, COMPANY).count("users")
