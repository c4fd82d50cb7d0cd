"""The Excel buttons (xltools.excel) against an in-memory fake of xlwings: the same
findings, marks and 检查结果 sheet as `xltools check --annotate`, the same totals as
`xltools fill`, and every mark removed again."""
from __future__ import annotations

import inspect
import subprocess
import sys

import fake_xlwings
import openpyxl
import pytest
from conftest import EXAMPLES, REPO, seed_report

from xltools import Report, write
from xltools.commands.annotate import annotate, marks
from xltools.commands.fill import fill
from xltools.excel import bridge as excel
from xltools.model.schema import load_format, load_template
from xltools.rules.batch import check_paths
from xltools.xlsx.layout import load_layout

xw = pytest.importorskip("xlwings")
FMT = load_format()
LAYOUT = load_layout()
RESULTS = load_template().excel.result_sheet
MARKS = load_template().excel.marks_sheet
FILLS = {level: m.fill for level, m in marks().items()}
MARK_COLORS = {tuple(int(h[i:i + 2], 16) for i in (0, 2, 4)) for h in FILLS.values()}


def chitudian() -> Report:
    return seed_report()


def state(book) -> dict:
    """Everything a clerk could see: sheets, values, formulas, fills, notes, protection."""
    return {"sheets": [(s.name, s.visible, s.api.ProtectContents) for s in book.sheets],
            "structure": book.api.ProtectStructure,
            "cells": {(s.name, a1): (c.value, c.formula, c.color, c.note)
                      for s in book.sheets for a1, c in s._by_a1().items()}}


@pytest.mark.parametrize("fake, real", [
    (fake_xlwings.Book, xw.main.Book), (fake_xlwings.Sheets, xw.main.Sheets), (fake_xlwings.Sheet, xw.main.Sheet),
    (fake_xlwings.Range, xw.main.Range), (fake_xlwings.Note, xw.main.Note), (fake_xlwings.App, xw.main.App),
    (fake_xlwings.Font, xw.main.Font)])
def test_the_fake_has_only_what_xlwings_has(fake, real):
    for name, member in vars(fake).items():
        if name.startswith("_"):
            continue
        assert hasattr(real, name), f"xlwings {real.__name__} has no {name}"
        if callable(member):
            ours = list(inspect.signature(member).parameters)
            theirs = list(inspect.signature(getattr(real, name)).parameters)
            assert ours[:len(theirs)] == [p for p in theirs if p in ours][:len(ours)], (name, ours, theirs)
    assert callable(xw.Book.caller)


def test_check_marks_and_lists_what_annotate_does(tmp_path, monkeypatch):
    monkeypatch.setattr("xltools.commands.annotate.checked_at", lambda: "2024-01-31 10:00")  # one time for both
    src = EXAMPLES / "mistakes-2023.xlsx"
    book = fake_xlwings.load(src)
    result = excel.check(book)
    [expected] = check_paths([src])
    assert [f.to_dict() for f in result.findings] == [f.to_dict() for f in expected.findings]
    annotate(src, expected, tmp_path / "marked.xlsx")
    marked = openpyxl.load_workbook(tmp_path / "marked.xlsx")
    assert [s.name for s in book.sheets] == marked.sheetnames + [MARKS]
    assert book.sheets.active.name == RESULTS

    def shown(ws_rows):
        return [[v for v in row] for row in ws_rows]

    got = book.sheets[RESULTS].used_range.options(ndim=2).value
    want = shown(marked[RESULTS].iter_rows(values_only=True))
    assert [[int(v) if isinstance(v, float) else v for v in row] for row in got] == want
    assert not any(c.formula for c in book.sheets[RESULTS]._by_a1().values())
    links = {a1: c.hyperlink for a1, c in book.sheets[RESULTS]._by_a1().items() if c.hyperlink}
    assert links == {c.coordinate: "#" + c.hyperlink.location
                     for c in marked[RESULTS]["D"] if c.hyperlink}
    for ws in marked.worksheets[1:]:
        sheet = book.sheets[ws.title]
        for row in ws.iter_rows():
            for c in row:
                fill_ = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
                if fill_ and fill_[2:] in FILLS.values():
                    assert sheet.range(c.coordinate).color == tuple(int(fill_[i:i + 2], 16) for i in (2, 4, 6))
                    assert sheet.range(c.coordinate).note.text == c.comment.text
                else:
                    assert sheet.range(c.coordinate).color not in MARK_COLORS, (ws.title, c.coordinate)
    assert book.app._alerts == ["结果：1 个错误，5 个警告。\n"
                                "详见“检查结果”表：错误的单元格标为红色，警告标为橙色，鼠标指向单元格可看说明。"]


def test_check_reads_what_is_on_screen_not_the_file(tmp_path):
    write(chitudian(), tmp_path / "in.xlsx")
    before = (tmp_path / "in.xlsx").read_bytes()
    book = fake_xlwings.load(tmp_path / "in.xlsx")
    area = LAYOUT.cells["requests.new.natural_person"]
    book.sheets[area.sheet].range(area.a1).value = 99  # typed, not saved
    result = excel.check(book)
    assert [(f.rule, f.cells[0]) for f in result.findings if f.rule.startswith("R")] == [
        ("R1", "三、依申请公开!D6"), ("R3", "三、依申请公开!J6")]
    assert book.sheets[area.sheet].range("J6").color == (0xFF, 0x7C, 0x80)
    assert (tmp_path / "in.xlsx").read_bytes() == before
    assert book.api.ProtectStructure and book.sheets[area.sheet].api.ProtectContents


