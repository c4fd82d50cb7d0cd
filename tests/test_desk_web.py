"""The desk's web pages and JSON API through Starlette's test client: every route,
and every refusal (wrong token, another unit's version, no CSRF token, oversized,
hostile and .xls files, a check that crashes). Real workbooks, real checks in real
worker processes, a real SQLite ledger."""
from __future__ import annotations

import contextlib
import io
import json
import re
import stat
import zipfile
from datetime import datetime

import openpyxl
import pytest
from desk_helpers import EDUCATION, FINANCE, api, clock, crash, csrf, login, reports, text, token, workbook
from starlette.testclient import TestClient

from xltools import read, write
from xltools.cli import main
from xltools.desk.checking import Checker
from xltools.desk.service import Desk
from xltools.desk.web import build_app

OTHER = "示例县民政局"


def upload(client, tok: str, path, name: str | None = None):
    return client.post(f"/u/{tok}/upload", files={"file": (name or path.name, path.read_bytes())})


def test_a_unit_uploads_and_sees_the_check_at_once(client, made, tmp_path):
    folder, tok = made.desk.folder, token(made.desk.folder, EDUCATION)
    page = client.get(f"/u/{tok}")
    assert page.status_code == 200
    assert "示例县教育局 状态 未报送 截止日期 2024-01-31" in text(page.text)
    wrong = workbook(tmp_path / "教育局.xlsx", mistake=True)
    sent = upload(client, tok, wrong)
    assert (sent.status_code, sent.headers["location"]) == (303, f"/u/{tok}/v/1")
    shown = text(client.get(sent.headers["location"]).text)
    assert "第 1 版的检查结果 第 1 版：1 个错误，1 个警告" in shown
    assert ("错误 R4 复议诉讼总计不符 四、复议诉讼!E6 "
            "四、复议诉讼!E6（行政复议 / 总计）应为 3（A6+B6+C6+D6 = 1+0+0+2），实际为 4。 "
            "修改：把 四、复议诉讼!E6 改为 3（或恢复公式：在该格输入 =SUM(A6:D6)，或运行 xltools fill），"
            "或核对各项数字。") in shown
    marked = client.get(f"/u/{tok}/v/1/marked")
    assert marked.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(marked.content))
    assert wb.sheetnames[0] == "检查结果" and wb["四、复议诉讼"]["E6"].comment.text.startswith("R4 ")
    assert "filename*=utf-8''" in marked.headers["content-disposition"]
    assert client.get(f"/u/{tok}/v/1/file").content == wrong.read_bytes()
    fixed = upload(client, tok, workbook(tmp_path / "教育局-改.xlsx"))
    assert "第 2 版：检查通过，没有发现问题" in text(client.get(fixed.headers["location"]).text)
    assert [e.kind for e in Desk(folder).ledger.events()] == ["created", "submitted", "downloaded", "downloaded",
                                                               "submitted"]


def test_the_api_gives_what_check_gives(client, made, tmp_path, cli):
    tok = token(made.desk.folder, EDUCATION)
    wrong = workbook(tmp_path / "教育局.xlsx", mistake=True)
    answer = api(client, tok, wrong.read_bytes())
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["unit", "version", "status", "findings", "score", "unchanged", "same_as"]
    assert (body["unchanged"], body["same_as"]) == (False, None)
    checked = json.loads(cli("check", str(wrong), "-f", "json").output)
    assert (body["unit"], body["version"], body["status"]) == (EDUCATION, 1, "待审核")
    assert body["findings"] == checked["files"][0]["findings"]
    assert body["score"] == checked["files"][0]["score"] and body["score"]["points"] < body["score"]["of"]


def test_the_offices_pages_speak_to_the_office_when_a_version_is_not_there(client, made, tmp_path):
    """issue 24: a comparison with a version the unit does not have says so to the
    office (not "use the link the county office sent your unit"); the form's lists
    are named in words."""
    tok = token(made.desk.folder, EDUCATION)
    upload(client, tok, workbook(tmp_path / "教育局.xlsx", mistake=True))
    login(client, made.password)
    unit_id = made.desk.find_unit(EDUCATION).id
    answer = client.get(f"/office/unit/{unit_id}/compare?old=1&new=2")
    assert answer.status_code == 404
    said = text(answer.text)
    assert "示例县教育局没有第 2 版（共 1 个版本）。请在该单位的页面上选择要比较的两个版本。" in said
    assert "发给你单位" not in said
    missing = text(client.get(f"/office/unit/{unit_id}/v/7").text)
    assert "审核台没有这个地址（单位或版本不存在，或地址输错了）。请从审核台首页进入。" in missing
    upload(client, tok, workbook(tmp_path / "教育局-改.xlsx"))
    page = client.get(f"/office/unit/{unit_id}").text
    assert 'aria-label="较早的版本"' in page and 'aria-label="较新的版本"' in page


def test_the_marked_copy_gives_the_time_of_its_check_as_the_desk_does(client, made, tmp_path):
    """issue 24: the desk's pages and its marked copy tell time in the desk's zone
    (UTC+8, schemas/desk.yaml), not one in it and one in the server's."""
    tok = token(made.desk.folder, EDUCATION)
    with clock(datetime(2024, 1, 22, 8, 6)):
        upload(client, tok, workbook(tmp_path / "教育局.xlsx", mistake=True))
        marked = client.get(f"/u/{tok}/v/1/marked")
    assert "上传于 2024-01-22 08:06" in text(client.get(f"/u/{tok}/v/1").text)
    title = openpyxl.load_workbook(io.BytesIO(marked.content))["检查结果"]["A1"].value
    assert title.endswith("检查时间：2024-01-22 08:06")


