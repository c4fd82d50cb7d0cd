"""Consolidate units' workbooks into one summary that is itself a valid report, and
keep the trail: who was merged, who was excluded and why, who is missing.

read (worker processes) → per-file checks (in the workers) → arithmetic of all
inputs at once → statuses → exact sums → the summary workbook.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path

from xltools.commands.inputs import Skipped
from xltools.commands.roster import Roster, RosterNote, RosterUnit
from xltools.model.codes import fold_name, similarity
from xltools.model.errors import UserError
from xltools.model.report import Report
from xltools.model.schema import load_summary, words
from xltools.model.totals import add_up
from xltools.rules.batch import Inspected, inspect_all
from xltools.rules.check import judge
from xltools.rules.result import FileResult, Scratch
from xltools.xlsx.layout import load_layout


@dataclass
class Submission(Inspected):
    """An input as merge weighs it: what the worker read, and what merge decides of it."""

    status: str | None = None  # a key of summary.yaml's status, once decided
    reason: str | None = None  # why, where the findings do not say it
    reason_params: dict = field(default_factory=dict)  # what the reason's words name
    hint: str | None = None  # a roster unit whose name nearly agrees
    roster_index: int | None = None  # its place on the roster, for the order of 上报情况
    shown_as: str = ""  # the name its sender gave it, when read from elsewhere (the desk keeps files by hash)

    @classmethod
    def of(cls, read: Inspected) -> "Submission":
        return cls(**{f.name: getattr(read, f.name) for f in fields(Inspected)})

    @property
    def file(self) -> str:
        """The file as 上报情况, 质量评分 and 来源 name it."""
        return self.shown_as or str(self.path)


@dataclass
class Unread:
    """A file found among the inputs and left unread (not a workbook, a lock file …):
    listed in 上报情况 and 来源 with why, on the row of the roster unit its name names
    when that unit sent nothing else (as received, but unreadable), else on its own."""

    skip: Skipped
    roster_index: int | None = None
    status: str = "skipped"
    size: int | None = None
    sha256: str = ""
    modified: str = ""
    for_unit: bool = False  # on the row of a roster unit that sent nothing else

    @property
    def path(self) -> Path:
        return self.skip.path

    @property
    def shown(self) -> str:
        return self.path.stem


@dataclass
class Missing:
    """A roster unit with no submission read: none at all, or only files that could
    not be read (`files`)."""

    unit: RosterUnit
    hint: str | None = None  # an input whose name nearly agrees
    roster_index: int | None = None
    status: str = "missing"  # a key of summary.yaml's status: the review desk says "not approved"
    reason: str = "missing"  # a key of summary.yaml's reasons, and what its words name
    reason_params: dict = field(default_factory=dict)
    files: list[Unread] = field(default_factory=list)  # what the unit sent that could not be read


@dataclass
class MergeResult:
    unit: str
    year: int | None
    submissions: list[Submission]
    missing: list[Missing] = field(default_factory=list)
    skipped: list[Unread] = field(default_factory=list)
    summary: Report | None = None
    roster_notes: list[RosterNote] = field(default_factory=list)
    roster: list[RosterUnit] | None = None  # the units that must report, for their 类型
    unwritten: str | None = None  # why xltools.merge wrote no summary: "nothing" added up, "strict" (a key of words)
    last: FileResult | None = None  # last year's summary, when the one written was set against it

    @property
    def merged(self) -> list[Submission]:
        return [s for s in self.submissions if s.status == "merged"]

    @property
    def excluded(self) -> list[Submission]:
        return [s for s in self.submissions if s.status not in ("merged", *PASSED_OVER)]

    @property
    def passed_over(self) -> list[Submission]:
        """Inputs left out because other inputs stand for their units: a summary of units
        that are all here, a byte-identical copy, the file the roster's code did not pick."""
        return [s for s in self.submissions if s.status in PASSED_OVER]


PASSED_OVER = ("skipped", "copy", "not_taken")  # statuses of summary.yaml


class MergeError(UserError):
    prefix = "merge_"


class YearTie(MergeError):
    """The inputs report different years equally often: `years` is [(year, how many)]."""

    def __init__(self, years: list[tuple[int, int]]):
        super().__init__("year_tie", years=years)

    def message(self, lang: str = "zh") -> str:
        w = words(lang)
        tied = w["list_separator"].join(w["merge_year_count"].format(year=y, n=n) for y, n in self.params["years"])
        return w["merge_year_tie"].format(years=tied)


