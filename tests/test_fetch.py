"""``jar fetch``: recorded Fingertips and EES responses served on loopback, into the ordinary importers."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.auth import operator_user
from metrics.fetch import (
    ATTEMPTS_ENV,
    BACKOFF_ENV,
    EES_ENV,
    FINGERTIPS_ENV,
    SERIES_FILE,
    TIMEOUT_ENV,
    FetchError,
    fetch,
    load_series,
    parse_since,
)
from metrics.io.core import store_checksum
from metrics.io.faults import ImportFailed
from metrics.services import run_import
from metrics.store import Store
from tests.support.fetch_server import FIXTURES, FakeApi, Reply, serve

SERIES = FIXTURES / "fetch_series.csv"
FT_META = "/fingertips/api/indicator_metadata/by_indicator_id?indicator_ids=90284"
FT_TYPES = "/fingertips/api/area_types"
FT_CSV = ("/fingertips/api/all_data/csv/by_indicator_id?indicator_ids=90284&child_area_type_id=502"
          "&parent_area_type_id=15")
PUB = {"cin": "a5fcd4bc-63a2-4d32-87a9-bb12c3a71a3f", "cla": "8d5ad4f9-4d1c-4c4b-9a05-0d5d3e3f6b2a",
       "outcomes": "2b7a6bd1-36a5-4bfc-b2e3-0f3a4e3f1c11"}
SEARCH = {"cin": "Characteristics of children in need", "cla": "Children looked after in England including adoptions",
          "outcomes": "Outcomes for children in need, including children looked after by local authorities in England"}
SETS = {"population": "0c8f4c4e-8a3f-4b4f-9d2e-6b1d1a0f7e01", "c1": "0c8f4c4e-8a3f-4b4f-9d2e-6b1d1a0f7e02",
        "cla_rate": "5e1f8b0a-2d7c-4f0a-8e43-3c9d2b6a1f03"}
CSVS = {"population": "ees_population.csv", "c1": "ees_c1_referrals.csv", "cla_rate": "ees_cla_rate.csv"}


def recorded(api: FakeApi) -> FakeApi:
    api.fixture(FT_TYPES, "fingertips_area_types.json")
    api.fixture(FT_META, "fingertips_metadata_90284.json")
    api.fixture(FT_CSV, "fingertips_90284.csv")
    for name, pid in PUB.items():
        api.fixture(f"/ees/v1/publications?search={SEARCH[name]}&page=1&pageSize=40", f"ees_publications_{name}.json")
        api.fixture(f"/ees/v1/publications/{pid}/data-sets?page=1&pageSize=40", f"ees_data_sets_{name}.json")
    for name, sid in SETS.items():
        meta = {"population": "population", "c1": "c1", "cla_rate": "cla_rate"}[name]
        api.fixture(f"/ees/v1/data-sets/{sid}/meta", f"ees_meta_{meta}.json")
        api.fixture(f"/ees/v1/data-sets/{sid}/csv", CSVS[name])
    return api


@pytest.fixture()
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    with serve(recorded(FakeApi())) as running:
        monkeypatch.setenv(FINGERTIPS_ENV, running.base("fingertips/api"))
        monkeypatch.setenv(EES_ENV, running.base("ees/v1"))
        monkeypatch.setenv(BACKOFF_ENV, "0.01")
        monkeypatch.setenv(TIMEOUT_ENV, "5")
        yield running


@pytest.fixture()
def store(empty_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "store.duckdb"
    shutil.copy(empty_db, copy)
    s = Store(copy)
    yield s
    s.close()


def _fetch(store: Store, publisher: str, **kw: object):
    return fetch(store, operator_user(), publisher, series_file=SERIES, **kw)  # type: ignore[arg-type]


def _observations(store: Store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT indicator_id, area_code, period_year, client_group_id, sex, category, value, count, denominator,"
        " lower95, upper95 FROM observation ORDER BY ALL").fetchall()


def test_fingertips_fetch_is_the_same_import_as_the_downloaded_file(
        api: FakeApi, store: Store, empty_db: Path, tmp_path: Path) -> None:
    report = _fetch(store, "fingertips")
    [outcome] = report.outcomes
    assert outcome.status == "imported", outcome.message
    batch = store.df("SELECT * FROM import_batch WHERE fetch_series IS NOT NULL").iloc[0]
    body = (FIXTURES / "fingertips_90284.csv").read_bytes()
    assert batch["fetch_series"] == "fingertips_injury_0_14"
    assert batch["source_url"] == api.base("fingertips/api") + FT_CSV.removeprefix("/fingertips/api/")
    assert batch["file_hash"] == hashlib.sha256(body).hexdigest()  # the publisher's bytes, unchanged
    assert batch["fetched_at"] is not None and batch["format"] == "fingertips"
    assert batch["source_file"] == "injury_admissions_0_14_county_ua.csv"
    # The same rows a person gets importing the same download by hand.
    by_hand = tmp_path / "by_hand.duckdb"
    shutil.copy(empty_db, by_hand)
    (tmp_path / "injury.csv").write_bytes(body)
    with Store(by_hand) as other:
        run_import(other, operator_user(), tmp_path / "injury.csv", "fingertips", unknown_areas="skip")
        expected = _observations(other)
    got = _observations(store)
    assert got == expected and len(got) > 0
    assert {r[0] for r in got} == {"NI70"}
    assert {r[1] for r in got} == {"E92000001", "E06000020", "E09000002", "E10000003"}
    # The audit entry says where the file came from.
    detail = store.scalar("SELECT detail FROM audit_log WHERE action = 'import' ORDER BY 1 DESC LIMIT 1")
    assert "fingertips_injury_0_14" in str(detail)


def test_ees_fetch_uses_the_shipped_mappings_and_names_what_is_not_on_the_api(api: FakeApi, store: Store) -> None:
    report = _fetch(store, "ees")
    by_id = {o.series_id: o for o in report.outcomes}
    assert by_id["ons_population_0_17"].status == "downloaded"  # the denominators c1's mapping names
    assert by_id["c1_referrals"].status == "imported" and by_id["cla_rate"].status == "imported"
    ks2 = by_id["ks2_social_care"]
    assert ks2.status == "not on the API"
    assert "ks2_la.csv" in ks2.message and "jar import ks2_la.csv --format dfe --mapping data/mappings/dfe_ks2.csv" \
        in ks2.message and "find-statistics/outcomes-for-children-in-need" in ks2.message
    batches = store.df("SELECT fetch_series, source_url, file_hash FROM import_batch WHERE fetch_series IS NOT NULL"
                       " ORDER BY batch_id")
    assert list(batches["fetch_series"]) == ["c1_referrals", "cla_rate"]
    assert batches["source_url"].iloc[1].endswith(f"/ees/v1/data-sets/{SETS['cla_rate']}/csv")
    assert batches["file_hash"].iloc[1] == hashlib.sha256((FIXTURES / "ees_cla_rate.csv").read_bytes()).hexdigest()
    ids = {r[0] for r in store.cursor().execute("SELECT DISTINCT indicator_id FROM observation").fetchall()}
    assert {"LAC_RATE", "REREF12", "REF_RATE"} <= ids
    # REF_RATE's denominator came from the fetched population file (2024 estimate for 2025 referrals).
    telford = store.cursor().execute(
        "SELECT count, denominator FROM observation WHERE indicator_id = 'REF_RATE' AND area_code = 'E06000020'"
        " AND period_year = 2025").fetchone()
    with (FIXTURES / "ees_population.csv").open(encoding="utf-8") as fh:
        pop = next(r["population_estimate"] for r in csv.DictReader(fh)
                   if r["new_la_code"] == "E06000020" and r["time_period"] == "2024")
    assert telford is not None and telford[1] == float(pop)


def test_a_429_is_retried_after_its_retry_after(api: FakeApi, store: Store) -> None:
    body = (FIXTURES / "fingertips_90284.csv").read_bytes()
    api.add(FT_CSV, Reply(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"}),
            Reply(body=body, content_type="text/csv"))
    messages: list[str] = []
    report = _fetch(store, "fingertips", say=messages.append)
    assert report.outcomes[0].status == "imported"
    assert api.count(FT_CSV) == 2
    assert any("HTTP 429" in m and "retrying" in m for m in messages)


def test_a_500_three_times_gives_up_with_one_line_and_writes_nothing(
        api: FakeApi, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ATTEMPTS_ENV, "3")
    api.add(FT_CSV, Reply(500, b"oops", "text/plain"))
    before = store_checksum(store)
    with pytest.raises(FetchError) as exc:
        _fetch(store, "fingertips")
    assert api.count(FT_CSV) == 3
    text = str(exc.value)
    assert text.startswith("fingertips_injury_0_14:") and "HTTP 500" in text and "3 times" in text
    assert "\n" not in text
    assert store_checksum(store) == before


def test_a_changed_fingertips_column_names_the_series_and_the_column(api: FakeApi, store: Store) -> None:
    body = (FIXTURES / "fingertips_90284.csv").read_bytes().replace(b",Value,", b",Value (per 10000),", 1)
    api.add(FT_CSV, Reply(body=body, content_type="text/csv"))
    before = store_checksum(store)
    with pytest.raises(FetchError, match=r"fingertips_injury_0_14: .*no column 'Value'.*layout changed"):
        _fetch(store, "fingertips")
    assert store_checksum(store) == before


def test_a_changed_ees_column_names_the_series_and_the_column(api: FakeApi, store: Store) -> None:
    meta = (FIXTURES / "ees_meta_cla_rate.json").read_bytes().replace(b'"rate_per_10000"', b'"rate_per_10k"')
    api.add(f"/ees/v1/data-sets/{SETS['cla_rate']}/meta", Reply(body=meta))
    before = store_checksum(store)
    with pytest.raises(FetchError, match=r"cla_rate: .*'rate_per_10000'.*layout changed"):
        _fetch(store, "ees")
    # c1 was fetched before cla_rate failed, and still nothing at all is written.
    assert store_checksum(store) == before


def test_one_series_that_does_not_import_stops_the_whole_fetch(api: FakeApi, store: Store) -> None:
    body = (FIXTURES / "ees_cla_rate.csv").read_text(encoding="utf-8")
    lines = body.splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",lots"  # a rate no reader can read
    bad = "\n".join(lines) + "\n"
    api.add(f"/ees/v1/data-sets/{SETS['cla_rate']}/csv", Reply(body=bad.encode(), content_type="text/csv"))
    before = store_checksum(store)
    with pytest.raises(FetchError) as exc:
        _fetch(store, "ees")
    assert "nothing written" in str(exc.value) and "cla_rate:" in str(exc.value)
    assert "rate_per_10000" in str(exc.value) and "'lots'" in str(exc.value)
    assert store_checksum(store) == before  # c1 validated, and was not written either


def test_offline_is_one_clear_line(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(FakeApi()) as gone:
        dead = gone.base("fingertips/api")
    monkeypatch.setenv(FINGERTIPS_ENV, dead)  # nothing listens there any more
    monkeypatch.setenv(BACKOFF_ENV, "0.01")
    before = store_checksum(store)
    with pytest.raises(FetchError) as exc:
        _fetch(store, "fingertips")
    text = str(exc.value)
    assert text.startswith("fingertips_injury_0_14: cannot reach 127.0.0.1") and "offline" in text
    assert store_checksum(store) == before


def test_a_request_that_hangs_times_out(api: FakeApi, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "0.3")
    monkeypatch.setenv(ATTEMPTS_ENV, "1")
    api.add(FT_META, Reply(body=b"{}", delay=1.5))
    with pytest.raises(FetchError, match=r"fingertips_injury_0_14: cannot reach .*timed out"):
        _fetch(store, "fingertips")


def test_dry_run_shows_what_would_change_and_writes_nothing(api: FakeApi, store: Store) -> None:
    before = store_checksum(store)
    report = _fetch(store, "fingertips", dry_run=True)
    assert report.outcomes[0].status == "would import"
    assert "would import" in report.outcomes[0].message and " new" in report.outcomes[0].message
    assert store_checksum(store) == before


def test_since_skips_series_not_updated_and_last_means_each_series_last_fetch(api: FakeApi, store: Store) -> None:
    report = _fetch(store, "fingertips", since=parse_since("2025-03-01"))
    assert report.outcomes[0].status == "up to date" and "2025-02-04" in report.outcomes[0].message
    assert api.count(FT_CSV) == 0  # not even downloaded
    assert _fetch(store, "fingertips", since=parse_since("2025-01-01")).outcomes[0].status == "imported"
    # LastUploadedAt (2025-02-04) is before this fetch: 'last' skips it.
    assert _fetch(store, "fingertips", since="last").outcomes[0].status == "up to date"
    assert api.count(FT_CSV) == 1
    with pytest.raises(FetchError, match="not a date"):
        parse_since("yesterday")


def test_an_unchanged_refetch_writes_no_batch(api: FakeApi, store: Store) -> None:
    assert _fetch(store, "fingertips").outcomes[0].status == "imported"
    again = _fetch(store, "fingertips").outcomes[0]
    assert again.status == "unchanged" and "nothing changed" in again.message
    assert store.scalar("SELECT count(*) FROM import_batch WHERE fetch_series IS NOT NULL") == 1


def test_a_withdrawn_area_type_is_named(api: FakeApi, store: Store) -> None:
    api.add(FT_TYPES, Reply(body=b'[{"Id": 15, "Name": "England"}]'))
    with pytest.raises(FetchError, match="fingertips_injury_0_14: Fingertips has no area type 502"):
        _fetch(store, "fingertips")


def test_older_area_types_are_merged_newest_first(api: FakeApi, store: Store, tmp_path: Path) -> None:
    series = tmp_path / "series.csv"
    text = SERIES.read_text(encoding="utf-8").replace(",90284,502,", ',90284,"502;402",', 1)
    series.write_text(text, encoding="utf-8")
    body = (FIXTURES / "fingertips_90284.csv").read_text(encoding="utf-8")
    header, *rows = body.splitlines()
    # The 2021-23 geography: the same rows (one with another value, which must lose) and one more period.
    older_rows = [r.replace(",2020/21,", ",2019/20,") for r in rows if ",2020/21," in r]
    first = next(csv.DictReader([header, rows[0]]))
    changed = dict(first, Value="999")
    out = io.StringIO()
    writer = csv.DictWriter(out, list(first), lineterminator="\n")
    writer.writeheader()
    writer.writerow(changed)
    older = out.getvalue() + "\n".join(older_rows) + "\n"
    api.add(FT_CSV.replace("child_area_type_id=502", "child_area_type_id=402"),
            Reply(body=older.encode(), content_type="text/csv"))
    report = fetch(store, operator_user(), "fingertips", series_file=series)
    assert report.outcomes[0].status == "imported"
    periods = {r[0] for r in store.cursor().execute("SELECT DISTINCT period_label FROM observation").fetchall()}
    assert "2019-20" in periods and "2023-24" in periods  # financial years, as the catalogue labels them
    assert store.scalar("SELECT count(*) FROM observation WHERE value = 999") == 0  # the newer geography's row won
    url = store.scalar("SELECT source_url FROM import_batch WHERE fetch_series IS NOT NULL")
    assert "child_area_type_id=502" in url and "child_area_type_id=402" in url


def test_unknown_series_and_bad_series_file_are_named(api: FakeApi, store: Store, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="no ees series 'nope'"):
        _fetch(store, "ees", series_ids=["nope"])
    bad = tmp_path / "series.csv"
    bad.write_text(SERIES.read_text(encoding="utf-8").replace(",90284,502,", ",90284,,", 1), encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        load_series(bad)
    assert "series.csv, row 2" in str(exc.value) and "area_types" in str(exc.value)
    bad.write_text(SERIES.read_text(encoding="utf-8").replace("data/mappings/dfe_cla_rate.csv", "data/mappings/x.csv"),
                   encoding="utf-8")
    with pytest.raises(ImportFailed, match="mapping data/mappings/x.csv not found"):
        load_series(bad)


def test_the_shipped_series_file_names_catalogue_indicators_and_snapshot_sources() -> None:
    from metrics.framework import load_reference
    from metrics.published import read_manifest

    series = load_series(SERIES_FILE)
    catalogue = {str(i.fingertips_id) for i in load_reference().indicators if i.fingertips_id}
    for s in series:
        for fid in s.fingertips_ids:
            assert str(fid) in catalogue, f"{s.series_id}: {fid} is not a catalogue Fingertips id"
    assert {str(f) for s in series for f in s.fingertips_ids} == catalogue  # every catalogue Fingertips indicator
    sources = {m.source_id: m for m in read_manifest()}
    for s in series:
        if s.snapshot_source:
            assert s.snapshot_source in sources
            assert sources[s.snapshot_source].file == s.file  # the refresh saves the file the snapshot names
            assert (sources[s.snapshot_source].mapping or None) == s.mapping


def test_cli_fetch_and_history(api: FakeApi, store: Store, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from metrics.cli import main

    path = store.path
    store.close()
    assert main(["fetch", "fingertips", "--db", str(path), "--series-file", str(SERIES)]) == 0
    out = capsys.readouterr()
    assert "[1/1] fingertips_injury_0_14" in out.err
    assert "fingertips_injury_0_14: injury_admissions_0_14_county_ua.csv: imported" in out.out
    assert main(["history", "--db", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "source_url" in shown and "fingertips_injury_0_14" in shown
    monkeypatch.setenv(FINGERTIPS_ENV, "http://127.0.0.1:9/")  # the discard port: nothing answers
    monkeypatch.setenv(ATTEMPTS_ENV, "1")
    assert main(["fetch", "fingertips", "--db", str(path), "--series-file", str(SERIES)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("jar fetch: error: fingertips_injury_0_14: cannot reach 127.0.0.1:9")
    assert not any("Traceback" in line for line in err)


def _refresh_tool():
    import importlib.util

    from metrics.framework import REPO_ROOT

    spec = importlib.util.spec_from_file_location("refresh_snapshot", REPO_ROOT / "tools" / "refresh_snapshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_refresh_snapshot_lays_out_the_fetched_files_where_the_snapshot_builder_reads_them(
        api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from metrics.published import read_manifest
    from tests.conftest import shared_path

    shared = shared_path("data")
    out = tmp_path / "refresh"
    tool = _refresh_tool()
    assert tool.main(["--out", str(out), "--shared", str(shared), "--series-file", str(SERIES), "--fetch-only"]) == 0
    told = capsys.readouterr().out
    sources = {m.source_id: m for m in read_manifest()}
    for sid, fixture in [("fingertips_injury_0_14", "fingertips_90284.csv"), ("cla_rate", "ees_cla_rate.csv"),
                         ("c1_referrals", "ees_c1_referrals.csv"), ("ons_population_0_17", "ees_population.csv")]:
        assert f"{sid}: fetched from the API" in told
        assert (out / sources[sid].shared_path).read_bytes() == (FIXTURES / fixture).read_bytes()
    # KS2 is not on the (recorded) API: the developers' copy stands in, and says so.
    assert "ks2_social_care: not fetched; copied from" in told
    assert (out / sources["ks2_social_care"].shared_path).read_bytes() == \
        (shared / sources["ks2_social_care"].shared_path).read_bytes()


def test_refresh_snapshot_names_the_files_to_download_by_hand(
        api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tool = _refresh_tool()
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert tool.main(["--out", str(tmp_path / "refresh"), "--shared", str(empty), "--series-file", str(SERIES),
                      "--fetch-only"]) == 1
    err = capsys.readouterr().err
    assert "files to download by hand" in err and "lait: download bds_long_0.parquet from https://" in err
    assert "cla_rate: download" not in err  # fetched


def test_only_analysts_fetch_and_a_refusal_downloads_nothing(
        api: FakeApi, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from metrics.auth import PermissionDenied, User
    from tests.support.accounts import add_account

    add_account(store, "ian", "inspector")
    with pytest.raises(PermissionDenied):
        fetch(store, User("ian", "inspector"), "fingertips", series_file=SERIES)
    assert api.seen == []
    monkeypatch.setenv(FINGERTIPS_ENV, "file:///etc/")
    with pytest.raises(FetchError, match="not an http"):
        _fetch(store, "fingertips")


def test_a_series_whose_denominators_are_not_on_the_api_is_left_for_a_hand_import(
        api: FakeApi, store: Store) -> None:
    cin = (FIXTURES / "ees_data_sets_cin.json").read_text(encoding="utf-8")
    without_population = cin.replace("Population estimates of children aged 0 to 17", "Something else")
    api.add(f"/ees/v1/publications/{PUB['cin']}/data-sets?page=1&pageSize=40", Reply(body=without_population.encode()))
    by_id = {o.series_id: o for o in _fetch(store, "ees").outcomes}
    assert by_id["ons_population_0_17"].status == "not on the API"
    c1 = by_id["c1_referrals"]
    assert c1.status == "not on the API" and "ons_mid-year_population_estimates_2012_to_2024.csv" in c1.message
    assert by_id["cla_rate"].status == "imported"  # the others still come in
    assert store.scalar("SELECT count(*) FROM observation WHERE indicator_id = 'REREF12'") == 0


def test_a_gzipped_csv_is_imported_as_the_plain_file(api: FakeApi, store: Store) -> None:
    import gzip

    plain = (FIXTURES / "ees_cla_rate.csv").read_bytes()
    api.add(f"/ees/v1/data-sets/{SETS['cla_rate']}/csv",
            Reply(body=gzip.compress(plain), content_type="text/csv", headers={"Content-Encoding": "gzip"}))
    by_id = {o.series_id: o for o in _fetch(store, "ees", series_ids=["cla_rate"]).outcomes}
    assert by_id["cla_rate"].status == "imported"
    digest = store.scalar("SELECT file_hash FROM import_batch WHERE fetch_series = 'cla_rate'")
    assert digest == hashlib.sha256(plain).hexdigest()
