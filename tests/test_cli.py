"""The `jar` command line, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def jar(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args], capture_output=True, text=True, timeout=300
    )


def test_info_reports_counts_and_version(demo_db: Path) -> None:
    result = jar("info", "--db", str(demo_db), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["dataset"] == "demo"
    assert info["tables"]["area"] > 160
    assert info["tables"]["observation"] > 100_000
    assert int(info["data_version"]) >= 1


def test_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    result = jar("info", "--db", str(tmp_path / "absent.duckdb"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no such store" in lines[0]


def test_build_demo_refuses_to_overwrite(demo_db: Path) -> None:
    result = jar("build-demo", "--db", str(demo_db))
    assert result.returncode == 1
    assert "--force" in result.stderr


def test_check_reference() -> None:
    result = jar("check-reference")
    assert result.returncode == 0, result.stderr
    assert "5 outcomes, 25 aims, 11 NSF standards" in result.stdout
