"""POST /api/train and forward mode in POST /api/graph: the contracts, field by field."""

from __future__ import annotations

import math

import pytest

from server.config import Limits
from server.examples import EXAMPLES

GOLDEN = {
    "expression": "loss = (w*x + b - 9)**2",
    "inputs": {"x": 2, "w": 3, "b": 1},
    "params": ["w", "b"],
    "lr": 0.05,
    "steps": 1,
    "optimizer": "sgd",
}


def train(client, **changes):
    r = client.post("/api/train", json={**GOLDEN, **changes})
    return r.status_code, r.json()


# -- the golden case --------------------------------------------------------------------------
def test_golden_case_one_sgd_step(client):
    status, body = train(client)
    assert status == 200
    assert body["expression"] == GOLDEN["expression"]
    assert body["params"] == ["w", "b"]
    assert body["optimizer"]["name"] == "sgd"
    assert body["optimizer"]["text"] == "w <- w - lr * dL/dw"
    assert body["lr"] == 0.05 and body["steps"] == 1
    assert body["losses"] == pytest.approx([4.0, 1.0])
    assert body["inputs"] == pytest.approx({"x": 2.0, "w": 3.4, "b": 1.2})
    first, second = body["history"]
    assert first == {
        "step": 0,
        "loss": 4.0,
        "values": {"w": 3.0, "b": 1.0},
        "gradients": {"w": -8.0, "b": -4.0},
    }
    assert second["step"] == 1
    assert second["values"] == pytest.approx({"w": 3.4, "b": 1.2})
    assert second["gradients"] == pytest.approx({"w": -4.0, "b": -2.0})
    assert "diverged" not in body and "warnings" not in body


@pytest.mark.parametrize(
    "optimizer, w1, b1",
    [
        ("sgd", 3.4, 1.2),
        ("momentum", 3.4, 1.2),  # the velocity starts at 0: the first step is SGD's
        ("adam", 3.05, 1.05),  # Adam's first step is lr * sign(g) (up to eps)
    ],
)
def test_each_optimizer_first_step(client, optimizer, w1, b1):
    status, body = train(client, optimizer=optimizer)
    assert status == 200
    assert body["inputs"]["w"] == pytest.approx(w1, abs=1e-7)
    assert body["inputs"]["b"] == pytest.approx(b1, abs=1e-7)
    assert len(body["losses"]) == 2 and len(body["history"]) == 2


def test_zero_steps_is_the_loss_and_gradients_at_the_start(client):
    status, body = train(client, steps=0)
    assert status == 200
    assert body["losses"] == [4.0] and body["inputs"] == {"x": 2.0, "w": 3.0, "b": 1.0}


def test_the_mlp_preset_loss_decreases_over_50_sgd_steps(client):
    ex = next(e for e in EXAMPLES if e["id"] == "mlp-train")
    assert ex["train"]["steps"] == 50 and ex["train"]["optimizer"] == "sgd"
    r = client.post(
        "/api/train", json={"expression": ex["expression"], "inputs": ex["inputs"], **ex["train"]}
    )
    body = r.json()
    assert r.status_code == 200 and body["steps"] == 50
    losses = body["losses"]
    assert len(losses) == 51
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.1 * losses[0]
    assert body["inputs"]["X"] == ex["inputs"]["X"]  # data is held
    assert len(body["inputs"]["W1"]) == 2 and len(body["inputs"]["W1"][0]) == 4


def test_a_diverging_run_says_at_which_step(client):
    status, body = train(client, lr=5.0, steps=200)
    assert status == 200
    d = body["diverged"]
    assert body["steps"] == d["step"] < 200
    assert len(body["losses"]) == d["step"] + 1
    assert body["losses"][-1] in ("Infinity", "NaN")
    assert all(isinstance(v, float) and math.isfinite(v) for v in body["losses"][:-1])
    assert f"after {d['step']} steps" in d["message"] and "learning rate" in d["message"]


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes, status, code, words",
    [
        ({"params": []}, 400, "bad_request", "params"),
        ({"lr": 0}, 400, "bad_request", "lr"),
        ({"lr": -1}, 400, "bad_request", "lr"),
        ({"steps": -1}, 400, "bad_request", "steps"),
        ({"optimizer": "rmsprop"}, 400, "bad_request", "optimizer"),
        ({"steps": 1001}, 422, "limit_exceeded", "over the limit of 1,000"),
        ({"steps": 10**30}, 422, "limit_exceeded", "over the limit of 1,000"),
        ({"expression": "w*x + b"} | {"inputs": {"x": [1, 2], "w": 1, "b": 1}}, 422,
         "bad_input", "scalar loss"),
        ({"inputs": {"x": 2, "w": 3}}, 422, "missing_input", "'b'"),
    ],
)  # fmt: skip
def test_refusals(client, changes, status, code, words):
    got, body = train(client, **changes)
    assert got == status, body
    assert body["error"]["code"] == code
    assert words in body["error"]["message"]


