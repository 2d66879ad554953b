"""DfE's published statistical-neighbour workbook (May 2025), imported whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from metrics.lookups import neighbour_codes
from metrics.neighbours import import_dfe_neighbours
from metrics.store import Store
from tests.conftest import shared_path
from tests.support.reference_reads import neighbours


def test_real_may_2025_workbook_imports_and_skips_only_the_old_section(demo_db: Path, tmp_path: Path) -> None:
    path = shared_path("data", "lait", "sn_may_2025.xlsx")
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    with Store(copy) as store:
        model = neighbour_codes(store, "E06000020")
        frame = import_dfe_neighbours(store, path, "tester")
        # The pages' neighbour lookup (kept per data version) follows the import at once.
        assert neighbour_codes(store, "E06000020") != model
        assert neighbour_codes(store, "E06000020") == neighbours(store, "E06000020")
        assert frame["area_code"].nunique() == 153
        assert (frame.groupby("area_code").size() == 10).all()
        skipped = frame.attrs["skipped"]
        assert [s.split(": ", 1)[1].split()[0] for s in skipped] == ["835", "836", "837", "928", "909"]
        # Telford and Wrekin (894): read its first neighbour independently from the workbook.
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        row = next(r for r in ws.iter_rows(values_only=True) if r[0] == 894)
        header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "LA num")
        sn1 = row[header.index("SN1")]
        expected = store.scalar("SELECT area_code FROM area WHERE la_number = ?", [str(sn1)])
        got = store.scalar(
            "SELECT neighbour_code FROM area_neighbour WHERE area_code = 'E06000020' AND source = 'dfe'"
            " AND rank = 1")
        assert got == expected
        note = store.scalar("SELECT note FROM import_batch WHERE format = 'neighbours'")
        assert frame.attrs["batch_id"] == store.scalar("SELECT batch_id FROM import_batch WHERE format = 'neighbours'")
        assert "skipped 5 abolished LAs" in note
