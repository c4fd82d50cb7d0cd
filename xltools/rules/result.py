"""What checking one file gives: its findings, the report read, and the numbers in
the order of the equations, for the judgement of all files at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xltools.model.findings import Finding, Findings
from xltools.model.report import Report
from xltools.rules.score import Score, score


@dataclass
class FileResult(Findings):
    path: Path
    findings: list[Finding] = field(default_factory=list)
    report: Report | None = None
    unreadable: str | None = None  # why the file could not be read at all
    readable: set[str] = field(default_factory=set)  # numeric fields whose cells were read
    vector: "np.ndarray | None" = None  # the numbers, in the order of the equations' matrix; NaN where unknown
    not_imported: frozenset[str] = frozenset()  # blank fields an import could not read from its document
    compared: dict[str, str] = field(default_factory=dict)  # text sections as T5 compares them (copying.py)
    fill_button: bool = False  # the file has the button 填写合计 (a .xlsm written by excel-setup)

    @property
    def unit(self) -> str | None:
        return self.report.unit if self.report else None

    @property
    def year(self):
        return self.report.year if self.report else None

    @property
    def score(self) -> Score | None:
        """The report's score as evaluators count it, from the findings as they are
        now; None when the report could not be read."""
        return score(self.findings) if self.report is not None and self.unreadable is None else None

    @property
    def ok(self) -> bool:
        return self.unreadable is None and not self.errors
