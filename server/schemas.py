"""Request bodies: pydantic models, read with orjson (which refuses bare NaN tokens and lone
surrogates, unlike the standard library's json that FastAPI uses by default)."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BadRequest


class ParseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    expression: str = Field(description="The expression, e.g. 1/(1+exp(-z))")
    sigmoid: Literal["node", "expanded"] = Field(
        "node", description="Count sigmoid(x) as one node or as the post's four"
    )


class CheckRequest(ParseRequest):
    inputs: dict[str, Any] = Field(
        default_factory=dict,
        description='Input name -> number, nested list, or "NaN" / "Infinity" / "-Infinity"',
    )
    seed: Any = Field(
        None, description="Upstream gradient of the output; default ones of its shape"
    )


class GraphRequest(CheckRequest):
    check: bool = Field(False, description="Also run the numerical gradient check")


def body_schema(model: type[BaseModel]) -> dict:
    """The OpenAPI request body of a route that reads its body itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


async def read_body(request: Request) -> bytes:
    """The raw body, once the content type says JSON; 400 otherwise."""
    ctype = request.headers.get("content-type", "")
    media = ctype.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        shown = media[:80] or "none"
        raise BadRequest(
            f"the body must be JSON sent with Content-Type: application/json (got {shown})"
        )
    return await request.body()


def parse_body(model: type[BaseModel], body: bytes) -> BaseModel:
    """The body as `model`; 400 for anything orjson refuses or the model does not accept."""
    if not body.strip():
        raise BadRequest("the request body is empty: send a JSON object")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"the body is not valid JSON: {exc} (bare NaN and Infinity are not JSON; "
            'write "NaN", "Infinity", "-Infinity")'
        ) from None
    return validate(model, data)


def validate(model: type[BaseModel], data) -> BaseModel:
    if not isinstance(data, dict):
        raise BadRequest(f"the body must be a JSON object, not {_json_type(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        raise BadRequest(f"{loc}: {err['msg']}") from None


def _json_type(x) -> str:
    return {
        list: "an array",
        str: "a string",
        bool: "true/false",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(x), type(x).__name__)
