"""Organisations: what the workspace holds, filters, and one organisation's profile."""

import streamlit as st

from app_pages import ui
from matchmaker.events import service as events
from matchmaker.schema import ORG_KINDS, TIERS
from matchmaker.views import browse as views
from matchmaker.views import followup

st.title(ui.tr("org.title"))

counts = ui.cached(views.workspace_counts)
shown = ("organizations", "segments", "items", "relations", "events", "deals")
for col, name in zip(st.columns(len(shown)), shown, strict=True):
    col.metric(ui.val(name), counts[name])

if not counts["organizations"]:
    st.info(ui.tr("app.empty"))
    st.stop()

tab_orgs, tab_segments = st.tabs([ui.tr("org.title"), ui.tr("org.segments_title")])

with tab_orgs:
    chains = ui.cached(views.chain_names, ui.lang())
    c1, c2, c3 = st.columns(3)
    chain = c1.selectbox(
        ui.tr("common.chain"),
        [None, *chains],
        key=ui.key("org_chain"),
        format_func=lambda c: chains.get(c, c) if c else ui.tr("common.all"),
    )
    segs = ui.cached(views.segments, chain, ui.lang())
    seg_names = dict(zip(segs["segment_id"], segs["name"], strict=True))
    segment = c2.selectbox(
        ui.tr("common.segment"),
        [None, *seg_names],
        key=ui.key("org_segment"),
        format_func=lambda s: seg_names.get(s, s) if s else ui.tr("common.all"),
    )
    location = c3.radio(
        ui.tr("common.location"),
        [None, True, False],
        key=ui.key("org_local"),
        horizontal=True,
        format_func=lambda v: {None: ui.tr("common.all"), True: ui.tr("common.local")}.get(
            v, ui.tr("common.outside")
        ),
    )
    c4, c5, c6 = st.columns(3)
    tiers = c4.multiselect(ui.tr("common.tier"), TIERS, key=ui.key("org_tiers"), format_func=ui.val)
    kinds = c5.multiselect(
        ui.tr("common.kind"), ORG_KINDS, key=ui.key("org_kinds"), format_func=ui.val
    )
    query = c6.text_input(ui.tr("common.search"), key="org_query")

    found = ui.cached(
        views.organizations,
        chain=chain,
        segment=segment,
        tiers=tuple(tiers),
        kinds=tuple(kinds),
        local=location,
        query=query,
        lang=ui.lang(),
    )
    if ui.own_org():  # a company user: its own organisation only
        found = found[found["org_id"] == ui.own_org()]
    st.caption(ui.tr("org.found", n=len(found)))
    # A registry-size list is not read row by row: the table and the profile picker show the
    # first ui.SHOWN_ROWS (each rerun sends them to the browser); "add these" takes them all.
    listed = found.head(ui.SHOWN_ROWS)
    if len(listed) < len(found):
        st.caption(ui.tr("org.first_rows", n=len(listed)))
    ui.table(listed, key="org_table", values=("kind", "tier"), height=300)

    event_names = ui.cached(views.event_names) if ui.role() in ("organiser", "admin") else {}
    if event_names and not found.empty:
        # "add these organisations": the filtered list joins an event as invited.
        a1, a2 = st.columns([2, 1])
        target = a1.selectbox(
            ui.tr("org.add_event"),
            list(event_names),
            index=len(event_names) - 1,
            key="org_add_event",
            format_func=lambda e: f"{e} · {event_names[e]}",
        )
        if a2.button(ui.tr("org.add_these", n=len(found)), key="org_add_these"):
            with ui.core_errors():
                added = ui.write(events.save_invitations, target, list(found["org_id"]))
                ui.flash(ui.tr("org.added", n=added, event=target))
                st.rerun()

    st.subheader(ui.tr("org.profile"))
    names = dict(zip(listed["org_id"], listed["name"], strict=True))
    org_id = st.selectbox(
        ui.tr("org.pick"),
        list(names),
        key="org_pick",
        format_func=lambda o: f"{names[o]} ({o})",
    )
    if org_id:
        with ui.core_errors():
            profile = ui.cached(views.org_profile, org_id, ui.lang())
            org = profile.org
            # in 中文 the Chinese name alone; in English the Chinese name beside the English one
            zh = org["name_zh"] if ui.lang() == "en" and org["name_zh"] else ""
            zh = f" · {ui.plain(zh)}" if zh else ""
            st.markdown(f"### {ui.plain(names[org_id])}{zh}")
            facts = [
                ui.val(org["kind"]),
                ui.val(org["tier"]) if org["tier"] else None,
                ui.tr("common.local") if org["local"] else ui.tr("common.outside"),
                ui.plain(org["region"]) if org["region"] else None,
                ui.plain(" · ".join(chains.get(c, c) for c in org["chains"]))
                if org["chains"]
                else None,
            ]
            st.caption(" | ".join(f for f in facts if f))
            if org["description"]:
                st.markdown(ui.plain(org["description"]))
            if org["website"]:
                st.caption(f"{ui.tr('org.website')}: {ui.plain(org['website'])}")
            tabs = st.tabs(
                [
                    ui.tr("org.offers", n=len(profile.offers)),
                    ui.tr("org.needs", n=len(profile.needs)),
                    ui.tr("org.relations", n=len(profile.relations)),
                    ui.tr("org.events", n=len(profile.events)),
                    ui.tr("org.deals", n=len(profile.deals)),
                ]
            )
            frames = (
                profile.offers,
                profile.needs,
                profile.relations,
                profile.events,
                profile.deals,
            )
            for i, (tab, frame) in enumerate(zip(tabs, frames, strict=True)):
                with tab:
                    ui.table(
                        frame, key=f"org_profile_{i}", values=("type", "role", "status", "stage")
                    )
            if ui.role() in ("organiser", "admin") or ui.own_org() == org_id:
                st.markdown(f"**{ui.tr('org.contacts')}**")
                ui.table(
                    ui.cached(followup.contacts_frame, org_id),
                    key="org_contacts",
                    values=("language",),
                )

with tab_segments:
    ui.table(ui.cached(views.segments, None, ui.lang()), key="org_segments", values=("stage",))
