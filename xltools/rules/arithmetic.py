"""The arithmetic rules (R1–R4, and W1–W2 against last year's report), declared as a
pandera schema generated from schemas/ and checked over one stacked DataFrame: a row
per file, a column per numeric field, NaN where a value is not known. The schema
declares each field's bounds by its kind (a whole number or one with decimals, ≥ 0
or signed) and each equation as a check of its own; one validation call
judges all files, and each failure case of an equation (a file, an equation) becomes
a finding, told in words by its rule's check type (sum, balance, previous)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from xltools.model.findings import Finding, arithmetic
from xltools.model.report import Report
from xltools.model.schema import Equation, Term, equations, load_format, load_rules
from xltools.model.values import LARGEST, MAX_DECIMALS
from xltools.rules.result import FileResult
from xltools.xlsx.layout import Layout, total_formula

LAST = "last."  # a column of last year's value of a field is the field's id after this


@dataclass(frozen=True)
class EquationSet:
    equations: list[Equation]
    fields: dict[str, int]  # numeric field id → column of the value matrix
    last: tuple[str, ...]  # the fields some equation reads from last year's report

    @property
    def columns(self) -> list[str]:
        """The stacked frame's columns: this year's fields, then last year's that the equations read."""
        return [*self.fields, *(LAST + f for f in self.last)]


@functools.cache
def equation_set(format_id: str = "2021") -> EquationSet:
    fmt = load_format(format_id)
    eqs = [eq for rule in load_rules().values() for eq in equations(fmt, rule)]
    last = (t.field for eq in eqs for t in eq.left + eq.right if t.last_year)
    return EquationSet(eqs, {f.id: i for i, f in enumerate(fmt.numeric_fields())}, tuple(dict.fromkeys(last)))


# --- the declaration -------------------------------------------------------------------

# A number cell's bounds by its kind, as values.parse reads a cell (R0 tells one outside
# them, and leaves it unknown): whole counts ≥ 0 (totals are counts), whole signed
# numbers, money ≥ 0 with at most MAX_DECIMALS decimals; all of them below 10^15.
BOUNDS = {"count": {"minimum": 0, "decimals": 0}, "signed": {"minimum": None, "decimals": 0},
          "money": {"minimum": 0, "decimals": MAX_DECIMALS}}


def _column(term: Term) -> str:
    return LAST + term.field if term.last_year else term.field


