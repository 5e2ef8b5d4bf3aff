"""Workspace import and export: the contract fixtures, every kind of problem, round trips,
idempotence, garbage that must not crash, generated rows (hypothesis), and the format docs."""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import DataError, Problem, ValidationError
from matchmaker.ingest.workspace import (
    escape_formula,
    export_workspace,
    import_workspace,
    read_workspace,
    unescape_formula,
)
from matchmaker.schema import ORG_KINDS, TABLES
from matchmaker.store.database import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "checks" / "fixtures"
DOC = ROOT / "docs" / "data-format.md"
TABLE_NAMES = ", ".join(TABLES)
CSV_NAMES = ", ".join(f"{t}.csv" for t in TABLES)
ORG_COLUMNS = ", ".join(TABLES["organizations"].column_names)
UTF8_HINT = "save the file as UTF-8 (in Excel: 'CSV UTF-8')"
XLSX_HINT = "save it from Excel as .xlsx, or use a folder of CSV files"

# Copies of ../shared/checks/fixtures/{ok,broken}, so a fresh clone tests them too;
# test_fixture_copies_match_the_shared_ones keeps them equal.
OK = {
    "chain_links.csv": "upstream,downstream\nph-mat,ph-lens\nph-lens,ph-cam\n",
    "deals.csv": (
        "deal_id,org_a,org_b,stage,event_id,title\n"
        "X1,A2,A1,signed,P1,Germanium blank supply\n"
        "X2,A1,A3,intent,P2,Lens modules for ship cameras\n"
        "X3,A4,A1,dropped,,Moulding licence\n"
    ),
    "events.csv": (
        "event_id,name,date\n"
        "P1,Photonics chain day,2025-05-09\n"
        "P2,Marine electronics day,2025-06-12\n"
    ),
    "items.csv": (
        "item_id,org_id,side,type,title,segment\n"
        "t1,A2,offer,product,Germanium optical blanks,ph-mat\n"
        "t2,A1,need,product,Germanium blanks,ph-mat\n"
        "t3,A1,offer,product,Infrared lens module,ph-lens\n"
        "t4,A3,need,product,Infrared lens modules,ph-lens\n"
        "t5,A4,offer,technology,Chalcogenide glass moulding,ph-lens\n"
    ),
    "meetings.csv": (
        "event_id,org_a,org_b,slot,table,status\nP1,A1,A2,1,T1,held\nP2,A1,A3,1,T2,held\n"
    ),
    "organizations.csv": (
        "org_id,name,kind,region,local,tier,chains,description\n"
        "A1,Yellow Sea Optics,company,Qingdao,true,eaglet,photonics,"
        '"Makes infrared lens modules and needs germanium blanks"\n'
        "A2,Baotou Germanium,company,Baotou,false,specialized,photonics,"
        '"Refines germanium and cuts optical blanks"\n'
        "A3,Shinan Thermal Cameras,company,Qingdao,true,gazelle,photonics,"
        '"Builds thermal cameras for ships; buys lens modules"\n'
        "A4,Qingdao Optics Institute,institute,Qingdao,true,none,photonics,"
        '"Chalcogenide glass moulding technology for licensing"\n'
    ),
    "participants.csv": (
        "event_id,org_id,status\n"
        "P1,A1,attended\nP1,A2,attended\nP1,A3,declined\n"
        "P2,A1,attended\nP2,A3,attended\nP2,A4,invited\n"
    ),
    "segments.csv": (
        "segment_id,name,chain,stage\n"
        "ph-mat,Optical materials,photonics,upstream\n"
        "ph-lens,Lens modules,photonics,midstream\n"
        "ph-cam,Thermal cameras,photonics,downstream\n"
    ),
}
BROKEN = {
    "items.csv": "item_id,org_id,side,type,title\nk1,B1,wanted,product,Packing lines\n",
    "organizations.csv": (
        "org_id,name,kind,local\nB1,Laixi Food Machinery,company,maybe\nB2,,company,true\n"
    ),
}
BROKEN_PROBLEMS = [
    Problem("items.csv", 2, "side", "'wanted' is not allowed; use one of: offer, need"),
    Problem("organizations.csv", 2, "local", "'maybe' is not true or false"),
    Problem("organizations.csv", 3, "name", "is required but empty"),
]
# Every column filled, with text that is hard to carry: quotes, commas, line breaks,
# Chinese, formula-like cells, apostrophes, spaces, long floats.
RICH = dict(
    OK,
    **{
        "organizations.csv": OK["organizations.csv"]
        .replace(
            "org_id,name,kind,region,local,tier,chains,description\n",
            "org_id,name,kind,region,local,tier,chains,description,name_zh,website\n",
        )
        .replace('"\n', '",,\n')
        + 'A5,"Haier ""Smart"" Home, Ltd.",Company,Qingdao,Yes,LEADER," smart-home ; ai ;",'
        '"=cmd|\' /C calc\'!A0\r\nsecond line","海尔智家",@home\n'
        "A6,'-5 units,finance,,0,,,\"  spaced text  \",,'+86 532\n"
        "A7,''=already escaped,university,,,,,\"'quoted'\",,\n",
        "relations.csv": "org_a,org_b,kind,source\nA2,A1,supplier_of,customs records\n"
        "A1,A4,partner,\n",
        "events.csv": "event_id,name,date,chains,venue,capacity\n"
        "P1,Photonics chain day,2025-05-09,photonics;marine,Hall 3,120\n"
        "P2,Marine electronics day,2025-06-12,,,\n"
        "P3,Old fair,1899-12-31,,,-1\n",
        "deals.csv": "deal_id,org_a,org_b,stage,event_id,title,value_cny,updated_at,note,due_date\n"
        "X1,A2,A1,signed,P1,Germanium blank supply,1250000.5,2025-05-09 14:30,,2025-06-01\n"
        "X2,A1,A3,intent,P2,Lens modules for ship cameras,3e20,2025-05-10T08:00:00.9,,\n"
        'X3,A4,A1,dropped,,Moulding licence,-0.1,2025-05-11,"a, b",\n'
        "X4,A5,A6,in_progress,,,7.0,,,\n",
        "items.csv": OK["items.csv"]
        .replace("\n", ",\n")
        .replace("title,segment,\n", "title,segment,keywords\n")
        + 't6,A5,need,capital,"Series B, 50m",,funding; =growth\n',
    },
)


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def problems_of(path: Path, store: Store | None = None) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        read_workspace(path, store)
    return caught.value.problems


