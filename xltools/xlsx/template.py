"""Paint the standard workbook from the layout: labels, input cells, total formulas,
validation, protection, print settings and the hidden stamp."""
from __future__ import annotations

from copy import copy
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.properties import PageSetupProperties

from xltools.model.schema import Equation, load_rules
from xltools.xlsx.a1 import col_letter
from xltools.xlsx.layout import Area, Layout, formula, load_layout, total_formula
from xltools.xlsx.sizes import LINE_HEIGHT, wrapped_lines

if TYPE_CHECKING:
    from xltools.model.config import LiveMarks

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NUMBER_FORMATS = {"count": "0", "signed": "0", "total": "0", "money": "General", "year": "0", "text": "@"}
TITLE_HEIGHT = 30
ROW_HEIGHT = 18  # points: one line of 11-point text with some air


def needed_height(text: str, width: float, size: int = 11) -> float:
    """Points a wrapped label needs in an area `width` characters wide."""
    return max(ROW_HEIGHT, wrapped_lines(text, width, size) * LINE_HEIGHT * size / 11 + 5)


def live_marks(layout: Layout) -> LiveMarks:
    return next(s.spec.live_check.marks for s in layout.sheets if s.spec.live_check is not None)


def live_formula(layout: Layout, eq: Equation) -> str:
    """✓ when the equation holds, ✗ when not, and the text mark when a cell holds
    text: Excel would show #VALUE!, LibreOffice would quietly read it as a number."""
    cells = layout.cells
    terms = [cells[t.field] for t in eq.left + eq.right]
    left = formula([cells[t.field] for t in eq.left], [t.sign for t in eq.left])
    right = formula([cells[t.field] for t in eq.right], [t.sign for t in eq.right])
    listed = ",".join(c.a1 for c in terms)
    marks = live_marks(layout)
    return (f'=IF(COUNTA({listed})>COUNT({listed}),"{marks.text}",'
            f'IF({left}={right},"{marks.ok}","{marks.bad}"))')


