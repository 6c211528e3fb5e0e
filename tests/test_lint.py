"""ruff (lint and format, line length 100) is part of the test run, so CI keeps the code clean."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str) -> subprocess.CompletedProcess:
    local = Path(sys.executable).parent / "ruff"
    command = str(local) if local.exists() else shutil.which("ruff")
    assert command, "ruff is a test dependency (pip install -e '.[test]')"
    return subprocess.run([command, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_check_passes():
    result = ruff("check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = ruff("format", "--check", "--no-cache", ".")
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout + result.stderr


def css_blocks_unbalanced(text: str) -> str | None:
    """Where a stylesheet's braces do not pair up (comments and strings skipped), or None. A
    missing `}` makes the browser read every later rule as part of an @media block."""
    depth, line, i = 0, 1, 0
    while i < len(text):
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
            continue
        ch = text[i]
        if ch in "\"'":
            end = text.find(ch, i + 1)
            i = len(text) if end < 0 else end + 1
            continue
        if ch == "\n":
            line += 1
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return f"line {line}: a '}}' with no '{{'"
        i += 1
    return f"{depth} block(s) never closed" if depth else None


def test_css_blocks_pair_up():
    assert css_blocks_unbalanced("a { b: c; }\n@media (x) {\n  d { e: f; }\n") == (
        "1 block(s) never closed"
    )
    assert css_blocks_unbalanced("a { content: '}'; } /* { */") is None
    for path in sorted((ROOT / "static" / "css").glob("*.css")):
        assert css_blocks_unbalanced(path.read_text()) is None, path.name
