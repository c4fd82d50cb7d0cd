"""The county's own report in the summary workbook (schemas/county.yaml): each
unit's kind from the roster, 分类汇总 (三 and 四 by kind, and the rates), the rates
and their ranks in 明细, the 类型 column of 上报情况, the figure sentences drafted
into the summary's empty text, and last year's summary read through compare.
The charts of 图表 are in charts.py; publish's appendix by kind in breakdown.py."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.commands.merge import MergeResult, Missing, Submission, row_order
from xltools.commands.roster import RosterNote
from xltools.model import county as model
from xltools.model.schema import load_format, load_summary_raw, words
from xltools.rules.result import FileResult
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.saver import Rows
from xltools.xlsx.sizes import LINE_HEIGHT, print_across, text_width, wrapped_lines
from xltools.xlsx.writer import set_text


@dataclass
class County:
    """A merge seen by kind of unit: each merged unit's kind, each kind's exact
    subtotal, the rates, and last year's summary (if given)."""

    result: MergeResult
    last: FileResult | None = None
    kinds: list[str] = field(default_factory=list)  # of result.merged, in order
    why: dict[int, str] = field(default_factory=dict)  # id(unit) → why it is the fallback kind
    subtotals: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    drafted: list[str] = field(default_factory=list)  # text ids the drafts were written into

    @functools.cached_property
    def no_kinds(self) -> bool:
        """No roster, or a roster without any 类型: every unit is the fallback kind."""
        return not self.result.roster or not any(u.kind.strip() for u in self.result.roster)

    def kind(self, x: Submission | Missing) -> str:
        """The kind of a 上报情况 row's unit; where it is the fallback, `why` says why."""
        roster = self.result.roster
        unit = x.unit if isinstance(x, Missing) else \
            roster[x.roster_index] if roster and x.roster_index is not None else None
        if self.no_kinds or unit is None:
            return model.spec()["fallback"]
        kind, why = model.kind_of(unit.kind)
        if why is not None:
            self.why[id(x)] = model.spec()["unknown"][why]["zh"].format(word=unit.kind)
        return kind


def drafts(result: MergeResult, draft: bool = True, allow_incomplete: bool = False) -> bool:
    """Whether the figure sentences are drafted: asked for, and from a merge of every
    unit (figures and changes summed over some units only would be wrong in the
    county's own words) unless `allow_incomplete`."""
    from xltools.commands.coverage import of_merge

    return draft and (allow_incomplete or of_merge(result).complete)


def draft_note(result: MergeResult, draft: bool = True, allow_incomplete: bool = False,
               lang: str = "zh") -> str | None:
    """The terminal's line about the drafts of a merge that leaves units out: not
    drafted and why, or drafted anyway; None when there is nothing to say."""
    from xltools.commands.coverage import of_merge

    cover = of_merge(result)
    if not draft or cover.complete:
        return None
    fmt = load_format()
    sections = words(lang)["list_separator"].join(fmt.fields[fid].section + fmt.fields[fid].label
                                                  for fid in model.spec()["drafts"])
    key = "merge_drafted_incomplete" if allow_incomplete else "merge_not_drafted"
    return words(lang)[key].format(sections=sections, **cover.params(lang))


def prepare(result: MergeResult, last: FileResult | None = None, draft: bool = True,
            allow_incomplete: bool = False) -> County:
    """Kinds, subtotals and (see `drafts`) the drafted text of a merge, before its
    workbook is written: the drafts go into the summary's text sections that are empty."""
    county = County(result, last)
    county.kinds = [county.kind(s) for s in result.merged]
    by_kind: dict[str, list] = {}
    for s, kind in zip(result.merged, county.kinds):
        by_kind.setdefault(kind, []).append(s.result.report)
    county.subtotals = model.subtotals(by_kind)
    county.units = {k: len(by_kind.get(k, [])) for k in model.kind_ids()}
    if drafts(result, draft, allow_incomplete):
        from xltools.commands.coverage import of_merge

        drafting = model.Drafting(result.summary, county.subtotals, county.units,
                                  last.report.values if last is not None else None)
        texts = model.draft(drafting)
        cover = of_merge(result)
        if not cover.complete:  # drafted anyway (allow_incomplete): the paragraph says whose figures it gives
            texts = {fid: words("zh")["draft_coverage"].format(**cover.params("zh")) + text if text else text
                     for fid, text in texts.items()}
        county.drafted = model.fill_empty(result.summary, texts)
        result.summary.drafted = frozenset(county.drafted)  # marked in the workbook's stamp
    result.roster_notes += _kind_notes(county)
    return county


