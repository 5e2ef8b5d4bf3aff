"""matchmaker's app: the page router and the sidebar every page shares.

Run with ``streamlit run app.py`` (or ``make run``). The database is the ``db`` setting
(``MATCHMAKER_DB``); each page lives in ``app_pages/``.
"""

import streamlit as st

from app_pages import ui

st.set_page_config(page_title="matchmaker", page_icon=":material/hub:", layout="wide")

with st.sidebar:
    ui.language_switch()

ui.require_ready()
ui.restore_session()  # a browser reload keeps the session (a signed, expiring cookie)
user = ui.check_signed_in()
ui.remember_session()
if user is None:  # signed out: the sign-in page is the only page
    st.navigation(
        [st.Page("app_pages/signin.py", title=ui.tr("nav.signin"), icon=":material/login:")]
    ).run()
    st.stop()

PAGES = {
    "nav.section.workspace": [
        ("overview", "nav.overview", ":material/dashboard:"),
        ("organisations", "nav.organisations", ":material/apartment:"),
        ("my_org", "nav.my_org", ":material/badge:"),
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
    "nav.section.admin": [("accounts", "nav.accounts", ":material/manage_accounts:")],
}
# The pages each role may use; the core enforces the same rules whatever a page does.
ROLE_PAGES = {
    "organiser": {p[0] for pages in PAGES.values() for p in pages} - {"accounts"},
    "admin": {p[0] for pages in PAGES.values() for p in pages},
    "reviewer": {"overview", "reports", "deals"},
    "company": {"organisations", "my_org", "suggestions", "agenda", "deals"},
}
allowed = ROLE_PAGES[user.role]

nav = st.navigation(
    {
        ui.tr(section): [
            st.Page(f"app_pages/{name}.py", title=ui.tr(title), icon=icon, url_path=name)
            for name, title, icon in pages
            if name in allowed
        ]
        for section, pages in PAGES.items()
        if any(p[0] in allowed for p in pages)
    }
)

with st.sidebar:
    who = {"user": user.username, "role": ui.val(user.role), "org": user.org_id}
    st.caption(ui.tr("app.signed_in_org" if user.org_id else "app.signed_in", **who))
    if st.button(ui.tr("app.sign_out"), key="app_sign_out", icon=":material/logout:"):
        ui.sign_out()
        st.rerun()
    if user.role in ("organiser", "admin"):
        st.caption(ui.tr("app.database", url=ui.base_store().engine.url.render_as_string(True)))
    if st.button(ui.tr("app.reload"), key="app_reload", icon=":material/refresh:"):
        ui.clear_caches()
        st.toast(ui.tr("app.reloaded"))

ui.show_flash()
with ui.core_errors():  # whatever a page does not catch becomes a message, not a traceback
    nav.run()
