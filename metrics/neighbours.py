"""Statistical neighbours: the ten LAs most like each LA.

DfE's children's services statistical-neighbour model standardises a set of
contextual variables (deprivation, population...) and ranks every other LA by
Euclidean distance. The embedded demo computes its own list the same way from the
contextual variables in ``data/reference/areas.csv``; the published DfE list can be
imported instead (:func:`read_dfe_neighbours`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from metrics.framework import CONTEXT_VARIABLES, Reference
from metrics.store import Store

MODEL_SOURCE = "model"
DFE_SOURCE = "dfe"


def compute_neighbours(ref: Reference, n: int = 10) -> pd.DataFrame:
    """Rank each LA's nearest ``n`` LAs on standardised contextual variables.

    Variables: the IMD domain scores plus log child population (so a small
    unitary is not matched with a large county on deprivation alone). Missing
    values take the variable's mean, which leaves them neutral in the distance.
    """
    las = ref.local_authorities
    codes = [a.area_code for a in las]
    cols = {v: [getattr(a, v) for a in las] for v in CONTEXT_VARIABLES}
    cols["log_population"] = [np.log(a.population_0_17) if a.population_0_17 else np.nan for a in las]
    frame = pd.DataFrame(cols, index=codes, dtype=float)
    frame = frame.fillna(frame.mean())
    std = frame.std(ddof=0).replace(0, 1.0)
    z = ((frame - frame.mean()) / std).to_numpy()
    dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    rows = []
    for i, code in enumerate(codes):
        # Stable sort with the code as tie-break keeps the list deterministic.
        order = np.lexsort((np.array(codes), dist[i]))[:n]
        for rank, j in enumerate(order, start=1):
            rows.append((code, MODEL_SOURCE, rank, codes[j], float(dist[i, j]), None))
    return pd.DataFrame(
        rows, columns=["area_code", "source", "rank", "neighbour_code", "distance", "closeness"]
    )


def read_dfe_neighbours(path: Path | str, ref: Reference) -> pd.DataFrame:
    """Read DfE's published statistical-neighbour workbook (10 per LA, with closeness).

    The workbook lists each LA by its 3-digit DfE number with columns SN1..SN10 and
    a closeness label after each; numbers are mapped to current ONS codes through
    the reference areas. Unknown numbers raise, naming the row. The May 2025
    workbook ends with an "Old SNs:" section for LAs abolished since 2019
    (Dorset, Poole, Bournemouth, Northamptonshire, Cumbria): those rows describe no
    current LA, so they are skipped and listed in ``frame.attrs["skipped"]``.
    """
    raw = pd.read_excel(path, header=None, dtype=str)
    header_row = next(
        (i for i in range(min(len(raw), 20)) if raw.iloc[i].astype(str).str.strip().str.upper().eq("SN1").any()),
        None,
    )
    if header_row is None:
        raise ValueError(f"{Path(path).name}: no header row with SN1..SN10 found")
    header = [str(h).strip() for h in raw.iloc[header_row]]
    by_number = {a.la_number: a.area_code for a in ref.local_authorities if a.la_number}
    num_col = next(
        (
            i
            for i, h in enumerate(header)
            if h.lower().replace(" ", "") in {"lanum", "lanumber", "la_number", "lacode", "oldlacode"}
        ),
        0,
    )
    rows = []
    problems: list[str] = []
    skipped: list[str] = []
    old_section = False
    for r in range(header_row + 1, len(raw)):
        line = raw.iloc[r]
        if any(str(c).strip().lower().startswith("old sns") for c in line.iloc[:3]):
            old_section = True
            continue
        number = str(line.iloc[num_col]).strip()
        if old_section and number and number != "nan":
            name = str(line.iloc[1]).strip() if len(line) > 1 else ""
            skipped.append(f"row {r + 1}: {number.removesuffix('.0')} {name}".strip())
            continue
        if not number or number == "nan":
            continue
        if number.endswith(".0"):
            number = number[:-2]
        code = by_number.get(number)
        if code is None:
            problems.append(f"row {r + 1}: LA number {number} is not a current LA")
            continue
        for rank in range(1, 11):
            try:
                col = header.index(f"SN{rank}")
            except ValueError:
                problems.append(f"column SN{rank} missing")
                break
            neighbour = str(line.iloc[col]).strip().removesuffix(".0")
            closeness = str(line.iloc[col + 1]).strip() if col + 1 < len(header) else None
            n_code = by_number.get(neighbour)
            if n_code is None:
                problems.append(f"row {r + 1}, SN{rank}: LA number {neighbour} is not a current LA")
                continue
            rows.append((code, DFE_SOURCE, rank, n_code, None, closeness))
    if problems:
        raise ValueError(f"{Path(path).name}: " + "; ".join(problems[:20]))
    frame = pd.DataFrame(
        rows, columns=["area_code", "source", "rank", "neighbour_code", "distance", "closeness"]
    )
    frame.attrs["skipped"] = skipped
    return frame


def import_dfe_neighbours(store: Store, path: Path | str, user: str) -> pd.DataFrame:
    """Replace the store's DfE neighbour list with the workbook's, in one transaction.

    The import batch it records is in ``frame.attrs["batch_id"]``, for the shared history.
    """
    from metrics.framework import load_reference
    from metrics.store import new_batch

    frame = read_dfe_neighbours(path, load_reference())
    skipped = frame.attrs.get("skipped", [])
    with store.transaction() as cur:
        cur.execute("DELETE FROM area_neighbour WHERE source = ?", [DFE_SOURCE])
        cur.register("_nb", frame)
        cur.execute("INSERT INTO area_neighbour BY NAME SELECT * FROM _nb")
        cur.unregister("_nb")
        note = f"{len(frame)} rows" + (f"; skipped {len(skipped)} abolished LAs: " + "; ".join(skipped)
                                       if skipped else "")
        frame.attrs["batch_id"] = new_batch(cur, Path(path).name, "neighbours", user, note=note)
    return frame
