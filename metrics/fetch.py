"""``jar fetch``: the publishers' own APIs, read into the same importers as a downloaded file.

Which series to fetch, from which publication or indicator and with which
mapping is data: ``data/fetch_series.csv`` (:class:`FetchSeries`, validated at
load). For each series this module asks the publisher's API what is there and
when it last changed, downloads the CSV the publisher serves, checks its layout
(a missing column names the series and the column), and hands the file to
:func:`metrics.services.run_import`, the one authorised and audited door, with
the reader and mapping any hand import of that file would use.

- **Fingertips** (OHID, ``https://fingertips.phe.org.uk/api/``):
  ``indicator_metadata/by_indicator_id`` (``DataChange.LastUploadedAt`` says when
  the figures last changed), ``area_types`` (each child area type the series
  names must still exist), then ``all_data/csv/by_indicator_id`` per area type:
  today's Fingertips CSV layout, read by :mod:`metrics.io.fingertips` unchanged.
  Several area types (older LA geographies) are merged newest first, so a row
  for the same indicator, area, sex, age, category and period is taken from the
  newest geography.
- **Explore education statistics** (DfE, ``https://api.education.gov.uk/statistics/v1/``):
  ``publications?search=``, ``publications/{id}/data-sets``, ``data-sets/{id}/meta``
  (the mapping's columns must be among the data set's filters and indicators)
  and ``data-sets/{id}/csv``, read by :mod:`metrics.io.dfe` with the series'
  mapping. A data set DfE has not put on the API is reported with the file to
  download by hand; it is not an error.

All or nothing: every series is downloaded and validated (a dry-run import)
before any is written, and then each is written as one import batch carrying
its series, address(es), download time and the file's SHA-256. Requests time
out, and a 429 or 5xx answer is retried with exponential backoff (honouring
``Retry-After``). The API addresses, timeout, attempts and backoff can be set by
environment variable (``ECM_FINGERTIPS_API``, ``ECM_EES_API``,
``ECM_FETCH_TIMEOUT``, ``ECM_FETCH_ATTEMPTS``, ``ECM_FETCH_BACKOFF``), which is
how the tests point them at a server on loopback.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError, field_validator, model_validator

from metrics.auth import User, authorise
from metrics.display import fmt_megabytes
from metrics.framework import REPO_ROOT
from metrics.io.core import ImportResult
from metrics.io.dfe import GEOGRAPHY, MappingRow, read_mapping
from metrics.io.faults import Fault, ImportFailed, printable
from metrics.io.fingertips_layout import REQUIRED as FINGERTIPS_REQUIRED
from metrics.io.rules import MAX_FILE_BYTES
from metrics.io.values import MappingFileRow
from metrics.store import BatchOrigin, Store

SERIES_FILE = REPO_ROOT / "data" / "fetch_series.csv"
PUBLISHERS = ("fingertips", "ees")

FINGERTIPS_ENV = "ECM_FINGERTIPS_API"
EES_ENV = "ECM_EES_API"
TIMEOUT_ENV = "ECM_FETCH_TIMEOUT"
ATTEMPTS_ENV = "ECM_FETCH_ATTEMPTS"
BACKOFF_ENV = "ECM_FETCH_BACKOFF"
FINGERTIPS_API = "https://fingertips.phe.org.uk/api/"
EES_API = "https://api.education.gov.uk/statistics/v1/"
DEFAULT_TIMEOUT = 120.0  # seconds per request: a national Fingertips CSV takes tens of seconds
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 2.0  # seconds before the second attempt; doubled before each later one
MAX_RETRY_AFTER = 120.0  # a Retry-After longer than this is the publisher saying "not today"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "ecm-dashboard jar fetch (+https://github.com/)"
# Fingertips: England is the parent of every upper-tier LA, so one request brings the LAs and England.
ENGLAND_AREA_TYPE = 15
FINGERTIPS_KEY = ("Indicator ID", "Area Code", "Sex", "Age", "Category Type", "Category", "Time period")
EES_PAGE_SIZE = 40

Say = Callable[[str], None]


class FetchError(ValueError):
    """One line naming the series and what went wrong; nothing was written."""


def _split(value: object) -> list[str]:
    if value is None:
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


class FetchSeries(MappingFileRow):
    """One row of ``data/fetch_series.csv``: one publisher's series and how it is imported."""

    series_id: str
    publisher: Literal["fingertips", "ees"]
    title: str
    # What the file is for: ``import`` (through the reader) or ``denominators`` (downloaded
    # only, to sit beside the files whose mappings name it as their denominator_file).
    role: Literal["import", "denominators"] = "import"
    fingertips_ids: list[int] = []
    area_types: list[int] = []  # Fingertips child area types, newest geography first
    publication: str | None = None  # EES publication title, as the API lists it
    data_set: str | None = None  # EES data set title within the publication
    data_set_id: str | None = None  # EES data set id, when known: no search needed
    mapping: str | None = None  # repository-relative mapping file (DfE: required)
    file: str  # the name the download is saved and imported under
    snapshot_source: str | None = None  # the published snapshot's source_id (data/published/manifest.csv)
    manual_url: str | None = None  # where a person downloads the file by hand
    comment: str | None = None


    @field_validator("fingertips_ids", "area_types", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        return _split(value) if isinstance(value, str) else value

    @field_validator("series_id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9_]+", value):
            raise ValueError("lower-case letters, digits and _ only")
        return value

    @field_validator("file")
    @classmethod
    def _file(cls, value: str) -> str:
        if Path(value).name != value or not value.lower().endswith(".csv"):
            raise ValueError("a plain file name ending .csv, no folders")
        return value

    @model_validator(mode="after")
    def _complete(self) -> FetchSeries:
        if self.publisher == "fingertips":
            if not self.fingertips_ids:
                raise ValueError("a Fingertips series needs fingertips_ids")
            if not self.area_types:
                raise ValueError("a Fingertips series needs area_types (502: upper-tier LAs from April 2023)")
            if self.role != "import":
                raise ValueError("a Fingertips series is imported (role import)")
        else:
            if not self.publication or not (self.data_set or self.data_set_id):
                raise ValueError("an EES series needs publication and data_set (or data_set_id)")
            if self.role == "import" and not self.mapping:
                raise ValueError("an EES series that is imported needs a mapping (data/mappings/dfe_*.csv)")
        if self.mapping and not (REPO_ROOT / self.mapping).is_file():
            raise ValueError(f"mapping {self.mapping} not found")
        return self

    @property
    def mapping_path(self) -> Path | None:
        return REPO_ROOT / self.mapping if self.mapping else None


def load_series(path: Path | str = SERIES_FILE) -> list[FetchSeries]:
    """The series file's rows; :class:`ImportFailed` naming file, line, column and value otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ImportFailed([Fault(path.name, None, None, None, "series file not found")])
    rows: list[FetchSeries] = []
    faults: list[Fault] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, raw in enumerate(csv.DictReader(fh), start=2):
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            try:
                rows.append(FetchSeries.model_validate(raw))
            except ValidationError as exc:
                for err in exc.errors():
                    col = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or None
                    faults.append(Fault(path.name, line, col, raw.get(col) if col else None,
                                        str(err["msg"]).removeprefix("Value error, ")))
    seen: dict[str, int] = {}
    for i, s in enumerate(rows):
        if s.series_id in seen:
            faults.append(Fault(path.name, None, "series_id", s.series_id, "listed twice"))
        seen[s.series_id] = i
    files = [s.file for s in rows]
    for name in sorted({f for f in files if files.count(f) > 1}):
        faults.append(Fault(path.name, None, "file", name, "two series save to the same file"))
    if faults:
        raise ImportFailed(faults)
    return rows


# --- HTTP ---------------------------------------------------------------------------------------


def _env_float(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise FetchError(f"${name} is {text!r}: not a number") from None


@dataclass(frozen=True)
class Download:
    url: str
    body: bytes
    at: dt.datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class Http:
    """GET with a timeout, and retries with backoff on 429, 5xx and dropped connections."""

    timeout: float = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    say: Say = lambda _m: None
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_env(cls, say: Say = lambda _m: None) -> Http:
        attempts = int(_env_float(ATTEMPTS_ENV, DEFAULT_ATTEMPTS))
        return cls(timeout=_env_float(TIMEOUT_ENV, DEFAULT_TIMEOUT), attempts=max(1, attempts),
                   backoff=_env_float(BACKOFF_ENV, DEFAULT_BACKOFF), say=say)

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_RETRY_AFTER)
        return self.backoff * 2 ** (attempt - 1)

    def get(self, url: str, what: str) -> Download:
        host = urllib.parse.urlsplit(url).netloc
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
                    body = response.read(MAX_FILE_BYTES + 1)
                    encoding = (response.headers.get("Content-Encoding") or "").strip().lower()
                if encoding == "gzip":  # a server may compress unasked; the import reads plain CSV
                    body = _gunzip(body, what, url)
                if len(body) > MAX_FILE_BYTES:
                    raise FetchError(f"{what}: {url} sent more than the {MAX_FILE_BYTES:,} bytes an import reads")
                return Download(url, body, dt.datetime.now())
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_STATUS:
                    raise FetchError(f"{what}: {url} answered HTTP {exc.code} {exc.reason}") from None
                if last:
                    raise FetchError(f"{what}: {url} answered HTTP {exc.code} {exc.reason} "
                                     f"{self.attempts} times: the publisher is busy or down; try later") from None
                wait = self._wait(attempt, exc.headers.get("Retry-After") if exc.headers else None)
                self.say(f"  {what}: HTTP {exc.code} from {host}; retrying in {wait:g} s")
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if last:
                    raise FetchError(f"{what}: cannot reach {host} ({printable(reason)}): "
                                     f"offline, or the publisher is down? Nothing was written") from None
                wait = self._wait(attempt, None)
                self.say(f"  {what}: {printable(reason)} from {host}; retrying in {wait:g} s")
            self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def json(self, url: str, what: str) -> Any:
        got = self.get(url, what)
        try:
            return json.loads(got.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise FetchError(f"{what}: {url} did not answer JSON: the API changed?") from None


def _gunzip(body: bytes, what: str, url: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            plain = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError):
        raise FetchError(f"{what}: {url} sent a damaged gzip body") from None
    if len(plain) > MAX_FILE_BYTES:
        raise FetchError(f"{what}: {url} sent more than the {MAX_FILE_BYTES:,} bytes an import reads")
    return plain


def _url(base: str, path: str, query: dict[str, object] | None = None) -> str:
    base = base if base.endswith("/") else base + "/"
    url = urllib.parse.urljoin(base, path)
    return f"{url}?{urllib.parse.urlencode(query)}" if query else url


def _header(body: bytes) -> list[str]:
    first = body.decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    return [c.strip() for c in next(csv.reader([first]), [])]


def _published_time(text: object) -> dt.datetime | None:
    """An API's ISO timestamp as a naive local time, as the store's times are (None when absent or unreadable)."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone().replace(tzinfo=None) if when.tzinfo else when


# --- one series at a time --------------------------------------------------------------------


@dataclass
class Fetched:
    """A series downloaded into the work folder, not yet imported."""

    series: FetchSeries
    path: Path
    urls: list[str]
    sha256: str
    fetched_at: dt.datetime
    updated: dt.datetime | None
    size: int

    @property
    def origin(self) -> BatchOrigin:
        return BatchOrigin(self.series.series_id, " ".join(self.urls), self.fetched_at)


@dataclass
class Outcome:
    """What happened to one series."""

    series_id: str
    status: Literal["imported", "would import", "unchanged", "up to date", "not on the API", "downloaded"]
    message: str
    result: ImportResult | None = None
    fetched: Fetched | None = None

    def line(self) -> str:
        return f"{self.series_id}: {self.message}"


class Client:
    """The two publishers' APIs, with a cache of answers shared across series."""

    def __init__(self, http: Http, fingertips_api: str | None = None, ees_api: str | None = None) -> None:
        self.http = http
        self.fingertips = fingertips_api or os.environ.get(FINGERTIPS_ENV, "").strip() or FINGERTIPS_API
        self.ees = ees_api or os.environ.get(EES_ENV, "").strip() or EES_API
        for base in (self.fingertips, self.ees):
            if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
                raise FetchError(f"API address {base!r}: not an http(s) address (${FINGERTIPS_ENV}, ${EES_ENV})")
        self._area_types: dict[int, str] | None = None
        self._ees_json: dict[str, Any] = {}

    # Fingertips

    def area_types(self, what: str) -> dict[int, str]:
        if self._area_types is None:
            answer = self.http.json(_url(self.fingertips, "area_types"), what)
            if not isinstance(answer, list):
                raise FetchError(f"{what}: Fingertips' area_types is not a list: the API changed?")
            self._area_types = {int(a["Id"]): str(a.get("Name") or a.get("Short") or a["Id"])
                                for a in answer if isinstance(a, dict) and "Id" in a}
        return self._area_types

    def fingertips_updated(self, s: FetchSeries) -> dt.datetime | None:
        ids = ",".join(str(i) for i in s.fingertips_ids)
        answer = self.http.json(_url(self.fingertips, "indicator_metadata/by_indicator_id",
                                     {"indicator_ids": ids}), s.series_id)
        if not isinstance(answer, dict):
            raise FetchError(f"{s.series_id}: Fingertips' indicator_metadata is not an object: the API changed?")
        latest: dt.datetime | None = None
        for fid in s.fingertips_ids:
            meta = answer.get(str(fid))
            if not isinstance(meta, dict):
                raise FetchError(f"{s.series_id}: Fingertips has no indicator {fid} "
                                 f"(indicator_metadata lists {', '.join(sorted(answer)) or 'none'})")
            change = meta.get("DataChange")
            if not isinstance(change, dict) or "LastUploadedAt" not in change:
                raise FetchError(f"{s.series_id}: Fingertips' metadata for {fid} has no DataChange.LastUploadedAt: "
                                 "the API changed?")
            when = _published_time(change.get("LastUploadedAt"))
            if when is not None and (latest is None or when > latest):
                latest = when
        return latest

    def fingertips_csv(self, s: FetchSeries, folder: Path, updated: dt.datetime | None) -> Fetched:
        known = self.area_types(s.series_id)
        missing = [a for a in s.area_types if a not in known]
        if missing:
            raise FetchError(f"{s.series_id}: Fingertips has no area type {missing[0]} (area_types lists "
                             f"{', '.join(str(k) for k in sorted(known))}): check area_types in the series file")
        ids = ",".join(str(i) for i in s.fingertips_ids)
        downloads = []
        for area_type in s.area_types:
            url = _url(self.fingertips, "all_data/csv/by_indicator_id",
                       {"indicator_ids": ids, "child_area_type_id": area_type,
                        "parent_area_type_id": ENGLAND_AREA_TYPE})
            got = self.http.get(url, s.series_id)
            header = _header(got.body)
            lacking = [c for c in FINGERTIPS_REQUIRED if c not in header]
            if lacking:
                raise FetchError(f"{s.series_id}: Fingertips' CSV for area type {area_type} has no column "
                                 f"{lacking[0]!r}: the layout changed ({url})")
            downloads.append(got)
        path = folder / s.file
        if len(downloads) == 1:
            path.write_bytes(downloads[0].body)  # exactly the publisher's bytes: the batch hash is theirs
        else:
            path.write_bytes(_merge_fingertips(s, downloads))
        return Fetched(s, path, [d.url for d in downloads], hashlib.sha256(path.read_bytes()).hexdigest(),
                       downloads[-1].at, updated, path.stat().st_size)

    # Explore education statistics

    def _ees(self, path: str, query: dict[str, object] | None, what: str) -> Any:
        url = _url(self.ees, path, query)
        if url not in self._ees_json:
            self._ees_json[url] = self.http.json(url, what)
        return self._ees_json[url]

    def _pages(self, path: str, query: dict[str, object], what: str) -> Iterable[dict[str, Any]]:
        page = 1
        while True:
            answer = self._ees(path, {**query, "page": page, "pageSize": EES_PAGE_SIZE}, what)
            if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
                raise FetchError(f"{what}: {path} did not answer a list of results: the API changed?")
            yield from (r for r in answer["results"] if isinstance(r, dict))
            paging = answer.get("paging") or {}
            if page >= int(paging.get("totalPages") or 1):
                return
            page += 1

    def ees_data_set(self, s: FetchSeries) -> dict[str, Any] | str:
        """The data set's summary from the API, or (a string) why it is not there."""
        wanted = _norm(s.publication or "")
        publication = next((p for p in self._pages("publications", {"search": s.publication}, s.series_id)
                            if _norm(str(p.get("title", ""))) == wanted), None)
        if publication is None:
            return f"the API lists no publication titled {s.publication!r}"
        sets = list(self._pages(f"publications/{publication['id']}/data-sets", {}, s.series_id))
        if s.data_set_id:
            found = next((d for d in sets if str(d.get("id")) == s.data_set_id), None)
        else:
            found = next((d for d in sets if _norm(str(d.get("title", ""))) == _norm(s.data_set or "")), None)
        if found is None:
            listed = "; ".join(str(d.get("title")) for d in sets[:8]) or "no data sets"
            return f"{s.publication!r} has no data set {s.data_set or s.data_set_id!r} on the API (it has: {listed})"
        if str(found.get("status", "Published")) == "Withdrawn":
            return f"DfE has withdrawn the data set {found.get('title')!r} from the API"
        return found

    def ees_csv(self, s: FetchSeries, data_set: dict[str, Any], folder: Path, needs: list[str]) -> Fetched:
        set_id = str(data_set["id"])
        meta = self._ees(f"data-sets/{set_id}/meta", None, s.series_id)
        if not isinstance(meta, dict):
            raise FetchError(f"{s.series_id}: the data set's meta is not an object: the API changed?")
        offered = {str(c.get("column")) for key in ("filters", "indicators") for c in meta.get(key) or []
                   if isinstance(c, dict)}
        lacking = [c for c in needs if c not in offered and c not in GEOGRAPHY]
        if lacking:
            raise FetchError(f"{s.series_id}: DfE's data set {data_set.get('title')!r} no longer has the column "
                             f"{lacking[0]!r} ({s.mapping or 'the mapping'} reads it): the layout changed")
        url = _url(self.ees, f"data-sets/{set_id}/csv")
        got = self.http.get(url, s.series_id)
        header = _header(got.body)
        lacking = [c for c in dict.fromkeys([*GEOGRAPHY, *needs]) if c not in header]
        if lacking:
            raise FetchError(f"{s.series_id}: DfE's CSV has no column {lacking[0]!r}: the layout changed ({url})")
        path = folder / s.file
        path.write_bytes(got.body)
        updated = _published_time((data_set.get("latestVersion") or {}).get("published"))
        return Fetched(s, path, [url], got.sha256, got.at, updated, len(got.body))


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _merge_fingertips(s: FetchSeries, downloads: list[Download]) -> bytes:
    """Several area types' CSVs as one, a row of a newer geography winning over the same row of an older."""
    out = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    seen: set[tuple[str, ...]] = set()
    header: list[str] | None = None
    for got in downloads:
        reader = csv.DictReader(io.StringIO(got.body.decode("utf-8-sig")))
        if header is None:
            header = list(reader.fieldnames or [])
            writer = csv.DictWriter(out, header, lineterminator="\n")
            writer.writeheader()
        elif list(reader.fieldnames or []) != header:
            raise FetchError(f"{s.series_id}: Fingertips' CSVs for different area types have different columns "
                             f"({got.url})")
        for row in reader:
            key = tuple(row.get(c) or "" for c in FINGERTIPS_KEY)
            if key not in seen:
                seen.add(key)
                assert writer is not None
                writer.writerow(row)
    return out.getvalue().encode("utf-8")


# --- the whole fetch ----------------------------------------------------------------------------


@dataclass
class FetchReport:
    publisher: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [o.line() for o in self.outcomes]

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        told = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to fetch"
        return f"jar fetch {self.publisher}: {len(self.outcomes)} series: {told}"


Since = dt.datetime | Literal["last"] | None


def parse_since(text: str | None) -> Since:
    """``--since``: a date (2025-06-01), a date and time, or ``last`` (each series' last fetch)."""
    if text is None:
        return None
    if text.strip().lower() == "last":
        return "last"
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise FetchError(f"--since {text!r}: not a date (e.g. 2025-06-01) or 'last'") from None


def _last_fetched(store: Store, series_id: str) -> dt.datetime | None:
    value = store.scalar("SELECT max(fetched_at) FROM import_batch WHERE fetch_series = ? AND status = 'committed'",
                         [series_id])
    return value if isinstance(value, dt.datetime) else None


def _mapping_rows(s: FetchSeries) -> list[MappingRow]:
    if s.mapping_path is None:
        return []
    rows, faults = read_mapping(s.mapping_path)
    if faults:
        raise ImportFailed(faults)
    return [row for _line, row in rows]


def select_series(series: list[FetchSeries], publisher: str, ids: list[str] | None) -> list[FetchSeries]:
    """The publisher's series to fetch (``ids``: only these), and the denominator files they need."""
    mine = [s for s in series if s.publisher == publisher]
    if ids:
        unknown = [i for i in ids if i not in {s.series_id for s in mine}]
        if unknown:
            listed = ", ".join(s.series_id for s in mine)
            raise FetchError(f"no {publisher} series {unknown[0]!r} in {SERIES_FILE.name} (it lists: {listed})")
        chosen = [s for s in mine if s.series_id in ids]
    else:
        chosen = [s for s in mine if s.role == "import"]
    by_file = {s.file: s for s in mine}
    needed: list[FetchSeries] = []
    for s in chosen:
        for row in _mapping_rows(s):
            if row.denominator_file:
                dep = by_file.get(row.denominator_file)
                if dep is None:
                    raise FetchError(f"{s.series_id}: its mapping reads the denominators in {row.denominator_file}, "
                                     f"which no {publisher} series in {SERIES_FILE.name} fetches")
                if dep not in chosen and dep not in needed:
                    needed.append(dep)
    return [*needed, *chosen]


def _needs(s: FetchSeries, chosen: list[FetchSeries]) -> list[str]:
    """The columns a series' file must have: its mapping's, or (denominators) its dependants'."""
    if s.role == "import":
        return list(dict.fromkeys(c for row in _mapping_rows(s) for c in row.columns))
    cols: list[str] = []
    for other in chosen:
        for row in _mapping_rows(other):
            if row.denominator_file == s.file:
                cols += [str(row.denominator_column), *row.denominator_filters]
    return list(dict.fromkeys(cols))


def fetch(
    store: Store,
    actor: User,
    publisher: str,
    *,
    series_ids: list[str] | None = None,
    since: Since = None,
    dry_run: bool = False,
    say: Say = lambda _m: None,
    client: Client | None = None,
    series_file: Path | str = SERIES_FILE,
    keep_in: Path | None = None,
) -> FetchReport:
    """Fetch ``publisher``'s series and import them; raise :class:`FetchError` having written nothing.

    ``keep_in`` keeps the downloads in that folder (``tools/refresh_snapshot.py``);
    otherwise they live in a temporary folder for the length of the fetch.
    """
    from metrics.services import run_import

    if publisher not in PUBLISHERS:
        raise FetchError(f"unknown publisher {publisher!r}; one of {', '.join(PUBLISHERS)}")
    # Asked before anything is downloaded: a viewer is refused at once, not after the downloads.
    actor = authorise(store, actor, "import_data", f"jar fetch {publisher}")
    client = client or Client(Http.from_env(say))
    chosen = select_series(load_series(series_file), publisher, series_ids)
    report = FetchReport(publisher, dry_run)
    with tempfile.TemporaryDirectory(prefix="jar-fetch-") as tmp:
        folder = keep_in or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        fetched: list[Fetched] = []
        for n, s in enumerate(chosen, start=1):
            say(f"[{n}/{len(chosen)}] {s.series_id}: {s.title}")
            got = _download(store, client, s, chosen, folder, since)
            if isinstance(got, Outcome):
                say(f"  {got.message}")
                report.outcomes.append(got)
                continue
            say(f"  downloaded {fmt_megabytes(got.size, 2)}, SHA-256 {got.sha256[:12]}…"
                + (f", updated by the publisher {got.updated:%Y-%m-%d %H:%M}" if got.updated else ""))
            fetched.append(got)
        fetched = [f for f in fetched if not _lacks_denominators(f, folder, report)]
        # Every file is checked before any is written: one bad series stops the whole fetch.
        importable = [f for f in fetched if f.series.role == "import"]
        failures: list[str] = []
        checked: dict[str, ImportResult] = {}
        for f in importable:
            try:
                checked[f.series.series_id] = run_import(store, actor, f.path, _format(f.series), f.series.mapping_path,
                                                         dry_run=True, unknown_areas="skip")
            except ImportFailed as exc:
                first = str(exc.faults[0]) if exc.faults else str(exc)
                more = f" (and {exc.total - 1:,} more faults)" if exc.total > 1 else ""
                failures.append(f"{f.series.series_id}: the publisher's file does not import: {first}{more}")
        if failures:
            raise FetchError("nothing written: " + "\n".join(failures))
        for f in fetched:
            sid = f.series.series_id
            if f.series.role != "import":
                report.outcomes.append(Outcome(sid, "downloaded", f"downloaded {f.series.file} (denominators for "
                                               "other series)", fetched=f))
                continue
            if dry_run:
                result = checked[sid]
            else:
                say(f"importing {sid}")
                result = run_import(store, actor, f.path, _format(f.series), f.series.mapping_path,
                                    unknown_areas="skip", origin=f.origin)
            status: Literal["imported", "would import", "unchanged"] = (
                "would import" if dry_run else "imported" if result.batch_id is not None else "unchanged")
            report.outcomes.append(Outcome(sid, status, result.summary(), result, f))
    return report


def _lacks_denominators(f: Fetched, folder: Path, report: FetchReport) -> bool:
    """Whether a series' mapping needs a denominator file that could not be fetched (then it is reported)."""
    for row in _mapping_rows(f.series):
        if row.denominator_file and not (folder / row.denominator_file).is_file():
            report.outcomes.append(Outcome(
                f.series.series_id, "not on the API",
                f"its denominators ({row.denominator_file}) are not on the API: download them by hand beside "
                f"{f.series.file} and run: jar import {f.series.file} --format dfe --mapping {f.series.mapping}"))
            return True
    return False


def _format(s: FetchSeries) -> str:
    return "fingertips" if s.publisher == "fingertips" else "dfe"


def _skip_for_since(store: Store, s: FetchSeries, updated: dt.datetime | None, since: Since) -> Outcome | None:
    if since is None or updated is None:
        return None
    cutoff = _last_fetched(store, s.series_id) if since == "last" else since
    if cutoff is None or updated > cutoff:
        return None
    return Outcome(s.series_id, "up to date",
                   f"not updated since {cutoff:%Y-%m-%d %H:%M} (the publisher's last update: {updated:%Y-%m-%d %H:%M}):"
                   " skipped")


def _download(store: Store, client: Client, s: FetchSeries, chosen: list[FetchSeries], folder: Path,
              since: Since) -> Fetched | Outcome:
    if s.publisher == "fingertips":
        updated = client.fingertips_updated(s)
        skip = _skip_for_since(store, s, updated, since)
        return skip or client.fingertips_csv(s, folder, updated)
    data_set = client.ees_data_set(s)
    if isinstance(data_set, str):
        by_hand = f"download {s.file} from {s.manual_url or 'the publication'} by hand"
        how = (f" and run: jar import {s.file} --format dfe --mapping {s.mapping}" if s.role == "import"
               else " and put it beside the files that need it")
        return Outcome(s.series_id, "not on the API", f"{data_set}: {by_hand}{how}")
    updated = _published_time((data_set.get("latestVersion") or {}).get("published"))
    # A denominator file is fetched whenever a series that needs it is, whatever its own date.
    skip = _skip_for_since(store, s, updated, since) if s.role == "import" else None
    return skip or client.ees_csv(s, data_set, folder, _needs(s, chosen))
