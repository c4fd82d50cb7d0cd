"""`xltools compare`: last year's report with this year's, the approved workbook with
the published page, two folders unit by unit, a summary with its units."""
from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLE_COUNTY

from samples import sample_county, sample_report
from xltools import read, write
from xltools.model.schema import load_format
from xltools.model.totals import complete

FMT = load_format()
COLUMNS = ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org")

LAST_TEXT = {
    "overview.proactive": "2022年，示例县教育局通过门户网站主动公开政府信息326条，"
                          "其中招生入学信息85条、教育收费信息41条，发布政策解读12篇，回应社会关切7次。",
    "overview.requests": "本年度新收政府信息公开申请若干件，均在法定期限内答复，未发生因答复引发的行政复议和诉讼。",
    "overview.management": "健全信息发布审核机制，严格执行“先审查、后公开”和“一事一审”制度，全年未发生泄密事件。",
    "overview.platform": "门户网站教育信息公开专栏调整为招生、收费、资助三个子栏目，微信公众号发布信息214条。",
    "overview.supervision": "将政务公开纳入学校年度考核，组织业务培训2次，接受家长和社会监督。",
    "problems": "存在的主要问题：一是乡镇学校收费信息更新滞后，二是政策解读形式以文字为主。"
                "改进措施：明年起按学期更新收费公示，增加图解和短视频解读。",
    "other": "本单位2022年度未收取信息处理费。",
}
THIS_TEXT = {
    "overview.proactive": "2023年，示例县教育局通过门户网站主动公开政府信息351条，"
                          "其中学位预警信息23条、资助政策信息37条，制作图解11件、短视频4条，回应家长关切15次。",
    "overview.requests": "全年受理的申请集中在学位分配和教师招聘两类，均在法定期限内答复，申请人均未提起复议。",
    "overview.management": LAST_TEXT["overview.management"],  # copied word for word
    "overview.platform": "新开设学位查询入口，门户网站与微信公众号同步发布，公众号全年推送信息268条。",
    "overview.supervision": "聘请家长代表担任政务公开监督员，每学期开展一次满意度测评。",
    "problems": "上年提出的乡镇学校收费信息更新滞后问题，已按学期逐校更新收费公示；图解和短视频解读已经推出。"
                "本年存在的问题是学位预警发布时间偏晚，下一步将提前到每年4月发布。",
    "other": "本单位2023年度未收取信息处理费。",
}


def brief(findings: list[dict]) -> list[tuple]:
    return [(f["rule"], f["cells"][0] if f["cells"] else None, f["expected"], f["actual"]) for f in findings]


def two_years():
    """A fictitious unit's reports of 2022 and 2023 that follow from each other
    (carry-over, documents in force, no figure jumps), and the 2023 text its own."""
    last = sample_report("示例县教育局", 2022, random.Random(5))
    v = last.values
    for c in (*COLUMNS, "total"):
        v[f"requests.carried_in.{c}"] = v[f"requests.carried_out.{c}"]
    for row in ("regulation", "normative"):
        v[f"proactive.{row}.issued"] = v[f"proactive.{row}.repealed"] = 0
        v[f"proactive.{row}.in_force"] = 40
    v["proactive.license.decisions"] = 12
    last.text = dict(LAST_TEXT)
    this = copy.deepcopy(last)
    this.meta |= {"year": 2023, "date": "2024-01-20"}
    this.text = dict(THIS_TEXT)
    return last, this


