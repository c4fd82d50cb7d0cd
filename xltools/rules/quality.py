"""The text as evaluators read it: what each part of 一 must state (T1), a section
that says nothing beyond boilerplate (T2), the length of 一 (T3), and whether 五
names problems and measures (T4). Text copied between units (T5) is copying.py's.
Text merge drafted, while it is as drafted, is the tool's, not the unit's: not judged.

A section W4 already calls empty (blank, or only 无) is left to W4: one finding
for one shortcoming. The phrasings, elements and thresholds are schemas/rules.yaml's.
"""
from __future__ import annotations

import functools
import re

from xltools.model.findings import Finding
from xltools.model.report import Report
from xltools.model.schema import load_rules
from xltools.rules.text import NUMBER, SENTENCE_END
from xltools.xlsx.layout import Layout

UNCOUNTED = re.compile(r"[\W_]+")  # spaces and punctuation: not characters of the text
SPACE = re.compile(r"\s+")


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern.replace("{n}", NUMBER))


@functools.cache
def _any(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class Boilerplate:
    """What every unit writes in the same words, as a rule lists it: sentences with
    one of `sentences` in them, and `phrases` wherever they stand."""

    def __init__(self, spec: dict):
        self.sentences = _any(tuple(spec["sentences"]))
        self.phrases = _any(tuple(spec["phrases"]))

    def _split(self, text: str) -> list[str]:
        return SENTENCE_END.split(text)

    def sub(self, text: str) -> str:
        """The text without it."""
        kept = "".join(s for s in self._split(text) if not self.sentences.search(s))
        return self.phrases.sub("", kept)

    def said(self, text: str) -> list[str]:
        """What of it the text says, in order."""
        out = []
        for s in self._split(text):
            if self.sentences.search(s):
                out.append(s.strip())
            else:
                out += [m.group(0) for m in self.phrases.finditer(s)]
        return [x for x in out if characters(x)]


@functools.cache
def boilerplate(rule: str) -> Boilerplate:
    return Boilerplate(load_rules()[rule].check["boilerplate"])


def characters(text: str) -> int:
    """The length of a text as a reader counts it: no spaces, no punctuation."""
    return len(UNCOUNTED.sub("", text))


def _said(report: Report, fid: str) -> str | None:
    """The section's text, or None where W4 answers for it (empty, or only 无) and
    where merge drafted it (the tool's sentences are not the unit's writing)."""
    text = (report.own_text(fid) or "").strip()
    return text if text and text not in load_rules()["W4"].check["empty_words"] else None


def _both(labels: list[dict]) -> dict:
    """Labels given in both languages, listed in each."""
    return {"zh": "、".join(x["zh"] for x in labels), "en": ", ".join(x["en"] for x in labels)}


def _lacking(text: str, required: list[dict]) -> list[dict]:
    """The labels of the elements a text does not state."""
    return [e["label"] for e in required if not any(_compiled(p).search(text) for p in e["patterns"])]


def elements(report: Report, layout: Layout) -> list[Finding]:
    """T1: each part of 一 states the elements the schema requires of it."""
    out = []
    for fid, part in load_rules()["T1"].check["parts"].items():
        text = _said(report, fid)
        missing = _lacking(text, part["elements"]) if text is not None and fid in layout.cells else []
        if missing:
            out.append(Finding("T1", "missing", fields=[fid], cells=[layout.cells[fid].address],
                               params={"label": layout.format.fields[fid].label, "missing": _both(missing),
                                       "example": part["example"]}))
    return out


def substance(report: Report, layout: Layout) -> list[Finding]:
    """T2: a section with fewer characters than the minimum once the boilerplate is
    out. A short part that states what T1 requires of it says enough (本年度未收到
    政府信息公开申请); one that does not is T1's; a 五 that names no problem or
    measure is T4's."""
    check = load_rules()["T2"].check
    judged = set(load_rules()["T1"].check["parts"])
    if problems(report, layout):
        judged.add(load_rules()["T4"].check["text"])
    common = boilerplate("T2")
    out = []
    for fid in check["text"]:
        text = _said(report, fid)
        if text is None or fid not in layout.cells or fid in judged:
            continue
        own = characters(common.sub(text))
        if own >= check["min_chars"]:
            continue
        said = common.said(text)
        params = {"label": layout.format.fields[fid].label, "hint": load_rules()["W4"].check["hints"][fid]}
        if said:
            params["found"] = "……".join(said)
        out.append(Finding("T2", "boilerplate" if said else "short", fields=[fid], cells=[layout.cells[fid].address],
                           expected=check["min_chars"], actual=own, params=params))
    return out


def length(report: Report, layout: Layout) -> list[Finding]:
    """T3: 一 longer than the schema's limit, with the length of each part."""
    check = load_rules()["T3"].check
    counts = {fid: len(SPACE.sub("", report.own_text(fid) or "")) for fid in check["text"] if fid in layout.cells}
    total = sum(counts.values())
    if total <= check["max_chars"]:
        return []
    # the parts that have text: an import that could not divide 一 put it all in （一）
    parts = [fid for fid, n in counts.items() if n]
    return [Finding("T3", "long", fields=parts, cells=[layout.cells[fid].address for fid in parts],
                    expected=check["max_chars"], actual=total,
                    params={fid.rsplit(".", 1)[-1]: n for fid, n in counts.items()})]


def problems(report: Report, layout: Layout) -> list[Finding]:
    """T4: 五 names at least one problem and at least one measure. Sentences saying
    there is no problem, and headings with nothing under them, name nothing: they
    are taken out first."""
    check = load_rules()["T4"].check
    fid = check["text"]
    text = _said(report, fid)
    if text is None or fid not in layout.cells:
        return []
    body = _any(tuple(check["denials"])).sub("", text)
    problem = _any(tuple(check["problem"])).search(body)
    measure = _any(tuple(check["measure"])).search(body)
    if problem and measure:
        return []
    return [Finding("T4", "neither" if not (problem or measure) else "no_problem" if not problem else "no_measure",
                    fields=[fid], cells=[layout.cells[fid].address], params={"label": layout.format.fields[fid].label})]
