"""The schema files expand into the fields and equations the format defines."""
from __future__ import annotations

import shutil

import openpyxl
from click.testing import CliRunner
from conftest import EXAMPLES

from xltools.cli import main
from xltools.model.schema import equations, load_format, load_rules


def test_2021_fields():
    fmt = load_format("2021")
    assert len(fmt.numeric_fields()) == 10 + 175 + 15 + 3
    assert [f.id for f in fmt.meta_fields()] == ["unit", "credit_code", "parent", "year", "preparer", "phone", "date"]
    assert len(fmt.text_fields()) == 7
    assert {f.id for f in fmt.numeric_fields() if f.value_kind == "money"} == {
        "proactive.fee.amount", "fees.notice_amount", "fees.collected"}
    assert fmt.fields["requests.results_total.natural_person"].parts[-1] == "requests.other_handling.other.natural_person"
    assert len(fmt.fields["requests.results_total.natural_person"].parts) == 21


def test_rules_expand_to_one_equation_per_line():
    fmt, rules = load_format("2021"), load_rules()
    counts = {rid: len(equations(fmt, rule)) for rid, rule in rules.items() if equations(fmt, rule)}
    assert counts == {"R1": 7, "R2": 7, "R3": 25, "R4": 3, "W1": 7, "W2": 2}
    r2_total = next(eq for eq in equations(fmt, rules["R2"]) if eq.left[0].field == "requests.results_total.total")
    assert [t.field for t in r2_total.right][:2] == ["requests.granted.total", "requests.partly_granted.total"]
    r1 = equations(fmt, rules["R1"])[-1]
    assert [t.field for t in r1.left] == ["requests.new.total", "requests.carried_in.total"]
    assert [t.field for t in r1.right] == ["requests.results_total.total", "requests.carried_out.total"]
    w2 = equations(fmt, rules["W2"])[1]
    assert [(t.field, t.sign, t.last_year) for t in w2.right] == [
        ("proactive.normative.in_force", 1, True), ("proactive.normative.issued", 1, False),
        ("proactive.normative.repealed", -1, False)]


def test_2019_format_reads_old_reports():
    fmt = load_format("2019")
    assert "requests.other_handling.natural_person" in fmt.fields
    assert "requests.other_handling.other.natural_person" not in fmt.fields
    assert len(fmt.fields["requests.results_total.total"].parts) == 6
    assert len(fmt.fields["requests.results_total.commercial"].parts) == 19
    assert fmt.fields["proactive.license.change"].kind == "signed"
    assert fmt.fields["proactive.procurement.amount"].label == "第二十条第（九）项 / 政府集中采购 / 采购总金额"
    assert fmt.fields["proactive.normative.made"].label == "第二十条第（一）项 / 规范性文件 / 本年新制作数量"
    assert len(equations(fmt, load_rules()["R2"])) == 7
    assert fmt.fields["appeals.review.total"].parts == load_format("2021").fields["appeals.review.total"].parts


def test_every_rule_has_a_check_and_every_check_a_rule():
    import importlib

    from xltools.rules.registry import CHECKS

    types = {rule.check["type"] for rule in load_rules().values()}
    assert sorted(types - set(CHECKS)) == []  # a rule nobody checks
    assert sorted(set(CHECKS) - types) == []  # a check no rule declares
    for name in (v for v in CHECKS.values() if isinstance(v, str)):  # later layers, named
        module, _, function = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), function))


def _cases_used_in_code() -> set[tuple[str, str, str]]:
    """(rule, case, where) for every finding the code can make: Finding("R0", "invalid"),
    Rejection("F7", "far"), reader.finding("I1", "count"), ("R0", "invalid") in a
    table, DocumentError(path, "scan") (always I0) — with either branch of a
    conditional case."""
    import ast

    from conftest import REPO

    rules = load_rules()

    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return strings(node.body) + strings(node.orelse)
        return []

    out = set()
    for path in (REPO / "xltools").rglob("*.py"):
        where = path.relative_to(REPO).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            args = node.args if isinstance(node, ast.Call) else node.elts if isinstance(node, ast.Tuple) else None
            if not args:
                continue
            name = getattr(getattr(node, "func", None), "id", None) or getattr(getattr(node, "func", None), "attr", None)
            if name == "DocumentError" and len(args) >= 2:
                out |= {("I0", case, where) for case in strings(args[1])}
            elif len(args) >= 2 and strings(args[0]) and strings(args[0])[0] in rules:
                # a list of rule ids ("S1", "S2", …) names no message
                out |= {(strings(args[0])[0], case, where) for case in strings(args[1]) if case not in rules}
    return out


def test_every_message_the_code_uses_is_in_the_catalogue():
    used = _cases_used_in_code()
    assert len({(r, c) for r, c, _ in used}) > 40  # the scan finds the code's findings
    missing = sorted((r, c, where) for r, c, where in used if c not in load_rules()[r].messages)
    assert missing == []


def test_marked_copy_paints_an_explained_warning_green(tmp_path):
    # the colours of the marks come from template.yaml: one read as a number by
    # YAML (548235 unquoted) was an internal error at the first explained warning
    shutil.copy(EXAMPLES / "mistakes-2023.xlsx", tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    for cell, value in zip(("A4", "B4", "C4"), ("W0", "三、依申请公开!D6", "原件如此")):
        wb["审核说明"][cell] = value
    wb.save(tmp_path / "x.xlsx")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "x.xlsx"), "--annotate", str(tmp_path / "y.xlsx")])
    assert result.exit_code == 1 and "内部错误" not in result.output
    assert "警告（已说明） W0 数字以文字形式填写 三、依申请公开!D6" in result.output
    d6 = openpyxl.load_workbook(tmp_path / "y.xlsx")["三、依申请公开"]["D6"]
    assert (d6.fill.fgColor.rgb[2:], d6.border.left.style, d6.border.left.color.rgb[2:]) == ("A9D08E", "thin", "548235")
