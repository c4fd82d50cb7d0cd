"""Last year's report of each checked file, for the rules that compare with it
(W1, W2): found by credit code, else by unit name, and used only when it is
readable, of the year before and of the same unit. Whatever keeps a comparison
from being made is said on the checked file (W8), never passed over."""
from __future__ import annotations

from xltools.model.codes import fold_name
from xltools.model.findings import Finding
from xltools.rules.result import FileResult


def _keys(result: FileResult) -> list[str]:
    code = (result.report.meta.get("credit_code") or "").strip().upper()
    return [k for k in (code and f"code:{code}", result.unit and f"name:{fold_name(result.unit)}") if k]


def _usable(result: FileResult, last: FileResult) -> Finding | None:
    """Why `last` cannot be compared with `result`, or None."""
    where = {"found": last.path.name}
    if last.unreadable is not None:
        reason = last.findings[0].message() if last.findings else last.unreadable
        return Finding("W8", "unreadable", params=where | {"detail": reason})
    year = result.year
    if isinstance(year, int) and last.year != year - 1:
        return Finding("W8", "year", expected=year - 1, actual=last.year, params=where)
    mine, theirs = _keys(result), _keys(last)
    same_code = any(k.startswith("code:") for k in mine) and any(k.startswith("code:") for k in theirs)
    if (same_code and not set(mine) & {k for k in theirs if k.startswith("code:")}) or not set(mine) & set(theirs):
        return Finding("W8", "unit", expected=result.unit, actual=last.unit, params=where)
    return None


def _unread(last: FileResult) -> list[Finding]:
    """Sheets of last year's report that could not be read: those comparisons are
    not made, and the checked file says which."""
    sheets = sorted({f.sheet for f in last.findings if f.rule in ("S3", "S4") and f.sheet}
                    | {f.params.get("detail") for f in last.findings if f.rule == "S3"} - {None})
    return [Finding("W8", "structure", params={"found": last.path.name, "detail": s}) for s in sheets]


def match_previous(results: list[FileResult], previous: list[FileResult]) -> list[FileResult | None]:
    """Last year's report of each result (None where there is none it can use), and
    a W8 finding on each result whose comparison cannot be made in full."""
    readable = [p for p in previous if p.report is not None]
    by_key: dict[str, FileResult] = {}
    for p in readable:
        for key in _keys(p):
            by_key.setdefault(key, p)
    out: list[FileResult | None] = []
    for r in results:
        if r.report is None:
            out.append(None)
            continue
        if len(results) == 1 and len(previous) == 1:
            last = previous[0]  # one file, one previous report: it is meant to be this unit's
        else:
            last = next((by_key[k] for k in _keys(r) if k in by_key), None)
        problem = Finding("W8", "none") if last is None else _usable(r, last)
        if problem is not None:
            r.findings.append(problem)
            out.append(None)
            continue
        r.findings.extend(_unread(last))
        out.append(last)
    return out
