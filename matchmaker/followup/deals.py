"""The deal pipeline: intents, projects in progress and signed deals, with their history.

Stages and the only changes allowed between them::

    intent ──> in_progress ──> signed
      │             │
      └──> dropped <┘

``signed`` and ``dropped`` are closed: nothing moves out of them. Any other change raises
:class:`~matchmaker.errors.TransitionError` and writes nothing. Every change (the creation
included) is appended to ``deal_events`` in the same transaction as the deal row: who, when,
from which stage to which, a note, and for the creation the suggestion the deal came from.
That history is never updated or deleted.

Follow-up: an open deal falls due ``follow_up_days`` (setting) after its last change, and is
*stale* when nothing happened to it for ``stale_days`` (setting) or more.

Concurrent editors are kept apart by the deal's ``version``: pass the version you read as
``expected_version`` and a change made by someone else in between raises
:class:`~matchmaker.errors.ConflictError` instead of being overwritten.

These rows are the ``deals`` table the recommender reads as graded positives
(:data:`matchmaker.schema.DEAL_STAGE_GRADE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from matchmaker import config
from matchmaker.errors import ConflictError, DataError, TransitionError
from matchmaker.roles import now_utc
from matchmaker.schema import DEAL_STAGES, Deal, next_id
from matchmaker.store.access import require_org
from matchmaker.store.accounts import actor_name, audit
from matchmaker.store.database import Store

__all__ = [
    "CLOSED_STAGES",
    "OPEN_STAGES",
    "TRANSITIONS",
    "DealEvent",
    "DealStatus",
    "add_deal",
    "advance",
    "drop",
    "get_deal",
    "history",
    "list_deals",
    "set_due_date",
]

OPEN_STAGES = ("intent", "in_progress")
CLOSED_STAGES = ("signed", "dropped")
# stage -> stages it may move to; the documented and enforced pipeline.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "intent": ("in_progress", "dropped"),
    "in_progress": ("signed", "dropped"),
    "signed": (),
    "dropped": (),
}
_NEXT = {"intent": "in_progress", "in_progress": "signed"}
_DEAL_COLS = tuple(Deal.__dataclass_fields__)


@dataclass(frozen=True)
class DealEvent:
    """One immutable entry of a deal's history."""

    id: int
    deal_id: str
    at: datetime
    actor: str
    from_stage: str | None
    to_stage: str
    note: str | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class DealStatus:
    """A deal with its follow-up state as of ``today``."""

    deal: Deal
    last_change: datetime | None
    due_date: date | None
    stale: bool
    overdue: bool


def _record(row: dict) -> Deal:
    return Deal(**{k: row.get(k) for k in _DEAL_COLS if k in row})


def get_deal(store: Store, deal_id: str) -> Deal:
    """The deal ``deal_id``; :class:`NotFoundError` when there is none."""
    return _record(store.get("deals", deal_id))


def _due(at: datetime) -> date:
    return at.date() + timedelta(days=int(config.get("follow_up_days")))


def _new_id(store: Store) -> str:
    return next_id(store.ids("deals"), "D")


