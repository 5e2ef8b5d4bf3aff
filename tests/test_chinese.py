"""Chinese end to end (issue 11): the chains table and segment ``name_zh`` in the workspace
format, the Chinese demo workspace, the global ``--lang`` and the app in 中文 mode."""

from __future__ import annotations

import csv
import re
from datetime import date

import openpyxl
import pytest
from conftest import Words
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.cli import events as cli_events
from matchmaker.demo.generate import DEMO_DIR, DEMO_DIRS, build, demo_dir, generate
from matchmaker.errors import DataError
from matchmaker.ingest.workspace import export_workspace, import_workspace
from matchmaker.schema import TABLES, shown_name
from matchmaker.store.database import Store
from matchmaker.views import browse as views
from tests.test_app import WORKSPACE, full_rows, open_page, texts

CJK = re.compile(r"[\u4e00-\u9fff]")

# --- the workspace format ---------------------------------------------------------------

CHAINS_CSV = (
    "chain_id,name,name_zh,description\n"
    "marine,Marine economy,海洋经济,\n"
    'nev,New-energy vehicles,新能源汽车,"Cells, packs and vehicles"\n'
)
SEGMENTS_CSV = (
    "segment_id,name,name_zh,chain,stage,description\n"
    "S_CELL,Battery cells,动力电芯,nev,midstream,\n"
    "S_LI,Lithium materials,,nev,upstream,\n"
)


def _folder(tmp_path, **files):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "organizations.csv").write_text("org_id,name,kind\nA1,Acme,company\n")
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_chains_and_segment_names_round_trip(sqlite_store, tmp_path):
    folder = _folder(tmp_path, chains=CHAINS_CSV, segments=SEGMENTS_CSV)
    added = import_workspace(sqlite_store, folder)
    assert added["chains"] == (2, 0) and added["segments"] == (2, 0)
    assert sqlite_store.get("chains", "nev")["name_zh"] == "新能源汽车"
    assert sqlite_store.get("segments", "S_LI")["name_zh"] is None
    export_workspace(sqlite_store, tmp_path / "out")
    assert (tmp_path / "out" / "chains.csv").read_text(encoding="utf-8") == CHAINS_CSV
    assert (tmp_path / "out" / "segments.csv").read_text(encoding="utf-8") == SEGMENTS_CSV
    assert all(c == (0, 0) for c in import_workspace(sqlite_store, tmp_path / "out").values())


def test_a_workspace_without_chains_imports_and_exports_an_empty_chains_file(
    sqlite_store, tmp_path
):
    folder = _folder(tmp_path, segments="segment_id,name,chain,stage\nS1,Cells,nev,midstream\n")
    assert import_workspace(sqlite_store, folder)["segments"] == (1, 0)
    export_workspace(sqlite_store, tmp_path / "out")
    assert (tmp_path / "out" / "chains.csv").read_text() == "chain_id,name,name_zh,description\n"
    # a chain no row names is still a chain, shown by its id
    assert views.chain_names(sqlite_store, "zh") == {"nev": "nev"}


def test_a_chain_row_without_a_name_is_refused_naming_file_row_and_column(sqlite_store, tmp_path):
    from matchmaker.errors import ValidationError

    folder = _folder(tmp_path, chains="chain_id,name,name_zh\nnev,,新能源汽车\n")
    with pytest.raises(ValidationError) as caught:
        import_workspace(sqlite_store, folder)
    assert any(
        p.file == "chains.csv" and p.row == 2 and p.column == "name" for p in caught.value.problems
    )


@pytest.mark.parametrize(
    "row, lang, shown",
    [
        ({"org_id": "A", "name": "Acme", "name_zh": "艾克米"}, "zh", "艾克米"),
        ({"org_id": "A", "name": "Acme", "name_zh": "艾克米"}, "en", "Acme"),
        ({"org_id": "A", "name": "Acme", "name_zh": "  "}, "zh", "Acme"),
        ({"org_id": "A", "name": "Acme", "name_zh": float("nan")}, "zh", "Acme"),
        ({"chain_id": "nev", "name": None}, "zh", "nev"),
    ],
)
def test_shown_name(row, lang, shown):
    assert shown_name(row, lang) == shown


# --- the Chinese demo workspace ----------------------------------------------------------


