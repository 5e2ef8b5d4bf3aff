"""My organisation: a company edits its own profile, contacts, offers and needs, and answers
the meeting requests it received (organisers pick any organisation)."""

import streamlit as st

from app_pages import ui
from matchmaker.events import service as events
from matchmaker.followup import orgs
from matchmaker.schema import ITEM_SIDES, ITEM_TYPES, LANGUAGES
from matchmaker.views import browse as views
from matchmaker.views import followup

st.title(ui.tr("me.title"))
names = ui.cached(views.org_names)
if ui.own_org():
    org_id = ui.own_org()
else:
    org_id = st.selectbox(
        ui.tr("org.pick"), list(names), key="me_org", format_func=lambda o: f"{names[o]} ({o})"
    )
if not org_id:
    st.stop()
actor = ui.actor()
org = ui.cached(orgs.get_organization, org_id)
st.caption(f"{ui.plain(org['name'])} ({org_id})")
st.caption(ui.tr("me.rebuild_note"))

tab_profile, tab_contacts, tab_items, tab_requests = st.tabs(
    [ui.tr("me.profile"), ui.tr("org.contacts"), ui.tr("me.items"), ui.tr("me.requests")]
)

with tab_profile, st.form(f"me_profile_{org_id}_{org['version']}"):
    description = st.text_area(
        ui.tr("col.description"), value=org["description"] or "", key="me_description"
    )
    website = st.text_input(ui.tr("org.website"), value=org["website"] or "", key="me_website")
    if st.form_submit_button(ui.tr("me.save_profile"), key="me_save_profile"):
        changes = {
            k: v
            for k, v in (("description", description), ("website", website))
            if (v or None) != org[k]
        }
        if not changes:
            st.info(ui.tr("me.nothing_changed"))
        else:
            with ui.core_errors():
                ui.write(orgs.update_organization, org_id, changes, org["version"], actor)
                ui.flash(ui.tr("me.saved"))
                st.rerun()

with tab_contacts:
    contacts = ui.cached(followup.contacts_frame, org_id)
    ui.table(contacts, key="me_contacts", values=("language",))
    ids = [None, *contacts["contact_id"]]
    pick = st.selectbox(
        ui.tr("me.contact_pick"),
        ids,
        key=f"me_contact_pick_{org_id}",
        format_func=lambda c: ui.tr("me.new") if c is None else c,
    )
    old = contacts.set_index("contact_id").loc[pick].to_dict() if pick else {}
    with st.form(f"me_contact_{org_id}_{pick}_{ui.stamp()[0]}"):
        c1, c2 = st.columns(2)
        name = c1.text_input(ui.tr("col.name"), value=old.get("name") or "", key="me_c_name")
        title = c2.text_input(ui.tr("col.title"), value=old.get("title") or "", key="me_c_title")
        email = c1.text_input(ui.tr("col.email"), value=old.get("email") or "", key="me_c_email")
        phone = c2.text_input(ui.tr("col.phone"), value=old.get("phone") or "", key="me_c_phone")
        language = c1.selectbox(
            ui.tr("col.language"),
            LANGUAGES,
            index=LANGUAGES.index(old.get("language") or "zh"),
            key="me_c_lang",
            format_func=lambda v: {"zh": "中文", "en": "English"}[v],
        )
        primary = c2.checkbox(
            ui.tr("col.primary"), value=bool(old.get("primary")), key="me_c_primary"
        )
        if st.form_submit_button(ui.tr("me.save_contact"), key="me_save_contact"):
            with ui.core_errors():
                row = {
                    "contact_id": pick,
                    "org_id": org_id,
                    "name": name,
                    "title": title,
                    "email": email,
                    "phone": phone,
                    "primary": primary,
                    "language": language,
                }
                saved = ui.write(orgs.save_contact, row, actor)
                ui.flash(ui.tr("me.contact_saved", name=saved["name"]))
                st.rerun()

