"""What the routes do, without HTTP: compile, check the inputs, build, backprop, trace, check."""

from __future__ import annotations

import time
from functools import lru_cache

import numpy as np

import engine

from .config import Limits
from .errors import BadInput, LimitExceeded
from .interpreter import MAX_WARNINGS, Budget, build, engine_error, finite, read_inputs, to_array
from .language import Program, _normal, compile_program

#: Compiled programs are reused for repeated expressions (the presets, a student re-running
#: with other inputs); a Program is never changed after compiling. Short expressions only.
CACHE_SIZE = 512
CACHE_MAX_CHARS = 2_000


@lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(expression: str, limits: Limits, sigmoid: str) -> Program:
    return compile_program(expression, limits, sigmoid)


def compile_expression(expression: str, limits: Limits, sigmoid: str = "node") -> Program:
    """compile_program, through a small cache for short expressions."""
    if len(expression) <= CACHE_MAX_CHARS:
        return _compile_cached(expression, limits, sigmoid)
    return compile_program(expression, limits, sigmoid)


def describe(program: Program) -> dict:
    """What /api/parse returns: the inputs with the span of their first use, and so on."""
    return {
        "inputs": [{"name": name, "span": list(span)} for name, span in program.inputs],
        "assigned": list(program.assigned),
        "functions": list(program.functions),
        "constants": list(program.constants),
        "nodes": program.nodes,
        "warnings": list(program.warnings),
    }


def parse(expression: str, limits: Limits, sigmoid: str = "node") -> dict:
    """Check an expression without evaluating anything."""
    return describe(compile_expression(expression, limits, sigmoid))


def run(
    expression: str,
    inputs: dict,
    limits: Limits,
    *,
    seed=None,
    sigmoid: str = "node",
    check: bool = False,
    only_check: bool = False,
    inline_cap: int | None = None,
    tangents: dict | None = None,
) -> dict:
    """The trace of the expression (plus "check" when asked), or only "check".

    With `inline_cap`, raises build.Offload as soon as the graph's elements or work pass it.
    """
    deadline = time.monotonic() + limits.time_budget
    program = compile_expression(expression, limits, sigmoid)
    warnings = list(program.warnings)
    values = read_inputs(inputs, program, limits, warnings)
    budget = Budget(limits, deadline, inline_cap)
    leaves: dict[str, engine.Tensor] = {}
    with np.errstate(all="ignore"):
        out = build(program, values, budget, warnings, leaves)
        if seed is not None:
            seed = to_array(seed, "the seed (upstream of the output)", limits)
            if seed.shape != out.shape:
                raise BadInput(
                    f"the seed (upstream of the output) has shape "
                    f"{list(seed.shape)}, but the output has shape "
                    f"{list(out.shape)}"
                )
        budget.clock()
        try:
            started = time.perf_counter()
            out.backward(seed)
            backward_ms = 1000 * (time.perf_counter() - started)
            budget.clock()
            report = gradcheck(out, limits) if check or only_check else None
            budget.clock()
            forward = passes = None
            if tangents is not None and not only_check:
                forward, passes = forward_mode(out, tangents, program, leaves, limits, backward_ms)
                budget.clock()
            result = {"check": report} if only_check else engine.trace(out, forward)
        except engine.EngineError as exc:  # the build checked everything it could
            raise engine_error(exc, None) from None
    if report is not None:
        result["check"] = report
    if passes is not None:
        result["passes"] = passes
    if not out.requires_grad:
        warnings.append(
            "the output does not depend on any input: there is nothing to backpropagate"
        )
    bad = [
        name
        for name, t in leaves.items()
        if t.requires_grad and t._grad is not None and not finite(np.asarray(t._grad))
    ]
    for name in bad[:MAX_WARNINGS]:
        warnings.append(f"the gradient of '{name}' is not finite")
    result["expression"] = expression
    result["inputs"] = [name for name, _ in program.inputs]
    if warnings:
        result["warnings"] = warnings
    return result


def gradcheck(out: engine.Tensor, limits: Limits) -> dict:
    """engine.gradcheck, after refusing a check that would cost more than the limits allow."""
    cost = engine.check_cost(out)
    evaluations, work = cost["evaluations"], cost["work"]
    if evaluations > limits.max_check_evaluations:
        raise LimitExceeded(
            "max_check_evaluations",
            evaluations,
            limits.max_check_evaluations,
            f"the numerical check would take {evaluations:,} op evaluations, over the limit of "
            f"{limits.max_check_evaluations:,}: use smaller tensors or fewer inputs",
        )
    if work > limits.max_check_work:
        raise LimitExceeded(
            "max_check_work",
            work,
            limits.max_check_work,
            f"the numerical check would take {work:,} element operations, over the limit of "
            f"{limits.max_check_work:,}: use smaller tensors",
        )
    return engine.gradcheck(out)


# ---------------------------------------------------------------------------------------------
# Forward mode: POST /api/graph with "tangents"
# ---------------------------------------------------------------------------------------------
def read_tangents(raw: dict, program: Program, leaves: dict, limits: Limits) -> dict:
    """The direction: {input tensor: tangent}; a number broadcasts to its input's shape."""
    spans = dict(program.inputs)
    out = {}
    for key, value in raw.items():
        name = _normal(key)
        if name not in spans:
            known = ", ".join(f"'{n}'" for n in spans) or "none"
            raise BadInput(
                f"tangents: '{key}' is not an input of the expression (its inputs: {known})"
            )
        t = to_array(value, f"the tangent of '{name}'", limits, spans[name])
        leaf = leaves[name]
        if t.shape not in ((), leaf.shape):
            raise BadInput(
                f"the tangent of '{name}' has shape {list(t.shape)}, but '{name}' has shape "
                f"{list(leaf.shape)} (a number is spread over every element)",
                spans[name],
            )
        out[leaf] = t
    return out


def forward_mode(
    out: engine.Tensor, raw: dict, program: Program, leaves: dict, limits: Limits, backward_ms
) -> tuple:
    """One forward-mode pass along the request's tangents, and what each mode costs for the
    full gradient: n forward passes (one per input number) or m backward passes (one per
    output number), with this request's timing of one pass of each."""
    direction = read_tangents(raw, program, leaves, limits)
    started = time.perf_counter()
    record = engine.forward_tangents(out, direction)
    forward_ms = 1000 * (time.perf_counter() - started)
    n = sum(int(np.size(leaves[name].value)) for name, _ in program.inputs)
    m = int(np.size(out.value))
    return record, {
        "input_elements": n,
        "output_elements": m,
        "forward_passes": n,
        "reverse_passes": m,
        "forward_ms": round(forward_ms, 4),
        "reverse_ms": round(backward_ms, 4),
    }
