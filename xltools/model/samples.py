"""Fictitious but valid reports: the sample county, benchmarks and tests.

Every report made here satisfies every rule of the format, and its text states
the numbers the tables hold, so it passes `check` with no findings.
"""
from __future__ import annotations

import random
from decimal import Decimal

from xltools.model.codes import check_char
from xltools.model.report import Report, number_text
from xltools.model.schema import Format, leaves, load_format
from xltools.model.totals import complete

SAMPLE_COUNTY = "示例县"
# A county's departments and townships, after the county's name.
SAMPLE_UNITS = (
    "人民政府办公室", "发展和改革委员会", "教育局", "公安局", "民政局", "财政局", "人力资源和社会保障局",
    "自然资源局", "住房和城乡建设局", "城关镇人民政府", "东岭镇人民政府", "西河乡人民政府",
    "南山街道办事处", "北坡镇人民政府",
)


def credit_code(rng: random.Random) -> str:
    """A well-formed code of a 机关 (category 1, type 1) in a fictitious region."""
    body = "11" + "419999" + "".join(rng.choice("0123456789") for _ in range(9))
    return body + check_char(body)


def _sparse(rng: random.Random, high: int, density: float = 0.35) -> int:
    return rng.randint(1, high) if rng.random() < density else 0


def _money(rng: random.Random, high: int, decimals: int) -> Decimal:
    return Decimal(rng.randint(0, high * 10**decimals)).scaleb(-decimals)


def valid_values(fmt: Format, rng: random.Random, scale: int = 10) -> dict:
    """Detail values that balance, and every total computed from them."""
    values: dict = {}
    table = fmt.tables["requests"]
    results = fmt.fields[f"requests.results_total.{leaves(table.blocks[0].columns)[0].key}"].parts
    result_rows = [p.removeprefix("requests.").rsplit(".", 1)[0] for p in results]
    for col in (c.key for c in leaves(table.blocks[0].columns)):
        if fmt.fields[f"requests.new.{col}"].kind == "total":
            continue
        wide = col == "natural_person"
        for row in result_rows:
            values[f"requests.{row}.{col}"] = _sparse(rng, scale * (3 if wide else 1), 0.5 if wide else 0.15)
        done = sum(values[f"requests.{row}.{col}"] for row in result_rows)
        values[f"requests.carried_out.{col}"] = _sparse(rng, max(1, scale // 3))
        values[f"requests.carried_in.{col}"] = rng.randint(0, min(done + values[f"requests.carried_out.{col}"], scale // 3))
        values[f"requests.new.{col}"] = done + values[f"requests.carried_out.{col}"] - values[f"requests.carried_in.{col}"]
    for f in fmt.numeric_fields():
        if f.id in values or f.kind == "total" or f.table == "fees":
            continue
        if f.kind == "money":
            values[f.id] = _money(rng, scale * 50, rng.choice((0, 2, 4, 6))) if rng.random() < 0.6 else 0
        elif f.table == "appeals":
            values[f.id] = _sparse(rng, max(1, scale // 4))
        else:
            values[f.id] = _sparse(rng, scale * 20, 0.7)
    values["fees.notice_amount"] = _money(rng, scale * 100, 2) if rng.random() < 0.4 else Decimal(0)
    values["fees.collected"] = (values["fees.notice_amount"] * rng.randint(0, 100) / 100).quantize(Decimal("0.01"))
    values["fees.notices"] = rng.randint(1, 5) if values["fees.notice_amount"] else 0
    return complete(fmt, values)


def _n(values: dict, fid: str) -> str:
    return number_text(values[fid])


def sample_text(unit: str, year: int, values: dict) -> dict[str, str]:
    """Text sections that state the tables' own numbers."""
    suits = values["appeals.suit_direct.total"] + values["appeals.suit_after_review.total"]
    fees = (f"本年度发出收费通知{_n(values, 'fees.notices')}件，收费通知总金额{_n(values, 'fees.notice_amount')}元，"
            f"实际收取信息处理费{_n(values, 'fees.collected')}元。"
            if values["fees.collected"] else f"本单位{year}年度未收取政府信息公开信息处理费。")
    return {
        "overview.proactive": f"{year}年，{unit}坚持以公开为常态、不公开为例外，通过门户网站、政务新媒体等渠道及时主动公开政府信息。",
        "overview.requests": (f"本年度新收政府信息公开申请{_n(values, 'requests.new.total')}件，"
                              f"上年结转{_n(values, 'requests.carried_in.total')}件，"
                              f"办结{_n(values, 'requests.results_total.total')}件，"
                              f"结转下年度继续办理{_n(values, 'requests.carried_out.total')}件。"
                              f"因政府信息公开引发行政复议{_n(values, 'appeals.review.total')}件、行政诉讼{suits}件。"),
        "overview.management": "健全信息发布审核机制，严格执行“先审查、后公开”和“一事一审”制度。",
        "overview.platform": "持续优化门户网站信息公开专栏，规范政务新媒体管理。",
        "overview.supervision": "将政务公开工作纳入年度绩效考核，组织业务培训，接受社会监督。",
        "problems": "（一）存在的主要问题：部分信息公开不够及时，解读形式较为单一。\n（二）改进情况：完善公开流程，丰富图文、视频等解读形式。",
        "other": fees,
    }


def sample_report(unit: str, year: int, rng: random.Random, parent: str | None = None, scale: int = 10) -> Report:
    fmt = load_format("2021")
    values = valid_values(fmt, rng, scale)
    return Report(
        format=fmt.id,
        meta={"unit": unit, "credit_code": credit_code(rng), "parent": parent, "year": year,
              "preparer": "示例填报人", "phone": "0379-" + "".join(rng.choice("0123456789") for _ in range(8)),
              "date": f"{year + 1}-01-{rng.randint(10, 28)}"},
        values=values, text=sample_text(unit, year, values),
    )


def sample_county(year: int = 2023, seed: int = 2023, county: str = SAMPLE_COUNTY) -> list[Report]:
    """The units of a fictitious county (every name carries 示例), valid reports all."""
    rng = random.Random(seed)
    return [sample_report(county + unit, year, rng, parent=f"{county}人民政府") for unit in SAMPLE_UNITS]
