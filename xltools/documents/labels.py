"""Matching a document's row labels to the official labels of schemas/formats,
tolerant of what real reports do to them: full/half-width forms, 1、 for 1.,
quotes and spaces, a label after its parents', the first line of a wrapped
label, a label without its item number, abbreviations, a character missing or
extra. A match must be confident and clearly better than the next best;
otherwise there is none."""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from xltools.model.schema import Format, Node, leaves
from xltools.model.values import plain_text

ITEM = re.compile(r"^(\d+\.|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")
CONFIDENT, MARGIN = 0.8, 0.05
SURE = 0.9  # a label that names its row by more than likeness: equal, its end, its start, unnumbered


def norm(text: str) -> str:
    """A label as compared: compatibility forms folded (（ → (, １ → 1), no spaces or
    quotes, 1、 and 1． as 1., no closing colon."""
    text = plain_text(text)
    text = re.sub(r"(?<=\d)[、.．]", ".", text)
    return text.rstrip(":：")


@dataclass
class Target:
    key: str  # row key in the table (a parent row's: the ids of its path)
    label: str
    block: int
    width: int  # values expected
    children: tuple[str, ...] = ()  # for a parent row: its sub-items' labels


def targets(fmt: Format, table_id: str) -> list[Target]:
    """The rows of a table a document's label can name: its rows in the national
    order, then the parent rows (三、本年度办理结果, （三）不予公开 …)."""
    table = fmt.tables[table_id]
    out = []
    for b, block in enumerate(table.blocks):
        width = len(leaves(block.columns))
        for leaf in leaves(block.rows):
            out.append(Target(leaf.key, leaf.labels[-1] if leaf.labels else "", b, width))

        def parents(nodes: tuple[Node, ...], path: tuple[str, ...] = ()):
            for n in nodes:
                if n.children:
                    key = path + ((n.id,) if n.id else ())
                    out.append(Target(".".join(key), n.label, b, width, tuple(c.label for c in n.children)))
                    parents(n.children, key)
        parents(block.rows)
    return out


def without_stray(cell: str) -> str:
    """A label less the single characters before it: in PDF text a parent label set
    vertically in its own column ends up one character per line ("他 2.申请人…")."""
    tokens = cell.split()
    while len(tokens) > 1 and len(tokens[0]) == 1:
        tokens.pop(0)
    return " ".join(tokens)


def _abbreviation(label: str, target: str) -> bool:
    """"1.逾期不补正" for "1.申请人无正当理由逾期不补正、行政机关不再处理…": the same
    item number, and nearly every character of the label found in the official one."""
    a, b = ITEM.match(label), ITEM.match(target)
    if not a or not b or a.group(0) != b.group(0):
        return False
    short, full = label[a.end():], target[b.end():]
    if len(short) < 4 or len(short) >= len(full):
        return False
    return sum(ch in full for ch in short) >= 0.8 * len(short)


def unnumbered(label: str) -> str:
    """A normalised label less its item number: (一)予以公开 → 予以公开."""
    return ITEM.sub("", label, count=1)


def score(label: str, target: str) -> float:
    """How surely a normalised document label is this normalised official one (0–1)."""
    if label == target:
        return 1.0
    if not ITEM.match(label) and label == unnumbered(target):
        return 0.9  # the label without its number ("予以公开"): confident only where it is unique
    if label.endswith(target) and len(target) >= 2:
        return 0.95  # a row label after its parents' ("三、本年度办理结果(一)予以公开")
    if target.startswith(label) and len(label) >= 6:
        return 0.9  # the first line of a label wrapped in a narrow column
    if _abbreviation(label, target):
        return 0.85
    return SequenceMatcher(None, label, target, autojunk=False).ratio()


def match(label: str, candidates: list[Target]) -> Target | None:
    """The official row a document label names, or None when no candidate is both
    confident and clearly ahead of the next."""
    label = norm(label)
    if not label:
        return None
    scored = sorted(((score(label, norm(t.label)), i) for i, t in enumerate(candidates)), reverse=True)
    best, i = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    if best >= CONFIDENT and best - second >= MARGIN:
        return candidates[i]
    return None


def table_labels(fmt: Format, section: str) -> set[str]:
    """The title, corner and row labels of the tables in a text section (六's fee
    table): lines that start with them belong to the table, not to the text."""
    out: set[str] = set()
    for tid, table in fmt.tables.items():
        if table.section == section:
            out |= {norm(x) for x in (table.title, *(b.corner for b in table.blocks)) if x}
            out |= {norm(t.label) for t in targets(fmt, tid) if t.label}
    return out


def distinctive_labels(fmt: Format, other: Format) -> set[str]:
    """The table labels of `fmt` (normalised) that no label of `other` contains: seeing
    one in a document means the document uses `fmt`."""
    def labels(f: Format) -> set[str]:
        out = set()
        for tid, table in f.tables.items():
            out |= {norm(b.title) for b in table.blocks if b.title}
            out |= {norm(n.label) for b in table.blocks for n in leaves(b.columns) for n in n.path if n.label}
            out |= {norm(t.label) for t in targets(f, tid) if t.label}
        return out

    theirs = labels(other)
    return {x for x in labels(fmt) - theirs if len(x) >= 4 and not any(x in t for t in theirs)}
