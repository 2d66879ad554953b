"""The fast path for clean Fingertips files (``metrics.io.fast``) against the exact path.

Two promises, each checked by running both paths on the same file:

- a clean file is staged by the fast path (it does not quietly decline) and the rows
  staged, value for value, are those the exact path stages, so the store ends the same;
- a file with anything wrong, or merely unusual, is declined, and the import's faults
  are word for word those of the exact path alone.

Nothing here times anything: speed is the benchmark's business, not a test's.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metrics.io.core as core
import metrics.io.fast as fast_path
from metrics.io.core import ImportFailed, Staged, import_source, store_checksum
from metrics.io.fingertips import open_fingertips
from metrics.io.fingertips_layout import truncated_tail
from metrics.store import VALUE_COLUMNS, Store
from tests.conftest import shared_path
from tests.io.conftest import BAD_INPUTS, ci, row, write_fingertips
from tests.io.make_big_fingertips import HEADER, write_big_fingertips


@dataclass
class Outcome:
    """What one import did, with ``_merge`` replaced so that nothing is written."""

    fast: Staged | None  # what the fast path staged, duplicates checked (None: declined or not tried)
    staged: pd.DataFrame | None  # _stage as _merge would have seen it, in file order
    counts: tuple | None  # rows_read, skipped, skipped_areas as passed to _merge; NULLs and NaNs
    faults: str | None  # the ImportFailed message


def run(store: Store, path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch, mapping: Path | None = None,
        **kwargs: object) -> Outcome:
    """Import ``path`` with or without the fast path; capture what would be merged."""
    source = open_fingertips(path, store.df("SELECT indicator_id, fingertips_id FROM indicator"), mapping)
    if not fast:
        source.fast = None
    seen: dict[str, object] = {"fast": None}
    decide = core._stage_fast

    def spy(*args: object) -> Staged | None:  # the decision, after core's own duplicate check
        seen["fast"] = decide(*args)  # type: ignore[arg-type]
        return seen["fast"]  # type: ignore[return-value]

    def capture(store: Store, source: object, rows_read: int, skipped: int, skipped_areas: list[str],
                *_: object) -> None:
        cur = store.cursor()
        seen["staged"] = cur.execute("SELECT * FROM _stage ORDER BY _row").df()
        # A DataFrame shows NULL and NaN alike; the store's comparisons do not.
        missing = ", ".join(f"count(*) FILTER (WHERE {c} IS NULL), count(*) FILTER (WHERE isnan({c}))"
                            for c in VALUE_COLUMNS)
        seen["counts"] = (rows_read, skipped, skipped_areas, cur.execute(f"SELECT {missing} FROM _stage").fetchone())

    with monkeypatch.context() as patch:
        patch.setattr(core, "_merge", capture)
        patch.setattr(core, "_stage_fast", spy)
        try:
            import_source(store, source, **kwargs)  # type: ignore[arg-type]
        except ImportFailed as exc:
            return Outcome(seen["fast"], None, None, str(exc))  # type: ignore[arg-type]
    return Outcome(seen["fast"], seen["staged"], seen["counts"], None)  # type: ignore[arg-type]


def assert_same(store: Store, path: Path, monkeypatch: pytest.MonkeyPatch, *, expect_fast: bool | None = True,
                **kwargs: object) -> Outcome:
    """Both paths give the same outcome; ``expect_fast``: whether the fast path must have staged it."""
    exact = run(store, path, fast=False, monkeypatch=monkeypatch, **kwargs)
    quick = run(store, path, fast=True, monkeypatch=monkeypatch, **kwargs)
    if expect_fast is not None:
        assert (quick.fast is not None) == expect_fast, "the fast path " + (
            "declined a clean file" if expect_fast else "staged a file it should have declined")
    assert quick.faults == exact.faults
    assert quick.counts == exact.counts
    if exact.staged is not None:
        assert quick.staged is not None
        pd.testing.assert_frame_equal(quick.staged, exact.staged, check_exact=True)
    return quick


# --- clean files: staged fast, and exactly as the exact path stages them ---------------


def test_the_real_download_is_staged_fast_and_the_same(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Notes, deprivation deciles, England listed twice, a recoded Barnsley, quoted commas.
    path = shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv")
    outcome = assert_same(store, path, monkeypatch)
    assert outcome.staged is not None and len(outcome.staged) > 6_000


def test_the_real_download_with_crlf_and_a_bom_is_the_same(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv").read_bytes()
    path = tmp_path / "windows.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    assert_same(store, path, monkeypatch)


@pytest.mark.parametrize("bom", [False, True])
def test_a_generated_file_is_staged_fast_and_the_same(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bom: bool
) -> None:
    # 250,000 rows: more than one insert batch of the fast path, and chunks of both paths.
    path = write_big_fingertips(tmp_path / "big.csv", 250_000, bom=bom)
    outcome = assert_same(store, path, monkeypatch)
    assert outcome.counts is not None and outcome.counts[0] == 250_000


def awkward_rows() -> list[dict[str, str]]:
    """Clean rows that exercise every conversion: codes, notes, qualifiers, breakdowns.

    Each value agrees with its count and denominator (per 10,000), as the import's
    consistency rule (:mod:`metrics.io.rules`) requires of a clean file.
    """
    middlesbrough = {"Area Code": "E06000002", "Area Name": "Middlesbrough"}
    no_ci = ci("", "", "", "")
    return [
        row(),
        row(Sex="MALE", Value_note="Value note with a comma, and \"quotes\""),
        row(Sex=" female ", Value="c", Count="c", Value_note="Value suppressed for disclosure control",
            **no_ci),
        row(Time_period="2022/23", Value="", Count="", Value_note="Suppressed: too few", **no_ci),
        row(Time_period="2021/22", Value="x", Count="low", **no_ci),
        row(Time_period="2020/21", Value=" 120.5 ", Count="1,220", Denominator="101,245", Value_note=" spaced "),
        row(Time_period="2019/20", Value="12%", Count="*", **no_ci),
        row(Time_period="2016/17 (OT)", Value=":", Count="-", **no_ci),
        row(Time_period="2018 (Rev)", Value="..", Count="z", Value_note="two\nlines", **no_ci),
        row(Time_period="2017 - 19", Value="u", Count="k", **no_ci),
        row(Time_period="201415", Count="3", Denominator="249"),  # a small count: suppressed by disclosure control
        row(Time_period="2014", Count="0", Denominator=""),  # a zero count; no ratio to check
        row(Category_Type="Deprivation deciles", Category="Most deprived decile"),
        row(Category_Type="Ethnic groups", Category="Mixed, White and Black Caribbean"),
        row(Category_Type="", Category="Just a category"),
        row(**middlesbrough),
        row(Area_Code="E08000016", Area_Name="Barnsley"),  # an old code, recoded
        row(Time_period="2012/13", Value="1e2", Count="100.0", Denominator="10000", **{"Lower CI 95.0 limit": "+90", "Upper CI 95.0 limit": "1.5E+2"}),
        row(Area_Code="E92000001", Area_Name="England"),
        row(Area_Code="E92000001", Area_Name="England", Parent_Code="", Parent_Name=""),  # word for word
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_codes_notes_qualifiers_and_breakdowns_are_the_same(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, newline: str
) -> None:
    path = tmp_path / "awkward.csv"
    # The csv module quotes a field with a line break only if it is in the line terminator.
    rows = [r for r in awkward_rows() if newline != "\r" or "\n" not in r["Value note"]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, HEADER, lineterminator=newline)
        writer.writeheader()
        writer.writerows(rows)
    outcome = assert_same(store, path, monkeypatch)
    assert outcome.staged is not None and outcome.staged["suppressed"].sum() == 6  # 5 codes or notes, 1 count


def test_optional_columns_left_out_and_reordered_are_the_same(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    header = [h for h in HEADER if "99.8" not in h and h != "Value note"][::-1]
    rows = [r for r in awkward_rows() if "\n" not in r["Value note"]]
    path = write_fingertips(tmp_path / "short.csv", rows, header=header)
    assert_same(store, path, monkeypatch)


def test_client_groups_from_our_own_export_are_the_same(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    group = store.scalar("SELECT min(client_group_id) FROM client_group WHERE client_group_id <> 'all'")
    rows = [row(Client_group=""), row(Client_group=f" {group} "), row(Client_group="all", Sex="Male")]
    path = write_fingertips(tmp_path / "groups.csv", rows, header=[*HEADER, "Client group"])
    assert_same(store, path, monkeypatch)


def test_a_mapping_file_is_the_same(store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("fingertips_id,indicator_id\n99999,NI70\n")
    path = write_fingertips(tmp_path / "mapped.csv", [row(Indicator_ID="99999"), row(Sex="Male")])
    assert_same(store, path, monkeypatch, mapping=mapping)


def test_skipping_unknown_areas_is_the_same(store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    gone = {"Area Code": "E06999999", "Area Name": "Abolished"}
    rows = [row(), row(**gone), row(Sex="Male", **gone), row(Area_Code="E10999999", Count="-4"), row(Sex="Male")]
    path = write_fingertips(tmp_path / "skip.csv", rows)
    outcome = assert_same(store, path, monkeypatch, unknown_areas="skip")
    assert outcome.counts is not None
    assert outcome.counts[:3] == (5, 3, ["E06999999", "E10999999"])  # a fault in a skipped row is no fault


def data_state(store: Store) -> dict[str, object]:
    """The store's checksum less what differs between two runs: batch times, supersession times."""
    sums: dict[str, object] = {t: v for t, v in store_checksum(store).items() if t not in ("import_batch", "audit_log")}
    columns = [c for c in store.df("DESCRIBE observation_history")["column_name"] if c != "superseded_at"]
    sums["observation_history"] = store.cursor().execute(
        f"SELECT count(*), coalesce(sum(hash({', '.join(columns)})), 0) FROM observation_history"
    ).fetchone()
    return sums


