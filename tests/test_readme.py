"""The README's Python example is a test: every ```python block in it runs and its asserts hold."""

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_a_python_example():
    assert python_blocks(), "README.md should show the Python API with the post's example"


def test_readme_python_example_runs():
    for block in python_blocks():
        namespace: dict = {}
        exec(compile(block, str(README), "exec"), namespace)  # our own README, not user text
