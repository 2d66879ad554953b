"""Home: the outcome scorecard for the selected area."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import cache
from dashboard.components import demo_banner, download_csv, method_note, ofsted_summary
from dashboard.format import COMPARISON_TEXT, TREND_TEXT
from dashboard.selection import selection_bar
from dashboard.state import get_store
from metrics.results import outcome_scorecard

store = get_store()
st.title("Outcome scorecard")
demo_banner(store)
sel = selection_bar()
res = cache.area_results(sel)
card = outcome_scorecard(res)
outcomes = cache.outcomes().set_index("outcome_id")
area_name = cache.areas().set_index("area_code").loc[sel.area_code, "name"]
bench_name = res["benchmark_name"].iloc[0] if len(res) else "England"

st.header(f"{area_name}: the five Every Child Matters outcomes")
ofsted_summary(cache.inspections(sel.area_code))
method_note(bench_name)
cols = st.columns(5)
for col, row in zip(cols, card.itertuples(), strict=False):
    meta = outcomes.loc[row.outcome_id]
    with col, st.container(border=True, key=f"card-{row.outcome_id}"):
        # A level-3 heading for screen readers, sized so "contribution" fits a fifth of the page.
        st.markdown(f'<h3 style="font-size:1.3rem;overflow-wrap:normal">{html.escape(row.outcome_name)}</h3>',
                    unsafe_allow_html=True)
        st.caption(f"{int(meta.n_indicators)} indicators in the catalogue; {row.indicators} shown")
        for key in ("better", "similar", "worse"):
            symbol, words, _ = COMPARISON_TEXT[key]
            st.markdown(f"{symbol} **{getattr(row, key)}** {words.lower()}")
        st.markdown(f"– **{row.not_compared}** not compared")
        # figures with no interval to test, placed by their national band instead
        st.caption(f"Of those, by national band (not a test): {row.best_quarter} in the best quarter "
                   f"(A), {row.worst_quarter} in the worst quarter (D)")
        st.markdown(f"{TREND_TEXT['getting_better'][0]} **{row.improving}** getting better")
        st.markdown(f"{TREND_TEXT['getting_worse'][0]} **{row.worsening}** getting worse")
        st.page_link(
            "dashboard/pages/profile.py",
            label=f"Open {row.outcome_name}",
            query_params={**st.query_params.to_dict(), "outcome": row.outcome_id},
        )

with st.expander("The same figures as a table"):
    st.dataframe(
        card.rename(columns={"outcome_name": "Outcome"}).drop(columns=["outcome_id"]),
        hide_index=True,
    )
download_csv(card, f"{sel.area_code}_{sel.period_year or 'latest'}_scorecard.csv")
