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
from matchmaker.ingest.rules import check_contact
from matchmaker.schema import TABLES, next_id
from matchmaker.store.accounts import audit
from matchmaker.store.database import Store

__all__ = [
    "EDITABLE",
    "get_organization",
    "retire_item",
    "save_contact",
    "save_item",
    "update_organization",
]

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


# --- a company's own contacts and its offers and needs ------------------------------------

_CONTACT = TABLES["contacts"]
_ITEM = TABLES["items"]


def _clean(spec, row: dict) -> dict:
    out = {}
    for col in spec.columns:
        value = row.get(col.name)
        if isinstance(value, str):
            value = value.strip() or None
        if col.kind == "list" and value is None:
            value = ()
        if col.required and value in (None, ()):
            raise DataError(f"{spec.name}.{col.name} is required")
        if col.kind == "enum" and value is not None and value not in col.choices:
            raise DataError(
                f"{spec.name}.{col.name} {value!r} is not allowed; one of {', '.join(col.choices)}"
            )
        out[col.name] = value
    return out


def save_contact(store: Store, row: dict, actor) -> dict:
    """Add or change one contact person (``contact_id`` empty: a new one); audited.

    Making a contact ``primary`` makes the organisation's other contacts not primary, so
    there is never more than one. Returns the stored row.

    Raises
    ------
    DataError
        A missing name, an e-mail of the wrong shape, a language other than zh / en.
    PermissionDenied
        A company user writing another organisation's contact (through a scoped store).
    """
    row = dict(row)
    row["contact_id"] = (row.get("contact_id") or "").strip() or next_id(store.ids("contacts"), "C")
    values = _clean(_CONTACT, row)
    values["primary"] = bool(values["primary"])
    store.get("organizations", values["org_id"])
    for column, message in check_contact(values):
        raise DataError(f"contacts.{column}: {message}")
    others = [
        {**c, "primary": False}
        for c in store.rows("contacts", org_id=values["org_id"])
        if c["primary"] and values["primary"] and c["contact_id"] != values["contact_id"]
    ]
    store.upsert({"contacts": [*others, values]})
    audit(store, actor, "contact.save", f"{values['org_id']}: {values['contact_id']}")
    return store.get("contacts", values["contact_id"])


def save_item(store: Store, row: dict, actor) -> dict:
    """Add or change one offer or need (``item_id`` empty: a new one); audited. Suggestions
    reflect it after the next rebuild of the recommender (the data stamp changes)."""
    row = dict(row)
    row["item_id"] = (row.get("item_id") or "").strip() or next_id(store.ids("items"), "I")
    keywords = row.get("keywords")
    if isinstance(keywords, str):
        row["keywords"] = tuple(k.strip() for k in keywords.split(";") if k.strip())
    values = _clean(_ITEM, row)
    store.get("organizations", values["org_id"])
    if values["segment"] is not None:
        store.get("segments", values["segment"])
    store.upsert({"items": [values]})
    audit(store, actor, "item.save", f"{values['org_id']}: {values['item_id']} {values['side']}")
    return store.get("items", values["item_id"])


def retire_item(store: Store, item_id: str, actor) -> None:
    """Remove an offer or need the organisation no longer has; audited."""
    item = store.get("items", item_id)
    store.delete("items", (item_id,))
    audit(store, actor, "item.retire", f"{item['org_id']}: {item_id} {item['title']}")
