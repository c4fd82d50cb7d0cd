"""Issue 24, the summary prints: the sheets a county prints (上报情况, 分类汇总,
质量评分, 来源, 各单位文字) on A4 landscape fitted to the page's width, their
header on every page, each wrapped row as tall as its text (spreadsheets do not
grow a row a program wrote); 明细's header as tall as its labels; 图表 says where
its tables are."""
from __future__ import annotations

import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES, SAMPLE_COUNTY

from xltools.model.schema import load_format
from xltools.xlsx.sizes import LINE_HEIGHT, wrapped_lines

PRINTED = ["上报情况", "分类汇总", "质量评分", "来源", "各单位文字"]
HEADERS = {"上报情况": "单位 统一社会信用代码 状态 错误数 警告数 主要问题 文件 类型",
           "分类汇总": "项目 本级 部门 乡镇街道 其他 合计",
           "质量评分": "单位 得分 满分 状态 扣分原因 雷同单位 文件",
           "来源": "文件 大小（字节） SHA-256 模板版本 修改时间 状态 说明",
           "各单位文字": "单位 部分 文字"}


@pytest.fixture(scope="module")
def summary(tmp_path_factory, cli) -> Path:
    """The sample county with its roster, less 财政局, with a report full of mistakes
    (several lines of 主要问题 and of 扣分原因) and a file that is no workbook."""
    tmp = tmp_path_factory.mktemp("print")
    inbox = tmp / "in"
    shutil.copytree(SAMPLE_COUNTY, inbox)
    (inbox / "示例县财政局.xlsx").unlink()
    (inbox / "示例县民政局.xlsx").write_text("junk", encoding="utf-8")
    shutil.copy(EXAMPLES / "mistakes-2023.xlsx", inbox)
    result = cli("merge", str(inbox), "-o", str(tmp / "s.xlsx"), "--unit", "示例县",
                 "--roster", str(EXAMPLES / "sample-county-roster.csv"))
    assert result.exit_code == 1, result.output  # excluded and missing units, as intended
    return tmp / "s.xlsx"


def _widths(ws) -> list[float]:
    return [ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(1, ws.max_column + 1)]


def test_printed_sheets_are_a4_landscape_fitted_to_width_with_their_header_on_each_page(summary):
    wb = openpyxl.load_workbook(summary)
    for name in PRINTED:
        ws = wb[name]
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9), name
        assert (setup.fitToWidth, setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True), name
        assert ws.print_title_rows, name
        first = int(re.match(r"\$(\d+):", ws.print_title_rows)[1])
        assert " ".join(str(c.value) for c in ws[first] if c.value) == HEADERS[name], name


def test_wrapped_rows_are_as_tall_as_their_text(summary):
    wb = openpyxl.load_workbook(summary)
    for name in ["上报情况", "质量评分", "来源", "各单位文字"]:
        ws = wb[name]
        widths = _widths(ws)
        for row in ws.iter_rows():
            lines = max(wrapped_lines(c.value, w) for c, w in zip(row, widths) if c.alignment.wrap_text)
            assert (ws.row_dimensions[row[0].row].height or LINE_HEIGHT) >= lines * LINE_HEIGHT, (name, row[0].row)
    status = wb["上报情况"]
    [mistakes] = [r for r in status.iter_rows(min_row=2) if r[0].value == "示例县错误示范镇人民政府"]
    assert mistakes[5].value.count("\n") >= 3  # its findings, one a line: all of them shown
    assert status.row_dimensions[mistakes[0].row].height >= 4 * LINE_HEIGHT


def test_the_detail_prints_across_with_its_header_and_units_on_each_page(summary):
    ws = openpyxl.load_workbook(summary)["明细"]
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize)) == ("landscape", 9)
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$2", "$A:$A")
    widths = _widths(ws)
    lines = max(wrapped_lines(c.value, w) for c, w in zip(ws[1], widths))
    assert lines > 5 and ws.row_dimensions[1].height >= lines * LINE_HEIGHT  # the labels above the numbers


