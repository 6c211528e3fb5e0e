"""The engine's modules import each other without a cycle (imports for type hints excepted)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def runtime_imports(path: Path) -> set[str]:
    """The engine modules `path` imports when it runs: top-level `from .x import` statements."""
    deps = set()
    for node in ast.parse(path.read_text("utf-8")).body:  # top level only: not TYPE_CHECKING
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                deps.add(node.module.split(".")[0])
            else:
                deps.update(alias.name for alias in node.names)
    return deps


def test_no_import_cycle_in_the_engine():
    graph = {p.stem: runtime_imports(p) for p in ENGINE.glob("*.py") if p.stem != "__init__"}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None
    assert "ops" in order and "tensor" in order


def test_the_check_sees_a_cycle(tmp_path):
    (tmp_path / "a.py").write_text("from .b import f\n")
    (tmp_path / "b.py").write_text("from . import a\n")
    graph = {p.stem: runtime_imports(p) for p in tmp_path.glob("*.py")}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError:
        return
    raise AssertionError("the cycle a -> b -> a was not found")
