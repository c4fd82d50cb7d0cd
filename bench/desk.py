"""The review desk under load, against a local `xltools serve` (loopback only).

    python bench/desk.py [--uploads 50] [--units 300] [--runs 20] [--events 300000] [--attack 10]
                         [--only uploads,board,events,logins]

1. uploads: a desk of UPLOADS units; each unit's real workbook (fictitious reports
   made by xltools' writer, one in ten with a mistake) uploaded to POST /api/upload,
   all at once from UPLOADS threads. Every answer must be 200 and the ledger must
   then hold UPLOADS versions. Baseline in the same run: the same server answering
   uploads one at a time. Prints p50/p95 of the latencies and the wall time.
2. board: a desk of UNITS units, most with a version (outcomes of real checks), the
   office's board GET /office rendered RUNS times through HTTP; median and p95.
   Baseline: the sign-in page (no ledger read) through the same server.
3. events: the same desk with EVENTS events in its ledger (nineteen in twenty the
   office's own: sign-ins and sign-outs; the rest the units' downloads), the board
   GET /office and GET /api/status each RUNS times; median and p95.
4. logins: an attacker guessing the office's password for ATTACK seconds from 32
   threads, all from one address (127.0.0.1), then each from its own (127.0.1.x, the
   loopback answers all of 127/8), on a fresh desk each: the wrong passwords the desk
   tried (answered 303) and refused unhashed (429) per second.
"""
from __future__ import annotations

import argparse
import collections
import csv
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import httpx2 as httpx  # the HTTP client the test extra installs

from samples import credit_code, sample_report
from xltools import write
from xltools.commands.roster import read_roster
from xltools.desk.checking import check_file
from xltools.desk.service import Desk, create


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, folder: Path):
        self.port = _port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "xltools", "serve", str(folder), "--port",
                                         str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(self.base + "/office/login", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("xltools serve did not start")
                time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def _desk(root: Path, units: list[tuple[str, str]]):
    roster = root / "roster.csv"
    with roster.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["统一社会信用代码", "单位名称", "上级单位"])
        out.writerows([(code, name, "示例县人民政府") for name, code in units])
    return create(root / "desk", read_roster(roster), 2023, "office:cli:bench", "示例县")