# --- the contract fixtures --------------------------------------------------------------


@pytest.mark.parametrize("name", ["ok", "broken"])
def test_fixture_copies_match_the_shared_ones(name):
    folder = SHARED_FIXTURES / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here (a clone without ../shared)")
    copy = OK if name == "ok" else BROKEN
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()} == copy


def test_ok_fixture_imports_then_changes_nothing(store, tmp_path):
    folder = write(tmp_path / "ok", OK)
    first = import_workspace(store, folder)
    assert first == {
        "organizations": (4, 0),
        "segments": (3, 0),
        "chain_links": (2, 0),
        "items": (5, 0),
        "events": (2, 0),
        "participants": (6, 0),
        "meetings": (2, 0),
        "deals": (3, 0),
    }
    assert import_workspace(store, folder) == {name: (0, 0) for name in first}
    assert store.get("organizations", "A1")["chains"] == ("photonics",)
    assert store.get("events", "P1")["date"] == date(2025, 5, 9)


def test_broken_fixture_gives_exactly_its_problems(store, tmp_path):
    import_workspace(store, write(tmp_path / "ok", OK))
    assert problems_of(write(tmp_path / "broken", BROKEN), store) == BROKEN_PROBLEMS


def test_cli_refuses_the_broken_fixture_with_status_2_and_writes_nothing(tmp_path):
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert runner.invoke(app, [*db, "init"]).exit_code == 0
    done = runner.invoke(app, [*db, "import", str(write(tmp_path / "ok", OK))])
    assert done.exit_code == 0, done.output
    assert "organizations: 4 added, 0 updated" in done.stdout
    assert runner.invoke(app, [*db, "export", str(tmp_path / "e1")]).exit_code == 0
    refused = runner.invoke(app, [*db, "import", str(write(tmp_path / "broken", BROKEN))])
    assert refused.exit_code == 2
    lines = refused.stderr.splitlines()
    assert lines[:3] == [str(p) for p in BROKEN_PROBLEMS]
    assert lines[3] == "refused: 3 problem(s); nothing was written"
    assert runner.invoke(app, [*db, "export", str(tmp_path / "e2")]).exit_code == 0
    assert snapshot(tmp_path / "e1") == snapshot(tmp_path / "e2")


