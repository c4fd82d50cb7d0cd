"""The county's own report, from a summary: kinds of unit, the named figures and
rates of schemas/county.yaml, subtotals by kind, and the figure sentences drafted
for the summary's text. Every number here is computed from the reports' values,
exactly; a figure over a cell that holds no number is unknown (None), never 0."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fnmatch import fnmatchcase
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from xltools.model.codes import fold_name
from xltools.model.report import Report, number_text
from xltools.model.schema import load_county, load_format
from xltools.model.totals import add_up, is_number

if TYPE_CHECKING:
    from xltools.model.config import DraftCase


# --- kinds of unit -------------------------------------------------------------------

def kind_ids() -> list[str]:
    return [k.id for k in load_county().kinds]


def kind_label(kind: str) -> str:
    return next(k.label for k in load_county().kinds if k.id == kind)


@functools.cache
def _kind_words() -> dict[str, str]:
    return {fold_name(w): k.id for k in load_county().kinds for w in [k.label, *k.words]}


def kind_of(word: str | None) -> tuple[str, str | None]:
    """The kind a roster's 类型 names, and why it is the fallback instead (`blank`,
    `word`: an unknown word), or None when the roster names it."""
    if not (word or "").strip():
        return load_county().fallback, "blank"
    found = _kind_words().get(fold_name(word))
    return (found, None) if found else (load_county().fallback, "word")


def kind_by_label(label: str | None) -> str | None:
    """A kind as 明细 writes it (its label) back to its id."""
    return next((k.id for k in load_county().kinds if k.label == (label or "").strip()), None)


# --- figures and rates ---------------------------------------------------------------

@functools.cache
def figure_fields(name: str, format_id: str = "2021") -> tuple[str, ...]:
    """The field ids a figure adds up, its patterns expanded in the format's order."""
    ids = [f.id for f in load_format(format_id).numeric_fields()]
    out = []
    for pattern in load_county().figures[name].fields:
        found = [i for i in ids if fnmatchcase(i, pattern)]
        if not found:
            raise KeyError(f"county.yaml: figure {name!r} names no field of format {format_id}: {pattern}")
        out += found
    return tuple(out)


def figure(values: dict[str, Any], name: str) -> int | Decimal | None:
    """A figure's value: the sum of its fields, or None when one of them is not a number."""
    parts = [values.get(f) for f in figure_fields(name)]
    if not all(is_number(p) for p in parts):
        return None
    return sum(parts, 0)


def figure_label(name: str) -> str:
    return load_county().figures[name].label


@dataclass(frozen=True)
class Rate:
    """One rate of one unit or kind: `of` cases over `over`, as county.yaml defines it."""

    id: str
    label: str
    of: int | Decimal | None
    over: int | Decimal | None

    @functools.cached_property  # ranked and compared again and again
    def exact(self) -> Fraction | None:
        if self.of is None or self.over is None or self.over == 0:
            return None
        return Fraction(self.of) / Fraction(self.over)

    @property
    def percent(self) -> Decimal | None:
        """The rate as a percentage, rounded half up to county.yaml's decimals."""
        exact = self.exact
        if exact is None:
            return None
        step = Decimal(1).scaleb(-load_county().rates.decimals)
        return (Decimal(exact.numerator * 100) / Decimal(exact.denominator)).quantize(step, ROUND_HALF_UP)

    @property
    def ranked(self) -> bool:
        """Enough cases to compare units by: ranked and coloured."""
        return self.exact is not None and self.over >= load_county().rates.threshold


def rates(values: dict[str, Any]) -> list[Rate]:
    out = []
    for r in load_county().rates.list:
        parts = [figure(values, f) for f in r.of]
        of = None if any(p is None for p in parts) else sum(parts, 0)
        out.append(Rate(r.id, r.label, of, figure(values, r.over)))
    return out