def test_a_file_sent_again_as_it_was_is_not_a_new_version(client, made, tmp_path):
    """issue 24: the same bytes as the unit's current version are said to be so and kept
    once; the same bytes as an older version are a new version (a unit may go back)."""
    tok = token(made.desk.folder, EDUCATION)
    first, second = workbook(tmp_path / "教育局.xlsx"), workbook(tmp_path / "教育局-改.xlsx", mistake=True)
    assert upload(client, tok, first).headers["location"] == f"/u/{tok}/v/1"
    again = upload(client, tok, first, name="教育局 - 副本.xlsx")
    assert again.headers["location"] == f"/u/{tok}/v/1?same=1"
    assert "这次上传的文件与第 1 版内容完全相同，未另存新版" in text(client.get(again.headers["location"]).text)
    answer = api(client, tok, first.read_bytes())
    assert answer.status_code == 200
    assert (answer.json()["version"], answer.json()["unchanged"], answer.json()["same_as"]) == (1, True, 1)
    upload(client, tok, second)
    back = upload(client, tok, first)
    assert back.headers["location"] == f"/u/{tok}/v/3?same=1"
    page = text(client.get(back.headers["location"]).text)
    assert "这次上传的文件与第 1 版内容完全相同" in page and "未另存新版" not in page
    assert [v.number for v in Desk(made.desk.folder).ledger.versions()] == [1, 2, 3]
    assert "内容完全相同" not in text(client.get(f"/u/{tok}/v/2?same=1").text)  # said only when true


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
def test_the_api_refuses_a_wrong_token(client, made, tmp_path, headers):
    answer = client.post("/api/upload", files={"file": ("a.xlsx", workbook(tmp_path / "a.xlsx").read_bytes())},
                         headers=headers)
    assert (answer.status_code, answer.json()) == (
        401, {"error": "单位令牌不对（请求头 Authorization: Bearer <单位令牌>）"})
    assert made.desk.ledger.versions() == []


def test_a_unit_sees_and_changes_only_its_own(client, made, tmp_path):
    folder = made.desk.folder
    mine, theirs = token(folder, EDUCATION), token(folder, OTHER)
    assert upload(client, theirs, workbook(tmp_path / "民政局.xlsx", OTHER)).status_code == 303
    [their_version] = made.desk.ledger.versions()
    # the other unit's version, by its number, by its id, and its files: not there for this link
    for path in (f"/u/{mine}/v/1", f"/u/{mine}/v/{their_version.id}", f"/u/{mine}/v/1/file", f"/u/{mine}/v/1/marked"):
        assert client.get(path).status_code == 404, path
    assert OTHER not in client.get(f"/u/{mine}").text
    # another unit's workbook sent with this unit's link or token is not filed under it
    sent = upload(client, mine, workbook(tmp_path / "民政局.xlsx", OTHER))
    assert sent.status_code == 422
    assert "工作簿封面上的单位是“示例县民政局”，不是示例县教育局；请上传本单位的报告" in text(sent.text)
    assert api(client, mine, workbook(tmp_path / "民政局.xlsx", OTHER).read_bytes()).status_code == 422
    # a link that is not a unit's, or a shortened one
    for bad in ("x", mine[:-1], mine + "A"):
        assert client.get(f"/u/{bad}").status_code == 404
        assert client.post(f"/u/{bad}/upload", files={"file": ("a.xlsx", b"PK")}).status_code == 404
    # a unit's token is no key to the office
    assert client.get("/api/status", headers={"Authorization": f"Bearer {mine}"}).status_code == 401
    assert client.get("/office").status_code == 303
    assert [v.unit_id for v in made.desk.ledger.versions()] == [their_version.unit_id]


def _zip_bomb() -> bytes:
    data = io.BytesIO()
    wb = workbook_bytes()
    with zipfile.ZipFile(io.BytesIO(wb)) as src, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
        out.writestr("xl/media/bomb.bin", b"\0" * 60_000_000)
    return data.getvalue()


def _altered(name: str, change) -> bytes:
    """The sample workbook with one part of its zip changed."""
    data = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook_bytes())) as src, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            part = src.read(info)
            out.writestr(info.filename, change(part) if info.filename == name else part)
    return data.getvalue()


def _far_cell() -> bytes:
    return _altered("xl/worksheets/sheet1.xml", lambda part: part.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))


def _entities() -> bytes:
    def laughs(part: bytes) -> bytes:  # billion laughs, before the root element
        decl, _, rest = part.partition(b"?>") if part.startswith(b"<?xml") else (b"", b"", part)
        return ((decl + b"?>" if decl else b"")
                + b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + rest)

    return _altered("xl/workbook.xml", laughs)


_BYTES = {}


def workbook_bytes() -> bytes:
    if "wb" not in _BYTES:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d:
            _BYTES["wb"] = workbook(Path(d) / "w.xlsx").read_bytes()
    return _BYTES["wb"]


@pytest.mark.parametrize("name, make, rule, said", [
    ("年报.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "F4",
     "文件无法读取：文件是旧版 Excel 97-2003 格式（.xls）。"
     "修改：请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（*.xlsx）”再报送。"),
    ("年报.xlsx", lambda: b"", "F1", "文件无法读取：文件是空的（0 字节）。"),
    ("年报.xlsx", lambda: b"%PDF-1.7 not a workbook", "F2", "文件无法读取："),
    ("年报.xlsx", lambda: workbook_bytes()[:5000], "F3", "文件无法读取："),
    ("炸弹.xlsx", _zip_bomb, "F7", "文件无法读取："),
    ("远.xlsx", _far_cell, "F7", "文件无法读取："),
    ("实体.xlsx", _entities, "F7", "文件无法读取："),
])
def test_unreadable_and_hostile_files_are_refused_with_the_reason(client, made, name, make, rule, said):
    tok = token(made.desk.folder, EDUCATION)
    answer = api(client, tok, make(), name)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"].startswith(said) and [f["rule"] for f in body["findings"]] == [rule]
    page = client.post(f"/u/{tok}/upload", files={"file": (name, make())})
    assert page.status_code == 422 and said in text(page.text)
    assert made.desk.ledger.versions() == []  # nothing kept, nothing counts as submitted
    assert [e.kind for e in made.desk.ledger.events()] == ["created", "refused", "refused"]
    assert not list((made.desk.folder / "incoming").iterdir())


