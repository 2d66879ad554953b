"""Lookups over a store: the catalogue, areas, client groups, neighbours, periods and the data-set marker.

Small reads the pages, the pack and the results engine share; the larger ones are
kept per data version (``Store.memo``), since every page asks them again.
The comparison rules themselves live in :mod:`metrics.results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from metrics.store import Store


def outcome_summary(store: Store) -> pd.DataFrame:
    """The five ECM outcomes with how many indicators and aims each has."""
    return store.df(
        """
        SELECT o.outcome_id, o.name, o.description, o.sort_order,
               count(DISTINCT i.indicator_id) AS n_indicators,
               count(DISTINCT a.aim_id) AS n_aims
        FROM outcome o
        LEFT JOIN aim a USING (outcome_id)
        LEFT JOIN indicator i ON i.outcome_id = o.outcome_id AND i.mapped
        GROUP BY ALL
        ORDER BY o.sort_order
        """
    )


def indicators(store: Store, outcome_id: str | None = None) -> pd.DataFrame:
    """The catalogue (optionally one outcome), with NSF standards as a list.

    Read on every rerun of the catalogue page (each keystroke in its search box),
    and thousands of rows once a whole download is imported: kept until the data
    change.
    """
    return store.memo(f"indicators:{outcome_id}", lambda: _read_indicators(store, outcome_id)).copy()


def _read_indicators(store: Store, outcome_id: str | None) -> pd.DataFrame:
    return store.df(
        """
        SELECT i.*, list(n.standard ORDER BY n.standard) FILTER (WHERE n.standard IS NOT NULL)
                   AS nsf_standards
        FROM indicator i LEFT JOIN indicator_nsf n USING (indicator_id)
        WHERE ($outcome IS NULL OR i.outcome_id = $outcome)
        GROUP BY ALL
        ORDER BY i.outcome_id, i.aim_id, i.indicator_id
        """,
        {"outcome": outcome_id},
    )


def areas(store: Store, area_type: str | None = None) -> pd.DataFrame:
    return store.df(
        """
        SELECT area_code, name, area_type, parent_code, la_number, region_code, population_0_17
        FROM area WHERE ($type IS NULL OR area_type = $type)
        ORDER BY CASE area_type WHEN 'england' THEN 0 WHEN 'region' THEN 1
                 WHEN 'la' THEN 2 ELSE 3 END, name
        """,
        {"type": area_type},
    )


def la_codes_by_number(store: Store) -> dict[str, str]:
    """DfE's three-digit LA number -> the LA's area code: how LAIT, DfE's tidy files
    (when ``new_la_code`` is blank) and Ofsted's workbook name an LA. One lookup for
    every reader."""
    las = store.df("SELECT la_number, area_code FROM area WHERE la_number IS NOT NULL AND area_type = 'la'")
    return {str(n).strip(): str(c) for n, c in zip(las["la_number"], las["area_code"], strict=True)
            if str(n).strip()}


def client_groups(store: Store) -> pd.DataFrame:
    """The client groups in the framework's order (all children first)."""
    return store.df("SELECT * FROM client_group ORDER BY sort_order")


DatasetKind = Literal["empty", "synthetic", "published", "mixed"]


@dataclass(frozen=True)
class DatasetStatus:
    """What the store's observations are, read from the batches that wrote them.

    ``published`` means imported from files (not made up); ``mixed`` a store
    holding rows of both kinds, so every reader is told which is which.
    """

    kind: DatasetKind
    synthetic_rows: int
    published_rows: int
    synthetic_batches: tuple[str, ...]

    @property
    def label(self) -> str:
        return {
            "empty": "no observations yet",
            "synthetic": "synthetic demo data",
            "published": "published data",
            "mixed": "published and synthetic data mixed",
        }[self.kind]

    @property
    def any_synthetic(self) -> bool:
        return self.synthetic_rows > 0

    def sentence(self) -> str:
        """One plain sentence for the banner, the pack's cover and exports."""
        if self.kind == "empty":
            return "This store holds no observations yet: import published data (see the Data page)."
        if self.kind == "synthetic":
            return "Synthetic demo data: these figures are generated for demonstration and describe no real area."
        if self.kind == "published":
            return "Published data: every figure comes from an imported file (see the Data page's history)."
        return (
            f"Mixed data: {self.synthetic_rows:,} observations are synthetic (from "
            f"{', '.join(self.synthetic_batches)}) and {self.published_rows:,} are imported published "
            "figures. Roll back the synthetic batch on the Data page to keep only published figures."
        )


def dataset_status(store: Store) -> DatasetStatus:
    """Whether the figures shown are synthetic, published or both (kept per data version)."""
    return store.memo("dataset_status", lambda: _read_dataset_status(store))


