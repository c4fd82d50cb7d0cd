"""A1 addresses: the one place that turns column numbers into letters and back."""
from __future__ import annotations

import re

_A1 = re.compile(r"([A-Z]{1,3})(\d+)")


def col_letter(col: int) -> str:
    """3 → 'C', 27 → 'AA' (1-based)."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def column_number(letters: str) -> int:
    """'C' → 3, 'AA' → 27."""
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col


def parse_a1(ref: str) -> tuple[int, int]:
    """'D6' → (6, 4): row, column, both 1-based."""
    m = _A1.fullmatch(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), column_number(m.group(1))


def a1(row: int, col: int) -> str:
    """(6, 4) → 'D6'."""
    return f"{col_letter(col)}{row}"
