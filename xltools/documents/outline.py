"""Where the parts of a published report are: its title (unit and year), the
statistics period, the six sections by their headings, the paragraphs of a text
section, and the lines of each table, under its heading or wherever the report
put it."""
from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher

from xltools.documents.labels import Target, match, norm, score, targets
from xltools.documents.rows import config, is_page_number, split_line
from xltools.documents.sources import Line
from xltools.model.schema import Format, leaves, load_format

SUBSECTION = re.compile(r"^[(（]([一二三四五六七八九十])[)）]\s*([^：:。]{0,24})[：:]?")
_NUMBERING = re.compile(r"^(?:第[一二三四五六七八九十]+(?:部分|章|节)|[一二三四五六七八九十]+[、.]|\d+[、.])")
_CHAPTER = re.compile(r"[一二三四五六七八九十]+、[^，。；：:\d]{2,20}")  # a heading: numbered, short, no sentence
_BARE_NUMBER = re.compile(r"^[-—–－]*\s*\d{1,3}\s*[-—–－]*$")
HEADING, OWN_HEADING = 0.7, 0.85  # how surely a line is a section's heading: numbered as the format, or otherwise


def find_title(lines: list[Line]) -> tuple[str | None, int | None, int]:
    """Unit and year from the title, which may be wrapped over two or three lines;
    the unit as written (only spaces taken out)."""
    check = config("I3")
    texts = [re.sub(r"\s+", "", line.text) for line in lines[: check["title_lines"]]]
    for pattern in map(re.compile, check["titles"]):
        for i in range(len(texts)):
            for n in (1, 2, 3):
                m = pattern.search("".join(texts[i:i + n]))
                if not m:
                    continue
                found = {k: v or "" for k, v in m.groupdict().items()}
                unit = found["unit"] or found.get("after", "") or (texts[i - 1] if i else "")
                if len(found["unit"] + found.get("after", "")) <= check["unit_length"]:
                    return (unit or None), int(found["year"]) if found.get("year") else None, i + n - 1
    return None, None, -1


def stated_period(lines: list[Line]) -> tuple[int | None, str]:
    """The year of the statistics period the text states (统计期限为2025年1月1日至
    2025年12月31日), and the words that state it."""
    text = re.sub(r"\s+", "", "".join(line.text for line in lines))
    m = re.search(config("I7")["period"], text)
    if m and m.group("end") in (None, m.group("start")):
        return int(m.group("start")), m.group(0)
    return None, ""


def _heading(fmt: Format, line: Line, after: int) -> str | None:
    """The section a line is the heading of: the format's number and title (from the
    section after the last one found, with a typo or two), or the title under a
    numbering of the report's own (一、主动公开政府信息情况 as its chapter 二)."""
    text = norm(line.first)
    for k, (number, title) in enumerate(fmt.sections.items()):
        if k >= after and text.startswith(number) and score(text, norm(title)) >= HEADING:
            return number
    m = _NUMBERING.match(text)
    bare = text[m.end():] if m else text
    if bare.startswith("("):  # a subsection's numbering: （一）主动公开 of 一 is not section 二
        return None
    for number, title in fmt.sections.items():
        own = norm(title)[len(number) + 1:]
        if SequenceMatcher(None, bare, own, autojunk=False).ratio() >= OWN_HEADING:
            return number
    return None


def find_sections(fmt: Format, lines: list[Line], start: int) -> tuple[dict[str, list[int]], set[int]]:
    """The lines under each section heading (by index), and the headings' indices. A
    report that comes back to a section (its tables after the text) adds to it; a
    chapter heading of its own just before a section's (二、政府信息公开工作情况)
    is no text of the section before."""
    order = list(fmt.sections)
    out: dict[str, list[int]] = {}
    headings: set[int] = set()
    current, after = None, 0
    for i in range(start + 1, len(lines)):
        number = _heading(fmt, lines[i], after)
        if number is not None:
            if current is not None and out[current][-1:] == [i - 1] and _CHAPTER.fullmatch(lines[i - 1].text):
                headings.add(out[current].pop())
            current, after = number, max(after, order.index(number) + 1)
            headings.add(i)
            out.setdefault(number, [])
            if len(lines[i].cells) > 1:
                out[number].append(i)
        elif current is not None and re.match(config("I3")["appendix"], lines[i].text.strip()):
            current = None  # an appendix after the sections (附表, 附件) is no section's text
        elif current is not None:
            out[current].append(i)
    return out, headings


