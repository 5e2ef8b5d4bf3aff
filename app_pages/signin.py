"""Sign in: user name and password; failed attempts are audited by matchmaker.store.accounts."""

import streamlit as st

from app_pages import ui

st.title(ui.tr("signin.title"))
message = st.session_state.pop(ui.SIGNIN_MESSAGE_KEY, None)
if message:
    st.warning(ui.tr("signin.ended", reason=message))
if not ui.has_accounts():
    st.info(ui.tr("signin.no_accounts"))

with st.form("signin_form"):
    username = st.text_input(ui.tr("signin.user"), key="signin_user")
    password = st.text_input(ui.tr("signin.password"), type="password", key="signin_password")
    submitted = st.form_submit_button(ui.tr("signin.submit"), key="signin_submit", type="primary")

if submitted:
    if ui.sign_in(username, password):
        st.rerun()
    st.error(ui.tr("signin.failed"))
