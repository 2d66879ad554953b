"""A writer holding the store: readers get a plain sentence, a second writer is refused cleanly."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.auth import create_first_admin, create_user
from metrics.framework import REPO_ROOT, Reference
from metrics.io.faults import ImportFailed
from metrics.services import run_import
from metrics.store import (
    ANOTHER_WRITE,
    BEING_UPDATED,
    Store,
    StoreBusy,
    load_reference_tables,
    new_batch,
)

HOLD = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"


@pytest.fixture()
def store_path(tmp_path: Path, reference: Reference) -> Path:
    path = tmp_path / "busy.duckdb"
    with Store(path) as s, s.transaction() as cur:
        load_reference_tables(cur, reference)
    return path


@pytest.fixture()
def writer(store_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the file for writing, as `jar import` does, until the test ends."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(store_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    proc.communicate("", timeout=30)


def test_a_reader_is_told_the_data_are_being_updated(store_path: Path, writer: subprocess.Popen[str]) -> None:
    with pytest.raises(StoreBusy) as caught:
        Store(store_path, read_only=True)
    assert str(caught.value) == BEING_UPDATED
    assert str(store_path) not in str(caught.value) and "PID" not in str(caught.value)
    assert str(store_path) in caught.value.detail  # kept for the operator's log and the CLI


def test_the_store_opens_again_once_the_writer_has_gone(store_path: Path, writer: subprocess.Popen[str]) -> None:
    with pytest.raises(StoreBusy):
        Store(store_path, read_only=True)
    writer.communicate("", timeout=30)
    with Store(store_path, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM area") > 150


def test_a_page_says_so_instead_of_a_traceback(store_path: Path, writer: subprocess.Popen[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECM_DB", str(store_path))
    monkeypatch.delenv("ECM_WRITABLE", raising=False)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == [BEING_UPDATED]
    shown = " ".join(str(e.value) for e in [*at.markdown, *at.info, *at.error, *at.caption])
    assert str(store_path) not in shown and "PID" not in shown


def test_a_second_write_in_the_same_process_is_refused(store_path: Path) -> None:
    s = Store(store_path)
    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with s.transaction() as cur:
            new_batch(cur, "first.csv", "test", "tester")
            inside.set()
            release.wait(30)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(30)
    try:
        version = s.data_version()
        with pytest.raises(StoreBusy, match="Another import"), s.transaction() as cur:
            cur.execute("SELECT 1")
        with s.transaction(data=False) as cur:  # an audit entry or a sign-in is not held up
            cur.execute("SELECT 1")
    finally:
        release.set()
        t.join(30)
    assert s.scalar("SELECT count(*) FROM import_batch") == 1
    assert s.data_version() != version  # the first write committed
    with s.transaction() as cur:  # and the store takes writes again
        new_batch(cur, "second.csv", "test", "tester")
    s.close()


def test_an_import_refused_because_another_is_writing_is_a_fault_and_audited(
    store_path: Path, tmp_path: Path
) -> None:
    s = Store(store_path)
    admin = create_first_admin(s, "ada", "a long and unusual passphrase")
    analyst = create_user(s, admin, "ben", "analyst", "another long unusual passphrase")
    src = tmp_path / "one.csv"
    src.write_text("indicator_id,area_code,period,value\nNI117,E06000020,2024,5.5\n", encoding="utf-8")
    inside, release = threading.Event(), threading.Event()

    def other_session() -> None:  # another session's import, half-way through its write
        with s.transaction() as cur:
            new_batch(cur, "other.csv", "test", "tester")
            inside.set()
            release.wait(30)

    t = threading.Thread(target=other_session)
    t.start()
    assert inside.wait(30)
    try:
        with pytest.raises(ImportFailed) as caught:
            run_import(s, analyst, src, fmt="template")
    finally:
        release.set()
        t.join(30)
    assert [f.rule for f in caught.value.faults] == [ANOTHER_WRITE]
    outcomes = s.df("SELECT action, outcome FROM audit_log WHERE target = 'one.csv'")
    assert outcomes.values.tolist() == [["import", "failed"]]
    assert s.scalar("SELECT count(*) FROM observation") == 0
    s.close()
