"""Events: create an event, build its invitation list under quotas, compare it with
re-inviting last time's attendees, edit, save and export it."""

from datetime import date, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from app_pages import ui
from matchmaker.events import clock, invite
from matchmaker.events import participants as people
from matchmaker.events import service as events
from matchmaker.events.quotas import quota_checks
from matchmaker.schema import PARTICIPANT_STATUSES
from matchmaker.views import browse as views
from matchmaker.views import matching

st.title(ui.tr("ev.title"))
st.session_state.setdefault("ev_plan", None)

event_names = ui.cached(views.event_names)
chains = ui.cached(views.chain_names, ui.lang())

with st.expander(ui.tr("ev.new"), expanded=not event_names), st.form("ev_new_form"):
    n1, n2 = st.columns([2, 1])
    name = n1.text_input(ui.tr("ev.name"), key="ev_new_name")
    day = n2.date_input(
        ui.tr("col.date"), value=date.today() + timedelta(days=30), key="ev_new_date"
    )
    n3, n4, n5 = st.columns([2, 2, 1])
    new_chains = n3.multiselect(
        ui.tr("col.chains"), list(chains), key="ev_new_chains", format_func=lambda c: chains[c]
    )
    venue = n4.text_input(ui.tr("ev.venue"), key="ev_new_venue")
    capacity = n5.number_input(ui.tr("ev.capacity"), 2, 1000, 60, key="ev_new_capacity")
    if st.form_submit_button(ui.tr("ev.create"), key="ev_create"):
        with ui.core_errors():
            made = ui.write(
                events.create_event,
                name,
                day,
                chains=new_chains,
                venue=venue,
                capacity=int(capacity),
            )
            st.session_state["ev_event"] = made
            ui.flash(ui.tr("ev.created", event=made))
            st.rerun()

if not event_names:
    st.stop()

event_id = st.selectbox(
    ui.tr("common.event"),
    list(event_names),
    key="ev_event",
    format_func=lambda e: f"{e} · {event_names[e]}",
)
event = ui.cached(events.get_event, event_id)
participants = ui.cached(matching.participants_frame, event_id, ui.lang())
st.caption(
    ui.tr(
        "ev.facts",
        chains=ui.plain(", ".join(chains.get(c, c) for c in event["chains"])) or "-",
        venue=ui.plain(event["venue"]) or "-",
        capacity=event["capacity"] or "-",
        n=len(participants),
    )
)

if ui.can_write():
    with (
        st.expander(ui.tr("ev.clock")),
        st.form(f"ev_clock_{event_id}_{ui.stamp()[0]}"),
    ):
        t1, t2 = st.columns(2)
        start_time = t1.text_input(
            ui.tr("ev.start_time"), value=event["start_time"] or "09:00", key="ev_start_time"
        )
        slot_minutes = t2.number_input(
            ui.tr("ev.slot_minutes"), 5, 240, int(event["slot_minutes"] or 20), key="ev_slot_min"
        )
        breaks = st.text_input(ui.tr("ev.breaks"), value=";".join(event["breaks"]), key="ev_breaks")
        tables_text = st.text_input(
            ui.tr("ev.tables"), value=";".join(event["tables"]), key="ev_tables"
        )
        if st.form_submit_button(ui.tr("ev.save_clock"), key="ev_save_clock"):
            with ui.core_errors():
                ui.write(
                    clock.set_clock,
                    event_id,
                    start_time,
                    int(slot_minutes),
                    breaks.split(";"),
                    tables_text.split(";"),
                )
                ui.flash(ui.tr("ev.clock_saved", event=event_id))
                st.rerun()

