"""Rules a table's rows must follow beyond their column types, checked at import.

:func:`row_rules` gives, per table, a checker called with each typed row and its row number
that yields ``(column, message)`` problems; it may remember earlier rows (one primary contact
per organisation). :func:`store_rules` checks the workspace against what the database already
holds. Both are used by :func:`matchmaker.ingest.workspace.read_workspace`, and
:func:`check_contact` by every other way a contact is written (the organisation page).

>>> check = row_rules("contacts")
>>> list(check({"org_id": "A1", "email": "liu@x", "primary": True}, 2))
[('email', "'liu@x' is not an e-mail address (name@example.cn)")]
>>> list(check({"org_id": "A1", "primary": True}, 3))
[('primary', "organisation 'A1' already has a primary contact in row 2; only one per organisation")]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from matchmaker.errors import Problem
from matchmaker.ingest.files import show

__all__ = ["EMAIL", "check_contact", "row_rules", "store_rules"]

# An e-mail address: something@domain.tld, no spaces.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

Rule = Callable[[dict, int], Iterator[tuple[str, str]]]


def check_contact(row: dict) -> Iterator[tuple[str, str]]:
    """Problems of one contact row on its own: the e-mail's shape."""
    email = row.get("email")
    if email is not None and not EMAIL.fullmatch(email.strip()):
        yield "email", f"'{show(email)}' is not an e-mail address (name@example.cn)"


def _contact_rules() -> Rule:
    primary_at: dict[str, int] = {}

    def check(row: dict, number: int) -> Iterator[tuple[str, str]]:
        yield from check_contact(row)
        org = row.get("org_id")
        if row.get("primary") and org is not None:
            if org in primary_at:
                yield (
                    "primary",
                    f"organisation '{show(org)}' already has a primary contact in row "
                    f"{primary_at[org]}; only one per organisation",
                )
            else:
                primary_at[org] = number

    return check


def _no_rules() -> Rule:
    def check(row: dict, number: int) -> Iterator[tuple[str, str]]:
        return iter(())

    return check


_ROW_RULES = {"contacts": _contact_rules}


def row_rules(table: str) -> Rule:
    """A fresh checker of the rows of ``table`` (one per file read)."""
    return _ROW_RULES.get(table, _no_rules)()


def store_rules(store, tables: dict[str, list[dict]], where: dict[str, str]) -> list[Problem]:
    """Problems of the workspace together with the database: a primary contact imported for an
    organisation whose primary contact in the database is another person not re-imported."""
    rows = tables.get("contacts")
    if not rows:
        return []
    incoming = {r.get("contact_id") for r in rows}
    stored = {
        c["org_id"]: c["contact_id"]
        for c in store.rows("contacts")
        if c["primary"] and c["contact_id"] not in incoming
    }
    problems = []
    for number, row in enumerate(rows, start=2):
        org = row.get("org_id")
        if row.get("primary") and org in stored:
            message = (
                f"organisation '{show(org)}' already has primary contact '{show(stored[org])}' "
                "in the database; only one per organisation"
            )
            problems.append(Problem(where["contacts"], number, "primary", message))
    return problems
