"""POST /api/graph, /api/check, /api/parse: parse, call the engine, return JSON.

The routes are sync (`def`): FastAPI runs them in its thread pool, so the CPU work of one request
never blocks the event loop that serves the others.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from .. import service
from ..config import Limits
from ..responses import JSONResponse
from ..schemas import CheckRequest, GraphRequest, ParseRequest, body, body_schema

router = APIRouter(prefix="/api", tags=["expressions"])
ERRORS = {400: {"description": "Malformed request (not JSON, wrong content type or field)"},
          413: {"description": "Body too large"}, 408: {"description": "Body not sent in time"},
          422: {"description": "The expression or its inputs are refused; the body says what "
                               "and where"}}


def get_limits(request: Request) -> Limits:
    return request.app.state.limits


Limited = Annotated[Limits, Depends(get_limits)]
GraphBody = Annotated[GraphRequest, Depends(body(GraphRequest))]
CheckBody = Annotated[CheckRequest, Depends(body(CheckRequest))]
ParseBody = Annotated[ParseRequest, Depends(body(ParseRequest))]


@router.post("/graph", response_class=JSONResponse, responses=ERRORS,
             openapi_extra=body_schema(GraphRequest))
def graph(req: GraphBody, limits: Limited) -> JSONResponse:
    """The whole forward pass and backprop of an expression, node by node (docs/api.md)."""
    return JSONResponse(service.run(req.expression, req.inputs, limits, seed=req.seed,
                                    sigmoid=req.sigmoid, check=req.check))


@router.post("/check", response_class=JSONResponse, responses=ERRORS,
             openapi_extra=body_schema(CheckRequest))
def check(req: CheckBody, limits: Limited) -> JSONResponse:
    """The numerical gradient check: central differences per input and per edge."""
    return JSONResponse(service.run(req.expression, req.inputs, limits, seed=req.seed,
                                    sigmoid=req.sigmoid, only_check=True))


@router.post("/parse", response_class=JSONResponse, responses=ERRORS,
             openapi_extra=body_schema(ParseRequest))
def parse(req: ParseBody, limits: Limited) -> JSONResponse:
    """The inputs, assigned names and functions of an expression, without evaluating it."""
    return JSONResponse(service.parse(req.expression, limits, req.sigmoid))
