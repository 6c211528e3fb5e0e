"""The annotated graph as Graphviz DOT, and drawn by Graphviz as SVG or PNG.

The drawing follows the page's colours: blue for forward values, amber for gradients, the
current backprop step's node and edges thick. SVG and PNG come from Graphviz's cairo renderer
(`dot -Tsvg:cairo`, `-Tpng:cairo`): text becomes glyph outlines, so the file looks the same in
any viewer, with or without the fonts; the SVG's <title> and <desc> carry the numbers as text
for screen readers and search. The PNG is drawn at 144 dpi: twice the SVG's size in pixels.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import graphviz

from server.errors import APIError

from .annotate import ExportError, View, value_text, view

#: Graphviz's layout grows faster than linearly: bigger graphs are refused for SVG and PNG.
MAX_DRAWN_NODES = 400
#: Seconds `dot` may take to draw (a cap on top of the node limit).
DRAW_TIMEOUT = 20.0
PNG_DPI = 144  # 2x Graphviz's 72 points per inch
#: A PNG wider or taller than this is scaled down to fit (a long chain of nodes would otherwise
#: be a bitmap of gigabytes that takes minutes to draw).
MAX_PNG_PIXELS = 8000
FONT = "DejaVu Sans"

FORWARD, BACKWARD, BACKWARD_LINE = "#1d5bb8", "#a24a00", "#c4701e"
TEXT, MUTED, EDGE = "#1b2230", "#535e70", "#7d889a"
FILL = {"op": "#ffffff", "input": "#f2f6fd", "const": "#f5f6f8"}
BORDER = {"op": "#c3cad4", "input": "#8fb0e0", "const": "#c3cad4"}


class RendererMissing(APIError):
    code, status = "renderer_missing", 503


def _kind(node: dict) -> str:
    return "op" if node["inputs"] else "input" if node["requires_grad"] else "const"


def _font(text: str, color: str, bold: bool = False, size: float | None = None) -> str:
    out = html.escape(text)
    if bold:
        out = f"<B>{out}</B>"
    size_attr = f' POINT-SIZE="{size}"' if size else ""
    return f'<FONT COLOR="{color}"{size_attr}>{out}</FONT>'


def _label(node: dict, v: View) -> str:
    kind = _kind(node)
    title = node["label"] if kind != "const" else "const"
    rows = [_font(title, TEXT if kind != "const" else MUTED, bold=kind != "const")]
    rows.append(_font("= " + value_text(node["value"]), FORWARD, size=11))
    if node["id"] in v.grad_known:
        rows.append(_font("grad " + value_text(node["grad"]), BACKWARD, bold=True, size=10.5))
    return "<" + "<BR/>".join(rows) + ">"


def graph(trace: dict, step: int | None = None) -> graphviz.Digraph:
    """The annotated graph at backprop step `step` (default: the end) as a graphviz.Digraph."""
    v = view(trace, step)
    g = graphviz.Digraph("backprop", format="svg")
    g.attr(rankdir="LR", nodesep="0.3", ranksep="0.55", bgcolor="white", pad="0.15")
    g.attr(
        "node",
        shape="box",
        style="rounded,filled",
        fontname=FONT,
        fontsize="12",
        margin="0.12,0.05",
    )
    g.attr("edge", color=EDGE, fontname=FONT, fontsize="10", arrowsize="0.7")
    for node in trace["nodes"]:
        kind = _kind(node)
        attrs = {"fillcolor": FILL[kind], "color": BORDER[kind], "tooltip": f"{node['id']}"}
        if kind == "const":
            attrs["style"] = "rounded,filled,dashed"
        if node["id"] == trace["output"]:
            attrs.update(color=TEXT, penwidth="1.6")
        if node["id"] == v.current:
            attrs.update(fillcolor="#fdf0e2", color=BACKWARD_LINE, penwidth="3")
        g.node(node["id"], _label(node, v), **attrs)
    for e in trace["edges"]:
        attrs = {}
        if e["id"] in v.edge_sent:
            attrs.update(color=BACKWARD_LINE, penwidth="1.6", fontcolor=BACKWARD)
            attrs["label"] = value_text(e["downstream"])
        if e["id"] in v.current_edges:
            attrs.update(penwidth="3", style="dashed")
        g.edge(e["source"], e["target"], **attrs)
    return g


def source(trace: dict, step: int | None = None, chain: str | None = None) -> str:
    """Graphviz source: `dot -Tsvg backprop.dot -o backprop.svg` draws it."""
    v = view(trace, step)
    head = (
        f"// Backprop Explorer: {trace.get('expression', 'the graph').splitlines()[0][:200]}\n"
        f"// backprop step {v.step} of {v.total}: forward values (=) in blue, gradients in amber\n"
    )
    return head + graph(trace, step).source


def _draw(trace: dict, step: int | None, renderer: str, **attrs) -> bytes:
    if len(trace["nodes"]) > MAX_DRAWN_NODES:
        raise ExportError(
            f"the graph has {len(trace['nodes']):,} nodes; SVG and PNG are drawn for at most "
            f"{MAX_DRAWN_NODES} (export DOT or JSON instead)"
        )
    if shutil.which("dot") is None:
        raise RendererMissing(
            "drawing SVG and PNG needs Graphviz's `dot` (Debian: apt-get install graphviz); "
            "the DOT export works without it"
        )
    g = graph(trace, step)
    for k, val in attrs.items():
        g.graph_attr[k] = val
    # the binding's own pipe() has no timeout: run `dot` with one
    command = ["dot", f"-T{renderer}:cairo"]
    try:
        done = subprocess.run(
            command, input=g.source.encode(), capture_output=True, timeout=DRAW_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise ExportError(f"Graphviz took over {DRAW_TIMEOUT:g} s to draw the graph") from None
    if done.returncode != 0 or not done.stdout:
        why = done.stderr.decode(errors="replace").strip()[:300]
        raise ExportError(f"Graphviz could not draw the graph: {why}")
    return done.stdout


def svg(trace: dict, step: int | None = None, chain: str | None = None) -> bytes:
    """The drawing as SVG (text as outlines; the numbers as text in <title> and <desc>)."""
    out = _draw(trace, step, "svg").decode()
    v = view(trace, step)
    title = f"Backprop Explorer: {trace.get('expression', 'graph')}"
    lines = [
        f"{n['label']} ({n['id']}) = {value_text(n['value'])}"
        + (f", grad {value_text(n['grad'])}" if n["id"] in v.grad_known else "")
        for n in trace["nodes"]
    ]
    meta = f"<title>{html.escape(title)}</title>\n<desc>{html.escape('; '.join(lines))}</desc>\n"
    return re.sub(r"(<svg\b[^>]*>\n?)", lambda m: m.group(1) + meta, out, count=1).encode()


def png(trace: dict, step: int | None = None, chain: str | None = None) -> bytes:
    """The drawing as PNG at 2x (144 dpi), scaled down to fit MAX_PNG_PIXELS if larger."""
    side = MAX_PNG_PIXELS / PNG_DPI  # inches
    return _draw(trace, step, "png", dpi=str(PNG_DPI), size=f"{side:g},{side:g}")
