"""Which files a command works on: the files named, and the workbooks inside folders."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Spreadsheets a folder may hold: the template's own kinds, and the kinds clerks
# save by mistake (.xls, .ods), which are taken so that they are named (F4, F6)
# and counted as submitted with errors, never silently passed over.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
DOCUMENT_SUFFIXES = (".txt", ".md", ".htm", ".html", ".docx", ".pdf")


def is_lock_file(path: Path) -> bool:
    """Excel leaves `~$name.xlsx` beside a workbook that is open."""
    return path.name.startswith("~$")


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # lock files, hidden files, other documents


def expand(paths: list[str | Path], suffixes: tuple[str, ...] = WORKBOOK_SUFFIXES) -> Inputs:
    """Files as given (lock files aside); folders searched recursively for workbooks
    (or the files with `suffixes`), in a stable order, with everything else found
    there listed as skipped."""
    out = Inputs()
    for p in map(Path, paths):
        if not p.is_dir():
            (out.skipped if is_lock_file(p) else out.files).append(p)
            continue
        for f in sorted(_walk(p, out.skipped)):
            hidden = any(part.startswith(".") for part in f.relative_to(p).parts)
            wanted = f.suffix.lower() in suffixes and not is_lock_file(f) and not hidden
            (out.files if wanted else out.skipped).append(f)
    return out


def _walk(folder: Path, skipped: list[Path]):
    """The files below a folder. A folder that cannot be opened is skipped and said
    (listed with the skipped); one that vanished while it was searched (a program's
    temporary folder) held nothing to lose."""
    def unopened(error: OSError) -> None:
        if not isinstance(error, FileNotFoundError):
            skipped.append(Path(error.filename))

    for top, _, names in os.walk(folder, onerror=unopened):
        yield from (f for f in map(Path(top).joinpath, names) if f.is_file())
