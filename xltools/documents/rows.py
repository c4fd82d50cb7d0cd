"""A line of a published report's table as a row: the labels before its values,
and the values as the document prints them (numbers, a unit after them, blank
marks, empty cells), with where each starts in laid-out text."""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xltools.documents.sources import Line
from xltools.model.schema import load_rules
from xltools.model.values import UNITS, is_blank_mark

_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
FRAGMENT = re.compile(r"[\d.,]+")  # a piece of a number wrapped in its cell ("99." of 99.96)
# a note in brackets that counts something, after a cell's number or label: 55（含自然失效 29 件）,
# 行政规范性文件（其中修订 16 件）; no official label has a digit in brackets
NOTE = re.compile(r"\s*[（(][^（）()]*\d[^（）()]*[）)]\s*$")


@functools.cache
def config(rule: str) -> dict:
    """What an import rule of schemas/rules.yaml sets: its patterns and tolerances."""
    return load_rules()[rule].check


@functools.cache
def _page_number() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in config("I1")["page_numbers"]))


def is_page_number(line: Line) -> bool:
    return _page_number().fullmatch(line.text.strip()) is not None


def cell_number(cell: str) -> tuple[str, str] | None:
    """The number a table cell shows, as plain digits, and the unit written after it
    ("26件" → ("26", "件")); None for a cell that is not a number."""
    text = unicodedata.normalize("NFKC", cell).strip()
    unit = next((u for u in UNITS if text.endswith(u) and len(text) > len(u)), "")
    text = text[: len(text) - len(unit)]
    return (text.replace(",", ""), unit) if _NUMBER.fullmatch(text) else None


def is_value(cell: str) -> bool:
    return not cell or is_blank_mark(cell) or cell_number(cell) is not None


def cell_value(cell: str) -> Any:
    if not cell:
        return None  # an empty cell of the table: blank, as in the workbook
    if is_blank_mark(cell):
        return cell  # as published: the checker reports it
    digits, _ = cell_number(cell)
    number = Decimal(digits)
    return int(number) if number == number.to_integral_value() and "." not in digits else number


@dataclass
class Row:
    line: Line
    labels: list[str]  # the cells before the values
    values: list[str]  # "" for an empty cell
    starts: list[int | None]  # the column each value starts at, where the line says
    notes: list[str] = field(default_factory=list)  # notes in brackets taken off its cells


def split_line(line: Line, pieces: bool = False) -> Row:
    """A line as a row: its labels, and the values after them (with `pieces`, also
    the first pieces of numbers wrapped in their cells, "99." of 99.96)."""
    def value(cell: str) -> bool:
        return is_value(cell) or pieces and FRAGMENT.fullmatch(cell) is not None

    cells: list[str] = []
    starts: list[int | None] = []
    notes: list[str] = []
    for k, c in enumerate(line.cells):
        c = c.strip("“”\"'") or c  # PDF text sometimes puts a label's quote beside the numbers
        at = line.starts[k] if line.starts else None
        note = NOTE.search(c)
        if note:
            notes.append(note.group(0).strip())
            c = c[:note.start()]
            if not c:
                continue  # a cell of its own: no position of the row
        # numbers after a single space are cells too ("0 0 0", "规章 0 0 0")
        words = list(re.finditer(r"\S+", c))
        n = len(words)
        while n and value(words[n - 1].group()):
            n -= 1
        if n == len(words):
            cells.append(c)
            starts.append(at)
            continue
        if n:
            cells.append(c[:words[n].start()].rstrip())
            starts.append(at)
        cells.extend(w.group() for w in words[n:])
        starts.extend(None if at is None else at + w.start() for w in words[n:])
    n = len(cells)
    while n and value(cells[n - 1]):
        n -= 1
    return Row(line, [c for c in cells[:n] if c], cells[n:], starts[n:], notes)
