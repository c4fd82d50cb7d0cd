"""The county's list of units that must report: a CSV as people keep it (UTF-8 with
or without BOM, or GBK as Excel saves it on Chinese Windows)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from xltools.model.codes import fold_name
from xltools.model.errors import UserError
from xltools.model.schema import load_summary, words


class RosterError(UserError):
    prefix = "roster_"


@dataclass(frozen=True)
class RosterUnit:
    code: str
    name: str
    parent: str = ""
    kind: str = ""  # 类型 (乡镇, 部门 …), as the roster gives it


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError("encoding")


@dataclass(frozen=True)
class RosterNote:
    """Something about the roster the county office should know (a word of words.yaml)."""

    word: str
    params: dict

    def message(self, lang: str = "zh") -> str:
        return words(lang)["roster_" + self.word].format(**self.params)


@dataclass
class Roster:
    units: list[RosterUnit]
    notes: list[RosterNote] = field(default_factory=list)


def read_roster(path: Path) -> Roster:
    rows = list(csv.reader(io.StringIO(_decode(Path(path).read_bytes()))))
    if not rows:
        raise RosterError("empty", path=path)
    header = [h.strip().lower() for h in rows[0]]
    where = {key: next((header.index(n.lower()) for n in names if n.lower() in header), None)
             for key, names in load_summary().roster.items()}
    if where["name"] is None and where["code"] is None:
        raise RosterError("header", path=path, found="、".join(h for h in rows[0] if h.strip())[:60])
    roster, seen = Roster([]), {}
    for line, row in enumerate(rows[1:], start=2):
        def cell(key):
            i = where[key]
            return row[i].strip() if i is not None and i < len(row) else ""
        if not any(c.strip() for c in row):
            continue
        unit = RosterUnit(cell("code").upper(), cell("name"), cell("parent"), cell("kind"))
        keys = [k for k in (unit.code and f"code:{unit.code}", unit.name and f"name:{fold_name(unit.name)}") if k]
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:  # a unit listed twice would be missing twice, or merged under two rows
            roster.notes.append(RosterNote("duplicate", {"row": line, "first": first, "name": unit.name or unit.code}))
            continue
        seen.update({k: line for k in keys})
        roster.units.append(unit)
    return roster