def test_each_units_text_is_a_row_per_section(summary):
    from xltools import read

    rows = list(openpyxl.load_workbook(summary)["各单位文字"].iter_rows(values_only=True))
    sections = load_format().text_fields()
    assert rows[0] == ("单位", "部分", "文字")
    assert len(rows) == 1 + 12 * len(sections)  # merged: the 14 less 财政局, the junk 民政局 (错误示范镇 has errors)
    report = read(SAMPLE_COUNTY / "示例县公安局.xlsx")
    mine = [r for r in rows if r[0] == "示例县公安局"]
    assert [r[1] for r in mine] == [f.label for f in sections]
    assert [r[2] for r in mine] == [report.text.get(f.id) for f in sections]


def test_the_charts_note_says_the_tables_are_below_them(summary):
    ws = openpyxl.load_workbook(summary)["图表"]
    assert ws["A2"].value == ("以下图表是 Excel 原生图表，引用各图下方表格中的数字，"
                              "可在 Excel、WPS、LibreOffice 中修改、复制到文稿。")
    for chart in ws._charts:  # each chart stands above the rows it references, in columns from A
        ref = chart.series[0].val.numRef.f
        assert chart.anchor._from.row + 1 < int(re.search(r"\$(\d+):", ref)[1])


def _only(path: Path, keep: list[str], out: Path) -> Path:
    """A copy of the workbook in which only the sheets `keep` are visible (and
    printed): LibreOffice prints the hidden sheets that have a print area too."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet [^>]*name="([^"]*)"', xml)
        shown = {str(i) for i, n in enumerate(names) if n in keep}

        def state(m: re.Match) -> str:
            tag = m.group(0)
            hide = re.search(r'name="([^"]*)"', tag)[1] not in keep and "veryHidden" not in tag
            return re.sub(r'state="\w+"', 'state="hidden"', tag) if hide else tag

        xml = re.sub(r"<sheet [^>]*/>", state, xml)
        xml = re.sub(r'activeTab="\d+"', f'activeTab="{names.index(keep[0])}"', xml)
        xml = re.sub(r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">[^<]*</definedName>',
                     lambda m: m[0] if m[1] in shown else "", xml)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for name in z.namelist():
                copy.writestr(name, xml.encode() if name == "xl/workbook.xml" else z.read(name))
    return out


def test_the_printed_sheets_in_libreoffice(summary, soffice, tmp_path):
    """Measured on this county: 上报情况 1 page, 质量评分 2, 来源 1, 分类汇总 11, 各单位文字 6
    (21); before, 上报情况 took 4 portrait pages with its 主要问题 cut to their first line,
    and 各单位文字 8, a text column to a page, each cut to a line or two."""
    from pypdf import PdfReader

    pdf = soffice(_only(summary, PRINTED, tmp_path / "printed.xlsx"), "pdf")
    pages = PdfReader(pdf).pages
    texts = [p.extract_text() for p in pages]
    assert all(p.mediabox.width > p.mediabox.height for p in pages)  # landscape
    owner = [[name for name, header in HEADERS.items() if header in text] for text in texts]
    assert all(len(o) == 1 for o in owner), owner  # every page starts with its sheet's header
    counts = {name: sum(o == [name] for o in owner) for name in PRINTED}
    assert counts["上报情况"] == counts["来源"] == 1 and counts["质量评分"] <= 2, counts
    assert counts["分类汇总"] <= 12 and counts["各单位文字"] <= 7 and len(pages) <= 23, counts
    # every line of a wrapped cell is printed, not just its first: each character of the
    # cells is on the sheet's pages (compared as counts, whatever order the PDF's text is in)
    wb = openpyxl.load_workbook(summary)
    for name, column in [("上报情况", 5), ("各单位文字", 2)]:
        printed = Counter("".join(t for t, o in zip(texts, owner) if o == [name]))
        written = Counter("".join(r[column] or "" for r in wb[name].iter_rows(min_row=2, values_only=True)))
        for blank in " \n":
            written.pop(blank, None)
        assert not written - printed, (name, written - printed)
