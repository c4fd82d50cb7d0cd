"""Write a report into the standard workbook."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from xltools.model.report import Report, ReportError, text_digest
from xltools.model.totals import complete, computed, is_number
from xltools.model.values import FORMULA_STARTS
from xltools.xlsx.layout import Layout, load_layout
from xltools.xlsx.saver import save
from xltools.xlsx.template import build_workbook, live_marks

# The committed template carries this date so that regenerating it gives the same bytes.
TEMPLATE_DATE = datetime(2021, 1, 1, tzinfo=timezone.utc)


def set_text(cell, text: str) -> None:
    """Store text as text: a value starting with '=' must never become a formula."""
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):  # a style change costs: only where needed
        cell.quotePrefix = True


def formula_values(layout: Layout, values: dict, typed: set[str]) -> dict[str, dict[str, Any]]:
    """What every formula of the workbook evaluates to, by sheet and cell, as Excel
    computes it: SUM skips text, a typed-over total counts as typed (and one left
    blank, as blank), a live check with text among its terms shows the text mark."""
    fmt = layout.format
    numbers = {fid: v if is_number(v) else None for fid, v in values.items()}
    for f in fmt.totals():
        if f.id not in typed:
            numbers[f.id] = None
    numbers = complete(fmt, numbers, only_blank=True)
    numbers.update({fid: None for fid in typed if values.get(fid) is None})
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for f in fmt.totals():
        if f.id not in typed:
            area = layout.cells[f.id]
            out[area.sheet][area.a1] = numbers[f.id]
    marks = live_marks(layout)
    for sheet in layout.sheets:
        for area, eq in sheet.live:
            if any(isinstance(values.get(t.field), str) for t in eq.left + eq.right):
                out[area.sheet][area.a1] = marks.text
                continue
            left, right = (sum(t.sign * (numbers[t.field] or 0) for t in side) for side in (eq.left, eq.right))
            out[area.sheet][area.a1] = marks.ok if left == right else marks.bad
    return out


def over_unread(fmt, unread: frozenset[str]) -> set[str]:
    """The totals that add up, directly or through another total, a cell whose value
    could not be read (a document's row that import did not place)."""
    out: set[str] = set()
    for f in fmt.totals():
        todo = list(f.parts)
        while todo:
            part = todo.pop()
            if part in unread:
                out.add(f.id)
                break
            todo.extend(fmt.fields[part].parts)
    return out


def fill_workbook(wb, report: Report, unread: frozenset[str] = frozenset()) -> set[str]:
    """Write a report's values into the template's cells; returns the totals that
    are not formulas: written as numbers because they do not add up, or because
    they add up a cell that could not be read (`unread`), whose total, where the
    document gives none, stays blank rather than a sum that shows 0 for it. The
    stamp sheet names the cells not read, for the checker and the reader."""
    layout = load_layout()
    if report.format != layout.format.id:
        raise ReportError("workbook_format", expected=layout.format.id, found=report.format)
    sheets = {ws.title: ws for ws in wb.worksheets}

    def cell(area):
        return sheets[area.sheet].cell(area.top, area.left)

    for fid, value in report.meta.items():
        if value is None:
            continue
        target = cell(layout.cells[fid])
        if layout.format.fields[fid].kind == "year" and isinstance(value, int):
            target.value = value
        else:
            set_text(target, str(value))
    for fid, text in report.text.items():
        if text is not None:
            set_text(cell(layout.cells[fid]), text)
    drafted = [f"{fid}:{text_digest(report.text[fid])}" for fid in sorted(report.drafted) if report.text.get(fid)]
    if drafted:
        sheets[layout.template.stamp_sheet].append([layout.template.stamp_drafted, " ".join(drafted)])
    fmt = layout.format
    blind = over_unread(fmt, unread)
    typed = {fid for fid in blind if report.values[fid] is None}
    for fid in typed:
        cell(layout.cells[fid]).value = None
    if unread or typed:
        stamp = sheets[layout.template.stamp_sheet]
        stamp.append([layout.template.stamp_unread, " ".join(sorted(set(unread) | typed))])
    for fid, value in report.values.items():
        if value is None:
            continue  # a detail stays blank
        if fmt.fields[fid].kind == "total":
            if fid not in blind and value == computed(fmt, report.values, fid):
                continue  # a total that adds up keeps its live formula
            typed.add(fid)
        if isinstance(value, str):
            set_text(cell(layout.cells[fid]), value)
        else:
            cell(layout.cells[fid]).value = value
    if len(report.explanations) > len(layout.explanations):
        raise ReportError("explanations", n=len(layout.explanations))
    for row, item in zip(layout.explanations, report.explanations):
        for key, area in row.items():
            if item.get(key):
                set_text(cell(area), str(item[key]))
    return typed


def report_workbook(report: Report, unread: frozenset[str] = frozenset()) -> tuple[Any, dict]:
    """The standard workbook holding `report`, and the values of its formulas, for
    callers that add sheets before saving."""
    wb = build_workbook()
    typed = fill_workbook(wb, report, unread)
    return wb, formula_values(load_layout(), report.values, typed)


def write(report: Report, path: str | Path, when: datetime | None = None,
          unread: frozenset[str] = frozenset()) -> None:
    """Write `report` as a standard workbook at `path` (atomically); `when` fixes the
    document's dates, for reproducible files; `unread` are the fields an import
    could not read (see fill_workbook)."""
    wb, cached = report_workbook(report, unread)
    save(wb, Path(path), when=when, cached=cached)


def template_workbook(unit: str | None = None, year: int | None = None):
    """The empty template as openpyxl objects, and the values its formulas show."""
    wb = build_workbook()
    report = Report(meta={"unit": unit, "year": year})
    fill_workbook(wb, report)
    return wb, formula_values(load_layout(), report.values, set())


def write_template(path: str | Path, unit: str | None = None, year: int | None = None) -> None:
    """The empty template; with no unit or year it is byte for byte the committed one."""
    wb, cached = template_workbook(unit, year)
    save(wb, Path(path), when=TEMPLATE_DATE, cached=cached)
