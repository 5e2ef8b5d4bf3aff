"""The files of a workspace: a folder of CSV files or one ``.xlsx`` workbook, in and out.

Reading turns each file (or sheet) into a :class:`RawTable`: the header and every row's
cells as text, each row numbered as a spreadsheet shows it (header = 1). Column types are
not known here (that is :mod:`matchmaker.ingest.workspace`); every way a file can be unreadable
(empty, binary, not UTF-8, wrong delimiter, broken quotes, not a zip, formula cells) becomes
a :class:`~matchmaker.errors.Problem`, never an exception.

Writing is deterministic: CSV as UTF-8 without BOM and ``\\n`` line ends; workbooks with
fixed document properties and zip timestamps, so the same content gives the same bytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl

from matchmaker.errors import Problem

__all__ = [
    "NO_COLUMN",
    "RawTable",
    "escape_formula",
    "escape_frame",
    "escape_row",
    "format_float",
    "read_csv_bytes",
    "read_csv_folder",
    "read_xlsx",
    "show",
    "unescape_formula",
    "write_csv",
    "write_xlsx",
]

NO_COLUMN = "-"
"""The column of a Problem that is about a whole file or a whole row."""

# A workbook is refused before it is parsed (a "zip bomb") when its parts together unpack to
# more than UNPACKED_FACTOR times the upload limit, or to more than MAX_RATIO times the size
# of the workbook itself, or when any one part is compressed more than MAX_RATIO to 1.
UNPACKED_FACTOR = 4
MAX_RATIO = 50
# A sheet with more formula or error cells than this is not read further.
MAX_CELL_PROBLEMS = 10_000
# Fixed document properties and zip timestamps of exported workbooks.
FIXED_W3CDTF = b"2000-01-01T00:00:00Z"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

XLSX_HINT = "save it from Excel as .xlsx, or use a folder of CSV files"
UTF8_HINT = "save the file as UTF-8 (in Excel: 'CSV UTF-8')"


@dataclass
class RawTable:
    """One file or sheet as text: ``rows`` holds ``(row number, cells)`` pairs.

    ``reported`` holds the ``(row, cell index)`` of cells already reported as problems
    (formula or error cells of a workbook); they are not checked again.
    """

    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    reported: set[tuple[int, int]] = field(default_factory=set)


# A text that a spreadsheet could run as a formula, after any number of apostrophes.
_FORMULA = re.compile(r"'*[=+\-@\t\r\n]")


def escape_formula(text: str) -> str:
    """Prefix ``'`` to a text a spreadsheet would run as a formula.

    The one escaping function of every CSV and XLSX file matchmaker writes (workspace
    export, invitation lists, agendas, suggestion lists, reports, the app's downloads). A
    text starting with ``= + - @``, a tab or a line break (after any apostrophes) gets one
    more leading apostrophe; :func:`unescape_formula` takes exactly one away again.

    >>> escape_formula("=cmd|' /C calc'!A0"), escape_formula("'=x"), escape_formula("ok")
    ("'=cmd|' /C calc'!A0", "''=x", 'ok')
    """
    return "'" + text if _FORMULA.match(text) else text


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula`: drop the leading apostrophe before a formula character.

    >>> unescape_formula("'=SUM(A1:A9)"), unescape_formula("'quoted'")
    ('=SUM(A1:A9)', "'quoted'")
    """
    return text[1:] if text.startswith("'") and _FORMULA.match(text) else text


def escape_row(row: dict) -> dict:
    """``row`` with :func:`escape_formula` applied to every text value (numbers, dates and
    blanks are left alone: a spreadsheet does not run them)."""
    return {k: escape_formula(v) if isinstance(v, str) else v for k, v in row.items()}


def escape_frame(frame):
    """A copy of a pandas DataFrame with :func:`escape_formula` applied to every text cell
    and column name; write this, never the frame itself, to a CSV or XLSX file.

    >>> import pandas as pd
    >>> escape_frame(pd.DataFrame({"name": ["=1+1", "Acme"], "n": [-1, 2]})).values.tolist()
    [["'=1+1", -1], ['Acme', 2]]
    """
    out = frame.copy()
    out.columns = [escape_formula(c) if isinstance(c, str) else c for c in out.columns]
    for i in range(out.shape[1]):
        if out.dtypes.iloc[i].kind not in "biufcmM":  # text or mixed (not numbers, dates)
            column = out.iloc[:, i].map(lambda v: escape_formula(v) if isinstance(v, str) else v)
            out.isetitem(i, column)
    return out


def show(value: str, limit: int = 40) -> str:
    """``value`` fit to be quoted in a message: shortened, control characters escaped."""
    if len(value) > limit:
        value = value[: limit - 3] + "..."
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in value)


def format_float(value: float) -> str:
    """The canonical text of a float: integral values without ``.0``, else ``repr``.

    >>> format_float(5.0), format_float(0.1), format_float(2e16)
    ('5', '0.1', '2e+16')
    """
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _too_big(label: str, size: int, limit_mb: int) -> Problem | None:
    if size <= limit_mb * 1024 * 1024:
        return None
    return Problem(
        label,
        0,
        NO_COLUMN,
        f"is {size / 2**20:.1f} MB; the limit is {limit_mb} MB "
        "(setting MATCHMAKER_UPLOAD_LIMIT_MB)",
    )


