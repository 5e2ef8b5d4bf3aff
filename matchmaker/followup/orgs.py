"""Editing one organisation's profile without losing someone else's change.

Every organisation row carries a ``version`` that each change raises by one. An editor reads
the row, keeps its version, and passes it back as ``expected_version``: if anyone changed the
row in between, :func:`update_organization` raises
:class:`~matchmaker.errors.ConflictError` ("changed by someone else") and writes nothing, so
the later writer reloads instead of silently overwriting. The check and the write are one
``UPDATE ... WHERE version = :expected`` statement, atomic on SQLite and PostgreSQL alike.

>>> from matchmaker.store.database import Store
>>> store = Store("sqlite://"); _ = store.init()
>>> _ = store.upsert({"organizations": [{"org_id": "A", "name": "Acme", "kind": "company"}]})
>>> update_organization(store, "A", {"region": "Hefei"}, expected_version=1, actor="ana")["version"]
2
"""

from __future__ import annotations

from datetime import date

from matchmaker import config
from matchmaker.errors import DataError
from matchmaker.schema import TABLES
from matchmaker.store.accounts import audit
from matchmaker.store.database import Store

__all__ = ["EDITABLE", "get_organization", "update_organization"]

_SPEC = TABLES["organizations"]
EDITABLE = tuple(c for c in _SPEC.column_names if c not in _SPEC.key)
_TYPES = {"bool": bool, "int": int, "float": (int, float), "date": date}


def get_organization(store: Store, org_id: str) -> dict:
    """The organisation's row, with its ``version``; :class:`NotFoundError` if absent."""
    return store.get("organizations", org_id)


def _check(changes: dict) -> dict:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise DataError(f"cannot edit {', '.join(unknown)}; editable: {', '.join(EDITABLE)}")
    limit = int(config.get("max_cell_chars"))
    out = {}
    for name, value in changes.items():
        col = _SPEC.column(name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None or value == ():
            if col.required:
                raise DataError(f"organisation {name} is required")
            out[name] = () if col.kind == "list" else None
            continue
        if col.kind == "enum":
            if value not in col.choices:
                raise DataError(f"{name} {value!r} is not allowed; one of {', '.join(col.choices)}")
        elif col.kind == "list":
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise DataError(f"{name} takes a list of ids")
            value = tuple(v.strip() for v in value if v.strip())
        elif col.kind in _TYPES:
            if not isinstance(value, _TYPES[col.kind]):
                raise DataError(f"{name} takes a {col.kind}, got {value!r}")
        elif not isinstance(value, str):
            raise DataError(f"{name} takes text, got {value!r}")
        if isinstance(value, str) and len(value) > limit:
            raise DataError(f"{name} is {len(value)} characters long; the limit is {limit}")
        out[name] = value
    return out


def update_organization(
    store: Store, org_id: str, changes: dict, expected_version: int, actor
) -> dict:
    """Change some fields of one organisation if nobody changed it since ``expected_version``.

    Parameters
    ----------
    changes : dict
        Column -> new value, for columns in :data:`EDITABLE`; ``None`` or ``""`` clears one.
    expected_version : int
        The ``version`` of the row as the editor read it.
    actor : User or str
        Who makes the change (kept in the audit log).

    Returns
    -------
    dict
        The row after the change, with its new ``version``.

    Raises
    ------
    ConflictError
        When the row was changed by someone else since ``expected_version``; nothing written.
    NotFoundError, DataError
        An unknown ``org_id``; a column that cannot be edited or a value it does not take.
    """
    values = _check(changes)
    if not values:
        raise DataError("no change given")
    with store.transaction() as conn:
        store.update("organizations", (org_id,), values, expected_version, conn=conn)
        audit(store, actor, "org.update", f"{org_id}: {', '.join(sorted(values))}", conn=conn)
    return get_organization(store, org_id)
