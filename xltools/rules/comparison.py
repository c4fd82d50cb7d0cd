"""Rules between two reports (xltools compare): a unit's report against its own of
the year before (C1–C4), two versions of one report, such as the approved workbook
and the published page (P1, P2), and a summary against the sum of its units (U1).
Each finding points at the NEW report's cells; thresholds and words are in
schemas/rules.yaml."""
from __future__ import annotations

import difflib
import itertools
import re
from decimal import Decimal

from xltools.model.codes import similarity
from xltools.model.findings import Finding
from xltools.model.report import Report
from xltools.model.schema import load_rules
from xltools.model.totals import add_up, is_number
from xltools.model.values import plain_text
from xltools.rules.arithmetic import equation_findings
from xltools.rules.copying import normalised
from xltools.rules.quality import boilerplate
from xltools.rules.result import FileResult
from xltools.xlsx.layout import Layout


def carry_over(pairs: list[tuple[FileResult, FileResult]], layout: Layout) -> list[list[Finding]]:
    """For each (last year, this year): the equations against last year's report (W1,
    W2), judged by the same code as `check --previous`; a carry-over that does not
    follow is C1, an error, since one of two published reports must be wrong."""
    rules = load_rules()
    carried = {r.check["from"]: r.id for r in rules.values() if r.check["type"] == "carry"}
    against = {r.id for r in rules.values() if r.check["type"] == "previous"}
    found = equation_findings([new for _, new in pairs], [old for old, _ in pairs], layout, only=against)
    out: list[list[Finding]] = [[] for _ in pairs]
    for i, f in found:
        if f.rule in carried:
            f = Finding(carried[f.rule], f.case, f.fields, f.cells, f.expected, f.actual, f.params)
        out[i].append(f)
    return out


def _ratio(a, b) -> str:
    return format((Decimal(a) / Decimal(b)).quantize(Decimal("0.1")), "f")


def jumps(old: Report, new: Report, layout: Layout) -> list[Finding]:
    """C2: figures that grew or shrank by the factor, or fell to 0, where the larger
    of the two reaches the threshold (so that 1 → 5 is no jump)."""
    check = load_rules()["C2"].check
    factor, least = check["factor"], check["at_least"]
    out = []
    for f in layout.format.numeric_fields():
        a, b = old.values.get(f.id), new.values.get(f.id)
        if not (is_number(a) and is_number(b)) or max(a, b) < least or a == b:
            continue
        if b == 0:
            case, ratio = "zero", ""
        elif a == 0:
            case, ratio = "new", ""
        elif b >= a * factor:
            case, ratio = "up", _ratio(b, a)
        elif a >= b * factor:
            case, ratio = "down", f"1/{_ratio(a, b)}"
        else:
            continue
        out.append(Finding("C2", case, fields=[f.id], cells=[layout.cells[f.id].address], expected=a, actual=b,
                           params={"label": f.label, "ratio": ratio}))
    return out


def repeated(old: Report, new: Report, layout: Layout) -> list[Finding]:
    """C3: text sections nearly the same as last year's, compared as T5 compares two
    units' texts: without the sentences every report writes every year, the unit's
    own name, and with every number 0 (this year's figures in last year's words are
    still last year's text). Last year's text as merge drafted it is not the unit's
    own writing, so nothing repeats it (this year's draft follows the same pattern);
    once the county has edited it, it is compared as any text."""
    check, common = load_rules()["C3"].check, boilerplate("T5")
    out = []
    for f in layout.format.text_fields():
        if f.id in old.drafted:
            continue
        a, b = (normalised(r.text.get(f.id) or "", r.unit, common) for r in (old, new))
        if min(len(a), len(b)) < check["min_length"]:
            continue
        share = similarity(a, b)
        if share >= check["similarity"]:
            out.append(Finding("C3", "repeated", fields=[f.id], cells=[layout.cells[f.id].address],
                               actual=round(share * 100), params={"label": f.label, "share": round(share * 100)}))
    return out


def _grams(text: str, n: int, common: list[str]) -> set[str]:
    chinese = "".join(re.findall(r"[\u4e00-\u9fff]+", text))
    for phrase in common:
        chinese = chinese.replace(phrase, "|")
    return {chinese[i:i + n] for i in range(len(chinese) - n + 1) if "|" not in chinese[i:i + n]}


def unanswered(old: Report, new: Report, layout: Layout) -> list[Finding]:
    """C4: this year's 五 shares no run of characters with last year's, other than
    what every such section writes."""
    check = load_rules()["C4"].check
    fid = check["text"]
    before, now = (_grams(r.text.get(fid) or "", check["gram"], check["common"]) for r in (old, new))
    if not before or not now or before & now:
        return []
    f = layout.format.fields[fid]
    return [Finding("C4", "unanswered", fields=[fid], cells=[layout.cells[fid].address], params={"label": f.label})]


