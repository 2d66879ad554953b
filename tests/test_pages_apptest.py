"""Every page runs without exception (Streamlit AppTest, no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.framework import REPO_ROOT

PAGES = sorted((REPO_ROOT / "dashboard" / "pages").glob("*.py"))


@pytest.fixture(autouse=True)
def _store(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECM_DB", str(demo_db))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"area": "E06000020", "benchmark": "neighbours", "group": "lac"},
        {"area": "E06000020-C01", "benchmark": "parent"},
        {"area": "E09000001", "benchmark": "region"},  # City of London: small counts, suppression
        {"area": "nonsense", "period": "1900", "group": "nope"},
    ],
    ids=["default", "neighbours-lac", "cluster", "small-la", "bad-params"],
)
def test_page_runs(page: Path, params: dict[str, str]) -> None:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.switch_page(str(page.relative_to(REPO_ROOT)))
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
