"""Issue 19, the county's own report from the summary: kinds of unit from the roster
(分类汇总, exact and adding up to the summary), rates with the small-number guard,
the charts of 图表, the drafted figure sentences (each number its field; W3 passes
on them by construction), merge --previous and publish --breakdown."""
from __future__ import annotations

import csv
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from fnmatch import fnmatchcase
from fractions import Fraction

import openpyxl
import pytest
import yaml
from conftest import EXAMPLES, REPO, SAMPLE_COUNTY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samples import sample_county, valid_values
from xltools import Report, check, read, write
from xltools.model.codes import check_char
from xltools.model.schema import load_format
from xltools.model.totals import complete

FMT = load_format()
SPEC = yaml.safe_load((REPO / "schemas" / "county.yaml").read_text(encoding="utf-8"))
ROSTER = EXAMPLES / "sample-county-roster.csv"
KINDS = [k["label"] for k in SPEC["kinds"]]  # 本级 部门 乡镇街道 其他


def num(value):
    """A count as openpyxl reads it."""
    return Decimal(repr(value)) if isinstance(value, float) else value


def fields_of(name: str) -> list[str]:
    """A figure's fields, its patterns expanded here, independently of the code."""
    return [f.id for p in SPEC["figures"][name]["fields"] for f in FMT.numeric_fields() if fnmatchcase(f.id, p)]


def figure(values: dict, name: str):
    return sum(values[f] for f in fields_of(name))


def percent(of, over) -> Decimal:
    exact = Fraction(of) / Fraction(over) * 100
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def roster_kinds() -> dict[str, str]:
    with ROSTER.open(encoding="utf-8-sig", newline="") as fh:
        return {row["单位名称"]: row["类型"] for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def county(tmp_path_factory, cli):
    """The sample county merged with its roster, as the README's first command does."""
    tmp = tmp_path_factory.mktemp("county")
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp / "示例县汇总.xlsx", "--unit", "示例县", "--roster", ROSTER)
    assert result.exit_code == 0, result.output
    return tmp / "示例县汇总.xlsx", {r.unit: r for r in sample_county()}


def sheet_rows(path, name) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


# --- 1. kinds and 分类汇总 ----------------------------------------------------------------

def test_committed_roster_is_what_the_script_makes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_examples", REPO / "workbooks" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    assert (tmp_path / "examples" / ROSTER.name).read_bytes() == ROSTER.read_bytes()
    assert sorted(roster_kinds().values()).count("部门") == 8 and "本级" in roster_kinds().values()


def test_by_kind_sums_exactly_and_adds_up_to_the_summary(county):
    path, reports = county
    kinds = roster_kinds()
    summary = read(path)
    rows = sheet_rows(path, "分类汇总")
    ids = next(i for i, v in enumerate(rows[-1]) if v == "appeals.suit_after_review.total")  # the hidden id column
    header = next(r for r in rows if r[0] == "三、四 各项分类汇总")
    at = {label: header.index(label) for label in KINDS + ["合计"]}
    detail = {r[ids]: r for r in rows if r[ids] in FMT.fields}
    assert len(detail) == 175 + 15
    for fid, row in detail.items():
        by_kind = {k: sum(r.values[fid] for u, r in reports.items() if kinds[u] == k) for k in KINDS}
        assert {k: row[at[k]] for k in KINDS} == by_kind, fid
        assert row[at["合计"]] == sum(by_kind.values()) == summary.values[fid], fid
    main = {r[ids]: r for r in rows if str(r[ids]).startswith(("figure.", "units"))}
    assert [main["units"][at[k]] for k in KINDS] == [1, 8, 5, 0]
    for name in SPEC["main"]:
        row = main[f"figure.{name}"]
        assert sum(row[at[k]] for k in KINDS) == row[at["合计"]] == figure(summary.values, name), name


def test_status_says_each_units_kind_and_why_one_is_other(tmp_path, cli):
    lines = ROSTER.read_text(encoding="utf-8-sig").splitlines()
    lines = [re.sub(r",本级$", ",", x) if "人民政府办公室" in x else re.sub(r",部门$", ",县直单位", x) if "教育局" in x
             else x for x in lines]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "名册提示 2 条：",
        "  名册中 1 个单位没有写类型，计入“其他”：示例县人民政府办公室",
        "  名册中“示例县教育局”的类型“县直单位”不是本级、部门、乡镇街道、其他之一，计入“其他”"]
    rows = sheet_rows(tmp_path / "s.xlsx", "上报情况")
    assert rows[0] == ("单位", "统一社会信用代码", "状态", "错误数", "警告数", "主要问题", "文件", "类型")
    by_unit = {r[0]: r for r in rows[1:]}
    assert (by_unit["示例县人民政府办公室"][7], by_unit["示例县人民政府办公室"][5]) == (
        "其他", "名册未写明类型，计入“其他”")
    assert (by_unit["示例县教育局"][7], by_unit["示例县教育局"][5]) == (
        "其他", "名册的类型“县直单位”不是本级、部门、乡镇街道、其他之一，计入“其他”")
    assert (by_unit["示例县财政局"][7], by_unit["示例县财政局"][5]) == ("部门", None)
    assert by_unit["示例县东岭镇人民政府"][7] == "乡镇街道"


