"""Published reports as lines of cells, whatever they came as: plain text (cells
split by tabs or runs of spaces, as copied from a web page or printed by
`pdftotext -layout`), HTML (each table row one line, its <td>/<th> the cells),
Word .docx (paragraphs and table rows in document order, a merged cell once) and
PDF with a text layer. The importer reads only these lines."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

KINDS = ("text", "html", "docx", "pdf")  # what read_document reads


class DocumentError(Exception):
    """A document that cannot be read at all; `finding` (rule I0) says why."""

    def __init__(self, path, case: str, found: str = ""):
        from xltools.model.findings import Finding

        self.path, self.finding = Path(path), Finding("I0", case, params={"found": found})
        super().__init__(f"{path}: {self.finding.message('zh')}")

    def message(self, lang: str = "zh") -> str:
        return f"{self.path}: {self.finding.message(lang)}"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based position in the document, as a reader would count lines
    cells: tuple[str, ...]  # "" is an empty cell, where the source shows its cells
    grid: str = "spaces"  # how the cells were told apart (below)
    starts: tuple[int, ...] = ()  # the column each cell starts at, in laid-out text

    @property
    def text(self) -> str:
        return " ".join(c for c in self.cells if c)

    @property
    def first(self) -> str:
        return next((c for c in self.cells if c), "")


# A line's grid, how its cells were told apart, says what an empty cell means:
#   cells   HTML <td>, Word cells, Markdown pipes: every cell is there, empty ones too
#   tabs    a table copied as text: empty cells are there, but a label spanning
#           columns can leave empty cells beside it
#   spaces  runs of spaces (PDF layout, typed text): an empty cell leaves no trace
#   run     cut back from a line whose cells ran together (runs.py): a space is a
#           cell boundary, but not every boundary is marked


@dataclass
class Document:
    path: Path
    kind: str
    lines: list[Line]
    wrapped: bool = False  # lines are hard-wrapped (PDF): a paragraph goes on over lines


# a piece of text between gaps: a tab, two spaces or more, an ideographic space
_PIECE = re.compile(r"\S+(?:[^\S\t\u3000]\S+)*")
_RULE = re.compile(r":?-+:?")  # a Markdown table's header rule


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # Markdown's backslash before ASCII punctuation


def text_line(number: int, raw: str, markdown: bool = False) -> Line | None:
    """One line of text as cells: a Markdown table row by its pipes and a copied
    table row by its tabs (empty cells kept, those before the first one aside),
    anything else by runs of spaces, with the column each piece starts at. In a
    Markdown file, what publish escaped is read as the text it was."""
    line = text_cells(number, raw)
    if line is None or not markdown:
        return line
    return replace(line, cells=tuple(_ESCAPED.sub(r"\1", c) for c in line.cells))


def text_cells(number: int, raw: str) -> Line | None:
    stripped = raw.strip()
    if len(stripped) > 1 and stripped[0] == stripped[-1] == "|" and not stripped.endswith("\\|"):
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", stripped[1:-1])]
        if all(not c or _RULE.fullmatch(c) for c in cells):
            return None
        return Line(number, tuple(cells), "cells")
    tabbed = raw.strip(" \r\n\u3000")  # a tab at the end is an empty last cell (a 总计 left blank)
    if "\t" in tabbed:
        cells = [c.strip() for c in tabbed.split("\t")]
        return Line(number, tuple(cells[next(i for i, c in enumerate(cells) if c):]), "tabs")
    raw = re.sub(r"^(\s*)#+\s+", r"\1", raw.rstrip())  # a Markdown heading
    pieces = [(m.start(), m.group(0)) for m in _PIECE.finditer(raw)]
    if not pieces:
        return None
    return Line(number, tuple(c for _, c in pieces), "spaces", tuple(at for at, _ in pieces))


def _decode(data: bytes, declared: str | None = None) -> str:
    encodings = ["utf-8-sig", "gb18030"]
    if declared and declared.lower().replace("-", "") in ("gb2312", "gbk", "gb18030"):
        encodings = ["gb18030", "utf-8-sig"]  # GB18030 reads GB2312 and GBK too
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def from_text(path: Path, text: str, kind: str = "text", wrapped: bool = False, markdown: bool = False) -> Document:
    lines = [text_line(i, raw, markdown) for i, raw in enumerate(text.splitlines(), start=1)]
    return Document(path, kind, [ln for ln in lines if ln is not None], wrapped)


@functools.cache
def _widest() -> int:
    """The most numbers a row of any format's tables has."""
    from xltools.model.schema import format_ids, leaves, load_format

    return max(len(leaves(b.columns)) for fid in format_ids() for t in load_format(fid).tables.values()
               for b in t.blocks)


