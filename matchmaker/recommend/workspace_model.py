"""The workspace's own text model: its training pairs, and when the recommender uses it.

:func:`workspace_pairs` turns a workspace into the pairs :mod:`matchmaker.recommend.train_embed`
trains on; :func:`train_workspace` trains (or finds) the model of the current data;
:func:`select_embedder` is what a :class:`~matchmaker.recommend.recommender.Recommender`
built without an embedder uses: the trained model when the setting ``embedding_model`` is
``trained``, or is empty and the workspace is mostly Chinese (:func:`wants_trained`).

>>> cjk_share(["锂电池 ab"])
0.6
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from matchmaker import config
from matchmaker.recommend import embed
from matchmaker.recommend.embed import TRAINED, WORKSPACE_SOURCE
from matchmaker.recommend.train_embed import TrainParams, ensure_model
from matchmaker.schema import item_text

__all__ = [
    "CHINESE_SHARE",
    "DEAL_STAGES_USED",
    "ITEM_PAIRS_PER_LINK",
    "cjk_share",
    "select_embedder",
    "train_workspace",
    "wants_trained",
    "workspace_pairs",
    "workspace_texts",
]

DEAL_STAGES_USED = ("in_progress", "signed")  # deals whose two sides count as a known pair
ITEM_PAIRS_PER_LINK = 4  # need <-> offer text pairs taken from one known relation or deal
CHINESE_SHARE = 0.5  # above this share of CJK letters a workspace is "mostly Chinese"


def _join(*parts) -> str:
    return " ".join(str(p) for p in parts if p)


def _segment_text(seg: Mapping) -> str:
    return _join(seg.get("name"), seg.get("name_zh"), seg.get("description"))


def workspace_pairs(rows: Mapping[str, list]) -> list[tuple[str, str]]:
    """Training pairs ``(anchor, positive)`` a workspace knows, deduplicated, sorted.

    * need <-> offer: for each known relation and each deal ``in_progress`` or ``signed``,
      one side's needs against the other's offers (item texts as the recommender embeds them,
      :func:`matchmaker.schema.item_text`), chain-linked or same-segment
      combinations first, at most :data:`ITEM_PAIRS_PER_LINK` per pair of organisations;
    * products <-> upstream inputs: each chain link's downstream segment text against its
      upstream segment text, and each offer's title against its segment's text;
    * title <-> description: each item's title against its description and keywords, each
      organisation's names against its description.

    Parameters
    ----------
    rows : mapping
        ``organizations``, ``items``, ``segments``, ``chain_links``, ``relations``,
        ``deals`` as lists of row dicts (missing tables count as empty).
    """
    items = sorted(rows.get("items", []), key=lambda r: r["item_id"])
    segments = {s["segment_id"]: s for s in rows.get("segments", [])}
    upstream: dict[str, set[str]] = {}
    for link in rows.get("chain_links", []):
        upstream.setdefault(link["downstream"], set()).add(link["upstream"])
    by_org: dict[str, dict[str, list]] = {}
    for item in items:
        by_org.setdefault(item["org_id"], {"offer": [], "need": []})[item["side"]].append(item)
    pairs: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if a and b and a != b:
            pairs.add((a, b))

    def supply(buyer: str, seller: str) -> None:
        needs = by_org.get(buyer, {}).get("need", [])
        offers = by_org.get(seller, {}).get("offer", [])
        combos = []
        for n in needs:
            for o in offers:
                fit = o.get("segment") and (
                    o.get("segment") == n.get("segment")
                    or o.get("segment") in upstream.get(n.get("segment") or "", ())
                )
                combos.append((not fit, n["item_id"], o["item_id"], n, o))
        for _, _, _, n, o in sorted(combos, key=lambda c: c[:3])[:ITEM_PAIRS_PER_LINK]:
            add(item_text(n), item_text(o))

    known = [(r["org_a"], r["org_b"]) for r in rows.get("relations", [])]
    known += [
        (d["org_a"], d["org_b"])
        for d in rows.get("deals", [])
        if d.get("stage") in DEAL_STAGES_USED
    ]
    for a, b in sorted(set(known)):
        supply(a, b)
        supply(b, a)
    for link in rows.get("chain_links", []):
        down, up = segments.get(link["downstream"]), segments.get(link["upstream"])
        if down and up:
            add(_segment_text(down), _segment_text(up))
    for item in items:
        if item["side"] == "offer" and item.get("segment") in segments:
            add(item["title"], _segment_text(segments[item["segment"]]))
        keywords = item.get("keywords") or ()
        if isinstance(keywords, str):
            keywords = keywords.split(";")
        add(item["title"], _join(item.get("description"), *keywords))
    for org in rows.get("organizations", []):
        add(_join(org.get("name"), org.get("name_zh")), org.get("description") or "")
    return sorted(pairs)


def workspace_texts(rows: Mapping[str, list]) -> list[str]:
    """Every text of a workspace the recommender embeds (items, organisation profiles)."""
    texts = [item_text(i) for i in rows.get("items", [])]
    texts += [
        _join(o.get("name"), o.get("name_zh"), o.get("description"))
        for o in rows.get("organizations", [])
    ]
    return sorted({t for t in texts if t})


def cjk_share(texts: Iterable[str]) -> float:
    """Share of CJK characters among the letters (CJK or Latin) of ``texts``; 0 when none."""
    cjk = latin = 0
    for text in texts:
        for ch in text:
            if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
                cjk += 1
            elif ch.isascii() and ch.isalpha():
                latin += 1
    return cjk / (cjk + latin) if cjk + latin else 0.0


def wants_trained(rows: Mapping[str, list], setting: str | None = None) -> bool:
    """Whether the recommender should use the model trained on this workspace.

    ``embedding_model`` (``setting``) ``trained``: yes; a path: no; empty: yes when the
    workspace is mostly Chinese -- more than :data:`CHINESE_SHARE` of the letters of its item
    texts and organisation descriptions are CJK (``name_zh`` alone does not count).
    """
    setting = config.get("embedding_model") if setting is None else setting
    if setting:
        return setting == TRAINED
    texts = [item_text(i) for i in rows.get("items", [])]
    texts += [o.get("description") or "" for o in rows.get("organizations", [])]
    return cjk_share(texts) > CHINESE_SHARE


# --- the workspace's model --------------------------------------------------------

_TABLES = ("organizations", "items", "segments", "chain_links", "relations", "deals")


def _rows(store) -> dict[str, list]:
    return {name: store.rows(name) for name in _TABLES}


def train_workspace(store, params: TrainParams | None = None, progress: bool = False, rows=None):
    """:func:`ensure_model` on a workspace's pairs (:func:`workspace_pairs`) and texts.

    Parameters
    ----------
    store : matchmaker.store.database.Store
        The workspace (read in full).
    params : TrainParams, optional
    progress : bool
        Progress bar while training.
    rows : dict, optional
        The workspace's rows when already read (tables as in :func:`workspace_pairs`).

    Returns
    -------
    (Path, dict, bool)
        As :func:`ensure_model`: the folder, its metadata, whether it was trained now.
    """
    rows = rows if rows is not None else _rows(store)
    return ensure_model(
        workspace_pairs(rows),
        params,
        workspace_texts(rows),
        progress=progress,
        source=WORKSPACE_SOURCE,
    )


def select_embedder(
    store, progress: bool = False, setting: str | None = None, lazy: bool = False, rows=None
):
    """The embedder a :class:`~matchmaker.recommend.recommender.Recommender` of ``store``
    uses when it is given none.

    :func:`wants_trained` (setting ``embedding_model`` ``trained``, or empty and the
    workspace mostly Chinese): the model trained on this workspace's current data, trained
    first when there is none yet (:func:`train_workspace`); otherwise
    :func:`matchmaker.recommend.embed.load_embedder` (a path, or the bundled model).
    ``lazy``: a :class:`~matchmaker.recommend.embed.LazyEmbedder`, whose model is loaded
    only when a text must be embedded (its id is known without loading it). ``rows``: the
    workspace's tables when already read (as for :func:`train_workspace`).
    """
    rows = rows if rows is not None else _rows(store)
    if not wants_trained(rows, setting):
        return embed.load_embedder(lazy=lazy)
    folder, _, _ = train_workspace(store, progress=progress, rows=rows)
    return embed.load_embedder(folder, lazy=lazy)
