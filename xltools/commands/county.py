"""The county's own report in the summary workbook (schemas/county.yaml): each
unit's kind from the roster, 分类汇总 (三 and 四 by kind, and the rates), the rates
and their ranks in 明细, the 类型 column of 上报情况, the figure sentences drafted
into the summary's empty text, and last year's summary read through compare.
The charts of 图表 are in charts.py; publish's appendix by kind in breakdown.py."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltools.commands.merge import MergeResult, Missing, Submission, row_order
from xltools.commands.roster import RosterNote
from xltools.model import county as model
from xltools.model.schema import load_county, load_format, load_summary, words
from xltools.rules.result import FileResult
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.saver import Rows
from xltools.xlsx.sizes import LINE_HEIGHT, print_across, text_width, wrapped_lines
from xltools.xlsx.writer import set_text

if TYPE_CHECKING:
    from xltools.model.config import Rate as RateSpec


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
            return load_county().fallback
        kind, why = model.kind_of(unit.kind)
        if why is not None:
            self.why[id(x)] = load_county().unknown[why].zh.format(word=unit.kind)
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
                                                  for fid in load_county().drafts)
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
    column = load_county().column
    columns = load_summary().sheets.status.columns
    n, problems = len(columns), [c.id for c in columns].index("problems")
    _add_header(ws, n + 1, column.label, column.width)
    ws.auto_filter.ref = f"A1:{col_letter(n + 1)}{len(rows.rows) + 1}"
    for row, x in zip(rows.rows, row_order(county.result)):
        kind = county.kind(x)
        row.append(model.kind_label(kind))
        if id(x) in county.why:
            row[problems] = "\n".join(p for p in (row[problems], county.why[id(x)]) if p)


def _rate_columns() -> list[tuple[str, str]]:
    """(id, header) of the columns 明细 adds after 类型: each rate and its rank."""
    r = load_county().rates
    return [column for x in r.list for column in ((f"rate.{x.id}", r.rate_header.format(label=x.label)),
                                                  (f"rank.{x.id}", r.rank_header.format(label=x.label)))]


def detail_columns(county: County, ws, rows: Rows) -> None:
    """明细 ends with 类型 and each rate with its rank (a unit with too few cases
    has its rate but no rank and no colour); the 合计 row has the county's rates."""
    column = load_county().column
    first = ws.max_column + 1
    headers = [(column.id, column.label, column.width)] + \
        [(i, h, text_width(h) + 2) for i, h in _rate_columns()]  # a header on one line
    for c, (key, label, width) in enumerate(headers, start=first):
        _add_header(ws, c, label, width)
        set_text(ws.cell(2, c), key)
    units = [model.rates(s.result.report.values) for s in county.result.merged]
    specs = load_county().rates.list
    places = [model.ranks([r[i] for r in units]) for i in range(len(specs))]
    for j, (row, kind, rates) in enumerate(zip(rows.rows, county.kinds, units)):
        row.append(model.kind_label(kind))
        for i, rate in enumerate(rates):
            row += [rate.percent, places[i][j]]
    rows.rows[-1] += [None] + [x for rate in model.rates(county.result.summary.values) for x in (rate.percent, None)]
    ws.auto_filter.ref = f"A2:{col_letter(first + len(headers) - 1)}{len(rows.rows) + 2}"
    for i, spec in enumerate(specs):
        cells = [f"{col_letter(first + 1 + 2 * i)}{3 + j}" for j, r in enumerate(units) if r[i].ranked]
        colour(ws, cells, spec)


def colour(ws, cells: list[str], spec: RateSpec) -> None:
    """A colour scale over the rates with enough cases: the `worse` end coloured."""
    from openpyxl.formatting.rule import ColorScaleRule

    if not cells:
        return
    c = load_county().rates.colours
    low, high = (c.worse, c.better) if spec.worse == "low" else (c.better, c.worse)
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

class _ByKind:
    """分类汇总 as it is written: a column per kind and 合计 after 项目 and 口径 (or 栏目),
    each row's key (field id, figure or rate) in a hidden column after them."""

    def __init__(self, county: County, wb):
        from openpyxl.styles import Alignment, Font, PatternFill

        colours = load_county().sheets.colours
        self.county, self.spec, self.kinds = county, load_county().sheets.by_kind, model.kind_ids()
        self.ws = wb.create_sheet(self.spec.name)
        self.last_col = 2 + len(self.kinds) + 1  # 项目, 口径 or 列, the kinds, 合计; then the hidden field ids
        self.bold, self.grey = Font(bold=True), Font(color=colours.muted)
        self.band = PatternFill("solid", fgColor=colours.header)
        self.wrap, self.middle = Alignment(wrap_text=True, vertical="center"), Alignment(vertical="center")

    def header(self, r: int, first: str, second: str = "") -> None:
        from openpyxl.styles import Alignment

        labels = [first, second, *[model.kind_label(k) for k in self.kinds], self.spec.headers.total]
        for c, label in enumerate(labels, start=1):
            set_text(self.ws.cell(r, c), label)
            self.ws.cell(r, c).font = self.bold
            self.ws.cell(r, c).fill = self.band
            self.ws.cell(r, c).alignment = Alignment(horizontal="center" if c > 2 else "left", wrap_text=True)

    def line(self, r: int, label: str, second: str, key: str, values: list, font=None) -> None:
        ws, widths = self.ws, self.spec.widths
        set_text(ws.cell(r, 1), label)
        if second:
            set_text(ws.cell(r, 2), second)
        set_text(ws.cell(r, self.last_col + 1), key)
        for c, v in enumerate(values, start=3):
            ws.cell(r, c).value = v
            ws.cell(r, c).alignment = self.middle
            if font is not None:
                ws.cell(r, c).font = font
        for c in (1, 2):
            ws.cell(r, c).alignment = self.wrap
        lines = max(wrapped_lines(label, widths.item), wrapped_lines(second, widths.column))
        if lines > 1:
            ws.row_dimensions[r].height = LINE_HEIGHT * lines


