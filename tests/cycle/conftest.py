"""The January cycle, built once per session: the county and its inbox, then each
step of the README run once (by the command line and by the desk), its result kept
for the tests of tests/cycle/ to assert on. Every test here is marked `cycle`:
`pytest -m "not cycle"` leaves the whole story out of a quick loop."""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result

from samples import sample_county
from xltools import write
from xltools.cli import main

from . import county as C

HERE = Path(__file__).resolve().parent
BASE_URL = "http://10.1.2.3:8000"


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.cycle)


@dataclass
class Step:
    """One command of the cycle and what it gave."""
    name: str
    args: list[str]
    result: Result

    @property
    def output(self) -> str:
        return self.result.output

    @property
    def stdout(self) -> str:
        """What a pipe or `> file` receives: JSON is read from here (notes go to stderr)."""
        return self.result.stdout

    @property
    def code(self) -> int:
        return self.result.exit_code

    def sound(self, allowed=(0, 1)) -> None:
        """No internal error, no traceback, and an exit status the README allows here."""
        out = self.output
        assert "内部错误" not in out and "Traceback" not in out, f"{self.name}: internal error\n{out[-2000:]}"
        assert self.result.exception is None or isinstance(self.result.exception, SystemExit), (
            f"{self.name}: {self.result.exception!r}")
        assert self.code in allowed, f"{self.name}: exit {self.code}, expected one of {allowed}\n{out[-2000:]}"


def cli(name: str, *args) -> Step:
    args = [str(a) for a in args]
    return Step(name, args, CliRunner().invoke(main, args))


def _template_step(root: Path) -> Step:
    return cli("template (empty)", "template", "-o", root / "模板.xlsx", "--unit", C.COUNTY + "某单位", "--year", 2023)


def _fill_in(root: Path, unit: str, data: dict, out: Path, steps: list[Step]) -> Path:
    """A unit's clerk fills the template: `xltools template --data` of the unit's report."""
    src = root / "json" / f"{unit}.json"
    src.parent.mkdir(exist_ok=True)
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    steps.append(cli(f"template --data {src.name}", "template", "--data", src, "-o", out))
    return out


def _inbox(root: Path, last: dict, this: dict, steps: list[Step]) -> C.Inbox:
    inbox = C.Inbox(root / "收件箱")
    inbox.folder.mkdir()
    tmp = root / "made"
    tmp.mkdir()

    def put(name: str, unit: str, data: bytes | Path) -> None:
        (inbox.folder / name).write_bytes(data.read_bytes() if isinstance(data, Path) else data)
        inbox.files[name] = unit

    for unit, report in this.items():
        special = {C.TEXT_NUMBER: {"requests.new.natural_person": C.text_number(report)},
                   C.EXPLAINED: {"requests.new.natural_person": C.text_number(report)},
                   C.DELETED_TOTAL: {"appeals.review.total": ""}}.get(unit, {})
        data = C.to_json(report, **special)
        if unit == C.EXPLAINED:
            data["explanations"] = [{"rule": "W0", "target": "三、依申请公开!D6",
                                     "text": "原件如此，已核实为160件以内的实数"}]
        if unit == C.CODE:
            data["meta"]["credit_code"] = C.wrong_code(report.meta["credit_code"])
        made = _fill_in(root, unit, data, tmp / f"{unit}.xlsx", steps)
        if unit == C.LAST_YEAR:
            made = tmp / f"{unit}-2022.xlsx"
            write(last[unit], made)
        if unit == C.XLS:
            put(f"{unit}.xls", unit, C.OLE + b"\0" * 2048)  # as Excel 97-2003 saves it: an OLE file
        elif unit == C.CSV:
            export = cli(f"export -f csv {unit}", "export", made, "-f", "csv")
            steps.append(export)
            put(f"{unit}.csv", unit, export.output.encode("utf-8"))  # export writes its BOM itself
        elif unit == C.TXT:
            put(f"{unit}.txt", unit,
                (f"{unit}2023年政府信息公开工作年度报告\n" + report.text["overview.proactive"]).encode())
        elif unit == C.EMPTY:
            put(f"{unit}.xlsx", unit, b"")
        elif unit == C.PASSWORD:
            put(f"{unit}.xlsx", unit, C.OLE + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2048)
        else:
            put(f"{unit}.xlsx", unit, made)
        if unit == C.CODE:  # the corrected resubmission, under the roster's code
            fixed = _fill_in(root, unit, C.to_json(report), tmp / f"{unit}（更正版）.xlsx", steps)
            put(f"{unit}（更正版）.xlsx", unit, fixed)
        if unit == C.COPY:
            put(f"{unit} - 副本.xlsx", unit, made)
        if unit == C.OPEN:  # Excel's lock file: the owner's name, padded
            put(f"~${unit}.xlsx", unit, b"\x05clerk" + b"\x20" * 48 + b"\0" * 110)
    return inbox