def test_year_over_year_finds_the_carry_over_the_chain_a_jump_and_a_copied_section(tmp_path, cli):
    last, this = two_years()
    t = this.values
    t["requests.carried_in.commercial"] += 1  # does not follow from last year's carried_out
    t["proactive.normative.in_force"] = 43  # 40 + 0 − 0 last year: the chain is broken
    t["proactive.license.decisions"] = 120  # ×10
    this.values = complete(FMT, t)
    write(last, tmp_path / "2022.xlsx")
    write(this, tmp_path / "2023.xlsx")
    result = cli("compare", tmp_path / "2022.xlsx", tmp_path / "2023.xlsx", "-f", "json")
    assert result.exit_code == 1  # a carry-over that does not follow is an error
    out = json.loads(result.output)
    assert out["kind"] == "year_over_year"
    assert (out["old"]["year"], out["new"]["year"]) == (2022, 2023)
    assert brief(out["findings"]) == [
        ("C3", "一、总体情况!A8", None, 100),
        ("W2", "二、主动公开!D6", 40, 43),
        ("C2", "二、主动公开!B9", 12, 120),
        ("C1", "三、依申请公开!E7", last.values["requests.carried_out.commercial"],
         last.values["requests.carried_out.commercial"] + 1),
        ("C1", "三、依申请公开!J7", last.values["requests.carried_out.total"],
         last.values["requests.carried_out.total"] + 1),
    ]
    text = cli("compare", tmp_path / "2022.xlsx", tmp_path / "2023.xlsx").output
    assert text.splitlines()[0] == "比较：上年报告与本年报告（示例县教育局，2022 年 → 2023 年）"
    assert "    一、总体情况!A8“（三）政府信息管理”与上年报告重复 100%。" in text.splitlines()
    assert "    二、主动公开!B9（第二十条第（五）项 / 行政许可 / 本年处理决定数量）由上年的 12 变为 120（10.0 倍）。" \
        in text.splitlines()
    assert text.endswith("结果：2 个错误，3 个警告。\n")


def test_check_previous_calls_the_same_code(tmp_path, cli):
    last, this = two_years()
    this.values["requests.carried_in.commercial"] += 1
    write(last, tmp_path / "2022.xlsx")
    write(this, tmp_path / "2023.xlsx")
    out = json.loads(cli("check", tmp_path / "2023.xlsx", "--previous", tmp_path / "2022.xlsx", "-f", "json").output)
    w1 = [f for f in out["files"][0]["findings"] if f["rule"] == "W1"]
    assert [(f["cells"][0], f["message"]) for f in w1] == [(
        "三、依申请公开!E7",
        f"三、依申请公开!E7（二、上年结转政府信息公开申请数量 / 申请人情况 / 法人或其他组织 / 商业企业）为 "
        f"{this.values['requests.carried_in.commercial']}，"
        f"按上年报告应为 {last.values['requests.carried_out.commercial']}"
        f"（{last.values['requests.carried_out.commercial']}）。")]


def test_small_numbers_are_no_jump_and_last_years_problems_must_be_addressed(tmp_path, cli):
    last, this = two_years()
    this.values["proactive.coercion.decisions"] = 5
    last.values["proactive.coercion.decisions"] = 1  # 1 → 5: too small to be a jump
    this.text["problems"] = "本年存在的问题是学位预警发布时间偏晚，下一步将提前到每年4月发布。"
    write(last, tmp_path / "2022.xlsx")
    write(this, tmp_path / "2023.xlsx")
    out = json.loads(cli("compare", tmp_path / "2022.xlsx", tmp_path / "2023.xlsx", "-f", "json").output)
    assert [(f["rule"], f["cells"][0], f["message"]) for f in out["findings"] if f["rule"] != "C3"] == [
        ("C4", "五、问题及改进!A3",
         "五、问题及改进!A3“五、存在的主要问题及改进情况”没有提到上年报告中的问题（与上年的这一部分没有共同内容）。")]


def _approved_and_published(approved, published_path: Path, field: str, more: int, section: str,
                            changed: tuple[str, str]) -> None:
    """备案.xlsx beside `published_path`, and the same report published with one
    number raised by `more` (its totals following) and one phrase of a section changed."""
    from xltools.documents.publish import publish

    write(approved, published_path.with_name("备案.xlsx"))
    published = copy.deepcopy(approved)
    published.values[field] += more
    published.values = complete(FMT, published.values)
    published.text[section] = published.text[section].replace(*changed)
    publish(published, published_path)


