"""Live class sessions: the presenter's state, its change feed, polls (docs/api.md, "Live").

One small interface (`base.Backend`) with two backends: in-process (`memory`, the default) and
Redis (`redis_backend`, `serve --redis-url`). The router (server/routers/sessions.py) is the
only user; `Live` is what it finds in `app.state.live`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import Backend
from .config import LiveLimits, LiveSettings
from .memory import MemoryBackend
from .throttle import Throttle


@dataclass
class Live:
    backend: Backend
    limits: LiveLimits
    settings: LiveSettings
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.limits.answer_burst, self.limits.answer_refill)


def make_live(limits: LiveLimits | None = None, settings: LiveSettings | None = None) -> Live:
    """The backend the settings name (default: the environment's)."""
    limits = limits or LiveLimits.from_env()
    settings = settings or LiveSettings.from_env()
    if settings.redis_url:
        from .redis_backend import RedisBackend  # redis-py: only needed with --redis-url

        backend: Backend = RedisBackend(settings.redis_url, limits.session_idle)
    else:
        backend = MemoryBackend(limits.session_idle)
    return Live(backend, limits, settings)
