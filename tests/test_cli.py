"""The command line, through click's CliRunner, with exact outputs."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from decimal import Decimal

from click.testing import CliRunner
from conftest import EXAMPLES, SAMPLE_COUNTY, WORKBOOKS

from xltools import Report, read
from xltools.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_fields_text_lists_every_field_with_its_cell():
    result = run("fields")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 217
    assert lines[0] == "unit\t封面!B3\ttext\t单位名称"
    assert "requests.refused.state_secret.commercial\t三、依申请公开!E10\tcount\t" \
           "三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密 / 申请人情况 / 法人或其他组织 / 商业企业" in lines
    assert "proactive.fee.amount\t二、主动公开!B16\tmoney\t第二十条第（八）项 / 行政事业性收费 / 本年收费金额（单位：万元）" in lines
    assert lines[-1] == "fees.collected\t六、其他事项!B10\tmoney\t实际收取的总金额（元） / 数值"


def test_fields_json_names_totals_and_their_parts():
    fields = {f["id"]: f for f in json.loads(run("fields", "--format", "json").output)}
    total = fields["appeals.review.total"]
    assert total == {
        "id": "appeals.review.total", "sheet": "四、复议诉讼", "cell": "E6", "range": "E6", "kind": "total",
        "label": "行政复议 / 总计", "labels": {"row": [], "column": ["行政复议", "总计"]},
        "sum_of": ["appeals.review.upheld", "appeals.review.corrected", "appeals.review.other", "appeals.review.pending"],
    }
    assert fields["problems"]["range"] == "A3:H3"
    assert fields["proactive.license.decisions"]["range"] == "B9:D9"


def test_template_writes_the_committed_template(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_bytes() == (WORKBOOKS / "template.xlsx").read_bytes()


def test_template_with_unit_and_year(tmp_path):
    out = tmp_path / "t.xlsx"
    assert run("template", "-o", str(out), "--unit", "某县某镇人民政府", "--year", "2025").exit_code == 0
    report = read(out)
    assert (report.unit, report.year) == ("某县某镇人民政府", 2025)
    assert all(v is None or v == 0 for v in report.values.values())


def test_template_data_then_export_is_the_identity(tmp_path):
    out = tmp_path / "c.xlsx"
    source = EXAMPLES / "chitudian-2023.json"
    assert run("template", "-o", str(out), "--data", str(source)).exit_code == 0
    exported = run("export", str(out))
    assert exported.exit_code == 0
    assert json.loads(exported.output, parse_float=Decimal) == json.loads(source.read_text(encoding="utf-8"), parse_float=Decimal)


def test_template_data_keeps_inconsistent_totals(tmp_path):
    data = {"values": {"appeals.review.upheld": 10, "appeals.review.corrected": 1, "appeals.review.total": 0}}
    (tmp_path / "r.json").write_text(json.dumps(data), encoding="utf-8")
    assert run("template", "-o", str(tmp_path / "r.xlsx"), "--data", str(tmp_path / "r.json")).exit_code == 0
    values = read(tmp_path / "r.xlsx").values
    assert (values["appeals.review.total"], values["appeals.suit_direct.total"]) == (0, 0)


def test_export_several_files_is_json_lines():
    result = run("export", str(SAMPLE_COUNTY))
    lines = result.output.splitlines()
    assert len(lines) == len(list(SAMPLE_COUNTY.glob("*.xlsx")))
    first = json.loads(lines[0])
    assert first["file"].endswith(".xlsx") and first["format"] == "2021" and len(first["values"]) == 203


def test_export_csv_is_long(tmp_path):
    result = run("export", str(EXAMPLES / "chitudian-2023.xlsx"), "--format", "csv", "-o", str(tmp_path / "c.csv"))
    assert result.exit_code == 0 and result.output == ""
    data = (tmp_path / "c.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbffile,unit,")  # a BOM: Excel on Chinese Windows then reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 203 + 7
    by_id = {r["id"]: r for r in rows}
    assert by_id["requests.new.total"] == {
        "file": str(EXAMPLES / "chitudian-2023.xlsx"), "unit": "栾川县赤土店镇人民政府", "year": "2023",
        "id": "requests.new.total", "label": "一、本年新收政府信息公开申请数量 / 申请人情况 / 总计", "value": "1"}
    assert by_id["other"]["value"] == "本单位 2023 年度未收取政府信息公开处理费。"


def test_export_csv_without_a_bom_on_request(tmp_path):
    result = run("export", str(EXAMPLES / "chitudian-2023.xlsx"), "-f", "csv", "--no-bom")
    assert result.output.startswith("file,unit,year,id,label,value\n")


def test_export_skips_excel_lock_files(tmp_path):
    (tmp_path / "~$unit.xlsx").write_bytes(b"lock")
    (tmp_path / "unit.xlsx").write_bytes((EXAMPLES / "chitudian-2023.xlsx").read_bytes())
    result = run("export", str(tmp_path))
    assert result.exit_code == 0 and json.loads(result.output)["meta"]["unit"] == "栾川县赤土店镇人民政府"


def test_unreadable_file_is_a_message_and_exit_2(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    result = run("export", str(bad))
    assert result.exit_code == 2
    assert result.output == f"xltools: {bad}：文件不是 Excel 工作簿（文件开头为“not a workbook”）。\n"
    assert "Traceback" not in result.output


def test_bad_report_json_is_a_message_and_exit_2(tmp_path):
    (tmp_path / "r.json").write_text('{"values": {"requests.new.nobody": 1}}', encoding="utf-8")
    result = run("template", "-o", str(tmp_path / "r.xlsx"), "--data", str(tmp_path / "r.json"))
    assert result.exit_code == 2
    assert result.output == (f"xltools: {tmp_path / 'r.json'}：values 中有 2021 年格式没有的字段：requests.new.nobody"
                             "（字段列表见 xltools fields）\n")
    assert not (tmp_path / "r.xlsx").exists()


def test_inputs_are_never_modified(tmp_path):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_COUNTY.glob("*.xlsx")}
    run("export", str(SAMPLE_COUNTY), "-f", "csv")
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_COUNTY.glob("*.xlsx")} == before


def test_help_does_not_import_heavy_libraries():
    """Its words come from words.yaml (yaml is read), nothing more."""
    heavy = ('pandas', 'pandera', 'numpy', 'openpyxl', 'python_calamine', 'pydantic', 'jsonschema', 'starlette',
             'uvicorn', 'docx')
    code = ("import sys; from xltools.cli import main\n"
            "try: main(['--help'])\nexcept SystemExit: pass\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_api_round_trip(tmp_path):
    import xltools

    report = xltools.read(EXAMPLES / "chitudian-2023.xlsx")
    report.values["requests.new.commercial"] = 2
    xltools.write(report, tmp_path / "x.xlsx")
    assert xltools.read(tmp_path / "x.xlsx").values["requests.new.commercial"] == 2
    assert isinstance(report, Report)
