"""The desk's web pages and JSON API (Starlette, Jinja2; the `desk` extra).

A unit reaches only its own page, by its private link; the office's pages need the
password's session, and every form that changes something a CSRF token. Uploads
are bounded before they are read, checked in worker processes, and every action
lands in the ledger. Pages are rendered on the server with no external resource."""
from __future__ import annotations

import contextlib
import hmac
import re
import secrets
import traceback
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.responses import JSONResponse as StarletteJSON
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from xltools.desk.checking import Checker, findings
from xltools.desk.service import Desk, Received, unit_json, who_text
from xltools.desk.settings import DeskError, now, settings_raw, shown_time, status_word
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


class JSONResponse(StarletteJSON):
    """JSON as `xltools check -f json` prints it: a Decimal as the exact number it is."""

    def render(self, content) -> bytes:
        return dumps(content, indent=None).encode("utf-8")


class Limits:
    """ASGI middleware: security headers on every answer, and a bound on every
    request body, enforced while it is received (a body without a declared length,
    or with a larger one, is refused before it is read)."""

    def __init__(self, app, limit: int, lang: str):
        self.app, self.limit, self.lang = app, limit, lang

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
            if declared is None or not declared.isdigit():
                return await _too_large(411, self.lang, send_with_headers)
            if int(declared) > limit:
                return await _too_large(413, self.lang, send_with_headers)
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


def _too_large_answer(status: int, lang: str) -> JSONResponse:
    limit = settings_raw()["upload"]["max_bytes"] // 2**20
    word = "desk_refused_too_large" if status == 413 else "desk_length_required"
    return JSONResponse({"error": words(lang)[word].format(limit=limit)}, status_code=status)


async def _too_large(status: int, lang: str, send) -> None:
    """Refused before the application: answered here, as the application would."""
    await _too_large_answer(status, lang)({"type": "http"}, None, send)


