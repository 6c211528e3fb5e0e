"""The annotated graph as a TikZ picture: nodes in columns (as late as possible, as the page
lays them out), forward values in blue, gradients in amber on nodes and edges, the current
backprop step thick."""

from __future__ import annotations

from .annotate import layers, view
from .texnum import pdf_tex, value

#: Past this many nodes the picture is left out of the document (it would not fit a page).
MAX_TIKZ_NODES = 150
COLUMN_CM, ROW_CM = 3.4, 1.7

COLORS = r"""\definecolor{bpforward}{HTML}{1D5BB8}
\definecolor{bpbackward}{HTML}{A24A00}
\definecolor{bpline}{HTML}{C4701E}
\definecolor{bpedge}{HTML}{7D889A}
\definecolor{bpsoft}{HTML}{FDF0E2}
\definecolor{bpinput}{HTML}{F2F6FD}
"""


def _short(v) -> str:
    """A value on a node: a scalar, else a tensor's shape."""
    if isinstance(v, list):
        from .annotate import shape_of

        return "[" + r" \times ".join(map(str, shape_of(v))) + "]"
    return value(v)


def picture(trace: dict, step: int | None = None, chain: str | None = None) -> str:
    """A tikzpicture (needs \\usepackage{tikz} and the colours of COLORS, which it defines)."""
    v = view(trace, step)
    col = layers(trace)
    rows: dict[int, int] = {}
    pos = {}
    for nid in trace["forward"]:
        c = col[nid]
        pos[nid] = (c * COLUMN_CM, -rows.get(c, 0) * ROW_CM)
        rows[c] = rows.get(c, 0) + 1
    out = [COLORS.rstrip(), r"\begin{tikzpicture}[>=stealth, every node/.style={font=\small}]"]
    for n in trace["nodes"]:
        x, y = pos[n["id"]]
        style = ["draw", "rounded corners", "align=center", "inner sep=3pt"]
        if not n["inputs"]:
            style.append("fill=bpinput" if n["requires_grad"] else "dashed")
        if n["id"] == trace["output"]:
            style.append("thick")
        if n["id"] == v.current:
            style += ["draw=bpline", "fill=bpsoft", "line width=1.6pt"]
        lines = [f"${pdf_tex(n['tex'])}$", rf"\textcolor{{bpforward}}{{$= {_short(n['value'])}$}}"]
        if n["id"] in v.grad_known:
            lines.append(rf"\textcolor{{bpbackward}}{{grad ${_short(n['grad'])}$}}")
        body = r" \\ ".join(lines)
        out.append(rf"\node[{', '.join(style)}] ({n['id']}) at ({x:.2f},{y:.2f}) {{{body}}};")
    for e in trace["edges"]:
        style = ["->", "bpedge"]
        label = ""
        if e["id"] in v.edge_sent:
            style = ["->", "bpline", "thick"]
            label = (
                r" node[midway, above, sloped, font=\scriptsize, text=bpbackward] "
                f"{{${_short(e['downstream'])}$}}"
            )
        if e["id"] in v.current_edges:
            style += ["line width=1.6pt", "dashed"]
        out.append(rf"\draw[{', '.join(style)}] ({e['source']}) --{label} ({e['target']});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
