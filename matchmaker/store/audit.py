"""The audit log: who (``actor``), when (UTC), what (``action``, ``detail``).

Table ``audit_log`` is append-only: nothing updates or deletes a line, and a user's view of
the store (:mod:`matchmaker.store.access`) may only add lines in its own user's name. What a
line quotes (file names, typed names) has its control characters escaped, never refused, so
logging never fails; a line never holds a password.

Actions: ``sign_in``, ``sign_in.failed`` (rate-limited per account), ``sign_in.locked``,
``sign_in.unlocked``, ``user.add``, ``user.disable``, ``user.enable``, ``user.reset``,
``user.role``, ``user.unlock``, ``import``, ``import.refused``, ``export``, ``deal.add``,
``deal.advance``, ``deal.drop``, ``org.update``, ``backup``, ``restore``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matchmaker import config
from matchmaker.roles import now_utc
from matchmaker.store.database import escape_controls

__all__ = ["AuditEntry", "audit", "audit_log"]


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: str | None


def audit(store, actor, action: str, detail: str = "", conn=None) -> None:
    """Append one line to the audit log (in ``conn``'s transaction when given).

    ``actor`` is a user (anything with a ``username``) or a name (``cli:<os user>`` for the
    command line). ``detail`` must never hold a password.
    """
    name = getattr(actor, "username", None) or str(actor or "?")
    limit = int(config.get("max_cell_chars"))
    detail = escape_controls(detail or "")[:limit] or None
    row = {"at": now_utc(), "actor": escape_controls(name), "action": action, "detail": detail}
    store.insert("audit_log", row, conn=conn)


def audit_log(
    store,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The audit log, newest first; ``action`` matches a prefix (``"user."``)."""
    rows = store.audit_rows(actor=actor, action=action, since=since, limit=limit)
    return [AuditEntry(**r) for r in rows]
