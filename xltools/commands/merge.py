"""Consolidate units' workbooks into one summary that is itself a valid report, and
keep the trail: who was merged, who was excluded and why, who is missing.

read (worker processes) → per-file checks (in the workers) → arithmetic of all
inputs at once → statuses → exact sums → the summary workbook.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.commands.roster import RosterUnit
from xltools.model.report import Report
from xltools.model.totals import complete
from xltools.rules.batch import Submission, inspect_all
from xltools.rules.check import judge
from xltools.xlsx.layout import load_layout


@dataclass
class Missing:
    """A roster unit with no submission."""

    unit: RosterUnit


@dataclass
class MergeResult:
    unit: str
    year: int | None
    submissions: list[Submission]
    missing: list[Missing] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    summary: Report | None = None

    @property
    def merged(self) -> list[Submission]:
        return [s for s in self.submissions if s.status == "merged"]

    @property
    def excluded(self) -> list[Submission]:
        return [s for s in self.submissions if s.status != "merged"]


def _decide_year(subs: list[Submission], year: int | None) -> int | None:
    if year is not None:
        return year
    years = Counter(s.result.year for s in subs if s.result.report and isinstance(s.result.year, int)
                    and not s.result.errors)
    return years.most_common(1)[0][0] if years else None


def _statuses(subs: list[Submission], year: int | None, roster: list[RosterUnit] | None) -> None:
    for s in subs:
        if s.result.error is not None:
            s.status, s.reason = "errors", "unreadable"
        elif s.result.errors:
            s.status = "errors"
        elif s.result.year != year:
            s.status, s.reason = "year", "year"
    if roster is not None:
        codes, names = {u.code for u in roster if u.code}, {u.name for u in roster if u.name}
        for s in subs:
            if s.status is None and s.code not in codes and s.name not in names:
                s.status, s.reason = "not_on_roster", "roster"
    # Two inputs standing for the same unit: same code, or same name where a code is
    # blank; a summary stands for every unit it contains. Neither is preferred.
    by_code: dict[str, set[int]] = defaultdict(set)
    by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, s in enumerate(subs):
        if s.status is None:
            for code, name in set(s.units):
                if code:
                    by_code[code].add(i)
                if name:
                    by_name[name].append((i, code))
    clashes = [(group, "same_code") for group in by_code.values() if len(group) > 1]
    clashes += [({i for i, _ in entries}, "same_name") for entries in by_name.values()
                if len({i for i, _ in entries}) > 1 and any(not code for _, code in entries)]
    for group, reason in clashes:
        if any(subs[i].is_summary for i in group):
            reason = "contained"
        for i in group:
            subs[i].status, subs[i].reason = "duplicate", subs[i].reason or reason
    for s in subs:
        if s.status is None:
            s.status = "merged"


def _missing(subs: list[Submission], roster: list[RosterUnit] | None) -> list[Missing]:
    if roster is None:
        return []
    seen_codes = {code for s in subs for code, _ in s.units if code} | {s.code for s in subs if s.code}
    seen_names = {name for s in subs for _, name in s.units if name} | {s.name for s in subs if s.name}
    return [Missing(u) for u in roster
            if not ((u.code and u.code in seen_codes) or (u.name and u.name in seen_names))]


def add_up(reports: list[Report]) -> dict[str, Any]:
    """The sum of every detail, exactly (money as Decimal), totals recomputed."""
    fmt = load_layout().format
    sums: dict[str, Any] = {}
    for f in fmt.numeric_fields():
        if f.kind != "total":
            sums[f.id] = sum((r.values.get(f.id) or 0 for r in reports), 0)
    return complete(fmt, {**sums, **{f.id: None for f in fmt.totals()}})


def merge(paths: list[Path], unit: str, year: int | None = None, roster: list[RosterUnit] | None = None,
          jobs: int | None = None, skipped: list[Path] = (), progress=None) -> MergeResult:
    layout = load_layout()
    subs = inspect_all(paths, jobs, progress)
    judge([s.result for s in subs], [None] * len(subs), layout)
    year = _decide_year(subs, year)
    _statuses(subs, year, roster)
    result = MergeResult(unit, year, subs, _missing(subs, roster), list(skipped))
    if result.merged:
        values = add_up([s.result.report for s in result.merged])
        result.summary = Report(meta={"unit": unit, "year": year}, values=values)
    return result
