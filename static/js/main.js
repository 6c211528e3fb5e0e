// Wiring: which store event re-renders which view, the global keys, and the permalink.
import { selectNode, stepKeys } from './controls.js';
import { EVENTS } from './events.js';
import { initLearn, runForward } from './learn.js';
import { decodeState } from './logic/urlstate.js';
import { Store } from './store.js';
import { mountChain, renderChain, renderChainPosition } from './views/chain.js';
import {
  mountEditor, renderEdited, renderError, renderInputs, renderPresets, renderRunStatus, renderSource,
  renderSourceFocus, renderStale, renderWarnings,
} from './views/editor.js';
import { fitGraph, mountGraph, renderGraph, updateGraph, zoomBy } from './views/graph.js';
import { mountStep, renderCheckToggle, renderStep } from './views/step.js';
import { mountExport, renderExport } from './views/export.js';
import { mountTimeline, renderPlaying, renderTimeline, renderTimelinePosition } from './views/timeline.js';
import { mountTeaching } from './teach.js';
import { mountForward, renderForward } from './views/forward.js';
import { mountTrain, renderTrainRun, renderTrainSettings, renderTrainUpdate } from './views/train.js';
import { LESSON_EVENTS } from './lessons.js';
import { joinFromUrl, Live } from './live.js';
import { mountLive, renderLive } from './views/live.js';

const URL_DELAY_MS = 120; // browsers throttle rapid history updates; stepping can be faster
const $ = (sel) => document.querySelector(sel);

const store = new Store();
const panels = {
  source: $('[data-panel="source"]'),
  graph: $('[data-panel="graph"]'),
  timeline: $('[data-panel="timeline"]'),
  step: $('[data-panel="step"]'),
  chain: $('[data-panel="chain"]'),
};
// figures for the page benchmark (bench/bench_page.py): one record per graph drawn
const timings = { draws: [] };

mountEditor(panels.source, store);
mountTimeline(panels.timeline, store);
mountStep(panels.step, store);
mountChain(panels.chain, store);
const graph = mountGraph(panels.graph.querySelector('[data-graph-stage]'), { onNodeClick });
panels.graph.querySelector('[data-zoom="in"]').addEventListener('click', () => zoomBy(graph, 1.25));
panels.graph.querySelector('[data-zoom="out"]').addEventListener('click', () => zoomBy(graph, 0.8));
panels.graph.querySelector('[data-zoom="fit"]').addEventListener('click', () => fitGraph(graph, { whole: true }));

// -- events -> views ------------------------------------------------------------------------
const on = (type, fn) => store.addEventListener(type, (ev) => fn(store.state, ev.detail ?? {}));

on(EVENTS.examples, (s) => renderPresets(panels.source, s));
on(EVENTS.source, (s) => renderSource(panels.source, s));
on(EVENTS.edited, (s) => renderEdited(panels.source, s));
on(EVENTS.parsed, (s, d) => {
  if (!d.error) {
    renderInputs(panels.source, s);
    renderStale(panels.source, s);
    renderWarnings(panels.source, s);
  }
  renderError(panels.source, s);
});
on(EVENTS.status, (s) => {
  renderRunStatus(panels.source, s);
  renderError(panels.source, s);
  renderCheckToggle(panels.step, s);
  document.body.dataset.status = s.status;
});
on(EVENTS.trace, (s, d) => {
  const t0 = d.receivedAt;
  const layout = renderGraph(graph, s);
  renderInputs(panels.source, s);
  renderWarnings(panels.source, s);
  renderStale(panels.source, s);
  renderTimeline(panels.timeline, s);
  renderChain(panels.chain, s);
  renderCheckToggle(panels.step, s);
  const record = { nodes: s.trace.nodes.length, layoutMs: layout.ms, drawnMs: 0, paintedMs: 0 };
  timings.draws.push(record);
  queueMicrotask(() => { record.drawnMs = performance.now() - t0; });
  requestAnimationFrame(() => setTimeout(() => { record.paintedMs = performance.now() - t0; }, 0));
});
on(EVENTS.position, (s, d) => {
  updateGraph(graph, s, d);
  renderTimelinePosition(panels.timeline, s);
  renderStep(panels.step, s);
  renderChainPosition(panels.chain, s);
  renderSourceFocus(panels.source, s);
});
on(EVENTS.playing, (s) => renderPlaying(panels.timeline, s));
on(EVENTS.check, (s) => { renderCheckToggle(panels.step, s); renderStep(panels.step, s); });
on(EVENTS.chain, (s) => { renderChain(panels.chain, s); renderChainPosition(panels.chain, s); });

