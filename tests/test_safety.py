"""Whatever arrives by e-mail or USB stick: broken, foreign, hostile or huge files.
The corpus is made here, from the template, so that no large binary is committed."""
from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES, seed_report
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from python_calamine import CalamineWorkbook

from samples import sample_county
from xltools import write
from xltools.rules.batch import check_paths
from xltools.xlsx.guard import Rejection, inspect_zip
from xltools.xlsx.layout import load_layout

CHITUDIAN = EXAMPLES / "chitudian-2023.xlsx"


def rewrite(src: Path, dst: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a workbook with some zip entries replaced (None: removed)."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = change.get(info.filename, z.read(info))
            if data is not None:
                out.writestr(info.filename, data)
        for name, data in change.items():
            if name not in z.namelist() and data is not None:
                out.writestr(name, data)
    return dst


def part(name: str) -> bytes:
    with zipfile.ZipFile(CHITUDIAN) as z:
        return z.read(name)


def only(path: Path):
    [result] = check_paths([path])
    return result


def file_rule(path: Path) -> tuple[str, str]:
    result = only(path)
    assert result.unreadable is not None, result.findings
    return result.findings[0].rule, result.findings[0].case


@pytest.mark.parametrize("name,data,expected", [
    ("empty.xlsx", b"", ("F1", "empty")),
    ("report.xlsx", b"%PDF-1.4 a report saved as pdf", ("F2", "looks")),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ("F4", "xls")),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600,
     ("F5", "encrypted")),
])
def test_files_that_are_not_workbooks(tmp_path, name, data, expected, cli):
    (tmp_path / name).write_bytes(data)
    assert file_rule(tmp_path / name) == expected
    result = cli("check", tmp_path / name)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_truncated_download(tmp_path, cli):
    data = CHITUDIAN.read_bytes()
    (tmp_path / "half.xlsx").write_bytes(data[: len(data) // 2])
    assert file_rule(tmp_path / "half.xlsx") == ("F3", "truncated")
    result = cli("check", tmp_path / "half.xlsx")
    assert "文件不完整或已损坏" in result.output and "请报送单位重新发送完整的文件。" in result.output


def test_a_zip_that_is_not_a_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "photos.xlsx", "w") as z:
        z.writestr("a.jpg", b"\xff\xd8")
    assert file_rule(tmp_path / "photos.xlsx") == ("F2", "parts")


def test_ods_is_asked_to_be_saved_as_xlsx(tmp_path, soffice, cli):
    copy = tmp_path / "unit.xlsx"
    copy.write_bytes(CHITUDIAN.read_bytes())
    ods = soffice(copy, "ods")
    assert file_rule(ods) == ("F6", "ods")
    assert "Save it as \"Excel 2007-365 (.xlsx)\"" in cli("check", ods, "--lang", "en").output


def test_zip_bomb(tmp_path):
    bomb = rewrite(CHITUDIAN, tmp_path / "bomb.xlsx", {"xl/media/padding.bin": b"\0" * 5_000_000})
    assert file_rule(bomb) == ("F7", "ratio")


@pytest.mark.parametrize("target,padding", [("xl/workbook.xml", b""), ("xl/styles.xml", b""),
                                            ("xl/theme/theme1.xml", b"<!-- <a> " + b" " * 9000 + b"-->")])
def test_billion_laughs(tmp_path, target, padding):
    laughs = (b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                         for i in range(1, 10))
              + b"]><workbook>&lol9;</workbook>")
    bad = rewrite(CHITUDIAN, tmp_path / "laughs.xlsx", {target: laughs})
    assert file_rule(bad) == ("F7", "dtd")


def _far_cell(tmp_path) -> Path:
    sheet = part("xl/worksheets/sheet4.xml").replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')
    return rewrite(CHITUDIAN, tmp_path / "far.xlsx", {"xl/worksheets/sheet4.xml": sheet})


