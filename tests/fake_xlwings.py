"""An in-memory stand-in for the parts of xlwings' Book/Sheet/Range API that
xltools.excel uses, loaded from a real workbook, since Linux has no Excel.

It behaves as Excel does where that matters to xltools: numbers come back as
floats, error values as None or (err_to_str) as their text, a protected sheet
refuses formatting and writes to locked cells, a locked structure refuses new
sheets. `.api` offers the few members of Excel's object model xltools calls.
test_excel checks every public name here against the real xlwings classes.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string


class ExcelError(Exception):
    """What Excel's COM interface raises when an action is not allowed."""


def _rc(ref) -> tuple[int, int]:
    if isinstance(ref, tuple):
        return ref
    col, row = coordinate_from_string(ref.replace("$", ""))
    return row, column_index_from_string(col)


class Note:
    def __init__(self, cell: "_Cell"):
        self._cell = cell

    @property
    def text(self) -> str:
        return self._cell.note

    @text.setter
    def text(self, value: str) -> None:
        self._cell.note = value

    def delete(self) -> None:
        self._cell.note = None


class _Cell:
    def __init__(self, value=None, formula=None, color=None, note=None, locked=True):
        self.value, self.formula, self.color, self.note, self.locked = value, formula, color, note, locked
        self.number_format, self.hyperlink, self.bold, self.wrap = "General", None, False, False
        self.is_error = False  # an error value such as #REF!


class Font:
    def __init__(self, rng: "Range"):
        self._range = rng

    @property
    def bold(self) -> bool:
        return all(c.bold for c in self._range._cells())

    @bold.setter
    def bold(self, value: bool) -> None:
        self._range._format()
        for c in self._range._cells():
            c.bold = value


class Range:
    def __init__(self, sheet: "Sheet", cell1, cell2=None, **options):
        self.sheet = sheet
        (self._r1, self._c1), (self._r2, self._c2) = _rc(cell1), _rc(cell2 if cell2 is not None else cell1)
        self._options = options

    def options(self, convert=None, **options) -> "Range":
        return Range(self.sheet, (self._r1, self._c1), (self._r2, self._c2), **options)

    def _cells(self):
        return [self.sheet._cell(r, c) for r in range(self._r1, self._r2 + 1) for c in range(self._c1, self._c2 + 1)]

    def _format(self) -> None:
        if self.sheet.api.ProtectContents:
            raise ExcelError(f"{self.sheet.name} is protected: cells cannot be formatted")

    def _write(self, cells) -> None:
        if self.sheet.api.ProtectContents and any(c.locked for c in cells):
            raise ExcelError(f"{self.sheet.name} is protected: a locked cell cannot be changed")

    def _shown(self, cell: _Cell):
        v = cell.value
        if cell.is_error:
            return v if self._options.get("err_to_str") else None
        return v

    @property
    def value(self):
        rows = [[self._shown(self.sheet._cell(r, c, create=False)) for c in range(self._c1, self._c2 + 1)]
                for r in range(self._r1, self._r2 + 1)]
        if self._options.get("ndim") == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows[0] if len(rows) == 1 else rows

    @value.setter
    def value(self, data) -> None:
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else [
            data if isinstance(data, list) else [data]]
        targets = [self.sheet._cell(self._r1 + i, self._c1 + j) for i, row in enumerate(rows) for j in range(len(row))]
        self._write(targets)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                cell = self.sheet._cell(self._r1 + i, self._c1 + j)
                if isinstance(v, str) and v.startswith("=") and cell.number_format != "@":
                    cell.formula, cell.value = v, None  # Excel takes it as a formula
                else:
                    cell.formula, cell.value = None, float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @property
    def formula(self):
        cell = self.sheet._cell(self._r1, self._c1, create=False)
        if cell.formula:
            return cell.formula
        return "" if cell.value is None else str(cell.value)

    @formula.setter
    def formula(self, text: str) -> None:
        self._write(self._cells())
        for cell in self._cells():
            cell.formula, cell.value = text, None

    @property
    def color(self):
        return self.sheet._cell(self._r1, self._c1, create=False).color

    @color.setter
    def color(self, value) -> None:
        self._format()
        if isinstance(value, str):
            value = tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))
        for cell in self._cells():
            cell.color = value

    @property
    def number_format(self) -> str:
        return self.sheet._cell(self._r1, self._c1).number_format

    @number_format.setter
    def number_format(self, value: str) -> None:
        self._format()
        for cell in self._cells():
            cell.number_format = value

    @property
    def note(self):
        cell = self.sheet._cell(self._r1, self._c1, create=False)
        return Note(cell) if cell.note is not None else None

    def add_note(self, text: str) -> Note:
        self._format()
        cell = self.sheet._cell(self._r1, self._c1)
        if cell.note is not None:
            raise ExcelError("the cell has a note already")  # as Excel's AddComment
        cell.note = text
        return Note(cell)

    def add_hyperlink(self, address: str, text_to_display: str | None = None, screen_tip: str | None = None) -> None:
        cell = self.sheet._cell(self._r1, self._c1)
        cell.hyperlink, cell.value = address, text_to_display or address

    @property
    def font(self) -> Font:
        return Font(self)

    @property
    def column_width(self):
        return self.sheet._widths.get(self._c1)

    @column_width.setter
    def column_width(self, value) -> None:
        for c in range(self._c1, self._c2 + 1):
            self.sheet._widths[c] = value

    @property
    def wrap_text(self) -> bool:
        return all(c.wrap for c in self._cells())

    @wrap_text.setter
    def wrap_text(self, value: bool) -> None:
        self._format()
        for cell in self._cells():
            cell.wrap = value


