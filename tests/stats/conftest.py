"""Fixtures for the statistics tests: where the published oracle spreadsheets live.

The oracle files (expected results of PHEindicatormethods / PHStatsMethods) sit in ``../shared``
beside the project checkout, which only developers and CI have; a fresh clone skips those tests.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

SHARED_DIR = Path(__file__).resolve().parents[2] / ".." / "shared"
ORACLE_DIR = SHARED_DIR / "oracles" / "phe"
SKIP_REASON = "../shared not present (oracle data is only in the developers' checkout)"


@cache
def _read(name: str, sheet: str) -> pd.DataFrame:
    return pd.read_excel(ORACLE_DIR / name, sheet_name=sheet)


@pytest.fixture(scope="session")
def oracle_dir() -> Path:
    """The PHE oracle folder, or skip the test when ../shared is absent."""
    if not ORACLE_DIR.is_dir():
        pytest.skip(SKIP_REASON)
    return ORACLE_DIR


@pytest.fixture(scope="session")
def oracle(oracle_dir: Path) -> Callable[[str, str], pd.DataFrame]:
    """Loader ``oracle(file_name, sheet_name)`` returning a fresh copy of an oracle sheet."""

    def load(name: str, sheet: str) -> pd.DataFrame:
        path = oracle_dir / name
        if not path.is_file():
            pytest.skip(f"{path.name} not present in {oracle_dir}")
        return _read(name, sheet).copy()

    return load
