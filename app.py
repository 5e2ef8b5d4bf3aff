"""matchmaker's app: the page router and the sidebar every page shares.

Run with ``streamlit run app.py`` (or ``make run``). The database is the ``db`` setting
(``MATCHMAKER_DB``); each page lives in ``app_pages/`` and is listed once, with the roles
that may open it, in ``app_pages/registry.py``.
"""

import streamlit as st

from app_pages import registry, ui

st.set_page_config(page_title="matchmaker", page_icon=":material/hub:", layout="wide")

with st.sidebar:
    ui.language_switch()

ui.require_ready()
ui.restore_session()  # a browser reload keeps the session (a signed, expiring cookie)
user = ui.check_signed_in()
ui.remember_session()
if user is None:  # signed out: the sign-in page is the only page
    page = registry.SIGN_IN
    st.navigation([st.Page(page.path, title=ui.tr(page.title), icon=page.icon)]).run()
    st.stop()

sections: dict[str, list] = {}
for page in registry.pages_for(user.role):
    entry = st.Page(page.path, title=ui.tr(page.title), icon=page.icon, url_path=page.name)
    sections.setdefault(ui.tr(page.section), []).append(entry)
nav = st.navigation(sections)

with st.sidebar:
    who = {"user": ui.plain(user.username), "role": ui.val(user.role), "org": user.org_id}
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
