"""What the office and the units do at the desk: set it up for a year's roster,
receive a workbook (checked, then recorded as the unit's next version, or refused
with the reason), return a report with a note, approve it, record its publication,
merge the approved versions. The command line and the web pages both call these."""
from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import os
import secrets
import shutil
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from xltools.commands.roster import Roster, RosterUnit
from xltools.desk.auth import hash_password, new_password, password_matches
from xltools.desk.checking import findings
from xltools.desk.ledger import Ledger, Unit, Version, private, private_folder, token_hash
from xltools.desk.settings import (
    DeskError,
    default_deadline,
    now,
    parse_stamp,
    settings,
    shown_time,
    stamp,
    status_word,
)
from xltools.desk.standing import Deadlines, Standing, board_order, derived_from, standing
from xltools.model.codes import fold_name
from xltools.model.findings import Finding
from xltools.model.schema import words
from xltools.model.values import inert

CLOSED = ("approved", "published")
# findings about the folder a file was added from (Excel's lock file), not about the file the desk keeps
BESIDE = ("F8",)


@dataclass
class Created:
    desk: "Desk"
    password: str
    links: Path
    notes: list  # RosterNote: what the roster itself says (a unit listed twice)


@dataclass
class Received:
    """An upload's answer: the version recorded, or why not (a word of words.yaml
    after desk_refused_, and what it names); the check result either way when
    there was one."""

    unit: Unit | None
    filename: str
    version: Version | None = None
    refusal: str | None = None
    params: dict = field(default_factory=dict)
    outcome: dict | None = None
    same_as: int | None = None  # the number of the unit's version with these very bytes
    beside: list = field(default_factory=list)  # what the office's folder says of the file (F8), not kept

    def beside_lines(self, lang: str = "zh") -> list[str]:
        return [words(lang)["desk_add_beside"].format(said=_said(f, lang)) for f in self.beside]

    @property
    def unchanged(self) -> bool:
        """The same bytes as the unit's current version: nothing new was kept."""
        return self.version is not None and self.version.number == self.same_as

    def sameness(self, lang: str = "zh") -> str:
        """What the upload is beside the unit's earlier versions, when it is one of them again."""
        if self.same_as is None:
            return ""
        return words(lang)["desk_same_unchanged" if self.unchanged else "desk_same_as"].format(number=self.same_as)

    def message(self, lang: str = "zh", to_unit: bool = False) -> str:
        """Why the upload was refused, for the office, or (`to_unit`) for the unit that sent it."""
        if not self.refusal:
            return ""
        w = words(lang)
        said = {k: _said(v, lang, to_unit) if isinstance(v, Finding) else v for k, v in self.params.items()}
        return w["desk_refused_" + self.refusal].format(**said)


def _said(finding: Finding, lang: str, to_unit: bool = False) -> str:
    """A file's fatal finding: what is wrong, and how to put it right. A fix that
    speaks of the sender (the county reads check's words) has the unit's own words
    for the unit's page."""
    w = words(lang)
    fix = (w.get(f"desk_unit_fix_{finding.rule}") if to_unit else None) or finding.fix(lang)
    return finding.message(lang) + (w["labelled"].format(label=w["fix"], text=fix) if fix else "")


@dataclass(frozen=True)
class Throttled:
    """Too many failed attempts this clock hour: refused, before any hash, until the hour ends."""

    scope: str  # "address": from the asker's address; "total": from all addresses together
    retry_after: int  # seconds until the hour ends


def _at_the_desk(address: str) -> bool:
    """Whether a request comes from the computer that runs the desk (loopback)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


def _hour(at: datetime) -> tuple[str, int]:
    """The clock hour `at` falls in, as the failures table names it, and the seconds left of it."""
    start = at.replace(minute=0, second=0, microsecond=0)
    return start.strftime("%Y-%m-%dT%H"), int((start + timedelta(hours=1) - at).total_seconds())


def _links_csv(rows: list[list[str]]) -> bytes:
    """单位链接.csv: its header, then one row per unit; a roster's name that would start
    a formula in Excel is written inert."""
    out = io.StringIO()
    csv.writer(out).writerows([inert(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # Excel on Chinese Windows reads it as UTF-8


def _link_row(unit: Unit | RosterUnit, base: str, token: str) -> list[str]:
    """A unit's row of 单位链接.csv (settings' links_columns)."""
    return [unit.name, unit.code, unit.parent, unit.kind, f"{base}/u/{token}"]


def _token_in(row: list[str], at: int) -> str:
    """The token of a row's link (after /u/), or ""."""
    _, sep, token = row[at].rpartition("/u/") if len(row) > at else ("", "", "")
    return token if sep else ""


