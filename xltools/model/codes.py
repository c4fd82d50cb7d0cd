"""Telling units apart: 统一社会信用代码 (GB 32100-2015: 18 characters, the last a check
character), and unit names as clerks type them."""
from __future__ import annotations

import re

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_char(body: str) -> str:
    """The 18th character for the first 17."""
    total = sum(CHARSET.index(ch) * w for ch, w in zip(body, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    code = code.strip().upper()
    return (len(code) == 18 and all(ch in CHARSET for ch in code)
            and check_char(code[:17]) == code[17])


# Brackets clerks type for the same thing: （开发区） (开发区) 【开发区】 〔开发区〕.
_OPEN, _CLOSE = "(［【〔〖｛{[", ")］】〕〗｝}]"
_BRACKETS = str.maketrans({**{c: "(" for c in _OPEN}, **{c: ")" for c in _CLOSE}})


def fold_name(name: str | None) -> str:
    """A unit's name as compared, never as shown: compatibility forms folded (（ → (,
    ２ → 2), every space removed, brackets made one kind."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name or "").translate(_BRACKETS)
    return "".join(text.split())


# the organ a unit's full name ends in, which its own text leaves out (赤土店镇人民政府 → 赤土店镇)
_ORGAN = re.compile(r"(?:人民政府|办事处|管理委员会|管委会)$")
# the county or city a unit's name begins with (栾川县赤土店镇 → 赤土店镇), when a name follows
_PLACE = re.compile(r"^.{1,8}?[省市县区旗](?=.{2,})")


def short_name(name: str) -> str:
    """What a unit calls itself in its text: 栾川县赤土店镇人民政府 → 赤土店镇,
    示例县教育局 → 教育局, 洪泽区人民政府 → 洪泽区."""
    short = _ORGAN.sub("", (name or "").strip()) or (name or "").strip()
    for _ in range(3):  # 河南省洛阳市栾川县…
        short = _PLACE.sub("", short)
    return short


def similarity(a: str, b: str) -> float:
    """How alike two folded names are, 0 to 1 (rapidfuzz's normalised Indel ratio)."""
    from rapidfuzz.fuzz import ratio

    return ratio(a, b) / 100