def test_an_oversized_upload_is_refused_before_it_is_read(client, made):
    tok = token(made.desk.folder, EDUCATION)
    said = "文件超过 20 MB（填好的工作簿通常不到 1 MB）"
    big = api(client, tok, b"PK\x03\x04" + b"\0" * 21 * 2**20)  # refused by its declared length, unread
    assert (big.status_code, big.json()) == (413, {"error": said})
    just = api(client, tok, b"PK\x03\x04" + b"\0" * (20 * 2**20 + 1))  # one byte over: refused before any check
    assert (just.status_code, just.json()) == (413, {"unit": EDUCATION, "error": said, "findings": []})
    chunked = client.post("/api/upload", content=iter([b"--x\r\n", b"data"]),
                          headers={"Authorization": f"Bearer {tok}", "content-type": "multipart/form-data; boundary=x"})
    assert chunked.status_code == 411
    assert made.desk.ledger.versions() == []


def test_a_check_that_crashes_answers_that_upload_with_an_error_and_nothing_else(made, tmp_path):
    dying = Checker(workers=1, warm=False)
    dying.check = crash
    try:
        with TestClient(build_app(made.desk.folder, checker=dying), follow_redirects=False) as c:
            tok = token(made.desk.folder, EDUCATION)
            answer = api(c, tok, workbook(tmp_path / "a.xlsx").read_bytes())
            assert answer.status_code == 500
            assert answer.json()["error"].startswith("检查这份文件时程序出错（不是你单位的错误）")
            assert c.get(f"/u/{tok}").status_code == 200  # the server is still up
            dying.check = Checker().check  # the real check: a new worker replaces the one that died
            assert api(c, tok, workbook(tmp_path / "a.xlsx").read_bytes()).status_code == 200
    finally:
        dying.close()
    assert [v.number for v in made.desk.ledger.versions()] == [1]
    assert [e.kind for e in made.desk.ledger.events()] == ["created", "refused", "submitted"]
    assert len(list((made.desk.folder / "logs").glob("check-*.log"))) == 1


def test_the_office_signs_in_with_the_password(client, made):
    assert client.get("/office").headers["location"] == "/office/login"
    assert client.get("/api/status").status_code == 401
    by_password = client.get("/api/status", headers={"Authorization": f"Bearer {made.password}"})
    assert by_password.status_code == 200 and len(by_password.json()) == 14
    wrong = login(client, "not-the-password")
    assert wrong.headers["location"] == "/office/login?wrong=1"
    assert "密码不对。" in text(client.get("/office/login?wrong=1").text)
    no_nonce = client.post("/office/login", data={"password": made.password})
    assert no_nonce.status_code == 403
    ok = login(client, made.password)
    assert ok.headers["location"] == "/office"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    board = client.get("/office")
    assert board.status_code == 200
    assert "示例县2023年度年报报送情况" in text(board.text)
    units = [u["unit"] for u in client.get("/api/status").json()]
    assert len(units) == 14 and units[0] == "示例县人民政府办公室"
    kinds = [e.kind for e in made.desk.ledger.events()]
    assert kinds == ["created", "login"]  # a wrong password is a count in the failures table, not an event
    client.post("/office/logout", data={"csrf": csrf(client)})
    assert client.get("/office").status_code == 303


def test_office_actions_need_the_session_and_its_csrf_token(client, made, tmp_path):
    tok = token(made.desk.folder, EDUCATION)
    upload(client, tok, workbook(tmp_path / "a.xlsx", mistake=True))
    unit = made.desk.find_unit(EDUCATION)
    for action, data in [("return", {"note": "请改"}), ("approve", {}),
                         ("published", {"url": "https://a.cn", "date": "2024-01-02"})]:
        assert client.post(f"/office/unit/{unit.id}/{action}", data=data).status_code == 403  # no session
    login(client, made.password)
    for action, data in [("return", {"note": "请改"}), ("approve", {})]:
        assert client.post(f"/office/unit/{unit.id}/{action}", data=data).status_code == 403  # no CSRF token
        assert client.post(f"/office/unit/{unit.id}/{action}", data={**data, "csrf": "x"}).status_code == 403
    assert client.post("/office/merge", data={"unit": "示例县"}).status_code == 403
    assert client.post("/office/logout", data={}).status_code == 403
    assert [e.kind for e in made.desk.ledger.events()] == ["created", "submitted", "login"]


