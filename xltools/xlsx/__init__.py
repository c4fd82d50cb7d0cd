"""Workbook files: where every field sits (layout), the guard that looks at a file
before any parser, reading with python-calamine, the template painted with
openpyxl, writing, and saving atomically with formula values cached."""