st.subheader(ui.tr("ev.build"))
names = ui.cached(views.org_names, ui.lang())
with st.form("ev_quota_form"):
    q1, q2, q3, q4 = st.columns(4)
    capacity_in = q1.number_input(
        ui.tr("ev.capacity"), 2, 1000, int(event["capacity"] or 60), key=f"ev_capacity_{event_id}"
    )
    min_outside = q2.slider(ui.tr("ev.min_outside"), 0.0, 1.0, 0.3, 0.05, key="ev_min_outside")
    min_new = q3.slider(ui.tr("ev.min_new"), 0.0, 1.0, 0.2, 0.05, key="ev_min_new")
    per_segment = q4.number_input(ui.tr("ev.max_per_segment"), 0, 1000, 0, key="ev_max_segment")
    m1, m2, m3 = st.columns([2, 2, 1])
    fmt = lambda o: f"{names.get(o, o)} ({o})"  # noqa: E731
    must = m1.multiselect(ui.tr("ev.must"), list(names), key="ev_must", format_func=fmt)
    exclude = m2.multiselect(ui.tr("ev.exclude"), list(names), key="ev_exclude", format_func=fmt)
    partners = m3.number_input(ui.tr("ev.partners"), 1, 10, 3, key="ev_partners")
    build = st.form_submit_button(ui.tr("ev.run"), key="ev_run", type="primary")

if build:
    quotas = invite.Quotas(
        min_outside=min_outside,
        min_new=min_new,
        max_per_segment=int(per_segment) or None,
        must=tuple(must),
        exclude=tuple(exclude),
    )
    st.session_state["ev_plan"] = None
    with ui.core_errors():
        pairs = ui.pair_source()
        bar = st.progress(0.05, text=ui.tr("ev.step_pairs"))

        def source(ids):
            found = pairs(ids)
            bar.progress(0.8, text=ui.tr("ev.step_choose", n=len(found)))
            return found

        with st.spinner(ui.tr("ev.building"), show_time=True):
            plan = events.plan_invitations(
                ui.store(), event_id, int(capacity_in), quotas, int(partners), source
            )
        bar.progress(1.0, text=ui.tr("ev.step_done"))
        st.session_state["ev_plan"] = {
            "event": event_id,
            "plan": plan,
            "quotas": quotas,
            "places": int(capacity_in),
            "partners": int(partners),
        }
        st.session_state["ev_remove"] = []
        st.session_state["ev_add"] = []

