"""Which files a command works on: the files named, and the workbooks inside folders."""
from __future__ import annotations

from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def is_lock_file(path: Path) -> bool:
    """Excel leaves `~$name.xlsx` beside a workbook that is open."""
    return path.name.startswith("~$")


def expand(paths: list[str | Path]) -> list[Path]:
    """Files as given; folders searched recursively for workbooks, hidden files and
    Excel lock files left out, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES
                and not is_lock_file(f) and not any(part.startswith(".") for part in f.relative_to(p).parts)
            ))
        elif not is_lock_file(p):
            out.append(p)
    return out
