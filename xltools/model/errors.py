"""What a user gave that cannot be used (a report's JSON, an output path, a roster),
told in the words of schemas/words.yaml, in Chinese or English. Problems in the
data of a report are findings, not these."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from xltools.model.schema import words


class UserError(Exception):
    """A word of schemas/words.yaml (after the class's prefix) and the values that fill it."""

    prefix = ""

    def __init__(self, word: str, **params):
        self.word, self.params = word, params
        super().__init__(self.message("zh"))

    def message(self, lang: str = "zh") -> str:
        # what the user wrote as JSON is quoted as JSON: its type is what is wrong with it
        return words(lang)[self.prefix + self.word].format(**{
            k: shown(json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (list, dict)) else v, lang)
            for k, v in self.params.items()})


SHOWN_LENGTH = 80  # what a message quotes of a cell or of what a user gave: enough to recognise it


def shown(value: Any, lang: str = "zh") -> str:
    """A value as a message quotes it: a path whole, a list in the words of the language,
    a Decimal as a person writes it, a long text cut, a character that cannot print as �."""
    if isinstance(value, PurePath):
        return str(value)  # a path is shown whole: it says where to look
    if isinstance(value, list):  # a list of cells, readings …
        return words(lang)["list_separator"].join(shown(v, lang) for v in value)
    if isinstance(value, Decimal):  # as a person writes it: 80, 1.5 (not 80.000000, 8E+1)
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    text = "" if value is None else str(value)
    if len(text) > SHOWN_LENGTH:
        text = text[:SHOWN_LENGTH] + words(lang)["shown_length"].format(n=len(text))
    if text.isprintable():  # nearly always: no character to replace
        return text
    return "".join(ch if ch.isprintable() or ch in "\n" else "�" for ch in text)
