"""xltools: the standard workbook of the 政府信息公开工作年度报告.

    >>> import xltools
    >>> report = xltools.read("unit.xlsx")          # every field id → value
    >>> report.values["requests.new.total"]
    >>> xltools.write(report, "copy.xlsx")          # a filled standard workbook
"""
from xltools.report import Report, ReportError

__all__ = ["Report", "ReportError", "read", "write", "write_template"]


def read(path):
    """Read a standard workbook into a Report (python-calamine; cached values used)."""
    from xltools.read import read as _read

    return _read(path)


def write(report, path):
    """Write a Report into a new standard workbook at `path`, atomically."""
    from xltools.write import write as _write

    _write(report, path)


def write_template(path, unit=None, year=None):
    """Write the empty standard workbook."""
    from xltools.write import write_template as _wt

    _wt(path, unit=unit, year=year)
