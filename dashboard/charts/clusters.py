"""The clusters "tartan": each indicator against the LA, one column per cluster."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.display import COMPARISON_TEXT, comparison_label

#: Where each comparison sits on the colour scale; higher/lower and untested are left blank.
_SCALE = {"better": 1, "similar": 0, "worse": -1}


def cluster_tartan(res: pd.DataFrame, title: str) -> go.Figure:
    """A heatmap of :func:`metrics.subgroups.cluster_results`: the word (with its symbol) in every
    cell, so the colour is never the only signal; the table beside it holds the figures."""
    pivot = res.pivot_table(index="short_title", columns="name", values="comparison", aggfunc="first")
    z = pivot.apply(lambda col: col.map(lambda v: _SCALE.get(v)))
    text = pivot.apply(lambda col: col.map(lambda v: comparison_label(v) if isinstance(v, str) else "–"))
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=float), x=list(pivot.columns), y=list(pivot.index), text=text.to_numpy(),
        texttemplate="%{text}", colorscale=[[0, COMPARISON_TEXT["worse"][2]], [0.5, "#EEEEEE"],
                                            [1, COMPARISON_TEXT["better"][2]]],
        zmin=-1, zmax=1, showscale=False, hoverinfo="text"))
    fig.update_layout(height=max(300, 40 * len(pivot) + 120), title=title)
    return fig
