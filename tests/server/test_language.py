"""The compiler on its own: what it emits and what it knows, without HTTP or the engine."""

from __future__ import annotations

import re

import pytest

from server.config import Limits
from server.errors import LimitExceeded, NotAllowed
from server.language import Call, Instruction, Opcode, compile_program, where

INPUT, LITERAL, LOAD, APPLY, STORE, DISCARD = (
    Opcode.INPUT,
    Opcode.LITERAL,
    Opcode.LOAD,
    Opcode.APPLY,
    Opcode.STORE,
    Opcode.DISCARD,
)


def kinds(source: str, **kw) -> list:
    """(opcode, what it names): the op for APPLY, the name or value for the rest."""
    return [
        (i.opcode, i.arg.op if i.opcode is APPLY else i.arg)
        for i in compile_program(source, **kw).code
    ]


def test_postfix_order():
    # 1/x is the post's reciprocal: the literal 1 is not a node
    assert kinds("1/(1+exp(-z))") == [
        (LITERAL, 1.0),
        (INPUT, "z"),
        (APPLY, "neg"),
        (APPLY, "exp"),
        (APPLY, "add"),
        (APPLY, "reciprocal"),
    ]
    assert kinds("2/z") == [(LITERAL, 2.0), (INPUT, "z"), (APPLY, "div")]


def test_statements_and_names():
    assert kinds("h = x * 2\nh + 1") == [
        (INPUT, "x"),
        (LITERAL, 2.0),
        (APPLY, "mul"),
        (STORE, "h"),
        (DISCARD, None),
        (LOAD, "h"),
        (LITERAL, 1.0),
        (APPLY, "add"),
    ]


def test_folding_and_unary_plus():
    assert kinds("-2 * +x") == [(LITERAL, -2.0), (INPUT, "x"), (APPLY, "mul")]
    assert kinds("(-2) ** 2") == [(LITERAL, -2.0), (LITERAL, 2.0), (APPLY, "pow")]
    # -2 ** 2 is -(2 ** 2) in Python, and here: ** binds tighter than unary minus
    assert kinds("-2 ** 2") == [(LITERAL, 2.0), (LITERAL, 2.0), (APPLY, "pow"), (APPLY, "neg")]
    assert kinds("-x ** 2") == [(INPUT, "x"), (LITERAL, 2.0), (APPLY, "pow"), (APPLY, "neg")]


def test_call_params_are_bound_at_compile_time():
    last = compile_program("sum(x, (0, -1), keepdims=True)").code[-1]
    assert last.opcode is APPLY
    assert last.arg == Call("sum", 1, {"axis": (0, -1), "keepdims": True})
    # defaults are filled in by the engine's binder, the same one engine.sum uses
    assert compile_program("softmax(x)").code[-1].arg == Call("softmax", 1, {"axis": -1})


def test_operator_tables_come_from_the_registry():
    import engine
    from server.language import BINARY_OPS, UNARY_OPS

    symbols = {op.symbol: name for name, op in engine.OPS.items() if op.symbol}
    assert sorted(BINARY_OPS.values()) == sorted(
        name for name, op in engine.OPS.items() if op.arity == 2 and op.symbol
    )
    assert set(UNARY_OPS.values()) == {symbols["-x"]}
    assert kinds("x @ y")[-1] == (APPLY, "matmul")


def test_refused_operators_are_named_as_written():
    from server.errors import NotAllowed as Refused

    for source, text in [("x // y", "//"), ("(x) % (y)", "%"), ("~x", "~"), ("x <<= 2", "<<=")]:
        with pytest.raises(Refused, match=f"the operator {re.escape(text)} is not supported"):
            compile_program(source if "=" not in source else "x = 1\n" + source)


def test_sigmoid_expanded_counts_the_engines_nodes():
    assert compile_program("sigmoid(x)", sigmoid="expanded").nodes == 1 + 5
    assert compile_program("sigmoid(x)").nodes == 2


def test_list_literal_is_one_constant():
    code = compile_program("[[1, -2], [3, 4.5]]").code
    assert code == [Instruction(LITERAL, ([1.0, -2.0, 3.0, 4.5], (2, 2)), (1, 0, 1, 19))]


def test_deep_but_legal_expression_needs_no_recursion():
    source = "x" + "+x" * 900  # depth 900 < 1000: the walk is iterative
    program = compile_program(source)
    assert program.nodes == 901


def test_depth_limit_counts_levels():
    with pytest.raises(LimitExceeded) as info:
        compile_program("exp(" * 6 + "x" + ")" * 6, Limits(max_depth=5))
    assert info.value.limit == {"name": "max_depth", "value": 6, "max": 5}


def test_parse_is_not_fooled_by_lookalikes():
    # full-width letters normalise into identifiers; the check runs on the tree
    with pytest.raises(NotAllowed):
        compile_program("__ｉｍｐｏｒｔ__('os')")  # -> __import__
    assert compile_program("ｅｘｐ(x)").functions == ["exp"]


@pytest.mark.parametrize(
    "span, text",
    [
        ((1, 0, 1, 1), "line 1, column 1"),
        ((1, 4, 1, 9), "line 1, columns 5-9"),
        ((2, 0, 3, 4), "lines 2-3"),
        (None, "somewhere in the expression"),
    ],
)
def test_where(span, text):
    assert where(span) == text
