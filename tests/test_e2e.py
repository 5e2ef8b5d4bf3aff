"""End to end in a real browser: `streamlit run app.py` on a free port against a temporary copy
of the demo database, driven with Debian's Chromium through the playwright package.

Screenshots land in ``test-artifacts/e2e/`` (git-ignored). The demo database with its text
vectors is built once and kept in ``models/e2e/`` (a cache, keyed by the demo files and the
model setting); each run works on a fresh copy of it. Skipped with the reason when Chromium
or playwright is missing outside CI.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from matchmaker import config
from matchmaker.store import accounts as auth

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOWCASE_BUYER = "C0147"
E2E_USER, E2E_PASSWORD = "e2e.organiser", "an end-to-end organiser password"
PAGE_WAIT_MS = 600_000  # the first suggestions page builds the recommender


def _need_browser():
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (CI installs it with apt-get)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _warm_demo_db(lang: str = "en") -> Path:
    """The demo workspace of ``lang`` with every text embedded, built once per demo version
    and model."""
    from matchmaker.demo.generate import demo_dir
    from matchmaker.ingest.workspace import import_workspace
    from matchmaker.recommend.recommender import Recommender
    from matchmaker.store.database import Store

    DEMO_DIR = demo_dir(lang)
    digest = hashlib.sha256(str(config.get("embedding_model")).encode())
    for path in sorted(DEMO_DIR.glob("*.csv")):
        digest.update(path.name.encode() + path.read_bytes())
    cache = config.project_path(config.get("models_dir")) / "e2e"
    target = cache / f"demo-{digest.hexdigest()[:16]}.db"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    building = cache / f"building-{os.getpid()}.db"
    store = Store(f"sqlite:///{building}")
    store.init()
    import_workspace(store, DEMO_DIR)
    Recommender(store)  # embeds every text into the store's vector cache, fits the ranker
    store.engine.dispose()
    _copy_sqlite(building, target)
    for leftover in cache.glob(f"building-{os.getpid()}.db*"):
        leftover.unlink()
    return target


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a (WAL-mode) SQLite file, written atomically."""
    part = target.with_suffix(".part")
    with sqlite3.connect(source) as src, sqlite3.connect(part) as dst:
        src.backup(dst)
    part.replace(target)


@dataclass(frozen=True)
class Server:
    url: str
    db: str


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of `streamlit run app.py` against a fresh copy of the warm demo database."""
    yield from _serve(tmp_path_factory, "en")


@pytest.fixture(scope="module")
def server_zh(tmp_path_factory):
    """The same, on the Chinese demo workspace (data/demo_zh)."""
    yield from _serve(tmp_path_factory, "zh")


def _serve(tmp_path_factory, lang: str):
    _need_browser()
    db = tmp_path_factory.mktemp(f"e2e-{lang}") / "demo.db"
    _copy_sqlite(_warm_demo_db(lang), db)
    from matchmaker.store.database import Store

    copy = Store(f"sqlite:///{db}")
    copy.init()  # the cached database may predate the newest migration
    auth.create_user(copy, E2E_USER, E2E_PASSWORD, "organiser", actor="e2e")
    copy.engine.dispose()
    port = _free_port()
    env = dict(os.environ, MATCHMAKER_DB=f"sqlite:///{db}", MATCHMAKER_LANG="en")
    log = (tmp_path_factory.getbasetemp() / f"streamlit-{lang}.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start (exit {proc.poll()}); see {log.name}")
            time.sleep(0.5)
        yield Server(url, f"sqlite:///{db}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page():
    """One browser tab for the module (each test signs in to the server it uses)."""
    _need_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(60_000)
        yield tab
        browser.close()


def settle(page) -> None:
    """Wait until the script run is over (the running indicator is gone)."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=PAGE_WAIT_MS,
    )
    page.wait_for_timeout(300)


def sign_in(page, server) -> None:
    """Open the app and sign in with the form (the session lives as long as the tab)."""
    page.goto(server.url)
    page.locator("h1", has_text="Sign in").wait_for(timeout=PAGE_WAIT_MS)
    settle(page)
    page.get_by_role("textbox", name="User name").fill(E2E_USER)
    page.get_by_role("textbox", name="Password").fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for(timeout=PAGE_WAIT_MS)
    settle(page)


def open_page(page, server, path: str, title: str) -> None:
    """Go to a page through the sidebar (a reload would start a new, signed-out session)."""
    if page.get_by_role("button", name="Sign out").count() == 0:
        sign_in(page, server)
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first.click()
    page.locator("h1", has_text=title).wait_for(timeout=PAGE_WAIT_MS)
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0


