"""The README's "Python API" block runs as written, and says what it gives: each line
ending in `# <a Python value>` must evaluate to that value (so the block cannot drift
from the library)."""
from __future__ import annotations

import ast
import re

import pytest
from conftest import EXAMPLES, REPO, SAMPLE_COUNTY

import xltools
from samples import sample_county
from xltools.commands.compare import CompareError


def _block() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S)[1].splitlines()


def _said(line: str):
    """The value a line's comment promises, when the comment is a Python literal."""
    code, _, comment = line.partition("  #")
    try:
        return code.strip(), ast.literal_eval(comment.strip())
    except (ValueError, SyntaxError):
        return code.strip(), None


def test_the_readmes_python_api_block_runs_and_gives_what_it_says(tmp_path, monkeypatch):
    (tmp_path / "workbooks").symlink_to(REPO / "workbooks")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    promised = 0
    statement: list[str] = []
    for line in _block():
        statement.append(line.partition("  #")[0] if "  #" in line else line)
        source = "\n".join(statement)
        try:
            compiled = compile(source, "README", "exec")
        except SyntaxError:
            continue  # a statement over several lines
        statement = []
        code, value = _said(line)
        if value is not None and "=" not in code.split("(")[0]:
            assert eval(code, scope) == value, code
            promised += 1
        else:
            exec(compiled, scope)
    assert promised >= 4
    assert (tmp_path / "改.xlsx").is_file() and (tmp_path / "示例县汇总.xlsx").is_file()
    assert (tmp_path / "赤土店镇.xlsx").is_file() and (tmp_path / "年报.html").is_file()


# --- The public functions the commands call, each with what it gives (issue 25) ---------

ROSTER = EXAMPLES / "sample-county-roster.csv"
MISTAKES = EXAMPLES / "mistakes-2023.xlsx"


def test_merge_writes_the_summary_against_last_years_and_refuses_another_years(tmp_path):
    (tmp_path / "2022").mkdir()
    for r in sample_county(year=2022, seed=2022):
        xltools.write(r, tmp_path / "2022" / f"{r.unit}.xlsx")
    last = xltools.merge([tmp_path / "2022"], unit="示例县", output=tmp_path / "2022.xlsx")
    assert (last.year, len(last.merged), last.unwritten, last.last) == (2022, 14, None, None)
    heard = []
    result = xltools.merge([SAMPLE_COUNTY], unit="示例县", output=tmp_path / "2023.xlsx", roster=ROSTER,
                           previous=tmp_path / "2022.xlsx", progress=heard.append, before_write=heard.append)
    assert (result.year, len(result.merged), result.unwritten) == (2023, 14, None)
    assert (result.last.unit, result.last.year, result.last.path) == ("示例县", 2022, tmp_path / "2022.xlsx")
    assert sum(heard[:-1]) == 14 and heard[-1] == tmp_path / "2023.xlsx"  # every file read, then the hook
    summary = xltools.read(tmp_path / "2023.xlsx")
    assert summary.values == result.summary.values
    assert "较上年" in summary.text["overview.requests"]  # the drafted change, from last year's summary
    with pytest.raises(CompareError) as refused:  # this year's summary is no last year's
        xltools.merge([SAMPLE_COUNTY], unit="示例县", output=tmp_path / "again.xlsx", previous=tmp_path / "2023.xlsx")
    assert refused.value.message() == \
        f"上年的汇总表 {tmp_path / '2023.xlsx'} 是 2023 年的，本次汇总 2023 年：--previous 请给出上一年的汇总表"
    assert not (tmp_path / "again.xlsx").exists()


def test_merge_writes_nothing_when_nothing_adds_up_or_strict_leaves_a_report_out(tmp_path):
    nothing = xltools.merge([MISTAKES], unit="示例县", output=tmp_path / "n.xlsx")
    assert (nothing.summary, nothing.unwritten, [s.status for s in nothing.submissions]) == (
        None, "nothing", ["errors"])
    strict = xltools.merge([SAMPLE_COUNTY, MISTAKES], unit="示例县", output=tmp_path / "s.xlsx", strict=True)
    assert (strict.unwritten, len(strict.merged), len(strict.excluded)) == ("strict", 14, 1)
    lenient = xltools.merge([SAMPLE_COUNTY, MISTAKES], unit="示例县", output=tmp_path / "l.xlsx")
    assert lenient.unwritten is None
    assert not (tmp_path / "n.xlsx").exists() and not (tmp_path / "s.xlsx").exists()
    assert xltools.read(tmp_path / "l.xlsx").values == lenient.summary.values


def test_write_template_writes_the_committed_template_or_a_report_under_another_cover(tmp_path):
    xltools.write_template(tmp_path / "t.xlsx")
    assert (tmp_path / "t.xlsx").read_bytes() == (REPO / "workbooks" / "template.xlsx").read_bytes()
    xltools.write_template(tmp_path / "c.xlsx", unit="赤土店镇", year=2024)
    assert (xltools.read(tmp_path / "c.xlsx").unit, xltools.read(tmp_path / "c.xlsx").year) == ("赤土店镇", 2024)
    seed = xltools.read(EXAMPLES / "chitudian-2023.xlsx")
    xltools.write_template(tmp_path / "r.xlsx", year=2024, report=seed)
    filled = xltools.read(tmp_path / "r.xlsx")
    assert (filled.unit, filled.year, filled.values, filled.text) == (seed.unit, 2024, seed.values, seed.text)
    assert seed.year == 2023  # the caller's report keeps its own cover


def test_publish_of_a_workbook_checks_it_first_and_says_why_it_wrote_nothing(tmp_path):
    done = xltools.publish(EXAMPLES / "chitudian-2023.xlsx", tmp_path / "r.md")
    assert (done.refused, done.cover, done.result.unit, [f.rule for f in done.result.findings]) == \
        (None, None, "栾川县赤土店镇人民政府", ["T1"])
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith(
        "# 栾川县赤土店镇人民政府2023年政府信息公开工作年度报告")
    refused = xltools.publish(MISTAKES, tmp_path / "m.md")
    assert (refused.refused, refused.result.ok, (tmp_path / "m.md").exists()) == ("errors", False, False)
    assert xltools.publish(MISTAKES, tmp_path / "m.md", with_errors=True).refused is None
    assert (tmp_path / "m.md").is_file()


def test_publish_of_a_summary_that_leaves_units_out_refuses_or_says_so_under_the_title(tmp_path):
    (tmp_path / "in").mkdir()
    for path in sorted(SAMPLE_COUNTY.glob("*.xlsx"))[1:]:
        (tmp_path / "in" / path.name).write_bytes(path.read_bytes())
    merged = xltools.merge([tmp_path / "in"], unit="示例县", output=tmp_path / "s.xlsx", roster=ROSTER,
                           allow_incomplete=True)
    assert (len(merged.merged), len(merged.missing)) == (13, 1)
    refused = xltools.publish(tmp_path / "s.xlsx", tmp_path / "s.md")
    assert (refused.refused, refused.cover.complete, (tmp_path / "s.md").exists()) == ("incomplete", False, False)
    done = xltools.publish(tmp_path / "s.xlsx", tmp_path / "s.md", allow_incomplete=True, breakdown="kind")
    assert done.refused is None
    lines = (tmp_path / "s.md").read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["# 示例县2023年政府信息公开工作年度报告", "", done.cover.sentence()]
    assert done.cover.sentence() == "本报告汇总了 14 个单位中的 13 个单位（未汇总：示例县东岭镇人民政府）。"
    assert "## 附表" in lines and lines[-1].startswith("| 合计 | 3417 |")  # the appendix by kind
