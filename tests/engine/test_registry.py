"""Every op in the registry is complete: forward, a rule and a formula per input, domain, shape."""

from __future__ import annotations

import inspect
import json

import pytest
from engine_cases import DISTANCE_TO_KINK, REFERENCE

import engine
from engine import OPS

# The ops the engine has always had; the registry may grow, never lose one.
REQUIRED = """add sub mul div neg reciprocal pow exp log sqrt abs sin cos tanh sigmoid relu maximum
minimum matmul sum mean max transpose reshape softmax log_softmax logsumexp mse
cross_entropy""".split()
DOMAINS = {"real", "positive", "nonzero", "class_index"}


def test_every_required_op_is_registered():
    assert sorted(set(REQUIRED) - set(OPS)) == []


@pytest.mark.parametrize("name", sorted(OPS))
def test_entry_is_complete(name):
    op = OPS[name]
    assert op.name == name
    assert op.title and op.description
    assert callable(op.forward) and callable(op.shape)
    assert (op.local is None) != (op.vjp is None), "exactly one of local / vjp"
    rules = op.rules()
    assert isinstance(rules, tuple) and len(rules) == op.arity, "one rule per input"
    assert isinstance(op.formulas, tuple) and len(op.formulas) == op.arity, "one formula per input"
    assert isinstance(op.domain, tuple) and len(op.domain) == op.arity, "one domain per input"
    for k, (rule, formula, domain) in enumerate(zip(rules, op.formulas, op.domain)):
        assert domain in DOMAINS, f"input {k}: unknown domain {domain!r}"
        if rule is None:
            assert domain == "class_index", f"input {k} has no rule but is differentiable"
        else:
            assert callable(rule)
        assert isinstance(formula, str) and formula.strip(), f"input {k} has no formula"
        assert formula.count("{") == formula.count("}"), f"input {k}: unbalanced LaTeX braces"
    assert isinstance(op.params, dict)
    for key, param in op.params.items():
        assert isinstance(param, engine.ops.Param) and callable(param.check), key
    assert (op.symbol is None) == (op.precedence is None), "a symbol binds with a precedence"


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_has_a_function_and_a_reference(name):
    fn = getattr(engine, name)
    assert fn.__name__ == name and OPS[name].description in fn.__doc__
    assert list(inspect.signature(fn).parameters)[OPS[name].arity :] == list(OPS[name].params)
    assert name in REFERENCE, "add a textbook forward for the new op to tests/engine/engine_cases"


@pytest.mark.parametrize("name", sorted(OPS))
def test_kinks_are_documented(name):
    """An op with a kink says how it resolves it, and the tests know how to sample around it."""
    op = OPS[name]
    assert (op.kink is None) == (op.convention is None)
    if op.kink is not None:
        assert name in DISTANCE_TO_KINK


def test_describe_ops_is_json_and_matches_registry():
    described = engine.describe_ops()
    json.dumps(described, allow_nan=False)
    assert [d["name"] for d in described] == list(OPS)
    for d in described:
        op = OPS[d["name"]]
        assert d["formulas"] == list(op.formulas) and d["domain"] == list(op.domain)
        assert d["arity"] == op.arity and d["kind"] == op.kind
        assert d["convention"] == op.convention


def test_a_missing_rule_is_caught(monkeypatch):
    """The completeness check itself can fail: a registry entry with a rule missing."""
    import dataclasses

    broken = dataclasses.replace(OPS["mul"], local=(OPS["mul"].local[0],))
    monkeypatch.setitem(OPS, "mul", broken)
    with pytest.raises(AssertionError, match="one rule per input"):
        test_entry_is_complete("mul")
