"""Check workbooks: read → structure → cell values → arithmetic (all files at once)
→ text rules → explanations. Every problem in the data is a finding; only a file
that cannot be opened at all is an error of its own."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xltools.model.findings import Finding, arithmetic
from xltools.model.report import Report
from xltools.model.totals import is_number
from xltools.model.values import parse
from xltools.rules.arithmetic import equation_set, failing
from xltools.rules.structure import check_code, check_cover, check_structure
from xltools.rules.text import empty, fees, stated
from xltools.xlsx.a1 import parse_a1
from xltools.xlsx.layout import Layout
from xltools.xlsx.reader import Cells, report_from_cells

# Parse outcomes that are findings: (rule, message case) by status.
_CELL_RULES = {"invalid": ("R0", "invalid"), "error": ("R0", "error"), "fraction": ("R0", "fraction"),
               "negative": ("R0", "negative"), "decimals": ("R0", "decimals"), "large": ("R0", "large"),
               "text": ("W0", "text")}


@dataclass
class FileResult:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    report: Report | None = None
    error: str | None = None  # the file could not be read at all
    readable: set[str] = field(default_factory=set)  # numeric fields whose cells were read
    vector: "np.ndarray | None" = None  # the numbers, in the order of the equations' matrix; NaN where unknown

    @property
    def unit(self) -> str | None:
        return self.report.unit if self.report else None

    @property
    def year(self):
        return self.report.year if self.report else None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def unexplained(self) -> list[Finding]:
        return [f for f in self.warnings if not f.explained]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.errors


def _cell_findings(cells: Cells, layout: Layout, unread: set[str]) -> tuple[dict, list[Finding], set[str]]:
    """Numbers as the checker reads them (lenient), the findings about single cells
    (R0, W0, and W6 grouped by table row), and the fields that could be read."""
    values: dict = {}
    findings: list[Finding] = []
    blanks: dict[tuple, list] = defaultdict(list)
    readable = set()
    for f, area, kind in layout.numbers:
        if area.sheet in unread:
            values[f.id] = None
            continue
        parsed = parse(cells.get(area), kind)
        readable.add(f.id)
        values[f.id] = parsed.value
        if parsed.status == "ok":
            continue
        if parsed.status in _CELL_RULES:
            rule, case = _CELL_RULES[parsed.status]
            findings.append(Finding(rule, case, fields=[f.id], cells=[area.address],
                                    actual=parsed.value if rule == "W0" else parsed.found,
                                    params={"label": f.label, "found": parsed.found}))
            if rule == "R0":
                readable.discard(f.id)
        elif parsed.status in ("blank", "mark") and f.kind != "total":
            values[f.id] = 0
            blanks[(f.table, f.block, f.row.key, parsed.status, parsed.found)].append(f)
    for (_, _, _, status, found), group in blanks.items():
        first = group[0]
        label = " / ".join(x for x in (first.block_title, *first.row.labels) if x)
        findings.append(Finding("W6", "blank" if status == "blank" else "mark", fields=[f.id for f in group],
                                cells=[layout.cells[f.id].address for f in group], expected=0,
                                params={"label": label, "found": found}))
    return values, findings, readable


def file_warnings(path: Path) -> list[Finding]:
    """What the file's name and neighbours say: open in Excel (a lock file beside
    it: Excel names it ~$ and the name, less its first two characters when long),
    or a workbook with macros, which are never run."""
    out = []
    locks = [path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])]
    lock = next((p for p in locks if p.exists()), None)
    if lock is not None:
        out.append(Finding("F8", "locked", params={"found": lock.name}))
    if path.suffix.lower() == ".xlsm":
        out.append(Finding("F9", "macros"))
    return out


def check_cells(path: Path, cells: Cells, layout: Layout) -> FileResult:
    """Every rule that looks at one workbook's cells alone; the arithmetic is added
    later, for all files at once."""
    result = FileResult(path)
    structure = check_structure(cells, layout)
    result.findings.extend(structure.findings)
    if structure.fatal:
        return result
    result.findings.extend(check_cover(cells, layout, structure.unread_sheets))
    result.findings.extend(check_code(cells, layout, structure.unread_sheets))
    values, findings, result.readable = _cell_findings(cells, layout, structure.unread_sheets)
    result.findings.extend(findings)
    result.report = report_from_cells(cells, layout, values)
    result.vector = _vector(result, equation_set(layout.format.id).fields)
    result.findings.extend(stated(result.report, layout, result.readable))
    result.findings.extend(empty(result.report, layout))
    result.findings.extend(fees(result.report, layout))
    return result


def _vector(result: FileResult, fields: dict[str, int]) -> np.ndarray:
    values = result.report.values
    return np.array([float(values[fid]) if fid in result.readable and is_number(values[fid]) else np.nan
                     for fid in fields])


def _stored(result: FileResult | None, size: int) -> np.ndarray:
    if result is None or result.vector is None:
        return np.full(size, np.nan)
    return result.vector


def _equation_finding(eq, left: float, right: float, report: Report, last: Report | None,
                      layout: Layout) -> Finding:
    fmt, cells = layout.format, layout.cells

    def terms(ts):
        return ([None if t.last_year else cells[t.field].address for t in ts],
                [(last if t.last_year else report).values.get(t.field) for t in ts], [t.sign for t in ts])

    rule_type = {"R1": "balance", "W1": "previous", "W2": "previous"}.get(eq.rule, "sum")
    fields = [t.field for t in eq.left + eq.right if not t.last_year]
    addresses = [cells[f].address for f in fields]
    if rule_type == "sum":
        total = fmt.fields[eq.left[0].field]
        rc, rv, rs = terms(eq.right)
        return Finding(eq.rule, "sum", fields=fields, cells=addresses, expected=int(right), actual=int(left),
                       params={"label": total.label, "arithmetic": arithmetic(rc, rv, rs)})
    if rule_type == "balance":
        column = fmt.fields[eq.left[0].field].column
        lc, lv, ls = terms(eq.left)
        rc, rv, rs = terms(eq.right)
        return Finding(eq.rule, "balance", fields=fields, cells=addresses, expected=int(left), actual=int(right),
                       params={"label": column.labels[-1], "left_arithmetic": arithmetic(lc, lv, ls),
                               "right_arithmetic": arithmetic(rc, rv, rs)})
    rc, rv, rs = terms(eq.right)
    return Finding(eq.rule, "previous", fields=fields, cells=addresses, expected=int(right), actual=int(left),
                   params={"label": fmt.fields[eq.left[0].field].label,
                           "right_arithmetic": arithmetic([None] * len(rv), rv, rs)})


def _accepts(explanation: dict, finding: Finding) -> bool:
    if (explanation.get("rule") or "").strip().upper() != finding.rule:
        return False
    target = (explanation.get("target") or "").strip().replace("！", "!")
    if not target:
        return True
    cells = {c for c in finding.cells} | {c.split("!")[-1] for c in finding.cells}
    return target in cells or target in finding.fields or target == finding.sheet


def _explain(result: FileResult) -> None:
    if result.report is None:
        return
    for finding in result.warnings:
        for item in result.report.explanations:
            if _accepts(item, finding):
                finding.explanation = item.get("text") or ""
                break


def _sort(result: FileResult, layout: Layout) -> None:
    order = {s.name: i for i, s in enumerate(layout.sheets)}

    def key(f: Finding):
        if not f.cells:
            return (-1, 0, 0, f.rule)
        sheet, _, a1 = f.cells[0].partition("!")
        return (order.get(sheet, 99), *parse_a1(a1), f.rule)

    result.findings.sort(key=key)


def judge(results: list[FileResult], last: list[FileResult | None], layout: Layout) -> None:
    """The rules across cells, for all results at once (one pandera call), then the
    explanations that accept warnings."""
    fields = equation_set(layout.format.id).fields
    judged = [i for i, r in enumerate(results) if r.report is not None]
    if judged:
        this = np.vstack([_stored(results[i], len(fields)) for i in judged])
        prev = np.vstack([_stored(last[i], len(fields)) for i in judged])
        eqs = equation_set(layout.format.id).equations
        for row, e, left, right in failing(this, prev, layout.format.id):
            result = results[judged[row]]
            previous = last[judged[row]].report if last[judged[row]] else None
            result.findings.append(_equation_finding(eqs[e], left, right, result.report, previous, layout))
    for r in results:
        _explain(r)
        _sort(r, layout)
