"""An area's results: each indicator's value against a benchmark, band, rank and trend.

This is the one place where the comparison rules are applied, so the scorecard,
the area profile, the weak-areas list and the data pack all say the same thing
about the same figure (the Fingertips habit: the same rules everywhere).

The benchmark is chosen by the user:

* ``england``: England's value;
* ``region``: the area's region's value;
* ``neighbours``: the simple mean of the area's ten statistical neighbours' values
  (missing neighbours left out; how many were used is reported);
* ``parent``: a cluster's parent LA (an LA's parent is its region);
* ``good_or_outstanding``: the simple mean of the values of every LA whose latest
  Ofsted ILACS overall grade is Good or Outstanding (:mod:`metrics.ofsted`; England
  when the store holds no inspections).

Significance is the area's own confidence interval, at the indicator's level (95% or
99.8%, as Fingertips sets it per indicator), against the benchmark's point value
(:func:`metrics.stats.compare_to_benchmark`). Quartile bands and national ranks are
among the LAs for the same indicator, period and client group. Suppressed values
are returned as NaN with ``suppressed = True``, never as numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from metrics.derived import QUANTILES
from metrics.framework import ENGLAND
from metrics.lookups import (
    LATEST_AVAILABLE,
    area_info,
    area_infos,
    catalogue_memo,
    latest_periods,
    latest_year,
    neighbour_codes,
)
from metrics.periods import period_label
from metrics.stats import compare_to_benchmark, interval_at_level
from metrics.stats.enums import RATIO_TYPES, as_value_type
from metrics.stats.trend import (
    TREND_POINTS,
    TrendSeries,
    recent_trends,
    valid_points,
)
from metrics.store import VALUE_COLUMNS, Store

Benchmark = Literal["england", "region", "neighbours", "parent", "good_or_outstanding"]
BENCHMARKS: dict[str, str] = {
    "england": "England",
    "region": "Region",
    "neighbours": "Statistical neighbours (mean)",
    "parent": "Parent area",
    "good_or_outstanding": "LAs graded Good or Outstanding by Ofsted (mean)",
}
#: The same choices as the picker words them: short enough to read in full at 200% zoom.
BENCHMARK_CHOICES: dict[str, str] = {**BENCHMARKS, "neighbours": "Statistical neighbours",
                                     "good_or_outstanding": "Good or Outstanding LAs (Ofsted)"}


@dataclass(frozen=True)
class Selection:
    """What a page shows: every page's URL carries exactly these fields."""

    area_code: str
    benchmark: Benchmark = "england"
    period_year: int | None = None  # None: "latest available", each indicator its own latest period
    client_group: str = "all"

    def with_period(self, year: int) -> Selection:
        return replace(self, period_year=year)

    @property
    def period_text(self) -> str:
        """The period as a page or file name says it: "2025" or "latest available"."""
        return str(self.period_year) if self.period_year else LATEST_AVAILABLE


def benchmark_areas(store: Store, sel: Selection) -> tuple[list[str], str]:
    """The area codes whose values make the benchmark, and its plain-English name."""
    info = area_info(store, sel.area_code)
    if info is None:
        raise KeyError(f"unknown area {sel.area_code}")
    return _benchmark_from_info(info, sel, lambda la: neighbour_codes(store, la), lambda: _good_codes(store))


def _groups_filter(alias: str) -> str:
    """Rows of several client groups at once: each indicator's headline group when
    ``$all``, and the named ``$groups`` for ``$group_indicators`` (see :func:`_group_params`).
    ``alias`` is a fixed table alias in the calling query, never input."""
    return (f"(($all AND {alias}.client_group_id = i.headline_group)"
            f" OR (list_contains($groups, {alias}.client_group_id)"
            f" AND list_contains($group_indicators, {alias}.indicator_id)))")


def _group_params(groups: list[str], group_indicators: list[str]) -> dict[str, object]:
    return {"all": "all" in groups, "groups": [g for g in groups if g != "all"],
            "group_indicators": group_indicators}


def mask_suppressed(frame: pd.DataFrame, copy: bool = True) -> pd.DataFrame:
    """Values and CIs derived from suppressed counts are never returned as numbers.

    ``copy=False`` masks ``frame`` itself: for a frame the caller has just read and
    owns, which need not pay for a copy.
    """
    out = frame.copy() if copy else frame
    if "suppressed" in out:
        sup = out["suppressed"].fillna(False).astype(bool).to_numpy()
        if sup.any():
            # Column by column with numpy: pandas' .loc on a row mask and several
            # columns is slow next to the rest of a small page.
            for c in VALUE_COLUMNS:
                if c in out:
                    out[c] = np.where(sup, np.nan, out[c].to_numpy(dtype=float))
    return out


