"""Totals computed from their parts, as the format's `sum:` declarations say."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from xltools.model.schema import Format


def is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def computed(fmt: Format, values: dict[str, Any], field_id: str, only_blank: bool = False) -> Any:
    """The value of a total from its parts (blank parts count 0, as SUM does); the
    total's own value where `only_blank` and it has one. None when a part is not a
    number."""
    field = fmt.fields[field_id]
    own = values.get(field_id)
    if field.kind != "total" or (only_blank and own is not None):
        return own
    parts = [computed(fmt, values, p, only_blank) for p in field.parts]
    if not all(p is None or is_number(p) for p in parts):
        return None
    return sum((p for p in parts if p is not None), 0)


def complete(fmt: Format, values: dict[str, Any], only_blank: bool = False) -> dict[str, Any]:
    """`values` with every total computed (or, with `only_blank`, every blank total)."""
    out = dict(values)
    for f in fmt.totals():
        out[f.id] = computed(fmt, values, f.id, only_blank)
    return out


def add_up(fmt: Format, reports: list) -> dict[str, Any]:
    """The sum of every detail of the reports, exactly (money as Decimal), totals
    recomputed from the summed parts: what merge writes, and what compare checks a
    summary against."""
    sums = {f.id: sum((r.values.get(f.id) or 0 for r in reports), 0) for f in fmt.numeric_fields() if f.kind != "total"}
    return complete(fmt, {**sums, **{f.id: None for f in fmt.totals()}})
