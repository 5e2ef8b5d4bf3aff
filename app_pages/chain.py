"""Industry chain: segments upstream -> downstream, organisations per segment, the gaps."""

import streamlit as st

from app_pages import charts, ui
from matchmaker.views import browse as views

st.title(ui.tr("chain.title"))

chains = ui.cached(views.chain_names, ui.lang())
if not chains:
    st.info(ui.tr("chain.no_chains"))
    st.stop()

chain = st.selectbox(
    ui.tr("chain.pick"), list(chains), key="chain_pick", format_func=lambda c: chains.get(c, c)
)
with ui.core_errors():
    picture = ui.cached(views.chain_map, chain, ui.lang())
    st.caption(ui.tr("chain.caption"))
    st.plotly_chart(charts.chain_figure(picture, ui.lang()), key="chain_figure", width="stretch")
    gaps = picture.gaps
    st.subheader(ui.tr("chain.gaps", n=len(gaps)))
    if gaps.empty:
        st.success(ui.tr("chain.no_gaps"))
    else:
        st.caption(ui.tr("chain.gap_hint"))
        ui.table(gaps.drop(columns=["x", "y", "gap"]), key="chain_gaps", values=("stage",))
    with st.expander(ui.tr("chain.segments")):
        ui.table(
            picture.nodes.drop(columns=["x", "y", "gap"]), key="chain_segments", values=("stage",)
        )