def area_results(store: Store, sel: Selection) -> pd.DataFrame:
    """Each indicator for the selected area: value, benchmark, significance, band, trend.

    One row per catalogue indicator that is published for the selected client
    group; indicators with no value in the period keep their row with NaN so a
    reader sees the gap rather than nothing.
    """
    return area_results_many(store, [sel])[0]


def _good_codes(store: Store) -> list[str]:
    """LAs whose latest Ofsted grade is Good or Outstanding, kept per data version."""
    from metrics.ofsted import (
        good_or_outstanding_areas,  # imported here: ofsted reads through the store layer
    )

    return store.memo("ofsted_good_or_outstanding", lambda: good_or_outstanding_areas(store))


def _benchmark_from_info(
    info: dict[str, object], sel: Selection, neighbours_of: Callable[[str], list[str]],
    good_las: Callable[[], list[str]] = list,
) -> tuple[list[str], str]:
    """:func:`benchmark_areas` on an area already read, so a batch reads each area once."""
    la_code = sel.area_code if info["area_type"] == "la" else info.get("parent_code")
    if sel.benchmark == "england":
        return [ENGLAND], "England"
    if sel.benchmark == "good_or_outstanding":
        # The same set for every area (the area itself included when it is one), so shared per period.
        good = good_las()
        return (list(good), "LAs graded Good or Outstanding by Ofsted (mean)") if good else ([ENGLAND], "England")
    if sel.benchmark == "region":
        region = info["region_code"] if info["area_type"] in ("la", "cluster") else None
        if not region:
            return [ENGLAND], "England"
        return [str(region)], str(info.get("region_name") or region)
    if sel.benchmark == "parent":
        parent = info.get("parent_code")
        if not parent:
            return [ENGLAND], "England"
        return [str(parent)], str(info.get("parent_name") or parent)
    if info["area_type"] not in ("la", "cluster") or not la_code:
        return [ENGLAND], "England"
    return neighbours_of(str(la_code)), "statistical neighbours (mean)"


