"""Deterministic fictitious submissions for benchmarking merge.

    python bench/make_submissions.py --count 2000 --out /tmp/subs --seed 1

Writes COUNT workbooks (valid reports with varied numbers, made by xltools' own
writer), of which a few percent carry an injected error, another year, or a second
copy of a unit, and `roster.csv`, which also names units that did not submit.
To be quick, a few dozen distinct reports are written with the real writer and each
submission is one of them with its own unit name and credit code patched into the
cover sheet.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import re
import zipfile
from pathlib import Path

from samples import credit_code, sample_report
from xltools.xlsx.layout import load_layout
from xltools.xlsx.saver import workbook_bytes
from xltools.xlsx.writer import TEMPLATE_DATE, report_workbook

DISTINCT = 40
NAME_MARK, CODE_MARK = "UNITNAMEPLACEHOLDER", "CODEPLACEHOLDER000"  # the code mark is 18 characters


def _bases(rng: random.Random) -> list[tuple[str, dict[str, bytes]]]:
    """(kind, zip entries) of the distinct reports: most valid, some with a mistake."""
    out = []
    for k in range(DISTINCT):
        report = sample_report(NAME_MARK, 2023, random.Random(rng.random()), scale=rng.choice((3, 10, 40)))
        report.meta["credit_code"] = CODE_MARK
        kind = "valid"
        if k % 20 == 19:
            report.values["appeals.review.total"] += 1  # a 总计 typed over: R4
            kind = "error"
        elif k % 40 == 18:
            report.meta["year"] = 2022
            kind = "year"
        wb, cached = report_workbook(report)
        data = workbook_bytes(wb, TEMPLATE_DATE, cached)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            out.append((kind, {i.filename: z.read(i) for i in z.infolist()}))
    return out


def _cover_part(entries: dict[str, bytes]) -> str:
    book = entries["xl/workbook.xml"].decode()
    first = re.search(r'<sheet [^>]*r:id="(rId\d+)"', book).group(1)
    rels = entries["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Target="/?([^"]+)" Id="{first}"', rels).group(1)
    return target if target.startswith("xl/") else f"xl/{target}"


def make(count: int, out: Path, seed: int) -> dict:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    bases = _bases(rng)
    cover = _cover_part(bases[0][1])
    units, made = [], {"valid": 0, "error": 0, "year": 0, "duplicate": 0}
    for i in range(count):
        if i and rng.random() < 0.01:  # a unit that sent its workbook twice
            name, code = units[rng.randrange(len(units))]
            made["duplicate"] += 1
        else:
            name, code = f"示例县第{i + 1:04d}单位", credit_code(rng)
            units.append((name, code))
        kind, entries = bases[rng.randrange(len(bases))]
        made[kind] += 1
        patched = dict(entries)
        patched[cover] = (entries[cover].replace(NAME_MARK.encode(), name.encode())
                          .replace(CODE_MARK.encode(), code.encode()))
        with zipfile.ZipFile(out / f"{i + 1:05d}-{name}.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
            for filename, data in patched.items():
                z.writestr(zipfile.ZipInfo(filename, (1980, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    missing = [(f"示例县未报送单位{j + 1:03d}", credit_code(rng)) for j in range(max(1, count // 100))]
    with (out / "roster.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["统一社会信用代码", "单位名称", "上级单位"])
        for name, code in units + missing:
            writer.writerow([code, name, "示例县人民政府"])
    return {**made, "missing": len(missing), "units": len(units)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    load_layout()
    print(make(args.count, args.out, args.seed))


if __name__ == "__main__":
    main()
