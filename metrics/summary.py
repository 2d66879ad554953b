"""The board paper's summary in plain English, written from the statistics (no language model).

A board member reads prose. Each sentence here states its figures and the
comparator, says "significantly" only where a significance test gave the
result (the ``comparison`` or ``trend`` of :mod:`metrics.results`, or the
client-group gap of :mod:`metrics.subgroups`), and names the page that shows
the figures, so a reader can check every number. Wording follows the GOV.UK
style guide: plain words, numerals, no jargon, sentence case.

Each :class:`Sentence` carries the :class:`Claim` s it makes, so a test can hold
every figure and every "significantly" in the text to the results it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.display import MISSING, fmt_value
from metrics.labels import TREND_WINDOW
from metrics.lookups import area_infos
from metrics.ofsted import Inspection, format_date, latest_inspection
from metrics.results import Selection, area_results
from metrics.scorecard import by_band
from metrics.store import Store
from metrics.subgroups import client_group_results

#: How many indicators a sentence lists by name before saying "and N more".
NAMED = 5
#: Pages a sentence can point to (the page file names under dashboard/pages/), and their titles.
PAGES: dict[str, str] = {"home": "Outcome scorecard", "profile": "Area profile", "trends": "Trends",
                         "client_groups": "Client groups", "weak_areas": "Weak areas"}

TESTED = ("better", "similar", "worse")


@dataclass(frozen=True)
class Claim:
    """One figure a sentence states, and what it says of it."""

    indicator_id: str
    value: float | None
    comparator_value: float | None
    comparison: str | None = None  # "worse", "better", "similar": only where the text says so
    trend: str | None = None  # "getting_worse", "getting_better": only where the text says so
    client_group_id: str = "all"


@dataclass(frozen=True)
class Sentence:
    text: str
    page: str  # one of PAGES
    params: dict[str, str] = field(default_factory=dict)  # added to the selection's URL
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class Summary:
    title: str
    sentences: list[Sentence]
    outcomes: dict[str, list[Sentence]]  # outcome id -> its sentences, in the scorecard's order
    outcome_names: dict[str, str]
    note: str


def figure(value: object, places: object, unit: object) -> str:
    """A figure with its unit as a sentence says it: "75.9%", "93.9 per 10,000", "46.5"."""
    text = fmt_value(value, int(places) if pd.notna(places) else 1)  # type: ignore[call-overload]
    if text == MISSING:
        return "no figure"
    u = str(unit) if isinstance(unit, str) else ""
    if u == "%":
        return f"{text}%"
    if u and u.lower() not in ("score", "number", "num", "mean", "ratio"):
        return f"{text} {u}"
    return text


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _lower_first(text: str) -> str:
    """"Overall absence rate" -> "overall absence rate" mid-sentence; "EHC plans" stays."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _names(titles: Sequence[str]) -> str:
    titles = list(titles)
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def _claim(row: pd.Series, comparison: str | None = None, trend: str | None = None,
           comparator: str = "benchmark_value") -> Claim:
    value = row.get("value")
    other = row.get(comparator)
    return Claim(str(row["indicator_id"]), None if pd.isna(value) else float(value),
                 None if pd.isna(other) else float(other), comparison, trend,
                 str(row.get("client_group_id", "all")))


def _visible(results: pd.DataFrame) -> pd.DataFrame:
    """Rows a sentence may quote: not suppressed, with a value."""
    keep = ~results["suppressed"].fillna(False).astype(bool) & results["value"].notna()
    return results[keep.to_numpy()]


def _lead(area: str, when: str, bench: str, r: pd.DataFrame) -> list[Sentence]:
    comparison = r["comparison"].to_numpy(dtype=object)
    tested = int(np.isin(comparison, TESTED).sum())
    untested = len(r) - tested - int(np.isin(comparison, ["higher", "lower"]).sum())
    counts = {k: int((comparison == k).sum()) for k in TESTED}
    if tested == 0:
        return [Sentence(f"{area}, {when}: none of the {len(r)} indicators shown could be tested against "
                         f"{bench}, because no confidence interval is published for them.", "home")]
    text = (f"{area}, {when}: of {_plural(tested, 'indicator')} tested against {bench}, "
            f"{counts['worse']} {'is' if counts['worse'] == 1 else 'are'} significantly worse, "
            f"{counts['better']} significantly better and {counts['similar']} similar.")
    out = [Sentence(text, "home")]
    if untested:
        position = by_band(r)
        worst, best = int((position == "worst_quarter").sum()), int((position == "best_quarter").sum())
        bands = (f" By their national band, which is not a test, {worst} of them {'is' if worst == 1 else 'are'}"
                 f" among the worst quarter of LAs (band D) and {best} among the best quarter (band A)."
                 if worst or best else "")
        out.append(Sentence(f"{_plural(untested, 'more indicator')} could not be tested: they have no "
                            f"confidence interval, value or benchmark.{bands}", "home"))
    return out