def _read_dataset_status(store: Store) -> DatasetStatus:
    rows = store.cursor().execute(
        """
        SELECT b.synthetic, b.batch_id, b.source_file, count(*) AS n
        FROM observation o JOIN import_batch b USING (batch_id)
        GROUP BY ALL ORDER BY b.batch_id
        """
    ).fetchall()
    synthetic = sum(n for syn, _, _, n in rows if syn)
    published = sum(n for syn, _, _, n in rows if not syn)
    batches = tuple(f"batch {bid} ({name})" for syn, bid, name, _ in rows if syn)
    kind: DatasetKind = (
        "empty" if not rows else "mixed" if synthetic and published else "synthetic" if synthetic else "published"
    )
    return DatasetStatus(kind, synthetic, published, batches)


def rows_dataset(store: Store, batch_ids: list[int]) -> str:
    """The dataset label of a set of rows (an export), from the batches that wrote them."""
    flags = {bool(r[0]) for r in store.cursor().execute(
        "SELECT synthetic FROM import_batch WHERE list_contains(?::INTEGER[], batch_id)", [batch_ids]
    ).fetchall()}
    kind: DatasetKind = "empty" if not flags else "mixed" if len(flags) == 2 else (
        "synthetic" if True in flags else "published")
    return DatasetStatus(kind, 0, 0, ()).label


def is_demo(store: Store) -> bool:
    """True when any figure the store shows is synthetic."""
    return dataset_status(store).any_synthetic


def unmapped_indicators(store: Store) -> pd.DataFrame:
    """Indicators an import brought that are not yet mapped to an ECM outcome.

    The catalogue page lists them so a reviewer can see what the store holds
    beyond the ECM framework (and how much of it) before mapping any of them.
    Counting their rows reads the whole store (counted first, then joined: 0.07 s
    at 50x the national demo, where joining first took 0.5 s), so the answer is
    kept until the data change.
    """
    return store.memo("unmapped_indicators", lambda: _read_unmapped(store)).copy()


def _read_unmapped(store: Store) -> pd.DataFrame:
    return store.df(
        """
        SELECT i.indicator_id AS id, i.title, i.source, coalesce(c.rows, 0) AS rows
        FROM indicator i
        LEFT JOIN (SELECT indicator_id, count(*) AS rows FROM observation GROUP BY indicator_id) c
            USING (indicator_id)
        WHERE NOT i.mapped
        ORDER BY i.indicator_id
        """
    )


def nsf_standards(store: Store) -> dict[str, str]:
    """The NSF's standards, number (as text, as the URL holds it) to title, from data/reference."""
    return store.memo("nsf_standards", lambda: {
        str(n): str(t) for n, t in store.cursor().execute(
            "SELECT standard, title FROM nsf_standard ORDER BY standard").fetchall()})


def _names(store: Store) -> dict[str, dict[str, str]]:
    """Outcome, aim and client-group names by code, kept per data version."""
    def read() -> dict[str, dict[str, str]]:
        return {
            "outcome": dict(store.cursor().execute("SELECT outcome_id, name FROM outcome").fetchall()),
            "aim": dict(store.cursor().execute("SELECT aim_id, name FROM aim").fetchall()),
            "group": dict(store.cursor().execute("SELECT client_group_id, name FROM client_group").fetchall()),
        }
    return store.memo("catalogue_names", read)


def catalogue_table(store: Store, cat: pd.DataFrame) -> pd.DataFrame:
    """The catalogue as a reader sees it: names and words, not codes (the CSV keeps the codes)."""
    from metrics.labels import STATUS_WORDS, polarity_text

    names = _names(store)
    return pd.DataFrame({
        "Code": cat["indicator_id"],
        "Indicator": cat["short_title"],
        "Outcome": [names["outcome"].get(o, "not mapped") for o in cat["outcome_id"]],
        "Aim": [names["aim"].get(a, "not mapped") for a in cat["aim_id"]],
        "Polarity": [polarity_text(p) for p in cat["polarity"]],
        "Unit": cat["unit"],
        "Source": cat["source"],
        "Status": [STATUS_WORDS.get(str(s), str(s)).split(":")[0] for s in cat["status"]],
    })


