// The training panel: which inputs are parameters, the learning rate and optimizer, "Update"
// (one step written out as w <- w - lr * dL/dw with the numbers) and "Train N steps" (the loss
// curve and, for one or two scalar parameters, their paths, drawn with uPlot; a slider steps
// through the history and opens any step's graph).
import uPlot from '../../vendor/uplot/dist/uPlot.esm.js';
import { OPTIMIZERS } from '../learn.js';
import { formatNumber, MINUS, TIMES, toNumber } from '../logic/format.js';
import { clear, h } from './dom.js';

export function mountTrain(root, actions) {
  const opt = root.querySelector('[data-train-optimizer]');
  for (const o of OPTIMIZERS) opt.append(h('option', { value: o.name }, o.title));
  root.addEventListener('change', (ev) => {
    const el = ev.target;
    if (el.dataset.trainParam) actions.setParam(el.dataset.trainParam, el.checked);
    else if (el.matches('[data-train-optimizer]')) actions.setField('optimizer', el.value);
  });
  root.addEventListener('input', (ev) => {
    const el = ev.target;
    if (el.matches('[data-train-lr]')) actions.setField('lr', el.value);
    else if (el.matches('[data-train-steps]')) actions.setField('steps', el.value);
    else if (el.matches('[data-train-at]')) actions.seeStep(Number(el.value));
  });
  root.querySelector('[data-train-update]').addEventListener('click', () => actions.update());
  root.querySelector('[data-train-run]').addEventListener('click', () => actions.train());
  root.querySelector('[data-train-open]').addEventListener('click', (ev) => {
    actions.openStep(Number(ev.currentTarget.dataset.step));
  });
  const charts = { loss: null, paths: null, drawn: null };
  new ResizeObserver(() => {
    for (const [key, sel] of [['loss', '[data-train-chart]'], ['paths', '[data-train-paths]']]) {
      const c = charts[key];
      if (c) c.setSize({ width: chartWidth(root.querySelector(sel)), height: c.height });
    }
  }).observe(root);
  return charts;
}

/** Parameter checkboxes (one per input of the shown graph) and the fields. */
export function renderTrainSettings(root, state) {
  const t = state.train;
  const list = root.querySelector('[data-train-params]');
  const names = state.shown ? Object.keys(state.shown.inputs) : [];
  const have = [...list.querySelectorAll('[data-train-param]')].map((el) => el.dataset.trainParam);
  if (have.join('\u0000') !== names.join('\u0000')) {
    clear(list);
    for (const name of names) {
      const box = h('input', { type: 'checkbox', data: { trainParam: name } });
      list.append(h('label', { class: 'train-param' }, box, h('span', {}, name)));
    }
  }
  for (const el of list.querySelectorAll('[data-train-param]')) el.checked = t.params.includes(el.dataset.trainParam);
  const set = (sel, v) => {
    const el = root.querySelector(sel);
    if (el.value !== v && document.activeElement !== el) el.value = v;
  };
  set('[data-train-lr]', t.lr);
  set('[data-train-steps]', t.steps);
  set('[data-train-optimizer]', t.optimizer);
  // aria-busy only while a run is on (the buttons' CSS dims any aria-busy)
  for (const sel of ['[data-train-update]', '[data-train-run]']) root.querySelector(sel).toggleAttribute('aria-busy', t.busy);
  root.querySelector('[data-train-run-label]').textContent = `Train ${t.steps || 'N'} steps`;
  const err = root.querySelector('[data-train-error]');
  err.hidden = !t.error;
  err.textContent = t.error ?? '';
}

const num = (v) => (Array.isArray(v) ? 'tensor' : formatNumber(v));
const paren = (v) => {
  const s = num(v);
  return s.startsWith(MINUS) ? `(${s})` : s;
};

let lastUpdate = null;

/** The last Update: per parameter, new = old - lr * grad with the numbers. */
export function renderTrainUpdate(root, state) {
  const box = clear(root.querySelector('[data-train-update-rows]'));
  const u = state.train.update;
  if (!u) return;
  box.append(h('p', { class: 'muted small', data: { trainUpdateStep: String(u.step) } },
    u.optimizer.name === 'sgd'
      ? `Update ${u.step}:`
      : `Update ${u.step} of one ${u.optimizer.title} run (${u.optimizer.text}):`));
  for (const r of u.rows) {
    const scalar = !Array.isArray(r.old);
    const eq = u.optimizer.name === 'sgd' && scalar
      ? `${r.name} \u2190 ${num(r.old)} ${MINUS} ${num(u.lr)} ${TIMES} ${paren(r.grad)} = ${num(r.value)}`
      : scalar
        ? `${r.name}: ${num(r.old)} \u2192 ${num(r.value)} (dL/d${r.name} = ${num(r.grad)})`
        : `${r.name} \u2190 updated elementwise`;
    box.append(h('div', { class: 'train-row', data: { trainRow: r.name } },
      u.optimizer.name === 'sgd'
        ? h('code', { class: 'train-rule' }, `${r.name} \u2190 ${r.name} ${MINUS} lr ${TIMES} dL/d${r.name}`)
        : null,
      h('code', { class: 'train-eq', data: { trainEq: r.name } }, eq)));
  }
  if (u !== lastUpdate) {
    lastUpdate = u; // a new Update: bring its rows into view
    requestAnimationFrame(() => box.scrollIntoView({ block: 'nearest' }));
  }
  if (u.losses.length === 2) {
    box.append(h('p', { class: 'train-loss' }, `loss ${num(u.losses[0])} \u2192 `,
      h('span', { data: { trainUpdateLoss: '' } }, num(u.losses[1]))));
  }
}

