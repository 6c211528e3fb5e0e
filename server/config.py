"""Limits: every bound the service enforces, with its default, its env var and why it exists.

Each limit is a named constant here, a field of `Limits`, an environment variable
(`BPE_` + the field name in capitals, e.g. `BPE_MAX_NODES=5000`) and a command-line option of
`backprop-explorer serve` (e.g. `--max-nodes 5000`). Exceeding one gives a 4xx naming the limit,
the value and the maximum (see docs/api.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

# Checked on the raw text before parsing: parsing cost grows with length.
MAX_EXPRESSION_CHARS = 100_000
# Graph nodes the expression may build (the 10,000-node benchmark must fit).
MAX_NODES = 20_000
# Depth of the parsed tree (a chain `a + b + c` counts one level per operator). CPython's own
# parser gives up near 3,000 levels with the default recursion limit; we stop well before.
MAX_DEPTH = 1_000
# Elements of any one tensor: an input, a list literal, or what an op would produce (checked
# with engine.infer_shape before numpy allocates anything, so broadcasting cannot blow up).
MAX_TENSOR_ELEMENTS = 10_000
# Elements of all nodes together; the response carries each about five times (value, grad,
# upstream, local, downstream), so this also bounds the response size (about 20 MB at most).
MAX_TOTAL_ELEMENTS = 200_000
# Multiply-adds of all ops together: a matmul [m, k] @ [k, n] costs m*k*n, others one per element.
MAX_WORK = 10_000_000
# The numerical check re-runs the forward pass twice per input element: op evaluations
# (engine.gradcheck's own count) and element operations are both bounded.
MAX_CHECK_EVALUATIONS = 100_000
MAX_CHECK_WORK = 20_000_000
# Request body bytes, enforced while reading (a missing or lying Content-Length changes nothing).
MAX_BODY_BYTES = 1_048_576
# Seconds a client has to send its whole request body; a trickling client is cut off (408).
BODY_TIMEOUT = 10.0
# Seconds of server CPU time per request for building, backprop and the check (checked between
# ops; the element and work limits bound the time of each op).
TIME_BUDGET = 2.0

# ---------------------------------------------------------------------------------------------
# Training (POST /api/train)
# ---------------------------------------------------------------------------------------------
# Gradient steps of one request: each is a forward pass and a backprop of the whole graph.
MAX_TRAIN_STEPS = 1_000
# Multiply-adds of all those passes together (the graph's work times the steps run plus one):
# the 100-step MLP preset needs well under 1% of it; a 10,000-node graph gets ~100 steps.
MAX_TRAIN_WORK = 100_000_000
# Numbers in the history (parameter values and gradients at every step): the response's size.
MAX_TRAIN_HISTORY = 200_000

ENV_PREFIX = "BPE_"


@dataclass(frozen=True)
class Limits:
    max_expression_chars: int = MAX_EXPRESSION_CHARS
    max_nodes: int = MAX_NODES
    max_depth: int = MAX_DEPTH
    max_tensor_elements: int = MAX_TENSOR_ELEMENTS
    max_total_elements: int = MAX_TOTAL_ELEMENTS
    max_work: int = MAX_WORK
    max_check_evaluations: int = MAX_CHECK_EVALUATIONS
    max_check_work: int = MAX_CHECK_WORK
    max_body_bytes: int = MAX_BODY_BYTES
    body_timeout: float = BODY_TIMEOUT
    time_budget: float = TIME_BUDGET
    max_train_steps: int = MAX_TRAIN_STEPS
    max_train_work: int = MAX_TRAIN_WORK
    max_train_history: int = MAX_TRAIN_HISTORY

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Defaults overridden by `BPE_<FIELD>` variables: `BPE_MAX_NODES=500`."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(env_name(f.name))
            if raw is None or raw.strip() == "":
                continue
            kind = int if f.type in (int, "int") else float
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(
                    f"{env_name(f.name)}={raw!r} is not a valid {kind.__name__}"
                ) from None
            if value <= 0:
                raise ValueError(f"{env_name(f.name)} must be positive, not {raw!r}")
            values[f.name] = value
        return cls(**values)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()
