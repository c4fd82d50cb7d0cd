"""The review desk at the command line and in its ledger: a real SQLite file, real
workbooks, real checks; outputs as the office reads them."""
from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import stat
from datetime import date, datetime, timedelta

import docx
import openpyxl
import pytest
from desk_helpers import EDUCATION, FINANCE, clock, workbook, write_roster

from xltools.desk.ledger import Event, Unit, Version
from xltools.desk.service import Desk
from xltools.desk.settings import tz
from xltools.desk.standing import Deadlines, standing


@pytest.fixture
def desk_dir(tmp_path, cli):
    folder = tmp_path / "审核台"
    result = cli("desk", "init", folder, "--roster", write_roster(tmp_path / "名册.csv"), "--year", 2023,
                 "--unit", "示例县", "--submit-by", "2024-01-31")
    assert result.exit_code == 0, result.output
    return folder


def test_init_gives_each_unit_a_private_link_and_the_office_a_password_once(tmp_path, cli):
    folder = tmp_path / "审核台"
    result = cli("desk", "init", folder, "--roster", write_roster(tmp_path / "名册.csv"), "--year", 2023,
                 "--base-url", "http://10.0.0.5:8000")
    assert (result.exit_code, result.stderr) == (0, "")  # links other computers open: no warning
    lines = result.output.splitlines()
    assert lines[0] == f"已建立审核台：{folder}（2023年度，14 个单位；报送截止 2024-01-31，发布截止 2024-01-31）"
    assert lines[1] == f"各单位的上传链接：{folder / '单位链接.csv'}"
    asked = lines.index("管理员密码（只显示这一次，请记下；忘记时用 xltools desk password 重设）：")
    password = lines[asked + 1].strip()
    assert len(password.replace("-", "")) == 16
    with (folder / "单位链接.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["单位名称"] for r in rows][:3] == ["示例县人民政府办公室", "示例县发展和改革委员会", "示例县教育局"]
    assert {r["类型"] for r in rows} == {"部门", "乡镇"}
    tokens = [r["链接"].removeprefix("http://10.0.0.5:8000/u/") for r in rows]
    assert len(set(tokens)) == 14 and all(len(t) >= 32 for t in tokens)  # 24 random bytes: 192 bits
    raw = (folder / "desk.sqlite").read_bytes()
    assert password.encode() not in raw and not any(t.encode() in raw for t in tokens)  # hashes only
    d = Desk(folder)
    assert d.check_password(password) and d.check_password(password.replace("-", "").upper())
    assert not d.check_password("wrong")
    with sqlite3.connect(folder / "desk.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = cli("desk", "init", folder, "--roster", tmp_path / "名册.csv", "--year", 2023)
    assert (again.exit_code, again.output) == (2, f"xltools: {folder} 中已有审核台，未改动；每年请用一个新的文件夹\n")


def test_the_whole_cycle_at_the_command_line(desk_dir, tmp_path, soffice, cli):
    wrong = workbook(tmp_path / "教育局年报.xlsx", mistake=True)
    added = cli("desk", "add", desk_dir, wrong)
    assert (added.exit_code, added.output) == (0, f"已收下：{wrong} → {EDUCATION} 第 1 版（1 个错误，1 个警告）\n")
    returned = cli("desk", "return", desk_dir, "教育局")
    assert returned.exit_code == 0
    note = returned.output.splitlines()
    assert note[:3] == [f"已退回 {EDUCATION} 的第 1 版，意见如下：", f"{EDUCATION}：", note[2]]
    assert "报送的2023年度政府信息公开工作年度报告（第 1 版）经检查，有以下问题" in note[2]
    assert note[3:] == [
        "一、必须改正的错误（1 处）：",
        "1. 【四、复议诉讼!E6】四、复议诉讼!E6（行政复议 / 总计）应为 3（A6+B6+C6+D6 = 1+0+0+2），实际为 4。"
        "修改方法：把 四、复议诉讼!E6 改为 3（或恢复公式：在该格输入 =SUM(A6:D6)，或运行 xltools fill），"
        "或核对各项数字。",
        "二、请核实的问题（1 处；确属实际情况的，请在“审核说明”表中写明理由）：",
        "1. 【四、复议诉讼!E6】正文“因政府信息公开被申请行政复议3件，被提起行政诉讼2件。”写的是 3，"
        "而表格 四、复议诉讼!E6（行政复议 / 总计）为 4。"
        "修改方法：核对正文和表格，改正错误的一方。",
        "每个问题的位置已在“检查结果”中标出：上传页面可下载标注了问题的工作簿。"]
    assert cli("desk", "note", desk_dir, "教育局", "-o", tmp_path / "退回意见.docx").exit_code == 0
    paragraphs = [p.text for p in docx.Document(tmp_path / "退回意见.docx").paragraphs]
    assert paragraphs == ["政府信息公开工作年度报告退回意见", *note[1:]]
    pdf = soffice(tmp_path / "退回意见.docx", "pdf")  # Word's reader opens it
    assert pdf.stat().st_size > 1000
    refused = cli("desk", "approve", desk_dir, "教育局")
    assert (refused.exit_code, refused.output) == (
        2, f"xltools: {EDUCATION} 的第 1 版有 1 个错误，不能备案；请退回修改\n")

    fixed = workbook(tmp_path / "教育局年报-改.xlsx")
    assert cli("desk", "add", desk_dir, fixed).output == f"已收下：{fixed} → {EDUCATION} 第 2 版（检查通过）\n"
    with clock(datetime(2024, 1, 18, 9, 30)):
        assert cli("desk", "approve", desk_dir, EDUCATION).output == f"已备案：{EDUCATION} 第 2 版\n"
    late = cli("desk", "add", desk_dir, fixed)
    assert (late.exit_code, late.output) == (
        1, f"未收下：{fixed}：报告已备案，不能再上传；如需修改，请联系县政务公开办退回\n")
    published = cli("desk", "published", desk_dir, "教育局", "--url", "https://www.example.gov.cn/nb2023.html",
                    "--date", "2024-01-20")
    assert published.output == f"已记录发布：{EDUCATION}，2024-01-20，https://www.example.gov.cn/nb2023.html\n"
    cli("desk", "add", desk_dir, workbook(tmp_path / "财政局.xlsx", FINANCE))

    status = json.loads(cli("desk", "status", desk_dir, "-f", "json").output)
    by_unit = {u["unit"]: u for u in status}
    assert {k: by_unit[EDUCATION][k] for k in ("status", "status_key", "versions", "approved_version", "published",
                                               "errors", "score", "late")} == {
        "status": "已发布", "status_key": "published", "versions": 2, "approved_version": 2, "errors": 0,
        "published": {"url": "https://www.example.gov.cn/nb2023.html", "date": "2024-01-20"},
        "score": {"points": 20, "of": 20, "deductions": []},
        "late": ["submit"]}  # today is long past the deadline of 2023's reports
    assert by_unit[FINANCE]["status"] == "待审核"
    assert status[0]["overdue"] == ["submit", "publish"]  # the deadlines are long past: overdue first

    merged = cli("desk", "merge", desk_dir, "-o", tmp_path / "汇总.xlsx")
    assert merged.exit_code == 1  # written, but most units are not in it
    assert merged.output.splitlines()[:2] == [
        f"已写入汇总表 {tmp_path / '汇总.xlsx'}（示例县，2023年）：汇总 1 个已备案单位。",
        "未备案 13 个（上报情况中写明）："]
    assert f"  {FINANCE}  未备案  审核台状态：待审核（1 个版本，没有备案）" in merged.output.splitlines()
    rows = {r[0]: r for r in openpyxl.load_workbook(tmp_path / "汇总.xlsx")["上报情况"]
            .iter_rows(min_row=2, values_only=True)}
    assert rows[EDUCATION][2] == "已汇总"
    assert rows[FINANCE][2:6] == ("未备案", None, None, "审核台状态：待审核（1 个版本，没有备案）")
    assert rows["示例县民政局"][2] == "未报送"
    assert cli("check", tmp_path / "汇总.xlsx").exit_code == 0

    text = cli("desk", "status", desk_dir).output.splitlines()
    assert text[1] == "报送截止 2024-01-31，发布截止 2024-01-31，退回后 5 日内重报"
    assert f"  {EDUCATION}  已发布（无法核对：没有上传发布的报告，只记录了网址）  第 2 版 " in "\n".join(text)


def test_versions_are_kept_by_hash_and_never_changed(desk_dir, tmp_path, cli):
    path = workbook(tmp_path / "我的年报.xlsx")
    copy = tmp_path / "我的年报 - 副本.xlsx"
    copy.write_bytes(path.read_bytes())
    changed = workbook(tmp_path / "改过.xlsx", mistake=True)
    assert cli("desk", "add", desk_dir, copy).output == f"已收下：{copy} → 示例县教育局 第 1 版（检查通过）\n"
    for _ in range(2):  # the same bytes again, under any name: no new version
        result = cli("desk", "add", desk_dir, path)
        assert result.exit_code == 0
        assert result.output == f"{path} → 示例县教育局：与第 1 版内容完全相同，未另存新版\n"
    cli("desk", "add", desk_dir, changed)
    result = cli("desk", "add", desk_dir, path)  # back to the first: a new version, said to be the first again
    assert result.output == f"已收下：{path} → 示例县教育局 第 3 版（检查通过；与第 1 版内容完全相同）\n"
    d = Desk(desk_dir)
    versions = d.ledger.versions()
    assert [v.number for v in versions] == [1, 2, 3] and versions[0].sha256 == versions[2].sha256
    stored = desk_dir / versions[0].stored
    assert stored.name == hashlib.sha256(path.read_bytes()).hexdigest() + ".xlsx"
    assert stored.read_bytes() == path.read_bytes()
    assert not stat.S_IMODE(stored.stat().st_mode) & 0o222  # read-only
    assert not list(desk_dir.rglob("我的年报*"))
    with sqlite3.connect(desk_dir / "desk.sqlite") as conn:
        for sql in ("UPDATE versions SET errors = 0", "DELETE FROM versions", "UPDATE events SET note = 'x'",
                    "DELETE FROM events"):
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(sql)
    kinds = [e.kind for e in d.ledger.events()]
    assert kinds == ["created", "submitted", "submitted", "submitted"]
    assert all(e.who == "office:cli:" + e.who.split(":", 2)[2] for e in d.ledger.events())


def test_what_add_does_not_receive_is_said(desk_dir, tmp_path, cli):
    other_year = workbook(tmp_path / "去年.xlsx", year=2022)
    stranger = tmp_path / "外县.xlsx"
    report = workbook(tmp_path / "x.xlsx")
    from xltools import read, write

    r = read(report)
    r.meta.update(unit="外县某局", credit_code=None)
    write(r, stranger)
    xls = tmp_path / "旧格式.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = cli("desk", "add", desk_dir, other_year, stranger, xls)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"未收下：{other_year}：工作簿封面的报告年度是 2022，这里收的是 2023 年度的报告",
        f"未收下：{stranger}：封面上的单位“外县某局”不在名册中",
        f"未收下：{xls}：文件无法读取：文件是旧版 Excel 97-2003 格式（.xls）。"
        "修改：请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（*.xlsx）”再报送。"]
    assert Desk(desk_dir).ledger.versions() == []
    assert [e.kind for e in Desk(desk_dir).ledger.events()] == ["created", "refused", "refused", "refused"]


@pytest.mark.parametrize("args, said", [
    (["status", "{tmp}"], "xltools: {tmp} 不是审核台文件夹（没有 desk.sqlite）；请先运行 xltools desk init"),
    (["approve", "{desk}", "卫健委"], "xltools: 名册中没有“卫健委”（可写单位名称、其中一段或统一社会信用代码）"),
    (["approve", "{desk}", "镇"],
     "xltools: “镇”可指多个单位：示例县城关镇人民政府、示例县东岭镇人民政府、示例县北坡镇人民政府；请写得更完整"),
    (["approve", "{desk}", "教育局"], "xltools: 示例县教育局 还没有报送任何版本"),
    (["return", "{desk}", "教育局"], "xltools: 示例县教育局 还没有报送任何版本"),
    (["published", "{desk}", "教育局", "--url", "https://a.gov.cn", "--date", "2024-01-02"],
     "xltools: 示例县教育局 的报告尚未备案（现在：未报送），先备案后公布"),
    (["merge", "{desk}", "-o", "{tmp}/s.xlsx"], "xltools: 还没有备案的报告，没有可以汇总的"),
    (["merge", "{desk}", "-o", "{tmp}/s.csv"], "xltools: {tmp}/s.csv：请写成 .xlsx 文件"),
    (["note", "{desk}", "教育局", "-o", "{tmp}/n.docx"], "xltools: 示例县教育局 还没有报送任何版本"),
])
def test_what_the_desk_cannot_do_is_one_line(desk_dir, tmp_path, args, said, cli):
    result = cli("desk", *[a.format(tmp=tmp_path, desk=desk_dir) for a in args])
    assert (result.exit_code, result.output) == (2, said.format(tmp=tmp_path) + "\n")


def test_publication_needs_an_address_and_a_date(desk_dir, tmp_path, cli):
    cli("desk", "add", desk_dir, workbook(tmp_path / "a.xlsx"))
    assert cli("desk", "approve", desk_dir, "教育局", "--version", "1").exit_code == 0
    for url, day, said in [("www.a.gov.cn", "2024-01-02",
                            "发布地址“www.a.gov.cn”不是网址（应以 http:// 或 https:// 开头）"),
                           ("https://a.gov.cn/x", "2024年1月2日", "发布日期“2024年1月2日”应写成 2024-01-31 这样"),
                           ("https://a.gov.cn/x", "2099-01-02", "发布日期 2099-01-02 不在 2023-01-01 至 ")]:
        result = cli("desk", "published", desk_dir, "教育局", "--url", url, "--date", day)
        assert result.exit_code == 2 and result.output.startswith("xltools: " + said), result.output


def test_a_return_names_the_version_it_saw(desk_dir, tmp_path, cli):
    cli("desk", "add", desk_dir, workbook(tmp_path / "a.xlsx", mistake=True))
    cli("desk", "add", desk_dir, workbook(tmp_path / "b.xlsx"))
    result = cli("desk", "return", desk_dir, "教育局", "--version", "1", "--note", "请补充")
    assert result.output == "xltools: 示例县教育局 的第 1 版已不是最新版（最新是第 2 版），请先查看最新版\n"
    nothing = cli("desk", "return", desk_dir, "教育局")
    assert nothing.output == "xltools: 示例县教育局 的最新版检查没有发现问题，退回时请写明原因（--note）\n"
    done = cli("desk", "return", desk_dir, "教育局", "--note", "第五部分请写具体。")
    assert done.output == f"已退回 {EDUCATION} 的第 2 版，意见如下：\n第五部分请写具体。\n"
    assert cli("desk", "return", desk_dir, "教育局", "--note", "x").output == \
        "xltools: 示例县教育局 的报告已退回，正等待单位重新报送\n"


def test_a_new_password_replaces_the_old(desk_dir, cli):
    result = cli("desk", "password", desk_dir)
    new = result.output.split("：")[-1].strip()
    assert Desk(desk_dir).check_password(new)
    assert [e.kind for e in Desk(desk_dir).ledger.events()][-1] == "password"


def test_english_on_request(desk_dir, cli):
    result = cli("desk", "status", desk_dir, "--lang", "en")
    assert result.output.splitlines()[0].startswith("Review desk 示例县 2023, at ")
    assert "  示例县人民政府办公室  not submitted  nothing uploaded  not submitted, overdue, not published, overdue" \
        in result.output.splitlines()


# --- statuses and deadlines follow from the events alone

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=tz())
UNIT = Unit(1, 1, "", "某镇", "", "")
DEADLINES = Deadlines(date(2024, 1, 31), date(2024, 1, 31), 5)