stored = st.session_state["ev_plan"]
if stored and stored["event"] == event_id:
    plan, quotas, places = stored["plan"], stored["quotas"], stored["places"]
    cands, cover = ui.cached(events.event_candidates, event_id)
    rows = {r["list"]: r for r in plan.comparison}
    for note in plan.invitation.notes:
        st.info(ui.plain(note))

    left, right = st.columns(2)
    for col, key, title in (
        (left, "chosen", ui.tr("ev.chosen")),
        (right, "habit", ui.tr("ev.habit", event=plan.habit_event or "-")),
    ):
        with col:
            st.markdown(f"**{title}**")
            row = rows.get(key)
            if row:
                a, b, c, d = st.columns(4)
                a.metric(ui.tr("ev.size"), row["size"])
                b.metric(ui.tr("ev.outside"), f"{row['outside']:.0%}")
                c.metric(ui.tr("ev.new_faces"), f"{row['new_faces']:.0%}")
                d.metric(ui.tr("ev.coverage"), f"{row['chain_coverage']:.0%}")
                st.caption(ui.tr("ev.value", value=row["value"], pairs=row["valuable_pairs"]))
    with left:
        ui.table(
            matching.invitation_frame(ui.store(), plan.invitation, cands, ui.lang()),
            key="ev_chosen",
            height=320,
        )
    with right:
        habit_ids = ui.cached(events.habit_list, event_id, places)[1]
        ui.table(
            matching.org_list_frame(ui.store(), habit_ids, cands, ui.lang()),
            key="ev_habit",
            height=320,
        )

    st.subheader(ui.tr("ev.review"))
    chosen = plan.invitation.ids
    e1, e2 = st.columns(2)
    remove = e1.multiselect(ui.tr("ev.remove"), chosen, key="ev_remove", format_func=fmt)
    others = [o for o in names if o not in set(chosen)]
    add = e2.multiselect(ui.tr("ev.add"), others, key="ev_add", format_func=fmt)
    final = [o for o in chosen if o not in set(remove)] + list(add)
    check = invite.compare_lists(
        cands, ui.pair_source()(final), {"final": final}, cover, stored["partners"]
    )[0]
    labels = {
        "size": lambda value, need: ui.tr("ev.check_size", n=value, places=need),
        "outside": lambda value, need: ui.tr("ev.check_outside", share=value, need=need),
        "new_faces": lambda value, need: ui.tr("ev.check_new", share=value, need=need),
    }
    checks = [
        (labels[name](value, need), ok)
        for name, value, need, ok in quota_checks(check, len(final), places, quotas)
    ]
    for text, ok in checks:
        (st.success if ok else st.warning)(text)

    s1, s2 = st.columns(2)
    if s1.button(ui.tr("ev.save", n=len(final)), key="ev_save", type="primary"):
        with ui.core_errors():
            added = ui.write(events.save_invitations, event_id, final)
            ui.flash(ui.tr("ev.saved", n=added, event=event_id))
            st.rerun()
    final_frame = matching.org_list_frame(ui.store(), final, cands, ui.lang())
    reasons = {i.org_id: i.reason for i in plan.invitation.invitees}
    final_frame["reason"] = final_frame["org_id"].map(
        lambda o: reasons.get(o, ui.tr("ev.added_by_hand"))
    )
    s2.download_button(
        ui.tr("common.download_xlsx"),
        ui.xlsx_bytes(
            {
                "invitations": final_frame,
                "comparison": pd.DataFrame(plan.comparison),
                "reinvite_last": matching.org_list_frame(ui.store(), habit_ids, cands, ui.lang()),
            }
        ),
        file_name=f"invitations-{event_id}.xlsx",
        key="ev_download",
        icon=":material/download:",
    )

    # Letters to the invitees of the suggested list, in each contact's language or one.
    st.markdown(f"**{ui.tr('ev.letters')}**")
    l1, l2 = st.columns([1, 2])
    letter_lang = l1.selectbox(
        ui.tr("ev.letters_lang"),
        [None, "zh", "en"],
        key="ev_letters_lang",
        format_func=lambda v: {None: ui.tr("ev.letters_contact_lang"), "zh": "中文"}.get(
            v, "English"
        ),
    )
    invitees = [i for i in plan.invitation.invitees if i.org_id in set(final)]
    with ui.core_errors():
        l2.download_button(
            ui.tr("ev.letters_download", n=len(invitees)),
            # built when clicked, not on every rerun of the page (a letter per invitee)
            partial(matching.letters_zip, ui.store(), event_id, invitees, letter_lang),
            file_name=f"letters-{event_id}.zip",
            key="ev_letters_download",
            icon=":material/mail:",
        )

st.subheader(ui.tr("ev.participants", n=len(participants)))
if participants.empty:
    st.caption(ui.tr("common.none"))
else:
    # RSVP and check-in: pick many, then set their status in one go.
    ui.table(participants, key="ev_participants", values=("status",), height=240)
    labels = dict(zip(participants["org_id"], participants["name"], strict=True))
    chosen_ids = st.multiselect(
        ui.tr("ev.pick_participants"),
        list(labels),
        key=f"ev_pick_{event_id}",
        format_func=lambda o: f"{labels[o]} ({o})",
    )
    p1, p2 = st.columns([1, 2])
    new_status = p1.selectbox(
        ui.tr("col.status"),
        PARTICIPANT_STATUSES,
        index=1,
        key=ui.key("ev_status"),
        format_func=ui.val,
    )
    p2.caption(ui.tr("ev.selected", n=len(chosen_ids)))
    if p2.button(
        ui.tr("ev.set_status", n=len(chosen_ids), status=ui.val(new_status)),
        key="ev_set_status",
        disabled=not chosen_ids,
    ):
        with ui.core_errors():
            added, changed = ui.write(people.set_status, event_id, chosen_ids, new_status)
            del st.session_state[f"ev_pick_{event_id}"]  # start the next change afresh
            ui.flash(ui.tr("ev.status_set", n=changed + added, status=ui.val(new_status)))
            st.rerun()