def test_far_cell_never_reaches_calamine(tmp_path):
    far = _far_cell(tmp_path)
    # in a separate process: were the guard to miss it, calamine would abort the process
    out = subprocess.run([sys.executable, "-m", "xltools.cli", "check", str(far)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert "工作表“三、依申请公开”用到了单元格 XFD1048576，远超模板范围。" in out.stdout


@pytest.mark.parametrize("row", [
    b'<row r="40"><c t="n" r="XFD1048576"><v>1</v></c></row>',  # attributes in another order
    b"<row r='40'><c r='XFD1048576'><v>1</v></c></row>",  # single quotes
    b'<row r="40"><c\n  r = "XFD1048576"><v>1</v></c></row>',  # spaces
    b'<row r="40"><c r="xfd1048576"><v>1</v></c></row>',  # lower case
    b'<row r="40"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="XFD1048576">'
    b"<x:v>1</x:v></x:c></row>",  # a prefixed element
    b'<row spans="1:1" r="1048576"><c><v>1</v></c></row>',  # a far row
])
def test_far_cell_however_written(tmp_path, row):
    """python-calamine reads a cell's position however the XML writes it (each of these
    aborts it); the guard finds each before calamine sees the file."""
    sheet = part("xl/worksheets/sheet4.xml").replace(b"</sheetData>", row + b"</sheetData>")
    far = rewrite(CHITUDIAN, tmp_path / "far.xlsx", {"xl/worksheets/sheet4.xml": sheet})
    with pytest.raises(Rejection) as refused:
        inspect_zip(far.read_bytes())
    assert (refused.value.rule, refused.value.case) == ("F7", "far")


class _Stream(io.RawIOBase):
    """A pipe-like output: zipfile cannot seek back, so it writes data descriptors."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def test_calamine_reads_the_parts_the_guard_read(tmp_path):
    """python-calamine is handed an archive of the parts the guard listed, each sheet
    as the guard inflated it, whatever way the file stores its parts."""
    data = CHITUDIAN.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as original, \
            zipfile.ZipFile(io.BytesIO(inspect_zip(data).archive)) as handed:
        assert [i.filename for i in handed.infolist()] == original.namelist()
        for info in handed.infolist():
            assert handed.read(info) == original.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                assert info.compress_type == zipfile.ZIP_STORED
        parts = {name: original.read(name) for name in original.namelist()}
    stream = _Stream()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    (tmp_path / "streamed.xlsx").write_bytes(bytes(stream.data))
    with zipfile.ZipFile(tmp_path / "stored.xlsx", "w", zipfile.ZIP_STORED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    expected = only(CHITUDIAN).report
    assert only(tmp_path / "streamed.xlsx").report == expected
    assert only(tmp_path / "stored.xlsx").report == expected
    far = zipfile.ZipFile(_far_cell(tmp_path)).read("xl/worksheets/sheet4.xml")
    with zipfile.ZipFile(tmp_path / "far-stored.xlsx", "w", zipfile.ZIP_STORED) as z:
        for name, content in parts.items():
            z.writestr(name, far if name == "xl/worksheets/sheet4.xml" else content)
    with pytest.raises(Rejection) as refused:
        inspect_zip((tmp_path / "far-stored.xlsx").read_bytes())
    assert (refused.value.rule, refused.value.case) == ("F7", "far")


def test_too_many_parts(tmp_path):
    crowd = {f"xl/media/image{i}.png": b"x" for i in range(600)}
    assert file_rule(rewrite(CHITUDIAN, tmp_path / "crowd.xlsx", crowd)) == ("F7", "entries")


def test_too_many_sheets(tmp_path):
    book = part("xl/workbook.xml").replace(b"</sheets>", b'<sheet name="x" sheetId="99" r:id="rId99"/>' * 80
                                           + b"</sheets>")
    assert file_rule(rewrite(CHITUDIAN, tmp_path / "many.xlsx", {"xl/workbook.xml": book})) == ("F7", "sheets")


def test_worst_cases_are_quick_and_small(tmp_path):
    """The three worst cases, each in its own process: time and peak memory."""
    cases = [rewrite(CHITUDIAN, tmp_path / "bomb.xlsx", {"xl/media/padding.bin": b"\0" * 5_000_000}),
             _far_cell(tmp_path)]
    # A wrapper process reports the peak memory of its one child, the check.
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "code = subprocess.run([sys.executable, '-m', 'xltools.cli', 'check', sys.argv[1]], "
             "capture_output=True).returncode; "
             "print(code, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    for path in cases:
        code, seconds, peak_kb = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True,
                                                text=True, timeout=60, check=True).stdout.split()
        assert int(code) == 2
        assert float(seconds) < 10  # a fresh interpreter importing pandas included
        assert int(peak_kb) < 300 * 1024


def test_error_values_and_odd_cell_contents(tmp_path):
    import datetime

    write(seed_report(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    ws = wb["三、依申请公开"]
    ws["E6"] = "#REF!"
    ws["E6"].data_type = "e"
    ws["F6"] = True
    ws["G6"] = datetime.date(2023, 5, 1)
    ws["H6"] = 10**16
    ws["E7"] = "x" * 100_000
    wb.save(tmp_path / "r.xlsx")
    result = only(tmp_path / "r.xlsx")
    assert [(f.rule, f.case, f.cells[0]) for f in result.findings] == [
        ("R0", "error", "三、依申请公开!E6"), ("R0", "invalid", "三、依申请公开!F6"),
        ("R0", "invalid", "三、依申请公开!G6"), ("R0", "large", "三、依申请公开!H6"),
        ("R0", "invalid", "三、依申请公开!E7")]
    assert result.findings[0].message() == (
        "三、依申请公开!E6（一、本年新收政府信息公开申请数量 / 申请人情况 / 法人或其他组织 / 商业企业）"
        "显示错误值 #REF!（公式或引用出错）。")
    # a cell holds at most 32,767 characters; the message quotes the first 80
    assert len(result.findings[4].message()) < 200 and "…（共 32767 字）" in result.findings[4].message()


def test_lock_file_and_macros_are_said(tmp_path):
    (tmp_path / "unit.xlsm").write_bytes(CHITUDIAN.read_bytes())
    (tmp_path / "~$unit.xlsm").write_bytes(b"owner")
    result = only(tmp_path / "unit.xlsm")
    assert [(f.rule, f.case) for f in result.findings] == [("F8", "locked"), ("F9", "macros"), ("T1", "missing")]
    assert result.ok and result.report.unit == "栾川县赤土店镇人民政府"


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "=HYPERLINK(\"http://x\",\"点\")"])
def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path, soffice, text, cli):
    report = sample_county()[0]
    report.meta["unit"] = text
    report.text["problems"] = text
    (tmp_path / "in").mkdir()
    write(report, tmp_path / "in" / "u.xlsx")
    assert cli("merge", tmp_path / "in", "-o", tmp_path / "s.xlsx", "--unit", text).exit_code == 0
    with zipfile.ZipFile(tmp_path / "s.xlsx") as z:
        formulas = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")).count(b"<f>")
    assert formulas == 34 + 7  # the template's totals and live checks, nothing else
    lo = soffice(tmp_path / "s.xlsx")
    ours = CalamineWorkbook.from_path(str(tmp_path / "s.xlsx"))
    assert ours.get_sheet_by_name("封面").to_python()[2][1] == text
    assert ours.get_sheet_by_name("各单位文字").to_python()[1][0] == text
    assert openpyxl.load_workbook(tmp_path / "s.xlsx")["上报情况"]["A2"].value == text
    # LibreOffice reads the same text, never a computed value
    theirs = CalamineWorkbook.from_path(str(lo))
    assert theirs.get_sheet_by_name("封面").to_python()[2][1] == text
    assert theirs.get_sheet_by_name("各单位文字").to_python()[1][0] == text


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_command_modifies_its_inputs(tmp_path, cli):
    src = tmp_path / "in"
    src.mkdir()
    for p in (EXAMPLES / "sample-county").glob("*.xlsx"):
        (src / p.name).write_bytes(p.read_bytes())
    mistakes = src / "m.xlsx"
    mistakes.write_bytes((EXAMPLES / "mistakes-2023.xlsx").read_bytes())
    before = {p: sha(p) for p in src.iterdir()}
    cli("check", src, "--annotate", tmp_path)
    cli("export", src, "-f", "csv", "-o", tmp_path / "all.csv")
    cli("fill", mistakes, "-o", tmp_path / "filled.xlsx")
    cli("merge", src, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert {p: sha(p) for p in src.iterdir()} == before


def test_outputs_that_cannot_be_written(tmp_path, cli):
    for args in (["fill", CHITUDIAN, "-o", tmp_path / "no" / "such" / "folder.xlsx"],
                 ["fill", CHITUDIAN, "-o", "/proc/xltools.xlsx"],
                 ["merge", EXAMPLES / "sample-county", "-o", "/proc/s.xlsx", "--unit", "示例县"],
                 ["template", "-o", tmp_path / "missing" / "t.xlsx"]):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.output.startswith("xltools: 无法写入"), result.output
        assert "Traceback" not in result.output


def test_full_disk_leaves_the_old_summary(tmp_path, monkeypatch, cli):
    (tmp_path / "s.xlsx").write_bytes(b"old")

    def full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    result = cli("merge", EXAMPLES / "sample-county", "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--force")
    assert result.exit_code == 2 and "磁盘空间不足" in result.output
    assert (tmp_path / "s.xlsx").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.bak.xlsx", "s.xlsx"]  # no half-written file
    assert (tmp_path / "s.bak.xlsx").read_bytes() == b"old"


def test_merge_survives_a_worker_that_dies(tmp_path, monkeypatch, cli):
    import xltools.rules.batch as merge_module

    src = tmp_path / "in"
    src.mkdir()
    for p in sorted((EXAMPLES / "sample-county").glob("*.xlsx")):
        (src / p.name).write_bytes(p.read_bytes())
    (src / "crash.xlsx").write_bytes(CHITUDIAN.read_bytes())
    real = merge_module.inspect

    def fragile(path, *rest):
        if Path(path).name == "crash.xlsx":
            os.abort()  # what a parser's abort does to a worker
        return real(path, *rest)

    monkeypatch.setattr(merge_module, "inspect", fragile)
    result = cli("merge", src, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--jobs", "2")
    assert result.exit_code == 1, result.output
    assert "已写入汇总表" in result.output and "汇总 14 个单位" in result.output
    assert "读取此文件时读取程序异常终止" in result.output


CELLS = sorted(load_layout().cells.items())
VALUES = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=False), st.booleans(), st.text(max_size=50),
                   st.dates(), st.none())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(CELLS), VALUES), max_size=8),
       st.sets(st.sampled_from(["xl/worksheets/sheet2.xml", "xl/worksheets/sheet4.xml", "xl/styles.xml",
                                "xl/sharedStrings.xml", "xl/_rels/workbook.xml.rels", "docProps/core.xml"]),
               max_size=2))
def test_mutated_workbooks_end_in_a_finding_never_a_traceback(tmp_path, cli, changes, removed):
    wb = openpyxl.load_workbook(CHITUDIAN)
    for (fid, area), value in changes:
        try:
            wb[area.sheet][area.a1].value = value
        except (ValueError, TypeError, IllegalCharacterError):
            pass  # openpyxl refuses what no workbook can hold
    buffer = io.BytesIO()
    try:
        wb.save(buffer)
    except (ValueError, TypeError, AttributeError):
        assume(False)  # openpyxl cannot write this mutation; no file to check
    (tmp_path / "m.xlsx").write_bytes(buffer.getvalue())
    path = rewrite(tmp_path / "m.xlsx", tmp_path / "mutated.xlsx", {name: None for name in removed})
    result = cli("check", path, "--format", "json")
    assert result.exit_code in (0, 1, 2) and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("stored", [b"NaN", b"INF", b"-INF"])
def test_not_a_number_in_a_count_cell(tmp_path, stored):
    sheet = re.sub(rb'(<c r="E6"[^>]*>)<v>0</v>', rb"\1<v>" + stored + rb"</v>", part("xl/worksheets/sheet4.xml"))
    path = rewrite(CHITUDIAN, tmp_path / "nan.xlsx", {"xl/worksheets/sheet4.xml": sheet})
    result = only(path)
    # the cell's error first, then the seed's own warning T1 on 一 (its （三） states no figures)
    assert [(f.rule, f.cells[0]) for f in result.findings][:2] == [("R0", "三、依申请公开!E6"),
                                                                  ("T1", "一、总体情况!A8")]
    assert result.unreadable is None


def _far_in_stamp(tmp_path) -> Path:
    """One cell far out in the hidden sheet _xltools: each coordinate within F7's limits,
    but an area python-calamine would build as a grid of 6.4 GB."""
    sheet = part("xl/worksheets/sheet10.xml").replace(
        b"</sheetData>", b'<row r="200000"><c r="ALL200000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    return rewrite(CHITUDIAN, tmp_path / "far-area.xlsx", {"xl/worksheets/sheet10.xml": sheet})


def test_a_far_area_is_refused_before_any_parser(tmp_path):
    far = _far_in_stamp(tmp_path)
    # the peak memory of `xltools check` (and its workers) alone, measured by a process that runs nothing else
    measure = ("import resource, subprocess, sys; out = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
               "print(out.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(out.stdout)")
    out = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "xltools.cli", "check", str(far)],
                         capture_output=True, text=True, timeout=120)
    code, peak = map(int, out.stdout.split("\n", 1)[0].split())
    assert code == 2, out.stdout + out.stderr
    assert ("无法读取：工作表“_xltools”用到了单元格 ALL200000，所占区域超过 4000000 个单元格，远超模板范围。"
            in out.stdout)
    assert peak < 300 * 1024  # kB: the guard answered, calamine never built the grid (6.4 GB)


@pytest.mark.parametrize("sheet", [
    b'<dimension ref="A1:ALL200000"/>',  # only declared
    b'<row r="200000"><c><v>1</v></c>' + b"<c/>" * 999 + b"</row>",  # cells that name no position
])
def test_a_far_area_however_claimed(tmp_path, sheet):
    xml = part("xl/worksheets/sheet10.xml")
    xml = re.sub(rb"<dimension [^>]*/>", sheet, xml) if sheet.startswith(b"<dim") \
        else xml.replace(b"</sheetData>", sheet + b"</sheetData>")
    path = rewrite(CHITUDIAN, tmp_path / "area.xlsx", {"xl/worksheets/sheet10.xml": xml})
    with pytest.raises(Rejection) as refused:
        inspect_zip(path.read_bytes())
    assert (refused.value.rule, refused.value.case, refused.value.detail) == ("F7", "area", "_xltools")


def test_merge_leaves_out_a_far_area_alone(tmp_path, cli):
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted((EXAMPLES / "sample-county").glob("*.xlsx"))[:3]:
        (src / p.name).write_bytes(p.read_bytes())
    _far_in_stamp(tmp_path).rename(src / "far.xlsx")
    result = cli("merge", src, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1, result.output
    assert "已写入汇总表" in result.output and "汇总 3 个单位" in result.output
    assert "工作表“_xltools”用到了单元格 ALL200000" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_special_files_named_directly_are_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "fifo.xlsx")
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    for name in ("fifo.xlsx", "zero.xlsx"):
        # the timeout is a safety net only: reading either would hang or fill memory
        out = subprocess.run([sys.executable, "-m", "xltools.cli", "check", str(tmp_path / name)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2
        assert f"{tmp_path / name}：这不是普通文件（而是命名管道、设备等），不予读取。" in out.stderr
    out = subprocess.run([sys.executable, "-m", "xltools.cli", "check", str(tmp_path / "fifo.xlsx"), str(CHITUDIAN)],
                         capture_output=True, text=True, timeout=60)
    assert "跳过 1 个文件" in out.stdout and "检查 1 个" in out.stdout
    # and wherever a file is read by its path (--previous, the library)
    results = check_paths([tmp_path / "fifo.xlsx", tmp_path / "zero.xlsx"])
    assert [(bool(r.unreadable), [f.rule for f in r.findings]) for r in results] == [(True, ["F2"])] * 2


def test_a_file_beyond_a_workers_memory_fails_alone(tmp_path, monkeypatch, cli):
    import xltools.rules.batch as batch
    import xltools.xlsx.guard as guard

    src = tmp_path / "in"
    src.mkdir()
    for p in sorted((EXAMPLES / "sample-county").glob("*.xlsx"))[:2]:
        (src / p.name).write_bytes(p.read_bytes())
    # a grid of 1.9 GB for python-calamine (1,000 × 60,000 cells), let past the guard's area here: the
    # limit must hold it, whatever free memory a worker forked from this test process already has
    sheet = part("xl/worksheets/sheet10.xml").replace(
        b"</sheetData>", b'<row r="60000"><c r="ALL60000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    rewrite(CHITUDIAN, src / "big.xlsx", {"xl/worksheets/sheet10.xml": sheet})
    limits = guard._limits()
    monkeypatch.setattr(guard, "_limits", lambda: {**limits, "max_cells": 10**9})
    monkeypatch.setattr(batch, "worker_memory", lambda: 100_000_000)  # the workers are forked with both
    result = cli("merge", src, "-o", tmp_path / "s.xlsx", "--unit", "示例县")
    assert result.exit_code == 1, result.output
    assert "已写入汇总表" in result.output and "汇总 2 个单位" in result.output
    assert ("读取此文件时读取程序异常终止" in result.output
            or "读取此文件所需的内存超过上限（100000000 字节）" in result.output)


@pytest.mark.skipif(sys.platform == "win32", reason="no resource limits")
def test_the_desks_workers_run_under_the_memory_limit():
    import resource

    from xltools.desk.checking import Checker

    checker = Checker(workers=1, warm=False)
    try:
        soft, _ = checker.run(resource.getrlimit, resource.RLIMIT_AS)
    finally:
        checker.close()
    assert soft != resource.RLIM_INFINITY