def _decide_year(subs: list[Submission], year: int | None) -> int | None:
    """The year given, else the year most inputs report; a tie is not decided here."""
    if year is not None:
        return year
    years = Counter(s.result.year for s in subs if s.result.report and isinstance(s.result.year, int)
                    and not s.result.errors and s.status != "copy").most_common()
    if len(years) > 1 and years[0][1] == years[1][1]:
        raise YearTie([(y, n) for y, n in years if n == years[0][1]])
    return years[0][0] if years else None


def natural(name: str) -> list:
    """第2镇 before 第10镇: digits (full-width too) compared as numbers."""
    import re
    import unicodedata

    parts = re.split(r"(\d+)", unicodedata.normalize("NFKC", name or ""))
    return [(1, int(x)) if x.isdigit() else (0, x) for x in parts if x]


def row_order(result: MergeResult) -> list:
    """Inputs and missing roster units as 上报情况 lists them: in roster order where
    there is a roster, the rest after, by name in natural order."""
    rows = [(s.roster_index, s.shown, s) for s in result.submissions] + \
           [(m.roster_index, m.unit.name, m) for m in result.missing] + \
           [(u.roster_index, u.shown, u) for u in result.skipped if not u.for_unit]
    return [x for _, _, x in sorted(rows, key=lambda r: (r[0] is None, r[0] or 0, natural(r[1])))]


_NUMBERS = frozenset(f.id for f in load_layout().format.numeric_fields())


def _statuses(subs: list[Submission], year: int | None, roster: list[RosterUnit] | None,
              chosen: list[RosterUnit] = ()) -> None:
    """The status of each input not yet a copy of another (_copies); `chosen` as merge's."""
    for s in subs:
        if s.status is not None:
            continue
        if s.result.unreadable is not None:
            s.status = "unreadable"
        elif s.result.errors:
            s.status = "errors"
        elif s.result.not_imported & _NUMBERS:  # blank, not 0: adding them up would lose what the unit reported
            s.status = "incomplete"
        elif s.result.year != year:
            s.status, s.reason = "year", "year"
    _own_summaries(subs)
    codes = {u.code: fold_name(u.name) for u in (roster if roster is not None else chosen) if u.code}
    codes = codes if roster is not None or chosen else None
    if roster is not None:
        names = {fold_name(u.name) for u in roster if u.name}
        for s in subs:
            if s.status is None and s.code not in codes and s.key not in names:
                s.status, s.reason = "not_on_roster", "roster"
    _duplicates(subs, codes, "roster" if roster is not None else "listed")
    for s in subs:
        if s.status is None:
            s.status = "merged"


def _keys(units) -> set[tuple[str, str]]:
    """What identifies the units an input stands for: codes, and folded names."""
    return {("code", code) for code, _ in units if code} | {("name", fold_name(name)) for _, name in units if name}


def _own_summaries(subs: list[Submission]) -> None:
    """A summary saved into the inbox among the reports it was made from adds
    nothing: when every unit it contains is also there on its own, it is skipped."""
    alone = set().union(*(_keys(s.units) for s in subs if not s.is_summary and s.result.report is not None))
    for s in subs:
        if s.status is None and s.is_summary and all(_keys([u]) & alone for u in s.units):
            s.status, s.reason = "skipped", "own_summary"


def _copies(subs: list[Submission]) -> None:
    """Byte-identical reports are one submission (a copy saved beside the first, "… -
    副本.xlsx"): the one with the shortest name is read, the others name it. Files
    that cannot be read stay each its own (two empty files are two units' failures)."""
    same: dict[str, list[Submission]] = defaultdict(list)
    for s in subs:
        if s.sha256 and s.result.report is not None:
            same[s.sha256].append(s)
    for group in (g for g in same.values() if len(g) > 1):
        kept = min(group, key=lambda s: (len(s.path.name), str(s.path)))
        for s in group:
            if s is not kept:
                s.status, s.reason, s.reason_params = "copy", "copy", {"other": kept.shown_as or kept.path.name}


def _picked(group: list[Submission], codes: dict[str, str] | None) -> Submission | None:
    """Of one unit's files, the only one whose code is on the roster, for the unit its
    name names, when the others' codes are on it nowhere (a mistyped code corrected in
    a resubmission). `codes`: the roster's codes and the folded names they belong to."""
    if codes is None or any(s.is_summary for s in group):
        return None
    on = [s for s in group if s.code in codes]
    if len(on) != 1:
        return None
    name = codes[on[0].code]
    return on[0] if not name or not on[0].key or name == on[0].key else None


