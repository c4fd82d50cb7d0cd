"""Read a filled workbook into a report, with python-calamine.

Values are read as the cells hold them (cached formula values included); a total
whose formula has no cached value (files written by openpyxl) is read as the sum
its formula gives.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from xltools.model.report import Report, text_digest
from xltools.model.schema import load_template
from xltools.model.totals import complete
from xltools.model.values import float_decimal, parse_year
from xltools.xlsx.a1 import parse_a1
from xltools.xlsx.layout import Area, Layout, load_layout


def parser_failure(exc: BaseException) -> None:
    """Let interrupts and a worker's memory limit through (the batch says the latter);
    anything else a parser raised is the file's failure. python-calamine's Rust code
    can panic on a malformed part, and pyo3 raises the panic as an exception outside
    Exception's hierarchy (with no importable class)."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
        raise exc


class ReadError(Exception):
    """A file that cannot be read as a workbook at all; `finding` says why, in words."""

    def __init__(self, path, finding):
        self.path, self.finding = Path(path), finding
        super().__init__(f"{path}: {finding.message('zh')}")

    def message(self, lang: str = "zh") -> str:
        return f"{self.path}: {self.finding.message(lang)}"


@dataclass
class Cells:
    """The raw values of a workbook's sheets, looked up by layout area."""

    sheets: dict[str, list[list[Any]]]
    stamp: dict[str, str]
    names: list[str]  # every sheet of the workbook, in order
    extra: dict[str, list[list[Any]]] = field(default_factory=dict)  # other sheets asked for
    # which of a sheet's cells (A1) hold a formula: (sheet, refs) → refs; see guard.Inspected
    formulas: Callable[[str, list[str]], set[str]] = field(default=lambda sheet, refs: set(), repr=False)
    fill_button: bool = False  # the workbook has the button 填写合计 (see has_fill_button)
    # the archive as the guard let it through (guard.Inspected), its sheets inflated: formulas and links are checked
    guarded: Any = field(default=None, repr=False)

    def get(self, area: Area) -> Any:
        try:
            return self.sheets[area.sheet][area.top - 1][area.left - 1]
        except (KeyError, IndexError):  # a missing sheet, or a cell beyond the sheet's data
            return ""


def finding_of(r):
    """The finding of a file the guard rejected (a guard.Rejection)."""
    from xltools.model.findings import Finding

    return Finding(r.rule, r.case, expected=r.expected, actual=r.found,
                   params={"found": r.found, "detail": r.detail, "kind": r.kind})


def read_regular(path: str | Path) -> bytes:
    """A file's bytes. A named pipe or a device (named directly, or through a link) is
    refused before it is opened: reading one waits for ever, or without end."""
    from xltools.model.findings import Finding

    if not Path(path).is_file():
        raise ReadError(path, Finding("F2", "special"))
    return Path(path).read_bytes()


def read_cells(path: str | Path, layout: Layout | None = None, extra: tuple[str, ...] = (),
               data: bytes | None = None) -> Cells:
    """The raw values of the layout's sheets (and of `extra` sheets, when present);
    `data`, when given, is the file's content already read."""
    from python_calamine import CalamineWorkbook

    from xltools.model.findings import Finding
    from xltools.xlsx.guard import Rejection, inspect_zip

    layout = layout or load_layout()
    try:
        data = read_regular(path) if data is None else data
        seen = inspect_zip(data)  # before any parser sees the file
        wb = CalamineWorkbook.from_filelike(io.BytesIO(seen.archive))
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(path, Finding("F3", "truncated", params={"found": exc.strerror or str(exc)})) from None
    except Rejection as r:
        raise ReadError(path, finding_of(r)) from None
    except BaseException as exc:  # calamine raises several unrelated types for unreadable files
        parser_failure(exc)
        raise ReadError(path, Finding("F3", "truncated", params={"found": str(exc)})) from None
    try:
        with wb:
            return _sheets(wb, layout, extra, seen)
    except BaseException as exc:  # a sheet listed in the workbook but missing or broken in the archive
        parser_failure(exc)
        raise ReadError(path, Finding("F3", "truncated", params={"found": f"{type(exc).__name__}: {exc}"})) from None


