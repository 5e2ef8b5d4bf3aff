"""Meeting agendas: 1:1 meetings of an event's attendees assigned to time slots and tables.

Pure functions: attendees, a pair-value table (see :func:`matchmaker.events.invite.pair_table`),
meeting requests ``(requester, other)`` and "do not meet" marks in; an :class:`Agenda` out.

Rules, in the order they are applied:

1. an organisation has at most one meeting per slot, and at most ``max_meetings``;
2. each slot holds at most ``tables * per_table`` meetings (``per_table`` meetings share a
   table at once); meetings of a slot are seated table by table;
3. a pair with a "do not meet" mark (from either side) is never scheduled;
4. mutual requests are placed first, then one-sided requests, each by suggestion value;
5. fairness floor: every attendee with fewer than ``min_meetings`` meetings gets partners
   (its best valued partners first, then attendees also under the floor, then anyone free)
   until it reaches the floor or nothing fits;
6. the remaining suggested pairs fill what is left, by value.

A meeting goes to the least busy slot where both are free (ties: the earliest); for a
request with no such slot, one meeting of either side may move to another slot to make
room. Tables are seated per slot in the order meetings were placed. Requests that could
not be placed and attendees left under the floor are reported with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from matchmaker.errors import DataError
from matchmaker.events.invite import pair_table

__all__ = [
    "Agenda",
    "Shortfall",
    "Slotted",
    "Unplaced",
    "make_schedule",
]


@dataclass(frozen=True)
class Slotted:
    """One scheduled meeting; ``kind`` is mutual, requested, floor or suggested."""

    org_a: str
    org_b: str
    slot: int
    table: str
    kind: str
    value: float
    reason: str


@dataclass(frozen=True)
class Unplaced:
    """A requested meeting that is not on the agenda, and why."""

    org_a: str
    org_b: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Shortfall:
    """An attendee left under the fairness floor."""

    org_id: str
    meetings: int
    floor: int
    reason: str


@dataclass
class Agenda:
    meetings: list[Slotted]
    unplaced: list[Unplaced]
    below_floor: list[Shortfall]
    slots: int
    tables: int
    attendees: list[str] = field(default_factory=list)
    # slot -> "HH:MM-HH:MM" when the event has a clock (matchmaker.events.clock)
    times: dict[int, str] = field(default_factory=dict)

    def by_org(self, names: dict[str, str] | None = None) -> list[dict]:
        """One row per organisation and meeting, ordered by organisation then slot."""
        names = names or {}
        rows = []
        for m in self.meetings:
            for me, other in ((m.org_a, m.org_b), (m.org_b, m.org_a)):
                rows.append(
                    {
                        "org_id": me,
                        "name": names.get(me, me),
                        "slot": m.slot,
                        "time": self.times.get(m.slot, ""),
                        "table": m.table,
                        "partner": other,
                        "partner_name": names.get(other, other),
                        "kind": m.kind,
                        "reason": m.reason,
                    }
                )
        return sorted(rows, key=lambda r: (r["org_id"], r["slot"]))

    def by_table(self, names: dict[str, str] | None = None) -> list[dict]:
        """One row per meeting, ordered by slot then table."""
        names = names or {}
        rows = [
            {
                "slot": m.slot,
                "time": self.times.get(m.slot, ""),
                "table": m.table,
                "org_a": m.org_a,
                "name_a": names.get(m.org_a, m.org_a),
                "org_b": m.org_b,
                "name_b": names.get(m.org_b, m.org_b),
                "kind": m.kind,
            }
            for m in self.meetings
        ]
        return sorted(rows, key=lambda r: (r["slot"], r["table"], r["org_a"]))


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class _Board:
    """Who meets whom when, and how full each slot is; tables are seated at the end."""

    def __init__(self, slots: int, room: int, per_org: int, per_table: int):
        self.slots, self.room, self.per_org, self.per_table = slots, room, per_org, per_table
        self.busy: dict[str, set[int]] = defaultdict(set)
        self.load = [0] * (slots + 1)
        self.met: set[tuple[str, str]] = set()
        self.placed: list[list] = []  # [org_a, org_b, slot, kind, value, reason]
        self.at: dict[tuple[str, int], list] = {}

    def count(self, org: str) -> int:
        return len(self.busy[org])

    def _put(self, m: list, slot: int) -> None:
        m[2] = slot
        self.load[slot] += 1
        for org in m[:2]:
            self.busy[org].add(slot)
            self.at[(org, slot)] = m

    def _lift(self, m: list) -> None:
        self.load[m[2]] -= 1
        for org in m[:2]:
            self.busy[org].discard(m[2])
            del self.at[(org, m[2])]

    def _free_a_slot(self, a: str, b: str) -> int | None:
        """Move one meeting of ``a`` or ``b`` to another slot so both are free in one."""
        for slot in range(1, self.slots + 1):
            for me, other in ((a, b), (b, a)):
                if slot not in self.busy[me] or slot in self.busy[other]:
                    continue
                m = self.at[(me, slot)]
                partner = m[1] if m[0] == me else m[0]
                for dest in range(1, self.slots + 1):
                    taken = self.busy[me] | self.busy[partner]
                    if dest not in taken and self.load[dest] < self.room:
                        self._lift(m)
                        self._put(m, dest)
                        return slot
        return None

    def place(
        self, a: str, b: str, kind: str, value: float, reason: str, repair: bool = False
    ) -> str | None:
        """Seat a meeting; return None when done, else why it could not be. With ``repair``,
        one meeting of either side may move to another slot to make room."""
        for org in (a, b):
            if self.count(org) >= self.slots:
                return f"{org} has a meeting in every slot"
            if self.count(org) >= self.per_org:
                return f"{org} already has its {self.per_org} meetings (max_meetings)"
        common = [s for s in range(1, self.slots + 1) if s not in self.busy[a] | self.busy[b]]
        free = [s for s in common if self.load[s] < self.room]
        if not free and repair:
            moved = self._free_a_slot(a, b)
            free = [moved] if moved is not None else []
        if not free:
            if not common:
                return f"no slot where both {a} and {b} are free"
            return f"every table is taken in the slots where both {a} and {b} are free"
        slot = min(free, key=lambda s: (self.load[s], s))
        x, y = _key(a, b)
        m = [x, y, slot, kind, value, reason]
        self.placed.append(m)
        self._put(m, slot)
        self.met.add((x, y))
        return None

    def seated(self) -> list[Slotted]:
        """The meetings with their tables: per slot, in the order they were placed."""
        seats: dict[int, int] = defaultdict(int)
        out = []
        for x, y, slot, kind, value, reason in self.placed:
            table = f"T{seats[slot] // self.per_table + 1:02d}"
            seats[slot] += 1
            out.append(Slotted(x, y, slot, table, kind, value, reason))
        return sorted(out, key=lambda m: (m.slot, m.table, m.org_a))


def make_schedule(
    attendees: Iterable[str],
    pairs: Iterable = (),
    requests: Iterable[tuple[str, str]] = (),
    avoid: Iterable[tuple[str, str]] = (),
    slots: int = 12,
    tables: int = 30,
    per_table: int = 1,
    min_meetings: int = 0,
    max_meetings: int | None = None,
) -> Agenda:
    """Assign 1:1 meetings to slots and tables (rules in the module docstring).

    Parameters
    ----------
    attendees : iterable of str
        Organisations present.
    pairs : iterable
        Pair rows ``(a, b, value, reason)``: suggested meetings and the values requests are
        ordered by.
    requests : iterable of (str, str)
        ``(requester, other)``; both directions make a mutual request.
    avoid : iterable of (str, str)
        "Do not meet" marks, either direction.
    slots, tables, per_table : int
        Time slots, tables, and meetings one table holds at once.
    min_meetings : int
        Fairness floor M.
    max_meetings : int, optional
        Most meetings per organisation (default: one per slot).

    Raises
    ------
    DataError
        Non-positive sizes, a negative floor, or a request of an organisation with itself.

    Examples
    --------
    >>> a = make_schedule(["A", "B", "C"], [("A", "B", 0.9, "fit")], slots=2, tables=1)
    >>> [(m.org_a, m.org_b, m.slot, m.table) for m in a.meetings]
    [('A', 'B', 1, 'T01')]
    """
    for name, v in (("slots", slots), ("tables", tables), ("per_table", per_table)):
        if v < 1:
            raise DataError(f"{name} must be >= 1; got {v}")
    if min_meetings < 0 or (max_meetings is not None and max_meetings < 1):
        raise DataError(f"min_meetings must be >= 0 and max_meetings >= 1; got {min_meetings}")
    people = sorted(set(attendees))
    present = set(people)
    per_org = min(slots, max_meetings or slots)
    board = _Board(slots, tables * per_table, per_org, per_table)
    table = pair_table(pairs)
    blocked: dict[tuple[str, str], str] = {}
    for a, b in avoid:
        blocked.setdefault(_key(a, b), f"do-not-meet mark by {a}")
    asked: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a, b in requests:
        if a == b:
            raise DataError(f"a meeting request needs two organisations; got {a!r} twice")
        asked[_key(a, b)].add(a)

    def value(a: str, b: str) -> tuple[float, str]:
        return table.get(a, {}).get(b, (0.0, ""))

    unplaced: list[Unplaced] = []
    ordered = sorted(asked.items(), key=lambda kv: (len(kv[1]) < 2, -value(*kv[0])[0], kv[0]))
    for (a, b), who in ordered:
        kind = "mutual" if len(who) == 2 else "requested"
        absent = [o for o in (a, b) if o not in present]
        if absent:
            unplaced.append(Unplaced(a, b, kind, f"{', '.join(absent)} not attending"))
            continue
        if (a, b) in blocked:
            unplaced.append(Unplaced(a, b, kind, blocked[(a, b)]))
            continue
        v, why = value(a, b)
        asker = "both asked" if len(who) == 2 else f"{next(iter(who))} asked"
        reason = f"{asker}; {why}" if why else asker
        problem = board.place(a, b, kind, v, reason, repair=True)
        if problem:
            unplaced.append(Unplaced(a, b, kind, problem))

    def can_meet(a: str, b: str) -> bool:
        k = _key(a, b)
        return a != b and b in present and k not in board.met and k not in blocked

    if min_meetings:
        _fill_floor(board, people, table, can_meet, min(min_meetings, per_org))
    suggested = sorted(
        (
            (v, a, b, r)
            for a, nb in table.items()
            for b, (v, r) in nb.items()
            if a < b and a in present
        ),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for v, a, b, r in suggested:
        if can_meet(a, b) and board.count(a) < per_org and board.count(b) < per_org:
            board.place(a, b, "suggested", v, r)
    full = sum(board.load) >= slots * board.room
    why = (
        "every table of every slot is taken"
        if full
        else "no partner who is free in a common slot with a free table"
    )
    short = [
        Shortfall(o, board.count(o), min_meetings, why)
        for o in people
        if board.count(o) < min_meetings
    ]
    return Agenda(board.seated(), unplaced, short, slots, tables, people)


def _fill_floor(board: _Board, people: list[str], table, can_meet, floor: int) -> None:
    """Give attendees under the floor meetings, the emptiest agendas first, round by round."""
    progress = True
    while progress:
        progress = False
        under = sorted(
            (o for o in people if board.count(o) < floor), key=lambda o: (board.count(o), o)
        )
        for x in under:
            if board.count(x) >= floor:
                continue
            valued = sorted(table.get(x, {}).items(), key=lambda kv: (-kv[1][0], kv[0]))
            options = [(y, v, r) for y, (v, r) in valued]
            others = sorted(
                (y for y in people if y != x and y not in table.get(x, {})),
                key=lambda y: (board.count(y) >= floor, board.count(y), y),
            )
            options += [(y, 0.0, f"fairness floor: {floor} meetings each") for y in others]
            for y, v, r in options:
                if not can_meet(x, y) or board.count(y) >= board.per_org:
                    continue
                if board.place(x, y, "floor", v, r) is None:
                    progress = True
                    break
