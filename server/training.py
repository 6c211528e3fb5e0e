"""POST /api/train without HTTP: gradient descent on some inputs of an expression.

The expression is compiled once (the same cached Program /api/graph runs); each step re-runs it
with the parameters' current values, backprops, and moves each parameter by the optimizer's rule
(engine.optim). Every pass is checked against the graph's limits as /api/graph is; before the
second pass the whole run's work and history size are checked against the training limits, so
a run too big is refused before it takes the time.
"""

from __future__ import annotations

import math
import time

import numpy as np

import engine
from engine.optim import RULES, update
from engine.trace import encode

from .config import Limits
from .errors import BadInput, LimitExceeded
from .interpreter import Budget, build, engine_error, finite, read_inputs
from .language import _normal
from .service import compile_expression


def train(
    expression: str,
    inputs: dict,
    limits: Limits,
    *,
    params: list[str],
    lr: float,
    steps: int,
    optimizer: str = "sgd",
    sigmoid: str = "node",
) -> dict:
    """Run `steps` updates; the losses, the history of the parameters and the final inputs."""
    deadline = time.monotonic() + limits.time_budget
    if steps > limits.max_train_steps:
        raise LimitExceeded(
            "max_train_steps",
            float(steps),  # JSON carries it as a number however many digits were sent
            limits.max_train_steps,
            f"{steps:,} steps asked, over the limit of {limits.max_train_steps:,}",
        )
    program = compile_expression(expression, limits, sigmoid)
    warnings = list(program.warnings)
    values = read_inputs(inputs, program, limits, warnings)
    names = _params(params, program, warnings)
    rule = RULES[optimizer]

    def loss_and_grads(step: int) -> tuple[engine.Tensor, dict, Budget]:
        budget = Budget(limits, deadline)
        leaves: dict[str, engine.Tensor] = {}
        # the first pass's warnings stand for all (a divergence is reported on its own)
        out = build(program, values, budget, warnings if step == 0 else [], leaves)
        if out.shape != ():
            raise BadInput(
                f"training needs a scalar loss, but the output has shape {list(out.shape)}: "
                "reduce it, e.g. with sum(...) or mean(...)"
            )
        try:
            out.backward()
        except engine.EngineError as exc:
            raise engine_error(exc, None) from None
        grads = {}
        for name in names:
            g = leaves[name]._grad
            grads[name] = np.zeros_like(values[name]) if g is None else np.asarray(g)
        budget.clock()
        return out, grads, budget

    history, losses, states = [], [], {name: {} for name in names}
    diverged = None
    with np.errstate(all="ignore"):
        for step in range(steps + 1):
            out, grads, budget = loss_and_grads(step)
            if step == 0:
                _check_run(budget.work, steps, sum(values[n].size for n in names), limits)
            loss = float(out.value)
            losses.append(encode(loss))
            history.append(
                {
                    "step": step,
                    "loss": encode(loss),
                    "values": {n: encode(values[n]) for n in names},
                    "gradients": {n: encode(grads[n]) for n in names},
                }
            )
            bad = _not_finite(loss, values, grads, names)
            if bad is not None:
                diverged = {
                    "step": step,
                    "message": f"{bad} is not finite after {step} step"
                    f"{'' if step == 1 else 's'}: the run diverged (a smaller learning rate "
                    f"than {lr:g} may help)",
                }
                break
            if step == steps:
                break
            for n in names:
                values[n], states[n] = update(
                    optimizer, values[n], grads[n], states[n], lr, step + 1
                )
    result = {
        "expression": expression,
        "params": names,
        "optimizer": {"name": rule.name, "title": rule.title, "tex": rule.tex, "text": rule.text},
        "lr": lr,
        "steps": len(losses) - 1,
        "losses": losses,
        "inputs": {name: encode(values[name]) for name, _ in program.inputs},
        "history": history,
    }
    if diverged is not None:
        result["diverged"] = diverged
    if warnings:
        result["warnings"] = warnings
    return result


def _params(params: list[str], program, warnings: list[str]) -> list[str]:
    """The parameters' names that are inputs of the expression, each once. Others are left out
    with a warning, as /api/graph does with unused inputs (a loss with no parameter left is
    evaluated, and nothing moves)."""
    spans = dict(program.inputs)
    names = []
    for raw in params:
        name = _normal(raw)
        if name not in spans:
            known = ", ".join(f"'{n}'" for n in spans) or "none"
            warnings.append(
                f"params: '{raw}' is not an input of the expression (its inputs: {known}); left out"
            )
        elif name not in names:
            names.append(name)
    if params and not names:
        warnings.append("no parameter is an input of the expression: nothing is trained")
    return names[:]


def _check_run(work: int, steps: int, param_elements: int, limits: Limits) -> None:
    """The whole run's work and history against the training limits, before step 1."""
    total = work * (steps + 1)
    if total > limits.max_train_work:
        raise LimitExceeded(
            "max_train_work",
            total,
            limits.max_train_work,
            f"{steps + 1:,} passes of {work:,} multiply-adds each need {total:,}, over the limit "
            f"of {limits.max_train_work:,}: ask for fewer steps",
        )
    numbers = 2 * param_elements * (steps + 1)
    if numbers > limits.max_train_history:
        raise LimitExceeded(
            "max_train_history",
            numbers,
            limits.max_train_history,
            f"the history would hold {numbers:,} numbers (values and gradients of "
            f"{param_elements:,} parameter numbers at {steps + 1:,} steps), over the limit of "
            f"{limits.max_train_history:,}: ask for fewer steps",
        )


def _not_finite(loss: float, values: dict, grads: dict, names: list[str]) -> str | None:
    if not math.isfinite(loss):
        return f"the loss ({encode(loss)})"
    for n in names:
        if not finite(values[n]):
            return f"the value of '{n}'"
        if not finite(grads[n]):
            return f"the gradient of '{n}'"
    return None
