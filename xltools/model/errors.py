"""What a user gave that cannot be used (a report's JSON, an output path, a roster),
told in the words of schemas/words.yaml, in Chinese or English. Problems in the
data of a report are findings, not these."""
from __future__ import annotations

import json
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
        return words(lang)[self.prefix + self.word].format(**{k: _shown(v) for k, v in self.params.items()})


def _shown(value: Any) -> str:
    if isinstance(value, PurePath):
        return str(value)  # a path is shown whole: it says where to look
    text = value if isinstance(value, str) else str(value) if not isinstance(value, (list, dict)) \
        else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:60] + "…"
