"""DfE mappings whose denominator is in another file (the ONS population behind a rate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.io.core import ImportFailed, import_source
from metrics.io.dfe import open_dfe
from metrics.store import Store

MAPPING = Path(__file__).resolve().parents[2] / "data" / "mappings" / "dfe_b1_cin.csv"
HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,new_la_code,la_name")
B1 = (f"{HEADER},category,At31_episodes\n"
      "2025,Reporting year,Local authority,E92000001,England,E12000005,West Midlands,894,E06000020,"
      "Telford and Wrekin,Children in Need,1500\n")


def test_a_missing_denominator_file_is_a_fault(tmp_path: Path, reference_store: Store) -> None:
    data = tmp_path / "b1.csv"
    data.write_text(B1, encoding="utf-8")
    before = reference_store.scalar("SELECT count(*) FROM observation")
    with pytest.raises(ImportFailed) as exc:
        import_source(reference_store, open_dfe(data, reference_store, MAPPING))
    assert "denominator file ons_mid-year_population_estimates_2012_to_2024.csv not found" in str(exc.value)
    assert reference_store.scalar("SELECT count(*) FROM observation") == before


@pytest.mark.parametrize(("population_year", "expected"), [("2024", 1500 / 40000 * 10000), ("2025", None)])
def test_the_denominator_is_the_population_of_the_year_before(
    tmp_path: Path, reference_store: Store, population_year: str, expected: float | None
) -> None:
    """A 2025 count (year to 31 March 2025) over ONS's mid-2024 estimate; none for 2025 itself."""
    (tmp_path / "b1.csv").write_text(B1, encoding="utf-8")
    (tmp_path / "ons_mid-year_population_estimates_2012_to_2024.csv").write_text(
        f"{HEADER},age_group,population_estimate\n"
        f"{population_year},Reporting year,Local authority,E92000001,England,E12000005,West Midlands,894,"
        "E06000020,Telford and Wrekin,Children aged 0 to 17 years,40000\n", encoding="utf-8")
    import_source(reference_store, open_dfe(tmp_path / "b1.csv", reference_store, MAPPING))
    got = reference_store.df("SELECT value, denominator, lower95 FROM observation WHERE indicator_id = 'CIN_RATE'")
    assert len(got) == 1
    if expected is None:
        assert got["value"].isna().all() and got["denominator"].isna().all()
    else:
        assert got["value"].iloc[0] == pytest.approx(expected)
        assert got["denominator"].iloc[0] == 40000 and got["lower95"].iloc[0] < expected
