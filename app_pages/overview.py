"""Overview: the KPIs to date, the funnel, and the follow-ups that need attention."""

import streamlit as st

from app_pages import charts, ui
from matchmaker import config
from matchmaker.demo import demo_dir
from matchmaker.followup import report
from matchmaker.ingest.uploads import load_demo
from matchmaker.views import browse as views
from matchmaker.views import followup

st.title(ui.tr("overview.title"))

counts = ui.cached(views.workspace_counts)
if not counts["organizations"]:
    st.info(ui.tr("app.empty"))
    if ui.role() in ("organiser", "admin") and st.button(
        ui.tr("common.load_demo"), key="overview_demo", type="primary"
    ):
        with ui.core_errors():
            # the demo workspace in the session's language (data/demo_zh in 中文), dated
            # relative to today
            result = ui.write(load_demo, demo_dir(ui.lang()))
            added = sum(a for a, _ in result.values())
            ui.flash(ui.tr("common.demo_loaded", n=added))
            st.rerun()
    st.stop()

result = ui.cached(report.funnel)
attended = result["attended"]
share = result["attended_external"] / attended if attended else 0.0
kpis = [
    (ui.tr("report.kpi.events"), result["events"]),
    (ui.tr("report.kpi.attended"), attended),
    (ui.tr("overview.outside_share"), f"{share:.0%}"),
    (ui.tr("overview.deals_at", stage=ui.val("intent")), result["deals"]["intent"]),
    (ui.tr("overview.deals_at", stage=ui.val("in_progress")), result["deals"]["in_progress"]),
    (ui.tr("overview.deals_at", stage=ui.val("signed")), result["deals"]["signed"]),
]
for col, (label, value) in zip(st.columns(len(kpis)), kpis, strict=True):
    col.metric(label, value)
st.caption(
    ui.tr(
        "overview.caption",
        outside=result["attended_external"],
        orgs=result["orgs_with_deal"],
        meetings=result["meetings_held"],
    )
)

left, right = st.columns(2)
with left:
    st.subheader(ui.tr("report.funnel"))
    steps = ui.cached(report.conversion)
    st.plotly_chart(charts.funnel_figure(steps, ui.lang()), key="overview_funnel", width="stretch")
with right:
    stale = ui.cached(followup.deal_board, stale_only=True, lang=ui.lang())
    st.subheader(ui.tr("overview.stale", n=len(stale)))
    st.caption(ui.tr("deals.stale_rule", days=config.get("stale_days")))
    ui.table(
        stale.sort_values(["last_change", "deal_id"], na_position="first")[
            ["deal_id", "stage", "parties", "title", "last_change", "due_date"]
        ],
        key="overview_stale",
        values=("stage",),
        height=300,
    )
    st.page_link(
        "app_pages/deals.py", label=ui.tr("overview.to_deals"), icon=":material/handshake:"
    )