def _most_worse(r: pd.DataFrame, bench: str) -> list[Sentence]:
    worse = r[r["comparison"].to_numpy(dtype=object) == "worse"]
    if worse.empty:
        return []
    tested = r[np.isin(r["comparison"].to_numpy(dtype=object), TESTED)]
    per = worse.groupby("outcome_name", sort=False).size()
    top = per[per == per.max()]
    n_tested = tested.groupby("outcome_name", sort=False).size()
    parts = [f"{name} ({int(n)} of {int(n_tested[name])} tested)" for name, n in top.items()]
    verb = "has" if len(parts) == 1 else "have"
    claims = tuple(_claim(row, comparison="worse") for _, row in worse[worse["outcome_name"].isin(top.index)].iterrows())
    return [Sentence(f"{_names(parts)} {verb} the most indicators significantly worse than {bench}.",
                     "home", claims=claims)]


def _red_red(r: pd.DataFrame, bench: str) -> list[Sentence]:
    both = r[(r["comparison"].to_numpy(dtype=object) == "worse") & (r["trend"].to_numpy(dtype=object) == "getting_worse")]
    out = []
    for _, row in both.head(NAMED).iterrows():
        out.append(Sentence(
            f"{row['short_title']} is significantly worse than {bench} and getting worse: "
            f"{figure(row['value'], row['decimal_places'], row['unit'])} against "
            f"{figure(row['benchmark_value'], row['decimal_places'], row['unit'])} in {row['period_label']}.",
            "trends", {"indicator": str(row["indicator_id"])},
            (_claim(row, comparison="worse", trend="getting_worse"),)))
    if len(both) > NAMED:
        out.append(Sentence(f"{_plural(len(both) - NAMED, 'more indicator')} {'is' if len(both) - NAMED == 1 else 'are'}"
                            " also significantly worse and getting worse.", "weak_areas"))
    return out


def _improving(r: pd.DataFrame) -> list[Sentence]:
    better = r[r["trend"].to_numpy(dtype=object) == "getting_better"]
    if better.empty:
        return []
    named = better.head(NAMED)
    titles = [f"{row['short_title']} ({figure(row['value'], row['decimal_places'], row['unit'])} in "
              f"{row['period_label']})" for _, row in named.iterrows()]
    more = f", and {_plural(len(better) - NAMED, 'more')}" if len(better) > NAMED else ""
    text = f"Getting significantly better over the latest periods: {_names(titles)}{more}."
    claims = tuple(Claim(str(row["indicator_id"]), float(row["value"]), None, None, "getting_better")
                   for _, row in named.iterrows())
    return [Sentence(text, "profile", claims=claims)]


def _group_gaps(groups: pd.DataFrame | None) -> list[Sentence]:
    """The biggest gaps between a client group and all children in the area, where the gap is significant."""
    if groups is None or groups.empty:
        return []
    g = groups[(groups["comparison"].to_numpy(dtype=object) == "worse")]
    g = g[~g["suppressed"].fillna(False).astype(bool).to_numpy() & g["value"].notna().to_numpy()
          & g["all_value"].notna().to_numpy()]
    if g.empty:
        return []
    # Ranked by the gap relative to all children's figure, so a gap in points and
    # one in a rate per 10,000 are put in one order.
    relative = (g["value"] - g["all_value"]).abs() / g["all_value"].abs().replace(0, np.nan)
    g = g.assign(_rel=relative.fillna(0)).sort_values("_rel", ascending=False).head(3)
    out = []
    for _, row in g.iterrows():
        out.append(Sentence(
            f"For {_lower_first(str(row['group_name']))}, {_lower_first(str(row['short_title']))} is "
            f"{figure(row['value'], row['decimal_places'], row['unit'])} against "
            f"{figure(row['all_value'], row['decimal_places'], row['unit'])} for all children in the area "
            f"({row['period_label']}): significantly worse.",
            "client_groups", {"group": str(row["client_group_id"])},
            (_claim(row, comparison="worse", comparator="all_value"),)))
    return out


