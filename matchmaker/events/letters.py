"""Invitation letters: one short personal letter per invitee, and the mail-merge files.

Each letter names the event, its date and venue, and the organisations the invitee is
expected to meet there with the reason in plain words, in the contact's language (or the
language asked for). The reason comes from the two organisations' own offers and needs (an
offer of one in the segment of a need of the other, or along a chain link); when none is
found, from the invitation list's own reason without its figures.

:func:`compose_letter` is pure; :func:`invitation_letters` reads what it needs from the store;
:func:`write_letters` writes ``DIR/mailmerge.xlsx``, ``DIR/mailmerge.csv`` (columns
:data:`MAILMERGE_COLUMNS`) and a printable ``DIR/letters/<org_id>.html`` per invitee.

>>> ev = {"name": "Photonics day", "date": date(2025, 5, 9), "venue": "Hall B"}
>>> letter = compose_letter(ev, "Yellow Sea Optics", "Liu Yang",
...     [Meeting("Baotou Germanium", "they offer 'Germanium blanks', which you need")], "en")
>>> letter.subject
'Invitation: Photonics day, 9 May 2025'
>>> print(letter.body.splitlines()[2])
We would like to invite Yellow Sea Optics to Photonics day on 9 May 2025 at Hall B.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from matchmaker.errors import DataError
from matchmaker.ingest.files import escape_formula, write_csv, write_xlsx
from matchmaker.schema import LANGUAGES

__all__ = [
    "MAILMERGE_COLUMNS",
    "Letter",
    "Meeting",
    "compose_letter",
    "invitation_letters",
    "letter_html",
    "page_name",
    "plain_reason",
    "write_letters",
]

MAILMERGE_COLUMNS = ("org_id", "org_name", "contact_name", "email", "language", "subject", "body")
# Figures and chain paths a reader of a letter does not need.
_FIGURES = re.compile(r"\s*\((?:semantic|[0-9.]+:)[^)]*\)")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_TAIL = re.compile(r";\s*(chain path|[0-9]+ shared partner).*$", re.IGNORECASE)


@dataclass(frozen=True)
class Meeting:
    """An organisation the invitee is expected to meet, and why in plain words."""

    name: str
    why: str


@dataclass(frozen=True)
class Letter:
    """One row of the mail merge."""

    org_id: str
    org_name: str
    contact_name: str
    email: str
    language: str
    subject: str
    body: str

    def row(self) -> list[str]:
        return [getattr(self, c) for c in MAILMERGE_COLUMNS]


def _day(d: date, lang: str) -> str:
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {d.strftime('%B')} {d.year}"


def plain_reason(reason: str) -> str:
    """The invitation list's reason without similarity figures and chain paths.

    >>> plain_reason("B could buy from A: the offer 'Lens' matches ... (semantic similarity "
    ...              "0.81, lexical 0.20); chain path: a -> b")
    "B could buy from A: the offer 'Lens' matches ..."
    """
    return _TAIL.sub("", _FIGURES.sub("", reason or "")).strip()


def compose_letter(
    event: dict, org_name: str, contact_name: str | None, meetings: Sequence[Meeting], lang: str
) -> Letter:
    """Subject and body of one invitation (``org_id``, ``email`` left empty for the caller).

    Raises
    ------
    DataError
        When ``lang`` is not one of :data:`matchmaker.schema.LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise DataError(f"letter language {lang!r} is not allowed; use one of: zh, en")
    name, venue, day = event["name"], event.get("venue"), _day(event["date"], lang)
    if lang == "zh":
        subject = f"邀请函：{name}（{day}）"
        where = f"在{venue}" if venue else ""
        lines = [
            f"尊敬的{contact_name or org_name}：",
            "",
            f"您好！诚挚邀请{org_name}于{day}{where}参加“{name}”。",
        ]
        if meetings:
            lines += ["", "根据各方的供给与需求，我们为您安排了以下洽谈对象："]
            lines += [f"{n}. {m.name}：{m.why}" for n, m in enumerate(meetings, start=1)]
        lines += ["", "请回复本邮件确认是否参会。期待与您见面！", "", "活动组委会"]
    else:
        subject = f"Invitation: {name}, {day}"
        where = f" at {venue}" if venue else ""
        lines = [
            f"Dear {contact_name or org_name},",
            "",
            f"We would like to invite {org_name} to {name} on {day}{where}.",
        ]
        if meetings:
            lines += ["", "From what each side offers and needs, we expect you to meet:"]
            lines += [f"- {m.name}: {m.why}" for m in meetings]
        lines += [
            "",
            "Please reply to this message to confirm whether you will attend.",
            "",
            "Kind regards,",
            "The organisers",
        ]
    return Letter("", org_name, contact_name or "", "", lang, subject, "\n".join(lines))


def _why(mine: list[dict], theirs: list[dict], links: set[tuple[str, str]], lang: str) -> str:
    """Why two organisations should meet, from their items: an offer meeting a need in the
    same segment, or along a chain link (upstream supplies downstream)."""
    for giver, taker, sense in ((theirs, mine, "in"), (mine, theirs, "out")):
        for offer in (i for i in giver if i["side"] == "offer"):
            for need in (i for i in taker if i["side"] == "need"):
                same = offer["segment"] and offer["segment"] == need["segment"]
                chain = (offer["segment"], need["segment"]) in links
                if not (same or chain):
                    continue
                o, n = offer["title"], need["title"]
                if lang == "zh":
                    if sense == "in":
                        return f"对方提供“{o}”，可满足贵单位“{n}”的需求"
                    return f"贵单位的“{o}”可满足对方“{n}”的需求"
                if sense == "in":
                    return f"they offer '{o}', which answers your need '{n}'"
                return f"your '{o}' answers their need '{n}'"
    return ""


def invitation_letters(
    store, event_id: str, invitees: Iterable, lang: str | None = None, top: int = 3
) -> list[Letter]:
    """One letter per invitee (an :class:`~matchmaker.events.invite.Invitee`), in order.

    The letter goes to the organisation's primary contact (else its first contact by id),
    in ``lang`` when given, else the contact's language, else Chinese. An invitee without a
    contact still gets a letter, with empty ``contact_name`` and ``email``. It names the
    ``top`` best partners of the invitation list (2 to 3 with the default list settings).
    """
    if lang is not None and lang not in LANGUAGES:
        raise DataError(f"--lang {lang!r} is not allowed; use one of: zh, en")
    event = store.get("events", event_id)
    orgs = {o["org_id"]: o for o in store.rows("organizations")}
    contacts: dict[str, dict] = {}
    for c in sorted(store.rows("contacts"), key=lambda c: (not c["primary"], c["contact_id"])):
        contacts.setdefault(c["org_id"], c)
    items = defaultdict(list)
    for it in store.rows("items"):
        items[it["org_id"]].append(it)
    links = {(r["upstream"], r["downstream"]) for r in store.rows("chain_links")}
    letters = []
    for inv in invitees:
        person = contacts.get(inv.org_id, {})
        language = lang or person.get("language") or "zh"

        def named(org_id: str, language=language) -> str:
            org = orgs.get(org_id, {})
            zh = org.get("name_zh") if language == "zh" else None
            return zh or org.get("name") or org_id

        meetings = [
            Meeting(
                named(p.org_id),
                _why(items[inv.org_id], items[p.org_id], links, language) or plain_reason(p.reason),
            )
            for p in inv.partners[:top]
        ]
        name = named(inv.org_id)
        letter = compose_letter(event, name, person.get("name"), meetings, language)
        letters.append(
            Letter(
                inv.org_id,
                name,
                letter.contact_name,
                person.get("email") or "",
                language,
                letter.subject,
                letter.body,
            )
        )
    return letters


def letter_html(letter: Letter) -> str:
    """A printable page of one letter; every text is HTML-escaped."""
    e = html.escape
    paragraphs = "".join(f"<p>{e(p) or '&nbsp;'}</p>" for p in letter.body.split("\n"))
    return (
        f"<!doctype html><html lang='{e(letter.language)}'><head><meta charset='utf-8'>"
        f"<title>{e(letter.subject)}</title><style>body{{font-family:sans-serif;"
        "font-size:12pt;max-width:40em;margin:3em auto}p{margin:.3em 0}"
        "@media print{body{margin:1.5cm}}</style></head>"
        f"<body><h1 style='font-size:15pt'>{e(letter.subject)}</h1>{paragraphs}</body></html>\n"
    )


def page_name(org_id: str) -> str:
    """The file name of an organisation's letter: its id with any character other than
    letters, digits, ``-`` and ``_`` replaced by ``_``.

    >>> page_name("A1"), page_name("../x y")
    ('A1.html', '___x_y.html')
    """
    return f"{_UNSAFE.sub('_', org_id)}.html"


def write_letters(letters: Sequence[Letter], folder: str | Path) -> dict[str, Path]:
    """Write the mail merge (XLSX and CSV, one row per letter) and one HTML page per letter.

    Cells a spreadsheet could run as a formula are escaped. Returns the paths written by
    kind (``xlsx``, ``csv``, ``letters``: the folder of HTML pages).
    """
    folder = Path(folder)
    pages = folder / "letters"
    try:
        pages.mkdir(parents=True, exist_ok=True)
        rows = [[escape_formula(v) for v in letter.row()] for letter in letters]
        write_xlsx(folder / "mailmerge.xlsx", [("mailmerge", list(MAILMERGE_COLUMNS), rows)])
        write_csv(folder / "mailmerge.csv", list(MAILMERGE_COLUMNS), rows)
        for letter in letters:
            (pages / page_name(letter.org_id)).write_text(letter_html(letter), encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write letters to {folder}: {exc.strerror or exc}") from None
    return {"xlsx": folder / "mailmerge.xlsx", "csv": folder / "mailmerge.csv", "letters": pages}
