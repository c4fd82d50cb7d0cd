"""A marked copy of a checked workbook: error cells red, warnings yellow (explained
ones green), a comment with the message on each, and a 检查结果 sheet that lists
every finding with a link to its cell. The original is never touched."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from xltools.model.schema import words
from xltools.rules.result import FileResult
from xltools.xlsx.a1 import col_letter

FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "explained": "E2EFDA"}
WIDTHS = (6, 6, 14, 24, 80, 60)


def _level(finding) -> str:
    return "explained" if finding.severity == "warning" and finding.explained else finding.severity


def mark_cells(result: FileResult, lang: str = "zh") -> dict[str, tuple[str, str]]:
    """Sheet!A1 → (level, comment text) for every cell a finding names; the worst
    level wins where findings share a cell. Shared with the Excel add-in."""
    rank = {"error": 0, "warning": 1, "explained": 2}
    marks: dict[str, list] = defaultdict(list)
    for f in result.findings:
        for cell in f.cells:
            marks[cell].append((_level(f), f"{f.rule} {f.message(lang)}"))
    return {cell: (min((lv for lv, _ in items), key=rank.get), "\n".join(m for _, m in items))
            for cell, items in marks.items()}


def finding_rows(result: FileResult, lang: str = "zh") -> list[tuple]:
    """The rows of the 检查结果 sheet: number, rule, severity, cell, message, fix."""
    return [(i, f.rule, words(lang)["level_" + _level(f)], f.cells[0] if f.cells else "", f.message(lang),
             f.explanation if f.explained else f.fix(lang))
            for i, f in enumerate(result.findings, start=1)]


def result_sheet() -> str:
    from xltools.model.schema import load_template

    return load_template()["excel"]["result_sheet"]


def annotate(source: Path, result: FileResult, out: Path, lang: str = "zh") -> None:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from xltools.xlsx.saver import save
    from xltools.xlsx.template import needed_height
    from xltools.xlsx.writer import set_text

    if Path(out).resolve() == Path(source).resolve():
        raise ValueError("the marked copy must not replace the checked file")
    wb = openpyxl.load_workbook(source)
    for cell, (level, text) in mark_cells(result, lang).items():
        sheet, _, a1 = cell.partition("!")
        if sheet not in wb.sheetnames:
            continue
        target = wb[sheet][a1]
        target.fill = PatternFill("solid", fgColor=FILLS[level])
        target.comment = Comment(text, "xltools", width=320, height=140)
    if result_sheet() in wb.sheetnames:
        del wb[result_sheet()]
    ws = wb.create_sheet(result_sheet(), 0)
    for col, (title, width) in enumerate(zip(words(lang)["result_headers"], WIDTHS), start=1):
        ws.cell(1, col, title).font = Font(bold=True)
        ws.column_dimensions[col_letter(col)].width = width
    for r, row in enumerate(finding_rows(result, lang), start=2):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                set_text(ws.cell(r, c), value)  # messages quote what clerks typed
            else:
                ws.cell(r, c).value = value
        level = _level(result.findings[r - 2])
        ws.cell(r, 3).fill = PatternFill("solid", fgColor=FILLS[level])
        if row[3]:
            sheet, _, a1 = row[3].partition("!")
            ws.cell(r, 4).hyperlink = Hyperlink(ref=ws.cell(r, 4).coordinate, location=f"'{sheet}'!{a1}")
            ws.cell(r, 4).font = Font(color="0563C1", underline="single")
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        # spreadsheets do not grow rows written by a program: give each its height
        ws.row_dimensions[row[0].row].height = max(needed_height(str(c.value or ""), w)
                                                   for c, w in zip(row, (80, 60)))
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.active = 0
    save(wb, Path(out))
