"""`xltools import` on the layouts real reports come in (issue 15). Each test is a
small document in the style of a real page (HTML with empty cells, tab-separated
copies, PDF text with page footers and wrapped labels, OCR'd Markdown, run-together
web text) and asserts the exact values placed and the exact findings: a value is
placed only as the document prints it, and what cannot be placed is said."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools import read
from xltools.documents.importer import import_document
from xltools.documents.sources import from_text, read_document
from xltools.model.schema import leaves, load_format
from xltools.xlsx.layout import load_layout

FMT = load_format()
COLUMNS = [c.key for c in leaves(FMT.tables["requests"].blocks[0].columns)]
ROWS = {leaf.labels[-1]: leaf.key for leaf in leaves(FMT.tables["requests"].blocks[0].rows)}
APPEALS = [f.id for f in FMT.numeric_fields() if f.table == "appeals"]
TITLE = "某县某局2023年政府信息公开工作年度报告\n"
HEAD = TITLE + "三、收到和处理政府信息公开申请情况\n"
APPEALS_TABLE = "四、政府信息公开行政复议、行政诉讼情况\n行政复议\t行政诉讼\n" + "\t".join(["0"] * 15) + "\n"


def laid(*lines: list[tuple[int, str]]) -> str:
    """Lines of laid-out PDF text, each piece at its column (a CJK character is one
    column, as pdftotext and pypdf count them)."""
    out = []
    for pieces in lines:
        text = ""
        for at, piece in pieces:
            text += " " * (at - len(text)) + piece
        out.append(text)
    return "\n".join(out) + "\n"


def imported(text: str, wrapped: bool = False, kind: str = "text"):
    return import_document(from_text(Path("report.txt"), text, kind, wrapped=wrapped))


def row(result, key: str) -> list:
    return [result.report.values[f"requests.{key}.{c}"] for c in COLUMNS]


def said(result, *skip: tuple[str, str]) -> list[tuple]:
    """(rule, case) of every finding but those about parts these small documents
    leave out (sections, tables, rows)."""
    left_out = {("I3", "section"), ("I3", "table"), ("I3", "rows"), *skip}
    return [(f.rule, f.case) for f in result.findings if (f.rule, f.case) not in left_out]


def national(values: dict[str, list[int]], sep: str = "\t") -> str:
    """三's rows with their official labels, in order, numbers after the label."""
    return "".join(f"{label}{sep}{sep.join(map(str, values[key]))}\n" for label, key in ROWS.items() if key in values)


def complete(**given: list[int]) -> dict[str, list[int]]:
    """Every row of 三, zeros where not given."""
    return {key: given.get(key.replace(".", "_"), [0] * 7) for key in ROWS.values()}


# --- 1. a total that was not read is not a 0 ------------------------------------------

def _cell(path: Path, fid: str):
    area = load_layout().cells[fid]
    return openpyxl.load_workbook(path)[area.sheet][area.a1].value


def test_a_row_not_read_leaves_its_total_blank_and_a_read_total_as_published(tmp_path, cli):
    values = complete(new=[150, 3, 0, 0, 0, 1, 154], granted=[150, 3, 0, 0, 0, 1, 154],
                      results_total=[150, 3, 0, 0, 0, 1, 154])
    text = HEAD + national(values).replace("（一）予以公开\t150\t3\t0\t0\t0\t1\t154",
                                           "（一）予以公开\t150\t3\t0\t1\t154")
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")
    run = cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.xlsx"), "-f", "json")
    findings = json.loads(run.output)["files"][0]["findings"]
    assert run.exit_code == 0, run.output
    # the refused row: its cells and its total blank, no SUM over them showing 0
    assert _cell(tmp_path / "r.xlsx", "requests.granted.total") is None
    assert read(tmp_path / "r.xlsx").values["requests.granted.total"] is None
    # the totals the document printed stay as printed, numbers rather than formulas over unread cells
    assert _cell(tmp_path / "r.xlsx", "requests.results_total.total") == 154
    assert read(tmp_path / "r.xlsx").values["requests.results_total.natural_person"] == 150
    assert [(f["rule"], f["actual"]) for f in findings if f["rule"] == "I1"] == [("I1", 5)]


def test_totals_the_document_leaves_out_stay_formulas_over_cells_read(tmp_path, cli):
    values = complete(new=[2, 1, 0, 0, 0, 0, 3], granted=[2, 1, 0, 0, 0, 0, 3])
    del values["results_total"]  # the report prints no （七）总计 row
    (tmp_path / "r.txt").write_text(HEAD + national(values) + APPEALS_TABLE, encoding="utf-8")
    run = cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.xlsx"))
    assert run.exit_code == 0, run.output
    assert str(_cell(tmp_path / "r.xlsx", "requests.results_total.total")).startswith("=SUM(")
    assert read(tmp_path / "r.xlsx").values["requests.results_total.total"] == 3
    assert " I8 " not in run.output and " R" not in run.output


# --- 2. numbers separated by spaces are never run-together digits ----------------------

def test_separated_numbers_fewer_than_the_columns_are_not_split():
    # PDF text: 予以公开 with blank columns reads "258 12 1 1": seven digits, but four numbers
    result = imported(HEAD + "（一）予以公开                258  12   1   1\n", wrapped=True)
    assert row(result, "granted") == [None] * 7
    assert [(f.rule, f.case, f.expected, f.actual, f.params["found"]) for f in result.findings if f.rule == "I1"] \
        == [("I1", "count", 7, 4, "258 12 1 1")]


def test_the_same_row_copied_with_tabs_or_single_spaces_is_not_split_either():
    for line in ("（一）予以公开\t258\t12\t1\t1\n", "（一）予以公开 258 12 1 1\n"):
        result = imported(HEAD + line)
        assert row(result, "granted") == [None] * 7
        assert said(result) == [("I1", "count")]


def test_digits_with_no_separator_at_all_are_split():
    result = imported(HEAD + "（一）予以公开 15130000154\n")
    assert row(result, "granted") == [151, 3, 0, 0, 0, 0, 154]
    assert said(result) == [("I5", "split")]


# --- 3. a number wrapped inside a PDF table cell is not truncated ------------------------

PDF_FEES = ("某县某局\n2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（八）项\n"
            "信息内容         本年收费金额（单位：万元）\n")


def test_a_wrapped_number_is_joined_to_the_number_above_it():
    text = PDF_FEES + laid([(0, "行政事业性收费"), (13, "3.9")], [(13, "2")])
    result = imported(text, wrapped=True)
    assert result.report.values["proactive.fee.amount"] == Decimal("3.92")
    assert said(result) == []


def test_a_number_wrapped_over_several_lines_is_joined_whole():
    text = PDF_FEES + laid([(0, "行政事业性收费"), (13, "12")], [(13, "34")], [(13, "56.")], [(13, "78")])
    assert imported(text, wrapped=True).report.values["proactive.fee.amount"] == Decimal("123456.78")


