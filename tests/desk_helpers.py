"""What the desk's tests share: the sample county as a roster, its workbooks with
and without a mistake, a desk set up for them, and each unit's link."""
from __future__ import annotations

import contextlib
import csv
import os
import re
from datetime import datetime
from pathlib import Path

from samples import sample_county
from xltools import write
from xltools.commands.roster import read_roster
from xltools.desk.service import create

TOWNS = ("镇人民政府", "乡人民政府", "街道办事处")
EDUCATION = "示例县教育局"
FINANCE = "示例县财政局"


def reports() -> dict:
    return {r.unit: r for r in sample_county()}


def write_roster(path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["统一社会信用代码", "单位名称", "上级单位", "类型"])
        for unit, r in reports().items():
            out.writerow([r.meta["credit_code"], unit, "示例县人民政府", "乡镇" if unit.endswith(TOWNS) else "部门"])
    return path


def workbook(path: Path, unit: str = EDUCATION, mistake: bool = False, year: int | None = None,
             explained: str | None = None) -> Path:
    """The unit's sample report; with `mistake`, its 行政复议 总计 typed one too high (R4,
    and W3: the text says otherwise), and with `explained` W3 explained in 审核说明 so."""
    report = reports()[unit]
    if mistake:
        report.values["appeals.review.total"] += 1
    if explained:
        report.explanations = [{"rule": "W3", "target": "四、复议诉讼!E6", "text": explained}]
    if year is not None:
        report.meta["year"] = year
    write(report, path)
    return path


def make_desk(folder: Path, **kw):
    roster = write_roster(folder.parent / f"{folder.name}-名册.csv")
    return create(folder, read_roster(roster), kw.pop("year", 2023), "office:cli:test", kw.pop("unit", "示例县"), **kw)


def links(folder: Path) -> dict[str, str]:
    with (folder / "单位链接.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {row["单位名称"]: row["链接"] for row in csv.DictReader(fh)}


def token(folder: Path, unit: str) -> str:
    return links(folder)[unit].rsplit("/", 1)[1]


def crash(path: str) -> dict:
    """A check whose worker dies (as a parser that aborts the process would)."""
    os._exit(3)


@contextlib.contextmanager
def clock(when: datetime):
    """What the desk does meanwhile is done at `when` (in the desk's time zone): a
    report filed in January of the year after its own, as the units' were."""
    from xltools.desk import service
    from xltools.desk.settings import tz

    real = service.now
    service.now = lambda: when.replace(tzinfo=tz())
    try:
        yield
    finally:
        service.now = real


def text(html: str) -> str:
    """A page's words as a reader sees them."""
    html = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"').replace("&#39;", "'").strip()


def login(client, password: str):
    """The office signs in on the page, as a browser would (the form's nonce first)."""
    form = client.get("/office/login")
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)[1]
    return client.post("/office/login", data={"nonce": nonce, "password": password})


def csrf(client, path: str = "/office") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)[1]


def api(client, tok: str, data: bytes, name: str = "年报.xlsx"):
    """A unit's upload by the API, with its token."""
    return client.post("/api/upload", files={"file": (name, data)}, headers={"Authorization": f"Bearer {tok}"})
