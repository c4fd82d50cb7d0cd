"""Reading many workbooks at once, as check and merge both do: each file read and
checked in a worker process, with its size, hash and the units it stands for.
Nothing in a file stops the batch: a file that cannot be read is a result too,
and a worker that dies takes only the file it was reading with it."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from xltools.model.codes import fold_name
from xltools.model.findings import Finding
from xltools.rules.check import check_cells, judge
from xltools.rules.previous import match_previous
from xltools.rules.result import FileResult, Results
from xltools.rules.structure import file_warnings
from xltools.xlsx.layout import load_layout
from xltools.xlsx.reader import ReadError, parser_failure, read_cells, read_regular


@dataclass
class Inspected:
    """One input as a worker saw it: its check result and where it came from."""

    path: Path
    result: FileResult
    size: int = 0
    sha256: str = ""
    modified: str = ""
    template_version: str = ""
    units: tuple[tuple[str, str], ...] = ()  # (credit code, name) of every unit it stands for
    is_summary: bool = False  # a summary of other units (it has the sheet `contents` named)

    @property
    def code(self) -> str:
        return self.result.code

    @property
    def name(self) -> str:
        """The unit's name, for matching; `shown` is as the unit wrote it."""
        return (self.result.unit or "").strip() if self.result.report else ""

    @property
    def key(self) -> str:
        """The unit's name as compared: folded, never shown."""
        return fold_name(self.name)

    @property
    def shown(self) -> str:
        return (self.result.unit if self.result.report else None) or self.path.stem


def _units(cells, contents: str | None) -> tuple[tuple[str, str], ...] | None:
    """The units a summary contains (its sheet `contents`), or None for a unit's own report."""
    rows = cells.extra.get(contents) if contents else None
    if rows is None:
        return None
    # a row whose code cell is blank may come back shorter than two cells
    cells = [(list(r) + ["", ""])[:2] for r in rows if any(r)]
    return tuple((str(code or "").strip().upper(), str(name or "").strip()) for code, name in cells)


def inspect(path: Path, contents: str | None = None) -> Inspected:
    """Read and check one input; runs in a worker process. Nothing it meets in a file
    escapes as an exception: a file that cannot be read is a result too. `contents` is
    the sheet in which a summary lists the units it contains (summary.yaml's, given by
    the commands that read summaries); without it every file stands for its own unit."""
    path = Path(path)
    try:
        stat = path.stat()
        data = read_regular(path)
        info = dict(size=stat.st_size, sha256=hashlib.sha256(data).hexdigest(),
                    modified=datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds"))
    except OSError as exc:
        return Inspected(path, FileResult(path, unreadable=f"{path}: {exc.strerror or exc}"))
    except ReadError as exc:
        return Inspected(path, FileResult(path, unreadable=str(exc), findings=[exc.finding]))
    layout = load_layout()
    try:
        cells = read_cells(path, layout, extra=(contents,) if contents else (), data=data)
        result = check_cells(path, cells, layout)
        result.findings[:0] = file_warnings(path)
        contained = _units(cells, contents)
    except ReadError as exc:
        return Inspected(path, FileResult(path, unreadable=str(exc), findings=[exc.finding]), **info)
    except MemoryError:  # beyond the worker's limit (limit_memory): the file alone fails
        finding = Finding("F7", "memory", expected=worker_memory())
        return Inspected(path, FileResult(path, unreadable=f"{path}: {finding.message()}", findings=[finding]),
                          **info)
    except BaseException as exc:  # a hostile file must exclude itself only, never stop the merge
        parser_failure(exc)
        finding = Finding("F10", "internal", params={"found": f"{type(exc).__name__}: {exc}"[:200]})
        return Inspected(path, FileResult(path, unreadable=f"{path}: {finding.message()}", findings=[finding]),
                          **info)
    sub = Inspected(path, result, template_version=cells.stamp.get("template_version", ""),
                     is_summary=contained is not None, **info)
    sub.units = contained if contained is not None else ((sub.code, sub.name),)
    return sub


def worker_memory() -> int:
    """Bytes a worker reading files may take beyond what it holds when it starts."""
    from xltools.model.schema import load_rules

    return load_rules()["F7"].check["worker_memory"]


def limit_memory() -> None:
    """Bound the address space of this worker process (where the system can: not on
    Windows), so that a file that still explodes in a parser (a MemoryError, or an
    abort of python-calamine's allocator) fails alone and the other files go on.
    Counted from the worker's size at its start, which already holds Python (and,
    forked, pandas and numpy) and differs between systems."""
    try:
        import resource
    except ImportError:
        return
    try:
        with open("/proc/self/statm") as f:
            start = int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):  # no /proc (macOS): room for the imports
        start = 1 << 30
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = start + worker_memory()
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError):  # a system that does not enforce it
        pass


