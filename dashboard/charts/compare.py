"""Ranked bars with CI whiskers, and the funnel plot."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import readable
from metrics.display import COMPARISON_TEXT, fmt_value

FUNNEL_SYMBOLS = {
    "High (0.001)": "triangle-up", "High (0.025)": "triangle-up-open",
    "Not significant": "circle", "Low (0.025)": "triangle-down-open", "Low (0.001)": "triangle-down",
}


def ranked_bars(las: pd.DataFrame, meta: dict[str, object]) -> go.Figure:
    """One trace per comparison so the legend spells out what each colour means."""
    d = las[las["value"].notna()]
    dp = _places(meta)
    fig = go.Figure()
    groups = [(f"{sym} {words}", colour, d[(d["comparison"] == key) & ~d["selected"]])
              for key, (sym, words, colour) in COMPARISON_TEXT.items()]
    chosen = d[d["selected"]]
    if not chosen.empty:
        groups.append((f"■ {chosen['name'].iloc[0]} (selected)", "#000000", chosen))
    for name, colour, sub in groups:
        if sub.empty:
            continue
        fig.add_bar(
            x=sub["name"], y=sub["value"], marker_color=colour, name=name,
            error_y={"type": "data", "symmetric": False, "array": sub["upper95"] - sub["value"],
                     "arrayminus": sub["value"] - sub["lower95"], "color": "#444444"},
            text=[f"{n}: {fmt_value(v, dp)} ({name})" for n, v in zip(sub["name"], sub["value"], strict=True)],
            textposition="none", hovertemplate="%{text}<extra></extra>",
        )
    eng = d["england_value"].iloc[0] if len(d) else None
    if eng is not None and eng == eng:
        fig.add_hline(y=eng, line_dash="dash", line_color="#000000",
                      annotation_text=f"England {fmt_value(eng, dp)}", annotation_position="top left")
    # The value every bar's colour was judged against, where it is not England's.
    if len(d) and "benchmark_name" in d and d["benchmark_name"].iloc[0] != "England":
        bench = float(d["benchmark_value"].iloc[0])
        fig.add_hline(y=bench, line_dash="solid", line_color="#000000", line_width=2,
                      annotation_text=f"{d['benchmark_name'].iloc[0]} {fmt_value(bench, dp)}",
                      annotation_position="top right")
    fig.update_layout(
        height=480, xaxis={"showticklabels": len(d) <= 40, "title": None,
                           "categoryorder": "array", "categoryarray": d["name"].tolist()},
        yaxis={"title": str(meta["unit"])}, margin={"t": 30}, barmode="overlay",
        legend={"orientation": "h", "y": -0.15},
        title=f"{meta['short_title']}: LAs ranked (selected area in black)",
    )
    return readable(fig)


def _places(meta: dict[str, object]) -> int:
    try:
        return int(meta.get("decimal_places", 1))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 1  # missing or NaN


LIMIT_NAMES = {"lower_2s": "95% lower limit", "upper_2s": "95% upper limit",
               "lower_3s": "99.8% lower limit", "upper_3s": "99.8% upper limit"}


def funnel_chart(points: pd.DataFrame, limits: pd.DataFrame, meta: dict[str, object]) -> go.Figure:
    """Marker shape, not only colour, says where each LA sits against the limits.

    Proportion limits share one x column (``Population``); crude-rate limits each have
    their own (``*_population_1_year``), as the reference implementation returns them.
    """
    fig = go.Figure()
    dp = _places(meta)
    first = limits.columns[0]
    for prefix, name in LIMIT_NAMES.items():
        y_col = f"{prefix}_limit"
        if y_col not in limits:
            continue
        x_col = f"{prefix}_population_1_year" if f"{prefix}_population_1_year" in limits else first
        fig.add_scatter(x=limits[x_col], y=limits[y_col], mode="lines", name=name,
                        line={"dash": "dash" if "2s" in prefix else "dot", "color": "#555555"},
                        hoverinfo="skip")
    if "baseline" in limits and len(limits):
        fig.add_hline(y=float(limits["baseline"].iloc[0]), line_color="#000000",
                      annotation_text="Pooled LA average")
    others = points[~points["selected"]]
    for label, symbol in FUNNEL_SYMBOLS.items():
        sub = others[others["funnel"] == label]
        if sub.empty:
            continue
        fig.add_scatter(
            x=sub["denominator"], y=sub["value"], mode="markers", name=label,
            text=[f"{n}: {label}<br>{fmt_value(v, dp)}" for n, v in zip(sub["name"], sub["value"], strict=True)],
            marker={"size": 9, "color": "#0072B2", "symbol": symbol},
            hovertemplate="%{text}<extra></extra>",
        )
    chosen = points[points["selected"]]
    if not chosen.empty:
        label = str(chosen["funnel"].iloc[0])
        fig.add_scatter(
            x=chosen["denominator"], y=chosen["value"], mode="markers",
            name=f"{chosen['name'].iloc[0]} (selected): {label}",
            marker={"size": 15, "color": "#000000", "symbol": FUNNEL_SYMBOLS.get(label, "diamond")},
            text=[f"{chosen['name'].iloc[0]}: {label}<br>{fmt_value(v, dp)}" for v in chosen["value"]],
            hovertemplate="%{text}<extra></extra>",
        )
    # Limits at tiny denominators run off to infinity: frame the LAs, not the asymptotes.
    lo, hi = float(points["value"].min()), float(points["value"].max())
    pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
    fig.update_layout(
        height=480, title=f"{meta['short_title']}: funnel plot (95% and 99.8% limits)",
        xaxis={"title": "Denominator", "range": [0, float(points["denominator"].max()) * 1.05]},
        yaxis={"title": str(meta["unit"]), "range": [lo - pad, hi + pad]},
    )
    return readable(fig)
