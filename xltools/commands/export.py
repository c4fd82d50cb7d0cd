"""Reports as data files: JSON, JSON Lines and a long CSV."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from xltools.commands.inputs import Inputs
from xltools.model.findings import Finding
from xltools.model.report import Report, dumps, number_text
from xltools.model.schema import load_format
from xltools.model.values import inert
from xltools.xlsx.reader import ReadError, read

CSV_COLUMNS = ("file", "unit", "year", "id", "label", "value")


def read_reports(found: Inputs) -> tuple[list[tuple[Path, Report]], list[tuple[Path, Finding]]]:
    """The reports of the workbooks found, and the files not exported, each with the
    finding why: one unreadable file costs the county only that file. A lock file or
    a hidden one is no submission and loses no data: it is not among them."""
    reports, unread = [], []
    for path in found.files:
        try:
            reports.append((path, read(path)))
        except ReadError as exc:
            unread.append((path, exc.finding))
    return reports, unread + [(s.path, s.finding) for s in found.skipped if s.finding is not None]


def to_json(reports: list[tuple[Path, Report]]) -> str:
    """One object for one report; JSON Lines (one compact object per line) for several."""
    if len(reports) == 1:
        return reports[0][1].to_json() + "\n"
    return to_jsonl(reports)


def to_jsonl(reports: list[tuple[Path, Report]]) -> str:
    return "".join(dumps({"file": str(path), **report.to_dict()}, indent=None) + "\n" for path, report in reports)


def to_csv(reports: list[tuple[Path, Report]]) -> str:
    """One row per file and field (numbers, then text sections); blanks stay empty.
    Text that would start a formula in Excel is written inert; numbers stay numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for path, report in reports:
        fields = load_format(report.format).fields
        for fid, value in list(report.values.items()) + list(report.text.items()):
            shown = "" if value is None else inert(value) if isinstance(value, str) else number_text(value)
            writer.writerow((inert(str(path)), inert(report.unit or ""), report.year or "", fid, fields[fid].label,
                             shown))
    return out.getvalue()


FORMATS = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv}
