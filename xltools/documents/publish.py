"""The report document, written from the workbook so that the published numbers are
the checked ones: Word (.docx, typography of GB/T 9704), one self-contained HTML
page, or Markdown. Every label comes from schemas/formats; the tables keep the
national layout (multi-level headers, parent rows spanning their sub-rows)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from xltools.documents import typography
from xltools.model.files import atomic_output
from xltools.model.report import Report
from xltools.model.schema import Block, Node, leaves, load_format, words

PARAGRAPHS = re.compile(r"\s*\n\s*")  # a line break in a text cell starts a paragraph


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False  # a label: <th>
    number: bool = False


def shown(value: Any) -> str:
    """A number as the unit entered it: 万元 keep their decimals."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _depth(nodes: tuple[Node, ...]) -> int:
    return max((1 + _depth(n.children) if n.children else 1) for n in nodes)


def _header(block: Block, label_cols: int) -> list[list[Cell]]:
    depth = _depth(block.columns)
    rows: list[list[Cell]] = [[] for _ in range(depth)]
    if label_cols:
        rows[0].append(Cell(block.corner or "", rowspan=depth, colspan=label_cols, header=True))

    def walk(nodes: tuple[Node, ...], level: int) -> None:
        for n in nodes:
            width = max(len(leaves((n,))), 1)
            span = 1 if n.children else depth - level
            rows[level].append(Cell(n.label or "", rowspan=span, colspan=width, header=True))
            if n.children:
                walk(n.children, level + 1)
    walk(block.columns, 0)
    return rows


def table_rows(table_id: str, block: Block, values: dict) -> list[list[Cell]]:
    """Header and body of one block, with the spans of the national layout."""
    label_cols = max(len(r.labels) for r in leaves(block.rows))  # 0 for 四's single row
    rows = _header(block, label_cols) if any(c.label for c in block.columns) else []
    body = leaves(block.rows)
    done: set[tuple[str, ...]] = set()
    for leaf in body:
        cells: list[Cell] = []
        for i in range(len(leaf.labels) - 1):
            path = leaf.labels[:i + 1]
            if path not in done:
                done.add(path)
                span = sum(1 for x in body if x.labels[:i + 1] == path)
                cells.append(Cell(leaf.labels[i], rowspan=span, header=True))
        if leaf.labels:
            cells.append(Cell(leaf.labels[-1], colspan=label_cols - len(leaf.labels) + 1, header=True))
        for col in leaves(block.columns):
            fid = ".".join(p for p in (table_id, leaf.key, col.key) if p)
            cells.append(Cell(shown(values.get(fid)), number=True))
        rows.append(cells)
    return rows


@dataclass
class Part:
    kind: str  # title | heading | subheading | paragraph | caption | table
    text: str = ""
    rows: list[list[Cell]] | None = None
    header_rows: int = 0


def title_of(report: Report) -> str:
    """某县某镇人民政府2023年政府信息公开工作年度报告: the document's title (always
    Chinese: it is the published report's own)."""
    return words("zh")["report_title"].format(unit=report.unit or "", year=report.year or "")


def parts(report: Report, preface: list[Part] = ()) -> list[Part]:
    """The document in order: title, `preface` (what a summary covers, where it
    leaves units out), the six sections with their text and tables."""
    fmt = load_format(report.format)
    out = [Part("title", title_of(report)), *preface]
    tables_of = {}
    for tid, t in fmt.tables.items():
        tables_of.setdefault(t.section, []).append(tid)
    for number, title in fmt.sections.items():
        out.append(Part("heading", title))
        texts = [f for f in fmt.text_fields() if f.section == number]
        for f in texts:
            if f.label != title:
                out.append(Part("subheading", f.label))
            for p in PARAGRAPHS.split((report.text.get(f.id) or "").strip()):
                if p:
                    out.append(Part("paragraph", p))
        for tid in tables_of.get(number, []):
            table = fmt.tables[tid]
            if table.title:
                out.append(Part("caption", table.title))
            for block in table.blocks:
                if block.title:
                    out.append(Part("caption", block.title))
                rows = table_rows(tid, block, report.values)
                head = _depth(block.columns) if any(c.label for c in block.columns) else 0
                out.append(Part("table", rows=rows, header_rows=head))
    return out


