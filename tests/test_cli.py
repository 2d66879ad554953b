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
    assert info["dataset"] == "synthetic demo data"
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


def test_export_writes_the_fingertips_layout(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = jar("export", "--db", str(demo_db), "--out", str(out), "--indicator", "REREF12", "NI73",
                 "--area", "E06000020", "--period", "2024-25", "2025")
    assert result.returncode == 0, result.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Indicator ID,Indicator Name,Parent Code")
    rows = out.read_text(encoding="utf-8").splitlines()[1:]
    assert rows and all(r.split(",")[0] in ("REREF12", "NI73") for r in rows)
    assert f"Exported {len(rows):,} rows" in result.stdout


def test_export_refuses_an_unreadable_period(demo_db: Path, tmp_path: Path) -> None:
    result = jar("export", "--db", str(demo_db), "--out", str(tmp_path / "x.csv"), "--period", "last year")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "--period" in result.stderr


def test_template_then_import_with_faults_listed(demo_db: Path, tmp_path: Path) -> None:
    import csv
    import shutil

    db = tmp_path / "store.duckdb"
    shutil.copyfile(demo_db, db)
    template = tmp_path / "t.csv"
    result = jar("template", "--db", str(db), "--out", str(template), "--area", "E06000020",
                 "--indicator", "LAC_RATE", "--period", "2024-25")
    assert result.returncode == 0, result.stderr
    with template.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0].update(count="many", denominator="100")
    rows[1].update(count="5", denominator="1000")
    with template.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    failed = jar("import", "--db", str(db), str(template))
    assert failed.returncode == 1
    assert "row 2, count: 'many': not a number" in failed.stderr
    rows[0].update(count="50")
    with template.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    ok = jar("import", "--db", str(db), str(template), "--format", "template")
    assert ok.returncode == 0, ok.stderr
    assert "2 rows" in ok.stdout and "left blank" in ok.stdout


def test_import_format_neighbours_dispatches_to_the_workbook_reader(demo_db: Path, tmp_path: Path) -> None:
    import shutil

    from openpyxl import Workbook

    from metrics.framework import load_reference

    numbers = [a.la_number for a in load_reference().local_authorities if a.la_number][:11]
    wb = Workbook()
    ws = wb.active
    ws.append(["LA number", "LA name", *[x for k in range(1, 11) for x in (f"SN{k}", "closeness")]])
    ws.append([numbers[0], "first LA", *[x for n in numbers[1:] for x in (n, "Close")]])
    workbook = tmp_path / "neighbours.xlsx"
    wb.save(workbook)
    db = tmp_path / "store.duckdb"
    shutil.copyfile(demo_db, db)
    result = jar("import", "--db", str(db), str(workbook), "--format", "neighbours")
    assert result.returncode == 0, result.stderr
    assert "Imported 10 neighbour rows for 1 LAs" in result.stdout
