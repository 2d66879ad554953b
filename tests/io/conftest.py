"""Fixtures for the import tests: a private copy of the demo store per test, and
small Fingertips files written row by row.

The demo store is built once per run (``demo_db`` in ``tests/conftest.py``) and
copied for each test, because every import test writes (or must prove it did
not write) and a copy of a 50 MB file costs milliseconds, a build seconds.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.framework import load_reference
from metrics.io.core import ImportResult, import_source, store_checksum
from metrics.io.formats import open_source
from metrics.store import Store, load_reference_tables
from tests.io.make_big_fingertips import HEADER, INDICATOR_NAME

BAD_INPUTS = Path(__file__).parent / "bad_inputs"

# One valid row of NI70 (Fingertips 90284, crude rate per 10,000, disclosure threshold 10)
# for Hartlepool 2023/24; tests change one field at a time.
BASE_ROW: dict[str, str] = {
    "Indicator ID": "90284", "Indicator Name": INDICATOR_NAME, "Parent Code": "E12000001",
    "Parent Name": "North East region", "Area Code": "E06000001", "Area Name": "Hartlepool",
    "Area Type": "Counties & UAs (from Apr 2023)", "Sex": "Persons", "Age": "<15 yrs", "Category Type": "",
    "Category": "", "Time period": "2023/24", "Value": "120.5", "Lower CI 95.0 limit": "105.1",
    "Upper CI 95.0 limit": "137.6", "Lower CI 99.8 limit": "97.9", "Upper CI 99.8 limit": "147.0",
    "Count": "220", "Denominator": "18255", "Value note": "", "Recent Trend": "",
    "Compared to England value or percentiles": "Worse", "Compared to percentiles": "Not compared",
    "Time period Sortable": "20230000", "New data": "", "Compared to goal": "", "Time period range": "1y",
}


def row(**changes: str) -> dict[str, str]:
    """BASE_ROW with some columns changed: ``row(Count="5", **{"Area Code": "E06000002"})``."""
    out = dict(BASE_ROW)
    for key, value in changes.items():
        out[key.replace("_", " ")] = value
    return out


def ci(lower95: str, upper95: str, lower998: str, upper998: str) -> dict[str, str]:
    """The four CI columns, for ``row(**ci(...))``."""
    return {"Lower CI 95.0 limit": lower95, "Upper CI 95.0 limit": upper95,
            "Lower CI 99.8 limit": lower998, "Upper CI 99.8 limit": upper998}


def write_fingertips(
    path: Path, rows: list[dict[str, str]], header: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    """Write rows in the Fingertips layout (``encoding='utf-8-sig'`` adds a BOM)."""
    header = header or HEADER
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_file(store: Store, path: Path, **kwargs: object) -> ImportResult:
    """Open with format detection, then import: what the CLI and import page do."""
    return import_source(store, open_source(store, path), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def reference_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the reference tables and no observations, built once."""
    path = tmp_path_factory.mktemp("reference") / "reference.duckdb"
    with Store(path) as s, s.transaction() as cur:
        load_reference_tables(cur, load_reference())
    return path


@pytest.fixture
def reference_store(reference_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the reference-only store: where files are imported from nothing."""
    target = tmp_path / "reference-copy.duckdb"
    shutil.copyfile(reference_db, target)
    s = Store(target)
    yield s
    s.close()


@pytest.fixture
def store_path(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the session's demo store."""
    target = tmp_path / "store.duckdb"
    shutil.copyfile(demo_db, target)
    return target


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    s = Store(store_path)
    yield s
    s.close()


@pytest.fixture
def checksum(store: Store) -> dict[str, tuple[int, int]]:
    """The store's checksum before the test does anything."""
    return store_checksum(store)