def _write_links(links: Path, rows: list[list[str]]) -> None:
    from xltools.model.files import atomic_output

    with atomic_output(links) as fh:
        fh.write(_links_csv(rows))
    private(links)


def base_address(url: str) -> str:
    """The address every unit's link starts with: http(s)://host[:port][/path]."""
    base = url.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise DeskError("bad_base_url", url=url)
    return base


def this_computer_only(base: str) -> bool:
    """Links that name this computer by its loopback address: no unit elsewhere can open them."""
    host = urlsplit(base).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def create(folder: Path, roster: Roster, year: int, who: str, unit: str | None = None,
           base_url: str = "http://127.0.0.1:8000", submit_by: date | None = None,
           publish_by: date | None = None) -> Created:
    """A new desk: its ledger, each unit's private link (in 单位链接.csv, the only
    place a link is kept: the ledger holds its hash), the office's password (shown
    once, kept as a hash)."""
    folder = Path(folder)
    ledger = Ledger(folder)
    if ledger.exists():
        raise DeskError("exists", path=folder)
    if not roster.units:
        raise DeskError("roster_no_units")
    nameless = next((u for u in roster.units if not u.name), None)
    if nameless is not None:
        raise DeskError("roster_no_name", code=nameless.code)
    password = new_password()
    tokens = [secrets.token_urlsafe(settings().security.token_bytes) for _ in roster.units]
    base = base_address(base_url)
    private_folder(folder)
    links = folder / settings().files["links"]
    _write_links(links, [settings().links_columns] + [_link_row(u, base, t) for u, t in zip(roster.units, tokens)])
    submit_by = submit_by or default_deadline(year, "submit")
    publish_by = publish_by or default_deadline(year, "publish")
    at = stamp(now())
    meta = {"year": str(year), "unit": unit or "", "base_url": base, "submit_by": submit_by.isoformat(),
            "publish_by": publish_by.isoformat(), "fix_days": str(settings().deadlines.fix_days),
            "admin_hash": hash_password(password), "created": at}
    ledger.create(meta, [(u.code, u.name, u.kind, u.parent, token_hash(t)) for u, t in zip(roster.units, tokens)],
                  {"kind": "created", "who": who, "at": at, "detail": {"units": len(roster.units), "year": year}})
    return Created(Desk(folder), password, links, roster.notes)


