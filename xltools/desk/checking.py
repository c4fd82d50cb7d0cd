"""Checks for the desk: each upload is checked exactly as `xltools check` checks a
file, in a worker process, so that a check that crashes (even one that takes its
process down) answers that upload with an error and nothing else."""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from xltools.model.findings import Finding
from xltools.rules.result import FileResult


def outcome(result: FileResult) -> dict:
    """What the ledger keeps of a check: the result's data (FileResult.to_data: the
    findings in no language, their counts, the cover, the score as `check -f json` gives
    it), but the path, which names the worker's copy of a file the desk keeps by its hash."""
    data = result.to_data()
    del data["path"]
    return data


def findings(stored: dict) -> list[Finding]:
    """The findings of an outcome the ledger keeps, to be said in either language."""
    return FileResult.from_data(stored).findings


def check_file(path: str) -> dict:
    """Check one file (in a worker process): what `xltools check FILE` finds."""
    from xltools.rules.batch import check_paths

    [result] = check_paths([Path(path)], jobs=1)
    return outcome(result)


def mark_file(path: str, out: str, lang: str, at: str) -> None:
    """The marked copy of a stored version (`check --annotate`), checked again at `at`
    (the desk's time, as its pages say it)."""
    from xltools.commands.annotate import annotate
    from xltools.rules.batch import check_paths

    [result] = check_paths([Path(path)], jobs=1)
    annotate(Path(path), result, Path(out), lang, at)


def _warm() -> None:
    """Load the schemas, pandas and pandera in each worker before the first upload."""
    import tempfile

    from xltools.rules.batch import check_paths
    from xltools.xlsx.writer import write_template

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warm.xlsx"
        write_template(path)
        check_paths([path], jobs=1)


def _start(warm: bool, server: int) -> None:
    """Each worker: under the memory limit every reader of files runs under, then warm."""
    from xltools.rules.batch import limit_memory

    limit_memory()
    _die_with_parent(server)
    if warm:
        _warm()


def _die_with_parent(server: int) -> None:
    """A worker whose server was killed (kill -9) would wait on its queue for ever,
    holding its memory: it exits once it is another process's child. Watched, not
    prctl's PDEATHSIG, which fires when the *thread* that spawned the worker ends (a
    thread of the server's pool, idle ones end). Where a child is never handed on
    (Windows) nothing is watched. The server's pid is given, not read here: a worker
    still starting when the server is killed is already another's child."""
    if os.name != "posix":
        return

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class CheckCrashed(Exception):
    """The worker checking a file died or failed: that upload gets an error."""


class Checker:
    """A pool of worker processes (spawned, as on Windows: the server's threads are
    never forked). A pool broken by a dying worker is replaced for the next check."""

    def __init__(self, workers: int | None = None, warm: bool = True,
                 check: Callable[[str], dict] = check_file):
        self.workers = workers or os.cpu_count() or 1
        self.warm, self.check = warm, check
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start, initargs=(self.warm, os.getpid()))
            return self._pool

    def _broken(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=False)

    def start(self) -> None:
        """Start every worker now (each warms up), rather than at the first upload."""
        pool = self._get()
        for future in [pool.submit(os.getpid) for _ in range(self.workers)]:
            future.result()

    def run(self, fn: Callable, *args):
        """fn(*args) in a worker; CheckCrashed if it raised or its worker died."""
        pool = self._get()
        try:
            return pool.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            self._broken(pool)
            raise CheckCrashed(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise CheckCrashed(f"{type(exc).__name__}: {exc}") from exc

    def check_path(self, path: Path) -> dict:
        return self.run(self.check, str(path))

    def mark(self, path: Path, out: Path, lang: str, at: str) -> None:
        self.run(mark_file, str(path), str(out), lang, at)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
