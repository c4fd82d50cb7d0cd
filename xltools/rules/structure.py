"""Is this workbook the standard template, complete and unchanged? Before any number
is read: a sheet whose labels moved is not read at all, so that no number is ever
taken from the wrong cell."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from xltools.model.codes import is_valid
from xltools.model.findings import Finding
from xltools.model.schema import load_rules
from xltools.model.values import parse_year, year_range
from xltools.xlsx.a1 import col_letter, ranges
from xltools.xlsx.guard import external_links
from xltools.xlsx.layout import Layout, stamp_checksum
from xltools.xlsx.reader import Cells


@dataclass
class Structure:
    findings: list[Finding] = field(default_factory=list)
    unread_sheets: set[str] = field(default_factory=set)
    fatal: bool = False  # not this template: nothing can be read


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def _stamp_problem(layout: Layout, stamp: dict) -> Finding | None:
    ours = layout.stamp()
    if stamp.get("template") != ours["template"]:
        return Finding("S1", "stamp", params={"found": stamp.get("template", "")})
    if stamp.get("checksum") != stamp_checksum({k: stamp.get(k, "") for k in ours}):
        return Finding("S2", "altered", params={"detail": layout.template.stamp_sheet})
    if stamp.get("template_version") != ours["template_version"]:
        return Finding("S2", "outdated", expected=ours["template_version"], actual=stamp.get("template_version"))
    if stamp.get("fingerprint") != ours["fingerprint"]:
        return Finding("S2", "altered", params={"detail": layout.template.stamp_sheet})
    return None


def _find(rows: list[list], text: str) -> tuple[int, int] | None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if _text(value) == text:
                return r, c
    return None


def check_structure(cells: Cells, layout: Layout) -> Structure:
    out = Structure()
    if cells.stamp:
        problem = _stamp_problem(layout, cells.stamp)
        if problem:
            out.findings.append(problem)
            out.fatal = True
            return out
    checked = layout.structural_labels
    wrong = [(s, lab) for s, lab in checked
             if s.name not in cells.sheets or _text(cells.get(lab.area)) != lab.text]
    matching = len(checked) - len(wrong)
    if not cells.stamp and matching * 2 < len(checked):
        if matching or any(s.name in cells.sheets for s, _ in checked):
            out.findings.append(Finding("S1", "labels", expected=len(checked), actual=matching))
        else:
            out.findings.append(Finding("S1", "sheets", params={"found": "、".join(cells.names)}))
        out.fatal = True
        return out
    # Only the sheets that hold the report's data are structure; a missing or altered
    # 审核说明 or 填报说明 costs the explanations at most (W9), never the numbers.
    data = {s.name for s in layout.sheets if s.fields}
    explained = {s.name for s in layout.data_sheets} - data
    for s in layout.sheets:
        if s.name in cells.names:
            continue
        if s.name in data:
            out.findings.append(Finding("S3", "missing", cells=[], params={"detail": s.name}))
        else:
            out.findings.append(Finding("W9", "explanations" if s.name in explained else "missing",
                                        params={"detail": s.name}))
        out.unread_sheets.add(s.name)
    for s, lab in wrong:
        if s.name in out.unread_sheets:
            continue
        found = _find(cells.sheets[s.name], lab.text)
        params = {"label": lab.text}
        if s.name not in data:
            finding = Finding("W9", "changed", cells=[lab.area.address],
                              params=params | {"found": _text(cells.get(lab.area))})
        elif found:
            params |= {"found": f"{col_letter(found[1])}{found[0]}"}
            finding = Finding("S4", "moved", cells=[lab.area.address], params=params)
        else:
            params |= {"found": _text(cells.get(lab.area))}
            finding = Finding("S4", "changed", cells=[lab.area.address], params=params)
        out.findings.append(finding)
        out.unread_sheets.add(s.name)  # one finding per sheet: the first label out of place
    return out


def check_cover(cells: Cells, layout: Layout, unread: set[str]) -> list[Finding]:
    """The unit and the year are what every later step files a report under."""
    out = []
    for fid in load_rules()["S5"].check["required"]:
        area = layout.cells[fid]
        if area.sheet in unread:
            continue
        raw = cells.get(area)
        label = layout.format.fields[fid].label
        where = dict(fields=[fid], cells=[area.address])
        if _text(raw) == "":
            out.append(Finding("S5", "missing", **where, params={"label": label}))
        elif fid == "year":
            year = parse_year(raw)
            if year.value is None or year.status == "range":
                out.append(Finding("S5", "year", **where, expected="{}–{}".format(*year_range()),
                                   params={"label": label, "found": year.found}))
            elif year.status == "text":
                out.append(Finding("W0", "year", **where, actual=year.value,
                                   params={"label": label, "found": year.found}))
    return out


def check_code(cells: Cells, layout: Layout, unread: set[str]) -> list[Finding]:
    """W7: a credit code, when given, is well formed; merge tells units apart by it."""
    fid = load_rules()["W7"].check["field"]
    area = layout.cells[fid]
    code = _text(cells.get(area))
    if area.sheet in unread or not code or is_valid(code):
        return []
    return [Finding("W7", "code", fields=[fid], cells=[area.address],
                    params={"label": layout.format.fields[fid].label, "found": code})]


def file_warnings(path: Path) -> list[Finding]:
    """What the file's name and neighbours say: open in Excel (a lock file beside
    it: Excel names it ~$ and the name, less its first two characters when long),
    or a workbook with macros, which are never run."""
    out = []
    locks = [path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])]
    lock = next((p for p in locks if p.exists()), None)
    if lock is not None:
        out.append(Finding("F8", "locked", params={"found": lock.name}))
    if path.suffix.lower() == ".xlsm":
        out.append(Finding("F9", "macros"))
    return out


# A cell with a formula, its reference and the formula's text (empty for a shared
# formula's followers), as any program may write it.
_CELL_FORMULA = re.compile(rb"""<(?:\w+:)?c\s[^>]*?\br\s*=\s*["']([A-Za-z]+[0-9]+)["'][^>]*?(?<!/)>\s*"""
                           rb"""<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)<)""")