def test_params_that_are_not_inputs_are_left_out_with_a_warning(client):
    status, body = train(client, params=["q", "w", "w"])
    assert status == 200
    assert body["params"] == ["w"]
    assert body["inputs"] == pytest.approx({"x": 2.0, "w": 3.4, "b": 1.0})
    assert body["warnings"] == [
        "params: 'q' is not an input of the expression (its inputs: 'w', 'x', 'b'); left out"
    ]
    status, body = train(client, params=["q"])
    assert status == 200 and body["losses"] == [4.0, 4.0]
    assert body["warnings"][-1] == "no parameter is an input of the expression: nothing is trained"


def test_the_run_is_refused_before_it_starts_past_the_work_limit(make_client):
    client = make_client(Limits(max_train_work=100))
    status, body = train(client, steps=100)
    assert status == 422
    assert body["error"]["limit"]["name"] == "max_train_work"
    client = make_client(Limits(max_train_history=10))
    status, body = train(client, steps=100)
    assert body["error"]["limit"] == {"name": "max_train_history", "value": 404, "max": 10}


# -- forward mode in POST /api/graph ----------------------------------------------------------
def test_tangents_on_the_sigmoid(graph):
    status, body = graph("1/(1+exp(-z))", {"z": 0}, tangents={"z": 1})
    assert status == 200
    assert body["tangent"] == 0.25
    by_op = {n["op"]: n["tangent"] for n in body["nodes"]}
    assert by_op == {"const": 0.0, "input": 1.0, "neg": -1.0, "exp": -1.0, "add": -1.0,
                     "reciprocal": 0.25}  # fmt: skip
    nodes = {n["id"]: n for n in body["nodes"]}
    for e in body["edges"]:
        source = nodes[e["source"]]
        if source["op"] == "const":
            assert e["tangent"] == 0.0
        else:
            assert e["tangent"] == pytest.approx(e["local"] * source["tangent"])
    p = body["passes"]
    assert (p["input_elements"], p["output_elements"]) == (1, 1)
    assert (p["forward_passes"], p["reverse_passes"]) == (1, 1)
    assert p["forward_ms"] >= 0 and p["reverse_ms"] >= 0


def test_tangents_are_absent_unless_asked(graph):
    _, body = graph("1/(1+exp(-z))", {"z": 0})
    assert "tangent" not in body and "passes" not in body
    assert all("tangent" not in n for n in body["nodes"])
    assert all("tangent" not in e for e in body["edges"])


def test_unnamed_inputs_get_zero_and_the_tangent_is_the_directional_derivative(graph):
    _, body = graph("loss = (w*x + b - 9)**2", {"x": 2, "w": 3, "b": 1}, tangents={"w": 1})
    assert body["tangent"] == -8.0 == body["gradients"]["w"]
    _, body = graph("loss = (w*x + b - 9)**2", {"x": 2, "w": 3, "b": 1},
                    tangents={"w": 1, "b": 2})  # fmt: skip
    assert body["tangent"] == -8.0 - 2 * 4.0


def test_tensor_tangents_broadcast_a_number_and_count_passes(graph):
    ex = next(e for e in EXAMPLES if e["id"] == "broadcast")
    _, body = graph(ex["expression"], ex["inputs"], tangents={"b": 1})
    p = body["passes"]
    assert p["input_elements"] == 4 + 6 + 3 and p["forward_passes"] == 13
    assert p["output_elements"] == 1 and p["reverse_passes"] == 1
    assert body["tangent"] == pytest.approx(sum(body["gradients"]["b"]))


@pytest.mark.parametrize(
    "tangents, words",
    [
        ({"q": 1}, "'q' is not an input of the expression"),
        ({"z": [1, 2]}, "has shape [2], but 'z' has shape []"),
        ({"z": "one"}, "must be a number"),
    ],
)
def test_bad_tangents_are_refused(graph, tangents, words):
    status, body = graph("1/(1+exp(-z))", {"z": 0}, tangents=tangents)
    assert status == 422 and body["error"]["code"] == "bad_input"
    assert words in body["error"]["message"]
