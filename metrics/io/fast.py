"""The fast path for clean Fingertips files: stage a whole file in seconds, or decline.

The exact reader (:mod:`metrics.io.fingertips` with :func:`metrics.io.core.validate_chunk`)
reads through pandas and checks row by row so that every fault names its file,
row, column, value and rule; that costs about 15 s per million rows. Most files are
clean, and for those only the staged rows matter. This path is optimistic:

1. It reads the file with pyarrow's CSV reader, whose tokenizer is the same state
   machine as pandas' C parser (quotes open only at a field's start, doubled quotes
   inside, ``\\r``, ``\\n`` and ``\\r\\n`` end records) but fails on a record with
   the wrong number of fields or an empty line, where pandas pads the row and the
   exact path reports it. It streams 1 MiB blocks, so memory stays bounded.
2. It converts each chunk of about 100,000 rows vectorised: text columns through
   their few distinct values (each one put through the same Python the exact path
   uses: ``str.strip``, :func:`parse_period`, the mapping and catalogue), numbers
   through Arrow's casts, whose results equal ``pandas.to_numeric``'s (the tests
   compare them), then every rule of ``_convert`` and ``validate_chunk``.
3. At the first thing it cannot vouch for, a fault or merely something unusual (a
   code in a number column it does not know, a non-ASCII sex, a number pandas
   might read as an integer, a header in quotes), it gives up:
   :func:`metrics.io.core.import_source` empties ``_stage`` and the exact path
   reads the file from the start and reports precisely. So it never refuses a file
   and never decides a fault message; it only ever says "clean, staged".

What it stages equals what the exact path stages, row for row and value for value
(``tests/io/test_fast.py`` compares them on real and generated files).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from metrics.framework import DEFAULT_DISCLOSURE_THRESHOLD
from metrics.io.core import FORMULA_START, SEXES, Progress, Staged
from metrics.io.fingertips_layout import (
    BOM,
    NUMBER_COLUMNS,
    OPTIONAL,
    REQUIRED,
    USED,
    sniff_header,
    truncated_tail,
)
from metrics.io.rules import MAX_KEY_CHARS, MAX_NOTE_CHARS, any_broken
from metrics.io.values import CODE_NOTES, HEAD_BYTES, SUPPRESSING_CODES, THOUSANDS, parse_period
from metrics.stats import suppress

if TYPE_CHECKING:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    from metrics.io.core import ImportContext

CHUNK_ROWS = 100_000  # rows converted at a time: bounded memory, progress
INSERT_ROWS = 500_000  # converted rows held before they are appended to _stage
BLOCK_BYTES = 1 << 20  # pyarrow's read unit (small blocks stream fastest here)
SCAN_BYTES = 16 << 20  # the UTF-8 check's read unit
EXACT_LIMIT = 2.0**53  # beyond this pandas may read an integer text another way: decline
CATEGORY_SEP = ": "
# The columns _convert reads (not the area's or indicator's name: long text, unused).
READ = {*REQUIRED, *OPTIONAL} - {"Area Name", "Indicator Name"}
LAST_FIELD = "(last field)"  # the header's last column when the import does not use it
KEY_BITS = 10  # per key part in the packed keys (see _Keys): up to 1,024 distinct values each
CODES = list(CODE_NOTES)
CODE_NUMBER = {code: i + 1 for i, code in enumerate(CODES)}
SUPPRESSING = [CODE_NUMBER[code] for code in SUPPRESSING_CODES]


class Decline(Exception):
    """Something the fast path does not vouch for: the exact path reads the file."""


def stage_fingertips(
    path: Path, ids: dict[str, str], cur: duckdb.DuckDBPyConnection, ctx: ImportContext, say: Progress
) -> Staged | None:
    """Stage a clean Fingertips file into ``_stage``; None when the exact path must read it."""
    try:
        import pyarrow  # noqa: F401 - installed with pandas here, but not declared: without it, the exact path
    except ImportError:
        return None
    header = _header(path)
    if header is None or truncated_tail(path, len(header)) is not None or not _is_utf8(path):
        return None
    try:
        return _stage(path, header, ids, cur, ctx, say)
    except Decline:
        return None


def _header(path: Path) -> list[str] | None:
    """The header as the exact path names it, or None if the fast path should not read this file.

    A header that ``sniff_header`` refuses, one in quotes (its record might span lines)
    or one naming a used column twice (pandas would rename one) goes the exact way.
    """
    header, faults = sniff_header(path)
    if faults:
        return None
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    while head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    first = next(iter(head.splitlines()), b"")
    used = [name for name in header if name in USED]
    if b'"' in first or len(used) != len(set(used)):
        return None
    return header


def _is_utf8(path: Path) -> bool:
    """Whether the whole file is UTF-8, as pandas needs: Arrow checks only the columns it keeps."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while block := fh.read(SCAN_BYTES):
                # ASCII (most files) is UTF-8 at no cost, unless a character was cut at the last block.
                if not block.isascii() or decoder.getstate()[0]:
                    decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _stage(
    path: Path, header: list[str], ids: dict[str, str], cur: duckdb.DuckDBPyConnection, ctx: ImportContext,
    say: Progress,
) -> Staged:
    """Stream, convert, check and stage the file; raise :class:`Decline` at the first doubt.

    Chunks of :data:`CHUNK_ROWS` are converted as they are read (progress is said
    after each, as the exact path says it after each of its chunks) and appended to
    ``_stage`` :data:`INSERT_ROWS` at a time.
    """
    import pyarrow as pa

    keep = {f"c{i}": name for i, name in enumerate(header) if name in READ}
    last = f"c{len(header) - 1}"  # read too: the file's last field tells how it ends
    keep.setdefault(last, LAST_FIELD)
    names = list(keep.values())
    last_value: str | None = None
    staged = Staged(0)
    chunk = _Chunk(ids, ctx)
    keys = _Keys()
    pending: list[pa.RecordBatch] = []
    converted: list[pa.Table] = []
    n_pending = n_converted = 0
    last_column = list(keep).index(last)
    try:
        with _open(path, len(header), list(keep)) as reader:
            for batch in reader:
                pending.append(batch)
                n_pending += batch.num_rows
                if batch.num_rows:
                    last_value = batch.column(last_column)[-1].as_py()
                if n_pending >= CHUNK_ROWS:
                    converted.append(_convert(chunk, pending, names, staged, keys))
                    n_converted += n_pending
                    pending, n_pending = [], 0
                    say(staged.rows_read, f"validated {staged.rows_read:,} rows")
                    if n_converted >= INSERT_ROWS:
                        _insert(cur, converted)
                        converted, n_converted = [], 0
        if pending:
            converted.append(_convert(chunk, pending, names, staged, keys))
            say(staged.rows_read, f"validated {staged.rows_read:,} rows")
        _insert(cur, converted)
    except pa.ArrowException as exc:  # a ragged or blank row, a stray quote, bad UTF-8
        raise Decline(str(exc)) from exc
    if last_value is not None and not _closed_at_end(path, last_value):
        raise Decline("the file may end inside a quoted field")
    staged.repeated = keys.repeated()
    return staged


