"""A per-client rate limit on the compute endpoints: 429 with Retry-After past the budget.

The counting is the `limits` package's (the library behind Flask-Limiter and slowapi): its
sliding-window counter in memory (the asyncio flavour: no lock, no timer thread), two counters
per client and path, so a client cannot send a
whole budget at the end of one window and another at the start of the next. The client is the
peer address of the connection; behind a reverse proxy that is the proxy's, unless the server
trusts it (`--forwarded-allow-ips`, when uvicorn puts the X-Forwarded-For address in its place).
IPv6 clients are counted by their /64 network, as one host usually owns a whole one.

Each worker process counts for itself: with `--workers N` a client gets up to N budgets.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable

from limits import RateLimitItem
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette._utils import get_route_path

from .errors import APIError
from .responses import JSONResponse


class RateLimited(APIError):
    code, status = "rate_limited", 429


class RateLimitMiddleware:
    """Counts each request to one of `paths` (other methods than OPTIONS, which CORS answers)
    against `items` for its client address; past any of them, answers 429 without reading
    the body."""

    def __init__(self, app, items: list[RateLimitItem], paths: Iterable[str]):
        self.app = app
        self.items = items
        self.paths = frozenset(paths)
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        path = get_route_path(scope)
        if path not in self.paths:
            await self.app(scope, receive, send)
            return
        client = client_key(scope)
        for item in self.items:
            if not await self.limiter.hit(item, client, path):
                await self.refuse(item, client, path, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def refuse(self, item: RateLimitItem, client: str, path: str, scope, receive, send):
        reset = (await self.limiter.get_window_stats(item, client, path)).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        per = f"{item.multiples} {item.GRANULARITY.name}s" if item.multiples > 1 else None
        when = f"{wait} s" if wait < 120 else f"{math.ceil(wait / 60)} min"
        err = RateLimited(
            f"too many requests to {path} from your address: at most {item.amount} per "
            f"{per or item.GRANULARITY.name}; try again in {when}"
        )
        response = JSONResponse(err.payload(), status_code=429, headers={"retry-after": str(wait)})
        await response(scope, receive, send)


def client_key(scope) -> str:
    """The client's address (its /64 network for IPv6), or "unknown" (a unix socket)."""
    client = scope.get("client")
    host = client[0] if client else "unknown"
    if ":" in host:
        try:
            return str(ipaddress.IPv6Network(f"{host}/64", strict=False).network_address) + "/64"
        except ValueError:
            return host
    return host


def document(schema: dict, paths: Iterable[str]) -> None:
    """Adds the 429 answer (with its Retry-After header) to the operations of `paths` in an
    OpenAPI document, so /openapi.json says what the server does."""
    answer = {
        "description": "Too many requests from this address; Retry-After says when to retry",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before the next request",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for path in paths:
        for operation in schema.get("paths", {}).get(path, {}).values():
            operation.setdefault("responses", {})["429"] = answer