def test_without_kinds_every_unit_is_other_and_by_kind_says_so(tmp_path, cli):
    assert cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县").exit_code == 0
    rows = sheet_rows(tmp_path / "s.xlsx", "分类汇总")
    assert rows[1][0] == "没有名册（--roster）或名册没有“类型”列，各单位均计入“其他”"
    assert sheet_rows(tmp_path / "s.xlsx", "上报情况")[0][-1] == "文件"  # no 类型 column: it would say 其他 alone
    units = next(r for r in rows if r[0] == "单位数")
    assert units[2:7] == (0, 0, 0, 14, 14)
    detail = sheet_rows(tmp_path / "s.xlsx", "明细")
    kind = detail[1].index("kind")
    assert {r[kind] for r in detail[2:-1]} == {"其他"}


def test_summary_sheets_in_order_and_the_summary_still_passes_check(county):
    path, _ = county
    names = openpyxl.load_workbook(path).sheetnames
    assert names[names.index("_xltools") + 1:] == ["分类汇总", "图表", "上报情况", "质量评分", "明细", "来源",
                                                  "各单位文字", "_units"]
    [checked] = check([path])
    assert checked.errors == []
    assert [(f.rule, f.fields[0]) for f in checked.warnings] == [  # the text still to write; （二） is drafted
        ("W4", "overview.proactive"), ("W4", "overview.management"), ("W4", "overview.platform"),
        ("W4", "overview.supervision"), ("W4", "problems"), ("W4", "other"), ("W5", "fees.collected")]


# --- 2. rates and the small-number guard -------------------------------------------------

def _code(n: int) -> str:
    body = f"1141999900000{n:04d}"
    return body + check_char(body)


def unit(name: str, n: int, cells: dict) -> Report:
    """A unit's report of only the given natural-person cells (and 四's), balanced."""
    values = {f.id: 0 for f in FMT.numeric_fields() if f.kind != "total"}
    values.update(cells)
    values = complete(FMT, values)
    values["requests.new.natural_person"] = values["requests.results_total.natural_person"]
    values = complete(FMT, values)
    return Report(meta={"unit": name, "credit_code": _code(n), "year": 2023}, values=values,
                  text={"problems": "（一）问题：解读不足。\n（二）改进：加强解读。"})


FIXED = {  # unit: (kind, cells)
    "甲局": ("部门", {"requests.granted.natural_person": 6, "requests.partly_granted.natural_person": 2,
                    "requests.refused.state_secret.natural_person": 1,
                    "requests.unavailable.not_held.natural_person": 1, "appeals.review.upheld": 7,
                    "appeals.review.corrected": 3, "appeals.review.pending": 2}),
    "乙局": ("部门", {"requests.granted.natural_person": 1, "requests.refused.third_party_rights.natural_person": 2,
                    "appeals.review.corrected": 1}),
    "丙镇": ("乡镇街道", {"requests.granted.natural_person": 9, "requests.partly_granted.natural_person": 3,
                      "requests.not_processed.repeated.natural_person": 3, "appeals.suit_direct.upheld": 5,
                      "appeals.suit_direct.corrected": 5, "appeals.suit_after_review.corrected": 1}),
    "丁办": ("本级", {"requests.granted.natural_person": 23, "requests.refused.query_matters.natural_person": 2}),
}