def test_the_chinese_demo_has_the_english_demos_ids_and_structure():
    en, en_show = build(lang="en")
    zh, zh_show = build(lang="zh")
    assert en_show == zh_show
    keys = {
        "organizations": ("org_id", "kind", "local", "tier", "chains"),
        "items": ("item_id", "org_id", "side", "type", "segment"),
        "relations": ("org_a", "org_b", "kind"),
        "participants": ("event_id", "org_id", "status"),
        "meetings": ("event_id", "org_a", "org_b", "slot", "table", "status"),
        "deals": ("deal_id", "org_a", "org_b", "stage", "event_id", "value_cny", "updated_at"),
        "events": ("event_id", "date", "chains", "capacity"),
        "segments": ("segment_id", "chain", "stage"),
        "chain_links": ("upstream", "downstream"),
        "chains": ("chain_id",),
    }
    for table, cols in keys.items():
        assert [tuple(str(r[c]) for c in cols) for r in en[table]] == [
            tuple(str(r[c]) for c in cols) for r in zh[table]
        ], table


def test_the_chinese_demo_is_written_in_chinese():
    tables, showcase = build(lang="zh")
    orgs = {o["org_id"]: o for o in tables["organizations"]}
    items = {i["item_id"]: i for i in tables["items"]}
    # every name, title and description a user reads holds Chinese
    for table, cols in {
        "organizations": ("name", "name_zh", "description", "region"),
        "items": ("title", "description"),
        "segments": ("name", "name_zh", "description"),
        "chains": ("name", "name_zh", "description"),
        "events": ("name", "venue"),
        "deals": ("title", "note"),
        "relations": ("source",),
    }.items():
        for row in tables[table]:
            for col in cols:
                assert CJK.search(str(row[col])), (table, col, row)
    companies = [o for o in orgs.values() if o["kind"] == "company"]
    assert all(o["name"].endswith("有限公司") for o in companies)
    assert orgs["C0001"]["name"] == "杭州达安压缩机科技有限公司"
    assert orgs["C0002"]["region"] == "海青市崂山区"
    assert items["I00002"]["title"] == "寻求高校合作开发无油压缩机技术"
    assert items[showcase["need"]]["title"] == "寻求电动自行车48V磷酸铁锂电池包BMS供应商"
    assert "BMS" in items[showcase["offer"]]["keywords"]
    # the English demo keeps English texts, with Chinese names beside them
    en, _ = build(lang="en")
    assert en["organizations"][0]["name"] == "Daan Compressor Technology Co., Ltd."
    segments = {s["segment_id"]: s for s in en["segments"]}
    assert segments["ai-app"]["name_zh"] == "智慧城市及企业AI解决方案"
    assert [c["name_zh"] for c in en["chains"]][:2] == ["智能家电", "新能源汽车"]


def test_committed_chinese_demo_is_the_generators_output(tmp_path):
    generate(tmp_path, lang="zh")
    for spec in TABLES.values():
        made = (tmp_path / spec.filename).read_bytes()
        assert made == (DEMO_DIRS["zh"] / spec.filename).read_bytes(), f"{spec.filename} differs"


def test_an_unknown_demo_language_is_refused():
    with pytest.raises(DataError, match="no demo workspace in 'fr'; use one of: en, zh"):
        demo_dir("fr")
    with pytest.raises(DataError, match="'fr'"):
        build(lang="fr")


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    store.init()
    yield url
    store.engine.dispose()


def test_demo_lang_zh_loads_the_chinese_demo(cli_db):
    run = CliRunner()
    res = run.invoke(app, ["--db", cli_db, "demo", "--lang", "zh"])
    assert res.exit_code == 0, res.output
    store = Store(cli_db)
    assert store.get("organizations", "C0001")["name"] == "杭州达安压缩机科技有限公司"
    assert store.count("chains") == 6
    assert store.get("segments", "home-comp")["name"] == "压缩机"
    # the same workspace in English updates the texts, adds nothing
    res = run.invoke(app, ["--db", cli_db, "demo"])
    assert res.exit_code == 0 and "0 rows added" in res.output
    assert store.get("organizations", "C0001")["name_zh"] == "杭州达安压缩机科技有限公司"
    assert store.get("segments", "home-comp")["name"] == "Compressors"
    bad = run.invoke(app, ["--db", cli_db, "demo", "--lang", "fr"])
    assert bad.exit_code == 2 and "no demo workspace in 'fr'" in bad.output
    store.engine.dispose()


def test_global_lang_picks_the_demo_and_a_bad_lang_exits_2(cli_db, monkeypatch):
    run = CliRunner()
    res = run.invoke(app, ["--db", cli_db, "--lang", "zh", "demo", "--if-empty"])
    assert res.exit_code == 0, res.output
    store = Store(cli_db)
    assert store.get("events", "EV2501")["name"] == "人工智能与新一代信息技术产业链供需对接会"
    store.engine.dispose()
    bad = run.invoke(app, ["--db", cli_db, "--lang", "fr", "demo"])
    assert bad.exit_code == 2 and "lang must be one of en, zh" in bad.output
    monkeypatch.setenv("MATCHMAKER_LANG", "de")
    bad = run.invoke(app, ["--db", cli_db, "demo"])
    assert bad.exit_code == 2 and "MATCHMAKER_LANG=de" in bad.output


