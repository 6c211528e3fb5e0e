// One plain-text sentence per position, for screen readers (aria-live) and for copying into
// notes. Pure: no DOM. Numbers use ASCII minus signs so the text pastes cleanly anywhere.
import { formatNumber, formatShape } from './format.js';
import { nodeName } from './names.js';
import { shapeOf } from './tensor.js';
import { contributionsAt } from './timeline.js';

const num = (v) => (Array.isArray(v) ? `a tensor of shape ${formatShape(shapeOf(v), { ascii: true })}` : formatNumber(v, { ascii: true }));

export function narrate(trace, timeline, p, ops = {}) {
  const name = (n) => nodeName(n, ops);
  const pos = timeline.positions[p];
  if (!pos) return '';
  const nodes = timeline.nodes;
  if (pos.kind === 'start') {
    const leaves = trace.nodes.filter((n) => n.op === 'input');
    const given = leaves.map((n) => `${n.label} = ${num(n.value)}`).join(', ');
    return `Start: ${given ? `the inputs are ${given}` : 'the graph has no inputs'}. `
      + `The forward pass computes ${timeline.forwardCount} node${timeline.forwardCount === 1 ? '' : 's'}, `
      + `then backprop visits ${timeline.backwardCount}.`;
  }
  if (pos.kind === 'forward') {
    const node = nodes.get(pos.node);
    const ins = node.inputs.map((id) => `${num(nodes.get(id).value)} from ${name(nodes.get(id))}`);
    return `Forward step ${pos.index + 1} of ${timeline.forwardCount}: ${name(node)} takes `
      + `${ins.join(' and ')} and gives ${num(node.value)}.`;
  }
  if (pos.kind === 'backward') {
    const node = nodes.get(pos.node);
    const parts = [`Backprop step ${pos.index + 1} of ${timeline.backwardCount} at ${name(node)}: `
      + `the upstream gradient ${num(pos.step.upstream)} arrives`];
    const fan = timeline.incoming.get(pos.node) ?? [];
    if (fan.length > 1 && p >= timeline.gradAt.get(pos.node)) {
      parts[0] += ` (the sum of ${fan.length} contributions)`;
    }
    parts[0] += '.';
    for (const id of pos.step.edges) {
      const e = timeline.edges.get(id);
      const src = nodes.get(e.source);
      if (e.downstream === null) {
        parts.push(`No gradient is sent to ${name(src)}: it needs none.`);
        continue;
      }
      let s = `Toward ${name(src)}: `;
      if (e.local !== null && !Array.isArray(e.local) && !Array.isArray(e.upstream)) {
        s += `upstream ${num(e.upstream)} × local gradient ${num(e.local)} = downstream ${num(e.downstream)}`;
      } else if (e.local !== null) {
        s += `upstream × local gradient, element by element, gives the downstream gradient, ${num(e.downstream)}`;
      } else {
        s += `the vector-Jacobian rule turns the upstream into the downstream gradient, ${num(e.downstream)}`;
      }
      if (e.reduction) {
        s += `, summed over axis ${e.reduction.axes.join(' and ')} from shape `
          + `${formatShape(e.reduction.from_shape, { ascii: true })} to ${formatShape(e.reduction.to_shape, { ascii: true })}`;
      }
      parts.push(`${s}.`);
      const expected = (timeline.incoming.get(e.source) ?? []).length;
      if (expected > 1) {
        const got = contributionsAt(timeline, e.source, p);
        if (got.length === expected && got[got.length - 1].edge === id) {
          const scalars = got.length <= 8 && got.every((c) => !Array.isArray(c.value));
          const sum = scalars ? ` ${got.map((c) => num(c.value)).join(' + ')} = ${num(src.grad)}` : ` ${num(src.grad)}`;
          parts.push(`Fan-out: ${name(src)} is used ${expected} times, so its ${expected} contributions are summed:${sum}.`);
        } else if (got.length < expected && got[got.length - 1]?.edge === id) {
          parts.push(`Fan-out: ${name(src)} is used ${expected} times; ${got.length} of ${expected} contributions have arrived.`);
        }
      }
    }
    // names go in as typed (x and X are different inputs), so every sentence starts with our words
    return parts.join(' ');
  }
  const grads = Object.entries(trace.gradients ?? {}).map(([k, v]) => `dL/d${k} = ${num(v)}`);
  return `Done: backprop has reached every input. ${grads.length ? `${grads.join(', ')}.` : ''}`.trim();
}
