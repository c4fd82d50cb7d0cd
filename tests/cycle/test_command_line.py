"""The cycle by the command line: template → fill → check (审核说明) → --annotate →
merge --previous → publish → compare, then a second county and the city. After each
step: no internal error; every file received accounted for in the written record;
every number of every summary the exact sum of what was merged; and what one step
writes, the next reads without complaint about the tool's own output."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl

from . import county as C
from .conftest import cli, docx_text, sheet_rows

MERGED = [u for u in C.units() if u not in (C.DELETED_TOTAL, C.LAST_YEAR, *C.UNREADABLE)]
LOCK = "~$"


def exported(step_name: str, path: Path) -> dict:
    """A summary's numbers as `xltools export` reads them back."""
    step = cli(f"export {path.name} (after {step_name})", "export", path)
    step.sound(allowed=(0,))
    return json.loads(step.stdout, parse_float=Decimal)["values"]


def assert_sums(step: str, path: Path, reports: list) -> None:
    """Every number of the summary equals the plain sum of the merged units' numbers."""
    got = exported(step, path)
    want = C.expected_sum(reports)
    wrong = {fid: (got.get(fid), want[fid]) for fid in want if Decimal(str(got.get(fid) or 0)) != want[fid]}
    assert not wrong, f"{step}: {path.name} is not the sum of its {len(reports)} units: {dict(list(wrong.items())[:8])}"


def status_rows(path: Path) -> list[dict]:
    rows = sheet_rows(path, "上报情况")
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:] if any(v is not None for v in r)]


def drafted_cells() -> set[str]:
    """The text cells merge drafted into (一（二） and 四's paragraph), as a check names them."""
    from xltools.xlsx.layout import load_layout

    layout = load_layout()
    return {f"{layout.cells[fid].sheet}!{layout.cells[fid].a1}" for fid in ("overview.requests",)
            if fid in layout.cells}


# --- template and fill


def test_the_county_is_the_template_filled_by_thirty_two_units(county):
    for step in county.steps:
        step.sound(allowed=(0,))
    kinds = {C.kind(u) for u in county.this}
    assert len(county.this) >= 30 and kinds == {"本级", "部门", "乡镇街道"}, (len(county.this), kinds)
    template = cli("check 模板.xlsx (the empty template)", "check", county.root / "模板.xlsx", "-f", "json")
    template.sound(allowed=(0, 1))
    [result] = json.loads(template.stdout)["files"]
    assert not [f for f in result["findings"] if f["rule"][0] in "SF"], (
        f"check of the empty template: findings about its own structure: {result['findings']}")


# --- check, with 审核说明 and --annotate


def test_check_of_the_inbox_lists_every_file_it_was_given(county, checked):
    checked.text.sound(allowed=(1, 2))
    checked.json.sound(allowed=(1, 2))
    names = [n for n in county.inbox.files if not n.startswith(LOCK)]
    unsaid = [n for n in names if n not in checked.text.output]
    assert not unsaid, f"check 收件箱: files given but not mentioned in the text output: {unsaid}"
    unlisted = [n for n in names if n not in checked.json.output]
    assert not unlisted, f"check 收件箱 -f json: files given but not listed: {unlisted}"


