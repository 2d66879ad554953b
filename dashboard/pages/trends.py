"""Trends: an indicator over time for the area, its region, England and neighbours."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.charts.trends import mark_inspections, trend_chart
from dashboard.components import demo_banner, download_csv, suppressed_note
from dashboard.selection import indicator_picker, selection_bar
from dashboard.state import get_store
from metrics.comparisons import indicator_meta, indicator_series, series_trend_detail
from metrics.display import TREND_TEXT, fmt_value
from metrics.labels import TREND_WINDOW, trend_periods_text
from metrics.ofsted import inspection_markers

store = get_store()
st.title("Trends")
demo_banner(store)
sel = selection_bar(without={
    "benchmark": "Trends draws the area with England, its region and its statistical neighbours "
                 "together, so it has no 'Compare with' choice;",
    "period": "it shows every period, so it has no 'Period ending' choice.",
})
indicator = indicator_picker(client_group=sel.client_group)
meta = indicator_meta(store, indicator)
areas = cache.areas()
names = dict(zip(areas["area_code"], areas["name"], strict=True))
extra_default = [c for c in st.query_params.get_all("compare") if c in names]
extra = st.multiselect("Add areas to compare", list(names), default=extra_default,
                       format_func=lambda c: f"{names[c]} ({c})", max_selections=6)
st.query_params["compare"] = extra  # a page-own choice: the URL alone
series = indicator_series(store, indicator, sel, extra)
label, used = series_trend_detail(series, sel.area_code, meta)
st.markdown(f"**Recent trend for {names.get(sel.area_code, sel.area_code)}:** "
            f"{TREND_TEXT.get(label, label)}")
st.caption(f"Periods tested: {trend_periods_text(used)}. Recent trend: weighted regression over the "
           f"{TREND_WINDOW} (a period with none is passed over, as Fingertips "
           "does), chi-square test at 99.8%; proportions and crude rates only; not calculated when a "
           "count equals its denominator.")
# Period labels such as "2010-11" read as dates to plotly: the axis is categories, in period order.
order = list(dict.fromkeys(series.sort_values("period_year")["period_label"]))
region = areas.set_index("area_code")["region_code"].get(sel.area_code)
fig = trend_chart(series, sel.area_code, region if isinstance(region, str) else None,
                  int(meta["decimal_places"]), str(meta["unit"]), f"{meta['short_title']} over time", order)
# Ofsted's inspections of the selected LA, at the period containing each inspection date.
labels = dict(zip(series["period_year"], series["period_label"], strict=False))
markers = inspection_markers(cache.inspections(sel.area_code), str(meta["period_type"]), labels)
st.plotly_chart(mark_inspections(fig, markers), key="trend-chart")
st.caption("The chosen area is the thick black line, with its 95% confidence interval as bars; "
           "England, the region and the statistical neighbours' mean keep their colour and dash in every view.")
if markers:
    st.caption("Dotted lines: Ofsted ILACS inspections of " + names.get(sel.area_code, sel.area_code) + ", "
               + "; ".join(f"{m.text.removeprefix('Ofsted: ')} in {m.period_label}" for m in markers) + ".")
dp = int(meta["decimal_places"])
wide = series.assign(shown=[fmt_value(v, dp, bool(s) if s == s else False)
                            for v, s in zip(series["value"], series["suppressed"], strict=True)])
table = wide.pivot_table(index="period_label", columns="name", values="shown", aggfunc="first")
table = table.rename_axis(index="Period", columns=None).fillna("–")  # no row for that area and period
st.dataframe(table, key="trend-table")
suppressed_note(series["suppressed"])
download_csv(series, f"{indicator}_trend.csv")
