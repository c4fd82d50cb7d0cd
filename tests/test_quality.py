"""What evaluators check in the text (issue 18): the elements each part of 一 must
state (T1), thin sections (T2), the length of 一 (T3), a 五 that names problems and
measures (T4), text copied between units (T5), table 二's figures in the text (W3),
the fee statement of 六 (W5), and the score the county acts on. The texts are
written as clerks write them."""
from __future__ import annotations

import json
import random
from decimal import Decimal

import openpyxl
from conftest import EXAMPLES, SAMPLE_COUNTY, seed_report

import xltools
from samples import sample_report
from xltools import Report, write
from xltools.model.schema import load_rules, load_scoring
from xltools.rules.batch import check_paths


def checked(tmp_path, *reports: Report) -> list:
    paths = []
    for i, report in enumerate(reports):
        paths.append(tmp_path / f"{i}-{report.unit}.xlsx")
        write(report, paths[-1])
    return check_paths(paths, jobs=1)


def one(tmp_path, report: Report):
    [result] = checked(tmp_path, report)
    return result


def brief(result) -> list[tuple]:
    return [(f.rule, f.case, f.cells[0]) for f in result.findings]


def township(unit: str = "示例县东岭镇人民政府", seed: int = 3) -> Report:
    """A valid report whose text states its own numbers; each test rewrites a part."""
    return sample_report(unit, 2023, random.Random(seed))


# --- the seed report ---------------------------------------------------------------

def test_the_seed_report_lacks_the_figures_of_its_management_part(tmp_path):
    """栾川县赤土店镇 2023 as published: （一） counts what it published (205 条, 62 条,
    57 篇, 86 次), （二） the one request, （四） names its platforms, 五 names two
    problems and three measures, 六 says no fee was charged with a table of 0; but
    （三） describes a leading group and a review routine and states no document
    issued, repealed or in force."""
    result = one(tmp_path, Report.from_json((EXAMPLES / "chitudian-2023.json").read_text(encoding="utf-8")))
    assert brief(result) == [("T1", "missing", "一、总体情况!A8")]
    assert result.findings[0].message() == (
        "一、总体情况!A8“（三）政府信息管理”没有写明：规范性文件的本年制发件数、本年废止件数、现行有效件数。")
    assert result.findings[0].message("en") == (
        "一、总体情况!A8 (（三）政府信息管理) does not state the documents issued this year, the documents repealed, "
        "the documents in force.")
    assert (result.score.points, result.score.of) == (15, 20)
    assert [(d.item, d.points, [f.rule for f in d.findings]) for d in result.score.deductions] == [
        ("elements", 5, ["T1"])]


def test_the_seed_with_its_figures_written_passes(tmp_path):
    result = one(tmp_path, seed_report())
    assert result.findings == [] and result.score.points == 20


# --- T1: the elements each part of 一 must state ----------------------------------

def test_proactive_part_without_a_count(tmp_path):
    report = township()
    report.text["overview.proactive"] = ("我镇高度重视政府信息主动公开工作，"
                                         "通过政府网站、政务微信公众号和村务公开栏等渠道，"
                                         "及时公开惠农补贴、乡村振兴项目等群众关心的信息。")
    result = one(tmp_path, report)
    assert brief(result) == [("T1", "missing", "一、总体情况!A4")]
    assert result.findings[0].message() == "一、总体情况!A4“（一）主动公开”没有写明：主动公开的数量。"
    report.text["overview.proactive"] += "全年在县政府网站公开信息一百二十条。"  # Chinese numerals count
    assert brief(one(tmp_path, report)) == []