def test_check_reads_the_text_number_and_accepts_the_explained_warning(county, checked):
    # T5 aside: 32 generated texts share passages, which is the generator's, not the story's
    files = {Path(f["path"]).name: {**f, "findings": [g for g in f["findings"] if g["rule"] != "T5"]}
             for f in json.loads(checked.json.stdout)["files"]}
    plain = files[f"{C.TEXT_NUMBER}.xlsx"]
    assert [f["rule"] for f in plain["findings"]] == ["W0"] and not plain["findings"][0]["explained"], (
        f"check {C.TEXT_NUMBER}.xlsx: {plain['findings']}")
    explained = files[f"{C.EXPLAINED}.xlsx"]
    assert [(f["rule"], f["explained"]) for f in explained["findings"]] == [("W0", True)], (
        f"check {C.EXPLAINED}.xlsx: the W0 explained in 审核说明 should be accepted: {explained['findings']}")
    assert all(g["rule"] == "T5" for d in explained["score"]["deductions"] for g in d["findings"]), (
        f"check {C.EXPLAINED}.xlsx: an explained warning deducts nothing: {explained['score']}")
    deleted = files[f"{C.DELETED_TOTAL}.xlsx"]
    assert [(f["rule"], f["cells"][0]) for f in deleted["findings"]] == [("R4", "四、复议诉讼!E6")], (
        f"check {C.DELETED_TOTAL}.xlsx: {deleted['findings']}")
    opened = files[f"{C.OPEN}.xlsx"]
    assert [f["rule"] for f in opened["findings"]] == ["F8"], f"check {C.OPEN}.xlsx (open in Excel): {opened}"


def test_annotate_marks_every_workbook_into_a_new_folder(county, checked):
    checked.annotate.sound(allowed=(1, 2))
    assert checked.marked.is_dir(), f"check --annotate {checked.marked}: the folder was not made"
    marked = {p.name for p in checked.marked.iterdir()}
    for name in county.inbox.files:
        if name.endswith(".xlsx") and not name.startswith(LOCK) and (county.inbox.folder / name).stat().st_size:
            if county.inbox.files[name] == C.PASSWORD:
                continue
            copy = name.removesuffix(".xlsx") + ".检查结果.xlsx"
            assert copy in marked, f"check --annotate: no marked copy {copy} in {sorted(marked)}"


def test_the_explained_warning_is_green_in_the_marked_copy(county):
    src = county.inbox.path(C.EXPLAINED)
    out = county.root / "水利局.检查结果.xlsx"
    step = cli(f"check {src.name} --annotate", "check", src, "--annotate", out)
    step.sound(allowed=(0,))
    cell = openpyxl.load_workbook(out)["三、依申请公开"]["D6"]
    assert cell.comment is not None and cell.comment.text.startswith("W0"), (
        f"check {src.name} --annotate: D6 carries no W0 comment")


def test_output_redirected_on_a_chinese_windows_console_is_the_same(county):
    """The same check under the console's GBK: the same exit status, no internal error."""
    runs = {}
    for encoding in ("utf-8", "gbk"):
        env = {**os.environ, "PYTHONIOENCODING": encoding}
        done = subprocess.run([sys.executable, "-m", "xltools", "check", str(county.inbox.folder)], env=env,
                              capture_output=True, timeout=300)
        out = done.stdout.decode(encoding, "replace") + done.stderr.decode(encoding, "replace")
        assert "内部错误" not in out and "Traceback" not in out, (
            f"check 收件箱 under PYTHONIOENCODING={encoding}: internal error\n{out[-1500:]}")
        runs[encoding] = done.returncode
    assert runs["gbk"] == runs["utf-8"], f"check 收件箱: exit {runs} under UTF-8 and GBK"


# --- last year, and this year's merge


def test_check_previous_finds_this_years_report_following_last_years(county):
    """The generator links the two years (carry-over, documents in force): a check
    against last year's workbook has nothing to say of either."""
    for unit in (C.COUNTY + "人民政府办公室", C.COPY, C.OPEN):
        src = county.inbox.path(unit)
        step = cli(f"check {src.name} --previous", "check", src, "--previous", county.last_dir / f"{unit}.xlsx",
                   "-f", "json")
        step.sound(allowed=(0,))
        [result] = json.loads(step.stdout)["files"]
        said = [(f["rule"], f["cells"][:1]) for f in result["findings"] if f["rule"] in ("W1", "W2", "W8")]
        assert not said, f"check {src.name} --previous 2022/{unit}.xlsx: {said}"


