"""Invitation lists: whom to invite so the room holds the most valuable pairs.

Pure functions over a pair-value table (``(a, b, value, reason)`` rows, e.g. the
recommender's :class:`PairValue` list); :mod:`matchmaker.events.service` builds the inputs from the
store. The objective of a list S, with ``k`` = ``partners``::

    f(S) = sum over i in S of the sum of i's k best pair values with other members of S

It is maximised greedily with lazy evaluation: a candidate's stored gain is an upper bound
of its true gain except for the neighbours of the last pick, whose gains are recomputed at
once, so the lazy greedy picks exactly what the plain greedy would. When no candidate gains
anything from the current list (at the start, or between clusters), the best pair of two
uninvited candidates is added together.

Quotas (:class:`Quotas`): a minimum share from outside the city (``local`` is false), a
minimum share of first-time invitees, a maximum per chain segment, must / must-not lists.
Coverage: every group in ``cover`` (e.g. ``"ai:upstream"``) that some candidate covers gets at
least one invitee. Quotas no list can meet raise :class:`~matchmaker.errors.InfeasibleError`
naming the constraint and the shortfall.

>>> cands = [Candidate("A"), Candidate("B"), Candidate("C")]
>>> pairs = [("A", "B", 0.9, "B buys A's lenses"), ("B", "C", 0.2, "weak")]
>>> [i.org_id for i in choose_invitees(cands, pairs, capacity=2).invitees]
['A', 'B']
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from matchmaker.errors import DataError, InfeasibleError
from matchmaker.events.quotas import Candidate, Quotas, Room, check_quotas, need_count

__all__ = [
    "Candidate",
    "Invitation",
    "Invitee",
    "Partner",
    "Quotas",
    "choose_invitees",
    "compare_lists",
    "list_value",
    "pair_table",
]


@dataclass(frozen=True)
class Partner:
    org_id: str
    value: float
    reason: str


@dataclass(frozen=True)
class Invitee:
    """One chosen organisation, with whom it is expected to meet and why."""

    org_id: str
    partners: tuple[Partner, ...]
    reason: str
    must: bool = False


@dataclass
class Invitation:
    """The chosen list, in the order it was built, with what it covers."""

    invitees: list[Invitee]
    value: float
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [i.org_id for i in self.invitees]


Table = dict[str, dict[str, tuple[float, str]]]


def pair_table(pairs: Iterable) -> Table:
    """Symmetric adjacency ``{a: {b: (value, reason)}}`` from pair rows.

    A row is an object with ``a, b, value, reason`` attributes or a tuple in that order.
    The highest value wins when a pair repeats. Raises :class:`DataError` on a negative or
    non-finite value or a pair of one organisation with itself.
    """
    table: Table = defaultdict(dict)
    for p in pairs:
        a, b, value, reason = p[:4] if isinstance(p, tuple) else (p.a, p.b, p.value, p.reason)
        if not value >= 0 or value == math.inf:
            raise DataError(f"pair ({a}, {b}) has value {value}; values must be finite and >= 0")
        if a == b:
            raise DataError(f"pair ({a}, {b}) pairs an organisation with itself")
        row = table[a]
        old = row.get(b)
        if value <= 0 or (old is not None and value <= old[0]):
            continue
        entry = (float(value), reason or "")
        row[b] = entry
        table[b][a] = entry
    return dict(table)


def _top(values: Iterable[float], k: int) -> list[float]:
    return heapq.nlargest(k, values)


def list_value(table: Table, ids: Iterable[str], partners: int = 3) -> float:
    """The objective f(S): each member's ``partners`` best pair values within the list."""
    members = set(ids)
    return sum(
        sum(_top((v for b, (v, _) in table.get(a, {}).items() if b in members), partners))
        for a in members
    )


class _Greedy:
    """State of the lazy greedy: the chosen list and each member's top-k pair values."""

    def __init__(self, cands: dict[str, Candidate], table: Table, k: int):
        self.cands, self.table, self.k = cands, table, k
        self.chosen: list[str] = []
        self.inside: set[str] = set()
        self.top: dict[str, list[float]] = {}

    def kth(self, j: str) -> float:
        t = self.top[j]
        return t[-1] if len(t) == self.k else 0.0

    def gain(self, y: str) -> float:
        vals = [(v, j) for j, (v, _) in self.table.get(y, {}).items() if j in self.inside]
        own = sum(_top((v for v, _ in vals), self.k))
        return own + sum(max(0.0, v - self.kth(j)) for v, j in vals)

    def add(self, y: str) -> None:
        for j, (v, _) in self.table.get(y, {}).items():
            if j in self.inside:
                self.top[j] = _top([*self.top[j], v], self.k)
        self.top[y] = _top(
            (v for j, (v, _) in self.table.get(y, {}).items() if j in self.inside), self.k
        )
        self.chosen.append(y)
        self.inside.add(y)


