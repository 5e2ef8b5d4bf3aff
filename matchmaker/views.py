"""Read-only queries the app's pages show: small frames built from :class:`Store` reads.

Pages never open the database or compute anything themselves; they call these functions
(and the core modules) and render what comes back. Everything here only reads, except
:func:`import_files`, which hands uploaded files to :func:`matchmaker.ingest.import_workspace`.

>>> from matchmaker.store import Store
>>> store = Store("sqlite://")
>>> _ = store.init()
>>> _ = store.upsert({"organizations": [{"org_id": "A1", "name": "Acme", "kind": "company"}]})
>>> organizations(store)["name"].tolist()
['Acme']
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from matchmaker import config
from matchmaker.errors import DataError, NotFoundError
from matchmaker.schema import STAGES, TABLE_ORDER, TABLES
from matchmaker.store import Store

__all__ = [
    "ChainMap",
    "OrgProfile",
    "agenda_files",
    "agenda_grid",
    "chain_ids",
    "chain_map",
    "data_stamp",
    "deal_board",
    "deal_history",
    "event_names",
    "export_bytes",
    "import_files",
    "invitation_frame",
    "live_deal_pairs",
    "load_demo",
    "new_event",
    "org_label",
    "org_list_frame",
    "org_names",
    "org_profile",
    "organizations",
    "participants_frame",
    "report_xlsx",
    "request_frame",
    "segments",
    "suggestion_frame",
    "workspace_counts",
]

ORG_COLUMNS = ("org_id", "name", "name_zh", "kind", "tier", "local", "region", "chains")


def data_stamp(store: Store) -> tuple:
    """A cheap fingerprint of the database's content, to key caches on.

    It changes whenever a row is added or removed in any table, or an organisation or a
    deal is edited (their ``version`` grows); other in-place edits made outside the app
    are picked up when the app's "reload data" button is pressed.
    """
    counts = store.counts()
    versions = tuple(
        sum(int(r.get("version") or 1) for r in store.rows(name, order=False))
        for name in ("organizations", "deals")
    )
    deal_events = store.count("deal_events")
    return (*counts.values(), *versions, deal_events)


def workspace_counts(store: Store) -> dict[str, int]:
    """Rows per workspace table, in the workspace's file order."""
    return store.counts()


def _org_frame(store: Store) -> pd.DataFrame:
    rows = store.rows("organizations")
    frame = pd.DataFrame(rows, columns=[*TABLES["organizations"].column_names, "version"])
    return frame


def _segments_of_orgs(store: Store) -> dict[str, set[str]]:
    """org_id -> segment ids it has an offer or a need in."""
    out: dict[str, set[str]] = {}
    for item in store.rows("items", order=False):
        if item["segment"]:
            out.setdefault(item["org_id"], set()).add(item["segment"])
    return out


def organizations(
    store: Store,
    *,
    chain: str | None = None,
    segment: str | None = None,
    tiers: tuple[str, ...] | list[str] = (),
    kinds: tuple[str, ...] | list[str] = (),
    local: bool | None = None,
    query: str = "",
) -> pd.DataFrame:
    """Organisations matching every filter given, sorted by id.

    Parameters
    ----------
    chain : str, optional
        Keep organisations that list this chain id.
    segment : str, optional
        Keep organisations with an offer or a need in this segment.
    tiers, kinds : sequence of str
        Keep these tiers / kinds (empty: all).
    local : bool, optional
        True: inside the host city only; False: outside only.
    query : str
        Case-insensitive text searched in id, name, Chinese name, region and description.

    Returns
    -------
    pandas.DataFrame
        Columns ``org_id, name, name_zh, kind, tier, local, region, chains, segments``
        (lists joined with ``;``).
    """
    frame = _org_frame(store)
    seg_of = _segments_of_orgs(store)
    frame["segments"] = frame["org_id"].map(lambda o: ";".join(sorted(seg_of.get(o, ()))))
    keep = pd.Series(True, index=frame.index)
    if chain:
        keep &= frame["chains"].map(lambda cs: chain in (cs or ()))
    if segment:
        keep &= frame["org_id"].map(lambda o: segment in seg_of.get(o, ()))
    if tiers:
        keep &= frame["tier"].isin(list(tiers))
    if kinds:
        keep &= frame["kind"].isin(list(kinds))
    if local is not None:
        keep &= frame["local"].fillna(False).astype(bool) == bool(local)
    if query.strip():
        q = query.strip().lower()
        text = (
            frame[["org_id", "name", "name_zh", "region", "description"]]
            .fillna("")
            .astype(str)
            .agg(" ".join, axis=1)
            .str.lower()
        )
        keep &= text.str.contains(q, regex=False)
    out = frame[keep].copy()
    out["chains"] = out["chains"].map(lambda cs: ";".join(cs or ()))
    return out[[*ORG_COLUMNS, "segments"]].reset_index(drop=True)


