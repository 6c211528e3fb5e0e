"""Known answers: the post's two worked examples step by step, CS231n's and micrograd's."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from engine_cases import check_trace, decoded

import engine
from engine import Tensor


def edge(tr: dict, eid: str) -> dict:
    return next(e for e in tr["edges"] if e["id"] == eid)


def node(tr: dict, nid: str) -> dict:
    return next(n for n in tr["nodes"] if n["id"] == nid)


# ---------------------------------------------------------------------------------------------
# The post: the sigmoid 1/(1+exp(-z)) at z = 0, four backward steps
# ---------------------------------------------------------------------------------------------
# (label, upstream, local of the edge it sends along, downstream)
POST_SIGMOID_STEPS = [
    ("reciprocal", 1.0, -0.25, -0.25),
    ("add", -0.25, 1.0, -0.25),
    ("exp", -0.25, 1.0, -0.25),
    ("negate", -0.25, -1.0, 0.25),
]


@pytest.mark.parametrize(
    "build",
    [
        lambda z: 1 / (1 + engine.exp(-z)),
        engine.sigmoid_expanded,
    ],
    ids=["operators", "sigmoid_expanded"],
)
def test_post_sigmoid_step_by_step(build):
    z = Tensor(0.0, name="z")
    y = build(z)
    y.backward()
    tr = engine.trace(y)
    check_trace(tr)

    assert float(y.data) == 0.5
    assert float(z.grad) == 0.25
    assert tr["gradients"] == {"z": 0.25}
    assert [s["label"] for s in tr["steps"]] == [s[0] for s in POST_SIGMOID_STEPS]
    assert [s["op"] for s in tr["steps"]] == ["reciprocal", "add", "exp", "neg"]
    for step, (label, upstream, local, downstream) in zip(tr["steps"], POST_SIGMOID_STEPS):
        assert step["upstream"] == upstream, label
        # the edge that carries the gradient on towards z (add's other input is the constant 1)
        sent = [edge(tr, e) for e in step["edges"] if edge(tr, e)["downstream"] is not None]
        assert len(sent) == 1, label
        assert sent[0]["upstream"] == upstream
        assert sent[0]["local"] == local, label
        assert sent[0]["downstream"] == downstream, label
    # the constant 1 of "1 + ..." is an input of add but gets no gradient and no step
    add = tr["steps"][1]
    const = [edge(tr, e) for e in add["edges"] if edge(tr, e)["downstream"] is None]
    assert len(const) == 1 and node(tr, const[0]["source"])["op"] == "const"
    assert node(tr, const[0]["source"])["grad"] is None
    # the post's numerical validation: (f(0.01) - f(0)) / 0.01 ~ 0.25
    f = lambda v: 1 / (1 + math.exp(-v))
    assert (f(0.01) - f(0.0)) / 0.01 == pytest.approx(0.25, abs=1e-4)


def test_sigmoid_as_one_node():
    z = Tensor(0.0, name="z")
    y = engine.sigmoid(z)
    y.backward()
    tr = engine.trace(y)
    check_trace(tr)
    assert [s["label"] for s in tr["steps"]] == ["sigmoid"]
    (e,) = tr["edges"]
    assert (e["upstream"], e["local"], e["downstream"]) == (1.0, 0.25, 0.25)
    assert e["local_formula"] == engine.OPS["sigmoid"].formulas[0]
    assert float(z.grad) == 0.25


@pytest.mark.parametrize("z", [-3.0, -0.5, 0.0, 1.0, 4.0])
def test_sigmoid_one_node_equals_expansion(z):
    a, b = Tensor(z), Tensor(z)
    ya, yb = engine.sigmoid(a), engine.sigmoid_expanded(b)
    ya.backward()
    yb.backward()
    assert float(ya.data) == pytest.approx(float(yb.data), rel=1e-14)
    s = 1 / (1 + math.exp(-z))
    assert float(a.grad) == pytest.approx(s * (1 - s), rel=1e-12)
    assert float(b.grad) == pytest.approx(s * (1 - s), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# The post: f(x) = w1*x + w2*x at w1=2, w2=3, x=0 (multivariate chain rule, fan-out at x)
# ---------------------------------------------------------------------------------------------
def test_post_fanout_w1x_plus_w2x():
    w1, w2, x = Tensor(2.0, name="w1"), Tensor(3.0, name="w2"), Tensor(0.0, name="x")
    h = w1 * x
    h.name = "h"
    g = w2 * x
    g.name = "g"
    f = h + g
    f.backward()
    tr = engine.trace(f)
    check_trace(tr)

    assert float(f.data) == 0.0
    assert tr["gradients"] == {"w1": 0.0, "w2": 0.0, "x": 5.0}
    assert [s["label"] for s in tr["steps"]][0] == "add"
    assert sorted(s["label"] for s in tr["steps"][1:]) == ["g", "h"]
    xid = next(n["id"] for n in tr["nodes"] if n["name"] == "x")
    (fan,) = tr["fanout"]
    assert fan["node"] == xid
    assert sorted(c["value"] for c in fan["contributions"]) == [2.0, 3.0]
    assert fan["sum"] == 5.0
    # contributions are listed in the order they arrived: the order their consumers were stepped
    consumer_step = {e: i for i, s in enumerate(tr["steps"]) for e in s["edges"]}
    arrival = [consumer_step[c["edge"]] for c in fan["contributions"]]
    assert arrival == sorted(arrival)
    # local of each mul edge into x is the other factor, w1 or w2
    locals_ = {edge(tr, c["edge"])["local"] for c in fan["contributions"]}
    assert locals_ == {2.0, 3.0}
    # the post's check: (f(0.01) - f(0)) / 0.01 = 5
    assert ((0.01 * 2 + 0.01 * 3) - 0.0) / 0.01 == pytest.approx(5.0)


def test_post_fanout_formulas_in_the_learners_names():
    w1, w2, x = Tensor(2.0, name="w1"), Tensor(3.0, name="w2"), Tensor(0.0, name="x")
    f = w1 * x + w2 * x
    f.backward()
    tr = engine.trace(f)
    assert [(n["label"], n["tex"]) for n in tr["nodes"]] == [
        ("w1", "w_{1}"),
        ("w2", "w_{2}"),
        ("x", "x"),
        ("multiply", r"\mathrm{multiply}"),
        ("multiply", r"\mathrm{multiply}"),
        ("add", r"\mathrm{add}"),
    ]
    # at w2*x (inputs x=w2, y=x): mul's local gradients "y", "x" read x and w2
    g = tr["nodes"][4]
    assert g["inputs"] == ["n1", "n2"]
    into_g = [e for e in tr["edges"] if e["target"] == g["id"]]
    assert [e["local_formula"] for e in into_g] == ["y", "x"]
    assert [(e["source"], e["local_formula_named"]) for e in into_g] == [
        ("n1", "x"),
        ("n2", "w_{2}"),
    ]
    assert [e["local_formula_named"] for e in tr["edges"][-2:]] == ["1", "1"]


def test_post_sigmoid_formulas_in_names():
    z = Tensor(0.0, name="z")
    y = 1 / (1 + engine.exp(-z))
    y.backward()
    tr = engine.trace(y)
    sent = [edge(tr, s["edges"][-1]) for s in tr["steps"]]
    assert [e["local_formula_named"] for e in sent] == [
        r"-\frac{1}{\mathrm{add}^{2}}",
        "1",
        r"e^{\mathrm{negate}}",
        "-1",
    ]
    assert [n["tex"] for n in tr["nodes"]] == [
        "z",
        r"\mathrm{negate}",
        r"\mathrm{exp}",
        "1",
        r"\mathrm{add}",
        r"\mathrm{reciprocal}",
    ]


def test_x_times_x_has_two_edges():
    x = Tensor(3.0, name="x")
    y = x * x
    y.backward()
    tr = engine.trace(y)
    check_trace(tr)
    xid = node(tr, tr["output"])["inputs"][0]
    assert node(tr, tr["output"])["inputs"] == [xid, xid]
    assert [(e["source"], e["index"]) for e in tr["edges"]] == [(xid, 0), (xid, 1)]
    assert [e["local"] for e in tr["edges"]] == [3.0, 3.0]
    (fan,) = tr["fanout"]
    assert [c["value"] for c in fan["contributions"]] == [3.0, 3.0] and fan["sum"] == 6.0
    assert float(x.grad) == 6.0


# ---------------------------------------------------------------------------------------------
# CS231n (backprop notes): (x + y) * z, and the 2-d sigmoid neuron
# ---------------------------------------------------------------------------------------------
def test_cs231n_add_mul():
    x, y, z = Tensor(-2.0, name="x"), Tensor(5.0, name="y"), Tensor(-4.0, name="z")
    q = x + y
    f = q * z
    f.backward()
    check_trace(engine.trace(f))
    assert float(f.data) == -12.0
    assert (float(x.grad), float(y.grad), float(z.grad)) == (-4.0, -4.0, 3.0)
    assert float(q.grad) == -4.0


@pytest.mark.parametrize(
    "sigmoid", [engine.sigmoid, engine.sigmoid_expanded], ids=["one_node", "expanded"]
)
def test_cs231n_sigmoid_neuron(sigmoid):
    w0, x0, w1, x1, w2 = (
        Tensor(v, name=n)
        for n, v in zip(["w0", "x0", "w1", "x1", "w2"], [2.0, -1.0, -3.0, -2.0, -3.0])
    )
    f = sigmoid(w0 * x0 + w1 * x1 + w2)
    f.backward()
    tr = engine.trace(f)
    check_trace(tr)
    assert float(f.data) == pytest.approx(0.73, abs=5e-3)
    want = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    got = {k: round(v, 2) for k, v in tr["gradients"].items()}
    assert got == want


# ---------------------------------------------------------------------------------------------
# micrograd's README example (relu, ** with constants, constants on either side, +=)
# ---------------------------------------------------------------------------------------------
def test_micrograd_readme_example():
    a = Tensor(-4.0, name="a")
    b = Tensor(2.0, name="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    assert f"{float(g.data):.4f}" == "24.7041"
    g.backward()
    assert f"{float(a.grad):.4f}" == "138.8338"
    assert f"{float(b.grad):.4f}" == "645.5773"
    check_trace(engine.trace(g))


# ---------------------------------------------------------------------------------------------
# Non-finite values, backward twice, deep graphs, JSON
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build, value, grad",
    [
        (lambda x: engine.log(x), "-Infinity", "Infinity"),  # log(0), 1/0
        (lambda x: engine.sqrt(x), 0.0, "Infinity"),  # sqrt(0), 1/(2 sqrt 0)
        (lambda x: engine.log(x - 1), "NaN", "-1.0"),  # log(-1) is nan; 1/(x-1) = -1
        (lambda x: x * engine.log(x), "NaN", "NaN"),  # 0 * -inf
        (lambda x: -1 / x, "-Infinity", "Infinity"),  # -(1/0); d/dx -1/x = 1/x^2 = inf
    ],
    ids=["log0", "sqrt0", "log_neg", "x_log_x", "neg_reciprocal"],
)
def test_non_finite_values_are_json_strings(build, value, grad):
    x = Tensor(0.0, name="x")
    with np.errstate(all="ignore"):
        y = build(x)
        y.backward()
        tr = engine.trace(y)
    text = json.dumps(tr, allow_nan=False)
    assert "NaN" not in text.replace('"NaN"', "") and "Infinity" not in text.replace(
        '"Infinity"', ""
    ).replace('"-Infinity"', "")
    out = node(tr, tr["output"])
    assert out["value"] == value
    want = float(grad) if grad not in ("NaN", "Infinity", "-Infinity") else grad
    assert tr["gradients"]["x"] == want
    # and the strings decode back to the numbers they stand for
    np.testing.assert_array_equal(decoded(out["value"]), np.asarray(y.data))


def test_non_finite_inside_arrays():
    x = Tensor([0.0, 1.0, -1.0], name="x")
    with np.errstate(all="ignore"):
        y = engine.log(x)
        y.backward()
        tr = engine.trace(y)
    json.dumps(tr, allow_nan=False)
    assert node(tr, tr["output"])["value"] == ["-Infinity", 0.0, "NaN"]
    assert tr["gradients"]["x"] == ["Infinity", 1.0, -1.0]
    assert engine.decode(["NaN", "Infinity", "-Infinity", 1.5])[1:] == [math.inf, -math.inf, 1.5]
    with pytest.raises(engine.EngineError):
        engine.decode("nan")


def test_backward_twice_does_not_double():
    w1, w2, x = Tensor(2.0), Tensor(3.0), Tensor([0.0, 1.0])
    f = (w1 * x + w2 * x).sum()
    f.backward()
    first = engine.trace(f)
    f.backward()
    second = engine.trace(f)
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    assert float(w1.grad) == 1.0 and float(w2.grad) == 1.0
    assert first == second
    check_trace(second)


def test_backward_with_explicit_seed():
    x = Tensor([1.0, 2.0, 3.0])
    y = x * x
    y.backward([1.0, 0.0, -2.0])
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -12.0])
    with pytest.raises(engine.ArgumentError):
        y.backward([1.0, 2.0])


def test_seed_default_is_ones_of_output_shape():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    y = 2 * x
    y.backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    assert engine.trace(y)["steps"][0]["upstream"] == [[1.0] * 3] * 2


@pytest.mark.timeout(60)
def test_chain_of_100000_nodes():
    n = 100_000
    x = Tensor(0.5, name="x")
    y = x
    for i in range(n):
        y = -y if i % 2 else engine.sin(y) if i % 1000 == 0 else y * 1.0
    y.backward()
    # d/dx: (-1)^(n/2) * product of cos over the sin nodes along the chain
    want, v = 1.0, 0.5
    for i in range(n):
        if i % 2:
            v, want = -v, -want
        elif i % 1000 == 0:
            v, want = math.sin(v), want * math.cos(v)
    assert float(y.data) == pytest.approx(v, rel=1e-12)
    assert float(x.grad) == pytest.approx(want, rel=1e-9)
    tr = engine.trace(y)
    ops = [n_["op"] for n_ in tr["nodes"]]
    assert ops.count("neg") == n // 2 and ops.count("sin") == n // 1000
    assert len(tr["steps"]) == n
    json.dumps(tr["steps"][-1], allow_nan=False)
    del tr, y  # freeing a deep chain must not recurse either


def test_trace_before_backward_is_an_error():
    y = Tensor(1.0) * 2
    with pytest.raises(engine.EngineError):
        engine.trace(y)


def test_trace_is_plain_json_for_tensors():
    W = Tensor(np.arange(6.0).reshape(2, 3) / 10, name="W")
    x = engine.constant([1.0, -1.0, 0.5], name="x")
    b = Tensor([0.1, -0.2], name="b")
    h = engine.tanh(W @ x + b)
    loss = engine.mse(h, engine.constant([0.0, 1.0]))
    loss.backward()
    tr = engine.trace(loss)
    check_trace(tr)
    assert set(tr["gradients"]) == {"W", "b"}  # x is a constant: no gradient
    assert node(tr, next(n["id"] for n in tr["nodes"] if n["name"] == "x"))["grad"] is None