class Desk:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.ledger = Ledger(self.folder)
        if not self.ledger.exists():
            raise DeskError("not_a_desk", path=self.folder)
        self.ledger.upgrade()
        meta = self.ledger.meta()
        self.year = int(meta["year"])
        self.unit_name = meta["unit"] or None
        self.base_url = meta["base_url"]
        self.deadlines = Deadlines(date.fromisoformat(meta["submit_by"]), date.fromisoformat(meta["publish_by"]),
                                   int(meta["fix_days"]))

    def path(self, key: str) -> Path:
        return self.folder / settings().files[key]

    # --- where units stand

    def standings(self, at: datetime | None = None) -> list[Standing]:
        """Every unit, overdue first."""
        units, versions, events = self.ledger.everything(derived_from())
        by_unit: dict[int, tuple[list, list]] = {u.id: ([], []) for u in units}
        for v in versions:
            by_unit[v.unit_id][0].append(v)
        for e in events:
            if e.unit_id is not None:
                by_unit[e.unit_id][1].append(e)
        at = at or now()
        return board_order([standing(u, *by_unit[u.id], self.deadlines, at) for u in units])

    def standing(self, unit: Unit, at: datetime | None = None, conn=None) -> Standing:
        """Where the unit stands; with `conn`, as the write transaction on it sees it."""
        return standing(unit, self.ledger.versions(unit.id, conn), self.ledger.events(unit.id, conn), self.deadlines,
                        at or now())

    def find_unit(self, text: str) -> Unit:
        """A unit as the office names it: its name (as written or folded), its code,
        or a part of its name that only it has."""
        units = self.ledger.units()
        key = fold_name(text)
        exact = [u for u in units if fold_name(u.name) == key or (u.code and u.code == text.strip().upper())]
        found = exact or [u for u in units if key and key in fold_name(u.name)]
        if len(found) == 1:
            return found[0]
        if not found:
            raise DeskError("unit_unknown", text=text)
        raise DeskError("unit_ambiguous", text=text, units="、".join(u.name for u in found[:5]))

    def unit_by_token(self, token: str, address: str) -> Unit | Throttled | None:
        """The unit whose link or token this is. A valid one always opens: it is 192 bits, never
        guessed, and a flood of wrong links must not lock the units out at the deadline. Only a
        token that opens nothing counts against `address`, refused once past the hour's limit."""
        unit = self.ledger.unit_by_token(token) if token else None
        if unit is not None:
            return unit
        return self.throttled("token", address) or self._counted_first("token", address, _hour(now())[0])

    def throttled(self, kind: str, address: str, conn=None) -> Throttled | None:
        """Whether `address` is refused attempts of `kind` (login, token) for the rest of the hour.
        The total does not stop sign-ins at the desk's own computer, so that a flood of wrong
        passwords from elsewhere never locks the office out of its own desk."""
        hour, left = _hour(now())
        with self.ledger.reading(conn) as reading:
            mine, everyone = self.ledger.failures(reading, kind, address, hour)
        limit = getattr(settings().throttle, kind)
        if everyone >= limit.total and not (kind == "login" and _at_the_desk(address)):
            return Throttled("total", left)
        return Throttled("address", left) if mine >= limit.per_address else None

    # --- receiving workbooks

    def receive(self, unit: Unit, data: bytes, filename: str, who: str, check: Callable[[Path], dict]) -> Received:
        """A unit's upload: checked in a worker (`check`), then kept as its next
        version, or refused with the reason. A check that fails answers this upload
        with an error and records nothing but that it failed."""
        limit = settings().upload.max_bytes
        if len(data) > limit:
            return self._refused(Received(unit, filename, refusal="too_large", params={"limit": limit // 2**20}), who)
        closed = self._closed(unit)
        if closed:
            return self._refused(closed, who, log=False)
        staged = self.path("incoming") / secrets.token_hex(8) / f"upload{_suffix(filename)}"
        staged.parent.mkdir(parents=True)
        try:
            staged.touch(0o600)
            staged.write_bytes(data)
            try:
                result = check(staged)
            except Exception:
                log = self._log_crash(filename)
                return self._refused(Received(unit, filename, refusal="crashed", params={"log": log.name}), who)
            return self.accept(unit, data, filename, result, who)
        finally:
            shutil.rmtree(staged.parent, ignore_errors=True)

    def _closed(self, unit: Unit) -> Received | None:
        st = self.standing(unit)
        if st.status in CLOSED:
            return Received(unit, "", refusal="closed", params={"status": status_word(st.status)})
        return None

    def accept(self, unit: Unit, data: bytes, filename: str, result: dict, who: str) -> Received:
        """Keep a checked workbook as the unit's next version, unless it cannot be
        read, is another unit's or another year's, or the unit's report is filed."""
        answer = Received(unit, filename, outcome=result)
        if result["unreadable"] is not None:
            first = findings(result)[:1]
            answer.refusal, answer.params = "unreadable", {"message": first[0] if first else result["unreadable"]}
            return self._refused(answer, who)
        other = self._cover_problem(unit, result)
        if other:
            answer.refusal, answer.params = other
            return self._refused(answer, who)
        sha = hashlib.sha256(data).hexdigest()
        versions = self.ledger.versions(unit.id)
        # a file sent again as it was is not a new version; a unit going back to an earlier one is
        answer.same_as = next((v.number for v in reversed(versions) if v.sha256 == sha), None)
        if versions and versions[-1].sha256 == sha:
            answer.version = versions[-1]
            return answer
        at = stamp(now())
        # the file and its row kept together, or neither (a full disk: see Ledger.keeping)
        with self.ledger.keeping(data, _suffix(filename)) as kept, self.ledger.write() as conn:
            st = self.standing(unit, conn=conn)  # decided on the ledger as it is when the upload is recorded
            if st.status in CLOSED:  # filed while this upload was being checked
                answer.refusal, answer.params = "closed", {"status": status_word(st.status)}
            else:
                version_id = self.ledger.add_version(conn, unit.id, kept.sha, kept.stored, filename, len(data), at,
                                                     who, result, result["score"])
                self.ledger.add_event(conn, "submitted", who, at, unit.id, version_id)
                kept.place()
                answer.version = self.standing(unit, conn=conn).current
        if answer.refusal:
            return self._refused(answer, who, log=False)
        return answer

    def _cover_problem(self, unit: Unit, result: dict) -> tuple[str, dict] | None:
        """A workbook whose cover names another unit, or another year, is not filed
        under this unit: the merge would count it for the unit its cover names. A cover
        whose name is one unit's and whose code another's is neither's: filed under
        either, the merge finds the two units' reports the same one and drops both."""
        name, code = result["unit"] or "", result["code"]
        if isinstance(result["year"], int) and result["year"] != self.year:
            return "year", {"found": result["year"], "year": self.year}
        if not name and not code:
            return None  # a blank cover is the workbook's own error (S5), said by the check
        named = _named(self.ledger.units(), code, name)
        if len(named) > 1:
            by_code, by_name = named
            return "two_units", {"name": name, "by_name": by_name.name, "code": code, "by_code": by_code.name}
        if named == [unit]:
            return None
        if named:
            return "other_unit", {"found": named[0].name, "unit": unit.name}
        return "not_this_unit", {"found": name or code, "code": code or "—", "unit": unit.name,
                                 "unit_code": unit.code or "—"}

    def _refused(self, answer: Received, who: str, log: bool = True) -> Received:
        if log:
            detail = {"reason": answer.refusal, "filename": Path(answer.filename).name,
                      "message": answer.message()}
            fatal = answer.params.get("message")
            if isinstance(fatal, Finding):  # kept as data, to be said again in either language
                detail["finding"] = fatal.to_data()
            with self.ledger.write() as conn:
                self.ledger.add_event(conn, "refused", who, stamp(now()), answer.unit.id if answer.unit else None,
                                      detail=detail)
        return answer

    def _log_crash(self, filename: str) -> Path:
        return self.log("check", f"{filename}\n\n{traceback.format_exc()}")

    def log(self, kind: str, text: str) -> Path:
        """A traceback kept in the desk's logs/, readable by the desk's account only
        (it may quote a unit's file or name a unit's link)."""
        folder = self.path("logs")
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        log = folder / f"{kind}-{now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}.log"
        with open(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as fh:
            fh.write(text)
        return log

    def set_aside_leftovers(self, lang: str = "zh") -> Path | None:
        """What a desk killed mid-upload left: staged uploads in incoming/ and files in
        versions/ no version names (a half-written .tmp among them). Run when the desk
        starts, before any upload: moved, not deleted, into orphans/ (in case one is
        wanted), and said in one log line; nothing the ledger names is touched."""
        named = {(self.folder / v.stored).resolve() for v in self.ledger.versions()}
        incoming, versions = self.path("incoming"), self.path("versions")
        staged = sorted(incoming.iterdir()) if incoming.is_dir() else []
        stray = sorted(p for p in versions.rglob("*") if not p.is_dir() and p.resolve() not in named) \
            if versions.is_dir() else []
        if not staged and not stray:
            return None
        kept = self.path("orphans") / now().strftime("%Y%m%d-%H%M%S")
        for path in staged + stray:
            target = kept / path.relative_to(self.folder)
            private_folder(target.parent)
            os.replace(path, target)
        private_folder(self.path("orphans"))
        for inner in [kept, *kept.rglob("*")]:  # the folders made on the way (versions/ab/) too
            private(inner, 0o700 if inner.is_dir() else 0o600)
        said = words(lang)["desk_orphans_log"].format(n=len(staged) + len(stray), folder=kept, staged=len(staged),
                                                      stray=len(stray))
        return self.log("orphans", said + "\n")

    def add_files(self, paths: list[Path], who: str) -> list[Received]:
        """Workbooks received by e-mail: checked together (as `xltools check` does),
        each filed under the roster unit its cover names (code or name, as merge
        matches them)."""
        from xltools.commands.merge import _RosterIndex
        from xltools.desk.checking import outcome
        from xltools.rules.batch import check_paths

        units = self.ledger.units()
        by_name = _RosterIndex([RosterUnit(u.code, u.name, u.parent, u.kind) for u in units])
        out = []
        for path, result in zip(paths, check_paths(list(paths))):
            # a lock file beside it is the office's folder, not the unit's report: said here, not kept
            beside = [f for f in result.findings if f.rule in BESIDE]
            result.findings = [f for f in result.findings if f.rule not in BESIDE]
            stored = outcome(result)
            if stored["unreadable"] is not None:  # the unit its file's name names, as merge finds it
                named = by_name.named(Path(path))
                first = findings(stored)[:1]
                out.append(self._refused(Received(None if named is None else units[named], str(path),
                                                  refusal="unreadable", outcome=stored,
                                                  params={"message": first[0] if first else stored["unreadable"]}),
                                         who))
                continue
            # the first unit the cover names; a cover naming two is refused as a unit's upload is
            unit = next(iter(_named(units, stored["code"], stored["unit"] or "")), None)
            if unit is None:
                out.append(self._refused(Received(None, str(path), refusal="no_unit", outcome=stored,
                                                  params={"found": stored["unit"] or stored["code"] or "—"}), who))
                continue
            closed = self._closed(unit)
            if closed:
                closed.filename = str(path)
                out.append(self._refused(closed, who))
                continue
            answer = self.accept(unit, Path(path).read_bytes(), Path(path).name, stored, who)
            answer.filename = str(path)  # said as the office named it; the ledger keeps the file's name
            answer.beside = beside
            out.append(answer)
        return out

    # --- the office's decisions

    def _current(self, unit: Unit, number: int | None, conn=None) -> tuple[Standing, Version]:
        """The unit's current version, which must be the one the office saw (`number`)."""
        st = self.standing(unit, conn=conn)
        if st.current is None:
            raise DeskError("no_version", unit=unit.name)
        if number is not None and number != st.current.number:
            raise DeskError("not_current", unit=unit.name, number=number, current=st.current.number)
        return st, st.current

    def return_report(self, unit: Unit, note: str | None, who: str, number: int | None = None,
                      lang: str = "zh") -> str:
        """Return the current version with a note (drafted from its findings when none is given)."""
        st, version = self._current(unit, number)
        if st.status == "returned":
            raise DeskError("already_returned", unit=unit.name)
        note = (note or "").strip() or self.draft_note(st, lang)
        if not note:
            raise DeskError("note_needed", unit=unit.name)
        with self.ledger.write() as conn:  # the note is about this version: still the current one, not yet returned
            st, version = self._current(unit, version.number, conn)
            if st.status == "returned":
                raise DeskError("already_returned", unit=unit.name)
            self.ledger.add_event(conn, "returned", who, stamp(now()), unit.id, version.id, note=note)
        return note

    def approve(self, unit: Unit, who: str, number: int | None = None) -> Version:
        """File the current version. Decided inside the transaction that records it, so
        that an upload arriving meanwhile makes the version the office saw no longer
        current (refused: look at the newer one) rather than filing an older one."""
        with self.ledger.write() as conn:
            st, version = self._current(unit, number, conn)
            if st.status in CLOSED:
                raise DeskError("already_approved", unit=unit.name, number=st.approved.number)
            if version.errors:
                raise DeskError("has_errors", unit=unit.name, number=version.number, errors=version.errors)
            self.ledger.add_event(conn, "approved", who, stamp(now()), unit.id, version.id)
        return version

    def published(self, unit: Unit, url: str, day: str | None, who: str, page: tuple[bytes, str] | None = None,
                  run: Callable | None = None):
        """先备案后公布: a publication is recorded for the filed version only, on a day
        (today when none is given) not before its filing. With `page` (its bytes and
        file name: the saved web page, .docx or .pdf put online) the page is kept and
        compared with the filed version (by `run(verify, filed, page)`: the web page's
        check workers; here without), the answer kept with the publication (see
        publication.py), which is returned. A comparison that crashes records nothing:
        its traceback is logged and the hand-in refused."""
        from xltools.desk.publication import document_suffix, keep, publication_of, verify

        day = day.strip() if day and day.strip() else now().date().isoformat()
        detail = None
        if page is not None:
            data, filename = page
            suffix = document_suffix(filename)
            if len(data) > settings().upload.max_bytes:
                raise DeskError("publication_too_large", limit=settings().upload.max_bytes // 2**20)
            st = self.standing(unit)
            self._publication_checks(unit, st, url, day)  # refused before the page is read
            staged = self.path("incoming") / secrets.token_hex(8) / f"page{suffix}"  # kept once compared
            staged.parent.mkdir(parents=True)
            try:
                staged.touch(0o600)
                staged.write_bytes(data)
                checked = (run or (lambda fn, *args: fn(*args)))(verify, self.version_path(st.approved), staged)
            except Exception:
                raise DeskError("publication_crashed", log=self._log_crash(filename).name) from None
            finally:
                shutil.rmtree(staged.parent, ignore_errors=True)
            sha, stored = keep(self.folder, data, suffix)
            detail = {"file": stored, "sha256": sha, "filename": Path(filename).name, "size": len(data), **checked}
        with self.ledger.write() as conn:  # filed still when the publication is recorded
            st = self.standing(unit, conn=conn)
            url, when = self._publication_checks(unit, st, url, day)
            if detail is not None:
                detail["number"] = 1 + sum(e.kind == "published" and "number" in (e.detail or {}) for e in st.events)
                detail["version"] = st.approved.number
            self.ledger.add_event(conn, "published", who, stamp(now()), unit.id, st.approved.id, url=url,
                                  date=when.isoformat(), detail=detail)
        return publication_of(self.standing(unit))

    def _publication_checks(self, unit: Unit, st: Standing, url: str, day: str) -> tuple[str, date]:
        """The address and the day of a publication, or why it cannot be recorded."""
        if st.status not in CLOSED:
            raise DeskError("publish_before_approval", unit=unit.name, status=status_word(st.status))
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DeskError("bad_url", url=url)
        try:
            when = date.fromisoformat(day.strip())
        except ValueError:
            raise DeskError("bad_date", date=day) from None
        if when > now().date() or when.year < self.year:
            raise DeskError("date_range", date=day, first=f"{self.year}-01-01", last=now().date().isoformat())
        filed = parse_stamp(st.filing.at).date()
        if when < filed:
            raise DeskError("published_before_filing", unit=unit.name, date=when.isoformat(),
                            filed=filed.isoformat())
        return url, when

    # --- the units' links

    def _link_rows(self) -> tuple[Path, list[list[str]], int]:
        """单位链接.csv: its path, its rows (the header first) and the column of the links."""
        links = self.path("links")
        try:
            rows = [r for r in csv.reader(io.StringIO(_links_text(links.read_bytes(), links))) if any(r)]
        except FileNotFoundError:
            raise DeskError("links_missing", path=links) from None
        column = settings().links_columns[-1]
        if not rows or column not in rows[0]:
            raise DeskError("links_unreadable", path=links, column=column)
        return links, rows, rows[0].index(column)

    def relink(self, base_url: str, who: str) -> tuple[Path, int]:
        """Every unit's link rewritten in 单位链接.csv to start with a new address. The
        tokens stay (the ledger knows only their hashes): a link already sent works
        again with the new address in front."""
        base = base_address(base_url)
        links, rows, at = self._link_rows()
        for row in rows[1:]:
            token = _token_in(row, at)
            if not token:
                raise DeskError("links_unreadable", path=links, column=rows[0][at])
            row[at] = f"{base}/u/{token}"
        _write_links(links, rows)
        self.ledger.set_meta("base_url", base, {"kind": "links", "who": who, "at": stamp(now()),
                                                "detail": {"base_url": base}})
        self.base_url = base
        return links, len(rows) - 1

    def reissue(self, text: str, who: str) -> tuple[Unit, str, Path]:
        """A new link for one unit (a link that leaked, or was sent to the wrong person):
        the old one opens nothing from now on, and the new one takes its row in
        单位链接.csv. Returns the unit, its new link and the file."""
        unit = self.find_unit(text)
        links, rows, at = self._link_rows()  # read first: a file that cannot be rewritten changes nothing
        token = secrets.token_urlsafe(settings().security.token_bytes)
        with self.ledger.write() as conn:
            old = self.ledger.new_token(conn, unit.id, token)
            self.ledger.add_event(conn, "reissued", who, stamp(now()), unit.id)
        row = _link_row(unit, self.base_url, token)
        same = [i for i, r in enumerate(rows) if i and token_hash(_token_in(r, at)) == old]
        if same:
            rows[same[0]][at] = row[-1]
        else:  # its row was lost from the file: written again
            rows.append(row)
        _write_links(links, rows)
        return unit, row[-1], links

    # --- the note that returns a report

    def draft_note(self, st: Standing, lang: str = "zh") -> str:
        from xltools.desk.note import draft

        version = st.current
        due = now().date() + timedelta(days=self.deadlines.fix_days)
        return draft(st.unit.name, self.year, version, findings(version.result), due, lang) if version else ""

    def note_text(self, unit: Unit, lang: str = "zh") -> str:
        """The note of the last return while the report stands returned; else the
        note the current version would be returned with."""
        st = self.standing(unit)
        if st.status == "returned":
            return st.last_return.note
        if st.current is None:
            raise DeskError("no_version", unit=unit.name)
        note = self.draft_note(st, lang)
        if not note:
            raise DeskError("note_needed", unit=unit.name)
        return note

    # --- files

    def version_path(self, version: Version) -> Path:
        return self.folder / version.stored

    def marked(self, version: Version, mark: Callable[[Path, Path, str, str], None], lang: str = "zh") -> Path:
        """The marked copy of a version (made once, in a worker), its check time the desk's."""
        out = self.path("marked") / f"{version.sha256}.{lang}.xlsx"
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            mark(self.version_path(version), out, lang, shown_time(stamp(now())))
            private(out)
        return out

    def merge(self, out: Path, who: str, unit: str | None = None, jobs: int | None = None,
              allow_incomplete: bool = False, last=None):
        """The approved version of every unit merged (as `xltools merge` does, with the
        roster); every other unit in 上报情况 with its desk status. The figure sentences
        are drafted only when every unit is in, unless `allow_incomplete`; with `last`
        (last year's summary, read as `xltools merge --previous` reads it), they say the
        change, and 图表 compares both years."""
        from xltools.commands.merge import merge
        from xltools.commands.summary import write_summary

        unit = self.summary_unit(unit)
        standings = self.standings()
        approved = [s for s in standings if s.approved is not None]
        if not approved:
            raise DeskError("nothing_approved")
        roster_units = {s.unit.id: RosterUnit(s.unit.code, s.unit.name, s.unit.parent, s.unit.kind)
                        for s in sorted(standings, key=lambda s: s.unit.position)}
        named = words("zh")["desk_merge_file"]  # the summary is in Chinese
        result = merge([self.version_path(s.approved) for s in approved], unit, self.year,
                       Roster(list(roster_units.values())), jobs,
                       names=[named.format(file=s.approved.filename, number=s.approved.number) for s in approved])
        by_roster = {id(r): s for s in standings for r in [roster_units[s.unit.id]]}
        for m in result.missing:
            st = by_roster.get(id(m.unit))
            if st is not None and st.unread is not None:
                _unread_row(m, st, result)
            elif st is not None and st.status != "unsubmitted":
                m.status, m.reason = "not_approved", "not_approved"
                m.reason_params = {"status": status_word(st.status), "versions": len(st.versions)}
        if result.summary is None:
            raise DeskError("nothing_merged")
        write_summary(result, out, last, allow_incomplete=allow_incomplete, column=_publication_column(
            sorted(standings, key=lambda s: s.unit.position)))
        try:
            with self.ledger.write() as conn:
                self.ledger.add_event(conn, "merged", who, stamp(now()), detail={
                    "file": str(out), "merged": len(result.merged), "excluded": len(result.excluded),
                    "not_approved": sum(m.status == "not_approved" for m in result.missing),
                    "unreadable": sum(m.status == "unreadable" for m in result.missing),
                    "missing": sum(m.status == "missing" for m in result.missing)})
        except BaseException:  # a merge the ledger could not record (a full disk) leaves no summary
            out.unlink(missing_ok=True)
            raise
        return result

    def summary_unit(self, unit: str | None = None) -> str:
        """The summary's unit: as given, else the desk's --unit."""
        unit = (unit or self.unit_name or "").strip()
        if not unit:
            raise DeskError("merge_unit")
        return unit

    def summary_path(self) -> Path:
        """Where a merge made on the web page is kept: a new file each time."""
        folder = private_folder(self.path("summaries"))
        name = words("zh")["desk_summary_file"].format(year=self.year, time=now().strftime("%Y%m%d-%H%M%S"))
        return folder / name

    # --- the office's password and sessions

    def check_password(self, password: str) -> bool:
        return password_matches(password, self.ledger.meta()["admin_hash"])

    def reset_password(self, who: str) -> str:
        """A new password; every session opened with the old one ends with it."""
        password = new_password()
        with self.ledger.write() as conn:
            self.ledger.put_meta(conn, "admin_hash", hash_password(password))
            self.ledger.close_sessions(conn)
            self.ledger.add_event(conn, "password", who, stamp(now()))
        return password

    def password_attempt(self, password: str, address: str) -> bool | Throttled:
        """Whether `password` is the office's, tried from `address`. The attempt is counted
        as a failure before it is hashed (and forgiven when right), so that guesses sent
        in parallel cannot pass the limit together; past it, refused without a hash."""
        hour = _hour(now())[0]
        refused = self.throttled("login", address) or self._counted_first("login", address, hour)
        if refused:
            return refused
        if not self.check_password(password):
            return False
        with self.ledger.write() as conn:
            self.ledger.count_failure(conn, "login", address, hour, -1)
        return True

    def _counted_first(self, kind: str, address: str, hour: str) -> Throttled | None:
        """An attempt counted as a failure, unless refused: decided inside the write (the
        throttle's first look is a read, so that a flood of refusals takes no write lock)."""
        with self.ledger.write() as conn:
            refused = self.throttled(kind, address, conn)
            if refused is None:
                self.ledger.count_failure(conn, kind, address, hour)
        return refused

    def login(self, password: str, who: str, address: str) -> tuple[str, str] | Throttled | None:
        """A new session (its token and its CSRF token), None for a wrong password."""
        ok = self.password_attempt(password, address)
        if isinstance(ok, Throttled):
            return ok
        if not ok:
            return None
        at = now()
        with self.ledger.write() as conn:
            self.ledger.add_event(conn, "login", who, stamp(at))
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = at + timedelta(hours=settings().security.session_hours)
            self.ledger.open_session(conn, token, csrf, stamp(expires), stamp(at))
        return token, csrf

    def session(self, token: str | None) -> str | None:
        """The CSRF token of a live session, or None."""
        found = self.ledger.session(token) if token else None
        if found is None or parse_stamp(found[1]) < now():
            return None
        return found[0]

    def logout(self, token: str, who: str) -> None:
        with self.ledger.write() as conn:
            self.ledger.close_session(conn, token)
            self.ledger.add_event(conn, "logout", who, stamp(now()))

    def record(self, kind: str, who: str, unit: Unit | None = None, detail: dict | None = None) -> None:
        """An action that changes nothing but is kept in the ledger (a download, a merge on the page)."""
        with self.ledger.write() as conn:
            self.ledger.add_event(conn, kind, who, stamp(now()), unit.id if unit else None, detail=detail)


def _publication_column(in_roster_order: list[Standing]) -> tuple[str, float, dict[int, str]]:
    """上报情况's last column: each unit's publication as checked against what it filed
    (by its place on the desk's roster, as merge was given it)."""
    from xltools.desk.publication import publication_of

    label, width = words("zh")["desk_merge_publication_column"], settings().publication.column_width
    return label, width, {i: publication_of(st).text("zh") for i, st in enumerate(in_roster_order)}


def _unread_row(m, st: Standing, result) -> None:
    """A unit that sent only a file the desk could not read is 无法读取 in 上报情况, with
    that file and why, as merge says of such a file in a folder (and in 来源 too)."""
    from xltools.commands.inputs import Skipped
    from xltools.commands.merge import Unread

    event = st.unread
    file = Unread(Skipped(Path(event.detail["filename"]), finding=st.unread_finding, why="unopened",
                          reason=event.detail["message"]), roster_index=m.roster_index, status="unreadable",
                  modified=shown_time(event.at), for_unit=True)
    m.status, m.reason, m.files = "unreadable", "unread", [file]
    result.skipped.append(file)


def _links_text(data: bytes, path: Path) -> str:
    """单位链接.csv as written (UTF-8), or as Excel on Chinese Windows saves it again (GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DeskError("links_unreadable", path=path, column=settings().links_columns[-1])


def _named(units: list[Unit], code: str, name: str) -> list[Unit]:
    """The roster units a cover names, as merge tells units apart: the one its code is
    (a blank or mistyped code is none), then the one its name is as clerks type it,
    when that is another."""
    key = fold_name(name) if name else None
    by_code = next((u for u in units if u.code and code and u.code == code), None)
    by_name = next((u for u in units if key and fold_name(u.name) == key), None)
    return list(dict.fromkeys(u for u in (by_code, by_name) if u is not None))


def _suffix(filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    allowed = settings().upload.suffixes
    return suffix if suffix in allowed else allowed[0]
