"""One file, one verdict: the same findings and the same score from `check` (text
and JSON), `fill`, the desk's upload answer and the Excel bridge, for each file of
the inbox with a story, and for a workbook whose tables could not be read."""
from __future__ import annotations

import json
import re
from pathlib import Path

import fake_xlwings
import openpyxl
import pytest

from . import county as C
from .conftest import cli

STORIES = (C.TEXT_NUMBER, C.EXPLAINED, C.DELETED_TOTAL, C.CODE, C.OPEN, C.COPY)
# F8 says a lock file lies beside the file on disk: a fact about the folder, which
# neither the desk (an upload has no folder) nor Excel (the file is the open one) sees.
ABOUT_THE_FOLDER = {"F8"}


def verdict(findings: list[dict], fix: bool = True) -> list[tuple]:
    """What a finding says; the fix aside for the Excel bridge, whose workbook has the buttons."""
    return [(f["rule"], tuple(f["cells"]), f.get("explained", False), f["message"]) + ((f["fix"],) if fix else ())
            for f in findings if f["rule"] not in ABOUT_THE_FOLDER]


def text_score(output: str) -> str | None:
    found = re.search(r"评分：(\d+/\d+)", output)
    return found[1] if found else None


def json_score(score: dict | None) -> str | None:
    return f"{score['points']}/{score['of']}" if score else None


def checked(path: Path) -> tuple[list[tuple], str | None, str | None]:
    """(findings, score) of `check -f json`, and the score the text prints."""
    as_json = cli(f"check {path.name} -f json", "check", path, "-f", "json")
    as_json.sound(allowed=(0, 1, 2))
    [result] = json.loads(as_json.stdout)["files"]
    as_text = cli(f"check {path.name}", "check", path)
    as_text.sound(allowed=(0, 1, 2))
    return verdict(result["findings"]), json_score(result["score"]), text_score(as_text.output)


def bridge(path: Path) -> tuple[list[tuple], str | None]:
    from xltools.excel import bridge as excel

    result = excel.check(fake_xlwings.load(path))
    score = result.score.to_dict() if result.score is not None else None
    return verdict([f.to_dict() for f in result.findings], fix=False), json_score(score)


@pytest.mark.parametrize("unit", STORIES)
def test_check_the_desk_and_excel_agree(county, desk, unit):
    path = county.inbox.path(unit)
    found, score, printed = checked(path)
    assert printed == score, f"check {path.name}: the text says 评分 {printed}, the JSON {score}"
    answer = desk.uploads[path.name]
    assert answer.json is not None and "findings" in answer.json, f"desk upload {path.name}: {answer.status}"
    assert verdict(answer.json["findings"]) == found, (
        f"desk upload {path.name}: findings {verdict(answer.json['findings'])}, check {found}")
    assert json_score(answer.json.get("score")) == score, (
        f"desk upload {path.name}: score {answer.json.get('score')}, check {score}")
    in_excel, excel_score = bridge(path)
    found = [f[:4] for f in found]
    assert (in_excel, excel_score) == (found, score), (
        f"Excel 检查 button on {path.name}: {in_excel} {excel_score}; check: {found} {score}")


@pytest.fixture(scope="module")
def moved(county, tmp_path_factory) -> Path:
    """A workbook whose 四 was renamed and a row inserted in 三: no numbers of those
    tables are read (S3, S4), so fill refuses it."""
    wb = openpyxl.load_workbook(county.inbox.path(C.TEXT_NUMBER))
    wb["四、复议诉讼"].title = "四、复议和诉讼"
    wb["三、依申请公开"].insert_rows(12)
    out = tmp_path_factory.mktemp("moved") / f"{C.TEXT_NUMBER}-改动了表格.xlsx"
    wb.save(out)
    return out


def test_fill_prints_the_verdict_check_gives(moved):
    found, score, printed = checked(moved)
    refused = cli(f"fill {moved.name}", "fill", moved, "-o", moved.with_name("补全.xlsx"))
    refused.sound(allowed=(1,))
    for rule in ("S3", "S4"):
        assert rule in refused.output, f"fill {moved.name}: does not say why it refuses ({rule})"
    assert text_score(refused.output) == printed, (
        f"fill {moved.name}: prints 评分 {text_score(refused.output)}, check prints {printed}")


def test_a_report_whose_tables_were_not_read_has_no_score(moved):
    found, score, printed = checked(moved)
    assert score is None and printed is None, (
        f"check {moved.name}: tables 三 and 四 could not be read (S3, S4), yet it is scored {score} "
        f"(text: {printed}): {[f[:2] for f in found]}")