def _panels(
    store: Store, year: int, groups: list[str], areas: list[str], group_indicators: list[str]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """One period's rows of ``areas`` for every requested client group, read in one scan.

    The frame holds every group's rows; each group's positions in it are the rows
    of ``areas`` that :func:`period_panel` returns for it, with each LA's band and rank among all LAs (``ecm_position``, kept by
    :mod:`metrics.derived`); national quantiles come from :func:`_national_reads`.
    No other LA's rows are read. Reading all groups at once is what makes the weak-areas list
    (an area, each of its client groups and clusters) one pass over the period.
    Client-group rows are read only for ``group_indicators``, the indicators the
    selections show for a group.
    """
    frame = store.frame(
        f"""
        SELECT o.indicator_id, o.area_code, a.area_type, o.period_year, o.period_label,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.lower998, o.upper998,
               o.suppressed, o.note, o.client_group_id AS _group,
               o.client_group_id = i.headline_group AS _headline, p.band, p.rank, p.n_ranked
        FROM ecm_observation o JOIN indicator i USING (indicator_id) JOIN area a USING (area_code)
        LEFT JOIN ecm_position p USING (period_year, indicator_id, client_group_id, area_code)
        WHERE o.period_year = $year AND i.mapped
          AND {_groups_filter("o")}
          AND list_contains($areas, o.area_code)
        """,
        {"year": year, "areas": areas, **_group_params(groups, group_indicators)},
    )
    frame = mask_suppressed(frame, copy=False)
    # The two helper columns stay: every reader picks its columns by name.
    group_of = frame["_group"].to_numpy(dtype=object)
    headline = frame["_headline"].to_numpy(dtype=bool)
    return frame, {g: np.flatnonzero(headline if g == "all" else group_of == g) for g in groups}


def _series(
    store: Store, year: int, keys: list[tuple[str, str]], expected: dict[tuple[str, str], set[str]]
) -> dict[tuple[str, str], dict[str, TrendArrays]]:
    """Each (area, client group)'s rows the recent trend reads, split by indicator.

    The trend looks at the latest :data:`TREND_POINTS` valid points up to the
    period, usually the last that many years, so the first read is limited to them,
    which lets DuckDB skip older row groups. A series with fewer valid points in
    that window, or an expected indicator with no row in it, may reach further back:
    those areas are read again in full, so the label is exactly what the whole
    series gives.
    """
    # Client-group rows only for the indicators some selection shows for a group.
    group_indicators = sorted({i for (_, g), inds in expected.items() if g != "all" for i in inds})
    areas = sorted({a for a, _ in keys})
    groups = sorted({g for _, g in keys})
    sql = f"""
        SELECT o.area_code, o.client_group_id AS _group,
               o.client_group_id = i.headline_group AS _headline, o.indicator_id, o.period_year,
               o.count, o.denominator, o.value, o.lower95, o.upper95, o.suppressed
        FROM ecm_observation o JOIN indicator i USING (indicator_id)
        WHERE list_contains($areas, o.area_code)
          AND i.mapped AND o.period_year BETWEEN $first AND $year
          AND {_groups_filter("o")}
        ORDER BY o.area_code, o.indicator_id, o.client_group_id, o.period_year
    """
    params: dict[str, object] = {
        "areas": areas, "year": year, "first": year - TREND_POINTS + 1, **_group_params(groups, group_indicators),
    }
    recent = mask_suppressed(store.frame(sql, params), copy=False)
    split = _split_series(recent, keys)
    # The trend uses the latest five valid points, however far back: a series with
    # fewer in the window may find the rest earlier.
    short = [
        k for k, per in split.items()
        if any(int(valid_points(*arrays[2:5], arrays[0], arrays[1]).sum()) < TREND_POINTS for arrays in per.values())
        or not expected[k] <= per.keys()
    ]
    if short:
        params.update(areas=sorted({a for a, _ in short}), first=-(2**31))
        full = _split_series(mask_suppressed(store.frame(sql, params), copy=False), short)
        for k in short:
            split[k] = full[k]
    return split


#: (count, denominator, value, lower95, upper95, period_year) of one series, oldest first.
TrendArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_SERIES_COLUMNS = ("count", "denominator", "value", "lower95", "upper95", "period_year")


def _split_series(
    frame: pd.DataFrame, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, TrendArrays]]:
    """Per key, each indicator's (count, denominator, value, lower95, upper95, period_year) arrays.

    Plain arrays, split once: the trend test runs on a few dozen indicators per
    scope, and slicing a DataFrame per indicator costs more than the test itself.
    """
    # One (rows x 6) block: a key's rows are taken once, and each indicator's arrays
    # are then views of that block, not six fancy-indexed copies per indicator.
    block = np.column_stack(
        [frame[c].to_numpy(dtype=float) for c in _SERIES_COLUMNS]
    ) if len(frame) else np.empty((0, len(_SERIES_COLUMNS)))
    area = frame["area_code"].to_numpy(dtype=object)
    group = frame["_group"].to_numpy(dtype=object)
    headline = frame["_headline"].to_numpy(dtype=bool)
    indicator = frame["indicator_id"].to_numpy(dtype=object)
    by_area = {a: area == a for a in {a for a, _ in keys}}
    out: dict[tuple[str, str], dict[str, TrendArrays]] = {}
    for a, g in keys:
        rows = np.flatnonzero(by_area[a] & (headline if g == "all" else group == g))
        per: dict[str, TrendArrays] = {}
        if len(rows):
            ids = indicator[rows]
            mine = block[rows].T  # six rows of this key's values, each contiguous
            # rows are ordered by indicator, then year: cut where the indicator changes
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            ends = np.r_[starts[1:], len(rows)]
            for b, e in zip(starts.tolist(), ends.tolist(), strict=True):
                per[str(ids[b])] = tuple(mine[:, b:e])  # type: ignore[assignment]
        out[(a, g)] = dict(sorted(per.items()))
    return out


@dataclass(frozen=True)
class _Quantiles:
    """One client group's LA quantiles: each indicator's row of ``values`` (columns: QUANTILES)."""

    row: dict[str, int]
    values: np.ndarray

    def columns(self, index: pd.Index | np.ndarray) -> dict[str, np.ndarray]:
        """Each quantile for the indicators in ``index``, NaN where there is none."""
        take = np.fromiter((self.row.get(i, -1) for i in index), dtype=np.intp, count=len(index))
        found = take >= 0
        return {
            name: np.where(found, self.values[take, j] if len(self.values) else np.nan, np.nan)
            for j, name in enumerate(QUANTILES)
        }