def create_app(folder: Path, lang: str = "zh", workers: int | None = None, warm: bool = True,
               checker: Checker | None = None) -> Starlette:
    """The desk's application; `checker`, when given, is the caller's to close."""
    desk = Desk(folder)
    w = words(lang)
    owned = checker is None
    checker = checker or Checker(workers, warm=warm)
    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    templates.env.globals.update(w=w, status_word=lambda key: status_word(key, lang), shown_time=shown_time,
                                 who=lambda text: who_text(text, lang), year=desk.year, lang=lang)
    templates.env.filters["findings"] = lambda stored: findings(stored)

    def page(request: Request, name: str, status: int = 200, **context) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def client(request: Request) -> str:
        return request.client.host if request.client else "-"

    def not_found(request: Request, message: str | None = None, status: int = 404) -> Response:
        """No such page, said to whom asked: the office (its own pages), or a unit (by its link)."""
        office = request.url.path.startswith("/office")
        said = message or w["desk_not_found_office" if office else "desk_not_found_text"]
        return page(request, "message.html", status, title=w["desk_not_found"], message=said, office=office)

    # --- the unit's pages, by its private link

    def own(request: Request):
        return desk.unit_by_token(request.path_params["token"])

    async def unit_page(request: Request, received=None, number: int | None = None, status: int = 200) -> Response:
        unit = own(request)
        if unit is None:
            return not_found(request)
        st = desk.standing(unit)
        shown = st.version(number) if number is not None else st.current
        if number is not None and shown is None:
            return not_found(request)
        return page(request, "unit.html", status, st=st, shown=shown, received=received,
                    token=request.path_params["token"], limit=settings_raw()["upload"]["max_bytes"] // 2**20)

    async def unit_home(request: Request) -> Response:
        return await unit_page(request)

    async def unit_version(request: Request) -> Response:
        number, unit = request.path_params["number"], own(request)
        same = request.query_params.get("same", "")  # set by the upload that led here
        received = None
        if unit is not None and same.isdigit():  # said only when true of the two versions' bytes
            st = desk.standing(unit)
            shown, earlier = st.version(number), st.version(int(same))
            if shown and earlier and shown.sha256 == earlier.sha256:
                received = Received(unit, "", version=shown, same_as=earlier.number)
        return await unit_page(request, received=received, number=number)

    async def receive_upload(request: Request, unit, channel: str):
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return None, w["desk_no_file"]
        data = await upload.read()
        received = await run_in_threadpool(desk.receive, unit, data, upload.filename or "",
                                           f"unit:{channel}:{client(request)}", checker.check_path)
        return received, None

    async def unit_upload(request: Request) -> Response:
        unit = own(request)
        if unit is None:
            return not_found(request)
        received, problem = await receive_upload(request, unit, "web")
        if problem:
            return page(request, "message.html", 400, title=w["desk_upload_refused"], message=problem)
        if received.version is None:
            return await unit_page(request, received=received, status=422)
        same = f"?same={received.same_as}" if received.same_as else ""
        return RedirectResponse(f"/u/{request.path_params['token']}/v/{received.version.number}{same}", 303)

    async def unit_file(request: Request) -> Response:
        unit = own(request)
        if unit is None:
            return not_found(request)
        return await _download(request, unit, request.path_params["number"], request.path_params["what"], "unit:web")

    async def _download(request: Request, unit, number: int, what: str, role: str) -> Response:
        version = desk.standing(unit).version(number)
        if version is None or what not in ("file", "marked"):
            return not_found(request)
        if what == "file":
            path, name = desk.version_path(version), w["desk_version_file"].format(
                unit=unit.name, number=version.number, suffix=Path(version.stored).suffix)
        else:
            path = await run_in_threadpool(desk.marked, version, checker.mark, lang)
            name = w["desk_marked_file"].format(unit=unit.name, number=version.number)
        await run_in_threadpool(desk.record, "downloaded", f"{role}:{client(request)}", unit,
                                {"version": version.number, "what": what})
        return FileResponse(path, filename=name,
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # --- the office's pages

    def session(request: Request) -> str | None:
        return desk.session(request.cookies.get(SESSION_COOKIE))

    async def posted(request: Request):
        """The form of an office action, or None without a live session and its CSRF token."""
        csrf = session(request)
        form = await request.form(max_files=0, max_fields=10)
        if csrf is None or not hmac.compare_digest(str(form.get("csrf", "")), csrf):
            return None
        return form

    def refused(request: Request) -> Response:
        return page(request, "message.html", 403, title=w["desk_forbidden"], message=w["desk_forbidden_text"])

    def to_login(request: Request) -> Response:
        return RedirectResponse("/office/login", 303)

    async def login_form(request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        response = page(request, "login.html", nonce=nonce, wrong=request.query_params.get("wrong") == "1")
        response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict")
        return response

    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not hmac.compare_digest(str(form.get("nonce", "")), nonce):
            return refused(request)
        made = await run_in_threadpool(desk.login, str(form.get("password", "")), f"office:web:{client(request)}")
        if made is None:
            return RedirectResponse("/office/login?wrong=1", 303)
        response = RedirectResponse("/office", 303)
        response.set_cookie(SESSION_COOKIE, made[0], httponly=True, samesite="strict",
                            max_age=settings_raw()["security"]["session_hours"] * 3600)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    async def logout(request: Request) -> Response:
        form = await posted(request)
        if form is None:
            return refused(request)
        await run_in_threadpool(desk.logout, request.cookies[SESSION_COOKIE], f"office:web:{client(request)}")
        response = RedirectResponse("/office/login", 303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    async def board(request: Request) -> Response:
        csrf = session(request)
        if csrf is None:
            return to_login(request)
        standings = desk.standings()
        counts = {key: sum(s.status == key for s in standings) for key in settings_raw()["status"]}
        summaries = sorted(desk.path("summaries").glob("*.xlsx"), reverse=True) if desk.path("summaries").is_dir() else []
        return page(request, "board.html", standings=standings, counts=counts, csrf=csrf, desk=desk,
                    summaries=[p.name for p in summaries[:5]], merged=request.query_params.get("merged"),
                    problem=request.query_params.get("problem"))

    def office_unit(request: Request):
        return desk.ledger.unit(request.path_params["unit"])

    def for_office(handler):
        """An office page about one unit: called with the session's CSRF token and the
        unit; without a session the sign-in page, for no such unit 404."""
        async def page_of(request: Request, **kw) -> Response:
            csrf = session(request)
            if csrf is None:
                return to_login(request)
            unit = office_unit(request)
            if unit is None:
                return not_found(request)
            return await handler(request, csrf, unit, **kw)
        return page_of

    @for_office
    async def unit_history(request: Request, csrf: str, unit, problem: str | None = None, status: int = 200) -> Response:
        st = desk.standing(unit)
        number = request.path_params.get("number")
        shown = st.version(number) if number is not None else st.current
        if number is not None and shown is None:
            return not_found(request)
        draft = desk.draft_note(st, lang) if st.current else ""
        return page(request, "office_unit.html", status, st=st, shown=shown, csrf=csrf, draft=draft,
                    problem=problem, today=desk_today())

    def desk_today() -> str:
        return now().date().isoformat()

    @for_office
    async def compare(request: Request, csrf: str, unit) -> Response:
        st = desk.standing(unit)
        try:
            numbers = [int(request.query_params.get(k, "")) for k in ("old", "new")]
        except ValueError:
            return not_found(request)
        lacking = next((n for n in numbers if st.version(n) is None), None)
        if lacking is not None:
            return not_found(request, w["desk_compare_missing"].format(unit=unit.name, number=lacking,
                                                                       n=len(st.versions)))
        old, new = (st.version(n) for n in numbers)
        from xltools.desk.service import changes, side_by_side

        return page(request, "compare.html", st=st, old=old, new=new, rows=side_by_side(old, new),
                    changes=changes(desk.version_path(old), desk.version_path(new)), csrf=csrf)

    @for_office
    async def office_file(request: Request, csrf: str, unit) -> Response:
        return await _download(request, unit, request.path_params["number"], request.path_params["what"], "office:web")

    async def act(request: Request) -> Response:
        form = await posted(request)
        if form is None:
            return refused(request)
        unit = office_unit(request)
        if unit is None:
            return not_found(request)
        who = f"office:web:{client(request)}"
        action = request.path_params["action"]
        try:
            number = int(form.get("version", "")) if form.get("version") else None
            if action == "return":
                await run_in_threadpool(desk.return_report, unit, str(form.get("note", "")), who, number, lang)
            elif action == "approve":
                await run_in_threadpool(desk.approve, unit, who, number)
            elif action == "published":
                await run_in_threadpool(desk.published, unit, str(form.get("url", "")), str(form.get("date", "")), who)
            else:
                return not_found(request)
        except DeskError as exc:
            return await unit_history(request, problem=exc.message(lang), status=409)
        except ValueError:
            return await unit_history(request, problem=w["desk_bad_form"], status=400)
        return RedirectResponse(f"/office/unit/{unit.id}", 303)

    @for_office
    async def note_docx(request: Request, csrf: str, unit) -> Response:
        from xltools.desk.note import write_docx

        try:
            text = desk.note_text(unit, lang)
        except DeskError as exc:
            return await unit_history(request, problem=exc.message(lang), status=409)
        out = desk.path("marked") / f"note-{unit.id}.docx"
        out.parent.mkdir(parents=True, exist_ok=True)
        await run_in_threadpool(write_docx, text, out, lang)
        return FileResponse(out, filename=w["desk_note_file"].format(unit=unit.name),
                            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    async def merge(request: Request) -> Response:
        form = await posted(request)
        if form is None:
            return refused(request)
        out = desk.summary_path()
        try:
            await run_in_threadpool(desk.merge, out, f"office:web:{client(request)}",
                                    str(form.get("unit", "")) or None, checker.workers)
        except DeskError as exc:
            return RedirectResponse(f"/office?problem={quote(exc.message(lang))}", 303)
        return RedirectResponse(f"/office?merged={quote(out.name)}", 303)

    async def summary(request: Request) -> Response:
        if session(request) is None:
            return to_login(request)
        name = request.path_params["name"]
        path = desk.path("summaries") / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return not_found(request)
        await run_in_threadpool(desk.record, "downloaded", f"office:web:{client(request)}", None, {"summary": name})
        return FileResponse(path, filename=name,
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # --- the JSON API

    def bearer(request: Request) -> str:
        kind, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if kind.lower() == "bearer" else ""

    async def api_upload(request: Request) -> Response:
        unit = desk.unit_by_token(bearer(request))
        if unit is None:
            return JSONResponse({"error": w["desk_api_token"]}, status_code=401)
        received, problem = await receive_upload(request, unit, "api")
        if problem:
            return JSONResponse({"error": problem}, status_code=400)
        found = [f.to_dict(lang) for f in findings(received.outcome)] if received.outcome else []
        if received.version is None:
            code = {"too_large": 413, "crashed": 500, "closed": 409}.get(received.refusal, 422)
            return JSONResponse({"unit": unit.name, "error": received.message(lang, to_unit=True), "findings": found},
                                status_code=code)
        st = desk.standing(unit)
        return JSONResponse({"unit": unit.name, "version": received.version.number,
                             "status": status_word(st.status, lang), "findings": found,
                             "score": received.version.score, "unchanged": received.unchanged,
                             "same_as": received.same_as})

    async def api_status(request: Request) -> Response:
        token = bearer(request)
        allowed = session(request) is not None or (token and await run_in_threadpool(desk.check_password, token))
        if not allowed:
            return JSONResponse({"error": w["desk_api_admin"]}, status_code=401)
        return JSONResponse([unit_json(s, lang) for s in desk.standings()])

    async def home(request: Request) -> Response:
        return RedirectResponse("/office", 303)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if owned and warm:  # start the workers (and their first check) before the first upload
            await run_in_threadpool(checker.start)
        try:
            yield
        finally:
            if owned:
                await run_in_threadpool(checker.close)

    async def no_such_page(request: Request, exc: HTTPException) -> Response:
        """The router's own refusals (no such address, a method the page does not take) in
        words, not Starlette's English "Not Found"."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": w["desk_not_found_text"]}, status_code=exc.status_code)
        return not_found(request, status=exc.status_code)

    async def too_large(request: Request, exc: _TooLarge) -> Response:
        return _too_large_answer(413, lang)

    async def internal_error(request: Request, exc: Exception) -> Response:
        """Whatever a page or the API did not expect: its traceback in the desk's logs/,
        and in words where it is (never Starlette's English "Internal Server Error")."""
        request.scope[ANSWERED] = True
        # a unit's link is its key: the log names the page without it
        path = re.sub(r"^/u/[^/]+", "/u/…", request.url.path)
        try:
            log = await run_in_threadpool(desk.log, "web", f"{request.method} {path}\n\n"
                                          + "".join(traceback.format_exception(exc)))
            said = w["desk_internal_text"].format(log=log.relative_to(desk.folder))
        except OSError:
            said = w["desk_internal_unlogged"].format(folder=desk.path("logs"))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": said}, status_code=500)
        return page(request, "message.html", 500, title=w["desk_internal_title"], message=said)

    routes = [
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
        Route("/office/unit/{unit:int}/compare", compare),
        Route("/office/unit/{unit:int}/note.docx", note_docx),
        Route("/office/unit/{unit:int}/{action}", act, methods=["POST"]),
        Route("/api/upload", api_upload, methods=["POST"]),
        Route("/api/status", api_status),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: no_such_page, _TooLarge: too_large,
                                        Exception: internal_error})
    app.state.desk, app.state.checker = desk, checker
    return Limits(app, settings_raw()["upload"]["max_bytes"], lang)
