"""The reference data loads, validates, and meets the catalogue's coverage rules."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from metrics.framework import (
    Indicator,
    Reference,
    ReferenceDataError,
    load_demo_params,
    read_rows,
)


def test_five_outcomes_and_25_aims(reference: Reference) -> None:
    assert [o.outcome_id for o in reference.outcomes] == ["BH", "SS", "EA", "PC", "EW"]
    assert len(reference.aims) == 25
    per_outcome = Counter(a.outcome_id for a in reference.aims)
    assert all(per_outcome[o] == 5 for o in ["BH", "SS", "EA", "PC", "EW"])


def test_eleven_nsf_standards(reference: Reference) -> None:
    assert sorted(s.standard for s in reference.nsf_standards) == list(range(1, 12))


def test_client_groups(reference: Reference) -> None:
    ids = {g.client_group_id for g in reference.client_groups}
    assert {"all", "lac", "cin", "cpp", "disabled", "sen_support", "ehcp", "care_leavers",
            "yot", "early_years", "fsm"} <= ids


def test_catalogue_coverage(reference: Reference) -> None:
    inds = reference.indicators
    assert len(inds) >= 60
    per_outcome = Counter(i.outcome_id for i in inds)
    for outcome in reference.outcomes:
        assert per_outcome[outcome.outcome_id] >= 8, outcome.outcome_id
    standards_linked = {s for i in inds for s in i.nsf_standards}
    assert standards_linked == {s.standard for s in reference.nsf_standards}
    aims_covered = {i.aim_id for i in inds}
    assert len(aims_covered) >= 24, sorted({a.aim_id for a in reference.aims} - aims_covered)


def test_indicator_metadata_is_complete(reference: Reference) -> None:
    for ind in reference.indicators:
        assert ind.definition and ind.short_title and ind.source, ind.indicator_id
        if ind.value_type in ("proportion", "crude_rate"):
            assert ind.ci_method != "none" or "gap" in ind.title.lower() or ind.unit == "percentage points", ind.indicator_id
            assert ind.numerator, ind.indicator_id
        if ind.value_type == "proportion" and ind.ci_method == "wilson":
            assert ind.multiplier == 100, ind.indicator_id
        assert ind.disclosure_threshold >= 1


def test_every_indicator_has_demo_parameters(reference: Reference) -> None:
    params = load_demo_params()
    assert set(params) == {i.indicator_id for i in reference.indicators}
    for ind in reference.indicators:
        ratios = params[ind.indicator_id].client_group_values
        assert set(ratios) <= set(ind.client_groups), ind.indicator_id


def test_geography(reference: Reference) -> None:
    assert len(reference.local_authorities) == 153
    assert len(reference.regions) == 9
    assert reference.england.area_code == "E92000001"
    telford = reference.area_by_code["E06000020"]
    assert telford.name == "Telford and Wrekin" and telford.la_number == "894"
    assert len([c for c in reference.clusters if c.parent_code == "E06000020"]) == 5


def test_bad_row_names_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_text(
        "indicator_id,short_title,title,definition,outcome_id,aim_id,nsf_standards,polarity,"
        "value_type,multiplier,unit,ci_method,source,period_type,client_groups\n"
        "X1,x,x,x,BH,BH1,1,sideways,proportion,100,%,wilson,s,financial,all\n"
    )
    with pytest.raises(ReferenceDataError, match=r"indicators.csv, row 2, column polarity"):
        read_rows(path, Indicator)


def test_cross_reference_errors_are_reported(reference: Reference) -> None:
    broken = reference.indicators[0].model_copy(update={"aim_id": "EW5"})
    bad = Reference(
        reference.outcomes, reference.aims, reference.nsf_standards, reference.client_groups,
        (broken, *reference.indicators[1:]), reference.areas, reference.clusters,
    )
    with pytest.raises(ReferenceDataError, match="is not under outcome"):
        bad.check()


def test_jar_scale_is_read_from_data_and_checked(tmp_path) -> None:
    from metrics.framework import ReferenceDataError, load_jar_scale

    grades, aspects = load_jar_scale()
    assert list(grades) == [1, 2, 3, 4] and grades[1] == "Inadequate" and grades[4] == "Outstanding"
    assert aspects == {"service_management": "Service management", "capacity_to_improve": "Capacity to improve"}
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "jar_grades.csv").write_text("grade,name\n1,Inadequate\n2,Adequate\n3,Good\n")
    (tmp_path / "reference" / "jar_aspects.csv").write_text("aspect_id,name\nservice_management,Service management\n")
    with pytest.raises(ReferenceDataError, match="exactly the grades 1, 2, 3 and 4"):
        load_jar_scale(tmp_path)
