"""Check results as text for people (Chinese or English) and as JSON for programs."""
from __future__ import annotations

from itertools import groupby

from xltools.model.report import dumps
from xltools.model.schema import words
from xltools.model.totals import is_number
from xltools.rules.result import FileResult
from xltools.rules.score import score_line


class Count(int):
    """A number a sentence counts. English words write `{n:unit|units}` and get "1 unit"
    or "2 units"; `{n}` is the number alone (Chinese needs no plural)."""

    def __format__(self, spec: str) -> str:
        if "|" not in spec:
            return int.__format__(self, spec)
        one, many = spec.split("|", 1)
        return f"{int(self)} {one if self == 1 else many}"


def counted(text: str, **params) -> str:
    """`text` filled with `params`, every whole number among them a Count."""
    return text.format(**{k: Count(v) if isinstance(v, int) and not isinstance(v, bool) else v
                          for k, v in params.items()})


def _header(r: FileResult, w: dict) -> str:
    about = [x for x in (r.unit, w["year"].format(year=r.year) if r.year else None) if x]
    return f"== {r.path}" + (w["file_about"].format(about=w["about_separator"].join(about)) if about else "") + " =="


def verdict(r: FileResult, lang: str = "zh") -> str:
    """The last line about a file: passed, or how many errors and warnings."""
    w = words(lang)
    if not r.findings:
        return w["ok"]
    explained = sum(f.explained for f in r.warnings)
    part = w["explained_part"].format(n=explained) if explained else ""
    return w["summary"].format(errors=len(r.errors), warnings=len(r.warnings), explained=part)


def finding_lines(findings: list, lang: str = "zh", indent: str = "  ") -> list[str]:
    """Findings grouped by sheet: each its level, rule, title and cell, its message,
    and its fix or the explanation that accepts it."""
    w = words(lang)
    lines = []
    for sheet, group in groupby(findings, key=lambda f: f.sheet):
        lines.append(f"{indent}[{sheet or w['general']}]")
        for f in group:
            mark = w["level_explained"] if f.explained else w[f.severity]
            where = f" {f.cells[0]}" if f.cells else ""
            lines.append(f"{indent}{mark} {f.rule} {f.title(lang)}{where}")
            lines.append(f"{indent}  {f.message(lang)}")
            if f.explained:
                lines.append(indent + "  " + w["labelled"].format(label=w["explained"], text=f.explanation))
            elif f.fix(lang):
                lines.append(indent + "  " + w["labelled"].format(label=w["fix"], text=f.fix(lang)))
    return lines


def skipped_lines(skipped, lang: str = "zh") -> list[str]:
    """The files a folder held that were not read, each with why (inputs.Skipped)."""
    w = words(lang)
    if not skipped:
        return []
    return [w["skipped"].format(n=len(skipped))] + \
        [w["skipped_file"].format(path=s.path, why=s.message(lang)) for s in skipped]


def render_text(results: list[FileResult], lang: str = "zh", skipped=()) -> str:
    """Each file's findings; then the files skipped, with why, and the totals."""
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
        lines += finding_lines(r.findings, lang)
        lines.append(verdict(r, lang))
        lines.append(score_line(r.score, lang))
        lines.append("")
    counts = {"files": len(results), "ok": sum(r.ok for r in results), "bad": sum(bool(r.errors) for r in results),
              "unreadable": sum(r.unreadable is not None for r in results)}
    if skipped:
        lines += skipped_lines(skipped, lang) + [""]
        lines.append(counted(w["total_skipped"], all=len(results) + len(skipped), skipped=len(skipped), **counts))
    elif len(results) > 1:
        lines.append(counted(w["total"], **counts))
    return "\n".join(lines).rstrip("\n") + "\n"


def result_dict(r: FileResult, lang: str = "zh") -> dict:
    out = {"path": str(r.path), "unit": r.unit, "year": r.year, "ok": r.ok,
           "errors": len(r.errors), "warnings": len(r.warnings),
           "findings": [f.to_dict(lang) for f in r.findings],
           "score": r.score.to_dict(lang) if r.score is not None else None}
    if r.unreadable:
        out["error"] = r.unreadable
    return out


def render_json(results: list[FileResult], lang: str = "zh", skipped=()) -> str:
    return dumps({"files": [result_dict(r, lang) for r in results],
                  "skipped": [{"path": str(s.path), "rule": s.finding.rule if s.finding else None,
                               "reason": s.message(lang)} for s in skipped]}) + "\n"


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
            lines.append(counted(w[f"fill_{kind}"], n=result.count(kind)))
    if result.unmarked:
        lines.append(counted(w["fill_unmarked"], n=result.unmarked))
    if not result.changes and not result.unmarked:
        lines.append(w["fill_nothing"])
    return "\n".join(lines) + "\n"


