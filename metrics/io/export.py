"""Export observations in the Fingertips layout (CSV) or as a workbook (XLSX).

The CSV has Fingertips' exact column names, in Fingertips' order, so anything
that reads a Fingertips download (our own :mod:`metrics.io.fingertips` among
them) reads it back; one extra column, ``Client group``, carries our client-group
breakdowns, which Fingertips does not have. The XLSX has the same ``Data`` sheet
plus ``Metadata`` (export time, store, filters, the import batches the rows came
from) and ``Indicators`` (definitions), because a figure that leaves the
dashboard should carry its provenance with it.

Rules, each one a lesson from figures that went wrong after leaving a system:

- values are written exactly as stored (``repr`` of the float: no rounding loss);
- suppressed rows (those the store's disclosure control hides, ``observation_hidden``,
  decided once over the whole store by :func:`metrics.derived.hidden_cells`; and,
  for a frame that did not come from the store, a count under the indicator's
  disclosure threshold) keep their row, so a reader sees the gap, but their value,
  confidence limits and count are blank and the note is ``c`` — never zero. An
  export of one cluster hides exactly what an export of everything hides for it;
- text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading
  single quote, so a spreadsheet does not run them as formulas; numbers (negative
  ones too) stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from metrics.display import SUPPRESSED
from metrics.framework import DEFAULT_DISCLOSURE_THRESHOLD
from metrics.io.workbook import write_workbook
from metrics.lookups import rows_dataset
from metrics.spreadsheet import neutralise
from metrics.stats import suppress
from metrics.store import Store

Format = Literal["csv", "xlsx"]

FINGERTIPS_COLUMNS = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type",
    "Sex", "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit",
    "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator",
    "Value note", "Recent Trend", "Compared to England value or percentiles", "Compared to percentiles",
    "Time period Sortable", "New data", "Compared to goal", "Time period range",
]
EXTRA_COLUMNS = ["Client group"]
COLUMNS = FINGERTIPS_COLUMNS + EXTRA_COLUMNS
NUMBER_COLUMNS = {
    "Value": "value", "Lower CI 95.0 limit": "lower95", "Upper CI 95.0 limit": "upper95",
    "Lower CI 99.8 limit": "lower998", "Upper CI 99.8 limit": "upper998", "Count": "count",
    "Denominator": "denominator",
}
BLANKED_WHEN_SUPPRESSED = ["value", "lower95", "upper95", "lower998", "upper998", "count"]
AREA_TYPES = {"england": "England", "region": "Region", "la": "Counties & UAs (2023)", "cluster": "Cluster"}

OBSERVATIONS_SQL = """
SELECT o.*, i.title AS indicator_name, i.disclosure_threshold,
       a.name AS area_name, a.area_type, a.parent_code, p.name AS parent_name,
       h.reason IS NOT NULL AS hidden
FROM observation o
JOIN indicator i USING (indicator_id)
LEFT JOIN area a ON a.area_code = o.area_code
LEFT JOIN area p ON p.area_code = a.parent_code
LEFT JOIN observation_hidden h ON h.indicator_id = o.indicator_id AND h.area_code = o.area_code
     AND h.period_year = o.period_year AND h.client_group_id = o.client_group_id
     AND h.sex = o.sex AND h.category = o.category
WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], o.indicator_id))
  AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], o.area_code))
  AND (?::INTEGER[] IS NULL OR list_contains(?::INTEGER[], o.period_year))
ORDER BY o.indicator_id, o.area_code, o.period_year, o.client_group_id, o.sex, o.category
"""


def number_text(x: object) -> str:
    """A stored float as text that reads back to the identical float (blank when missing)."""
    if x is None:
        return ""
    f = float(x)  # type: ignore[arg-type]
    if np.isnan(f):
        return ""
    if f.is_integer() and abs(f) < 2**53:
        return str(int(f))
    return repr(f)


def select_observations(
    store: Store,
    indicator_ids: Sequence[str] | None = None,
    area_codes: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Observations with the names and thresholds an export needs (parameterised filters)."""
    ind = list(indicator_ids) if indicator_ids else None
    areas = list(area_codes) if area_codes else None
    yrs = [int(y) for y in years] if years else None
    return store.df(OBSERVATIONS_SQL, [ind, ind, areas, areas, yrs, yrs])


