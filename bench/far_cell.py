"""Time and peak memory of the far-cell workbook of issue 26 by `xltools check`,
`xltools merge` and the desk (an upload to a real `xltools serve`).

    python bench/far_cell.py [--runs 3]

The workbook is a sample unit's (示例县教育局, 113 KB) with one of three changes,
each a grid of 200,000 × 1,000 cells (6.4 GB) for python-calamine were the guard
to let it through:
  stamp      one cell at ALL200000 in the very hidden sheet _xltools (issue 26's recipe)
  dimension  三、依申请公开 declaring <dimension ref="A1:ALL200000"/>, no cell out there
  hidden     填报说明 hidden, with one cell at ALL200000

CLI: each command runs in a fresh measuring process. "peak" is the largest resident
size of any one process (the command or a worker: getrusage of the children);
"tree" the largest sum over the command and its workers at one moment (sampled from
/proc every 5 ms).
Desk: `xltools serve` with its two warm workers; each upload is answered through
HTTP. Before each, every process's high-water mark is reset (/proc/PID/clear_refs);
after it, "peak" is the largest VmHWM of the server or a worker during the upload,
"tree" the sampled sum as above, "grew" that sum's rise over the idle desk.
Goal (issue 26): each answered in under 2 s and 200 MB, with a finding (F7).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "workbooks" / "examples" / "sample-county"
UNIT = "示例县教育局"
FAR = b'<row r="200000"><c r="ALL200000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
VARIANTS = {  # name → {part: (old, new)}
    "stamp": {"xl/worksheets/sheet10.xml": (b"</sheetData>", FAR)},
    "dimension": {"xl/worksheets/sheet4.xml": (re.compile(rb'<dimension ref="[^"]*"/>'),
                                               b'<dimension ref="A1:ALL200000"/>')},
    "hidden": {"xl/workbook.xml": ('name="填报说明" sheetId="9" state="visible"'.encode(),
                                'name="填报说明" sheetId="9" state="hidden"'.encode()),
               "xl/worksheets/sheet9.xml": (b"</sheetData>", FAR)},
}
MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter();"
           "out = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
           "print(out.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
           "print(out.stdout + out.stderr)")


def far_cell(out: Path, variant: str = "stamp") -> Path:
    """The unit's sample workbook with `variant`'s change (each must change its part)."""
    changes = VARIANTS[variant]
    with zipfile.ZipFile(SAMPLES / f"{UNIT}.xlsx") as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name in changes:
                old, new = changes[name]
                changed = old.sub(new, data) if isinstance(old, re.Pattern) else data.replace(old, new)
                assert changed != data, (variant, name)
                data = changed
            z.writestr(name, data)
    return out


# --- resident memory of a process tree, from /proc (Linux)

def tree(pid: int) -> list[int]:
    """`pid` and its descendants (the server's workers and their resource tracker)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for children in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(c) for c in children.read_text().split()]
            except OSError:
                pass  # ended meanwhile
    return out


def _status(pid: int, key: str) -> int:
    """A kB figure of /proc/PID/status (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else 0


class Sampler:
    """The largest sum of the resident sizes of `pid`'s tree, sampled every 5 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_status(p, "VmRSS") for p in tree(self.pid)))
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


# --- the command line

def measured(cmd: list[str], runs: int) -> tuple[int, float, float, float, str]:
    """Exit code, median seconds, median peak kB (one process), median tree kB, and the output of `cmd`."""
    rows = []
    for _ in range(runs):
        process = subprocess.Popen([sys.executable, "-c", MEASURE, *cmd], stdout=subprocess.PIPE, text=True)
        with Sampler(process.pid) as sampler:
            out = process.communicate()[0]
        code, seconds, kb = out.split("\n", 1)[0].split()
        rows.append((int(code), float(seconds), int(kb), sampler.peak, out.split("\n", 1)[1]))
    return (rows[0][0], statistics.median(r[1] for r in rows), statistics.median(r[2] for r in rows),
            statistics.median(r[3] for r in rows), rows[0][4])


def _said(output: str) -> str:
    """The line of the output that names the far cell (the finding), shortened."""
    line = next((x for x in output.splitlines() if "ALL200000" in x), "no finding named ALL200000")
    return line.strip()[:90]


def cli(tmp: Path, runs: int) -> None:
    xltools = [sys.executable, "-m", "xltools.cli"]
    for variant in VARIANTS:
        folder = tmp / f"in-{variant}"
        folder.mkdir()
        for p in sorted(SAMPLES.glob("*.xlsx"))[:3]:
            shutil.copy(p, folder / p.name)
        far = far_cell(folder / "far.xlsx", variant)
        for name, cmd in ((f"check far.xlsx ({variant})", xltools + ["check", str(far)]),
                          (f"merge 3 units + far.xlsx ({variant})",
                           xltools + ["merge", str(folder), "-o", f"{tmp}/s-{variant}.xlsx", "--unit", "示例县",
                                      "--force"])):
            code, seconds, kb, tree_kb, out = measured(cmd, runs)
            print(f"{name}: exit {code}, {seconds:.2f} s, peak {_mb(kb)}, tree {_mb(tree_kb)}; {_said(out)}")


# --- the desk

def desk(tmp: Path, runs: int) -> None:
    import httpx2 as httpx  # the HTTP client the test extra installs
    from desk import Server, _tokens  # bench/ is on the path when a script here runs

    from xltools.commands.roster import read_roster
    from xltools.desk.service import create

    made = create(tmp / "desk", read_roster(SAMPLES.parent / "sample-county-roster.csv"), 2023,
                  "office:cli:bench", "示例县")
    token = _tokens(made.desk.folder)[UNIT]
    books = {v: far_cell(tmp / f"far-{v}.xlsx", v).read_bytes() for v in VARIANTS}
    server = Server(made.desk.folder)
    try:
        with httpx.Client() as client:
            def upload(data: bytes):
                return client.post(server.base + "/api/upload", files={"file": ("年报.xlsx", data)},
                                   headers={"Authorization": f"Bearer {token}"}, timeout=300)

            start = time.perf_counter()  # the baseline: the unit's own workbook, checked and kept
            normal = upload((SAMPLES / f"{UNIT}.xlsx").read_bytes())
            seconds = time.perf_counter() - start
            time.sleep(1)
            idle = sum(_status(p, "VmRSS") for p in tree(server.process.pid))
            print(f"desk: server and {len(tree(server.process.pid)) - 1} processes under it, "
                  f"idle {_mb(idle)} resident in all; the unit's own workbook: {normal.status_code}, "
                  f"{seconds:.2f} s")
            for variant, data in books.items():
                rows = []
                for _ in range(runs):
                    for p in tree(server.process.pid):
                        Path(f"/proc/{p}/clear_refs").write_text("5")  # VmHWM := VmRSS
                    with Sampler(server.process.pid) as sampler:
                        start = time.perf_counter()
                        answer = upload(data)
                        seconds = time.perf_counter() - start
                    peak = max(_status(p, "VmHWM") for p in tree(server.process.pid))
                    rows.append((seconds, peak, sampler.peak, answer))
                answer = rows[0][3]
                body = answer.json()
                said = body.get("error") or f"version {body.get('version')}"
                rules = sorted({f["rule"] for f in body.get("findings", [])})
                print(f"desk upload ({variant}): {answer.status_code}, "
                      f"{statistics.median(r[0] for r in rows):.2f} s, "
                      f"peak {_mb(statistics.median(r[1] for r in rows))}, "
                      f"tree {_mb(statistics.median(r[2] for r in rows))} "
                      f"(grew {_mb(statistics.median(r[2] for r in rows) - idle)}); "
                      f"findings {','.join(rules) or '-'}: {json.dumps(said, ensure_ascii=False)[:90]}")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("cli", "desk"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "desk":
            cli(Path(tmp), args.runs)
        if args.only != "cli":
            desk(Path(tmp), args.runs)


if __name__ == "__main__":
    main()