@pytest.fixture(scope="module")
def fixed(tmp_path_factory, cli):
    tmp = tmp_path_factory.mktemp("fixed")
    (tmp / "in").mkdir()
    lines = ["统一社会信用代码,单位名称,类型"]
    for n, (name, (kind, cells)) in enumerate(FIXED.items()):
        write(unit(name, n, cells), tmp / "in" / f"{n}.xlsx")  # merged in this order
        lines.append(f"{_code(n)},{name},{kind}")
    (tmp / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("merge", tmp / "in", "-o", tmp / "s.xlsx", "--unit", "某县", "--roster", tmp / "r.csv")
    assert result.exit_code == 0, result.output
    return tmp / "s.xlsx"


def _definition(values: dict, rate: dict) -> tuple[Decimal | None, int]:
    of = sum(figure(values, f) for f in rate["of"])
    over = figure(values, rate["over"])
    return (percent(of, over) if over else None), over


def _sqref(ws) -> dict[str, set[str]]:
    """Cells coloured by a colour scale, by column letter."""
    out: dict[str, set[str]] = {}
    for cf in ws.conditional_formatting:
        assert [r.type for r in cf.rules] == ["colorScale"]
        for rng in cf.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                out.setdefault(re.sub(r"\d", "", rng.coord.split(":")[0]), set()).add(row)
    return out


def test_every_rate_equals_its_definition_and_the_guard_applies_in_the_detail(fixed):
    wb = openpyxl.load_workbook(fixed)
    ws = wb["明细"]
    rows = list(ws.iter_rows(values_only=True))
    ids = list(rows[1])
    coloured = _sqref(ws)
    assert [r[0] for r in rows[2:-1]] == list(FIXED) and rows[-1][0] == "合计"
    for rate in SPEC["rates"]["list"]:
        col = ids.index(f"rate.{rate['id']}")
        assert rows[0][col] == f"{rate['label']}（%）" and rows[0][col + 1] == f"{rate['label']}名次"
        expected = []
        for row in rows[2:]:
            values = {fid: num(row[ids.index(fid)]) for fid in ids if fid in FMT.fields and FMT.fields[fid].numeric}
            value, over = _definition(values, rate)
            assert num(row[col]) == value, (row[0], rate["id"])
            expected.append((value, over >= 10 and value is not None))
        *units, county = expected
        assert rows[-1][col + 1] is None  # the county is not ranked among its units
        ranked = sorted({v for v, ok in units if ok}, reverse=True)
        places = [1 + sum(1 for v2, ok2 in units if ok2 and v2 > v) if ok else None for v, ok in units]
        assert [r[col + 1] for r in rows[2:-1]] == places, rate["id"]
        letter = openpyxl.utils.get_column_letter(col + 1)
        assert coloured.get(letter, set()) == {3 + i for i, (_, ok) in enumerate(units) if ok}, rate["id"]
        assert ranked or letter not in coloured
    disclosure = ids.index("rate.disclosure")
    assert [(r[0], num(r[disclosure]), r[disclosure + 1]) for r in rows[2:]] == [
        ("甲局", Decimal("80"), 2), ("乙局", Decimal("33.3"), None), ("丙镇", Decimal("80"), 2),
        ("丁办", Decimal("92"), 1),
        ("合计", Decimal("83"), None)]  # 44 of 53; 1 of 3 is shown, neither ranked nor coloured


def test_rates_by_kind_follow_the_definition_and_the_guard(fixed):
    ws = openpyxl.load_workbook(fixed)["分类汇总"]
    rows = list(ws.iter_rows(values_only=True))
    coloured = _sqref(ws)
    kinds = {k: [u for u, (kind, _) in FIXED.items() if kind == k] for k in KINDS}
    reports = {name: unit(name, n, cells) for n, (name, (_, cells)) in enumerate(FIXED.items())}
    for rate in SPEC["rates"]["list"]:
        r = next(i for i, row in enumerate(rows) if row[-1] == f"rate.{rate['id']}")
        assert rows[r][0] == f"{rate['label']}（%）" and rows[r][1] == rate["definition"]["zh"]
        for j, k in enumerate(KINDS):
            values = {fid: sum(reports[u].values[fid] for u in kinds[k])
                      for fid in FMT.fields if FMT.fields[fid].numeric}
            value, over = _definition(values, rate) if kinds[k] else (None, 0)
            assert (num(rows[r][2 + j]), rows[r + 1][2 + j]) == (value, over), (rate["id"], k)
            assert ((r + 1) in coloured.get("CDEF"[j], set())) == (over >= 10 and value is not None), (rate["id"], k)
        assert rows[r + 1][0].strip() == f"其中基数：{SPEC['figures'][rate['over']]['label']}"
    review = next(row for row in rows if row[-1] == "rate.review_corrected")
    assert [num(v) for v in review[2:7]] == [None, Decimal("36.4"), None, None, Decimal("36.4")]  # 4 of 11


def test_the_readme_defines_the_rates_as_the_schema_does():
    readme = (REPO / "docs" / "county.md").read_text(encoding="utf-8")
    rows = re.findall(r"^  \| (\S+率) \| (.+) \|$", readme, re.M)
    assert rows == [(r["label"], r["definition"]["zh"]) for r in SPEC["rates"]["list"]]
    assert f"fewer than {SPEC['rates']['threshold']} cases" in readme


def test_ranks_share_places_and_skip_the_guarded():
    from xltools.model.county import Rate, ranks

    rates = [Rate("x", "", 8, 10), Rate("x", "", 1, 3), Rate("x", "", 12, 15), Rate("x", "", 23, 25),
             Rate("x", "", 0, 0)]
    assert ranks(rates) == [2, None, 2, 1, None]
    assert [r.percent for r in rates] == [Decimal("80.0"), Decimal("33.3"), Decimal("80.0"), Decimal("92.0"), None]
    assert Rate("x", "", 1, 8).percent == Decimal("12.5") and Rate("x", "", 1, 16).percent == Decimal("6.3")  # half up


# --- 3. charts ---------------------------------------------------------------------------

def _cells(ws, ref: str) -> list:
    """The values of a chart's reference ('图表'!$B$6:$B$19) on the sheet."""
    sheet, _, area = ref.partition("!")
    assert sheet == "'图表'"
    first, _, last = area.replace("$", "").partition(":")
    return [c.value for row in ws[f"{first}:{last or first}"] for c in row]


def _title(chart) -> str:
    return "".join(r.t for p in chart.title.tx.rich.p for r in (p.r or []))


def test_charts_are_native_and_reference_their_tables(county):
    path, reports = county
    kinds = roster_kinds()
    ws = openpyxl.load_workbook(path)["图表"]
    charts = {_title(c): c for c in ws._charts}
    assert list(charts) == ["各单位本年新收政府信息公开申请数量", "办理结果构成（按单位类型）",
                            "行政复议、行政诉讼结果"]
    assert all(c.type == "bar" and c.x_axis.scaling.orientation == "maxMin" and c.x_axis.delete is False
               for c in charts.values())
    units = charts["各单位本年新收政府信息公开申请数量"]
    [series] = units.series
    names, counts = _cells(ws, series.cat.strRef.f), _cells(ws, series.val.numRef.f)
    expected = sorted(((r.values["requests.new.total"], u) for u, r in reports.items()), key=lambda x: (-x[0], x[1]))
    assert counts == [n for n, _ in expected] and counts == sorted(counts, reverse=True)
    assert sorted(names) == sorted(reports) and [reports[u].values["requests.new.total"] for u in names] == counts
    first = int(re.search(r"\$(\d+):", series.cat.strRef.f)[1])
    assert [ws.cell(first + i, 3).value for i in range(len(names))] == [kinds[u] for u in names]
    results = charts["办理结果构成（按单位类型）"]
    assert results.grouping == "percentStacked"
    assert [_cells(ws, s.tx.strRef.f)[0] for s in results.series] == ["予以公开", "部分公开", "不予公开", "无法提供",
                                                                      "不予处理", "其他处理"]
    assert _cells(ws, results.series[0].cat.strRef.f) == ["本级", "部门", "乡镇街道", "全部"]
    summary = read(path)
    for s, name in zip(results.series, SPEC["sheets"]["charts"]["results"]["groups"]):
        by_kind = [sum(figure(r.values, name) for u, r in reports.items() if kinds[u] == k) for k in KINDS[:3]]
        assert _cells(ws, s.val.numRef.f) == by_kind + [figure(summary.values, name)], name
    appeals = charts["行政复议、行政诉讼结果"]
    assert appeals.grouping == "stacked"
    assert [_cells(ws, s.tx.strRef.f)[0] for s in appeals.series] == ["结果维持", "结果纠正", "其他结果", "尚未审结"]
    for s, c in zip(appeals.series, ["upheld", "corrected", "other", "pending"]):
        assert _cells(ws, s.val.numRef.f) == [summary.values[f"appeals.{g}.{c}"]
                                              for g in ("review", "suit_direct", "suit_after_review")]
    assert any("未给出上年的汇总表" in str(c.value) for row in ws.iter_rows() for c in row)


def test_many_units_chart_the_largest_and_the_rest_as_one_bar(tmp_path):
    from xltools.commands.county import prepare
    from xltools.commands.merge import merge

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(34):
        write(unit(f"单位{i:02d}", i, {"requests.granted.natural_person": i}), folder / f"{i}.xlsx")
    result = merge(sorted(folder.glob("*.xlsx")), "某县", jobs=1)
    wb = openpyxl.Workbook()
    from xltools.commands.charts import charts_sheet

    charts_sheet(prepare(result), wb)
    ws = wb["图表"]
    [series] = ws._charts[0].series
    names = _cells(ws, series.cat.strRef.f)
    assert len(names) == 31 and names[:2] == ["单位33", "单位32"] and names[-1] == "其余 4 个单位"
    assert _cells(ws, series.val.numRef.f)[-1] == 0 + 1 + 2 + 3
    assert ws.row_breaks.brk  # its chart and table do not fit one page: a break between them


def test_stacked_bars_of_zero_have_no_label(fixed):
    ws = openpyxl.load_workbook(fixed)["图表"]
    appeals = next(c for c in ws._charts if _title(c) == "行政复议、行政诉讼结果")
    for s in appeals.series:
        values = _cells(ws, s.val.numRef.f)
        hidden = sorted(d.idx for d in (s.dLbls.dLbl if s.dLbls else []) if not d.showVal)
        assert hidden == [i for i, v in enumerate(values) if v == 0]


def test_the_charts_render_in_libreoffice(county, soffice, tmp_path):
    import shutil
    import subprocess

    path, _ = county
    shutil.copy(path, tmp_path / "s.xlsx")
    pdf = soffice(tmp_path / "s.xlsx", "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for title in ("各单位本年新收政府信息公开申请数量", "办理结果构成（按单位类型）", "行政复议、行政诉讼结果",
                  "示例县2023年政府信息公开工作分类汇总（按单位类型）"):
        assert title in text


# --- 4. drafted sentences --------------------------------------------------------------------

def _regex(text: str, unit: str) -> tuple[str, list[tuple[str, str | None]]]:
    """A template as a pattern: its words literal, each number a group."""
    assert not re.search(r"\d", re.sub(r"\{[^}]*\}", "", text))  # no number but the computed ones
    out, groups, pos = "", [], 0
    for m in re.finditer(r"\{(\w+)(?::([\w,]+))?\}", text):
        out += re.escape(text[pos:m.start()])
        what, arg = m.groups()
        g = f"(?P<g{len(groups)}>"
        if (what, arg) == ("unit", None):
            out += re.escape(unit)
        else:
            out += g + {"year": r"\d{4}", "change": r"(?:，[^，；。]*上年[^，；。]*)?", "kinds": r"(?:，其中[^；。]*)?",
                        "parts": r"[^；。]*"}.get(what if arg or what == "year" else "", r"\d+") + ")"
            groups.append((what, arg))
        pos = m.end()
    return out + re.escape(text[pos:]), groups


def _change(now, last) -> str:
    words = SPEC["change"]
    if now == last:
        return words["same"]
    key = "up" if now > last else "down"
    if last < 10:
        return words[f"{key}_count"].format(n=abs(now - last))
    return words[f"{key}_percent"].format(percent=percent(abs(now - last), last))


def check_draft(text: str, summary: Report, by_kind: dict[str, dict], last: dict | None) -> int:
    """Every number of the drafted text is its field's (or a change computed from
    both years'); returns how many numbers were checked."""
    phrases = {k["phrase"]: k["label"] for k in SPEC["kinds"]}
    checked, paragraphs = 0, iter(text.split("\n"))
    para, pos = next(paragraphs), 0
    for item in SPEC["drafts"]["overview.requests"]:
        if item == "paragraph":
            assert pos == len(para)
            para, pos = next(paragraphs), 0
            continue
        case = next(c for c in item if all(figure(summary.values, z) == 0 for z in c.get("zero", [])))
        pattern, groups = _regex(case["text"], summary.unit)
        m = re.compile(pattern).match(para, pos)
        assert m, (case["text"], para[pos:])
        pos = m.end()
        for i, (what, arg) in enumerate(groups):
            said = m.group(f"g{i}")
            if what == "year":
                assert int(said) == summary.year
            elif arg is None:
                assert int(said) == figure(summary.values, what), what
            elif what == "change":
                expected = "" if last is None else _change(figure(summary.values, arg), figure(last, arg))
                assert said == expected, arg
            elif what == "kinds":
                present = [k for k, v in by_kind.items() if v is not None]
                items = re.findall(r"([^，、\d]+?)(\d+)件", said.removeprefix(SPEC["kinds_lead"]))
                assert [(phrases[p], int(n)) for p, n in items] == (
                    [(k, figure(by_kind[k], arg)) for k in present] if len(present) > 1 else []), said
            else:  # parts
                words = {SPEC["figures"][n]["word"]: n for n in arg.split(",")}
                items = re.findall(r"([^、\d]+?)(\d+)件", said)
                assert items == [(SPEC["figures"][n]["word"], str(figure(summary.values, n))) for n in arg.split(",")
                                 if figure(summary.values, n)]
                assert all(w in words for w, _ in items)
            checked += len(re.findall(r"\d+(?:\.\d+)?", said))
    assert pos == len(para) and next(paragraphs, None) is None
    return checked


def test_every_number_of_the_drafted_text_is_its_field(county):
    path, reports = county
    kinds = roster_kinds()
    summary = read(path)
    text = summary.text["overview.requests"]
    assert text.startswith("2023年，示例县共收到政府信息公开申请")
    by_kind = {k: {f.id: sum(r.values[f.id] for u, r in reports.items() if kinds[u] == k) for f in FMT.numeric_fields()}
               if k in kinds.values() else None for k in KINDS}
    assert check_draft(text, summary, by_kind, None) == len(re.findall(r"\d+(?:\.\d+)?", text))
    assert "其中政府本级" in text and "各乡镇（街道）" in text
    assert [summary.text[t] for t in ("overview.proactive", "problems", "other")] == [None, None, None]


@pytest.fixture(scope="module")
def last_year(tmp_path_factory, cli):
    """A county of the year before, merged without a roster."""
    tmp = tmp_path_factory.mktemp("last")
    (tmp / "in").mkdir()
    for r in sample_county(year=2022, seed=2022):
        write(r, tmp / "in" / f"{r.unit}.xlsx")
    assert cli("merge", tmp / "in", "-o", tmp / "2022.xlsx", "--unit", "示例县").exit_code in (0, 1)
    return tmp / "2022.xlsx"


def test_previous_year_gives_the_change_a_chart_and_compare_findings(last_year, tmp_path, cli):
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", ROSTER,
                 "--previous", last_year)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [f"已写入汇总表 {tmp_path / 's.xlsx'}（示例县，2023年）：汇总 14 个单位。",
                         "比较：上年报告与本年报告（示例县，2022 年 → 2023 年）",
                         f"旧：{last_year}（示例县，2022年）", f"新：{tmp_path / 's.xlsx'}（示例县，2023年）"]
    compared = cli("compare", last_year, tmp_path / "s.xlsx")
    assert result.output.split("\n", 1)[1] == compared.output  # compare's own judgement, word for word
    summary, last = read(tmp_path / "s.xlsx"), read(last_year)
    reports = {r.unit: r for r in sample_county()}
    kinds = roster_kinds()
    by_kind = {k: {f.id: sum(r.values[f.id] for u, r in reports.items() if kinds[u] == k) for f in FMT.numeric_fields()}
               if k in kinds.values() else None for k in KINDS}
    text = summary.text["overview.requests"]
    assert "较上年" in text
    assert check_draft(text, summary, by_kind, last.values) == len(re.findall(r"\d+(?:\.\d+)?", text))
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["图表"]
    years = next(c for c in ws._charts if _title(c) == "本年与上年主要数字对比")
    before, now = years.series
    assert (_cells(ws, before.tx.strRef.f), _cells(ws, now.tx.strRef.f)) == (["2022年"], ["2023年"])
    assert _cells(ws, now.cat.strRef.f) == [SPEC["figures"][n]["label"] for n in SPEC["main"]]
    assert _cells(ws, before.val.numRef.f) == [figure(last.values, n) for n in SPEC["main"]]
    assert _cells(ws, now.val.numRef.f) == [figure(summary.values, n) for n in SPEC["main"]]
    first = int(re.search(r"\$(\d+):", now.val.numRef.f)[1])
    for i, name in enumerate(SPEC["main"]):
        a, b = figure(last.values, name), figure(summary.values, name)
        assert ws.cell(first + i, 4).value == b - a
        assert num(ws.cell(first + i, 5).value) == (percent(b - a, a) if a >= 10 else None)


