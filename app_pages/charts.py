"""Plotly figures the pages draw (not a page itself): data in, a figure out."""

from __future__ import annotations

import plotly.graph_objects as go

from matchmaker.schema import STAGES
from matchmaker.views.browse import ChainMap
from matchmaker.views.i18n import t, value_label

GAP_COLOUR = "#d62728"
OK_COLOUR = "#1f77b4"
LINK_COLOUR = "#9aa5b1"


def chain_figure(chain: ChainMap, lang: str) -> go.Figure:
    """The chain's segments in three stage columns, links as arrows, gaps in red."""
    nodes = chain.nodes
    pos = {r.segment_id: (r.x, -r.y) for r in nodes.itertuples()}
    fig = go.Figure()
    for up, down in chain.links:
        (x0, y0), (x1, y1) = pos[up], pos[down]
        if x0 == x1:  # a link inside one stage: bend it to the right of the column
            bend = (x0 + 0.3, (y0 + y1) / 2)
            fig.add_trace(
                go.Scatter(
                    x=[x0, bend[0]],
                    y=[y0, bend[1]],
                    mode="lines",
                    hoverinfo="skip",
                    line={"color": LINK_COLOUR, "width": 1},
                    showlegend=False,
                )
            )
            x0, y0 = bend
        fig.add_annotation(
            x=x1,
            y=y1,
            ax=x0,
            ay=y0,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1.2,
            arrowwidth=1,
            arrowcolor=LINK_COLOUR,
            standoff=14,
            text="",
        )
    for gap, colour, label in (
        (False, OK_COLOUR, "chain.legend_ok"),
        (True, GAP_COLOUR, "chain.legend_gap"),
    ):
        part = nodes[nodes["gap"] == gap]
        if part.empty:
            continue
        hover = [
            t(
                "chain.hover",
                lang,
                name=r.name,
                suppliers=r.suppliers,
                local=r.local_suppliers,
                outside=r.outside_suppliers,
                buyers=r.buyers,
            )
            for r in part.itertuples()
        ]
        fig.add_trace(
            go.Scatter(
                x=part["x"],
                y=-part["y"],
                mode="markers+text",
                name=t(label, lang),
                text=[f"{r.name} ({r.suppliers})" for r in part.itertuples()],
                textposition="top center",
                hovertext=hover,
                hoverinfo="text",
                marker={
                    "size": 14 + 3 * part["suppliers"].clip(upper=12),
                    "color": colour,
                    "line": {"width": 1, "color": "white"},
                },
            )
        )
    rows = int(nodes["y"].max()) + 1 if len(nodes) else 1
    fig.update_layout(
        height=max(320, 90 * rows),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top"},
        plot_bgcolor="white",
        xaxis={
            "tickvals": list(range(len(STAGES))),
            "ticktext": [value_label(s, lang) for s in STAGES],
            "range": [-0.5, len(STAGES) - 0.5],
            "side": "top",
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={"visible": False, "range": [-rows + 0.4, 0.6]},
    )
    return fig


def funnel_figure(steps: list[dict], lang: str) -> go.Figure:
    """The organisation funnel (rows of :func:`matchmaker.followup.report.conversion`)."""
    labels = [t(f"report.step.{s['step']}", lang) for s in steps]
    fig = go.Figure(
        go.Funnel(
            y=labels,
            x=[s["organisations"] for s in steps],
            textinfo="value+percent initial",
            marker={"color": ["#1f77b4", "#4e79a7", "#f28e2b", "#edc948", "#59a14f"][: len(steps)]},
        )
    )
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


BREAKDOWN_BARS = (
    "attended",
    "attended_external",
    "meetings_held",
    "deals_intent",
    "deals_in_progress",
    "deals_signed",
)


def breakdown_figure(rows: list[dict], by: str, lang: str) -> go.Figure:
    """Grouped bars: attendance, meetings and deals per event or per chain
    (rows of :func:`matchmaker.followup.report.breakdown`)."""
    names = [str(r["name"] if by == "event" else r["chain"]) for r in rows]
    fig = go.Figure(
        [
            go.Bar(name=t(f"report.bar.{key}", lang), x=names, y=[r[key] for r in rows])
            for key in BREAKDOWN_BARS
        ]
    )
    fig.update_layout(
        barmode="group",
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.12},
    )
    return fig


def stage_figure(counts: dict[str, int], lang: str) -> go.Figure:
    """Deals per stage as horizontal bars."""
    colours = {
        "intent": "#f28e2b",
        "in_progress": "#edc948",
        "signed": "#59a14f",
        "dropped": "#bab0ac",
    }
    stages = list(counts)
    fig = go.Figure(
        go.Bar(
            x=[counts[s] for s in stages],
            y=[value_label(s, lang) for s in stages],
            orientation="h",
            marker={"color": [colours.get(s, "#4e79a7") for s in stages]},
            text=[counts[s] for s in stages],
            textposition="auto",
        )
    )
    fig.update_layout(
        height=220, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"autorange": "reversed"}
    )
    return fig
