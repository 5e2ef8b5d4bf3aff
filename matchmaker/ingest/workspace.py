"""Workspace import and export: a folder of CSV files or one ``.xlsx`` workbook <-> the store.

The format is ``docs/data-format.md``; its columns are :data:`matchmaker.schema.TABLES`.
Import is all-or-nothing: :func:`read_workspace` checks everything (file encodings, headers,
types, enumerations, required values, duplicate keys, references, self-pairs, sizes) and
raises one :class:`~matchmaker.errors.ValidationError` counting every
:class:`~matchmaker.errors.Problem` and listing the first 200 (collected in a bounded
:class:`~matchmaker.errors.Problems`); only a clean workspace reaches :meth:`Store.upsert`.
Export writes every table in canonical form, so two exports of the same content are
byte-identical and import -> export -> import -> export gives identical files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from math import isfinite
from pathlib import Path

from matchmaker import config
from matchmaker.errors import DataError, Problem, Problems
from matchmaker.ingest.files import (
    NO_COLUMN,
    RawTable,
    escape_formula,
    format_float,
    read_csv_folder,
    read_xlsx,
    show,
    unescape_formula,
    write_csv,
    write_xlsx,
)
from matchmaker.ingest.rules import row_rules, store_rules
from matchmaker.roles import now_utc
from matchmaker.schema import LIST_SEP, TABLE_ORDER, TABLES, Column, TableSpec
from matchmaker.store.database import CONTROL

__all__ = [
    "ID_MAX_CHARS",
    "NO_COLUMN",
    "escape_formula",
    "export_workspace",
    "import_workspace",
    "read_workspace",
    "unescape_formula",
    "upsert_tables",
]

ID_MAX_CHARS = 64
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
# Dates before this are written to a workbook as ISO text: Excel's calendar starts in 1900
# and miscounts its first two months.
EXCEL_FIRST_DAY = date(1900, 3, 1)

# Characters a workbook (XML) cannot hold.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)?"
)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_id(spec: TableSpec, col: Column) -> bool:
    return col.ref is not None or col.name in spec.key


class _Bad(Exception):
    """One cell's problem; the message completes ``file:row:column:``."""


# --- reading cells --------------------------------------------------------------------


def _parse(spec: TableSpec, col: Column, raw: str, max_chars: int):
    """The Python value of one cell's text, or :class:`_Bad` saying what is wrong."""
    if len(raw) > max_chars:
        raise _Bad(
            f"is too long: {len(raw)} characters; the limit is {max_chars} "
            "(setting MATCHMAKER_MAX_CELL_CHARS)"
        )
    bad = CONTROL.search(raw)  # what the store refuses: C0 but tab and line breaks, DEL, C1
    if bad:
        raise _Bad(f"contains the control character U+{ord(bad.group()):04X}; remove it")
    text = _newlines(raw)
    if col.kind == "text" and not _is_id(spec, col):
        return unescape_formula(text) if text.strip() else None
    value = text.strip()
    if col.kind == "list":
        items = (item.strip() for item in unescape_formula(value).split(LIST_SEP))
        return tuple(item for item in items if item)
    if value == "":
        return None
    if col.kind == "text":  # an id
        value = unescape_formula(value)
        if len(value) > ID_MAX_CHARS:
            raise _Bad(f"is {len(value)} characters long; an id has at most {ID_MAX_CHARS}")
        return value
    return _PARSERS[col.kind](col, value)


def _enum(col: Column, value: str) -> str:
    if value.lower() in col.choices:
        return value.lower()
    raise _Bad(f"'{show(value)}' is not allowed; use one of: {', '.join(col.choices)}")


def _bool(col: Column, value: str) -> bool:
    if value.lower() in TRUE_WORDS + FALSE_WORDS:
        return value.lower() in TRUE_WORDS
    raise _Bad(f"'{show(value)}' is not true or false")


def _int(col: Column, value: str) -> int:
    if not _INT.fullmatch(value):
        raise _Bad(f"'{show(value)}' is not a whole number")
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise _Bad(f"{show(value)} is out of range ({INT_MIN} to {INT_MAX})")
    return number


