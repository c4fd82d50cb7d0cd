"""The desk under a guessing attack (issue 26 item 7): wrong passwords and wrong links
are counted per client address and hour, refused past a limit (429, in words, before
any hash) while the office signs in from elsewhere, and the board reads what the units
did, never the office's own events, however many."""
from __future__ import annotations

import hashlib
import re
import sqlite3

import pytest
from desk_helpers import EDUCATION, login, text, token, workbook
from starlette.testclient import TestClient

from xltools.desk.checking import check_file
from xltools.desk.ledger import Ledger
from xltools.desk.settings import settings
from xltools.desk.web import build_app
from xltools.model.config import Limit

ATTACKER, OFFICE = "203.0.113.7", "192.0.2.10"


@pytest.fixture
def limits(monkeypatch):
    monkeypatch.setattr(settings().throttle, "login", Limit(per_address=3, total=5))
    monkeypatch.setattr(settings().throttle, "token", Limit(per_address=4, total=6))


@pytest.fixture
def hashes(monkeypatch):
    """How many scrypt hashes the desk computes."""
    done, real = [], hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **kw: done.append(1) or real(*a, **kw))
    return done


def clients(made, checker, *addresses: str) -> list[TestClient]:
    app = build_app(made.desk.folder, checker=checker)
    return [TestClient(app, follow_redirects=False, client=(a, 40000)) for a in addresses]


def refused_page(answer) -> str:
    """A throttled form's answer: 429, Retry-After within the hour, the page's words."""
    assert answer.status_code == 429
    assert 0 < int(answer.headers["retry-after"]) <= 3600
    return text(answer.text)