def _text(value: object) -> str | None:
    """A field's text, or None where the catalogue has nothing (None, NaN, an empty string)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def indicator_details(store: Store, row: pd.Series) -> dict[str, str]:
    """One indicator's definition as labelled sentences: every code in words, "–" where there is none."""
    from metrics.labels import (
        CI_METHOD_WORDS,
        PERIOD_TYPE_WORDS,
        STATUS_WORDS,
        VALUE_TYPE_WORDS,
        polarity_text,
    )

    names = _names(store)
    standards = row.get("nsf_standards")
    standards = [] if standards is None or (isinstance(standards, float) and standards != standards) else list(standards)
    groups = row.get("client_groups")
    groups = [] if groups is None or (isinstance(groups, float) and groups != groups) else list(groups)
    fields = {
        "Definition": _text(row.get("definition")),
        "Numerator": _text(row.get("numerator_definition")),
        "Denominator": _text(row.get("denominator_definition")),
        "Polarity": polarity_text(row.get("polarity")),
        "Value type": VALUE_TYPE_WORDS.get(str(row.get("value_type")), _text(row.get("value_type"))),
        "Unit": _text(row.get("unit")),
        "Confidence interval method": CI_METHOD_WORDS.get(str(row.get("ci_method")), _text(row.get("ci_method"))),
        "Source": _text(row.get("source")),
        "Period type": PERIOD_TYPE_WORDS.get(str(row.get("period_type")), _text(row.get("period_type"))),
        "ECM outcome and aim": (f"{names['outcome'].get(str(row.get('outcome_id')), 'not mapped')}: "
                                f"{names['aim'].get(str(row.get('aim_id')), 'not mapped')}"),
        "NSF standards": ", ".join(f"standard {s}" for s in standards),
        "Client groups": ", ".join(names["group"].get(str(g), str(g)) for g in groups),
        "Disclosure threshold": (f"counts under {int(row['disclosure_threshold'])} are suppressed"
                                 if _text(row.get("disclosure_threshold")) else None),
        "National Indicator (2008)": _text(row.get("ni_number")),
        "Status": STATUS_WORDS.get(str(row.get("status")), _text(row.get("status"))),
    }
    return {k: v if v else "–" for k, v in fields.items()}


#: What a selection without a fixed period shows, in words.
LATEST_AVAILABLE = "latest available"


#: A period is an indicator's latest once it has values for at least this share of the
#: LAs of its best-covered period: a partial import (24 rows of a new year) moves nobody.
LATEST_COVERAGE = 0.5


def latest_periods(store: Store) -> dict[tuple[str, str], int]:
    """(indicator, client group) -> its latest period, by :data:`LATEST_COVERAGE` of LAs.

    An indicator with no LA figures (England or regions only) takes its latest period
    with any figure. Kept per data version: every page with "latest available" asks.
    """
    return store.memo("latest_periods", lambda: _read_latest_periods(store))


def _read_latest_periods(store: Store) -> dict[tuple[str, str], int]:
    frame = store.df(
        """
        WITH c AS (
            SELECT o.indicator_id, o.client_group_id, o.period_year,
                   count(o.value) FILTER (WHERE a.area_type = 'la') AS n_las
            FROM ecm_observation o JOIN area a USING (area_code)
            GROUP BY ALL
        ), m AS (
            SELECT indicator_id, client_group_id, max(n_las) AS best FROM c GROUP BY ALL
        )
        SELECT c.indicator_id, c.client_group_id, max(c.period_year) AS period_year
        FROM c JOIN m USING (indicator_id, client_group_id)
        WHERE c.n_las >= ? * m.best
        GROUP BY ALL
        """,
        [LATEST_COVERAGE],
    )
    return {(str(i), str(g)): int(y) for i, g, y in frame.itertuples(index=False, name=None)}


def latest_year(store: Store) -> int:
    """The one period a page that needs a single year opens on: the latest period that is
    the latest of at least half of the headline indicators, so a new period becomes the
    default only once most indicators have it (and a partial import never does).
    Kept per data version: every "latest available" selection asks for it."""
    return store.memo("latest_year", lambda: _read_latest_year(store))