def test_a_piece_under_no_number_refuses_the_row():
    text = PDF_FEES + laid([(0, "行政事业性收费"), (13, "3.9")], [(30, "2")])
    result = imported(text, wrapped=True)
    assert result.report.values["proactive.fee.amount"] is None
    assert [(f.rule, f.case, f.params["found"]) for f in result.findings if f.rule == "I1"] == [("I1", "wrapped", "2")]


def test_wrapped_numbers_and_a_wrapped_label_of_three():
    text = HEAD + laid([(0, "一、本年新收政府信息公开"), (20, "12345"), (28, "4"), (33, "22"), (38, "25"), (43, "11"),
                        (48, "16"), (53, "12346")], [(0, "申请数量"), (20, "67"), (53, "67")])
    result = imported(text, wrapped=True)
    assert row(result, "new") == [1234567, 4, 22, 25, 11, 16, 1234667]  # "申请数量" ends the label
    assert said(result) == []


def test_wrapped_numbers_of_four_are_joined_by_column():
    text = (TITLE + "四、政府信息公开行政复议、行政诉讼情况\n行政复议             行政诉讼\n"
            "结果维持 结果纠正 其他结果 尚未审结 总计\n"
            "12 5   0  0   12 10  0  0   0  10  0  0   0  0   0\n"
            "34            39\n")
    result = imported(text, wrapped=True)
    assert [result.report.values[f] for f in APPEALS] == [1234, 5, 0, 0, 1239, 10, 0, 0, 0, 10, 0, 0, 0, 0, 0]


def test_a_word_cell_too_narrow_for_its_number_printed_to_pdf(tmp_path, soffice):
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    d = docx.Document()
    d.add_paragraph("某县某局2023年政府信息公开工作年度报告")
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=3, cols=2)
    t.style = "Table Grid"
    for r, (label, value) in enumerate([("第二十条第（八）项", ""), ("信息内容", "本年收费金额（单位：万元）"),
                                        ("行政事业性收费", "3.92")]):
        t.cell(r, 0).text, t.cell(r, 1).text = label, value
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    t._tbl.tblPr.append(layout)
    for col, width in zip(t._tbl.tblGrid.gridCol_lst, (Cm(4), Cm(1.0))):
        col.w = width
    for r in t.rows:
        r.cells[0].width, r.cells[1].width = Cm(4), Cm(1.0)
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t = d.add_table(rows=3, cols=15)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(0, 4)).text = "行政复议"
    t.cell(0, 5).merge(t.cell(0, 14)).text = "行政诉讼"
    for j, label in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3):
        t.cell(1, j).text = label
    for j, value in enumerate([1234, 5, 0, 0, 1239, 10, 0, 0, 0, 10, 0, 0, 0, 0, 0]):
        t.cell(2, j).text = str(value)
    for r in t.rows:
        for c in r.cells:
            c.width = Cm(0.8)
    d.save(str(tmp_path / "narrow.docx"))
    pdf = soffice(tmp_path / "narrow.docx", "pdf")
    text = "\n".join(ln.text for ln in read_document(pdf).lines)
    assert "3.9" in text and "3.92" not in text  # the cell did wrap
    result = import_document(read_document(pdf))
    assert result.report.values["proactive.fee.amount"] == Decimal("3.92")
    assert [result.report.values[f] for f in APPEALS] == [1234, 5, 0, 0, 1239, 10, 0, 0, 0, 10, 0, 0, 0, 0, 0]


# --- 4. check does not blame the report for what import did not read ------------------

def test_check_judges_only_what_was_imported(tmp_path, cli):
    values = complete(new=[3, 0, 0, 0, 0, 0, 3], granted=[3, 0, 0, 0, 0, 0, 3], results_total=[3, 0, 0, 0, 0, 0, 3])
    text = HEAD + national(values).replace("（一）予以公开\t3\t0\t0\t0\t0\t0\t3", "（一）予以公开\t3\t0\t3")
    text += ("四、政府信息公开行政复议、行政诉讼情况\n行政复议\t行政诉讼\n"
             + "\t".join(["1", "0", "0", "0", "0"] + ["0"] * 10))
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")
    run = cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.xlsx"), "-f", "json")
    findings = json.loads(run.output)["files"][0]["findings"]
    # the report's own mistake is found: 四's 行政复议 adds up to 1, its 总计 says 0
    assert [(f["rule"], f["cells"][0]) for f in findings if f["rule"].startswith("R")] == [("R4", "四、复议诉讼!E6")]
    assert run.exit_code == 1
    # the unread row is never blamed: one I8 per equation it is part of (its row, its seven columns)
    unjudged = [f for f in findings if f["rule"] == "I8"]
    assert [(f["cells"][0], f["message"]) for f in unjudged][:2] == [
        ("三、依申请公开!J8",
         "三、依申请公开!J8（三、本年度办理结果 / （一）予以公开 / 申请人情况 / 总计）的 R3 未核对："
         "所涉单元格 J8、D8、E8、F8、G8、H8、I8 未导入，无法核对。"),
        ("三、依申请公开!D29",
         "三、依申请公开!D29（三、本年度办理结果 / （七）总计 / 申请人情况 / 自然人）的 R2 未核对："
         "所涉单元格 D8 未导入，无法核对。")]
    assert len(unjudged) == 8
    assert not [f for f in findings if f["rule"] == "W6" and "三、依申请公开!D8" in f["cells"]]


def test_without_unread_cells_nothing_is_left_unjudged(tmp_path, cli):
    (tmp_path / "r.txt").write_text(HEAD + national(complete()) + APPEALS_TABLE, encoding="utf-8")
    run = cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.xlsx"))
    assert "I8" not in run.output and " R" not in run.output


# --- 5. blank cells are positions ---------------------------------------------------------

def test_html_empty_cells_are_blank_positions(tmp_path):
    page = ("<html><body><p>某县某镇人民政府2023年政府信息公开工作年度报告</p>"
            "<h2>三、收到和处理政府信息公开申请情况</h2>"
            "<table><tr><td colspan=3>一、本年新收政府信息公开申请数量</td><td>26</td><td></td><td></td><td></td>"
            "<td></td><td></td><td>26</td></tr>"
            "<tr><td colspan=3>二、上年结转政府信息公开申请数量</td><td></td><td></td><td></td><td></td><td></td>"
            "<td></td><td></td></tr>"
            "<tr><td rowspan=22>三、本年度办理结果</td><td colspan=2>（一）予以公开</td><td>20</td>"
            "<td colspan=5></td><td>20</td></tr></table></body></html>").encode()
    (tmp_path / "page.html").write_bytes(page)
    result = import_document(read_document(tmp_path / "page.html"))
    assert row(result, "new") == [26, None, None, None, None, None, 26]
    assert row(result, "carried_in") == [None] * 7  # an empty row, as published
    assert row(result, "granted") == [20, None, None, None, None, None, 20]
    assert not {f"requests.{k}.{c}" for k in ("new", "carried_in", "granted") for c in COLUMNS} & result.unread
    assert said(result) == []


