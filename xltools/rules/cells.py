"""The number cells one by one: what each holds, as the checker reads it (leniently),
and the findings about single cells: R0 (not a valid value), W0 (a number written as
text, read) and W6 (blank or a mark such as "/", read as 0, grouped by table row)."""
from __future__ import annotations

from collections import defaultdict

from xltools.model.findings import Finding
from xltools.model.values import parse
from xltools.xlsx.layout import Layout
from xltools.xlsx.reader import Cells

# Parse outcomes that are findings: (rule, message case) by status.
_CELL_RULES = {"invalid": ("R0", "invalid"), "error": ("R0", "error"), "fraction": ("R0", "fraction"),
               "negative": ("R0", "negative"), "decimals": ("R0", "decimals"), "large": ("R0", "large"),
               "text": ("W0", "text")}


def cell_findings(cells: Cells, layout: Layout, unread: set[str],
                  not_imported: frozenset[str] = frozenset()) -> tuple[dict, list[Finding], set[str]]:
    """Numbers as the checker reads them (lenient), the findings about single cells
    (R0, W0, and W6 grouped by table row), and the fields that could be read: not
    those of sheets in `unread`, nor the cells an import left blank because it
    could not read them from the document (`not_imported`)."""
    fmt = layout.format
    values: dict = {}
    findings: list[Finding] = []
    blanks: dict[tuple, list] = defaultdict(list)
    readable = set()
    for f in fmt.numeric_fields():
        area = layout.cells[f.id]
        if area.sheet in unread or f.id in not_imported:
            values[f.id] = None
            continue
        parsed = parse(cells.get(area), f.value_kind)
        readable.add(f.id)
        values[f.id] = parsed.value
        if parsed.status in _CELL_RULES:
            rule, case = _CELL_RULES[parsed.status]
            findings.append(Finding(rule, case, fields=[f.id], cells=[area.address],
                                    actual=parsed.value if rule == "W0" else parsed.found,
                                    params={"label": f.label, "found": parsed.found}))
            if rule == "R0":
                readable.discard(f.id)
        elif parsed.status in ("blank", "mark") and f.kind != "total":
            values[f.id] = 0
            blanks[(f.table, f.block, f.row.key, parsed.status, parsed.found)].append(f)
    for (_, _, _, status, found), group in blanks.items():
        first = group[0]
        label = " / ".join(x for x in (first.block_title, *first.row.labels) if x)
        findings.append(Finding("W6", "blank" if status == "blank" else "mark", fields=[f.id for f in group],
                                cells=[layout.cells[f.id].address for f in group], expected=0,
                                params={"label": label, "found": found}))
    return values, findings, readable