def ranks(column: list[Rate]) -> list[int | None]:
    """Each rate's place from the highest down among the rates with enough cases
    (equal rates share a place: 1, 2, 2, 4); None for the rest."""
    ranked = sorted((r.exact for r in column if r.ranked), reverse=True)
    first = {}
    for i, value in enumerate(ranked, start=1):
        first.setdefault(value, i)
    return [first[r.exact] if r.ranked else None for r in column]


# --- subtotals by kind -----------------------------------------------------------------

def subtotals(reports: dict[str, list[Report]]) -> dict[str, dict[str, Any]]:
    """Every kind's exact sum, as merge adds up (an empty kind sums to 0)."""
    fmt = load_format()
    return {kind: add_up(fmt, reports.get(kind, [])) for kind in kind_ids()}


# --- drafted sentences -----------------------------------------------------------------

_PLACE = re.compile(r"\{(\w+)(?::([\w,]+))?\}")


def change(now, last) -> str:
    """How a figure changed since last year, as county.yaml words it; nothing when
    either year's figure is unknown."""
    county = load_county()
    words, threshold = county.change, county.rates.threshold
    if not (is_number(now) and is_number(last)):
        return ""
    if now == last:
        return words.same
    up = now > last
    if last < threshold:
        return (words.up_count if up else words.down_count).format(n=number_text(abs(now - last)))
    step = Decimal(1).scaleb(-county.rates.decimals)
    percent = (Decimal(abs(now - last)) * 100 / Decimal(last)).quantize(step, ROUND_HALF_UP)
    return (words.up_percent if up else words.down_percent).format(percent=number_text(percent))


@dataclass
class Drafting:
    """What the sentences are drafted from: the summary, its kinds' subtotals (with
    how many units each has), and last year's summary's values if given."""

    report: Report
    kinds: dict[str, dict[str, Any]]
    units: dict[str, int]
    last: dict[str, Any] | None = None

    def number(self, name: str) -> str:
        value = figure(self.report.values, name)
        if value is None:
            raise ValueError(f"figure {name} is not known")  # a merged summary has every number
        return number_text(value)

    def place(self, m: re.Match) -> str:
        what, arg = m.group(1), m.group(2)
        s = load_county()
        if arg is None:
            if what == "unit":
                return self.report.unit or ""
            if what == "year":
                return str(self.report.year)
            return self.number(what)
        if what == "change":
            last = figure(self.last, arg) if self.last is not None else None
            return change(figure(self.report.values, arg), last)
        if what == "kinds":
            present = [k for k in kind_ids() if self.units.get(k)]
            if len(present) < 2:
                return ""
            phrase = {k.id: k.phrase for k in s.kinds}
            return s.kinds_lead + s.separator.join(
                s.item.format(word=phrase[k], n=number_text(figure(self.kinds[k], arg))) for k in present)
        if what == "parts":
            items = [(s.figures[name].word, figure(self.report.values, name)) for name in arg.split(",")]
            return s.separator.join(s.item.format(word=w, n=number_text(n)) for w, n in items if n)
        raise KeyError(f"county.yaml: unknown placeholder {m.group(0)}")

    def sentence(self, cases: list[DraftCase]) -> str:
        for case in cases:
            if all(figure(self.report.values, z) == 0 for z in case.zero or ()):
                return _PLACE.sub(self.place, case.text)
        return ""


def draft(d: Drafting) -> dict[str, str]:
    """The drafted text of each text section county.yaml drafts: its sentences, a
    line break where a new paragraph starts."""
    out = {}
    for text_id, sentences in load_county().drafts.items():
        paragraphs, current = [], ""
        for item in sentences:
            if item == "paragraph":
                paragraphs.append(current)
                current = ""
            else:
                current += d.sentence(item)
        paragraphs.append(current)
        out[text_id] = "\n".join(p for p in paragraphs if p)
    return out


def fill_empty(report: Report, drafted: dict[str, str]) -> list[str]:
    """Put each drafted text into the report's text where that is empty; the ids filled."""
    filled = []
    for text_id, text in drafted.items():
        if text and not (report.text.get(text_id) or "").strip():
            report.text[text_id] = text
            filled.append(text_id)
    return filled
