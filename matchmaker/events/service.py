"""Events in the store: candidates and history for invitation lists, requests and agendas.

The bridge between the store and the pure planners :mod:`matchmaker.events.invite` and
:mod:`matchmaker.events.schedule`: it builds their inputs (candidates with quota attributes,
coverage groups, the organiser's habit list, attendees, meeting requests and "do not meet"
marks) and writes their results back (participants with status ``invited``, meetings with
status ``proposed``). Pair values come from a callable ``org_ids -> pair rows``, by default
the recommender's :meth:`matchmaker.recommend.recommender.Recommender.pair_values`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from matchmaker.errors import DataError
from matchmaker.events.clock import Clock, apply_clock
from matchmaker.events.invite import Candidate, Invitation, Quotas, choose_invitees, compare_lists
from matchmaker.events.schedule import Agenda, make_schedule
from matchmaker.recommend.recommender import Recommender
from matchmaker.roles import now_utc
from matchmaker.schema import next_id
from matchmaker.store.database import Store

__all__ = [
    "REQUEST_KINDS",
    "InvitePlan",
    "add_request",
    "attendees",
    "create_event",
    "event_candidates",
    "get_event",
    "habit_list",
    "plan_agenda",
    "plan_invitations",
    "recommender_pairs",
    "remove_request",
    "requests",
    "save_agenda",
    "save_invitations",
]

REQUEST_KINDS = ("meet", "avoid")
PairSource = Callable[[list[str]], Iterable]


def get_event(store: Store, event_id: str) -> dict:
    """The event row; :class:`NotFoundError` when there is none."""
    return store.get("events", event_id)


def recommender_pairs(
    store: Store, per_org: int = 30, recommender=None, lang: str = "en"
) -> Callable[[list[str]], list[tuple]]:
    """A pair source backed by the recommender (loads the embedding model once).

    For each organisation of the given ids, its ``per_org`` best partners among those ids
    (direction ``both``, novelty and diversity settings applied) become pair rows
    ``(a, b, value, reason)``; a pair found from both sides keeps its higher value. The
    queries run as one batch (:meth:`Recommender.partners_many`: features and ranker over
    all candidate pairs at once), so it scales to thousands of candidates, and each reason
    is built only when read (the planners read their invitees' partners' and their placed
    meetings'). Only pairs that pass the recommender's evidence floor are valued; ``lang``
    is the language of the reasons (``en`` or ``zh``).
    """
    rec = recommender or Recommender(store)

    def source(ids: Iterable[str]) -> list[tuple]:
        inside = sorted(set(ids))
        keep = set(inside)
        others = [o for o in rec.orgs if o not in keep]
        best: dict[tuple[str, str], tuple[float, str]] = {}
        found = rec.partners_many(inside, "both", per_org, {"exclude": others}, lang=lang)
        for a in inside:
            for b, score, reason in found[a]:
                key = (a, b) if a < b else (b, a)
                if score > best.get(key, (-1.0, ""))[0]:
                    best[key] = (float(score), reason)
        return [(a, b, v, r) for (a, b), (v, r) in sorted(best.items())]

    return source


def _earlier(store: Store, event: dict) -> set[str]:
    return {
        e["event_id"]
        for e in store.rows("events")
        if (e["date"], e["event_id"]) < (event["date"], event["event_id"])
    }


def event_candidates(
    store: Store, event_id: str, include: Iterable[str] = ()
) -> tuple[list[Candidate], list[str]]:
    """Candidates for an event and the coverage groups of its chains.

    Candidates: organisations working in one of the event's chains (every organisation when
    the event names none), plus those in ``include`` (:class:`NotFoundError` when one is not
    in the workspace). ``first_time``: no participant row at an earlier event.
    ``segment``: the segment most of its items are in (ties: smallest id). ``groups``:
    ``"<chain>:<stage>"`` of its items' segments within the event's chains. Coverage groups:
    every ``"<chain>:<stage>"`` the event's chains have segments in, upstream first.
    """
    event = get_event(store, event_id)
    chains = set(event["chains"])
    extra = set(include)
    for org_id in sorted(extra - store.ids("organizations")):
        store.get("organizations", org_id)
    segments = {s["segment_id"]: s for s in store.rows("segments")}
    earlier = _earlier(store, event)
    seen = {
        p["org_id"] for p in store.rows("participants", order=False) if p["event_id"] in earlier
    }
    items = defaultdict(list)
    for it in store.rows("items"):
        if it["segment"] in segments:
            items[it["org_id"]].append(segments[it["segment"]])
    out = []
    for org in store.rows("organizations"):
        mine = items.get(org["org_id"], [])
        org_chains = set(org["chains"]) | {s["chain"] for s in mine}
        if chains and not chains & org_chains and org["org_id"] not in extra:
            continue
        counts = Counter(s["segment_id"] for s in mine)
        segment = min(counts, key=lambda k: (-counts[k], k)) if counts else None
        groups = sorted({f"{s['chain']}:{s['stage']}" for s in mine if s["chain"] in chains})
        out.append(
            Candidate(
                org["org_id"],
                local=org["local"],
                first_time=org["org_id"] not in seen,
                segment=segment,
                groups=tuple(groups),
            )
        )
    order = {"upstream": 0, "midstream": 1, "downstream": 2}
    cover = sorted(
        {(s["chain"], s["stage"]) for s in segments.values() if s["chain"] in chains},
        key=lambda cs: (cs[0], order.get(cs[1], 3)),
    )
    return out, [f"{c}:{s}" for c, s in cover]


def habit_list(store: Store, event_id: str, capacity: int) -> tuple[str | None, list[str]]:
    """The organiser's habit: the attendees of the last earlier event (sharing a chain with
    this one when any does), up to ``capacity`` by id. Returns (that event's id, list)."""
    event = get_event(store, event_id)
    earlier = [e for e in store.rows("events") if e["event_id"] in _earlier(store, event)]
    sharing = [e for e in earlier if set(e["chains"]) & set(event["chains"])]
    pool = sharing or earlier
    if not pool:
        return None, []
    last = max(pool, key=lambda e: (e["date"], e["event_id"]))
    came = sorted(
        p["org_id"]
        for p in store.rows("participants", event_id=last["event_id"])
        if p["status"] == "attended"
    )
    return last["event_id"], came[:capacity]


@dataclass
class InvitePlan:
    """A chosen list with the habit it is compared with (rows of :func:`compare_lists`)."""

    event_id: str
    invitation: Invitation
    habit_event: str | None
    comparison: list[dict]


def plan_invitations(
    store: Store,
    event_id: str,
    capacity: int | None = None,
    quotas: Quotas | None = None,
    partners: int = 3,
    pair_source: PairSource | None = None,
) -> InvitePlan:
    """Choose the invitation list of an event and compare it with the habit list.

    ``capacity`` defaults to the event's capacity. Must-invite organisations outside the
    event's chains are added to the candidates; habit organisations outside them are
    described too (for the comparison) but not chosen from. Raises what
    :func:`matchmaker.events.invite.choose_invitees` raises, and :class:`DataError` when no
    capacity is known.
    """
    event = get_event(store, event_id)
    capacity = capacity or event["capacity"]
    if not capacity:
        raise DataError(f"event {event_id} has no capacity: pass one (--capacity N)")
    quotas = quotas or Quotas()
    habit_event, habit = habit_list(store, event_id, capacity)
    everyone, cover = event_candidates(store, event_id, set(quotas.must) | set(habit))
    in_scope = {c.org_id for c in event_candidates(store, event_id)[0]} | set(quotas.must)
    cands = [c for c in everyone if c.org_id in in_scope]
    source = pair_source or recommender_pairs(store)
    ids = sorted({c.org_id for c in cands} | set(habit))
    pairs = list(source(ids))
    names = {o["org_id"]: o["name"] for o in store.rows("organizations")}
    invitation = choose_invitees(cands, pairs, capacity, quotas, cover, partners, names)
    invitation.invitees = [  # reasons read now are built now; keep plain strings
        replace(i, partners=tuple(replace(p, reason=str(p.reason)) for p in i.partners))
        for i in invitation.invitees
    ]
    lists = {"chosen": invitation.ids, "habit": habit}
    return InvitePlan(
        event_id, invitation, habit_event, compare_lists(everyone, pairs, lists, cover, partners)
    )


def save_invitations(store: Store, event_id: str, org_ids: Iterable[str]) -> int:
    """Add participant rows with status ``invited``; organisations that already have a row
    for the event keep it. Returns how many were added."""
    get_event(store, event_id)
    have = {p["org_id"] for p in store.rows("participants", event_id=event_id)}
    rows = [
        {"event_id": event_id, "org_id": o, "status": "invited"}
        for o in dict.fromkeys(org_ids)
        if o not in have
    ]
    store.upsert({"participants": rows})
    return len(rows)


def attendees(store: Store, event_id: str, statuses: Iterable[str] = ("registered", "attended")):
    """Organisations of the event whose participant status is one of ``statuses``."""
    get_event(store, event_id)
    wanted = set(statuses)
    return sorted(
        p["org_id"] for p in store.rows("participants", event_id=event_id) if p["status"] in wanted
    )


def add_request(
    store: Store, event_id: str, org_id: str, other_id: str, kind: str = "meet", note=None
) -> None:
    """Record that ``org_id`` asks to meet ``other_id`` (``kind="meet"``) or marks it "do
    not meet" (``kind="avoid"``) at the event; a second call replaces the first."""
    if kind not in REQUEST_KINDS:
        raise DataError(f"request kind {kind!r} is not allowed; use one of {REQUEST_KINDS}")
    if org_id == other_id:
        raise DataError(f"a meeting request needs two organisations; got {org_id!r} twice")
    get_event(store, event_id)
    for org in (org_id, other_id):
        store.get("organizations", org)
    row = {
        "event_id": event_id,
        "org_id": org_id,
        "other_id": other_id,
        "kind": kind,
        "created_at": now_utc(),
        "note": note,
    }
    store.upsert({"meeting_requests": [row]})


def remove_request(store: Store, event_id: str, org_id: str, other_id: str) -> bool:
    """Withdraw a request or mark; True when there was one."""
    return store.delete_meeting_request(event_id, org_id, other_id)


def requests(store: Store, event_id: str) -> tuple[list[tuple], list[tuple]]:
    """``(meet, avoid)``: the event's requests and "do not meet" marks as (org, other)."""
    rows = store.rows("meeting_requests", event_id=event_id)
    meet = [(r["org_id"], r["other_id"]) for r in rows if r["kind"] == "meet"]
    avoid = [(r["org_id"], r["other_id"]) for r in rows if r["kind"] == "avoid"]
    return meet, avoid


def plan_agenda(
    store: Store,
    event_id: str,
    slots: int = 12,
    tables: int = 30,
    per_table: int = 1,
    min_meetings: int = 0,
    max_meetings: int | None = None,
    statuses: Iterable[str] = ("registered", "attended"),
    pair_source: PairSource | None = None,
) -> Agenda:
    """The agenda of an event's attendees (status in ``statuses``) from the store, with the
    event's clock times and table names (:mod:`matchmaker.events.clock`); an event that names
    its tables uses at most that many."""
    clock = Clock.of(get_event(store, event_id))
    if clock.tables:
        tables = min(tables, len(clock.tables))
    people = attendees(store, event_id, statuses)
    if len(people) < 2:
        raise DataError(
            f"event {event_id} has {len(people)} participant(s) with status "
            f"{', '.join(statuses)}: nothing to schedule"
        )
    meet, avoid = requests(store, event_id)
    pairs = list((pair_source or recommender_pairs(store))(people))
    agenda = make_schedule(
        people, pairs, meet, avoid, slots, tables, per_table, min_meetings, max_meetings
    )
    # reasons read now are built now (recommender_pairs builds them lazily); keep strings
    agenda.meetings = [replace(m, reason=str(m.reason)) for m in agenda.meetings]
    return apply_clock(agenda, clock)


def save_agenda(store: Store, event_id: str, agenda: Agenda) -> tuple[int, int]:
    """Replace the event's ``proposed`` meetings with the agenda's; pairs that already have
    an accepted or held meeting keep it. Returns (written, kept)."""
    fixed = {
        (m["org_a"], m["org_b"])
        for m in store.rows("meetings", event_id=event_id)
        if m["status"] != "proposed"
    }
    rows = [
        {
            "event_id": event_id,
            "org_a": m.org_a,
            "org_b": m.org_b,
            "slot": m.slot,
            "table": m.table,
            "status": "proposed",
        }
        for m in agenda.meetings
        if (m.org_a, m.org_b) not in fixed and (m.org_b, m.org_a) not in fixed
    ]
    store.replace_meetings(event_id, rows, "proposed")
    return len(rows), len(agenda.meetings) - len(rows)


def create_event(
    store: Store,
    name: str,
    day: date,
    *,
    chains: tuple[str, ...] | list[str] = (),
    venue: str | None = None,
    capacity: int | None = None,
    event_id: str | None = None,
) -> str:
    """Create an event; return its id.

    ``event_id`` defaults to the next free ``EV<number>`` after the largest one in use.

    Raises
    ------
    DataError
        An empty name, a capacity below 1, or an id already used.
    """
    name = (name or "").strip()
    if not name:
        raise DataError("an event needs a name; got an empty one")
    if capacity is not None and capacity < 1:
        raise DataError(f"capacity must be 1 or more; got {capacity}")
    taken = store.ids("events")
    event_id = event_id or next_id(taken, "EV")
    if event_id in taken:
        raise DataError(f"event id {event_id!r} is already used")
    row = {
        "event_id": event_id,
        "name": name,
        "date": day,
        "chains": tuple(chains),
        "venue": venue or None,
        "capacity": capacity,
    }
    store.upsert({"events": [row]})
    return event_id