def org_names(store: Store) -> dict[str, str]:
    """org_id -> display name, for every organisation, in id order."""
    return {r["org_id"]: r["name"] for r in store.rows("organizations")}


def org_label(org_id: str, names: dict[str, str]) -> str:
    """``"Name (org_id)"``, or the bare id when the name is unknown."""
    name = names.get(org_id)
    return f"{name} ({org_id})" if name else org_id


def event_names(store: Store) -> dict[str, str]:
    """event_id -> ``"date · name"``, newest event first."""
    rows = sorted(store.rows("events"), key=lambda e: (e["date"], e["event_id"]), reverse=True)
    return {e["event_id"]: f"{e['date']} · {e['name']}" for e in rows}


def chain_ids(store: Store) -> list[str]:
    """Ids of every industry chain named by a segment or an organisation, sorted."""
    chains = {s["chain"] for s in store.rows("segments", order=False)}
    for org in store.rows("organizations", order=False):
        chains.update(org["chains"] or ())
    return sorted(c for c in chains if c)


def segments(store: Store, chain: str | None = None) -> pd.DataFrame:
    """Segments (optionally of one chain) with how many organisations offer / need in each.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment_id, name, chain, stage, suppliers, local_suppliers,
        outside_suppliers, buyers``, ordered by chain, stage (upstream first) and id.
        ``suppliers`` counts distinct organisations with an offer in the segment,
        ``buyers`` those with a need in it.
    """
    rows = store.rows("segments", **({"chain": chain} if chain else {}))
    local = {o["org_id"]: bool(o["local"]) for o in store.rows("organizations", order=False)}
    offers: dict[str, set[str]] = {}
    needs: dict[str, set[str]] = {}
    for item in store.rows("items", order=False):
        if item["segment"]:
            target = offers if item["side"] == "offer" else needs
            target.setdefault(item["segment"], set()).add(item["org_id"])
    records = []
    for s in rows:
        sup = offers.get(s["segment_id"], set())
        n_local = sum(1 for o in sup if local.get(o))
        records.append(
            {
                "segment_id": s["segment_id"],
                "name": s["name"],
                "chain": s["chain"],
                "stage": s["stage"],
                "suppliers": len(sup),
                "local_suppliers": n_local,
                "outside_suppliers": len(sup) - n_local,
                "buyers": len(needs.get(s["segment_id"], set())),
            }
        )
    columns = [
        "segment_id",
        "name",
        "chain",
        "stage",
        "suppliers",
        "local_suppliers",
        "outside_suppliers",
        "buyers",
    ]
    frame = pd.DataFrame(records, columns=columns)
    if len(frame):
        frame["_stage"] = frame["stage"].map({s: i for i, s in enumerate(STAGES)})
        frame = frame.sort_values(["chain", "_stage", "segment_id"]).drop(columns="_stage")
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class ChainMap:
    """One chain's segments placed upstream -> downstream, with its links and gaps.

    Attributes
    ----------
    nodes : pandas.DataFrame
        :func:`segments` columns plus ``x`` (stage index 0..2), ``y`` (row within the
        stage, 0 at the top) and ``gap`` (True when no local organisation supplies it).
    links : list of (str, str)
        ``(upstream, downstream)`` segment ids, both inside the chain, sorted.
    """

    chain: str
    nodes: pd.DataFrame
    links: list[tuple[str, str]]

    @property
    def gaps(self) -> pd.DataFrame:
        """Segments with no local supplier: the ones to fill by invitation."""
        return self.nodes[self.nodes["gap"]].reset_index(drop=True)


def chain_map(store: Store, chain: str) -> ChainMap:
    """The segments of ``chain`` with positions for a left-to-right picture.

    Raises
    ------
    NotFoundError
        When no segment belongs to ``chain``.
    """
    nodes = segments(store, chain)
    if nodes.empty:
        known = ", ".join(chain_ids(store)) or "none"
        raise NotFoundError(f"no segments in chain {chain!r}; chains: {known}")
    nodes["x"] = nodes["stage"].map({s: i for i, s in enumerate(STAGES)})
    nodes["y"] = nodes.groupby("x").cumcount()
    nodes["gap"] = nodes["local_suppliers"] == 0
    inside = set(nodes["segment_id"])
    links = sorted(
        (link["upstream"], link["downstream"])
        for link in store.rows("chain_links", order=False)
        if link["upstream"] in inside and link["downstream"] in inside
    )
    return ChainMap(chain, nodes, links)


