"""The in-process backend (the default): sessions in a dict of this process, nothing to install.

One process only: with `--workers` above 1 each worker would hold its own sessions, so the
router refuses live sessions there (LiveSettings.refusal) unless the Redis backend is used.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .base import Backend, Full, Record, encode_event


@dataclass
class _Entry:
    record: Record
    touched: float
    answers: dict[str, dict[str, float]] = field(default_factory=dict)  # poll -> client -> value


class MemoryBackend(Backend):
    name = "memory"

    def __init__(self, idle: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(idle)
        self.clock = clock
        self.sessions: dict[str, _Entry] = {}

    def _sweep(self) -> None:
        cutoff = self.clock() - self.idle
        for sid in [s for s, e in self.sessions.items() if e.touched < cutoff]:
            del self.sessions[sid]

    def _entry(self, sid: str) -> _Entry | None:
        entry = self.sessions.get(sid)
        if entry is not None and entry.touched < self.clock() - self.idle:
            del self.sessions[sid]
            return None
        return entry

    async def count(self) -> int:
        self._sweep()
        return len(self.sessions)

    async def create(self, sid: str, record: Record) -> bool:
        self._sweep()
        if sid in self.sessions:
            return False
        self.sessions[sid] = _Entry(copy.deepcopy(record), self.clock())
        return True

    async def load(self, sid: str) -> Record | None:
        entry = self._entry(sid)
        return None if entry is None else copy.deepcopy(entry.record)

    async def change(self, sid: str, update: Callable[[Record], None]) -> dict | None:
        # no await between the read and the write: atomic on the event loop
        entry = self._entry(sid)
        if entry is None:
            return None
        record = copy.deepcopy(entry.record)
        update(record)
        record.state["version"] = entry.record.state["version"] + 1
        entry.record, entry.touched = record, self.clock()
        poll = record.state.get("poll")  # the answers of a poll that is gone go with it
        entry.answers = {p: a for p, a in entry.answers.items() if poll and p == poll["id"]}
        self.hub.publish(sid, record.state["version"], encode_event(record.state))
        return copy.deepcopy(record.state)

    async def answer(self, sid: str, poll: str, client: str, value: float, cap: int) -> bool:
        entry = self._entry(sid)
        if entry is None:
            raise KeyError(sid)
        answers = entry.answers.setdefault(poll, {})
        replaced = client in answers
        if not replaced and len(answers) >= cap:
            raise Full(f"this poll has {len(answers)} answers, the most allowed")
        answers[client] = value
        return replaced

    async def answers(self, sid: str, poll: str) -> dict[str, float]:
        entry = self._entry(sid)
        return {} if entry is None else dict(entry.answers.get(poll, {}))

    async def close(self) -> None:
        self.sessions.clear()
