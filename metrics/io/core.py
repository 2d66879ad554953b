"""Validate and write an import: all or nothing, idempotent, versioned, audited.

Every reader produces chunks of one canonical frame (:data:`CANONICAL`), each row
carrying the line number it came from. This module:

1. validates each chunk (vectorised) and stages it in a temporary table, so a
   million-row file streams through bounded memory;
2. checks the whole file for duplicate keys;
3. if any fault was found, raises :class:`ImportFailed` naming every fault, and
   nothing is written;
4. otherwise compares the staged rows with the store: unchanged rows are left
   alone (re-importing a file changes nothing), changed rows move the old value
   to ``observation_history`` (recoverable, and restored by a rollback), new rows
   are inserted, all in one transaction with one ``import_batch`` row. A changed
   row that carries less than the stored one (see :func:`_support`: a value alone
   against a count, a count and denominator or a CI) yields: the store keeps the
   better-supported figure whatever order the files were imported in.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from metrics.derived import refresh_derived
from metrics.framework import DEFAULT_DISCLOSURE_THRESHOLD, load_area_code_changes
from metrics.io.faults import MAX_REPORTED, Fault, ImportFailed, printable
from metrics.io.files import check_size, file_hash
from metrics.io.rules import MAX_ROWS, check_rows, with_meta
from metrics.periods import period_label
from metrics.spreadsheet import FORMULA_RULE
from metrics.spreadsheet import IMPORT_FORMULA_START as FORMULA_START  # the one guard
from metrics.stats import proportion_ci, rate_ci, suppress
from metrics.store import OBSERVATION_KEY, VALUE_COLUMNS, BatchOrigin, Store, new_batch

KEY = list(OBSERVATION_KEY)  # the one declaration is the store's
VALUES = [
    "period_label",
    "count",
    "denominator",
    "value",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "suppressed",
    "note",
]
CANONICAL = KEY + VALUES
SEXES = {"persons", "male", "female"}
TEXT = ["category", "note"]  # free text stored and later shown or exported
# DuckDB's memory while importing: staged rows spill to disk beyond it, but the
# observation table's primary-key index cannot spill, so the cap must leave it room
# (256 MB failed inserting 2 million rows into the national demo; 1 GB did not).
IMPORT_MEMORY_LIMIT = "1GB"

Progress = Callable[[int, str], None]


@dataclass
class Chunk:
    """Canonical rows (with ``_row``: the line in the file) and reader-level faults."""

    frame: pd.DataFrame
    faults: list[Fault] = field(default_factory=list)
    unlisted: int = 0  # further faults of the same kind, counted but not listed
    # Canonical -> the file's column, where this chunk's differ from the source's
    # (a DfE mapping row names its own count, denominator and value columns).
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class Staged:
    """What a reader's fast path put in ``_stage``: the counts the chunks would have given."""

    rows_read: int
    skipped: int = 0
    skipped_areas: set[str] = field(default_factory=set)
    repeated: bool | None = None  # whether any key is staged twice; None: not known, core checks


# A reader's optimistic path for clean files: stage the whole file straight into
# ``_stage`` (cursor, context, progress) and return what it staged, or None as
# soon as anything at all is unusual, so the chunks are read and report each fault.
FastStage = Callable[[duckdb.DuckDBPyConnection, "ImportContext", Progress], "Staged | None"]


@dataclass
class Source:
    """A file opened by a reader: its name, format and canonical chunks."""

    path: Path
    format: str
    chunks: Iterable[Chunk]
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> the file's name
    sheet: str | None = None
    # Indicators the file brings that the catalogue lacks (e.g. LAIT measures not
    # mapped to an ECM outcome): rows for the ``indicator`` table, written in the
    # same transaction, with ``mapped = FALSE``. Filled by the reader as it goes.
    new_indicators: pd.DataFrame | None = None
    # What the reader left out by rule (e.g. rows at other geographic levels), so
    # nothing vanishes silently: shown in the summary and kept on the batch.
    notes: list[str] = field(default_factory=list)
    # Whether a missing value or CI may be computed from count and denominator.
    # False for publishers whose counts are rounded (Fingertips rounds to 5 but
    # computes CIs from the unrounded count): what they left blank stays blank.
    derive_missing: bool = True
    # Optional fast path (see FastStage): it must stage exactly the rows the chunks
    # would, or decline; a declined or failed attempt leaves no trace.
    fast: FastStage | None = None
    # Optional: each indicator's comparison level as the file shows it (indicator id ->
    # 95 or 99.8), read once the rows are staged; written with the rows when it
    # differs from the store's (Fingertips sets the level per indicator).
    levels: Callable[[], dict[str, float]] | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def column(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)


