"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character."""
from __future__ import annotations

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
