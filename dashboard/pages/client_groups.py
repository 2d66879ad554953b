"""Client groups: each group against all children in the same area."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.components import demo_banner, download_csv, suppressed_note
from dashboard.selection import selection_bar
from dashboard.state import get_store
from metrics.display import comparison_label, fmt_interval, fmt_value
from metrics.subgroups import client_group_results, of_group

store = get_store()
st.title("Client groups")
demo_banner(store)
sel = selection_bar(without={
    "benchmark": "Each client group is compared with all children in the same area, so this page "
                 "has no 'Compare with' choice.",
})
res = of_group(client_group_results(store, sel), sel.client_group)
area_name = cache.areas().set_index("area_code").loc[sel.area_code, "name"]
st.subheader(f"{area_name}: each client group against all its children")
st.caption("Each client group against all children in the same area. For proportions the gap "
           "(percentage points) has Newcombe's 95% interval and is significant when it excludes "
           "zero; otherwise the group's 95% CI is set against the all-children value. "
           "Better/worse follows each indicator's polarity; indicators with no polarity are "
           "marked higher/lower. "
           "Choose a client group above to see that group alone, or 'All children and young people' for every group. "
           "Use Compare areas or Trends with a client group selected to see one group across "
           "areas or over time.")
if res.empty:
    which = "this client group" if sel.client_group != "all" else "any client group"
    st.info(f"No breakdowns for {which} in this area and period. Choose 'All children and young people' as the "
            "client group to see every group this area has.")
    st.stop()
for gid, block in res.groupby("client_group_id", sort=False):
    st.subheader(str(block["group_name"].iloc[0]))
    dp = block["decimal_places"].fillna(1).astype(int)
    table = block.assign(
        Group=[fmt_value(v, d, s) for v, d, s in zip(block["value"], dp, block["suppressed"], strict=True)],
        All=[fmt_value(v, d) for v, d in zip(block["all_value"], dp, strict=True)],
        Gap=[fmt_value(g, d, s) for g, d, s in zip(block["gap"], dp, block["suppressed"], strict=True)],
        GapCI=[fmt_interval(lo, hi, d)
               for lo, hi, d in zip(block["gap_lower"], block["gap_upper"], dp, strict=True)],
        Compared=[comparison_label(c) for c in block["comparison"]],
    )[["short_title", "Group", "All", "Gap", "GapCI", "Compared", "unit"]].rename(
        columns={"short_title": "Indicator", "Group": "Client group", "All": "All children",
                 "GapCI": "Gap 95% CI", "Compared": "Compared with all children", "unit": "Unit"})
    st.dataframe(table, hide_index=True, key=f"cg-{gid}")
suppressed_note(res["suppressed"])
download_csv(res, f"{sel.area_code}_client_groups.csv")
