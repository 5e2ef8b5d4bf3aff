"""Agenda: meeting requests, then the scheduler (with a progress bar); the agenda by
organisation and by table; save it to the event and download it."""

import pandas as pd
import streamlit as st

from app_pages import ui
from matchmaker.events import service as events
from matchmaker.schema import PARTICIPANT_STATUSES
from matchmaker.views import browse as views
from matchmaker.views import matching

st.title(ui.tr("ag.title"))
st.session_state.setdefault("ag_agenda", None)

event_names = ui.cached(views.event_names)
if not event_names:
    st.info(ui.tr("ag.no_events"))
    st.stop()
event_id = st.selectbox(
    ui.tr("common.event"),
    list(event_names),
    key="ag_event",
    format_func=lambda e: f"{e} · {event_names[e]}",
)
names = ui.cached(views.org_names, ui.lang())
fmt = lambda o: f"{names.get(o, o)} ({o})"  # noqa: E731

with st.expander(ui.tr("ag.requests")):
    with st.form("ag_request_form"):
        r1, r2, r3 = st.columns([2, 2, 1])
        # the event's participants only (a company asks for itself)
        present = list(ui.cached(matching.participants_frame, event_id)["org_id"])
        mine = [ui.own_org()] if ui.own_org() else present
        who = r1.selectbox(ui.tr("ag.requester"), mine, key="ag_req_org", format_func=fmt)
        others = [o for o in present if o != ui.own_org()]
        other = r2.selectbox(ui.tr("ag.other"), others, key="ag_req_other", format_func=fmt)
        kind = r3.radio(
            ui.tr("col.kind"),
            events.REQUEST_KINDS,
            key=ui.key("ag_req_kind"),
            format_func=lambda k: ui.tr(f"ag.kind.{k}"),
        )
        if st.form_submit_button(ui.tr("ag.add_request"), key="ag_add_request"):
            with ui.core_errors():
                ui.write(events.add_request, event_id, who, other, kind)
                ui.flash(ui.tr("ag.request_added"))
                st.rerun()
    reqs = ui.cached(matching.request_frame, event_id, ui.lang())
    ui.table(reqs, key="ag_requests", values=("kind",))

if ui.role() not in ("organiser", "admin"):  # scheduling is the organisers' work
    st.subheader(ui.tr("ag.on_record"))  # a company's own meetings only (the core filters)
    ui.table(
        ui.cached(matching.meetings_frame, event_id, ui.lang()),
        key="ag_on_record",
        values=("status",),
    )
    st.stop()
st.subheader(ui.tr("ag.run_title"))
with st.form("ag_form"):
    p1, p2, p3, p4, p5 = st.columns(5)
    statuses_key = ui.key("ag_statuses")
    st.session_state.setdefault(statuses_key, ["registered", "attended"])
    statuses = st.multiselect(
        ui.tr("ag.statuses"),
        PARTICIPANT_STATUSES,
        key=statuses_key,
        format_func=ui.val,
    )
    slots = p1.number_input(ui.tr("ag.slots"), 1, 48, 12, key="ag_slots")
    tables = p2.number_input(ui.tr("ag.tables"), 1, 500, 30, key="ag_tables")
    per_table = p3.number_input(ui.tr("ag.per_table"), 1, 10, 1, key="ag_per_table")
    floor = p4.number_input(
        ui.tr("ag.floor"), 0, 48, 2, key="ag_floor", help=ui.tr("ag.floor_help")
    )
    most = p5.number_input(ui.tr("ag.most"), 0, 48, 0, key="ag_most")
    run = st.form_submit_button(ui.tr("ag.run"), key="ag_run", type="primary")

if run:
    st.session_state["ag_agenda"] = None
    bar = st.progress(0.0, text=ui.tr("ag.step_pairs"))
    with ui.core_errors():
        pairs = ui.pair_source()

        def source(ids):
            found = pairs(ids)
            bar.progress(0.6, text=ui.tr("ag.step_schedule", n=len(found)))
            return found

        agenda = events.plan_agenda(
            ui.store(),
            event_id,
            int(slots),
            int(tables),
            int(per_table),
            int(floor),
            int(most) or None,
            tuple(statuses),
            source,
        )
        bar.progress(1.0, text=ui.tr("ag.step_done"))
        st.session_state["ag_agenda"] = {"event": event_id, "agenda": agenda}

stored = st.session_state["ag_agenda"]
if stored and stored["event"] == event_id:
    agenda = stored["agenda"]
    people = agenda.attendees
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(ui.tr("ag.meetings"), len(agenda.meetings))
    k2.metric(ui.tr("ag.attendees"), len(people))
    k3.metric(ui.tr("ag.unplaced"), len(agenda.unplaced))
    k4.metric(ui.tr("ag.below_floor"), len(agenda.below_floor))

    tab_org, tab_table, tab_missing = st.tabs(
        [ui.tr("ag.by_org"), ui.tr("ag.by_table"), ui.tr("ag.not_placed")]
    )
    with tab_org:
        org = st.selectbox(ui.tr("common.organisation"), people, key="ag_org", format_func=fmt)
        rows = [r for r in agenda.by_org(names) if r["org_id"] == org]
        st.caption(ui.tr("ag.org_count", n=len(rows)))
        ui.table(
            pd.DataFrame(
                rows,
                columns=["slot", "time", "table", "partner", "partner_name", "kind", "reason"],
            ),
            key="ag_org_table",
            values=("kind",),
        )
    with tab_table:
        ui.table(matching.agenda_grid(agenda, names), key="ag_grid", height=420)
    with tab_missing:
        missing = [(u.org_a, u.org_b, u.kind, u.reason) for u in agenda.unplaced] + [
            (s.org_id, "", "floor", f"{s.meetings} / {s.floor}: {s.reason}")
            for s in agenda.below_floor
        ]
        ui.table(
            pd.DataFrame(missing, columns=["org_a", "org_b", "kind", "reason"]),
            key="ag_missing",
            values=("kind",),
        )

    files = matching.agenda_files(agenda, names, event_names[event_id], ui.lang())
    s1, s2, s3 = st.columns(3)
    if s1.button(ui.tr("ag.save"), key="ag_save", type="primary"):
        with ui.core_errors():
            written, kept = ui.write(events.save_agenda, event_id, agenda)
            ui.flash(ui.tr("ag.saved", written=written, kept=kept, event=event_id))
            st.rerun()
    s2.download_button(
        ui.tr("common.download_xlsx"),
        files["xlsx"],
        file_name=f"agenda-{event_id}.xlsx",
        key="ag_xlsx",
        icon=":material/download:",
    )
    s3.download_button(
        ui.tr("ag.download_html"),
        files["html"],
        file_name=f"agenda-{event_id}.html",
        mime="text/html",
        key="ag_html",
        icon=":material/print:",
    )

st.subheader(ui.tr("ag.on_record"))
ui.table(
    ui.cached(matching.meetings_frame, event_id, ui.lang()),
    key="ag_on_record",
    values=("status",),
    height=300,
)
