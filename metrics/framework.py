"""Reference data: ECM outcomes and aims, NSF standards, client groups, the indicator
catalogue, areas and clusters.

The lists live as reviewed CSV files under ``data/`` (see ``data/README.md``). This
module is the only place that reads them, and it validates every row with pydantic
and every cross-reference (an indicator's aim belongs to its outcome, an LA's parent
is a region...) so that a typo in a data file fails loudly at load, naming the file
and row, instead of surfacing later as an empty chart.
"""

from __future__ import annotations

import csv
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from metrics.stats.enums import Polarity, ValueType

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("ECM_DATA_DIR", REPO_ROOT / "data"))

AreaType = Literal["england", "region", "la", "cluster"]
CIMethod = Literal["wilson", "byar_exact", "t", "none"]
PeriodType = Literal["financial", "academic", "calendar"]
SEXES: tuple[str, ...] = ("persons", "male", "female")


class ReferenceDataError(ValueError):
    """A reference data file is malformed; the message names file, row and field."""


def _split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class Outcome(_Row):
    outcome_id: str
    name: str
    sort_order: int
    description: str = ""


class Aim(_Row):
    aim_id: str
    outcome_id: str
    name: str
    sort_order: int


class NSFStandard(_Row):
    standard: int
    title: str
    closest_outcomes: list[str] = []

    _split = field_validator("closest_outcomes", mode="before")(_split_list)


class ClientGroup(_Row):
    client_group_id: str
    name: str
    description: str | None = ""
    sort_order: int


#: Counts under this are suppressed when an indicator does not set its own threshold
#: (the usual small-number rule); importers and exports use the same default.
DEFAULT_DISCLOSURE_THRESHOLD = 5
#: England's ONS code: the comparator every benchmark falls back to. areas.csv must hold it
#: as its one England row (checked at load).
ENGLAND = "E92000001"