def render_merge(result, out, written: bool, why: str | None = None, lang: str = "zh") -> str:
    from xltools.commands.merge import Missing, row_order
    from xltools.commands.summary import missing_text, problems, reason_text
    from xltools.model.schema import load_summary

    w, status = words(lang), load_summary().status
    lines = []
    if written:
        lines.append(counted(w["merged"], out=out, unit=result.unit, year=result.year, n=len(result.merged)))
    else:
        lines.append(w["not_written"].format(why=w[why]))
    if result.excluded:
        lines.append(w["excluded"].format(n=len(result.excluded)))
        excluded = {id(x) for x in result.excluded}
        lines += _by_status([x for x in row_order(result) if id(x) in excluded], lang, lambda s: [
            f"  {status[s.status][lang]}  {s.shown}  {s.path}",
            *(f"    {line}" for line in problems(s, result.year, lang, warnings=False).splitlines())])
    if result.passed_over:
        lines.append(w["passed_over"].format(n=len(result.passed_over)))
        lines += _by_status(result.passed_over, lang, lambda s: [
            f"  {status[s.status][lang]}  {s.path}  {reason_text(s, result.year, lang)}"])
    missing = [x for x in row_order(result) if isinstance(x, Missing)]
    for key, group in (("unread_units", [m for m in missing if m.files]),
                       ("missing", [m for m in missing if not m.files])):
        if group:
            lines.append(w[key].format(n=len(group)))
        lines += _by_status(group, lang, lambda m: [
            f"  {m.unit.name} {m.unit.code}".rstrip(),
            *(f"    {line}" for line in missing_text(m, lang).splitlines()[1:])])
    if result.roster_notes:
        lines.append(w["roster_notes"].format(n=len(result.roster_notes)))
        lines += [f"  {note.message(lang)}" for note in result.roster_notes]
    lines += skipped_lines([u.skip for u in result.skipped if not u.for_unit], lang)
    return "\n".join(lines) + "\n"


def _by_status(items: list, lang: str, shown) -> list[str]:
    """The lines `shown` gives of each item, grouped by status in the order the statuses first
    come: the first few of each (summary.yaml's terminal_shown), then how many more. A
    province's merge excludes thousands of files; 上报情况 lists every one."""
    from xltools.model.schema import load_summary

    summary, w = load_summary(), words(lang)
    groups: dict[str, list] = {}
    for x in items:
        groups.setdefault(x.status, []).append(x)
    lines = []
    for key, group in groups.items():
        for x in group[:summary.terminal_shown]:
            lines += shown(x)
        if len(group) > summary.terminal_shown:
            lines.append(counted(w["more_of_status"], status=summary.status[key][lang],
                                 n=len(group) - summary.terminal_shown, sheet=summary.sheets.status.name))
    return lines


def _about(r: FileResult, w: dict) -> str:
    return w["compare_about"].format(unit=r.unit or "", year=r.year or "")


def render_compare(comp, lang: str = "zh") -> str:
    """What compare found: the kind of comparison first, then the findings of each
    pair (for folders, a line per unit and its findings)."""
    from xltools.commands.summary import reason_text
    from xltools.model.schema import load_summary

    w = words(lang)
    if comp.unreadable and comp.kind != "folders":
        return render_text(comp.unreadable, lang)
    first = comp.pairs[0] if comp.pairs else None
    lines = [compare_title(comp, lang)]
    if comp.kind == "folders":
        lines += [w[f"compare_{side}"].format(path=path,
                                              about=counted(w["compare_units_folder"], n=comp.units_in(side)))
                  for side, path in (("old", comp.old), ("new", comp.new))]
        for p in comp.pairs:
            kind = w[f"compare_pair_kind_{p.kind}"].format(old_year=p.old.year, new_year=p.new.year)
            lines.append(counted(w["compare_unit_line"], status=w["compare_status_compared"], unit=p.new.unit,
                                 kind=kind, errors=len(p.errors), warnings=len(p.warnings)))
            lines += finding_lines(p.findings, lang, indent="    ")
            lines += _aside_lines(comp.asides_of(p.old, p.new), lang)
        for status, results in (("only_old", comp.only_old), ("only_new", comp.only_new), ("received", comp.received)):
            for r in results:
                lines.append(f"  {w['compare_status_' + status]}  {r.unit or r.path.stem}  {r.path}")
                lines += _aside_lines(comp.asides_of(r), lang, also=status != "received")
        for a, b in comp.apart:
            lines.append(f"  {w['compare_status_apart']}  {b.unit}  {a.year} → {b.year}")
            lines += _aside_lines(comp.asides_of(a, b), lang)
        lines += [w["compare_file_line"].format(status=w["compare_status_" + x.status], path=x.path,
                                                why=x.message(lang)) for x in comp.asides if x.of is None]
        lines.append(compare_verdict(comp, lang))
        return "\n".join(lines) + "\n"
    lines.append(w["compare_old"].format(path=comp.old, about=_about(first.old, w)))
    if comp.kind == "summary":
        included = [s.shown for s in first.units if s.status == "merged"]
        left_out = [w["compare_left_out_unit"].format(unit=s.shown, why=reason_text(s, first.new.year, lang)
                                                      or load_summary().status[s.status][lang])
                    for s in first.units if s.status != "merged"]
        left_out += [w["compare_left_out_unit"].format(unit=u.path.name, why=u.skip.message(lang))
                     for u in first.unread]
        lines.append(w["compare_new"].format(path=comp.new, about=w["compare_summary_label"]))
        lines.append(counted(w["compare_included"], n=len(included), units=w["list_separator"].join(included)))
        if left_out:
            lines.append(w["compare_left_out"].format(n=len(left_out), units=w["list_separator"].join(left_out)))
    else:
        lines.append(w["compare_new"].format(path=comp.new, about=_about(first.new, w)))
    lines += finding_lines(first.findings, lang)
    lines.append(compare_verdict(comp, lang))
    return "\n".join(lines) + "\n"


