"""Who may see and do what: the one enforcement point of the four roles.

Every core function takes a store. Hand it ``scoped(store, user)`` (or
``ScopedStore(store, user)``) instead of the store itself and every read and write that
function makes goes through the acting user's :class:`Policy`: rows another role may not
see are left out, contact fields are blanked, an explicit question about another
organisation's needs or deals raises :class:`~matchmaker.errors.PermissionDenied`, and so
does any write the role may not make. The view has the same engine and the same methods
as :class:`~matchmaker.store.database.Store`, so no core function needs to know about roles; the
few that take an organisation id as a filter call :func:`require_org` first.

========================  =========  ===============================  ===========
table                     organiser  company (own org ``O``)          reviewer
========================  =========  ===============================  ===========
organizations             all        all; contact fields of O only     all, no contact
segments, chain_links,    all        all                               all
events
items                     all        every offer; needs of O only      refused
relations                 all        those O is party to               refused
participants, meetings    all        those of O                        all
meeting_requests          all        those O made; "meet" asked of O  refused
deals, deal_events        all        deals O is party to               all
contacts                  all        those of O                        refused
users, audit_log          admin      refused                           refused
========================  =========  ===============================  ===========

Writes: organisers everything but accounts; ``admin`` everything (an admin can make an
organiser account anyway, so nothing would be protected by less); a company only its own
organisation row, its own items and contacts, its own meeting requests and deals it is party to; a
reviewer nothing (not even the embedding cache). The audit log is append-only for every
role: a view may add lines in its own user's name only, and never change or replace one.
Before every write the account is read again: a view of an account that was disabled, or
whose password or role changed since the view was made, writes nothing.

Filters on contact columns are refused to roles that do not see them (a filter would confirm
a hidden value), and ``count`` follows the same policy as ``rows``.

>>> from matchmaker.store.accounts import User
>>> from matchmaker.store.database import Store
>>> store = Store("sqlite://"); _ = store.init()
>>> _ = store.upsert({"organizations": [
...     {"org_id": "A", "name": "Acme", "kind": "company", "website": "acme.test"},
...     {"org_id": "B", "name": "Beta", "kind": "company", "website": "beta.test"}]})
>>> view = scoped(store, User(1, "acme", "company", "A", True))
>>> [(o["org_id"], o["website"]) for o in view.rows("organizations")]
[('A', 'acme.test'), ('B', None)]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from matchmaker.errors import AuthError, PermissionDenied
from matchmaker.roles import FULL_ROLES, ROLES
from matchmaker.schema import TABLE_ORDER
from matchmaker.store.database import Store

__all__ = [
    "ACCOUNT_TABLES",
    "CONTACT_COLUMNS",
    "Policy",
    "ScopedStore",
    "policy_of",
    "require_org",
    "scoped",
    "unscoped",
]

# Columns that hold contact details, in any table that has them (website today).
CONTACT_COLUMNS = frozenset(
    {"website", "people", "phone", "email", "contact", "contact_name", "contact_email"}
)
ACCOUNT_TABLES = frozenset({"users", "audit_log"})
_REVIEWER_REFUSED = frozenset({"items", "relations", "meeting_requests", "contacts"})
# The organisation columns of each private table; a company sees a row when one holds O.
_PARTY = {
    "items": ("org_id",),
    "relations": ("org_a", "org_b"),
    "participants": ("org_id",),
    "meetings": ("org_a", "org_b"),
    "meeting_requests": ("org_id",),
    "deals": ("org_a", "org_b"),
    "contacts": ("org_id",),
}
_ORG_FILTERS = ("org_id", "org_a", "org_b", "other_id")
_COMPANY_WRITES = frozenset(
    {"organizations", "items", "meeting_requests", "deals", "deal_events", "contacts"}
)
# Store attributes that hold no organisation data: open to every role.
_OPEN = frozenset({"url", "table", "check_ready", "revision", "cached_vectors"})


class Policy:
    """What one user may see and do; see the table in the module docstring.

    Parameters
    ----------
    user : matchmaker.store.accounts.User
        Anything with ``username``, ``role``, ``org_id`` and ``active``.

    Raises
    ------
    AuthError
        When the account is disabled.
    PermissionDenied
        When the role is unknown, or a company user has no organisation.
    """

    def __init__(self, user):
        if user.role not in ROLES:
            raise PermissionDenied(f"role {user.role!r} is not allowed; roles: {', '.join(ROLES)}")
        if not user.active:
            raise AuthError(f"the account {user.username} is disabled")
        if user.role == "company" and not user.org_id:
            raise PermissionDenied(f"company user {user.username} is bound to no organisation")
        self.user = user
        self.role = user.role
        self.org = user.org_id if user.role == "company" else None

    @property
    def full(self) -> bool:
        """True for organisers and admins: every workspace row, contact fields included."""
        return self.role in FULL_ROLES

    def _deny(self, what: str) -> PermissionDenied:
        return PermissionDenied(f"{self.user.username} ({self.role}) may not {what}")

    # --- reads ----------------------------------------------------------------------

    def check_read(self, name: str) -> None:
        """Refuse a table the role may not read at all."""
        if name in ACCOUNT_TABLES and self.role != "admin":
            raise self._deny(f"read {name}: accounts and the audit log are for admins")
        if self.role == "reviewer" and name in _REVIEWER_REFUSED:
            raise self._deny(f"read {name}: reviewers see reports and the deal pipeline")

    def check_query(self, name: str, where: dict, own_deals=frozenset()) -> None:
        """Refuse an explicit question about another organisation's private rows, and a
        filter on a column the user does not see (it would confirm a hidden value)."""
        self.check_read(name)
        if not self.full and (hidden := sorted(CONTACT_COLUMNS & set(where))):
            raise self._deny(f"filter {name} on {', '.join(hidden)}: contact fields are hidden")
        if self.org is None:
            return
        if name == "items" and where.get("side") == "need":
            if where.get("org_id", self.org) != self.org:
                raise self._deny(f"see the needs of {where['org_id']}")
        elif name in _PARTY and name != "items":
            pinned = [where[c] for c in _ORG_FILTERS if c in where]
            if pinned and self.org not in pinned:
                raise self._deny(f"see the {name} of {', '.join(map(str, pinned))}")
        elif name == "deal_events" and "deal_id" in where and where["deal_id"] not in own_deals:
            raise self._deny(f"see the history of deal {where['deal_id']}")

    def visible(self, name: str, row: dict, own_deals=frozenset()) -> bool:
        """Whether ``row`` of table ``name`` is shown to this user."""
        if self.org is None:
            return True
        if name == "items":
            return row["side"] == "offer" or row["org_id"] == self.org
        if name == "meeting_requests" and row.get("kind") == "meet":
            return self.org in (row["org_id"], row["other_id"])
        if name in _PARTY:
            return any(row[c] == self.org for c in _PARTY[name])
        if name == "deal_events":
            return row["deal_id"] in own_deals
        return True

    def redact(self, row: dict) -> dict:
        """``row`` with contact fields blanked unless the user may see them."""
        if self.full or (self.org is not None and row.get("org_id") == self.org):
            return row
        return {k: (None if k in CONTACT_COLUMNS else v) for k, v in row.items()}

    # --- writes ---------------------------------------------------------------------

    def check_write(self, name: str, row: dict, own_deals=frozenset()) -> None:
        """Refuse writing ``row`` (new values, or the stored row being changed)."""
        if name == "audit_log":
            # Append-only: a new line in the user's own name is all anyone may write.
            if row.get("id") is not None or row.get("actor") != self.user.username:
                raise self._deny("write the audit log but as itself, one new line at a time")
            return
        if name in ACCOUNT_TABLES and self.role != "admin":
            raise self._deny(f"change {name}: accounts are for admins")
        if self.full:
            return
        if self.role == "reviewer" or name not in _COMPANY_WRITES:
            raise self._deny(f"change {name}")
        if name == "organizations" and row.get("org_id") != self.org:
            raise self._deny(f"change organisation {row.get('org_id')}")
        if name == "deal_events":
            ok = row.get("deal_id") in own_deals
        else:
            own = name not in ("items", "meeting_requests") or row.get("org_id") == self.org
            ok = self.visible(name, row) and own
        if not ok:
            raise self._deny(f"change {name} of another organisation")

    def require_org(self, org_id: str | None, what: str = "data") -> None:
        """Refuse a company user asking about another organisation's ``what``."""
        if self.role == "reviewer" and what in ("suggestions", "needs"):
            raise self._deny(f"see {what}")
        if self.org is not None and org_id is not None and org_id != self.org:
            raise self._deny(f"see the {what} of {org_id}")