@pytest.mark.parametrize("line, values", [
    ("一、本年新收政府信息公开申请数量\t26\t\t\t\t\t\t26", [26, None, None, None, None, None, 26]),
    ("一、本年新收政府信息公开申请数量\t821\t35\t\t\t2\t1\t859", [821, 35, None, None, 2, 1, 859]),
    # copied with a label's span:
    ("一、本年新收政府信息公开申请数量\t\t821\t35\t\t\t2\t1\t859\t", [821, 35, None, None, 2, 1, 859]),
    ("| 一、本年新收政府信息公开申请数量 |  |  | 821 | 35 |  |  | 2 | 1 | 859 |", [821, 35, None, None, 2, 1, 859]),
])
def test_tab_and_markdown_copies_keep_their_empty_cells(line, values):
    result = imported(HEAD + line + "\n")
    assert row(result, "new") == values
    assert said(result) == []


def test_blank_cells_are_checked_as_blanks(tmp_path, cli):
    (tmp_path / "r.txt").write_text(HEAD + national(complete()).replace(
        "一、本年新收政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0",
        "一、本年新收政府信息公开申请数量\t26\t\t\t\t\t\t26").replace(
        "（七）总计\t0\t0\t0\t0\t0\t0\t0", "（七）总计\t26\t0\t0\t0\t0\t0\t26").replace(
        "（一）予以公开\t0\t0\t0\t0\t0\t0\t0", "（一）予以公开\t26\t0\t0\t0\t0\t0\t26"), encoding="utf-8")
    run = cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.xlsx"), "-f", "json")
    findings = json.loads(run.output)["files"][0]["findings"]
    assert run.exit_code == 0
    assert [f["cells"] for f in findings if f["rule"] == "W6" and f["cells"][0].startswith("三")] == [
        [f"三、依申请公开!{c}6" for c in "EFGHI"]]


def test_a_word_table_with_empty_cells(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("某县某局2023年政府信息公开工作年度报告")
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=1, cols=8)
    for j, text in enumerate(["一、本年新收政府信息公开申请数量", "821", "35", "", "", "2", "1", "859"]):
        t.cell(0, j).text = text
    d.save(str(tmp_path / "r.docx"))
    result = import_document(read_document(tmp_path / "r.docx"))
    assert row(result, "new") == [821, 35, None, None, 2, 1, 859]


# --- 6. the year, in any published form of the title, and the statistics period ----------

@pytest.mark.parametrize("title, unit", [
    ("2023年上海市黄浦区人民政府政府信息公开工作年度报告", "上海市黄浦区人民政府"),  # the year first
    ("某县人民政府2023年政府信息公开年度报告", "某县人民政府"),                    # without 工作
    ("某县人民政府2023年度政府信息公开工作年度报告", "某县人民政府"),
    ("某县人民政府\n2023年政府信息公开\n工作年度报告", "某县人民政府"),           # wrapped over lines
    ("标题: 某县人民政府2023年度政府信息公开工作年度报告", "某县人民政府"),        # a web page's crawl
    ("某县人民政府政府信息公开工作年度报告（2023年度）", "某县人民政府"),
])
def test_the_title_in_its_published_forms(title, unit):
    result = imported(title + "\n一、总体情况\n本报告所列数据的统计期限为2023年1月1日至2023年12月31日。\n")
    assert (result.report.unit, result.report.year) == (unit, 2023)
    assert said(result, ("I3", "subsections")) == []


def test_the_statistics_period_gives_the_year_a_title_lacks():
    result = imported("某县人民政府政府信息公开工作年度报告\n一、总体情况\n"
                      "本报告中所列数据统计期限自 2025 年 1 月 1 日\n起至 2025 年 12 月 31 日止。\n", wrapped=True)
    assert (result.report.unit, result.report.year) == ("某县人民政府", 2025)
    assert said(result, ("I3", "subsections")) == []


def test_a_title_and_a_period_that_disagree_are_reported():
    result = imported("某县人民政府2024年政府信息公开工作年度报告\n一、总体情况\n"
                      "本报告所列数据的统计期限为2023年1月1日至2023年12月31日。\n")
    assert result.report.year == 2024
    [f] = [f for f in result.findings if f.rule == "I7"]
    assert (f.fields, f.cells, f.expected, f.actual) == (["year"], ["封面!B6"], 2023, 2024)
    assert f.message() == ("标题的年度为 2024 年，而正文的统计期限为 2023 年"
                           "（“统计期限为2023年1月1日至2023年12月31日”），已按标题导入。")


# --- 7. PDF and OCR text: footers, labels cut across lines, rows by order -----------------

PDF_TABLE = """                 某县人民政府办公室
        2023 年政府信息公开工作年度报告
    三、收到和处理政府信息公开申请情况
一、本年新收政府信息公开申请数量                21    0    0    0   0   0    21
二、上年结转政府信息公开申请数量                 0    0    0    0   0   0     0
         （一）予以公开                           8    0    0    0   0   0     8
         （二）部分公开（区分处理的，只计这一情
         形，不计其他情形）
                                                  4    0    0    0   0   0     4
                   1.属于国家秘密                 1    0    0    0   0   0     1

                                      — 4 —

                   2.其他法律行政法规禁止公开     0    0    0    0   0   0     0
                                                  2    0    0    0   0   0     2
                   4.保护第三方合法权益           0    0    0    0   0   0     0
                   1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公   0    0    0    0   0   0     0
                   开申请
                   2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公
                   开申请                         0    0    0    0   0   0     0
                                    第 5 页
                   3.其他                         6    0    0    0   0   0     6
                                      -6-
     （七）总计                                  21    0    0    0   0   0    21
"""


def test_pdf_text_with_footers_wrapped_labels_and_a_row_without_its_label():
    result = imported(PDF_TABLE, wrapped=True)
    assert row(result, "partly_granted") == [4, 0, 0, 0, 0, 0, 4]        # label over two lines above its numbers
    assert row(result, "other_handling.no_correction") == [0] * 7       # label cut: "…政府信息公" / "开申请"
    assert row(result, "other_handling.fee_unpaid") == [0] * 7
    assert row(result, "other_handling.other") == [6, 0, 0, 0, 0, 0, 6]  # "第 5 页" and "-6-" are not numbers
    assert row(result, "refused.three_securities_one_stability") == [2, 0, 0, 0, 0, 0, 2]
    [f] = [f for f in result.findings if f.rule == "I6"]
    assert f.message() == ("第 15 行的数字（2 0 0 0 0 0 2）没有标签，位于“2.其他法律行政法规禁止公开”与"
                           "“4.保护第三方合法权益”之间，已按国家格式的行序记入“3.危及“三安全一稳定””。")
    assert f.cells == [f"三、依申请公开!{c}12" for c in "DEFGHIJ"]
    assert said(result) == [("I6", "order")]


