"""Timing shared by the bench scripts: a command run as a fresh process, its median."""
from __future__ import annotations

import compileall
import functools
import importlib.util
import statistics
import subprocess
import time


@functools.cache
def _compile_xltools() -> None:
    """Compile xltools' bytecode first, as pip does when it installs the package: with
    PYTHONDONTWRITEBYTECODE set, or a __pycache__ older than an edit, every timed run
    would otherwise compile the changed modules again."""
    for folder in importlib.util.find_spec("xltools").submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)


def timed(cmds: dict[str, list[str]], runs: int) -> dict[str, float]:
    """The median wall-clock seconds of `runs` runs of each command, output discarded;
    a command that did not do its work (exit 2) stops the bench.
    The commands take turns, so that the machine's speed, which drifts, weighs on
    each of them alike."""
    _compile_xltools()
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            done = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            times[name].append(time.perf_counter() - start)
            if done.returncode not in (0, 1):  # 1: findings, as the benches' inputs have; 2: nothing done
                raise SystemExit(f"{name} failed (exit {done.returncode}), its time would mean nothing: "
                                 f"{' '.join(cmd)}\n{done.stderr.decode(errors='replace')[-2000:]}")
    return {name: statistics.median(t) for name, t in times.items()}
