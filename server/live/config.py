"""The live sessions' settings: each a named constant, an environment variable (`BPE_` + the name
in capitals) and an option of `backprop-explorer serve` (`--max-sessions 50`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import positive_fields_from_env

# Sessions open at once (each holds a state of a few kB and its polls' answers).
MAX_SESSIONS = 100
# Event streams of one session on one worker: a class of 300 with spare; more is a 503 the page
# retries with backoff (bench/bench_live.py measures what one worker keeps up with).
MAX_SESSION_STREAMS = 1_000
# Answers to one poll (one per student; answering again replaces): bounds a poll's memory.
MAX_POLL_ANSWERS = 1_000
# Seconds without a change by the presenter after which a session is gone.
SESSION_IDLE = 3 * 3600.0
# Answers one student (one per-browser id) may send at once, then one per ANSWER_REFILL seconds:
# more is a 429. Keyed by the student's id, not the address: a classroom shares one NAT address.
ANSWER_BURST = 5
ANSWER_REFILL = 2.0


@dataclass(frozen=True)
class LiveLimits:
    max_sessions: int = MAX_SESSIONS
    max_session_streams: int = MAX_SESSION_STREAMS
    max_poll_answers: int = MAX_POLL_ANSWERS
    session_idle: float = SESSION_IDLE
    answer_burst: int = ANSWER_BURST
    answer_refill: float = ANSWER_REFILL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LiveLimits:
        return cls(**positive_fields_from_env(cls, environ))


@dataclass(frozen=True)
class LiveSettings:
    """How this process runs sessions: `serve --redis-url`, `--workers`, `--public-url`."""

    redis_url: str | None = None
    workers: int = 1
    public_url: str | None = None  # the join links' base, e.g. http://192.168.1.20:8000/

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LiveSettings:
        environ = os.environ if environ is None else environ
        return cls(
            redis_url=environ.get("BPE_REDIS_URL") or None,
            workers=int(environ.get("BPE_WORKERS") or 1),
            public_url=environ.get("BPE_PUBLIC_URL") or None,
        )

    def refusal(self) -> str | None:
        """Why this process must not hold live sessions, or None."""
        if self.workers > 1 and not self.redis_url:
            return (
                f"live sessions are off: this server runs {self.workers} worker processes "
                "without --redis-url, so a class would be split between workers that do not "
                "see each other's sessions. Serve with --workers 1, or add --redis-url "
                "redis://HOST:6379/0"
            )
        return None
