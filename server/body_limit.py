"""An ASGI middleware that reads each request body under a size limit and a time limit.

The whole body is read here, before the app sees the request: chunk by chunk, counting bytes
(so a missing or lying Content-Length changes nothing: 413 as soon as the count passes the
limit), under one deadline for the whole body (so a client that trickles a byte at a time is
cut off with 408 like one that stops sending). Waiting is asynchronous: no worker thread is held
while a slow client sends, and the event loop keeps serving other clients.
"""

from __future__ import annotations

import asyncio

from .errors import APIError, BadRequest, BodyTooLarge, ClientTimeout
from .responses import JSONResponse


class BodyLimitMiddleware:
    def __init__(self, app, max_body_bytes: int, body_timeout: float):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(
                        BadRequest("the Content-Length header is not a number"),
                        scope,
                        receive,
                        send,
                    )
                    return
                if declared > limit:
                    await _refuse(_too_large(declared, limit), scope, receive, send)
                    return
        loop = asyncio.get_running_loop()
        start = loop.time()
        chunks = []
        size = 0
        try:
            async with asyncio.timeout_at(start + self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the client went away; nobody to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        await _refuse(_too_large(size, limit, at_least=True), scope, receive, send)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            err = ClientTimeout(
                f"the request body did not arrive within {self.body_timeout:g} s "
                f"({size:,} bytes received)"
            )
            err.limit = {
                "name": "body_timeout",
                "value": round(loop.time() - start, 3),
                "max": self.body_timeout,
            }
            await _refuse(err, scope, receive, send)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _too_large(size: int, limit: int, at_least: bool = False) -> BodyTooLarge:
    err = BodyTooLarge(
        f"the request body has {'more than ' if at_least else ''}{size:,} bytes, "
        f"over the limit of {limit:,}"
    )
    err.limit = {"name": "max_body_bytes", "value": size, "max": limit}
    return err


async def _refuse(err: APIError, scope, receive, send) -> None:
    """Answer now and close the connection (the rest of the body is never read)."""
    response = JSONResponse(err.payload(), status_code=err.status, headers={"connection": "close"})
    await response(scope, receive, send)