@pytest.mark.parametrize("ext", ["html", "docx"])
def test_the_published_page_against_the_approved_workbook(tmp_path, ext, cli):
    approved = sample_county()[2]
    approved.text["overview.platform"] = "持续优化门户网站信息公开专栏，规范政务新媒体管理。"
    _approved_and_published(approved, tmp_path / f"公布.{ext}", "requests.granted.commercial", 2,
                            "overview.platform", ("持续优化", "全面改版"))
    result = cli("compare", tmp_path / "备案.xlsx", tmp_path / f"公布.{ext}", "-f", "json")
    assert result.exit_code == 1
    out = json.loads(result.output)
    assert out["kind"] == "same_report"
    g = approved.values
    assert brief(out["findings"]) == [
        ("P2", "一、总体情况!A10", None, None),
        ("P1", "三、依申请公开!E8", g["requests.granted.commercial"], g["requests.granted.commercial"] + 2),
        ("P1", "三、依申请公开!J8", g["requests.granted.total"], g["requests.granted.total"] + 2),
        ("P1", "三、依申请公开!E29", g["requests.results_total.commercial"],
         g["requests.results_total.commercial"] + 2),
        ("P1", "三、依申请公开!J29", g["requests.results_total.total"], g["requests.results_total.total"] + 2),
    ]
    assert out["findings"][0]["message"] == (
        "一、总体情况!A10“（四）政府信息公开平台建设”有 1 处改动：[-持续优化-]{+全面改版+}门户网站信息…新媒体管理。")


def test_the_published_pdf_against_the_approved_workbook(tmp_path, soffice, cli):
    approved = sample_county()[4]
    approved.text["problems"] = "部分信息公开不够及时，解读形式较为单一。下一步将完善公开流程，丰富解读形式。"
    _approved_and_published(approved, tmp_path / "公布.docx", "appeals.review.upheld", 1,
                            "problems", ("解读形式较为单一", "解读形式单一"))
    pdf = soffice(tmp_path / "公布.docx", "pdf")
    out = json.loads(cli("compare", tmp_path / "备案.xlsx", pdf, "-f", "json").output)
    assert [(f["rule"], f["cells"][0]) for f in out["findings"]] == [
        ("P1", "四、复议诉讼!A6"), ("P1", "四、复议诉讼!E6"), ("P2", "五、问题及改进!A3")]


def test_two_folders_unit_by_unit(tmp_path, cli):
    old, new = _two_folders(tmp_path)
    result = cli("compare", old, new)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:3] == ["比较：两个文件夹，按单位对照", f"旧：{old}（14 个单位）", f"新：{new}（14 个单位）"]
    assert "  已比较  示例县财政局（同一年度 2023）：1 个错误，0 个警告" in lines
    assert "  已比较  示例县教育局（同一年度 2023）：0 个错误，0 个警告" in lines
    assert f"  仅在旧文件夹  示例县民政局  {old / '示例县民政局.xlsx'}" in lines
    assert f"  仅在新文件夹  示例县新区管理委员会  {new / '新区.xlsx'}" in lines
    assert lines[-1] == ("结果：已比较 13 个单位，仅在旧文件夹 1 个，仅在新文件夹 1 个，收到的文件无法比较 0 个；"
                         "未比较的文件 0 份（原因见上）；1 个错误，1 个警告。")
    out = json.loads(cli("compare", old, new, "-f", "json").output)
    assert out["kind"] == "folders"
    assert [(f["rule"], f["message"]) for f in out["findings"]][0] == (
        "C5", "旧文件夹中有“示例县民政局”的报告（示例县民政局.xlsx），新文件夹中没有。")
    assert sorted(u["status"] for u in out["units"]) == ["compared"] * 13 + ["only_new", "only_old"]


def _with_code(src: Path, dst: Path, code: str) -> None:
    report = read(src)
    report.meta["credit_code"] = code
    write(report, dst)


