"""Look at a file before any parser does: what kind of file it is, and whether its
zip and XML stay within what a workbook can need. python-calamine aborts the whole
process on some hostile files (a sheet that declares cell XFD1048576), and XML
parsers can be made to expand entities without end; neither may ever see such a
file. Limits live with rule F7 in schemas/rules.yaml."""
from __future__ import annotations

import io
import os
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from xltools.model.schema import load_rules
from xltools.xlsx.a1 import col_letter, column_number

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
# The position of a cell or a row, attribute r, however the XML writes it (attributes in
# any order, either quotes, spaces around "=", lower-case letters: python-calamine reads
# them all). Only values that can be far are matched, three letters or six digits; a match
# is the attribute r when whitespace stands before it, and _REF reads its value.
_MAYBE_FAR = re.compile(rb"""r\s*=\s*["']\s*(?:[A-Za-z]{3}|[A-Za-z]{0,2}[0-9]{6})""")
_REF = re.compile(rb"""r\s*=\s*["']\s*([A-Za-z]*)([0-9]*)""")
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]+[0-9]+:)?([A-Z]+)([0-9]+)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?t="e"[^>]*>(?:<f>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')
_SHEET = re.compile(rb"<sheet\b")
_FORMULA = re.compile(rb"\s*<(?:\w+:)?f\b")  # a cell's first child, when it has one


@dataclass
class Rejection(Exception):
    """A file no parser may open: the rule (F1–F7), its message case and values."""

    rule: str
    case: str
    found: object = ""
    expected: object = ""
    detail: str = ""
    kind: dict | None = None  # F2: what the file looks like, in words.yaml's words ({zh, en})


def _limits() -> dict:
    return load_rules()["F7"].check


def kind_of(data: bytes) -> None:
    """Reject what is not a workbook at all: empty, old .xls, encrypted, .ods, other."""
    if not data:
        raise Rejection("F1", "empty")
    if data.startswith(OLE2):
        # An encrypted .xlsx is an OLE2 file holding the streams below (names in UTF-16).
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise Rejection("F5", "encrypted")
        if _ole2_kind(data) is None:
            raise Rejection("F4", "xls")
        raise describe(data)
    if not data.startswith(ZIP):
        raise describe(data)


# Old Office files are OLE2 containers; the name of the main stream (UTF-16) tells which.
_OLE2_STREAMS = (("WordDocument", "doc"), ("PowerPoint Document", "ppt"))
_MAGIC = ((b"%PDF", "pdf"), (b"{\\rtf", "rtf"), (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"),
          (b"GIF8", "image"), (b"Rar!", "archive"), (b"7z\xbc\xaf", "archive"), (b"\x1f\x8b", "archive"))
_ZIP_PARTS = ((b"word/", "docx"), (b"ppt/", "pptx"), (b"opendocument.text", "odt"))
_START = 30  # characters of a text file shown: enough to recognise it


def describe_file(path: Path) -> Rejection:
    """`describe` of a file on disk: its start, and the whole of an Office container
    (OLE2, zip) within the size limit, whose kind is named further in (a stream, a
    part), so that a file gets the words `kind_of` gives it when it is checked."""
    with open(path, "rb") as f:
        head = f.read(4096)
        if head.startswith((OLE2, ZIP)) and os.fstat(f.fileno()).st_size <= _limits()["max_size"]:
            head += f.read()
    return describe(head)


def describe(data: bytes) -> Rejection:
    """F2 for a file that is not a workbook, saying what it looks like (words.yaml's
    file_kind_*): a PDF, a Word document, a CSV text file with its first characters as
    the text they are (UTF-8 with or without BOM, UTF-16, GBK) …"""
    from xltools.model.schema import load_words

    def looks(kind: str, case: str = "looks", found: str = "") -> Rejection:
        return Rejection("F2", case, found=found, kind=load_words()[f"file_kind_{kind}"])

    head = data[:4096]
    if head.startswith(OLE2):
        return looks(_ole2_kind(data) or "office")
    if head.startswith(ZIP):
        return looks(next((k for part, k in _ZIP_PARTS if part in data), "archive"))
    kind = next((k for magic, k in _MAGIC if head.startswith(magic)), None)
    if kind:
        return looks(kind)
    text = _text(head)
    if text is None:
        return Rejection("F2", "unknown", found=" ".join(f"{b:02X}" for b in head[:8]))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if re.match(r"<!doctype html|<html|<\?xml", first, re.IGNORECASE) or "<html" in text[:1024].lower():
        return looks("html" if "<html" in text[:1024].lower() else "xml")
    if not first:
        return looks("text")
    shown = "".join(ch for ch in first if ch.isprintable())[:_START]
    if lines and (all("," in line for line in lines[:5]) or all("\t" in line for line in lines[:5])):
        return looks("csv", "text", shown)
    return looks("text", "text", shown)


def _ole2_kind(data: bytes) -> str | None:
    """A Word or PowerPoint file among OLE2 containers (None: an old .xls, or other)."""
    return next((k for name, k in _OLE2_STREAMS if name.encode("utf-16-le") in data), None)


def _text(head: bytes) -> str | None:
    """The start of a file as text, if it is text: decoded as UTF-16 (with its BOM),
    UTF-8 or GBK (GB18030), a character cut at the end left out; None for bytes no
    text holds (controls other than line breaks and tabs)."""
    import codecs

    encodings = ("utf-16",) if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
        else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not any(ch < " " and ch not in "\t\r\n\f" for ch in text):
            return text
    return None


@dataclass
class Inspected:
    """A workbook the guard let through."""

    errors: dict[str, dict[str, str]]  # error values of cells (#REF! …) by sheet and cell: calamine reads blanks
    archive: bytes  # what python-calamine is to read: see _archive
    worksheets: dict[str, bytes]  # each worksheet's XML by zip entry, as the guard inflated it

    # Opened once for every step after the guard (formulas, links, the fill button), which
    # each opened the archive and inflated its sheets again (≈1 ms a file of a merge)
    @cached_property
    def book(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.archive))

    @cached_property
    def parts(self) -> dict[str, str]:
        """Sheet name → the zip entry of its XML (see sheet_parts)."""
        return sheet_parts(self.book)

    def part(self, name: str) -> bytes:
        """An entry's bytes: a worksheet as the guard inflated it, else read again."""
        return self.worksheets[name] if name in self.worksheets else self.book.read(name)

    def formulas(self, sheet: str, refs: list[str]) -> set[str]:
        """Which of the cells `refs` (A1) of `sheet` hold a formula: python-calamine
        reads values only, and a formula saved without its value (openpyxl writes
        none) reads as blank, as does a cell whose formula was deleted. Asked only
        about blank cells that should hold one, so rarely that a look-up per cell
        does."""
        xml = self.worksheets.get(self.parts.get(sheet) or "", b"")
        found = set()
        for ref in refs:
            cell = re.search(rb"<(?:\w+:)?c\s[^>]*?\br\s*=\s*[\"']" + re.escape(ref.encode()) +
                             rb"[\"'][^>]*?(/?)>", xml, re.I)
            if cell and not cell.group(1) and _FORMULA.match(xml, cell.end()):
                found.add(ref)
        return found


def inspect_zip(data: bytes) -> Inspected:
    """Check the archive and every XML part."""
    kind_of(data)
    limits = _limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise Rejection("F3", "truncated", found=str(exc)) from None
    names = {i.filename for i in infos}
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        raise Rejection("F6", "ods")
    if len(infos) > limits["max_entries"]:
        raise Rejection("F7", "entries", found=len(infos), expected=limits["max_entries"])
    total = sum(i.file_size for i in infos)
    if total > limits["max_size"]:
        raise Rejection("F7", "size", found=total, expected=limits["max_size"])
    for i in infos:
        if i.file_size > limits["max_part"]:
            raise Rejection("F7", "size", found=i.file_size, expected=limits["max_part"])
        if i.file_size > 1_000_000 and i.file_size > limits["max_ratio"] * max(i.compress_size, 1):
            raise Rejection("F7", "ratio", found=i.file_size // max(i.compress_size, 1),
                            expected=limits["max_ratio"], detail=i.filename)
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        if any(part in data for part, _ in _ZIP_PARTS):  # a Word document, a presentation …
            raise describe(data)
        raise Rejection("F2", "parts", found="、".join(missing))
    by_part: dict[str, dict[str, str]] = {}
    inflated: dict[int, bytes] = {}
    far: Rejection | None = None  # named by its sheet once every part has passed the guard
    try:
        for n, i in enumerate(infos):
            if not i.filename.endswith((".xml", ".rels", ".vml")):
                continue
            if not i.filename.startswith("xl/worksheets/") and i.filename != "xl/workbook.xml":
                _prolog(data, i)  # a DTD can only stand before the root element
                continue
            part = inflated[n] = _inflate(data, i)
            if b"<!" in part and _DTD.search(part):
                raise Rejection("F7", "dtd", detail=i.filename)
            if i.filename == "xl/workbook.xml":
                sheets = len(_SHEET.findall(part))
                if sheets > limits["max_sheets"]:
                    raise Rejection("F7", "sheets", found=sheets, expected=limits["max_sheets"])
            elif i.filename.startswith("xl/worksheets/"):
                try:
                    _far(part, i.filename, limits)
                except Rejection as r:
                    far = far or r
                if b't="e"' in part:
                    by_part[i.filename] = {ref.decode(): value.decode("utf-8", "replace")
                                           for ref, value in _ERROR_CELL.findall(part)}
        if far:
            far.detail = _sheet_name(archive, far.detail)
            raise far
        parts = sheet_parts(archive) if by_part else {}
        rebuilt = _archive(data, infos, inflated)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, ET.ParseError, zlib.error,
            struct.error) as exc:
        raise Rejection("F3", "truncated", found=str(exc)) from None  # bad CRC, cut-off or broken part
    worksheets = {infos[n].filename: part for n, part in inflated.items()
                  if infos[n].filename.startswith("xl/worksheets/")}
    return Inspected({name: by_part[part] for name, part in parts.items() if part in by_part}, rebuilt, worksheets)


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip entry of its XML (only for archives already inspected)."""
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("p:Relationship", _NS)}
    out = {}
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        target = targets[sheet.get(f"{{{_NS['r']}}}id")]
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _sheet_name(archive: zipfile.ZipFile, part: str) -> str:
    """The name a clerk sees of the sheet in zip entry `part` (its file name, when the
    workbook does not say)."""
    try:
        names = {entry: name for name, entry in sheet_parts(archive).items()}
    except (KeyError, AttributeError, TypeError, ET.ParseError):
        names = {}
    return names.get(part) or part.rsplit("/", 1)[-1]


_TARGET = re.compile(rb"""\bTarget\s*=\s*["']([^"']+)["']""")


def external_links(archive: zipfile.ZipFile) -> list[str]:
    """Where the workbook's external link parts (xl/externalLinks/) point: Excel
    connects to them, and may update from them, when the workbook is opened. A part
    whose target cannot be read is named by itself. Only for archives already inspected."""
    names = set(archive.namelist())
    out = []
    for name in sorted(n for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml")):
        rels = name.replace("xl/externalLinks/", "xl/externalLinks/_rels/", 1) + ".rels"
        targets = _TARGET.findall(archive.read(rels)) if rels in names else []
        out += [t.decode("utf-8", "replace") for t in targets] or [name]
    return out


_PROLOG_LIMIT = 65536
_ROOT = re.compile(rb"<[A-Za-z_]")
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.S)


def _stored(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes as the archive stores them (compressed or not)."""
    offset = info.header_offset
    if data[offset:offset + 4] != ZIP:
        raise ValueError(f"{info.filename}: no local header")
    name_length, extra_length = struct.unpack("<HH", data[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    raw = data[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise ValueError(f"{info.filename} is cut off")
    return raw


def _inflate(data: bytes, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    """A part's bytes (at most `limit` of them), straight from the archive's bytes:
    zipfile's machinery for opening an entry costs more than inflating it, and this
    runs on every part of every file a county receives."""
    if info.flag_bits & 0x1:
        raise ValueError(f"{info.filename} is encrypted")
    raw = _stored(data, info)
    want = info.file_size if limit is None else min(limit, info.file_size)
    if info.compress_type == zipfile.ZIP_STORED:
        part = raw[:want]
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        part = zlib.decompressobj(-15).decompress(raw, want)
    else:
        raise ValueError(f"{info.filename}: compression method {info.compress_type}")
    if limit is None and len(part) != info.file_size:
        raise ValueError(f"{info.filename} is cut off")
    return part


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_UTF8_NAME = 0x800
_DESCRIPTOR = 0x8


def _archive(data: bytes, infos: list[zipfile.ZipInfo], inflated: dict[int, bytes]) -> bytes:
    """The workbook as python-calamine is to read it: the parts listed here and no
    other, each sheet stored as the guard inflated it, so that calamine reads the
    bytes the guard looked at and does not inflate them a second time; every other
    part as the archive stores it. CRCs are the archive's own, which calamine checks."""
    out, central, offset = [], [], 0
    for n, i in enumerate(infos):
        name = i.filename.encode("utf-8")
        flags = (i.flag_bits & ~_DESCRIPTOR) | _UTF8_NAME  # sizes stand in the header written here
        if n in inflated:
            body, method = inflated[n], zipfile.ZIP_STORED
        else:
            body, method = _stored(data, i), i.compress_type
        sizes = (i.CRC, len(body), i.file_size, len(name))
        out += [_LOCAL.pack(ZIP, 20, flags, method, 0, 0, *sizes, 0), name, body]
        central += [_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, method, 0, 0, *sizes, 0, 0, 0, 0, 0, offset), name]
        offset += _LOCAL.size + len(name) + len(body)
    directory = b"".join(central)
    out += [directory, _END.pack(b"PK\x05\x06", 0, 0, len(infos), len(infos), len(directory), offset, 0)]
    return b"".join(out)


def _prolog(data: bytes, info: zipfile.ZipInfo) -> None:
    """Inflate a part only up to its root element: any DTD or entity declaration
    stands before it. A prolog longer than 64 KB is itself a reason to refuse."""
    head = _COMMENT.sub(b"", _inflate(data, info, _PROLOG_LIMIT))  # a comment may hide anything
    root = _ROOT.search(head)
    if _DTD.search(head[:root.start() if root else len(head)]):
        raise Rejection("F7", "dtd", detail=info.filename)
    if root is None and info.file_size >= _PROLOG_LIMIT:
        raise Rejection("F7", "dtd", detail=info.filename)


def _far(part: bytes, name: str, limits: dict) -> None:
    """A cell or a declared dimension far outside anything a report needs, or an area
    (rows × columns, from A1) larger than any sheet can need: python-calamine builds
    the whole area of a sheet it reads, 32 bytes a cell, whatever lies in it."""
    refs = [(column_number(c.decode()), int(r)) for c, r in _DIMENSION.findall(part)]
    rows = []  # a far row is named after a far cell, which says more
    for m in _MAYBE_FAR.finditer(part):
        if part[m.start() - 1:m.start()].isspace():
            letters, digits = _REF.match(part, m.start()).groups()
            (refs if letters else rows).append((column_number(letters.upper().decode()) or 1, int(digits or 1)))
    _check_refs(refs + rows, name, limits)
    _check_area(part, name, limits)


def _attribute(value: bytes) -> tuple[re.Pattern, ...]:
    """The position attribute `r` followed by `value`, after a space (which Python's engine
    finds fast, as a literal) and after any other white space (slower: used only where the
    part has such a separator before an r)."""
    return tuple(re.compile(before + rb"""r\s*=\s*["']\s*""" + value) for before in (rb" ", rb"\s"))


_COLUMN_OF = _attribute(rb"([A-Za-z]+)")  # a cell's column, where it is written
_ROW_OF = _attribute(rb"[A-Za-z]*([0-9]+)")  # the row of a cell or of a row
_ROW_REF = _attribute(rb"[0-9]")  # a row's own position
_OTHER_SPACE = (b"\tr", b"\nr", b"\rr")  # the white space XML allows between attributes, but a space
_CELL = re.compile(rb"<c[\s/>]|<\w+:c[\s/>]")
_ROW = re.compile(rb"<row[\s/>]|<\w+:row[\s/>]")


def _check_area(part: bytes, name: str, limits: dict) -> None:
    """The area a sheet claims, from A1: its dimension, and its cells' farthest row and
    column. A cell or row written without its position takes the next one, so each
    such element may reach one further than the farthest written."""
    way = int(any(other in part for other in _OTHER_SPACE))
    columns = _COLUMN_OF[way].findall(part)  # only the distinct columns and rows are converted in Python
    width = max((column_number(c.upper().decode()) for c in set(columns)), default=1) \
        + max(len(_CELL.findall(part)) - len(columns), 0)
    height = max(map(int, set(_ROW_OF[way].findall(part))), default=1) \
        + max(len(_ROW.findall(part)) - len(_ROW_REF[way].findall(part)), 0)
    corners = [(column_number(c.decode()), int(r)) for c, r in _DIMENSION.findall(part)] + [(width, height)]
    for col, row in corners:
        if col * row > limits["max_cells"]:
            raise Rejection("F7", "area", found=f"{col_letter(col)}{row}", expected=limits["max_cells"], detail=name)


def _check_refs(refs: list[tuple[int, int]], name: str, limits: dict) -> None:
    for col, row in refs:
        if col > limits["max_column"] or row > limits["max_row"]:
            raise Rejection("F7", "far", found=f"{col_letter(col)}{row}", detail=name)
