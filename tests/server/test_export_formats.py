"""Every export format for the post's sigmoid and the MLP preset, opened by the tool that reads
it: pdflatex (and pdftotext) for LaTeX, Graphviz for DOT, an XML parser for SVG, the PNG header
for its size; the API's content types and downloads; the CLI writing the same bytes."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import pytest

from server import service
from server.cli import main
from server.config import Limits
from server.examples import EXAMPLES
from server.export import FORMATS, export
from server.export.annotate import ExportError, view
from server.export.latex import chain_paths

ROOT = Path(__file__).resolve().parents[2]
PRESETS = {e["id"]: e for e in EXAMPLES}
CASES = ["sigmoid", "mlp"]
needs_dot = pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz's dot is not installed")
needs_tex = pytest.mark.skipif(
    not (shutil.which("pdflatex") and shutil.which("pdftotext")),
    reason="pdflatex and pdftotext are not installed (Debian: texlive-latex-base, "
    "texlive-pictures, poppler-utils; .ci/run installs them)",
)


def run(preset: str) -> dict:
    ex = PRESETS[preset]
    return service.run(ex["expression"], ex["inputs"], Limits(), **ex.get("options", {}))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def svg_size(data: bytes) -> tuple[float, float]:
    root = ET.fromstring(data)
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


# -- LaTeX ------------------------------------------------------------------------------------
def test_latex_writes_the_posts_chain_rule():
    tex = export(run("sigmoid"), "latex").decode()
    # 1 · -1(1+e^{-z})^{-2} · 1 · e^{-z} · -1 = 0.25, in the names of the graph's nodes
    assert (
        r"1 \cdot -\frac{1}{\mathrm{add}^{2}} \cdot 1 \cdot e^{\mathrm{negate}} \cdot -1"
        r" \\ & = 1 \cdot (-0.25) \cdot 1 \cdot 1 \cdot (-1) = 0.25"
    ) in tex
    # each step: upstream x local = downstream, with the numbers
    assert r"= 1 \times (-0.25) = \underbrace{-0.25}_{\text{downstream}}" in tex
    assert r"= -0.25 \times (-1) = \underbrace{0.25}_{\text{downstream}}" in tex
    assert r"\begin{tikzpicture}" in tex


def test_latex_sums_the_paths_of_a_fan_out():
    tex = export(run("fanout"), "latex").decode()
    assert r"\[ \frac{\partial L}{\partial x} = 3 + 2 = 5 \]" in tex
    assert r"\frac{\partial L}{\partial x} &= 3 + 2 = 5" in tex  # the fan-out section


@needs_tex
@pytest.mark.parametrize(
    "preset, numbers", [("sigmoid", ["0.25", "0.5"]), ("mlp", ["0.0473993", "−0.0112768"])]
)
def test_latex_compiles_and_the_pdf_has_the_numbers(tmp_path, preset, numbers):
    (tmp_path / "doc.tex").write_bytes(export(run(preset), "latex"))
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    text = subprocess.run(
        ["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    for n in numbers:
        assert n in text


def test_chain_paths_count_and_order():
    trace = run("fanout")
    x = next(n["id"] for n in trace["nodes"] if n["name"] == "x")
    count, paths = chain_paths(trace, x)
    assert count == 2 and [len(p) for p in paths] == [2, 2]
    assert [p[0]["target"] for p in paths] == [trace["output"]] * 2


CHAIN_JS = """
import { readFileSync } from 'node:fs';
import { chainRule } from './static/js/logic/chain.js';
const traces = JSON.parse(readFileSync(0, 'utf8'));
const leaves = (t) => t.nodes.filter((n) => !n.inputs.length);
const out = traces.map((t) => Object.fromEntries(leaves(t).map((n) => {
  const c = chainRule(t, n.id);
  return [n.id, [c.count, c.paths.map((p) => p.map((f) => f.edge))]];
})));
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(not shutil.which("node"), reason="Node.js is not installed")
def test_chain_paths_are_the_pages_for_every_preset_and_input():
    """The LaTeX export's chain rule and the page's (static/js/logic/chain.js) are two
    implementations of one algorithm: the same paths, in the same order, for every leaf of
    every preset (the page's module run by Node on the same traces)."""
    traces = [run(preset) for preset in PRESETS]
    node = subprocess.run(
        ["node", "--input-type=module", "-e", CHAIN_JS],
        input=orjson.dumps(traces),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    for preset, trace, js in zip(PRESETS, traces, orjson.loads(node.stdout)):
        assert js, preset
        for leaf, (count, paths) in js.items():
            py_count, py_paths = chain_paths(trace, leaf)
            assert (preset, leaf, py_count) == (preset, leaf, count)
            assert [[e["id"] for e in p] for p in py_paths] == paths, (preset, leaf)


def test_latex_chain_for_an_unknown_input_is_refused():
    with pytest.raises(ExportError, match="no input named 'q'"):
        export(run("sigmoid"), "latex", chain="q")


# -- the step shown ---------------------------------------------------------------------------
def test_the_view_at_a_step_knows_what_backprop_has_sent():
    trace = run("sigmoid")  # steps: reciprocal, add, exp, negate
    ids = {n["label"]: n["id"] for n in trace["nodes"]}
    v = view(trace, 2)
    assert v.current == ids["add"]
    assert v.grad_known == {ids["reciprocal"], ids["add"]}
    assert v.current_edges == tuple(trace["steps"][1]["edges"])
    assert view(trace, 0).grad_known == set() and view(trace, 0).current is None
    assert ids["z"] in view(trace).grad_known
    with pytest.raises(ExportError, match="between 0 and 4"):
        view(trace, 5)


# -- DOT, SVG, PNG ----------------------------------------------------------------------------
@pytest.mark.parametrize("preset", CASES)
def test_dot_has_values_and_gradients(preset):
    trace = run(preset)
    dot = export(trace, "dot").decode()
    assert dot.count("->") == len(trace["edges"])
    if preset == "sigmoid":
        assert "grad 0.25" in dot and "= 0.5" in dot and "label=-0.25" in dot


@needs_dot
@pytest.mark.parametrize("preset", CASES)
def test_dot_parses_with_graphviz(preset):
    done = subprocess.run(
        ["dot", "-Tcanon"], input=export(run(preset), "dot"), capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert b"digraph backprop" in done.stdout


@needs_dot
@pytest.mark.parametrize("preset", CASES)
def test_svg_is_well_formed_and_png_is_twice_its_size(preset):
    trace = run(preset)
    svg = export(trace, "svg")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    desc = root.find(f"{ns}desc").text
    if preset == "sigmoid":
        assert "z (n1) = 0, grad 0.25" in desc and "reciprocal (n5) = 0.5, grad 1" in desc
    w, h = svg_size(svg)
    pw, ph = png_size(export(trace, "png"))
    assert abs(pw - 2 * w) <= 2 and abs(ph - 2 * h) <= 2, (pw, ph, w, h)


def test_too_big_a_graph_is_not_drawn():
    expression = " + ".join(f"x{i}" for i in range(450))
    trace = service.run(expression, {f"x{i}": 1 for i in range(450)}, Limits())
    with pytest.raises(ExportError, match="at most 400"):
        export(trace, "svg")
    assert export(trace, "dot")  # the source is still made


# -- JSON -------------------------------------------------------------------------------------
def test_json_is_the_trace(client):
    ex = PRESETS["sigmoid"]
    graph = client.post("/api/graph", json={"expression": ex["expression"], "inputs": ex["inputs"]})
    assert orjson.loads(export(run("sigmoid"), "json")) == graph.json()


# -- the API ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("preset", CASES)
def test_the_api_answers_each_format_with_its_type(client, preset, fmt):
    if fmt in ("svg", "png") and not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed")
    ex = PRESETS[preset]
    body = {"expression": ex["expression"], "inputs": ex["inputs"], "format": fmt}
    post = client.post("/api/export", json=body)
    assert post.status_code == 200, post.text
    assert post.headers["content-type"].split(";")[0] == FORMATS[fmt].media_type
    disposition = post.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="backprop-[\w-]+\.[\w.]+"', disposition)
    assert disposition.endswith(f'.{FORMATS[fmt].extension}"')
    params = {
        "expression": ex["expression"],
        "inputs": orjson.dumps(ex["inputs"]).decode(),
        "format": fmt,
    }
    get = client.get("/api/export", params=params)
    assert get.status_code == 200 and get.headers["content-type"] == post.headers["content-type"]
    if fmt != "png":  # the same bytes (Graphviz's PNG may differ in its metadata)
        assert get.content == post.content
    else:
        assert png_size(get.content) == png_size(post.content)


REFUSALS = [
    ({"format": "pdf"}, 400, "bad_request"),
    ({"format": "latex", "step": 99}, 422, "export_failed"),
    ({"format": "latex", "step": -1}, 400, "bad_request"),
    ({"format": "latex", "chain": "q"}, 422, "export_failed"),
    ({"format": "dot", "expression": "tahn(z)"}, 422, "unknown_function"),
    ({"format": "dot", "inputs": {"z": "zero"}}, 422, "bad_input"),
]


@pytest.mark.parametrize("change, status, code", REFUSALS)
def test_the_api_refuses_clearly(client, change, status, code):
    body = {"expression": "1/(1+exp(-z))", "inputs": {"z": 0}, **change}
    r = client.post("/api/export", json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_get_refuses_inputs_that_are_not_a_json_object(client):
    r = client.get("/api/export", params={"expression": "z", "inputs": "[1]", "format": "dot"})
    assert r.status_code == 422 and "inputs" in r.json()["error"]["message"]


def test_the_api_keeps_the_graph_limits(make_client):
    small = make_client(Limits(max_nodes=3))
    body = {"expression": "1/(1+exp(-z))", "inputs": {"z": 0}, "format": "latex"}
    r = small.post("/api/export", json=body)
    assert r.status_code == 422 and r.json()["error"]["limit"]["name"] == "max_nodes"


# -- the CLI ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["latex", "dot", "torch", "json", "tikz"])
def test_the_cli_writes_what_the_api_answers(client, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    code = main(["trace", "1/(1+exp(-z))", "-i", "z=0", "--format", fmt, "-o", str(out)])
    assert code == 0
    body = {"expression": "1/(1+exp(-z))", "inputs": {"z": 0}, "format": fmt}
    assert out.read_bytes() == client.post("/api/export", json=body).content


@needs_dot
def test_the_cli_draws_png_at_2x(tmp_path):
    for fmt in ("svg", "png"):
        argv = ["trace", "h = w1*x; g = w2*x; f = g + h", "-i", "w1=2", "-i", "w2=3", "-i", "x=0"]
        assert main([*argv, "-f", fmt, "--step", "1", "-o", str(tmp_path / f"g.{fmt}")]) == 0
    w, h = svg_size((tmp_path / "g.svg").read_bytes())
    pw, ph = png_size((tmp_path / "g.png").read_bytes())
    assert abs(pw - 2 * w) <= 2 and abs(ph - 2 * h) <= 2


def test_the_cli_says_what_is_wrong(capsys):
    assert main(["trace", "z", "-i", "z=0", "-f", "latex", "--step", "3"]) == 1
    assert "step must be between 0 and 0" in capsys.readouterr().err


def test_every_op_has_a_torch_spelling_of_its_operands_and_attrs():
    """Without torch too: each op's template names only its operands and its attrs."""
    from engine.ops import OPERANDS, OPS

    for op in OPS.values():
        names = {**dict.fromkeys(OPERANDS[: op.arity], "a"), **dict.fromkeys(op.params, "1")}
        assert op.torch_template.format(**names), op.name


@needs_tex
def test_latex_of_greek_and_other_names_compiles(tmp_path):
    inputs = {"θ": 2, "x_out": 3, "变量": 1, "é": 1}
    trace = service.run("θ * x_out + relu(变量) + é", inputs, Limits())
    (tmp_path / "doc.tex").write_bytes(export(trace, "latex"))
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    text = subprocess.run(
        ["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert "θ" in text and "[U+53D8]" in text


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_default_chain_input_is_the_one_with_the_most_paths(preset):
    from server.export.latex import chain_input

    trace = run(preset)
    inputs = [n for n in trace["nodes"] if not n["inputs"] and n["requires_grad"]]
    counts = [chain_paths(trace, n["id"], limit=0)[0] for n in inputs]
    assert chain_input(trace, None)["id"] == inputs[counts.index(max(counts))]["id"]


def test_latex_of_a_big_graph_lists_the_first_nodes_and_steps():
    # 3,000 inputs in 30 sums: the default chain input is found in one sweep, not per input
    sums = [" + ".join(f"x{i}" for i in range(k, k + 100)) for k in range(0, 3000, 100)]
    expression = "\n".join([*(f"s{k} = {s}" for k, s in enumerate(sums)), "+".join(
        f"s{k}" for k in range(30))])  # fmt: skip
    trace = service.run(expression, {f"x{i}": 1 for i in range(3000)}, Limits())
    tex = export(trace, "latex").decode()
    assert "The remaining 5,699 nodes are left out." in tex
    assert f"The remaining {len(trace['steps']) - 300:,} steps are left out." in tex
    assert "graph has 5,999 nodes: too many to draw here" in tex


@needs_dot
def test_a_huge_png_is_scaled_down_to_fit():
    expression = " + ".join(f"tanh(x{i})" for i in range(130))  # a long chain: a wide drawing
    trace = service.run(expression, {f"x{i}": 1 for i in range(130)}, Limits())
    width, height = png_size(export(trace, "png"))
    assert max(width, height) <= 8000
