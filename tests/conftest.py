"""Shared fixtures: the reference data, and one real demo DuckDB file per run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.framework import REPO_ROOT, Reference, load_reference
from metrics.store import Store

SHARED = REPO_ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip: a user's fresh clone does not have it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared not present ({path} missing): real published data is only in developer checkouts")
    return path


@pytest.fixture(autouse=True)
def _fresh_signin_limits(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no failed sign-ins in memory, and a private sign-in log file.

    The failure counts are per process (metrics.throttle), so one test's wrong
    passwords must not pause another's sign-in; nor may a test write var/.
    """
    from metrics.auth import SIGNIN_LOG_ENV, failures

    failures.reset()
    monkeypatch.setenv(SIGNIN_LOG_ENV, str(tmp_path_factory.mktemp("signin") / "signin-audit.log"))


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real demo store on disk, built once for the whole run."""
    from metrics.demo import build_demo

    path = tmp_path_factory.mktemp("store") / "demo.duckdb"
    build_demo(path)
    return path


@pytest.fixture(scope="session")
def published_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published national store, built once from the shipped snapshot (no ../shared needed)."""
    from metrics.published import build_published

    path = tmp_path_factory.mktemp("published") / "published.duckdb"
    build_published(path)
    return path


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the reference data and no observations (``jar init``)."""
    from metrics.published import init_store

    return init_store(tmp_path_factory.mktemp("empty") / "empty.duckdb")


@pytest.fixture(scope="session")
def demo_store(demo_db: Path) -> Iterator[Store]:
    store = Store(demo_db, read_only=True)
    yield store
    store.close()
