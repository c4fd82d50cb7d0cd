"""`xltools import`: published reports (text, HTML, Word) → the standard workbook,
exactly, or with a finding for what cannot be placed."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO

from xltools import Report, read
from xltools.documents.importer import import_document
from xltools.documents.sources import from_text, laid_out, read_document
from xltools.model.schema import leaves, load_format

SHARED = REPO.parent / "shared"
SEED = EXAMPLES / "chitudian-2023-report.txt"  # ../shared/fixtures' copy, kept in the repository
REALWORLD = SHARED / "realworld"
FMT = load_format()
COLUMNS = [c.key for c in leaves(FMT.tables["requests"].blocks[0].columns)]
needs_shared = pytest.mark.usefixtures("shared")  # fails in CI without it, skips elsewhere


def chitudian() -> Report:
    return Report.from_json((EXAMPLES / "chitudian-2023.json").read_text(encoding="utf-8"))


def published(report: Report) -> dict:
    """What 赤土店镇 publishes: everything but the fee table, which it does not print."""
    return {k: v for k, v in report.values.items() if not k.startswith("fees.")}


def imported(text: str, kind: str = "text"):
    return import_document(from_text(Path("report.txt"), text, kind))


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def rules(result) -> list[tuple[str, str]]:
    return [(f.rule, f.case) for f in result.findings]


@needs_shared
def test_the_seed_is_the_shared_fixture():
    assert SEED.read_bytes() == (SHARED / "fixtures" / "chitudian-2023-report.txt").read_bytes()


def test_the_seed_report_imports_to_what_it_publishes():
    result = imported(seed_text())
    want = chitudian()
    assert result.report.meta == want.meta
    assert published(result.report) == published(want)
    assert all(result.report.values[f"fees.{k}"] is None for k in ("notices", "notice_amount", "collected"))
    assert result.report.text == want.text
    assert [f.message() for f in result.findings] == ["没有找到表格“信息处理费”的数字，相应单元格留空。"]


def test_import_command_writes_and_checks(tmp_path, cli):
    run = cli("import", str(SEED), "--out-dir", str(tmp_path))
    out = tmp_path / "栾川县赤土店镇人民政府-2023.xlsx"
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[0] == f"已导入：{SEED} → {out}（2021 年格式）"
    # I3 for the fee table the report does not publish, T1 for the figures its 一（三） does not state
    assert "结果：0 个错误，2 个警告。" in run.output
    assert " R" not in run.output and "W3" not in run.output
    assert published(read(out)) == published(chitudian())


# --- the same report as government sites and Word publish it -------------------

def _html_table(table_id: str) -> str:
    """A table of the format as published on government sites: the header with
    colspan/rowspan, each parent row label spanning its sub-rows."""
    table = FMT.tables[table_id]
    report = chitudian()
    rows = []
    for block in table.blocks:
        cols = leaves(block.columns)
        if block.title:
            rows.append(f'<tr><td colspan="{len(cols) + 1}">{block.title}</td></tr>')
        rows.append("<tr><th>" + (block.corner or "") + "</th>" + "".join(f"<th>{c.labels[-1]}</th>" for c in cols)
                    + "</tr>")
        depth = max(len(r.labels) for r in leaves(block.rows))
        done: set[str] = set()
        for leaf in leaves(block.rows):
            cells = []
            for i, label in enumerate(leaf.labels[:-1]):
                key = "/".join(leaf.labels[:i + 1])
                if key not in done:
                    span = sum(1 for x in leaves(block.rows) if "/".join(x.labels[:i + 1]) == key)
                    cells.append(f'<td rowspan="{span}">{label}</td>')
                    done.add(key)
            colspan = depth - len(leaf.labels) + 1
            cells.append(f'<td colspan="{colspan}">{leaf.labels[-1]}</td>' if colspan > 1
                         else f"<td>{leaf.labels[-1]}</td>")
            for col in cols:
                fid = ".".join(p for p in (table_id, leaf.key, col.key) if p)
                cells.append(f'<td style="text-align:right">{report.values[fid]}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table border="1">' + "\n".join(rows) + "</table>"


def chitudian_html() -> bytes:
    r = chitudian()
    sections = FMT.sections
    paras = lambda text: "".join(f"<p>{p}</p>" for p in text.split("\n\n"))  # noqa: E731
    overview = "".join(f"<p>{f.label}：{r.text[f.id]}</p>" for f in FMT.text_fields() if f.section == "一")
    appeals = FMT.tables["appeals"]
    head = ('<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>'
            '<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td>'
            '<td rowspan="2">尚未审结</td><td rowspan="2">总计</td>'
            '<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr><tr>'
            + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2 + "</tr>")
    data = ("<tr>" + "".join(f"<td>{r.values[f.id]}</td>" for f in FMT.numeric_fields() if f.table == appeals.id)
            + "</tr>")
    page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<title>{r.unit}{r.year}年政府信息公开工作年度报告</title><style>td{{border:1px}}</style></head><body>"
            f'<div class="title"><h1>{r.unit}{r.year}年政府信息公开工作年度报告</h1></div>'
            f"<h2>{sections['一']}</h2>{overview}<h2>{sections['二']}</h2>{_html_table('proactive')}"
            f"<h2>{sections['三']}</h2>{_html_table('requests')}"
            f"<h2>{sections['四']}</h2><table>{head}{data}</table>"
            f"<h2>{sections['五']}</h2>{paras(r.text['problems'])}<h2>{sections['六']}</h2>{paras(r.text['other'])}"
            "<script>var x = '一、总体情况';</script></body></html>")
    return page.encode("gb18030")


def test_an_html_page_with_spans_in_gb2312(tmp_path):
    (tmp_path / "page.htm").write_bytes(chitudian_html())
    result = import_document(read_document(tmp_path / "page.htm"))
    assert published(result.report) == published(chitudian())
    assert result.report.text == chitudian().text
    assert result.report.meta == chitudian().meta


def chitudian_docx(path: Path) -> None:
    import docx

    r = chitudian()
    d = docx.Document()
    d.add_paragraph(f"{r.unit}{r.year}年政府信息公开工作年度报告")
    d.add_paragraph(FMT.sections["一"])
    for f in FMT.text_fields():
        if f.section == "一":
            d.add_paragraph(f"{f.label}：{r.text[f.id]}")
    d.add_paragraph(FMT.sections["二"])
    for block in FMT.tables["proactive"].blocks:
        cols = leaves(block.columns)
        t = d.add_table(rows=2 + len(leaves(block.rows)), cols=len(cols) + 1)
        t.cell(0, 0).merge(t.cell(0, len(cols))).text = block.title
        for j, c in enumerate([block.corner] + [c.labels[-1] for c in cols]):
            t.cell(1, j).text = c
        for i, leaf in enumerate(leaves(block.rows), start=2):
            t.cell(i, 0).text = leaf.labels[-1]
            for j, col in enumerate(cols, start=1):
                t.cell(i, j).text = str(r.values[f"proactive.{leaf.key}.{col.key}"])
    d.add_paragraph(FMT.sections["三"])
    rows = leaves(FMT.tables["requests"].blocks[0].rows)
    cols = leaves(FMT.tables["requests"].blocks[0].columns)
    t = d.add_table(rows=len(rows) + 1, cols=3 + len(cols))
    t.cell(0, 0).merge(t.cell(0, 2)).text = FMT.tables["requests"].blocks[0].corner
    for j, c in enumerate(cols, start=3):
        t.cell(0, j).text = c.labels[-1]
    for i, leaf in enumerate(rows, start=1):
        labels = list(leaf.labels)
        t.cell(i, 3 - len(labels)).merge(t.cell(i, 3 - len(labels))).text = labels[0]
        for k, label in enumerate(labels[1:], start=4 - len(labels)):
            t.cell(i, k).text = label
        for j, col in enumerate(cols, start=3):
            t.cell(i, j).text = str(r.values[f"requests.{leaf.key}.{col.key}"])
    # the parent labels merged down over their sub-rows, as Word users do
    for parent in ("（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"):
        at = [i for i, leaf in enumerate(rows, start=1) if parent in leaf.labels]
        t.cell(at[0], 1).merge(t.cell(at[-1], 1)).text = parent
    d.add_paragraph(FMT.sections["四"])
    t = d.add_table(rows=2, cols=15)
    t.cell(0, 0).merge(t.cell(0, 4)).text = "行政复议"
    t.cell(0, 5).merge(t.cell(0, 14)).text = "行政诉讼"
    for j, f in enumerate(f for f in FMT.numeric_fields() if f.table == "appeals"):
        t.cell(1, j).text = str(r.values[f.id])
    d.add_paragraph(FMT.sections["五"])
    for p in r.text["problems"].split("\n\n"):
        d.add_paragraph(p)
    d.add_paragraph(FMT.sections["六"])
    d.add_paragraph(r.text["other"])
    d.save(str(path))


def test_a_word_document_with_merged_cells(tmp_path):
    chitudian_docx(tmp_path / "r.docx")
    result = import_document(read_document(tmp_path / "r.docx"))
    assert published(result.report) == published(chitudian())
    assert result.report.text == chitudian().text
    assert rules(result) == [("I3", "table")]


# --- what real reports do to labels and numbers --------------------------------

@pytest.mark.parametrize("old, new", [
    ("1. 属于国家秘密", "1、属于国家秘密"),                      # 1、 instead of 1.
    ("3. 危及“三安全一稳定”", '3.危及"三安全一稳定"'),          # straight quotes
    ("(二) 部分公开", "（二）部分公开"),                         # full-width brackets
    ("2. 其他法律行政法规禁止公开", "2.其他法律行政止公开"),      # a character missing (洪泽 2024)
    ("4. 保护第三方合法权益", "4. 保 护 第 三 方 合 法 权 益"),   # spaces inside
    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量（件）"),  # an extra word
    ("1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "1.逾期不补正"),  # abbreviated
    ("2. 申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "2.逾期不缴费"),
    ("(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)", "（二）部分公开"),
])
def test_label_variants_are_read(old, new):
    result = imported(seed_text().replace(old, new, 1))
    assert published(result.report) == published(chitudian())
    assert rules(result) == [("I3", "table")]


def test_a_label_split_over_lines_and_thousands_separators():
    text = seed_text().replace(
        "\t\t5. 要求行政机关确认或重新出具已获取信息\t0", "\t\t5. 要求行政机关确认或重新出具\n已获取信息\n\t0").replace(
        "行政许可\t0", "行政许可\t1,234")
    result = imported(text)
    want = published(chitudian()) | {"proactive.license.decisions": 1234}
    assert published(result.report) == want


def test_a_row_that_matches_nothing_is_reported_not_guessed():
    result = imported(seed_text().replace("2. 重复申请", "2. 另一种情况"))
    assert result.report.values["requests.not_processed.repeated.total"] is None
    assert [f.message() for f in result.findings if f.rule == "I1"] == [
        f"第 {seed_text().splitlines().index(next(x for x in seed_text().splitlines() if '2. 重复申请' in x)) + 1} 行"
        "“2. 另一种情况”与三表格的任何一行标签都对不上，其中的数字未导入。"]


def test_a_row_with_too_few_numbers_is_reported():
    result = imported(seed_text().replace("四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0",
                                          "四、结转下年度继续办理\t\t0\t0\t0"))
    assert result.report.values["requests.carried_out.total"] is None
    assert [(f.rule, f.case, f.expected, f.actual) for f in result.findings if f.rule == "I1"] == [
        ("I1", "count", 7, 3)]


def test_numbers_run_together_are_split_only_when_unique():
    text = ("X县人民政府2023年政府信息公开工作年度报告\n"
            + "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数"
              "规章000行政规范性文件77132470第二十条第（五）项信息内容本年处理决定数量行政许可2629"
              "三、收到和处理政府信息公开申请情况一、本年新收政府信息公开申请数量801000081")
    result = imported(text)
    v = result.report.values
    assert (v["proactive.regulation.issued"], v["proactive.regulation.repealed"], v["proactive.regulation.in_force"]) \
        == (0, 0, 0)
    assert v["proactive.license.decisions"] == 2629
    # 二 has no total to choose by: 7 71 32470, 77 1 32470 … stay blank
    assert v["proactive.normative.issued"] is None
    assert [(f.rule, f.case, f.params["label"]) for f in result.findings if f.rule in ("I2", "I5")] == [
        ("I2", "ambiguous", "行政规范性文件"), ("I5", "split", "一、本年新收政府信息公开申请数量")]
    # 三's row has its total: of its readings only 80 1 0 0 0 0 81 adds up
    assert [v[f"requests.new.{c}"] for c in COLUMNS] == [80, 1, 0, 0, 0, 0, 81]


# --- the 2019 trial format and real published reports ----------------------------

def _source_part(path: Path) -> tuple[str, str]:
    raw = path.read_text(encoding="utf-8")
    source, _, reconstructed = raw.partition("# ==== reconstructed")
    source = "\n".join(x for x in source.splitlines() if not x.startswith("# "))
    tables = "\n".join(x.replace("/", "\t").strip("[]")
                       for x in reconstructed.splitlines()[1:] if not x.startswith("#"))
    return source, tables


@needs_shared
def test_the_2019_format_is_read_with_its_own_schema():
    _, tables = _source_part(REALWORLD / "02_pingtan_2020.txt")
    result = imported("平潭综合实验区2020年度政府信息公开工作年度报告\n" + tables)
    assert result.format == "2019"
    old = load_format("2019")
    assert result.extra["proactive.regulation.made"] == 0 and result.extra["proactive.fee.change"] == -15
    # （六）其他处理 is one row in 2019, three in 2021: its 4 go to 3.其他, 1. and 2. stay blank
    v = result.report.values
    assert [v[f"requests.other_handling.other.{c}"] for c in COLUMNS] == [4, 0, 0, 0, 0, 0, 4]
    assert v["requests.other_handling.no_correction.total"] is None
    assert "requests.other_handling.no_correction.total" not in result.unread
    assert v["requests.results_total.total"] == 21
    assert {f.params["label"] for f in result.findings if (f.rule, f.case) == ("I4", "old")} == \
           {old.fields[k].label for k, v in result.extra.items()}
    assert [(f.params["label"], f.params["into"]) for f in result.findings if (f.rule, f.case) == ("I4", "into")] \
        == [("（六）其他处理", "3.其他")]


def _truth(name: str) -> dict:
    """A real report's values as written down by hand (truth/NN_….json; its README),
    a 2019-style single （六） row as 3.其他 with 1. and 2. blank."""
    import json

    truth = json.loads((REALWORLD / "truth" / name).with_suffix(".json").read_text(encoding="utf-8"))
    values = truth["values"]
    if truth.get("other_handling_single_row"):
        values |= {f"requests.other_handling.{r}.{c}": None for r in ("no_correction", "fee_unpaid") for c in COLUMNS}
        values |= dict(zip((f"requests.other_handling.other.{c}" for c in COLUMNS), truth["other_handling_single_row"]))
    return truth


@needs_shared
@pytest.mark.parametrize("name", sorted(p.name for p in REALWORLD.glob("[0-9]*.txt")
                                        if (REALWORLD / "truth" / p.name).with_suffix(".json").exists())
                         if REALWORLD.exists() else [])
def test_real_reports_import_to_the_values_written_down_by_hand(name):
    """Every value placed is the report's (truth/*.json, never the importer's reading of
    the hand-split tables), every cell not placed is named by a finding, the year is found;
    the PDF texts (08–10), with no cells run together, are placed whole."""
    source, _ = _source_part(REALWORLD / name)
    result = import_document(from_text(REALWORLD / name, source, wrapped=laid_out(source)))
    truth = _truth(name)
    placed = {k: v for k, v in result.report.values.items() if k not in result.unread}
    assert {k: v for k, v in placed.items() if k in truth["values"] and v != truth["values"][k]} == {}
    named = {fid for f in result.findings for fid in f.fields}
    assert set(truth["values"]) - set(placed) - named == set()
    assert result.report.year == truth["meta"]["year"]
    if name[:2] in ("08", "09", "10"):
        assert set(truth["values"]) <= set(placed)


@needs_shared
def test_a_real_report_with_wrong_totals_gets_them_found(tmp_path, cli):
    source, _ = _source_part(REALWORLD / "08_hongze_2023.txt")
    (tmp_path / "hongze.txt").write_text(source, encoding="utf-8")
    run = cli("import", str(tmp_path / "hongze.txt"), "-o", str(tmp_path / "h.xlsx"), "-f", "json")
    assert run.exit_code == 1
    import json
    findings = json.loads(run.output)["files"][0]["findings"]
    assert [(f["rule"], f["cells"][0]) for f in findings if f["rule"] == "R4"] == [
        ("R4", "四、复议诉讼!E6"), ("R4", "四、复议诉讼!O6")]
    assert [f["rule"] for f in findings if f["message"].startswith("第 133 行“（六）其他处理”是 2019 年格式的一行")] \
        == ["I4"]
    assert not [f for f in findings if f["rule"] in ("R1", "R2", "R3", "I8")]  # 三 adds up, 3.其他 included


def test_a_scan_without_text_and_an_empty_file_end_in_a_message(tmp_path, cli):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    with open(tmp_path / "scan.pdf", "wb") as fh:
        w.write(fh)
    (tmp_path / "empty.txt").write_bytes(b"")
    run = cli("import", str(tmp_path / "scan.pdf"), str(tmp_path / "empty.txt"), "--out-dir", str(tmp_path / "out"))
    assert run.exit_code == 2
    assert "PDF 没有文字层（可能是扫描件），无法导入；xltools 不做文字识别（OCR）。" in run.output
    assert "文件是空的。" in run.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_money_keeps_its_decimals():
    text = ("X县人民政府2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（八）项\n"
            "信息内容\t本年收费金额（单位：万元）\n行政事业性收费\t5949.088667\n")
    assert imported(text).report.values["proactive.fee.amount"] == Decimal("5949.088667")



def test_web_text_with_one_cell_per_line():
    """Copied from a page whose table cells each become a line (as many sites give)."""
    text = seed_text()
    head, _, tail = text.partition("二、主动公开政府信息情况")
    tables, _, rest = tail.partition("五、存在的主要问题及改进情况")
    cells = "\n".join(c for c in tables.replace("\t", "\n").splitlines() if c.strip())
    result = imported(head + "二、主动公开政府信息情况\n" + cells + "\n五、存在的主要问题及改进情况" + rest)
    assert published(result.report) == published(chitudian())
    assert rules(result) == [("I3", "table")]


# 中村乡2020年政府信息公开工作年度报告 (2019 format), section 二 as its page gives it
# (http://www.huichang.gov.cn/hcxxxgk/hc1554/202101/157a95c3e64f41039bb3beb14dbc7638.shtml)
ZHONGCUN_2020 = """中村乡2020年政府信息公开工作年度报告

