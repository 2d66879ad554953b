"""Every page in a real browser: opened from a shared URL, figures equal to what
``metrics`` computes for that selection, selections written back to the URL, and
no serious or critical axe-core violations.

Expected figures come from the same ``metrics`` functions the page calls, on the
same demo store the server reads; what is checked is that the page shows them
faithfully (formatting, suppression as "c", words next to colours).
"""

from __future__ import annotations

import re

import pytest

from metrics.comparisons import (
    funnel_data,
    indicator_across_las,
    indicator_meta,
    indicator_series,
    series_trend,
)
from metrics.geo import load_boundaries
from metrics.lookups import indicators, search_catalogue
from metrics.results import Selection, area_results
from metrics.store import Store
from metrics.subgroups import client_group_results, cluster_results, clusters_of
from metrics.weak_areas import filter_weak, weak_areas
from tests.browser.helpers import (
    assert_no_serious_violations,
    choose,
    download_buttons,
    fmt,
    grid,
    grid_row_count,
    wait_for_app,
)

pytestmark = pytest.mark.browser

AREA = "E06000020"  # Telford and Wrekin: has clusters, neighbours and every client group
YEAR = 2025
SEL = Selection(AREA, "england", YEAR, "all")
QUERY = f"area={AREA}&benchmark=england&period={YEAR}&group=all"
INDICATOR = "NI73"  # KS2 expected standard: a proportion with polarity, so bands and a funnel

# The words each significance colour must come with (written here, not imported
# from dashboard.format, so a page that drops them fails).
WORDS = {
    "better": "Better", "similar": "Similar", "worse": "Worse", "higher": "Higher",
    "lower": "Lower", "not_compared": "Not compared",
}
TREND_WORDS = {
    "getting_better": "Getting better", "getting_worse": "Getting worse",
    "increasing": "Increasing", "decreasing": "Decreasing",
    "no_significant_change": "No significant change", "cannot_be_calculated": "Cannot be calculated",
}
BAND_WORDS = {"A": "A (best quartile)", "B": "B", "C": "C", "D": "D (worst quartile)"}

PAGES = {
    "home": f"/?{QUERY}",
    "profile": f"/profile?{QUERY}",
    "compare": f"/compare?{QUERY}&indicator={INDICATOR}",
    "trends": f"/trends?{QUERY}&indicator={INDICATOR}",
    "clusters": f"/clusters?{QUERY}",
    "client_groups": f"/client_groups?{QUERY}",
    "weak_areas": f"/weak_areas?{QUERY}",
    "map": f"/map?{QUERY}&indicator={INDICATOR}",
    "catalogue": "/catalogue",
}


def _body(page) -> str:
    return page.inner_text("body")


def _frames(page) -> list:
    return page.locator('[data-testid="stDataFrame"]').all()


def _metric(page, label: str) -> str:
    m = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    return m.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _assert_flag(shown: str, comparison: str) -> None:
    """The flag reads as a word with a symbol before it, never as colour alone."""
    word = WORDS[comparison]
    assert shown.endswith(word), (shown, comparison)
    assert shown[: -len(word)].strip(), f"no symbol before {word!r}: {shown!r}"


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_has_banner_download_url_and_passes_axe(server: str, page, name: str) -> None:
    page.goto(server + PAGES[name])
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0, _body(page)[:2000]
    assert "Demo data (synthetic)" in _body(page)
    assert any("CSV" in label for label in download_buttons(page)), download_buttons(page)
    if name != "catalogue":  # the catalogue has no area selection
        for key, value in {"area": AREA, "benchmark": "england", "period": str(YEAR), "group": "all"}.items():
            assert f"{key}={value}" in page.url, (key, page.url)
    assert_no_serious_violations(page)


# ---------------------------------------------------------------- home


def test_home_scorecard_table_matches_cards(server: str, page, demo_store: Store) -> None:
    from metrics.scorecard import outcome_scorecard

    page.goto(server + PAGES["home"])
    wait_for_app(page)
    card = outcome_scorecard(area_results(demo_store, SEL))
    page.get_by_text("The same figures as a table").click()
    frame = page.locator('[data-testid="stDataFrame"]').first
    rows = {r["Outcome"]: r for r in grid(frame)}
    assert grid_row_count(frame) == len(card)
    for row in card.itertuples():
        assert rows[row.outcome_name]["worse"] == str(row.worse)
        assert rows[row.outcome_name]["better"] == str(row.better)


# ---------------------------------------------------------------- area profile