def _kind_notes(county: County) -> list[RosterNote]:
    """The roster's units whose 类型 is blank or a word no kind knows, for the terminal."""
    if county.no_kinds:
        return []
    blank = [u.name or u.code for u in county.result.roster if model.kind_of(u.kind)[1] == "blank"]
    words = [RosterNote("kind_word", {"name": u.name or u.code, "word": u.kind}) for u in county.result.roster
             if model.kind_of(u.kind)[1] == "word"]
    if blank:
        words.insert(0, RosterNote("kind_blank", {"n": len(blank), "units": "、".join(blank[:5]) +
                                                  ("…" if len(blank) > 5 else "")}))
    return words


# --- 上报情况 and 明细 ------------------------------------------------------------------

def _style_like(ws, col: int, source: int) -> None:
    """A header cell styled as the sheet's other header cells."""
    ws.cell(1, col)._style = ws.cell(1, source)._style


def _add_header(ws, col: int, label: str, width: float, source: int = 1) -> None:
    set_text(ws.cell(1, col), label)
    _style_like(ws, col, source)
    ws.column_dimensions[col_letter(col)].width = width


def status_kinds(county: County, ws, rows: Rows) -> None:
    """With a roster that gives kinds, 上报情况 ends with 类型, and a unit counted
    under the fallback says why in 主要问题 (without, 分类汇总 says it once)."""
    if county.no_kinds:
        return
    column = model.spec()["column"]
    n = len(load_summary_raw()["sheets"]["status"]["columns"])
    problems = [c["id"] for c in load_summary_raw()["sheets"]["status"]["columns"]].index("problems")
    _add_header(ws, n + 1, column["label"], column["width"])
    ws.auto_filter.ref = f"A1:{col_letter(n + 1)}{len(rows.rows) + 1}"
    for row, x in zip(rows.rows, row_order(county.result)):
        kind = county.kind(x)
        row.append(model.kind_label(kind))
        if id(x) in county.why:
            row[problems] = "\n".join(p for p in (row[problems], county.why[id(x)]) if p)


def _rate_columns() -> list[tuple[str, str]]:
    """(id, header) of the columns 明细 adds after 类型: each rate and its rank."""
    r = model.spec()["rates"]
    return [(f"{kind}.{x['id']}", r[f"{kind}_header"].format(label=x["label"]))
            for x in model.rate_specs() for kind in ("rate", "rank")]


def detail_columns(county: County, ws, rows: Rows) -> None:
    """明细 ends with 类型 and each rate with its rank (a unit with too few cases
    has its rate but no rank and no colour); the 合计 row has the county's rates."""
    column = model.spec()["column"]
    first = ws.max_column + 1
    headers = [(column["id"], column["label"], column["width"])] + \
        [(i, h, text_width(h) + 2) for i, h in _rate_columns()]  # a header on one line
    for c, (key, label, width) in enumerate(headers, start=first):
        _add_header(ws, c, label, width)
        set_text(ws.cell(2, c), key)
    units = [model.rates(s.result.report.values) for s in county.result.merged]
    places = [model.ranks([r[i] for r in units]) for i in range(len(model.rate_specs()))]
    for j, (row, kind, rates) in enumerate(zip(rows.rows, county.kinds, units)):
        row.append(model.kind_label(kind))
        for i, rate in enumerate(rates):
            row += [rate.percent, places[i][j]]
    rows.rows[-1] += [None] + [x for rate in model.rates(county.result.summary.values) for x in (rate.percent, None)]
    ws.auto_filter.ref = f"A2:{col_letter(first + len(headers) - 1)}{len(rows.rows) + 2}"
    for i, spec in enumerate(model.rate_specs()):
        cells = [f"{col_letter(first + 1 + 2 * i)}{3 + j}" for j, r in enumerate(units) if r[i].ranked]
        colour(ws, cells, spec)


