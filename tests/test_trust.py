"""Never silently wrong, never a traceback, never a lost file: check, fill, merge and
template on the files and folders a county office really receives."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES, REPO, SAMPLE_COUNTY
from python_calamine import CalamineWorkbook

from samples import sample_county
from xltools import read, write
from xltools.model.values import year_range
from xltools.rules.batch import check_paths

CHITUDIAN = EXAMPLES / "chitudian-2023.xlsx"
STATUS = ["单位", "统一社会信用代码", "状态", "错误数", "警告数", "主要问题", "文件"]


def status_rows(path) -> dict[str, dict]:
    """上报情况 by file name (by unit for roster rows without a file)."""
    rows = list(openpyxl.load_workbook(path)["上报情况"].iter_rows(values_only=True))
    assert list(rows[0]) == STATUS
    return {Path(r[6]).name if r[6] else r[0]: dict(zip(STATUS, r)) for r in rows[1:]}


def brief(result):
    return [(f.rule, f.case, f.cells[0] if f.cells else None) for f in result.findings]


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    shutil.copytree(SAMPLE_COUNTY, folder)
    return folder, {r.unit: r for r in sample_county()}


# --- 1. a summary of units without codes reads again ----------------------------------

def test_a_summary_of_units_without_codes_is_checked_and_merged_again(tmp_path, cli):
    assert cli("template", "-o", tmp_path / "a.xlsx", "--unit", "甲", "--year", "2024").exit_code == 0
    assert cli("merge", tmp_path / "a.xlsx", "-o", tmp_path / "s.xlsx", "--unit", "县").exit_code == 0
    checked = cli("check", tmp_path / "s.xlsx")
    assert checked.exit_code == 0 and "Traceback" not in checked.output
    # the county's own text is still to write, but for the figures merge drafted into （二）
    assert checked.output.endswith("结果：0 个错误，6 个警告。\n评分：15/20（要素不全 −5：W4×6）\n"), checked.output
    city = cli("merge", tmp_path / "s.xlsx", "-o", tmp_path / "市.xlsx", "--unit", "市")
    assert city.exit_code == 0, city.output
    assert read(tmp_path / "市.xlsx").unit == "市"


# --- 2. template --data of the wrong shape --------------------------------------------

@pytest.mark.parametrize("data, message", [
    (b'{"text": {"problems": ["a"]}}', 'text.problems 应为文字，实际为 ["a"]'),
    (b'{"text": {"problems": 5}}', "text.problems 应为文字，实际为 5"),
    (b'{"text": "abc"}', "“text”应为 JSON 对象（{字段: 值}），实际为 abc"),
    (b'{"values": [1, 2]}', "“values”应为 JSON 对象（{字段: 值}），实际为 [1, 2]"),
    (b'{"meta": "x"}', "“meta”应为 JSON 对象（{字段: 值}），实际为 x"),
    ('{"meta": {}}'.encode("utf-16"), "文件是 UTF-16 编码（记事本的“Unicode”），请另存为 UTF-8"),
    (b"[1, 2]", "报告数据应为 JSON 对象（{…}），实际为 [1, 2]"),
    (b'{"values": {"requests.new.total": true}}', "values.requests.new.total 的值 True 不是数字"),
])
def test_report_json_of_the_wrong_shape_is_one_line_and_exit_2(tmp_path, data, message, cli):
    (tmp_path / "r.json").write_bytes(data)
    result = cli("template", "-o", tmp_path / "r.xlsx", "--data", tmp_path / "r.json")
    assert (result.exit_code, result.output) == (2, f"xltools: {tmp_path / 'r.json'}：{message}\n")
    assert not (tmp_path / "r.xlsx").exists()


def test_the_same_problem_in_english(tmp_path, cli):
    (tmp_path / "r.json").write_bytes(b'{"meta": "x"}')
    result = cli("template", "-o", tmp_path / "r.xlsx", "--data", tmp_path / "r.json", "--lang", "en")
    assert result.output == f'xltools: {tmp_path / "r.json"}: "meta" must be a JSON object ({{id: value}}), not x\n'


# --- 3. no command ever ends in a traceback ------------------------------------------

def _corpus(tmp_path: Path) -> list[list]:
    """Malformed invocations and inputs for every command."""
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    folder = tmp_path / "nothing"
    folder.mkdir()
    text = tmp_path / "a.txt"
    text.write_text("不是报告", encoding="utf-8")
    bad_json = tmp_path / "bad.json"
    bad_json.write_bytes(b"{")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"\xff\xfe\x00")
    out = tmp_path / "out"
    return [
        ["template"], ["template", "-o", out / "x.xlsx"], ["template", "-o", tmp_path / "t.txt"],
        ["template", "-o", tmp_path / "t.xlsx", "--year", "abc"],
        ["template", "-o", tmp_path / "t.xlsx", "--year", "1900"],
        ["template", "-o", tmp_path / "t.xlsx", "--data", bad_json], ["template", "-o", folder],
        ["check"], ["check", empty], ["check", junk], ["check", folder], ["check", tmp_path / "missing.xlsx"],
        ["check", CHITUDIAN, "--previous", junk, "-f", "yaml"], ["check", CHITUDIAN, "--annotate", CHITUDIAN],
        ["check", CHITUDIAN, SAMPLE_COUNTY, "--annotate", tmp_path / "x.xlsx"],
        ["fill", junk, "-o", tmp_path / "f.xlsx"], ["fill", CHITUDIAN], ["fill", CHITUDIAN, "-o", CHITUDIAN],
        ["fill", CHITUDIAN, "-o", out / "f.xlsx"], ["fill", folder, "--in-place"],
        ["merge", folder, "-o", tmp_path / "m.xlsx", "--unit", "县"], ["merge", junk, "-o", tmp_path / "m.xlsx"],
        ["merge", CHITUDIAN, "-o", tmp_path / "m.xlsx", "--unit", " "],
        ["merge", CHITUDIAN, "-o", tmp_path / "m.xlsx", "--unit", "县", "--roster", roster],
        ["merge", CHITUDIAN, "-o", tmp_path / "m.xlsx", "--unit", "县", "--year", "3000"],
        ["merge", CHITUDIAN, "-o", tmp_path / "m.csv", "--unit", "县"],
        ["merge", CHITUDIAN, "-o", CHITUDIAN, "--unit", "县"],
        ["export", junk], ["export", folder], ["export", CHITUDIAN, "-o", out / "e.json"],
        ["export", CHITUDIAN, "-f", "csv", "-o", tmp_path / "e.json"],
        ["import", empty], ["import", folder], ["import", text, text, "-o", tmp_path / "i.xlsx"],
        ["import", junk, "--format", "pdf"], ["import", junk, "--format", "docx"],
        ["publish", junk, "-o", tmp_path / "p.docx"], ["publish", CHITUDIAN, "-o", tmp_path / "p.pdf"],
        ["publish", CHITUDIAN, "-o", out / "p.docx"],
        ["excel-setup", "-o", tmp_path / "x.xlsx"], ["excel-setup", "-o", out / "x.xlsm"],
        ["fields", "-f", "xml"], ["nonsense"], ["check", "--nonsense", CHITUDIAN],
    ]


def test_no_command_ends_in_a_traceback(tmp_path, cli):
    for args in _corpus(tmp_path):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output, args
        assert isinstance(result.exception, SystemExit), (args, result.exception)


def test_an_unexpected_error_is_one_line_naming_a_log(tmp_path, monkeypatch, cli):
    import xltools.rules.batch

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(xltools.rules.batch, "check_paths", broken)
    result = cli("check", CHITUDIAN)
    assert result.exit_code == 2 and "Traceback" not in result.output
    [line] = result.output.splitlines()
    assert line.startswith("内部错误：RuntimeError: boom。请把下面的文件发给维护人员：")
    log = Path(line.rpartition("：")[2])
    assert "Traceback" in log.read_text(encoding="utf-8") and "RuntimeError: boom" in log.read_text(encoding="utf-8")
    debug = cli("--debug", "check", CHITUDIAN)
    assert isinstance(debug.exception, RuntimeError)  # --debug lets the traceback through


# --- 4, 7, 8. merge never counts a unit twice -----------------------------------------

def test_same_unit_with_two_codes_is_a_conflict_not_a_double_count(inbox, tmp_path, cli):
    folder, reports = inbox
    unit = reports["示例县教育局"]
    first = unit.meta["credit_code"]
    unit.meta["credit_code"] = "11419999000000000X"  # the copy sent before the code was corrected
    write(unit, folder / "教育局-旧.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1
    rows = status_rows(tmp_path / "s.xlsx")
    assert rows["教育局-旧.xlsx"]["状态"] == rows["示例县教育局.xlsx"]["状态"] == "重复"
    assert rows["教育局-旧.xlsx"]["主要问题"].split("\n")[0] == (
        f"与 示例县教育局.xlsx 的单位名称相同但统一社会信用代码不同（教育局-旧.xlsx：11419999000000000X；"
        f"示例县教育局.xlsx：{first}），无法确定哪一份有效")
    others = [r for u, r in reports.items() if u != "示例县教育局"]
    summed = read(tmp_path / "s.xlsx").values["requests.new.total"]
    assert summed == sum(r.values["requests.new.total"] for r in others)  # neither copy counted
    assert "重复  示例县教育局  " in result.output and "W4" not in result.output


def test_same_unit_once_with_a_code_once_without(inbox, tmp_path, cli):
    folder, reports = inbox
    unit = reports["示例县公安局"]
    code = unit.meta["credit_code"]
    unit.meta["credit_code"] = None
    write(unit, folder / "公安局（无代码）.xlsx")
    cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    problem = status_rows(tmp_path / "s.xlsx")["公安局（无代码）.xlsx"]["主要问题"]
    assert problem.split("\n")[0] == (f"与 示例县公安局.xlsx 的单位名称相同（代码：公安局（无代码）.xlsx：—；"
                                      f"示例县公安局.xlsx：{code}），是同一单位的两份报送")
    assert "均未填代码" not in problem


def _roster(path: Path, names_codes: list[tuple[str, str]]) -> Path:
    path.write_text("统一社会信用代码,单位名称\n" + "".join(f"{c},{n}\n" for n, c in names_codes), encoding="utf-8")
    return path


def test_names_are_matched_as_clerks_type_them(inbox, tmp_path, cli):
    folder, reports = inbox
    zone = reports["示例县自然资源局"]
    zone.meta |= {"unit": "示例县产业集聚区(开发区) 管理委员会", "credit_code": None}
    write(zone, folder / "示例县自然资源局.xlsx")
    town = reports["示例县城关镇人民政府"]
    town.meta |= {"unit": "示例县第２镇人民政府", "credit_code": None}
    write(town, folder / "示例县城关镇人民政府.xlsx")
    names = [(u, r.meta["credit_code"]) for u, r in reports.items()
             if u not in ("示例县自然资源局", "示例县城关镇人民政府")]
    roster = _roster(tmp_path / "名册.csv",
                     names + [("示例县产业集聚区（开发区）管理委员会", ""), ("示例县第2镇人民政府", "")])
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", roster)
    assert result.exit_code == 0, result.output
    rows = status_rows(tmp_path / "s.xlsx")
    assert rows["示例县自然资源局.xlsx"]["单位"] == "示例县产业集聚区(开发区) 管理委员会"  # shown as written
    assert {r["状态"] for r in rows.values()} == {"已汇总"}


def test_a_near_name_points_to_the_roster_unit(inbox, tmp_path, cli):
    folder, reports = inbox
    names = [(u, "") for u in reports if u != "示例县住房和城乡建设局"] + [("示例县住房与城乡建设局", "")]
    unit = reports["示例县住房和城乡建设局"]
    unit.meta["credit_code"] = None
    write(unit, folder / "示例县住房和城乡建设局.xlsx")
    for u, r in reports.items():  # codes off, so that names decide
        r.meta["credit_code"] = None
        write(r, folder / f"{u}.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster",
                 _roster(tmp_path / "r.csv", names))
    assert result.exit_code == 1
    rows = status_rows(tmp_path / "s.xlsx")
    assert rows["示例县住房和城乡建设局.xlsx"]["主要问题"] == "名册中没有这个单位\n名册中的“示例县住房与城乡建设局”？"
    assert rows["示例县住房与城乡建设局"]["主要问题"] == "名册中有，但未收到报送\n报送中的“示例县住房和城乡建设局”？"


def test_a_summary_saved_in_the_inbox_is_skipped(inbox, tmp_path, cli):
    folder, reports = inbox
    assert cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县").exit_code == 0
    shutil.copy(tmp_path / "s.xlsx", folder / "示例县汇总.xlsx")
    again = cli("merge", folder, "-o", tmp_path / "s2.xlsx", "--unit", "示例县")
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[:3] == [
        f"已写入汇总表 {tmp_path / 's2.xlsx'}（示例县，2023年）：汇总 14 个单位。",
        "另有 1 份由其他文件代表，不重复计入：",
        f"  已跳过  {folder / '示例县汇总.xlsx'}  本工具生成的汇总表，其中的单位都已单独报送"]
    assert read(tmp_path / "s2.xlsx").values == read(tmp_path / "s.xlsx").values
    assert status_rows(tmp_path / "s2.xlsx")["示例县汇总.xlsx"]["状态"] == "已跳过"


def test_two_summaries_that_share_units_are_both_excluded(inbox, tmp_path, cli):
    folder, reports = inbox
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for i, p in enumerate(sorted(folder.glob("*.xlsx"))):
        shutil.copy(p, a if i < 8 else b)
    shutil.copy(sorted(folder.glob("*.xlsx"))[0], b)  # one unit in both
    assert cli("merge", a, "-o", tmp_path / "甲.xlsx", "--unit", "甲片区").exit_code == 0
    assert cli("merge", b, "-o", tmp_path / "乙.xlsx", "--unit", "乙片区").exit_code == 0
    result = cli("merge", tmp_path / "甲.xlsx", tmp_path / "乙.xlsx", "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 2  # nothing left to merge
    shared = sorted(folder.glob("*.xlsx"))[0].stem
    assert f"    其中的单位（{shared}）也在 乙.xlsx 中" in result.output.splitlines()
    assert f"    其中的单位（{shared}）也在 甲.xlsx 中" in result.output.splitlines()


# --- 5. .xls and .ods in a folder ----------------------------------------------------

def test_old_and_opendocument_files_in_a_folder_are_named_and_counted(inbox, tmp_path, cli):
    folder, reports = inbox
    (folder / "示例县民政局.xlsx").unlink()
    (folder / "示例县民政局.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "示例县财政局.xlsx").unlink()
    with zipfile.ZipFile(folder / "示例县财政局.ods", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    checked = cli("check", folder)
    assert checked.exit_code == 2
    assert f"== {folder / '示例县民政局.xls'} ==\n  无法读取：文件是旧版 Excel 97-2003 格式（.xls）。" in checked.output
    assert (f"== {folder / '示例县财政局.ods'} ==\n"
            "  无法读取：文件是 OpenDocument 表格（.ods），不是模板的 .xlsx 格式。") in checked.output
    roster = _roster(tmp_path / "r.csv", [(u, r.meta["credit_code"]) for u, r in reports.items()])
    merged = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", roster)
    assert merged.exit_code == 1
    rows = status_rows(tmp_path / "s.xlsx")
    assert rows["示例县民政局.xls"]["状态"] == rows["示例县财政局.ods"]["状态"] == "无法读取"
    assert rows["示例县民政局.xls"]["错误数"] == rows["示例县财政局.ods"]["错误数"] == 1
    assert "未报送" not in merged.output  # they did submit, in the wrong format


# --- 6. a number typed as text, in a file saved by LibreOffice -----------------------

def test_text_numbers_in_a_libreoffice_file_are_one_warning_not_errors(tmp_path, soffice):
    report = sample_county()[0]
    write(report, tmp_path / "v.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "v.xlsx")
    cell = wb["三、依申请公开"]["D6"]
    cell.value, cell.data_type = str(report.values["requests.new.natural_person"]), "s"
    wb.save(tmp_path / "typed.xlsx")
    saved = soffice(tmp_path / "typed.xlsx")  # LibreOffice recalculates: its SUM leaves the text out
    result = check_paths([saved])[0]
    assert brief(result) == [("W0", "total", "三、依申请公开!D6")]
    assert result.findings[0].message().endswith(
        "合计公式不会计算文字形式的数字，所以文件中 三、依申请公开!J6 的合计少算了它。")
    assert result.report.values["requests.new.total"] == report.values["requests.new.total"]
    live = CalamineWorkbook.from_path(str(saved)).get_sheet_by_name("三、依申请公开").to_python()[31]
    assert live[3] == "文字" and live[4] == "✓"


# --- 9. check --previous says what it cannot use -------------------------------------

def test_a_previous_report_that_cannot_be_used_is_said(tmp_path):
    this, last = sample_county()[1], sample_county(year=2022)[1]
    write(this, tmp_path / "2023.xlsx")
    write(last, tmp_path / "2022.xlsx")
    (tmp_path / "cut.xlsx").write_bytes((tmp_path / "2022.xlsx").read_bytes()[:3000])
    write(sample_county()[1], tmp_path / "same-year.xlsx")
    write(sample_county(year=2022)[2], tmp_path / "other.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "2022.xlsx")
    wb["三、依申请公开"].insert_rows(8)
    wb.save(tmp_path / "moved.xlsx")

    def w8(previous):
        [result] = check_paths([tmp_path / "2023.xlsx"], [tmp_path / previous])
        return [f.message() for f in result.findings if f.rule == "W8"]

    assert w8("2022.xlsx") == []
    assert w8("cut.xlsx") == ["上年报告 cut.xlsx 无法读取（文件不完整或已损坏，无法打开。），未与上年核对。"]
    assert w8("same-year.xlsx") == ["上年报告 same-year.xlsx 的年度是 2023，不是 2022，未与上年核对。"]
    assert w8("other.xlsx") == [f"上年报告 other.xlsx 的单位是“{sample_county()[2].unit}”，"
                                f"不是本报告的“{this.unit}”，未与上年核对。"]
    assert w8("moved.xlsx") == ["上年报告 moved.xlsx 的“三、依申请公开”表未能读取（表格结构被改动），"
                                "这部分未与上年核对。"]


# --- 10. the sheets around the report ------------------------------------------------

@pytest.mark.parametrize("sheet, case", [("审核说明", "explanations"), ("填报说明", "missing")])
def test_deleting_an_explanation_sheet_is_a_warning(tmp_path, sheet, case, cli):
    wb = openpyxl.load_workbook(SAMPLE_COUNTY / "示例县教育局.xlsx")
    wb.security.lockStructure = False
    del wb[sheet]
    wb.save(tmp_path / "u.xlsx")
    result = cli("check", tmp_path / "u.xlsx", "-f", "json")
    assert result.exit_code == 0
    [r] = check_paths([tmp_path / "u.xlsx"])
    assert brief(r) == [("W9", case, None)] and r.ok
    assert r.findings[0].message() == f"缺少工作表“{sheet}”（被删除或改名）" + (
        "，写在其中的审核说明无法读取。" if case == "explanations" else "。")


# --- 11. cover values ------------------------------------------------------------------

@pytest.mark.parametrize("year", ["1900", "3000", "-5"])
def test_template_refuses_a_year_nobody_reports_on(tmp_path, year, cli):
    result = cli("template", "-o", tmp_path / "t.xlsx", "--year", year)
    first, last = year_range()
    assert (result.exit_code, result.output) == (2, f"xltools: 报告年度 {year} 不在 {first}–{last} 之间\n")
    assert not (tmp_path / "t.xlsx").exists()


def test_cover_years_as_clerks_type_them(tmp_path):
    report = sample_county()[0]
    for raw, expected in (("2023年", [("W0", "year", "封面!B6")]), (1900, [("S5", "year", "封面!B6")])):
        write(report, tmp_path / "u.xlsx")
        wb = openpyxl.load_workbook(tmp_path / "u.xlsx")
        wb["封面"]["B6"].value = raw
        wb.save(tmp_path / "u.xlsx")
        [r] = check_paths([tmp_path / "u.xlsx"])
        assert [x for x in brief(r) if x[2] == "封面!B6"] == expected
    assert r.findings[0].message() == (f"封面!B6（报告年度）应为 {'–'.join(map(str, year_range()))} 之间的年份"
                                       "（如 2023），实际为“1900”。")
    wb["封面"]["B6"].value = "2023年"
    wb.save(tmp_path / "u.xlsx")
    assert read(tmp_path / "u.xlsx").year == 2023


def test_merge_refuses_a_blank_unit_before_writing(tmp_path, cli):
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "  ")
    assert (result.exit_code, result.output) == (2, "xltools: --unit 不能为空：汇总表的单位名称写在封面上\n")
    assert not (tmp_path / "s.xlsx").exists()


# --- 12. an existing file is replaced only with --force ---------------------------------

@pytest.mark.parametrize("name, args", [
    ("t.xlsx", ["template", "-o", "{out}"]),
    ("s.xlsx", ["merge", SAMPLE_COUNTY, "-o", "{out}", "--unit", "示例县"]),
    ("r.docx", ["publish", CHITUDIAN, "-o", "{out}"]),
    ("i.xlsx", ["import", EXAMPLES / "chitudian-2023-report.txt", "-o", "{out}"]),
    ("e.csv", ["export", CHITUDIAN, "-f", "csv", "-o", "{out}"]),
    ("x.xlsm", ["excel-setup", "-o", "{out}"]),
    ("f.xlsx", ["fill", CHITUDIAN, "-o", "{out}"]),
])
def test_an_existing_output_is_replaced_only_with_force(tmp_path, name, args, cli):
    out = tmp_path / name
    out.write_bytes(b"a filled workbook")
    argv = [str(out) if a == "{out}" else a for a in args]
    refused = cli(*argv)
    assert (refused.exit_code, refused.output) == (
        2, f"xltools: {out} 已存在，未写入；如确要替换，请加 --force（原文件会先备份）\n")
    assert out.read_bytes() == b"a filled workbook"
    forced = cli(*argv, "--force")
    assert forced.exit_code in (0, 1), forced.output
    backup = out.with_name(f"{out.stem}.bak{out.suffix}")
    assert backup.read_bytes() == b"a filled workbook" and out.read_bytes() != b"a filled workbook"
    assert f"原文件已备份为 {backup}" in forced.output


@pytest.mark.parametrize("args, suffixes", [
    (["template", "-o", "x.txt"], ".xlsx"), (["excel-setup", "-o", "x.xlsx"], ".xlsm"),
    (["publish", CHITUDIAN, "-o", "x.pdf"], ".md、.html、.htm、.docx"),
])
def test_an_output_of_the_wrong_kind_is_refused(tmp_path, args, suffixes, cli):
    argv = [tmp_path / a if a.startswith("x.") else a for a in map(str, args)]
    result = cli(*argv)
    target = next(a for a in argv if isinstance(a, Path))
    assert (result.exit_code, result.output) == (2, f"xltools: {target}：请写成 {suffixes} 文件\n")


# --- 13. never the bare package name ----------------------------------------------------

def test_excel_setup_names_the_wheel_a_clerk_has_not_the_countys_checkout(tmp_path, cli):
    """Installed from the checkout (as the tests are), the command names the wheel it
    builds; the checkout's folder is on the county's computer only."""
    from importlib.metadata import version

    wheel = f"xltools-{version('xltools')}-py3-none-any.whl"
    result = cli("excel-setup", "-o", tmp_path / "x.xlsm")
    assert result.exit_code == 0
    assert f'pip install "D:\\下载\\{wheel}[excel]"（把 D:\\下载 换成县政务公开办发的安装文件 {wheel} 所在的文件夹）' \
        in result.output
    assert str(REPO) not in result.output
    assert 'pip install "xltools[excel]"' not in result.output
    for doc in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        assert 'pip install "xltools[excel]"' not in doc.read_text(encoding="utf-8"), doc


def test_a_parser_panic_is_the_files_failure_not_a_crash(tmp_path, monkeypatch, cli):
    """python-calamine's Rust panics arrive as an exception outside Exception (pyo3's
    PanicException); the file is unreadable, the run goes on."""
    import xltools.xlsx.reader

    class PanicException(BaseException):
        pass

    def panics(*_a, **_k):
        raise PanicException("TimeDelta::milliseconds out of bounds")

    monkeypatch.setattr(xltools.xlsx.reader, "_sheets", panics)
    result = cli("check", CHITUDIAN, "--format", "json")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "文件不完整或已损坏，无法打开。" in result.output
    assert cli("check", CHITUDIAN, "--lang", "en").output.count("PanicException: TimeDelta::milliseconds out of bounds")
