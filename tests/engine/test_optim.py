"""Gradient descent: each update rule against its textbook formula, momentum and Adam against
their first two steps computed by hand, the golden case through the engine's optimizer."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine
from engine import Tensor
from engine.optim import BETA1, BETA2, EPS, MOMENTUM, RULES, Optimizer, update


def test_the_rules_are_sgd_momentum_adam():
    assert list(RULES) == ["sgd", "momentum", "adam"]
    for rule in RULES.values():
        assert rule.tex and rule.text and rule.title


def textbook(rule: str, w0: float, grads: list[float], lr: float) -> list[float]:
    """The formulas as printed (PyTorch's docs, Kingma & Ba's Algorithm 1), written out."""
    w, v, m, s, out = w0, 0.0, 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        if rule == "sgd":
            w = w - lr * g
        elif rule == "momentum":
            v = MOMENTUM * v + g
            w = w - lr * v
        else:
            m = BETA1 * m + (1 - BETA1) * g
            s = BETA2 * s + (1 - BETA2) * g**2
            w = w - lr * (m / (1 - BETA1**t)) / (math.sqrt(s / (1 - BETA2**t)) + EPS)
        out.append(w)
    return out


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_follows_its_textbook_formula(rule):
    grads = [0.5, -1.5, 2.0, 0.25, -3.0]
    w, state, got = np.float64(1.0), {}, []
    for t, g in enumerate(grads, start=1):
        w, state = update(rule, w, g, state, 0.1, t)
        got.append(float(w))
    assert got == pytest.approx(textbook(rule, 1.0, grads, 0.1), rel=1e-12)


@pytest.mark.parametrize(
    "rule, grads, lr, steps",
    [
        # momentum: v1 = 2, w1 = 1 - 0.1*2 = 0.8; v2 = 0.9*2 + 1 = 2.8, w2 = 0.8 - 0.28 = 0.52
        ("momentum", [2.0, 1.0], 0.1, [0.8, 0.52]),
        # Adam's first step moves by about lr (m_hat = g, v_hat = g^2): 1 - 0.1*2/(2 + 1e-8).
        # Second: m2 = 0.9*0.2 + 0.1*(-1) = 0.08, m_hat = 0.08/0.19; v2 = 0.999*0.004 + 0.001*1
        # = 0.004996, v_hat = 0.004996/0.001999; w2 = w1 - 0.1 m_hat / (sqrt(v_hat) + 1e-8)
        ("adam", [2.0, -1.0], 0.1, [
            W1 := 1 - 0.1 * 2 / (2 + 1e-8),
            W1 - 0.1 * (0.08 / 0.19) / (math.sqrt(0.004996 / 0.001999) + 1e-8),
        ]),
        ("sgd", [2.0, 1.0], 0.1, [0.8, 0.7]),
    ],
)  # fmt: skip
def test_first_two_steps_by_hand(rule, grads, lr, steps):
    w, state, got = np.float64(1.0), {}, []
    for t, g in enumerate(grads, start=1):
        w, state = update(rule, w, g, state, lr, t)
        got.append(float(w))
    assert got == pytest.approx(steps, rel=1e-12)
    if rule == "adam":
        assert got[1] == pytest.approx(0.8733663, abs=1e-7)


def test_rules_work_elementwise_on_tensors():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.array([[1.0, -1.0], [0.5, 0.0]])
    for rule in RULES:
        new, _ = update(rule, w, g, {}, 0.1, 1)
        assert new.shape == w.shape
        for i in np.ndindex(w.shape):
            assert new[i] == pytest.approx(textbook(rule, w[i], [g[i]], 0.1)[0])


def test_golden_case_through_the_optimizer():
    """loss = (w*x + b - 9)**2 at x=2, w=3, b=1; SGD with lr 0.05, one step."""
    x, w, b = engine.constant(2.0, name="x"), Tensor(3.0, name="w"), Tensor(1.0, name="b")
    opt = Optimizer([w, b], "sgd", lr=0.05)
    loss = (w * x + b - 9) ** 2
    loss.backward()
    assert float(loss.data) == 4.0
    assert (float(w.grad), float(b.grad)) == (-8.0, -4.0)
    opt.step()
    assert float(w.data) == pytest.approx(3.4) and float(b.data) == pytest.approx(1.2)
    again = (w * x + b - 9) ** 2
    assert float(again.data) == pytest.approx(1.0)


def test_an_unknown_rule_is_refused():
    with pytest.raises(engine.ArgumentError, match="unknown optimizer 'rmsprop'.*sgd, momentum"):
        Optimizer([], "rmsprop")