def _float(col: Column, value: str) -> float:
    if not _NUMBER.fullmatch(value):
        hint = "; use a dot for decimals and no thousands separators" if "," in value else ""
        raise _Bad(f"'{show(value)}' is not a number{hint}")
    number = float(value)
    if not isfinite(number):
        raise _Bad(f"{show(value)} is too large")
    return number


def _date(col: Column, value: str) -> date:
    try:
        if _DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise _Bad(f"'{show(value)}' is not a date; write it as YYYY-MM-DD, e.g. 2025-05-09")


def _datetime(col: Column, value: str) -> datetime:
    match = _DATETIME.fullmatch(value)
    try:
        if match:
            return datetime(*(int(part or 0) for part in match.groups()))
    except ValueError:
        pass
    raise _Bad(
        f"'{show(value)}' is not a date and time; write it as YYYY-MM-DDTHH:MM:SS, "
        "e.g. 2025-05-09T14:30:00"
    )


_PARSERS = {
    "enum": _enum,
    "bool": _bool,
    "int": _int,
    "float": _float,
    "date": _date,
    "datetime": _datetime,
}


# --- checking a workspace -------------------------------------------------------------


@dataclass
class _Ref:
    file: str
    row: int
    column: str
    table: str
    value: str


def _check_header(spec: TableSpec, raw: RawTable, problems: list[Problem]) -> dict[str, int]:
    """The cell index of each known column; problems for unknown, unnamed, missing ones."""
    index: dict[str, int] = {}
    for i, name in enumerate(raw.header):
        if name == "":
            problems.append(Problem(raw.file, 1, NO_COLUMN, f"column {i + 1} has no name"))
        elif name in index:
            message = f"appears twice in the header (columns {index[name] + 1} and {i + 1})"
            problems.append(Problem(raw.file, 1, name, message))
        elif name not in spec.column_names:
            message = f"unknown column; {spec.name} has only: {', '.join(spec.column_names)}"
            problems.append(Problem(raw.file, 1, show(name), message))
        else:
            index[name] = i
    for name in spec.required:
        if name not in index:
            problems.append(Problem(raw.file, 1, name, "required column is missing"))
    return index


def _check_table(
    spec: TableSpec, raw: RawTable, max_chars: int, problems: list[Problem]
) -> tuple[list[dict], set[str], list[_Ref]]:
    """Typed rows of one table, the single-column ids it holds, and its references."""
    index = _check_header(spec, raw, problems)
    width = len(raw.header)
    rows: list[dict] = []
    first_row: dict[tuple, int] = {}
    ids: set[str] = set()
    refs: list[_Ref] = []
    key_label = ",".join(spec.key)
    rules = row_rules(spec.name)
    for number, cells in raw.rows:
        ragged = None
        if len(cells) < width:
            ragged = f"has only {len(cells)} cells; the header names {width} columns"
        elif any(c.strip() for c in cells[width:]):
            ragged = f"has values beyond the {width} columns the header names"
        if ragged:
            problems.append(Problem(raw.file, number, NO_COLUMN, ragged))
            key_at = index.get(spec.key[0], width)
            if len(spec.key) == 1 and key_at < len(cells):  # spares later "unknown id" noise
                ids.add(unescape_formula(cells[key_at].strip()))
            continue
        row: dict = {}
        for name, i in index.items():
            col = spec.column(name)
            if (number, i) in raw.reported:
                continue
            try:
                value = _parse(spec, col, cells[i], max_chars)
            except _Bad as bad:
                problems.append(Problem(raw.file, number, name, str(bad)))
                continue
            if value in (None, ()) and (col.required or name in spec.key):
                problems.append(Problem(raw.file, number, name, "is required but empty"))
                continue
            row[name] = value
            if col.ref and value is not None:
                refs.append(_Ref(raw.file, number, name, col.ref, value))
        if all(k in row for k in spec.key):
            key = tuple(row[k] for k in spec.key)
            if len(key) == 1:
                ids.add(key[0])
            if key in first_row:
                shown = ", ".join(f"{k} '{show(v)}'" for k, v in zip(spec.key, key, strict=True))
                message = f"{shown} appears twice: first in row {first_row[key]}"
                problems.append(Problem(raw.file, number, key_label, message))
            else:
                first_row[key] = number
        for column, message in rules(row, number):
            problems.append(Problem(raw.file, number, column, message))
        if spec.pair:
            a, b = spec.pair
            if row.get(a) is not None and row.get(a) == row.get(b):
                message = f"is the same as {a} ('{show(row[a])}'); a pair needs two different ids"
                problems.append(Problem(raw.file, number, b, message))
        rows.append(row)
    return rows, ids, refs


