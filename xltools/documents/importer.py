"""A published report (see sources.py) → a Report of the 2021 format, and the
findings of what could not be taken from it with confidence.

Every value is placed by matching the official labels of schemas/formats, after
normalising what real documents do to them (full/half-width forms, 1、 for 1.,
quotes, spaces, labels split over lines, lost indentation, lost item numbers).
Columns are taken in the national order. Nothing is guessed: a row that matches
no label, has the wrong number of values, or whose numbers can be read more
than one way is left blank and reported; where a choice was made from the
document's own evidence (its row order, its row totals), a finding says so.
`Imported.unread` names what was not read, so that the workbook leaves it blank
(no total over it) and check does not judge it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xltools.documents import outline
from xltools.documents.labels import (
    ITEM,
    SURE,
    Target,
    distinctive_labels,
    match,
    norm,
    score,
    table_labels,
    targets,
    without_stray,
)
from xltools.documents.rows import (
    FRAGMENT,
    Row,
    cell_number,
    cell_value,
    config,
    is_page_number,
    is_value,
    split_line,
)
from xltools.documents.runs import resplit, unrun
from xltools.documents.sources import Document, DocumentError, Line
from xltools.model.findings import Finding
from xltools.model.report import Report
from xltools.model.schema import Format, format_ids, leaves, load_format
from xltools.model.values import is_blank_mark
from xltools.xlsx.layout import load_layout
from xltools.xlsx.writer import over_unread, write

PARAGRAPH = "\n"  # between paragraphs in a text field: a line break in the cell, as clerks type it


@dataclass
class Imported:
    report: Report
    findings: list[Finding] = field(default_factory=list)
    format: str = "2021"
    extra: dict[str, Any] = field(default_factory=dict)  # 2019 values with no 2021 cell
    unread: frozenset[str] = frozenset()  # fields of the report not read from the document

    def write(self, path) -> None:
        """The standard workbook of the report, with what was not read left blank."""
        write(self.report, path, unread=self.unread)


# --- the rows of a table -----------------------------------------------------------

@dataclass
class _Found:
    """A row of numbers found in a document: the official row it names (None for
    numbers without a label), its cells and where they start, its lines."""

    target: Target | None
    cells: list[str]
    starts: list[int | None]
    line: Line
    last: int  # the number of the last line it took cells from
    label: str = ""  # the label as the document writes it
    wrap: bool = False  # no row of its own: pieces of the numbers above, wrapped in their cells
    tail: bool = False  # and the end of the label above them
    pieces: list[str] = field(default_factory=list)  # of numbers wrapped in their cells, from the lines below
    wrapped: str | None = None  # pieces of numbers wrapped in their cells that could not be joined
    ordered: tuple[str, str] | None = None  # placed by row order: the labelled rows around it
    sure: bool = False  # its label names its row with certainty (no likeness only)
    apart: list[str] = field(default_factory=list)  # no label: the rows named by labels printed apart from it
    may: list[Target] = field(default_factory=list)  # a label cut across cells: the rows whose label holds it
    notes: list[str] = field(default_factory=list)  # notes in brackets beside its numbers or label
    cut: bool = False  # placed by elimination, its label cut
    ends: list[int | None] = field(init=False)  # where each cell ends on its first line
    firsts: list[str] = field(init=False)  # the cells as on their first line

    def __post_init__(self):
        self.ends = [None if s is None else s + len(c) for c, s in zip(self.cells, self.starts)]
        self.firsts = list(self.cells)

    @property
    def filled(self) -> list[str]:
        return [c for c in self.cells if c]

    @property
    def width(self) -> int:
        return self.target.width if self.target else len(self.filled)

    def take(self, row: Row) -> None:
        self.cells.extend(row.values)
        self.starts.extend(row.starts)
        self.ends.extend(None if s is None else s + len(c) for c, s in zip(row.values, row.starts))
        self.firsts.extend(row.values)
        self.last = row.line.number


def _positions(cells: list[str], width: int, grid: str) -> list[str] | None:
    """The cells of a row whose source shows its cells (HTML, Word, Markdown, tabs),
    one per column: the numbers alone when there are as many as columns, else with
    the empty cells between them; else the last `width` cells, blanks included, after
    empty cells a label spanning columns leaves: in HTML, Word and Markdown, where
    every cell is one of the row's, and in a tab copy whose last cell is there (a
    tab at the end) or whose first is filled (no blank lost at the end shifts it)."""
    filled = [c for c in cells if c]
    if len(filled) == width:
        return filled
    if grid not in ("cells", "tabs"):
        return None
    first = next((i for i, c in enumerate(cells) if c), len(cells))
    last = max((i for i, c in enumerate(cells) if c), default=-1)
    if last - first + 1 == width:
        return cells[first:last + 1]
    row = cells[-width:]
    if len(cells) >= width and not any(cells[:-width]) and (grid == "cells" or not row[-1] or row[0]):
        return row
    return None


def _aligned(above: _Found, values: list[str], starts: list[int | None], offset: int) -> list[str] | None:
    """The numbers of `above` with the pieces in `values` joined to those they sit
    under (a number wrapped in its table cell: "3.9" over "2" is 3.92); None when a
    piece sits under no number, under two, under a single character (which never
    wraps) or is longer than the part of the number above it that filled the
    cell's width."""
    if None in above.ends or None in starts or not all(FRAGMENT.fullmatch(v) for v in values if v):
        return None
    cells = list(above.cells)
    used: set[int] = set()
    for piece, at in zip(values, starts):
        if not piece:
            continue
        # under a number: its left edge or its right edge where that number's is
        near = sorted((min(abs(at - s), abs(at + len(piece) - e)), i)
                      for i, (c, s, e) in enumerate(zip(above.cells, above.starts, above.ends)) if c)
        near = [(d, i) for d, i in near if d <= offset]
        if not near or len(near) > 1 and near[0][0] == near[1][0] or near[0][1] in used \
                or len(above.firsts[near[0][1]]) < 2 or _digits(piece) > _digits(above.firsts[near[0][1]]) + 1:
            return None
        used.add(near[0][1])
        cells[near[0][1]] += piece
    return cells


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _first_match(labels: list[str], candidates: list[Target]) -> Target | None:
    return next((t for t in (match(x, candidates) for x in labels) if t is not None), None)