def _ofsted(area: str, inspection: Inspection | None) -> list[Sentence]:
    if inspection is None:
        return [Sentence(f"No Ofsted inspection of {area}'s children's services is held in this store.", "profile")]
    published = (f"; report published {format_date(inspection.publication_date)}"
                 if inspection.publication_date else "")
    kind = f"ILACS {inspection.inspection_type} inspection" if inspection.inspection_type else "ILACS inspection"
    overall = inspection.overall or "no overall grade"
    return [Sentence(f"Ofsted's latest judgement of children's services: {overall} ({kind} starting "
                     f"{format_date(inspection.inspection_date)}{published}).", "profile")]


def outcome_sentences(results: pd.DataFrame, outcome_id: str, bench: str) -> list[Sentence]:
    """An outcome's paragraph: its counts, then what is worse and getting worse, by name."""
    r = _visible(results[results["outcome_id"].to_numpy(dtype=object) == outcome_id])
    if r.empty:
        return []
    name = str(r["outcome_name"].iloc[0])
    comparison = r["comparison"].to_numpy(dtype=object)
    tested = int(np.isin(comparison, TESTED).sum())
    if tested == 0:
        return [Sentence(f"{name}: none of the {len(r)} indicators shown could be tested against {bench}.",
                         "profile", {"outcome": outcome_id})]
    worse = r[comparison == "worse"]
    better = int((comparison == "better").sum())
    if worse.empty and better == 0:
        text = (f"{name}: {'the 1 tested indicator is not' if tested == 1 else f'none of the {tested} tested indicators is'}"
                f" significantly different from {bench}.")
    else:
        text = (f"{name}: {len(worse)} of {tested} tested {'indicators' if tested > 1 else 'indicator'} "
                f"{'is' if len(worse) == 1 else 'are'} significantly worse than {bench} and "
                f"{better} significantly better.")
    out = [Sentence(text, "profile", {"outcome": outcome_id})]
    if not worse.empty:
        items = [f"{row['short_title']} ({figure(row['value'], row['decimal_places'], row['unit'])} against "
                 f"{figure(row['benchmark_value'], row['decimal_places'], row['unit'])})"
                 for _, row in worse.head(NAMED).iterrows()]
        more = f", and {_plural(len(worse) - NAMED, 'more')}" if len(worse) > NAMED else ""
        out.append(Sentence(f"Significantly worse: {_names(items)}{more}.", "profile", {"outcome": outcome_id},
                            tuple(_claim(row, comparison="worse") for _, row in worse.head(NAMED).iterrows())))
    getting_worse = r[r["trend"].to_numpy(dtype=object) == "getting_worse"]
    if not getting_worse.empty:
        titles = list(getting_worse["short_title"].head(NAMED))
        more = f", and {_plural(len(getting_worse) - NAMED, 'more')}" if len(getting_worse) > NAMED else ""
        out.append(Sentence(f"Getting worse: {_names(titles)}{more}.", "profile", {"outcome": outcome_id},
                            tuple(Claim(str(row["indicator_id"]), float(row["value"]), None, None, "getting_worse")
                                  for _, row in getting_worse.head(NAMED).iterrows())))
    return out


