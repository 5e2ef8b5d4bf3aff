"""Deals & follow-up: the pipeline board by stage, one deal's history and changes."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from app_pages import ui
from matchmaker import config
from matchmaker.followup import deals, progress
from matchmaker.schema import DEAL_STAGES
from matchmaker.views import browse as views
from matchmaker.views import followup

st.title(ui.tr("deals.title"))

events = ui.cached(views.event_names)
c1, c2 = st.columns([2, 1])
event_id = c1.selectbox(
    ui.tr("common.event"),
    [None, *events],
    key=ui.key("deals_event"),
    format_func=lambda e: events[e] if e else ui.tr("common.all"),
)
stale_only = c2.toggle(ui.tr("deals.stale_only"), key="deals_stale")
actor = ui.actor()

board = ui.cached(followup.deal_board, event_id=event_id, stale_only=stale_only, lang=ui.lang())
st.caption(ui.tr("deals.stale_rule", days=config.get("stale_days")))
for col, stage in zip(st.columns(len(DEAL_STAGES)), DEAL_STAGES, strict=True):
    part = board[board["stage"] == stage]
    with col:
        st.metric(ui.val(stage), len(part))
        ui.table(
            part[["deal_id", "stale", "due_date", "title"]],
            key=f"deals_board_{stage}",
            height=260,
        )

st.divider()
st.subheader(ui.tr("deals.edit"))
if board.empty:
    st.info(ui.tr("common.none"))
else:
    rows = board.set_index("deal_id")
    deal_id = st.selectbox(
        ui.tr("deals.pick"),
        list(rows.index),
        key=ui.key("deals_pick"),
        format_func=lambda d: f"{d} · {rows.at[d, 'title'] or ''} · {ui.val(rows.at[d, 'stage'])}",
    )
    deal = rows.loc[deal_id]
    st.markdown(f"**{ui.plain(deal['parties'])}**")
    value = f"{deal['value_cny']:,.0f}" if pd.notna(deal["value_cny"]) else "-"
    facts = [
        f"{ui.tr('col.stage')}: {ui.val(deal['stage'])}",
        f"{ui.tr('col.due_date')}: {ui.shown(deal['due_date'], '-')}",
        f"{ui.tr('col.event_id')}: {ui.shown(deal['event_id'], '-')}",
        f"{ui.tr('col.value_cny')}: {value}",
    ]
    facts.append(f"{ui.tr('col.owner')}: {ui.shown(deal['owner']) or ui.tr('deals.no_owner')}")
    st.caption(" | ".join(facts))
    if ui.shown(deal["note"]):
        st.info(f"{ui.tr('col.note')}: {ui.plain(deal['note'])}")
    if deal["stale"]:
        st.warning(ui.tr("deals.is_stale", days=config.get("stale_days")))
    if deal["overdue"]:
        st.warning(ui.tr("deals.is_overdue", due=deal["due_date"]))

    # Optimistic concurrency: changes carry the version this user saw on the last run, so a
    # change someone else made in between is refused instead of overwritten.
    version = int(deal["version"])
    seen = st.session_state.get("deals_seen", {}).get(deal_id, version)
    st.session_state["deals_seen"] = {deal_id: version}
    forward = [s for s in deals.TRANSITIONS[deal["stage"]] if s != "dropped"]
    if not ui.can_write():
        st.caption(ui.tr("app.read_only"))
    elif ui.own_org() and deal["stage"] in deals.OPEN_STAGES:
        # A company reports progress on its own deal: stage, note, next step.
        with st.form(f"deals_report_{deal_id}_{version}"):
            st.markdown(f"**{ui.tr('deals.report')}**")
            stages = [deal["stage"], *deals.TRANSITIONS[deal["stage"]]]
            r1, r2 = st.columns(2)
            new_stage = r1.selectbox(
                ui.tr("col.stage"), stages, key=f"deals_report_stage_{deal_id}", format_func=ui.val
            )
            next_step = r2.date_input(
                ui.tr("deals.next_step"),
                value=date.today() + timedelta(days=14),
                min_value=date.today(),
                key=f"deals_report_next_{deal_id}",
            )
            report_note = st.text_area(ui.tr("deals.note"), key=f"deals_report_note_{deal_id}")
            if st.form_submit_button(ui.tr("deals.send_report"), key="deals_send_report"):
                with ui.core_errors():
                    ui.write(
                        progress.report_progress,
                        deal_id,
                        actor=actor,
                        stage=new_stage,
                        note=report_note or None,
                        next_step=next_step,
                        expected_version=seen,
                    )
                    ui.flash(ui.tr("deals.reported", deal=deal_id))
                    st.rerun()
    elif deal["stage"] in deals.OPEN_STAGES:
        # one note field per deal and version: it starts empty after every change
        note = st.text_input(ui.tr("deals.note"), key=f"deals_note_{deal_id}_{version}")
        b1, b2, b3, b4 = st.columns([1, 1, 1, 1])
        if forward and b1.button(
            ui.tr("deals.advance", stage=ui.val(forward[0])), key="deals_advance", type="primary"
        ):
            with ui.core_errors():
                ui.write(
                    deals.advance,
                    deal_id,
                    actor=actor,
                    to_stage=forward[0],
                    note=note or None,
                    expected_version=seen,
                )
                ui.flash(ui.tr("deals.moved", deal=deal_id, stage=ui.val(forward[0])))
                st.rerun()
        if b2.button(ui.tr("deals.drop"), key="deals_drop"):
            with ui.core_errors():
                ui.write(deals.drop, deal_id, actor=actor, note=note or None, expected_version=seen)
                ui.flash(ui.tr("deals.moved", deal=deal_id, stage=ui.val("dropped")))
                st.rerun()
        current_due = (
            deal["due_date"]
            if pd.notna(deal["due_date"])
            else date.today() + timedelta(days=config.get("follow_up_days"))
        )
        due = b3.date_input(ui.tr("col.due_date"), value=current_due, key=f"deals_due_{deal_id}")
        if b4.button(ui.tr("deals.set_due"), key="deals_set_due"):
            with ui.core_errors():
                ui.write(deals.set_due_date, deal_id, due, expected_version=seen)
                ui.flash(ui.tr("deals.due_set", deal=deal_id, due=due))
                st.rerun()
        owners = ui.cached(progress.owners)
        o1, o2 = st.columns([2, 1])
        current = ui.shown(deal["owner"]) or None
        current = current if current in owners else None
        owner = o1.selectbox(
            ui.tr("col.owner"),
            [None, *owners],
            index=([None, *owners]).index(current),
            key=f"deals_owner_{deal_id}_{version}",
            format_func=lambda o: o or ui.tr("deals.no_owner"),
        )
        if o2.button(ui.tr("deals.set_owner"), key="deals_set_owner") and owner:
            with ui.core_errors():
                ui.write(progress.set_owner, deal_id, owner, actor=actor)
                ui.flash(ui.tr("deals.owner_set", deal=deal_id, owner=owner))
                st.rerun()
    else:
        st.info(ui.tr("deals.closed"))
    st.markdown(f"**{ui.tr('deals.history')}**")
    with ui.core_errors():
        ui.table(
            ui.cached(followup.deal_history, deal_id),
            key="deals_history",
            values=("from_stage", "to_stage"),
        )

if not ui.own_org():  # organisers and reviewers: what falls due, who answered
    st.divider()
    st.subheader(ui.tr("deals.due_title"))
    owners = ui.cached(progress.owners)
    me = ui.actor() if ui.actor() in owners else None
    who = st.selectbox(
        ui.tr("col.owner"),
        [None, *owners, ""],
        index=([None, *owners, ""]).index(me),
        key="deals_due_owner",
        format_func=lambda o: ui.tr("common.all") if o is None else (o or ui.tr("deals.no_owner")),
    )
    ui.table(ui.cached(followup.due_frame, who), key="deals_due", values=("stage",))
    if event_id:
        st.subheader(ui.tr("deals.answers_title", event=events[event_id]))
        answered = ui.cached(followup.answers_frame, event_id)
        st.caption(
            ui.tr("deals.answers_count", n=int(answered["answered"].sum()), of=len(answered))
        )
        ui.table(answered, key="deals_answers")

if not ui.can_write():  # a reviewer: the board and histories, no changes
    st.stop()
with st.expander(ui.tr("deals.new")):
    names = ui.cached(views.org_names, ui.lang())
    with st.form("deals_new_form"):
        f1, f2 = st.columns(2)
        org_a = f1.selectbox(
            ui.tr("deals.org_a"),
            [ui.own_org()] if ui.own_org() else list(names),  # a company is always a party
            key="deals_new_a",
            format_func=lambda o: f"{names[o]} ({o})",
        )
        org_b = f2.selectbox(
            ui.tr("deals.org_b"),
            list(names),
            key="deals_new_b",
            index=min(1, len(names) - 1),
            format_func=lambda o: f"{names[o]} ({o})",
        )
        new_event = f1.selectbox(
            ui.tr("common.event"),
            [None, *events],
            key="deals_new_event",
            format_func=lambda e: events[e] if e else "-",
        )
        value = f2.number_input(
            ui.tr("col.value_cny"), min_value=0.0, value=0.0, step=100000.0, key="deals_new_value"
        )
        title = st.text_input(ui.tr("col.title"), key="deals_new_title")
        if st.form_submit_button(ui.tr("deals.create"), key="deals_create"):
            with ui.core_errors():
                made = ui.write(
                    deals.add_deal,
                    org_a,
                    org_b,
                    actor=actor,
                    event_id=new_event,
                    title=title or None,
                    value_cny=value or None,
                )
                ui.flash(ui.tr("deals.created", deal=made.deal_id))
                st.rerun()
