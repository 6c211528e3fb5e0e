"""POST /api/train: gradient descent on the graph (server/training.py)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from starlette.responses import Response

from .. import training
from ..responses import JSONResponse
from ..schemas import TrainRequest, TrainResponse, body_schema, parse_body, read_body
from . import DirectRoute
from .expressions import EXPRESSION_ERRORS, respond

router = APIRouter(prefix="/api", tags=["training"], route_class=DirectRoute)


@router.post(
    "/train",
    response_class=JSONResponse,
    responses={200: {"model": TrainResponse}, **EXPRESSION_ERRORS},
    openapi_extra=body_schema(TrainRequest),
)
async def train(request: Request) -> Response:
    """Run N steps of SGD, momentum or Adam on the named inputs; the losses and the history."""
    req = parse_body(TrainRequest, await read_body(request))
    run = partial(
        training.train,
        req.expression,
        req.inputs,
        request.app.state.limits,
        params=req.params,
        lr=req.lr,
        steps=req.steps,
        optimizer=req.optimizer,
        sigmoid=req.sigmoid,
    )
    return await respond(request, "train", b"", run, heavy=True)
