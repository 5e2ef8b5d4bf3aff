"""Typed records and column-name constants for every table of the workspace.

The workspace format (``docs/data-format.md``) is described here once, as data:
:data:`TABLES` maps each file name to its :class:`TableSpec`. Import, export, the store
and the docs test all read it, so a column is added in one place.

>>> TABLES["organizations"].column("kind").choices
('company', 'university', 'institute', 'finance')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "DEAL_STAGES",
    "DEAL_STAGE_GRADE",
    "ITEM_SIDES",
    "ITEM_TYPES",
    "LANGUAGES",
    "LIST_SEP",
    "MEETING_STATUSES",
    "ORG_KINDS",
    "PARTICIPANT_STATUSES",
    "RELATION_KINDS",
    "STAGES",
    "TABLES",
    "TABLE_ORDER",
    "TIERS",
    "Column",
    "Deal",
    "TableSpec",
    "item_text",
    "next_id",
    "shown_name",
]

LIST_SEP = ";"

ORG_KINDS = ("company", "university", "institute", "finance")
TIERS = (
    "none",
    "innovative_sme",
    "specialized",
    "little_giant",
    "eaglet",
    "gazelle",
    "hidden_unicorn",
    "unicorn",
    "leader",
)
STAGES = ("upstream", "midstream", "downstream")
ITEM_SIDES = ("offer", "need")
ITEM_TYPES = ("product", "technology", "service", "capital")
RELATION_KINDS = ("supplier_of", "partner")
PARTICIPANT_STATUSES = ("invited", "registered", "attended", "declined", "no_show")
MEETING_STATUSES = ("proposed", "accepted", "held", "cancelled")
DEAL_STAGES = ("intent", "in_progress", "signed", "dropped")
# Languages a contact reads letters in.
LANGUAGES = ("zh", "en")
# How strongly a deal's stage says "these two should meet": used as a graded label.
DEAL_STAGE_GRADE = {"intent": 1.0, "in_progress": 2.0, "signed": 3.0, "dropped": 0.0}


@dataclass(frozen=True)
class Column:
    """One column of a workspace file.

    ``kind`` is one of text, bool, int, float, date, datetime, enum, list.
    ``ref`` names the table whose id this column must hold.
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None
    help: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One workspace file: its columns, the key it is upserted and sorted by, and the pair
    of columns (if any) that must not hold the same id."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    pair: tuple[str, str] | None = None
    help: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name, kind="text", required=False, choices=(), ref=None, help=""):
    return Column(name, kind, required, tuple(choices), ref, help)


