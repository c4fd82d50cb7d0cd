"""Saving workbooks safely: reproducible bytes, formulas with their values, written
to a temporary file and renamed."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from xltools.model.files import atomic_output
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.guard import sheet_parts

# Zip entries carry this time so that the same content gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE = "docProps/core.xml"


def _fix_time(xml: bytes, when: datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", xml)


# A formula cell as openpyxl writes it: <c r="J6" s="27"><f>SUM(D6:I6)</f><v /></c>
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v ?/>|<v>[^<]*</v>)?</c>')


def _cache(xml: bytes, values: dict[str, Any]) -> bytes:
    """Write each formula's value next to it, as Excel does when it saves, so that
    readers that do not calculate (calamine, pandas, openpyxl data_only) see it."""
    filled = set()

    def fill(m: re.Match) -> bytes:
        a1 = m.group(1).decode()
        if a1 not in values:
            return m.group(0)
        filled.add(a1)
        value = values[a1]
        attrs = re.sub(rb'\s+t="[^"]*"', b"", m.group(2))
        if isinstance(value, str):
            return b'<c r="%s"%s t="str"><f>%s</f><v>%s</v></c>' % (
                m.group(1), attrs, m.group(3), escape(value).encode())
        number = str(value) if isinstance(value, int) else format(Decimal(value), "f")
        return b'<c r="%s"%s><f>%s</f><v>%s</v></c>' % (m.group(1), attrs, m.group(3), number.encode())

    out = _FORMULA_CELL.sub(fill, xml)
    missing = values.keys() - filled
    if missing:  # openpyxl changed how it writes formula cells: no half-cached workbook
        raise RuntimeError(f"cannot cache the values of {len(missing)} formula cells "
                           f"({', '.join(sorted(missing)[:5])}): openpyxl's output is not the one expected")
    return out


# Characters XML 1.0 cannot carry; a cell's text loses them rather than the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cell_xml(ref: str, value: Any, style: str) -> str:
    if type(value) is int:
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        text = escape(_NOT_XML.sub("", str(value)))
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    number = str(value) if isinstance(value, int) else format(Decimal(str(value)), "f")
    return f'<c r="{ref}"{style}><v>{number}</v></c>'


@dataclass
class Rows:
    """Plain rows to add at the end of a sheet, all cells in one style (an index of
    the workbook's cell styles, as openpyxl's `cell.style_id` gives it), or one per
    column."""

    rows: list[list[Any]]
    style: int | list[int] = 0
    heights: list[float] | None = None  # points per row, where wrapped text needs more than one line


_CHUNK = 1000  # rows turned into XML and compressed at a time: a province's 明细 is never one string


def _append_rows(xml: bytes, table: Rows, out) -> None:
    """Write the sheet to `out` with rows added after its last row. openpyxl needs a
    second per thousand cells; a table of a few hundred thousand plain cells is
    written here instead, a chunk of rows at a time."""
    rows = table.rows
    last = max((int(n) for n in re.findall(rb'<row r="(\d+)"', xml)), default=0)
    letters = [col_letter(c) for c in range(1, max((len(r) for r in rows), default=0) + 1)]
    styles = [f' s="{s}"' if s else "" for s in (table.style if isinstance(table.style, list)
                                                   else [table.style] * len(letters))]
    xml = xml.replace(b"<sheetData />", b"<sheetData></sheetData>")
    if rows:
        ref = b'<dimension ref="A1:%s%d"' % (letters[-1].encode(), last + len(rows))
        xml = re.sub(rb'<dimension ref="[^"]*"', ref, xml)
    head, end, tail = xml.partition(b"</sheetData>")
    out.write(head)
    for start in range(0, len(rows), _CHUNK):
        parts = []
        for i, row in enumerate(rows[start:start + _CHUNK], start=last + 1 + start):
            n = str(i)
            cells = "".join([_cell_xml(letter + n, v, style) for letter, v, style in zip(letters, row, styles)])
            height = f' ht="{table.heights[i - last - 1]}" customHeight="1"' if table.heights else ""
            parts.append(f'<row r="{n}"{height}>{cells}</row>')
        out.write("".join(parts).encode())
    out.write(end + tail)


_TYPES = "[Content_Types].xml"
_DEFAULT_TYPE = re.compile(rb'<Default Extension="([^"]*)"[^>]*/>')
_MACRO_PARTS = ("xl/vba", "xl/drawings/vml")  # the parts openpyxl keeps from a macro workbook


def _stable_order(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """openpyxl writes the macro parts it keeps in the order of a set, which changes
    from run to run; put them in name order where they stand, for reproducible files."""
    kept = [i for i, info in enumerate(infos) if info.filename.startswith(_MACRO_PARTS)]
    out = list(infos)
    for i, info in zip(kept, sorted((infos[i] for i in kept), key=lambda x: x.filename)):
        out[i] = info
    return out


def _stable_types(xml: bytes, infos: list[zipfile.ZipInfo]) -> bytes:
    """[Content_Types].xml with the macro parts' extensions (.vml, .bin) in the order
    of _stable_order, where they stand: openpyxl lists extensions in the order it
    wrote the parts, a set's for these (one run in about nine put .bin first)."""
    first: dict[bytes, int] = {}
    for i, info in enumerate(infos):
        if info.filename.startswith(_MACRO_PARTS):
            first.setdefault(info.filename.rpartition(".")[2].encode(), i)
    found = [m for m in _DEFAULT_TYPE.finditer(xml) if m.group(1) in first]
    ordered = sorted(found, key=lambda m: first[m.group(1)])
    for m, new in reversed(list(zip(found, ordered))):
        xml = xml[:m.start()] + new.group(0) + xml[m.end():]
    return xml


def workbook_bytes(wb, when: datetime | None = None, cached: dict[str, dict[str, Any]] | None = None,
                   rows: dict[str, Rows] | None = None) -> bytes:
    """The .xlsx bytes of an openpyxl workbook. `cached` gives formula values by
    sheet and cell; `rows`, plain rows to add at the end of a sheet; with `when`,
    the document dates are fixed, which makes the output reproducible."""
    out = io.BytesIO()
    _write(wb, out, when, cached, rows)
    return out.getvalue()


def _write(wb, out, when: datetime | None, cached: dict[str, dict[str, Any]] | None,
           rows: dict[str, Rows] | None) -> None:
    """The .xlsx of workbook_bytes, written to the binary file `out`."""
    raw = io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        sheets = sheet_parts(src)
        parts = {part: cached[name] for name, part in sheets.items() if name in (cached or {})}
        extra = {part: rows[name] for name, part in sheets.items() if name in (rows or {})}
        infos = _stable_order(src.infolist())
        for info in infos:
            data = src.read(info)
            if info.filename == _TYPES:
                data = _stable_types(data, infos)
            if when is not None and info.filename == _CORE:
                data = _fix_time(data, when)
            if info.filename in parts:
                data = _cache(data, parts[info.filename])
            entry = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w") as part:
                if info.filename in extra:
                    _append_rows(data, extra[info.filename], part)
                else:
                    part.write(data)


def save(wb, path: Path, when: datetime | None = None, cached: dict[str, dict[str, Any]] | None = None,
         rows: dict[str, Rows] | None = None) -> None:
    with atomic_output(path) as fh:
        _write(wb, fh, when, cached, rows)
