"""The one small interface both backends implement, and what they share: the local fan-out.

A session is a Record: its `state` (what GET /api/sessions/{id} answers and every event carries,
with a `version` that grows by one with every change), the hash of its presenter token, and
`secret` (what students must not see yet: the open poll's right answer). The change feed is
per process: a `Hub` hands each change, encoded once as an SSE event, to the queues of this
process's streams. The in-process backend feeds its hub directly; the Redis backend publishes
and every process's subscriber feeds its own hub.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import orjson

#: Join codes: six characters without look-alikes (0/O, 1/I/L): 31**6, about 887 million.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
#: Events a slow stream may have waiting; past it the oldest are dropped (each event is the
#: whole state, so the newest is all a late reader needs).
QUEUE_EVENTS = 32


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """The join code as typed (any case), or None when it cannot be one."""
    code = text.strip().upper()
    if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code):
        return code
    return None


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def token_matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(token_hash(token), digest)


def encode_event(state: dict) -> bytes:
    """The SSE event of a state, encoded once for every stream: `id` is its version."""
    return b"id: %d\nevent: state\ndata: %s\n\n" % (state["version"], orjson.dumps(state))


@dataclass
class Record:
    state: dict
    token_hash: str
    secret: dict = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps({"state": self.state, "token": self.token_hash, "secret": self.secret})

    @classmethod
    def from_json(cls, data: bytes | str) -> Record:
        d = orjson.loads(data)
        return cls(d["state"], d["token"], d.get("secret") or {})


class Full(Exception):
    """A capacity was reached (streams of a session, answers of a poll)."""


class Hub:
    """This process's streams, by session: each change goes to every stream's queue."""

    def __init__(self) -> None:
        self.streams: dict[str, set[asyncio.Queue]] = {}

    def count(self, sid: str) -> int:
        return len(self.streams.get(sid, ()))

    def publish(self, sid: str, version: int, event: bytes) -> None:
        for queue in self.streams.get(sid, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait((version, event))

    @asynccontextmanager
    async def subscribed(self, sid: str, cap: int) -> AsyncIterator[asyncio.Queue]:
        queues = self.streams.setdefault(sid, set())
        if len(queues) >= cap:
            raise Full(f"this session has {len(queues)} open streams here, the most allowed")
        queue: asyncio.Queue = asyncio.Queue(QUEUE_EVENTS)
        queues.add(queue)
        try:
            yield queue
        finally:
            queues.discard(queue)
            if not queues:
                self.streams.pop(sid, None)


class Backend(ABC):
    """Where sessions live. Every method is a coroutine; none blocks the event loop."""

    name: str

    def __init__(self, idle: float) -> None:
        self.idle = idle  # seconds without a change after which a session is gone
        self.hub = Hub()

    @abstractmethod
    async def count(self) -> int:
        """Sessions alive now."""

    @abstractmethod
    async def create(self, sid: str, record: Record) -> bool:
        """Store a new session; False when the code is taken."""

    @abstractmethod
    async def load(self, sid: str) -> Record | None:
        """The session, or None when there is none (never made, or expired)."""

    @abstractmethod
    async def change(self, sid: str, update: Callable[[Record], None]) -> dict | None:
        """Apply `update` to the record atomically, add one to the version, store, publish the
        new state to every process's streams; the new state, or None if there is no session."""

    @abstractmethod
    async def answer(self, sid: str, poll: str, client: str, value: float, cap: int) -> bool:
        """Store a student's answer (replacing theirs): True if it replaced one; Full past `cap`."""

    @abstractmethod
    async def answers(self, sid: str, poll: str) -> dict[str, float]:
        """Every answer to the poll, by student."""

    @asynccontextmanager
    async def subscribed(self, sid: str, cap: int) -> AsyncIterator[asyncio.Queue]:
        """A queue receiving (version, event bytes) for each change of the session."""
        async with self.hub.subscribed(sid, cap) as queue:
            yield queue

    @abstractmethod
    async def close(self) -> None:
        """Let go of connections (the Redis backend's)."""