def read_workspace(path: str | Path, store=None) -> dict[str, list[dict]]:
    """Read and check a workspace; return its typed rows by table, or refuse it whole.

    Parameters
    ----------
    path : str or Path
        A folder of ``<table>.csv`` files, or one ``.xlsx`` workbook with a sheet per table.
    store : Store, optional
        The database that references may also point into; without it, references must
        resolve inside the workspace itself.

    Returns
    -------
    dict of str to list of dict
        For each table present, its rows keyed by column name (only the columns the file
        has), with the values :class:`~matchmaker.store.database.Store` expects.

    Raises
    ------
    ValidationError
        Listing every problem found (``file:row:column: message``); nothing is returned.
    DataError
        When ``path`` does not exist or is neither a folder nor an ``.xlsx`` file.
    """
    path = Path(path)
    limit_mb = config.get("upload_limit_mb")
    max_chars = config.get("max_cell_chars")
    names = tuple(TABLES)
    try:
        if path.is_dir():
            raw, problems, unreadable = read_csv_folder(path, names, limit_mb)
            where = {n: f"{n}.csv" for n in names}
        elif path.is_file() and path.suffix.lower() == ".xlsx":
            raw, problems, unreadable = read_xlsx(path, names, limit_mb)
            where = {n: f"sheet {n}" for n in names}
        elif not path.exists():
            raise DataError(f"{path} does not exist")
        else:
            raise DataError(
                f"{path} is neither a folder of CSV files nor an .xlsx workbook; "
                "give the folder that holds organizations.csv, or one .xlsx file"
            )
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    problems = _collector(problems)
    if "organizations" not in raw and "organizations" not in unreadable:
        missing = "organizations.csv" if path.is_dir() else "organizations"
        message = "is missing; every workspace needs organizations (the other tables are optional)"
        problems.append(Problem(missing, 0, NO_COLUMN, message))
    tables: dict[str, list[dict]] = {}
    ids: dict[str, set[str]] = {}
    refs: list[_Ref] = []
    for name in (n for n in TABLE_ORDER if n in raw):
        spec = TABLES[name]
        tables[name], ids[name], found = _check_table(spec, raw[name], max_chars, problems)
        refs += found
        if spec.key[0] not in raw[name].header:  # its ids are unknown: do not guess
            unreadable.add(name)
    in_db: dict[str, set] = {}
    for ref in refs:
        if ref.table in unreadable or ref.value in ids.get(ref.table, ()):
            continue
        if store is not None:
            if ref.table not in in_db:
                in_db[ref.table] = store.ids(ref.table)
            if ref.value in in_db[ref.table]:
                continue
        nowhere = f"not in {where[ref.table]}" + (" nor in the database" if store else "")
        message = f"unknown {TABLES[ref.table].key[0]} '{show(ref.value)}': {nowhere}"
        problems.append(Problem(ref.file, ref.row, ref.column, message))
    if store is not None:
        problems += store_rules(store, tables, where)
    if problems:
        raise problems.error()
    return tables


def _collector(found: list[Problem]) -> Problems:
    """The problems found so far in a bounded collector (memory stays small however many
    rows are wrong)."""
    problems = Problems()
    problems.extend(found)
    return problems