def _tokens(folder: Path) -> dict[str, str]:
    with (folder / "单位链接.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {r["单位名称"]: r["链接"].rsplit("/", 1)[1] for r in csv.DictReader(fh)}


def _units(n: int, rng: random.Random) -> list[tuple[str, str]]:
    return [(f"示例县第{i + 1:03d}单位", credit_code(rng)) for i in range(n)]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def uploads(root: Path, count: int) -> None:
    rng = random.Random(1)
    units = _units(count, rng)
    made = _desk(root, units)
    books = []
    for i, (name, code) in enumerate(units):
        report = sample_report(name, 2023, random.Random(i), scale=rng.choice((3, 10, 40)))
        report.meta["credit_code"] = code
        if i % 10 == 9:
            report.values["appeals.review.total"] += 1  # a mistake: R4
        path = root / f"{i:03d}.xlsx"
        write(report, path)
        books.append((name, path.read_bytes()))
    tokens = _tokens(made.desk.folder)
    server = Server(made.desk.folder)
    try:
        def send(client, name, data):
            start = time.perf_counter()
            answer = client.post(server.base + "/api/upload", files={"file": ("年报.xlsx", data)},
                                 headers={"Authorization": f"Bearer {tokens[name]}"}, timeout=300)
            return time.perf_counter() - start, answer.status_code

        with httpx.Client() as client:  # the baseline: one at a time, the first five units
            alone = [send(client, name, data) for name, data in books[:5]]
        results: list = [None] * count
        released: list[float] = []
        barrier = threading.Barrier(count, action=lambda: released.append(time.perf_counter()))

        def worker(i):
            with httpx.Client() as client:
                barrier.wait()
                results[i] = send(client, *books[i])

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - released[0]  # from the moment all 50 are let go
    finally:
        server.stop()
    latencies = [r[0] for r in results]
    statuses = sorted({r[1] for r in results})
    versions = Desk(made.desk.folder).ledger.versions()
    units_with_one = len({v.unit_id for v in versions})
    print(f"uploads: {count} at once, answers {statuses}; the ledger holds {len(versions)} versions: "
          f"{len(versions) - len(alone)} from the concurrent run (after {len(alone)} one at a time), "
          f"{units_with_one} units")
    print(f"  baseline, one at a time: median {statistics.median(x[0] for x in alone) * 1000:.0f} ms")
    print(f"  {count} at once: p50 {_percentile(latencies, 50) * 1000:.0f} ms, "
          f"p95 {_percentile(latencies, 95) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms, all done in {wall:.2f} s")


def _filled(root: Path, count: int):
    """A desk of COUNT units, four in five with a version (a real check's outcome), one in seven of those returned."""
    rng = random.Random(2)
    units = _units(count, rng)
    made = _desk(root, units)
    desk = made.desk
    sample = root / "sample.xlsx"
    write(sample_report(units[0][0], 2023, random.Random(0)), sample)
    outcome = check_file(str(sample))  # a real check's result, given to each unit as its own
    data = sample.read_bytes()
    for i, unit in enumerate(desk.ledger.units()):
        if i % 5 == 4:
            continue  # one in five has not submitted
        own = dict(outcome, unit=unit.name, code=unit.code)
        desk.accept(unit, data, "年报.xlsx", own, "unit:api:bench")
        if i % 7 == 0:
            desk.return_report(unit, "请改正。", "office:cli:bench")
    return made


def _nonce(client) -> str:
    return client.get("/office/login").text.split('name="nonce" value="')[1].split('"')[0]


def _timed(client, path: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = client.get(path)
        out.append(time.perf_counter() - start)
        assert answer.status_code == 200, answer.status_code
    return out


def _said(label: str, times: list[float]) -> str:
    return f"{label}: median {statistics.median(times) * 1000:.1f} ms, p95 {_percentile(times, 95) * 1000:.1f} ms"


def board(root: Path, count: int, runs: int) -> None:
    made = _filled(root, count)
    server = Server(made.desk.folder)
    try:
        with httpx.Client(base_url=server.base, follow_redirects=False) as client:
            client.post("/office/login", data={"nonce": _nonce(client), "password": made.password})
            _timed(client, "/office", 1)  # the first render compiles the templates
            login_page, board_page = _timed(client, "/office/login", runs), _timed(client, "/office", runs)
            size = len(client.get("/office").content)
    finally:
        server.stop()
    print(f"board: {count} units ({sum(1 for i in range(count) if i % 5 != 4)} with a version), page {size // 1024} KB")
    print(f"  baseline, sign-in page: median {statistics.median(login_page) * 1000:.1f} ms")
    print(f"  board: median {statistics.median(board_page) * 1000:.1f} ms, "
          f"p95 {_percentile(board_page, 95) * 1000:.1f} ms")


def events(root: Path, count: int, total: int, runs: int) -> None:
    made = _filled(root, count)
    ids = [u.id for u in made.desk.ledger.units()]
    with made.desk.ledger.write() as conn:  # as a year of sign-ins, sign-outs and downloads would leave them
        conn.executemany("INSERT INTO events (unit_id, kind, who, at) VALUES (?, ?, ?, '2024-01-20T09:30:00+08:00')",
                         ((ids[i % len(ids)], "downloaded", "unit:web:10.0.0.1") if i % 20 == 0 else
                          (None, ("login", "logout")[i % 2], f"office:web:10.0.{i // 250 % 250}.{i % 250}")
                          for i in range(total)))
    server = Server(made.desk.folder)
    try:
        with httpx.Client(base_url=server.base, follow_redirects=False, timeout=600) as client:
            client.post("/office/login", data={"nonce": _nonce(client), "password": made.password})
            _timed(client, "/office", 1)
            board_page, status = _timed(client, "/office", runs), _timed(client, "/api/status", runs)
    finally:
        server.stop()
    print(f"events: {count} units, {total} events added to the ledger ({total // 20} the units' own)")
    print(f"  {_said('board /office', board_page)}")
    print(f"  {_said('GET /api/status', status)}")


def _attack(base: str, address: str, until: float, answers: collections.Counter) -> None:
    """Wrong passwords from `address` until `until`, each answer's status counted."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=60,
                      transport=httpx.HTTPTransport(local_address=address)) as client:
        nonce = _nonce(client)
        while time.monotonic() < until:
            answers[client.post("/office/login", data={"nonce": nonce, "password": "wrong-guess"}).status_code] += 1


def logins(root: Path, seconds: float, threads: int = 32) -> None:
    for label, addresses in (("one address", ["127.0.0.1"] * threads),
                             ("many addresses", [f"127.0.1.{i + 1}" for i in range(threads)])):
        folder = root / label.replace(" ", "-")
        folder.mkdir()
        made = _desk(folder, _units(3, random.Random(3)))
        server = Server(made.desk.folder)
        answers: collections.Counter = collections.Counter()
        try:
            until = time.monotonic() + seconds
            workers = [threading.Thread(target=_attack, args=(server.base, a, until, answers)) for a in addresses]
            for t in workers:
                t.start()
            for t in workers:
                t.join()
        finally:
            server.stop()
        print(f"logins, {threads} threads from {label} for {seconds:.0f} s: {answers[303] / seconds:.1f} wrong "
              f"passwords tried per second ({answers[303]} in all), {answers[429] / seconds:.1f} refused unhashed "
              f"per second (429); other answers {dict((k, v) for k, v in answers.items() if k not in (303, 429))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--attack", type=float, default=10, help="seconds of each login attack")
    parser.add_argument("--only", default="uploads,board,events,logins")
    args = parser.parse_args()
    parts = {"uploads": lambda at: uploads(at, args.uploads), "board": lambda at: board(at, args.units, args.runs),
             "events": lambda at: events(at, args.units, args.events, args.runs),
             "logins": lambda at: logins(at, args.attack)}
    with tempfile.TemporaryDirectory() as d:
        for name in args.only.split(","):
            (Path(d) / name).mkdir()
            parts[name](Path(d) / name)


if __name__ == "__main__":
    main()
