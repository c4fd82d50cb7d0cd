"""`xltools merge`: exact sums, a summary that is a report, and the trail."""
from __future__ import annotations

import json
import shutil
from decimal import Decimal

import openpyxl
import pytest
from conftest import SAMPLE_COUNTY

from samples import sample_county
from xltools import read, write
from xltools.model.schema import load_format
from xltools.rules.batch import check_paths

FMT = load_format()
STATUS_COLUMNS = ["单位", "统一社会信用代码", "状态", "错误数", "警告数", "主要问题", "文件"]


def num(value) -> Decimal:
    """A number as openpyxl reads it (float for decimals), exactly as Excel shows it."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value or 0)


def status_rows(path) -> list[dict]:
    ws = openpyxl.load_workbook(path)["上报情况"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == STATUS_COLUMNS
    return [dict(zip(STATUS_COLUMNS, r)) for r in rows[1:]]


def exported_sum(cli, paths) -> dict:
    """The sum of every detail, computed from `xltools export` of each input."""
    total: dict = {}
    for p in paths:
        data = json.loads(cli("export", p).output, parse_float=Decimal)
        for fid, value in data["values"].items():
            if FMT.fields[fid].kind != "total":
                total[fid] = total.get(fid, 0) + (value or 0)
    return total


def test_sample_county_summary_equals_an_independent_sum(tmp_path, cli):
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "county.xlsx", "--unit", "示例县")
    assert result.exit_code == 0, result.output
    assert result.output == f"已写入汇总表 {tmp_path / 'county.xlsx'}（示例县，2023年）：汇总 14 个单位。\n"
    summary = read(tmp_path / "county.xlsx")
    expected = exported_sum(cli, sorted(SAMPLE_COUNTY.glob("*.xlsx")))
    assert {k: v for k, v in summary.values.items() if FMT.fields[k].kind != "total"} == expected
    assert isinstance(summary.values["fees.collected"], Decimal) or summary.values["fees.collected"] == 0
    assert summary.values["requests.new.total"] == sum(expected[f"requests.new.{c}"] for c in (
        "natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org"))
    assert (summary.unit, summary.year) == ("示例县", 2023)
    [checked] = check_paths([tmp_path / "county.xlsx"])
    assert checked.errors == []
    rows = status_rows(tmp_path / "county.xlsx")
    assert [r["状态"] for r in rows] == ["已汇总"] * 14
    wb = openpyxl.load_workbook(tmp_path / "county.xlsx")
    detail = list(wb["明细"].iter_rows(values_only=True))
    assert detail[1][:3] == ("unit", "credit_code", "proactive.regulation.issued")
    assert wb["明细"].row_dimensions[2].hidden
    ids = list(detail[1])
    assert detail[-1][0] == "合计"
    assert all(num(detail[-1][i]) == summary.values[fid] for i, fid in enumerate(ids) if i >= 2 and fid in FMT.fields)
    for i, fid in [(i, fid) for i, fid in enumerate(ids) if i >= 2 and fid in FMT.fields]:
        assert sum(num(r[i]) for r in detail[2:-1]) == num(detail[-1][i]), fid
    assert len(list(wb["各单位文字"].iter_rows())) == 1 + 14 * len(FMT.text_fields())  # a row per unit and section
    assert wb["_units"].sheet_state == "veryHidden"
    sources = list(wb["来源"].iter_rows(values_only=True))
    assert len(sources) == 15 and len(sources[1][2]) == 64


def _county(folder, county: str, seed: int) -> list:
    folder.mkdir()
    paths = []
    for report in sample_county(seed=seed, county=county):
        write(report, folder / f"{report.unit}.xlsx")
        paths.append(folder / f"{report.unit}.xlsx")
    return paths


def test_city_of_county_summaries_equals_merging_all_units(tmp_path, cli):
    a = _county(tmp_path / "a", "示例甲县", 1)
    b = _county(tmp_path / "b", "示例乙县", 2)
    assert cli("merge", tmp_path / "a", "-o", tmp_path / "甲县.xlsx", "--unit", "示例甲县").exit_code == 0
    assert cli("merge", tmp_path / "b", "-o", tmp_path / "乙县.xlsx", "--unit", "示例乙县").exit_code == 0
    city = cli("merge", tmp_path / "甲县.xlsx", tmp_path / "乙县.xlsx", "-o", tmp_path / "市.xlsx", "--unit", "示例市")
    assert city.exit_code == 0, city.output
    direct = cli("merge", tmp_path / "a", tmp_path / "b", "-o", tmp_path / "直接.xlsx", "--unit", "示例市")
    assert direct.exit_code == 0
    assert read(tmp_path / "市.xlsx").values == read(tmp_path / "直接.xlsx").values
    assert len(a) + len(b) == 28
    # a county summary merged together with one of its own units counts twice: both excluded
    again = cli("merge", tmp_path / "甲县.xlsx", a[0], tmp_path / "乙县.xlsx", "-o", tmp_path / "错.xlsx",
                "--unit", "示例市")
    assert again.exit_code == 1
    rows = {r["单位"]: r for r in status_rows(tmp_path / "错.xlsx")}
    assert rows["示例甲县"]["状态"] == rows[a[0].stem]["状态"] == "重复"
    assert rows["示例甲县"]["主要问题"].startswith(f"其中的单位（{a[0].stem}）也在 {a[0].name} 中\n")
    assert rows[a[0].stem]["主要问题"].startswith("已包含在汇总表 甲县.xlsx 中")
    assert rows["示例乙县"]["状态"] == "已汇总"


@pytest.fixture
def inbox(tmp_path):
    """The sample county as received, and the reports behind it."""
    folder = tmp_path / "inbox"
    shutil.copytree(SAMPLE_COUNTY, folder)
    return folder, {r.unit: r for r in sample_county()}


def test_an_input_with_errors_is_excluded(inbox, tmp_path, cli):
    folder, reports = inbox
    bad = reports["示例县教育局"]
    bad.values["appeals.review.total"] += 1
    write(bad, folder / "示例县教育局.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1
    row = next(r for r in status_rows(tmp_path / "s.xlsx") if r["单位"] == "示例县教育局")
    total = bad.values["appeals.review.total"]
    assert row == {"单位": "示例县教育局", "统一社会信用代码": bad.meta["credit_code"], "状态": "有错误", "错误数": 1,
                   "警告数": 1, "主要问题": row["主要问题"], "文件": str(folder / "示例县教育局.xlsx")}
    assert row["主要问题"].startswith(f"R4 四、复议诉讼!E6（行政复议 / 总计）应为 {total - 1}")
    assert "未汇总 1 份：\n  有错误  示例县教育局" in result.output
    merged = read(tmp_path / "s.xlsx")
    others = [r for u, r in reports.items() if u != "示例县教育局"]
    assert merged.values["requests.new.total"] == sum(r.values["requests.new.total"] for r in others)


def test_another_year_is_excluded(inbox, tmp_path, cli):
    folder, reports = inbox
    old = reports["示例县财政局"]
    old.meta["year"] = 2022
    write(old, folder / "示例县财政局.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--year", "2023")
    assert result.exit_code == 1
    row = next(r for r in status_rows(tmp_path / "s.xlsx") if r["单位"] == "示例县财政局")
    assert (row["状态"], row["错误数"], row["主要问题"]) == ("年度不符", 0, "报告年度为 2022，汇总年度为 2023")


def test_two_inputs_of_one_unit_are_both_excluded(inbox, tmp_path, cli):
    folder, reports = inbox
    changed = reports["示例县民政局"]
    changed.text["other"] += "（修改）"
    write(changed, folder / "民政局-修改版.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1
    rows = [r for r in status_rows(tmp_path / "s.xlsx") if r["单位"] == "示例县民政局"]
    code = reports["示例县民政局"].meta["credit_code"]
    assert sorted((r["状态"], r["主要问题"]) for r in rows) == [
        ("重复", "与 民政局-修改版.xlsx 的统一社会信用代码相同"
                 f"（示例县民政局.xlsx：{code}；民政局-修改版.xlsx：{code}），是同一单位的两份报送"),
        ("重复", "与 示例县民政局.xlsx 的统一社会信用代码相同"
                 f"（民政局-修改版.xlsx：{code}；示例县民政局.xlsx：{code}），是同一单位的两份报送")]
    assert {r["文件"] for r in rows} == {str(folder / "示例县民政局.xlsx"), str(folder / "民政局-修改版.xlsx")}


def test_same_name_without_codes_is_a_duplicate(inbox, tmp_path, cli):
    folder, reports = inbox
    unit = reports["示例县公安局"]
    unit.meta["credit_code"] = None
    write(unit, folder / "示例县公安局.xlsx")
    unit.text["other"] += "（修改）"  # another file, not a byte-identical copy
    write(unit, folder / "公安局2.xlsx")
    cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    rows = [r for r in status_rows(tmp_path / "s.xlsx") if r["单位"] == "示例县公安局"]
    assert sorted((r["状态"], r["主要问题"]) for r in rows) == [
        ("重复", "与 公安局2.xlsx 的单位名称相同（均未填代码），是同一单位的两份报送"),
        ("重复", "与 示例县公安局.xlsx 的单位名称相同（均未填代码），是同一单位的两份报送")]


def _roster(path, reports, encoding, extra=(), leave_out=()):
    lines = ["统一社会信用代码,单位名称,上级单位"]
    lines += [f"{r.meta['credit_code']},{u},示例县人民政府" for u, r in reports.items() if u not in leave_out]
    lines += list(extra)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_roster_shows_who_is_missing_and_who_is_not_on_it(inbox, tmp_path, encoding, cli):
    folder, reports = inbox
    (folder / "示例县北坡镇人民政府.xlsx").unlink()
    _roster(tmp_path / "units.csv", reports, encoding, extra=["11419999000000001X,示例县审计局,示例县人民政府"],
            leave_out=["示例县教育局"])
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", tmp_path / "units.csv")
    assert result.exit_code == 1
    rows = {r["单位"]: r for r in status_rows(tmp_path / "s.xlsx")}
    assert (rows["示例县教育局"]["状态"], rows["示例县教育局"]["主要问题"]) == ("不在名册", "名册中没有这个单位")
    assert rows["示例县北坡镇人民政府"] == {
        "单位": "示例县北坡镇人民政府", "统一社会信用代码": reports["示例县北坡镇人民政府"].meta["credit_code"],
        "状态": "未报送", "错误数": None, "警告数": None, "主要问题": "名册中有，但未收到报送", "文件": None}
    assert rows["示例县审计局"]["状态"] == "未报送"
    assert sum(r["状态"] == "已汇总" for r in rows.values()) == 12
    assert "未报送 2 个：" in result.output


def test_unreadable_input_and_skipped_files(inbox, tmp_path, cli):
    folder, _ = inbox
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really")
    (folder / "~$示例县教育局.xlsx").write_bytes(b"lock")
    (folder / "说明.docx").write_bytes(b"doc")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1
    rows = {r["单位"]: r for r in status_rows(tmp_path / "s.xlsx")}
    assert (rows["坏文件"]["状态"], rows["坏文件"]["错误数"]) == ("无法读取", 1)
    assert rows["坏文件"]["主要问题"].startswith("F3 文件不完整或已损坏")
    assert "跳过 2 个文件：\n" in result.output
    assert f"  {folder / '说明.docx'}：文件不是 Excel 工作簿：这是一个文本文件，开头为“doc”。\n" in result.output


def test_strict_writes_nothing_and_a_failed_run_keeps_the_old_output(inbox, tmp_path, cli):
    folder, reports = inbox
    (tmp_path / "s.xlsx").write_bytes(b"last week's summary")
    bad = reports["示例县教育局"]
    bad.meta["year"] = 2022
    write(bad, folder / "示例县教育局.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--strict", "--force")
    assert result.exit_code == 2
    assert result.output.startswith("未写入汇总表：有报送被排除（--strict）\n")
    assert (tmp_path / "s.xlsx").read_bytes() == b"last week's summary"


def test_nothing_to_merge_is_exit_2(tmp_path, cli):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.xlsx").write_bytes(b"nope")
    result = cli("merge", tmp_path / "in", "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 2 and not (tmp_path / "s.xlsx").exists()


def test_parallel_and_serial_runs_agree(tmp_path, cli):
    assert cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "p.xlsx", "--unit", "示例县", "--jobs", "2").exit_code == 0
    assert cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--jobs", "1").exit_code == 0
    assert read(tmp_path / "p.xlsx") == read(tmp_path / "s.xlsx")


def test_text_from_submissions_is_never_a_formula(tmp_path, cli):
    folder = tmp_path / "in"
    folder.mkdir()
    report = sample_county()[0]
    report.meta["unit"] = "=HYPERLINK(\"http://x\",\"点\")"
    report.text["problems"] = "+cmd|' /C calc'!A0"
    write(report, folder / "a.xlsx")
    cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    for name in ("上报情况", "明细", "各单位文字"):
        for row in wb[name].iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, cell.coordinate)
    assert wb["各单位文字"]["A2"].value == "=HYPERLINK(\"http://x\",\"点\")"


def test_terminal_lists_a_few_files_of_each_status_and_counts_the_rest(inbox, tmp_path, cli):
    """A province's merge excludes thousands of files: the terminal shows the first five of
    each status and how many more; 上报情况 still lists every one."""
    folder, reports = inbox
    bad = sorted(reports)[:7]
    for unit in bad:
        reports[unit].values["appeals.review.total"] += 1
        write(reports[unit], folder / f"{unit}.xlsx")
    result = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    listed = [line for line in result.output.splitlines() if line.startswith("  有错误")]
    assert len(listed) == 6 and listed[-1] == "  有错误：另有 2 个未列出，全部见汇总表的“上报情况”表"
    assert sum(r["状态"] == "有错误" for r in status_rows(tmp_path / "s.xlsx")) == 7
    english = cli("merge", folder, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--force", "--lang", "en")
    assert "  has errors: 2 others not listed; all are in the summary's sheet 上报情况" in english.output
