"""Where a unit stands, derived from its events and never stored: its status (the
last of submitted, returned, approved, published; before any, whether a file it
sent was refused as unreadable), its current and its approved version, and the
deadlines it has missed or met late."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from xltools.desk.ledger import Event, Unit, Version
from xltools.desk.settings import parse_stamp, settings
from xltools.model.findings import Finding

UNREADABLE = "unreadable"  # a refusal's reason, and the status of a unit that sent only such files


@dataclass(frozen=True)
class Deadlines:
    submit: date
    publish: date
    fix_days: int


@dataclass
class Standing:
    unit: Unit
    versions: list[Version]
    events: list[Event]  # on the board, only those of the kinds derived_from()
    status: str  # a key of desk.yaml's status
    overdue: list[str] = field(default_factory=list)  # deadlines passed with the step not done: submit, fix, publish
    late: list[str] = field(default_factory=list)  # steps done, but after their deadline
    due: date | None = None  # the unit's next deadline

    @property
    def current(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def version(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    def _last(self, kind: str) -> Event | None:
        return next((e for e in reversed(self.events) if e.kind == kind), None)

    @property
    def approved(self) -> Version | None:
        """The version filed (已备案), while the unit stands there or beyond."""
        if self.status not in ("approved", "published"):
            return None
        event = self._last("approved")
        return next(v for v in self.versions if v.id == event.version_id)

    @property
    def filing(self) -> Event | None:
        """The filing (备案) of the approved version."""
        return self._last("approved") if self.approved is not None else None

    @property
    def last_return(self) -> Event | None:
        return self._last("returned")

    @property
    def returned_number(self) -> int | None:
        """The version the last return was about."""
        event = self.last_return
        return next((v.number for v in self.versions if event and v.id == event.version_id), None)

    @property
    def publication(self) -> Event | None:
        return self._last("published") if self.status == "published" else None

    @property
    def unread(self) -> Event | None:
        """The refusal of the unreadable file that is all the unit has sent: the file
        arrived (a status of its own), but no report was received."""
        return next((e for e in reversed(self.events) if _unreadable(e)), None) \
            if self.status == UNREADABLE else None

    @property
    def unread_finding(self) -> Finding | None:
        """Why that file could not be read: its fatal finding (F1–F7)."""
        kept = self.unread.detail.get("finding")
        return Finding.from_data(kept) if kept else None  # refused before the desk kept the finding

    def unread_why(self, lang: str = "zh") -> str:
        finding = self.unread_finding
        return f"{finding.rule} {finding.message(lang)}" if finding else self.unread.detail["message"]

    @property
    def notes(self) -> list[Event]:
        """The office's notes to the unit, newest first."""
        return [e for e in reversed(self.events) if e.kind == "returned"]


def derived_from() -> list[str]:
    """The kinds of event a standing follows from: the cycle's moves and refusals."""
    return [*settings().events, "refused"]


def _unreadable(event: Event) -> bool:
    return event.kind == "refused" and (event.detail or {}).get("reason") == UNREADABLE


def _day(event: Event) -> date:
    return parse_stamp(event.at).date()


def standing(unit: Unit, versions: list[Version], events: list[Event], deadlines: Deadlines,
             at: datetime) -> Standing:
    moves = settings().events
    cycle = [e for e in events if e.kind in moves]
    status = moves[cycle[-1].kind] if cycle else UNREADABLE if any(map(_unreadable, events)) else "unsubmitted"
    s = Standing(unit, versions, events, status)
    today = at.date()
    submitted = [e for e in cycle if e.kind == "submitted"]
    if not submitted:
        s.due = deadlines.submit
        if today > deadlines.submit:
            s.overdue.append("submit")
    elif _day(submitted[0]) > deadlines.submit:
        s.late.append("submit")
    for i, e in enumerate(cycle):  # each return: was it answered within the days given?
        if e.kind != "returned":
            continue
        due = _day(e) + timedelta(days=deadlines.fix_days)
        answer = next((x for x in cycle[i + 1:] if x.kind == "submitted"), None)
        if answer is None and status == "returned":
            s.due = due
            if today > due:
                s.overdue.append("fix")
        elif answer is not None and _day(answer) > due:
            s.late.append("fix")
    if status == "published":
        published = date.fromisoformat(s.publication.date)
        if published > deadlines.publish:
            s.late.append("publish")
    else:
        s.due = s.due or deadlines.publish
        if today > deadlines.publish:
            s.overdue.append("publish")
    s.late = list(dict.fromkeys(s.late))
    return s


def board_order(standings: list[Standing]) -> list[Standing]:
    """Overdue first, then in the order of the roster."""
    return sorted(standings, key=lambda s: (not s.overdue, s.unit.position))
