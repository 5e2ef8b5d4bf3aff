"""Accounts (admins only): every user, add one, disable or enable, unlock, reset a
password."""

import pandas as pd
import streamlit as st

from app_pages import ui
from matchmaker.roles import ROLES
from matchmaker.store import accounts as auth
from matchmaker.views import browse as views

st.title(ui.tr("acc.title"))
admin = ui.user()

users = auth.list_users(ui.store())
frame = pd.DataFrame(
    [(u.username, u.role, u.org_id, u.active) for u in users],
    columns=["username", "account_role", "account_org", "active"],
)
ui.table(frame, key="acc_table", values=("account_role",))

names = ui.cached(views.org_names, ui.lang())
with st.expander(ui.tr("acc.add"), expanded=not users), st.form("acc_add_form"):
    a1, a2 = st.columns(2)
    username = a1.text_input(ui.tr("acc.username"), key="acc_new_name")
    password = a2.text_input(ui.tr("acc.password"), type="password", key="acc_new_password")
    role = a1.selectbox(ui.tr("acc.role"), ROLES, key="acc_new_role", format_func=ui.val)
    org = a2.selectbox(
        ui.tr("acc.org"),
        [None, *names],
        key="acc_new_org",
        format_func=lambda o: f"{names[o]} ({o})" if o else "-",
    )
    if st.form_submit_button(ui.tr("acc.create"), key="acc_create", type="primary"):
        with ui.core_errors():
            made = auth.create_user(ui.store(), username, password, role, org, actor=admin)
            who_ = ui.plain(made.username)
            ui.flash(ui.tr("acc.created", user=who_, role=ui.val(made.role)))
            for key in ("acc_new_name", "acc_new_password", "acc_new_role", "acc_new_org"):
                st.session_state.pop(key, None)  # the next account starts from an empty form
            st.rerun()

if users:
    st.subheader(ui.tr("acc.change"))
    by_name = {u.username: u for u in users}
    c1, c2 = st.columns([2, 3])
    who = c1.selectbox(ui.tr("acc.username"), list(by_name), key="acc_pick")
    picked = by_name[who]
    label = "acc.disable" if picked.active else "acc.enable"
    if c1.button(ui.tr(label), key="acc_toggle", disabled=picked.username == admin.username):
        with ui.core_errors():
            auth.set_active(ui.store(), who, not picked.active, actor=admin)
            ui.flash(ui.tr(f"{label}d", user=ui.plain(who)))
            st.rerun()
    until = auth.locked_until(ui.store(), who)
    if until is not None:
        c1.caption(ui.tr("acc.locked", until=f"{until:%Y-%m-%d %H:%M}"))
        if c1.button(ui.tr("acc.unlock"), key="acc_unlock"):
            with ui.core_errors():
                auth.unlock(ui.store(), who, actor=admin)
                ui.flash(ui.tr("acc.unlocked", user=ui.plain(who)))
                st.rerun()
    with c2.form("acc_reset_form"):
        new = st.text_input(ui.tr("acc.new_password"), type="password", key="acc_reset_pw")
        if st.form_submit_button(ui.tr("acc.reset"), key="acc_reset"):
            with ui.core_errors():
                auth.reset_password(ui.store(), who, new, actor=admin)
                ui.flash(ui.tr("acc.reset_done", user=ui.plain(who)))
                st.rerun()