def test_last_years_summary_is_complete_and_passes_check(county, last_summary):
    last_summary.step.sound(allowed=(0,))
    assert_sums("merge 2022", last_summary.path, list(county.last.values()))
    cli("check 2022汇总", "check", last_summary.path).sound(allowed=(0,))


def test_merge_accounts_for_every_file_received(county, merged):
    merged.step.sound(allowed=(1,))
    rows = status_rows(merged.path)
    by_unit: dict[str, list[dict]] = {}
    for r in rows:
        by_unit.setdefault(r["单位"], []).append(r)
    problems = []
    for unit in C.units():
        got = by_unit.get(unit, [])
        statuses = [r["状态"] for r in got]
        if unit in MERGED and statuses.count("已汇总") != 1:
            problems.append(f"{unit}: expected merged once, 上报情况 says {statuses} "
                            f"({[r['主要问题'] for r in got]})")
        if unit in C.UNREADABLE:
            if not got or any(s in ("未报送", "未收到") for s in statuses):
                problems.append(f"{unit}: its file arrived ({county.inbox.path(unit).name}) but 上报情况 says "
                                f"{statuses or 'nothing'}")
            for r in got:
                if r["状态"] == "有错误" and not r["错误数"]:
                    problems.append(f"{unit}: 状态 有错误 with 错误数 {r['错误数']}")
        if unit == C.DELETED_TOTAL and statuses != ["有错误"]:
            problems.append(f"{unit}: the deleted 总计 (R4) should exclude it as 有错误, 上报情况 says {statuses}")
        if unit == C.LAST_YEAR and statuses != ["年度不符"]:
            problems.append(f"{unit}: last year's file sent again should be 年度不符, 上报情况 says {statuses}")
    assert not problems, "merge 收件箱, 上报情况:\n" + "\n".join(problems)


def test_merge_names_every_file_in_its_sources(county, merged):
    sources = {Path(str(r[0])).name: r[-1] for r in sheet_rows(merged.path, "来源")[1:] if r[0]}
    missing = [n for n in county.inbox.files if not n.startswith(LOCK) and n not in sources]
    assert not missing, f"merge 收件箱, 来源: files received but not listed: {missing}"
    files = {Path(str(r["文件"])).name for r in status_rows(merged.path) if r.get("文件")}
    missing = [n for n in county.inbox.files if not n.startswith(LOCK) and n not in files]
    assert not missing, f"merge 收件箱, 上报情况: files received but named in no row: {missing}"


def test_a_corrected_resubmission_and_a_byte_identical_copy_count_once(county, merged):
    rows = status_rows(merged.path)
    for r in rows:
        problem = str(r.get("主要问题") or "")
        assert not re.fullmatch(r".*\b[0-9a-f]{64}\b.*", problem, re.S) or "xlsx" in problem, (
            f"merge 收件箱, 上报情况 {r['单位']}: a reason that names a SHA-256 and no file: {problem}")
    corrected = [r for r in rows if str(r.get("文件") or "").endswith("（更正版）.xlsx")]
    assert [r["状态"] for r in corrected] == ["已汇总"], (
        f"merge 收件箱: {C.CODE}（更正版）.xlsx carries the roster's code and should be merged: "
        f"{[(r['状态'], r['主要问题']) for r in corrected]}")
    copies = [r for r in rows if r["单位"] == C.COPY]
    assert sorted(r["状态"] for r in copies).count("已汇总") == 1, (
        f"merge 收件箱: {C.COPY} and its byte-identical 副本 are one submission: "
        f"{[(r['状态'], r['主要问题'], r['文件']) for r in copies]}")


def merged_reports(county, path: Path) -> list:
    """The generator's reports of the files 上报情况 says were merged (已汇总)."""
    files = [Path(str(r["文件"])).name for r in status_rows(path) if r["状态"] == "已汇总"]
    return [county.this[county.inbox.files[name]] for name in files]