@pytest.mark.parametrize(
    ("area", "outcome"),
    [(AREA, "SS"), ("E09000001", "BH")],  # City of London: small counts, so suppression
    ids=["telford-stay-safe", "city-of-london-be-healthy"],
)
def test_profile_tables_equal_area_results(server: str, page, demo_store: Store, area: str, outcome: str) -> None:
    page.goto(server + f"/profile?area={area}&benchmark=england&period={YEAR}&group=all&outcome={outcome}")
    wait_for_app(page)
    res = area_results(demo_store, Selection(area, "england", YEAR, "all"))
    expected = res[res["outcome_id"] == outcome].set_index("short_title")
    frames = _frames(page)
    assert sum(grid_row_count(f) for f in frames) == len(expected)
    seen = [row for f in frames for row in grid(f)]
    assert seen
    for row in seen:
        e = expected.loc[row["Indicator"]]
        assert row["Value"] == fmt(e["value"], int(e["decimal_places"]), bool(e["suppressed"])), row
        assert row["Benchmark"] == fmt(e["benchmark_value"], int(e["decimal_places"])), row
        _assert_flag(row["Compared with benchmark"], e["comparison"])
    body = _body(page)
    assert "confidence interval compared with the England value" in body
    assert "polarity" in body
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 1  # one outcome: one spine chart
    if any(row["Value"] == "c" for row in seen):
        assert "c = confidential" in body
    if area == "E09000001":
        assert expected["suppressed"].any()
        assert "c = confidential" in body


def test_profile_outcome_choice_goes_into_the_url(server: str, page) -> None:
    page.goto(server + PAGES["profile"] + "&outcome=SS")
    wait_for_app(page)
    choose(page, "Outcome", "Enjoy and achieve")
    page.wait_for_url(re.compile(r"outcome=EA"))
    wait_for_app(page)
    assert page.get_by_role("heading", name="Enjoy and achieve").count() >= 1


# ---------------------------------------------------------------- compare areas


def test_compare_shows_the_selected_la_rank(server: str, page, demo_store: Store) -> None:
    page.goto(server + PAGES["compare"])
    wait_for_app(page)
    meta = indicator_meta(demo_store, INDICATOR)
    las = indicator_across_las(demo_store, INDICATOR, SEL, "england")
    me = las[las["selected"]].iloc[0]
    dp = int(meta["decimal_places"])
    summary = (
        f"{me['name']}: {fmt(me['value'], dp)} {meta['unit']}; rank {int(me['rank'])} of "
        f"{int(me['n_ranked'])}; band {BAND_WORDS[me['band']]};"
    )
    assert summary in _body(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    assert grid_row_count(table) == len(las)
    first = grid(table)[0]
    assert first["Area"].startswith(str(las.iloc[0]["name"]))
    assert first["Rank"] == str(int(las.iloc[0]["rank"]))
    assert first["Value"] == fmt(las.iloc[0]["value"], dp, bool(las.iloc[0]["suppressed"]))
    _assert_flag(first["Compared with England"], las.iloc[0]["comparison"])
    assert "Polarity: higher is better" in _body(page)

    page.get_by_text("LAs in the area's region", exact=True).click()
    page.wait_for_url(re.compile(r"scope=region"))
    wait_for_app(page)
    region = indicator_across_las(demo_store, INDICATOR, SEL, "region")
    assert 1 < len(region) < len(las)
    assert grid_row_count(page.locator('[data-testid="stDataFrame"]').first) == len(region)
    assert summary in _body(page)  # ranks stay national when the view narrows


def test_compare_funnel_view(server: str, page, demo_store: Store) -> None:
    page.goto(server + PAGES["compare"] + "&view=funnel")
    wait_for_app(page)
    points, limits = funnel_data(demo_store, INDICATOR, SEL)
    assert not limits.empty
    me = points[points["selected"]].iloc[0]
    assert f"{me['name']} (selected): {me['funnel']}" in _body(page)
    funnel_table = page.locator('[data-testid="stDataFrame"]').first
    assert grid_row_count(funnel_table) == len(points)
    assert "Download the funnel plot's data (CSV)" in download_buttons(page)


# ---------------------------------------------------------------- trends


def test_trends_label_and_table_equal_metrics(server: str, page, demo_store: Store) -> None:
    page.goto(server + PAGES["trends"])
    wait_for_app(page)
    meta = indicator_meta(demo_store, INDICATOR)
    series = indicator_series(demo_store, INDICATOR, SEL)
    label = series_trend(series, AREA, meta)
    assert "Recent trend for Telford and Wrekin: " in _body(page)
    assert re.search(rf"Recent trend for Telford and Wrekin:\s*\S+\s+{TREND_WORDS[label]}", _body(page))
    own = series[series["area_code"] == AREA].sort_values("period_year")
    table = page.locator('[data-testid="stDataFrame"]').first
    assert grid_row_count(table) == len(own)
    rows = {r["Period"]: r for r in grid(table)}
    assert rows
    dp = int(meta["decimal_places"])
    for r in own.itertuples():
        if r.period_label in rows:
            assert rows[r.period_label]["Telford and Wrekin"] == fmt(r.value, dp, bool(r.suppressed))


def test_trends_added_area_goes_into_the_url(server: str, page) -> None:
    page.goto(server + PAGES["trends"])
    wait_for_app(page)
    page.get_by_label("Add areas to compare").click()
    page.keyboard.type("Shropshire")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"compare=E06000051"))
    wait_for_app(page)
    assert "Shropshire" in grid(page.locator('[data-testid="stDataFrame"]').first)[0]