ORGANIZATIONS = TableSpec(
    "organizations",
    (
        _c("org_id", required=True, help="Unique id of the organisation."),
        _c("name", required=True, help="Name as it should be shown."),
        _c("kind", "enum", True, ORG_KINDS, help="What sort of organisation it is."),
        _c("name_zh", help="Chinese name."),
        _c("region", help="City or province."),
        _c("local", "bool", help="true when inside the host city."),
        _c("tier", "enum", choices=TIERS, help="Tier the bureau has recognised."),
        _c("chains", "list", help="Ids of the industry chains it works in."),
        _c("description", help="What it does, in its own words."),
        _c("website", help="Web address (a contact field)."),
    ),
    key=("org_id",),
    help="Companies, universities, institutes and financial institutions.",
)
CHAINS = TableSpec(
    "chains",
    (
        _c("chain_id", required=True, help="Unique id of the industry chain."),
        _c("name", required=True, help="Name of the chain as it should be shown."),
        _c("name_zh", help="Chinese name."),
        _c("description", help="What the chain covers."),
    ),
    key=("chain_id",),
    help="Names of the industry chains that segments, organisations and events refer to by id.",
)
SEGMENTS = TableSpec(
    "segments",
    (
        _c("segment_id", required=True, help="Unique id of the chain segment."),
        _c("name", required=True, help="Name of the segment."),
        _c("name_zh", help="Chinese name."),
        _c("chain", required=True, help="Id of the industry chain it belongs to."),
        _c("stage", "enum", True, STAGES, help="Position along the chain."),
        _c("description", help="What the segment makes or does."),
    ),
    key=("segment_id",),
    help="Segments of the industry chains.",
)
CHAIN_LINKS = TableSpec(
    "chain_links",
    (
        _c("upstream", required=True, ref="segments", help="Segment that supplies."),
        _c("downstream", required=True, ref="segments", help="Segment that is supplied."),
    ),
    key=("upstream", "downstream"),
    pair=("upstream", "downstream"),
    help="Supply links between segments: upstream supplies downstream.",
)
ITEMS = TableSpec(
    "items",
    (
        _c("item_id", required=True, help="Unique id of the offer or need."),
        _c("org_id", required=True, ref="organizations", help="Who offers or needs it."),
        _c("side", "enum", True, ITEM_SIDES, help="offer or need."),
        _c("type", "enum", True, ITEM_TYPES, help="What is offered or needed."),
        _c("title", required=True, help="Short title."),
        _c("description", help="Longer text, as the organisation wrote it."),
        _c("segment", ref="segments", help="Chain segment the item belongs to."),
        _c("keywords", "list", help="Keywords."),
    ),
    key=("item_id",),
    help="What organisations offer and need.",
)
RELATIONS = TableSpec(
    "relations",
    (
        _c("org_a", required=True, ref="organizations", help="First organisation."),
        _c("org_b", required=True, ref="organizations", help="Second organisation."),
        _c("kind", "enum", True, RELATION_KINDS, help="supplier_of: org_a supplies org_b."),
        _c("source", help="Where the relation is known from."),
    ),
    key=("org_a", "org_b", "kind"),
    pair=("org_a", "org_b"),
    help="Known relations between organisations.",
)
EVENTS = TableSpec(
    "events",
    (
        _c("event_id", required=True, help="Unique id of the event."),
        _c("name", required=True, help="Name of the event."),
        _c("date", "date", True, help="Date, ISO form (2025-05-09)."),
        _c("chains", "list", help="Ids of the chains the event is about."),
        _c("venue", help="Where it takes place."),
        _c("capacity", "int", help="How many organisations it can host."),
        _c("start_time", help="When the first meeting slot starts, HH:MM (e.g. 09:30)."),
        _c("slot_minutes", "int", help="Length of one meeting slot in minutes."),
        _c("breaks", "list", help="Breaks between slots, HH:MM-HH:MM each (e.g. 10:30-10:45)."),
        _c("tables", "list", help="Names of the meeting tables or rooms, in order."),
    ),
    key=("event_id",),
    help="Matchmaking events.",
)
PARTICIPANTS = TableSpec(
    "participants",
    (
        _c("event_id", required=True, ref="events", help="The event."),
        _c("org_id", required=True, ref="organizations", help="The organisation."),
        _c("status", "enum", True, PARTICIPANT_STATUSES, help="Where the invitation stands."),
    ),
    key=("event_id", "org_id"),
    help="Who was invited to which event and whether they came.",
)
MEETINGS = TableSpec(
    "meetings",
    (
        _c("event_id", required=True, ref="events", help="The event."),
        _c("org_a", required=True, ref="organizations", help="First organisation."),
        _c("org_b", required=True, ref="organizations", help="Second organisation."),
        _c("slot", "int", help="Time slot number (1 = first)."),
        _c("table", help="Table label."),
        _c("status", "enum", True, MEETING_STATUSES, help="Where the meeting stands."),
    ),
    key=("event_id", "org_a", "org_b"),
    pair=("org_a", "org_b"),
    help="One-to-one meetings at events.",
)
CONTACTS = TableSpec(
    "contacts",
    (
        _c("contact_id", required=True, help="Unique id of the contact person."),
        _c("org_id", required=True, ref="organizations", help="Organisation they work for."),
        _c("name", required=True, help="Full name."),
        _c("title", help="Job title."),
        _c("email", help="E-mail address (a contact field)."),
        _c("phone", help="Telephone (a contact field)."),
        _c("primary", "bool", help="true for the one person letters go to."),
        _c("language", "enum", choices=LANGUAGES, help="Language letters are written in."),
    ),
    key=("contact_id",),
    help="People to write to at each organisation (at most one primary per organisation).",
)
DEALS = TableSpec(
    "deals",
    (
        _c("deal_id", required=True, help="Unique id of the deal."),
        _c("org_a", required=True, ref="organizations", help="First party."),
        _c("org_b", required=True, ref="organizations", help="Second party."),
        _c("stage", "enum", True, DEAL_STAGES, help="Current stage."),
        _c("event_id", ref="events", help="Event the deal came from."),
        _c("title", help="What the deal is about."),
        _c("value_cny", "float", help="Value in CNY."),
        _c("updated_at", "datetime", help="When the stage last changed (ISO)."),
        _c("note", help="Free note."),
        _c("due_date", "date", help="When the next follow-up is due (ISO date)."),
        _c("owner", help="Organiser account that follows the deal up."),
    ),
    key=("deal_id",),
    pair=("org_a", "org_b"),
    help="Cooperation intents, projects in progress and signed deals.",
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        ORGANIZATIONS,
        CHAINS,
        SEGMENTS,
        CHAIN_LINKS,
        ITEMS,
        RELATIONS,
        EVENTS,
        PARTICIPANTS,
        MEETINGS,
        DEALS,
        CONTACTS,
    )
}
# Parents before children: the order rows are written in.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)