@contextlib.contextmanager
def evidence(page, name: str):
    """Save a screenshot named ``FAILED-<name>`` when the block fails."""
    try:
        yield
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)
        raise


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def choose(page, label: str, text: str) -> None:
    """Pick the option containing ``text`` in the selectbox labelled ``label``."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    page.keyboard.type(text)
    page.locator("[role='option']", has_text=text).first.click()
    settle(page)


PAGES = [
    ("", "Overview"),
    ("organisations", "Organisations"),
    ("chain", "Industry chain"),
    ("events", "Events and invitations"),
    ("agenda", "Agenda"),
    ("deals", "Deals & follow-up"),
    ("reports", "Reports"),
    ("import_export", "Import / export"),
]


def test_every_page_opens(page, server):
    with evidence(page, "pages"):
        for path, title in PAGES:
            open_page(page, server, path, title)
            shot(page, path or "overview")
        # a chart was drawn on the overview and a table on the organisations page
        open_page(page, server, "", "Overview")
        assert page.locator(".js-plotly-plot").count() >= 1
        assert page.get_by_text("Stale follow-ups").count() == 1


def test_suggestion_flow_with_reasons_and_interest(page, server):
    with evidence(page, "suggestions"):
        open_page(page, server, "suggestions", "Partner suggestions")
        # the first visit builds the recommender (model, vectors from the cache, ranker); the
        # first organisation (C0001) has no product need, so its supplier list is empty
        page.get_by_text("No partner matches these filters").first.wait_for(timeout=PAGE_WAIT_MS)
        settle(page)
        choose(page, "Organisation", SHOWCASE_BUYER)
        page.get_by_text("Qingyun Light EV Battery", exact=False).first.wait_for()
        page.get_by_text("Matched: offer").first.wait_for(timeout=PAGE_WAIT_MS)
        assert page.get_by_text("Matched: offer").count() >= 3
        assert page.get_by_text("can supply Qingyun Light EV Battery").count() >= 3
        assert page.get_by_text("Chain path:").count() >= 1
        shot(page, "suggestions")
        page.get_by_role("button", name="Mark interest").first.click()
        settle(page)
        page.get_by_text("Record an intent (a new deal in the pipeline)").wait_for()
        page.get_by_role("button", name="Yes, record it").click()
        settle(page)
        page.get_by_text("Interest recorded as intent").wait_for()
        assert page.locator("[data-testid='stException']").count() == 0


def test_language_switch_and_deal_change(page, server):
    with evidence(page, "deals"):
        from matchmaker.store.database import Store

        store = Store(server.db)
        open_page(page, server, "deals", "Deals & follow-up")
        choose(page, "Deal", "intent")
        before = Counter(e["deal_id"] for e in store.rows("deal_events", order=False))
        page.get_by_role("button", name="Move to in progress").click()
        settle(page)
        done = page.get_by_text("is now in progress")
        done.wait_for()
        deal_id = re.search(r"Deal (\S+) is now in progress", done.inner_text()).group(1)
        shot(page, "deals-after-change")
        assert store.get("deals", deal_id)["stage"] == "in_progress"
        history = store.rows("deal_events", deal_id=deal_id)
        assert len(history) == before[deal_id] + 1
        assert history[-1]["to_stage"] == "in_progress"
        store.engine.dispose()
        page.get_by_text("中文").click()
        page.locator("h1", has_text="项目跟踪").wait_for()
        settle(page)
        shot(page, "deals-zh")
        page.get_by_text("English").click()
        page.locator("h1", has_text="Deals & follow-up").wait_for()


def test_chinese_demo_in_chinese_end_to_end(page, server_zh):
    """The Chinese demo in 中文: Chinese names everywhere the pages print text (README
    screenshot ``docs/screenshots/suggestions-zh.png`` is this test's ``suggestions-zh``)."""
    with evidence(page, "chinese"):
        sign_in(page, server_zh)
        page.get_by_text("中文").click()
        page.locator("h1", has_text="总览").wait_for(timeout=PAGE_WAIT_MS)
        settle(page)
        open_zh = {"organisations": "机构", "chain": "产业链", "suggestions": "伙伴推荐"}
        for path, title in open_zh.items():
            page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first.click()
            page.locator("h1", has_text=title).wait_for(timeout=PAGE_WAIT_MS)
            settle(page)
            if path == "suggestions":
                page.get_by_text("匹配").first.wait_for(timeout=PAGE_WAIT_MS)
                choose(page, "机构", SHOWCASE_BUYER)
                page.get_by_text("海青青云轻型动力电池").first.wait_for(timeout=PAGE_WAIT_MS)
                page.get_by_text("匹配").first.wait_for(timeout=PAGE_WAIT_MS)
                settle(page)
            shot(page, f"{path}-zh")
            body = page.inner_text("body")
            assert page.locator("[data-testid='stException']").count() == 0
            for english in ("Co., Ltd.", "Qingyun", "Ruineng", "Battery packs and energy"):
                assert english not in body, (path, english)
            assert not re.search(r"(?<![\w-])(nev|home|ai|equip|marine|health)(?![\w-])", body)
        assert "瑞能电力电子" in body  # the showcase supplier, by its Chinese name


def _contacts_file(folder: Path, store) -> Path:
    """A contacts.csv with one primary contact per demo organisation (zh and en in turn)."""
    rows = ["contact_id,org_id,name,title,email,phone,primary,language"]
    for n, org in enumerate(store.rows("organizations"), start=1):
        lang = "zh" if n % 2 else "en"
        rows.append(f"K{n:04d},{org['org_id']},Contact {n},Manager,c{n}@example.cn,,true,{lang}")
    path = folder / "contacts.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_organiser_cycle_contacts_letters_rsvp_times_agenda_follow_up(page, server, tmp_path):
    """Contacts in, the list built, letters out, RSVPs, times and tables, the agenda with
    clock times, the due list: the organiser's cycle on the demo, in the browser."""
    import io
    import zipfile

    from matchmaker.demo.generate import DEMO_DIR
    from matchmaker.store.database import Store

    store = Store(server.db)
    event = max(store.rows("events"), key=lambda e: e["date"])
    with evidence(page, "cycle"):
        # contacts in, through the import page
        open_page(page, server, "import_export", "Import / export")
        uploads = [str(DEMO_DIR / "organizations.csv"), str(_contacts_file(tmp_path, store))]
        page.locator("input[type='file']").set_input_files(uploads)
        settle(page)
        page.get_by_role("button", name="Import", exact=True).click()
        settle(page)
        page.get_by_text("Imported.").wait_for()
        assert store.count("contacts") == store.count("organizations")

        # the list built and the letters out
        open_page(page, server, "events", "Events and invitations")
        choose(page, "Event", event["event_id"])
        page.get_by_role("button", name="Build the list").click()
        page.get_by_text("Suggested list").first.wait_for(timeout=PAGE_WAIT_MS)
        settle(page)
        with page.expect_download() as download:
            page.get_by_role("button", name=re.compile(r"Download \d+ letters")).click()
        data = Path(download.value.path()).read_bytes()
        files = zipfile.ZipFile(io.BytesIO(data))
        header = files.read("mailmerge.csv").decode().splitlines()[0]
        assert header == "org_id,org_name,contact_name,email,language,subject,body"
        assert any(name.startswith("letters/") for name in files.namelist())
        shot(page, "cycle-letters")

        # RSVPs: two participants registered in one go
        two = [p["org_id"] for p in store.rows("participants", event_id=event["event_id"])][:2]
        box = page.locator("[data-testid='stMultiSelect']").filter(
            has_text="Participants to change"
        )
        for org_id in two:  # one at a time: each pick reruns the page
            box.locator("input").click()
            page.keyboard.type(org_id)
            page.locator("[role='option']", has_text=org_id).first.wait_for()
            page.keyboard.press("Enter")
            page.locator("h1", has_text="Events and invitations").click()
            settle(page)
        page.get_by_role("button", name="Set 2 to registered").click()
        settle(page)
        page.get_by_text("2 participants are now registered").wait_for()
        statuses = {p["org_id"]: p["status"] for p in store.rows("participants")
                    if p["event_id"] == event["event_id"]}  # fmt: skip
        assert [statuses[o] for o in two] == ["registered", "registered"]

        # times and tables
        page.get_by_text("Times and tables of the agenda").click()
        page.get_by_role("textbox", name="First meeting starts at (HH:MM)").fill("09:30")
        page.get_by_role("textbox", name=re.compile("^Breaks")).fill("10:30-10:45")
        page.get_by_role("button", name="Save times and tables").click()
        settle(page)
        page.get_by_text(f"Times and tables of {event['event_id']} saved").wait_for()
        assert store.get("events", event["event_id"])["start_time"] == "09:30"

        # the agenda with clock times
        open_page(page, server, "agenda", "Agenda")
        choose(page, "Event", event["event_id"])
        page.get_by_role("button", name="Run the scheduler").click()
        page.get_by_text("By organisation").first.wait_for(timeout=PAGE_WAIT_MS)
        settle(page)
        shot(page, "cycle-agenda")
        with page.expect_download() as download:
            page.get_by_role("button", name="Printable agenda (HTML)").click()
        printable = Path(download.value.path()).read_text(encoding="utf-8")
        assert "<td>09:30-09:50</td>" in printable and "<td>10:45-11:05</td>" in printable

        # follow-up: the due list per owner
        open_page(page, server, "deals", "Deals & follow-up")
        page.get_by_text("Due this week, by owner").wait_for()
        assert page.locator("[data-testid='stException']").count() == 0
        shot(page, "cycle-deals")
    store.engine.dispose()