def _national_reads(
    store: Store, year: int, groups: list[str], group_indicators: list[str]
) -> dict[str, _Quantiles]:
    """Per client group: the LA quantiles of each indicator.

    Read from ``ecm_national`` (computed from every LA's value when the data
    changed, :mod:`metrics.derived`).
    """
    quantiles = store.frame(
        f"""
        SELECT d.indicator_id, {", ".join(QUANTILES)}, d.client_group_id AS _group,
               d.client_group_id = i.headline_group AS _headline
        FROM ecm_national d JOIN indicator i USING (indicator_id)
        WHERE d.period_year = $year AND {_groups_filter("d")}
        """,
        {"year": year, **_group_params(groups, group_indicators)},
    )
    ids = quantiles["indicator_id"].to_numpy(dtype=object)
    group_of = quantiles["_group"].to_numpy(dtype=object)
    headline = quantiles["_headline"].to_numpy(dtype=bool)
    values = quantiles[list(QUANTILES)].to_numpy(dtype=float)
    out = {}
    for g in groups:
        rows = np.flatnonzero(headline if g == "all" else group_of == g)
        out[g] = _Quantiles({ind: k for k, ind in enumerate(ids[rows])}, values[rows])
    return out


def _catalogue_for(cat: pd.DataFrame, group: str, memberships: list[set[str]] | None = None) -> pd.DataFrame:
    """The catalogue rows published for a client group ('all': every indicator).

    ``memberships`` (each row's client groups as a set) lets a batch of groups
    test membership without converting every row's list once per group.
    """
    if group == "all":
        return cat
    if memberships is None:
        memberships = [set(g) for g in cat["client_groups"]]
    return cat[np.fromiter((group in m for m in memberships), dtype=bool, count=len(memberships))]


OWN_COLUMNS = [*VALUE_COLUMNS, "period_label", "suppressed", "note"]


class _PanelArrays:
    """The period panel's columns as arrays, read once for every group and selection."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.areas = frame["area_code"].to_numpy(dtype=object)  # object arrays iterate fastest
        self.indicators = frame["indicator_id"].to_numpy(dtype=object)
        self.columns = {c: frame[c].array for c in OWN_COLUMNS}
        self.values = frame["value"].to_numpy(dtype=float)
        self.band = frame["band"].to_numpy(dtype=object)
        self.rank = frame["rank"].to_numpy(dtype=float)
        self.n_ranked = frame["n_ranked"].to_numpy(dtype=float)


class _GroupPanel:
    """One client group's rows of the period panel, indexed once for every selection that reads it.

    Positions are the whole panel's (:class:`_PanelArrays`), so the selections of
    every group take their rows from the same column arrays in one step.
    """

    def __init__(self, panel: _PanelArrays, rows: np.ndarray) -> None:
        self.panel = panel
        self.positions = rows
        # Each area's row of each indicator, by position: a selection takes its rows
        # from the column arrays directly instead of filtering and reindexing a frame.
        self.row_of: dict[str, dict[str, int]] = {}  # area -> indicator -> row
        for pos, area, ind in zip(rows.tolist(), panel.areas[rows], panel.indicators[rows], strict=True):
            self.row_of.setdefault(area, {})[ind] = pos
        england = self.row_of.get(ENGLAND, {})
        self.england = pd.Series(panel.values[list(england.values())], index=list(england), dtype=float)
        self._bench: dict[tuple[str, ...], tuple[pd.Series, pd.Series]] = {}
        # Columns shared by selections with the same catalogue rows and benchmark;
        # keyed by the catalogue frame's id, which lives as long as this object.
        self.by_benchmark: dict[tuple[object, ...], _BenchmarkColumns] = {}

    def benchmark(self, codes: list[str]) -> tuple[pd.Series, pd.Series]:
        """Mean and count of the benchmark areas' values per indicator (shared per area set)."""
        key = tuple(codes)
        if key not in self._bench and len(codes) == 1:
            # One benchmark area (England, a cluster's LA): the mean of its one value
            # is that value, exactly as pandas' mean gives it; a missing value counts 0.
            own = self.row_of.get(codes[0], {})
            values = self.panel.values[list(own.values())]
            self._bench[key] = (
                pd.Series(values, index=pd.Index(list(own), name="indicator_id"), dtype=float, name="value"),
                pd.Series(np.isfinite(values).astype(np.int64), index=pd.Index(list(own), name="indicator_id"),
                          name="value"),
            )
        if key not in self._bench:
            frame = self.panel.frame.iloc[self.positions]
            rows = frame[frame["area_code"].isin(codes)]
            grouped = rows.groupby("indicator_id")["value"]
            self._bench[key] = (grouped.mean(), grouped.count())
        return self._bench[key]


