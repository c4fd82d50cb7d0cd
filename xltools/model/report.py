"""A report as data: the one JSON shape every command reads and writes.

    {"format": "2021", "meta": {"unit": ..., "year": ...}, "values": {id: number | null},
     "text": {id: str | null}, "explanations": [{"rule", "target", "text"}]}

Money is a Decimal end to end; JSON numbers are parsed and printed exactly.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Union

from xltools.model.errors import UserError
from xltools.model.schema import format_ids, load_format

Number = Union[int, Decimal]


class ReportError(UserError, ValueError):
    """Report data that does not fit the format (unknown ids, wrong types)."""

    prefix = "report_"


@dataclass
class Report:
    format: str = "2021"
    meta: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    text: dict[str, str | None] = field(default_factory=dict)
    explanations: list[dict[str, str]] = field(default_factory=list)
    # text ids whose text is still exactly what merge drafted (the county's summary):
    # the tool's sentences, not the unit's writing, so no rule scores or compares them
    drafted: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self):
        for name, (ids, known) in _ids(self.format).items():
            given = getattr(self, name)
            unknown = sorted(given.keys() - known)
            if unknown:
                raise ReportError("unknown_ids", group=name, format=self.format, ids="、".join(unknown))
            setattr(self, name, {i: given.get(i) for i in ids})
        self.values = {fid: _number(fid, value) for fid, value in self.values.items()}
        for fid, value in self.text.items():
            if value is not None and not isinstance(value, str):
                raise ReportError("not_text", field=f"text.{fid}", found=value)
        for fid, value in self.meta.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
                raise ReportError("not_text", field=f"meta.{fid}", found=value)
        self.explanations = [_explanation(item) for item in self.explanations]
        for group in (self.meta, self.text):
            for fid, value in group.items():
                if isinstance(value, str) and not value.strip():
                    group[fid] = None  # spreadsheets read whitespace alone as a blank cell

    @property
    def unit(self) -> str | None:
        return self.meta.get("unit")

    @property
    def year(self) -> int | None:
        return self.meta.get("year")

    def own_text(self, fid: str) -> str | None:
        """The text of a section as the unit wrote it: None where merge drafted it."""
        return None if fid in self.drafted else self.text.get(fid)

    def to_dict(self) -> dict:
        return {"format": self.format, "meta": self.meta, "values": self.values,
                "text": self.text, "explanations": self.explanations}

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent)

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        if not isinstance(data, dict):
            raise ReportError("not_object", found=data)
        unknown = set(data) - {"format", "meta", "values", "text", "explanations"}
        if unknown:
            raise ReportError("unknown_keys", keys="、".join(sorted(unknown)))
        parts = {}
        for key in ("meta", "values", "text"):
            part = data.get(key) or {}
            if not isinstance(part, dict):
                raise ReportError("part_not_object", key=key, found=part)
            parts[key] = dict(part)
        explanations = data.get("explanations") or []
        if not isinstance(explanations, list):
            raise ReportError("part_not_list", key="explanations", found=explanations)
        fmt = str(data.get("format", "2021"))
        if fmt not in format_ids():
            raise ReportError("format", found=fmt, expected="、".join(format_ids()))
        return cls(format=fmt, **parts, explanations=list(explanations))

    @classmethod
    def from_json(cls, text: str) -> "Report":
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise ReportError("json", line=exc.lineno, column=exc.colno) from exc
        return cls.from_dict(data)

    @classmethod
    def from_json_bytes(cls, data: bytes) -> "Report":
        """A JSON file as saved: UTF-8 with or without BOM. UTF-16 (Windows Notepad's
        "Unicode") is refused by name, so that nobody gets a puzzling JSON error."""
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise ReportError("utf16")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ReportError("encoding") from None
        return cls.from_json(text)


@functools.cache
def text_digest(text: str) -> str:
    """What the workbook's stamp keeps of a drafted text, to tell it from an edit of
    it (spaces and line breaks aside: Excel and WPS may change those)."""
    import hashlib

    return hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()[:16]


def _ids(format_id: str) -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """The field ids of each part of a report, in order and as a set: a report is made
    for every file read."""
    fmt = load_format(format_id)
    parts = {"meta": fmt.meta_fields(), "values": fmt.numeric_fields(), "text": fmt.text_fields()}
    return {name: (tuple(f.id for f in fields), frozenset(f.id for f in fields)) for name, fields in parts.items()}


def _explanation(item: Any) -> dict[str, str]:
    if not isinstance(item, dict) or set(item) - {"rule", "target", "text"}:
        raise ReportError("explanation", found=item)
    return {k: "" if not str(item.get(k) or "").strip() else str(item[k]) for k in ("rule", "target", "text")}


def _number(fid: str, value: Any) -> Any:
    """Whole numbers become int, other numbers Decimal; text is kept as text so that
    test workbooks can hold what clerks type."""
    if value is None or type(value) is int or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ReportError("not_number", field=f"values.{fid}", found=value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ReportError("not_number", field=f"values.{fid}", found=str(value))
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, int):
        return value
    raise ReportError("not_number", field=f"values.{fid}", found=value)


def number_text(value: Number) -> str:
    """A number as plain digits: no exponent, no float rounding."""
    return str(value) if isinstance(value, int) else format(value, "f")


def dumps(obj: Any, indent: int | None = 2, _level: int = 0) -> str:
    """json.dumps that prints a Decimal as the exact number it is."""
    if isinstance(obj, Decimal):
        return number_text(obj)
    if isinstance(obj, dict) and obj:
        items = [f"{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, indent, _level + 1)}" for k, v in obj.items()]
    elif isinstance(obj, list) and obj:
        items = [dumps(v, indent, _level + 1) for v in obj]
    else:
        return json.dumps(obj, ensure_ascii=False)
    open_, close = ("{", "}") if isinstance(obj, dict) else ("[", "]")
    if indent is None:
        return open_ + ", ".join(items) + close
    pad, inner = " " * (indent * _level), " " * (indent * (_level + 1))
    return open_ + "\n" + ",\n".join(inner + i for i in items) + "\n" + pad + close
