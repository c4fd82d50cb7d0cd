"""The arithmetic rules (R1–R4, and W1–W2 against last year's report), checked with
pandera over one stacked DataFrame: a row per file and equation, one validation
call for all files. Each failing row maps back, through our own table of
equations, to the cells it involves, and is told in words by the finding of its
rule's check type (sum, balance, previous)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from xltools.model.findings import Finding, arithmetic
from xltools.model.report import Report
from xltools.model.schema import Equation, equations, load_format, load_rules
from xltools.rules.result import FileResult
from xltools.xlsx.layout import Layout, total_formula


@dataclass(frozen=True)
class EquationSet:
    equations: list[Equation]
    fields: dict[str, int]  # numeric field id → column of the value matrix
    this: tuple[np.ndarray, np.ndarray]  # (left, right) coefficients on this year's values
    last: tuple[np.ndarray, np.ndarray]  # (left, right) coefficients on last year's values
    rules: np.ndarray  # rule id of each equation


@functools.cache
def equation_set(format_id: str = "2021") -> EquationSet:
    fmt = load_format(format_id)
    eqs = [eq for rule in load_rules().values() for eq in equations(fmt, rule)]
    fields = {f.id: i for i, f in enumerate(fmt.numeric_fields())}
    mats = {key: np.zeros((len(eqs), len(fields))) for key in ("tl", "tr", "ll", "lr")}
    for e, eq in enumerate(eqs):
        for side, terms in (("l", eq.left), ("r", eq.right)):
            for t in terms:
                mats[("l" if t.last_year else "t") + side][e, fields[t.field]] += t.sign
    return EquationSet(eqs, fields, (mats["tl"], mats["tr"]), (mats["ll"], mats["lr"]),
                       np.array([eq.rule for eq in eqs]))


@functools.cache
def _schema(format_id: str):
    import pandera.pandas as pa

    rules = sorted(set(equation_set(format_id).rules))
    checks = [pa.Check(lambda df, rule=rule: (df["rule"] != rule) | (df["left"] == df["right"]),
                       name=rule, error=load_rules()[rule].title["en"])
              for rule in rules]
    return pa.DataFrameSchema(
        {"file": pa.Column(int), "equation": pa.Column(int), "rule": pa.Column(str),
         "left": pa.Column(float), "right": pa.Column(float)},
        checks=checks, strict=True, coerce=False,
    )


def _sides(values: np.ndarray, coefficients: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left and right sums per file and equation, and which of them miss a value."""
    filled = np.nan_to_num(values, nan=0.0)
    missing = np.isnan(values).astype(float)
    left, right = (filled @ c.T for c in coefficients)
    unknown = (missing @ np.abs(coefficients[0]).T + missing @ np.abs(coefficients[1]).T) > 0
    return left, right, unknown


def failing(values: np.ndarray, previous: np.ndarray, format_id: str = "2021") -> list[tuple[int, int, float, float]]:
    """(file, equation, left, right) for every equation that does not hold.

    `values` and `previous` are files × numeric fields, NaN where a value is
    missing (not readable, or no previous report); an equation with a missing
    term is not judged, so one bad cell does not cascade into other findings."""
    import pandas as pd
    import pandera.pandas as pa

    eqs = equation_set(format_id)
    tl, tr, tu = _sides(values, eqs.this)
    ll, lr, lu = _sides(previous, eqs.last)
    uses_last = (np.abs(eqs.last[0]).sum(axis=1) + np.abs(eqs.last[1]).sum(axis=1)) > 0
    unknown = tu | (lu & uses_last)
    files, equation = np.nonzero(~unknown)
    frame = pd.DataFrame({
        "file": files.astype(int), "equation": equation.astype(int), "rule": eqs.rules[equation],
        "left": (tl + ll)[files, equation], "right": (tr + lr)[files, equation],
    })
    try:
        _schema(format_id).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        rows = sorted(set(exc.failure_cases["index"].dropna().astype(int)))
        bad = frame.iloc[rows]
        return list(zip(bad["file"], bad["equation"], bad["left"], bad["right"]))
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