def test_management_part_states_the_figures_of_table_two(tmp_path):
    report = township()
    report.values.update({"proactive.normative.issued": 2, "proactive.normative.repealed": 1,
                          "proactive.normative.in_force": 12})
    report.text["overview.management"] = ("本年度制发行政规范性文件2件，废止1件，现行有效12件。"
                                          "严格执行“先审查、后公开”制度，信息发布前由分管领导审签。")
    assert one(tmp_path, report).findings == []
    # the same figures as a clerk of a township that issued none writes them
    report.values.update({"proactive.normative.issued": 0, "proactive.normative.repealed": 0,
                          "proactive.normative.in_force": 0})
    report.text["overview.management"] = ("本年度未制发、废止规范性文件，现行有效规范性文件0件。"
                                          "成立了政务公开领导小组，明确专人负责。")
    assert one(tmp_path, report).findings == []
    # words without figures (平潭 2025: 推动现行有效政策集中公开…及时清理失效、废止文件)
    report.text["overview.management"] = ("严格执行政府信息审核发布制度，依托政府网站行政规范性文件库，"
                                          "推动现行有效政策集中公开、动态更新，及时清理失效、废止文件。")
    result = one(tmp_path, report)
    assert brief(result) == [("T1", "missing", "一、总体情况!A8")]
    assert result.findings[0].params["missing"]["zh"] == "规范性文件的本年制发件数、本年废止件数、现行有效件数"


def test_requests_part_says_none_came_in(tmp_path):
    report = seed_report()
    report.values.update({f"requests.{row}.{col}": 0 for row in ("new", "granted", "results_total")
                          for col in ("natural_person", "total")})
    report.values.update({f"appeals.review.{m}": 0 for m in ("corrected", "total")})
    report.text["overview.requests"] = "本年度未收到政府信息公开申请。"  # short, and says what （二） must
    assert one(tmp_path, report).findings == []
    report.text["overview.requests"] = "严格按照《条例》规定办理依申请公开工作。"
    result = one(tmp_path, report)
    assert brief(result) == [("T1", "missing", "一、总体情况!A6")]
    assert result.findings[0].message() == "一、总体情况!A6“（二）依申请公开”没有写明：收到申请的件数。"


def test_platform_part_names_no_platform(tmp_path):
    report = township()
    report.text["overview.platform"] = "加强平台建设，确保信息公开工作规范有序开展，不断提升公开质量。"
    result = one(tmp_path, report)
    assert brief(result) == [("T1", "missing", "一、总体情况!A10")]
    assert result.findings[0].message() == (
        "一、总体情况!A10“（四）政府信息公开平台建设”没有写明：公开平台（政府网站、政务新媒体、公开栏等）。")


def test_an_empty_part_is_w4s_alone(tmp_path):
    report = township()
    report.text["overview.management"] = "无"
    assert brief(one(tmp_path, report)) == [("W4", "word", "一、总体情况!A8")]


# --- T2: nothing beyond boilerplate --------------------------------------------------

def test_supervision_in_one_sentence(tmp_path):
    report = township()
    report.text["overview.supervision"] = "严格落实监督保障各项要求。"
    result = one(tmp_path, report)
    assert brief(result) == [("T2", "short", "一、总体情况!A12")]
    assert result.findings[0].message() == (
        "一、总体情况!A12“（五）监督保障”只有 12 个字（不计标点），少于 30 个字，看不出本单位做了哪些工作。")
    assert result.findings[0].fix() == "请写明本单位当年的实际工作：考核、培训、社会评议和责任追究等监督保障情况。"


def test_supervision_that_is_boilerplate(tmp_path):
    report = township()
    report.text["overview.supervision"] = "坚持以公开为常态、不公开为例外，认真贯彻落实党的二十大精神，加强监督。"
    result = one(tmp_path, report)
    assert brief(result) == [("T2", "boilerplate", "一、总体情况!A12")]
    assert result.findings[0].message() == (
        "一、总体情况!A12“（五）监督保障”除去人人都写的套话（“坚持以公开为常态、不公开为例外……认真贯彻落实党的二十大精神”）"
        "只有 4 个字，少于 30 个字。")


# --- T3: the length of 一 -------------------------------------------------------------

def test_overview_longer_than_a_thousand_characters(tmp_path):
    report = township()
    extra = "围绕乡村振兴、惠农补贴等重点领域，及时发布办事指南和政策信息，做到应公开尽公开。"  # 40 characters
    report.text["overview.platform"] += extra * 14
    result = one(tmp_path, report)
    lengths = [len("".join(report.text[f"overview.{p}"].split()))
               for p in ("proactive", "requests", "management", "platform", "supervision")]
    assert brief(result) == [("T3", "long", "一、总体情况!A4")]
    assert result.findings[0].actual == sum(lengths) > 1000
    assert result.findings[0].message() == (
        f"一、总体情况共 {sum(lengths)} 字，超过 1000 字（（一）{lengths[0]} 字，（二）{lengths[1]} 字，"
        f"（三）{lengths[2]} 字，（四）{lengths[3]} 字，（五）{lengths[4]} 字）。")
    assert result.score.points == 19  # an unexplained warning: −1