def test_previous_of_another_year_or_unit_is_refused_before_anything_is_written(last_year, tmp_path, cli):
    wrong = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--previous",
                EXAMPLES / "chitudian-2023.xlsx")
    assert (wrong.exit_code, wrong.output) == (
        2, f"xltools: 上年的汇总表 {EXAMPLES / 'chitudian-2023.xlsx'} 是“栾川县赤土店镇人民政府”的，"
           "本次汇总的是“示例县”：请给出同一单位上一年的汇总表，或用与上年相同的 --unit\n")
    this_year = last_year.parent / "this.xlsx"
    assert cli("merge", SAMPLE_COUNTY, "-o", this_year, "--unit", "示例县").exit_code == 0
    year = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--previous", this_year)
    assert (year.exit_code, year.output) == (2, f"xltools: 上年的汇总表 {this_year} 是 2023 年的，本次汇总 2023 年："
                                                "--previous 请给出上一年的汇总表\n")
    assert not (tmp_path / "s.xlsx").exists()
    english = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--previous", this_year,
                  "--lang", "en")
    assert english.output == (f"xltools: Last year's summary {this_year} is of 2023, this summary of 2023: "
                              "--previous takes the summary of the year before\n")


def test_no_draft_leaves_the_text_to_the_county(tmp_path, cli):
    assert cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--no-draft").exit_code == 0
    assert read(tmp_path / "s.xlsx").text["overview.requests"] is None


