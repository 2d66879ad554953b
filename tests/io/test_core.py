"""The import core's promises, proved on small Fingertips files in a demo store:
validate before writing, all or nothing, idempotent, versioned and recoverable,
audited, disclosure-flagged, streamed in chunks. Plus the value parsers every
reader shares (periods, suppression codes, DfE's half-up rounding).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import metrics.io.core as core
from metrics.display import round_half_up
from metrics.io.core import (
    Chunk,
    ImportFailed,
    Source,
    canonical_frame,
    import_source,
    rollback_batch,
    store_checksum,
)
from metrics.io.faults import MAX_REPORTED
from metrics.io.fingertips import open_fingertips
from metrics.io.values import parse_numbers, parse_period
from metrics.stats import rate_ci
from metrics.store import Store
from tests.io.conftest import BASE_ROW, ci, import_file, row, write_fingertips
from tests.io.make_big_fingertips import HEADER, write_big_fingertips

KEY_SQL = (
    "indicator_id = 'NI70' AND area_code = ? AND period_year = ? AND sex = ?"
    " AND client_group_id = 'all' AND category = ?"
)


def obs(store: Store, area: str = "E06000001", year: int = 2024, sex: str = "persons", category: str = "") -> dict:
    frame = store.df(f"SELECT * FROM observation WHERE {KEY_SQL}", [area, year, sex, category])
    assert len(frame) == 1, f"expected one observation for {area} {year} {sex} {category!r}"
    return frame.iloc[0].to_dict()


def three_rows(**changes: str) -> list[dict[str, str]]:
    return [row(**changes), row(Sex="Male", **changes), row(Sex="Female", **changes)]


# --- validate first, all or nothing -----------------------------------------------


def test_dry_run_reports_changes_and_writes_nothing(store: Store, checksum: dict, tmp_path: Path) -> None:
    middlesbrough = {"Area Code": "E06000002", "Area Name": "Middlesbrough"}
    path = write_fingertips(tmp_path / "dry.csv", [*three_rows(), row(Time_period="2012/13", **middlesbrough)])
    result = import_file(store, path, dry_run=True)
    assert result.dry_run and result.batch_id is None
    assert result.rows_read == 4
    # The demo holds NI70 2023/24 for persons, boys and girls (replaced) but nothing
    # before 2015/16 (Middlesbrough 2012/13 is new).
    assert (result.new, result.replaced, result.unchanged) == (1, 3, 0)
    assert "would import 4 rows" in result.summary()
    assert store_checksum(store) == checksum


def test_fault_in_last_chunk_leaves_store_unchanged(store: Store, checksum: dict, tmp_path: Path) -> None:
    # 1,000 good rows streamed in chunks of 100, the only fault on the very last row: the
    # earlier chunks were validated and staged, never written.
    path = write_big_fingertips(tmp_path / "late_fault.csv", 1_000)
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write(",".join(row(Count="-3").get(h, "") for h in HEADER) + "\n")
    source = open_fingertips(path, store.df("SELECT indicator_id, fingertips_id FROM indicator"), chunk_rows=100)
    with pytest.raises(ImportFailed) as exc:
        import_source(store, source)
    assert [str(f) for f in exc.value.faults] == ["late_fault.csv, row 1,002, Count: -3: Count must not be negative"]
    assert store_checksum(store) == checksum


def test_failure_inside_the_write_transaction_rolls_back(
    store: Store, checksum: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = core.new_batch

    def new_batch_then_fail(*args: object, **kwargs: object) -> int:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(core, "new_batch", new_batch_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_file(store, write_fingertips(tmp_path / "ok.csv", three_rows(Value="121.0")))
    assert store_checksum(store) == checksum


def test_every_fault_is_counted_but_the_message_stays_short(store: Store, checksum: dict, tmp_path: Path) -> None:
    rows = [row(Sex=s, Count="-1", Time_period=f"{y}/{(y + 1) % 100:02d}")
            for y in range(2000, 2024) for s in ("Persons", "Male", "Female")]
    rows += [row(Sex=s, Count="-1", Category_Type="T", Category=f"c{i}", Time_period=f"{y}/{(y + 1) % 100:02d}")
             for i in range(10) for y in range(2000, 2024) for s in ("Persons", "Male", "Female")]
    path = write_fingertips(tmp_path / "many.csv", rows)
    with pytest.raises(ImportFailed) as exc:
        import_file(store, path)
    assert exc.value.total == len(rows) > MAX_REPORTED
    assert len(exc.value.faults) == MAX_REPORTED
    message = str(exc.value)
    assert f"({len(rows):,} faults)" in message
    assert f"and {len(rows) - MAX_REPORTED:,} more" in message
    assert message.count("\n") <= MAX_REPORTED + 1
    assert store_checksum(store) == checksum


def test_every_duplicate_key_is_counted(store: Store, checksum: dict, tmp_path: Path) -> None:
    # 250 keys each given twice with different figures; an exact repeat is one fact, not a fault.
    rows = []
    for i in range(250):
        key = {"Sex": "Male", "Category Type": "T", "Category": f"c{i}"}
        rows += [row(**key), row(**key, Value="121.0"), row(**key)]
    with pytest.raises(ImportFailed) as exc:
        import_file(store, write_fingertips(tmp_path / "dups.csv", rows))
    assert exc.value.total == 250
    assert str(exc.value.faults[0]) == (
        "dups.csv, row 3: duplicate of row 2: same indicator, area, period, client group, sex and category")
    assert store_checksum(store) == checksum


# --- idempotent, versioned, recoverable, audited -----------------------------------


def test_reimporting_the_same_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write_fingertips(tmp_path / "same.csv", three_rows())
    first = import_file(store, path)
    assert first.batch_id is not None
    after_first = store_checksum(store)
    second = import_file(store, path)
    assert second.batch_id is None
    assert (second.new, second.replaced, second.unchanged) == (0, 0, 3)
    assert "nothing changed, no batch recorded" in second.summary()
    assert store_checksum(store) == after_first


def test_newer_file_replaces_keeps_history_and_rollback_restores(store: Store, tmp_path: Path) -> None:
    first = import_file(store, write_fingertips(tmp_path / "v1.csv", three_rows()))
    v1 = store_checksum(store)
    old = obs(store, sex="male")
    revised = three_rows(Value="125.0", Count="228", **{"Upper CI 95.0 limit": "140.0"})
    second = import_file(store, write_fingertips(tmp_path / "v2.csv", revised))
    assert (second.new, second.replaced, second.unchanged) == (0, 3, 0)
    now = obs(store, sex="male")
    assert (now["value"], now["count"], now["batch_id"]) == (125.0, 228.0, second.batch_id)
    history = store.df(
        "SELECT * FROM observation_history WHERE superseded_by = ? AND sex = 'male'", [second.batch_id]
    )
    assert len(history) == 1
    assert (history.loc[0, "value"], history.loc[0, "count"], history.loc[0, "batch_id"]) == (
        old["value"], old["count"], first.batch_id)

    removed = rollback_batch(store, second.batch_id, user="tester")
    assert removed == 3
    assert obs(store, sex="male")["value"] == old["value"]
    after = store_checksum(store)
    for table in ("observation", "observation_history"):
        assert after[table] == v1[table], table
    status = store.df("SELECT status, note FROM import_batch WHERE batch_id = ?", [second.batch_id]).iloc[0]
    assert status["status"] == "rolled_back" and "rolled back by tester" in status["note"]


def test_rollback_out_of_order_is_refused(store: Store, tmp_path: Path) -> None:
    first = import_file(store, write_fingertips(tmp_path / "v1.csv", three_rows()))
    import_file(store, write_fingertips(tmp_path / "v2.csv", three_rows(Value="125.0")))
    before = store_checksum(store)
    with pytest.raises(ValueError, match="roll back batch"):
        rollback_batch(store, first.batch_id)
    assert store_checksum(store) == before


def test_every_row_carries_its_batch_and_the_batch_its_provenance(store: Store, tmp_path: Path) -> None:
    path = write_fingertips(tmp_path / "audit.csv", [*three_rows(), row(Sex="Persons", Time_period="2024/25")])
    result = import_file(store, path, user="analyst1")
    batch = store.df("SELECT * FROM import_batch WHERE batch_id = ?", [result.batch_id]).iloc[0]
    assert batch["source_file"] == "audit.csv"
    assert batch["file_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch["format"] == "fingertips"
    assert batch["imported_by"] == "analyst1"
    assert batch["status"] == "committed"
    assert abs(pd.Timestamp.now() - pd.Timestamp(batch["imported_at"])) < pd.Timedelta(hours=25)
    assert (batch["rows_read"], batch["rows_written"]) == (4, result.new + result.replaced)
    assert batch["rows_replaced"] == result.replaced
    n = store.scalar(
        "SELECT count(*) FROM observation WHERE batch_id = ? AND indicator_id = 'NI70' AND area_code = 'E06000001'"
        " AND period_year IN (2024, 2025)", [result.batch_id])
    assert n == 4


# --- disclosure, quirks of published values ---------------------------------------


def test_small_counts_are_stored_but_flagged_suppressed(store: Store, tmp_path: Path) -> None:
    # NI70's disclosure threshold is 10 (catalogue): 7 is stored as published and flagged; 10 is not.
    assert store.scalar("SELECT disclosure_threshold FROM indicator WHERE indicator_id = 'NI70'") == 10
    rows = [
        row(Sex="Male", Count="7", Value="3.8", **ci("1.5", "7.9", "1.0", "9.9")),
        row(Sex="Female", Count="10", Value="5.5", **ci("2.6", "10.1", "2.0", "12.0")),
    ]
    import_file(store, write_fingertips(tmp_path / "small.csv", rows))
    male, female = obs(store, sex="male"), obs(store, sex="female")
    assert (male["count"], male["value"], male["suppressed"]) == (7.0, 3.8, True)
    assert (female["count"], female["suppressed"]) == (10.0, False)


@pytest.mark.parametrize(
    ("code", "suppressed", "meaning"),
    [("c", True, "confidential"), ("x", False, "not available"), ("z", False, "not applicable"),
     ("u", False, "low reliability"), ("k", True, "rounds to zero"), ("low", True, "rounds to zero"),
     (":", False, "not available")],
)
def test_suppression_codes_are_missing_never_zero(
    store: Store, tmp_path: Path, code: str, suppressed: bool, meaning: str
) -> None:
    blank_ci = {h: "" for h in HEADER if "CI" in h}
    path = write_fingertips(tmp_path / "codes.csv", [{**row(Sex="Male", Value=code, Count=code, Denominator=""),
                                                      **blank_ci}])
    import_file(store, path)
    got = obs(store, sex="male")
    assert math.isnan(got["value"]) and math.isnan(got["count"])
    assert bool(got["suppressed"]) is suppressed
    assert got["note"].startswith(f"Value {code}") and meaning in got["note"]


def test_published_cis_are_stored_as_published_not_recomputed(store: Store, tmp_path: Path) -> None:
    # Fingertips publishes counts rounded to 5 but computes value and CIs from the unrounded
    # count: 223 admissions of 18,255 give 122.2 (Byar 95% CI 106.6 to 139.3, 99.8% 98.4 to
    # 149.6), published beside Count 225, from which the CIs would be 107.7 to 140.5.
    value, lo, hi = rate_ci(np.array([223.0]), np.array([18255.0]), 0.95, 10_000)
    _, lo9, hi9 = rate_ci(np.array([223.0]), np.array([18255.0]), 0.998, 10_000)
    figures = [round(float(x[0]), 1) for x in (value, lo, hi, lo9, hi9)]
    assert figures == [122.2, 106.6, 139.3, 98.4, 149.6]
    published = row(Sex="Male", Count="225", Value="122.2", **ci("106.6", "139.3", "98.4", "149.6"))
    import_file(store, write_fingertips(tmp_path / "rounded.csv", [published]))
    got = obs(store, sex="male")
    assert (got["count"], got["value"], got["lower95"], got["upper95"], got["lower998"], got["upper998"]) == (
        225.0, 122.2, 106.6, 139.3, 98.4, 149.6)
    _, lo_rounded, _ = rate_ci(np.array([225.0]), np.array([18255.0]), 0.95, 10_000)
    assert round(float(lo_rounded[0]), 1) != got["lower95"]


def test_fingertips_blanks_stay_blank(store: Store, tmp_path: Path) -> None:
    # Its counts are rounded, so a CI computed from them would differ from Fingertips' own.
    blank = {"Value": "", **{h: "" for h in HEADER if "CI" in h}}
    import_file(store, write_fingertips(tmp_path / "counts.csv", [{**row(Sex="Male"), **blank}]))
    got = obs(store, sex="male")
    assert got["count"] == 220 and got["denominator"] == 18255
    assert all(math.isnan(got[c]) for c in ("value", "lower95", "upper95", "lower998", "upper998"))


def test_other_sources_have_value_and_cis_completed_from_counts(store: Store, tmp_path: Path) -> None:
    # A reader of exact counts (the default) gets value and CIs computed, by the indicator's method.
    frame = canonical_frame({"indicator_id": ["NI70"], "area_code": ["E06000001"], "period_year": [2024],
                             "period_label": ["2023-24"], "sex": ["male"], "count": [220], "denominator": [18255]})
    path = tmp_path / "exact.csv"
    path.write_text("made in the test\n")
    import_source(store, Source(path=path, format="template", chunks=[Chunk(frame)]))
    got = obs(store, sex="male")
    assert got["value"] == pytest.approx(220 / 18255 * 10_000)
    assert got["lower95"] < got["value"] < got["upper95"]
    assert got["lower998"] < got["lower95"] and got["upper998"] > got["upper95"]


def test_column_order_and_bom_do_not_matter(demo_db: Path, tmp_path: Path) -> None:
    import shutil

    rows = [*three_rows(), row(Time_period="2022/23", Value="110.0")]
    shuffled = [*reversed(HEADER[10:]), *HEADER[:10]]
    sums = []
    for name, header, encoding in (("plain.csv", HEADER, "utf-8"), ("shuffled_bom.csv", shuffled, "utf-8-sig")):
        copy = tmp_path / f"{name}.duckdb"
        shutil.copyfile(demo_db, copy)
        with Store(copy) as s:
            result = import_file(s, write_fingertips(tmp_path / name, rows, header=header, encoding=encoding))
            assert result.rows_read == 4
            sums.append(store_checksum(s)["observation"])
    assert sums[0] == sums[1]
    assert (tmp_path / "shuffled_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_recoded_areas_are_stored_under_their_current_code(store: Store, tmp_path: Path) -> None:
    # North Yorkshire's county code E10000023 became E06000065 (same LA number 815) in 2023.
    nyorks = {"Area Code": "E10000023", "Area Name": "North Yorkshire Cty"}
    import_file(store, write_fingertips(tmp_path / "old_code.csv", [row(Sex="Male", **nyorks)]))
    assert obs(store, area="E06000065", sex="male")["value"] == 120.5
    assert store.scalar("SELECT count(*) FROM observation WHERE area_code = 'E10000023'") == 0


def test_period_qualifier_is_kept_as_a_note(store: Store, tmp_path: Path) -> None:
    import_file(store, write_fingertips(tmp_path / "ot.csv", [row(Sex="Male", Time_period="2016-17 (OT)")]))
    got = obs(store, year=2017, sex="male")
    assert got["period_label"] == "2016-17"
    assert "(OT)" in got["note"]


# --- streaming ---------------------------------------------------------------------


def test_large_file_streams_in_chunks_with_progress(store: Store, tmp_path: Path) -> None:
    rows = 200_000
    path = write_big_fingertips(tmp_path / "big.csv", rows)
    source = open_fingertips(path, store.df("SELECT indicator_id, fingertips_id FROM indicator"), chunk_rows=50_000)
    sizes: list[int] = []

    def counted(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        for chunk in chunks:
            sizes.append(len(chunk.frame))
            yield chunk

    source.chunks = counted(source.chunks)
    messages: list[tuple[int, str]] = []
    result = import_source(store, source, progress=lambda n, m: messages.append((n, m)))
    assert sizes == [50_000] * 4  # never more than one chunk of rows in Python's memory
    validated = [n for n, m in messages if m.startswith("validated")]
    assert validated == [50_000, 100_000, 150_000, 200_000]
    assert any(m.startswith("writing") for _, m in messages)
    assert messages[-1][1] == f"committed batch {result.batch_id}"
    assert result.rows_read == rows and result.new + result.replaced + result.unchanged == rows
    assert store.scalar("SELECT count(*) FROM observation WHERE batch_id = ?", [result.batch_id]) == rows


# --- shared value parsers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", (2025, "2025", None)),
        ("202425", (2025, "2024-25", None)),
        ("2010/11", (2011, "2010/11", None)),
        ("2016-17 (OT)", (2017, "2016-17", "OT")),
        ("2018 (Rev)", (2018, "2018", "Rev")),
        ("1999/00", (2000, "1999/00", None)),
        ("2017 - 19", (2019, "2017-19", None)),
        (" 2023/24 ", (2024, "2023/24", None)),
        ("2024.0", (2024, "2024", None)),
    ],
)
def test_parse_period_reads_published_forms(text: str, expected: tuple) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["", "24/25", "2024/23", "202427", "Q1 2024", "2024-2040", "=2024", None])
def test_parse_period_refuses_what_it_cannot_read(text: str | None) -> None:
    assert parse_period(text) is None


def test_parse_numbers_codes_blanks_and_bad() -> None:
    raw = pd.Series(["1,234", "12.5%", "", "c", "X", "low", ":", "abc", " 7 ", "-3"])
    numbers, bad, suppressed, notes = parse_numbers(raw)
    assert numbers.iloc[0] == 1234 and numbers.iloc[1] == 12.5 and numbers.iloc[8] == 7 and numbers.iloc[9] == -3
    assert numbers.iloc[2:8].isna().all()
    assert bad.tolist() == [False] * 7 + [True, False, False]
    assert suppressed.tolist() == [False, False, False, True, False, True, False, False, False, False]
    assert notes.iloc[4].startswith("x: ") and notes.iloc[0] is None


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(0.05, 1, 0.1), (0.15, 1, 0.2), (2.675, 2, 2.68), (12.25, 1, 12.3), (-0.05, 1, -0.1), (7.0, 0, 7.0),
     (64.45, 1, 64.5)],
)
def test_round_half_up_as_dfe_publishes(value: float, places: int, expected: float) -> None:
    assert round_half_up(value, places) == expected


def test_round_half_up_missing_is_nan() -> None:
    assert math.isnan(round_half_up(float("nan")))


def test_base_row_is_consistent() -> None:
    # The fixture row other tests change one field of must itself be valid and complete.
    assert set(BASE_ROW) == set(HEADER)


def test_a_doubled_bom_is_accepted(store: Store, tmp_path: Path) -> None:
    # Some tools add a second byte-order mark when re-saving a download.
    path = write_fingertips(tmp_path / "two_boms.csv", three_rows())
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + path.read_bytes())
    assert import_file(store, path).rows_read == 3
    assert obs(store, sex="female")["value"] == 120.5


def test_abolished_areas_are_refused_or_skipped_and_reported(store: Store, checksum: dict, tmp_path: Path) -> None:
    # Northamptonshire county (E10000021) was abolished in 2021 and split in two: no single
    # current code takes its figures, so it is not in the store or the re-code list.
    northants = {"Area Code": "E10000021", "Area Name": "Northamptonshire"}
    path = write_fingertips(tmp_path / "abolished.csv", [row(Sex="Male"), row(Time_period="2019/20", **northants)])
    with pytest.raises(ImportFailed) as exc:
        import_file(store, path)
    assert [str(f) for f in exc.value.faults] == [
        "abolished.csv, row 3, Area Code: 'E10000021': unknown area code: not an area in the store"]
    assert store_checksum(store) == checksum
    result = import_file(store, path, unknown_areas="skip")
    assert (result.rows_read, result.new + result.replaced, result.skipped) == (2, 1, 1)
    assert "1 skipped for areas not in the store (E10000021)" in result.summary()
    assert store.scalar("SELECT rows_skipped FROM import_batch WHERE batch_id = ?", [result.batch_id]) == 1


def test_cli_dry_run_then_import(store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from metrics.cli import main
    from tests.support.accounts import add_account

    # Persons and boys replace the demo's rows; 2012/13 is older than the demo: new.
    path = write_fingertips(tmp_path / "cli.csv", [row(), row(Sex="Male"), row(Time_period="2012/13")])
    with Store(store_path) as s:
        before = store_checksum(s)
    assert main(["import", str(path), "--db", str(store_path), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "cli.csv: would import 3 rows: 1 new, 2 replaced" in out
    assert "validated 3 rows" in err
    with Store(store_path) as s:
        assert store_checksum(s) == before
        # --user acts as that account only with its password ($ECM_PASSWORD here, a prompt otherwise).
        add_account(s, "cli-test", "analyst", password="the cli test's secret")
    monkeypatch.setenv("ECM_PASSWORD", "the cli test's secret")
    assert main(["import", str(path), "--db", str(store_path), "--user", "cli-test"]) == 0
    out, err = capsys.readouterr()
    assert "cli.csv: imported 3 rows: 1 new, 2 replaced" in out and "; batch 2" in out
    assert "committed batch 2" in err
    with Store(store_path) as s:
        assert s.scalar("SELECT imported_by FROM import_batch WHERE batch_id = 2") == "cli-test"


def test_windows_line_endings_read_the_same(store: Store, tmp_path: Path) -> None:
    path = write_fingertips(tmp_path / "crlf.csv", three_rows())
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = import_file(store, path)
    assert result.rows_read == 3
    assert obs(store, sex="female")["value"] == 120.5
    assert obs(store, sex="female")["note"] is None


def test_import_puts_duckdb_settings_back(store: Store, tmp_path: Path) -> None:
    # The memory cap is the database's setting, shared with every other reader of the store.
    settings = "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    before = store.cursor().execute(settings).fetchone()
    import_file(store, write_fingertips(tmp_path / "ok.csv", three_rows()))
    with pytest.raises(ImportFailed):
        import_file(store, write_fingertips(tmp_path / "bad.csv", [row(Count="-1")]))
    assert store.cursor().execute(settings).fetchone() == before
