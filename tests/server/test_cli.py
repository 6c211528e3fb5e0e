"""The backprop-explorer command: trace tables, error underlines, limit options."""

from __future__ import annotations

import json
import os

import pytest

from server import cli


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trace_prints_forward_and_backward_tables(capsys):
    code, out, _ = run(capsys, "trace", "1/(1+exp(-z))", "--input", "z=0")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "forward (6 nodes, output n5)"
    assert lines[3].split() == ["n0", "const", "1", "[]", "1", "-"]
    assert lines[4].split() == ["n1", "input", "z", "[]", "0", "0.25"]
    steps = [line.split() for line in lines if line[:1].isdigit()]
    assert [s[2] for s in steps] == ["reciprocal", "add", "exp", "neg"]
    assert [s[3] for s in steps] == ["1", "-0.25", "-0.25", "-0.25"]
    assert "  d/dz = 0.25" in lines


def test_trace_shows_fanout_and_check(capsys):
    code, out, _ = run(
        capsys,
        "trace",
        "h = w1*x\ng = w2*x\nf = g + h",
        "-i",
        "w1=2",
        "-i",
        "w2=3",
        "-i",
        "x=0",
        "--check",
    )
    assert code == 0
    assert "n1 (x): 3 + 2 = 5" in out  # w2*x was computed last, so backprop reaches it first
    assert "numerical check: ok" in out


def test_trace_json_and_tensors(capsys):
    code, out, _ = run(capsys, "trace", "sum(x * 2)", "-i", "x=[1, 2]", "--json")
    assert code == 0
    assert json.loads(out)["gradients"] == {"x": [2.0, 2.0]}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("nan", "NaN"),
        ("-inf", "-Infinity"),
        ("Infinity", "Infinity"),
        ("2.5", 2.5),
        ("[1, 2]", [1, 2]),
    ],
)
def test_parse_value(value, expected):
    assert cli.parse_value(value) == expected


def test_trace_error_underlines_the_span(capsys):
    code, _, err = run(capsys, "trace", "tahn(x) + 1", "-i", "x=1")
    assert code == 1
    assert err.splitlines() == [
        "error (unknown_function): unknown function 'tahn' at line 1, columns 1-4; did you mean "
        "tanh?",
        "  tahn(x) + 1",
        "  ^^^^",
        "  did you mean: tanh?",
    ]


def test_trace_bad_input_option(capsys):
    code, _, err = run(capsys, "trace", "x", "-i", "x")
    assert code == 2 and "NAME=VALUE" in err
    code, _, err = run(capsys, "trace", "x", "-i", "x=abc")
    assert code == 2 and "not a number" in err


def test_limit_options(capsys, monkeypatch):
    monkeypatch.delenv("BPE_MAX_NODES", raising=False)
    code, _, err = run(capsys, "trace", "x + x + x", "-i", "x=1", "--max-nodes", "2")
    assert code == 1
    assert "limit_exceeded" in err and "over the limit of 2" in err
    assert "BPE_MAX_NODES" not in os.environ  # only `serve` exports its options


def test_serve_help_lists_limits_and_env_vars(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    out = capsys.readouterr().out
    for option in [
        "--host",
        "--port",
        "--workers",
        "--max-nodes",
        "--time-budget",
        "--body-timeout",
        "BPE_MAX_BODY_BYTES",
    ]:
        assert option in out
