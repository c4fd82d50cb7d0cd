"""What the clerk and the county office read: Chinese by default everywhere, the
right words in the right places."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES, SAMPLE_COUNTY
from test_trust import _corpus, status_rows

from samples import sample_county
from xltools import read, write
from xltools.rules.batch import check_paths

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def _latin_only(output: str, tmp_path: Path) -> list[str]:
    """Lines of words with no Chinese in them; a line that is only a path is data."""
    out = []
    for line in output.splitlines():
        text = line.strip()
        if not text or CJK.search(text) or not re.search(r"[A-Za-z]{2,}", text):
            continue
        if re.fullmatch(r"\S*[/\\]\S*", text) or re.fullmatch(r"== \S+ ==", text):
            continue  # a path, or the header naming a file
        out.append(line)
    return out


def test_every_error_path_speaks_chinese_by_default(tmp_path, cli):
    for args in _corpus(tmp_path):
        result = cli(*args)
        assert _latin_only(result.output, tmp_path) == [], args


def test_english_on_request_by_option_or_environment(tmp_path, cli):
    by_option = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.csv", "--unit", "县", "--lang", "en")
    by_variable = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.csv", "--unit", "县", env={"XLTOOLS_LANG": "en"})
    assert by_option.output == by_variable.output == f"xltools: {tmp_path / 's.csv'}: write a .xlsx file\n"
    usage = cli("merge", env={"XLTOOLS_LANG": "en"})
    assert usage.output.splitlines()[-1] == "Error: Missing argument 'INPUTS...'."


def test_click_usage_errors_in_chinese(cli):
    missing = cli("merge", SAMPLE_COUNTY, "-o", "s.xlsx", prog_name="xltools")
    assert missing.exit_code == 2
    assert missing.output.splitlines() == ["用法： xltools merge [选项] 文件或文件夹...",
                                           "运行“xltools merge --help”查看用法。", "", "错误：缺少选项 '--unit'。"]
    number = cli("template", "-o", "t.xlsx", "--year", "abc", prog_name="xltools")
    assert number.output.splitlines()[-1] == "错误：'--year' 的值不对：'abc' 不是整数。"
    typo = cli("chek", prog_name="xltools")
    assert typo.output.splitlines()[-1] == "错误：没有命令 'chek'。是不是 'check'？"


def test_a_workbook_given_to_import_is_said_in_chinese(tmp_path, cli):
    shutil.copy(EXAMPLES / "chitudian-2023.xlsx", tmp_path / "good.docx")
    result = cli("import", tmp_path / "good.docx", "--out-dir", tmp_path)
    assert result.exit_code == 2
    assert "无法读取：不是可读的 Word 文档（.docx）；工作簿请用 xltools check 检查。" in result.output


def test_the_instructions_sheet_names_each_severity():
    ws = openpyxl.load_workbook(EXAMPLES / "chitudian-2023.xlsx")["填报说明"]
    lines = [c.value for c in ws["A"] if c.value]
    assert next(x for x in lines if x.startswith("F1")).startswith("F1（无法读取）文件为空")
    assert next(x for x in lines if x.startswith("R1")).startswith("R1（错误）")
    assert next(x for x in lines if x.startswith("W0")).startswith("W0（警告）")


def test_each_text_section_gets_its_own_fix(tmp_path):
    report = sample_county()[0]
    report.text |= {"overview.proactive": "无", "other": None, "problems": "无"}
    write(report, tmp_path / "u.xlsx")
    [r] = check_paths([tmp_path / "u.xlsx"])
    fixes = {f.fields[0]: f.fix() for f in r.findings if f.rule == "W4"}
    assert fixes == {
        "overview.proactive": "请如实写明主动公开的渠道、数量和重点领域信息，不能只写“无”。",
        "problems": "请如实写明存在的主要问题和改进情况（含上年问题的整改），不能只写“无”。",
        "other": "请如实写明信息处理费的收取情况（未收取的写明“未收取”）和其他需要报告的事项，不能只写“无”。"}


def test_blank_cells_of_section_four_are_named_by_their_sheet(tmp_path):
    report = sample_county()[0]
    for f in ("upheld", "corrected", "other", "pending"):
        report.values[f"appeals.review.{f}"] = None
    report.values["appeals.review.total"] = None
    write(report, tmp_path / "u.xlsx")
    [r] = check_paths([tmp_path / "u.xlsx"])
    [w6] = [f for f in r.findings if f.rule == "W6"]
    assert w6.message() == "四、复议诉讼有 4 个数值单元格为空（A6:D6），已按0处理。"


def test_fill_lists_every_total_it_changes(tmp_path, cli):
    report = sample_county()[0]
    write(report, tmp_path / "u.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "u.xlsx")
    ws = wb["三、依申请公开"]
    ws["J7"].value = None  # a total's formula deleted
    ws["D6"].value, ws["D6"].data_type = str(report.values["requests.new.natural_person"]), "s"
    wb.save(tmp_path / "u.xlsx")
    # give the totals the values a spreadsheet would have saved: SUM leaves the text out
    from conftest import REPO  # noqa: F401  (the soffice fixture is not needed: values below are what it computes)
    result = cli("fill", tmp_path / "u.xlsx", "-o", tmp_path / "f.xlsx")
    assert result.exit_code == 0
    v = report.values
    assert ("  三、依申请公开!J7（二、上年结转政府信息公开申请数量 / 申请人情况 / 总计）："
            f"空白 → {v['requests.carried_in.total']}（恢复了被删除的合计公式）") \
        in result.output.splitlines()
    assert read(tmp_path / "f.xlsx").values["requests.new.total"] == v["requests.new.total"]


def test_a_tie_of_years_asks_for_year(tmp_path, cli):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, r in enumerate(sample_county()[:4]):
        r.meta["year"] = 2023 if i % 2 else 2024
        write(r, folder / f"{i}.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "县")
    assert (result.exit_code, result.output) == (
        2, "xltools: 报送的报告年度不一，且份数相同：2024（2）、2023（2）；请用 --year 指定汇总哪一年\n")
    assert not (tmp_path / "s.xlsx").exists()
    assert cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "县", "--year", "2023").exit_code == 1


def test_status_rows_in_natural_and_roster_order(tmp_path, cli):
    folder = tmp_path / "in"
    folder.mkdir()
    units = [f"示例县第{n}镇人民政府" for n in (10, 2, 1)]
    for r, unit in zip(sample_county(), units):
        r.meta |= {"unit": unit, "credit_code": None}
        write(r, folder / f"{unit}.xlsx")
    cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "县")
    assert [r["单位"] for r in status_rows(tmp_path / "s.xlsx").values()] == sorted(
        units, key=lambda u: int(re.search(r"\d+", u)[0]))
    roster = tmp_path / "r.csv"
    roster.write_text("单位名称\n" + "\n".join(["示例县第3镇人民政府", *units]) + "\n", encoding="utf-8")
    cli("merge", folder, "-o", tmp_path / "s2.xlsx", "--unit", "县", "--roster", roster)
    assert [r["单位"] for r in status_rows(tmp_path / "s2.xlsx").values()] == ["示例县第3镇人民政府", *units]


def test_explanations_that_can_never_apply_are_said(tmp_path):
    report = sample_county()[0]
    report.explanations = [{"rule": "R1", "target": "D6", "text": "已核对"},
                           {"rule": "W3", "target": "三、依申请公开!Z99", "text": "正文口径不同"},
                           {"rule": "W6", "target": "", "text": ""},
                           {"rule": "X9", "target": "", "text": "?"}]
    write(report, tmp_path / "u.xlsx")
    [r] = check_paths([tmp_path / "u.xlsx"])
    said = [(f.cells[0], f.message()) for f in r.findings if f.rule == "W10"]
    assert said == [
        ("审核说明!A4", "审核说明第 4 行的规则 R1 是错误：错误必须改正，不能用说明接受。"),
        ("审核说明!A5", "审核说明第 5 行的单元格或字段“三、依申请公开!Z99”不存在（应写如“三、依申请公开!D7”或“D7”）。"),
        ("审核说明!A6", "审核说明第 6 行（规则 W6）没有写说明。"),
        ("审核说明!A7", "审核说明第 7 行的规则“X9”不存在。")]
    assert r.ok  # warnings only


def test_annotate_refuses_its_own_input_before_checking(tmp_path, cli):
    shutil.copy(EXAMPLES / "mistakes-2023.xlsx", tmp_path / "m.xlsx")
    result = cli("check", tmp_path / "m.xlsx", "--annotate", tmp_path / "m.xlsx")
    assert (result.exit_code, result.output) == (
        2, f"xltools: {tmp_path / 'm.xlsx'} 是输入文件之一，请换一个输出文件名\n")


def test_roster_duplicates_and_other_codes_are_noted(tmp_path, cli):
    reports = {r.unit: r for r in sample_county()}
    lines = ["统一社会信用代码,单位名称"] + [f"{r.meta['credit_code']},{u}" for u, r in reports.items()]
    hr = next(i for i, line in enumerate(lines) if line.endswith(",示例县人力资源和社会保障局"))
    lines[hr] = f"{reports['示例县人力资源和社会保障局'].meta['credit_code'][:-1]}0,示例县人力资源和社会保障局"
    lines.append(",示例县教育局")
    education = next(i for i, line in enumerate(lines) if line.endswith(",示例县教育局")) + 1
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", tmp_path / "r.csv")
    notes = result.output.split("名册提示 2 条：\n")[1].splitlines()
    code = reports["示例县人力资源和社会保障局"].meta["credit_code"]
    assert notes == [
        f"  名册第 {len(lines)} 行与第 {education} 行是同一单位（示例县教育局），只按第 {education} 行计",
        f"  名册中“示例县人力资源和社会保障局”的统一社会信用代码是 {code[:-1]}0，"
        f"报送的 示例县人力资源和社会保障局.xlsx 中是 {code}，请核对哪一个正确"]


@pytest.mark.parametrize("flag, bom", [((), True), (("--no-bom",), False)])
def test_csv_for_excel_on_chinese_windows(tmp_path, flag, bom, cli):
    cli("export", SAMPLE_COUNTY, "-f", "csv", "-o", tmp_path / "a.csv", *flag)
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf") is bom


def _without_cell(src: Path, dst: Path, sheet_xml: str, ref: str, put: str = "") -> Path:
    """A copy whose cell `ref` lost its formula and value as Excel saves it when the
    cell is cleared (or holds `put` as an inline string): every other total keeps the
    value its spreadsheet saved."""
    import zipfile

    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == sheet_xml:
                kind, inline = (' t="inlineStr"', f"<is><t>{put}</t></is>") if put else ("", "")
                data = re.sub(rf'<c r="{ref}"( s="\d+")?[^>]*>.*?</c>'.encode(),
                              lambda m: f'<c r="{ref}"{(m.group(1) or b"").decode()}{kind}>{inline}</c>'.encode(),
                              data)
            out.writestr(info, data)
    return dst


def test_a_total_whose_formula_was_deleted_is_an_error(tmp_path, cli):
    report = sample_county()[0]
    write(report, tmp_path / "u.xlsx")
    v = report.values
    blank = _without_cell(tmp_path / "u.xlsx", tmp_path / "blank.xlsx", "xl/worksheets/sheet4.xml", "J6")
    result = cli("check", blank)
    assert result.exit_code == 1
    parts = [v[f"requests.new.{c}"] for c in ("natural_person", "commercial", "research", "nonprofit",
                                               "legal_service", "other_org")]
    assert ("    三、依申请公开!J6（一、本年新收政府信息公开申请数量 / 申请人情况 / 总计）"
            "是合计，却是空的（公式被删除），"
            f"应为 {v['requests.new.total']}（D6+E6+F6+G6+H6+I6 = {'+'.join(map(str, parts))}）。") \
        in result.output.splitlines(), result.output
    assert "错误 R3 申请人合计不符 三、依申请公开!J6" in result.output
    fixed = cli("fill", blank, "-o", tmp_path / "f.xlsx")
    assert "（恢复了被删除的合计公式）" in fixed.output
    assert cli("check", tmp_path / "f.xlsx").exit_code == 0

    marked = _without_cell(tmp_path / "u.xlsx", tmp_path / "mark.xlsx", "xl/worksheets/sheet4.xml", "J6", "/")
    [r] = check_paths([marked])
    [f] = r.errors
    assert (f.rule, f.case, f.cells[0], f.expected, f.actual) == ("R3", "mark", "三、依申请公开!J6",
                                                                   v["requests.new.total"], "/")


def test_formulas_saved_without_their_values_are_no_finding(tmp_path):
    """openpyxl saves formulas without values (Excel calculates them on opening): such
    totals read blank but are not deleted; the one whose formula was deleted is."""
    report = sample_county()[0]
    write(report, tmp_path / "u.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "u.xlsx")
    wb.save(tmp_path / "script.xlsx")
    [r] = check_paths([tmp_path / "script.xlsx"])
    assert r.findings == [] and r.report.values == report.values
    wb["三、依申请公开"]["J29"].value = None  # （七）总计's grand total, a sum of a row and of a column
    wb.save(tmp_path / "deleted.xlsx")
    [r] = check_paths([tmp_path / "deleted.xlsx"])
    assert [(f.rule, f.case, f.cells[0], f.expected) for f in r.findings] == [
        ("R2", "blank", "三、依申请公开!J29", report.values["requests.results_total.total"])]


def test_a_value_click_checks_while_reading_the_command_line_is_told_in_chinese(tmp_path, cli):
    """click names a path parameter once, on import: it is named again in the words
    of the command line (English with --lang en)."""
    missing = tmp_path / "上年.xlsx"
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "县", "--previous", missing)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"错误：'--previous' 的值不对：文件 '{missing}' 不存在。"
    english = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "县", "--previous", missing,
                  "--lang", "en")
    assert english.output.splitlines()[-1] == f"Error: Invalid value for '--previous': File '{missing}' does not exist."
    assert not (tmp_path / "s.xlsx").exists()


def test_english_says_its_counts_and_brackets_in_english(cli):
    """No '1 warnings', no full-width brackets in the English heading of a file."""
    result = cli("check", str(EXAMPLES / "mistakes-2023.xlsx"), "--lang", "en")
    lines = result.output.splitlines()
    assert lines[0] == f"== {EXAMPLES / 'mistakes-2023.xlsx'} (示例县错误示范镇人民政府, 2023) =="
    assert "Result: errors 1, warnings 5." in lines
