"""What every page shares: the language, the cached store and frames, tables, error messages.

Not a page itself (``app.py`` does not list it). Pages call the core one way, with function
objects (never names as strings): ``ui.cached(func, *args)`` for a read
(``func(store, *args)``, cached until the data changes), ``ui.write(func, *args)`` for a call
that writes (caches refreshed after it). A computation over live objects that cannot be a
cache key (an invitation plan over the recommender's pair source) calls the core function
with ``ui.store()``, the signed-in user's view. Caching follows Streamlit's split:
``st.cache_resource`` for the store and the recommender (one shared object, rebuilt when
the data changes), ``st.cache_data`` for frames (each caller gets a copy). Cache keys
include :func:`matchmaker.views.browse.data_stamp`, so any write makes the next run read fresh
data.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import logging
import secrets
import threading
from dataclasses import replace
from datetime import datetime

import pandas as pd
import streamlit as st

from matchmaker import config
from matchmaker.errors import AuthError, MatchmakerError, ValidationError
from matchmaker.ingest.files import escape_frame
from matchmaker.roles import now_utc
from matchmaker.store import accounts as auth
from matchmaker.store.access import scoped
from matchmaker.store.database import Store, resolve_url
from matchmaker.views import browse as views
from matchmaker.views.i18n import LANGUAGES, column_labels, t, value_label

_log = logging.getLogger("matchmaker.app")
LANG_KEY = "app_lang"
STAMP_KEY = "app_stamp"
SHOWN_ROWS = 2000  # rows a page lists at once (a long list is narrowed by search and filters)


# --- language --------------------------------------------------------------------------


def lang() -> str:
    """The interface language of this session (``en`` or ``zh``)."""
    st.session_state.setdefault(LANG_KEY, config.get("lang"))
    value = st.session_state[LANG_KEY]
    return value if value in LANGUAGES else "en"


def tr(key: str, **values) -> str:
    """Label ``key`` in the session's language."""
    return t(key, lang(), **values)


def val(value) -> str:
    """An enumerated data value (tier, stage, ...) in the session's language."""
    return value_label(value, lang())


def language_switch() -> None:
    """The English / 中文 switch (a sidebar widget)."""
    lang()
    st.radio(
        t("app.language", lang()),
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=LANG_KEY,
        horizontal=True,
    )


# --- store and caches ------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def base_store() -> Store:
    """The store named by the ``db`` setting (``MATCHMAKER_DB``), shared by all sessions:
    for sign-in and the shared caches only; pages read and write through :func:`store`."""
    return _store(resolve_url())


def store():
    """The signed-in user's view of the store (:func:`matchmaker.store.access.scoped`): every core
    call a page makes with it sees and does only what the user's role may."""
    return scoped(base_store(), user())


# --- sign-in ---------------------------------------------------------------------------

SESSION_KEY = "auth_session"
USER_KEY = "auth_user"
SIGNIN_MESSAGE_KEY = "auth_message"


def has_accounts() -> bool:
    """True when at least one account exists (the sign-in page says how to make one)."""
    return bool(auth.list_users(base_store()))


def sign_in(username: str, password: str) -> bool:
    """Check the name and password (audited either way); True and a new session when right."""
    try:
        session = auth.sign_in(base_store(), username, password)
    except AuthError:
        return False
    st.session_state[SESSION_KEY] = session
    st.session_state[USER_KEY] = session.user
    return True


def sign_out() -> None:
    """End this session (and forget it in this browser: the cookie is deleted)."""
    for key in (SESSION_KEY, USER_KEY):
        st.session_state.pop(key, None)
    st.session_state[FORGET_KEY] = True


# --- a session that survives a browser reload --------------------------------------------
# A reload opens a new Streamlit session, so the signed-in session is kept in a cookie: a
# token "user|expiry|account stamp|HMAC-SHA256", signed with a key drawn at random when the
# server starts (a restart signs everyone out). It is read once per browser session from the
# request (st.context.cookies) and only honoured while it has not expired, its signature is
# right and the account is active and unchanged since (a password reset, disabling or role
# change signs out); signing out deletes it. The cookie is written with
# extra-streamlit-components' CookieManager, SameSite=Strict.

COOKIE = "matchmaker_session"
FORGET_KEY = "auth_forget"
RESTORED_KEY = "auth_restore_tried"


@st.cache_resource(show_spinner=False)
def _signing_key() -> bytes:
    return secrets.token_bytes(32)


