"""The county the cycle walks: 32 units of the three kinds from the sample
generator, their reports of last year and this year (this year's carry-over and
documents in force following from last year's, as real reports do), the roster,
and the inbox as real units fill it: the workbooks come from `xltools template
--data`, and a few units do what clerks do.

The expected sums are computed here from the generator's values, by plain
addition: never by merge's code."""
from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from samples import sample_report, sample_text
from xltools.model.report import Report
from xltools.model.schema import load_format
from xltools.model.totals import complete

FMT = load_format("2021")
COUNTY = "示例甲县"
OTHER_COUNTY = "示例乙县"
CITY = "示例市"
DEPARTMENTS = ("发展和改革委员会", "教育局", "公安局", "民政局", "财政局", "人力资源和社会保障局", "自然资源局",
               "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会",
               "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局")
TOWNS = ("城关镇人民政府", "东岭镇人民政府", "西河乡人民政府", "南山街道办事处", "北坡镇人民政府", "石门镇人民政府",
         "白土镇人民政府", "潭头镇人民政府", "庙子镇人民政府", "秋扒乡人民政府", "狮子庙镇人民政府")
KINDS = {"人民政府办公室": "本级", **{d: "部门" for d in DEPARTMENTS}, **{t: "乡镇街道" for t in TOWNS}}

# What each unit with a story does (the others send a clean workbook).
TEXT_NUMBER = COUNTY + "农业农村局"        # a number typed as text (W0), not explained
EXPLAINED = COUNTY + "水利局"              # the same, explained in 审核说明 (the defect 1)
DELETED_TOTAL = COUNTY + "审计局"          # the formula of 四's 行政复议 总计 deleted (R4): returned, fixed
LAST_YEAR = COUNTY + "民政局"              # sends last year's workbook again
CODE = COUNTY + "财政局"                   # a mistyped credit code, then a corrected copy
COPY = COUNTY + "教育局"                   # its workbook, and a byte-identical "- 副本"
XLS = COUNTY + "交通运输局"                # saved as Excel 97-2003
CSV = COUNTY + "发展和改革委员会"          # sent a CSV
TXT = COUNTY + "自然资源局"                # sent its report as plain text
EMPTY = COUNTY + "公安局"                  # a download that never finished
PASSWORD = COUNTY + "商务局"               # a workbook with an opening password
OPEN = COUNTY + "城关镇人民政府"           # still open in Excel: its ~$ lock file beside it
# Units whose file arrived in a form nobody can read: merged by nobody, but received.
UNREADABLE = (XLS, CSV, TXT, EMPTY, PASSWORD)

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the header of Excel 97-2003 files and of encrypted workbooks


def _linked(this: Report, last: Report) -> Report:
    """This year's report with its carry-over and documents in force following from
    last year's (else C1 and W2 would flag every unit), totals and text redone."""
    values = {k: v for k, v in this.values.items() if FMT.fields[k].kind != "total"}
    for col in ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org"):
        carried_in = last.values[f"requests.carried_out.{col}"]
        new = values[f"requests.new.{col}"] + values[f"requests.carried_in.{col}"] - carried_in
        if new < 0:
            values[f"requests.carried_out.{col}"] -= new
            new = 0
        values[f"requests.carried_in.{col}"] = carried_in
        values[f"requests.new.{col}"] = new
    for kind in ("regulation", "normative"):
        values[f"proactive.{kind}.repealed"] = min(values[f"proactive.{kind}.repealed"],
                                                   last.values[f"proactive.{kind}.in_force"])
        values[f"proactive.{kind}.in_force"] = (last.values[f"proactive.{kind}.in_force"]
                                                + values[f"proactive.{kind}.issued"]
                                                - values[f"proactive.{kind}.repealed"])
    return _redone(this, values)


def _redone(report: Report, values: dict) -> Report:
    """The report with its totals computed again and its text stating its figures."""
    report.values = complete(FMT, values)
    report.text = sample_text(report.unit, report.meta["year"], report.values)
    return report


def units(county: str = COUNTY) -> list[str]:
    return [county + u for u in KINDS]


def kind(unit: str) -> str:
    return next(k for end, k in KINDS.items() if unit.endswith(end))


def reports(county: str = COUNTY, seed: int = 24) -> tuple[dict[str, Report], dict[str, Report]]:
    """(last year's, this year's) reports of every unit, by unit."""
    rng = random.Random(seed)
    last, this = {}, {}
    for unit in units(county):
        scale = rng.choice((3, 10, 30))
        old = sample_report(unit, 2022, rng, parent=f"{county}人民政府", scale=scale)
        new = sample_report(unit, 2023, rng, parent=f"{county}人民政府", scale=scale)
        new.meta["credit_code"] = old.meta["credit_code"]
        last[unit], this[unit] = old, _linked(new, old)
    _deleted_total(this[DELETED_TOTAL])
    return last, this


def _deleted_total(report: Report) -> None:
    """Give the unit two 行政复议 cases, so that its deleted 总计 hides something."""
    values = {k: v for k, v in report.values.items() if FMT.fields[k].kind != "total"}
    values["appeals.review.upheld"] += 2
    _redone(report, values)


def to_json(report: Report, **values) -> dict:
    """The report as `template --data` takes it from a unit's clerk: totals left to the
    template's formulas, with `values` (a text number, a deleted total "") written as given."""
    data = json.loads(report.to_json())
    data["values"] = {k: v for k, v in data["values"].items() if FMT.fields[k].kind != "total"}
    data["values"].update(values)
    return data


def write_roster(path: Path, this: dict[str, Report]) -> Path:
    """The roster as a county office keeps it in Excel: UTF-8 with a BOM."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(["统一社会信用代码", "单位名称", "上级单位", "类型"])
        for unit, r in this.items():
            out.writerow([r.meta["credit_code"], unit, r.meta["parent"], kind(unit)])
    return path


def wrong_code(code: str) -> str:
    """The code with its check character mistyped: not the roster's, not valid."""
    return code[:-1] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[-1])


def text_number(report: Report) -> str:
    return f"{report.values['requests.new.natural_person']}件"


@dataclass
class Inbox:
    """What arrived, file by file: the unit it came from and what the record must say."""
    folder: Path
    files: dict[str, str] = field(default_factory=dict)  # file name → unit

    def path(self, unit: str) -> Path:
        [name] = [n for n, u in self.files.items() if u == unit and not n.startswith("~$")][:1]
        return self.folder / name


def expected_sum(reports: list[Report]) -> dict[str, Decimal]:
    """Every number of a summary of these reports: each field the plain sum of the
    units' values (text numbers as the number they say), totals included."""
    out: dict[str, Decimal] = {}
    for f in FMT.numeric_fields():
        out[f.id] = sum((Decimal(str(r.values.get(f.id) or 0)) for r in reports), Decimal(0))
    return out
