"""The four roles of matchmaker's accounts, and the clock every stored time is read from.

A leaf: nothing of matchmaker is imported here, so the store, its access policy and the
account code can all name the roles without importing each other.

* ``organiser`` sees and does everything in the workspace;
* ``company`` is bound to one organisation and sees what concerns it;
* ``reviewer`` reads reports and the deal pipeline, without contact details;
* ``admin`` manages accounts and reads the audit log (and sees what an organiser sees).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["FULL_ROLES", "ROLES", "now_utc"]

ROLES = ("organiser", "company", "reviewer", "admin")
"""Every role an account may hold."""

FULL_ROLES = frozenset({"organiser", "admin"})
"""Roles that see every workspace row, contact fields included."""


def now_utc() -> datetime:
    """The current time in UTC, naive, to the second (how the database stores times)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