def _version(i: int) -> Version:
    return Version(i, 1, i, "0" * 64, "", "", 0, T0.isoformat(), "", 0, 0, 0, {"findings": []}, None)


def _event(i: int, kind: str, days: int, version: int | None = 1, **kw) -> Event:
    return Event(i, 1, version, kind, kw.get("note"), kw.get("url"), kw.get("date"), None, "",
                 (T0 + timedelta(days=days)).isoformat())


@pytest.mark.parametrize("events, at, status, overdue, late", [
    ([], 0, "unsubmitted", [], []),
    ([], 30, "unsubmitted", ["submit", "publish"], []),
    ([("submitted", 0)], 1, "pending", [], []),
    ([("submitted", 0), ("returned", 1)], 7, "returned", ["fix"], []),
    ([("submitted", 0), ("returned", 1), ("submitted", 5)], 7, "pending", [], []),
    ([("submitted", 0), ("returned", 1), ("submitted", 8)], 9, "pending", [], ["fix"]),
    ([("submitted", 25)], 26, "pending", ["publish"], ["submit"]),
    ([("submitted", 0), ("approved", 2)], 22, "approved", ["publish"], []),
    ([("submitted", 0), ("approved", 2), ("published", 3)], 40, "published", [], []),
    ([("submitted", 0), ("approved", 2), ("published", 30)], 40, "published", [], ["publish"]),
    ([("submitted", 0), ("approved", 2), ("returned", 3)], 4, "returned", [], []),
])
def test_status_and_deadlines(events, at, status, overdue, late):
    made = [_event(i, kind, days, date=(T0 + timedelta(days=days)).date().isoformat() if kind == "published" else None)
            for i, (kind, days) in enumerate(events, start=1)]
    s = standing(UNIT, [_version(1)], made, DEADLINES, T0 + timedelta(days=at))
    assert (s.status, s.overdue, s.late) == (status, overdue, late)


