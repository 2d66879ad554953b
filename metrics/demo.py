"""The embedded national demo: a deterministic, believable, clearly synthetic dataset.

Every English LA, its region, England and the demo clusters get every catalogue
indicator for ten annual periods, with client-group breakdowns where the indicator
is published for them. The model, per indicator (parameters in
``data/demo/indicator_params.csv``):

* each LA (and each cluster, as a unit inside its LA) has a true value
  ``england_value * exp(deprivation_effect * z + la_effect) * trend`` where ``z`` is
  the LA's standardised IMD score, so deprivation moves each indicator in its real
  direction, and ``la_effect`` is a fixed LA character (spread ``la_spread``);
* counts are drawn from the real sampling distribution (binomial for proportions,
  Poisson for rates) on denominators scaled from the LA's real child population,
  so small LAs get small, noisy counts as in life;
* client groups take their value as a ratio of all children (real-world gaps,
  e.g. looked-after children's attainment far below all children);
* LAs with clusters are the sums of their clusters, and regions and England are
  sums of their LAs' counts and denominators with values and CIs recomputed,
  never independent random numbers and never averages of rates;
* about 1.5% of cells are missing, as real returns are;
* every count-based figure is also published for boys and girls (``sex`` = male
  and female beside persons), as DfE and Fingertips publish most of these
  measures: each unit's persons count and denominator are split between the
  sexes (so male + female = persons exactly), with a per-indicator sex gap, and
  then aggregated to LAs, regions and England like the persons rows. The split
  is drawn from its own random stream after the persons rows, so adding it did
  not change a single persons figure. It also makes the store the size a real
  national one is (about 790,000 rows), which the scale benchmarks build on.

The store records ``dataset = demo`` so the dashboard can label it as synthetic.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.derived import refresh_derived
from metrics.framework import DATA_DIR, Reference, load_demo_params, load_reference
from metrics.neighbours import compute_neighbours
from metrics.periods import period_label
from metrics.stats import mean_ci_from_summary, proportion_ci, rate_ci, suppress
from metrics.store import OBSERVATION_KEY, VALUE_COLUMNS, Store, load_reference_tables, new_batch

DEFAULT_SEED = 20_050_901  # JAR programme start, September 2005
LATEST_YEAR = 2025
N_YEARS = 10
MISSING_SHARE = 0.015
MEAN_CV = 0.35  # within-group coefficient of variation for mean indicators
MALE_SHARE = 0.512  # boys' share of the child population (ONS mid-year estimates, 0-17)
SEX_GAP_SD = 0.08  # spread of the per-indicator log ratio of boys' to girls' rates
SEX_SEED_OFFSET = 1  # the sex split's random stream: seed + this, apart from the persons draws

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class DemoSummary:
    path: str
    observations: int
    areas: int
    indicators: int
    years: tuple[int, int]
    seconds: float


def _prevalence(data_dir: Path) -> dict[str, float]:
    with (data_dir / "demo" / "client_group_prevalence.csv").open(encoding="utf-8") as fh:
        return {r["client_group_id"]: float(r["share_of_denominator"]) for r in csv.DictReader(fh)}


def _units(ref: Reference) -> pd.DataFrame:
    """LAs without clusters plus clusters: the units whose counts are drawn."""
    las = ref.local_authorities
    imd = np.array([a.imd_score if a.imd_score is not None else np.nan for a in las], dtype=float)
    imd = np.where(np.isnan(imd), np.nanmean(imd), imd)
    z = (imd - imd.mean()) / imd.std()
    z_by_code = {a.area_code: float(zi) for a, zi in zip(las, z, strict=True)}
    clustered = {c.parent_code for c in ref.clusters}
    rows = []
    for a in las:
        if a.area_code in clustered:
            continue
        rows.append((a.area_code, a.area_code, float(a.population_0_17 or 0), z_by_code[a.area_code]))
    for c in ref.clusters:
        parent = ref.area_by_code[c.parent_code]
        rows.append(
            (
                c.cluster_code,
                c.parent_code,
                float(parent.population_0_17 or 0) * c.population_share,
                z_by_code[c.parent_code] + c.deprivation_offset,
            )
        )
    return pd.DataFrame(rows, columns=["area_code", "la_code", "population", "z"])


def generate_observations(
    ref: Reference, data_dir: Path = DATA_DIR, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Draw the unit-level observations (LAs without clusters, and clusters)."""
    rng = np.random.default_rng(seed)
    params = load_demo_params(data_dir)
    prevalence = _prevalence(data_dir)
    units = _units(ref)
    years = np.arange(LATEST_YEAR - N_YEARS + 1, LATEST_YEAR + 1)
    la_codes = sorted(units["la_code"].unique())
    la_index = {c: i for i, c in enumerate(la_codes)}
    unit_la = units["la_code"].map(la_index).to_numpy()
    mean_pop = float(units.groupby("la_code")["population"].sum().mean())

    frames = []
    for ind in ref.indicators:
        p = params.get(ind.indicator_id)
        if p is None:
            raise ValueError(f"data/demo/indicator_params.csv: no row for {ind.indicator_id}")
        mult = ind.multiplier
        # An LA's character for this indicator, shared by its clusters, and its own drift.
        la_effect = rng.normal(0.0, p.la_spread, len(la_codes))[unit_la]
        la_drift = rng.normal(0.0, 0.012, len(la_codes))[unit_la]
        for group in ind.client_groups:
            if group == ind.headline_group:
                ratio, share = 1.0, 1.0
            else:
                ratio = p.client_group_values.get(group, 1.0)
                share = prevalence.get(group, 0.05) if ind.headline_group == "all" else 1.0
            group_effect = rng.normal(0.0, p.la_spread / 2, len(units)) if share < 1 else 0.0
            for year in years:
                t = year - LATEST_YEAR
                n = len(units)
                true = (
                    p.england_value
                    * ratio
                    * np.exp(p.deprivation_effect * units["z"].to_numpy() + la_effect + group_effect)
                    * (1 + p.annual_change) ** t
                    * (1 + la_drift) ** t
                    * np.exp(rng.normal(0.0, p.la_spread * 0.15, n))
                )
                denom_mean = units["population"].to_numpy() * p.denominator_per_1000_children / 1000 * share
                count = np.full(n, np.nan)
                denom = np.full(n, np.nan)
                value = np.full(n, np.nan)
                sd = np.full(n, np.nan)
                vt = str(ind.value_type)
                if vt in ("proportion", "crude_rate", "mean"):
                    denom = np.maximum(1.0, np.round(denom_mean * rng.normal(1.0, 0.03, n)))
                if vt == "proportion":
                    prob = np.clip(true / mult, 0.0005, 0.995)
                    count = rng.binomial(denom.astype(np.int64), prob).astype(float)
                elif vt == "crude_rate":
                    count = rng.poisson(denom * true / mult).astype(float)
                elif vt == "mean":
                    sd = MEAN_CV * true
                    # a mean of scores that are never negative (Attainment 8) is never negative,
                    # however few pupils a small area's client group has
                    value = np.maximum(true + rng.normal(0.0, 1.0, n) * sd / np.sqrt(denom), 0.0)
                    count = value * denom
                elif vt == "count":
                    pop = units["population"].to_numpy()
                    count = rng.poisson(np.maximum(true * pop / mean_pop, 0.0)).astype(float)
                    value = count.copy()
                else:  # score: a rating with no count behind it
                    value = np.round(true, 1)
                frames.append(
                    pd.DataFrame(
                        {
                            "indicator_id": ind.indicator_id,
                            "area_code": units["area_code"].to_numpy(),
                            "la_code": units["la_code"].to_numpy(),
                            "period_year": int(year),
                            "client_group_id": group,
                            "count": count,
                            "denominator": denom,
                            "value": value,
                            "sd": sd,
                            "value_type": vt,
                            "sex": "persons",
                        }
                    )
                )
    obs = pd.concat(frames, ignore_index=True)
    missing = rng.random(len(obs)) < MISSING_SHARE
    obs.loc[missing, ["count", "denominator", "value", "sd"]] = np.nan
    obs["missing"] = missing
    return obs