@dataclass
class ImportResult:
    file: str
    format: str
    batch_id: int | None
    rows_read: int
    new: int
    replaced: int
    unchanged: int
    skipped: int
    dry_run: bool
    skipped_areas: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Rows not written because the store holds the same key with counts or CIs this
    # file lacks; ``yielded_to`` says to which files' rows (file name -> rows).
    yielded: int = 0
    yielded_to: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        text = (
            f"{printable(self.file)}: {verb} {self.rows_read:,} rows: {self.new:,} new, "
            f"{self.replaced:,} replaced (old values kept in history), {self.unchanged:,} unchanged"
        )
        if self.yielded:
            text += f", {yielded_text(self.yielded, self.yielded_to)}"
        if self.skipped:
            text += f", {self.skipped:,} skipped for areas not in the store ({', '.join(self.skipped_areas[:12])})"
        if self.batch_id is not None:
            text += f"; batch {self.batch_id}"
        elif not self.dry_run:
            text += "; nothing changed, no batch recorded"
        for note in self.notes:
            text += f"; {note}"
        return text


def yielded_text(yielded: int, yielded_to: dict[str, int]) -> str:
    """How many rows yielded to better-supported stored rows, and whose."""
    whose = ", ".join(f"{name} {n:,}" for name, n in list(yielded_to.items())[:6])
    more = len(yielded_to) - 6
    if more > 0:
        whose += f" and {more} more"
    return (f"{yielded:,} yielded to stored rows with counts or confidence intervals this file lacks"
            + (f" ({whose})" if whose else ""))




@dataclass
class ImportContext:
    store: Store
    source: Source
    meta: pd.DataFrame  # indicator_id -> value_type, multiplier, disclosure_threshold
    areas: set[str]
    groups: set[str]
    unknown_areas: str  # 'fault' or 'skip'
    recodes: dict[str, str]
    this_year: int


class _Faults(list[Fault]):
    """Faults of one chunk: at most MAX_REPORTED kept, but every one counted.

    A file with a fault on each of a million rows must report the true total
    without building a million messages.
    """

    total: int = 0


def _faults_where(
    ctx: ImportContext, frame: pd.DataFrame, mask: pd.Series | np.ndarray, column: str, rule: str | Callable[[pd.Series], str],
    value_col: str | None = None, columns: dict[str, str] | None = None,
) -> _Faults:
    out = _Faults()
    mask = np.asarray(mask, dtype=bool)
    out.total = int(mask.sum())
    if not out.total:
        return out
    rows = frame.loc[mask].head(MAX_REPORTED)
    for _, r in rows.iterrows():
        text = rule(r) if callable(rule) else rule
        out.append(
            Fault(ctx.source.name, int(r["_row"]), (columns or {}).get(column) or ctx.source.column(column),
                  r.get(value_col or column), text, ctx.source.sheet)
        )
    return out


def _add(faults: _Faults, more: _Faults) -> _Faults:
    faults.total += more.total
    faults.extend(more[: max(0, MAX_REPORTED - len(faults))])
    return faults