def _open(path: Path, fields: int, include: list[str]) -> pacsv.CSVStreamingReader:
    """Arrow's streaming CSV reader set to tokenize as pandas' C parser does, but strictly.

    Quotes open a field only at its start and double inside it; ``\\r``, ``\\n``
    and ``\\r\\n`` end records; a quoted field may span lines. Where pandas pads a
    short row or keeps an empty line as a row of blanks, this raises. Columns are
    named ``c0``, ``c1``... by position; ``include`` are the ones converted (text).
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            block_size=BLOCK_BYTES, skip_rows=1, column_names=[f"c{i}" for i in range(fields)]
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=",", quote_char='"', double_quote=True, escape_char=False,
            newlines_in_values=True, ignore_empty_lines=False,
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=include, column_types=dict.fromkeys(include, pa.string()),
            strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=True,
        ),
    )


def _closed_at_end(path: Path, value: str) -> bool:
    """Whether the file's last field, read by Arrow as ``value``, was closed before the end.

    Arrow ends a quoted field left open at the end of the file where the file ends
    (the value runs to it, line breaks and all); pandas refuses the file ("EOF
    inside string"). The exact path's truncation check sees only an odd number of
    quotes on the last line. So: a value with a line break in it is not vouched
    for; a file ending in a line break outside quotes is closed; otherwise its
    last bytes must be the value itself, quoted or after a comma.
    """
    if "\n" in value or "\r" in value:
        return False
    encoded = value.encode()
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - len(encoded) - 2))
        tail = fh.read()
    if tail.endswith((b"\n", b"\r")):
        return True
    return '"' not in value and (tail.endswith(b'"' + encoded + b'"') or tail.endswith(b"," + encoded))


def _convert(
    chunk: _Chunk, batches: list[pa.RecordBatch], names: list[str], staged: Staged, keys: _Keys
) -> pa.Table:
    """Convert and check one chunk of raw batches; count what was read and skipped."""
    import pyarrow as pa

    table = pa.Table.from_batches(batches).rename_columns(names)  # not combined: no copy
    out, skipped_areas, n_skipped = chunk.convert(table, 2 + staged.rows_read, keys)
    staged.rows_read += table.num_rows
    staged.skipped += n_skipped
    staged.skipped_areas |= skipped_areas
    return out


def _insert(cur: duckdb.DuckDBPyConnection, tables: list[pa.Table]) -> None:
    """Append converted chunks to ``_stage`` in one statement.

    DuckDB appends a few hundred thousand rows at once several times faster than
    the same rows 100,000 at a time, hence :data:`INSERT_ROWS`.
    """
    import pyarrow as pa

    tables = [t for t in tables if t.num_rows]
    if not tables:
        return
    cur.register("_fast_chunk", pa.concat_tables(tables))
    try:
        cur.execute("INSERT INTO _stage BY NAME SELECT * FROM _fast_chunk")
    finally:
        cur.unregister("_fast_chunk")


def _distinct(column: pa.ChunkedArray | pa.Array) -> tuple[list[str], np.ndarray]:
    """A text column's distinct values and, per row, the index of its value among them."""
    import pyarrow as pa

    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    encoded = column.dictionary_encode().unify_dictionaries()
    if encoded.num_chunks == 0:
        return [], np.empty(0, dtype=np.int32)
    index = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks])
    return encoded.chunk(0).dictionary.to_pylist(), index


