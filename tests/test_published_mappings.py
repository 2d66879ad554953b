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