class _Catalogue:
    """The catalogue's columns as arrays: a selection's rows are taken by position."""

    def __init__(self, cat: pd.DataFrame) -> None:
        self.frame = cat
        self.columns = {c: cat[c].array for c in cat.columns}
        self.memberships = [set(g) for g in cat["client_groups"]]  # each row's client groups
        # Row subsets per client group, kept with this object (itself kept per data
        # version): the same frames every time, so their ids key _GroupPanel.by_benchmark.
        self._subsets: dict[tuple[str, bool], pd.DataFrame] = {}
        # Row subsets by latest period (see by_latest), kept for the same reason.
        self._latest: dict[tuple[object, ...], pd.DataFrame] = {}

    def rows_for(self, group: str, breakdowns_only: bool = False) -> pd.DataFrame:
        """:func:`_catalogue_for` ``group``; with ``breakdowns_only``, only indicators
        whose headline group is another one (see :func:`area_results_many`)."""
        key = (group, breakdowns_only)
        if key not in self._subsets:
            cat = _catalogue_for(self.frame, group, self.memberships)
            if breakdowns_only and group != "all":
                cat = cat[cat["headline_group"] != group]
            self._subsets[key] = cat
        return self._subsets[key]

    def by_latest(
        self, cat: pd.DataFrame, group: str, latest: dict[tuple[str, str], int], fallback: int
    ) -> list[tuple[int, pd.DataFrame]]:
        """``cat``'s rows split by each indicator's latest period for ``group`` (its
        headline group for "all"), oldest first; an indicator with no figure at all
        takes ``fallback``. The subsets are kept with the catalogue, as :meth:`rows_for`'s."""
        heads = cat["headline_group"].to_numpy(dtype=object)
        ids = cat["indicator_id"].to_numpy(dtype=object)
        years = np.fromiter(
            (latest.get((i, h if group == "all" else group), fallback) for i, h in zip(ids, heads, strict=True)),
            dtype=np.int64, count=len(ids),
        )
        out = []
        for year in np.unique(years).tolist():
            mask = years == year
            key = (id(cat), group, int(year), tuple(ids[mask]))
            if key not in self._latest:
                self._latest[key] = cat[mask]
            out.append((int(year), self._latest[key]))
        return out

    def positions(self, rows: pd.DataFrame) -> np.ndarray:
        """Where ``rows``, a row subset of the catalogue frame, sit in it."""
        return self.frame.index.get_indexer(rows.index)

    def take(self, positions: np.ndarray) -> dict[str, object]:
        """Every catalogue column at ``positions``, each array keeping its own type."""
        return {c: arr.take(positions) for c, arr in self.columns.items()}


def area_results_many(
    store: Store, sels: list[Selection], breakdowns_only: bool = False
) -> list[pd.DataFrame]:
    """:func:`area_results` for several selections of one store, sharing the reads.

    A page such as the weak-areas list needs an area, each of its client groups
    and each of its clusters: one period read, one trend read and one national
    quartile per client group serve them all, instead of a full pass each. Each
    frame is exactly what :func:`area_results` returns for that selection.

    ``breakdowns_only``: for a client-group selection, only the rows of indicators
    whose headline group is another one (the group as a breakdown of all children),
    exactly those rows of the full frame; the weak-areas list already holds the
    others under the whole area, and skipping them saves most of the work. A
    selection left with no such indicator gives an empty frame.
    """
    catalogue, columns, _ = _results_columns(store, sels, breakdowns_only)
    return [_frame(catalogue, c) if c else pd.DataFrame() for c in columns]


def area_results_long(
    store: Store, sels: list[Selection], breakdowns_only: bool = False
) -> tuple[pd.DataFrame, list[int]]:
    """:func:`area_results_many`'s frames end to end, and how many rows each selection has.

    The weak-areas list reads a dozen selections as one table: building it once,
    rather than a frame per selection and then a concat, saves a copy of every row.
    The frame equals ``pd.concat`` of the non-empty frames (held so by
    tests/test_perf_equivalence.py through the weak-areas list).
    """
    catalogue, columns, periods = _results_columns(store, sels, breakdowns_only)
    parts = [c for c in columns if c]
    sizes = [len(c[_CATALOGUE_ROWS]) if c else 0 for c in columns]
    if not parts:
        return pd.DataFrame(), sizes
    # One period (the usual case): its columns are already the selections end to end.
    joined = periods[0] if len(periods) == 1 else _concat_columns(parts)
    return _frame(catalogue, joined), sizes


