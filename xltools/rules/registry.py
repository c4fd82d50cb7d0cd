"""Which code answers for each `check.type` of schemas/rules.yaml. A rule whose type
is not here would never be checked: tests/test_schema.py keeps every rule of the
catalogue covered and every entry here used.

A workbook is checked in phases: its file before any parser (`file`, in the guard
and the reader), its structure (`structure`), its number cells in one pass
(`cell`, `blank`, `written`), the report read from them (ON_REPORT), the
arithmetic of all files at once (ACROSS), and the texts of all units checked or
merged together (ACROSS_UNITS). Documents have their own rules (`import`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from xltools.model.findings import Finding
from xltools.model.report import Report
from xltools.rules import arithmetic, cells, comparison, copying, explanations, previous, quality, structure, text
from xltools.xlsx import guard
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
}

# Rules across cells, judged for all files at once: the finding that tells a
# failing equation of each type in words.
ACROSS = arithmetic.FINDINGS

# Rules across the units of one check or merge: each adds its findings to the
# results it is given (every result, readable or not, in input order).
ACROSS_UNITS = {"copying": copying.copied}
# What each file prepares for them where it is read (in a worker process).
BEFORE_ACROSS_UNITS = {"copying": copying.prepare}

# The other phases, by the functions that run them.
STRUCTURE = {"structure": (structure.check_structure, structure.check_cover)}
ON_CELLS = {kind: cells.cell_findings for kind in ("cell", "blank", "written")}
ON_FILE = {"file": (guard.inspect_zip, structure.file_warnings)}
WITH_PREVIOUS = {"previous_match": previous.match_previous}
ON_DOCUMENT = {"import": "xltools.documents.importer.import_document"}  # a later layer: named, not imported
# Between two reports (xltools compare).
BETWEEN = {"carry": comparison.carry_over, "jump": comparison.jumps, "repeat": comparison.repeated,
           "answer": comparison.unanswered, "units": comparison.missing_units, "undecided": comparison.undecided,
           "changed_number": comparison.changed_numbers, "changed_text": comparison.changed_text,
           "sum_of_units": comparison.sum_of_units}

CHECKS = {**ON_FILE, **STRUCTURE, **ON_CELLS, **ON_REPORT, **ACROSS, **ACROSS_UNITS, **WITH_PREVIOUS,
          **ON_DOCUMENT, **BETWEEN}
