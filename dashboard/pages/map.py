"""Map: LAs shaded by significance against England or by quartile band."""

from __future__ import annotations

import streamlit as st

from dashboard.charts.map import choropleth
from dashboard.components import demo_banner, download_csv, suppressed_note
from dashboard.selection import indicator_picker, param, remember, selection_bar
from dashboard.state import get_store
from metrics.comparisons import indicator_across_las, indicator_meta
from metrics.display import (
    COMPARISON_TEXT,
    band_text,
    comparison_label,
    figure_sentence,
    fmt_value,
    plain,
)
from metrics.geo import BOUNDARIES_ENV, load_boundaries
from metrics.labels import confidence_text, polarity_text

BAND_COLOURS = {"A (best quartile)": "#0072B2", "B": "#56B4E9", "C": "#E69F00",
                "D (worst quartile)": "#D55E00", "No band": "#CCCCCC"}

store = get_store()
st.title("Map")
demo_banner(store)
sel = selection_bar()
indicator = indicator_picker(client_group=sel.client_group)
meta = indicator_meta(store, indicator)
las = indicator_across_las(store, indicator, sel)
dp = int(meta["decimal_places"])
bench = str(las["benchmark_name"].iloc[0]) if len(las) else "England"
bench_value = fmt_value(las["benchmark_value"].iloc[0], dp) if len(las) else "–"
polarity = polarity_text(meta["polarity"])
level = confidence_text(float(meta.get("confidence_level") or 95.0))
st.caption(
    f"{meta['title']} ({meta['unit']}). Polarity: {polarity}. Significance: each LA's {level} "
    f"confidence interval compared with the value of {bench} for the selected area ({bench_value}; "
    "overlap = similar); better/worse follows "
    "the polarity. Quartile bands A (best) to D (worst) among all LAs. The selected LA has a thick "
    "black outline."
)
las["Compared"] = [comparison_label(c) for c in las["comparison"]]
las["Band"] = [band_text(b, "No band") for b in las["band"]]
las["Value"] = [fmt_value(v, dp, s) for v, s in zip(las["value"], las["suppressed"], strict=True)]
chosen_row = las[las["selected"]]
if not chosen_row.empty:
    r = chosen_row.iloc[0]
    line = figure_sentence(r, dp, str(meta["unit"]), bench, r["benchmark_value"])
    st.markdown(f"**{plain(r['name'])}** (thick black outline): {plain(line)}.")
bounds = load_boundaries()
# Shading is the map's alone: with no map to shade, there is no "Shade by" choice.
shade = "comparison"
if bounds is not None and not las.empty:
    shade = st.radio("Shade by", ["comparison", "band"], horizontal=True,
                     index=1 if param("shade", "comparison") == "band" else 0,
                     format_func={"comparison": "Compared with the benchmark", "band": "Quartile band"}.__getitem__)
    remember(shade=shade)
if las.empty:
    st.info(f"No local authority has a figure for {plain(meta['short_title'])} in the period ending "
            f"{sel.period_text}. Choose another period or indicator; the Indicator catalogue lists "
            "which periods each indicator has.")
elif bounds is None:
    st.info(
        f"No boundary file found where {BOUNDARIES_ENV} points. The dashboard ships ONS's "
        "county and unitary authority boundaries; to use another vintage, download ONS's "
        "'Counties and Unitary Authorities' boundaries (generalised, GeoJSON, WGS84) from the "
        f"ONS Open Geography portal and set the environment variable {BOUNDARIES_ENV} to its "
        "path, or unset it to use the shipped file, then restart the dashboard. "
        "The table below has every LA's figure."
    )
else:
    if shade == "comparison":
        key, colours = "Compared", {comparison_label(k): v[2] for k, v in COMPARISON_TEXT.items()}
    else:
        key, colours = "Band", BAND_COLOURS
    hover = las["name"] + ": " + las["Value"] + " (" + las[key] + ")"
    title = f"{meta['short_title']}: {f'compared with {bench}' if shade == 'comparison' else 'quartile bands'}"
    chosen = las.loc[las["selected"], ["area_code", "name"]]
    mine = (str(chosen["area_code"].iloc[0]), str(chosen["name"].iloc[0])) if len(chosen) else (None, "")
    st.plotly_chart(choropleth(las, bounds.outlines, key, colours, title, hover, *mine), key="map")
    missing = sorted(set(las["area_code"]) - bounds.codes)
    if missing:
        st.caption(f"{len(missing)} LAs have no boundary in this file (codes changed since it was "
                   f"published?): {', '.join(missing)}.")
las["Selected"] = ["Selected area" if s else "" for s in las["selected"]]
st.dataframe(las[["name", "area_code", "Value", "Compared", "Band", "Selected"]].rename(
    columns={"name": "Area", "area_code": "Code", "Value": f"Value ({meta['unit']})",
             "Compared": f"Compared with {bench}"}), hide_index=True, key="map-table")
suppressed_note(las["suppressed"])
download_csv(las.drop(columns=["Compared", "Band", "Value", "Selected"]), f"{indicator}_map.csv")
