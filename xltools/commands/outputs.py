"""Where a command writes. A path the user names is checked before any work is
done: the right kind of file, not one of the inputs, not a folder, not open in
another program, and an existing file replaced only when asked (--force), after a
numbered backup."""
from __future__ import annotations

import os
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
    if held(path):
        raise OutputError("in_use", path=path)


def held(path: Path) -> bool:
    """Whether another program holds the file open for itself (Excel on Windows):
    it cannot be opened for writing although its permissions allow it. Opening it
    so changes nothing."""
    path = Path(path)
    if not path.is_file() or not os.access(path, os.W_OK):
        return False
    try:
        with path.open("r+b"):
            return False
    except PermissionError:
        return True
    except OSError:
        return False


def keep_backup(path: Path) -> Path | None:
    """Copy an existing file aside just before it is replaced; the copy's path."""
    path = Path(path)
    if not path.is_file():
        return None
    backup = backup_path(path)
    shutil.copy2(path, backup)
    return backup


def reason(exc: OSError, lang: str = "zh", path: Path | None = None) -> str:
    """Why a file could not be written, in words a clerk understands. Refused
    although the folder and the file may be written: another program holds the
    file (on Windows, replacing a file open in Excel is refused so)."""
    from errno import errorcode

    from xltools.model.schema import words

    w = words(lang)
    if isinstance(exc, PermissionError) and path is not None and Path(path).is_file() and \
            os.access(path, os.W_OK) and os.access(Path(path).parent, os.W_OK):
        return w["in_use"]
    name = errorcode.get(exc.errno or 0, "")
    return w.get(f"errno_{name}") or w["errno_other"].format(code=name or exc.errno, text=exc.strerror or exc)
