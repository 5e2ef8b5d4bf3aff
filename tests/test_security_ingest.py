"""Issue 13, items 6 and 11: zip bombs and oversized uploads are refused before they are
parsed, the problem list is bounded, two uploaded files with one name are refused."""

from __future__ import annotations

import random
import zipfile

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import DataError, Problem, ValidationError
from matchmaker.ingest import files
from matchmaker.ingest.uploads import import_files
from matchmaker.ingest.workspace import read_workspace

runner = CliRunner()
HEADER = "org_id,name,kind\n"


def _refused(path) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        read_workspace(path)
    return caught.value.problems


def _never_parse(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(files.openpyxl, "load_workbook", boom)


# --- item 6: decompression bombs ------------------------------------------------------


def test_a_small_workbook_that_unpacks_huge_is_refused_unparsed(tmp_path, monkeypatch):
    """The reported case, scaled down: a tiny file whose sheet unpacks over 1,000 to 1."""
    _never_parse(monkeypatch)
    with zipfile.ZipFile(tmp_path / "ws.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"<c>1</c>" * (2 * 2**20))  # 16 MB
    assert (tmp_path / "ws.xlsx").stat().st_size < 100_000
    (found,) = _refused(tmp_path / "ws.xlsx")
    assert found.message.startswith("unpacks to 16.0 MB from 0.0 MB; at most ")
    assert "(50 times the workbook's size, and 4 times MATCHMAKER_UPLOAD_LIMIT_MB)" in (
        found.message
    )


def test_one_part_compressed_too_much_is_refused(tmp_path, monkeypatch):
    _never_parse(monkeypatch)
    with zipfile.ZipFile(tmp_path / "ws.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"a" * (2 * 2**20))
        zf.writestr("padding.bin", bytes(range(256)) * 4000, zipfile.ZIP_STORED)  # 1 MB raw
    # together 3 MB from about 1 MB: the total passes, the one part does not
    (found,) = _refused(tmp_path / "ws.xlsx")
    assert found.message.startswith("part xl/worksheets/sheet1.xml is compressed ")
    assert found.message.endswith("to 1; at most 50 to 1 is accepted")


def test_the_unpacked_cap_follows_the_upload_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_UPLOAD_LIMIT_MB", "1")
    _never_parse(monkeypatch)
    rng = random.Random(0)
    with zipfile.ZipFile(tmp_path / "big.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(5):  # 5 MB unpacked from under 1 MB: each part only about 7 to 1
            data = bytes(rng.choice(b"ab") for _ in range(2**20))
            zf.writestr(f"xl/worksheets/sheet{n}.xml", data)
    assert (tmp_path / "big.xlsx").stat().st_size < 2**20
    (found,) = _refused(tmp_path / "big.xlsx")
    assert "at most 4.0 MB is accepted" in found.message


def test_the_limit_applies_to_the_files_of_an_import_together(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_UPLOAD_LIMIT_MB", "1")
    body = HEADER + "".join(f"O{n},Org {n},company\n" for n in range(30_000))  # ~0.7 MB
    (tmp_path / "organizations.csv").write_text(body)
    (tmp_path / "items.csv").write_text(body)
    (found,) = _refused(tmp_path)
    assert found.message.startswith("the files together are 1.")
    assert found.message.endswith(
        "the limit for one import is 1 MB (setting MATCHMAKER_UPLOAD_LIMIT_MB)"
    )
    with pytest.raises(DataError, match=r"the 2 files together are 1\.\d MB; the limit for one"):
        import_files(None, [("organizations.csv", body.encode()), ("items.csv", body.encode())])


def test_the_cli_prints_the_first_200_problems_and_the_count(tmp_path):
    rows = "".join(f"O{n},,company\n" for n in range(500))  # 500 missing names
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "organizations.csv").write_text(HEADER + rows)
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    assert runner.invoke(app, [*db, "init"]).exit_code == 0
    res = runner.invoke(app, [*db, "import", str(tmp_path / "ws")])
    assert res.exit_code == 2
    lines = res.output.splitlines()
    assert lines[0] == "organizations.csv:2:name: is required but empty"
    assert lines[199] == "organizations.csv:201:name: is required but empty"
    assert lines[200:] == [
        "... and 300 more problems",
        "refused: 500 problem(s); nothing was written",
    ]


def test_the_app_lists_the_first_200_problems_and_the_count():
    from streamlit.testing.v1 import AppTest

    def page():
        from app_pages import ui
        from matchmaker.errors import Problem, ValidationError

        with ui.core_errors():
            raise ValidationError([Problem("items.csv", n, "side", "bad") for n in range(2, 252)])

    at = AppTest.from_function(page, default_timeout=30)
    at.session_state["app_lang"] = "en"
    at.run()
    assert at.error[0].value.startswith("Import refused: 250 problem(s).")
    assert at.dataframe[0].value.shape[0] == 200
    assert at.caption[0].value == "The first 200 problems are listed; there are 50 more."


# --- item 11: two uploaded files with one name ----------------------------------------


def test_two_uploaded_files_with_the_same_name_are_refused():
    a = (HEADER + "A,Acme,company\n").encode()
    b = (HEADER + "B,Beta,company\n").encode()
    with pytest.raises(DataError) as caught:
        import_files(None, [("one/organizations.csv", a), ("two/organizations.csv", b)])
    assert str(caught.value) == (
        "two uploaded files are named organizations.csv: one/organizations.csv and "
        "two/organizations.csv; upload each table once"
    )


def test_many_problems_are_counted_not_kept():
    """Every row wrong: the error counts them all but keeps only the first 200."""
    from matchmaker.errors import Problems

    found = Problems()
    for row in range(100_000, 0, -1):  # found in any order, kept in row order
        found.append(Problem("organizations.csv", row + 1, "name", "is required but empty"))
    exc = found.error()
    assert (exc.total, len(exc.problems), exc.more) == (100_000, 200, 99_800)
    assert [p.row for p in exc.shown] == list(range(2, 202))
    assert len(found._kept) < 4 * 200  # never more than a few hundred held


def test_an_import_with_every_row_wrong_lists_200_and_counts_all(tmp_path):
    rows = "".join(f"O{n},,company\n" for n in range(5_000))
    (tmp_path / "organizations.csv").write_text(HEADER + rows)
    with pytest.raises(ValidationError) as caught:
        read_workspace(tmp_path)
    exc = caught.value
    assert (exc.total, len(exc.problems), exc.more) == (5_000, 200, 4_800)
    assert str(exc.problems[0]) == "organizations.csv:2:name: is required but empty"
    assert str(exc.problems[-1]) == "organizations.csv:201:name: is required but empty"


def test_a_sheet_of_formulas_stops_being_read(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(files, "MAX_CELL_PROBLEMS", 10)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "organizations"
    ws.append(["org_id", "name", "kind"])
    for n in range(100):
        ws.append([f"O{n}", "=1+1", "=2+2"])
    book.save(tmp_path / "ws.xlsx")
    problems = _refused(tmp_path / "ws.xlsx")
    formula = "holds a formula; paste plain values instead"
    assert problems == [
        *(Problem("organizations", row, col, formula) for row in range(2, 7)
          for col in ("kind", "name")),
        Problem("organizations", 7, "-", "not read beyond row 7: more than 10 formula or "
                "error cells; paste plain values instead"),
    ]  # fmt: skip
