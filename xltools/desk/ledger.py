"""The ledger: one SQLite file in the desk folder (WAL), holding the roster of the
year, every submitted version with its check result, and every event with who and
when. Every change is one transaction; versions and events are never changed or
deleted (triggers refuse it), and a version's bytes are stored under their SHA-256,
read-only, never under the name they were uploaded with."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from xltools.desk.settings import DeskError, settings

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE units (
    id INTEGER PRIMARY KEY, position INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
    kind TEXT NOT NULL, parent TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units(id), number INTEGER NOT NULL,
    sha256 TEXT NOT NULL, stored TEXT NOT NULL, filename TEXT NOT NULL, size INTEGER NOT NULL,
    at TEXT NOT NULL, who TEXT NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
    unexplained INTEGER NOT NULL, result TEXT NOT NULL, score TEXT,
    UNIQUE (unit_id, number));
CREATE TABLE events (
    id INTEGER PRIMARY KEY, unit_id INTEGER REFERENCES units(id), version_id INTEGER REFERENCES versions(id),
    kind TEXT NOT NULL, note TEXT, url TEXT, date TEXT, detail TEXT, who TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX events_unit ON events (unit_id, id);
CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, expires TEXT NOT NULL);
CREATE TRIGGER versions_kept BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'versions are kept as they are'); END;
CREATE TRIGGER versions_never_deleted BEFORE DELETE ON versions
    BEGIN SELECT RAISE(ABORT, 'versions are never deleted'); END;
CREATE TRIGGER events_kept BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are kept as they are'); END;
CREATE TRIGGER events_never_deleted BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are never deleted'); END;
"""
# Added since the first ledgers: made on opening a desk where missing, so that older desks open.
ADDED = """
CREATE TABLE IF NOT EXISTS failures (
    address TEXT NOT NULL, hour TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (address, hour, kind));
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, unit_id, id);
"""
LEDGER_VERSION = "1"
EVERY_ADDRESS = "*"  # the failures table's row of an hour's failures from all addresses together


@dataclass(frozen=True)
class Unit:
    id: int
    position: int
    code: str
    name: str
    kind: str
    parent: str


@dataclass(frozen=True)
class Version:
    id: int
    unit_id: int
    number: int  # 1, 2, … within its unit: what the unit and the office call it
    sha256: str
    stored: str  # relative to the desk folder
    filename: str  # as uploaded, only shown
    size: int
    at: str
    who: str
    errors: int
    warnings: int
    unexplained: int
    result: dict  # the check result (checking.outcome)
    score: dict | None


@dataclass(frozen=True)
class Event:
    id: int
    unit_id: int | None
    version_id: int | None
    kind: str
    note: str | None
    url: str | None
    date: str | None
    detail: dict | None
    who: str
    at: str


def dumps(value: Any) -> str:
    """JSON that keeps a Decimal exact (findings quote money)."""
    def default(obj):
        if isinstance(obj, Decimal):
            return {"$decimal": format(obj, "f")}
        if isinstance(obj, (set, frozenset, tuple)):
            return list(obj)
        return str(obj)  # a date or time a finding quotes, as text

    return json.dumps(value, ensure_ascii=False, default=default)


def loads(text: str | None) -> Any:
    if text is None:
        return None
    return json.loads(text, object_hook=lambda d: Decimal(d["$decimal"]) if d.keys() == {"$decimal"} else d)


def private(path: Path, mode: int = 0o600) -> Path:
    """A file of the desk made its account's only, whatever the umask: it may hold every
    unit's link, a unit's report or the office's sessions."""
    os.chmod(path, mode)
    return path


