"""The published snapshot, ``jar build-published``, ``jar init`` and the data-set marker.

The snapshot tests need only the repository. The source-agreement tests read the
publishers' files in ../shared with the ``csv`` module, independently of the
importers, and skip without them.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from metrics.cli import main
from metrics.framework import REPO_ROOT, load_reference
from metrics.io.core import import_source, rollback_batch
from metrics.io.export import export_observations
from metrics.io.files import file_hash
from metrics.io.formats import open_source
from metrics.lookups import dataset_status
from metrics.published import (
    SNAPSHOT_DIR,
    SnapshotError,
    build_published,
    read_manifest,
)
from metrics.store import Store
from tests.conftest import shared_path

MANIFEST = read_manifest()
PAGES = sorted((REPO_ROOT / "dashboard" / "pages").glob("*.py"))


# --- the snapshot as shipped -------------------------------------------------------------------


@pytest.mark.parametrize("source", MANIFEST, ids=lambda s: s.source_id)
def test_manifest_names_publisher_licence_and_hashes(source) -> None:
    assert source.publisher and source.title and source.released
    assert source.url.startswith("https://")
    assert source.licence == "Open Government Licence v3.0"
    assert source.sha256 and len(source.sha256) == 64
    extract = SNAPSHOT_DIR / source.extract
    assert file_hash(extract) == source.extract_sha256


def test_snapshot_is_compact_and_attributed() -> None:
    total = sum(p.stat().st_size for p in (SNAPSHOT_DIR / "extracts").glob("*.parquet"))
    assert total < 5_000_000
    readme = (SNAPSHOT_DIR / "README.md").read_text(encoding="utf-8")
    assert "Open Government Licence" in readme and "Crown copyright" in readme


@pytest.mark.parametrize("source", MANIFEST, ids=lambda s: s.source_id)
def test_manifest_hash_is_the_publishers_file(source) -> None:
    original = shared_path("data", *source.shared_path.split("/"))
    assert file_hash(original) == source.sha256


# --- the store built from it -----------------------------------------------------------------


@pytest.fixture(scope="module")
def published(published_db: Path):
    with Store(published_db, read_only=True) as store:
        yield store


def test_every_source_is_one_recorded_batch(published: Store) -> None:
    batches = published.df("SELECT source_file, format, imported_by, synthetic FROM import_batch")
    importable = [s for s in MANIFEST if s.format not in ("lait_dictionary", "denominators", "healthdata_indicators")]
    # The 2025 neighbour CSV holds the workbook's lists, so it changes nothing and records no
    # batch (test_the_2025_neighbour_csv_is_shipped_and_agrees_with_the_workbook).
    recorded = [s for s in importable if s.source_id != "neighbours_2025_csv"]
    assert sorted(batches["source_file"]) == sorted(s.file for s in recorded)
    assert not batches["synthetic"].any()
    assert set(batches["imported_by"]) == {"jar build-published"}


def test_published_store_covers_every_la(published: Store) -> None:
    ref = load_reference()
    las = {a.area_code for a in ref.local_authorities}
    have = set(published.df("SELECT DISTINCT area_code FROM observation")["area_code"])
    assert las <= have
    status = dataset_status(published)
    assert status.kind == "published" and status.synthetic_rows == 0


def _dfe_rows(name: str, **match: str) -> list[dict[str, str]]:
    path = shared_path("data", "dfe_ees", name)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if all(r[k] == v for k, v in match.items())]


@pytest.mark.parametrize("la", ["E06000020", "E06000009", "E08000025", "E09000033"])
def test_cla_rate_matches_the_publishers_file(published: Store, la: str) -> None:
    """Children looked after per 10,000: DfE's count and population, and its whole-number rate."""
    rows = _dfe_rows("cla_number_and_rate_per_10k_children.csv", new_la_code=la, time_period="2024",
                     geographic_level="Local authority",
                     population_type="Children looked after on 31 March each year")
    assert len(rows) == 1, "one 2024 row for this LA in the publisher's file"
    got = published.df(
        "SELECT value, count, denominator FROM observation WHERE indicator_id = 'LAC_RATE' AND area_code = ?"
        " AND period_year = 2024 AND sex = 'persons' AND client_group_id = 'all'",
        [la],
    )
    assert len(got) == 1
    assert got["count"].iloc[0] == float(rows[0]["children_count"])
    assert got["denominator"].iloc[0] == float(rows[0]["population_estimate"])
    assert round(got["value"].iloc[0]) == int(rows[0]["rate_per_10000"])