class Indicator(_Row):
    indicator_id: str
    short_title: str
    title: str
    definition: str
    numerator: str | None = None
    denominator: str | None = None
    outcome_id: str
    aim_id: str
    nsf_standards: list[int]
    polarity: Polarity
    value_type: ValueType
    multiplier: float
    unit: str
    decimal_places: int = 1
    ci_method: CIMethod
    source: str
    frequency: str = "annual"
    period_type: PeriodType
    client_groups: list[str]
    disclosure_threshold: int = DEFAULT_DISCLOSURE_THRESHOLD
    status: Literal["current", "historic"] = "current"
    ni_number: str | None = None
    lait_measure: str | None = None
    fingertips_id: str | None = None
    #: Level of the benchmark comparison, as Fingertips sets it per indicator (95 or 99.8).
    confidence_level: Literal[95.0, 99.8] = 95.0
    #: Client groups whose figures get no quartile band (LAIT's No_Quartile measures).
    no_band_groups: list[str] = []

    _lists = field_validator("nsf_standards", "client_groups", "no_band_groups", mode="before")(_split_list)
    _blanks = field_validator(
        "numerator", "denominator", "ni_number", "lait_measure", "fingertips_id", mode="before"
    )(_blank_to_none)

    @field_validator("ni_number", "fingertips_id", mode="before")
    @classmethod
    def _int_text(cls, value: Any) -> Any:
        # CSV readers may hand back 117.0 for a numeric-looking code.
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value

    @field_validator("confidence_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        # A blank cell is the default; "95" and "99.8" arrive as text from the CSV.
        if value is None or (isinstance(value, str) and not value.strip()):
            return 95.0
        return float(value)

    @model_validator(mode="after")
    def _band_groups_published(self) -> Indicator:
        unknown = [g for g in self.no_band_groups if g not in self.client_groups]
        if unknown:
            raise ValueError(f"no_band_groups {unknown} are not among the indicator's client groups")
        return self

    @field_validator("multiplier")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("multiplier must be positive")
        return value

    @property
    def headline_group(self) -> str:
        """The client group whose rows are the indicator's headline figure.

        Most indicators are published for all children, with client-group breakdowns;
        some exist only for one group (placement stability is about looked-after
        children), and then that group's rows are the headline.
        """
        return "all" if "all" in self.client_groups else self.client_groups[0]

    @property
    def has_ci(self) -> bool:
        return self.ci_method != "none"


class Area(_Row):
    area_code: str
    name: str
    area_type: AreaType
    parent_code: str | None = None
    la_number: str | None = None
    region_code: str | None = None
    population_0_17: float | None = None
    imd_score: float | None = None
    income_score: float | None = None
    employment_score: float | None = None
    education_score: float | None = None
    health_score: float | None = None
    crime_score: float | None = None
    housing_score: float | None = None
    living_env_score: float | None = None
    description: str | None = None

    _blanks = field_validator(
        "parent_code",
        "la_number",
        "region_code",
        "population_0_17",
        "imd_score",
        "income_score",
        "employment_score",
        "education_score",
        "health_score",
        "crime_score",
        "housing_score",
        "living_env_score",
        mode="before",
    )(_blank_to_none)

    @field_validator("la_number", mode="before")
    @classmethod
    def _la_number_text(cls, value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value


CONTEXT_VARIABLES: tuple[str, ...] = (
    "imd_score",
    "income_score",
    "employment_score",
    "education_score",
    "health_score",
    "crime_score",
    "housing_score",
    "living_env_score",
)


class AreaCodeChange(_Row):
    """An LA whose ONS code changed with no change of area (same LA, new code).

    Only one-to-one re-codes belong here: merged or split LAs (Cumbria,
    Northamptonshire, Bournemouth and Poole) cannot be mapped and are reported.
    """

    old_code: str
    new_code: str
    effective_year: int
    reason: str


class Cluster(_Row):
    cluster_code: str
    name: str
    parent_code: str
    population_share: float
    deprivation_offset: float = 0.0
    description: str = ""


class DemoParams(_Row):
    indicator_id: str
    england_value: float
    denominator_base: str
    denominator_per_1000_children: float
    la_spread: float
    deprivation_effect: float
    annual_change: float
    client_group_values: dict[str, float] = {}

    @field_validator("client_group_values", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> dict[str, float]:
        if isinstance(value, dict):
            return value
        out: dict[str, float] = {}
        for pair in _split_list(value):
            key, _, ratio = pair.partition("=")
            out[key.strip()] = float(ratio)
        return out


M = TypeVar("M", bound=BaseModel)


def read_rows(path: Path, model: type[M]) -> list[M]:
    """Read a CSV into validated models; errors name the file, row and column."""
    if not path.exists():
        raise ReferenceDataError(f"{path}: reference data file is missing")
    rows: list[M] = []
    errors: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line_no, raw in enumerate(csv.DictReader(handle), start=2):
            try:
                rows.append(model.model_validate(raw))
            except ValidationError as exc:
                for err in exc.errors():
                    column = ".".join(str(p) for p in err["loc"])
                    if not err["loc"]:  # a rule across columns names no one column
                        errors.append(f"{path.name}, row {line_no}: {err['msg']}")
                        continue
                    errors.append(
                        f"{path.name}, row {line_no}, column {column}: {err['msg']}"
                        f" (value {raw.get(str(err['loc'][0]))!r})"
                    )
    if errors:
        raise ReferenceDataError("; ".join(errors[:20]))
    return rows


def _unique(items: Iterable[Any], key: str, file: str) -> None:
    seen: set[Any] = set()
    for item in items:
        value = getattr(item, key)
        if value in seen:
            raise ReferenceDataError(f"{file}: duplicate {key} {value!r}")
        seen.add(value)


@dataclass(frozen=True)
class Reference:
    """Every reference list, validated and cross-checked as one consistent set."""

    outcomes: tuple[Outcome, ...]
    aims: tuple[Aim, ...]
    nsf_standards: tuple[NSFStandard, ...]
    client_groups: tuple[ClientGroup, ...]
    indicators: tuple[Indicator, ...]
    areas: tuple[Area, ...]
    clusters: tuple[Cluster, ...]

    @functools.cached_property
    def indicator_by_id(self) -> dict[str, Indicator]:
        return {i.indicator_id: i for i in self.indicators}

    @functools.cached_property
    def area_by_code(self) -> dict[str, Area]:
        return {a.area_code: a for a in self.areas}

    @property
    def local_authorities(self) -> list[Area]:
        return [a for a in self.areas if a.area_type == "la"]

    @property
    def regions(self) -> list[Area]:
        return [a for a in self.areas if a.area_type == "region"]

    @property
    def england(self) -> Area:
        return next(a for a in self.areas if a.area_type == "england")

    def check(self) -> None:
        """Cross-reference checks that a single row's model cannot make."""
        _unique(self.outcomes, "outcome_id", "outcomes.csv")
        _unique(self.aims, "aim_id", "aims.csv")
        _unique(self.nsf_standards, "standard", "nsf_standards.csv")
        _unique(self.client_groups, "client_group_id", "client_groups.csv")
        _unique(self.indicators, "indicator_id", "indicators.csv")
        _unique(self.areas, "area_code", "areas.csv")
        _unique(self.clusters, "cluster_code", "clusters.csv")
        outcome_ids = {o.outcome_id for o in self.outcomes}
        aim_outcome = {a.aim_id: a.outcome_id for a in self.aims}
        standards = {s.standard for s in self.nsf_standards}
        groups = {g.client_group_id for g in self.client_groups}
        problems: list[str] = []
        for aim in self.aims:
            if aim.outcome_id not in outcome_ids:
                problems.append(f"aims.csv: {aim.aim_id} has unknown outcome {aim.outcome_id}")
        for std in self.nsf_standards:
            for oid in std.closest_outcomes:
                if oid not in outcome_ids:
                    problems.append(f"nsf_standards.csv: standard {std.standard} names {oid}")
        for ind in self.indicators:
            where = f"indicators.csv: {ind.indicator_id}"
            if ind.outcome_id not in outcome_ids:
                problems.append(f"{where}: unknown outcome {ind.outcome_id}")
            if aim_outcome.get(ind.aim_id) != ind.outcome_id:
                problems.append(f"{where}: aim {ind.aim_id} is not under outcome {ind.outcome_id}")
            problems += [f"{where}: unknown NSF standard {s}" for s in ind.nsf_standards if s not in standards]
            problems += [f"{where}: unknown client group {g}" for g in ind.client_groups if g not in groups]
            if not ind.client_groups:
                problems.append(f"{where}: no client groups")
        codes = self.area_by_code
        englands = [a.area_code for a in self.areas if a.area_type == "england"]
        if englands != [ENGLAND]:
            problems.append(f"areas.csv: the one England row must be {ENGLAND}, found {englands}")
        for area in self.areas:
            if area.area_type == "england":
                continue
            parent = codes.get(area.parent_code or "")
            expected = {"region": "england", "la": "region"}[area.area_type]
            if parent is None or parent.area_type != expected:
                problems.append(f"areas.csv: {area.area_code} parent {area.parent_code!r} is not a {expected}")
        for cl in self.clusters:
            parent = codes.get(cl.parent_code)
            if parent is None or parent.area_type != "la":
                problems.append(f"clusters.csv: {cl.cluster_code} parent {cl.parent_code} is not an LA")
        if problems:
            raise ReferenceDataError("; ".join(problems[:30]))


def load_reference(data_dir: Path | str | None = None) -> Reference:
    """Load and validate every reference file (cached per folder)."""
    return _load_reference(Path(data_dir) if data_dir else DATA_DIR)


@functools.lru_cache(maxsize=4)
def _load_reference(data_dir: Path) -> Reference:
    ref_dir = data_dir / "reference"
    ref = Reference(
        outcomes=tuple(sorted(read_rows(ref_dir / "outcomes.csv", Outcome), key=lambda o: o.sort_order)),
        aims=tuple(sorted(read_rows(ref_dir / "aims.csv", Aim), key=lambda a: (a.outcome_id, a.sort_order))),
        nsf_standards=tuple(read_rows(ref_dir / "nsf_standards.csv", NSFStandard)),
        client_groups=tuple(
            sorted(read_rows(ref_dir / "client_groups.csv", ClientGroup), key=lambda g: g.sort_order)
        ),
        indicators=tuple(read_rows(ref_dir / "indicators.csv", Indicator)),
        areas=tuple(read_rows(ref_dir / "areas.csv", Area)),
        clusters=tuple(read_rows(ref_dir / "clusters.csv", Cluster)),
    )
    ref.check()
    return ref


class JarGrade(_Row):
    """A point on the joint area review judgement scale (1 inadequate to 4 outstanding)."""

    grade: int = Field(ge=1, le=4)
    name: str


class JarAspect(_Row):
    """What a joint area review grades besides the five ECM outcomes (read from the store)."""

    aspect_id: str = Field(pattern=r"^[a-z_]+$")
    name: str


def load_jar_scale(data_dir: Path | str | None = None) -> tuple[dict[int, str], dict[str, str]]:
    """The JAR grades (grade -> name) and extra aspects (id -> name), from ``data/reference``.

    The schema's CHECK (grade 1 to 4) must agree with the file, so the grades are
    checked to be exactly 1..4.
    """
    base = Path(data_dir) if data_dir else DATA_DIR
    grades = read_rows(base / "reference" / "jar_grades.csv", JarGrade)
    if sorted(g.grade for g in grades) != [1, 2, 3, 4]:
        raise ReferenceDataError("jar_grades.csv: the JAR scale has exactly the grades 1, 2, 3 and 4")
    aspects = read_rows(base / "reference" / "jar_aspects.csv", JarAspect)
    return {g.grade: g.name for g in sorted(grades, key=lambda g: g.grade)}, {a.aspect_id: a.name for a in aspects}


class UnboundedProportion(_Row):
    """A proportion its publisher puts outside 0 to 100 (take-up over an estimate, a gap)."""

    indicator_id: str
    reason: str


@functools.lru_cache(maxsize=4)
def load_unbounded_proportions(data_dir: Path | str | None = None) -> dict[str, str]:
    """Indicator id -> why its published proportions may leave 0-100 (``data/mappings``).

    Reviewed by hand: each was found importing LAIT's whole dataset, and the import's
    range rules would otherwise refuse the publisher's own figures.
    """
    base = Path(data_dir) if data_dir else DATA_DIR
    rows = read_rows(base / "mappings" / "unbounded_proportions.csv", UnboundedProportion)
    return {r.indicator_id: r.reason for r in rows}


def load_area_code_changes(data_dir: Path | str | None = None) -> dict[str, str]:
    """Old ONS code -> current code, for importing files that predate a re-code."""
    base = Path(data_dir) if data_dir else DATA_DIR
    rows = read_rows(base / "reference" / "area_code_changes.csv", AreaCodeChange)
    return {r.old_code: r.new_code for r in rows}


class FormerLA(_Row):
    """An LA abolished by a merger or split, which older published files still list.

    Unlike a re-code (:class:`AreaCodeChange`) its figures and its place in a
    statistical-neighbour list describe an area that no current LA matches.
    """

    la_number: str
    area_code: str
    name: str
    ended_year: int
    successor_codes: tuple[str, ...]
    reason: str

    @field_validator("successor_codes", mode="before")
    @classmethod
    def _split_codes(cls, value: object) -> object:
        return tuple(c.strip() for c in value.split(";") if c.strip()) if isinstance(value, str) else value


def load_former_las(data_dir: Path | str | None = None) -> dict[str, FormerLA]:
    """DfE LA number -> the abolished LA it named (``reference/former_las.csv``).

    Checked against the current areas: a former LA's number is not a current
    LA's, and each successor is a current LA.
    """
    base = Path(data_dir) if data_dir else DATA_DIR
    rows = read_rows(base / "reference" / "former_las.csv", FormerLA)
    _unique(rows, "la_number", "former_las.csv")
    areas = read_rows(base / "reference" / "areas.csv", Area)
    current = {a.la_number for a in areas if a.area_type == "la" and a.la_number}
    las = {a.area_code for a in areas if a.area_type == "la"}
    for r in rows:
        if r.la_number in current:
            raise ReferenceDataError(f"former_las.csv: LA number {r.la_number} ({r.name}) is a current LA's")
        missing = [c for c in r.successor_codes if c not in las]
        if not r.successor_codes or missing:
            raise ReferenceDataError(
                f"former_las.csv: {r.name}'s successor_codes {';'.join(r.successor_codes)!r} must name current LAs")
    return {r.la_number: r for r in rows}


class NeighbourLayout(_Row):
    """How one publisher's statistical-neighbour file is laid out (``mappings/neighbour_layouts.csv``).

    ``la_column``, ``name_column`` and ``closeness_column`` list the header names
    each column goes by (``;``-separated, the first one present wins: DfE's
    workbook has both "LA num" and "LA number"). ``neighbour_column`` and
    ``closeness_column`` stand for 1..``neighbours`` with ``{rank}``; a closeness
    is the first column after its neighbour's that bears one of those names (DfE's
    LAIT layout repeats ``SNP``).
    """

    layout: str
    title: str
    la_column: tuple[str, ...]
    name_column: tuple[str, ...]
    neighbour_column: str
    closeness_column: tuple[str, ...]
    neighbours: int = Field(ge=1)
    old_section_marker: str = ""

    @field_validator("la_column", "name_column", "closeness_column", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        if isinstance(value, str):
            names = tuple(n.strip() for n in value.split(";") if n.strip())
            if not names:
                raise ValueError("names at least one header")
            return names
        return value

    @field_validator("neighbour_column")
    @classmethod
    def _has_rank(cls, value: str) -> str:
        if "{rank}" not in value:
            raise ValueError("must contain {rank}")
        return value


def load_neighbour_layouts(data_dir: Path | str | None = None) -> list[NeighbourLayout]:
    base = Path(data_dir) if data_dir else DATA_DIR
    rows = read_rows(base / "mappings" / "neighbour_layouts.csv", NeighbourLayout)
    _unique(rows, "layout", "neighbour_layouts.csv")
    return rows


def load_demo_params(data_dir: Path | str | None = None) -> dict[str, DemoParams]:
    """Parameters of the synthetic demo, one row per catalogue indicator."""
    base = Path(data_dir) if data_dir else DATA_DIR
    rows = read_rows(base / "demo" / "indicator_params.csv", DemoParams)
    return {r.indicator_id: r for r in rows}


class _ExtractIndicator(_Row):
    """A reviewed decision on one indicator of a Fingertips-derived extract.

    ``indicator_id`` names the catalogue indicator with the same definition and
    unit; blank means reviewed and left out (the ``reason`` says why), so its rows
    are skipped by rule and counted, while an indicator in no row is refused.
    """

    indicator_id: str | None = None
    reason: str

    _blank = field_validator("indicator_id", mode="before")(_blank_to_none)

    @field_validator("reason")
    @classmethod
    def _said(cls, value: str) -> str:
        if not value:
            raise ValueError("say why the extract's indicator is (or is not) the catalogue's")
        return value


class FingertipsTidyIndicator(_ExtractIndicator):
    """One row of ``mappings/fingertips_tidy_indicators.csv``: an ``indicator`` of the tidy
    extracts (``area_code, area_name, period, value, indicator, measure, unit, significance``)."""

    indicator: str
    measure: str
    client_group_id: str = "all"

    @field_validator("client_group_id", mode="before")
    @classmethod
    def _all(cls, value: Any) -> Any:
        return "all" if _blank_to_none(value) is None else value


class HealthdataIndicator(_ExtractIndicator):
    """One row of ``mappings/fingertipsnext_healthdata_indicators.csv``: a FingertipsNext
    ``IndicatorId`` and the ``Age`` band that is the catalogue indicator's."""

    fingertips_id: int
    name: str
    age: str | None = None

    _age = field_validator("age", mode="before")(_blank_to_none)

    @model_validator(mode="after")
    def _age_given(self) -> HealthdataIndicator:
        if self.indicator_id and not self.age:
            raise ValueError("a mapped indicator needs the Age band that is the catalogue indicator's")
        return self


def load_fingertips_tidy_mapping(path: Path | str | None = None) -> list[FingertipsTidyIndicator]:
    """The reviewed mapping of the tidy Fingertips extracts' indicators (``data/mappings``)."""
    path = Path(path) if path else DATA_DIR / "mappings" / "fingertips_tidy_indicators.csv"
    rows = read_rows(path, FingertipsTidyIndicator)
    _unique(rows, "indicator", path.name)
    return rows


def load_healthdata_mapping(path: Path | str | None = None) -> list[HealthdataIndicator]:
    """The reviewed mapping of FingertipsNext ``healthdata`` indicator ids (``data/mappings``)."""
    path = Path(path) if path else DATA_DIR / "mappings" / "fingertipsnext_healthdata_indicators.csv"
    rows = read_rows(path, HealthdataIndicator)
    _unique(rows, "fingertips_id", path.name)
    return rows