def test_two_folders_match_by_code_first_and_account_for_every_file(tmp_path, cli):
    """Last year's 财政局 against this year's two files of it (a mistyped check digit,
    then 更正版 with last year's code), a byte-identical copy, and files that cannot be
    read or compared: each file is accounted for, under the unit its name names."""
    old, new = tmp_path / "2023备案", tmp_path / "收件箱"
    shutil.copytree(SAMPLE_COUNTY, old)
    shutil.copytree(SAMPLE_COUNTY, new)
    finance = read(old / "示例县财政局.xlsx")
    right = finance.meta["credit_code"]
    wrong = right[:-1] + ("0" if right[-1] != "0" else "1")
    _with_code(old / "示例县财政局.xlsx", new / "示例县财政局.xlsx", wrong)
    shutil.copy(old / "示例县财政局.xlsx", new / "示例县财政局（更正版）.xlsx")
    shutil.copy(new / "示例县教育局.xlsx", new / "示例县教育局 - 副本.xlsx")
    (new / "示例县民政局.xlsx").unlink()
    (new / "示例县民政局.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    (new / "示例县公安局.xlsx").unlink()
    (new / "示例县公安局.csv").write_text("file,unit,year,id,label,value\n", encoding="utf-8")
    (new / "示例县自然资源局.xlsx").unlink()
    (new / "示例县自然资源局.txt").write_text("示例县自然资源局2023年政府信息公开工作年度报告\n"
                                      "本年度依法做好政府信息公开工作。\n", encoding="utf-8")
    result = cli("compare", old, new, "-f", "json")
    assert result.exit_code == 0, result.output
    units = json.loads(result.output)["units"]
    by_unit = {u["unit"]: u for u in units}
    assert len(units) == 14 and {u["status"] for u in units} == {"compared", "received"}
    assert by_unit["示例县财政局"]["new"]["path"] == str(new / "示例县财政局（更正版）.xlsx")
    assert [(a["path"], a["status"], a["reason"]) for a in by_unit["示例县财政局"]["also"]] == [
        (str(new / "示例县财政局.xlsx"), "not_taken",
         f"统一社会信用代码 {wrong} 与另一个文件夹中这个单位的 {right} 不同，"
         "已采用代码相同的 示例县财政局（更正版）.xlsx")]
    assert [(a["path"], a["status"], a["reason"]) for a in by_unit["示例县教育局"]["also"]] == [
        (str(new / "示例县教育局 - 副本.xlsx"), "copy", "与 示例县教育局.xlsx 内容完全相同，按一份计")]
    received = {u["unit"]: [(a["path"], a["findings"][0]["rule"]) for a in u["also"]]
                for u in units if u["status"] == "received"}
    assert received == {"示例县民政局": [(str(new / "示例县民政局.xls"), "F4")],
                        "示例县公安局": [(str(new / "示例县公安局.csv"), "F2")],
                        "示例县自然资源局": [(str(new / "示例县自然资源局.txt"), "I0")]}
    assert not [f for f in json.loads(result.output)["findings"] if f["rule"] == "C5"]
    text = cli("compare", old, new).output.splitlines()
    assert text[1:3] == [f"旧：{old}（14 个单位）", f"新：{new}（11 个单位）"]
    assert f"  收到的文件无法比较  示例县自然资源局  {old / '示例县自然资源局.xlsx'}" in text
    assert (f"    无法读取  {new / '示例县自然资源局.txt'}：文档中一个表格的数字也没有读出，无法与另一份报告比较"
            "（没有比较，不等于没有差异）。") in text
    assert text[-1] == ("结果：已比较 11 个单位，仅在旧文件夹 0 个，仅在新文件夹 0 个，收到的文件无法比较 3 个；"
                        "未比较的文件 5 份（原因见上）；0 个错误，0 个警告。")


def test_two_files_of_one_unit_that_no_code_decides_between(tmp_path, cli):
    old, new = tmp_path / "旧", tmp_path / "新"
    shutil.copytree(SAMPLE_COUNTY, old)
    shutil.copytree(SAMPLE_COUNTY, new)
    code = read(old / "示例县财政局.xlsx").meta["credit_code"]
    _with_code(old / "示例县财政局.xlsx", new / "示例县财政局.xlsx", code[:-1] + ("0" if code[-1] != "0" else "1"))
    _with_code(old / "示例县财政局.xlsx", new / "示例县财政局2.xlsx", code[:-1] + ("2" if code[-1] != "2" else "3"))
    out = json.loads(cli("compare", old, new, "-f", "json").output)
    units = out["units"]
    [finance] = [u for u in units if u["unit"] == "示例县财政局"]
    assert finance["status"] == "received"
    assert [(a["status"], a["reason"].split("，")[0]) for a in finance["also"]] == [
        ("duplicate", "与 示例县财政局2.xlsx 是同一单位的文件"), ("duplicate", "与 示例县财政局.xlsx 是同一单位的文件")]
    [c6] = [f for f in out["findings"] if f["rule"] == "C6"]
    assert c6["message"].startswith("新文件夹中“示例县财政局”有 2 份文件（示例县财政局.xlsx：")
    assert c6["message"].endswith("），统一社会信用代码不能确定比较哪一份，都未比较。")
    assert not [f for f in out["findings"] if f["rule"] == "C5"]


def test_a_text_with_no_table_is_not_compared(tmp_path, cli):
    last, _ = two_years()
    write(last, tmp_path / "2022.xlsx")
    (tmp_path / "2023.txt").write_text("示例县教育局2023年政府信息公开工作年度报告\n本年度依法做好政府信息公开工作。\n",
                                       encoding="utf-8")
    result = cli("compare", tmp_path / "2022.xlsx", tmp_path / "2023.txt")
    assert result.exit_code == 2
    assert ("无法读取：文档中一个表格的数字也没有读出，无法与另一份报告比较（没有比较，不等于没有差异）。"
            in result.output)
    assert "没有需要注意的差异" not in result.output


def test_a_summary_against_its_inbox_adds_up_the_file_its_roster_picked(tmp_path, cli):
    """Merged with the roster, the summary took 财政局（更正版）(the roster's code) over a
    mistyped one; compare adds up the same file, by the codes the summary lists."""
    from conftest import EXAMPLES

    units = tmp_path / "收件箱"
    shutil.copytree(SAMPLE_COUNTY, units)
    code = read(units / "示例县财政局.xlsx").meta["credit_code"]
    shutil.copy(units / "示例县财政局.xlsx", units / "示例县财政局（更正版）.xlsx")
    _with_code(units / "示例县财政局（更正版）.xlsx", units / "示例县财政局.xlsx",
               code[:-1] + ("0" if code[-1] != "0" else "1"))
    merged = cli("merge", units, "-o", tmp_path / "县.xlsx", "--unit", "示例县", "--roster",
                 EXAMPLES / "sample-county-roster.csv")
    assert merged.exit_code == 0, merged.output
    result = cli("compare", tmp_path / "县.xlsx", units, "-f", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert not out["findings"]
    assert [(Path(u["path"]).name, u["status"]) for u in out["units"] if u["unit"] == "示例县财政局"] == [
        ("示例县财政局.xlsx", "not_taken"), ("示例县财政局（更正版）.xlsx", "merged")]
    (units / "说明.csv").write_text("file,unit\n", encoding="utf-8")  # no report: said, not added up
    text = cli("compare", tmp_path / "县.xlsx", units).output
    assert "不在汇总报告的单位名单中" in text and "已采用 示例县财政局（更正版）.xlsx" in text
    assert "、说明.csv（文件不是 Excel 工作簿：这是一个 CSV 文本文件，开头为“file,unit”。）" in text


def test_a_summary_against_its_units(tmp_path, cli):
    assert cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "县.xlsx", "--unit", "示例县").exit_code == 0
    good = cli("compare", tmp_path / "县.xlsx", SAMPLE_COUNTY)
    assert good.exit_code == 0
    assert good.output.splitlines()[0] == "比较：汇总报告与各单位之和（示例县，2023 年）"
    assert good.output.splitlines()[3].startswith("纳入汇总 14 个单位：示例县东岭镇人民政府、")
    assert good.output.endswith("结果：两份报告没有需要注意的差异。\n")
    altered = read(tmp_path / "县.xlsx")
    altered.values["appeals.suit_direct.corrected"] += 4  # a figure typed into the published summary
    write(altered, tmp_path / "县-改.xlsx")
    bad = cli("compare", tmp_path / "县-改.xlsx", SAMPLE_COUNTY, "-f", "json")
    assert bad.exit_code == 1
    out = json.loads(bad.output)
    right = read(tmp_path / "县.xlsx").values["appeals.suit_direct.corrected"]
    assert [(f["rule"], f["cells"][0], f["expected"], f["actual"]) for f in out["findings"]] == [
        ("U1", "四、复议诉讼!G6", right, right + 4)]
    assert out["findings"][0]["message"] == (
        f"四、复议诉讼!G6（行政诉讼 / 未经复议直接起诉 / 结果纠正）为 {right + 4}，各单位之和为 {right}，相差 4。")
    assert len(out["units"]) == 14 and {u["status"] for u in out["units"]} == {"merged"}


def test_the_comparison_workbook(tmp_path, cli):
    last, this = two_years()
    this.values["proactive.license.decisions"] = 120
    write(last, tmp_path / "2022.xlsx")
    write(this, tmp_path / "2023.xlsx")
    result = cli("compare", tmp_path / "2022.xlsx", tmp_path / "2023.xlsx", "-o", tmp_path / "比较.xlsx")
    assert result.exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "比较.xlsx")
    assert wb.sheetnames == ["比较结果", "示例县教育局"]
    first = wb["比较结果"]
    assert first["A1"].value == "比较：上年报告与本年报告（示例县教育局，2022 年 → 2023 年）"
    rows = [[c.value for c in r] for r in first.iter_rows(min_row=5)]
    assert [(r[2], r[4]) for r in rows] == [("C3", "一、总体情况!A8"), ("C2", "二、主动公开!B9")]
    link = first["E6"].hyperlink.location
    assert link.startswith("'示例县教育局'!A")
    pair = wb["示例县教育局"]
    row = int(link.rpartition("A")[2])
    assert [c.value for c in pair[row]][:6] == ["proactive.license.decisions",
                                                FMT.fields["proactive.license.decisions"].label, 12, 120, 108, 10]
    assert [c.value for c in pair[1]][:6] == ["字段", "项目", "旧", "新", "差值", "比值"]
    assert pair.conditional_formatting  # flagged rows take the colour of their level
    again = cli("compare", tmp_path / "2022.xlsx", tmp_path / "2023.xlsx", "-o", tmp_path / "比较.xlsx")
    assert again.exit_code == 2 and "已存在" in again.output