def validate_chunk(
    ctx: ImportContext, frame: pd.DataFrame, columns: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Fault], int]:
    """Check one chunk's rows; complete values and CIs from counts; flag disclosure.

    ``columns`` names canonical columns as this chunk's part of the file does (a
    DfE file's count is one column for one indicator, another for the next), so
    every fault speaks the file's language; otherwise the source's names apply.

    Returns the rows to stage, the faults (at most MAX_REPORTED kept; their
    ``total`` attribute counts all), and how many rows were skipped for areas
    outside the store (only when ``unknown_areas='skip'``).
    """
    f = frame
    recoded = f["area_code"].map(ctx.recodes)
    if recoded.notna().any():
        f = f.assign(area_code=recoded.fillna(f["area_code"]))
    faults = _Faults()
    known_ind = f["indicator_id"].isin(ctx.meta.index)
    faults = _add(faults, _faults_where(ctx, f, ~known_ind, "indicator_id",
                            "unknown indicator: not in the catalogue or the mapping file"))
    known_area = f["area_code"].isin(ctx.areas)
    skipped = 0
    if ctx.unknown_areas == "skip":
        skipped = int((~known_area).sum())
        f = f[known_area]
        known_ind = known_ind[known_area.to_numpy()]
    else:
        faults = _add(faults, _faults_where(ctx, f, ~known_area, "area_code", "unknown area code: not an area in the store"))
    faults = _add(faults, _faults_where(ctx, f, ~f["client_group_id"].isin(ctx.groups), "client_group_id", "unknown client group"))
    faults = _add(faults, _faults_where(ctx, f, ~f["sex"].isin(SEXES), "sex", "sex must be persons, male or female"))
    vt = f["indicator_id"].map(ctx.meta["value_type"])
    mult = f["indicator_id"].map(ctx.meta["multiplier"]).astype(float)

    def name(canonical: str) -> str:
        return (columns or {}).get(canonical) or ctx.source.column(canonical)

    broken_rules = check_rows(f, vt, mult, ctx.this_year, name)
    # Some refusals quote the indicator's value type or multiplier; a clean chunk needs no copy.
    named = with_meta(f, vt, mult) if broken_rules else f
    for broken in broken_rules:
        faults = _add(faults, _faults_where(ctx, named, broken.mask, broken.column, broken.rule, broken.value_column,
                                            columns))
    for col in TEXT:
        formula = f[col].astype("string").fillna("").str.startswith(FORMULA_START)
        faults = _add(faults, _faults_where(ctx, f, formula, col, FORMULA_RULE))

    f = f.copy()
    derivable = (("proportion", proportion_ci), ("crude_rate", rate_ci)) if ctx.source.derive_missing else ()
    for kind, fn in derivable:
        m = ((vt == kind) & f["count"].notna() & f["denominator"].notna()).to_numpy()
        if not m.any():
            continue
        c, d, k = f.loc[m, "count"].to_numpy(), f.loc[m, "denominator"].to_numpy(), mult[m].to_numpy()
        value, lo, hi = fn(c, d, 0.95, k)
        _, lo9, hi9 = fn(c, d, 0.998, k)
        for col, arr in (("value", value), ("lower95", lo), ("upper95", hi), ("lower998", lo9), ("upper998", hi9)):
            f.loc[m, col] = f.loc[m, col].fillna(pd.Series(arr, index=f.index[m]))
    threshold = f["indicator_id"].map(ctx.meta["disclosure_threshold"]).fillna(DEFAULT_DISCLOSURE_THRESHOLD).to_numpy()
    small = np.asarray(suppress(f["count"].to_numpy(dtype=float), threshold), dtype=bool)
    f["suppressed"] = f["suppressed"].fillna(False).astype(bool) | small
    return f, faults, skipped


def _stage_sql() -> str:
    cols = ", ".join(
        f"{c} {'DOUBLE' if c in VALUE_COLUMNS else 'INTEGER' if c in ('period_year', '_row') else 'BOOLEAN' if c == 'suppressed' else 'VARCHAR'}"
        for c in [*CANONICAL, "_row"]
    )
    return f"CREATE OR REPLACE TEMP TABLE _stage ({cols})"


def _level_changes(store: Store, source: Source) -> dict[str, tuple[float, float]]:
    """Indicator id -> (the file's comparison level, the store's) where they differ."""
    if source.levels is None:
        return {}
    found = source.levels()
    if not found:
        return {}
    have = dict(store.df("SELECT indicator_id, coalesce(confidence_level, 95) AS level FROM indicator")
                .itertuples(index=False, name=None))
    return {iid: (lv, float(have[iid])) for iid, lv in sorted(found.items())
            if iid in have and float(have[iid]) != lv}


def _key_join(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in KEY)


