"""A Server-Sent Events reader over httpx, for the live session tests and bench/bench_live.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson


async def events(response: httpx.Response) -> AsyncIterator[dict]:
    """Each event of a text/event-stream response: {"id", "event", "data"} (data parsed as JSON
    when it is); comments (keep-alive pings) and retry-only blocks are skipped."""
    fields: dict = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                try:
                    fields["data"] = orjson.loads(fields["data"])
                except orjson.JSONDecodeError:
                    pass
                fields.setdefault("event", "message")
                yield fields
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data" and "data" in fields:
            fields["data"] += "\n" + value
        elif name in ("id", "event", "data", "retry"):
            fields[name] = value


def run_async(coro):
    """asyncio.run in a thread of its own: in a test process where Playwright's sync API holds
    the main thread's event loop, asyncio.run there refuses to start."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
