"""Which files a command works on: the files named, and the workbooks inside folders."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from xltools.model.findings import Finding
from xltools.model.schema import words
from xltools.xlsx.guard import describe_file
from xltools.xlsx.reader import finding_of

# Spreadsheets a folder may hold: the template's own kinds, and the kinds clerks
# save by mistake (.xls, .ods), which are taken so that they are named (F4, F6)
# and counted as submitted with errors, never silently passed over.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
DOCUMENT_SUFFIXES = (".txt", ".md", ".htm", ".html", ".docx", ".pdf")


def is_lock_file(path: Path) -> bool:
    """Excel leaves `~$name.xlsx` beside a workbook that is open."""
    return path.name.startswith("~$")


@dataclass(frozen=True)
class Skipped:
    """A file a folder's search found and left unread, and why: a key of words.yaml
    (skip_lock, skip_hidden, skip_folder, skip_unopened), or, for a file that is not a
    workbook, rule F2's finding saying what it is."""

    path: Path
    why: str = ""
    finding: Finding | None = None
    reason: str = ""  # skip_unopened: the system's reason

    def message(self, lang: str = "zh") -> str:
        if self.finding is not None:
            return self.finding.message(lang)
        return words(lang)[f"skip_{self.why}"].format(reason=self.reason)


def _skipped(path: Path, hidden: bool) -> Skipped:
    if is_lock_file(path):
        return Skipped(path, "lock")
    if hidden:
        return Skipped(path, "hidden")
    try:
        if not path.stat().st_size:
            return Skipped(path, finding=Finding("F1", "empty"))
        return Skipped(path, finding=finding_of(describe_file(path)))
    except OSError as exc:
        return Skipped(path, "unopened", reason=exc.strerror or str(exc))


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # lock files, hidden files, other documents


def expand(paths: list[str | Path], suffixes: tuple[str, ...] = WORKBOOK_SUFFIXES) -> Inputs:
    """Files as given (lock files and what is not a regular file aside); folders searched recursively for workbooks
    (or the files with `suffixes`), in a stable order, with everything else found
    there listed as skipped, with why."""
    out = Inputs()
    for p in map(Path, paths):
        if not p.is_dir():
            if is_lock_file(p):
                out.skipped.append(Skipped(p, "lock"))
            elif p.exists() and not p.is_file():  # a pipe would be waited on for ever, a device read without end
                out.skipped.append(Skipped(p, finding=Finding("F2", "special")))
            else:
                out.files.append(p)
            continue
        for f in sorted(_walk(p, out.skipped)):
            hidden = any(part.startswith(".") for part in f.relative_to(p).parts)
            if f.suffix.lower() in suffixes and not is_lock_file(f) and not hidden:
                out.files.append(f)
            else:
                out.skipped.append(_skipped(f, hidden))
    return out


def _walk(folder: Path, skipped: list[Skipped]):
    """The files below a folder. A folder that cannot be opened is skipped and said
    (listed with the skipped); one that vanished while it was searched (a program's
    temporary folder) held nothing to lose."""
    def unopened(error: OSError) -> None:
        if not isinstance(error, FileNotFoundError):
            skipped.append(Skipped(Path(error.filename), "folder"))

    for top, _, names in os.walk(folder, onerror=unopened):
        yield from (f for f in map(Path(top).joinpath, names) if f.is_file())