_STRING = re.compile(r'"[^"]*"')
# Outside its strings: a DDE call (program|topic!item), or a reference to another workbook ([1]Sheet!A1)
_DDE = re.compile(r"\|")
_OTHER_BOOK = re.compile(r"\[\d+\]")
_OTHER_PLACE = re.compile(r"file:|\\\\", re.I)  # file:// or a \\server\share path, even in a HYPERLINK's text


def _formula_case(formula: str) -> str | None:
    """S6's case for a formula that runs a program or reaches out of the file, if any."""
    bare = _STRING.sub('""', formula)
    if _DDE.search(bare):
        return "dde"
    if _OTHER_BOOK.search(bare) or _OTHER_PLACE.search(formula):
        return "external"
    return None


def template_formulas(layout: Layout) -> set[tuple[str, str]]:
    """(sheet, A1) of every formula the template has: its totals and live checks."""
    return ({(a.sheet, a.a1) for a in (layout.cells[f.id] for f in layout.format.totals())}
            | {(area.sheet, area.a1) for sheet in layout.sheets for area, _ in sheet.live})


def check_formulas(cells: Cells, layout: Layout, unread: set[str]) -> list[Finding]:
    """S6: a formula that starts a program (DDE) or reaches another file, and an
    external link part; W11: a formula where the template has none: in a cell the
    unit fills in, or anywhere else. python-calamine reads only the values such
    formulas left, so they are looked for in the sheets' XML. A sheet whose labels
    moved (`unread`) has no cells of the template to compare with: S6 alone there."""
    seen = cells.guarded
    if seen is None:
        return []
    template = template_formulas(layout)
    inputs = {(a.sheet, a.a1) for a in layout.cells.values()} - template
    out = []
    present = set(seen.book.namelist())
    for sheet, part in seen.parts.items():
        if part not in present:  # a sheet the reader does not need, listed but not there
            continue
        found: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (rule, case) → [(A1, formula)]
        data = seen.part(part)
        if b"<f" not in data and b":f" not in data:  # no formula at all (a text sheet): no scan of its cells
            continue
        for ref, text in _CELL_FORMULA.findall(data):
            a1, formula = ref.decode().upper(), "=" + html.unescape(text.decode("utf-8", "replace"))
            case = _formula_case(formula)
            if case is None and ((sheet, a1) in template or sheet in unread):
                continue
            key = ("S6", case) if case else ("W11", "input" if (sheet, a1) in inputs else "outside")
            found.setdefault(key, []).append((a1, formula))
        for (rule, case), where in sorted(found.items()):
            refs = [a1 for a1, _ in where]
            shown = "、".join(f"{sheet}!{r}" for r in ranges(refs))
            # the example shown is a formula with its text: a shared formula's followers have none
            first = next((i for i, (_, f) in enumerate(where) if f != "="), 0)
            out.append(Finding(rule, case, cells=[f"{sheet}!{a1}" for a1 in [refs.pop(first), *refs]],
                               params={"found": where[first][1], "ranges": shown}))
    out += [Finding("S6", "part", params={"found": target}) for target in external_links(seen.book)]
    return out
