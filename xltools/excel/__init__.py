"""The workbook open in Excel: the buttons of the macro-enabled template call
`xltools.excel.check()`, `.fill()` and `.clear()` through the xlwings add-in
(their names are written into the committed template.xlsm)."""
from xltools.excel.bridge import check, clear, fill

__all__ = ["check", "clear", "fill"]
