"""The arithmetic rules (R1–R4, and W1–W2 against last year's report), checked with
pandera over one stacked DataFrame: a row per file and equation, one validation
call for all files. Each failing row maps back, through our own table of
equations, to the cells it involves."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from xltools.model.schema import Equation, equations, load_format, load_rules


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