# --- Markdown --------------------------------------------------------------------

# What Markdown would read as markup in a unit's text: escaped with a backslash, so
# that "# 标题" stays a sentence, "| a | b |" no table row, "<script>" text.
_MD_MARKUP = re.compile(r"([\\`*_\[\]<>|#&])")
_MD_LINE_START = re.compile(r"^(\s*)([+\-=]|\d+(?=[.)]))")


def md_text(text: str) -> str:
    text = _MD_MARKUP.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), text)


def to_markdown(report: Report, appendix: list[Part] = (), preface: list[Part] = ()) -> str:
    lines: list[str] = []
    marks = {"title": "# ", "heading": "## ", "subheading": "### ", "caption": "#### "}
    for p in parts(report, preface) + list(appendix):
        if p.kind in marks:
            lines += [marks[p.kind] + md_text(p.text), ""]
        elif p.kind == "paragraph":
            lines += [md_text(p.text), ""]
        else:
            lines += _markdown_table(p) + [""]
    return "\n".join(lines)


def placed(rows: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    """Each cell with the grid row and column it starts at, as HTML places them:
    a cell goes to the first column not covered by a span from above or the left."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            taken |= {(r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)}
            c += cell.colspan
    return out


def _grid(rows: list[list[Cell]]) -> list[list[str]]:
    """Spans expanded into a plain grid: a spanned cell's text once, blanks after it."""
    grid: dict[tuple[int, int], str] = {}
    for r, c, cell in placed(rows):
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                grid[(r + dr, c + dc)] = cell.text if (dr, dc) == (0, 0) else ""
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]


def _markdown_table(p: Part) -> list[str]:
    grid = _grid(p.rows)
    width = len(grid[0])
    esc = [[_MD_MARKUP.sub(r"\\\1", c) for c in row] for row in grid]
    head = esc[:p.header_rows] or [[""] * width]
    out = ["| " + " | ".join(head[0]) + " |", "|" + "---|" * width]
    out += ["| " + " | ".join(row) + " |" for row in head[1:] + esc[p.header_rows:]]
    return out


# --- HTML --------------------------------------------------------------------------

_CSS = """body{font-family:"FangSong","仿宋","STFangsong","Noto Serif CJK SC",serif;font-size:16px;line-height:1.8;
max-width:52em;margin:0 auto;padding:1em;color:#111}
h1{font-family:"FZXiaoBiaoSong-B05S","方正小标宋简体","SimSun","Noto Serif CJK SC",serif;font-size:1.6em;
text-align:center;font-weight:normal;line-height:1.5}
h2{font-family:"SimHei","黑体","Noto Sans CJK SC",sans-serif;font-size:1.15em;font-weight:normal;margin:1.2em 0 .4em}
h3{font-family:"KaiTi","楷体","STKaiti","Noto Serif CJK SC",serif;font-size:1em;font-weight:normal;margin:.8em 0 .2em}
p{text-indent:2em;margin:.3em 0}
.caption{text-indent:0;font-weight:bold;margin-top:1em}
.scroll{overflow-x:auto;margin:.5em 0}
table{border-collapse:collapse;font-size:14px;line-height:1.4}
th,td{border:1px solid #444;padding:.25em .4em}
th{font-weight:normal;text-align:left;background:#f4f4f4}
thead th{text-align:center}
td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead th{min-width:3.5em}
tbody th{min-width:6em}"""