# --- T4: 五 names problems and measures -----------------------------------------------

SPECIFIC = ("（一）存在的主要问题：一是部分惠农补贴信息公开不够及时，个别公示在发放后才张贴；"
            "二是政策解读形式单一，图解和视频偏少。\n"
            "（二）改进情况：下一步将建立信息发布时限提醒机制，补贴发放前完成公示；每季度制作一期政策图解。")


def test_a_specific_problems_section_passes(tmp_path):
    report = township()
    report.text["problems"] = SPECIFIC
    assert one(tmp_path, report).findings == []


def test_a_boilerplate_problems_section(tmp_path):
    report = township()
    report.text["problems"] = "我镇政务公开工作取得了一定成效。下一步，我镇将继续加强政务公开工作，不断提高工作水平。"
    result = one(tmp_path, report)
    assert brief(result) == [("T4", "no_problem", "五、问题及改进!A3")]
    assert result.findings[0].message() == (
        "五、问题及改进!A3“五、存在的主要问题及改进情况”没有写出存在的具体问题（如“……不够及时”“……有待提高”）。")


def test_problems_denied_and_headings_left_empty(tmp_path):
    report = township()
    report.text["problems"] = "（一）存在的主要问题：无。（二）改进情况：无。"
    assert brief(one(tmp_path, report)) == [("T4", "neither", "五、问题及改进!A3")]
    report.text["problems"] = "本年度我镇政务公开工作未发现明显问题，各项工作有序开展，群众满意度较高。"
    assert brief(one(tmp_path, report)) == [("T4", "neither", "五、问题及改进!A3")]
    report.text["problems"] = "存在的问题：部分信息公开不够及时，政策解读形式单一，群众获取信息的渠道不多。"
    result = one(tmp_path, report)
    assert brief(result) == [("T4", "no_measure", "五、问题及改进!A3")]
    assert result.findings[0].message() == (
        "五、问题及改进!A3“五、存在的主要问题及改进情况”没有写出改进措施（如“下一步将……”）。")


# --- T5: text copied between units -----------------------------------------------------

SHARED = ("{short}严格落实政务公开工作要求，把主动公开作为接受群众监督的重要方式，"
          "对照主动公开基本目录逐项梳理应公开事项，"
          "及时公开惠农补贴发放、乡村振兴项目实施、村级财务收支等群众关心的信息，"
          "全年在县政府网站公开信息{n}条。")


def test_two_units_sharing_a_paragraph(tmp_path):
    east, west, south = (township(f"示例县{n}人民政府", seed=i) for i, n in enumerate(("东岭镇", "西河乡", "南山镇")))
    east.text["overview.proactive"] = SHARED.format(short="东岭镇", n=136)
    west.text["overview.proactive"] = SHARED.format(short="西河乡", n=98) + "通过“西河发布”公众号推送信息41篇。"
    results = checked(tmp_path, east, west, south)
    assert [brief(r) for r in results] == [[("T5", "copied", "一、总体情况!A4")],
                                           [("T5", "copied", "一、总体情况!A4")], []]
    assert results[0].findings[0].message() == (
        "一、总体情况!A4“（一）主动公开”与示例县西河乡人民政府的（一）主动公开重复 92%。")
    assert results[1].findings[0].message("en") == (
        "一、总体情况!A4 (（一）主动公开) repeats 92% of 示例县东岭镇人民政府's （一）主动公开.")
    assert [r.findings[0].actual for r in results[:2]] == [92, 92]
    assert results[0].score.points == 15
    (tmp_path / "alone").mkdir()
    assert checked(tmp_path / "alone", east)[0].findings == []  # one file: nobody to copy from