@pytest.mark.parametrize("old, new, message", [
    ("2022.xlsx", "other.xlsx", "两份报告不是同一单位的"),
    ("2022.xlsx", "2025.xlsx", "两份报告的年度是 2022 和 2025"),
])
def test_what_cannot_be_compared_is_said(tmp_path, old, new, message, cli):
    last, _ = two_years()
    write(last, tmp_path / "2022.xlsx")
    write(sample_report("示例县民政局", 2023, random.Random(3)), tmp_path / "other.xlsx")
    later = copy.deepcopy(last)
    later.meta["year"] = 2025
    write(later, tmp_path / "2025.xlsx")
    result = cli("compare", tmp_path / old, tmp_path / new)
    assert result.exit_code == 2 and result.output.startswith(f"xltools: {message}")


def test_this_years_explanation_accepts_a_jump(tmp_path, cli):
    last, this = two_years()
    this.values["proactive.license.decisions"] = 120
    this.explanations = [{"rule": "C2", "target": "二、主动公开!B9", "text": "本年起承接全县教育类行政许可"}]
    write(last, tmp_path / "2022.xlsx")
    write(this, tmp_path / "2023.xlsx")
    out = json.loads(cli("compare", tmp_path / "2022.xlsx", tmp_path / "2023.xlsx", "-f", "json").output)
    [jump] = [f for f in out["findings"] if f["rule"] == "C2"]
    assert (jump["explained"], jump["explanation"]) == (True, "本年起承接全县教育类行政许可")


