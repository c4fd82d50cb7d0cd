"""Time and peak memory of `xltools check` and `merge` on the far-cell workbook of
issue 26 (one cell at ALL200000 in the hidden sheet _xltools of an example: a grid
of 6.4 GB for python-calamine, were the guard to let it through).

    python bench/far_cell.py [--runs 3]

Each command runs as a fresh process inside a fresh measuring process, so that the
peak resident memory (of the command and its workers) is its own.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "workbooks" / "examples"
FAR = b'<row r="200000"><c r="ALL200000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter();"
           "code = subprocess.run(sys.argv[1:], capture_output=True).returncode;"
           "print(code, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def far_cell(out: Path) -> Path:
    with zipfile.ZipFile(EXAMPLES / "chitudian-2023.xlsx") as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            z.writestr(name, data.replace(b"</sheetData>", FAR) if name == "xl/worksheets/sheet10.xml" else data)
    return out


def measured(cmd: list[str], runs: int) -> tuple[int, float, float]:
    """Exit code, median seconds and median peak MB of `cmd`."""
    rows = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True)
        code, seconds, kb = out.stdout.split()
        rows.append((int(code), float(seconds), int(kb) / 1024))
    return rows[0][0], statistics.median(r[1] for r in rows), statistics.median(r[2] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    xltools = [sys.executable, "-m", "xltools.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for p in sorted((EXAMPLES / "sample-county").glob("*.xlsx"))[:3]:
            shutil.copy(p, folder / p.name)
        far = far_cell(folder / "far.xlsx")
        for name, cmd in (("check far.xlsx", xltools + ["check", str(far)]),
                          ("merge 3 units + far.xlsx", xltools + ["merge", str(folder), "-o", f"{tmp}/s.xlsx",
                                                                   "--unit", "示例县"])):
            code, seconds, mb = measured(cmd, args.runs)
            print(f"{name}: exit {code}, {seconds:.2f} s, {mb:.0f} MB peak")


if __name__ == "__main__":
    main()