@pytest.fixture
def zh_db(tmp_path):
    """The tiny app workspace with Chinese names for everything, plus an agenda to make."""
    url = f"sqlite:///{tmp_path / 'zh.db'}"
    store = Store(url)
    store.init()
    store.upsert(full_rows(ZH_WORKSPACE))
    yield store
    store.engine.dispose()


ZH_NAMES = {
    "organizations": {"C1": "港湾汽车", "C2": "内陆电芯", "C3": "海湾锂业", "U1": "海洋大学"},
    "segments": {"S_LI": "锂电材料", "S_CELL": "动力电芯", "S_BUS": "客车", "S_SHIP": "船舶"},
    "chains": {"nev": "新能源汽车", "marine": "海洋经济"},
}
ZH_WORKSPACE = {
    **WORKSPACE,
    "organizations": [
        {**o, "name_zh": ZH_NAMES["organizations"][o["org_id"]]} for o in WORKSPACE["organizations"]
    ],
    "segments": [
        {**s, "name_zh": ZH_NAMES["segments"][s["segment_id"]]} for s in WORKSPACE["segments"]
    ],
    "chains": [
        {"chain_id": "nev", "name": "New-energy vehicles", "name_zh": "新能源汽车"},
        {"chain_id": "marine", "name": "Marine economy", "name_zh": "海洋经济"},
    ],
    "participants": [
        {"event_id": "E1", "org_id": o, "status": "attended"} for o in ("C1", "C2", "C3")
    ],
}
ENGLISH = [
    *(o["name"] for o in WORKSPACE["organizations"]),
    *(s["name"] for s in WORKSPACE["segments"]),
    "New-energy vehicles",
    "Marine economy",
]


def _pairs(ids):
    ids = sorted(ids)
    return [(a, b, 1.0, "同一产业链上下游") for i, a in enumerate(ids) for b in ids[i + 1 :]]


