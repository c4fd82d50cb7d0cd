"""Text copied between units (T5): how long the comparison of every unit's seven
text sections with every other unit's takes, and what it finds.

    python bench/quality.py [--units 300] [--runs 5] [--seed 1]

The units are the sample generator's (each writes its own text), and a share of
them copy as clerks do: 10 % take one section of another unit with their own name
in it, 5 % all write the same section from a county template (their names and
figures differ), 2 % send another unit's whole text. Measured in one process, the
reports already read (what judge() adds to a check or merge):

  xltools   rules.copying.copied: boilerplate out, equal texts grouped, candidate
            pairs by MinHash, each candidate compared by rapidfuzz's ratio
  baseline  every pair of every section compared by rapidfuzz (process.cdist with
            a score cutoff, all cores): the n² comparison without the MinHash step

and prints the medians, and how many of the baseline's pairs at or above the
threshold xltools found (the MinHash step may miss a pair; it never adds one).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from samples import SAMPLE_UNITS, sample_report
from xltools.model.schema import load_rules
from xltools.rules.copying import normalised
from xltools.rules.quality import boilerplate
from xltools.rules.result import FileResult
from xltools.xlsx.layout import load_layout


def units(count: int, seed: int) -> list[FileResult]:
    rng = random.Random(seed)
    sections = load_rules()["T5"].check["text"]
    reports = [sample_report(f"示例县第{i + 1:03d}{SAMPLE_UNITS[i % len(SAMPLE_UNITS)]}", 2023,
                             random.Random(rng.random())) for i in range(count)]
    template = {fid: rng.choice(reports).text[fid] for fid in sections}
    for r in reports:
        roll = rng.random()
        if roll < 0.10:  # one section of another unit
            fid = rng.choice(sections)
            r.text[fid] = rng.choice(reports).text[fid]
        elif roll < 0.15:  # the county's template for one section
            fid = rng.choice(sections)
            r.text[fid] = template[fid]
        elif roll < 0.17:  # another unit's whole text
            r.text = dict(rng.choice(reports).text)
    return [FileResult(Path(f"{r.unit}.xlsx"), report=r) for r in reports]


def xltools_pairs(results: list[FileResult]) -> tuple[float, dict]:
    """Seconds, and (section, unit) → how many other units it repeats."""
    from xltools.rules.copying import copied

    for r in results:
        r.findings = []
    start = time.perf_counter()
    copied(results, load_layout())
    took = time.perf_counter() - start
    return took, {(f.fields[0], i): f.params["count"] for i, r in enumerate(results) for f in r.findings}


def baseline_pairs(results: list[FileResult]) -> tuple[float, dict]:
    from rapidfuzz import fuzz, process

    check = load_rules()["T5"].check
    common = boilerplate("T5")
    start = time.perf_counter()
    counts: dict = {}
    for fid in check["text"]:
        texts = [normalised(r.report.text.get(fid) or "", r.unit, common) for r in results]
        keep = [i for i, t in enumerate(texts) if len(t) >= check["min_chars"]]
        scores = process.cdist([texts[i] for i in keep], [texts[i] for i in keep], scorer=fuzz.ratio,
                               score_cutoff=check["threshold"] * 100, workers=-1, dtype="uint8")
        for a, b in zip(*scores.nonzero()):
            if a != b:
                counts[(fid, keep[a])] = counts.get((fid, keep[a]), 0) + 1
    return time.perf_counter() - start, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = units(args.units, args.seed)
    ours, theirs = [], []
    for _ in range(args.runs):
        took, found = xltools_pairs(results)
        ours.append(took)
        took, truth = baseline_pairs(results)
        theirs.append(took)
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"{args.units} units × 7 sections, median of {args.runs} runs, Python {sys.version.split()[0]}")
    print(f"  xltools (MinHash candidates, rapidfuzz)  : {ours_median:6.2f} s")
    print(f"  baseline (rapidfuzz cdist, every pair)   : {theirs_median:6.2f} s "
          f"({theirs_median / ours_median:.1f}× xltools)")
    print(f"  sections flagged: xltools {len(found)}, baseline {len(truth)}, both {len(found.keys() & truth.keys())}")
    print(f"  pairs at or above the threshold: xltools {sum(found.values()) // 2}, baseline {sum(truth.values()) // 2}")


if __name__ == "__main__":
    main()