def _clean_header(header: list[str]) -> list[str]:
    header = [h.strip() for h in header]
    while header and header[-1] == "":
        header.pop()
    return header


# --- CSV ---------------------------------------------------------------------------


def read_csv_folder(
    folder: Path, names: tuple[str, ...], limit_mb: int
) -> tuple[dict[str, RawTable], list[Problem], set[str]]:
    """Every ``<table>.csv`` of ``folder``: (tables, problems, tables that were unreadable).

    Hidden entries (names starting with ``.``) are ignored; any other file is a problem.
    """
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    unreadable: set[str] = set()
    allowed = ", ".join(f"{n}.csv" for n in names)
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    total = sum(e.stat().st_size for e in entries if e.is_file() and not e.name.startswith("."))
    if total > limit_mb * 1024 * 1024 and len(entries) > 1:
        message = (
            f"the files together are {total / 2**20:.1f} MB; the limit for one import is "
            f"{limit_mb} MB (setting MATCHMAKER_UPLOAD_LIMIT_MB)"
        )
        return {}, [Problem(show(folder.name, 80), 0, NO_COLUMN, message)], set(names)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        name = entry.name[: -len(".csv")] if entry.name.endswith(".csv") else None
        if name not in names or not entry.is_file():
            what = "is not a file" if name in names else "unknown file"
            message = f"{what}; a workspace folder holds only {allowed}"
            problems.append(Problem(show(entry.name, 80), 0, NO_COLUMN, message))
            continue
        big = _too_big(entry.name, entry.stat().st_size, limit_mb)
        table, found = (None, [big]) if big else read_csv_bytes(entry.read_bytes(), entry.name)
        problems += found
        if table is None:
            unreadable.add(name)
        else:
            tables[name] = table
    return tables, problems, unreadable


def read_csv_bytes(data: bytes, label: str) -> tuple[RawTable | None, list[Problem]]:
    """Parse the bytes of one CSV file; ``None`` and the reason when it cannot be read."""

    def whole(message: str, row: int = 0) -> tuple[None, list[Problem]]:
        return None, [Problem(label, row, NO_COLUMN, message)]

    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data:
        return whole("the file is empty; it needs at least a header row naming its columns")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return whole(f"is UTF-16 text; {UTF8_HINT}")
    if data.startswith(b"PK\x03\x04"):
        return whole(f"is a zip file (an Excel workbook?), not CSV text; {XLSX_HINT}")
    if b"\x00" in data:
        return whole("contains NUL bytes: it is a binary file, not CSV text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8")
        row = _row_at(prefix)
        bad = data[exc.start]
        return whole(f"is not UTF-8 text (byte 0x{bad:02x} in row {row}); {UTF8_HINT}", row)
    limit = max(csv.field_size_limit(), len(text) + 1)
    csv.field_size_limit(min(limit, 2**31 - 1))
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), strict=True):
            records.append(record)
    except csv.Error as exc:
        row = len(records) + 1
        return whole(f"cannot be read as CSV ({exc}); check the quotes in row {row}", row)
    if not records or not any(c.strip() for c in records[0]):
        return whole("the first row is empty; it must be the header naming the columns", 1)
    header = _clean_header(records[0])
    if len(header) == 1:
        for sep, what in ((";", "';'-separated"), ("\t", "tab-separated")):
            if sep in header[0]:
                return whole(f"looks like {what}; use commas between columns", 1)
    rows = [(n, r) for n, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]
    return RawTable(label, header, rows), []


def _row_at(prefix: str) -> int:
    """The CSV record (header = 1) in which text ``prefix`` ends."""
    count = 0
    try:
        for _ in csv.reader(io.StringIO(prefix, newline="")):
            count += 1
    except csv.Error:
        return count + 1
    return count + 1 if prefix == "" or prefix.endswith(("\n", "\r")) else max(count, 1)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write one CSV file: UTF-8 without BOM, ``\\n`` line ends, minimal quoting."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    _atomic_write(path, buf.getvalue().encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- XLSX --------------------------------------------------------------------------


