"""Invitation quotas: the candidate attributes they read and the feasibility checks.

Used by :mod:`matchmaker.events.invite`; every refusal is an :class:`InfeasibleError` naming the
constraint and the shortfall.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from matchmaker.errors import DataError, InfeasibleError

__all__ = [
    "Candidate",
    "Quotas",
    "Room",
    "check_quotas",
    "need_count",
    "quota_checks",
    "slots_needed",
    "verify_quotas",
]


@dataclass(frozen=True)
class Candidate:
    """An organisation that may be invited.

    ``local``: True inside the city, False outside, None unknown (not counted as outside).
    ``first_time``: never invited to an earlier event. ``segment``: its main chain segment
    (for ``max_per_segment``). ``groups``: the coverage groups it covers.
    """

    org_id: str
    local: bool | None = None
    first_time: bool = False
    segment: str | None = None
    groups: tuple[str, ...] = ()

    @property
    def outside(self) -> bool:
        return self.local is False


@dataclass(frozen=True)
class Quotas:
    """Organiser quotas; shares are 0..1 of the list's size."""

    min_outside: float = 0.0
    min_new: float = 0.0
    max_per_segment: int | None = None
    must: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def need_count(share: float, n: int, name: str) -> int:
    """Invitees a minimum ``share`` of ``n`` places asks for (rounded up)."""
    if not 0.0 <= share <= 1.0:
        raise DataError(f"{name} must be between 0 and 1; got {share}")
    return math.ceil(share * n - 1e-9)


def check_quotas(
    cands: dict[str, Candidate], q: Quotas, n: int, need_out: int, need_new: int
) -> None:
    """Refuse up front what no list can meet, naming the constraint and the shortfall."""
    cap = q.max_per_segment
    by_seg: dict[str | None, list[Candidate]] = defaultdict(list)
    for c in cands.values():
        by_seg[c.segment].append(c)

    def reachable(pred) -> int:
        total = 0
        for seg, members in by_seg.items():
            m = sum(1 for c in members if pred(c))
            total += m if cap is None or seg is None else min(m, cap)
        return total

    if cap is not None:
        for seg, members in by_seg.items():
            forced = sum(c.org_id in q.must for c in members)
            if seg is not None and forced > cap:
                raise InfeasibleError(
                    f"max_per_segment {cap}: the must-invite list puts {forced} in segment "
                    f"{seg} ({forced - cap} too many)"
                )
        room = reachable(lambda c: True)
        if room < n:
            raise InfeasibleError(
                f"max_per_segment {cap} leaves at most {room} invitable candidates for "
                f"{n} places (short by {n - room})"
            )
    for need, pred, name, what in (
        (need_out, lambda c: c.outside, "min_outside", "from outside the city"),
        (need_new, lambda c: c.first_time, "min_new", "first-time invitees"),
    ):
        have = reachable(pred)
        if need > have:
            raise InfeasibleError(
                f"{name} needs {need} of {n} invitees {what}; only {have} candidates are "
                f"(short by {need - have})"
            )


def slots_needed(
    d_out: int,
    d_new: int,
    unc: set,
    avail: Counter,
    limit: int,
    room: Callable[[str], int | None] = lambda seg: None,
) -> float:
    """Places a greedy cover needs to meet the remaining outside / new / coverage deficits
    from the uninvited candidates, counted by kind ``(outside, first_time, groups,
    segment)``; ``room(segment)`` is how many more that segment takes (None: no limit).
    More than ``limit`` (or too few candidates left to fill ``limit`` places) means no."""
    counts = {k: v for k, v in avail.items() if v > 0}
    order = sorted(counts, key=lambda k: (k[0], k[1], sorted(k[2]), k[3] or ""))
    spent: Counter = Counter()

    def usable(k) -> int:
        left = room(k[3]) if k[3] is not None else None
        return counts[k] if left is None else min(counts[k], left - spent[k[3]])

    unc, used = set(unc), 0
    while d_out > 0 or d_new > 0 or unc:
        best, best_key = None, (0, 0)
        for k in order:
            u = usable(k)
            if u <= 0:
                continue
            gain = (k[0] and d_out > 0) + (k[1] and d_new > 0) + len(k[2] & unc)
            if gain and (gain, u) > best_key:
                best, best_key = k, (gain, u)
        if best is None:
            return math.inf
        served = [d for d, on in ((d_out, best[0]), (d_new, best[1])) if on and d > 0]
        take = 1 if best[2] & unc or not served else min(best_key[1], *served)
        used += take
        counts[best] -= take
        spent[best[3]] += take
        d_out -= take * best[0]
        d_new -= take * best[1]
        unc -= best[2]
        if used > limit:
            return used
    by_segment: Counter = Counter()
    free = 0
    for k in order:
        if k[3] is None or room(k[3]) is None:
            free += counts[k]
        else:
            by_segment[k[3]] += counts[k]
    free += sum(min(n, room(seg) - spent[seg]) for seg, n in by_segment.items())
    return used if used + free >= limit else math.inf


def verify_quotas(
    chosen: int, n_out: int, n_new: int, n: int, need_out: int, need_new: int, q: Quotas
) -> None:
    """Raise :class:`InfeasibleError` when a built list misses a quota, saying by how much."""
    if chosen < n:
        raise InfeasibleError(
            f"the quotas together leave only {chosen} invitable candidates for {n} "
            f"places (short by {n - chosen})"
        )
    if n_out < need_out:
        raise InfeasibleError(
            f"min_outside {q.min_outside} needs {need_out} from outside the city; together "
            f"with the other quotas only {n_out} fit (short by {need_out - n_out})"
        )
    if n_new < need_new:
        raise InfeasibleError(
            f"min_new {q.min_new} needs {need_new} first-time invitees; together with the "
            f"other quotas only {n_new} fit (short by {need_new - n_new})"
        )


