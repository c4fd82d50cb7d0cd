"""Issue 29: the published report handed in at the desk and checked against the
filed one (the same, different cell by cell, or not verifiable), on the board and
in `desk status`; the units still owed chased (`desk remind`); the publication
state in the county's 上报情况. Published pages of each kind: the HTML and Word
file `xltools publish` writes, a Word file retyped with one number changed, a
PDF printed from the Word file, a page missing section 四."""
from __future__ import annotations

import collections
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from desk_helpers import EDUCATION, FINANCE, clock, text, workbook
from test_desk_browser import browser, server  # noqa: F401  (the fixtures of a real serve and chromium)

URL = "https://www.example.gov.cn/xxgk/nb2023.html"


def today() -> str:
    """The desk's day (China Standard Time)."""
    from xltools.desk.settings import now

    return now().date().isoformat()


@pytest.fixture(scope="module")
def pages(tmp_path_factory, soffice):
    """The education bureau's filed workbook and its published pages: as published
    (.html, .docx, .pdf printed from the .docx), the .docx with one figure retyped, and
    the page without section 四. Also the retyped cell: (address, filed, published)."""
    import docx
    from click.testing import CliRunner

    from xltools.cli import main

    folder = tmp_path_factory.mktemp("published")
    filed = workbook(folder / "备案.xlsx")
    for ext in ("html", "docx"):
        made = CliRunner().invoke(main, ["publish", str(filed), "-o", str(folder / f"教育局年报.{ext}")])
        assert made.exit_code == 0, made.output
    html = (folder / "教育局年报.html").read_text(encoding="utf-8")
    without = re.sub(r"<h2>四、.*?(?=<h2>五、)", "", html, flags=re.S)
    assert without != html
    (folder / "缺第四部分.html").write_text(without, encoding="utf-8")
    pdf = soffice(folder / "教育局年报.docx", "pdf")
    shutil.copy(pdf, folder / "教育局年报.pdf")
    document = docx.Document(folder / "教育局年报.docx")
    cells = [c for t in document.tables for row in t.rows for c in row.cells]
    seen = collections.Counter(c.text for c in cells)
    retyped = next(c for c in cells if c.text.isdigit() and int(c.text) > 1 and seen[c.text] == 1)
    was = int(retyped.text)
    retyped.paragraphs[0].runs[0].text = str(was + 1)  # a clerk typing the table again
    document.save(folder / "改了一个数.docx")
    return folder, was


@pytest.fixture
def filed(tmp_path, cli):
    """A desk whose education bureau is filed on 2024-01-18 and whose finance bureau
    has submitted."""
    from desk_helpers import write_roster

    folder = tmp_path / "审核台"
    assert cli("desk", "init", folder, "--roster", write_roster(tmp_path / "名册.csv"), "--year", 2023,
               "--unit", "示例县", "--submit-by", "2024-01-31").exit_code == 0
    cli("desk", "add", folder, workbook(tmp_path / "教育局.xlsx"))
    cli("desk", "add", folder, workbook(tmp_path / "财政局.xlsx", FINANCE))
    with clock(datetime(2024, 1, 18, 9, 30)):
        assert cli("desk", "approve", folder, EDUCATION).exit_code == 0
    return folder


def _publication(cli, folder: Path, unit: str = EDUCATION) -> dict:
    status = json.loads(cli("desk", "status", folder, "-f", "json").output)
    return next(u for u in status if u["unit"] == unit)["publication"]


@pytest.mark.parametrize("name", ["教育局年报.html", "教育局年报.docx", "教育局年报.pdf"])
def test_a_published_page_that_is_the_filed_report(filed, pages, name, cli):
    folder, _ = pages
    done = cli("desk", "published", filed, "教育局", "--url", URL, "--date", "2024-01-20", "--file", folder / name)
    assert (done.exit_code, done.output) == (0, f"已记录发布：{EDUCATION}，2024-01-20，{URL}\n已发布（与备案一致）\n")
    assert _publication(cli, filed) == {
        "state": "一致", "state_key": "agrees", "text": "已发布（与备案一致）", "url": URL, "date": "2024-01-20",
        "number": 1, "differences": None}