def to_html(report: Report, appendix: list[Part] = (), preface: list[Part] = ()) -> str:
    title = title_of(report)
    body: list[str] = []
    for p in parts(report, preface) + list(appendix):
        text = html.escape(p.text)
        if p.kind == "title":
            body.append(f"<h1>{text}</h1>")
        elif p.kind == "heading":
            body.append(f"<h2>{text}</h2>")
        elif p.kind == "subheading":
            body.append(f"<h3>{text}</h3>")
        elif p.kind == "caption":
            body.append(f'<p class="caption">{text}</p>')
        elif p.kind == "paragraph":
            body.append(f"<p>{text}</p>")
        else:
            body.append(_html_table(p))
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _span(cell: Cell) -> str:
    return (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + \
        (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")


def _html_table(p: Part) -> str:
    out = ['<div class="scroll"><table>']
    if p.header_rows:
        out.append("<thead>")
        for row in p.rows[:p.header_rows]:
            out.append("<tr>" + "".join(f'<th scope="col"{_span(c)}>{html.escape(c.text)}</th>' for c in row) + "</tr>")
        out.append("</thead>")
    out.append("<tbody>")
    for row in p.rows[p.header_rows:]:
        out.append("<tr>" + "".join(
            f'<td{_span(c)}>{html.escape(c.text)}</td>' if c.number
            else f'<th scope="row"{_span(c)}>{html.escape(c.text)}</th>' for c in row) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


# --- Word ---------------------------------------------------------------------------

def to_docx(report: Report, path: Path, appendix: list[Part] = (), preface: list[Part] = ()) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = typography.new_document()
    document = parts(report, preface) + list(appendix)
    for p in document:
        if p.kind == "table":
            _docx_table(d, p)
            continue
        para = typography.add_line(d, p.text, p.kind)
        fmt = para.paragraph_format
        if p.kind == "paragraph":
            fmt.first_line_indent = Pt(typography.INDENT_PT)
            para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        elif p.kind == "caption":
            fmt.space_before = Pt(8)
            fmt.keep_with_next = True
        elif p.kind in ("heading", "subheading"):
            fmt.first_line_indent = Pt(typography.INDENT_PT)
            fmt.keep_with_next = True  # never a heading alone at the foot of a page
    typography.save(d, path, document[0].text)


CELL_MARGIN_MM = 1.0  # left and right inside each table cell (Word's default is 1.9)
PT_MM = 25.4 / 72


def text_mm(text: str, size_pt: float) -> float:
    """How wide a line of text prints, at most: a Chinese character one em, a digit or
    Latin letter 0.62 em (Times New Roman's digits are 0.5 em; the fonts a computer
    without it falls back to, such as DejaVu Serif, are wider)."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.62 for ch in text) * size_pt * PT_MM


def column_widths(p: Part, total: float = typography.TEXT_WIDTH_MM) -> list[float]:
    """Millimetres per grid column such that the table fits the text width, no number
    ever wraps (each number column is as wide as its widest number) and headers wrap
    to a few lines of whole characters; the label columns share the rest by the
    length of their labels, each wide enough for a short item label on one line."""
    size = typography.FONTS["table"][1]
    em = size * PT_MM
    width = len(_grid(p.rows)[0])
    numbers, heads, labels, parents = [0.0] * width, [""] * width, [""] * width, [""] * width
    is_number = [False] * width
    for r, c, cell in placed(p.rows):
        if cell.number:
            is_number[c] = True
            numbers[c] = max(numbers[c], text_mm(cell.text, size))
        elif cell.colspan == 1 and r < p.header_rows:
            heads[c] = max(heads[c], cell.text, key=len)
        elif cell.colspan == 1:  # a parent spans its items' rows: narrow, it wraps down them
            kind = labels if cell.rowspan == 1 else parents
            kind[c] = max(kind[c], cell.text, key=len)
    margins = 2 * CELL_MARGIN_MM
    label_cols = [c for c in range(width) if not is_number[c]]
    for lines in (2, 3, 4, 6):  # as few header lines as the width allows
        # A header line holds at least two characters (one per line reads as a column of
        # letters); a number column is at least three characters wide, so that text
        # taken from a PDF keeps its numbers apart.
        fixed = [max(margins + numbers[c] + em / 2,
                     margins + em * min(len(heads[c]), max(2, -(-len(heads[c]) // lines))),
                     margins + 3 * em if label_cols else 0.0)
                 if is_number[c] else 0.0 for c in range(width)]
        least = [margins + em * (min(max(len(labels[c]), 2), 6) if labels[c] else min(max(len(parents[c]), 2), 4))
                 for c in label_cols]
        if sum(fixed) + sum(least) <= total:
            break
    if not label_cols:  # 四: the number columns take the whole width
        return [f * total / sum(fixed) for f in fixed]
    # Where every item label fits on one line with room to spare (二, the fee table),
    # the number columns widen to six characters: roomy columns read better, and keep
    # numbers far apart in text taken from a PDF.
    one_line = sum(margins + em * len(labels[c] or parents[c]) for c in label_cols)
    room = total - sum(fixed) - one_line
    numeric = [c for c in range(width) if is_number[c]]
    for c in numeric:
        fixed[c] += min(max(margins + 6 * em - fixed[c], 0), max(room, 0) / len(numeric))
    shares = {c: min(len(labels[c]), 40) for c in label_cols}
    out = list(fixed)
    for c, low in zip(label_cols, least):
        out[c] = low
    spare = total - sum(fixed) - sum(least)
    for c in label_cols:  # what is left goes to the long labels
        out[c] += max(spare, 0) * shares[c] / (sum(shares.values()) or 1)
    return out


def _docx_table(d, p: Part) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt
    from docx.table import _Cell

    grid = _grid(p.rows)
    t = d.add_table(rows=len(grid), cols=len(grid[0]))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(round(CELL_MARGIN_MM / 25.4 * 1440)))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    look = t._tbl.tblPr.find(qn("w:tblLook"))  # the schema puts tblCellMar before tblLook
    if look is not None:
        look.addprevious(margins)
    else:
        t._tbl.tblPr.append(margins)
    # python-docx looks every t.cell(r, c) up through the whole table; take them once
    # (merging never removes a cell that a later merge starts or ends at)
    grid_cells = [[_Cell(tc, t) for tc in tr.tc_lst] for tr in t._tbl.tr_lst]
    for i, mm in enumerate(column_widths(p)):
        t.columns[i].width = Mm(mm)  # the grid, which LibreOffice and WPS follow
        for row in grid_cells:
            row[i].width = Mm(mm)  # each cell's own width, which Word follows
    for r, c, cell in placed(p.rows):
        target = grid_cells[r][c]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(grid_cells[r + cell.rowspan - 1][c + cell.colspan - 1])
        para = target.paragraphs[0]
        typography.font(para.add_run(cell.text), "table")
        para.paragraph_format.space_after = Pt(0)
        if cell.number:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif r < p.header_rows:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for r, row in enumerate(t.rows):
        props = row._tr.get_or_add_trPr()
        props.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
        if r < p.header_rows:
            props.append(OxmlElement("w:tblHeader"))  # header rows repeat on every page
    d.add_paragraph()


WRITERS = {".md": "markdown", ".html": "html", ".htm": "html", ".docx": "docx"}


def publish(report: Report, out: Path, appendix: list[Part] = (), preface: list[Part] = ()) -> None:
    """The document; `appendix`, parts after the six sections (publish --breakdown);
    `preface`, parts under the title."""
    kind = WRITERS[out.suffix.lower()]
    if kind == "docx":
        to_docx(report, out, appendix, preface)
        return
    text = to_markdown(report, appendix, preface) if kind == "markdown" else to_html(report, appendix, preface)
    with atomic_output(out) as fh:
        fh.write(text.encode("utf-8"))
