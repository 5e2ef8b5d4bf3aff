"""Issue 13, item 8: user text shown through markdown is escaped on every page.

Every free-text field of the tiny app workspace (names, regions, websites, descriptions,
titles, event and segment names) is replaced by a markdown link, an image and markup; every
page is walked, signed in as the organiser and as the admin, and no element that renders
markdown may hold the link or the image unescaped.
"""

from __future__ import annotations

import copy

import pytest
from conftest import Words
from streamlit.testing.v1 import AppTest

from app_pages import registry
from matchmaker.store import accounts as auth
from matchmaker.store.database import Store
from tests.test_app import APP, TIMEOUT, WORKSPACE, full_rows

HOSTILE = "[click me](http://evil.test/x) ![t](http://evil.test/t.png) **b** _i_ <b>h</b>"
LIVE = ("[click me](", "![t](")
TEXT_FIELDS = {
    "organizations": ("name", "name_zh", "region", "website", "description"),
    "segments": ("name",),
    "items": ("title",),
    "events": ("name",),
    "deals": ("title", "note"),
    "relations": ("source",),
}
PW = "markdown-test-pass-1"
PAGES = tuple(p.name for p in registry.PAGES)


def hostile_workspace() -> dict:
    ws = copy.deepcopy(WORKSPACE)
    for table, columns in TEXT_FIELDS.items():
        for n, row in enumerate(ws.get(table, [])):
            for col in columns:
                row[col] = f"{HOSTILE} {table}{n}"
    return ws


@pytest.fixture
def hostile_db(tmp_path, monkeypatch) -> Store:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    store = Store(url)
    store.init()
    store.upsert(full_rows(hostile_workspace()))
    auth.create_user(store, "olga", PW, "organiser", actor="setup")
    auth.create_user(store, "adam", PW, "admin", actor="setup")
    monkeypatch.setenv("MATCHMAKER_DB", url)
    monkeypatch.setenv("MATCHMAKER_LANG", "en")
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(
        "matchmaker.recommend.embed.load_embedder", lambda *a, **k: Words(64, "crc32")
    )
    yield store
    store.engine.dispose()


TEXT_ELEMENTS = (
    "markdown", "caption", "title", "header", "subheader", "success", "info", "warning",
    "error", "toast",
)  # fmt: skip
LABELLED = (
    "metric", "expander", "tab", "button", "checkbox", "radio", "selectbox", "multiselect",
    "text_input", "text_area", "number_input", "date_input",
)  # fmt: skip


def markdown_texts(at: AppTest) -> list[str]:
    """Every string the page renders as markdown: text elements, alerts, labels."""
    out = []
    for kind in TEXT_ELEMENTS:
        out += [str(e.value) for e in at.get(kind)]
    for kind in LABELLED:
        out += [str(getattr(e, "label", "")) for e in at.get(kind)]
    return out


def live_markup(at: AppTest) -> list[str]:
    return [t for t in markdown_texts(at) if any(live in t for live in LIVE)]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_renders_user_text_as_markdown(hostile_db, page):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["app_lang"] = "en"
    user = "adam" if page == "accounts" else "olga"
    at.session_state["auth_session"] = auth.sign_in(hostile_db, user, PW)
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    assert live_markup(at) == [], page


def _signed_in(store, page: str, user: str = "olga") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["app_lang"] = "en"
    at.session_state["auth_session"] = auth.sign_in(store, user, PW)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    return at


def test_suggestion_cards_and_their_success_messages(hostile_db):
    at = _signed_in(hostile_db, "suggestions")
    at.selectbox(key="sug_org").set_value("C1").run()
    at.radio(key="sug_direction@en").set_value("suppliers").run()
    at.toggle(key="sug_weak@en").set_value(True).run()  # hostile texts match weakly
    assert not at.exception and live_markup(at) == []
    assert any("organizations2" in t for t in markdown_texts(at))  # C3's card is shown
    at.button(key="sug_interest_C3").click().run()
    at.button(key="sug_yes_C3").click().run()  # "mark interest" asks first
    assert not at.exception and [s.value for s in at.success]
    assert "organizations2" in at.success[0].value and live_markup(at) == []


def test_an_event_with_a_hostile_name_and_venue(hostile_db):
    at = _signed_in(hostile_db, "events")
    at.text_input(key="ev_new_name").set_value(HOSTILE)
    at.text_input(key="ev_new_venue").set_value(HOSTILE)
    at.multiselect(key="ev_new_chains").set_value(["nev"])
    at.number_input(key="ev_new_capacity").set_value(2)
    at.button(key="ev_create").click().run()
    assert not at.exception and live_markup(at) == []
    assert any("evil\\.test" in c for c in markdown_texts(at))  # the venue, escaped
    at.slider(key="ev_min_new").set_value(0.0)
    at.button(key="ev_run").click().run()
    assert not at.exception and live_markup(at) == []


def test_an_error_quoting_typed_text_is_escaped(hostile_db):
    at = _signed_in(hostile_db, "accounts", user="adam")
    at.text_input(key="acc_new_name").input(HOSTILE)
    at.text_input(key="acc_new_password").input(PW)
    at.button(key="acc_create").click().run()
    assert not at.exception and "is not allowed" in at.error[0].value
    assert live_markup(at) == []
