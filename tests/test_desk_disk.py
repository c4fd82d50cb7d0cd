"""The desk on a disk that refuses its writes (issue 26 item 8), and the desk under
malformed requests (issue 26: no request, however malformed, gets a 500 or an English
page). Every failure here is the system's own, none mocked: the ledger's write-ahead
log made the system's full device (writes there fail with ENOSPC, SQLite's "database
or disk is full") or, where the test is not root, the ledger made read-only; a
file-size limit (RLIMIT_FSIZE) on the process that writes; /dev/full; SQLite's
read-only connection."""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from desk_helpers import EDUCATION, api, csrf, login, text, token, workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from xltools.desk.checking import CheckCrashed
from xltools.desk.web import ROUTES

FULL = "审核台磁盘已满或不可写，请联系县政务公开办"


def kept_files(folder: Path) -> list[Path]:
    """Every file in the desk's versions/ (a draft among them)."""
    versions = folder / "versions"
    return sorted(p for p in versions.rglob("*") if p.is_file()) if versions.is_dir() else []


def consistent(folder: Path) -> list[str]:
    """The ledger and versions/ agree: every row's file there, every file there a row's."""
    with contextlib.closing(sqlite3.connect(folder / "desk.sqlite")) as conn:
        stored = sorted(r[0] for r in conn.execute("SELECT stored FROM versions"))
    return sorted(set(stored) ^ {p.relative_to(folder).as_posix() for p in kept_files(folder)})


@contextlib.contextmanager
def ledger_refusing(folder: Path):
    """The desk's ledger refusing every write, for real. As root (CI), its write-ahead
    log is made a device node of the system's full device: SQLite reads it as an empty
    log, and every write there fails with ENOSPC ("database or disk is full"); a
    connection held open keeps it (the last connection to close removes the log). As
    anyone else, the ledger is made read-only ("attempt to write a readonly database"):
    chmod does not stop root, which is why it cannot be the only way."""
    ledger, wal = folder / "desk.sqlite", folder / "desk.sqlite-wal"
    assert not wal.exists()  # every connection closed: the log written back and removed
    if os.geteuid() != 0:
        mode = ledger.stat().st_mode
        ledger.chmod(0o400)
        try:
            yield "没有写入权限"
        finally:
            ledger.chmod(mode)
        return
    try:
        os.mknod(wal, stat.S_IFCHR | 0o600, os.stat("/dev/full").st_rdev)
    except PermissionError:
        pytest.skip("no device node can be made here (a container without CAP_MKNOD)")
    hold = sqlite3.connect(ledger)
    try:
        hold.execute("SELECT COUNT(*) FROM meta").fetchall()
        yield "磁盘空间不足"
    finally:
        hold.close()
    assert not wal.exists()


def test_a_ledger_that_cannot_be_written_answers_503_in_words_and_keeps_no_file(client, made, tmp_path, capsys):
    """issue 26 item 8: an upload to a desk whose ledger cannot be written was a bare
    500 and left its file in versions/ without a row. Now: 503, the unit's page and the
    API in the words a unit can act on, the office's page with the reason; no file kept,
    no row; the console says it once, and once again only after a write succeeded."""
    folder = made.desk.folder
    tok = token(folder, EDUCATION)
    book = workbook(tmp_path / "教育局.xlsx").read_bytes()
    login(client, made.password)
    form = csrf(client)
    events = len(made.desk.ledger.events())
    capsys.readouterr()
    with ledger_refusing(folder) as reason:
        by_api = api(client, tok, book)
        by_page = client.post(f"/u/{tok}/upload", files={"file": ("年报.xlsx", book)})
        by_office = client.post("/office/logout", data={"csrf": form})  # recorded, as every office action
        console = capsys.readouterr().err
    assert (by_api.status_code, by_api.headers["content-type"], by_api.json()) == (
        503, "application/json", {"error": FULL})
    assert by_page.status_code == 503 and text(by_page.text).endswith(f"暂时无法保存 {FULL}")
    assert by_office.status_code == 503
    assert (f"暂时无法保存 审核台磁盘已满或不可写（{reason}），这次操作没有完成。"
            f"请腾出磁盘空间或改正 {folder} 的权限后再试") in text(by_office.text)
    assert "Internal Server Error" not in by_page.text + by_office.text
    assert kept_files(folder) == [] and made.desk.ledger.versions() == []
    assert len(made.desk.ledger.events()) == events and not (folder / "logs").exists()
    assert console.count("审核台磁盘已满或不可写") == 1, console  # three refusals, one line
    assert console.startswith(f"审核台磁盘已满或不可写（{reason}）：{folder}。在腾出磁盘空间或改正权限之前，"
                              "上传和办公室的操作都会被拒绝（503）；之后自动恢复。\n"), console

    freed = api(client, tok, book)  # the disk freed: the desk goes on by itself
    assert (freed.status_code, freed.json()["version"]) == (200, 1)
    assert consistent(folder) == [] and len(kept_files(folder)) == 1
    with ledger_refusing(folder):
        again = api(client, tok, workbook(tmp_path / "改.xlsx", mistake=True).read_bytes())
        assert api(client, tok, workbook(tmp_path / "三.xlsx", mistake=True, explained="原件如此").read_bytes()) \
            .status_code == 503
    assert again.status_code == 503 and capsys.readouterr().err.count("审核台磁盘已满或不可写") == 1
    assert consistent(folder) == [] and [v.number for v in made.desk.ledger.versions()] == [1]