def test_numbers_without_a_label_are_placed_only_where_one_row_is_missing():
    text = PDF_TABLE.replace("                   4.保护第三方合法权益           0    0    0    0   0   0     0\n", "")
    result = imported(text, wrapped=True)  # two rows missing, one row of numbers: which is it?
    assert row(result, "refused.three_securities_one_stability") == [None] * 7
    assert row(result, "refused.third_party_rights") == [None] * 7
    assert said(result) == [("I1", "unlabelled")]


def test_numbers_without_a_label_go_by_their_neighbours_order_not_the_tables():
    # rows elsewhere out of the national order do not make this one less certain (issue 27 item 1)
    text = PDF_TABLE.replace("         （一）予以公开                           8", "         3.其他    8").replace(
        "                   3.其他                         6", "                   （一）予以公开                 6")
    result = imported(text, wrapped=True)
    assert row(result, "refused.three_securities_one_stability") == [2, 0, 0, 0, 0, 0, 2]
    assert said(result) == [("I6", "order")]
    # its own neighbours out of the order: no row lies between them
    second, fourth = "2.其他法律行政法规禁止公开     0", "4.保护第三方合法权益           0"
    text = PDF_TABLE.replace(second, "@").replace(fourth, second).replace("@", fourth)
    result = imported(text, wrapped=True)
    assert row(result, "refused.three_securities_one_stability") == [None] * 7
    assert said(result) == [("I1", "unlabelled")]


def test_ocr_markdown_with_a_page_footer_inside_the_table():
    text = (TITLE + "## 三、收到和处理政府信息公开申请情况\n\n"
            "| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | | | 申请人情况 | | | | | | |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            "| 一、本年新收政府信息公开申请数量 | | | 26 | 0 | 0 | 0 | 0 | 0 | 26 |\n"
            "— 4 —\n"
            "| 二、上年结转政府信息公开申请数量 | | | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
            "| 三、本年度办理结果 | （一）予以公开 | | 20 | | | | | | 20 |\n")
    result = imported(text)
    assert row(result, "new") == [26, 0, 0, 0, 0, 0, 26]
    assert row(result, "carried_in") == [1, 0, 0, 0, 0, 0, 1]
    assert row(result, "granted") == [20, None, None, None, None, None, 20]
    assert said(result) == []


# --- 8. labels without their numbering --------------------------------------------------

def test_labels_without_their_item_numbers():
    result = imported(HEAD + "予以公开\t5\t0\t0\t0\t0\t0\t5\n属于国家秘密\t1\t0\t0\t0\t0\t0\t1\n"
                      "本机关不掌握相关政府信息\t2\t0\t0\t0\t0\t0\t2\n总计\t8\t0\t0\t0\t0\t0\t8\n")
    assert row(result, "granted") == [5, 0, 0, 0, 0, 0, 5]
    assert row(result, "refused.state_secret") == [1, 0, 0, 0, 0, 0, 1]
    assert row(result, "unavailable.not_held") == [2, 0, 0, 0, 0, 0, 2]
    assert row(result, "results_total") == [8, 0, 0, 0, 0, 0, 8]
    assert said(result) == []


# --- 9. reports that number their own chapters ------------------------------------------

OWN_OUTLINE = """某县水利局2023年政府信息公开工作年度报告
一、总体情况
（一）主动公开：全年主动公开信息120条。
（二）依申请公开：全年收到申请3件。
（三）政府信息管理：及时清理规范性文件。
（四）政府信息公开平台建设：完善政府网站栏目。
（五）监督保障：开展培训2次。
二、政府信息公开工作情况
一、主动公开政府信息情况
第二十条第（一）项
信息内容\t本年制发件数\t本年废止件数\t现行有效件数
规章\t0\t0\t0
行政规范性文件\t2\t1\t9
二、收到和处理政府信息公开申请情况
一、本年新收政府信息公开申请数量\t3\t0\t0\t0\t0\t0\t3
三、政府信息公开行政复议、行政诉讼情况
行政复议\t行政诉讼
1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0
三、存在的主要问题及改进情况
信息公开的及时性有待提高。
四、其他需要报告的事项
本年度未收取信息处理费。
"""


def test_a_report_with_an_outline_of_its_own():
    result = imported(OWN_OUTLINE)
    v = result.report.values
    assert (v["proactive.normative.issued"], v["proactive.normative.repealed"], v["proactive.normative.in_force"]) \
        == (2, 1, 9)
    assert row(result, "new") == [3, 0, 0, 0, 0, 0, 3]
    assert [v[f] for f in APPEALS] == [1, 0, 0, 0, 1] + [0] * 10
    assert result.report.text["overview.supervision"] == "开展培训2次。"  # not the chapter heading after it
    assert result.report.text["problems"] == "信息公开的及时性有待提高。"
    assert result.report.text["other"] == "本年度未收取信息处理费。"
    assert said(result) == []


def test_tables_after_all_the_text():
    text = (TITLE + "一、总体情况\n（一）主动公开：全年主动公开信息120条。\n"
            "二、主动公开政府信息情况\n本年度主动公开情况见附表1。\n"
            "三、收到和处理政府信息公开申请情况\n见附表2。\n四、政府信息公开行政复议、行政诉讼情况\n见附表3。\n"
            "五、存在的主要问题及改进情况\n信息公开的及时性有待提高。\n六、其他需要报告的事项\n本年度未收取信息处理费。\n"
            "附表1\n第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n"
            "行政规范性文件\t2\t1\t9\n附表2\n（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
            "一、本年新收政府信息公开申请数量\t3\t0\t0\t0\t0\t0\t3\n附表3\n行政复议\t行政诉讼\n"
            "1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n")
    result = imported(text)
    assert result.report.values["proactive.normative.in_force"] == 9
    assert row(result, "new") == [3, 0, 0, 0, 0, 0, 3]
    assert [result.report.values[f] for f in APPEALS] == [1, 0, 0, 0, 1] + [0] * 10
    assert result.report.text["other"] == "本年度未收取信息处理费。"
    assert said(result, ("I3", "intro")) == []


# --- 10. numbers with units in table cells -----------------------------------------------

