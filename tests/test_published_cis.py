"""Significance on real data: which catalogue indicators carry confidence intervals on the
published store's recent LA rows (how many: issue 13 item 8), the LAIT counts behind NI 67
read back against LAIT's file, and FingertipsNext's healthdata (SMOK_DEL, ABS_LOWINC) read
back against its file.

The store is built from the shipped snapshot alone; the comparison with the publisher's
file reads ../shared with DuckDB, independently of the reader, and skips without it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from metrics.framework import REPO_ROOT
from metrics.published import read_manifest
from metrics.store import Store
from tests.conftest import shared_path

RECENT = 2023  # 2022-23 onwards: the years the dashboard leads with


@pytest.fixture(scope="module")
def published(published_db: Path):
    with Store(published_db, read_only=True) as store:
        yield store


def _with_cis(store: Store) -> set[str]:
    """Current catalogue indicators (a proportion or rate with a CI method) with LA rows
    carrying a 95% interval for a recent period."""
    return set(store.df(
        """SELECT DISTINCT o.indicator_id FROM observation o JOIN indicator i USING (indicator_id)
           JOIN area a USING (area_code)
           WHERE i.status = 'current' AND i.ci_method <> 'none' AND i.value_type IN ('proportion', 'crude_rate')
             AND a.area_type = 'la' AND o.period_year >= ? AND o.lower95 IS NOT NULL AND o.upper95 IS NOT NULL""",
        [RECENT],
    )["indicator_id"])


def _given_counts() -> set[str]:
    """Indicators the shipped mappings give a count and a denominator for, read from the files."""
    out: set[str] = set()
    for source in read_manifest():
        if not source.mapping:
            continue
        with (REPO_ROOT / source.mapping).open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                count = (row.get("count_column") or "").strip()
                denominator = (row.get("denominator_column") or row.get("denominator_filters") or "").strip()
                # A lait_counts row always names both; a DfE row may give a value alone.
                if source.format == "lait_counts" or (count and denominator):
                    out.add(row["indicator_id"])
    return out


def test_every_indicator_given_counts_has_cis_on_recent_la_rows(published: Store) -> None:
    have = _with_cis(published)
    catalogue = set(published.df(
        "SELECT indicator_id FROM indicator WHERE status = 'current' AND ci_method <> 'none'"
        " AND value_type IN ('proportion', 'crude_rate')")["indicator_id"])
    expected = _given_counts() & catalogue
    assert expected, "the shipped mappings give counts for some catalogue indicators"
    assert expected <= have, f"given counts but no recent LA CIs: {sorted(expected - have)}"
    assert "NI67" in have  # LAIT's own numerator and denominator (data/mappings/lait_counts.csv)


def test_recent_cis_hold_their_values(published: Store) -> None:
    """Every recent LA row with an interval: lower <= value <= upper, the 99.8% one wider."""
    bad = published.scalar(
        """SELECT count(*) FROM observation o JOIN area a USING (area_code)
           WHERE a.area_type = 'la' AND o.period_year >= ? AND o.lower95 IS NOT NULL AND o.value IS NOT NULL
             AND NOT (o.lower95 <= o.value + 1e-9 AND o.value <= o.upper95 + 1e-9
                      AND o.lower998 <= o.lower95 + 1e-9 AND o.upper998 >= o.upper95 - 1e-9)""",
        [RECENT],
    )
    assert bad == 0


def test_ni67_replaced_lait_value_rows_and_kept_them_in_history(published: Store) -> None:
    counted = published.scalar(
        "SELECT count(*) FROM observation WHERE indicator_id = 'NI67' AND count IS NOT NULL AND period_year >= ?",
        [RECENT])
    kept = published.scalar(
        "SELECT count(*) FROM observation_history WHERE indicator_id = 'NI67' AND count IS NULL AND period_year >= ?",
        [RECENT])
    assert counted > 400 and kept >= counted


# Telford and Wrekin, Camden, Birmingham, Norfolk, Cornwall: small to large, three region types.
LAS = ["894", "202", "330", "926", "908"]


@pytest.mark.parametrize("la_number", LAS)
@pytest.mark.parametrize("year", ["2024", "2025"])
def test_ni67_matches_laits_file(published: Store, la_number: str, year: str) -> None:
    path = shared_path("data", "lait", "bds_long_0.parquet")
    with duckdb.connect() as con:
        cells = dict(con.execute(
            """SELECT "Short Desc", "Values" FROM read_parquet(?) WHERE "LA Number" = ? AND "Years" = ?
               AND "Short Desc" IN ('RevCP', 'CPP_Reviewed_InReqTimeScl', 'CPP_31March_3MnthorMore')""",
            [str(path), float(la_number), year],
        ).fetchall())
    assert len(cells) == 3, "LAIT publishes the percentage and both numbers for this LA and year"
    got = published.df(
        """SELECT o.count, o.denominator, o.value, o.lower95, o.upper95 FROM observation o JOIN area a USING (area_code)
           WHERE o.indicator_id = 'NI67' AND a.la_number = ? AND o.period_year = ? AND o.client_group_id = 'cpp'""",
        [la_number, int(year)],
    )
    assert len(got) == 1
    row = got.iloc[0]
    assert row["count"] == float(cells["CPP_Reviewed_InReqTimeScl"])
    assert row["denominator"] == float(cells["CPP_31March_3MnthorMore"])
    assert row["value"] == pytest.approx(float(cells["RevCP"]))
    assert row["lower95"] < row["value"] <= row["upper95"]


# --- how many: issue 13 item 8 -----------------------------------------------------------------

# Issue 13 item 8 asks for at least 30 current indicators. The snapshot reaches 30 with counts
# the publishers give (data/published/README.md lists them). A floor, so a lost source fails.
FLOOR = 30


def test_recent_la_cis_for_at_least_the_floor_of_current_indicators(published: Store) -> None:
    have = _with_cis(published)
    assert len(have) >= FLOOR, f"{len(have)} current indicators with recent LA CIs: {sorted(have)}"


# --- FingertipsNext healthdata: smoking at delivery, absolute low income ------------------------

def _healthdata_mapped() -> dict[str, str]:
    """FingertipsNext IndicatorId -> catalogue indicator, as the reviewed mapping imports it."""
    from metrics.framework import load_healthdata_mapping

    return {str(m.fingertips_id): m.indicator_id for m in load_healthdata_mapping() if m.indicator_id}


def test_every_healthdata_indicator_with_recent_la_rows_has_cis(published: Store) -> None:
    """Healthdata publishes Count, Denominator and both limits: each mapped indicator with a
    recent LA row carries its interval (NI112's rows end in 2021, so it has none recent)."""
    mapped = set(_healthdata_mapped().values())
    recent = set(published.df(
        """SELECT DISTINCT o.indicator_id FROM observation o JOIN area a USING (area_code)
           JOIN import_batch b ON b.batch_id = o.batch_id
           WHERE a.area_type = 'la' AND o.period_year >= ? AND b.format = 'healthdata'""",
        [RECENT])["indicator_id"])
    assert recent <= mapped
    assert {"SMOK_DEL", "ABS_LOWINC"} <= recent
    assert recent <= _with_cis(published)


# Blackpool, Manchester, Lancashire, Cumberland, Liverpool: the file's sample is the North West.
HEALTHDATA_LAS = ["E06000009", "E08000003", "E10000017", "E06000063", "E08000012"]


@pytest.mark.parametrize("la", HEALTHDATA_LAS)
@pytest.mark.parametrize(("fingertips_id", "start", "sex"), [("93085", "2023", "female"), ("93701", "2022", "persons")])
def test_healthdata_matches_the_publishers_file(published: Store, la: str, fingertips_id: str, start: str,
                                                sex: str) -> None:
    """Count, denominator, value and limits as FingertipsNext published them (Year is the year a
    financial period starts: 2023 is 2023/24), read with the csv module."""
    path = shared_path("data", "fingertips_like", "fingertipsnext_healthdata.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["IndicatorId"] == fingertips_id and r["AreaCode"] == la
                and r["Year"] == start and not r["CategoryType"]]
    assert len(rows) == 1, "one row for this LA and year in the publisher's file"
    pub = rows[0]
    got = published.df(
        """SELECT count, denominator, value, lower95, upper95 FROM observation WHERE indicator_id = ? AND area_code = ?
           AND period_year = ? AND sex = ? AND client_group_id = 'all' AND category = ''""",
        [_healthdata_mapped()[fingertips_id], la, int(start) + 1, sex],
    )
    assert len(got) == 1
    row = got.iloc[0]
    assert row["count"] == float(pub["Count"]) and row["denominator"] == float(pub["Denominator"])
    assert row["value"] == pytest.approx(float(pub["Value"]))
    assert (row["lower95"], row["upper95"]) == (pytest.approx(float(pub["LowerCI"])),
                                                pytest.approx(float(pub["UpperCI"])))
    assert row["value"] == pytest.approx(100 * row["count"] / row["denominator"], abs=0.06)
    assert row["lower95"] <= row["value"] <= row["upper95"]
