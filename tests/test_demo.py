"""Invariants of the embedded national demo (a real DuckDB file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from metrics.demo import LATEST_YEAR, N_YEARS, build_demo_frame
from metrics.framework import Reference
from metrics.store import Store


def test_every_area_type_is_present(demo_store: Store, reference: Reference) -> None:
    counts = dict(
        demo_store.cursor().execute("SELECT area_type, count(*) FROM area GROUP BY 1").fetchall()
    )
    assert counts == {"england": 1, "region": 9, "la": 153, "cluster": len(reference.clusters)}
    assert demo_store.meta("dataset") == "demo"


def test_at_least_eight_annual_periods(demo_store: Store) -> None:
    years = demo_store.df("SELECT DISTINCT period_year FROM observation ORDER BY 1")["period_year"]
    assert len(years) == N_YEARS >= 8 and years.max() == LATEST_YEAR


def test_england_counts_are_sums_of_la_counts(demo_store: Store) -> None:
    diff = demo_store.df(
        """
        WITH la AS (
            SELECT o.indicator_id, o.period_year, o.client_group_id, o.sex,
                   sum(o.count) AS c, sum(o.denominator) AS d
            FROM observation o JOIN area a USING (area_code)
            WHERE a.area_type = 'la' AND o.value IS NOT NULL
            GROUP BY ALL)
        SELECT la.*, e.count AS ec, e.denominator AS ed
        FROM la JOIN observation e USING (indicator_id, period_year, client_group_id, sex)
        JOIN indicator i USING (indicator_id)
        WHERE e.area_code = 'E92000001' AND i.value_type IN ('proportion', 'crude_rate')
        """
    )
    assert len(diff) > 1000
    np.testing.assert_allclose(diff["ec"], diff["c"])
    np.testing.assert_allclose(diff["ed"], diff["d"])


def test_regions_and_clustered_las_are_sums_of_members(demo_store: Store) -> None:
    for member_type, parent_type in (("la", "region"), ("cluster", "la")):
        bad = demo_store.scalar(
            """
            WITH m AS (
                SELECT o.indicator_id, o.period_year, o.client_group_id, o.sex, a.parent_code,
                       sum(o.count) AS c, sum(o.denominator) AS d
                FROM observation o JOIN area a USING (area_code)
                WHERE a.area_type = ? AND o.value IS NOT NULL GROUP BY ALL)
            SELECT count(*) FROM m JOIN observation p
              ON p.area_code = m.parent_code AND p.indicator_id = m.indicator_id
             AND p.period_year = m.period_year AND p.client_group_id = m.client_group_id
             AND p.sex = m.sex
            JOIN area pa ON pa.area_code = p.area_code AND pa.area_type = ?
            JOIN indicator i ON i.indicator_id = p.indicator_id
            WHERE i.value_type IN ('proportion', 'crude_rate')
              AND (abs(p.count - m.c) > 1e-6 OR abs(p.denominator - m.d) > 1e-6)
            """,
            [member_type, parent_type],
        )
        assert bad == 0, (member_type, parent_type)


def test_counts_within_denominators(demo_store: Store) -> None:
    bad = demo_store.scalar(
        """SELECT count(*) FROM observation JOIN indicator USING (indicator_id)
           WHERE count < 0 OR denominator <= 0
              OR (value_type = 'proportion' AND count > denominator)"""
    )
    assert bad == 0


def test_values_inside_their_intervals(demo_store: Store) -> None:
    # 1e-9 absorbs floating-point rounding where a limit meets the value (e.g. 100%).
    bad = demo_store.scalar(
        """SELECT count(*) FROM observation
           WHERE value IS NOT NULL AND lower95 IS NOT NULL
             AND NOT (lower998 <= lower95 + 1e-9 AND lower95 <= value + 1e-9
                      AND value <= upper95 + 1e-9 AND upper95 <= upper998 + 1e-9)"""
    )
    assert bad == 0


def test_latest_period_complete_unless_marked_missing(demo_store: Store) -> None:
    missing = demo_store.df(
        """
        SELECT i.indicator_id, a.area_code
        FROM indicator i CROSS JOIN area a
        LEFT JOIN observation o ON o.indicator_id = i.indicator_id AND o.area_code = a.area_code
             AND o.period_year = ? AND o.client_group_id = i.headline_group AND o.sex = 'persons'
        WHERE a.area_type = 'la' AND (o.indicator_id IS NULL
              OR (o.value IS NULL AND coalesce(o.note, '') = ''))
        """,
        [LATEST_YEAR],
    )
    assert missing.empty, missing.head()


def test_some_cells_missing_and_some_suppressed(demo_store: Store) -> None:
    n_missing = demo_store.scalar("SELECT count(*) FROM observation WHERE note = 'Data not available'")
    n_suppressed = demo_store.scalar("SELECT count(*) FROM observation WHERE suppressed")
    total = demo_store.scalar("SELECT count(*) FROM observation")
    assert 0 < n_missing < 0.03 * total
    assert 0 < n_suppressed < 0.2 * total


def test_deprivation_moves_indicators_in_their_real_direction(demo_store: Store) -> None:
    corr = demo_store.df(
        """
        SELECT indicator_id, corr(o.value, a.deprivation) AS r
        FROM observation o JOIN area a USING (area_code)
        WHERE a.area_type = 'la' AND o.client_group_id = 'all' AND o.period_year = ? AND o.sex = 'persons'
          AND indicator_id IN ('NI117', 'NI73', 'INF_MORT', 'LAC_RATE')
        GROUP BY indicator_id
        """,
        [LATEST_YEAR],
    ).set_index("indicator_id")["r"]
    assert corr["NI117"] > 0.2  # more NEET where more deprived
    assert corr["NI73"] < -0.2  # lower KS2 attainment where more deprived
    assert corr["LAC_RATE"] > 0.2


def test_looked_after_attainment_far_below_all_children(demo_store: Store) -> None:
    v = dict(
        demo_store.cursor().execute(
            "SELECT client_group_id, value FROM observation WHERE indicator_id = 'NI73' "
            "AND area_code = 'E92000001' AND period_year = ? AND sex = 'persons'",
            [LATEST_YEAR],
        ).fetchall()
    )
    assert v["lac"] < 0.75 * v["all"]


def test_demo_is_deterministic(reference: Reference) -> None:
    a = build_demo_frame(reference, seed=7)
    b = build_demo_frame(reference, seed=7)
    assert a.equals(b)


def test_build_is_atomic_target_appears_complete(tmp_path: Path, demo_db: Path) -> None:
    assert not list(demo_db.parent.glob("*.building-*"))


def test_boys_and_girls_add_up_to_persons_at_every_level(demo_store: Store) -> None:
    # Every split figure sums exactly (counts, denominators), at unit, LA, region
    # and England level, since the higher levels are aggregated per sex.
    frame = demo_store.df(
        """
        SELECT p.area_code, p.count AS pc, p.denominator AS pd,
               m.count + f.count AS sc, m.denominator + f.denominator AS sd
        FROM observation p
        JOIN observation m USING (indicator_id, area_code, period_year, client_group_id, category)
        JOIN observation f USING (indicator_id, area_code, period_year, client_group_id, category)
        JOIN indicator i USING (indicator_id)
        WHERE p.sex = 'persons' AND m.sex = 'male' AND f.sex = 'female'
          AND i.value_type IN ('proportion', 'crude_rate') AND p.count IS NOT NULL
        """
    )
    assert len(frame) > 200_000
    np.testing.assert_allclose(frame["sc"], frame["pc"])
    np.testing.assert_allclose(frame["sd"], frame["pd"])


def test_sex_breakdown_does_not_change_persons_figures(reference: Reference) -> None:
    # The split draws from its own random stream: the persons rows are those a
    # demo without the split would have (checked against the unsplit model).
    from metrics.demo import finish_observations, generate_observations

    units = generate_observations(reference, seed=7)
    frame = build_demo_frame(reference, seed=7)
    persons = frame[frame["sex"] == "persons"]
    unit_codes = set(units["area_code"])
    mine = persons[persons["area_code"].isin(unit_codes)].sort_values(
        ["indicator_id", "area_code", "period_year", "client_group_id"]
    )
    direct = finish_observations(units.drop(columns=["la_code", "value_type"]), reference).sort_values(
        ["indicator_id", "area_code", "period_year", "client_group_id"]
    )
    np.testing.assert_array_equal(mine["count"].to_numpy(), direct["count"].to_numpy())
    np.testing.assert_array_equal(mine["value"].to_numpy(), direct["value"].to_numpy())


def test_pages_read_persons_only(demo_store: Store) -> None:
    # A store with boys' and girls' rows must give the same area results as the
    # persons figures alone: every page query filters on sex.
    from metrics.results import Selection, area_results

    res = area_results(demo_store, Selection(area_code="E06000020", period_year=LATEST_YEAR))
    persons = demo_store.df(
        """SELECT o.indicator_id, o.value FROM observation o JOIN indicator i USING (indicator_id)
           WHERE o.area_code = 'E06000020' AND o.period_year = ? AND o.sex = 'persons'
             AND o.client_group_id = i.headline_group AND o.category = '' AND NOT o.suppressed""",
        [LATEST_YEAR],
    ).set_index("indicator_id")["value"]
    got = res.set_index("indicator_id")["value"].reindex(persons.index)
    np.testing.assert_allclose(got.to_numpy(dtype=float), persons.to_numpy(dtype=float))
