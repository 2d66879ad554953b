"""Figures from the mappings added to the snapshot, read back against the publishers'
files with the ``csv`` module (independently of the importer); skip without ../shared."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from metrics.store import Store
from tests.conftest import shared_path

LAS = ["E06000020", "E06000009", "E08000025", "E09000033", "E10000015"]


@pytest.fixture(scope="module")
def published(published_db: Path):
    with Store(published_db, read_only=True) as store:
        yield store


def _rows(parts: tuple[str, ...], **match: str) -> list[dict[str, str]]:
    with shared_path("data", *parts).open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if all(r[k] == v for k, v in match.items())]


def _ours(store: Store, indicator: str, group: str, la: str, year: int) -> tuple[float, float, float, float]:
    got = store.df(
        """SELECT count, denominator, value, lower95 FROM observation WHERE indicator_id = ? AND area_code = ?
           AND period_year = ? AND client_group_id = ? AND sex = 'persons' AND category = ''""",
        [indicator, la, year, group],
    )
    assert len(got) == 1, (indicator, la, year)
    return tuple(float(x) for x in got.iloc[0])  # type: ignore[return-value]


@pytest.mark.parametrize("la", LAS)
def test_ehc_plans_within_20_weeks(published: Store, la: str) -> None:
    """NI103: plans issued within 20 weeks excluding exceptions, DfE's counts, a Wilson interval."""
    rows = _rows(("d2i", "timeliness_20_week.csv"), new_la_code=la, time_period="2024",
                 breakdown_topic="All EHC plans issued", breakdown="All EHC plans issued")
    assert len(rows) == 1
    count, den, value, lower = _ours(published, "NI103", "ehcp", la, 2024)
    assert count == float(rows[0]["plans_issued_20_weeks_ex"])
    assert den == float(rows[0]["plans_issued_den_ex"])
    assert round(value, 1) == pytest.approx(float(rows[0]["PC_plans_issued_20_weeks_ex"]), abs=0.051)
    assert lower < value


@pytest.mark.parametrize("la", LAS)
def test_looked_after_school_moves(published: Store, la: str) -> None:
    base = {"new_la_code": la, "time_period": "2024", "cla_group": "CLA 2 years on 31 March",
            "move_measure": "Any moves"}
    moved = _rows(("dfe_ees", "la_cla_school_moves.csv"), **base,
                  school_stability="With one or more moves during the previous 2 years")
    total = _rows(("dfe_ees", "la_cla_school_moves.csv"), **base, school_stability="Total children")
    assert len(moved) == len(total) == 1
    count, den, value, lower = _ours(published, "LAC_SCHOOL_MOVES", "lac", la, 2024)
    assert (count, den) == (float(moved[0]["number"]), float(total[0]["number"]))
    assert round(value) == pytest.approx(float(moved[0]["percentage"]), abs=1)  # DfE rounds to whole per cent
    assert lower < value


@pytest.mark.parametrize("indicator", ["CIN_RATE", "CPP_RATE", "REF_RATE"])
def test_rates_from_counts_and_ons_population_reproduce_dfes_published_rates(
    published: Store, indicator: str
) -> None:
    """DfE's count over ONS's 0-17 mid-year estimate of the year before, per 10,000, gives
    the rate DfE published (as LAIT carries it) for every LA and year, to its 1 decimal
    place; the LAIT row it replaced is kept in the history."""
    pairs = published.df(
        """SELECT o.value AS ours, h.value AS published, o.lower95, o.upper95
           FROM observation o JOIN observation_history h
             USING (indicator_id, area_code, period_year, client_group_id, sex, category)
           JOIN area a USING (area_code)
           WHERE o.indicator_id = ? AND a.area_type = 'la' AND h.count IS NULL AND h.value IS NOT NULL
             AND o.value IS NOT NULL""",
        [indicator],
    )
    assert len(pairs) > 1000
    assert (pairs["ours"].round(1) == pairs["published"].round(1)).all()
    # a count of 0 (Isles of Scilly, City of London) has its lower limit at 0
    assert (pairs["lower95"] <= pairs["ours"]).all() and (pairs["upper95"] > pairs["ours"]).all()



def test_unbounded_proportions_are_published_proportions(published: Store) -> None:
    """Each reviewed exception to the 0-100 rule is a proportion the published store holds,
    with at least one figure outside 0-100 (else it needs no exception)."""
    from metrics.framework import load_unbounded_proportions

    for iid in load_unbounded_proportions():
        kind = published.scalar("SELECT value_type FROM indicator WHERE indicator_id = ?", [iid])
        assert kind == "proportion", iid
        outside = published.scalar(
            "SELECT count(*) FROM observation WHERE indicator_id = ? AND (value > 100 OR value < 0)", [iid])
        assert outside > 0, iid


