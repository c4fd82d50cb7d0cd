"""What clerks type into number cells, understood: numbers stored as text, full-width
digits, units after the number, blanks and the marks people use for "none"; and
text as two copies of it are compared."""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from xltools.model.schema import load_rules


class CellError(str):
    """An error value Excel shows in a cell: #REF!, #DIV/0!, #VALUE! …"""


# Beyond this a count or an amount is not a number anyone reported (and floats
# stop being exact integers not far above it).
LARGEST = Decimal(10) ** 15

UNITS = ("万元", "件", "元", "条", "个", "次", "项")
MAX_DECIMALS = 6


class Parsed(NamedTuple):  # read for every number cell of every file: a tuple is made fastest
    """A cell's number, and what was unusual about it.

    status: ok | blank | mark (a blank mark such as "/") | text (a number written as
    text, read and warned) | invalid (not a number) | error (an Excel error value)
    | fraction (a count with decimals) | negative | decimals (money with more than
    six decimals) | large (beyond 10^15)
    """

    value: int | Decimal | None
    status: str
    found: str = ""


@functools.cache
def blank_marks() -> frozenset[str]:
    """Marks that mean "nothing here", read as 0 and warned about (W6 in rules.yaml)."""
    return frozenset(unicodedata.normalize("NFKC", m) for m in load_rules()["W6"].check["marks"])


def is_blank_mark(text: str) -> bool:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "") in blank_marks()


# A cell starting with one of these is a formula to Excel, whether typed or read from a
# CSV (OWASP's list for CSV injection): text written there must not start with one bare.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text for a CSV cell that Excel shows and never runs: a leading ' before a
    formula's first character (as Excel itself shows text typed with one)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# What a web page or a PDF changes in a text without anyone changing the text
_SPACES_AND_QUOTES = re.compile(r"[\s\"'“”‘’「」『』]")


def plain_text(text: str | None) -> str:
    """Text as compared: compatibility forms folded (（ → (, １ → 1), no spaces, no
    quotes."""
    return _SPACES_AND_QUOTES.sub("", unicodedata.normalize("NFKC", text or ""))


def float_decimal(value: float) -> Decimal:
    """A float from a cell as the decimal Excel shows (15 significant digits), so
    that 0.1+0.2 computed in a sheet reads as 0.3."""
    return Decimal(format(value, ".15g"))


def _shown(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _number(text: str) -> Decimal | None:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def parse(raw: Any, kind: str) -> Parsed:
    """Read a cell of kind count, signed, money or total."""
    if type(raw) is float and 0 <= raw < 1e15 and raw.is_integer() and kind != "money":
        return Parsed(int(raw), "ok")  # what nearly every cell holds
    if isinstance(raw, CellError):
        return Parsed(None, "error", str(raw))
    if raw is None or raw == "":
        return Parsed(None, "blank")
    if isinstance(raw, bool) or isinstance(raw, (datetime, date, time, timedelta)):
        return Parsed(None, "invalid", _shown(raw))
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return Parsed(None, "invalid", _shown(raw))
        return _judge(float_decimal(raw) if isinstance(raw, float) else Decimal(raw), kind, "ok", _shown(raw))
    text = str(raw)
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    if cleaned in blank_marks():
        return Parsed(None, "mark", text)
    for unit in UNITS:
        if cleaned.endswith(unit) and len(cleaned) > len(unit):
            cleaned = cleaned[: -len(unit)]
            break
    number = _number(cleaned) if re.fullmatch(r"[+-]?\d+(\.\d+)?", cleaned) else None
    if number is None:
        return Parsed(None, "invalid", text)
    return _judge(number, kind, "text", text)


def _judge(number: Decimal, kind: str, status: str, found: str) -> Parsed:
    if abs(number) >= LARGEST:
        return Parsed(None, "large", found)
    if kind != "signed" and number < 0:
        return Parsed(None, "negative", found)
    if kind == "money":
        if -number.as_tuple().exponent > MAX_DECIMALS and number != number.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
            return Parsed(None, "decimals", found)
        return Parsed(int(number) if number == number.to_integral_value() else number.normalize(), status, found)
    if number != number.to_integral_value():
        return Parsed(None, "fraction", found)
    return Parsed(int(number), status, found)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_NUMERAL = "[零〇一二两三四五六七八九十百千万]+"


def chinese_number(text: str) -> int | None:
    """一百零五 → 105, 十二 → 12, 两千 → 2000, 三万五千 → 35000; None if not a numeral."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS and ch != "万" for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:  # 万
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
    return total + section + (digit or 0)


def stated_number(text: str) -> Decimal | None:
    """A number as written in report text: 1,234 / １２ / 一百零五 / 3.5."""
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").replace("，", "").strip()
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        return Decimal(cleaned)
    n = chinese_number(cleaned)
    return None if n is None else Decimal(n)


def year_range() -> tuple[int, int]:
    """The report years that make sense: from the regulation's first to next year."""
    check = load_rules()["S5"].check
    return check["first_year"], date.today().year + check["years_ahead"]


def parse_year(raw: Any) -> Parsed:
    """The 报告年度 as clerks type it: 2024, 2024.0, "2024", "2024年", "2024年度". A
    year outside year_range() is read all the same, with status "range"."""
    if raw is None or raw == "":
        return Parsed(None, "blank")
    text = _shown(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else str(raw)
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    digits = re.fullmatch(r"(\d{4})(?:年度?)?", cleaned)
    if not digits:
        return Parsed(None, "invalid", text)
    year = int(digits.group(1))
    first, last = year_range()
    status = "range" if not first <= year <= last else \
        "ok" if isinstance(raw, (int, float)) or cleaned == digits.group(1) else "text"
    return Parsed(year, status, text)