def _results_columns(
    store: Store, sels: list[Selection], breakdowns_only: bool
) -> tuple[_Catalogue, list[dict[str, Any]], list[dict[str, Any]]]:
    """The catalogue; each selection's columns (an empty dict: no rows, see
    ``breakdowns_only``); and each period's columns (:func:`_year_columns`), of which
    the selections' are slices."""
    catalogue: _Catalogue = store.memo("catalogue_arrays", lambda: _Catalogue(catalogue_memo(store)))
    if not sels:
        return catalogue, [], []
    infos = area_infos(store, sorted({s.area_code for s in sels}))
    for s in sels:
        if s.area_code not in infos:
            raise KeyError(f"unknown area {s.area_code}")
    nbr_cache: dict[str, list[str]] = {}

    def neighbours_of(la: str) -> list[str]:
        if la not in nbr_cache:
            nbr_cache[la] = neighbour_codes(store, la)
        return nbr_cache[la]

    benches = [_benchmark_from_info(infos[s.area_code], s, neighbours_of, lambda: _good_codes(store)) for s in sels]
    # Each selection's catalogue rows, split by the period each is shown for: its own
    # period, or with "latest available" each indicator's latest (latest_periods).
    latest = None if all(s.period_year for s in sels) else latest_periods(store)
    fallback = latest_year(store) if latest is not None else 0
    plan: dict[int, list[tuple[int, pd.DataFrame]]] = {}  # year -> (selection, rows)
    results: list[dict[str, Any] | None] = [None] * len(sels)
    parts_of: dict[int, list[dict[str, Any]]] = {}
    for i, sel in enumerate(sels):
        breakdowns = breakdowns_only and sel.client_group != "all"
        cat = catalogue.rows_for(sel.client_group, breakdowns)
        if breakdowns and cat.empty:  # nothing to compute, so nothing to read for it either
            results[i] = {}
            continue
        if sel.period_year:
            plan.setdefault(int(sel.period_year), []).append((i, cat))
            continue
        for year, rows in catalogue.by_latest(cat, sel.client_group, latest or {}, fallback):
            plan.setdefault(year, []).append((i, rows))
    periods: list[dict[str, Any]] = []  # each period's columns, its selections end to end
    for year in sorted(plan):
        work = plan[year]
        at = {k: sels[i].with_period(year) for k, (i, _) in enumerate(work)}
        groups = sorted({sels[i].client_group for i, _ in work})
        areas = sorted({c for i, _ in work for c in (sels[i].area_code, ENGLAND, *benches[i][0])})
        group_indicators = sorted(
            {ind for i, cat in work if sels[i].client_group != "all" for ind in cat["indicator_id"]}
        )
        frame, group_rows = _panels(store, year, groups, areas, group_indicators)
        panel = _PanelArrays(frame)
        # Trends are read for the indicators a selection shows (its catalogue rows).
        expected: dict[tuple[str, str], set[str]] = {}
        for i, cat in work:
            key = (sels[i].area_code, sels[i].client_group)
            expected.setdefault(key, set()).update(cat["indicator_id"])
        series = _series(store, year, sorted(expected), expected)
        # National quantiles depend only on the client group (bands and ranks came
        # with the panel), so every selection of that group shares them.
        national = _national_reads(store, year, groups, group_indicators)
        grouped = {g: _GroupPanel(panel, rows) for g, rows in group_rows.items()}
        columns = _year_columns(catalogue, panel, [
            (at[k], infos[sels[i].area_code], benches[i], cat, grouped[sels[i].client_group],
             national[sels[i].client_group], series[(sels[i].area_code, sels[i].client_group)])
            for k, (i, cat) in enumerate(work)
        ])
        start = 0
        for i, cat in work:  # each selection's rows: a slice of the period's columns (views, not copies)
            end = start + len(cat)
            parts_of.setdefault(i, []).append({c: a[start:end] for c, a in columns.items()})
            start = end
        periods.append(columns)
    for i, parts in parts_of.items():
        results[i] = parts[0] if len(parts) == 1 else _in_catalogue_order(_concat_columns(parts))
    return catalogue, [r for r in results if r is not None], periods