def _row_named(label: str, pending: list[str], candidates: list[Target]) -> Target | None:
    """The row (not a parent, nor a column: 总计, 其他) a line of labels alone names,
    by itself or as the end of the line before."""
    if not ITEM.match(norm(label)) and len(norm(label)) < 4:
        return None
    named = _first_match([label] + [p + label for p in pending[-1:]], candidates)
    return None if named is None or named.children else named


def _pieces(cells: list[str], candidates: list[Target], table) -> list[Target]:
    """The rows whose official label holds every cell of a label a converter cut
    across cells ("行政机关不再处理其政府信息公": （六）1 and 2); for a block's title
    with numbers after it (第二十条第（五）项), the rows of that block."""
    groups = {norm(t.label) for t in candidates if t.children}  # （六）其他处理 before the piece
    texts = [norm(c) for c in cells if norm(c) and norm(c) not in groups]
    rows = [t for t in candidates if not t.children]
    titled = {b for b, block in enumerate(table.blocks) if block.title and norm(block.title) in texts}
    if titled:
        return [t for t in rows if t.block in titled]
    if not texts or min(map(len, texts)) < 2 or sum(map(len, texts)) < 4:
        return []
    return [t for t in rows if all(x in norm(t.label) for x in texts)]


def _between(found: list[_Found], k: int, rows: list[Target], target: Target) -> bool:
    """Whether `target` falls, in the national order, between the rows found before
    and after the k-th."""
    at = rows.index(target)
    before = [rows.index(g.target) for g in found[:k] if g.target in rows]
    after = [rows.index(g.target) for g in found[k + 1:] if g.target in rows]
    return (not before or before[-1] < at) and (not after or at < after[0])


def _label_below(rows: list[Row], k: int, label: str, candidates: list[Target]) -> list[int]:
    """In PDF text, the rest of a label that a narrow cell wraps below the line of
    its numbers (the lines, by index): the labels of the lines right below, up to
    one that starts a row of its own (an item number, or a label that names a row
    by itself, unless it is the very end of this label: "（七）" over "总计")."""
    out: list[int] = []
    for i in range(k + 1, min(k + 5, len(rows))):
        text = without_stray(" ".join(rows[i].labels))
        if rows[i].line.number != rows[k].line.number + len(out) + 1 or not text or ITEM.match(norm(text)):
            break
        alone = match(text, candidates)
        if alone is not None:
            whole = label + "".join(without_stray(" ".join(rows[j].labels)) for j in out) + text
            if match(whole, candidates) == alone and score(norm(whole), norm(alone.label)) > \
                    score(norm(text), norm(alone.label)):
                out.append(i)
            break
        out.append(i)
    return out


def _slot_after(above: _Found, rest: list[_Found], rows: list[Target]) -> bool:
    """Whether a row of the same block lacks between `above` and the next labelled
    row: numbers right below `above` may then be that row's, their label lost."""
    if above.target not in rows:
        return False
    at = rows.index(above.target)
    following = next((g.target for g in rest if g.target in rows), None)
    after = rows.index(following) if following is not None else len(rows)
    return after - at > 1 and rows[at + 1].block == above.target.block


