"""Write a large, valid Fingertips CSV in today's 27-column layout.

Used by the streaming tests (a few hundred thousand rows) and by the 1M-row
benchmark, so the file must be valid for a demo store: real area codes, the
catalogue's Fingertips indicator 90284 (NI70, a crude rate per 10,000), periods
in the past, unique keys (made unique by synthetic category breakdowns), CIs
that contain their values. Written in vectorised blocks so a million rows take
seconds, not minutes, and deterministic for a given seed.

    python -m tests.io.make_big_fingertips OUT.csv --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.framework import load_reference

HEADER = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type",
    "Sex", "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit",
    "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator",
    "Value note", "Recent Trend", "Compared to England value or percentiles", "Compared to percentiles",
    "Time period Sortable", "New data", "Compared to goal", "Time period range",
]
INDICATOR = "90284"
INDICATOR_NAME = "Hospital admissions caused by unintentional and deliberate injuries in children (aged 0 to 14 years)"
PERIOD_STARTS = list(range(2010, 2024))  # 2010/11 .. 2023/24: all in the past
SEXES = ["Persons", "Male", "Female"]
BLOCK = 100_000


def _areas() -> list[tuple[str, str, str]]:
    ref = load_reference()
    return [
        (a.area_code, a.name, "England" if a.area_type == "england" else "Counties & UAs (from Apr 2023)")
        for a in ref.areas
        if a.area_type in ("england", "region", "la")
    ]


def key_space() -> int:
    """Rows per category band: the file cycles areas x periods x sexes within each band."""
    return len(_areas()) * len(PERIOD_STARTS) * len(SEXES)


def write_big_fingertips(path: Path | str, rows: int, seed: int = 1, bom: bool = False) -> Path:
    """Write ``rows`` valid data rows (plus the header) to ``path`` and return it."""
    path = Path(path)
    areas = _areas()
    n_area, n_period, n_sex = len(areas), len(PERIOD_STARTS), len(SEXES)
    codes = np.array([a[0] for a in areas])
    names = np.array([a[1] for a in areas])
    types = np.array([a[2] for a in areas])
    periods = np.array([f"{y}/{(y + 1) % 100:02d}" for y in PERIOD_STARTS])
    sortable = np.array([f"{y}0000" for y in PERIOD_STARTS])
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(HEADER)
        for start in range(0, rows, BLOCK):
            i = np.arange(start, min(rows, start + BLOCK))
            sex = i % n_sex
            period = (i // n_sex) % n_period
            area = (i // (n_sex * n_period)) % n_area
            band = i // (n_sex * n_period * n_area)
            n = len(i)
            denominator = rng.integers(20_000, 400_000, n)
            count = rng.binomial(denominator, 0.0095)
            value = count / denominator * 10_000
            half95 = 1.96 * np.sqrt(np.maximum(count, 1)) / denominator * 10_000
            half998 = 3.09 * np.sqrt(np.maximum(count, 1)) / denominator * 10_000
            frame = pd.DataFrame({
                "Indicator ID": INDICATOR,
                "Indicator Name": INDICATOR_NAME,
                "Parent Code": "E92000001",
                "Parent Name": "England",
                "Area Code": codes[area],
                "Area Name": names[area],
                "Area Type": types[area],
                "Sex": np.array(SEXES)[sex],
                "Age": "<15 yrs",
                "Category Type": np.where(band == 0, "", "Synthetic bands (benchmark)"),
                "Category": np.where(band == 0, "", np.char.add("Band ", band.astype(str))),
                "Time period": periods[period],
                "Value": np.round(value, 7),
                "Lower CI 95.0 limit": np.round(np.maximum(value - half95, 0), 7),
                "Upper CI 95.0 limit": np.round(value + half95, 7),
                "Lower CI 99.8 limit": np.round(np.maximum(value - half998, 0), 7),
                "Upper CI 99.8 limit": np.round(value + half998, 7),
                "Count": count,
                "Denominator": denominator,
                "Value note": "",
                "Recent Trend": "",
                "Compared to England value or percentiles": "Not compared",
                "Compared to percentiles": "Not compared",
                "Time period Sortable": sortable[period],
                "New data": "",
                "Compared to goal": "",
                "Time period range": "1y",
            })
            frame.to_csv(fh, header=False, index=False, lineterminator="\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = write_big_fingertips(args.out, args.rows, args.seed)
    print(f"wrote {args.rows:,} rows to {out} ({out.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
