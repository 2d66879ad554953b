"""metrics.subgroups: which LA a clusters view is about, and which LAs have clusters."""

from __future__ import annotations

from metrics.store import Store
from metrics.subgroups import cluster_la, clusters_of, las_with_clusters


def test_a_cluster_is_seen_through_its_la_and_an_la_is_itself(demo_store: Store) -> None:
    parents = demo_store.df("SELECT area_code, parent_code FROM area WHERE area_type = 'cluster' ORDER BY 1")
    assert len(parents)
    for r in parents.itertuples():
        assert cluster_la(demo_store, r.area_code) == r.parent_code
    assert cluster_la(demo_store, "E06000020") == "E06000020"
    assert cluster_la(demo_store, "E92000001") == "E92000001"


def test_las_with_clusters_are_exactly_the_parents_of_clusters(demo_store: Store) -> None:
    las = las_with_clusters(demo_store)
    expected = sorted(demo_store.df("SELECT DISTINCT parent_code FROM area WHERE area_type = 'cluster'")["parent_code"])
    assert las == expected and "E06000020" in las  # Telford and Wrekin's five
    assert len(clusters_of(demo_store, "E06000020")) == 5
    assert all(len(clusters_of(demo_store, la)) > 0 for la in las)