LOCAL = ["注意：各单位的链接以 http://127.0.0.1:8000 开头，只有本机能打开，其他电脑上的单位打不开这些链接。",
         "  请改用本机在单位内网中的地址：xltools desk links {folder} --base-url http://<本机内网地址>:8000",
         "  并用 xltools serve {folder} --host 0.0.0.0 启动网页。"]


def _links(folder) -> list[str]:
    with (folder / "单位链接.csv").open(encoding="utf-8-sig", newline="") as fh:
        return [row["链接"] for row in csv.DictReader(fh)]


def test_links_only_this_computer_opens_are_said_and_rewritten_for_the_intranet(tmp_path, cli):
    # issue 24 (2.11): init without --base-url wrote 127.0.0.1 links with no word of it
    folder = tmp_path / "审核台"
    made = cli("desk", "init", folder, "--roster", write_roster(tmp_path / "名册.csv"), "--year", 2023)
    assert made.exit_code == 0
    assert made.stderr.splitlines() == [line.format(folder=folder) for line in LOCAL]
    before = _links(folder)
    assert all(link.startswith("http://127.0.0.1:8000/u/") for link in before)

    moved = cli("desk", "links", folder, "--base-url", "http://10.1.2.3:8000/")
    assert (moved.exit_code, moved.output) == (
        0, f"已把 14 个单位的链接改为以 http://10.1.2.3:8000 开头：{folder / '单位链接.csv'}\n"
           "  链接中的令牌没有变；请把新的链接发给各单位。\n")
    after = _links(folder)
    assert after == [link.replace("http://127.0.0.1:8000", "http://10.1.2.3:8000") for link in before]
    d = Desk(folder)
    assert d.base_url == "http://10.1.2.3:8000" and d.ledger.events()[-1].kind == "links"
    # the links sent still open the unit's page
    assert d.unit_by_token(after[2].rsplit("/", 1)[1], "testclient").name == EDUCATION

    again = cli("desk", "links", folder, "--base-url", "http://localhost:8000")
    assert again.exit_code == 0
    assert again.stderr.splitlines()[0].startswith("注意：各单位的链接以 http://localhost:8000 开头")
    for url in ("10.1.2.3:8000", "ftp://10.1.2.3", "http://"):
        refused = cli("desk", "links", folder, "--base-url", url)
        assert (refused.exit_code, refused.output) == (
            2, f"xltools: “{url}”不能作为链接的开头，"
               "应写成 http://10.1.2.3:8000 这样（本机在单位内网中的地址和端口）\n")
    (folder / "单位链接.csv").unlink()
    gone = cli("desk", "links", folder, "--base-url", "http://10.1.2.3:8000")
    assert (gone.exit_code, gone.output) == (
        2, f"xltools: {folder / '单位链接.csv'} 不在了：各单位的链接只保存在这个文件中"
           "（台账只存其摘要），无法重写；请从备份中找回这个文件\n")


