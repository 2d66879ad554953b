"""Plotly figures. Each takes a tidy frame from ``metrics`` and returns a figure;
every page shows the same numbers as a table beside it.

Figures reach a chart as text made by :func:`metrics.display.fmt_value`, never as a
Plotly number format: Plotly rounds the binary float (``%{y:.1f}`` shows 0.15 as
0.1), where the product, like DfE and OHID, rounds half up.
"""

from __future__ import annotations

import plotly.graph_objects as go

#: GOV.UK's text colour: 19:1 on white. Streamlit's chart theme draws axis text in
#: #808495 (about 3.7:1), under WCAG's 4.5:1 for text.
TEXT = "#0b0c0c"


def readable(fig: go.Figure) -> go.Figure:
    """Every piece of chart text dark on white (WCAG 1.4.3: 4.5:1 or more)."""
    axis = {"tickfont": {"color": TEXT}, "title": {"font": {"color": TEXT}}}
    fig.update_layout(font={"color": TEXT}, title={"font": {"color": TEXT}},
                      legend={"font": {"color": TEXT}}, hoverlabel={"font": {"color": TEXT}, "bgcolor": "#FFFFFF"})
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig
