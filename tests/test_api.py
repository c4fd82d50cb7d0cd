"""The README's "Python API" block runs as written, and says what it gives: each line
ending in `# <a Python value>` must evaluate to that value (so the block cannot drift
from the library)."""
from __future__ import annotations

import ast
import re

from conftest import REPO


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
