"""Which reader opens a file: by ``--format`` or by looking at its header."""

from __future__ import annotations

import codecs
from pathlib import Path

from metrics.io.core import Source
from metrics.io.faults import Fault, ImportFailed, printable
from metrics.io.files import check_size
from metrics.io.values import HEAD_BYTES
from metrics.store import Store

FORMATS = ("fingertips", "dfe", "template", "lait", "lait_counts", "fingertips_tidy", "healthdata")




def detect_format(path: Path) -> str:
    """The reader for a file, from its suffix or its first line.

    Reads at most 64 KiB, so a huge file with no line break is not read whole;
    a UTF-16 header is recognised, so its reader can refuse the encoding by name
    instead of the user being told only that the format is unknown.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "lait"
    if suffix in (".xlsx", ".xlsm"):
        return "template"
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise ValueError(f"{printable(path.name)}: cannot read: {printable(exc)}") from exc
    encoding = "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    header = head.decode(encoding, errors="replace").split("\n", 1)[0]
    if "Indicator ID" in header and "Area Code" in header:
        return "fingertips"
    names = {c.strip() for c in header.replace('"', "").split(",")}
    if {"area_code", "period", "indicator", "measure", "significance"} <= names:
        return "fingertips_tidy"
    if {"IndicatorId", "AreaCode", "Year", "AgeID", "SexID"} <= names:
        return "healthdata"
    if "time_period" in header and "geographic_level" in header:
        return "dfe"
    if "indicator_id" in header and "area_code" in header:
        return "template"
    raise ValueError(f"{printable(path.name)}: cannot tell the format from its header; pass --format")


def open_source(store: Store, path: Path | str, fmt: str | None = None, mapping: Path | str | None = None) -> Source:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{printable(path)}: no such file")
    if not path.is_file():
        raise ImportFailed([Fault(path.name, None, None, None, "a folder (or device), not a file: name the file")])
    check_size(path)
    fmt = fmt or detect_format(path)
    catalogue = store.df("SELECT indicator_id, fingertips_id, lait_measure FROM indicator")
    if fmt == "fingertips":
        from metrics.io.fingertips import open_fingertips

        return open_fingertips(path, catalogue, Path(mapping) if mapping else None)
    if fmt == "dfe":
        from metrics.io.dfe import open_dfe

        if mapping is None:
            raise ValueError(f"{path.name}: a DfE tidy CSV needs --mapping (which column is which indicator)")
        return open_dfe(path, store, Path(mapping))
    if fmt == "template":
        from metrics.io.template import open_template

        return open_template(path)
    if fmt == "lait":
        from metrics.io.lait import open_lait

        return open_lait(path, store, Path(mapping) if mapping else None)
    if fmt == "fingertips_tidy":
        from metrics.io.fingertips_tidy import open_fingertips_tidy

        return open_fingertips_tidy(path, store, mapping)
    if fmt == "healthdata":
        from metrics.io.healthdata import open_healthdata

        return open_healthdata(path, store, mapping)
    if fmt == "lait_counts":
        from metrics.io.lait_counts import open_lait_counts

        if mapping is None:
            raise ValueError(f"{path.name}: LAIT counts need --mapping (which measures are count and denominator)")
        return open_lait_counts(path, store, Path(mapping))
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