class _Protection:
    def __init__(self):
        self.AllowFormattingColumns = self.AllowFormattingRows = False


class _SheetApi:
    """Worksheet members of Excel's object model that xltools uses."""

    def __init__(self):
        self.ProtectContents = False
        self.Protection = _Protection()
        self.protections = 0  # how many times it was protected again

    def Unprotect(self, Password=None) -> None:
        self.ProtectContents = False

    def Protect(self, Password=None, DrawingObjects=True, Contents=True, Scenarios=True, UserInterfaceOnly=False,
                AllowFormattingCells=False, AllowFormattingColumns=False, AllowFormattingRows=False, **more) -> None:
        self.ProtectContents = True
        self.Protection.AllowFormattingColumns = AllowFormattingColumns
        self.Protection.AllowFormattingRows = AllowFormattingRows
        self.protections += 1


class Sheet:
    def __init__(self, book: "Book", name: str):
        self.book, self._name = book, name
        self._data: dict[tuple[int, int], _Cell] = {}
        self._widths: dict[int, float] = {}
        self.api = _SheetApi()
        self.visible = True

    @property
    def name(self) -> str:
        return self._name

    def _cell(self, r: int, c: int, create: bool = True) -> _Cell:
        if not create:  # reading a cell does not make it exist
            return self._data.get((r, c)) or _Cell()
        if (r, c) not in self._data:
            self._data[(r, c)] = _Cell()
        return self._data[(r, c)]

    def range(self, cell1, cell2=None) -> Range:
        return Range(self, cell1, cell2)

    @property
    def used_range(self) -> Range:
        filled = [rc for rc, c in self._data.items() if c.value is not None or c.formula]
        if not filled:
            return Range(self, (1, 1))
        return Range(self, (1, 1), (max(r for r, _ in filled), max(c for _, c in filled)))

    def activate(self) -> None:
        self.book._active = self

    def delete(self) -> None:
        self.book.sheets._remove(self)

    def _by_a1(self) -> dict[str, _Cell]:
        """Every cell that holds something, by A1 address (for the tests)."""
        return {f"{get_column_letter(c)}{r}": cell for (r, c), cell in sorted(self._data.items())}


class Sheets:
    def __init__(self, book: "Book"):
        self._book, self._list = book, []

    def __len__(self) -> int:
        return len(self._list)

    def __iter__(self):
        return iter(list(self._list))

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._list[key]
        for s in self._list:
            if s.name == key:
                return s
        raise KeyError(key)  # xlwings raises a COM error here

    def add(self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None) -> Sheet:
        if self._book.api.ProtectStructure:
            raise ExcelError("the workbook's structure is protected")
        if any(s.name == name for s in self._list):
            raise ExcelError(f"a sheet named {name} exists")
        sheet = Sheet(self._book, name or f"Sheet{len(self._list) + 1}")
        at = self._list.index(before) if before else self._list.index(after) + 1 if after else 0
        self._list.insert(at, sheet)
        return sheet

    def _remove(self, sheet: Sheet) -> None:
        if self._book.api.ProtectStructure:
            raise ExcelError("the workbook's structure is protected")
        self._list.remove(sheet)

    @property
    def active(self) -> Sheet:
        return self._book._active


class _BookApi:
    def __init__(self):
        self.ProtectStructure = False

    def Unprotect(self, Password=None) -> None:
        self.ProtectStructure = False

    def Protect(self, Password=None, Structure=None, Windows=None) -> None:
        self.ProtectStructure = bool(Structure)


class App:
    def __init__(self):
        self.screen_updating = True
        self._alerts: list[str] = []

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None):
        self._alerts.append(prompt)
        return "ok"


class Book:
    def __init__(self, fullname: str):
        self.fullname = str(fullname)
        self.app = App()
        self.api = _BookApi()
        self.sheets = Sheets(self)
        self._active = None

    @property
    def name(self) -> str:
        return Path(self.fullname).name



def load(path: Path) -> Book:
    """A workbook as Excel would show it: cached values, formulas, fills, notes,
    locked cells and protection."""
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    book = Book(path)
    for ws in formulas.worksheets:
        sheet = Sheet(book, ws.title)
        book.sheets._list.append(sheet)
        shown = values[ws.title]
        for row in ws.iter_rows():
            for c in row:
                v = shown[c.coordinate].value
                fill = c.fill.fgColor.rgb if c.fill is not None and c.fill.fill_type == "solid" else None
                color = tuple(int(fill[i:i + 2], 16) for i in (2, 4, 6)) if isinstance(fill, str) else None
                cell = _Cell(float(v) if isinstance(v, int) and not isinstance(v, bool) else v,
                             c.value if c.data_type == "f" else None, color,
                             c.comment.text if c.comment else None, c.protection.locked)
                cell.is_error = shown[c.coordinate].data_type == "e"
                sheet._data[(c.row, c.column)] = cell
        sheet.api.ProtectContents = bool(ws.protection.sheet)
        sheet.api.Protection.AllowFormattingColumns = not ws.protection.formatColumns
        sheet.api.Protection.AllowFormattingRows = not ws.protection.formatRows
        sheet.visible = ws.sheet_state == "visible"
    book.api.ProtectStructure = bool(formulas.security and formulas.security.lockStructure)
    book._active = book.sheets[0]
    return book
