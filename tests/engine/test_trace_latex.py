r"""The trace's LaTeX: node names as KaTeX-safe math (`tex`), formulas in those names.

Every formula of the registry is substituted here, and every case is rendered by KaTeX itself
(node_modules/katex, installed by ./dev) in strict mode, so a case that misrenders fails.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import engine
from engine import OPS, Tensor
from engine.latex import name_tex, number_tex, shape_tex, substitute, title_tex

ROOT = Path(__file__).resolve().parents[2]
KATEX = ROOT / "node_modules" / "katex"

# (name a learner types, its LaTeX)
NAMES = [
    ("x", "x"),
    ("W", "W"),
    ("w1", "w_{1}"),
    ("x_2", "x_{2}"),
    ("x_12", "x_{12}"),
    ("b_out", r"b_{\mathrm{out}}"),
    ("y_hat", r"y_{\mathrm{hat}}"),
    ("layer2", r"\mathrm{layer}_{2}"),
    ("w1_a", r"\mathrm{w1}_{a}"),
    ("h_1_2", r"h_{\mathrm{1\_2}}"),
    ("loss", r"\mathrm{loss}"),
    ("log_softmax", r"\mathrm{log}_{\mathrm{softmax}}"),
    ("θ", "θ"),
    ("θ1", "θ_{1}"),
    ("θθ", r"\mathrm{θθ}"),
    ("theta", r"\theta"),
    ("beta_1", r"\beta_{1}"),
    ("Omega2", r"\Omega_{2}"),
    ("变量", r"\text{变量}"),
    ("变量1", r"\text{变量}_{1}"),
    ("θ变量", r"\mathrm{θ}\text{变量}"),
    ("é", r"\text{é}"),
    ("x__2", r"\mathrm{x\_\_2}"),
    ("_x", r"\mathrm{\_x}"),
    ("x_", r"\mathrm{x\_}"),
    ("hidden layer", r"\text{hidden layer}"),
    ("a+b", r"\text{a+b}"),
    ("x^2", r"\text{x\textasciicircum{}2}"),
    ("a\\b{c}#%&$~", r"\text{a\textbackslash{}b\{c\}\#\%\&\$\textasciitilde{}}"),
]
# (a constant's label, its LaTeX)
NUMBERS = [
    ("1", "1"),
    ("-0.5", "-0.5"),
    ("0.000123457", "0.000123457"),
    ("1e-05", "10^{-5}"),
    ("1.5e+20", r"1.5 \times 10^{20}"),
    ("-2e-07", r"-2 \times 10^{-7}"),
    ("nan", r"\mathrm{NaN}"),
    ("inf", r"\infty"),
    ("-inf", r"-\infty"),
]
# (formula, LaTeX of x, of y, expected): parentheses only where the formula needs them
SUBSTITUTIONS = [
    ("y", "w_{1}", "-0.5", "-0.5"),
    (r"\frac{1}{y}", "w", "-0.5", r"\frac{1}{-0.5}"),
    (r"-\frac{x}{y^{2}}", "-0.5", r"\text{a+b}", r"-\frac{-0.5}{(\text{a+b})^{2}}"),
    (r"-\frac{x}{y^{2}}", "x", "w_{1}", r"-\frac{x}{w_{1}^{2}}"),
    (r"y\,x^{y-1}", "w_{1}", "-0.5", r"(-0.5)\,w_{1}^{-0.5-1}"),
    (r"x^{y}\ln x", r"10^{-5}", "y", r"(10^{-5})^{y}\ln (10^{-5})"),
    (r"e^{x}", r"-\infty", None, r"e^{-\infty}"),
    (r"\cos x", r"\mathrm{add}", None, r"\cos \mathrm{add}"),
    (r"\cos x", "-0.5", None, r"\cos (-0.5)"),
    (r"\mathbb{1}[x > 0]", "-0.5", None, r"\mathbb{1}[-0.5 > 0]"),
    (r"\frac{2}{n}(x - y)", r"\text{a+b}", "-1", r"\frac{2}{n}(\text{a+b} - (-1))"),
    (r"\operatorname{softmax}(x)_i", r"\text{a+b}", None, r"\operatorname{softmax}(\text{a+b})_i"),
    (r"\frac{\mathbb{1}[x_i = \max x]}{\#\text{ties}}", "w_{1}", None,
     r"\frac{\mathbb{1}[(w_{1})_i = \max w_{1}]}{\#\text{ties}}"),
    (r"\frac{\partial s_i}{\partial x_j}", r"\mathrm{logits}", None,
     r"\frac{\partial s_i}{\partial \mathrm{logits}_j}"),
    (r"g\,y^{\top}", None, r"[2 \times 3]", r"g\,[2 \times 3]^{\top}"),
    (r"\text{none: x and y are not placeholders here}", "a", "b",
     r"\text{none: x and y are not placeholders here}"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "tex"), NAMES)
def test_name_tex(name, tex):
    assert name_tex(name) == tex


@pytest.mark.parametrize(("label", "tex"), NUMBERS)
def test_number_tex(label, tex):
    assert number_tex(label) == tex


def test_titles_and_shapes():
    assert title_tex("add") == r"\mathrm{add}"
    assert title_tex("log_softmax") == r"\mathrm{log\_softmax}"
    assert shape_tex("[2×3]") == r"[2 \times 3]"


@pytest.mark.parametrize(("formula", "x", "y", "expected"), SUBSTITUTIONS)
def test_substitute(formula, x, y, expected):
    assert substitute(formula, x, y) == expected


FORMULAS = [(name, k, f) for name, op in sorted(OPS.items()) for k, f in enumerate(op.formulas)]
COMMAND = re.compile(r"\\[A-Za-z]+|\\.")


@pytest.mark.parametrize(("op", "k", "formula"), FORMULAS, ids=[f"{o}-{k}" for o, k, _ in FORMULAS])
def test_every_formula_substitutes_only_its_placeholders(op, k, formula):
    named = substitute(formula, r"\mathrm{AAA}", r"\mathrm{BBB}")
    assert named.replace(r"\mathrm{AAA}", "x").replace(r"\mathrm{BBB}", "y") == formula
    commands = COMMAND.findall(formula)
    assert [c for c in COMMAND.findall(named) if c != r"\mathrm"] == commands
    # operands of several symbols: only parentheses are added (SUBSTITUTIONS says where)
    named = substitute(formula, r"\text{a+b}", r"-\mathrm{B}")
    named = named.replace(r"\text{a+b}", "x").replace(r"-\mathrm{B}", "y")
    assert re.sub("[()]", "", named) == re.sub("[()]", "", formula)


def katex_errors(texs: list[str]) -> dict[str, str]:
    """Each LaTeX string KaTeX refuses in strict mode, with its message."""
    script = (
        "const katex = require(process.argv[1]); const bad = {};"
        "for (const t of JSON.parse(require('fs').readFileSync(0, 'utf8'))) {"
        "  try { katex.renderToString(t, {throwOnError: true, strict: 'error'}); }"
        "  catch (e) { bad[t] = e.message; } }"
        "console.log(JSON.stringify(bad));"
    )
    result = subprocess.run(
        ["node", "-e", script, str(KATEX)],
        input=json.dumps(texs),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.skipif(
    not KATEX.is_dir() or not shutil.which("node"), reason="needs node and npm ci (./dev)"
)
def test_katex_renders_every_case():
    operands = [tex for _, tex in NAMES + NUMBERS] + [r"\mathrm{add}", r"[2 \times 3]"]
    texs = operands + [title_tex(op.title) for op in OPS.values()]
    texs += [e for _, _, _, e in SUBSTITUTIONS]
    for _, _, formula in FORMULAS:
        texs += [substitute(formula, x, y) for x, y in zip(operands, operands[::-1])]
    assert katex_errors(texs) == {}


# ---------------------------------------------------------------------------------------------
# In the trace
# ---------------------------------------------------------------------------------------------
def test_trace_tex_of_names_titles_and_constants():
    w1, x = Tensor(2.0, name="w1"), Tensor(-0.5, name="x_2")
    h = engine.exp(w1 * x) + engine.constant([[1.0, 2.0, 3.0]]) - 1e-5
    h.name = "θ"
    h.backward()
    tr = engine.trace(h)
    assert [(n["label"], n["tex"]) for n in tr["nodes"]] == [
        ("w1", "w_{1}"),
        ("x_2", "x_{2}"),
        ("multiply", r"\mathrm{multiply}"),
        ("exp", r"\mathrm{exp}"),
        ("[1×3]", r"[1 \times 3]"),
        ("add", r"\mathrm{add}"),
        ("1e-05", "10^{-5}"),
        ("θ", "θ"),
    ]


def test_trace_named_formulas_use_the_inputs_names():
    x, y = Tensor(3.0, name="x"), Tensor(-0.5, name="y_1")
    out = (x**y) * engine.constant(-2.0)
    out.backward()
    tr = engine.trace(out)
    named = {(e["target"], e["index"]): e["local_formula_named"] for e in tr["edges"]}
    assert named == {
        ("n2", 0): r"y_{1}\,x^{y_{1}-1}",
        ("n2", 1): r"x^{y_{1}}\ln x",
        ("n4", 0): "-2",
        ("n4", 1): r"\mathrm{power}",
    }
    assert [e["local_formula"] for e in tr["edges"]] == [
        r"y\,x^{y-1}",
        r"x^{y}\ln x",
        "y",
        "x",
    ]
