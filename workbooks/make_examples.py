"""Regenerate the committed workbooks: the template and the examples.

    python workbooks/make_examples.py

The template and every example are reproducible byte for byte; the tests check
that the committed files are exactly what this script makes.
"""
from __future__ import annotations

import sys
from pathlib import Path

from xltools.report import Report
from xltools.samples import SAMPLE_COUNTY, sample_county
from xltools.writer import TEMPLATE_DATE, write, write_template

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
SAMPLE_DIR = EXAMPLES / "sample-county"


def sample_path(report: Report) -> Path:
    return SAMPLE_DIR / f"{report.unit}.xlsx"


def main(out: Path = HERE) -> None:
    (out / "examples" / "sample-county").mkdir(parents=True, exist_ok=True)
    write_template(out / "template.xlsx")
    chitudian = Report.from_json((EXAMPLES / "chitudian-2023.json").read_text(encoding="utf-8"))
    write(chitudian, out / "examples" / "chitudian-2023.xlsx", when=TEMPLATE_DATE)
    for report in sample_county():
        write(report, out / "examples" / "sample-county" / sample_path(report).name, when=TEMPLATE_DATE)
    print(f"wrote template, chitudian-2023 and {SAMPLE_COUNTY}'s units under {out}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
