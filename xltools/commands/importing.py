"""`xltools import` for many documents: read each (sources.py), import it
(importer.py), write its workbook (which names the cells the import could not
read, so that the checker judges only what the document gave), then check the
workbooks. Import and check findings are listed together, in the order of the
workbook's cells."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from xltools.documents.importer import import_document
from xltools.documents.sources import DocumentError, read_document
from xltools.model.findings import Finding
from xltools.rules.batch import inspect
from xltools.rules.check import judge
from xltools.rules.result import FileResult
from xltools.xlsx.layout import load_layout


@dataclass
class Done:
    source: Path
    out: Path | None
    result: FileResult
    format: str = ""


def _name(unit: str | None, year: int | None, source: Path) -> str:
    stem = "-".join(str(x) for x in (unit or source.stem, year) if x)
    return re.sub(r'[\\/:*?"<>|\s]+', "_", stem) + ".xlsx"


def import_paths(paths: list[Path], output: Path | None, out_dir: Path, kind: str = "auto") -> list[Done]:
    done: list[Done] = []
    taken: set[Path] = set()
    imported: dict[Path, list[Finding]] = {}
    for source in paths:
        try:
            result = import_document(read_document(source, kind))
        except DocumentError as exc:
            done.append(Done(source, None, FileResult(source, unreadable=exc.message(), findings=[exc.finding])))
            continue
        out = output or out_dir / _name(result.report.unit, result.report.year, source)
        first, n = out, 1
        # a name given with -o is the user's; a made-up name never replaces a file
        while out in taken or (output is None and out.exists()):
            n += 1
            out = first.with_name(f"{first.stem}-{n}.xlsx")
        taken.add(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        result.write(out)
        imported[out] = result.findings
        done.append(Done(source, out, FileResult(out), result.format))
    written = [d for d in done if d.out is not None]
    for d in written:
        d.result = inspect(d.out).result
        d.result.findings[:0] = imported[d.out]
    results = [d.result for d in written]
    judge(results, [None] * len(results), load_layout())  # the arithmetic, and every finding in order
    return done
