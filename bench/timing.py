"""Timing shared by the bench scripts: a command run as a fresh process, its median."""
from __future__ import annotations

import statistics
import subprocess
import time


def timed(cmd: list[str], runs: int) -> float:
    """The median wall-clock seconds of `runs` runs of `cmd`, output discarded."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