def test_many_copies_name_the_closest_and_count_them(tmp_path):
    units = [township(f"示例县{n}镇人民政府", seed=i) for i, n in enumerate("甲乙丙丁戊")]
    for u in units:
        u.text["overview.supervision"] = ("将政务公开纳入年度考核，考核结果与评先评优挂钩；组织业务培训两次；"
                                          f"聘请社会监督员，接受群众监督；{u.unit}对发现的问题限期整改。")
    results = checked(tmp_path, *units)
    assert [brief(r) for r in results] == [[("T5", "many", "一、总体情况!A12")]] * 5
    assert results[0].findings[0].message() == (
        "一、总体情况!A12“（五）监督保障”与 4 个单位的（五）监督保障重复："
        "示例县乙镇人民政府（100%）、示例县丙镇人民政府（100%）、示例县丁镇人民政府（100%）等。")


def test_what_is_not_copying(tmp_path):
    """Boilerplate every unit writes (the fee sentence, the report's own sentences),
    two files of one unit, and reports of other years are not copies."""
    a, b = township("示例县甲镇人民政府", 1), township("示例县乙镇人民政府", 2)
    for u in (a, b):
        u.values.update({"fees.notices": 0, "fees.notice_amount": 0, "fees.collected": 0})
        u.text["other"] = ("本报告中所列数据的统计期限为2023年1月1日至2023年12月31日。"
                           "本单位2023年度未收取政府信息公开信息处理费。无其他需要报告的事项。")
    again = township("示例县甲镇人民政府", 1)  # a corrected copy sent again
    assert [r.findings for r in checked(tmp_path, a, b, again)] == [[], [], []]
    last_year = township("示例县丙镇人民政府", 4)
    last_year.meta["year"] = 2022
    last_year.text["problems"] = a.text["problems"]
    (tmp_path / "years").mkdir()
    assert [r.findings for r in checked(tmp_path / "years", a, last_year)] == [[], []]


def test_check_of_a_folder_and_the_json_score(tmp_path, cli):
    east, west = township("示例县东岭镇人民政府", 1), township("示例县西河乡人民政府", 2)
    west.text["problems"] = east.text["problems"]
    west.explanations = [{"rule": "T5", "target": "五、问题及改进!A3", "text": "两镇合署办公，由县里统一撰写"}]
    for r in (east, west):
        write(r, tmp_path / f"{r.unit}.xlsx")
    result = cli("check", tmp_path, "-f", "json")
    assert result.exit_code == 0
    files = {f["unit"]: f for f in json.loads(result.output)["files"]}
    assert files["示例县东岭镇人民政府"]["score"] == {"points": 15, "of": 20, "deductions": [
        {"item": "copying", "label": "内容雷同", "points": 5, "findings": [
            {"rule": "T5", "cell": "五、问题及改进!A3",
             "message": "五、问题及改进!A3“五、存在的主要问题及改进情况”"
                        "与示例县西河乡人民政府的五、存在的主要问题及改进情况重复 100%。"}]}]}
    # the county accepted the explanation: the finding stays, the points do not go
    assert files["示例县西河乡人民政府"]["findings"][0]["explained"] is True
    assert files["示例县西河乡人民政府"]["score"] == {"points": 20, "of": 20, "deductions": []}
    text = cli("check", tmp_path)
    assert text.output.endswith("评分：20/20\n\n共检查 2 个文件：2 个无错误，0 个有错误，0 个无法读取。\n")
    assert "结果：0 个错误，1 个警告。\n评分：15/20（内容雷同 −5：T5）\n" in text.output
    english = cli("check", tmp_path, "--lang", "en")
    assert "Result: errors 0, warnings 1.\nScore: 15/20 (Copied text −5: T5)\n" in english.output
    api = {r.unit: r.score.points for r in xltools.check([tmp_path])}
    assert api == {"示例县东岭镇人民政府": 15, "示例县西河乡人民政府": 20}


# --- W3 on table 二, W5 on the fees ------------------------------------------------------

