"""A published report (see sources.py) → a Report of the 2021 format, and the
findings of what could not be taken from it with confidence.

Every value is placed by matching the official labels of schemas/formats, after
normalising what real documents do to them (full/half-width forms, 1、 for 1.,
quotes, spaces, labels split over lines, lost indentation). Columns are taken in
the national order. A row that matches no label, or has the wrong number of
values, is left blank and reported; nothing is guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xltools.documents.labels import (
    Target,
    distinctive_labels,
    match,
    norm,
    score,
    table_labels,
    targets,
    without_stray,
)
from xltools.documents.runs import resplit, unrun
from xltools.documents.sources import Document, Line
from xltools.model.findings import Finding
from xltools.model.report import Report
from xltools.model.schema import Format, format_ids, leaves, load_format
from xltools.model.values import is_blank_mark

_VALUE = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
_TITLE = re.compile(r"(?:标题[:：])?(.*?)(\d{4})年度?政府信息公开工作(?:年度)?报告")
_SUBSECTION = re.compile(r"^[(（]([一二三四五六七八九十])[)）]\s*([^：:。]{0,24})[：:]?")
_PAGE_NUMBER = re.compile(r"^[-—–－]*\s*\d{1,3}\s*[-—–－]*$")
PARAGRAPH = "\n"  # between paragraphs in a text field: a line break in the cell, as clerks type it


def _is_value(cell: str) -> bool:
    return is_blank_mark(cell) or _VALUE.fullmatch(cell) is not None


def _value(cell: str) -> Any:
    if is_blank_mark(cell):
        return cell  # as published: the checker reports it
    number = Decimal(cell.replace(",", ""))
    return int(number) if number == number.to_integral_value() and "." not in cell else number


@dataclass
class Row:
    line: Line
    labels: list[str]  # the cells before the values
    values: list[str]


def _split(line: Line) -> Row:
    cells: list[str] = []
    for c in line.cells:
        c = c.strip("“”\"'") or c  # PDF text sometimes puts a label's quote beside the numbers
        parts = c.split()
        # numbers separated by single spaces are cells too ("0 0 0")
        cells.extend(parts if len(parts) > 1 and all(_is_value(p) for p in parts) else [c])
    n = len(cells)
    while n and _is_value(cells[n - 1]):
        n -= 1
    return Row(line, cells[:n], cells[n:])


@dataclass
class Imported:
    report: Report
    findings: list[Finding] = field(default_factory=list)
    format: str = "2021"
    extra: dict[str, Any] = field(default_factory=dict)  # 2019 values with no 2021 cell


def _title(lines: list[Line]) -> tuple[str | None, int | None, int]:
    """Unit and year from the title, which may be wrapped over two or three lines."""
    texts = [norm(line.text) for line in lines[:20]]
    for i in range(len(texts)):
        for n in (1, 2, 3):
            m = _TITLE.search("".join(texts[i:i + n]))
            if m:
                unit = m.group(1) or (texts[i - 1] if i else "")
                return (unit or None), int(m.group(2)), i + n - 1
    return None, None, -1


def _sections(fmt: Format, lines: list[Line], start: int) -> dict[str, list[Line]]:
    """The lines under each section heading; headings must come in order, so that
    a table row such as 三、本年度办理结果 is never taken for a heading."""
    titles = list(fmt.sections.items())
    out: dict[str, list[Line]] = {}
    current, at = None, 0
    for line in lines[start + 1:]:
        text = norm(line.cells[0]) if line.cells else ""
        for k in range(at, len(titles)):
            number, title = titles[k]
            if text.startswith(number) and score(text, norm(title)) >= 0.7:
                current, at = number, k + 1
                out[number] = [Line(line.number, line.cells[1:])] if len(line.cells) > 1 else []
                break
        else:
            if current is not None:
                out[current].append(line)
    return out


def _paragraphs(lines: list[Line], wrapped: bool) -> list[str]:
    texts = [" ".join(ln.cells) for ln in lines]
    if not wrapped:
        return texts
    texts = [t for t in texts if not _PAGE_NUMBER.match(t.strip())]  # a printed page's number
    out: list[str] = []
    for t in texts:  # a hard-wrapped paragraph goes on until a line opens a new item
        if out and not _SUBSECTION.match(t) and not re.match(r"^[一二三四五六七八九十]+是", t):
            out[-1] += t
        else:
            out.append(t)
    return out


@dataclass
class _OpenRow:
    """A table row found in a document: its official row, field ids, and numbers."""

    target: Target
    ids: list[str]
    numbers: list[str]
    line: Line


class _Reader:
    """Reads the tables and texts of sections, collecting the import findings."""

    def __init__(self):
        self.findings: list[Finding] = []

    def finding(self, rule: str, case: str, fields: list[str] = (), **params) -> None:
        expected, actual = params.pop("expected", None), params.pop("actual", None)
        self.findings.append(Finding(rule, case, fields=list(fields), expected=expected, actual=actual,
                                     params=params))

    def numbers(self, numbers: list[str], ids: list[str], label: str, line: Line) -> list[str] | None:
        """The numbers of a row, one for each of `ids`: as found, or read back from
        digits run together when only one reading exists; None (and a finding) when
        their count is wrong or the reading is not unique."""
        found = " ".join(numbers)[:60]
        if len(numbers) < len(ids) and numbers and all(v.isdigit() for v in numbers):
            ways = resplit(numbers, len(ids))
            if len(ways) > 1:
                self.finding("I2", "ambiguous", ids, line=line.number, label=label, found=found, expected=len(ids))
                return None
            if ways:
                numbers = ways[0]
        if len(numbers) != len(ids):
            self.finding("I1", "count", ids, line=line.number, label=label, found=found,
                         expected=len(ids), actual=len(numbers))
            return None
        return numbers

    def table(self, fmt: Format, table_id: str, lines: list[Line], section: str) -> dict[str, Any]:
        """Values by field id for the rows of one table found in `lines`: a label and
        its numbers on one line, or (web text copied one cell per line) the label on
        one line and its numbers on the lines that follow."""
        candidates = targets(fmt, table_id)
        values: dict[str, Any] = {}
        seen: set[str] = set()
        pending: list[str] = []
        open_row: _OpenRow | None = None  # a row still taking numbers from the lines below
        is_text_section = any(f.section == section for f in fmt.text_fields())

        def place(row: _OpenRow) -> None:
            numbers = self.numbers(row.numbers, row.ids, row.target.label, row.line)
            if numbers is None:
                return
            if row.target.key in seen:
                self.finding("I1", "duplicate", row.ids, line=row.line.number, label=row.target.label)
            else:
                seen.add(row.target.key)
                values.update({fid: _value(raw) for fid, raw in zip(row.ids, numbers)})

        for line in lines:
            row = _split(line)
            if open_row is not None:
                if row.values and not row.labels:
                    open_row.numbers.extend(row.values)
                    if len(open_row.numbers) >= open_row.target.width:
                        place(open_row)
                        open_row = None
                    continue
                place(open_row)
                open_row = None
            if not row.values:
                if row.labels:
                    pending = (pending + [" ".join(row.labels)])[-3:]
                continue
            label_cells = row.labels
            tries = ([label_cells[-1], "".join(label_cells), without_stray(label_cells[-1])] if label_cells else []) + \
                ["".join(pending[-k:] + label_cells) for k in (1, 2, 3) if len(pending) >= k]
            target = next((t for t in (match(x, candidates) for x in tries) if t is not None), None)
            shown = (" ".join(label_cells) or " ".join(pending[-1:]))[:40]
            pending = []
            if target is None:
                if label_cells or (shown and not is_text_section):  # in 六, a lone number is text
                    self.finding("I1", "unmatched", line=line.number, found=shown or " ".join(row.values)[:60],
                                 section=section)
                continue
            if target.children:
                self.finding("I1", "parent", line=line.number, label=target.label,
                             children="、".join(target.children))
                continue
            block = fmt.tables[table_id].blocks[target.block]
            ids = [".".join(p for p in (table_id, target.key, col.key) if p) for col in leaves(block.columns)]
            found = _OpenRow(target, ids, list(row.values), line)
            if len(row.values) < target.width and len(row.values) == 1 and len(row.values[0]) <= 3:
                open_row = found  # the next lines may hold the rest
            else:
                place(found)
        if open_row is not None:
            place(open_row)
        return values

    def row(self, fmt: Format, table_id: str, lines: list[Line]) -> dict[str, Any]:
        """A table of one unlabelled row (四's 15 numbers) under a header of labels only."""
        fields = [f for f in fmt.numeric_fields() if f.table == table_id]
        cells = [v for line in lines for v in _split(line).values]  # the header is labels only
        if not cells:
            return {}
        cells = self.numbers(cells, [f.id for f in fields], fmt.sections[fmt.tables[table_id].section], lines[0])
        return {} if cells is None else {f.id: _value(c) for f, c in zip(fields, cells)}

    def overview(self, fmt: Format, paragraphs: list[str]) -> dict[str, str]:
        fields = [f for f in fmt.text_fields() if f.section == "一"]
        out: dict[str, list[str]] = {}
        intro: list[str] = []
        current = None
        for p in paragraphs:
            m = _SUBSECTION.match(p)
            if m:
                named = [f for f in fields if norm(m.group(2)) and score(norm(m.group(2)), norm(f.label)[3:]) >= 0.6]
                ordinal = "一二三四五".find(m.group(1))
                target = named[0] if named else (fields[ordinal] if 0 <= ordinal < len(fields) else None)
                if target is not None:
                    current = target.id
                    rest = p[m.end():].strip()
                    out.setdefault(current, [])
                    if rest:
                        out[current].append(rest)
                    continue
            if current is None:
                intro.append(p)  # before the first subsection, or no subsections at all
            else:
                out[current].append(p)
        if intro:
            self.finding("I3", "intro" if out else "subsections", label=fields[0].label)
            out[fields[0].id] = intro + out.get(fields[0].id, [])
        return {k: PARAGRAPH.join(v) for k, v in out.items() if v}


def _format_of(lines: list[Line], target: Format) -> Format:
    """The format whose own labels the lines use: a format other than the target is
    recognised by the labels of its tables that no label of the target contains."""
    text = norm("".join(ln.text for ln in lines))
    for other in (load_format(fid) for fid in format_ids() if fid != target.id):
        if any(label in text for label in distinctive_labels(other, target)):
            return other
    return target


def import_document(doc: Document) -> Imported:
    doc = unrun(doc)
    reader = _Reader()
    target = load_format("2021")
    unit, year, title_at = _title(doc.lines)
    if unit is None and year is None:
        reader.finding("I3", "title")
    sections = _sections(target, doc.lines, title_at)
    for number, title in target.sections.items():
        if number not in sections:
            reader.finding("I3", "section", label=title)
    fmt = _format_of([ln for t in target.tables.values() for ln in sections.get(t.section, [])], target)
    values: dict[str, Any] = {}
    for table_id, table in fmt.tables.items():
        lines = sections.get(table.section, [])
        if table.label_depth:
            values |= reader.table(fmt, table_id, lines, table.section)
        else:  # one row of numbers under a header of labels only (四)
            values |= reader.row(fmt, table_id, lines)
    for table_id, table in fmt.tables.items():
        if not any(k.startswith(table_id + ".") for k in values) and fmt.sections.get(table.section):
            reader.finding("I3", "table", label=table.title or fmt.sections[table.section])
    extra = {}
    if fmt.id != target.id:
        for fid, value in list(values.items()):
            if fid not in target.fields:
                extra[fid] = values.pop(fid)
                reader.finding("I4", "old", [fid], label=fmt.fields[fid].label, found=value, actual=value)
    text = {}
    if "一" in sections:
        text |= reader.overview(target, _paragraphs(sections["一"], doc.wrapped))
    for f in target.text_fields():
        if f.section in ("五", "六") and f.section in sections:
            table_lines = table_labels(target, f.section)
            lines = [ln for ln in sections[f.section] if (not _split(ln).values or len(ln.cells) == 1)
                     and norm(ln.cells[0]) not in table_lines]
            paragraphs = _paragraphs(lines, doc.wrapped)
            text[f.id] = PARAGRAPH.join(paragraphs) or None
    report = Report(format=target.id, meta={"unit": unit, "year": year},
                    values={f.id: values.get(f.id) for f in target.numeric_fields()},
                    text={f.id: text.get(f.id) for f in target.text_fields()})
    return Imported(report, reader.findings, fmt.id, extra)
