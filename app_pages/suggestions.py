"""Partner suggestions: pick an organisation, a direction and filters; ranked partners with
their reasons; mark interest (records an intent) and export the list."""

import streamlit as st

from app_pages import ui
from matchmaker.events import service as events
from matchmaker.followup import deals, progress
from matchmaker.recommend.explain import DIRECTIONS
from matchmaker.schema import ORG_KINDS, TIERS
from matchmaker.views import browse as views
from matchmaker.views import matching

st.title(ui.tr("suggest.title"))
st.caption(ui.tr("suggest.caption"))

names = ui.cached(views.org_names, ui.lang())
if not names:
    st.info(ui.tr("app.empty"))
    st.stop()

c1, c2 = st.columns([2, 1])
org_id = c1.selectbox(
    ui.tr("suggest.org"),
    [ui.own_org()] if ui.own_org() else list(names),
    key="sug_org",
    format_func=lambda o: f"{names[o]} ({o})",
)
direction = c2.radio(
    ui.tr("suggest.direction"),
    DIRECTIONS,
    key=ui.key("sug_direction"),
    format_func=lambda d: ui.tr(f"suggest.dir.{d}"),
)
weak = st.toggle(ui.tr("suggest.show_weak"), key=ui.key("sug_weak"))
with st.expander(ui.tr("suggest.filters"), expanded=False):
    f1, f2, f3 = st.columns(3)
    location = f1.radio(
        ui.tr("common.location"),
        [None, True, False],
        key=ui.key("sug_local"),
        format_func=lambda v: {None: ui.tr("common.all"), True: ui.tr("common.local")}.get(
            v, ui.tr("common.outside")
        ),
    )
    kinds = f2.multiselect(
        ui.tr("common.kind"), ORG_KINDS, key=ui.key("sug_kinds"), format_func=ui.val
    )
    tiers = f3.multiselect(ui.tr("common.tier"), TIERS, key=ui.key("sug_tiers"), format_func=ui.val)
    chain_names = ui.cached(views.chain_names, ui.lang())
    chains = f1.multiselect(
        ui.tr("common.chain"),
        list(chain_names),
        key="sug_chains",
        format_func=lambda c: chain_names.get(c, c),
    )
    k = f2.slider(ui.tr("suggest.k"), 3, 30, 10, key="sug_k")
    event_names = ui.cached(views.event_names)
    event_id = f3.selectbox(
        ui.tr("suggest.event"),
        [None, *event_names],
        key="sug_event",
        format_func=lambda e: event_names[e] if e else "-",
    )

filters = {}
if location is not None:
    filters["local"] = location
if kinds:
    filters["kinds"] = tuple(kinds)
if tiers:
    filters["tiers"] = tuple(tiers)
if chains:
    filters["chains"] = tuple(chains)

suggestions = []
with ui.core_errors():
    suggestions = ui.recommender().recommend(
        org_id, direction, k, filters, lang=ui.lang(), weak=weak
    )

hidden = getattr(suggestions, "hidden", 0)
if not suggestions:
    st.info(ui.tr("suggest.weak_hidden", hidden=hidden) if hidden else ui.tr("suggest.none"))
    st.stop()
if len(suggestions) < k and hidden:
    st.info(ui.tr("suggest.short", shown=len(suggestions), hidden=hidden))

table = matching.suggestion_frame(suggestions)
d1, d2, _ = st.columns([1, 1, 3])
d1.download_button(
    ui.tr("common.download_csv"),
    ui.csv_bytes(table),
    file_name=f"suggestions-{org_id}-{direction}.csv",
    mime="text/csv",
    key="sug_csv",
    icon=":material/download:",
)
d2.download_button(
    ui.tr("common.download_xlsx"),
    ui.xlsx_bytes({"suggestions": table}),
    file_name=f"suggestions-{org_id}-{direction}.xlsx",
    key="sug_xlsx",
    icon=":material/download:",
)

