"""Home: the outcome scorecard for the selected area, and the indicators behind its counts."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import cache
from dashboard.components import (
    board_summary,
    demo_banner,
    download_csv,
    method_note,
    ofsted_summary,
)
from dashboard.selection import param, remember, selection_bar
from dashboard.state import get_store
from metrics.changes import changes_table
from metrics.display import COMPARISON_TEXT, TREND_TEXT
from metrics.scorecard import OUTCOME_COUNT_WORDS, OUTCOME_LISTS, outcome_lists, outcome_scorecard

# Long names wrap instead of being cut off with "…", at any width; the five cards
# go two or three to a row on a narrow window rather than squeezing their words.
st.html("""<style>
[data-testid="stPageLink"] a, [data-testid="stPageLink"] p, [data-testid="stPageLink"] span {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  max-width: 100% !important; height: auto !important; }
[data-testid="stPageLink"] a { align-items: flex-start; }
.st-key-cards [data-testid="stHorizontalBlock"] {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: 1rem; }
.st-key-cards [data-testid="stColumn"] { width: auto !important; min-width: 0; }
.st-key-cards h3 { font-size: 1.15rem; overflow-wrap: break-word; hyphens: auto; }
</style>""")

store = get_store()
st.title("Outcome scorecard")
demo_banner(store)
sel = selection_bar()
res = cache.area_results(sel)
card = outcome_scorecard(res)
lists = outcome_lists(res)
outcomes = cache.outcomes().set_index("outcome_id")
area_name = cache.areas().set_index("area_code").loc[sel.area_code, "name"]
bench_name = res["benchmark_name"].iloc[0] if len(res) else "England"
here = st.query_params.to_dict()  # the current selection, carried into every link

st.header(f"{area_name}: summary for the board")
board_summary(cache.board_summary(sel), here, f"{sel.area_code}_{sel.period_year or 'latest'}",
              lambda links: cache.summary_docx(sel, links))

st.header("What changed since an earlier data version")
known = {str(v.batch_id): v.label for v in cache.versions()}
asked = param("since", "")
since = st.selectbox(
    "Compare with the data as this import left them", list(known), format_func=known.get,
    index=list(known).index(asked) if asked in known else None, placeholder="Choose an import (a data version)",
    key="since", help="Each import is a data version: choose the last one before your previous board meeting.")
if since is None:
    st.caption("Choose an import to list new figures, changed comparisons, band moves, new and resolved "
               "'worse and getting worse' indicators, and earlier figures the publishers revised.")
else:
    if since != asked:
        remember(since=since)
    moved = cache.changes_since(sel, int(since))
    if moved.empty:
        st.info("Nothing changed for this selection since that import.", icon=":material/info:")
    else:
        # every change in view, no scrolling box inside the page
        shown = changes_table(moved)
        with st.container(key="changes"):
            st.dataframe(shown, hide_index=True, height=38 + 35 * len(moved))
        download_csv(shown, f"{sel.area_code}_changes_since_batch_{since}.csv",
                     label="Download the changes (CSV)")

st.header(f"{area_name}: the five Every Child Matters outcomes")
ofsted_summary(cache.inspections(sel.area_code))
method_note(bench_name)
with st.container(key="cards"):
    cols = st.columns(5)
for col, row in zip(cols, card.itertuples(), strict=False):
    meta = outcomes.loc[row.outcome_id]
    with col, st.container(border=True, key=f"card-{row.outcome_id}"):
        st.markdown(f"<h3>{html.escape(row.outcome_name)}</h3>", unsafe_allow_html=True)
        st.caption(f"{int(meta.n_indicators)} indicators in the catalogue; {row.indicators} shown")
        for key in ("better", "similar", "worse"):
            symbol, words, _ = COMPARISON_TEXT[key]
            st.markdown(f"{symbol} **{getattr(row, key)}** {words.lower()}")
        # activity measures: significant, but no better or worse
        for key in ("higher", "lower"):
            symbol, words, _ = COMPARISON_TEXT[key]
            st.markdown(f"{symbol} **{getattr(row, key)}** {words.lower()} (activity)")
        st.markdown(f"– **{row.not_compared}** not compared")
        # figures with no interval to test, placed by their national band instead
        st.caption(f"Of those, by national band (not a test): {row.best_quarter} in the best quarter "
                   f"(A), {row.worst_quarter} in the worst (D)")
        st.markdown(f"{TREND_TEXT['getting_better'][0]} **{row.improving}** getting better")
        st.markdown(f"{TREND_TEXT['getting_worse'][0]} **{row.worsening}** getting worse")
        st.page_link(
            "dashboard/pages/profile.py",
            label="Open profile",
            help=f"The area profile's {row.outcome_name} indicators",
            query_params={**here, "outcome": row.outcome_id},
        )
st.caption("Higher or lower (activity): measures with no better or worse direction, such as children "
           "in need per 10,000, significantly above or below the benchmark. Not compared: no test was "
           "possible (no confidence interval, value or benchmark).")

st.header("Which indicators")
st.caption("Each name opens its trend for this area and selection.")
for row in card.itertuples():
    mine = lists[row.outcome_id]
    with st.container(border=True, key=f"list-{row.outcome_id}"):
        st.markdown(f"<h3>{html.escape(row.outcome_name)}</h3>", unsafe_allow_html=True)
        shown = [key for key in OUTCOME_LISTS if len(mine[key])]
        if not shown:
            st.markdown("Nothing significantly worse or getting worse, and no activity measure "
                        "significantly higher or lower.")
            continue
        for col, key in zip(st.columns(len(shown)), shown, strict=True):
            with col, st.container(key=f"list-{row.outcome_id}-{key}"):
                st.markdown(f"**{OUTCOME_LISTS[key]}** ({len(mine[key])})")
                for ind in mine[key].itertuples():
                    st.page_link(
                        "dashboard/pages/trends.py",
                        label=ind.short_title,
                        query_params={**here, "indicator": ind.indicator_id},
                    )

with st.expander("The same figures as a table"):
    words = {"outcome_name": "Outcome", **OUTCOME_COUNT_WORDS, "indicators": "indicators shown"}
    st.dataframe(card[list(words)].rename(columns=words), hide_index=True)
download_csv(card, f"{sel.area_code}_{sel.period_year or 'latest'}_scorecard.csv")