def test_numbers_with_units_are_read_and_said():
    text = (TITLE + "二、主动公开政府信息情况\n第二十条第（八）项\n信息内容\t本年收费金额（单位：万元）\n"
            "行政事业性收费\t3.5万元\n三、收到和处理政府信息公开申请情况\n"
            "一、本年新收政府信息公开申请数量\t26件\t0\t0\t0\t0\t0\t26件\n")
    result = imported(text)
    assert result.report.values["proactive.fee.amount"] == Decimal("3.5")
    assert row(result, "new") == [26, 0, 0, 0, 0, 0, 26]
    units = [f for f in result.findings if f.rule == "W0"]
    assert [(f.case, f.fields, f.message()) for f in units] == [
        ("document", ["proactive.fee.amount"], "文档第 5 行“行政事业性收费”的数字带有单位（3.5万元），已按 3.5 读取。"),
        ("document", ["requests.new.natural_person", "requests.new.total"],
         "文档第 7 行“一、本年新收政府信息公开申请数量”的数字带有单位（26件、26件），已按 26、26 读取。")]


# --- 11. the 2019 single （六）其他处理 row ------------------------------------------------

def test_a_2019_other_handling_row_goes_to_3_other(tmp_path, cli):
    values = complete(new=[5, 0, 0, 0, 0, 0, 5], granted=[1, 0, 0, 0, 0, 0, 1], results_total=[5, 0, 0, 0, 0, 0, 5])
    old = {k: v for k, v in values.items() if not k.startswith("other_handling.")}
    text = HEAD + national(old).replace("（七）总计", "（六）其他处理\t4\t0\t0\t0\t0\t0\t4\n（七）总计")
    result = imported(text)
    assert row(result, "other_handling.other") == [4, 0, 0, 0, 0, 0, 4]
    assert row(result, "other_handling.no_correction") == row(result, "other_handling.fee_unpaid") == [None] * 7
    [f] = [f for f in result.findings if f.rule == "I4"]
    assert (f.case, f.cells[0]) == ("into", "三、依申请公开!D28")
    assert f.message().startswith("第 23 行“（六）其他处理”是 2019 年格式的一行（4 0 0 0 0 0 4），"
                                  "已记入 2021 年格式的“3.其他”；")
    (tmp_path / "r.txt").write_text(text + APPEALS_TABLE, encoding="utf-8")
    run = cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.xlsx"))
    assert run.exit_code == 0 and " R2 " not in run.output and "I8" not in run.output  # 三 adds up, 1. and 2. blank


# --- 12. run-together digits, guided by the row's own total -------------------------------

def test_a_run_split_by_its_total_says_so():
    result = imported(TITLE + "三、收到和处理政府信息公开申请情况一、本年新收政府信息公开申请数量15130000154"
                              "二、上年结转政府信息公开申请数量0000000")
    assert row(result, "new") == [151, 3, 0, 0, 0, 0, 154]
    assert row(result, "carried_in") == [0] * 7  # one reading only: no finding
    [f] = [f for f in result.findings if f.rule == "I5"]
    assert f.message() == ("第 2 行“一、本年新收政府信息公开申请数量”的数字连在一起（“15130000154”），"
                           "按本行合计拆分为 151 3 0 0 0 0 154（31 种读法中唯一合计相符的一种）。")
    assert f.fields == [f"requests.new.{c}" for c in COLUMNS]


def test_a_run_with_two_readings_that_add_up_is_not_placed():
    result = imported(TITLE + "三、收到和处理政府信息公开申请情况（一）予以公开270020130")
    assert row(result, "granted") == [None] * 7
    [f] = [f for f in result.findings if f.rule == "I2"]
    assert (f.case, f.actual, f.params["candidates"]) == ("sums", 2, ["2 7 0 0 20 1 30", "27 0 0 2 0 1 30"])


def test_four_split_by_its_three_totals_and_a_space_is_a_boundary():
    result = imported(TITLE + "三、收到和处理政府信息公开申请情况一、本年新收政府信息公开申请数量230 000023"
                              "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
                              "10203120001200000五、存在的主要问题及改进情况无。")
    assert row(result, "new") == [23, 0, 0, 0, 0, 0, 23]
    assert [result.report.values[f] for f in APPEALS] == [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]
    assert [f.rule for f in result.findings if f.rule in ("I2", "I5")] == ["I5", "I5"]


def test_a_run_in_a_row_without_a_total_is_not_placed():
    result = imported(TITLE + "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数"
                              "规章000行政规范性文件693665")
    assert result.report.values["proactive.normative.issued"] is None
    [f] = [f for f in result.findings if f.rule == "I2"]
    assert (f.case, f.params["candidates"]) == ("ambiguous", ["6 9 3665", "6 93 665", "6 936 65"])


# --- 13. names are kept as written ------------------------------------------------------

def test_a_unit_name_keeps_its_full_width_brackets(tmp_path, cli):
    (tmp_path / "r.txt").write_text("某县（高新区）管委会2023年政府信息公开工作年度报告\n", encoding="utf-8")
    run = cli("import", str(tmp_path / "r.txt"), "--out-dir", str(tmp_path))
    assert run.exit_code == 0
    assert read(tmp_path / "某县（高新区）管委会-2023.xlsx").unit == "某县（高新区）管委会"


# --- round trips: publish → import stays exact -------------------------------------------

@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), unit=st.text(alphabet="某县（高新区）管委会教育局人民政府", min_size=2, max_size=14),
       amount=st.integers(10**14, 10**15 - 1).map(lambda n: Decimal(n).scaleb(-6)))
def test_a_published_pdf_with_wide_numbers_and_brackets_imports_back_exactly(tmp_path, soffice, seed, unit, amount):
    """publish gives every number column its widest number's width, so even a huge
    amount prints on one line; wrapped cells are tested with Word files made to wrap."""
    import random

    from samples import sample_report
    from xltools.documents.publish import publish

    report = sample_report(unit, 2024, random.Random(seed))
    report.values["proactive.fee.amount"] = amount
    publish(report, tmp_path / "r.docx")
    pdf = soffice(tmp_path / "r.docx", "pdf")
    assert str(amount) in "\n".join(ln.text for ln in read_document(pdf).lines)  # on one line
    back = import_document(read_document(pdf))
    assert (back.report.unit, back.report.year) == (unit, 2024)
    assert back.report.values == report.values