def read_xlsx(
    path: Path, names: tuple[str, ...], limit_mb: int
) -> tuple[dict[str, RawTable], list[Problem], set[str]]:
    """Every sheet of a workbook: (tables, problems, tables that were unreadable).

    Formulas are never evaluated and external links never followed: a formula cell is
    a problem (paste values instead).
    """
    label = path.name

    def whole(message: str) -> tuple[dict, list[Problem], set[str]]:
        return {}, [Problem(label, 0, NO_COLUMN, message)], set(names)

    big = _too_big(label, path.stat().st_size, limit_mb)
    if big:
        return {}, [big], set(names)
    if not zipfile.is_zipfile(path):
        return whole(f"is not an .xlsx workbook; {XLSX_HINT}")
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return whole(f"is a broken zip file ({show(str(exc))}); {XLSX_HINT}")
    if bomb := _bomb(parts, path.stat().st_size, limit_mb):
        return whole(bomb)
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    unreadable: set[str] = set()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # any garbage inside the zip: never a traceback
        return whole(f"cannot be read as a workbook ({type(exc).__name__}: {show(str(exc))})")
    try:
        for name in wb.sheetnames:
            if name not in names:
                message = f"unknown sheet; a workbook holds only {', '.join(names)}"
                problems.append(Problem(show(name), 0, NO_COLUMN, message))
                continue
            found: list[Problem] = []
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    table = _read_sheet(wb[name], name, found)
            except Exception as exc:  # a sheet whose XML is broken
                found = [Problem(name, 0, NO_COLUMN, f"cannot be read ({type(exc).__name__})")]
                table = None
            problems += found
            if table is None:
                unreadable.add(name)
            else:
                tables[name] = table
    finally:
        wb.close()
    return tables, problems, unreadable


def _bomb(parts: list[zipfile.ZipInfo], size: int, limit_mb: int) -> str | None:
    """Why a workbook's parts unpack to too much (a zip bomb), else None."""
    unpacked = sum(i.file_size for i in parts)
    cap = min(UNPACKED_FACTOR * limit_mb * 1024 * 1024, MAX_RATIO * max(size, 1))
    if unpacked > cap:
        return (
            f"unpacks to {unpacked / 2**20:,.1f} MB from {size / 2**20:,.1f} MB; at most "
            f"{cap / 2**20:,.1f} MB is accepted ({MAX_RATIO} times the workbook's size, and "
            f"{UNPACKED_FACTOR} times MATCHMAKER_UPLOAD_LIMIT_MB)"
        )
    for part in parts:
        if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * part.compress_size:
            ratio = part.file_size / max(part.compress_size, 1)
            return (
                f"part {show(part.filename, 60)} is compressed {ratio:,.0f} to 1; at most "
                f"{MAX_RATIO} to 1 is accepted"
            )
    return None


def _read_sheet(ws, name: str, problems: list[Problem]) -> RawTable | None:
    """One sheet as a :class:`RawTable`; after :data:`MAX_CELL_PROBLEMS` formula or error
    cells the sheet is not read further (one more problem says so), so a sheet of millions
    of formulas costs neither time nor memory."""
    if not hasattr(ws, "iter_rows"):
        problems.append(Problem(name, 0, NO_COLUMN, "is a chart sheet, not a table"))
        return None
    ws.reset_dimensions()  # a sheet may claim 16,384 columns: read only the cells it has
    table: RawTable | None = None
    for number, cells in enumerate(ws.iter_rows(), start=1):
        header = table.header if table else []
        texts, reported = [], set()
        for index, cell in enumerate(cells):
            kind = getattr(cell, "data_type", "n")
            if kind in ("f", "e"):
                if len(problems) >= MAX_CELL_PROBLEMS:
                    message = (
                        f"not read beyond row {number}: more than {MAX_CELL_PROBLEMS:,} "
                        "formula or error cells; paste plain values instead"
                    )
                    problems.append(Problem(name, number, NO_COLUMN, message))
                    return None
                column = header[index] if index < len(header) else NO_COLUMN
                what = "a formula" if kind == "f" else f"the error value {show(str(cell.value))}"
                message = f"holds {what}; paste plain values instead"
                problems.append(Problem(name, number, column, message))
                reported.add((number, index))
            texts.append("" if kind in ("f", "e") else xlsx_text(cell.value))
        blank = not any(t.strip() for t in texts)
        if number == 1:
            table = None if blank else RawTable(name, _clean_header(texts))
        elif blank:
            continue
        elif table is None:
            problems.append(Problem(name, 1, NO_COLUMN, "row 1 must be the header row"))
            return None
        else:
            texts += [""] * (len(table.header) - len(texts))
            table.rows.append((number, texts))
            table.reported |= reported
    if table is None and not problems:
        problems.append(Problem(name, 0, NO_COLUMN, "the sheet is empty; it needs a header row"))
    return table


def xlsx_text(value) -> str:
    """The text of a workbook cell's value, in the forms the CSV files use."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value) if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        if value.microsecond >= 500_000:  # Excel stores times as fractions of a day
            value += timedelta(microseconds=1_000_000 - value.microsecond)
        value = value.replace(microsecond=0)
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def write_xlsx(path: Path, sheets: list[tuple[str, list[str], list[list]]]) -> None:
    """Write one workbook, one sheet per ``(name, header, rows)``, byte-for-byte repeatable.

    openpyxl stamps the save time into the document properties and the zip entries; both
    are replaced by fixed values, so the same content always gives the same bytes.
    """
    wb = openpyxl.Workbook(write_only=True)
    wb.properties.creator = "matchmaker"
    for name, header, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(row)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    stamp = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>" + FIXED_W3CDTF + rb"\g<3>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, data)
    _atomic_write(path, out.getvalue())
