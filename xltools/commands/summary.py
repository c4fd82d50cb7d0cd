"""Write the summary workbook: the summed report, then the trail sheets of
schemas/summary.yaml (上报情况, 质量评分, 明细, 来源, 各单位文字, and the hidden units list)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xltools.commands.merge import MergeResult, Submission, Unread, natural, row_order
from xltools.model.schema import load_summary, words
from xltools.rules.result import FileResult
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.layout import load_layout
from xltools.xlsx.saver import Rows, save
from xltools.xlsx.sizes import print_across, row_height
from xltools.xlsx.writer import report_workbook, set_text

if TYPE_CHECKING:
    from xltools.model.config import ColumnsSheet, DetailSheet, Text, TextsSheet, UnitsSheet

MAX_PROBLEMS = 3


def _put(ws, row: int, col: int, value) -> None:
    """Numbers as numbers; every text from a submission as text, never a formula."""
    if isinstance(value, str):
        set_text(ws.cell(row, col), value)
    elif value is not None:
        ws.cell(row, col).value = value


def _header(ws, labels: list[str], widths: list[float | None] = ()) -> None:
    from openpyxl.styles import Alignment, Font

    for c, label in enumerate(labels, start=1):
        _put(ws, 1, c, label)
        ws.cell(1, c).font = Font(bold=True)
        ws.cell(1, c).alignment = Alignment(wrap_text=True, vertical="center")
        if c <= len(widths) and widths[c - 1]:
            ws.column_dimensions[col_letter(c)].width = widths[c - 1]
    ws.freeze_panes = "B2"


def reason_text(sub: Submission, year, lang: str = "zh") -> str:
    reasons = load_summary().reasons
    if sub.reason is None:
        return ""
    return reasons[sub.reason][lang].format(found=sub.result.year, expected=year, **sub.reason_params)


def problems(sub: Submission, year, lang: str = "zh", warnings: bool = True) -> str:
    """Why an input is not merged as it is, then its first findings in words (its
    errors, and its unexplained warnings unless `warnings` is false)."""
    reasons = load_summary().reasons
    parts = [reason_text(sub, year, lang)] if sub.reason else []
    if sub.hint:
        parts.append(reasons["near_roster"][lang].format(name=sub.hint))
    if sub.result.unreadable:
        parts += [f"{f.rule} {f.message(lang)}" for f in sub.result.findings[:1]] or [sub.result.unreadable]
    ranked = sub.result.errors + (sub.result.unexplained if warnings else [])
    parts += [f"{f.rule} {f.message(lang)}" for f in ranked[:MAX_PROBLEMS]]
    if len(ranked) > MAX_PROBLEMS:
        parts.append(words(lang)["more_problems"].format(n=len(ranked)))
    return "\n".join(p for p in parts if p)


def missing_text(m, lang: str = "zh") -> str:
    """Why a roster unit has no report: nothing received, or each file it sent and why
    it could not be read."""
    reasons = load_summary().reasons
    hint = reasons["near_input"][lang].format(name=m.hint) if m.hint else ""
    files = [reasons["unread_file"][lang].format(file=u.path.name, why=unread_why(u, lang)) for u in m.files]
    return "\n".join(p for p in (reasons[m.reason][lang].format(**m.reason_params), *files, hint) if p)


def unread_why(u, lang: str = "zh") -> str:
    """Why a file was left unread: its rule and message where a rule says it (F2)."""
    finding = u.skip.finding
    return f"{finding.rule} {finding.message(lang)}" if finding is not None else u.skip.message(lang)


def error_count(r: FileResult) -> int:
    """错误数: a file that cannot be read counts its fatal finding (F1–F7) as an error,
    so that a status of 无法读取 never stands beside 0 errors."""
    return sum(f.severity in ("error", "fatal") for f in r.findings)


def _table(wb, spec: ColumnsSheet | TextsSheet, rows: list[list]) -> Rows:
    """A sheet with the header of `spec`, printed across A4 landscape with its header
    on each page; its rows are left to the saver (their heights to _fit)."""
    ws = wb.create_sheet(spec.name)
    _header(ws, [c.label for c in spec.columns], [c.width for c in spec.columns])
    ws.auto_filter.ref = f"A1:{col_letter(len(spec.columns))}{len(rows) + 1}"
    print_across(ws, "1:1")
    return Rows(rows, _wrapped(ws))


def _fit(ws, table: Rows | None = None) -> None:
    """The header row, and each of `table`'s rows, as tall as its wrapped text at the
    widths the sheet ends with (county.py adds columns, and words to 主要问题)."""
    widths = [ws.column_dimensions[col_letter(c)].width for c in range(1, ws.max_column + 1)]
    ws.row_dimensions[1].height = row_height([c.value for c in ws[1]], widths)
    if table is not None:
        table.heights = [row_height(row, widths) for row in table.rows]


def _wrapped(ws, horizontal: str | None = None) -> int:
    """The style id of wrapped, top-aligned text, for the rows the saver writes."""
    from openpyxl.styles import Alignment

    probe = ws.cell(1, ws.max_column + 1)
    probe.alignment = Alignment(wrap_text=True, vertical="top", horizontal=horizontal)
    style = probe.style_id
    ws._cells.pop((probe.row, probe.column))  # the probe itself is not written
    return style


def _status_rows(result: MergeResult, words: dict[str, Text]) -> list[list]:
    """A row per input, per roster unit without one (with the files it sent that could
    not be read, each counted as an error), and per file left unread on its own."""
    def row(x) -> list:
        if isinstance(x, Submission):
            return [x.shown, x.code, words[x.status].zh, error_count(x.result), len(x.result.warnings),
                    problems(x, result.year), x.file]
        if isinstance(x, Unread):
            return [x.shown, "", words[x.status].zh, None, None, unread_why(x), str(x.path)]
        return [x.unit.name, x.unit.code, words[x.status].zh, len(x.files) if x.files else None, None,
                missing_text(x), "\n".join(str(u.path) for u in x.files)]
    return [row(x) for x in row_order(result)]


def _quality_rows(result: MergeResult, status: dict[str, Text]) -> list[list]:
    """One row per unit whose report was read, the weakest report first."""
    w = words("zh")
    rows = []
    for s in result.submissions:
        score = s.result.score
        if score is None or s.status == "copy":  # a copy's report is the one of the file it copies
            continue
        deductions = []
        for d in score.deductions:
            deductions.append(w["score_item"].format(label=d.label["zh"], points=d.points, rules=d.rules()))
            deductions += [w["score_finding"].format(rule=f.rule, message=f.message())
                           for f in d.findings[:MAX_PROBLEMS]]
            if len(d.findings) > MAX_PROBLEMS:
                deductions.append(w["more_problems"].format(n=len(d.findings)))
        copies = [w["shared_text"].format(label=f.params["label"], others=f.params["others"]["zh"])
                  for f in s.result.findings if f.rule == "T5"]
        counted = sum(len(d.findings) for d in score.deductions)
        rows.append(((score.points, -counted, natural(s.shown)),
                     [s.shown, score.points, score.of, status[s.status].zh, "\n".join(deductions),
                      "\n".join(copies), s.file]))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]




def _quality_sheet(wb, spec: ColumnsSheet, rows: list[list]) -> Rows:
    """质量评分: the score centred, apart from the text beside it."""
    table = _table(wb, spec, rows)
    centred = _wrapped(wb[spec.name], "center")
    table.style = [centred if c.id in ("points", "of") else table.style for c in spec.columns]
    return table


def _detail_sheet(wb, result: MergeResult, spec: DetailSheet) -> Rows:
    """One row per merged unit and one column per field; the ids in a hidden second
    row; a last row that equals the summary. Returns the data rows, which are many:
    the saver writes them (as text and numbers, never formulas)."""
    fields = load_layout().format.numeric_fields()
    ws = wb.create_sheet(spec.name)
    _header(ws, [c.label for c in spec.fixed] + [f.label for f in fields],
            [c.width for c in spec.fixed] + [spec.width] * len(fields))
    for c, key in enumerate([c.id for c in spec.fixed] + [f.id for f in fields], start=1):
        _put(ws, 2, c, key)
    ws.row_dimensions[2].hidden = True
    ws.freeze_panes = "C3"
    rows = [[s.shown, s.code] + [s.result.report.values.get(f.id) for f in fields] for s in result.merged]
    rows.append([spec.total_label, ""] + [result.summary.values.get(f.id) for f in fields])
    ws.auto_filter.ref = f"A2:{col_letter(len(fields) + 2)}{len(rows) + 2}"
    # hundreds of columns fit no page's width: printed at full size page by page
    # across, the header and the units' names on each page
    print_across(ws, "1:2", fit=False)
    ws.print_title_cols = "A:A"
    return Rows(rows)


def _source_rows(result: MergeResult, words: dict[str, Text]) -> list[list]:
    """Every file received: the inputs read, then the files left unread, each with its
    status and, where it is not merged, why (the first line of its 主要问题)."""
    rows = [[s.file, s.size, s.sha256, s.template_version, s.modified, words[s.status].zh,
             problems(s, result.year, warnings=False).split("\n")[0] if s.status != "merged" else ""]
            for s in result.submissions]
    return rows + [[str(u.path), u.size, u.sha256, "", u.modified,
                    words["unreadable" if u.for_unit else u.status].zh, unread_why(u)] for u in result.skipped]


def _texts_sheet(wb, result: MergeResult, spec: TextsSheet) -> Rows:
    """One row per unit and text section: a unit's report reads down the page, and the
    filter on 部分 sets one section of every unit side by side."""
    texts = load_layout().format.text_fields()
    return _table(wb, spec, [[s.shown, f.label, s.result.report.text.get(f.id)]
                             for s in result.merged for f in texts])


def _units_sheet(wb, result: MergeResult, spec: UnitsSheet) -> Rows:
    wb.create_sheet(spec.name).sheet_state = "veryHidden"
    return Rows([list(u) for u in sorted({u for s in result.merged for u in s.units})])


def _end_column(ws, table: Rows, order: list, label: str, width: float, by_roster: dict[int, str]) -> None:
    """A column the caller ends 上报情况 with (the review desk: each unit's publication),
    its value by the row's place on the roster."""
    from xltools.commands.county import _add_header

    col = ws.max_column + 1
    _add_header(ws, col, label, width)
    ws.auto_filter.ref = f"A1:{col_letter(col)}{len(table.rows) + 1}"
    for row, x in zip(table.rows, order):
        row.append(by_roster.get(x.roster_index, ""))


def write_summary(result: MergeResult, out: Path, last: FileResult | None = None, draft: bool = True,
                  allow_incomplete: bool = False, column: tuple[str, float, dict[int, str]] | None = None) -> None:
    """The summary workbook, with the figure sentences drafted into its empty text
    unless `draft` is false or units are left out (unless `allow_incomplete`, see
    county.drafts); with `last`, last year's summary (county.last_year), for the
    change in the drafted text and the chart of this year against last year; with
    `column` (label, width, value by place on the roster), 上报情况 ends with it."""
    from xltools.commands import county

    spec = load_summary()
    words = spec.status
    by_kind = county.prepare(result, last, draft, allow_incomplete)
    wb, cached = report_workbook(result.summary)
    sheets = spec.sheets
    rows = {sheets.status.name: _table(wb, sheets.status, _status_rows(result, words))}
    rows[sheets.quality.name] = _quality_sheet(wb, sheets.quality, _quality_rows(result, words))
    rows[sheets.detail.name] = _detail_sheet(wb, result, sheets.detail)
    rows[sheets.sources.name] = _table(wb, sheets.sources, _source_rows(result, words))
    rows[sheets.texts.name] = _texts_sheet(wb, result, sheets.texts)
    rows[sheets.units.name] = _units_sheet(wb, result, sheets.units)
    county.write_sheets(by_kind, wb, rows)
    if column is not None:
        _end_column(wb[sheets.status.name], rows[sheets.status.name], row_order(result), *column)
    for sheet in (sheets.status, sheets.quality, sheets.sources, sheets.texts):
        _fit(wb[sheet.name], rows[sheet.name])
    _fit(wb[sheets.detail.name])  # its rows are numbers on one line
    save(wb, Path(out), cached=cached, rows=rows)
