"""Check and fill the workbook open in Excel, through xlwings (`pip install "xltools[excel]"`).

The buttons of the macro-enabled template (`xltools excel-setup`) call `check`,
`fill` and `clear` through the xlwings add-in's RunPython. This module only moves
values and marks between Excel and the core: the values on screen (unsaved edits
included) become the same `Cells` the reader makes from a file, and the findings,
messages and marked cells are exactly those of `xltools check --annotate`.

Template sheets are protected without a password and the workbook's structure is
locked; they are unprotected while marks, totals or the result sheet are written,
then protected again as they were. The calls to `.api` are Excel's own object model
(Windows); xlwings itself has no protection API.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xltools.commands.annotate import level_of, mark_cells, marks, result_sheet, result_table, widths
from xltools.commands.render import verdict
from xltools.model.schema import load_template, words
from xltools.model.values import CellError
from xltools.rules.check import check_cells, judge
from xltools.rules.result import FileResult
from xltools.xlsx.layout import Layout, load_layout
from xltools.xlsx.reader import Cells

# What xlwings returns for Excel's error values when asked with err_to_str=True.
_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
           "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"}

def _caller(book):
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _value(v: Any) -> Any:
    if isinstance(v, str) and v in _ERRORS:
        return CellError(v)
    return v


def read_book(book, layout: Layout) -> Cells:
    """The open workbook's values as the checker reads a file's: the rows of every
    sheet the layout knows, Excel's error values kept as errors."""
    names = [s.name for s in book.sheets]
    sheets = {}
    for s in layout.data_sheets:
        if s.name in names:
            rows = book.sheets[s.name].range((1, 1), (s.height, s.width)).options(ndim=2, err_to_str=True).value
            sheets[s.name] = [[_value(v) for v in row] for row in rows]
    stamp = {}
    stamp_name = layout.template.stamp_sheet
    if stamp_name in names:
        rows = book.sheets[stamp_name].used_range.options(ndim=2).value
        stamp = {str(r[0]): str(r[1]) for r in rows if len(r) >= 2 and r[0] is not None}
    # the bridge runs from the buttons of the macro template: a .xlsm has 填写合计
    return Cells(sheets, stamp, names, fill_button=Path(book.fullname).suffix.lower() == ".xlsm")


def check_book(book, layout: Layout | None = None) -> FileResult:
    """The findings for the workbook as it is on screen."""
    layout = layout or load_layout()
    result = check_cells(Path(book.fullname), read_book(book, layout), layout)
    judge([result], [None], layout)
    return result


@contextmanager
def _unprotected(book):
    """Lift the template's protection (no password) while writing; put it back after."""
    app = book.app
    updating, app.screen_updating = app.screen_updating, False
    structure = bool(book.api.ProtectStructure)
    if structure:
        book.api.Unprotect()
    protected = []
    for sheet in book.sheets:
        if sheet.api.ProtectContents:
            p = sheet.api.Protection
            protected.append((sheet, p.AllowFormattingColumns, p.AllowFormattingRows))
            sheet.api.Unprotect()
    try:
        yield
    finally:
        for sheet, columns, rows in protected:
            sheet.api.Protect(AllowFormattingColumns=columns, AllowFormattingRows=rows)
        if structure:
            book.api.Protect(Structure=True)
        app.screen_updating = updating


def _sheet(book, name: str):
    return book.sheets[name] if name in [s.name for s in book.sheets] else None


def _hex(color) -> str:
    return "#{:02X}{:02X}{:02X}".format(*color) if color else ""


def _unmark(book) -> None:
    """Put every cell the last check marked back as it was; drop the result sheets."""
    excel = load_template().excel
    marks = _sheet(book, excel.marks_sheet)
    if marks is not None:
        rows = marks.used_range.options(ndim=2).value
        for address, color, note in rows[1:]:
            sheet_name, _, a1 = str(address).partition("!")
            sheet = _sheet(book, sheet_name)
            if sheet is None:
                continue
            cell = sheet.range(a1)
            cell.color = color or None
            if cell.note is not None:
                cell.note.delete()
            if note:
                cell.add_note(note)
        marks.delete()
    results = _sheet(book, excel.result_sheet)
    if results is not None:
        results.delete()