# ---------------------------------------------------------------- clusters


@pytest.mark.parametrize("area", [AREA, f"{AREA}-C01"], ids=["la", "one-of-its-clusters"])
def test_clusters_of_telford_are_listed(server: str, page, demo_store: Store, area: str) -> None:
    page.goto(server + f"/clusters?area={area}&benchmark=england&period={YEAR}&group=all&outcome=BH")
    wait_for_app(page)
    clusters = clusters_of(demo_store, AREA)
    assert len(clusters) == 5
    body = _body(page)
    for name in clusters["name"]:
        assert f"{name}:" in body
    res = cluster_results(demo_store, AREA, SEL, "BH")
    table = page.locator('[data-testid="stDataFrame"]').first
    assert grid_row_count(table) == len(res)
    shown = grid(table)
    expected = res.set_index(["short_title", "name"])
    for row in shown:
        e = expected.loc[(row["Indicator"], row["Cluster"])]
        assert row["Value"] == fmt(e["value"], int(e["decimal_places"]), bool(e["suppressed"])), row
        _assert_flag(row["Compared with LA"], e["comparison"])
    assert "polarity" in body


def test_clusters_outcome_choice_goes_into_the_url(server: str, page, demo_store: Store) -> None:
    page.goto(server + PAGES["clusters"] + "&outcome=BH")
    wait_for_app(page)
    choose(page, "Outcome", "Stay safe")
    page.wait_for_url(re.compile(r"outcome=SS"))
    wait_for_app(page)
    res = cluster_results(demo_store, AREA, SEL, "SS")
    assert grid_row_count(page.locator('[data-testid="stDataFrame"]').first) == len(res)


# ---------------------------------------------------------------- client groups


def test_client_groups_tables_equal_metrics(server: str, page, demo_store: Store) -> None:
    page.goto(server + PAGES["client_groups"])
    wait_for_app(page)
    res = client_group_results(demo_store, SEL)
    blocks = list(res.groupby("client_group_id", sort=False))
    frames = _frames(page)
    assert len(frames) == len(blocks)
    for frame, (_, block) in zip(frames, blocks, strict=True):
        assert page.get_by_role("heading", name=str(block["group_name"].iloc[0])).count() >= 1
        assert grid_row_count(frame) == len(block)
        expected = block.set_index("short_title")
        for row in grid(frame)[:3]:
            e = expected.loc[row["Indicator"]]
            dp = int(e["decimal_places"])
            assert row["Client group"] == fmt(e["value"], dp, bool(e["suppressed"])), row
            assert row["All children"] == fmt(e["all_value"], dp), row
            _assert_flag(row["Compared with all children"], e["comparison"])


def test_client_groups_period_choice_goes_into_the_url(server: str, page) -> None:
    page.goto(server + PAGES["client_groups"])
    wait_for_app(page)
    choose(page, "Period ending", str(YEAR - 1))
    page.wait_for_url(re.compile(rf"period={YEAR - 1}"))


# ---------------------------------------------------------------- weak areas


def test_weak_areas_counts_equal_metrics(server: str, page, demo_store: Store) -> None:
    page.goto(server + PAGES["weak_areas"])
    wait_for_app(page)
    weak = weak_areas(demo_store, SEL)
    listed = filter_weak(weak)
    assert _metric(page, "Figures listed") == str(len(listed))
    assert _metric(page, "Red-red (worse and getting worse)") == str(int(listed["red_red"].sum()))
    # the list is a plain table (every row on the page), most severe first; the order
    # within a severity (by gap) is tested in test_weak_areas_page.py
    table = page.locator(".st-key-weak-list table")
    assert table.locator("tbody tr").count() == len(listed)
    first = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first[0].startswith(listed.iloc[0]["why"])
    assert first[2].split("\n")[0] in set(listed.loc[listed["priority"] == 0, "short_title"])

    choose(page, "Outcome", "Stay safe")
    page.wait_for_url(re.compile(r"outcome=SS"))
    wait_for_app(page)
    assert _metric(page, "Figures listed") == str(len(filter_weak(weak, "SS")))