def split_by_sex(units: pd.DataFrame, ref: Reference, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Boys' and girls' rows for each drawn unit row, summing exactly to persons.

    Only units are split (LAs without clusters, and clusters); everything above
    them is aggregated per sex afterwards, so every level adds up as in life.
    Scores (ratings with no count behind them) have no sex breakdown.
    """
    rng = np.random.default_rng(seed + SEX_SEED_OFFSET)
    gap = {i.indicator_id: rng.normal(0.0, SEX_GAP_SD) for i in ref.indicators}
    p = units[(units["value_type"] != "score") & (units["sex"] == "persons")]
    n = len(p)
    vt = p["value_type"].to_numpy()
    ratio = np.exp(p["indicator_id"].map(gap).to_numpy(dtype=float))  # boys' rate / girls' rate
    count = p["count"].to_numpy(dtype=float)
    denom = p["denominator"].to_numpy(dtype=float)
    ok = ~p["missing"].to_numpy(dtype=bool)
    has_denom = ok & np.isfinite(denom)
    d_male = np.where(has_denom, rng.binomial(np.where(has_denom, denom, 0).astype(np.int64), MALE_SHARE), np.nan)
    d_female = denom - d_male
    # The chance that a counted child is a boy, given the sexes' rates differ by ``ratio``.
    weight_m = np.where(has_denom, d_male, MALE_SHARE) * ratio
    weight_f = np.where(has_denom, d_female, 1 - MALE_SHARE)
    share_m = np.divide(weight_m, weight_m + weight_f, out=np.full(n, 0.5), where=(weight_m + weight_f) > 0)
    counted = ok & np.isfinite(count) & (vt != "mean")
    whole = np.where(counted, count, 0).astype(np.int64)
    c_male = np.where(counted, rng.binomial(whole, np.clip(share_m, 0.0, 1.0)), np.nan).astype(float)
    # A proportion's boys cannot outnumber the boys counted in, nor its girls the girls.
    prop = vt == "proportion"
    c_male = np.where(prop, np.clip(c_male, np.maximum(count - d_female, 0), np.minimum(count, d_male)), c_male)
    c_female = count - c_male
    value = p["value"].to_numpy(dtype=float)
    v_male = np.full(n, np.nan)
    v_female = np.full(n, np.nan)
    is_mean = ok & (vt == "mean") & (d_male >= 1) & (d_female >= 1)
    # Means split around the persons mean so the denominator-weighted mean is unchanged.
    v_male[is_mean] = value[is_mean] * np.sqrt(ratio[is_mean])
    v_female[is_mean] = (value[is_mean] * denom[is_mean] - v_male[is_mean] * d_male[is_mean]) / d_female[is_mean]
    c_male = np.where(vt == "mean", v_male * d_male, c_male)
    c_female = np.where(vt == "mean", v_female * d_female, c_female)
    is_count = vt == "count"
    v_male = np.where(is_count, c_male, v_male)
    v_female = np.where(is_count, c_female, v_female)
    out = []
    for sex, c, d, v in (("male", c_male, d_male, v_male), ("female", c_female, d_female, v_female)):
        rows = p.copy()
        rows["sex"] = sex
        rows["count"] = np.where(ok, c, np.nan)
        rows["denominator"] = np.where(ok, d, np.nan)
        rows["value"] = np.where(ok, v, np.nan)
        rows.loc[~ok, "sd"] = np.nan
        # A sex with no children in the denominator has no figure: publishers leave
        # the row out rather than print 0 of 0, and so does the demo.
        out.append(rows[~(ok & np.isfinite(d) & (d <= 0))])
    return pd.concat(out, ignore_index=True)


def finish_observations(obs: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Compute value, both CIs and suppression from counts, per the catalogue."""
    meta = pd.DataFrame(
        [
            (i.indicator_id, str(i.value_type), i.multiplier, i.disclosure_threshold, i.period_type)
            for i in ref.indicators
        ],
        columns=["indicator_id", "value_type", "multiplier", "threshold", "period_type"],
    )
    obs = obs.merge(meta, on="indicator_id", how="left")
    for col in ("lower95", "upper95", "lower998", "upper998"):
        obs[col] = np.nan
    for vt, fn in (("proportion", proportion_ci), ("crude_rate", rate_ci)):
        m = (obs["value_type"] == vt).to_numpy()
        c, d, k = obs.loc[m, "count"], obs.loc[m, "denominator"], obs.loc[m, "multiplier"]
        v, lo, hi = fn(c.to_numpy(), d.to_numpy(), 0.95, k.to_numpy())
        _, lo9, hi9 = fn(c.to_numpy(), d.to_numpy(), 0.998, k.to_numpy())
        obs.loc[m, ["value", "lower95", "upper95", "lower998", "upper998"]] = np.column_stack(
            [v, lo, hi, lo9, hi9]
        )
    m = (obs["value_type"] == "mean").to_numpy()
    if m.any():
        c, d, sd = (obs.loc[m, k].to_numpy() for k in ("count", "denominator", "sd"))
        v, lo, hi = mean_ci_from_summary(c, d, sd, 0.95)
        _, lo9, hi9 = mean_ci_from_summary(c, d, sd, 0.998)
        obs.loc[m, ["value", "lower95", "upper95", "lower998", "upper998"]] = np.column_stack(
            [v, lo, hi, lo9, hi9]
        )
    is_count = (obs["value_type"] == "count").to_numpy()
    obs.loc[is_count, "value"] = obs.loc[is_count, "count"]
    has_count = obs["value_type"].isin(["proportion", "crude_rate", "count"]).to_numpy()
    flagged = np.asarray(suppress(obs["count"].to_numpy(), obs["threshold"].to_numpy()), dtype=bool)
    obs["suppressed"] = has_count & flagged
    obs["note"] = np.where(obs["missing"], "Data not available", None)
    obs["period_label"] = [
        period_label(y, pt) for y, pt in zip(obs["period_year"], obs["period_type"], strict=True)
    ]
    return obs


def _aggregate(obs: pd.DataFrame, key: str) -> pd.DataFrame:
    """Sum counts, denominators (and, for means, pooled variance) up to ``key``."""
    keys = ["indicator_id", key, "period_year", "client_group_id", "sex", "value_type"]
    valid = obs[~obs["missing"]].copy()
    valid["sumsq"] = (valid["sd"] ** 2) * (valid["denominator"] - 1) + valid["denominator"] * valid[
        "value"
    ].pow(2)
    valid["wvalue"] = valid["value"] * valid["denominator"].fillna(1.0)
    valid["wpop"] = valid["denominator"].fillna(1.0)
    g = valid.groupby(keys, sort=False)
    out = g.agg(
        count=("count", "sum"),
        denominator=("denominator", "sum"),
        sumsq=("sumsq", "sum"),
        wvalue=("wvalue", "sum"),
        wpop=("wpop", "sum"),
        n_valid=("value", "size"),
    ).reset_index()
    out = out.rename(columns={key: "area_code"})
    is_mean = out["value_type"] == "mean"
    mean = out["count"] / out["denominator"]
    var = (out["sumsq"] - out["denominator"] * mean**2) / (out["denominator"] - 1)
    out["sd"] = np.where(is_mean, np.sqrt(np.maximum(var, 0.0)), np.nan)
    out["value"] = np.where(out["value_type"] == "score", out["wvalue"] / out["wpop"], np.nan)
    out.loc[out["value_type"] == "score", ["count", "denominator"]] = np.nan
    out.loc[out["value_type"] == "count", "denominator"] = np.nan
    out["missing"] = False
    return out.drop(columns=["sumsq", "wvalue", "wpop", "n_valid"])


def build_demo_frame(
    ref: Reference, data_dir: Path = DATA_DIR, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Every observation of the demo: units, clustered LAs, regions and England."""
    units = generate_observations(ref, data_dir, seed)
    units = pd.concat([units, split_by_sex(units, ref, seed)], ignore_index=True)
    la_region = {a.area_code: a.parent_code for a in ref.local_authorities}
    clustered = units[units["area_code"] != units["la_code"]]
    la_from_clusters = _aggregate(clustered, "la_code")
    la_level = pd.concat(
        [units[units["area_code"] == units["la_code"]].drop(columns=["la_code"]), la_from_clusters],
        ignore_index=True,
    )
    la_level["region_code"] = la_level["area_code"].map(la_region)
    la_level["england"] = ref.england.area_code
    regions = _aggregate(la_level, "region_code")
    england = _aggregate(la_level, "england")
    clusters = clustered.drop(columns=["la_code"])
    allrows = pd.concat(
        [la_level.drop(columns=["region_code", "england"]), clusters, regions, england],
        ignore_index=True,
    )
    allrows = allrows.drop(columns=["value_type"], errors="ignore")
    return finish_observations(allrows, ref)


#: The demo's observation columns: the key without ``category`` (the demo has none), the period's
#: label, the figures, and the suppression flag with its note.
OBS_COLUMNS = [*(k for k in OBSERVATION_KEY if k != "category"), "period_label", *VALUE_COLUMNS, "suppressed", "note"]

#: The order observation rows are written in. DuckDB keeps min/max statistics per
#: row group, so rows stored in the order the pages filter by let a query skip the
#: row groups it does not need instead of scanning the whole table.
OBS_STORAGE_ORDER: tuple[str, ...] = ("period_year", "indicator_id", "sex", "area_code", "client_group_id")


def build_demo(
    db_path: Path | str,
    seed: int = DEFAULT_SEED,
    data_dir: Path = DATA_DIR,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the demo store at ``db_path``, atomically.

    The store is written to a temporary file beside the target and renamed into
    place only when complete, so a reader (or a crash) never sees half a store.
    """
    started = time.perf_counter()
    say: Progress = progress or (lambda _f, _m: None)
    target = Path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".building-{os.getpid()}")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    say(0.05, "Reading reference data")
    ref = load_reference(data_dir)
    say(0.15, "Drawing observations for every LA, cluster and client group")
    frame = build_demo_frame(ref, data_dir, seed)
    say(0.6, "Computing statistical neighbours")
    neighbours = compute_neighbours(ref)
    say(0.7, "Writing the store")
    store = Store(tmp)
    try:
        with store.transaction() as cur:
            load_reference_tables(cur, ref)
            cur.register("_nb", neighbours)
            cur.execute("INSERT INTO area_neighbour BY NAME SELECT * FROM _nb")
            cur.unregister("_nb")
            batch = new_batch(cur, "embedded demo (synthetic)", "demo", "jar build-demo", note=f"seed {seed}",
                              synthetic=True)
            out = frame[OBS_COLUMNS].copy()
            out["batch_id"] = batch
            out["category"] = ""
            out = out.sort_values(list(OBS_STORAGE_ORDER))
            cur.register("_obs", out)
            cur.execute("INSERT INTO observation BY NAME SELECT * FROM _obs")
            cur.unregister("_obs")
            refresh_derived(cur)
            cur.execute(
                "UPDATE import_batch SET rows_read = ?, rows_written = ? WHERE batch_id = ?",
                [len(out), len(out), batch],
            )
            cur.executemany(
                "INSERT OR REPLACE INTO store_meta VALUES (?, ?)",
                [
                    ("dataset", "demo"),
                    ("demo_seed", str(seed)),
                    ("built_at", time.strftime("%Y-%m-%dT%H:%M:%S")),
                ],
            )
        store.con.execute("CHECKPOINT")
    finally:
        store.close()
    os.replace(tmp, target)
    say(1.0, "Done")
    return DemoSummary(
        path=str(target),
        observations=len(frame),
        areas=len(ref.areas) + len(ref.clusters),
        indicators=len(ref.indicators),
        years=(LATEST_YEAR - N_YEARS + 1, LATEST_YEAR),
        seconds=time.perf_counter() - started,
    )


def ensure_store(db_path: Path | str, progress: Progress | None = None) -> bool:
    """Build the demo at ``db_path`` if no store is there; True if it was built."""
    if Path(db_path).exists():
        return False
    build_demo(db_path, progress=progress)
    return True
