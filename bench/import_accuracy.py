"""How much of each real published report `xltools import` places, whether any
value is placed wrongly, and whether every cell it does not place is reported,
against the tables researchers split by hand.

    python bench/import_accuracy.py [../shared/realworld/*.txt]

Each file of ../shared/realworld holds the report as found, then (after
"# ==== reconstructed") its tables split by hand, tab-separated; that part is
imported on its own as the expected answer and never used as input. The seed
(workbooks/examples/chitudian-2023-report.txt) is compared with its JSON.

Per report: the cells of the 2021 workbook placed (read from the document, a
blank cell as published included), those the hand-split tables have and the
import agrees with, those placed with another value (wrong: must be 0), those not
placed that a finding names (reported), and those neither placed nor named
(silent: must be 0).
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from xltools.documents.importer import Imported, import_document
from xltools.documents.sources import from_text
from xltools.model.report import Report

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = ROOT.parent / "shared" / "realworld"
SEED = ROOT / "workbooks" / "examples" / "chitudian-2023-report.txt"


def parts(path: Path) -> tuple[str, str, bool]:
    raw = path.read_text(encoding="utf-8")
    source, _, reconstructed = raw.partition("# ==== reconstructed")
    source = "\n".join(x for x in source.splitlines() if not x.startswith("# "))
    tables = "\n".join(x.replace("/", "\t").strip("[]") for x in reconstructed.splitlines()[1:]
                       if not x.startswith("#"))
    return source, tables, "pdftotext" in raw[:2000]


def expected(path: Path, tables: str) -> dict:
    if path == SEED:
        report = Report.from_json(path.with_name("chitudian-2023.json").read_text(encoding="utf-8"))
        return {k: v for k, v in report.values.items() if not k.startswith("fees.")}  # it publishes no fee table
    values = import_document(from_text(path, "X2000年政府信息公开工作年度报告\n" + tables)).report.values
    return {k: v for k, v in values.items() if v is not None}


def measure(path: Path) -> tuple[str, Imported, dict]:
    source, tables, pdf = parts(path) if path != SEED else (path.read_text(encoding="utf-8"), "", False)
    result = import_document(from_text(path, source, wrapped=pdf))
    values = result.report.values
    placed = {k for k in values if k not in result.unread}
    named = {fid for f in result.findings for fid in f.fields}
    want = expected(path, tables) if tables or path == SEED else {}
    wrong = {k: (values[k], want[k]) for k in placed if k in want and values[k] != want[k]}
    row = {"placed": len(placed), "of": len(values), "hand": len(want),
           "agree": sum(values[k] == want[k] for k in placed if k in want), "wrong": len(wrong),
           "reported": len((set(values) - placed) & named), "silent": len(set(values) - placed - named)}
    line = (f"{path.name}: {result.format} format, {result.report.unit} {result.report.year}, placed "
            f"{row['placed']}/{row['of']}; hand-split {row['hand']}, agree {row['agree']}, wrong {row['wrong']}; "
            f"not placed: reported {row['reported']}, silent {row['silent']}")
    if wrong:
        line += f" {sorted(wrong.items())[:5]}"
    return line, result, row


def main(paths: list[Path]) -> None:
    rows = {}
    for path in paths:
        line, result, rows[path.name] = measure(path)
        print(line)
        counts = Counter(f"{f.rule}/{f.case}" for f in result.findings)
        print("    findings:", ", ".join(f"{k} ×{n}" for k, n in sorted(counts.items())) or "none")
    pingtan = [r for name, r in rows.items() if "pingtan" in name]
    if pingtan:
        placed, hand = sum(min(r["agree"], r["hand"]) for r in pingtan), sum(r["hand"] for r in pingtan)
        print(f"平潭: {placed} of the {hand} cells of the hand-split tables placed ({placed / hand:.1%})")
    print(f"all: wrong {sum(r['wrong'] for r in rows.values())}, silent {sum(r['silent'] for r in rows.values())}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or [SEED, *sorted(p for p in REALWORLD.glob("*.txt")
                                                          if p.name[0].isdigit() and "cmp" not in p.name)])