def test_the_county_summary_is_the_exact_sum_of_what_was_merged(county, merged):
    assert_sums("merge 收件箱", merged.path, merged_reports(county, merged.path))


def test_the_summary_passes_check_without_complaint_about_its_own_text(merged):
    step = cli("check 县汇总", "check", merged.path, "-f", "json")
    step.sound(allowed=(0,))
    [result] = json.loads(step.stdout)["files"]
    drafted = drafted_cells()
    own = [f for f in result["findings"] if set(f["cells"]) & drafted]
    assert not own, f"check 县汇总: findings about the text merge drafted: {own}"


def test_merge_previous_does_not_flag_its_own_drafted_text_as_copied(merged):
    assert "C3" not in merged.step.output, (
        "merge 收件箱 --previous: the comparison flags text (C3) merge itself drafted:\n"
        + "\n".join(line for line in merged.step.output.splitlines() if "C3" in line or "重复" in line))


def coverage(text: str, merged: int, of: int) -> bool:
    """Whether a text says how many of how many units it covers."""
    return bool(re.search(rf"(?<!\d){merged}\s*个", text) and re.search(rf"(?<!\d){of}\s*个", text))


def merged_count(path: Path) -> int:
    return sum(r["状态"] == "已汇总" for r in status_rows(path))


def test_an_incomplete_summary_is_not_drafted_as_if_complete(merged):
    cells = [c for row in openpyxl.load_workbook(merged.path)["一、总体情况"].iter_rows() for c in row]
    drafted = " ".join(c.value for c in cells if isinstance(c.value, str) and "较上年" in c.value)
    n, of = merged_count(merged.path), len(C.units())
    assert not drafted or coverage(drafted, n, of), (
        f"merge 收件箱 --previous: {of - n} of {of} units are not merged, yet the drafted text compares the partial "
        f"sum with last year without saying it covers {n} of {of}: {drafted[:160]}")


# --- publish and compare


def test_publish_refuses_an_incomplete_summary_unless_told(county, merged):
    out = county.root / "县年报.docx"
    refused = cli("publish 县汇总", "publish", merged.path, "-o", out)
    refused.sound(allowed=(0, 1, 2))
    assert refused.code != 0 and not out.exists(), (
        f"publish 县汇总: {len(C.units()) - merged_count(merged.path)} of {len(C.units())} units are missing, "
        f"yet publish wrote the county's report (exit {refused.code})")
    allowed = cli("publish 县汇总 --allow-incomplete", "publish", merged.path, "-o", out, "--allow-incomplete")
    allowed.sound(allowed=(0,))
    n, of = merged_count(merged.path), len(C.units())
    assert coverage(docx_text(out), n, of), (
        f"publish 县汇总 --allow-incomplete: the document does not say it covers {n} of {of} units")


def test_this_year_against_last_year(merged, last_summary):
    step = cli("compare 2022汇总 县汇总", "compare", last_summary.path, merged.path, "-f", "json")
    step.sound(allowed=(0, 1))
    found = json.loads(step.stdout)
    assert found["kind"] == "year_over_year", f"compare 2022汇总 县汇总: {found['kind']}"
    drafted = drafted_cells()
    own = [f for f in found["findings"] if f["rule"] == "C3" and set(f["cells"]) & drafted]
    assert not own, f"compare 2022汇总 县汇总: C3 on the text merge drafted: {own}"


def test_a_units_approved_workbook_against_its_published_report(county):
    src = county.inbox.path(C.COPY)
    for suffix in (".html", ".docx"):
        out = county.root / f"{C.COPY}公布{suffix}"
        cli(f"publish {src.name} -o {out.name}", "publish", src, "-o", out).sound(allowed=(0,))
        step = cli(f"compare {src.name} {out.name}", "compare", src, out, "-f", "json")
        step.sound(allowed=(0,))
        found = json.loads(step.stdout)
        assert found["kind"] == "same_report" and not found["findings"], (
            f"compare {src.name} {out.name}: the published report differs from the approved: {found['findings']}")