def private_folder(folder: Path) -> Path:
    """The desk's folder (or one in it), its account's only: 0700 whatever the umask."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return private(folder, 0o700)


def token_hash(token: str) -> str:
    """Links and sessions are looked up by the hash of their secret: the ledger never holds one."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Ledger:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / settings().files["ledger"]
        self.commits = 0  # transactions recorded by this object: a disk that refused writes takes them again

    def exists(self) -> bool:
        return self.path.is_file()

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        conn = self.connect()
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def reading(self, conn: sqlite3.Connection | None) -> Iterator[sqlite3.Connection]:
        """`conn` when given (a read inside a write transaction sees what it decides on), else a new one."""
        if conn is not None:
            yield conn
        else:
            with self.read() as new:
                yield new

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it is recorded, or none of it."""
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # a full disk's error has rolled it back already
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self.commits += 1
        finally:
            conn.close()

    def create(self, meta: dict[str, str], units: list[tuple[str, str, str, str, str]], event: dict) -> None:
        """The ledger of a new desk: its settings and its roster (code, name, kind,
        parent, token hash per unit). Made under another name and renamed when
        complete, so that a desk folder holds a whole ledger or none."""
        if self.exists():
            raise DeskError("exists", path=self.folder)
        private_folder(self.folder)
        draft = self.path.with_name(self.path.name + ".new")
        draft.unlink(missing_ok=True)
        # made 0600 before SQLite opens it: its -wal and -shm files take the ledger's mode
        os.close(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        private(draft)
        conn = sqlite3.connect(draft, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # kept in the file: every later connection uses it
            conn.executescript(SCHEMA + ADDED)
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [("ledger_version", LEDGER_VERSION), *meta.items()])
            conn.executemany("INSERT INTO units (position, code, name, kind, parent, token_hash)"
                             " VALUES (?, ?, ?, ?, ?, ?)", [(i, *u) for i, u in enumerate(units, start=1)])
            self.add_event(conn, **event)
            conn.execute("COMMIT")
        finally:
            conn.close()
        os.replace(draft, self.path)

    def upgrade(self) -> None:
        """What later versions added to the ledger, made where missing (read first: a ledger
        that has it all is not written to)."""
        with self.read() as conn:
            if conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('failures', 'events_kind')"
                            ).fetchone()[0] == 2:
                return
            conn.executescript(ADDED)

    # --- reading

    def meta(self) -> dict[str, str]:
        with self.read() as conn:
            return {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}

    def units(self) -> list[Unit]:
        with self.read() as conn:
            return [_unit(r) for r in conn.execute("SELECT * FROM units ORDER BY position")]

    def unit(self, unit_id: int) -> Unit | None:
        with self.read() as conn:
            row = conn.execute("SELECT * FROM units WHERE id = ?", (unit_id,)).fetchone()
        return _unit(row) if row else None

    def unit_by_token(self, token: str) -> Unit | None:
        with self.read() as conn:
            row = conn.execute("SELECT * FROM units WHERE token_hash = ?", (token_hash(token),)).fetchone()
        return _unit(row) if row else None

    def versions(self, unit_id: int | None = None, conn: sqlite3.Connection | None = None) -> list[Version]:
        with self.reading(conn) as conn:
            rows = conn.execute("SELECT * FROM versions WHERE unit_id = ? ORDER BY number", (unit_id,)) \
                if unit_id is not None else conn.execute("SELECT * FROM versions ORDER BY id")
            return [_version(r) for r in rows]

    def events(self, unit_id: int | None = None, conn: sqlite3.Connection | None = None) -> list[Event]:
        with self.reading(conn) as conn:
            rows = conn.execute("SELECT * FROM events WHERE unit_id = ? ORDER BY id", (unit_id,)) \
                if unit_id is not None else conn.execute("SELECT * FROM events ORDER BY id")
            return [_event(r) for r in rows]

    def everything(self, kinds: list[str]) -> tuple[list[Unit], list[Version], list[Event]]:
        """The roster, its versions and the units' events of `kinds` in one read, for the
        board: by the index on (kind, unit_id, id), so that other events (the office's
        sign-ins, the units' downloads …), however many, are never read."""
        with self.read() as conn:
            return ([_unit(r) for r in conn.execute("SELECT * FROM units ORDER BY position")],
                    [_version(r) for r in conn.execute("SELECT * FROM versions ORDER BY id")],
                    [_event(r) for r in conn.execute(
                        f"SELECT * FROM events WHERE kind IN ({', '.join('?' * len(kinds))}) AND unit_id IS NOT NULL"
                        " ORDER BY unit_id, id", kinds)])

    # --- writing (each inside `write()`)

    @staticmethod
    def add_version(conn, unit_id: int, sha256: str, stored: str, filename: str, size: int, at: str, who: str,
                    result: dict, score: dict | None) -> int:
        number = conn.execute("SELECT COUNT(*) FROM versions WHERE unit_id = ?", (unit_id,)).fetchone()[0] + 1
        cur = conn.execute(
            "INSERT INTO versions (unit_id, number, sha256, stored, filename, size, at, who, errors, warnings,"
            " unexplained, result, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (unit_id, number, sha256, stored, filename, size, at, who, result["errors"], result["warnings"],
             result["unexplained"], dumps(result), None if score is None else dumps(score)))
        return cur.lastrowid

    @staticmethod
    def add_event(conn, kind: str, who: str, at: str, unit_id: int | None = None, version_id: int | None = None,
                  note: str | None = None, url: str | None = None, date: str | None = None,
                  detail: dict | None = None) -> int:
        cur = conn.execute(
            "INSERT INTO events (unit_id, version_id, kind, note, url, date, detail, who, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (unit_id, version_id, kind, note, url, date, None if detail is None else dumps(detail), who, at))
        return cur.lastrowid

    @staticmethod
    def put_meta(conn, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def set_meta(self, key: str, value: str, event: dict) -> None:
        with self.write() as conn:
            self.put_meta(conn, key, value)
            self.add_event(conn, **event)

    @staticmethod
    def new_token(conn, unit_id: int, token: str) -> str:
        """A unit's link changed to `token` (the old one opens nothing from now on); the old one's hash."""
        old = conn.execute("SELECT token_hash FROM units WHERE id = ?", (unit_id,)).fetchone()[0]
        conn.execute("UPDATE units SET token_hash = ? WHERE id = ?", (token_hash(token), unit_id))
        return old

    # --- failed attempts, counted per address and clock hour (never a row each)

    @staticmethod
    def failures(conn, kind: str, address: str, hour: str) -> tuple[int, int]:
        """The failures of `kind` in `hour`: from `address`, and from every address."""
        rows = dict(conn.execute("SELECT address, count FROM failures WHERE address IN (?, ?) AND hour = ?"
                                 " AND kind = ?", (address, EVERY_ADDRESS, hour, kind)).fetchall())
        return rows.get(address, 0), rows.get(EVERY_ADDRESS, 0)

    @staticmethod
    def count_failure(conn, kind: str, address: str, hour: str, by: int = 1) -> None:
        conn.executemany("INSERT INTO failures VALUES (?, ?, ?, ?) ON CONFLICT (address, hour, kind)"
                         " DO UPDATE SET count = count + excluded.count",
                         [(a, hour, kind, by) for a in (address, EVERY_ADDRESS)])

    # --- the office's sessions (a session is kept by its token's hash, with its CSRF token)

    @staticmethod
    def open_session(conn, token: str, csrf: str, expires: str, at: str) -> None:
        """A new session; the sessions expired by `at` are forgotten."""
        conn.execute("DELETE FROM sessions WHERE expires < ?", (at,))
        conn.execute("INSERT INTO sessions VALUES (?, ?, ?)", (token_hash(token), csrf, expires))

    def session(self, token: str) -> tuple[str, str] | None:
        """A session's CSRF token and when it expires, or None."""
        with self.read() as conn:
            row = conn.execute("SELECT csrf, expires FROM sessions WHERE token_hash = ?",
                               (token_hash(token),)).fetchone()
        return (row["csrf"], row["expires"]) if row else None

    @staticmethod
    def close_session(conn, token: str) -> None:
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))

    @staticmethod
    def close_sessions(conn) -> None:
        """Every session ended (the password they were opened with is no more)."""
        conn.execute("DELETE FROM sessions")

    # --- the content store

    @contextmanager
    def keeping(self, data: bytes, suffix: str) -> Iterator[Kept]:
        """A version's bytes kept under their SHA-256 (the same bytes once), with the
        transaction that records them: written first under a temporary name beside their
        place, put in place (`Kept.place`) inside that transaction, taken away again if it
        is not recorded. versions/ never holds a file no row names, nor the ledger a row
        without its file: a full disk fails before the row is written, or undoes both."""
        kept = Kept(self, data, suffix)
        try:
            yield kept
        except BaseException:
            kept.undo()
            raise
        kept.done()


