"""One indicator over time: the chosen area, its comparators and any areas added.

Each line's look says what it is, the same in every view: the chosen area is the
thick black line with its 95% confidence interval, drawn last so nothing covers
it; England, the region and the statistical neighbours each keep one colour and
dash whatever else is drawn; areas a reader adds take the next colour of a
colour-blind-safe palette. Line dashes and marker shapes differ too, so colour is
never the only way to tell lines apart.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import TEXT, readable
from metrics.display import fmt_interval, fmt_value
from metrics.framework import ENGLAND
from metrics.ofsted import PeriodMarker

FIXED = {  # role: (colour, dash, marker)
    "england": ("#505a5f", "dash", "square"),
    "region": ("#8a5a00", "dot", "diamond"),
    "neighbours": ("#6f2c91", "dashdot", "triangle-up"),
}
ADDED = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00"]
ADDED_DASH = ["longdash", "longdashdot", "solid", "dash", "dot", "dashdot"]


def _role(code: str, focus: str, region: str | None) -> str:
    if code == focus:
        return "focus"
    if code == ENGLAND:
        return "england"
    if code == "neighbours":
        return "neighbours"
    if region and code == region:
        return "region"
    return "added"


def trend_chart(series: pd.DataFrame, focus: str, region: str | None, places: int, unit: str,
                title: str, order: list[str]) -> go.Figure:
    """``series``: :func:`metrics.comparisons.indicator_series`; ``focus``: the chosen area's code."""
    fig = go.Figure()
    drawn: list[tuple[int, go.Scatter]] = []
    added = 0
    for code, s in series.groupby("area_code", sort=False):
        role = _role(str(code), focus, region)
        name = str(s["name"].iloc[0])
        hover = [f"{name}, {p}: {fmt_value(v, places, bool(x) if x == x else False)}"
                 + (f" (95% CI {fmt_interval(lo, hi, places)})" if lo == lo and hi == hi else "")
                 for p, v, x, lo, hi in zip(s["period_label"], s["value"], s["suppressed"],
                                            s.get("lower95", pd.Series(float("nan"), index=s.index)),
                                            s.get("upper95", pd.Series(float("nan"), index=s.index)),
                                            strict=True)]
        style: dict[str, object] = {"x": s["period_label"], "y": s["value"], "mode": "lines+markers",
                                    "name": name, "text": hover, "hovertemplate": "%{text}<extra></extra>"}
        if role == "focus":
            style.update(line={"color": TEXT, "width": 4}, marker={"size": 9, "color": TEXT, "symbol": "circle"},
                         name=f"{name} (chosen area)", legendrank=1)
            if "lower95" in s and s["lower95"].notna().any():
                style["error_y"] = {"type": "data", "symmetric": False, "color": TEXT, "thickness": 1.5,
                                    "array": s["upper95"] - s["value"], "arrayminus": s["value"] - s["lower95"]}
            rank = 100  # drawn last: on top of every other line
        elif role in FIXED:
            colour, dash, symbol = FIXED[role]
            style.update(line={"color": colour, "width": 2, "dash": dash},
                         marker={"size": 7, "color": colour, "symbol": symbol},
                         legendrank={"england": 2, "region": 3, "neighbours": 4}[role])
            rank = {"england": 3, "region": 2, "neighbours": 1}[role]
        else:
            colour = ADDED[added % len(ADDED)]
            style.update(line={"color": colour, "width": 2, "dash": ADDED_DASH[added % len(ADDED_DASH)]},
                         marker={"size": 7, "color": colour, "symbol": "x"}, legendrank=10 + added)
            added += 1
            rank = 0
        drawn.append((rank, go.Scatter(**style)))
    for _, trace in sorted(drawn, key=lambda t: t[0]):
        fig.add_trace(trace)
    fig.update_layout(height=460, yaxis={"title": unit},
                      xaxis={"type": "category", "categoryorder": "array", "categoryarray": order,
                             "title": "Period"},
                      title=title, legend={"orientation": "h", "y": -0.2})
    return readable(fig)


def mark_inspections(fig: go.Figure, markers: Iterable[PeriodMarker]) -> go.Figure:
    """A dotted line and its words at the period holding each Ofsted inspection."""
    for m in markers:
        # A shape and an annotation apart: plotly's add_vline cannot place an annotation on a category axis.
        fig.add_shape(type="line", x0=m.period_label, x1=m.period_label, y0=0, y1=1, yref="paper",
                      line={"dash": "dot", "width": 1, "color": "#505a5f"})
        fig.add_annotation(x=m.period_label, y=1, yref="paper", text=m.text, textangle=-90, xanchor="right",
                           yanchor="top", showarrow=False, font={"size": 11, "color": "#0b0c0c"})
    return fig
