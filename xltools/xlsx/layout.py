"""Where everything sits in the standard workbook: the template file placed over the format.

The template writer paints this layout; the reader and every later command look
cells up in it. No other module knows a cell address.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xltools.model.schema import (
    Field,
    Format,
    Node,
    equations,
    leaves,
    load_format,
    load_rules,
    load_template,
    words,
)
from xltools.xlsx.a1 import col_letter, parse_a1

if TYPE_CHECKING:
    from xltools.model.config import FormEntry, Grid, Sheet, Template


@dataclass(frozen=True)
class Area:
    """A cell, or a merged range whose value lives in its top-left cell."""

    sheet: str
    top: int
    left: int
    bottom: int
    right: int

    @classmethod
    def parse(cls, sheet: str, ref: str) -> "Area":
        first, _, last = ref.partition(":")
        top, left = parse_a1(first)
        bottom, right = parse_a1(last) if last else (top, left)
        return cls(sheet, top, left, bottom, right)

    @functools.cached_property  # asked for every cell of every file checked
    def a1(self) -> str:
        return f"{col_letter(self.left)}{self.top}"

    @property
    def ref(self) -> str:
        if self.merged:
            return f"{self.a1}:{col_letter(self.right)}{self.bottom}"
        return self.a1

    @property
    def merged(self) -> bool:
        return (self.top, self.left) != (self.bottom, self.right)

    @functools.cached_property
    def address(self) -> str:
        return f"{self.sheet}!{self.a1}"


# Labels that make the structure: a workbook whose labels in these roles differ
# from the layout is not read (notes and instructions may change freely).
STRUCTURAL_ROLES = ("title", "block", "corner", "header", "row", "form")


@dataclass(frozen=True)
class Label:
    area: Area
    text: str
    role: str  # title | block | corner | header | row | form | note | instruction


@dataclass
class SheetLayout:
    name: str
    spec: Sheet
    width: int
    inputs_bottom: int = 0  # the last row of input rows that are not fields (审核说明)

    @functools.cached_property
    def height(self) -> int:
        """How many rows a reader needs: the last row anything of the report is in."""
        areas = [lab.area for lab in self.labels] + list(self.fields.values()) + [a for a, _ in self.live]
        return max([a.bottom for a in areas] + [self.inputs_bottom]) + 1
    labels: list[Label] = field(default_factory=list)
    fields: dict[str, Area] = field(default_factory=dict)
    live: list[tuple[Area, object]] = field(default_factory=list)  # (cell, Equation)
    header_rows: tuple[int, int] | None = None
    freeze: str | None = None


@dataclass
class Layout:
    template: Template
    format: Format
    sheets: list[SheetLayout]
    explanations: list[dict[str, Area]]  # one dict per input row: column id → cell

    @functools.cached_property
    def cells(self) -> dict[str, Area]:
        return {fid: area for s in self.sheets for fid, area in s.fields.items()}

    @functools.cached_property
    def names(self) -> frozenset[str]:
        """Every name a report's cell can be called by (its field id, A1 with or without
        its sheet) and the sheets' names: what an explanation in 审核说明 may name."""
        return frozenset({s.name for s in self.sheets} | set(self.cells) |
                         {n for area in self.cells.values() for n in (area.address, area.a1)})

    @functools.cached_property
    def numbers(self) -> list[tuple[Field, Area, str]]:
        """Every number field in the format's order, with its cell and the kind of value
        it holds: what the checker reads from every file."""
        return [(f, self.cells[f.id], f.value_kind) for f in self.format.numeric_fields()]

    @functools.cached_property
    def data_sheets(self) -> list[SheetLayout]:
        """The sheets that hold a report's data (the instructions sheet does not)."""
        ex = {row["rule"].sheet for row in self.explanations}
        return [s for s in self.sheets if s.fields or s.name in ex]

    @functools.cached_property
    def structural_labels(self) -> list[tuple[SheetLayout, Label]]:
        """The labels a workbook must carry where the layout puts them."""
        return [(s, lab) for s in self.data_sheets for lab in s.labels if lab.role in STRUCTURAL_ROLES]

    def sheet(self, name: str) -> SheetLayout:
        return next(s for s in self.sheets if s.name == name)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of every structural label and field position: two workbooks with
        the same fingerprint have the same structure."""
        items = sorted(
            [(s.name, lab.area.ref, lab.text) for s in self.sheets for lab in s.labels
             if lab.role in STRUCTURAL_ROLES]
            + [(a.sheet, a.ref, fid) for fid, a in self.cells.items()]
        )
        return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()

    def stamp(self) -> dict[str, str]:
        t = self.template
        values = {
            "template": t.id,
            "template_version": str(t.version),
            "format": t.format,
            "fingerprint": self.fingerprint,
        }
        values["checksum"] = stamp_checksum(values)
        return values


def formula(cells: list[Area], signs: list[int] | None = None) -> str:
    """An Excel expression adding up cells: SUM over a contiguous line, else a chain."""
    signs = signs or [1] * len(cells)
    n, first = len(cells), cells[0]
    same_col = len({c.left for c in cells}) == 1 and [c.top for c in cells] == list(range(first.top, first.top + n))
    same_row = len({c.top for c in cells}) == 1 and [c.left for c in cells] == list(range(first.left, first.left + n))
    if len(cells) > 2 and all(s == 1 for s in signs) and (same_col or same_row):
        return f"SUM({cells[0].a1}:{cells[-1].a1})"
    out = ""
    for cell, sign in zip(cells, signs):
        out += ("-" if sign < 0 else "+" if out else "") + cell.a1
    return out


def total_formula(layout: Layout, field_id: str) -> str:
    """The formula the template writes in a total's cell (and `fill` restores, and a
    finding about the total tells the clerk to type)."""
    cells = layout.cells
    return "=" + formula([cells[p] for p in layout.format.fields[field_id].parts])


def stamp_checksum(values: dict[str, str]) -> str:
    payload = "|".join(values[k] for k in ("template", "template_version", "format", "fingerprint"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _place_tree(nodes: tuple[Node, ...], along: int, across: int,
                span_to: int, horizontal: bool, sheet: str, role: str) -> list[Label]:
    """Label cells of a header tree. `along` is where the first leaf starts, `across`
    where the top level sits; a leaf above the deepest level stretches to `span_to`
    levels (a narrow block's last column is stretched afterwards, by _stretch)."""
    out: list[Label] = []

    def walk(ns, level, start):
        pos = start
        for n in ns:
            width = max(len(leaves((n,))), 1)
            if n.label is not None:
                lo, hi = across + level, across + (level if n.children else span_to - 1)
                a, b = pos, pos + width - 1
                area = (Area(sheet, a, lo, b, hi) if not horizontal else Area(sheet, lo, a, hi, b))
                out.append(Label(area, n.label, role))
            walk(n.children, level + (1 if n.label is not None else 0), pos)
            pos += width
    walk(nodes, 0, along)
    return out


def _grid(sheet: SheetLayout, fmt: Format, spec: Grid) -> None:
    table = fmt.tables[spec.table]
    top, left = parse_a1(spec.at)
    label_cols, width = table.label_depth, table.width
    right = left + label_cols + width - 1
    row = top
    first_header = None
    for b, block in enumerate(table.blocks):
        if block.title or (table.title and b == 0):
            sheet.labels.append(Label(Area(sheet.name, row, left, row, right), block.title or table.title, "block"))
            row += 1
        header_depth = max(c.depth() for c in block.columns)
        first_header = first_header or row
        if label_cols:
            sheet.labels.append(Label(Area(sheet.name, row, left, row + header_depth - 1, left + label_cols - 1),
                                      block.corner or "", "corner"))
        headers = _place_tree(block.columns, left + label_cols, row, header_depth,
                              True, sheet.name, "header")
        sheet.labels.extend(_stretch(headers, right))
        data_top = row + header_depth
        sheet.labels.extend(_place_tree(block.rows, data_top, left, label_cols,
                                        False, sheet.name, "row"))
        cols = leaves(block.columns)
        for i, r in enumerate(leaves(block.rows)):
            for j, c in enumerate(cols):
                col = left + label_cols + j
                last = right if j == len(cols) - 1 else col
                fid = fmt.cell(table.id, r.key, c.key).id
                sheet.fields[fid] = Area(sheet.name, data_top + i, col, data_top + i, last)
        row = data_top + len(leaves(block.rows))
        if b == 0:
            sheet.header_rows = (first_header, data_top - 1)
            if spec.freeze:
                sheet.freeze = f"{col_letter(left + label_cols)}{data_top}"


def _stretch(headers: list[Label], right: int) -> list[Label]:
    """A block narrower than its table stretches its last column to the table's edge."""
    edge = max((h.area.right for h in headers), default=right)
    if edge == right:
        return headers
    return [Label(Area(h.area.sheet, h.area.top, h.area.left, h.area.bottom, right), h.text, h.role)
            if h.area.right == edge else h for h in headers]


def _form(sheet: SheetLayout, fmt: Format, items: list[FormEntry]) -> None:
    for item in items:
        fid = item.meta or item.text
        f = fmt.fields[fid]
        if item.label is not None:
            sheet.labels.append(Label(Area.parse(sheet.name, item.label), f.label, "form"))
        sheet.fields[fid] = Area.parse(sheet.name, item.at)


@functools.cache
def load_layout() -> Layout:
    template = load_template()
    fmt = load_format(template.format)
    rules = load_rules()
    sheets, explanations = [], []
    for spec in template.sheets:
        width = max(parse_a1(f"{c}1")[1] for c in spec.widths)
        s = SheetLayout(spec.name, spec, width)
        title = spec.title or fmt.sections[spec.section]
        s.labels.append(Label(Area(s.name, 1, 1, 1, width), title, "title"))
        _form(s, fmt, spec.form or [])
        for note in spec.notes or []:
            s.labels.append(Label(Area.parse(s.name, note.at), note.text, "note"))
        if spec.grid is not None:
            _grid(s, fmt, spec.grid)
        if spec.live_check is not None:
            live = spec.live_check
            for eq in equations(fmt, rules[live.rule]):
                col = s.fields[eq.left[0].field].left
                s.live.append((Area(s.name, live.row, col, live.row, col), eq))
            first = min(cell.left for cell, _ in s.live)
            s.labels.append(Label(Area(s.name, live.row, 1, live.row, first - 1), live.label, "row"))
        if spec.explanations is not None:
            ex = spec.explanations
            top, left = parse_a1(ex.header)
            for j, c in enumerate(ex.columns):
                s.labels.append(Label(Area(s.name, top, left + j, top, left + j), c.label, "header"))
            for i in range(1, ex.rows + 1):
                explanations.append({c.id: Area(s.name, top + i, left + j, top + i, left + j)
                                     for j, c in enumerate(ex.columns)})
            s.inputs_bottom = top + ex.rows
        for i, line in enumerate(_instructions(spec, rules)):
            s.labels.append(Label(Area(s.name, 3 + i, 1, 3 + i, width), line, "instruction"))
        sheets.append(s)
    return Layout(template, fmt, sheets, explanations)


def _instructions(spec: Sheet, rules: dict) -> list[str]:
    if spec.instructions is None:
        return []
    w = words("zh")  # the template is written in Chinese
    lines = list(spec.instructions) + ["", spec.rules_heading]
    for r in rules.values():
        if r.id.rstrip("0123456789") not in spec.rules_listed:
            continue
        kind = w[f"level_{r.severity}"]
        lines.append(w["rule_line"].format(rule=r.id, severity=kind, title=r.title["zh"],
                                           description=r.description["zh"]))
    return lines


def describe_fields(layout: Layout | None = None) -> list[dict]:
    """Every field with its sheet, cell and labels, for integrators and tests."""
    layout = layout or load_layout()
    return [
        {"id": f.id, "sheet": layout.cells[f.id].sheet, "cell": layout.cells[f.id].a1,
         "range": layout.cells[f.id].ref, "kind": f.kind, "label": f.label,
         **({"labels": f.labels} if f.numeric else {}), **({"sum_of": list(f.parts)} if f.parts else {})}
        for f in layout.format.fields.values()
    ]
