"""`xltools publish SUMMARY --breakdown`: the appendix county reports print, the
main figures by kind of unit (and, if asked, unit by unit), from the summary's
明细 sheet as merge wrote it. The units' figures must add up to the summary's, or
nothing is published: an appendix that contradicts the report's tables is worse
than none."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xltools.documents.publish import Cell, Part
from xltools.model import county as model
from xltools.model.errors import UserError
from xltools.model.report import Report, number_text
from xltools.model.schema import load_county, load_format, load_summary


class BreakdownError(UserError):
    prefix = "breakdown_"


def _number(value):
    """A count as calamine reads it (a float), exactly; anything else is no number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else Decimal(repr(value))


def _units(path: Path) -> list[tuple[str, str, dict]]:
    """(unit, kind, values) of each row of 明细."""
    from xltools.xlsx.reader import read_cells

    spec = load_summary().sheets.detail
    rows = read_cells(path, extra=(spec.name,)).extra.get(spec.name)
    if not rows or len(rows) < 2:
        raise BreakdownError("not_summary", path=path)
    ids = [str(x or "") for x in rows[1]]
    column = load_county().column.id
    if column not in ids:
        raise BreakdownError("no_kinds", path=path)
    fields = {f for name in load_county().breakdown for f in model.figure_fields(name)}
    at = {f: ids.index(f) for f in fields}
    out = []
    for row in rows[2:]:
        name = str(row[0] or "").strip()
        if not name or name == spec.total_label:
            continue
        kind = model.kind_by_label(str(row[ids.index(column)] or "")) or load_county().fallback
        out.append((name, kind, {f: _number(row[i]) if i < len(row) else None for f, i in at.items()}))
    return out


def breakdown(report: Report, path: Path, per_unit: bool = False) -> list[Part]:
    """The appendix: a heading and one table, a row per kind (with its units before
    it, if `per_unit`) and 合计; refused when 明细 does not add up to the report."""
    s = load_county()
    t = s.breakdown_table
    units = _units(Path(path))
    names = s.breakdown
    for name in names:
        for f in model.figure_fields(name):
            parts = [v[f] for _, _, v in units]
            added = sum(parts, 0) if all(p is not None for p in parts) else None
            if added != report.values.get(f):
                raise BreakdownError("mismatch", path=path, field=load_format().fields[f].label, detail=_shown(added),
                                     summary=_shown(report.values.get(f)))

    def line(label: str, values: dict, header: bool = True) -> list[Cell]:
        return [Cell(label, header=header)] + [Cell(_shown(model.figure(values, n)), number=True) for n in names]

    heads = [s.figures[n].word or model.figure_label(n) for n in names]  # short: ten columns on A4
    rows = [[Cell(t.corner_units if per_unit else t.corner, header=True)] + [Cell(h, header=True) for h in heads]]
    for kind in model.kind_ids():
        mine = [(u, v) for u, k, v in units if k == kind]
        if not mine:
            continue
        if per_unit:
            rows += [line(u, v) for u, v in mine]
        total = {f: sum((v[f] for _, v in mine), 0) for f in units[0][2]}
        label = model.kind_label(kind)
        rows.append(line(t.subtotal.format(kind=label) if per_unit else label, total))
    rows.append(line(t.total, report.values))
    return [Part("heading", t.heading), Part("caption", t.caption), Part("table", rows=rows, header_rows=1)]


def _shown(value) -> str:
    return "" if value is None else number_text(value)