def _aside_lines(asides, lang: str, also: bool = True) -> list[str]:
    """The files of a unit not compared, under the unit's line, each with why: 另有 where
    the unit was compared or found on one side, not where they are all that came."""
    w = words(lang)
    line = w["compare_aside_line" if also else "compare_received_line"]
    return [line.format(status=w["compare_status_" + a.status], path=a.path, why=a.message(lang)) for a in asides]


def compare_title(comp, lang: str = "zh") -> str:
    """The first line: what kind of comparison this is."""
    first = comp.pairs[0] if comp.pairs else None
    return words(lang)[f"compare_kind_{comp.kind}"].format(
        unit=first.new.unit if first else "", new_year=first.new.year if first else "",
        old_year=first.old.year if first else "")


def compare_verdict(comp, lang: str = "zh") -> str:
    """The last line: how many errors and warnings (for folders, units too)."""
    w = words(lang)
    errors = sum(len(p.errors) for p in comp.pairs)
    warnings = sum(len(p.warnings) for p in comp.pairs) + len(comp.findings)
    if comp.kind == "folders":
        return counted(w["compare_verdict_folders"], compared=len(comp.pairs), only_old=len(comp.only_old),
                       only_new=len(comp.only_new), received=len(comp.received), aside=len(comp.asides),
                       errors=errors, warnings=warnings)
    return counted(w["compare_verdict"], errors=errors, warnings=warnings) if errors + warnings \
        else w["compare_nothing_found"]


def compare_dict(comp, lang: str = "zh") -> dict:
    """The JSON of a comparison: its kind, both sides, the findings (as check gives
    them) and every number on both sides; for folders, each unit too."""
    from xltools.model.schema import load_format

    numeric = load_format().numeric_fields()

    def side(path, r: FileResult | None) -> dict:
        return {"path": str(path), "unit": r.unit if r else None, "year": r.year if r else None}

    def fields(p) -> list[dict]:
        out = []
        for f in numeric:
            a, b = p.value("old", f.id), p.value("new", f.id)
            diff = b - a if is_number(a) and is_number(b) else None
            out.append({"id": f.id, "old": a, "new": b, "diff": diff})
        return out

    if comp.kind != "folders" and comp.pairs:
        p = comp.pairs[0]
        return {"kind": comp.kind, "old": side(comp.old, p.old), "new": side(comp.new, p.new),
                "findings": [f.to_dict(lang) for f in p.findings], "fields": fields(p),
                **({"units": [{"unit": s.shown, "code": s.code, "status": s.status, "path": str(s.path)}
                              for s in p.units]
                    + [{"unit": None, "code": "", "status": u.status, "path": str(u.path),
                        "reason": u.skip.message(lang)} for u in p.unread]} if comp.kind == "summary" else {})}
    def aside(a) -> dict:
        return {"path": str(a.path), "status": a.status, "folder": a.side, "reason": a.message(lang),
                "findings": [f.to_dict(lang) for f in a.findings]}

    def also(*results) -> dict:
        return {"also": [aside(a) for a in comp.asides_of(*results)]}

    units = [{"unit": p.new.unit, "status": "compared", "kind": p.kind, "old": side(p.old.path, p.old),
              "new": side(p.new.path, p.new), "findings": [f.to_dict(lang) for f in p.findings], "fields": fields(p),
              **also(p.old, p.new)} for p in comp.pairs]
    units += [{"unit": r.unit, "status": status, "path": str(r.path), **also(r)} for status, rs in
              (("only_old", comp.only_old), ("only_new", comp.only_new), ("received", comp.received)) for r in rs]
    units += [{"unit": b.unit, "status": "apart", "old": side(a.path, a), "new": side(b.path, b), **also(a, b)}
              for a, b in comp.apart]
    units += [{"unit": None, **aside(a)} for a in comp.asides if a.of is None]
    units += [{"unit": None, "status": "unreadable", "path": str(r.path), "error": r.unreadable,
               "findings": [f.to_dict(lang) for f in r.findings]} for r in comp.unreadable]
    return {"kind": comp.kind, "old": side(comp.old, None), "new": side(comp.new, None),
            "findings": [f.to_dict(lang) for f in comp.all_findings], "fields": [], "units": units}


def render_compare_json(comp, lang: str = "zh") -> str:
    return dumps(compare_dict(comp, lang)) + "\n"