@dataclass(frozen=True)
class OrgProfile:
    """Everything the organisation page shows about one organisation."""

    org: dict
    offers: pd.DataFrame
    needs: pd.DataFrame
    relations: pd.DataFrame
    events: pd.DataFrame
    deals: pd.DataFrame


def org_profile(store: Store, org_id: str) -> OrgProfile:
    """The profile of ``org_id``: its offers, needs, relations, events and deals.

    Raises
    ------
    NotFoundError
        When ``org_id`` is not in the database.
    """
    org = store.get("organizations", org_id)
    names = org_names(store)
    items = pd.DataFrame(
        store.rows("items", org_id=org_id), columns=list(TABLES["items"].column_names)
    )
    items["keywords"] = items["keywords"].map(lambda k: ";".join(k or ()))
    item_cols = ["item_id", "type", "title", "segment", "keywords", "description"]
    offers = items[items["side"] == "offer"][item_cols].reset_index(drop=True)
    needs = items[items["side"] == "need"][item_cols].reset_index(drop=True)

    rel_records = []
    for r in store.rows("relations", org_a=org_id) + store.rows("relations", org_b=org_id):
        other = r["org_b"] if r["org_a"] == org_id else r["org_a"]
        if r["kind"] == "supplier_of":
            role = "supplies" if r["org_a"] == org_id else "supplied_by"
        else:
            role = "partner"
        rel_records.append(
            {"org_id": other, "name": names.get(other, ""), "role": role, "source": r["source"]}
        )
    relations = pd.DataFrame(rel_records, columns=["org_id", "name", "role", "source"])
    relations = relations.sort_values(["role", "org_id"]).reset_index(drop=True)

    events = {e["event_id"]: e for e in store.rows("events")}
    ev_records = [
        {
            "event_id": p["event_id"],
            "name": events[p["event_id"]]["name"],
            "date": events[p["event_id"]]["date"],
            "status": p["status"],
        }
        for p in store.rows("participants", org_id=org_id)
    ]
    ev_frame = pd.DataFrame(ev_records, columns=["event_id", "name", "date", "status"])
    ev_frame = ev_frame.sort_values(["date", "event_id"]).reset_index(drop=True)

    deal_records = []
    for d in store.rows("deals", org_a=org_id) + store.rows("deals", org_b=org_id):
        other = d["org_b"] if d["org_a"] == org_id else d["org_a"]
        deal_records.append(
            {
                "deal_id": d["deal_id"],
                "partner": org_label(other, names),
                "stage": d["stage"],
                "title": d["title"],
                "value_cny": d["value_cny"],
                "event_id": d["event_id"],
                "updated_at": d["updated_at"],
            }
        )
    deal_cols = ["deal_id", "partner", "stage", "title", "value_cny", "event_id", "updated_at"]
    deals = pd.DataFrame(deal_records, columns=deal_cols)
    deals = deals.sort_values("deal_id").reset_index(drop=True)
    return OrgProfile(org, offers, needs, relations, ev_frame, deals)


# --- deals -------------------------------------------------------------------------------

DEAL_BOARD_COLUMNS = (
    "deal_id",
    "stage",
    "parties",
    "title",
    "value_cny",
    "event_id",
    "due_date",
    "stale",
    "overdue",
    "last_change",
    "org_a",
    "org_b",
    "note",
    "version",
)


def deal_board(
    store: Store,
    *,
    event_id: str | None = None,
    stage: str | None = None,
    stale_only: bool = False,
    today: date | None = None,
) -> pd.DataFrame:
    """Deals with their follow-up state (:func:`matchmaker.deals.list_deals`) as one frame.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DEAL_BOARD_COLUMNS`, ordered by deal id; ``parties`` reads
        ``"Name A (id) ↔ Name B (id)"``.
    """
    from matchmaker.deals import list_deals

    names = org_names(store)
    records = []
    for status in list_deals(
        store, event_id=event_id, stage=stage, stale_only=stale_only, today=today
    ):
        d = status.deal
        records.append(
            {
                "deal_id": d.deal_id,
                "stage": d.stage,
                "parties": f"{org_label(d.org_a, names)} ↔ {org_label(d.org_b, names)}",
                "title": d.title,
                "value_cny": d.value_cny,
                "event_id": d.event_id,
                "due_date": status.due_date,
                "stale": status.stale,
                "overdue": status.overdue,
                "last_change": status.last_change,
                "org_a": d.org_a,
                "org_b": d.org_b,
                "note": d.note,
                "version": d.version,
            }
        )
    return pd.DataFrame(records, columns=list(DEAL_BOARD_COLUMNS))


