"""How much of each published report `xltools import` places exactly, whether any
value is placed wrongly, and whether every cell it does not place is reported,
against values written down by hand: never against what the importer itself
makes of anything.

    python bench/import_accuracy.py [REPORT.txt ...]

Table 1, real reports: each numbered file of ../shared/realworld (the report as
found, less its comment lines and the tables researchers split by hand after
"# ==== reconstructed", which are only a reading aid) against its
truth/NN_….json; the seed (workbooks/examples/chitudian-2023-report.txt) against
its JSON. Table 2, patterns: the small documents of tests/data/import_patterns/,
each in the style of one layout real reports come in, against the JSON beside
it (the same form as truth/).

Per document: the cells the truth has (a 2019-style single （六） row as 3.其他,
with 1. and 2. blank), those placed exactly, those placed with another value
(wrong: must be 0), those not placed (missing) and how many of these a finding
names (reported; the rest are silent: must be 0); whether the year is found, and
the R rules check finds that the report does not break (false alarms: must be
none) or misses.
"""
from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

from xltools.commands.importing import import_paths
from xltools.documents.importer import Imported, import_document
from xltools.documents.sources import from_text, laid_out, read_document
from xltools.model.report import Report
from xltools.model.schema import leaves, load_format

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = ROOT.parent / "shared" / "realworld"
SEED = ROOT / "workbooks" / "examples" / "chitudian-2023-report.txt"
PATTERNS = ROOT / "tests" / "data" / "import_patterns"
COLUMNS = [c.key for c in leaves(load_format("2021").tables["requests"].blocks[0].columns)]


def source(path: Path) -> str:
    """A realworld file as found: no comment lines, no hand-split tables."""
    text = path.read_text(encoding="utf-8").partition("# ==== reconstructed")[0]
    return "\n".join(x for x in text.splitlines() if not x.startswith("# "))


def truth_of(path: Path) -> dict | None:
    """The hand-written values of a document (truth/ or the JSON beside a pattern),
    with a 2019-style single （六） row where the 2021 workbook takes it."""
    if path == SEED:
        report = Report.from_json(path.with_name("chitudian-2023.json").read_text(encoding="utf-8"))
        values = {k: v for k, v in report.values.items() if not k.startswith("fees.")}  # it prints no fee table
        return {"meta": report.meta, "values": values, "expect_rules": []}
    where = path.with_suffix(".json") if path.parent == PATTERNS else REALWORLD / "truth" / f"{path.stem}.json"
    if not where.exists():
        return None
    truth = json.loads(where.read_text(encoding="utf-8"), parse_float=Decimal)  # 万元 as import reads it
    single = truth.get("other_handling_single_row")
    if single:
        for row in ("no_correction", "fee_unpaid"):
            truth["values"] |= {f"requests.other_handling.{row}.{c}": None for c in COLUMNS}
        truth["values"] |= {f"requests.other_handling.other.{c}": v for c, v in zip(COLUMNS, single)}
    return truth


def imported(path: Path, work: Path) -> tuple[Imported, set[str]]:
    """The import of a document, and the R rules `xltools import` finds in it."""
    if path.parent == REALWORLD:
        text = source(path)
        path = work / path.name
        path.write_text(text, encoding="utf-8")
        result = import_document(from_text(path, text, wrapped=laid_out(text)))
    else:
        result = import_document(read_document(path))
    done = import_paths([path], work / f"{path.stem}.xlsx", work)
    return result, {f.rule for f in done[0].result.findings if f.rule.startswith("R")}


def grade(path: Path, work: Path) -> tuple[str, dict]:
    result, alarms = imported(path, work)
    truth = truth_of(path)
    want = truth["values"] if truth else {}
    values = result.report.values
    placed = {k for k in values if k not in result.unread}
    named = {fid for f in result.findings for fid in f.fields}
    wrong = {k: (values[k], want[k]) for k in placed & set(want) if values[k] != want[k]}
    missing = set(want) - placed
    expect = set(truth.get("expect_rules", [])) if truth else set()
    row = {"cells": len(want), "exact": len(placed & set(want)) - len(wrong), "wrong": len(wrong),
           "missing": len(missing), "reported": len(missing & named), "silent": len(missing - named),
           "year": truth is not None and result.report.year == truth["meta"].get("year"),
           "false": sorted(alarms - expect), "missed": sorted(expect - alarms)}
    share = row["exact"] / row["cells"] if row["cells"] else 0
    line = (f"{path.name}: {result.format} format, year {result.report.year}"
            f"{'' if row['year'] else ' (NOT the truth)'}; {row['cells']} cells: exact {row['exact']} ({share:.1%}), "
            f"wrong {row['wrong']}, missing {row['missing']} (reported {row['reported']}, silent {row['silent']}); "
            f"R found {sorted(alarms) or '-'}, false alarms {row['false'] or '-'}, missed {row['missed'] or '-'}")
    if wrong:
        line += f"\n    wrong: {sorted(wrong.items())[:8]}"
    counts = Counter(f"{f.rule}/{f.case}" for f in result.findings if f.rule.startswith("I"))
    line += "\n    findings: " + (", ".join(f"{k} ×{n}" for k, n in sorted(counts.items())) or "none")
    return line, row


def table(title: str, paths: list[Path], work: Path) -> None:
    print(f"== {title}")
    rows = []
    for path in paths:
        line, row = grade(path, work)
        print(line)
        rows.append(row)
    cells, exact = sum(r["cells"] for r in rows), sum(r["exact"] for r in rows)
    print(f"-- {len(rows)} documents, {cells} cells: exact {exact} ({exact / max(cells, 1):.1%}), "
          f"wrong {sum(r['wrong'] for r in rows)}, missing {sum(r['missing'] for r in rows)} "
          f"(silent {sum(r['silent'] for r in rows)}); year not found in {sum(not r['year'] for r in rows)}, "
          f"false R alarms in {sum(bool(r['false']) for r in rows)}\n")


def main(paths: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as work:
        if paths:
            table("documents", paths, Path(work))
            return
        real = [SEED, *sorted(p for p in REALWORLD.glob("*.txt") if truth_of(p) is not None)]
        table("real reports (against truth/*.json)", real, Path(work))
        patterns = sorted(p for p in PATTERNS.iterdir() if p.suffix != ".json") if PATTERNS.exists() else []
        if patterns:
            table("patterns (tests/data/import_patterns, against the JSON beside each)", patterns, Path(work))


if __name__ == "__main__":
    main([Path(p).resolve() for p in sys.argv[1:]])