live = ui.cached(matching.live_deal_pairs)
# names in the reader's language: the suggestion carries the names as entered
seg_shown = ui.cached(views.segment_names_by_name, ui.lang())
undo = st.session_state.get("sug_undo")
if undo:  # the intent just recorded: shown, with a way back
    deal_id, partner_name = undo
    u1, u2 = st.columns([3, 1])
    u1.success(ui.tr("suggest.interest_done", deal=deal_id, partner=ui.plain(partner_name)))
    if u2.button(ui.tr("suggest.undo"), key="sug_undo_button", icon=":material/undo:"):
        with ui.core_errors():
            ui.write(progress.withdraw_deal, deal_id, actor=ui.actor())
            st.session_state["sug_undo"] = None
            ui.flash(ui.tr("suggest.undone", deal=deal_id))
            st.rerun()
for rank, s in enumerate(suggestions, start=1):
    with st.container(border=True, key=f"sug_card_{s.partner_id}"):
        head, score = st.columns([4, 1])
        partner_name = names.get(s.partner_id, s.partner_name)
        partner = f"{ui.plain(partner_name)}** ({ui.plain(s.partner_id)})"
        head.markdown(f"**{rank}. {partner} · {ui.val(s.partner_kind)}")
        score.progress(min(max(s.score, 0.0), 1.0), text=ui.tr("suggest.score", score=s.score))
        lines = [ui.tr(f"suggest.strength.{s.strength}")] if s.strength else []
        if s.value > s.score + 0.005:
            lines.append(ui.tr("suggest.spread", value=s.value))
        if s.offer_title or s.need_title:
            lines.append(
                ui.tr(
                    "suggest.match",
                    offer=ui.plain(s.offer_title or "-"),
                    need=ui.plain(s.need_title or "-"),
                )
            )
        if s.chain_path:
            path = " → ".join(seg_shown.get(p, p) for p in s.chain_path)
            lines.append(ui.tr("suggest.path", path=ui.plain(path)))
        if s.shared_partner_names:
            pairs = zip(s.shared_partners, s.shared_partner_names, strict=True)
            shared = [names.get(o, n) for o, n in pairs]
            names_ = ui.plain(", ".join(shared))
            lines.append(ui.tr("suggest.shared", names=names_))
        if s.already_partners:
            lines.append(ui.tr("suggest.already_partners"))
        elif s.already_met:
            lines.append(ui.tr("suggest.already_met"))
        lines.append(
            ui.tr(
                "suggest.similarity",
                sem=s.semantic_similarity,
                lex=s.lexical_similarity,
                recip=s.reciprocal_score,
            )
        )
        st.markdown("\n".join(f"- {line}" for line in lines))
        st.caption(ui.plain(s.reason))
        has_deal = frozenset((s.org_id, s.partner_id)) in live
        b1, b2, _ = st.columns([1, 1, 2])
        if b1.button(
            ui.tr("suggest.has_deal") if has_deal else ui.tr("suggest.interest"),
            key=f"sug_interest_{s.partner_id}",
            disabled=has_deal,
            icon=":material/thumb_up:",
        ):
            st.session_state["sug_confirm"] = s.partner_id  # ask before recording anything
        if st.session_state.get("sug_confirm") == s.partner_id and not has_deal:
            st.warning(ui.tr("suggest.interest_ask", partner=ui.plain(s.partner_name)))
            y, n, _ = st.columns([1, 1, 2])
            if y.button(ui.tr("suggest.interest_yes"), key=f"sug_yes_{s.partner_id}"):
                with ui.core_errors():
                    made = ui.write(
                        deals.add_deal,
                        s.org_id,
                        s.partner_id,
                        actor=ui.actor(),
                        suggestion=s.reason,
                        title=s.offer_title or s.need_title,
                    )
                    st.session_state["sug_confirm"] = None
                    st.session_state["sug_undo"] = (made.deal_id, s.partner_name)
                    st.rerun()
            if n.button(ui.tr("suggest.interest_no"), key=f"sug_no_{s.partner_id}"):
                st.session_state["sug_confirm"] = None
                st.rerun()
        if b2.button(
            ui.tr("suggest.request"),
            key=f"sug_request_{s.partner_id}",
            disabled=event_id is None,
            help=None if event_id else ui.tr("suggest.request_help"),
            icon=":material/event_available:",
        ):
            with ui.core_errors():
                ui.write(events.add_request, event_id, s.org_id, s.partner_id, "meet", s.reason)
                ui.flash(
                    ui.tr("suggest.request_done", partner=ui.plain(partner_name), event=event_id)
                )
                st.rerun()
