"""How much room text takes in a cell: its width in Excel's character units, the
lines it wraps to, the height of its row; and how a sheet fits the printed page.
Row heights and column widths of every sheet xltools writes (the template, the
marked copy, the summary's sheets) come from here."""
from __future__ import annotations

import re

LINE_HEIGHT = 15  # points: one line of 11-point text
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # CJK and everything after it: two units wide


def text_width(text: str) -> int:
    """Width in Excel's character units: a Chinese character takes two. (Counted by
    the regular expression engine: a summary of 2,000 units measures 4 million
    characters for its row heights.)"""
    return len(text) + len(_WIDE.findall(text))


def wrapped_lines(text, width: float, size: int = 11) -> int:
    """Lines a cell `width` characters wide shows of `text` wrapped, in `size`-point
    type (widths count in 11-point characters; one is left for the cell's margins)."""
    room = max(int(width) - 1, 1)
    return sum(1 if len(line) * 2 * size <= room * 11 else max(1, -(-text_width(line) * size // 11 // room))
               for line in str(text or "").split("\n"))  # a short line is one, however wide its characters


MAX_ROW_HEIGHT = 409  # points: the tallest row Excel and LibreOffice keep
# points: a line of wrapped 11-point Chinese text as LibreOffice prints it (Noto Sans
# CJK, 15.9); Excel's 等线 and 宋体 take less
TEXT_LINE = 16


def row_height(values, widths) -> float:
    """Points a row of wrapped cells needs, its tallest cell's lines and a little air;
    spreadsheets do not grow a row a program wrote, so a row shorter than its text
    prints it cut."""
    lines = max((wrapped_lines(v, w) for v, w in zip(values, widths)), default=1)
    return min(MAX_ROW_HEIGHT, TEXT_LINE * lines + 2)


def print_across(ws, title_rows: str | None = None, landscape: bool = True, fit: bool = True) -> None:
    """A4, with `fit` fitted to the page's width and as many pages tall as it takes
    (without, at full size on as many pages across as it takes), with `title_rows`
    ("1:1") repeated on each page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    # narrower side margins than openpyxl's 0.75 inch: the text is printed larger
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if title_rows:
        ws.print_title_rows = title_rows
