"""What a user installs: the built wheel, in a fresh virtual environment, serves the whole app
(the API, the page, its npm files and /docs) from a folder that is not the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from servers import serving

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
VENDOR_URL = re.compile(r"/vendor/[\w@./-]+")
FONT_URL = re.compile(r"url\((fonts/[\w.-]+)\)")


#: The notebook output of the post's sigmoid, made by an installed wheel: prints where the
#: bundle it inlined lives.
NOTEBOOK = """
import backprop_notebook, engine
from backprop_notebook import assets
z = engine.Tensor(0.0, name="z")
y = 1 / (1 + engine.exp(-z))
y.backward()
bundle = y._repr_mimebundle_()["text/html"]
assert "data-backprop-embed" in bundle and "KaTeX_Main" in bundle and not assets.in_checkout()
print(assets.ASSETS)
"""


def run(*command, cwd: Path, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def clean_env() -> dict:
    """The environment without this checkout's virtual environment or import paths."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("BPE_")}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def page_files() -> list[Path]:
    """The page's own files, as the app serves them at /<path>."""
    return sorted(
        p
        for p in STATIC.rglob("*")
        if p.is_file()
        and "vendor" not in p.relative_to(STATIC).parts
        and "__pycache__" not in p.parts
        and p.suffix != ".py"
    )


@pytest.mark.timeout(900)
def test_the_installed_wheel_serves_the_whole_app(tmp_path):
    if not (ROOT / "node_modules" / "katex").is_dir():
        pytest.skip("node_modules/ is missing: run `npm ci` (./dev test does); the wheel needs it")
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("backprop_explorer-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python, command = venv / "bin" / "python", venv / "bin" / "backprop-explorer"
    constraints = ROOT / "constraints.txt"
    run(python, "-m", "pip", "install", "--quiet", wheel, "-c", constraints, cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    installed = run(python, "-c", "import static, server; print(static.__file__)", cwd=elsewhere)
    assert Path(installed.strip()).is_relative_to(venv), installed
    # In a notebook: the wheel carries the bundled step-through (no node_modules/ beside it)
    assets = run(python, "-c", NOTEBOOK, cwd=elsewhere)
    assert Path(assets.strip()).is_relative_to(venv), assets

    log = tmp_path / "server.log"
    with serving(log=log, command=[command], cwd=elsewhere, env=clean_env()) as url:
        with httpx.Client(base_url=url, timeout=10) as client:
            check_the_app(client)


def check_the_app(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.text == (STATIC / "index.html").read_text()

    vendor_urls = set()
    for path in page_files():  # every file of the page, byte for byte
        r = client.get("/" + path.relative_to(STATIC).as_posix())
        assert r.status_code == 200, path
        assert r.content == path.read_bytes(), path
        if path.suffix in (".html", ".js", ".css"):
            vendor_urls |= set(VENDOR_URL.findall(path.read_text()))
    assert "/vendor/katex/dist/katex.mjs" in vendor_urls

    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/vendor/swagger-ui-dist/swagger-ui-bundle.js" in docs.text
    vendor_urls |= set(VENDOR_URL.findall(docs.text))
    for vendor_url in sorted(vendor_urls):  # every npm file the page and /docs name
        r = client.get(vendor_url)
        assert r.status_code == 200, vendor_url
        assert (
            r.content == (ROOT / "node_modules" / vendor_url.removeprefix("/vendor/")).read_bytes()
        )
    assert (
        client.get("/vendor/katex/dist/katex.mjs")
        .headers["content-type"]
        .startswith("text/javascript")
    )
    css = client.get("/vendor/katex/dist/katex.min.css").text
    fonts = sorted(set(FONT_URL.findall(css)))
    assert fonts
    for font in fonts:
        assert client.get(f"/vendor/katex/dist/{font}").status_code == 200, font

    spec = client.get("/openapi.json").json()
    assert "/api/diagnose" in spec["paths"]
    r = client.post("/api/graph", json={"expression": "1/(1+exp(-z))", "inputs": {"z": 0}})
    assert r.status_code == 200 and r.json()["gradients"] == {"z": 0.25}
    # the shipped lessons are package data (server/lessons/*.toml)
    lessons = client.get("/api/lessons").json()
    assert [x["id"] for x in lessons][:2] == ["post", "cs231n"]
