"""催报: the units that still owe the county something, one row each, most overdue
first, printed on A4 landscape: a report never received (or only a file that could
not be read), a returned report not sent again, a filed report not published (or
its published page not handed in), a published page that is not the filed report
or could not be verified. With what is owed, since when, the deadline, and whom to
call (填报人, 联系电话 of the unit's cover; blank when it never sent a report)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from xltools.desk.publication import publication_of
from xltools.desk.settings import parse_stamp, settings
from xltools.desk.standing import UNREADABLE, Standing
from xltools.model.schema import words

TITLE_ROWS = 2  # the title, then the header repeated on every printed page


@dataclass
class Owed:
    st: Standing
    what: str  # a word of words.yaml after desk_remind_owed_
    since: date
    due: date
    params: dict

    def overdue(self, today: date) -> int | None:
        """Days past the deadline, None before it."""
        days = (today - self.due).days
        return days if days > 0 else None


def _day(at: str) -> date:
    return parse_stamp(at).date()


def owed(desk, standings: list[Standing]) -> list[Owed]:
    """What each unit owes, if anything, deadline first (then in the roster's order)."""
    opened = _day(desk.ledger.meta()["created"])
    out = []
    for st in standings:
        if st.status in ("unsubmitted", UNREADABLE):
            out.append(Owed(st, st.status, opened, desk.deadlines.submit, {}))
        elif st.status == "returned":
            since = _day(st.last_return.at)
            out.append(Owed(st, "returned", since, since + timedelta(days=desk.deadlines.fix_days), {}))
        elif st.status == "approved":
            out.append(Owed(st, "approved", _day(st.filing.at), desk.deadlines.publish, {}))
        elif st.status == "published":
            made = publication_of(st)
            if made.state in ("differs", "unverifiable"):
                out.append(Owed(st, made.state, _day(made.event.at), desk.deadlines.publish,
                                {"n": len(made.differences)}))
    return sorted(out, key=lambda o: (o.due, o.st.unit.position))


def _contact(desk, st: Standing) -> tuple[str, str]:
    """填报人 and 联系电话 as the unit's latest version's cover gives them."""
    from xltools.xlsx.reader import read

    if st.current is None:
        return "", ""
    meta = read(desk.version_path(st.current)).meta
    return str(meta.get("preparer") or ""), str(meta.get("phone") or "")


def rows(desk, standings: list[Standing], today: date, lang: str = "zh") -> list[list]:
    """The list's rows: 序号, 单位, 上级单位, 欠报事项, 自何时, 截止日期, 逾期天数, 填报人, 联系电话."""
    w = words(lang)
    out = []
    for n, o in enumerate(owed(desk, standings), start=1):
        said = w["desk_remind_owed_" + o.what].format(**o.params)
        out.append([n, o.st.unit.name, o.st.unit.parent, said, o.since.isoformat(), o.due.isoformat(),
                    o.overdue(today), *_contact(desk, o.st)])
    return out


def write_remind(desk, out: Path, lang: str = "zh", at: datetime | None = None) -> int:
    """催报.xlsx of the units still owed at `at` (by default now, as the desk's
    actions tell the time); how many."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side

    from xltools.desk import service
    from xltools.xlsx.a1 import col_letter
    from xltools.xlsx.saver import save
    from xltools.xlsx.sizes import print_across, row_height
    from xltools.xlsx.writer import set_text

    at = at or service.now()
    w, spec = words(lang), settings().remind
    listed = rows(desk, desk.standings(at), at.date(), lang)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = w["desk_remind_sheet"]
    last = col_letter(len(spec.widths))
    set_text(ws.cell(1, 1), w["desk_remind_title"].format(unit=desk.unit_name or "", year=desk.year,
                                                          day=at.date().isoformat(), n=len(listed)))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 24
    line = Side(style="thin")
    for r, values in enumerate([list(w["desk_remind_headers"])] + listed, start=TITLE_ROWS):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c)
            if isinstance(value, str):
                set_text(cell, value)  # a unit's name or phone as written, never a formula
            else:
                cell.value = value
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.border = Border(left=line, right=line, top=line, bottom=line)
            cell.font = Font(bold=r == TITLE_ROWS, size=11)
        ws.row_dimensions[r].height = row_height(values, spec.widths)
    for c, width in enumerate(spec.widths, start=1):
        ws.column_dimensions[col_letter(c)].width = width
    ws.freeze_panes = f"A{TITLE_ROWS + 1}"
    print_across(ws, f"{TITLE_ROWS}:{TITLE_ROWS}")
    ws.print_options.horizontalCentered = True
    save(wb, Path(out))
    return len(listed)