LIMITED_WEB = """
import json, sys
from pathlib import Path
from starlette.testclient import TestClient
from xltools.desk.checking import Checker
from xltools.desk.web import build_app

folder, tok, book = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]).read_bytes()
with TestClient(build_app(folder, checker=Checker(workers=1, warm=False)), follow_redirects=False) as c:
    by_api = c.post("/api/upload", files={"file": ("年报.xlsx", book)}, headers={"Authorization": f"Bearer {tok}"})
    by_page = c.post(f"/u/{tok}/upload", files={"file": ("年报.xlsx", book)})
print(json.dumps({"api": [by_api.status_code, by_api.json()], "page": [by_page.status_code, by_page.text]}))
"""


def _limited(limit: int):
    """A process that may write no file past `limit` bytes (SIGXFSZ ignored, as Python
    does anyway: the write fails with EFBIG instead of killing the process)."""
    import resource
    import signal

    def start():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return start


@contextlib.contextmanager
def held(folder: Path):
    """A connection held open, so that the ledger's shared-memory file is there at its
    full size (32 KB) for the limited process: it reads, and writes no file past its limit."""
    hold = sqlite3.connect(folder / "desk.sqlite")
    try:
        hold.execute("SELECT COUNT(*) FROM meta").fetchall()
        yield
    finally:
        hold.close()


def test_an_upload_whose_file_cannot_be_written_answers_503_and_leaves_nothing(made, tmp_path):
    """The desk's server may write no file past 16 KB (a file-size limit: the kernel's
    EFBIG, as a full disk's ENOSPC): an upload of 27 KB is 503 in words, by the API
    (JSON) and the unit's page, and nothing is left in incoming/ or versions/."""
    folder = made.desk.folder
    book = workbook(tmp_path / "教育局.xlsx")
    with held(folder):
        done = subprocess.run([sys.executable, "-c", LIMITED_WEB, str(folder), token(folder, EDUCATION), str(book)],
                              capture_output=True, text=True, timeout=120, preexec_fn=_limited(16 * 1024))
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert said["api"] == [503, {"error": FULL}]
    assert said["page"][0] == 503 and text(said["page"][1]).endswith(f"暂时无法保存 {FULL}")
    assert done.stderr.count("审核台磁盘已满或不可写（文件超过系统允许的大小）") == 1, done.stderr
    assert list((folder / "incoming").iterdir()) == [] and kept_files(folder) == []
    assert made.desk.ledger.versions() == [] and not (folder / "logs").exists()


def test_desk_add_on_a_disk_that_takes_no_more_bytes_says_so_in_one_line_and_keeps_nothing(made, tmp_path):
    """`xltools desk add` whose stored copy cannot be written (EFBIG): one Chinese line
    naming the file, exit 2, no traceback, no log, no row, no file in versions/."""
    folder = made.desk.folder
    book = workbook(tmp_path / "教育局.xlsx")
    with held(folder):
        done = subprocess.run([sys.executable, "-m", "xltools", "desk", "add", str(folder), str(book)],
                              capture_output=True, text=True, timeout=120, preexec_fn=_limited(16 * 1024))
    [line] = done.stderr.splitlines()
    assert done.returncode == 2 and done.stdout == ""
    assert re.fullmatch(r"xltools: 无法写入 \S+/versions/[0-9a-f]{2}/[0-9a-f]{64}\.xlsx："
                        r"文件超过系统允许的大小（磁盘已满或不可写），这次操作没有完成。"
                        r"请腾出磁盘空间或改正文件夹的权限后再运行。", line), line
    assert kept_files(folder) == [] and made.desk.ledger.versions() == []


