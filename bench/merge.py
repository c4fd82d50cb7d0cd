"""`xltools merge` on 2,000 submissions against what a county analyst would write,
and against the floor of reading the same cells.

    python bench/merge.py [--count 2000] [--runs 3] [--analyst-sample 100]
                          [--memory] [--large 10000] [--one-worker] [--parquet] [--baseline DIR]

In the same run, on the same machine, each as a fresh process, taking turns:
  merge    xltools merge DIR -o summary.xlsx --unit 示例县 --roster roster.csv --force
  analyst  pandas.read_excel(engine="openpyxl") of sheets 二, 三, 四, 六 of each file,
           summing the numbers (no checks); timed on --analyst-sample files and
           scaled to COUNT, because it takes minutes
  floor    python-calamine reading the same cells of every file and summing them,
           with no validation, in one process
--one-worker adds merge --jobs 1 (the floor reads in one process too); --baseline DIR
adds the merge of another checkout (PYTHONPATH=DIR, e.g. a worktree of main), so that
a change is timed against the code before it in the same run. --memory polls the
resident memory of each merge and of its worker processes every 50 ms (their Pss:
pages shared after a fork counted once) and reports the peak of their sum; --large N
times merge (and the baseline) once more on N submissions, with their memory;
--parquet adds export -f parquet of the same workbooks.
The submissions come from bench/make_submissions.py (fixed seed); --submissions DIR
keeps them there between runs.
"""
from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from timing import _compile_xltools  # bench/ is on the path when a script here runs

HERE = Path(__file__).resolve().parent
SHEETS = ("二、主动公开", "三、依申请公开", "四、复议诉讼", "六、其他事项")


def analyst(folder: Path, limit: int) -> None:
    """What people write by hand: read every sheet with pandas and add up."""
    import pandas as pd

    total = None
    for path in sorted(folder.glob("*.xlsx"))[:limit]:
        frames = pd.read_excel(path, sheet_name=list(SHEETS), header=None, engine="openpyxl")
        numbers = pd.concat([f.apply(pd.to_numeric, errors="coerce") for f in frames.values()], keys=SHEETS)
        total = numbers if total is None else total.add(numbers, fill_value=0)
    print(float(total.sum().sum()))


def floor(folder: Path) -> None:
    """The least any merge must do: open each file and read the cells it sums."""
    from python_calamine import CalamineWorkbook

    from xltools.xlsx.layout import load_layout

    layout = load_layout()
    cells = [(a.sheet, a.top - 1, a.left - 1) for f in layout.format.numeric_fields()
             for a in (layout.cells[f.id],)]
    total = 0.0
    for path in sorted(folder.glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(path))
        sheets = {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in SHEETS}
        for sheet, r, c in cells:
            value = sheets[sheet][r][c]
            if isinstance(value, float):
                total += value
    print(total)


def _tree(root: int) -> list[int]:
    """The process and all its descendants (workers of a pool), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
            except OSError:  # ended meanwhile
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += parents.get(pid, [])
    return out


def _resident(pids: list[int]) -> int:
    """Bytes resident in these processes together, each page shared between them (a
    forked worker's copy of its parent's heap) counted once: their proportional set
    sizes (Pss)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith(b"Pss:")) * 1024
        except (OSError, StopIteration):  # ended meanwhile
            pass
    return total


def run(cmd: list[str], memory: bool, env: dict | None = None) -> tuple[float, float]:
    """Wall-clock seconds of one run, and the peak of the summed resident memory of the
    process and its descendants in MB (0 without `memory`). Exit 2 stops the bench."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        peak, done = [0], threading.Event()

        def poll() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _resident(_tree(proc.pid)))

        watcher = threading.Thread(target=poll, daemon=True)
        if memory:
            watcher.start()
        code = proc.wait()
        seconds = time.perf_counter() - start
        done.set()
        if memory:
            watcher.join()
        if code not in (0, 1):  # 1: findings, as the benches' inputs have; 2: nothing done
            err.seek(0)
            raise SystemExit(f"failed (exit {code}), its time would mean nothing: {' '.join(cmd)}\n"
                             f"{err.read().decode(errors='replace')[-2000:]}")
    return seconds, peak[0] / 1e6


def turns(cmds: dict[str, tuple[list[str], dict | None]], runs: int, memory: bool) -> dict[str, tuple[float, float]]:
    """The median seconds and the median peak memory of each command, the commands taking
    turns run by run so that the machine's drifting speed weighs on each alike."""
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, (cmd, env) in cmds.items():
            seen[name].append(run(cmd, memory and name.startswith(("merge", "export")), env))
    return {name: (statistics.median(t for t, _ in got), statistics.median(m for _, m in got))
            for name, got in seen.items()}


