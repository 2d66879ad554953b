"""What changed since the last board: an area's results now against the data as an earlier import left them.

Each import batch is a data version. The store keeps every value an import
replaced (``observation_history``, with the batch that replaced it), so the
observations as they stood after batch ``B`` are the current rows written by
``B`` or earlier plus the replaced rows that were current then. Those rows are
put in a store of their own in memory, with today's reference data, and the
same results engine runs on both; the differences are listed with the old and
the new figures. A batch rolled back since leaves no trace (rollback removes its
rows and their history), so the comparison is with the data as they stand
without it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.derived import refresh_derived
from metrics.display import fmt_value
from metrics.labels import COMPARISON_WORDS, TREND_WORDS
from metrics.results import Selection, area_results
from metrics.store import DERIVED_TABLES, Store

#: The kinds of change, in the order a board reads them, and how each is headed.
KINDS: dict[str, str] = {
    "new_red_red": "Newly worse and getting worse",
    "significance": "Comparison changed",
    "new_period": "New figures",
    "band": "Band moved",
    "resolved_red_red": "No longer worse and getting worse",
    "revised": "Earlier figures revised by the publisher",
}
COLUMNS = ["kind", "indicator_id", "short_title", "period_label", "old", "new", "old_value", "new_value",
           "decimal_places", "unit"]

# Reference tables copied as they are now: the catalogue, areas and lists pages join to.
_COPIED = ("outcome", "aim", "nsf_standard", "client_group", "indicator", "indicator_nsf", "area",
           "area_neighbour", "import_batch", "ofsted_inspection", "ofsted_judgement")
_OBSERVATION_COLUMNS = ("indicator_id", "area_code", "period_year", "period_label", "client_group_id", "sex",
                        "category", "count", "denominator", "value", "lower95", "upper95", "lower998",
                        "upper998", "suppressed", "note", "batch_id")


@dataclass(frozen=True)
class Version:
    batch_id: int
    imported_at: dt.datetime
    source_file: str

    @property
    def label(self) -> str:
        return f"batch {self.batch_id} ({self.source_file}, {self.imported_at:%d %B %Y %H:%M})"


def versions(store: Store) -> list[Version]:
    """The store's data versions a comparison can start from: committed imports, newest first."""
    rows = store.df("SELECT batch_id, imported_at, source_file FROM import_batch"
                    " WHERE status = 'committed' ORDER BY batch_id DESC")
    return [Version(int(r.batch_id), pd.Timestamp(r.imported_at).to_pydatetime(), str(r.source_file))
            for r in rows.itertuples()]


def version_at(store: Store, when: dt.date | dt.datetime) -> Version | None:
    """The data as they stood at ``when``: the last committed import made on or before it."""
    end = when if isinstance(when, dt.datetime) else dt.datetime.combine(when, dt.time.max)
    for v in versions(store):
        if v.imported_at <= end:
            return v
    return None


def _observations_at(store: Store, batch_id: int) -> pd.DataFrame:
    cols = ", ".join(_OBSERVATION_COLUMNS)  # fixed names
    return store.frame(
        f"""SELECT {cols} FROM observation WHERE batch_id <= $b
            UNION ALL
            SELECT {cols} FROM observation_history WHERE batch_id <= $b AND superseded_by > $b""",
        {"b": batch_id},
    )


def store_at(store: Store, batch_id: int) -> Store:
    """An in-memory store holding the observations as they stood after ``batch_id``."""
    old = Store(":memory:")
    cur = old.cursor()
    cur.execute("BEGIN TRANSACTION")
    for table in (*_COPIED, "observation"):  # fixed names, never input
        frame = _observations_at(store, batch_id) if table == "observation" else store.frame(f"SELECT * FROM {table}")
        if frame.empty:
            continue
        cur.register("_rows", frame)
        cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
        cur.unregister("_rows")
    refresh_derived(cur)
    cur.execute("COMMIT")
    assert set(DERIVED_TABLES) <= {r[0] for r in cur.execute("SHOW TABLES").fetchall()}
    return old


def _words(comparison: object) -> str:
    return COMPARISON_WORDS.get(str(comparison), COMPARISON_WORDS["not_compared"]).lower()


def _as_of(words: str, r: pd.Series) -> str:
    return f"{words} ({r['period_label']})" if pd.notna(r["value"]) else f"{words} (no figure)"


def _band(band: object) -> str:
    return f"band {band}"


def _red_red(frame: pd.DataFrame) -> pd.Series:
    return (frame["comparison"] == "worse") & (frame["trend"] == "getting_worse")


