"""`xltools import` for many documents: read each (sources.py), import it
(importer.py), write its workbook, then check all the workbooks at once. The
import findings come first in each file's findings."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from xltools.documents.importer import import_document
from xltools.documents.sources import DocumentError, read_document
from xltools.model.findings import Finding
from xltools.rules.batch import check_paths
from xltools.rules.result import FileResult
from xltools.xlsx.writer import write


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
            doc = read_document(source, kind)
        except DocumentError as exc:
            done.append(Done(source, None, FileResult(source, unreadable=exc.message(), findings=[exc.finding])))
            continue
        result = import_document(doc)
        out = output or out_dir / _name(result.report.unit, result.report.year, source)
        first, n = out, 1
        # a name given with -o is the user's; a made-up name never replaces a file
        while out in taken or (output is None and out.exists()):
            n += 1
            out = first.with_name(f"{first.stem}-{n}.xlsx")
        taken.add(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        write(result.report, out)
        imported[out] = result.findings
        done.append(Done(source, out, FileResult(out), result.format))
    written = [d for d in done if d.out is not None]
    for d, checked in zip(written, check_paths([d.out for d in written])):
        checked.findings[:0] = imported[d.out]
        d.result = checked
    return done
