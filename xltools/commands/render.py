"""Check results as text for people (Chinese or English) and as JSON for programs."""
from __future__ import annotations

from itertools import groupby

from xltools.model.report import dumps
from xltools.model.schema import words
from xltools.rules.result import FileResult


def _header(r: FileResult, w: dict) -> str:
    about = [x for x in (r.unit, w["year"].format(year=r.year) if r.year else None) if x]
    return f"== {r.path}" + (f"（{'，'.join(about)}）" if about else "") + " =="


def verdict(r: FileResult, lang: str = "zh") -> str:
    """The last line about a file: passed, or how many errors and warnings."""
    w = words(lang)
    if not r.findings:
        return w["ok"]
    explained = sum(f.explained for f in r.warnings)
    part = w["explained_part"].format(n=explained) if explained else ""
    return w["summary"].format(errors=len(r.errors), warnings=len(r.warnings), explained=part)


def render_text(results: list[FileResult], lang: str = "zh") -> str:
    w = words(lang)

    def labelled(indent: str, label: str, text: str) -> str:
        return indent + w["labelled"].format(label=label, text=text)

    lines: list[str] = []
    for r in results:
        lines.append(_header(r, w))
        if r.unreadable:
            reason = r.findings[0] if r.findings else None
            lines.append(labelled("  ", w["unreadable"], reason.message(lang) if reason else r.unreadable))
            if reason and reason.fix(lang):
                lines.append(labelled("    ", w["fix"], reason.fix(lang)))
            lines.append("")
            continue
        for sheet, group in groupby(r.findings, key=lambda f: f.sheet):
            lines.append(f"  [{sheet or w['general']}]")
            for f in group:
                mark = w["level_explained"] if f.explained else w[f.severity]
                where = f" {f.cells[0]}" if f.cells else ""
                lines.append(f"  {mark} {f.rule} {f.title(lang)}{where}")
                lines.append(f"    {f.message(lang)}")
                if f.explained:
                    lines.append(labelled("    ", w["explained"], f.explanation))
                elif f.fix(lang):
                    lines.append(labelled("    ", w["fix"], f.fix(lang)))
        lines.append(verdict(r, lang))
        if r.score is not None:
            lines.append(r.score.text(lang))
        lines.append("")
    if len(results) > 1:
        lines.append(w["total"].format(files=len(results), ok=sum(r.ok for r in results),
                                       bad=sum(bool(r.errors) for r in results),
                                       unreadable=sum(r.unreadable is not None for r in results)))
    return "\n".join(lines).rstrip("\n") + "\n"


def result_dict(r: FileResult, lang: str = "zh") -> dict:
    out = {"path": str(r.path), "unit": r.unit, "year": r.year, "ok": r.ok,
           "errors": len(r.errors), "warnings": len(r.warnings),
           "findings": [f.to_dict(lang) for f in r.findings],
           "score": r.score.to_dict(lang) if r.score is not None else None}
    if r.unreadable:
        out["error"] = r.unreadable
    return out


def render_json(results: list[FileResult], lang: str = "zh") -> str:
    return dumps({"files": [result_dict(r, lang) for r in results]}) + "\n"


def render_fill(result, lang: str = "zh") -> str:
    from xltools.model.schema import load_format

    w = words(lang)
    if result.refused is not None:
        return w["refused"].format(path=result.path) + "\n" + render_text([result.refused], lang)
    fields = load_format().fields
    lines = [w["filled"].format(path=result.path, out=result.out)]
    for c in result.changes:
        if c.kind in ("total", "restored", "follows"):
            lines.append(w[f"fill_{c.kind}"].format(cell=c.cell, label=fields[c.field].label, old=c.old, new=c.new))
        elif c.kind == "text":
            lines.append(w["fill_text"].format(cell=c.cell, old=c.old, new=c.new))
    for kind in ("formula", "blank", "mark"):
        if result.count(kind):
            lines.append(w[f"fill_{kind}"].format(n=result.count(kind)))
    if not result.changes:
        lines.append(w["fill_nothing"])
    return "\n".join(lines) + "\n"


def render_merge(result, out, written: bool, why: str | None = None, lang: str = "zh") -> str:
    from xltools.commands.merge import Missing, row_order
    from xltools.commands.summary import missing_text, problems, reason_text
    from xltools.model.schema import load_summary

    w, status = words(lang), load_summary()["status"]
    lines = []
    if written:
        lines.append(w["merged"].format(out=out, unit=result.unit, year=result.year, n=len(result.merged)))
    else:
        lines.append(w["not_written"].format(why=w[why]))
    if result.excluded:
        lines.append(w["excluded"].format(n=len(result.excluded)))
        excluded = {id(x) for x in result.excluded}
        for s in (x for x in row_order(result) if id(x) in excluded):
            lines.append(f"  {status[s.status][lang]}  {s.shown}  {s.path}")
            lines += [f"    {line}" for line in problems(s, result.year, lang, warnings=False).splitlines()]
    if result.passed_over:
        lines.append(w["passed_over"].format(n=len(result.passed_over)))
        lines += [f"  {s.path}  {reason_text(s, result.year, lang)}" for s in result.passed_over]
    if result.missing:
        lines.append(w["missing"].format(n=len(result.missing)))
        for m in (x for x in row_order(result) if isinstance(x, Missing)):
            lines.append(f"  {m.unit.name} {m.unit.code}".rstrip())
            lines += [f"    {line}" for line in missing_text(m, lang).splitlines()[1:]]
    if result.roster_notes:
        lines.append(w["roster_notes"].format(n=len(result.roster_notes)))
        lines += [f"  {note.message(lang)}" for note in result.roster_notes]
    if result.skipped:
        lines.append(w["skipped"].format(n=len(result.skipped)))
        lines += [f"  {p}" for p in result.skipped]
    return "\n".join(lines) + "\n"