def test_desk_commands_on_a_ledger_that_cannot_be_written_say_so_and_keep_nothing(made, tmp_path, cli):
    """Every desk command that records something, on a ledger that refuses the write:
    one line, exit 2, nothing kept (`desk add` left its file in versions/ without a row)."""
    folder = made.desk.folder
    book = workbook(tmp_path / "教育局.xlsx")
    assert cli("desk", "add", folder, workbook(tmp_path / "第一版.xlsx", mistake=True)).exit_code == 0
    with ledger_refusing(folder) as reason:
        said = {args[1]: cli(*args) for args in [("desk", "add", folder, book), ("desk", "return", folder, "教育局"),
                                                 ("desk", "password", folder)]}
    line = f"xltools: 磁盘已满或不可写（{reason}），这次操作没有完成。请腾出磁盘空间或改正文件夹的权限后再运行。\n"
    assert {k: (r.exit_code, r.stdout, r.stderr) for k, r in said.items()} == {k: (2, "", line) for k in said}
    assert consistent(folder) == [] and len(kept_files(folder)) == 1
    assert [v.number for v in made.desk.ledger.versions()] == [1]


def test_the_disks_refusals_are_told_from_any_other_error(tmp_path):
    """What the desk answers 503 for, each raised by the system itself: SQLite's
    read-only connection, the full device, a worker's error that came from one; and
    what it does not (no such table, no such file, a bug)."""
    from xltools.model.files import unwritable

    def raised(act) -> BaseException:
        try:
            act()
        except BaseException as exc:
            return exc
        raise AssertionError("nothing raised")

    def full() -> None:
        with open("/dev/full", "wb", buffering=0) as fh:
            fh.write(b"x")

    def wrapped() -> None:
        try:
            full()
        except OSError as exc:
            raise CheckCrashed("the worker's") from exc

    ledger = tmp_path / "ledger.sqlite"
    with contextlib.closing(sqlite3.connect(ledger)) as conn:
        conn.execute("CREATE TABLE t (x)")
    read_only = sqlite3.connect(f"{ledger.as_uri()}?mode=ro", uri=True)
    memory = sqlite3.connect(":memory:")
    refusals = {name: unwritable(raised(act)) for name, act in [
        ("read-only", lambda: read_only.execute("INSERT INTO t VALUES (1)")), ("full", full), ("wrapped", wrapped),
        ("no table", lambda: memory.execute("SELECT * FROM nothing")), ("no file", lambda: open("/nonexistent/x")),
        ("bug", lambda: 1 / 0)]}
    assert {k: v and v.errno for k, v in refusals.items()} == {
        "read-only": errno.EACCES, "full": errno.ENOSPC, "wrapped": errno.ENOSPC, "no table": None, "no file": None,
        "bug": None}


# --- no request, however malformed, gets a 500 or an English page

ENGLISH = ("Internal Server Error", "Not Found", "Method Not Allowed", "Bad Request", "Traceback", "Too many",
           "boundary", "Error")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
# what a path's part may be: plain, percent-encoded dots and backslashes, bytes no UTF-8 has,
# a NUL, a broken escape, Chinese, far too long, negative, zero, past SQLite's integers
PARTS = ("x", "1", "%00", "%2E%2E", "..%2F..%2Fdesk.sqlite", "a%5C..%5C..%5Cdesk.sqlite", "%FF%FE", "%", "%zz",
         "中文", "a" * 4000, "-1", "0", "99999999999999999999999999999", "1e3", "%20", "%0A", "file", "marked")
B = "XyZ"
MULTIPART = f"multipart/form-data; boundary={B}"


def _part(name: str, body: bytes, filename: str | None = None) -> bytes:
    named = f'; filename="{filename}"' if filename is not None else ""
    return f'--{B}\r\nContent-Disposition: form-data; name="{name}"{named}\r\n\r\n'.encode() + body + b"\r\n"


