"""The live sessions' pure parts: answers read and scored, the histogram, the throttle, the join
code, and the in-process backend's expiry (with a clock the test moves, no sleeping)."""

from __future__ import annotations

import pytest
from sse import run_async

from server.live.base import Record, normal_code
from server.live.memory import MemoryBackend
from server.live.polls import is_right, parse_answer, results
from server.live.throttle import Throttle

ANSWERS = [
    # (typed, read)
    ("0.25", 0.25),
    (" -1e-3 ", -0.001),
    ("\u22120.5", -0.5),  # a typographic minus
    (".5", 0.5),
    (3, 3.0),
    ("abc", None),
    ("1e999", None),  # not finite
    ("nan", None),
    ("1" * 33, None),  # over 32 characters
]


@pytest.mark.parametrize("typed, read", ANSWERS)
def test_an_answer_is_a_finite_number(typed, read):
    assert parse_answer(typed) == read


RIGHT = [
    # (value, answer, right): 0.5% relative, or 0.001 near zero
    (0.25, 0.25, True),
    (0.2501, 0.25, True),
    (0.26, 0.25, False),
    (0.0005, 0.0, True),
    (0.002, 0.0, False),
    (-0.25, 0.25, False),
    (196.6, 196.61193, True),
]


@pytest.mark.parametrize("value, answer, right", RIGHT)
def test_right_within_three_significant_digits(value, answer, right):
    assert is_right(value, answer) is right


def test_the_histogram_groups_by_three_digits_and_marks_the_right_bar():
    r = results([0.25, 0.2501, 0.25, -0.25, 1.0], 0.25)
    assert (r["count"], r["right"], r["answer"], r["other"]) == (5, 3, 0.25, 0)
    assert r["histogram"] == [
        {"value": -0.25, "count": 1, "right": False},
        {"value": 0.25, "count": 3, "right": True},
        {"value": 1.0, "count": 1, "right": False},
    ]


def test_the_histogram_keeps_the_twelve_most_given_answers():
    values = [float(i) for i in range(20)] + [5.0] * 3
    r = results(values, 5.0)
    assert len(r["histogram"]) == 12 and r["other"] == 23 - sum(b["count"] for b in r["histogram"])
    assert {"value": 5.0, "count": 4, "right": True} in r["histogram"]


def test_the_throttle_allows_a_burst_then_one_per_refill():
    now = [0.0]
    t = Throttle(burst=3, refill=2.0, clock=lambda: now[0])
    assert [t.take("a") for _ in range(4)] == [0, 0, 0, 2]
    assert t.take("b") == 0  # another student is not held back
    now[0] += 2.0
    assert t.take("a") == 0 and t.take("a") == 2


@pytest.mark.parametrize(
    "typed, code", [("k7m2qx", "K7M2QX"), (" K7M2QX ", "K7M2QX"), ("K7M2Q0", None), ("K7M", None)]
)
def test_join_codes_are_read_in_any_case(typed, code):
    assert normal_code(typed) == code


def test_the_in_process_backend_forgets_idle_sessions():
    now = [0.0]
    backend = MemoryBackend(idle=60, clock=lambda: now[0])

    async def run():
        state = {"id": "K7M2QX", "version": 1, "step": 0, "poll": None}
        assert await backend.create("K7M2QX", Record(state, "hash"))
        now[0] = 50
        assert (await backend.change("K7M2QX", lambda r: r.state.update(step=1)))["version"] == 2
        now[0] = 100  # 50 s after the last change: alive
        assert (await backend.load("K7M2QX")).state["step"] == 1
        now[0] = 111  # 61 s: gone
        assert await backend.load("K7M2QX") is None
        assert await backend.count() == 0

    run_async(run())
