"""How many of its units a summary covers, from its 上报情况: a unit is covered
when one of its rows is 已汇总; rows 已跳过, 重复副本 and 未采用 (files other files
stand for) are no unit; every other status (未报送, 有错误, 重复, 不在名册, a file
that could not be read …) is a unit the summary leaves out. Merge drafts the figure
sentences, and publish writes the county's report, only from a summary that covers
every unit, unless told to go on; then the report says what it covers."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xltools.model.schema import load_summary, words

SHOWN = 10  # units named in the sentence; the rest counted


@dataclass
class Coverage:
    units: int
    merged: int
    left_out: list[str] = field(default_factory=list)  # in the order of 上报情况

    @property
    def complete(self) -> bool:
        return not self.left_out

    def params(self, lang: str = "zh") -> dict:
        w = words(lang)
        names = w["list_separator"].join(self.left_out[:SHOWN])
        if len(self.left_out) > SHOWN:
            names += w["and_more"].format(n=len(self.left_out))
        return {"units": self.units, "merged": self.merged, "missing": names}

    def sentence(self, lang: str = "zh") -> str:
        """本报告汇总了 14 个单位中的 1 个单位（未汇总：…）。"""
        return words(lang)["coverage_note"].format(**self.params(lang))


def coverage(rows: list[tuple[str, str]]) -> Coverage:
    """The coverage of 上报情况's rows, each (unit, 状态 as written in Chinese)."""
    from xltools.commands.merge import PASSED_OVER

    status = load_summary().status
    merged, passed = status["merged"].zh, {status[k].zh for k in PASSED_OVER}
    # a file other files stand for (a summary of units all here, a byte copy, the file
    # the roster's code did not pick) is no unit, however its cover spells the name
    listed = list(dict.fromkeys(unit for unit, word in rows if word not in passed))
    covered = {unit for unit, word in rows if word == merged}
    return Coverage(len(listed), len(covered), [u for u in listed if u not in covered])


def of_merge(result) -> Coverage:
    """The coverage of a merge (a MergeResult), as its 上报情况 will list it."""
    from xltools.commands.merge import Missing, row_order

    status = load_summary().status
    return coverage([((x.unit.name or x.unit.code) if isinstance(x, Missing) else x.shown, status[x.status].zh)
                     for x in row_order(result)])


def of_summary(path: Path) -> Coverage | None:
    """The coverage of a summary workbook from its 上报情况; None for a workbook
    without that sheet (one unit's report)."""
    from xltools.xlsx.reader import read_cells

    spec = load_summary().sheets.status
    rows = read_cells(path, extra=(spec.name,)).extra.get(spec.name)
    if rows is None:
        return None
    ids = [c.id for c in spec.columns]
    unit, word = ids.index("unit"), ids.index("status")
    return coverage([(str(r[unit] or "").strip(), str(r[word] or "").strip())
                     for r in rows[1:] if len(r) > max(unit, word) and str(r[unit] or "").strip()])
