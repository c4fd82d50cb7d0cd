"""The cycle by the desk: desk init, every unit uploads what it has by its link,
the office returns the report with errors, the unit fixes it (`xltools fill`) and
uploads again, the office approves, merges (on the page and by `desk merge`) and
reads `desk status -f json`. No page answers 500; every upload is accounted for;
the desk's summary is the exact sum of the approved reports and passes check."""
from __future__ import annotations

import json
from pathlib import Path

from . import county as C
from .conftest import cli
from .test_command_line import assert_sums, status_rows


def test_no_desk_command_fails_and_no_page_answers_500(desk):
    for step in desk.steps:
        step.sound(allowed=(0, 1))
    broken = [(p.what, p.status, desk.text(p.body.decode("utf-8", "replace"))[:200]) for p in desk.pages
              if p.status >= 500]
    assert not broken, f"desk: pages answering {sorted({b[1] for b in broken})}: {broken}"


def test_desk_init_says_where_its_links_point(desk):
    links = (desk.folder / "单位链接.csv").read_text(encoding="utf-8-sig")
    assert "http://10.1.2.3:8000/u/" in links and "127.0.0.1" not in links, "desk init --base-url: 单位链接.csv"


def test_every_upload_is_answered_with_its_findings(county, desk):
    problems = []
    for name, answer in desk.uploads.items():
        unit = county.inbox.files[name]
        body = answer.json or {}
        if unit in C.UNREADABLE or unit == C.LAST_YEAR:
            if answer.status != 422 or not body.get("findings") and unit != C.LAST_YEAR:
                problems.append(f"{name}: expected 422 with the finding that says why, got {answer.status} {body}")
            if any("\u00c0" <= ch <= "\u00ff" for ch in str(body.get("error", ""))):
                problems.append(f"{name}: the refusal shows bytes read as Latin-1: {body.get('error')}")
        elif answer.status != 200 or "version" not in body:
            problems.append(f"{name}: expected a version, got {answer.status} {body}")
    assert not problems, "desk uploads:\n" + "\n".join(problems)


def test_the_returned_unit_fixes_its_report_and_is_approved(desk):
    assert list(desk.returned) == [C.DELETED_TOTAL], f"desk return: returned {desk.returned}"
    pages = {p.what: p for p in desk.pages}
    assert pages[f"return {C.DELETED_TOTAL} v1"].status == 303, "desk return: the office's return was refused"
    assert pages[f"upload again {C.DELETED_TOTAL}"].status == 303, "desk: the fixed workbook was not received"
    assert desk.approved.get(C.DELETED_TOTAL) == 2, f"desk approve: {C.DELETED_TOTAL} {desk.approved}"


def test_desk_status_accounts_for_every_unit(county, desk):
    assert desk.status is not None, "desk status -f json gave no JSON"
    by_unit = {u["unit"]: u for u in desk.status}
    assert sorted(by_unit) == sorted(C.units()), f"desk status -f json: units {sorted(set(C.units()) ^ set(by_unit))}"
    problems = []
    for unit in C.units():
        st = by_unit[unit]["status"]
        if unit in desk.approved and st not in ("已备案", "已发布"):
            problems.append(f"{unit}: approved, but status {st}")
        if unit in C.UNREADABLE and st in ("未报送", "未收到"):
            problems.append(f"{unit}: sent {county.inbox.path(unit).name} (unreadable), but desk status says {st}")
    assert not problems, "desk status -f json:\n" + "\n".join(problems)


def test_the_desks_summary_is_the_sum_of_the_approved_reports(county, desk):
    assert desk.summary.is_file(), "desk merge wrote no summary"
    reports = [county.this[u] for u in desk.approved]
    assert_sums("desk merge", desk.summary, reports)
    rows = {r["单位"]: r["状态"] for r in status_rows(desk.summary)}
    wrong = {u: rows.get(u) for u in desk.approved if rows.get(u) != "已汇总"}
    assert not wrong, f"desk merge, 上报情况: approved units not merged: {wrong}"
    cli("check 审核台汇总", "check", desk.summary).sound(allowed=(0,))
    assert desk.web_summary is not None, "desk: the page's 汇总 gave no summary to download"
    assert_sums("merge on the page", desk.web_summary, reports)


