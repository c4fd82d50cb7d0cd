"""The desk's web pages and JSON API (Starlette, Jinja2; the `desk` extra).

A unit reaches only its own page, by its private link; the office's pages need the
password's session, and every form that changes something a CSRF token. Uploads
are bounded before they are read, checked in worker processes, and every action
lands in the ledger. Pages are rendered on the server with no external resource."""
from __future__ import annotations

import contextlib
import functools
import hmac
import re
import secrets
import sys
import threading
import traceback
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.responses import JSONResponse as StarletteJSON
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from xltools.commands.outputs import reason
from xltools.desk.checking import Checker, findings
from xltools.desk.ledger import Unit, Version, private, private_folder
from xltools.desk.publication import STATES, publication_of
from xltools.desk.publication import counts as publication_counts
from xltools.desk.render import unit_json
from xltools.desk.service import Desk, Received, Throttled
from xltools.desk.settings import DeskError, now, settings, shown_time, status_word
from xltools.model.files import unwritable
from xltools.model.findings import Finding
from xltools.model.report import dumps
from xltools.model.schema import words

SESSION_COOKIE = "desk_session"
LOGIN_COOKIE = "desk_login"
HEADERS = {
    # no external resource, no script: styles inline, nothing else from anywhere
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # a unit's link is its key: never sent to another page
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class JSONResponse(StarletteJSON):
    """JSON as `xltools check -f json` prints it: a Decimal as the exact number it is."""

    def render(self, content) -> bytes:
        return dumps(content, indent=None).encode("utf-8")


class Limits:
    """ASGI middleware: security headers on every answer, and a bound on every
    request body, enforced while it is received (a body without a declared length,
    or with a larger one, is refused before it is read)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
            await send(message)

        if scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope.get("headers", []))
            declared = headers.get(b"content-length")
            limit = self.limit + 64 * 1024  # the form's other fields and boundaries
            if declared is None or not declared.isdigit() or int(declared) > limit:
                # refused before the application, answered as it would answer (its state is the app's)
                answer = _too_large_answer(Request({**scope, "app": self.app}), 411 if declared is None
                                           or not declared.isdigit() else 413)
                return await answer(scope, receive, send_with_headers)
            receive = _bounded(receive, limit)
        try:
            return await self.app(scope, receive, send_with_headers)
        except Exception:
            if ANSWERED in scope:  # answered in words, its traceback in the desk's logs/
                return None
            raise


class _TooLarge(Exception):
    pass


def _bounded(receive, limit: int):
    """`receive` that stops a body growing past `limit` (answered by _TooLarge's handler)."""
    seen = 0

    async def bounded():
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _TooLarge()
        return message

    return bounded


ANSWERED = "xltools.desk.answered"  # set in a request's scope once its unexpected error is answered and logged


def _too_large_answer(request: Request, status: int) -> Response:
    """A body too large (413) or of no declared size (411): JSON for the API, a page for a form."""
    w = _words(request)
    said = w["desk_refused_too_large" if status == 413 else "desk_length_required"].format(
        limit=settings().upload.max_bytes // 2**20)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": said}, status_code=status)
    return page(request, "message.html", status, title=w["desk_upload_refused"], message=said)


# Every endpoint reads what it serves from `request.app.state` (see build_app). An
# endpoint that reads the ledger, a stored file or renders a page is a plain `def`:
# Starlette runs it in its thread pool, so that the event loop keeps answering
# (an upload is received while the board of a large ledger is drawn). An endpoint
# that reads a body is `async` for the body only and hands the rest to the pool.

def page(request: Request, name: str, status: int = 200, **context) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def _words(request: Request) -> dict:
    return words(request.app.state.lang)


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def not_found(request: Request, message: str | None = None, status: int = 404) -> Response:
    """No such page, said to whom asked: the office (its own pages), or a unit (by its link)."""
    w = _words(request)
    office = request.url.path.startswith("/office")
    said = message or w["desk_not_found_office" if office else "desk_not_found_text"]
    return page(request, "message.html", status, title=w["desk_not_found"], message=said, office=office)


def throttled(request: Request, refused: Throttled) -> Response:
    """429 with Retry-After, said at once (no hash): JSON for the API, a page for a form."""
    w = _words(request)
    said = w[f"desk_throttled_{refused.scope}"].format(minutes=-(-refused.retry_after // 60))
    if request.url.path.startswith("/api/"):
        answer = JSONResponse({"error": said}, status_code=429)
    else:
        answer = page(request, "message.html", 429, title=w["desk_throttled"], message=said)
    answer.headers["retry-after"] = str(refused.retry_after)
    return answer


# --- the unit's pages, by its private link

def _own(request: Request) -> Unit | Response:
    """The unit whose link this is, or the answer to a link that opens nothing (404; 429 past the throttle)."""
    found = request.app.state.desk.unit_by_token(request.path_params["token"], _client(request))
    if isinstance(found, Throttled):
        return throttled(request, found)
    return not_found(request) if found is None else found


def _unit_page(request: Request, unit: Unit, received: Received | None = None, number: int | None = None,
               status: int = 200, problem: str | None = None) -> Response:
    st = request.app.state.desk.standing(unit)
    shown = st.version(number) if number is not None else st.current
    if number is not None and shown is None:
        return not_found(request)
    return page(request, "unit.html", status, st=st, shown=shown, received=received,
                token=request.path_params["token"], limit=settings().upload.max_bytes // 2**20, problem=problem,
                today=now().date().isoformat())


def unit_home(request: Request) -> Response:
    unit = _own(request)
    return unit if isinstance(unit, Response) else _unit_page(request, unit)


def unit_version(request: Request) -> Response:
    number, unit = request.path_params["number"], _own(request)
    if isinstance(unit, Response):
        return unit
    same = request.query_params.get("same", "")  # set by the upload that led here
    received = None
    if same.isdigit():  # said only when true of the two versions' bytes
        st = request.app.state.desk.standing(unit)
        shown, earlier = st.version(number), st.version(int(same))
        if shown and earlier and shown.sha256 == earlier.sha256:
            received = Received(unit, "", version=shown, same_as=earlier.number)
    return _unit_page(request, unit, received=received, number=number)


async def _receive_upload(request: Request, unit: Unit, channel: str) -> tuple[Received | None, str | None]:
    """The upload's file read from the form, then checked and kept (or refused) in the pool."""
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        return None, _words(request)["desk_no_file"]
    data = await upload.read()
    state = request.app.state
    received = await run_in_threadpool(state.desk.receive, unit, data, upload.filename or "",
                                       f"unit:{channel}:{_client(request)}", state.checker.check_path)
    return received, None


async def unit_upload(request: Request) -> Response:
    unit = await run_in_threadpool(_own, request)
    if isinstance(unit, Response):
        return unit
    received, problem = await _receive_upload(request, unit, "web")
    return await run_in_threadpool(_uploaded, request, unit, received, problem)


def _uploaded(request: Request, unit: Unit, received: Received | None, problem: str | None) -> Response:
    """The unit's page after its upload: the version it made, or why not."""
    if problem:
        w = _words(request)
        return page(request, "message.html", 400, title=w["desk_upload_refused"], message=problem)
    if received.version is None:
        return _unit_page(request, unit, received=received, status=422)
    same = f"?same={received.same_as}" if received.same_as else ""
    return RedirectResponse(f"/u/{request.path_params['token']}/v/{received.version.number}{same}", 303)


def unit_file(request: Request) -> Response:
    unit = _own(request)
    return unit if isinstance(unit, Response) else _download(request, unit, "unit:web")


def _download(request: Request, unit: Unit, role: str) -> Response:
    """A version as it was sent (`file`) or its marked copy (`marked`, made in a worker)."""
    state, w = request.app.state, _words(request)
    number, what = request.path_params["number"], request.path_params["what"]
    version = state.desk.standing(unit).version(number)
    if version is None or what not in ("file", "marked"):
        return not_found(request)
    if what == "file":
        path, name = state.desk.version_path(version), w["desk_version_file"].format(
            unit=unit.name, number=version.number, suffix=Path(version.stored).suffix)
    else:
        path = state.desk.marked(version, state.checker.mark, state.lang)
        name = w["desk_marked_file"].format(unit=unit.name, number=version.number)
    state.desk.record("downloaded", f"{role}:{_client(request)}", unit, {"version": version.number, "what": what})
    return FileResponse(path, filename=name, media_type=XLSX)


async def unit_published(request: Request) -> Response:
    """The unit hands in the report it published (its page, with the address and the
    day): checked against its filed version, kept as its next publication record."""
    unit = await run_in_threadpool(_own, request)
    if isinstance(unit, Response):
        return unit
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        return await run_in_threadpool(_unit_page, request, unit, None, None, 400, _words(request)["desk_no_file"])
    given = (await upload.read(), upload.filename or "")
    return await run_in_threadpool(_publication_handed_in, request, unit, form, given)


def _publication_handed_in(request: Request, unit: Unit, form, given: tuple[bytes, str]) -> Response:
    desk, lang = request.app.state.desk, request.app.state.lang
    try:
        desk.published(unit, str(form.get("url", "")), str(form.get("date", "")), f"unit:web:{_client(request)}",
                       given, request.app.state.checker.run)
    except DeskError as exc:
        return _unit_page(request, unit, status=409, problem=exc.message(lang))
    return RedirectResponse(f"/u/{request.path_params['token']}#publication", 303)


# --- the office's pages

def _session(request: Request) -> str | None:
    """The CSRF token of the office's live session, or None."""
    return request.app.state.desk.session(request.cookies.get(SESSION_COOKIE))


async def _posted(request: Request):
    """The form of an office action, or None without a live session and its CSRF token."""
    csrf = await run_in_threadpool(_session, request)
    form = await request.form(max_files=0, max_fields=10)
    if csrf is None or not _same(str(form.get("csrf", "")), csrf):
        return None
    return form


def _same(sent: str, secret: str) -> bool:
    """A token sent matches the secret, compared in constant time (as bytes: a sent
    token may hold any character, which compare_digest refuses in text)."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), secret.encode("utf-8", "surrogatepass"))


def _refused(request: Request) -> Response:
    w = _words(request)
    return page(request, "message.html", 403, title=w["desk_forbidden"], message=w["desk_forbidden_text"])


def _office_action(handler):
    """An office action as an endpoint: its form read on the loop, with the session's CSRF token checked
    (refused without it), and `handler(request, form)` run in the thread pool."""
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        form = await _posted(request)
        if form is None:
            return await run_in_threadpool(_refused, request)
        return await run_in_threadpool(handler, request, form)

    return endpoint


def _to_login() -> Response:
    return RedirectResponse("/office/login", 303)


def _office(request: Request) -> str:
    return f"office:web:{_client(request)}"


def login_form(request: Request) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = page(request, "login.html", nonce=nonce, wrong=request.query_params.get("wrong") == "1")
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict")
    return response


async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=4)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not _same(str(form.get("nonce", "")), nonce):
        return await run_in_threadpool(_refused, request)
    made = await run_in_threadpool(request.app.state.desk.login, str(form.get("password", "")), _office(request),
                                   _client(request))
    if isinstance(made, Throttled):
        return await run_in_threadpool(throttled, request, made)
    if made is None:
        return RedirectResponse("/office/login?wrong=1", 303)
    response = RedirectResponse("/office", 303)
    response.set_cookie(SESSION_COOKIE, made[0], httponly=True, samesite="strict",
                        max_age=int(settings().security.session_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE)
    return response


@_office_action
def logout(request: Request, form) -> Response:
    request.app.state.desk.logout(request.cookies[SESSION_COOKIE], _office(request))
    response = RedirectResponse("/office/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def board(request: Request) -> Response:
    csrf = _session(request)
    if csrf is None:
        return _to_login()
    desk = request.app.state.desk
    standings = desk.standings()
    counts = {key: sum(s.status == key for s in standings) for key in settings().status}
    folder = desk.path("summaries")
    summaries = sorted(folder.glob("*.xlsx"), reverse=True) if folder.is_dir() else []
    # the notices say only what the desk did: a summary it keeps, a refusal by its key
    merged, problem = request.query_params.get("merged"), request.query_params.get("problem")
    return page(request, "board.html", standings=standings, counts=counts, csrf=csrf, desk=desk,
                summaries=[p.name for p in summaries[:5]], merged=merged if merged in {p.name for p in summaries}
                else None, problem=_words(request)[f"desk_{problem}"] if problem in MERGE_REFUSALS else None)


SQLITE_IDS = range(1, 2**63)  # a unit's id as SQLite keeps it: any other number names no unit


def _office_unit(request: Request) -> Unit | None:
    unit_id = request.path_params["unit"]
    return request.app.state.desk.ledger.unit(unit_id) if unit_id in SQLITE_IDS else None


def _for_office(handler):
    """An office page about one unit: called with the session's CSRF token and the
    unit; without a session the sign-in page, for no such unit 404."""
    @functools.wraps(handler)
    def page_of(request: Request, **kw) -> Response:
        csrf = _session(request)
        if csrf is None:
            return _to_login()
        unit = _office_unit(request)
        if unit is None:
            return not_found(request)
        return handler(request, csrf, unit, **kw)
    return page_of


@_for_office
def unit_history(request: Request, csrf: str, unit: Unit, problem: str | None = None, status: int = 200) -> Response:
    desk = request.app.state.desk
    st = desk.standing(unit)
    number = request.path_params.get("number")
    shown = st.version(number) if number is not None else st.current
    if number is not None and shown is None:
        return not_found(request)
    draft = desk.draft_note(st, request.app.state.lang) if st.current else ""
    return page(request, "office_unit.html", status, st=st, shown=shown, csrf=csrf, draft=draft,
                problem=problem, today=now().date().isoformat())


@_for_office
def compare_versions(request: Request, csrf: str, unit: Unit) -> Response:
    desk = request.app.state.desk
    st = desk.standing(unit)
    try:
        numbers = [int(request.query_params.get(k, "")) for k in ("old", "new")]
    except ValueError:
        return not_found(request)
    lacking = next((n for n in numbers if st.version(n) is None), None)
    if lacking is not None:
        return not_found(request, _words(request)["desk_compare_missing"].format(
            unit=unit.name, number=lacking, n=len(st.versions)))
    old, new = (st.version(n) for n in numbers)
    return page(request, "compare.html", st=st, old=old, new=new, rows=side_by_side(old, new),
                changes=changes(desk.version_path(old), desk.version_path(new)), csrf=csrf)


@_for_office
def office_file(request: Request, csrf: str, unit: Unit) -> Response:
    return _download(request, unit, "office:web")


@_office_action
def act(request: Request, form) -> Response:
    """The office returns, approves, or records the publication of a unit's report."""
    desk, lang = request.app.state.desk, request.app.state.lang
    unit = _office_unit(request)
    if unit is None:
        return not_found(request)
    who, action = _office(request), request.path_params["action"]
    try:
        number = int(form.get("version", "")) if form.get("version") else None
        if action == "return":
            desk.return_report(unit, str(form.get("note", "")), who, number, lang)
        elif action == "approve":
            desk.approve(unit, who, number)
        elif action == "published":
            desk.published(unit, str(form.get("url", "")), str(form.get("date", "")), who)
        else:
            return not_found(request)
    except DeskError as exc:
        return unit_history(request, problem=exc.message(lang), status=409)
    except ValueError:
        return unit_history(request, problem=_words(request)["desk_bad_form"], status=400)
    return RedirectResponse(f"/office/unit/{unit.id}", 303)


@_for_office
def note_docx(request: Request, csrf: str, unit: Unit) -> Response:
    from xltools.desk.note import write_docx

    desk, lang = request.app.state.desk, request.app.state.lang
    try:
        text = desk.note_text(unit, lang)
    except DeskError as exc:
        return unit_history(request, problem=exc.message(lang), status=409)
    out = desk.path("marked") / f"note-{unit.id}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_docx(text, out, lang)
    private(out)
    return FileResponse(out, filename=_words(request)["desk_note_file"].format(unit=unit.name), media_type=DOCX)


@_for_office
def publication_workbook(request: Request, csrf: str, unit: Unit) -> Response:
    """The unit's last published page against its filed version, as `xltools compare -o` writes it."""
    from xltools.desk.publication import comparison_workbook

    desk, lang = request.app.state.desk, request.app.state.lang
    st = desk.standing(unit)
    made = comparison_workbook(desk, st, lang)
    if made is None:
        return not_found(request)
    path, number = made
    desk.record("downloaded", _office(request), unit, {"publication": number})
    return FileResponse(path, filename=_words(request)["desk_publication_workbook"].format(unit=unit.name,
                                                                                           number=number),
                        media_type=XLSX)


def remind(request: Request) -> Response:
    """催报.xlsx of the units still owed, as `desk remind` writes it, made for this download."""
    from xltools.desk.remind import write_remind

    if _session(request) is None:
        return _to_login()
    desk, lang = request.app.state.desk, request.app.state.lang
    out = private_folder(desk.path("marked")) / f"remind-{secrets.token_hex(4)}.{lang}.xlsx"
    write_remind(desk, out, lang)
    private(out)
    desk.record("downloaded", _office(request), None, {"remind": out.name})
    name = _words(request)["desk_remind_file"].format(day=now().date().isoformat())
    return FileResponse(out, filename=name, media_type=XLSX, background=BackgroundTask(out.unlink, missing_ok=True))


# why a merge on the board made no summary: the board says these words only, named by their key
MERGE_REFUSALS = ("merge_unit", "nothing_approved", "nothing_merged")


@_office_action
def merge(request: Request, form) -> Response:
    """The approved versions merged into a new summary, kept in the desk's summaries/."""
    state = request.app.state
    out = state.desk.summary_path()
    try:
        state.desk.merge(out, _office(request), str(form.get("unit", "")) or None, state.checker.workers)
        private(out)
    except DeskError as exc:
        if exc.word not in MERGE_REFUSALS:
            raise
        return RedirectResponse(f"/office?problem={exc.word}", 303)
    return RedirectResponse(f"/office?merged={quote(out.name)}", 303)


def _kept_summary(desk: Desk, name: str) -> Path | None:
    """A summary in the desk's summaries/ by its name, or None. The path is resolved and
    must stay in that folder: a name with `..`, a Windows `\\` or a link that leads out of
    it names nothing (a name is never trusted to be a plain file name)."""
    folder = desk.path("summaries").resolve()
    try:
        path = (folder / name).resolve()
        if name.startswith(".") or not path.is_relative_to(folder) or not path.is_file():
            return None
    except (OSError, ValueError):  # a name the system will not look up (too long, a NUL in it)
        return None
    return path


def summary(request: Request) -> Response:
    if _session(request) is None:
        return _to_login()
    desk = request.app.state.desk
    name = request.path_params["name"]
    path = _kept_summary(desk, name)
    if path is None:
        return not_found(request)
    desk.record("downloaded", _office(request), None, {"summary": name})
    return FileResponse(path, filename=name, media_type=XLSX)


# --- the comparison of two versions

def who_text(who: str, lang: str = "zh") -> str:
    """`role:channel:detail` as the ledger keeps it, in words."""
    role, channel, detail = (who.split(":", 2) + ["", ""])[:3]
    w = words(lang)
    return w.get(f"desk_who_{role}_{channel}", who).format(detail=detail)


def changes(old: Path, new: Path) -> list[dict] | None:
    """What differs between two versions, cell by cell ({"cell", "label", "old",
    "new"} each), as `xltools compare` finds it (P1 numbers; P2 text, with the changed
    sentences marked). None when compare cannot pair them (one cover names another
    unit or year): the page then shows the two versions' findings side by side."""
    from xltools.commands.compare import CompareError, compare
    from xltools.xlsx.layout import load_layout

    try:
        result = compare(old, new, jobs=1)
    except CompareError:
        return None
    if not result.pairs or result.pairs[0].kind != "same_report":
        return None
    fields = load_layout().format.fields
    return [{"cell": f.cells[0], "label": fields[f.fields[0]].label,
             "old": f.expected if f.rule == "P1" else "", "new": f.actual if f.rule == "P1" else f.params["diff"]}
            for f in result.pairs[0].findings if f.rule in ("P1", "P2")]


def side_by_side(old: Version, new: Version) -> list[dict]:
    """The findings of two versions, each matched with the same finding in the other
    (the same rule and case at the same fields and cells, else on the same sheets: a
    table's W6 names fewer cells once one blank is filled, and is still the one
    finding): new (only in the new version), still there, explained (unexplained
    before, explained in 审核说明 now: neither new nor fixed), or fixed (only in the
    old); newest first."""
    def exact(f: Finding) -> tuple:
        return f.rule, f.case, tuple(f.fields), tuple(f.cells)

    def sheets(f: Finding) -> tuple:
        return f.rule, f.case, tuple(sorted({c.partition("!")[0] for c in f.cells}))

    before, after = findings(old.result), findings(new.result)
    pairs: dict[int, Finding] = {}  # id of a new finding → its old one
    for key in (exact, sheets):
        waiting: dict[tuple, list[Finding]] = {}
        taken = {id(f) for f in pairs.values()}
        for f in before:
            if id(f) not in taken:
                waiting.setdefault(key(f), []).append(f)
        for f in after:
            if id(f) not in pairs and waiting.get(key(f)):
                pairs[id(f)] = waiting[key(f)].pop(0)
    rows = []
    for f in after:
        was = pairs.get(id(f))
        state = "new" if was is None else "explained" if f.explained and not was.explained else "still"
        rows.append({"old": was, "new": f, "state": state})
    matched = {id(f) for f in pairs.values()}
    rows += [{"old": f, "new": None, "state": "fixed"} for f in before if id(f) not in matched]
    order = {"new": 0, "still": 1, "explained": 2, "fixed": 3}
    return sorted(rows, key=lambda r: order[r["state"]])


# --- the JSON API

def _bearer(request: Request) -> str:
    kind, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if kind.lower() == "bearer" else ""


async def api_upload(request: Request) -> Response:
    unit = await run_in_threadpool(request.app.state.desk.unit_by_token, _bearer(request), _client(request))
    if isinstance(unit, Throttled):
        return await run_in_threadpool(throttled, request, unit)
    if unit is None:
        return JSONResponse({"error": _words(request)["desk_api_token"]}, status_code=401)
    received, problem = await _receive_upload(request, unit, "api")
    if problem:
        return JSONResponse({"error": problem}, status_code=400)
    return await run_in_threadpool(_upload_json, request, unit, received)


def _upload_json(request: Request, unit: Unit, received: Received) -> Response:
    """The API's answer to an upload: the version it made and its findings, or why not."""
    lang = request.app.state.lang
    found = [f.to_dict(lang) for f in findings(received.outcome)] if received.outcome else []
    if received.version is None:
        code = {"too_large": 413, "crashed": 500, "closed": 409}.get(received.refusal, 422)
        return JSONResponse({"unit": unit.name, "error": received.message(lang, to_unit=True), "findings": found},
                            status_code=code)
    st = request.app.state.desk.standing(unit)
    return JSONResponse({"unit": unit.name, "version": received.version.number,
                         "status": status_word(st.status, lang), "findings": found,
                         "score": received.version.score, "unchanged": received.unchanged,
                         "same_as": received.same_as})


def api_status(request: Request) -> Response:
    desk, token = request.app.state.desk, _bearer(request)
    signed_in = _session(request) is not None or bool(token) and desk.password_attempt(token, _client(request))
    if isinstance(signed_in, Throttled):
        return throttled(request, signed_in)
    if not signed_in:
        return JSONResponse({"error": _words(request)["desk_api_admin"]}, status_code=401)
    return JSONResponse([unit_json(s, request.app.state.lang) for s in desk.standings()])


async def home(request: Request) -> Response:
    return RedirectResponse("/office", 303)


# --- the application

def no_such_page(request: Request, exc: HTTPException) -> Response:
    """The router's own refusals (no such address, a method the page does not take) and
    a form's that cannot be read (400: a multipart body with too many files or fields) in
    words, not Starlette's English "Not Found" or python-multipart's "Too many files"."""
    w = _words(request)
    said = w["desk_bad_form"] if exc.status_code == 400 else None
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": said or w["desk_not_found_text"]}, status_code=exc.status_code)
    if said:
        return page(request, "message.html", 400, title=w["desk_forbidden"], message=said,
                    office=request.url.path.startswith("/office"))
    return not_found(request, status=exc.status_code)


async def too_large(request: Request, exc: _TooLarge) -> Response:
    return _too_large_answer(request, 413)


def internal_error(request: Request, exc: Exception) -> Response:
    """Whatever a page or the API did not expect: its traceback in the desk's logs/,
    and in words where it is (never Starlette's English "Internal Server Error"). A
    full or read-only disk is not the desk's error: 503, see _unwritable_answer."""
    request.scope[ANSWERED] = True
    refused = unwritable(exc)
    if refused is not None:
        return _unwritable_answer(request, refused)
    desk, w = request.app.state.desk, _words(request)
    # a unit's link is its key: the log names the page without it
    path = re.sub(r"^/u/[^/]+", "/u/…", request.url.path)
    try:
        log = desk.log("web", f"{request.method} {path}\n\n" + "".join(traceback.format_exception(exc)))
        said = w["desk_internal_text"].format(log=log.relative_to(desk.folder))
    except OSError:
        said = w["desk_internal_unlogged"].format(folder=desk.path("logs"))
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": said}, status_code=500)
    return page(request, "message.html", 500, title=w["desk_internal_title"], message=said)


def _unwritable_answer(request: Request, refused: OSError) -> Response:
    """The desk's disk is full or cannot be written: 503 (nothing was kept, the desk
    goes on once it can write), for a unit in the words it can act on, for the office
    with the reason and the folder; JSON for the API. Said on the console too, once."""
    state, w = request.app.state, _words(request)
    _say_unwritable(request.app, refused)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": w["desk_disk_full"]}, status_code=503)
    office = request.url.path.startswith("/office")
    said = w["desk_disk_full_office"].format(reason=reason(refused, state.lang), folder=state.desk.folder) \
        if office else w["desk_disk_full"]
    return page(request, "message.html", 503, title=w["desk_disk_full_title"], message=said, office=office)


def _say_unwritable(app: Starlette, refused: OSError) -> None:
    """One console line for a disk that refuses the desk's writes: once, not once per
    request, until the ledger records something again (then a new refusal is said)."""
    desk = app.state.desk
    with app.state.unwritable_lock:
        if app.state.unwritable_said == desk.ledger.commits:
            return
        app.state.unwritable_said = desk.ledger.commits
    line = words(app.state.lang)["desk_disk_console"].format(reason=reason(refused, app.state.lang),
                                                              path=refused.filename or desk.folder)
    print(line, file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    checker, owned = app.state.checker, app.state.owned
    # before the first upload: what a killed desk left in incoming/ and versions/ is set aside
    try:
        await run_in_threadpool(app.state.desk.set_aside_leftovers, app.state.lang)
    except Exception as exc:
        refused = unwritable(exc)
        if refused is None:
            raise
        _say_unwritable(app, refused)  # a folder it cannot write: the desk still shows what it has
    if owned and checker.warm:  # start the workers (and their first check) before the first upload
        await run_in_threadpool(checker.start)
    try:
        yield
    finally:
        if owned:
            await run_in_threadpool(checker.close)


ROUTES = [
    Route("/", home),
    Route("/u/{token}", unit_home),
    Route("/u/{token}/upload", unit_upload, methods=["POST"]),
    Route("/u/{token}/v/{number:int}", unit_version),
    Route("/u/{token}/v/{number:int}/{what}", unit_file),
    Route("/office", board),
    Route("/office/login", login_form),
    Route("/office/login", login, methods=["POST"]),
    Route("/office/logout", logout, methods=["POST"]),
    Route("/office/merge", merge, methods=["POST"]),
    Route("/office/summaries/{name}", summary),
    Route("/office/unit/{unit:int}", unit_history),
    Route("/office/unit/{unit:int}/v/{number:int}", unit_history),
    Route("/office/unit/{unit:int}/v/{number:int}/{what}", office_file),
    Route("/office/unit/{unit:int}/compare", compare_versions),
    Route("/office/unit/{unit:int}/note.docx", note_docx),
    Route("/office/unit/{unit:int}/{action}", act, methods=["POST"]),
    Route("/api/upload", api_upload, methods=["POST"]),
    Route("/api/status", api_status),
    Route("/u/{token}/published", unit_published, methods=["POST"]),
    Route("/office/unit/{unit:int}/publication.xlsx", publication_workbook),
    Route("/office/remind.xlsx", remind),
]
EXCEPTION_HANDLERS = {HTTPException: no_such_page, _TooLarge: too_large, Exception: internal_error}


def _templates(desk: Desk, lang: str) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    templates.env.globals.update(w=words(lang), status_word=functools.partial(status_word, lang=lang),
                                 shown_time=shown_time, who=functools.partial(who_text, lang=lang), year=desk.year,
                                 lang=lang)
    templates.env.globals.update(publication=publication_of, publication_counts=publication_counts,
                                 publication_states=STATES)
    templates.env.filters["findings"] = findings
    return templates


def build_app(folder: Path, lang: str = "zh", workers: int | None = None, warm: bool = True,
              checker: Checker | None = None) -> Limits:
    """The desk's application; `checker`, when given, is the caller's to close."""
    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)
    app.state.desk = Desk(folder)
    app.state.lang = lang
    app.state.owned = checker is None
    app.state.checker = checker or Checker(workers, warm=warm)
    app.state.templates = _templates(app.state.desk, lang)
    app.state.unwritable_said, app.state.unwritable_lock = None, threading.Lock()  # see _say_unwritable
    return Limits(app, settings().upload.max_bytes)
