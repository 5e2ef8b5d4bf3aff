"""The Streamlit app, page by page, with streamlit.testing.v1.AppTest on a tiny workspace."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from conftest import Words
from streamlit.testing.v1 import AppTest

from app_pages import registry
from matchmaker.errors import AuthError
from matchmaker.schema import TABLES
from matchmaker.store import accounts as auth
from matchmaker.store.database import Store
from matchmaker.views import browse as views
from matchmaker.views.i18n import LABELS, VALUES, t

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 30
ORGANISER, PASSWORD = "li.wei", "a long organiser password"

WORKSPACE = {
    "organizations": [
        {
            "org_id": "C1",
            "name": "Harbour Motors",
            "kind": "company",
            "name_zh": "港湾汽车",
            "local": True,
            "tier": "leader",
            "chains": ("nev",),
            "region": "Qingdao",
            "description": "Builds electric buses.",
        },
        {
            "org_id": "C2",
            "name": "Inland Cells",
            "kind": "company",
            "local": False,
            "tier": "gazelle",
            "chains": ("nev",),
            "region": "Hefei",
        },
        {
            "org_id": "C3",
            "name": "Bay Lithium",
            "kind": "company",
            "local": True,
            "tier": "little_giant",
            "chains": ("nev",),
        },
        {
            "org_id": "U1",
            "name": "Ocean University",
            "kind": "university",
            "local": True,
            "chains": ("nev", "marine"),
        },
    ],
    "segments": [
        {"segment_id": "S_LI", "name": "Lithium materials", "chain": "nev", "stage": "upstream"},
        {"segment_id": "S_CELL", "name": "Battery cells", "chain": "nev", "stage": "midstream"},
        {"segment_id": "S_BUS", "name": "Buses", "chain": "nev", "stage": "downstream"},
        {"segment_id": "S_SHIP", "name": "Ships", "chain": "marine", "stage": "downstream"},
    ],
    "chain_links": [
        {"upstream": "S_LI", "downstream": "S_CELL"},
        {"upstream": "S_CELL", "downstream": "S_BUS"},
    ],
    "items": [
        {
            "item_id": "I1",
            "org_id": "C3",
            "side": "offer",
            "type": "product",
            "title": "Battery-grade lithium carbonate",
            "segment": "S_LI",
        },
        {
            "item_id": "I2",
            "org_id": "C2",
            "side": "offer",
            "type": "product",
            "title": "LFP battery cells",
            "segment": "S_CELL",
        },
        {
            "item_id": "I3",
            "org_id": "C1",
            "side": "need",
            "type": "product",
            "title": "Battery packs for city buses",
            "segment": "S_CELL",
        },
        {
            "item_id": "I4",
            "org_id": "C1",
            "side": "offer",
            "type": "product",
            "title": "Electric city buses",
            "segment": "S_BUS",
        },
    ],
    "relations": [{"org_a": "C2", "org_b": "C1", "kind": "supplier_of", "source": "survey"}],
    "events": [{"event_id": "E1", "name": "NEV day", "date": date(2025, 5, 9), "chains": ("nev",)}],
    "participants": [
        {"event_id": "E1", "org_id": "C1", "status": "attended"},
        {"event_id": "E1", "org_id": "C2", "status": "attended"},
    ],
    "deals": [
        {
            "deal_id": "D1",
            "org_a": "C2",
            "org_b": "C1",
            "stage": "intent",
            "event_id": "E1",
            "title": "Cells for buses",
        }
    ],
}


@pytest.fixture
def tiny_db(tmp_path, monkeypatch) -> Store:
    """A temporary SQLite database with the tiny workspace; the app reads it via MATCHMAKER_DB."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    store = Store(url)
    store.init()
    store.upsert(full_rows(WORKSPACE))
    monkeypatch.setenv("MATCHMAKER_DB", url)
    monkeypatch.setenv("MATCHMAKER_LANG", "en")
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(
        "matchmaker.recommend.embed.load_embedder", lambda *a, **k: Words(64, "crc32")
    )
    yield store
    store.engine.dispose()