let urlTimer = 0;
on(EVENTS.url, () => {
  if (live.active) return; // the address holds the join link (and the presenter's token)
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    if (live.active) return; // a session started meanwhile: its address stays
    const q = store.permalink();
    if (q && `?${q}` !== window.location.search) window.history.replaceState(null, '', `?${q}`);
  }, URL_DELAY_MS);
});

// lessons, the projector view, speaker notes, the quiz (static/js/teach.js): after the wiring
// above, so its views render after the step panel at each event
const teaching = mountTeaching(store, graph);

function onNodeClick(id) {
  selectNode(store, id);
}

// -- gradient descent and forward mode (static/js/learn.js) --------------------------------
const learn = initLearn(store);
panels.train = $('[data-panel="train"]');
panels.forward = $('[data-panel="forward"]');
const modeToggle = $('[data-mode-toggle]');
const charts = mountTrain(panels.train, learn);
mountForward(panels.forward, modeToggle, { ...learn, state: () => store.state });
const stage = panels.graph.querySelector('[data-graph-stage]');
on(EVENTS.train, (s) => {
  renderTrainSettings(panels.train, s);
  renderTrainUpdate(panels.train, s);
  renderTrainRun(panels.train, s, charts);
});
on(EVENTS.forward, (s) => renderForward(panels.forward, modeToggle, s, stage));
on(EVENTS.trace, (s) => {
  renderTrainSettings(panels.train, s);
  if (s.mode === 'forward') runForward(store); // the same graph, new numbers: tangents again
});
on(EVENTS.source, (s) => learn.applyPreset(s.examples.find((e) => e.id === s.exampleId)));

/** Forward mode's own timeline takes the stepping keys while it is shown. */
function forwardKey(key) {
  const f = store.state.forward;
  const moves = { ArrowRight: f.position + 1, ArrowLeft: f.position - 1, Home: 0, End: f.timeline?.last ?? 0 };
  if (!(key in moves)) return false;
  learn.forwardGoTo(moves[key]);
  return true;
}

// -- keys: Right / Left step, Space plays, Home / End jump ------------------------------------
document.addEventListener('keydown', stepKeys(store, (key) => store.state.mode === 'forward' && forwardKey(key)));

// -- share ----------------------------------------------------------------------------------
$('[data-action="copy-link"]').addEventListener('click', async () => {
  const status = $('[data-copy-status]');
  const q = store.permalink();
  const url = `${window.location.origin}${window.location.pathname}${q ? `?${q}` : ''}`;
  window.history.replaceState(null, '', q ? `?${q}` : window.location.pathname);
  try {
    await navigator.clipboard.writeText(url);
    status.textContent = 'Link copied';
  } catch {
    status.textContent = 'Copy the address bar: it holds this view';
  }
  setTimeout(() => { status.textContent = ''; }, 2500);
});

// -- export: the graph as SVG, PNG, LaTeX, DOT, PyTorch, JSON -------------------------
const exportRoot = $('[data-export]');
mountExport(exportRoot, store, graph);
on(EVENTS.trace, (s) => renderExport(exportRoot, s));
renderExport(exportRoot, store.state);

// -- start: a permalink, else the first example (the post's sigmoid) -------------------------
async function start() {
  await store.loadReference();
  const joining = joinFromUrl();
  if (joining) await teaching.lessons.load(); // a session's lesson slide shows in the slide bar
  if (joining && await live.join(joining.id, joining.token)) {
    document.body.dataset.ready = '1';
    return;
  }
  const restored = decodeState(window.location.search);
  if (await teaching.start(window.location.search, restored)) {
    // a lesson's slide (?lesson=<id>&slide=<n>)
  } else if (restored) {
    await store.restore(restored);
  } else if (store.state.examples.length) {
    await store.applyExample(store.state.examples[0].id);
  } else {
    store.setSource({ expression: '1/(1+exp(-z))', inputs: { z: '0' } });
    await store.runTyped();
  }
  document.body.dataset.ready = '1';
}

// -- live class sessions (static/js/live.js, views/live.js) ---------------------------------
const live = new Live(store, teaching.lessons);
const livePanel = $('[data-live]');
const liveStart = $('[data-action="live-start"]');
mountLive(livePanel, live);
const renderLiveBar = () => {
  renderLive(livePanel, live, store);
  liveStart.hidden = live.active;
};
live.addEventListener('live', renderLiveBar);
store.addEventListener(EVENTS.position, () => { renderLiveBar(); live.presenterChanged(); });
store.addEventListener(EVENTS.trace, () => live.presenterChanged());
teaching.lessons.addEventListener(LESSON_EVENTS.slide, () => live.presenterChanged());
liveStart.addEventListener('click', () => live.start());

// The one debugging hook (docs/page.md): the store and the drawing timings, for the browser
// tests, bench/bench_page.py and the devtools console. Nothing in the page reads it.
window.backprop = { store, timings, live };
start();