# --- typed records -------------------------------------------------------------------


@dataclass(frozen=True)
class Deal:
    deal_id: str
    org_a: str
    org_b: str
    stage: str
    event_id: str | None = None
    title: str | None = None
    value_cny: float | None = None
    updated_at: str | None = None
    note: str | None = None
    due_date: date | None = None
    owner: str | None = None
    version: int = field(default=1, compare=False)


# --- helpers every layer shares ----------------------------------------------------------


def item_text(row) -> str:
    """The text that represents an item for matching: title, description and keywords.

    ``row`` is an item row (a mapping); its ``keywords`` are a tuple (as the store returns
    them) or one :data:`LIST_SEP`-separated string (as a file holds them).

    >>> item_text({"title": "Ball screw", "description": "C3 grade", "keywords": "cnc;linear"})
    'Ball screw. C3 grade. cnc linear'
    """
    keywords = row.get("keywords") or ()
    if isinstance(keywords, str):
        keywords = [k for k in keywords.split(LIST_SEP) if k]
    parts = [row.get("title") or "", row.get("description") or "", " ".join(keywords)]
    return ". ".join(p for p in parts if p)


def shown_name(row, lang: str = "en") -> str:
    """The name of an organisation, chain or segment row as a reader of ``lang`` sees it.

    In ``zh`` the row's ``name_zh`` when it is filled, else its ``name``; in any other
    language its ``name``; the id (first column of the row's key) when the row has no name.

    >>> shown_name({"org_id": "A1", "name": "Acme", "name_zh": "艾克米"}, "zh")
    '艾克米'
    >>> shown_name({"chain_id": "ai", "name": "AI", "name_zh": ""}, "zh")
    'AI'
    """
    zh, name = row.get("name_zh"), row.get("name")
    if lang == "zh" and isinstance(zh, str) and zh.strip():
        return zh
    if isinstance(name, str) and name:
        return name
    for key in ("org_id", "chain_id", "segment_id"):
        if row.get(key):
            return row[key]
    return ""


# Digits of the first id of a table (D0001, EV0001); later ids take the width already in use.
ID_DIGITS = 4


def next_id(taken, prefix: str) -> str:
    """The id after the largest ``<prefix><number>`` in ``taken``, as wide as those in use.

    Ids of other shapes are ignored; the number is zero-padded to the widest one in use
    (:data:`ID_DIGITS` digits in an empty table), so a workspace's ids keep one shape.

    >>> next_id({"D001", "D070", "X9"}, "D")
    'D071'
    >>> next_id(set(), "EV")
    'EV0001'
    """
    numbers = [t[len(prefix) :] for t in taken if t.startswith(prefix)]
    numbers = [n for n in numbers if n.isdigit()]
    width = max((len(n) for n in numbers), default=ID_DIGITS)
    candidate = max((int(n) for n in numbers), default=0) + 1
    while f"{prefix}{candidate:0{width}d}" in taken:  # pragma: no cover - max + 1 is free
        candidate += 1
    return f"{prefix}{candidate:0{width}d}"