@dataclass(frozen=True)
class _BenchmarkColumns:
    """What a selection's frame takes from its catalogue rows and benchmark alone."""

    index: pd.Index  # the catalogue's indicator ids, in catalogue order
    ids: np.ndarray  # the same as an object array (iterating pyarrow strings one by one is slow)
    trendable: np.ndarray  # whether each indicator's value type has a recent trend
    rows: np.ndarray  # their positions in the catalogue (its columns are taken when a frame is built)
    right: dict[str, object]  # benchmark and national quartile columns
    bench: np.ndarray
    polarity: np.ndarray
    value_type: np.ndarray
    level: np.ndarray  # each indicator's comparison level, 95 or 99.8
    period_type: np.ndarray
    position: dict[str, int]


def _lookup(values: pd.Series, found: np.ndarray, missing: float) -> np.ndarray:
    """``values.reindex(index)`` as a float array, given ``found``, ``values.index.get_indexer(index)``:
    ``missing`` where it has no entry: one indexer for every column, not a reindex each."""
    if len(values) == 0:
        return np.full(len(found), missing, dtype=float)
    return np.where(found >= 0, values.to_numpy(dtype=float)[found], missing)


def _benchmark_columns(
    catalogue: _Catalogue, cat: pd.DataFrame, bench: tuple[list[str], str], panel: _GroupPanel,
    stats_q: _Quantiles,
) -> _BenchmarkColumns:
    bench_codes, bench_name = bench
    rows = catalogue.positions(cat)
    index = pd.Index(catalogue.columns["indicator_id"].take(rows), name="indicator_id")
    ids = index.to_numpy(dtype=object)
    value_type = np.asarray(catalogue.columns["value_type"].take(rows), dtype=object)
    bench_value, bench_n = panel.benchmark(bench_codes)
    found = bench_value.index.get_indexer(index)  # the mean and the count share their index
    bench_values = _lookup(bench_value, found, np.nan)
    right = {
        "benchmark_value": bench_values,
        "benchmark_n": _lookup(bench_n, found, 0).astype(int),
        "benchmark_name": np.full(len(index), bench_name, dtype=object),
        "england_value": _lookup(panel.england, panel.england.index.get_indexer(index), np.nan),
        **stats_q.columns(ids),
    }
    return _BenchmarkColumns(
        index=index,
        ids=ids,
        trendable=np.array([as_value_type(v) in RATIO_TYPES for v in value_type], dtype=bool),
        rows=rows,
        right=right,
        bench=bench_values,
        polarity=np.asarray(catalogue.columns["polarity"].take(rows), dtype=object),
        value_type=value_type,
        level=np.asarray(catalogue.columns["confidence_level"].take(rows), dtype=float),
        period_type=np.asarray(catalogue.columns["period_type"].take(rows), dtype=object),
        position={ind: k for k, ind in enumerate(ids)},
    )


Item = tuple[Selection, dict[str, object], tuple[list[str], str], pd.DataFrame, "_GroupPanel", "_Quantiles",
             dict[str, TrendArrays]]