def test_clear_and_a_second_check_put_every_cell_back(tmp_path):
    write(chitudian(), tmp_path / "in.xlsx")
    book = fake_xlwings.load(tmp_path / "in.xlsx")
    area = LAYOUT.cells["requests.new.natural_person"]
    cell = book.sheets[area.sheet].range(area.a1)
    original = cell.value
    cell.value = 99
    clean = state(book)
    excel.check(book)
    assert state(book) != clean
    excel.clear(book)
    assert state(book) == clean
    excel.check(book)
    cell.value = original  # the clerk corrects the number and checks again
    excel.check(book)
    assert not any(c.color in MARK_COLORS for s in book.sheets if s.name != RESULTS for c in s._by_a1().values())
    assert book.app._alerts[-1] == "结果：通过，没有发现问题。"
    excel.clear(book)
    assert [s.name for s in book.sheets] == openpyxl.load_workbook(tmp_path / "in.xlsx").sheetnames


def test_a_note_the_clerk_wrote_comes_back(tmp_path):
    write(chitudian(), tmp_path / "in.xlsx")
    book = fake_xlwings.load(tmp_path / "in.xlsx")
    area = LAYOUT.cells["requests.new.total"]
    sheet = book.sheets[area.sheet]
    sheet.api.Unprotect()
    sheet.range(area.a1).add_note("请核对")
    sheet.api.Protect(AllowFormattingColumns=True, AllowFormattingRows=True)
    sheet.range(LAYOUT.cells["requests.new.natural_person"].a1).value = 99
    clean = state(book)
    excel.check(book)
    assert sheet.range(area.a1).note.text.startswith("R3 ")
    excel.clear(book)
    assert state(book) == clean


def test_fill_writes_what_the_command_writes(tmp_path):
    report = chitudian()
    for f in FMT.totals():
        report.values[f.id] = None
    report.values.update({"appeals.review.total": 0, "requests.granted.commercial": None,
                          "requests.carried_out.research": "/", "requests.new.other_org": " 0 件"})
    write(report, tmp_path / "in.xlsx")
    book = fake_xlwings.load(tmp_path / "in.xlsx")
    result = excel.fill(book)
    command = fill(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert result.changes == command.changes
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    for f in FMT.numeric_fields():
        area = LAYOUT.cells[f.id]
        got = book.sheets[area.sheet].range(area.a1)
        want = wb[area.sheet][area.a1].value
        assert (got.formula if f.kind == "total" else got.value) == want, f.id
    assert book.app._alerts == [f"已填写合计：{len(command.changes)} 处修改。"]
    assert all(s.api.ProtectContents for s in book.sheets if s.name in wb.sheetnames)
    assert book.api.ProtectStructure


def test_fill_refuses_a_moved_table_and_shows_why(tmp_path):
    write(chitudian(), tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "in.xlsx")
    wb["三、依申请公开"].insert_rows(10)
    wb.save(tmp_path / "in.xlsx")
    book = fake_xlwings.load(tmp_path / "in.xlsx")
    before = state(book)["cells"]
    result = excel.fill(book)
    assert result.refused.findings[0].rule == "S4"  # the whole check, as the 检查 button gives it
    assert book.sheets[RESULTS].range("B5").value == "S4"  # below the title, the verdict and the header
    assert book.app._alerts[-1].startswith("未填写合计")
    after = state(book)["cells"]
    assert {k: v[:2] for k, v in after.items() if k[0] not in (RESULTS, MARKS)} == \
           {k: v[:2] for k, v in before.items()}


def test_text_from_the_workbook_stays_text_in_the_result_sheet(tmp_path):
    report = chitudian()
    report.values["requests.new.natural_person"] = "=1+1"
    write(report, tmp_path / "in.xlsx")
    book = fake_xlwings.load(tmp_path / "in.xlsx")
    excel.check(book)
    cells = book.sheets[RESULTS]._by_a1()
    assert not any(c.formula for c in cells.values())
    assert any("=1+1" in str(c.value) for c in cells.values())


def test_the_core_never_imports_xlwings():
    code = ("import sys, pkgutil, importlib, xltools\n"
            "sys.modules['xlwings'] = None\n"  # any import of it would fail
            "for m in pkgutil.walk_packages(xltools.__path__, 'xltools.'):\n"
            "    if not m.name.startswith(('xltools.excel', 'xltools.__main__')): importlib.import_module(m.name)\n"
            "from xltools.cli import main\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    users = [p.relative_to(REPO / "xltools").as_posix() for p in (REPO / "xltools").rglob("*.py")
             if "import xlwings" in p.read_text(encoding="utf-8")]
    assert users == ["excel/bridge.py"]


def test_the_macro_template_checks_in_excel_as_on_disk():
    src = REPO / "workbooks" / "template.xlsm"
    result = excel.check(fake_xlwings.load(src))
    [on_disk] = check_paths([src])
    assert [f.to_dict() for f in result.findings] == [f.to_dict() for f in on_disk.findings if f.rule != "F9"]
