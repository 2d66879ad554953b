"""Shared UI pieces: the synthetic-data banner and page furniture."""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from metrics.display import (
    SUPPRESSED_NOTE,
    TREND_TEXT,
    band_text,
    ci_text,
    comparison_label,
    fmt_value,
    rank_text,
)
from metrics.labels import BAND_POSITION_WORDS, TREND_WINDOW, polarity_text, trend_periods_text
from metrics.lookups import dataset_status
from metrics.ofsted import Inspection, inspections_frame
from metrics.scorecard import by_band
from metrics.spreadsheet import csv_bytes
from metrics.store import Store
from metrics.summary import PAGES, Summary, to_markdown


def demo_banner(store: Store) -> None:
    """Say plainly, on every page, when figures are synthetic or when there are none yet."""
    status = dataset_status(store)
    if status.kind == "synthetic":
        st.warning(
            "**Demo data (synthetic).** These figures are generated for demonstration and "
            "describe no real area. Import published data to use the dashboard for real.",
            icon="⚠️",
        )
    elif status.kind == "mixed":
        st.warning(f"**Mixed data.** {status.sentence()}", icon="⚠️")


def ofsted_summary(found: list[Inspection]) -> None:
    """The area's latest Ofsted (ILACS) judgement with its dates, and every sub-judgement on request.

    On Ofsted's own scale, worded as Ofsted words it, so it is never read as a JAR grade.
    Nothing is shown for an area Ofsted does not inspect (England, a region, a cluster).
    """
    graded = [i for i in found if i.overall]
    if not graded:
        return
    latest = graded[0]
    with st.container(border=True, key="ofsted-latest"):
        st.markdown(f"**Ofsted (ILACS): {latest.overall}** overall effectiveness; {latest.dates_text}.")
        with st.expander("Ofsted's judgements at each inspection"):
            st.dataframe(inspections_frame(found), hide_index=True, key="ofsted-table")
            st.caption("Ofsted's scale: Outstanding, Good, Requires improvement to be good, Inadequate. "
                       "Care leavers were judged apart from January 2023. Source: LA inspection outcomes "
                       "as at 31 March 2025 and later ILACS reports (see the Data page).")


def method_note(benchmark_name: str) -> None:
    """State the comparison method next to every flag, as Fingertips does."""
    st.caption(
        f"Significance: the area's confidence interval compared with the {benchmark_name} value "
        "(overlap = similar), at 95% or, where Fingertips sets it for the indicator, 99.8% (the "
        "table's CI column says which). Better/worse follows each indicator's polarity; activity "
        "measures with no polarity are marked higher/lower and have no band or rank. Quartile bands "
        "A (best) to D (worst) among the local authorities, LAIT's rule: a value on a cut point "
        f"takes the band below it. Trend: the {TREND_WINDOW} (the table "
        "lists them), chi-square test at 99.8%."
    )


def results_table(rows: pd.DataFrame, key: str, with_aim: bool = False) -> None:
    """The accessible table behind every chart: words for flags, 'c' for suppressed.

    ``with_aim`` puts the ECM aim first, so one table per outcome keeps the
    outcome -> aim grouping (a browser draws five tables far faster than 25).
    """
    out = pd.DataFrame(
        {
            **({"Aim": rows["aim_name"]} if with_aim else {}),
            "Indicator": rows["short_title"],
            "Period": rows["period_label"].fillna("–"),
            "Count": [fmt_value(c, 0, s) for c, s in zip(rows["count"], rows["suppressed"], strict=True)],
            "Value": [
                fmt_value(v, int(d), s)
                for v, d, s in zip(rows["value"], rows["decimal_places"], rows["suppressed"], strict=True)
            ],
            "Unit": rows["unit"],
            "CI used": [
                ci_text(lo, hi, lv, int(d), bool(s))
                for lo, hi, lv, d, s in zip(rows["compared_lower"], rows["compared_upper"], rows["confidence_level"],
                                            rows["decimal_places"], rows["suppressed"], strict=True)
            ],
            "Benchmark": [fmt_value(v, int(d)) for v, d in zip(rows["benchmark_value"], rows["decimal_places"], strict=True)],
            "Compared with benchmark": [comparison_label(c) for c in rows["comparison"]],
            "Without an interval": [BAND_POSITION_WORDS.get(p, "–") if p else "–" for p in by_band(rows)],
            "Band": [band_text(b) for b in rows["band"]],
            "Rank": [rank_text(r, n) for r, n in zip(rows["rank"], rows["n_ranked"], strict=True)],
            "Trend": [TREND_TEXT.get(t, t) for t in rows["trend"]],
            "Trend periods": [trend_periods_text(p) for p in rows["trend_periods"]],
            "Polarity": [polarity_text(p) for p in rows["polarity"]],
        }
    )
    narrow = {c: st.column_config.TextColumn(width="small") for c in ("Aim", "Unit", "Polarity", "Band")}
    narrow.update({c: st.column_config.TextColumn(width="medium") for c in ("CI used", "Trend periods",
                                                                           "Without an interval")})
    st.dataframe(out, hide_index=True, key=key, column_config=narrow)
    suppressed_note(rows["suppressed"])


def suppressed_note(flags: pd.Series) -> None:
    """Explain 'c' wherever a table shows one, so nobody reads it as a missing zero."""
    if flags.fillna(False).astype(bool).any():
        st.caption(SUPPRESSED_NOTE)


def download_csv(frame: pd.DataFrame, file_name: str, label: str = "Download the data (CSV)") -> None:
    """Every chart's data can be taken away (the Fingertips habit)."""
    # Through the product's one formula guard: page tables hold imported titles and notes.
    st.download_button(label, csv_bytes(frame), file_name=file_name,
                       mime="text/csv", key=f"dl-{file_name}")


def _page_path(page: str) -> str:
    return "" if page == "home" else page  # pages are served at their file's name; home at the root


def board_summary(found: Summary, here: dict[str, str], file_stem: str,
                  word: Callable[[dict[str, str] | None], bytes]) -> None:
    """The summary for the board: each sentence with a link to the page holding its
    figures (kept to the current selection), and as Markdown and Word downloads
    (``word``: the Word document for the given links, kept by the page's cache)."""
    items = []
    for s in found.sentences:
        link = ""
        if s.page != "home":  # the scorecard's own sentences: the figures are below
            href = f"{_page_path(s.page)}?{urlencode({**here, **s.params})}"
            link = f' <a href="{html.escape(href)}" target="_self">{html.escape(PAGES[s.page])}</a>'
        items.append(f"<li>{html.escape(s.text)}{link}</li>")
    st.markdown(f'<ul class="board-summary">{"".join(items)}</ul>', unsafe_allow_html=True)
    st.caption(found.note)
    # Downloads carry absolute links, so a pasted paper opens the same views.
    parts = urlsplit(st.context.url or "")
    root = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}/" if parts.netloc else ""
    links = ({p: f"{root}{_page_path(p)}?{urlencode(here)}" for p in PAGES} if root else None)
    left, right = st.columns(2)
    left.download_button("Download the summary (Markdown)", to_markdown(found, links).encode("utf-8"),
                         file_name=f"{file_stem}_summary.md", mime="text/markdown", key="dl-summary-md")
    right.download_button(
        "Download the summary (Word)", word(links), file_name=f"{file_stem}_summary.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document", key="dl-summary-docx")
