"""In a notebook: a real kernel runs a real notebook whose last cell ends in `y`, the notebook is
saved, and its saved output, opened in Chromium with every request refused, steps through the
post's sigmoid to the downstream 0.25 arriving at z."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extra")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the test extra")
from jupyter_client import KernelManager  # noqa: E402 (nbclient's dependency)
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402

from backprop_notebook import HEIGHT  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHOTS = ROOT / "artifacts" / "screenshots"

#: The README's notebook cell (the ```py block of "In a notebook"): it ends in `y`.
(SIGMOID,) = re.findall(r"## In a notebook\n.*?```py\n(.*?)```", README.read_text(), flags=re.S)

#: A page that puts an output's HTML in, the way JupyterLab's renderer does (innerHTML).
HOST = """<!doctype html><html><head><meta charset="utf-8"></head>
<body><main data-output></main></body></html>"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """The notebook, executed by a real kernel and saved to disk: its path."""
    folder = tmp_path_factory.mktemp("notebook")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(SIGMOID),
        nbformat.v4.new_code_cell("engine.show(y)\nprint(float(z.grad))"),
        nbformat.v4.new_code_cell("h = 2 * z\nh"),  # no backward from h: the plain repr
    ]
    # the kernel is this Python (with this checkout's engine), whatever other kernels exist
    spec = folder / "kernels" / "bpe"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)], ensure_native_kernel=False)
    km = KernelManager(kernel_name="bpe", kernel_spec_manager=specs)
    client = nbclient.NotebookClient(
        nb, km=km, timeout=60, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    path = folder / "sigmoid.ipynb"
    nbformat.write(nb, path)
    return path


def output_html(path: Path, cell: int) -> str:
    """The saved notebook read again: cell `cell`'s HTML output."""
    nb = nbformat.read(path, as_version=4)
    (html,) = [o["data"]["text/html"] for o in nb.cells[cell].outputs if "data" in o]
    return html


def open_output(browser, html: str, viewport=None):
    """A page with the output inserted and no way out: every request is refused and counted."""
    context = browser.new_context(viewport=viewport or {"width": 1000, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page.set_content(HOST)
    page.eval_on_selector("[data-output]", "(el, html) => { el.innerHTML = html; }", html)
    frame = page.frame_locator("iframe")
    frame.locator("[data-backprop][data-ready]").wait_for(timeout=15_000)
    return context, page, frame, requests, errors


def test_the_saved_output_steps_to_the_downstream_at_z(browser, saved):
    context, page, frame, requests, errors = open_output(browser, output_html(saved, 0))
    last = int(frame.locator("[data-timeline-slider]").get_attribute("max"))
    assert frame.locator("[data-caption-count]").inner_text() == f"0 / {last}"
    # the keys, inside the output: Right to backprop's last step (negate, downstream to z)
    frame.locator("[data-graph-stage]").click()
    for _ in range(last - 1):
        page.keyboard.press("ArrowRight")
    assert frame.locator("[data-caption-count]").inner_text() == f"{last - 1} / {last}"
    assert frame.locator("[data-caption-node]").inner_text() == "negate"
    assert frame.locator(".term-downstream .num").inner_text() == "0.25"
    page.keyboard.press("End")
    assert frame.locator("[data-step-title]").inner_text().endswith("The gradients")
    assert frame.locator("[data-chain-total]").inner_text().replace("\n", " ") == "∂L/∂z = 0.25"
    assert frame.locator('[data-node="n0"] .node-grad').text_content() == "grad 0.25"
    # fonts and formulas came with it: KaTeX rendered the reciprocal's local gradient
    assert frame.locator("[data-chain-body] .katex").count() >= 4
    fonts = frame.locator("body").evaluate(
        "() => [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family)"
    )
    assert {"KaTeX_Main", "KaTeX_Math"} <= set(fonts), fonts
    assert page.locator("[data-backprop-fallback]").is_hidden()
    # the frame fits its content, the step panel of the end step included
    frame_height = page.eval_on_selector("iframe", "el => el.getBoundingClientRect().height")
    content = frame.locator("body").evaluate("el => el.getBoundingClientRect().height")
    assert abs(frame_height - content) <= 1 and content < HEIGHT
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "notebook-end-desktop.png"), full_page=True)
    context.close()
    assert requests == []
    assert errors == []


def test_engine_show_and_the_plain_repr(browser, saved):
    nb = nbformat.read(saved, as_version=4)
    shown, printed = nb.cells[1].outputs
    assert printed["text"] == "0.25\n"
    assert shown["data"]["text/plain"].startswith("Tensor(array(0.5)")
    # a tensor nobody backpropagated from keeps its plain repr
    (plain,) = nb.cells[2].outputs
    assert set(plain["data"]) == {"text/plain"}

    context, page, frame, requests, errors = open_output(
        browser, shown["data"]["text/html"], viewport={"width": 390, "height": 844}
    )
    frame.locator('[data-action="end"]').click()
    assert frame.locator("[data-chain-total]").inner_text().replace("\n", " ") == "∂L/∂z = 0.25"
    page.screenshot(path=str(SHOTS / "notebook-end-phone.png"), full_page=True)
    context.close()
    assert requests == []
    assert errors == []


def test_the_engine_imports_no_web_code():
    code = "import sys, engine; assert 'backprop_notebook' not in sys.modules, sys.modules.keys()"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_show_outside_a_notebook_says_where_it_works():
    code = "import engine\nz = engine.Tensor(0.0, name='z')\nengine.show(1 / (1 + engine.exp(-z)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "engine.show() displays in a Jupyter notebook" in result.stderr
    assert "backprop_notebook.document(out)" in result.stderr
