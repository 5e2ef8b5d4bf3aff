"""The event cycle on tiny workspaces: contacts in, participant statuses, letters out."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.cli import events as cli_events
from matchmaker.errors import DataError, NotFoundError, PermissionDenied, ValidationError
from matchmaker.events.invite import Invitee, Partner
from matchmaker.events.letters import (
    MAILMERGE_COLUMNS,
    compose_letter,
    invitation_letters,
    plain_reason,
    write_letters,
)
from matchmaker.events.participants import participants, set_status
from matchmaker.events.service import attendees
from matchmaker.ingest.workspace import export_workspace, import_workspace, read_workspace
from matchmaker.store.access import scoped

ORGS = (
    "org_id,name,kind,name_zh\n"
    "A1,Yellow Sea Optics,company,黄海光学\n"
    "A2,Baotou Germanium,company,\n"
    "A3,Shinan Cameras,company,\n"
)
ITEMS = (
    "item_id,org_id,side,type,title,segment\n"
    "t1,A2,offer,product,Germanium blanks,mat\n"
    "t2,A1,need,product,Optical germanium,mat\n"
    "t3,A1,offer,product,Lens module,lens\n"
    "t4,A3,need,product,Camera lenses,cam\n"
)
SEGMENTS = (
    "segment_id,name,chain,stage\nmat,Materials,ph,upstream\nlens,Lenses,ph,midstream\n"
    "cam,Cameras,ph,downstream\n"
)
CONTACTS = (
    "contact_id,org_id,name,title,email,phone,primary,language\n"
    "C1,A1,刘洋,采购经理,liu.yang@yellowsea.example,0532-1234-5678,true,zh\n"
    "C2,A2,Bao Lin,Sales,bao.lin@germanium.example,,true,en\n"
    "C3,A2,Wu Min,,wu.min@germanium.example,,false,en\n"
)


def _workspace(folder, contacts=CONTACTS):
    folder.mkdir()
    (folder / "organizations.csv").write_text(ORGS)
    (folder / "segments.csv").write_text(SEGMENTS)
    (folder / "chain_links.csv").write_text("upstream,downstream\nlens,cam\n")
    (folder / "items.csv").write_text(ITEMS)
    (folder / "events.csv").write_text(
        "event_id,name,date,venue\nE1,Photonics day,2025-05-09,Hall B\n"
    )
    if contacts is not None:
        (folder / "contacts.csv").write_text(contacts)
    return folder


@pytest.fixture
def cycle(sqlite_store, tmp_path):
    import_workspace(sqlite_store, _workspace(tmp_path / "ws"))
    return sqlite_store


# --- contacts ---------------------------------------------------------------------------


def test_contacts_round_trip_byte_for_byte(cycle, tmp_path):
    export_workspace(cycle, tmp_path / "out")
    assert (tmp_path / "out" / "contacts.csv").read_text() == CONTACTS
    assert cycle.get("contacts", "C1")["primary"] is True


@pytest.mark.parametrize(
    ("row", "where", "message"),
    [
        ("C4,A3,Chen,,chen.at.shinan,,false,zh", "contacts.csv:5:email", "not an e-mail"),
        (
            "C4,A1,Chen,,,,true,zh",
            "contacts.csv:5:primary",
            "already has a primary contact in row 2",
        ),
        ("C4,A3,Chen,,,,false,fr", "contacts.csv:5:language", "use one of: zh, en"),
        ("C4,A9,Chen,,,,false,zh", "contacts.csv:5:org_id", "unknown org_id 'A9'"),
        ("C4,A3,,,,,false,zh", "contacts.csv:5:name", "is required but empty"),
    ],
)
def test_bad_contacts_are_refused_naming_row_and_field(tmp_path, row, where, message):
    folder = _workspace(tmp_path / "ws", CONTACTS + row + "\n")
    with pytest.raises(ValidationError) as err:
        read_workspace(folder)
    shown = [str(p) for p in err.value.problems]
    assert any(s.startswith(where) and message in s for s in shown), shown


def test_a_second_primary_against_the_database_is_refused(cycle, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "organizations.csv").write_text(ORGS)
    (folder / "contacts.csv").write_text("contact_id,org_id,name,primary\nC9,A1,Zhao,true\n")
    with pytest.raises(ValidationError, match="already has primary contact 'C1' in the database"):
        import_workspace(cycle, folder)
    # the same person re-imported as primary is no conflict
    (folder / "contacts.csv").write_text("contact_id,org_id,name,primary\nC1,A1,刘洋,true\n")
    assert import_workspace(cycle, folder) == {"organizations": (0, 0), "contacts": (0, 0)}


def test_contacts_by_role(cycle):
    company = scoped(cycle, _account(cycle, "yso", "company", "A1"))
    assert [c["contact_id"] for c in company.rows("contacts")] == ["C1"]
    company.upsert({"contacts": [{"contact_id": "C5", "org_id": "A1", "name": "Li"}]})
    with pytest.raises(PermissionDenied):
        company.upsert({"contacts": [{"contact_id": "C6", "org_id": "A2", "name": "Li"}]})
    reviewer = scoped(cycle, _account(cycle, "rev", "reviewer", None))
    with pytest.raises(PermissionDenied, match="may not read contacts"):
        reviewer.rows("contacts")
    organiser = scoped(cycle, _account(cycle, "org", "organiser", None))
    assert len(organiser.rows("contacts")) == 4


# --- participants -------------------------------------------------------------------------


def test_participant_statuses_feed_the_agenda(cycle):
    assert set_status(cycle, "E1", ["A1", "A2", "A3"], "invited") == (3, 0)
    assert set_status(cycle, "E1", ["A1", "A2", "A2"], "registered") == (0, 2)
    assert set_status(cycle, "E1", ["A1"], "attended") == (0, 1)
    assert set_status(cycle, "E1", ["A3"], "declined") == (0, 1)
    assert attendees(cycle, "E1") == ["A1", "A2"]
    assert participants(cycle, "E1") == [
        {"org_id": "A1", "name": "Yellow Sea Optics", "status": "attended"},
        {"org_id": "A2", "name": "Baotou Germanium", "status": "registered"},
        {"org_id": "A3", "name": "Shinan Cameras", "status": "declined"},
    ]


def test_participant_errors_write_nothing(cycle):
    with pytest.raises(DataError, match="'came' is not allowed; use one of: invited, registered"):
        set_status(cycle, "E1", ["A1"], "came")
    with pytest.raises(NotFoundError, match="org_id='A9'"):
        set_status(cycle, "E1", ["A1", "A9"], "registered")
    with pytest.raises(NotFoundError, match="event_id='E9'"):
        set_status(cycle, "E9", ["A1"], "registered")
    with pytest.raises(DataError, match="at least one organisation"):
        set_status(cycle, "E1", [" "], "registered")
    assert cycle.rows("participants") == []


def test_cli_participant_set(cycle):
    run = CliRunner()
    res = run.invoke(app, ["--db", cycle.url, "participant", "set", "E1", "A1", "A2",
                           "--status", "registered"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "E1: registered for 2 organisation(s) (2 added, 0 changed, 0 already registered)" in (
        res.output
    )
    res = run.invoke(app, ["--db", cycle.url, "participant", "set", "E1", "A1", "--status", "x"])
    assert res.exit_code == 2 and "'x' is not allowed" in res.output
    res = run.invoke(app, ["--db", cycle.url, "participant", "list", "E1"])
    assert res.output.splitlines() == [
        "A1\tYellow Sea Optics\tregistered",
        "A2\tBaotou Germanium\tregistered",
    ]


# --- letters ------------------------------------------------------------------------------

INVITEES = [
    Invitee(
        "A1",
        (Partner("A2", 0.9, "x (semantic similarity 0.9, lexical 0.2)"), Partner("A3", 0.5, "r")),
        "r",
    ),
    Invitee("A2", (Partner("A1", 0.9, "x"),), "r"),
    Invitee(
        "A3", (Partner("A2", 0.1, "A3 and A2 share a partner (0.10: weak); chain path: a"),), "r"
    ),
]


def test_letters_in_each_contacts_language_naming_partners_and_why(cycle):
    letters = invitation_letters(cycle, "E1", INVITEES)
    a1, a2, a3 = letters
    assert (a1.org_name, a1.contact_name, a1.email, a1.language) == (
        "黄海光学", "刘洋", "liu.yang@yellowsea.example", "zh",
    )  # fmt: skip
    assert a1.subject == "邀请函：Photonics day（2025年5月9日）"
    assert a1.body.splitlines()[:3] == [
        "尊敬的刘洋：",
        "",
        "您好！诚挚邀请黄海光学于2025年5月9日在Hall B参加“Photonics day”。",
    ]
    assert (
        "1. Baotou Germanium：对方提供“Germanium blanks”，可满足贵单位“Optical germanium”的需求"
        in (a1.body)
    )
    # lens (A1 offers) -> cam (A3 needs) is a chain link
    assert "2. Shinan Cameras：贵单位的“Lens module”可满足对方“Camera lenses”的需求" in a1.body
    assert a2.language == "en" and a2.contact_name == "Bao Lin" and a2.email.startswith("bao.lin")
    assert a2.subject == "Invitation: Photonics day, 9 May 2025"
    assert (
        "- Yellow Sea Optics: your 'Germanium blanks' answers their need 'Optical germanium'"
        in (a2.body)
    )
    # no contact: an empty e-mail, Chinese by default, the list's reason without figures
    assert (a3.contact_name, a3.email, a3.language) == ("", "", "zh")
    assert "1. Baotou Germanium：A3 and A2 share a partner" in a3.body
    assert "0.10" not in a3.body and "chain path" not in a3.body


def test_letters_lang_overrides_and_is_checked(cycle):
    assert {x.language for x in invitation_letters(cycle, "E1", INVITEES, "en")} == {"en"}
    assert invitation_letters(cycle, "E1", INVITEES, "en")[0].org_name == "Yellow Sea Optics"
    with pytest.raises(DataError, match="use one of: zh, en"):
        invitation_letters(cycle, "E1", INVITEES, "fr")


def test_letter_without_venue_or_partners():
    letter = compose_letter({"name": "Day", "date": date(2025, 1, 2)}, "Acme", None, [], "en")
    assert letter.body.splitlines()[:3] == ["Dear Acme,", "", "We would like to invite Acme to "
                                            "Day on 2 January 2025."]  # fmt: skip
    assert "expect you to meet" not in letter.body


def test_plain_reason_keeps_words_only():
    assert plain_reason("B buys (0.50: x)") == "B buys"
    assert plain_reason("B buys; 2 shared partner(s): X, Y") == "B buys"


def test_write_letters_files(cycle, tmp_path):
    letters = invitation_letters(cycle, "E1", INVITEES)
    bad = letters[2].__class__(**{**letters[2].__dict__, "org_id": "../x", "body": "=1+1"})
    paths = write_letters([*letters[:2], bad], tmp_path / "out")
    lines = paths["csv"].read_text().splitlines()
    assert lines[0] == ",".join(MAILMERGE_COLUMNS)
    sheet = openpyxl.load_workbook(paths["xlsx"]).active
    rows = list(sheet.values)
    assert rows[0] == MAILMERGE_COLUMNS and rows[1][0] == "A1" and rows[3][6] == "'=1+1"
    pages = sorted(p.name for p in (tmp_path / "out" / "letters").iterdir())
    assert pages == ["A1.html", "A2.html", "___x.html"]
    page = (tmp_path / "out" / "letters" / "A1.html").read_text()
    assert (
        "<p>尊敬的刘洋：</p>" in page
        and "<title>邀请函：Photonics day（2025年5月9日）</title>" in page
    )


def _source(ids):
    return [("A1", "A2", 0.9, "germanium"), ("A1", "A3", 0.4, "lenses")]


def test_cli_invite_letters(cycle, monkeypatch, tmp_path):
    monkeypatch.setattr(cli_events, "_pair_source", lambda store: _source)
    out = tmp_path / "letters"
    res = CliRunner().invoke(
        app, ["--db", cycle.url, "invite", "E1", "--capacity", "3", "--letters", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert f"3 letters written to {out}" in res.output
    assert "1 invitee(s) have no contact e-mail" in res.output
    assert (out / "mailmerge.xlsx").is_file() and (out / "letters" / "A3.html").is_file()
    res = CliRunner().invoke(
        app, ["--db", cycle.url, "invite", "E1", "--letters", str(out), "--lang", "fr"]
    )
    assert res.exit_code == 2 and "--lang must be zh or en" in res.output


# --- a company's own data ------------------------------------------------------------------


def test_save_contact_keeps_one_primary_and_checks_the_email(cycle):
    from matchmaker.followup.orgs import save_contact

    made = save_contact(cycle, {"org_id": "A2", "name": "Zhou", "primary": True}, "li")
    assert made["contact_id"] == "C4" and made["primary"] is True
    primaries = [c["contact_id"] for c in cycle.rows("contacts", org_id="A2") if c["primary"]]
    assert primaries == ["C4"]  # C2 is no longer primary
    with pytest.raises(DataError, match=r"contacts\.email: 'zhou@' is not an e-mail address"):
        save_contact(cycle, {"org_id": "A2", "name": "Zhou", "email": "zhou@"}, "li")
    with pytest.raises(DataError, match=r"contacts\.name is required"):
        save_contact(cycle, {"org_id": "A2", "name": " "}, "li")
    company = scoped(cycle, _account(cycle, "bt", "company", "A2"))
    with pytest.raises(PermissionDenied):
        save_contact(company, {"org_id": "A1", "name": "Not mine"}, "bt")


def test_items_added_edited_and_retired_by_their_company(cycle):
    from matchmaker.followup.orgs import retire_item, save_item

    company = scoped(cycle, _account(cycle, "yso", "company", "A1"))
    made = save_item(company, {"org_id": "A1", "side": "need", "type": "service",
                               "title": "Coating", "keywords": "ar; ir"}, "yso")  # fmt: skip
    assert (made["item_id"], made["keywords"]) == ("I0001", ("ar", "ir"))
    save_item(company, {**made, "keywords": "", "title": "AR coating"}, "yso")
    assert cycle.get("items", "I0001")["title"] == "AR coating"
    with pytest.raises(PermissionDenied):
        retire_item(company, "t1", "yso")  # A2's offer
    retire_item(company, "I0001", "yso")
    assert "I0001" not in cycle.ids("items")
    assert [r["action"] for r in cycle.audit_rows(actor="yso")] == [
        "item.retire", "item.save", "item.save",
    ]  # fmt: skip


def test_a_company_sees_requests_it_received_but_not_avoid_marks_and_cannot_forge(cycle):
    from matchmaker.events.service import add_request

    add_request(cycle, "E1", "A2", "A1", "meet")
    add_request(cycle, "E1", "A3", "A1", "avoid")
    company = scoped(cycle, _account(cycle, "yso", "company", "A1"))
    seen = [(r["org_id"], r["kind"]) for r in company.rows("meeting_requests")]
    assert seen == [("A2", "meet")]
    with pytest.raises(PermissionDenied):
        add_request(company, "E1", "A2", "A1", "meet")  # a request in A2's name
    add_request(company, "E1", "A1", "A2", "meet")  # its own answer: a mutual request


def _account(store, name: str, role: str, org: str | None = None):
    """A real account (a scoped view writes only for an account that exists and is active)."""
    from matchmaker.errors import NotFoundError
    from matchmaker.store.accounts import create_user, get_user

    try:
        return get_user(store, name)
    except NotFoundError:
        return create_user(store, name, "event-cycle-pass-1", role, org, actor="setup")
