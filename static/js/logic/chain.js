// The chain rule for one input: every path from the input to the output, the product of the
// local gradients along each path, and the sum over paths. Pure: no DOM.
//
// dL/dz = sum over paths p of  seed * prod over edges e in p of local(e),
// written output-first, as the post does: 1 · −1(1+e^{−z})^{−2} · 1 · e^{−z} · −1 = 0.25.

import { toNumber } from './format.js';
import { namedFormula, opTitle, orderedLeaves } from './names.js';

export const MAX_PATHS = 8;

/**
 * @returns {{count: number, paths: Array<Array<object>>, truncated: boolean, scalar: boolean,
 *   seed: any, products: Array<number|null>, total: number|null, grad: any}}
 */
export function chainRule(trace, inputId, { limit = MAX_PATHS, ops = {} } = {}) {
  const byId = new Map(trace.nodes.map((n) => [n.id, n]));
  const carrying = trace.edges.filter((e) => e.downstream !== null);
  const inEdges = new Map();
  for (const e of carrying) {
    if (!inEdges.has(e.target)) inEdges.set(e.target, []);
    inEdges.get(e.target).push(e);
  }
  // paths(node) = number of paths from the input to node, in forward order (a topological order)
  const count = new Map([[inputId, 1]]);
  for (const id of trace.forward) {
    if (id === inputId) continue;
    let c = 0;
    for (const e of inEdges.get(id) ?? []) c += count.get(e.source) ?? 0;
    if (c) count.set(id, c);
  }
  const total = count.get(trace.output) ?? 0;
  const outputNode = byId.get(trace.output);
  const seed = trace.steps.length ? trace.steps[0].upstream : outputNode.grad;

  // enumerate output-first with an explicit stack (deep graphs must not overflow the JS stack)
  const paths = [];
  if (inputId === trace.output) paths.push([]);
  const stack = [{ node: trace.output, path: [] }];
  while (stack.length && paths.length < limit && inputId !== trace.output) {
    const { node, path } = stack.pop();
    const ins = (inEdges.get(node) ?? []).filter((e) => count.has(e.source));
    for (let i = ins.length - 1; i >= 0; i -= 1) {
      const e = ins[i];
      const next = [...path, e];
      if (e.source === inputId) paths.push(next);
      else stack.push({ node: e.source, path: next });
    }
  }
  paths.length = Math.min(paths.length, limit);

  // scalars may be the non-finite strings "NaN", "Infinity", "-Infinity"
  const isScalar = (v) => v !== null && !Array.isArray(v);
  const scalar = isScalar(seed) && paths.every((p) => p.every((e) => isScalar(e.local) && e.reduction === null));
  const factors = paths.map((p) => p.map((e) => ({
    edge: e.id,
    title: opTitle(byId.get(e.target).op, ops),
    name: byId.get(e.target).name,
    formula: namedFormula(e), // in the learner's names
    local: e.local,
  })));
  const products = factors.map((fs) => (scalar ? fs.reduce((acc, f) => acc * toNumber(f.local), toNumber(seed)) : null));
  const shownAll = paths.length === total;
  return {
    count: total,
    paths: factors,
    truncated: !shownAll,
    scalar,
    seed,
    products,
    total: scalar && shownAll ? products.reduce((a, b) => a + b, 0) : null,
    grad: byId.get(inputId)?.grad ?? null,
  };
}

/** The inputs the chain rule can be written for: leaves that need a gradient, in input order. */
export function chainInputs(trace) {
  return orderedLeaves(trace).filter((n) => n.requires_grad);
}

/** The input to start with: the one reached by the most paths (a fan-out shows the sum). */
export function defaultChainInput(trace) {
  const inputs = chainInputs(trace);
  let best = null;
  let most = 0;
  for (const n of inputs) {
    const c = pathCount(trace, n.id);
    if (c > most) { best = n; most = c; }
  }
  return best ?? inputs[0] ?? null;
}

function pathCount(trace, inputId) {
  const count = new Map([[inputId, 1]]);
  const ins = new Map();
  for (const e of trace.edges) {
    if (e.downstream === null) continue;
    if (!ins.has(e.target)) ins.set(e.target, []);
    ins.get(e.target).push(e.source);
  }
  for (const id of trace.forward) {
    if (id === inputId) continue;
    let c = 0;
    for (const s of ins.get(id) ?? []) c += count.get(s) ?? 0;
    if (c) count.set(id, c);
  }
  return count.get(trace.output) ?? 0;
}
