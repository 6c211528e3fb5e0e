"""The compiler on its own: what it emits and what it knows, without HTTP or the engine."""

from __future__ import annotations

import pytest

from server.config import Limits
from server.errors import LimitExceeded, NotAllowed
from server.language import (
    ASSIGN,
    BINARY,
    CALL,
    CONST,
    DISCARD,
    INPUT,
    NEG,
    RECIP,
    VAR,
    compile_program,
    where,
)


def kinds(source: str, **kw) -> list:
    return [(ins[0], ins[1]) for ins in compile_program(source, **kw).code]


def test_postfix_order():
    assert kinds("1/(1+exp(-z))") == [
        (CONST, 1.0),
        (INPUT, "z"),
        (NEG, None),
        (CALL, "exp"),
        (BINARY, "add"),
        (RECIP, None),
    ]


def test_statements_and_names():
    assert kinds("h = x * 2\nh + 1") == [
        (INPUT, "x"),
        (CONST, 2.0),
        (BINARY, "mul"),
        (ASSIGN, "h"),
        (DISCARD, None),
        (VAR, "h"),
        (CONST, 1.0),
        (BINARY, "add"),
    ]


def test_folding_and_unary_plus():
    assert kinds("-2 * +x") == [(CONST, -2.0), (INPUT, "x"), (BINARY, "mul")]
    assert kinds("(-2) ** 2") == [(CONST, -2.0), (CONST, 2.0), (BINARY, "pow")]
    # -2 ** 2 is -(2 ** 2) in Python, and here: ** binds tighter than unary minus
    assert kinds("-2 ** 2") == [(CONST, 2.0), (CONST, 2.0), (BINARY, "pow"), (NEG, None)]
    assert kinds("-x ** 2") == [(INPUT, "x"), (CONST, 2.0), (BINARY, "pow"), (NEG, None)]


def test_call_params_are_literals():
    (_, _, (n, params, kwargs), _) = compile_program("sum(x, (0, -1), keepdims=True)").code[-1]
    assert (n, params, kwargs) == (1, ((0, -1),), {"keepdims": True})


def test_list_literal_is_one_constant():
    code = compile_program("[[1, -2], [3, 4.5]]").code
    assert code == [(CONST, ([1.0, -2.0, 3.0, 4.5], (2, 2)), None, (1, 0, 1, 19))]


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