def test_the_office_returns_approves_publishes_and_merges(client, made, tmp_path, cli):
    folder = made.desk.folder
    tok = token(folder, EDUCATION)
    upload(client, tok, workbook(tmp_path / "a.xlsx", mistake=True))
    upload(client, token(folder, FINANCE), workbook(tmp_path / "f.xlsx", FINANCE))
    login(client, made.password)
    unit = made.desk.find_unit(EDUCATION)
    board = text(client.get("/office").text)
    assert "示例县教育局 部门 待审核 第 1 版" in board
    history = client.get(f"/office/unit/{unit.id}")
    drafted = re.search(r'<textarea id="note" name="note" required[^>]*>(.*?)</textarea>', history.text, re.S)[1]
    assert "一、必须改正的错误（1 处）：" in drafted
    token_ = csrf(client, f"/office/unit/{unit.id}")
    refused = client.post(f"/office/unit/{unit.id}/approve", data={"csrf": token_, "version": "1"})
    assert refused.status_code == 409
    assert "示例县教育局 的第 1 版有 1 个错误，不能备案；请退回修改" in text(refused.text)
    note = "请按检查结果改正四、复议诉讼的总计。"
    done = client.post(f"/office/unit/{unit.id}/return", data={"csrf": token_, "version": "1", "note": note})
    assert done.status_code == 303
    unit_page = text(client.get(f"/u/{tok}").text)
    assert "县政务公开办的退回意见" in unit_page and note in unit_page and "状态 已退回" in unit_page
    upload(client, tok, workbook(tmp_path / "b.xlsx"))
    stale = client.post(f"/office/unit/{unit.id}/approve", data={"csrf": token_, "version": "1"})
    assert stale.status_code == 409 and "第 1 版已不是最新版（最新是第 2 版）" in text(stale.text)
    compared = text(client.get(f"/office/unit/{unit.id}/compare?old=1&new=2").text)
    assert "示例县教育局：第 1 版 → 第 2 版" in compared and "已改正 错误 R4 复议诉讼总计不符" in compared
    total = reports()[EDUCATION].values["appeals.review.total"]
    assert f"四、复议诉讼!E6 行政复议 / 总计 {total + 1} {total}" in compared  # compare's cell by cell
    assert client.get(f"/office/unit/{unit.id}/compare?old=1&new=9").status_code == 404
    with clock(datetime(2024, 1, 22, 15)):
        assert client.post(f"/office/unit/{unit.id}/approve", data={"csrf": token_, "version": "2"}).status_code == 303
    closed = api(client, tok, workbook(tmp_path / "c.xlsx").read_bytes())
    assert (closed.status_code, closed.json()["error"]) == (
        409, "报告已备案，不能再上传；如需修改，请联系县政务公开办退回")
    published = client.post(f"/office/unit/{unit.id}/published",
                            data={"csrf": token_, "url": "https://www.example.gov.cn/2023.html", "date": "2024-01-25"})
    assert published.status_code == 303
    assert "报告已于 2024-01-25 发布" in text(client.get(f"/u/{tok}").text)
    for path in (f"/office/unit/{unit.id}/v/1/file", f"/office/unit/{unit.id}/v/1/marked"):
        assert client.get(path).status_code == 200
    note_doc = client.get(f"/office/unit/{unit.id}/note.docx")
    assert note_doc.status_code == 409  # published: no note to give
    merged = client.post("/office/merge", data={"csrf": token_, "unit": "示例县"})
    assert merged.status_code == 303
    name = re.search(r"merged=([^&]+)", merged.headers["location"])[1]
    summary = client.get(f"/office/summaries/{name}")
    assert summary.status_code == 200
    (tmp_path / "汇总.xlsx").write_bytes(summary.content)
    assert cli("check", str(tmp_path / "汇总.xlsx")).exit_code == 0
    rows = {r[0]: r[2] for r in openpyxl.load_workbook(tmp_path / "汇总.xlsx")["上报情况"]
            .iter_rows(min_row=2, values_only=True)}
    assert (rows[EDUCATION], rows[FINANCE], rows[OTHER]) == ("已汇总", "未备案", "未报送")
    for bad in ("..%2Fdesk.sqlite", ".hidden.xlsx", "nothing.xlsx"):
        assert client.get(f"/office/summaries/{bad}").status_code == 404
    statuses = {u["unit"]: u for u in client.get("/api/status").json()}
    assert statuses[EDUCATION]["published"] == {"url": "https://www.example.gov.cn/2023.html", "date": "2024-01-25"}


def test_the_note_downloads_as_a_word_document(client, made, tmp_path):
    import docx

    upload(client, token(made.desk.folder, EDUCATION), workbook(tmp_path / "a.xlsx", mistake=True))
    login(client, made.password)
    unit = made.desk.find_unit(EDUCATION)
    answer = client.get(f"/office/unit/{unit.id}/note.docx")
    assert answer.status_code == 200
    paragraphs = [p.text for p in docx.Document(io.BytesIO(answer.content)).paragraphs]
    assert paragraphs[0] == "政府信息公开工作年度报告退回意见" and paragraphs[3] == "一、必须改正的错误（1 处）："


def test_restarting_loses_nothing(made, checker, tmp_path):
    folder = made.desk.folder
    with TestClient(build_app(folder, checker=checker), follow_redirects=False) as c:
        upload(c, token(folder, EDUCATION), workbook(tmp_path / "a.xlsx"))
        login(c, made.password)
        session = c.cookies.get("desk_session")
    with TestClient(build_app(folder, checker=checker), follow_redirects=False, cookies={"desk_session": session}) as c:
        assert c.get("/office").status_code == 200  # still signed in
        [edu] = [u for u in c.get("/api/status").json() if u["unit"] == EDUCATION]
        assert (edu["status"], edu["versions"]) == ("待审核", 1)
        assert c.get(f"/u/{token(folder, EDUCATION)}/v/1").status_code == 200


def test_pages_use_nothing_from_outside(client, made, tmp_path):
    tok = token(made.desk.folder, EDUCATION)
    upload(client, tok, workbook(tmp_path / "a.xlsx", mistake=True))
    login(client, made.password)
    unit = made.desk.find_unit(EDUCATION)
    for path in (f"/u/{tok}", f"/u/{tok}/v/1", "/office", f"/office/unit/{unit.id}", "/office/login",
                 f"/office/unit/{unit.id}/v/1"):
        page = client.get(path)
        assert page.status_code == 200
        assert not re.search(r"<(script|link|img|iframe)\b|src=|@import|url\(", page.text), path
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        assert '<meta name="viewport"' in page.text


def test_the_server_listens_on_this_computer_unless_told(tmp_path, cli):
    serve = main.commands["serve"]
    assert {p.name: p.default for p in serve.params}["host"] == "127.0.0.1"
    result = cli("serve", str(tmp_path))
    assert (result.exit_code, result.output) == (
        2, f"xltools: {tmp_path} 不是审核台文件夹（没有 desk.sqlite）；请先运行 xltools desk init\n")


def test_the_marked_copy_of_an_upload_with_an_explained_warning_downloads(client, made, tmp_path):
    # issue 24 (2.1): the explained warning's colour crashed the marked copy, an English HTTP 500
    tok = token(made.desk.folder, EDUCATION)
    assert upload(client, tok,
                  workbook(tmp_path / "教育局.xlsx", mistake=True, explained="原件如此")).status_code == 303
    assert "警告（已说明） W3 文字与表格不一致" in text(client.get(f"/u/{tok}/v/1").text)
    marked = client.get(f"/u/{tok}/v/1/marked")
    assert marked.status_code == 200
    rows = openpyxl.load_workbook(io.BytesIO(marked.content))["检查结果"].iter_rows(values_only=True)
    [w3] = [r for r in rows if r[1] == "W3"]
    assert (w3[2], w3[3], w3[5]) == ("警告（已说明）", "四、复议诉讼!E6", "原件如此")


def _broken(*args, **kwargs):
    raise RuntimeError("the ledger broke")


