"""The build step that puts the page's npm files in the package (the rest is in pyproject.toml).

The page (static/) loads KaTeX and dagre, and /docs Swagger UI, from /vendor/, which the app
serves from the package directory static/vendor/ (found with importlib.resources). That folder
is made here from node_modules/ (installed by `npm ci` from the committed lockfile), never
committed, with only the files listed in VENDOR:

- a wheel (`pip install .`, `python -m build`) gets copies, so it works offline on its own;
  building one without node_modules/ fails and says to run `npm ci`;
- an editable install (`pip install -e .`, what ./dev does) gets symbolic links into
  node_modules/, so `npm ci` later (or again) needs no reinstall.

A file the page starts to use must be added to VENDOR; tests/test_wheel.py loads every /vendor/
URL that static/ names from an installed wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
NODE_MODULES = ROOT / "node_modules"
#: Paths under node_modules/ that static/vendor/ holds: files, or folders as a whole.
VENDOR = (
    "katex/LICENSE",
    "katex/dist/katex.mjs",
    "katex/dist/katex.min.css",
    "katex/dist/fonts",
    "@dagrejs/dagre/LICENSE",
    "@dagrejs/dagre/dist/dagre.esm.js",
    "@dagrejs/dagre/dist/dagre.esm.js.map",
    "@dagrejs/dagre/dist/dagre.esm.js.LEGAL.txt",
    "swagger-ui-dist/LICENSE",
    "swagger-ui-dist/NOTICE",
    "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt",
    "swagger-ui-dist/swagger-ui.css",
    "swagger-ui-dist/favicon-32x32.png",
    # gradient descent's loss curve and parameter paths (static/js/views/train.js)
    "uplot/LICENSE",
    "uplot/dist/uPlot.esm.js",
    "uplot/dist/uPlot.min.css",
)


class build_py_with_vendor(build_py):  # noqa: N801 - setuptools' command naming
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            link_vendor(ROOT / "static" / "vendor")
        else:
            copy_vendor(Path(self.build_lib) / "static" / "vendor")
            bundle_notebook(Path(self.build_lib) / "backprop_notebook" / "assets")


def missing() -> list[str]:
    return [path for path in VENDOR if not (NODE_MODULES / path).exists()]


def copy_vendor(target: Path) -> None:
    if absent := missing():
        raise SystemExit(
            f"error: node_modules/{absent[0]} is missing ({len(absent)} of the page's npm files "
            f"are). The package carries them: run `npm ci` in {ROOT}, then build again."
        )
    shutil.rmtree(target, ignore_errors=True)
    for path in VENDOR:
        source, dest = NODE_MODULES / path, target / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest)
        else:
            shutil.copy2(source, dest)


def link_vendor(target: Path) -> None:
    if absent := missing():
        print(
            f"warning: node_modules/{absent[0]} is missing: run `npm ci` for the page's "
            "KaTeX, dagre and Swagger UI (static/vendor/ links to them)",
            file=sys.stderr,
        )
    shutil.rmtree(target, ignore_errors=True)
    for path in VENDOR:
        source, dest = NODE_MODULES / path, target / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(source, dest.parent), dest)


# -- In a notebook: the page's modules bundled for a notebook output --------------------------
# A wheel carries backprop_notebook/assets/ (the page's notebook entry static/js/embed.js with
# KaTeX and dagre, and the CSS with KaTeX's fonts inlined), made by esbuild from node_modules/.
# An editable install makes it on first use instead (backprop_notebook/assets.py).
def bundle_notebook(target: Path) -> None:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "esbuild").is_dir():
        raise SystemExit(
            "error: bundling the notebook view needs Node.js and node_modules/esbuild: run "
            f"`npm ci` in {ROOT}, then build again."
        )
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([node, str(ROOT / "backprop_notebook" / "bundle.mjs"), str(target)], check=True)


setup(cmdclass={"build_py": build_py_with_vendor})
