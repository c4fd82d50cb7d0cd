"""How much of each real published report `xltools import` places, and whether any
value is placed wrongly, against the tables researchers split by hand.

    python bench/import_accuracy.py [../shared/realworld/*.txt]

Each file of ../shared/realworld holds the report as found, then (after
"# ==== reconstructed") its tables split by hand, tab-separated; that part is
imported on its own as the expected answer and never used as input.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from xltools.documents.importer import import_document
from xltools.documents.sources import from_text

REALWORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "realworld"


def parts(path: Path) -> tuple[str, str, bool]:
    raw = path.read_text(encoding="utf-8")
    source, _, reconstructed = raw.partition("# ==== reconstructed")
    source = "\n".join(x for x in source.splitlines() if not x.startswith("# "))
    tables = "\n".join(x.replace("/", "\t").strip("[]") for x in reconstructed.splitlines()[1:]
                       if not x.startswith("#"))
    return source, tables, "pdftotext" in raw[:2000]


def main(paths: list[Path]) -> None:
    for path in paths:
        source, tables, pdf = parts(path)
        result = import_document(from_text(path, source, wrapped=pdf))
        got = {k: v for k, v in result.report.values.items() if v is not None}
        line = (f"{path.name}: {result.format} format, {result.report.unit} {result.report.year}, "
                f"placed {len(got)}/{len(result.report.values)}")
        if tables:
            expected = import_document(from_text(path, "X2000年政府信息公开工作年度报告\n" + tables)).report.values
            want = {k: v for k, v in expected.items() if v is not None}
            wrong = {k: (got[k], want[k]) for k in got if k in want and got[k] != want[k]}
            line += f"; hand-split {len(want)}, agree {sum(got[k] == want.get(k) for k in got)}, wrong {len(wrong)}"
            if wrong:
                line += f" {sorted(wrong.items())[:5]}"
        print(line)
        counts = Counter(f"{f.rule}/{f.case}" for f in result.findings)
        print("    findings:", ", ".join(f"{k} ×{n}" for k, n in sorted(counts.items())) or "none")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or sorted(p for p in REALWORLD.glob("*.txt") if p.name[0].isdigit()
                                                  and "cmp" not in p.name))
