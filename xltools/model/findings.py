"""Findings: what is wrong with a report, where, and how to put it right.

A finding names its rule (see schemas/rules.yaml), the canonical field ids and the
cells involved (the checked cell first), the expected and actual values, and the
message case with the values that fill its template, in Chinese or English.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from xltools.model.errors import shown
from xltools.model.schema import load_rules, words

LANGS = ("zh", "en")


@dataclass
class Finding:
    rule: str
    case: str
    fields: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # Sheet!A1
    expected: Any = None
    actual: Any = None
    params: dict = field(default_factory=dict)
    explanation: str | None = None  # the 审核说明 that accepts a warning

    @property
    def severity(self) -> str:
        return load_rules()[self.rule].severity

    @property
    def sheet(self) -> str | None:
        return self.cells[0].split("!")[0] if self.cells else None

    @property
    def explained(self) -> bool:
        return self.explanation is not None

    def _values(self, lang: str) -> dict:
        return {"cell": self.cells[0] if self.cells else "", "expected": shown(self.expected, lang),
                "actual": shown(self.actual, lang), "cells_text": _cells_text(self, lang),
                **{k: shown(_in(v, lang), lang) for k, v in self.params.items()}}

    def message(self, lang: str = "zh") -> str:
        rule = load_rules()[self.rule]
        return rule.messages[self.case][lang].format(**self._values(lang))

    def fix(self, lang: str = "zh") -> str:
        """How to put it right: the same words in the terminal, the marked copy and the
        desk's note. A total's finding names the formula to type in its cell (params
        `formula`), and the button 填写合计 where the file has it (params `button`)."""
        rule = load_rules()[self.rule]
        if not rule.fix:
            return ""
        w, formula = words(lang), self.params.get("formula")
        restore = w["restore_fill"] if not formula else \
            w["restore_button" if self.params.get("button") else "restore_formula"].format(formula=formula)
        total = w["restore_total"].format(cell=self.cells[0], restore=restore) if formula else ""
        return rule.fix[lang].format(**self._values(lang), restore=restore, restore_total=total)

    def title(self, lang: str = "zh") -> str:
        return load_rules()[self.rule].title[lang]

    def to_data(self) -> dict:
        """The finding as data, in no language (the desk keeps it so, to say it in either):
        JSON's shapes, so that what is read back is what was kept."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_data(cls, data: dict) -> "Finding":
        return cls(**data)

    def to_dict(self, lang: str = "zh") -> dict:
        """The finding as check's JSON gives it: said in one language."""
        out = {"rule": self.rule, "severity": self.severity, "fields": self.fields, "cells": self.cells,
               "expected": self.expected, "actual": self.actual, "message": self.message(lang),
               "fix": self.fix(lang)}
        if self.severity == "warning":
            out["explained"] = self.explained
            if self.explained:
                out["explanation"] = self.explanation
        return out


def _plain(value: Any) -> Any:
    """Tuples and sets in a finding's values as the lists JSON keeps them as."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


CELLS_SHOWN = 6  # ranges a message lists of a finding's cells (all of them are marked in the copy)


def _cells_text(finding: "Finding", lang: str) -> str:
    """A finding's cells as its rule grouped them (params `ranges`: 'D7:I7'), else one
    by one: the first few of them, and 等 when there are more."""
    listed = finding.params.get("ranges") or [c.split("!")[-1] for c in finding.cells]
    text = words(lang)["list_separator"].join(listed[:CELLS_SHOWN])
    return text if len(listed) <= CELLS_SHOWN else words(lang)["cells_more"].format(cells=text)


def _in(value: Any, lang: str) -> Any:
    """A value given in both languages ({zh, en}, from the schema) in one of them."""
    return value[lang] if isinstance(value, dict) and lang in value else value


def _chain(items: list[str], signs: list[int]) -> str:
    return "".join(("-" if s < 0 else "+" if i else "") + x for i, (x, s) in enumerate(zip(items, signs)))


def arithmetic(cells: list[str | None], values: list[Any], signs: list[int] | None = None) -> str:
    """Where a number comes from: 'D6+D7 = 3+0', or for long sums 'D8+D9+…+D28 = 27'.
    A term with no cell (last year's report) shows its value alone."""
    signs = signs or [1] * len(values)
    nums = [shown(v) or "0" for v in values]
    if any(c is None for c in cells):
        return _chain(nums, signs)
    refs = [c.split("!")[-1] for c in cells]
    if len(refs) > 6 and all(s > 0 for s in signs):
        return f"{refs[0]}+{refs[1]}+…+{refs[-1]} = {shown(sum(v or 0 for v in values))}"
    return f"{_chain(refs, signs)} = {_chain(nums, signs)}"


class Findings:
    """What has a list `findings` (a checked file, a compared pair): its errors,
    warnings and the warnings no explanation accepts."""

    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def unexplained(self) -> list[Finding]:
        return [f for f in self.warnings if not f.explained]
