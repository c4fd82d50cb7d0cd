"""Every official label of the spec is in the schema files and, verbatim, in the template.

The spec's labels are parsed from its markdown; the schema's labels are read from
the YAML files directly; the workbook is read with openpyxl. None of the three
goes through xltools' own loader, so a mistake in one cannot hide in another.
"""
from __future__ import annotations

import re

import openpyxl
import pytest
import yaml
from conftest import DATA, REPO, WORKBOOKS

SPEC = (DATA / "report-format.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    start = SPEC.index(heading)
    end = SPEC.find("\n### ", start + 1)
    nxt = SPEC.find("\n## ", start + 1)
    ends = [e for e in (end, nxt) if e != -1]
    return SPEC[start:min(ends)] if ends else SPEC[start:]


def _rows(text: str) -> list[list[str]]:
    out = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"\|\s*-", line):
            out.append([c.strip() for c in line.strip("|").split("|")])
    return out[1:] if out else out  # the header row


def spec_labels() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """(label path, id) pairs per table, as the spec writes them."""
    out: dict[str, list] = {"proactive": [], "requests.columns": [], "requests.rows": [], "appeals": [], "fees": []}
    proactive = _section("### 二、")
    columns: list = []
    for block, row, row_id, cols in _rows(proactive):
        if cols != "same three":
            columns = [tuple(x.strip().strip("`") for x in c.split("→")) for c in cols.split(", ")]
        for label, cid in columns:
            out["proactive"].append(((block, row, label), f"proactive.{row_id.strip('`')}.{cid}"))
    requests = _section("### 三、")
    col_text, _, row_text = requests.partition("Rows (25)")
    for label, fid in _rows(col_text.split("Columns, under the header")[1]):
        out["requests.columns"].append((tuple(label.split(" / ")), fid.strip("`")))
    for label, fid in _rows(row_text):
        out["requests.rows"].append((tuple(label.split(" / ")), fid.strip("`")))
    appeals = _section("### 四、")
    measures = re.findall(r"(\S+?) → `(\w+)`", appeals.split("Each group:")[1])
    for label, gid in _rows(appeals):
        for m_label, mid in measures:
            out["appeals"].append((tuple(label.split(" / ")) + (m_label,), f"appeals.{gid.strip('`')}.{mid}"))
    for fid, label in re.findall(r"`(fees\.\w+)` \(([^,)]+)", _section("### 信息处理费")):
        out["fees"].append(((label,), fid))
    return out


def spec_corner() -> str:
    return re.search(r"The top-left header cell reads (（.+?）)\.", SPEC).group(1)


def spec_sections() -> list[str]:
    return re.findall(r"^### ([一二三四五六]、\S+?) \(table", SPEC, re.M)


@pytest.fixture(scope="module")
def workbook_texts() -> dict[str, set[str]]:
    wb = openpyxl.load_workbook(WORKBOOKS / "template.xlsx")
    return {ws.title: {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
            for ws in wb.worksheets}


@pytest.fixture(scope="module")
def schema_2021() -> dict:
    return yaml.safe_load((REPO / "schemas" / "formats" / "2021.yaml").read_text(encoding="utf-8"))


def _yaml_strings(node, keys=("label", "title", "corner")) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in keys and isinstance(v, str)]
        return found + [s for v in node.values() for s in _yaml_strings(v, keys)]
    if isinstance(node, list):
        return [s for v in node for s in _yaml_strings(v, keys)]
    return []


def test_spec_parsing_finds_every_table_cell():
    labels = spec_labels()
    assert len(labels["proactive"]) == 10
    assert len(labels["requests.columns"]) == 7
    assert len(labels["requests.rows"]) == 25
    assert len(labels["appeals"]) == 15
    assert [fid for _, fid in labels["fees"]] == ["fees.notices", "fees.notice_amount", "fees.collected"]


def _node_labels(nodes, prefix=()) -> dict[str, tuple[str, ...]]:
    """id path → label path, from the raw YAML tree."""
    out = {}
    for n in nodes:
        ids = prefix + ((n["id"],) if n.get("id") else ())
        if n.get("children"):
            for k, v in _node_labels(n["children"], ids).items():
                out[k] = ((n["label"],) if n.get("label") else ()) + v
        else:
            out[".".join(ids)] = (n["label"],) if n.get("label") else ()
    return out


