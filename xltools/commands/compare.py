"""`xltools compare OLD NEW`: two reports, or two folders of them, side by side.

Each side is a workbook, a document that `xltools import` reads, or a folder. What
is compared follows from the reports' units and years:
  year_over_year  one unit, NEW the year after OLD: carry-over, documents in force,
                  jumps, text repeated, last year's problems addressed (C1–C4, W2)
  same_report     one unit, one year (the approved workbook and the published page):
                  every number and text section that differs (P1, P2)
  folders         units matched by credit code, then by name; each pair as above,
                  the units found on one side only (C5), and every other file with
                  why it was not compared (a copy, not taken, unreadable, skipped)
  summary         OLD a summary, NEW the folder of its units: every figure against
                  the exact sum of the units merge would add up (U1)
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xltools.commands.inputs import DOCUMENT_SUFFIXES, WORKBOOK_SUFFIXES, Inputs, Skipped, expand
from xltools.model.errors import UserError
from xltools.model.findings import Finding, Findings
from xltools.model.report import Report
from xltools.model.schema import load_summary, words
from xltools.rules import comparison
from xltools.rules.batch import inspect_all
from xltools.rules.explanations import explain
from xltools.rules.result import FileResult
from xltools.xlsx.layout import load_layout

KINDS = ("year_over_year", "same_report", "folders", "summary")
ARRIVED = ("unreadable", "duplicate")  # a file of a unit that came, in a form that could not be compared


class CompareError(UserError):
    prefix = "compare_"


@dataclass
class Pair(Findings):
    """Two reports compared: the findings point at NEW's cells."""

    old: FileResult
    new: FileResult
    kind: str  # year_over_year | same_report | summary
    findings: list[Finding] = field(default_factory=list)
    units: list = field(default_factory=list)  # summary: merge's submissions (which units were included)
    unread: list = field(default_factory=list)  # summary: the folder's files that are no workbook (merge's Unread)

    def value(self, side: str, fid: str):
        return getattr(self, side).report.values.get(fid)


@dataclass
class Aside:
    """A file of a folder not compared, and why (`status`): a byte-identical copy of
    another, the file of a unit whose credit code another file matched (not_taken),
    one of two files of a unit that nothing decides between (duplicate), a file that
    cannot be read (unreadable) or was skipped. `of`: the file of the unit it belongs
    to (by its contents, or the unit its name names), None where it names none."""

    path: Path
    status: str
    side: str  # old | new
    of: FileResult | None = None
    findings: list[Finding] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    skipped: Skipped | None = None

    def message(self, lang: str = "zh") -> str:
        if self.skipped is not None:
            return self.skipped.message(lang)
        if self.status == "unreadable":
            return "；".join(f.message(lang) for f in self.findings[:1]) or self.params.get("error", "")
        return words(lang)[f"compare_aside_{self.status}"].format(**self.params)


@dataclass
class Comparison:
    kind: str
    old: Path
    new: Path
    pairs: list[Pair] = field(default_factory=list)
    only_old: list[FileResult] = field(default_factory=list)
    only_new: list[FileResult] = field(default_factory=list)
    apart: list[tuple[FileResult, FileResult]] = field(default_factory=list)  # one unit, years not next to each other
    unreadable: list[FileResult] = field(default_factory=list)  # one report against one: the side that cannot be read
    # folders: the units whose file on the other side arrived but could not be compared
    # (unreadable, or two files nothing decides between), and every file not compared
    received: list[FileResult] = field(default_factory=list)
    asides: list[Aside] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # about the folders, not a pair (C5)

    def asides_of(self, *results: FileResult) -> list[Aside]:
        return [a for a in self.asides if any(a.of is r for r in results)]

    def units_in(self, side: str) -> int:
        """How many units a folder's readable reports stand for: a unit received but not
        compared is on the side other than that of the files that could not be."""
        alone = self.only_old if side == "old" else self.only_new
        received = [r for r in self.received if any(a.side != side and a.status in ARRIVED for a in self.asides_of(r))]
        return len(self.pairs) + len(self.apart) + len(alone) + len(received)

    @property
    def all_findings(self) -> list[Finding]:
        return self.findings + [f for p in self.pairs for f in p.findings]


