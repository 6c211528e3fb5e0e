"""GET /api/examples, /api/ops, /api/limits, /healthz."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request

import engine

from ..examples import EXAMPLES
from ..language import BINARY_OPS, CONSTANTS
from ..responses import JSONResponse

router = APIRouter(tags=["metadata"])
_OPERATOR = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "pow": "**",
    "matmul": "@",
    "neg": "-x",
    "reciprocal": "1/x",
}


@router.get("/api/examples", response_class=JSONResponse)
async def examples() -> JSONResponse:
    """The presets: the post's two examples first, then CS231n, micrograd, tensors, an MLP."""
    return JSONResponse(EXAMPLES)


@cache
def _ops() -> list[dict]:
    ops = engine.describe_ops()
    for op in ops:
        params = "".join(f", {k}={v!r}" for k, v in op["params"].items())
        operands = ", ".join(["x", "y", "z"][: op["arity"]])
        op["signature"] = f"{op['name']}({operands}{params})"
        op["operator"] = _OPERATOR.get(op["name"])
    return ops


@router.get("/api/ops", response_class=JSONResponse)
async def ops() -> JSONResponse:
    """Every op of the engine's registry: arity, description, formulas, conventions."""
    return JSONResponse(_ops())


@router.get("/api/limits", response_class=JSONResponse)
async def limits(request: Request) -> JSONResponse:
    """The limits this server enforces, and the language's constants and operators."""
    return JSONResponse(
        {
            "limits": request.app.state.limits.as_dict(),
            "constants": CONSTANTS,
            "operators": sorted({_OPERATOR[v] for v in BINARY_OPS.values()}),
        }
    )


@router.get("/healthz", response_class=JSONResponse)
async def healthz() -> JSONResponse:
    """Liveness: always {"ok": true} while the server runs."""
    return JSONResponse({"ok": True})
