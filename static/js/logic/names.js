// How a node is called in text and in formulas: its name and op title, e.g. "h (multiply)",
// "exp", "z". Pure: no DOM. `ops` is GET /api/ops by name (for titles); without it the op key.

export function opTitle(op, ops = {}) {
  return ops[op]?.title ?? op;
}

export function nodeName(node, ops = {}) {
  if (node.inputs.length && node.name) return `${node.name} (${opTitle(node.op, ops)})`;
  if (node.op === 'const') return `constant ${node.label}`;
  return node.label;
}

/** Leaves in the order the user's inputs were given (trace.inputs), then any others. */
export function orderedLeaves(trace) {
  const leaves = trace.nodes.filter((n) => n.inputs.length === 0 && n.grad !== null);
  const order = new Map((trace.inputs ?? []).map((name, i) => [name, i]));
  return leaves
    .map((n, i) => ({ n, k: order.has(n.name) ? order.get(n.name) : order.size + i }))
    .sort((a, b) => a.k - b.k)
    .map(({ n }) => n);
}

/** A node's name as KaTeX source: the service's `tex` (KaTeX-safe LaTeX of the display name). */
export function nodeTex(node) {
  if (node.tex) return node.tex;
  return `\\text{${node.label.replace(/[\\{}$&#_%]/g, (c) => `\\${c}`)}}`;
}

/** An edge's local-gradient formula in the learner's names: the op's placeholders x, y replaced
 * by the TeX of the nodes actually going in (`local_formula` keeps the placeholders). */
export function namedFormula(edge) {
  return edge.local_formula_named ?? edge.local_formula;
}