# bodies a form or the API may be sent: (content-type, body)
BODIES = {
    "nothing": (None, b""),
    "no boundary": ("multipart/form-data", _part("file", b"PK", "a.xlsx") + f"--{B}--\r\n".encode()),
    "truncated": (MULTIPART, _part("file", b"PK\x03\x04", "a.xlsx")[:-10]),
    "garbage": (MULTIPART, b"\x00\xff garbage"),
    "no disposition": (MULTIPART, f"--{B}\r\n\r\nabc\r\n--{B}--\r\n".encode()),
    "broken header": (MULTIPART, f"--{B}\r\nContent-Disposition\r\n\r\nabc\r\n--{B}--\r\n".encode()),
    "empty file name": (MULTIPART, _part("file", b"PK", "") + f"--{B}--\r\n".encode()),
    "NUL in file name": (MULTIPART, _part("file", b"PK", "中\x00.xlsx") + f"--{B}--\r\n".encode()),
    "many files": (MULTIPART, b"".join(_part(f"f{i}", b"PK", "a.xlsx") for i in range(40)) + f"--{B}--\r\n".encode()),
    "many fields": ("application/x-www-form-urlencoded", b"&".join(b"a%d=1" % i for i in range(2000))),
    "garbled CSRF": (MULTIPART, _part("csrf", b"\xff\xfe\x00") + _part("nonce", b"%") + f"--{B}--\r\n".encode()),
    "bad form escapes": ("application/x-www-form-urlencoded", b"csrf=%zz&nonce=%00&&=&password=%FF"),
    "bad JSON": ("application/json", b'{"file": '),
    "plain text": ("text/plain", b"hello"),
    "empty boundary": ("multipart/form-data; boundary=", b"--\r\n"),
    "long boundary": ("multipart/form-data; boundary=" + "a" * 300, b"--" + b"a" * 300 + b"\r\n"),
    "odd charset": ("application/x-www-form-urlencoded; charset=klingon", b"csrf=1"),
}
AUTHORIZATION = (b"", b"Bearer", b"Bearer ", b"Basic YTpi", b"Bearer \xff\xfe", b"bearer  a b", "Bearer 中文".encode(),
                 b"Bearer " + b"a" * 8000)


def sound(answer, what: str) -> list[str]:
    """What is wrong with one answer: a 500, an English page, a page in no words, an
    API answer that is not JSON, a refusal that is neither a page nor JSON."""
    kind = answer.headers.get("content-type", "")
    body = answer.text if answer.request.method != "HEAD" else ""
    wrong = []
    if answer.status_code >= 500:
        wrong.append(f"{answer.status_code}")
    if answer.request.url.path.startswith("/api/") and body:
        try:
            json.loads(body)
        except ValueError:
            wrong.append("not JSON")
    if kind.startswith("text/html") and body:
        shown = text(body)
        if not re.search(r"[\u4e00-\u9fff]", shown) or any(e in shown for e in ENGLISH):
            wrong.append("English")
    if answer.status_code >= 400 and body and not kind.startswith(("text/html", "application/json")):
        wrong.append(f"a refusal as {kind or 'nothing'}")
    return [f"{what}: {', '.join(wrong)} {body[:120]!r}"] if wrong else []


@pytest.fixture
def live(client, made, tmp_path):
    """The desk with one version of 教育局's, and the office signed in on `client`;
    `anonymous` a second client, signed in nowhere."""
    tok = token(made.desk.folder, EDUCATION)
    assert api(client, tok, workbook(tmp_path / "教育局.xlsx", mistake=True).read_bytes()).status_code == 200
    login(client, made.password)
    return tok


def _filled(path: str, part: str, tok: str) -> list[str]:
    """A route's path with every parameter `part`; for a unit's, also with its own link and `part` after."""
    fill = re.sub(r"\{[a-z]+(:int)?\}", part.replace("\\", "\\\\"), path)
    if "{token}" not in path:
        return [fill]
    own = re.sub(r"\{[a-z]+(:int)?\}", part.replace("\\", "\\\\"), path.replace("{token}", tok))
    return [fill, own]


def test_no_route_answers_a_malformed_address_or_method_with_a_500_or_english(client, made, live):
    """Every route of the desk, with every method, every kind of malformed part in its
    address, signed in and not: never 500, every page in Chinese, the API in JSON."""
    wrong = []
    anonymous = TestClient(client.app, follow_redirects=False)
    for route in ROUTES:
        for part in PARTS:
            for path in _filled(route.path, part, live):
                for method in METHODS:
                    for who, c in (("office", client), ("nobody", anonymous)):
                        wrong += sound(c.request(method, path), f"{who} {method} {path[:80]}")
    assert wrong == [], "\n".join(wrong[:40])