def test_the_workbook_remembers_what_was_not_read_until_it_is_filled(tmp_path, cli):
    values = complete(new=[3, 0, 0, 0, 0, 0, 3], granted=[3, 0, 0, 0, 0, 0, 3], results_total=[3, 0, 0, 0, 0, 0, 3])
    text = HEAD + national(values).replace("（一）予以公开\t3\t0\t0\t0\t0\t0\t3", "（一）予以公开\t3\t0\t3")
    (tmp_path / "r.txt").write_text(text + APPEALS_TABLE, encoding="utf-8")
    cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "r.xlsx"))
    later = cli("check", str(tmp_path / "r.xlsx"), "--format", "json")
    findings = json.loads(later.output)["files"][0]["findings"]
    assert later.exit_code == 0
    assert sorted({f["rule"] for f in findings}) == ["I8"]  # the refused row and the fee table: not judged
    exported = json.loads(cli("export", str(tmp_path / "r.xlsx")).output)
    assert exported["values"]["requests.granted.total"] is None
    # the clerk fills the row from the document: now it is judged like any other
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    for c, v in zip("DEFGHIJ", [3, 0, 0, 0, 0, 0, 2]):
        wb["三、依申请公开"][f"{c}8"] = v
    wb.save(tmp_path / "r.xlsx")
    filled = cli("check", str(tmp_path / "r.xlsx"), "--format", "json")
    rules = [(f["rule"], f["cells"][0]) for f in json.loads(filled.output)["files"][0]["findings"]]
    assert ("R3", "三、依申请公开!J8") in rules and not [r for r in rules if r[0] == "I8"]


def test_merge_leaves_out_a_workbook_whose_import_is_incomplete(tmp_path, cli):
    import shutil

    from conftest import SAMPLE_COUNTY

    values = complete(new=[3, 0, 0, 0, 0, 0, 3], granted=[3, 0, 0, 0, 0, 0, 3], results_total=[3, 0, 0, 0, 0, 0, 3])
    text = HEAD + national(values).replace("（一）予以公开\t3\t0\t0\t0\t0\t0\t3", "（一）予以公开\t3\t0\t3")
    (tmp_path / "r.txt").write_text(text + APPEALS_TABLE, encoding="utf-8")
    shutil.copytree(SAMPLE_COUNTY, tmp_path / "in")
    cli("import", str(tmp_path / "r.txt"), "-o", str(tmp_path / "in" / "imported.xlsx"))
    run = cli("merge", str(tmp_path / "in"), "-o", str(tmp_path / "s.xlsx"), "--unit", "示例县")
    assert run.exit_code == 1
    assert f"导入不全  某县某局  {tmp_path / 'in' / 'imported.xlsx'}" in run.output
    assert cli("check", str(tmp_path / "s.xlsx")).exit_code == 0  # the sum of the rest holds


def test_pdftotext_output_saved_as_text_is_read_as_a_printed_page(tmp_path):
    text = HEAD + laid([(0, "一、本年新收政府信息公开"), (20, "12345"), (28, "4"), (33, "22"), (38, "25"), (43, "11"),
                        (48, "16"), (53, "12346")], [(0, "申请数量"), (20, "67"), (53, "67")])
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")  # no form feed: laid out, all the same
    result = import_document(read_document(tmp_path / "r.txt"))
    assert row(result, "new") == [1234567, 4, 22, 25, 11, 16, 1234667]


def test_a_statistics_period_that_names_its_year_once():
    result = imported("某县人民政府政府信息公开工作年度报告\n一、总体情况\n本报告统计时限为2023年1月1日至12月31日。\n")
    assert result.report.year == 2023


def test_a_subsection_heading_run_into_its_paragraph_keeps_the_paragraph_whole():
    """PDF text: the heading's line and the paragraph's first line are one
    paragraph after the lines are joined; the heading ends with its label."""
    from xltools.documents.importer import import_document
    from xltools.documents.sources import from_text

    text = ("示例县民政局2023年政府信息公开工作年度报告\n一、总体情况\n"
            "（一）主动公开2023年，示例县民政局坚持以公开为常态、\n"
            "不公开为例外。\n（二）依申请公开情况：本年度新收申请3件。\n")
    report = import_document(from_text(Path("r.txt"), text, wrapped=True)).report
    assert report.text["overview.proactive"] == "2023年，示例县民政局坚持以公开为常态、不公开为例外。"
    assert report.text["overview.requests"] == "本年度新收申请3件。"


# --- issue 27: never a guess; read more (documents in tests/data/import_patterns) -------

PATTERNS = Path(__file__).parent / "data" / "import_patterns"


def pattern(name: str):
    """A pattern document imported, checked to place nothing but what its JSON says
    the report prints; with the cells it does not place."""
    result = import_document(read_document(PATTERNS / name))
    text = (PATTERNS / name).with_suffix(".json").read_text(encoding="utf-8")
    truth = json.loads(text, parse_float=Decimal)["values"]  # 万元 as import reads it
    placed = {k: v for k, v in result.report.values.items() if k not in result.unread}
    assert {k: (v, truth[k]) for k, v in placed.items() if k in truth and v != truth[k]} == {}
    named = {fid for f in result.findings for fid in f.fields}
    assert set(truth) - set(placed) - named == set()  # what is not placed, a finding names
    return result, {k for k in truth if k not in placed}


def test_labels_printed_apart_from_their_numbers_are_never_paired_by_position():
    # "1.本机关不掌握相关政/府信息/5.属于三类内部事务信/息" over two label-less rows in the
    # other order: pairing by position wrote 1 where the report has 4; and two label-less
    # rows whose labels follow them, in the other order: placed by order they swapped 2 and 0
    result, missing = pattern("item1_labels_apart.md")
    rows = ("refused.internal_affairs", "unavailable.not_held", "not_processed.repeated", "not_processed.publication")
    assert missing == {f"requests.{r}.{c}" for r in rows for c in COLUMNS}
    assert [f.message() for f in result.findings if f.rule in ("I1", "I6")] == [
        "第 21 行的一行数字（1 0 0 1 0 0 2）没有自己的标签；与数字分开排列的标签不止一行（1.本机关不掌握相关政府信息、"
        "5.属于三类内部事务信息），无法确定它属于哪一行，未导入。",
        "第 22 行的一行数字（4 0 0 0 0 0 4）没有自己的标签；与数字分开排列的标签不止一行（1.本机关不掌握相关政府信息、"
        "5.属于三类内部事务信息），无法确定它属于哪一行，未导入。",
        "第 29 行的一行数字（2 0 0 0 0 0 2）没有标签，无法确定是三表格的哪一行，未导入。",
        "第 30 行的一行数字（0 0 0 0 0 0 0）没有标签，无法确定是三表格的哪一行，未导入。"]


def test_a_row_placed_by_order_that_breaks_the_printed_total_is_withdrawn(tmp_path, cli):
    # （二）'s numbers printed again without a label where （三）1 lacks: alone between two
    # certain rows with one row between them, but 3 more than （七）总计 allows
    result, missing = pattern("item1_total_refutes_order.md")
    assert missing == {f"requests.refused.state_secret.{c}" for c in COLUMNS}
    [f] = [f for f in result.findings if f.rule in ("I1", "I6")]
    assert f.message() == ("第 13 行的数字（3 0 0 0 0 0 3）没有标签，按行序应为“1.属于国家秘密”，"
                           "但这样该列与表中的“（七）总计”不再相符，未导入。")
    assert f.cells == [f"三、依申请公开!{c}10" for c in "DEFGHIJ"]
    run = cli("import", str(PATTERNS / "item1_total_refutes_order.md"), "-o", str(tmp_path / "x.xlsx"), "-f", "json")
    assert not [f for f in json.loads(run.output)["files"][0]["findings"] if f["rule"].startswith("R")]


