"""Clusters beside their LA: a suppressed cluster cannot be recovered from the LA total."""

from __future__ import annotations

from metrics.derived import SECONDARY_NOTE
from metrics.framework import Reference
from metrics.lookups import years
from metrics.results import Selection
from metrics.store import Store
from metrics.subgroups import cluster_results


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


def test_a_cluster_on_its_own_hides_what_the_clusters_page_hides(demo_store: Store, reference: Reference) -> None:
    # A figure hidden beside its siblings must not be shown on the cluster's own
    # profile (or weak-areas list), or the two pages together give the hidden one away.
    from metrics.results import area_results

    checked = 0
    for la in sorted({c.parent_code for c in reference.clusters}):
        year = years(demo_store)[-1]
        beside = cluster_results(demo_store, la, Selection(la, "parent", year))
        hidden = beside[beside["suppressed"].astype(bool)]
        for code, rows in hidden.groupby("area_code"):
            alone = area_results(demo_store, Selection(str(code), "parent", year)).set_index("indicator_id")
            shown = alone.loc[rows["indicator_id"]]
            assert shown["suppressed"].all(), (code, shown.index[~shown["suppressed"]].tolist())
            assert shown[["count", "value", "lower95", "upper95"]].isna().all().all()
            checked += int((rows["note"] == SECONDARY_NOTE).sum())
    assert checked > 0  # complements, not only primary suppression, were checked
