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


# --- parquet: one row per report, a typed column per field ---------------------------

ROW_GROUP = 1000  # reports read, checked and written at a time: memory stays flat however many there are
PARQUET_FIRST = ("unit", "code", "kind", "parent", "year", "file", "sha256", "findings", "errors", "score")


def parquet_schema():
    """The columns: who and what of each report, then one per field id of the format in
    its order (counts as int64, money as decimal128 with merge's six decimals, texts as
    strings)."""
    import pyarrow as pa

    from xltools.model.values import LARGEST, MAX_DECIMALS
    from xltools.xlsx.layout import load_layout

    fmt = load_layout().format
    money = pa.decimal128(len(str(LARGEST)) - 1 + MAX_DECIMALS, MAX_DECIMALS)
    first = [pa.field(n, pa.int64() if n in ("year", "findings", "errors", "score") else pa.string())
             for n in PARQUET_FIRST]
    return pa.schema(first + [pa.field(f.id, money if f.kind == "money" else pa.int64())
                              for f in fmt.numeric_fields()] + [pa.field(f.id, pa.string()) for f in fmt.text_fields()])


class _Kinds:
    """Each report's kind (its label) as merge's 分类汇总 counts it: the roster's 类型 of the
    unit the report stands for, found by code or name as merge finds it; 其他 without."""

    def __init__(self, roster):
        from xltools.commands.merge import _RosterIndex

        units = roster.units if roster is not None else []
        self.index = _RosterIndex(units) if any(u.kind.strip() for u in units) else None

    def of(self, sub) -> str:
        from xltools.model import county
        from xltools.model.schema import load_county

        found = self.index.match(sub) if self.index is not None else None
        kind = county.kind_of(self.index.roster[found].kind)[0] if found is not None else load_county().fallback
        return county.kind_label(kind)


def _year(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _parquet_rows(subs, kinds: _Kinds, schema) -> dict[str, list]:
    """The columns of one row group, from the reports read and checked."""
    columns: dict[str, list] = {name: [] for name in schema.names}
    for s in subs:
        r = s.result
        score = r.score
        own = {"unit": r.unit, "code": r.code or None, "kind": kinds.of(s), "parent": r.report.meta.get("parent"),
               "year": _year(r.year), "file": str(s.path), "sha256": s.sha256, "findings": len(r.findings),
               "errors": len(r.errors), "score": score.points if score is not None else None}
        for name, column in columns.items():
            column.append(own[name] if name in own else r.report.values[name] if name in r.report.values
                          else r.report.text.get(name))
    return columns


def to_parquet(found: Inputs, out, roster=None,
               jobs: int | None = None) -> tuple[list[tuple[Path, Finding | str]], int]:
    """Write the reports of the workbooks found to `out` (a binary file) as parquet, a
    row group at a time; the files not exported, each with the finding why (as
    `read_reports` gives them), and how many reports were. `findings`, `errors` and
    `score` are check's on each file alone: T5, which compares the units' texts with
    each other, is left out, as a row would otherwise depend on which files are
    exported with it."""
    import pyarrow.parquet as pq

    schema, kinds = parquet_schema(), _Kinds(roster)
    unread: list[tuple[Path, Finding | str]] = []
    done = 0
    with pq.ParquetWriter(out, schema) as writer:
        for start in range(0, len(found.files), ROW_GROUP):
            done += _row_group(found.files[start:start + ROW_GROUP], writer, kinds, unread, jobs)
    return unread + [(s.path, s.finding) for s in found.skipped if s.finding is not None], done


def _row_group(paths: list[Path], writer, kinds: _Kinds, unread: list, jobs: int | None) -> int:
    """Read, check and write one row group; the files not read go to `unread`. Its
    reports are let go on return, before the next group is read."""
    import pyarrow as pa

    from xltools.rules.batch import inspect_all
    from xltools.rules.check import judge
    from xltools.xlsx.layout import load_layout

    subs = inspect_all(paths, jobs)
    judge([s.result for s in subs], [None] * len(subs), load_layout(), across=False)
    # what stopped the file (a file that vanished has no finding: the system's words)
    unread += [(s.path, (s.result.findings or [s.result.unreadable])[0]) for s in subs if s.result.report is None]
    read = [s for s in subs if s.result.report is not None]
    if read:
        writer.write_table(pa.table(_parquet_rows(read, kinds, writer.schema), schema=writer.schema))
    return len(read)
