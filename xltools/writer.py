"""Write a report into the standard workbook."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from xltools.layout import load_layout
from xltools.report import Report, ReportError
from xltools.template import build_workbook
from xltools.totals import computed
from xltools.xlsx import save

# The committed template carries this date so that regenerating it gives the same bytes.
TEMPLATE_DATE = datetime(2021, 1, 1, tzinfo=timezone.utc)


def set_text(cell, text: str) -> None:
    """Store text as text: a value starting with '=' must never become a formula."""
    cell.value = text
    cell.data_type = "s"
    cell.quotePrefix = text[:1] in ("=", "+", "-", "@", "\t", "\r")


def fill_workbook(wb, report: Report) -> None:
    layout = load_layout()
    if report.format != layout.format.id:
        raise ReportError(f"the workbook holds format {layout.format.id}; this report is format {report.format}")
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
    fmt = layout.format
    for fid, value in report.values.items():
        if value is None:
            continue  # a detail stays blank
        if fmt.fields[fid].kind == "total" and value == computed(fmt, report.values, fid):
            continue  # a total that adds up keeps its live formula
        if isinstance(value, str):
            set_text(cell(layout.cells[fid]), value)
        else:
            cell(layout.cells[fid]).value = value
    if len(report.explanations) > len(layout.explanations):
        raise ReportError(f"at most {len(layout.explanations)} explanations fit in the workbook")
    for row, item in zip(layout.explanations, report.explanations):
        for key, area in row.items():
            if item.get(key):
                set_text(cell(area), str(item[key]))


def write(report: Report, path: str | Path, when: datetime | None = None) -> None:
    """Write `report` as a standard workbook at `path` (atomically); `when` fixes the
    document's dates, for reproducible files."""
    wb = build_workbook()
    fill_workbook(wb, report)
    save(wb, Path(path), when=when)


def write_template(path: str | Path, unit: str | None = None, year: int | None = None) -> None:
    """The empty template; with no unit or year it is byte for byte the committed one."""
    wb = build_workbook()
    if unit is not None or year is not None:
        fill_workbook(wb, Report(meta={"unit": unit, "year": year}))
    save(wb, Path(path), when=TEMPLATE_DATE)