def _duplicates(subs: list[Submission], codes: dict[str, str] | None = None, source: str = "roster") -> None:
    """Inputs that stand for the same unit (the same code, or the same name as
    clerks type it, whatever their codes), or summaries that share units. Where the
    roster's codes (`codes`; `source`: roster, or the units a summary lists) pick
    exactly one, it is taken and the others say why;
    else all of them are excluded, none preferred, each naming the others."""
    groups: dict[int, int] = {}  # union-find over the inputs still in

    def root(i: int) -> int:
        while groups[i] != i:
            i = groups[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i, s in enumerate(subs):
        if s.status is None:
            groups[i] = i
            for key in _keys(s.units):
                if key in first:
                    groups[root(i)] = root(first[key])
                else:
                    first[key] = i
    members: dict[int, list[int]] = defaultdict(list)
    for i in groups:
        members[root(i)].append(i)
    for group in (g for g in members.values() if len(g) > 1):
        picked = _picked([subs[i] for i in group], codes)
        if picked is not None:
            for s in (subs[i] for i in group if subs[i] is not picked):
                s.status, s.reason = "not_taken", f"{source}_code" if s.code else f"{source}_no_code"
                s.reason_params = {"code": s.code, "roster": picked.code, "taken": picked.path.name}
            continue
        for i in group:
            s = subs[i]
            # the inputs this one shares a unit with: the whole group is excluded, but
            # each names only its own clashes
            others = [subs[j] for j in group if j != i and _keys(subs[j].units) & _keys(s.units)]
            theirs = set().union(*(_keys(o.units) for o in others))
            s.status, s.reason = "duplicate", _clash(s, others)
            s.reason_params = {
                "others": _some([o.path.name for o in others]),
                "codes": "；".join(f"{x.path.name}：{x.code or '—'}" for x in [s, *others]),
                "units": _some(sorted(name or code for code, name in s.units if _keys([(code, name)]) & theirs)),
            }


def _some(names: list[str], most: int = 5) -> str:
    shown = "、".join(names[:most])
    return shown if len(names) <= most else shown + words("zh")["and_more"].format(n=len(names))


def _clash(s: Submission, others: list[Submission]) -> str:
    if s.is_summary:
        return "summary_overlap"
    if any(o.is_summary for o in others):
        return "contained"
    codes = {x.code for x in [s, *others]}
    if len(codes) == 1:
        return "same_code" if s.code else "same_name"
    return "same_name_other_code" if "" not in codes else "same_name_one_code"


class _RosterIndex:
    """The roster looked up by credit code and by folded name (the first unit in roster
    order for each): a county's hundreds of inputs against its hundreds of units."""

    def __init__(self, roster: list[RosterUnit]):
        self.roster = roster
        self.folded = [fold_name(u.name) if u.name else "" for u in roster]
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        for i, (u, folded) in enumerate(zip(roster, self.folded)):
            if u.code:
                self.by_code.setdefault(u.code, i)
            if folded:
                self.by_name.setdefault(folded, i)

    def match(self, sub: Submission) -> int | None:
        """The place on the roster of the unit an input stands for; an unreadable file
        by its file name."""
        if sub.result.report is not None:
            found = [i for i in (self.by_code.get(sub.code) if sub.code else None, self.by_name.get(sub.key))
                     if i is not None]
            return min(found, default=None)
        return self.named(sub.path)

    def named(self, path: Path) -> int | None:
        return unit_named(path, [u.name for u in self.roster], self.folded)


def unit_named(path: Path, names: list[str], folded: list[str] | None = None) -> int | None:
    """The place in `names` of the unit a file's name contains (示例县教育局.xls and
    示例县教育局2023年报.pdf are 示例县教育局's, though neither can be read); the longest
    name where several do. `folded`: the names folded, where the caller keeps them."""
    stem = fold_name(path.stem)
    folded = folded if folded is not None else [fold_name(n) for n in names]
    named = [i for i, f in enumerate(folded) if len(f) >= 4 and f in stem]
    return max(named, key=lambda i: len(names[i]), default=None)


def _code_notes(subs: list[Submission], roster: list[RosterUnit]) -> list[RosterNote]:
    """A roster unit found by its name whose code differs from the workbook's: one of
    the two codes is wrong, and merge tells units apart by them (a file the roster's
    code did not pick says so itself)."""
    out = []
    for s in subs:
        unit = roster[s.roster_index] if s.result.report is not None and s.roster_index is not None \
            and s.status != "not_taken" else None
        if unit is not None and unit.code and s.code and unit.code != s.code:
            out.append(RosterNote("code", {"name": unit.name, "roster": unit.code, "found": s.code,
                                           "file": s.path.name}))
    return out


def _missing(subs: list[Submission], roster: list[RosterUnit] | None, unread: list[Unread]) -> list[Missing]:
    """The roster's units without an input; on the way, each input's place on the
    roster. A unit that sent only files that are no workbook (its name in theirs) is
    not missing: it is listed with them, as received but unreadable."""
    if roster is None:
        return []
    index = _RosterIndex(roster)
    keys = set().union(*(_keys(s.units) for s in subs if s.result.report is not None))
    for s in subs:
        s.roster_index = index.match(s)
    for u in unread:
        u.roster_index = index.named(u.path)
    matched = {s.roster_index for s in subs if s.result.report is None and s.roster_index is not None}
    missing = [Missing(u, roster_index=i) for i, u in enumerate(roster)
               if i not in matched and not (_keys([(u.code, u.name)]) & keys)]
    for m in missing:
        m.files = [u for u in unread if u.roster_index == m.roster_index]
        if m.files:
            m.status, m.reason = "unreadable", "unread"
            for u in m.files:
                u.for_unit = True
    _near_matches(subs, [m for m in missing if not m.files])
    return missing


def _near_matches(subs: list[Submission], missing: list[Missing]) -> None:
    """An input not on the roster and a roster unit not submitted whose names nearly
    agree are probably one unit written two ways: each row names the other."""
    threshold = load_summary().near_match
    for s in (s for s in subs if s.status == "not_on_roster"):
        scored = [(similarity(s.key, fold_name(m.unit.name)), m) for m in missing if m.unit.name]
        best = max(scored, key=lambda x: x[0], default=(0, None))
        if best[0] >= threshold:
            s.hint, best[1].hint = best[1].unit.name, s.shown


def _unread(skipped: list[Skipped]) -> list[Unread]:
    """The files left unread, with what 来源 records of each (what can be known)."""
    import hashlib
    from datetime import datetime

    out = []
    for skip in skipped:
        u = Unread(skip)
        try:
            u.size = skip.path.stat().st_size
            u.modified = datetime.fromtimestamp(skip.path.stat().st_mtime).isoformat(timespec="seconds")
            u.sha256 = hashlib.sha256(skip.path.read_bytes()).hexdigest()
        except OSError:  # a folder that cannot be opened, a file Excel holds locked
            pass
        out.append(u)
    return out


def merge(paths: list[Path], unit: str, year: int | None = None, roster: Roster | None = None,
          jobs: int | None = None, skipped: list[Skipped] = (), progress=None,
          chosen: list[RosterUnit] = (), names: list[str] | None = None) -> MergeResult:
    """`chosen`: units whose codes pick between two files of one unit as a roster's do,
    without leaving out the inputs not among them (compare: the units a summary says
    it added up, so that its sum is made as the summary's was). `names`: how to name
    each of `paths` to the reader, when not by its path (the desk's stored versions)."""
    layout = load_layout()
    read = inspect_all(paths, jobs, progress, contents=load_summary().sheets.units.name)
    subs = [Submission.of(r) for r in read]
    for s, name in zip(subs, names or []):
        s.shown_as = name
    judge([s.result for s in subs], [None] * len(subs), layout)
    for s in subs:  # what the checks worked with (the numbers as floats, the texts as T5 compared them)
        s.result.scratch = Scratch()
    _copies(subs)
    year = _decide_year(subs, year)
    units = roster.units if roster is not None else None
    _statuses(subs, year, units, chosen)
    unread = _unread(list(skipped))
    result = MergeResult(unit, year, subs, _missing(subs, units, unread), unread, roster=units)
    if roster is not None:
        result.roster_notes = roster.notes + _code_notes(subs, units)
    if result.merged:
        values = add_up(layout.format, [s.result.report for s in result.merged])
        result.summary = Report(meta={"unit": unit, "year": year}, values=values)
    return result