def test_links_saved_again_by_excel_are_rewritten(desk_dir, cli):
    """Excel on Chinese Windows saves a CSV it opened in GBK: the links are read all the same."""
    path = desk_dir / "单位链接.csv"
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("gbk") + b",,,,\r\n\r\n")  # and its empty rows
    moved = cli("desk", "links", desk_dir, "--base-url", "https://nb.example.gov.cn")
    assert moved.exit_code == 0 and moved.output.startswith("已把 14 个单位的链接改为以 https://nb.example.gov.cn 开头")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 14
    assert rows[2]["单位名称"] == EDUCATION and rows[2]["链接"].startswith("https://nb.example.gov.cn/u/")


def test_a_publication_dated_before_the_filing_is_refused(desk_dir, tmp_path, cli):
    # issue 24 (2.11): 先备案后公布, by the dates too
    cli("desk", "add", desk_dir, workbook(tmp_path / "a.xlsx"))
    with clock(datetime(2024, 1, 18, 16, 45)):
        assert cli("desk", "approve", desk_dir, "教育局").exit_code == 0
    early = cli("desk", "published", desk_dir, "教育局", "--url", "https://a.gov.cn/nb.html", "--date", "2024-01-17")
    assert (early.exit_code, early.output) == (
        2, f"xltools: 发布日期 2024-01-17 早于 {EDUCATION} 的备案日期 2024-01-18：先备案后公布，请核对发布日期\n")
    same_day = cli("desk", "published", desk_dir, "教育局", "--url", "https://a.gov.cn/nb.html", "--date", "2024-01-18")
    assert same_day.exit_code == 0


