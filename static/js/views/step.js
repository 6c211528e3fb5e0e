// The step panel: what happens at the current position, written out with the numbers.
// Forward: the op, the values going in and out. Backprop: the upstream arriving, per input the
// local gradient (formula and numbers) and upstream × local = downstream; fan-out sums,
// broadcast reductions, and the numerical check beside each analytic gradient.
import { formatError, formatNumber, formatShape } from '../logic/format.js';
import { narrate } from '../logic/narrate.js';
import { namedFormula, nodeName, nodeTex, orderedLeaves } from '../logic/names.js';
import { contributionsAt } from '../logic/timeline.js';
import { clear, h } from './dom.js';
import { mathEl } from './math.js';
import { renderValue } from './tensor.js';

export function mountStep(root, store) {
  root.querySelector('[data-check]').addEventListener('change', (ev) => store.setCheck(ev.target.checked));
  root.addEventListener('click', (ev) => {
    const ref = ev.target.closest('[data-goto]');
    if (ref) store.goTo(Number(ref.dataset.goto));
  });
}

export function renderCheckToggle(root, state) {
  const box = root.querySelector('[data-check]');
  box.checked = state.check;
  const note = root.querySelector('[data-check-status]');
  const waiting = state.check && state.trace && !state.trace.check && state.status === 'loading';
  note.textContent = waiting ? 'computing…' : '';
}

export function renderStep(root, state) {
  const body = root.querySelector('[data-step-body]');
  const title = root.querySelector('[data-step-title]');
  const narration = root.querySelector('[data-narration]');
  clear(body);
  const { trace, timeline: tl, position: p } = state;
  if (!trace || !tl) {
    title.textContent = 'Step';
    narration.textContent = '';
    return;
  }
  const pos = tl.positions[p];
  root.dataset.phase = pos.kind;
  // name(node): "h (multiply)", with the op titles of GET /api/ops
  const ctx = { state, trace, tl, p, pos, check: checkIndex(state), name: (n) => nodeName(n, state.ops) };
  if (pos.kind === 'start') renderStart(body, title, ctx);
  else if (pos.kind === 'forward') renderForward(body, title, ctx);
  else if (pos.kind === 'backward') renderBackward(body, title, ctx);
  else renderDone(body, title, ctx);
  narration.textContent = narrate(trace, tl, p, state.ops);
}

function checkIndex(state) {
  const c = state.check ? state.trace?.check : null;
  if (!c) return null;
  return {
    eps: c.eps,
    edges: new Map((c.edges ?? []).map((r) => [r.edge, r])),
    inputs: new Map((c.inputs ?? []).map((r) => [r.node, r])),
    kinks: new Map((c.kinks ?? []).map((k) => [k.node, k])),
  };
}

function phaseBadge(kind, text) {
  return h('span', { class: ['phase-badge', `phase-${kind}`] }, text);
}

function nodeRef(ctx, node, { value = false } = {}) {
  return h('span', { class: 'node-ref', data: { ref: node.id } },
    h('span', { class: 'node-ref-name' }, ctx.name(node)),
    h('span', { class: 'node-ref-id' }, node.id),
    value && !Array.isArray(node.value) ? ` = ${formatNumber(node.value)}` : '');
}

function term(label, content, cls) {
  return h('span', { class: ['term', cls] }, h('span', { class: 'term-value' }, content), h('span', { class: 'term-label' }, label));
}

function setTitle(title, badge, text, node) {
  clear(title).append(badge, ' ', h('span', { class: node ? 'step-op' : 'step-heading' }, text), node ? h('span', { class: 'step-node-id' }, node.id) : '');
}

// -- start ----------------------------------------------------------------------------------
function renderStart(body, title, { trace, tl }) {
  setTitle(title, phaseBadge('start', 'Start'), 'The inputs');
  const leaves = orderedLeaves(trace).filter((n) => n.op === 'input');
  const consts = trace.nodes.filter((n) => n.op === 'const');
  const list = h('dl', { class: 'value-list' });
  for (const n of leaves) list.append(h('dt', {}, n.label), h('dd', { data: { inputValue: n.label } }, renderValue(n.value, { label: n.label })));
  body.append(
    leaves.length ? list : h('p', { class: 'muted' }, 'This expression has no inputs.'),
    h('p', { class: 'hint' },
      `${trace.nodes.length} nodes (${consts.length} constant${consts.length === 1 ? '' : 's'}). `
      + `The forward pass computes ${tl.forwardCount} op node${tl.forwardCount === 1 ? '' : 's'} in evaluation order; `
      + `then backprop visits ${tl.backwardCount}, output first. Press `, h('kbd', {}, '→'), ' or Next to step.'),
  );
}

