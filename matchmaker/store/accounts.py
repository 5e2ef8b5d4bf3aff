"""Accounts, sign-in, sessions and the audit log.

Four roles (:data:`ROLES`): ``organiser`` sees and does everything, ``company`` is bound to one
organisation (``org_id``), ``reviewer`` reads reports and the deal pipeline without contact
details, ``admin`` manages accounts. What each role may see is enforced in the core (see
``docs/security.md``); this module knows who someone is, not what they may read.

Passwords are hashed with argon2id (argon2-cffi, RFC 9106 low-memory profile by default) and
never stored, logged or echoed in clear. :func:`authenticate` gives one message for an unknown
name, a wrong password and a disabled account, and spends the same hashing work on each. A
:class:`Session` ends ``session_minutes`` (setting) after sign-in.

The audit log (table ``audit_log``) is append-only: who (``actor``), when (UTC), what
(``action``, ``detail``). Actions: ``sign_in``, ``sign_in.failed``, ``user.add``,
``user.disable``, ``user.enable``, ``user.reset``, ``import``, ``import.refused``, ``export``,
``deal.add``, ``deal.advance``, ``deal.drop``, ``org.update``, ``backup``, ``restore``.

>>> from matchmaker.store.database import Store
>>> store = Store("sqlite://"); store.init()
'0003'
>>> u = create_user(store, "ana", "correct horse battery", "organiser", actor="setup")
>>> authenticate(store, "ana", "correct horse battery").role
'organiser'
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import argon2
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from matchmaker import config
from matchmaker.errors import AuthError, DataError, NotFoundError, PermissionDenied
from matchmaker.roles import ROLES, now_utc
from matchmaker.store.database import Store

__all__ = [
    "AuditEntry",
    "Session",
    "User",
    "actor_of",
    "audit",
    "audit_log",
    "authenticate",
    "check_password",
    "check_session",
    "create_user",
    "get_user",
    "has_admin",
    "list_users",
    "reset_password",
    "set_active",
    "sign_in",
    "start_session",
]

SIGN_IN_FAILED = "sign-in failed: unknown user name, wrong password or disabled account"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,63}$")


@dataclass(frozen=True)
class User:
    """An account. ``org_id`` is set for company users only (their organisation)."""

    user_id: int
    username: str
    role: str
    org_id: str | None
    active: bool


@dataclass(frozen=True)
class Session:
    """A signed-in user until ``expires_at`` (UTC, naive). ``token`` is random, 256 bits."""

    user: User
    token: str
    started_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: str | None


def _hasher() -> argon2.PasswordHasher:
    profile = config.get("password_hash")
    if profile == "standard":
        return argon2.PasswordHasher.from_parameters(argon2.profiles.RFC_9106_LOW_MEMORY)
    if profile == "test":
        return argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    raise DataError(f"password_hash setting {profile!r} is not allowed; use standard or test")


def _actor_name(actor) -> str:
    name = actor.username if isinstance(actor, User) else str(actor or "").strip()
    if not name:
        raise DataError("an account change needs an actor (who made it); got an empty one")
    return name


def _require_admin(actor) -> None:
    """A signed-in :class:`User` acting on accounts must be an admin; a plain string is the
    operator at the command line (who holds the database itself) and may."""
    if isinstance(actor, User) and actor.role != "admin":
        raise PermissionDenied(
            f"only an admin may manage accounts; {actor.username} is {actor.role}"
        )


def _user(row: dict) -> User:
    return User(row["user_id"], row["username"], row["role"], row["org_id"], bool(row["active"]))


def check_password(password: str) -> None:
    """Raise :class:`DataError` when ``password`` is shorter than ``password_min_length``."""
    least = int(config.get("password_min_length"))
    if not isinstance(password, str) or len(password) < least:
        raise DataError(f"a password needs at least {least} characters")


def _check_name(username: str) -> str:
    name = (username or "").strip().lower()
    if not _NAME.match(name):
        raise DataError(
            f"user name {username!r} is not allowed: 1-64 of a-z 0-9 _ . @ -, starting with a "
            "letter or digit"
        )
    return name


# --- audit ----------------------------------------------------------------------------


def audit(store: Store, actor, action: str, detail: str = "", conn=None) -> None:
    """Append one line to the audit log (in ``conn``'s transaction when given).

    ``actor`` is a :class:`User` or a name (``cli:<os user>`` for the command line).
    ``detail`` must never hold a password.
    """
    name = actor.username if isinstance(actor, User) else str(actor or "?")
    row = {"at": now_utc(), "actor": name, "action": action, "detail": detail or None}
    store.insert("audit_log", row, conn=conn)


def actor_of(store, default: str = "app"):
    """The user a scoped store acts for (:func:`matchmaker.store.access.scoped`), else
    ``default``."""
    user = getattr(store, "user", None)
    return user if isinstance(user, User) else default


def audit_log(
    store: Store,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The audit log, newest first; ``action`` matches a prefix (``"user."``)."""
    rows = store.audit_rows(actor=actor, action=action, since=since, limit=limit)
    return [AuditEntry(**r) for r in rows]


# --- accounts -------------------------------------------------------------------------


def get_user(store: Store, username: str) -> User:
    """The account named ``username``; :class:`NotFoundError` when there is none."""
    rows = store.rows("users", username=(username or "").strip().lower())
    if not rows:
        raise NotFoundError(f"no user named {username!r}")
    return _user(rows[0])


def list_users(store: Store) -> list[User]:
    """Every account, by user name."""
    return sorted((_user(r) for r in store.rows("users")), key=lambda u: u.username)


def has_admin(store: Store) -> bool:
    """True when at least one active admin account exists."""
    return bool(store.rows("users", role="admin", active=True))


def create_user(
    store: Store,
    username: str,
    password: str,
    role: str,
    org_id: str | None = None,
    actor="system",
) -> User:
    """Create an account; only the argon2 hash of ``password`` is stored.

    Raises
    ------
    DataError
        A bad or taken user name, an unknown role, a short password, a company user
        without an existing ``org_id`` or another role with one.
    PermissionDenied
        When ``actor`` is a signed-in user who is not an admin.
    """
    _require_admin(actor)
    who = _actor_name(actor)
    name = _check_name(username)
    if role not in ROLES:
        raise DataError(f"role {role!r} is not allowed; roles: {', '.join(ROLES)}")
    if role == "company":
        if not org_id:
            raise DataError("a company account needs the organisation it belongs to")
        store.get("organizations", org_id)
    elif org_id:
        raise DataError(f"only company users belong to an organisation; {role} cannot")
    check_password(password)
    hashed = _hasher().hash(password)
    now = now_utc()
    row = {
        "username": name, "password_hash": hashed, "role": role, "org_id": org_id or None,
        "active": True, "created_at": now, "changed_at": now,
    }  # fmt: skip
    try:
        with store.transaction() as conn:
            user_id = store.insert_returning_id("users", row, conn=conn)
            detail = f"{name} role={role}" + (f" org={org_id}" if org_id else "")
            audit(store, who, "user.add", detail, conn=conn)
    except sa.exc.IntegrityError:
        raise DataError(f"user name {name!r} is taken") from None
    return User(user_id, name, role, org_id or None, True)


def set_active(store: Store, username: str, active: bool, actor="system") -> User:
    """Disable (``active=False``) or re-enable an account; a disabled one cannot sign in."""
    _require_admin(actor)
    user = get_user(store, username)
    with store.transaction() as conn:
        values = {"active": active, "changed_at": now_utc()}
        store.update("users", (user.user_id,), values, conn=conn)
        action = "user.enable" if active else "user.disable"
        audit(store, _actor_name(actor), action, user.username, conn=conn)
    return replace(user, active=active)


def reset_password(store: Store, username: str, password: str, actor="system") -> User:
    """Give ``username`` a new password (its hash replaces the old one)."""
    _require_admin(actor)
    user = get_user(store, username)
    check_password(password)
    values = {"password_hash": _hasher().hash(password), "changed_at": now_utc()}
    with store.transaction() as conn:
        store.update("users", (user.user_id,), values, conn=conn)
        audit(store, _actor_name(actor), "user.reset", user.username, conn=conn)
    return user


# --- sign-in and sessions -------------------------------------------------------------

_DUMMY: dict[str, str] = {}


def _dummy_hash(hasher: argon2.PasswordHasher) -> str:
    key = repr((hasher.time_cost, hasher.memory_cost, hasher.parallelism))
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY[key]


def _plain(store):
    """The store behind a user's view: signing in reads accounts no role's view may read."""
    return getattr(store, "unscoped", store)


def authenticate(store: Store, username: str, password: str) -> User:
    """The active user whose name and password match; every attempt is audited.

    Raises
    ------
    AuthError
        With the same message whether the name is unknown, the password wrong or the
        account disabled.
    """
    store = _plain(store)
    hasher = _hasher()
    name = (username or "").strip().lower()
    rows = store.rows("users", username=name) if name else []
    row = rows[0] if rows else None
    ok = False
    try:
        # An unknown name costs one verification too, so timing does not tell names apart.
        ok = hasher.verify(row["password_hash"] if row else _dummy_hash(hasher), password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not (ok and row is not None and row["active"]):
        # An unknown name is not logged: it is often a password typed in the wrong field.
        who, why = (name, "disabled" if ok else "wrong password") if row else ("?", "unknown name")
        audit(store, who, "sign_in.failed", why)
        raise AuthError(SIGN_IN_FAILED)
    if hasher.check_needs_rehash(row["password_hash"]):
        store.update("users", (row["user_id"],), {"password_hash": hasher.hash(password)})
    audit(store, name, "sign_in", row["role"])
    return _user(row)


def start_session(user: User, now: datetime | None = None) -> Session:
    """A new session for ``user``, ending ``session_minutes`` (setting) from ``now``."""
    start = now or now_utc()
    minutes = int(config.get("session_minutes"))
    return Session(user, secrets.token_urlsafe(32), start, start + timedelta(minutes=minutes))


def sign_in(store: Store, username: str, password: str) -> Session:
    """:func:`authenticate`, then :func:`start_session`."""
    return start_session(authenticate(store, username, password))


def check_session(
    session: Session | None, now: datetime | None = None, store: Store | None = None
) -> User:
    """The session's user while it lasts.

    With ``store``, the account is read again, so a disabled account or a changed role
    ends the session at once.

    Raises
    ------
    AuthError
        When there is no session, it has expired, or (with ``store``) the account is gone
        or disabled.
    """
    if session is None:
        raise AuthError("not signed in")
    if (now or now_utc()) >= session.expires_at:
        raise AuthError("your session has expired; sign in again")
    if store is None:
        return session.user
    try:
        user = get_user(_plain(store), session.user.username)
    except NotFoundError:
        raise AuthError("your account no longer exists") from None
    if not user.active or user.user_id != session.user.user_id:
        raise AuthError("your account has been disabled")
    return user
