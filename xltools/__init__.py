"""xltools: the standard workbook of the 政府信息公开工作年度报告.

    >>> import xltools
    >>> report = xltools.read("unit.xlsx")          # every field id → value
    >>> report.values["requests.new.total"]
    >>> xltools.write(report, "copy.xlsx")          # a filled standard workbook

Nothing heavy is imported until it is used, so that `xltools --help` is instant.
"""
__all__ = ["Report", "ReportError", "read", "write", "write_template"]


def read(path):
    """Read a standard workbook into a Report (python-calamine; cached values used)."""
    from xltools.reader import read as _read

    return _read(path)


def write(report, path):
    """Write a Report into a new standard workbook at `path`, atomically."""
    from xltools.writer import write as _write

    _write(report, path)


def write_template(path, unit=None, year=None):
    """Write the empty standard workbook, optionally with unit and year on the cover."""
    from xltools.writer import write_template as _write_template

    _write_template(path, unit=unit, year=year)


def __getattr__(name):
    if name in ("Report", "ReportError"):
        from xltools import report

        return getattr(report, name)
    raise AttributeError(name)
