"""How much room text takes in a cell: its width in Excel's character units, and the
lines it wraps to. Row heights and column widths of every sheet xltools writes
(the template, the marked copy, the summary's sheets) come from here."""
from __future__ import annotations

LINE_HEIGHT = 15  # points: one line of 11-point text


def text_width(text: str) -> int:
    """Width in Excel's character units: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def wrapped_lines(text, width: float, size: int = 11) -> int:
    """Lines a cell `width` characters wide shows of `text` wrapped, in `size`-point
    type (widths count in 11-point characters; one is left for the cell's margins)."""
    room = max(int(width) - 1, 1)
    return sum(1 if len(line) * 2 * size <= room * 11 else max(1, -(-text_width(line) * size // 11 // room))
               for line in str(text or "").split("\n"))  # a short line is one, however wide its characters