def test_wrong_passwords_from_one_address_are_refused_without_a_hash_while_the_office_signs_in(
        made, checker, limits, hashes):
    attacker, office = clients(made, checker, ATTACKER, OFFICE)
    for _ in range(3):
        assert login(attacker, "wrong-guess").headers["location"] == "/office/login?wrong=1"
    assert len(hashes) == 3
    minutes = -(-int(login(attacker, "another-guess").headers["retry-after"]) // 60)
    said = refused_page(login(attacker, made.password))  # even the right password, from there
    assert ("尝试次数过多 从你的网络地址发来的错误密码或错误链接过多，为防止有人猜测，暂不受理，"
            f"请 {minutes} 分钟后再试。") in said
    by_api = attacker.get("/api/status", headers={"Authorization": f"Bearer {made.password}"})
    assert by_api.status_code == 429 and "从你的网络地址发来的错误密码或错误链接过多" in by_api.json()["error"]
    assert len(hashes) == 3  # refused at once: no hash computed
    assert login(office, made.password).headers["location"] == "/office"
    assert office.get("/office").status_code == 200 and len(hashes) == 4


def test_too_many_wrong_passwords_from_all_addresses_together_stop_every_sign_in_and_say_so(
        made, checker, limits, hashes):
    first, second, office = clients(made, checker, "203.0.113.1", "203.0.113.2", OFFICE)
    for client in (first, first, first, second, second):
        assert login(client, "wrong-guess").status_code == 303
    said = refused_page(login(office, made.password))
    assert "本小时审核台收到的错误密码或错误链接过多（来自多个地址），为防止有人猜测，暂停受理所有地址" in said
    assert len(hashes) == 5


def test_wrong_links_and_tokens_are_throttled_per_address(made, checker, limits):
    attacker, unit = clients(made, checker, ATTACKER, OFFICE)
    good = token(made.desk.folder, EDUCATION)
    bad = "x" * len(good)
    assert [attacker.get(f"/u/{bad}").status_code for _ in range(2)] == [404, 404]
    bearer = {"Authorization": f"Bearer {bad}"}
    assert attacker.post("/api/upload", headers=bearer, files={"file": ("a.xlsx", b"x")}).status_code == 401
    assert attacker.get(f"/u/{bad}/v/1").status_code == 404
    said = refused_page(attacker.get(f"/u/{bad}"))
    assert "从你的网络地址发来的错误密码或错误链接过多" in said
    assert attacker.get(f"/u/{good}").status_code == 200  # the right link opens, even from there
    api = attacker.post("/api/upload", headers=bearer, files={"file": ("a.xlsx", b"x")})
    assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
    assert api.json()["error"].startswith("从你的网络地址发来的错误密码或错误链接过多")
    assert unit.get(f"/u/{good}").status_code == 200  # the unit's own address is not refused


def test_failures_are_counters_per_address_and_hour_not_events(made, checker, limits):
    attacker, office = clients(made, checker, ATTACKER, OFFICE)
    events = len(made.desk.ledger.events())
    for _ in range(2):
        login(attacker, "wrong-guess")
    login(office, "wrong-guess")
    attacker.get("/u/not-a-link")
    with made.desk.ledger.read() as conn:
        rows = sorted(tuple(r) for r in conn.execute("SELECT address, kind, count FROM failures"))
        hours = {r[0] for r in conn.execute("SELECT hour FROM failures")}
    assert rows == [("*", "login", 3), ("*", "token", 1), (OFFICE, "login", 1), (ATTACKER, "login", 2),
                    (ATTACKER, "token", 1)]
    assert len(hours) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d", hours.pop())
    assert len(made.desk.ledger.events()) == events  # not one row per attempt


def test_an_older_desk_with_login_failed_events_opens_and_counts(made, checker, limits):
    with sqlite3.connect(made.desk.ledger.path) as conn:
        conn.execute("DROP TABLE failures")
        conn.execute("INSERT INTO events (kind, who, at) VALUES ('login_failed', 'office:web:1.2.3.4', "
                     "'2024-01-02T09:00:00+08:00')")
    attacker, = clients(made, checker, ATTACKER)
    for _ in range(3):
        login(attacker, "wrong-guess")
    assert login(attacker, "wrong-guess").status_code == 429
    assert [e.kind for e in made.desk.ledger.events()] == ["created", "login_failed"]


def _steps(ledger: Ledger, monkeypatch) -> list[int]:
    """Each read of the ledger counts the SQLite VM's steps (one progress call each)."""
    counted, connect = [], Ledger.connect

    def counting(self):
        conn = connect(self)
        counted.append(0)
        at = len(counted) - 1
        conn.set_progress_handler(lambda: counted.__setitem__(at, counted[at] + 1) or 0, 1)
        return conn

    monkeypatch.setattr(Ledger, "connect", counting)
    return counted


def _events(ledger: Ledger, n: int, unit_id: int | None = None, kind: str = "login") -> None:
    with ledger.write() as conn:
        conn.executemany("INSERT INTO events (unit_id, kind, who, at) VALUES (?, ?, ?, '2024-01-02T09:00:00+08:00')",
                         [(unit_id, kind, f"web:10.0.{i // 250}.{i % 250}") for i in range(n)])


def _seen(s) -> tuple:
    """All a standing says (its `events` on the board are only those it follows from)."""
    return (s.unit, s.versions, s.status, s.overdue, s.late, s.due, s.approved, s.filing, s.last_return,
            s.returned_number, s.publication, s.unread, s.notes)


def test_the_board_and_the_status_read_the_same_however_many_sign_ins_and_downloads(
        made, checker, tmp_path, monkeypatch):
    desk = made.desk
    sent = workbook(tmp_path / "a.xlsx")
    unit = desk.find_unit(EDUCATION)
    desk.accept(unit, sent.read_bytes(), "a.xlsx", dict(check_file(str(sent)), unit=unit.name), "unit:api:test")
    desk.return_report(unit, "请改正。", "office:cli:test")
    _events(desk.ledger, 1_000)
    office, = clients(made, checker, OFFICE)
    assert login(office, made.password).status_code == 303
    counted = _steps(desk.ledger, monkeypatch)

    def reads() -> tuple[int, int]:
        counted.clear()
        assert office.get("/office").status_code == 200
        board = sum(counted)
        counted.clear()
        assert office.get("/api/status").status_code == 200
        return board, sum(counted)

    few = reads()
    standings = [_seen(s) for s in desk.standings()]
    _events(desk.ledger, 99_000)
    _events(desk.ledger, 10_000, unit.id, "downloaded")  # the unit's own downloads are not read either
    assert reads() == few
    assert [_seen(s) for s in desk.standings()] == standings
    assert standings == [_seen(desk.standing(s[0])) for s in standings]  # as every event of the unit makes it


def _failures(made) -> list[tuple]:
    with made.desk.ledger.read() as conn:
        return sorted(tuple(r) for r in conn.execute("SELECT address, kind, count FROM failures"))


def test_a_valid_link_always_opens_even_past_the_total_and_only_links_that_open_nothing_are_refused(
        made, checker, limits):
    """A flood of wrong links from many addresses must not lock the units out at the deadline:
    a valid link (192 bits, never guessed) opens whatever the throttle says; only a link
    that opens nothing is refused past the limit, and then nothing is written."""
    sprayers = clients(made, checker, *(f"203.0.113.{i}" for i in range(1, 4)))
    office_nat, = clients(made, checker, OFFICE)
    good = token(made.desk.folder, EDUCATION)
    bad = "y" * len(good)
    for sprayer in sprayers:
        assert [sprayer.get(f"/u/{bad}").status_code for _ in range(2)] == [404, 404]
    assert "本小时审核台收到的错误密码或错误链接过多（来自多个地址）" in refused_page(office_nat.get(f"/u/{bad}"))
    counted = _failures(made)
    assert counted == [("*", "token", 6)] + [(f"203.0.113.{i}", "token", 2) for i in range(1, 4)]
    for client in (*sprayers, office_nat):  # past the total, and from the sprayers' own addresses
        assert client.get(f"/u/{good}").status_code == 200
        assert client.get(f"/u/{good}/v/1").status_code == 404  # no version yet: as today, not 429
        sent = client.post("/api/upload", headers={"Authorization": f"Bearer {good}"},
                           files={"file": ("a.xlsx", b"not a workbook")})
        assert sent.status_code == 422 and sent.json()["unit"] == EDUCATION
    wrong = office_nat.post("/api/upload", headers={"Authorization": f"Bearer {bad}"}, files={"file": ("a.xlsx", b"x")})
    assert wrong.status_code == 429 and wrong.json()["error"].startswith("本小时审核台收到的错误密码或错误链接过多")
    assert _failures(made) == counted  # the valid links cost nothing, the refused ones wrote nothing


@pytest.mark.parametrize("here", ["127.0.0.1", "127.8.9.10", "::1"])
def test_past_the_total_the_office_still_signs_in_at_the_desks_own_computer_but_not_elsewhere(
        made, checker, limits, here):
    """A flood of wrong passwords from many addresses must not lock the office out of its
    own sign-in: at the machine that runs the desk (loopback) the total does not apply;
    the per-address limit does, there too."""
    first, second, elsewhere, at_the_desk = clients(made, checker, "203.0.113.1", "203.0.113.2", OFFICE, here)
    for client in (first, first, first, second, second):
        assert login(client, "wrong-guess").status_code == 303
    said = refused_page(login(elsewhere, made.password))
    assert "暂停受理所有地址" in said and "县政务公开办在运行审核台的电脑上仍可登录。" in said
    assert elsewhere.get("/api/status", headers={"Authorization": f"Bearer {made.password}"}).status_code == 429
    by_api = at_the_desk.get("/api/status", headers={"Authorization": f"Bearer {made.password}"})
    assert by_api.status_code == 200 and len(by_api.json()) == len(made.desk.ledger.units())
    assert login(at_the_desk, made.password).headers["location"] == "/office"
    assert at_the_desk.get("/office").status_code == 200
    for _ in range(3):  # its own wrong passwords are still counted, and limited per address
        assert login(at_the_desk, "wrong-guess").headers["location"] == "/office/login?wrong=1"
    assert "从你的网络地址发来的错误密码或错误链接过多" in refused_page(login(at_the_desk, made.password))
