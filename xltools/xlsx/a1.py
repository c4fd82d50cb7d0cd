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


def ranges(refs: list[str]) -> list[str]:
    """Cells as few ranges as they make: runs along a row ('D7:I7'), and runs of the
    same columns in rows one under the other ('D7:I9'), in reading order."""
    rows: dict[int, list[int]] = {}
    for ref in refs:
        row, col = parse_a1(ref)
        rows.setdefault(row, []).append(col)
    runs: list[list[int]] = []  # [top, bottom, left, right]
    for row in sorted(rows):
        cols = sorted(set(rows[row]))
        starts = [c for c in cols if c - 1 not in cols]
        for left in starts:
            right = left
            while right + 1 in cols:
                right += 1
            above = next((r for r in runs if r[1] == row - 1 and r[2:] == [left, right]), None)
            if above:
                above[1] = row
            else:
                runs.append([row, row, left, right])
    runs.sort()
    return [a1(top, left) if (top, left) == (bottom, right) else f"{a1(top, left)}:{a1(bottom, right)}"
            for top, bottom, left, right in runs]
