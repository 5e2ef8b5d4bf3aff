"""Import / export: upload a workspace (all-or-nothing), download everything back."""

import streamlit as st

from app_pages import ui
from matchmaker.ingest import uploads
from matchmaker.views import browse as views

st.title(ui.tr("io.title"))
st.session_state.setdefault("io_result", None)
st.session_state.setdefault("io_export", None)

st.subheader(ui.tr("io.import"))
st.caption(ui.tr("io.import_help"))
files = st.file_uploader(
    ui.tr("io.files"), type=["csv", "xlsx"], accept_multiple_files=True, key="io_files"
)
if st.button(ui.tr("io.run"), key="io_run", type="primary"):
    st.session_state["io_result"] = None
    if not files:
        st.warning(ui.tr("io.no_files"))
    else:
        with ui.core_errors():
            st.session_state["io_result"] = ui.write(
                uploads.import_files, [(f.name, f.getvalue()) for f in files]
            )
if st.session_state["io_result"] is not None:
    st.success(ui.tr("io.done"))
    for table, (added, updated) in st.session_state["io_result"].items():
        st.write(ui.tr("io.result", table=ui.val(table), added=added, updated=updated))

st.divider()
st.subheader(ui.tr("io.export"))
st.caption(ui.tr("io.export_help"))
fmt = st.radio(
    ui.tr("io.format"),
    ["xlsx", "zip"],
    key=ui.key("io_format"),
    horizontal=True,
    format_func=lambda f: ui.tr(f"io.format.{f}"),
)
if st.button(ui.tr("io.prepare"), key="io_prepare"):
    with ui.core_errors():
        st.session_state["io_export"] = (fmt, ui.write(uploads.export_bytes, fmt))
if st.session_state["io_export"] is not None:
    done_fmt, data = st.session_state["io_export"]
    name = f"matchmaker-workspace.{done_fmt}"
    st.download_button(
        ui.tr("io.download", name=name),
        data,
        file_name=name,
        key="io_download",
        icon=":material/download:",
    )

with st.expander(ui.tr("io.counts")):
    counts = ui.cached(views.workspace_counts)
    st.dataframe(
        {ui.tr("io.table"): [ui.val(k) for k in counts], ui.tr("col.rows"): list(counts.values())},
        hide_index=True,
    )
