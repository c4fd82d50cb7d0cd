"""`xltools compare` of two folders of a county's reports, last year's and this
year's, against checking the same files in the same run.

    python bench/compare.py [--units 300] [--runs 3]

In the same run, on the same machine, each as a fresh process:
  compare  xltools compare 2022/ 2023/ -o comparison.xlsx: every unit matched,
           every rule between two years (carry-over, documents in force, jumps,
           repeated text, last year's problems), the comparison workbook written
  check    xltools check 2022/ 2023/: reading and checking the same 2 × UNITS files,
           the least any comparison must do
The units are fictitious reports made by xltools' writer (fixed seeds): last
year's valid, this year's near them and following from them, with a mistake or a
jump now and then, and much of the text repeated, as real reports' often is.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from timing import timed  # bench/ is on the path when a script here runs

from samples import credit_code, sample_report
from xltools import write


def _next_year(last, rng: random.Random):
    """This year's report of a unit that did its work: figures near last year's,
    the carry-over and the documents in force following from it, the text partly
    rewritten; now and then a mistake or a jump, as real folders have."""
    import copy

    from xltools.model.schema import load_format
    from xltools.model.totals import complete

    fmt = load_format()
    this = copy.deepcopy(last)
    this.meta["year"] = last.meta["year"] + 1
    v = {k: x for k, x in this.values.items()}
    for f in fmt.numeric_fields():
        if f.kind in ("count", "signed") and isinstance(v[f.id], int):
            v[f.id] = max(0, round(v[f.id] * rng.uniform(0.7, 1.3)))
    for c in ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org"):
        v[f"requests.carried_in.{c}"] = last.values[f"requests.carried_out.{c}"]
    for row in ("regulation", "normative"):
        v[f"proactive.{row}.in_force"] = last.values[f"proactive.{row}.in_force"] + v[f"proactive.{row}.issued"] \
            - v[f"proactive.{row}.repealed"]
    if rng.random() < 0.05:
        v["requests.carried_in.natural_person"] += 1
    if rng.random() < 0.05:
        v["proactive.license.decisions"] = (v["proactive.license.decisions"] + 3) * 10
    this.values = complete(fmt, {**v, **{f.id: None for f in fmt.totals()}})
    this.text["overview.proactive"] = this.text["overview.proactive"].replace(str(last.meta["year"]),
                                                                              str(this.meta["year"]))
    this.text["problems"] = "上年提出的问题已逐项整改。" + this.text["problems"]
    return this


def make(folder: Path, units: int) -> None:
    rng = random.Random(1)
    for year in (2022, 2023):
        (folder / str(year)).mkdir(parents=True)
    for i in range(units):
        last = sample_report(f"示例县第{i + 1}单位", 2022, random.Random(i))
        last.meta["credit_code"] = credit_code(rng)
        write(last, folder / "2022" / f"{i}.xlsx")
        write(_next_year(last, rng), folder / "2023" / f"{i}.xlsx")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make(folder, args.units)
        median = timed({
            "compare": [sys.executable, "-m", "xltools.cli", "compare", str(folder / "2022"), str(folder / "2023"),
                        "-o", str(folder / "c.xlsx"), "--force"],
            "check": [sys.executable, "-m", "xltools.cli", "check", str(folder / "2022"), str(folder / "2023")],
        }, args.runs)
        compare, check = median["compare"], median["check"]
    print(f"{args.units} units in each folder, median of {args.runs} runs, Python {sys.version.split()[0]}")
    print(f"  xltools compare (all rules, workbook written): {compare:6.2f} s")
    print(f"  xltools check of the same {2 * args.units} files      : {check:6.2f} s  "
          f"(compare is {compare / check:.2f}× check)")


if __name__ == "__main__":
    main()
