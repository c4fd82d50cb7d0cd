"""`xltools merge` on 2,000 submissions against what a county analyst would write,
and against the floor of reading the same cells.

    python bench/merge.py [--count 2000] [--runs 3] [--analyst-sample 100]

In the same run, on the same machine, each as a fresh process, taking turns:
  merge    xltools merge DIR -o summary.xlsx --unit 示例县 --roster roster.csv --force
  analyst  pandas.read_excel(engine="openpyxl") of sheets 二, 三, 四, 六 of each file,
           summing the numbers (no checks); timed on --analyst-sample files and
           scaled to COUNT, because it takes minutes
  floor    python-calamine reading the same cells of every file and summing them,
           with no validation, in one process
The submissions come from bench/make_submissions.py (fixed seed).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import timed  # bench/ is on the path when a script here runs

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--analyst-sample", type=int, default=100)
    parser.add_argument("--mode", choices=["analyst", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=10**9, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "analyst":
        return analyst(args.dir, args.limit)
    if args.mode == "floor":
        return floor(args.dir)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        subprocess.run([sys.executable, str(HERE / "make_submissions.py"), "--count", str(args.count),
                        "--out", str(folder), "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
        sample = min(args.analyst_sample, args.count)
        median = timed({
            "merge": [sys.executable, "-m", "xltools.cli", "merge", str(folder), "-o", str(Path(tmp) / "s.xlsx"),
                      "--unit", "示例县", "--roster", str(folder / "roster.csv"), "--force"],
            "floor": [sys.executable, str(HERE / "merge.py"), "--mode", "floor", "--dir", str(folder)],
            "analyst": [sys.executable, str(HERE / "merge.py"), "--mode", "analyst", "--dir", str(folder),
                        "--limit", str(sample)],
        }, args.runs)
        merge, base, hand = median["merge"], median["floor"], median["analyst"] * args.count / sample
    print(f"{args.count} submissions, median of {args.runs} runs, Python {sys.version.split()[0]}")
    print(f"  xltools merge (checks, summary, trail)   : {merge:7.2f} s")
    print(f"  analyst: pandas + openpyxl, scaled from {sample}: {hand:7.2f} s  ({hand / merge:.0f}× slower)")
    print(f"  floor: python-calamine, no checks        : {base:7.2f} s  (merge is {merge / base:.2f}× the floor)")


if __name__ == "__main__":
    main()