def live_deal_pairs(store: Store) -> set[frozenset]:
    """Pairs of organisations with a deal that is not dropped (frozensets of two ids)."""
    return {
        frozenset((d["org_a"], d["org_b"]))
        for d in store.rows("deals", order=False)
        if d["stage"] != "dropped"
    }


def suggestion_frame(suggestions: list) -> pd.DataFrame:
    """Suggestions as a table to export: ``rank`` (1 = best) then the columns of
    :data:`matchmaker.explain.SUGGESTION_COLUMNS`."""
    from matchmaker.explain import SUGGESTION_COLUMNS

    rows = [{"rank": i, **s.to_row()} for i, s in enumerate(suggestions, start=1)]
    return pd.DataFrame(rows, columns=["rank", *SUGGESTION_COLUMNS])


def deal_history(store: Store, deal_id: str) -> pd.DataFrame:
    """The changes of one deal, oldest first (:func:`matchmaker.deals.history`)."""
    from matchmaker.deals import history

    columns = ["at", "actor", "from_stage", "to_stage", "note", "suggestion"]
    rows = [{c: getattr(ev, c) for c in columns} for ev in history(store, deal_id)]
    return pd.DataFrame(rows, columns=columns)


def report_xlsx(store: Store, event_id: str | None = None, chain: str | None = None) -> bytes:
    """The report workbook of :func:`matchmaker.report.export_xlsx`, as bytes to download."""
    from matchmaker.report import export_xlsx

    with tempfile.TemporaryDirectory(prefix="matchmaker-report-") as tmp:
        return export_xlsx(store, Path(tmp) / "report.xlsx", event_id, chain).read_bytes()


# --- events --------------------------------------------------------------------------


def new_event(
    store: Store,
    name: str,
    day: date,
    *,
    chains: tuple[str, ...] | list[str] = (),
    venue: str | None = None,
    capacity: int | None = None,
    event_id: str | None = None,
) -> str:
    """Create an event (one of the few writes the app makes itself); return its id.

    ``event_id`` defaults to the next free ``EV<number>`` after the largest one in use.

    Raises
    ------
    DataError
        An empty name, a capacity below 1, or an id already used.
    """
    name = (name or "").strip()
    if not name:
        raise DataError("an event needs a name; got an empty one")
    if capacity is not None and capacity < 1:
        raise DataError(f"capacity must be 1 or more; got {capacity}")
    taken = store.ids("events")
    if not event_id:
        numbers = [int(e[2:]) for e in taken if e.startswith("EV") and e[2:].isdigit()]
        event_id = f"EV{max(numbers, default=0) + 1:04d}"
    if event_id in taken:
        raise DataError(f"event id {event_id!r} is already used")
    row = {
        "event_id": event_id,
        "name": name,
        "date": day,
        "chains": tuple(chains),
        "venue": venue or None,
        "capacity": capacity,
    }
    store.upsert({"events": [row]})
    return event_id


def invitation_frame(store: Store, invitation, candidates: list) -> pd.DataFrame:
    """An invitation list as a table: who, local or not, first time, segment, why.

    Parameters
    ----------
    invitation : matchmaker.invite.Invitation
    candidates : list of matchmaker.invite.Candidate
        The event's candidates (for the local / first-time / segment columns).
    """
    names = org_names(store)
    info = {c.org_id: c for c in candidates}
    rows = []
    for i, inv in enumerate(invitation.invitees, start=1):
        c = info.get(inv.org_id)
        rows.append(
            {
                "rank": i,
                "org_id": inv.org_id,
                "name": names.get(inv.org_id, ""),
                "local": c.local if c else None,
                "first_time": c.first_time if c else None,
                "segment": c.segment if c else None,
                "partners": ", ".join(org_label(p.org_id, names) for p in inv.partners),
                "reason": inv.reason,
            }
        )
    columns = ["rank", "org_id", "name", "local", "first_time", "segment", "partners", "reason"]
    return pd.DataFrame(rows, columns=columns)


def org_list_frame(store: Store, org_ids: list[str], candidates: list) -> pd.DataFrame:
    """Organisations as a table with their local / first-time / segment attributes."""
    names = org_names(store)
    info = {c.org_id: c for c in candidates}
    rows = [
        {
            "org_id": o,
            "name": names.get(o, ""),
            "local": info[o].local if o in info else None,
            "first_time": info[o].first_time if o in info else None,
            "segment": info[o].segment if o in info else None,
        }
        for o in org_ids
    ]
    return pd.DataFrame(rows, columns=["org_id", "name", "local", "first_time", "segment"])