def test_a_dry_run_and_a_real_import_leave_the_same_store(demo_db: Path, tmp_path: Path) -> None:
    path = write_big_fingertips(tmp_path / "big.csv", 20_000)
    sums = {}
    for fast in (False, True):
        copy = tmp_path / f"store-{fast}.duckdb"
        shutil.copyfile(demo_db, copy)
        with Store(copy) as s:
            source = open_fingertips(path, s.df("SELECT indicator_id, fingertips_id FROM indicator"))
            if not fast:
                source.fast = None
            before = store_checksum(s)
            dry = import_source(s, source, dry_run=True)
            assert store_checksum(s) == before
            source = open_fingertips(path, s.df("SELECT indicator_id, fingertips_id FROM indicator"))
            if not fast:
                source.fast = None
            result = import_source(s, source, user="tester")
            sums[fast] = (data_state(s), (dry.new, dry.replaced, dry.unchanged),
                          (result.new, result.replaced, result.unchanged))
    assert sums[True] == sums[False]


def test_a_header_alone_is_the_same(store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Both paths refuse it alike: a header with no rows is not an import (issue 15).
    path = write_fingertips(tmp_path / "empty.csv", [])
    outcome = assert_same(store, path, monkeypatch, expect_fast=None)
    assert outcome.faults is not None and "empty.csv: no data rows" in outcome.faults


@pytest.mark.parametrize("repeat", [False, True])
def test_the_fast_paths_own_repeated_key_check_agrees_with_the_stage(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, repeat: bool
) -> None:
    # The fast path packs each key in an int64 to spare a pass over _stage; core's
    # grouping over the staged rows must say the same.
    rows = [row(), row(Sex="Male"), row(Time_period="2022 (Rev)"), row(Time_period="202223", Sex="Female")]
    if repeat:
        rows.append(row(Time_period="202223", Sex="Female", Area_Name="Hartlepool (again)"))  # word for word
    path = write_fingertips(tmp_path / "keys.csv", rows)
    seen: dict[str, bool | None] = {}
    decide = core._stage_fast

    def check(ctx: core.ImportContext, cur: object, say: object) -> Staged | None:
        fast = ctx.source.fast
        assert fast is not None
        staged = fast(cur, ctx, say)  # type: ignore[arg-type]
        assert staged is not None
        seen["fast"], seen["stage"] = staged.repeated, core._has_repeated_keys(cur)  # type: ignore[arg-type]
        cur.execute(core._stage_sql())  # type: ignore[attr-defined]
        return decide(ctx, cur, say)  # type: ignore[arg-type]

    monkeypatch.setattr(core, "_stage_fast", check)
    import_source(store, open_fingertips(path, store.df("SELECT indicator_id, fingertips_id FROM indicator")),
                  dry_run=True)
    assert seen == {"fast": repeat, "stage": repeat}


def test_progress_is_reported_as_rows_are_validated(store: Store, tmp_path: Path) -> None:
    path = write_big_fingertips(tmp_path / "big.csv", 250_000)
    said: list[tuple[int, str]] = []
    import_source(store, open_fingertips(path, store.df("SELECT indicator_id, fingertips_id FROM indicator")),
                  dry_run=True, progress=lambda n, m: said.append((n, m)))
    validated = [n for n, m in said if m.startswith("validated")]
    assert len(validated) >= 2 and validated == sorted(validated) and validated[-1] == 250_000


# --- anything wrong or unusual: declined, and the same faults as the exact path alone ----


@pytest.mark.parametrize("name", sorted(p.name for p in BAD_INPUTS.glob("*.csv")))
def test_every_bad_corpus_file_is_declined_with_the_same_faults(
    store: Store, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    outcome = assert_same(store, BAD_INPUTS / name, monkeypatch, expect_fast=False)
    assert outcome.faults is not None


def big_with(tmp_path: Path, line: bytes, at_end: bool = True) -> Path:
    """A clean 2,000-row file with one raw line added (at the end or after the header)."""
    path = write_big_fingertips(tmp_path / "big.csv", 2_000)
    data = path.read_bytes()
    if at_end:
        path.write_bytes(data + line)
    else:
        head, body = data.split(b"\n", 1)
        path.write_bytes(head + b"\n" + line + body)
    return path


def raw_line(**changes: str) -> bytes:
    """One row as written (unquoted), under a category the generated rows lack: no duplicate."""
    fields = row(**{"Category_Type": "Odd lines", "Category": "One", **changes})
    return (",".join(fields[h] for h in HEADER) + "\n").encode()


GOOD = raw_line()
SUBTLE_LINES = {
    "blank line": b"\n",
    "blank line, CRLF": b"\r\n",
    "spaces only": b"   \n",
    "space before a quote": GOOD.replace(b",Hartlepool,", b', "Hartlepool",'),
    "space after a quote": GOOD.replace(b",Hartlepool,", b',"Hartlepool" ,'),
    "quoted area with a space before": GOOD.replace(b",E06000001,", b', "E06000001",'),
    "text after a closing quote": GOOD.replace(b",E06000001,", b',"E06"000001,'),
    "stray quote mid-field": GOOD.replace(b",E06000001,", b",E06\"000001,"),
    "bare CR in a field": GOOD.replace(b",Hartlepool,", b",Hartle\rpool,"),
    "unclosed quote": GOOD.replace(b",Hartlepool,", b',"Hartlepool,'),
    "BOM inside the id": GOOD.replace(b"90284,", b"\xef\xbb\xbf90284,", 1),
    "repeated header": (",".join(HEADER) + "\n").encode(),
    "Latin-1 in an unused column": GOOD.replace(b",Hartlepool,", b",Hartlep\xe9ol,"),
    "NUL in a used column": GOOD.replace(b",E06000001,", b",E06000001\x00,"),
    "tab around the sex": raw_line(Sex="\tPersons\t"),
    "non-breaking space around the area": raw_line(Area_Code="\u00a0E06000001\u00a0"),
    "Kelvin sign as a code": raw_line(Count="\u212a", Value="", **ci("", "", "", "")),
    "nan written out": raw_line(Value="nan", **ci("", "", "", "")),
    "inf written out": raw_line(Value="inf", **ci("", "", "", "")),
    "negative zero": raw_line(Value="-0", **ci("", "", "", "")),
    "a huge integer": raw_line(Denominator="123456789012345678901234"),
    "a lone percent sign": raw_line(Count="%"),
    "a number with two points": raw_line(Value="12.3.4"),
    "formula in the note": raw_line(Value_note="=HYPERLINK(1)"),
    "formula after spaces": raw_line(Category_Type="  +SUM(1)", Category="x"),
    "an unknown sex": raw_line(Sex="Unknown"),
    "a future period": raw_line(Time_period="2098/99"),
    "count over denominator (rate: fine)": raw_line(Count="30000"),
    "CI excludes the value": raw_line(Value="500"),
    "zero denominator": raw_line(Denominator="0"),
    "negative denominator": raw_line(Denominator="-5"),
    "an unknown area": raw_line(Area_Code="E06999999"),
    "a blank id with data": raw_line(Indicator_ID=""),
    "a long s in a suppression note": raw_line(Value="", Value_note="Value \u017fuppressed", **ci("", "", "", "")),
    "a short row": GOOD.rsplit(b",", 3)[0] + b"\n",
    "a long row": GOOD.replace(b"\n", b",extra\n"),
    "no final newline, short": GOOD.rsplit(b",", 3)[0],
    "duplicate key, other value": raw_line(Area_Code="E92000001", Time_period="2010/11", Category_Type="",
                                           Category="", Value="1.5"),
    "a clean odd-category row": GOOD,
    # Arrow ends a quoted field left open where the file ends; pandas refuses the file.
    "an open quote in the last field": GOOD.replace(b",1y\n", b',"1y\n'),
    "an open quote over two lines": GOOD.replace(b",1y\n", b',"1y\nand more,text\n'),
    "an open quote after a stray one, no final newline": GOOD.replace(b",Hartlepool,", b',Hart"lepool,')
    .replace(b",1y\n", b',"1y'),
    "a quoted last field, no final newline": GOOD.replace(b",1y\n", b',"1y"'),
    "a quoted last field with a line break": GOOD.replace(b",1y\n", b',"1y\n"\n'),
}


@pytest.mark.parametrize("name", sorted(SUBTLE_LINES))
def test_a_subtly_odd_line_gives_the_exact_outcome(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    for at_end in (True, False):
        path = big_with(tmp_path, SUBTLE_LINES[name], at_end)
        assert_same(store, path, monkeypatch, expect_fast=None)


# --- hypothesis: any mix of odd cells --------------------------------------------------

ODD_CELLS = [
    "", " ", "c", "C", " c ", "x", "low", "LOW", "k", "z", "u", ":", "-", "..", "*", "0", "-0", "-0.0", "+1",
    "1,234", "12%", "1e3", "1E-2", ".5", "5.", "nan", "NaN", "inf", "-inf", "1_000", "0x10", "12.3.4", "١٢",
    "\u212a", "\t1", "1\t", "\u00a01", "1\u3000", "=1", "+SUM(1)", "@A1", "suppressed", "Persons", "male",
    "FEMALE", "all", "2023/24", "2016/17 (OT)", "2017 - 19", "Q1 2024", "2098/99", "90284", "E06000001",
    "E08000016", "E06999999", "a, b", 'say "hi"', "two\nlines", "\u017f", "\ufeff90284", "99999999999999999999",
]
COLUMNS = ["Indicator ID", "Area Code", "Area Name", "Sex", "Category Type", "Category", "Time period", "Value",
           "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count",
           "Denominator", "Value note", "Time period range"]


@pytest.fixture(scope="module")
def shared_store(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the property test: its imports never reach _merge, so never write."""
    path = tmp_path_factory.mktemp("fast") / "store.duckdb"
    shutil.copyfile(demo_db, path)
    s = Store(path)
    yield s
    s.close()


@settings(max_examples=60, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(COLUMNS), st.sampled_from(ODD_CELLS)),
                      min_size=1, max_size=4))
def test_any_odd_cells_give_the_exact_outcome(
    shared_store: Store, tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, str, str]]
) -> None:
    rows = [row(), row(Sex="Male"), row(Sex="Female"), row(Time_period="2022/23"),
            row(Area_Code="E06000002", Area_Name="Middlesbrough"), row(Category_Type="Deciles", Category="One")]
    for at, column, value in edits:
        rows[at][column] = value
    path = write_fingertips(tmp_path_factory.mktemp("odd") / "odd.csv", rows)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_same(shared_store, path, monkeypatch, expect_fast=None)


# --- the reader itself: wherever Arrow's tokens are vouched for, pandas reads the same ---

PIECES = ["a", "b", ",", '"', "\n", "\r", " ", "\t", '""', "\r\n", "x,y", '"q"', ',"', '",', "\x00", "\ufeff",
          "\u00e9", "\n\n", "\r\r"]


def arrow_rows(path: Path) -> list[list[str]] | None:
    """What the fast path's reader makes of a three-column file, or None where it declines."""
    import pyarrow as pa

    columns = ["c0", "c1", "c2"]
    try:
        with fast_path._open(path, 3, columns) as reader:
            rows = [[r[c] for c in columns] for batch in reader for r in batch.to_pylist()]
    except pa.ArrowException:
        return None
    if truncated_tail(path, 3) or (rows and not fast_path._closed_at_end(path, rows[-1][-1])):
        return None
    return rows


@settings(max_examples=400, derandomize=True, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=16))
def test_where_the_reader_accepts_pandas_and_the_csv_module_agree(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[str]
) -> None:
    # The fast path trusts Arrow's tokenizer to be pandas' C parser made strict: same
    # records, same values, and never a short row the exact path's csv-module pass
    # (ragged_rows) would report. Quotes, line ends, blanks and stray bytes, mixed.
    data = ("a,b,c\n" + "".join(pieces)).encode()
    path = tmp_path_factory.mktemp("tokens") / "t.csv"
    path.write_bytes(data)
    rows = arrow_rows(path)
    if rows is None:
        return
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False,
                        on_bad_lines="error")
    assert frame.values.tolist() == rows
    counts = [len(r) for r in csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""))]
    assert all(n == 3 for n in counts[1:] if n)
