"""`xltools fill`: totals as live formulas with correct values, for every reader."""
from __future__ import annotations

import hashlib
import os
from decimal import Decimal

import openpyxl
import pandas as pd
from conftest import seed_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from xltools import Report, read, write
from xltools.commands.fill import fill
from xltools.model.schema import leaves, load_format
from xltools.rules.batch import check_paths
from xltools.xlsx.layout import load_layout

FMT = load_format()
LAYOUT = load_layout()


def details_only(report: Report) -> Report:
    for f in FMT.totals():
        report.values[f.id] = None
    return report


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def totals_by_reader(path) -> dict[str, dict]:
    """Every total as calamine, pandas (calamine engine) and openpyxl data_only see it."""
    cal = {s: CalamineWorkbook.from_path(str(path)).get_sheet_by_name(s).to_python(skip_empty_area=False)
           for s in {LAYOUT.cells[f.id].sheet for f in FMT.totals()}}
    frames = pd.read_excel(path, sheet_name=list(cal), engine="calamine", header=None)
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {"calamine": {}, "pandas": {}, "openpyxl": {}}
    for f in FMT.totals():
        a = LAYOUT.cells[f.id]
        out["calamine"][f.id] = cal[a.sheet][a.top - 1][a.left - 1]
        out["pandas"][f.id] = frames[a.sheet].iat[a.top - 1, a.left - 1]
        out["openpyxl"][f.id] = wb[a.sheet][a.a1].value
    return out