def participants_frame(store: Store, event_id: str) -> pd.DataFrame:
    """The participants of an event with their names and statuses, by org id."""
    names = org_names(store)
    rows = [
        {"org_id": p["org_id"], "name": names.get(p["org_id"], ""), "status": p["status"]}
        for p in store.rows("participants", event_id=event_id)
    ]
    return pd.DataFrame(rows, columns=["org_id", "name", "status"])


def agenda_grid(agenda, names: dict[str, str]) -> pd.DataFrame:
    """The agenda as a grid: one row per slot, one column per table, cells "A & B"."""
    rows = agenda.by_table(names)
    if not rows:
        return pd.DataFrame(columns=["slot"])
    frame = pd.DataFrame(rows)
    frame["meeting"] = frame["name_a"] + " & " + frame["name_b"]
    grid = frame.pivot_table(index="slot", columns="table", values="meeting", aggfunc="first")
    return grid.reindex(sorted(grid.columns), axis=1).fillna("").reset_index()


def agenda_files(agenda, names: dict[str, str], title: str = "") -> dict[str, bytes]:
    """The agenda's downloads (:func:`matchmaker.schedule.write_agenda`) as bytes by kind:
    ``by_org`` and ``by_table`` (CSV), ``xlsx`` and ``html`` (printable)."""
    from matchmaker.schedule import write_agenda

    with tempfile.TemporaryDirectory(prefix="matchmaker-agenda-") as tmp:
        paths = write_agenda(agenda, tmp, names, title)
        return {kind: path.read_bytes() for kind, path in paths.items()}


def request_frame(store: Store, event_id: str) -> pd.DataFrame:
    """The event's meeting requests and do-not-meet marks with names, by requester."""
    names = org_names(store)
    rows = [
        {
            "org_id": r["org_id"],
            "name": names.get(r["org_id"], ""),
            "other_id": r["other_id"],
            "other_name": names.get(r["other_id"], ""),
            "kind": r["kind"],
            "note": r["note"],
        }
        for r in store.rows("meeting_requests", event_id=event_id)
    ]
    return pd.DataFrame(rows, columns=["org_id", "name", "other_id", "other_name", "kind", "note"])


# --- import / export of uploaded files ------------------------------------------------

_WORKSPACE_FILES = {f"{name}.csv" for name in TABLE_ORDER}


def import_files(store: Store, files: list[tuple[str, bytes]]) -> dict[str, tuple[int, int]]:
    """Import uploaded workspace files: CSV files named like the tables, or one ``.xlsx``.

    The files are written to a temporary folder and handed to
    :func:`matchmaker.ingest.import_workspace`, which validates everything and writes
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
        When no file is given, a name is not a workspace file, an ``.xlsx`` comes with
        other files, or a file is larger than the ``upload_limit_mb`` setting.
    ValidationError
        From the import, with every problem found.
    """
    from matchmaker.ingest import import_workspace

    if not files:
        raise DataError("no file uploaded: choose CSV files or one .xlsx workbook")
    limit = int(config.get("upload_limit_mb")) * 1024 * 1024
    for name, content in files:
        if len(content) > limit:
            raise DataError(
                f"{name} is {len(content) / 2**20:.1f} MB; the limit is "
                f"{config.get('upload_limit_mb')} MB (MATCHMAKER_UPLOAD_LIMIT_MB)"
            )
    names = [Path(name).name for name, _ in files]
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
        return import_workspace(store, target)


def load_demo(store: Store) -> int:
    """Load the demo workspace (``data/demo``) into ``store``; return how many rows were added.

    Loading twice adds nothing (the import upserts by id).
    """
    from matchmaker.demo import DEMO_DIR
    from matchmaker.ingest import import_workspace

    result = import_workspace(store, DEMO_DIR)
    return sum(added for added, _ in result.values())


def export_bytes(store: Store, fmt: str) -> bytes:
    """The whole workspace as one download: ``"xlsx"`` (a workbook) or ``"zip"`` (CSV files).

    Raises
    ------
    DataError
        When ``fmt`` is neither ``"xlsx"`` nor ``"zip"``.
    """
    from matchmaker.ingest import export_workspace

    if fmt not in ("xlsx", "zip"):
        raise DataError(f"export format {fmt!r} is not supported; use 'xlsx' or 'zip'")
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