def test_a_unit_whose_file_could_not_be_read_is_accounted_for_until_it_sends_one(desk_dir, tmp_path, cli):
    """A file that arrived but could not be read (named after its unit, as merge matches
    such a file) gives the unit a status of its own, with the file, when and why, in
    desk status and in desk merge's 上报情况; it still owes its report; a readable upload
    supersedes it."""
    xls = tmp_path / f"{EDUCATION}.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    why = "F4 文件是旧版 Excel 97-2003 格式（.xls）。"
    with clock(datetime(2024, 1, 10, 9, 30)):
        added = cli("desk", "add", desk_dir, xls, workbook(tmp_path / "财政局.xlsx", FINANCE))
    assert added.exit_code == 1
    assert added.output.splitlines()[0] == (
        f"未收下：{xls}：文件无法读取：文件是旧版 Excel 97-2003 格式（.xls）。"
        "修改：请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（*.xlsx）”再报送。")

    by_unit = {u["unit"]: u for u in json.loads(cli("desk", "status", desk_dir, "-f", "json").output)}
    assert {k: by_unit[EDUCATION][k] for k in ("status", "status_key", "versions", "unread", "due", "overdue")} == {
        "status": "文件无法读取", "status_key": "unreadable", "versions": 0,
        "unread": {"file": f"{EDUCATION}.xls", "at": by_unit[EDUCATION]["unread"]["at"], "why": why},
        "due": "2024-01-31", "overdue": ["submit", "publish"]}  # still owed: no report was received
    assert by_unit[EDUCATION]["unread"]["at"].startswith("2024-01-10T09:30")
    assert by_unit["示例县民政局"]["status"] == "未报送" and by_unit["示例县民政局"]["unread"] is None
    english = {u["unit"]: u for u in json.loads(cli("desk", "status", desk_dir, "-f", "json", "--lang", "en").output)}
    assert (english[EDUCATION]["status"], english[EDUCATION]["unread"]["why"]) == (
        "file cannot be read", "F4 The file is an old Excel 97-2003 workbook (.xls).")
    text = cli("desk", "status", desk_dir).output
    assert f"  {EDUCATION}  文件无法读取  收到的文件无法读取：{EDUCATION}.xls（2024-01-10 09:30），{why}" in text
    assert "文件无法读取 1" in text.splitlines()[0]

    assert cli("desk", "approve", desk_dir, FINANCE).exit_code == 0
    merged = cli("desk", "merge", desk_dir, "-o", tmp_path / "汇总.xlsx")
    assert (f"  {EDUCATION}  无法读取  收到了这个单位的文件，但无法读取：{EDUCATION}.xls：{why}"
            in merged.output.splitlines())
    book = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    rows = {r[0]: r for r in book["上报情况"].iter_rows(min_row=2, values_only=True)}
    assert rows[EDUCATION][2:7] == ("无法读取", 1, None, f"收到了这个单位的文件，但无法读取：\n{EDUCATION}.xls：{why}",
                                    f"{EDUCATION}.xls")
    sources = {r[0]: r for r in book["来源"].iter_rows(min_row=2, values_only=True)}
    assert sources[f"{EDUCATION}.xls"][4:] == ("2024-01-10 09:30", "无法读取", why)

    assert cli("desk", "add", desk_dir, workbook(tmp_path / "教育局年报.xlsx")).exit_code == 0
    again = {u["unit"]: u for u in json.loads(cli("desk", "status", desk_dir, "-f", "json").output)}
    assert (again[EDUCATION]["status"], again[EDUCATION]["unread"]) == ("待审核", None)


