r"""The derivation as a LaTeX document (pdflatex, amsmath, TikZ): the forward values, every
backprop step as upstream \times local = downstream with the formula and the numbers, the fan-out
sums, the chain rule for one input (the product of local gradients along each path, output first
from the seed, and the sum over paths, as the post writes
1 \cdot -1(1+e^{-z})^{-2} \cdot 1 \cdot e^{-z} \cdot -1 = 0.25), and the graph as TikZ.
"""

from __future__ import annotations

import math

from engine.ops import OPS

from .annotate import ExportError, to_float, view
from .texnum import factor, num, pdf_tex, text, value
from .tikz import MAX_TIKZ_NODES, picture

#: Paths of the chain rule written out (as the page's chain panel); the sum is backprop's.
MAX_PATHS = 8
#: Nodes and steps written out in full; a bigger graph lists the first ones and says how many
#: are left.
MAX_STEPS = 300

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{tikz}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\addtolength{\textwidth}{3cm}
\addtolength{\oddsidemargin}{-1.5cm}
"""


def _node_tex(n: dict) -> str:
    return pdf_tex(n["tex"])


def _d(n: dict) -> str:
    return rf"\frac{{\partial L}}{{\partial {_node_tex(n)}}}"


def _forward(trace: dict, nodes: dict) -> list[str]:
    rows = []
    for nid in trace["forward"][:MAX_STEPS]:
        n = nodes[nid]
        if n["inputs"]:
            args = ", ".join(_node_tex(nodes[i]) for i in n["inputs"])
            what = rf"\mathrm{{{text(OPS[n['op']].title)}}}({args})"
            attrs = ", ".join(f"{k}={v}" for k, v in n["attrs"].items() if v not in (None, False))
            if attrs:
                what += rf"\ \text{{[{text(attrs)}]}}"
            rows.append(rf"{_node_tex(n)} &= {what} = {value(n['value'])} && \text{{({nid})}}")
        else:
            kind = "input" if n["requires_grad"] else "constant"
            rows.append(rf"{_node_tex(n)} &= {value(n['value'])} && \text{{({nid}, {kind})}}")
    out = [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    if len(trace["forward"]) > MAX_STEPS:
        out.append(f"The remaining {len(trace['forward']) - MAX_STEPS:,} nodes are left out.")
    return out


def _steps(trace: dict, nodes: dict, edges: dict) -> list[str]:
    out = []
    for k, s in enumerate(trace["steps"][:MAX_STEPS], 1):
        n = nodes[s["node"]]
        out.append(
            rf"\textbf{{Step {k}}}: ${_node_tex(n)}$ ({text(OPS[s['op']].title)}, {s['node']}),"
            rf" upstream $\frac{{\partial L}}{{\partial {_node_tex(n)}}} = {value(s['upstream'])}$"
        )
        rows = []
        for eid in s["edges"]:
            e = edges[eid]
            src = nodes[e["source"]]
            if e["downstream"] is None:
                rows.append(rf"&\text{{to }} {_node_tex(src)}: \text{{no gradient needed}}")
                continue
            formula = pdf_tex(e["local_formula_named"])
            if formula.startswith("-") or " + " in formula or " - " in formula:
                formula = rf"\left({formula}\right)"
            if e["local"] is not None:
                rows.append(
                    rf"\text{{to }} {_node_tex(src)}:\quad"
                    rf" &\underbrace{{{value(s['upstream'])}}}_{{\text{{upstream}}}} \times"
                    rf" \underbrace{{{formula}}}_{{\text{{local}}}}"
                    rf" = {value(s['upstream'])} \times {factor(e['local'])}"
                    rf" = \underbrace{{{value(e['downstream'])}}}_{{\text{{downstream}}}}"
                )
            else:
                rows.append(
                    rf"\text{{to }} {_node_tex(src)}:\quad &\text{{rule }} {formula}"
                    rf"\ \text{{with }} g = \text{{upstream}}"
                    rf"\ = \underbrace{{{value(e['downstream'])}}}_{{\text{{downstream}}}}"
                )
            if e["reduction"]:
                r = e["reduction"]
                rows[-1] += (
                    rf"\ \text{{(summed over axes {r['axes']}: {r['from_shape']} to "
                    rf"{r['to_shape']})}}"
                )
        out += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    if len(trace["steps"]) > MAX_STEPS:
        out.append(f"The remaining {len(trace['steps']) - MAX_STEPS:,} steps are left out.")
    return out


def _fanout(trace: dict, nodes: dict) -> list[str]:
    if not trace["fanout"]:
        return []
    rows = []
    for f in trace["fanout"]:
        terms = " + ".join(factor(c["value"]) for c in f["contributions"])
        rows.append(rf"{_d(nodes[f['node']])} &= {terms} = {value(f['sum'])}")
    return [
        r"\subsection*{Fan-out: gradients that add up}",
        "A value used more than once gets the sum of the downstreams of its edges"
        " (the multivariate chain rule):",
        r"\begin{align*}",
        " \\\\\n".join(rows),
        r"\end{align*}",
    ]


def chain_paths(trace: dict, input_id: str, limit: int = MAX_PATHS) -> tuple[int, list[list[dict]]]:
    """The number of paths from the input to the output, and up to `limit` of them, each the
    edges output-first (as static/js/logic/chain.js)."""
    carrying = [e for e in trace["edges"] if e["downstream"] is not None]
    into: dict[str, list[dict]] = {}
    for e in carrying:
        into.setdefault(e["target"], []).append(e)
    count = {input_id: 1}
    for nid in trace["forward"]:
        if nid != input_id:
            c = sum(count.get(e["source"], 0) for e in into.get(nid, ()))
            if c:
                count[nid] = c
    paths: list[list[dict]] = [[]] if input_id == trace["output"] else []
    stack = [(trace["output"], [])] if input_id != trace["output"] else []
    while stack and len(paths) < limit:
        node, path = stack.pop()
        ins = [e for e in into.get(node, ()) if e["source"] in count]
        for e in reversed(ins):
            if e["source"] == input_id:
                paths.append([*path, e])
            else:
                stack.append((e["source"], [*path, e]))
    return count.get(trace["output"], 0), paths[:limit]


def chain_input(trace: dict, name: str | None) -> dict | None:
    """The input named `name`, else the one reached by the most paths (as the page)."""
    inputs = [n for n in trace["nodes"] if not n["inputs"] and n["requires_grad"]]
    if name is not None:
        for n in inputs:
            if n["name"] == name or n["id"] == name:
                return n
        names = ", ".join(n["name"] or n["id"] for n in inputs) or "none"
        raise ExportError(f"chain: no input named {name!r} needs a gradient (inputs: {names})")
    # paths from each node to the output, in one backward sweep (not one count per input)
    to_output = {trace["output"]: 1}
    consumers: dict[str, list[str]] = {}
    for e in trace["edges"]:
        if e["downstream"] is not None:
            consumers.setdefault(e["source"], []).append(e["target"])
    for nid in reversed(trace["forward"]):
        if nid != trace["output"]:
            to_output[nid] = sum(to_output.get(c, 0) for c in consumers.get(nid, ()))
    best, most = None, 0
    for n in inputs:
        if to_output.get(n["id"], 0) > most:
            best, most = n, to_output[n["id"]]
    return best or (inputs[0] if inputs else None)


def _chain(trace: dict, nodes: dict, name: str | None) -> list[str]:
    node = chain_input(trace, name)
    if node is None:
        return []
    total, paths = chain_paths(trace, node["id"])
    seed = trace["steps"][0]["upstream"] if trace["steps"] else nodes[trace["output"]]["grad"]
    scalar = not isinstance(seed, list) and all(
        not isinstance(e["local"], list) and e["local"] is not None and e["reduction"] is None
        for p in paths
        for e in p
    )
    out = [
        rf"\subsection*{{The chain rule for ${_node_tex(node)}$}}",
        f"{'One path leads' if total == 1 else f'{total:,} paths lead'} from ${_node_tex(node)}$"
        " to the output; along each path the local gradients multiply, output first, starting"
        " from the seed; the paths add up.",
        r"\begin{align*}",
    ]
    rows, products = [], []
    for k, path in enumerate(paths, 1):
        formulas = r" \cdot ".join(
            [value(seed), *(pdf_tex(e["local_formula_named"]) for e in path)]
        )
        row = rf"\text{{path {k}:}}\quad & {formulas}"
        if scalar:
            product = math.prod([to_float(seed), *(to_float(e["local"]) for e in path)])
            products.append(product)
            numbers = r" \cdot ".join([factor(seed), *(factor(e["local"]) for e in path)])
            row += rf" \\ & = {numbers} = {num(product)}"
        rows.append(row)
    out += [" \\\\[4pt]\n".join(rows), r"\end{align*}"]
    if len(paths) < total:
        out.append(f"Showing {len(paths)} of {total:,} paths; the sum is backprop's.")
    sum_terms = ""
    if scalar and len(paths) == total and len(paths) > 1:
        sum_terms = " + ".join(factor(p) for p in products) + " = "
    if not scalar:
        out.append(
            "With tensors each factor is a Jacobian (or a vector-Jacobian rule), so the"
            " products are not single numbers."
        )
    out.append(rf"\[ {_d(node)} = {sum_terms}{value(node['grad'])} \]")
    return out


def document(trace: dict, step: int | None = None, chain: str | None = None) -> str:
    """A whole LaTeX document; `chain` names the input whose chain rule is written out."""
    v = view(trace, step)
    nodes, edges = v.nodes, v.edges
    expression = trace.get("expression", "")
    parts = [PREAMBLE, r"\begin{document}"]
    parts.append(
        r"\section*{Backprop through \texttt{" + text(" ; ".join(expression.splitlines())) + "}}"
    )
    parts.append(
        r"Words: the \emph{upstream} is $\partial L/\partial(\text{out})$ arriving at a node,"
        r" the \emph{local} gradient $\partial(\text{out})/\partial(\text{in})$,"
        r" the \emph{downstream} $\partial L/\partial(\text{in})$ = upstream $\times$ local."
    )
    if len(trace["nodes"]) <= MAX_TIKZ_NODES:
        parts += [
            r"\subsection*{The graph}",
            r"\begin{center}\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%",
            picture(trace, step),
            r"}\end{center}",
        ]
    else:
        parts.append(f"(The graph has {len(trace['nodes']):,} nodes: too many to draw here.)")
    parts += [r"\subsection*{Forward pass}", *_forward(trace, nodes)]
    parts += [r"\subsection*{Backprop, step by step}", *_steps(trace, nodes, edges)]
    parts += _fanout(trace, nodes)
    parts += _chain(trace, nodes, chain)
    grads = [
        rf"\frac{{\partial L}}{{\partial {_node_tex(n)}}} &= {value(n['grad'])}"
        for n in trace["nodes"]
        if not n["inputs"] and n["requires_grad"] and n["name"]
    ]
    if grads:
        parts += [
            r"\subsection*{Gradients}",
            r"\begin{align*}",
            " \\\\\n".join(grads),
            r"\end{align*}",
        ]
    parts.append(r"\end{document}")
    return "\n".join(parts) + "\n"