def _load(paths: list[Path], jobs: int | None) -> list[FileResult]:
    """Workbooks read as check reads them; documents imported into a workbook first
    (in a folder of their own, removed afterwards), so that what the import could
    not read stays unknown rather than 0."""
    from xltools.documents.importer import import_document
    from xltools.documents.sources import DocumentError, read_document

    books = [p for p in paths if p.suffix.lower() in WORKBOOK_SUFFIXES]
    results = {p: s.result for p, s in zip(books, inspect_all(books, jobs))}
    documents = [p for p in paths if p not in results]
    if documents:
        numeric = {f.id for f in load_layout().format.numeric_fields()}
        with tempfile.TemporaryDirectory(prefix="xltools-compare-") as tmp:
            made = {}
            for i, p in enumerate(documents):
                try:
                    imported = import_document(read_document(p))
                except DocumentError as exc:
                    results[p] = FileResult(p, unreadable=exc.message(), findings=[exc.finding])
                    continue
                if numeric <= imported.unread:  # not a figure read: nothing to compare, not "no difference"
                    nothing = Finding("I0", "tables")
                    results[p] = FileResult(p, unreadable=nothing.message(), findings=[nothing, *imported.findings])
                    continue
                made[p] = Path(tmp) / f"{i}.xlsx"
                imported.write(made[p])
            for p, s in zip(made, inspect_all(list(made.values()), jobs)):
                s.result.path = p  # named after the document it came from
                results[p] = s.result
    return [results[p] for p in paths]


def _inputs(path: Path) -> Inputs:
    return expand([path], WORKBOOK_SUFFIXES + DOCUMENT_SUFFIXES)


def _kind(old: FileResult, new: FileResult) -> str | None:
    if not isinstance(old.year, int) or not isinstance(new.year, int):
        return None
    return {1: "year_over_year", 0: "same_report"}.get(new.year - old.year)


def _same_unit(old: FileResult, new: FileResult) -> bool:
    return bool(set(comparison.unit_keys(old)) & set(comparison.unit_keys(new)))


def _judge(pairs: list[Pair], layout) -> None:
    """The rules of each pair's kind; the carry-over of all year-over-year pairs in
    one go, as check judges many files."""
    yearly = [p for p in pairs if p.kind == "year_over_year"]
    for p, found in zip(yearly, comparison.carry_over([(p.old, p.new) for p in yearly], layout)):
        p.findings += found
    for p in pairs:
        old, new = p.old.report, p.new.report
        if p.kind == "year_over_year":
            p.findings += comparison.jumps(old, new, layout) + comparison.repeated(old, new, layout) \
                + comparison.unanswered(old, new, layout)
        elif p.kind == "same_report":
            unread = p.old.not_imported | p.new.not_imported
            p.findings += (comparison.changed_numbers(old, new, layout, unread)
                           + comparison.changed_text(old, new, layout))
        order = {c: i for i, c in enumerate(layout.cells.values())}
        p.findings.sort(key=lambda f: order.get(layout.cells.get(f.fields[0]) if f.fields else None, -1))
        if p.kind == "year_over_year":  # this year's 审核说明 may explain a jump or a rewritten chain
            explain(FileResult(p.new.path, findings=p.findings, report=new))