def test_an_unexpected_error_is_said_in_chinese_with_its_log_in_the_desks_folder(made, checker, monkeypatch):
    folder = made.desk.folder
    tok = token(folder, EDUCATION)
    monkeypatch.setattr(Desk, "standing", _broken)  # the unit's page
    monkeypatch.setattr(Desk, "standings", _broken)  # the status API
    with TestClient(build_app(folder, checker=checker), follow_redirects=False) as c:
        page = c.get(f"/u/{tok}")
        answer = c.get("/api/status", headers={"Authorization": f"Bearer {made.password}"})
    logs = {log.read_text(encoding="utf-8").split("\n")[0]: log for log in (folder / "logs").glob("web-*.log")}
    assert list(sorted(logs)) == ["GET /api/status", "GET /u/…"]  # a unit's link is its key: not in the log
    said = ("审核台处理这个请求时程序出错，没有完成（不是你的操作有误）。请稍后再试；如果仍然出错，请告诉县政务公开办："
            "出错经过记在审核台文件夹的 {} 中。")
    assert page.status_code == 500 and "Internal Server Error" not in page.text
    assert text(page.text).endswith("程序出错 " + said.format(logs["GET /u/…"].relative_to(folder)))
    assert (answer.status_code, answer.json()) == (
        500, {"error": said.format(logs["GET /api/status"].relative_to(folder))})
    page_log = logs["GET /u/…"].read_text(encoding="utf-8")
    assert page_log.startswith("GET /u/…\n\nTraceback") and "RuntimeError: the ledger broke" in page_log
    assert tok not in page_log
    assert all(stat.S_IMODE(log.stat().st_mode) == 0o600 for log in logs.values())


def test_an_unexpected_error_that_cannot_be_logged_is_still_said(made, checker, monkeypatch):
    monkeypatch.setattr(Desk, "standing", _broken)
    monkeypatch.setattr(Desk, "log", lambda *a: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    with TestClient(build_app(made.desk.folder, checker=checker), follow_redirects=False) as c:
        page = c.get(f"/u/{token(made.desk.folder, EDUCATION)}")
    assert page.status_code == 500
    assert ("审核台处理这个请求时程序出错，没有完成（不是你的操作有误），"
            f"出错经过也无法写入 {made.desk.folder / 'logs'}。请告诉县政务公开办。") in text(page.text)


def test_a_body_longer_than_it_said_is_refused_as_too_large(made, checker):
    import asyncio

    app = build_app(made.desk.folder, checker=checker)
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\n'
    chunks = [head] + [b"\0" * 2**20] * 21
    sent = []

    async def receive():
        return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/upload", "raw_path": b"/api/upload",
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("test", 80), "client": ("c", 1),
             "headers": [(b"content-length", b"1000"), (b"content-type", b"multipart/form-data; boundary=x"),
                         (b"authorization", f"Bearer {token(made.desk.folder, EDUCATION)}".encode())]}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"]) == {"error": "文件超过 20 MB（填好的工作簿通常不到 1 MB）"}
    assert made.desk.ledger.versions() == [] and not (made.desk.folder / "logs").exists()


def test_the_comparison_matches_each_finding_once_and_says_what_became_of_it(client, made, tmp_path):
    # issue 24 (2.11): an explained warning was new and fixed at once, a finding still there
    # was shown twice, and no changed cell left a bare table header
    from xltools.desk.web import side_by_side

    tok = token(made.desk.folder, EDUCATION)
    for name, kw in [("干净", {}), ("错", {"mistake": True}), ("说明", {"mistake": True, "explained": "原件如此"}),
                     ("改", {})]:
        assert upload(client, tok, workbook(tmp_path / f"{name}.xlsx", **kw)).status_code == 303
    st = made.desk.standing(made.desk.find_unit(EDUCATION))

    def states(old: int, new: int) -> list[tuple]:
        return [(r["state"], (r["new"] or r["old"]).rule, (r["new"] or r["old"]).explained)
                for r in side_by_side(st.version(old), st.version(new))]

    assert states(1, 2) == [("new", "R4", False), ("new", "W3", False)]
    assert states(2, 3) == [("still", "R4", False), ("explained", "W3", True)]
    assert states(3, 4) == [("fixed", "R4", False), ("fixed", "W3", True)]
    assert states(2, 2) == [("still", "R4", False), ("still", "W3", False)]
    assert states(1, 4) == []
    login(client, made.password)
    unit = made.desk.find_unit(EDUCATION)
    page = text(client.get(f"/office/unit/{unit.id}/compare?old=2&new=3").text)
    assert "改动的数字和文字 （无） 检查结果对照" in page  # only 审核说明 changed
    assert page.count("R4 复议诉讼总计不符") == 1 and page.count("W3 文字与表格不一致") == 2
    assert "仍存在 错误 R4 复议诉讼总计不符" in page
    assert ("已说明 警告 W3 文字与表格不一致 四、复议诉讼!E6 "
            "正文“因政府信息公开被申请行政复议3件，被提起行政诉讼2件。”写的是 3，"
            "而表格 四、复议诉讼!E6（行政复议 / 总计）为 4。 警告（已说明） W3 文字与表格不一致") in page
    assert page.endswith("已说明：原件如此")
    assert "新出现" not in page and "已改正" not in page


def test_a_tables_blanks_are_one_finding_from_version_to_version(client, made, tmp_path):
    """W6 names a table's blank cells: a version that fills one of them has the same
    finding with fewer cells, still there, not one new and one fixed."""
    from xltools.desk.web import side_by_side

    tok = token(made.desk.folder, EDUCATION)
    for name, blank in [("两格", ("commercial", "nonprofit")), ("一格", ("commercial",))]:
        path = workbook(tmp_path / f"{name}.xlsx")
        report = read(path)
        for column in blank:
            report.values[f"requests.carried_in.{column}"] = None
        write(report, path)
        assert upload(client, tok, path).status_code == 303
    st = made.desk.standing(made.desk.find_unit(EDUCATION))
    [row] = side_by_side(st.version(1), st.version(2))
    assert (row["state"], row["old"].cells, row["new"].cells) == (
        "still", ["三、依申请公开!E7", "三、依申请公开!G7"], ["三、依申请公开!E7"])