def test_text_states_other_documents_than_table_two(tmp_path):
    report = township()
    report.values.update({"proactive.normative.issued": 2, "proactive.normative.repealed": 1,
                          "proactive.normative.in_force": 12})
    report.text["overview.management"] = "本年度制发行政规范性文件3件，废止1件，现行有效12件。落实信息发布审核制度。"
    result = one(tmp_path, report)
    assert [(f.rule, f.cells[0], f.expected, f.actual) for f in result.findings] == [
        ("W3", "二、主动公开!B6", 2, 3)]
    assert result.findings[0].message() == (
        "正文“本年度制发行政规范性文件3件，废止1件，现行有效12件。”写的是 3，而表格 二、主动公开!B6"
        "（第二十条第（一）项 / 行政规范性文件 / 本年制发件数）为 2。")
    report.text["overview.management"] = ("本年度未制发规范性文件，废止1件，现行有效规范性文件12件。"
                                          "落实信息发布审核制度。")
    result = one(tmp_path, report)
    assert [(f.rule, f.cells[0], f.expected, f.actual) for f in result.findings] == [
        ("W3", "二、主动公开!B6", 2, Decimal(0))]
    assert "写的是 0，而表格 二、主动公开!B6" in result.findings[0].message()


def test_regulations_and_documents_in_one_sentence(tmp_path):
    report = township()
    report.values.update({"proactive.regulation.issued": 1, "proactive.regulation.repealed": 0,
                          "proactive.regulation.in_force": 5, "proactive.normative.issued": 3,
                          "proactive.normative.repealed": 2, "proactive.normative.in_force": 40})
    report.text["overview.management"] = ("本年度制发规章1件，现行有效规章5件；制发行政规范性文件3件，废止2件，"
                                          "现行有效40件。落实信息发布审核制度。")
    assert one(tmp_path, report).findings == []
    report.values["proactive.regulation.in_force"] = 6
    assert [(f.rule, f.cells[0]) for f in one(tmp_path, report).findings] == [("W3", "二、主动公开!D5")]


def test_no_fee_said_and_none_collected(tmp_path):
    report = seed_report()  # 六: 本单位 2023 年度未收取政府信息公开处理费; the table 0
    report.text["other"] = "本单位2023年度未收取信息处理费。"
    assert one(tmp_path, report).findings == []
    report.values.update({"fees.notices": 1, "fees.notice_amount": Decimal(200), "fees.collected": Decimal(200)})
    result = one(tmp_path, report)
    assert [(f.rule, f.case, f.cells[0]) for f in result.findings] == [("W5", "denied", "六、其他事项!B10")]
    assert result.findings[0].message() == ("六、其他事项!B10（实际收取的总金额（元） / 数值）为 200 元，"
                                            "但“六、其他需要报告的事项”写的是“本单位2023年度未收取信息处理费”。")


# --- the score -----------------------------------------------------------------------

def test_scoring_names_every_rule_once():
    spec = load_scoring()
    named = [r for item in spec.items for r in item.rules] + spec.not_scored
    assert sorted(named) == sorted(load_rules()) and len(named) == len(set(named))
    assert sum(item.points for item in spec.items) == spec.of


def test_deductions_per_finding_stop_at_the_items_points(tmp_path):
    report = seed_report()
    for col in ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org"):
        report.values[f"requests.carried_in.{col}"] = None  # W6, one finding for each table
    report.values["proactive.regulation.repealed"] = "/"
    report.values["proactive.normative.repealed"] = "无"
    report.values["requests.carried_out.natural_person"] = None
    report.values.update({"appeals.suit_direct.upheld": None, "fees.notices": None})
    report.values.update({"requests.new.other_org": " 0 件", "requests.granted.other_org": "0件"})
    result = one(tmp_path, report)
    [other] = result.score.deductions
    assert (other.item, other.points, len(other.findings)) == ("warnings", 5, 6)  # −1 each, −5 at most
    assert result.score.text() == "评分：15/20（其他警告未说明 −5：W6×4、W0×2）"
    assert result.score.text("en") == "Score: 15/20 (Other warnings unexplained −5: W6×4, W0×2)"


# --- merge: the 质量评分 sheet ----------------------------------------------------------