def compare(old: Path, new: Path, jobs: int | None = None) -> Comparison:
    old, new = Path(old), Path(new)
    layout = load_layout()
    if old.is_dir() and not new.is_dir():
        raise CompareError("folder_first", old=old, new=new)
    if new.is_dir() and not old.is_dir():
        return _summary(old, new, jobs, layout)
    found_old, found_new = _inputs(old), _inputs(new)
    olds, news = _load(found_old.files, jobs), _load(found_new.files, jobs)
    if not old.is_dir():
        if not olds or not news:
            raise CompareError("nothing", path=old if not olds else new)
        result = Comparison("", old, new, unreadable=[r for r in olds + news if r.report is None])
        if result.unreadable:
            return result
        [a], [b] = olds, news
        kind = _kind(a, b)
        if not _same_unit(a, b):
            raise CompareError("units", old=a.unit, new=b.unit)
        if kind is None:
            raise CompareError("years", old=a.year, new=b.year)
        result.kind, result.pairs = kind, [Pair(a, b, kind)]
        _judge(result.pairs, layout)
        return result
    if not olds + found_old.skipped or not news + found_new.skipped:
        raise CompareError("nothing", path=old if not olds + found_old.skipped else new)
    result = Comparison("folders", old, new)
    good_old, good_new = (_without_copies(rs, side, result.asides) for rs, side in ((olds, "old"), (news, "new")))
    matched, only_old, only_new = _match(good_old, good_new, result)
    for a, b in matched:
        kind = _kind(a, b)
        if kind is None:
            result.apart.append((a, b))
        else:
            result.pairs.append(Pair(a, b, kind))
    _judge(result.pairs, layout)
    for rs, found, side in ((olds, found_old, "old"), (news, found_new, "new")):
        result.asides += [Aside(r.path, "unreadable", side, findings=r.findings, params={"error": r.unreadable})
                          for r in rs if r.report is None]
        result.asides += [Aside(s.path, "unreadable" if s.finding else "skipped", side,
                                findings=[s.finding] * bool(s.finding), skipped=s) for s in found.skipped]
    _name_units(result, only_old, only_new)
    # a unit whose file arrived in the other folder, but in a form that could not be compared, is no missing unit
    arrived = {id(a.of) for a in result.asides if a.of is not None and a.status in ARRIVED
               and a.side == ("new" if any(a.of is r for r in only_old) else "old")}
    result.received = [r for r in only_old + only_new if id(r) in arrived]
    result.only_old = [r for r in only_old if id(r) not in arrived]
    result.only_new = [r for r in only_new if id(r) not in arrived]
    result.findings += comparison.missing_units(result.only_old)
    return result


def _without_copies(results: list[FileResult], side: str, asides: list[Aside]) -> list[FileResult]:
    """The reports of one folder read, a byte-identical copy (… - 副本.xlsx) set aside as
    one file with the one of the shortest name."""
    import hashlib

    same: dict[str, list[FileResult]] = {}
    for r in (r for r in results if r.report is not None):
        try:
            same.setdefault(hashlib.sha256(r.path.read_bytes()).hexdigest(), []).append(r)
        except OSError:  # read a moment ago; gone now, it is no copy of anything
            same.setdefault(str(r.path), []).append(r)
    out = []
    for group in same.values():
        kept = min(group, key=lambda r: (len(r.path.name), str(r.path)))
        out.append(kept)
        asides += [Aside(r.path, "copy", side, of=kept, params={"other": kept.path.name})
                   for r in group if r is not kept]
    return out


def _groups(results: list[FileResult]) -> list[list[FileResult]]:
    """One folder's reports by unit: those that share a credit code or a name (folded
    as merge folds names) are one unit's."""
    groups: list[list[FileResult]] = []
    where: dict[str, int] = {}
    for r in results:
        hit = sorted({where[k] for k in comparison.unit_keys(r) if k in where})
        g = hit[0] if hit else len(groups)
        if not hit:
            groups.append([])
        for h in hit[1:]:
            groups[g] += groups[h]
            groups[h] = []
            where.update({k: g for k, v in where.items() if v == h})
        groups[g].append(r)
        where.update({k: g for k in comparison.unit_keys(r)})
    return [g for g in groups if g]


def _match(olds: list[FileResult], news: list[FileResult], result: Comparison):
    """Units of two folders matched by credit code first, then by name; where a unit
    has two files in one folder, the one whose code the other folder's file has is
    compared, the other set aside saying why; where no code decides, neither is."""
    old_groups, new_groups = _groups(olds), _groups(news)
    pairs, taken = [], set()
    for by in ("code", "name"):
        keys = {}
        for i, g in enumerate(old_groups):
            for r in g:
                keys.update({k: i for k in comparison.unit_keys(r) if k.startswith(by) and k not in keys})
        for j, g in enumerate(new_groups):
            if ("new", j) in taken:
                continue
            i = next((keys[k] for r in g for k in comparison.unit_keys(r) if k in keys
                      and ("old", keys[k]) not in taken), None)
            if i is not None:
                taken |= {("old", i), ("new", j)}
                pairs.append((old_groups[i], g))
    matched = []
    for a, b in pairs:
        a1, b1 = _pick(a, b, "old", result), _pick(b, a, "new", result)
        if a1 is not None and b1 is not None:
            matched.append((a1, b1))
        else:  # the unit's files set aside as duplicates, the unit as received but not compared
            matched.append((a1, None) if a1 is not None else (None, b1))
    only_old = [r for i, g in enumerate(old_groups) if ("old", i) not in taken for r in g]
    only_new = [r for j, g in enumerate(new_groups) if ("new", j) not in taken for r in g]
    only_old += [a for a, b in matched if b is None]
    only_new += [b for a, b in matched if a is None]
    return [(a, b) for a, b in matched if a is not None and b is not None], only_old, only_new


