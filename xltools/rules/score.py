"""A report's score, counted the way evaluators count: each item of
schemas/scoring.yaml deducts points for the findings of its rules that the county
has not accepted (an explained warning deducts nothing)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from xltools.model.findings import Finding
from xltools.model.schema import load_scoring, words


@dataclass
class Deduction:
    item: str
    label: dict  # {zh, en}
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


def score(findings: list[Finding]) -> Score:
    spec = load_scoring()
    deductions = []
    for item in spec["items"]:
        counted = [f for f in findings if f.rule in item["rules"] and not f.explained]
        if counted:
            points = min(item["points"], item["each"] * len(counted)) if "each" in item else item["points"]
            deductions.append(Deduction(item["id"], item["label"], points, counted))
    return Score(max(0, spec["of"] - sum(d.points for d in deductions)), spec["of"], deductions)