def test_the_summary_against_its_units(merged, county):
    step = cli("compare 县汇总 收件箱", "compare", merged.path, county.inbox.folder, "-f", "json")
    step.sound(allowed=(0,))
    found = json.loads(step.stdout)
    assert not [f for f in found["findings"] if f["rule"] == "U1"], (
        f"compare 县汇总 收件箱: the summary is not the sum of its units: {found['findings'][:3]}")


# --- the other county, and the city


def test_the_other_county_publishes_and_compares_clean(county, other_summary):
    other_summary.step.sound(allowed=(0,))
    assert_sums(f"merge {C.OTHER_COUNTY}", other_summary.path, county.other)
    out = county.root / f"{C.OTHER_COUNTY}年报.html"
    cli(f"publish {C.OTHER_COUNTY}汇总", "publish", other_summary.path, "-o", out, "--breakdown").sound(allowed=(0,))
    step = cli(f"compare {C.OTHER_COUNTY}汇总 年报.html", "compare", other_summary.path, out, "-f", "json")
    step.sound(allowed=(0,))
    assert not json.loads(step.stdout)["findings"], (
        f"compare {C.OTHER_COUNTY}汇总 年报.html: {json.loads(step.stdout)['findings']}")


def test_the_city_is_the_sum_of_its_counties(county, merged, city):
    city.step.sound(allowed=(0,))
    rows = status_rows(city.path)
    assert sorted((r["单位"], r["状态"]) for r in rows) == sorted(
        [(C.COUNTY, "已汇总"), (C.OTHER_COUNTY, "已汇总")]), f"merge 县汇总 → 市汇总, 上报情况: {rows}"
    assert_sums("merge 县汇总 → 市汇总", city.path, merged_reports(county, merged.path) + county.other)
    cli("check 市汇总", "check", city.path).sound(allowed=(0,))


# --- what the summary shows beside the report: by kind, unit by unit


def test_the_breakdown_by_kind_is_the_exact_sum_of_each_kinds_units(county, merged):
    reports = merged_reports(county, merged.path)
    rows = sheet_rows(merged.path, "分类汇总")
    kinds = ("本级", "部门", "乡镇街道", "其他")
    want = {k: C.expected_sum([r for r in reports if C.kind(r.unit) == k]) for k in kinds}
    total = C.expected_sum(reports)
    wrong = []
    for row in rows:
        fid = row[-1]
        if fid == "units":
            got = row[2:7]
            expect = tuple(sum(C.kind(r.unit) == k for r in reports) for k in kinds) + (len(reports),)
        elif fid in C.FMT.fields:
            got = row[2:7]
            expect = tuple(want[k][fid] for k in kinds) + (total[fid],)
        else:
            continue
        if tuple(Decimal(str(v or 0)) for v in got) != tuple(Decimal(e) for e in expect):
            wrong.append((fid, got, expect))
    assert not wrong, f"merge 收件箱, 分类汇总: rows that are not the sum of their kind's units: {wrong[:6]}"


def test_each_units_row_of_the_detail_is_its_report(county, merged):
    rows = sheet_rows(merged.path, "明细")
    ids = rows[1]
    wrong = []
    for row in rows[2:]:
        unit = row[0]
        expect = C.expected_sum(merged_reports(county, merged.path)) if unit == "合计" else (
            C.expected_sum([county.this[unit]]) if unit in county.this else None)
        if expect is None:
            wrong.append((unit, "not a unit of the county"))
            continue
        for fid, value in zip(ids, row):
            if fid in expect and Decimal(str(value or 0)) != expect[fid]:
                wrong.append((unit, fid, value, expect[fid]))
    assert not wrong, f"merge 收件箱, 明细: cells that are not the unit's own figure: {wrong[:6]}"


# --- last year's folder against this year's inbox, and the inbox as data


