"""`xltools compare OLD NEW`: two reports, or two folders of them, side by side.

Each side is a workbook, a document that `xltools import` reads, or a folder. What
is compared follows from the reports' units and years:
  year_over_year  one unit, NEW the year after OLD: carry-over, documents in force,
                  jumps, text repeated, last year's problems addressed (C1–C4, W2)
  same_report     one unit, one year (the approved workbook and the published page):
                  every number and text section that differs (P1, P2)
  folders         units matched by credit code, then by name; each pair as above,
                  and the units found on one side only (C5)
  summary         OLD a summary, NEW the folder of its units: every figure against
                  the exact sum of the units merge would add up (U1)
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xltools.commands.inputs import DOCUMENT_SUFFIXES, WORKBOOK_SUFFIXES, expand
from xltools.model.errors import UserError
from xltools.model.findings import Finding, Findings
from xltools.model.report import Report
from xltools.rules import comparison
from xltools.rules.batch import inspect_all
from xltools.rules.explanations import explain
from xltools.rules.result import FileResult
from xltools.xlsx.layout import load_layout

KINDS = ("year_over_year", "same_report", "folders", "summary")


class CompareError(UserError):
    prefix = "compare_"


@dataclass
class Pair(Findings):
    """Two reports compared: the findings point at NEW's cells."""

    old: FileResult
    new: FileResult
    kind: str  # year_over_year | same_report | summary
    findings: list[Finding] = field(default_factory=list)
    units: list = field(default_factory=list)  # summary: merge's submissions (which units were included)

    def value(self, side: str, fid: str):
        return getattr(self, side).report.values.get(fid)


@dataclass
class Comparison:
    kind: str
    old: Path
    new: Path
    pairs: list[Pair] = field(default_factory=list)
    only_old: list[FileResult] = field(default_factory=list)
    only_new: list[FileResult] = field(default_factory=list)
    apart: list[tuple[FileResult, FileResult]] = field(default_factory=list)  # one unit, years not next to each other
    unreadable: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # about the folders, not a pair (C5)

    @property
    def all_findings(self) -> list[Finding]:
        return self.findings + [f for p in self.pairs for f in p.findings]


def _load(paths: list[Path], jobs: int | None) -> list[FileResult]:
    """Workbooks read as check reads them; documents imported into a workbook first
    (in a folder of their own, removed afterwards), so that what the import could
    not read stays unknown rather than 0."""
    from xltools.documents.importer import import_document
    from xltools.documents.sources import DocumentError, read_document

    books = [p for p in paths if p.suffix.lower() in WORKBOOK_SUFFIXES]
    results = {p: s.result for p, s in zip(books, inspect_all(books, jobs))}
    documents = [p for p in paths if p not in results]
    if documents:
        with tempfile.TemporaryDirectory(prefix="xltools-compare-") as tmp:
            made = {}
            for i, p in enumerate(documents):
                try:
                    imported = import_document(read_document(p))
                except DocumentError as exc:
                    results[p] = FileResult(p, unreadable=exc.message(), findings=[exc.finding])
                    continue
                made[p] = Path(tmp) / f"{i}.xlsx"
                imported.write(made[p])
            for p, s in zip(made, inspect_all(list(made.values()), jobs)):
                s.result.path = p  # named after the document it came from
                results[p] = s.result
    return [results[p] for p in paths]


def _inputs(path: Path) -> list[Path]:
    return expand([path], WORKBOOK_SUFFIXES + DOCUMENT_SUFFIXES).files


def _kind(old: FileResult, new: FileResult) -> str | None:
    if not isinstance(old.year, int) or not isinstance(new.year, int):
        return None
    return {1: "year_over_year", 0: "same_report"}.get(new.year - old.year)


def _same_unit(old: FileResult, new: FileResult) -> bool:
    pairs, _, _ = comparison.match_units([old], [new])
    return bool(pairs)


