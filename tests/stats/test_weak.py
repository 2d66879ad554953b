"""The weak-area flags: the one rule the weak-areas list and the scorecard both read."""

from __future__ import annotations

import pytest

from metrics.stats import weak_flags


@pytest.mark.parametrize(
    ("comparison", "band", "trend", "expected"),
    [
        # (worse, band D, getting worse, red-red)
        ("worse", "D", "getting_worse", (True, True, True, True)),
        ("worse", "B", "getting_better", (True, False, False, False)),
        ("similar", "D", "getting_worse", (False, True, True, False)),
        ("worse_99_8", "C", "getting_worse", (True, False, True, True)),  # a two-level label counts as worse
        ("lower", "D", "decreasing", (False, True, False, False)),  # no judgement is never "worse"
        ("better", "A", "getting_better", (False, False, False, False)),
        (None, None, None, (False, False, False, False)),  # missing labels raise no flag
    ],
)
def test_single_indicator_rules(comparison: str | None, band: str | None, trend: str | None,
                                expected: tuple[bool, ...]) -> None:
    flags = weak_flags([comparison], [band], [trend])
    assert tuple(bool(f[0]) for f in flags) == expected


def test_flags_are_aligned_arrays_and_empty_input_gives_empty_arrays() -> None:
    flags = weak_flags(["worse", "similar", "worse"], ["D", "D", None], ["no_significant_change"] * 3)
    assert flags.worse.tolist() == [True, False, True] and flags.band_d.tolist() == [True, True, False]
    assert not flags.red_red.any()
    empty = weak_flags([], [], [])
    assert all(len(f) == 0 for f in empty)