def _same_values(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" for c in VALUES)


def _support(a: str) -> str:
    """How much a row carries: 3 count and denominator, 2 a count or a 95% CI, 1 a value
    or a denominator alone, 0 nothing (a blank or suppressed cell).

    LAIT republishes DfE's and OHID's figures as values only; letting a re-import of
    it replace the counted rows would wipe the counts and CIs every comparison needs
    (and a DfE count of 0 under a suppressed or empty-cohort rate, which LAIT shows
    as ``-``). Nor does a blank replace a figure: one publisher's "x" (not available)
    never wipes another's value, and LAIT's "-" never wipes DfE's denominator and its
    reason for suppressing. Between rows of equal support the later import wins.
    """
    return (f"(CASE WHEN {a}.count IS NOT NULL AND {a}.denominator IS NOT NULL THEN 3"
            f" WHEN {a}.count IS NOT NULL OR ({a}.lower95 IS NOT NULL AND {a}.upper95 IS NOT NULL) THEN 2"
            f" WHEN {a}.value IS NOT NULL OR {a}.denominator IS NOT NULL THEN 1"
            " ELSE 0 END)")


def _yields(s: str, o: str, b: str) -> str:
    """The staged row ``s`` differs from the stored ``o`` (of batch ``b``) but carries less: ``o`` stays.

    Made-up figures never outrank published ones: a synthetic (demo) row gives way
    to any import, however much it carries.
    """
    return (f"(NOT ({_same_values(s, o)}) AND {_support(s)} < {_support(o)}"
            f" AND NOT coalesce({b}.synthetic, FALSE))")


_SPAN = re.compile(r"^(\d{4})(?:[-/]?(\d{2}))?$")


def _one_period(label: str, year: int) -> bool:
    """Whether ``label`` spells the single period ending in ``year`` (``2024``, ``2023-24``,
    ``2023/24``, ``202324``); a pooled range (``2017-19``, ``2017 - 19``) is not one."""
    m = _SPAN.match(label)
    if not m:
        return False
    start, end = int(m.group(1)), m.group(2)
    return start == year if end is None else start + 1 == year and int(end) == year % 100


def _canonical_labels(cur: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Relabel staged periods the way the indicator's period type is published.

    Fingertips writes ``2023/24`` and LAIT ``2023-24`` for the same financial
    year; one indicator-year gets one label (:func:`metrics.periods.period_label`
    by the catalogue's period type), so a series is one line on one axis whatever
    file each point came from. Only the few distinct (indicator, year, label)
    triples are read into Python.
    """
    types = dict(cur.execute("SELECT indicator_id, period_type FROM indicator").fetchall())
    if source.new_indicators is not None and not source.new_indicators.empty:
        for iid, ptype in zip(source.new_indicators["indicator_id"], source.new_indicators["period_type"],
                              strict=True):
            types.setdefault(iid, ptype)
    triples = cur.execute("SELECT DISTINCT indicator_id, period_year, period_label FROM _stage").fetchall()
    changes = [
        (iid, year, label, canonical)
        for iid, year, label in triples
        if iid in types and isinstance(label, str) and _one_period(label, int(year))
        and (canonical := period_label(int(year), str(types[iid]))) != label
    ]
    if not changes:
        return
    frame = pd.DataFrame(changes, columns=["indicator_id", "period_year", "period_label", "canonical"])
    cur.register("_relabel", frame)
    cur.execute(
        """UPDATE _stage s SET period_label = r.canonical FROM _relabel r
           WHERE s.indicator_id = r.indicator_id AND s.period_year = r.period_year
             AND s.period_label = r.period_label"""
    )
    cur.unregister("_relabel")


#: Words a reader brings with the indicators it adds (LAIT's data dictionary): shown on
#: pages and written into every export, so checked as the rows' own text is.
NEW_INDICATOR_TEXT = ("short_title", "title", "definition", "numerator_definition", "denominator_definition",
                      "unit", "source")


def _refuse_formula_titles(source: Source) -> None:
    new = source.new_indicators
    assert new is not None
    faults = []
    for col in NEW_INDICATOR_TEXT:
        if col not in new:
            continue
        text = new[col].astype("string").fillna("")
        for iid, value in zip(new["indicator_id"][text.str.startswith(FORMULA_START)],
                              text[text.str.startswith(FORMULA_START)], strict=True):
            faults.append(Fault(source.name, None, col, value, f"{FORMULA_RULE} (indicator {iid}'s {col})"))
    if faults:
        raise ImportFailed(faults)


def import_source(
    store: Store,
    source: Source,
    *,
    dry_run: bool = False,
    user: str | None = None,
    unknown_areas: str = "fault",
    progress: Progress | None = None,
    derive: bool = True,
    origin: BatchOrigin | None = None,
) -> ImportResult:
    """Validate the whole file, then write it in one transaction (or raise, writing nothing).

    ``derive=False`` leaves the derived tables stale: only for a builder that
    imports many files into a store no one reads yet, and refreshes them once
    at the end (:func:`metrics.published.build_published`).
    """
    user = user or getpass.getuser()
    say = progress or (lambda _n, _m: None)
    check_size(source.path)
    meta = store.df(
        "SELECT indicator_id, value_type, multiplier, disclosure_threshold FROM indicator"
    ).set_index("indicator_id")
    if source.new_indicators is not None and not source.new_indicators.empty:
        _refuse_formula_titles(source)
        extra = source.new_indicators.set_index("indicator_id")[
            ["value_type", "multiplier", "disclosure_threshold"]
        ]
        meta = pd.concat([meta, extra[~extra.index.isin(meta.index)]])
    ctx = ImportContext(
        store=store,
        source=source,
        meta=meta,
        areas=set(store.df("SELECT area_code FROM area")["area_code"]),
        groups=set(store.df("SELECT client_group_id FROM client_group")["client_group_id"]),
        unknown_areas=unknown_areas,
        recodes=load_area_code_changes(),
        this_year=dt.date.today().year,
    )
    cur = store.cursor()
    # Staged rows live in DuckDB, not Python; capping its memory makes it spill them
    # to its temp directory, so a million-row file imports in bounded memory. The
    # setting is the database's, so the previous one is put back afterwards.
    memory_limit, ordered = cur.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    ).fetchone()
    cur.execute("SET memory_limit = ?", [IMPORT_MEMORY_LIMIT])
    cur.execute("SET preserve_insertion_order = false")  # row order is the key's, not the file's
    cur.execute(_stage_sql())
    faults: list[Fault] = []
    n_faults = 0
    rows_read = 0
    skipped = 0
    skipped_areas: set[str] = set()
    try:
        fast = _stage_fast(ctx, cur, say)  # a clean file staged whole, or None: read the chunks
        if fast is not None:
            rows_read, skipped, skipped_areas = fast.rows_read, fast.skipped, set(fast.skipped_areas)
        for chunk in source.chunks if fast is None else ():
            n_faults += len(chunk.faults) + chunk.unlisted
            faults += chunk.faults[: max(0, MAX_REPORTED - len(faults))]
            frame = chunk.frame
            rows_read += len(frame)
            if rows_read > MAX_ROWS:  # checked as it streams: the rest is not read
                faults.append(Fault(source.name, None, None, None,
                                    f"more than {MAX_ROWS:,} rows: more than an import reads", source.sheet))
                n_faults += 1
                break
            if frame.empty:
                continue
            if unknown_areas == "skip":
                codes = frame["area_code"].map(ctx.recodes).fillna(frame["area_code"])
                skipped_areas |= set(codes[~codes.isin(ctx.areas)])
            staged, chunk_faults, n_skipped = validate_chunk(ctx, frame, chunk.columns)
            skipped += n_skipped
            n_faults += getattr(chunk_faults, "total", len(chunk_faults))
            faults += chunk_faults[: max(0, MAX_REPORTED - len(faults))]
            if n_faults == 0:
                cur.register("_chunk", staged[[*CANONICAL, "_row"]])
                cur.execute("INSERT INTO _stage SELECT * FROM _chunk")
                cur.unregister("_chunk")
            say(rows_read, f"validated {rows_read:,} rows")
        # Most files stage each key once: then there is nothing to compare or collapse,
        # and the two whole-stage passes below (seconds for a million rows) are skipped.
        repeated = bool(fast.repeated) if fast is not None else n_faults == 0 and _has_repeated_keys(cur)
        if repeated and fast is None:  # the fast path declines any duplicate fault
            # A row repeated word for word (Fingertips lists England under two
            # parents) is one fact; the same key with different figures is a fault.
            dups = _duplicates(cur, MAX_REPORTED)
            for rows, _total in dups:
                faults.append(
                    Fault(source.name, int(rows[1]), None, None,
                          f"duplicate of row {rows[0]:,}: same indicator, area, period, client group, sex and category",
                          source.sheet)
                )
            n_faults += int(dups[0][1]) if dups else 0  # every duplicated key, not just those listed
        if n_faults == 0 and rows_read == 0:
            # A header with nothing under it is a failed download or export, not "no change".
            faults.append(Fault(source.name, None, None, None,
                                "no data rows: the file has a header and nothing to import"))
            n_faults = 1
        if n_faults:
            faults.sort(key=lambda f: f.row or 0)  # file order, whichever check found them
            raise ImportFailed(faults, n_faults)
        if repeated:
            cur.execute(
                f"""CREATE OR REPLACE TEMP TABLE _stage AS
                    SELECT DISTINCT ON ({", ".join(KEY)}) * FROM _stage ORDER BY {", ".join(KEY)}, _row"""
            )
        _canonical_labels(cur, source)
        return _merge(store, source, rows_read, skipped, sorted(skipped_areas), dry_run, user, say, derive,
                      origin)
    finally:
        cur.execute("DROP TABLE IF EXISTS _stage")
        if memory_limit == _default_memory_limit():
            cur.execute("RESET memory_limit")  # exactly; the shown value is rounded
        else:
            cur.execute("SET memory_limit = ?", [memory_limit])
        cur.execute("SET preserve_insertion_order = ?", [ordered])


def _stage_fast(ctx: ImportContext, cur: duckdb.DuckDBPyConnection, say: Progress) -> Staged | None:
    """Let the source's fast path stage the file; None, with ``_stage`` empty again, if it declines.

    The fast path only ever says "this file is clean, and here it is, staged": any
    doubt, any fault (a duplicate key among them) or any error of its own sends the
    file down the exact path, which names every fault precisely.
    """
    if ctx.source.fast is None:
        return None
    said: list[int] = []

    def tell(rows: int, message: str) -> None:
        said.append(rows)
        say(rows, message)

    try:
        staged = ctx.source.fast(cur, ctx, tell)
        if staged is not None and staged.rows_read > MAX_ROWS:
            staged = None  # the exact path refuses it
        if staged is not None:
            if staged.repeated is None:
                staged.repeated = _has_repeated_keys(cur)
            if staged.repeated and _duplicates(cur, 1):
                staged = None
    except Exception:  # noqa: BLE001 - never decisive: the exact path runs and reports
        staged = None
    if staged is None:
        cur.execute(_stage_sql())  # whatever it staged goes: the exact path starts afresh
        if said:  # the counts start again: say why
            say(0, "reading the file again, row by row, to report exactly")
    return staged


def _has_repeated_keys(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether any key is staged more than once (one cheap grouping pass)."""
    return bool(cur.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM _stage GROUP BY {', '.join(KEY)} HAVING count(*) > 1)"
    ).fetchone()[0])


def _duplicates(cur: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[list[int], int]]:
    """Keys staged with different values: (their rows in file order, how many such keys), first first."""
    values_struct = "struct_pack(" + ", ".join(f"{c} := {c}" for c in VALUES) + ")"
    return cur.execute(
        f"""SELECT list(_row ORDER BY _row) AS rows, count(*) OVER () AS total FROM _stage
            GROUP BY {", ".join(KEY)} HAVING count(DISTINCT {values_struct}) > 1
            ORDER BY rows[1] LIMIT ?""",
        [limit],
    ).fetchall()


@functools.cache
def _default_memory_limit() -> str:
    """DuckDB's own default, as it shows it: to tell whether anyone changed it."""
    with duckdb.connect() as con:
        return str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])