class Kept:
    """A version's bytes on their way into versions/ (see Ledger.keeping)."""

    def __init__(self, ledger: Ledger, data: bytes, suffix: str):
        self.ledger = ledger
        self.sha = hashlib.sha256(data).hexdigest()
        self.stored = f"{settings().files['versions']}/{self.sha[:2]}/{self.sha}{suffix}"
        self.target = ledger.folder / self.stored
        self.placed = False
        self.target.parent.mkdir(parents=True, exist_ok=True)
        # written even when the same bytes are kept already: until the row is recorded,
        # the kept file may be one a failed transaction is taking away
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        self.draft: Path | None = Path(name)  # made 0600: the desk's account's only
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:  # a full disk's error names no file: this one
            self.draft.unlink(missing_ok=True)
            raise OSError(exc.errno, exc.strerror, str(self.target)) from exc
        except BaseException:
            self.draft.unlink(missing_ok=True)
            raise

    def place(self) -> None:
        """In place, inside the transaction that records it: under its lock, the kept
        file is one a recorded row names, or none."""
        if not self.target.exists():
            os.replace(self.draft, self.target)
            self.draft, self.placed = None, True

    def undo(self) -> None:
        """The transaction was not recorded: nothing of this upload stays in versions/.
        The file placed is taken away under the ledger's lock, unless another upload of the
        same bytes recorded a row naming it meanwhile."""
        if self.draft is not None:
            self.draft.unlink(missing_ok=True)
        if self.placed:
            try:
                with self.ledger.read() as conn:
                    conn.execute("BEGIN IMMEDIATE")  # released unwritten when the connection closes
                    if conn.execute("SELECT 1 FROM versions WHERE stored = ?", (self.stored,)).fetchone() is None:
                        self.target.unlink(missing_ok=True)
            except sqlite3.Error:  # a ledger that cannot even be read: the file is set aside when the desk starts
                pass

    def done(self) -> None:
        """Recorded: the file placed made read-only, a draft not needed removed."""
        if self.placed:
            private(self.target, 0o400)  # read-only, and the desk's account's only
        elif self.draft is not None:
            self.draft.unlink(missing_ok=True)


def _unit(r) -> Unit:
    return Unit(r["id"], r["position"], r["code"], r["name"], r["kind"], r["parent"])


def _version(r) -> Version:
    return Version(r["id"], r["unit_id"], r["number"], r["sha256"], r["stored"], r["filename"], r["size"], r["at"],
                   r["who"], r["errors"], r["warnings"], r["unexplained"], loads(r["result"]), loads(r["score"]))


def _event(r) -> Event:
    return Event(r["id"], r["unit_id"], r["version_id"], r["kind"], r["note"], r["url"], r["date"], loads(r["detail"]),
                 r["who"], r["at"])