class _Reader:
    """Reads the tables and texts of sections, collecting the import findings and
    the fields it placed."""

    def __init__(self, target: Format, wrapped: bool):
        self.target = target  # the format of the workbook
        self.findings: list[Finding] = []
        self.placed: set[str] = set()
        self.wrapped = wrapped

    def finding(self, rule: str, case: str, fields: list[str] = (), **params) -> None:
        expected, actual = params.pop("expected", None), params.pop("actual", None)
        cells = load_layout().cells
        self.findings.append(Finding(rule, case, fields=list(fields), expected=expected, actual=actual,
                                     cells=[cells[f].address for f in fields if f in cells], params=params))

    def _split(self, line: Line) -> Row:
        return split_line(line, pieces=self.wrapped)

    def numbers(self, fmt: Format, cells: list[str], ids: list[str], label: str, line: Line,
                lost: bool = False) -> list[str] | None:
        """The cells of a row, one for each of `ids` ("" where the table has an empty
        cell); or read back from digits run together, when one reading exists, or
        only one adds up to the row's total (I5). None, and a finding, otherwise.
        `lost`: the row has fewer cells than its table's rows, so a cell was lost and
        its empty cells are no positions."""
        width = len(ids)
        found = " ".join(c for c in cells if c)[:60]
        filled = [c for c in cells if c]
        placed = None if lost and len(filled) != width else _positions(cells, width, line.grid)
        if placed is not None:
            return placed
        if filled and all(v.isdigit() for v in filled) and set("".join(filled)) == {"0"} \
                and len("".join(filled)) == width - 1:  # one cell printed blank: whichever, every value is 0
            self.finding("W6", "document", ids, line=line.number, label=label, found=found, actual=width - 1)
            return ["0"] * width
        # only digits with no separator between them can be several numbers: a row
        # cut back from a run-together page (where a space is no reliable boundary
        # either), or a row that is one run of digits
        if filled and len(filled) < width and all(v.isdigit() for v in filled) \
                and (line.grid == "run" or len(filled) == 1):
            check = config("I2")
            ways = resplit(filled, width, check["readings"] + 1)
            if len(ways) > check["readings"]:
                self.finding("I2", "many", ids, line=line.number, label=label, found=found, expected=width)
                return None
            if len(ways) == 1:
                return ways[0]
            if len(ways) > 1:
                shown = check["shown"]
                sums = _sums(fmt, ids)
                if not sums:
                    self.finding("I2", "ambiguous", ids, line=line.number, label=label, found=found, expected=width,
                                 candidates=[" ".join(w) for w in ways[:shown]])
                    return None
                good = [w for w in ways if all(int(w[t]) == sum(int(w[p]) for p in ps) for t, ps in sums)]
                if len(good) == 1:
                    self.finding("I5", "split", ids, line=line.number, label=label, found=found,
                                 actual=" ".join(good[0]), count=len(ways))
                    return good[0]
                self.finding("I2", "sums" if good else "none", ids, line=line.number, label=label, found=found,
                             expected=width, actual=len(good), candidates=[" ".join(w) for w in (good or ways)[:shown]])
                return None
        self.finding("I1", "count", ids, line=line.number, label=label, found=found,
                     expected=width, actual=len(filled))
        return None

    def place(self, fmt: Format, ids: list[str], raw: list[str], label: str, line: Line) -> dict[str, Any]:
        """Values by field id, with a W0 finding where numbers carry a unit."""
        units = [(fid, c) for fid, c in zip(ids, raw) if c and not is_blank_mark(c) and cell_number(c)[1]]
        values = {fid: cell_value(c) for fid, c in zip(ids, raw)}
        if units:
            self.finding("W0", "document", [fid for fid, _ in units], line=line.number, label=label,
                         found=[c for _, c in units], actual=[values[fid] for fid, _ in units])
        self.placed.update(ids)
        return values

    def _found(self, fmt: Format, table_id: str, lines: list[Line], section: str) -> list[_Found]:
        """The rows of one table in `lines`, in order: a label and its numbers on one
        line, or the label over lines before (or, in PDF text, after) its numbers, or
        (web text copied one cell per line) the label on one line and its numbers on
        the lines that follow; and numbers without a label."""
        candidates = targets(fmt, table_id)
        out: list[_Found] = []
        pending: list[str] = []
        open_row: _Found | None = None  # a row still taking numbers from the lines below
        is_text_section = any(f.section == section for f in fmt.text_fields())
        rows = [self._split(ln) for ln in lines if not is_page_number(ln)]
        taken: set[int] = set()  # label lines read as the end of a label above them
        tails: set[int] = set()  # lines with the end of a label and of the numbers above them
        run: list[Target] = []  # the rows that label lines since the last row of numbers name
        apart: list[Target] = []  # ... when they name several: numbers below are no one row's
        for k, row in enumerate(rows):
            line = row.line
            if k in tails:
                out.append(_Found(None, row.values, row.starts, line, line.number, wrap=True, tail=True))
                continue
            if open_row is not None:
                if any(row.values) and not row.labels:
                    open_row.take(row)
                    if len(open_row.filled) >= open_row.target.width:
                        open_row = None
                    continue
                open_row = None
            label_cells = row.labels
            tries = ([label_cells[-1], "".join(label_cells), without_stray(label_cells[-1])] if label_cells else []) + \
                ["".join(pending[-n:] + label_cells) for n in (1, 2, 3) if len(pending) >= n]
            if not any(row.values):
                target = _first_match(tries[:3], candidates)
                if target is None or target.children or line.grid not in ("cells", "tabs") \
                        or len(row.values) != target.width:
                    if row.labels and k not in taken:
                        named = _row_named(tries[0], pending, candidates)
                        run += [named] if named is not None and named not in run else []
                        pending, apart = (pending + [" ".join(row.labels)])[-3:], []
                    continue
                # an HTML, Word or tab-copied row whose every cell is empty: blank, as published
            above = out[-1] if out else None
            how = self._continues(above, row)
            if len(run) > 1:  # labels printed apart from their numbers, in an order the numbers need not keep
                apart, run, pending = run, [], []
            if not label_cells and (apart or not pending):
                if how == "cut":
                    above.wrapped = " ".join(v for v in row.values if v)
                else:
                    out.append(_Found(None, row.values, row.starts, line, line.number, wrap=how == "wrap",
                                      apart=[t.label for t in apart]))
                continue
            target = _first_match(tries, candidates)
            shown = (" ".join(label_cells) or " ".join(pending[-1:]))[:40]
            label = "".join(label_cells)
            loose = any(t is not target for t in run)  # labels of other rows just above its own
            pending, run, apart = [], [], []
            if target is None and how == "wrap":  # the rest of a label and of numbers wrapped: "申请数量   67"
                out.append(_Found(None, row.values, row.starts, line, line.number, label=label, wrap=True,
                                  tail=above.target is not None
                                  and _first_match([above.label + label], candidates) == above.target))
                continue
            sure = target is not None and any(score(norm(x), norm(target.label)) >= SURE for x in tries)
            if self.wrapped and label_cells and not sure:
                below = _label_below(rows, k, label, candidates)
                if below:  # the label goes on below its numbers: read whole, not by its first characters
                    rest = [without_stray(" ".join(rows[i].labels)) for i in below]
                    target = _first_match([x + "".join(rest[:n]) for n in range(len(rest), 0, -1) for x in tries],
                                          candidates)
                    if target is not None:
                        label += "".join(rest)
                        for i in below:
                            (tails if any(rows[i].values) else taken).add(i)
            if target is None and how == "cut":
                above.wrapped = " ".join(v for v in row.values if v)
                continue
            if target is None:
                may = _pieces(label_cells, candidates, fmt.tables[table_id]) if line.grid in ("cells", "tabs") else []
                if may:  # a label cut across cells: which row, the rows around it may tell
                    out.append(_Found(None, row.values, row.starts, line, line.number, label=shown, may=may))
                elif label_cells or not is_text_section:  # in 六, a lone number is text
                    self.finding("I1", "unmatched", line=line.number, found=shown or " ".join(row.values)[:60],
                                 section=section)
                continue
            sure = any(score(norm(x), norm(target.label)) >= SURE for x in tries + [label])
            out.append(_Found(target, row.values, row.starts, line, line.number, label=label, sure=sure and not loose,
                              notes=row.notes))
            filled = out[-1].filled
            if len(filled) < target.width and len(filled) == 1 and len(filled[0]) <= 3:
                open_row = out[-1]  # the next lines may hold the rest
        return out

    def _continues(self, above: _Found | None, row: Row) -> str:
        """How a line of numbers right below a row's goes with them, in PDF text:
        "wrap" (pieces of its numbers, each under one of them), "cut" (fewer than the
        row's numbers and under none of them: pieces that cannot be placed, so the
        row above must not be read cut short), or "" (a row of its own)."""
        if not self.wrapped or above is None or row.line.number != above.last + 1 or not any(row.values):
            return ""
        if _aligned(above, row.values, row.starts, config("I1")["wrap_offset"]) is not None:
            return "wrap"
        filled = [v for v in row.values if v]
        fewer = len(filled) < above.width or len(filled) == above.width == 1  # one number: its own, or a piece?
        return "cut" if fewer and all(FRAGMENT.fullmatch(v) for v in filled) else ""

    def _join_wrapped(self, found: list[_Found], candidates: list[Target]) -> list[_Found]:
        """In PDF text, a number too wide for its cell goes on in the line below: a
        line of digits right under a row's numbers, each under one of them, is
        joined to them. Where the pieces sit under no number, the row is refused
        (I1 wrapped), never read with a number cut short."""
        if not self.wrapped:
            return found
        rows = [t for t in candidates if not t.children]
        out: list[_Found] = []
        for k, f in enumerate(found):
            above = out[-1] if out else None
            if not f.wrap or above is None:
                out.append(f)
                continue
            width = above.width
            joined = _aligned(above, f.cells, f.starts, config("I1")["wrap_offset"])
            above.pieces += f.filled
            if joined is None or len(f.filled) == width and not f.tail and _slot_after(above, found[k + 1:], rows):
                above.wrapped = " ".join(above.pieces)  # or the next row's number, which lost its label
            else:
                above.cells = joined
            above.last = f.line.number
        for f in out:
            if f.wrapped is None and not all(is_value(c) for c in f.cells):  # "56." with no "78" under it
                f.wrapped = " ".join(f.pieces or f.filled)
        return out

    @staticmethod
    def _eliminate(found: list[_Found], candidates: list[Target]) -> None:
        """Rows whose label a converter cut across cells: a piece only one row's label
        holds names that row; one that several hold names the one left when every
        other is named by a row of its own; either only where it falls between its
        neighbours in the national order."""
        rows = [t for t in candidates if not t.children]
        named = True
        while named:
            taken = {f.target.key for f in found if f.target is not None}
            named = False
            for k, f in enumerate(found):
                left = [t for t in f.may if t.key not in taken] if f.target is None else []
                if len(left) == 1 and _between(found, k, rows, left[0]):
                    f.target, f.sure, f.cut, named = left[0], True, True, True
                    break

    @staticmethod
    def _by_order(found: list[_Found], candidates: list[Target]) -> None:
        """Numbers without a label go to a row by order only where that is certain:
        alone between two rows whose labels name them with certainty, with exactly
        one row of the national order between those two, a row no other line names."""
        rows = [t for t in candidates if not t.children]
        named = {f.target.key for f in found if f.target is not None}
        for k in range(1, len(found) - 1):
            before, f, after = found[k - 1], found[k], found[k + 1]
            if f.target is not None or f.apart or not (before.sure and after.sure) \
                    or before.target not in rows or after.target not in rows:
                continue
            a, b = rows.index(before.target), rows.index(after.target)
            gap = rows[a + 1] if b - a == 2 else None
            if gap is not None and gap.key not in named and gap.block == before.target.block \
                    and len(f.filled) == gap.width and all(is_value(c) for c in f.cells):
                f.target, f.ordered = gap, (before.target.label, after.target.label)

    def table(self, fmt: Format, table_id: str, lines: list[Line], section: str) -> dict[str, Any]:
        """Values by field id for the rows of one table found in `lines`."""
        candidates = targets(fmt, table_id)
        found = self._join_wrapped(self._found(fmt, table_id, lines, section), candidates)
        self._eliminate(found, candidates)
        self._by_order(found, candidates)
        values: dict[str, Any] = {}
        seen: set[str] = set()
        ordered: list[tuple[_Found, list[str]]] = []  # placed by row order, judged by the total when all are in
        is_text_section = any(f.section == section for f in fmt.text_fields())
        # a table whose source shows its cells has one count of them on most rows
        counts = Counter(len(f.line.cells) for f in found if f.line.grid == "cells")
        common = counts.most_common(1)[0][0] if counts else 0
        for f in found:
            t = f.target
            if t is None:
                if f.may:
                    self.finding("I1", "unmatched", line=f.line.number, found=f.label, section=section)
                elif f.apart:
                    self.finding("I1", "apart", line=f.line.number, found=" ".join(f.filled)[:60],
                                 labels="、".join(f.apart))
                elif not is_text_section:
                    self.finding("I1", "unlabelled", line=f.line.number, found=" ".join(f.filled)[:60],
                                 section=section)
                continue
            key, ids, mapped = _row_ids(fmt, table_id, t)
            if f.wrapped is not None:
                self.finding("I1", "wrapped", ids, line=f.line.number, label=t.label, found=f.wrapped)
                continue
            if t.children and not mapped:
                self.finding("I1", "parent", line=f.line.number, label=t.label, children="、".join(t.children))
                continue
            raw = self.numbers(fmt, f.cells, ids, t.label, f.line, lost=0 < len(f.line.cells) < common)
            if raw is None:
                continue
            if key in seen:
                self.finding("I1", "duplicate", ids, line=f.line.number, label=t.label)
                continue
            seen.add(key)
            values |= self.place(fmt, ids, raw, t.label, f.line)
            if f.cut:
                self.finding("I6", "piece", ids, line=f.line.number, found=f.label, label=t.label)
            if f.notes:
                self.finding("W0", "note", ids, line=f.line.number, label=t.label, found="；".join(f.notes))
            if f.ordered:
                ordered.append((f, ids))
            if mapped:
                values |= self._into(table_id, t.label, key, f.line, raw)
        for f, ids in ordered:
            total = self._refuted(fmt, ids, values)
            if total is not None:  # the order guess, not the report, would break the printed total
                self.placed.difference_update(ids)
                values = {k: v for k, v in values.items() if k not in ids}
                key = total.removeprefix(table_id + ".").rpartition(".")[0]
                self.finding("I1", "refuted", ids, line=f.line.number, found=" ".join(f.filled)[:60],
                             label=f.target.label, total=next(t.label for t in candidates if t.key == key))
            else:
                self.finding("I6", "order", ids, line=f.line.number, found=" ".join(f.filled)[:60],
                             before=f.ordered[0], after=f.ordered[1], label=f.target.label)
        values = self._blank_totals(fmt, table_id, values)
        self._missing(fmt, table_id, candidates, values)
        return values

    def _blank_totals(self, fmt: Format, table_id: str, values: dict) -> dict:
        """Totals the document leaves blank beside a row's numbers (some tables leave
        the 总计 column empty throughout): not read, so that the workbook's formulas
        compute them; said once for the table (I3)."""
        parts = {fid: fmt.fields[fid].column_parts for fid in values if fid in fmt.fields}  # not 2021's of _into
        blank = [fid for fid, v in values.items() if v is None and fid in self.placed and parts.get(fid)
                 and any(values.get(p) is not None for p in parts[fid])]
        if blank:
            self.placed.difference_update(blank)
            table = fmt.tables[table_id]
            self.finding("I3", "totals", blank, label=table.title or fmt.sections[table.section], count=len(blank))
        return {k: v for k, v in values.items() if k not in blank}

    def _refuted(self, fmt: Format, ids: list[str], values: dict) -> str | None:
        """The total a row placed by order makes a column no longer add up to, in the
        total row the table prints: its parts all read and differing from it, or
        those read exceeding it."""
        for total in sorted(t for t in values if t in self.placed and fmt.fields[t].row_parts):
            parts = fmt.fields[total].row_parts
            if not set(ids) & set(parts) or not isinstance(values[total], (int, Decimal)):
                continue
            read = [values[p] for p in parts if p in self.placed and isinstance(values.get(p), (int, Decimal))]
            if sum(read) > values[total] or all(p in self.placed for p in parts) and sum(read) != values[total]:
                return total
        return None

    def _into(self, table_id: str, label: str, key: str, line: Line, raw: list[str]) -> dict:
        """A 2019-style single row put under the 2021 row that takes it (I4): the
        other rows under the same parent are left blank, as the document has none
        of them, so that the table's arithmetic holds."""
        rows = [t for t in targets(self.target, table_id) if not t.children]
        into = next(t for t in rows if t.key == key)
        parent = key.rpartition(".")[0]
        siblings = [t for t in rows if t.key.startswith(parent + ".") and t is not into]
        columns = leaves(self.target.tables[table_id].blocks[into.block].columns)
        blank = [f"{table_id}.{t.key}.{col.key}" for t in siblings for col in columns]
        self.placed.update(blank)
        self.finding("I4", "into", [f"{table_id}.{key}.{col.key}" for col in columns], line=line.number,
                     label=label, found=" ".join(c for c in raw if c)[:60], into=into.label,
                     blank=[t.label for t in siblings])
        return dict.fromkeys(blank)

    def _missing(self, fmt: Format, table_id: str, candidates: list[Target], values: dict) -> None:
        """The rows of a table that was found but lack from the document (I3)."""
        table = fmt.tables[table_id]
        if not values or not table.label_depth:
            return
        refused = {fid for f in self.findings for fid in f.fields}
        lacking = []
        for t in candidates:
            if t.children:
                continue
            _, ids, _ = _row_ids(fmt, table_id, t)
            if not any(fid in self.placed or fid in refused for fid in ids):
                lacking.append((t.label, ids))
        if lacking:
            self.finding("I3", "rows", [fid for _, ids in lacking for fid in ids],
                         label=table.title or fmt.sections[table.section], found=[label for label, _ in lacking])

    def row(self, fmt: Format, table_id: str, lines: list[Line]) -> dict[str, Any]:
        """A table of one unlabelled row (四's 15 numbers) under a header of labels only."""
        ids = [f.id for f in fmt.numeric_fields() if f.table == table_id]
        found: list[_Found] = []
        for line in lines:
            row = self._split(line)
            if any(row.values) and not is_page_number(line):  # the header is labels only
                how = self._continues(found[-1] if found else None, row)
                if how == "cut":
                    found[-1].wrapped = " ".join(v for v in row.values if v)
                else:
                    found.append(_Found(None, row.values, row.starts, line, line.number, wrap=how == "wrap"))
        found = self._join_wrapped(found, [])
        if not found:
            return {}
        label = fmt.sections[fmt.tables[table_id].section]
        if any(f.wrapped for f in found):
            self.finding("I1", "wrapped", ids, line=found[0].line.number, label=label,
                         found=next(f.wrapped for f in found if f.wrapped))
            return {}
        cells = [c for f in found for c in f.cells]
        raw = self.numbers(fmt, cells, ids, label, found[0].line)
        return {} if raw is None else self._blank_totals(fmt, table_id, self.place(fmt, ids, raw, label, found[0].line))

    def overview(self, fmt: Format, paragraphs: list[str]) -> tuple[dict[str, str], set[str]]:
        """The texts of 一's subsections, and those it could not tell apart (一 with
        no subsections: all of it is put under the first)."""
        fields = [f for f in fmt.text_fields() if f.section == "一"]
        check = config("I1")
        out: dict[str, list[str]] = {}
        intro: list[str] = []
        current = None
        for p in paragraphs:
            m = outline.SUBSECTION.match(p)
            if m:
                heading = norm(m.group(2))
                likeness = check["subsection_likeness"]
                named = [f for f in fields if heading and score(heading, norm(_subsection_label(f.label))) >= likeness]
                ordinal = "一二三四五".find(m.group(1))
                target = named[0] if named else (fields[ordinal] if 0 <= ordinal < len(fields) else None)
                if target is not None:
                    current = target.id
                    # A heading that runs into its paragraph ("（一）主动公开2023年，…", PDF text)
                    # ends with its label; one that ends with a colon or soon after the
                    # label ("（一）主动公开情况：") ends where it says.
                    label = _subsection_label(target.label)
                    at = p.find(label, 0, m.end())
                    gap = at - m.end(1) - 1  # from the ordinal's closing bracket; negative: not there
                    ran_on = (0 <= gap <= check["heading_gap"] and not m.group(0).endswith(("：", ":"))
                              and len(m.group(2)) > len(label) + check["heading_suffix"])
                    rest = (p[at + len(label):] if ran_on else p[m.end():]).strip()
                    out.setdefault(current, [])
                    if rest:
                        out[current].append(rest)
                    continue
            if current is None:
                intro.append(p)  # before the first subsection, or no subsections at all
            else:
                out[current].append(p)
        unsplit: set[str] = set()
        if intro:
            self.finding("I3", "intro" if out else "subsections", label=fields[0].label)
            unsplit = set() if out else {f.id for f in fields[1:]}
            out[fields[0].id] = intro + out.get(fields[0].id, [])
        return {k: PARAGRAPH.join(v) for k, v in out.items() if v}, unsplit


