"""The choropleth, drawn as filled polygons on plain axes.

Plotly's geo subplot fetches a world topojson from its CDN before drawing, even
with the base map hidden, so on an offline server it shows an empty frame; plain
axes need nothing from outside. Colour is never the only signal: the legend says
each colour's word and symbol, and the page has the same figures as a table.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.geo import Outline, aspect_ratio


def choropleth(
    las: pd.DataFrame, shapes: dict[str, Outline], key: str, colours: dict[str, str], title: str,
    hover: pd.Series,
) -> go.Figure:
    """One filled trace per LA, grouped in the legend by its ``key`` label."""
    drawn = {c: shapes[c] for c in las["area_code"] if c in shapes}
    fig = go.Figure()
    order = {label: i for i, label in enumerate(colours)}
    in_legend: set[str] = set()
    for code, label, text in zip(las["area_code"], las[key], hover, strict=True):
        shape = drawn.get(code)
        if shape is None:
            continue
        fig.add_scatter(
            x=shape.x, y=shape.y, mode="lines", fill="toself",
            fillcolor=colours.get(label, "#CCCCCC"), line={"color": "#FFFFFF", "width": 0.6},
            name=label, legendgroup=label, legendrank=order.get(label, len(order)),
            showlegend=label not in in_legend, hoveron="fills", text=text, hoverinfo="text",
        )
        in_legend.add(label)
    fig.update_layout(
        height=700, title=title, margin={"l": 0, "r": 0, "t": 40, "b": 0},
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": aspect_ratio(drawn)},
        legend={"title": {"text": "Key"}}, plot_bgcolor="#FFFFFF",
    )
    return fig
