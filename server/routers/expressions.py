"""POST /api/graph, /api/check, /api/parse, /api/diagnose: read the body, call the service, JSON.

Small requests run right here on the event loop: a sigmoid takes ~0.1 ms, less than handing it
to a worker thread and back costs, and their answers are cached (server/cache.py). Anything
bigger (a body over INLINE_BODY_BYTES, or a numerical check) runs in FastAPI's thread pool, so
its CPU time never blocks the event loop that serves the other clients.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from .. import service
from ..config import Limits
from ..errors import ExpressionError
from ..interpreter import Offload
from ..responses import JSONResponse
from ..schemas import (
    CheckRequest,
    CheckResponse,
    DiagnoseRequest,
    DiagnoseResponse,
    ErrorResponse,
    GraphRequest,
    GraphResponse,
    ParseRequest,
    ParseResponse,
    body_schema,
    parse_body,
    read_body,
)
from . import DirectRoute

router = APIRouter(prefix="/api", tags=["expressions"], route_class=DirectRoute)
REQUEST_ERRORS = {
    400: {"model": ErrorResponse, "description": "Malformed request: not JSON, a wrong field"},
    408: {"model": ErrorResponse, "description": "Body not sent within the body timeout"},
    413: {"model": ErrorResponse, "description": "Body too large"},
}
EXPRESSION_ERRORS = {
    **REQUEST_ERRORS,
    422: {
        "model": ErrorResponse,
        "description": "The expression or its inputs are refused; the body says what and where",
    },
}
#: Only bodies up to this size may run inline (compiling them takes microseconds) ...
INLINE_BODY_BYTES = 1024
#: ... and only while their graph holds at most this many elements and this much work (well
#: under a millisecond); past it the request starts again in a worker thread.
INLINE_WORK = 20_000


def cached(request: Request, route: str, body: bytes) -> Response | None:
    if len(body) > INLINE_BODY_BYTES:
        return None
    content = request.app.state.cache.get((route, body))
    if content is None:
        return None
    return Response(
        content, media_type="application/json", headers={"server-timing": "cache;desc=hit"}
    )


async def respond(
    request: Request,
    route: str,
    body: bytes,
    call: Callable[..., dict],
    *,
    heavy: bool = False,
    capped: bool = False,
) -> JSONResponse:
    """call() inline (and cached) or in the thread pool, with a Server-Timing header.

    `heavy` always goes to the thread pool. `capped` calls run inline with
    `inline_cap=INLINE_WORK` and raise Offload past it, to start again in the thread pool; calls
    whose work the body's size bounds (parsing) need no cap."""
    start = time.perf_counter()
    inline = not heavy and len(body) <= INLINE_BODY_BYTES
    if inline:
        try:
            content = call(inline_cap=INLINE_WORK) if capped else call()
        except Offload:
            inline = False
    if not inline:
        content = await run_in_threadpool(call)
    response = JSONResponse(content)
    if inline:
        request.app.state.cache.put((route, body), response.body)
    response.headers["server-timing"] = f"app;dur={1000 * (time.perf_counter() - start):.2f}"
    return response


@router.post(
    "/graph",
    response_class=JSONResponse,
    responses={200: {"model": GraphResponse}, **EXPRESSION_ERRORS},
    openapi_extra=body_schema(GraphRequest),
)
async def graph(request: Request) -> Response:
    """The whole forward pass and backprop of an expression, node by node (docs/api.md)."""
    body = await read_body(request)
    if hit := cached(request, "graph", body):
        return hit
    req = parse_body(GraphRequest, body)
    run = partial(
        service.run,
        req.expression,
        req.inputs,
        request.app.state.limits,
        seed=req.seed,
        sigmoid=req.sigmoid,
        check=req.check,
        tangents=req.tangents,
    )
    return await respond(request, "graph", body, run, heavy=req.check, capped=True)


@router.post(
    "/check",
    response_class=JSONResponse,
    responses={200: {"model": CheckResponse}, **EXPRESSION_ERRORS},
    openapi_extra=body_schema(CheckRequest),
)
async def check(request: Request) -> Response:
    """The numerical gradient check: central differences per input and per edge."""
    req = parse_body(CheckRequest, await read_body(request))
    run = partial(
        service.run,
        req.expression,
        req.inputs,
        request.app.state.limits,
        seed=req.seed,
        sigmoid=req.sigmoid,
        only_check=True,
    )
    return await respond(request, "check", b"", run, heavy=True)


@router.post(
    "/parse",
    response_class=JSONResponse,
    responses={200: {"model": ParseResponse}, **EXPRESSION_ERRORS},
    openapi_extra=body_schema(ParseRequest),
)
async def parse(request: Request) -> Response:
    """The inputs, assigned names and functions of an expression, without evaluating it."""
    body = await read_body(request)
    if hit := cached(request, "parse", body):
        return hit
    req = parse_body(ParseRequest, body)
    call = partial(service.parse, req.expression, request.app.state.limits, req.sigmoid)
    return await respond(request, "parse", body, call)


def diagnose_expression(expression: str, limits: Limits, sigmoid: str = "node") -> dict:
    """/api/parse's answer or its refusal, as one 200 body."""
    try:
        return {"ok": True, "error": None, "parse": service.parse(expression, limits, sigmoid)}
    except ExpressionError as exc:
        return {"ok": False, "error": exc.payload()["error"], "parse": None}


@router.post(
    "/diagnose",
    response_class=JSONResponse,
    responses={200: {"model": DiagnoseResponse}, **REQUEST_ERRORS},
    openapi_extra=body_schema(DiagnoseRequest),
)
async def diagnose(request: Request) -> Response:
    """/api/parse for a live check: its answer or its refusal, always with status 200."""
    body = await read_body(request)
    if hit := cached(request, "diagnose", body):
        return hit
    req = parse_body(DiagnoseRequest, body)
    call = partial(diagnose_expression, req.expression, request.app.state.limits, req.sigmoid)
    return await respond(request, "diagnose", body, call)
