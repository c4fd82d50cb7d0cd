"""schemas/desk.yaml: statuses, deadlines, limits and where the desk keeps its files."""
from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from xltools.model.errors import UserError
from xltools.model.schema import read_schema

if TYPE_CHECKING:
    from xltools.model.config import Desk


class DeskError(UserError):
    """Something the office or a unit asked for that the desk cannot do: one line."""

    prefix = "desk_"


@functools.cache
def settings() -> Desk:
    """schemas/desk.yaml as its typed model."""
    from xltools.model.config import Desk

    return Desk.model_validate(read_schema("desk.yaml"))


def tz() -> timezone:
    return timezone(timedelta(hours=settings().utc_offset_hours))


def now() -> datetime:
    return datetime.now(tz()).replace(microsecond=0)


def stamp(when: datetime) -> str:
    return when.astimezone(tz()).isoformat(timespec="seconds")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(tz())


def shown_time(text: str | None) -> str:
    """A ledger time as people read it: 2024-01-20 09:30."""
    return parse_stamp(text).strftime("%Y-%m-%d %H:%M") if text else ""


def default_deadline(year: int, which: str) -> date:
    """The regulation's date in the year after the report year."""
    d = getattr(settings().deadlines, which)
    return date(year + 1, d.month, d.day)


def status_word(key: str, lang: str = "zh") -> str:
    return settings().status[key][lang]
