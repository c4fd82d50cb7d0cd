"""The typography of GB/T 9704 (党政机关公文格式) in Word, shared by the published
report and the desk's note that returns one: the A4 page and its margins, the font
and size of each kind of line, the fallback fonts, and the file written atomically.
python-docx is imported only by the functions here: a command that writes no Word
document never loads it."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

PAGE_MM = (210, 297)  # A4
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
# the width lines take: A4 less the margins, less what rounding to twips may add
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"] - 0.2
INDENT_PT = 32  # a paragraph's first line: two characters of 三号

# 方正小标宋 title, 黑体 first-level, 楷体 second-level, 仿宋_GB2312 body, 三号 (16 pt).
FONTS = {"title": ("方正小标宋简体", 22), "heading": ("黑体", 16), "subheading": ("楷体_GB2312", 16),
         "paragraph": ("仿宋_GB2312", 16), "caption": ("黑体", 12), "table": ("仿宋_GB2312", 10.5)}
# Where the GB/T 9704 fonts are not installed, Word takes each font table entry's
# altName: the faces every Chinese Windows has.
FALLBACKS = {"方正小标宋简体": "宋体", "黑体": "SimHei", "楷体_GB2312": "楷体", "仿宋_GB2312": "仿宋"}


def new_document():
    """An empty Word document on the page of GB/T 9704."""
    import docx
    from docx.shared import Mm

    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    return d


def font(run, kind: str) -> None:
    """A run in the font and size of its kind of line (a key of FONTS)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    name, size = FONTS[kind]
    run.font.size = Pt(size)
    run.font.name = "Times New Roman"  # Latin letters and digits; Chinese takes the eastAsia font
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def add_line(d, text: str, kind: str):
    """A paragraph of one run of `kind`, with no space after it; a title centred, with
    a blank line's space under it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    para = d.add_paragraph()
    font(para.add_run(text), kind)
    para.paragraph_format.space_after = Pt(0)
    if kind == "title":
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.space_after = Pt(16)
    return para


def save(d, path: Path, title: str) -> None:
    """The document written to `path` atomically, titled, with the fallback fonts."""
    from xltools.model.files import atomic_output

    d.core_properties.title = title
    d.core_properties.author = "xltools"
    raw = io.BytesIO()
    d.save(raw)
    with atomic_output(Path(path)) as fh:
        fh.write(_with_fallbacks(raw.getvalue()))


def _with_fallbacks(docx_bytes: bytes) -> bytes:
    """The document with FALLBACKS in its font table (python-docx has no API for it)."""
    entries = "".join(f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                      f'<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
                      for name, alt in FALLBACKS.items())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/fontTable.xml":
                data = data.replace(b"</w:fonts>", entries.encode("utf-8") + b"</w:fonts>")
            dst.writestr(info, data)
    return out.getvalue()
