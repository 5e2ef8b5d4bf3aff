"""Reports: the funnel and conversion per event and per chain, with charts and a workbook."""

import pandas as pd
import streamlit as st

from app_pages import charts, ui
from matchmaker.followup import report, workbook
from matchmaker.views import browse as views
from matchmaker.views import followup

st.title(ui.tr("report.title"))
st.session_state.setdefault("report_xlsx", None)

events = ui.cached(views.event_names)
chains = ui.cached(views.chain_names, ui.lang())
c1, c2 = st.columns([1, 2])
scope = c1.radio(
    ui.tr("report.scope"),
    ["all", "event", "chain"],
    key=ui.key("report_scope"),
    format_func=lambda s: ui.tr(f"report.scope.{s}"),
)
event_id = chain = None
if scope == "event" and events:
    event_id = c2.selectbox(
        ui.tr("common.event"), list(events), key="report_event", format_func=events.get
    )
elif scope == "chain" and chains:
    chain = c2.selectbox(
        ui.tr("common.chain"), list(chains), key="report_chain", format_func=chains.get
    )

with ui.core_errors():
    result = ui.cached(report.funnel, event_id=event_id, chain=chain)
    steps = ui.cached(report.conversion, event_id=event_id, chain=chain)
    keys = ("events", "invited", "attended", "attended_external", "meetings_held", "orgs_with_deal")
    for col, key in zip(st.columns(len(keys)), keys, strict=True):
        col.metric(ui.tr(f"report.kpi.{key}"), result[key])
    left, right = st.columns(2)
    with left:
        st.subheader(ui.tr("report.funnel"))
        st.plotly_chart(
            charts.funnel_figure(steps, ui.lang()), key="report_funnel", width="stretch"
        )
    with right:
        st.subheader(ui.tr("report.deals"))
        st.plotly_chart(
            charts.stage_figure(result["deals"], ui.lang()), key="report_stages", width="stretch"
        )
        conv = pd.DataFrame(steps)
        conv["step"] = conv["step"].map(lambda s: ui.tr(f"report.step.{s}"))
        st.dataframe(
            conv.rename(columns=lambda c: ui.tr(f"report.col.{c}")),
            hide_index=True,
            width="stretch",
            column_config={
                ui.tr("report.col.rate"): st.column_config.NumberColumn(format="percent"),
                ui.tr("report.col.overall"): st.column_config.NumberColumn(format="percent"),
            },
        )

    st.subheader(ui.tr("report.breakdown"))
    by = st.radio(
        ui.tr("report.by"),
        ["event", "chain"],
        key=ui.key("report_by"),
        horizontal=True,
        format_func=lambda b: ui.tr(f"report.by.{b}"),
    )
    rows = ui.cached(report.breakdown, by)
    rows = [{**r, "chain": chains.get(r["chain"], r["chain"])} if "chain" in r else r for r in rows]
    if rows:
        st.plotly_chart(
            charts.breakdown_figure(rows, by, ui.lang()), key="report_breakdown", width="stretch"
        )
        # the same headers (with units) and percentages as the workbook and the table above
        table = pd.DataFrame(rows)
        labels = {c: workbook.HEADERS.get(c, (c, c))[ui.lang() == "zh"] for c in table.columns}
        st.dataframe(
            table.rename(columns=labels),
            hide_index=True,
            width="stretch",
            key="report_breakdown_table",
            column_config={
                labels[c]: st.column_config.NumberColumn(format="percent")
                for c in table.columns
                if c.startswith("rate_")
            },
        )
    else:
        st.caption(ui.tr("common.none"))

    if st.button(ui.tr("report.prepare"), key="report_prepare"):
        st.session_state["report_xlsx"] = (
            (event_id, chain),
            ui.cached(followup.report_xlsx, event_id, chain, ui.lang()),
        )
    prepared = st.session_state["report_xlsx"]
    if prepared and prepared[0] == (event_id, chain):
        st.download_button(
            ui.tr("common.download_xlsx"),
            prepared[1],
            file_name="matchmaker-report.xlsx",
            key="report_download",
            icon=":material/download:",
        )