// -- forward --------------------------------------------------------------------------------
function renderForward(body, title, ctx) {
  const { state, tl, pos, name } = ctx;
  const node = tl.nodes.get(pos.node);
  setTitle(title, phaseBadge('forward', `Forward ${pos.index + 1}/${tl.forwardCount}`), name(node), node);
  const op = state.ops[node.op];
  const ins = node.inputs.map((id) => tl.nodes.get(id));
  const eq = h('div', { class: 'fwd-eq', data: { forwardEquation: '' } },
    h('span', { class: 'fwd-op' }, op?.title ?? node.op), '(',
    ins.map((n, k) => [k ? ', ' : '', h('span', { class: 'fwd-arg' }, Array.isArray(n.value) ? `[${formatShape(n.shape)}]` : formatNumber(n.value))]),
    Object.keys(node.attrs ?? {}).length ? `, ${Object.entries(node.attrs).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}` : '',
    ') = ', h('span', { class: 'fwd-out' }, Array.isArray(node.value) ? `[${formatShape(node.shape)}]` : formatNumber(node.value)));
  const rows = h('div', { class: 'io-grid' });
  for (const n of ins) {
    rows.append(h('div', { class: 'io-row' },
      h('span', { class: 'io-label' }, 'in'),
      h('span', { class: 'io-from' }, nodeRef(ctx, n)),
      h('span', { class: 'io-value' }, renderValue(n.value, { label: name(n) }))));
  }
  rows.append(h('div', { class: 'io-row io-out' },
    h('span', { class: 'io-label' }, 'out'),
    h('span', { class: 'io-from' }, nodeRef(ctx, node)),
    h('span', { class: 'io-value', data: { forwardValue: node.id } }, renderValue(node.value, { label: name(node) }))));
  body.append(eq, rows);
  if (op?.description) body.append(h('p', { class: 'hint' }, op.description));
}

// -- backprop -------------------------------------------------------------------------------
function renderBackward(body, title, ctx) {
  const { state, tl, pos, p, name } = ctx;
  const node = tl.nodes.get(pos.node);
  setTitle(title, phaseBadge('backward', `Backprop ${pos.index + 1}/${tl.backwardCount}`), name(node), node);
  body.dataset.stepOp = node.label;

  // upstream arriving, and where it came from when the node fans out
  const up = h('div', { class: 'upstream-row', data: { upstream: '' } },
    h('span', { class: 'row-label' }, 'upstream arriving'),
    h('span', { class: 'grad-name' }, `∂L/∂(${name(node)}) =`),
    renderValue(pos.step.upstream, { kind: 'grad', label: 'upstream' }));
  body.append(up);
  if (node.id === tl.positions[tl.backwardStart]?.node && pos.index === 0) {
    up.append(h('span', { class: 'hint-inline' }, Array.isArray(pos.step.upstream)
      ? 'the seed: the output is a tensor, so backprop starts from this upstream'
      : 'the seed: ∂L/∂L = 1 at the output'));
  }
  const fan = tl.incoming.get(node.id) ?? [];
  if (fan.length > 1) body.append(renderContributions(ctx, node, fan.length, 'its upstream is the sum of'));

  const kink = ctx.check?.kinks.get(node.id);
  if (kink) body.append(h('p', { class: 'kink-note', role: 'note' }, '⚠ kink: ', kink.message));

  const op = state.ops[node.op];
  const cards = h('div', { class: 'edge-cards' });
  for (const id of pos.step.edges) cards.append(renderEdgeCard(ctx, node, tl.edges.get(id), op));
  body.append(cards);

  // a source whose last contribution arrived at this step: show the sum
  const done = new Set();
  for (const id of pos.step.edges) {
    const src = tl.edges.get(id).source;
    const expected = (tl.incoming.get(src) ?? []).length;
    if (expected > 1 && !done.has(src) && tl.gradAt.get(src) === p) {
      done.add(src);
      body.append(renderContributions(ctx, tl.nodes.get(src), expected, 'fan-out: its gradient is the sum of'));
    }
  }
}

