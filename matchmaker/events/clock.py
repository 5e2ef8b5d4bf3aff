"""Real clock times for an agenda: the event's start time, slot length, breaks and table names.

Slot 1 starts at ``start_time``; each next slot starts one ``slot_minutes`` later, except that
a slot that would overlap a break starts when the break ends. Events without a start time or
slot length keep slot numbers only. Table names replace the scheduler's ``T01, T02, ...`` in
order (and bound how many tables are used).

>>> clock = Clock.of({"event_id": "E", "start_time": "09:00", "slot_minutes": 20,
...                   "breaks": ("09:40-10:00",), "tables": ("Hall A", "Hall B")})
>>> clock.times(4)
{1: '09:00-09:20', 2: '09:20-09:40', 3: '10:00-10:20', 4: '10:20-10:40'}
>>> clock.table_name("T02")
'Hall B'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from matchmaker.errors import DataError

__all__ = ["Clock", "apply_clock", "set_clock"]

_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def _time(text: str, event_id: str, field: str) -> time:
    match = _HHMM.fullmatch((text or "").strip())
    if not match:
        raise DataError(
            f"event {event_id}: {field} {text!r} is not a time; write it as HH:MM, e.g. 09:30"
        )
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Clock:
    """When the slots of an event's agenda are, and what its tables are called."""

    start: time | None = None
    slot_minutes: int | None = None
    breaks: tuple[tuple[time, time], ...] = ()
    tables: tuple[str, ...] = ()

    @classmethod
    def of(cls, event: dict) -> Clock:
        """The clock of an event row; :class:`DataError` naming the event and field when a
        time, a break or the slot length is malformed."""
        eid = event.get("event_id", "?")
        start = event.get("start_time")
        start = _time(start, eid, "start_time") if start else None
        minutes = event.get("slot_minutes")
        if minutes is not None and minutes < 1:
            raise DataError(f"event {eid}: slot_minutes must be 1 or more; got {minutes}")
        breaks = []
        for text in event.get("breaks") or ():
            parts = text.split("-")
            if len(parts) != 2:
                raise DataError(f"event {eid}: break {text!r} is not HH:MM-HH:MM, e.g. 10:30-10:45")
            a, b = (_time(p, eid, "breaks") for p in parts)
            if b <= a:
                raise DataError(f"event {eid}: break {text!r} ends before it starts")
            breaks.append((a, b))
        return cls(start, minutes, tuple(sorted(breaks)), tuple(event.get("tables") or ()))

    @property
    def timed(self) -> bool:
        return self.start is not None and bool(self.slot_minutes)

    def times(self, slots: int) -> dict[int, str]:
        """``{slot: "HH:MM-HH:MM"}`` for slots 1..``slots``; empty without a start or length."""
        if not self.timed:
            return {}
        day = datetime(2000, 1, 1)
        at = datetime.combine(day, self.start)
        step = timedelta(minutes=self.slot_minutes)
        out = {}
        for slot in range(1, slots + 1):
            for a, b in self.breaks:
                pause_a, pause_b = datetime.combine(day, a), datetime.combine(day, b)
                if at < pause_b and at + step > pause_a:
                    at = max(at, pause_b)
            out[slot] = f"{at:%H:%M}-{at + step:%H:%M}"
            at += step
        return out

    def table_name(self, label: str) -> str:
        """The name of the scheduler's table ``T<n>``; the label itself when unnamed."""
        match = re.fullmatch(r"T0*([0-9]+)", label or "")
        if match and 0 < int(match.group(1)) <= len(self.tables):
            return self.tables[int(match.group(1)) - 1]
        return label


def apply_clock(agenda, clock: Clock):
    """The agenda with clock times (``agenda.times``) and named tables."""
    meetings = [replace(m, table=clock.table_name(m.table)) for m in agenda.meetings]
    return replace(agenda, meetings=meetings, times=clock.times(agenda.slots))


def set_clock(
    store,
    event_id: str,
    start_time: str | None,
    slot_minutes: int | None,
    breaks: tuple[str, ...] | list[str] = (),
    tables: tuple[str, ...] | list[str] = (),
) -> Clock:
    """Store an event's start time, slot length, breaks and table names, checked first
    (:meth:`Clock.of` raises :class:`DataError` naming the field); return its clock."""
    row = {**store.get("events", event_id)}
    row.update(
        start_time=(start_time or "").strip() or None,
        slot_minutes=slot_minutes or None,
        breaks=tuple(b.strip() for b in breaks if b.strip()),
        tables=tuple(t.strip() for t in tables if t.strip()),
    )
    clock = Clock.of(row)
    if row["start_time"]:
        row["start_time"] = f"{clock.start:%H:%M}"
    store.upsert({"events": [row]})
    return clock
