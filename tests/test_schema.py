"""The schema files expand into the fields and equations the format defines."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import EXAMPLES

from xltools.desk import settings
from xltools.model import resources, schema
from xltools.model.config import SchemaError, validate
from xltools.model.schema import equations, load_format, load_rules


def test_2021_fields():
    fmt = load_format("2021")
    assert len(fmt.numeric_fields()) == 10 + 175 + 15 + 3
    assert [f.id for f in fmt.meta_fields()] == ["unit", "credit_code", "parent", "year", "preparer", "phone", "date"]
    assert len(fmt.text_fields()) == 7
    assert {f.id for f in fmt.numeric_fields() if f.value_kind == "money"} == {
        "proactive.fee.amount", "fees.notice_amount", "fees.collected"}
    assert (fmt.fields["requests.results_total.natural_person"].parts[-1]
            == "requests.other_handling.other.natural_person")
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


def test_every_rule_is_made_by_the_code_and_every_dispatched_type_is_a_rule_type():
    """A rule of the catalogue that no code makes a finding of would never be
    checked; a type the dispatch runs that no rule declares is dead code."""
    from xltools.rules import arithmetic, registry

    rules = load_rules()
    types = {rule.check["type"] for rule in rules.values()}
    dispatched = {*registry.ON_REPORT, *registry.ACROSS_UNITS, *registry.BEFORE_ACROSS_UNITS, *arithmetic.FINDINGS}
    assert sorted(dispatched - types) == []
    named = {rule for rule, _, _ in _findings_in_code()}
    # an equation's finding carries its rule's id (arithmetic.FINDINGS, by type);
    # a carry-over is the finding of the rule it is `from`, under its own id (compare)
    made = named | {rid for rid, r in rules.items() if r.check["type"] in arithmetic.FINDINGS}
    made |= {rid for rid, r in rules.items() if r.check["type"] == "carry" and r.check["from"] in made}
    assert sorted(set(rules) - made) == []


def _findings_in_code() -> list[tuple[str, list[str], str]]:
    """(rule, its cases where written out, where) for every finding the code can make:
    Finding("R0", "invalid"), Finding("W6", case), Rejection("F7", "far"),
    reader.finding("I1", "count"), ("R0", "invalid") in a table,
    DocumentError(path, "scan") (always I0) — with either branch of a conditional case."""
    import ast

    from conftest import REPO

    rules = load_rules()

    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return strings(node.body) + strings(node.orelse)
        return []

    out = []
    for path in (REPO / "xltools").rglob("*.py"):
        where = path.relative_to(REPO).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            args = node.args if isinstance(node, ast.Call) else node.elts if isinstance(node, ast.Tuple) else None
            if not args:
                continue
            name = (getattr(getattr(node, "func", None), "id", None)
                    or getattr(getattr(node, "func", None), "attr", None))
            if name == "DocumentError" and len(args) >= 2:
                out.append(("I0", strings(args[1]), where))
            elif len(args) >= 2 and strings(args[0]) and strings(args[0])[0] in rules \
                    and not set(strings(args[1])) & set(rules):  # a list of rule ids ("S1", "S2", …) makes none
                out.append((strings(args[0])[0], strings(args[1]), where))
    return out


def _cases_used_in_code() -> set[tuple[str, str, str]]:
    """(rule, case, where) for every case of a finding the code writes out."""
    return {(rule, case, where) for rule, cases, where in _findings_in_code() for case in cases}


def test_every_message_the_code_uses_is_in_the_catalogue():
    used = _cases_used_in_code()
    assert len({(r, c) for r, c, _ in used}) > 40  # the scan finds the code's findings
    missing = sorted((r, c, where) for r, c, where in used if c not in load_rules()[r].messages)
    assert missing == []


def test_marked_copy_paints_an_explained_warning_green(tmp_path, cli):
    # the colours of the marks come from template.yaml: one read as a number by
    # YAML (548235 unquoted) was an internal error at the first explained warning
    shutil.copy(EXAMPLES / "mistakes-2023.xlsx", tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    for cell, value in zip(("A4", "B4", "C4"), ("W0", "三、依申请公开!D6", "原件如此")):
        wb["审核说明"][cell] = value
    wb.save(tmp_path / "x.xlsx")
    result = cli("check", str(tmp_path / "x.xlsx"), "--annotate", str(tmp_path / "y.xlsx"))
    assert result.exit_code == 1 and "内部错误" not in result.output
    assert "警告（已说明） W0 数字以文字形式填写 三、依申请公开!D6" in result.output
    d6 = openpyxl.load_workbook(tmp_path / "y.xlsx")["三、依申请公开"]["D6"]
    assert (d6.fill.fgColor.rgb[2:], d6.border.left.style, d6.border.left.color.rgb[2:]) == ("A9D08E", "thin", "548235")


# ---------------------------------------------------------------- typed validation at load

_GONE = object()  # a key removed


@pytest.fixture
def schemas(tmp_path, monkeypatch):
    """A copy of schemas/ that the loaders read instead of the shipped one (as a
    wheel's package would carry it); every cached load is forgotten before and after."""
    package = tmp_path / "xltools"
    shutil.copytree(resources.data_dir("schemas"), package / "schemas")
    monkeypatch.setattr(resources, "_PACKAGE", package)
    _forget()
    yield package / "schemas"
    monkeypatch.undo()
    _forget()


def _forget() -> None:
    for loaded in (v for module in (schema, settings) for v in vars(module).values() if hasattr(v, "cache_clear")):
        loaded.cache_clear()


def _mutate(folder, name: str, keys: tuple, value) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    *parents, last = keys
    node = data
    for key in parents:
        node = node[key]
    if value is _GONE:
        del node[last]
    else:
        node[last] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


LOADERS = {
    "template.yaml": schema.load_template, "rules.yaml": schema.load_rules, "scoring.yaml": schema.load_scoring,
    "summary.yaml": schema.load_summary, "county.yaml": schema.load_county, "desk.yaml": settings.settings,
    "formats/2021.yaml": lambda: schema.load_format("2021"), "formats/2019.yaml": lambda: schema.load_format("2019"),
    # words.yaml is read by help screens without pydantic: it is checked with the first other file loaded
    "words.yaml": schema.load_template,
}

COLOUR, NUMBER, RULE_ID = "应为 6 位十六进制颜色", "应为数字", "应为规则编号"
INTEGER, TEXT, MISSING, UNKNOWN = "应为整数", "应为文字", "缺少必填的键", "未知的键"
NOT_ALLOWED, BOOL = "不是允许的值之一", "应为 true 或 false"

MUTATIONS = [
    # (file, key path, new value, the key path the error names, what it says)
    ("template.yaml", ("excel", "marks", "explained", "color"), 548235, "excel.marks.explained.color", COLOUR),
    ("template.yaml", ("styles", "input_fill"), "FFF2C", "styles.input_fill", COLOUR),
    ("template.yaml", ("excel", "result_widths", 1), "6", "excel.result_widths.1", NUMBER),
    ("template.yaml", ("sheets", 3, "live_check", "rule"), "R-1", "sheets.3.live_check.rule", RULE_ID),
    ("template.yaml", ("sheets", 3, "grid", "freeze"), "yes", "sheets.3.grid.freeze", BOOL),
    ("template.yaml", ("excel", "marks", "error", "border"), "bold", "excel.marks.error.border", NOT_ALLOWED),
    ("template.yaml", ("stamp_sheet",), _GONE, "stamp_sheet", MISSING),
    ("template.yaml", ("sheets", 0, "widht"), {"A": 20}, "sheets.0.widht", UNKNOWN),
    ("rules.yaml", ("W0", "severity"), "warn", "W0.severity", NOT_ALLOWED),
    ("rules.yaml", ("w11",), {}, "w11", RULE_ID),
    ("rules.yaml", ("T3", "check", "max_chars"), "800", "T3.check.max_chars", INTEGER),
    ("rules.yaml", ("W0", "fix", "en"), _GONE, "W0.fix.en", MISSING),
    ("rules.yaml", ("W6", "check", "kind"), ["count"], "W6.check.kind", UNKNOWN),
    ("rules.yaml", ("W9", "explainable"), "no", "W9.explainable", BOOL),
    ("scoring.yaml", ("items", 0, "points"), "5", "items.0.points", INTEGER),
    ("scoring.yaml", ("items", 0, "rules", 1), "T 1", "items.0.rules.1", RULE_ID),
    ("scoring.yaml", ("not_scored", 0), "f1", "not_scored.0", RULE_ID),
    ("scoring.yaml", ("of",), _GONE, "of", MISSING),
    ("scoring.yaml", ("items", 0, "cap"), 3, "items.0.cap", UNKNOWN),
    ("summary.yaml", ("near_match",), "0.9", "near_match", NUMBER),
    ("summary.yaml", ("sheets", "status", "columns", 0, "width"), "30", "sheets.status.columns.0.width", NUMBER),
    ("summary.yaml", ("status", "merged", "en"), _GONE, "status.merged.en", MISSING),
    ("summary.yaml", ("sheets", "sources", "title"), "来源", "sheets.sources.title", UNKNOWN),
    ("county.yaml", ("sheets", "colours", "muted"), 808080, "sheets.colours.muted", COLOUR),
    ("county.yaml", ("rates", "threshold"), "10", "rates.threshold", INTEGER),
    ("county.yaml", ("rates", "list", 0, "worse"), "lower", "rates.list.0.worse", NOT_ALLOWED),
    ("county.yaml", ("kinds", 0, "phrase"), _GONE, "kinds.0.phrase", MISSING),
    ("county.yaml", ("figures", "new", "lable"), "本年新收申请", "figures.new.lable", UNKNOWN),
    ("desk.yaml", ("utc_offset_hours",), "8", "utc_offset_hours", NUMBER),
    ("desk.yaml", ("upload", "max_bytes"), "20 MB", "upload.max_bytes", INTEGER),
    ("desk.yaml", ("events", "submitted"), "waiting", "events.submitted", NOT_ALLOWED),
    ("desk.yaml", ("status", "pending", "en"), _GONE, "status.pending.en", MISSING),
    ("desk.yaml", ("files", "backups"), "backups", "files.backups", UNKNOWN),
    ("words.yaml", ("wrote", "en"), _GONE, "wrote.en", MISSING),
    ("words.yaml", ("wrote", "en"), 1, "wrote.en", TEXT),
    ("words.yaml", ("wrote", "fr"), "Écrit {path}", "wrote.fr", UNKNOWN),
    ("formats/2021.yaml", ("tables", "requests", "kind"), "number", "tables.requests.kind", NOT_ALLOWED),
    ("formats/2021.yaml", ("meta", 0, "label"), _GONE, "meta.0.label", MISSING),
    ("formats/2021.yaml", ("tables", "fees", "rows", 0, "kindd"), "count", "tables.fees.rows.0.kindd", UNKNOWN),
    ("formats/2021.yaml", ("meta", 0, "required"), "yes", "meta.0.required", BOOL),
    ("formats/2019.yaml", ("id",), 2019, "id", TEXT),
]


@pytest.mark.parametrize("name, keys, value, where, said", MUTATIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_value_is_an_error_at_load_naming_file_and_key(schemas, name, keys, value, where, said):
    _mutate(schemas, name, keys, value)
    with pytest.raises(SchemaError) as error:
        LOADERS[name]()
    assert str(error.value).startswith(f"schemas/{name}: {where}: {said}")


def test_every_schema_file_is_checked_and_every_kind_of_mistake_is_tried(schemas):
    shipped = {p.relative_to(schemas).as_posix() for p in schemas.rglob("*.yaml")}
    assert set(LOADERS) == shipped == {m[0] for m in MUTATIONS}
    assert {m[4] for m in MUTATIONS} == {COLOUR, NUMBER, RULE_ID, INTEGER, TEXT, MISSING, UNKNOWN, NOT_ALLOWED, BOOL}


def test_the_message_says_what_was_found():
    with pytest.raises(SchemaError) as error:
        validate(Path("schemas/template.yaml"), {**schema.read_schema("template.yaml"), "version": "1"},
                 "schemas/template.yaml")
    assert str(error.value) == "schemas/template.yaml: version: 应为整数 / Input should be a valid integer，实际为 '1'"


def test_every_shipped_schema_file_validates():
    folder = resources.data_dir("schemas")
    for path in sorted(folder.rglob("*.yaml")):
        validate(path, yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def test_a_broken_schema_file_is_told_by_the_command_with_file_and_key(schemas, tmp_path, cli):
    _mutate(schemas, "template.yaml", ("excel", "marks", "explained", "color"), 548235)
    result = cli("check", str(EXAMPLES / "chitudian-2023.xlsx"), "--annotate", str(tmp_path / "marked.xlsx"))
    assert result.exit_code == 2 and not (tmp_path / "marked.xlsx").exists()
    assert "SchemaError: schemas/template.yaml: excel.marks.explained.color: 应为 6 位十六进制颜色" in result.output


def test_a_pyyaml_without_libyaml_reads_the_schemas(tmp_path):
    """PyYAML built without libyaml has no CSafeLoader: the README's first command
    must still work (the schema files read with the pure Python loader)."""
    import subprocess
    import sys

    script = ("import yaml; del yaml.CSafeLoader; "
              "from xltools.cli import main; main(['check', r'%s'])" % (EXAMPLES / "chitudian-2023.xlsx"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "评分：15/20" in done.stdout
