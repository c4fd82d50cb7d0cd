"""The 图表 sheet of a summary: native Excel charts (openpyxl.chart), each over a
small table on the same sheet, so that they live in Excel, WPS and LibreOffice,
follow an edit of their numbers and copy into a document as charts. Titles and
labels come from schemas/county.yaml; every number is the summary's, its kinds'
or last year's summary's. Each chart stands above its table; a page holds one
chart with its table, so that the sheet prints as it reads."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from xltools.model import county as model
from xltools.model.schema import load_county, load_format
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.sizes import print_across
from xltools.xlsx.writer import set_text

if TYPE_CHECKING:
    from xltools.model.config import ChartsSheet, SheetColours

ROW_CM = 0.53  # a row of the default height (15 pt)
PAGE_ROWS = 48  # rows of that height on an A4 portrait page within its margins


def _colours() -> SheetColours:
    return load_county().sheets.colours


def _text_size(pt: float):
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties

    size = CharacterProperties(sz=round(pt * 100))
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=size), endParaRPr=size, r=[])])


def _bar(title: str, grouping: str = "clustered", labels: bool = True):
    """A horizontal bar chart read from the top: the first category at the top, the
    value axis at the bottom from 0, both axes shown (openpyxl 3.1 hides them unless
    told), the legend below; with `labels`, each bar's value and nothing else."""
    from openpyxl.chart import BarChart

    chart = BarChart()
    chart.type, chart.grouping, chart.title, chart.style = "bar", grouping, title, 10
    chart.gapWidth = 60
    if grouping != "clustered":
        chart.overlap = 100
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"  # with the categories reversed, the value axis stays at the bottom
    if grouping != "percentStacked":
        chart.y_axis.scaling.min = 0
    chart.y_axis.majorGridlines = None
    chart.x_axis.txPr = chart.y_axis.txPr = _text_size(9)
    chart.legend.position = "b"
    if labels:
        chart.dataLabels = _values()
    return chart


_SHOW = ("showVal", "showCatName", "showSerName", "showLegendKey", "showPercent")


def _values(hidden: list[int] = ()):
    """Data labels with the value alone; none on the points `hidden`."""
    from openpyxl.chart.label import DataLabel, DataLabelList

    labels = DataLabelList(dLbl=[DataLabel(idx=i, **dict.fromkeys(_SHOW, False)) for i in hidden],
                           **{k: k == "showVal" for k in _SHOW})
    labels.txPr = _text_size(8)
    return labels


def _no_zero_labels(chart, rows: list[list], first_column: int) -> None:
    """In a stack, a segment of 0 has no width and its label would sit on its
    neighbour's: each series labels only its points that are not 0."""
    for j, series in enumerate(chart.series):
        zeros = [i for i, row in enumerate(rows) if not row[first_column - 1 + j]]
        if zeros:
            series.dLbls = _values(zeros)


class _Sheet:
    """Charts one below the other, each followed by its table; a page break before
    each chart, and between a chart and its table where both do not fit a page."""

    def __init__(self, ws, spec: ChartsSheet):
        self.ws, self.spec, self.row = ws, spec, 4

    def block(self, chart, headers: list[str], rows: list[list], height: float) -> tuple[int, int]:
        """Places `chart` (`height` cm) at the current row and its table below it;
        returns the table's first and last data row, for the chart's references."""
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.worksheet.pagebreak import Break

        if self.row > 4:  # a chart's frame drawn across a page break shows on both pages: a row between
            self.ws.row_breaks.append(Break(id=self.row - 1))
            self.row += 1
        chart.width, chart.height = self.spec.width, height
        self.ws.add_chart(chart, f"A{self.row}")
        chart_rows = math.ceil(height / ROW_CM) + 1
        top = self.row + chart_rows
        if chart_rows + len(rows) + 1 > PAGE_ROWS:
            self.ws.row_breaks.append(Break(id=top - 1))
        for c, label in enumerate(headers, start=1):
            set_text(self.ws.cell(top, c), label)
            self.ws.cell(top, c).font = Font(bold=True)
            self.ws.cell(top, c).fill = PatternFill("solid", fgColor=_colours().header)
            self.ws.cell(top, c).alignment = Alignment(wrap_text=True, vertical="center",
                                                        horizontal="left" if c == 1 else "center")
        self.ws.row_dimensions[top].height = 30
        for r, values in enumerate(rows, start=top + 1):
            for c, v in enumerate(values, start=1):
                if isinstance(v, str):
                    set_text(self.ws.cell(r, c), v)
                    if c > 1:  # a word beside a number (类型 after 件数) under its centred header, not against it
                        self.ws.cell(r, c).alignment = Alignment(horizontal="center")
                else:
                    self.ws.cell(r, c).value = v
        self.row = top + len(rows) + 3
        return top + 1, top + len(rows)

    def note(self, text: str) -> None:
        from openpyxl.styles import Font

        set_text(self.ws.cell(self.row, 1), text)
        self.ws.cell(self.row, 1).font = Font(italic=True, color=_colours().muted)
        self.row += 3


def _series(chart, ws, first: int, last: int, columns: tuple[int, int]) -> None:
    """The chart's series: columns (first, last) of the table, named by its header,
    over the categories of its first column (text, as a string reference: openpyxl
    would make it a number reference)."""
    from openpyxl.chart import Reference
    from openpyxl.chart.data_source import AxDataSource, StrRef

    chart.add_data(Reference(ws, min_col=columns[0], max_col=columns[1], min_row=first - 1, max_row=last),
                   titles_from_data=True)
    categories = Reference(ws, min_col=1, min_row=first, max_row=last)
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(categories)))


