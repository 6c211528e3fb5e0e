"""Backprop Explorer in a Jupyter notebook: a traced output shows the page's step-through.

    import engine
    z = engine.Tensor(0.0, name="z")
    y = 1 / (1 + engine.exp(-z))
    y.backward()
    y  # as a cell's last value: the graph, the timeline, the step panel and the chain rule

The output is one HTML element: an iframe whose `srcdoc` holds the trace (engine.trace), the op
registry's formulas (engine.describe_ops) and the page's own modules bundled with KaTeX (fonts
inlined) and dagre, so it needs no server and no network, and a saved notebook shows it again.
Imported only when a tensor is displayed: the engine has no web code.
"""

from __future__ import annotations

import html as _html
import json
from functools import lru_cache

import engine

from .assets import bundled

#: The numerical check is embedded when it costs at most this many element operations (it
#: re-runs the graph twice per input element; the page's toggle shows it).
CHECK_WORK = 10_000_000
#: The output's height before its script fits it to the content.
HEIGHT = 760
FALLBACK = (
    "Backprop Explorer: this step-through runs where the notebook's outputs are trusted: "
    "trust the notebook (the command Trust Notebook) or run the cell again."
)


def payload(out: engine.Tensor, check: bool | None = None) -> dict:
    """What the view is handed: the trace as the API gives it (with `check` when it is cheap or
    asked for) and the op registry (GET /api/ops). Backprops from `out` if it has not been."""
    if out._record is None:
        out.backward()
    trace = engine.trace(out)
    if check is None:
        check = engine.check_cost(out)["work"] <= CHECK_WORK
    if check:
        trace["check"] = engine.gradcheck(out)
    return {"trace": trace, "ops": engine.describe_ops()}


def document(out: engine.Tensor, check: bool | None = None) -> str:
    """A standalone HTML document stepping through `out`'s backprop (what the iframe holds)."""
    return "".join(_document(out, check))


def _document(out: engine.Tensor, check: bool | None) -> list[str]:
    """The document in pieces: the bundle's two (the same str objects every time) apart."""
    js, css = bundled()
    data = json.dumps(payload(out, check), allow_nan=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c")  # no "</script>" can end the data early
    title = _html.escape(f"Backprop Explorer: {out.name or out.op}")
    return [
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>",
        css,
        "</style>\n</head>\n<body>\n"
        f'<script type="application/json" data-backprop-embed>{data}</script>\n'
        '<script type="module">',
        js,
        "</script>\n</body>\n</html>\n",
    ]


@lru_cache(maxsize=4)
def _escaped(text: str) -> str:
    """The bundle escaped for an attribute once, not on every display (it is most of it)."""
    return _html.escape(text, quote=True)


def html(out: engine.Tensor, check: bool | None = None) -> str:
    """The notebook output: the document in an iframe (its own page: the notebook's styles and
    keys stay out, the arrow keys step it), and a note that shows where scripts may not run."""
    head, css, middle, js, tail = _document(out, check)
    doc = "".join(
        [_html.escape(head), _escaped(css), _html.escape(middle), _escaped(js), _html.escape(tail)]
    )
    return (
        '<div class="backprop-explorer">'
        f"<p data-backprop-fallback>{_html.escape(FALLBACK)}</p>"
        f'<iframe srcdoc="{doc}" title="Backprop Explorer: step through backprop" '
        f'width="100%" height="{HEIGHT}" style="border: 0; width: 100%; display: block;">'
        "</iframe></div>"
    )


def mimebundle(out: engine.Tensor, check: bool | None = None) -> dict:
    """Jupyter's display data: the step-through as HTML, the tensor's repr as plain text."""
    return {"text/html": html(out, check), "text/plain": repr(out)}


def show(out: engine.Tensor, check: bool | None = None) -> None:
    """Display the step-through of `out` in the running notebook (backprops first if needed)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = lambda: None
    if get_ipython() is None:
        raise RuntimeError(
            "engine.show() displays in a Jupyter notebook (an IPython kernel); elsewhere, "
            "backprop_notebook.document(out) is the same step-through as a standalone HTML page"
        )
    display(mimebundle(out, check), raw=True)