def test_a_row_of_the_reference_shape_is_placed_by_its_neighbours():
    # | 0 | 0 | 0 | 0 | 0 | 0 | 0 | between 4.无正当理由大量反复申请 and （六）其他处理 1.…, in
    # a table with two other rows out of the national order
    result, missing = pattern("item3_unlabelled_row.md")
    assert missing == set()
    assert row(result, "not_processed.confirmation") == [0] * 7
    assert [f.message() for f in result.findings if f.rule in ("I1", "I6")] == [
        "第 28 行的数字（0 0 0 0 0 0 0）没有标签，位于“4.无正当理由大量反复申请”与“1.申请人无正当理由逾期不补正、"
        "行政机关不再处理其政府信息公开申请”之间，已按国家格式的行序记入“5.要求行政机关确认或重新出具已获取信息”。"]


def test_a_whole_report_on_one_line_is_cut_at_its_headings_and_labels():
    # a web page copied without line breaks (each paragraph's indent of two ideographic spaces left):
    # "…规章000规范性文件7012第二十条第（五）项…（七）总计 322010035四、结转下年度继续办理1000001
    # 　　四、政府信息公开行政法复议、行政诉讼情况…"
    result, missing = pattern("item2_one_line.txt")
    assert missing == {f"proactive.normative.{c}" for c in ("issued", "repealed", "in_force")} | {
        f"requests.granted.{c}" for c in COLUMNS}
    assert result.report.values["proactive.license.decisions"] == 1483
    assert row(result, "results_total") == [32, 2, 0, 1, 0, 0, 35]
    assert [result.report.values[f] for f in APPEALS[:5]] == [1, 0, 0, 0, 1]
    assert (result.report.text["overview.requests"], result.report.text["problems"]) == (
        "本年度收到申请34件。", "公开内容还不够全面，下一步将加强。")
    assert said(result) == [("I2", "ambiguous"), ("I5", "split"), ("I2", "sums"), ("I5", "split")]


@pytest.mark.parametrize("separator", ["", " "])
def test_the_seed_report_on_one_line_imports_whole(separator):
    seed = (Path(__file__).parent.parent / "workbooks" / "examples" / "chitudian-2023-report.txt").read_text(
        encoding="utf-8")
    want = json.loads((Path(__file__).parent.parent / "workbooks" / "examples" / "chitudian-2023.json").read_text(
        encoding="utf-8"))
    result = imported(seed.replace("\n", "").replace("\t", separator))
    assert {k: v for k, v in result.report.values.items() if not k.startswith("fees.")} == \
           {k: v for k, v in want["values"].items() if not k.startswith("fees.")}
    assert {k: v for k, v in result.report.text.items() if k.startswith("overview.")} == \
           {k: v for k, v in want["text"].items() if k.startswith("overview.")}
    assert said(result) == []


