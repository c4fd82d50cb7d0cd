"""xltools: the standard workbook of the 政府信息公开工作年度报告.

    >>> import xltools
    >>> report = xltools.read("unit.xlsx")          # every field id → value
    >>> report.values["requests.new.total"]
    >>> xltools.write(report, "copy.xlsx")          # a filled standard workbook
    >>> [r.ok for r in xltools.check(["unit.xlsx"])]
    >>> result = xltools.merge(["inbox/"], unit="示例县", output="summary.xlsx")
    >>> imported = xltools.import_document("report.html")   # .report, .findings
    >>> xltools.publish("unit.xlsx", "report.docx")

Nothing heavy is imported until it is used, so that `xltools --help` is instant.
"""
from __future__ import annotations

__all__ = ["Report", "ReportError", "check", "import_document", "merge", "publish", "read", "write",
           "write_template"]


def read(path):
    """Read a standard workbook into a Report (python-calamine; cached values used)."""
    from xltools.xlsx.reader import read as _read

    return _read(path)


def write(report, path):
    """Write a Report into a new standard workbook at `path`, atomically."""
    from xltools.xlsx.writer import write as _write

    _write(report, path)


def write_template(path, unit=None, year=None, report=None):
    """Write the standard workbook, empty or filled with `report` (a Report), at
    `path`, atomically; `unit` and `year`, when given, go on its cover (over the
    report's)."""
    if report is None:
        from xltools.xlsx.writer import write_template as _write_template

        _write_template(path, unit=unit, year=year)
        return
    from dataclasses import replace

    given = {"unit": unit, "year": year}
    write(replace(report, meta={**report.meta, **{k: v for k, v in given.items() if v is not None}}), path)


def check(paths, previous=(), jobs=None):
    """Check workbooks (files or folders) against every rule, the text of each
    against the others' (T5); one result per file, with `.findings`, `.errors`,
    `.warnings`, `.ok`, the `.score` evaluators would give and the `.report` read."""
    from xltools.commands.inputs import expand
    from xltools.rules.batch import check_paths

    return check_paths(expand(_list(paths)).files, expand(_list(previous)).files, jobs)


def merge(paths, unit, year=None, roster=None, output=None, jobs=None, previous=None, draft=True,
          allow_incomplete=False, strict=False, progress=None, before_write=None):
    """Add up units' workbooks (files or folders) into a summary report. `roster` is
    a CSV path (its 类型 gives each unit's kind) or a roster read by
    `xltools.commands.roster.read_roster`. With `output`, the summary workbook is
    written there, with 分类汇总, 图表 and the figure sentences drafted into its empty
    text unless `draft` is false or units are left out and not `allow_incomplete`
    (then in `.summary.text` too); it is not written when nothing could be added up,
    nor with `strict` when a report is left out (`.unwritten` says which).
    `previous` is last year's summary (`.last`), refused with a CompareError before
    anything is written when it is another unit's or year's. `progress(n)` hears of
    every n files read; `before_write(path)` is called just before the workbook is.
    The result lists every input with its status, and `.summary` is the summed Report."""
    from pathlib import Path

    from xltools.commands.county import last_year
    from xltools.commands.inputs import expand
    from xltools.commands.merge import merge as _merge
    from xltools.commands.roster import read_roster
    from xltools.commands.summary import write_summary

    found = expand(_list(paths))
    units = read_roster(Path(roster)) if isinstance(roster, (str, Path)) else roster
    result = _merge(found.files, unit, year, units, jobs, found.skipped, progress)
    if output is None:
        return result
    result.unwritten = "nothing" if result.summary is None else "strict" if strict and result.excluded else None
    if result.unwritten is None:
        result.last = last_year(previous, result, jobs) if previous is not None else None
        if before_write is not None:
            before_write(Path(output))
        write_summary(result, Path(output), result.last, draft, allow_incomplete)
    return result


def import_document(path, kind="auto"):
    """Read a published report (text, HTML, .docx, PDF) into a Report of the
    standard format; `.findings` say what could not be placed with confidence."""
    from xltools.documents.importer import import_document as _import
    from xltools.documents.sources import read_document

    return _import(read_document(path, kind))


def publish(report, out, breakdown=None, with_errors=False, allow_incomplete=False, before_write=None):
    """Write the report document (.docx, .html or .md) from a Report, as it is, or
    from a workbook's path, as `xltools publish` does: the workbook is checked first
    and nothing is written when it cannot be read, when the check finds errors
    (unless `with_errors`) or when it is a summary that leaves units out (unless
    `allow_incomplete`, which says so under the title); `breakdown` ("kind" or
    "unit") adds the appendix of a summary's units by kind. For a path, returns the
    check (`.result`), why nothing was written (`.refused`) and the summary's
    coverage (`.cover`); `before_write(result)` is called just before writing."""
    from pathlib import Path

    from xltools.documents.publish import publish as _publish

    if not isinstance(report, (str, Path)):
        _publish(report, Path(out))
        return None
    from xltools.commands.publishing import publish_workbook

    return publish_workbook(Path(report), Path(out), breakdown, with_errors, allow_incomplete, before_write)


def _list(paths):
    from pathlib import Path

    return [paths] if isinstance(paths, (str, Path)) else list(paths)


def __getattr__(name):
    if name in ("Report", "ReportError"):
        from xltools.model import report

        return getattr(report, name)
    raise AttributeError(name)
