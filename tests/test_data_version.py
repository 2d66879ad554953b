"""The data version moves only when what pages show from the data changes (issue 15).

Every page's cache keys on it: a sign-in, a refused or failed import, a user
change or a judgement must not make every reader recompute every page; an
import, a rollback and a neighbour list must.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from metrics.auth import (
    AuthError,
    PermissionDenied,
    User,
    authenticate,
    create_first_admin,
    create_user,
    set_role,
)
from metrics.framework import load_reference
from metrics.io.faults import ImportFailed
from metrics.judgements import create_review, record_judgement
from metrics.services import run_import, run_neighbours_import, run_rollback
from metrics.store import Store
from metrics.watchlist import WatchItem, add_items, mark_seen
from tests.io.conftest import ci, row, write_fingertips
from tests.support.accounts import add_account

PASSWORD = "a sound long passphrase"
ANALYST = User("ann", "analyst")


def _fingertips(path: Path, count: str) -> Path:
    return write_fingertips(path, [row(**{
        "Area Code": "E06000020", "Area Name": "Telford and Wrekin", "Time period": "2015/16",
        "Count": count, "Denominator": "35000", "Value": "", **ci("", "", "", "")})])


def _neighbours(path: Path) -> Path:
    numbers = [a.la_number for a in load_reference().local_authorities if a.la_number][:11]
    wb = Workbook()
    ws = wb.active
    ws.append(["LA number", "LA name", *[x for k in range(1, 11) for x in (f"SN{k}", "closeness")]])
    ws.append([numbers[0], "first LA", *[x for n in numbers[1:] for x in (n, "Close")]])
    wb.save(path)
    return path


@pytest.fixture()
def store(demo_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    s = Store(copy)
    add_account(s, "ann", "analyst")
    add_account(s, "ian", "inspector")
    add_account(s, "val", "viewer")
    yield s
    s.close()


def _refused(call: Callable[[], object], *errors: type[BaseException]) -> Callable[[], None]:
    def run() -> None:
        with pytest.raises(errors):
            call()
    return run


KEEPS: dict[str, Callable[[Store, Path], Callable[[], object]]] = {
    "first admin": lambda s, t: lambda: create_first_admin(s, "ada", PASSWORD),
    "sign-in": lambda s, t: lambda: (create_first_admin(s, "ada", PASSWORD), authenticate(s, "ada", PASSWORD)),
    "failed sign-in": lambda s, t: _refused(lambda: authenticate(s, "ada", "not the password"), AuthError),
    "refused import": lambda s, t: _refused(lambda: run_import(s, User("val", "viewer"), _fingertips(t / "a.csv", "1")),
                                            PermissionDenied),
    "failed import": lambda s, t: _refused(lambda: run_import(s, ANALYST, _fingertips(t / "b.csv", "-3")), ImportFailed),
    "dry run": lambda s, t: lambda: run_import(s, ANALYST, _fingertips(t / "c.csv", "120"), dry_run=True),
    "user change": lambda s, t: lambda: set_role(s, create_first_admin(s, "ada", PASSWORD), "val", "director"),
    "new user": lambda s, t: lambda: create_user(s, create_first_admin(s, "ada", PASSWORD), "sam", "viewer", PASSWORD),
    "judgement": lambda s, t: lambda: record_judgement(
        s, User("ian", "inspector"), create_review(s, User("ian", "inspector"), "E06000020", 2025).review_id, "SS", 2),
    "watchlist": lambda s, t: lambda: (add_items(s, User("val", "viewer"), [WatchItem("E06000020", "LAC_RATE")]),
                                       mark_seen(s, User("val", "viewer"))),
}


@pytest.mark.parametrize("action", sorted(KEEPS))
def test_the_version_stays_for_writes_that_change_no_data(store: Store, tmp_path: Path, action: str) -> None:
    before = store.data_version()
    KEEPS[action](store, tmp_path)()
    assert store.data_version() == before


def test_the_version_moves_for_imports_rollbacks_and_neighbours(store: Store, tmp_path: Path) -> None:
    versions = [store.data_version()]
    result = run_import(store, ANALYST, _fingertips(tmp_path / "one.csv", "120"))
    versions.append(store.data_version())
    run_rollback(store, ANALYST, result.batch_id)
    versions.append(store.data_version())
    run_neighbours_import(store, ANALYST, _neighbours(tmp_path / "sn.xlsx"))
    versions.append(store.data_version())
    assert len(set(versions)) == 4
    # The same file again changes nothing, so the version stays too.
    run_import(store, ANALYST, _fingertips(tmp_path / "two.csv", "130"))
    again = store.data_version()
    run_import(store, ANALYST, _fingertips(tmp_path / "two.csv", "130"))
    assert store.data_version() == again