def test_a_published_word_file_with_one_number_retyped(filed, pages, cli):
    folder, was = pages
    done = cli("desk", "published", filed, "教育局", "--url", URL, "--date", "2024-01-20", "--file",
               folder / "改了一个数.docx")
    assert (done.exit_code, done.output) == (1, (
        f"已记录发布：{EDUCATION}，2024-01-20，{URL}\n已发布（与备案不一致：1 处）\n"
        f"  二、主动公开!B5  第二十条第（一）项 / 规章 / 本年制发件数：备案 {was}，发布 {was + 1}\n"))
    assert _publication(cli, filed)["differences"] == 1
    # a corrected page: the unit's next publication record, checked again
    again = cli("desk", "published", filed, "教育局", "--url", URL, "--file", folder / "教育局年报.docx")
    assert again.exit_code == 0 and again.output.endswith("已发布（与备案一致）\n")
    assert {k: v for k, v in _publication(cli, filed).items() if k in ("state_key", "number", "date")} == {
        "state_key": "agrees", "number": 2, "date": today()}


def test_a_published_page_missing_a_section_cannot_be_verified(filed, pages, cli):
    folder, _ = pages
    done = cli("desk", "published", filed, "教育局", "--url", URL, "--date", "2024-01-20", "--file",
               folder / "缺第四部分.html")
    assert (done.exit_code, done.output) == (1, (
        f"已记录发布：{EDUCATION}，2024-01-20，{URL}\n"
        "已发布（无法核对：没有找到章节“四、政府信息公开行政复议、行政诉讼情况”；"
        "没有找到表格“四、政府信息公开行政复议、行政诉讼情况”的数字，相应单元格留空）\n"))
    assert _publication(cli, filed)["state"] == "无法核对"
    english = json.loads(cli("desk", "status", filed, "-f", "json", "--lang", "en").output)
    said = next(u for u in english if u["unit"] == EDUCATION)["publication"]["text"]
    assert said.startswith("published (cannot be verified: ") and "四、" in said


def test_publishing_before_filing_or_before_the_filing_day_is_refused(filed, pages, cli):
    folder, _ = pages
    early = cli("desk", "published", filed, "财政局", "--url", URL, "--file", folder / "教育局年报.html")
    assert (early.exit_code, early.output) == (
        2, f"xltools: {FINANCE} 的报告尚未备案（现在：待审核），先备案后公布\n")
    before = cli("desk", "published", filed, "教育局", "--url", URL, "--date", "2024-01-17", "--file",
                 folder / "教育局年报.html")
    assert (before.exit_code, before.output) == (
        2, f"xltools: 发布日期 2024-01-17 早于 {EDUCATION} 的备案日期 2024-01-18：先备案后公布，请核对发布日期\n")
    workbook_file = cli("desk", "published", filed, "教育局", "--url", URL, "--file", folder / "备案.xlsx")
    assert (workbook_file.exit_code, workbook_file.output) == (
        2, "xltools: “备案.xlsx”不是能核对的发布文件：请上传另存的网页、Word 文件或 PDF（.html、.htm、.docx、.pdf）\n")
    assert _publication(cli, filed)["state_key"] == "unpublished"
    assert not (filed / "publications").exists()  # nothing kept of what was refused


def _office(tmp_path, checker):
    """A desk whose education and finance bureaus are filed, the office signed in:
    (client, desk, its CSRF token)."""
    from desk_helpers import make_desk
    from starlette.testclient import TestClient

    from xltools.desk.web import build_app

    made = make_desk(tmp_path / "审核台")
    client = TestClient(build_app(made.desk.folder, checker=checker), follow_redirects=False)
    form = client.get("/office/login")
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)[1]
    assert client.post("/office/login", data={"nonce": nonce, "password": made.password}).status_code == 303
    for unit, name in ((EDUCATION, "教育局.xlsx"), (FINANCE, "财政局.xlsx")):
        made.desk.add_files([workbook(tmp_path / name, unit)], "office:cli:test")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/office").text)[1]
    return client, made.desk, csrf