def test_schema_has_the_spec_labels_and_ids(schema_2021):
    tables = schema_2021["tables"]
    labels = spec_labels()
    rows = _node_labels(tables["requests"]["rows"])
    for path, rid in labels["requests.rows"]:
        assert rid in rows, rid
        assert rows[rid][-1] == path[-1] and set(path) <= set(rows[rid]), (rid, rows[rid], path)
    cols = _node_labels(tables["requests"]["columns"])
    for path, cid in labels["requests.columns"]:
        assert cols[cid][-1] == path[-1] and set(path) <= set(cols[cid]), (cid, cols[cid], path)
    groups = _node_labels(tables["appeals"]["columns"])
    for path, fid in labels["appeals"]:
        key = fid.removeprefix("appeals.")
        assert groups[key][-1] == path[-1] and set(path) <= set(groups[key]), (fid, groups[key], path)
    blocks = {(b["title"], r["id"], c["id"]): (b["title"], r["label"], c["label"])
              for b in tables["proactive"]["blocks"] for r in b["rows"] for c in b["columns"]}
    for path, fid in labels["proactive"]:
        _, row, col = fid.split(".")
        assert blocks[(path[0], row, col)] == path
    fees = {f"fees.{r['id']}": r["label"] for r in tables["fees"]["rows"]}
    for (label,), fid in labels["fees"]:
        assert fees[fid].startswith(label), (fid, fees[fid], label)
    assert tables["requests"]["corner"] == spec_corner()
    assert [s["title"] for s in schema_2021["sections"] if s["title"] in spec_sections()] == spec_sections()


def test_every_spec_label_is_in_the_template_verbatim(workbook_texts):
    everywhere = set().union(*workbook_texts.values())
    wanted = {label for pairs in spec_labels().values() for path, _ in pairs for label in path[-1:] + path[:-1]}
    wanted |= {spec_corner(), *spec_sections()}
    wanted.discard("信息内容")
    missing = sorted(w for w in wanted if w not in everywhere
                     and not any(cell.startswith(w) for cell in everywhere))
    assert missing == []
    for heading in ("第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"):
        assert heading in workbook_texts["二、主动公开"]
    assert spec_corner() in workbook_texts["三、依申请公开"]
    assert "3.危及“三安全一稳定”" in workbook_texts["三、依申请公开"]  # curly quotes kept


def test_every_schema_label_is_in_the_template(schema_2021, workbook_texts):
    everywhere = set().union(*workbook_texts.values())
    labels = set(_yaml_strings(schema_2021)) - {schema_2021["title"]}
    assert sorted(labels - everywhere) == []


def test_template_texts_come_from_the_template_schema(workbook_texts):
    template = yaml.safe_load((REPO / "schemas" / "template.yaml").read_text(encoding="utf-8"))
    sheets = [s["name"] for s in template["sheets"]]
    assert list(workbook_texts)[: len(sheets)] == sheets
    for sheet in template["sheets"]:
        for note in sheet.get("notes", []):
            assert note["text"] in workbook_texts[sheet["name"]]
        for line in sheet.get("instructions", []):
            assert line in workbook_texts[sheet["name"]]


def test_vendored_spec_matches_shared_copy(shared):
    assert (shared / "spec" / "report-format.md").read_text(encoding="utf-8") == SPEC


def test_a_label_without_its_item_number_names_its_row_only_where_unique():
    from xltools.documents.labels import Target, match, targets
    from xltools.model.schema import load_format

    rows = targets(load_format(), "requests")
    assert match("予以公开", rows).key == "granted"
    assert match("属于国家秘密", rows).key == "refused.state_secret"
    assert match("其他", rows).key == "other_handling.other"
    twins = [Target("a", "1.其他", 0, 7), Target("b", "2.其他", 0, 7)]
    assert match("其他", twins) is None  # two rows would take it
    assert match("2.其他", twins).key == "b"