@pytest.mark.parametrize("la", ["E06000020", "E06000009", "E08000025"])
def test_injury_admissions_match_fingertips(published: Store, la: str) -> None:
    path = shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["Area Code"] == la and r["Sex"] == "Persons" and r["Time period"] == "2023/24"]
    assert len(rows) == 1
    got = published.df(
        "SELECT value, count, denominator FROM observation o JOIN indicator i USING (indicator_id)"
        " WHERE i.fingertips_id = '90284' AND area_code = ? AND period_year = 2024 AND sex = 'persons'"
        " AND client_group_id = 'all'",
        [la],
    )
    assert len(got) == 1
    assert got["value"].iloc[0] == pytest.approx(float(rows[0]["Value"]))


def test_neighbours_are_dfe_2025(published: Store) -> None:
    """Telford and Wrekin's ten DfE neighbours, as the May 2025 workbook lists them."""
    book = openpyxl.load_workbook(shared_path("data", "lait", "sn_may_2025.xlsx"), read_only=True)
    sheet = book.worksheets[0]
    rows = [[str(c).strip() if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if "SN1" in r)
    header = rows[header_at]
    telford = next(r for r in rows[header_at + 1:] if r[0].removesuffix(".0") == "894")
    numbers = [telford[header.index(f"SN{k}")].removesuffix(".0") for k in range(1, 11)]
    by_number = {a.la_number: a.area_code for a in load_reference().local_authorities}
    got = published.df("SELECT neighbour_code FROM area_neighbour WHERE area_code = 'E06000020' ORDER BY rank")
    assert got["neighbour_code"].tolist() == [by_number[n] for n in numbers]


def test_altered_extract_is_refused_and_target_kept(tmp_path: Path) -> None:
    snap = tmp_path / "published"
    shutil.copytree(SNAPSHOT_DIR, snap)
    victim = snap / MANIFEST[-1].extract
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    target = tmp_path / "store.duckdb"
    target.write_bytes(b"previous")
    with pytest.raises(SnapshotError, match="SHA-256"):
        build_published(target, snap, force=True)
    assert target.read_bytes() == b"previous"


def test_cli_build_published_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.duckdb"
    target.write_bytes(b"keep me")
    assert main(["build-published", "--db", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.read_bytes() == b"keep me"


# --- jar init and the empty store --------------------------------------------------------------


def test_init_holds_reference_data_and_no_observations(tmp_path: Path) -> None:
    target = tmp_path / "new.duckdb"
    assert main(["init", "--db", str(target)]) == 0
    ref = load_reference()
    with Store(target, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM observation") == 0
        assert store.scalar("SELECT count(*) FROM indicator") == len(ref.indicators)
        assert store.scalar("SELECT count(*) FROM area WHERE area_type = 'la'") == len(ref.local_authorities)
        assert dataset_status(store).kind == "empty"
    assert main(["init", "--db", str(target)]) == 1  # never replaces a store silently


def test_fingertips_file_imports_into_an_initialised_store(tmp_path: Path) -> None:
    """The first-hour failure: a new store knew no catalogue, so every Fingertips row was refused."""
    data = shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv")
    target = tmp_path / "new.duckdb"
    main(["init", "--db", str(target)])
    with Store(target) as store:
        result = import_source(store, open_source(store, data), unknown_areas="skip")
        assert result.new > 0 and result.batch_id is not None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_pages_on_an_empty_store_say_what_to_import(page: Path, empty_db: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECM_DB", str(empty_db))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.switch_page(str(page.relative_to(REPO_ROOT)))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(str(e.value) for e in at.info)
    if "selection_bar" in page.read_text(encoding="utf-8"):
        assert "holds no figures yet" in text and "jar build-published" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_pages_run_on_the_published_store(page: Path, published_db: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECM_DB", str(published_db))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.switch_page(str(page.relative_to(REPO_ROOT)))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("synthetic" in str(w.value).lower() for w in at.warning)


# --- the data-set marker: synthetic exactly when the rows are --------------------------------


def test_marker_truth_table(tmp_path: Path) -> None:
    """demo: synthetic; + a real import: mixed; that rolled back: synthetic; the demo too: empty;
    a real import into what is left: published (the marker follows the rows, not the store's history)."""
    from metrics.demo import build_demo

    data = shared_path("data", "fingertips", "injury_admissions_0_14_county_ua.csv")
    target = tmp_path / "demo.duckdb"
    build_demo(target)
    with Store(target) as store:
        assert dataset_status(store).kind == "synthetic"
        result = import_source(store, open_source(store, data), unknown_areas="skip")
        status = dataset_status(store)
        assert status.kind == "mixed"
        assert status.synthetic_rows > 0 and status.published_rows == result.new + result.replaced
        assert "batch 1" in status.sentence()
        out = tmp_path / "real.xlsx"
        export_observations(store, out, "xlsx", indicator_ids=[
            store.scalar("SELECT indicator_id FROM indicator WHERE fingertips_id = '90284'")],
            area_codes=["E06000020"], years=[2024])
        meta = {r[0]: r[1] for r in openpyxl.load_workbook(out).worksheets[-1].iter_rows(values_only=True)}
        meta.update({r[0]: r[1] for ws in openpyxl.load_workbook(out).worksheets
                     for r in ws.iter_rows(values_only=True) if r and r[0] == "dataset"})
        assert meta.get("dataset") == "published data"
        rollback_batch(store, result.batch_id)
        assert dataset_status(store).kind == "synthetic"
        rollback_batch(store, 1)
        assert dataset_status(store).kind == "empty"
        import_source(store, open_source(store, data), unknown_areas="skip")
        assert dataset_status(store).kind == "published"


def test_derived_tables_are_in_step(published_db: Path, tmp_path: Path) -> None:
    """The build derives once at the end: the result equals a fresh derivation."""
    from metrics.derived import refresh_derived

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(published_db, copy)
    tables = ("ecm_observation", "ecm_national", "ecm_position")
    with Store(copy) as store:
        before = {t: store.df(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
        assert all(len(f) for f in before.values())
        with store.transaction() as tx:
            refresh_derived(tx)
        for t in tables:
            assert store.df(f"SELECT * FROM {t} ORDER BY ALL").equals(before[t]), t


def test_shipped_boundaries_cover_every_la(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh clone draws the map: the shipped ONS file has every current LA, in under 2 MB."""
    from metrics.geo import BOUNDARIES_ENV, DEFAULT_BOUNDARIES, load_boundaries

    monkeypatch.delenv(BOUNDARIES_ENV, raising=False)
    bounds = load_boundaries()
    assert bounds is not None and Path(bounds.path) == DEFAULT_BOUNDARIES
    assert DEFAULT_BOUNDARIES.stat().st_size <= 2_000_000
    las = {a.area_code for a in load_reference().local_authorities}
    assert bounds.codes == las
    assert all(len(bounds.outlines[c].x) > 10 for c in las)
    readme = (DEFAULT_BOUNDARIES.parent / "README.md").read_text(encoding="utf-8")
    assert "Open Government Licence" in readme and "Office for National Statistics" in readme


def test_the_2025_neighbour_csv_is_shipped_and_agrees_with_the_workbook(published: Store) -> None:
    """DfE publishes the May 2025 lists as a workbook and as a wide CSV; both are in the
    snapshot. The CSV, imported second, finds every list already stored: no batch of its
    own. Read independently: each LA's ten neighbours in the CSV are the stored ones."""
    with shared_path("data", "dfe_ees", "sn_model_2025_wide.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_number = {a.la_number: a.area_code for a in load_reference().local_authorities}
    stored = published.df("SELECT area_code, neighbour_code FROM area_neighbour ORDER BY area_code, rank")
    lists = stored.groupby("area_code")["neighbour_code"].apply(list).to_dict()
    checked = 0
    for row in rows:
        code = by_number.get(row["old_la_code"])
        if code is None:
            continue
        assert lists[code] == [by_number[row[f"SN_{k}"]] for k in range(1, 11)], row["la_name"]
        checked += 1
    assert checked >= 150
    files = set(published.df("SELECT source_file FROM import_batch")["source_file"])
    assert "sn_may_2025.xlsx" in files and "sn_model_2025_wide.csv" not in files
