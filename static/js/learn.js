// Gradient descent and forward mode: the store's actions for the training panel and the
// forward-mode panel. State lives in store.state.train and store.state.forward; each change is
// announced with EVENTS.train or EVENTS.forward (the views only render).
import { api, ApiError } from './api.js';
import { EVENTS } from './events.js';
import { buildForwardTimeline } from './logic/forward.js';
import { formatInputValue, parseInputText } from './logic/inputs.js';

export const OPTIMIZERS = [
  { name: 'sgd', title: 'SGD' },
  { name: 'momentum', title: 'Momentum (0.9)' },
  { name: 'adam', title: 'Adam' },
];

export function initLearn(store) {
  store.state.train = {
    params: [], lr: '0.05', optimizer: 'sgd', steps: '20',
    busy: false, error: null, update: null, result: null, at: 0,
  };
  store.state.mode = 'reverse';
  store.state.forward = { input: null, trace: null, timeline: null, position: 0, busy: false, error: null };
  return {
    setParam: (name, on) => setParam(store, name, on),
    setField: (key, value) => { store.state.train[key] = value; store.emit(EVENTS.train); },
    update: () => update(store),
    train: () => train(store),
    seeStep: (k) => seeStep(store, k),
    openStep: (k) => openStep(store, k),
    applyPreset: (ex) => applyPreset(store, ex),
    setMode: (mode) => setMode(store, mode),
    setDirection: (name) => setDirection(store, name),
    forwardGoTo: (p) => forwardGoTo(store, p),
  };
}

// -- training -------------------------------------------------------------------------------
function setParam(store, name, on) {
  const t = store.state.train;
  t.params = on ? [...new Set([...t.params, name])] : t.params.filter((n) => n !== name);
  store.emit(EVENTS.train);
}

function applyPreset(store, ex) {
  const t = store.state.train;
  t.update = null;
  t.result = null;
  t.error = null;
  t.run = null;
  if (ex?.train) {
    t.params = [...ex.train.params];
    t.lr = String(ex.train.lr);
    t.steps = String(ex.train.steps);
    t.optimizer = ex.train.optimizer;
  }
  store.emit(EVENTS.train);
}

/** The shown graph's source (or these input texts) as a /api/train body, or an error message. */
function trainBody(store, steps, texts = store.state.shown?.inputs) {
  const s = store.state;
  const t = s.train;
  if (!s.shown) return { error: 'Run an expression first.' };
  const params = t.params.filter((n) => n in s.shown.inputs);
  if (!params.length) return { error: 'Mark at least one input as a parameter.' };
  const lr = Number(t.lr);
  if (!(lr > 0) || !Number.isFinite(lr)) return { error: 'The learning rate must be a positive number.' };
  const inputs = {};
  for (const [name, text] of Object.entries(texts)) inputs[name] = parseInputText(text).value;
  const body = { expression: s.shown.expression, inputs, params, lr, steps, optimizer: t.optimizer };
  if (s.shown.options?.sigmoid) body.sigmoid = s.shown.options.sigmoid;
  return { body };
}

async function post(store, steps, texts) {
  const t = store.state.train;
  const { body, error } = trainBody(store, steps, texts);
  if (error) {
    t.error = error;
    store.emit(EVENTS.train);
    return null;
  }
  t.busy = true;
  t.error = null;
  store.emit(EVENTS.train);
  try {
    return { body, result: await api.train(body) };
  } catch (err) {
    t.error = err instanceof ApiError ? err.message : String(err);
    return null;
  } finally {
    t.busy = false;
    store.emit(EVENTS.train);
  }
}

/** Show the graph with the parameters at these values, at the same step (the layout stays). */
function showWith(store, values) {
  const s = store.state;
  const inputs = { ...s.shown.inputs };
  for (const [name, v] of Object.entries(values)) {
    inputs[name] = formatInputValue(v);
    s.inputTexts[name] = inputs[name];
  }
  return store.run({ source: { ...s.shown, inputs }, position: s.position });
}

/**
 * One more step. Successive Updates continue one run (momentum's velocity and Adam's moments
 * carry over): the k-th asks the service for k steps from where the first began and shows the
 * last; any change (an input, the settings, another graph) starts a new run from what is shown.
 */
