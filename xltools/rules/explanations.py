"""The 审核说明 sheet: a written explanation accepts a warning (it is then shown as
已说明), and a row that can never accept one is said (W10), not passed over."""
from __future__ import annotations

from xltools.model.findings import Finding
from xltools.model.schema import load_rules
from xltools.rules.result import FileResult
from xltools.xlsx.layout import Layout
from xltools.xlsx.reader import Cells, plain


def _target(explanation: dict) -> str:
    return (explanation.get("target") or "").strip().replace("！", "!")


def _accepts(explanation: dict, finding: Finding) -> bool:
    if not load_rules()[finding.rule].explainable or (explanation.get("rule") or "").strip().upper() != finding.rule:
        return False
    target = _target(explanation)
    if not target:
        return True
    cells = {c for c in finding.cells} | {c.split("!")[-1] for c in finding.cells}
    return target in cells or target in finding.fields or target == finding.sheet


def explain(result: FileResult) -> None:
    """Mark each warning an explanation accepts."""
    if result.report is None:
        return
    for finding in result.warnings:
        for item in result.report.explanations:
            if item.get("text") and _accepts(item, finding):
                finding.explanation = item["text"]
                break


def unusable(cells: Cells, layout: Layout, unread: set[str]) -> list[Finding]:
    """W10: rows of 审核说明 that can never accept a warning: a rule that is not a
    warning an explanation can accept, a cell or field that does not exist, no
    explanation written."""
    rules = load_rules()
    out = []
    for row in layout.explanations:
        if row["rule"].sheet in unread:
            continue
        item = {key: str(plain(cells.get(area)) or "").strip() for key, area in row.items()}
        if not any(item.values()):
            continue
        rule = item["rule"].upper()
        where = {"cells": [row["rule"].address], "params": {"found": item["rule"], "row": row["rule"].top}}
        if rule not in rules:
            out.append(Finding("W10", "unknown_rule", **where))
        elif not rules[rule].explainable:
            case = "error_rule" if rules[rule].severity in ("error", "fatal") else "not_explainable"
            out.append(Finding("W10", case, **where))
        elif _target(item) and _target(item) not in layout.names:
            out.append(Finding("W10", "no_target", cells=where["cells"],
                               params={"found": item["target"], "row": row["rule"].top}))
        elif not item["text"]:
            out.append(Finding("W10", "no_text", **where))
    return out
