// The chain rule for a chosen input: one row per path (output first), each a product of local
// gradients with their numbers, then the sum over paths.
import { chainInputs, chainRule, MAX_PATHS } from '../logic/chain.js';
import { formatNumber } from '../logic/format.js';
import { clear, h } from './dom.js';
import { mathEl } from './math.js';
import { renderValue } from './tensor.js';

export function mountChain(root, store) {
  root.querySelector('[data-chain-input]').addEventListener('change', (ev) => store.setChain(ev.target.value));
}

export function renderChain(root, state) {
  const select = root.querySelector('[data-chain-input]');
  const body = root.querySelector('[data-chain-body]');
  clear(body);
  const { trace } = state;
  if (!trace) return;
  const inputs = chainInputs(trace);
  clear(select);
  for (const n of inputs) select.append(h('option', { value: n.name ?? n.id }, n.name ?? n.id));
  select.disabled = inputs.length < 2;
  const node = inputs.find((n) => (n.name ?? n.id) === state.chain);
  if (!node) {
    body.append(h('p', { class: 'muted' }, 'No input needs a gradient.'));
    return;
  }
  select.value = node.name ?? node.id;
  const r = chainRule(trace, node.id, { limit: MAX_PATHS, ops: state.ops });
  const name = node.name ?? node.id;
  body.append(h('p', { class: 'chain-lead' },
    `∂L/∂${name} sums ${r.count === 1 ? 'one path' : `${r.count.toLocaleString('en')} paths`} from ${name} to the output; `
    + 'along each path the local gradients multiply (output first, starting from the seed).'));

  const paths = h('ol', { class: 'chain-paths' });
  r.paths.forEach((factors, i) => {
    const row = h('div', { class: 'chain-factors' });
    row.append(factor('seed', mathEl('1'), r.seed, null));
    for (const f of factors) {
      row.append(h('span', { class: 'dot' }, '·'), factor(f.name ? `${f.title} (${f.name})` : f.title, mathEl(f.formula), f.local, f.edge));
    }
    if (r.products[i] !== null) {
      row.append(h('span', { class: 'chain-eq' }, h('span', { class: 'dot' }, '='), ' ',
        h('span', { class: 'chain-product', data: { pathProduct: String(i) } }, formatNumber(r.products[i]))));
    }
    paths.append(h('li', { class: 'chain-path' }, row));
  });
  body.append(paths);
  if (r.truncated) {
    body.append(h('p', { class: 'muted' }, `Showing ${r.paths.length} of ${r.count.toLocaleString('en')} paths; the sum below is the gradient backprop computed.`));
  }
  const total = h('p', { class: 'chain-total', data: { chainTotal: name } }, `∂L/∂${name} = `);
  if (r.total !== null && r.paths.length > 1) {
    total.append(r.products.map((x) => formatNumber(x)).join(' + '), ' = ');
  }
  total.append(renderValue(r.grad, { kind: 'grad', label: `gradient of ${name}` }));
  body.append(total);
  if (!r.scalar) {
    body.append(h('p', { class: 'hint' }, 'With tensors each factor is a Jacobian (or a vector-Jacobian rule), '
      + 'so the products are not single numbers; the step panel shows each one applied to the upstream.'));
  }
}

function factor(label, formula, value, edge) {
  return h('span', { class: 'factor', data: edge ? { factorEdge: edge } : {} },
    h('span', { class: 'factor-formula' }, formula),
    h('span', { class: 'factor-value' }, value === null || value === undefined ? '—' : Array.isArray(value) ? 'tensor' : formatNumber(value)),
    h('span', { class: 'factor-label' }, label));
}

/** Mark the factors whose edge has already carried its gradient at this position. */
export function renderChainPosition(root, state) {
  const tl = state.timeline;
  if (!tl) return;
  for (const el of root.querySelectorAll('[data-factor-edge]')) {
    const at = tl.edgeGradAt.get(el.dataset.factorEdge);
    el.classList.toggle('is-done', at !== undefined && at <= state.position);
    el.classList.toggle('is-current', at === state.position);
    // not reached yet: the projector view and the quiz hide these numbers (body.hide-ahead)
    el.classList.toggle('is-ahead', at === undefined || at > state.position);
  }
  for (const path of root.querySelectorAll('.chain-path')) {
    path.classList.toggle('is-ahead', !!path.querySelector('.factor.is-ahead'));
    path.classList.toggle('has-current', !!path.querySelector('.factor.is-current'));
  }
  const total = root.querySelector('[data-chain-total]');
  const input = [...tl.nodes.values()].find((n) => !n.inputs.length && (n.name ?? n.id) === state.chain);
  const at = input ? tl.gradAt.get(input.id) : undefined;
  total?.classList.toggle('is-ahead', at === undefined || at > state.position);
  total?.classList.toggle('is-current', at === state.position);
}
