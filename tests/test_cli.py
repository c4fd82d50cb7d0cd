"""The command line, through click's CliRunner, with exact outputs."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from decimal import Decimal

from conftest import EXAMPLES, SAMPLE_COUNTY, WORKBOOKS

from xltools import Report, read


def test_fields_text_lists_every_field_with_its_cell(cli):
    result = cli("fields")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 217
    assert lines[0] == "unit\t封面!B3\ttext\t单位名称"
    assert "requests.refused.state_secret.commercial\t三、依申请公开!E10\tcount\t" \
           "三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密 / 申请人情况 / 法人或其他组织 / 商业企业" in lines
    assert "proactive.fee.amount\t二、主动公开!B16\tmoney\t" \
           "第二十条第（八）项 / 行政事业性收费 / 本年收费金额（单位：万元）" in lines
    assert lines[-1] == "fees.collected\t六、其他事项!B10\tmoney\t实际收取的总金额（元） / 数值"


def test_fields_json_names_totals_and_their_parts(cli):
    fields = {f["id"]: f for f in json.loads(cli("fields", "--format", "json").output)}
    total = fields["appeals.review.total"]
    assert total == {
        "id": "appeals.review.total", "sheet": "四、复议诉讼", "cell": "E6", "range": "E6", "kind": "total",
        "label": "行政复议 / 总计", "labels": {"row": [], "column": ["行政复议", "总计"]},
        "sum_of": ["appeals.review.upheld", "appeals.review.corrected", "appeals.review.other",
                   "appeals.review.pending"],
    }
    assert fields["problems"]["range"] == "A3:H3"
    assert fields["proactive.license.decisions"]["range"] == "B9:D9"


def test_template_writes_the_committed_template(tmp_path, cli):
    out = tmp_path / "t.xlsx"
    result = cli("template", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_bytes() == (WORKBOOKS / "template.xlsx").read_bytes()


def test_template_with_unit_and_year(tmp_path, cli):
    out = tmp_path / "t.xlsx"
    assert cli("template", "-o", str(out), "--unit", "某县某镇人民政府", "--year", "2025").exit_code == 0
    report = read(out)
    assert (report.unit, report.year) == ("某县某镇人民政府", 2025)
    assert all(v is None or v == 0 for v in report.values.values())


def test_template_data_then_export_is_the_identity(tmp_path, cli):
    out = tmp_path / "c.xlsx"
    source = EXAMPLES / "chitudian-2023.json"
    assert cli("template", "-o", str(out), "--data", str(source)).exit_code == 0
    exported = cli("export", str(out))
    assert exported.exit_code == 0
    assert json.loads(exported.output, parse_float=Decimal) == json.loads(source.read_text(encoding="utf-8"),
                                                                          parse_float=Decimal)


def test_template_data_keeps_inconsistent_totals(tmp_path, cli):
    data = {"values": {"appeals.review.upheld": 10, "appeals.review.corrected": 1, "appeals.review.total": 0}}
    (tmp_path / "r.json").write_text(json.dumps(data), encoding="utf-8")
    assert cli("template", "-o", str(tmp_path / "r.xlsx"), "--data", str(tmp_path / "r.json")).exit_code == 0
    values = read(tmp_path / "r.xlsx").values
    assert (values["appeals.review.total"], values["appeals.suit_direct.total"]) == (0, 0)


def test_export_several_files_is_json_lines(cli):
    result = cli("export", str(SAMPLE_COUNTY))
    lines = result.output.splitlines()
    assert len(lines) == len(list(SAMPLE_COUNTY.glob("*.xlsx")))
    first = json.loads(lines[0])
    assert first["file"].endswith(".xlsx") and first["format"] == "2021" and len(first["values"]) == 203


def test_export_csv_is_long(tmp_path, cli):
    result = cli("export", str(EXAMPLES / "chitudian-2023.xlsx"), "--format", "csv", "-o", str(tmp_path / "c.csv"))
    assert result.exit_code == 0 and result.output == f"已写入：{tmp_path / 'c.csv'}\n"  # on stderr
    data = (tmp_path / "c.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbffile,unit,")  # a BOM: Excel on Chinese Windows then reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 203 + 7
    by_id = {r["id"]: r for r in rows}
    assert by_id["requests.new.total"] == {
        "file": str(EXAMPLES / "chitudian-2023.xlsx"), "unit": "栾川县赤土店镇人民政府", "year": "2023",
        "id": "requests.new.total", "label": "一、本年新收政府信息公开申请数量 / 申请人情况 / 总计", "value": "1"}
    assert by_id["other"]["value"] == "本单位 2023 年度未收取政府信息公开处理费。"


def test_export_csv_without_a_bom_on_request(tmp_path, cli):
    result = cli("export", str(EXAMPLES / "chitudian-2023.xlsx"), "-f", "csv", "--no-bom")
    assert result.output.startswith("file,unit,year,id,label,value\n")


def test_export_skips_excel_lock_files(tmp_path, cli):
    (tmp_path / "~$unit.xlsx").write_bytes(b"lock")
    (tmp_path / "unit.xlsx").write_bytes((EXAMPLES / "chitudian-2023.xlsx").read_bytes())
    result = cli("export", str(tmp_path))
    assert result.exit_code == 0 and json.loads(result.output)["meta"]["unit"] == "栾川县赤土店镇人民政府"


def test_unreadable_file_is_a_message_and_exit_2(tmp_path, cli):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    result = cli("export", str(bad))
    assert result.exit_code == 2
    assert result.output == (f"xltools: 未导出 {bad}：F2 文件不是 Excel 工作簿："
                              "这是一个文本文件，开头为“not a workbook”。\n"
                             "xltools: 已导出 0 份报告；1 个文件未导出（见上），退出码为 2\n")
    assert "Traceback" not in result.output


def test_bad_report_json_is_a_message_and_exit_2(tmp_path, cli):
    (tmp_path / "r.json").write_text('{"values": {"requests.new.nobody": 1}}', encoding="utf-8")
    result = cli("template", "-o", str(tmp_path / "r.xlsx"), "--data", str(tmp_path / "r.json"))
    assert result.exit_code == 2
    assert result.output == (f"xltools: {tmp_path / 'r.json'}：values 中有 2021 年格式没有的字段：requests.new.nobody"
                             "（字段列表见 xltools fields）\n")
    assert not (tmp_path / "r.xlsx").exists()


def test_inputs_are_never_modified(tmp_path, cli):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_COUNTY.glob("*.xlsx")}
    cli("export", str(SAMPLE_COUNTY), "-f", "csv")
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


# --- A Chinese Windows console or a redirected output (GBK) ----------------------------

def _console(tmp_path, encoding: str, *args) -> tuple[int, str]:
    """A run in its own process whose output is written in `encoding`, as Python
    writes redirected output on Chinese Windows (the code page, GBK)."""
    import os

    env = {**os.environ, "PYTHONIOENCODING": encoding, "XLTOOLS_LANG": "zh"}
    done = subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], cwd=tmp_path, env=env,
                          capture_output=True, timeout=300)
    return done.returncode, (done.stdout + done.stderr).decode(encoding)


def test_every_step_runs_on_a_gbk_console(tmp_path):
    """− ✓ ✗ are not in GBK: they are written as －, √ and ×, nothing fails, and each
    step ends as it does on a UTF-8 console."""
    steps = [
        (["check", EXAMPLES / "chitudian-2023.xlsx", EXAMPLES / "mistakes-2023.xlsx", "--lang", "zh"],
         "共检查 2 个文件：1 个无错误，1 个有错误，0 个无法读取。"),
        (["merge", SAMPLE_COUNTY, "-o", "县.xlsx", "--unit", "示例县", "--lang", "zh"],
         "已写入汇总表 县.xlsx（示例县，2023年）：汇总 14 个单位。"),
        (["compare", "县.xlsx", SAMPLE_COUNTY, "--lang", "zh"], "结果：两份报告没有需要注意的差异。"),
        (["publish", EXAMPLES / "chitudian-2023.xlsx", "-o", "年报.docx", "--lang", "zh"],
         "已写入报告：年报.docx（栾川县赤土店镇人民政府，2023年）"),
    ]
    (tmp_path / "gbk").mkdir()
    (tmp_path / "utf8").mkdir()
    for args, line in steps:
        code, said = _console(tmp_path / "gbk", "gbk", *args)
        utf8_code, utf8_said = _console(tmp_path / "utf8", "utf-8", *args)
        assert code == utf8_code, (args, said)
        assert line in said.splitlines(), (args, said)
        assert said.replace("－", "−").replace("√", "✓") == utf8_said, args
    assert "评分：15/20（要素不全 －5：T1）" in _console(tmp_path / "gbk", "gbk", "check",
                                                    EXAMPLES / "chitudian-2023.xlsx")[1].splitlines()


def test_a_character_gbk_lacks_becomes_its_like_or_a_question_mark():
    import codecs

    from xltools.cli import _stand_in

    codecs.register_error("xltools", _stand_in)
    assert "得分 −5 ✓ ✗ ① \ufeff😀".encode("gbk", errors="xltools").decode("gbk") == "得分 －5 √ × ① ?"


def test_a_text_report_file_starts_with_a_bom_and_json_does_not(tmp_path, cli):
    assert cli("check", str(EXAMPLES / "chitudian-2023.xlsx"), "-o", str(tmp_path / "r.txt")).exit_code == 0
    assert (tmp_path / "r.txt").read_bytes().startswith("\ufeff== ".encode("utf-8"))
    assert cli("check", str(EXAMPLES / "chitudian-2023.xlsx"), "-f", "json",
               "-o", str(tmp_path / "r.json")).exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["files"][0]["errors"] == 0


# --- A file open in Excel -----------------------------------------------------------------

def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_an_output_open_in_another_program_is_told_before_any_work(tmp_path, monkeypatch, cli):
    """On Windows a file open in Excel cannot be opened for writing though its
    permissions allow it; nothing is backed up or written."""
    import pathlib

    out = tmp_path / "县.xlsx"
    out.write_bytes(b"the summary as Excel shows it")
    opened = pathlib.Path.open

    def held_by_excel(self, mode="r", *a, **k):
        if self == out and mode == "r+b":
            raise PermissionError(13, "Permission denied")
        return opened(self, mode, *a, **k)

    monkeypatch.setattr(pathlib.Path, "open", held_by_excel)
    result = cli("merge", str(SAMPLE_COUNTY), "-o", str(out), "--unit", "示例县", "--force")
    assert (result.exit_code, result.output) == (2, f"xltools: {out}：文件正被其他程序打开（如 Excel），请关闭后重试\n")
    assert out.read_bytes() == b"the summary as Excel shows it"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["县.xlsx"]


def test_an_output_refused_at_the_write_is_told_and_left_as_it_was(tmp_path, monkeypatch, cli):
    import xltools.model.files

    def refused(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(xltools.model.files.os, "replace", refused)
    for args, out in [(["template", "-o"], tmp_path / "t.xlsx"),
                      (["check", str(EXAMPLES / "chitudian-2023.xlsx"), "-o"], tmp_path / "r.txt"),
                      (["publish", str(EXAMPLES / "chitudian-2023.xlsx"), "-o"], tmp_path / "年报.docx")]:
        out.write_bytes(b"as it was")
        result = cli(*args, str(out), "--force")
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[-1] == (
            f"xltools: 无法写入 {out}：文件正被其他程序打开（如 Excel），请关闭后重试")
        assert out.read_bytes() == b"as it was"
        assert _leftovers(tmp_path) == []


def test_an_output_in_a_read_only_folder_is_told_and_nothing_is_left(tmp_path, cli):
    import os

    import pytest

    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = cli("template", "-o", str(folder / "t.xlsx"))
        assert (result.exit_code, result.output) == (2, f"xltools: 无法写入 {folder / 't.xlsx'}：没有写入权限\n")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_an_output_name_too_long_is_one_line(tmp_path, cli):
    out = tmp_path / ("长" * 200 + ".xlsx")
    result = cli("template", "-o", str(out))
    assert (result.exit_code, result.output) == (2, f"xltools: 无法写入 {out}：文件名或路径太长\n")


# --- check --annotate into a folder that is not there yet ---------------------------------

def test_annotate_makes_the_folder_it_is_given(tmp_path, cli):
    two = [str(EXAMPLES / "chitudian-2023.xlsx"), str(EXAMPLES / "mistakes-2023.xlsx")]
    result = cli("check", *two, "--annotate", str(tmp_path / "标注" / "2023"))
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in (tmp_path / "标注" / "2023").iterdir()) == [
        "chitudian-2023.检查结果.xlsx", "mistakes-2023.检查结果.xlsx"]
    one = cli("check", two[0], "--annotate", str(tmp_path / "一个") + "/")
    assert one.exit_code == 0 and [p.name for p in (tmp_path / "一个").iterdir()] == ["chitudian-2023.检查结果.xlsx"]
    named = cli("check", two[0], "--annotate", str(tmp_path / "标注.xlsx"))
    assert named.exit_code == 0 and (tmp_path / "标注.xlsx").is_file()
    several = cli("check", *two, "--annotate", str(tmp_path / "x.xlsx"))
    assert (several.exit_code, several.output) == (
        2, f"xltools: --annotate {tmp_path / 'x.xlsx'}：检查多个文件时，请给出一个文件夹（没有时会新建）\n")


# --- excel-setup: the install command that works on the clerk's PC ------------------------

def _installed_from(monkeypatch, direct_url: dict | None, version: str = "9.9.9"):
    import importlib.metadata

    class Installed:
        def read_text(self, name):
            return json.dumps(direct_url) if direct_url is not None and name == "direct_url.json" else None

    Installed.version = version
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Installed())


def test_the_install_command_names_the_wheel_this_copy_came_from(tmp_path, monkeypatch):
    from xltools.excel.macrobook import install_command

    wheel = tmp_path / "安装" / "xltools-9.9.9-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK")
    _installed_from(monkeypatch, {"url": wheel.as_uri(), "archive_info": {}})
    assert install_command() == f'pip install "{wheel}[excel]"'
    wheel.unlink()  # the file was deleted after installing: the one the county hands out
    assert install_command() == ('pip install "D:\\下载\\xltools-9.9.9-py3-none-any.whl[excel]"（把 D:\\下载 换成'
                                 '县政务公开办发的安装文件 xltools-9.9.9-py3-none-any.whl 所在的文件夹）')


def test_the_install_command_from_a_checkout_names_the_wheel_not_the_folder(tmp_path, monkeypatch):
    from xltools.excel.macrobook import install_command

    for how in ({"url": tmp_path.as_uri(), "dir_info": {"editable": True}}, {"url": tmp_path.as_uri(), "dir_info": {}},
                None):
        _installed_from(monkeypatch, how)
        said = install_command("en")
        assert said == ('pip install "D:\\Downloads\\xltools-9.9.9-py3-none-any.whl[excel]" (with the folder where '
                        'the installation file xltools-9.9.9-py3-none-any.whl from your county office is)')
        assert str(tmp_path) not in said


def test_a_refusal_the_words_do_not_know_is_said_in_chinese_first():
    """An error code words.yaml has no sentence for (EIO, a failing disk) leads with
    Chinese and keeps the system's own words in brackets, for the maintainer."""
    import errno

    from xltools.commands.outputs import reason

    assert reason(OSError(errno.EIO, "Input/output error")) == "系统拒绝写入（EIO：Input/output error）"
    assert reason(OSError(errno.EIO, "Input/output error"), "en") == "Input/output error (EIO)"


def test_check_says_where_it_wrote_its_marked_copies(tmp_path, cli):
    one = cli("check", str(EXAMPLES / "mistakes-2023.xlsx"), "--annotate", str(tmp_path / "m.xlsx"))
    assert one.output.splitlines()[-1] == f"已写入：{tmp_path / 'm.xlsx'}"
    two = cli("check", str(EXAMPLES / "mistakes-2023.xlsx"), str(EXAMPLES / "chitudian-2023.xlsx"),
              "--annotate", str(tmp_path / "标注"))
    assert two.output.splitlines()[-1] == f"已写入 2 份标注了问题的副本：{tmp_path / '标注'}"


def test_a_pipe_closed_early_ends_quietly():
    """`xltools fields | head -1`: the reader stops after one line; no internal error."""
    import subprocess

    done = subprocess.run("xltools fields | head -1", shell=True, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("unit\t封面!B3") and done.stderr == ""