// The formulas use the learner's names (the service's local_formula_named and node.tex), never
// the op's own argument names x, y, which would clash with an input called x.
function renderEdgeCard(ctx, node, e, op) {
  const { tl, name } = ctx;
  const src = tl.nodes.get(e.source);
  const card = h('article', { class: 'edge-card', data: { edgeCard: e.id, source: src.id } });
  card.append(h('header', { class: 'edge-card-head' },
    h('span', { class: 'to-input' }, 'input'), ' ', nodeRef(ctx, src, { value: true })));
  if (e.downstream === null) {
    card.classList.add('is-const');
    card.append(h('p', { class: 'muted' }, `${name(src)} needs no gradient, so none is sent to it.`));
    return card;
  }
  const elementwise = e.local !== null;
  const formula = h('div', { class: 'local-row' },
    h('span', { class: 'row-label' }, elementwise ? 'local gradient' : 'vector-Jacobian rule'),
    mathEl(elementwise
      ? `\\dfrac{\\partial\\,\\mathrm{out}}{\\partial ${nodeTex(src)}} = ${namedFormula(e)}`
      : `\\text{downstream} = ${namedFormula(e)}`));
  // the values the formula is evaluated at: each input once (x*x uses x twice), constants are
  // in the formula already
  const ins = [...new Set(node.inputs)].map((id) => tl.nodes.get(id)).filter((n) => n.op !== 'const');
  if (elementwise && ins.every((n) => !Array.isArray(n.value))) {
    formula.append(h('span', { class: 'at', data: { at: e.id } }, 'at ', ins.map((n) => `${n.label} = ${formatNumber(n.value)}`).join(', ')));
  }
  card.append(formula);
  if (op?.convention && elementwise) card.append(h('p', { class: 'hint' }, `convention: ${op.convention}`));

  // upstream × local = downstream, with the numbers plugged in
  const product = h('div', { class: 'product-row', data: { product: e.id } });
  if (elementwise) {
    product.append(
      term('upstream', renderValue(e.upstream, { kind: 'grad', label: 'upstream' }), 'term-upstream'),
      h('span', { class: 'op-sym' }, '×'),
      term('local gradient', renderValue(e.local, { label: 'local gradient' }), 'term-local'),
      h('span', { class: 'op-sym' }, '='),
      term(e.reduction ? 'downstream (after the sum)' : 'downstream', h('span', { data: { downstream: e.id } }, renderValue(e.downstream, { kind: 'grad', label: 'downstream' })), 'term-downstream'),
    );
  } else {
    product.append(
      term('upstream', renderValue(e.upstream, { kind: 'grad', label: 'upstream' }), 'term-upstream'),
      h('span', { class: 'op-sym' }, '→'),
      term('downstream', h('span', { data: { downstream: e.id } }, renderValue(e.downstream, { kind: 'grad', label: 'downstream' })), 'term-downstream'),
    );
  }
  card.append(product);
  if (e.reduction) {
    const r = e.reduction;
    card.append(h('p', { class: 'reduction-note', data: { reduction: e.id } },
      'broadcast undone: upstream × local has shape ', h('strong', {}, formatShape(r.from_shape)),
      `, summed over axis ${r.axes.join(', ')} to `, h('strong', {}, formatShape(r.to_shape)),
      `, the shape of ${name(src)}.`));
  }
  const c = ctx.check?.edges.get(e.id);
  if (c) card.append(renderCheck(c, ctx.check));
  else if (ctx.state.check && ctx.trace.check) card.append(h('p', { class: 'check-row muted' }, 'numerical check: not checked for this edge'));
  return card;
}

function renderCheck(c, check) {
  const row = h('p', { class: ['check-row', c.ok ? 'check-ok' : c.kink ? 'check-kink' : 'check-bad'], data: { check: c.edge ?? c.node } },
    h('span', { class: 'row-label' }, 'numerical check'),
    'finite difference ≈ ', renderValue(c.numeric, { kind: 'grad', label: 'finite difference' }),
    ` · rel. error ${formatError(c.max_rel_error)} `,
    h('span', { class: 'check-mark', 'aria-label': c.ok ? 'agrees' : 'disagrees' }, c.ok ? '✓' : c.kink ? '⚠' : '✗'));
  if (c.kink) row.append(h('span', { class: 'kink-tag' }, ` at a kink (eps ${formatNumber(check.eps)}): the estimate straddles it`));
  return row;
}