def _subsection_label(label: str) -> str:
    """An official subsection label of 一 less its ordinal: （一）主动公开 → 主动公开."""
    m = outline.SUBSECTION.match(label)
    return m.group(2) if m else label


def _row_ids(fmt: Format, table_id: str, target: Target) -> tuple[str, list[str], bool]:
    """The row key and field ids a document row's numbers go to, and whether they go
    to another row than the one it names: a 2019-style row the 2021 format divides
    goes to the 2021 row that takes it (I4)."""
    mapped = config("I4")["into"].get(f"{table_id}.{target.key}") if target.key else None
    key = mapped.removeprefix(table_id + ".") if mapped else target.key
    columns = leaves(fmt.tables[table_id].blocks[target.block].columns)
    return key, [".".join(p for p in (table_id, key, col.key) if p) for col in columns], mapped is not None


def _sums(fmt: Format, ids: list[str]) -> list[tuple[int, list[int]]]:
    """The totals of a row that add up parts of the same row (三's 总计 column, 四's
    three 总计), as positions in `ids`: the row's own arithmetic, never the
    table's columns."""
    out = []
    for k, fid in enumerate(ids):
        # a 2019 row read into its 2021 cells (I4) has ids of the format it is read into
        owner = fmt if fid in fmt.fields else next(load_format(f) for f in format_ids() if fid in load_format(f).fields)
        parts = owner.fields[fid].column_parts
        if parts and all(p in ids for p in parts):
            out.append((k, [ids.index(p) for p in parts]))
    return out


