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

from xltools.documents.labels import norm, targets
from xltools.documents.rows import config
from xltools.documents.sources import Document, Line
from xltools.model.schema import leaves, load_format
from xltools.model.values import plain_text


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
def _label_patterns() -> tuple[re.Pattern, re.Pattern, frozenset[str]]:
    """Every official heading, row label and column label (of four characters or
    more: not 总计 or 其他, words of any sentence) of both formats, as compared
    (labels.norm), longest first; the same with a number stuck to it; and the
    headings of sections and of 一's subsections among them."""
    labels: set[str] = set()
    sections: set[str] = set()
    for fid in ("2021", "2019"):
        fmt = load_format(fid)
        sections |= {norm(x) for x in fmt.sections.values()}
        sections |= {norm(f.label) for f in fmt.text_fields() if f.section == "一"}  # its subsections
        for tid, table in fmt.tables.items():
            labels |= {b.title for b in table.blocks if b.title}
            labels |= {t.label for t in targets(fmt, tid) if t.label}
            labels |= {n.label for b in table.blocks for leaf in leaves(b.columns) for n in leaf.path
                       if n.label and len(norm(n.label)) >= 4}
    labels = {norm(x) for x in labels} | sections
    pattern = re.compile("|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True)))
    return pattern, re.compile(f"(?:{pattern.pattern})\\d"), frozenset(sections)


def _folded(text: str) -> tuple[str, list[int]]:
    """Text as labels are compared (labels.norm: compatibility forms folded, no
    spaces or quotes, 1、 as 1.), but with a space kept between two numbers; and
    where each of its characters comes from in `text`."""
    out: list[str] = []
    at: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1].isdigit() and text[i + 1:i + 2].isdigit():
                out.append(" ")
                at.append(i)
            continue
        folded = "." if ch in "、．." and out and out[-1].isdigit() else plain_text(ch)
        out.extend(folded)
        at.extend([i] * len(folded))
    return "".join(out), at


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


def _counted(text: str, start: int) -> bool:
    """Whether the number at `start` is a count in a sentence (行政复议3件), not a cell."""
    end = re.compile(r"[\d.,]*").match(text, start).end()
    return end < len(text) and text[end] in config("I1")["count_words"]


def _cut(line: Line) -> str | None:
    """A line that holds a whole report or table, cut before every heading and label
    it contains and after the label (labels in the tables' sections only, where the
    line has its headings: the sentences of 一, 五 and 六 stay whole); None unless the
    line has two labels or more and either two section headings or, as one cell of no
    sentence (no 。, no count such as 3件), a number stuck to a label."""
    pattern, glued, sections = _label_patterns()
    text = _headings(" ".join(line.cells))
    folded, at = _folded(text)
    found = list(pattern.finditer(folded))
    heads = [m for m in found if m.group(0) in sections]  # headings of sections and of 一's subsections
    stuck = len(line.cells) == 1 and "。" not in folded and any(
        at[m.end() - 1] == at[m.end() - 2] + 1 and not _counted(folded, m.end() - 1) for m in glued.finditer(folded))
    if len(found) < 2 or not stuck and sum(not m.group(0).startswith("(") for m in heads) < 2:
        return None
    first = next((m.start() for m in heads if m.group(0)[0] in "二三四"), 0)
    last = next((m.start() for m in heads if m.group(0)[0] in "五六" and m.start() > first), len(folded))
    out, done = [], 0
    for m in found:
        if m in heads or first <= m.start() < last:
            start, end = at[m.start()], at[m.end() - 1] + 1
            out += [text[done:start], "\n", text[start:end], "\t"]
            done = end
    return "".join(out) + text[done:]


def unrun(doc: Document) -> Document:
    """Web pages copied as one line lose every separator ("规章000行政规范性文件77132470"),
    or every line break (a whole report in one paragraph). Such a line is cut before
    every official heading and label it contains (as labels are compared: spaces,
    brackets and 1、 as documents print them) and after the label, so that each table
    row is a line of its own again."""
    lines: list[Line] = []
    for line in doc.lines:
        cut = _cut(line) if line.grid == "spaces" else None
        if cut is None:
            lines.append(line)
            continue
        # a label of no row that numbers follow: 总计110024 → 总计, 110024 (and 总计 0 1 1 0)
        cut = re.sub(r"(?<=[\u4e00-\u9fff）)])\s*(\d[\d.,]*(?:\s+[-+]?\d[\d.,]*)*)\s*(?=\n|$)", r"\t\1", cut)
        # numbers that a row label with a typo follows: 0000000三、本年度办 理结果
        cut = re.sub(r"(?<=\t)([\d\s]+?)(?=[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])", r"\1\n", cut)
        lines.extend(Line(line.number, tuple(c.strip() for c in part.split("\t") if c.strip()), "run")
                     for part in cut.split("\n") if part.strip())
    return Document(doc.path, doc.kind, lines, doc.wrapped)
