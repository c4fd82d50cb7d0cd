"""Regenerate the committed workbooks: the template and the examples.

    python workbooks/make_examples.py

The template and every example are reproducible byte for byte; the tests check
that the committed files are exactly what this script makes.
"""
from __future__ import annotations

import sys
from pathlib import Path

from samples import SAMPLE_COUNTY, sample_county
from xltools.excel.macrobook import write_macro_template
from xltools.model.report import Report
from xltools.xlsx.writer import TEMPLATE_DATE, write, write_template

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
SAMPLE_DIR = EXAMPLES / "sample-county"
ROSTER = "sample-county-roster.csv"  # beside the folder: the county's list of units, with their kinds
# 类型 of the sample county's units, by how their names end (the words of schemas/county.yaml)
KINDS = (("人民政府办公室", "本级"), ("镇人民政府", "乡镇街道"), ("乡人民政府", "乡镇街道"), ("街道办事处", "乡镇街道"))


def sample_path(report: Report) -> Path:
    return SAMPLE_DIR / f"{report.unit}.xlsx"


def with_mistakes() -> Report:
    """The 赤土店镇 report with the mistakes published reports really contain."""
    report = Report.from_json((EXAMPLES / "chitudian-2023.json").read_text(encoding="utf-8"))
    report.meta["unit"] = "示例县错误示范镇人民政府"
    report.values.update({"appeals.review.upheld": 10, "appeals.review.corrected": 1, "appeals.review.total": 0,
                          "requests.carried_in.commercial": None, "requests.carried_in.research": None,
                          "requests.new.natural_person": "１件"})
    report.text["overview.requests"] = "全年共收到政府信息公开申请2件，均已按时答复。"
    report.text["problems"] = "无"
    return report


def write_roster(reports: list[Report], path: Path) -> None:
    """The roster as a county office keeps it in Excel: UTF-8 with a BOM, CRLF."""
    lines = ["统一社会信用代码,单位名称,上级单位,类型"]
    for r in reports:
        kind = next((k for end, k in KINDS if r.unit.endswith(end)), "部门")
        lines.append(f"{r.meta['credit_code']},{r.unit},{r.meta['parent']},{kind}")
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def main(out: Path = HERE) -> None:
    (out / "examples" / "sample-county").mkdir(parents=True, exist_ok=True)
    write_template(out / "template.xlsx")
    write_macro_template(out / "template.xlsm")
    chitudian = Report.from_json((EXAMPLES / "chitudian-2023.json").read_text(encoding="utf-8"))
    write(chitudian, out / "examples" / "chitudian-2023.xlsx", when=TEMPLATE_DATE)
    write(with_mistakes(), out / "examples" / "mistakes-2023.xlsx", when=TEMPLATE_DATE)
    for report in sample_county():
        write(report, out / "examples" / "sample-county" / sample_path(report).name, when=TEMPLATE_DATE)
    write_roster(sample_county(), out / "examples" / ROSTER)
    print(f"wrote the templates, chitudian-2023 and {SAMPLE_COUNTY}'s units under {out}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