def full_rows(workspace: dict) -> dict:
    """Every row with every column of its table (missing ones None), as the store expects."""
    return {
        name: [{c: row.get(c) for c in TABLES[name].column_names} for row in rows]
        for name, rows in workspace.items()
    }


def organiser_session():
    """A session of the organiser account (created in the app's database when missing)."""
    store = Store()
    if store.revision() is not None and not auth.list_users(store):
        auth.create_user(store, ORGANISER, PASSWORD, "organiser", actor="setup")
    try:
        return auth.sign_in(store, ORGANISER, PASSWORD)
    except AuthError:
        return None
    finally:
        store.engine.dispose()


def open_page(page: str | None = None, lang: str = "en") -> AppTest:
    """The app signed in as the organiser (a session as the sign-in page makes it)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["app_lang"] = lang
    at.session_state["auth_session"] = organiser_session()
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def frame(at: AppTest, *columns: str):
    """The first table on the page that has all these column headers."""
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table with columns {columns}")


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader)]
    parts += [str(m.value) for m in at.metric]
    return "\n".join(str(p) for p in parts)


# --- i18n ------------------------------------------------------------------------------


def test_every_label_has_both_languages():
    for key, (en, zh) in {**LABELS, **VALUES}.items():
        assert en.strip() and zh.strip(), key
        assert sorted(re.findall(r"{\w+}", en)) == sorted(re.findall(r"{\w+}", zh)), key


def test_every_label_used_by_the_app_exists():
    sources = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    used = set()
    for path in sources:
        used |= set(re.findall(r"""tr\(\s*["']([\w.]+)["']""", path.read_text()))
    assert used, "no labels found"
    assert sorted(used - set(LABELS)) == []


def test_labels_built_from_values_exist():
    from app_pages.charts import BREAKDOWN_BARS
    from matchmaker.events.service import REQUEST_KINDS
    from matchmaker.followup.report import RATE_STEPS
    from matchmaker.recommend.explain import DIRECTIONS
    from matchmaker.schema import TABLES

    keys = [f"suggest.dir.{d}" for d in DIRECTIONS]
    keys += [f"report.step.{s}" for s in RATE_STEPS]
    keys += [f"report.bar.{b}" for b in BREAKDOWN_BARS]
    keys += [f"ag.kind.{k}" for k in REQUEST_KINDS]
    keys += [f"report.scope.{s}" for s in ("all", "event", "chain")]
    keys += [f"report.by.{b}" for b in ("event", "chain")]
    keys += [f"report.col.{c}" for c in ("step", "organisations", "rate", "overall")]
    keys += [f"io.format.{f}" for f in ("xlsx", "zip")]
    assert [k for k in keys if k not in LABELS] == []
    for spec in TABLES.values():
        for column in spec.columns:
            assert column.choices == () or all(v in VALUES for v in column.choices), column


# --- shell and organisations -------------------------------------------------------------


STAFF_PAGES = [p for p in registry.PAGES if "organiser" in p.roles]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_renders_in_both_languages(tiny_db, lang):
    for page in STAFF_PAGES:  # open_page switches through the navigation: unknown pages raise
        at = open_page(None if page.name == "overview" else page.name, lang=lang)
        assert not at.exception and not at.error, (page, [e.value for e in at.error])
        heading = re.search(r'st\.title\(ui\.tr\("([\w.]+)"\)\)', (ROOT / page.path).read_text())
        assert at.title[0].value == t(heading.group(1), lang), page
    assert [p.name for p in STAFF_PAGES][:3] == ["overview", "organisations", "my_org"]
    assert t("overview.title", "zh") == "总览"  # a hand-checked title


def test_every_page_file_is_registered_once():
    files = {p.stem for p in (ROOT / "app_pages").glob("*.py")}
    helpers = {"__init__", "ui", "charts", "registry"}
    names = [p.name for p in registry.PAGES] + [registry.SIGN_IN.name]
    assert sorted(names) == sorted(files - helpers)


def test_the_organiser_cannot_reach_a_page_outside_its_navigation(tiny_db):
    at = open_page()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/accounts.py")


def test_organisations_page_counts(tiny_db):
    at = open_page("organisations")
    assert at.title[0].value == "Organisations"
    assert [r.value for r in at.sidebar.radio] == ["en"]
    assert at.metric[0].value == "4"
    assert "4 organisations match" in texts(at)


def test_a_long_organisation_list_shows_its_first_rows(tiny_db, monkeypatch):
    """A registry-size list is not sent to the browser on every click: the table and the
    profile picker list the first ui.SHOWN_ROWS; the count and "add these" keep them all."""
    monkeypatch.setattr("app_pages.ui.SHOWN_ROWS", 2)
    at = open_page("organisations")
    assert "4 organisations match" in texts(at)
    assert "Showing the first 2 of them" in texts(at)
    assert len(at.dataframe[0].value) == 2
    assert len(at.selectbox(key="org_pick").options) == 2
    assert at.button(key="org_add_these").label == "Add these 4 as invited"


def test_organisation_filters_and_profile(tiny_db):
    at = open_page("organisations")
    at.radio(key="org_local@en").set_value(False).run()
    assert "1 organisations match" in texts(at)
    assert at.selectbox(key="org_pick").options == ["Inland Cells (C2)"]
    at.radio(key="org_local@en").set_value(None).run()
    at.multiselect(key="org_tiers@en").set_value(["leader", "little_giant"]).run()
    assert "2 organisations match" in texts(at)
    at.selectbox(key="org_segment@en").set_value("S_LI").run()
    assert at.selectbox(key="org_pick").options == ["Bay Lithium (C3)"]
    at.multiselect(key="org_tiers@en").set_value([]).run()
    at.selectbox(key="org_segment@en").set_value(None).run()
    at.text_input(key="org_query").set_value("harbour").run()
    assert at.selectbox(key="org_pick").value == "C1"
    page = texts(at)
    assert "Harbour Motors · 港湾汽车" in page
    tab_labels = [tab.label for tab in at.tabs]
    assert "Offers (1)" in tab_labels and "Needs (1)" in tab_labels
    assert "Relations (1)" in tab_labels and "Events (1)" in tab_labels
    assert "Deals (1)" in tab_labels
    relations = frame(at, "Relation")
    assert relations.iloc[0]["Relation"] == "supplied by"


def test_organisations_page_in_chinese(tiny_db):
    at = open_page("organisations", lang="zh")
    assert at.title[0].value == "机构"
    assert "共 4 家机构符合条件" in texts(at)
    assert "小巨人" in at.multiselect(key="org_tiers@zh").options


def test_errors_are_messages_never_tracebacks(tiny_db, monkeypatch):
    from matchmaker.errors import StoreError

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("matchmaker.views.browse.chain_map", broken)
    at = open_page("chain")
    assert not at.exception
    assert "Something went wrong (RuntimeError: disk on fire)" in at.error[0].value

    def refused(*args, **kwargs):
        raise StoreError("the database is read-only")

    monkeypatch.setattr("matchmaker.views.browse.organizations", refused)
    at = open_page("organisations")
    assert not at.exception
    assert at.error[0].value == "Error: the database is read\\-only"  # markdown-escaped


def test_uninitialised_database_shows_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_DB", f"sqlite:///{tmp_path / 'none.db'}")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "matchmaker init" in at.error[0].value


def test_overview_is_the_first_page_with_kpis_and_stale_follow_ups(tiny_db):
    at = open_page()
    assert at.title[0].value == "Overview"
    kpis = {m.label: m.value for m in at.metric}
    assert kpis == {
        "Events": "1",
        "Attended": "2",
        "Outside share": "50%",
        "Deals: intent": "1",
        "Deals: in progress": "0",
        "Deals: signed": "0",
    }
    assert "Stale follow-ups (1)" in texts(at)
    assert frame(at, "Deal", "Parties")["Deal"].tolist() == ["D1"]
    assert len(at.get("plotly_chart")) == 1


def test_empty_workspace_offers_the_demo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    Store(url).init()
    monkeypatch.setenv("MATCHMAKER_DB", url)
    at = open_page()
    assert "workspace is empty" in at.info[0].value
    at.button(key="overview_demo").click().run()
    assert not at.exception and not at.error
    assert Store(url).count("organizations") >= 600
    assert at.success[0].value.startswith("Demo workspace loaded:")
    assert at.title[0].value == "Overview" and len(at.metric) == 6


def test_language_switch_translates_the_shell(tiny_db):
    at = open_page()
    at.sidebar.radio[0].set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "总览"
    assert "市外占比" in [m.label for m in at.metric]


def test_choices_survive_a_language_switch(tiny_db):
    at = open_page("organisations")
    at.radio(key="org_local@en").set_value(False).run()
    at.multiselect(key="org_tiers@en").set_value(["gazelle"]).run()
    at.sidebar.radio[0].set_value("zh").run()
    assert not at.exception
    assert at.radio(key="org_local@zh").value is False
    assert at.radio(key="org_local@zh").options == ["（全部）", "本地（市内）", "市外"]
    assert at.multiselect(key="org_tiers@zh").value == ["gazelle"]
    assert "共 1 家机构符合条件" in texts(at)


# --- suggestions -------------------------------------------------------------------------


def test_suggestions_with_reasons_and_mark_interest(tiny_db):
    at = open_page("suggestions")
    at.selectbox(key="sug_org").set_value("C1").run()
    at.radio(key="sug_direction@en").set_value("suppliers").run()
    assert not at.exception and not at.error
    cards = [e.value for e in at.markdown if e.value.startswith("**")]
    assert sorted(c.split(". ", 1)[1] for c in cards) == [  # order: the fake embedder's scores
        "Bay Lithium** (C3) · company",
        "Inland Cells** (C2) · company",
    ]
    page = texts(at)
    assert "Matched: offer “LFP battery cells” ↔ need “Battery packs for city buses”" in page
    assert "Chain path: Lithium materials → Battery cells" in page
    assert "Already work together (down-weighted for novelty)" in page
    assert any("Bay Lithium can supply Harbour Motors" in c.value for c in at.caption)
    assert at.download_button(key="sug_csv") and at.download_button(key="sug_xlsx")
    assert at.button(key="sug_interest_C2").disabled  # D1 already links C1 and C2
    # "Mark interest" asks first: nothing is recorded until confirmed
    at.button(key="sug_interest_C3").click().run()
    assert [w.value for w in at.warning] == [
        "Record an intent (a new deal in the pipeline) with Bay Lithium?"
    ]
    assert tiny_db.count("deals") == 1
    at.button(key="sug_no_C3").click().run()
    assert tiny_db.count("deals") == 1 and not at.warning
    at.button(key="sug_interest_C3").click().run()
    at.button(key="sug_yes_C3").click().run()
    assert not at.exception and not at.error
    assert at.button(key="sug_interest_C3").disabled
    assert [x.value for x in at.success] == ["Interest recorded as intent D2 with Bay Lithium"]
    deal = tiny_db.get("deals", "D2")
    assert (deal["org_a"], deal["org_b"], deal["stage"]) == ("C1", "C3", "intent")
    assert tiny_db.rows("deal_events", deal_id="D2")[0]["suggestion"]
    # ... and can be undone
    at.button(key="sug_undo_button").click().run()
    assert not at.exception and not at.error
    assert tiny_db.count("deals") == 1 and not at.button(key="sug_interest_C3").disabled
    assert [x.value for x in at.success] == ["Intent D2 withdrawn"]


def test_suggestions_hide_weak_matches_and_speak_the_readers_language(tiny_db):
    # C4's lithium hydroxide is an input of the cells C1 needs: one chain step up, no
    # words in common with "Battery packs for city buses": a weak match, hidden.
    weak_co = {"org_id": "C4", "name": "Weak Co", "kind": "company"}
    item = {"item_id": "I9", "org_id": "C4", "side": "offer", "type": "product"}
    item.update(title="Lithium hydroxide", segment="S_LI")
    tiny_db.upsert(full_rows({"organizations": [weak_co], "items": [item]}))
    at = open_page("suggestions")
    at.selectbox(key="sug_org").set_value("C1").run()
    at.radio(key="sug_direction@en").set_value("suppliers").run()
    cards = [e.value for e in at.markdown if e.value.startswith("**")]
    assert len(cards) == 2
    assert "2 partners pass; 1 weaker ones hidden." in [i.value for i in at.info]
    at.toggle(key="sug_weak@en").set_value(True).run()
    assert not at.exception and not at.error
    cards = [e.value for e in at.markdown if e.value.startswith("**")]
    assert cards[-1] == "**3. Weak Co** (C4) · company"
    at = open_page("suggestions", lang="zh")  # C1 and "suppliers" are the first choices
    assert (at.selectbox(key="sug_org").value, at.radio(key="sug_direction@zh").value) == (
        "C1",
        "suppliers",
    )
    assert not at.exception and not at.error
    assert any(c.value.startswith("Bay Lithium可为港湾汽车供应") for c in at.caption)


# --- reports -----------------------------------------------------------------------------


def test_reports_page_funnel_breakdown_and_workbook(tiny_db):
    at = open_page("reports")
    kpis = {m.label: m.value for m in at.metric}
    assert kpis["Attended"] == "2" and kpis["From outside"] == "1"
    conversion = frame(at, "Step", "Organisations")
    assert conversion["Organisations"].tolist() == [2, 0, 2, 0, 0]
    assert len(at.get("plotly_chart")) == 3
    at.radio(key="report_by@en").set_value("chain").run()
    assert frame(at, "Chain", "Attended (organisations)")["Chain"].tolist() == ["nev"]
    at.radio(key="report_scope@en").set_value("event").run()
    assert at.selectbox(key="report_event").value == "E1"
    at.button(key="report_prepare").click().run()
    assert not at.exception
    assert at.download_button(key="report_download")


# --- industry chain ----------------------------------------------------------------------


def test_chain_page_shows_the_gaps(tiny_db):
    at = open_page("chain")
    assert at.selectbox(key="chain_pick").options == ["marine", "nev"]
    at.selectbox(key="chain_pick").set_value("nev").run()
    assert not at.exception
    assert "Gaps: segments with no local supplier (1)" in texts(at)
    gaps = frame(at, "Segment", "Local suppliers")
    assert gaps["Segment"].tolist() == ["S_CELL"]
    assert len(at.get("plotly_chart")) == 1


def test_chain_map_positions_and_links(tiny_db):
    chain = views.chain_map(tiny_db, "nev")
    assert chain.nodes[["segment_id", "x", "y", "suppliers", "gap"]].values.tolist() == [
        ["S_LI", 0, 0, 1, False],
        ["S_CELL", 1, 0, 1, True],
        ["S_BUS", 2, 0, 1, False],
    ]
    assert chain.links == [("S_CELL", "S_BUS"), ("S_LI", "S_CELL")]


# --- import / export ---------------------------------------------------------------------


def test_import_refuses_a_broken_file_and_writes_nothing(tiny_db):
    before = tiny_db.counts()
    at = open_page("import_export")
    broken = b"org_id,name,kind\nC9,New Co,spaceship\nC10,,company\n"
    at.file_uploader(key="io_files").set_value(("organizations.csv", broken, "text/csv"))
    at.button(key="io_run").click().run()
    assert not at.exception
    assert "Nothing was written" in at.error[0].value
    problems = frame(at, "Problem")
    assert set(problems.columns) == {"File", "Row", "Column", "Problem"}
    assert problems["Row"].tolist() == [2, 3]
    assert tiny_db.counts() == before


def test_import_adds_rows_and_export_downloads(tiny_db):
    at = open_page("import_export")
    good = b"org_id,name,kind\nC9,New Co,company\n"
    at.file_uploader(key="io_files").set_value(("organizations.csv", good, "text/csv"))
    at.button(key="io_run").click().run()
    assert not at.exception
    assert not at.error
    assert tiny_db.get("organizations", "C9")["name"] == "New Co"
    at.button(key="io_prepare").click().run()
    assert at.download_button(key="io_download").label.endswith(".xlsx")


def test_import_rejects_unknown_file_names(tiny_db):
    at = open_page("import_export")
    at.file_uploader(key="io_files").set_value(("people.csv", b"a,b\n1,2\n", "text/csv"))
    at.button(key="io_run").click().run()
    assert "not a workspace file: people.csv" in at.error[0].value.replace("\\", "")


# --- deals -------------------------------------------------------------------------------


def test_deal_board_and_advance_grows_the_history(tiny_db):
    from matchmaker.followup import deals

    deals.add_deal(tiny_db, "C3", "C2", actor="seed", title="Lithium for cells")
    at = open_page("deals")
    assert [m.label for m in at.metric] == ["intent", "in progress", "signed", "dropped"]
    assert [m.value for m in at.metric] == ["2", "0", "0", "0"]
    at.selectbox(key="deals_pick@en").set_value("D2").run()
    assert len(frame(at, "By", "To")) == 1
    at.text_input(key="deals_note_D2_1").set_value("samples approved").run()
    at.button(key="deals_advance").click().run()
    assert not at.exception and not at.error
    assert "Deal D2 is now in progress." in [s.value for s in at.success]
    # the note is shown, and the note field starts empty for the next change
    assert "Note: samples approved" in [i.value for i in at.info]
    assert at.text_input(key="deals_note_D2_2").value == ""
    history = frame(at, "By", "To")
    assert history["By"].tolist() == ["seed", ORGANISER]  # the signed-in user
    assert history["To"].tolist() == ["intent", "in progress"]
    assert [m.value for m in at.metric] == ["1", "1", "0", "0"]
    at.button(key="deals_advance").click().run()
    assert tiny_db.get("deals", "D2")["stage"] == "signed"
    assert any("This deal is closed" in i.value for i in at.info)
    assert len(frame(at, "By", "To")) == 3


def test_deal_without_history_is_stale_and_a_conflict_is_a_message(tiny_db):
    at = open_page("deals")
    at.toggle(key="deals_stale").set_value(True).run()
    assert at.selectbox(key="deals_pick@en").options[0].startswith("D1")
    assert "Stale" in at.warning[0].value
    tiny_db.update("deals", ("D1",), {"note": "changed elsewhere"})
    at.button(key="deals_advance").click().run()
    assert not at.exception
    assert "changed by someone else" in at.error[0].value
    assert tiny_db.get("deals", "D1")["stage"] == "intent"


def test_record_a_new_deal(tiny_db):
    at = open_page("deals")
    at.selectbox(key="deals_new_a").set_value("C3")
    at.selectbox(key="deals_new_b").set_value("C1")
    at.text_input(key="deals_new_title").set_value("Lithium supply")
    at.button(key="deals_create").click().run()
    assert not at.exception and not at.error
    assert tiny_db.get("deals", "D2")["title"] == "Lithium supply"


# --- events ------------------------------------------------------------------------------


def test_create_event_build_list_with_outside_quota_and_save(tiny_db):
    at = open_page("events")
    at.text_input(key="ev_new_name").set_value("NEV supply day")
    at.multiselect(key="ev_new_chains").set_value(["nev"])
    at.number_input(key="ev_new_capacity").set_value(2)
    at.button(key="ev_create").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="ev_event").value == "EV0001"
    assert tiny_db.get("events", "EV0001")["chains"] == ("nev",)

    at.slider(key="ev_min_outside").set_value(0.5)
    at.slider(key="ev_min_new").set_value(0.0)
    at.button(key="ev_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    chosen = frame(at, "#", "Why")
    assert len(chosen) == 2 and "C2" in chosen["Id"].tolist()  # C2: the only outside org
    assert "Re-invite last time's attendees (E1)" in texts(at)
    assert frame(at, "Id", "First time")["Id"].tolist()  # the habit list is shown
    assert "From outside the city: 50% (quota 50%)" in [s.value for s in at.success]
    at.button(key="ev_save").click().run()
    assert not at.exception and not at.error
    invited = tiny_db.rows("participants", event_id="EV0001")
    assert sorted(p["org_id"] for p in invited) == sorted(chosen["Id"])
    assert {p["status"] for p in invited} == {"invited"}


def test_quota_no_list_can_meet_is_a_message(tiny_db):
    at = open_page("events")
    at.selectbox(key="ev_event").set_value("E1").run()
    at.number_input(key="ev_capacity_E1").set_value(3)
    at.slider(key="ev_min_outside").set_value(1.0)
    at.button(key="ev_run").click().run()
    assert not at.exception
    shown = at.error[0].value.replace("\\", "")  # the message is markdown-escaped
    assert "min_outside" in shown and "short by 2" in shown


# --- agenda ------------------------------------------------------------------------------


def test_request_then_schedule_view_and_save_the_agenda(tiny_db):
    at = open_page("suggestions")
    at.selectbox(key="sug_org").set_value("C1").run()
    at.radio(key="sug_direction@en").set_value("suppliers").run()
    assert at.button(key="sug_request_C3").disabled  # no event chosen yet
    at.selectbox(key="sug_event").set_value("E1").run()
    at.button(key="sug_request_C2").click().run()
    assert not at.exception and not at.error
    request = tiny_db.rows("meeting_requests", event_id="E1")
    assert [(r["org_id"], r["other_id"], r["kind"]) for r in request] == [("C1", "C2", "meet")]

    at.switch_page("app_pages/agenda.py").run()
    at.selectbox(key="ag_event").set_value("E1").run()
    assert frame(at, "Whom", "Kind")["Whom"].tolist() == ["C2"]
    at.multiselect(key="ag_statuses@en").set_value(["attended"])
    at.number_input(key="ag_slots").set_value(2)
    at.number_input(key="ag_tables").set_value(1)
    at.button(key="ag_run").click().run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Meetings"] == "1" and metrics["Attendees"] == "2"
    mine = frame(at, "Slot", "Partner name")
    assert mine[["Slot", "Table", "Partner name", "Kind"]].values.tolist() == [
        [1, "T01", "Inland Cells", "requested"]
    ]
    grid = frame(at, "Slot", "T01")
    assert grid["T01"].tolist() == ["Harbour Motors & Inland Cells"]
    assert at.download_button(key="ag_xlsx") and at.download_button(key="ag_html")
    at.button(key="ag_save").click().run()
    assert not at.exception and not at.error
    saved = tiny_db.rows("meetings", event_id="E1")
    assert [(m["org_a"], m["org_b"], m["slot"], m["status"]) for m in saved] == [
        ("C1", "C2", 1, "proposed")
    ]
    on_record = frame(at, "Slot", "Status")
    assert on_record[["First", "Second", "Status"]].values.tolist() == [["C1", "C2", "proposed"]]