def test_cli_names_a_path_that_is_not_a_workspace(tmp_path):
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    runner.invoke(app, [*db, "init"])
    result = runner.invoke(app, [*db, "import", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'nowhere'} does not exist\n"


# --- every kind of problem --------------------------------------------------------------

ORGS = "org_id,name,kind\nA1,Acme,company\n"
ORGS_AT = "organizations.csv"


def org_problem(row, column, message):
    return Problem(ORGS_AT, row, column, message)


CSV_CASES = {
    "empty file": (
        {ORGS_AT: b""},
        [
            org_problem(
                0, "-", "the file is empty; it needs at least a header row naming its columns"
            )
        ],
    ),
    "only a byte-order mark": (
        {ORGS_AT: b"\xef\xbb\xbf"},
        [
            org_problem(
                0, "-", "the file is empty; it needs at least a header row naming its columns"
            )
        ],
    ),
    "blank first row": (
        {ORGS_AT: "\n" + ORGS},
        [org_problem(1, "-", "the first row is empty; it must be the header naming the columns")],
    ),
    "binary file": (
        {ORGS_AT: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        [org_problem(0, "-", "contains NUL bytes: it is a binary file, not CSV text")],
    ),
    "a workbook named .csv": (
        {ORGS_AT: b"PK\x03\x04\x14\x00\x06\x00"},
        [org_problem(0, "-", f"is a zip file (an Excel workbook?), not CSV text; {XLSX_HINT}")],
    ),
    "semicolon-separated": (
        {ORGS_AT: "org_id;name;kind\nA1;Acme;company\n"},
        [org_problem(1, "-", "looks like ';'-separated; use commas between columns")],
    ),
    "tab-separated": (
        {ORGS_AT: "org_id\tname\tkind\nA1\tAcme\tcompany\n"},
        [org_problem(1, "-", "looks like tab-separated; use commas between columns")],
    ),
    "Latin-1": (
        {ORGS_AT: (ORGS + "A2,Café,company\n").encode("latin-1")},
        [org_problem(3, "-", f"is not UTF-8 text (byte 0xe9 in row 3); {UTF8_HINT}")],
    ),
    "mixed encodings": (
        {
            ORGS_AT: "org_id,name,kind\nA1,Café,company\n".encode()
            + "A2,Bär,company\n".encode("cp1252")
        },
        [org_problem(3, "-", f"is not UTF-8 text (byte 0xe4 in row 3); {UTF8_HINT}")],
    ),
    "GBK after a quoted line break": (
        {ORGS_AT: b'org_id,name,kind\nA1,"Two\nlines",company\nA2,' + "海尔".encode("gbk")},
        [org_problem(3, "-", f"is not UTF-8 text (byte 0xba in row 3); {UTF8_HINT}")],
    ),
    "UTF-16": (
        {ORGS_AT: ORGS.encode("utf-16")},
        [org_problem(0, "-", f"is UTF-16 text; {UTF8_HINT}")],
    ),
    "unbalanced quote": (
        {ORGS_AT: 'org_id,name,kind\nA1,"Acme,company\n'},
        [
            org_problem(
                2, "-", "cannot be read as CSV (unexpected end of data); check the quotes in row 2"
            )
        ],
    ),
    "fewer cells than the header": (
        {ORGS_AT: ORGS + "A2,Beta\n"},
        [org_problem(3, "-", "has only 2 cells; the header names 3 columns")],
    ),
    "more cells than the header": (
        {ORGS_AT: ORGS + "A2,Beta,company,extra\n"},
        [org_problem(3, "-", "has values beyond the 3 columns the header names")],
    ),
    "unknown column": (
        {ORGS_AT: "org_id,name,kind,colour\nA1,Acme,company,red\n"},
        [org_problem(1, "colour", f"unknown column; organizations has only: {ORG_COLUMNS}")],
    ),
    "missing required column": (
        {ORGS_AT: "org_id,name\nA1,Acme\n"},
        [org_problem(1, "kind", "required column is missing")],
    ),
    "column twice": (
        {ORGS_AT: "org_id,name,kind,name\nA1,Acme,company,Acme\n"},
        [org_problem(1, "name", "appears twice in the header (columns 2 and 4)")],
    ),
    "column without a name": (
        {ORGS_AT: "org_id,,name,kind\nA1,x,Acme,company\n"},
        [org_problem(1, "-", "column 2 has no name")],
    ),
    "unknown file": (
        {ORGS_AT: ORGS, "notes.txt": "hello"},
        [Problem("notes.txt", 0, "-", f"unknown file; a workspace folder holds only {CSV_NAMES}")],
    ),
    "missing organizations": (
        {"segments.csv": "segment_id,name,chain,stage\n"},
        [
            org_problem(
                0,
                "-",
                "is missing; every workspace needs organizations (the other tables are optional)",
            )
        ],
    ),
    "required value empty": (
        {ORGS_AT: ORGS + "A2,   ,company\n"},
        [org_problem(3, "name", "is required but empty")],
    ),
    "key empty": (
        {ORGS_AT: ORGS + ",Beta,company\n"},
        [org_problem(3, "org_id", "is required but empty")],
    ),
    "enumeration": (
        {ORGS_AT: ORGS + "A2,Beta,startup\n"},
        [org_problem(3, "kind", f"'startup' is not allowed; use one of: {', '.join(ORG_KINDS)}")],
    ),
    "boolean": (
        {ORGS_AT: "org_id,name,kind,local\nA1,Acme,company,maybe\n"},
        [org_problem(2, "local", "'maybe' is not true or false")],
    ),
    "date": (
        {ORGS_AT: ORGS, "events.csv": "event_id,name,date\nP1,Day,09/05/2025\nP2,Day,2025-02-30\n"},
        [
            Problem(
                "events.csv",
                r,
                "date",
                f"'{d}' is not a date; write it as YYYY-MM-DD, e.g. 2025-05-09",
            )
            for r, d in ((2, "09/05/2025"), (3, "2025-02-30"))
        ],
    ),
    "datetime": (
        {
            ORGS_AT: ORGS + "A2,Beta,company\n",
            "deals.csv": "deal_id,org_a,org_b,stage,updated_at\nX1,A1,A2,intent,2025-05-09Z\n",
        },
        [
            Problem(
                "deals.csv",
                2,
                "updated_at",
                "'2025-05-09Z' is not a date and time; write it as YYYY-MM-DDTHH:MM:SS, "
                "e.g. 2025-05-09T14:30:00",
            )
        ],
    ),
    "whole number": (
        {ORGS_AT: ORGS, "events.csv": "event_id,name,date,capacity\nP1,Day,2025-05-09,12.5\n"},
        [Problem("events.csv", 2, "capacity", "'12.5' is not a whole number")],
    ),
    "whole number out of range": (
        {
            ORGS_AT: ORGS,
            "events.csv": "event_id,name,date,capacity\nP1,Day,2025-05-09,3000000000\n",
        },
        [
            Problem(
                "events.csv",
                2,
                "capacity",
                "3000000000 is out of range (-2147483648 to 2147483647)",
            )
        ],
    ),
    "number with a decimal comma": (
        {
            ORGS_AT: ORGS + "A2,Beta,company\n",
            "deals.csv": 'deal_id,org_a,org_b,stage,value_cny\nX1,A1,A2,intent,"1,5"\n'
            "X2,A1,A2,intent,1e999\n",
        },
        [
            Problem(
                "deals.csv",
                2,
                "value_cny",
                "'1,5' is not a number; use a dot for decimals and no thousands separators",
            ),
            Problem("deals.csv", 3, "value_cny", "1e999 is too large"),
        ],
    ),
    "duplicate key": (
        {ORGS_AT: ORGS + "A2,Beta,company\nA1,Acme again,company\n"},
        [org_problem(4, "org_id", "org_id 'A1' appears twice: first in row 2")],
    ),
    "duplicate composite key": (
        {
            ORGS_AT: ORGS,
            "events.csv": "event_id,name,date\nP1,Day,2025-05-09\n",
            "participants.csv": "event_id,org_id,status\nP1,A1,invited\nP1,A1,attended\n",
        },
        [
            Problem(
                "participants.csv",
                3,
                "event_id,org_id",
                "event_id 'P1', org_id 'A1' appears twice: first in row 2",
            )
        ],
    ),
    "unknown reference": (
        {ORGS_AT: ORGS, "items.csv": "item_id,org_id,side,type,title\nt1,Z9,offer,product,Pumps\n"},
        [
            Problem(
                "items.csv",
                2,
                "org_id",
                "unknown org_id 'Z9': not in organizations.csv nor in the database",
            )
        ],
    ),
    "self-pair": (
        {ORGS_AT: ORGS, "relations.csv": "org_a,org_b,kind\nA1, A1 ,partner\n"},
        [
            Problem(
                "relations.csv",
                2,
                "org_b",
                "is the same as org_a ('A1'); a pair needs two different ids",
            )
        ],
    ),
    "id too long": (
        {ORGS_AT: ORGS + "B" * 65 + ",Beta,company\n"},
        [org_problem(3, "org_id", "is 65 characters long; an id has at most 64")],
    ),
    "control character": (
        {ORGS_AT: ORGS + "A2,Be\x07ta,company\n"},
        [org_problem(3, "name", "contains the control character U+0007; remove it")],
    ),
}


@pytest.mark.parametrize("files, expected", CSV_CASES.values(), ids=CSV_CASES.keys())
def test_each_problem_is_reported_exactly(sqlite_store, tmp_path, files, expected):
    assert problems_of(write(tmp_path / "ws", files), sqlite_store) == sorted(expected)
    assert sqlite_store.counts() == dict.fromkeys(TABLES, 0)


def test_every_problem_of_a_workspace_is_reported_at_once(tmp_path):
    files = {
        ORGS_AT: ORGS + "A2,,startup\nA1,Acme,company\n",
        "items.csv": "item_id,org_id,side,type,title,colour\nt1,Z9,wanted,product,,red\n",
    }
    found = [f"{p.file}:{p.row}:{p.column}" for p in problems_of(write(tmp_path, files))]
    assert found == [
        "items.csv:1:colour",
        "items.csv:2:org_id",
        "items.csv:2:side",
        "items.csv:2:title",
        "organizations.csv:3:kind",
        "organizations.csv:3:name",
        "organizations.csv:4:org_id",
    ]


def test_a_table_without_its_key_column_gives_no_unknown_reference_noise(tmp_path):
    files = {
        ORGS_AT: "name,kind\nAcme,company\n",
        "items.csv": "item_id,org_id,side,type,title\nt1,A1,offer,product,x\n",
    }
    missing = org_problem(1, "org_id", "required column is missing")
    assert problems_of(write(tmp_path, files)) == [missing]


def test_a_folder_named_like_a_table_is_not_a_file(tmp_path):
    write(tmp_path, {ORGS_AT: ORGS})
    (tmp_path / "items.csv").mkdir()
    message = f"is not a file; a workspace folder holds only {CSV_NAMES}"
    assert problems_of(tmp_path) == [Problem("items.csv", 0, "-", message)]


def test_a_reference_without_a_database_must_resolve_in_the_workspace(tmp_path):
    files = {ORGS_AT: ORGS, "items.csv": "item_id,org_id,side,type,title\nt1,Z9,offer,product,x\n"}
    message = "unknown org_id 'Z9': not in organizations.csv"
    assert problems_of(write(tmp_path, files)) == [Problem("items.csv", 2, "org_id", message)]


def test_a_reference_may_point_into_the_database(store, tmp_path):
    import_workspace(store, write(tmp_path / "ok", OK))
    files = {
        ORGS_AT: "org_id,name,kind\n",
        "items.csv": "item_id,org_id,side,type,title\nt9,A1,offer,service,Lens repair\n",
    }
    assert import_workspace(store, write(tmp_path / "more", files)) == {
        "organizations": (0, 0),
        "items": (1, 0),
    }


def test_a_cell_over_max_cell_chars_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MAX_CELL_CHARS", "10")
    message = "is too long: 11 characters; the limit is 10 (setting MATCHMAKER_MAX_CELL_CHARS)"
    found = problems_of(write(tmp_path, {ORGS_AT: ORGS + "A2,Beta Gammas,company\n"}))
    assert found == [org_problem(3, "name", message)]


def test_a_file_over_the_upload_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_UPLOAD_LIMIT_MB", "1")
    big = ORGS + "A2,Beta,company\n" * 70_000
    message = "is 1.1 MB; the limit is 1 MB (setting MATCHMAKER_UPLOAD_LIMIT_MB)"
    assert problems_of(write(tmp_path, {ORGS_AT: big})) == [org_problem(0, "-", message)]


def test_a_50_mb_cell_is_reported_as_too_long(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_UPLOAD_LIMIT_MB", "60")
    size = 50 * 2**20
    data = b"org_id,name,kind,description\nA1,Acme,company," + b"x" * size + b"\n"
    message = (
        f"is too long: {size} characters; the limit is 20000 (setting MATCHMAKER_MAX_CELL_CHARS)"
    )
    found = problems_of(write(tmp_path, {ORGS_AT: data}))
    assert found == [org_problem(2, "description", message)]


@pytest.mark.parametrize(
    "name, message",
    [
        ("nowhere", "does not exist"),
        ("organizations.csv", "is neither a folder of CSV files nor an .xlsx workbook"),
        ("workspace.xls", "is neither a folder of CSV files nor an .xlsx workbook"),
    ],
)
def test_a_path_that_is_not_a_workspace_is_a_data_error(tmp_path, name, message):
    if name != "nowhere":
        (tmp_path / name).write_text(ORGS)
    with pytest.raises(DataError, match=message):
        read_workspace(tmp_path / name)


# --- lenient where it is safe -----------------------------------------------------------


def test_accepted_spellings_and_the_values_they_give(tmp_path):
    files = {
        ORGS_AT: "\ufeff org_id , name ,kind,local,chains,tier,,\r\n"
        '  A1 ,"Acme\r\nWorks ",Company,YES," a ;; b ;",Eaglet,,\r\n'
        "\r\n"
        "A2,Beta,finance,0,,,,\r\n",
        "events.csv": "event_id,name,date,capacity\n",
        "deals.csv": "deal_id,org_a,org_b,stage,value_cny,updated_at,due_date\n"
        "X1,A1,A2,SIGNED,2.50,2025-05-09 14:30,2025-06-01\n",
    }
    tables = read_workspace(write(tmp_path, files))
    assert tables["organizations"] == [
        {
            "org_id": "A1",
            "name": "Acme\nWorks ",
            "kind": "company",
            "local": True,
            "chains": ("a", "b"),
            "tier": "eaglet",
        },
        {
            "org_id": "A2",
            "name": "Beta",
            "kind": "finance",
            "local": False,
            "chains": (),
            "tier": None,
        },
    ]
    assert tables["events"] == []
    assert tables["deals"] == [
        {
            "deal_id": "X1",
            "org_a": "A1",
            "org_b": "A2",
            "stage": "signed",
            "value_cny": 2.5,
            "updated_at": datetime(2025, 5, 9, 14, 30),
            "due_date": date(2025, 6, 1),
        }
    ]


def test_a_column_left_out_keeps_stored_values_and_an_empty_cell_clears_them(store, tmp_path):
    import_workspace(store, write(tmp_path / "ok", OK))
    files = {ORGS_AT: "org_id,name,kind,region\nA1,Yellow Sea Optics,company,\n"}
    assert import_workspace(store, write(tmp_path / "edit", files)) == {"organizations": (0, 1)}
    row = store.get("organizations", "A1")
    assert row["region"] is None
    assert row["tier"] == "eaglet"


# --- formula injection ------------------------------------------------------------------


@given(st.text())
def test_unescape_undoes_escape_and_the_result_is_never_a_formula(text):
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))


def test_formula_cells_are_exported_escaped_and_imported_back(store, tmp_path):
    import_workspace(store, write(tmp_path / "rich", RICH))
    assert store.get("organizations", "A5")["description"] == "=cmd|' /C calc'!A0\nsecond line"
    assert store.get("organizations", "A6")["name"] == "-5 units"
    assert store.get("organizations", "A7")["name"] == "'=already escaped"
    export_workspace(store, tmp_path / "out")
    text = (tmp_path / "out" / ORGS_AT).read_text(encoding="utf-8")
    assert "\"'=cmd|' /C calc'!A0\nsecond line\"" in text
    assert "A6,'-5 units,finance," in text
    assert "A7,''=already escaped," in text
    assert ",'@home\n" in text
    deals = (tmp_path / "out" / "deals.csv").read_text(encoding="utf-8")
    assert "X3,A4,A1,dropped,,Moulding licence,-0.1,2025-05-11T00:00:00," in deals


# --- export, round trips, idempotence ---------------------------------------------------


def test_export_is_canonical_and_sorted(store, tmp_path):
    import_workspace(store, write(tmp_path / "rich", RICH))
    written = export_workspace(store, tmp_path / "out")
    assert written == {
        "organizations": 7,
        "chains": 0,
        "segments": 3,
        "chain_links": 2,
        "items": 6,
        "relations": 2,
        "events": 3,
        "participants": 6,
        "meetings": 2,
        "deals": 4,
        "contacts": 0,
    }
    assert (tmp_path / "out" / "deals.csv").read_bytes() == (
        b"deal_id,org_a,org_b,stage,event_id,title,value_cny,updated_at,note,due_date,owner\n"
        b"X1,A2,A1,signed,P1,Germanium blank supply,1250000.5,2025-05-09T14:30:00,,2025-06-01,\n"
        b"X2,A1,A3,intent,P2,Lens modules for ship cameras,3e+20,2025-05-10T08:00:00,,,\n"
        b'X3,A4,A1,dropped,,Moulding licence,-0.1,2025-05-11T00:00:00,"a, b",,\n'
        b"X4,A5,A6,in_progress,,,7,,,,\n"
    )
    assert (tmp_path / "out" / "events.csv").read_bytes() == (
        b"event_id,name,date,chains,venue,capacity,start_time,slot_minutes,breaks,tables\n"
        b"P1,Photonics chain day,2025-05-09,photonics;marine,Hall 3,120,,,,\n"
        b"P2,Marine electronics day,2025-06-12,,,,,,,\n"
        b"P3,Old fair,1899-12-31,,,-1,,,,\n"
    )


def test_an_empty_database_exports_headers_only(sqlite_store, tmp_path):
    assert export_workspace(sqlite_store, tmp_path / "out") == dict.fromkeys(TABLES, 0)
    for spec in TABLES.values():
        header = ",".join(spec.column_names) + "\n"
        assert (tmp_path / "out" / spec.filename).read_text(encoding="utf-8") == header


def test_csv_round_trip_is_byte_identical(store, tmp_path):
    import_workspace(store, write(tmp_path / "rich", RICH))
    export_workspace(store, tmp_path / "e1")
    export_workspace(store, tmp_path / "e1-again")
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    other.init()
    import_workspace(other, tmp_path / "e1")
    export_workspace(other, tmp_path / "e2")
    assert snapshot(tmp_path / "e1") == snapshot(tmp_path / "e1-again")
    assert snapshot(tmp_path / "e1") == snapshot(tmp_path / "e2")
    assert b"\r" not in b"".join(snapshot(tmp_path / "e1").values())
    assert import_workspace(other, tmp_path / "e2") == dict.fromkeys(TABLES, (0, 0))


def test_xlsx_round_trip_is_byte_identical(store, tmp_path):
    import_workspace(store, write(tmp_path / "rich", RICH))
    export_workspace(store, tmp_path / "e1")
    export_workspace(store, tmp_path / "w1.xlsx")
    export_workspace(store, tmp_path / "w1-again.xlsx")
    assert (tmp_path / "w1.xlsx").read_bytes() == (tmp_path / "w1-again.xlsx").read_bytes()
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    other.init()
    assert import_workspace(other, tmp_path / "w1.xlsx")["organizations"] == (7, 0)
    export_workspace(other, tmp_path / "w2.xlsx")
    export_workspace(other, tmp_path / "e2")
    assert (tmp_path / "w1.xlsx").read_bytes() == (tmp_path / "w2.xlsx").read_bytes()
    assert snapshot(tmp_path / "e1") == snapshot(tmp_path / "e2")
    sheet = openpyxl.load_workbook(tmp_path / "w1.xlsx")["deals"]
    assert [c.value for c in sheet[2]][6:8] == [1250000.5, datetime(2025, 5, 9, 14, 30)]


def test_a_refused_import_leaves_the_database_as_it_was(store, tmp_path):
    import_workspace(store, write(tmp_path / "ok", OK))
    export_workspace(store, tmp_path / "before")
    files = {
        ORGS_AT: "org_id,name,kind\nA1,Renamed Optics,company\nA9,New One,company\n",
        "items.csv": "item_id,org_id,side,type,title\nt1,A9,offer,product,Changed\n"
        "t9,A1,offer,gadget,Bad type\n",
    }
    assert len(problems_of(write(tmp_path / "bad", files), store)) == 1
    with pytest.raises(ValidationError):
        import_workspace(store, tmp_path / "bad")
    export_workspace(store, tmp_path / "after")
    assert snapshot(tmp_path / "before") == snapshot(tmp_path / "after")


def test_export_refuses_a_path_of_the_wrong_kind(sqlite_store, tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder.xlsx").mkdir()
    with pytest.raises(DataError, match="is a file"):
        export_workspace(sqlite_store, tmp_path / "file")
    with pytest.raises(DataError, match="is a folder"):
        export_workspace(sqlite_store, tmp_path / "folder.xlsx")


# --- workbooks --------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


ORG_ROWS = [["org_id", "name", "kind"], ["A1", "Acme", "company"]]
XLSX_CASES = {
    "formula cell": (
        {"organizations": [*ORG_ROWS, ["A2", "=1+2", "company"]]},
        [Problem("organizations", 3, "name", "holds a formula; paste plain values instead")],
    ),
    "link to another workbook": (
        {"organizations": [*ORG_ROWS, ["A2", "='[other.xlsx]Sheet1'!A1", "company"]]},
        [Problem("organizations", 3, "name", "holds a formula; paste plain values instead")],
    ),
    "error cell": (
        {"organizations": [*ORG_ROWS, ["A2", "#N/A", "company"]]},
        [
            Problem(
                "organizations", 3, "name", "holds the error value #N/A; paste plain values instead"
            )
        ],
    ),
    "unknown sheet": (
        {"organizations": ORG_ROWS, "Sheet1": []},
        [Problem("Sheet1", 0, "-", f"unknown sheet; a workbook holds only {TABLE_NAMES}")],
    ),
    "missing organizations": (
        {"segments": [["segment_id", "name", "chain", "stage"]]},
        [
            Problem(
                "organizations",
                0,
                "-",
                "is missing; every workspace needs organizations (the other tables are optional)",
            )
        ],
    ),
    "empty sheet": (
        {"organizations": []},
        [Problem("organizations", 0, "-", "the sheet is empty; it needs a header row")],
    ),
    "header not in row 1": (
        {"organizations": [[None], *ORG_ROWS]},
        [Problem("organizations", 1, "-", "row 1 must be the header row")],
    ),
    "typed cells of the wrong type": (
        {
            "organizations": [["org_id", "name", "kind", "local"], [1, "Acme", "company", 2.5]],
            "events": [["event_id", "name", "date"], ["P1", "Day", True]],
        },
        [
            Problem(
                "events", 2, "date", "'true' is not a date; write it as YYYY-MM-DD, e.g. 2025-05-09"
            ),
            Problem("organizations", 2, "local", "'2.5' is not true or false"),
        ],
    ),
}


@pytest.mark.parametrize("sheets, expected", XLSX_CASES.values(), ids=XLSX_CASES.keys())
def test_each_workbook_problem_is_reported_exactly(tmp_path, sheets, expected):
    assert problems_of(workbook(tmp_path / "ws.xlsx", sheets)) == sorted(expected)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    (tmp_path / "ws.xlsx").write_bytes(b"org_id,name,kind\n")
    expected = Problem("ws.xlsx", 0, "-", f"is not an .xlsx workbook; {XLSX_HINT}")
    assert problems_of(tmp_path / "ws.xlsx") == [expected]


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "ws.xlsx", "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    (found,) = problems_of(tmp_path / "ws.xlsx")
    assert (found.file, found.row, found.column) == ("ws.xlsx", 0, "-")
    assert found.message.startswith("cannot be read as a workbook (")


def test_a_workbook_that_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_UPLOAD_LIMIT_MB", "1")
    with zipfile.ZipFile(tmp_path / "ws.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (21 * 2**20))
    (found,) = problems_of(tmp_path / "ws.xlsx")
    assert (found.file, found.row, found.column) == ("ws.xlsx", 0, "-")
    assert found.message.startswith("unpacks to 21.0 MB from 0.0 MB; at most ")


def test_workbook_cells_keep_their_types(tmp_path):
    sheets = {
        "organizations": [
            ["org_id", "name", "kind", "local", "website"],
            [101, "Acme", "company", True, 12.0],
            ["B2", "Beta", "company", None, None],
        ],
        "events": [["event_id", "name", "date", "capacity"], ["P1", "Day", date(2025, 5, 9), 12.0]],
        "deals": [
            ["deal_id", "org_a", "org_b", "stage", "value_cny", "updated_at"],
            ["X1", 101, "B2", "intent", 3, datetime(2025, 5, 9, 14, 30, 5)],
        ],
    }
    tables = read_workspace(workbook(tmp_path / "ws.xlsx", sheets))
    assert tables["organizations"][0]["org_id"] == "101"
    assert tables["organizations"][0]["local"] is True
    assert tables["organizations"][0]["website"] == "12"
    assert tables["events"][0]["date"] == date(2025, 5, 9)
    assert tables["events"][0]["capacity"] == 12
    assert tables["deals"][0]["value_cny"] == 3.0
    assert tables["deals"][0]["updated_at"] == datetime(2025, 5, 9, 14, 30, 5)


# --- garbage and generated rows (hypothesis) --------------------------------------------

HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TRICKY = st.sampled_from(
    [
        "=cmd|' /C calc'!A0",
        "'=x",
        "''+1",
        "-5",
        "@",
        "\t",
        "a\r\nb",
        "\r",
        '"',
        '""',
        ";",
        " ; a ;",
        "true",
        "  ",
        "'",
        "海尔",
        "\u2028",
        "x" * 70,
    ]
)
CELL = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=20),
    st.text(st.characters(codec="utf-8"), max_size=8),
    TRICKY,
)
GENERATED_COLUMNS = ["org_id", "name", "kind", "local", "chains", "description"]
WILD_ROW = st.fixed_dictionaries(
    {
        "org_id": st.one_of(st.sampled_from(["A1", "A2", "A3"]), CELL),
        "name": CELL,
        "kind": st.one_of(st.sampled_from(ORG_KINDS), CELL),
        "local": st.one_of(st.sampled_from(["true", "false"]), CELL),
        "chains": CELL,
        "description": CELL,
    }
)
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1),
    TRICKY,
)
MOSTLY_VALID_ROW = st.fixed_dictionaries(
    {
        "name": TEXT,
        "kind": st.sampled_from(ORG_KINDS),
        "local": st.sampled_from(["true", "false", "", "Yes", "0"]),
        "chains": st.one_of(TEXT, CELL),
        "description": st.one_of(TEXT, CELL),
    }
)