@pytest.fixture(scope="session")
def county(tmp_path_factory):
    """Both years of the county, the roster, the template, the inbox, last year's
    workbooks, and the other county's workbooks."""
    root = tmp_path_factory.mktemp("cycle")
    last, this = C.reports()
    steps: list[Step] = [_template_step(root)]
    roster = C.write_roster(root / "名册.csv", this)
    inbox = _inbox(root, last, this, steps)
    last_dir = root / "2022"
    last_dir.mkdir()
    for unit, report in last.items():
        write(report, last_dir / f"{unit}.xlsx")
    other = sample_county(county=C.OTHER_COUNTY, seed=9)
    other_dir = root / C.OTHER_COUNTY
    other_dir.mkdir()
    for report in other:
        write(report, other_dir / f"{report.unit}.xlsx")
    return SimpleNamespace(root=root, last=last, this=this, roster=roster, inbox=inbox, steps=steps,
                           last_dir=last_dir, other=other, other_dir=other_dir)


@pytest.fixture(scope="session")
def last_summary(county):
    out = county.root / f"{C.COUNTY}2022汇总.xlsx"
    step = cli("merge 2022", "merge", county.last_dir, "-o", out, "--unit", C.COUNTY, "--roster", county.roster,
               "--jobs", 2)
    return SimpleNamespace(step=step, path=out)


@pytest.fixture(scope="session")
def checked(county):
    """`check` of the whole inbox: text, JSON, and --annotate into a folder not made yet."""
    folder = county.inbox.folder
    marked = county.root / "标注" / "收件箱"
    return SimpleNamespace(
        text=cli("check 收件箱", "check", folder),
        json=cli("check 收件箱 -f json", "check", folder, "-f", "json"),
        annotate=cli("check 收件箱 --annotate 标注/收件箱", "check", folder, "--annotate", marked),
        marked=marked)


@pytest.fixture(scope="session")
def merged(county, last_summary):
    out = county.root / f"{C.COUNTY}汇总.xlsx"
    step = cli("merge 收件箱 --previous", "merge", county.inbox.folder, "-o", out, "--unit", C.COUNTY,
               "--roster", county.roster, "--previous", last_summary.path, "--jobs", 2, "--allow-incomplete")
    return SimpleNamespace(step=step, path=out)


@pytest.fixture(scope="session")
def other_summary(county):
    out = county.root / f"{C.OTHER_COUNTY}汇总.xlsx"
    step = cli(f"merge {C.OTHER_COUNTY}", "merge", county.other_dir, "-o", out, "--unit", C.OTHER_COUNTY,
               "--jobs", 2)
    return SimpleNamespace(step=step, path=out)


@pytest.fixture(scope="session")
def city(county, merged, other_summary):
    out = county.root / f"{C.CITY}汇总.xlsx"
    step = cli("merge 县汇总 → 市汇总", "merge", merged.path, other_summary.path, "-o", out, "--unit", C.CITY,
               "--jobs", 2)
    return SimpleNamespace(step=step, path=out)


# --- the desk