async function update(store) {
  const s = store.state;
  const t = s.train;
  if (!s.shown) return post(store, 1);
  const key = JSON.stringify([s.shown.expression, s.shown.options, t.params, t.optimizer, t.lr]);
  let run = t.run;
  const continues = run && run.key === key && run.k < MAX_CONTINUED
    && JSON.stringify(run.expect) === JSON.stringify(s.shown.inputs);
  if (!continues) run = { key, start: { ...s.shown.inputs }, k: 0 };
  const got = await post(store, run.k + 1, run.start);
  if (!got) return;
  const { result } = got;
  const before = result.history[result.history.length - 2];
  const after = result.history.length > run.k + 1 ? result.history[run.k + 1] : null;
  t.update = {
    lr: result.lr,
    optimizer: result.optimizer,
    step: run.k + 1,
    rows: result.params.map((name) => ({
      name, old: before.values[name], grad: before.gradients[name], value: after ? after.values[name] : null,
    })),
    losses: [before.loss, ...(after ? [after.loss] : [])],
    diverged: result.diverged ?? null,
  };
  store.emit(EVENTS.train);
  if (!after) return;
  await showWith(store, after.values);
  t.run = { ...run, k: run.k + 1, expect: { ...s.shown.inputs } };
}

/** Updates that continue one run; the next starts afresh (each re-runs the steps before it). */
const MAX_CONTINUED = 200;

async function train(store) {
  const steps = Number.parseInt(store.state.train.steps, 10);
  const t = store.state.train;
  if (!(steps >= 1)) {
    t.error = 'Steps must be a whole number from 1.';
    store.emit(EVENTS.train);
    return;
  }
  const got = await post(store, steps);
  if (!got) return;
  t.result = got.result;
  t.at = got.result.steps;
  store.emit(EVENTS.train);
}

function seeStep(store, k) {
  const t = store.state.train;
  if (!t.result) return;
  t.at = Math.max(0, Math.min(t.result.steps, k));
  store.emit(EVENTS.train);
}

function openStep(store, k) {
  const t = store.state.train;
  const row = t.result?.history[k];
  if (!row) return Promise.resolve();
  return showWith(store, row.values);
}

// -- forward mode ---------------------------------------------------------------------------
function setMode(store, mode) {
  const s = store.state;
  if (s.mode === mode) return Promise.resolve();
  s.mode = mode;
  store.pause();
  // the graph shows every forward value (the end of the reverse timeline's forward pass)
  if (mode === 'forward' && s.timeline) store.goTo(s.timeline.backwardStart - 1);
  store.emit(EVENTS.forward);
  return mode === 'forward' ? runForward(store) : Promise.resolve();
}

function setDirection(store, name) {
  store.state.forward.input = name;
  return runForward(store);
}

/** POST /api/graph for the shown source with tangent 1 on one input (the others 0). */
export async function runForward(store) {
  const s = store.state;
  const f = s.forward;
  if (!s.shown || s.mode !== 'forward') return;
  const names = Object.keys(s.shown.inputs);
  if (!names.includes(f.input)) f.input = names.includes(s.chain) ? s.chain : names[0] ?? null;
  if (!f.input) {
    f.error = 'The expression has no input to move.';
    store.emit(EVENTS.forward);
    return;
  }
  const inputs = {};
  for (const [name, text] of Object.entries(s.shown.inputs)) inputs[name] = parseInputText(text).value;
  const body = { expression: s.shown.expression, inputs, ...s.shown.options, tangents: { [f.input]: 1 } };
  f.busy = true;
  store.emit(EVENTS.forward);
  try {
    f.trace = await api.graph(body);
    f.timeline = buildForwardTimeline(f.trace);
    f.position = 0;
    f.error = null;
  } catch (err) {
    f.error = err instanceof ApiError ? err.message : String(err);
  } finally {
    f.busy = false;
    store.emit(EVENTS.forward);
  }
}

function forwardGoTo(store, p) {
  const f = store.state.forward;
  if (!f.timeline) return;
  f.position = Math.max(0, Math.min(f.timeline.last, p));
  store.emit(EVENTS.forward);
}