class _Painter:
    def __init__(self, layout: Layout):
        self.layout = layout
        self._styles: dict = {}
        st = layout.template.styles
        self.font = Font(name=st.font, size=11)
        self.bold = Font(name=st.font, size=11, bold=True)
        self.title_font = Font(name=st.title_font, size=15, bold=True)
        self.input_fill = PatternFill("solid", fgColor=st.input_fill)
        self.total_fill = PatternFill("solid", fgColor=st.total_fill)
        self.header_fill = PatternFill("solid", fgColor=st.header_fill)
        self.ok_fill = PatternFill("solid", fgColor=st.check_ok_fill)
        self.bad_fill = PatternFill("solid", fgColor=st.check_bad_fill)

    def fit(self, ws, area: Area, text: str, size: int = 11) -> None:
        """Make the rows of an area tall enough for its wrapped text (Excel does not
        grow rows for merged cells)."""
        width = sum(ws.column_dimensions[col_letter(c)].width or 8.43 for c in range(area.left, area.right + 1))
        rows = range(area.top, area.bottom + 1)
        have = sum(ws.row_dimensions[r].height or ROW_HEIGHT for r in rows)
        need = needed_height(text, width, size)
        if need > have:
            for r in rows:
                ws.row_dimensions[r].height = round(need / len(rows), 1)

    def box(self, ws, area: Area, **style) -> None:
        """Style every cell of an area (borders of merged cells live on each cell)."""
        # openpyxl looks every style attribute up in the workbook's tables on each
        # assignment; a style met before is copied whole instead.
        key = repr(sorted(style.items()))
        for row in ws.iter_rows(min_row=area.top, max_row=area.bottom, min_col=area.left, max_col=area.right):
            for cell in row:
                if key in self._styles:
                    cell._style = copy(self._styles[key])
                    continue
                for attr, value in style.items():
                    setattr(cell, attr, value)
                self._styles[key] = copy(cell._style)
        if area.merged:
            # every cell is styled above, so openpyxl's own merge formatting is not needed
            ws.merged_cells.add(MergedCellRange(ws, area.ref))

    def label(self, ws, lab) -> None:
        role = lab.role
        ws.cell(lab.area.top, lab.area.left, lab.text)
        if role == "title":
            self.box(ws, lab.area, font=self.title_font, alignment=Alignment(horizontal="center", vertical="center"))
            ws.row_dimensions[lab.area.top].height = TITLE_HEIGHT
            return
        if role in ("note", "instruction"):
            self.box(ws, lab.area, font=Font(name=self.font.name, size=10, color="595959"),
                     alignment=Alignment(wrap_text=True, vertical="top"))
        elif role == "form":
            self.box(ws, lab.area, font=self.bold, alignment=Alignment(vertical="center"))
        else:
            center = role in ("header", "corner", "block")
            self.box(ws, lab.area, font=Font(name=self.font.name, size=self.label_size(lab),
                                              bold=role in ("header", "block")),
                     fill=self.header_fill, border=_BORDER,
                     alignment=Alignment(wrap_text=True, vertical="center",
                                         horizontal="center" if center else "left"))
        self.fit(ws, lab.area, lab.text, self.label_size(lab))

    @staticmethod
    def label_size(lab) -> int:
        # The long 勾稽关系 note in a corner is a remark, not a heading.
        return 9 if lab.role == "corner" and len(lab.text) > 10 else 10 if lab.role == "note" else 11

    def field(self, ws, field_id: str, area: Area, validations: dict) -> None:
        f = self.layout.format.fields[field_id]
        cell = ws.cell(area.top, area.left)
        common = dict(border=_BORDER, number_format=_NUMBER_FORMATS[f.kind])
        if f.kind == "total":
            cell.value = total_formula(self.layout, field_id)
            self.box(ws, area, fill=self.total_fill, font=self.bold,
                     alignment=Alignment(horizontal="right", vertical="center"), **common)
            return
        wrap = f.kind == "text" and f.section is not None
        self.box(ws, area, fill=self.input_fill, font=self.font, protection=Protection(locked=False),
                 alignment=Alignment(wrap_text=wrap, vertical="top" if wrap else "center",
                                     horizontal="right" if f.numeric else "left"), **common)
        if f.kind in validations:
            validations[f.kind].add(area.ref)

    def validations(self) -> dict:
        out = {}
        for kind, v in self.layout.template.validation.items():
            if kind == "year":
                dv = DataValidation(type=v.type, operator="between", formula1=str(v.min), formula2=str(v.max))
            elif kind == "signed":
                dv = DataValidation(type=v.type, operator="between", formula1="-999999999", formula2="999999999")
            else:
                dv = DataValidation(type=v.type, operator="greaterThanOrEqual", formula1="0")
            dv.allow_blank = True
            dv.showInputMessage = dv.showErrorMessage = True
            dv.promptTitle, dv.prompt = v.prompt_title, v.prompt
            dv.errorTitle, dv.error = v.error_title, v.error
            out[kind] = dv
        return out

    def sheet(self, wb, s) -> None:
        ws = wb.create_sheet(s.name)
        for col, width in s.spec.widths.items():
            ws.column_dimensions[col].width = width
        for lab in s.labels:
            self.label(ws, lab)
        self.heights(ws, s)
        validations = self.validations()
        for field_id, area in s.fields.items():
            self.field(ws, field_id, area, validations)
        self.live_checks(ws, s)
        if s.spec.explanations is not None:
            validations["rule"] = self.explanation_rows(ws, s)
        for dv in validations.values():
            if dv.sqref:
                ws.add_data_validation(dv)
        self.page(ws, s)

    def heights(self, ws, s) -> None:
        """Every row of the report one line high at least, text fields as the template says."""
        for r in range(2, (max((a.bottom for a in s.fields.values()), default=1)) + 1):
            ws.row_dimensions[r].height = ws.row_dimensions[r].height or ROW_HEIGHT
        for item in s.spec.form or []:
            if item.height is not None:
                ws.row_dimensions[s.fields[item.text or item.meta].top].height = item.height

    def live_checks(self, ws, s) -> None:
        """The row of ✓/✗ that checks a rule live, green or red."""
        for area, eq in s.live:
            self.box(ws, area, border=_BORDER, font=self.bold, alignment=Alignment(horizontal="center"))
            ws.cell(area.top, area.left).value = live_formula(self.layout, eq)
        if s.live:
            line = f"{s.live[0][0].a1}:{s.live[-1][0].a1}"
            marks = live_marks(self.layout)
            for mark, fill in ((marks.ok, self.ok_fill), (marks.bad, self.bad_fill), (marks.text, self.bad_fill)):
                ws.conditional_formatting.add(line, CellIsRule(operator="equal", formula=[f'"{mark}"'], fill=fill))

    def explanation_rows(self, ws, s) -> DataValidation:
        """The input rows of 审核说明, and the list of rules an explanation can name."""
        warnings = [r.id for r in load_rules().values() if r.explainable]
        rule_list = DataValidation(type="list", formula1='"' + ",".join(warnings) + '"', allow_blank=True)
        for row in (r for r in self.layout.explanations if r["rule"].sheet == s.name):
            for area in row.values():
                self.box(ws, area, fill=self.input_fill, border=_BORDER, protection=Protection(locked=False),
                         number_format="@", alignment=Alignment(wrap_text=True, vertical="top"))
            rule_list.add(row["rule"].ref)
        return rule_list

    def page(self, ws, s) -> None:
        ws.protection.sheet = True
        ws.protection.formatColumns = ws.protection.formatRows = False  # resizing is harmless
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if s.spec.landscape else "portrait"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, s.spec.pages_tall or 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.horizontalCentered = True
        if s.header_rows and s.freeze:
            ws.print_title_rows = "{}:{}".format(*s.header_rows)
        if s.freeze:
            ws.freeze_panes = s.freeze

    def stamp(self, wb) -> None:
        ws = wb.create_sheet(self.layout.template.stamp_sheet)
        for i, (key, value) in enumerate(self.layout.stamp().items(), start=1):
            ws.cell(i, 1, key)
            ws.cell(i, 2, value)
        ws.sheet_state = "veryHidden"
        ws.protection.sheet = True


def build_workbook(layout: Layout | None = None) -> Workbook:
    """The empty standard workbook, as openpyxl objects ready to fill and save."""
    layout = layout or load_layout()
    painter = _Painter(layout)
    wb = Workbook()
    wb.remove(wb.active)
    for s in layout.sheets:
        painter.sheet(wb, s)
    painter.stamp(wb)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = layout.template.sheets[0].title
    wb.properties.creator = "xltools"
    return wb
