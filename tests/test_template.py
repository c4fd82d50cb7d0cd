"""The template workbook: reproducible, protected, validated, printable, and computing
its totals in LibreOffice."""
from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest
from conftest import WORKBOOKS, differing_parts
from python_calamine import CalamineWorkbook

from samples import sample_report
from xltools.model.schema import load_format
from xltools.xlsx.layout import load_layout, stamp_checksum
from xltools.xlsx.reader import read
from xltools.xlsx.writer import write, write_template


def _load_make_examples():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_examples", WORKBOOKS / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_template_is_what_the_generator_makes(tmp_path):
    write_template(tmp_path / "t.xlsx")
    assert (tmp_path / "t.xlsx").read_bytes() == (WORKBOOKS / "template.xlsx").read_bytes()


def test_committed_examples_are_what_the_script_makes(tmp_path):
    _load_make_examples().main(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.xls[xm]"))
    committed = sorted(p.relative_to(WORKBOOKS) for p in WORKBOOKS.rglob("*.xls[xm]"))
    assert made == committed
    assert len([p for p in made if p.parent.name == "sample-county"]) >= 12
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (WORKBOOKS / rel).read_bytes(), \
            (rel, differing_parts(tmp_path / rel, WORKBOOKS / rel))


@pytest.fixture(scope="module")
def template():
    return openpyxl.load_workbook(WORKBOOKS / "template.xlsx")


def test_sheets_in_order_and_stamp_hidden(template):
    assert template.sheetnames == ["封面", "一、总体情况", "二、主动公开", "三、依申请公开", "四、复议诉讼",
                                   "五、问题及改进", "六、其他事项", "审核说明", "填报说明", "_xltools"]
    stamp_ws = template["_xltools"]
    assert stamp_ws.sheet_state == "veryHidden"
    stamp = {r[0].value: r[1].value for r in stamp_ws.iter_rows()}
    assert stamp["template"] == "xltools.gov-info-annual-report"
    assert stamp["template_version"] == "1" and stamp["format"] == "2021"
    assert stamp["checksum"] == stamp_checksum(stamp)
    assert stamp["fingerprint"] == load_layout().fingerprint
    assert template.security.lockStructure


def test_input_cells_unlocked_labels_and_totals_locked(template):
    ws = template["三、依申请公开"]
    assert ws.protection.sheet and not ws.protection.password
    assert ws["D6"].protection.locked is False          # 一、本年新收 / 自然人
    assert ws["C10"].value == "1.属于国家秘密" and ws["C10"].protection.locked
    assert ws["J6"].value == "=SUM(D6:I6)" and ws["J6"].protection.locked
    assert ws["D29"].value == "=SUM(D8:D28)"            # （七）总计 per column
    assert ws["J29"].value == "=SUM(D29:I29)"
    assert ws["A3"].value.startswith("（本列数据的勾稽关系为") and "A3:C5" in ws.merged_cells
    assert ws["D32"].value == '=IF(COUNTA(D6,D7,D29,D30)>COUNT(D6,D7,D29,D30),"文字",IF(D6+D7=D29+D30,"✓","✗"))'
    appeals = template["四、复议诉讼"]
    assert [appeals[c].value for c in ("E6", "J6", "O6")] == ["=SUM(A6:D6)", "=SUM(F6:I6)", "=SUM(K6:N6)"]
    assert template["五、问题及改进"]["A3"].protection.locked is False
    assert template["五、问题及改进"]["A3"].alignment.wrap_text


def _validation(ws, cell: str):
    return next(dv for dv in ws.data_validations.dataValidation if cell in dv.sqref)


def test_data_validation_with_chinese_prompts(template):
    count = _validation(template["三、依申请公开"], "D6")
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert count.prompt == "请填写不小于0的整数；没有的填0。" and count.showErrorMessage
    money = _validation(template["二、主动公开"], "B16")
    assert money.type == "decimal" and money.errorTitle == "金额不合规"
    year = _validation(template["封面"], "B6")
    assert (year.type, year.formula1, year.formula2) == ("whole", "2019", "2100")
    rules = _validation(template["审核说明"], "A4")
    assert rules.formula1 == '"W0,W1,W2,W3,W4,W5,W6,W7,C2,C3,C4,T1,T2,T3,T4,T5"'


def test_print_ready(template):
    for ws in template.worksheets[:-1]:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    requests = template["三、依申请公开"]
    assert requests.page_setup.orientation == "landscape"
    assert requests.print_title_rows == "$3:$5"
    assert requests.freeze_panes == "D6"
    assert requests.column_dimensions["C"].width == 40


def test_unit_and_year_on_the_cover(tmp_path):
    write_template(tmp_path / "t.xlsx", unit="=某镇人民政府", year=2024)
    report = read(tmp_path / "t.xlsx")
    assert (report.unit, report.year) == ("=某镇人民政府", 2024)


def _lo_values(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def test_libreoffice_computes_the_totals(tmp_path, soffice):
    fmt = load_format()
    report = sample_report("测试镇人民政府", 2023, random.Random(7))
    expected = dict(report.values)
    for f in fmt.totals():
        report.values[f.id] = None  # leave the template's formulas
    write(report, tmp_path / "filled.xlsx")
    computed = soffice(tmp_path / "filled.xlsx")
    sheets = _lo_values(computed)
    layout = load_layout()
    for f in fmt.totals():
        area = layout.cells[f.id]
        assert sheets[area.sheet][area.top - 1][area.left - 1] == expected[f.id], f.id
    live = [sheets["三、依申请公开"][31][c] for c in range(3, 10)]
    assert live == ["✓"] * 7
    assert read(computed).values == expected


def test_libreoffice_shows_the_imbalance(tmp_path, soffice):
    report = sample_report("测试镇人民政府", 2023, random.Random(8))
    report.values["requests.new.commercial"] += 1
    for f in load_format().totals():
        report.values[f.id] = None
    write(report, tmp_path / "unbalanced.xlsx")
    sheets = _lo_values(soffice(tmp_path / "unbalanced.xlsx"))
    assert [sheets["三、依申请公开"][31][c] for c in range(3, 10)] == ["✓", "✗", "✓", "✓", "✓", "✓", "✗"]


def test_libreoffice_opens_the_template(tmp_path, soffice):
    copy = tmp_path / "template.xlsx"
    copy.write_bytes((WORKBOOKS / "template.xlsx").read_bytes())
    sheets = _lo_values(soffice(copy))
    assert sheets["三、依申请公开"][28][9] == 0  # the empty template's （七）总计 computes to 0
    assert sheets["三、依申请公开"][4][4] == "商业企业"


def test_saver_refuses_to_half_cache_when_openpyxl_writes_formulas_differently():
    from xltools.xlsx.saver import _cache

    ours = b'<row r="6"><c r="J6" s="27"><f>SUM(D6:I6)</f><v /></c></row>'
    assert _cache(ours, {"J6": 3}) == b'<row r="6"><c r="J6" s="27"><f>SUM(D6:I6)</f><v>3</v></c></row>'
    other = b'<row r="6"><c r="J6" s="27"><f t="normal">SUM(D6:I6)</f></c></row>'  # a new serialisation
    with pytest.raises(RuntimeError, match="J6"):
        _cache(other, {"J6": 3})