def add_deal(
    store: Store,
    org_a: str,
    org_b: str,
    *,
    actor: str,
    event_id: str | None = None,
    suggestion: str | None = None,
    title: str | None = None,
    value_cny: float | None = None,
    note: str | None = None,
    deal_id: str | None = None,
    at: datetime | None = None,
) -> Deal:
    """Record a new deal at stage ``intent`` and its first history entry.

    Parameters
    ----------
    store : Store
    org_a, org_b : str
        The two parties (existing, different organisations).
    actor : str
        Who records it.
    event_id : str, optional
        The event the deal came from.
    suggestion : str, optional
        The suggestion that produced it (e.g. the recommender's reason); kept in the history.
    deal_id : str, optional
        Default: the next free ``D0001``-style id.
    at : datetime, optional
        Time of the change (UTC); default now.

    Raises
    ------
    DataError
        Same organisation twice, an empty actor, an id already used or a negative value.
    NotFoundError
        An organisation or event that is not in the database.
    """
    actor = actor_name(actor, "a deal change")
    if org_a == org_b:
        raise DataError(f"a deal needs two different organisations; got {org_a!r} twice")
    for org in (org_a, org_b):
        store.get("organizations", org)
    if event_id:
        store.get("events", event_id)
    if value_cny is not None and value_cny < 0:
        raise DataError(f"value_cny must be 0 or more; got {value_cny}")
    deal_id = deal_id or _new_id(store)
    if deal_id in store.ids("deals"):
        raise DataError(f"deal id {deal_id!r} is already used")
    at = at or now_utc()
    row = {
        "deal_id": deal_id,
        "org_a": org_a,
        "org_b": org_b,
        "stage": "intent",
        "event_id": event_id or None,
        "title": title,
        "value_cny": value_cny,
        "updated_at": at,
        "note": note,
        "due_date": _due(at),
    }
    with store.transaction() as conn:
        store.insert("deals", row, conn=conn)
        store.insert(
            "deal_events",
            {
                "deal_id": deal_id,
                "at": at,
                "actor": actor,
                "from_stage": None,
                "to_stage": "intent",
                "note": note,
                "suggestion": suggestion,
            },
            conn=conn,
        )
        audit(store, actor, "deal.add", f"{deal_id}: {org_a} + {org_b}", conn=conn)
    return get_deal(store, deal_id)


def _unchanged(deal: Deal, expected_version: int | None) -> Deal:
    """``deal``, or :class:`ConflictError` when it is no longer the version the caller read
    (checked before the pipeline rules, which would judge a stage the caller never saw)."""
    if expected_version is not None and deal.version != expected_version:
        raise ConflictError(
            f"deal {deal.deal_id} was changed by someone else since you read it (version "
            f"{expected_version}, now {deal.version}); reload and try again"
        )
    return deal


def _change(
    store: Store,
    deal_id: str,
    to_stage: str,
    actor: str,
    note: str | None,
    expected_version: int | None,
    at: datetime | None,
) -> Deal:
    actor = actor_name(actor, "a deal change")
    if to_stage not in DEAL_STAGES:
        raise TransitionError(f"unknown stage {to_stage!r}; stages: {', '.join(DEAL_STAGES)}")
    deal = _unchanged(get_deal(store, deal_id), expected_version)
    allowed = TRANSITIONS[deal.stage]
    if to_stage not in allowed:
        can = ", ".join(allowed) if allowed else "nothing (it is closed)"
        raise TransitionError(
            f"deal {deal_id} is {deal.stage}: it cannot move to {to_stage}; allowed: {can}"
        )
    at = at or now_utc()
    values = {
        "stage": to_stage,
        "updated_at": at,
        "due_date": _due(at) if to_stage in OPEN_STAGES else None,
    }
    if note is not None:
        values["note"] = note
    # Without an expected version, still refuse if the deal changed since it was read above.
    version = deal.version if expected_version is None else expected_version
    with store.transaction() as conn:
        store.update("deals", (deal_id,), values, expected_version=version, conn=conn)
        store.insert(
            "deal_events",
            {
                "deal_id": deal_id,
                "at": at,
                "actor": actor,
                "from_stage": deal.stage,
                "to_stage": to_stage,
                "note": note,
                "suggestion": None,
            },
            conn=conn,
        )
        kind = "drop" if to_stage == "dropped" else "advance"
        audit(store, actor, f"deal.{kind}", f"{deal_id}: {deal.stage} -> {to_stage}", conn=conn)
    return get_deal(store, deal_id)