def test_no_malformed_body_or_header_gets_a_500_or_english(client, made, live):
    """Every route that takes a form or an upload, sent every kind of malformed body
    (no boundary, truncated, many files, an empty file name, garbled CSRF tokens, bad
    JSON), with and without a session, and every malformed Authorization header."""
    wrong = []
    anonymous = TestClient(client.app, follow_redirects=False)
    posts = [r.path for r in ROUTES if "POST" in (r.methods or ())]
    for path in posts:
        path = path.replace("{token}", live).replace("{unit:int}", "1").replace("{action}", "approve")
        for name, (kind, body) in BODIES.items():
            for who, c in (("office", client), ("nobody", anonymous)):
                headers = {"content-type": kind} if kind else {}
                if path.startswith("/api/"):
                    headers["authorization"] = f"Bearer {live}"
                wrong += sound(c.post(path, content=body, headers=headers), f"{who} POST {path[:60]} {name}")
    for auth in AUTHORIZATION:
        for method, path in (("GET", "/api/status"), ("POST", "/api/upload"), ("GET", "/office"),
                             ("POST", "/office/merge")):
            headers = {b"authorization": auth, b"cookie": b"desk_session=%FF\x7f; desk_login=;;="}
            answer = anonymous.request(method, path, headers=headers, content=BODIES["truncated"][1])
            wrong += sound(answer, f"{method} {path} authorization {auth[:20]!r}")
    assert wrong == [], "\n".join(wrong[:40])


_ROUTES = st.sampled_from(ROUTES)
_PART = st.one_of(st.sampled_from(PARTS), st.text(max_size=30), st.integers(-2**80, 2**80).map(str))
_HEADER = st.binary(max_size=40).map(lambda b: bytes(c for c in b if c not in b"\r\n\0"))
# a body: any bytes as any kind, or a form whose CSRF token and nonce are any text
_BODY = st.one_of(
    st.tuples(st.sampled_from([k for k, _ in BODIES.values()]), st.binary(max_size=400)),
    st.text(max_size=20).map(lambda t: (MULTIPART, _part("csrf", t.encode()) + _part("nonce", t.encode())
                                        + f"--{B}--\r\n".encode())))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=_ROUTES, part=_PART, method=st.one_of(st.none(), st.sampled_from(METHODS)), body=_BODY, auth=_HEADER,
       escaped=st.booleans())
def test_any_request_is_answered_in_words(client, made, live, route, part, method, body, auth, escaped):
    """Requests drawn at random (derandomised in CI): any route, any text or number
    in its address (percent-encoded or as it is), its own method (None) or any other,
    any body and Authorization."""
    from urllib.parse import quote

    path, method = route.path, method or ("POST" if "POST" in route.methods else "GET")
    part = quote(part, safe="") if escaped or not part.isprintable() else part.replace("?", "%3F").replace("#", "%23")
    [filled, *_] = _filled(path, part, live)[::-1]
    kind, content = body
    headers = {b"authorization": auth, **({b"content-type": kind.encode()} if kind else {})}
    answer = client.request(method, filled, content=content if method not in ("GET", "HEAD") else None,
                            headers=headers)
    assert sound(answer, f"{method} {filled[:80]}") == []


def test_a_merge_the_ledger_cannot_record_leaves_no_summary(made, tmp_path, cli):
    """`desk merge` on a ledger that refuses the write: one line, exit 2, and no summary
    the ledger does not know of (it was written, then its event refused)."""
    folder = made.desk.folder
    assert cli("desk", "add", folder, workbook(tmp_path / "教育局.xlsx")).exit_code == 0
    assert cli("desk", "approve", folder, "教育局").exit_code == 0
    out = tmp_path / "汇总.xlsx"
    with ledger_refusing(folder) as reason:
        merged = cli("desk", "merge", folder, "-o", out, "--jobs", "1")
    assert (merged.exit_code, merged.stderr) == (
        2, f"xltools: 磁盘已满或不可写（{reason}），这次操作没有完成。请腾出磁盘空间或改正文件夹的权限后再运行。\n")
    assert not out.exists() and [e.kind for e in made.desk.ledger.events()][-1] == "approved"
