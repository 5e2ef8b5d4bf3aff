"""Move a workspace in time: every date and time shifted by the same number of days.

The demo workspace is dated when it was generated; loaded as it is, every open deal would be
stale and every event long past. :func:`relative_to` shifts it so its last event falls a
given number of days before "today" (two weeks by default), keeping every interval between
dates: stale and overdue flags then mean what they would in a live workspace.
Deterministic given "today".

>>> tables = {"events": [{"event_id": "E", "name": "x", "date": date(2025, 6, 12)}],
...           "deals": [{"deal_id": "D", "updated_at": datetime(2025, 6, 20, 9, 30)}]}
>>> out = relative_to(tables, date(2026, 12, 3))
>>> out["events"][0]["date"], out["deals"][0]["updated_at"]
(datetime.date(2026, 11, 19), datetime.datetime(2026, 11, 27, 9, 30))
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from matchmaker.schema import TABLES

__all__ = ["LAST_EVENT_DAYS_AGO", "relative_to", "shift_dates"]

LAST_EVENT_DAYS_AGO = 14


def shift_dates(tables: dict[str, list[dict]], days: int) -> dict[str, list[dict]]:
    """A copy of ``tables`` with every date and datetime column moved by ``days``."""
    step = timedelta(days=days)
    out = {}
    for name, rows in tables.items():
        spec = TABLES.get(name)
        timed = [c.name for c in spec.columns if c.kind in ("date", "datetime")] if spec else []
        out[name] = [
            {k: (v + step if k in timed and isinstance(v, date | datetime) else v)
             for k, v in row.items()}
            for row in rows
        ]  # fmt: skip
    return out


def relative_to(
    tables: dict[str, list[dict]], today: date, days_ago: int = LAST_EVENT_DAYS_AGO
) -> dict[str, list[dict]]:
    """``tables`` shifted so the last event is ``days_ago`` days before ``today``; unchanged
    when there is no event."""
    days = [e["date"] for e in tables.get("events", ()) if e.get("date")]
    if not days:
        return tables
    return shift_dates(tables, (today - timedelta(days=days_ago) - max(days)).days)
