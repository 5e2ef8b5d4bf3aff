"""matchmaker's app: the page router and the sidebar every page shares.

Run with ``streamlit run app.py`` (or ``make run``). The database is the ``db`` setting
(``MATCHMAKER_DB``); each page lives in ``app_pages/``.
"""

import streamlit as st

from app_pages import ui

st.set_page_config(page_title="matchmaker", page_icon=":material/hub:", layout="wide")

with st.sidebar:
    ui.language_switch()
    ui.actor()
    st.text_input(ui.tr("app.actor"), key=ui.ACTOR_KEY)

PAGES = {
    "nav.section.workspace": [
        ("overview", "nav.overview", ":material/dashboard:"),
        ("organisations", "nav.organisations", ":material/apartment:"),
        ("chain", "nav.chain", ":material/account_tree:"),
        ("import_export", "nav.import", ":material/upload_file:"),
    ],
    "nav.section.matching": [
        ("suggestions", "nav.suggestions", ":material/join_inner:"),
        ("events", "nav.events", ":material/event:"),
        ("agenda", "nav.agenda", ":material/table_restaurant:"),
    ],
    "nav.section.follow_up": [
        ("deals", "nav.deals", ":material/handshake:"),
        ("reports", "nav.reports", ":material/monitoring:"),
    ],
}

nav = st.navigation(
    {
        ui.tr(section): [
            st.Page(f"app_pages/{name}.py", title=ui.tr(title), icon=icon, url_path=name)
            for name, title, icon in pages
        ]
        for section, pages in PAGES.items()
    }
)

ui.require_ready()
with st.sidebar:
    st.caption(ui.tr("app.database", url=ui.store().engine.url.render_as_string(True)))
    if st.button(ui.tr("app.reload"), key="app_reload", icon=":material/refresh:"):
        ui.clear_caches()
        st.toast(ui.tr("app.reloaded"))

ui.show_flash()
with ui.core_errors():  # whatever a page does not catch becomes a message, not a traceback
    nav.run()
