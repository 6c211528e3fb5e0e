"""The one place the engine pauses Python's cycle collector: around big acyclic allocations."""

from __future__ import annotations

import gc
from contextlib import contextmanager, nullcontext

#: Graphs with more nodes than this are backpropagated and traced with the collector paused.
BIG_GRAPH = 2_000


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while building many small acyclic objects.

    A trace of n nodes allocates a few dicts per node; with the collector on, its generation
    scans make that superlinear in practice (and ~2x slower at 10,000 nodes). Nothing built
    here forms a cycle, so reference counting frees it all the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def paused_gc_for(nodes: int):
    """`paused_gc()` for a graph of more than BIG_GRAPH nodes, else nothing."""
    return paused_gc() if nodes > BIG_GRAPH else nullcontext()
