"""`xltools export`: a folder with a file that cannot be read still gives every
readable workbook, and says on stderr each file it left out, and why."""
from __future__ import annotations

import csv
import io
import shutil

from conftest import SAMPLE_COUNTY


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