def _judge(pairs: list[Pair], layout) -> None:
    """The rules of each pair's kind; the carry-over of all year-over-year pairs in
    one go, as check judges many files."""
    yearly = [p for p in pairs if p.kind == "year_over_year"]
    for p, found in zip(yearly, comparison.carry_over([(p.old, p.new) for p in yearly], layout)):
        p.findings += found
    for p in pairs:
        old, new = p.old.report, p.new.report
        if p.kind == "year_over_year":
            p.findings += comparison.jumps(old, new, layout) + comparison.repeated(old, new, layout) \
                + comparison.unanswered(old, new, layout)
        elif p.kind == "same_report":
            unread = p.old.not_imported | p.new.not_imported
            p.findings += comparison.changed_numbers(old, new, layout, unread) + comparison.changed_text(old, new, layout)
        order = {c: i for i, c in enumerate(layout.cells.values())}
        p.findings.sort(key=lambda f: order.get(layout.cells.get(f.fields[0]) if f.fields else None, -1))
        if p.kind == "year_over_year":  # this year's 审核说明 may explain a jump or a rewritten chain
            explain(FileResult(p.new.path, findings=p.findings, report=new))


def compare(old: Path, new: Path, jobs: int | None = None) -> Comparison:
    old, new = Path(old), Path(new)
    layout = load_layout()
    if old.is_dir() and not new.is_dir():
        raise CompareError("folder_first", old=old, new=new)
    if new.is_dir() and not old.is_dir():
        return _summary(old, new, jobs, layout)
    olds, news = _load(_inputs(old), jobs), _load(_inputs(new), jobs)
    if not olds or not news:
        raise CompareError("nothing", path=old if not olds else new)
    bad = [r for r in olds + news if r.report is None]
    if not old.is_dir():
        result = Comparison("", old, new, unreadable=bad)
        if bad:
            return result
        [a], [b] = olds, news
        kind = _kind(a, b)
        if not _same_unit(a, b):
            raise CompareError("units", old=a.unit, new=b.unit)
        if kind is None:
            raise CompareError("years", old=a.year, new=b.year)
        result.kind, result.pairs = kind, [Pair(a, b, kind)]
        _judge(result.pairs, layout)
        return result
    good_old, good_new = [r for r in olds if r.report], [r for r in news if r.report]
    matched, only_old, only_new = comparison.match_units(good_old, good_new)
    result = Comparison("folders", old, new, only_old=only_old, only_new=only_new, unreadable=bad)
    for a, b in matched:
        kind = _kind(a, b)
        if kind is None:
            result.apart.append((a, b))
        else:
            result.pairs.append(Pair(a, b, kind))
    _judge(result.pairs, layout)
    result.findings = comparison.missing_units(only_old)
    return result


def last_year(path: Path, unit: str, year: int | None, jobs: int | None = None) -> FileResult:
    """Last year's report of `unit` (a workbook or a document, read as compare reads
    either), for `merge --previous`: one that cannot be read, is another unit's or
    not of the year before `year` is refused."""
    [old] = _load([Path(path)], jobs)
    if old.report is None:
        raise CompareError("previous_unreadable", path=path)
    if not _same_unit(old, FileResult(Path(path), report=Report(meta={"unit": unit}))):
        raise CompareError("previous_unit", path=path, old=old.unit, new=unit)
    if not isinstance(year, int) or old.year != year - 1:
        raise CompareError("previous_year", path=path, old=old.year, new=year)
    return old


def year_over_year(old: FileResult, new: FileResult) -> Comparison:
    """Last year's report and this year's, judged as `xltools compare OLD NEW` does."""
    pair = Pair(old, new, "year_over_year")
    _judge([pair], load_layout())
    return Comparison("year_over_year", old.path, new.path, pairs=[pair])


def _summary(old: Path, folder: Path, jobs: int | None, layout) -> Comparison:
    from xltools.commands.merge import merge

    [summary] = _load([old], jobs)
    result = Comparison("summary", old, folder)
    if summary.report is None:
        result.unreadable = [summary]
        return result
    merged = merge(expand([folder]).files, summary.unit or "", summary.year, jobs=jobs)
    reports = [s.result.report for s in merged.merged]
    if not reports:
        raise CompareError("nothing", path=folder)
    units = FileResult(folder, report=merged.summary)  # the sum of the units, as merge adds them up
    pair = Pair(summary, units, "summary", units=merged.submissions)
    _, pair.findings = comparison.sum_of_units(summary.report, reports, layout)
    result.pairs = [pair]
    return result
