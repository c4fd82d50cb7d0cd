"""JSON → workbook → JSON is the identity: for the examples and for random reports."""
from __future__ import annotations

import json
import zipfile
from decimal import Decimal

import openpyxl
from conftest import EXAMPLES, SAMPLE_COUNTY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from samples import sample_county
from xltools import Report, read, write
from xltools.model.schema import load_format
from xltools.xlsx.layout import load_layout

FMT = load_format()


def test_chitudian_reads_back_exactly_as_published():
    published = Report.from_json((EXAMPLES / "chitudian-2023.json").read_text(encoding="utf-8"))
    report = read(EXAMPLES / "chitudian-2023.xlsx")
    assert report == published
    assert report.values["requests.new.natural_person"] == 1
    assert report.values["appeals.review.corrected"] == 1
    assert report.text["other"] == "本单位 2023 年度未收取政府信息公开处理费。"
    assert report.text["overview.proactive"].startswith("赤土店镇高度重视主动公开工作")


def test_sample_county_reads_back():
    made = {r.unit: r for r in sample_county()}
    files = sorted(SAMPLE_COUNTY.glob("*.xlsx"))
    assert len(files) == len(made) >= 12
    for path in files:
        report = read(path)
        assert "示例" in report.unit
        assert report == made[report.unit]


# Text as clerks write it: Chinese, newlines, quotes, and what spreadsheets take
# for formulas. XML 1.0 cannot hold most control characters, and a lone CR is
# normalised by every XML parser, so neither is generated here.
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.sampled_from("\n\t\"'")
_TEXT = st.one_of(
    st.none(),
    st.text(_CHARS, min_size=1, max_size=60),
    st.tuples(st.sampled_from(["=", "+", "-", "@", "=SUM(A1:A2)", "=HYPERLINK(\"x\")"]),
              st.text(_CHARS, max_size=20)).map("".join),
)
_COUNT = st.one_of(st.none(), st.integers(0, 10**9))
_MONEY = st.one_of(
    st.none(),
    st.builds(lambda n, d: Decimal(n).scaleb(-d), st.integers(0, 10**14), st.integers(0, 6))
    .filter(lambda v: v.adjusted() < 9),
)


@st.composite
def reports(draw) -> Report:
    values = {f.id: draw(_MONEY if f.value_kind == "money" else _COUNT) for f in FMT.numeric_fields()}
    # A total left blank reads back as its formula's sum; random totals are given
    # explicitly, so that inconsistent reports survive the round trip too.
    for f in FMT.totals():
        values[f.id] = draw(st.integers(0, 10**6))
    meta = {f.id: draw(_TEXT) for f in FMT.meta_fields()}
    meta["year"] = draw(st.one_of(st.none(), st.integers(2019, 2100)))
    text = {f.id: draw(_TEXT) for f in FMT.text_fields()}
    explanations = draw(st.lists(st.fixed_dictionaries(
        {"rule": st.sampled_from(["W1", "W3", "W6"]), "target": st.text(_CHARS, min_size=1, max_size=20),
         "text": st.text(_CHARS, min_size=1, max_size=80)}), max_size=3))
    return Report(meta=meta, values=values, text=text, explanations=explanations)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reports())
def test_random_reports_round_trip(tmp_path, report):
    path = tmp_path / "r.xlsx"
    write(report, path)
    back = read(path)
    assert back == report
    # and through JSON text, as `export` and `template --data` exchange it
    assert Report.from_json(back.to_json()) == report


def test_money_keeps_its_decimals(tmp_path):
    report = Report(values={"proactive.fee.amount": Decimal("0.1") + Decimal("0.2"),
                            "fees.collected": Decimal("24252.311082"), "fees.notice_amount": Decimal("1234.5")})
    write(report, tmp_path / "m.xlsx")
    back = read(tmp_path / "m.xlsx")
    assert back.values["proactive.fee.amount"] == Decimal("0.3")
    assert str(back.values["fees.collected"]) == "24252.311082"
    assert '"fees.notice_amount": 1234.5' in back.to_json()


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    report = Report(meta={"unit": "=1+1"}, text={"problems": "=HYPERLINK(\"http://x\",\"点我\")", "other": "+86 电话"})
    path = tmp_path / "f.xlsx"
    write(report, path)
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        formulas = sum(z.read(n).count(b"<f>") for n in sheets)
    # the template's own formulas are the only ones: 34 totals and 7 live checks
    assert formulas == len(FMT.totals()) + 7
    wb = openpyxl.load_workbook(path)
    cover = wb["封面"]
    assert cover["B3"].value == "=1+1" and cover["B3"].data_type == "s"
    cal = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("五、问题及改进").to_python()
    assert cal[2][0] == "=HYPERLINK(\"http://x\",\"点我\")"


def test_export_json_has_every_field(tmp_path):
    data = json.loads(read(EXAMPLES / "chitudian-2023.xlsx").to_json())
    assert list(data) == ["format", "meta", "values", "text", "explanations"]
    assert len(data["values"]) == len(FMT.numeric_fields()) == 203
    assert set(data["values"]) == set(load_layout().cells) - set(data["meta"]) - set(data["text"])
