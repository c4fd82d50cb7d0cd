"""A report's score, counted the way evaluators count: each item of
schemas/scoring.yaml deducts points for the findings of its rules that the county
has not accepted (an explained warning deducts nothing). The one place a score is
counted: check, fill, the marked copy, the desk, the Excel buttons and merge's
质量评分 all take it from here, so that one file has one score."""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xltools.model.findings import Finding
from xltools.model.schema import load_scoring, words

if TYPE_CHECKING:
    from xltools.model.config import Text


@dataclass
class Deduction:
    item: str
    label: Text
    points: int
    findings: list[Finding]

    def rules(self, lang: str = "zh") -> str:
        """The rules behind it, as a line: T1、W3×2."""
        counts = Counter(f.rule for f in self.findings)
        return words(lang)["list_separator"].join(rule + (f"×{n}" if n > 1 else "") for rule, n in counts.items())


@dataclass
class Score:
    points: int
    of: int
    deductions: list[Deduction]

    def to_dict(self, lang: str = "zh") -> dict:
        return {"points": self.points, "of": self.of, "deductions": [
            {"item": d.item, "label": d.label[lang], "points": d.points,
             "findings": [{"rule": f.rule, "cell": f.cells[0] if f.cells else None, "message": f.message(lang)}
                          for f in d.findings]}
            for d in self.deductions]}

    def text(self, lang: str = "zh") -> str:
        """One line: 评分：15/20（要素不全 −5：T1）."""
        w = words(lang)
        items = w["score_separator"].join(w["score_item"].format(label=d.label[lang], points=d.points,
                                                                  rules=d.rules(lang)) for d in self.deductions)
        return w["score"].format(points=self.points, of=self.of,
                                 deductions=w["score_deductions"].format(items=items) if items else "")


@functools.cache
def _number_sheets() -> frozenset[str]:
    """The sheets that hold the report's numbers (二, 三, 四, 六), and "" for the
    whole workbook."""
    from xltools.xlsx.layout import load_layout

    layout = load_layout()
    return frozenset({layout.cells[f.id].sheet for f in layout.format.numeric_fields()} | {""})


def unread(findings: list[Finding]) -> bool:
    """Whether the findings say the report's tables were not read (scoring.yaml's
    `unread`): a fatal finding, or a structure finding on a sheet of numbers or on
    the whole workbook."""
    rules = load_scoring().unread or ()
    # a missing sheet is named by its finding's detail: it has no cell to point to
    sheets = _number_sheets()
    return any(f.severity == "fatal" or f.rule in rules and (f.sheet or f.params.get("detail") or "") in sheets
               for f in findings)


def score(findings: list[Finding]) -> Score | None:
    """The score of a report read with these findings; None when its tables were not read."""
    if unread(findings):
        return None
    spec = load_scoring()
    deductions = []
    for item in spec.items:
        counted = [f for f in findings if f.rule in item.rules and not f.explained]
        if counted:
            points = item.points if item.each is None else min(item.points, item.each * len(counted))
            deductions.append(Deduction(item.id, item.label, points, counted))
    return Score(max(0, spec.of - sum(d.points for d in deductions)), spec.of, deductions)


def score_line(points: Score | None, lang: str = "zh") -> str:
    """The line every command prints: the score, or that there is none."""
    return points.text(lang) if points is not None else words(lang)["score_none"]