def _side(terms: tuple[Term, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((_column(t), t.sign) for t in terms)


def _said(eq: Equation) -> str:
    """An equation as a check's name: R1 三.new.x + 三.carried.x = … ."""
    def side(terms):
        return " ".join(f"{'-' if s < 0 else '+' if i else ''} {c}".strip() for i, (c, s) in enumerate(_side(terms)))
    return f"{eq.rule} {side(eq.left)} = {side(eq.right)}"


def _known(frame, columns) -> np.ndarray:
    """The values of `columns`, files × columns, NaN where not known."""
    return frame.to_numpy()[:, [frame.columns.get_loc(c) for c in columns]]


def sums(frame, side: tuple[tuple[str, int], ...]) -> np.ndarray:
    """One side of an equation per file: NaN when a term is not known."""
    columns, signs = zip(*side)
    return _known(frame, columns) @ np.array(signs, dtype=float)


def holds(frame, left, right):
    """Per file: the two sides are equal, or one of them is not known (a cell not
    read, no report last year): an equation with a term missing is not judged, so one
    bad cell does not cascade into other findings."""
    import pandas as pd

    lhs, rhs = sums(frame, left), sums(frame, right)
    return pd.Series((lhs == rhs) | np.isnan(lhs) | np.isnan(rhs), index=frame.index)


def within(frame, columns, minimum, decimals, below):
    """Per file: every value of `columns` is not known, or within the bounds."""
    import pandas as pd

    values = _known(frame, columns)
    scaled = values * 10.0 ** decimals  # a float's decimals are as exact as its 15 digits
    ok = (np.abs(values) < below) & np.isclose(scaled, np.round(scaled), rtol=1e-9, atol=1e-6)
    if minimum is not None:
        ok &= values >= minimum
    return pd.Series((ok | np.isnan(values)).all(axis=1), index=frame.index)


@functools.cache
def arithmetic_schema(format_id: str = "2021"):
    """The arithmetic of a format as pandera declares it, over the stacked frame (a row
    per file, the columns of EquationSet.columns, NaN where a value is not known): one
    check per equation, in equation_set's order (so a failure case's check_number is
    its equation), then one per kind of field, naming its columns and their bounds.
    The kinds' checks declare every column: one pandera Column per field would cost
    more than the whole arithmetic (≈16 ms a validation, see bench/README.md)."""
    import pandera.pandas as pa

    fmt, eqs = load_format(format_id), equation_set(format_id)
    rules = load_rules()
    field = {**{f: fmt.fields[f] for f in eqs.fields}, **{LAST + f: fmt.fields[f] for f in eqs.last}}
    checks = [pa.Check(holds, name=_said(eq), title=rules[eq.rule].title["en"], ignore_na=False,
                       left=_side(eq.left), right=_side(eq.right)) for eq in eqs.equations]
    for kind, bounds in BOUNDS.items():
        columns = tuple(c for c in eqs.columns if field[c].value_kind == kind)
        if columns:
            checks.append(pa.Check(within, name=f"{kind} bounds", ignore_na=False, columns=columns,
                                   below=float(LARGEST), **bounds))
    return pa.DataFrameSchema(checks=checks, name=f"arithmetic {format_id}")


# --- its execution ---------------------------------------------------------------------

def stacked(values: np.ndarray, previous: np.ndarray, format_id: str = "2021"):
    """The frame the schema judges: a row per file, this year's values, then last
    year's that the equations read (files × numeric fields both, NaN: not known)."""
    import pandas as pd

    eqs = equation_set(format_id)
    return pd.DataFrame(np.hstack([values, previous[:, [eqs.fields[f] for f in eqs.last]]]), columns=eqs.columns)


def failing(values: np.ndarray, previous: np.ndarray, format_id: str = "2021") -> list[tuple[int, int, float, float]]:
    """(file, equation, left, right) for every equation that does not hold, by file
    then equation.

    `values` and `previous` are files × numeric fields, NaN where a value is
    missing (not readable, or no previous report). A failure case of anything but an
    equation is not the reports' doing: cells.py reads a value outside its bounds as
    not known (R0), so it means the frame was built wrong, and is raised."""
    import pandera.pandas as pa

    eqs = equation_set(format_id)
    frame = stacked(values, previous, format_id)
    try:
        arithmetic_schema(format_id).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        equation = (cases["schema_context"].eq("DataFrameSchema") & cases["check_number"].lt(len(eqs.equations))
                    & cases["index"].notna())  # a check that raised has no index
        if not equation.all():
            broken = dict.fromkeys(zip(cases["check"][~equation], cases["index"][~equation]))
            raise ValueError("the arithmetic's frame breaks its declaration: "
                             + ", ".join(f"{check} (row {row})" for check, row in broken)) from exc
        checks = arithmetic_schema(format_id).checks
        pairs = sorted(set(zip(cases["index"].astype(int), cases["check_number"].astype(int))))
        return [(row, e, *(sums(frame, checks[e].statistics[side])[row] for side in ("left", "right")))
                for row, e in pairs]
    return []


# --- a failing equation in words -----------------------------------------------------

def _terms(terms, report: Report, last: Report | None, layout: Layout):
    """Cells (None for last year's), values and signs of one side of an equation."""
    return ([None if t.last_year else layout.cells[t.field].address for t in terms],
            [(last if t.last_year else report).values.get(t.field) for t in terms], [t.sign for t in terms])


def _where(eq: Equation, layout: Layout) -> tuple[list[str], list[str]]:
    fields = [t.field for t in eq.left + eq.right if not t.last_year]
    return fields, [layout.cells[f].address for f in fields]


def sum_finding(eq: Equation, left: float, right: float, report: Report, last: Report | None,
                layout: Layout) -> Finding:
    """A total (left) that is not the sum of its parts (right)."""
    fields, cells = _where(eq, layout)
    rc, rv, rs = _terms(eq.right, report, last, layout)
    total = eq.left[0].field
    return Finding(eq.rule, "sum", fields=fields, cells=cells, expected=int(right), actual=int(left),
                   params={"label": layout.format.fields[total].label, "arithmetic": arithmetic(rc, rv, rs),
                           "formula": total_formula(layout, total)})


@functools.cache
def _sums(format_id: str) -> dict[str, Equation]:
    """Each total's own equation (the sum it must equal), by the total's field id."""
    out: dict[str, Equation] = {}
    for eq in equation_set(format_id).equations:  # a grand total sums a row and a column: the first tells it
        if load_rules()[eq.rule].check["type"] == "sum":
            out.setdefault(eq.left[0].field, eq)
    return out


def blank_total_finding(fid: str, found: str, values: dict, layout: Layout) -> Finding | None:
    """A total left blank (or with a mark such as "/") with no formula behind it: its
    formula was deleted, and the report would be published with an empty total. Told
    by the rule of its sum, with the value it should have; None when its parts
    cannot give one (their cells have their own findings)."""
    eq = _sums(layout.format.id).get(fid)
    parts = [values.get(t.field) for t in eq.right] if eq else [None]
    if any(v is None for v in parts):
        return None
    fields, cells = _where(eq, layout)  # the total, then its parts
    said = arithmetic(cells[1:], parts, [t.sign for t in eq.right])
    return Finding(eq.rule, "blank" if not found else "mark", fields=fields, cells=cells, expected=sum(parts),
                   actual=found or None,
                   params={"label": layout.format.fields[fid].label, "found": found, "arithmetic": said,
                           "formula": total_formula(layout, fid)})


def balance_finding(eq: Equation, left: float, right: float, report: Report, last: Report | None,
                    layout: Layout) -> Finding:
    """A column whose two sides differ."""
    fields, cells = _where(eq, layout)
    lc, lv, ls = _terms(eq.left, report, last, layout)
    rc, rv, rs = _terms(eq.right, report, last, layout)
    return Finding(eq.rule, "balance", fields=fields, cells=cells, expected=int(left), actual=int(right),
                   params={"label": layout.format.fields[eq.left[0].field].column.labels[-1],
                           "left_arithmetic": arithmetic(lc, lv, ls), "right_arithmetic": arithmetic(rc, rv, rs)})


def previous_finding(eq: Equation, left: float, right: float, report: Report, last: Report | None,
                     layout: Layout) -> Finding:
    """A figure that does not follow from last year's report."""
    fields, cells = _where(eq, layout)
    _, rv, rs = _terms(eq.right, report, last, layout)
    return Finding(eq.rule, "previous", fields=fields, cells=cells, expected=int(right), actual=int(left),
                   params={"label": layout.format.fields[eq.left[0].field].label,
                           "right_arithmetic": arithmetic([None] * len(rv), rv, rs)})


def unjudged(eqs: list[Equation], not_imported: frozenset[str], has_last: bool, layout: Layout) -> list[Finding]:
    """One finding for each equation that was not judged because it involves cells
    an import could not read (the report may well be right)."""
    out = []
    for eq in eqs:
        missing = [t.field for t in eq.left + eq.right if not t.last_year and t.field in not_imported]
        if not missing or (not has_last and any(t.last_year for t in eq.left + eq.right)):
            continue
        fields, cells = _where(eq, layout)
        out.append(Finding("I8", "unjudged", fields=fields, cells=cells,
                           params={"rule": eq.rule, "label": layout.format.fields[fields[0]].label,
                                   "missing": [layout.cells[f].a1 for f in missing]}))
    return out


# The finding of a failing equation, by its rule's check type (the registry names these).
FINDINGS = {"sum": sum_finding, "balance": balance_finding, "previous": previous_finding}


def _stored(result: FileResult | None, size: int) -> np.ndarray:
    if result is None or result.scratch.vector is None:
        return np.full(size, np.nan)
    return result.scratch.vector


def equation_findings(results: list[FileResult], last: list[FileResult | None], layout: Layout,
                      only: set[str] | None = None) -> list[tuple[int, Finding]]:
    """(index of the result, finding) for every equation that does not hold, for all
    results at once (one pandera call); with `only`, the equations of those rules.
    `check` judges every rule with it, `compare` the rules against last year's."""
    fields = equation_set(layout.format.id).fields
    judged = [i for i, r in enumerate(results) if r.report is not None]
    if not judged:
        return []
    this = np.vstack([_stored(results[i], len(fields)) for i in judged])
    prev = np.vstack([_stored(last[i], len(fields)) for i in judged])
    eqs = equation_set(layout.format.id).equations
    out = []
    for row, e, left, right in failing(this, prev, layout.format.id):
        if only is not None and eqs[e].rule not in only:
            continue
        i = judged[row]
        previous = last[i].report if last[i] else None
        finding = FINDINGS[load_rules()[eqs[e].rule].check["type"]]
        out.append((i, finding(eqs[e], left, right, results[i].report, previous, layout)))
    return out