class Room:
    """What a list being built still needs: places left, quota deficits, coverage groups.

    Parameters
    ----------
    cands : dict of str to Candidate
    q : Quotas
    n : int
        Size of the finished list.
    needs : (int, int)
        Invitees needed from outside the city and first-time.
    uncovered : set of str
        Coverage groups still without an invitee (empty: coverage not enforced).
    """

    def __init__(self, cands, q: Quotas, n: int, needs: tuple[int, int], uncovered: set[str]):
        self.cands, self.q, self.n = cands, q, n
        self.need_out, self.need_new = needs
        self.cap = q.max_per_segment
        self.uncovered = set(uncovered)
        groups = set(uncovered)
        self.kind = {
            y: (c.outside, c.first_time, frozenset(c.groups) & groups, c.segment)
            for y, c in cands.items()
        }
        self.avail = Counter(self.kind.values())
        self.count = self.n_out = self.n_new = 0
        self.per_segment: Counter = Counter()
        self._reach: tuple[int, tuple] | None = None

    def take(self, y: str) -> None:
        c = self.cands[y]
        self.count += 1
        self.avail[self.kind[y]] -= 1
        if c.segment is not None:
            self.per_segment[c.segment] += 1
        self.n_out += c.outside
        self.n_new += c.first_time
        self.uncovered.difference_update(c.groups)

    def segment_full(self, y: str) -> bool:
        seg = self.cands[y].segment
        return self.cap is not None and seg is not None and self.per_segment[seg] >= self.cap

    def reach(self) -> tuple[int, int, dict[str, int]]:
        """Uninvited candidates still invitable under the segment caps: outside, new, and
        per coverage group (recomputed once per step, from the counts by kind)."""
        if self._reach is None or self._reach[0] != self.count:
            per_seg: dict = defaultdict(Counter)
            for k, cnt in self.avail.items():
                if cnt > 0:
                    tally = per_seg[k[3]]
                    tally["out"] += cnt * k[0]
                    tally["new"] += cnt * k[1]
                    for grp in k[2]:
                        tally[grp] += cnt
            total: Counter = Counter()
            for seg, tally in per_seg.items():
                left = None if seg is None else self.cap - self.per_segment[seg]
                for key, cnt in tally.items():
                    total[key] += cnt if left is None else min(cnt, left)
            self._reach = (self.count, (total.pop("out", 0), total.pop("new", 0), dict(total)))
        return self._reach[1]

    def fits(self, new: tuple[str, ...]) -> bool:
        """Whether adding ``new`` (not yet taken) leaves room for every quota and group."""
        cands, cap = self.cands, self.cap
        r = self.n - self.count - len(new)
        if any(self.segment_full(y) for y in new):
            return False
        extra = Counter(cands[y].segment for y in new if cands[y].segment is not None)
        if cap is not None and any(self.per_segment[s] + k > cap for s, k in extra.items()):
            return False
        d_out = self.need_out - self.n_out - sum(cands[y].outside for y in new)
        d_new = self.need_new - self.n_new - sum(cands[y].first_time for y in new)
        unc = self.uncovered.difference(*(cands[y].groups for y in new))
        if max(d_out, 0) + max(d_new, 0) + len(unc) <= r:
            if cap is None:
                return True
            # Each deficit stays reachable under the caps even if ``new`` took from it.
            out_ok, new_ok, groups = self.reach()
            k = len(new)
            reachable = all(groups.get(grp, 0) > k for grp in unc)
            if d_out <= out_ok - k and d_new <= new_ok - k and reachable:
                return True
        if d_out > r or d_new > r or len(unc) > r:
            return False

        def room(seg: str) -> int | None:
            return None if cap is None else cap - self.per_segment[seg] - extra[seg]

        for y in new:
            self.avail[self.kind[y]] -= 1
        try:
            return slots_needed(d_out, d_new, unc, self.avail, r, room) <= r
        finally:
            for y in new:
                self.avail[self.kind[y]] += 1

    def verify(self) -> None:
        """Raise :class:`InfeasibleError` when the built list misses a quota."""
        verify_quotas(
            self.count, self.n_out, self.n_new, self.n, self.need_out, self.need_new, self.q
        )


# Shares compared with this slack, so 3 of 10 meets a 0.3 quota despite float rounding.
SHARE_SLACK = 1e-9


def quota_checks(
    stats: dict, size: int, places: int, q: Quotas
) -> list[tuple[str, float, float, bool]]:
    """How a list edited by hand stands against the quotas it was built under.

    Parameters
    ----------
    stats : dict
        The list's figures from :func:`matchmaker.events.invite.compare_lists` (``outside``
        and ``new_faces`` shares).
    size, places : int
        Organisations on the list, and places at the event.

    Returns
    -------
    list of (name, value, needed, ok)
        ``size`` (needs at most ``places``), ``outside`` and ``new_faces`` (need at least the
        quota's share).

    >>> quota_checks({"outside": 0.3, "new_faces": 0.1}, 10, 9, Quotas(0.3, 0.2))[0]
    ('size', 10, 9, False)
    """
    return [
        ("size", size, places, size <= places),
        (
            "outside",
            stats["outside"],
            q.min_outside,
            stats["outside"] + SHARE_SLACK >= q.min_outside,
        ),
        ("new_faces", stats["new_faces"], q.min_new, stats["new_faces"] + SHARE_SLACK >= q.min_new),
    ]
