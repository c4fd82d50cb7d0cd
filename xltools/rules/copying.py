"""T5: text copied between units. Every text section of every unit checked or
merged together is compared with the same section of every other unit's report of
the same year; a pair at or above the threshold is a finding on each of the two,
naming the other and the share ("与示例县教育局的（一）主动公开重复 92%"). A unit's
own reports (the same credit code or name) are never each other's copies, and a
text repeated from last year is compare's to find.

What is compared is the text without what every unit writes (the boilerplate of
the schema, and the tables' figures in the words W3 reads), without the unit's
own name (a copy with the name changed is still a copy), with every number made
0 (a copy with other figures is still a copy) and
without spaces and punctuation. The share is rapidfuzz's ratio: the characters
the two have in common in order, over both lengths.

Comparing every pair character by character costs too much for a city's
thousands of units, so the pairs compared are chosen first: texts equal once
normalised are grouped at once, and of the rest a pair is compared when the
one-permutation MinHash of their five-character passages (96 bins) estimates that
at least 20 % of their passages are common (Jaccard). A copy (a paragraph taken
whole, a template with other names and figures) shares far more; two texts that
share two of three sentences, barely at the threshold, about a quarter; a text
that reaches it only by edits every few characters shares fewer, and is no copy.
bench/quality.py compares what this finds with comparing every pair.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import islice

import numpy as np

from xltools.model.codes import fold_name, short_name
from xltools.model.findings import Finding
from xltools.model.schema import load_rules, words
from xltools.rules.quality import UNCOUNTED, Boilerplate, boilerplate
from xltools.rules.result import FileResult
from xltools.rules.text import without_figures
from xltools.xlsx.layout import Layout

SHINGLE = 5    # characters of a passage
BINS = 96      # MinHash bins: the share of passages in common is estimated ±0.05
AGREE = 0.2    # pairs estimated to share fewer passages are not compared character by character
BLOCK = 128    # rows compared at once (128 × 2,000 × 96 bytes)
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class _Text:
    entry: int   # index of the result
    unit: int    # the unit it belongs to: the same for two files of one unit
    text: str    # normalised
    year: object = None


def normalised(text: str, unit: str | None, common: Boilerplate) -> str:
    """The text as compared: boilerplate, the figures of the tables stated in words
    and the unit's own name out, numbers 0, no spaces or punctuation."""
    text = without_figures(common.sub(text))
    for name in sorted({unit or "", short_name(unit or "")}, key=len, reverse=True):
        if len(name) >= 2:
            text = text.replace(name, "〇")
    return UNCOUNTED.sub("", NUMBER.sub("0", unicodedata.normalize("NFKC", text)))


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the input moves every bit of the output."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def signatures(texts: list[str]) -> np.ndarray:
    """One-permutation MinHash of each text's five-character passages, densified
    (an empty bin takes the next filled one's value, marked by the distance), as a
    (texts × BINS) array of 32-bit values. Every text has at least SHINGLE characters."""
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        rolling = np.zeros(len(codes) - SHINGLE + 1, dtype=np.uint64)
        for j in range(SHINGLE):
            rolling = rolling * np.uint64(1_000_003) + codes[j:len(codes) - SHINGLE + 1 + j]
        counts = lengths - SHINGLE + 1
        owner = np.repeat(np.arange(len(texts)), counts)
        position = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
        hashed = _mix(rolling[position])
        bins = (hashed >> np.uint64(40)) % np.uint64(BINS)
        keys = owner * BINS + bins.astype(np.int64)
        order = np.lexsort((hashed, keys))
        first = np.unique(keys[order], return_index=True)
        sig = np.zeros((len(texts), BINS), dtype=np.uint64)
        filled = np.zeros((len(texts), BINS), dtype=bool)
        sig.flat[first[0]] = hashed[order][first[1]]
        filled.flat[first[0]] = True
        # the next filled bin, to the right and round
        index = np.where(np.concatenate([filled, filled], axis=1), np.arange(2 * BINS), 4 * BINS)
        nearest = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1][:, :BINS]
        distance = (nearest - np.arange(BINS)).astype(np.uint64)
        rows = np.arange(len(texts))[:, None]
        return ((sig[rows, nearest % BINS] ^ _mix(distance)) >> np.uint64(32)).astype(np.uint32)


def candidates(sig: np.ndarray) -> np.ndarray:
    """Pairs (i < j) whose signatures agree in at least AGREE of their bins (an
    estimate of the share of passages they have in common), as an (m × 2) array.
    Every pair is looked at, a block of rows at a time: no pair is left out by
    chance, and the cost is the same whatever the texts."""
    n = len(sig)
    least = int(np.ceil(AGREE * BINS))
    pairs = []
    for start in range(0, n, BLOCK):
        block = sig[start:start + BLOCK]
        agree = np.count_nonzero(block[:, None, :] == sig[None, start:, :], axis=2)
        i, j = np.nonzero(agree >= least)
        later = j > i  # the block against itself and the rows after it: each pair once
        pairs.append(np.stack([start + i[later], start + j[later]], axis=1))
    return np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)