def choose_invitees(
    candidates: Iterable[Candidate],
    pairs: Iterable,
    capacity: int,
    quotas: Quotas | None = None,
    cover: Iterable[str] = (),
    partners: int = 3,
    names: Mapping[str, str] | None = None,
) -> Invitation:
    """Choose up to ``capacity`` invitees maximising f(S) under the quotas.

    Parameters
    ----------
    candidates : iterable of Candidate
    pairs : iterable
        Pair rows ``(a, b, value, reason)`` (see :func:`pair_table`); pairs with an
        organisation that is not a candidate are ignored.
    capacity : int
        Places; when there are fewer eligible candidates, all of them are invited (noted).
    quotas : Quotas, optional
    cover : iterable of str
        Coverage groups the list should span (upstream to downstream of the event's chains).
    partners : int
        How many best partners of each invitee count (k in f).
    names : dict, optional
        Display names for the reasons (``Name [id]``); default: the ids.

    Raises
    ------
    InfeasibleError
        When the quotas cannot be met together; nothing is chosen.
    DataError
        Bad parameters, or a must-invite organisation that is not a candidate.
    """
    q = quotas or Quotas()
    if capacity < 1 or partners < 1:
        raise DataError(f"capacity and partners must be >= 1; got {capacity}, {partners}")
    cands = {c.org_id: c for c in candidates}
    clash = sorted(set(q.must) & set(q.exclude))
    if clash:
        raise InfeasibleError(f"must-invite and must-not-invite both list {', '.join(clash)}")
    missing = sorted(set(q.must) - set(cands))
    if missing:
        raise DataError(f"must-invite organisations are not candidates: {', '.join(missing)}")
    if len(set(q.must)) > capacity:
        over = len(set(q.must)) - capacity
        raise InfeasibleError(
            f"must-invite lists {len(set(q.must))} organisations for {capacity} places "
            f"({over} too many)"
        )
    for x in q.exclude:
        cands.pop(x, None)
    notes = []
    n = min(capacity, len(cands))
    if n < capacity:
        notes.append(f"only {n} eligible candidates for {capacity} places: all are invited")
    need_out = need_count(q.min_outside, n, "min_outside")
    need_new = need_count(q.min_new, n, "min_new")
    check_quotas(cands, q, n, need_out, need_new)
    full = pair_table(pairs)
    table = full
    if not set(full) <= set(cands):  # pairs with organisations that are not candidates
        table = {
            a: {b: vr for b, vr in nb.items() if b in cands} for a, nb in full.items() if a in cands
        }
    wanted = set(cover)
    coverable = {grp for c in cands.values() for grp in c.groups if grp in wanted}
    needs = (need_out, need_new)
    try:
        g = _run(cands, table, n, q, needs, partners, coverable, True, notes)
    except InfeasibleError:
        # Coverage is wanted where possible, never at the price of a quota.
        g = _run(cands, table, n, q, needs, partners, coverable, False, notes)
        notes.append("coverage of every chain stage would break a quota: not enforced")
    invitees = [_invitee(g, y, set(q.must), coverable, names or {}) for y in g.chosen]
    covered = tuple(sorted({grp for y in g.chosen for grp in cands[y].groups} & coverable))
    return Invitation(
        invitees,
        list_value(table, g.chosen, partners),
        covered,
        tuple(sorted(wanted - set(covered))),
        notes,
    )


