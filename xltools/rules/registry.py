"""The rules check.py runs over a list, by the `check.type` of schemas/rules.yaml
each stands for: those about the report read from one workbook (ON_REPORT) and
those across the units of one check or merge (ACROSS_UNITS).

The other phases are called by name where they happen: a file before any parser
(`file`, xlsx/guard.py and the reader), its structure and its number cells
(rules/check.py), the arithmetic of all files at once (rules/arithmetic.py, whose
FINDINGS tells a failing equation by its rule's type), two reports (compare's
rules/comparison.py) and documents (`import`). tests/test_schema.py keeps every
rule of the catalogue made by some code and every type named here declared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from xltools.model.findings import Finding
from xltools.model.report import Report
from xltools.rules import copying, explanations, quality, structure, text
from xltools.xlsx.layout import Layout
from xltools.xlsx.reader import Cells


@dataclass
class Context:
    """What the rules about one workbook look at."""

    cells: Cells
    layout: Layout
    unread: set[str]  # sheets whose numbers were not read (their structure moved)
    report: Report | None = None
    readable: set[str] = field(default_factory=set)  # numeric fields whose cells were read


# Rules about the report read from one workbook, in the order they run.
ON_REPORT: dict[str, Callable[[Context], list[Finding]]] = {
    "code": lambda c: structure.check_code(c.cells, c.layout, c.unread),
    "text": lambda c: text.stated(c.report, c.layout, c.readable),
    "empty": lambda c: text.empty(c.report, c.layout),
    "fees": lambda c: text.fees(c.report, c.layout),
    "elements": lambda c: quality.elements(c.report, c.layout),
    "substance": lambda c: quality.substance(c.report, c.layout),
    "length": lambda c: quality.length(c.report, c.layout),
    "problems": lambda c: quality.problems(c.report, c.layout),
    "explanation": lambda c: explanations.unusable(c.cells, c.layout, c.unread),
    "formulas": lambda c: structure.check_formulas(c.cells, c.layout, c.unread),
}

# Rules across the units of one check or merge: each adds its findings to the
# results it is given (every result, readable or not, in input order).
ACROSS_UNITS = {"copying": copying.copied}
# What each file prepares for them where it is read (in a worker process).
BEFORE_ACROSS_UNITS = {"copying": copying.prepare}