@st.composite
def org_rows(draw, max_size: int = 4) -> list[dict]:
    """Rows that are mostly valid (unique ids, some formula-like) or entirely wild."""
    if draw(st.booleans()):
        return draw(st.lists(WILD_ROW, max_size=max_size))
    prefix = draw(st.sampled_from(["A", "=A", "-", "'=", " x ", "海", "'", "@@", "+"]))
    rows = draw(st.lists(MOSTLY_VALID_ROW, max_size=max_size))
    return [{"org_id": f"{prefix}{i}", **row} for i, row in enumerate(rows)]


def _expected_text(raw: str) -> str | None:
    """The documented reading of a text cell: line breaks as LF, one apostrophe unescaped."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return unescape_formula(text) if text.strip() else None


def _fresh_store() -> Store:
    store = Store("sqlite://")
    store.init()
    return store


def _check_import(path: Path, work: Path, rows: list[dict] | None = None) -> None:
    """Import ``path``: refused with Problems, or imported and round-tripping exactly."""
    store = _fresh_store()
    try:
        import_workspace(store, path)
    except ValidationError as exc:
        assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)
        assert store.counts() == dict.fromkeys(TABLES, 0)
        return
    if rows is not None:  # ids are unique (else refused), so each row is stored once
        wanted = {(_expected_text(r["name"]), _expected_text(r["description"])) for r in rows}
        stored = {(r["name"], r["description"]) for r in store.rows("organizations")}
        assert stored == wanted
    export_workspace(store, work / "e1")
    export_workspace(store, work / "w.xlsx")
    again, from_xlsx = _fresh_store(), _fresh_store()
    import_workspace(again, work / "e1")
    import_workspace(from_xlsx, work / "w.xlsx")
    export_workspace(again, work / "e2")
    export_workspace(from_xlsx, work / "e3")
    assert snapshot(work / "e1") == snapshot(work / "e2") == snapshot(work / "e3")


@HYPOTHESIS
@given(rows=org_rows())
def test_generated_rows_round_trip_or_are_refused(rows):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=GENERATED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write(Path(tmp) / "ws", {ORGS_AT: buf.getvalue()})
        _check_import(folder, Path(tmp), rows)


@HYPOTHESIS
@given(data=st.binary(max_size=300), items=st.binary(max_size=100))
def test_random_bytes_never_crash(data, items):
    with tempfile.TemporaryDirectory() as tmp:
        _check_import(write(Path(tmp) / "ws", {ORGS_AT: data, "items.csv": items}), Path(tmp))


@HYPOTHESIS
@given(
    header=st.sampled_from(["org_id,name,kind\n", "org_id,name,kind,local,chains\n", ""]),
    body=st.text(st.sampled_from(list(",;\"'\n\r\t =-@aé海\x00\x07")), max_size=120),
)
def test_random_csv_text_never_crashes(header, body):
    with tempfile.TemporaryDirectory() as tmp:
        _check_import(write(Path(tmp) / "ws", {ORGS_AT: header + body}), Path(tmp))


@HYPOTHESIS
@given(rows=org_rows(max_size=3))
def test_generated_workbooks_round_trip_or_are_refused(rows):
    unwritable = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl refuses these
    rows = [{k: unwritable.sub("", v) for k, v in row.items()} for row in rows]
    with tempfile.TemporaryDirectory() as tmp:
        sheet = [GENERATED_COLUMNS, *([row[c] for c in GENERATED_COLUMNS] for row in rows)]
        path = workbook(Path(tmp) / "ws.xlsx", {"organizations": sheet})
        _check_import(path, Path(tmp), rows)


# --- the format docs --------------------------------------------------------------------


def _doc_row(table: str, column: str) -> list[str] | None:
    text = DOC.read_text(encoding="utf-8")
    section = re.search(rf"^### `{table}`\n(.*?)(?=^#|\Z)", text, re.S | re.M)
    assert section, f"docs/data-format.md has no section ### `{table}`"
    row = re.search(rf"^\| `{re.escape(column)}` \|(.*)\|$", section.group(1), re.M)
    return [cell.strip() for cell in row.group(1).split("|")] if row else None


@pytest.mark.parametrize(
    "table, column",
    [(spec, col) for spec in TABLES.values() for col in spec.columns],
    ids=lambda v: getattr(v, "name", ""),
)
def test_every_column_is_documented(table, column):
    cells = _doc_row(table.name, column.name)
    assert cells, f"docs/data-format.md does not document {table.name}.{column.name}"
    kind, required, allowed, meaning = cells
    is_id = column.kind == "text" and (column.ref or column.name in table.key)
    assert kind == ("id" if is_id else column.kind)
    assert (required == "yes") == column.required
    for choice in column.choices:
        assert f"`{choice}`" in allowed
    if column.ref:
        assert allowed == f"reference to `{column.ref}`"
    assert meaning
