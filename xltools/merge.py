"""Consolidate units' workbooks into one summary that is itself a valid report, and
keep the trail: who was merged, who was excluded and why, who is missing.

read (worker processes) → per-file checks (in the workers) → arithmetic of all
inputs at once → statuses → exact sums → the summary workbook.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from xltools.check import FileResult, check_cells, file_warnings, judge
from xltools.layout import load_layout
from xltools.reader import ReadError, read_cells
from xltools.report import Report
from xltools.roster import RosterUnit
from xltools.schema import load_summary
from xltools.totals import complete


@dataclass
class Submission:
    """One input as a worker saw it: its check result and where it came from."""

    path: Path
    result: FileResult
    size: int = 0
    sha256: str = ""
    modified: str = ""
    template_version: str = ""
    units: tuple[tuple[str, str], ...] = ()  # (credit code, name) of every unit it stands for
    is_summary: bool = False  # a summary of other units (it has the units sheet)
    status: str | None = None  # a key of summary.yaml's status, once decided
    reason: str | None = None  # why, where the findings do not say it

    @property
    def code(self) -> str:
        return ((self.result.report.meta.get("credit_code") if self.result.report else None) or "").strip().upper()

    @property
    def name(self) -> str:
        """The unit's name, for matching; `shown` is as the unit wrote it."""
        return (self.result.unit or "").strip() if self.result.report else ""

    @property
    def shown(self) -> str:
        return (self.result.unit if self.result.report else None) or self.path.stem


def _units(cells) -> tuple[tuple[str, str], ...] | None:
    """The units a summary contains (its units sheet), or None for a unit's own report."""
    rows = cells.extra.get(load_summary()["sheets"]["units"]["name"])
    if rows is None:
        return None
    return tuple((str(r[0] or "").strip().upper(), str(r[1] or "").strip()) for r in rows if any(r))


def inspect(path: Path) -> Submission:
    """Read and check one input; runs in a worker process. Nothing it meets in a file
    escapes as an exception: a file that cannot be read is a result too."""
    path = Path(path)
    try:
        stat = path.stat()
        data = path.read_bytes()
        info = dict(size=stat.st_size, sha256=hashlib.sha256(data).hexdigest(),
                    modified=datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds"))
    except OSError as exc:
        return Submission(path, FileResult(path, error=f"{path}: {exc.strerror or exc}"))
    layout = load_layout()
    try:
        cells = read_cells(path, layout, extra=(load_summary()["sheets"]["units"]["name"],), data=data)
        result = check_cells(path, cells, layout)
        result.findings[:0] = file_warnings(path)
    except ReadError as exc:
        return Submission(path, FileResult(path, error=str(exc), findings=[exc.finding]), **info)
    except Exception as exc:  # a hostile file must exclude itself only, never stop the merge
        return Submission(path, FileResult(path, error=f"{path}: {type(exc).__name__}: {exc}"), **info)
    contained = _units(cells)
    sub = Submission(path, result, template_version=cells.stamp.get("template_version", ""),
                     is_summary=contained is not None, **info)
    sub.units = contained if contained is not None else ((sub.code, sub.name),)
    return sub


def _inspect_many(paths: list[Path]) -> list[Submission]:
    return [inspect(p) for p in paths]


def _crashed(path: Path) -> Submission:
    from xltools.findings import Finding

    finding = Finding("F7", "crashed")
    return Submission(path, FileResult(path, error=f"{path}: {finding.message()}", findings=[finding]))


def inspect_all(paths: list[Path], jobs: int | None = None,
                progress: Callable[[int], None] | None = None) -> list[Submission]:
    """Inspect every input, in worker processes. A worker that dies on a file (a
    parser's abort) takes only that file with it: the batches it was running are
    split and run again in a fresh pool until the file is alone, and excluded."""
    jobs = jobs or os.cpu_count() or 1
    done: list[Submission | None] = [None] * len(paths)

    def record(indices, subs):
        for i, sub in zip(indices, subs):
            done[i] = sub
        if progress:
            progress(len(indices))

    if jobs == 1 or len(paths) < 2 * jobs:
        for i, p in enumerate(paths):
            record([i], [inspect(p)])
        return done
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = max(1, min(64, len(paths) // (jobs * 8)))
    batches = [list(range(i, min(i + size, len(paths)))) for i in range(0, len(paths), size)]
    while batches:
        failed = []
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [(b, pool.submit(_inspect_many, [paths[i] for i in b])) for b in batches]
            for batch, future in futures:
                try:
                    record(batch, future.result())
                except BrokenProcessPool:
                    failed.append(batch)
        batches = []
        for batch in failed:
            if len(batch) == 1:  # it may only have shared a pool with the culprit: try it alone
                record(batch, [_alone(paths[batch[0]])])
            else:
                batches += [batch[: len(batch) // 2], batch[len(batch) // 2:]]
    return done


def _alone(path: Path) -> Submission:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_inspect_many, [path]).result()[0]
        except BrokenProcessPool:
            return _crashed(path)


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