def test_drafts_fill_only_empty_text():
    from xltools.model.county import Drafting, draft, fill_empty

    report = Report(meta={"unit": "某县", "year": 2023}, values=valid_values(FMT, random.Random(3)),
                    text={"overview.requests": "办公室已写好的文字。"})
    assert fill_empty(report, draft(Drafting(report, {}, {}))) == []
    assert report.text["overview.requests"] == "办公室已写好的文字。"
    report.text["overview.requests"] = "  "
    assert fill_empty(report, draft(Drafting(report, {}, {}))) == ["overview.requests"]


_ZERO = st.sets(st.sampled_from(["new", "results", "review", "suits"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), zero=_ZERO, scale=st.sampled_from([1, 10, 1000]), with_last=st.booleans())
def test_w3_passes_on_every_draft_by_construction(seed, zero, scale, with_last):
    """Whatever the numbers (and whichever of them are 0), the drafted text states
    nothing W3 reads differently from the table, and each number is its field's."""
    from xltools.model.county import Drafting, draft, subtotals
    from xltools.rules.text import stated
    from xltools.xlsx.layout import load_layout

    rng = random.Random(seed)
    values = valid_values(FMT, rng, scale)

    def to_zero(fid: str) -> None:  # a figure of 0: its details 0, the totals computed again
        for part in FMT.fields[fid].parts:
            to_zero(part)
        values[fid] = 0

    for name in zero:
        for fid in fields_of(name):
            to_zero(fid)
    values = complete(FMT, {**{k: v for k, v in values.items() if FMT.fields[k].kind != "total"},
                            **{f.id: None for f in FMT.totals()}})
    report = Report(meta={"unit": "某县", "year": 2023}, values=values)
    parts = [Report(values=valid_values(FMT, rng, scale)) for _ in range(3)]
    by_kind = subtotals({"own": parts[:1], "township": parts[1:]})
    last = valid_values(FMT, rng, scale) if with_last else None
    text = draft(Drafting(report, by_kind, {"own": 1, "township": 2}, last))["overview.requests"]
    report.text["overview.requests"] = text
    layout = load_layout()
    assert stated(report, layout, {f.id for f in FMT.numeric_fields()}) == [], text
    labels = {k["id"]: k["label"] for k in SPEC["kinds"]}
    check_draft(text, report, {labels[k]: (v if k in ("own", "township") else None) for k, v in by_kind.items()}, last)


# --- 5. publish --breakdown ------------------------------------------------------------------

def test_breakdown_by_kind_and_by_unit(county, tmp_path, cli):
    path, reports = county
    kinds = roster_kinds()
    result = cli("publish", path, "-o", tmp_path / "r.md", "--breakdown")
    assert result.exit_code == 0, result.output
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    appendix = md.split("## 附表\n", 1)[1]
    lines = [line for line in appendix.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    words = [SPEC["figures"][n].get("word", SPEC["figures"][n]["label"]) for n in SPEC["breakdown"]]
    assert lines[0] == "| 单位类型 | " + " | ".join(words) + " |"
    summary = read(path)
    expected = [[k] + [sum(figure(r.values, n) for u, r in reports.items() if kinds[u] == k) for n in SPEC["breakdown"]]
                for k in ("本级", "部门", "乡镇街道")]
    expected.append(["合计"] + [figure(summary.values, n) for n in SPEC["breakdown"]])
    assert [line.strip("| ").split(" | ") for line in lines[1:]] == [[str(x) for x in row] for row in expected]
    per_unit = cli("publish", path, "-o", tmp_path / "u.md", "--breakdown", "unit")
    assert per_unit.exit_code == 0
    rows = [line.strip("| ").split(" | ")
            for line in (tmp_path / "u.md").read_text(encoding="utf-8").split("## 附表\n")[1].splitlines()
            if line.startswith("| ") and not line.startswith("|---")]
    assert rows[0][0] == "单位" and rows[1][0] == "示例县人民政府办公室" and rows[2][0] == "本级小计"
    assert len(rows) == 1 + 14 + 3 + 1 and rows[-1] == [str(x) for x in expected[-1]]
    for name in reports:
        row = next(r for r in rows if r[0] == name)
        assert row[1:] == [str(figure(reports[name].values, n)) for n in SPEC["breakdown"]]


@pytest.mark.parametrize("ext", ["docx", "html", "md"])
def test_a_published_report_with_its_appendix_compares_clean(county, tmp_path, ext, cli):
    path, _ = county
    assert cli("publish", path, "-o", tmp_path / f"r.{ext}", "--breakdown", "unit").exit_code == 0
    compared = cli("compare", path, tmp_path / f"r.{ext}")
    assert (compared.exit_code, compared.output.splitlines()[-1]) == (0, "结果：两份报告没有需要注意的差异。")


def test_breakdown_is_refused_where_it_would_be_wrong(county, tmp_path, cli):
    path, _ = county
    unit_book = cli("publish", EXAMPLES / "chitudian-2023.xlsx", "-o", tmp_path / "r.md", "--breakdown")
    assert unit_book.exit_code == 2
    assert unit_book.output.splitlines()[-1] == (
        f"xltools: {EXAMPLES / 'chitudian-2023.xlsx'} 不是汇总表（没有“明细”表）："
        "--breakdown 只用于 xltools merge 写出的汇总表")
    assert not (tmp_path / "r.md").exists()
    wb = openpyxl.load_workbook(path)  # someone typed over a unit's figure in 明细
    ws = wb["明细"]
    col = [c.value for c in ws[2]].index("requests.new.total") + 1
    ws.cell(3, col).value += 1
    wb.save(tmp_path / "edited.xlsx")
    edited = cli("publish", tmp_path / "edited.xlsx", "-o", tmp_path / "r.md", "--breakdown")
    assert edited.exit_code == 2
    assert "的“明细”与汇总数字不一致（一、本年新收政府信息公开申请数量 / 申请人情况 / 总计：各单位之和" in edited.output
    assert not (tmp_path / "r.md").exists()


def test_a_merge_that_leaves_units_out_drafts_no_figures_unless_asked(last_year, tmp_path, cli):
    """1 of 14 units: a drafted "较上年减少…%" would compare one unit with last year's
    county. Not drafted, and the terminal says why; --allow-incomplete drafts it."""
    (tmp_path / "in").mkdir()
    unit = SAMPLE_COUNTY / "示例县东岭镇人民政府.xlsx"
    (tmp_path / "in" / unit.name).write_bytes(unit.read_bytes())
    args = ("merge", tmp_path / "in", "--unit", "示例县", "--roster", ROSTER, "--previous", last_year)
    left_out = "未汇总：示例县人民政府办公室、示例县发展和改革委员会"
    result = cli(*args, "-o", tmp_path / "s.xlsx")
    assert result.exit_code == 1
    [line] = [x for x in result.output.splitlines() if x.startswith("未起草")]
    assert line.startswith(f"未起草数字段落（一（二）依申请公开）：只汇总了 14 个单位中的 1 个（{left_out}")
    assert line.endswith("等 13 个），按部分单位的合计写出的数字和增减会是错的；"
                         "补齐后重新汇总，或用 --allow-incomplete 照样起草。")
    assert read(tmp_path / "s.xlsx").text["overview.requests"] is None
    allowed = cli(*args, "-o", tmp_path / "all.xlsx", "--allow-incomplete")
    assert allowed.exit_code == 1
    assert f"已按 14 个单位中的 1 个单位（{left_out}" in allowed.output
    drafted = read(tmp_path / "all.xlsx").text["overview.requests"]
    assert drafted.startswith(f"（本段数字为 14 个单位中已汇总的 1 个单位的合计，{left_out}") and "较上年" in drafted


# --- merge's drafted text is not the county's writing (issue 24, defect 3) ---------------

C3_DRAFT = "C3 文字与上年重复 一、总体情况!A6"


def test_last_years_drafted_text_is_not_repeated_text(last_year, tmp_path, cli):
    """Both years' 一（二） drafted by merge: the same sentences with other numbers,
    which C3 would call 92% repeated; they are the tool's, so nothing is said."""
    assert read(last_year).drafted == {"overview.requests"}
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", ROSTER,
                 "--previous", last_year)
    assert result.exit_code == 0 and C3_DRAFT not in result.output
    assert C3_DRAFT not in cli("compare", last_year, tmp_path / "s.xlsx").output
    assert read(tmp_path / "s.xlsx").drafted == {"overview.requests"}


def test_an_edited_draft_is_the_countys_text_and_compared_again(last_year, tmp_path, cli):
    wb = openpyxl.load_workbook(last_year)
    wb["一、总体情况"]["A6"].value = wb["一、总体情况"]["A6"].value.replace("共收到", "共受理")  # one word edited
    wb.save(tmp_path / "2022.xlsx")
    assert read(tmp_path / "2022.xlsx").drafted == frozenset()
    result = cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", ROSTER,
                 "--previous", tmp_path / "2022.xlsx")
    assert C3_DRAFT in result.output


def test_two_counties_drafts_are_not_copied_text(county, tmp_path, cli):
    """A city's check of its counties' summaries: their drafts share every sentence
    but the numbers, and T5 would call each a copy of the other."""
    (tmp_path / "in").mkdir()
    for r in sample_county(county="示例二县", seed=7):
        write(r, tmp_path / "in" / f"{r.unit}.xlsx")
    assert cli("merge", tmp_path / "in", "-o", tmp_path / "二县.xlsx", "--unit", "示例二县").exit_code == 0
    results = check([county[0], tmp_path / "二县.xlsx"])
    assert [f.rule for r in results for f in r.findings if f.rule in ("T1", "T5")] == []