def _mark(book, result: FileResult, lang: str) -> None:
    excel = load_template().excel
    remembered = [["cell", "color", "note"]]
    for address, (level, text) in mark_cells(result, lang).items():
        sheet_name, _, a1 = address.partition("!")
        sheet = _sheet(book, sheet_name)
        if sheet is None:
            continue
        cell = sheet.range(a1)
        note = cell.note
        remembered.append([address, _hex(cell.color), note.text if note is not None else ""])
        cell.color = "#" + marks()[level].fill
        if note is not None:
            note.delete()
        cell.add_note(text)
    kept = book.sheets.add(excel.marks_sheet, after=book.sheets[len(book.sheets) - 1])
    kept.range((1, 1), (len(remembered), 3)).number_format = "@"
    kept.range("A1").value = remembered
    kept.visible = False


def _write_results(book, result: FileResult, lang: str):
    rows, header = result_table(result, lang)
    sheet = book.sheets.add(result_sheet(), before=book.sheets[0])
    columns = len(widths())
    # Text, never a formula: messages quote what clerks typed.
    sheet.range((1, 1), (len(rows), columns)).number_format = "@"
    sheet.range((header + 2, 1), (max(len(rows), header + 2), 1)).number_format = "0"
    sheet.range("A1").value = [row + [None] * (columns - len(row)) for row in rows]
    sheet.range((1, 1), (2, 1)).font.bold = True
    sheet.range((header + 1, 1), (header + 1, columns)).font.bold = True
    for col, width in enumerate(widths(), start=1):
        sheet.range((1, col)).column_width = width
    sheet.range((header + 2, 1), (max(len(rows), header + 2), columns)).wrap_text = True
    for r, finding in enumerate(result.findings, start=header + 2):
        sheet.range((r, 3)).color = "#" + marks()[level_of(finding)].fill
        if finding.cells:
            target, _, a1 = finding.cells[0].partition("!")
            sheet.range((r, 4)).add_hyperlink(f"#'{target}'!{a1}", finding.cells[0])
    return sheet


def _tell(book, text: str) -> None:
    book.app.alert(text, title="xltools")


def check(book=None, lang: str = "zh") -> FileResult:
    """The 检查 button: check the workbook on screen, mark it, list the findings."""
    book = _caller(book)
    result = check_book(book)
    with _unprotected(book):
        _unmark(book)
        _mark(book, result, lang)
        results = _write_results(book, result, lang)
    results.activate()
    if not result.findings:
        _tell(book, verdict(result, lang))
    else:
        _tell(book, verdict(result, lang) + "\n" + words(lang)["excel_see"].format(sheet=result_sheet()))
    return result


def fill(book=None, lang: str = "zh"):
    """The 填写合计 button: every total a formula, blank details 0, text numbers
    made numbers — or, when that is unsafe, the check that says why."""
    from xltools.commands.fill import plan

    book = _caller(book)
    layout = load_layout()
    result = plan(Path(book.fullname), read_book(book, layout), layout,
                  lambda area: book.sheets[area.sheet].range(area.a1).formula)
    if result.refused is not None:
        check(book, lang)
        _tell(book, words(lang)["excel_refused"].format(sheet=result_sheet()))
        return result
    with _unprotected(book):
        for area, value in result.writes:
            cell = book.sheets[area.sheet].range(area.a1)
            if isinstance(value, str):
                cell.formula = value
            else:  # Excel holds every number as a double; COM takes no Decimal
                cell.value = value if isinstance(value, int) else float(value)
    w = words(lang)
    _tell(book, w["excel_filled"].format(n=len(result.changes)) if result.changes else w["excel_nothing"])
    return result


def clear(book=None, lang: str = "zh") -> None:
    """The 清除标记 button: every mark of the last check removed, cells as they were."""
    book = _caller(book)
    with _unprotected(book):
        _unmark(book)
    _tell(book, words(lang)["excel_cleared"])
