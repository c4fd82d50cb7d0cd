"""Reports as data files: JSON, JSON Lines and a long CSV."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from xltools.model.report import Report, dumps, number_text
from xltools.model.schema import load_format

CSV_COLUMNS = ("file", "unit", "year", "id", "label", "value")


def to_json(reports: list[tuple[Path, Report]]) -> str:
    """One object for one report; JSON Lines (one compact object per line) for several."""
    if len(reports) == 1:
        return reports[0][1].to_json() + "\n"
    return to_jsonl(reports)


def to_jsonl(reports: list[tuple[Path, Report]]) -> str:
    return "".join(dumps({"file": str(path), **report.to_dict()}, indent=None) + "\n" for path, report in reports)


def to_csv(reports: list[tuple[Path, Report]]) -> str:
    """One row per file and field (numbers, then text sections); blanks stay empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for path, report in reports:
        fields = load_format(report.format).fields
        for fid, value in list(report.values.items()) + list(report.text.items()):
            shown = "" if value is None else value if isinstance(value, str) else number_text(value)
            writer.writerow((str(path), report.unit or "", report.year or "", fid, fields[fid].label, shown))
    return out.getvalue()


FORMATS = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv}