二、主动公开政府信息情况

第二十条第(一)项

信息内容

本年新

制作数量

本年新

公开数量

对外公开总数量

规章

  0

 0

 0

规范性文件

 5

5

 5

第二十条第(五)项

信息内容

上一年项目数量

本年增/减

处理决定数量

行政许可

 0

 0

 0

其他对外管理服务事项

 0

 0

 0

第二十条第(六)项

信息内容

上一年项目数量

本年增/减

处理决定数量

行政处罚

 0

 0

 0

行政强制

 0

 0

 0

第二十条第(八)项

信息内容

上一年项目数量

本年增/减

行政事业性收费

 0

 0

第二十条第(九)项

信息内容

采购项目数量

采购总金额

政府集中采购

1

8040

三、收到和处理政府信息公开申请情况
"""


def test_a_real_2019_format_page_one_cell_per_line():
    result = imported(ZHONGCUN_2020)
    assert (result.format, result.report.unit, result.report.year) == ("2019", "中村乡", 2020)
    assert result.extra["proactive.normative.made"] == 5 and result.extra["proactive.normative.total_published"] == 5
    assert (result.extra["proactive.procurement.projects"], result.extra["proactive.procurement.amount"]) == (1, 8040)
    assert result.report.values["proactive.license.decisions"] == 0  # the column both formats have
    assert not [f for f in result.findings if f.rule in ("I1", "I2")]


def test_a_folder_of_reports_each_to_its_own_workbook(tmp_path, cli):
    src = tmp_path / "报送"
    src.mkdir()
    (src / "a.txt").write_text(seed_text(), encoding="utf-8")
    (src / "b.htm").write_bytes(chitudian_html())
    chitudian_docx(src / "c.docx")
    (src / "说明.xlsx").write_bytes(b"not a report")  # not a document: skipped
    run = cli("import", str(src), "--out-dir", str(tmp_path / "out"))
    assert run.exit_code == 0, run.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["栾川县赤土店镇人民政府-2023-2.xlsx", "栾川县赤土店镇人民政府-2023-3.xlsx",
                     "栾川县赤土店镇人民政府-2023.xlsx"]
    for name in names:
        assert published(read(tmp_path / "out" / name)) == published(chitudian())
    assert "共检查 3 个文件：3 个无错误，0 个有错误，0 个无法读取。" in run.output


def test_a_made_up_name_never_replaces_a_file(tmp_path, cli):
    (tmp_path / "栾川县赤土店镇人民政府-2023.xlsx").write_bytes(b"the clerk's own work")
    run = cli("import", str(SEED), "--out-dir", str(tmp_path))
    assert run.exit_code == 0
    assert (tmp_path / "栾川县赤土店镇人民政府-2023.xlsx").read_bytes() == b"the clerk's own work"
    assert published(read(tmp_path / "栾川县赤土店镇人民政府-2023-2.xlsx")) == published(chitudian())


def test_a_heading_with_a_typo_in_a_run_together_page():
    text = ("X县人民政府2022年政府信息公开工作年度报告\n"
            "三、收到和处理政府信息公开申请情况一、本年新收政府信息公开申请数量0000000"
            "二、上年结转政府信息公开申请数量0000000四、政府信息公开行政法复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正"
            "其他结果尚未审结总计110024001510102五、存在的主要问题及改进情况无。")
    result = imported(text)
    appeals = [result.report.values[f.id] for f in FMT.numeric_fields() if f.table == "appeals"]
    assert appeals == [1, 1, 0, 0, 2, 4, 0, 0, 1, 5, 1, 0, 1, 0, 2]
    assert result.report.text["problems"] == "无。"