def rest_of_heading(line: Line, heading: bool) -> Line:
    """A heading line's cells after the heading: "一、总体情况  2023年，…"."""
    if not heading:
        return line
    first = line.cells.index(line.first)
    return Line(line.number, line.cells[first + 1:], line.grid, line.starts[first + 1:])


def paragraphs_of(lines: list[Line], wrapped: bool) -> list[str]:
    """The paragraphs of a text section; in PDF text, lines joined back into them."""
    texts = [ln.text for ln in lines if ln.cells and not is_page_number(ln)]
    if not wrapped:
        return [t for t in texts if t]
    texts = [t for t in texts if t and not _BARE_NUMBER.match(t.strip())]  # a printed page's number
    out: list[str] = []
    for t in texts:  # a hard-wrapped paragraph goes on until a line opens a new item
        heading = out and SUBSECTION.match(out[-1]) and len(out[-1]) <= 26 and not re.search("[。；;]", out[-1])
        if out and not heading and not SUBSECTION.match(t) and not re.match(r"^[一二三四五六七八九十]+是", t):
            out[-1] += t
        else:
            out.append(t)
    return out


@functools.cache
def _anchors(format_id: str) -> dict[str, tuple[frozenset[str], list[Target]]]:
    """For each table: the header labels that only it has (titles, corners, column
    labels), and its rows."""
    fmt = load_format(format_id)
    heads = {}
    for tid, table in fmt.tables.items():
        labels = {table.title} if table.title else set()
        for b in table.blocks:
            labels |= {x for x in (b.title, b.corner) if x}
            labels |= {n.label for leaf in leaves(b.columns) for n in leaf.path if n.label}
        heads[tid] = {norm(x) for x in labels if len(norm(x)) >= 4}  # not 项目, 总计: words of any table
    return {tid: (frozenset(h - set().union(*(heads[o] for o in heads if o != tid))), targets(fmt, tid))
            for tid, h in heads.items()}


def _names(line: Line, anchor: tuple[frozenset[str], list[Target]]) -> bool:
    """Whether a line is a header or a row of a table: a row by a label of its own,
    not by a word other tables' headers have too (总计)."""
    heads, rows = anchor
    if any(norm(c) in heads for c in line.cells if c):
        return True
    row = split_line(line)
    label = norm(row.labels[-1]) if row.labels else ""
    return (4 <= len(label) <= 80 or any(row.values) and label != "") and match(label, rows) is not None


def _is_caption(line: Line) -> bool:
    return len(line.text) <= 30 and not re.search("[。；，]", line.text) and not any(split_line(line).values)


def _is_prose(line: Line) -> bool:
    text = line.text
    return text.endswith(("。", "；")) or (len(text) > 60 and not any(split_line(line).values))


def table_lines(fmt: Format, lines: list[Line], sections: dict[str, list[int]],
                 headings: set[int]) -> tuple[dict[str, list[int]], set[int]]:
    """The lines of each table (by index): those under its section's heading where
    it is there; else (reports that put their tables after the text, or under
    headings of their own) the lines from the first of its header or row labels to
    the next heading, another table's label or a paragraph of text. Also the lines
    so taken from elsewhere, which are no section's text."""
    anchors = _anchors(fmt.id)
    elsewhere: dict[str, list[int]] = {}
    for tid, table in fmt.tables.items():
        if any(_names(lines[i], anchors[tid]) for i in sections.get(table.section, [])):
            continue
        others = [a for o, a in anchors.items() if o != tid]
        start = next((i for i in range(len(lines)) if i not in headings and _names(lines[i], anchors[tid])), None)
        if start is None:
            continue
        if start and start - 1 not in headings and _is_caption(lines[start - 1]):
            start -= 1  # 附表1, 表二 收到和处理政府信息公开申请情况: the table's, no text
        end = start + 1
        while end < len(lines) and end not in headings and not _is_prose(lines[end]) \
                and not any(_names(lines[end], a) for a in others):
            end += 1
        elsewhere[tid] = list(range(start, end))
    taken = {i for idx in elsewhere.values() for i in idx}
    out = {tid: elsewhere.get(tid) or [i for i in sections.get(table.section, []) if i not in taken]
           for tid, table in fmt.tables.items()}
    return out, taken