def _text(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"').replace("&#39;", "'").strip()


@dataclass
class Page:
    """A request of the desk's and its answer."""
    what: str
    status: int
    body: bytes
    json: object = None


@pytest.fixture(scope="session")
def desk(county, tmp_path_factory):
    """The desk's January: init, every unit uploads what it has by its link, the office
    returns what has errors, the unit fixes it (`xltools fill`) and uploads again, the
    office approves every report without errors, merges on the page and by the command,
    and reads the status. Every answer is kept."""
    from starlette.testclient import TestClient

    from xltools.desk.checking import Checker
    from xltools.desk.service import Desk
    from xltools.desk.settings import now
    from xltools.desk.web import build_app

    root = tmp_path_factory.mktemp("desk")
    folder = root / "审核台2023"
    steps = [cli("desk init", "desk", "init", folder, "--roster", county.roster, "--year", 2023, "--unit", C.COUNTY,
                 "--base-url", BASE_URL)]
    password = re.search(r"管理员密码[^\n]*\n\s*(\S+)", steps[0].output)
    with (folder / "单位链接.csv").open(encoding="utf-8-sig") as fh:
        links = {row["单位名称"]: row["链接"].rsplit("/", 1)[1] for row in csv.DictReader(fh)}
    pages: list[Page] = []
    uploads: dict[str, Page] = {}  # file name → the API's answer
    checker = Checker(workers=1, warm=False)
    try:
        with TestClient(build_app(folder, checker=checker), follow_redirects=False,
                        raise_server_exceptions=False) as client:  # a 500 is an answer to assert on
            def get(what: str, path: str) -> Page:
                r = client.get(path)
                page = Page(what, r.status_code, r.content)
                pages.append(page)
                return page

            def api(name: str, unit: str, data: bytes) -> Page:
                r = client.post("/api/upload", files={"file": (name, data)},
                                headers={"Authorization": f"Bearer {links[unit]}"})
                page = Page(f"POST /api/upload {name}", r.status_code, r.content,
                            r.json() if r.headers.get("content-type", "").startswith("application/json") else None)
                pages.append(page)
                return page

            order = sorted(county.inbox.files.items(), key=lambda kv: ("更正版" in kv[0], "副本" in kv[0], kv[0]))
            for name, unit in order:
                if name.startswith("~$"):
                    continue  # a lock file stays on the clerk's PC
                uploads[name] = api(name, unit, (county.inbox.folder / name).read_bytes())
                answer = uploads[name]
                if answer.json and answer.json.get("version"):
                    n = answer.json["version"]
                    get(f"unit page {unit}", f"/u/{links[unit]}")
                    get(f"version page {unit} v{n}", f"/u/{links[unit]}/v/{n}")
                    get(f"marked copy {unit} v{n}", f"/u/{links[unit]}/v/{n}/marked")
            form = client.get("/office/login")
            nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)[1]
            client.post("/office/login", data={"nonce": nonce, "password": password[1] if password else ""})
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/office").text)[1]
            office = Desk(folder)
            returned = {}
            for unit in C.units():
                standing = office.standing(office.find_unit(unit))
                if standing.current is None:
                    continue
                uid = office.find_unit(unit).id
                get(f"office unit page {unit}", f"/office/unit/{uid}")
                latest = standing.current.number
                if standing.current.errors:
                    r = client.post(f"/office/unit/{uid}/return",
                                    data={"csrf": token, "version": str(latest), "note": ""})
                    pages.append(Page(f"return {unit} v{latest}", r.status_code, r.content))
                    returned[unit] = latest
            fixed = {}
            for unit in returned:  # the unit restores its totals and sends the workbook again
                src = county.inbox.path(unit)
                out = root / f"{unit}-改.xlsx"
                steps.append(cli(f"fill {src.name}", "fill", src, "-o", out))
                r = client.post(f"/u/{links[unit]}/upload", files={"file": (out.name, out.read_bytes())})
                pages.append(Page(f"upload again {unit}", r.status_code, r.content))
                fixed[unit] = out
                get(f"unit page {unit} after resubmitting", f"/u/{links[unit]}")
            approved = {}
            for unit in C.units():
                standing = office.standing(office.find_unit(unit))
                if standing.current is None or standing.current.errors:
                    continue
                uid, latest = office.find_unit(unit).id, standing.current.number
                r = client.post(f"/office/unit/{uid}/approve", data={"csrf": token, "version": str(latest)})
                pages.append(Page(f"approve {unit} v{latest}", r.status_code, r.content))
                approved[unit] = latest
            for unit in sorted(returned):
                uid = office.find_unit(unit).id
                get(f"compare {unit} v1 → v2", f"/office/unit/{uid}/compare?old=1&new=2")
            if C.COPY in approved:  # its website published it: today, and (refused) before it was filed
                uid = office.find_unit(C.COPY).id
                for when in (now().date().isoformat(), "2023-12-01"):  # today where the desk is (UTC+8)
                    r = client.post(f"/office/unit/{uid}/published",
                                    data={"csrf": token, "url": "https://www.example.gov.cn/2023nb.html", "date": when})
                    pages.append(Page(f"published {C.COPY} {when}", r.status_code, r.content))
            get("board", "/office")
            r = client.post("/office/merge", data={"csrf": token, "unit": C.COUNTY})
            pages.append(Page("merge on the page", r.status_code, r.content))
            name = re.search(r"merged=([^&]+)", r.headers.get("location", ""))
            web_summary = None
            if name:
                got = get("summary download", f"/office/summaries/{name[1]}")
                web_summary = root / "页面汇总.xlsx"
                web_summary.write_bytes(got.body)
            status_api = client.get("/api/status")
            pages.append(Page("GET /api/status", status_api.status_code, status_api.content))
    finally:
        checker.close()
    summary = root / "审核台汇总.xlsx"
    steps.append(cli("desk merge", "desk", "merge", folder, "-o", summary))
    steps.append(cli("desk status -f json", "desk", "status", folder, "-f", "json"))
    status = json.loads(steps[-1].stdout) if steps[-1].code == 0 else None
    return SimpleNamespace(folder=folder, links=links, pages=pages, uploads=uploads, steps=steps, returned=returned,
                           fixed=fixed, approved=approved, summary=summary, web_summary=web_summary, status=status,
                           text=_text)


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def docx_text(path: Path) -> str:
    import docx

    d = docx.Document(str(path))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells])

