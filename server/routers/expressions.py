"""POST /api/graph, /api/check, /api/parse: read the body, call the service, return JSON.

Small requests run right here on the event loop: a sigmoid takes ~0.1 ms, less than handing it
to a worker thread and back costs, and their answers are cached (server/cache.py). Anything
bigger (a body over INLINE_BODY_BYTES, or a numerical check) runs in FastAPI's thread pool, so
its CPU time never blocks the event loop that serves the other clients.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from .. import service
from ..interpreter import Offload
from ..responses import JSONResponse
from ..schemas import (
    CheckRequest,
    GraphRequest,
    ParseRequest,
    body_schema,
    parse_body,
    read_body,
)

router = APIRouter(prefix="/api", tags=["expressions"])
ERRORS = {
    400: {"description": "Malformed request (not JSON, wrong content type or field)"},
    408: {"description": "Body not sent within the body timeout"},
    413: {"description": "Body too large"},
    422: {"description": "The expression or its inputs are refused; the body says what and where"},
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
    request: Request, route: str, body: bytes, heavy: bool, fn, *args, **kwargs
) -> JSONResponse:
    """fn(*args) inline (and cached) or in the thread pool, with a Server-Timing header.

    service.run is capped inline (INLINE_WORK); service.parse needs no cap (its work is bounded
    by the body's size)."""
    start = time.perf_counter()
    inline = not heavy and len(body) <= INLINE_BODY_BYTES
    if inline:
        cap = {"inline_cap": INLINE_WORK} if fn is service.run else {}
        try:
            content = fn(*args, **kwargs, **cap)
        except Offload:
            inline = False
    if not inline:
        content = await run_in_threadpool(fn, *args, **kwargs)
    response = JSONResponse(content)
    if inline:
        request.app.state.cache.put((route, body), response.body)
    response.headers["server-timing"] = f"app;dur={1000 * (time.perf_counter() - start):.2f}"
    return response


@router.post(
    "/graph", response_class=JSONResponse, responses=ERRORS, openapi_extra=body_schema(GraphRequest)
)
async def graph(request: Request) -> Response:
    """The whole forward pass and backprop of an expression, node by node (docs/api.md)."""
    body = await read_body(request)
    if hit := cached(request, "graph", body):
        return hit
    req = parse_body(GraphRequest, body)
    return await respond(
        request,
        "graph",
        body,
        req.check,
        service.run,
        req.expression,
        req.inputs,
        request.app.state.limits,
        seed=req.seed,
        sigmoid=req.sigmoid,
        check=req.check,
    )


@router.post(
    "/check", response_class=JSONResponse, responses=ERRORS, openapi_extra=body_schema(CheckRequest)
)
async def check(request: Request) -> Response:
    """The numerical gradient check: central differences per input and per edge."""
    req = parse_body(CheckRequest, await read_body(request))
    return await respond(
        request,
        "check",
        b"",
        True,
        service.run,
        req.expression,
        req.inputs,
        request.app.state.limits,
        seed=req.seed,
        sigmoid=req.sigmoid,
        only_check=True,
    )


@router.post(
    "/parse", response_class=JSONResponse, responses=ERRORS, openapi_extra=body_schema(ParseRequest)
)
async def parse(request: Request) -> Response:
    """The inputs, assigned names and functions of an expression, without evaluating it."""
    body = await read_body(request)
    if hit := cached(request, "parse", body):
        return hit
    req = parse_body(ParseRequest, body)
    return await respond(
        request,
        "parse",
        body,
        False,
        service.parse,
        req.expression,
        request.app.state.limits,
        req.sigmoid,
    )