def test_last_years_folder_against_this_years_inbox(county):
    step = cli("compare 2022 收件箱", "compare", county.last_dir, county.inbox.folder, "-f", "json")
    step.sound(allowed=(0, 1))
    units = json.loads(step.stdout)["units"]
    compared = {u["unit"]: u for u in units if u["status"] == "compared"}
    problems = []
    finance = compared.get(C.CODE, {}).get("new") or {}
    if not str(finance.get("path", "")).endswith("（更正版）.xlsx"):
        problems.append(f"{C.CODE}: last year's code is the one of 财政局（更正版）.xlsx, yet compared with "
                        f"{finance.get('path')} (units are matched by credit code first)")
    both = [(u["unit"], u["status"]) for u in units if u["status"] != "compared" and u["unit"] in compared]
    if both:
        problems.append(f"units compared and also listed as only in one folder: {both}")
    text = compared.get(C.TXT)
    if text is not None and not text["findings"]:
        problems.append(f"{C.TXT}: its .txt (a title and one sentence, no table) is 'compared' with last year's "
                        f"workbook with nothing to note, as if every figure agreed")
    said = json.dumps(units, ensure_ascii=False)
    only_old = {u["unit"] for u in units if u["status"] == "only_old"}
    for name, unit in county.inbox.files.items():
        if unit in C.UNREADABLE and name not in said:
            problems.append(f"{name}: received, but not listed (its unit is said to be only in the old folder)")
        elif unit in C.UNREADABLE and unit in only_old:
            problems.append(f"{unit}: its file {name} is listed as unreadable, and the unit as only in the old "
                            f"folder (C5) as if nothing had arrived")
    assert not problems, "compare 2022 收件箱:\n" + "\n".join(problems)


def test_export_of_the_inbox_gives_every_readable_workbook(county):
    step = cli("export 收件箱 -f csv", "export", county.inbox.folder, "-f", "csv")
    step.sound(allowed=(0, 2))
    readable = {u for n, u in county.inbox.files.items() if u not in C.UNREADABLE and not n.startswith("~$")}
    missing = sorted(u for u in readable if f",{u}," not in step.output)
    assert not missing, (f"export 收件箱: one unreadable file and nothing of the {len(readable)} readable units "
                         f"is exported (exit {step.code}); missing: {missing[:5]}…\n{step.output[-300:]}")


def test_a_workbook_saved_as_xls_by_a_real_spreadsheet_is_recorded(county, soffice, tmp_path):
    """The .xls of the inbox is an OLE header; here LibreOffice saves the unit's
    workbook as Excel 97-2003 does, and check and merge say so of that unit."""
    unit = C.XLS
    made = tmp_path / f"{unit}.xlsx"
    made.write_bytes(county.inbox.path(C.COPY).read_bytes())
    xls = soffice(made, "xls")
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / f"{unit}.xls").write_bytes(xls.read_bytes())
    step = cli("check 收件箱 (.xls by LibreOffice)", "check", inbox / f"{unit}.xls", "-f", "json")
    step.sound(allowed=(2,))
    [result] = json.loads(step.stdout)["files"]
    (inbox / made.name).write_bytes(made.read_bytes())  # with a unit whose workbook is read, merge writes
    assert [f["rule"] for f in result["findings"]] == ["F4"], f"check {unit}.xls: {result['findings']}"
    out = tmp_path / "汇总.xlsx"
    merge = cli("merge 收件箱 (.xls by LibreOffice)", "merge", inbox, "-o", out, "--unit", C.COUNTY, "--roster",
                county.roster)
    merge.sound(allowed=(1,))
    rows = [r for r in status_rows(out) if r["单位"] == unit] if out.exists() else []
    assert [(r["状态"], r["错误数"] > 0) for r in rows] == [("无法读取", True)], (
        f"merge 收件箱 (.xls by LibreOffice), 上报情况 of {unit}: {rows}")