def _units_chart(county, sheet: _Sheet) -> None:
    """本年新收 by unit, the largest first; beyond `most` bars, the rest as one."""
    from xltools.commands.merge import natural

    spec = sheet.spec.units
    name = spec.figure
    units = sorted(((model.figure(s.result.report.values, name), s.shown, kind)
                    for s, kind in zip(county.result.merged, county.kinds)),
                   key=lambda x: (-(x[0] or 0), natural(x[1])))
    shown, rest = units[:spec.most], units[spec.most:]
    rows = [[unit, n, model.kind_label(kind)] for n, unit, kind in shown]
    if rest:
        rows.append([spec.rest.format(n=len(rest)), sum(n or 0 for n, _, _ in rest), ""])
    chart = _bar(spec.title)
    chart.legend = None
    height = max(sheet.spec.height, len(rows) * sheet.spec.bar_height + 2.5)
    first, last = sheet.block(chart, spec.headers, rows, height)
    _series(chart, sheet.ws, first, last, (2, 2))


def _results_chart(county, sheet: _Sheet) -> None:
    """（一）…（六） as shares of each kind's results (and of all), stacked to 100 %."""
    spec = sheet.spec.results
    groups = spec.groups
    kinds = [k for k in model.kind_ids() if county.units.get(k)]
    rows = [[model.kind_label(k)] + [model.figure(county.subtotals[k], g) for g in groups] for k in kinds]
    if len(kinds) > 1:
        rows.append([spec.total_label] + [model.figure(county.result.summary.values, g) for g in groups])
    chart = _bar(spec.title, "percentStacked", labels=False)
    chart.y_axis.numFmt = "0%"
    height = max(sheet.spec.height, len(rows) * 1.2 + 4)
    words = [load_county().figures[g].word for g in groups]  # short enough for a column and the legend
    first, last = sheet.block(chart, spec.headers + words, rows, height)
    _series(chart, sheet.ws, first, last, (2, 1 + len(groups)))


def _appeals_chart(county, sheet: _Sheet) -> None:
    """复议 and the two kinds of 诉讼 by outcome, stacked; no chart when there were none."""
    spec = sheet.spec.appeals
    fmt, values = load_format(), county.result.summary.values
    columns = [fmt.fields[f"appeals.review.{c}"].label.rsplit(" / ", 1)[-1] for c in spec.columns]
    rows = [[r.label] + [values[f"appeals.{r.group}.{c}"] for c in spec.columns] for r in spec.rows]
    if not any(v for r in rows for v in r[1:]):
        sheet.note(spec.none)
        return
    chart = _bar(spec.title, "stacked")
    first, last = sheet.block(chart, spec.headers + columns, rows, sheet.spec.height)
    _series(chart, sheet.ws, first, last, (2, 1 + len(columns)))
    _no_zero_labels(chart, rows, 2)


def _years_chart(county, sheet: _Sheet) -> None:
    """The main figures this year against last year's summary, with the change."""
    spec = sheet.spec.years
    if county.last is None:
        sheet.note(spec.none)
        return
    summary, last = county.result.summary, county.last.report
    rows = []
    for name in load_county().main:
        now, before = model.figure(summary.values, name), model.figure(last.values, name)
        known = now is not None and before is not None
        rows.append([model.figure_label(name), before, now, now - before if known else None,
                     _change(now, before) if known else None])
    headers = [h.format(old_year=last.year, new_year=summary.year) for h in spec.headers]
    chart = _bar(spec.title)
    height = max(sheet.spec.height, len(rows) * 2 * sheet.spec.bar_height + 3)
    first, last_row = sheet.block(chart, headers, rows, height)
    _series(chart, sheet.ws, first, last_row, (2, 3))
    for r in range(first, last_row + 1):
        sheet.ws.cell(r, 5).number_format = load_county().rates.format


def _change(now, before) -> Decimal | None:
    """The change in percent of last year's figure, one decimal; none from 0 or
    from fewer cases than the rates' threshold (their guard)."""
    rate = model.Rate("change", "", now - before, before)
    return rate.percent if rate.ranked else None


def charts_sheet(county, wb) -> None:
    """The sheet 图表 of a County (county.py): by unit, results by kind, 复议 and 诉讼,
    and this year against last year."""
    from openpyxl.styles import Alignment, Font

    spec = load_county().sheets.charts
    ws = wb.create_sheet(spec.name)
    summary = county.result.summary
    set_text(ws.cell(1, 1), spec.title.format(unit=summary.unit or "", year=summary.year or ""))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    set_text(ws.cell(2, 1), spec.note)
    ws.cell(2, 1).font = Font(color=_colours().muted)
    ws.cell(2, 1).alignment = Alignment(wrap_text=True, vertical="top")
    widest = 1 + len(spec.results.groups)  # the table of results by kind
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=widest)
    ws.row_dimensions[2].height = 30
    sheet = _Sheet(ws, spec)
    _units_chart(county, sheet)
    _results_chart(county, sheet)
    _appeals_chart(county, sheet)
    _years_chart(county, sheet)
    ws.column_dimensions["A"].width = spec.columns.label
    for c in range(2, widest + 1):
        ws.column_dimensions[col_letter(c)].width = spec.columns.number
    print_across(ws, landscape=False)  # PAGE_ROWS: a chart and its table to a portrait page
