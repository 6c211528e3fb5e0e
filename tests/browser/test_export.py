"""The Export menu, clicked in Chromium: each format downloads a file that its reader opens.
The SVG (CSS and fonts inside) is opened alone in the browser and screenshotted; the PNG is
twice the SVG's size; LaTeX, DOT, PyTorch and JSON come from /api/export for the graph shown."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import pytest

from server.examples import EXAMPLES

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FORMATS = ["svg", "png", "latex", "dot", "torch", "json"]


def export(page, fmt: str, tmp_path):
    p = page.page
    p.click(".export-menu > summary")
    with p.expect_download() as info:
        p.click(f'[data-export-format="{fmt}"]')
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    p.wait_for_function(
        "document.querySelector('[data-export-status]').textContent.startsWith('Saved')"
    )
    return path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


CASES = {
    "sigmoid": "",
    "fanout": "?expr=h+%3D+w1*x%3B+g+%3D+w2*x%3B+f+%3D+g+%2B+h&in.w1=2&in.w2=3&in.x=0",
    "mlp": "preset",
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_format_downloads_at_the_current_step(desktop, tmp_path, browser, name):
    page = desktop
    page.open("" if CASES[name] == "preset" else CASES[name])
    if CASES[name] == "preset":
        page.page.select_option("[data-preset]", name)
        page.page.wait_for_function(
            "(e) => window.backprop.store.state.shown?.expression === e"
            " && document.body.dataset.status === 'ready'",
            arg=next(e["expression"] for e in EXAMPLES if e["id"] == name),
        )
    page.page.keyboard.press("End")  # backprop done: every gradient shown
    page.page.keyboard.press("ArrowLeft")  # the last backprop step, highlighted
    files = {fmt: export(page, fmt, tmp_path) for fmt in FORMATS}

    svg = files["svg"].read_bytes()
    root = ET.fromstring(svg)  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}style") is not None and b"@font-face" in svg
    texts = [t.text or "" for t in root.iter(f"{ns}text")]
    shown = {"sigmoid": ["grad 0.25", "= 0.5"], "fanout": ["grad 5"], "mlp": ["= 1.078", "grad 1"]}
    assert set(shown[name]) <= set(texts), str(texts)
    assert b"is-current-backward" in svg  # the current step is highlighted
    width, height = int(root.get("width")), int(root.get("height"))
    assert png_size(files["png"].read_bytes()) == (2 * width, 2 * height)

    assert b"\\begin{tikzpicture}" in files["latex"].read_bytes()
    assert b"digraph backprop" in files["dot"].read_bytes()
    assert b"backward(" in files["torch"].read_bytes()
    trace = orjson.loads(files["json"].read_bytes())
    if name == "sigmoid":
        assert trace["gradients"] == {"z": 0.25}
    elif name == "fanout":
        assert trace["gradients"] == {"w1": 0.0, "w2": 0.0, "x": 5.0}
    else:
        assert set(trace["gradients"]) == {"X", "W1", "b1", "W2", "b2"}

    # the SVG alone in a browser, and the PNG: look at them (artifacts/screenshots/)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width + 40, "height": height + 40})
    alone = context.new_page()
    alone.goto(files["svg"].as_uri())
    alone.screenshot(path=str(SHOTS / f"export-svg-{name}.png"))
    context.close()
    (SHOTS / f"export-png-{name}.png").write_bytes(files["png"].read_bytes())
