"""Values: every number the engine holds is a float64 numpy array (a 0-d one as np.float64)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ArgumentError


def as_array(value: Any) -> np.ndarray:
    """A float64 numpy array of `value` (a number, nested list, array or Tensor), copied."""
    if type(value) is float or type(value) is np.float64:  # the common case: a number
        return np.float64(value)
    value = getattr(value, "value", value)  # a Tensor's value
    try:
        arr = np.array(value, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ArgumentError(
            f"not a number or a rectangular nested list of numbers: {exc}"
        ) from None
    # A scalar is kept as np.float64, numpy's 0-d scalar: same shape and dtype as a 0-d array,
    # but arithmetic on it is several times cheaper, which is most of a scalar graph's cost.
    return arr[()] if arr.ndim == 0 else arr
