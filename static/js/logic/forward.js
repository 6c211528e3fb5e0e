// Forward mode's timeline: tangents flow from the inputs to the output, one op node a step.
// Pure: no DOM. Reads a trace asked with "tangents" (docs/trace-format.md, "Forward mode").
//
// Positions: 0 "start" (the direction: each input's tangent), one "tangent" per op node in
// evaluation order (tangent_out = sum of local x tangent_in), then "compare" (the one-line
// comparison of the passes each mode needs for the full gradient).

import { formatNumber, TIMES, toNumber } from './format.js';

/** @returns {{positions: object[], last: number, nodes: Map, output: object}} */
export function buildForwardTimeline(trace) {
  const nodes = new Map(trace.nodes.map((n) => [n.id, n]));
  const inEdges = new Map();
  for (const e of trace.edges) {
    if (!inEdges.has(e.target)) inEdges.set(e.target, []);
    inEdges.get(e.target).push(e);
  }
  const seeds = trace.nodes.filter((n) => n.op === 'input');
  const positions = [{ kind: 'start', seeds }];
  for (const id of trace.forward) {
    const node = nodes.get(id);
    if (!node.inputs.length) continue;
    const terms = (inEdges.get(id) ?? []).map((e) => ({
      edge: e.id,
      source: nodes.get(e.source),
      local: e.local,
      tangentIn: nodes.get(e.source).tangent,
      share: e.tangent,
    }));
    positions.push({ kind: 'tangent', node, terms, tangent: node.tangent, index: positions.length - 1 });
  }
  positions.push({ kind: 'compare', tangent: trace.tangent, passes: trace.passes });
  return { positions, last: positions.length - 1, nodes, output: nodes.get(trace.output), count: positions.length - 2 };
}

const f = (v) => (Array.isArray(v) ? 'tensor' : formatNumber(v));

/**
 * The step written out: "tangent(exp) = local × tangent_in = (−1) × (−1) = 1"; several inputs
 * add: "= 2 × 1 + 3 × 0 = 2". Tensors and vector-Jacobian ops show their shares.
 */
export function forwardEquation(pos) {
  if (pos.kind !== 'tangent') return '';
  const paren = (v) => {
    const s = f(v);
    return s.startsWith('\u2212') ? `(${s})` : s;
  };
  const parts = pos.terms.map((t) => {
    if (t.share === null) return null; // no rule (class indices)
    if (t.local === null || Array.isArray(t.local) || Array.isArray(t.tangentIn)) return f(t.share);
    return `${paren(t.local)} ${TIMES} ${paren(t.tangentIn)}`;
  }).filter((p) => p !== null);
  return `tangent_out = ${parts.join(' + ')} = ${f(pos.tangent)}`;
}

/** Where the tangent is at position p: the ids of the nodes whose tangent is known. */
export function knownAt(timeline, p) {
  const known = new Set(timeline.positions[0].seeds.map((n) => n.id));
  for (const n of timeline.nodes.values()) if (!n.inputs.length) known.add(n.id);
  for (let i = 1; i <= Math.min(p, timeline.last); i += 1) {
    const pos = timeline.positions[i];
    if (pos.kind === 'tangent') known.add(pos.node.id);
  }
  return known;
}

/**
 * The closing line: forward mode gave the derivative along one direction in one pass; reverse
 * mode all n input gradients in one pass; the full gradient costs n forward passes or one
 * backward pass (m for an output of m numbers), with this run's timings.
 */
export function comparisonLine(trace, direction) {
  const p = trace.passes;
  if (!p) return '';
  const ms = (x) => `${formatNumber(x, { digits: 2 })} ms`;
  const n = p.input_elements;
  const d = direction ? `d(output)/d${direction}` : 'the derivative along the direction';
  const grads = `${n} input gradient${n === 1 ? '' : 's'}`;
  const fwd = `${p.forward_passes} forward pass${p.forward_passes === 1 ? '' : 'es'}`;
  const rev = `${p.reverse_passes} backward pass${p.reverse_passes === 1 ? '' : 'es'}`;
  return `Forward mode gave ${d} = ${f(trace.tangent)} in one pass (${ms(p.forward_ms)}); `
    + `reverse mode gave all ${grads} in one pass (${ms(p.reverse_ms)}). `
    + `For the full gradient of this graph: ${fwd} (about ${ms(p.forward_passes * p.forward_ms)}) `
    + `versus ${rev} (about ${ms(p.reverse_passes * p.reverse_ms)}).`;
}

/** The output's tangent as a number (scalars), for the summary. */
export function outputTangent(trace) {
  return Array.isArray(trace.tangent) ? null : toNumber(trace.tangent);
}