def _revised(old: Store, new: Store, sel: Selection) -> pd.DataFrame:
    """Figures of the same period whose value or count the publisher has changed."""
    # The rows the results read: each indicator's headline group for "all children"
    # (looked-after children for placement stability), else the chosen group.
    sql = """SELECT o.indicator_id, o.period_year, o.period_label, o.value, o.count
             FROM ecm_observation o JOIN indicator i USING (indicator_id)
             WHERE o.area_code = $area AND o.sex = 'persons' AND o.category = '' AND NOT o.suppressed
               AND o.client_group_id = CASE WHEN $group = 'all' THEN i.headline_group ELSE $group END"""
    params = {"area": sel.area_code, "group": sel.client_group}
    a, b = old.frame(sql, params), new.frame(sql, params)
    both = a.merge(b, on=["indicator_id", "period_year"], suffixes=("_old", "_new"))
    places = both["indicator_id"].map(dict(new.df("SELECT indicator_id, decimal_places FROM indicator")
                                           .itertuples(index=False, name=None))).fillna(1).astype(int)
    # A revision a reader can see: the figure as printed changed (a value recomputed
    # from counts to more decimal places than the publisher printed is no revision).
    shown_old = [fmt_value(v, p) for v, p in zip(both["value_old"], places, strict=True)]
    shown_new = [fmt_value(v, p) for v, p in zip(both["value_new"], places, strict=True)]
    return both[np.array([x != y for x, y in zip(shown_old, shown_new, strict=True)], dtype=bool)]


def changes_since(store: Store, sel: Selection, batch_id: int) -> pd.DataFrame:
    """What changed for ``sel`` between the data after ``batch_id`` and now, one row per change.

    Columns :data:`COLUMNS`; ``old`` and ``new`` are words or figures as printed,
    ``old_value`` and ``new_value`` the figures. Kinds: :data:`KINDS`.
    """
    old = store_at(store, batch_id)
    try:
        before = area_results(old, sel).set_index("indicator_id")
        now = area_results(store, sel).set_index("indicator_id")
        revised = _revised(old, store, sel)
    finally:
        old.close()
    rows: list[dict[str, object]] = []

    def add(kind: str, iid: str, r: pd.Series, old_text: str, new_text: str, old_value: object,
            new_value: object, period: object = None) -> None:
        rows.append({"kind": kind, "indicator_id": iid, "short_title": r["short_title"],
                     "period_label": period if period is not None else r["period_label"],
                     "old": old_text, "new": new_text, "old_value": old_value, "new_value": new_value,
                     "decimal_places": r["decimal_places"], "unit": r["unit"]})

    def fig(r: pd.Series) -> str:
        return fmt_value(r["value"], int(r["decimal_places"]), bool(r["suppressed"]))

    for iid, r in now.iterrows():
        if iid not in before.index:
            if pd.notna(r["value"]):
                add("new_period", str(iid), r, "no figure", f"{fig(r)} ({r['period_label']})", None, r["value"])
            continue
        b = before.loc[iid]
        if pd.notna(r["value"]) and (pd.isna(b["value"]) or r["period_year"] > b["period_year"]):
            was = f"{fig(b)} ({b['period_label']})" if pd.notna(b["value"]) else "no figure"
            add("new_period", str(iid), r, was, f"{fig(r)} ({r['period_label']})", b["value"], r["value"])
        if _words(b["comparison"]) != _words(r["comparison"]):
            add("significance", str(iid), r, _as_of(_words(b["comparison"]), b), _as_of(_words(r["comparison"]), r),
                b["value"], r["value"])
        if pd.notna(b["band"]) and pd.notna(r["band"]) and b["band"] != r["band"]:
            add("band", str(iid), r, _band(b["band"]), _band(r["band"]), b["value"], r["value"])
    red_now, red_before = _red_red(now), _red_red(before)
    for iid in now.index[red_now.to_numpy()]:
        if iid not in before.index or not red_before.get(iid, False):
            r = now.loc[iid]
            add("new_red_red", str(iid), r, "not both", "worse and getting worse", None, r["value"])
    for iid in before.index[red_before.to_numpy()]:
        if iid not in now.index or not red_now.get(iid, False):
            b = before.loc[iid]
            r = now.loc[iid] if iid in now.index else b
            add("resolved_red_red", str(iid), r, "worse and getting worse",
                f"{_words(r['comparison'])}; {TREND_WORDS.get(str(r['trend']), 'no trend').lower()}",
                b["value"], r["value"])
    for rev in revised.itertuples():
        r = now.loc[rev.indicator_id] if rev.indicator_id in now.index else None
        if r is None:
            continue
        places = int(r["decimal_places"])
        add("revised", str(rev.indicator_id), r, fmt_value(rev.value_old, places), fmt_value(rev.value_new, places),
            rev.value_old, rev.value_new, period=rev.period_label_new)
    out = pd.DataFrame(rows, columns=COLUMNS)
    order = {k: i for i, k in enumerate(KINDS)}
    return out.sort_values(["kind", "short_title", "period_label"], key=lambda s: s.map(order) if s.name == "kind"
                           else s).reset_index(drop=True)


def changes_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The changes as a reader sees them: words for the kind, old and new as printed."""
    return pd.DataFrame({
        "Change": changes["kind"].map(KINDS),
        "Indicator": changes["short_title"],
        "Period": changes["period_label"],
        "Before": changes["old"],
        "Now": changes["new"],
    })