def _format_of(lines: list[Line], target: Format) -> Format:
    """The format whose own labels the lines use: a format other than the target is
    recognised by the labels of its tables that no label of the target contains."""
    text = norm("".join(ln.text for ln in lines))
    for other in (load_format(fid) for fid in format_ids() if fid != target.id):
        if any(label in text for label in distinctive_labels(other, target)):
            return other
    return target


def _old_values(fmt: Format, target: Format, values: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    """A 2019-format report's values without a 2021 cell, kept aside (I4); and the
    2021 cells the 2019 format has no value for, said once."""
    found = {fid.partition(".")[0] for fid in values}  # ids are <table>.<row>.<column>
    extra = {}
    for fid in [f for f in values if f not in target.fields]:
        extra[fid] = values.pop(fid)
        reader.finding("I4", "old", [fid], label=fmt.fields[fid].label, found=extra[fid], actual=extra[fid])
    lacking = [f for f in target.numeric_fields()
               if f.table in found and f.kind != "total" and f.id not in fmt.fields and f.id not in reader.placed]
    if lacking:
        reader.finding("I4", "new", [f.id for f in lacking], found=[f.label for f in lacking])
    return extra


def import_document(doc: Document) -> Imported:
    doc = unrun(doc)
    lines = doc.lines
    target = load_format("2021")
    reader = _Reader(target, doc.wrapped)
    unit, year, title_at = outline.find_title(lines)
    period, stated = outline.stated_period(lines)
    if year is None:
        year = period
    elif period is not None and period != year:
        reader.finding("I7", "period", ["year"], actual=year, expected=period, found=stated[:60])
    if unit is None and year is None:
        reader.finding("I3", "title", ["unit", "year"])
    sections, headings = outline.find_sections(target, lines, title_at)
    for number, title in target.sections.items():
        if number not in sections:
            reader.finding("I3", "section", [f.id for f in target.text_fields() if f.section == number], label=title)
    where, taken = outline.table_lines(target, lines, sections, headings)
    if unit is None and year is None and not sections and not any(where.values()):
        # not the title, a section or a table of the report: a workbook of blanks would be no import of it
        raise DocumentError(doc.path, "nothing")
    tables = {tid: [outline.rest_of_heading(lines[i], i in headings) for i in idx] for tid, idx in where.items()}
    fmt = _format_of([ln for t in tables.values() for ln in t], target)
    values: dict[str, Any] = {}
    for table_id, table in fmt.tables.items():
        if table.label_depth:
            values |= reader.table(fmt, table_id, tables.get(table_id, []), table.section)
        else:  # one row of numbers under a header of labels only (四)
            values |= reader.row(fmt, table_id, tables.get(table_id, []))
    for table_id, table in fmt.tables.items():
        if not any(k.startswith(table_id + ".") for k in values) and fmt.sections.get(table.section):
            reader.finding("I3", "table", [f.id for f in target.numeric_fields() if f.table == table_id],
                           label=table.title or fmt.sections[table.section])
    extra = _old_values(fmt, target, values, reader) if fmt.id != target.id else {}

    def own(section: str) -> list[Line]:
        return [outline.rest_of_heading(lines[i], i in headings) for i in sections[section] if i not in taken]

    text: dict[str, str | None] = {}
    unsplit: set[str] = set()
    if "一" in sections:
        overview, unsplit = reader.overview(target, outline.paragraphs_of(own("一"), doc.wrapped))
        text |= overview
    for f in target.text_fields():
        if f.section in ("五", "六") and f.section in sections:
            table_words = table_labels(target, f.section)
            kept = [ln for ln in own(f.section) if (not any(split_line(ln).values) or len(ln.cells) == 1)
                    and norm(ln.first) not in table_words]
            text[f.id] = PARAGRAPH.join(outline.paragraphs_of(kept, doc.wrapped)) or None
    report = Report(format=target.id, meta={"unit": unit, "year": year},
                    values={f.id: values.get(f.id) for f in target.numeric_fields()},
                    text={f.id: text.get(f.id) for f in target.text_fields()})
    missing = {f.id for f in target.numeric_fields() if f.id not in reader.placed}
    unread = {fid for fid in missing if target.fields[fid].kind != "total"}
    unread |= missing & over_unread(target, frozenset(unread))
    unread |= unsplit | {f.id for f in target.text_fields() if f.section not in sections}
    return Imported(report, reader.findings, fmt.id, extra, frozenset(unread))
