"""GET /api/examples, /api/ops, /api/limits, /healthz."""

from __future__ import annotations

from fastapi import APIRouter, Request

import engine

from ..examples import EXAMPLES
from ..language import CONSTANTS
from ..responses import JSONResponse
from ..schemas import Example, Health, LimitsResponse, OpInfo

router = APIRouter(tags=["metadata"])


def describe_ops() -> list[dict]:
    """engine.describe_ops(), read at each request: an op registered at any time shows up."""
    return [_until_the_registry_says(op) for op in engine.describe_ops()]


# Temporary: the registry is gaining "signature", "operator" and "precedence"; until it has
# them, this fills them in. To be deleted with the merge that brings them.
def _until_the_registry_says(op: dict) -> dict:
    if "signature" in op:
        return op
    symbols = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}
    symbols |= {"neg": "-x", "reciprocal": "1/x"}
    precedence = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "1/x": 2, "-x": 3, "**": 4}
    params = "".join(f", {k}={v!r}" for k, v in op["params"].items())
    operands = ", ".join(["x", "y", "z"][: op["arity"]])
    op["signature"] = f"{op['name']}({operands}{params})"
    op["operator"] = symbols.get(op["name"])
    op["precedence"] = precedence.get(op["operator"])
    return op


@router.get("/api/examples", response_class=JSONResponse, responses={200: {"model": list[Example]}})
async def examples() -> JSONResponse:
    """The presets: the post's two examples first, then CS231n, micrograd, tensors, an MLP."""
    return JSONResponse(EXAMPLES)


@router.get("/api/ops", response_class=JSONResponse, responses={200: {"model": list[OpInfo]}})
async def ops() -> JSONResponse:
    """Every op of the engine's registry: arity, description, formulas, conventions."""
    return JSONResponse(describe_ops())


@router.get("/api/limits", response_class=JSONResponse, responses={200: {"model": LimitsResponse}})
async def limits(request: Request) -> JSONResponse:
    """The limits this server enforces, and the language's constants and operators."""
    operators = sorted({op["operator"] for op in describe_ops() if op["arity"] == 2} - {None})
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