def _pick(mine: list[FileResult], theirs: list[FileResult], side: str, result: Comparison) -> FileResult | None:
    """Of one unit's files in one folder, the one to compare: the only one, or the
    only one whose credit code the other folder's file of the unit has; None where
    nothing decides (each set aside naming the others, and C6)."""
    if len(mine) == 1:
        return mine[0]
    codes = {comparison.credit_code(r) for r in theirs} - {""}
    on = [r for r in mine if comparison.credit_code(r) in codes]
    if len(on) == 1:
        result.asides += [Aside(r.path, "not_taken", side, of=on[0], params={
            "code": comparison.credit_code(r) or "—", "taken": on[0].path.name,
            "other": comparison.credit_code(on[0])}) for r in mine if r is not on[0]]
        return on[0]
    of = theirs[0] if len(theirs) == 1 else None
    result.asides += [Aside(r.path, "duplicate", side, of=of, params={
        "others": "、".join(o.path.name for o in mine if o is not r),
        "codes": "；".join(f"{o.path.name}：{comparison.credit_code(o) or '—'}" for o in mine)}) for r in mine]
    result.findings.append(comparison.undecided(side, mine[0].unit, mine))
    return None


def _name_units(result: Comparison, only_old: list[FileResult], only_new: list[FileResult]) -> None:
    """The unit each file set aside without one belongs to, by the unit its name names
    (示例县教育局.xls is 示例县教育局's, though it cannot be read)."""
    from xltools.commands.merge import unit_named

    files = [r for p in result.pairs for r in (p.new, p.old)] + [r for a, b in result.apart for r in (b, a)] \
        + only_old + only_new
    names = [r.unit or "" for r in files]
    for a in result.asides:
        if a.of is None:
            i = unit_named(a.path, names)
            a.of = files[i] if i is not None else None


def last_year(path: Path, unit: str, year: int | None, jobs: int | None = None) -> FileResult:
    """Last year's report of `unit` (a workbook or a document, read as compare reads
    either), for `merge --previous`: one that cannot be read, is another unit's or
    not of the year before `year` is refused."""
    [old] = _load([Path(path)], jobs)
    if old.report is None:
        raise CompareError("previous_unreadable", path=path)
    if not _same_unit(old, FileResult(Path(path), report=Report(meta={"unit": unit}))):
        raise CompareError("previous_unit", path=path, old=old.unit, new=unit)
    if not isinstance(year, int) or old.year != year - 1:
        raise CompareError("previous_year", path=path, old=old.year, new=year)
    return old


def year_over_year(old: FileResult, new: FileResult) -> Comparison:
    """Last year's report and this year's, judged as `xltools compare OLD NEW` does."""
    pair = Pair(old, new, "year_over_year")
    _judge([pair], load_layout())
    return Comparison("year_over_year", old.path, new.path, pairs=[pair])


def _summary(old: Path, folder: Path, jobs: int | None, layout) -> Comparison:
    from xltools.commands.merge import merge
    from xltools.commands.roster import RosterUnit

    if old.suffix.lower() in WORKBOOK_SUFFIXES:
        [read] = inspect_all([old], jobs, contents=load_summary().sheets.units.name)
        summary, contained = read.result, read.units if read.is_summary else ()
    else:
        [summary], contained = _load([old], jobs), ()
    result = Comparison("summary", old, folder)
    if summary.report is None:
        result.unreadable = [summary]
        return result
    # of two files of one unit, the one whose code the summary lists is the one it added up
    # (merge --roster picks it so); the units it does not list are added up all the same
    found = expand([folder])
    merged = merge(found.files, summary.unit or "", summary.year, jobs=jobs, skipped=found.skipped,
                   chosen=[RosterUnit(code, name) for code, name in contained])
    reports = [s.result.report for s in merged.merged]
    if not reports:
        raise CompareError("nothing", path=folder)
    units = FileResult(folder, report=merged.summary)  # the sum of the units, as merge adds them up
    pair = Pair(summary, units, "summary", units=merged.submissions, unread=merged.skipped)
    _, pair.findings = comparison.sum_of_units(summary.report, reports, layout)
    result.pairs = [pair]
    return result