def import_workspace(store, path: str | Path, actor: str = "import") -> dict[str, tuple[int, int]]:
    """Check a workspace, then upsert it by key in one transaction.

    Returns ``{table: (added, updated)}``; importing the same files twice changes nothing
    (all zeros). On any problem, raises :class:`ValidationError` and writes nothing. Each deal
    new to the database gets its first history entry (see :func:`upsert_tables`).
    """
    return upsert_tables(store, read_workspace(path, store), actor)


def upsert_tables(store, tables: dict[str, list[dict]], actor: str = "import"):
    """Upsert checked rows; a deal new to the database gets a first ``deal_events`` entry
    (from no stage to its stage, at its ``updated_at`` or now, by ``actor``, note
    "imported"), so its history is never empty. Returns ``{table: (added, updated)}``."""
    known = store.ids("deals") if tables.get("deals") else set()
    result = store.upsert(tables)
    new = [d for d in tables.get("deals", ()) if d["deal_id"] not in known]
    if new:
        at = now_utc()
        with store.transaction() as conn:
            for d in new:
                row = {
                    "deal_id": d["deal_id"],
                    "at": d.get("updated_at") or at,
                    "actor": actor,
                    "from_stage": None,
                    "to_stage": d["stage"],
                    "note": "imported",
                }
                store.insert("deal_events", row, conn=conn)
    return result


# --- writing --------------------------------------------------------------------------


def _format(spec: TableSpec, col: Column, value, typed: bool):
    """One value in canonical form: text for CSV; with ``typed``, a workbook cell value."""
    if value is None or value == ():
        return None if typed else ""
    if isinstance(value, str) and col.kind not in ("text", "enum", "list"):
        return escape_formula(value)  # not expected: the store returns typed values
    if col.kind == "bool":
        return bool(value) if typed else ("true" if value else "false")
    if col.kind == "int":
        return int(value) if typed else str(int(value))
    if col.kind == "float":
        return float(value) if typed else format_float(float(value))
    if col.kind in ("date", "datetime"):
        if col.kind == "datetime":
            value = value.replace(microsecond=0)
        day = value.date() if isinstance(value, datetime) else value
        if typed and day >= EXCEL_FIRST_DAY:
            return value
        return value.isoformat(timespec="seconds") if col.kind == "datetime" else value.isoformat()
    text = LIST_SEP.join(value) if col.kind == "list" else str(value)
    text = escape_formula(_newlines(text))
    if typed and _ILLEGAL.search(text):
        raise DataError(
            f"{spec.name}.{col.name} holds a control character that a workbook cannot hold "
            f"('{show(text)}'); export to a folder of CSV files instead"
        )
    return text


def export_workspace(store, path: str | Path) -> dict[str, int]:
    """Write every table: a folder of ``<table>.csv`` files, or one workbook for ``.xlsx``.

    Rows are sorted by their key columns and values written canonically (see
    ``docs/data-format.md``), so two exports of the same content are byte-identical.
    Returns ``{table: rows written}`` for all tables (an empty table gets its header).
    """
    path = Path(path)
    workbook = path.suffix.lower() == ".xlsx"
    if workbook and path.is_dir():
        raise DataError(f"{path} is a folder; give a file name ending in .xlsx")
    if not workbook and path.exists() and not path.is_dir():
        raise DataError(f"{path} is a file; give a folder, or a file name ending in .xlsx")
    sheets = []
    for name in TABLE_ORDER:
        spec = TABLES[name]
        rows = sorted(store.rows(name, order=False), key=lambda r: tuple(r[k] for k in spec.key))
        cells = [[_format(spec, c, r.get(c.name), workbook) for c in spec.columns] for r in rows]
        sheets.append((name, list(spec.column_names), cells))
    try:
        if workbook:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_xlsx(path, sheets)
        else:
            path.mkdir(parents=True, exist_ok=True)
            for name, header, cells in sheets:
                write_csv(path / TABLES[name].filename, header, cells)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    return {name: len(cells) for name, _, cells in sheets}
