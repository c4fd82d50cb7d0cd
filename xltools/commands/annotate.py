"""A marked copy of a checked workbook: error cells red, warnings orange, explained
ones green (each with its own border, so that print in greyscale tells them
apart), a comment with the message on each, and a first sheet 检查结果 that lists
every finding with a link to its cell. The original is never touched."""
from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from xltools.commands.render import verdict
from xltools.model.schema import load_template, words
from xltools.rules.result import FileResult
from xltools.rules.score import score_line
from xltools.xlsx.a1 import col_letter


def marks() -> dict:
    """Level → its Mark: fill, border, color (schemas/template.yaml)."""
    return load_template().excel.marks


def widths() -> list[float]:
    return load_template().excel.result_widths


def level_of(finding) -> str:
    """error, warning, or explained (a warning 审核说明 accepts)."""
    return "explained" if finding.severity == "warning" and finding.explained else finding.severity


def mark_cells(result: FileResult, lang: str = "zh") -> dict[str, tuple[str, str]]:
    """Sheet!A1 → (level, comment text) for every cell a finding names; the worst
    level wins where findings share a cell. Shared with the Excel add-in."""
    rank = {"error": 0, "warning": 1, "explained": 2}
    found: dict[str, list] = defaultdict(list)
    for f in result.findings:
        for cell in f.cells:
            found[cell].append((level_of(f), f"{f.rule} {f.message(lang)}"))
    return {cell: (min((lv for lv, _ in items), key=rank.get), "\n".join(m for _, m in items))
            for cell, items in found.items()}


def finding_rows(result: FileResult, lang: str = "zh") -> list[tuple]:
    """One row per finding: number, rule, severity, cell, message, fix."""
    return [(i, f.rule, words(lang)["level_" + level_of(f)], f.cells[0] if f.cells else "", f.message(lang),
             f.explanation if f.explained else f.fix(lang))
            for i, f in enumerate(result.findings, start=1)]


def checked_at() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M")


def result_table(result: FileResult, lang: str = "zh", at: str | None = None) -> tuple[list[list], int]:
    """The rows of the 检查结果 sheet and the index of its header row: a title (unit,
    year, time of the check: `at`, else this computer's clock), the verdict, the
    score, the header, the findings. The Excel add-in writes the same rows."""
    w = words(lang)
    title = w["result_title"].format(unit=result.unit or result.path.stem, year=result.year or "",
                                     time=at or checked_at())
    rows = [[title], [verdict(result, lang)], [score_line(result.score, lang)], list(w["result_headers"]),
            *map(list, finding_rows(result, lang))]
    return rows, 3


def result_sheet() -> str:
    return load_template().excel.result_sheet


MARKER = "xltools"  # the author of every comment a marked copy carries


@functools.cache
def _template():
    """The empty template, built once a process and only read: where a marked cell's
    fill and border come back from (a folder of re-sent marked copies builds it once)."""
    from xltools.xlsx.template import build_workbook

    return build_workbook()


def unmark(wb) -> int:
    """A marked copy made clean again, as the template has it: a unit fixes the copy
    it downloaded and sends it back, so the marks of the last check (fill, border,
    comment) and its 检查结果 sheet would otherwise stay, saying what is no longer
    true. The cells' fill and border come back from the template's same cell; the
    number of cells unmarked."""
    marked = [cell for ws in wb.worksheets if ws.title != result_sheet()
              for row in ws.iter_rows() for cell in row
              if cell.comment is not None and cell.comment.author == MARKER]
    if marked:
        from copy import copy

        from openpyxl.styles import Border, PatternFill

        template = _template()
        for cell in marked:
            ws = cell.parent
            if ws.title in template.sheetnames:
                original = template[ws.title][cell.coordinate]
                cell.fill, cell.border = copy(original.fill), copy(original.border)
            else:  # a sheet the template does not have: no fill, no border
                cell.fill, cell.border = PatternFill(), Border()
            cell.comment = None
    if result_sheet() in wb.sheetnames:
        del wb[result_sheet()]
    return len(marked)


def values_only(wb, source: Path) -> int:
    """The workbook's formulas where the template has none (a DDE call, a HYPERLINK,
    a unit's own sum) replaced by the values they left, as the check read them: a
    copy xltools hands back runs nothing the unit typed. The number replaced."""
    import openpyxl

    from xltools.rules.structure import template_formulas
    from xltools.xlsx.layout import load_layout
    from xltools.xlsx.writer import set_text

    keep = template_formulas(load_layout())
    found = [(ws.title, cell.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
             if cell.data_type == "f" and (ws.title, cell.coordinate) not in keep]
    if found:
        cached = openpyxl.load_workbook(source, data_only=True, keep_links=False)
        for sheet, a1 in found:
            value, cell = cached[sheet][a1].value, wb[sheet][a1]
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
    return len(found)


def annotate(source: Path, result: FileResult, out: Path, lang: str = "zh", at: str | None = None) -> None:
    """The workbook with its findings marked and the 检查结果 sheet first; `at` is the
    time of the check as its title says it, when not this computer's (the desk's zone)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    from xltools.xlsx.saver import save
    from xltools.xlsx.sizes import print_across, row_height
    from xltools.xlsx.writer import set_text

    wb = openpyxl.load_workbook(source, keep_links=False)  # Excel would connect to an external link on opening
    values_only(wb, source)
    unmark(wb)  # a marked copy checked again: this check's marks only
    styles = marks()
    for cell, (level, text) in mark_cells(result, lang).items():
        sheet, _, a1 = cell.partition("!")
        if sheet not in wb.sheetnames:
            continue
        target = wb[sheet][a1]
        side = Side(style=styles[level].border, color=styles[level].color)
        target.fill = PatternFill("solid", fgColor=styles[level].fill)
        target.border = Border(left=side, right=side, top=side, bottom=side)
        target.comment = Comment(text, MARKER, width=320, height=140)
    ws = wb.create_sheet(result_sheet(), 0)
    rows, header = result_table(result, lang, at)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                set_text(ws.cell(r, c), value)  # messages quote what clerks typed
            else:
                ws.cell(r, c).value = value
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(2, 1).font = Font(bold=True, size=12)
    for col, width in enumerate(widths(), start=1):
        ws.column_dimensions[col_letter(col)].width = width
        ws.cell(header + 1, col).font = Font(bold=True)
    for i, finding in enumerate(result.findings):
        r = header + 2 + i
        level = styles[level_of(finding)]
        ws.cell(r, 3).fill = PatternFill("solid", fgColor=level.fill)
        if finding.cells:
            sheet, _, a1 = finding.cells[0].partition("!")
            ws.cell(r, 4).hyperlink = Hyperlink(ref=ws.cell(r, 4).coordinate, location=f"'{sheet}'!{a1}")
            ws.cell(r, 4).font = Font(color="0563C1", underline="single")
        for c in range(1, 7):
            ws.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
        # spreadsheets do not grow rows written by a program: give each its height
        ws.row_dimensions[r].height = row_height([ws.cell(r, c).value for c in range(4, 7)], widths()[3:6])
    ws.freeze_panes = f"A{header + 2}"
    print_across(ws, f"{header + 1}:{header + 1}")
    wb.active = 0
    save(wb, Path(out))
