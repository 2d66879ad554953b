"""Exports: Fingertips CSV and XLSX; exact values, suppression, formula injection."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from metrics.io.core import import_source
from metrics.io.export import FINGERTIPS_COLUMNS, export_frame, export_observations
from metrics.io.formats import detect_format, open_source
from metrics.store import Store

INDICATORS = ["REREF12", "NI73", "LAC_RATE", "ATT8", "NI70"]


@pytest.fixture
def empty_store(reference_store: Store) -> Store:
    """Reference tables, no observations: where an export is read back."""
    return reference_store


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_has_the_fingertips_columns_in_order(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    export_observations(demo_store, path, "csv", indicator_ids=["NI70"], area_codes=["E92000001"])
    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[: len(FINGERTIPS_COLUMNS)] == FINGERTIPS_COLUMNS
    assert header[len(FINGERTIPS_COLUMNS):] == ["Client group"]
    assert detect_format(path) == "fingertips"


def test_csv_round_trip_gives_identical_observations(demo_store: Store, empty_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    n = export_observations(demo_store, path, "csv", indicator_ids=INDICATORS)
    stored = demo_store.df(
        "SELECT * EXCLUDE (batch_id) FROM observation WHERE list_contains(?, indicator_id) ORDER BY ALL",
        [INDICATORS],
    )
    assert n == len(stored)
    result = import_source(empty_store, open_source(empty_store, path))
    assert result.new == n
    back = empty_store.df("SELECT * EXCLUDE (batch_id) FROM observation ORDER BY ALL")
    thresholds = demo_store.df("SELECT indicator_id, disclosure_threshold FROM indicator")
    hidden_mask = stored.merge(thresholds, on="indicator_id", how="left").pipe(
        lambda f: f["suppressed"] | ((f["count"] > 0) & (f["count"] < f["disclosure_threshold"]))
    ).to_numpy()
    key = ["indicator_id", "area_code", "period_year", "client_group_id", "sex", "category"]
    # Every primary-suppressed row came back with its key but no figures: never zero.
    hidden_back = back.merge(stored[hidden_mask][key], on=key)
    assert len(hidden_back) == hidden_mask.sum()
    assert hidden_back[["count", "value", "lower95", "upper95"]].isna().all().all()
    assert (hidden_back["note"] == "c").all()
    # Every row that came back with figures is identical to the store.
    with_figures = back[back["note"].fillna("") != "c"]
    expected = stored.merge(with_figures[key], on=key)
    assert len(with_figures) > 1000
    pd.testing.assert_frame_equal(with_figures.sort_values(key).reset_index(drop=True),
                                  expected.sort_values(key).reset_index(drop=True))
    # The rest were hidden to protect another cell (secondary suppression): exactly the store's
    # decision, and no LA's set of clusters is left with exactly one hidden cell.
    secondary = back[(back["note"] == "c")].merge(stored[~hidden_mask][key], on=key)
    decided = demo_store.df("SELECT * FROM observation_hidden WHERE reason = 'secondary'"
                            " AND list_contains(?, indicator_id)", [INDICATORS])
    assert not secondary.empty
    assert sorted(map(tuple, secondary[key].astype(str).to_numpy())) == sorted(
        map(tuple, decided[key].astype(str).to_numpy()))
    areas = demo_store.df("SELECT area_code, area_type, parent_code FROM area")
    clusters = back.merge(areas[areas["area_type"] == "cluster"], on="area_code")
    clusters["c"] = clusters["note"] == "c"
    clusters["missing"] = clusters["count"].isna() & ~clusters["c"]  # never published: nothing to subtract
    per_set = clusters.groupby(["indicator_id", "parent_code", "period_year", "client_group_id", "sex",
                                "category"])[["c", "missing"]].sum()
    exposed = per_set[(per_set["c"] == 1) & (per_set["missing"] == 0)]
    assert exposed.empty, exposed
    assert len(secondary) > 0  # the demo has sets that needed it


def test_values_are_written_exactly(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    export_observations(demo_store, path, "csv", indicator_ids=["NI73"], area_codes=["E06000020"], years=[2025])
    stored = demo_store.df(
        "SELECT * FROM observation WHERE indicator_id = 'NI73' AND area_code = 'E06000020' AND period_year = 2025"
        " AND NOT suppressed"
    ).set_index(["client_group_id", "sex"])
    for row in read_csv_rows(path):
        if row["Value note"] == "c":
            continue
        want = stored.loc[(row["Client group"], row["Sex"].lower())]
        assert float(row["Value"]) == want["value"]  # bit for bit, no rounding
        assert float(row["Lower CI 95.0 limit"]) == want["lower95"]
        assert float(row["Count"]) == want["count"]
        assert row["Time period"] == want["period_label"]


def test_suppressed_rows_are_blank_with_c(demo_store: Store, tmp_path: Path) -> None:
    flagged = demo_store.df("SELECT * FROM observation WHERE suppressed AND count IS NOT NULL LIMIT 1").iloc[0]
    path = tmp_path / "out.csv"
    export_observations(demo_store, path, "csv", indicator_ids=[flagged["indicator_id"]],
                        area_codes=[flagged["area_code"]], years=[int(flagged["period_year"])])
    [row] = [r for r in read_csv_rows(path) if r["Client group"] == flagged["client_group_id"]
             and r["Sex"].lower() == flagged["sex"] and r["Category"] == flagged["category"]]
    assert row["Value note"] == "c"
    for col in ("Value", "Count", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit"):
        assert row[col] == "", col
    assert row["Denominator"] != ""  # cohort sizes are published


def frame(**changes: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "indicator_id": "NI73", "area_code": "E06000020", "period_year": 2025, "period_label": "2024/25",
        "client_group_id": "all", "sex": "persons", "category": "", "count": 40.0, "denominator": 100.0,
        "value": 40.0, "lower95": 30.0, "upper95": 50.0, "lower998": 25.0, "upper998": 55.0,
        "suppressed": False, "note": None, "batch_id": 1, "area_name": "Telford and Wrekin",
        "indicator_name": "KS2", "area_type": "la", "parent_code": "E12000005", "parent_name": "West Midlands",
    }
    base.update(changes)
    return pd.DataFrame([base])


def test_small_counts_under_the_threshold_are_blanked_even_if_not_flagged(demo_store: Store,
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    export_frame(demo_store, frame(count=3.0, value=30.0), path, "csv")
    [row] = read_csv_rows(path)
    assert (row["Count"], row["Value"], row["Value note"]) == ("", "", "c")
    export_frame(demo_store, frame(count=0.0, value=0.0), path, "csv")  # zero is published
    [row] = read_csv_rows(path)
    assert (row["Count"], row["Value"], row["Value note"]) == ("0", "0", "")


def test_formula_injection_is_neutralised_but_numbers_stay_numbers(demo_store: Store, tmp_path: Path) -> None:
    nasty = frame(
        note='=HYPERLINK("http://evil.example","click")', area_name="+cmd|' /C calc'!A0",
        category="@SUM(1+1)", value=-3.5, lower95=-4.0, upper95=-3.0, lower998=-4.5, upper998=-2.5,
        count=None, indicator_name="-2+3", parent_name="\tTab",
    )
    path = tmp_path / "nasty.csv"
    export_frame(demo_store, nasty, path, "csv")
    [row] = read_csv_rows(path)
    assert row["Value note"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert row["Area Name"] == "'+cmd|' /C calc'!A0"
    assert row["Category"] == "'@SUM(1+1)"
    assert row["Indicator Name"] == "'-2+3"
    assert row["Parent Name"] == "'\tTab"
    assert row["Value"] == "-3.5" and row["Lower CI 95.0 limit"] == "-4"
    xlsx = tmp_path / "nasty.xlsx"
    export_frame(demo_store, nasty, xlsx, "xlsx")
    ws = load_workbook(xlsx)["Data"]
    header = [c.value for c in ws[1]]
    cells = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert cells["Value note"].value.startswith("'=") and cells["Value note"].data_type == "s"
    assert cells["Area Name"].value.startswith("'+")
    assert cells["Value"].value == -3.5 and cells["Value"].data_type == "n"


def test_xlsx_has_data_metadata_and_definitions(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    n = export_observations(demo_store, path, "xlsx", indicator_ids=["NI73", "REREF12"],
                            area_codes=["E06000020"], years=[2024, 2025])
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Data", "Metadata", "Indicators"]
    data = list(wb["Data"].iter_rows(values_only=True))
    assert list(data[0][: len(FINGERTIPS_COLUMNS)]) == FINGERTIPS_COLUMNS
    assert len(data) - 1 == n
    header = data[0]
    stored = demo_store.df(
        "SELECT * FROM observation WHERE indicator_id = 'REREF12' AND area_code = 'E06000020'"
        " AND period_year = 2025 AND client_group_id = 'cin' AND sex = 'persons'"
    ).iloc[0]
    [row] = [dict(zip(header, r, strict=True)) for r in data[1:]
             if r[0] == "REREF12" and r[header.index("Time period")] == stored["period_label"]
             and r[header.index("Client group")] == "cin" and str(r[header.index("Sex")]).lower() == "persons"]
    if stored["suppressed"]:
        assert row["Value"] is None and row["Value note"] == "c"
    else:
        assert row["Value"] == stored["value"] and isinstance(row["Value"], float)
    meta = {r[0]: r[1] for r in wb["Metadata"].iter_rows(values_only=True) if len(r) > 1 and r[0]}
    assert "exported at (UTC)" in meta
    batches = demo_store.df(
        "SELECT DISTINCT batch_id FROM observation WHERE indicator_id IN ('NI73', 'REREF12')"
        " AND area_code = 'E06000020' AND period_year IN (2024, 2025) ORDER BY 1"
    )["batch_id"].tolist()
    assert meta["batch ids"] == ", ".join(str(b) for b in batches)
    defs = list(wb["Indicators"].iter_rows(values_only=True))
    assert [r[0] for r in defs[1:]] == ["NI73", "REREF12"]
    assert "definition" in defs[0] and "source" in defs[0]
    assert all(r[defs[0].index("definition")] for r in defs[1:])


def test_unknown_format_is_refused(demo_store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv or xlsx"):
        export_observations(demo_store, tmp_path / "x.json", "json")  # type: ignore[arg-type]


def test_nan_is_never_written_as_zero(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "nan.csv"
    export_frame(demo_store, frame(value=math.nan, count=None, denominator=None, lower95=None, upper95=None,
                                   lower998=None, upper998=None, note="Data not available"), path, "csv")
    [row] = read_csv_rows(path)
    assert (row["Value"], row["Count"], row["Value note"]) == ("", "", "Data not available")


def test_a_bare_observation_frame_gets_names_from_the_store(demo_store: Store, tmp_path: Path) -> None:
    bare = demo_store.df("SELECT * FROM observation WHERE indicator_id = 'NI73' AND area_code = 'E06000020'"
                         " AND period_year = 2025 AND client_group_id = 'all' AND sex = 'persons'")
    path = tmp_path / "bare.csv"
    assert export_frame(demo_store, bare, path) == 1
    [row] = read_csv_rows(path)
    assert row["Area Name"] == "Telford and Wrekin" and row["Parent Code"] == "E12000005"
    assert row["Indicator Name"] == demo_store.scalar("SELECT title FROM indicator WHERE indicator_id = 'NI73'")
