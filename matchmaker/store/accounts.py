"""Accounts, sign-in, sessions and the audit log.

Four roles (:data:`ROLES`): ``organiser`` sees and does everything, ``company`` is bound to one
organisation (``org_id``), ``reviewer`` reads reports and the deal pipeline without contact
details, ``admin`` manages accounts. What each role may see is enforced in the core (see
``docs/security.md``); this module knows who someone is, not what they may read.

Passwords are hashed with argon2id (argon2-cffi, RFC 9106 low-memory profile by default) and
never stored, logged or echoed in clear. :func:`authenticate` gives one message for an unknown
name, a wrong password, a disabled and a locked account, and spends the same hashing work on
each. After ``lockout_failures`` (setting) wrong passwords in a row an account is locked for
``lockout_minutes``, the right password included; :func:`unlock` lifts it. A :class:`Session`
ends ``session_minutes`` (setting) after sign-in, and at once when the account's credential
generation changes (a password reset, a disable or enable, a role change).

Every sign-in and account change is written to the audit log (:mod:`matchmaker.store.audit`,
whose names this module re-exports); failed sign-ins at most :data:`FAILED_AUDIT_PER_MINUTE`
a minute per account.

>>> from matchmaker.store.database import Store
>>> store = Store("sqlite://"); store.init()
'0004'
>>> u = create_user(store, "ana", "correct horse battery", "organiser", actor="setup")
>>> authenticate(store, "ana", "correct horse battery").role
'organiser'
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import argon2
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from matchmaker import config
from matchmaker.errors import AuthError, DataError, NotFoundError, PermissionDenied
from matchmaker.roles import ROLES, now_utc
from matchmaker.store.audit import AuditEntry, audit, audit_log
from matchmaker.store.database import Store
from matchmaker.store.lockout import (
    FAILED_AUDIT_PER_MINUTE,
    audit_failure,
    count_failure,
    lock_state,
    locked_until,
)

__all__ = [
    "FAILED_AUDIT_PER_MINUTE",
    "PASSWORD_MAX_LENGTH",
    "AuditEntry",
    "Session",
    "User",
    "actor_name",
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
    "locked_until",
    "reset_password",
    "set_active",
    "set_role",
    "sign_in",
    "start_session",
    "unlock",
]

SIGN_IN_FAILED = (
    "sign-in failed: unknown user name, wrong password, disabled account, or locked after too "
    "many failures"
)
PASSWORD_MAX_LENGTH = 1024
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,63}$")


@dataclass(frozen=True)
class User:
    """An account. ``org_id`` is set for company users only (their organisation)."""

    user_id: int
    username: str
    role: str
    org_id: str | None
    active: bool
    generation: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Session:
    """A signed-in user until ``expires_at`` (UTC, naive). ``token`` is random, 256 bits;
    ``generation`` is the account's credential generation at sign-in."""

    user: User
    token: str
    started_at: datetime
    expires_at: datetime
    generation: int = 0


def _hasher() -> argon2.PasswordHasher:
    profile = config.get("password_hash")
    if profile == "standard":
        return argon2.PasswordHasher.from_parameters(argon2.profiles.RFC_9106_LOW_MEMORY)
    if profile == "test":
        return argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    raise DataError(f"password_hash setting {profile!r} is not allowed; use standard or test")


def actor_name(actor, what: str = "an account change") -> str:
    """The name recorded for ``actor`` (a :class:`User` or a name): who made ``what``.

    Raises
    ------
    DataError
        When the actor is empty.
    """
    name = actor.username if isinstance(actor, User) else str(actor or "").strip()
    if not name:
        raise DataError(f"{what} needs an actor (who made it); got an empty one")
    return name


def _require_admin(actor) -> None:
    """A signed-in :class:`User` acting on accounts must be an admin; a plain string is the
    operator at the command line (who holds the database itself) and may."""
    if isinstance(actor, User) and actor.role != "admin":
        raise PermissionDenied(
            f"only an admin may manage accounts; {actor.username} is {actor.role}"
        )


def _user(row: dict) -> User:
    active = bool(row["active"])
    return User(row["user_id"], row["username"], row["role"], row["org_id"], active,
                int(row.get("generation") or 0))  # fmt: skip


def check_password(password: str) -> None:
    """Raise :class:`DataError` when ``password`` is not acceptable.

    A password has at least ``password_min_length`` (setting) and at most
    :data:`PASSWORD_MAX_LENGTH` characters, and is neither blank nor one character repeated.
    """
    least = int(config.get("password_min_length"))
    if not isinstance(password, str) or len(password) < least:
        raise DataError(f"a password needs at least {least} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise DataError(
            f"a password has at most {PASSWORD_MAX_LENGTH:,} characters; got {len(password):,}"
        )
    if not password.strip():
        raise DataError("a password cannot be only spaces")
    if len(set(password)) == 1:
        raise DataError("a password cannot be one character repeated")


def _check_name(username: str) -> str:
    name = (username or "").strip().lower()
    if not _NAME.match(name):
        raise DataError(
            f"user name {username!r} is not allowed: 1-64 of a-z 0-9 _ . @ -, starting with a "
            "letter or digit"
        )
    return name


def actor_of(store, default: str = "app"):
    """The user a scoped store acts for (:func:`matchmaker.store.access.scoped`), else
    ``default``."""
    user = getattr(store, "user", None)
    return user if isinstance(user, User) else default


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
    who = actor_name(actor)
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