def test_a_lock_file_in_the_offices_folder_is_said_there_and_not_kept_with_the_version(desk_dir, tmp_path, cli):
    """issue 24: Excel's ~$ file beside a workbook in the folder given to desk add is
    the county's own inbox: said on its terminal, not an F8 on the unit's version."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    workbook(inbox / "示例县教育局.xlsx")
    (inbox / "~$示例县教育局.xlsx").write_bytes(b"x" * 165)
    result = cli("desk", "add", desk_dir, inbox)
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == [
        f"已收下：{inbox / '示例县教育局.xlsx'} → 示例县教育局 第 1 版（检查通过）",
        "  注意（本机的情况，不记入该版本）：文件可能正在 Excel 或 WPS 中打开（有锁定文件 ~$示例县教育局.xlsx），"
        "读取的是最后一次保存的内容。修改：请先在 Excel 中保存并关闭文件，再检查。"]
    [version] = Desk(desk_dir).ledger.versions()
    assert (version.warnings, [f["rule"] for f in version.result["findings"]]) == (0, [])


def test_desk_merge_names_each_file_as_the_unit_sent_it_with_its_version(desk_dir, tmp_path, cli):
    """issue 24: 上报情况, 质量评分 and 来源 name the approved version by the name its
    unit gave it and its number, not by the desk's store (versions/aa/aa8c….xlsx)."""
    cli("desk", "add", desk_dir, workbook(tmp_path / "教育局年报.xlsx", mistake=True))
    fixed = workbook(tmp_path / "教育局-补全.xlsx")
    cli("desk", "add", desk_dir, fixed)
    with clock(datetime(2024, 1, 18, 9, 30)):
        assert cli("desk", "approve", desk_dir, EDUCATION).exit_code == 0
    assert cli("desk", "merge", desk_dir, "-o", tmp_path / "汇总.xlsx").exit_code == 1  # 13 units not in
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx")
    said = "教育局-补全.xlsx（第 2 版）"
    status = {r[0]: r for r in wb["上报情况"].iter_rows(min_row=2, values_only=True)}
    quality = {r[0]: r for r in wb["质量评分"].iter_rows(min_row=2, values_only=True)}
    sources = [r for r in wb["来源"].iter_rows(min_row=2, values_only=True)]
    assert status[EDUCATION][6] == said and quality[EDUCATION][6] == said
    assert [r[0] for r in sources] == [said]
    assert sources[0][2] == hashlib.sha256(fixed.read_bytes()).hexdigest()


def test_desk_merge_with_last_years_summary_drafts_the_change_as_merge_does(desk_dir, tmp_path, cli):
    """A county that works through the desk gets what `xltools merge --previous` gives:
    the change in the drafted text, both years in 图表, and compare's findings."""
    from conftest import SAMPLE_COUNTY

    from samples import sample_county
    from xltools import read, write

    (tmp_path / "2022").mkdir()
    for r in sample_county(year=2022, seed=2022):
        write(r, tmp_path / "2022" / f"{r.unit}.xlsx")
    cli("merge", tmp_path / "2022", "-o", tmp_path / "2022.xlsx", "--unit", "示例县")
    files = sorted(SAMPLE_COUNTY.glob("*.xlsx"))
    assert cli("desk", "add", desk_dir, *files).exit_code == 0
    for f in files:
        assert cli("desk", "approve", desk_dir, f.stem).exit_code == 0
    merged = cli("desk", "merge", desk_dir, "-o", tmp_path / "汇总.xlsx", "--previous", tmp_path / "2022.xlsx")
    assert merged.exit_code == 0, merged.output
    assert "比较：上年报告与本年报告（示例县，2022 年 → 2023 年）" in merged.output.splitlines()
    assert "较上年" in read(tmp_path / "汇总.xlsx").text["overview.requests"]
    assert "C3" not in merged.output  # merge's own drafts are not the county's copied text
    wrong = cli("desk", "merge", desk_dir, "-o", tmp_path / "汇总2.xlsx", "--previous", tmp_path / "汇总.xlsx")
    assert wrong.exit_code == 2 and not (tmp_path / "汇总2.xlsx").exists()


# --- issue 26 item 5: the office's decision and a unit's upload at the same moment


def _upload_first(desk, send):
    """The ledger's next write transaction is opened only after `send` ran: an upload
    arriving at the very moment the office's decision is about to be recorded."""
    real = desk.ledger.write

    def write():
        desk.ledger.write = real
        send()
        return real()

    desk.ledger.write = write


