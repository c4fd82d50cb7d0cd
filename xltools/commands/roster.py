"""The county's list of units that must report: a CSV as people keep it (UTF-8 with
or without BOM, or GBK as Excel saves it on Chinese Windows)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from xltools.model.errors import UserError
from xltools.model.schema import load_summary


class RosterError(UserError):
    prefix = "roster_"


@dataclass(frozen=True)
class RosterUnit:
    code: str
    name: str
    parent: str = ""


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError("encoding")


def read_roster(path: Path) -> list[RosterUnit]:
    rows = list(csv.reader(io.StringIO(_decode(Path(path).read_bytes()))))
    if not rows:
        raise RosterError("empty", path=path)
    header = [h.strip().lower() for h in rows[0]]
    where = {key: next((header.index(n.lower()) for n in names if n.lower() in header), None)
             for key, names in load_summary()["roster"].items()}
    if where["name"] is None and where["code"] is None:
        raise RosterError("header", path=path, found="、".join(h for h in rows[0] if h.strip())[:60])
    units = []
    for row in rows[1:]:
        def cell(key):
            i = where[key]
            return row[i].strip() if i is not None and i < len(row) else ""
        if any(c.strip() for c in row):
            units.append(RosterUnit(cell("code").upper(), cell("name"), cell("parent")))
    return units
