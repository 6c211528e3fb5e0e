"""Live class sessions: the presenter's page drives, students' pages follow, the class answers
polls (docs/api.md, "Live sessions"). The state lives behind server/live's Backend."""

from __future__ import annotations

import asyncio
import io
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from .. import service
from ..errors import (
    BadLesson,
    BadPoll,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from ..live import Live
from ..live.base import (
    Full,
    Record,
    encode_event,
    new_code,
    new_token,
    normal_code,
    token_hash,
    token_matches,
)
from ..live.polls import is_right, parse_answer, question, results
from ..responses import JSONResponse
from ..schemas import (
    AnswerAccepted,
    AnswerRequest,
    ErrorResponse,
    Poll,
    PollCreate,
    PollStatus,
    SessionCreate,
    SessionCreated,
    SessionState,
    SessionUpdate,
    body_schema,
    parse_body,
    read_body,
)

router = APIRouter(
    prefix="/api/sessions",
    tags=["live sessions"],
    # (instead of FastAPI's default 422 for routes with parameters: every error is ErrorResponse)
    responses={422: {"model": ErrorResponse, "description": "Refused: the body says what"}},
)
bearer = HTTPBearer(auto_error=False, description="The presenter_token of POST /api/sessions")
Token = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

#: Seconds between keep-alive comments on an event stream (proxies drop quiet connections).
PING_SECONDS = 15
#: Seconds an event may take to leave; a reader stuck longer is cut off (its browser reconnects).
SEND_TIMEOUT = 10
#: Seconds between a quiet stream's checks that its session still exists.
EXPIRY_CHECK_SECONDS = 30
#: Milliseconds a browser waits before reconnecting a dropped stream (the SSE `retry` field).
RETRY_MS = 2000
DEFAULT_STATE = {"expression": "1/(1+exp(-z))", "inputs": {"z": 0.0}, "sigmoid": "node", "step": 0}


def _error(description: str) -> dict:
    return {"model": ErrorResponse, "description": description}


BAD_BODY = {400: _error("Malformed request: not JSON, a wrong field")}
NO_SESSION = {404: _error("No such session (never made, or expired)")}
PRESENTER = {
    401: _error("No Authorization: Bearer <presenter_token> header"),
    403: _error("A token that is not this session's presenter token"),
}
REFUSED = {422: _error("The expression or its inputs are refused; the body says what and where")}


def live(request: Request) -> Live:
    return request.app.state.live


async def session(request: Request, sid: str) -> tuple[str, Record]:
    code = normal_code(sid)
    record = await live(request).backend.load(code) if code else None
    if record is None:
        raise NotFound(f"no live session {sid[:20]!r}: it ended, or the code is mistyped")
    return code, record


def require_token(creds: HTTPAuthorizationCredentials | None) -> None:
    """401 without a token: checked before the session is looked up."""
    if creds is None or not creds.credentials:
        raise Unauthorized("the presenter's token is missing: send Authorization: Bearer <token>")


def presenter(creds: HTTPAuthorizationCredentials | None, record: Record) -> None:
    """401 without a token, 403 with one that is not the session's."""
    require_token(creds)
    if not token_matches(creds.credentials, record.token_hash):
        raise Forbidden("this is not the session's presenter token")


async def presenters_session(
    request: Request, sid: str, creds: HTTPAuthorizationCredentials | None
) -> tuple[str, Record]:
    """The session, for its presenter: 401 without a token, 404 without the session, 403 with
    another session's token."""
    require_token(creds)
    code, record = await session(request, sid)
    presenter(creds, record)
    return code, record


def join_url(request: Request, code: str) -> str:
    base = live(request).settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/?join={code}"


async def with_lesson(request: Request, state: dict, changes: dict) -> dict:
    """The changes with the lesson's slide checked against this server's lessons (422 for one
    it does not have), and the slide's expression, inputs, mode and step where the changes do
    not give their own."""
    lesson_id = changes.get("lesson", state.get("lesson"))
    if lesson_id is None:
        if changes.get("slide") is not None:
            raise BadLesson("slide: there is no lesson open: send a lesson with it")
        return {**changes, "slide": None}
    lessons = request.app.state.lessons
    lesson = await run_in_threadpool(lessons.get, lesson_id)  # the first call checks them all
    if lesson is None:
        known = ", ".join(x["id"] for x in lessons.all()) or "none"
        raise BadLesson(f"lesson: this server has no lesson {lesson_id!r} (it has: {known})")
    slide = changes.get("slide") or (state.get("slide") if "lesson" not in changes else None) or 1
    if slide > len(lesson["slides"]):
        raise BadLesson(
            f"slide: lesson {lesson_id!r} has {len(lesson['slides'])} slides; {slide} is past them"
        )
    shown = lesson["slides"][slide - 1]
    source = {k: shown[k] for k in ("expression", "inputs", "sigmoid", "step")}
    if {"expression", "inputs", "sigmoid", "step"} & changes.keys():
        source = {}  # the presenter's own graph (an edited slide): theirs, as sent
    return {**source, **changes, "lesson": lesson_id, "slide": slide}


async def checked(request: Request, state: dict, update: SessionUpdate) -> dict:
    """The state with the update's fields; a new expression, inputs or mode is run as
    /api/graph runs it (422 when refused), so nothing a student cannot draw is broadcast."""
    changes = {name: getattr(update, name) for name in update.model_fields_set}
    if {"lesson", "slide"} & changes.keys():
        changes = await with_lesson(request, state, changes)
    new = {**state, **changes}
    if {"expression", "inputs", "sigmoid"} & changes.keys():
        limits = request.app.state.limits
        await run_in_threadpool(
            service.run, new["expression"], new["inputs"], limits, sigmoid=new["sigmoid"]
        )
    return new


# -- the session --------------------------------------------------------------------------------
@router.post(
    "",
    status_code=201,
    response_class=JSONResponse,
    responses={201: {"model": SessionCreated}, **BAD_BODY, **REFUSED, 503: _error("Full, or off")},
    openapi_extra={"requestBody": {**body_schema(SessionCreate)["requestBody"], "required": False}},
)
async def create(request: Request) -> JSONResponse:
    """Start a live session: its join code and link, and the presenter's secret token."""
    body = await request.body()
    update = parse_body(SessionCreate, await read_body(request)) if body.strip() else None
    lv = live(request)
    if why := lv.settings.refusal():
        raise Unavailable(why)
    if await lv.backend.count() >= lv.limits.max_sessions:
        raise Unavailable(
            f"this server holds {lv.limits.max_sessions} live sessions, the most allowed "
            "(--max-sessions): try again when one has ended",
            retry_after=60,
        )
    state = {**DEFAULT_STATE, "lesson": None, "slide": None, "poll": None}
    if update is not None:
        state = await checked(request, state, update)
    token = new_token()
    while True:
        code = new_code()
        record = Record({"id": code, "version": 1, **state}, token_hash(token))
        if await lv.backend.create(code, record):
            break
    body = {"id": code, "join_url": join_url(request, code), "presenter_token": token}
    return JSONResponse(body, status_code=201)


@router.get(
    "/{sid}", response_class=JSONResponse, responses={200: {"model": SessionState}, **NO_SESSION}
)
async def get_state(request: Request, sid: str) -> JSONResponse:
    """The session's state now: expression, inputs, step, version, lesson slide, poll."""
    _, record = await session(request, sid)
    return JSONResponse(record.state)


@router.put(
    "/{sid}/state",
    response_class=JSONResponse,
    responses={200: {"model": SessionState}, **BAD_BODY, **PRESENTER, **NO_SESSION, **REFUSED},
    openapi_extra=body_schema(SessionUpdate),
)
async def put_state(request: Request, sid: str, creds: Token) -> JSONResponse:
    """The presenter's change (only the fields that changed): stored, then sent to every student."""
    update = parse_body(SessionUpdate, await read_body(request))
    code, record = await presenters_session(request, sid, creds)
    new = await checked(request, record.state, update)
    # the body's fields, and those a lesson's slide brought with it
    changed = update.model_fields_set | {k for k, v in new.items() if v != record.state.get(k)}

    def apply(rec: Record) -> None:
        rec.state.update({k: new[k] for k in changed})
        if "poll" in changed or {"expression", "inputs", "sigmoid"} & changed:
            rec.state["poll"] = None  # a poll is about the graph it was asked on
            rec.secret.pop("answer", None)

    state = await live(request).backend.change(code, apply)
    if state is None:
        raise NotFound(f"the live session {code} has ended")
    return JSONResponse(state)


@router.get(
    "/{sid}/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "text/event-stream: `event: state` with the whole state (id: its "
            "version) now, then one per change; `: ping` comments; `event: end` when it ends",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **NO_SESSION,
        503: _error("The session has as many streams as allowed: retry later"),
    },
)
async def events(request: Request, sid: str) -> EventSourceResponse:
    """The session's changes as Server-Sent Events (EventSource); Last-Event-ID is honoured."""
    code, _ = await session(request, sid)
    lv = live(request)
    cap = lv.limits.max_session_streams
    if lv.backend.hub.count(code) >= cap:
        raise Unavailable(
            f"this session already has {cap} students connected here, the most allowed "
            "(--max-session-streams): retrying later may find room",
            retry_after=5,
        )
    last = request.headers.get("last-event-id", "")
    last_seen = int(last) if last.isdecimal() and len(last) < 12 else 0
    return EventSourceResponse(
        stream(lv, code, last_seen, cap),
        ping=PING_SECONDS,
        send_timeout=SEND_TIMEOUT,
        headers={"cache-control": "no-store"},
    )


async def stream(lv: Live, code: str, last_seen: int, cap: int) -> AsyncIterator[bytes]:
    """The current state (unless the reader has it), then each newer change, in order."""
    yield b"retry: %d\n\n" % RETRY_MS
    try:
        async with lv.backend.subscribed(code, cap + 16) as queue:  # subscribed before reading
            record = await lv.backend.load(code)
            if record is None:
                yield b"event: end\ndata: {}\n\n"
                return
            version = record.state["version"]
            sent = last_seen if last_seen <= version else 0  # an id from before a restart
            if version > sent:
                yield encode_event(record.state)
                sent = version
            while True:
                try:  # (asyncio.timeout, not wait_for: no task per event)
                    async with asyncio.timeout(EXPIRY_CHECK_SECONDS):
                        version, event = await queue.get()
                except TimeoutError:
                    if await lv.backend.load(code) is None:
                        yield b"event: end\ndata: {}\n\n"
                        return
                    continue
                if version > sent:
                    yield event
                    sent = version
    except Full:
        yield b"event: full\ndata: {}\n\n"


@router.get(
    "/{sid}/qr.svg",
    response_class=Response,
    responses={
        200: {"description": "The join link as a QR code", "content": {"image/svg+xml": {}}},
        **NO_SESSION,
    },
)
async def qr(request: Request, sid: str) -> Response:
    """The join link as a QR code (SVG), to show large on the projector."""
    code, _ = await session(request, sid)
    out = io.BytesIO()
    segno.make(join_url(request, code), error="m").save(
        out, kind="svg", scale=10, border=4, title=f"Join the live session {code}"
    )
    return Response(out.getvalue(), media_type="image/svg+xml")


# -- polls ----------------------------------------------------------------------------------------
@router.post(
    "/{sid}/polls",
    status_code=201,
    response_class=JSONResponse,
    responses={201: {"model": Poll}, **BAD_BODY, **PRESENTER, **NO_SESSION, **REFUSED},
    openapi_extra=body_schema(PollCreate),
)
async def create_poll(request: Request, sid: str, creds: Token) -> JSONResponse:
    """Ask the class for one edge's downstream or local gradient; replaces an open poll."""
    req = parse_body(PollCreate, await read_body(request))
    code, record = await presenters_session(request, sid, creds)
    s = record.state
    limits = request.app.state.limits
    trace = await run_in_threadpool(
        service.run, s["expression"], s["inputs"], limits, sigmoid=s["sigmoid"]
    )
    asked = question(trace, req.edge, req.quantity)
    if isinstance(asked, str):
        raise BadPoll(asked)
    text, answer = asked
    poll = {
        "id": secrets.token_hex(4),
        "edge": req.edge,
        "quantity": req.quantity,
        "step": s["step"],
        "question": text,
        "revealed": False,
        "results": None,
    }

    def apply(rec: Record) -> None:
        rec.state["poll"] = poll
        rec.secret["answer"] = answer

    if await live(request).backend.change(code, apply) is None:
        raise NotFound(f"the live session {code} has ended")
    return JSONResponse(poll, status_code=201)


async def open_poll(request: Request, sid: str, poll_id: str) -> tuple[str, Record, dict]:
    code, record = await session(request, sid)
    poll = record.state.get("poll")
    if not poll or poll["id"] != poll_id:
        raise NotFound(f"no poll {poll_id[:20]!r} in the live session {code}")
    return code, record, poll


@router.get(
    "/{sid}/polls/{poll_id}",
    response_class=JSONResponse,
    responses={200: {"model": PollStatus}, 403: PRESENTER[403], **NO_SESSION},
)
async def poll_status(
    request: Request, sid: str, poll_id: str, creds: Token, client: str | None = None
) -> JSONResponse:
    """How many answered; the results for the presenter (token) or after the reveal; with
    ?client=ID that student's answer, and after the reveal whether it is right."""
    code, record, poll = await open_poll(request, sid, poll_id)
    answers = await live(request).backend.answers(code, poll_id)
    shown = poll["results"]
    if creds is not None:
        presenter(creds, record)
        shown = shown or results(list(answers.values()), record.secret["answer"])
    mine = None
    if client is not None and client in answers:
        value = answers[client]
        right = is_right(value, record.secret["answer"]) if poll["revealed"] else None
        mine = {"value": value, "right": right}
    body = {
        "id": poll_id,
        "count": len(answers),
        "revealed": poll["revealed"],
        "results": shown,
        "mine": mine,
    }
    return JSONResponse(body)


@router.post(
    "/{sid}/polls/{poll_id}/answers",
    response_class=JSONResponse,
    responses={
        200: {"model": AnswerAccepted},
        **BAD_BODY,
        **NO_SESSION,
        409: _error("The poll is revealed, or has as many answers as allowed"),
        422: _error("The answer is not a number (at most 32 characters)"),
        429: _error("Too many answers from this student: wait Retry-After seconds"),
    },
    openapi_extra=body_schema(AnswerRequest),
)
async def answer(request: Request, sid: str, poll_id: str) -> JSONResponse:
    """A student's answer (a number); answering again replaces it."""
    req = parse_body(AnswerRequest, await read_body(request))
    value = parse_answer(req.value)
    if value is None:
        raise BadPoll("the answer must be a finite number such as 0.25 or -1e-3 (32 characters)")
    lv = live(request)
    if wait := lv.throttle.take(f"{sid}:{req.client}"):
        raise TooManyRequests(f"too many answers from this browser: wait {wait} s", wait)
    code, _, poll = await open_poll(request, sid, poll_id)
    if poll["revealed"]:
        raise Conflict("this poll has been revealed: answers are closed")
    try:
        replaced = await lv.backend.answer(
            code, poll_id, req.client, value, lv.limits.max_poll_answers
        )
    except Full as exc:
        raise Conflict(f"{exc} (--max-poll-answers)") from None
    return JSONResponse({"poll": poll_id, "value": value, "replaced": replaced})


@router.post(
    "/{sid}/polls/{poll_id}/reveal",
    response_class=JSONResponse,
    responses={200: {"model": Poll}, **PRESENTER, **NO_SESSION},
)
async def reveal(
    request: Request,
    sid: str,
    poll_id: str,
    creds: Token,
) -> JSONResponse:
    """Close the poll and show everyone the histogram, the right answer and the share right."""
    require_token(creds)
    code, record, poll = await open_poll(request, sid, poll_id)
    presenter(creds, record)
    if poll["revealed"]:
        return JSONResponse(poll)
    answers = await live(request).backend.answers(code, poll_id)
    shown = results(list(answers.values()), record.secret["answer"])

    def apply(rec: Record) -> None:
        if rec.state.get("poll") and rec.state["poll"]["id"] == poll_id:
            rec.state["poll"].update(revealed=True, results=shown)

    state = await live(request).backend.change(code, apply)
    if state is None:
        raise NotFound(f"the live session {code} has ended")
    return JSONResponse(state["poll"])