@pytest.mark.parametrize("file", ["UD_NEETNK_LA_dashboard_2022_final.csv", "UD_NEETNK_LA_dashboard_2023_final.csv",
                                  "UD_NEETNK_LA_dashboard_final.csv"])
def test_16_17_neet_or_not_known_is_nccis_figure(published: Store, file: str) -> None:
    """NI117 for every LA in NCCIS's scorecard file equals its published percentage (values only:
    no count, since the percentage is rounded)."""
    rows = _rows(("nccis", file), geographic_level="Local authority", Age="16-17")
    assert len(rows) >= 150
    year = int(rows[0]["time_period"])
    ours = published.df(
        """SELECT area_code, value, count FROM observation WHERE indicator_id = 'NI117' AND period_year = ?
           AND client_group_id = 'all' AND sex = 'persons' AND category = ''""", [year])
    ours = {r.area_code: (r.value, r.count) for r in ours.itertuples()}
    checked = 0
    for r in rows:
        if r["new_la_code"] not in ours:
            continue  # an LA since merged away (Northamptonshire), or since given a new code (Barnsley, Sheffield)
        value, count = ours[r["new_la_code"]]
        assert value == pytest.approx(float(r["NEET_not_known_percent"])), (file, r["la_name"])
        assert count != count  # NaN: no count
        checked += 1
    assert checked >= 145


def _wilson(count: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval, written out here as in the PHE technical guide."""
    p = count / n
    centre = p + z * z / (2 * n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5)
    denominator = 1 + z * z / n
    return (centre - half) / denominator * 100, (centre + half) / denominator * 100


# Each catalogue indicator DfE publishes a count and a denominator for (issue 13 item 8):
# (indicator, client group, file, the row's filters, numerator column and filters, the
# denominator's, the published percentage column or None when DfE publishes counts only, and
# whether the stored value is DfE's (published to 1 place) or the counts' ratio (DfE publishes
# a whole number, or nothing)).
COUNTED = [
    ("LAC_DEV", "lac", "la_conviction_health_outcome_cla.csv",
     {"characteristic": "Development assessments: Children looked after ages 0 to 4 years"},
     ("children_count", {"breakdown": "Development assessments up to date"}),
     ("children_count", {"breakdown": "Total ages 0 to 4 years"}), "children_percent", "counts"),
    ("LAC_SDQ_CONCERN", "lac", "la_conviction_health_outcome_cla.csv",
     {"characteristic": "Ages 5 to 16 years with SDQ score"},
     ("children_count", {"breakdown": "SDQ score is a cause for concern"}),
     ("children_count", {"breakdown": "SDQ score was received"}), "children_percent", "counts"),
    ("CPP_2YRS_OPEN", "cpp", "d5_cpps_at31march_by_duration_2013_to_2025.csv", {},
     ("2_years_or_more", {}), ("CPP_At31", {}), "2_years_or_more_percent", "published"),
    ("REF_NFA", "cin", "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", {},
     ("no_further_action_count", {}), ("referral_count", {}), "no_further_action_percent", "published"),
    ("ASSESS_DA_PARENT", "cin", "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv", {},
     ("Domestic_Abuse_parent", {}), ("Episodes_with_assessment_factor", {}), None, "counts"),
]


@pytest.mark.parametrize("la", LAS)
@pytest.mark.parametrize(("indicator", "group", "name", "base", "num", "den", "pct", "stored"), COUNTED,
                         ids=[c[0] for c in COUNTED])
def test_counted_dfe_indicators_match_the_file(
    published: Store, la: str, indicator: str, group: str, name: str, base: dict[str, str],
    num: tuple[str, dict[str, str]], den: tuple[str, dict[str, str]], pct: str | None, stored: str,
) -> None:
    """The count and denominator as DfE publishes them for 2023-24; the value DfE's percentage
    where it gives one to a decimal place, otherwise the counts' ratio; the 95% interval Wilson's."""
    where = {"new_la_code": la, "time_period": "2024", **base}
    [top] = _rows(("dfe_ees", name), **where, **num[1])
    [bottom] = _rows(("dfe_ees", name), **where, **den[1])
    if not (top[num[0]].isdigit() and bottom[den[0]].isdigit()):
        pytest.skip(f"{indicator} {la}: DfE suppressed the figure ({top[num[0]]} of {bottom[den[0]]})")
    count, denominator, value, lower = _ours(published, indicator, group, la, 2024)
    assert (count, denominator) == (float(top[num[0]]), float(bottom[den[0]]))
    if stored == "published":
        assert value == float(top[pct])  # DfE's percentage to 1 place, from its unrounded counts
    else:  # the ratio of the LA's exact counts
        assert value == pytest.approx(count / denominator * 100)
    if pct is not None:
        assert round(value) == pytest.approx(float(top[pct]), abs=1)
    assert lower == pytest.approx(_wilson(count, denominator)[0], abs=1e-6)