@pytest.mark.parametrize("lang, said", [("zh", "未纳入 1 份：示例县错误示范镇人民政府（有错误）"),
                                        ("en", "1 not added up: 示例县错误示范镇人民政府 (has errors)")])
def test_a_unit_left_out_of_the_summary_is_said_in_the_language_of_the_command_line(tmp_path, lang, said, cli):
    from conftest import EXAMPLES

    units = tmp_path / "units"
    shutil.copytree(SAMPLE_COUNTY, units)
    shutil.copy(EXAMPLES / "mistakes-2023.xlsx", units)
    assert cli("merge", units, "-o", tmp_path / "县.xlsx", "--unit", "示例县").exit_code == 1
    result = cli("compare", tmp_path / "县.xlsx", units, "--lang", lang)
    assert said in result.output.splitlines()


def test_a_summary_that_leaves_units_out_is_said_beside_the_comparison(tmp_path, cli):
    """The differences of a summary of 1 of 14 units from last year's come from the
    13 left out: compare says so, on stderr, so that its JSON stays JSON."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SAMPLE_COUNTY / "示例县东岭镇人民政府.xlsx", inbox)
    roster = SAMPLE_COUNTY.parent / "sample-county-roster.csv"
    cli("merge", inbox, "-o", tmp_path / "part.xlsx", "--unit", "示例县", "--roster", roster)
    cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "all.xlsx", "--unit", "示例县", "--roster", roster)
    result = cli("compare", tmp_path / "all.xlsx", tmp_path / "part.xlsx", "-f", "json")
    note = result.output.splitlines()[-1]
    assert note.startswith(f"注意：{tmp_path / 'part.xlsx'} 只汇总了 14 个单位中的 1 个"
                           "（未汇总：示例县人民政府办公室、")
    assert note.endswith("），比较时请考虑未汇总的单位。")
    assert "只汇总了" not in cli("compare", tmp_path / "all.xlsx", tmp_path / "all.xlsx").output


def test_a_difference_in_money_is_written_as_a_person_writes_it():
    from decimal import Decimal

    from xltools.model.findings import Finding

    f = Finding("U1", "sum", fields=["fees.amount"], cells=["六、其他事项!B5"], expected=Decimal("12.500000"),
                actual=Decimal("92.500000"), params={"label": "收取金额", "diff": Decimal("80.000000")})
    assert f.message() == "六、其他事项!B5（收取金额）为 92.5，各单位之和为 12.5，相差 80。"


def _two_folders(tmp_path: Path) -> tuple[Path, Path]:
    """The sample county filed, and as published: 民政局 missing, a unit more, and
    财政局 with 3 more 行政处罚 decisions than it filed."""
    old, new = tmp_path / "2023-备案", tmp_path / "2023-公布"
    shutil.copytree(SAMPLE_COUNTY, old)
    shutil.copytree(SAMPLE_COUNTY, new)
    (new / "示例县民政局.xlsx").unlink()
    changed = read(new / "示例县财政局.xlsx")
    changed.values["proactive.penalty.decisions"] += 3
    write(changed, new / "示例县财政局.xlsx")
    write(sample_report("示例县新区管理委员会", 2023, random.Random(9)), new / "新区.xlsx")
    return old, new


def test_two_folders_compared_into_a_workbook_of_findings_and_units(tmp_path, cli):
    old, new = _two_folders(tmp_path)
    result = cli("compare", old, new, "-o", tmp_path / "比较.xlsx")
    assert result.exit_code == 1
    assert result.stdout == cli("compare", old, new).stdout  # the workbook besides what compare says
    wb = openpyxl.load_workbook(tmp_path / "比较.xlsx")
    assert wb.sheetnames == ["比较结果", "单位对照"]
    found = [[c.value for c in row] for row in wb["比较结果"].iter_rows()]
    assert found[0][0] == "比较：两个文件夹，按单位对照"
    assert found[1][0] == ("结果：已比较 13 个单位，仅在旧文件夹 1 个，仅在新文件夹 1 个，收到的文件无法比较 0 个；"
                           "未比较的文件 0 份（原因见上）；1 个错误，1 个警告。")
    assert found[3:] == [
        ["序号", "单位", "规则", "级别", "单元格", "说明"],
        [1, "示例县民政局", "C5", "警告", None,
         "旧文件夹中有“示例县民政局”的报告（示例县民政局.xlsx），新文件夹中没有。"],
        [2, "示例县财政局", "P1", "错误", "二、主动公开!B12",
         "二、主动公开!B12（第二十条第（六）项 / 行政处罚 / 本年处理决定数量）旧版为 0，新版为 3。"]]
    units = [[c.value for c in row] for row in wb["单位对照"].iter_rows()]
    assert units[0] == ["单位", "统一社会信用代码", "状态", "旧文件", "新文件", "错误数", "警告数", "主要问题"]
    at = {row[0]: n for n, row in enumerate(units, start=1)}
    assert wb["比较结果"]["E6"].hyperlink.location == f"'单位对照'!A{at['示例县财政局']}"  # the finding's unit
    finance = units[at["示例县财政局"] - 1]
    assert finance[2:7] == ["已比较", str(old / "示例县财政局.xlsx"), str(new / "示例县财政局.xlsx"), 1, 0]
    assert finance[7].splitlines()[:3] == ["[二、主动公开]", "错误 P1 发布后数字有变动 二、主动公开!B12",
                                           found[5][5]]
    assert units[at["示例县教育局"] - 1][2:] == [
        "已比较", str(old / "示例县教育局.xlsx"), str(new / "示例县教育局.xlsx"), 0, 0, None]
    assert units[-2:] == [
        ["示例县民政局", None, "仅在旧文件夹", str(old / "示例县民政局.xlsx"), None, None, None, None],
        ["示例县新区管理委员会", None, "仅在新文件夹", None, str(new / "新区.xlsx"), None, None, None]]
    assert len(units) == 1 + 13 + 2


def test_a_section_with_every_sentence_changed_is_diffed_by_character_only_where_shown(monkeypatch):
    """The cost of P2's diff: 30,000 characters whose every sentence changed are
    1,500 changed places, but only the three shown are diffed character by character,
    each within P2's max_chars; a diff of the whole section costs its length squared
    (110 s for seven such sections)."""
    import difflib

    from xltools.model.schema import load_rules
    from xltools.rules import comparison

    compared: list[int] = []

    class Counted(difflib.SequenceMatcher):
        def set_seqs(self, a, b):
            if isinstance(a, str):
                compared.append(len(a) + len(b))
            super().set_seqs(a, b)

    monkeypatch.setattr(comparison.difflib, "SequenceMatcher", Counted)
    old, new = ("".join(f"第{i + 1}项工作按要求完成，公开信息{i * k % 1000}条。" for i in range(1500)) for k in (3, 7))
    diff, n = comparison.sentence_diff(old, new)
    most = load_rules()["P2"].check["max_chars"]
    assert n == sum(1 for i in range(1500) if i * 3 % 1000 != i * 7 % 1000)
    assert len(compared) == 3 and max(compared) <= most
    assert diff == ("第2项工作按…成,公开信息[-3-]{+7+}条。 / 第3项工作按…成,公开信息[-6-]{+14+}条。 / "
                    "第4项工作按…成,公开信息[-9-]{+21+}条。")


def test_the_diff_of_a_small_edit_names_each_changed_place():
    """Two sentences rewritten apart, one added: three places, each shortened around
    its change; a sentence cut in two is one place, diffed as a whole."""
    from xltools.rules.comparison import sentence_diff

    old = ("本年度共主动公开政府信息120条。其中通过门户网站公开98条。"
           "政务新媒体发布信息22条。全年未发生泄密事件。")
    new = ("本年度共主动公开政府信息126条。其中通过门户网站公开98条。"
           "政务新媒体发布信息28条，较上年有所增加。全年未发生泄密事件。群众满意度进一步提升。")
    assert sentence_diff(old, new) == (
        "本年度共主动…政府信息12[-0-]{+6+}条。 / 政务新媒体发布信息2[-2-]{+8+}条{+,较上年有所增加+}。 / "
        "{+群众满意度进一步提升。+}", 3)
    assert sentence_diff("全年受理申请5件，均按期答复。", "全年受理申请5件。均按期答复。") == (
        "全年受理申请5件[-,-]{+。+}均按期答复。", 1)
