"""The only code that touches the database.

* :mod:`~matchmaker.store.database` -- :class:`Store`: tables, reads, all-or-nothing writes,
  Alembic migrations (``migrations/``);
* :mod:`~matchmaker.store.access` -- the access policy: :func:`scoped` gives the view of the
  store one user may see and change (every caller acting for a user goes through it);
* :mod:`~matchmaker.store.accounts` -- accounts, sign-in and sessions;
* :mod:`~matchmaker.store.lockout` -- the sign-in lockout after repeated failures;
* :mod:`~matchmaker.store.audit` -- the append-only audit log;
* :mod:`~matchmaker.store.backup` -- one portable, checksummed file holding the tables a
  role may back up, and restore.

The storage layer knows nothing of the policy; the policy wraps the storage layer.
"""

from matchmaker.store.access import Policy, ScopedStore, policy_of, require_org, scoped, unscoped
from matchmaker.store.accounts import User, audit, authenticate
from matchmaker.store.backup import backup, restore
from matchmaker.store.database import Store

__all__ = [
    "Policy",
    "ScopedStore",
    "Store",
    "User",
    "audit",
    "authenticate",
    "backup",
    "policy_of",
    "require_org",
    "restore",
    "scoped",
    "unscoped",
]
