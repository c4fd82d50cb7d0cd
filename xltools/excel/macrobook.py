"""The macro-enabled template (.xlsm): the standard workbook with a button bar on
every section's sheet. Each button runs a small VBA macro that asks the xlwings
add-in to call xltools.excel; the macros are written here from schemas/template.yaml,
packaged by openpyxl as it packages the macros of a workbook it loaded."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from xltools.excel.vba import Module, project
from xltools.model.schema import load_template, words
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.layout import load_layout

ADDIN = "xlwings.xlam"  # the file name `xlwings addin install` gives the add-in

_RUNNER = '''Private Sub RunXltools(action As String)
    On Error GoTo NoAddin
    Application.Run "'{addin}'!RunPython", "import xltools.excel; xltools.excel." & action & "()"
    Exit Sub
NoAddin:
    MsgBox {message}, vbExclamation, "xltools"
End Sub
'''


def _vba_text(lines: list[str]) -> str:
    """Lines as one VBA string expression: quotes doubled, lines joined by vbCrLf."""
    quoted = ['"' + line.replace('"', '""') + '"' for line in lines]
    return " & vbCrLf & _\n        ".join(quoted)


def install_command(lang: str = "zh") -> str:
    """The pip command that installs xltools with its Excel extra on the clerk's PC:
    the wheel this copy was installed from, where that file is (pip records it, PEP
    610); installed from a folder (the county's checkout, editable or not) or run
    from one, the wheel that folder builds, which the county hands out. Never the
    bare name: on the public package index, `xltools` is an unrelated project."""
    import json
    from importlib.metadata import PackageNotFoundError, distribution
    from urllib.parse import unquote, urlparse
    from urllib.request import url2pathname

    try:
        found = distribution("xltools")
        info, version = json.loads(found.read_text("direct_url.json") or "null"), found.version
    except PackageNotFoundError:
        info, version = None, None
    url = str((info or {}).get("url", ""))
    if url.startswith("file:") and "archive_info" in info:
        wheel = Path(url2pathname(unquote(urlparse(url).path)))
        if wheel.is_file():
            return f'pip install "{wheel}[excel]"'
    if version is None:
        return words(lang)["install_from_wheel"]
    return words(lang)["install_the_wheel"].format(wheel=f"xltools-{version}-py3-none-any.whl")


_BUTTON_WIDTH = 16  # characters: the column each button sits in

_VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel">'
             '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{n}"/></o:shapelayout>'
             '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
             '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
             'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>')

_VML_BUTTON = ('<v:shape id="_x0000_s{id}" type="#_x0000_t201" style="position:absolute;z-index:{z};'
               'mso-wrap-style:tight" o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" '
               'o:insetmode="auto"><v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
               '<o:lock v:ext="edit" rotation="t"/><v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
               '<div style="text-align:center"><font face="宋体" size="200" color="#000000">{caption}</font>'
               '</div></v:textbox><x:ClientData ObjectType="Button"><x:Anchor>{anchor}</x:Anchor>'
               '<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>'
               '<x:FmlaMacro>[0]!{macro}</x:FmlaMacro><x:TextHAlign>Center</x:TextHAlign>'
               '<x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>')

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                  '</Types>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>')


def macros() -> str:
    """The standard module behind the buttons."""
    buttons = load_template().excel.buttons
    subs = [f"Sub {b.macro}()\n    RunXltools \"{b.call}\"\nEnd Sub\n" for b in buttons]
    runner = _RUNNER.format(addin=ADDIN, message=_vba_text(words("zh")["excel_addin_missing"]))
    return "\n".join([runner, *subs])


def _vml(n: int, first_column: int) -> str:
    """Buttons side by side in the first two rows, from `first_column` (0-based) on."""
    shapes = [_VML_BUTTON.format(id=n * 1024 + i + 1, z=i + 1, caption=escape(b.caption), macro=b.macro,
                                 anchor=f"{first_column + i}, 4, 0, 4, {first_column + i}, 108, 1, 0")
              for i, b in enumerate(load_template().excel.buttons)]
    return _VML_HEAD.format(n=n) + "".join(shapes) + "</xml>"


def macro_workbook(unit: str | None = None, year: int | None = None):
    """The template as an openpyxl workbook carrying the VBA project and the buttons,
    and the values its formulas show."""
    from xltools.xlsx.writer import template_workbook

    layout = load_layout()
    wb, cached = template_workbook(unit, year)
    wb.code_name = "ThisWorkbook"
    modules = [Module("ThisWorkbook", "", "workbook")]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        # what openpyxl reads from the archive of a workbook whose macros it keeps
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        sheets = {s.name: s for s in layout.data_sheets}
        drawing = 0
        for i, ws in enumerate(wb.worksheets, start=1):
            ws.sheet_properties.codeName = f"Sheet{i}"
            modules.append(Module(f"Sheet{i}", "", "worksheet"))
            if ws.title not in sheets:
                continue
            drawing += 1
            first = sheets[ws.title].width + 1  # one empty column between the table and the bar
            for col in range(first + 1, first + 1 + len(load_template().excel.buttons)):
                ws.column_dimensions[col_letter(col)].width = _BUTTON_WIDTH
            ws.legacy_drawing = f"xl/drawings/vmlDrawing{drawing}.vml"
            z.writestr(ws.legacy_drawing, _vml(drawing, first))
        modules.append(Module("xltools", macros()))
        z.writestr("xl/vbaProject.bin", project(modules))
    wb.vba_archive = zipfile.ZipFile(io.BytesIO(archive.getvalue()))
    return wb, cached


def write_macro_template(path: str | Path, unit: str | None = None, year: int | None = None) -> None:
    from xltools.xlsx.saver import save
    from xltools.xlsx.writer import TEMPLATE_DATE

    wb, cached = macro_workbook(unit, year)
    save(wb, Path(path), when=TEMPLATE_DATE, cached=cached)
