"""Every file received is accounted for: checked and merged, excluded with its
reason, or skipped with its reason, in check's output, in merge's 上报情况 and 来源,
and in what desk add prints; never 未报送 for a unit whose file could not be read."""
from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from conftest import EXAMPLES, SAMPLE_COUNTY

from samples import sample_county
from xltools import write

ROSTER = EXAMPLES / "sample-county-roster.csv"
NDRC = "示例县发展和改革委员会"
NDRC_CODE = "11419999436642151R"
LOCK_WHY = "Excel 锁定文件（工作簿在 Excel 中打开时生成，不是报送的文件）"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sheet(path, name) -> list[dict]:
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "收件箱"
    shutil.copytree(SAMPLE_COUNTY, folder)
    return folder


NOT_WORKBOOKS = [
    (f"{NDRC}.csv", ROSTER.read_bytes(),
     "F2 文件不是 Excel 工作簿：这是一个 CSV 文本文件，开头为“统一社会信用代码,单位名称,上级单位,类型”。"),
    (f"{NDRC}.txt", f"{NDRC}2023年政府信息公开工作年度报告\r\n一、总体情况\r\n".encode("gbk"),
     f"F2 文件不是 Excel 工作簿：这是一个文本文件，开头为“{NDRC}2023年政府信息公开工作年度报告”。"),
    (f"{NDRC}2023年报.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "F2 文件不是 Excel 工作簿：这是一个 PDF 文件。"),
    (f"{NDRC}.doc", OLE2 + b"\0" * 64 + "WordDocument".encode("utf-16-le") + b"\0" * 512,
     "F2 文件不是 Excel 工作簿：这是一份 Word 文档（.doc）。"),
]


@pytest.mark.parametrize("name,data,why", NOT_WORKBOOKS, ids=["csv", "txt", "pdf", "doc"])
def test_a_unit_whose_file_is_no_workbook_is_received_but_unreadable(inbox, tmp_path, name, data, why, cli):
    (inbox / f"{NDRC}.xlsx").unlink()
    (inbox / name).write_bytes(data)
    (inbox / "~$示例县教育局.xlsx").write_bytes(b"\x0bclerk")
    result = cli("merge", inbox, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", ROSTER)
    assert result.exit_code == 1, result.output
    rows = sheet(tmp_path / "s.xlsx", "上报情况")
    assert rows[1] == {"单位": NDRC, "统一社会信用代码": NDRC_CODE, "状态": "无法读取", "错误数": 1, "警告数": None,
                       "主要问题": f"收到了这个单位的文件，但无法读取：\n{name}：{why}", "文件": str(inbox / name),
                       "类型": "部门"}
    lock = next(r for r in rows if r["文件"] == str(inbox / "~$示例县教育局.xlsx"))
    assert lock == {"单位": "~$示例县教育局", "统一社会信用代码": None, "状态": "已跳过", "错误数": None,
                    "警告数": None, "主要问题": LOCK_WHY, "文件": str(inbox / "~$示例县教育局.xlsx"), "类型": "部门"}
    assert rows.index(lock) == [r["单位"] for r in rows].index("示例县教育局") - 1  # beside its unit
    assert [r["状态"] for r in rows].count("已汇总") == 13 and "未报送" not in [r["状态"] for r in rows]
    sources = {r["文件"]: r for r in sheet(tmp_path / "s.xlsx", "来源")}
    assert set(sources) == {str(p) for p in inbox.iterdir()}  # every file received, once
    assert (sources[str(inbox / name)]["状态"], sources[str(inbox / name)]["说明"]) == ("无法读取", why)
    assert sources[str(inbox / name)]["大小（字节）"] == len(data)
    assert (sources[str(inbox / "~$示例县教育局.xlsx")]["状态"], sources[str(inbox / "~$示例县教育局.xlsx")]["说明"]) \
        == ("已跳过", LOCK_WHY)
    assert f"收到的文件无法读取 1 个：\n  {NDRC} {NDRC_CODE}\n    {name}：{why}\n" in result.output
    assert f"跳过 1 个文件：\n  {inbox / '~$示例县教育局.xlsx'}：{LOCK_WHY}\n" in result.output
    assert "未报送" not in result.output


def test_without_a_roster_a_file_that_is_no_workbook_is_listed_as_skipped(inbox, tmp_path, cli):
    name, data, why = NOT_WORKBOOKS[0]
    (inbox / name).write_bytes(data)
    result = cli("merge", inbox, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 0, result.output
    row = next(r for r in sheet(tmp_path / "s.xlsx", "上报情况") if r["文件"] == str(inbox / name))
    assert row == {"单位": NDRC, "统一社会信用代码": None, "状态": "已跳过", "错误数": None, "警告数": None,
                   "主要问题": why, "文件": str(inbox / name)}
    assert f"跳过 1 个文件：\n  {inbox / name}：{why.removeprefix('F2 ')}\n" in result.output


def test_check_lists_every_file_of_a_folder(inbox, cli):
    for name, data, _ in NOT_WORKBOOKS[:2]:
        (inbox / name).write_bytes(data)
    (inbox / "~$示例县教育局.xlsx").write_bytes(b"lock")
    result = cli("check", inbox)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "跳过 3 个文件：\n"
        f"  {inbox / '~$示例县教育局.xlsx'}：{LOCK_WHY}\n"
        f"  {inbox / NOT_WORKBOOKS[0][0]}：{NOT_WORKBOOKS[0][2].removeprefix('F2 ')}\n"
        f"  {inbox / NOT_WORKBOOKS[1][0]}：{NOT_WORKBOOKS[1][2].removeprefix('F2 ')}\n\n"
        "共 17 个文件：检查 14 个，14 个无错误，0 个有错误，0 个无法读取；跳过 3 个（原因见上）。\n")
    data = json.loads(cli("check", inbox, "-f", "json").output)
    assert len(data["files"]) == 14
    assert data["skipped"] == [
        {"path": str(inbox / "~$示例县教育局.xlsx"), "rule": None, "reason": LOCK_WHY},
        {"path": str(inbox / NOT_WORKBOOKS[0][0]), "rule": "F2", "reason": NOT_WORKBOOKS[0][2].removeprefix("F2 ")},
        {"path": str(inbox / NOT_WORKBOOKS[1][0]), "rule": "F2", "reason": NOT_WORKBOOKS[1][2].removeprefix("F2 ")}]


def test_a_file_named_that_is_no_workbook_says_what_it_is(cli):
    result = cli("check", ROSTER)
    assert result.exit_code == 2
    assert result.output == (
        f"== {ROSTER} ==\n"
        "  无法读取：文件不是 Excel 工作簿：这是一个 CSV 文本文件，开头为“统一社会信用代码,单位名称,上级单位,类型”。\n"
        "    修改：请报送按标准模板填写的 Excel 工作簿（.xlsx）：PDF、Word、网页和文字文件不能按模板读取；"
        "模板另存成了其他格式的，请在 Excel 或 WPS 中另存为“Excel 工作簿（*.xlsx）”。\n")


@pytest.mark.parametrize("data,why", [
    ("单位,数量\n教育局,1\n".encode("gbk"), "这是一个 CSV 文本文件，开头为“单位,数量”"),
    ("\ufeff说明：本单位无依申请公开".encode("utf-8"), "这是一个文本文件，开头为“说明：本单位无依申请公开”"),
    ("说明：本单位无依申请公开".encode("utf-16"), "这是一个文本文件，开头为“说明：本单位无依申请公开”"),
    (b"<!DOCTYPE html><html><body>x</body></html>", "这是一个网页（HTML）文件"),
    (b"\x89PNG\r\n\x1a\n\0\0", "这是一张图片"),
    (b"\x00\x01\x02\x03\xfe\xff\x10\x11", "也不是能认出的其他文件（开头的字节为 00 01 02 03 FE FF 10 11）"),
], ids=["gbk-csv", "utf8-bom", "utf16", "html", "png", "binary"])
def test_the_start_of_a_file_is_shown_as_the_text_it_is(tmp_path, data, why, cli):
    (tmp_path / "年报.xlsx").write_bytes(data)
    result = cli("check", tmp_path / "年报.xlsx")
    assert result.exit_code == 2 and why in result.output.splitlines()[1], result.output


def test_desk_add_of_a_folder_lists_the_files_it_skipped(tmp_path, cli):
    folder = tmp_path / "邮件"
    folder.mkdir()
    shutil.copy(SAMPLE_COUNTY / "示例县教育局.xlsx", folder)
    (folder / f"{NDRC}.csv").write_bytes(ROSTER.read_bytes())
    assert cli("desk", "init", tmp_path / "审核台", "--roster", ROSTER, "--year", 2023).exit_code == 0
    result = cli("desk", "add", tmp_path / "审核台", folder)
    assert result.output.endswith(
        f"跳过 1 个文件：\n  {folder / f'{NDRC}.csv'}：{NOT_WORKBOOKS[0][2].removeprefix('F2 ')}\n"), result.output


def _finance_resubmitted(inbox):
    """示例县财政局 sent with a mistyped code (check digit B, not on the roster), then again
    with the roster's code under another name."""
    finance = {r.unit: r for r in sample_county()}["示例县财政局"]
    shutil.move(inbox / "示例县财政局.xlsx", inbox / "示例县财政局（更正版）.xlsx")
    finance.meta["credit_code"] = "11419999054998430B"
    write(finance, inbox / "示例县财政局.xlsx")


def test_the_roster_code_picks_one_of_two_files_and_a_copy_is_one_submission(inbox, tmp_path, cli):
    _finance_resubmitted(inbox)
    shutil.copy(inbox / "示例县教育局.xlsx", inbox / "示例县教育局 - 副本.xlsx")
    result = cli("merge", inbox, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", ROSTER)
    assert result.exit_code == 0, result.output
    rows = sheet(tmp_path / "s.xlsx", "上报情况")
    by_file = {r["文件"]: (r["状态"], r["错误数"], r["主要问题"]) for r in rows}
    assert by_file[str(inbox / "示例县财政局（更正版）.xlsx")] == ("已汇总", 0, None)
    taken = ("统一社会信用代码 11419999054998430B 不在名册（名册为 11419999054998430R），"
             "已采用 示例县财政局（更正版）.xlsx")
    assert by_file[str(inbox / "示例县财政局.xlsx")] == (
        "未采用", 0, f"{taken}\nW7 封面!B4（统一社会信用代码）“11419999054998430B”不是有效的统一社会信用代码。")
    copy = "与 示例县教育局.xlsx 内容完全相同，按一份报送计"
    assert by_file[str(inbox / "示例县教育局 - 副本.xlsx")] == ("重复副本", 0, copy)
    assert by_file[str(inbox / "示例县教育局.xlsx")][0] == "已汇总"
    assert [r["状态"] for r in rows].count("已汇总") == 14
    assert result.output == (
        f"已写入汇总表 {tmp_path / 's.xlsx'}（示例县，2023年）：汇总 14 个单位。\n"
        "另有 2 份由其他文件代表，不重复计入：\n"
        f"  重复副本  {inbox / '示例县教育局 - 副本.xlsx'}  {copy}\n"
        f"  未采用  {inbox / '示例县财政局.xlsx'}  {taken}\n")
    sources = {r["文件"]: (r["状态"], r["说明"]) for r in sheet(tmp_path / "s.xlsx", "来源")}
    assert sources[str(inbox / "示例县教育局 - 副本.xlsx")] == ("重复副本", copy)
    assert sources[str(inbox / "示例县财政局.xlsx")] == ("未采用", taken)
    scored = [r["文件"] for r in sheet(tmp_path / "s.xlsx", "质量评分")]
    assert str(inbox / "示例县教育局 - 副本.xlsx") not in scored
    # the same sums as the county sent once, each unit once
    whole = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "whole.xlsx", "--unit", "示例县")
    assert whole.exit_code == 0
    from xltools import read
    assert read(tmp_path / "s.xlsx").values == read(tmp_path / "whole.xlsx").values


def test_without_a_roster_two_codes_of_one_unit_remain_a_conflict(inbox, tmp_path, cli):
    _finance_resubmitted(inbox)
    result = cli("merge", inbox, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1
    rows = [r for r in sheet(tmp_path / "s.xlsx", "上报情况") if r["单位"] == "示例县财政局"]
    assert [r["状态"] for r in rows] == ["重复", "重复"]
    assert all("无法确定哪一份有效" in r["主要问题"] for r in rows)


@pytest.mark.parametrize("name,data,why", [
    ("示例县教育局.xls", OLE2 + b"\0" * 600, "F4 文件是旧版 Excel 97-2003 格式（.xls）。"),
    ("示例县教育局.xlsx", OLE2 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600, "F5 "),
    ("示例县教育局.xlsx", b"", "F1 "),
    ("示例县教育局.xlsx", (SAMPLE_COUNTY / "示例县教育局.xlsx").read_bytes()[:5000],
     "F3 文件不完整或已损坏，无法打开。"),
], ids=["xls", "password", "empty", "truncated"])
def test_an_unreadable_file_counts_its_fatal_finding_as_an_error(inbox, tmp_path, name, data, why, cli):
    (inbox / "示例县教育局.xlsx").unlink()
    (inbox / name).write_bytes(data)
    result = cli("merge", inbox, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", ROSTER)
    assert result.exit_code == 1
    row = next(r for r in sheet(tmp_path / "s.xlsx", "上报情况") if r["文件"] == str(inbox / name))
    assert (row["单位"], row["状态"], row["错误数"], row["警告数"]) == ("示例县教育局", "无法读取", 1, 0)
    assert row["主要问题"].startswith(why) and "\n" not in row["主要问题"]
    assert f"  无法读取  {name.rsplit('.', 1)[0]}  {inbox / name}\n    {why}" in result.output


def test_two_empty_files_are_two_units_failures_not_copies(inbox, tmp_path, cli):
    for unit in ("示例县教育局", "示例县财政局"):
        (inbox / f"{unit}.xlsx").write_bytes(b"")
    cli("merge", inbox, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", ROSTER)
    rows = {r["单位"]: r for r in sheet(tmp_path / "s.xlsx", "上报情况")}
    for unit in ("示例县教育局", "示例县财政局"):
        assert (rows[unit]["状态"], rows[unit]["错误数"], rows[unit]["文件"]) == (
            "无法读取", 1, str(inbox / f"{unit}.xlsx"))


def test_a_copy_does_not_count_twice_for_the_year(tmp_path, cli):
    folder = tmp_path / "in"
    folder.mkdir()
    reports = {r.unit: r for r in sample_county()}
    old = reports["示例县教育局"]
    old.meta["year"] = 2022
    write(old, folder / "示例县教育局.xlsx")
    shutil.copy(folder / "示例县教育局.xlsx", folder / "示例县教育局 - 副本.xlsx")
    write(reports["示例县财政局"], folder / "示例县财政局.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 2
    assert result.output == ("xltools: 报送的报告年度不一，且份数相同：2022（1）、2023（1）；"
                             "请用 --year 指定汇总哪一年\n")


def test_a_word_file_is_named_so_whether_checked_or_skipped(tmp_path, cli):
    """An old Word file names its main stream past its first 4 KB: the folder's list
    of skipped files says Word as check of the same bytes does."""
    from xltools.xlsx.guard import OLE2

    data = OLE2 + b"\0" * 20000 + "WordDocument".encode("utf-16-le") + b"\0" * 100
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "报告.doc").write_bytes(data)
    (tmp_path / "报告.xls").write_bytes(data)
    folder = cli("check", str(tmp_path / "in"))
    named = cli("check", str(tmp_path / "报告.xls"))
    assert "Word 文档" in named.output
    assert "Word 文档" in folder.output and "旧版 Office 文件" not in folder.output
