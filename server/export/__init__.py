"""Exports of a trace (the dict POST /api/graph returns): one module per format, shared by the
CLI (`backprop-explorer trace ... --format F`), the API (`/api/export`) and the page's menu.

    json    the trace as the API returns it
    latex   a document: forward values, each backprop step upstream x local = downstream, the
            chain rule for one input, and the graph as TikZ (latex.py, tikz.py)
    tikz    the graph alone, a tikzpicture to \\input into slides
    dot     Graphviz source of the annotated graph (dot.py)
    svg/png the DOT drawn by Graphviz (`dot`), PNG at 2x (dot.py)
    torch   a PyTorch script that rebuilds the expression, calls backward() and prints each
            input's gradient (torch_script.py)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class Format:
    media_type: str
    extension: str
    render: Callable[..., bytes]  # (trace, step=None, chain=None) -> the file's bytes
    description: str


def _json(trace: dict, step: int | None = None, chain: str | None = None) -> bytes:
    return orjson.dumps(trace, option=orjson.OPT_INDENT_2)


def _text(make: Callable[..., str]) -> Callable[..., bytes]:
    return lambda trace, step=None, chain=None: make(trace, step=step, chain=chain).encode()


def _formats() -> dict[str, Format]:
    from . import dot, latex, tikz, torch_script

    return {
        "json": Format(
            "application/json", "json", _json, "the trace as POST /api/graph returns it"
        ),
        "latex": Format(
            "application/x-tex", "tex", _text(latex.document), "a LaTeX document with TikZ"
        ),
        "tikz": Format("application/x-tex", "tikz.tex", _text(tikz.picture), "a tikzpicture"),
        "dot": Format("text/vnd.graphviz", "dot", _text(dot.source), "Graphviz source"),
        "svg": Format("image/svg+xml", "svg", dot.svg, "the graph drawn by Graphviz"),
        "png": Format("image/png", "png", dot.png, "the graph drawn by Graphviz, at 2x"),
        "torch": Format("text/x-python", "py", _text(torch_script.script), "a PyTorch script"),
    }


FORMATS: dict[str, Format] = _formats()
#: The formats' names, in the order menus and --help list them.
FORMAT_NAMES = tuple(FORMATS)


def export(trace: dict, fmt: str, *, step: int | None = None, chain: str | None = None) -> bytes:
    """The file of format `fmt` for this trace (at backprop step `step`, chain rule for input
    `chain`); raises ExportError when it cannot be made."""
    return FORMATS[fmt].render(trace, step=step, chain=chain)


def filename(trace: dict, fmt: str) -> str:
    """backprop-<output name>.<ext>: e.g. backprop-loss.tex."""
    out = next(n for n in trace["nodes"] if n["id"] == trace["output"])
    stem = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in out["label"])
    return f"backprop-{stem[:40] or 'graph'}.{FORMATS[fmt].extension}"