def test_lang_zh_writes_chinese_names_headers_and_labels(zh_db, monkeypatch, tmp_path):
    monkeypatch.setattr(cli_events, "_pair_source", lambda store: _pairs)
    run = CliRunner()
    db = ["--db", zh_db.url, "--lang", "zh"]
    res = run.invoke(app, [*db, "schedule", "make", "E1", "--slots", "2", "--tables", "2",
                           "--out", str(tmp_path / "ag")])  # fmt: skip
    assert res.exit_code == 0, res.output
    by_org = list(csv.reader((tmp_path / "ag" / "agenda_by_org.csv").open(encoding="utf-8")))
    assert by_org[0] == [
        "org_id",
        "name",
        "slot",
        "table",
        "partner",
        "partner_name",
        "kind",
        "reason",
        "time",
    ]  # fmt: skip  (the machine-readable contract stays; the clock time is added last)
    assert {r[1] for r in by_org[1:]} == {"港湾汽车", "内陆电芯", "海湾锂业"}
    book = openpyxl.load_workbook(tmp_path / "ag" / "agenda.xlsx")
    assert [c.value for c in book["by_org"][1]][:3] == ["编号", "名称", "时段"]
    page = (tmp_path / "ag" / "agenda.html").read_text(encoding="utf-8")
    assert "<html lang='zh'>" in page and "NEV day：洽谈日程" in page
    assert "<th>洽谈对象</th><th>推荐理由</th>" in page and "桌次安排" in page
    assert not any(name in page for name in ENGLISH)

    res = run.invoke(app, [*db, "invite", "E1", "--capacity", "2", "--out",
                           str(tmp_path / "inv.xlsx")])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "港湾汽车" in res.output or "内陆电芯" in res.output
    sheet = openpyxl.load_workbook(tmp_path / "inv.xlsx")["invitees"]
    assert [c.value for c in sheet[1]] == ["序号", "编号", "名称", "理由"]

    res = run.invoke(app, [*db, "report", "export", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["漏斗", "转化", "按活动", "按产业链"]  # a workbook for people
    for sheet in book.worksheets:
        headers = [c.value for c in sheet[1] if c.value]
        assert headers and all(re.search(r"[\u4e00-\u9fff]", h) for h in headers), headers
    # in English: English sheet names and headers
    res = run.invoke(app, ["--db", zh_db.url, "report", "export", str(tmp_path / "e.xlsx")])
    book = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert book.sheetnames == ["Funnel", "Conversion", "By event", "By chain"]


# --- the app in 中文 ----------------------------------------------------------------------


def _everything_shown(at) -> str:
    """Every text, table cell and widget option the page shows."""
    parts = [texts(at)]
    for df in at.dataframe:
        parts.append(df.value.astype(str).to_csv(index=False))
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts += [str(o) for o in widget.options]
    for expander in at.expander:
        parts.append(str(expander.label))
    return "\n".join(parts)


@pytest.mark.parametrize(
    "page", ["overview", "organisations", "chain", "suggestions", "events", "agenda", "deals",
             "reports"],
)  # fmt: skip
def test_no_english_name_or_chain_id_in_chinese_mode(zh_db, monkeypatch, tmp_path, page):
    monkeypatch.setenv("MATCHMAKER_DB", zh_db.url)
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(
        "matchmaker.recommend.embed.load_embedder", lambda *a, **k: Words(64, "crc32")
    )
    at = open_page(page, lang="zh")
    shown = _everything_shown(at)
    # Every caption, the reason sentences of the suggestions included, is written in Chinese.
    english_captions = [
        c.value for c in at.caption if re.search("[A-Za-z]{3}", str(c.value))
        and not CJK.search(str(c.value))
    ]  # fmt: skip
    assert english_captions == [], (page, english_captions)
    if page == "suggestions":  # the reasons are there, and Chinese
        assert any("可为港湾汽车供应" in str(c.value) for c in at.caption), page
    for english in ENGLISH:
        assert english not in shown, (page, english)
    assert not re.search(r"(?<![\w-])(nev|marine)(?![\w-])", shown), page
    assert "港湾汽车" in shown or page in ("chain", "reports"), page


def test_chinese_names_in_the_organisation_table_and_profile(zh_db, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_DB", zh_db.url)
    found = views.organizations(zh_db, lang="zh")
    assert found.set_index("org_id").loc["C1", ["name", "chains"]].tolist() == [
        "港湾汽车",
        "新能源汽车",
    ]
    assert views.organizations(zh_db, lang="en").set_index("org_id").loc["C1", "name"] == (
        "Harbour Motors"
    )
    profile = views.org_profile(zh_db, "C1", "zh")
    assert profile.needs["segment"].tolist() == ["动力电芯"]
    assert profile.relations["name"].tolist() == ["内陆电芯"]
    assert views.segments(zh_db, "nev", "zh")["name"].tolist() == ["锂电材料", "动力电芯", "客车"]
    assert views.chain_names(zh_db, "zh") == {"marine": "海洋经济", "nev": "新能源汽车"}
    assert views.chain_names(zh_db, "en") == {
        "marine": "Marine economy",
        "nev": "New-energy vehicles",
    }
    assert date(2025, 5, 9) == zh_db.get("events", "E1")["date"]


def test_the_english_demo_folder_is_unchanged_by_the_chinese_one():
    assert DEMO_DIRS["en"] == DEMO_DIR and DEMO_DIRS["zh"].name == "demo_zh"


def test_migration_0006_adds_chains_and_segment_names_to_an_older_database(tmp_path):
    from alembic import command

    from matchmaker.store.database import _alembic_config

    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    with store.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0003")
        conn.exec_driver_sql(
            "INSERT INTO segments (segment_id, name, chain, stage) "
            "VALUES ('S1', 'Cells', 'nev', 'midstream')"
        )
    assert store.init() not in (None, "0003")  # 0006, or whatever comes after it
    assert store.get("segments", "S1")["name_zh"] is None
    store.upsert({"chains": [{"chain_id": "nev", "name": "NEV", "name_zh": "新能源汽车"}]})
    assert views.chain_names(store, "zh") == {"nev": "新能源汽车"}
    with store.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")
    assert store.revision() == "0003"
    store.engine.dispose()


def test_the_app_picks_the_workspace_model_as_the_command_line_does(zh_db, monkeypatch, tmp_path):
    """The app's recommender uses the model `matchmaker recommend` uses (for a mostly Chinese
    workspace: the one trained on it), chosen lazily: loaded only if a text is not cached."""
    monkeypatch.setenv("MATCHMAKER_DB", zh_db.url)
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    asked = []

    def select(store, progress=False, setting=None, lazy=False):
        asked.append((store.url, lazy))
        return Words(64, "crc32")

    monkeypatch.setattr("matchmaker.recommend.workspace_model.select_embedder", select)
    at = open_page("suggestions", lang="zh")
    assert asked == [(zh_db.url, True)]
    assert any("可为港湾汽车供应" in str(c.value) for c in at.caption)
