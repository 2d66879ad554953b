"""The board summary: every figure it states comes from the results, and "significantly" only where a test says so."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.display import fmt_value
from metrics.ofsted import format_date, latest_inspection
from metrics.results import Selection, area_results
from metrics.scorecard import by_band
from metrics.store import Store
from metrics.subgroups import client_group_results
from metrics.summary import Sentence, Summary, area_summary, summarise, to_markdown

AREAS = ["E06000020", "E06000009", "E08000025", "E09000030", "E10000030"]  # Telford, Blackpool, Birmingham, Tower Hamlets, Surrey
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@pytest.fixture(scope="module")
def published(published_db: Path) -> Store:
    return Store(published_db, read_only=True)


def _sentences(summary: Summary) -> list[Sentence]:
    return [*summary.sentences, *(s for ss in summary.outcomes.values() for s in ss)]


def _visible(results: pd.DataFrame) -> pd.DataFrame:
    return results[~results["suppressed"].fillna(False).astype(bool) & results["value"].notna()]


def _allowed_numbers(store: Store, sel: Selection, results: pd.DataFrame) -> set[str]:
    """Every number the summary may print, worked out here from the results (not from the summary)."""
    r = _visible(results)
    groups = client_group_results(store, sel)
    allowed: set[str] = set()
    for frame, col in ((r, "value"), (r, "benchmark_value"), (groups, "value"), (groups, "all_value")):
        for v, dp in zip(frame[col], frame["decimal_places"], strict=True):
            if pd.notna(v):
                allowed.add(fmt_value(v, int(dp)))
    for frame in (r, groups):
        for label in frame["period_label"].dropna():
            allowed.update(NUMBER.findall(str(label)))
    comparison = r["comparison"].to_numpy(dtype=object)
    parts = [r, *(r[r["outcome_id"] == o] for o in r["outcome_id"].unique())]
    for part in parts:
        c = part["comparison"].to_numpy(dtype=object)
        tested = int(np.isin(c, ["better", "similar", "worse"]).sum())
        allowed.update(str(n) for n in (len(part), tested, (c == "worse").sum(), (c == "better").sum(),
                                        (c == "similar").sum(), (part["trend"] == "getting_worse").sum()))
        allowed.add(str(len(part) - tested - int(np.isin(c, ["higher", "lower"]).sum())))
    position = by_band(r[~np.isin(comparison, ["better", "similar", "worse", "higher", "lower"])])
    allowed.update(str(int((position == k).sum())) for k in ("worst_quarter", "best_quarter"))
    both = ((comparison == "worse") & (r["trend"].to_numpy(dtype=object) == "getting_worse")).sum()
    allowed.update(str(n - 5) for n in (both, (r["trend"] == "getting_better").sum()) if n > 5)
    allowed.update(NUMBER.findall(" ".join(str(t) for t in r["short_title"])))  # "(0-14)", "2y"
    allowed.update(NUMBER.findall(" ".join(str(t) for t in groups.get("group_name", []))))
    inspection = latest_inspection(store, sel.area_code)
    if inspection is not None:
        for day in (inspection.inspection_date, inspection.publication_date):
            if day is not None:
                allowed.update(NUMBER.findall(format_date(day)))
    return allowed


@pytest.mark.parametrize("area", AREAS)
def test_every_number_in_the_summary_comes_from_the_results(published: Store, area: str) -> None:
    sel = Selection(area_code=area)
    results = area_results(published, sel)
    summary = area_summary(published, sel)
    allowed = _allowed_numbers(published, sel, results) | {"5", "95", "99.8"}  # the note's "latest five", levels
    for s in _sentences(summary):
        for n in NUMBER.findall(s.text):
            assert n in allowed, f"{n!r} in {s.text!r} is not a figure of the results"


@pytest.mark.parametrize("area", AREAS)
def test_every_claim_is_the_results_own(published: Store, area: str) -> None:
    sel = Selection(area_code=area)
    results = area_results(published, sel).set_index("indicator_id")
    groups = client_group_results(published, sel).set_index(["indicator_id", "client_group_id"])
    claims = [c for s in _sentences(area_summary(published, sel)) for c in s.claims]
    assert claims, "a real area's summary names at least one indicator"
    for c in claims:
        if c.client_group_id == "all":
            row = results.loc[c.indicator_id]
            comparator = row["benchmark_value"]
        else:
            row = groups.loc[(c.indicator_id, c.client_group_id)]
            comparator = row["all_value"]
        assert c.value == pytest.approx(row["value"])
        if c.comparator_value is not None:
            assert c.comparator_value == pytest.approx(comparator)
        if c.comparison is not None:
            assert c.comparison == row["comparison"]
        if c.trend is not None:
            assert c.trend == row["trend"]


def test_the_lead_counts_match_the_scorecard(published: Store) -> None:
    sel = Selection(area_code="E06000020")
    results = _visible(area_results(published, sel))
    lead = area_summary(published, sel).sentences[0].text
    c = results["comparison"]
    assert f"of {int(c.isin(['better', 'similar', 'worse']).sum())} indicators tested against England" in lead
    worse = int((c == "worse").sum())
    assert f"{worse} {'is' if worse == 1 else 'are'} significantly worse, {int((c == 'better').sum())} " \
           f"significantly better and {int((c == 'similar').sum())} similar." in lead


def test_telford_summary_names_its_ofsted_judgement(published: Store) -> None:
    text = " ".join(s.text for s in area_summary(published, Selection(area_code="E06000020")).sentences)
    assert "Outstanding" in text and "April 2024" in text


def test_markdown_links_each_sentence_to_its_page(published: Store) -> None:
    summary = area_summary(published, Selection(area_code="E06000020"))
    md = to_markdown(summary, {"home": "https://ecm.example/?area=E06000020",
                               "trends": "https://ecm.example/trends?area=E06000020"})
    assert md.startswith("# Telford and Wrekin: summary for the board")
    red_red = [s for s in summary.sentences if s.page == "trends"]
    for s in red_red:
        assert f"trends?area=E06000020&indicator={s.params['indicator']})" in md
    assert "## Be healthy" in md


# The property: no sentence says "significant" of an indicator the statistics do not give.

COMPARISONS = ["better", "similar", "worse", "not_compared", "higher", "lower", None]
TRENDS = ["getting_better", "getting_worse", "no_significant_change", "cannot_be_calculated", None]


@st.composite
def results_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=25))
    rows = []
    for i in range(n):
        rows.append({
            "indicator_id": f"IND{i}", "short_title": f"Indicator number {chr(65 + i)}",
            "outcome_id": draw(st.sampled_from(["BH", "SS", "EA"])),
            "value": draw(st.one_of(st.none(), st.floats(0, 100, allow_nan=False))),
            "benchmark_value": draw(st.floats(0, 100, allow_nan=False)),
            "suppressed": draw(st.booleans()),
            "comparison": draw(st.sampled_from(COMPARISONS)),
            "trend": draw(st.sampled_from(TRENDS)),
            "band": draw(st.sampled_from(["A", "B", "C", "D", None])),
            "decimal_places": 1, "unit": "%", "period_label": "2024-25", "benchmark_name": "England",
        })
    frame = pd.DataFrame(rows)
    frame["outcome_name"] = frame["outcome_id"].map({"BH": "Be healthy", "SS": "Stay safe", "EA": "Enjoy and achieve"})
    return frame


@given(results_frames())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_sentence_claims_a_significance_the_statistics_do_not_give(frame: pd.DataFrame) -> None:
    summary = summarise("Area", Selection(area_code="E06000020"), frame)
    by_title = frame.set_index("short_title")
    for s in _sentences(summary):
        named = [t for t in by_title.index if t in s.text]
        for title in named:
            row = by_title.loc[title]
            assert not row["suppressed"] and pd.notna(row["value"]), f"{title} is hidden but named: {s.text}"
            if "significant" in s.text:
                assert row["comparison"] in ("better", "worse") or row["trend"] in ("getting_better",
                                                                                     "getting_worse"), s.text
        for c in s.claims:
            row = frame.set_index("indicator_id").loc[c.indicator_id]
            if c.comparison:
                assert row["comparison"] == c.comparison
            if c.trend:
                assert row["trend"] == c.trend


def test_the_word_download_holds_every_sentence_with_headings_and_links(published: Store) -> None:
    from io import BytesIO

    from docx import Document

    from metrics.summary import to_docx

    summary = area_summary(published, Selection(area_code="E06000020"))
    data = to_docx(summary, {"trends": "https://ecm.example/trends?area=E06000020"})
    doc = Document(BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    for s in summary.sentences:
        assert s.text in text
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == summary.title and "Be healthy" in headings
    targets = [r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert targets and all(t.startswith("https://ecm.example/trends?area=E06000020&indicator=") for t in targets)


def test_imported_titles_stay_text_in_the_markdown() -> None:
    frame = pd.DataFrame([{
        "indicator_id": "X", "short_title": "Evil ![x](https://attacker.example/p.png) [link](https://a.example)",
        "outcome_id": "BH", "outcome_name": "Be healthy", "value": 10.0, "benchmark_value": 5.0,
        "suppressed": False, "comparison": "worse", "trend": "getting_worse", "band": "D",
        "decimal_places": 1, "unit": "%", "period_label": "2024-25", "benchmark_name": "England"}])
    md = to_markdown(summarise("Area <b>", Selection(area_code="E06000020"), frame))
    assert not re.search(r"(?<!\\)\]\(https://a", md)  # every "](" escaped: no live image or link
    assert "\\!\\[x\\]" in md and "\\<b\\>" in md


@given(results_frames())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_each_outcome_paragraph_counts_what_the_tests_found(frame: pd.DataFrame) -> None:
    summary = summarise("Area", Selection(area_code="E06000020"), frame)
    shown = _visible(frame)
    for oid, sentences in summary.outcomes.items():
        mine = shown[shown["outcome_id"] == oid]
        if mine.empty:
            assert sentences == []
            continue
        first = sentences[0].text
        c = mine["comparison"]
        tested, worse, better = int(c.isin(["better", "similar", "worse"]).sum()), int((c == "worse").sum()), \
            int((c == "better").sum())
        if tested == 0:
            assert "could be tested" in first and "significant" not in first
        elif worse == 0 and better == 0:
            assert ("none of the" in first or "is not significantly" in first) and f"{tested} tested" in first
        else:
            assert f"{worse} of {tested} tested" in first and f"and {better} significantly better" in first


def test_england_is_not_tested_against_itself_and_only_las_get_an_ofsted_sentence(published: Store) -> None:
    england = [s.text for s in area_summary(published, Selection(area_code="E92000001")).sentences]
    assert "not tested against it" in england[0] and not any("tested against England," in t for t in england)
    region = [s.text for s in area_summary(published, Selection(area_code="E12000005")).sentences]
    assert region[0].startswith("West Midlands, latest available figures: of ")
    assert not any("Ofsted" in t for t in england + region)
