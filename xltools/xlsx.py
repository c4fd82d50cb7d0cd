"""Saving workbooks safely: reproducible bytes, written to a temporary file and renamed."""
from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

# Zip entries carry this time so that the same content gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE = "docProps/core.xml"


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


def _fix_time(xml: bytes, when: datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", xml)


def workbook_bytes(wb, when: datetime | None = None) -> bytes:
    """The .xlsx bytes of an openpyxl workbook; with `when`, its document dates are
    fixed too, which makes the output reproducible."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if when is not None and info.filename == _CORE:
                data = _fix_time(data, when)
            dst.writestr(zipfile.ZipInfo(info.filename, _ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def save(wb, path: Path, when: datetime | None = None) -> None:
    data = workbook_bytes(wb, when)
    with atomic_output(path) as fh:
        fh.write(data)