def summarise(area_name: str, sel: Selection, results: pd.DataFrame, groups: pd.DataFrame | None = None,
              inspection: Inspection | None = None, area_type: str = "la") -> Summary:
    """The summary of an area's results (:func:`metrics.results.area_results`) for ``sel``.

    ``groups``: :func:`metrics.subgroups.client_group_results` for the same selection;
    ``inspection``: the area's latest Ofsted inspection (Ofsted inspects LAs only, so
    other areas get no sentence about it).
    """
    r = _visible(results)
    if r.empty:
        return Summary(f"{area_name}: summary for the board",
                       [Sentence(f"No figures are held for {area_name} for this selection.", "home")], {}, {}, "")
    bench = str(results["benchmark_name"].dropna().iloc[0]) if results["benchmark_name"].notna().any() else "England"
    when = sel.period_text if sel.period_year else "latest available figures"
    if area_type == "england" and sel.benchmark == "england":
        lead = [Sentence("England is what every other area is compared with here, so its own figures are not "
                         "tested against it: choose another area, or see how client groups compare below.", "home")]
    else:
        lead = [*_lead(area_name, when, bench, r), *_most_worse(r, bench), *_red_red(r, bench)]
    sentences = [*lead, *_improving(r), *_group_gaps(groups),
                 *(_ofsted(area_name, inspection) if area_type == "la" else [])]
    order = list(pd.unique(results["outcome_id"]))
    names = dict(zip(results["outcome_id"], results["outcome_name"], strict=True))
    outcomes = {str(o): outcome_sentences(results, str(o), bench) for o in order}
    note = ("'Significantly' means the confidence interval of the figure (95% unless the indicator says "
            "otherwise) does not include the comparator's value; 'getting better' and 'getting worse' mean a "
            f"significant trend over the {TREND_WINDOW}. Figures with no confidence interval are not "
            "tested and are not called better or worse.")
    return Summary(f"{area_name}: summary for the board", sentences, outcomes,
                   {str(k): str(v) for k, v in names.items()}, note)


def area_summary(store: Store, sel: Selection) -> Summary:
    """:func:`summarise` with its inputs read from ``store``."""
    info = area_infos(store, [sel.area_code]).get(sel.area_code, {})
    area_type = str(info.get("area_type", "la"))
    return summarise(str(info.get("name", sel.area_code)), sel, area_results(store, sel),
                     client_group_results(store, sel),
                     latest_inspection(store, sel.area_code) if area_type == "la" else None, area_type)


_MARKDOWN_ACTIVE = str.maketrans({c: "\\" + c for c in "\\`*_[]<>!#|"})


def _md_literal(text: str) -> str:
    """Catalogue titles and area names come from imported files: as Markdown they must
    stay text (no link, image or HTML), so the characters that start one are escaped."""
    return text.translate(_MARKDOWN_ACTIVE)


def to_markdown(summary: Summary, link: dict[str, str] | None = None) -> str:
    """The summary as Markdown a board paper can paste. ``link``: page -> URL for each sentence's page."""

    def line(s: Sentence) -> str:
        text = _md_literal(s.text)
        if link and s.page in link:
            return f"{text} ([see the figures]({_address(link[s.page], s.params)}))"
        return text

    parts = [f"# {_md_literal(summary.title)}", "", *[f"- {line(s)}" for s in summary.sentences], ""]
    for oid, sentences in summary.outcomes.items():
        if sentences:
            parts += [f"## {_md_literal(summary.outcome_names[oid])}", "", " ".join(line(s) for s in sentences), ""]
    parts += [f"_{_md_literal(summary.note)}_", ""]
    return "\n".join(parts)


def to_docx(summary: Summary, link: dict[str, str] | None = None) -> bytes:
    """The summary as a Word document (headings, a bulleted list, a paragraph per outcome).

    Word's own heading and list styles, so a board paper's template restyles it and
    a screen reader announces its structure. Each sentence's page is a hyperlink
    where ``link`` gives its address.
    """
    from io import BytesIO

    from docx import Document

    doc = Document()
    doc.core_properties.title = summary.title
    doc.add_heading(summary.title, level=1)
    for s in summary.sentences:
        para = doc.add_paragraph(s.text, style="List Bullet")
        if link and s.page in link:
            para.add_run(" ")
            _hyperlink(para, _address(link[s.page], s.params), "See the figures")
    for oid, sentences in summary.outcomes.items():
        if sentences:
            doc.add_heading(summary.outcome_names[oid], level=2)
            doc.add_paragraph(" ".join(s.text for s in sentences))
    note = doc.add_paragraph()
    note.add_run(summary.note).italic = True
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _address(base: str, params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    if not params:
        return base
    return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"


def _hyperlink(paragraph: object, url: str, text: str) -> None:
    """A real hyperlink run: python-docx has no public call for one, so the element is built."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    part = paragraph.part  # type: ignore[attr-defined]
    r_id = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)  # type: ignore[attr-defined]  # python-docx's documented element access
