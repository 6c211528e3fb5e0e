"""The page's notebook module and stylesheet, bundled by bundle.mjs (esbuild, from npm).

A wheel carries them (setup.py bundles when it is built). In a source checkout (an editable
install, what ./dev makes) they are bundled on first use into backprop_notebook/assets/
(git-ignored) and again whenever a file of the page is newer, so an edit to static/ shows in
the next output without reinstalling.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
FILES = ("embed.js", "embed.css")
ROOT = HERE.parent  # the checkout: static/, node_modules/ and package-lock.json beside us


def bundled() -> tuple[str, str]:
    """(the module, the stylesheet): the page's code, KaTeX (fonts inlined) and dagre."""
    if in_checkout():
        refresh(ASSETS)
    paths = [ASSETS / name for name in FILES]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise RuntimeError(
            f"backprop_notebook/assets/{missing[0]} is missing: this install was built without "
            "the notebook bundle (build the wheel with node_modules/ present: `npm ci`)"
        )
    return _read(*((str(p), p.stat().st_mtime_ns) for p in paths))


@lru_cache(maxsize=2)
def _read(*files: tuple[str, int]) -> tuple[str, str]:
    js, css = (Path(path).read_text(encoding="utf-8") for path, _ in files)
    # each is inlined in its element: nothing in it may close that element early
    for text, tag in ((js, "</script"), (css, "</style")):
        if tag in text.lower():
            raise RuntimeError(f"the notebook bundle holds {tag}>: it cannot be inlined")
    return js, css


def in_checkout() -> bool:
    """A source checkout with its npm packages (not an installed wheel)."""
    return (HERE / "bundle.mjs").is_file() and (ROOT / "node_modules" / "esbuild").is_dir()


def sources() -> list[Path]:
    """What the bundle is made of: the page's modules and CSS, the bundler, the lockfile."""
    static = ROOT / "static"
    return [
        *static.glob("js/**/*.js"),
        *static.glob("css/*.css"),
        HERE / "bundle.mjs",
        ROOT / "package-lock.json",
    ]


def refresh(target: Path) -> None:
    """Bundle into `target` unless its files are newer than every source."""
    try:
        made = min((target / name).stat().st_mtime_ns for name in FILES)
    except FileNotFoundError:
        made = -1
    if made >= max(p.stat().st_mtime_ns for p in sources()):
        return
    build(target)


def build(target: Path) -> None:
    """Run bundle.mjs with node into a temporary folder, then move its files into `target`
    (kernels bundling at once each replace whole files)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("bundling the notebook view needs Node.js (`node`) on the PATH")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as tmp:
        subprocess.run([node, str(HERE / "bundle.mjs"), tmp], check=True, cwd=ROOT)
        for name in FILES:
            os.replace(Path(tmp) / name, target / name)
