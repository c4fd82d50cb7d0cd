"""Numbers that run together: web pages copied as one line lose every separator
("规章000行政规范性文件77132470"). A line is cut back into rows at the official
labels, and a run of digits has its readings as n numbers written without
leading zeros. Which reading is placed is the importer's choice: the only one,
or the only one whose parts add up to the row's own total (I5); the balances of
the table's columns are never used to choose, so that check can still find a
report's own mistakes there."""
from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher

from xltools.documents.labels import targets
from xltools.documents.rows import config
from xltools.documents.sources import Document, Line
from xltools.model.schema import load_format


def splits(digits: str, n: int, limit: int = 2) -> list[list[str]]:
    """The ways to read a run of digits as n numbers written without leading zeros
    (up to `limit` of them: more than one means the split is not unique)."""
    if n == 1:
        return [[digits]] if digits and (digits == "0" or digits[0] != "0") else []
    out: list[list[str]] = []
    for i in range(1, len(digits) - n + 2):
        head = digits[:i]
        if len(head) > 1 and head[0] == "0":
            break
        for rest in splits(digits[i:], n - 1, limit - len(out)):
            out.append([head, *rest])
            if len(out) >= limit:
                return out
    return out


def resplit(tokens: list[str], n: int, limit: int = 2) -> list[list[str]]:
    """The ways to read digit tokens, some of them numbers run together, as n numbers."""
    if not tokens:
        return [[]] if n == 0 else []
    out: list[list[str]] = []
    for k in range(1, min(len(tokens[0]), n - len(tokens) + 1) + 1):
        for head in splits(tokens[0], k, limit):
            for rest in resplit(tokens[1:], n - k, limit):
                out.append(head + rest)
                if len(out) >= limit:
                    return out
    return out


@functools.cache
def _label_patterns() -> tuple[re.Pattern, re.Pattern]:
    """Every official heading and label of both formats, longest first; and the same
    with a number stuck to it."""
    labels: set[str] = set()
    for fid in ("2021", "2019"):
        fmt = load_format(fid)
        labels |= set(fmt.sections.values())
        for tid, table in fmt.tables.items():
            labels |= {b.title for b in table.blocks if b.title}
            labels |= {t.label for t in targets(fmt, tid) if t.label}
    pattern = re.compile("|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True)))
    return pattern, re.compile(f"(?:{pattern.pattern})\\d")


def _headings(text: str) -> str:
    """Section headings with a typo ("四、政府信息公开行政法复议、行政诉讼情况") are
    not official labels: put each on a line of its own where it nearly matches one."""
    titles = load_format("2021").sections
    out, at = [], 0
    for m in re.finditer("[一二三四五六]、", text):
        title = titles[m.group(0)[0]]
        if m.start() < at:
            continue
        best = max(range(len(title) - 2, len(title) + 3),
                   key=lambda n: SequenceMatcher(None, text[m.start():m.start() + n], title).ratio())
        heading = text[m.start():m.start() + best]
        if heading != title and SequenceMatcher(None, heading, title).ratio() >= config("I1")["heading_likeness"]:
            out += [text[at:m.start()], "\n" + title + "\t"]
            at = m.start() + best
    return "".join(out) + text[at:]


def unrun(doc: Document) -> Document:
    """Web pages copied as one line lose every separator ("规章000行政规范性文件77132470").
    A line with several labels, one with its number stuck to it, is cut before every
    official heading and label it contains and after the label, so that each table
    row is a line of its own again."""
    pattern, glued = _label_patterns()
    lines: list[Line] = []
    for line in doc.lines:
        text = line.cells[0] if len(line.cells) == 1 else ""
        if len(pattern.findall(text)) < 2 or not glued.search(text):
            lines.append(line)
            continue
        cut = pattern.sub(lambda m: "\n" + m.group(0) + "\t", _headings(text))
        # a label of no row that numbers follow: 总计110024 → 总计, 110024 (and 总计 0 1 1 0)
        cut = re.sub(r"(?<=[\u4e00-\u9fff）)])\s*(\d[\d.,]*(?:\s+[-+]?\d[\d.,]*)*)\s*(?=\n|$)", r"\t\1", cut)
        # numbers that a row label with a typo follows: 0000000三、本年度办 理结果
        cut = re.sub(r"(?<=\t)([\d\s]+?)(?=[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])", r"\1\n", cut)
        lines.extend(Line(line.number, tuple(c.strip() for c in part.split("\t") if c.strip()), "run")
                     for part in cut.split("\n") if part.strip())
    return Document(doc.path, doc.kind, lines, doc.wrapped)