def _inspect_many(paths: list[Path], contents: str | None) -> list[Inspected]:
    return [inspect(p, contents) for p in paths]


def _crashed(path: Path) -> Inspected:
    finding = Finding("F7", "crashed")
    return Inspected(path, FileResult(path, unreadable=f"{path}: {finding.message()}", findings=[finding]))


def inspect_all(paths: list[Path], jobs: int | None = None, progress: Callable[[int], None] | None = None,
                contents: str | None = None) -> list[Inspected]:
    """Inspect every input, in worker processes (each under limit_memory; never in the
    main process, but a single file). A worker that dies on a file (a parser's abort)
    takes only that file with it: the batches it was running are split and run again in
    a fresh pool until the file is alone, and excluded."""
    jobs = jobs or os.cpu_count() or 1
    done: list[Inspected | None] = [None] * len(paths)

    def record(indices, subs):
        for i, sub in zip(indices, subs):
            done[i] = sub
        if progress:
            progress(len(indices))

    import multiprocessing

    # a worker already (the desk's), or one file, which the guard has bounded: a pool would cost
    # more than the reading (check of one file is what a clerk runs)
    if multiprocessing.parent_process() is not None or len(paths) <= 1:
        for i, p in enumerate(paths):
            record([i], [inspect(p, contents)])
        return done
    from concurrent.futures.process import BrokenProcessPool

    jobs = min(jobs, len(paths))
    size = max(1, min(64, len(paths) // (jobs * 8)))
    batches = [list(range(i, min(i + size, len(paths)))) for i in range(0, len(paths), size)]
    while batches:
        failed = []
        with _pool(jobs) as pool:
            futures = [(b, pool.submit(_inspect_many, [paths[i] for i in b], contents)) for b in batches]
            for batch, future in futures:
                try:
                    record(batch, future.result())
                except BrokenProcessPool:
                    failed.append(batch)
        batches = []
        for batch in failed:
            if len(batch) == 1:  # it may only have shared a pool with the culprit: try it alone
                record(batch, [_alone(paths[batch[0]], contents)])
            else:
                batches += [batch[: len(batch) // 2], batch[len(batch) // 2:]]
    return done


def _pool(jobs: int):
    """A pool of `jobs` readers, forked (the workers start with this process's imports)
    unless other threads run here, as in the desk's server: a fork copies the locks
    another thread holds, and the pool's workers could wait for ever (seen: the board's
    merge hung while uploads were checked). There they come from a fork server."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    context = None
    if threading.active_count() > 1 and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["xltools.rules.batch"])
    return ProcessPoolExecutor(max_workers=jobs, initializer=limit_memory, mp_context=context)


def _alone(path: Path, contents: str | None) -> Inspected:
    from concurrent.futures.process import BrokenProcessPool

    with _pool(1) as pool:
        try:
            return pool.submit(_inspect_many, [path], contents).result()[0]
        except BrokenProcessPool:
            return _crashed(path)


def check_paths(paths: list[Path], previous: list[Path] = (), jobs: int | None = None) -> Results:
    """Check many workbooks: read in worker processes as merge does, then the
    arithmetic of all of them validated in one go."""
    layout = load_layout()
    results = [s.result for s in inspect_all(list(paths), jobs)]
    last = match_previous(results, [s.result for s in inspect_all(list(previous), jobs)]) if previous \
        else [None] * len(results)
    judge(results, last, layout)
    return Results(results)
