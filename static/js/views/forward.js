// Forward mode: the same graph, tangents flowing left to right node by node. Its own timeline
// (Previous / Next / a slider), each step written as tangent_out = sum of local x tangent_in
// with the numbers, and the closing comparison with reverse mode.
import { comparisonLine, forwardEquation, knownAt } from '../logic/forward.js';
import { formatNumber, TIMES } from '../logic/format.js';
import { clear, h, s } from './dom.js';

export function mountForward(root, toggle, actions) {
  toggle.addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-mode]');
    if (btn) actions.setMode(btn.dataset.mode);
  });
  root.querySelector('[data-forward-input]').addEventListener('change', (ev) => actions.setDirection(ev.target.value));
  root.addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-forward-action]');
    if (!btn) return;
    const f = actions.state().forward;
    const p = f.position;
    const act = btn.dataset.forwardAction;
    if (act === 'prev') actions.forwardGoTo(p - 1);
    else if (act === 'next') actions.forwardGoTo(p + 1);
    else if (act === 'reset') actions.forwardGoTo(0);
    else if (act === 'end') actions.forwardGoTo(f.timeline?.last ?? 0);
  });
  root.querySelector('[data-forward-slider]').addEventListener('input', (ev) => actions.forwardGoTo(Number(ev.target.value)));
}

const num = (v) => (Array.isArray(v) ? 'tensor' : formatNumber(v));

/** The toggle, which panels show, and the forward panel itself; marks the graph's nodes. */
export function renderForward(root, toggle, state, stage) {
  const forward = state.mode === 'forward';
  document.body.dataset.mode = state.mode;
  for (const b of toggle.querySelectorAll('[data-mode]')) b.setAttribute('aria-pressed', String(b.dataset.mode === state.mode));
  root.hidden = !forward;
  markGraph(stage, forward ? state.forward : null);
  if (!forward) return;
  const f = state.forward;
  const select = root.querySelector('[data-forward-input]');
  const names = state.shown ? Object.keys(state.shown.inputs) : [];
  if ([...select.options].map((o) => o.value).join('\u0000') !== names.join('\u0000')) {
    clear(select);
    for (const n of names) select.append(h('option', { value: n }, n));
  }
  if (f.input) select.value = f.input;
  const body = clear(root.querySelector('[data-forward-body]'));
  const err = root.querySelector('[data-forward-error]');
  err.hidden = !f.error;
  err.textContent = f.error ?? '';
  const tl = f.timeline;
  const slider = root.querySelector('[data-forward-slider]');
  const caption = root.querySelector('[data-forward-caption]');
  if (!tl) {
    caption.textContent = f.busy ? 'computing…' : '';
    return;
  }
  slider.max = String(tl.last);
  slider.value = String(f.position);
  slider.style.setProperty('--fwd-end', '100%'); // the track: forward blue all along
  slider.style.setProperty('--bwd-end', '100%');
  const pos = tl.positions[f.position];
  root.dataset.phase = pos.kind;
  if (pos.kind === 'start') {
    caption.textContent = `Start 0 / ${tl.last}`;
    body.append(h('p', {}, `The direction: the tangent of ${f.input} is 1, every other input's is 0. `
      + 'Each step computes one node\'s tangent from its inputs\' tangents, in the order of the forward pass.'));
    for (const n of pos.seeds) body.append(h('p', { class: 'fwd-seed' }, h('code', {}, `tangent(${n.name ?? n.id}) = ${num(n.tangent)}`)));
  } else if (pos.kind === 'tangent') {
    const node = pos.node;
    caption.textContent = `Forward mode ${f.position}/${tl.count}: ${node.label}`;
    body.append(h('h3', { class: 'fwd-title' }, `${node.name ?? node.label} (${node.op})`));
    const table = h('div', { class: 'fwd-terms' });
    for (const t of pos.terms) {
      table.append(h('div', { class: 'fwd-term', data: { forwardTerm: t.edge } },
        h('span', { class: 'fwd-src' }, t.source.name ?? t.source.label),
        h('span', {}, `local ${t.local === null ? '(vector-Jacobian rule)' : num(t.local)} ${TIMES} tangent_in ${num(t.tangentIn)} = `),
        h('strong', {}, t.share === null ? 'none' : num(t.share))));
    }
    body.append(table);
    body.append(h('p', { class: 'fwd-eq' }, h('code', { data: { fwdEquation: '' } }, forwardEquation(pos))));
  } else {
    caption.textContent = `Done ${f.position} / ${tl.last}`;
    body.append(h('p', { class: 'fwd-result' }, `d(output)/d${f.input} = `,
      h('strong', { data: { fwdTangent: '' } }, num(pos.tangent))));
    body.append(h('p', { class: 'fwd-compare', data: { fwdCompare: '' } }, comparisonLine(f.trace, f.input)));
  }
  const off = (act, yes) => root.querySelector(`[data-forward-action="${act}"]`).setAttribute('aria-disabled', yes ? 'true' : 'false');
  off('prev', f.position <= 0);
  off('reset', f.position <= 0);
  off('next', f.position >= tl.last);
  off('end', f.position >= tl.last);
}

function markGraph(stage, f) {
  for (const el of stage.querySelectorAll('.fwd-known, .fwd-current')) el.classList.remove('fwd-known', 'fwd-current');
  for (const el of stage.querySelectorAll('.fwd-tangent')) el.remove();
  if (!f?.timeline) return;
  const known = knownAt(f.timeline, f.position);
  for (const id of known) {
    const g = stage.querySelector(`[data-node="${id}"]`);
    if (!g) continue;
    g.classList.add('fwd-known');
    // the node's tangent, under its box, as the step that computed it passes
    const rect = g.querySelector('rect');
    const node = f.timeline.nodes.get(id);
    const text = s('text', {
      class: 'fwd-tangent', x: Number(rect.getAttribute('width')) / 2,
      y: Number(rect.getAttribute('height')) + 13, 'text-anchor': 'middle',
    }, `tangent ${num(node.tangent)}`);
    g.append(text);
  }
  const pos = f.timeline.positions[f.position];
  if (pos.kind === 'tangent') stage.querySelector(`[data-node="${pos.node.id}"]`)?.classList.add('fwd-current');
}
