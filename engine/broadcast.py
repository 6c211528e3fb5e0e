"""Undo broadcasting: the one place a gradient is summed back to its input's shape."""

from __future__ import annotations

import numpy as np


def unbroadcast(d, shape: tuple) -> tuple[np.ndarray, dict | None]:
    """Sum `d` over the axes broadcasting added or stretched, so it has `shape`.

    Returns the reduced array and a record of the reduction (None when nothing was summed):
    >>> unbroadcast(np.ones((3, 4)), (4,))[1]
    {'axes': [0], 'from_shape': [3, 4], 'to_shape': [4]}
    """
    dshape = np.shape(d)
    if dshape == shape:
        return d, None
    lead = len(dshape) - len(shape)
    if lead < 0:  # never produced by a rule; keep the shape contract all the same
        return np.broadcast_to(d, shape), None
    axes = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and dshape[lead + i] != 1:
            axes.append(lead + i)
    if not axes:
        return np.broadcast_to(d, shape), None
    out = np.add.reduce(d, axis=tuple(axes))  # the ufunc itself: ndarray.sum's wrapper costs more
    if out.shape != shape:
        out = out.reshape(shape)
    return out, {"axes": axes, "from_shape": list(dshape), "to_shape": list(shape)}