def _run(
    cands: dict[str, Candidate],
    table: Table,
    n: int,
    q: Quotas,
    needs: tuple[int, int],
    partners: int,
    coverable: set[str],
    enforce: bool,
    notes: list[str],
) -> _Greedy:
    """One lazy-greedy pass; with ``enforce``, every coverable group gets an invitee."""
    g = _Greedy(cands, table, partners)
    room = Room(cands, q, n, needs, coverable if enforce else set())
    for m in sorted(set(q.must)):
        g.add(m)
        room.take(m)
    if len(room.uncovered) > n - len(g.chosen):
        notes.append(
            f"{len(room.uncovered)} chain groups to cover but {n - len(g.chosen)} free "
            "places: coverage is not enforced"
        )
        room.uncovered = set()

    version: dict[str, int] = defaultdict(int)
    heap = [(-g.gain(y), y, 0) for y in cands if y not in g.inside]
    heapq.heapify(heap)
    ranked = sorted((-v, a, b) for a, nb in table.items() for b, (v, _) in nb.items() if a < b)

    def best_pair(above: float) -> tuple[str, str] | None:
        """The best pair of two uninvited candidates worth more than ``above`` per place."""
        nonlocal ranked
        dead = 0
        for neg, a, b in ranked:
            if -neg <= above:
                break
            if a in g.inside or b in g.inside:
                dead += 1
            elif room.fits((a, b)):
                return a, b
        if dead > 256:  # drop pairs with an invitee for good, so later scans stay short
            ranked = [t for t in ranked if t[1] not in g.inside and t[2] not in g.inside]
        return None

    def take(y: str) -> None:
        g.add(y)
        room.take(y)
        for z in table.get(y, {}):  # only these gains can grow: recompute them now
            if z not in g.inside:
                version[z] += 1
                heapq.heappush(heap, (-g.gain(z), z, version[z]))

    while len(g.chosen) < n:
        pick, held = None, []
        while heap:
            neg, y, ver = heapq.heappop(heap)
            if ver != version[y] or y in g.inside or room.segment_full(y):
                continue
            if not room.fits((y,)):
                held.append((neg, y, ver))
                continue
            now = g.gain(y)
            if heap and (-now, y) > heap[0][:2]:  # the top may be better, or equal and first
                heapq.heappush(heap, (-now, y, ver))
                continue
            pick = (now, y, ver)
            break
        for item in held:
            heapq.heappush(heap, item)
        pair = best_pair(pick[0] if pick else 0.0) if n - len(g.chosen) >= 2 else None
        if pair is not None:
            if pick is not None:
                heapq.heappush(heap, (-pick[0], pick[1], pick[2]))
            take(pair[0])
            take(pair[1])
        elif pick is not None:
            take(pick[1])
        else:
            break
    room.verify()
    return g


def _invitee(
    g: _Greedy, y: str, must: set[str], coverable: set[str], names: Mapping[str, str]
) -> Invitee:
    found = [
        Partner(j, v, r) for j, (v, r) in g.table.get(y, {}).items() if j in g.inside and j != y
    ]
    best = tuple(sorted(found, key=lambda p: (-p.value, p.org_id))[: g.k])
    c = g.cands[y]
    parts = []
    if best:
        meets = "; ".join(
            f"{names[p.org_id] + ' [' + p.org_id + ']' if p.org_id in names else p.org_id} "
            f"({p.value:.2f}: {p.reason})"
            for p in best
        )
        parts.append(f"expected to meet {meets}")
    if y in must:
        parts.append("on the must-invite list")
    why = [grp for grp in c.groups if grp in coverable]
    if not best and why:
        parts.append(f"covers {', '.join(why)}")
    if not best and c.outside:
        parts.append("from outside the city")
    if not best and c.first_time:
        parts.append("first-time invitee")
    return Invitee(y, best, "; ".join(parts) or "fills a place (no valued partner)", y in must)


def compare_lists(
    candidates: Iterable[Candidate],
    pairs: Iterable,
    lists: dict[str, Iterable[str]],
    cover: Iterable[str] = (),
    partners: int = 3,
) -> list[dict]:
    """Side-by-side figures for several lists of the same event (e.g. chosen vs habit).

    Each row: ``list``, ``size``, ``value`` (f), ``value_per_invitee``,
    ``valuable_pairs`` (pairs of the table with both ends in the list), ``chain_coverage``
    (share of ``cover`` groups covered, 0..1), ``new_faces`` and ``outside`` (shares of the
    list, 0..1). Organisations not among
    ``candidates`` count as known, local and covering nothing.
    """
    info = {c.org_id: c for c in candidates}
    table = pair_table(pairs)
    wanted = set(cover)
    rows = []
    for name, ids in lists.items():
        members = list(dict.fromkeys(ids))
        inside = set(members)
        size = len(members)
        cs = [info.get(m, Candidate(m)) for m in members]
        covered = {grp for c in cs for grp in c.groups} & wanted
        value = list_value(table, members, partners)
        rows.append(
            {
                "list": name,
                "size": size,
                "value": value,
                "value_per_invitee": value / size if size else 0.0,
                "valuable_pairs": sum(
                    1 for a in inside for b in table.get(a, {}) if b in inside and a < b
                ),
                "chain_coverage": len(covered) / len(wanted) if wanted else 1.0,
                "new_faces": sum(c.first_time for c in cs) / size if size else 0.0,
                "outside": sum(c.outside for c in cs) / size if size else 0.0,
            }
        )
    return rows