def test_merge_sheet_lists_the_weakest_report_first(tmp_path, cli):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for p in SAMPLE_COUNTY.glob("*.xlsx"):
        (inbox / p.name).write_bytes(p.read_bytes())
    weak = township("=HYPERLINK(\"http://x\",\"示例县某镇\")", seed=9)
    weak.text["problems"] = "无"
    weak.text["overview.proactive"] = "严格落实主动公开工作要求，认真做好各项工作。"
    write(weak, inbox / "weak.xlsx")
    changed = xltools.read(SAMPLE_COUNTY / "示例县教育局.xlsx")
    changed.text["other"] += "（修改）"  # another file of the unit: a byte-identical copy would be one submission
    write(changed, inbox / "示例县教育局-改.xlsx")
    result = cli("merge", inbox, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1  # the 教育局 twice: both excluded
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames[wb.sheetnames.index("上报情况") + 1] == "质量评分"
    rows = list(wb["质量评分"].iter_rows(values_only=True))
    assert rows[0] == ("单位", "得分", "满分", "状态", "扣分原因", "雷同单位", "文件")
    assert rows[1][:3] == ("=HYPERLINK(\"http://x\",\"示例县某镇\")", 15, 20)  # text, never a formula
    assert wb["质量评分"]["A2"].data_type == "s"
    assert rows[1][4] == ("要素不全 −5：T1、W4\n"
                          "  T1 一、总体情况!A4“（一）主动公开”没有写明：主动公开的数量。\n"
                          "  W4 五、问题及改进!A3“五、存在的主要问题及改进情况”只写了“无”，视为未填写。")
    assert rows[1][3] == "已汇总"
    assert len(rows) == 1 + 16 and all(r[1] == 20 for r in rows[2:])
    assert sorted(r[3] for r in rows[2:]).count("重复") == 2  # the unit sent twice: scored, not merged
    assert [r[0] for r in rows[2:4]] == ["示例县东岭镇人民政府", "示例县人力资源和社会保障局"]


def test_merge_sheet_names_the_units_that_share_text(tmp_path, cli):
    east, west = township("示例县东岭镇人民政府", 1), township("示例县西河乡人民政府", 2)
    west.text["overview.platform"] = east.text["overview.platform"]
    for r in (east, west):
        write(r, tmp_path / f"{r.unit}.xlsx")
    assert cli("merge", tmp_path, "-o", tmp_path / "s.xlsx", "--unit", "示例县").exit_code == 0
    rows = list(openpyxl.load_workbook(tmp_path / "s.xlsx")["质量评分"].iter_rows(values_only=True))
    assert [(r[0], r[1], r[5]) for r in rows[1:]] == [
        ("示例县东岭镇人民政府", 15, "（四）政府信息公开平台建设：示例县西河乡人民政府（100%）"),
        ("示例县西河乡人民政府", 15, "（四）政府信息公开平台建设：示例县东岭镇人民政府（100%）")]


def test_readme_shows_the_seeds_real_check_output(monkeypatch, cli):
    from conftest import REPO

    monkeypatch.chdir(REPO)
    readme = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    shown = readme.split("$ xltools check workbooks/examples/chitudian-2023.xlsx\n", 1)[1].split("```", 1)[0]
    assert cli("check", "workbooks/examples/chitudian-2023.xlsx").output == shown


def test_copies_found_are_those_comparing_every_pair_finds():
    """The MinHash step only chooses which pairs rapidfuzz compares: on units that
    copy as clerks do (a section of another unit, a county template, a whole text),
    T5 flags the same sections, with the same counts, as comparing every pair."""
    from pathlib import Path

    from rapidfuzz import fuzz, process

    from xltools.rules.copying import copied, normalised
    from xltools.rules.quality import boilerplate
    from xltools.rules.result import FileResult
    from xltools.xlsx.layout import load_layout

    rng = random.Random(18)
    sections = load_rules()["T5"].check["text"]
    reports = [sample_report(f"示例县第{i}单位", 2023, random.Random(i)) for i in range(120)]
    template = reports[0].text["overview.supervision"]
    for r in reports[1:]:
        roll = rng.random()
        if roll < 0.15:
            fid = rng.choice(sections)
            r.text[fid] = rng.choice(reports).text[fid]
        elif roll < 0.25:
            r.text["overview.supervision"] = template
        elif roll < 0.3:
            r.text = dict(rng.choice(reports).text)
    results = [FileResult(Path(f"{r.unit}.xlsx"), report=r) for r in reports]
    copied(results, load_layout())
    found = {(f.fields[0], i): f.params["count"] for i, r in enumerate(results) for f in r.findings}
    check, common, every = load_rules()["T5"].check, boilerplate("T5"), {}
    for fid in sections:
        texts = [normalised(r.text[fid], r.unit, common) for r in reports]
        scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=80, dtype="uint8")
        for i, j in zip(*scores.nonzero()):
            if i != j and len(texts[i]) >= check["min_chars"]:
                every[(fid, int(i))] = every.get((fid, int(i)), 0) + 1
    assert len(found) > 40 and found == every


