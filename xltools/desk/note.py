"""The note that returns a report to its unit: drafted from the version's findings
in plain words (errors to correct, then warnings to correct or explain), for the
office to edit; and as a Word document with the typography of the published report."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from xltools.desk.ledger import Version
from xltools.desk.settings import shown_time
from xltools.model.findings import Finding
from xltools.model.schema import words


def draft(unit: str, year: int, version: Version, found: list[Finding], due: date, lang: str = "zh") -> str:
    """The note, or "" when the check found nothing to say (the office writes its own)."""
    w = words(lang)
    errors = [f for f in found if f.severity == "error"]
    warnings = [f for f in found if f.severity == "warning" and not f.explained]
    if not errors and not warnings:
        return ""
    lines = [w["desk_note_opening"].format(unit=unit, time=shown_time(version.at), year=year, number=version.number,
                                          due=due.isoformat())]
    groups = [(w["desk_note_errors"], errors), (w["desk_note_warnings"], warnings)]
    for numeral, (heading, items) in zip(w["desk_numerals"], [g for g in groups if g[1]]):
        lines.append(heading.format(numeral=numeral, n=len(items)))
        for i, f in enumerate(items, start=1):
            where = w["desk_note_where"].format(cell=f.cells[0]) if f.cells else ""
            fix = w["desk_note_fix"].format(fix=f.fix(lang)) if f.fix(lang) else ""
            lines.append(w["desk_note_item"].format(i=i, where=where, message=f.message(lang), fix=fix))
    lines.append(w["desk_note_closing"])
    return "\n".join(lines)


def write_docx(text: str, out: Path, lang: str = "zh") -> None:
    """The note as a Word document: its title, then a paragraph per line."""
    from docx.shared import Pt

    from xltools.documents import typography

    d = typography.new_document()
    title = words(lang)["desk_note_title"]
    typography.add_line(d, title, "title")
    for i, line in enumerate(text.splitlines()):
        para = typography.add_line(d, line, "paragraph")
        if i:  # the first line is the salutation, flush left
            para.paragraph_format.first_line_indent = Pt(typography.INDENT_PT)
    typography.save(d, out, title)