def _merge(
    store: Store, source: Source, rows_read: int, skipped: int, skipped_areas: list[str], dry_run: bool, user: str,
    say: Progress, derive: bool = True, origin: BatchOrigin | None = None,
) -> ImportResult:
    cur = store.cursor()
    counts = cur.execute(
        f"""
        SELECT count(*) FILTER (WHERE o.indicator_id IS NULL),
               count(*) FILTER (WHERE o.indicator_id IS NOT NULL AND NOT ({_same_values('s', 'o')})
                                AND NOT {_yields('s', 'o', 'b')}),
               count(*) FILTER (WHERE o.indicator_id IS NOT NULL AND ({_same_values('s', 'o')})),
               count(*) FILTER (WHERE o.indicator_id IS NOT NULL AND {_yields('s', 'o', 'b')})
        FROM _stage s LEFT JOIN observation o ON {_key_join('s', 'o')}
        LEFT JOIN import_batch b ON b.batch_id = o.batch_id
        """
    ).fetchone()
    new, replaced, unchanged, yielded = (int(x) for x in counts)
    yielded_to: dict[str, int] = {}
    if yielded:
        yielded_to = dict(cur.execute(
            f"""SELECT coalesce(b.source_file, 'batch ' || o.batch_id), count(*) FROM _stage s
                JOIN observation o ON {_key_join('s', 'o')} LEFT JOIN import_batch b ON b.batch_id = o.batch_id
                WHERE {_yields('s', 'o', 'b')} GROUP BY 1 ORDER BY 2 DESC, 1"""
        ).fetchall())
    new_inds = source.new_indicators
    if new_inds is not None and not new_inds.empty:
        have = set(store.df("SELECT indicator_id FROM indicator")["indicator_id"])
        new_inds = new_inds[~new_inds["indicator_id"].isin(have)]
    levels = _level_changes(store, source)
    notes_now = [*source.notes, *(f"Fingertips compares {iid} at {lv:g}% in this file (the store said "
                                  f"{old:g}%): its flags now use {lv:g}%" for iid, (lv, old) in levels.items())]
    result = ImportResult(source.name, source.format, None, rows_read, new, replaced, unchanged,
                          skipped, dry_run, skipped_areas, notes_now, yielded, yielded_to)
    if dry_run or (new == 0 and replaced == 0 and not levels and (new_inds is None or new_inds.empty)):
        return result
    digest = file_hash(source.path) if source.path.exists() else None
    # Said before the transaction opens, so a watcher (or the kill test) knows the
    # write has begun: until COMMIT the store still holds the old state.
    say(rows_read, f"writing {new:,} new and {replaced:,} replaced rows in one transaction")
    with store.transaction() as tx:
        notes = [*notes_now, *([yielded_text(yielded, yielded_to)] if yielded else [])]
        batch = new_batch(tx, source.name, source.format, user, digest, "; ".join(notes) or None,
                          origin=origin)
        for iid, (level, _) in levels.items():
            tx.execute("UPDATE indicator SET confidence_level = ? WHERE indicator_id = ?", [level, iid])
        if new_inds is not None and not new_inds.empty:
            # A reader may mark measures it mapped to an ECM aim (mapped = TRUE) and
            # give their NSF standards as a list column; otherwise they are unmapped.
            nsf = new_inds.get("nsf_standards")
            new_inds = new_inds.drop(columns=["nsf_standards"], errors="ignore")
            if "mapped" not in new_inds:
                new_inds = new_inds.assign(mapped=False)
            tx.register("_new_ind", new_inds)
            tx.execute("INSERT INTO indicator BY NAME SELECT * FROM _new_ind")
            tx.unregister("_new_ind")
            if nsf is not None:
                links = pd.DataFrame({"indicator_id": new_inds["indicator_id"], "standard": nsf}).explode("standard")
                tx.register("_new_nsf", links.dropna().astype({"standard": int}))
                tx.execute("INSERT INTO indicator_nsf SELECT indicator_id, standard FROM _new_nsf")
                tx.unregister("_new_nsf")
        tx.execute(
            f"""CREATE OR REPLACE TEMP TABLE _changed AS
                SELECT s.* FROM _stage s JOIN observation o ON {_key_join('s', 'o')}
                LEFT JOIN import_batch b ON b.batch_id = o.batch_id
                WHERE NOT ({_same_values('s', 'o')}) AND NOT {_yields('s', 'o', 'b')}"""
        )
        tx.execute(
            f"""INSERT INTO observation_history BY NAME
                SELECT o.*, ? AS superseded_by FROM observation o
                SEMI JOIN _changed c ON {_key_join('o', 'c')}""",
            [batch],
        )
        tx.execute(f"DELETE FROM observation o USING _changed c WHERE {_key_join('o', 'c')}")
        tx.execute(
            f"""INSERT INTO observation BY NAME
                SELECT {", ".join(CANONICAL)}, ? AS batch_id FROM _stage s
                WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE {_key_join('o', 's')})""",
            [batch],
        )
        tx.execute(
            "UPDATE import_batch SET rows_read = ?, rows_written = ?, rows_replaced = ?, rows_skipped = ?"
            " WHERE batch_id = ?",
            [rows_read, new + replaced, replaced, skipped, batch],
        )
        tx.execute("DROP TABLE IF EXISTS _changed")
        if derive:
            refresh_derived(tx)
    result.batch_id = batch
    say(rows_read, f"committed batch {batch}")
    return result


