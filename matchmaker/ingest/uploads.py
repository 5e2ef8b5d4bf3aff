"""Imports and exports as a user makes them: audited, from a path or from uploaded bytes.

:func:`import_audited` is the one way the CLI and the app import a workspace (the import and
its refusal are both audited); :func:`import_files` hands uploaded files to it;
:func:`export_bytes` returns :func:`~matchmaker.ingest.workspace.export_workspace`'s files as
one download (audited too).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

from matchmaker import config
from matchmaker.errors import DataError, ValidationError
from matchmaker.ingest.dates import relative_to
from matchmaker.ingest.files import show
from matchmaker.ingest.workspace import (
    export_workspace,
    import_workspace,
    read_workspace,
    upsert_tables,
)
from matchmaker.roles import FULL_ROLES
from matchmaker.schema import TABLE_ORDER
from matchmaker.store.accounts import actor_of, audit
from matchmaker.store.database import Store

__all__ = ["export_bytes", "import_audited", "import_files", "load_demo"]

_WORKSPACE_FILES = {f"{name}.csv" for name in TABLE_ORDER}


def import_files(store: Store, files: list[tuple[str, bytes]]) -> dict[str, tuple[int, int]]:
    """Import uploaded workspace files: CSV files named like the tables, or one ``.xlsx``.

    The files are written to a temporary folder and handed to
    :func:`matchmaker.ingest.workspace.import_workspace`, which validates everything and writes
    nothing when anything is wrong.

    Parameters
    ----------
    files : list of (name, content)
        Uploaded file names and bytes.

    Returns
    -------
    dict
        ``{table: (added, updated)}``.

    Raises
    ------
    DataError
        When no file is given, two files have the same name, a name is not a workspace
        file, an ``.xlsx`` comes with other files, or the files together are larger than the
        ``upload_limit_mb`` setting.
    ValidationError
        From the import, with every problem found.
    """
    if not files:
        raise DataError("no file uploaded: choose CSV files or one .xlsx workbook")
    limit_mb = int(config.get("upload_limit_mb"))
    total = sum(len(content) for _, content in files)
    if total > limit_mb * 1024 * 1024:
        what = show(files[0][0], 80) if len(files) == 1 else f"the {len(files)} files together"
        raise DataError(
            f"{what} {'is' if len(files) == 1 else 'are'} {total / 2**20:.1f} MB; the limit "
            f"for one upload is {limit_mb} MB (MATCHMAKER_UPLOAD_LIMIT_MB)"
        )
    names = [Path(name).name for name, _ in files]
    seen: dict[str, str] = {}
    for (given, _), name in zip(files, names, strict=True):
        if name in seen:
            raise DataError(
                f"two uploaded files are named {show(name, 80)}: {show(seen[name], 80)} and "
                f"{show(given, 80)}; upload each table once"
            )
        seen[name] = given
    workbooks = [n for n in names if n.lower().endswith(".xlsx")]
    if workbooks and len(files) > 1:
        raise DataError("upload either one .xlsx workbook or CSV files, not both")
    unknown = [n for n in names if not n.lower().endswith(".xlsx") and n not in _WORKSPACE_FILES]
    if unknown:
        allowed = ", ".join(sorted(_WORKSPACE_FILES))
        raise DataError(f"not a workspace file: {', '.join(unknown)}; allowed: {allowed}, *.xlsx")
    with tempfile.TemporaryDirectory(prefix="matchmaker-upload-") as tmp:
        folder = Path(tmp)
        for name, content in zip(names, (c for _, c in files), strict=True):
            (folder / name).write_bytes(content)
        target = folder / workbooks[0] if workbooks else folder
        return import_audited(store, target, label=f"upload {', '.join(names)}")


def import_audited(store: Store, path, actor=None, label: str | None = None):
    """:func:`~matchmaker.ingest.workspace.import_workspace`, with the import (or its
    refusal) written to the audit log.

    Parameters
    ----------
    path : path-like
        A folder of CSV files or one ``.xlsx`` workbook.
    actor : User or str, optional
        Who imports; default: the user a scoped store acts for, else ``"app"``.
    label : str, optional
        What the audit line calls the source; default: the file or folder name.

    Returns
    -------
    dict
        ``{table: (added, updated)}``.
    """
    actor = actor if actor is not None else actor_of(store)
    label = label or Path(path).name
    try:
        result = import_workspace(store, path, _name(actor))
    except ValidationError as exc:
        audit(store, actor, "import.refused", f"{label}: {exc.total} problem(s)")
        raise
    audit(store, actor, "import", f"{label}: {result}")
    return result


def _name(actor) -> str:
    return str(getattr(actor, "username", actor))


def _organisers(store) -> list[str]:
    accounts = getattr(store, "unscoped", store).rows("users")  # names and roles only
    return sorted(u["username"] for u in accounts if u["active"] and u["role"] in FULL_ROLES)


def _owned(tables: dict[str, list[dict]], owners: list[str], kept: dict[str, str]):
    if not owners or not tables.get("deals"):
        return tables
    deals = sorted(tables["deals"], key=lambda d: d["deal_id"])
    owned = [
        d if d.get("owner") else {**d, "owner": kept.get(d["deal_id"]) or owners[n % len(owners)]}
        for n, d in enumerate(deals)
    ]
    return {**tables, "deals": owned}


def load_demo(store: Store, path, actor=None, today: date | None = None):
    """Load the demo workspace at ``path`` dated relative to ``today`` (default: the UTC
    date): its last event two weeks before, every other date moved by as many days
    (:func:`matchmaker.ingest.dates.relative_to`). Deals without an owner are shared out
    among the active organiser and admin accounts, in turn by deal id, so every deal has one
    when there is an account. Audited like any import.

    Returns ``{table: (added, updated)}``; loading it twice on one day changes nothing.
    """
    actor = actor if actor is not None else actor_of(store)
    today = today or datetime.now(UTC).date()
    tables = relative_to(read_workspace(path, store), today)
    kept = {d["deal_id"]: d["owner"] for d in store.rows("deals") if d["owner"]}
    tables = _owned(tables, _organisers(store), kept)
    result = upsert_tables(store, tables, _name(actor))
    audit(store, actor, "import", f"demo workspace dated to {today.isoformat()}: {result}")
    return result


def export_bytes(store: Store, fmt: str) -> bytes:
    """The whole workspace as one download: ``"xlsx"`` (a workbook) or ``"zip"`` (CSV files).

    Raises
    ------
    DataError
        When ``fmt`` is neither ``"xlsx"`` nor ``"zip"``.
    """
    if fmt not in ("xlsx", "zip"):
        raise DataError(f"export format {fmt!r} is not supported; use 'xlsx' or 'zip'")
    audit(store, actor_of(store), "export", f"download as {fmt}")
    with tempfile.TemporaryDirectory(prefix="matchmaker-export-") as tmp:
        if fmt == "xlsx":
            path = Path(tmp) / "workspace.xlsx"
            export_workspace(store, path)
            return path.read_bytes()
        folder = Path(tmp) / "workspace"
        export_workspace(store, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(folder.iterdir()):
                info = zipfile.ZipInfo(f"workspace/{file.name}", date_time=(2000, 1, 1, 0, 0, 0))
                zf.writestr(info, file.read_bytes(), zipfile.ZIP_DEFLATED)
        return buffer.getvalue()