def _group(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for a small non-negative key, by counting, not sorting."""
    size = int(key.max()) + 1 if len(key) else 0
    if size > 4 * len(key) + 1024:
        return np.unique(key, return_inverse=True)
    present = np.bincount(key, minlength=size) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[key]


def _per_row(values: list, index: np.ndarray, dtype: object = object) -> np.ndarray:
    """Spread per-distinct-value results to rows."""
    return np.asarray(values, dtype=dtype)[index] if len(values) else np.empty(0, dtype=dtype)


class _Chunk:
    """Converts chunks of raw text to canonical rows by the exact path's rules, or declines."""

    def __init__(self, ids: dict[str, str], ctx: ImportContext) -> None:
        self.ids = ids
        self.ctx = ctx
        self.skip_unknown = ctx.unknown_areas == "skip"
        self.types = ctx.meta["value_type"].to_dict()
        self.thresholds = ctx.meta["disclosure_threshold"].to_dict()
        self.multipliers = ctx.meta["multiplier"].astype(float).to_dict()
        self.this_year = ctx.this_year

    # -- text, through its distinct values ------------------------------------------
    def indicators(self, column: pa.ChunkedArray) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """Catalogue ids, and per row: proportion or not, disclosure threshold."""
        values, index = _distinct(column)
        found, proportion, threshold = [], [], []
        for raw in values:
            fid = raw.replace(BOM, "").strip()
            iid = self.ids.get(fid)
            # A blank row or a repeated header, an unmapped id, or one the catalogue lacks.
            if fid in ("", "Indicator ID") or iid is None or iid not in self.types:
                raise Decline(f"indicator {raw!r}")
            found.append(iid)
            proportion.append(self.types[iid] == "proportion")
            limit = self.thresholds[iid]
            threshold.append(float(DEFAULT_DISCLOSURE_THRESHOLD if pd.isna(limit) else limit))  # as validate_chunk
        return (found, index, _per_row(proportion, index, bool), _per_row(threshold, index, float))

    def areas(self, column: pa.ChunkedArray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Codes as stored (old codes recoded) and, per row, whether the store has the area."""
        values, index = _distinct(column)
        codes = [self.ctx.recodes.get(v.strip(), v.strip()) for v in values]
        known = [c in self.ctx.areas for c in codes]
        if not self.skip_unknown and not all(known):
            raise Decline("unknown area")
        return codes, index, _per_row(known, index, bool)

    def sexes(self, column: pa.ChunkedArray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Sexes lower-cased and, per row, whether it is not persons, male or female."""
        values, index = _distinct(column)
        out = []
        for raw in values:
            text = raw.strip()
            if not text.isascii():  # how non-ASCII text lower-cases depends on the engine
                raise Decline(f"sex {raw!r}")
            out.append(text.lower())
        return out, index, _per_row([v not in SEXES for v in out], index, bool)

    def categories(
        self, ctype: pa.ChunkedArray, cat: pa.ChunkedArray
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """``Category Type: Category`` (or the category alone) per distinct pair; per row, a formula?"""
        types, t_index = _distinct(ctype)
        cats, c_index = _distinct(cat)
        types = [v.strip() for v in types]
        cats = [v.strip() for v in cats]
        if any(v.startswith(FORMULA_START) for v in (*types, *cats)):
            raise Decline("formula in a category")
        pairs, index = _group(t_index.astype(np.int64) * max(1, len(cats)) + c_index)
        out = []
        for pair in pairs.tolist():
            t, c = types[pair // max(1, len(cats))], cats[pair % max(1, len(cats))]
            out.append(c if t == "" else t + CATEGORY_SEP + c)
        if any(len(v) > MAX_KEY_CHARS for v in out):
            raise Decline("a category longer than a key cell may be")
        formula = [v.startswith(FORMULA_START) for v in out]
        return out, index, _per_row(formula, index, bool)

    def groups(self, column: pa.ChunkedArray | None, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Client groups (blank: all) and, per row, whether the store lacks it."""
        if column is None:  # "Client group" is our exports' column, not Fingertips'
            values, index = ["all"], np.zeros(n, dtype=np.int64)
        else:
            raw, index = _distinct(column)
            values = [v.strip() or "all" for v in raw]
        return values, index, _per_row([v not in self.ctx.groups for v in values], index, bool)

    def periods(self, column: pa.ChunkedArray) -> tuple[list[int], list[str], np.ndarray, list[str | None]]:
        """Per distinct period: year, label and qualifier note; per row, the index of its period."""
        values, index = _distinct(column)
        years, labels, notes = [], [], []
        for raw in values:
            parsed = parse_period(raw.strip())
            if parsed is None:
                raise Decline(f"period {raw!r}")
            years.append(parsed[0])
            labels.append(parsed[1])
            notes.append(f"period {parsed[1]} ({parsed[2]})" if parsed[2] else None)
        return years, labels, index, notes

    def notes(self, column: pa.ChunkedArray | None, n: int) -> tuple[list[str | None], np.ndarray, np.ndarray]:
        """The value notes (blank: none) and, per row, whether the note says it was suppressed."""
        if column is None:
            return [None], np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        values, index = _distinct(column)
        out = [v.strip() or None for v in values]
        said = []
        for v in out:
            # Long s matches "s" case-insensitively in some engines and not in others.
            if v is not None and "\u017f" in v:
                raise Decline("long s in a note")
            if v is not None and len(v) > MAX_NOTE_CHARS - 200:  # qualifiers and codes are joined on
                raise Decline("a long note")
            said.append(v is not None and "suppressed" in v.lower())
        return out, index, _per_row(said, index, bool)

    # -- numbers ----------------------------------------------------------------------
    def numbers(self, column: pa.ChunkedArray | None, n: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Values (NaN when missing) and, only if the chunk has any code, each row's code number.

        The usual column is numbers and blanks, which Arrow casts in one call; any
        other text (a code, a comma, a percent sign, a space) is read distinct value
        by distinct value as ``parse_numbers`` reads it. Code numbers index
        :data:`CODES` from 1; 0 is no code.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        if column is None:
            return np.full(n, np.nan), None
        array = column
        blank = pc.equal(array, "")
        try:
            values = pc.cast(pc.if_else(blank, pa.scalar(None, pa.string()), array), pa.float64())
        except pa.ArrowInvalid:
            return self._coded_numbers(array)
        out = values.to_numpy(zero_copy_only=False)
        _check_numbers(out[~blank.to_numpy(zero_copy_only=False)])
        return out, None

    def _coded_numbers(self, array: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None]:
        """``parse_numbers`` on each distinct text: strip, code, drop commas and trailing %, cast."""
        import pyarrow as pa
        import pyarrow.compute as pc

        values, index = _distinct(array)
        codes: list[int] = []
        cleaned: list[str | None] = []
        for raw in values:
            text = raw.strip()
            if not text.isascii():  # a Kelvin sign lower-cases to "k" in one engine, maybe not another
                raise Decline(f"number {raw!r}")
            if "," in text and not THOUSANDS.match(text):  # a decimal comma: the exact path refuses it
                raise Decline(f"number {raw!r}")
            code = CODE_NUMBER.get(text.lower(), 0)
            codes.append(code)
            cleaned.append(None if text == "" or code else text.replace(",", "").rstrip("%"))
        try:
            parsed = pc.cast(pa.array(cleaned, pa.string()), pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid as exc:
            raise Decline("not a number") from exc
        if "" in cleaned:  # a lone "%" or ",": not a number to pandas
            raise Decline("not a number")
        _check_numbers(parsed[np.array([c is not None for c in cleaned], dtype=bool)])
        code_index = _per_row(codes, index, np.int64)
        return parsed[index], code_index if code_index.any() else None

    # -- a chunk --------------------------------------------------------------------
    def convert(self, table: pa.Table, first: int, keys: _Keys) -> tuple[pa.Table, set[str], int]:
        """The chunk's canonical rows, the areas skipped and how many rows were; or Decline."""
        import pyarrow as pa

        n = table.num_rows
        names = set(table.column_names)

        def col(name: str) -> pa.ChunkedArray | None:
            return table[name] if name in names else None

        iids, i_index, _proportion, threshold = self.indicators(table["Indicator ID"])
        codes, a_index, known = self.areas(table["Area Code"])
        sexes, s_index, bad_sex = self.sexes(table["Sex"])
        categories, c_index, formula_cat = self.categories(table["Category Type"], table["Category"])
        groups, g_index, bad_group = self.groups(col("Client group"), n)
        years, labels, p_index, qualifiers = self.periods(table["Time period"])
        year = _per_row(years, p_index, np.int64)
        notes, n_index, said = self.notes(col("Value note"), n)
        numbers: dict[str, np.ndarray] = {}
        codes_of: dict[str, np.ndarray | None] = {}
        for name, canon in NUMBER_COLUMNS.items():
            numbers[canon], codes_of[canon] = self.numbers(col(name), n)
        value, count = numbers["value"], numbers["count"]

        suppressed = said & np.isnan(value)
        for canon in ("value", "count"):
            code_index = codes_of[canon]
            if code_index is not None:
                suppressed |= np.isin(code_index, SUPPRESSING)
        note_texts, note_index = _joined_notes(notes, n_index, qualifiers, p_index, codes_of)
        formula_note = _per_row([v is not None and v.startswith(FORMULA_START) for v in note_texts], note_index,
                                bool)

        # validate_chunk's rules; in 'skip' mode only rows of known areas are checked.
        bad = bad_sex | bad_group | formula_cat | formula_note
        frame = pd.DataFrame({"indicator_id": _per_row(iids, i_index), "period_year": year,
                              "period_label": _per_row(labels, p_index), **numbers})
        bad |= any_broken(frame, pd.Series(_per_row([self.types[i] for i in iids], i_index)),
                          pd.Series(_per_row([self.multipliers[i] for i in iids], i_index, float)), self.this_year)
        if (bad & known).any():
            raise Decline("a row breaks a rule")
        suppressed |= np.asarray(suppress(count, threshold), dtype=bool)

        rows = np.arange(first, first + n, dtype=np.int64)
        skipped_areas: set[str] = set()
        n_skipped = 0
        if not known.all():
            skipped_areas = {codes[i] for i in np.unique(a_index[~known]).tolist()}
            n_skipped = int((~known).sum())
        keep = np.flatnonzero(known) if n_skipped else slice(None)

        keys.add([(iids, i_index), (codes, a_index), (years, p_index), (groups, g_index), (sexes, s_index),
                  (categories, c_index)], keep)

        def text(values: list, index: np.ndarray) -> pa.Array:  # no copies: DuckDB reads dictionaries
            return pa.DictionaryArray.from_arrays(pa.array(index[keep], pa.int32()),
                                                  pa.array(values, pa.string()))

        def number(values: np.ndarray) -> pa.Array:
            return pa.array(values[keep], pa.float64(), from_pandas=True)  # NaN: NULL

        out = pa.table({
            "indicator_id": text(iids, i_index),
            "area_code": text(codes, a_index),
            "period_year": pa.array(year[keep], pa.int32()),
            "client_group_id": text(groups, g_index),
            "sex": text(sexes, s_index),
            "category": text(categories, c_index),
            "period_label": text(labels, p_index),
            **{canon: number(numbers[canon]) for canon in ("count", "denominator", "value", "lower95", "upper95",
                                                           "lower998", "upper998")},
            "suppressed": pa.array(suppressed[keep], pa.bool_()),
            "note": text(note_texts, note_index),
            "_row": pa.array(rows[keep], pa.int32()),
        })
        return out, skipped_areas, n_skipped


class _Keys:
    """Every staged row's key packed in one int64, to tell whether any key repeats.

    Each part of the key (indicator, area, year, client group, sex, category) gets
    a number on first sight; :data:`KEY_BITS` bits each fit six parts in 60 bits.
    Sorting a million of these is a fraction of the grouping pass over ``_stage``
    it replaces; a file with more distinct values than that leaves the check to core.
    """

    def __init__(self) -> None:
        self.numbers: list[dict[object, int]] = [{} for _ in range(6)]
        self.packed: list[np.ndarray] = []
        self.usable = True

    def add(self, parts: list[tuple[list, np.ndarray]], keep: slice | np.ndarray) -> None:
        """Add a chunk's keys: per part, the distinct values and each row's index among them."""
        if not self.usable:
            return
        packed = None
        for numbers, (values, index) in zip(self.numbers, parts, strict=True):
            ids = np.array([numbers.setdefault(v, len(numbers)) for v in values], dtype=np.int64)
            if len(numbers) > 1 << KEY_BITS:
                self.usable = False
                self.packed = []
                return
            part = ids[index[keep]] if len(ids) else np.empty(0, dtype=np.int64)
            packed = part if packed is None else (packed << KEY_BITS) | part
        if packed is not None:
            self.packed.append(packed)

    def repeated(self) -> bool | None:
        """Whether any key came twice; None when too many distinct values made the keys unusable."""
        if not self.usable:
            return None
        keys = np.sort(np.concatenate(self.packed)) if self.packed else np.empty(0, dtype=np.int64)
        return bool((keys[1:] == keys[:-1]).any())


def _check_numbers(values: np.ndarray) -> None:
    """Decline numbers pandas might read otherwise: NaN or inf written out, -0, huge integers."""
    if not np.isfinite(values).all():
        raise Decline("nan or inf written out")
    if (np.abs(values) >= EXACT_LIMIT).any() or ((values == 0) & np.signbit(values)).any():
        raise Decline("-0, or a number pandas may read as an integer first")


def _joined_notes(
    notes: list[str | None], n_index: np.ndarray, qualifiers: list[str | None], p_index: np.ndarray,
    codes_of: dict[str, np.ndarray | None],
) -> tuple[list[str | None], np.ndarray]:
    """Each row's note as ``_join_notes`` builds it: the file's, then code meanings, then qualifier.

    Built once per distinct combination (a handful per chunk), then spread to rows.
    """
    radix = len(CODES) + 1
    key = n_index.astype(np.int64) * len(qualifiers) + p_index
    parts: list[str] = []
    for canon, column in (("value", "Value"), ("count", "Count")):
        code_index = codes_of[canon]
        if code_index is not None:
            key = key * radix + code_index
            parts.append(column)
    combos, index = _group(key)
    out: list[str | None] = []
    for combo in combos.tolist():
        rest = combo
        code_texts: list[str] = []
        for column in reversed(parts):
            rest, code = divmod(rest, radix)
            if code:
                code_texts.insert(0, f"{column} {CODE_NOTES[CODES[code - 1]]}")
        n_i, p_i = divmod(rest, len(qualifiers))
        pieces = [p for p in (notes[n_i], *code_texts, qualifiers[p_i]) if p is not None]
        out.append("; ".join(pieces) if pieces else None)
    return out, index

