"""What changed since the last board: a revised file imported over the published store, each change listed once
with both figures, from the library and from `jar changes`."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from metrics.auth import create_first_admin, create_user
from metrics.changes import changes_since, store_at, version_at, versions
from metrics.results import Selection, area_results
from metrics.services import run_import
from metrics.store import Store

AREA = "E06000020"  # Telford and Wrekin
PASSWORD = "a long and unusual passphrase"


@pytest.fixture(scope="module")
def revised(published_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, pd.DataFrame]:
    """A copy of the published store, then one file revising an earlier figure, changing the latest one
    enough to change its comparison, and adding a new period for every LA."""
    tmp = tmp_path_factory.mktemp("changes")
    path = tmp / "store.duckdb"
    shutil.copy(published_db, path)
    store = Store(path)
    before = max(v.batch_id for v in versions(store))
    admin = create_first_admin(store, "ada", PASSWORD)
    analyst = create_user(store, admin, "ann", "analyst", "another unusual passphrase")
    rows = [
        # NI62 (3+ placements) for 2022-23: 64 of 453 becomes 80 of 453 (a revision of an earlier year)
        {"indicator_id": "NI62", "area_code": AREA, "client_group_id": "lac", "period": "2022-23",
         "count": 80, "denominator": 453},
        # NI62 for 2024-25: 54 of 411 (similar to England) becomes 90 of 411 (worse)
        {"indicator_id": "NI62", "area_code": AREA, "client_group_id": "lac", "period": "2024-25",
         "count": 90, "denominator": 411},
    ]
    last = store.df(
        "SELECT area_code, count, denominator FROM observation o JOIN area a USING (area_code)"
        " WHERE indicator_id = 'NI147' AND period_year = 2025 AND a.area_type = 'la' AND count IS NOT NULL"
        " AND denominator > 0")
    for r in last.itertuples():  # a new period, 2025-26, for every LA (so it becomes the latest)
        count = 120 if r.area_code == AREA else int(r.count)
        rows.append({"indicator_id": "NI147", "area_code": r.area_code, "client_group_id": "care_leavers",
                     "period": "2025-26", "count": count, "denominator": int(r.denominator)})
    for r in rows:
        r["value"] = 100 * r["count"] / r["denominator"]
    src = tmp / "revision.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["indicator_id", "area_code", "client_group_id", "period", "count",
                                     "denominator", "value"])
        writer.writeheader()
        writer.writerows(rows)
    run_import(store, analyst, src, fmt="template")
    changes = changes_since(store, Selection(AREA), before)
    store.close()
    return path, before, changes


def _one(changes: pd.DataFrame, kind: str, indicator: str, period: str | None = None) -> pd.Series:
    found = changes[(changes["kind"] == kind) & (changes["indicator_id"] == indicator)]
    if period is not None:
        found = found[found["period_label"] == period]
    assert len(found) == 1, f"{kind} {indicator} {period}: {len(found)} rows\n{changes}"
    return found.iloc[0]


def test_a_revised_earlier_figure_is_listed_once_with_both_figures(revised) -> None:
    _, _, changes = revised
    row = _one(changes, "revised", "NI62", "2022-23")
    assert row["old_value"] == pytest.approx(100 * 64 / 453)
    assert row["new_value"] == pytest.approx(100 * 80 / 453)
    assert (row["old"], row["new"]) == ("14.1", "17.7")


def test_a_changed_comparison_is_listed_once_with_both_comparisons(revised) -> None:
    path, before, changes = revised
    row = _one(changes, "significance", "NI62")
    with Store(path, read_only=True) as store:
        now = area_results(store, Selection(AREA)).set_index("indicator_id").loc["NI62"]
        old_store = store_at(store, before)
        was = area_results(old_store, Selection(AREA)).set_index("indicator_id").loc["NI62"]
        old_store.close()
    assert (was["comparison"], now["comparison"]) == ("similar", "worse")
    assert row["old"] == "similar (2024-25)" and row["new"] == "worse (2024-25)"
    assert row["old_value"] == pytest.approx(100 * 54 / 411) and row["new_value"] == pytest.approx(100 * 90 / 411)


def test_a_new_period_is_listed_once_with_the_figure_it_replaces(revised) -> None:
    _, _, changes = revised
    row = _one(changes, "new_period", "NI147")
    assert row["period_label"] == "2025-26"
    assert row["old_value"] == pytest.approx(92.8) and row["old"] == "92.8 (2024-25)"
    assert row["new_value"] == pytest.approx(100 * 120 / 125)


def test_nothing_else_moved_for_indicators_the_file_did_not_touch(revised) -> None:
    _, _, changes = revised
    assert set(changes["indicator_id"]) <= {"NI62", "NI147"}, changes


def test_the_data_as_an_earlier_batch_left_them_are_that_batchs_figures(published_db: Path, revised) -> None:
    """The store rebuilt at the last batch before the revision equals the published store as built."""
    path, before, _ = revised
    key = ["indicator_id", "area_code", "period_year", "client_group_id", "sex", "category"]
    with Store(path, read_only=True) as store:
        old = store_at(store, before)
        rebuilt = old.df("SELECT * FROM observation").sort_values(key).reset_index(drop=True)
        old.close()
    with Store(published_db, read_only=True) as original:
        built = original.df("SELECT * FROM observation").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(rebuilt[built.columns], built, check_dtype=False)


def test_jar_changes_prints_the_same(revised) -> None:
    path, before, changes = revised
    out = subprocess.run([sys.executable, "-m", "metrics", "changes", "--db", str(path), "--area", AREA,
                          "--since-batch", str(before)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f": {len(changes)}" in out.stdout.splitlines()[0]
    assert "Earlier figures revised by the publisher" in out.stdout and "17.7" in out.stdout
    with Store(path, read_only=True) as store:
        v = version_at(store, versions(store)[0].imported_at)
    assert v is not None and v.batch_id == max(x.batch_id for x in versions(Store(path, read_only=True)))
    bad = subprocess.run([sys.executable, "-m", "metrics", "changes", "--db", str(path), "--area", AREA,
                          "--since", "1999-01-01"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "first import came later" in bad.stderr