def test_detail_only_workbook_is_completed(tmp_path, soffice, cli):
    report = seed_report()
    expected = dict(report.values)
    write(details_only(report), tmp_path / "in.xlsx")
    result = cli("fill", tmp_path / "in.xlsx", "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 0
    assert result.output == (f"已补全：{tmp_path / 'in.xlsx'} → {tmp_path / 'out.xlsx'}\n"
                             "  无需修改，合计已写入公式和数值\n")
    [checked] = check_paths([tmp_path / "out.xlsx"])
    assert checked.findings == []
    want = {f.id: expected[f.id] for f in FMT.totals()}
    for reader, got in totals_by_reader(tmp_path / "out.xlsx").items():
        assert {k: int(v) for k, v in got.items()} == want, reader
    recalculated = soffice(tmp_path / "out.xlsx")
    assert {k: int(v) for k, v in totals_by_reader(recalculated)["calamine"].items()} == want
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["三、依申请公开"]
    assert ws["J6"].value == "=SUM(D6:I6)" and ws["D29"].value == "=SUM(D8:D28)"


def test_typed_over_totals_are_replaced_and_listed(tmp_path, cli):
    report = seed_report()
    report.values.update({"appeals.review.total": 0, "requests.new.total": 1, "requests.granted.commercial": None,
                          "requests.carried_out.research": "/", "requests.new.other_org": " 0 件"})
    write(report, tmp_path / "in.xlsx")
    result = cli("fill", tmp_path / "in.xlsx", "-o", tmp_path / "out.xlsx")
    assert result.output.splitlines()[1:] == [
        "  三、依申请公开!I6：“ 0 件” → 0（文字改为数字）",
        "  四、复议诉讼!E6（行政复议 / 总计）：0 → 1",
        "  恢复了 2 个被数字覆盖的合计公式（数值不变）",
        "  1 个空白单元格改为 0",
        "  1 个填了“/”“—”“无”等的单元格改为 0",
    ]
    assert read(tmp_path / "out.xlsx").values["appeals.review.total"] == 1
    assert [f.rule for f in check_paths([tmp_path / "out.xlsx"])[0].findings] == []


def _plain(cell) -> tuple:
    return (cell.value if cell.data_type != "n" else None, *map(repr, (cell.font, cell.fill, cell.border,
            cell.alignment, cell.protection)), cell.number_format)


def test_everything_else_stays(tmp_path):
    report = seed_report()
    report.explanations = [{"rule": "W4", "target": "五、问题及改进!A3", "text": "=不是公式"}]
    write(details_only(report), tmp_path / "in.xlsx")
    fill(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    before, after = openpyxl.load_workbook(tmp_path / "in.xlsx"), openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert before.sheetnames == after.sheetnames
    assert after["_xltools"].sheet_state == "veryHidden" and after.security.lockStructure
    for b, a in zip(before.worksheets, after.worksheets):
        assert sorted(map(str, b.merged_cells.ranges)) == sorted(map(str, a.merged_cells.ranges))
        assert [(d.sqref, d.prompt) for d in b.data_validations.dataValidation] == \
               [(d.sqref, d.prompt) for d in a.data_validations.dataValidation]
        assert (b.protection.sheet, b.freeze_panes, b.print_title_rows) == (a.protection.sheet, a.freeze_panes,
                                                                            a.print_title_rows)
        for row_b, row_a in zip(b.iter_rows(), a.iter_rows()):
            for cb, ca in zip(row_b, row_a):
                assert _plain(cb) == _plain(ca), (b.title, cb.coordinate)
    assert read(tmp_path / "out.xlsx").explanations == report.explanations


def test_refuses_a_workbook_it_cannot_read_safely(tmp_path, cli):
    write(seed_report(), tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "in.xlsx")
    wb["三、依申请公开"].insert_rows(10)
    wb.save(tmp_path / "in.xlsx")
    before = sha(tmp_path / "in.xlsx")
    result = cli("fill", tmp_path / "in.xlsx", "--in-place")
    assert result.exit_code == 1
    assert result.output.startswith(f"未补全 {tmp_path / 'in.xlsx'}：")
    assert "S4" in result.output
    assert sha(tmp_path / "in.xlsx") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_in_place_keeps_a_backup(tmp_path, cli):
    write(details_only(seed_report()),
          tmp_path / "r.xlsx")
    original = (tmp_path / "r.xlsx").read_bytes()
    assert cli("fill", tmp_path / "r.xlsx", "--in-place").exit_code == 0
    assert (tmp_path / "r.bak.xlsx").read_bytes() == original
    assert cli("fill", tmp_path / "r.xlsx", "--in-place").exit_code == 0
    assert (tmp_path / "r.bak.2.xlsx").exists()
    assert read(tmp_path / "r.xlsx").values["requests.new.total"] == 1


def test_interrupted_in_place_leaves_the_original_intact(tmp_path, monkeypatch, cli):
    write(details_only(seed_report()),
          tmp_path / "r.xlsx")
    before = sha(tmp_path / "r.xlsx")

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    result = cli("fill", tmp_path / "r.xlsx", "--in-place")
    assert result.exit_code == 2
    assert "磁盘空间不足" in result.output
    assert sha(tmp_path / "r.xlsx") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.bak.xlsx", "r.xlsx"]  # no temporary file left


def test_output_must_not_be_the_input(tmp_path, cli):
    write(Report(), tmp_path / "r.xlsx")
    result = cli("fill", tmp_path / "r.xlsx", "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2 and "--in-place" in result.output


REQUEST_COLUMNS = [c.key for c in leaves(FMT.tables["requests"].blocks[0].columns)][:-1]
RESULT_ROWS = [p.removeprefix("requests.").rsplit(".", 1)[0]
               for p in FMT.fields["requests.results_total.total"].row_parts]


@st.composite
def balanced_details(draw) -> dict:
    """Random details that balance, some zeros left blank."""
    values = {}
    for col in REQUEST_COLUMNS:
        for row in RESULT_ROWS:
            values[f"requests.{row}.{col}"] = draw(st.integers(0, 50))
        done = sum(values[f"requests.{row}.{col}"] for row in RESULT_ROWS)
        out = draw(st.integers(0, 20))
        carried_in = draw(st.integers(0, done + out))
        values.update({f"requests.carried_out.{col}": out, f"requests.carried_in.{col}": carried_in,
                       f"requests.new.{col}": done + out - carried_in})
    for f in FMT.numeric_fields():
        if f.kind != "total" and f.id not in values:
            values[f.id] = (draw(st.integers(0, 10**6)) if f.value_kind != "money"
                            else Decimal(draw(st.integers(0, 10**8))).scaleb(-draw(st.integers(0, 6))))
    blank = draw(st.sets(st.sampled_from(sorted(values)), max_size=20))
    return {k: (None if k in blank and v == 0 else v) for k, v in values.items()}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(balanced_details())
def test_fill_makes_every_rule_hold(tmp_path, details):
    write(Report(meta={"unit": "测试镇", "year": 2023}, values=details), tmp_path / "in.xlsx")
    result = fill(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert result.refused is None
    [checked] = check_paths([tmp_path / "out.xlsx"])
    assert checked.errors == []
    assert {f.rule for f in checked.warnings} <= {"W4", "W5"}  # no text was written; fees are random
    n = {k: v or 0 for k, v in details.items()}
    expected = {}
    for row in [r.key for r in leaves(FMT.tables["requests"].blocks[0].rows)]:
        if row != "results_total":
            expected[f"requests.{row}.total"] = sum(n[f"requests.{row}.{c}"] for c in REQUEST_COLUMNS)
    for col in REQUEST_COLUMNS:
        expected[f"requests.results_total.{col}"] = sum(n[f"requests.{r}.{col}"] for r in RESULT_ROWS)
    expected["requests.results_total.total"] = sum(expected[f"requests.results_total.{c}"] for c in REQUEST_COLUMNS)
    for group in ("review", "suit_direct", "suit_after_review"):
        expected[f"appeals.{group}.total"] = sum(n[f"appeals.{group}.{m}"]
                                                 for m in ("upheld", "corrected", "other", "pending"))
    assert len(expected) == len(FMT.totals())
    for reader, got in totals_by_reader(tmp_path / "out.xlsx").items():
        for fid, want in expected.items():
            assert got[fid] == want, (reader, fid)


def test_a_marked_copy_sent_back_loses_the_marks_of_its_last_check(tmp_path, cli):
    """A unit fixes the marked copy it downloaded: fill makes it clean (no 检查结果 sheet,
    no comment of xltools, each cell's fill and border as the template has them), and
    a marked copy checked again carries this check's marks only."""
    from conftest import EXAMPLES

    source = EXAMPLES / "mistakes-2023.xlsx"
    marked, filled, again = tmp_path / "标注.xlsx", tmp_path / "补全.xlsx", tmp_path / "再标注.xlsx"
    cli("check", source, "--annotate", marked)
    result = cli("fill", marked, "-o", filled)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "  清除了上次检查留下的标注（12 个单元格的颜色和批注，以及“检查结果”表）"
    cli("fill", source, "-o", tmp_path / "未标注补全.xlsx")  # what fill makes of the file never marked
    original, clean = openpyxl.load_workbook(tmp_path / "未标注补全.xlsx"), openpyxl.load_workbook(filled)
    assert clean.sheetnames == original.sheetnames
    for ws in original.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                there = clean[ws.title][cell.coordinate]
                assert (repr(there.fill), repr(there.border), there.comment) == \
                    (repr(cell.fill), repr(cell.border), cell.comment), f"{ws.title}!{cell.coordinate}"
    cli("check", marked, "--annotate", again)
    book = openpyxl.load_workbook(again)
    comments = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment is not None]
    assert book.sheetnames.count("检查结果") == 1 and len(comments) == 12  # the same findings, marked once