def changed_numbers(old: Report, new: Report, layout: Layout, unread: frozenset[str] = frozenset()) -> list[Finding]:
    """P1: every number that differs between two versions of one report; a cell
    the import of a document could not read says nothing either way."""
    out = []
    for f in layout.format.numeric_fields():
        a, b = old.values.get(f.id), new.values.get(f.id)
        if f.id in unread or a == b or (a in (None, 0) and b in (None, 0)):
            continue
        out.append(Finding("P1", "changed", fields=[f.id], cells=[layout.cells[f.id].address], expected=a, actual=b,
                           params={"label": f.label}))
    return out


_SENTENCE = re.compile(r"(?<=[。；;！？!?])")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(plain_text(text)) if s]


def _short(text: str, keep: int) -> str:
    return text if len(text) <= 2 * keep else f"{text[:keep]}…{text[-keep:]}"


def _marks(before: str, after: str, most: int) -> str:
    """The characters of `before` and `after` in common, with [-removed-] and {+added+}
    marked; texts longer together than `most` are shown removed and added whole, each
    shortened, since a character diff costs the product of their lengths."""
    if len(before) + len(after) > most:
        return (f"[-{_short(before, most // 4)}-]" if before else "") + \
            (f"{{+{_short(after, most // 4)}+}}" if after else "")
    marks = []
    for op, k1, k2, m1, m2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            marks.append(_short(before[k1:k2], 6))
        else:
            marks.append((f"[-{before[k1:k2]}-]" if k2 > k1 else "") + (f"{{+{after[m1:m2]}+}}" if m2 > m1 else ""))
    return "".join(marks)


def _places(a: list[str], b: list[str], most: int):
    """Each changed place as the text before and after it: a run of sentences changed
    together, or, where such a run is longer than `most`, each of its sentences
    against the one in the same position (an edit of many sentences is as many places)."""
    # difflib's autojunk (from 200 sentences on) takes a sentence repeated in more than one
    # in a hundred as junk: without it, a text of one sentence repeated costs the square of its length
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if tag == "equal":
            continue
        before, after = a[i1:i2], b[j1:j2]
        if tag != "replace" or sum(map(len, before + after)) <= most:
            yield "".join(before), "".join(after)
        else:
            yield from ((x, y) for x, y in itertools.zip_longest(before, after, fillvalue="") if x != y)


def sentence_diff(old: str, new: str, limit: int = 3) -> tuple[str, int]:
    """The first `limit` changed places, each as its characters in common with
    [-removed-] and {+added+} marked, shortened around the change; and how many
    places changed. Only the places shown are diffed by character, each at most
    P2's `max_chars` long, so the cost grows with the text, not with its square."""
    most = load_rules()["P2"].check["max_chars"]
    places = _places(_sentences(old), _sentences(new), most)
    shown = [_marks(before, after, most) for before, after in itertools.islice(places, limit)]
    return " / ".join(shown), len(shown) + sum(1 for _ in places)


def changed_text(old: Report, new: Report, layout: Layout) -> list[Finding]:
    """P2: text sections that differ (spaces, full/half width and quotes aside)."""
    out = []
    for f in layout.format.text_fields():
        a, b = old.text.get(f.id) or "", new.text.get(f.id) or ""
        if plain_text(a) == plain_text(b):
            continue
        diff, n = sentence_diff(a, b)
        out.append(Finding("P2", "changed", fields=[f.id], cells=[layout.cells[f.id].address],
                           params={"label": f.label, "diff": diff, "n": n}))
    return out


def sum_of_units(summary: Report, units: list[Report], layout: Layout) -> tuple[dict, list[Finding]]:
    """U1: every figure of a summary against the exact sum of its units (merge's
    arithmetic); the sums, and a finding for each figure that differs."""
    sums = add_up(layout.format, units)
    out = []
    for f in layout.format.numeric_fields():
        stated, added = summary.values.get(f.id), sums[f.id]
        if (stated or 0) == added:
            continue
        out.append(Finding("U1", "sum", fields=[f.id], cells=[layout.cells[f.id].address], expected=added,
                           actual=stated, params={"label": f.label, "diff": (stated or 0) - added}))
    return sums, out


def credit_code(result: FileResult) -> str:
    return (result.report.meta.get("credit_code") or "").strip().upper()


def unit_keys(result: FileResult) -> list[str]:
    """What identifies the unit of a report between two folders: its credit code, and
    its name as clerks type it (folded as merge folds names)."""
    from xltools.model.codes import fold_name

    code = credit_code(result)
    return [k for k in (code and f"code:{code}", result.unit and f"name:{fold_name(result.unit)}") if k]


def undecided(side: str, unit: str, files: list[FileResult]) -> Finding:
    """C6: a unit with several files in one folder (old or new) of which no credit
    code decides the one to compare."""
    detail = "；".join(f"{r.path.name}：{credit_code(r) or '—'}" for r in files)
    return Finding("C6", side, params={"found": unit, "n": len(files), "detail": detail})


def missing_units(only_old: list[FileResult]) -> list[Finding]:
    """C5: a unit of last year's folder with no report this year."""
    return [Finding("C5", "missing", params={"found": r.unit, "detail": r.path.name}) for r in only_old]
