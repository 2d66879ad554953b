"""The choropleth, drawn as filled polygons on plain axes.

Plotly's geo subplot fetches a world topojson from its CDN before drawing, even
with the base map hidden, so on an offline server it shows an empty frame; plain
axes need nothing from outside. Colour is never the only signal: the legend says
each colour's word and symbol, and the page has the same figures as a table.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import readable
from metrics.geo import Outline, aspect_ratio


def choropleth(
    las: pd.DataFrame, shapes: dict[str, Outline], key: str, colours: dict[str, str], title: str,
    hover: pd.Series, selected: str | None = None, selected_name: str = "",
) -> go.Figure:
    """One filled trace per LA, grouped in the legend by its ``key`` label.

    ``selected`` (an LA code) is drawn last with a thick black outline and named in
    the legend and on the map, so the reader finds their own area without relying on
    colour.
    """
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
    mine = drawn.get(selected) if selected else None
    if mine is not None:
        fig.add_scatter(
            x=mine.x, y=mine.y, mode="lines", line={"color": "#0b0c0c", "width": 3},
            name=f"{selected_name} (selected)", legendrank=len(order) + 1, hoverinfo="skip",
        )
        xs = [v for v in mine.x if v is not None]
        ys = [v for v in mine.y if v is not None]
        fig.add_annotation(
            x=max(xs), y=(min(ys) + max(ys)) / 2, text=f"◀ {selected_name}", showarrow=False,
            xanchor="left", font={"size": 13, "color": "#0b0c0c"}, bgcolor="rgba(255,255,255,0.85)",
        )
    fig.update_layout(
        height=700, title=title, margin={"l": 0, "r": 0, "t": 40, "b": 0},
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": aspect_ratio(drawn)},
        legend={"title": {"text": "Key"}}, plot_bgcolor="#FFFFFF",
    )
    return readable(fig)
