"""The comparison workbook (`xltools compare -o`): a first sheet listing the findings
with links, then a sheet per compared pair (every figure and text section: old,
new, difference, ratio; flagged rows coloured by conditional formatting), or for
folders one table of units; for a summary, the units it was compared with."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from xltools.commands.annotate import level_of, marks
from xltools.commands.compare import Comparison, Pair
from xltools.commands.render import compare_title, compare_verdict
from xltools.model.schema import words
from xltools.model.totals import is_number
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.layout import load_layout


def _sheet_name(name: str, taken: set[str]) -> str:
    """A unit's name as a sheet name: 31 characters at most, none of []:*?/\\, unique."""
    base = re.sub(r"[\[\]:*?/\\']", "_", name)[:28]
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}-{n}"
    taken.add(out)
    return out


def _put(ws, row: int, col: int, value) -> None:
    from xltools.xlsx.writer import set_text

    if isinstance(value, str):
        set_text(ws.cell(row, col), value)  # what a report says is text, never a formula
    elif value is not None:
        ws.cell(row, col).value = value


def _header(ws, labels: list[str], widths: list[int], row: int = 1) -> None:
    from openpyxl.styles import Alignment, Font

    for c, (label, width) in enumerate(zip(labels, widths), start=1):
        _put(ws, row, c, label)
        ws.cell(row, c).font = Font(bold=True)
        ws.cell(row, c).alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[col_letter(c)].width = width
    ws.freeze_panes = f"A{row + 1}"


def _ratio(a, b):
    if not (is_number(a) and is_number(b)) or a == 0:
        return None
    return float((Decimal(b) / Decimal(a)).quantize(Decimal("0.01")))


def _pair_sheet(wb, pair: Pair, name: str, lang: str) -> dict[str, int]:
    """Every figure and text section of a pair; returns each field's row."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, PatternFill

    w, fmt = words(lang), load_layout().format
    ws = wb.create_sheet(name)
    headers = list(w["compare_field_headers"])
    _header(ws, headers, [30, 56, 14, 14, 12, 10])
    flagged = {f.fields[0]: level_of(f) for f in pair.findings if f.fields}
    rows: dict[str, int] = {}
    r = 2
    for f in fmt.numeric_fields():
        a, b = pair.value("old", f.id), pair.value("new", f.id)
        for c, v in enumerate((f.id, f.label, a, b, b - a if is_number(a) and is_number(b) else None, _ratio(a, b)), 1):
            _put(ws, r, c, v)
        rows[f.id] = r
        r += 1
    for f in fmt.text_fields():
        for c, v in enumerate((f.id, f.label, pair.old.report.text.get(f.id), pair.new.report.text.get(f.id)), 1):
            _put(ws, r, c, v)
            ws.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
        rows[f.id] = r
        r += 1
    # a hidden column says which rows a finding names; the colours follow it
    flag = len(headers) + 1
    for fid, level in flagged.items():
        if fid in rows:
            _put(ws, rows[fid], flag, level)
    ws.column_dimensions[col_letter(flag)].hidden = True
    area = f"A2:{col_letter(len(headers))}{r - 1}"
    for level, style in marks().items():
        ws.conditional_formatting.add(area, FormulaRule(formula=[f'${col_letter(flag)}2="{level}"'],
                                                        fill=PatternFill("solid", fgColor=style.fill),
                                                        stopIfTrue=True))
    ws.auto_filter.ref = f"A1:{col_letter(len(headers))}{r - 1}"
    _print_wide(ws)
    return rows


def _print_wide(ws) -> None:
    """A4 landscape, every column on the page, the header on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _units_sheet(wb, comp: Comparison, lang: str) -> dict[int, int]:
    """Folders: a row per unit (compared, only on one side, years apart, unreadable)."""
    from xltools.commands.render import finding_lines

    w = words(lang)
    ws = wb.create_sheet(w["compare_sheet_units"])
    _header(ws, list(w["compare_unit_headers"]), [30, 22, 14, 40, 40, 8, 8, 80])
    rows: dict[int, int] = {}
    r = 2
    for p in comp.pairs:
        text = "\n".join(line.strip() for line in finding_lines(p.findings, lang)[:12])
        for c, v in enumerate((p.new.unit, (p.new.report.meta.get("credit_code") or ""), w["compare_status_compared"],
                               str(p.old.path), str(p.new.path), len(p.errors), len(p.warnings), text), 1):
            _put(ws, r, c, v)
        rows[id(p)] = r
        r += 1
    for status, results in (("only_old", comp.only_old), ("only_new", comp.only_new), ("received", comp.received)):
        for x in results:
            on_old = status == "only_old" or status == "received" and x.path.is_relative_to(comp.old)
            old, new = (str(x.path), "") if on_old else ("", str(x.path))
            for c, v in enumerate((x.unit or x.path.stem, "", w[f"compare_status_{status}"], old, new), 1):
                _put(ws, r, c, v)
            r += 1
    for a, b in comp.apart:
        for c, v in enumerate((b.unit, "", w["compare_status_apart"], str(a.path), str(b.path)), 1):
            _put(ws, r, c, v)
        r += 1
    # every file not compared, under the unit it belongs to where there is one, with why
    for x in comp.asides:
        old, new = (str(x.path), "") if x.side == "old" else ("", str(x.path))
        unit = x.of.unit if x.of is not None else x.path.stem
        for c, v in enumerate((unit, "", w[f"compare_status_{x.status}"], old, new, None, None, x.message(lang)), 1):
            _put(ws, r, c, v)
        r += 1
    _print_wide(ws)
    return rows


