"""Checks on a file as a whole, before any reader parses it: its size, and its SHA-256.

A leaf module: the import machinery (:mod:`metrics.io.core`), the neighbour lists
(:mod:`metrics.neighbours`), Ofsted's files and the published snapshot all read
files, and none of them should import another just for these two functions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from metrics.io.faults import Fault, ImportFailed
from metrics.io.rules import MAX_FILE_BYTES


def check_size(path: Path) -> None:
    """Refuse a file too big to import before any of it is parsed (see ``rules.MAX_FILE_BYTES``)."""
    size = path.stat().st_size if path.is_file() else 0
    if size > MAX_FILE_BYTES:
        raise ImportFailed([Fault(path.name, None, None, None,
                                  f"{size:,} bytes: more than the {MAX_FILE_BYTES:,} an import reads")])


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
