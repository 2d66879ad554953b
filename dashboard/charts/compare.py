"""Ranked bars with CI whiskers, and the funnel plot."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.format import COMPARISON_TEXT


def ranked_bars(las: pd.DataFrame, meta: dict[str, object]) -> go.Figure:
    d = las[las["value"].notna()]
    colours = [
        "#000000" if sel else COMPARISON_TEXT.get(c, COMPARISON_TEXT["not_compared"])[2]
        for c, sel in zip(d["comparison"], d["selected"], strict=True)
    ]
    fig = go.Figure()
    fig.add_bar(
        x=d["name"], y=d["value"], marker_color=colours,
        error_y={"type": "data", "symmetric": False, "array": d["upper95"] - d["value"],
                 "arrayminus": d["value"] - d["lower95"], "color": "#444444"},
        customdata=d["comparison"].map(lambda c: COMPARISON_TEXT.get(c, ("", c, ""))[1]),
        hovertemplate="%{x}: %{y:.1f} (%{customdata})<extra></extra>", name="LA value",
    )
    eng = d["england_value"].iloc[0] if len(d) else None
    if eng is not None and eng == eng:
        fig.add_hline(y=eng, line_dash="dash", line_color="#000000",
                      annotation_text=f"England {eng:.1f}")
    fig.update_layout(
        height=480, xaxis={"showticklabels": len(d) <= 40, "title": None},
        yaxis={"title": str(meta["unit"])}, margin={"t": 30},
        title=f"{meta['short_title']}: LAs ranked (selected area in black)",
    )
    return fig


def funnel_chart(points: pd.DataFrame, limits: pd.DataFrame, meta: dict[str, object]) -> go.Figure:
    fig = go.Figure()
    x = limits.columns[0]
    for col, dash in zip(limits.columns[1:], ["dot", "dash", "dash", "dot", "solid"], strict=False):
        fig.add_scatter(x=limits[x], y=limits[col], mode="lines", name=col,
                        line={"dash": dash, "color": "#555555"}, hoverinfo="skip")
    sym = {"Not significant": "circle"}
    fig.add_scatter(
        x=points["denominator"], y=points["value"], mode="markers", name="LAs",
        text=points["name"] + ": " + points["funnel"],
        marker={"size": [14 if s else 8 for s in points["selected"]],
                "color": ["#000000" if s else "#0072B2" for s in points["selected"]],
                "symbol": [sym.get(f, "diamond") for f in points["funnel"]]},
        hovertemplate="%{text}<br>%{y:.1f}<extra></extra>",
    )
    fig.update_layout(height=480, xaxis={"title": "Denominator"}, yaxis={"title": str(meta["unit"])},
                      title=f"{meta['short_title']}: funnel plot (95% and 99.8% limits)")
    return fig
