"""Weak areas: a director's ranked list of where to look first."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import streamlit as st

from dashboard import cache
from dashboard.components import demo_banner, download_csv, method_note, suppressed_note
from dashboard.selection import LATEST, param, remember, selection_bar
from dashboard.state import get_store
from metrics.display import fmt_value
from metrics.lookups import nsf_standards
from metrics.weak_areas import (
    SORT_OPTIONS,
    WHY_OPTIONS,
    filter_weak,
    flags_text,
    gap_text,
    rank_weak,
    untested_band_d,
    where_options,
)

# The list is a plain table whose cells wrap: every column in view at 1280 px, no
# sideways scrolling, every row on the page.
st.html("""<style>
.st-key-weak-list table { width: 100%; table-layout: fixed; border-collapse: collapse; }
.st-key-weak-list th, .st-key-weak-list td { overflow-wrap: break-word; vertical-align: top; text-align: left;
  padding: 0.4rem 0.5rem; }
.st-key-weak-list td.num, .st-key-weak-list th.num { text-align: right; white-space: nowrap; }
.st-key-weak-list .sub { display: block; color: #505a5f; font-size: 0.85rem; }
.st-key-weak-list .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
</style>""")


def _choice(label: str, name: str, options: dict[str, str], container: object, radio: bool = False) -> str:
    """A picker kept in the URL and the session (``param``/``remember``)."""
    keys = list(options)
    wanted = param(name, keys[0])
    index = keys.index(wanted) if wanted in keys else 0
    widget = container.radio if radio else container.selectbox  # type: ignore[attr-defined]
    extra = {"horizontal": True} if radio else {}
    return widget(label, keys, index=index, format_func=options.__getitem__, key=f"weak_{name}", **extra)


store = get_store()
st.title("Weak areas")
demo_banner(store)
sel = selection_bar(without={
    "group": "Weak areas checks every client group and cluster at once (choose one under 'Where'), "
             "so it has no 'Client group' choice.",
})
area_name = str(cache.areas().set_index("area_code").loc[sel.area_code, "name"])
outcomes = cache.outcomes()
onames = {"all": "All outcomes", **dict(zip(outcomes["outcome_id"], outcomes["name"], strict=True))}
with st.spinner("Checking the area, its clusters and client groups…"):
    everything = cache.weak_list(sel)

c1, c2, c3 = st.columns(3)
outcome = _choice("Outcome", "outcome", onames, c1)
nsf = _choice("NSF standard", "nsf",
              {"all": "All standards", **{n: f"Standard {n}" for n in nsf_standards(store)}}, c2)
where = _choice("Where", "where", where_options(everything, area_name), c3)
d1, d2 = st.columns(2)
why = _choice("Why listed", "why", WHY_OPTIONS, d1, radio=True)
sort = _choice("Sort by", "sort", SORT_OPTIONS, d2, radio=True)
remember(outcome=outcome, nsf=nsf, where=where, why=why, sort=sort)

weak = rank_weak(filter_weak(everything, outcome, nsf, where, why), sort, area_name)
method_note(str(weak["benchmark_name"].iloc[0]) if len(weak) else "benchmark")
m1, m2, m3 = st.columns(3)
m1.metric("Figures listed", len(weak))
m2.metric("Red-red (worse and getting worse)", int(weak["red_red"].sum()))
m3.metric("Band D with no interval to test", untested_band_d(weak))
st.caption(
    "Listed when significantly worse than what it is compared with, in quartile band D (the quarter "
    "of LAs doing worst), or getting worse. Severity: worse and getting worse first, then "
    "significantly worse, then band D, then getting worse. Gap: how far the figure is from what it "
    "is compared with, in the worse direction (below it where high is good, above it where low is "
    "good), and that as a % of the compared value so that rates and percentages rank together; "
    "within a severity the largest % gap comes first. A figure listed only for getting worse can "
    "still be better than its comparator. The whole area is compared with the chosen benchmark, "
    "each cluster with its LA, each client group with the same client group in the chosen benchmark. "
    "A band D figure with no confidence interval is not tested for significance."
)

period = str(sel.period_year) if sel.period_year else LATEST


def _trend_link(row: object) -> str:
    """The indicator's trend for the row's own area or client group."""
    area = row.scope_code if row.scope_type == "cluster" else sel.area_code  # type: ignore[attr-defined]
    group = row.scope_code if row.scope_type == "client_group" else "all"  # type: ignore[attr-defined]
    query = urlencode({"area": area, "benchmark": sel.benchmark, "period": period, "group": group,
                       "indicator": row.indicator_id})  # type: ignore[attr-defined]
    return f"trends?{query}"


if weak.empty:
    st.info("Nothing is listed for these choices.", icon=":material/info:")
else:
    why_words = flags_text(weak)
    dp = weak["decimal_places"].fillna(1).astype(int)
    e = html.escape
    body = []
    for row, flags, places in zip(weak.itertuples(), why_words, dp, strict=True):
        unit = f" · {e(str(row.unit))}" if isinstance(row.unit, str) and row.unit else ""
        body.append(
            "<tr>"
            f"<td>{e(flags)}</td>"
            f"<td>{e(row.where)}</td>"
            f'<td><a href="{e(_trend_link(row))}" target="_self">{e(row.short_title)}</a>'
            f'<span class="sub">{e(row.outcome_name)}{unit}</span></td>'
            f'<td class="num">{fmt_value(row.value, places, bool(row.suppressed))}</td>'
            f'<td>{e(row.compared_with)}<span class="sub">{fmt_value(row.benchmark_value, places)}</span></td>'
            f"<td>{e(gap_text(row.gap, row.gap_pct, places))}</td>"
            "</tr>"
        )
    with st.container(key="weak-list"):
        st.markdown(
            '<table><caption class="sr-only">Weak areas, in the order chosen above</caption>'
            '<colgroup><col style="width:16%"><col style="width:17%"><col style="width:25%">'
            '<col style="width:10%"><col style="width:17%"><col style="width:15%"></colgroup>'
            '<thead><tr><th scope="col">Why listed</th><th scope="col">Where</th>'
            '<th scope="col">Indicator</th><th scope="col" class="num">Value</th>'
            '<th scope="col">Compared with</th><th scope="col">Gap</th></tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>",
            unsafe_allow_html=True,
        )
suppressed_note(weak["suppressed"])
download_csv(weak.drop(columns=["client_groups", "nsf_standards"]), f"{sel.area_code}_weak_areas.csv")