def advance(
    store: Store,
    deal_id: str,
    *,
    actor: str,
    to_stage: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Deal:
    """Move an open deal forward (default: to the next stage) and record the change.

    Raises
    ------
    TransitionError
        When the pipeline does not allow the change; nothing is written.
    ConflictError
        When ``expected_version`` is given and someone changed the deal since.
    NotFoundError
        When there is no deal ``deal_id``.
    """
    if to_stage is None:
        stage = _unchanged(get_deal(store, deal_id), expected_version).stage
        if stage not in _NEXT:
            raise TransitionError(f"deal {deal_id} is {stage}: it is closed and cannot advance")
        to_stage = _NEXT[stage]
    if to_stage == "dropped":
        raise TransitionError("use drop to drop a deal, not advance")
    return _change(store, deal_id, to_stage, actor, note, expected_version, at)


def drop(
    store: Store,
    deal_id: str,
    *,
    actor: str,
    note: str | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Deal:
    """Drop an open deal and record why (``note``); same errors as :func:`advance`."""
    return _change(store, deal_id, "dropped", actor, note, expected_version, at)


def set_due_date(
    store: Store,
    deal_id: str,
    due: date,
    *,
    expected_version: int | None = None,
) -> Deal:
    """Set the follow-up due date of an open deal (the stage and history do not change).

    Raises
    ------
    TransitionError
        When the deal is closed (signed or dropped): closed deals have no follow-up.
    """
    deal = get_deal(store, deal_id)
    if deal.stage not in OPEN_STAGES:
        raise TransitionError(f"deal {deal_id} is {deal.stage}: closed deals have no due date")
    version = deal.version if expected_version is None else expected_version
    store.update("deals", (deal_id,), {"due_date": due}, expected_version=version)
    return get_deal(store, deal_id)


def history(store: Store, deal_id: str) -> list[DealEvent]:
    """The deal's changes, oldest first; :class:`NotFoundError` when there is no such deal."""
    store.get("deals", deal_id)
    rows = store.rows("deal_events", deal_id=deal_id)
    return [DealEvent(**r) for r in sorted(rows, key=lambda r: (r["at"], r["id"]))]


def _status(deal: Deal, last: datetime | None, today: date, stale_days: int) -> DealStatus:
    is_open = deal.stage in OPEN_STAGES
    due = deal.due_date if is_open else None
    if is_open and due is None and last is not None:
        due = _due(last)
    # An open deal with no recorded change at all has never been followed up: stale.
    stale = is_open and (last is None or (today - last.date()).days >= stale_days)
    overdue = is_open and due is not None and due < today
    return DealStatus(deal, last, due, stale, overdue)


def list_deals(
    store: Store,
    *,
    stage: str | None = None,
    event_id: str | None = None,
    org_id: str | None = None,
    stale_only: bool = False,
    today: date | None = None,
) -> list[DealStatus]:
    """Deals with their due date and stale flag, filtered, ordered by deal id.

    ``today`` defaults to the current UTC date; the stale threshold is the ``stale_days``
    setting.
    """
    if stage is not None and stage not in DEAL_STAGES:
        raise DataError(f"unknown stage {stage!r}; stages: {', '.join(DEAL_STAGES)}")
    if event_id:
        store.get("events", event_id)
    if org_id:
        store.get("organizations", org_id)
        require_org(store, org_id, "deals")
    today = today or now_utc().date()
    stale_days = int(config.get("stale_days"))
    last_event: dict[str, datetime] = {}
    for ev in store.rows("deal_events", order=False):
        prev = last_event.get(ev["deal_id"])
        if prev is None or ev["at"] > prev:
            last_event[ev["deal_id"]] = ev["at"]
    out = []
    for row in store.rows("deals"):
        deal = _record(row)
        if stage and deal.stage != stage:
            continue
        if event_id and deal.event_id != event_id:
            continue
        if org_id and org_id not in (deal.org_a, deal.org_b):
            continue
        stamps = [t for t in (last_event.get(deal.deal_id), _as_dt(deal.updated_at)) if t]
        status = _status(deal, max(stamps) if stamps else None, today, stale_days)
        if stale_only and not status.stale:
            continue
        out.append(status)
    return out


def _as_dt(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
