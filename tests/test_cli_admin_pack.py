"""`jar create-admin`, `jar add-user` and `jar pack`, run as a user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from metrics.store import Store


def jar(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if password is not None:
        env["JAR_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "metrics", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def test_first_admin_then_users_and_audit(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_db, db)
    r = jar("create-admin", "ada", "--db", str(db), password="a long admin secret")
    assert r.returncode == 0, r.stderr
    r = jar("create-admin", "eve", "--db", str(db), password="a long admin secret")
    assert r.returncode == 1 and "an admin already exists" in r.stderr
    r = jar("add-user", "ian", "--role", "inspector", "--by", "ada", "--db", str(db), password="inspector secret")
    assert r.returncode == 0, r.stderr
    r = jar("add-user", "mal", "--role", "admin", "--by", "ian", "--db", str(db), password="whatever secret")
    assert r.returncode == 1 and "not an active admin" in r.stderr
    r = jar("add-user", "sam", "--role", "viewer", "--by", "ada", "--db", str(db), password="short")
    assert r.returncode == 1 and "at least 10 characters" in r.stderr
    with Store(db, read_only=True) as store:
        users = store.df("SELECT username, role FROM app_user ORDER BY username").values.tolist()
        actions = store.df("SELECT action FROM audit_log ORDER BY audit_id")["action"].tolist()
    assert users == [["ada", "admin"], ["ian", "inspector"]]
    assert actions == ["create_first_admin", "create_user"]


def test_pack_writes_a_pdf(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    r = jar("pack", "--area", "E06000020", "--period", "2024", "--out", str(out), "--db", str(demo_db))
    assert r.returncode == 0, r.stderr
    assert "Wrote" in r.stdout and "[100%] Done" in r.stderr
    text = PdfReader(str(out)).pages[0].extract_text()
    assert "Telford and Wrekin (E06000020)" in text and "Period ending: 2024" in text


def test_pack_refuses_an_unknown_area(demo_db: Path, tmp_path: Path) -> None:
    r = jar("pack", "--area", "E99999999", "--out", str(tmp_path / "x.pdf"), "--db", str(demo_db))
    assert r.returncode == 1 and "unknown area" in r.stderr
