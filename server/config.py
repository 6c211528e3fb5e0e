"""Limits: every bound the service enforces, with its default, its env var and why it exists.

Each limit is a named constant here, a field of `Limits`, an environment variable
(`BPE_` + the field name in capitals, e.g. `BPE_MAX_NODES=5000`) and a command-line option of
`backprop-explorer serve` (e.g. `--max-nodes 5000`). Exceeding one gives a 4xx naming the limit,
the value and the maximum (see docs/api.md).
"""

from __future__ import annotations

import os
import re
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
        return cls(**positive_fields_from_env(cls, environ))

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def positive_fields_from_env(cls, environ: Mapping[str, str] | None = None) -> dict:
    """The fields of dataclass `cls` (ints and floats, all positive) that `BPE_<FIELD>`
    variables set; a value that is not a positive number of the field's type is a ValueError."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(cls):
        raw = (environ.get(env_name(f.name)) or "").strip()
        if not raw:
            continue
        kind = int if f.type in (int, "int") else float
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"{env_name(f.name)}={raw!r} is not a valid {kind.__name__}") from None
        if value <= 0:
            raise ValueError(f"{env_name(f.name)} must be positive, not {raw!r}")
        values[f.name] = value
    return values


# ---------------------------------------------------------------------------------------------
# Hosting on a public address: rate limit, CORS, framing (docs/hosting.md)
# ---------------------------------------------------------------------------------------------
#: The compute endpoints, rate limited per client address (server/ratelimit.py). A route that
#: computes adds its path here, one line each; each path has its own budget.
RATE_LIMITED_PATHS = [
    "/api/graph",
    "/api/check",
    "/api/parse",
    "/api/diagnose",
    "/api/export",
    "/api/train",
]
# Requests per client address to each path above, in the notation of the `limits` package
# ("1200/minute", "20/second;600/minute"), or "off". A classroom behind one NAT address shares
# one budget, and the page sends a /api/diagnose at every pause in typing: 1200 a minute is 12
# for each of 100 students, and a burst of a few hundred at once passes.
RATE_LIMIT = "1200/minute"
# Who may frame the page (CSP frame-ancestors): nobody, unless a course site is named.
FRAME_ANCESTORS = "'none'"

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\*$")
_SOURCE = re.compile(r"^('none'|'self'|https?://[A-Za-z0-9.*-]+(:[0-9]{1,5})?|https?:)$")


@dataclass(frozen=True)
class Hosting:
    """How the app faces the public: each field is `BPE_` + its name in capitals, and an option
    of `backprop-explorer serve` (--rate-limit, --allow-origin, --frame-ancestors)."""

    rate_limit: str = RATE_LIMIT
    #: Origins whose pages may call the API (CORS); none by default.
    allow_origins: tuple[str, ...] = ()
    frame_ancestors: str = FRAME_ANCESTORS

    def __post_init__(self):
        self.rate_limit_items()  # raises ValueError when it cannot be read
        # 'none' and 'self' are quoted in CSP; accept them unquoted too
        quoted = {"none": "'none'", "self": "'self'"}
        words = [quoted.get(s, s) for s in self.frame_ancestors.split()]
        object.__setattr__(self, "frame_ancestors", " ".join(words))
        bad = [o for o in self.allow_origins if not _ORIGIN.match(o)]
        if bad:
            raise ValueError(
                f"allowed origin {bad[0]!r} is not scheme://host[:port] (no path, no trailing "
                "slash), e.g. https://course.example.edu, or *"
            )
        sources = self.frame_ancestors.split()
        if not sources or not all(_SOURCE.match(s) for s in sources):
            raise ValueError(
                f"frame ancestors {self.frame_ancestors!r}: write 'none', 'self' or origins "
                "such as https://course.example.edu, separated by spaces"
            )

    def rate_limit_items(self):
        """The parsed limits (`limits.RateLimitItem`s), or None when the limit is off."""
        if self.rate_limit.strip().lower() in ("off", "0", "none", ""):
            return None
        from limits import parse_many

        try:
            items = parse_many(self.rate_limit)
            if not items or any(item.amount < 1 for item in items):
                raise ValueError
            return items
        except ValueError:
            raise ValueError(
                f"rate limit {self.rate_limit!r}: write e.g. 1200/minute, 20/second;600/minute, "
                "or off"
            ) from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Hosting:
        """Defaults overridden by BPE_RATE_LIMIT, BPE_ALLOW_ORIGINS (separated by commas or
        spaces) and BPE_FRAME_ANCESTORS."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(env_name(f.name), "").strip()
            if raw and f.name == "allow_origins":
                values[f.name] = tuple(raw.replace(",", " ").split())
            elif raw:
                values[f.name] = raw
        return cls(**values)