def colour(ws, cells: list[str], spec: dict) -> None:
    """A colour scale over the rates with enough cases: the `worse` end coloured."""
    from openpyxl.formatting.rule import ColorScaleRule

    if not cells:
        return
    c = model.spec()["rates"]["colours"]
    low, high = (c["worse"], c["better"]) if spec["worse"] == "low" else (c["better"], c["worse"])
    ws.conditional_formatting.add(" ".join(_runs(cells)), ColorScaleRule(start_type="min", start_color=low,
                                                                         end_type="max", end_color=high))


def _runs(cells: list[str]) -> list[str]:
    """A1 cells of one column as ranges of consecutive rows (X3:X9 X12)."""
    import re

    out: list[list] = []
    for a1 in cells:
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", a1).groups()
        if out and out[-1][0] == col and out[-1][2] == int(row) - 1:
            out[-1][2] = int(row)
        else:
            out.append([col, int(row), int(row)])
    return [f"{c}{a}" if a == b else f"{c}{a}:{c}{b}" for c, a, b in out]


# --- 分类汇总 ------------------------------------------------------------------------

def by_kind_sheet(county: County, wb) -> None:
    """The main figures and the rates by kind, then every cell of 三 and 四 by kind;
    each column an exact sum, the kinds adding up to 合计 (the summary)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    s = model.spec()
    sheet = s["sheets"]["by_kind"]
    h, widths = sheet["headers"], sheet["widths"]
    ws = wb.create_sheet(sheet["name"])
    summary = county.result.summary
    kinds = model.kind_ids()
    last_col = 2 + len(kinds) + 1  # 项目, 口径 or 列, the kinds, 合计; then the hidden field ids
    bold, grey = Font(bold=True), Font(color=s["sheets"]["colours"]["muted"])
    band = PatternFill("solid", fgColor=s["sheets"]["colours"]["header"])
    wrap, middle = Alignment(wrap_text=True, vertical="center"), Alignment(vertical="center")
    set_text(ws.cell(1, 1), sheet["title"].format(unit=summary.unit or "", year=summary.year or ""))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    notes = [n.format(threshold=s["rates"]["threshold"]) for n in sheet["notes"]]
    if county.no_kinds:
        notes.insert(0, s["unknown"]["roster"]["zh"])
    page = widths["item"] + widths["column"] + widths["kind"] * (len(kinds) + 1)
    for i, note in enumerate(notes, start=2):
        set_text(ws.cell(i, 1), note)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=last_col)
        ws.cell(i, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = LINE_HEIGHT * wrapped_lines(note, page)
    row = len(notes) + 3

    def header(r: int, first: str, second: str = "") -> None:
        for c, label in enumerate([first, second, *[model.kind_label(k) for k in kinds], h["total"]], start=1):
            set_text(ws.cell(r, c), label)
            ws.cell(r, c).font = bold
            ws.cell(r, c).fill = band
            ws.cell(r, c).alignment = Alignment(horizontal="center" if c > 2 else "left", wrap_text=True)

    def line(r: int, label: str, second: str, key: str, values: list, font=None) -> None:
        set_text(ws.cell(r, 1), label)
        if second:
            set_text(ws.cell(r, 2), second)
        set_text(ws.cell(r, last_col + 1), key)
        for c, v in enumerate(values, start=3):
            ws.cell(r, c).value = v
            ws.cell(r, c).alignment = middle
            if font is not None:
                ws.cell(r, c).font = font
        for c in (1, 2):
            ws.cell(r, c).alignment = wrap
        lines = max(wrapped_lines(label, widths["item"]), wrapped_lines(second, widths["column"]))
        if lines > 1:
            ws.row_dimensions[r].height = LINE_HEIGHT * lines

    head = row
    header(row, h["item"])
    row += 1
    line(row, h["units"], "", "units", [county.units[k] for k in kinds] + [len(county.result.merged)])
    for name in s["main"]:
        row += 1
        line(row, model.figure_label(name), "", f"figure.{name}",
             [model.figure(county.subtotals[k], name) for k in kinds] + [model.figure(summary.values, name)])
    row += 2
    header(row, h["rate_section"], h["definition"])
    by_kind = {k: model.rates(county.subtotals[k]) for k in kinds}
    total = model.rates(summary.values)
    for i, spec in enumerate(model.rate_specs()):
        row += 1
        line(row, s["rates"]["rate_header"].format(label=spec["label"]), spec["definition"]["zh"],
             f"rate.{spec['id']}", [by_kind[k][i].percent for k in kinds] + [total[i].percent])
        colour(ws, [f"{col_letter(3 + j)}{row}" for j, k in enumerate(kinds) if by_kind[k][i].ranked], spec)
        for c in range(3, last_col + 1):
            ws.cell(row, c).number_format = s["rates"]["format"]
        row += 1
        line(row, s["rates"]["basis_header"].format(label=model.figure_label(spec["over"])), "",
             f"basis.{spec['id']}", [by_kind[k][i].over for k in kinds] + [total[i].over], grey)
        ws.cell(row, 1).font = grey
    row += 2
    header(row, h["detail_section"], h["column"])
    fmt = load_format()
    # a table whose columns all sit under one header (三's 申请人情况) names it once, in 栏目's header
    single = {t.id for t in fmt.tables.values() if all(len(b.columns) == 1 for b in t.blocks)}
    for f in fmt.numeric_fields():
        if f.table in ("requests", "appeals"):
            row += 1
            line(row, " / ".join(f.labels["row"]) or fmt.sections[fmt.tables[f.table].section],
                 " / ".join(f.labels["column"][1:] if f.table in single else f.labels["column"]), f.id,
                 [county.subtotals[k][f.id] for k in kinds] + [summary.values[f.id]])
    ws.column_dimensions["A"].width = widths["item"]
    ws.column_dimensions["B"].width = widths["column"]
    for c in range(3, last_col + 1):
        ws.column_dimensions[col_letter(c)].width = widths["kind"]
    ws.column_dimensions[col_letter(last_col + 1)].hidden = True  # the field ids, for programs
    ws.freeze_panes = ws.cell(head + 1, 3)
    ws.print_area = f"A1:{col_letter(last_col)}{row}"
    print_across(ws, f"{head}:{head}")


def write_sheets(county: County, wb, rows: dict[str, Rows]) -> None:
    """The county's additions to a summary workbook whose trail sheets are made:
    上报情况's and 明细's columns, then 分类汇总 and 图表 before 上报情况."""
    from xltools.commands.charts import charts_sheet

    sheets = load_summary_raw()["sheets"]
    status, detail = sheets["status"]["name"], sheets["detail"]["name"]
    status_kinds(county, wb[status], rows[status])
    detail_columns(county, wb[detail], rows[detail])
    by_kind_sheet(county, wb)
    charts_sheet(county, wb)
    at = wb.sheetnames.index(status)
    for name in (model.spec()["sheets"][key]["name"] for key in ("by_kind", "charts")):
        wb.move_sheet(name, at - wb.sheetnames.index(name))
        at += 1


# --- last year -------------------------------------------------------------------------

def last_year(path: Path, result: MergeResult, jobs: int | None = None) -> FileResult:
    """Last year's summary of the same unit, read as compare reads it (a workbook or a
    published document); refused (CompareError) when it cannot serve."""
    from xltools.commands.compare import last_year as load

    return load(Path(path), result.unit, result.year, jobs)


def against_last_year(last: FileResult, summary: Path):
    """The written summary against last year's, as `xltools compare LAST SUMMARY`
    judges them (C1 carry-over, W2, C2 jumps, C3 text …)."""
    from xltools.commands.compare import year_over_year
    from xltools.rules.batch import inspect

    return year_over_year(last, inspect(Path(summary)).result)
