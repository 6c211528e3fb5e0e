r"""Gradient descent: the update rules as a registry, and an optimizer in PyTorch's vocabulary.

Each rule is one entry: `step(w, g, state, lr, t) -> (new w, new state)` with `g` = dL/dw,
`t` the step number from 1, and the state the rule keeps per parameter (its velocity, its
moments), plus the rule in LaTeX and in words for the page.

>>> import engine
>>> x, w, b = engine.constant(2.0), engine.Tensor(3.0, name="w"), engine.Tensor(1.0, name="b")
>>> opt = engine.optim.Optimizer([w, b], "sgd", lr=0.05)
>>> loss = (w * x + b - 9) ** 2
>>> loss.backward()
>>> opt.step()
>>> round(float(w.data), 6), round(float(b.data), 6)
(3.4, 1.2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .arrays import as_array
from .errors import ArgumentError
from .tensor import Tensor

#: Momentum's and Adam's constants: PyTorch's and the Adam paper's defaults.
MOMENTUM = 0.9
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    step: Callable  # (w, g, state, lr, t) -> (new w, new state); state starts as {}
    tex: str  # the update in LaTeX, in the words w, g (dL/dw), lr
    text: str  # the same in plain words


def _sgd(w, g, state, lr, t):
    return w - lr * g, state


def _momentum(w, g, state, lr, t):
    # PyTorch's form: v <- mu v + g, w <- w - lr v (v starts at 0, so the first step is SGD's)
    v = MOMENTUM * state.get("v", 0.0) + g
    return w - lr * v, {"v": v}


def _adam(w, g, state, lr, t):
    m = BETA1 * state.get("m", 0.0) + (1 - BETA1) * g
    v = BETA2 * state.get("v", 0.0) + (1 - BETA2) * g * g
    m_hat = m / (1 - BETA1**t)
    v_hat = v / (1 - BETA2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + EPS), {"m": m, "v": v}


RULES: dict[str, Rule] = {
    "sgd": Rule(
        "sgd",
        "SGD",
        _sgd,
        r"w \leftarrow w - \eta\,\frac{\partial L}{\partial w}",
        "w <- w - lr * dL/dw",
    ),
    "momentum": Rule(
        "momentum",
        f"momentum ({MOMENTUM})",
        _momentum,
        rf"v \leftarrow {MOMENTUM}\,v + \frac{{\partial L}}{{\partial w}},\quad "
        r"w \leftarrow w - \eta\,v",
        f"v <- {MOMENTUM} v + dL/dw; w <- w - lr * v",
    ),
    "adam": Rule(
        "adam",
        "Adam",
        _adam,
        rf"m \leftarrow {BETA1}\,m + {1 - BETA1:g}\,g,\ v \leftarrow {BETA2}\,v + "
        rf"{1 - BETA2:g}\,g^2,\ w \leftarrow w - \eta\,\frac{{\hat m}}{{\sqrt{{\hat v}} + "
        r"\epsilon}}",
        f"m <- {BETA1} m + {1 - BETA1:g} g; v <- {BETA2} v + {1 - BETA2:g} g^2; "
        "w <- w - lr * m_hat / (sqrt(v_hat) + eps)",
    ),
}


def update(rule: str, w, g, state: dict, lr: float, t: int) -> tuple[np.ndarray, dict]:
    """One step of the named rule on plain arrays: `update("sgd", 3.0, -8.0, {}, 0.05, 1)`."""
    r = RULES.get(rule)
    if r is None:
        raise ArgumentError(f"unknown optimizer {rule!r} (known: {', '.join(RULES)})")
    new, state = r.step(as_array(w), as_array(g), state, lr, t)
    return as_array(new), state


class Optimizer:
    """PyTorch's pattern: `loss.backward(); opt.step()` moves each parameter against its grad."""

    def __init__(self, params: Iterable[Tensor], rule: str = "sgd", lr: float = 0.01):
        if rule not in RULES:
            raise ArgumentError(f"unknown optimizer {rule!r} (known: {', '.join(RULES)})")
        self.params = list(params)
        self.rule = rule
        self.lr = lr
        self.t = 0
        self.state: list[dict] = [{} for _ in self.params]

    def step(self) -> None:
        self.t += 1
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            p.data, self.state[i] = update(
                self.rule, p.data, p.grad, self.state[i], self.lr, self.t
            )
