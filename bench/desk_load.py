"""A unit's uploads while the office's heavy requests run, against a local
`xltools serve` (loopback only).

    python bench/desk_load.py [--units 300] [--uploads 20] [--chars 5000]

The desk: UNITS units from bench/make_submissions.py (fixed seed), every one's
submission checked and approved (those with an error stay submitted), and three
units more, that have sent nothing:
  - 比较: one unit with two large versions (each text section CHARS characters,
    every sentence's figure changed), compared on GET /office/unit/N/compare;
  - 审核意见: its note drafted as a Word file, GET /office/unit/N/note.docx;
  - 远端单元格: another unit uploading the far-cell workbook of bench/far_cell.py.
The board's merge button (POST /office/merge) merges every approved version.

A third unit (示例县上报单位) uploads UPLOADS workbooks of its own, one after the
other (each different, so each is checked): first on the quiet desk (the baseline),
then while one client each keeps requesting 比较, merge, 审核意见 and the far cell,
over and over. Prints the uploads' median and max, and how many heavy requests
ran meanwhile and how long each kind took. The promise (issue 26): no upload is
held back by more than a second, whatever the office asks meanwhile.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from samples import credit_code, sample_report
from xltools import write
from xltools.desk.service import Desk

_rng = random.Random(26)
EXTRA = {name: credit_code(_rng) for name in ("示例县比较单位", "示例县远端单元格单位", "示例县上报单位")}


def big_report(unit: str, code: str, chars: int, seed: int):
    """The unit's report with every text section `chars` long, of numbered sentences
    whose figures another `seed` changes (each sentence differs: the most work for 比较)."""
    report = sample_report(unit, 2023, random.Random(1), scale=40)
    report.meta["credit_code"] = code
    rng = random.Random(seed)
    for key in report.text:
        report.text[key] = "".join(f"第{i + 1}项工作按要求完成，公开信息{rng.randrange(1000)}条。"
                                   for i in range(chars // 20))
    return report


def variants(data: bytes, count: int) -> list[bytes]:
    """`count` copies of a workbook, each with its own zip comment: the same report,
    but new bytes, so the desk checks each as a new version."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries = [(i, src.read(i)) for i in src.infolist()]
    for n in range(count):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for info, content in entries:
                z.writestr(info, content)
            z.comment = f"upload {n}".encode()
        out.append(buf.getvalue())
    return out


def fill(desk: Desk, submissions: Path, jobs: int = 2) -> int:
    """Every submission in the folder checked (as the desk's workers check) and kept
    as its unit's version by the name in its file name, then approved where it can be;
    how many were approved."""
    from xltools.desk.checking import outcome
    from xltools.desk.settings import DeskError
    from xltools.rules.batch import check_paths

    units = {u.name: u for u in desk.ledger.units()}
    paths = sorted(submissions.glob("*.xlsx"))
    approved = set()
    for path, result in zip(paths, check_paths(paths, jobs=jobs)):
        unit = units[path.stem.split("-", 1)[1]]
        received = desk.accept(unit, path.read_bytes(), path.name, outcome(result), "unit:api:bench")
        if received.version is None:
            continue
        try:
            desk.approve(unit, "office:cli:bench")
            approved.add(unit.id)
        except DeskError:
            pass  # an error in it, or a second copy of a unit already filed
    return len(approved)


class Office:
    """A signed-in office: its session's cookies and CSRF token."""

    def __init__(self, base: str, password: str):
        import httpx2 as httpx

        self.client = httpx.Client(base_url=base, follow_redirects=False, timeout=600)
        nonce = self.client.get("/office/login").text.split('name="nonce" value="')[1].split('"')[0]
        answer = self.client.post("/office/login", data={"nonce": nonce, "password": password})
        assert answer.status_code == 303 and answer.headers["location"] == "/office", answer.status_code
        self.csrf = self.client.get("/office").text.split('name="csrf" value="')[1].split('"')[0]

    def twin(self):
        """Another connection of the same session (each load runs in its own thread)."""
        import httpx2 as httpx

        return httpx.Client(base_url=str(self.client.base_url), follow_redirects=False, timeout=600,
                            cookies=self.client.cookies)


def heavy_requests(office: Office, compared: int, far: tuple[str, bytes] | None = None) -> dict:
    """Each heavy request by name: a function that sends it on its own client and
    says whether the answer was the one expected; with `far` (a unit's token and the
    far-cell workbook), that unit's upload of it too."""
    import httpx2 as httpx

    def compare(client):
        return client.get(f"/office/unit/{compared}/compare?old=1&new=2").status_code == 200

    def merge(client):
        answer = client.post("/office/merge", data={"csrf": office.csrf, "unit": "示例县"})
        return answer.status_code == 303 and "merged=" in answer.headers["location"]

    def note(client):
        return client.get(f"/office/unit/{compared}/note.docx").status_code == 200

    def far_cell(client):
        answer = httpx.post(str(client.base_url) + "/api/upload", files={"file": ("年报.xlsx", far[1])},
                            headers={"Authorization": f"Bearer {far[0]}"}, timeout=600)
        return answer.status_code == 422

    return {"比较": compare, "汇总": merge, "审核意见": note} | ({"远端单元格": far_cell} if far else {})