# ---------------------------------------------------------------- map


def test_map_without_boundaries_says_how_to_add_them(server: str, page, demo_store: Store) -> None:
    page.goto(server + PAGES["map"])
    wait_for_app(page)
    body = _body(page)
    assert "No boundary file found" in body
    assert "ECM_BOUNDARIES" in body and "ONS Open Geography" in body
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    las = indicator_across_las(demo_store, INDICATOR, SEL)
    meta = indicator_meta(demo_store, INDICATOR)
    table = page.locator('[data-testid="stDataFrame"]').first
    assert grid_row_count(table) == len(las)
    for row, e in zip(grid(table)[:5], las.itertuples(), strict=False):
        assert row["Code"] == e.area_code
        assert row[f"Value ({meta['unit']})"] == fmt(e.value, int(meta["decimal_places"]), bool(e.suppressed))
        _assert_flag(row["Compared with England"], e.comparison)
    # Nothing to shade without a map, so no "Shade by" choice (tests/browser/test_pickers.py
    # checks that the choice changes the map where there is one).
    assert page.get_by_text("Shade by", exact=True).count() == 0


def test_map_with_boundaries_draws_every_la(map_server: str, page, demo_store: Store, boundaries_file) -> None:
    page.goto(map_server + PAGES["map"])
    wait_for_app(page)
    chart = page.locator('[data-testid="stPlotlyChart"]')
    chart.locator(".scatterlayer .trace").first.wait_for()
    las = indicator_across_las(demo_store, INDICATOR, SEL)
    bounds = load_boundaries(boundaries_file)
    assert bounds is not None
    drawn = set(las["area_code"]) & bounds.codes
    assert len(drawn) > 140
    # one filled trace per LA, and the selected LA's outline drawn over them
    assert chart.locator(".scatterlayer .trace").count() == len(drawn) + (AREA in drawn)
    assert f"{las.loc[las['area_code'] == AREA, 'name'].iloc[0]} (selected)" in chart.inner_text()
    legend = " ".join(chart.locator(".legend .legendtext").all_text_contents())
    for comparison in set(las["comparison"]):
        assert WORDS[comparison] in legend, (comparison, legend)
    missing = sorted(set(las["area_code"]) - bounds.codes)
    if missing:
        assert f"{len(missing)} LAs have no boundary in this file" in _body(page)
        for code in missing:
            assert code in _body(page)
    assert "Polarity: higher is better" in _body(page)
    assert_no_serious_violations(page)

    page.get_by_text("Quartile band", exact=True).click()
    page.wait_for_url(re.compile(r"shade=band"))
    wait_for_app(page)
    legend = " ".join(chart.locator(".legend .legendtext").all_text_contents())
    assert "A (best quartile)" in legend and "D (worst quartile)" in legend


# ---------------------------------------------------------------- indicator catalogue


def test_catalogue_search_and_details(server: str, page, demo_store: Store) -> None:
    cat = indicators(demo_store)
    page.goto(server + "/catalogue?indicator=NI101")
    wait_for_app(page)
    assert f"{len(cat)} of {len(cat)} indicators" in _body(page)
    title = cat.set_index("indicator_id").loc["NI101", "title"]
    assert page.get_by_role("heading", name=title).count() == 1
    assert "Polarity: higher is better" in _body(page)

    box = page.get_by_label("Search titles, definitions and codes")
    box.fill("looked-after")
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=looked-after"))
    wait_for_app(page)
    found = search_catalogue(cat, "looked-after")
    assert 0 < len(found) < len(cat)
    assert f"{len(found)} of {len(cat)} indicators" in _body(page)
    assert grid_row_count(page.locator('[data-testid="stDataFrame"]').first) == len(found)


# ---------------------------------------------------------------- the rest of app.py


def _other_pages() -> list[str]:
    """Pages registered in app.py beyond the nine above (data, admin, ...), by URL path."""
    from tests.support.server import registered_pages

    return [s for s in registered_pages() if s not in PAGES]


@pytest.mark.parametrize("stem", _other_pages())
def test_other_registered_pages_render_and_pass_axe(server: str, page, stem: str) -> None:
    page.goto(f"{server}/{stem}?{QUERY}")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0, _body(page)[:2000]
    assert_no_serious_violations(page)
