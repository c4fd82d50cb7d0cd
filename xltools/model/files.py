"""Writing a file so that a failure never leaves half of it: every writer of
workbooks, documents, notes and the desk's files goes through here."""
from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path: Path):
    """Yield a binary file in the target folder; it replaces `path` only if the
    block finishes, so a failure never leaves a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# what the system says when a disk is full or a file or folder cannot be written: the
# disk, a quota, a file-size limit, a read-only disk or folder, or the disk failing
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO})
# SQLite's result codes for the same (an extended code keeps its primary code in the low byte):
# FULL, READONLY, IOERR, CANTOPEN, each said as the errno it stands for
SQLITE_ERRNOS = {13: errno.ENOSPC, 8: errno.EACCES, 10: errno.EIO, 14: errno.EACCES}


def unwritable(exc: BaseException | None) -> OSError | None:
    """The disk's refusal behind `exc` (itself, or an error it was raised from or while
    handling, as a worker's error comes wrapped), as an OSError with its errno: None when
    `exc` is anything else. SQLite's refusal is said as the errno it stands for."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
            return exc
        code = getattr(exc, "sqlite_errorcode", None) if isinstance(exc, sqlite3.Error) else None
        if code is not None and code & 0xFF in SQLITE_ERRNOS:
            return OSError(SQLITE_ERRNOS[code & 0xFF], str(exc))
        exc = exc.__cause__ or exc.__context__
    return None
