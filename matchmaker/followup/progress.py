"""Follow-up after an event: who owns each deal, what falls due, and progress reported by
the companies themselves.

* Every deal has an owner: the organiser account that follows it up (:func:`set_owner`).
  :func:`due_this_week` is one owner's list: open deals whose follow-up falls due by the end
  of the current week (Sunday), overdue ones included.
* A company reports progress on its own deals (:func:`report_progress`): a stage change
  within the pipeline's rules (:data:`matchmaker.followup.deals.TRANSITIONS`), a note and the
  date of the next step. The report is a history entry by the company's account (from and to
  the same stage when the stage did not change), so :func:`answers` can tell organisers and
  reviewers which companies with an open deal from an event answered since it, and which not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from matchmaker.errors import DataError, TransitionError
from matchmaker.followup.deals import (
    OPEN_STAGES,
    DealStatus,
    advance,
    drop,
    get_deal,
    list_deals,
)
from matchmaker.roles import FULL_ROLES, now_utc
from matchmaker.schema import Deal
from matchmaker.store.access import require_org
from matchmaker.store.accounts import audit

__all__ = [
    "Answer",
    "answers",
    "due_this_week",
    "owners",
    "report_progress",
    "set_owner",
    "withdraw_deal",
]


def owners(store) -> list[str]:
    """User names of the active organiser and admin accounts: who may own a deal. (Read
    from the accounts behind a user's view: names and roles only, for any role.)"""
    accounts = getattr(store, "unscoped", store).rows("users")
    return sorted(u["username"] for u in accounts if u["active"] and u["role"] in FULL_ROLES)


def set_owner(store, deal_id: str, owner: str | None, *, actor: str) -> Deal:
    """Make ``owner`` (an active organiser or admin account; None: nobody) own the deal.

    Raises
    ------
    DataError
        When ``owner`` is not an active organiser or admin account.
    """
    deal = get_deal(store, deal_id)
    if owner is not None and owner not in owners(store):
        allowed = ", ".join(owners(store)) or "none yet: create one with `matchmaker user add`"
        raise DataError(
            f"owner {owner!r} is not an active organiser account; organisers: {allowed}"
        )
    with store.transaction() as conn:
        store.update("deals", (deal_id,), {"owner": owner}, deal.version, conn=conn)
        audit(store, actor, "deal.owner", f"{deal_id}: {owner or '(nobody)'}", conn=conn)
    return get_deal(store, deal_id)


def week_end(today: date) -> date:
    """The Sunday that ends ``today``'s week."""
    return today + timedelta(days=6 - today.weekday())


def due_this_week(store, owner: str | None = None, today: date | None = None) -> list[DealStatus]:
    """Open deals due by the end of this week (overdue ones too), earliest first.

    ``owner``: only that owner's deals (``""``: deals nobody owns); None: everyone's.
    """
    today = today or now_utc().date()
    end = week_end(today)
    out = [
        s
        for s in list_deals(store, today=today)
        if s.deal.stage in OPEN_STAGES
        and s.due_date is not None
        and s.due_date <= end
        and (owner is None or (s.deal.owner or "") == owner)
    ]
    return sorted(out, key=lambda s: (s.due_date, s.deal.deal_id))


def report_progress(
    store,
    deal_id: str,
    *,
    actor: str,
    stage: str | None = None,
    note: str | None = None,
    next_step: date | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Deal:
    """A party's progress report on one deal: a stage change within the pipeline's rules
    (``stage``; None or the current stage: no change), a note and the next step's date.

    Raises
    ------
    TransitionError
        A stage change the pipeline does not allow, or a report on a closed deal.
    DataError
        A report with nothing in it, or a next step in the past.
    PermissionDenied
        When a company user reports on a deal it is not party to.
    """
    deal = get_deal(store, deal_id)
    require_org(store, deal.org_a if _is_party(store, deal.org_a) else deal.org_b, "deals")
    note = (note or "").strip() or None
    at = at or now_utc()
    if deal.stage not in OPEN_STAGES:
        raise TransitionError(f"deal {deal_id} is {deal.stage}: it is closed; nothing to report")
    if next_step is not None and next_step < at.date():
        raise DataError(f"the next step ({next_step}) is in the past; give a later date")
    if stage in (None, deal.stage) and note is None and next_step is None:
        raise DataError("a progress report needs a stage change, a note or a next-step date")
    if stage == "dropped":
        deal = drop(
            store, deal_id, actor=actor, note=note, expected_version=expected_version, at=at
        )
    elif stage not in (None, deal.stage):
        deal = advance(
            store, deal_id, actor=actor, to_stage=stage, note=note,
            expected_version=expected_version, at=at,
        )  # fmt: skip
    else:
        version = deal.version if expected_version is None else expected_version
        with store.transaction() as conn:
            values = {"note": note} if note is not None else {}
            store.update("deals", (deal_id,), values, version, conn=conn)
            row = {
                "deal_id": deal_id,
                "at": at,
                "actor": actor,
                "from_stage": deal.stage,
                "to_stage": deal.stage,
                "note": note or f"next step {next_step}",
            }
            store.insert("deal_events", row, conn=conn)
    if next_step is not None and deal.stage in OPEN_STAGES:
        current = get_deal(store, deal_id)
        store.update("deals", (deal_id,), {"due_date": next_step}, current.version)
    audit(store, actor, "deal.report", f"{deal_id}: {stage or 'no stage change'}")
    return get_deal(store, deal_id)


def _is_party(store, org_id: str) -> bool:
    policy = getattr(store, "policy", None)
    return policy is None or policy.org in (None, org_id)


@dataclass(frozen=True)
class Answer:
    """Whether an organisation with open deals from an event reported since the event."""

    org_id: str
    name: str
    deals: tuple[str, ...]
    answered: bool
    last_report: datetime | None


def answers(store, event_id: str) -> list[Answer]:
    """For each organisation party to an open deal from ``event_id``: did one of its company
    accounts report progress on those deals since the event's day? By organisation id."""
    event = store.get("events", event_id)
    since = datetime.combine(event["date"], datetime.min.time())
    accounts: dict[str, set[str]] = {}
    for u in getattr(store, "unscoped", store).rows("users"):
        if u["role"] == "company" and u["org_id"]:
            accounts.setdefault(u["org_id"], set()).add(u["username"])
    names = {o["org_id"]: o["name"] for o in store.rows("organizations")}
    open_deals = [d for d in store.rows("deals", event_id=event_id) if d["stage"] in OPEN_STAGES]
    reports: dict[str, list] = {}
    for ev in store.rows("deal_events", order=False):
        if ev["at"] >= since:
            reports.setdefault(ev["deal_id"], []).append(ev)
    per_org: dict[str, list[str]] = {}
    for d in open_deals:
        for org in (d["org_a"], d["org_b"]):
            per_org.setdefault(org, []).append(d["deal_id"])
    out = []
    for org, deal_ids in sorted(per_org.items()):
        mine = accounts.get(org, set())
        times = [e["at"] for d in deal_ids for e in reports.get(d, ()) if e["actor"] in mine]
        out.append(
            Answer(org, names.get(org, org), tuple(deal_ids), bool(times), max(times, default=None))
        )
    return out


def withdraw_deal(store, deal_id: str, *, actor: str) -> None:
    """Undo a deal just recorded by mistake ("mark interest" clicked by accident): the deal
    and its only history entry are removed, and the audit log keeps the trace.

    Raises
    ------
    TransitionError
        When the deal has changed since it was recorded (more than its creation in its
        history, or another actor created it): then it is dropped, not withdrawn.
    """
    deal = get_deal(store, deal_id)
    steps = store.rows("deal_events", deal_id=deal_id)
    if deal.stage != "intent" or len(steps) != 1 or steps[0]["actor"] != actor:
        raise TransitionError(
            f"deal {deal_id} has a history beyond its creation by {actor}; drop it instead"
        )
    with store.transaction() as conn:
        store.delete("deal_events", (steps[0]["id"],), conn=conn)
        store.delete("deals", (deal_id,), conn=conn)
        audit(store, actor, "deal.withdraw", f"{deal_id}: {deal.org_a} & {deal.org_b}", conn=conn)