def rollback_batch(store: Store, batch_id: int, user: str | None = None) -> int:
    """Undo an import: remove its rows and restore the values it replaced.

    Refused when a later import has since replaced rows of this batch (roll that
    one back first), so history is never rewritten out of order.
    """
    row = store.df("SELECT status, format FROM import_batch WHERE batch_id = ?", [batch_id])
    if row.empty:
        raise ValueError(f"no import batch {batch_id}")
    if row.iloc[0]["status"] == "rolled_back":
        raise ValueError(f"batch {batch_id} is already rolled back")
    if row.iloc[0]["format"] == "ofsted":
        # Its inspections replaced the source's earlier ones, which are not kept as history.
        raise ValueError(f"batch {batch_id} is an Ofsted import: import the earlier file again to go back")
    later = store.scalar(
        "SELECT min(superseded_by) FROM observation_history WHERE batch_id = ? AND superseded_by > ?",
        [batch_id, batch_id],
    )
    if later is not None:
        raise ValueError(f"batch {batch_id} was partly replaced by batch {later}: roll back batch {later} first")
    with store.transaction() as tx:
        if row.iloc[0]["format"] == "neighbours":
            # Neighbour lists, not observations: the lists it replaced come back from their own history.
            from metrics.neighbours import restore_neighbour_lists

            removed = restore_neighbour_lists(tx, batch_id)
        else:
            removed = tx.execute("SELECT count(*) FROM observation WHERE batch_id = ?", [batch_id]).fetchone()[0]
            tx.execute("DELETE FROM observation WHERE batch_id = ?", [batch_id])
            tx.execute(
                f"""INSERT INTO observation BY NAME
                    SELECT {", ".join(CANONICAL)}, batch_id FROM observation_history WHERE superseded_by = ?""",
                [batch_id],
            )
            tx.execute("DELETE FROM observation_history WHERE superseded_by = ?", [batch_id])
            refresh_derived(tx)
        tx.execute(
            "UPDATE import_batch SET status = 'rolled_back', note = concat_ws('; ', note, ?) WHERE batch_id = ?",
            [f"rolled back by {user or getpass.getuser()} at {dt.datetime.now():%Y-%m-%d %H:%M}", batch_id],
        )
    return int(removed)


