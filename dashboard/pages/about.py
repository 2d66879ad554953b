"""User guide and accessibility statement, inside the app (the DfE dashboards' habit)."""

from __future__ import annotations

import streamlit as st

from dashboard.components import demo_banner
from dashboard.state import get_store
from metrics.labels import TREND_WINDOW

store = get_store()
st.title("User guide and accessibility")
demo_banner(store)

st.header("What this dashboard is for")
st.markdown(
    """
Children's trusts in England are held to account for the five **Every Child Matters** outcomes
(be healthy, stay safe, enjoy and achieve, make a positive contribution, achieve economic
well-being) and the standards of the children's **National Service Framework**. This dashboard
puts each area's indicators against those outcomes, compares them with England, the region or
the area's statistical neighbours, and keeps the judgements of a joint area review beside the data.
"""
)

st.header("Which page to open")
st.markdown(
    """
- **Trust board members**: *Outcome scorecard* (how many indicators are better, similar or worse,
  outcome by outcome), then *Area profile* for the detail (one outcome at a time; choose "All
  outcomes" to see every indicator on one page), and *Review judgements* for the grades.
- **Inspectors**: *Data pack* builds the pre-inspection pack (PDF or XLSX); *Review judgements*
  records grades with evidence once you are signed in as an inspector.
- **Directors of children's services**: *Weak areas* lists where the area, a cluster or a client
  group is significantly worse, in the bottom quartile or getting worse, worst first; *Clusters* and
  *Client groups* show the detail; *Compare areas* and *Map* show the area among the others.
- **Analysts**: *Data: import and history* loads published files (Fingertips, DfE, LAIT, the
  template) and can roll an import back.

The selections at the top of each page (area, benchmark, period, client group) are kept in the
address bar and follow you from page to page, however you move (the sidebar too): copy the address
to share exactly what you see. The benchmark you choose ("Compare with") is the value every
comparison, spine chart centre and map colour on a page is judged against. A page that has no use
for one of the choices (Clusters compares each cluster with its LA; Trends shows every period) does
not show it and says why, and keeps your choice for the next page.

Figures are rounded half up, as DfE and OHID publish them (2.25 reads 2.3; 12.5 reads 13), the same
on every page, in the data pack and in downloads.

**Period: "Latest available".** Publishers release figures at different times (injury admissions
run a year behind school results), so by default each indicator shows its own latest period, and
the *Period* column of every table says which one. A period counts as an indicator's latest only
once at least half as many local authorities have a figure for it as for its best-covered period,
so a part-finished import never moves what everyone sees. Choose a year instead to see every
indicator for that one period (indicators without a figure for it are then blank).
"""
)

st.header("The summary for the board, what changed, and your watchlist")
st.markdown(
    f"""
The *Outcome scorecard* opens with a **summary in plain English**, written from the statistics on
the page (no language model): how many indicators are significantly worse, better or similar, the
outcome with most worse, each indicator that is both worse and getting worse, what is getting
significantly better, the largest gaps between a client group and all children, and Ofsted's
latest judgement. Every sentence gives its figures and what they are compared with, and links to
the page that shows them. "Significantly" is said only where a test found it: the figure's
confidence interval does not include the comparator's value, or the trend over the
{TREND_WINDOW} is significant. Figures with no confidence interval are never called better or worse. The
summary downloads as Markdown or a Word document to paste into a board paper, and is the first page
of the data pack.

**What changed since an earlier data version.** Each import is a data version. Choose the last
import before your previous board meeting and the scorecard lists, for the selected area and
benchmark: indicators with a new period (with the figure it replaces), comparisons that changed
(similar to worse...), band moves, indicators newly worse and getting worse or no longer so, and
earlier figures a publisher revised, each with the old and the new figure. The same list is printed
by `jar changes --area E06000020 --since 2026-09-01`.

**Your watchlist.** Sign in on the *Watchlist* page and add the indicators you follow for an area,
a cluster or a client group, against the benchmark you choose. Each item keeps its status as you
last saw it: the figure and its period, the comparison with the benchmark, the national band and
the trend. When an import moves any of these, the item is listed first with what changed (for
example "Compared with benchmark: Similar to Worse"), and the sidebar of every page says how many of
your items changed. Choose *Mark all as seen* once you have read them. Each figure is the
indicator's latest available period. The list can be downloaded as a CSV file; only you see your
list, and every change to it is in the audit log.
"""
)

st.header("Which data you are looking at")
st.markdown(
    """
The sidebar says which data every page shows, read from the import batches that wrote the figures:

- **published data**: real figures imported from the publishers' files. Out of the box this is the
  national snapshot shipped with the dashboard (DfE's LAIT dataset and children's social care files,
  OHID Fingertips, DfE's statistical neighbours); the *Data* page lists every file, who published it
  and when it was imported.
- **synthetic demo data**: generated figures for training, describing no real area. Every page,
  the data pack and exports say so in a warning at the top.
- **published and synthetic data mixed**: both are in the store. The warning says how many figures
  are synthetic and which import batch holds them; roll that batch back on the *Data* page to keep
  only published figures.
- **no observations yet**: a store made with `jar init`. Each page says what to import and how.

Quote the data version shown beside it when you share a figure: it changes with every import.
"""
)