def _hand_in(client, tok: str, path: Path, day: str = ""):
    return client.post(f"/u/{tok}/published", data={"url": URL, "date": day},
                       files={"file": (path.name, path.read_bytes())})


def test_the_unit_hands_in_its_published_page_and_the_board_shows_the_state(tmp_path, pages, checker):
    from desk_helpers import token

    folder, was = pages
    client, desk, csrf = _office(tmp_path, checker)
    tok = token(desk.folder, EDUCATION)
    assert "上传已发布的报告" not in text(client.get(f"/u/{tok}").text)
    early = _hand_in(client, tok, folder / "教育局年报.html")
    assert early.status_code == 409 and f"{EDUCATION} 的报告尚未备案（现在：待审核），先备案后公布" in text(early.text)
    unit = desk.find_unit(EDUCATION)
    for u in (unit, desk.find_unit(FINANCE)):
        assert client.post(f"/office/unit/{u.id}/approve", data={"csrf": csrf}).status_code == 303
    page = text(client.get(f"/u/{tok}").text)
    assert "发布核对 上传已发布的报告 发布网址 发布日期 发布的报告 上传并核对" in page

    sent = _hand_in(client, tok, folder / "改了一个数.docx")
    assert (sent.status_code, sent.headers["location"]) == (303, f"/u/{tok}#publication")
    page = text(client.get(f"/u/{tok}").text)
    assert ("已发布（与备案不一致：1 处） 第 1 次上传：改了一个数.docx（核对备案的第 1 版）" in page
            and f"二、主动公开!B5 第二十条第（一）项 / 规章 / 本年制发件数 {was} {was + 1}" in page)
    board = text(client.get("/office").text)
    assert "按发布筛选： 全部 14 未发布 13 一致 0 不一致 1 无法核对 0" in board
    assert f"{EDUCATION} 部门 已发布" in board and "已发布（与备案不一致：1 处）" in board
    only = text(client.get("/office?publication=differs").text)
    assert EDUCATION in only and FINANCE not in only
    office_page = client.get(f"/office/unit/{unit.id}")
    assert "下载核对表（.xlsx）" in text(office_page.text)
    book = client.get(f"/office/unit/{unit.id}/publication.xlsx")
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert "attachment" in book.headers["content-disposition"]

    sent = _hand_in(client, tok, folder / "缺第四部分.html")  # a corrected page … that lost a section
    assert sent.status_code == 303
    lost = text(client.get(f"/u/{tok}").text)
    assert "已发布（无法核对：没有找到章节“四、政府信息公开行政复议、行政诉讼情况”；没有找到表格" in lost
    assert client.get(f"/office/unit/{unit.id}/publication.xlsx").status_code == 404
    sent = _hand_in(client, tok, folder / "教育局年报.html")
    assert "已发布（与备案一致） 第 3 次上传：教育局年报.html" in text(client.get(f"/u/{tok}").text)
    assert "未发布 13 一致 1 不一致 0 无法核对 0" in text(client.get("/office").text)
    statuses = {u["unit"]: u for u in client.get("/api/status").json()}
    assert statuses[EDUCATION]["publication"] == {
        "state": "一致", "state_key": "agrees", "text": "已发布（与备案一致）", "url": URL,
        "date": today(), "number": 3, "differences": None}

    refused = _hand_in(client, token(desk.folder, FINANCE), folder / "教育局年报.html", day="2023-12-01")
    assert refused.status_code == 409
    assert "发布日期 2023-12-01 早于 示例县财政局 的备案日期" in text(refused.text)