class ScopedStore:
    """A :class:`~matchmaker.store.database.Store` seen through one user's :class:`Policy`.

    Same engine and same methods as the store; ``unscoped`` is the store itself (for the
    shared recommender index, which is built once from all data). Store methods that hold
    no organisation data (``_OPEN``) pass through; others the policy does not know are open
    to organisers and admins only.
    """

    def __init__(self, store, user):
        self.unscoped = store
        self.policy = Policy(user)
        self.user = user

    def __repr__(self) -> str:
        return f"{self.unscoped!r} as {self.user.username} ({self.policy.role})"

    def __getattr__(self, attr: str):
        if attr in _OPEN or (self.policy.full and not attr.startswith("_")):
            return getattr(self.unscoped, attr)
        raise self.policy._deny(f"use Store.{attr}")

    def init(self) -> str:
        if self.policy.role != "admin":
            raise self.policy._deny("initialise or upgrade the database")
        return self.unscoped.init()

    def as_user(self, user) -> ScopedStore:
        """Another user's view; only an admin (who may sign in as anyone) may switch."""
        if self.policy.role != "admin":
            raise self.policy._deny("act as another user")
        return ScopedStore(self.unscoped, user)

    # --- reads ----------------------------------------------------------------------

    def own_deals(self, conn=None) -> frozenset:
        """Ids of the deals the company user's organisation is party to (empty otherwise)."""
        org = self.policy.org
        if org is None:
            return frozenset()
        t = self.unscoped.table("deals")
        query = sa.select(t.c.deal_id).where(sa.or_(t.c.org_a == org, t.c.org_b == org))
        with _connection(self.unscoped, conn) as c:
            return frozenset(r[0] for r in c.execute(query))

    def _deals_if(self, name: str) -> frozenset:
        return self.own_deals() if name == "deal_events" else frozenset()

    def rows(self, name: str, order: bool = True, **where) -> list[dict]:
        """:meth:`Store.rows` as the user may see them."""
        mine = self._deals_if(name)
        self.policy.check_query(name, where, mine)
        return [
            self.policy.redact(r)
            for r in self.unscoped.rows(name, order, **where)
            if self.policy.visible(name, r, mine)
        ]

    def get(self, name: str, *key) -> dict:
        """:meth:`Store.get`; a row the user may not see raises PermissionDenied."""
        self.policy.check_read(name)
        row = self.unscoped.get(name, *key)
        if not self.policy.visible(name, row, self._deals_if(name)):
            what = "deal" if name == "deals" else name
            raise self.policy._deny(f"see {what} {', '.join(map(str, key))}")
        return self.policy.redact(row)

    def ids(self, name: str) -> set:
        """Keys of ``name``; single opaque ids are not organisation data and are all given
        (so new ids never collide), composite keys only of visible rows."""
        self.policy.check_read(name)
        table = self.unscoped.table(name)
        cols = [c.name for c in table.primary_key.columns]
        if len(cols) == 1 or self.policy.org is None:
            return self.unscoped.ids(name)
        return {tuple(r[c] for c in cols) for r in self.rows(name, order=False)}

    def count(self, name: str) -> int:
        """Rows of ``name`` the user may see (reviewers: every row of a workspace table they
        may read); a table the user may not read is refused, as by :meth:`rows`."""
        self.policy.check_read(name)
        if name in ACCOUNT_TABLES or self.policy.org is not None:
            return len(self.rows(name, order=False))
        return self.unscoped.count(name)

    def counts(self) -> dict[str, int]:
        """Rows per workspace table the user may read (refused tables are left out)."""
        out = {}
        for name in TABLE_ORDER:
            try:
                self.policy.check_read(name)
            except PermissionDenied:
                continue
            out[name] = self.count(name)
        return out

    frame = Store.frame  # calls this view's rows

    # --- writes ---------------------------------------------------------------------

    def check_account(self, conn=None) -> None:
        """Refuse when the view's account is gone, disabled, or its password or role changed
        since the view was made (read again before every write)."""
        user = self.user
        t = self.unscoped.table("users")
        query = sa.select(t.c.active, t.c.generation, t.c.role, t.c.org_id).where(
            t.c.user_id == user.user_id, t.c.username == user.username
        )
        with _connection(self.unscoped, conn) as c:
            row = c.execute(query).first()
        if row is None:
            raise AuthError(f"the account {user.username} no longer exists")
        if not row.active:
            raise AuthError(f"the account {user.username} is disabled")
        now = (row.generation, row.role, row.org_id)
        if now != (getattr(user, "generation", 0), user.role, user.org_id):
            raise AuthError(f"the password or role of {user.username} changed: sign in again")

    @contextlib.contextmanager
    def transaction(self) -> Iterator:
        if self.policy.role == "reviewer":
            raise self.policy._deny("change anything")
        self.check_account()
        with self.unscoped.transaction() as conn:
            yield conn

    def save_vectors(self, model_id: str, vectors: dict, dim: int) -> None:
        """:meth:`Store.save_vectors` (the embedding cache); refused to reviewers."""
        if self.policy.role == "reviewer":
            raise self.policy._deny("write the embedding cache")
        self.check_account()
        self.unscoped.save_vectors(model_id, vectors, dim)

    def _stored(self, name: str, key: tuple, conn=None) -> dict | None:
        table = self.unscoped.table(name)
        cols = list(table.primary_key.columns)
        query = sa.select(table).where(*(c == k for c, k in zip(cols, key, strict=True)))
        with _connection(self.unscoped, conn) as c:
            row = c.execute(query).first()
        return None if row is None else dict(row._mapping)

    def _check(self, name: str, rows: list[dict], conn=None) -> None:
        self.check_account(conn)
        if self.policy.full or name == "audit_log":
            for row in rows:
                self.policy.check_write(name, row)
            return
        mine = self.own_deals(conn) if name == "deal_events" else frozenset()
        cols = [c.name for c in self.unscoped.table(name).primary_key.columns]
        for row in rows:
            self.policy.check_write(name, row, mine)
            if all(c in row for c in cols):
                old = self._stored(name, tuple(row[c] for c in cols), conn)
                if old is not None:
                    self.policy.check_write(name, old, mine)

    def upsert(self, tables: dict[str, Iterable[dict]]) -> dict[str, tuple[int, int]]:
        """:meth:`Store.upsert` after every row (new and stored) passed the policy."""
        tables = {name: list(rows) for name, rows in tables.items()}
        if "audit_log" in tables:
            raise self.policy._deny("upsert into the audit log: it is append-only")
        for name, rows in tables.items():
            self._check(name, rows)
        return self.unscoped.upsert(tables)

    def insert(self, name: str, row: dict, conn=None) -> None:
        self._check(name, [row], conn)
        self.unscoped.insert(name, row, conn=conn)

    def update(self, name, key, values, expected_version=None, conn=None) -> None:
        """:meth:`Store.update` when both the stored and the changed row pass the policy."""
        if name == "audit_log":
            raise self.policy._deny("change the audit log: it is append-only")
        old = self._stored(name, tuple(key), conn)
        if old is not None:
            self._check(name, [old, {**old, **values}], conn)
        self.unscoped.update(name, key, values, expected_version, conn)

    def delete(self, name: str, key: tuple, conn=None) -> bool:
        """:meth:`Store.delete` when the stored row passes the policy."""
        old = self._stored(name, tuple(key), conn)
        if old is not None:
            self._check(name, [old], conn)
        elif self.policy.role == "reviewer":
            raise self.policy._deny(f"change {name}")
        return self.unscoped.delete(name, key, conn=conn)

    def delete_meeting_request(self, event_id: str, org_id: str, other_id: str) -> bool:
        self.check_account()
        self.policy.check_write("meeting_requests", {"org_id": org_id, "other_id": other_id})
        return self.unscoped.delete_meeting_request(event_id, org_id, other_id)

    def replace_meetings(self, event_id: str, rows: list[dict], replace_status: str) -> int:
        self.check_account()
        self.policy.check_write("meetings", {"event_id": event_id, "org_a": None, "org_b": None})
        return self.unscoped.replace_meetings(event_id, rows, replace_status)

    def insert_returning_id(self, name: str, row: dict, conn=None) -> int:
        self._check(name, [row], conn)
        return self.unscoped.insert_returning_id(name, row, conn=conn)

    def audit_rows(self, **filters) -> list[dict]:
        self.policy.check_read("audit_log")
        return self.unscoped.audit_rows(**filters)


@contextlib.contextmanager
def _connection(store, conn=None):
    if conn is not None:
        yield conn
    else:
        with store.engine.connect() as c:
            yield c


def scoped(store, user) -> ScopedStore:
    """``store`` as ``user`` sees it; ``user=None`` is the operator: the store itself."""
    if user is None:
        return store
    if isinstance(store, ScopedStore):
        return store.as_user(user)
    return ScopedStore(store, user)


def policy_of(store) -> Policy | None:
    """The policy of a scoped view; None for a plain store (the operator)."""
    return store.policy if isinstance(store, ScopedStore) else None


def unscoped(store):
    """The store behind a view (for building shared indexes from all data)."""
    return store.unscoped if isinstance(store, ScopedStore) else store


def require_org(store, org_id: str | None, what: str = "data") -> None:
    """Refuse a company user asking about another organisation's ``what``; a no-op for the
    operator and full roles."""
    policy = policy_of(store)
    if policy is not None:
        policy.require_org(org_id, what)
