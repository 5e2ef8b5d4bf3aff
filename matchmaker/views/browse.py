"""Read-only queries the app's pages show: small frames built from :class:`Store` reads.

Pages never open the database or compute anything themselves; they call these functions
(and the core modules) and render what comes back. This module covers browsing the
workspace (organisations, profiles, segments, the chain picture);
:mod:`matchmaker.views.matching` covers suggestions, events and agendas, and
:mod:`matchmaker.views.followup` deals and reports.

>>> from matchmaker.store.database import Store
>>> store = Store("sqlite://")
>>> _ = store.init()
>>> _ = store.upsert({"organizations": [{"org_id": "A1", "name": "Acme", "kind": "company"}]})
>>> organizations(store)["name"].tolist()
['Acme']
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matchmaker.errors import NotFoundError
from matchmaker.schema import STAGES, TABLES, shown_name
from matchmaker.store.access import unscoped
from matchmaker.store.database import Store

__all__ = [
    "ChainMap",
    "OrgProfile",
    "chain_ids",
    "chain_map",
    "chain_names",
    "data_stamp",
    "event_names",
    "org_label",
    "org_names",
    "org_profile",
    "organizations",
    "segment_names",
    "segment_names_by_name",
    "segments",
    "workspace_counts",
]

ORG_COLUMNS = ("org_id", "name", "name_zh", "kind", "tier", "local", "region", "chains")


def data_stamp(store: Store) -> tuple:
    """A cheap fingerprint of the database's content, to key caches on.

    It changes whenever a row is added or removed in any table, or an organisation or a
    deal is edited (their ``version`` grows); other in-place edits made outside the app
    are picked up when the app's "reload data" button is pressed. One query
    (:meth:`matchmaker.store.database.Store.stamp`): row counts and summed versions, never
    the tables' rows.
    """
    return unscoped(store).stamp()


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
    lang: str = "en",
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
    lang : {"en", "zh"}
        The reader's language: ``name`` is the name they see (``name_zh`` in ``zh`` where
        filled), ``chains`` and ``segments`` hold chain and segment names in it.

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
    chains, segs = chain_names(store, lang), segment_names(store, lang)
    out["name"] = [
        shown_name(r, lang) for r in out[["org_id", "name", "name_zh"]].to_dict("records")
    ]
    out["chains"] = out["chains"].map(lambda cs: ";".join(chains.get(c, c) for c in cs or ()))
    out["segments"] = out["segments"].map(
        lambda ids: ";".join(segs.get(i, i) for i in ids.split(";") if i)
    )
    return out[[*ORG_COLUMNS, "segments"]].reset_index(drop=True)


def org_names(store: Store, lang: str = "en") -> dict[str, str]:
    """org_id -> display name in ``lang`` (``name_zh`` in ``zh`` where filled), in id order."""
    return {r["org_id"]: shown_name(r, lang) for r in store.rows("organizations")}


def chain_names(store: Store, lang: str = "en") -> dict[str, str]:
    """chain_id -> name in ``lang`` for every chain :func:`chain_ids` knows; a chain the
    ``chains`` table does not name keeps its id as its name."""
    named = {r["chain_id"]: shown_name(r, lang) for r in store.rows("chains")}
    return {c: named.get(c, c) for c in sorted(set(chain_ids(store)) | set(named))}


def segment_names_by_name(store: Store, lang: str = "en") -> dict[str, str]:
    """A segment's name as entered -> its name in ``lang``: for texts the core wrote with
    the entered names (a suggestion's chain path)."""
    return {r["name"]: shown_name(r, lang) for r in store.rows("segments")}


def segment_names(store: Store, lang: str = "en") -> dict[str, str]:
    """segment_id -> name in ``lang`` (``name_zh`` in ``zh`` where filled), in id order."""
    return {r["segment_id"]: shown_name(r, lang) for r in store.rows("segments")}


def org_label(org_id: str, names: dict[str, str]) -> str:
    """``"Name (org_id)"``, or the bare id when the name is unknown."""
    name = names.get(org_id)
    return f"{name} ({org_id})" if name else org_id


def event_names(store: Store) -> dict[str, str]:
    """event_id -> ``"date · name"``, newest event first."""
    rows = sorted(store.rows("events"), key=lambda e: (e["date"], e["event_id"]), reverse=True)
    return {e["event_id"]: f"{e['date']} · {e['name']}" for e in rows}


def chain_ids(store: Store) -> list[str]:
    """Ids of every industry chain named by the chains table, a segment or an organisation,
    sorted."""
    chains = {s["chain"] for s in store.rows("segments", order=False)}
    chains.update(c["chain_id"] for c in store.rows("chains", order=False))
    for org in store.rows("organizations", order=False):
        chains.update(org["chains"] or ())
    return sorted(c for c in chains if c)


def segments(store: Store, chain: str | None = None, lang: str = "en") -> pd.DataFrame:
    """Segments (optionally of one chain) with how many organisations offer / need in each.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment_id, name, chain, stage, suppliers, local_suppliers,
        outside_suppliers, buyers``, ordered by chain id, stage (upstream first) and id;
        ``name`` and ``chain`` are the segment's and its chain's names in ``lang``
        (``name_zh`` in ``zh`` where filled; a chain without a name shows its id).
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
                "name": shown_name(s, lang),
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
    chains = chain_names(store, lang)
    frame["chain"] = frame["chain"].map(lambda c: chains.get(c, c))  # shown by its name
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


def chain_map(store: Store, chain: str, lang: str = "en") -> ChainMap:
    """The segments of ``chain`` with positions for a left-to-right picture (segment names
    in ``lang``).

    Raises
    ------
    NotFoundError
        When no segment belongs to ``chain``.
    """
    nodes = segments(store, chain, lang)
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


def org_profile(store: Store, org_id: str, lang: str = "en") -> OrgProfile:
    """The profile of ``org_id``: its offers, needs, relations, events and deals, with the
    names of organisations and segments in ``lang``.

    Raises
    ------
    NotFoundError
        When ``org_id`` is not in the database.
    """
    org = store.get("organizations", org_id)
    names = org_names(store, lang)
    segs = segment_names(store, lang)
    items = pd.DataFrame(
        store.rows("items", org_id=org_id), columns=list(TABLES["items"].column_names)
    )
    items["keywords"] = items["keywords"].map(lambda k: ";".join(k or ()))
    items["segment"] = items["segment"].map(lambda i: segs.get(i, i) if i else i)
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