def test_the_office_cannot_record_a_publication_before_the_filing(client, made, tmp_path):
    upload(client, token(made.desk.folder, EDUCATION), workbook(tmp_path / "a.xlsx"))
    login(client, made.password)
    unit = made.desk.find_unit(EDUCATION)
    token_ = csrf(client, f"/office/unit/{unit.id}")
    with clock(datetime(2024, 1, 22, 15)):
        assert client.post(f"/office/unit/{unit.id}/approve", data={"csrf": token_, "version": "1"}).status_code == 303
    early = client.post(f"/office/unit/{unit.id}/published",
                        data={"csrf": token_, "url": "https://www.example.gov.cn/2023.html", "date": "2024-01-21"})
    assert early.status_code == 409
    assert (f"发布日期 2024-01-21 早于 {EDUCATION} 的备案日期 2024-01-22：先备案后公布，请核对发布日期"
            in text(early.text))
    assert made.desk.standing(unit).status == "approved"


@pytest.mark.parametrize("data, said", [
    (b"", "文件无法读取：文件是空的（0 字节）。修改：请重新选择文件上传；如果仍是空的，请在 Excel 或 WPS 中打开原文件，"
          "确认内容后重新保存，再上传。"),
    (b"PK\x03\x04" + b"\0" * 100, "文件无法读取：文件不完整或已损坏，无法打开。修改：请重新选择文件上传；如果仍不完整，"
                                   "请在 Excel 或 WPS 中打开原文件，另存为“Excel 工作簿（*.xlsx）”，再上传。"),
    (_zip_bomb, "修改：请用县政务公开办发的标准模板重新填写，保存为 .xlsx 后再上传。"),
])
def test_the_units_page_speaks_to_the_unit_about_a_file_it_cannot_read(client, made, tmp_path, data, said):
    # issue 24 (2.11): "请报送单位重新发送文件" are the county's words, not the unit's
    data = data() if callable(data) else data
    tok = token(made.desk.folder, EDUCATION)
    page = text(client.post(f"/u/{tok}/upload", files={"file": ("年报.xlsx", data)}).text)
    answer = api(client, tok, data)
    assert said in page and said in answer.json()["error"]
    assert "报送单位" not in page + answer.json()["error"]
    office = made.desk.ledger.events()[-1].detail["message"]  # the office's history: check's words for the county
    assert "报送单位" in office


def test_an_address_the_desk_does_not_have_is_said_in_chinese(client, made):
    for method, path, status in [("GET", "/nothing", 404), ("GET", "/u/x/v/abc", 404),
                                 ("DELETE", f"/u/{token(made.desk.folder, EDUCATION)}", 405)]:
        answer = client.request(method, path)
        assert answer.status_code == status, path
        assert text(answer.text).endswith("页面不存在 链接不对，或已失效。请使用县政务公开办发给你单位的链接。"), path
    answer = client.post("/office/login/x")  # the office's pages speak to the office
    assert answer.status_code == 404
    assert text(answer.text).endswith("页面不存在 审核台没有这个地址（单位或版本不存在，或地址输错了）。"
                                      "请从审核台首页进入。 ← 各单位报送情况")
    api = client.get("/api/nothing")
    assert (api.status_code, api.json()) == (404, {"error": "链接不对，或已失效。请使用县政务公开办发给你单位的链接。"})


def test_a_unit_whose_upload_could_not_be_read_has_a_status_of_its_own(client, made, tmp_path):
    """issue 24 (2.5): a unit whose only upload was refused as unreadable is not 未报送:
    the board, both unit pages and the status API name the file, when and why."""
    tok = token(made.desk.folder, EDUCATION)
    with clock(datetime(2024, 1, 10, 9, 30)):
        refused = client.post(f"/u/{tok}/upload", files={"file": ("年报.xlsx", b"")})
    assert refused.status_code == 422
    why = "F1 文件是空的（0 字节）。"
    unit_page = text(client.get(f"/u/{tok}").text)
    assert "状态 文件无法读取" in unit_page
    assert (f"你单位 2024-01-10 09:30 上传的 年报.xlsx 无法读取：{why} 县政务公开办还没有收到你单位的报告，"
            "请上传填好的 .xlsx 工作簿。") in unit_page
    login(client, made.password)
    said = f"收到的文件无法读取：年报.xlsx（2024-01-10 09:30），{why}"
    board = text(client.get("/office").text)
    assert f"{EDUCATION} 部门 文件无法读取 {said}" in board and "文件无法读取 1" in board
    unit_id = made.desk.find_unit(EDUCATION).id
    record = text(client.get(f"/office/unit/{unit_id}").text)
    assert said in record and "这个单位还没有上传" not in record
    status = {u["unit"]: u for u in client.get("/api/status").json()}
    assert (status[EDUCATION]["status"], status[EDUCATION]["status_key"], status[EDUCATION]["unread"]["file"],
            status[EDUCATION]["unread"]["why"]) == ("文件无法读取", "unreadable", "年报.xlsx", why)
    assert status[OTHER]["status"] == "未报送"

    assert upload(client, tok, workbook(tmp_path / "年报.xlsx")).status_code == 303
    assert "文件无法读取" not in text(client.get(f"/u/{tok}").text)
    again = {u["unit"]: u for u in client.get("/api/status").json()}[EDUCATION]
    assert (again["status"], again["unread"]) == ("待审核", None)