def by_kind_sheet(county: County, wb) -> None:
    """The main figures and the rates by kind, then every cell of 三 and 四 by kind;
    each column an exact sum, the kinds adding up to 合计 (the summary)."""
    t = _ByKind(county, wb)
    head = _by_kind_notes(t)
    row = _by_kind_rates(t, _by_kind_figures(t, head))
    row = _by_kind_cells(t, row + 2)
    ws, widths = t.ws, t.spec.widths
    ws.column_dimensions["A"].width = widths.item
    ws.column_dimensions["B"].width = widths.column
    for c in range(3, t.last_col + 1):
        ws.column_dimensions[col_letter(c)].width = widths.kind
    ws.column_dimensions[col_letter(t.last_col + 1)].hidden = True  # the field ids, for programs
    ws.freeze_panes = ws.cell(head + 1, 3)
    ws.print_area = f"A1:{col_letter(t.last_col)}{row}"
    print_across(ws, f"{head}:{head}")


def _by_kind_notes(t: _ByKind) -> int:
    """The title and the notes (why every unit is 其他, where the roster gives no
    kinds); the row of the first table's header."""
    from openpyxl.styles import Alignment, Font

    ws, summary, widths = t.ws, t.county.result.summary, t.spec.widths
    set_text(ws.cell(1, 1), t.spec.title.format(unit=summary.unit or "", year=summary.year or ""))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    notes = [n.format(threshold=load_county().rates.threshold) for n in t.spec.notes]
    if t.county.no_kinds:
        notes.insert(0, load_county().unknown["roster"].zh)
    page = widths.item + widths.column + widths.kind * (len(t.kinds) + 1)
    for i, note in enumerate(notes, start=2):
        set_text(ws.cell(i, 1), note)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=t.last_col)
        ws.cell(i, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = LINE_HEIGHT * wrapped_lines(note, page)
    return len(notes) + 3


def _by_kind_figures(t: _ByKind, row: int) -> int:
    """How many units each kind has, and the main figures; the last row written."""
    county, kinds, summary = t.county, t.kinds, t.county.result.summary
    t.header(row, t.spec.headers.item)
    row += 1
    t.line(row, t.spec.headers.units, "", "units", [county.units[k] for k in kinds] + [len(county.result.merged)])
    for name in load_county().main:
        row += 1
        t.line(row, model.figure_label(name), "", f"figure.{name}",
               [model.figure(county.subtotals[k], name) for k in kinds] + [model.figure(summary.values, name)])
    return row


def _by_kind_rates(t: _ByKind, row: int) -> int:
    """Each rate by kind with its definition, and the basis it is over; the last row written."""
    row += 2
    t.header(row, t.spec.headers.rate_section, t.spec.headers.definition)
    rates, kinds = load_county().rates, t.kinds
    by_kind = {k: model.rates(t.county.subtotals[k]) for k in kinds}
    total = model.rates(t.county.result.summary.values)
    for i, spec in enumerate(rates.list):
        row += 1
        t.line(row, rates.rate_header.format(label=spec.label), spec.definition.zh,
               f"rate.{spec.id}", [by_kind[k][i].percent for k in kinds] + [total[i].percent])
        colour(t.ws, [f"{col_letter(3 + j)}{row}" for j, k in enumerate(kinds) if by_kind[k][i].ranked], spec)
        for c in range(3, t.last_col + 1):
            t.ws.cell(row, c).number_format = rates.format
        row += 1
        t.line(row, rates.basis_header.format(label=model.figure_label(spec.over)), "",
               f"basis.{spec.id}", [by_kind[k][i].over for k in kinds] + [total[i].over], t.grey)
        t.ws.cell(row, 1).font = t.grey
    return row


def _by_kind_cells(t: _ByKind, row: int) -> int:
    """Every cell of 三 and 四 by kind; the last row written."""
    t.header(row, t.spec.headers.detail_section, t.spec.headers.column)
    fmt, summary, kinds = load_format(), t.county.result.summary, t.kinds
    # a table whose columns all sit under one header (三's 申请人情况) names it once, in 栏目's header
    single = {x.id for x in fmt.tables.values() if all(len(b.columns) == 1 for b in x.blocks)}
    for f in fmt.numeric_fields():
        if f.table in ("requests", "appeals"):
            row += 1
            t.line(row, " / ".join(f.labels["row"]) or fmt.sections[fmt.tables[f.table].section],
                   " / ".join(f.labels["column"][1:] if f.table in single else f.labels["column"]), f.id,
                   [t.county.subtotals[k][f.id] for k in kinds] + [summary.values[f.id]])
    return row


def write_sheets(county: County, wb, rows: dict[str, Rows]) -> None:
    """The county's additions to a summary workbook whose trail sheets are made:
    上报情况's and 明细's columns, then 分类汇总 and 图表 before 上报情况."""
    from xltools.commands.charts import charts_sheet

    sheets = load_summary().sheets
    status, detail = sheets.status.name, sheets.detail.name
    status_kinds(county, wb[status], rows[status])
    detail_columns(county, wb[detail], rows[detail])
    by_kind_sheet(county, wb)
    charts_sheet(county, wb)
    at = wb.sheetnames.index(status)
    for name in (load_county().sheets.by_kind.name, load_county().sheets.charts.name):
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
