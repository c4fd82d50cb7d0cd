"""The documentation stays true to the code: the command reference is the help the
commands give today, and every link between README.md and docs/ finds its file and
its heading."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO

DOCS = REPO / "docs"
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, markup and punctuation (Chinese
    too) dropped, each space a hyphen."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m[1] or "", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    """Every heading's anchor on a page (a repeated heading gets -1, -2 …), code blocks aside."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", text, re.M):
        slug = _slug(heading)
        out.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return out


def _links(page: Path) -> list[str]:
    """The relative targets of a page's Markdown links, code aside."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:", t)]


def test_the_command_reference_is_current():
    """docs/commands.md is what cog generates from the commands' help now; after a help
    text changes, `cog -r docs/commands.md` makes it so."""
    from cogapp import Cog

    status = Cog().main(["cog", "--check", "--verbosity=0", str(DOCS / "commands.md")])
    assert status == 0, "docs/commands.md is not current: run `cog -r docs/commands.md`"


def test_the_command_reference_names_every_command():
    from xltools.cli import _commands, main

    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    for key in ["", *(name for name, _ in _commands(main))]:
        assert f"\n### `{f'xltools {key}'.strip()}`\n" in text, key
        assert f"\n$ xltools {key} --help\n".replace("  ", " ") in text, key
        assert f"\n$ xltools --lang en {key} --help\n".replace("  ", " ") in text, key


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_finds_its_file_and_heading(page):
    broken = []
    for target in _links(page):
        path, _, anchor = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        if not where.exists():
            broken.append(target)
        elif anchor and where.suffix == ".md" and anchor not in _anchors(where):
            broken.append(target)
    assert broken == []


def test_the_readme_begins_with_the_two_commands_for_a_fresh_machine():
    """What a newcomer runs first, and what .ci/run runs: the README's first two code blocks."""
    blocks = re.findall(r"^```sh\n(.*?)\n```", (REPO / "README.md").read_text(encoding="utf-8"), re.S | re.M)
    assert blocks[0].startswith("pip install . && xltools check workbooks/examples/chitudian-2023.xlsx ")
    assert blocks[1] == 'pip install -e ".[test]" && python3 -m pytest'


def test_the_guides_keep_the_readme_short():
    """The README is what a newcomer reads; the guides hold the rest."""
    assert len((REPO / "README.md").read_text(encoding="utf-8")) < 12_000