def test_labels_cut_across_cells_are_decided_by_elimination_and_notes_are_said():
    # | （六）其他处理 | 行政机关不再处理其政府信息公 | … | holds a piece of 1.'s label and 2.'s; the next,
    # | 缴纳费用、 | 行政机关不再处理其政 | … |, only of 2.'s: so the first is 1.; | 第二十条第（五）项 | 1483 |
    # is its block's only row; 55（含自然失效 29 件） is 55
    result, missing = pattern("item4_cut_labels.md")
    assert missing == set()
    assert [result.report.values[f"proactive.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [12, 3, 55]
    assert row(result, "other_handling.no_correction") == [1, 0, 0, 0, 0, 0, 1]
    taken = "没有被其他行的标签占用，已记入该行。"
    assert [f.message() for f in result.findings if f.rule in ("W0", "I1", "I6")] == [
        "文档第 8 行“行政规范性文件”的单元格带有说明（其中修订 16 件）；（含自然失效 29 件），"
        "已按单元格开头的数字读取，说明未导入。",
        f"第 9 行没有完整的行标签（“第二十条第（五）项”）；在它可能对应的行中，只有“行政许可”{taken}",
        "第 44 行没有完整的行标签（“（六）其他处理 行政机关不再处理其政府信息公”）；在它可能对应的行中，"
        f"只有“1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请”{taken}",
        "第 45 行没有完整的行标签（“缴纳费用、 行政机关不再处理其政”）；在它可能对应的行中，"
        f"只有“2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请”{taken}",
        "第 43 行的数字（0 0 0 0 0 0 0）没有标签，位于“4.无正当理由大量反复申请”与“1.申请人无正当理由"
        "逾期不补正、行政机关不再处理其政府信息公开申请”之间，已按国家格式的行序记入"
        "“5.要求行政机关确认或重新出具已获取信息”。"]


def test_a_cut_label_with_two_rows_left_is_not_placed():
    # without 2.'s piece, 行政机关不再处理其政府信息公 may be 1. or 2.: neither is named, so neither is placed
    text = (PATTERNS / "item4_cut_labels.md").read_text(encoding="utf-8").replace(
        "|  | 缴纳费用、 | 行政机关不再处理其政 |", "|  |  | |")
    result = import_document(from_text(Path("x.md"), text, markdown=True))
    assert row(result, "other_handling.no_correction") == [None] * 7
    assert row(result, "not_processed.confirmation") == [None] * 7  # its neighbour is not certain either
    assert [(f.rule, f.case, f.params["line"]) for f in result.findings if f.rule in ("I1", "I6")] == [
        ("I6", "piece", 9), ("I1", "unlabelled", 43), ("I1", "unmatched", 44), ("I1", "unlabelled", 45)]


@pytest.mark.parametrize("name", ["item5_group_cells.html", "item5_group_cells.txt"])
def test_leading_group_cells_and_a_blank_total_column(name, tmp_path, cli):
    # 三、本年度办理结果⇥（一）予以公开⇥10⇥1⇥⇥⇥⇥⇥ (a <tr> whose rowspan'd group label leads only the
    # group's first row), zeros printed blank and the 总计 column of every result row left blank
    result, missing = pattern(name)
    assert missing == set()
    assert row(result, "granted") == [10, 1, None, None, None, None, None]
    assert row(result, "refused.state_secret") == [None] * 7
    assert [f.message() for f in result.findings if f.rule in ("I1", "I3") and f.case not in ("section", "table")] == [
        "表格“三、收到和处理政府信息公开申请情况”中有 11 个总计单元格为空，未导入；工作簿中的总计由公式按各项计算。"]
    run = cli("import", str(PATTERNS / name), "-o", str(tmp_path / "x.xlsx"), "-f", "json")
    assert not [f for f in json.loads(run.output)["files"][0]["findings"] if f["rule"].startswith("R")]
    assert str(_cell(tmp_path / "x.xlsx", "requests.granted.total")).startswith("=SUM(")


def test_a_tab_copy_that_lost_its_last_blank_is_not_shifted():
    # a label spanning two columns, and no tab at the end: 258 may be 自然人's or 商业企业's
    result = imported(HEAD + "（一）予以公开\t\t258\t12\t\t\t1\t1\n")
    assert row(result, "granted") == [None] * 7
    assert said(result) == [("I1", "count")]
    result = imported(HEAD + "（一）予以公开\t\t258\t12\t\t\t1\t1\t\n")  # the tab at the end: its blank 总计
    assert row(result, "granted") == [258, 12, None, None, 1, 1, None]


def test_all_zero_rows_one_cell_short_are_zeros_with_w6():
    # 四、结转下年度继续办理 000000: six zeros for seven cells; whichever is blank, every value is 0
    result, missing = pattern("item6_zero_rows.txt")
    assert missing == {f"requests.granted.{c}" for c in COLUMNS}  # its two readings both add up: I2
    assert row(result, "carried_out") == row(result, "refused.state_secret") == [0] * 7
    assert [result.report.values[f] for f in APPEALS] == [0] * 15
    assert [f.message() for f in result.findings if f.rule in ("W6", "I1")] == [
        "文档第 1 行“1.属于国家秘密”只有 6 个数字（000000），有一格空着；这些数字都是 0，空着的一格按0处理，"
        "全行记为 0。",
        "文档第 1 行“四、结转下年度继续办理”只有 6 个数字（000000），有一格空着；这些数字都是 0，空着的一格按0处理，"
        "全行记为 0。",
        "文档第 1 行“四、政府信息公开行政复议、行政诉讼情况”只有 14 个数字（00000000000000），有一格空着；"
        "这些数字都是 0，空着的一格按0处理，全行记为 0。"]
    # five zeros for seven, or a 1 among six: no certain reading
    result = imported(HEAD + "四、结转下年度继续办理 0 0 0 0 0\n（一）予以公开 1 0 0 0 0 1\n", wrapped=True)
    assert row(result, "carried_out") == row(result, "granted") == [None] * 7
    assert said(result) == [("I1", "count"), ("I1", "count")]


def test_a_report_whose_total_is_wrong_keeps_its_labelled_rows():
    # 20 printed where the rows read add up to 21: the row placed by order is withdrawn, those
    # placed by their own labels stay as printed, for check to judge
    total = "（七）总计                                  21"
    result = imported(PDF_TABLE.replace(total, total[:-2] + "20"), wrapped=True)
    assert row(result, "refused.three_securities_one_stability") == [None] * 7
    assert row(result, "granted") == [8, 0, 0, 0, 0, 0, 8] and row(result, "results_total") == [20, 0, 0, 0, 0, 0, 21]
    assert said(result) == [("I1", "refuted")]
    # 22: the rows this table leaves out may hold the 1 more, so the order stands
    result = imported(PDF_TABLE.replace(total, total[:-2] + "22"), wrapped=True)
    assert row(result, "refused.three_securities_one_stability") == [2, 0, 0, 0, 0, 0, 2]
    assert said(result) == [("I6", "order")]


# --- issue 27, reviewed: variants of each layout, as other units and years print them --------

VARIANTS = {  # document: the rows it leaves unplaced (each named by a finding; nothing placed wrongly)
    "item1_labels_run_reversed.md": {"refused.enforcement_files", "refused.query_matters"},
    "item1_two_rows_gap_fullwidth.md": {"refused.process_information"},
    "item1_first_refused_unlabelled.md": set(),
    "item1_fullwidth_item_numbers.md": set(),
    "item1_rows_before_labels.md": {"not_processed.repeated", "not_processed.publication"},
    "item2_one_line_dun.txt": {"new", "refused.process_information", "not_processed.publication", "results_total",
                               "proactive.normative"},
    "item2_one_line_2019.txt": {"new", "unavailable.still_unclear", "not_processed.confirmation"},
    "item2_one_line_fullwidth_spaced.txt": set(),
    "item3_unlabelled_carried_in.md": set(),
    "item3_unlabelled_other_fullwidth.md": set(),
    "item4_cut_other_points.md": set(),
    "item5_group_cells_2019.html": set(),
    "item5_group_cells_halfwidth_tab.txt": set(),
    "item6_zero_rows_md.md": set(),
    "item6_short_nonzero_tab.txt": {"carried_out"},
    "item6_short_nonzero_md.md": {"carried_out"},
    "item4_proactive_block_rows.md": set(),
    "item5_html_rowspan_full.html": set(),
    "item2_one_line_spaced.txt": set(),
    "item5_tab_word_full.txt": set(),
    "item1_two_bare_rows.md": {"unavailable.needs_creation", "unavailable.still_unclear"},
    "item1_halfwidth_heji.md": set(),
    "item3_bare_short.md": {"not_processed.confirmation"},
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_of_each_layout_place_nothing_wrongly(name, tmp_path, cli):
    result, missing = pattern(name)
    assert {k.removeprefix("requests.").rsplit(".", 1)[0] for k in missing} == VARIANTS[name]
    run = cli("import", str(PATTERNS / name), "-o", str(tmp_path / "x.xlsx"), "-f", "json")
    assert not [f for f in json.loads(run.output)["files"][0]["findings"] if f["rule"].startswith("R")]


def test_a_2019_report_on_one_line_reads_its_other_handling_row():
    # （六）其他处理36144085 3 run together, in a 2019 report: its readings are judged by the row's
    # total in the 2021 cells it goes to (this ended in a KeyError)
    result, _ = pattern("item2_one_line_2019.txt")
    assert row(result, "other_handling.other") == [36, 1, 4, 4, 0, 8, 53]
    assert row(result, "other_handling.no_correction") == [None] * 7
    assert ("I4", "into") in said(result)


def test_a_markdown_row_that_lost_a_cell_is_not_placed_by_position():
    # | 四、结转下年度继续办理 |  |  | 2 | 0 | 0 | 1 | 0 | 3 |: nine cells where the table's rows have
    # ten; its empty cells are no positions (read so, 2 went to 商业企业 and R1 failed)
    result, _ = pattern("item6_short_nonzero_md.md")
    assert row(result, "carried_out") == [None] * 7
    assert said(result) == [("I1", "count")]
    # six zeros in nine cells: whichever is lost, every value is 0
    result, _ = pattern("item6_zero_rows_md.md")
    assert row(result, "carried_out") == row(result, "refused.state_secret") == [0] * 7
    assert said(result) == [("W6", "document"), ("W6", "document")]
