"""`jar create-admin`, `jar add-user` and `jar pack`, run as a user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from metrics.store import Store


def jar(*args: str, password: str | None = None, acting: str | None = None) -> subprocess.CompletedProcess[str]:
    """``password``: the new account's ($JAR_PASSWORD); ``acting``: the --by/--user account's ($ECM_PASSWORD)."""
    env = {k: v for k, v in os.environ.items() if k not in ("JAR_PASSWORD", "ECM_PASSWORD")}
    if password is not None:
        env["JAR_PASSWORD"] = password
    if acting is not None:
        env["ECM_PASSWORD"] = acting
    return subprocess.run([sys.executable, "-m", "metrics", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def test_first_admin_then_users_and_audit(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_db, db)
    r = jar("create-admin", "ada", "--db", str(db), password="a long admin secret")
    assert r.returncode == 0, r.stderr
    r = jar("create-admin", "eve", "--db", str(db), password="a long admin secret")
    assert r.returncode == 1 and "an admin already exists" in r.stderr
    r = jar("add-user", "ian", "--role", "inspector", "--by", "ada", "--db", str(db), password="inspector secret",
            acting="a long admin secret")
    assert r.returncode == 0, r.stderr
    r = jar("add-user", "mal", "--role", "admin", "--by", "ian", "--db", str(db), password="whatever secret",
            acting="inspector secret")
    assert r.returncode == 1 and "not an active admin" in r.stderr
    r = jar("add-user", "sam", "--role", "viewer", "--by", "ada", "--db", str(db), password="short",
            acting="a long admin secret")
    assert r.returncode == 1 and "at least 10 characters" in r.stderr
    with Store(db, read_only=True) as store:
        users = store.df("SELECT username, role FROM app_user ORDER BY username").values.tolist()
        actions = store.df("SELECT action FROM audit_log WHERE action <> 'login' ORDER BY audit_id")["action"].tolist()
        logins = store.df("SELECT username, outcome FROM audit_log WHERE action = 'login' ORDER BY audit_id")
    assert users == [["ada", "admin"], ["ian", "inspector"]]
    assert actions == ["create_first_admin", "create_user"]
    # Each --by signed in with its own password, on record.
    assert logins.values.tolist() == [["ada", "ok"], ["ian", "ok"], ["ada", "ok"]]


def test_the_cli_does_not_act_for_an_account_without_its_password(demo_db: Path, tmp_path: Path) -> None:
    """``--by ada`` / ``--user vic`` need that account's password; the OS user may not manage users."""
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_db, db)
    assert jar("create-admin", "ada", "--db", str(db), password="a long admin secret").returncode == 0
    r = jar("add-user", "mallory", "--role", "admin", "--by", "ada", "--db", str(db), password="whatever secret",
            acting="not ada's password")
    assert r.returncode == 1 and "sign-in failed" in r.stderr
    r = jar("add-user", "vic", "--role", "viewer", "--by", "ada", "--db", str(db), password="a viewer secret",
            acting="a long admin secret")
    assert r.returncode == 0, r.stderr
    r = jar("rollback", "1", "--user", "vic", "--db", str(db), acting="a viewer secret")
    assert r.returncode == 1 and "vic (viewer) may not rollback import" in r.stderr
    r = jar("rollback", "1", "--user", "ada", "--db", str(db), acting="wrong")
    assert r.returncode == 1 and "sign-in failed" in r.stderr
    with Store(db, read_only=True) as store:
        users = store.df("SELECT username FROM app_user ORDER BY username")["username"].tolist()
        status = store.scalar("SELECT status FROM import_batch WHERE batch_id = 1")
        refused = store.df("SELECT username, action FROM audit_log WHERE outcome = 'refused' ORDER BY audit_id")
    assert users == ["ada", "vic"] and status == "committed"
    assert refused.values.tolist() == [["ada", "login"], ["vic", "rollback_import"], ["ada", "login"]]


def test_pack_writes_a_pdf(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    r = jar("pack", "--area", "E06000020", "--period", "2024", "--out", str(out), "--db", str(demo_db))
    assert r.returncode == 0, r.stderr
    assert "Wrote" in r.stdout and "[100%] Done" in r.stderr
    pages = [p.extract_text() for p in PdfReader(str(out)).pages]
    assert "Telford and Wrekin: summary for the board" in pages[0]  # the summary in words opens the pack
    figures = next(t for t in pages if "Pre-inspection data pack: summary" in t)
    assert "Telford and Wrekin (E06000020)" in figures and "Period ending: 2024" in figures


def test_pack_refuses_an_unknown_area(demo_db: Path, tmp_path: Path) -> None:
    r = jar("pack", "--area", "E99999999", "--out", str(tmp_path / "x.pdf"), "--db", str(demo_db))
    assert r.returncode == 1 and "unknown area" in r.stderr