st.header("Ofsted's inspection judgements")
st.markdown(
    """
For a local authority, the *Outcome scorecard*, *Area profile* and *Review judgements* pages show
Ofsted's latest judgement of its children's services under ILACS (inspecting local authority
children's services), with the inspection and publication dates; open *Ofsted's judgements at each
inspection* for every sub-judgement (leaders, help and protection, children in care, care leavers)
at every ILACS inspection. *Trends* draws a dotted line at the period containing each inspection
date (the financial or academic year the inspection fell in), and the data pack's cover states the
latest judgement. The grades are Ofsted's own words (Outstanding, Good, Requires improvement to be
good, Inadequate), taken from Ofsted's "LA inspection outcomes as at 31 March 2025" and from
later reports; they are not joint area review grades, which keep their own 1 to 4 scale. The
benchmark *LAs graded Good or Outstanding by Ofsted (mean)* compares an area with the mean of the
LAs whose latest overall grade is Good or Outstanding.
"""
)

st.header("How to read the flags")
st.markdown(
    f"""
- **Better / similar / worse**: the area's confidence interval compared with the benchmark's
  value. If the interval contains the benchmark, the difference is not significant (*similar*).
  Whether higher is better depends on the indicator (its *polarity*); where there is no judgement
  (activity measures) the flag says *higher* or *lower* instead.
- **Quartile band A to D**: where the area's value falls among the local authorities, A best.
  Activity measures with no polarity get no band and no rank (LAIT shows "-").
- **Trend**: the {TREND_WINDOW}, tested at the 99.8% level (chi-square);
  *getting better* or *getting worse* combines the direction with the polarity. The tables list
  the periods each trend was tested over.
- **c**: confidential. The count is below the indicator's disclosure threshold, so the figure is
  withheld (never shown as zero).

Every flag is written in words or symbols as well as colour, and every chart has a table with the
same numbers and a CSV download. Confidence intervals: Wilson for proportions, Byar's method (exact
Poisson under 10 events) for rates, Student's t for means, as in OHID's Fingertips.
"""
)

st.header("Method: the rules we follow and where they come from")
st.markdown(
    """
Where the tools people compare us with publish a rule, we follow it exactly.

- **Confidence level of the comparison.** Each indicator carries its level: 95%, or 99.8% where
  Fingertips sets it (it does for some indicators with very large counts, where a 95% interval
  would flag trivial differences). When a Fingertips download is imported, the level is read from
  the download itself: the one whose limits reproduce every "compared to England" flag Fingertips
  published in it. The flag and the *CI used* column use that level. *Source: OHID Fingertips
  indicator metadata (comparator confidence), as applied in its downloads.*
- **Quartile bands on a cut point.** Bands come from Q1, Q2 and Q3 of the local authorities'
  values (Excel's PERCENTILE.INC). Intervals are closed on the right, for both polarities: when
  high is good, D is [lowest, Q1], C is (Q1, Q2], B is (Q2, Q3] and A is (Q3, highest]; when low
  is good, A is [lowest, Q1] up to D for (Q3, highest]. So a value exactly on a cut point takes
  the band of the lower values, and if every area has the same value, all are D when high is good.
  Measures that LAIT's data dictionary flags *No_Quartile* get no band (LAIT says "data range is
  too small") but keep their rank. *Source: DfE LAIT, `calculate_quartile_band` and
  `calculate_rank` in the LAIT rebuild (`R/fn_analysis.R`) and its tests for boundary values.*
- **Recent trend.** Proportions and crude rates only. The test uses the five most recent periods
  with a valid value, count and denominator, which need not be consecutive: a year with no figure
  is passed over, not a break. It is not calculated when any of those periods has a count equal
  to its denominator (100%), where the method breaks down. A weighted regression (weights from
  each period's 95% interval) must give a chi-square above 9.55 (99.8%) and keep its direction
  when any one period is left out. *Source: OHID Fingertips recent trend, as its trend service
  publishes it (FingertipsNext `TrendRequest` and `TrendMarkerCalculator`); checked against the
  trends published in Fingertips' injury-admissions download.*
- **Ranks.** 1 is best by polarity; tied values share the better rank ("joint 3rd", then 5th).
  *Source: DfE LAIT.*
"""
)

st.header("Accessibility statement")
st.markdown(
    """
We want as many people as possible to be able to use this dashboard. You should be able to:

- navigate with a keyboard and use it with a screen reader;
- zoom to 200% without the text spilling off the screen;
- read every chart as a table, and every colour as a word or symbol.

**How we test.** Every page is opened in a real Chromium browser by the test suite and checked
with axe-core (WCAG 2.1 A and AA rules); the suite fails on any serious or critical violation.

**Known limitations.** Charts are drawn by Plotly inside the page: a screen reader cannot explore
them point by point, so each chart has a table and a download with the same figures. Some
controls are Streamlit's own components, which we cannot change; if one of them stops you using
the dashboard, tell us and we will find another way to give you the information.

**Reporting problems.** Raise an issue on the project's repository, saying which page and what
you were trying to do. This statement was prepared on 25 November 2026 and is reviewed with each
release.
"""
)