def _year_columns(catalogue: _Catalogue, panel: _PanelArrays, items: list[Item]) -> dict[str, Any]:
    """The columns of every selection of one period, end to end, in ``items``' order.

    Each item is (selection, its area's info, its benchmark, its catalogue rows, its
    group's panel, its group's quantiles, its trend series). What depends only on
    the catalogue rows and benchmark is built once per pair (:func:`_benchmark_columns`); the
    rest, the area's own rows, the comparison, band, rank and trend, is done once
    for all selections together: per selection, pandas' and numpy's fixed costs
    were most of the weak-areas list.
    """
    parts: dict[str, list[Any]] = {
        k: [] for k in ("rows", "own", "right", "bench", "polarity", "level", "la", "year")
    }
    batch: list[tuple[int, TrendArrays, str, str, str]] = []
    offset = 0
    for sel, info, bench, cat, group, stats_q, series in items:
        key = (id(cat), tuple(bench[0]), bench[1])
        if key not in group.by_benchmark:
            group.by_benchmark[key] = _benchmark_columns(catalogue, cat, bench, group, stats_q)
        cols = group.by_benchmark[key]
        n = len(cols.index)
        parts["rows"].append(cols.rows)
        # A left join on the unique indicator id: the selected area's row or -1.
        mine = group.row_of.get(sel.area_code, {})
        parts["own"].append(np.fromiter((mine.get(i, -1) for i in cols.ids), dtype=np.intp, count=n))
        parts["right"].append(cols.right)
        parts["bench"].append(cols.bench)
        parts["polarity"].append(cols.polarity)
        parts["level"].append(cols.level)
        # Bands and ranks were computed among every LA when the data changed (metrics.derived).
        parts["la"].append(np.full(n, info["area_type"] == "la"))
        parts["year"].append(np.full(n, sel.period_year, dtype=np.int64))
        for ind_id, arrays in series.items():
            k = cols.position.get(ind_id)
            # Other value types keep recent_trend's own first answer, cannot_be_calculated.
            if k is not None and cols.trendable[k]:
                batch.append((offset + k, arrays, cols.polarity[k], cols.value_type[k], cols.period_type[k]))
        offset += n
    take = np.concatenate(parts["own"])
    found = take >= 0
    safe = np.where(found, take, 0)  # in range for a non-empty panel; masked below
    empty = len(panel.frame) == 0
    own: dict[str, Any] = {}
    for c, arr in panel.columns.items():
        if c == "suppressed":
            own[c] = np.zeros(offset, dtype=bool) if empty else np.where(found, np.asarray(arr, dtype=bool)[safe], False)
        else:
            own[c] = arr.take(take, allow_fill=True)
    polarity = np.concatenate(parts["polarity"])
    level = np.concatenate(parts["level"]) if items else np.zeros(0)
    lower, upper = interval_at_level(own["lower95"], own["upper95"], own["lower998"], own["upper998"], level)
    comparison = compare_to_benchmark(
        np.asarray(own["value"], dtype=float), lower, upper, np.concatenate(parts["bench"]), polarity,
    )
    ranked = np.concatenate(parts["la"]) & found
    band = np.full(offset, None, dtype=object)
    rank = np.full(offset, np.nan)
    n_ranked = np.full(offset, np.nan)
    if not empty:
        for k in np.flatnonzero(ranked):
            b = panel.band[take[k]]
            if isinstance(b, str):
                band[k] = b
        rank = np.where(ranked, panel.rank[safe], np.nan)
        n_ranked = np.where(ranked, panel.n_ranked[safe], np.nan)
    trends = np.full(offset, "cannot_be_calculated", dtype=object)
    trend_periods = np.full(offset, None, dtype=object)
    found_trends = recent_trends([
        TrendSeries(a[2], a[3], a[4], pol, vt, counts=a[0], denominators=a[1]) for _, a, pol, vt, _ in batch
    ])
    for (k, arrays, _, _, period_type), t in zip(batch, found_trends, strict=True):
        trends[k] = t.label
        if t.points:
            trend_periods[k] = tuple(period_label(int(arrays[5][i]), period_type) for i in t.points)
    right = {c: np.concatenate([r[c] for r in parts["right"]]) for c in parts["right"][0]} if items else {}
    return {
        _CATALOGUE_ROWS: np.concatenate(parts["rows"]),
        **own,
        **right,
        "comparison": comparison,
        "band": band,
        "rank": rank,
        "n_ranked": n_ranked,
        "trend": trends,
        "trend_periods": trend_periods,
        # The interval the comparison used, at the indicator's confidence level.
        "compared_lower": lower,
        "compared_upper": upper,
        "period_year": np.concatenate(parts["year"]),
    }


# The key under which _year_columns leaves its catalogue rows' positions: the
# catalogue's columns go first in the frame, taken once for every selection joined.
_CATALOGUE_ROWS = "_catalogue_rows"


def _frame(catalogue: _Catalogue, columns: dict[str, Any]) -> pd.DataFrame:
    """A results frame from :func:`_year_columns`' columns (one selection's, or several end to end)."""
    rest = dict(columns)
    columns = {**catalogue.take(rest.pop(_CATALOGUE_ROWS)), **rest}
    out = pd.DataFrame(columns, copy=False)
    out["band"] = pd.Series(columns["band"], dtype=object)  # None for no band, as quartile_band gives: not str
    return out


def _in_catalogue_order(columns: dict[str, Any]) -> dict[str, Any]:
    """A selection's columns, joined from several periods, put back in catalogue order."""
    order = np.argsort(np.asarray(columns[_CATALOGUE_ROWS]), kind="stable")
    return {c: a[order] if isinstance(a, np.ndarray) else a.take(order) for c, a in columns.items()}


def _concat_columns(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Several selections' columns end to end, each column's array type kept."""
    out: dict[str, Any] = {}
    for name in parts[0]:
        arrays = [p[name] for p in parts]
        first = arrays[0]
        if all(type(a) is type(first) for a in arrays):
            out[name] = np.concatenate(arrays) if isinstance(first, np.ndarray) else type(first)._concat_same_type(arrays)
        else:  # mixed array types: let pandas settle the dtype as concat would
            out[name] = pd.concat([pd.Series(a) for a in arrays], ignore_index=True).array
    return out