def _sheets(wb, layout: Layout, extra: tuple[str, ...], seen) -> Cells:
    names = list(wb.sheet_names)
    sheets = {}
    for s in layout.data_sheets:
        if s.name in names:
            # Only the rows a report uses: a sheet's far corner is never materialised.
            rows = wb.get_sheet_by_name(s.name).to_python(skip_empty_area=False, nrows=s.height)
            sheets[s.name] = _mark_errors(rows, seen.errors.get(s.name, {}))
    stamp_name = layout.template.stamp_sheet
    stamp = {}
    if stamp_name in names:
        stamp = {str(r[0]): str(r[1]) for r in wb.get_sheet_by_name(stamp_name).to_python() if len(r) >= 2}
    others = {name: wb.get_sheet_by_name(name).to_python() for name in extra if name in names}
    return Cells(sheets, stamp, names, others, seen.formulas, has_fill_button(seen.book), seen)


def has_fill_button(z: zipfile.ZipFile) -> bool:
    """Whether the workbook has the macro template's button 填写合计 (excel-setup writes
    it: a VBA project, and a form button in a sheet's drawing calling the fill macro of
    schemas/template.yaml), so that advice may tell the clerk to click it."""
    names = z.namelist()
    if "xl/vbaProject.bin" not in names:
        return False
    [macro] = [b.macro for b in load_template().excel.buttons if b.call == "fill"]
    button = re.compile(rb"FmlaMacro>[^<]*!" + re.escape(macro.encode()) + rb"\s*<")
    return any(button.search(z.read(n)) for n in names if n.startswith("xl/drawings/") and n.endswith(".vml"))


def _mark_errors(rows: list[list[Any]], errors: dict[str, str]) -> list[list[Any]]:
    """Put Excel's error values (#REF!, #DIV/0! …), which calamine reads as blanks,
    back where they are, so that they are reported and never taken for 0."""
    from xltools.model.values import CellError

    for ref, text in errors.items():
        r, c = parse_a1(ref)
        if r <= len(rows) and c <= len(rows[r - 1]):
            rows[r - 1][c - 1] = CellError(text)
    return rows


def _decimal(value: float) -> Decimal | int:
    d = float_decimal(value)
    return int(d) if d == d.to_integral_value() else d


def plain(value: Any) -> Any:
    """A cell value as report data: numbers as int or Decimal, blanks as None,
    anything else as the text it shows."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _decimal(value) if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, (datetime, date, time, timedelta)):
        return value.isoformat() if not isinstance(value, timedelta) else str(value)
    return str(value)


def _as_text(value: Any) -> str | None:
    value = plain(value)
    return None if value is None else str(value)


def report_from_cells(cells: Cells, layout: Layout | None = None, values: dict | None = None) -> Report:
    """The report a workbook holds; `values`, when given, are numbers already read
    (the checker reads them leniently)."""
    layout = layout or load_layout()
    fmt = layout.format
    if values is None:
        values = {f.id: plain(cells.get(layout.cells[f.id])) for f in fmt.numeric_fields()}
    # A blank total is a formula nobody has calculated yet (openpyxl writes none),
    # unless an import left it blank because cells it adds up could not be read.
    unread = unread_cells(cells, layout)
    values = {fid: None if fid in unread else v for fid, v in complete(fmt, values, only_blank=True).items()}
    meta = {f.id: _as_text(cells.get(layout.cells[f.id])) for f in fmt.meta_fields()}
    year = parse_year(cells.get(layout.cells["year"]))
    meta["year"] = year.value if year.value is not None else meta["year"]
    text = {f.id: _as_text(cells.get(layout.cells[f.id])) for f in fmt.text_fields()}
    explanations = []
    for row in layout.explanations:
        item = {key: _as_text(cells.get(area)) for key, area in row.items()}
        if any(item.values()):
            explanations.append({k: v or "" for k, v in item.items()})
    return Report(format=fmt.id, meta=meta, values=values, text=text, explanations=explanations,
                  drafted=drafted_text(cells, layout, text))


def drafted_text(cells: Cells, layout: Layout, text: dict[str, str | None]) -> frozenset[str]:
    """The text sections merge drafted (named in the stamp sheet) whose text is still
    what was drafted: a section the county has edited is its own writing again."""
    named = dict(x.split(":", 1) for x in cells.stamp.get(layout.template.stamp_drafted, "").split() if ":" in x)
    return frozenset(fid for fid, digest in named.items() if text.get(fid) and text_digest(text[fid]) == digest)


def unread_cells(cells: Cells, layout: Layout) -> frozenset[str]:
    """The fields an import could not read from its document (named in the stamp
    sheet) that are still blank: nobody has filled them since."""
    named = cells.stamp.get(layout.template.stamp_unread, "").split()
    return frozenset(fid for fid in named if fid in layout.cells and plain(cells.get(layout.cells[fid])) is None)


def read(path: str | Path) -> Report:
    """Read a standard workbook into a report."""
    layout = load_layout()
    return report_from_cells(read_cells(path, layout), layout)
