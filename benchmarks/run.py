"""Run every benchmark script and keep the figures: ``make bench``.

Each ``benchmarks/bench_*.py`` prints its own table; this runs them one after the
other (never in parallel: they would time each other) and writes everything they
printed, with the date, machine and package versions, to
``benchmarks/results/<date>-<host>.txt``. Benchmarks are not tests: the figures
depend on the machine, so they are recorded, not asserted.
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGES = ("duckdb", "pandas", "numpy", "scipy", "streamlit", "plotly", "fpdf2", "pydantic")


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    stamp = dt.datetime.now().strftime("%Y-%m-%d")
    header = [
        f"# benchmarks run {dt.datetime.now():%Y-%m-%d %H:%M} on {platform.node()}",
        f"# python {platform.python_version()}, {platform.machine()}, {platform.system()} {platform.release()}",
        "# " + ", ".join(f"{p} {metadata.version(p)}" for p in PACKAGES),
    ]
    out = list(header)
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        print(proc.stdout, end="")
        if proc.returncode:
            failed += 1
            print(proc.stderr, file=sys.stderr)
        out += ["", f"== {script.name} (exit {proc.returncode})", proc.stdout.rstrip()]
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    target = results / f"{stamp}-{platform.node() or 'machine'}.txt"
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"\nwritten to {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