def test_the_desks_record_names_every_unit_that_sent_something(county, desk):
    rows = status_rows(desk.summary)
    said = {r["单位"]: r["状态"] for r in rows}
    quiet = {u: said.get(u) for u in C.UNREADABLE if said.get(u) in (None, "未报送", "未收到")}
    assert not quiet, (f"desk merge, 上报情况: units whose file arrived in a form nobody could read are "
                       f"recorded as sending nothing: {quiet}")


def test_the_desk_adds_files_received_by_mail_and_lists_each(county, desk, tmp_path):
    """`desk add` of the e-mailed files that are no workbook: each named with its reason."""
    names = [n for n, u in county.inbox.files.items() if u in (C.CSV, C.TXT)]
    step = cli("desk add (.csv, .txt)", "desk", "add", desk.folder, *[county.inbox.folder / n for n in names])
    step.sound(allowed=(0, 1, 2))
    unsaid = [n for n in names if n not in step.output]
    assert not unsaid, f"desk add: files given but not named in what it says: {unsaid}\n{step.output}"
    assert Path(desk.folder).is_dir() and json.loads(
        cli("desk status -f json (after add)", "desk", "status", desk.folder, "-f", "json").output)


def test_the_version_comparison_shows_the_fix_once(desk):
    page = next(p for p in desk.pages if p.what == f"compare {C.DELETED_TOTAL} v1 → v2")
    shown = desk.text(page.body.decode())
    assert page.status == 200 and "已改正 错误 R4" in shown, f"desk compare {C.DELETED_TOTAL} v1 → v2: {shown[:300]}"
    assert "新出现 错误 R4" not in shown, f"desk compare {C.DELETED_TOTAL} v1 → v2: the fixed R4 shown as new"


def test_a_publication_before_the_filing_is_refused(desk):
    answers = {p.what: p.status for p in desk.pages if p.what.startswith(f"published {C.COPY}")}
    today, before = sorted(answers, key=lambda w: "2023-12-01" in w)
    assert answers[today] == 303, f"desk published {C.COPY} today: {answers[today]}"
    assert answers[before] == 409, (
        f"desk published {C.COPY} 2023-12-01: a publication dated before the report was filed is accepted "
        f"({answers[before]}), against 先备案后公布")


def test_the_unit_hands_in_what_it_published_and_every_record_says_so(desk, tmp_path):
    """The last step of the cycle: a filed unit's website publishes its report (`xltools
    publish` of the version the desk filed); the desk verifies it against the filing,
    `desk remind` stops chasing it and chases every unit not filed, and `desk merge`
    writes the verified publication into 上报情况."""
    import openpyxl

    from xltools.desk.service import Desk

    office = Desk(desk.folder)
    unit = next(u for u in sorted(desk.approved) if u not in (C.COPY, C.DELETED_TOTAL))
    filed = office.version_path(office.standing(office.find_unit(unit)).approved)
    page = tmp_path / "年报.html"
    cli("publish the filed version", "publish", filed, "-o", page).sound(allowed=(0,))
    said = cli("desk published --file", "desk", "published", desk.folder, unit, "--url",
               "https://www.example.gov.cn/nb.html", "--file", page)
    assert (said.code, said.output.splitlines()[-1]) == (0, "已发布（与备案一致）"), said.output

    cli("desk remind", "desk", "remind", desk.folder, "-o", tmp_path / "催报.xlsx").sound(allowed=(0,))
    book = openpyxl.load_workbook(tmp_path / "催报.xlsx", read_only=True)
    chased = {v for row in book.worksheets[0].iter_rows(values_only=True) for v in row if isinstance(v, str)}
    assert unit not in chased, f"desk remind: {unit} published what it filed, yet is chased"
    owing = [u for u in C.units() if u not in desk.approved]
    assert [u for u in owing if u not in chased] == [], "desk remind: units not filed but not chased"

    summary = tmp_path / "汇总.xlsx"
    cli("desk merge (after publication)", "desk", "merge", desk.folder, "-o", summary).sound(allowed=(0, 1))
    rows = {r["单位"]: r for r in status_rows(summary)}
    assert "一致" in str(rows[unit].get("发布情况")), f"desk merge, 上报情况: {unit}: {rows[unit]}"