def import_history(store: Store) -> pd.DataFrame:
    return store.df("SELECT * FROM import_batch ORDER BY batch_id DESC")


def store_checksum(store: Store) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash per table: equal before and after means unchanged."""
    from metrics.store import TABLES

    cur = store.cursor()
    out = {}
    for t in TABLES:  # fixed names, never input
        n, h = cur.execute(f"SELECT count(*), coalesce(sum(hash({t})), 0) FROM {t}").fetchone()
        out[t] = (int(n), int(h))
    return out


def canonical_frame(rows: dict[str, object] | pd.DataFrame, start_row: int = 2) -> pd.DataFrame:
    """Fill in defaults for the canonical columns a reader does not supply."""
    f = pd.DataFrame(rows).copy()
    defaults: dict[str, object] = {"client_group_id": "all", "sex": "persons", "category": "", "note": None,
                                   "suppressed": False}
    for col in CANONICAL:
        if col not in f:
            f[col] = defaults.get(col, np.nan)
    if "_row" not in f:
        f["_row"] = np.arange(start_row, start_row + len(f))
    for col in VALUE_COLUMNS:
        f[col] = pd.to_numeric(f[col], errors="coerce").astype(float)
    f["period_year"] = f["period_year"].astype("Int64")
    f["category"] = f["category"].fillna("").astype(str)
    return f