#: The observation key, by which a frame's rows are matched to the store's hidden cells.
OBSERVATION_KEY = ["indicator_id", "area_code", "period_year", "client_group_id", "sex", "category"]


def disclosure_mask(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose figures must not leave the system.

    ``hidden``: the store's decision (``observation_hidden``), made once over every
    observation and every total it belongs to, so no subset recomputes it and an
    export of part of the store hides exactly what a full export hides there.
    Also hidden, for a frame that did not come from the store: a flagged row, or a
    count under the indicator's threshold.
    """
    threshold = frame["disclosure_threshold"].fillna(DEFAULT_DISCLOSURE_THRESHOLD).to_numpy(dtype=float) if "disclosure_threshold" in frame \
        else np.full(len(frame), float(DEFAULT_DISCLOSURE_THRESHOLD))
    small = np.asarray(suppress(frame["count"].to_numpy(dtype=float), threshold), dtype=bool)
    hidden = small.copy()
    for col in ("suppressed", "hidden"):
        if col in frame:
            hidden |= frame[col].fillna(False).astype(bool).to_numpy()
    return hidden


def _with_hidden(store: Store, obs: pd.DataFrame) -> pd.DataFrame:
    """``obs`` with the store's ``hidden`` flag for each row (False for keys the store lacks)."""
    if "hidden" in obs or not set(OBSERVATION_KEY) <= set(obs.columns):
        return obs
    keys = obs[OBSERVATION_KEY].drop_duplicates()
    cur = store.cursor()
    cur.register("_keys", keys)
    try:
        found = cur.execute(
            """SELECT k.* FROM _keys k JOIN observation_hidden h
               ON h.indicator_id = k.indicator_id AND h.area_code = k.area_code
              AND h.period_year = k.period_year AND h.client_group_id = k.client_group_id
              AND h.sex = k.sex AND h.category = k.category"""
        ).df()
    finally:
        cur.unregister("_keys")
    marked = found.assign(hidden=True).astype({"period_year": obs["period_year"].dtype})
    out = obs.merge(marked, on=OBSERVATION_KEY, how="left")
    out["hidden"] = out["hidden"].fillna(False).astype(bool)
    return out


def fingertips_frame(obs: pd.DataFrame) -> pd.DataFrame:
    """Observations (store columns) -> the Fingertips layout, numbers still as floats."""
    hidden = disclosure_mask(obs)
    o = obs.copy()
    for col in BLANKED_WHEN_SUPPRESSED:
        o[col] = o[col].astype(float).mask(hidden)
    category = o["category"].fillna("").astype(str)
    has_type = category.str.contains(": ", regex=False)
    split = category.str.split(": ", n=1)
    note = o["note"].astype(object).where(o["note"].notna(), "")
    out = pd.DataFrame({
        "Indicator ID": o["indicator_id"],
        "Indicator Name": o.get("indicator_name", ""),
        "Parent Code": o.get("parent_code", pd.Series("", index=o.index)).fillna(""),
        "Parent Name": o.get("parent_name", pd.Series("", index=o.index)).fillna(""),
        "Area Code": o["area_code"],
        "Area Name": o.get("area_name", pd.Series("", index=o.index)).fillna(""),
        "Area Type": o.get("area_type", pd.Series("", index=o.index)).map(AREA_TYPES).fillna(""),
        "Sex": o["sex"].str.capitalize(),
        "Age": "",
        "Category Type": np.where(has_type, split.str[0], ""),
        "Category": np.where(has_type, split.str[1], category),
        "Time period": o["period_label"],
        **{col: o[canon] for col, canon in NUMBER_COLUMNS.items()},
        "Value note": np.where(hidden, SUPPRESSED, note),
        "Recent Trend": "", "Compared to England value or percentiles": "", "Compared to percentiles": "",
        "Time period Sortable": o["period_year"].astype(int) * 10_000,
        "New data": "", "Compared to goal": "", "Time period range": "1y",
        "Client group": o["client_group_id"],
    }, index=o.index)
    return out[COLUMNS].reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    numeric = set(NUMBER_COLUMNS) | {"Time period Sortable"}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        cols = [frame[c].to_numpy(dtype=object) for c in COLUMNS]
        for i in range(len(frame)):
            w.writerow([
                number_text(col[i]) if name in numeric else ("" if _missing(col[i]) else neutralise(str(col[i])))
                for name, col in zip(COLUMNS, cols, strict=True)
            ])


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _cell(x: object) -> object:
    if _missing(x):
        return None
    if isinstance(x, (np.integer, np.floating)):
        return x.item()
    if isinstance(x, str):
        return neutralise(x)
    return x


def write_xlsx(frame: pd.DataFrame, path: Path, metadata: list[tuple[str, object]], indicators: pd.DataFrame,
               batches: pd.DataFrame) -> None:
    """The Data, Metadata and Indicators sheets, floats exactly as stored (:mod:`metrics.io.workbook`)."""
    cols = [frame[c].to_numpy(dtype=object) for c in COLUMNS]
    data = [list(COLUMNS), *([_cell(col[i]) for col in cols] for i in range(len(frame)))]
    meta: list[list[object]] = [["item", "value"], *([key, _cell(value)] for key, value in metadata), [],
                                ["Import batches the rows came from"], list(batches.columns)]
    meta += [[_cell(v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in row]
             for row in batches.itertuples(index=False)]
    ind = [list(indicators.columns), *([_cell(v) for v in row] for row in indicators.itertuples(index=False))]
    write_workbook(path, [("Data", data), ("Metadata", meta), ("Indicators", ind)])


def export_frame(store: Store, obs: pd.DataFrame, path: Path | str, fmt: Format | None = None,
                 filters: dict[str, object] | None = None) -> int:
    """Write any frame of observations (store columns); returns the rows written."""
    path = Path(path)
    fmt = fmt or ("xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    # A bare frame of observation rows gets the names and thresholds from the store.
    inds = store.df("SELECT indicator_id, title AS indicator_name, disclosure_threshold FROM indicator")
    for col in ("indicator_name", "disclosure_threshold"):
        if col not in obs:
            obs = obs.merge(inds[["indicator_id", col]], on="indicator_id", how="left")
    if "area_name" not in obs:
        areas = store.df(
            """SELECT a.area_code, a.name AS area_name, a.area_type, a.parent_code, p.name AS parent_name
               FROM area a LEFT JOIN area p ON p.area_code = a.parent_code"""
        )
        obs = obs.drop(columns=["area_type", "parent_code", "parent_name"], errors="ignore").merge(
            areas, on="area_code", how="left")
    frame = fingertips_frame(_with_hidden(store, obs))
    if fmt == "csv":
        write_csv(frame, path)
    elif fmt == "xlsx":
        ids = sorted(obs["indicator_id"].unique().tolist())
        batch_ids = sorted(int(b) for b in obs["batch_id"].dropna().unique()) if "batch_id" in obs else []
        indicators = store.df(
            """SELECT indicator_id, short_title, title, definition, numerator_definition, denominator_definition,
                      outcome_id, aim_id, polarity, value_type, multiplier, unit, decimal_places, ci_method,
                      source, period_type, disclosure_threshold, status
               FROM indicator WHERE list_contains(?::VARCHAR[], indicator_id) ORDER BY indicator_id""",
            [ids],
        )
        batches = store.df(
            """SELECT batch_id, source_file, format, imported_at, imported_by, status, note
               FROM import_batch WHERE list_contains(?::INTEGER[], batch_id) ORDER BY batch_id""",
            [batch_ids],
        )
        metadata: list[tuple[str, object]] = [
            ("exported at (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")),
            ("store", store.path),
            ("dataset", rows_dataset(store, batch_ids)),
            ("data version", store.data_version()),
            ("rows", len(frame)),
            ("suppressed rows (value, CIs and count blank, note 'c')",
             int((frame["Value note"] == SUPPRESSED).sum())),
            ("batch ids", ", ".join(str(b) for b in batch_ids)),
            *((f"filter: {k}", ", ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else v)
              for k, v in (filters or {}).items() if v),
            ("layout", "Fingertips CSV columns, plus 'Client group'"),
        ]
        write_xlsx(frame, path, metadata, indicators, batches)
    else:
        raise ValueError(f"unknown export format {fmt!r}; csv or xlsx")
    return len(frame)


def export_observations(
    store: Store,
    path: Path | str,
    fmt: Format | None = None,
    indicator_ids: Sequence[str] | None = None,
    area_codes: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> int:
    """Export the store's observations matching the filters; returns the rows written."""
    obs = select_observations(store, indicator_ids, area_codes, years)
    filters = {"indicators": list(indicator_ids or []), "areas": list(area_codes or []),
               "years": list(years or [])}
    return export_frame(store, obs, path, fmt, filters)