def test_an_upload_at_the_moment_of_approval_is_never_answered_with_an_older_version_filed(tmp_path):
    from desk_helpers import make_desk

    from xltools.desk.checking import check_file
    from xltools.desk.settings import DeskError

    desk = make_desk(tmp_path / "审核台").desk
    unit = desk.find_unit(EDUCATION)
    check = lambda path: check_file(str(path))  # noqa: E731
    first = desk.receive(unit, workbook(tmp_path / "1.xlsx").read_bytes(), "1.xlsx", "unit:test", check)
    assert first.version.number == 1
    newer = workbook(tmp_path / "2.xlsx", explained="属实").read_bytes()
    received = []
    _upload_first(desk, lambda: received.append(desk.receive(unit, newer, "2.xlsx", "unit:test", check)))
    with pytest.raises(DeskError) as refused:
        desk.approve(unit, "office:test", 1)  # the version the office's page showed
    assert refused.value.message("zh") == f"{EDUCATION} 的第 1 版已不是最新版（最新是第 2 版），请先查看最新版"
    assert refused.value.message("en") == f"Version 1 of {EDUCATION} is no longer the latest (version 2 is); " \
                                          "look at the latest first"
    assert (received[0].refusal, received[0].version.number) == (None, 2)
    st = desk.standing(unit)
    assert (st.status, st.current.number, st.approved) == ("pending", 2, None)  # the unit's word holds

    # the other way round: filed while an upload was being checked, the upload is refused, the filing stands
    def check_then_file(path):
        desk.approve(unit, "office:test", 2)
        return check(path)

    late = desk.receive(unit, workbook(tmp_path / "3.xlsx", explained="属实，见说明").read_bytes(), "3.xlsx",
                        "unit:test", check_then_file)
    assert (late.version, late.message()) == (None, "报告已备案，不能再上传；如需修改，请联系县政务公开办退回")
    st = desk.standing(unit)
    assert (st.status, st.current.number, st.approved.number) == ("approved", 2, 2)


# --- issue 26 item 2: a cover naming one unit by its name and another by its code

POLICE = "示例县公安局"


def _posing(path, unit: str = EDUCATION, name: str = POLICE, code: str | None = None):
    """`unit`'s sample report with its cover's 单位名称 typed as `name` (and its code as `code`)."""
    from desk_helpers import reports

    from xltools import write

    report = reports()[unit]
    report.meta["unit"] = name
    if code is not None:
        report.meta["credit_code"] = code
    write(report, path)
    return path


def test_a_cover_naming_two_units_or_another_unit_is_refused_naming_both(tmp_path, cli):
    from desk_helpers import make_desk

    from xltools.desk.checking import check_file

    made = make_desk(tmp_path / "审核台")
    desk = made.desk
    check = lambda path: check_file(str(path))  # noqa: E731
    data = _posing(tmp_path / "教育局.xlsx").read_bytes()
    said = (f"工作簿封面上的单位名称“{POLICE}”是名册中的{POLICE}，统一社会信用代码 11419999178273764W 却是"
            f"{EDUCATION}的；名称和代码须是同一个单位的，请改正封面")
    for sender in (EDUCATION, POLICE):  # with either unit's link
        answer = desk.receive(desk.find_unit(sender), data, "年报.xlsx", "unit:test", check)
        assert (answer.version, answer.message()) == (None, said)
        assert answer.message("en") == (
            f"The workbook's cover names \"{POLICE}\", which is {POLICE} on the roster, but its credit code "
            f"11419999178273764W is {EDUCATION}'s; the name and the code must be one unit's: correct the cover")
    added = cli("desk", "add", desk.folder, tmp_path / "教育局.xlsx")
    assert (added.exit_code, added.output) == (1, f"未收下：{tmp_path / '教育局.xlsx'}：{said}\n")
    assert desk.ledger.versions() == []

    # a cover that is wholly another unit's names that unit and the link's
    other = desk.receive(desk.find_unit(EDUCATION), workbook(tmp_path / "公安局.xlsx", POLICE).read_bytes(),
                         "年报.xlsx", "unit:test", check)
    assert other.message() == f"工作簿封面上的单位是“{POLICE}”，不是{EDUCATION}；请上传本单位的报告"

    # the unit's own cover with its code left blank or mistyped, or its name written otherwise, is its own
    for i, (name, code) in enumerate([(EDUCATION, ""), (EDUCATION, "11419999178273764X"),
                                      ("示例县 教育局", None)]):
        own = desk.receive(desk.find_unit(EDUCATION), _posing(tmp_path / f"{i}.xlsx", name=name, code=code)
                           .read_bytes(), "年报.xlsx", "unit:test", check)
        assert (own.refusal, own.version.number) == (None, i + 1)
    police = desk.find_unit(POLICE)
    desk.receive(police, workbook(tmp_path / "公安局.xlsx", POLICE).read_bytes(), "年报.xlsx", "unit:test", check)
    for unit in (desk.find_unit(EDUCATION), police):
        desk.approve(unit, "office:test")
    merged = cli("desk", "merge", desk.folder, "-o", tmp_path / "汇总.xlsx")
    assert merged.output.splitlines()[0] == \
        f"已写入汇总表 {tmp_path / '汇总.xlsx'}（示例县，2023年）：汇总 2 个已备案单位。"  # neither taken for the other