def similar(texts: list[str], threshold: float) -> list[tuple[int, int, int]]:
    """(i, j, share in %) for every pair of distinct texts at or above the threshold
    among the pairs that share passages."""
    from rapidfuzz.fuzz import ratio
    from rapidfuzz.process import cpdist

    if len(texts) < 2:
        return []
    pairs = candidates(signatures(texts))
    shares = cpdist([texts[i] for i in pairs[:, 0]], [texts[j] for j in pairs[:, 1]], scorer=ratio,
                    score_cutoff=threshold * 100, workers=-1)
    return [(int(i), int(j), int(share)) for (i, j), share in zip(pairs, shares) if share]


def _units(results: list[FileResult]) -> list[int]:
    """One number per unit: two files with the same credit code or the same name
    (as clerks type it) are one unit's, never copies of each other."""
    parent = list(range(len(results)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, str], int] = {}
    for i, r in enumerate(results):
        if r.report is None:
            continue
        code = (r.report.meta.get("credit_code") or "").strip().upper()
        for key in (("code", code), ("name", fold_name(r.unit))):
            if not key[1]:
                continue
            if key in seen:
                parent[root(i)] = root(seen[key])
            else:
                seen[key] = i
    return [root(i) for i in range(len(results))]


def _shown(r: FileResult) -> str:
    return r.unit or r.path.stem


def prepare(result: FileResult, layout: Layout) -> None:
    """Each text section as T5 compares it, made where the file is read (in the
    worker processes of a batch, so that the comparison of all units starts with
    them done)."""
    common = boilerplate("T5")
    result.scratch.compared = {fid: normalised(result.report.own_text(fid) or "", result.unit, common)
                       for fid in load_rules()["T5"].check["text"] if fid in layout.cells}


def copied(results: list[FileResult], layout: Layout) -> None:
    """T5 on every result whose text section is mostly another unit's."""
    check = load_rules()["T5"].check
    common = boilerplate("T5")
    unit_of = _units(results)
    for fid in (f for f in check["text"] if f in layout.cells):
        texts = []
        for i, r in enumerate(results):
            if r.report is None or fid in r.not_imported:
                continue
            text = r.scratch.compared.get(fid) or normalised(r.report.own_text(fid) or "", r.unit, common)
            if len(text) >= max(check["min_chars"], SHINGLE):
                texts.append(_Text(i, unit_of[i], text, r.year))
        for year in dict.fromkeys(t.year for t in texts):
            _compare([t for t in texts if t.year == year], results, fid, layout, check)


def _compare(texts: list[_Text], results: list[FileResult], fid: str, layout: Layout, check: dict) -> None:
    """T5 among the texts of one section and one year."""
    if len(texts) < 2:
        return
    groups: dict[str, list[_Text]] = defaultdict(list)  # texts the same once normalised
    for t in texts:
        groups[t.text].append(t)
    distinct = list(groups.values())
    partners: dict[int, list[tuple[int, int]]] = defaultdict(list)  # group → (share, other group)
    for g in range(len(distinct)):
        partners[g].append((100, g))
    for a, b, share in similar([g[0].text for g in distinct], check["threshold"]):
        partners[a].append((share, b))
        partners[b].append((share, a))
    units = [Counter(m.unit for m in members) for members in distinct]
    for g, members in enumerate(distinct):
        ranked = sorted(partners[g], key=lambda p: (-p[0], p[1]))
        for t in members:
            count = sum(len(distinct[o]) - units[o][t.unit] for _, o in ranked)
            if count:
                closest = list(islice(((share, _shown(results[m.entry])) for share, o in ranked
                                       for m in distinct[o] if m.unit != t.unit), check["shown"]))
                results[t.entry].findings.append(_finding(fid, layout, closest, count))


def _finding(fid: str, layout: Layout, closest: list[tuple[int, str]], count: int) -> Finding:
    """One finding for one unit's section: its closest copies, and how many there are."""
    listed = {lang: words(lang)["list_separator"].join(words(lang)["shared_unit"].format(name=name, share=share)
                                                        for share, name in closest)
              + (words(lang)["more_units"] if count > len(closest) else "") for lang in ("zh", "en")}
    share, other = closest[0]
    return Finding("T5", "copied" if count == 1 else "many", fields=[fid], cells=[layout.cells[fid].address],
                   actual=share, params={"label": layout.format.fields[fid].label, "other": other, "share": share,
                                         "count": count, "others": listed, "units": closest})
