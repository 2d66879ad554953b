"""Clusters beside their LA: a suppressed cluster cannot be recovered from the LA total."""

from __future__ import annotations

from metrics.framework import Reference
from metrics.results import Selection, years
from metrics.store import Store
from metrics.subgroups import SECONDARY_NOTE, cluster_results


def test_no_cluster_set_has_exactly_one_hidden_cell(demo_store: Store, reference: Reference) -> None:
    secondary = 0
    las_with_clusters = sorted({c.parent_code for c in reference.clusters})
    assert las_with_clusters  # read from data/reference/clusters.csv
    for la in las_with_clusters:
        for year in years(demo_store)[-3:]:
            frame = cluster_results(demo_store, la, Selection(la, "parent", year))
            hidden = frame["suppressed"].astype(bool)
            missing = frame["count"].isna() & ~hidden
            per = frame.assign(h=hidden, m=missing).groupby("indicator_id")[["h", "m"]].sum()
            exposed = per[(per["h"] == 1) & (per["m"] == 0)]
            assert exposed.empty, (la, year, exposed)
            # hidden cells show no figures at all
            assert frame.loc[hidden, ["count", "value", "lower95", "upper95"]].isna().all().all()
            secondary += int((frame["note"] == SECONDARY_NOTE).sum())
    assert secondary > 0  # the demo has small counts that needed a partner hidden
