"""What checking one file gives: its findings and the report read, one shape that
every output renders (check's text and JSON, the marked copy, the desk, the Excel
bridge), with `to_data()`/`from_data()` for keeping it; and apart from it, what the
checks of one run pass between their phases about the file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xltools.model.findings import Finding, Findings
from xltools.model.report import Report
from xltools.rules.score import Score, score


@dataclass
class Scratch:
    """What one run of the checks works with about a file, made in the worker process
    that read it and used by the judgement of all files at once: never part of the
    result's data, never shown."""

    readable: set[str] = field(default_factory=set)  # numeric fields whose cells were read
    vector: "np.ndarray | None" = None  # the numbers, in the order of the equations' matrix; NaN where unknown
    compared: dict[str, str] = field(default_factory=dict)  # text sections as T5 compares them (copying.py)
    fill_button: bool = False  # the file has the button 填写合计 (a .xlsm written by excel-setup)


@dataclass
class FileResult(Findings):
    path: Path
    findings: list[Finding] = field(default_factory=list)
    report: Report | None = None
    unreadable: str | None = None  # why the file could not be read at all
    not_imported: frozenset[str] = frozenset()  # blank fields an import could not read from its document
    scratch: Scratch = field(default_factory=Scratch, repr=False, compare=False)

    @property
    def unit(self) -> str | None:
        return self.report.unit if self.report else None

    @property
    def year(self):
        return self.report.year if self.report else None

    @property
    def code(self) -> str:
        """The unified social credit code its cover gives, as compared: trimmed, upper case."""
        return ((self.report.meta.get("credit_code") if self.report else None) or "").strip().upper()

    @property
    def score(self) -> Score | None:
        """The report's score as evaluators count it, from the findings as they are
        now; None when the report could not be read."""
        return score(self.findings) if self.report is not None and self.unreadable is None else None

    @property
    def ok(self) -> bool:
        return self.unreadable is None and not self.errors

    def to_data(self) -> dict:
        """The result as data: the findings in no language (to be said again in either),
        their counts, what the cover says, and the score as check's JSON gives it (its
        words in Chinese). The desk keeps exactly this, without the path of its copy."""
        return {
            "path": str(self.path), "unreadable": self.unreadable, "unit": self.unit, "year": self.year,
            "code": self.code, "errors": len(self.errors), "warnings": len(self.warnings),
            "unexplained": len(self.unexplained), "findings": [f.to_data() for f in self.findings],
            "score": self.score.to_dict() if self.score is not None else None,
        }

    @classmethod
    def from_data(cls, data: dict, path: Path | str | None = None) -> "FileResult":
        """A result kept by to_data() (the desk's ledger keeps it without "path": give
        `path`). It has the cover of its report, not its figures."""
        cover = {"unit": data["unit"], "year": data["year"], "credit_code": data["code"] or None}
        read = data["score"] is not None or any(cover.values())
        return cls(Path(data.get("path", path or "")), [Finding.from_data(f) for f in data["findings"]],
                   Report(meta=cover) if read else None, data["unreadable"])


class Results(list):
    """What one run of check gives (as frictionless' Report, simply): a FileResult per
    file, in the order given, kept and read back as data."""

    def to_data(self) -> dict:
        return {"files": [r.to_data() for r in self]}

    @classmethod
    def from_data(cls, data: dict) -> "Results":
        return cls(FileResult.from_data(f) for f in data["files"])
