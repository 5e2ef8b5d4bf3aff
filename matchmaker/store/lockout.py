"""Sign-in lockout: after ``lockout_failures`` (setting, 10) wrong passwords in a row an
account refuses every sign-in, the right password too, for ``lockout_minutes`` (15).

The counter and the lock's end live on the account (``users.failed_logins``,
``users.locked_until``, migration 0004). The lock and its end are audited
(``sign_in.locked``, ``sign_in.unlocked``); failed sign-ins are audited at most
:data:`FAILED_AUDIT_PER_MINUTE` a minute per account (``?`` for unknown names), so an attacker
cannot flood the log. :func:`matchmaker.store.accounts.unlock` lets an admin lift a lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from matchmaker import config
from matchmaker.roles import now_utc
from matchmaker.store.audit import audit

__all__ = [
    "FAILED_AUDIT_PER_MINUTE",
    "audit_failure",
    "count_failure",
    "lock_state",
    "locked_until",
]

FAILED_AUDIT_PER_MINUTE = 20


def _plain(store):
    return getattr(store, "unscoped", store)


def locked_until(store, username: str) -> datetime | None:
    """When the lockout of ``username`` ends; None when it is not locked."""
    rows = _plain(store).rows("users", username=(username or "").strip().lower())
    until = rows[0]["locked_until"] if rows else None
    return until if until is not None and until > now_utc() else None


def lock_state(store, row: dict | None, now: datetime) -> tuple[bool, dict | None]:
    """Whether the account ``row`` is locked at ``now``; a lock that has ended is lifted
    (audited ``sign_in.unlocked``) and the row returned as it is now."""
    if row is None or row["locked_until"] is None:
        return False, row
    if row["locked_until"] > now:
        return True, row
    store.update("users", (row["user_id"],), {"locked_until": None, "failed_logins": 0})
    audit(store, row["username"], "sign_in.unlocked", "lockout ended")
    return False, {**row, "locked_until": None, "failed_logins": 0}


def audit_failure(store, who: str, why: str) -> None:
    """Audit a failed sign-in, at most :data:`FAILED_AUDIT_PER_MINUTE` a minute per account
    (``?`` for unknown names), so failures cannot flood the log."""
    since = now_utc() - timedelta(minutes=1)
    recent = store.audit_rows(actor=who, action="sign_in.failed", since=since,
                              limit=FAILED_AUDIT_PER_MINUTE)  # fmt: skip
    if len(recent) < FAILED_AUDIT_PER_MINUTE:
        audit(store, who, "sign_in.failed", why)


def count_failure(store, row: dict, now: datetime) -> None:
    """One more wrong password in a row; the ``lockout_failures``-th locks the account."""
    users = store.table("users")
    with store.transaction() as conn:
        where = users.c.user_id == row["user_id"]
        conn.execute(users.update().where(where).values(failed_logins=users.c.failed_logins + 1))
        failed = conn.execute(sa.select(users.c.failed_logins).where(where)).scalar()
        if failed < int(config.get("lockout_failures")):
            return
        until = now + timedelta(minutes=int(config.get("lockout_minutes")))
        conn.execute(users.update().where(where).values(failed_logins=0, locked_until=until))
        detail = f"{failed} failed sign-ins in a row; locked until {until:%Y-%m-%d %H:%M:%S} UTC"
        audit(store, row["username"], "sign_in.locked", detail, conn=conn)
