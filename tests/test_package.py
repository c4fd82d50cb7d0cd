"""The shape of the package: no import cycles, and each folder imports only what
the layout table of docs/developer.md allows."""
from __future__ import annotations

import ast
import re

from conftest import REPO

PACKAGE = REPO / "xltools"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _imports(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Module → the xltools modules it imports, at any depth of its code (an import
    inside a function is a dependency too)."""
    graph: dict[str, set[str]] = {}
    for name, tree in modules.items():
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("xltools")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xltools"):
                for a in node.names:  # `from xltools.x import y` names module y when there is one
                    sub = f"{node.module}.{a.name}"
                    found.add(sub if sub in modules else node.module)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else "xltools"


def _allowed() -> dict[str, set[str]]:
    """The developer's guide's layout table: | `folder/` | what it owns | what it may import |."""
    text = (REPO / "docs" / "developer.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    out = {}
    for row in re.findall(r"^\| *`([a-z]+)/` *\|[^|]*\| *([^|]*)\|", section, re.M):
        folder, may = row
        out[folder] = {m.strip(" `/") for m in may.split(",") if m.strip(" `/—-")}
    return out


def test_no_module_imports_itself_around_a_loop():
    graph = _imports(_modules())
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_each_folder_imports_only_what_the_readme_allows():
    allowed = _allowed()
    modules = _modules()
    folders = {_folder(m) for m in modules}
    code_folders = {f for f in allowed if f == "xltools" or (PACKAGE / f).is_dir()}
    assert folders == code_folders, "the layout table (docs/developer.md) names every folder of code, and only those"
    wrong = sorted((m, dep) for m, deps in _imports(modules).items() for dep in deps
                   if _folder(dep) != _folder(m) and _folder(dep) not in allowed[_folder(m)]
                   and "everything" not in allowed[_folder(m)])
    assert wrong == []


def test_the_readme_names_each_folder_once_and_every_module_in_its_row():
    section = (REPO / "docs" / "developer.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| *`([a-z]+)/` *\|([^|]*)\|", section, re.M)
    assert len(rows) == len({folder for folder, _ in rows})
    unnamed = sorted(f"{folder}/{p.name}" for folder, owns in rows if folder not in ("xltools", "schemas")
                     and (PACKAGE / folder).is_dir() for p in (PACKAGE / folder).glob("*.py")
                     if p.name != "__init__.py" and f"`{p.name}`" not in owns)
    assert unnamed == []


def test_only_the_command_line_and_the_api_stand_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"]


def test_ruff_finds_nothing_to_say_about_the_code():
    """`ruff check` with the project's settings (pyproject.toml: 120 columns, pycodestyle,
    pyflakes, isort) passes on the whole repository, so that CI keeps it so."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is in the test extra: pip install -e '.[test]'"
    done = subprocess.run([ruff, "check", "--no-cache", str(REPO)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout[-3000:]
