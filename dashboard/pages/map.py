"""Map: LAs shaded by significance against England or by quartile band."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard.components import demo_banner, download_csv
from dashboard.format import BAND_TEXT, COMPARISON_TEXT, comparison_label
from dashboard.selection import indicator_picker, selection_bar
from dashboard.state import get_store
from metrics.comparisons import indicator_across_las, indicator_meta
from metrics.geo import BOUNDARIES_ENV, boundaries_path, load_boundaries

store = get_store()
st.title("Map")
demo_banner(store)
sel = selection_bar()
indicator = indicator_picker(client_group=sel.client_group)
meta = indicator_meta(store, indicator)
shade = st.radio("Shade by", ["comparison", "band"], horizontal=True,
                 index=1 if st.query_params.get("shade") == "band" else 0,
                 format_func={"comparison": "Compared with England", "band": "Quartile band"}.__getitem__)
st.query_params["shade"] = shade
las = indicator_across_las(store, indicator, sel)
bounds = load_boundaries()
if bounds is None:
    st.info(
        f"No boundary file found at {boundaries_path()}. Download ONS's 'Counties and Unitary "
        "Authorities' boundaries (generalised, GeoJSON, WGS84) from the ONS Open Geography "
        f"portal and set the environment variable {BOUNDARIES_ENV} to its path (or save it as "
        "var/boundaries.geojson). The table below has every LA's figure."
    )
else:
    if shade == "comparison":
        las["Key"] = [comparison_label(c) for c in las["comparison"]]
        cmap = {comparison_label(k): v[2] for k, v in COMPARISON_TEXT.items()}
    else:
        las["Key"] = [BAND_TEXT.get(b, "No band") if isinstance(b, str) else "No band" for b in las["band"]]
        cmap = {"A (best quartile)": "#0072B2", "B": "#56B4E9", "C": "#E69F00",
                "D (worst quartile)": "#D55E00", "No band": "#CCCCCC"}
    fig = px.choropleth(las, geojson=bounds.geojson, locations="area_code",
                        featureidkey=f"properties.{bounds.code_property}", color="Key",
                        color_discrete_map=cmap, hover_name="name", hover_data={"value": ":.1f"})
    fig.update_geos(fitbounds="locations", visible=False)
    fig.update_layout(height=650, margin={"l": 0, "r": 0, "t": 30, "b": 0},
                      title=f"{meta['short_title']}: {'compared with England' if shade == 'comparison' else 'quartile bands'}")
    st.plotly_chart(fig, key="map")
    missing = sorted(set(las["area_code"]) - bounds.codes)
    if missing:
        st.caption(f"{len(missing)} LAs have no boundary in this file: {', '.join(missing)}.")
table = las.assign(Compared=[comparison_label(c) for c in las["comparison"]],
                   Band=[BAND_TEXT.get(b, "–") if isinstance(b, str) else "–" for b in las["band"]])
st.dataframe(table[["name", "area_code", "value", "Compared", "Band"]].rename(
    columns={"name": "Area", "area_code": "Code", "value": f"Value ({meta['unit']})",
             "Compared": "Compared with England"}), hide_index=True, key="map-table")
download_csv(las.drop(columns=["Key"], errors="ignore"), f"{indicator}_map.csv")
