"""Complete a workbook: every total a live formula with its correct value, blank
details 0, numbers typed as text made numbers. Everything else stays as it was."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from xltools.commands.annotate import unmark
from xltools.commands.outputs import backup_path
from xltools.model.totals import complete
from xltools.model.values import parse
from xltools.rules.check import check_cells, judge
from xltools.rules.result import FileResult
from xltools.xlsx.layout import Area, Layout, load_layout
from xltools.xlsx.reader import Cells, read_cells
from xltools.xlsx.template import total_formula
from xltools.xlsx.writer import formula_values

# Findings that make filling unsafe: the cells may not be where the layout says,
# or a detail holds something that is not a number.
BLOCKING = ("S1", "S2", "S3", "S4", "R0")


@dataclass(frozen=True)
class Change:
    cell: str  # Sheet!A1
    field: str
    # total (a typed-over total that did not add up) | formula (typed over with its own
    # value) | restored (a formula deleted) | follows (a formula whose value changes with
    # the details) | blank | mark | text
    kind: str
    old: Any
    new: Any


@dataclass
class FillResult:
    path: Path
    out: Path | None = None
    changes: list[Change] = field(default_factory=list)
    writes: list[tuple[Area, Any]] = field(default_factory=list)  # numbers and formulas to put in cells
    totals: dict[str, Any] = field(default_factory=dict)  # every field's value once filled
    refused: FileResult | None = None  # the check that stopped it, as `xltools check` gives it
    unmarked: int = 0  # cells a marked copy's last check had marked, made clean

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)


def plan(path: Path, cells: Cells, layout: Layout, formula_of: Callable[[Area], Any]) -> FillResult:
    """What filling changes, cell by cell, worked out from the cells' values alone;
    `formula_of` gives a total cell's formula as it stands. Both the command and the
    Excel add-in apply it."""
    fmt = layout.format
    checked = check_cells(path, cells, layout)
    if any(f.rule in BLOCKING for f in checked.findings):
        judge([checked], [None], layout)  # the whole check, so that its score is check's
        return FillResult(path, refused=checked)
    result = FillResult(path)
    details: dict[str, Any] = {}
    for f in fmt.numeric_fields():
        if f.kind == "total":
            continue
        area = layout.cells[f.id]
        parsed = parse(cells.get(area), f.value_kind)
        value = 0 if parsed.status in ("blank", "mark") else parsed.value
        details[f.id] = value
        if parsed.status in ("blank", "mark", "text"):
            result.changes.append(Change(area.address, f.id, parsed.status, parsed.found or None, value))
            result.writes.append((area, value))
    result.totals = complete(fmt, details | {f.id: None for f in fmt.totals()})
    for f in fmt.totals():
        area = layout.cells[f.id]
        formula, new = total_formula(layout, f.id), result.totals[f.id]
        old = parse(cells.get(area), "count")
        if formula_of(area) == formula:
            if old.value is not None and old.value != new:  # the formula stays; its value follows the details
                result.changes.append(Change(area.address, f.id, "follows", old.value, new))
            continue
        kind = "restored" if old.status == "blank" else "formula" if old.value == new else "total"
        result.changes.append(Change(area.address, f.id, kind, old.value if old.value is not None else old.found, new))
        result.writes.append((area, formula))
    return result


def fill(source: Path, out: Path | None = None, in_place: bool = False) -> FillResult:
    import openpyxl

    from xltools.xlsx.saver import save

    source = Path(source)
    layout = load_layout()
    target = source if in_place else Path(out)
    cells = read_cells(source, layout)  # the guard runs before openpyxl sees the file
    wb = openpyxl.load_workbook(source)
    result = plan(source, cells, layout, lambda area: wb[area.sheet][area.a1].value)
    if result.refused:
        return result
    result.out = target
    for area, value in result.writes:
        wb[area.sheet][area.a1].value = value
    result.unmarked = unmark(wb)  # the marks say what this fill makes untrue
    if in_place:
        shutil.copy2(source, backup_path(source))
    save(wb, target, cached=formula_values(layout, result.totals, set()))
    return result
