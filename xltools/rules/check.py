"""Check workbooks: read → structure → cell values → arithmetic (all files at once)
→ text rules → text across units → explanations. Every problem in the data is a finding; only a file
that cannot be opened at all is an error of its own."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from xltools.model.findings import Finding
from xltools.model.totals import is_number
from xltools.rules.arithmetic import equation_findings, equation_set, unjudged
from xltools.rules.cells import cell_findings
from xltools.rules.explanations import explain
from xltools.rules.registry import ACROSS_UNITS, BEFORE_ACROSS_UNITS, ON_REPORT, Context
from xltools.rules.result import FileResult, Scratch
from xltools.rules.structure import check_cover, check_structure
from xltools.xlsx.a1 import parse_a1
from xltools.xlsx.layout import Layout
from xltools.xlsx.reader import Cells, report_from_cells, unread_cells


def check_cells(path: Path, cells: Cells, layout: Layout) -> FileResult:
    """Every rule that looks at one workbook's cells alone, phase by phase (see
    registry.py); the arithmetic is added later, for all files at once. Cells an
    import could not read from its document, still blank, are not the report's
    mistakes: no rule judges them."""
    not_imported = unread_cells(cells, layout)
    result = FileResult(path, not_imported=not_imported, scratch=Scratch(fill_button=cells.fill_button))
    structure = check_structure(cells, layout)
    result.findings.extend(structure.findings)
    if structure.fatal:
        return result
    result.findings.extend(check_cover(cells, layout, structure.unread_sheets))
    values, findings, result.scratch.readable = cell_findings(cells, layout, structure.unread_sheets, not_imported)
    result.findings.extend(findings)
    result.report = report_from_cells(cells, layout, values)
    if any(row["rule"].sheet in structure.unread_sheets for row in layout.explanations):
        result.report.explanations = []  # a sheet whose labels moved is not read
    result.scratch.vector = _vector(result, equation_set(layout.format.id).fields)
    context = Context(cells, layout, structure.unread_sheets, result.report, result.scratch.readable)
    for check in ON_REPORT.values():
        result.findings.extend(f for f in check(context) if not not_imported.intersection(f.fields))
    for prepare in BEFORE_ACROSS_UNITS.values():
        prepare(result, layout)
    # the rules after this one see the numbers through the vector: a set of 200 names
    # would cost 8 KB a file in the main process (80 MB in a province's merge) and in the pickle
    result.scratch.readable = set()
    return result


def _vector(result: FileResult, fields: dict[str, int]) -> np.ndarray:
    values = result.report.values
    return np.array([float(values[fid]) if fid in result.scratch.readable and is_number(values[fid]) else np.nan
                     for fid in fields])


# The order every output lists a file's findings in (check's text and JSON, the marked
# copy, the desk): what must be corrected first, then what to look at, then what
# 审核说明 accepted; within each, by sheet and cell.
_LEVELS = {"fatal": 0, "error": 1, "warning": 2}


def _sort(result: FileResult, layout: Layout) -> None:
    order = {s.name: i for i, s in enumerate(layout.sheets)}

    def key(f: Finding):
        level = _LEVELS[f.severity] + f.explained
        if not f.cells:
            return (level, -1, 0, 0, f.rule)
        sheet, _, a1 = f.cells[0].partition("!")
        return (level, order.get(sheet, 99), *parse_a1(a1), f.rule)

    result.findings.sort(key=key)


def _offer_button(result: FileResult) -> None:
    """A total's finding says to click 填写合计 only when the file has that button: the
    file is known here, after all findings about it are made."""
    if result.scratch.fill_button:
        for f in result.findings:
            if "formula" in f.params:
                f.params["button"] = True


def judge(results: list[FileResult], last: list[FileResult | None], layout: Layout, across: bool = True) -> None:
    """The rules across cells, for all results at once, the rules across units'
    texts (unless not `across`: export's rows, each of one file alone), then the
    explanations that accept warnings."""
    for i, finding in equation_findings(results, last, layout):
        results[i].findings.append(finding)
    eqs = equation_set(layout.format.id).equations
    for i, r in enumerate(results):
        if r.report is not None:
            r.findings.extend(unjudged(eqs, r.not_imported, last[i] is not None, layout))
    for rule in ACROSS_UNITS.values() if across else ():
        rule(results, layout)
    for r in results:
        _offer_button(r)
        explain(r)
        _sort(r, layout)
