"""Published reports as lines of cells, whatever they came as: plain text (cells
split by tabs or runs of spaces, as copied from a web page or printed by
`pdftotext -layout`), HTML (each table row one line, its <td>/<th> the cells),
Word .docx (paragraphs and table rows in document order, a merged cell once) and
PDF with a text layer. The importer reads only these lines."""
from __future__ import annotations

import re
from dataclasses import dataclass
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
    cells: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.cells)


@dataclass
class Document:
    path: Path
    kind: str
    lines: list[Line]
    wrapped: bool = False  # lines are hard-wrapped (PDF): a paragraph goes on over lines


_GAP = re.compile(r"\t|\s{2,}|\u3000")


def _cells(line: str) -> tuple[str, ...]:
    line = line.strip()
    if line.startswith("|") and line.endswith("|"):  # a Markdown table row
        cells = re.split(r"(?<!\\)\|", line[1:-1])
        return tuple(c.strip().replace("\\|", "|") for c in cells if c.strip() and not re.fullmatch(r"-+", c.strip()))
    line = re.sub(r"^#+\s+", "", line)  # a Markdown heading
    return tuple(c.strip() for c in _GAP.split(line) if c.strip())


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


def from_text(path: Path, text: str, kind: str = "text", wrapped: bool = False) -> Document:
    lines = [Line(i, _cells(raw)) for i, raw in enumerate(text.splitlines(), start=1)]
    return Document(path, kind, [ln for ln in lines if ln.cells], wrapped)


class _Html(HTMLParser):
    _BREAKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "section", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []  # paragraphs are rows of one cell
        self.text: list[str] = []
        self.cell: list[str] | None = None
        self.row: list[str] | None = None
        self.skip = 0

    def _flush_text(self):
        text = "".join(self.text).strip()
        if text:
            self.rows.extend([c for c in _cells(t)] for t in text.splitlines() if t.strip())
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "tr":
            self._flush_text()
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")
        elif tag in self._BREAKS and self.cell is None:
            self._flush_text()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(self.skip - 1, 0)
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            cells = [c for c in self.row if c]
            if cells:
                self.rows.append(cells)
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
    return Document(path, "html", [Line(i, tuple(r)) for i, r in enumerate(parser.rows, start=1)])


def from_docx(path: Path) -> Document:
    import docx
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a file that is not a .docx
        raise DocumentError(path, "docx", str(exc))
    rows: list[tuple[str, ...]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            rows.extend(_cells(t) for t in item.text.splitlines() if t.strip())
        elif isinstance(item, Table):
            for tr in item._tbl.tr_lst:
                # a cell merged over several columns is one <w:tc>; one merged down is
                # continued by cells marked vMerge=continue, which hold nothing new
                cells = [_Cell(tc, item).text.strip() for tc in tr.tc_lst if tc.vMerge != "continue"]
                cells = [re.sub(r"\s+", " ", c) for c in cells if c]
                if cells:
                    rows.append(tuple(cells))
    return Document(path, "docx", [Line(i, tuple(r)) for i, r in enumerate(rows, start=1) if r])


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
    return from_text(path, text, wrapped="\f" in text)
