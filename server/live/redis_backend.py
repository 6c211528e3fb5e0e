"""The Redis backend (`serve --redis-url redis://HOST:6379/0`): several workers or hosts serve one
class. A session is a hash with a TTL (`bpe:session:<id>`: state, token, secret), renewed with
every change; the change feed is Redis pub/sub (`bpe:feed:<id>`), read by one subscriber per
process that hands each change to that process's streams; answers are a hash per poll.
A restart of the app keeps every session: nothing lives only in the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError, WatchError

from ..errors import Unavailable
from .base import Backend, Full, Record, encode_event

log = logging.getLogger("server.live")
PREFIX = "bpe:"
FEED = PREFIX + "feed:"
MAX_CONNECTIONS = 50  # to Redis, per process
POOL_TIMEOUT = 10.0  # seconds a request waits for one, then 503
FEED_TIMEOUT = 5.0  # seconds a new stream waits for the feed's subscription
INDEX = PREFIX + "sessions"  # sorted set: session id -> the time it expires

# Store an answer unless the poll is full: atomic, so two workers cannot both pass the cap.
ANSWER_SCRIPT = """
local had = redis.call('HEXISTS', KEYS[1], ARGV[1])
if had == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return had
"""


def answering(method):
    """Redis not answering is a 503 that names it, never a 500."""

    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            raise Unavailable(
                f"the session store (Redis) does not answer: {type(exc).__name__}", retry_after=5
            ) from None

    return wrapper


def _key(sid: str) -> str:
    return f"{PREFIX}session:{sid}"


def _answers_key(sid: str, poll: str) -> str:
    return f"{PREFIX}answers:{sid}:{poll}"


class RedisBackend(Backend):
    name = "redis"

    def __init__(self, url: str, idle: float) -> None:
        super().__init__(idle)
        self.url = url
        # callers wait for a free connection (a class answering a poll at once) rather than fail
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=MAX_CONNECTIONS, timeout=POOL_TIMEOUT
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self._answer = self.redis.register_script(ANSWER_SCRIPT)
        self._reader: asyncio.Task | None = None
        self._ready: asyncio.Event | None = None

    @property
    def ttl(self) -> int:
        return max(int(self.idle), 1)

    @answering
    async def count(self) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(INDEX, "-inf", time.time())
            pipe.zcard(INDEX)
            _, n = await pipe.execute()
        return n

    @answering
    async def create(self, sid: str, record: Record) -> bool:
        key = _key(sid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "state", orjson.dumps(record.state))
            pipe.hset(key, mapping={"token": record.token_hash})
            pipe.hsetnx(key, "secret", orjson.dumps(record.secret))
            pipe.expire(key, self.ttl)
            pipe.zadd(INDEX, {sid: time.time() + self.ttl})
            created, *_ = await pipe.execute()
        return bool(created)

    @staticmethod
    def _record(fields: dict) -> Record | None:
        if b"state" not in fields:
            return None
        return Record(
            orjson.loads(fields[b"state"]),
            fields[b"token"].decode(),
            orjson.loads(fields.get(b"secret") or b"{}"),
        )

    @answering
    async def load(self, sid: str) -> Record | None:
        return self._record(await self.redis.hgetall(_key(sid)))

    @answering
    async def change(self, sid: str, update: Callable[[Record], None]) -> dict | None:
        key = _key(sid)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:  # optimistic: another worker's change in between starts it again
                try:
                    await pipe.watch(key)
                    record = self._record(await pipe.hgetall(key))
                    if record is None:
                        return None
                    version = record.state["version"]
                    update(record)
                    record.state["version"] = version + 1
                    state = orjson.dumps(record.state)
                    pipe.multi()
                    pipe.hset(key, mapping={"state": state, "secret": orjson.dumps(record.secret)})
                    pipe.expire(key, self.ttl)
                    pipe.zadd(INDEX, {sid: time.time() + self.ttl})
                    pipe.publish(FEED + sid, state)
                    await pipe.execute()
                    return record.state
                except WatchError:
                    continue

    @answering
    async def answer(self, sid: str, poll: str, client: str, value: float, cap: int) -> bool:
        had = await self._answer(
            keys=[_answers_key(sid, poll)], args=[client, repr(value), cap, self.ttl]
        )
        if had == -1:
            raise Full(f"this poll has {cap} answers, the most allowed")
        return bool(had)

    @answering
    async def answers(self, sid: str, poll: str) -> dict[str, float]:
        found = await self.redis.hgetall(_answers_key(sid, poll))
        return {k.decode(): float(v) for k, v in found.items()}

    # -- the change feed ------------------------------------------------------------------
    @asynccontextmanager
    async def subscribed(self, sid: str, cap: int) -> AsyncIterator[asyncio.Queue]:
        if self._reader is None or self._reader.done():
            self._ready = asyncio.Event()
            self._reader = asyncio.create_task(self._read_feed())
        try:
            await asyncio.wait_for(self._ready.wait(), FEED_TIMEOUT)
        except TimeoutError:
            raise RedisError(
                f"no answer from Redis at {self.url} within {FEED_TIMEOUT} s"
            ) from None
        async with self.hub.subscribed(sid, cap) as queue:
            yield queue

    async def _read_feed(self) -> None:
        """Every session's changes, for this process's streams; reconnects after a failure."""
        pause = 0.5
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(FEED + "*")
                self._ready.set()
                pause = 0.5
                async for message in pubsub.listen():
                    if message["type"] != "pmessage":
                        continue
                    sid = message["channel"].decode()[len(FEED) :]
                    if not self.hub.count(sid):
                        continue
                    state = orjson.loads(message["data"])
                    self.hub.publish(sid, state["version"], encode_event(state))
            except (RedisError, OSError) as exc:
                log.warning("live: the Redis feed failed (%s); reconnecting", exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 10)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self.redis.aclose()
