"""The number cells one by one: what each holds, as the checker reads it (leniently),
and the findings about single cells: R0 (not a valid value), W0 (a number written as
text, read) and W6 (blank or a mark such as "/", read as 0: one finding per table,
so that a unit leaving its zeros blank reads one line per table, not one per row)."""
from __future__ import annotations

from collections import defaultdict

from xltools.model.findings import Finding
from xltools.model.totals import complete, is_number
from xltools.model.values import parse
from xltools.rules.arithmetic import blank_total_finding
from xltools.xlsx.a1 import ranges
from xltools.xlsx.layout import Layout, total_formula
from xltools.xlsx.reader import Cells

# Parse outcomes that are findings: (rule, message case) by status.
_CELL_RULES = {"invalid": ("R0", "invalid"), "error": ("R0", "error"), "fraction": ("R0", "fraction"),
               "negative": ("R0", "negative"), "decimals": ("R0", "decimals"), "large": ("R0", "large"),
               "text": ("W0", "text")}


def cell_findings(cells: Cells, layout: Layout, unread: set[str],
                  not_imported: frozenset[str] = frozenset()) -> tuple[dict, list[Finding], set[str]]:
    """Numbers as the checker reads them (lenient), the findings about single cells
    (R0, W0, and W6 grouped by table), and the fields that could be read: not
    those of sheets in `unread`, nor the cells an import left blank because it
    could not read them from the document (`not_imported`)."""
    fmt = layout.format
    values: dict = {}
    findings: list[Finding] = []
    blanks: dict[str, list] = defaultdict(list)  # table → [(field, area, mark or "")]
    empty_totals: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # sheet → A1 → (field, mark)
    readable = set()
    for f, area, kind in layout.numbers:
        if area.sheet in unread or f.id in not_imported:
            values[f.id] = None
            continue
        parsed = parse(cells.get(area), kind)
        readable.add(f.id)
        values[f.id] = parsed.value
        if parsed.status == "ok":
            continue
        if parsed.status in _CELL_RULES:
            rule, case = _CELL_RULES[parsed.status]
            restore = {"formula": total_formula(layout, f.id)} if f.kind == "total" else {}
            findings.append(Finding(rule, case, fields=[f.id], cells=[area.address],
                                    actual=parsed.value if rule == "W0" else parsed.found,
                                    params={"label": f.label, "found": parsed.found, **restore}))
            if rule == "R0":
                readable.discard(f.id)
        elif parsed.status in ("blank", "mark") and f.kind != "total":
            values[f.id] = 0
            blanks[f.table].append((f, area, parsed.found if parsed.status == "mark" else ""))
        elif parsed.status in ("blank", "mark"):
            empty_totals[area.sheet][area.a1] = (f.id, parsed.found if parsed.status == "mark" else "")
    texts = {f.fields[0] for f in findings if f.rule == "W0"}
    for total, value in _text_left_out(fmt, values, texts).items():
        values[total] = value
        for f in findings:
            if f.rule == "W0" and f.fields[0] in fmt.fields[total].parts:
                f.case = "total"
                f.params["total"] = layout.cells[total].address
    findings.extend(_deleted_totals(cells, layout, values, empty_totals))
    findings.extend(_blank_finding(group) for group in blanks.values())
    return values, findings, readable


def _blank_finding(group: list) -> Finding:
    """W6 for the blank (or marked) cells of one table: how many, which, and the marks."""
    marks = list(dict.fromkeys(mark for _, _, mark in group if mark))
    case = "blank" if not marks else "mark" if all(mark for _, _, mark in group) else "mixed"
    return Finding("W6", case, fields=[f.id for f, _, _ in group], cells=[area.address for _, area, _ in group],
                   expected=0, params={"label": group[0][1].sheet, "count": len(group), "found": marks,
                                       "ranges": ranges([area.a1 for _, area, _ in group])})


def _deleted_totals(cells: Cells, layout: Layout, values: dict, empty: dict) -> list[Finding]:
    """Totals that are blank with no formula behind them, each told by its sum's rule.
    A blank total that holds a formula is one saved without its value (openpyxl
    writes none): Excel calculates it on opening, and the checker adds it up."""
    out = []
    values = complete(layout.format, values, only_blank=True) if empty else values  # totals of totals
    for sheet, refs in empty.items():
        formulas = cells.formulas(sheet, list(refs)) if any(not found for _, found in refs.values()) else set()
        told = (blank_total_finding(fid, found, values, layout) for a1, (fid, found) in refs.items()
                if a1 not in formulas)
        out += [f for f in told if f is not None]
    return out


def _text_left_out(fmt, values: dict, texts: set[str]) -> dict:
    """Totals whose value in the file leaves out numbers typed as text (a SUM saved
    by Excel, WPS or LibreOffice ignores text), with the values they add up to when
    the text is read as the number it is. Such a total is right as a formula: the
    fault is the text cell, and the arithmetic is judged on the numbers read."""
    if not texts:
        return {}

    def total(fid: str, count_text: bool):
        f = fmt.fields[fid]
        if f.kind == "total":
            parts = [total(p, count_text) for p in f.parts]
            return None if None in parts else sum(parts)
        value = values.get(fid)
        return 0 if fid in texts and not count_text else value if is_number(value) else None

    out = {}
    for f in fmt.totals():
        stored, without, read = values.get(f.id), total(f.id, False), total(f.id, True)
        if is_number(stored) and stored == without and read is not None and read != stored:
            out[f.id] = read
    return out