def _included_sheet(wb, pair: Pair, lang: str) -> None:
    """A summary: the units merge added up, and those it left out, with why."""
    from xltools.commands.summary import problems
    from xltools.model.schema import load_summary

    w, status = words(lang), load_summary().status
    ws = wb.create_sheet(w["compare_sheet_included"])
    _header(ws, list(w["compare_unit_headers"])[:3] + list(w["compare_unit_headers"])[-1:], [30, 22, 12, 80])
    for r, s in enumerate(pair.units, start=2):
        row = (s.shown, s.code, status[s.status][lang], problems(s, pair.old.year, lang, warnings=False))
        for c, v in enumerate(row, start=1):
            _put(ws, r, c, v)
    _print_wide(ws)


def write_comparison(comp: Comparison, out: Path, lang: str = "zh") -> None:
    import openpyxl
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from xltools.xlsx.saver import save

    w = words(lang)
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = w["compare_sheet_findings"]
    _put(first, 1, 1, compare_title(comp, lang))
    first.cell(1, 1).font = Font(bold=True, size=14)
    _put(first, 2, 1, compare_verdict(comp, lang))
    first.cell(2, 1).font = Font(bold=True)
    _header(first, list(w["compare_finding_headers"]), [6, 28, 6, 14, 26, 100], row=4)
    taken = {first.title}
    targets: list[tuple[Pair | None, str, dict]] = []
    if comp.kind == "folders":
        rows = _units_sheet(wb, comp, lang)
        sheet = w["compare_sheet_units"]
        targets = [(p, sheet, {f: rows[id(p)] for f in ("*",)}) for p in comp.pairs]
    else:
        for p in comp.pairs:
            name = _sheet_name(p.new.unit or p.new.path.stem, taken)
            targets.append((p, name, _pair_sheet(wb, p, name, lang)))
            if p.kind == "summary":
                _included_sheet(wb, p, lang)
    r = 5
    findings = [(None, f) for f in comp.findings] + [(t, f) for t in targets for f in t[0].findings]
    link = Font(color="0563C1", underline="single")
    for n, (target, f) in enumerate(findings, start=1):
        unit = target[0].new.unit if target else f.params.get("found", "")
        for c, v in enumerate((n, unit, f.rule, w["level_" + level_of(f)], f.cells[0] if f.cells else "",
                               f.message(lang)), start=1):
            _put(first, r, c, v)
        if target:
            _, sheet, rows = target
            row = rows.get(f.fields[0] if f.fields else "*", rows.get("*"))
            if row:
                first.cell(r, 5).hyperlink = Hyperlink(ref=first.cell(r, 5).coordinate, location=f"'{sheet}'!A{row}")
                first.cell(r, 5).font = link
        r += 1
    # the level's colour and the wrapped message by rule and column, not cell by cell:
    # a county's folders can give thousands of findings
    for level, style in marks().items():
        first.conditional_formatting.add(f"D5:D{max(r - 1, 5)}", FormulaRule(
            formula=[f'$D5="{w["level_" + level]}"'], fill=PatternFill("solid", fgColor=style.fill)))
    first.column_dimensions["F"].alignment = Alignment(wrap_text=True, vertical="top")
    _print_wide(first)
    first.print_title_rows = "4:4"
    save(wb, Path(out))