def test_the_county_summary_says_which_units_published_what_they_filed(filed, pages, tmp_path, cli):
    import openpyxl

    folder, _ = pages
    retyped = folder / "改了一个数.docx"
    cli("desk", "published", filed, "教育局", "--url", URL, "--date", "2024-01-20", "--file", retyped)
    merged = cli("desk", "merge", filed, "-o", tmp_path / "汇总.xlsx", "--allow-incomplete")
    assert merged.exit_code == 1, merged.output  # units are left out: said, and the summary written
    sheet = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["上报情况"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "发布情况" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}15"
    rows = {r[0]: (r[2], r[-1]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[EDUCATION] == ("已汇总", "已发布（与备案不一致：1 处）")
    assert rows[FINANCE] == ("未备案", "未发布")
    assert rows["示例县民政局"] == ("未报送", "未发布")
    assert cli("check", tmp_path / "汇总.xlsx").exit_code == 0


OWED_AT = datetime(2024, 2, 5, 10)


def _county_in_every_state(tmp_path: Path, pages) -> Path:
    """The sample county's desk on 2024-02-05: 教育局 published its filed report, 财政局 a
    page with one figure changed, 公安局 only an address; 民政局 filed, not published;
    发展和改革委员会 returned on 01-20; 人社局 awaiting review; 自然资源局 sent a file that
    cannot be read; the seven others nothing."""
    import copy

    from desk_helpers import make_desk, reports

    from xltools.documents.publish import publish

    folder, _ = pages
    with clock(datetime(2024, 1, 2, 9)):
        desk = make_desk(tmp_path / "审核台").desk
    units = {"发改": "示例县发展和改革委员会", "公安": "示例县公安局", "民政": "示例县民政局",
             "人社": "示例县人力资源和社会保障局"}
    with clock(datetime(2024, 1, 10, 9)):
        for i, unit in enumerate([EDUCATION, FINANCE, *units.values()]):
            desk.add_files([workbook(tmp_path / f"{i}.xlsx", unit)], "office:cli:test")
        broken = tmp_path / "示例县自然资源局.xlsx"
        broken.write_bytes(b"not a workbook")
        desk.add_files([broken], "office:cli:test")
    for day, unit in ((15, EDUCATION), (16, FINANCE), (16, units["公安"]), (17, units["民政"])):
        with clock(datetime(2024, 1, day, 10)):
            desk.approve(desk.find_unit(unit), "office:cli:test")
    with clock(datetime(2024, 1, 20, 11)):
        desk.return_report(desk.find_unit(units["发改"]), "请补充第五部分。", "office:cli:test")
        page = folder / "教育局年报.html"
        desk.published(desk.find_unit(EDUCATION), URL, "2024-01-20", "unit:web:test", (page.read_bytes(), page.name))
    changed = copy.deepcopy(reports()[FINANCE])
    changed.values["proactive.penalty.decisions"] += 3
    publish(changed, tmp_path / "财政局年报.html")
    with clock(datetime(2024, 1, 21, 15)):
        made = desk.published(desk.find_unit(FINANCE), URL, None, "unit:web:test",
                              ((tmp_path / "财政局年报.html").read_bytes(), "财政局年报.html"))
        assert made.state == "differs" and len(made.differences) == 1
    with clock(datetime(2024, 1, 22, 9)):
        desk.published(desk.find_unit(units["公安"]), URL, "2024-01-22", "office:cli:test")
    return desk.folder


def test_desk_remind_lists_every_unit_still_owed_most_overdue_first(tmp_path, pages, cli):
    import openpyxl
    from desk_helpers import reports

    folder = _county_in_every_state(tmp_path, pages)
    with clock(OWED_AT):
        done = cli("desk", "remind", folder, "-o", tmp_path / "催报.xlsx")
    assert (done.exit_code, done.output) == (0, f"已写出催报单：{tmp_path / '催报.xlsx'}（12 个单位）\n")
    sheet = openpyxl.load_workbook(tmp_path / "催报.xlsx")["催报"]
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    phone = {u: r.meta["phone"] for u, r in reports().items()}
    parent, owed_submit = "示例县人民政府", ["报送年度报告", "2024-01-02", "2024-01-31", 5, None, None]

    def contact(unit):
        return ["示例填报人", phone[unit]]

    assert got == [
        ["示例县2023年度政府信息公开工作年度报告催报单（2024-02-05，12 个单位）"] + [None] * 8,
        ["序号", "单位", "上级单位", "欠报事项", "自何时", "截止日期", "逾期天数", "填报人", "联系电话"],
        [1, "示例县发展和改革委员会", parent, "按退回意见修改后重新报送", "2024-01-20", "2024-01-25", 11,
         *contact("示例县发展和改革委员会")],
        [2, "示例县人民政府办公室", parent, *owed_submit],
        [3, "示例县公安局", parent, "上传能核对的已发布报告（现在无法核对）", "2024-01-22", "2024-01-31", 5,
         *contact("示例县公安局")],
        [4, "示例县民政局", parent, "公开发布备案的报告，并上传已发布的报告", "2024-01-17", "2024-01-31", 5,
         *contact("示例县民政局")],
        [5, FINANCE, parent, "更正发布的报告（与备案不一致：1 处），并重新上传", "2024-01-21", "2024-01-31", 5,
         *contact(FINANCE)],
        [6, "示例县自然资源局", parent, "报送年度报告（收到的文件无法读取）", "2024-01-02", "2024-01-31", 5,
         None, None],
        *[[n, unit, parent, *owed_submit] for n, unit in enumerate(
            ["示例县住房和城乡建设局", "示例县城关镇人民政府", "示例县东岭镇人民政府", "示例县西河乡人民政府",
             "示例县南山街道办事处", "示例县北坡镇人民政府"], start=7)],
    ]
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "landscape", 1, 0)
    assert sheet.print_title_rows == "$2:$2"


def test_the_board_button_downloads_the_list_of_units_owed(tmp_path, pages, checker):
    import io
    from urllib.parse import unquote

    import openpyxl

    client, desk, _ = _office(tmp_path, checker)
    assert '<a class="button secondary" href="/office/remind.xlsx" id="remind">下载催报单（.xlsx）</a>' in \
        client.get("/office").text
    got = client.get("/office/remind.xlsx")
    assert got.status_code == 200
    day = today()
    assert unquote(got.headers["content-disposition"]).endswith(f"filename*=utf-8''催报-{day}.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(got.content))["催报"]
    units = [r[1] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert units[:2] == ["示例县人民政府办公室", "示例县发展和改革委员会"]
    assert sheet.max_row == 2 + 12  # every unit but the two awaiting review
    assert not list(desk.path("marked").glob("remind-*"))  # made for the download, not kept
    client.cookies.clear()
    assert client.get("/office/remind.xlsx").headers["location"] == "/office/login"


def test_the_unit_hands_in_its_published_page_in_a_browser(server, browser, pages, tmp_path):  # noqa: F811
    from desk_helpers import token
    from selenium.webdriver.common.by import By
    from test_desk_browser import _shots, _upload, _wait_text

    folder, was = pages
    made, base = server
    unit_url = f"{base}/u/{token(made.desk.folder, EDUCATION)}"
    browser.get(unit_url)
    _upload(browser, workbook(tmp_path / "教育局年报.xlsx"))
    _wait_text(browser, "第 1 版：检查通过")
    browser.get(f"{base}/office")
    browser.find_element(By.ID, "password").send_keys(made.password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_text(browser, "示例县2023年度年报报送情况")
    browser.find_element(By.LINK_TEXT, EDUCATION).click()
    _wait_text(browser, "备案第 1 版")
    browser.find_element(By.ID, "approve").click()
    _wait_text(browser, "记录发布")

    # the unit: its page offers the upload once filed; it hands in the page it put online
    browser.get(unit_url)
    _wait_text(browser, "上传已发布的报告")
    browser.find_element(By.ID, "url").send_keys(URL)
    browser.find_element(By.ID, "page").send_keys(str(folder / "改了一个数.docx"))
    browser.find_element(By.ID, "hand-in").click()
    _wait_text(browser, "已发布（与备案不一致：1 处）")
    assert f"二、主动公开!B5 第二十条第（一）项 / 规章 / 本年制发件数 {was} {was + 1}" in \
        browser.find_element(By.ID, "differences").text.replace("\n", " ")
    _shots(browser, tmp_path, "publication-unit")

    # the office: the board's column, chips and filter
    browser.get(f"{base}/office")
    _wait_text(browser, "不一致 1")
    browser.find_element(By.ID, "filter-differs").click()
    _wait_text(browser, "已发布（与备案不一致：1 处）")
    rows = browser.find_elements(By.CSS_SELECTOR, "#board tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td.lead a").text for r in rows] == [EDUCATION]
    assert rows[0].find_element(By.CSS_SELECTOR, "td.publication").text == "已发布（与备案不一致：1 处）"
    _shots(browser, tmp_path, "publication-board")


def test_a_comparison_that_crashes_records_nothing_and_says_where_its_log_is(filed, pages, cli):
    from xltools.desk.checking import CheckCrashed
    from xltools.desk.service import Desk
    from xltools.desk.settings import DeskError

    folder, _ = pages
    desk = Desk(filed)
    page = folder / "教育局年报.html"

    def crashing(fn, *args):
        raise CheckCrashed("BrokenProcessPool: a worker died")

    with pytest.raises(DeskError) as refused:
        desk.published(desk.find_unit(EDUCATION), URL, None, "unit:web:test", (page.read_bytes(), page.name), crashing)
    [log] = (filed / "logs").iterdir()
    assert refused.value.message() == (
        f"核对发布的报告时程序出错（不是你单位的错误），这次上传未记录；请稍后再试，或把文件发给县政务公开办（记录：{log.name}）")
    assert "BrokenProcessPool" in log.read_text(encoding="utf-8")
    assert _publication(cli, filed)["state_key"] == "unpublished"
    assert not (filed / "publications").exists() and not list((filed / "incoming").iterdir())


def test_desk_status_says_the_publication_state_as_the_board_does(filed, pages, cli):
    """`desk status`'s text form: 已发布 with what the check of the published page found,
    the words the board's column shows, never a plain 已发布 that hides a different report."""
    from xltools.desk.settings import shown_time

    folder, _ = pages
    unit = next(u for u in json.loads(cli("desk", "status", filed, "-f", "json").output) if u["unit"] == EDUCATION)
    version = f"第 1 版 {shown_time(unit['last_upload'])}，检查通过"
    late = "  逾期报送"  # uploaded today, long after 2023's deadline

    def line(*given) -> str:
        if given:
            cli("desk", "published", filed, "教育局", "--url", URL, "--date", "2024-01-20", *given)
        said = cli("desk", "status", filed).output.splitlines()
        return next(s for s in said if s.startswith(f"  {EDUCATION}  "))

    assert line() == f"  {EDUCATION}  已备案  {version}  逾期未发布、逾期报送"  # the publish deadline passed too
    assert line("--file", folder / "教育局年报.html") == f"  {EDUCATION}  已发布（与备案一致）  {version}{late}"
    assert line("--file", folder / "改了一个数.docx") == f"  {EDUCATION}  已发布（与备案不一致：1 处）  {version}{late}"
    assert line("--date", "2024-01-21") == (
        f"  {EDUCATION}  已发布（无法核对：没有上传发布的报告，只记录了网址）  {version}{late}")
    english = cli("desk", "status", filed, "--lang", "en").output.splitlines()
    assert f"  {EDUCATION}  published (cannot be verified: only the address was recorded, not the published page)  " \
           f"version 1 {shown_time(unit['last_upload'])}, passed  submitted late" in english
