"""`xltools export`: a folder with a file that cannot be read still gives every
readable workbook, and says on stderr each file it left out, and why."""
from __future__ import annotations

import csv
import io
import shutil

from conftest import SAMPLE_COUNTY, seed_report
from desk_helpers import write_roster

from xltools import write


def test_a_folder_with_an_unreadable_file_exports_every_readable_workbook(tmp_path, cli):
    inbox = tmp_path / "收件箱"
    shutil.copytree(SAMPLE_COUNTY, inbox)
    (inbox / "示例县民政局.xlsx").unlink()
    (inbox / "示例县民政局.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    (inbox / "示例县公安局.xlsx").unlink()
    (inbox / "示例县公安局.csv").write_text("file,unit,year,id,label,value\n", encoding="utf-8")
    (inbox / "~$示例县教育局.xlsx").write_bytes(b"\x00" * 162)
    result = cli("export", str(inbox), "-f", "csv", prog_name="xltools")
    assert result.exit_code == 2
    units = {row["unit"] for row in csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff")))}
    assert len(units) == 12 and "示例县教育局" in units
    assert result.stderr.splitlines() == [
        f"xltools: 未导出 {inbox / '示例县民政局.xls'}：F4 文件是旧版 Excel 97-2003 格式（.xls）。",
        f"xltools: 未导出 {inbox / '示例县公安局.csv'}：F2 文件不是 Excel 工作簿：这是一个 CSV 文本文件，"
        "开头为“file,unit,year,id,label,value”。",
        "xltools: 已导出 12 份报告；2 个文件未导出（见上），退出码为 2",
    ]


def test_text_excel_would_run_is_exported_inert_and_numbers_stay_numbers(tmp_path, cli, monkeypatch):
    # issue 26 (4): a CSV with a BOM opens in Excel directly, where "=1+1" or "@SUM(…)*cmd|…" in a cell runs
    report = seed_report()
    report.meta["unit"] = '=HYPERLINK("http://evil/","点击")'
    report.text["overview.proactive"] = "=1+1"
    report.text["overview.requests"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    report.text["overview.platform"] = "+1"
    report.text["overview.supervision"] = "-1"
    report.values["proactive.regulation.issued"] = -3
    write(report, tmp_path / "=1+2.xlsx")
    monkeypatch.chdir(tmp_path)
    result = cli("export", "=1+2.xlsx", "-f", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    start = '\'=1+2.xlsx,"\'=HYPERLINK(""http://evil/"",""点击"")",2023,'
    assert lines[0] == "\ufefffile,unit,year,id,label,value"
    assert lines[1] == start + "proactive.regulation.issued,第二十条第（一）项 / 规章 / 本年制发件数,-3"
    assert [line for line in lines if line.startswith(start + "overview.") and "赤土店" not in line] == [
        start + "overview.proactive,（一）主动公开,'=1+1",
        start + "overview.requests,（二）依申请公开,'@SUM(1+1)*cmd|' /C calc'!A0",
        start + "overview.platform,（四）政府信息公开平台建设,'+1",
        start + "overview.supervision,（五）监督保障,'-1",
    ]


def test_a_roster_name_excel_would_run_is_written_inert_in_the_links_file(tmp_path, cli):
    # issue 26 (4): 单位链接.csv is opened in Excel by the office; a roster's name is written there
    roster = write_roster(tmp_path / "名册.csv")
    rows = [[cell.replace("示例县教育局", '=HYPERLINK("http://evil/","点击")') for cell in row]
            for row in csv.reader(io.StringIO(roster.read_text(encoding="utf-8-sig")))]
    with roster.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    folder = tmp_path / "审核台"
    assert cli("desk", "init", folder, "--roster", roster, "--year", 2023,
               "--base-url", "http://10.0.0.5:8000").exit_code == 0
    assert cli("desk", "links", folder, "--base-url", "http://10.1.2.3:8000").exit_code == 0  # read back, written again
    lines = (folder / "单位链接.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[3].startswith('"\'=HYPERLINK(""http://evil/"",""点击"")",11419999178273764W,示例县人民政府,部门,'
                               "http://10.1.2.3:8000/u/")
