"""The area profile's spine chart (as Fingertips draws it).

Each indicator is a row; the chosen benchmark's value is the centre line
(England, the region, the statistical neighbours or the parent LA, whichever the
reader compares with; England where the benchmark has no value); the grey bar spans
the LAs' range (light: worst to best, dark: 25th to 75th percentile), oriented so
that better is always to the right; the marker is the area's value, its colour
and its symbol both saying better / similar / worse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import readable
from metrics.display import COMPARISON_TEXT, fmt_value


def spine_centre(res: pd.DataFrame) -> pd.Series:
    """Each row's centre: the chosen benchmark's value, or England's where it has none."""
    if "benchmark_value" not in res:
        return res["england_value"].astype(float)
    return res["benchmark_value"].astype(float).fillna(res["england_value"].astype(float))


def spine_positions(res: pd.DataFrame) -> pd.DataFrame:
    """Scale each indicator so the benchmark is 0 and the farthest LA is ±1, better to the right."""
    r = res.copy()
    centre = spine_centre(r)
    r["centre_value"] = centre
    half = np.maximum((r["la_max"] - centre).abs(), (centre - r["la_min"]).abs()).replace(0, np.nan)
    flip = np.where(r["polarity"] == "low_is_good", -1.0, 1.0)
    for col in ("value", "la_min", "la_q1", "la_q3", "la_max"):
        r[f"x_{col}"] = (r[col] - centre) / half * flip
    # After flipping, "worst" may be the max: keep bar ends ordered.
    r["x_lo"] = np.minimum(r["x_la_min"], r["x_la_max"])
    r["x_hi"] = np.maximum(r["x_la_min"], r["x_la_max"])
    r["x_q_lo"] = np.minimum(r["x_la_q1"], r["x_la_q3"])
    r["x_q_hi"] = np.maximum(r["x_la_q1"], r["x_la_q3"])
    return r


def spine_chart(res: pd.DataFrame, title: str) -> go.Figure:
    r = spine_positions(res).iloc[::-1]
    bench_name = str(r["benchmark_name"].iloc[0]) if "benchmark_name" in r and len(r) else "England"
    labels = r["short_title"].tolist()
    fig = go.Figure()
    fig.add_bar(
        y=labels, x=r["x_hi"] - r["x_lo"], base=r["x_lo"], orientation="h",
        marker_color="#DDDDDD", name="LA range (worst to best)", hoverinfo="skip",
    )
    fig.add_bar(
        y=labels, x=r["x_q_hi"] - r["x_q_lo"], base=r["x_q_lo"], orientation="h",
        marker_color="#A6A6A6", name="25th to 75th percentile", hoverinfo="skip",
    )
    symbols = {"better": "triangle-right", "similar": "circle", "worse": "triangle-left"}
    for label, (sym, words, colour) in COMPARISON_TEXT.items():
        sub = r[r["comparison"] == label]
        if sub.empty:
            continue
        fig.add_scatter(
            y=sub["short_title"], x=sub["x_value"], mode="markers", name=f"{sym} {words}",
            marker={"color": colour, "size": 12, "symbol": symbols.get(label, "diamond"),
                    "line": {"color": "#000000", "width": 1}},
            # The hover is text made here (names never enter the template, where "%{" would be code).
            text=[f"{t}: {fmt_value(v, d)} ({bench_name} {fmt_value(c, d)}), {words}"
                  for t, v, c, d in zip(sub["short_title"], sub["value"], sub["centre_value"],
                                        _places(sub), strict=True)],
            hovertemplate="%{text}<extra></extra>",
        )
    # Suppressed rows have no marker: say "c" where the marker would be, never a blank.
    hidden = r[r["suppressed"].fillna(False).astype(bool)] if "suppressed" in r else r.iloc[0:0]
    if not hidden.empty:
        fig.add_scatter(
            y=hidden["short_title"], x=[0.0] * len(hidden), mode="text", text=["c"] * len(hidden),
            textfont={"size": 14, "color": "#0b0c0c"}, name="c = suppressed (count too small to show)",
            hoverinfo="skip",
        )
    fig.add_vline(x=0, line_color="#000000", line_width=2)
    fig.update_layout(
        title=title, barmode="overlay", height=max(260, 34 * len(r) + 120),
        xaxis={"range": [-1.15, 1.15], "tickvals": [-1, 0, 1],
               "ticktext": ["Worse", bench_name, "Better"], "title": None},
        yaxis={"title": None}, legend={"orientation": "h", "y": -0.12},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return readable(fig)


def _places(frame: pd.DataFrame) -> list[int]:
    if "decimal_places" not in frame:
        return [1] * len(frame)
    return [int(d) if d == d else 1 for d in frame["decimal_places"]]
