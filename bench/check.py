"""How much `xltools check` costs beyond importing its validation stack.

    python bench/check.py [--runs 5] [--files 500]

Times, in the same run on the same machine, as fresh processes (the baseline and
one file taking turns):
  baseline  python -c "import pandas, pandera.pandas, python_calamine"
  one       xltools check <one example workbook>
  many      xltools check <a folder of N workbooks>  (copies of the sample county)
and prints the median of each and the ratios.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from timing import timed  # bench/ is on the path when a script here runs

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "workbooks" / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()
    xltools = [sys.executable, "-m", "xltools.cli", "check"]
    sources = sorted((EXAMPLES / "sample-county").glob("*.xlsx"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(args.files):
            shutil.copy(sources[i % len(sources)], folder / f"{i:04d}-{sources[i % len(sources)].name}")
        median = timed({"baseline": [sys.executable, "-c", "import pandas, pandera.pandas, python_calamine"],
                        "one": xltools + [str(EXAMPLES / "chitudian-2023.xlsx")]}, args.runs)
        baseline, one = median["baseline"], median["one"]
        many = timed({"many": xltools + [str(folder)]}, max(1, args.runs // 2 + 1))["many"]
    print(f"median of {args.runs} runs, Python {sys.version.split()[0]}")
    print(f"  import pandas, pandera, python_calamine : {baseline:6.2f} s")
    print(f"  xltools check, 1 file                     : {one:6.2f} s  ({one / baseline:.2f}× the imports, "
          f"+{one - baseline:.2f} s)")
    print(f"  xltools check, {args.files} files                 : {many:6.2f} s  "
          f"({(many - baseline) / args.files * 1000:.1f} ms per file beyond the imports)")


if __name__ == "__main__":
    main()