with tab_items:
    items = ui.cached(followup.own_items_frame, org_id)
    ui.table(items, key="me_items", values=("side", "type"))
    segments = ui.cached(views.segments)
    seg_names = dict(zip(segments["segment_id"], segments["name"], strict=True))
    pick = st.selectbox(
        ui.tr("me.item_pick"),
        [None, *items["item_id"]],
        key=f"me_item_pick_{org_id}",
        format_func=lambda i: (
            ui.tr("me.new") if i is None else f"{i} · {items.set_index('item_id').at[i, 'title']}"
        ),
    )
    old = items.set_index("item_id").loc[pick].to_dict() if pick else {}
    with st.form(f"me_item_{org_id}_{pick}_{ui.stamp()[0]}"):
        i1, i2, i3 = st.columns(3)
        side = i1.selectbox(
            ui.tr("col.side"),
            ITEM_SIDES,
            index=ITEM_SIDES.index(old.get("side") or "offer"),
            key="me_i_side",
            format_func=ui.val,
        )
        kind = i2.selectbox(
            ui.tr("col.type"),
            ITEM_TYPES,
            index=ITEM_TYPES.index(old.get("type") or "product"),
            key="me_i_type",
            format_func=ui.val,
        )
        seg_ids = [None, *seg_names]
        segment = i3.selectbox(
            ui.tr("common.segment"),
            seg_ids,
            index=seg_ids.index(old.get("segment")) if old.get("segment") in seg_ids else 0,
            key="me_i_segment",
            format_func=lambda s: seg_names.get(s, s) if s else "-",
        )
        title = st.text_input(ui.tr("col.title"), value=old.get("title") or "", key="me_i_title")
        description = st.text_area(
            ui.tr("col.description"), value=old.get("description") or "", key="me_i_desc"
        )
        keywords = st.text_input(
            ui.tr("me.keywords"), value=old.get("keywords") or "", key="me_i_keywords"
        )
        save = st.form_submit_button(ui.tr("me.save_item"), key="me_save_item")
        retire = st.form_submit_button(ui.tr("me.retire_item"), key="me_retire", disabled=not pick)
        if save:
            with ui.core_errors():
                row = {
                    "item_id": pick,
                    "org_id": org_id,
                    "side": side,
                    "type": kind,
                    "title": title,
                    "description": description,
                    "segment": segment,
                    "keywords": keywords,
                }
                saved = ui.write(orgs.save_item, row, actor)
                ui.flash(ui.tr("me.item_saved", title=saved["title"]))
                st.rerun()
        if retire and pick:
            with ui.core_errors():
                ui.write(orgs.retire_item, pick, actor)
                ui.flash(ui.tr("me.item_retired", item=pick))
                st.rerun()

with tab_requests:
    event_names = ui.cached(views.event_names)
    if not event_names:
        st.caption(ui.tr("common.none"))
    else:
        ev = st.selectbox(
            ui.tr("common.event"),
            list(event_names),
            index=len(event_names) - 1,
            key="me_req_event",
            format_func=lambda e: f"{e} · {event_names[e]}",
        )
        reqs = ui.cached(followup.requests_frame, org_id, ev)
        ui.table(reqs, key="me_requests", values=("direction", "answer"))
        waiting = reqs[(reqs["direction"] == "received") & (reqs["answer"] == "")]
        for other, other_name in zip(waiting["other"], waiting["name"], strict=True):
            r1, r2, r3 = st.columns([2, 1, 1])
            r1.markdown(ui.tr("me.asks_you", name=ui.plain(other_name)))
            if r2.button(ui.tr("me.accept"), key=f"me_accept_{other}"):
                with ui.core_errors():
                    ui.write(events.add_request, ev, org_id, other, "meet")
                    ui.flash(ui.tr("me.accepted", name=other_name))
                    st.rerun()
            if r3.button(ui.tr("me.decline"), key=f"me_decline_{other}"):
                with ui.core_errors():
                    ui.write(events.add_request, ev, org_id, other, "avoid")
                    ui.flash(ui.tr("me.declined", name=other_name))
                    st.rerun()