def _stamp_of(username: str) -> str | None:
    rows = base_store().rows("users", username=username)
    if not rows or not rows[0]["active"]:
        return None
    account = f"{rows[0]['changed_at']}|{rows[0]['role']}|{rows[0]['password_hash']}"
    return hashlib.sha256(account.encode()).hexdigest()[:24]


def session_token(session, key: bytes | None = None) -> str:
    """The signed cookie value of ``session``."""
    stamp = _stamp_of(session.user.username) or ""
    body = f"{session.user.username}|{session.expires_at:%Y%m%d%H%M%S}|{stamp}"
    mac = hmac.new(key or _signing_key(), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}|{mac}"


def session_from_token(token: str | None, key: bytes | None = None, now=None):
    """The session a cookie value stands for, or None when it is missing, forged, expired,
    or its account was disabled or changed since it was signed."""
    if not token or token.count("|") != 3:
        return None
    body, mac = token.rsplit("|", 1)
    good = hmac.new(key or _signing_key(), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, good):
        return None
    username, expiry, stamp = body.split("|")
    try:
        expires_at = datetime.strptime(expiry, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if expires_at <= (now or now_utc()) or stamp != _stamp_of(username):
        return None
    try:
        session = auth.start_session(auth.get_user(base_store(), username))
    except MatchmakerError:
        return None
    return replace(session, expires_at=min(session.expires_at, expires_at))


def _cookies():
    import extra_streamlit_components as stx  # a component: imported where it is drawn

    return stx.CookieManager(key="auth_cookies")


def restore_session() -> None:
    """At the start of a browser session: sign in again from a valid cookie (once)."""
    if st.session_state.get(RESTORED_KEY) or st.session_state.get(SESSION_KEY):
        return
    st.session_state[RESTORED_KEY] = True
    if st.session_state.get(FORGET_KEY):
        return
    session = session_from_token(st.context.cookies.get(COOKIE))
    if session is not None:
        st.session_state[SESSION_KEY] = session
        st.session_state[USER_KEY] = session.user


def remember_session() -> None:
    """Write the signed cookie of the signed-in session, or delete it after signing out."""
    session = st.session_state.get(SESSION_KEY)
    if session is not None:
        token = session_token(session)
        if st.context.cookies.get(COOKIE) != token and not st.session_state.get("auth_written"):
            _cookies().set(
                COOKIE, token, expires_at=session.expires_at, key="auth_cookie_set",
                same_site="strict",
            )  # fmt: skip
            st.session_state["auth_written"] = True
    elif st.session_state.pop(FORGET_KEY, False):
        with contextlib.suppress(KeyError):
            _cookies().delete(COOKIE, key="auth_cookie_delete")
        st.session_state.pop("auth_written", None)


def check_signed_in():
    """The session's user, read again from the database (a disabled account or an expired
    session ends it at once, with the reason kept for the sign-in page); None when signed out."""
    session = st.session_state.get(SESSION_KEY)
    if session is None:
        st.session_state.pop(USER_KEY, None)
        return None
    try:
        current = auth.check_session(session, store=base_store())
    except AuthError as exc:
        sign_out()
        st.session_state[SIGNIN_MESSAGE_KEY] = str(exc)
        return None
    st.session_state[USER_KEY] = current
    return current


def user():
    """The signed-in :class:`matchmaker.store.accounts.User` of this run (:class:`AuthError` if
    none)."""
    current = st.session_state.get(USER_KEY)
    if current is None:
        raise AuthError("not signed in")
    return current


def role() -> str:
    return user().role


def own_org() -> str | None:
    """The company user's organisation; None for the other roles."""
    return user().org_id if user().role == "company" else None


def can_write() -> bool:
    """False for reviewers (read-only); pages hide their change controls then."""
    return user().role != "reviewer"


def _who() -> tuple:
    u = user()
    return (u.user_id, u.username, u.role, u.org_id, u.active)


def stamp() -> tuple:
    """The data stamp of this run (computed once per run by :func:`refresh_stamp`)."""
    if STAMP_KEY not in st.session_state:
        refresh_stamp()
    return st.session_state[STAMP_KEY]


def refresh_stamp() -> tuple:
    """Read the data stamp again; call after every write."""
    st.session_state[STAMP_KEY] = views.data_stamp(base_store())
    return st.session_state[STAMP_KEY]


def require_ready() -> None:
    """Stop the page with a message when the database is not initialised."""
    try:
        base_store().check_ready()
    except MatchmakerError as exc:
        st.error(tr("app.not_ready", error=plain(exc)))
        st.stop()
    refresh_stamp()


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(target: str, url: str, who: tuple, data: tuple, args: tuple, kwargs: tuple, _func=None):
    # ``target`` names the function in the key; ``_func`` (not hashed) is the one to call
    return _func(scoped(_store(url), auth.User(*who)), *args, **dict(kwargs))


def cached(func, *args, **kwargs):
    """``func(store, *args, **kwargs)`` for a core read function, cached until the data
    changes (every caller gets its own copy of the result)."""
    target = f"{func.__module__}:{func.__qualname__}"
    key = (resolve_url(), _who(), stamp())  # one cache entry per user: each sees their own
    return _cached(target, *key, args, tuple(sorted(kwargs.items())), _func=func)


def clear_caches() -> None:
    """Forget every cached frame and resource built from the data (the store stays)."""
    _cached.clear()
    for clear in _RESOURCE_CLEARERS:
        clear()
    refresh_stamp()


_RESOURCE_CLEARERS: list = []


def data_resource(func):
    """``st.cache_resource`` for objects built from the data (keyed on the stamp)."""
    cached = st.cache_resource(show_spinner=False, max_entries=2)(func)
    _RESOURCE_CLEARERS.append(cached.clear)
    return cached


# --- rendering -------------------------------------------------------------------------


@contextlib.contextmanager
def core_errors():
    """Show errors from the core as messages (never tracebacks) and skip the rest of the block."""
    try:
        yield
    except ValidationError as exc:
        st.error(tr("io.refused", n=f"{exc.total:,}"))
        problems = pd.DataFrame(
            [(p.file, p.row, p.column, p.message) for p in exc.shown],
            columns=["file", "row", "column", "message"],
        )
        table(problems, key="problems")
        if exc.more:
            st.caption(tr("io.more_problems", shown=len(exc.shown), more=f"{exc.more:,}"))
    except MatchmakerError as exc:
        st.error(tr("app.error", error=plain(exc)))
    except Exception as exc:  # a bug, not bad input: a message here, the traceback in the log
        _log.exception("unexpected error in a page")
        st.error(tr("app.unexpected", error=plain(f"{type(exc).__name__}: {exc}")))


def shown(value, empty: str = "") -> str:
    """A cell or fact as text; None, NaN and NaT as ``empty`` (never "None" or "nan")."""
    if value is None or (not isinstance(value, str | tuple | list) and pd.isna(value)):
        return empty
    return str(value)


def localise(frame: pd.DataFrame, values: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``frame`` with enumerated ``values`` columns and headers translated."""
    out = frame.copy()
    for col in values:
        if col in out:  # an empty cell stays empty (never "None" or "nan")
            out[col] = out[col].map(lambda v: "" if shown(v) == "" else val(v))
    headers = column_labels(out.columns, lang())
    seen: dict[str, int] = {}
    for col in out.columns:  # two columns must never end up with one header
        label = headers.get(col, col)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            headers[col] = f"{label} ({col})"
    return out.rename(columns=headers)


def table(
    frame: pd.DataFrame, key: str, values: tuple[str, ...] = (), height: int | None = None
) -> None:
    """A sortable table (its toolbar downloads CSV) with translated headers and values."""
    if frame is None or frame.empty:
        st.caption(tr("common.none"))
        return
    kwargs = {"height": height} if height else {}
    st.dataframe(localise(frame, values), hide_index=True, key=key, width="stretch", **kwargs)


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Frames as one workbook, one sheet per entry (for download buttons); every text cell
    goes through :func:`matchmaker.ingest.files.escape_formula`."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            escape_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as CSV bytes for a download button (UTF-8 with BOM, so Excel reads it);
    every text cell goes through :func:`matchmaker.ingest.files.escape_formula`."""
    return escape_frame(frame).to_csv(index=False).encode("utf-8-sig")


def write(func, *args, **kwargs):
    """``func(store, *args, **kwargs)`` for a core call that writes; caches are refreshed."""
    result = func(store(), *args, **kwargs)
    clear_caches()
    return result


FLASH_KEY = "app_flash"


def flash(message: str) -> None:
    """Show ``message`` as a success note at the top of the next run (after ``st.rerun``)."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    """Show and forget the message left by :func:`flash`."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


# --- model and recommender -------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _models() -> dict:
    """The embedding models of this process by model id (each loaded at most once)."""
    return {}


def embedder():
    """The workspace's embedding model, as the command line picks it
    (:func:`matchmaker.recommend.workspace_model.select_embedder`: the setting
    ``embedding_model``, or the model trained on a mostly Chinese workspace), lazy: it is
    loaded only when a text is not embedded yet, once per process."""
    from matchmaker.recommend.workspace_model import select_embedder

    with st.spinner(tr("suggest.loading_model")):
        chosen = select_embedder(base_store(), lazy=True)
        return _models().setdefault(chosen.model_id, chosen)


class ProgressEmbedder:
    """An embedder that reports ``(done, total)`` texts to ``callback`` as it goes."""

    CHUNK = 64

    def __init__(self, inner, callback=None):
        self.inner, self.callback = inner, callback
        self.model_id = inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim  # a lazy model says without loading when it can

    def encode(self, texts, progress=False):
        import numpy as np

        texts = list(texts)
        parts = []
        for start in range(0, len(texts), self.CHUNK):
            parts.append(self.inner.encode(texts[start : start + self.CHUNK]))
            if self.callback:
                self.callback(min(start + self.CHUNK, len(texts)), len(texts))
        if not parts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(parts)


@st.cache_resource(show_spinner=False)
def _recommenders() -> dict:
    """One shared slot per process: ``{(url, stamp, model): Recommender}``, newest only.

    The recommender is built outside a cached function so that its progress bar can be
    drawn in the page (a cached function may not draw into the page's blocks).
    """
    return {"lock": threading.Lock(), "built": {}}


_RESOURCE_CLEARERS.append(_recommenders.clear)


def recommender():
    """The workspace's :class:`~matchmaker.recommend.recommender.Recommender`, shared by all
    sessions and
    rebuilt when the data changes; a progress bar shows while texts are being embedded."""
    from matchmaker.recommend.recommender import TUNING, Recommender

    model = config.get("embedding_model")
    key = (resolve_url(), stamp(), model, tuple(config.read(*TUNING).values()))
    slot = _recommenders()
    with slot["lock"]:
        rec = slot["built"].get(key)
        if rec is None:
            inner = embedder()
            bar = st.empty()

            def on_progress(done: int, total: int) -> None:
                text = tr("suggest.embedding", done=done, total=total)
                bar.progress(done / max(total, 1), text=text)

            wrapped = ProgressEmbedder(inner, on_progress)
            with st.spinner(tr("suggest.building")):
                rec = Recommender(
                    base_store(), embedder=wrapped, **config.read(*TUNING)
                )  # all data
            wrapped.callback = None
            bar.empty()
            kept = {k: v for k, v in slot["built"].items() if k[0] != key[0]}
            slot["built"] = {**kept, key: rec}
    return rec.as_user(store())  # what it answers passes the signed-in user's policy


def actor() -> str:
    """Who is using the app (the signed-in user name), recorded in deal histories."""
    return user().username


@st.cache_resource(show_spinner=False, max_entries=8)
def _pairs(url: str, data: tuple, model: str, who: tuple, ids: tuple, _rec) -> list:
    return list(_rec.pair_values(ids))


def pair_source():
    """``org_ids -> pair values`` from the shared recommender, cached per set of ids until the
    data changes (the pair source :mod:`matchmaker.events.service` planners take)."""
    rec = recommender()
    key = (resolve_url(), stamp(), config.get("embedding_model"), _who())
    return lambda ids: _pairs(*key, tuple(sorted(set(ids))), rec)


def key(name: str) -> str:
    """The widget key for a widget whose option labels are translated: one key per language,
    so the browser redraws the widget when the language changes (otherwise it keeps showing
    the old label); the chosen value carries over from the other language's key."""
    current = f"{name}@{lang()}"
    if current not in st.session_state:
        for code in LANGUAGES:
            other = f"{name}@{code}"
            if other != current and other in st.session_state:
                st.session_state[current] = st.session_state[other]
                break
    return current


_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()#+-.!|<>~$"})


def plain(text) -> str:
    """User text for ``st.markdown``: markdown and HTML characters escaped, so a name or
    description is shown as typed, never rendered as links, images or markup."""
    return "" if text is None else str(text).translate(_MARKDOWN)