def _crowd(folder, n: int, spare: str) -> None:
    """`n` more events in the desk's ledger, written straight into its table: every
    unit but `spare` downloaded its files that many times."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(folder / "desk.sqlite")) as conn, conn:
        units = [u for (u,) in conn.execute("SELECT id FROM units WHERE name != ?", (spare,))]
        conn.executemany(
            "INSERT INTO events (unit_id, version_id, kind, note, url, date, detail, who, at)"
            " VALUES (?, NULL, 'downloaded', NULL, NULL, NULL, ?, 'unit:web:10.1.2.3', '2024-01-20T09:30:00+08:00')",
            ((units[i % len(units)], '{"version": 1, "what": "file"}') for i in range(n)))


@contextlib.contextmanager
def _served(app):
    """The application behind a real uvicorn on this computer, in a thread: its address."""
    import socket
    import threading

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            thread.join(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def test_an_upload_is_answered_while_the_board_of_a_large_ledger_is_drawn(made, checker, tmp_path, monkeypatch):
    """issue 25: the board reads the whole ledger and renders it in the thread pool, not
    on the event loop. With 300,000 events in the ledger, an upload sent once the board
    has begun is answered while the board is still being drawn. (The board does not
    return before the upload's answer is in, or two minutes have passed: were it drawn
    on the loop, that wait would hold the upload back and the order below would fail.)"""
    import threading

    import httpx2

    folder = made.desk.folder
    _crowd(folder, 300_000, EDUCATION)
    drawing, answered, order = threading.Event(), threading.Event(), []
    real = Desk.standings

    def standings(self, *args, **kwargs):
        drawing.set()
        every = real(self, *args, **kwargs)
        answered.wait(120)
        return every

    monkeypatch.setattr(Desk, "standings", standings)
    session, _ = made.desk.login(made.password, "office:web:test", "testclient")
    tok = token(folder, EDUCATION)
    with _served(build_app(folder, checker=checker)) as base, \
            httpx2.Client(base_url=base, timeout=600, cookies={"desk_session": session}) as office, \
            httpx2.Client(base_url=base, timeout=600) as unit:
        first = unit.post("/api/upload", files={"file": ("年报.xlsx", workbook(tmp_path / "a.xlsx").read_bytes())},
                          headers={"Authorization": f"Bearer {tok}"})
        assert first.status_code == 200  # the worker is up: what follows is the upload, not its start

        def board():
            order.append(("board", office.get("/office")))

        drawn = threading.Thread(target=board)
        drawn.start()
        assert drawing.wait(600)
        sent = unit.post("/api/upload", headers={"Authorization": f"Bearer {tok}"},
                         files={"file": ("年报.xlsx", workbook(tmp_path / "b.xlsx", mistake=True).read_bytes())})
        order.append(("upload", sent))
        answered.set()
        drawn.join()
    assert [(what, r.status_code) for what, r in order] == [("upload", 200), ("board", 200)]
    assert sent.json()["version"] == 2
    assert "示例县2023年度年报报送情况" in text(order[1][1].text)


# --- issue 26 items 5 and 2 (race): what the office and the unit see


def test_an_upload_at_the_moment_the_office_approves_is_shown_to_the_office_not_filed_over(client, made, tmp_path):
    from test_desk import _upload_first

    from xltools.desk.checking import check_file

    tok = token(made.desk.folder, EDUCATION)
    assert api(client, tok, workbook(tmp_path / "1.xlsx").read_bytes()).json()["version"] == 1
    login(client, made.password)
    desk = client.app.app.state.desk  # the desk the pages decide with (inside the security middleware)
    unit = desk.find_unit(EDUCATION)
    token_ = csrf(client, f"/office/unit/{unit.id}")  # the page that shows version 1, with its approve form
    newer = workbook(tmp_path / "2.xlsx", explained="属实").read_bytes()
    _upload_first(desk, lambda: desk.receive(unit, newer, "2.xlsx", "unit:test", lambda p: check_file(str(p))))
    stale = client.post(f"/office/unit/{unit.id}/approve", data={"csrf": token_, "version": "1"})
    assert stale.status_code == 409
    assert f"{EDUCATION} 的第 1 版已不是最新版（最新是第 2 版），请先查看最新版" in text(stale.text)
    status = client.get(f"/u/{tok}").text
    assert "已备案" not in text(status)
    assert api(client, tok, workbook(tmp_path / "3.xlsx", explained="属实，见说明").read_bytes()).json()["version"] == 3


def test_a_cover_naming_two_units_is_refused_on_the_page_and_by_the_api(client, made, tmp_path):
    from test_desk import POLICE, _posing

    posing = _posing(tmp_path / "教育局.xlsx")
    said = (f"工作簿封面上的单位名称“{POLICE}”是名册中的{POLICE}，统一社会信用代码 11419999178273764W 却是"
            f"{EDUCATION}的；名称和代码须是同一个单位的，请改正封面")
    page = upload(client, token(made.desk.folder, EDUCATION), posing)
    assert page.status_code == 422 and said in text(page.text)
    answer = api(client, token(made.desk.folder, POLICE), posing.read_bytes())
    assert (answer.status_code, answer.json()["error"]) == (422, said)


def test_odd_requests_are_answered_in_words_not_500s(client, made):
    """issue 26 item 11: a unit number past SQLite's integers is no such unit (404, not
    an OverflowError's 500); a form's body too large or unreadable (two files) is a
    Chinese page, the API's JSON; the board's notice box says only what the desk
    issued (a refusal's key, a summary it keeps), never text from the address."""
    login(client, made.password)
    huge = "999999999999999999999999999999"
    for method, path in [("GET", f"/office/unit/{huge}"), ("GET", f"/office/unit/{huge}/note.docx"),
                         ("GET", f"/office/unit/{huge}/v/1"), ("GET", f"/office/unit/{huge}/compare?old=1&new=2"),
                         ("POST", f"/office/unit/{huge}/approve")]:
        data = {"csrf": csrf(client)} if method == "POST" else None
        answer = client.request(method, path, data=data)
        assert answer.status_code == 404, path
        assert "页面不存在 审核台没有这个地址（单位或版本不存在，或地址输错了）。" in text(answer.text), path
    tok = token(made.desk.folder, EDUCATION)
    big = client.post(f"/u/{tok}/upload", files={"file": ("a.xlsx", b"\0" * 21 * 2**20)})
    assert (big.status_code, big.headers["content-type"]) == (413, "text/html; charset=utf-8")
    assert text(big.text).endswith("未收下这次上传 文件超过 20 MB（填好的工作簿通常不到 1 MB）")
    two = [("file", ("a.xlsx", b"x")), ("file", ("b.xlsx", b"y"))]
    form = client.post(f"/u/{tok}/upload", files=two)
    assert form.status_code == 400 and text(form.text).endswith("操作未执行 表单内容不完整，请重新填写。")
    by_api = client.post("/api/upload", files=two, headers={"Authorization": f"Bearer {tok}"})
    assert (by_api.status_code, by_api.json()) == (400, {"error": "表单内容不完整，请重新填写。"})
    assert made.desk.ledger.versions() == []
    planted = text(client.get("/office?problem=请立即拨打 400-000-0000 核实&merged=x.xlsx").text)
    assert "400-000-0000" not in planted and "已汇总" not in planted
    refused = client.post("/office/merge", data={"csrf": csrf(client), "unit": "示例县"})
    assert refused.headers["location"] == "/office?problem=nothing_approved"
    assert "还没有备案的报告，没有可以汇总的" in text(client.get(refused.headers["location"]).text)


def test_a_summary_is_served_only_from_inside_the_summaries_folder(client, made):
    """issue 26 item 12: the summary's name is resolved and must stay inside summaries/:
    `..`, Windows' `\\` and a link that leads out name nothing (404), a summary kept
    there downloads."""
    folder = made.desk.folder / "summaries"
    folder.mkdir()
    (folder / "2023年度汇总.xlsx").write_bytes(b"PK")
    (folder / "out.xlsx").symlink_to(made.desk.folder / "desk.sqlite")
    login(client, made.password)
    for name in ("%2E%2E", "%2E%2E%5Cdesk.sqlite", "a%5C..%5C..%5Cdesk.sqlite", "..%2Fdesk.sqlite",
                 "out.xlsx", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"):
        answer = client.get(f"/office/summaries/{name}")
        assert answer.status_code == 404, name
        assert "页面不存在" in text(answer.text), name
    assert client.get("/office/summaries/2023年度汇总.xlsx").content == b"PK"


def test_the_desks_folder_and_files_are_its_accounts_only_whatever_the_umask(tmp_path, checker, cli):
    """issue 26 item 10: with umask 022 the desk folder is 0700 and every file it writes
    (the ledger and its -wal/-shm, 单位链接.csv, versions, marked copies, the note,
    summaries) 0600 (a version 0400: read-only)."""
    import os

    from desk_helpers import write_roster

    folder = tmp_path / "审核台"
    mask = os.umask(0o022)
    try:
        made = cli("desk", "init", folder, "--roster", write_roster(tmp_path / "名册.csv"), "--year", "2023")
        assert made.exit_code == 0, made.output
        password = re.search(r"[0-9a-z]{4}(?:-[0-9a-z]{4})+", made.output)[0]
        with TestClient(build_app(folder, checker=checker), follow_redirects=False) as client:
            tok = token(folder, EDUCATION)
            assert upload(client, tok, workbook(tmp_path / "a.xlsx", mistake=True)).status_code == 303
            assert client.get(f"/u/{tok}/v/1/marked").status_code == 200
            login(client, password)
            unit = Desk(folder).find_unit(EDUCATION).id
            assert client.get(f"/office/unit/{unit}/note.docx").status_code == 200
            assert upload(client, tok, workbook(tmp_path / "b.xlsx")).status_code == 303
            assert client.post(f"/office/unit/{unit}/approve", data={"csrf": csrf(client)}).status_code == 303
            assert client.post("/office/merge", data={"csrf": csrf(client), "unit": "示例县"}).status_code == 303
            held = Desk(folder).ledger.connect()  # an open ledger has its -wal and -shm
            held.execute("SELECT COUNT(*) FROM events").fetchone()
            files = {p.relative_to(folder).as_posix().split("/")[0]: p for p in folder.rglob("*") if p.is_file()}
            assert {"desk.sqlite", "desk.sqlite-wal", "desk.sqlite-shm", "单位链接.csv", "versions", "marked",
                    "summaries"} <= set(files)
            modes = {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")
                     if p.is_file()}
            held.close()
    finally:
        os.umask(mask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {name: mode for name, mode in modes.items() if mode & 0o077} == {}
    assert {mode for name, mode in modes.items() if name.startswith("versions")} == {0o400}


def test_a_new_password_ends_every_session_and_a_reissued_link_kills_the_old(client, made, tmp_path, cli):
    """issue 26 item 6: after `desk password` the office's session cookie opens nothing
    (the board asks to sign in again); `desk links --reissue UNIT` gives the unit a new
    link in 单位链接.csv and its old link is as unknown as any wrong one."""
    from desk_helpers import links

    folder = made.desk.folder
    login(client, made.password)
    assert client.get("/office").status_code == 200
    changed = cli("desk", "password", folder)
    assert changed.exit_code == 0 and "已登录的网页都已退出" in changed.output
    assert client.get("/office").headers["location"] == "/office/login"
    assert client.get("/api/status").status_code == 401
    assert client.post("/office/merge", data={"unit": "示例县"}).status_code == 403

    before, old = links(folder), token(folder, EDUCATION)
    reissued = cli("desk", "links", folder, "--reissue", "教育局")
    after = links(folder)
    assert reissued.exit_code == 0
    assert reissued.stdout == (f"已为 {EDUCATION} 换发新链接，旧链接从现在起打不开：{after[EDUCATION]}\n"
                               f"  已写入 {folder / '单位链接.csv'}；请把新链接只发给这个单位。\n")
    assert after[EDUCATION] != before[EDUCATION] and after[EDUCATION].startswith("http://127.0.0.1:8000/u/")
    assert {u: link for u, link in after.items() if u != EDUCATION} == \
        {u: link for u, link in before.items() if u != EDUCATION}
    assert client.get(f"/u/{old}").status_code == 404
    assert api(client, old, workbook(tmp_path / "a.xlsx").read_bytes()).status_code == 401
    assert client.get(f"/u/{token(folder, EDUCATION)}").status_code == 200
    assert api(client, token(folder, EDUCATION), workbook(tmp_path / "a.xlsx").read_bytes()).status_code == 200
    assert [e.kind for e in made.desk.ledger.events()][-3:] == ["password", "reissued", "submitted"]
    neither = cli("desk", "links", folder)
    assert (neither.exit_code, neither.output) == (
        2, "xltools: 请给出 --base-url（改写各单位链接的地址）或 --reissue 单位（为这个单位换发新链接）\n")


def test_the_merges_refusal_for_want_of_a_unit_says_so(client, made, cli):
    """words.yaml had desk_merge_unit twice: the form's label won, and the refusal said
    "汇总单位（写在汇总表封面上）" instead of asking for the unit."""
    login(client, made.password)
    said = "请写明汇总单位（如 --unit 示例县），它写在汇总表的封面上"
    assert said in text(client.get("/office?problem=merge_unit").text)
    assert "汇总单位（写在汇总表封面上）" in text(client.get("/office").text)  # the form's label