const ticks = (u, vals) => vals.map((v) => formatNumber(v, { digits: 3 }));

/** A uPlot hook: a vertical line at the history step the slider shows. */
function stepMarker(charts) {
  return (u) => {
    const x = u.valToPos(charts.at ?? 0, 'x', true);
    const { ctx, bbox } = u;
    ctx.save();
    ctx.strokeStyle = '#1d5bb8';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    ctx.restore();
  };
}

function chartWidth(el) {
  return Math.max(200, Math.floor(el.getBoundingClientRect().width || 300));
}

const finiteOrNull = (v) => {
  const x = toNumber(v);
  return Number.isFinite(x) ? x : null;
};

/** The run: its loss curve, parameter paths, the history slider, the divergence. */
export function renderTrainRun(root, state, charts) {
  const r = state.train.result;
  const panel = root.querySelector('[data-train-result]');
  panel.hidden = !r;
  if (!r) return;
  const xs = r.losses.map((_, i) => i);
  const lossEl = root.querySelector('[data-train-chart]');
  const pathsEl = root.querySelector('[data-train-paths]');
  if (charts.drawn !== r) {
    charts.drawn = r;
    // a new run: bring its curve into view (the panel sits low in the sidebar)
    requestAnimationFrame(() => lossEl.scrollIntoView({ block: 'nearest' }));
    charts.loss?.destroy();
    charts.paths?.destroy();
    charts.paths = null;
    charts.loss = new uPlot({
      width: chartWidth(lossEl), height: 150, legend: { show: false },
      hooks: { draw: [stepMarker(charts)] },
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { label: 'loss', size: 56, values: ticks }],
      series: [{}, { label: 'loss', stroke: '#a24a00', width: 2, points: { show: xs.length < 40 } }],
    }, [xs, r.losses.map(finiteOrNull)], lossEl);
    const scalars = r.params.filter((p) => !Array.isArray(r.history[0].values[p]));
    pathsEl.hidden = !(scalars.length && r.params.length <= 2 && scalars.length === r.params.length);
    if (!pathsEl.hidden) {
      const colors = ['#1d5bb8', '#1c6e37'];
      charts.paths = new uPlot({
        width: chartWidth(pathsEl), height: 150, legend: { show: false },
        hooks: { draw: [stepMarker(charts)] },
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, { label: 'value', size: 56, space: 20, values: ticks }],
        series: [{}, ...scalars.map((p, i) => ({ label: p, stroke: colors[i], width: 2 }))],
      }, [xs, ...scalars.map((p) => r.history.map((row) => finiteOrNull(row.values[p])))], pathsEl);
    }
  }
  const at = state.train.at;
  if (charts.at !== at) {
    charts.at = at;
    charts.loss?.redraw(false);
    charts.paths?.redraw(false);
  }
  const slider = root.querySelector('[data-train-at]');
  slider.max = String(r.steps);
  slider.value = String(at);
  slider.style.setProperty('--fwd-end', '100%');
  slider.style.setProperty('--bwd-end', '100%');
  const row = r.history[at];
  root.querySelector('[data-train-final-loss]').textContent = num(r.losses[r.losses.length - 1]);
  root.querySelector('[data-train-steps-run]').textContent = String(r.steps);
  const stepText = root.querySelector('[data-train-step-text]');
  const vals = r.params.map((p) => `${p} = ${num(row.values[p])}`).join(', ');
  stepText.textContent = `step ${at}: loss ${num(row.loss)}${vals.includes('tensor') ? '' : `; ${vals}`}`;
  const open = root.querySelector('[data-train-open]');
  open.dataset.step = String(at);
  open.textContent = `Open step ${at}'s graph`;
  const key = root.querySelector('[data-train-paths-key]');
  key.hidden = pathsEl.hidden;
  key.textContent = pathsEl.hidden ? '' : r.params.map((p, i) => `${p} (${['blue', 'green'][i]}): `
    + `${num(r.history[0].values[p])} \u2192 ${num(r.history[r.steps].values[p])}`).join(', ');
  const d = root.querySelector('[data-train-diverged]');
  d.hidden = !r.diverged;
  d.textContent = r.diverged ? `Diverged at step ${r.diverged.step}: ${r.diverged.message}` : '';
}
