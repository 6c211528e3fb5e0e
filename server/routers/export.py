"""POST and GET /api/export: the graph as a file (LaTeX, TikZ, DOT, SVG, PNG, PyTorch, JSON).

A thin route: read the request, run the service (every limit of /api/graph applies), make the
file with server/export/ in the thread pool (Graphviz and big documents take milliseconds to
seconds), answer it with its content type and a download name.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from .. import service
from ..errors import BadInput
from ..export import FORMATS, export, filename
from ..schemas import (
    MAX_CHAIN_CHARS,
    MAX_EXPORT_STEP,
    ErrorResponse,
    ExportFormat,
    ExportRequest,
    GraphResponse,
    body_schema,
    parse_body,
    read_body,
    validate,
)
from .expressions import EXPRESSION_ERRORS

router = APIRouter(prefix="/api", tags=["export"])

_BINARY = {"image/png"}
EXPORT_ANSWERS = {
    200: {
        "model": GraphResponse,
        "description": "The file, with Content-Disposition: attachment; filename=backprop-*.ext "
        "(format json: the trace as POST /api/graph answers it)",
        "content": {
            media: {"schema": {"type": "string", "format": "binary" if media in _BINARY else None}}
            for media in sorted({f.media_type for f in FORMATS.values()} - {"application/json"})
        },
    },
    **EXPRESSION_ERRORS,
    503: {"model": ErrorResponse, "description": "SVG or PNG asked of a server without Graphviz"},
}
for _media in EXPORT_ANSWERS[200]["content"].values():
    if _media["schema"]["format"] is None:
        del _media["schema"]["format"]


def _make(req: ExportRequest, request: Request) -> Response:
    result = service.run(
        req.expression,
        req.inputs,
        request.app.state.limits,
        seed=req.seed,
        sigmoid=req.sigmoid,
        check=req.check,
        tangents=req.tangents,  # checked as /api/graph checks them; the JSON carries them
    )
    data = export(result, req.format, step=req.step, chain=req.chain)
    name = filename(result, req.format)
    return Response(
        data,
        media_type=FORMATS[req.format].media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.post("/export", responses=EXPORT_ANSWERS, openapi_extra=body_schema(ExportRequest))
async def export_post(request: Request) -> Response:
    """The graph as a file: POST /api/graph's body plus format, step and chain."""
    req = parse_body(ExportRequest, await read_body(request))
    return await run_in_threadpool(_make, req, request)


@router.get("/export", responses=EXPORT_ANSWERS)
async def export_get(
    request: Request,
    expression: Annotated[str, Query(min_length=1, description="The expression")],
    format: Annotated[ExportFormat, Query(description="The file's format")],
    inputs: Annotated[str, Query(description='The inputs as a JSON object, e.g. {"z": 0}')] = "{}",
    sigmoid: Annotated[str, Query(pattern="^(node|expanded)$")] = "node",
    step: Annotated[
        int | None, Query(ge=0, le=MAX_EXPORT_STEP, description="The backprop step shown")
    ] = None,
    chain: Annotated[
        str | None, Query(min_length=1, max_length=MAX_CHAIN_CHARS, description="latex: input")
    ] = None,
) -> Response:
    """The same as POST /api/export, with the request in the query: a link that downloads."""
    try:
        values = orjson.loads(inputs)
    except orjson.JSONDecodeError as exc:
        raise BadInput(f"inputs: not a JSON object: {exc}") from None
    if not isinstance(values, dict):
        raise BadInput('inputs: must be a JSON object such as {"z": 0}')
    body = {"expression": expression, "inputs": values, "format": format, "sigmoid": sigmoid}
    body |= {k: v for k, v in (("step", step), ("chain", chain)) if v is not None}
    req = validate(ExportRequest, body)
    return await run_in_threadpool(_make, req, request)
