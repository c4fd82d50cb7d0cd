"""Where a command writes. A path the user names is checked before any work is
done: the right kind of file, not one of the inputs, not a folder, and an
existing file replaced only when asked (--force), after a numbered backup."""
from __future__ import annotations

import shutil
from pathlib import Path

from xltools.model.errors import UserError


class OutputError(UserError):
    prefix = "output_"


def backup_path(path: Path) -> Path:
    """x.xlsx → x.bak.xlsx, or x.bak.2.xlsx … when an older backup is there."""
    candidate, n = path.with_name(f"{path.stem}.bak{path.suffix}"), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.bak.{n}{path.suffix}")
    return candidate


def claim(path: Path, suffixes: tuple[str, ...], force: bool = False, inputs: list[Path] = ()) -> None:
    """Make sure `path` may be written, before any work is done."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise OutputError("suffix", path=path, suffixes="、".join(suffixes))
    if any(path.resolve() == Path(p).resolve() for p in inputs):
        raise OutputError("is_input", path=path)
    if path.is_dir():
        raise OutputError("is_folder", path=path)
    if path.exists() and not force:
        raise OutputError("exists", path=path)


def keep_backup(path: Path) -> Path | None:
    """Copy an existing file aside just before it is replaced; the copy's path."""
    path = Path(path)
    if not path.is_file():
        return None
    backup = backup_path(path)
    shutil.copy2(path, backup)
    return backup


def reason(exc: OSError, lang: str = "zh") -> str:
    """Why a file could not be written, in words a clerk understands."""
    from errno import errorcode

    from xltools.model.schema import words

    w = words(lang)
    name = errorcode.get(exc.errno or 0, "")
    return w.get(f"errno_{name}") or exc.strerror or str(exc)
