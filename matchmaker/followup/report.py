"""Outcome reports: the event funnel, its breakdowns per event and chain, conversion rates.

:func:`funnel` is a public contract (``matchmaker report funnel --format json``). Its object
has exactly these keys:

- ``events``: events in scope;
- ``invited``: distinct organisations with any participant row in scope;
- ``attended``: distinct organisations with status ``attended``;
- ``attended_external``: of those, the ones with ``local`` = false;
- ``meetings_held``: meetings with status ``held``;
- ``deals``: deals at each current stage, ``{intent, in_progress, signed, dropped}``;
- ``orgs_with_deal``: distinct organisations party to a deal whose stage is not dropped.

Scope: with no filter, everything counts (deals without an event too). ``event_id`` keeps
that event; ``chain`` keeps the events whose chains contain it. Participants, meetings and
deals are in scope when their ``event_id`` is an event in scope.

>>> from matchmaker.store.database import Store
>>> s = Store("sqlite://"); _ = s.init()
>>> funnel(s)["deals"]
{'intent': 0, 'in_progress': 0, 'signed': 0, 'dropped': 0}
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

from matchmaker.errors import DataError, NotFoundError
from matchmaker.followup.workbook import write_report
from matchmaker.ingest.files import escape_frame
from matchmaker.schema import DEAL_STAGES
from matchmaker.store.database import Store

__all__ = [
    "FUNNEL_KEYS",
    "RATE_STEPS",
    "breakdown",
    "conversion",
    "export_xlsx",
    "format_table",
    "funnel",
]

FUNNEL_KEYS = (
    "events",
    "invited",
    "attended",
    "attended_external",
    "meetings_held",
    "deals",
    "orgs_with_deal",
)
# The organisation funnel the conversion rates walk down, each step a subset of the last.
RATE_STEPS = ("attended", "met", "intent", "in_progress", "signed")
_REACHED = {
    "intent": {"intent", "in_progress", "signed"},
    "in_progress": {"in_progress", "signed"},
    "signed": {"signed"},
}


class _Data:
    """The rows a report reads, loaded once."""

    def __init__(self, store: Store):
        self.events = store.rows("events")
        self.participants = store.rows("participants", order=False)
        self.meetings = store.rows("meetings", order=False)
        self.deals = store.rows("deals", order=False)
        self.local = {o["org_id"]: o["local"] for o in store.rows("organizations", order=False)}
        # A deal dropped after reaching in_progress did reach in_progress: read the history.
        self.reached: dict[str, set[str]] = {}
        for ev in store.rows("deal_events", order=False):
            self.reached.setdefault(ev["deal_id"], set()).add(ev["to_stage"])

    def event_ids(self, event_id: str | None, chain: str | None) -> set[str] | None:
        """Event ids in scope; None means no filter (everything counts)."""
        if event_id is None and chain is None:
            return None
        known = {e["event_id"] for e in self.events}
        if event_id is not None and event_id not in known:
            raise NotFoundError(f"no event {event_id!r}; events: {', '.join(sorted(known))}")
        keep = set()
        for e in self.events:
            if event_id is not None and e["event_id"] != event_id:
                continue
            if chain is not None and chain not in e["chains"]:
                continue
            keep.add(e["event_id"])
        return keep


def _in(scope: set[str] | None, event_id) -> bool:
    return scope is None or event_id in scope


def _count(data: _Data, scope: set[str] | None) -> tuple[dict, dict]:
    parts = [p for p in data.participants if _in(scope, p["event_id"])]
    invited = {p["org_id"] for p in parts}
    attended = {p["org_id"] for p in parts if p["status"] == "attended"}
    meetings = [m for m in data.meetings if _in(scope, m["event_id"])]
    held = [m for m in meetings if m["status"] == "held"]
    deals = [d for d in data.deals if _in(scope, d["event_id"])]
    stages = {s: sum(d["stage"] == s for d in deals) for s in DEAL_STAGES}
    with_deal = {o for d in deals if d["stage"] != "dropped" for o in (d["org_a"], d["org_b"])}
    result = {
        "events": len(data.events) if scope is None else len(scope),
        "invited": len(invited),
        "attended": len(attended),
        "attended_external": sum(data.local.get(o) is False for o in attended),
        "meetings_held": len(held),
        "deals": stages,
        "orgs_with_deal": len(with_deal),
    }
    reached = {}
    for step, stages_ok in _REACHED.items():
        reached[step] = {
            o
            for d in deals
            if d["stage"] in stages_ok or step in data.reached.get(d["deal_id"], ())
            for o in (d["org_a"], d["org_b"])
        }
    orgs = {
        "attended": attended,
        "met": {o for m in held for o in (m["org_a"], m["org_b"])} & attended,
        "intent": reached["intent"] & attended,
        "in_progress": reached["in_progress"] & attended,
        "signed": reached["signed"] & attended,
    }
    return result, {k: len(v) for k, v in orgs.items()}


def funnel(store: Store, event_id: str | None = None, chain: str | None = None) -> dict:
    """The funnel object of the public contract (see the module docstring).

    Parameters
    ----------
    store : Store
    event_id : str, optional
        Keep only this event (:class:`NotFoundError` when unknown).
    chain : str, optional
        Keep only events whose chains contain this chain id.
    """
    data = _Data(store)
    return _count(data, data.event_ids(event_id, chain))[0]


def conversion(store: Store, event_id: str | None = None, chain: str | None = None) -> list[dict]:
    """Conversion down the organisation funnel attended -> met -> intent -> in progress ->
    signed.

    Each step counts attending organisations (in scope) that reached it: ``met`` had a held
    meeting; ``intent`` / ``in_progress`` / ``signed`` are party to a deal that reached that
    stage (a later stage, or the history, says it did; dropped deals count for the stages
    they reached). ``rate`` is the step's count over the previous step's, in 0..1 (None
    when the previous count is 0); ``overall`` is over ``attended``.
    """
    data = _Data(store)
    counts = _count(data, data.event_ids(event_id, chain))[1]
    rows, prev = [], None
    for step in RATE_STEPS:
        n = counts[step]
        rate = None if prev is None or counts[prev] == 0 else n / counts[prev]
        overall = n / counts["attended"] if counts["attended"] else None
        rows.append({"step": step, "organisations": n, "rate": rate, "overall": overall})
        prev = step
    return rows


def breakdown(store: Store, by: str = "event") -> list[dict]:
    """One flat funnel row per event (``by="event"``) or per chain (``by="chain"``).

    Rows hold the scope (``event_id`` and ``name``, or ``chain``), the funnel counts with the
    deal stages as ``deals_<stage>``, and the conversion rate of each funnel step as
    ``rate_<step>``. Events are ordered by date then id; chains by id.
    """
    if by not in ("event", "chain"):
        raise DataError(f"breakdown by {by!r} is not supported; use 'event' or 'chain'")
    data = _Data(store)
    if by == "event":
        scopes = [
            ({"event_id": e["event_id"], "name": e["name"], "date": e["date"]}, {e["event_id"]})
            for e in sorted(data.events, key=lambda e: (e["date"], e["event_id"]))
        ]
    else:
        chains = sorted({c for e in data.events for c in e["chains"]})
        scopes = [
            ({"chain": c}, {e["event_id"] for e in data.events if c in e["chains"]}) for c in chains
        ]
    rows = []
    for label, scope in scopes:
        result, counts = _count(data, scope)
        row = dict(label)
        for key in FUNNEL_KEYS:
            if key == "deals":
                row.update({f"deals_{s}": n for s, n in result["deals"].items()})
            else:
                row[key] = result[key]
        for prev, step in itertools.pairwise(RATE_STEPS):
            row[f"rate_{step}"] = counts[step] / counts[prev] if counts[prev] else None
        rows.append(row)
    return rows


def format_table(result: dict) -> str:
    """A funnel object as aligned ``key  value`` lines for the terminal."""
    lines = []
    for key in FUNNEL_KEYS:
        if key == "deals":
            for stage in DEAL_STAGES:
                lines.append((f"deals {stage}", result["deals"][stage]))
        else:
            lines.append((key, result[key]))
    width = max(len(k) for k, _ in lines)
    return "\n".join(f"{k:<{width}}  {v:>6}" for k, v in lines)


def export_xlsx(
    store: Store,
    path: str | Path,
    event_id: str | None = None,
    chain: str | None = None,
    lang: str = "en",
) -> Path:
    """Write the report workbook: sheets funnel, conversion, by event, by chain, formatted for
    people (:func:`matchmaker.followup.workbook.write_report`: headers in ``lang`` with their
    units, percentages, widths, a frozen header row).

    ``path`` must end in ``.xlsx``; the funnel and conversion sheets follow the filters, the
    breakdowns always cover every event and chain.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise DataError(f"report export writes .xlsx files; got {path.name!r}")
    result = funnel(store, event_id, chain)
    flat = [(k, result[k]) for k in FUNNEL_KEYS if k != "deals"]
    flat[5:5] = [(f"deals_{s}", n) for s, n in result["deals"].items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = {
        "funnel": pd.DataFrame(flat, columns=["measure", "value"]),
        "conversion": pd.DataFrame(conversion(store, event_id, chain)),
        "by_event": pd.DataFrame(breakdown(store, "event")),
        "by_chain": pd.DataFrame(breakdown(store, "chain")),
    }
    return write_report(path, {k: escape_frame(f) for k, f in frames.items()}, lang)
