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


def test_parquet_has_the_rows_of_csv_typed_and_duckdb_sums_equal_merges_by_kind(tmp_path, cli):
    """export --format parquet: one row per report, the rows of export --format csv with
    their values typed (counts int64, money exact decimals); DuckDB's sums by kind over it
    are merge's 分类汇总 exactly, and its sum of money the summary's."""
    from decimal import Decimal

    import duckdb
    import openpyxl
    import pyarrow.parquet as pq
    from conftest import EXAMPLES

    from xltools import read
    from xltools.model.schema import load_format

    roster = EXAMPLES / "sample-county-roster.csv"
    assert cli("merge", SAMPLE_COUNTY, "-o", tmp_path / "s.xlsx", "--unit", "示例县", "--roster", roster).exit_code == 0
    (tmp_path / "reports").mkdir()
    out = tmp_path / "reports" / "2023.parquet"
    done = cli("export", SAMPLE_COUNTY, "-f", "parquet", "-o", out, "--roster", roster)
    assert done.exit_code == 0 and done.stderr == f"已写入：{out}\n"
    table = pq.read_table(out)
    assert str(table.schema.field("requests.new.total").type) == "int64"
    assert str(table.schema.field("fees.collected").type) == "decimal128(21, 6)"
    rows = table.to_pylist()
    assert len(rows) == 14 and {r["findings"] for r in rows} >= {0} and {r["score"] for r in rows} == {20}
    long = csv.DictReader(io.StringIO(cli("export", SAMPLE_COUNTY, "-f", "csv").stdout.lstrip("\ufeff")))
    wide = {r["file"]: r for r in rows}
    for row in long:
        value = wide[row["file"]][row["id"]]
        if isinstance(value, (int, Decimal)):
            assert value == Decimal(row["value"]), row
        else:
            assert ("" if value is None else value) == row["value"], row
        assert wide[row["file"]]["unit"] == row["unit"] and str(wide[row["file"]]["year"]) == row["year"]
    by_kind = openpyxl.load_workbook(tmp_path / "s.xlsx")["分类汇总"]
    sheet = list(by_kind.iter_rows(values_only=True))
    header = next(r for r in sheet if r[0] == "三、四 各项分类汇总")
    ids = sheet[-1].index("appeals.suit_after_review.total")  # the hidden column of field ids, after 合计
    fields = [f.id for f in load_format().numeric_fields() if f.table in ("requests", "appeals")]
    sums = ", ".join(f'sum("{fid}")' for fid in fields)
    got = {kind: values for kind, *values in duckdb.sql(
        f"SELECT kind, {sums} FROM '{tmp_path / 'reports'}/*.parquet' GROUP BY kind").fetchall()}
    detail = {r[ids]: r for r in sheet if len(r) > ids and r[ids] in fields}
    assert header[2:6] == ("本级", "部门", "乡镇街道", "其他")
    for k, kind in enumerate(header[2:6], start=2):
        for i, fid in enumerate(fields):
            assert (got[kind][i] if kind in got else 0) == detail[fid][k], (kind, fid)
    readme = duckdb.sql(f"""SELECT kind, sum("requests.new.total") FROM '{tmp_path / 'reports'}/*.parquet'
                           GROUP BY kind""").fetchall()
    assert dict(readme) == {kind: got[kind][fields.index("requests.new.total")] for kind in got}
    money = duckdb.sql(f"""SELECT sum("fees.collected"), sum("proactive.fee.amount")
                           FROM '{out}'""").fetchall()[0]
    summary = read(tmp_path / "s.xlsx").values
    assert money == (summary["fees.collected"], summary["proactive.fee.amount"])
    assert all(isinstance(v, Decimal) for v in money)


def test_parquet_goes_to_a_file_and_streams_in_row_groups(tmp_path, cli, monkeypatch):
    from xltools.commands import export

    refused = cli("export", SAMPLE_COUNTY, "-f", "parquet")
    assert refused.exit_code == 2
    assert refused.stderr == "xltools: parquet 是二进制文件，只能写到文件：请用 -o 指定，如 -o reports.parquet\n"
    import pyarrow.parquet as pq

    monkeypatch.setattr(export, "ROW_GROUP", 5)
    assert cli("export", SAMPLE_COUNTY, "-f", "parquet", "-o", tmp_path / "r.parquet").exit_code == 0
    meta = pq.ParquetFile(tmp_path / "r.parquet").metadata
    assert (meta.num_rows, meta.num_row_groups) == (14, 3)
    assert set(pq.read_table(tmp_path / "r.parquet").column("kind").to_pylist()) == {"其他"}
    nothing = tmp_path / "nothing"
    nothing.mkdir()
    (nothing / "a.xlsx").write_bytes(b"nope")
    assert cli("export", nothing, "-f", "parquet", "-o", tmp_path / "n.parquet").exit_code == 2
    assert not (tmp_path / "n.parquet").exists()