# --- no score where nothing was read (issue 24, defect 4) ------------------------------

def _unread_tables(path):
    """The example of usual mistakes with 四 renamed and a row inserted in 三 (S3 + S4)."""
    wb = openpyxl.load_workbook(EXAMPLES / "mistakes-2023.xlsx")
    wb["四、复议诉讼"].title = "复议诉讼"
    wb["三、依申请公开"].insert_rows(8)
    wb.save(path)
    return path


def test_a_report_whose_tables_were_not_read_has_no_score(tmp_path, cli):
    path = _unread_tables(tmp_path / "r.xlsx")
    text = cli("check", path)
    assert {"S3", "S4"} <= {line.split()[1] for line in text.output.splitlines() if line.startswith("  错误")}
    assert text.output.splitlines()[-1] == "评分：无（表格无法读取，未评分）"
    assert json.loads(cli("check", path, "-f", "json").output)["files"][0]["score"] is None
    assert cli("check", path, "--lang", "en").output.splitlines()[-1] == \
        "Score: none (the tables could not be read, so nothing is scored)"
    [result] = check_paths([path])
    assert result.score is None and xltools.check([path])[0].score is None


def test_a_text_sheet_renamed_still_scores(tmp_path):
    """Only a sheet of numbers unread takes the score away: 五 renamed costs its text."""
    wb = openpyxl.load_workbook(EXAMPLES / "mistakes-2023.xlsx")
    wb["五、问题及改进"].title = "问题"
    wb.save(tmp_path / "r.xlsx")
    [result] = check_paths([tmp_path / "r.xlsx"])
    assert "S3" in {f.rule for f in result.findings} and result.score is not None


def _score_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("评分：")]


def test_one_file_one_score_in_check_fill_and_the_marked_copy(tmp_path, cli):
    """fill refuses a workbook with a word in a number cell (R0); the score it prints
    is check's, counted from all of check's findings, not from R0 alone."""
    wb = openpyxl.load_workbook(EXAMPLES / "mistakes-2023.xlsx")
    wb["三、依申请公开"]["D6"].value = "约五件"
    wb.save(tmp_path / "r0.xlsx")
    for path in (tmp_path / "r0.xlsx", _unread_tables(tmp_path / "unread.xlsx")):
        checked_out = cli("check", path, "--annotate", tmp_path / f"marked-{path.name}")
        filled = cli("fill", path, "-o", tmp_path / f"filled-{path.name}")
        assert filled.exit_code == 1 and filled.output.startswith("未补全")
        marked = openpyxl.load_workbook(tmp_path / f"marked-{path.name}")["检查结果"]["A3"].value
        [line] = _score_lines(checked_out.output)
        assert _score_lines(filled.output) == [line] and marked == line
    assert _score_lines(cli("check", tmp_path / "r0.xlsx").output) == \
        ["评分：11/20（要素不全 −5：T1、W4；数据差错 −3：R0、R4、W3；其他警告未说明 −1：W6）"]


def test_import_refuses_a_text_that_is_no_report(tmp_path, cli):
    (tmp_path / "junk.txt").write_text("政府信息公开工作年度报告是一份很重要的文件。\n", encoding="utf-8")
    result = cli("import", tmp_path / "junk.txt", "-o", tmp_path / "junk.xlsx")
    assert result.exit_code == 2
    assert "无法读取：文档中没有年度报告的标题、章节或表格" in result.output and "评分" not in result.output
    assert not (tmp_path / "junk.xlsx").exists()