def submissions(where: Path, count: int) -> Path:
    folder = where / f"submissions-{count}"
    if not (folder / "roster.csv").exists():
        subprocess.run([sys.executable, str(HERE / "make_submissions.py"), "--count", str(count),
                        "--out", str(folder), "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    return folder


def merges(folder: Path, out: Path, args) -> dict[str, tuple[list[str], dict | None]]:
    """The merge commands timed: today's code, with --jobs 1, and the baseline's; and the
    export of the same folder as parquet (whose memory must not grow with the count)."""
    cmd = [sys.executable, "-m", "xltools.cli", "merge", str(folder), "-o", str(out), "--unit", "示例县",
           "--roster", str(folder / "roster.csv"), "--force"]
    cmds = {"merge": (cmd, None)}
    if args.parquet:
        # the workbooks named, not the folder: its roster.csv would be a file not exported (exit 2)
        cmds["export -f parquet"] = ([sys.executable, "-m", "xltools.cli", "export",
                                      *map(str, sorted(folder.glob("*.xlsx"))), "-f", "parquet",
                                      "-o", str(out.with_suffix(".parquet")), "--force"], None)
    if args.one_worker:
        cmds["merge --jobs 1"] = (cmd + ["--jobs", "1"], None)
    if args.baseline:
        compileall.compile_dir(str(args.baseline / "xltools"), quiet=1)
        cmds["merge (baseline)"] = (cmd, {**os.environ, "PYTHONPATH": str(args.baseline)})
    return cmds


def _memory(mb: float) -> str:
    return f", peak memory {mb:5.0f} MB" if mb else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--analyst-sample", type=int, default=100)
    parser.add_argument("--memory", action="store_true", help="peak resident memory of merge and its workers")
    parser.add_argument("--large", type=int, default=0, help="also merge this many submissions")
    parser.add_argument("--one-worker", action="store_true", help="also merge with --jobs 1")
    parser.add_argument("--parquet", action="store_true", help="also export the submissions as parquet")
    parser.add_argument("--baseline", type=Path, help="a checkout whose merge is timed too (PYTHONPATH)")
    parser.add_argument("--submissions", type=Path, help="keep the generated submissions in this folder")
    parser.add_argument("--mode", choices=["analyst", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=10**9, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "analyst":
        return analyst(args.dir, args.limit)
    if args.mode == "floor":
        return floor(args.dir)
    _compile_xltools()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.submissions or Path(tmp)
        folder = submissions(where, args.count)
        sample = min(args.analyst_sample, args.count)
        median = turns({
            **merges(folder, Path(tmp) / "s.xlsx", args),
            "floor": ([sys.executable, str(HERE / "merge.py"), "--mode", "floor", "--dir", str(folder)], None),
            "analyst": ([sys.executable, str(HERE / "merge.py"), "--mode", "analyst", "--dir", str(folder),
                         "--limit", str(sample)], None),
        }, args.runs, args.memory)
        large = turns(merges(submissions(where, args.large), Path(tmp) / "l.xlsx", args), args.runs,
                      args.memory) if args.large else {}
    base, hand = median["floor"][0], median["analyst"][0] * args.count / sample
    print(f"{args.count} submissions, median of {args.runs} runs, Python {sys.version.split()[0]}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    for name, (seconds, mb) in median.items():
        if name.startswith("export"):
            print(f"  xltools {name:<33}: {seconds:7.2f} s{_memory(mb)}")
        if name.startswith("merge"):
            print(f"  xltools {name:<33}: {seconds:7.2f} s  ({hand / seconds:.0f}× faster than the analyst, "
                  f"{seconds / base:.2f}× the floor{_memory(mb)})")
    print(f"  analyst: pandas + openpyxl, scaled from {sample}: {hand:7.2f} s")
    print(f"  floor: python-calamine, no checks        : {base:7.2f} s")
    for name, (seconds, mb) in large.items():
        print(f"  {args.large} submissions, xltools {name:<18}: {seconds:7.2f} s{_memory(mb)}")


if __name__ == "__main__":
    main()