def test_what_a_killed_desk_left_is_set_aside_when_it_serves_again_and_no_version_moves(tmp_path):
    from desk_helpers import make_desk, token
    from starlette.testclient import TestClient

    from xltools.desk.checking import Checker, check_file
    from xltools.desk.web import build_app

    made = make_desk(tmp_path / "审核台")
    desk, folder = made.desk, made.desk.folder
    sent = workbook(tmp_path / "教育局.xlsx").read_bytes()
    kept = desk.receive(desk.find_unit(EDUCATION), sent, "年报.xlsx", "unit:test", lambda p: check_file(str(p)))
    stored = folder / kept.version.stored
    # a kill -9 mid-burst: an upload staged and never checked, a half-written version, a file nothing names
    (folder / "incoming" / "0123456789abcdef").mkdir(parents=True)
    (folder / "incoming" / "0123456789abcdef" / "upload.xlsx").write_bytes(sent)
    (stored.parent / f".{stored.name}.x.tmp").write_bytes(sent[:100])
    (folder / "versions" / "x.tmp").write_bytes(b"half")
    (folder / "versions" / "ff").mkdir()
    (folder / "versions" / "ff" / "unnamed.xlsx").write_bytes(sent)

    checker = Checker(workers=1, warm=False)
    try:
        with TestClient(build_app(folder, checker=checker), follow_redirects=False) as client:  # as serve opens it
            assert client.get(f"/u/{token(folder, EDUCATION)}/v/1/file").content == sent
    finally:
        checker.close()

    assert list((folder / "incoming").iterdir()) == []
    assert sorted(p.relative_to(folder) for p in (folder / "versions").rglob("*") if p.is_file()) == \
        [stored.relative_to(folder)]  # every version the ledger names, where it was
    assert [folder / v.stored for v in desk.ledger.versions()] == [stored]
    [moved] = (folder / "orphans").iterdir()
    assert sorted(str(p.relative_to(moved)) for p in moved.rglob("*") if p.is_file()) == sorted([
        "incoming/0123456789abcdef/upload.xlsx", f"versions/{stored.parent.name}/.{stored.name}.x.tmp",
        "versions/ff/unnamed.xlsx", "versions/x.tmp"])
    assert {stat.S_IMODE(p.stat().st_mode) for p in moved.rglob("*")} | {stat.S_IMODE(moved.stat().st_mode)} == \
        {0o600, 0o700}
    assert {stat.S_IMODE(p.stat().st_mode) for p in moved.rglob("*") if p.is_file()} == {0o600}
    [log] = (folder / "logs").glob("orphans-*.log")
    assert log.read_text(encoding="utf-8") == (
        f"审核台启动时把上次中断（如被强行结束）留下的 4 项移到了 {moved}：1 个未检查完的上传，3 个账本未记录的文件。"
        "账本记录的版本都未移动。\n")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600

    with TestClient(build_app(folder, checker=checker), follow_redirects=False):  # nothing left: nothing said
        pass
    assert len(list((folder / "logs").glob("orphans-*.log"))) == 1


def test_the_desks_workers_exit_when_the_server_is_killed(tmp_path):
    import os
    import subprocess
    import sys
    import time

    if os.name != "posix":
        pytest.skip("a child on Windows is never handed on to another parent")
    server = ("import os, signal, threading\n"
              "from xltools.desk.checking import Checker\n"
              "checker = Checker(workers=2, warm=False)\n"
              "t = threading.Thread(target=checker.start); t.start(); t.join()  # spawned by a thread that ends\n"
              "print(*checker._pool._processes, flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    said = tmp_path / "pids"
    with open(said, "w") as out:  # not a pipe: a worker left alive would hold it open
        done = subprocess.run([sys.executable, "-c", server], stdout=out, timeout=60)
    workers = [int(pid) for pid in said.read_text().split()]
    assert (done.returncode, len(workers)) == (-9, 2)

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:
        os.kill(pid, 9)
    assert left == []


@pytest.mark.parametrize("base_url, options", [
    (None, ""), ("http://10.1.2.3:8000", " --host 0.0.0.0"), ("http://10.1.2.3:8080", " --host 0.0.0.0 --port 8080"),
    ("http://127.0.0.1:8765", " --port 8765")])
def test_desk_init_says_how_to_start_the_page_the_links_point_at(tmp_path, cli, base_url, options):
    """The serve command desk init prints listens where the units' links point: a printed
    `xltools serve 审核台` would listen on 127.0.0.1:8000 only, and no unit's link would open."""
    folder = tmp_path / "审核台"
    given = ["--base-url", base_url] if base_url else []
    made = cli("desk", "init", folder, "--roster", write_roster(tmp_path / "名册.csv"), "--year", 2023, *given)
    assert made.exit_code == 0
    assert f"启动网页：xltools serve {folder}{options}" in made.output.splitlines()