class Load:
    """The heavy requests, each kind sent over and over by its own thread (`pause`
    seconds apart) until stopped."""

    def __init__(self, office: Office, requests: dict, pause: float = 0.0):
        self.stop, self.done, self.pause = threading.Event(), {name: [] for name in requests}, pause
        self.spans: dict[str, list[tuple[float, float]]] = {name: [] for name in requests}  # (sent, answered)
        self.wrong: list[str] = []
        self.threads = [threading.Thread(target=self._loop, args=(office.twin(), name, send), daemon=True)
                        for name, send in requests.items()]

    def _loop(self, client, name: str, send) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            if not send(client):
                self.wrong.append(name)
            end = time.perf_counter()
            self.done[name].append(end - start)
            self.spans[name].append((start, end))
            self.stop.wait(self.pause)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def timed_uploads(base: str, token: str, books: list[bytes], pause: float = 0.0,
                  spans: list | None = None) -> list[float]:
    """Each workbook uploaded in turn (each answer must be a new version); the seconds each took
    (and, in `spans`, when each was sent and answered)."""
    import httpx2 as httpx

    out = []
    with httpx.Client(timeout=600) as client:
        for data in books:
            start = time.perf_counter()
            answer = client.post(base + "/api/upload", files={"file": ("年报.xlsx", data)},
                                 headers={"Authorization": f"Bearer {token}"})
            end = time.perf_counter()
            out.append(end - start)
            if spans is not None:
                spans.append((start, end))
            assert answer.status_code == 200 and not answer.json()["unchanged"], answer.text
            time.sleep(pause)
    return out


def main() -> None:
    import os

    from desk import Server, _tokens  # bench/ is on the path when a script here runs
    from far_cell import far_cell
    from make_submissions import make

    from xltools.commands.roster import read_roster
    from xltools.desk.checking import check_file
    from xltools.desk.service import create

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--chars", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        made_subs = make(args.units, root / "subs", seed=1)
        with (root / "subs" / "roster.csv").open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([code, name, "示例县人民政府"] for name, code in EXTRA.items())
        roster = read_roster(root / "subs" / "roster.csv")
        made = create(root / "desk", roster, 2023, "office:cli:bench", "示例县")
        desk = made.desk
        approved = fill(desk, root / "subs")
        units = {u.name: u for u in desk.ledger.units()}
        compared, far_unit, uploader = EXTRA
        for seed in (1, 2):
            path = root / f"big-{seed}.xlsx"
            write(big_report(compared, EXTRA[compared], args.chars, seed), path)
            desk.accept(units[compared], path.read_bytes(), path.name, check_file(str(path)), "unit:api:bench")
        own = root / "own.xlsx"
        report = sample_report(uploader, 2023, random.Random(3))
        report.meta["credit_code"] = EXTRA[uploader]
        write(report, own)
        books = variants(own.read_bytes(), 2 * args.uploads + 1)
        far = far_cell(root / "far.xlsx").read_bytes()
        tokens = _tokens(desk.folder)
        server = Server(desk.folder)
        try:
            timed_uploads(server.base, tokens[uploader], books[:1])  # the first check after the workers' warm-up
            quiet = timed_uploads(server.base, tokens[uploader], books[1:args.uploads + 1], pause=0.25)
            office = Office(server.base, made.password)
            with Load(office, heavy_requests(office, units[compared].id, (tokens[far_unit], far))) as load:
                time.sleep(1)  # every kind of heavy request under way
                loaded = timed_uploads(server.base, tokens[uploader], books[args.uploads + 1:], pause=0.25)
            load_avg = os.getloadavg()
        finally:
            server.stop()
    print(f"desk: {args.units} submissions ({made_subs['units']} units), {approved} approved; "
          f"比较 of two versions of {args.chars} characters a section")
    for name, values in (("quiet", quiet), ("under heavy requests", loaded)):
        print(f"  {uploader}'s uploads, {name}: median {statistics.median(values) * 1000:.0f} ms, "
              f"max {max(values) * 1000:.0f} ms ({len(values)} uploads)")
    for name, values in load.done.items():
        print(f"  meanwhile {name}: {len(values)} requests, median {statistics.median(values):.2f} s"
              if values else f"  meanwhile {name}: none finished")
    print(f"  unexpected answers: {load.wrong or 'none'}; load average {load_avg[0]:.1f}")


if __name__ == "__main__":
    main()
