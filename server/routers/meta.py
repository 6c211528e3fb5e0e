"""GET /api/examples, /api/ops, /api/limits, /healthz."""

from __future__ import annotations

from fastapi import APIRouter, Request

import engine

from ..examples import EXAMPLES
from ..language import CONSTANTS
from ..responses import JSONResponse
from ..schemas import Example, Health, LimitsResponse, OpInfo

router = APIRouter(tags=["metadata"])


@router.get("/api/examples", response_class=JSONResponse, responses={200: {"model": list[Example]}})
async def examples() -> JSONResponse:
    """The presets: the post's two examples first, then CS231n, micrograd, tensors, an MLP."""
    return JSONResponse(EXAMPLES)


@router.get("/api/ops", response_class=JSONResponse, responses={200: {"model": list[OpInfo]}})
async def ops() -> JSONResponse:
    """Every op of the engine's registry as it is now (read at each request)."""
    return JSONResponse(engine.describe_ops())


@router.get("/api/limits", response_class=JSONResponse, responses={200: {"model": LimitsResponse}})
async def limits(request: Request) -> JSONResponse:
    """The limits this server enforces, and the language's constants and operators."""
    binary = (op for op in engine.describe_ops() if op["arity"] == 2)
    operators = sorted({op["operator"] for op in binary} - {None})
    return JSONResponse(
        {
            "limits": request.app.state.limits.as_dict(),
            "constants": CONSTANTS,
            "operators": operators,
        }
    )


@router.get("/healthz", response_class=JSONResponse, responses={200: {"model": Health}})
async def healthz() -> JSONResponse:
    """Liveness: always {"ok": true} while the server runs."""
    return JSONResponse({"ok": True})
