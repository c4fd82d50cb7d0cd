"""`xltools publish` of a workbook: checked first; refused when the check finds
errors, or when it is a summary that leaves units out, unless the caller allows it;
then the document, with what a summary leaves out said under the title and, if
asked, an appendix by kind or by unit (breakdown.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xltools.commands.breakdown import breakdown
from xltools.commands.coverage import Coverage, of_summary
from xltools.documents.publish import Part
from xltools.documents.publish import publish as write_document
from xltools.rules.batch import check_paths
from xltools.rules.result import FileResult


@dataclass
class Published:
    result: FileResult  # the workbook's check
    refused: str | None = None  # why nothing was written: "unreadable", "errors" or "incomplete"
    cover: Coverage | None = None  # the units a summary covers (None for a unit's report)


def publish_workbook(path: Path, out: Path, by: str | None = None, with_errors: bool = False,
                     allow_incomplete: bool = False, before_write=None) -> Published:
    """`by`: "kind" or "unit" for the appendix (a BreakdownError when 明细 does not add
    up); `before_write(result)` is called just before the document is written."""
    [result] = check_paths([path])
    if result.unreadable:
        return Published(result, "unreadable")
    if result.errors and not with_errors:
        return Published(result, "errors")
    cover = of_summary(path)
    incomplete = cover is not None and not cover.complete
    if incomplete and not allow_incomplete:
        return Published(result, "incomplete", cover)
    preface = [Part("paragraph", cover.sentence())] if incomplete else []
    appendix = breakdown(result.report, path, per_unit=by == "unit") if by else []
    if before_write is not None:
        before_write(result)
    write_document(result.report, out, appendix, preface)
    return Published(result, None, cover)