def _read_latest_year(store: Store) -> int:
    latest = latest_periods(store)
    headline = dict(store.df("SELECT indicator_id, headline_group FROM indicator").itertuples(index=False, name=None))
    ends = sorted((y for (i, g), y in latest.items() if headline.get(i) == g), reverse=True)
    if not ends:
        return int(store.scalar("SELECT max(period_year) FROM ecm_observation"))
    # the latest year Y such that at least half of the indicators have reached Y
    return int(ends[(len(ends) - 1) // 2])


def years(store: Store) -> list[int]:
    return [int(y) for y in store.df("SELECT DISTINCT period_year FROM ecm_observation ORDER BY 1")["period_year"]]


def area_info(store: Store, area_code: str) -> dict[str, object] | None:
    frame = store.df(
        """
        SELECT a.*, p.name AS parent_name, p.area_type AS parent_type, r.name AS region_name
        FROM area a LEFT JOIN area p ON p.area_code = a.parent_code
        LEFT JOIN area r ON r.area_code = a.region_code
        WHERE a.area_code = ?
        """,
        [area_code],
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def catalogue_frame(store: Store) -> pd.DataFrame:
    """The mapped catalogue with outcome, aim and NSF standards (a copy: callers may change it)."""
    return catalogue_memo(store).copy()


def catalogue_memo(store: Store) -> pd.DataFrame:
    """:func:`catalogue_frame` itself, kept per data version: for readers that never change it."""
    return store.memo("catalogue_frame", lambda: _read_catalogue(store))


def _read_catalogue(store: Store) -> pd.DataFrame:
    return store.df(
        """
        SELECT i.indicator_id, i.short_title, i.title, i.outcome_id, o.name AS outcome_name,
               i.aim_id, a.name AS aim_name, i.polarity, i.value_type, i.multiplier, i.unit,
               i.decimal_places, i.ci_method, i.client_groups, i.headline_group, i.status,
               coalesce(i.confidence_level, 95) AS confidence_level, i.period_type,
               o.sort_order AS outcome_order, a.sort_order AS aim_order,
               list(n.standard ORDER BY n.standard) FILTER (WHERE n.standard IS NOT NULL)
                   AS nsf_standards
        FROM indicator i JOIN outcome o USING (outcome_id) JOIN aim a USING (aim_id)
        LEFT JOIN indicator_nsf n USING (indicator_id)
        WHERE i.mapped
        GROUP BY ALL
        ORDER BY outcome_order, aim_order, i.indicator_id
        """
    )


def search_catalogue(catalogue: pd.DataFrame, query: str) -> pd.DataFrame:
    """Indicators whose code, title or definition contains ``query`` (case-insensitive).

    Plain substring, not a regular expression: users type things like "A&E" or
    "(0-4)" and expect them to match literally.
    """
    q = query.strip().lower()
    if not q:
        return catalogue
    hay = (
        catalogue["indicator_id"].fillna("") + " " + catalogue["title"].fillna("") + " "
        + catalogue["definition"].fillna("")
    ).str.lower()
    return catalogue[hay.str.contains(q, regex=False)]


def fetch_records(store: Store, sql: str, params: dict[str, object]) -> list[dict[str, object]]:
    """Rows as dicts straight from DuckDB: for a handful of rows, building a DataFrame
    costs more than the query. Only for values used as plain Python values."""
    cur = store.cursor().execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def area_infos(store: Store, codes: list[str]) -> dict[str, dict[str, object]]:
    """:func:`area_info` of several areas (the fields benchmarks read), from a table kept
    per data version. Every page asks this of one to a dozen areas, and a query each time
    would cost more than the page's own statistics. Callers must not change the dicts."""
    table = store.memo("area_infos", lambda: _read_area_infos(store))
    return {c: table[c] for c in codes if c in table}


def _read_area_infos(store: Store) -> dict[str, dict[str, object]]:
    rows = fetch_records(
        store,
        """
        SELECT a.area_code, a.name, a.area_type, a.parent_code, a.region_code,
               p.name AS parent_name, r.name AS region_name
        FROM area a LEFT JOIN area p ON p.area_code = a.parent_code
        LEFT JOIN area r ON r.area_code = a.region_code
        """,
        {},
    )
    return {str(r["area_code"]): r for r in rows}


def client_group_names(store: Store) -> list[tuple[str, str]]:
    """(id, name) of every client group but all children, in the table's order; kept per data version."""
    return store.memo("client_group_names", lambda: [
        (str(g), str(n)) for g, n in store.cursor().execute(
            "SELECT client_group_id, name FROM client_group WHERE client_group_id <> 'all'").fetchall()
    ])


def neighbour_codes(store: Store, la_code: str) -> list[str]:
    """The LA's statistical neighbours in rank order, from a table kept per data version: its DfE
    list when imported, else the model's (DfE's lists are merged per LA, so an LA its file did not
    list keeps the model's)."""
    return list(store.memo("neighbour_codes", lambda: _read_neighbour_codes(store)).get(la_code, ()))


def _read_neighbour_codes(store: Store) -> dict[str, tuple[str, ...]]:
    rows = store.cursor().execute(
        """
        SELECT area_code, list(neighbour_code ORDER BY rank) FROM area_neighbour n
        WHERE source = (
            SELECT CASE WHEN bool_or(source = 'dfe') THEN 'dfe'
                        WHEN bool_or(source = 'model') THEN 'model' END
            FROM area_neighbour m WHERE m.area_code = n.area_code)
        GROUP BY area_code
        """
    ).fetchall()
    return {str(a): tuple(str(c) for c in codes) for a, codes in rows}