def _span(cell: str, columns: int) -> list[str]:
    """A cell merged over several columns is one cell; an empty one stands for as
    many empty cells, which are positions of a table row (up to as many as a row
    has: a wider one is layout, not a row's cells)."""
    return [cell] if cell or not 1 < columns <= _widest() else [""] * columns


def _numbered(path: Path, kind: str, lines: list[Line]) -> Document:
    return Document(path, kind, [replace(ln, number=i) for i, ln in enumerate(lines, start=1)])


class _Html(HTMLParser):
    _BREAKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "section", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []  # a paragraph is a line, a table row a line of cells
        self.text: list[str] = []
        self.cell: list[str] | None = None
        self.colspan = 1
        self.row: list[str] | None = None
        self.skip = 0

    def _flush_text(self):
        text = "".join(self.text).strip()
        if text:
            self.lines.extend(ln for ln in (text_line(0, t) for t in text.splitlines()) if ln is not None)
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "tr":
            self._flush_text()
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
            span = dict(attrs).get("colspan") or "1"
            self.colspan = int(span) if span.isdigit() else 1
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")
        elif tag in self._BREAKS and self.cell is None:
            self._flush_text()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(self.skip - 1, 0)
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.extend(_span(re.sub(r"\s+", " ", "".join(self.cell)).strip(), self.colspan))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if any(self.row):
                self.lines.append(Line(0, tuple(self.row), "cells"))
            self.row = None
        elif tag in self._BREAKS and self.cell is None:
            self._flush_text()

    def handle_data(self, data):
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            self.text.append(data)


def from_html(path: Path, data: bytes) -> Document:
    head = data[:4096].decode("ascii", errors="ignore")
    declared = re.search(r"charset=[\"']?([\w-]+)", head, re.I)
    parser = _Html()
    parser.feed(_decode(data, declared.group(1) if declared else None))
    parser.close()
    parser._flush_text()
    return _numbered(path, "html", parser.lines)


def from_docx(path: Path) -> Document:
    import docx
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a file that is not a .docx
        raise DocumentError(path, "docx", str(exc))
    lines: list[Line] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            lines.extend(ln for ln in (text_line(0, t) for t in item.text.splitlines()) if ln is not None)
        elif isinstance(item, Table):
            for tr in item._tbl.tr_lst:
                # a cell merged over several columns is one <w:tc>; one merged down is
                # continued by cells marked vMerge=continue, which hold nothing new
                cells = [c for tc in tr.tc_lst if tc.vMerge != "continue"
                         for c in _span(re.sub(r"\s+", " ", _Cell(tc, item).text.strip()), tc.grid_span)]
                if any(cells):
                    lines.append(Line(0, tuple(cells), "cells"))
    return _numbered(path, "docx", lines)


def from_pdf(path: Path) -> Document:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise DocumentError(path, "pypdf") from None
    try:
        reader = PdfReader(str(path))
        pages = [p.extract_text(extraction_mode="layout") or "" for p in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        raise DocumentError(path, "pdf", str(exc)) from None
    text = "\n".join(pages)
    if len(re.findall(r"[\u4e00-\u9fff]", text)) < 20:
        raise DocumentError(path, "scan")
    return from_text(path, text, "pdf", wrapped=True)


def laid_out(text: str) -> bool:
    """Whether text is a printed page's (pdftotext -layout): many of its lines have
    wide gaps, where text copied from a web page has tabs or none."""
    from xltools.model.schema import load_rules

    lines = [ln for ln in text.splitlines() if ln.strip()]
    gapped = sum(1 for ln in lines if re.search(r"\S {4,}\S|^ {4,}\S", ln))
    return bool(lines) and gapped >= load_rules()["I1"].check["laid_out"] * len(lines)


def kind_of(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if data[:4] == b"%PDF" or suffix == ".pdf":
        return "pdf"
    if data[:2] == b"PK" or suffix == ".docx":
        return "docx"
    head = data[:2048].lower()
    if suffix in (".html", ".htm") or b"<html" in head or b"<table" in head or b"<!doctype html" in head:
        return "html"
    return "text"


def read_document(path: str | Path, kind: str = "auto") -> Document:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, "open", exc.strerror or str(exc)) from None
    if not data.strip():
        raise DocumentError(path, "empty")
    kind = kind_of(path, data) if kind == "auto" else kind
    if kind == "html":
        return from_html(path, data)
    if kind == "docx":
        return from_docx(path)
    if kind == "pdf":
        return from_pdf(path)
    text = _decode(data)
    if "<table" in text.lower() and "</td>" in text.lower():
        return from_html(path, data)
    return from_text(path, text, wrapped="\f" in text or laid_out(text), markdown=path.suffix.lower() == ".md")
