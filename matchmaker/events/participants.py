"""Who takes part in an event and where each stands: RSVP and check-in.

A participant's status follows :data:`matchmaker.schema.PARTICIPANT_STATUSES`:
``invited -> registered -> attended``, or ``declined`` / ``no_show``. An organiser may set any
status (to correct a mistake too); an organisation without a row for the event gets one. The
agenda builder (:func:`matchmaker.events.service.plan_agenda`) takes the ``registered`` and
``attended`` participants.

>>> from matchmaker.store.database import Store
>>> store = Store("sqlite://"); _ = store.init()
>>> _ = store.upsert({"organizations": [{"org_id": "A", "name": "Acme", "kind": "company"}],
...                   "events": [{"event_id": "E", "name": "Day", "date": date(2025, 5, 9)}]})
>>> set_status(store, "E", ["A"], "registered")
(1, 0)
>>> set_status(store, "E", ["A"], "attended")
(0, 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date  # noqa: F401  (used by the doctest)

from matchmaker.errors import DataError
from matchmaker.schema import PARTICIPANT_STATUSES

__all__ = ["participants", "set_status"]


def set_status(store, event_id: str, org_ids: Iterable[str], status: str) -> tuple[int, int]:
    """Set the participant status of ``org_ids`` at ``event_id``; return (added, changed).

    Raises
    ------
    DataError
        An unknown status, or no organisation given.
    NotFoundError
        An event or organisation that is not in the workspace (nothing is written).
    """
    if status not in PARTICIPANT_STATUSES:
        raise DataError(
            f"status {status!r} is not allowed; use one of: {', '.join(PARTICIPANT_STATUSES)}"
        )
    ids = list(dict.fromkeys(o.strip() for o in org_ids if o and o.strip()))
    if not ids:
        raise DataError("give at least one organisation id")
    store.get("events", event_id)
    for org_id in ids:
        store.get("organizations", org_id)
    rows = [{"event_id": event_id, "org_id": o, "status": status} for o in ids]
    added, changed = store.upsert({"participants": rows})["participants"]
    return added, changed


def participants(store, event_id: str) -> list[dict]:
    """The event's participants with their organisation's name, by organisation id."""
    store.get("events", event_id)
    names = {o["org_id"]: o["name"] for o in store.rows("organizations")}
    return [
        {"org_id": p["org_id"], "name": names.get(p["org_id"], p["org_id"]), "status": p["status"]}
        for p in store.rows("participants", event_id=event_id)
    ]