const MAX_LISTED = 8; // a weight shared by hundreds of ops: list a few, sum them all

function renderContributions(ctx, node, expected, lead) {
  const { tl, p } = ctx;
  const got = contributionsAt(tl, node.id, p);
  const box = h('div', { class: 'fanout-box', data: { fanout: node.id } });
  box.append(h('p', { class: 'fanout-head' }, nodeRef(ctx, node), ` is used ${expected} times, so ${lead} ${expected} contributions:`));
  const list = h('ul', { class: 'fanout-list' });
  const shown = got.length > MAX_LISTED ? [...got.slice(0, MAX_LISTED - 2), null, ...got.slice(-2)] : got;
  for (const c of shown) {
    if (c === null) {
      list.append(h('li', { class: 'muted' }, `… ${got.length - (MAX_LISTED - 2) - 2} more …`));
      continue;
    }
    const e = tl.edges.get(c.edge);
    const consumer = tl.nodes.get(e.target);
    const at = tl.edgeGradAt.get(c.edge);
    list.append(h('li', { data: { contribution: c.edge } },
      renderValue(c.value, { kind: 'grad' }), ' from ',
      h('button', { class: 'link', type: 'button', data: { goto: String(at) }, title: 'go to that step' }, `${ctx.name(consumer)} (${consumer.id})`)));
  }
  box.append(list);
  const scalars = got.every((c) => !Array.isArray(c.value));
  if (got.length === expected && scalars && got.length <= MAX_LISTED) {
    box.append(h('p', { class: 'fanout-sum', data: { fanoutSum: node.id } },
      got.map((c) => formatNumber(c.value)).join(' + '), ' = ', h('strong', {}, formatNumber(node.grad))));
  } else if (got.length === expected) {
    box.append(h('p', { class: 'fanout-sum', data: { fanoutSum: node.id } }, `sum of the ${expected} = `, renderValue(node.grad, { kind: 'grad' })));
  } else {
    box.append(h('p', { class: 'muted' }, `${got.length} of ${expected} arrived so far.`));
  }
  return box;
}

// -- done -----------------------------------------------------------------------------------
function renderDone(body, title, ctx) {
  const { trace, tl, p } = ctx;
  setTitle(title, phaseBadge('done', 'Done'), 'The gradients');
  const leaves = orderedLeaves(trace);
  const list = h('div', { class: 'grad-list' });
  for (const n of leaves) {
    const row = h('div', { class: 'grad-row' },
      h('span', { class: 'grad-name' }, `∂L/∂${n.label} =`),
      h('span', { data: { gradient: n.label } }, renderValue(n.grad, { kind: 'grad', label: `gradient of ${n.label}` })));
    const fan = tl.incoming.get(n.id) ?? [];
    if (fan.length > 1) {
      const got = contributionsAt(tl, n.id, p);
      if (got.length <= MAX_LISTED && got.every((c) => !Array.isArray(c.value))) {
        row.append(h('span', { class: 'sum-note', data: { fanoutSum: n.id } }, ` = ${got.map((c) => formatNumber(c.value)).join(' + ')} (fan-out: ${fan.length} contributions)`));
      } else row.append(h('span', { class: 'sum-note' }, ` (sum of ${fan.length} contributions)`));
    }
    list.append(row);
    const c = ctx.check?.inputs.get(n.id);
    if (c) list.append(renderCheck(c, ctx.check));
  }
  body.append(leaves.length ? list : h('p', { class: 'muted' }, 'No input needs a gradient.'));
  if (ctx.check) {
    body.append(h('p', { class: 'hint' }, `Numerical check: central differences with eps = ${formatNumber(ctx.check.eps)}; `
      + `${trace.check.ok ? 'every analytic gradient agrees.' : 'some gradients disagree (see ⚠ and ✗).'}`));
  }
  body.append(h('p', { class: 'hint' }, 'Step back with ', h('kbd', {}, '←'), ' or open the chain rule for one input.'));
}