def _next_generation(store) -> dict:
    """Values that raise an account's credential generation (ending its sessions)."""
    return {"generation": _plain(store).table("users").c.generation + 1}


def set_active(store: Store, username: str, active: bool, actor="system") -> User:
    """Disable (``active=False``) or re-enable an account; a disabled one cannot sign in.

    Either way the account's credential generation changes, so every session it had ends.
    """
    _require_admin(actor)
    user = get_user(store, username)
    with store.transaction() as conn:
        values = {"active": active, "changed_at": now_utc(), **_next_generation(store)}
        store.update("users", (user.user_id,), values, conn=conn)
        action = "user.enable" if active else "user.disable"
        audit(store, actor_name(actor), action, user.username, conn=conn)
    return replace(user, active=active)


def reset_password(store: Store, username: str, password: str, actor="system") -> User:
    """Give ``username`` a new password (its hash replaces the old one); every session of
    the account ends (its credential generation changes)."""
    _require_admin(actor)
    user = get_user(store, username)
    check_password(password)
    values = {"password_hash": _hasher().hash(password), "changed_at": now_utc(),
              **_next_generation(store)}  # fmt: skip
    with store.transaction() as conn:
        store.update("users", (user.user_id,), values, conn=conn)
        audit(store, actor_name(actor), "user.reset", user.username, conn=conn)
    return user


def set_role(store: Store, username: str, role: str, actor="system") -> User:
    """Give ``username`` another role (not ``company``, which needs an organisation); every
    session of the account ends."""
    _require_admin(actor)
    user = get_user(store, username)
    if role not in ROLES or role == "company":
        allowed = ", ".join(r for r in ROLES if r != "company")
        raise DataError(f"role {role!r} is not allowed here; roles: {allowed}")
    values = {"role": role, "org_id": None, "changed_at": now_utc(), **_next_generation(store)}
    with store.transaction() as conn:
        store.update("users", (user.user_id,), values, conn=conn)
        audit(store, actor_name(actor), "user.role", f"{user.username} role={role}", conn=conn)
    return get_user(store, username)


def unlock(store: Store, username: str, actor="system") -> User:
    """Lift the sign-in lockout of ``username`` (and forget its failures); audited."""
    _require_admin(actor)
    user = get_user(store, username)
    with store.transaction() as conn:
        store.update("users", (user.user_id,), {"failed_logins": 0, "locked_until": None},
                     conn=conn)  # fmt: skip
        audit(store, actor_name(actor), "user.unlock", user.username, conn=conn)
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

    After ``lockout_failures`` (setting) wrong passwords in a row the account is locked for
    ``lockout_minutes``: every attempt fails then, the right password too. The lock and its
    end are audited (``sign_in.locked``, ``sign_in.unlocked``); failures are audited at most
    :data:`FAILED_AUDIT_PER_MINUTE` a minute per account.

    Raises
    ------
    AuthError
        With the same message whether the name is unknown, the password wrong, the account
        disabled or locked.
    """
    store = _plain(store)
    hasher = _hasher()
    now = now_utc()
    name = (username or "").strip().lower()
    rows = store.rows("users", username=name) if name else []
    row = rows[0] if rows else None
    locked, row = lock_state(store, row, now)
    ok = False
    password = password or ""
    if len(password) <= PASSWORD_MAX_LENGTH:  # a longer one is never right: no hashing work
        try:
            # An unknown or locked name costs one verification too: timing tells nothing.
            stored = row["password_hash"] if row and not locked else _dummy_hash(hasher)
            ok = hasher.verify(stored, password) and not locked
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    if not (ok and row is not None and row["active"]):
        # An unknown name is not logged: it is often a password typed in the wrong field.
        if row is None:
            who, why = "?", "unknown name"
        elif locked:
            who, why = name, "locked"
        else:
            who, why = name, "disabled" if ok else "wrong password"
        audit_failure(store, who, why)
        if row is not None and not locked and not ok:
            count_failure(store, row, now)
        raise AuthError(SIGN_IN_FAILED)
    values = {"failed_logins": 0} if row["failed_logins"] else {}
    if hasher.check_needs_rehash(row["password_hash"]):
        values["password_hash"] = hasher.hash(password)
    if values:
        store.update("users", (row["user_id"],), values)
    audit(store, name, "sign_in", row["role"])
    return _user(row)


def start_session(user: User, now: datetime | None = None) -> Session:
    """A new session for ``user``, ending ``session_minutes`` (setting) from ``now``; it
    carries the account's credential generation."""
    start = now or now_utc()
    minutes = int(config.get("session_minutes"))
    end = start + timedelta(minutes=minutes)
    return Session(user, secrets.token_urlsafe(32), start, end, user.generation)


def sign_in(store: Store, username: str, password: str) -> Session:
    """:func:`authenticate`, then :func:`start_session`."""
    return start_session(authenticate(store, username, password))


def check_session(
    session: Session | None, now: datetime | None = None, store: Store | None = None
) -> User:
    """The session's user while it lasts.

    With ``store``, the account is read again, so a disabled account, a password reset or
    a changed role ends the session at once (the account's credential generation is no
    longer the session's), even when the account was enabled again since.

    Raises
    ------
    AuthError
        When there is no session, it has expired, or (with ``store``) the account is gone,
        disabled or its credentials changed.
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
    if (user.generation, user.role, user.org_id) != (
        session.generation,
        session.user.role,
        session.user.org_id,
    ):
        raise AuthError("your password or role was changed: sign in again")
    return user
