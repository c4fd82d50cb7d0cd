"""The rules about text: numbers the text states (W3), empty sections (W4), fees (W5)."""
from __future__ import annotations

import functools
import re
from decimal import Decimal

from xltools.model.findings import Finding
from xltools.model.report import Report
from xltools.model.schema import load_rules
from xltools.model.totals import is_number
from xltools.model.values import CHINESE_NUMERAL, stated_number
from xltools.xlsx.layout import Layout

NUMBER = rf"(?P<n>[0-9０-９][0-9０-９,，]*(?:\.[0-9]+)?|{CHINESE_NUMERAL})"
SENTENCE_END = re.compile(r"(?<=[。；;！？!?\n])")


@functools.cache
def _statements() -> list[tuple[list[str], re.Pattern, Decimal | None]]:
    """(fields, pattern, value): a statement without a number (未制发) says `value`."""
    out = []
    for st in load_rules()["W3"].check["statements"]:
        value = Decimal(st["value"]) if "value" in st else None
        out.append((st["fields"], re.compile(st["pattern"].replace("{n}", NUMBER)), value))
    return out


@functools.cache
def _figures() -> re.Pattern:
    """Every statement of W3 in one pattern (its numbers unnamed)."""
    return re.compile("|".join(f"(?:{p.pattern})" for _, p, _ in _statements()).replace("(?P<n>", "(?:"))


def without_figures(text: str) -> str:
    """The text without the figures it states in the words W3 knows (收到申请N件,
    制发规范性文件N件 …): the tables in words, which every unit writes alike."""
    return _figures().sub("", text)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def stated(report: Report, layout: Layout, readable: set[str]) -> list[Finding]:
    """W3: each sentence's first statement of a number, against the table."""
    out = []
    for text_id, text in report.text.items():
        if not text:
            continue
        for sentence in _sentences(text):
            if not _figures().search(sentence):  # most sentences state no figure: one search, not one a statement
                continue
            for fields, pattern, value in _statements():
                for m in pattern.finditer(sentence):
                    if not all(f in readable for f in fields):
                        continue
                    said = value if value is not None else stated_number(m.group("n"))
                    table = [report.values.get(f) for f in fields]
                    if said is None or not all(is_number(v) for v in table):
                        continue
                    actual = sum(table)
                    if Decimal(actual) != said:
                        out.append(Finding(
                            "W3", "stated", fields=list(fields) + [text_id],
                            cells=[layout.cells[f].address for f in fields] + [layout.cells[text_id].address],
                            expected=actual, actual=said,
                            params={"sentence": sentence, "found": m.group("n") if value is None else said,
                                    "label": " + ".join(layout.format.fields[f].label for f in fields)}))
    return out


def empty(report: Report, layout: Layout) -> list[Finding]:
    """W4: text sections with nothing, or nothing but 无, in them."""
    check = load_rules()["W4"].check
    out = []
    for fid in check["text"]:
        if fid not in layout.cells:
            continue
        text = (report.text.get(fid) or "").strip()
        params = {"label": layout.format.fields[fid].label, "hint": check["hints"][fid]}
        if not text:
            out.append(Finding("W4", "empty", fields=[fid], cells=[layout.cells[fid].address], params=params))
        elif text in check["empty_words"]:
            out.append(Finding("W4", "word", fields=[fid], cells=[layout.cells[fid].address],
                               params=params | {"found": text}))
    return out


def fees(report: Report, layout: Layout) -> list[Finding]:
    """W5: fees collected but not mentioned or denied, or more collected than asked for."""
    check = load_rules()["W5"].check
    collected, asked = report.values.get(check["collected"]), report.values.get(check["notice_amount"])
    if not is_number(collected) or collected <= 0:
        return []
    cell = layout.cells[check["collected"]].address
    params = {"label": layout.format.fields[check["collected"]].label}
    out = []
    text = report.text.get(check["text"]) or ""
    where = {"fields": [check["collected"], check["text"]], "cells": [cell, layout.cells[check["text"]].address]}
    denial = next((s for s in _sentences(text) if any(word in s for word in check["none_words"])), None)
    if denial is not None:
        out.append(Finding("W5", "denied", **where, actual=collected,
                           params=params | {"found": denial.rstrip("。；;！!？?")}))
    elif not any(word in text for word in check["words"]):
        out.append(Finding("W5", "silent", **where, actual=collected, params=params))
    if is_number(asked) and collected > asked:
        out.append(Finding("W5", "over", fields=[check["collected"], check["notice_amount"]],
                           cells=[cell, layout.cells[check["notice_amount"]].address],
                           expected=asked, actual=collected, params=params))
    return out
