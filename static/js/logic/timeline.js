// Step sequencing: the positions of the timeline and what is known at each. Pure: no DOM.
//
// Positions: 0 "start" (leaves hold their values), one "forward" per op node in evaluation
// order, one "backward" per step in the service's order (output first), then "done".
// Everything that switches on during the walk is indexed by the position where it does, so
// moving from p to q touches only what changes between them (a step costs O(changes), not
// O(graph)), which keeps a 1,000-node graph under one frame per step.

import { toNumber } from './format.js';

/**
 * @param {object} trace the service's trace (docs/trace-format.md)
 * @returns {object} timeline
 */
export function buildTimeline(trace) {
  const nodes = new Map(trace.nodes.map((n) => [n.id, n]));
  const edges = new Map(trace.edges.map((e) => [e.id, e]));
  const positions = [{ kind: 'start' }];
  const valueAt = new Map();
  const forwardPos = new Map();
  for (const id of trace.forward) {
    const node = nodes.get(id);
    if (node.inputs.length === 0) {
      valueAt.set(id, 0);
    } else {
      positions.push({ kind: 'forward', node: id, index: forwardPos.size });
      forwardPos.set(id, positions.length - 1);
      valueAt.set(id, positions.length - 1);
    }
  }
  const forwardCount = forwardPos.size;
  const backwardStart = positions.length;
  const backwardPos = new Map();
  trace.steps.forEach((step, i) => {
    positions.push({ kind: 'backward', node: step.node, index: i, step });
    backwardPos.set(step.node, positions.length - 1);
  });
  positions.push({ kind: 'done' });
  const last = positions.length - 1;

  // an edge carries a gradient from the backward position of its target on, if it sends one
  const edgeGradAt = new Map();
  for (const e of trace.edges) {
    if (e.downstream !== null && backwardPos.has(e.target)) {
      edgeGradAt.set(e.id, backwardPos.get(e.target));
    }
  }
  // contributions arriving at each node, in position order
  const incoming = new Map();
  for (const e of trace.edges) {
    if (!edgeGradAt.has(e.id)) continue;
    if (!incoming.has(e.source)) incoming.set(e.source, []);
    incoming.get(e.source).push(e.id);
  }
  for (const list of incoming.values()) list.sort((a, b) => edgeGradAt.get(a) - edgeGradAt.get(b));

  // a node's gradient is complete once its last contribution has arrived; the output's at once
  const gradAt = new Map();
  for (const n of trace.nodes) {
    if (n.grad === null) continue;
    if (n.id === trace.output) gradAt.set(n.id, trace.steps.length ? backwardStart : last);
    else if (incoming.has(n.id)) {
      const list = incoming.get(n.id);
      gradAt.set(n.id, edgeGradAt.get(list[list.length - 1]));
    } else gradAt.set(n.id, last);
  }

  // what switches on at each position
  const changes = positions.map(() => ({ values: [], edges: [], grads: [] }));
  for (const [id, p] of valueAt) changes[p].values.push(id);
  for (const [id, p] of edgeGradAt) changes[p].edges.push(id);
  for (const [id, list] of incoming) {
    for (const e of list) changes[edgeGradAt.get(e)].grads.push(id);
  }
  for (const [id, p] of gradAt) if (!incoming.has(id)) changes[p].grads.push(id);

  return {
    nodes, edges, positions, forwardCount, backwardCount: trace.steps.length, backwardStart,
    last, valueAt, edgeGradAt, gradAt, incoming, forwardPos, backwardPos, changes,
    inEdges: groupBy(trace.edges, 'target'), outEdges: groupBy(trace.edges, 'source'),
  };
}

function groupBy(list, key) {
  const m = new Map();
  for (const x of list) {
    if (!m.has(x[key])) m.set(x[key], []);
    m.get(x[key]).push(x);
  }
  return m;
}

export function clampPosition(timeline, p) {
  const n = Number.parseInt(p, 10);
  if (!Number.isFinite(n)) return 0;
  return Math.min(Math.max(n, 0), timeline.last);
}

/** Nodes and edges to highlight at a position: the current node, its edges, their ends. */
export function focusAt(timeline, p) {
  const pos = timeline.positions[p];
  if (!pos) return { nodes: [], edges: [], current: null };
  if (pos.kind === 'forward') {
    const ins = timeline.inEdges.get(pos.node) ?? [];
    return { current: pos.node, nodes: ins.map((e) => e.source), edges: ins.map((e) => e.id) };
  }
  if (pos.kind === 'backward') {
    // only the edges that send a gradient (a constant input gets none)
    const ids = pos.step.edges.filter((id) => timeline.edges.get(id).downstream !== null);
    return {
      current: pos.node,
      nodes: ids.map((id) => timeline.edges.get(id).source),
      edges: ids,
    };
  }
  if (pos.kind === 'done') {
    const leaves = [...timeline.nodes.values()].filter((n) => n.inputs.length === 0 && n.grad !== null);
    return { current: null, nodes: leaves.map((n) => n.id), edges: [] };
  }
  return { current: null, nodes: [], edges: [] };
}

/** Which elements may look different between positions a and b (either order). */
export function changedBetween(timeline, a, b) {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const values = [];
  const edges = [];
  const grads = new Set();
  for (let p = lo + 1; p <= hi; p += 1) {
    const c = timeline.changes[p];
    values.push(...c.values);
    edges.push(...c.edges);
    for (const g of c.grads) grads.add(g);
  }
  return { values, edges, grads: [...grads] };
}

/** Contributions a node has received by position p: [{edge, value}], in arrival order. */
export function contributionsAt(timeline, nodeId, p) {
  const list = timeline.incoming.get(nodeId) ?? [];
  return list
    .filter((id) => timeline.edgeGradAt.get(id) <= p)
    .map((id) => ({ edge: id, value: timeline.edges.get(id).downstream }));
}

/**
 * A node's gradient as known at position p: {state: 'none'|'partial'|'complete', value,
 * received, expected}. Partial sums are given for scalars (tensors show the count only).
 */
export function gradientAt(timeline, nodeId, p) {
  const node = timeline.nodes.get(nodeId);
  const at = timeline.gradAt.get(nodeId);
  if (node.grad === null || at === undefined) return { state: 'none' };
  const expected = (timeline.incoming.get(nodeId) ?? []).length;
  if (p >= at) return { state: 'complete', value: node.grad, received: expected, expected };
  const got = contributionsAt(timeline, nodeId, p);
  if (got.length === 0) return { state: 'none', expected };
  let value = null;
  if (got.every((c) => !Array.isArray(c.value))) value = got.reduce((s, c) => s + toNumber(c.value), 0);
  return { state: 'partial', value, received: got.length, expected };
}

/** Short caption of a position: "Forward 2/4", "Backprop 1/4", "Start", "Done". */
export function phaseOf(timeline, p) {
  const pos = timeline.positions[p];
  if (!pos) return { phase: 'start', text: 'Start' };
  if (pos.kind === 'forward') {
    return { phase: 'forward', text: `Forward ${pos.index + 1}/${timeline.forwardCount}` };
  }
  if (pos.kind === 'backward') {
    return { phase: 'backward', text: `Backprop ${pos.index + 1}/${timeline.backwardCount}` };
  }
  return pos.kind === 'done' ? { phase: 'done', text: 'Done' } : { phase: 'start', text: 'Start' };
}
